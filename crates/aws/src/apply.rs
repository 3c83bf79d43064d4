//! The calls of a plan, made through the AWS SDK: one connection for the whole apply, one call
//! at a time, in the plan's order. A call that IAM rejects only because it does not show yet
//! what the same apply created (IAM is eventually consistent: "changes … take time to become
//! visible", <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency>)
//! is retried with growing pauses within a bound; any other error stops the apply.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_iam::error::SdkError;
use aws_sdk_iam::types;
use iamdsl_diagnostics::{codes, Diagnostic};
use iamdsl_plan::{Call, Holding, Tag};

use crate::resources::{region_of_constraint, s3_client, Refusal};
use crate::{Connection, Pulled};

/// Who the credentials are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account: String,
    pub arn: String,
}

/// One connection to AWS for the length of a command: its runtime, configuration and clients.
pub struct Session {
    runtime: tokio::runtime::Runtime,
    config: aws_config::SdkConfig,
    connection: Connection,
    iam: aws_sdk_iam::Client,
    /// What this apply created, by the name IAM answers `NoSuchEntity` about: a call naming one
    /// of them that IAM says does not exist is waiting for IAM to catch up, not wrong.
    created: BTreeSet<String>,
}

/// How a call ended after its retries.
pub enum Outcome {
    Done,
    Failed(Diagnostic),
}

impl Session {
    pub fn open(connection: &Connection) -> Result<Session, Diagnostic> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Diagnostic::error(codes::AWS_UNREACHABLE, "cannot start the AWS client")
                    .with_note(e.to_string())
            })?;
        let config = runtime.block_on(crate::sdk_config(connection));
        let iam = aws_sdk_iam::Client::new(&config);
        Ok(Session {
            runtime,
            config,
            connection: connection.clone(),
            iam,
            created: BTreeSet::new(),
        })
    }

    /// `sts:GetCallerIdentity`: the account the credentials act in.
    pub fn caller(&self) -> Result<Caller, Diagnostic> {
        let answer = self.runtime.block_on(
            aws_sdk_sts::Client::new(&self.config)
                .get_caller_identity()
                .send(),
        );
        let identity =
            answer.map_err(|e| crate::failure(&e, &self.connection, "sts:GetCallerIdentity"))?;
        match (identity.account(), identity.arn()) {
            (Some(account), Some(arn)) => Ok(Caller {
                account: account.to_string(),
                arn: arn.to_string(),
            }),
            _ => Err(Diagnostic::error(
                codes::AWS_REFUSED,
                "STS answered GetCallerIdentity without an account or an ARN",
            )
            .with_help("check that `--endpoint-url` is an AWS endpoint")),
        }
    }

    /// The account's whole state, as `iamdsl pull` reads it.
    pub fn pull(&self) -> Result<Pulled, Diagnostic> {
        self.runtime
            .block_on(crate::pull_with(&self.config, &self.connection))
    }

    /// Makes one call, retrying within `wait` while IAM does not show yet what this apply
    /// created; `waiting` is told of each pause (the attempt, the pause).
    pub fn run(
        &mut self,
        call: &Call,
        wait: Duration,
        waiting: &mut dyn FnMut(u32, Duration),
    ) -> Outcome {
        let started = Instant::now();
        let mut pause = Duration::from_millis(500);
        let mut attempt = 1;
        loop {
            let result = self.runtime.block_on(self.send(call));
            let refusal = match result {
                Ok(()) => {
                    self.created.extend(created_name(call));
                    return Outcome::Done;
                }
                Err(refusal) => refusal,
            };
            let retry = self.not_visible_yet(call, &refusal);
            if !retry || started.elapsed() + pause > wait {
                return Outcome::Failed(self.refused(call, &refusal, retry, started.elapsed()));
            }
            waiting(attempt, pause);
            std::thread::sleep(pause);
            attempt += 1;
            pause = (pause * 2).min(Duration::from_secs(8));
        }
    }

    /// After an apply, each role it created is read back (`iam:GetRole`), waiting as calls do.
    pub fn read_back_role(&self, role_name: &str, wait: Duration) -> Result<(), Diagnostic> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(500);
        loop {
            let answer = self
                .runtime
                .block_on(self.iam.get_role().role_name(role_name).send());
            match answer {
                Ok(_) => return Ok(()),
                Err(error) => {
                    let refusal = Refusal::from_sdk(&error);
                    if refusal.code.as_deref() != Some("NoSuchEntity")
                        || started.elapsed() + pause > wait
                    {
                        return Err(Diagnostic::error(
                            codes::APPLY_FAILED,
                            format!(
                                "the role `{role_name}` that apply created cannot be read back"
                            ),
                        )
                        .with_note(refusal.said)
                        .with_help("run `iamdsl diff --live` to see the account as it is"));
                    }
                }
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(8));
        }
    }

    /// Whether IAM rejected the call only for not showing yet a principal or entity that this
    /// apply created: a policy naming a new principal ("Invalid principal"), or a call on a new
    /// entity answered `NoSuchEntity`.
    fn not_visible_yet(&self, call: &Call, refusal: &Refusal) -> bool {
        let said = refusal.said.to_ascii_lowercase();
        if said.contains("invalid principal") || said.contains("principal not found") {
            return !self.created.is_empty();
        }
        let missing = matches!(
            refusal.code.as_deref(),
            Some("NoSuchEntity" | "NoSuchEntityException")
        );
        // IAM's message names what it did not find ("The role with name deployer cannot be
        // found", "Policy arn:…:policy/base was not found"): only that being new is waited for.
        missing
            && names(call).iter().any(|n| {
                let named = n.strip_prefix("policy").unwrap_or(n);
                self.created.contains(n) && refusal.said.contains(named)
            })
    }

    fn refused(
        &self,
        call: &Call,
        refusal: &Refusal,
        waited: bool,
        elapsed: Duration,
    ) -> Diagnostic {
        let mut diagnostic =
            Diagnostic::error(codes::APPLY_FAILED, format!("AWS refused {}", call.line()))
                .with_note(format!("AWS answered {}", refusal.said));
        if waited {
            diagnostic = diagnostic.with_note(format!(
                "retried for {:.1} s while IAM might not show yet what this apply created",
                elapsed.as_secs_f64()
            ));
        }
        let help = match (call, refusal.code.as_deref()) {
            (Call::DeleteUser { .. }, Some("DeleteConflict")) => {
                "the user still has credentials (a password, access keys, MFA devices, SSH keys or certificates): iamdsl never deletes a credential; remove them yourself, then plan and apply again"
            }
            (_, Some("AccessDenied" | "AccessDeniedException")) => {
                "allow the call to the identity that applies (see the note), then plan and apply again"
            }
            _ => "fix the cause, then plan and apply again (`iamdsl apply PATH --live`): a new plan starts from the account as it is now and completes what is left",
        };
        diagnostic.with_help(help)
    }

    async fn send(&self, call: &Call) -> Result<(), Refusal> {
        let iam = &self.iam;
        match call.clone() {
            Call::CreatePolicy {
                policy_name,
                path,
                description,
                policy_document,
                tags,
            } => done(
                iam.create_policy()
                    .policy_name(policy_name)
                    .path(path)
                    .set_description(description)
                    .policy_document(policy_document)
                    .set_tags(sdk_tags(&tags))
                    .send()
                    .await,
            ),
            Call::CreatePolicyVersion {
                policy_arn,
                policy_document,
            } => done(
                iam.create_policy_version()
                    .policy_arn(policy_arn)
                    .policy_document(policy_document)
                    .set_as_default(true)
                    .send()
                    .await,
            ),
            Call::DeletePolicyVersion {
                policy_arn,
                version_id,
            } => done(
                iam.delete_policy_version()
                    .policy_arn(policy_arn)
                    .version_id(version_id)
                    .send()
                    .await,
            ),
            Call::TagPolicy { policy_arn, tags } => done(
                iam.tag_policy()
                    .policy_arn(policy_arn)
                    .set_tags(sdk_tags(&tags))
                    .send()
                    .await,
            ),
            Call::UntagPolicy {
                policy_arn,
                tag_keys,
            } => done(
                iam.untag_policy()
                    .policy_arn(policy_arn)
                    .set_tag_keys(Some(tag_keys))
                    .send()
                    .await,
            ),
            Call::DeletePolicy { policy_arn } => {
                done(iam.delete_policy().policy_arn(policy_arn).send().await)
            }
            Call::CreateGroup { group_name, path } => done(
                iam.create_group()
                    .group_name(group_name)
                    .path(path)
                    .send()
                    .await,
            ),
            Call::UpdateGroup {
                group_name,
                new_path,
            } => done(
                iam.update_group()
                    .group_name(group_name)
                    .new_path(new_path)
                    .send()
                    .await,
            ),
            Call::PutGroupPolicy {
                group_name,
                policy_name,
                policy_document,
            } => done(
                iam.put_group_policy()
                    .group_name(group_name)
                    .policy_name(policy_name)
                    .policy_document(policy_document)
                    .send()
                    .await,
            ),
            Call::DeleteGroupPolicy {
                group_name,
                policy_name,
            } => done(
                iam.delete_group_policy()
                    .group_name(group_name)
                    .policy_name(policy_name)
                    .send()
                    .await,
            ),
            Call::AttachGroupPolicy {
                group_name,
                policy_arn,
            } => done(
                iam.attach_group_policy()
                    .group_name(group_name)
                    .policy_arn(policy_arn)
                    .send()
                    .await,
            ),
            Call::DetachGroupPolicy {
                group_name,
                policy_arn,
            } => done(
                iam.detach_group_policy()
                    .group_name(group_name)
                    .policy_arn(policy_arn)
                    .send()
                    .await,
            ),
            Call::DeleteGroup { group_name } => {
                done(iam.delete_group().group_name(group_name).send().await)
            }
            Call::CreateUser {
                user_name,
                path,
                permissions_boundary,
                tags,
            } => done(
                iam.create_user()
                    .user_name(user_name)
                    .path(path)
                    .set_permissions_boundary(permissions_boundary)
                    .set_tags(sdk_tags(&tags))
                    .send()
                    .await,
            ),
            Call::UpdateUser {
                user_name,
                new_path,
            } => done(
                iam.update_user()
                    .user_name(user_name)
                    .new_path(new_path)
                    .send()
                    .await,
            ),
            Call::PutUserPolicy {
                user_name,
                policy_name,
                policy_document,
            } => done(
                iam.put_user_policy()
                    .user_name(user_name)
                    .policy_name(policy_name)
                    .policy_document(policy_document)
                    .send()
                    .await,
            ),
            Call::DeleteUserPolicy {
                user_name,
                policy_name,
            } => done(
                iam.delete_user_policy()
                    .user_name(user_name)
                    .policy_name(policy_name)
                    .send()
                    .await,
            ),
            Call::AttachUserPolicy {
                user_name,
                policy_arn,
            } => done(
                iam.attach_user_policy()
                    .user_name(user_name)
                    .policy_arn(policy_arn)
                    .send()
                    .await,
            ),
            Call::DetachUserPolicy {
                user_name,
                policy_arn,
            } => done(
                iam.detach_user_policy()
                    .user_name(user_name)
                    .policy_arn(policy_arn)
                    .send()
                    .await,
            ),
            Call::PutUserPermissionsBoundary {
                user_name,
                permissions_boundary,
            } => done(
                iam.put_user_permissions_boundary()
                    .user_name(user_name)
                    .permissions_boundary(permissions_boundary)
                    .send()
                    .await,
            ),
            Call::DeleteUserPermissionsBoundary { user_name } => done(
                iam.delete_user_permissions_boundary()
                    .user_name(user_name)
                    .send()
                    .await,
            ),
            Call::TagUser { user_name, tags } => done(
                iam.tag_user()
                    .user_name(user_name)
                    .set_tags(sdk_tags(&tags))
                    .send()
                    .await,
            ),
            Call::UntagUser {
                user_name,
                tag_keys,
            } => done(
                iam.untag_user()
                    .user_name(user_name)
                    .set_tag_keys(Some(tag_keys))
                    .send()
                    .await,
            ),
            Call::AddUserToGroup {
                user_name,
                group_name,
            } => done(
                iam.add_user_to_group()
                    .user_name(user_name)
                    .group_name(group_name)
                    .send()
                    .await,
            ),
            Call::RemoveUserFromGroup {
                user_name,
                group_name,
            } => done(
                iam.remove_user_from_group()
                    .user_name(user_name)
                    .group_name(group_name)
                    .send()
                    .await,
            ),
            Call::DeleteUser { user_name } => {
                done(iam.delete_user().user_name(user_name).send().await)
            }
            Call::CreateRole {
                role_name,
                path,
                assume_role_policy_document,
                description,
                max_session_duration,
                permissions_boundary,
                tags,
            } => done(
                iam.create_role()
                    .role_name(role_name)
                    .path(path)
                    .assume_role_policy_document(assume_role_policy_document)
                    .set_description(description)
                    .set_max_session_duration(seconds(max_session_duration))
                    .set_permissions_boundary(permissions_boundary)
                    .set_tags(sdk_tags(&tags))
                    .send()
                    .await,
            ),
            Call::UpdateAssumeRolePolicy {
                role_name,
                policy_document,
            } => done(
                iam.update_assume_role_policy()
                    .role_name(role_name)
                    .policy_document(policy_document)
                    .send()
                    .await,
            ),
            Call::UpdateRole {
                role_name,
                description,
                max_session_duration,
            } => done(
                iam.update_role()
                    .role_name(role_name)
                    .set_description(description)
                    .set_max_session_duration(seconds(max_session_duration))
                    .send()
                    .await,
            ),
            Call::PutRolePolicy {
                role_name,
                policy_name,
                policy_document,
            } => done(
                iam.put_role_policy()
                    .role_name(role_name)
                    .policy_name(policy_name)
                    .policy_document(policy_document)
                    .send()
                    .await,
            ),
            Call::DeleteRolePolicy {
                role_name,
                policy_name,
            } => done(
                iam.delete_role_policy()
                    .role_name(role_name)
                    .policy_name(policy_name)
                    .send()
                    .await,
            ),
            Call::AttachRolePolicy {
                role_name,
                policy_arn,
            } => done(
                iam.attach_role_policy()
                    .role_name(role_name)
                    .policy_arn(policy_arn)
                    .send()
                    .await,
            ),
            Call::DetachRolePolicy {
                role_name,
                policy_arn,
            } => done(
                iam.detach_role_policy()
                    .role_name(role_name)
                    .policy_arn(policy_arn)
                    .send()
                    .await,
            ),
            Call::PutRolePermissionsBoundary {
                role_name,
                permissions_boundary,
            } => done(
                iam.put_role_permissions_boundary()
                    .role_name(role_name)
                    .permissions_boundary(permissions_boundary)
                    .send()
                    .await,
            ),
            Call::DeleteRolePermissionsBoundary { role_name } => done(
                iam.delete_role_permissions_boundary()
                    .role_name(role_name)
                    .send()
                    .await,
            ),
            Call::TagRole { role_name, tags } => done(
                iam.tag_role()
                    .role_name(role_name)
                    .set_tags(sdk_tags(&tags))
                    .send()
                    .await,
            ),
            Call::UntagRole {
                role_name,
                tag_keys,
            } => done(
                iam.untag_role()
                    .role_name(role_name)
                    .set_tag_keys(Some(tag_keys))
                    .send()
                    .await,
            ),
            Call::CreateInstanceProfile {
                instance_profile_name,
                path,
            } => done(
                iam.create_instance_profile()
                    .instance_profile_name(instance_profile_name)
                    .path(path)
                    .send()
                    .await,
            ),
            Call::AddRoleToInstanceProfile {
                instance_profile_name,
                role_name,
            } => done(
                iam.add_role_to_instance_profile()
                    .instance_profile_name(instance_profile_name)
                    .role_name(role_name)
                    .send()
                    .await,
            ),
            Call::RemoveRoleFromInstanceProfile {
                instance_profile_name,
                role_name,
            } => done(
                iam.remove_role_from_instance_profile()
                    .instance_profile_name(instance_profile_name)
                    .role_name(role_name)
                    .send()
                    .await,
            ),
            Call::DeleteInstanceProfile {
                instance_profile_name,
            } => done(
                iam.delete_instance_profile()
                    .instance_profile_name(instance_profile_name)
                    .send()
                    .await,
            ),
            Call::DeleteRole { role_name } => {
                done(iam.delete_role().role_name(role_name).send().await)
            }
            Call::PutResourcePolicy {
                kind,
                resource_name,
                resource_arn,
                policy_document,
            } => {
                self.resource_policy(&kind, &resource_name, &resource_arn, Some(policy_document))
                    .await
            }
            Call::DeleteResourcePolicy {
                kind,
                resource_name,
                resource_arn,
            } => {
                self.resource_policy(&kind, &resource_name, &resource_arn, None)
                    .await
            }
        }
    }

    /// A resource's policy, written (or, with `None`, removed) with its service's call: the
    /// row of `iamdsl_catalog::resource_policies` for `kind` names it.
    async fn resource_policy(
        &self,
        kind: &str,
        name: &str,
        arn: &str,
        document: Option<String>,
    ) -> Result<(), Refusal> {
        let config = &self.config;
        match kind {
            "s3.bucket" => {
                let path_style = self.connection.endpoint_url.is_some();
                let home = config
                    .region()
                    .map_or_else(|| crate::FALLBACK_REGION.to_string(), |r| r.to_string());
                // A bucket's policy is written in the bucket's region.
                let located = s3_client(config, path_style, &home)
                    .get_bucket_location()
                    .bucket(name)
                    .send()
                    .await
                    .map_err(|e| Refusal::from_sdk(&e))?;
                let region =
                    region_of_constraint(located.location_constraint().map(|c| c.as_str()));
                let client = s3_client(config, path_style, &region);
                match document {
                    Some(policy) => done(
                        client
                            .put_bucket_policy()
                            .bucket(name)
                            .policy(policy)
                            .send()
                            .await,
                    ),
                    None => done(client.delete_bucket_policy().bucket(name).send().await),
                }
            }
            "kms.key" => match document {
                Some(policy) => done(
                    aws_sdk_kms::Client::new(config)
                        .put_key_policy()
                        .key_id(name)
                        .policy_name("default")
                        .policy(policy)
                        .send()
                        .await,
                ),
                None => Err(Refusal::unsupported("a KMS key always has a key policy")),
            },
            "sqs.queue" => {
                let client = aws_sdk_sqs::Client::new(config);
                let url = client
                    .get_queue_url()
                    .queue_name(name)
                    .send()
                    .await
                    .map_err(|e| Refusal::from_sdk(&e))?;
                let url = url.queue_url().unwrap_or_default().to_string();
                done(
                    client
                        .set_queue_attributes()
                        .queue_url(url)
                        .attributes(
                            aws_sdk_sqs::types::QueueAttributeName::Policy,
                            document.unwrap_or_default(),
                        )
                        .send()
                        .await,
                )
            }
            "sns.topic" => done(
                aws_sdk_sns::Client::new(config)
                    .set_topic_attributes()
                    .topic_arn(arn)
                    .attribute_name("Policy")
                    .set_attribute_value(document)
                    .send()
                    .await,
            ),
            "secretsmanager.secret" => {
                let client = aws_sdk_secretsmanager::Client::new(config);
                match document {
                    Some(policy) => done(
                        client
                            .put_resource_policy()
                            .secret_id(arn)
                            .resource_policy(policy)
                            .send()
                            .await,
                    ),
                    None => done(client.delete_resource_policy().secret_id(arn).send().await),
                }
            }
            "ecr.repository" => {
                let client = aws_sdk_ecr::Client::new(config);
                match document {
                    Some(policy) => done(
                        client
                            .set_repository_policy()
                            .repository_name(name)
                            .policy_text(policy)
                            .send()
                            .await,
                    ),
                    None => done(
                        client
                            .delete_repository_policy()
                            .repository_name(name)
                            .send()
                            .await,
                    ),
                }
            }
            "lambda.function" => lambda_permissions(config, name, document.as_deref()).await,
            other => Err(Refusal::unsupported(&format!(
                "`iamdsl apply` does not write the policy of a {other} yet"
            ))),
        }
    }
}

/// A Lambda function's policy is a list of permissions, each added by `AddPermission` under its
/// statement id and removed by `RemovePermission`
/// (<https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html>): those
/// the function has and the build does not are removed, those the build has and the function
/// does not are added (a statement changed under the same id is removed, then added).
async fn lambda_permissions(
    config: &aws_config::SdkConfig,
    function: &str,
    document: Option<&str>,
) -> Result<(), Refusal> {
    let client = aws_sdk_lambda::Client::new(config);
    let current = match client.get_policy().function_name(function).send().await {
        Ok(answer) => answer.policy().map(statements_of).unwrap_or_default(),
        Err(error) => {
            let refusal = Refusal::from_sdk(&error);
            if refusal.code.as_deref() != Some("ResourceNotFoundException") {
                return Err(refusal);
            }
            Vec::new()
        }
    };
    let wanted = document.map(statements_of).unwrap_or_default();
    let sid = |s: &serde_json::Value| {
        s.get("Sid")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    for statement in &current {
        if wanted.contains(statement) {
            continue;
        }
        let Some(id) = sid(statement) else { continue };
        done(
            client
                .remove_permission()
                .function_name(function)
                .statement_id(id)
                .send()
                .await,
        )?;
    }
    for statement in wanted.iter().filter(|s| !current.contains(s)) {
        let permission = Permission::of(statement)?;
        done(
            client
                .add_permission()
                .function_name(function)
                .set_statement_id(sid(statement))
                .action(permission.action)
                .principal(permission.principal)
                .set_source_arn(permission.source_arn)
                .set_source_account(permission.source_account)
                .set_principal_org_id(permission.principal_org_id)
                .set_event_source_token(permission.event_source_token)
                .set_function_url_auth_type(
                    permission
                        .function_url_auth_type
                        .map(|t| aws_sdk_lambda::types::FunctionUrlAuthType::from(t.as_str())),
                )
                .send()
                .await,
        )?;
    }
    Ok(())
}

/// A policy's statements as JSON values, each value a list (Lambda writes a single value as a
/// string, the build as a list of one), so that a statement the build and the function both
/// hold compares equal and is left alone.
fn statements_of(text: &str) -> Vec<serde_json::Value> {
    use serde_json::Value;
    fn listed(value: &Value) -> Value {
        match value {
            Value::String(_) => Value::Array(vec![value.clone()]),
            Value::Object(fields) => {
                Value::Object(fields.iter().map(|(k, v)| (k.clone(), listed(v))).collect())
            }
            other => other.clone(),
        }
    }
    let statements = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("Statement").cloned())
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    statements
        .iter()
        .map(|statement| {
            let Value::Object(fields) = statement else {
                return statement.clone();
            };
            Value::Object(
                fields
                    .iter()
                    .map(|(key, value)| match key.as_str() {
                        "Sid" | "Effect" => (key.clone(), value.clone()),
                        _ => (key.clone(), listed(value)),
                    })
                    .collect(),
            )
        })
        .collect()
}

/// What `AddPermission` takes of one statement: one action, one principal, and the conditions
/// it has parameters for.
struct Permission {
    action: String,
    principal: String,
    source_arn: Option<String>,
    source_account: Option<String>,
    principal_org_id: Option<String>,
    event_source_token: Option<String>,
    function_url_auth_type: Option<String>,
}

impl Permission {
    fn of(statement: &serde_json::Value) -> Result<Permission, Refusal> {
        use serde_json::Value;
        let one = |value: Option<&Value>| -> Option<String> {
            match value? {
                Value::String(s) => Some(s.clone()),
                Value::Array(items) if items.len() == 1 => items[0].as_str().map(str::to_string),
                _ => None,
            }
        };
        let cannot = |what: &str| {
            Refusal::unsupported(&format!(
                "AddPermission cannot express {what} of the function policy statement {statement}"
            ))
        };
        let action = one(statement.get("Action")).ok_or_else(|| cannot("the actions"))?;
        let principal = statement
            .get("Principal")
            .and_then(Value::as_object)
            .and_then(|p| p.values().next())
            .and_then(|v| one(Some(v)))
            .ok_or_else(|| cannot("the principal"))?;
        let mut permission = Permission {
            action,
            principal,
            source_arn: None,
            source_account: None,
            principal_org_id: None,
            event_source_token: None,
            function_url_auth_type: None,
        };
        let conditions = statement.get("Condition").and_then(Value::as_object);
        for (_operator, keys) in conditions.into_iter().flatten() {
            for (key, value) in keys.as_object().into_iter().flatten() {
                let value =
                    one(Some(value)).ok_or_else(|| cannot("a condition with several values"))?;
                let slot = match key.to_ascii_lowercase().as_str() {
                    "aws:sourcearn" => &mut permission.source_arn,
                    "aws:sourceaccount" => &mut permission.source_account,
                    "aws:principalorgid" => &mut permission.principal_org_id,
                    "lambda:eventsourcetoken" => &mut permission.event_source_token,
                    "lambda:functionurlauthtype" => &mut permission.function_url_auth_type,
                    _ => return Err(cannot(&format!("the condition on `{key}`"))),
                };
                *slot = Some(value);
            }
        }
        Ok(permission)
    }
}

fn done<O, E, R>(result: Result<O, SdkError<E, R>>) -> Result<(), Refusal>
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    result.map(|_| ()).map_err(|e| Refusal::from_sdk(&e))
}

fn seconds(value: Option<u32>) -> Option<i32> {
    value.and_then(|s| i32::try_from(s).ok())
}

fn sdk_tags(tags: &[Tag]) -> Option<Vec<types::Tag>> {
    if tags.is_empty() {
        return None;
    }
    Some(
        tags.iter()
            .filter_map(|t| {
                types::Tag::builder()
                    .key(&t.key)
                    .value(&t.value)
                    .build()
                    .ok()
            })
            .collect(),
    )
}

/// The name a `Create…` call makes: what a later `NoSuchEntity` about it means "not yet".
fn created_name(call: &Call) -> Option<String> {
    match call {
        Call::CreatePolicy {
            policy_name, path, ..
        } => Some(format!("policy{path}{policy_name}")),
        Call::CreateGroup { group_name, .. } => Some(group_name.clone()),
        Call::CreateUser { user_name, .. } => Some(user_name.clone()),
        Call::CreateRole { role_name, .. } => Some(role_name.clone()),
        Call::CreateInstanceProfile {
            instance_profile_name,
            ..
        } => Some(instance_profile_name.clone()),
        _ => None,
    }
}

/// The names a call acts on, as [`created_name`] writes them.
fn names(call: &Call) -> Vec<String> {
    let policy = |arn: &str| {
        arn.split_once(":policy")
            .map(|(_, rest)| format!("policy{rest}"))
            .unwrap_or_default()
    };
    if let Some((_, principal, holding)) = call.holding() {
        let mut out = vec![principal.to_string()];
        if let Holding::Attach { policy_arn }
        | Holding::Detach { policy_arn }
        | Holding::PutBoundary {
            permissions_boundary: policy_arn,
        } = holding
        {
            out.push(policy(policy_arn));
        }
        return out;
    }
    match call {
        Call::CreateUser {
            permissions_boundary: Some(boundary),
            ..
        }
        | Call::CreateRole {
            permissions_boundary: Some(boundary),
            ..
        } => vec![policy(boundary)],
        Call::AddUserToGroup {
            user_name,
            group_name,
        } => vec![user_name.clone(), group_name.clone()],
        Call::AddRoleToInstanceProfile {
            instance_profile_name,
            role_name,
        } => vec![instance_profile_name.clone(), role_name.clone()],
        Call::CreatePolicyVersion { policy_arn, .. } | Call::TagPolicy { policy_arn, .. } => {
            vec![policy(policy_arn)]
        }
        Call::UpdateAssumeRolePolicy { role_name, .. } | Call::UpdateRole { role_name, .. } => {
            vec![role_name.clone()]
        }
        _ => Vec::new(),
    }
}
