//! Resource policies in the diff: compared by kind and name, summarized grant by grant with whom
//! each grant is to, and the effective access they change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_compiler::{analyze, bundle, Project};
use iamdsl_diff::{diff, Change, Scope};
use iamdsl_policy::authz::AuthorizationDetails;

const SOURCE: &str = r#"
account prod = "111111111111" default
account audit = "222222222222"

resource logs = s3.bucket("acme-logs")

role reader in audit {
  trust { account audit when mfa }
  allow s3:GetObject on logs
}
"#;

fn built() -> AuthorizationDetails {
    let project = Project::in_memory(
        vec![("main.iamdsl".into(), SOURCE.into())],
        Default::default(),
    );
    let analysis = analyze(&project);
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    let mut all = AuthorizationDetails::default();
    for details in bundle::authorization_details(&analysis.model).into_values() {
        all.users.extend(details.users);
        all.roles.extend(details.roles);
        all.groups.extend(details.groups);
        all.policies.extend(details.policies);
        all.resources.extend(details.resources);
    }
    all.sort();
    all
}

/// Deployed state: the built one, with the bucket's policy replaced by `policy` (JSON) and an
/// undeclared bucket besides.
fn deployed(policy: &str) -> AuthorizationDetails {
    let built = built();
    let mut text = built.to_json().pretty();
    let resources = format!(
        r#""ResourcePolicies": [
          {{"Kind": "s3.bucket", "Name": "acme-logs", "Arn": "arn:aws:s3:::acme-logs", "Account": "111111111111", "Policy": {policy}}},
          {{"Kind": "s3.bucket", "Name": "other", "Arn": "arn:aws:s3:::other", "Account": "111111111111", "Policy": null}}
        ]"#
    );
    let start = text.find("\"ResourcePolicies\"").unwrap();
    let end = text.rfind(']').unwrap() + 1;
    text.replace_range(start..end, &resources);
    AuthorizationDetails::read(&text).unwrap()
}

#[test]
fn the_same_bucket_policy_deployed_is_no_change() {
    let built = built();
    let report = diff(&built, &built, &Scope::default());
    assert!(!report.has_changes(), "{report:#?}");
}

#[test]
fn a_bucket_policy_missing_its_statement_is_a_change_with_its_grants_and_access() {
    let built = built();
    let deployed = deployed(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::acme-logs/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}"#,
    );
    let report = diff(&built, &deployed, &Scope::default());
    let logs = report
        .entities
        .iter()
        .find(|e| e.kind == "bucket" && e.name == "acme-logs")
        .unwrap();
    assert_eq!(logs.change, Change::Changed);
    assert!(
        logs.summary.iter().any(|l| l
            == "+ s3:GetObject on arn:aws:s3:::acme-logs/* to AWS arn:aws:iam::222222222222:role/reader"),
        "{:#?}",
        logs.summary
    );
    assert!(
        logs.summary
            .iter()
            .any(|l| l.starts_with("- deny s3:* on arn:aws:s3:::acme-logs/* to AWS *")),
        "{:#?}",
        logs.summary
    );
    // The undeclared bucket is not the project's: unmanaged, never "removed".
    let other = report.entities.iter().find(|e| e.name == "other").unwrap();
    assert_eq!(other.change, Change::Unmanaged);
    // Deploying gives the reader in the other account what the bucket policy lacked.
    let reader = report
        .access
        .iter()
        .find(|a| a.principal == "role reader")
        .expect("the reader's access changes");
    assert!(
        reader
            .gained
            .iter()
            .any(|g| g.starts_with("s3:GetObject on arn:aws:s3:::acme-logs/*")),
        "{reader:#?}"
    );
}

#[test]
fn an_unreadable_deployed_policy_is_never_the_same() {
    let built = built();
    let mut deployed = built.clone();
    for resource in &mut deployed.resources {
        resource.policy = iamdsl_policy::authz::ResourcePolicyState::Unknown("AccessDenied".into());
    }
    let report = diff(&built, &deployed, &Scope::default());
    let logs = report
        .entities
        .iter()
        .find(|e| e.name == "acme-logs")
        .unwrap();
    assert_eq!(logs.change, Change::Changed);
    assert!(
        logs.summary
            .iter()
            .any(|l| l.contains("policy not known (AccessDenied)")),
        "{:#?}",
        logs.summary
    );
}

/// The deployed state knows the organization, and an RCP denies callers of other accounts on
/// the bucket: both sides are evaluated with it, so deploying the bucket's statement gives the
/// reader nothing, and the summary says no access changes for it.
#[test]
fn an_rcp_of_the_deployed_organization_caps_the_built_side_too() {
    let built = built();
    let mut deployed = deployed(r#"{"Version": "2012-10-17", "Statement": []}"#);
    deployed.organization = Some(perimeter_organization());
    let report = diff(&built, &deployed, &Scope::default());
    let logs = report
        .entities
        .iter()
        .find(|e| e.kind == "bucket" && e.name == "acme-logs")
        .unwrap();
    assert_eq!(
        logs.change,
        Change::Changed,
        "the bucket policy itself differs"
    );
    let reader = report.access.iter().find(|a| a.principal == "role reader");
    assert!(
        reader.is_none_or(|r| r.gained.iter().all(|g| !g.starts_with("s3:GetObject"))),
        "{reader:#?}"
    );
    // Without the RCP, the same change gives the reader the read.
    deployed.organization = None;
    let report = diff(&built, &deployed, &Scope::default());
    let reader = report
        .access
        .iter()
        .find(|a| a.principal == "role reader")
        .expect("the reader's access changes");
    assert!(
        reader.gained.iter().any(|g| g.starts_with("s3:GetObject")),
        "{reader:#?}"
    );
}

/// An organization of both accounts whose RCP at the root denies S3 to callers outside prod.
fn perimeter_organization() -> iamdsl_policy::organization::OrganizationState {
    let organization: serde_json::Value = serde_json::from_str(
        r#"{"ManagementAccountId": "999999999999",
            "Root": {"Name": "Root", "Policies": {"SERVICE_CONTROL_POLICY": ["FullAWSAccess"], "RESOURCE_CONTROL_POLICY": ["perimeter"]},
                     "Accounts": [{"Id": "111111111111"}, {"Id": "222222222222"}]},
            "Policies": [
              {"Type": "SERVICE_CONTROL_POLICY", "Name": "FullAWSAccess", "AwsManaged": true, "Content": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
              {"Type": "RESOURCE_CONTROL_POLICY", "Name": "perimeter", "Content": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalAccount": "111111111111"}}}]}}
            ]}"#,
    )
    .unwrap();
    iamdsl_policy::organization::OrganizationState::from_value(&organization).unwrap()
}

/// The reverse: the source describes the organization and the deployed state does not hold it.
/// Its RCP caps the deployed side as well, so an unrelated change to the bucket policy is not
/// reported as the reader losing a read that the RCP denies on both sides.
#[test]
fn an_rcp_of_the_built_organization_caps_the_deployed_side_too() {
    let mut built = built();
    let mut deployed = built.clone();
    built.organization = Some(perimeter_organization());
    let logs = deployed
        .resources
        .iter_mut()
        .find(|r| r.name == "acme-logs")
        .unwrap();
    let iamdsl_policy::authz::ResourcePolicyState::Document(document) = &mut logs.policy else {
        panic!("the built bucket has a policy");
    };
    let extra: serde_json::Value = serde_json::from_str(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::acme-logs/*"}]}"#,
    )
    .unwrap();
    document.statements.extend(
        iamdsl_policy::reader::read_policy(&extra)
            .unwrap()
            .statements,
    );
    let report = diff(&built, &deployed, &Scope::default());
    let bucket = report
        .entities
        .iter()
        .find(|e| e.kind == "bucket" && e.name == "acme-logs")
        .unwrap();
    assert_eq!(bucket.change, Change::Changed, "the bucket policy differs");
    let reader = report.access.iter().find(|a| a.principal == "role reader");
    assert!(
        reader.is_none_or(|r| r.lost.iter().all(|l| !l.starts_with("s3:GetObject"))),
        "{reader:#?}"
    );
}
