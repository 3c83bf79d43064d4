//! `iamdsl import` of resource policies, and of several accounts' states into one project: the
//! source reads as written by hand, checks clean, and builds back to the states.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::*;
use iamdsl_policy::authz::AuthorizationDetails;
use serde_json::{json, Value};

const PROD: &str = "111111111111";
const AUDIT: &str = "222222222222";
const KEY: &str = "0d6f8a52-3c1e-4b7a-9d2f-5e8c1a7b4f30";
const SECRET: &str = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf";

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

fn document(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn role(account: &str, name: &str, trust: Value, statements: Value) -> Value {
    json!({
        "Path": "/", "RoleName": name, "Arn": format!("arn:aws:iam::{account}:role/{name}"),
        "AssumeRolePolicyDocument": document(json!([trust])),
        "InstanceProfileList": [], "AttachedManagedPolicies": [],
        "RolePolicyList": [{"PolicyName": "main", "PolicyDocument": document(statements)}],
    })
}

fn resource(kind: &str, name: &str, arn: &str, policy: Value) -> Value {
    json!({"Kind": kind, "Name": name, "Arn": arn, "Account": PROD, "Policy": policy})
}

/// The production account, as `iamdsl pull` writes it: a role, and one resource of each kind
/// with the policies people and services write, in the forms the services hand them out.
fn prod_state() -> Value {
    let reader = format!("arn:aws:iam::{AUDIT}:role/audit_reader");
    let key_arn = format!("arn:aws:kms:eu-west-1:{PROD}:key/{KEY}");
    let queue = format!("arn:aws:sqs:eu-west-1:{PROD}:orders-events");
    let topic = format!("arn:aws:sns:eu-west-1:{PROD}:order-events");
    let function = format!("arn:aws:lambda:us-east-1:{PROD}:function:api");
    json!({
        "UserDetailList": [], "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [role(
            PROD,
            "app_runtime",
            json!({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}),
            json!([{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn}]),
        )],
        "ResourcePolicies": [
            // The audit account's reader, paired as IAM pairs actions with resources; only TLS.
            resource("s3.bucket", "acme-logs", "arn:aws:s3:::acme-logs", document(json!([
                {"Sid": "AuditList", "Effect": "Allow", "Principal": {"AWS": reader},
                 "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::acme-logs"},
                {"Sid": "AuditRead", "Effect": "Allow", "Principal": {"AWS": reader},
                 "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-logs/*"},
                {"Sid": "CloudTrail", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::acme-logs/AWSLogs/{PROD}/*"),
                 "Condition": {"StringEquals": {"aws:SourceArn": format!("arn:aws:cloudtrail:eu-west-1:{PROD}:trail/main")}}},
                {"Sid": "TLS", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": ["arn:aws:s3:::acme-logs", "arn:aws:s3:::acme-logs/*"],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            ]))),
            // AWS's default key policy, and a grant to the application.
            resource("kms.key", KEY, &key_arn, json!({"Version": "2012-10-17", "Id": "key-default-1", "Statement": [
                {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                 "Principal": {"AWS": format!("arn:aws:iam::{PROD}:root")}, "Action": "kms:*", "Resource": "*"},
                {"Sid": "App", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{PROD}:role/app_runtime")},
                 "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"},
            ]})),
            // SQS hands its policy out as JSON text.
            resource("sqs.queue", "orders-events", &queue, Value::String(document(json!([
                {"Sid": "FromTopic", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                 "Action": "sqs:SendMessage", "Resource": queue,
                 "Condition": {"ArnEquals": {"aws:SourceArn": topic}}},
            ])).to_string())),
            // The policy SNS gives a new topic, and a subscription grant to the audit account.
            resource("sns.topic", "order-events", &topic, json!({"Version": "2012-10-17", "Id": "__default_policy_ID", "Statement": [
                {"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
                 "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
                            "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
                 "Resource": topic, "Condition": {"StringEquals": {"AWS:SourceOwner": PROD}}},
                {"Sid": "AuditSubscribe", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{AUDIT}:root")},
                 "Action": "sns:Subscribe", "Resource": topic},
            ]})),
            // What `lambda add-permission` writes for API Gateway, in another region.
            resource("lambda.function", "api", &function, json!({"Version": "2012-10-17", "Id": "default", "Statement": [
                {"Sid": "apigw", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                 "Action": "lambda:InvokeFunction", "Resource": function,
                 "Condition": {"ArnLike": {"AWS:SourceArn": format!("arn:aws:execute-api:us-east-1:{PROD}:a1b2c3/*")}}},
            ]})),
            resource("ecr.repository", "app", &format!("arn:aws:ecr:eu-west-1:{PROD}:repository/app"), document(json!([
                {"Sid": "AuditPull", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{AUDIT}:root")},
                 "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "Resource": "*"},
            ]))),
            // A public website: anyone reads it, on purpose.
            resource("s3.bucket", "acme-site", "arn:aws:s3:::acme-site", document(json!([
                {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::acme-site/*"},
            ]))),
            resource("s3.bucket", "acme-reports", "arn:aws:s3:::acme-reports", Value::Null),
        ],
    })
}

/// The database secret, as Secrets Manager names it: its ARN ends in `-` and six random
/// characters, its name does not.
fn secret() -> Value {
    resource(
        "secretsmanager.secret",
        "prod/db",
        SECRET,
        document(json!([
            {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{AUDIT}:role/audit_reader")},
             "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
        ])),
    )
}

/// The audit account: the reader of prod's log bucket and database secret.
fn audit_state() -> Value {
    json!({
        "UserDetailList": [], "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [role(
            AUDIT,
            "audit_reader",
            json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{AUDIT}:root")}, "Action": "sts:AssumeRole",
                   "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
            json!([
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::acme-logs"},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-logs/*"},
                {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET},
            ]),
        )],
    })
}

fn states(dir: &Path) {
    let mut prod = prod_state();
    prod["ResourcePolicies"]
        .as_array_mut()
        .unwrap()
        .push(secret());
    write_json(&dir.join("prod.json"), &prod);
    write_json(&dir.join("audit.json"), &audit_state());
}

const NAMES: [&str; 4] = [
    "--account-name",
    "prod=111111111111",
    "--account-name",
    "audit=222222222222",
];

fn import_both(dir: &Path) -> std::process::Output {
    let mut args = vec!["import", "prod.json", "audit.json", "-o", "imported"];
    args.extend(NAMES);
    iamdsl(dir, &args)
}

fn imported(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join("imported").join(file)).unwrap()
}

/// Both accounts into one project: `check` is clean, and each account's build is its state
/// again, by `diff` and by the `ResourcePolicies` read back. (The secret's state names it as
/// Secrets Manager does, `prod/db`, while its ARN ends in `-AbCdEf`, as docs/state.md says.)
#[test]
fn two_accounts_with_a_resource_of_each_kind_import_check_and_build_back() {
    let dir = tempfile::tempdir().unwrap();
    states(dir.path());
    let import = import_both(dir.path());
    assert!(import.status.success(), "{}", stderr(&import));
    let check = iamdsl(dir.path(), &["check", "imported"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(
        stderr(&check).contains(" 0 errors, 0 warnings"),
        "{}",
        stderr(&check)
    );
    let build = iamdsl(dir.path(), &["build", "imported", "-o", "out"]);
    assert!(build.status.success(), "{}", stderr(&build));

    let resources = imported(dir.path(), "resources.iamdsl");
    insta::assert_snapshot!("import_resource_policies", resources);
    // The other account's role is named, not an ARN: both states are one project.
    assert!(
        resources.contains("allow s3:GetObject, s3:ListBucket to role audit_reader\n"),
        "{resources}"
    );
    assert!(!resources.contains("role arn("), "{resources}");
    // The region most ARNs are in is the project's; the function's is written.
    assert!(
        imported(dir.path(), "iamdsl.toml").contains("[defaults]\n# The region of regional resources written without `region:`.\nregion = \"eu-west-1\"\n"),
        "{}",
        imported(dir.path(), "iamdsl.toml")
    );

    for (account, state) in [("prod", "prod.json"), ("audit", "audit.json")] {
        let diff = iamdsl(
            dir.path(),
            &["diff", "imported", "--deployed", state, "--exit-code"],
        );
        assert_eq!(
            stdout(&diff),
            "0 changes, 0 unmanaged\n",
            "{account}: {}",
            stderr(&diff)
        );
        assert_eq!(diff.status.code(), Some(0), "{account}");
        // The built resource policies are the state's, read the same way.
        let read = |path: &Path| {
            AuthorizationDetails::read(&std::fs::read_to_string(path).unwrap()).unwrap()
        };
        let built = read(
            &dir.path()
                .join("out")
                .join(account)
                .join("account-authorization-details.json"),
        );
        let deployed = read(&dir.path().join(state));
        assert_eq!(built.resources.len(), deployed.resources.len(), "{account}");
        for (ours, theirs) in built.resources.iter().zip(&deployed.resources) {
            assert_eq!(
                (&ours.kind, &ours.name, &ours.account, &ours.policy),
                (&theirs.kind, &theirs.name, &theirs.account, &theirs.policy),
                "{account}"
            );
            // A secret's built ARN is the pattern its real one (with AWS's suffix) matches.
            assert!(
                iamdsl_policy::eval::covers(&ours.arn, &theirs.arn),
                "{account}: {} does not cover {}",
                ours.arn,
                theirs.arn
            );
        }
    }
}

/// One account's state alone: the principals of the other account are ARNs, and it still
/// builds back; the same account given twice is refused.
#[test]
fn one_account_alone_names_the_other_accounts_principals_by_arn() {
    let dir = tempfile::tempdir().unwrap();
    write_json(&dir.path().join("prod.json"), &prod_state());
    let import = iamdsl(dir.path(), &["import", "prod.json", "-o", "imported"]);
    assert!(import.status.success(), "{}", stderr(&import));
    let resources = imported(dir.path(), "resources.iamdsl");
    assert!(
        resources.contains(
            "allow s3:GetObject, s3:ListBucket to role arn(\"arn:aws:iam::222222222222:role/audit_reader\")\n"
        ),
        "{resources}"
    );
    assert!(
        resources.contains("to account \"222222222222\""),
        "{resources}"
    );
    let check = iamdsl(dir.path(), &["check", "imported"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let diff = iamdsl(
        dir.path(),
        &["diff", "imported", "--deployed", "prod.json", "--exit-code"],
    );
    assert_eq!(
        stdout(&diff),
        "0 changes, 0 unmanaged\n",
        "{}",
        stderr(&diff)
    );

    let twice = iamdsl(
        dir.path(),
        &["import", "prod.json", "prod.json", "-o", "twice"],
    );
    assert_eq!(twice.status.code(), Some(1));
    assert!(
        stderr(&twice).contains(
            "`prod.json` holds account 111111111111, as `prod.json` does: give each account's state once"
        ),
        "{}",
        stderr(&twice)
    );
    assert!(!dir.path().join("twice").exists());
}

/// A policy that could not be read is a warning, and the resource is declared without one,
/// with a comment that says so.
#[test]
fn a_policy_that_could_not_be_read_is_a_warning_and_a_comment() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = prod_state();
    state["ResourcePolicies"][0] = json!({
        "Kind": "s3.bucket", "Name": "acme-logs", "Arn": "arn:aws:s3:::acme-logs", "Account": PROD,
        "PolicyUnknown": "s3:GetBucketPolicy failed: AccessDenied",
    });
    write_json(&dir.path().join("prod.json"), &state);
    let import = iamdsl(dir.path(), &["import", "prod.json", "-o", "imported"]);
    assert!(import.status.success(), "{}", stderr(&import));
    assert!(
        stderr(&import).contains("warning: the bucket policy of `acme-logs` could not be read (s3:GetBucketPolicy failed: AccessDenied): `acme-logs` is imported without a policy"),
        "{}",
        stderr(&import)
    );
    let resources = imported(dir.path(), "resources.iamdsl");
    assert!(
        resources.contains("// Its bucket policy could not be read (s3:GetBucketPolicy failed: AccessDenied): declared here without one, which is\n// what iamdsl takes it to have. Read it again, and write its statements in a block.\nresource acme-logs = s3.bucket(\"acme-logs\")\n"),
        "{resources}"
    );
    assert!(
        stderr(&import)
            .contains("gives back the deployed state, but for the policies it could not read\n"),
        "{}",
        stderr(&import)
    );
    let check = iamdsl(dir.path(), &["check", "imported"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

/// What no form of the language holds is an error naming the resource and the statement,
/// and nothing is written; what only the typed form changes is `#[verbatim]`.
#[test]
fn statements_the_language_cannot_hold_are_errors_and_odd_pairings_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:sts::{AUDIT}:assumed-role/audit_reader/alice")},
                   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-logs/*"}),
            "error: the bucket policy of `acme-logs`: statement 1 (allow s3:GetObject): the principal `arn:aws:sts::222222222222:assumed-role/audit_reader/alice` has no source form",
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{AUDIT}:root")},
                   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-other/*"}),
            "error: the bucket policy of `acme-logs`: statement 1 (allow s3:GetObject): Resource `arn:aws:s3:::acme-other/*` is outside `arn:aws:s3:::acme-logs`",
        ),
        (
            json!({"Effect": "Deny", "NotPrincipal": {"AWS": format!("arn:aws:iam::{AUDIT}:root")},
                   "Action": "s3:*", "Resource": "arn:aws:s3:::acme-logs/*"}),
            "NotPrincipal: not supported by iamdsl",
        ),
    ];
    for (statement, error) in cases {
        let mut state = prod_state();
        state["ResourcePolicies"][0]["Policy"] = document(json!([statement]));
        write_json(&dir.path().join("bad.json"), &state);
        let import = iamdsl(dir.path(), &["import", "bad.json", "-o", "bad"]);
        assert_eq!(import.status.code(), Some(1), "{error}");
        assert!(stderr(&import).contains(error), "{}", stderr(&import));
        assert!(!dir.path().join("bad").exists());
    }

    // Actions paired with resources they do not apply to, as people often write them, and an
    // action without resource types in a key policy: kept exactly.
    let mut state = prod_state();
    state["ResourcePolicies"][0]["Policy"] = document(json!([
        {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{AUDIT}:root")},
         "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::acme-logs", "arn:aws:s3:::acme-logs/*"]},
    ]));
    state["ResourcePolicies"][1]["Policy"]["Statement"][1]["Action"] = json!("kms:ListAliases");
    write_json(&dir.path().join("odd.json"), &state);
    let import = iamdsl(dir.path(), &["import", "odd.json", "-o", "odd"]);
    assert!(import.status.success(), "{}", stderr(&import));
    let resources = std::fs::read_to_string(dir.path().join("odd/resources.iamdsl")).unwrap();
    assert!(
        resources.contains("  #[verbatim]\n  allow s3:GetObject, s3:ListBucket on s3.bucket(\"acme-logs\"), s3.object(\"acme-logs\", \"*\")\n    to account \"222222222222\"\n"),
        "{resources}"
    );
    assert!(
        resources.contains("  #[verbatim]\n  allow kms:ListAliases to role app_runtime\n"),
        "{resources}"
    );
    let diff = iamdsl(
        dir.path(),
        &["diff", "odd", "--deployed", "odd.json", "--exit-code"],
    );
    assert_eq!(
        stdout(&diff),
        "0 changes, 0 unmanaged\n",
        "{}",
        stderr(&diff)
    );
}
