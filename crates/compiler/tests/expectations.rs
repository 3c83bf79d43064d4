//! `expect …` as `check` evaluates it: what holds, what fails (E0701) and what cannot be told
//! offline (W0112), including the escalation analysis of `expect no escalation to admin`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_compiler::{analyze, Project};
use iamdsl_diagnostics::codes;

/// (code, message) of every diagnostic that is not a lint about the policies themselves.
fn expectation_diagnostics(source: &str) -> Vec<(&'static str, String)> {
    let text = format!("account prod = \"111111111111\"\n{source}");
    let analysis = analyze(&Project::in_memory(
        vec![("main.iamdsl".into(), text)],
        Default::default(),
    ));
    analysis
        .diagnostics
        .iter()
        .filter(|d| {
            d.code == codes::EXPECTATION_FAILED
                || d.code == codes::UNCHECKED_EXPECTATION
                || d.is_error()
        })
        .map(|d| {
            let notes: Vec<&str> = d.notes.iter().map(String::as_str).collect();
            (d.code, format!("{} | {}", d.message, notes.join(" | ")))
        })
        .collect()
}

fn failures(source: &str) -> Vec<String> {
    expectation_diagnostics(source)
        .into_iter()
        .map(|(code, message)| {
            assert!(code == codes::EXPECTATION_FAILED, "{code}: {message}");
            message
        })
        .collect()
}

#[test]
fn a_role_that_rewrites_its_own_policy_without_a_boundary_escalates() {
    let found = failures(
        "#[allow(privilege_escalation)]\nrole selfish {\n  trust { service ec2 }\n  allow iam:PutRolePolicy on iam.role(\"selfish\")\n}\nexpect no escalation to admin\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("expectation failed: role `selfish` can gain administrator access"),
        "{found:?}"
    );
    // With a boundary that keeps it below admin, the same grant is no escalation.
    let bounded = failures(
        "policy limit { allow s3:*, iam:PutRolePolicy on * }\n#[allow(privilege_escalation)]\nrole selfish {\n  trust { service ec2 }\n  boundary limit\n  allow iam:PutRolePolicy on iam.role(\"selfish\")\n}\nexpect no escalation to admin\n",
    );
    assert!(bounded.is_empty(), "{bounded:?}");
    // Unless the role can also take its boundary away.
    let lifted = failures(
        "policy limit { allow s3:*, iam:PutRolePolicy, iam:DeleteRolePermissionsBoundary on * }\n#[allow(privilege_escalation)]\nrole selfish {\n  trust { service ec2 }\n  boundary limit\n  allow iam:PutRolePolicy, iam:DeleteRolePermissionsBoundary on iam.role(\"selfish\")\n}\nexpect no escalation to admin\n",
    );
    assert_eq!(lifted.len(), 1, "{lifted:?}");
    assert!(
        lifted[0].contains("its boundary can be taken away"),
        "{lifted:?}"
    );
}

#[test]
fn escalation_follows_assumed_roles_and_passed_roles() {
    // eve assumes ci, which rewrites worker's policy; eve also assumes passer, which passes
    // worker to Lambda (which worker trusts) and creates a function: eve runs code as worker.
    let source = "#[allow(privilege_escalation)]\nrole ci {\n  trust { user eve }\n  allow iam:PutRolePolicy on iam.role(\"worker\")\n}\nrole worker {\n  trust { service lambda }\n  allow s3:GetObject on s3.object(\"b\", \"*\")\n}\n#[allow(privilege_escalation)]\nrole passer {\n  trust { user eve }\n  allow iam:PassRole on iam.role(\"worker\") when iam:PassedToService == \"lambda.amazonaws.com\"\n  allow lambda:CreateFunction on lambda.function(\"x\")\n}\n#[allow(user_policy)]\nuser eve {\n  allow sts:AssumeRole on iam.role(\"ci\"), iam.role(\"passer\")\n}\nexpect no escalation to admin\n";
    let found = failures(source);
    let eve = found
        .iter()
        .find(|m| m.contains("user `eve`"))
        .unwrap_or_else(|| panic!("{found:?}"));
    assert!(eve.contains("assumes role ci"), "{eve}");
    assert!(eve.contains("iam:PutRolePolicy on role worker"), "{eve}");
    assert!(
        eve.contains("iam:PassRole of role worker with lambda:CreateFunction"),
        "{eve}"
    );
    // A role Lambda does not trust cannot be run as: no escalation that way.
    let untrusted = failures(&source.replace("trust { service lambda }", "trust { service ec2 }"));
    assert!(
        !untrusted.iter().any(|m| m.contains("user `eve`")),
        "{untrusted:?}"
    );
}

#[test]
fn joining_a_group_and_rewriting_its_policy_escalates() {
    let found = failures(
        "group staff { allow s3:GetObject on s3.object(\"b\", \"*\") }\n#[allow(user_policy, privilege_escalation)]\nuser mallory {\n  allow iam:AddUserToGroup, iam:PutGroupPolicy on iam.group(\"staff\")\n}\nexpect no escalation to admin\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("joins it and rewrites its policies"),
        "{found:?}"
    );
}

#[test]
fn a_role_trust_policy_decides_even_within_the_account() {
    // alice may call sts:AssumeRole on anything, but the role trusts only EC2.
    let holds = failures(
        "#[allow(user_policy, wildcard_resource)]\nuser alice { allow sts:AssumeRole on * }\nrole web { trust { service ec2 } }\nexpect alice cannot assume web\n",
    );
    assert!(holds.is_empty(), "{holds:?}");
    let fails = failures(
        "#[allow(user_policy, wildcard_resource)]\nuser alice { allow sts:AssumeRole on * }\nrole web { trust { service ec2 } }\nexpect alice can assume web\n",
    );
    assert_eq!(fails.len(), 1, "{fails:?}");
    assert!(
        fails[0].contains("the role's trust policy does not allow the caller"),
        "{fails:?}"
    );
}

/// An AWS managed permissions boundary is evaluated as AWS publishes it: `ReadOnlyAccess` lets
/// `iam:GetUser` through and holds `iam:CreateUser` back, and the failure says the boundary did.
#[test]
fn an_aws_managed_boundary_is_evaluated_as_aws_publishes_it() {
    let source = "#[allow(user_policy, wildcard_action, admin_without_mfa)]\nuser intern {\n  boundary aws \"ReadOnlyAccess\"\n  allow iam:* on *\n}\n";
    let found = expectation_diagnostics(&format!(
        "{source}expect intern cannot iam:CreateUser on *\nexpect intern can iam:GetUser on *\n"
    ));
    assert!(found.is_empty(), "{found:?}");
    let fails = failures(&format!("{source}expect intern can iam:CreateUser on *\n"));
    assert_eq!(fails.len(), 1, "{fails:?}");
    assert!(
        fails[0].contains("the permissions boundary does not allow it"),
        "{fails:?}"
    );
}

#[test]
fn a_when_that_describes_no_single_request_is_not_checked() {
    let policy = "#[allow(user_policy)]\nuser alice {\n  allow s3:DeleteObject on s3.object(\"b\", \"x\") when aws:SourceIp in [\"10.1.0.0/16\"]\n}\n";
    // A block of addresses, or a negation: not one request. A warning, not a pass.
    for when in [
        "aws:SourceIp in [\"10.0.0.0/8\"]",
        "aws:SourceIp != \"10.1.2.3\"",
    ] {
        let found = expectation_diagnostics(&format!(
            "{policy}expect alice cannot s3:DeleteObject on s3.object(\"b\", \"x\") when {when}\n"
        ));
        assert_eq!(found.len(), 1, "{when}: {found:?}");
        assert_eq!(found[0].0, codes::UNCHECKED_EXPECTATION, "{found:?}");
    }
    // One address: checked, and failing, because alice can from there.
    let found = failures(&format!(
        "{policy}expect alice cannot s3:DeleteObject on s3.object(\"b\", \"x\") when aws:SourceIp == \"10.1.2.3\"\n"
    ));
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn requests_are_made_now_so_until_grants_hold_until_their_date() {
    // AWS puts aws:CurrentTime in every request: a grant `until` a future date holds, an
    // expired one does not.
    let found = expectation_diagnostics(
        "role r {\n  trust { service ec2 }\n  allow s3:GetObject on s3.object(\"b\", \"*\") until 2099-01-01\n  #[allow(expired_grant)]\n  allow s3:PutObject on s3.object(\"b\", \"*\") until 2020-01-01\n}\nexpect r can s3:GetObject on s3.object(\"b\", \"x\")\nexpect r cannot s3:PutObject on s3.object(\"b\", \"x\")\n",
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn an_assume_expectation_may_describe_its_request() {
    let source = "role break_glass { trust { user bob when mfa } }\nuser bob { assume break_glass when mfa }\n";
    // Without MFA the trust entry does not hold; with it, it does.
    let without = failures(&format!("{source}expect bob can assume break_glass\n"));
    assert_eq!(without.len(), 1, "{without:?}");
    assert!(failures(&format!(
        "{source}expect bob can assume break_glass when mfa\n"
    ))
    .is_empty());
    let denied = failures(&format!(
        "{source}expect bob cannot assume break_glass when mfa\n"
    ));
    assert_eq!(denied.len(), 1, "{denied:?}");
    // A `when` that describes no single request is not checked, as for access expectations.
    let unchecked = expectation_diagnostics(&format!(
        "{source}expect bob can assume break_glass when aws:SourceIp != \"10.1.2.3\"\n"
    ));
    assert_eq!(
        unchecked.iter().map(|(code, _)| *code).collect::<Vec<_>>(),
        vec![codes::UNCHECKED_EXPECTATION],
        "{unchecked:?}"
    );
}
