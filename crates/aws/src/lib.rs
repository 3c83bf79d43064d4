//! Live state: `GetAccountAuthorizationDetails` through the AWS SDK for Rust, every page,
//! written in the shape `aws iam get-account-authorization-details` prints (pages merged, policy
//! documents decoded from the API's URL-encoded text into JSON objects), and the resource
//! policies of the account (`resources`), as the state's `ResourcePolicies` (docs/state.md).
//!
//! Credentials come from the SDK's standard chain (environment, shared config and credentials
//! files, SSO, process, container and instance metadata). Nothing here prints or stores them.

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::primitives::DateTime;
use aws_sdk_iam::types;
use iamdsl_diagnostics::{codes, Diagnostic};
use serde_json::{Map, Value};

mod apply;
mod resources;

pub use apply::{Caller, Outcome, Session};

/// Where and as whom to connect.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// Another IAM endpoint (a local test server, a VPC endpoint); the SDK's default otherwise.
    pub endpoint_url: Option<String>,
    /// A named profile of the shared config files; the SDK's default chain otherwise.
    pub profile: Option<String>,
}

/// IAM is a global service; any region signs for it. Used when none is configured, which is
/// also the region whose resource policies are read then.
pub(crate) const FALLBACK_REGION: &str = "us-east-1";

/// IAM's endpoint in the `aws` partition, which the SDK uses unless told otherwise:
/// https://docs.aws.amazon.com/general/latest/gr/iam-service.html
const DEFAULT_ENDPOINT: &str = "https://iam.amazonaws.com";

/// The credential providers of the SDK's default chain, in its order:
/// https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html
const CREDENTIAL_CHAIN: &str = "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), the shared config and credentials files (~/.aws/config, ~/.aws/credentials: keys, SSO, assume-role, credential_process), a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE), the ECS container endpoint, EC2 instance metadata";

/// What a pull fetched: the state, and warnings about what it could not read (a resource
/// policy access was denied to, a service that could not be listed), which leave the rest whole.
#[derive(Debug)]
pub struct Pulled {
    pub state: Value,
    pub warnings: Vec<Diagnostic>,
}

/// Fetches the whole account state ([`Session::pull`]). A failure is a diagnostic that says
/// what was tried (the credential chain, the endpoint; never a secret) and what to do.
pub(crate) async fn pull_with(
    config: &aws_config::SdkConfig,
    connection: &Connection,
) -> Result<Pulled, Diagnostic> {
    let client = aws_sdk_iam::Client::new(config);
    let mut pages = client
        .get_account_authorization_details()
        .into_paginator()
        .send();
    let mut state = State::default();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| failure(&e, connection, "iam:GetAccountAuthorizationDetails"))?;
        state
            .users
            .extend(page.user_detail_list().iter().map(user_json));
        state
            .groups
            .extend(page.group_detail_list().iter().map(group_json));
        state
            .roles
            .extend(page.role_detail_list().iter().map(role_json));
        state
            .policies
            .extend(page.policies().iter().map(managed_policy_json));
    }
    let mut warnings = Vec::new();
    if let Some(warning) = policy_tags(&client, &mut state.policies).await {
        warnings.push(warning);
    }
    if let Some(warning) = role_settings(&client, &mut state.roles).await {
        warnings.push(warning);
    }
    match scope(config, connection).await {
        Ok(scope) => {
            let found = resources::read(config, &scope).await;
            state.resources = found.resources;
            warnings = found.warnings;
        }
        Err(warning) => warnings.push(warning),
    }
    Ok(Pulled {
        state: state.into_json(),
        warnings,
    })
}

/// `GetAccountAuthorizationDetails` leaves managed policies' tags out: each customer managed
/// policy's are read with `ListPolicyTags` and written as `Tags` (an empty list when it has
/// none). Where that is refused, the policy's `Tags` are left out, which the state reads as "not
/// known" (never as "none"), and one warning says so.
async fn policy_tags(client: &aws_sdk_iam::Client, policies: &mut [Value]) -> Option<Diagnostic> {
    let mut refused: Vec<(String, String)> = Vec::new();
    for policy in policies.iter_mut() {
        let Some(arn) = policy
            .get("Arn")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        if arn.contains(":iam::aws:policy/") {
            continue;
        }
        let mut tags = Vec::new();
        let mut pages = client
            .list_policy_tags()
            .policy_arn(&arn)
            .into_paginator()
            .send();
        let mut failed = None;
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => tags.extend(page.tags().iter().map(|tag| {
                    Fields::default()
                        .text("Key", Some(tag.key()))
                        .text("Value", Some(tag.value()))
                        .build()
                })),
                Err(error) => {
                    failed = Some(messages(&error));
                    break;
                }
            }
        }
        match (failed, policy.as_object_mut()) {
            (Some(said), _) => refused.push((arn, said)),
            (None, Some(fields)) => {
                fields.insert("Tags".into(), Value::Array(tags));
            }
            (None, None) => {}
        }
    }
    let (first, said) = refused.first()?;
    Some(
        Diagnostic::warning(
            codes::AWS_REFUSED,
            format!(
                "the tags of {} managed polic{} could not be read (iam:ListPolicyTags); the state does not know them",
                refused.len(),
                if refused.len() == 1 { "y" } else { "ies" }
            ),
        )
        .with_note(format!("first: `{first}`: {said}"))
        .with_help("allow `iam:ListPolicyTags` to the identity and pull again; the rest of the state was read"),
    )
}

/// `GetAccountAuthorizationDetails` leaves a role's description and maximum session duration
/// out; `GetRole` gives both, so each role's are read with it and written as `Description` and
/// `MaxSessionDuration` (which GetRole always gives: a role that has it and no `Description` has
/// none). Where that is refused, both are left out, which the state reads as "not known", and
/// one warning says so.
async fn role_settings(client: &aws_sdk_iam::Client, roles: &mut [Value]) -> Option<Diagnostic> {
    use futures_util::{stream, StreamExt};
    let names: Vec<Option<String>> = roles
        .iter()
        .map(|r| {
            r.get("RoleName")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    let answers: Vec<Result<(Option<String>, i32), String>> = stream::iter(names)
        .map(|name| async move {
            let Some(name) = name else {
                return Err("no RoleName".to_string());
            };
            match client.get_role().role_name(&name).send().await {
                Ok(answer) => answer
                    .role()
                    .map(|role| {
                        (
                            role.description().map(str::to_string),
                            role.max_session_duration().unwrap_or(3600),
                        )
                    })
                    .ok_or_else(|| format!("`{name}`: GetRole answered without the role")),
                Err(error) => Err(format!("`{name}`: {}", messages(&error))),
            }
        })
        .buffered(8)
        .collect()
        .await;
    let mut refused = Vec::new();
    for (role, answer) in roles.iter_mut().zip(answers) {
        match (answer, role.as_object_mut()) {
            (Ok((description, seconds)), Some(fields)) => {
                if let Some(description) = description {
                    fields.insert("Description".into(), Value::String(description));
                }
                fields.insert("MaxSessionDuration".into(), Value::from(seconds));
            }
            (Err(said), _) => refused.push(said),
            (Ok(_), None) => {}
        }
    }
    let first = refused.first()?;
    Some(
        Diagnostic::warning(
            codes::AWS_REFUSED,
            format!(
                "the description and session limit of {} role{} could not be read (iam:GetRole); the state does not know them",
                refused.len(),
                if refused.len() == 1 { "" } else { "s" }
            ),
        )
        .with_note(format!("first: {first}"))
        .with_help("allow `iam:GetRole` to the identity and pull again; the rest of the state was read"),
    )
}

/// The account the credentials belong to (the owner of what S3 lists, whose ARNs name none) and
/// the region the regional services are read in. STS answers any caller; failing here, after IAM
/// answered, leaves the resource policies out with a warning.
async fn scope(
    config: &aws_config::SdkConfig,
    connection: &Connection,
) -> Result<resources::Scope, Diagnostic> {
    let identity = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await;
    let unread = |said: String| {
        Diagnostic::warning(
            codes::AWS_REFUSED,
            "the account of the credentials could not be identified (sts:GetCallerIdentity); the state holds no resource policies",
        )
        .with_note(said)
        .with_help("run the pull again once it is resolved; the IAM state was read")
    };
    let identity = identity.map_err(|e| unread(format!("STS answered: {}", messages(&e))))?;
    let (Some(account), Some(arn)) = (identity.account(), identity.arn()) else {
        return Err(unread(
            "STS answered without an account or an ARN".to_string(),
        ));
    };
    Ok(resources::Scope {
        account: account.to_string(),
        partition: arn.split(':').nth(1).unwrap_or("aws").to_string(),
        region: config
            .region()
            .map_or_else(|| FALLBACK_REGION.to_string(), |r| r.to_string()),
        custom_endpoint: connection.endpoint_url.is_some(),
    })
}

/// Where the request went, as the user can check it.
fn endpoint(connection: &Connection) -> String {
    connection
        .endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_IAM").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string())
}

/// The profile the shared files were read for.
fn profile(connection: &Connection) -> String {
    connection
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .unwrap_or_else(|| "default".to_string())
}

/// The messages of an error and its sources, joined: the SDK's words without its debug dump.
fn messages(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(error) = current {
        let text = error.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = error.source();
    }
    parts.join(": ")
}

/// Whether the credential chain is what failed.
fn is_credentials_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<CredentialsError>() {
            return true;
        }
        current = error.source();
    }
    false
}

/// The diagnostic of a failed call (`operation`: `iam:GetAccountAuthorizationDetails`).
pub(crate) fn failure<E, R>(
    error: &SdkError<E, R>,
    connection: &Connection,
    operation: &str,
) -> Diagnostic
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let endpoint = endpoint(connection);
    let said = format!("the AWS SDK said: {}", messages(error));
    match error {
        SdkError::DispatchFailure(_) if is_credentials_error(error) => Diagnostic::error(
            codes::AWS_NO_CREDENTIALS,
            format!("no AWS credentials were found; nothing was sent to `{endpoint}`"),
        )
        .with_note(format!(
            "tried, in order: {CREDENTIAL_CHAIN}; profile `{}`",
            profile(connection)
        ))
        .with_note(said)
        .with_help("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass `--profile NAME` of ~/.aws/config, or sign in with `aws sso login --profile NAME`"),
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Diagnostic::error(
            codes::AWS_UNREACHABLE,
            format!("cannot reach the IAM endpoint `{endpoint}`"),
        )
        .with_note(said)
        .with_help(if connection.endpoint_url.is_some() {
            "check that a server listens at `--endpoint-url`, and the URL's scheme, host and port"
        } else {
            "check the network connection and any proxy (HTTPS_PROXY); `--endpoint-url URL` sends to another endpoint"
        }),
        SdkError::ServiceError(service) => refused(
            service.err().code(),
            service.err().message(),
            &endpoint,
            &profile(connection),
            operation,
        ),
        _ => Diagnostic::error(
            codes::AWS_REFUSED,
            format!("the endpoint `{endpoint}` did not answer {operation} as AWS does"),
        )
        .with_note(said)
        .with_help("check that `--endpoint-url` is an IAM endpoint"),
    }
}

/// The diagnostic of an error IAM answered with, by its code (IAM's common errors:
/// https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html).
fn refused(
    code: Option<&str>,
    message: Option<&str>,
    endpoint: &str,
    profile: &str,
    operation: &str,
) -> Diagnostic {
    let code = code.unwrap_or("an unnamed error");
    let said = format!("AWS answered {code}: {}", message.unwrap_or("(no message)"));
    let (what, help) = match code {
        "AccessDenied" | "AccessDeniedException" => (
            format!("the credentials may not call {operation}"),
            if operation == "iam:GetAccountAuthorizationDetails" {
                format!("allow `{operation}` to the identity (the AWS managed policy SecurityAudit holds it), or use another `--profile`")
            } else {
                format!("allow `{operation}` to the identity, or use another `--profile`")
            },
        ),
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired" => (
            "the credentials have expired".to_string(),
            format!("refresh them (`aws sso login --profile {profile}`, or new session credentials) and run again"),
        ),
        "InvalidClientTokenId" | "UnrecognizedClientException" | "SignatureDoesNotMatch"
        | "IncompleteSignature" => (
            "IAM does not recognise the credentials".to_string(),
            "check the access key id and secret access key (or the profile) that the chain found".to_string(),
        ),
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => (
            "IAM throttled the requests, after the SDK's retries".to_string(),
            "run again in a while".to_string(),
        ),
        _ => (
            format!("AWS refused {operation} ({code})"),
            "see IAM's message; run again once it is resolved".to_string(),
        ),
    };
    Diagnostic::error(
        codes::AWS_REFUSED,
        format!("{what} (endpoint `{endpoint}`)"),
    )
    .with_note(said)
    .with_help(help)
}

/// The HTTPS client every AWS call goes through: rustls with ring (see the workspace's
/// Cargo.toml for why not the SDK's default).
pub fn https_client() -> aws_sdk_iam::config::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// The SDK's configuration for `connection`, by the standard AWS chain: one for every service.
pub async fn sdk_config(connection: &Connection) -> aws_config::SdkConfig {
    let mut loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(https_client());
    if let Some(profile) = &connection.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &connection.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_some() {
        return config;
    }
    config
        .into_builder()
        .region(aws_config::Region::new(FALLBACK_REGION))
        .build()
}

#[derive(Default)]
struct State {
    users: Vec<Value>,
    groups: Vec<Value>,
    roles: Vec<Value>,
    policies: Vec<Value>,
    resources: Vec<Value>,
}

impl State {
    fn into_json(self) -> Value {
        let mut out = Map::new();
        out.insert("UserDetailList".into(), Value::Array(self.users));
        out.insert("GroupDetailList".into(), Value::Array(self.groups));
        out.insert("RoleDetailList".into(), Value::Array(self.roles));
        out.insert("Policies".into(), Value::Array(self.policies));
        // iamdsl's addition to AWS's shape, written only when there is something to say, as
        // the build writes it.
        if !self.resources.is_empty() {
            out.insert("ResourcePolicies".into(), Value::Array(self.resources));
        }
        Value::Object(out)
    }
}

/// An object built field by field, leaving out what the API did not send (as the AWS CLI does).
#[derive(Default)]
struct Fields(Map<String, Value>);

impl Fields {
    fn text(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            self.0.insert(key.into(), Value::String(value.into()));
        }
        self
    }

    fn date(self, key: &str, value: Option<&DateTime>) -> Self {
        let formatted = value.and_then(|d| {
            d.fmt(aws_sdk_iam::primitives::DateTimeFormat::DateTime)
                .ok()
        });
        self.text(key, formatted.as_deref())
    }

    fn document(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            self.0.insert(key.into(), decode_document(value));
        }
        self
    }

    fn value(mut self, key: &str, value: Value) -> Self {
        self.0.insert(key.into(), value);
        self
    }

    fn list<T>(self, key: &str, items: &[T], each: impl Fn(&T) -> Value) -> Self {
        self.value(key, Value::Array(items.iter().map(each).collect()))
    }

    fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// The API sends policy documents as URL-encoded JSON text; the CLI prints them as objects.
/// Text that does not decode to JSON is kept as it came, so that nothing is lost and the
/// reader reports it.
fn decode_document(encoded: &str) -> Value {
    percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .unwrap_or_else(|| Value::String(encoded.into()))
}

fn inline_policy_json(policy: &types::PolicyDetail) -> Value {
    Fields::default()
        .text("PolicyName", policy.policy_name())
        .document("PolicyDocument", policy.policy_document())
        .build()
}

fn attached_policy_json(policy: &types::AttachedPolicy) -> Value {
    Fields::default()
        .text("PolicyName", policy.policy_name())
        .text("PolicyArn", policy.policy_arn())
        .build()
}

fn boundary_json(fields: Fields, boundary: Option<&types::AttachedPermissionsBoundary>) -> Fields {
    match boundary {
        Some(boundary) => fields.value(
            "PermissionsBoundary",
            Fields::default()
                .text(
                    "PermissionsBoundaryType",
                    boundary.permissions_boundary_type().map(|t| t.as_str()),
                )
                .text(
                    "PermissionsBoundaryArn",
                    boundary.permissions_boundary_arn(),
                )
                .build(),
        ),
        None => fields,
    }
}

fn tags_json(fields: Fields, tags: &[types::Tag]) -> Fields {
    if tags.is_empty() {
        return fields;
    }
    fields.list("Tags", tags, |tag| {
        Fields::default()
            .text("Key", Some(tag.key()))
            .text("Value", Some(tag.value()))
            .build()
    })
}

fn user_json(user: &types::UserDetail) -> Value {
    let fields = Fields::default()
        .text("Path", user.path())
        .text("UserName", user.user_name())
        .text("UserId", user.user_id())
        .text("Arn", user.arn())
        .date("CreateDate", user.create_date())
        .list(
            "UserPolicyList",
            user.user_policy_list(),
            inline_policy_json,
        )
        .list("GroupList", user.group_list(), |g| Value::String(g.clone()))
        .list(
            "AttachedManagedPolicies",
            user.attached_managed_policies(),
            attached_policy_json,
        );
    let fields = boundary_json(fields, user.permissions_boundary());
    tags_json(fields, user.tags()).build()
}

fn group_json(group: &types::GroupDetail) -> Value {
    Fields::default()
        .text("Path", group.path())
        .text("GroupName", group.group_name())
        .text("GroupId", group.group_id())
        .text("Arn", group.arn())
        .date("CreateDate", group.create_date())
        .list(
            "GroupPolicyList",
            group.group_policy_list(),
            inline_policy_json,
        )
        .list(
            "AttachedManagedPolicies",
            group.attached_managed_policies(),
            attached_policy_json,
        )
        .build()
}

fn instance_profile_json(profile: &types::InstanceProfile) -> Value {
    let fields = Fields::default()
        .text("Path", Some(profile.path()))
        .text("InstanceProfileName", Some(profile.instance_profile_name()))
        .text("InstanceProfileId", Some(profile.instance_profile_id()))
        .text("Arn", Some(profile.arn()))
        .date("CreateDate", Some(profile.create_date()))
        .list("Roles", profile.roles(), |role| {
            Fields::default()
                .text("Path", Some(role.path()))
                .text("RoleName", Some(role.role_name()))
                .text("RoleId", Some(role.role_id()))
                .text("Arn", Some(role.arn()))
                .date("CreateDate", Some(role.create_date()))
                .document(
                    "AssumeRolePolicyDocument",
                    role.assume_role_policy_document(),
                )
                .build()
        });
    tags_json(fields, profile.tags()).build()
}

fn role_json(role: &types::RoleDetail) -> Value {
    let fields = Fields::default()
        .text("Path", role.path())
        .text("RoleName", role.role_name())
        .text("RoleId", role.role_id())
        .text("Arn", role.arn())
        .date("CreateDate", role.create_date())
        .document(
            "AssumeRolePolicyDocument",
            role.assume_role_policy_document(),
        )
        .list(
            "InstanceProfileList",
            role.instance_profile_list(),
            instance_profile_json,
        )
        .list(
            "RolePolicyList",
            role.role_policy_list(),
            inline_policy_json,
        )
        .list(
            "AttachedManagedPolicies",
            role.attached_managed_policies(),
            attached_policy_json,
        );
    let fields = boundary_json(fields, role.permissions_boundary());
    tags_json(fields, role.tags()).build()
}

fn managed_policy_json(policy: &types::ManagedPolicyDetail) -> Value {
    let mut fields = Fields::default()
        .text("PolicyName", policy.policy_name())
        .text("PolicyId", policy.policy_id())
        .text("Arn", policy.arn())
        .text("Path", policy.path())
        .text("DefaultVersionId", policy.default_version_id());
    if let Some(count) = policy.attachment_count() {
        fields = fields.value("AttachmentCount", Value::from(count));
    }
    if let Some(count) = policy.permissions_boundary_usage_count() {
        fields = fields.value("PermissionsBoundaryUsageCount", Value::from(count));
    }
    fields
        .value("IsAttachable", Value::Bool(policy.is_attachable()))
        .text("Description", policy.description())
        .date("CreateDate", policy.create_date())
        .date("UpdateDate", policy.update_date())
        .list(
            "PolicyVersionList",
            policy.policy_version_list(),
            |version| {
                Fields::default()
                    .document("Document", version.document())
                    .text("VersionId", version.version_id())
                    .value(
                        "IsDefaultVersion",
                        Value::Bool(version.is_default_version()),
                    )
                    .date("CreateDate", version.create_date())
                    .build()
            },
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_iam_refuses_is_said_with_what_to_do() {
        let denied = refused(
            Some("AccessDenied"),
            Some("User: x is not authorized"),
            "https://iam.amazonaws.com",
            "default",
            "iam:GetAccountAuthorizationDetails",
        );
        assert_eq!(denied.code, codes::AWS_REFUSED);
        assert!(
            denied
                .message
                .contains("may not call iam:GetAccountAuthorizationDetails"),
            "{}",
            denied.message
        );
        assert!(denied.message.contains("https://iam.amazonaws.com"));
        assert!(denied
            .notes
            .iter()
            .any(|n| n.contains("User: x is not authorized")));
        let expired = refused(Some("ExpiredToken"), None, "E", "dev", "iam:GetRole");
        assert!(expired.message.contains("expired"), "{}", expired.message);
        assert!(expired
            .help
            .as_deref()
            .is_some_and(|h| h.contains("aws sso login --profile dev")));
        let throttled = refused(
            Some("Throttling"),
            Some("Rate exceeded"),
            "E",
            "default",
            "iam:GetRole",
        );
        assert!(
            throttled.message.contains("throttled"),
            "{}",
            throttled.message
        );
        let other = refused(Some("ServiceFailure"), None, "E", "default", "iam:GetRole");
        assert!(
            other.message.contains("ServiceFailure"),
            "{}",
            other.message
        );
    }

    #[test]
    fn documents_are_decoded_from_url_encoding() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            decode_document(encoded),
            serde_json::json!({"Version": "2012-10-17", "Statement": []})
        );
    }

    #[test]
    fn undecodable_documents_are_kept_as_they_came() {
        assert_eq!(
            decode_document("%7Bnot json"),
            Value::String("%7Bnot json".into())
        );
    }
}
