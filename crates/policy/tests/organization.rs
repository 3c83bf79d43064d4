//! The organization's SCPs and RCPs in the access layer, by AWS's documented logic
//! (Organizations User Guide: "SCP evaluation", "Resource control policies"; IAM User Guide:
//! "Policy evaluation logic"). Every state is hand-written JSON, read as deployed or built
//! state is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_policy::access::Access;
use iamdsl_policy::authz::AuthorizationDetails;
use iamdsl_policy::eval::{Context, Decision, Quantifier};

use Decision::{Allow, ExplicitDeny, ImplicitDeny};

const MANAGEMENT: &str = "111111111111";
const PROD: &str = "222222222222";
const SANDBOX: &str = "333333333333";
const OUTSIDER: &str = "arn:aws:iam::444444444444:role/outsider";

fn role_arn(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

fn role(account: &str, name: &str, path: &str, action: &str) -> String {
    format!(
        r#"{{"Path":"{path}","RoleName":"{name}","Arn":"arn:aws:iam::{account}:role{path}{name}","AssumeRolePolicyDocument":{{"Version":"2012-10-17","Statement":[]}},"RolePolicyList":[{{"PolicyName":"p","PolicyDocument":{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}}}],"AttachedManagedPolicies":[]}}"#
    )
}

const DENY_LEAVING: &str = r#"{"Type":"SERVICE_CONTROL_POLICY","Name":"deny_leaving","Content":{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}}"#;
const FULL: &str = r#"{"Type":"SERVICE_CONTROL_POLICY","Name":"FullAWSAccess","AwsManaged":true,"Content":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}}"#;
const ONLY_S3: &str = r#"{"Type":"SERVICE_CONTROL_POLICY","Name":"only_s3","Content":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}}"#;
const PERIMETER: &str = r#"{"Type":"RESOURCE_CONTROL_POLICY","Name":"perimeter","Content":{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":["s3:*","sqs:*"],"Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalAccount":["111111111111","222222222222","333333333333"]},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}]}}"#;

/// The management account at the root; prod in OU workloads, under which sandbox's OU allows
/// only S3. deny_leaving at the workloads OU, the perimeter RCP at the root.
fn state(organization: &str) -> AuthorizationDetails {
    let roles = [
        role(MANAGEMENT, "admin", "/", "*"),
        role(PROD, "admin", "/", "*"),
        role(
            PROD,
            "AWSServiceRoleForSupport",
            "/aws-service-role/support.amazonaws.com/",
            "*",
        ),
        role(SANDBOX, "dev", "/", "*"),
        role("444444444444", "outsider", "/", "*"),
    ];
    let text = format!(
        r#"{{"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [{}], "Policies": [],
  "ResourcePolicies": [
    {{"Kind": "s3.bucket", "Name": "prod-data", "Arn": "arn:aws:s3:::prod-data", "Account": "{PROD}",
      "Policy": {{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{OUTSIDER}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::prod-data/*"}}]}}}},
    {{"Kind": "s3.bucket", "Name": "mgmt-data", "Arn": "arn:aws:s3:::mgmt-data", "Account": "{MANAGEMENT}",
      "Policy": {{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{OUTSIDER}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::mgmt-data/*"}}]}}}}
  ],
  "Organization": {organization}}}"#,
        roles.join(",")
    );
    AuthorizationDetails::read(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn organization() -> String {
    format!(
        r#"{{"Id": "o-abcdefghij", "ManagementAccountId": "{MANAGEMENT}",
  "Root": {{"Name": "Root", "Policies": {{"SERVICE_CONTROL_POLICY": ["FullAWSAccess"], "RESOURCE_CONTROL_POLICY": ["perimeter"]}},
    "Accounts": [{{"Id": "{MANAGEMENT}", "Policies": {{"SERVICE_CONTROL_POLICY": ["FullAWSAccess"]}}}}],
    "OrganizationalUnits": [{{"Name": "workloads", "Policies": {{"SERVICE_CONTROL_POLICY": ["FullAWSAccess", "deny_leaving"]}},
      "Accounts": [{{"Id": "{PROD}", "Name": "prod", "Policies": {{"SERVICE_CONTROL_POLICY": ["FullAWSAccess"]}}}}],
      "OrganizationalUnits": [{{"Name": "sandboxes", "Policies": {{"SERVICE_CONTROL_POLICY": ["only_s3"]}},
        "Accounts": [{{"Id": "{SANDBOX}", "Policies": {{"SERVICE_CONTROL_POLICY": ["FullAWSAccess"]}}}}]}}]}}]}},
  "Policies": [{DENY_LEAVING}, {FULL}, {ONLY_S3}, {PERIMETER}]}}"#
    )
}

fn explain(
    access: &Access<'_>,
    principal: &str,
    action: &str,
    resource: &str,
) -> (Decision, String, Vec<String>) {
    let index = access
        .by_arn(principal)
        .unwrap_or_else(|| panic!("{principal}"));
    let context = Context::new();
    let explained = access.evaluate(index, action, resource, &context, Quantifier::Exact);
    let fast = access.allows(index, action, resource, &context, Quantifier::Exact);
    assert_eq!(
        fast,
        explained.decision() == Allow,
        "allows and evaluate disagree on {principal} {action} {resource}"
    );
    let cited = explained
        .cited
        .iter()
        .map(|c| format!("{}: {}", c.kind.as_str(), c.label))
        .collect();
    (
        explained.decision(),
        explained.evaluation.reason.clone(),
        cited,
    )
}

#[test]
fn an_ou_level_scp_denies_the_accounts_below_it_and_names_its_level() {
    let state = state(&organization());
    let access = Access::new(&state);
    let (decision, _, cited) = explain(
        &access,
        &role_arn(PROD, "admin"),
        "organizations:LeaveOrganization",
        "*",
    );
    assert_eq!(decision, ExplicitDeny);
    assert_eq!(
        cited,
        ["scp: SCP deny_leaving, attached to the OU workloads"]
    );
    // Nested below the OU, the sandbox meets it too.
    let (decision, _, _) = explain(
        &access,
        &role_arn(SANDBOX, "dev"),
        "organizations:LeaveOrganization",
        "*",
    );
    assert_eq!(decision, ExplicitDeny);
}

#[test]
fn the_management_account_is_not_affected_by_scps() {
    let state = state(&organization());
    let access = Access::new(&state);
    let (decision, reason, cited) = explain(
        &access,
        &role_arn(MANAGEMENT, "admin"),
        "organizations:LeaveOrganization",
        "*",
    );
    assert_eq!(decision, Allow, "{reason}");
    assert!(cited.iter().all(|c| !c.starts_with("scp")), "{cited:?}");
}

#[test]
fn every_level_must_allow_and_the_one_that_does_not_is_named() {
    let state = state(&organization());
    let access = Access::new(&state);
    // The sandboxes OU has only `only_s3`: nothing else passes it, whatever the levels above
    // and below allow.
    let (decision, reason, _) =
        explain(&access, &role_arn(SANDBOX, "dev"), "ec2:RunInstances", "*");
    assert_eq!(decision, ImplicitDeny);
    assert_eq!(
        reason,
        "no service control policy attached at the OU sandboxes level allows it"
    );
    let (decision, reason, cited) = explain(
        &access,
        &role_arn(SANDBOX, "dev"),
        "s3:ListAllMyBuckets",
        "*",
    );
    assert_eq!(decision, Allow, "{reason}");
    // One allow per level is cited: root, workloads, sandboxes, the account.
    assert_eq!(
        cited.iter().filter(|c| c.starts_with("scp")).count(),
        4,
        "{cited:?}"
    );
}

#[test]
fn service_linked_roles_are_not_affected_by_scps() {
    let state = state(&organization());
    let access = Access::new(&state);
    let arn = format!(
        "arn:aws:iam::{PROD}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport"
    );
    let (decision, reason, _) = explain(&access, &arn, "organizations:LeaveOrganization", "*");
    assert_eq!(decision, Allow, "{reason}");
}

#[test]
fn an_rcp_denies_callers_outside_the_perimeter_on_member_resources_only() {
    let state = state(&organization());
    let access = Access::new(&state);
    // The bucket policy lets the outsider in, and its own side allows: the root's RCP denies.
    let (decision, _, cited) = explain(
        &access,
        OUTSIDER,
        "s3:GetObject",
        "arn:aws:s3:::prod-data/report.csv",
    );
    assert_eq!(decision, ExplicitDeny);
    assert_eq!(cited, ["rcp: RCP perimeter, attached to the root"]);
    // The management account's resources are not affected by RCPs.
    let (decision, reason, _) = explain(
        &access,
        OUTSIDER,
        "s3:GetObject",
        "arn:aws:s3:::mgmt-data/report.csv",
    );
    assert_eq!(decision, Allow, "{reason}");
    // A principal inside the perimeter is not denied by it.
    let (decision, reason, _) = explain(
        &access,
        &role_arn(PROD, "admin"),
        "s3:GetObject",
        "arn:aws:s3:::prod-data/report.csv",
    );
    assert_eq!(decision, Allow, "{reason}");
}

#[test]
fn without_rcps_attached_rcpfullawsaccess_lets_requests_through() {
    let organization = organization().replace(r#", "RESOURCE_CONTROL_POLICY": ["perimeter"]"#, "");
    let state = state(&organization);
    let access = Access::new(&state);
    let (decision, reason, cited) = explain(
        &access,
        OUTSIDER,
        "s3:GetObject",
        "arn:aws:s3:::prod-data/report.csv",
    );
    assert_eq!(decision, Allow, "{reason}");
    assert!(
        cited
            .iter()
            .any(|c| c == "rcp: RCP RCPFullAWSAccess, attached to the root"),
        "{cited:?}"
    );
}

#[test]
fn an_organization_that_could_not_be_read_makes_every_allow_uncertain() {
    let state = state(r#"{"Unknown": "AccessDeniedException: not the management account"}"#);
    let access = Access::new(&state);
    let index = access.by_arn(&role_arn(PROD, "admin")).unwrap();
    let context = Context::new();
    let explained = access.evaluate(
        index,
        "organizations:LeaveOrganization",
        "*",
        &context,
        Quantifier::Exact,
    );
    assert_eq!(explained.decision(), Allow);
    assert_eq!(
        explained.unknown_organization.as_deref(),
        Some("the organization's SCPs and RCPs are not known (AccessDeniedException: not the management account): they may deny it")
    );
    // So is the allow of a principal of another account, whose requests the SCPs of its own
    // organization may cap.
    let outsider = access.by_arn(OUTSIDER).unwrap();
    let external = access.evaluate(outsider, "kms:Decrypt", "*", &context, Quantifier::Exact);
    assert_eq!(external.decision(), Allow);
    assert!(external.unknown_organization.is_some());
}
