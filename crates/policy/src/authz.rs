//! The shape of `aws iam get-account-authorization-details`: what build writes and what diff
//! reads, so that built and deployed state compare like with like.

use crate::canonical::document_json;
use crate::document::PolicyDocument;
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicyDetail {
    pub path: String,
    pub name: String,
    pub arn: String,
    pub id: Option<String>,
    pub description: Option<String>,
    pub document: PolicyDocument,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizationDetails {
    pub users: Vec<UserDetail>,
    pub groups: Vec<GroupDetail>,
    pub roles: Vec<RoleDetail>,
    pub policies: Vec<ManagedPolicyDetail>,
}

/// Documents in authorization details are canonical (callers canonicalize what they read).
fn doc(document: &PolicyDocument) -> Json {
    document_json(document)
}

fn inline_list(inline: &[InlinePolicy]) -> Json {
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

fn attached_list(attached: &[AttachedPolicy]) -> Json {
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

fn boundary(fields: &mut Vec<(String, Json)>, arn: &Option<String>) {
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

fn id(fields: &mut Vec<(String, Json)>, key: &str, id: &Option<String>) {
    if let Some(id) = id {
        fields.push((key.into(), Json::str(id)));
    }
}

impl AuthorizationDetails {
    /// Entities sorted by ARN, lists inside sorted: the order never depends on the source.
    pub fn sort(&mut self) {
        self.users.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.groups.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
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

    pub fn to_json(&self) -> Json {
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
                Json::Object(f)
            })
            .collect();
        Json::Object(vec![
            ("UserDetailList".into(), Json::Array(users)),
            ("GroupDetailList".into(), Json::Array(groups)),
            ("RoleDetailList".into(), Json::Array(roles)),
            ("Policies".into(), Json::Array(policies)),
        ])
    }
}
