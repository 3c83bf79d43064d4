//! Resource policies in the access layer: the state's `ResourcePolicies` (bucket, key, secret
//! policies…) decide requests on their resources beside the caller's identity policies, by AWS's
//! documented logic (IAM User Guide: "Policy evaluation logic", "Cross-account policy
//! evaluation logic"; KMS Developer Guide: "Key policies in AWS KMS"). Every state here is
//! hand-written JSON, read as deployed or built state is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_policy::access::Access;
use iamdsl_policy::authz::AuthorizationDetails;
use iamdsl_policy::eval::{Context, Decision, PolicyKind, Quantifier};

use Decision::{Allow, ExplicitDeny, ImplicitDeny};

const PROD: &str = "111111111111";
const AUDITOR: &str = "arn:aws:iam::222222222222:role/auditor";
const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const WORKER: &str = "arn:aws:iam::111111111111:role/worker";
const BOUNDED: &str = "arn:aws:iam::111111111111:role/bounded";
const APP: &str = "arn:aws:iam::111111111111:role/app";
const LOG: &str = "arn:aws:s3:::acme-logs/AWSLogs/2026/trail.json.gz";
const KEY: &str = "arn:aws:kms:eu-west-1:111111111111:key/0d6f0d6f-0000-4000-8000-000000000001";
const OPEN_KEY: &str =
    "arn:aws:kms:eu-west-1:111111111111:key/0d6f0d6f-0000-4000-8000-000000000002";

fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

fn role(arn: &str, inline: &[String], boundary: Option<&str>) -> String {
    let name = arn.rsplit('/').next().unwrap();
    let inline: Vec<String> = inline
        .iter()
        .enumerate()
        .map(|(i, d)| format!(r#"{{"PolicyName":"p{i}","PolicyDocument":{d}}}"#))
        .collect();
    let boundary = boundary
        .map(|b| format!(r#","PermissionsBoundary":{{"PermissionsBoundaryType":"Policy","PermissionsBoundaryArn":"{b}"}}"#))
        .unwrap_or_default();
    format!(
        r#"{{"Path":"/","RoleName":"{name}","Arn":"{arn}","AssumeRolePolicyDocument":{{"Version":"2012-10-17","Statement":[]}},"RolePolicyList":[{}],"AttachedManagedPolicies":[]{boundary}}}"#,
        inline.join(",")
    )
}

/// Two accounts: prod (111…) owns the resources, audit (222…) has the auditor role.
fn state(resources: &str) -> AuthorizationDetails {
    let text = format!(
        r#"{{
  "UserDetailList": [{{"Path": "/", "UserName": "alice", "Arn": "{ALICE}", "GroupList": [], "UserPolicyList": [], "AttachedManagedPolicies": []}}],
  "GroupDetailList": [],
  "RoleDetailList": [{}, {}, {}, {}],
  "Policies": [{{"PolicyName": "only-ec2", "Arn": "arn:aws:iam::111111111111:policy/only-ec2", "Path": "/", "DefaultVersionId": "v1",
    "PolicyVersionList": [{{"VersionId": "v1", "IsDefaultVersion": true, "Document": {}}}]}}],
  "ResourcePolicies": [{resources}]
}}"#,
        role(
            AUDITOR,
            &[
                allow("s3:GetObject", "arn:aws:s3:::acme-logs/*"),
                allow("secretsmanager:GetSecretValue", "*"),
                allow("sqs:SendMessage", "*")
            ],
            None
        ),
        role(WORKER, &[], None),
        role(
            BOUNDED,
            &[allow("s3:*", "*")],
            Some("arn:aws:iam::111111111111:policy/only-ec2")
        ),
        role(APP, &[allow("kms:Decrypt", "*")], None),
        allow("ec2:*", "*"),
    );
    AuthorizationDetails::read(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn bucket(policy: &str) -> String {
    format!(
        r#"{{"Kind": "s3.bucket", "Name": "acme-logs", "Arn": "arn:aws:s3:::acme-logs", "Account": "{PROD}", "Policy": {policy}}}"#
    )
}

fn statement(effect: &str, principal: &str, action: &str, resource: &str) -> String {
    format!(
        r#"{{"Effect":"{effect}","Principal":{principal},"Action":"{action}","Resource":"{resource}"}}"#
    )
}

fn document(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn aws(arn: &str) -> String {
    format!(r#"{{"AWS":"{arn}"}}"#)
}

/// `evaluate` and its fast path `allows` agree, and the decision is `expected`.
fn decided(
    access: &Access<'_>,
    principal: &str,
    action: &str,
    resource: &str,
    quantifier: Quantifier,
) -> Decision {
    let index = access.by_arn(principal).unwrap();
    let context = Context::new();
    let explained = access.evaluate(index, action, resource, &context, quantifier);
    assert_eq!(
        access.allows(index, action, resource, &context, quantifier),
        explained.decision() == Allow,
        "allows() and evaluate() disagree on {principal} {action} {resource}: {explained:#?}"
    );
    explained.decision()
}

#[test]
fn across_accounts_both_the_bucket_policy_and_the_identity_policy_must_allow() {
    // "Cross-account policy evaluation logic": the identity-based policy in the requesting
    // account and the resource-based policy in the trusting account must both allow.
    let reads = statement(
        "Allow",
        &aws(AUDITOR),
        "s3:GetObject",
        "arn:aws:s3:::acme-logs/*",
    );
    let granted = state(&bucket(&document(&[reads])));
    let access = Access::new(&granted);
    let auditor = access.by_arn(AUDITOR).unwrap();
    let context = Context::new();
    let explained = access.evaluate(auditor, "s3:GetObject", LOG, &context, Quantifier::Exact);
    assert_eq!(explained.decision(), Allow, "{explained:#?}");
    let labels: Vec<(PolicyKind, &str)> =
        explained.cited.iter().map(|c| (c.kind, c.label)).collect();
    assert_eq!(
        labels,
        vec![
            (PolicyKind::Identity, "inline policy p0 of role auditor"),
            (PolicyKind::Resource, "bucket policy of acme-logs")
        ],
        "both halves are named"
    );
    assert!(explained.undeclared_resource.is_none());
    assert_eq!(
        decided(&access, AUDITOR, "s3:GetObject", LOG, Quantifier::Exact),
        Allow
    );
    // The bucket policy names someone else: the S3 ARN names no account, but the bucket is
    // prod's, so the auditor's own grant is not enough.
    let other = statement(
        "Allow",
        &aws(ALICE),
        "s3:GetObject",
        "arn:aws:s3:::acme-logs/*",
    );
    let missing = state(&bucket(&document(&[other])));
    let access = Access::new(&missing);
    let auditor = access.by_arn(AUDITOR).unwrap();
    let explained = access.evaluate(auditor, "s3:GetObject", LOG, &context, Quantifier::Exact);
    assert_eq!(explained.decision(), ImplicitDeny);
    assert_eq!(explained.evaluation.missing, Some(PolicyKind::Resource));
    assert_eq!(
        explained.evaluation.reason,
        "the resource is in another account, and no statement of the bucket policy of acme-logs allows it"
    );
    assert_eq!(
        decided(&access, AUDITOR, "s3:GetObject", LOG, Quantifier::Exact),
        ImplicitDeny
    );
    // The bucket has no policy at all: the same.
    let none = state(&bucket("null"));
    let access = Access::new(&none);
    assert_eq!(
        decided(&access, AUDITOR, "s3:GetObject", LOG, Quantifier::Exact),
        ImplicitDeny
    );
    // The bucket policy lets the audit account in, but the auditor's identity policies do not
    // allow the action: the principal's half is missing, and named.
    let account = statement(
        "Allow",
        &aws("arn:aws:iam::222222222222:root"),
        "s3:*",
        "arn:aws:s3:::acme-logs/*",
    );
    let account_only = state(&bucket(&document(&[account])));
    let access = Access::new(&account_only);
    let auditor = access.by_arn(AUDITOR).unwrap();
    let explained = access.evaluate(auditor, "s3:PutObject", LOG, &context, Quantifier::Exact);
    assert_eq!(explained.decision(), ImplicitDeny);
    assert_eq!(explained.evaluation.missing, Some(PolicyKind::Identity));
    assert!(
        explained
            .evaluation
            .reason
            .contains("the bucket policy of acme-logs allows it, but no identity-based policy"),
        "{}",
        explained.evaluation.reason
    );
    assert_eq!(
        decided(&access, AUDITOR, "s3:GetObject", LOG, Quantifier::Exact),
        Allow
    );
}

#[test]
fn within_the_account_a_bucket_policy_is_a_union_with_identity_policies() {
    // "Policy evaluation logic": within one account, either an identity-based or a
    // resource-based policy may allow. A resource-based policy naming the IAM user allows
    // whatever its identity policies say; naming a role ARN, it is still limited by the
    // role's permissions boundary; naming the account, it leaves the grant to IAM policies.
    let get = |principal: &str| {
        statement(
            "Allow",
            &aws(principal),
            "s3:GetObject",
            "arn:aws:s3:::acme-logs/*",
        )
    };
    let named = state(&bucket(&document(&[get(ALICE), get(WORKER), get(BOUNDED)])));
    let access = Access::new(&named);
    assert_eq!(
        decided(&access, ALICE, "s3:GetObject", LOG, Quantifier::Exact),
        Allow
    );
    assert_eq!(
        decided(&access, WORKER, "s3:GetObject", LOG, Quantifier::Exact),
        Allow
    );
    // `bounded` has s3:* in its identity policy, but its boundary allows only EC2.
    assert_eq!(
        decided(&access, BOUNDED, "s3:GetObject", LOG, Quantifier::Exact),
        ImplicitDeny
    );
    assert_eq!(
        decided(&access, ALICE, "s3:PutObject", LOG, Quantifier::Exact),
        ImplicitDeny
    );
    let alice = access.by_arn(ALICE).unwrap();
    let explained = access.evaluate(
        alice,
        "s3:GetObject",
        LOG,
        &Context::new(),
        Quantifier::Exact,
    );
    assert_eq!(explained.cited.len(), 1);
    assert_eq!(explained.cited[0].label, "bucket policy of acme-logs");
    // The account root: the identity half must allow, which alice's does not.
    let root = statement(
        "Allow",
        &aws("arn:aws:iam::111111111111:root"),
        "s3:*",
        "arn:aws:s3:::acme-logs/*",
    );
    let delegated = state(&bucket(&document(&[root])));
    let access = Access::new(&delegated);
    assert_eq!(
        decided(&access, ALICE, "s3:GetObject", LOG, Quantifier::Exact),
        ImplicitDeny
    );
    assert_eq!(
        decided(&access, WORKER, "s3:GetObject", LOG, Quantifier::Exact),
        ImplicitDeny
    );
}

#[test]
fn an_explicit_deny_in_a_bucket_policy_overrides_identity_allows() {
    let deny = statement("Deny", r#""*""#, "s3:*", "arn:aws:s3:::acme-logs/*");
    let reads = statement(
        "Allow",
        &aws(AUDITOR),
        "s3:GetObject",
        "arn:aws:s3:::acme-logs/*",
    );
    let denied = state(&bucket(&document(&[reads, deny])));
    let access = Access::new(&denied);
    assert_eq!(
        decided(&access, AUDITOR, "s3:GetObject", LOG, Quantifier::Exact),
        ExplicitDeny
    );
    // The bounded role's identity policy allows s3:*; the bucket policy's deny decides first.
    assert_eq!(
        decided(&access, BOUNDED, "s3:GetObject", LOG, Quantifier::Exact),
        ExplicitDeny
    );
    let auditor = access.by_arn(AUDITOR).unwrap();
    let explained = access.evaluate(
        auditor,
        "s3:GetObject",
        LOG,
        &Context::new(),
        Quantifier::Exact,
    );
    assert_eq!(explained.cited[0].label, "bucket policy of acme-logs");
    assert_eq!(
        explained.cited[0].statement.effect,
        iamdsl_policy::Effect::Deny
    );
}

fn keys() -> String {
    let delegates = statement(
        "Allow",
        &aws("arn:aws:iam::111111111111:root"),
        "kms:*",
        "*",
    );
    let admin_only = statement("Allow", &aws(WORKER), "kms:*", "*");
    format!(
        r#"{{"Kind": "kms.key", "Name": "open", "Arn": "{OPEN_KEY}", "Account": "{PROD}", "Policy": {}}},
           {{"Kind": "kms.key", "Name": "closed", "Arn": "{KEY}", "Account": "{PROD}", "Policy": {}}}"#,
        document(&[delegates]),
        document(&[admin_only])
    )
}

#[test]
fn a_key_policy_must_allow_even_within_the_account() {
    // "Key policies in AWS KMS": no principal may use a KMS key unless the key policy allows
    // it; a key policy statement naming the account lets IAM policies allow it too.
    let keys = state(&keys());
    let access = Access::new(&keys);
    // `app` holds kms:Decrypt on * in its identity policy.
    assert_eq!(
        decided(&access, APP, "kms:Decrypt", OPEN_KEY, Quantifier::Exact),
        Allow
    );
    assert_eq!(
        decided(&access, APP, "kms:Decrypt", KEY, Quantifier::Exact),
        ImplicitDeny
    );
    let app = access.by_arn(APP).unwrap();
    let explained = access.evaluate(app, "kms:Decrypt", KEY, &Context::new(), Quantifier::Exact);
    assert_eq!(
        explained.evaluation.reason,
        "the key policy of closed must allow it even within the account, and none of its statements does"
    );
    let delegated = access.evaluate(
        app,
        "kms:Decrypt",
        OPEN_KEY,
        &Context::new(),
        Quantifier::Exact,
    );
    let labels: Vec<&str> = delegated.cited.iter().map(|c| c.label).collect();
    assert_eq!(
        labels,
        vec!["inline policy p0 of role app", "key policy of open"]
    );
    // The key policy naming the role allows without an identity grant; delegation alone does
    // not.
    assert_eq!(
        decided(&access, WORKER, "kms:Decrypt", KEY, Quantifier::Exact),
        Allow
    );
    assert_eq!(
        decided(&access, WORKER, "kms:Decrypt", OPEN_KEY, Quantifier::Exact),
        ImplicitDeny
    );
    // Cited once: the key policy's statement is the principal's side and the key's at once.
    let worker = access.by_arn(WORKER).unwrap();
    let named = access.evaluate(
        worker,
        "kms:Decrypt",
        KEY,
        &Context::new(),
        Quantifier::Exact,
    );
    let labels: Vec<&str> = named.cited.iter().map(|c| c.label).collect();
    assert_eq!(labels, vec!["key policy of closed"]);
}

#[test]
fn a_secret_is_found_by_its_name_whatever_the_suffix() {
    // Secrets Manager appends `-` and six characters to a secret's ARN; the state may hold
    // either form, and a request names the full ARN.
    let reads = document(&[statement(
        "Allow",
        &aws(AUDITOR),
        "secretsmanager:GetSecretValue",
        "*",
    )]);
    let secret = format!(
        r#"{{"Kind": "secretsmanager.secret", "Name": "db/password", "Arn": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db/password", "Account": "{PROD}", "Policy": {reads}}}"#
    );
    let state = state(&secret);
    let access = Access::new(&state);
    let full = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db/password-AbCdEf";
    assert_eq!(
        decided(
            &access,
            AUDITOR,
            "secretsmanager:GetSecretValue",
            full,
            Quantifier::Exact
        ),
        Allow
    );
    assert_eq!(access.governing(full), Some(0));
    assert_eq!(
        access.governing("arn:aws:secretsmanager:eu-west-1:111111111111:secret:db/other-AbCdEf"),
        None
    );
}

#[test]
fn patterns_find_the_policies_of_the_resources_they_span() {
    let get = statement(
        "Allow",
        &aws(ALICE),
        "s3:GetObject",
        "arn:aws:s3:::acme-logs/*",
    );
    let named = state(&bucket(&document(&[get])));
    let access = Access::new(&named);
    // Within the bucket: its policy decides.
    assert_eq!(
        decided(
            &access,
            ALICE,
            "s3:GetObject",
            "arn:aws:s3:::acme-logs/AWSLogs/*",
            Quantifier::Some
        ),
        Allow
    );
    assert_eq!(
        decided(
            &access,
            ALICE,
            "s3:GetObject",
            "arn:aws:s3:::acme-logs/AWSLogs/*",
            Quantifier::Every
        ),
        Allow
    );
    // Every bucket: some of it (acme-logs) is allowed, not all of it.
    assert_eq!(
        decided(
            &access,
            ALICE,
            "s3:GetObject",
            "arn:aws:s3:::*",
            Quantifier::Some
        ),
        Allow
    );
    assert_eq!(
        decided(
            &access,
            ALICE,
            "s3:GetObject",
            "arn:aws:s3:::*",
            Quantifier::Every
        ),
        ImplicitDeny
    );
    assert_eq!(
        decided(&access, ALICE, "s3:*", "*", Quantifier::Some),
        Allow
    );
    // The bucket policy grants no IAM action, and is not asked about one.
    assert_eq!(
        decided(&access, ALICE, "iam:*", "*", Quantifier::Some),
        ImplicitDeny
    );
}

#[test]
fn a_resource_policy_does_not_make_an_administrator() {
    // The escalation analysis's question: every IAM action on every resource.
    let everything = statement("Allow", &aws(WORKER), "*", "*");
    let broad = state(&format!(
        r#"{},{{"Kind": "kms.key", "Name": "k", "Arn": "{KEY}", "Account": "{PROD}", "Policy": {}}}"#,
        bucket(&document(std::slice::from_ref(&everything))),
        document(std::slice::from_ref(&everything))
    ));
    let access = Access::new(&broad);
    for quantifier in [Quantifier::Every, Quantifier::Some] {
        assert_eq!(
            decided(&access, WORKER, "iam:*", "*", quantifier),
            ImplicitDeny
        );
    }
    assert_eq!(
        decided(
            &access,
            WORKER,
            "kms:ScheduleKeyDeletion",
            KEY,
            Quantifier::Exact
        ),
        Allow
    );
}

#[test]
fn an_unknown_policy_makes_the_answer_a_may() {
    // The policy could not be read: an allow by identity policies within the account may be
    // denied by it, a deny for want of it may be allowed.
    let unknown = format!(
        r#"{{"Kind": "s3.bucket", "Name": "acme-logs", "Arn": "arn:aws:s3:::acme-logs", "Account": "{PROD}", "PolicyUnknown": "access denied"}}"#
    );
    let state = state(&unknown);
    let access = Access::new(&state);
    let context = Context::new();
    let auditor_get = access.evaluate(
        access.by_arn(AUDITOR).unwrap(),
        "s3:GetObject",
        LOG,
        &context,
        Quantifier::Exact,
    );
    assert_eq!(auditor_get.decision(), ImplicitDeny);
    assert_eq!(
        auditor_get.unknown_resource_policy.as_deref(),
        Some("the bucket policy of acme-logs is not known (access denied): it may allow it")
    );
    assert!(
        auditor_get
            .evaluation
            .reason
            .contains("bucket policy of acme-logs (not known: access denied)"),
        "{}",
        auditor_get.evaluation.reason
    );
    // Alice, in prod, has no identity grant: the unknown policy may name her all the same.
    let alice = access.evaluate(
        access.by_arn(ALICE).unwrap(),
        "s3:GetObject",
        LOG,
        &context,
        Quantifier::Exact,
    );
    assert_eq!(alice.decision(), ImplicitDeny);
    assert!(alice.unknown_resource_policy.is_some());
    // who-can: the auditor may (its half allows, the unknown policy may), alice is not listed.
    let chains = access.who_can("s3:GetObject", LOG, &context, Quantifier::Exact);
    let auditor = access.by_arn(AUDITOR).unwrap();
    assert_eq!(chains.len(), 1, "{chains:?}");
    assert_eq!(chains[0].steps, vec![auditor]);
    assert!(!chains[0].is_certain());
    assert!(chains[0]
        .unknown_resource_policy
        .as_deref()
        .unwrap()
        .contains("may allow it"));
    // An explicit deny stands whatever the policy says: no caveat.
    let deny = state_with_deny();
    let access = Access::new(&deny);
    let denied = access.evaluate(
        access.by_arn(AUDITOR).unwrap(),
        "s3:DeleteObject",
        LOG,
        &context,
        Quantifier::Exact,
    );
    assert_eq!(denied.decision(), ExplicitDeny);
    assert!(denied.unknown_resource_policy.is_none());
}

fn state_with_deny() -> AuthorizationDetails {
    let text = format!(
        r#"{{"RoleDetailList": [{}], "ResourcePolicies": [{{"Kind": "s3.bucket", "Name": "acme-logs", "Arn": "arn:aws:s3:::acme-logs", "Account": "{PROD}", "PolicyUnknown": "access denied"}}]}}"#,
        role(
            AUDITOR,
            &[
                r#"{"Statement":{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}}"#
                    .to_string()
            ],
            None
        )
    );
    AuthorizationDetails::read(&text).unwrap()
}

#[test]
fn an_undeclared_resource_is_read_as_before_and_said_so() {
    let state = state(&bucket("null"));
    let access = Access::new(&state);
    let context = Context::new();
    let auditor = access.by_arn(AUDITOR).unwrap();
    // Another bucket: the caller's account's, without a bucket policy.
    let other = access.evaluate(
        auditor,
        "s3:GetObject",
        "arn:aws:s3:::elsewhere/x",
        &context,
        Quantifier::Exact,
    );
    assert_eq!(
        other.undeclared_resource.as_deref(),
        Some("the bucket of `arn:aws:s3:::elsewhere/x` is not declared: evaluated as a resource of the caller's account without a bucket policy")
    );
    assert!(other.unknown_resource_policy.is_none());
    let declared = access.evaluate(auditor, "s3:GetObject", LOG, &context, Quantifier::Exact);
    assert!(declared.undeclared_resource.is_none());
    // A queue of another account that the state does not hold: denied, as before resource
    // policies were known, and said so.
    let queue = "arn:aws:sqs:eu-west-1:111111111111:jobs";
    let explained = access.evaluate(
        auditor,
        "sqs:SendMessage",
        queue,
        &context,
        Quantifier::Exact,
    );
    assert_eq!(explained.decision(), ImplicitDeny);
    assert_eq!(
        explained.undeclared_resource.as_deref(),
        Some("the queue `arn:aws:sqs:eu-west-1:111111111111:jobs` is not declared: evaluated as a resource of account 111111111111 without a queue policy")
    );
    assert!(explained.unknown_resource_policy.is_none());
    // No resource policy for a table: nothing to say.
    let table = access.evaluate(
        auditor,
        "dynamodb:GetItem",
        "arn:aws:dynamodb:eu-west-1:222222222222:table/t",
        &context,
        Quantifier::Exact,
    );
    assert!(table.undeclared_resource.is_none() && table.unknown_resource_policy.is_none());
}

#[test]
fn who_can_lists_those_a_resource_policy_lets_in_and_the_external_ones() {
    let statements = [
        statement("Allow", &aws(ALICE), "s3:GetObject", "arn:aws:s3:::acme-logs/*"),
        statement("Allow", &aws(AUDITOR), "s3:GetObject", "arn:aws:s3:::acme-logs/*"),
        statement("Allow", &aws("arn:aws:iam::333333333333:root"), "s3:GetObject", "arn:aws:s3:::acme-logs/*"),
        statement("Allow", r#"{"Service":"cloudtrail.amazonaws.com"}"#, "s3:GetObject", "arn:aws:s3:::acme-logs/*"),
        // A service let in only from one trail: the request does not say which, so it is not.
        r#"{"Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::acme-logs/*","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}}"#.to_string(),
    ];
    let state = state(&bucket(&document(&statements)));
    let access = Access::new(&state);
    let context = Context::new();
    let chains = access.who_can("s3:GetObject", LOG, &context, Quantifier::Exact);
    let names: Vec<&str> = chains
        .iter()
        .map(|c| access.principals()[c.steps[0]].name.as_str())
        .collect();
    // `bounded` has s3:* but its boundary holds it back.
    assert_eq!(names, vec!["alice", "auditor"]);
    assert!(chains.iter().all(|c| c.is_certain()));
    let external = access.external_principals("s3:GetObject", LOG, &context, Quantifier::Exact);
    let external: Vec<&str> = external.iter().map(|e| e.principal.as_str()).collect();
    assert_eq!(
        external,
        vec!["arn:aws:iam::333333333333:root", "cloudtrail.amazonaws.com"]
    );
    // Asked of the service alone, the explanation names the condition it did not meet.
    let config = access
        .external_evaluate(
            "config.amazonaws.com",
            "s3:GetObject",
            LOG,
            &context,
            Quantifier::Exact,
        )
        .unwrap();
    assert_eq!(config.decision(), ImplicitDeny);
    let unmet: Vec<(&str, &str)> = config
        .unmet
        .iter()
        .map(|u| (u.statement.label, u.test.key.as_str()))
        .collect();
    assert_eq!(
        unmet,
        vec![("bucket policy of acme-logs", "aws:SourceAccount")]
    );
    assert!(access
        .external_evaluate(
            "config.amazonaws.com",
            "s3:GetObject",
            "arn:aws:s3:::other/x",
            &context,
            Quantifier::Exact
        )
        .is_none());
    let mut from_config = Context::new();
    from_config.set("aws:SourceAccount", ["111111111111".to_string()]);
    let external = access.external_principals("s3:GetObject", LOG, &from_config, Quantifier::Exact);
    assert_eq!(external.len(), 3);
}

#[test]
fn the_fast_path_agrees_with_the_evaluation_everywhere() {
    // `allows` (the escalation search's question) short-cuts what cannot be allowed; it must
    // never answer otherwise than `evaluate`.
    let get = |principal: &str, effect: &str| {
        statement(
            effect,
            &aws(principal),
            "s3:GetObject",
            "arn:aws:s3:::acme-logs/*",
        )
    };
    let reads = document(&[
        get(ALICE, "Allow"),
        get(AUDITOR, "Allow"),
        get(WORKER, "Allow"),
        get("arn:aws:iam::222222222222:root", "Allow"),
        statement("Allow", r#""*""#, "s3:ListBucket", "arn:aws:s3:::acme-logs"),
        get(BOUNDED, "Deny"),
    ]);
    let secret = document(&[statement(
        "Allow",
        &aws("arn:aws:iam::222222222222:root"),
        "secretsmanager:*",
        "*",
    )]);
    let resources = format!(
        r#"{},{},{{"Kind": "secretsmanager.secret", "Name": "db", "Arn": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf", "Account": "{PROD}", "Policy": {secret}}}"#,
        bucket(&reads),
        keys()
    );
    let state = state(&resources);
    let access = Access::new(&state);
    let actions = [
        "s3:GetObject",
        "s3:ListBucket",
        "s3:*",
        "kms:Decrypt",
        "kms:*",
        "secretsmanager:GetSecretValue",
        "iam:*",
        "sqs:SendMessage",
        "*",
    ];
    let resources = [
        LOG,
        "arn:aws:s3:::acme-logs",
        "arn:aws:s3:::acme-logs/*",
        "arn:aws:s3:::*",
        "arn:aws:s3:::elsewhere/x",
        "*",
        KEY,
        OPEN_KEY,
        "arn:aws:kms:*:*:key/*",
        "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf",
        "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db",
        "arn:aws:sqs:eu-west-1:111111111111:jobs",
    ];
    let mut decisions = std::collections::BTreeMap::new();
    for principal in [ALICE, AUDITOR, WORKER, BOUNDED, APP] {
        for action in actions {
            for resource in resources {
                for quantifier in [Quantifier::Exact, Quantifier::Some, Quantifier::Every] {
                    let decision = decided(&access, principal, action, resource, quantifier);
                    *decisions.entry(decision).or_insert(0) += 1;
                }
            }
        }
    }
    assert_eq!(decisions.len(), 3, "{decisions:?}");
}
