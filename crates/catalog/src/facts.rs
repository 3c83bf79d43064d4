//! Facts about AWS that the Service Authorization Reference does not hold: its partitions, the
//! form of region names and ARNs, and the IAM actions that let a principal raise its own
//! permissions. The checker, the escalation analysis and the configuration all read them here.

/// AWS's partitions.
pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// `eu-west-1`, `us-gov-west-1`, `cn-north-1`, or a pattern with `*`.
pub fn is_region(text: &str) -> bool {
    if text.contains('*') {
        return text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '*');
    }
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts
            .first()
            .is_some_and(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

/// What is wrong with an ARN's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArnProblem {
    /// The problem, in words (`the resource part is empty`).
    pub what: &'static str,
    /// Whether IAM stores a policy with this ARN all the same. IAM refuses a resource that is
    /// not `arn:` and six `:`-separated parts, of an unknown partition or without a service
    /// (the service segment cannot even be a wildcard); the account and resource parts are
    /// matched as written (AWS's own managed policies hold `arn:aws:organizations::*:`). iamdsl refuses those too where a person
    /// writes them; a `#[verbatim]` statement keeps them. See "Identify AWS resources with
    /// Amazon Resource Names (ARNs)",
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>, and
    /// "IAM JSON policy elements: Resource",
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>.
    pub aws_accepts: bool,
}

/// What is wrong with an ARN's form, if anything.
pub fn arn_problem(arn: &str) -> Option<ArnProblem> {
    let rejected = |what| {
        Some(ArnProblem {
            what,
            aws_accepts: false,
        })
    };
    let accepted = |what| {
        Some(ArnProblem {
            what,
            aws_accepts: true,
        })
    };
    if arn.len() > 2048 {
        return rejected("longer than the 2048 characters AWS allows");
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.first() != Some(&"arn") {
        return rejected("an ARN starts with `arn:`");
    }
    if parts.len() < 6 {
        return rejected("an ARN has six parts separated by `:`");
    }
    let partition = parts[1];
    if !(partition == "*" || PARTITIONS.contains(&partition)) {
        return rejected("the partition is not one of AWS's (`aws`, `aws-cn`, `aws-us-gov`, …)");
    }
    if parts[2].is_empty() {
        return rejected("the service part is empty");
    }
    let account = parts[4];
    if !(account.is_empty()
        || account == "aws"
        || account.contains('*')
        || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())))
    {
        return accepted("the account part is not 12 digits");
    }
    if parts[5].is_empty() {
        return accepted("the resource part is empty");
    }
    None
}

/// Actions that rewrite what a principal may do, by the kind of principal they act on
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-attach-detach.html>).
pub const EDIT_ROLE: &[&str] = &["iam:PutRolePolicy", "iam:AttachRolePolicy"];
pub const EDIT_USER: &[&str] = &["iam:PutUserPolicy", "iam:AttachUserPolicy"];
pub const EDIT_GROUP: &[&str] = &["iam:PutGroupPolicy", "iam:AttachGroupPolicy"];
/// Actions that make a new version of a managed policy the one in force.
pub const EDIT_POLICY: &[&str] = &["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"];
/// Actions that take a principal's permissions boundary away or replace it.
pub const LIFT_ROLE_BOUNDARY: &[&str] = &[
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutRolePermissionsBoundary",
];
pub const LIFT_USER_BOUNDARY: &[&str] = &[
    "iam:DeleteUserPermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
];
/// Actions that give a principal another user's credentials.
pub const CREDENTIALS: &[&str] = &[
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
];
/// Joining a group gains its permissions; rewriting a role's trust lets one assume it; passing a
/// role to a service runs code as it.
pub const JOIN_GROUP: &str = "iam:AddUserToGroup";
pub const EDIT_TRUST: &str = "iam:UpdateAssumeRolePolicy";
pub const PASS_ROLE: &str = "iam:PassRole";

/// Services that run code as a role passed to them: the action, and the service principal the
/// role is passed to (`iam:PassedToService`) and must trust.
pub const RUN_AS_ROLE: &[(&str, &str)] = &[
    ("lambda:CreateFunction", "lambda.amazonaws.com"),
    ("ec2:RunInstances", "ec2.amazonaws.com"),
    ("ecs:RunTask", "ecs-tasks.amazonaws.com"),
    ("glue:CreateDevEndpoint", "glue.amazonaws.com"),
    ("cloudformation:CreateStack", "cloudformation.amazonaws.com"),
];

/// Whether `action` (as the catalog spells it) lets a principal give itself more than it has.
pub fn is_escalation(action: &str) -> bool {
    // Asked of every action a statement grants: most are not IAM's.
    action.starts_with("iam:") && escalation_actions().any(|e| e == action)
}

/// Every action that lets a principal give itself more than it has: the tables above.
pub fn escalation_actions() -> impl Iterator<Item = &'static str> {
    [
        EDIT_ROLE,
        EDIT_USER,
        EDIT_GROUP,
        EDIT_POLICY,
        CREDENTIALS,
        LIFT_ROLE_BOUNDARY,
        LIFT_USER_BOUNDARY,
    ]
    .into_iter()
    .flatten()
    .copied()
    .chain([JOIN_GROUP, EDIT_TRUST, PASS_ROLE])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for ok in [
            "eu-west-1",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-2",
            "*",
            "eu-*",
        ] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in ["eu-west", "EU-WEST-1", "west-1", "eu--1", "eu-west-1a", ""] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn escalation_actions_are_distinct_iam_actions() {
        let mut all: Vec<&str> = escalation_actions().collect();
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count);
        assert_eq!(count, 18);
        assert!(
            all.iter().all(|a| crate::catalog().action(a).is_some()),
            "{all:?}"
        );
    }

    #[test]
    fn arn_problems_say_whether_aws_stores_the_arn() {
        let problem = |arn: &str| arn_problem(arn).map(|p| (p.what, p.aws_accepts));
        assert_eq!(problem("arn:aws:s3:::bucket"), None);
        assert_eq!(problem("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
        // AWS's own AmazonDevOpsGuruOrganizationsAccess holds this one.
        assert_eq!(
            problem("arn:aws:organizations::*:"),
            Some(("the resource part is empty", true))
        );
        assert_eq!(
            problem("arn:aws:s3:::"),
            Some(("the resource part is empty", true))
        );
        assert_eq!(
            problem("arn:aws:iam::1234:role/x"),
            Some(("the account part is not 12 digits", true))
        );
        for rejected in [
            "arn:aws:s3:bucket",
            "s3:::bucket",
            "arn:awz:s3:::bucket",
            "arn:aws::::x",
        ] {
            assert!(
                problem(rejected).is_some_and(|(_, accepted)| !accepted),
                "{rejected}"
            );
        }
    }
}
