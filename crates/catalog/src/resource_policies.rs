//! The resources that carry a policy of their own, which AWS evaluates beside the caller's
//! identity policies ("Identity-based policies and resource-based policies", IAM User Guide:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_identity-vs-resource.html>).
//!
//! One row per kind of resource. The language, the checks, the build, the evaluation, the diff
//! and import read the row; adding a service is adding a row (and, for `pull`, the one call
//! that reads its policy).

/// How a statement of the policy names the resource it is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceElement {
    /// By its ARN (and, where `covers` says, the ARNs of what it holds: a bucket's objects).
    Arn,
    /// `"Resource": "*"`, which in this policy means "this resource" (a KMS key policy).
    Star,
    /// No `Resource` element: the policy is the resource's own (an ECR repository policy).
    Omitted,
}

/// How the service stores the policy, which is what the build writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredForm {
    /// One policy document, set as a whole.
    Document,
    /// A list of permissions, each added by `AddPermission` with a statement id: one action, one
    /// principal, and only the conditions `AddPermission` takes (a Lambda function policy; Lambda
    /// has since added `PutResourcePolicy`, which takes a whole document, denies included:
    /// iamdsl writes the `AddPermission` form, which every account and tool reads).
    Permissions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourcePolicyKind {
    /// The service prefix and resource type of the constructor that names such a resource:
    /// `s3.bucket(…)`.
    pub service: &'static str,
    pub resource_type: &'static str,
    /// Resource types of the same service that the policy may name besides the resource itself:
    /// a bucket policy names the bucket's objects.
    pub covers: &'static [&'static str],
    /// What AWS calls the policy: "bucket policy".
    pub label: &'static str,
    pub resource_element: ResourceElement,
    pub stored: StoredForm,
    /// Whether the policy must allow a request even from the resource's own account (a KMS key
    /// policy: <https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html>, "Every
    /// KMS key must have exactly one key policy … no AWS principal has any permissions to a KMS
    /// key unless explicitly allowed by the key policy" or by IAM policies the key policy
    /// delegates to).
    pub required_in_account: bool,
    /// Whether the policy may hold `Deny` statements (`AddPermission` only adds allows).
    pub denies: bool,
    /// Whether the document carries a policy `Id` (Amazon SNS asks each topic policy for one).
    pub policy_id: bool,
    /// The setting under `[quotas]` that holds the size quota, AWS's default for it, whether AWS
    /// counts white space, and where AWS documents it.
    pub quota_setting: &'static str,
    pub quota: usize,
    pub quota_counts_whitespace: bool,
    pub quota_source: &'static str,
    /// What AWS adds to the name in the resource's ARN, as a pattern: a secret's ARN ends in
    /// `-` and six random characters (<https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources>).
    pub arn_suffix: &'static str,
    /// The API calls that read, write and delete the policy.
    pub read_api: &'static str,
    pub write_api: &'static str,
    pub delete_api: &'static str,
}

impl ResourcePolicyKind {
    /// `s3.bucket`: how the language and the state file name the kind.
    pub fn key(&self) -> String {
        format!("{}.{}", self.service, self.resource_type)
    }

    /// `arn` without what AWS adds to the name (a secret's `-AbCdEf`, or the pattern `-??????`
    /// that stands for it in source); `arn` itself for kinds that add nothing.
    pub fn base_arn<'a>(&self, arn: &'a str) -> &'a str {
        let n = self.arn_suffix.len();
        let Some(cut) = arn.len().checked_sub(n).filter(|_| n > 0) else {
            return arn;
        };
        let Some(tail) = arn.get(cut..) else {
            return arn;
        };
        let concrete =
            tail.starts_with('-') && tail[1..].bytes().all(|b| b.is_ascii_alphanumeric());
        if tail == self.arn_suffix || concrete {
            &arn[..cut]
        } else {
            arn
        }
    }
}

/// An ARN without the suffix AWS adds to the name, for the kinds whose ARNs have one (the row's
/// `arn_suffix`); `None` when the ARN is of no such kind or has no suffix.
pub fn without_arn_suffix(arn: &str) -> Option<&str> {
    RESOURCE_POLICY_KINDS
        .iter()
        .filter(|k| !k.arn_suffix.is_empty())
        .filter(|k| {
            arn.contains(&format!(":{}:", k.service))
                && arn.contains(&format!(":{}:", k.resource_type))
        })
        .map(|k| k.base_arn(arn))
        .find(|base| base.len() < arn.len())
}

/// Every kind of resource whose policy iamdsl writes and evaluates.
pub static RESOURCE_POLICY_KINDS: &[ResourcePolicyKind] = &[
    ResourcePolicyKind {
        service: "s3",
        resource_type: "bucket",
        covers: &["object"],
        label: "bucket policy",
        resource_element: ResourceElement::Arn,
        stored: StoredForm::Document,
        required_in_account: false,
        denies: true,
        policy_id: false,
        // "Bucket policies are limited to 20 KB in size." AWS does not say whether white space
        // counts: iamdsl sends and measures the compact form.
        quota_setting: "bucket_policy_size",
        quota: 20_480,
        quota_counts_whitespace: true,
        quota_source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html",
        arn_suffix: "",
        read_api: "s3:GetBucketPolicy",
        write_api: "s3:PutBucketPolicy",
        delete_api: "s3:DeleteBucketPolicy",
    },
    ResourcePolicyKind {
        service: "kms",
        resource_type: "key",
        covers: &[],
        label: "key policy",
        resource_element: ResourceElement::Star,
        stored: StoredForm::Document,
        required_in_account: true,
        denies: true,
        policy_id: false,
        // "Key policy document size: 32 KB (32,768 bytes)".
        quota_setting: "key_policy_size",
        quota: 32_768,
        quota_counts_whitespace: true,
        quota_source: "https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html",
        arn_suffix: "",
        read_api: "kms:GetKeyPolicy",
        write_api: "kms:PutKeyPolicy",
        delete_api: "",
    },
    ResourcePolicyKind {
        service: "sqs",
        resource_type: "queue",
        covers: &[],
        label: "queue policy",
        resource_element: ResourceElement::Arn,
        stored: StoredForm::Document,
        required_in_account: false,
        denies: true,
        policy_id: false,
        // "Bytes: 8,192" (Amazon SQS policy quotas).
        quota_setting: "queue_policy_size",
        quota: 8_192,
        quota_counts_whitespace: true,
        quota_source:
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html",
        arn_suffix: "",
        read_api: "sqs:GetQueueAttributes",
        write_api: "sqs:SetQueueAttributes",
        delete_api: "sqs:SetQueueAttributes",
    },
    ResourcePolicyKind {
        service: "sns",
        resource_type: "topic",
        covers: &[],
        label: "topic policy",
        resource_element: ResourceElement::Arn,
        stored: StoredForm::Document,
        required_in_account: false,
        denies: true,
        policy_id: true,
        // "Bytes: 30 kb" (read as 30,000, the safe side); "Each policy must have a unique
        // policy Id".
        quota_setting: "topic_policy_size",
        quota: 30_000,
        quota_counts_whitespace: true,
        quota_source:
            "https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html",
        arn_suffix: "",
        read_api: "sns:GetTopicAttributes",
        write_api: "sns:SetTopicAttributes",
        delete_api: "sns:SetTopicAttributes",
    },
    ResourcePolicyKind {
        service: "lambda",
        resource_type: "function",
        covers: &[],
        label: "function policy",
        resource_element: ResourceElement::Arn,
        stored: StoredForm::Permissions,
        required_in_account: false,
        denies: false,
        policy_id: false,
        // "Function resource-based policy: 20 KB".
        quota_setting: "function_policy_size",
        quota: 20_480,
        quota_counts_whitespace: true,
        quota_source: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
        arn_suffix: "",
        read_api: "lambda:GetPolicy",
        write_api: "lambda:AddPermission",
        delete_api: "lambda:RemovePermission",
    },
    ResourcePolicyKind {
        service: "secretsmanager",
        resource_type: "secret",
        covers: &[],
        label: "secret policy",
        resource_element: ResourceElement::Star,
        stored: StoredForm::Document,
        required_in_account: false,
        denies: true,
        policy_id: false,
        // "Resource-based policy length: 20,480 characters".
        quota_setting: "secret_policy_size",
        quota: 20_480,
        quota_counts_whitespace: true,
        quota_source: "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html",
        arn_suffix: "-??????",
        read_api: "secretsmanager:GetResourcePolicy",
        write_api: "secretsmanager:PutResourcePolicy",
        delete_api: "secretsmanager:DeleteResourcePolicy",
    },
    ResourcePolicyKind {
        service: "ecr",
        resource_type: "repository",
        covers: &[],
        label: "repository policy",
        // AWS's current examples write `"Resource": "*"`; older ones leave it out (both read).
        resource_element: ResourceElement::Star,
        stored: StoredForm::Document,
        required_in_account: false,
        denies: true,
        policy_id: false,
        // SetRepositoryPolicy's `policyText`: at most 10,240 characters.
        quota_setting: "repository_policy_size",
        quota: 10_240,
        quota_counts_whitespace: true,
        quota_source: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_SetRepositoryPolicy.html",
        arn_suffix: "",
        read_api: "ecr:GetRepositoryPolicy",
        write_api: "ecr:SetRepositoryPolicy",
        delete_api: "ecr:DeleteRepositoryPolicy",
    },
];

/// The kind of a constructor, `s3` and `bucket`.
pub fn resource_policy_kind(
    service: &str,
    resource_type: &str,
) -> Option<&'static ResourcePolicyKind> {
    RESOURCE_POLICY_KINDS
        .iter()
        .find(|k| k.service == service && k.resource_type == resource_type)
}

/// The kind by its key, `s3.bucket`.
pub fn resource_policy_kind_by_key(key: &str) -> Option<&'static ResourcePolicyKind> {
    let (service, resource_type) = key.split_once('.')?;
    resource_policy_kind(service, resource_type)
}
