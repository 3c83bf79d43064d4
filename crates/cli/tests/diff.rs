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
    assert!(
        bob.1
            .contains(&"s3:GetObject on arn:aws:s3:::acme-logs/*".to_string()),
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
