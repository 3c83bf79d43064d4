//! The evaluator, case by case. Each case cites the rule of AWS's documentation it checks
//! (IAM User Guide: "Policy evaluation logic", "Determining whether a request is allowed or
//! denied within an account", "Cross-account policy evaluation logic", "IAM JSON policy
//! elements: Condition operators", "IAM policy elements: Variables and tags").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{decide, Ask};

use iamdsl_policy::eval::{Context, Decision, PolicyKind, Quantifier};
use iamdsl_policy::reader::read_policy_text;
use iamdsl_policy::PolicyDocument;

use Decision::{Allow, ExplicitDeny, ImplicitDeny};
use PolicyKind::{Boundary, Identity, Resource, Scp, Session};

const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const DEPLOYER: &str = "arn:aws:iam::111111111111:role/deployer";

struct Case {
    /// The rule, as the documentation states it.
    rule: &'static str,
    policies: &'static [(PolicyKind, &'static str)],
    principal: &'static str,
    action: &'static str,
    resource: &'static str,
    resource_account: Option<&'static str>,
    context: &'static [(&'static str, &'static [&'static str])],
    expected: Decision,
}

const fn case(
    rule: &'static str,
    policies: &'static [(PolicyKind, &'static str)],
    action: &'static str,
    resource: &'static str,
    expected: Decision,
) -> Case {
    Case {
        rule,
        policies,
        principal: ALICE,
        action,
        resource,
        resource_account: None,
        context: &[],
        expected,
    }
}

fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

const ALLOW_GET: &str =
    r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
const ALLOW_ALL: &str = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
const DENY_DELETE: &str =
    r#"{"Statement":{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}}"#;

fn condition_policy(operator: &str, key: &str, values: &str) -> String {
    format!(
        r#"{{"Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"{operator}":{{"{key}":{values}}}}}}}}}"#
    )
}

fn run(case: &Case) -> Decision {
    let documents: Vec<(PolicyKind, PolicyDocument)> = case
        .policies
        .iter()
        .map(|(kind, text)| {
            (
                *kind,
                read_policy_text(text).unwrap_or_else(|e| panic!("{}: {e}", case.rule)),
            )
        })
        .collect();
    run_documents(case, &documents)
}

fn run_documents(case: &Case, documents: &[(PolicyKind, PolicyDocument)]) -> Decision {
    let mut context = Context::new();
    for (key, values) in case.context {
        context.set(key, values.iter().map(|v| v.to_string()));
    }
    let ask = Ask {
        principal: case.principal,
        action: case.action,
        resource: case.resource,
        resource_account: case.resource_account,
        context: &context,
        quantifier: Quantifier::Exact,
        resource_policy_required: false,
    };
    decide(&ask, documents)
}

#[test]
fn the_documented_rules() {
    let cases = [
        case("By default, all requests are implicitly denied", &[], "s3:GetObject", "arn:aws:s3:::b/k", ImplicitDeny),
        case("An explicit allow in an identity-based policy overrides the default", &[(Identity, ALLOW_GET)], "s3:GetObject", "arn:aws:s3:::b/k", Allow),
        case("An allow applies only to the actions it names", &[(Identity, ALLOW_GET)], "s3:PutObject", "arn:aws:s3:::b/k", ImplicitDeny),
        case("An allow applies only to the resources it names", &[(Identity, ALLOW_GET)], "s3:GetObject", "arn:aws:s3:::c/k", ImplicitDeny),
        case("An explicit deny in any policy overrides any allows", &[(Identity, ALLOW_ALL), (Identity, DENY_DELETE)], "s3:DeleteObject", "arn:aws:s3:::b/k", ExplicitDeny),
        case("An explicit deny in a permissions boundary overrides an identity allow", &[(Identity, ALLOW_ALL), (Boundary, DENY_DELETE)], "s3:DeleteObject", "arn:aws:s3:::b/k", ExplicitDeny),
        case("With a permissions boundary, the effective permissions are the intersection: the boundary must allow", &[(Identity, ALLOW_ALL), (Boundary, ALLOW_GET)], "s3:PutObject", "arn:aws:s3:::b/k", ImplicitDeny),
        case("A permissions boundary alone grants nothing", &[(Boundary, ALLOW_ALL)], "s3:GetObject", "arn:aws:s3:::b/k", ImplicitDeny),
        case("Identity allow within the boundary is allowed", &[(Identity, ALLOW_GET), (Boundary, ALLOW_ALL)], "s3:GetObject", "arn:aws:s3:::b/k", Allow),
        case("SCPs limit permissions: an SCP must allow the action", &[(Identity, ALLOW_ALL), (Scp, ALLOW_GET)], "s3:PutObject", "arn:aws:s3:::b/k", ImplicitDeny),
        case("SCPs do not grant permissions", &[(Scp, ALLOW_ALL)], "s3:GetObject", "arn:aws:s3:::b/k", ImplicitDeny),
        case("An explicit deny in an SCP overrides identity allows", &[(Identity, ALLOW_ALL), (Scp, ALLOW_ALL), (Scp, DENY_DELETE)], "s3:DeleteObject", "arn:aws:s3:::b/k", ExplicitDeny),
        case("Session policies limit a role session: the session policy must allow", &[(Identity, ALLOW_ALL), (Session, ALLOW_GET)], "s3:PutObject", "arn:aws:s3:::b/k", ImplicitDeny),
        case("Within the boundary and the session policy, the identity allow stands", &[(Identity, ALLOW_ALL), (Session, ALLOW_GET), (Boundary, ALLOW_ALL)], "s3:GetObject", "arn:aws:s3:::b/k", Allow),
        case("Action names are case-insensitive", &[(Identity, r#"{"Statement":{"Effect":"Allow","Action":"S3:getobject","Resource":"*"}}"#)], "s3:GetObject", "arn:aws:s3:::b/k", Allow),
        case("Action wildcards: * matches any run of characters", &[(Identity, r#"{"Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}"#)], "s3:GetObjectTagging", "arn:aws:s3:::b/k", Allow),
        case("Action wildcards: ? matches one character", &[(Identity, r#"{"Statement":{"Effect":"Allow","Action":"s3:?etObject","Resource":"*"}}"#)], "s3:GetObject", "arn:aws:s3:::b/k", Allow),
        case("Resource ARNs are case-sensitive", &[(Identity, r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::B/*"}}"#)], "s3:GetObject", "arn:aws:s3:::b/k", ImplicitDeny),
        case("NotAction with Allow allows everything but the listed actions", &[(Identity, r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#)], "s3:GetObject", "arn:aws:s3:::b/k", Allow),
        case("NotAction with Allow does not allow the listed actions", &[(Identity, r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#)], "iam:CreateUser", "*", ImplicitDeny),
        case("NotAction with Deny denies everything but the listed actions", &[(Identity, ALLOW_ALL), (Identity, r#"{"Statement":{"Effect":"Deny","NotAction":["iam:Get*","sts:*"],"Resource":"*"}}"#)], "s3:GetObject", "arn:aws:s3:::b/k", ExplicitDeny),
        case("NotResource with Allow applies to every other resource", &[(Identity, r#"{"Statement":{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}}"#)], "s3:GetObject", "arn:aws:s3:::b/k", Allow),
        case("NotResource with Allow does not apply to the listed resources", &[(Identity, r#"{"Statement":{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}}"#)], "s3:GetObject", "arn:aws:s3:::secret/k", ImplicitDeny),
        case("NotResource with Deny denies every other resource", &[(Identity, ALLOW_ALL), (Identity, r#"{"Statement":{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::b/*"}}"#)], "s3:GetObject", "arn:aws:s3:::c/k", ExplicitDeny),
    ];
    for case in &cases {
        assert_eq!(run(case), case.expected, "{}", case.rule);
    }
}

#[test]
fn resource_based_policies_and_accounts() {
    let trust_alice = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"sts:AssumeRole"}}"#;
    let trust_account = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}}"#;
    let trust_other = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"sts:AssumeRole"}}"#;
    let assume = allow("sts:AssumeRole", DEPLOYER);
    let assume: &'static str = Box::leak(assume.into_boxed_str());
    let same = Some("111111111111");
    let cases = [
        // "Within a single account, … if the resource-based policy grants permission to the
        // IAM user … the request is allowed" without an identity allow.
        Case {
            rule: "same account: a resource-based policy naming the user allows on its own",
            policies: &[],
            principal: ALICE,
            action: "sts:AssumeRole",
            resource: DEPLOYER,
            resource_account: same,
            context: &[],
            expected: Allow,
        },
        // "If the resource-based policy grants access to the account (root), … the identity-based
        // policy must also allow it."
        Case {
            rule:
                "same account: a resource-based policy naming the account needs an identity allow",
            policies: &[],
            principal: ALICE,
            action: "sts:AssumeRole",
            resource: DEPLOYER,
            resource_account: same,
            context: &[],
            expected: ImplicitDeny,
        },
        Case {
            rule: "same account: the account in the resource policy and an identity allow",
            policies: &[],
            principal: ALICE,
            action: "sts:AssumeRole",
            resource: DEPLOYER,
            resource_account: same,
            context: &[],
            expected: Allow,
        },
        // Cross-account: "both the identity-based policy of the principal and the resource-based
        // policy of the resource must allow the request".
        Case {
            rule: "cross-account: the resource policy alone is not enough",
            policies: &[],
            principal: "arn:aws:iam::222222222222:user/eve",
            action: "sts:AssumeRole",
            resource: DEPLOYER,
            resource_account: same,
            context: &[],
            expected: ImplicitDeny,
        },
        Case {
            rule: "cross-account: the identity allow alone is not enough",
            policies: &[],
            principal: "arn:aws:iam::222222222222:user/eve",
            action: "sts:AssumeRole",
            resource: DEPLOYER,
            resource_account: same,
            context: &[],
            expected: ImplicitDeny,
        },
        Case {
            rule: "cross-account: both sides allow",
            policies: &[],
            principal: "arn:aws:iam::222222222222:user/eve",
            action: "sts:AssumeRole",
            resource: DEPLOYER,
            resource_account: same,
            context: &[],
            expected: Allow,
        },
        Case {
            rule: "a resource policy naming another principal grants nothing",
            policies: &[],
            principal: "arn:aws:iam::111111111111:user/bob",
            action: "sts:AssumeRole",
            resource: DEPLOYER,
            resource_account: same,
            context: &[],
            expected: ImplicitDeny,
        },
    ];
    let policies: Vec<Vec<(PolicyKind, &str)>> = vec![
        vec![(Resource, trust_alice)],
        vec![(Resource, trust_account)],
        vec![(Resource, trust_account), (Identity, assume)],
        vec![(Resource, trust_other)],
        vec![(Identity, assume)],
        vec![(Resource, trust_other), (Identity, assume)],
        vec![(Resource, trust_alice), (Identity, ALLOW_GET)],
    ];
    for (case, policies) in cases.iter().zip(&policies) {
        let documents: Vec<(PolicyKind, PolicyDocument)> = policies
            .iter()
            .map(|(kind, text)| (*kind, read_policy_text(text).unwrap()))
            .collect();
        assert_eq!(
            run_documents(case, &documents),
            case.expected,
            "{}",
            case.rule
        );
    }
}

/// One condition test against a request context; `None`: the key is absent.
fn condition(
    operator: &str,
    key: &str,
    values: &str,
    present: Option<&'static [&'static str]>,
) -> Decision {
    let policy = condition_policy(operator, key, values);
    let document = read_policy_text(&policy).unwrap_or_else(|e| panic!("{policy}: {e}"));
    let context: &'static [(&'static str, &'static [&'static str])] = match present {
        Some(values) => Box::leak(
            vec![(Box::leak(key.to_string().into_boxed_str()) as &str, values)].into_boxed_slice(),
        ),
        None => &[],
    };
    let case = Case {
        rule: "",
        policies: &[],
        principal: ALICE,
        action: "s3:GetObject",
        resource: "arn:aws:s3:::b/k",
        resource_account: None,
        context,
        expected: Allow,
    };
    run_documents(&case, &[(Identity, document)])
}

/// (operator, key, policy values, request values or absent, allowed?)
type ConditionCase = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static [&'static str]>,
    bool,
);

#[test]
fn condition_operators() {
    // (operator, key, policy values, request values or absent, allowed?) — "Condition operators".
    let cases: &[ConditionCase] = &[
        (
            "StringEquals",
            "aws:username",
            r#""alice""#,
            Some(&["alice"]),
            true,
        ),
        (
            "StringEquals",
            "aws:username",
            r#""alice""#,
            Some(&["Alice"]),
            false,
        ), // case-sensitive
        (
            "StringEquals",
            "aws:username",
            r#"["bob","alice"]"#,
            Some(&["alice"]),
            true,
        ), // values OR
        ("StringEquals", "aws:username", r#""alice""#, None, false), // absent key: false
        (
            "StringNotEquals",
            "aws:username",
            r#""bob""#,
            Some(&["alice"]),
            true,
        ),
        (
            "StringNotEquals",
            "aws:username",
            r#"["bob","alice"]"#,
            Some(&["alice"]),
            false,
        ),
        ("StringNotEquals", "aws:username", r#""bob""#, None, true), // negated, absent: true
        (
            "StringEqualsIgnoreCase",
            "aws:username",
            r#""ALICE""#,
            Some(&["alice"]),
            true,
        ),
        (
            "StringNotEqualsIgnoreCase",
            "aws:username",
            r#""ALICE""#,
            Some(&["alice"]),
            false,
        ),
        (
            "StringLike",
            "s3:prefix",
            r#""home/*""#,
            Some(&["home/alice/x"]),
            true,
        ),
        (
            "StringLike",
            "s3:prefix",
            r#""home/?""#,
            Some(&["home/ab"]),
            false,
        ),
        (
            "StringNotLike",
            "s3:prefix",
            r#""home/*""#,
            Some(&["tmp/x"]),
            true,
        ),
        (
            "StringEqualsIfExists",
            "ec2:InstanceType",
            r#""t3.micro""#,
            None,
            true,
        ), // IfExists: absent is true
        (
            "StringEqualsIfExists",
            "ec2:InstanceType",
            r#""t3.micro""#,
            Some(&["m5.large"]),
            false,
        ),
        (
            "NumericLessThan",
            "s3:max-keys",
            r#""10""#,
            Some(&["5"]),
            true,
        ),
        (
            "NumericLessThan",
            "s3:max-keys",
            r#""10""#,
            Some(&["10"]),
            false,
        ),
        (
            "NumericLessThanEquals",
            "s3:max-keys",
            r#""10""#,
            Some(&["10"]),
            true,
        ),
        (
            "NumericGreaterThan",
            "s3:max-keys",
            r#""10""#,
            Some(&["11.5"]),
            true,
        ),
        (
            "NumericGreaterThanEquals",
            "s3:max-keys",
            r#""10""#,
            Some(&["9"]),
            false,
        ),
        (
            "NumericEquals",
            "s3:max-keys",
            r#""10""#,
            Some(&["10.0"]),
            true,
        ),
        (
            "NumericNotEquals",
            "s3:max-keys",
            r#""10""#,
            Some(&["10"]),
            false,
        ),
        (
            "NumericEquals",
            "s3:max-keys",
            r#""10""#,
            Some(&["ten"]),
            false,
        ), // not a number
        (
            "DateLessThan",
            "aws:CurrentTime",
            r#""2027-01-01T00:00:00Z""#,
            Some(&["2026-11-22T10:00:00Z"]),
            true,
        ),
        (
            "DateGreaterThan",
            "aws:CurrentTime",
            r#""2027-01-01""#,
            Some(&["2026-11-22T10:00:00Z"]),
            false,
        ),
        (
            "DateEquals",
            "aws:EpochTime",
            r#""1700000000""#,
            Some(&["2023-11-14T22:13:20Z"]),
            true,
        ), // epoch and ISO alike
        (
            "DateNotEquals",
            "aws:CurrentTime",
            r#""2027-01-01""#,
            Some(&["2026-01-01"]),
            true,
        ),
        (
            "DateLessThanEquals",
            "aws:CurrentTime",
            r#""2026-01-01T01:00:00+01:00""#,
            Some(&["2026-01-01T00:00:00Z"]),
            true,
        ),
        (
            "DateGreaterThanEquals",
            "aws:CurrentTime",
            r#""2026-01-01""#,
            Some(&["2025-12-31T23:59:59Z"]),
            false,
        ),
        (
            "Bool",
            "aws:MultiFactorAuthPresent",
            r#""true""#,
            Some(&["true"]),
            true,
        ),
        (
            "Bool",
            "aws:MultiFactorAuthPresent",
            r#""true""#,
            Some(&["false"]),
            false,
        ),
        (
            "Bool",
            "aws:MultiFactorAuthPresent",
            r#""true""#,
            None,
            false,
        ), // no MFA key at all
        (
            "Bool",
            "aws:SecureTransport",
            r#"true"#,
            Some(&["TRUE"]),
            true,
        ), // a JSON boolean; case-insensitive
        (
            "BoolIfExists",
            "aws:MultiFactorAuthPresent",
            r#""false""#,
            None,
            true,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            r#""192.0.2.0/24""#,
            Some(&["192.0.2.10"]),
            true,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            r#""192.0.2.0/24""#,
            Some(&["198.51.100.1"]),
            false,
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            r#""2001:db8::/32""#,
            Some(&["2001:db8:1::5"]),
            true,
        ),
        (
            "NotIpAddress",
            "aws:SourceIp",
            r#""192.0.2.0/24""#,
            Some(&["198.51.100.1"]),
            true,
        ),
        (
            "NotIpAddress",
            "aws:SourceIp",
            r#""192.0.2.0/24""#,
            None,
            true,
        ),
        (
            "ArnEquals",
            "aws:SourceArn",
            r#""arn:aws:sns:eu-west-1:111111111111:topic""#,
            Some(&["arn:aws:sns:eu-west-1:111111111111:topic"]),
            true,
        ),
        (
            "ArnLike",
            "aws:SourceArn",
            r#""arn:aws:sns:*:111111111111:*""#,
            Some(&["arn:aws:sns:eu-west-1:111111111111:topic"]),
            true,
        ),
        (
            "ArnLike",
            "aws:SourceArn",
            r#""arn:aws:sns:*:111111111111:*""#,
            Some(&["arn:aws:sns:eu-west-1:222222222222:topic"]),
            false,
        ),
        // A wildcard does not reach across the colons of an ARN's parts.
        (
            "ArnLike",
            "aws:SourceArn",
            r#""arn:aws:sns:*""#,
            Some(&["arn:aws:sns:eu-west-1:111111111111:topic"]),
            false,
        ),
        (
            "ArnNotLike",
            "aws:SourceArn",
            r#""arn:aws:sns:*:111111111111:*""#,
            Some(&["arn:aws:sqs:eu-west-1:111111111111:q"]),
            true,
        ),
        (
            "ArnNotEquals",
            "aws:SourceArn",
            r#""arn:aws:sns:eu-west-1:111111111111:topic""#,
            None,
            true,
        ),
        (
            "BinaryEquals",
            "aws:SomeBinary",
            r#""QmluYXJ5""#,
            Some(&["QmluYXJ5"]),
            true,
        ),
        ("Null", "aws:TokenIssueTime", r#""true""#, None, true), // Null true: key absent
        (
            "Null",
            "aws:TokenIssueTime",
            r#""true""#,
            Some(&["2026-01-01"]),
            false,
        ),
        (
            "Null",
            "aws:TokenIssueTime",
            r#""false""#,
            Some(&["2026-01-01"]),
            true,
        ),
        (
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            r#"["env","team"]"#,
            Some(&["cost", "env"]),
            true,
        ),
        (
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            r#"["env"]"#,
            Some(&["cost"]),
            false,
        ),
        (
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            r#"["env"]"#,
            None,
            false,
        ), // empty set: false
        (
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            r#"["env","team"]"#,
            Some(&["team", "env"]),
            true,
        ),
        (
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            r#"["env"]"#,
            Some(&["env", "cost"]),
            false,
        ),
        (
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            r#"["env"]"#,
            None,
            true,
        ), // empty set: true
        (
            "ForAllValues:StringLike",
            "aws:TagKeys",
            r#"["env*"]"#,
            Some(&["env", "environment"]),
            true,
        ),
        (
            "ForAnyValue:StringNotEquals",
            "aws:TagKeys",
            r#"["env"]"#,
            Some(&["env", "cost"]),
            true,
        ),
        (
            "ForAllValues:StringNotEquals",
            "aws:TagKeys",
            r#"["env"]"#,
            Some(&["env", "cost"]),
            false,
        ),
        (
            "StringEquals",
            "aws:PrincipalTag/team",
            r#""${aws:username}""#,
            Some(&["alice"]),
            false,
        ), // variable with no value
    ];
    for (operator, key, values, present, allowed) in cases {
        let decision = condition(operator, key, values, *present);
        assert_eq!(
            decision == Allow,
            *allowed,
            "{operator} {key} {values} with {present:?}"
        );
    }
}

#[test]
fn policy_variables() {
    // "IAM policy elements: Variables": `${aws:username}` takes the request's value; a variable
    // without a value makes the element not match.
    let own = r#"{"Statement":{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::111111111111:user/${aws:username}"}}"#;
    let document = read_policy_text(own).unwrap();
    let with = Case {
        rule: "the user's own name",
        policies: &[],
        principal: ALICE,
        action: "iam:CreateAccessKey",
        resource: ALICE,
        resource_account: None,
        context: &[("aws:username", &["alice"])],
        expected: Allow,
    };
    assert_eq!(run_documents(&with, &[(Identity, document.clone())]), Allow);
    let other = Case {
        resource: "arn:aws:iam::111111111111:user/bob",
        ..with
    };
    assert_eq!(
        run_documents(&other, &[(Identity, document.clone())]),
        ImplicitDeny
    );
    let without = Case {
        context: &[],
        resource: ALICE,
        ..other
    };
    assert_eq!(
        run_documents(&without, &[(Identity, document)]),
        ImplicitDeny
    );
}

#[test]
fn resource_patterns_are_read_on_the_safe_side() {
    let partial = read_policy_text(r#"{"Statement":{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::prod/logs/*"}}"#).unwrap();
    let context = Context::new();
    let run_pattern = |quantifier: Quantifier, documents: &[(PolicyKind, &PolicyDocument)]| {
        let owned: Vec<(PolicyKind, PolicyDocument)> =
            documents.iter().map(|(k, d)| (*k, (*d).clone())).collect();
        let ask = Ask {
            principal: ALICE,
            action: "s3:DeleteObject",
            resource: "arn:aws:s3:::prod/*",
            resource_account: None,
            context: &context,
            quantifier,
            resource_policy_required: false,
        };
        decide(&ask, &owned)
    };
    // Some object of `prod/*` may be deleted (those under logs/), not every one.
    assert_eq!(
        run_pattern(Quantifier::Some, &[(Identity, &partial)]),
        Allow
    );
    assert_eq!(
        run_pattern(Quantifier::Every, &[(Identity, &partial)]),
        ImplicitDeny
    );
    // A deny of part of the pattern stops "every", not "some".
    let all = read_policy_text(ALLOW_ALL).unwrap();
    let deny_logs = read_policy_text(
        r#"{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::prod/logs/*"}}"#,
    )
    .unwrap();
    assert_eq!(
        run_pattern(
            Quantifier::Some,
            &[(Identity, &all), (Identity, &deny_logs)]
        ),
        Allow
    );
    assert_eq!(
        run_pattern(
            Quantifier::Every,
            &[(Identity, &all), (Identity, &deny_logs)]
        ),
        ExplicitDeny
    );
}

#[test]
fn a_request_on_star_is_a_name_and_an_action_pattern_is_a_set() {
    let context = Context::new();
    let ask = |action: &str, resource: &str, quantifier: Quantifier, document: &PolicyDocument| {
        let ask = Ask {
            principal: ALICE,
            action,
            resource,
            resource_account: None,
            context: &context,
            quantifier,
            resource_policy_required: false,
        };
        decide(&ask, &[(Identity, document.clone())])
    };
    // "Actions without resource types are requested on `*`": only `"Resource": "*"` grants them.
    let buckets = read_policy_text(&allow("s3:ListAllMyBuckets", "arn:aws:s3:::*")).unwrap();
    assert_eq!(
        ask("s3:ListAllMyBuckets", "*", Quantifier::Exact, &buckets),
        ImplicitDeny
    );
    let star = read_policy_text(&allow("s3:ListAllMyBuckets", "*")).unwrap();
    assert_eq!(
        ask("s3:ListAllMyBuckets", "*", Quantifier::Exact, &star),
        Allow
    );
    // `iam:*` as a set of actions: `iam:Get*` grants some of them, not every one.
    let get = read_policy_text(&allow("iam:Get*", "*")).unwrap();
    assert_eq!(ask("iam:*", "*", Quantifier::Some, &get), Allow);
    assert_eq!(ask("iam:*", "*", Quantifier::Every, &get), ImplicitDeny);
    let all = read_policy_text(&allow("IAM:*", "*")).unwrap();
    assert_eq!(ask("iam:*", "*", Quantifier::Every, &all), Allow);
}

#[test]
fn a_role_trust_policy_must_allow_even_within_the_account() {
    // "Role trust policies are resource-based policies that are required for roles": an identity
    // allow of sts:AssumeRole is not enough when the trust policy names someone else.
    let identity = read_policy_text(&allow("sts:AssumeRole", "*")).unwrap();
    let trust_bob = read_policy_text(r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/bob"},"Action":"sts:AssumeRole"}}"#).unwrap();
    let trust_account = read_policy_text(r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}}"#).unwrap();
    let context = Context::new();
    let ask = Ask {
        principal: ALICE,
        action: "sts:AssumeRole",
        resource: DEPLOYER,
        resource_account: Some("111111111111"),
        context: &context,
        quantifier: Quantifier::Exact,
        resource_policy_required: true,
    };
    assert_eq!(
        decide(&ask, &[(Identity, identity.clone()), (Resource, trust_bob)]),
        ImplicitDeny
    );
    assert_eq!(
        decide(
            &ask,
            &[(Identity, identity), (Resource, trust_account.clone())]
        ),
        Allow
    );
    // The account in the trust policy, and no identity allow: not enough.
    assert_eq!(decide(&ask, &[(Resource, trust_account)]), ImplicitDeny);
}

#[test]
fn star_in_a_resource_policy_names_everyone_and_a_variable_star_is_literal() {
    // "Principal": "*" grants to anyone: within the account, as a named principal would.
    let public = read_policy_text(r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#).unwrap();
    let context = Context::new();
    let ask = Ask {
        principal: ALICE,
        action: "s3:GetObject",
        resource: "arn:aws:s3:::b/k",
        resource_account: None,
        context: &context,
        quantifier: Quantifier::Exact,
        resource_policy_required: false,
    };
    assert_eq!(decide(&ask, &[(Resource, public)]), Allow);
    // "${*}" is a literal asterisk: it matches the key `*` and nothing else.
    let literal = read_policy_text(&allow("s3:GetObject", "arn:aws:s3:::b/${*}")).unwrap();
    assert_eq!(decide(&ask, &[(Identity, literal.clone())]), ImplicitDeny);
    let star_key = Ask {
        resource: "arn:aws:s3:::b/*",
        ..ask
    };
    assert_eq!(decide(&star_key, &[(Identity, literal)]), Allow);
}
