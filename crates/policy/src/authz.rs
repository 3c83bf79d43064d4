//! The shape of `aws iam get-account-authorization-details`: what build writes and what diff
//! reads, so that built and deployed state compare like with like.

use crate::canonical::document_json;
use crate::document::PolicyDocument;
use std::borrow::Cow;

use crate::json::Json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlinePolicy {
    pub name: String,
    pub document: PolicyDocument,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AttachedPolicy {
    pub name: String,
    pub arn: String,
}

impl AttachedPolicy {
    /// From an ARN: the name is its last path segment.
    pub fn from_arn(arn: &str) -> AttachedPolicy {
        AttachedPolicy {
            name: arn.rsplit('/').next().unwrap_or(arn).to_string(),
            arn: arn.to_string(),
        }
    }
}

/// An entity's tags by key. IAM lets no two keys of one entity differ only in case, so the
/// order of keys is the same whichever case they are compared in.
pub type Tags = std::collections::BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDetail {
    pub path: String,
    pub name: String,
    pub arn: String,
    /// Unique id (`AIDA…`); only deployed state has one.
    pub id: Option<String>,
    pub groups: Vec<String>,
    pub inline: Vec<InlinePolicy>,
    pub attached: Vec<AttachedPolicy>,
    pub boundary: Option<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDetail {
    pub path: String,
    pub name: String,
    pub arn: String,
    pub id: Option<String>,
    pub inline: Vec<InlinePolicy>,
    pub attached: Vec<AttachedPolicy>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceProfile {
    pub path: String,
    pub name: String,
    pub arn: String,
}

/// A role's maximum session duration when none is set, in seconds: "the default value of one
/// hour" (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>).
pub const DEFAULT_MAX_SESSION: u32 = 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDetail {
    pub path: String,
    pub name: String,
    pub arn: String,
    pub id: Option<String>,
    pub description: Option<String>,
    pub trust: PolicyDocument,
    pub inline: Vec<InlinePolicy>,
    pub attached: Vec<AttachedPolicy>,
    pub boundary: Option<String>,
    pub instance_profiles: Vec<InstanceProfile>,
    pub max_session: Option<u32>,
    pub tags: Tags,
}

impl RoleDetail {
    /// The session limit, with IAM's default as none: a role declared without one and the same
    /// role read back (IAM shows 3600) are the same.
    pub fn session_limit(&self) -> Option<u32> {
        self.max_session.filter(|s| *s != DEFAULT_MAX_SESSION)
    }

    /// Whether the state shows the role's description: `GetRole` gives it together with the
    /// session limit, which it always gives, so a role with a session limit and no description
    /// has none; `GetAccountAuthorizationDetails` gives neither.
    pub fn shows_description(&self) -> bool {
        self.description.is_some() || self.max_session.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicyDetail {
    pub path: String,
    pub name: String,
    pub arn: String,
    pub id: Option<String>,
    pub description: Option<String>,
    pub document: PolicyDocument,
    /// `None` where the state does not say: `GetAccountAuthorizationDetails` leaves a managed
    /// policy's tags out (`iamdsl pull` reads them with `ListPolicyTags`).
    pub tags: Option<Tags>,
    /// The ids of the versions other than the default, oldest first, as deployed state lists
    /// them (`PolicyVersionList`); a build has none. IAM keeps at most five versions of a
    /// policy, so a plan that adds one may first have to delete the oldest of these.
    pub other_versions: Vec<String>,
}

/// What deployed (or built) state knows of a resource's own policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourcePolicyState {
    /// The resource has no policy.
    Absent,
    Document(PolicyDocument),
    /// The policy could not be read (access denied, say): evaluation must not guess it.
    Unknown(String),
}

/// A resource of the account with its own policy: a bucket, a key, a queue… The kind is a row
/// of `iamdsl_catalog::resource_policies` (`s3.bucket`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePolicyDetail {
    /// `s3.bucket`, `kms.key`, …
    pub kind: String,
    /// The resource's name in its service (the bucket name, the key id, the queue name).
    pub name: String,
    pub arn: String,
    /// The account that owns it: an S3 ARN does not say.
    pub account: String,
    pub policy: ResourcePolicyState,
}

impl ResourcePolicyDetail {
    pub fn document(&self) -> Option<&PolicyDocument> {
        match &self.policy {
            ResourcePolicyState::Document(document) => Some(document),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizationDetails {
    pub users: Vec<UserDetail>,
    pub groups: Vec<GroupDetail>,
    pub roles: Vec<RoleDetail>,
    /// Customer managed policies: entities of the account.
    pub policies: Vec<ManagedPolicyDetail>,
    /// AWS managed policies in use, as deployed state shows them: references, never entities
    /// (not written, not diffed), read only so that evaluation knows what they grant.
    pub aws_managed: Vec<ManagedPolicyDetail>,
    /// Resources of the account with their own policies (iamdsl's addition to AWS's shape:
    /// `ResourcePolicies`, documented in docs/state.md).
    pub resources: Vec<ResourcePolicyDetail>,
    /// The organization the accounts belong to, where the state holds it (read with the
    /// management account's credentials, or built from source); `Unknown` where a pull could
    /// not read it. iamdsl's addition to AWS's shape: `Organization`, in docs/state.md.
    pub organization: Option<crate::organization::OrganizationState>,
}

/// Documents in authorization details are canonical (callers canonicalize what they read).
fn doc(document: &PolicyDocument) -> Json<'_> {
    document_json(document)
}

fn inline_list(inline: &[InlinePolicy]) -> Json<'_> {
    Json::Array(
        inline
            .iter()
            .map(|p| {
                Json::Object(vec![
                    ("PolicyName".into(), Json::str(&p.name)),
                    ("PolicyDocument".into(), doc(&p.document)),
                ])
            })
            .collect(),
    )
}

fn attached_list(attached: &[AttachedPolicy]) -> Json<'_> {
    Json::Array(
        attached
            .iter()
            .map(|p| {
                Json::Object(vec![
                    ("PolicyName".into(), Json::str(&p.name)),
                    ("PolicyArn".into(), Json::str(&p.arn)),
                ])
            })
            .collect(),
    )
}

fn boundary<'a>(fields: &mut Vec<(Cow<'a, str>, Json<'a>)>, arn: &'a Option<String>) {
    if let Some(arn) = arn {
        fields.push((
            "PermissionsBoundary".into(),
            Json::Object(vec![
                ("PermissionsBoundaryType".into(), Json::str("Policy")),
                ("PermissionsBoundaryArn".into(), Json::str(arn)),
            ]),
        ));
    }
}

/// `"Tags": [{"Key": …, "Value": …}]`, as `GetAccountAuthorizationDetails` writes them; left out
/// when there are none, as AWS does.
fn tags<'a>(fields: &mut Vec<(Cow<'a, str>, Json<'a>)>, tags: &'a Tags) {
    if tags.is_empty() {
        return;
    }
    let list = tags
        .iter()
        .map(|(key, value)| {
            Json::Object(vec![
                ("Key".into(), Json::str(key)),
                ("Value".into(), Json::str(value)),
            ])
        })
        .collect();
    fields.push(("Tags".into(), Json::Array(list)));
}

fn id<'a>(fields: &mut Vec<(Cow<'a, str>, Json<'a>)>, key: &'static str, id: &'a Option<String>) {
    if let Some(id) = id {
        fields.push((key.into(), Json::str(id.as_str())));
    }
}

impl AuthorizationDetails {
    /// The accounts the entities belong to (the account field of their ARNs).
    pub fn account_ids(&self) -> std::collections::BTreeSet<String> {
        self.users
            .iter()
            .map(|u| &u.arn)
            .chain(self.groups.iter().map(|g| &g.arn))
            .chain(self.roles.iter().map(|r| &r.arn))
            .chain(self.policies.iter().map(|p| &p.arn))
            .filter_map(|arn| arn.split(':').nth(4))
            .map(str::to_string)
            .chain(self.resources.iter().map(|r| r.account.clone()))
            .collect()
    }

    /// Entities sorted by ARN, lists inside sorted: the order never depends on the source.
    pub fn sort(&mut self) {
        self.users.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.groups.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.resources
            .sort_by(|a, b| (&a.account, &a.kind, &a.arn).cmp(&(&b.account, &b.kind, &b.arn)));
        for user in &mut self.users {
            user.groups.sort();
            user.inline.sort_by(|a, b| a.name.cmp(&b.name));
            user.attached.sort();
        }
        for group in &mut self.groups {
            group.inline.sort_by(|a, b| a.name.cmp(&b.name));
            group.attached.sort();
        }
        for role in &mut self.roles {
            role.inline.sort_by(|a, b| a.name.cmp(&b.name));
            role.attached.sort();
            role.instance_profiles.sort_by(|a, b| a.arn.cmp(&b.arn));
        }
    }

    pub fn to_json(&self) -> Json<'_> {
        let users = self
            .users
            .iter()
            .map(|u| {
                let mut f = vec![
                    ("Path".into(), Json::str(&u.path)),
                    ("UserName".into(), Json::str(&u.name)),
                ];
                id(&mut f, "UserId", &u.id);
                f.push(("Arn".into(), Json::str(&u.arn)));
                f.push(("UserPolicyList".into(), inline_list(&u.inline)));
                f.push(("GroupList".into(), Json::strings(u.groups.iter().cloned())));
                f.push(("AttachedManagedPolicies".into(), attached_list(&u.attached)));
                boundary(&mut f, &u.boundary);
                tags(&mut f, &u.tags);
                Json::Object(f)
            })
            .collect();
        let groups = self
            .groups
            .iter()
            .map(|g| {
                let mut f = vec![
                    ("Path".into(), Json::str(&g.path)),
                    ("GroupName".into(), Json::str(&g.name)),
                ];
                id(&mut f, "GroupId", &g.id);
                f.push(("Arn".into(), Json::str(&g.arn)));
                f.push(("GroupPolicyList".into(), inline_list(&g.inline)));
                f.push(("AttachedManagedPolicies".into(), attached_list(&g.attached)));
                Json::Object(f)
            })
            .collect();
        let roles = self
            .roles
            .iter()
            .map(|r| {
                let mut f = vec![
                    ("Path".into(), Json::str(&r.path)),
                    ("RoleName".into(), Json::str(&r.name)),
                ];
                id(&mut f, "RoleId", &r.id);
                f.push(("Arn".into(), Json::str(&r.arn)));
                if let Some(description) = &r.description {
                    f.push(("Description".into(), Json::str(description)));
                }
                f.push(("AssumeRolePolicyDocument".into(), doc(&r.trust)));
                let profiles = r
                    .instance_profiles
                    .iter()
                    .map(|p| {
                        Json::Object(vec![
                            ("Path".into(), Json::str(&p.path)),
                            ("InstanceProfileName".into(), Json::str(&p.name)),
                            ("Arn".into(), Json::str(&p.arn)),
                        ])
                    })
                    .collect();
                f.push(("InstanceProfileList".into(), Json::Array(profiles)));
                f.push(("RolePolicyList".into(), inline_list(&r.inline)));
                f.push(("AttachedManagedPolicies".into(), attached_list(&r.attached)));
                boundary(&mut f, &r.boundary);
                if let Some(seconds) = r.max_session {
                    f.push((
                        "MaxSessionDuration".into(),
                        Json::Number(i64::from(seconds)),
                    ));
                }
                tags(&mut f, &r.tags);
                Json::Object(f)
            })
            .collect();
        let policies = self
            .policies
            .iter()
            .map(|p| {
                let mut f = vec![("PolicyName".into(), Json::str(&p.name))];
                id(&mut f, "PolicyId", &p.id);
                f.push(("Arn".into(), Json::str(&p.arn)));
                f.push(("Path".into(), Json::str(&p.path)));
                f.push(("DefaultVersionId".into(), Json::str("v1")));
                f.push(("IsAttachable".into(), Json::Bool(true)));
                if let Some(description) = &p.description {
                    f.push(("Description".into(), Json::str(description)));
                }
                f.push((
                    "PolicyVersionList".into(),
                    Json::Array(vec![Json::Object(vec![
                        ("Document".into(), doc(&p.document)),
                        ("VersionId".into(), Json::str("v1")),
                        ("IsDefaultVersion".into(), Json::Bool(true)),
                    ])]),
                ));
                // Known tags are written even when there are none: "none" is not "not read".
                if let Some(known) = &p.tags {
                    if known.is_empty() {
                        f.push(("Tags".into(), Json::Array(Vec::new())));
                    } else {
                        tags(&mut f, known);
                    }
                }
                Json::Object(f)
            })
            .collect();
        let mut fields = vec![
            ("UserDetailList".into(), Json::Array(users)),
            ("GroupDetailList".into(), Json::Array(groups)),
            ("RoleDetailList".into(), Json::Array(roles)),
            ("Policies".into(), Json::Array(policies)),
        ];
        // Only when there are some: without them the file is exactly AWS's shape.
        if !self.resources.is_empty() {
            let resources = self
                .resources
                .iter()
                .map(|r| {
                    let mut f = vec![
                        ("Kind".into(), Json::str(&r.kind)),
                        ("Name".into(), Json::str(&r.name)),
                        ("Arn".into(), Json::str(&r.arn)),
                        ("Account".into(), Json::str(&r.account)),
                    ];
                    match &r.policy {
                        ResourcePolicyState::Absent => f.push(("Policy".into(), Json::Null)),
                        ResourcePolicyState::Document(document) => {
                            f.push(("Policy".into(), doc(document)))
                        }
                        ResourcePolicyState::Unknown(why) => {
                            f.push(("PolicyUnknown".into(), Json::str(why)))
                        }
                    }
                    Json::Object(f)
                })
                .collect();
            fields.push(("ResourcePolicies".into(), Json::Array(resources)));
        }
        if let Some(organization) = &self.organization {
            fields.push(("Organization".into(), organization.to_json()));
        }
        Json::Object(fields)
    }
}

/// Reading deployed state: what `aws iam get-account-authorization-details` prints (documents as
/// JSON objects), or what the API returns (documents as URL-encoded JSON text); several pages
/// one after the other are read as one. Unknown fields are ignored. AWS managed policies are
/// references, not entities of an account: they go to `aws_managed`, not `policies`.
/// The ids of a deployed policy's versions other than its default, oldest first: by
/// `CreateDate` where the state gives one (ISO 8601 text sorts by time), then by the number IAM
/// counts versions with (`v2` before `v10`).
fn other_versions(policy: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let Some(Value::Array(versions)) = policy.get("PolicyVersionList") else {
        return Vec::new();
    };
    let mut others: Vec<(&str, u64, &str)> = versions
        .iter()
        .filter(|v| v.get("IsDefaultVersion").and_then(Value::as_bool) != Some(true))
        .filter_map(|v| {
            let id = v.get("VersionId")?.as_str()?;
            let created = v.get("CreateDate").and_then(Value::as_str).unwrap_or("");
            let number = id.trim_start_matches('v').parse().unwrap_or(u64::MAX);
            Some((created, number, id))
        })
        .collect();
    others.sort();
    others
        .into_iter()
        .map(|(_, _, id)| id.to_string())
        .collect()
}

impl AuthorizationDetails {
    pub fn read(text: &str) -> Result<AuthorizationDetails, String> {
        let mut details = AuthorizationDetails::default();
        let mut pages = 0;
        for (index, page) in serde_json::Deserializer::from_str(text)
            .into_iter::<serde_json::Value>()
            .enumerate()
        {
            let page = page.map_err(|e| format!("page {}: not JSON: {e}", index + 1))?;
            details.read_page(&page).map_err(|e| {
                if index == 0 {
                    e
                } else {
                    format!("page {}: {e}", index + 1)
                }
            })?;
            pages += 1;
        }
        if pages == 0 {
            return Err(
                "empty input: expected the output of `aws iam get-account-authorization-details`"
                    .into(),
            );
        }
        details.sort();
        Ok(details)
    }

    /// One page already parsed, such as what `iamdsl pull` fetched.
    pub fn from_value(page: &serde_json::Value) -> Result<AuthorizationDetails, String> {
        let mut details = AuthorizationDetails::default();
        details.read_page(page)?;
        details.sort();
        Ok(details)
    }

    fn read_page(&mut self, page: &serde_json::Value) -> Result<(), String> {
        use crate::canonical::canonicalize_owned;
        use crate::reader::read_policy;
        use serde_json::Value;
        let object = page.as_object().ok_or("expected a JSON object with UserDetailList, GroupDetailList, RoleDetailList and Policies")?;
        let list = |key: &str| -> Result<Vec<&Value>, String> {
            match object.get(key) {
                None => Ok(Vec::new()),
                Some(Value::Array(items)) => Ok(items.iter().collect()),
                Some(_) => Err(format!("{key}: expected a list")),
            }
        };
        let text = |item: &Value, key: &str, place: &str| -> Result<String, String> {
            item.get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or(format!("{place}.{key}: missing or not a string"))
        };
        let optional =
            |item: &Value, key: &str| item.get(key).and_then(Value::as_str).map(str::to_string);
        let document = |value: Option<&Value>, place: &str| -> Result<PolicyDocument, String> {
            match value {
                Some(v) => read_policy(v)
                    .map(canonicalize_owned)
                    .map_err(|e| format!("{place}: {e}")),
                None => Ok(PolicyDocument::default()),
            }
        };
        let inline = |item: &Value, key: &str, place: &str| -> Result<Vec<InlinePolicy>, String> {
            let mut out = Vec::new();
            if let Some(Value::Array(policies)) = item.get(key) {
                for (i, policy) in policies.iter().enumerate() {
                    let here = format!("{place}.{key}[{i}]");
                    out.push(InlinePolicy {
                        name: text(policy, "PolicyName", &here)?,
                        document: document(
                            policy.get("PolicyDocument"),
                            &format!("{here}.PolicyDocument"),
                        )?,
                    });
                }
            }
            Ok(out)
        };
        let attached = |item: &Value, place: &str| -> Result<Vec<AttachedPolicy>, String> {
            let mut out = Vec::new();
            if let Some(Value::Array(policies)) = item.get("AttachedManagedPolicies") {
                for (i, policy) in policies.iter().enumerate() {
                    out.push(AttachedPolicy::from_arn(&text(
                        policy,
                        "PolicyArn",
                        &format!("{place}.AttachedManagedPolicies[{i}]"),
                    )?));
                }
            }
            Ok(out)
        };
        let tags = |item: &Value, place: &str| -> Result<Option<Tags>, String> {
            let Some(list) = item.get("Tags") else {
                return Ok(None);
            };
            let list = list
                .as_array()
                .ok_or(format!("{place}.Tags: expected a list"))?;
            let mut out = Tags::new();
            for (i, tag) in list.iter().enumerate() {
                let here = format!("{place}.Tags[{i}]");
                let key = text(tag, "Key", &here)?;
                // AWS stores a tag without a value as the empty string.
                let value = optional(tag, "Value").unwrap_or_default();
                if out.insert(key.clone(), value).is_some() {
                    return Err(format!("{here}.Key: `{key}` appears twice"));
                }
            }
            Ok(Some(out))
        };
        let boundary = |item: &Value| {
            item.get("PermissionsBoundary")
                .and_then(|b| b.get("PermissionsBoundaryArn"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        for (i, user) in list("UserDetailList")?.into_iter().enumerate() {
            let place = format!("UserDetailList[{i}]");
            let groups = match user.get("GroupList") {
                Some(Value::Array(groups)) => groups
                    .iter()
                    .filter_map(|g| g.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            self.users.push(UserDetail {
                path: optional(user, "Path").unwrap_or_else(|| "/".into()),
                name: text(user, "UserName", &place)?,
                arn: text(user, "Arn", &place)?,
                id: optional(user, "UserId"),
                groups,
                inline: inline(user, "UserPolicyList", &place)?,
                attached: attached(user, &place)?,
                boundary: boundary(user),
                tags: tags(user, &place)?.unwrap_or_default(),
            });
        }
        for (i, group) in list("GroupDetailList")?.into_iter().enumerate() {
            let place = format!("GroupDetailList[{i}]");
            self.groups.push(GroupDetail {
                path: optional(group, "Path").unwrap_or_else(|| "/".into()),
                name: text(group, "GroupName", &place)?,
                arn: text(group, "Arn", &place)?,
                id: optional(group, "GroupId"),
                inline: inline(group, "GroupPolicyList", &place)?,
                attached: attached(group, &place)?,
            });
        }
        for (i, role) in list("RoleDetailList")?.into_iter().enumerate() {
            let place = format!("RoleDetailList[{i}]");
            let profiles = match role.get("InstanceProfileList") {
                Some(Value::Array(profiles)) => profiles
                    .iter()
                    .filter_map(|p| {
                        Some(InstanceProfile {
                            path: optional(p, "Path").unwrap_or_else(|| "/".into()),
                            name: optional(p, "InstanceProfileName")?,
                            arn: optional(p, "Arn")?,
                        })
                    })
                    .collect(),
                _ => Vec::new(),
            };
            self.roles.push(RoleDetail {
                path: optional(role, "Path").unwrap_or_else(|| "/".into()),
                name: text(role, "RoleName", &place)?,
                arn: text(role, "Arn", &place)?,
                id: optional(role, "RoleId"),
                // IAM removes a description by setting it empty.
                description: optional(role, "Description").filter(|d| !d.is_empty()),
                trust: document(
                    role.get("AssumeRolePolicyDocument"),
                    &format!("{place}.AssumeRolePolicyDocument"),
                )?,
                inline: inline(role, "RolePolicyList", &place)?,
                attached: attached(role, &place)?,
                boundary: boundary(role),
                instance_profiles: profiles,
                max_session: role
                    .get("MaxSessionDuration")
                    .and_then(Value::as_u64)
                    .and_then(|s| u32::try_from(s).ok()),
                tags: tags(role, &place)?.unwrap_or_default(),
            });
        }
        for (i, policy) in list("Policies")?.into_iter().enumerate() {
            let place = format!("Policies[{i}]");
            let arn = text(policy, "Arn", &place)?;
            let aws_managed = arn.contains(":iam::aws:policy/");
            let default = match policy.get("PolicyVersionList") {
                Some(Value::Array(versions)) => versions
                    .iter()
                    .find(|v| {
                        v.get("IsDefaultVersion")
                            .and_then(Value::as_bool)
                            .unwrap_or(false)
                    })
                    .or(versions.first()),
                _ => None,
            };
            let read = document(
                default.and_then(|v| v.get("Document")),
                &format!("{place}.PolicyVersionList"),
            );
            if aws_managed {
                // A reference: what cannot be read is left out, never an error of the state.
                if let Ok(document) = read {
                    self.aws_managed.push(ManagedPolicyDetail {
                        path: optional(policy, "Path").unwrap_or_else(|| "/".into()),
                        name: AttachedPolicy::from_arn(&arn).name,
                        arn,
                        id: None,
                        description: None,
                        document,
                        tags: None,
                        other_versions: Vec::new(),
                    });
                }
                continue;
            }
            self.policies.push(ManagedPolicyDetail {
                path: optional(policy, "Path").unwrap_or_else(|| "/".into()),
                // A managed policy's name is the last segment of its ARN; some IAM
                // implementations (moto's) leave PolicyName out.
                name: optional(policy, "PolicyName")
                    .unwrap_or_else(|| AttachedPolicy::from_arn(&arn).name),
                arn,
                id: optional(policy, "PolicyId"),
                description: optional(policy, "Description"),
                document: read?,
                tags: tags(policy, &place)?,
                other_versions: other_versions(policy),
            });
        }
        for (i, resource) in list("ResourcePolicies")?.into_iter().enumerate() {
            let place = format!("ResourcePolicies[{i}]");
            let kind = text(resource, "Kind", &place)?;
            if !kind.contains('.') {
                return Err(format!(
                    "{place}.Kind: `{kind}` is not a kind of resource policy (`s3.bucket`, `kms.key`, …)"
                ));
            }
            let policy = match (resource.get("Policy"), resource.get("PolicyUnknown")) {
                (_, Some(why)) => ResourcePolicyState::Unknown(
                    why.as_str()
                        .unwrap_or("the policy could not be read")
                        .to_string(),
                ),
                (None | Some(Value::Null), None) => ResourcePolicyState::Absent,
                // Services hand the policy out as JSON text (SQS, SNS, Lambda, ECR…).
                (Some(Value::String(text)), None) => ResourcePolicyState::Document(
                    crate::reader::read_policy_text(text)
                        .map(canonicalize_owned)
                        .map_err(|e| format!("{place}.Policy: {e}"))?,
                ),
                (Some(value), None) => ResourcePolicyState::Document(document(
                    Some(value),
                    &format!("{place}.Policy"),
                )?),
            };
            let policy = match policy {
                ResourcePolicyState::Document(document) => {
                    ResourcePolicyState::Document(resource_element_as_written(&kind, document))
                }
                other => other,
            };
            self.resources.push(ResourcePolicyDetail {
                kind,
                name: text(resource, "Name", &place)?,
                arn: text(resource, "Arn", &place)?,
                account: text(resource, "Account", &place)?,
                policy,
            });
        }
        if let Some(value) = object.get("Organization") {
            let organization = crate::organization::OrganizationState::from_value(value)?;
            // Pages of several accounts' pulls each may hold it: they must agree, and what one
            // of them knows wins over another's "could not be read".
            match (&self.organization, &organization) {
                (None, _) | (Some(crate::organization::OrganizationState::Unknown(_)), _) => {
                    self.organization = Some(organization)
                }
                (Some(_), crate::organization::OrganizationState::Unknown(_)) => {}
                (Some(known), _) if *known == organization => {}
                (Some(_), _) => {
                    return Err("Organization: two pages hold different organizations".into())
                }
            }
        }
        Ok(())
    }
}

/// A statement without `Resource` in a policy whose service names its resource `*` (an ECR
/// repository policy of the older form) means the same as `"Resource": "*"`: read as that, so
/// that both forms compare, evaluate and import alike.
fn resource_element_as_written(kind: &str, mut document: PolicyDocument) -> PolicyDocument {
    use iamdsl_catalog::resource_policies::{resource_policy_kind_by_key, ResourceElement};
    if resource_policy_kind_by_key(kind)
        .is_some_and(|k| k.resource_element == ResourceElement::Star)
    {
        for statement in &mut document.statements {
            if statement.resource.is_none() {
                statement.resource = Some(crate::document::ResourceBlock::Resource(
                    crate::NameSet::from(["*".to_string()]),
                ));
            }
        }
        document = crate::canonical::canonicalize_owned(document);
    }
    document
}
