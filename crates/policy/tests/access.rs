//! The access layer over deployed state: AWS managed policies are evaluated from the documents
//! deployed state holds, not taken to be unknown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_policy::access::Access;
use iamdsl_policy::authz::AuthorizationDetails;
use iamdsl_policy::eval::{Context, Decision, Quantifier};

const STATE: &str = r#"{
  "UserDetailList": [{"Path": "/", "UserName": "auditor", "Arn": "arn:aws:iam::111111111111:user/auditor",
    "GroupList": [], "UserPolicyList": [],
    "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}],
  "GroupDetailList": [], "RoleDetailList": [],
  "Policies": [{"PolicyName": "ReadOnlyAccess", "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "Path": "/",
    "DefaultVersionId": "v1", "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true,
      "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}]}}]}]
}"#;

#[test]
fn aws_managed_policies_of_deployed_state_are_evaluated() {
    let state = AuthorizationDetails::read(STATE).unwrap();
    assert!(
        state.policies.is_empty(),
        "AWS managed policies are no entity of the account"
    );
    let access = Access::new(&state);
    let auditor = access
        .by_arn("arn:aws:iam::111111111111:user/auditor")
        .unwrap();
    let context = Context::new();
    let read = access.evaluate(
        auditor,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        &context,
        Quantifier::Exact,
    );
    assert_eq!(read.decision(), Decision::Allow);
    assert_eq!(read.cited[0].label, "AWS managed policy ReadOnlyAccess");
    let write = access.evaluate(
        auditor,
        "s3:PutObject",
        "arn:aws:s3:::b/k",
        &context,
        Quantifier::Exact,
    );
    assert_eq!(write.decision(), Decision::ImplicitDeny);
    assert!(
        write.unknown.is_empty(),
        "the document is known: {:?}",
        write.unknown
    );
}
