//! One IAM API call of a plan, with the parameters it is sent with, named as AWS names them
//! (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_Operations.html>), so that the
//! plan file reads like the API reference and a bot can replay it.

use serde::{Deserialize, Serialize};

/// A tag as the API takes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// Documents are the canonical JSON text the build writes, sent as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "Call", rename_all_fields = "PascalCase")]
pub enum Call {
    CreatePolicy {
        policy_name: String,
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        policy_document: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tags: Vec<Tag>,
    },
    /// Always with `SetAsDefault`: the new version is the one in force.
    CreatePolicyVersion {
        policy_arn: String,
        policy_document: String,
    },
    DeletePolicyVersion {
        policy_arn: String,
        version_id: String,
    },
    TagPolicy {
        policy_arn: String,
        tags: Vec<Tag>,
    },
    UntagPolicy {
        policy_arn: String,
        tag_keys: Vec<String>,
    },
    DeletePolicy {
        policy_arn: String,
    },

    CreateGroup {
        group_name: String,
        path: String,
    },
    UpdateGroup {
        group_name: String,
        new_path: String,
    },
    PutGroupPolicy {
        group_name: String,
        policy_name: String,
        policy_document: String,
    },
    DeleteGroupPolicy {
        group_name: String,
        policy_name: String,
    },
    AttachGroupPolicy {
        group_name: String,
        policy_arn: String,
    },
    DetachGroupPolicy {
        group_name: String,
        policy_arn: String,
    },
    DeleteGroup {
        group_name: String,
    },

    CreateUser {
        user_name: String,
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        permissions_boundary: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tags: Vec<Tag>,
    },
    UpdateUser {
        user_name: String,
        new_path: String,
    },
    PutUserPolicy {
        user_name: String,
        policy_name: String,
        policy_document: String,
    },
    DeleteUserPolicy {
        user_name: String,
        policy_name: String,
    },
    AttachUserPolicy {
        user_name: String,
        policy_arn: String,
    },
    DetachUserPolicy {
        user_name: String,
        policy_arn: String,
    },
    PutUserPermissionsBoundary {
        user_name: String,
        permissions_boundary: String,
    },
    DeleteUserPermissionsBoundary {
        user_name: String,
    },
    TagUser {
        user_name: String,
        tags: Vec<Tag>,
    },
    UntagUser {
        user_name: String,
        tag_keys: Vec<String>,
    },
    AddUserToGroup {
        user_name: String,
        group_name: String,
    },
    RemoveUserFromGroup {
        user_name: String,
        group_name: String,
    },
    DeleteUser {
        user_name: String,
    },

    CreateRole {
        role_name: String,
        path: String,
        assume_role_policy_document: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_session_duration: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        permissions_boundary: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tags: Vec<Tag>,
    },
    UpdateAssumeRolePolicy {
        role_name: String,
        policy_document: String,
    },
    /// With the description (empty to remove it) and the session limit the build has.
    UpdateRole {
        role_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_session_duration: Option<u32>,
    },
    PutRolePolicy {
        role_name: String,
        policy_name: String,
        policy_document: String,
    },
    DeleteRolePolicy {
        role_name: String,
        policy_name: String,
    },
    AttachRolePolicy {
        role_name: String,
        policy_arn: String,
    },
    DetachRolePolicy {
        role_name: String,
        policy_arn: String,
    },
    PutRolePermissionsBoundary {
        role_name: String,
        permissions_boundary: String,
    },
    DeleteRolePermissionsBoundary {
        role_name: String,
    },
    TagRole {
        role_name: String,
        tags: Vec<Tag>,
    },
    UntagRole {
        role_name: String,
        tag_keys: Vec<String>,
    },
    CreateInstanceProfile {
        instance_profile_name: String,
        path: String,
    },
    AddRoleToInstanceProfile {
        instance_profile_name: String,
        role_name: String,
    },
    RemoveRoleFromInstanceProfile {
        instance_profile_name: String,
        role_name: String,
    },
    DeleteInstanceProfile {
        instance_profile_name: String,
    },
    DeleteRole {
        role_name: String,
    },

    /// A resource's own policy, written with the call its kind's row names
    /// (`iamdsl_catalog::resource_policies`: `s3:PutBucketPolicy` for `s3.bucket`, …).
    PutResourcePolicy {
        kind: String,
        resource_name: String,
        resource_arn: String,
        policy_document: String,
    },
    DeleteResourcePolicy {
        kind: String,
        resource_name: String,
        resource_arn: String,
    },
}

impl Call {
    /// The operation's name in the API reference: `CreateRole`.
    pub fn operation(&self) -> &'static str {
        match self {
            Call::CreatePolicy { .. } => "CreatePolicy",
            Call::CreatePolicyVersion { .. } => "CreatePolicyVersion",
            Call::DeletePolicyVersion { .. } => "DeletePolicyVersion",
            Call::TagPolicy { .. } => "TagPolicy",
            Call::UntagPolicy { .. } => "UntagPolicy",
            Call::DeletePolicy { .. } => "DeletePolicy",
            Call::CreateGroup { .. } => "CreateGroup",
            Call::UpdateGroup { .. } => "UpdateGroup",
            Call::PutGroupPolicy { .. } => "PutGroupPolicy",
            Call::DeleteGroupPolicy { .. } => "DeleteGroupPolicy",
            Call::AttachGroupPolicy { .. } => "AttachGroupPolicy",
            Call::DetachGroupPolicy { .. } => "DetachGroupPolicy",
            Call::DeleteGroup { .. } => "DeleteGroup",
            Call::CreateUser { .. } => "CreateUser",
            Call::UpdateUser { .. } => "UpdateUser",
            Call::PutUserPolicy { .. } => "PutUserPolicy",
            Call::DeleteUserPolicy { .. } => "DeleteUserPolicy",
            Call::AttachUserPolicy { .. } => "AttachUserPolicy",
            Call::DetachUserPolicy { .. } => "DetachUserPolicy",
            Call::PutUserPermissionsBoundary { .. } => "PutUserPermissionsBoundary",
            Call::DeleteUserPermissionsBoundary { .. } => "DeleteUserPermissionsBoundary",
            Call::TagUser { .. } => "TagUser",
            Call::UntagUser { .. } => "UntagUser",
            Call::AddUserToGroup { .. } => "AddUserToGroup",
            Call::RemoveUserFromGroup { .. } => "RemoveUserFromGroup",
            Call::DeleteUser { .. } => "DeleteUser",
            Call::CreateRole { .. } => "CreateRole",
            Call::UpdateAssumeRolePolicy { .. } => "UpdateAssumeRolePolicy",
            Call::UpdateRole { .. } => "UpdateRole",
            Call::PutRolePolicy { .. } => "PutRolePolicy",
            Call::DeleteRolePolicy { .. } => "DeleteRolePolicy",
            Call::AttachRolePolicy { .. } => "AttachRolePolicy",
            Call::DetachRolePolicy { .. } => "DetachRolePolicy",
            Call::PutRolePermissionsBoundary { .. } => "PutRolePermissionsBoundary",
            Call::DeleteRolePermissionsBoundary { .. } => "DeleteRolePermissionsBoundary",
            Call::TagRole { .. } => "TagRole",
            Call::UntagRole { .. } => "UntagRole",
            Call::CreateInstanceProfile { .. } => "CreateInstanceProfile",
            Call::AddRoleToInstanceProfile { .. } => "AddRoleToInstanceProfile",
            Call::RemoveRoleFromInstanceProfile { .. } => "RemoveRoleFromInstanceProfile",
            Call::DeleteInstanceProfile { .. } => "DeleteInstanceProfile",
            Call::DeleteRole { .. } => "DeleteRole",
            Call::PutResourcePolicy { .. } => "PutResourcePolicy",
            Call::DeleteResourcePolicy { .. } => "DeleteResourcePolicy",
        }
    }

    /// What the call acts on, for the one line people read: `role deployer`,
    /// `role deployer ← arn:aws:iam::aws:policy/ReadOnlyAccess`.
    pub fn target(&self) -> String {
        let tags = |tags: &[Tag]| {
            tags.iter()
                .map(|t| format!("{}={}", t.key, t.value))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Call::CreatePolicy {
                policy_name, path, ..
            } => format!("policy {path}{policy_name}"),
            Call::CreatePolicyVersion { policy_arn, .. } | Call::DeletePolicy { policy_arn } => {
                format!("policy {policy_arn}")
            }
            Call::DeletePolicyVersion {
                policy_arn,
                version_id,
            } => format!("policy {policy_arn} version {version_id}"),
            Call::TagPolicy {
                policy_arn,
                tags: t,
            } => format!("policy {policy_arn}: {}", tags(t)),
            Call::UntagPolicy {
                policy_arn,
                tag_keys,
            } => format!("policy {policy_arn}: {}", tag_keys.join(", ")),
            Call::CreateGroup { group_name, path } => format!("group {path}{group_name}"),
            Call::UpdateGroup {
                group_name,
                new_path,
            } => format!("group {group_name} to path {new_path}"),
            Call::PutGroupPolicy {
                group_name,
                policy_name,
                ..
            }
            | Call::DeleteGroupPolicy {
                group_name,
                policy_name,
            } => format!("group {group_name} inline {policy_name}"),
            Call::AttachGroupPolicy {
                group_name,
                policy_arn,
            }
            | Call::DetachGroupPolicy {
                group_name,
                policy_arn,
            } => format!("group {group_name} ← {policy_arn}"),
            Call::DeleteGroup { group_name } => format!("group {group_name}"),
            Call::CreateUser {
                user_name, path, ..
            } => format!("user {path}{user_name}"),
            Call::UpdateUser {
                user_name,
                new_path,
            } => format!("user {user_name} to path {new_path}"),
            Call::PutUserPolicy {
                user_name,
                policy_name,
                ..
            }
            | Call::DeleteUserPolicy {
                user_name,
                policy_name,
            } => format!("user {user_name} inline {policy_name}"),
            Call::AttachUserPolicy {
                user_name,
                policy_arn,
            }
            | Call::DetachUserPolicy {
                user_name,
                policy_arn,
            } => format!("user {user_name} ← {policy_arn}"),
            Call::PutUserPermissionsBoundary {
                user_name,
                permissions_boundary,
            } => format!("user {user_name} boundary {permissions_boundary}"),
            Call::DeleteUserPermissionsBoundary { user_name } => {
                format!("user {user_name} boundary")
            }
            Call::TagUser { user_name, tags: t } => format!("user {user_name}: {}", tags(t)),
            Call::UntagUser {
                user_name,
                tag_keys,
            } => format!("user {user_name}: {}", tag_keys.join(", ")),
            Call::AddUserToGroup {
                user_name,
                group_name,
            }
            | Call::RemoveUserFromGroup {
                user_name,
                group_name,
            } => format!("user {user_name} in group {group_name}"),
            Call::DeleteUser { user_name } => format!("user {user_name}"),
            Call::CreateRole {
                role_name, path, ..
            } => format!("role {path}{role_name}"),
            Call::UpdateAssumeRolePolicy { role_name, .. } => format!("role {role_name} trust"),
            Call::UpdateRole {
                role_name,
                description,
                max_session_duration,
            } => {
                let mut what = Vec::new();
                if description.is_some() {
                    what.push("description".to_string());
                }
                if let Some(seconds) = max_session_duration {
                    what.push(format!("max session {seconds} s"));
                }
                format!("role {role_name}: {}", what.join(", "))
            }
            Call::PutRolePolicy {
                role_name,
                policy_name,
                ..
            }
            | Call::DeleteRolePolicy {
                role_name,
                policy_name,
            } => format!("role {role_name} inline {policy_name}"),
            Call::AttachRolePolicy {
                role_name,
                policy_arn,
            }
            | Call::DetachRolePolicy {
                role_name,
                policy_arn,
            } => format!("role {role_name} ← {policy_arn}"),
            Call::PutRolePermissionsBoundary {
                role_name,
                permissions_boundary,
            } => format!("role {role_name} boundary {permissions_boundary}"),
            Call::DeleteRolePermissionsBoundary { role_name } => {
                format!("role {role_name} boundary")
            }
            Call::TagRole { role_name, tags: t } => format!("role {role_name}: {}", tags(t)),
            Call::UntagRole {
                role_name,
                tag_keys,
            } => format!("role {role_name}: {}", tag_keys.join(", ")),
            Call::CreateInstanceProfile {
                instance_profile_name,
                path,
            } => format!("instance profile {path}{instance_profile_name}"),
            Call::AddRoleToInstanceProfile {
                instance_profile_name,
                role_name,
            }
            | Call::RemoveRoleFromInstanceProfile {
                instance_profile_name,
                role_name,
            } => format!("role {role_name} in instance profile {instance_profile_name}"),
            Call::DeleteInstanceProfile {
                instance_profile_name,
            } => format!("instance profile {instance_profile_name}"),
            Call::DeleteRole { role_name } => format!("role {role_name}"),
            Call::PutResourcePolicy {
                kind,
                resource_name,
                ..
            }
            | Call::DeleteResourcePolicy {
                kind,
                resource_name,
                ..
            } => format!("{kind} {resource_name}"),
        }
    }

    /// `CreateRole role /deployer`, `s3:PutBucketPolicy s3.bucket logs`: the line of the plan
    /// and of apply's progress. A resource's policy is shown with its service's own call.
    pub fn line(&self) -> String {
        let api = |kind: &str, put: bool| {
            iamdsl_catalog::resource_policies::resource_policy_kind_by_key(kind)
                .map(|k| if put { k.write_api } else { k.delete_api })
                .filter(|api| !api.is_empty())
        };
        let operation = match self {
            Call::PutResourcePolicy { kind, .. } => api(kind, true),
            Call::DeleteResourcePolicy { kind, .. } => api(kind, false),
            _ => None,
        };
        format!(
            "{} {}",
            operation.unwrap_or_else(|| self.operation()),
            self.target()
        )
    }
}

/// Which kind of principal a call acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    User,
    Group,
    Role,
}

/// What a call does to what a principal holds: the same for users, groups and roles, each with
/// calls of its own name (`PutUserPolicy`, `PutGroupPolicy`, `PutRolePolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding<'c> {
    PutPolicy {
        policy_name: &'c str,
        policy_document: &'c str,
    },
    DeletePolicy {
        policy_name: &'c str,
    },
    Attach {
        policy_arn: &'c str,
    },
    Detach {
        policy_arn: &'c str,
    },
    PutBoundary {
        permissions_boundary: &'c str,
    },
    DeleteBoundary,
    Tag {
        tags: &'c [Tag],
    },
    Untag {
        tag_keys: &'c [String],
    },
}

impl Call {
    /// The call that does `holding` to the principal `name` of `kind`; `None` where there is
    /// none (a group has no boundary and no tags).
    pub fn on_principal(kind: PrincipalKind, name: &str, holding: Holding<'_>) -> Option<Call> {
        use PrincipalKind::{Group, Role, User};
        let n = name.to_string();
        Some(match (kind, holding) {
            (
                User,
                Holding::PutPolicy {
                    policy_name,
                    policy_document,
                },
            ) => Call::PutUserPolicy {
                user_name: n,
                policy_name: policy_name.into(),
                policy_document: policy_document.into(),
            },
            (
                Group,
                Holding::PutPolicy {
                    policy_name,
                    policy_document,
                },
            ) => Call::PutGroupPolicy {
                group_name: n,
                policy_name: policy_name.into(),
                policy_document: policy_document.into(),
            },
            (
                Role,
                Holding::PutPolicy {
                    policy_name,
                    policy_document,
                },
            ) => Call::PutRolePolicy {
                role_name: n,
                policy_name: policy_name.into(),
                policy_document: policy_document.into(),
            },
            (User, Holding::DeletePolicy { policy_name }) => Call::DeleteUserPolicy {
                user_name: n,
                policy_name: policy_name.into(),
            },
            (Group, Holding::DeletePolicy { policy_name }) => Call::DeleteGroupPolicy {
                group_name: n,
                policy_name: policy_name.into(),
            },
            (Role, Holding::DeletePolicy { policy_name }) => Call::DeleteRolePolicy {
                role_name: n,
                policy_name: policy_name.into(),
            },
            (User, Holding::Attach { policy_arn }) => Call::AttachUserPolicy {
                user_name: n,
                policy_arn: policy_arn.into(),
            },
            (Group, Holding::Attach { policy_arn }) => Call::AttachGroupPolicy {
                group_name: n,
                policy_arn: policy_arn.into(),
            },
            (Role, Holding::Attach { policy_arn }) => Call::AttachRolePolicy {
                role_name: n,
                policy_arn: policy_arn.into(),
            },
            (User, Holding::Detach { policy_arn }) => Call::DetachUserPolicy {
                user_name: n,
                policy_arn: policy_arn.into(),
            },
            (Group, Holding::Detach { policy_arn }) => Call::DetachGroupPolicy {
                group_name: n,
                policy_arn: policy_arn.into(),
            },
            (Role, Holding::Detach { policy_arn }) => Call::DetachRolePolicy {
                role_name: n,
                policy_arn: policy_arn.into(),
            },
            (
                User,
                Holding::PutBoundary {
                    permissions_boundary,
                },
            ) => Call::PutUserPermissionsBoundary {
                user_name: n,
                permissions_boundary: permissions_boundary.into(),
            },
            (
                Role,
                Holding::PutBoundary {
                    permissions_boundary,
                },
            ) => Call::PutRolePermissionsBoundary {
                role_name: n,
                permissions_boundary: permissions_boundary.into(),
            },
            (User, Holding::DeleteBoundary) => Call::DeleteUserPermissionsBoundary { user_name: n },
            (Role, Holding::DeleteBoundary) => Call::DeleteRolePermissionsBoundary { role_name: n },
            (User, Holding::Tag { tags }) => Call::TagUser {
                user_name: n,
                tags: tags.to_vec(),
            },
            (Role, Holding::Tag { tags }) => Call::TagRole {
                role_name: n,
                tags: tags.to_vec(),
            },
            (User, Holding::Untag { tag_keys }) => Call::UntagUser {
                user_name: n,
                tag_keys: tag_keys.to_vec(),
            },
            (Role, Holding::Untag { tag_keys }) => Call::UntagRole {
                role_name: n,
                tag_keys: tag_keys.to_vec(),
            },
            (
                Group,
                Holding::PutBoundary { .. }
                | Holding::DeleteBoundary
                | Holding::Tag { .. }
                | Holding::Untag { .. },
            ) => return None,
        })
    }

    /// The principal a call acts on and what it does to its holdings, for the calls
    /// [`Call::on_principal`] makes.
    pub fn holding(&self) -> Option<(PrincipalKind, &str, Holding<'_>)> {
        use PrincipalKind::{Group, Role, User};
        Some(match self {
            Call::PutUserPolicy {
                user_name,
                policy_name,
                policy_document,
            } => (
                User,
                user_name,
                Holding::PutPolicy {
                    policy_name,
                    policy_document,
                },
            ),
            Call::PutGroupPolicy {
                group_name,
                policy_name,
                policy_document,
            } => (
                Group,
                group_name,
                Holding::PutPolicy {
                    policy_name,
                    policy_document,
                },
            ),
            Call::PutRolePolicy {
                role_name,
                policy_name,
                policy_document,
            } => (
                Role,
                role_name,
                Holding::PutPolicy {
                    policy_name,
                    policy_document,
                },
            ),
            Call::DeleteUserPolicy {
                user_name,
                policy_name,
            } => (User, user_name, Holding::DeletePolicy { policy_name }),
            Call::DeleteGroupPolicy {
                group_name,
                policy_name,
            } => (Group, group_name, Holding::DeletePolicy { policy_name }),
            Call::DeleteRolePolicy {
                role_name,
                policy_name,
            } => (Role, role_name, Holding::DeletePolicy { policy_name }),
            Call::AttachUserPolicy {
                user_name,
                policy_arn,
            } => (User, user_name, Holding::Attach { policy_arn }),
            Call::AttachGroupPolicy {
                group_name,
                policy_arn,
            } => (Group, group_name, Holding::Attach { policy_arn }),
            Call::AttachRolePolicy {
                role_name,
                policy_arn,
            } => (Role, role_name, Holding::Attach { policy_arn }),
            Call::DetachUserPolicy {
                user_name,
                policy_arn,
            } => (User, user_name, Holding::Detach { policy_arn }),
            Call::DetachGroupPolicy {
                group_name,
                policy_arn,
            } => (Group, group_name, Holding::Detach { policy_arn }),
            Call::DetachRolePolicy {
                role_name,
                policy_arn,
            } => (Role, role_name, Holding::Detach { policy_arn }),
            Call::PutUserPermissionsBoundary {
                user_name,
                permissions_boundary,
            } => (
                User,
                user_name,
                Holding::PutBoundary {
                    permissions_boundary,
                },
            ),
            Call::PutRolePermissionsBoundary {
                role_name,
                permissions_boundary,
            } => (
                Role,
                role_name,
                Holding::PutBoundary {
                    permissions_boundary,
                },
            ),
            Call::DeleteUserPermissionsBoundary { user_name } => {
                (User, user_name, Holding::DeleteBoundary)
            }
            Call::DeleteRolePermissionsBoundary { role_name } => {
                (Role, role_name, Holding::DeleteBoundary)
            }
            Call::TagUser { user_name, tags } => (User, user_name, Holding::Tag { tags }),
            Call::TagRole { role_name, tags } => (Role, role_name, Holding::Tag { tags }),
            Call::UntagUser {
                user_name,
                tag_keys,
            } => (User, user_name, Holding::Untag { tag_keys }),
            Call::UntagRole {
                role_name,
                tag_keys,
            } => (Role, role_name, Holding::Untag { tag_keys }),
            _ => return None,
        })
    }
}
