//! What a plan holds for the cases IAM makes special: the five-version limit, roles that trust
//! each other, changes IAM cannot make, and the plan file itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_diagnostics::codes;
use iamdsl_diff::Scope;
use iamdsl_plan::{plan, Call, Plan};
use iamdsl_policy::authz::AuthorizationDetails;

const ACCOUNT: &str = "111111111111";

fn everything() -> Scope {
    Scope {
        paths: vec!["/".into()],
        names: Vec::new(),
    }
}

fn state(json: &str) -> AuthorizationDetails {
    AuthorizationDetails::read(json).unwrap()
}

fn policy(document_action: &str, versions: &str) -> String {
    format!(
        r#"{{"UserDetailList":[],"GroupDetailList":[],"RoleDetailList":[],"Policies":[{{
            "PolicyName":"base","Arn":"arn:aws:iam::{ACCOUNT}:policy/base","Path":"/",
            "PolicyVersionList":[{versions}{{"VersionId":"v9","IsDefaultVersion":true,
            "Document":{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{document_action}","Resource":"*"}}]}}}}]}}]}}"#
    )
}

#[test]
fn a_sixth_version_first_deletes_the_oldest_other_one() {
    // v5 is the oldest by date although not by number: IAM's dates decide.
    let versions = [("v5", "2020-01-01"), ("v6", "2021-01-01"), ("v7", "2022-01-01"), ("v8", "2023-01-01")]
        .iter()
        .map(|(id, date)| {
            format!(r#"{{"VersionId":"{id}","IsDefaultVersion":false,"CreateDate":"{date}T00:00:00Z","Document":{{"Version":"2012-10-17","Statement":[]}}}},"#)
        })
        .collect::<String>();
    let deployed = state(&policy("s3:GetObject", &versions));
    let built = state(&policy("s3:PutObject", ""));
    let planned = plan(&built, &deployed, &everything(), ACCOUNT, "prod").unwrap();
    let arn = format!("arn:aws:iam::{ACCOUNT}:policy/base");
    assert_eq!(
        planned.changes[..2],
        [
            Call::DeletePolicyVersion {
                policy_arn: arn.clone(),
                version_id: "v5".into()
            },
            Call::CreatePolicyVersion {
                policy_arn: arn,
                // The canonical form the build writes: a Sid from the content, lists.
                policy_document: r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowS30428eb41","Effect":"Allow","Action":["s3:PutObject"],"Resource":["*"]}]}"#.into()
            }
        ]
    );
    // With room left, no version is deleted.
    let deployed = state(&policy("s3:GetObject", ""));
    let planned = plan(&built, &deployed, &everything(), ACCOUNT, "prod").unwrap();
    assert_eq!(planned.changes.len(), 1, "{}", planned.render_calls());
    assert!(planned.deletions.is_empty());
}

fn roles(roles: &[(&str, &str, &str)]) -> AuthorizationDetails {
    let list: Vec<String> = roles
        .iter()
        .map(|(name, path, trusted)| {
            format!(
                r#"{{"RoleName":"{name}","Path":"{path}","Arn":"arn:aws:iam::{ACCOUNT}:role{path}{name}",
                "AssumeRolePolicyDocument":{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
                "Principal":{{"AWS":"{trusted}"}},"Action":"sts:AssumeRole"}}]}}}}"#
            )
        })
        .collect();
    state(&format!(
        r#"{{"UserDetailList":[],"GroupDetailList":[],"RoleDetailList":[{}],"Policies":[]}}"#,
        list.join(",")
    ))
}

#[test]
fn roles_that_trust_each_other_are_created_first_with_a_trust_that_grants_nothing() {
    let a = format!("arn:aws:iam::{ACCOUNT}:role/a");
    let b = format!("arn:aws:iam::{ACCOUNT}:role/b");
    let built = roles(&[("a", "/", &b), ("b", "/", &a)]);
    let planned = plan(
        &built,
        &AuthorizationDetails::default(),
        &everything(),
        ACCOUNT,
        "prod",
    )
    .unwrap();
    let lines: Vec<String> = planned.changes.iter().map(Call::line).collect();
    assert_eq!(
        lines,
        [
            "CreateRole role /a",
            "CreateRole role /b",
            "UpdateAssumeRolePolicy role a trust"
        ]
    );
    let Call::CreateRole {
        assume_role_policy_document,
        ..
    } = &planned.changes[0]
    else {
        panic!("{lines:?}");
    };
    assert_eq!(
        assume_role_policy_document,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"DenyStsfcd54556","Effect":"Deny","Principal":{{"AWS":["arn:aws:iam::{ACCOUNT}:root"]}},"Action":["sts:AssumeRole"]}}]}}"#
        )
    );
    // b names a, which exists by then: its whole trust at once.
    let Call::CreateRole {
        assume_role_policy_document,
        ..
    } = &planned.changes[1]
    else {
        panic!("{lines:?}");
    };
    assert!(assume_role_policy_document.contains(&a));
}

#[test]
fn a_role_that_trusts_one_created_in_the_same_plan_comes_after_it() {
    let z = format!("arn:aws:iam::{ACCOUNT}:role/z");
    let built = roles(&[
        ("a", "/", &z),
        ("z", "/", &format!("arn:aws:iam::{ACCOUNT}:root")),
    ]);
    let planned = plan(
        &built,
        &AuthorizationDetails::default(),
        &everything(),
        ACCOUNT,
        "prod",
    )
    .unwrap();
    let lines: Vec<String> = planned.changes.iter().map(Call::line).collect();
    assert_eq!(lines, ["CreateRole role /z", "CreateRole role /a"]);
}

#[test]
fn a_role_that_moves_to_another_path_is_refused_with_what_to_do() {
    let root = format!("arn:aws:iam::{ACCOUNT}:root");
    let deployed = roles(&[("deployer", "/", &root)]);
    let built = roles(&[("deployer", "/ci/", &root)]);
    let errors = plan(&built, &deployed, &everything(), ACCOUNT, "prod").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, codes::PLAN_CANNOT_CHANGE);
    assert!(
        errors[0].message.contains("from path / to /ci/"),
        "{}",
        errors[0].message
    );
    assert!(errors[0]
        .help
        .as_deref()
        .is_some_and(|h| h.contains("another name")));
}

#[test]
fn a_plan_file_reads_back_and_one_of_another_format_is_refused() {
    let root = format!("arn:aws:iam::{ACCOUNT}:root");
    let built = roles(&[("deployer", "/", &root)]);
    let planned = plan(
        &built,
        &AuthorizationDetails::default(),
        &everything(),
        ACCOUNT,
        "prod",
    )
    .unwrap();
    let text = planned.to_json();
    assert!(text.contains(r#""Call": "CreateRole""#), "{text}");
    assert!(text.contains(r#""RoleName": "deployer""#), "{text}");
    assert_eq!(Plan::read(&text).unwrap(), planned);
    let other = text.replace("\"format\": 1", "\"format\": 2");
    let refused = Plan::read(&other).unwrap_err();
    assert_eq!(refused.code, codes::PLAN_FILE_INVALID);
    assert!(
        refused.notes.iter().any(|n| n.contains("format is 2")),
        "{refused:?}"
    );
    let unknown_call = text.replace("\"CreateRole\"", "\"CreateAccessKey\"");
    assert_eq!(
        Plan::read(&unknown_call).unwrap_err().code,
        codes::PLAN_FILE_INVALID
    );
    assert_eq!(Plan::read("{").unwrap_err().code, codes::PLAN_FILE_INVALID);
}

#[test]
fn the_fingerprint_follows_ids_and_versions_not_order() {
    let root = format!("arn:aws:iam::{ACCOUNT}:root");
    let one = roles(&[("a", "/", &root), ("b", "/", &root)]);
    let swapped = roles(&[("b", "/", &root), ("a", "/", &root)]);
    assert_eq!(
        iamdsl_plan::fingerprint(&one),
        iamdsl_plan::fingerprint(&swapped)
    );
    let mut recreated = one.clone();
    recreated.roles[0].id = Some("AROANEWID000000000001".into());
    assert_ne!(
        iamdsl_plan::fingerprint(&one),
        iamdsl_plan::fingerprint(&recreated)
    );
}
