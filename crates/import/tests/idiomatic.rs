//! Import writes what a person would: comparisons, constructors and `assume` where they compile
//! back to exactly the deployed state, and the forms AWS stores where they do not. Every
//! import here is proved exact by the import itself; these tests check which form it chose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_import::{import, Imported};
use iamdsl_policy::authz::AuthorizationDetails;

const TRUST_LAMBDA: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#;

fn inline_policies(statements: &str) -> String {
    if statements.is_empty() {
        return "[]".to_string();
    }
    format!(
        r#"[{{"PolicyName": "inline", "PolicyDocument":
            {{"Version": "2012-10-17", "Statement": [{statements}]}}}}]"#
    )
}

fn role(name: &str, trust: &str, statements: &str) -> String {
    format!(
        r#"{{"Path": "/", "RoleName": "{name}", "Arn": "arn:aws:iam::111111111111:role/{name}",
        "AssumeRolePolicyDocument": {trust}, "RolePolicyList": {}}}"#,
        inline_policies(statements)
    )
}

fn user(name: &str, groups: &[&str], statements: &str) -> String {
    let groups: Vec<String> = groups.iter().map(|g| format!("\"{g}\"")).collect();
    format!(
        r#"{{"Path": "/", "UserName": "{name}", "Arn": "arn:aws:iam::111111111111:user/{name}",
        "GroupList": [{}], "UserPolicyList": {}}}"#,
        groups.join(", "),
        inline_policies(statements)
    )
}

fn imported(users: &[String], groups: &[String], roles: &[String]) -> Imported {
    let state = format!(
        r#"{{"UserDetailList": [{}], "GroupDetailList": [{}], "RoleDetailList": [{}]}}"#,
        users.join(", "),
        groups.join(", "),
        roles.join(", ")
    );
    let details = AuthorizationDetails::read(&state).unwrap();
    let imported = import(&details).unwrap();
    assert!(
        imported.verbatim_entities.is_empty(),
        "{:?}\n{}",
        imported.verbatim_entities,
        imported.files["roles.iamdsl"]
    );
    imported
}

fn roles_file(statements: &str) -> String {
    let imported = imported(&[], &[], &[role("app", TRUST_LAMBDA, statements)]);
    imported.files["roles.iamdsl"].clone()
}

/// Each operator family as the comparison that compiles to it, in one statement.
#[test]
fn conditions_are_comparisons() {
    let roles = roles_file(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": "111111111111"},
            "ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111111111111:*"},
            "Bool": {"aws:SecureTransport": "true", "aws:MultiFactorAuthPresent": "true"},
            "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
            "DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
            "NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]},
            "ForAnyValue:StringLike": {"aws:TagKeys": "team*"},
            "StringEqualsIfExists": {"aws:RequestTag/team": "platform"},
            "Null": {"aws:RequestTag/env": "true"}
        }}"#,
    );
    for expected in [
        r#"aws:SourceAccount == "111111111111""#,
        r#"aws:SourceArn like "arn:aws:sns:eu-west-1:111111111111:*""#,
        "aws:SecureTransport == true",
        "mfa",
        "aws:MultiFactorAuthAge < 3600",
        "aws:CurrentTime > 2026-01-01T00:00:00Z",
        r#"aws:SourceIp not in ["10.0.0.0/8", "192.0.2.0/24"]"#,
        r#"any aws:TagKeys like "team*""#,
        r#"aws:RequestTag/team? == "platform""#,
        "aws:RequestTag/env not exists",
    ] {
        assert!(roles.contains(expected), "{expected} in\n{roles}");
    }
    // No operator by name is left.
    assert!(
        !roles.contains("Equals(") && !roles.contains("Like("),
        "{roles}"
    );
}

/// An operator no comparison compiles to keeps its name: a String operator on an ARN key (the
/// comparison would be `ArnEquals`), and `…IgnoreCase`.
#[test]
fn conditions_that_would_not_round_trip_keep_the_operator() {
    let roles = roles_file(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*",
        "Condition": {
            "StringEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111111111111:t"},
            "StringEqualsIgnoreCase": {"aws:username": "bob"}
        }}"#,
    );
    assert!(
        roles.contains(r#"StringEquals(aws:SourceArn, "arn:aws:sns:eu-west-1:111111111111:t")"#),
        "{roles}"
    );
    assert!(
        roles.contains(r#"StringEqualsIgnoreCase(aws:username, "bob")"#),
        "{roles}"
    );
}

/// ARNs of one resource type are its constructor, with the region and account that differ
/// from the project's; the others stay `arn(…)`.
#[test]
fn resources_are_constructors_where_they_build_the_same_arn() {
    let roles = roles_file(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/reports/*"},
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": [
            "arn:aws:dynamodb:eu-west-1:111111111111:table/orders",
            "arn:aws:dynamodb:eu-west-1:111111111111:table/customers"]},
        {"Effect": "Allow", "Action": "dynamodb:GetItem",
            "Resource": "arn:aws:dynamodb:us-east-1:222222222222:table/replica"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111111111111:role/app"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-*/${aws:username}/*"},
        {"Effect": "Allow", "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:eu-west-1:111111111111:a1b2c3/prod/GET/*"}"#,
    );
    for expected in [
        r#"s3.object("acme", "reports/*")"#,
        r#"dynamodb.table("customers"),"#,
        r#"dynamodb.table("replica", region: "us-east-1", account: "222222222222")"#,
        "allow iam:PassRole on iam.role(app)",
        r#"s3.object("acme-*", "${aws:username}/*")"#,
        r#"execute-api.execute_api_general("a1b2c3", "prod", "GET", "*")"#,
    ] {
        assert!(roles.contains(expected), "{expected} in\n{roles}");
    }
    // The region most ARNs name is the project's.
    let imported = imported(
        &[],
        &[],
        &[role(
            "app",
            TRUST_LAMBDA,
            r#"{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:eu-west-1:111111111111:table/orders"}"#,
        )],
    );
    assert!(
        imported.files["iamdsl.toml"].contains("region = \"eu-west-1\""),
        "{}",
        imported.files["iamdsl.toml"]
    );
}

/// An ARN of no single type, or one its type's constructor does not build, stays `arn(…)`.
#[test]
fn other_arns_stay_raw() {
    let roles = roles_file(
        r#"{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}},
        {"Effect": "Allow", "Action": "sns:Publish", "Resource": "arn:aws:sns:eu-west-1:111111111111:*"}"#,
    );
    // `sns.topic("*")` builds the same: the pattern is a topic name.
    assert!(roles.contains(r#"on sns.topic("*")"#), "{roles}");
    // A regional type's ARN without a region: no `region:` builds it.
    let roles = roles_file(
        r#"{"Effect": "Allow", "Action": "dynamodb:GetItem",
            "Resource": "arn:aws:dynamodb::111111111111:table/orders"}"#,
    );
    assert!(
        roles.contains(r#"arn("arn:aws:dynamodb::111111111111:table/orders")"#),
        "{roles}"
    );
}

/// An ARN whose variable part holds an IAM policy variable with a `/` in it (as AWS's
/// DataZone policies do) is no constructor: cut at that `/`, neither half is a string of the
/// language. It stays `arn("…")`, and the import builds back.
#[test]
fn a_policy_variable_is_never_cut_into_constructor_arguments() {
    let roles = roles_file(
        r#"{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::${aws:PrincipalTag/bucket}/${aws:PrincipalTag/team}/*"},
        {"Effect": "Allow", "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::shared/${aws:PrincipalTag/team}/*"}"#,
    );
    assert!(
        roles.contains(
            r#"arn("arn:aws:s3:::${aws:PrincipalTag/bucket}/${aws:PrincipalTag/team}/*")"#
        ),
        "{roles}"
    );
    // A whole variable inside one argument is fine.
    assert!(
        roles.contains(r#"s3.object("shared", "${aws:PrincipalTag/team}/*")"#),
        "{roles}"
    );
}

fn trust_of(principals: &[(&str, &str)]) -> String {
    let statements: Vec<String> = principals
        .iter()
        .map(|(arn, condition)| {
            format!(
                r#"{{"Effect": "Allow", "Principal": {{"AWS": "{arn}"}}, "Action": "sts:AssumeRole"{condition}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(", ")
    )
}

const ASSUME_DEPLOYER: &str = r#"{"Effect": "Allow", "Action": "sts:AssumeRole",
    "Resource": "arn:aws:iam::111111111111:role/deployer"}"#;

/// A permission to assume a role of the state that trusts the principal is `assume`, and the
/// trust entry it writes is not written again; a group's is its members' entries.
#[test]
fn assuming_a_trusting_role_is_assume() {
    let mfa = r#", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}"#;
    let trust = trust_of(&[
        ("arn:aws:iam::111111111111:user/alice", ""),
        ("arn:aws:iam::111111111111:user/bob", ""),
        ("arn:aws:iam::111111111111:user/carol", mfa),
    ]);
    let group = format!(
        r#"{{"Path": "/", "GroupName": "developers", "Arn": "arn:aws:iam::111111111111:group/developers",
        "GroupPolicyList": [{{"PolicyName": "inline", "PolicyDocument":
            {{"Version": "2012-10-17", "Statement": [{ASSUME_DEPLOYER}]}}}}]}}"#
    );
    let carol_assumes = format!(
        r#"{{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Resource": "arn:aws:iam::111111111111:role/deployer"{mfa}}}"#
    );
    let imported = imported(
        &[
            user("alice", &["developers"], ""),
            user("bob", &["developers"], ""),
            user("carol", &[], &carol_assumes),
        ],
        &[group],
        &[role("deployer", &trust, "")],
    );
    let groups = &imported.files["groups.iamdsl"];
    let users = &imported.files["users.iamdsl"];
    let roles = &imported.files["roles.iamdsl"];
    assert!(groups.contains("{ assume deployer }"), "{groups}");
    assert!(users.contains("assume deployer when mfa"), "{users}");
    // Every entry is an `assume`'s: no trust block.
    assert!(!roles.contains("trust"), "{roles}");
}

/// A trust entry `assume` would not write (another condition, or the account) stays, and the
/// permission is still `assume`; a role that does not trust the principal keeps the
/// permission as it is.
#[test]
fn assume_keeps_the_trust_it_would_not_write() {
    let external = r#", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}"#;
    let trust = trust_of(&[
        ("arn:aws:iam::111111111111:user/alice", external),
        ("arn:aws:iam::111111111111:root", ""),
    ]);
    let elsewhere = r#"{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Resource": "arn:aws:iam::111111111111:role/worker"}"#;
    let imported = imported(
        &[
            user("alice", &[], ASSUME_DEPLOYER),
            user("bob", &[], &format!("{ASSUME_DEPLOYER}, {elsewhere}")),
        ],
        &[],
        &[
            role("deployer", &trust, ""),
            role("worker", TRUST_LAMBDA, ""),
        ],
    );
    let users = &imported.files["users.iamdsl"];
    let roles = &imported.files["roles.iamdsl"];
    assert_eq!(users.matches("assume deployer").count(), 2, "{users}");
    assert!(
        users.contains("allow sts:AssumeRole on iam.role(worker)"),
        "{users}"
    );
    assert!(
        roles.contains(
            r#"user arn("arn:aws:iam::111111111111:user/alice") when external_id == "x""#
        ),
        "{roles}"
    );
    assert!(roles.contains("account main"), "{roles}");
}
