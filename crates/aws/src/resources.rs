//! The resource policies of the account: every S3 bucket's, and in the client's region every
//! customer-managed KMS key's, SQS queue's, SNS topic's, Lambda function's, Secrets Manager
//! secret's and ECR repository's, every page of every list. Written as the state's
//! `ResourcePolicies` (docs/state.md), each policy as the service stores it; the policy crate's
//! reader canonicalizes them as it does IAM's documents.
//!
//! A pull never fails here. A resource whose policy cannot be read is recorded as unknown, and a
//! service whose resources cannot be listed is left out; each is a warning that says which, why
//! and what permission it takes.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use futures_util::{stream, StreamExt};
use iamdsl_catalog::resource_policies::{resource_policy_kind_by_key, ResourcePolicyKind};
use iamdsl_diagnostics::{codes, Diagnostic};
use serde_json::{Map, Value};

/// How many reads of one service are in flight at once: enough that thousands of buckets take
/// seconds, few enough that no service throttles.
const CONCURRENT_READS: usize = 8;

/// S3's region for buckets whose location constraint is empty:
/// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html
const S3_DEFAULT_REGION: &str = "us-east-1";

/// The caller's account and where its regional resources are read.
pub struct Scope {
    pub account: String,
    pub partition: String,
    pub region: String,
    /// Whether `--endpoint-url` was given: S3 is then addressed by path (`URL/bucket`), as local
    /// servers and VPC endpoints without DNS for each bucket need.
    pub custom_endpoint: bool,
}

/// What the pull found: the `ResourcePolicies` entries, sorted by kind and name, and the warnings.
#[derive(Default)]
pub struct Found {
    pub resources: Vec<Value>,
    pub warnings: Vec<Diagnostic>,
}

impl Found {
    fn extend(&mut self, other: Found) {
        self.resources.extend(other.resources);
        self.warnings.extend(other.warnings);
    }
}

/// Reads every service's resources, the services at the same time.
pub async fn read(config: &aws_config::SdkConfig, scope: &Scope) -> Found {
    let (s3, kms, sqs, sns, lambda, secrets, ecr) = tokio::join!(
        buckets(config, scope),
        keys(config, scope),
        queues(config, scope),
        topics(config, scope),
        functions(config, scope),
        secrets(config, scope),
        repositories(config, scope),
    );
    let mut found = Found::default();
    for service in [s3, kms, sqs, sns, lambda, secrets, ecr] {
        found.extend(service);
    }
    found.resources.sort_by(|a, b| {
        (a["Kind"].as_str(), a["Name"].as_str()).cmp(&(b["Kind"].as_str(), b["Name"].as_str()))
    });
    found
}

/// A resource as listed, before its policy is read.
struct Listed {
    kind: &'static ResourcePolicyKind,
    name: String,
    arn: String,
    account: String,
}

/// What reading one policy came to.
enum Read {
    /// The policy's text, or `None`: the resource has none.
    Policy(Option<String>),
    /// The resource was deleted between the list and the read: it is not in the account.
    Gone,
    Failed(Refusal),
}

/// Why a call failed, in the service's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The service's error code (`AccessDenied`), when it answered with one.
    pub(crate) code: Option<String>,
    pub(crate) said: String,
    /// Nothing was answered: the endpoint could not be reached or did not answer in time.
    pub(crate) unreachable: bool,
}

impl Refusal {
    /// What iamdsl does not send at all.
    pub(crate) fn unsupported(said: &str) -> Refusal {
        Refusal {
            code: None,
            said: said.to_string(),
            unreachable: false,
        }
    }

    pub(crate) fn from_sdk<E, R>(error: &SdkError<E, R>) -> Refusal
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        let code = error.as_service_error().and_then(|e| e.code());
        let said = match (code, error.as_service_error().and_then(|e| e.message())) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_string(),
            _ => crate::messages(error),
        };
        Refusal {
            code: code.map(str::to_string),
            said,
            unreachable: matches!(
                error,
                SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)
            ),
        }
    }

    fn is_access_denied(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| ACCESS_DENIED.contains(&code) || code.ends_with("AccessDenied"))
    }

    fn diagnostic_code(&self) -> &'static str {
        if self.unreachable {
            codes::AWS_UNREACHABLE
        } else {
            codes::AWS_REFUSED
        }
    }
}

/// The codes AWS services answer a request the caller may not make with (SNS says
/// AuthorizationError; SQS's query protocol, `AWS.SimpleQueueService.AccessDenied`).
const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "AuthorizationError",
    "UnauthorizedOperation",
];

/// Sorts a call's result into a policy, none, gone, or a failure, by the service's error codes
/// for "this resource has no policy" and "this resource does not exist".
fn outcome<E, R>(
    result: Result<Option<String>, SdkError<E, R>>,
    no_policy: &[&str],
    gone: &[&str],
) -> Read
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match result {
        Ok(text) => Read::Policy(text.filter(|t| !t.trim().is_empty())),
        Err(error) => {
            let code = error.as_service_error().and_then(|e| e.code());
            match code {
                Some(code) if no_policy.contains(&code) => Read::Policy(None),
                Some(code) if gone.contains(&code) => Read::Gone,
                _ => Read::Failed(Refusal::from_sdk(&error)),
            }
        }
    }
}

/// The service's name as its documentation writes it.
fn service_label(kind: &ResourcePolicyKind) -> &'static str {
    match kind.service {
        "s3" => "Amazon S3",
        "kms" => "AWS KMS",
        "sqs" => "Amazon SQS",
        "sns" => "Amazon SNS",
        "lambda" => "AWS Lambda",
        "secretsmanager" => "AWS Secrets Manager",
        "ecr" => "Amazon ECR",
        _ => kind.service,
    }
}

/// The warning for a resource whose policy could not be read.
fn unreadable(listed: &Listed, api: &str, refusal: &Refusal) -> Diagnostic {
    let help = if refusal.is_access_denied() {
        format!(
            "allow `{api}` on it to the identity that pulls, or use another `--profile`; until then `explain`, `who-can` and `diff` take its {} as unknown",
            listed.kind.label
        )
    } else {
        format!(
            "run the pull again once it is resolved; until then `explain`, `who-can` and `diff` take its {} as unknown",
            listed.kind.label
        )
    };
    Diagnostic::warning(
        refusal.diagnostic_code(),
        format!(
            "the {} of `{}` could not be read ({api}); the state records it as unknown",
            listed.kind.label, listed.arn
        ),
    )
    .with_note(format!(
        "{} answered {}",
        service_label(listed.kind),
        refusal.said
    ))
    .with_help(help)
}

/// The warning for a service whose resources could not be listed.
fn unlisted(kind: &ResourcePolicyKind, api: &str, region: &str, refusal: &Refusal) -> Diagnostic {
    let what = match kind.service {
        "s3" => "the account's buckets".to_string(),
        _ => format!("the {}s of `{region}`", kind.resource_type),
    };
    let help = if refusal.is_access_denied() {
        format!("allow `{api}` to the identity that pulls, or use another `--profile`")
    } else {
        "run the pull again once it is resolved".to_string()
    };
    Diagnostic::warning(
        refusal.diagnostic_code(),
        format!(
            "{what} could not be listed ({api}); the state holds none of them or their policies"
        ),
    )
    .with_note(format!("{} answered {}", service_label(kind), refusal.said))
    .with_help(help)
}

/// One entry of `ResourcePolicies`. A policy is written as the JSON it is; text that is not
/// JSON is kept as it came, so that nothing is lost and the reader reports it.
fn entry(listed: &Listed, policy: Result<Option<String>, String>) -> Value {
    let mut fields = Map::new();
    fields.insert("Kind".into(), Value::String(listed.kind.key()));
    fields.insert("Name".into(), Value::String(listed.name.clone()));
    fields.insert("Arn".into(), Value::String(listed.arn.clone()));
    fields.insert("Account".into(), Value::String(listed.account.clone()));
    match policy {
        Ok(None) => {
            fields.insert("Policy".into(), Value::Null);
        }
        Ok(Some(text)) => {
            let document = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
            fields.insert("Policy".into(), document);
        }
        Err(why) => {
            fields.insert("PolicyUnknown".into(), Value::String(why));
        }
    }
    Value::Object(fields)
}

/// Records what reading one resource's policy (by `api`) came to.
fn record(found: &mut Found, listed: &Listed, read: Read, api: &str) {
    match read {
        Read::Policy(text) => found.resources.push(entry(listed, Ok(text))),
        Read::Gone => {}
        Read::Failed(refusal) => {
            found.warnings.push(unreadable(listed, api, &refusal));
            found.resources.push(entry(
                listed,
                Err(format!("{api} failed: {}", refusal.said)),
            ));
        }
    }
}

/// Reads the policy of each listed resource, a few at a time, into entries and warnings.
async fn read_each<F, Fut>(listed: Vec<Listed>, api: &str, read: F) -> Found
where
    F: Fn(&Listed) -> Fut,
    Fut: std::future::Future<Output = Read>,
{
    let results: Vec<(Listed, Read)> = stream::iter(listed)
        .map(|item| {
            let pending = read(&item);
            async move { (item, pending.await) }
        })
        .buffered(CONCURRENT_READS)
        .collect()
        .await;
    let mut found = Found::default();
    for (listed, read) in results {
        record(&mut found, &listed, read, api);
    }
    found
}

fn kind(key: &str) -> &'static ResourcePolicyKind {
    match resource_policy_kind_by_key(key) {
        Some(kind) => kind,
        // The keys below are the table's own; a row renamed there fails this crate's tests.
        None => &iamdsl_catalog::resource_policies::RESOURCE_POLICY_KINDS[0],
    }
}

/// The account of an ARN (`arn:aws:sqs:eu-west-1:111111111111:q`), or the caller's.
fn arn_account(arn: &str, scope: &Scope) -> String {
    arn.split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .map_or_else(|| scope.account.clone(), str::to_string)
}

/// A failed list: the warning, and nothing of the service in the state.
fn list_failed<E, R>(key: &str, api: &str, scope: &Scope, error: &SdkError<E, R>) -> Found
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    Found {
        resources: Vec::new(),
        warnings: vec![unlisted(
            kind(key),
            api,
            &scope.region,
            &Refusal::from_sdk(error),
        )],
    }
}

/// S3's region of a bucket from its location constraint: empty is us-east-1, `EU` is the
/// legacy name of eu-west-1.
pub(crate) fn region_of_constraint(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => S3_DEFAULT_REGION.to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(region) => region.to_string(),
    }
}

/// `path_style` where `--endpoint-url` was given: local servers and VPC endpoints without DNS
/// for each bucket are addressed `URL/bucket`.
pub(crate) fn s3_client(
    config: &aws_config::SdkConfig,
    path_style: bool,
    region: &str,
) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(config)
        .region(aws_config::Region::new(region.to_string()))
        .force_path_style(path_style)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// Every bucket of the account, whatever its region (S3 lists them all, and a bucket's name and
/// ARN name no region): each bucket's policy is read in the bucket's region, which ListBuckets
/// gives or else GetBucketLocation.
async fn buckets(config: &aws_config::SdkConfig, scope: &Scope) -> Found {
    const KEY: &str = "s3.bucket";
    let client = s3_client(config, scope.custom_endpoint, &scope.region);
    let mut pages = client.list_buckets().into_paginator().send();
    let mut listed: Vec<(Listed, Option<String>)> = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(error) => return list_failed(KEY, "s3:ListAllMyBuckets", scope, &error),
        };
        for bucket in page.buckets() {
            let Some(name) = bucket.name() else { continue };
            listed.push((
                Listed {
                    kind: kind(KEY),
                    name: name.to_string(),
                    arn: format!("arn:{}:s3:::{name}", scope.partition),
                    account: scope.account.clone(),
                },
                bucket.bucket_region().map(str::to_string),
            ));
        }
    }
    // Where ListBuckets leaves the region out (older S3-compatible servers), ask the bucket.
    let located: Vec<(Listed, Result<String, Read>)> = stream::iter(listed)
        .map(|(bucket, region)| {
            let client = &client;
            async move {
                let region = match region {
                    Some(region) => Ok(region),
                    None => {
                        let answer = client
                            .get_bucket_location()
                            .bucket(&bucket.name)
                            .send()
                            .await;
                        match answer {
                            Ok(location) => Ok(region_of_constraint(
                                location.location_constraint().map(|c| c.as_str()),
                            )),
                            Err(error) => Err(outcome(
                                Err::<Option<String>, _>(error),
                                &[],
                                &["NoSuchBucket"],
                            )),
                        }
                    }
                };
                (bucket, region)
            }
        })
        .buffered(CONCURRENT_READS)
        .collect()
        .await;
    let mut found = Found::default();
    let mut in_region: Vec<(Listed, String)> = Vec::new();
    for (bucket, region) in located {
        match region {
            Ok(region) => in_region.push((bucket, region)),
            Err(read) => record(&mut found, &bucket, read, "s3:GetBucketLocation"),
        }
    }
    let regions: BTreeSet<String> = in_region.iter().map(|(_, r)| r.clone()).collect();
    let clients: BTreeMap<String, aws_sdk_s3::Client> = regions
        .into_iter()
        .map(|region| {
            let client = s3_client(config, scope.custom_endpoint, &region);
            (region, client)
        })
        .collect();
    let regions_of: BTreeMap<String, String> = in_region
        .iter()
        .map(|(b, r)| (b.name.clone(), r.clone()))
        .collect();
    let policies = read_each(
        in_region.into_iter().map(|(b, _)| b).collect(),
        kind(KEY).read_api,
        |bucket| {
            let client = regions_of
                .get(&bucket.name)
                .and_then(|region| clients.get(region))
                .unwrap_or(&client);
            let request = client.get_bucket_policy().bucket(&bucket.name).send();
            async move {
                outcome(
                    request.await.map(|o| o.policy().map(str::to_string)),
                    &["NoSuchBucketPolicy"],
                    &["NoSuchBucket"],
                )
            }
        },
    )
    .await;
    found.extend(policies);
    found
}

/// Every customer-managed key of the region (AWS-managed keys' policies are AWS's).
async fn keys(config: &aws_config::SdkConfig, scope: &Scope) -> Found {
    const KEY: &str = "kms.key";
    let client = aws_sdk_kms::Client::new(config);
    let mut pages = client.list_keys().into_paginator().send();
    let mut ids: Vec<(String, Option<String>)> = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(error) => return list_failed(KEY, "kms:ListKeys", scope, &error),
        };
        for key in page.keys() {
            if let Some(id) = key.key_id() {
                ids.push((id.to_string(), key.key_arn().map(str::to_string)));
            }
        }
    }
    let described: Vec<(Listed, Result<bool, Refusal>)> = stream::iter(ids)
        .map(|(id, arn)| {
            let client = &client;
            async move {
                let arn = arn.unwrap_or_else(|| {
                    format!(
                        "arn:{}:kms:{}:{}:key/{id}",
                        scope.partition, scope.region, scope.account
                    )
                });
                let listed = Listed {
                    kind: kind(KEY),
                    account: arn_account(&arn, scope),
                    name: id.clone(),
                    arn,
                };
                let answer = client.describe_key().key_id(&id).send().await;
                let customer = match answer {
                    Ok(described) => Ok(described.key_metadata().is_some_and(|m| {
                        m.key_manager() == Some(&aws_sdk_kms::types::KeyManagerType::Customer)
                    })),
                    // Deleted since it was listed: not in the account.
                    Err(error) if error.code() == Some("NotFoundException") => Ok(false),
                    Err(error) => Err(Refusal::from_sdk(&error)),
                };
                (listed, customer)
            }
        })
        .buffered(CONCURRENT_READS)
        .collect()
        .await;
    let mut found = Found::default();
    let mut customer_keys = Vec::new();
    for (key, customer) in described {
        match customer {
            Ok(true) => customer_keys.push(key),
            Ok(false) => {}
            Err(refusal) => record(&mut found, &key, Read::Failed(refusal), "kms:DescribeKey"),
        }
    }
    let policies = read_each(customer_keys, kind(KEY).read_api, |key| {
        let request = client
            .get_key_policy()
            .key_id(&key.name)
            .policy_name("default")
            .send();
        async move {
            outcome(
                request.await.map(|o| o.policy().map(str::to_string)),
                &[],
                &["NotFoundException"],
            )
        }
    })
    .await;
    found.extend(policies);
    found
}

/// The codes of a queue that no longer exists, in SQS's JSON and query protocols.
const QUEUE_GONE: &[&str] = &[
    "QueueDoesNotExist",
    "AWS.SimpleQueueService.NonExistentQueue",
];

/// Every queue of the region. ListQueues pages only when asked for a page size.
async fn queues(config: &aws_config::SdkConfig, scope: &Scope) -> Found {
    const KEY: &str = "sqs.queue";
    let client = aws_sdk_sqs::Client::new(config);
    let mut pages = client
        .list_queues()
        .max_results(1000)
        .into_paginator()
        .send();
    let mut urls: Vec<String> = Vec::new();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => urls.extend(page.queue_urls().iter().cloned()),
            Err(error) => return list_failed(KEY, "sqs:ListQueues", scope, &error),
        }
    }
    // The ARN comes with the policy (one GetQueueAttributes call); the entry is written after.
    let answers: Vec<(String, Result<_, _>)> = stream::iter(urls)
        .map(|url| {
            let client = &client;
            async move {
                let answer = client
                    .get_queue_attributes()
                    .queue_url(&url)
                    .attribute_names(aws_sdk_sqs::types::QueueAttributeName::Policy)
                    .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                    .send()
                    .await;
                (url, answer)
            }
        })
        .buffered(CONCURRENT_READS)
        .collect()
        .await;
    let mut found = Found::default();
    for (url, answer) in answers {
        let name = url.rsplit('/').next().unwrap_or(&url).to_string();
        let attribute =
            |answer: &aws_sdk_sqs::operation::get_queue_attributes::GetQueueAttributesOutput,
             which: aws_sdk_sqs::types::QueueAttributeName| {
                answer.attributes().and_then(|a| a.get(&which)).cloned()
            };
        let arn = answer
            .as_ref()
            .ok()
            .and_then(|a| attribute(a, aws_sdk_sqs::types::QueueAttributeName::QueueArn))
            .unwrap_or_else(|| {
                format!(
                    "arn:{}:sqs:{}:{}:{name}",
                    scope.partition, scope.region, scope.account
                )
            });
        let listed = Listed {
            kind: kind(KEY),
            account: arn_account(&arn, scope),
            name,
            arn,
        };
        let read = outcome(
            answer.map(|a| attribute(&a, aws_sdk_sqs::types::QueueAttributeName::Policy)),
            &[],
            QUEUE_GONE,
        );
        record(&mut found, &listed, read, kind(KEY).read_api);
    }
    found
}

/// Every topic of the region.
async fn topics(config: &aws_config::SdkConfig, scope: &Scope) -> Found {
    const KEY: &str = "sns.topic";
    let client = aws_sdk_sns::Client::new(config);
    let mut pages = client.list_topics().into_paginator().send();
    let mut listed = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(error) => return list_failed(KEY, "sns:ListTopics", scope, &error),
        };
        for topic in page.topics() {
            let Some(arn) = topic.topic_arn() else {
                continue;
            };
            listed.push(Listed {
                kind: kind(KEY),
                name: arn.rsplit(':').next().unwrap_or(arn).to_string(),
                account: arn_account(arn, scope),
                arn: arn.to_string(),
            });
        }
    }
    read_each(listed, kind(KEY).read_api, |topic| {
        let request = client.get_topic_attributes().topic_arn(&topic.arn).send();
        async move {
            outcome(
                request
                    .await
                    .map(|o| o.attributes().and_then(|a| a.get("Policy")).cloned()),
                &[],
                &["NotFound"],
            )
        }
    })
    .await
}

/// Every function of the region: the policy of its unqualified ARN (versions and aliases have
/// policies of their own, which the state does not hold).
async fn functions(config: &aws_config::SdkConfig, scope: &Scope) -> Found {
    const KEY: &str = "lambda.function";
    let client = aws_sdk_lambda::Client::new(config);
    let mut pages = client.list_functions().into_paginator().send();
    let mut listed = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(error) => return list_failed(KEY, "lambda:ListFunctions", scope, &error),
        };
        for function in page.functions() {
            let Some(name) = function.function_name() else {
                continue;
            };
            let arn = function.function_arn().map_or_else(
                || {
                    format!(
                        "arn:{}:lambda:{}:{}:function:{name}",
                        scope.partition, scope.region, scope.account
                    )
                },
                str::to_string,
            );
            listed.push(Listed {
                kind: kind(KEY),
                name: name.to_string(),
                account: arn_account(&arn, scope),
                arn,
            });
        }
    }
    read_each(listed, kind(KEY).read_api, |function| {
        let request = client.get_policy().function_name(&function.name).send();
        async move {
            // Lambda answers ResourceNotFoundException for a function without a policy.
            outcome(
                request.await.map(|o| o.policy().map(str::to_string)),
                &["ResourceNotFoundException"],
                &[],
            )
        }
    })
    .await
}

/// Every secret of the region.
async fn secrets(config: &aws_config::SdkConfig, scope: &Scope) -> Found {
    const KEY: &str = "secretsmanager.secret";
    let client = aws_sdk_secretsmanager::Client::new(config);
    let mut pages = client.list_secrets().into_paginator().send();
    let mut listed = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(error) => return list_failed(KEY, "secretsmanager:ListSecrets", scope, &error),
        };
        for secret in page.secret_list() {
            let (Some(name), Some(arn)) = (secret.name(), secret.arn()) else {
                continue;
            };
            listed.push(Listed {
                kind: kind(KEY),
                name: name.to_string(),
                account: arn_account(arn, scope),
                arn: arn.to_string(),
            });
        }
    }
    read_each(listed, kind(KEY).read_api, |secret| {
        let request = client.get_resource_policy().secret_id(&secret.arn).send();
        async move {
            outcome(
                request
                    .await
                    .map(|o| o.resource_policy().map(str::to_string)),
                &[],
                &["ResourceNotFoundException"],
            )
        }
    })
    .await
}

/// Every repository of the region's private registry.
async fn repositories(config: &aws_config::SdkConfig, scope: &Scope) -> Found {
    const KEY: &str = "ecr.repository";
    let client = aws_sdk_ecr::Client::new(config);
    let mut pages = client.describe_repositories().into_paginator().send();
    let mut listed = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(error) => return list_failed(KEY, "ecr:DescribeRepositories", scope, &error),
        };
        for repository in page.repositories() {
            let Some(name) = repository.repository_name() else {
                continue;
            };
            let arn = repository.repository_arn().map_or_else(
                || {
                    format!(
                        "arn:{}:ecr:{}:{}:repository/{name}",
                        scope.partition, scope.region, scope.account
                    )
                },
                str::to_string,
            );
            listed.push(Listed {
                kind: kind(KEY),
                name: name.to_string(),
                account: repository
                    .registry_id()
                    .map_or_else(|| arn_account(&arn, scope), str::to_string),
                arn,
            });
        }
    }
    read_each(listed, kind(KEY).read_api, |repository| {
        let request = client
            .get_repository_policy()
            .repository_name(&repository.name)
            .registry_id(&repository.account)
            .send();
        async move {
            outcome(
                request.await.map(|o| o.policy_text().map(str::to_string)),
                &["RepositoryPolicyNotFoundException"],
                &["RepositoryNotFoundException"],
            )
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn every_kind_pull_reads_is_a_row_of_the_table() {
        for key in [
            "s3.bucket",
            "kms.key",
            "sqs.queue",
            "sns.topic",
            "lambda.function",
            "secretsmanager.secret",
            "ecr.repository",
        ] {
            assert_eq!(kind(key).key(), key);
        }
    }

    #[test]
    fn location_constraints_name_regions() {
        assert_eq!(region_of_constraint(None), "us-east-1");
        assert_eq!(region_of_constraint(Some("")), "us-east-1");
        assert_eq!(region_of_constraint(Some("EU")), "eu-west-1");
        assert_eq!(region_of_constraint(Some("ap-south-1")), "ap-south-1");
    }

    fn bucket() -> Listed {
        Listed {
            kind: kind("s3.bucket"),
            name: "acme-logs".into(),
            arn: "arn:aws:s3:::acme-logs".into(),
            account: "111111111111".into(),
        }
    }

    #[test]
    fn a_denied_read_names_the_resource_and_the_permission() {
        let refusal = Refusal {
            code: Some("AccessDenied".into()),
            said: "AccessDenied: Access Denied".into(),
            unreachable: false,
        };
        let warning = unreadable(&bucket(), "s3:GetBucketPolicy", &refusal);
        assert_eq!(warning.code, codes::AWS_REFUSED);
        assert!(!warning.is_error());
        assert_eq!(
            warning.message,
            "the bucket policy of `arn:aws:s3:::acme-logs` could not be read (s3:GetBucketPolicy); the state records it as unknown"
        );
        assert_eq!(
            warning.notes,
            vec!["Amazon S3 answered AccessDenied: Access Denied"]
        );
        assert!(warning
            .help
            .as_deref()
            .is_some_and(|h| h.starts_with("allow `s3:GetBucketPolicy` on it")));
        // SQS's query protocol and SNS say it in their own words.
        for code in ["AWS.SimpleQueueService.AccessDenied", "AuthorizationError"] {
            let refusal = Refusal {
                code: Some(code.into()),
                ..refusal.clone()
            };
            assert!(refusal.is_access_denied(), "{code}");
        }
    }

    #[test]
    fn a_service_that_cannot_be_listed_is_named_with_its_region() {
        let refusal = Refusal {
            code: None,
            said: "dispatch failure: connection refused".into(),
            unreachable: true,
        };
        let warning = unlisted(kind("sqs.queue"), "sqs:ListQueues", "eu-west-1", &refusal);
        assert_eq!(warning.code, codes::AWS_UNREACHABLE);
        assert_eq!(
            warning.message,
            "the queues of `eu-west-1` could not be listed (sqs:ListQueues); the state holds none of them or their policies"
        );
    }

    #[test]
    fn entries_hold_the_policy_as_json_none_or_why_not() {
        let listed = bucket();
        let with = entry(
            &listed,
            Ok(Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into())),
        );
        assert_eq!(
            with,
            serde_json::json!({
                "Kind": "s3.bucket", "Name": "acme-logs", "Arn": "arn:aws:s3:::acme-logs",
                "Account": "111111111111",
                "Policy": {"Version": "2012-10-17", "Statement": []}
            })
        );
        assert_eq!(entry(&listed, Ok(None))["Policy"], Value::Null);
        let unknown = entry(
            &listed,
            Err("s3:GetBucketPolicy failed: AccessDenied".into()),
        );
        assert_eq!(
            unknown["PolicyUnknown"],
            "s3:GetBucketPolicy failed: AccessDenied"
        );
        assert!(unknown.get("Policy").is_none());
    }
}
