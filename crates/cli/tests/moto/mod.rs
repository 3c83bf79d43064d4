//! A live IAM endpoint for the tests: moto's server on 127.0.0.1, one per test, stopped on drop;
//! and a deployer that creates a built account bundle there through the IAM API.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};
use serde_json::Value;

pub struct MotoServer {
    child: Child,
    pub url: String,
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// moto's server: `IAMDSL_MOTO_SERVER`, else the virtualenv `scripts/test.sh` installs.
fn server_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("IAMDSL_MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    let venv = super::common::repo_root().join("target/moto-venv/bin/moto_server");
    venv.exists().then_some(venv)
}

impl MotoServer {
    /// Starts a server whose default account is `account`. `None` (with a note) when moto is not
    /// installed and this is not CI; under CI a missing server fails the test.
    pub fn start(account: &str) -> Option<MotoServer> {
        MotoServer::spawn(Some(account))
    }

    /// Starts a server of several accounts: the test credentials act as moto's default account
    /// (123456789012), and credentials from `sts:AssumeRole` into another account's role act as
    /// that account (moto does so only while `MOTO_ACCOUNT_ID` is unset).
    pub fn start_accounts() -> Option<MotoServer> {
        MotoServer::spawn(None)
    }

    fn spawn(account: Option<&str>) -> Option<MotoServer> {
        let Some(binary) = server_binary() else {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!(
                    "moto's server is required under CI: run ./scripts/test.sh, which installs it"
                );
            }
            eprintln!(
                "note: moto is not installed (./scripts/test.sh installs it); live test skipped"
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new(&binary);
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env_remove("MOTO_ACCOUNT_ID")
            // AWS managed policies exist in every real account; the example attaches one.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true");
        if let Some(account) = account {
            command.env("MOTO_ACCOUNT_ID", account);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let server = MotoServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start within 60 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(server)
    }

    pub fn client(&self) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&self.url)
            .region(Region::new("us-east-1"))
            .http_client(iamdsl_aws::https_client())
            .credentials_provider(Credentials::new(
                TEST_ACCESS_KEY,
                TEST_SECRET_KEY,
                None,
                None,
                "moto",
            ))
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }

    /// The environment `iamdsl pull`/`diff --live` runs with: test credentials only, no
    /// config files of the machine, no instance metadata.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", TEST_SECRET_KEY.into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_CONFIG_FILE", "/nonexistent/iamdsl-test-config".into()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/iamdsl-test-credentials".into(),
            ),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }
}

/// Runs `iamdsl ARGS` in `dir` with the server's test credentials and nothing else of the
/// machine's AWS configuration.
pub fn iamdsl_against(server: &MotoServer, dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_iamdsl"));
    command.current_dir(dir).args(args).env("NO_COLOR", "1");
    for key in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"] {
        command.env_remove(key);
    }
    for (key, value) in server.env() {
        command.env(key, value);
    }
    command.output().unwrap()
}

pub const TEST_ACCESS_KEY: &str = "AKIAIAMDSLTESTKEY000";
pub const TEST_SECRET_KEY: &str = "iamdsl-test-secret-do-not-print-0123456789";

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn text(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {value}"))
        .to_string()
}

fn optional(value: &Value, key: &str) -> Option<String> {
    value[key].as_str().map(str::to_string)
}

fn document(value: &Value) -> String {
    serde_json::to_string(value).unwrap()
}

fn boundary(value: &Value) -> Option<String> {
    value["PermissionsBoundary"]["PermissionsBoundaryArn"]
        .as_str()
        .map(str::to_string)
}

/// The entity's `Tags`, as the API takes them.
fn tags(value: &Value) -> Option<Vec<aws_sdk_iam::types::Tag>> {
    let tags: Vec<_> = items(value, "Tags")
        .map(|tag| {
            aws_sdk_iam::types::Tag::builder()
                .key(text(tag, "Key"))
                .value(text(tag, "Value"))
                .build()
                .unwrap()
        })
        .collect();
    (!tags.is_empty()).then_some(tags)
}

fn items<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value[key].as_array().into_iter().flatten()
}

/// Creates everything in an `account-authorization-details.json` through the IAM API, in the
/// order IAM needs (policies before the principals they are attached to).
pub async fn deploy(client: &aws_sdk_iam::Client, state: &Value) {
    for policy in items(state, "Policies") {
        if text(policy, "Arn").contains(":iam::aws:policy/") {
            continue;
        }
        let version = items(policy, "PolicyVersionList")
            .find(|v| v["IsDefaultVersion"] == true)
            .unwrap();
        client
            .create_policy()
            .policy_name(text(policy, "PolicyName"))
            .path(text(policy, "Path"))
            .set_description(optional(policy, "Description"))
            .set_tags(tags(policy))
            .policy_document(document(&version["Document"]))
            .send()
            .await
            .unwrap();
    }
    for group in items(state, "GroupDetailList") {
        let name = text(group, "GroupName");
        client
            .create_group()
            .group_name(&name)
            .path(text(group, "Path"))
            .send()
            .await
            .unwrap();
        for inline in items(group, "GroupPolicyList") {
            client
                .put_group_policy()
                .group_name(&name)
                .policy_name(text(inline, "PolicyName"))
                .policy_document(document(&inline["PolicyDocument"]))
                .send()
                .await
                .unwrap();
        }
        for attached in items(group, "AttachedManagedPolicies") {
            client
                .attach_group_policy()
                .group_name(&name)
                .policy_arn(text(attached, "PolicyArn"))
                .send()
                .await
                .unwrap();
        }
    }
    for user in items(state, "UserDetailList") {
        let name = text(user, "UserName");
        client
            .create_user()
            .user_name(&name)
            .path(text(user, "Path"))
            .set_permissions_boundary(boundary(user))
            .set_tags(tags(user))
            .send()
            .await
            .unwrap();
        for group in items(user, "GroupList") {
            client
                .add_user_to_group()
                .user_name(&name)
                .group_name(group.as_str().unwrap())
                .send()
                .await
                .unwrap();
        }
        for inline in items(user, "UserPolicyList") {
            client
                .put_user_policy()
                .user_name(&name)
                .policy_name(text(inline, "PolicyName"))
                .policy_document(document(&inline["PolicyDocument"]))
                .send()
                .await
                .unwrap();
        }
        for attached in items(user, "AttachedManagedPolicies") {
            client
                .attach_user_policy()
                .user_name(&name)
                .policy_arn(text(attached, "PolicyArn"))
                .send()
                .await
                .unwrap();
        }
    }
    for role in items(state, "RoleDetailList") {
        let name = text(role, "RoleName");
        client
            .create_role()
            .role_name(&name)
            .path(text(role, "Path"))
            .set_description(optional(role, "Description"))
            .set_max_session_duration(
                role["MaxSessionDuration"]
                    .as_i64()
                    .map(|s| i32::try_from(s).unwrap()),
            )
            .assume_role_policy_document(document(&role["AssumeRolePolicyDocument"]))
            .set_permissions_boundary(boundary(role))
            .set_tags(tags(role))
            .send()
            .await
            .unwrap();
        for inline in items(role, "RolePolicyList") {
            client
                .put_role_policy()
                .role_name(&name)
                .policy_name(text(inline, "PolicyName"))
                .policy_document(document(&inline["PolicyDocument"]))
                .send()
                .await
                .unwrap();
        }
        for attached in items(role, "AttachedManagedPolicies") {
            client
                .attach_role_policy()
                .role_name(&name)
                .policy_arn(text(attached, "PolicyArn"))
                .send()
                .await
                .unwrap();
        }
        for profile in items(role, "InstanceProfileList") {
            let profile_name = text(profile, "InstanceProfileName");
            client
                .create_instance_profile()
                .instance_profile_name(&profile_name)
                .path(text(profile, "Path"))
                .send()
                .await
                .unwrap();
            client
                .add_role_to_instance_profile()
                .instance_profile_name(&profile_name)
                .role_name(&name)
                .send()
                .await
                .unwrap();
        }
    }
}

impl MotoServer {
    /// The SDK configuration of the other services' clients: the same endpoint, region and
    /// credentials as [`MotoServer::client`].
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&self.url)
            .region(Region::new("us-east-1"))
            .http_client(iamdsl_aws::https_client())
            .credentials_provider(aws_sdk_iam::config::SharedCredentialsProvider::new(
                Credentials::new(TEST_ACCESS_KEY, TEST_SECRET_KEY, None, None, "moto"),
            ))
            .build()
    }
}

/// A customer managed KMS key; its id is the service's to choose.
pub async fn create_key(config: &aws_config::SdkConfig) -> String {
    aws_sdk_kms::Client::new(config)
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string()
}

/// Creates the resources of a built bundle's `ResourcePolicies` with their policies, through
/// each service's API (a key must exist already: KMS chooses key ids).
pub async fn deploy_resources(config: &aws_config::SdkConfig, state: &Value) {
    create_resources(config, state, true).await;
}

/// Creates the resources of a built bundle's `ResourcePolicies`, with their policies or without
/// (what `iamdsl apply` then writes).
pub async fn create_resources(config: &aws_config::SdkConfig, state: &Value, with_policies: bool) {
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    );
    let sqs = aws_sdk_sqs::Client::new(config);
    let sns = aws_sdk_sns::Client::new(config);
    let kms = aws_sdk_kms::Client::new(config);
    for resource in items(state, "ResourcePolicies") {
        let name = text(resource, "Name");
        let policy =
            (with_policies && !resource["Policy"].is_null()).then(|| document(&resource["Policy"]));
        match text(resource, "Kind").as_str() {
            "s3.bucket" => {
                s3.create_bucket().bucket(&name).send().await.unwrap();
                if let Some(policy) = policy {
                    s3.put_bucket_policy()
                        .bucket(&name)
                        .policy(policy)
                        .send()
                        .await
                        .unwrap();
                }
            }
            "kms.key" => {
                if let Some(policy) = policy {
                    kms.put_key_policy()
                        .key_id(&name)
                        .policy_name("default")
                        .policy(policy)
                        .send()
                        .await
                        .unwrap();
                }
            }
            "sqs.queue" => {
                sqs.create_queue()
                    .queue_name(&name)
                    .set_attributes(policy.map(|p| {
                        [(aws_sdk_sqs::types::QueueAttributeName::Policy, p)]
                            .into_iter()
                            .collect()
                    }))
                    .send()
                    .await
                    .unwrap();
            }
            "sns.topic" => {
                let arn = sns
                    .create_topic()
                    .name(&name)
                    .send()
                    .await
                    .unwrap()
                    .topic_arn()
                    .unwrap()
                    .to_string();
                if let Some(policy) = policy {
                    sns.set_topic_attributes()
                        .topic_arn(arn)
                        .attribute_name("Policy")
                        .attribute_value(policy)
                        .send()
                        .await
                        .unwrap();
                }
            }
            other => panic!("the live tests do not deploy a {other}"),
        }
    }
}

/// The apply tests' proxy in front of a moto server (`fault_proxy.py`): it records each
/// request's operation and fails the ones its rules name.
pub struct FaultProxy {
    child: Child,
    pub url: String,
    rules: PathBuf,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl FaultProxy {
    pub fn start(server: &MotoServer) -> FaultProxy {
        let binary = server_binary().expect("moto is installed: the server is running");
        // The virtualenv's interpreter, beside moto_server.
        let python = binary.with_file_name("python");
        let dir = tempfile::tempdir().unwrap();
        let (rules, log, port_file) = (
            dir.path().join("rules.json"),
            dir.path().join("log"),
            dir.path().join("port"),
        );
        std::fs::write(&rules, "[]").unwrap();
        let script = super::common::repo_root().join("crates/cli/tests/moto/fault_proxy.py");
        let child = Command::new(&python)
            .arg(&script)
            .args([&server.url])
            .args([&rules, &log, &port_file])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Ok(port) = std::fs::read_to_string(&port_file) {
                break port;
            }
            assert!(
                Instant::now() < deadline,
                "the fault proxy did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        FaultProxy {
            child,
            url: format!("http://127.0.0.1:{port}"),
            rules,
            log,
            _dir: dir,
        }
    }

    /// From now on, answer `action` (on a request whose decoded body contains `contains`)
    /// `times` times with IAM's error `code`.
    pub fn fail(&self, rules: Value) {
        std::fs::write(&self.rules, rules.to_string()).unwrap();
    }

    /// The operations requested so far, in order; the record starts again empty.
    pub fn take_operations(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        std::fs::write(&self.log, "").unwrap();
        text.lines().map(str::to_string).collect()
    }
}

/// A Lambda function with the smallest code (an empty archive) and the given role.
pub async fn create_function(config: &aws_config::SdkConfig, name: &str, role_arn: &str) {
    let mut empty_zip = b"PK\x05\x06".to_vec();
    empty_zip.resize(22, 0);
    aws_sdk_lambda::Client::new(config)
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .role(role_arn)
        .handler("index.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(empty_zip))
                .build(),
        )
        .send()
        .await
        .unwrap();
}
