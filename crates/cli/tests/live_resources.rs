//! `iamdsl pull` reads the account's resource policies, against moto's server on 127.0.0.1 with
//! two accounts: prod (111111111111) holds one resource of each kind with a policy (several naming
//! the audit account's role) and one without; audit (222222222222) holds a bucket of its own.
//! Everything is created through the services' APIs with credentials from `sts:AssumeRole`
//! into each account.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod moto;

use std::path::Path;
use std::process::{Command, Output};

use aws_sdk_sts::config::Credentials;
use common::*;
use iamdsl_policy::authz::{AuthorizationDetails, ResourcePolicyState};
use moto::MotoServer;
use serde_json::{json, Value};

const PROD: &str = "111111111111";
const AUDIT: &str = "222222222222";
const REGION: &str = "us-east-1";
const AUDIT_READER: &str = "arn:aws:iam::222222222222:role/audit_reader";

/// Credentials that act as `account` in moto: an assumed role of it.
async fn credentials_of(server: &MotoServer, account: &str) -> Credentials {
    let sts = aws_sdk_sts::Client::new(&config(server, default_credentials()));
    let assumed = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/seed"))
        .role_session_name("iamdsl-test")
        .send()
        .await
        .unwrap();
    let c = assumed.credentials().unwrap();
    Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "moto-assumed",
    )
}

fn default_credentials() -> Credentials {
    Credentials::new(
        moto::TEST_ACCESS_KEY,
        moto::TEST_SECRET_KEY,
        None,
        None,
        "moto",
    )
}

fn config(server: &MotoServer, credentials: Credentials) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .endpoint_url(&server.url)
        .region(aws_config::Region::new(REGION))
        .http_client(iamdsl_aws::https_client())
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
            credentials,
        ))
        .build()
}

fn s3(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    )
}

/// Runs `iamdsl ARGS` in `dir` as the holder of `credentials`, with nothing else of the
/// machine's AWS configuration.
fn iamdsl_as(server: &MotoServer, credentials: &Credentials, dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_iamdsl"));
    command.current_dir(dir).args(args).env("NO_COLOR", "1");
    for key in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"] {
        command.env_remove(key);
    }
    for (key, value) in server.env() {
        command.env(key, value);
    }
    command
        .env("AWS_ACCESS_KEY_ID", credentials.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key())
        .env("AWS_SESSION_TOKEN", credentials.session_token().unwrap());
    command.output().unwrap()
}

fn text(value: &Value) -> String {
    serde_json::to_string(value).unwrap()
}

fn bucket_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "AuditRead", "Effect": "Allow", "Principal": {"AWS": AUDIT_READER},
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::acme-logs", "arn:aws:s3:::acme-logs/*"]
    }]})
}

fn key_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "AuditDecrypt", "Effect": "Allow", "Principal": {"AWS": AUDIT_READER},
         "Action": "kms:Decrypt", "Resource": "*"}
    ]})
}

fn queue_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "FromAlerts", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111111111111:acme-events",
        "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:acme-alerts"}}
    }]})
}

fn topic_policy() -> Value {
    json!({"Version": "2012-10-17", "Id": "acme-alerts-policy", "Statement": [{
        "Sid": "AuditSubscribe", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "sns:Subscribe", "Resource": "arn:aws:sns:us-east-1:111111111111:acme-alerts"
    }]})
}

fn secret_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "AuditRead", "Effect": "Allow", "Principal": {"AWS": AUDIT_READER},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"
    }]})
}

fn repository_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "AuditPull", "Effect": "Allow", "Principal": {"AWS": AUDIT_READER},
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    }]})
}

/// The audit account: the role prod's policies name, and a bucket of its own.
async fn seed_audit(config: &aws_config::SdkConfig) {
    aws_sdk_iam::Client::new(config)
        .create_role()
        .role_name("audit_reader")
        .assume_role_policy_document(text(&json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "sts:AssumeRole"}]})))
        .send()
        .await
        .unwrap();
    s3(config)
        .create_bucket()
        .bucket("audit-reports")
        .send()
        .await
        .unwrap();
}

/// The prod account: one resource of each kind with a policy, one without. Returns the KMS key
/// id and the secrets' ARNs, which the services choose.
async fn seed_prod(config: &aws_config::SdkConfig) -> (String, Vec<String>) {
    let s3 = s3(config);
    s3.create_bucket().bucket("acme-logs").send().await.unwrap();
    s3.put_bucket_policy()
        .bucket("acme-logs")
        .policy(text(&bucket_policy()))
        .send()
        .await
        .unwrap();
    // In another region: its policy is read through a client of its region.
    s3.create_bucket()
        .bucket("acme-eu-artifacts")
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();

    // Every KMS key has a key policy; this one's is given, the other's is KMS's default. An
    // AWS managed key (aws/…) cannot be created through the API, so none is here to be skipped.
    let kms = aws_sdk_kms::Client::new(config);
    let key = kms
        .create_key()
        .policy(text(&key_policy()))
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();

    let sqs = aws_sdk_sqs::Client::new(config);
    sqs.create_queue()
        .queue_name("acme-events")
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::Policy,
            text(&queue_policy()),
        )
        .send()
        .await
        .unwrap();
    sqs.create_queue()
        .queue_name("acme-plain")
        .send()
        .await
        .unwrap();

    // SNS gives every topic a default policy: the plain topic shows it.
    let sns = aws_sdk_sns::Client::new(config);
    let topic = sns
        .create_topic()
        .name("acme-alerts")
        .send()
        .await
        .unwrap()
        .topic_arn()
        .unwrap()
        .to_string();
    sns.set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("Policy")
        .attribute_value(text(&topic_policy()))
        .send()
        .await
        .unwrap();
    sns.create_topic().name("acme-plain").send().await.unwrap();

    // A function needs a role of the account and code: the smallest zip, an empty archive.
    let role = aws_sdk_iam::Client::new(config)
        .create_role()
        .role_name("acme-handler")
        .assume_role_policy_document(text(&json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]})))
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .arn()
        .to_string();
    for name in ["acme-handler", "acme-plain"] {
        moto::create_function(config, name, &role).await;
    }
    let lambda = aws_sdk_lambda::Client::new(config);
    lambda
        .add_permission()
        .function_name("acme-handler")
        .statement_id("logs-bucket")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .source_arn("arn:aws:s3:::acme-logs")
        .source_account(PROD)
        .send()
        .await
        .unwrap();

    let secrets = aws_sdk_secretsmanager::Client::new(config);
    let mut secret_arns = Vec::new();
    for name in ["acme-db", "acme-plain"] {
        let arn = secrets
            .create_secret()
            .name(name)
            .secret_string("not a secret")
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string();
        secret_arns.push(arn);
    }
    secrets
        .put_resource_policy()
        .secret_id("acme-db")
        .resource_policy(text(&secret_policy()))
        .send()
        .await
        .unwrap();

    let ecr = aws_sdk_ecr::Client::new(config);
    for name in ["acme-app", "acme-plain"] {
        ecr.create_repository()
            .repository_name(name)
            .send()
            .await
            .unwrap();
    }
    ecr.set_repository_policy()
        .repository_name("acme-app")
        .policy_text(text(&repository_policy()))
        .send()
        .await
        .unwrap();
    (key, secret_arns)
}

/// The pulled `ResourcePolicies`, by kind and name.
fn entry<'a>(entries: &'a [Value], kind: &str, name: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["Kind"] == kind && e["Name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {entries:#?}"))
}

#[test]
fn pull_reads_every_kind_of_resource_policy_of_the_account() {
    let Some(server) = MotoServer::start_accounts() else {
        return;
    };
    let runtime = moto::runtime();
    let (prod, audit) = runtime.block_on(async {
        (
            credentials_of(&server, PROD).await,
            credentials_of(&server, AUDIT).await,
        )
    });
    runtime.block_on(seed_audit(&config(&server, audit.clone())));
    let (key, secret_arns) = runtime.block_on(seed_prod(&config(&server, prod.clone())));
    let dir = tempfile::tempdir().unwrap();

    let output = iamdsl_as(
        &server,
        &prod,
        dir.path(),
        &["pull", "--endpoint-url", &server.url, "-o", "prod.json"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    // Everything was readable: nothing to warn about.
    assert!(!stderr(&output).contains("warning"), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("13 resources with their policies"),
        "{}",
        stderr(&output)
    );
    let pulled_text = std::fs::read_to_string(dir.path().join("prod.json")).unwrap();
    let pulled: Value = serde_json::from_str(&pulled_text).unwrap();
    let entries = pulled["ResourcePolicies"].as_array().unwrap().clone();

    // Each with its kind, name, ARN, owning account, and the policy as the service stores it.
    let expected: Vec<(&str, &str, String, Value)> = vec![
        (
            "s3.bucket",
            "acme-logs",
            "arn:aws:s3:::acme-logs".into(),
            bucket_policy(),
        ),
        (
            "s3.bucket",
            "acme-eu-artifacts",
            "arn:aws:s3:::acme-eu-artifacts".into(),
            Value::Null,
        ),
        (
            "kms.key",
            &key,
            format!("arn:aws:kms:us-east-1:111111111111:key/{key}"),
            key_policy(),
        ),
        (
            "sqs.queue",
            "acme-events",
            "arn:aws:sqs:us-east-1:111111111111:acme-events".into(),
            queue_policy(),
        ),
        (
            "sqs.queue",
            "acme-plain",
            "arn:aws:sqs:us-east-1:111111111111:acme-plain".into(),
            Value::Null,
        ),
        (
            "sns.topic",
            "acme-alerts",
            "arn:aws:sns:us-east-1:111111111111:acme-alerts".into(),
            topic_policy(),
        ),
        (
            "lambda.function",
            "acme-plain",
            "arn:aws:lambda:us-east-1:111111111111:function:acme-plain".into(),
            Value::Null,
        ),
        (
            "secretsmanager.secret",
            "acme-db",
            secret_arns[0].clone(),
            secret_policy(),
        ),
        (
            "secretsmanager.secret",
            "acme-plain",
            secret_arns[1].clone(),
            Value::Null,
        ),
        (
            "ecr.repository",
            "acme-app",
            "arn:aws:ecr:us-east-1:111111111111:repository/acme-app".into(),
            repository_policy(),
        ),
        (
            "ecr.repository",
            "acme-plain",
            "arn:aws:ecr:us-east-1:111111111111:repository/acme-plain".into(),
            Value::Null,
        ),
    ];
    for (kind, name, arn, policy) in &expected {
        let pulled = entry(&entries, kind, name);
        assert_eq!(pulled["Arn"], *arn, "{kind} {name}");
        assert_eq!(pulled["Account"], PROD, "{kind} {name}");
        assert_eq!(pulled["Policy"], *policy, "{kind} {name}");
    }
    // Policies the services wrote: SNS's default for a topic, AddPermission's statement.
    let plain_topic = entry(&entries, "sns.topic", "acme-plain");
    assert_eq!(plain_topic["Policy"]["Id"], "__default_policy_ID");
    let handler = entry(&entries, "lambda.function", "acme-handler");
    assert_eq!(handler["Policy"]["Statement"][0]["Sid"], "logs-bucket");
    assert_eq!(
        handler["Policy"]["Statement"][0]["Principal"],
        json!({"Service": "s3.amazonaws.com"})
    );
    // The other account's bucket is not prod's.
    assert!(entries.iter().all(|e| e["Name"] != "audit-reports"));
    assert_eq!(entries.len(), 13, "{entries:#?}");

    // The file reads back: the documents canonical, the policy-less resources absent.
    let details = AuthorizationDetails::read(&pulled_text).unwrap();
    assert_eq!(details.resources.len(), 13);
    let absent: Vec<(&str, &str)> = details
        .resources
        .iter()
        .filter(|r| r.policy == ResourcePolicyState::Absent)
        .map(|r| (r.kind.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(
        absent,
        vec![
            ("ecr.repository", "acme-plain"),
            ("lambda.function", "acme-plain"),
            ("s3.bucket", "acme-eu-artifacts"),
            ("secretsmanager.secret", "acme-plain"),
            ("sqs.queue", "acme-plain"),
        ]
    );
    // Each document read back is what the reader makes of the one put: the service stored it
    // as it was given, and the state carries it unchanged.
    for (kind, name, arn, policy) in expected.iter().filter(|e| !e.3.is_null()) {
        let read = details
            .resources
            .iter()
            .find(|r| r.kind == *kind && r.name == *name)
            .unwrap();
        let put = AuthorizationDetails::from_value(&json!({"ResourcePolicies": [{
            "Kind": kind, "Name": name, "Arn": arn, "Account": PROD, "Policy": policy
        }]}))
        .unwrap();
        assert_eq!(
            read.document(),
            put.resources[0].document(),
            "{kind} {name}"
        );
        assert!(read.document().is_some(), "{kind} {name}");
    }

    // Read by hand against each service's documentation; the ids the services choose replaced.
    let mut shown = serde_json::to_string_pretty(&entries).unwrap();
    shown = shown.replace(&key, "KEY-ID");
    for arn in &secret_arns {
        // Secrets Manager ends a secret's ARN with `-` and six random characters.
        let (named, _) = arn.rsplit_once('-').unwrap();
        shown = shown.replace(arn, &format!("{named}-RANDOM"));
    }
    let shown: Value = serde_json::from_str(&shown).unwrap();
    insta::assert_json_snapshot!("pulled_resource_policies", shown);

    // The audit account's pull holds its own bucket only.
    let output = iamdsl_as(
        &server,
        &audit,
        dir.path(),
        &["pull", "--endpoint-url", &server.url, "-o", "audit.json"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let audit_state: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("audit.json")).unwrap())
            .unwrap();
    assert_eq!(
        audit_state["ResourcePolicies"],
        json!([{"Kind": "s3.bucket", "Name": "audit-reports", "Arn": "arn:aws:s3:::audit-reports",
                "Account": AUDIT, "Policy": null}])
    );
}

#[test]
fn the_documented_example_of_the_state_reads() {
    let doc = std::fs::read_to_string(repo_root().join("docs/state.md")).unwrap();
    let example = doc
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    let details = AuthorizationDetails::read(example).unwrap();
    assert_eq!(details.roles.len(), 1);
    let states: Vec<(&str, &ResourcePolicyState)> = details
        .resources
        .iter()
        .map(|r| (r.kind.as_str(), &r.policy))
        .collect();
    assert!(matches!(
        states[0],
        ("kms.key", ResourcePolicyState::Unknown(_))
    ));
    assert!(matches!(
        states[1],
        ("s3.bucket", ResourcePolicyState::Document(_))
    ));
    assert_eq!(states[2], ("sqs.queue", &ResourcePolicyState::Absent));
}

/// What `pull` read of two accounts imports into one project that builds back to it: no change
/// against either account; then a bucket policy edited through the API shows as a change, with
/// the grant it takes away.
#[test]
fn pulled_resource_policies_import_build_and_diff_with_no_change() {
    let Some(server) = MotoServer::start_accounts() else {
        return;
    };
    let runtime = moto::runtime();
    let (prod, audit) = runtime.block_on(async {
        (
            credentials_of(&server, PROD).await,
            credentials_of(&server, AUDIT).await,
        )
    });
    runtime.block_on(seed_audit(&config(&server, audit.clone())));
    runtime.block_on(seed_prod(&config(&server, prod.clone())));
    let dir = tempfile::tempdir().unwrap();
    let pull = |credentials: &Credentials, file: &str| {
        let output = iamdsl_as(
            &server,
            credentials,
            dir.path(),
            &["pull", "--endpoint-url", &server.url, "-o", file],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    };
    pull(&prod, "prod.json");
    pull(&audit, "audit.json");

    let import = iamdsl(
        dir.path(),
        &["import", "prod.json", "audit.json", "-o", "project"],
    );
    assert!(import.status.success(), "{}", stderr(&import));
    let source = std::fs::read_to_string(dir.path().join("project/resources.iamdsl")).unwrap();
    // The bucket policy names the audit account's role by its declaration, not its ARN.
    assert!(source.contains("to role audit_reader"), "{source}");
    let check = iamdsl(dir.path(), &["check", "project"]);
    assert!(
        check.status.success(),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
    for state in ["prod.json", "audit.json"] {
        let diff = iamdsl(
            dir.path(),
            &["diff", "project", "--deployed", state, "--exit-code"],
        );
        assert_eq!(
            diff.status.code(),
            Some(0),
            "{state}: {}{}",
            stdout(&diff),
            stderr(&diff)
        );
    }

    // Someone narrows the bucket policy by hand: the audit role may no longer list the bucket.
    let mut narrowed = bucket_policy();
    narrowed["Statement"][0]["Action"] = json!(["s3:GetObject"]);
    narrowed["Statement"][0]["Resource"] = json!("arn:aws:s3:::acme-logs/*");
    runtime.block_on(async {
        s3(&config(&server, prod.clone()))
            .put_bucket_policy()
            .bucket("acme-logs")
            .policy(text(&narrowed))
            .send()
            .await
            .unwrap();
    });
    pull(&prod, "prod-now.json");
    let diff = iamdsl(
        dir.path(),
        &[
            "diff",
            "project",
            "--deployed",
            "prod-now.json",
            "--exit-code",
        ],
    );
    assert_eq!(diff.status.code(), Some(2), "{}", stderr(&diff));
    let report = stdout(&diff);
    assert!(report.contains("bucket acme-logs"), "{report}");
    assert!(
        report.contains(
            "+ s3:ListBucket on arn:aws:s3:::acme-logs to AWS arn:aws:iam::222222222222:role/audit_reader"
        ),
        "{report}"
    );
}
