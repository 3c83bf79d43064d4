//! `iamdsl diff` as a reviewer runs it in CI.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::*;
use serde_json::{json, Value};

fn write(dir: &Path, value: &Value) {
    std::fs::write(
        dir.join("deployed.json"),
        serde_json::to_string_pretty(value).unwrap(),
    )
    .unwrap();
}

/// `iamdsl diff platform --deployed deployed.json FLAGS…` run in `dir`.
fn diff_deployed(dir: &Path, flags: &[&str]) -> std::process::Output {
    let mut args = vec!["diff", "platform", "--deployed", "deployed.json"];
    args.extend_from_slice(flags);
    iamdsl(dir, &args)
}

fn diff_with_exit_code(dir: &Path) -> std::process::Output {
    diff_deployed(dir, &["--exit-code"])
}

fn diff_as_json(dir: &Path) -> std::process::Output {
    diff_deployed(dir, &["--format", "json"])
}

fn assert_no_change_exit(output: &std::process::Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(output),
        stderr(output)
    );
}

#[test]
fn the_example_against_its_own_build_shows_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let state = built_example(dir.path());
    write(dir.path(), &state);
    let output = diff_with_exit_code(dir.path());
    assert_no_change_exit(&output);
    assert_eq!(stdout(&output), "0 changes, 0 unmanaged\n");
}

/// Rewrites every policy document into the raw API's shape: URL-encoded JSON text, single
/// values as strings, no Sids, statements reversed.
fn as_raw_api(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if matches!(
                    key.as_str(),
                    "PolicyDocument" | "AssumeRolePolicyDocument" | "Document"
                ) {
                    let mut document = inner.clone();
                    if let Some(Value::Array(statements)) = document.get_mut("Statement") {
                        statements.reverse();
                        for statement in statements.iter_mut() {
                            let object = statement.as_object_mut().unwrap();
                            object.remove("Sid");
                            for field in ["Action", "Resource"] {
                                if let Some(Value::Array(items)) = object.get(field).cloned() {
                                    if items.len() == 1 {
                                        object.insert(field.into(), items[0].clone());
                                    }
                                }
                            }
                        }
                    }
                    let text = serde_json::to_string(&document).unwrap();
                    let encoded: String = text
                        .bytes()
                        .map(|b| {
                            if b.is_ascii_alphanumeric() {
                                (b as char).to_string()
                            } else {
                                format!("%{b:02X}")
                            }
                        })
                        .collect();
                    *inner = Value::String(encoded);
                } else {
                    as_raw_api(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(as_raw_api),
        _ => {}
    }
}

#[test]
fn cosmetic_differences_are_never_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = built_example(dir.path());
    as_raw_api(&mut state);
    assert!(state["RoleDetailList"][0]["AssumeRolePolicyDocument"]
        .as_str()
        .unwrap()
        .starts_with("%7B"));
    write(dir.path(), &state);
    let output = diff_with_exit_code(dir.path());
    assert_no_change_exit(&output);
}

#[test]
fn role_fields_the_api_does_not_return_are_not_reported() {
    // GetAccountAuthorizationDetails shows neither a role's description nor its maximum
    // session duration.
    let dir = tempfile::tempdir().unwrap();
    let mut state = built_example(dir.path());
    let mut removed = 0;
    for role in state["RoleDetailList"].as_array_mut().unwrap() {
        let role = role.as_object_mut().unwrap();
        removed += usize::from(role.remove("Description").is_some());
        removed += usize::from(role.remove("MaxSessionDuration").is_some());
    }
    assert!(
        removed > 7,
        "the example's roles have descriptions and session limits"
    );
    write(dir.path(), &state);
    assert_no_change_exit(&diff_with_exit_code(dir.path()));
}

#[test]
fn a_tag_changed_in_deployed_state_is_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = built_example(dir.path());
    let orders = state["RoleDetailList"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["RoleName"] == "orders_task")
        .unwrap();
    assert_eq!(
        orders["Tags"],
        json!([{"Key": "cost-center", "Value": "4711"}, {"Key": "team", "Value": "orders"}]),
        "the example tags the orders role"
    );
    // Someone retagged the role in the console: ABAC conditions now decide differently.
    orders["Tags"][1]["Value"] = json!("reports");
    write(dir.path(), &state);
    let text = diff_with_exit_code(dir.path());
    assert_eq!(text.status.code(), Some(2), "{}", stderr(&text));
    let report = stdout(&text);
    assert!(report.contains("role orders_task: changed"), "{report}");
    // And what the tag decides: the effective access follows it.
    assert!(
        report.contains(
            "- ssm:GetParameter on arn:aws:ssm:eu-west-1:111111111111:parameter/reports/*"
        ),
        "{report}"
    );
    assert!(report.contains("tag team = \"orders\""), "{report}");
    assert!(report.contains("tag team = \"reports\""), "{report}");

    // A managed policy's tags that the state does not show (GetAccountAuthorizationDetails
    // leaves them out) are not compared; shown and different, they are a change.
    let mut state = built_example(dir.path());
    let policy = state["Policies"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["PolicyName"] == "team_parameters")
        .unwrap();
    assert_eq!(
        policy["Tags"],
        json!([]),
        "built policies say they have no tags"
    );
    policy.as_object_mut().unwrap().remove("Tags");
    write(dir.path(), &state);
    assert_no_change_exit(&diff_with_exit_code(dir.path()));
    state["Policies"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["PolicyName"] == "team_parameters")
        .unwrap()["Tags"] = json!([{"Key": "owner", "Value": "someone"}]);
    write(dir.path(), &state);
    let text = diff_with_exit_code(dir.path());
    assert_eq!(text.status.code(), Some(2), "{}", stdout(&text));
    assert!(
        stdout(&text).contains("tag owner = \"someone\""),
        "{}",
        stdout(&text)
    );
}

#[test]
fn a_changed_action_a_removed_role_and_an_unmanaged_user() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = built_example(dir.path());
    // The project owns only /platform/ in this test: a user elsewhere is unmanaged.
    std::fs::write(
        dir.path().join("platform/iamdsl.toml"),
        "[defaults]\nregion = \"eu-west-1\"\n\n[diff]\npaths = [\"/platform/\"]\n",
    )
    .unwrap();
    let roles = state["RoleDetailList"].as_array_mut().unwrap();
    let deployer = roles
        .iter_mut()
        .find(|r| r["RoleName"] == "deployer")
        .unwrap();
    for statement in deployer["RolePolicyList"][0]["PolicyDocument"]["Statement"]
        .as_array_mut()
        .unwrap()
    {
        if let Some(actions) = statement["Action"].as_array_mut() {
            actions.retain(|a| a != "lambda:UpdateFunctionCode");
        }
    }
    roles.retain(|r| r["RoleName"] != "web");
    state["UserDetailList"].as_array_mut().unwrap().push(json!({
        "Path": "/legacy/", "UserName": "mallory", "UserId": "AIDAEXAMPLEEXAMPLE01",
        "Arn": "arn:aws:iam::111111111111:user/legacy/mallory", "UserPolicyList": [], "GroupList": [], "AttachedManagedPolicies": []
    }));
    // A trust entry whose principal was deleted shows as its unique id.
    let auditor = state["RoleDetailList"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["RoleName"] == "auditor")
        .unwrap();
    auditor["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] =
        json!(["AROAEXAMPLEEXAMPLE01"]);
    write(dir.path(), &state);

    let text = diff_with_exit_code(dir.path());
    assert_eq!(text.status.code(), Some(2), "{}", stderr(&text));
    insta::assert_snapshot!("diff_text", stdout(&text));
    let json = diff_as_json(dir.path());
    assert_eq!(json.status.code(), Some(0));
    let parsed: Value = serde_json::from_str(&stdout(&json)).unwrap();
    let changes: Vec<(String, String)> = parsed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["change"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            ("web".to_string(), "created".to_string()),
            ("auditor".to_string(), "changed".to_string()),
            ("deployer".to_string(), "changed".to_string()),
            ("mallory".to_string(), "unmanaged".to_string()),
        ]
    );
    assert_eq!(parsed["dangling"].as_array().unwrap().len(), 1);
    insta::assert_snapshot!("diff_json", stdout(&json));
    // For a pull-request comment: the same report in Markdown, the same exit code.
    let markdown = diff_deployed(dir.path(), &["--format", "markdown", "--exit-code"]);
    assert_eq!(markdown.status.code(), Some(2), "{}", stderr(&markdown));
    insta::assert_snapshot!("diff_markdown", stdout(&markdown));
}

#[test]
fn the_markdown_diff_of_no_change_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let state = built_example(dir.path());
    write(dir.path(), &state);
    let output = diff_deployed(dir.path(), &["--format", "markdown"]);
    assert_no_change_exit(&output);
    assert_eq!(
        stdout(&output),
        "### iamdsl diff: 0 changes, 0 unmanaged\n\nDeploying this project changes nothing it owns.\n"
    );
}

#[test]
fn malformed_deployed_state_is_an_error_that_names_the_place() {
    let dir = tempfile::tempdir().unwrap();
    built_example(dir.path());
    write(
        dir.path(),
        &json!({ "RoleDetailList": [{ "RoleName": "x", "Arn": "arn:aws:iam::111111111111:role/x", "AssumeRolePolicyDocument": { "Statement": [{ "Effect": "Maybe", "Action": "sts:AssumeRole" }] } }] }),
    );
    let output = iamdsl(
        dir.path(),
        &["diff", "platform", "--deployed", "deployed.json"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("RoleDetailList[0].AssumeRolePolicyDocument: Statement[0].Effect: expected \"Allow\" or \"Deny\""), "{}", stderr(&output));
}

/// Effective access, per principal, where the text of its own policies did not change: a deny
/// added to the shared boundary and a group membership.
#[test]
fn the_permission_level_summary_follows_boundaries_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = built_example(dir.path());
    // Deployed: the boundary also denies s3:PutObject; bob is not yet a developer.
    let boundary = state["Policies"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["PolicyName"] == "platform_boundary")
        .unwrap();
    boundary["PolicyVersionList"][0]["Document"]["Statement"]
        .as_array_mut()
        .unwrap()
        .push(json!({"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}));
    let bob = state["UserDetailList"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|u| u["UserName"] == "bob")
        .unwrap();
    bob["GroupList"] = json!(["readonly"]);
    write(dir.path(), &state);
    let output = diff_as_json(dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let access: Vec<(String, Vec<String>, Vec<String>)> = report["access"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let list = |key: &str| {
                c[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect()
            };
            (
                c["principal"].as_str().unwrap().to_string(),
                list("gained"),
                list("lost"),
            )
        })
        .collect();
    let bob = access.iter().find(|(p, _, _)| p == "user bob").unwrap();
    // The deployer's trust names bob himself, which is enough in one account: no change there.
    assert!(
        !bob.1.iter().any(|g| g.starts_with("sts:AssumeRole")),
        "{bob:?}"
    );
    // Deployed, bob is in `readonly` (AWS's ReadOnlyAccess, evaluated as AWS publishes it, so
    // reading the logs is no gain); built, he is a developer, who writes the dev table with MFA.
    assert!(
        !bob.1.iter().any(|g| g.starts_with("s3:GetObject ")),
        "{bob:?}"
    );
    assert!(
        bob.1.contains(&"dynamodb:PutItem on arn:aws:dynamodb:eu-west-1:111111111111:table/orders-dev when aws:MultiFactorAuthPresent = true".to_string()),
        "{bob:?}"
    );
    // The boundary's deny is lifted: the role whose own policy writes reports may again.
    let reports = access
        .iter()
        .find(|(p, _, _)| p == "role report_runtime")
        .unwrap();
    assert_eq!(
        reports.1,
        vec!["s3:PutObject on arn:aws:s3:::acme-reports/*".to_string()]
    );
    assert!(reports.2.is_empty());
    // Roles without that grant gain nothing from the same change.
    assert!(
        !access.iter().any(|(p, _, _)| p == "role web"),
        "{access:?}"
    );
}

/// The built state of the example's sandbox account (built by [`built_example`]).
fn sandbox_state(dir: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(dir.join("out/sandbox/account-authorization-details.json"))
            .unwrap(),
    )
    .unwrap()
}

/// Deployed state of several accounts: one page per account, one after the other.
fn write_pages(dir: &Path, pages: &[&Value]) {
    let text: Vec<String> = pages
        .iter()
        .map(|page| serde_json::to_string_pretty(page).unwrap())
        .collect();
    std::fs::write(dir.join("deployed.json"), text.join("\n")).unwrap();
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} is not in {}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

fn json_output(output: &std::process::Output) -> Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_str(&stdout(output)).unwrap()
}

/// The `access` entry of one principal: (gained, lost, condition_changed, unknown_policies).
fn access_of(report: &Value, principal: &str) -> [Vec<String>; 4] {
    let entry = report["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["principal"] == principal)
        .unwrap_or_else(|| panic!("no access change of {principal}: {report:#}"));
    ["gained", "lost", "condition_changed", "unknown_policies"].map(|key| {
        entry[key]
            .as_array()
            .unwrap_or_else(|| panic!("no `{key}` in {entry:#}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    })
}

#[test]
fn what_aws_owns_is_never_removed_whatever_the_scope() {
    // The shipped example owns every path (`[diff] paths = ["/"]`).
    let dir = tempfile::tempdir().unwrap();
    let mut state = built_example(dir.path());
    let roles = state["RoleDetailList"].as_array_mut().unwrap();
    for (path, name) in [
        (
            "/aws-service-role/ecs.amazonaws.com/",
            "AWSServiceRoleForECS",
        ),
        (
            "/aws-reserved/sso.amazonaws.com/eu-west-1/",
            "AWSReservedSSO_ReadOnly_0123456789abcdef",
        ),
    ] {
        roles.push(json!({
            "Path": path, "RoleName": name, "RoleId": "AROAEXAMPLEEXAMPLE99",
            "Arn": format!("arn:aws:iam::111111111111:role{path}{name}"),
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "InstanceProfileList": [], "RolePolicyList": [],
            "AttachedManagedPolicies": [{"PolicyName": "AmazonECSServiceRolePolicy",
                "PolicyArn": "arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy"}]
        }));
    }
    write(dir.path(), &state);
    let text = diff_with_exit_code(dir.path());
    assert_no_change_exit(&text);
    assert_eq!(
        stdout(&text),
        "role AWSReservedSSO_ReadOnly_0123456789abcdef: unmanaged\n\
         role AWSServiceRoleForECS: unmanaged\n\
         0 changes, 2 unmanaged\n"
    );
    let report = json_output(&diff_as_json(dir.path()));
    let changes: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["unmanaged", "unmanaged"]);
    assert_eq!(report["has_changes"], false);
}

#[test]
fn a_multi_account_diff_names_each_entity_s_account_and_compares_accounts_apart() {
    let dir = tempfile::tempdir().unwrap();
    let mut prod = built_example(dir.path());
    let mut sandbox = sandbox_state(dir.path());
    // prod: the deployer lacks an action; sandbox: a role of the same name as prod's deployer,
    // which the project does not declare there, and the admin's session is longer.
    for statement in prod["RoleDetailList"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["RoleName"] == "deployer")
        .unwrap()["RolePolicyList"][0]["PolicyDocument"]["Statement"]
        .as_array_mut()
        .unwrap()
    {
        if let Some(actions) = statement["Action"].as_array_mut() {
            actions.retain(|a| a != "lambda:UpdateFunctionCode");
        }
    }
    let roles = sandbox["RoleDetailList"].as_array_mut().unwrap();
    roles[0]["MaxSessionDuration"] = json!(3600);
    roles.push(json!({
        "Path": "/", "RoleName": "deployer", "RoleId": "AROAEXAMPLEEXAMPLE77",
        "Arn": "arn:aws:iam::333333333333:role/deployer",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "InstanceProfileList": [], "RolePolicyList": [], "AttachedManagedPolicies": []
    }));
    write_pages(dir.path(), &[&prod, &sandbox]);

    let text = stdout(&diff_deployed(dir.path(), &[]));
    let heads: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(
        heads,
        [
            "prod: role deployer: changed",
            "sandbox: role sandbox_admin: changed",
            "sandbox: role deployer: would be removed",
            "effective access (AWS's evaluation of each side):",
            "3 changes, 0 unmanaged",
        ],
        "{text}"
    );
    assert!(
        text.contains("  prod: role deployer:\n    + lambda:UpdateFunctionCode on "),
        "{text}"
    );
    let report = json_output(&diff_as_json(dir.path()));
    let changes: Vec<(&str, &str, &str)> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["account"].as_str().unwrap(),
                c["name"].as_str().unwrap(),
                c["change"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("prod", "deployer", "changed"),
            ("sandbox", "sandbox_admin", "changed"),
            ("sandbox", "deployer", "would be removed"),
        ]
    );
    assert_eq!(report["access"][0]["account"], "prod");

    // One account alone: only its entities, and no label (there is one account).
    let text = stdout(&diff_deployed(dir.path(), &["--account", "sandbox"]));
    assert_eq!(
        text.lines()
            .filter(|l| !l.starts_with(' '))
            .collect::<Vec<_>>(),
        [
            "role sandbox_admin: changed",
            "role deployer: would be removed",
            "2 changes, 0 unmanaged"
        ],
        "{text}"
    );
    let unknown = diff_deployed(dir.path(), &["--account", "sandbx"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(
        stderr(&unknown),
        "error[E0810]: `--account sandbx` names no account of the project\n \
         = help: did you mean `sandbox`? The project declares: prod, audit, sandbox\n\n"
    );
}

#[test]
fn removing_a_boundary_shows_the_access_it_held_back() {
    let dir = tempfile::tempdir().unwrap();
    let prod = built_example(dir.path());
    let sandbox = sandbox_state(dir.path());
    write_pages(dir.path(), &[&prod, &sandbox]);
    // The sandbox admin has AdministratorAccess; its boundary keeps it from organizations:*,
    // account:* and creating users.
    edit(
        &dir.path().join("platform/sandbox.iamdsl"),
        "    boundary sandbox_boundary\n",
        "",
    );
    let report = json_output(&diff_as_json(dir.path()));
    let [gained, lost, _, _] = access_of(&report, "role sandbox_admin");
    for action in [
        "organizations:CreateAccount on *",
        "account:CloseAccount on *",
        "iam:CreateUser on *",
        "iam:CreateAccessKey on *",
    ] {
        assert!(gained.contains(&action.to_string()), "{action}: {gained:?}");
    }
    assert!(lost.is_empty(), "{lost:?}");
}

#[test]
fn a_grant_whose_condition_alone_changes_shows_the_change_of_condition() {
    let dir = tempfile::tempdir().unwrap();
    let prod = built_example(dir.path());
    write(dir.path(), &prod);
    let roles = dir.path().join("platform/roles.iamdsl");
    edit(
        &roles,
        "allow s3:PutObject on s3.object(\"acme-reports\", \"*\")",
        "allow s3:PutObject on s3.object(\"acme-reports\", \"*\") when mfa",
    );
    edit(
        &dir.path().join("platform/people.iamdsl"),
        "allow write on dynamodb.table(\"orders-dev\") when mfa",
        "allow write on dynamodb.table(\"orders-dev\")",
    );
    let report = json_output(&diff_as_json(dir.path()));
    let [gained, lost, changed, _] = access_of(&report, "role report_runtime");
    assert_eq!(
        changed,
        ["s3:PutObject on arn:aws:s3:::acme-reports/*: now only when aws:MultiFactorAuthPresent = true"]
    );
    assert!(gained.is_empty() && lost.is_empty(), "{gained:?} {lost:?}");
    let [gained, lost, changed, _] = access_of(&report, "user alice");
    assert!(
        changed.contains(&"dynamodb:PutItem on arn:aws:dynamodb:eu-west-1:111111111111:table/orders-dev: no longer only when aws:MultiFactorAuthPresent = true".to_string()),
        "{changed:?}"
    );
    assert!(gained.is_empty() && lost.is_empty(), "{gained:?} {lost:?}");
    let text = stdout(&diff_deployed(dir.path(), &[]));
    assert!(
        text.contains("    ~ dynamodb: "),
        "the write actions are counted: {text}"
    );
    assert!(
        text.contains("    ~ s3:PutObject on arn:aws:s3:::acme-reports/*: now only when aws:MultiFactorAuthPresent = true\n"),
        "{text}"
    );
}

#[test]
fn many_actions_are_counted_in_text_and_listed_with_verbose_and_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = built_example(dir.path());
    state["RoleDetailList"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["RoleName"] != "web");
    write(dir.path(), &state);
    let text = stdout(&diff_deployed(dir.path(), &[]));
    assert_eq!(
        text.matches("+ s3: 16 actions on arn:aws:s3:::acme-assets/*\n")
            .count(),
        2,
        "the entity summary and the effective access: {text}"
    );
    assert!(!text.contains("s3:GetObjectTorrent"), "{text}");
    let verbose = stdout(&diff_deployed(dir.path(), &["--verbose"]));
    assert_eq!(
        verbose
            .matches("+ s3:GetObjectTorrent on arn:aws:s3:::acme-assets/*\n")
            .count(),
        2,
        "{verbose}"
    );
    let report = json_output(&diff_as_json(dir.path()));
    let [gained, _, _, _] = access_of(&report, "role web");
    assert_eq!(gained.len(), 16, "{gained:?}");
}

#[test]
fn a_trust_condition_of_several_tests_reads_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = built_example(dir.path());
    let deployer = state["RoleDetailList"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["RoleName"] == "deployer")
        .unwrap();
    let oidc = deployer["AssumeRolePolicyDocument"]["Statement"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["Principal"]["Federated"].is_array())
        .unwrap();
    oidc["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"] =
        json!("repo:acme/app:*");
    write(dir.path(), &state);
    let text = stdout(&diff_deployed(dir.path(), &[]));
    let trust: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  + trust:") || l.starts_with("  - trust:"))
        .collect();
    assert_eq!(
        trust,
        [
            "  + trust: Federated arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com when token.actions.githubusercontent.com:aud = sts.amazonaws.com and token.actions.githubusercontent.com:sub like repo:acme/app:ref:refs/heads/main",
            "  - trust: Federated arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com when token.actions.githubusercontent.com:aud = sts.amazonaws.com and token.actions.githubusercontent.com:sub like repo:acme/app:*",
        ],
        "{text}"
    );
}

/// AWS managed policies: the built side evaluates them as AWS publishes them; deployed state's own
/// copy of one takes precedence; one that iamdsl's data does not list is named where it could
/// change an answer.
#[test]
fn the_effective_access_diff_evaluates_aws_managed_policies() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = built_example(dir.path());
    // Deployed: the auditor does not have SecurityAudit yet.
    state["RoleDetailList"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["RoleName"] == "auditor")
        .unwrap()["AttachedManagedPolicies"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["PolicyName"] != "SecurityAudit");
    write(dir.path(), &state);
    let report = json_output(&diff_as_json(dir.path()));
    let [gained, _, _, unknown] = access_of(&report, "role auditor");
    assert!(
        gained.contains(&"a4b:ListSkills on *".to_string()),
        "{gained:?}"
    );
    assert!(unknown.is_empty(), "{unknown:?}");
    assert_eq!(report["access"][0]["certain"], true, "{report:#}");

    // With the policy's document in the deployed state, the built side evaluates it too.
    state["Policies"].as_array_mut().unwrap().push(json!({
        "PolicyName": "SecurityAudit", "PolicyId": "ANPAEXAMPLEEXAMPLE01",
        "Arn": "arn:aws:iam::aws:policy/SecurityAudit", "Path": "/", "DefaultVersionId": "v1",
        "IsAttachable": true, "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true,
            "Document": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "cloudtrail:DescribeTrails", "Resource": "*"}]}}]
    }));
    write(dir.path(), &state);
    let report = json_output(&diff_as_json(dir.path()));
    let [gained, lost, _, unknown] = access_of(&report, "role auditor");
    assert_eq!(gained, ["cloudtrail:DescribeTrails on *"]);
    assert!(
        lost.is_empty() && unknown.is_empty(),
        "{lost:?} {unknown:?}"
    );

    // A policy AWS published after iamdsl's data: its document is unknown, and said to be.
    let roles = dir.path().join("platform/roles.iamdsl");
    edit(
        &roles,
        "attach aws \"SecurityAudit\"",
        "attach aws \"arn:aws:iam::aws:policy/SecurityAuditPublishedLater\"",
    );
    let text = stdout(&diff_deployed(dir.path(), &[]));
    assert!(
        text.contains("  role auditor:\n    no change iamdsl can evaluate, but arn:aws:iam::aws:policy/SecurityAuditPublishedLater may allow it: iamdsl does not hold the documents of AWS managed policies\n"),
        "{text}"
    );
    let report = json_output(&diff_as_json(dir.path()));
    let [_, _, _, unknown] = access_of(&report, "role auditor");
    assert_eq!(
        unknown,
        ["arn:aws:iam::aws:policy/SecurityAuditPublishedLater"]
    );
}
