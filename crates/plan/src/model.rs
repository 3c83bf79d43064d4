//! A model of the rules IAM applies to the calls a plan makes: each call's preconditions as the
//! IAM API reference states them (<https://docs.aws.amazon.com/IAM/latest/APIReference/>: the
//! `EntityAlreadyExists`, `NoSuchEntity`, `DeleteConflict` and `LimitExceeded` errors of each
//! operation). Replaying a plan against it proves that its order is one IAM accepts and that it
//! ends in the built state (the property test in `tests/order.rs`).

use std::collections::{BTreeMap, BTreeSet};

use iamdsl_policy::authz::{
    AttachedPolicy, AuthorizationDetails, GroupDetail, InlinePolicy, InstanceProfile,
    ManagedPolicyDetail, ResourcePolicyState, RoleDetail, Tags, UserDetail,
};
use iamdsl_policy::reader::read_policy_text;
use iamdsl_policy::PolicyDocument;

use crate::{Call, Holding, PrincipalKind, Tag};

/// One account's IAM, as the calls see it.
#[derive(Debug, Clone)]
pub struct Iam {
    partition: String,
    account: String,
    users: BTreeMap<String, UserDetail>,
    groups: BTreeMap<String, GroupDetail>,
    roles: BTreeMap<String, RoleDetail>,
    /// Customer managed policies by ARN, with the number the next version gets.
    policies: BTreeMap<String, (ManagedPolicyDetail, u64)>,
    /// AWS managed policies that exist (what can be attached besides the account's own).
    aws_managed: BTreeSet<String>,
    /// Instance profiles by name: (path, ARN, the role it holds).
    profiles: BTreeMap<String, (String, String, Option<String>)>,
    resources: AuthorizationDetails,
}

fn no_such(what: &str) -> String {
    format!("NoSuchEntity: {what} does not exist")
}

fn exists(what: &str) -> String {
    format!("EntityAlreadyExists: {what} exists")
}

fn conflict(what: &str) -> String {
    format!("DeleteConflict: {what}")
}

fn document(text: &str) -> Result<PolicyDocument, String> {
    read_policy_text(text).map_err(|e| format!("MalformedPolicyDocument: {e:?}"))
}

fn tags_of(list: &[Tag]) -> Tags {
    list.iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

impl Iam {
    /// The account as deployed state shows it; `aws_managed` are the AWS managed policies that
    /// exist besides those it shows in use.
    pub fn new(deployed: &AuthorizationDetails, account: &str, aws_managed: &[String]) -> Iam {
        let partition = deployed
            .roles
            .iter()
            .map(|r| &r.arn)
            .chain(deployed.users.iter().map(|u| &u.arn))
            .find_map(|arn| arn.split(':').nth(1))
            .unwrap_or("aws")
            .to_string();
        let mut profiles = BTreeMap::new();
        for role in &deployed.roles {
            for profile in &role.instance_profiles {
                profiles.insert(
                    profile.name.clone(),
                    (
                        profile.path.clone(),
                        profile.arn.clone(),
                        Some(role.name.clone()),
                    ),
                );
            }
        }
        let mut resources = AuthorizationDetails::default();
        resources.resources = deployed.resources.clone();
        Iam {
            partition,
            account: account.to_string(),
            users: deployed
                .users
                .iter()
                .map(|u| (u.name.clone(), u.clone()))
                .collect(),
            groups: deployed
                .groups
                .iter()
                .map(|g| (g.name.clone(), g.clone()))
                .collect(),
            roles: deployed
                .roles
                .iter()
                .map(|r| {
                    let mut role = r.clone();
                    role.instance_profiles.clear();
                    (r.name.clone(), role)
                })
                .collect(),
            policies: deployed
                .policies
                .iter()
                .map(|p| {
                    let highest = p
                        .other_versions
                        .iter()
                        .filter_map(|v| v.trim_start_matches('v').parse::<u64>().ok())
                        .max()
                        .unwrap_or(1);
                    (p.arn.clone(), (p.clone(), highest + 2))
                })
                .collect(),
            aws_managed: deployed
                .aws_managed
                .iter()
                .map(|p| p.arn.clone())
                .chain(aws_managed.iter().cloned())
                .collect(),
            profiles,
            resources,
        }
    }

    fn arn(&self, kind: &str, path: &str, name: &str) -> String {
        format!(
            "arn:{}:iam::{}:{kind}{path}{name}",
            self.partition, self.account
        )
    }

    fn policy_exists(&self, arn: &str) -> bool {
        self.policies.contains_key(arn) || self.aws_managed.contains(arn)
    }

    /// IAM validates a trust policy's principals: one of this account's roles or users that
    /// does not exist is "Invalid principal in policy".
    fn check_principals(&self, trust: &PolicyDocument) -> Result<(), String> {
        let own = format!("arn:{}:iam::{}:", self.partition, self.account);
        for arn in crate::trusted_arns(trust) {
            let Some(rest) = arn.strip_prefix(&own) else {
                continue;
            };
            let known = if rest.starts_with("role/") {
                self.roles.values().any(|r| r.arn == arn)
            } else if rest.starts_with("user/") {
                self.users.values().any(|u| u.arn == arn)
            } else {
                true
            };
            if !known {
                return Err(format!(
                    "MalformedPolicyDocument: Invalid principal in policy: \"AWS\":\"{arn}\""
                ));
            }
        }
        Ok(())
    }

    fn attached_anywhere(&self, arn: &str) -> bool {
        let uses = |attached: &[AttachedPolicy], boundary: &Option<String>| {
            attached.iter().any(|a| a.arn == arn) || boundary.as_deref() == Some(arn)
        };
        self.users.values().any(|u| uses(&u.attached, &u.boundary))
            || self.groups.values().any(|g| uses(&g.attached, &None))
            || self.roles.values().any(|r| uses(&r.attached, &r.boundary))
    }

    /// Applies one call as IAM would, or says which error IAM would answer.
    pub fn apply(&mut self, call: &Call) -> Result<(), String> {
        match call {
            Call::CreatePolicy {
                policy_name,
                path,
                description,
                policy_document,
                tags: t,
            } => {
                let arn = self.arn("policy", path, policy_name);
                if self.policies.values().any(|(p, _)| p.name == *policy_name) {
                    return Err(exists(&arn));
                }
                let policy = ManagedPolicyDetail {
                    path: path.clone(),
                    name: policy_name.clone(),
                    arn: arn.clone(),
                    id: None,
                    description: description.clone(),
                    document: document(policy_document)?,
                    tags: Some(tags_of(t)),
                    other_versions: Vec::new(),
                };
                self.policies.insert(arn, (policy, 2));
            }
            Call::CreatePolicyVersion {
                policy_arn,
                policy_document,
            } => {
                let document = document(policy_document)?;
                let (policy, next) = self
                    .policies
                    .get_mut(policy_arn)
                    .ok_or_else(|| no_such(policy_arn))?;
                if policy.other_versions.len() + 1 >= 5 {
                    return Err(format!(
                        "LimitExceeded: {policy_arn} has five versions already"
                    ));
                }
                // The version in force before becomes one of the others.
                policy.other_versions.push(format!("v{}", *next - 1));
                policy.document = document;
                *next += 1;
            }
            Call::DeletePolicyVersion {
                policy_arn,
                version_id,
            } => {
                let (policy, _) = self
                    .policies
                    .get_mut(policy_arn)
                    .ok_or_else(|| no_such(policy_arn))?;
                let before = policy.other_versions.len();
                policy.other_versions.retain(|v| v != version_id);
                if policy.other_versions.len() == before {
                    return Err(no_such(&format!(
                        "version {version_id} of {policy_arn} (or it is the default)"
                    )));
                }
            }
            Call::TagPolicy {
                policy_arn,
                tags: t,
            } => {
                let (policy, _) = self
                    .policies
                    .get_mut(policy_arn)
                    .ok_or_else(|| no_such(policy_arn))?;
                policy.tags.get_or_insert_with(Tags::new).extend(tags_of(t));
            }
            Call::UntagPolicy {
                policy_arn,
                tag_keys,
            } => {
                let (policy, _) = self
                    .policies
                    .get_mut(policy_arn)
                    .ok_or_else(|| no_such(policy_arn))?;
                if let Some(known) = &mut policy.tags {
                    known.retain(|k, _| !tag_keys.contains(k));
                }
            }
            Call::DeletePolicy { policy_arn } => {
                let (policy, _) = self
                    .policies
                    .get(policy_arn)
                    .ok_or_else(|| no_such(policy_arn))?;
                if !policy.other_versions.is_empty() {
                    return Err(conflict(&format!(
                        "{policy_arn} has versions besides its default"
                    )));
                }
                if self.attached_anywhere(policy_arn) {
                    return Err(conflict(&format!("{policy_arn} is attached or a boundary")));
                }
                self.policies.remove(policy_arn);
            }

            Call::CreateGroup { group_name, path } => {
                if self.groups.contains_key(group_name) {
                    return Err(exists(group_name));
                }
                let arn = self.arn("group", path, group_name);
                self.groups.insert(
                    group_name.clone(),
                    GroupDetail {
                        path: path.clone(),
                        name: group_name.clone(),
                        arn,
                        id: None,
                        inline: Vec::new(),
                        attached: Vec::new(),
                    },
                );
            }
            Call::UpdateGroup {
                group_name,
                new_path,
            } => {
                let arn = self.arn("group", new_path, group_name);
                let group = self.group(group_name)?;
                group.path = new_path.clone();
                group.arn = arn;
            }
            Call::DeleteGroup { group_name } => {
                let group = self.group(group_name)?;
                if !group.inline.is_empty() || !group.attached.is_empty() {
                    return Err(conflict(&format!("group {group_name} still has policies")));
                }
                if self.users.values().any(|u| u.groups.contains(group_name)) {
                    return Err(conflict(&format!("group {group_name} still has users")));
                }
                self.groups.remove(group_name);
            }

            Call::CreateUser {
                user_name,
                path,
                permissions_boundary,
                tags: t,
            } => {
                if self.users.contains_key(user_name) {
                    return Err(exists(user_name));
                }
                if let Some(boundary) = permissions_boundary {
                    self.attachable(boundary)?;
                }
                let arn = self.arn("user", path, user_name);
                self.users.insert(
                    user_name.clone(),
                    UserDetail {
                        path: path.clone(),
                        name: user_name.clone(),
                        arn,
                        id: None,
                        groups: Vec::new(),
                        inline: Vec::new(),
                        attached: Vec::new(),
                        boundary: permissions_boundary.clone(),
                        tags: tags_of(t),
                    },
                );
            }
            Call::UpdateUser {
                user_name,
                new_path,
            } => {
                let arn = self.arn("user", new_path, user_name);
                let user = self.user(user_name)?;
                user.path = new_path.clone();
                user.arn = arn;
            }
            Call::AddUserToGroup {
                user_name,
                group_name,
            } => {
                self.group(group_name)?;
                let user = self.user(user_name)?;
                if !user.groups.contains(group_name) {
                    user.groups.push(group_name.clone());
                }
            }
            Call::RemoveUserFromGroup {
                user_name,
                group_name,
            } => {
                self.group(group_name)?;
                let user = self.user(user_name)?;
                let before = user.groups.len();
                user.groups.retain(|g| g != group_name);
                if user.groups.len() == before {
                    return Err(no_such(&format!("{user_name} in group {group_name}")));
                }
            }
            Call::DeleteUser { user_name } => {
                let user = self.user(user_name)?;
                if !user.inline.is_empty() || !user.attached.is_empty() || !user.groups.is_empty() {
                    return Err(conflict(&format!(
                        "user {user_name} still has policies or groups"
                    )));
                }
                self.users.remove(user_name);
            }

            Call::PutGroupPolicy { .. }
            | Call::DeleteGroupPolicy { .. }
            | Call::AttachGroupPolicy { .. }
            | Call::DetachGroupPolicy { .. }
            | Call::PutUserPolicy { .. }
            | Call::DeleteUserPolicy { .. }
            | Call::AttachUserPolicy { .. }
            | Call::DetachUserPolicy { .. }
            | Call::PutUserPermissionsBoundary { .. }
            | Call::DeleteUserPermissionsBoundary { .. }
            | Call::TagUser { .. }
            | Call::UntagUser { .. }
            | Call::PutRolePolicy { .. }
            | Call::DeleteRolePolicy { .. }
            | Call::AttachRolePolicy { .. }
            | Call::DetachRolePolicy { .. }
            | Call::PutRolePermissionsBoundary { .. }
            | Call::DeleteRolePermissionsBoundary { .. }
            | Call::TagRole { .. }
            | Call::UntagRole { .. } => self.hold(call)?,
            Call::CreateRole {
                role_name,
                path,
                assume_role_policy_document,
                description,
                max_session_duration,
                permissions_boundary,
                tags: t,
            } => {
                if self.roles.contains_key(role_name) {
                    return Err(exists(role_name));
                }
                let trust = document(assume_role_policy_document)?;
                self.check_principals(&trust)?;
                if let Some(boundary) = permissions_boundary {
                    self.attachable(boundary)?;
                }
                let arn = self.arn("role", path, role_name);
                self.roles.insert(
                    role_name.clone(),
                    RoleDetail {
                        path: path.clone(),
                        name: role_name.clone(),
                        arn,
                        id: None,
                        description: description.clone(),
                        trust,
                        inline: Vec::new(),
                        attached: Vec::new(),
                        boundary: permissions_boundary.clone(),
                        instance_profiles: Vec::new(),
                        max_session: *max_session_duration,
                        tags: tags_of(t),
                    },
                );
            }
            Call::UpdateAssumeRolePolicy {
                role_name,
                policy_document,
            } => {
                let trust = document(policy_document)?;
                self.check_principals(&trust)?;
                self.role(role_name)?.trust = trust;
            }
            Call::UpdateRole {
                role_name,
                description,
                max_session_duration,
            } => {
                let role = self.role(role_name)?;
                if let Some(description) = description {
                    role.description = Some(description.clone()).filter(|d| !d.is_empty());
                }
                if let Some(seconds) = max_session_duration {
                    role.max_session = Some(*seconds);
                }
            }
            Call::CreateInstanceProfile {
                instance_profile_name,
                path,
            } => {
                if self.profiles.contains_key(instance_profile_name) {
                    return Err(exists(instance_profile_name));
                }
                let arn = self.arn("instance-profile", path, instance_profile_name);
                self.profiles
                    .insert(instance_profile_name.clone(), (path.clone(), arn, None));
            }
            Call::AddRoleToInstanceProfile {
                instance_profile_name,
                role_name,
            } => {
                self.role(role_name)?;
                let profile = self
                    .profiles
                    .get_mut(instance_profile_name)
                    .ok_or_else(|| no_such(instance_profile_name))?;
                if profile.2.is_some() {
                    return Err(format!(
                        "LimitExceeded: instance profile {instance_profile_name} holds a role already"
                    ));
                }
                profile.2 = Some(role_name.clone());
            }
            Call::RemoveRoleFromInstanceProfile {
                instance_profile_name,
                role_name,
            } => {
                let profile = self
                    .profiles
                    .get_mut(instance_profile_name)
                    .ok_or_else(|| no_such(instance_profile_name))?;
                if profile.2.as_ref() != Some(role_name) {
                    return Err(no_such(&format!(
                        "{role_name} in instance profile {instance_profile_name}"
                    )));
                }
                profile.2 = None;
            }
            Call::DeleteInstanceProfile {
                instance_profile_name,
            } => {
                let profile = self
                    .profiles
                    .get(instance_profile_name)
                    .ok_or_else(|| no_such(instance_profile_name))?;
                if profile.2.is_some() {
                    return Err(conflict(&format!(
                        "instance profile {instance_profile_name} still holds a role"
                    )));
                }
                self.profiles.remove(instance_profile_name);
            }
            Call::DeleteRole { role_name } => {
                let role = self.role(role_name)?;
                if !role.inline.is_empty() || !role.attached.is_empty() {
                    return Err(conflict(&format!("role {role_name} still has policies")));
                }
                if self
                    .profiles
                    .values()
                    .any(|p| p.2.as_ref() == Some(role_name))
                {
                    return Err(conflict(&format!(
                        "role {role_name} is in an instance profile"
                    )));
                }
                self.roles.remove(role_name);
            }
            Call::PutResourcePolicy {
                kind,
                resource_name,
                policy_document,
                ..
            } => {
                let document = document(policy_document)?;
                let resource = self
                    .resources
                    .resources
                    .iter_mut()
                    .find(|r| r.kind == *kind && r.name == *resource_name)
                    .ok_or_else(|| no_such(&format!("{kind} {resource_name}")))?;
                resource.policy = ResourcePolicyState::Document(document);
            }
            Call::DeleteResourcePolicy {
                kind,
                resource_name,
                ..
            } => {
                let resource = self
                    .resources
                    .resources
                    .iter_mut()
                    .find(|r| r.kind == *kind && r.name == *resource_name)
                    .ok_or_else(|| no_such(&format!("{kind} {resource_name}")))?;
                resource.policy = ResourcePolicyState::Absent;
            }
        }
        Ok(())
    }

    /// A call on what a user, group or role holds: its inline policies, attachments, boundary
    /// and tags. The principal must exist, and a policy attached or set as boundary too.
    fn hold(&mut self, call: &Call) -> Result<(), String> {
        let Some((kind, name, holding)) = call.holding() else {
            return Ok(());
        };
        if let Holding::Attach { policy_arn }
        | Holding::PutBoundary {
            permissions_boundary: policy_arn,
        } = holding
        {
            self.attachable(policy_arn)?;
        }
        let (inline, attached, boundary, tags) = match kind {
            PrincipalKind::User => {
                let user = self.user(name)?;
                (
                    &mut user.inline,
                    &mut user.attached,
                    Some(&mut user.boundary),
                    Some(&mut user.tags),
                )
            }
            PrincipalKind::Group => {
                let group = self.group(name)?;
                (&mut group.inline, &mut group.attached, None, None)
            }
            PrincipalKind::Role => {
                let role = self.role(name)?;
                (
                    &mut role.inline,
                    &mut role.attached,
                    Some(&mut role.boundary),
                    Some(&mut role.tags),
                )
            }
        };
        let no_such_call = || format!("InvalidAction: {} does not exist", call.operation());
        match holding {
            Holding::PutPolicy {
                policy_name,
                policy_document,
            } => put_inline(inline, policy_name, document(policy_document)?),
            Holding::DeletePolicy { policy_name } => delete_inline(inline, policy_name)?,
            Holding::Attach { policy_arn } => attach(attached, policy_arn),
            Holding::Detach { policy_arn } => detach(attached, policy_arn)?,
            Holding::PutBoundary {
                permissions_boundary,
            } => *boundary.ok_or_else(no_such_call)? = Some(permissions_boundary.to_string()),
            Holding::DeleteBoundary => *boundary.ok_or_else(no_such_call)? = None,
            Holding::Tag { tags: t } => tags.ok_or_else(no_such_call)?.extend(tags_of(t)),
            Holding::Untag { tag_keys } => tags
                .ok_or_else(no_such_call)?
                .retain(|k, _| !tag_keys.contains(k)),
        }
        Ok(())
    }

    fn attachable(&self, arn: &str) -> Result<(), String> {
        if self.policy_exists(arn) {
            Ok(())
        } else {
            Err(no_such(arn))
        }
    }

    fn user(&mut self, name: &str) -> Result<&mut UserDetail, String> {
        self.users.get_mut(name).ok_or_else(|| no_such(name))
    }

    fn group(&mut self, name: &str) -> Result<&mut GroupDetail, String> {
        self.groups.get_mut(name).ok_or_else(|| no_such(name))
    }

    fn role(&mut self, name: &str) -> Result<&mut RoleDetail, String> {
        self.roles.get_mut(name).ok_or_else(|| no_such(name))
    }

    /// The account now, in the shape deployed state has.
    pub fn state(&self) -> AuthorizationDetails {
        let mut roles: Vec<RoleDetail> = self.roles.values().cloned().collect();
        for role in &mut roles {
            role.instance_profiles = self
                .profiles
                .iter()
                .filter(|(_, p)| p.2.as_ref() == Some(&role.name))
                .map(|(name, (path, arn, _))| InstanceProfile {
                    path: path.clone(),
                    name: name.clone(),
                    arn: arn.clone(),
                })
                .collect();
        }
        let mut state = AuthorizationDetails {
            users: self.users.values().cloned().collect(),
            groups: self.groups.values().cloned().collect(),
            roles,
            policies: self.policies.values().map(|(p, _)| p.clone()).collect(),
            aws_managed: Vec::new(),
            resources: self.resources.resources.clone(),
            organization: None,
        };
        state.sort();
        state
    }
}

fn put_inline(list: &mut Vec<InlinePolicy>, name: &str, document: PolicyDocument) {
    match list.iter_mut().find(|p| p.name == name) {
        Some(existing) => existing.document = document,
        None => list.push(InlinePolicy {
            name: name.to_string(),
            document,
        }),
    }
}

fn delete_inline(list: &mut Vec<InlinePolicy>, name: &str) -> Result<(), String> {
    let before = list.len();
    list.retain(|p| p.name != name);
    if list.len() == before {
        return Err(no_such(&format!("inline policy {name}")));
    }
    Ok(())
}

fn attach(list: &mut Vec<AttachedPolicy>, arn: &str) {
    if !list.iter().any(|a| a.arn == arn) {
        list.push(AttachedPolicy::from_arn(arn));
    }
}

fn detach(list: &mut Vec<AttachedPolicy>, arn: &str) -> Result<(), String> {
    let before = list.len();
    list.retain(|a| a.arn != arn);
    if list.len() == before {
        return Err(no_such(&format!("attachment of {arn}")));
    }
    Ok(())
}
