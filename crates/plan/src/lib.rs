//! `iamdsl plan`: the diff turned into the ordered IAM API calls that make one account's
//! deployed state equal to the build, and a fingerprint of the state it was planned against
//! (terraform's plan contract: apply refuses a plan whose state has changed since).
//!
//! The plan changes exactly what the diff shows: the entities it creates, changes and removes
//! are the diff's own ([`iamdsl_diff::entity_changes`]), so what a reviewer read is what is applied. What
//! the diff cannot compare (a field deployed state does not show) is never changed either.
//!
//! Order follows what IAM requires of each call (the API reference's "Errors" and the
//! preconditions of each `Delete…` operation), and adds before it takes away:
//!
//! 1. managed policies created, then new versions (the oldest other version deleted first where
//!    five exist: "A managed policy can have up to five versions",
//!    <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html>);
//! 2. groups, then users (a user joins groups that exist), then roles: a role whose trust names a
//!    principal created in the same plan after that principal (IAM rejects a trust policy that
//!    names a principal it cannot find: "Invalid principal in policy"); roles that name each other
//!    are created with the statements that name a role not yet created left out, and get their
//!    whole trust once all exist;
//! 3. each entity's documents, attachments, boundaries, tags and memberships added or replaced,
//!    then what the build no longer has detached, deleted or untagged;
//! 4. deletions, kept apart (they need `--allow-delete`): what each `Delete…` call requires
//!    removed first ("you must first remove …", DeleteRole, DeleteUser, DeleteGroup, DeletePolicy
//!    in the API reference), roles and users before groups and policies.

mod call;
pub mod model;

use std::collections::{BTreeMap, BTreeSet};

use iamdsl_catalog::resource_policies::resource_policy_kind_by_key;
use iamdsl_diagnostics::{codes, Diagnostic};
use iamdsl_diff::{Change, Scope};
use iamdsl_policy::authz::{
    AttachedPolicy, AuthorizationDetails, GroupDetail, InlinePolicy, ManagedPolicyDetail,
    ResourcePolicyDetail, ResourcePolicyState, RoleDetail, Tags, UserDetail, DEFAULT_MAX_SESSION,
};
use iamdsl_policy::canonical::{canonicalize, document_json};
use iamdsl_policy::{ActionBlock, Effect, NameSet, PolicyDocument, Principals, Statement};
use serde::{Deserialize, Serialize};

pub use call::{Call, Holding, PrincipalKind, Tag};

/// The plan file's format; a file of another is refused, never guessed at.
pub const FORMAT: u32 = 1;

/// What `plan` writes and `apply` runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct Plan {
    pub format: u32,
    /// The account's id, and its name as the project declares it.
    pub account: String,
    pub account_name: String,
    /// SHA-256 of the deployed state planned against ([`fingerprint`]).
    pub fingerprint: String,
    /// Calls that create and change, in order.
    pub changes: Vec<Call>,
    /// Calls that delete entities the project no longer declares, in order, after the changes.
    pub deletions: Vec<Call>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.deletions.is_empty()
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// A plan file, checked: its format, and that every call is one iamdsl makes.
    pub fn read(text: &str) -> Result<Plan, Diagnostic> {
        let invalid = |said: String| {
            Diagnostic::error(codes::PLAN_FILE_INVALID, "not a plan that iamdsl wrote")
                .with_note(said)
                .with_help(
                    "write a plan with `iamdsl plan PATH --live -o PLAN` and apply that file",
                )
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let format = value.get("format").and_then(serde_json::Value::as_u64);
        if format != Some(u64::from(FORMAT)) {
            return Err(invalid(match format {
                Some(other) => format!("its format is {other}; this iamdsl reads format {FORMAT}"),
                None => "it has no `format`".to_string(),
            }));
        }
        serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
    }

    /// The calls for people, numbered in the order they run.
    pub fn render_calls(&self) -> String {
        let mut out = String::new();
        let count = |n: usize| format!("{n} call{}", if n == 1 { "" } else { "s" });
        if self.is_empty() {
            out.push_str("No calls: deployed state is what the project builds.\n");
            return out;
        }
        out.push_str(&format!("{}:\n", count(self.changes.len())));
        for (i, call) in self.changes.iter().enumerate() {
            out.push_str(&format!("{:>4}. {}\n", i + 1, call.line()));
        }
        if !self.deletions.is_empty() {
            out.push_str(&format!(
                "\nDeletions, {} (run only with --allow-delete):\n",
                count(self.deletions.len())
            ));
            for (i, call) in self.deletions.iter().enumerate() {
                out.push_str(&format!(
                    "{:>4}. {}\n",
                    self.changes.len() + i + 1,
                    call.line()
                ));
            }
        }
        out
    }
}

/// SHA-256 of one account's deployed state as iamdsl reads it: entities with their ids (a role
/// deleted and made again is another role), documents canonical, each policy's versions. What
/// AWS changes on its own (last-used dates) is not part of it.
pub fn fingerprint(deployed: &AuthorizationDetails) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted = deployed.clone();
    sorted.aws_managed.clear();
    sorted.sort();
    let mut hasher = Sha256::new();
    hasher.update(sorted.to_json().compact().as_bytes());
    for policy in &sorted.policies {
        hasher.update(format!("\n{} {}", policy.arn, policy.other_versions.join(",")).as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The calls that make `deployed` (one account's state) equal to `built` (the project's build
/// for that account), or the changes IAM cannot make, as errors.
pub fn plan(
    built: &AuthorizationDetails,
    deployed: &AuthorizationDetails,
    scope: &Scope,
    account: &str,
    account_name: &str,
) -> Result<Plan, Vec<Diagnostic>> {
    let report = iamdsl_diff::entity_changes(built, deployed, scope);
    let removed = report
        .entities
        .iter()
        .filter(|e| e.change == Change::Removed)
        .map(|e| (e.kind, e.name.as_str()))
        .collect();
    let mut planner = Planner::new(built, deployed, scope, account, removed);
    for entity in &report.entities {
        planner.entity(entity.kind, &entity.name, entity.change);
    }
    planner.finish(account, account_name, fingerprint(deployed))
}

/// Entities of one side by name, per kind.
struct Side<'a> {
    users: BTreeMap<&'a str, &'a UserDetail>,
    groups: BTreeMap<&'a str, &'a GroupDetail>,
    roles: BTreeMap<&'a str, &'a RoleDetail>,
    policies: BTreeMap<&'a str, &'a ManagedPolicyDetail>,
    resources: BTreeMap<(&'a str, &'a str), &'a ResourcePolicyDetail>,
}

impl<'a> Side<'a> {
    fn new(details: &'a AuthorizationDetails) -> Side<'a> {
        Side {
            users: details.users.iter().map(|u| (u.name.as_str(), u)).collect(),
            groups: details
                .groups
                .iter()
                .map(|g| (g.name.as_str(), g))
                .collect(),
            roles: details.roles.iter().map(|r| (r.name.as_str(), r)).collect(),
            policies: details
                .policies
                .iter()
                .map(|p| (p.name.as_str(), p))
                .collect(),
            resources: details
                .resources
                .iter()
                .map(|r| ((r.kind.as_str(), r.name.as_str()), r))
                .collect(),
        }
    }
}

/// The calls of each phase, gathered entity by entity and joined in phase order at the end.
#[derive(Default)]
struct Phases {
    policies: Vec<Call>,
    groups: Vec<Call>,
    users: Vec<Call>,
    roles: Vec<Call>,
    profiles: Vec<Call>,
    /// Trust policies given in full once every role they name exists.
    trust: Vec<Call>,
    add: Vec<Call>,
    resources: Vec<Call>,
    take_away: Vec<Call>,
    delete_principals: Vec<Call>,
    delete_groups: Vec<Call>,
    delete_policies: Vec<Call>,
}

/// A principal the plan changes: its kind and name.
#[derive(Clone, Copy)]
struct Principal<'n>(PrincipalKind, &'n str);

impl Principal<'_> {
    fn call(self, holding: Holding<'_>) -> Option<Call> {
        Call::on_principal(self.0, self.1, holding)
    }
}

/// What one principal holds, on one side.
struct Holdings<'a> {
    inline: &'a [InlinePolicy],
    attached: &'a [AttachedPolicy],
    boundary: Option<&'a str>,
    tags: Option<&'a Tags>,
}

impl Holdings<'_> {
    const NONE: Holdings<'static> = Holdings {
        inline: &[],
        attached: &[],
        boundary: None,
        tags: None,
    };

    /// Without the boundary and tags: what is left to add once the `Create…` call that sets
    /// them has made the principal.
    fn after_create(self) -> Self {
        Holdings {
            boundary: None,
            tags: None,
            ..self
        }
    }
}

impl<'a> From<&'a UserDetail> for Holdings<'a> {
    fn from(user: &'a UserDetail) -> Self {
        Holdings {
            inline: &user.inline,
            attached: &user.attached,
            boundary: user.boundary.as_deref(),
            tags: Some(&user.tags),
        }
    }
}

impl<'a> From<&'a GroupDetail> for Holdings<'a> {
    fn from(group: &'a GroupDetail) -> Self {
        Holdings {
            inline: &group.inline,
            attached: &group.attached,
            boundary: None,
            tags: None,
        }
    }
}

impl<'a> From<&'a RoleDetail> for Holdings<'a> {
    fn from(role: &'a RoleDetail) -> Self {
        Holdings {
            inline: &role.inline,
            attached: &role.attached,
            boundary: role.boundary.as_deref(),
            tags: Some(&role.tags),
        }
    }
}

struct Planner<'a> {
    built: Side<'a>,
    deployed: Side<'a>,
    deployed_details: &'a AuthorizationDetails,
    scope: &'a Scope,
    account: &'a str,
    /// (kind, name) of what the diff removes.
    removed: BTreeSet<(&'a str, &'a str)>,
    phases: Phases,
    /// Roles to create, in name order until [`Planner::finish`] orders them by trust.
    creating_roles: Vec<&'a RoleDetail>,
    errors: Vec<Diagnostic>,
}

fn document_text(document: &PolicyDocument) -> String {
    document_json(&canonicalize(document)).compact()
}

fn tag_list(tags: &Tags) -> Vec<Tag> {
    tags.iter()
        .map(|(key, value)| Tag {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

/// (tags to set, keys to remove) that make `deployed` into `built`.
fn tag_changes(built: &Tags, deployed: &Tags) -> (Vec<Tag>, Vec<String>) {
    let set = built
        .iter()
        .filter(|(key, value)| deployed.get(*key) != Some(*value))
        .map(|(key, value)| Tag {
            key: key.clone(),
            value: value.clone(),
        })
        .collect();
    let removed = deployed
        .keys()
        .filter(|key| !built.contains_key(*key))
        .cloned()
        .collect();
    (set, removed)
}

/// The AWS principals a trust policy names.
fn trusted_arns(trust: &PolicyDocument) -> BTreeSet<&str> {
    trust
        .statements
        .iter()
        .filter_map(|s| s.principal.as_ref())
        .filter_map(|p| p.0.get("AWS"))
        .flat_map(|values| values.iter())
        .map(String::as_str)
        .collect()
}

fn cannot(message: String, help: &str) -> Diagnostic {
    Diagnostic::error(codes::PLAN_CANNOT_CHANGE, message).with_help(help.to_string())
}

fn unowned(message: String, help: &str) -> Diagnostic {
    Diagnostic::error(codes::PLAN_TOUCHES_UNMANAGED, message).with_help(help.to_string())
}

/// The account's root: what a placeholder trust names, since it always exists.
fn account_root(role_arn: &str, account: &str) -> String {
    let partition = role_arn.split(':').nth(1).unwrap_or("aws");
    format!("arn:{partition}:iam::{account}:root")
}

impl<'a> Planner<'a> {
    fn new(
        built: &'a AuthorizationDetails,
        deployed: &'a AuthorizationDetails,
        scope: &'a Scope,
        account: &'a str,
        removed: BTreeSet<(&'a str, &'a str)>,
    ) -> Planner<'a> {
        Planner {
            built: Side::new(built),
            deployed: Side::new(deployed),
            deployed_details: deployed,
            scope,
            account,
            removed,
            phases: Phases::default(),
            creating_roles: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Whether the project owns this deployed principal after the plan: it declares it, or the
    /// plan deletes it (and with it what it holds).
    fn owned(&self, kind: &str, name: &str) -> bool {
        let declared = match kind {
            "user" => self.built.users.contains_key(name),
            "group" => self.built.groups.contains_key(name),
            _ => self.built.roles.contains_key(name),
        };
        declared || self.removed.contains(&(kind, name))
    }

    fn entity(&mut self, kind: &str, name: &str, change: Change) {
        match (kind, change) {
            (_, Change::Unmanaged) => {}
            ("user", _) => self.user(name, change),
            ("group", _) => self.group(name, change),
            ("role", _) => self.role(name, change),
            ("policy", _) => self.policy(name, change),
            (resource_type, _) => self.resource(resource_type, name, change),
        }
    }

    /// Adds and takes away a principal's documents, attachments, boundary and tags. Tags that
    /// the deployed side does not show (`None`) are not compared, so not changed.
    fn holdings(&mut self, who: Principal<'_>, built: &Holdings<'_>, deployed: &Holdings<'_>) {
        if !iamdsl_diff::same_inline(built.inline, deployed.inline) {
            for policy in built.inline {
                let same = deployed.inline.iter().any(|d| {
                    d.name == policy.name
                        && iamdsl_diff::same_document(&d.document, &policy.document)
                });
                if !same {
                    let text = document_text(&policy.document);
                    self.phases.add.extend(who.call(Holding::PutPolicy {
                        policy_name: &policy.name,
                        policy_document: &text,
                    }));
                }
            }
            for policy in deployed.inline {
                if !built.inline.iter().any(|b| b.name == policy.name) {
                    self.phases
                        .take_away
                        .extend(who.call(Holding::DeletePolicy {
                            policy_name: &policy.name,
                        }));
                }
            }
        }
        let arns = |list: &[AttachedPolicy]| -> BTreeSet<String> {
            list.iter().map(|a| a.arn.clone()).collect()
        };
        let (b, d) = (arns(built.attached), arns(deployed.attached));
        for arn in b.difference(&d) {
            self.phases
                .add
                .extend(who.call(Holding::Attach { policy_arn: arn }));
        }
        for arn in d.difference(&b) {
            self.phases
                .take_away
                .extend(who.call(Holding::Detach { policy_arn: arn }));
        }
        match (built.boundary, deployed.boundary) {
            (Some(b), d) if Some(b) != d => {
                self.phases.add.extend(who.call(Holding::PutBoundary {
                    permissions_boundary: b,
                }))
            }
            (None, Some(_)) => self
                .phases
                .take_away
                .extend(who.call(Holding::DeleteBoundary)),
            _ => {}
        }
        if let (Some(built_tags), Some(deployed_tags)) = (built.tags, deployed.tags) {
            let (set, removed) = tag_changes(built_tags, deployed_tags);
            if !set.is_empty() {
                self.phases
                    .add
                    .extend(who.call(Holding::Tag { tags: &set }));
            }
            if !removed.is_empty() {
                self.phases
                    .take_away
                    .extend(who.call(Holding::Untag { tag_keys: &removed }));
            }
        }
    }

    /// A deleted principal: `DeleteRole`, `DeleteUser` and `DeleteGroup` each require its
    /// inline policies deleted and its managed policies detached first.
    fn strip(&mut self, who: Principal<'_>, inline: &[InlinePolicy], attached: &[AttachedPolicy]) {
        let calls: Vec<Call> = inline
            .iter()
            .filter_map(|p| {
                who.call(Holding::DeletePolicy {
                    policy_name: &p.name,
                })
            })
            .chain(
                attached
                    .iter()
                    .filter_map(|a| who.call(Holding::Detach { policy_arn: &a.arn })),
            )
            .collect();
        match who.0 {
            PrincipalKind::Group => self.phases.delete_groups.extend(calls),
            _ => self.phases.delete_principals.extend(calls),
        }
    }

    fn user(&mut self, name: &str, change: Change) {
        let (built, deployed) = (
            self.built.users.get(name).copied(),
            self.deployed.users.get(name).copied(),
        );
        let who = Principal(PrincipalKind::User, name);
        match (built, deployed, change) {
            (Some(b), None, _) => {
                self.phases.users.push(Call::CreateUser {
                    user_name: b.name.clone(),
                    path: b.path.clone(),
                    permissions_boundary: b.boundary.clone(),
                    tags: tag_list(&b.tags),
                });
                for group in &b.groups {
                    self.phases.add.push(Call::AddUserToGroup {
                        user_name: b.name.clone(),
                        group_name: group.clone(),
                    });
                }
                self.holdings(who, &Holdings::from(b).after_create(), &Holdings::NONE);
            }
            (Some(b), Some(d), Change::Changed) => {
                if b.path != d.path {
                    self.phases.users.push(Call::UpdateUser {
                        user_name: b.name.clone(),
                        new_path: b.path.clone(),
                    });
                }
                let (b_groups, d_groups): (BTreeSet<&String>, BTreeSet<&String>) =
                    (b.groups.iter().collect(), d.groups.iter().collect());
                for group in b_groups.difference(&d_groups) {
                    self.phases.add.push(Call::AddUserToGroup {
                        user_name: b.name.clone(),
                        group_name: (*group).clone(),
                    });
                }
                for group in d_groups.difference(&b_groups) {
                    self.phases.take_away.push(Call::RemoveUserFromGroup {
                        user_name: b.name.clone(),
                        group_name: (*group).clone(),
                    });
                }
                self.holdings(who, &b.into(), &d.into());
            }
            (None, Some(d), Change::Removed) => {
                // DeleteUser also requires the user's credentials gone (password, access keys,
                // MFA devices, …): iamdsl never deletes a credential, so IAM refuses such a
                // user, and apply says what to remove.
                for group in &d.groups {
                    self.phases
                        .delete_principals
                        .push(Call::RemoveUserFromGroup {
                            user_name: d.name.clone(),
                            group_name: group.clone(),
                        });
                }
                self.strip(who, &d.inline, &d.attached);
                self.phases.delete_principals.push(Call::DeleteUser {
                    user_name: d.name.clone(),
                });
            }
            _ => {}
        }
    }

    fn group(&mut self, name: &str, change: Change) {
        let (built, deployed) = (
            self.built.groups.get(name).copied(),
            self.deployed.groups.get(name).copied(),
        );
        let who = Principal(PrincipalKind::Group, name);
        match (built, deployed, change) {
            (Some(b), None, _) => {
                self.phases.groups.push(Call::CreateGroup {
                    group_name: b.name.clone(),
                    path: b.path.clone(),
                });
                self.holdings(who, &Holdings::from(b).after_create(), &Holdings::NONE);
            }
            (Some(b), Some(d), Change::Changed) => {
                if b.path != d.path {
                    self.phases.groups.push(Call::UpdateGroup {
                        group_name: b.name.clone(),
                        new_path: b.path.clone(),
                    });
                }
                self.holdings(who, &b.into(), &d.into());
            }
            (None, Some(d), Change::Removed) => {
                let outsiders: Vec<&str> = self
                    .deployed_details
                    .users
                    .iter()
                    .filter(|u| u.groups.iter().any(|g| g == name))
                    .filter(|u| !self.owned("user", &u.name))
                    .map(|u| u.name.as_str())
                    .collect();
                if !outsiders.is_empty() {
                    self.errors.push(unowned(
                        format!("the group `{name}` is to be deleted, and users the project does not own are in it: {}", outsiders.join(", ")),
                        "iamdsl never changes what the project does not own: take those users out of the group yourself, or keep declaring the group",
                    ));
                    return;
                }
                // The members the project owns leave it in their own change or deletion.
                self.strip(who, &d.inline, &d.attached);
                self.phases.delete_groups.push(Call::DeleteGroup {
                    group_name: d.name.clone(),
                });
            }
            _ => {}
        }
    }

    fn role(&mut self, name: &str, change: Change) {
        let (built, deployed) = (
            self.built.roles.get(name).copied(),
            self.deployed.roles.get(name).copied(),
        );
        let who = Principal(PrincipalKind::Role, name);
        match (built, deployed, change) {
            (Some(b), None, _) => {
                // Created in finish(), in the order trust requires, with its boundary and tags.
                self.creating_roles.push(b);
                self.instance_profiles(b, None);
                self.holdings(who, &Holdings::from(b).after_create(), &Holdings::NONE);
            }
            (Some(b), Some(d), Change::Changed) => {
                if b.path != d.path {
                    self.errors.push(cannot(
                        format!("the role `{name}` moves from path {} to {}, which IAM cannot change", d.path, b.path),
                        "keep the deployed path, or give the role another name: the new role is created and the old one deleted (with --allow-delete)",
                    ));
                    return;
                }
                if !iamdsl_diff::same_document(&b.trust, &d.trust) {
                    self.phases.trust.push(Call::UpdateAssumeRolePolicy {
                        role_name: b.name.clone(),
                        policy_document: document_text(&b.trust),
                    });
                }
                // What deployed state does not show is not compared, so not changed.
                let description_changes = d.shows_description() && b.description != d.description;
                let session_changes =
                    d.max_session.is_some() && b.session_limit() != d.session_limit();
                if description_changes || session_changes {
                    // Both are sent, as the build has them: an UpdateRole that leaves one out
                    // may clear it (moto does). An empty description removes one.
                    let description = match (&b.description, &d.description) {
                        (Some(text), _) => Some(text.clone()),
                        (None, Some(_)) => Some(String::new()),
                        (None, None) => None,
                    };
                    self.phases.add.push(Call::UpdateRole {
                        role_name: b.name.clone(),
                        description,
                        max_session_duration: Some(b.max_session.unwrap_or(DEFAULT_MAX_SESSION)),
                    });
                }
                self.instance_profiles(b, Some(d));
                self.holdings(who, &b.into(), &d.into());
            }
            (None, Some(d), Change::Removed) => {
                for profile in &d.instance_profiles {
                    if self.claimed_profile(&profile.name).is_some() {
                        continue; // moved to the role that claims it, in that role's change
                    }
                    self.phases
                        .delete_principals
                        .push(Call::RemoveRoleFromInstanceProfile {
                            instance_profile_name: profile.name.clone(),
                            role_name: d.name.clone(),
                        });
                    if self.scope.owns(&profile.path, &profile.name, &profile.arn) {
                        self.phases
                            .delete_principals
                            .push(Call::DeleteInstanceProfile {
                                instance_profile_name: profile.name.clone(),
                            });
                    }
                }
                self.strip(who, &d.inline, &d.attached);
                self.phases.delete_principals.push(Call::DeleteRole {
                    role_name: d.name.clone(),
                });
            }
            _ => {}
        }
    }

    /// The built role whose declaration holds this instance profile.
    fn claimed_profile(&self, profile: &str) -> Option<&'a RoleDetail> {
        self.built
            .roles
            .values()
            .copied()
            .find(|r| r.instance_profiles.iter().any(|p| p.name == profile))
    }

    /// The deployed role that holds this instance profile now.
    fn holder_of_profile(&self, profile: &str) -> Option<&'a RoleDetail> {
        self.deployed
            .roles
            .values()
            .copied()
            .find(|r| r.instance_profiles.iter().any(|p| p.name == profile))
    }

    /// A role's instance profiles: created, or moved from the role that holds them (a profile
    /// holds one role: <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html>),
    /// and those it no longer has released.
    fn instance_profiles(&mut self, built: &RoleDetail, deployed: Option<&RoleDetail>) {
        let has = |role: Option<&RoleDetail>, name: &str| {
            role.is_some_and(|r| r.instance_profiles.iter().any(|p| p.name == name))
        };
        for profile in &built.instance_profiles {
            if has(deployed, &profile.name) {
                continue;
            }
            match self.holder_of_profile(&profile.name) {
                Some(holder) if !self.owned("role", &holder.name) => {
                    self.errors.push(unowned(
                        format!("the instance profile `{}` of role `{}` holds the role `{}`, which the project does not own", profile.name, built.name, holder.name),
                        "iamdsl never changes what the project does not own: remove that role from the profile yourself, or name another profile",
                    ));
                    continue;
                }
                Some(holder) => {
                    let path = holder
                        .instance_profiles
                        .iter()
                        .find(|p| p.name == profile.name)
                        .map(|p| p.path.as_str());
                    if path != Some(profile.path.as_str()) {
                        self.errors.push(cannot(
                            format!("the instance profile `{}` moves to path {}, which IAM cannot change", profile.name, profile.path),
                            "keep the deployed path, or give the instance profile another name",
                        ));
                        continue;
                    }
                    self.phases
                        .profiles
                        .push(Call::RemoveRoleFromInstanceProfile {
                            instance_profile_name: profile.name.clone(),
                            role_name: holder.name.clone(),
                        });
                }
                None => self.phases.profiles.push(Call::CreateInstanceProfile {
                    instance_profile_name: profile.name.clone(),
                    path: profile.path.clone(),
                }),
            }
            self.phases.profiles.push(Call::AddRoleToInstanceProfile {
                instance_profile_name: profile.name.clone(),
                role_name: built.name.clone(),
            });
        }
        for profile in deployed.map_or(&[][..], |d| &d.instance_profiles[..]) {
            if has(Some(built), &profile.name) || self.claimed_profile(&profile.name).is_some() {
                continue;
            }
            self.phases
                .take_away
                .push(Call::RemoveRoleFromInstanceProfile {
                    instance_profile_name: profile.name.clone(),
                    role_name: built.name.clone(),
                });
            if self.scope.owns(&profile.path, &profile.name, &profile.arn) {
                self.phases
                    .delete_principals
                    .push(Call::DeleteInstanceProfile {
                        instance_profile_name: profile.name.clone(),
                    });
            }
        }
    }

    fn policy(&mut self, name: &str, change: Change) {
        let (built, deployed) = (
            self.built.policies.get(name).copied(),
            self.deployed.policies.get(name).copied(),
        );
        match (built, deployed, change) {
            (Some(b), None, _) => self.phases.policies.push(Call::CreatePolicy {
                policy_name: b.name.clone(),
                path: b.path.clone(),
                description: b.description.clone(),
                policy_document: document_text(&b.document),
                tags: b.tags.as_ref().map(tag_list).unwrap_or_default(),
            }),
            (Some(b), Some(d), Change::Changed) => {
                if b.path != d.path {
                    self.errors.push(cannot(
                        format!("the managed policy `{name}` moves from path {} to {}, which IAM cannot change", d.path, b.path),
                        "keep the deployed path, or give the policy another name: the new policy is created and the old one deleted (with --allow-delete)",
                    ));
                    return;
                }
                if b.description != d.description {
                    self.errors.push(cannot(
                        format!("the description of the managed policy `{name}` changes, which IAM cannot change once a policy exists (no IAM call takes it)"),
                        "keep the deployed description, or give the policy another name: the new policy is created and the old one deleted (with --allow-delete)",
                    ));
                    return;
                }
                if !iamdsl_diff::same_document(&b.document, &d.document) {
                    // Five versions at most, the default among them: the oldest other goes first.
                    if d.other_versions.len() >= MAX_POLICY_VERSIONS - 1 {
                        if let Some(oldest) = d.other_versions.first() {
                            self.phases.policies.push(Call::DeletePolicyVersion {
                                policy_arn: d.arn.clone(),
                                version_id: oldest.clone(),
                            });
                        }
                    }
                    self.phases.policies.push(Call::CreatePolicyVersion {
                        policy_arn: d.arn.clone(),
                        policy_document: document_text(&b.document),
                    });
                }
                if let (Some(built_tags), Some(deployed_tags)) = (&b.tags, &d.tags) {
                    let (set, removed) = tag_changes(built_tags, deployed_tags);
                    if !set.is_empty() {
                        self.phases.add.push(Call::TagPolicy {
                            policy_arn: d.arn.clone(),
                            tags: set,
                        });
                    }
                    if !removed.is_empty() {
                        self.phases.take_away.push(Call::UntagPolicy {
                            policy_arn: d.arn.clone(),
                            tag_keys: removed,
                        });
                    }
                }
            }
            (None, Some(d), Change::Removed) => self.delete_policy(d),
            _ => {}
        }
    }

    /// DeletePolicy requires the policy detached from every user, group and role, used as no
    /// boundary, and its other versions deleted. The project's own principals let go of it in
    /// their change or deletion; one the project does not own would keep it, so the deletion is
    /// refused.
    fn delete_policy(&mut self, policy: &ManagedPolicyDetail) {
        let arn = policy.arn.as_str();
        let uses = |attached: &[AttachedPolicy], boundary: Option<&str>| {
            attached.iter().any(|a| a.arn == arn) || boundary == Some(arn)
        };
        let details = self.deployed_details;
        let users = details
            .users
            .iter()
            .filter(|u| uses(&u.attached, u.boundary.as_deref()) && !self.owned("user", &u.name))
            .map(|u| format!("user {}", u.name));
        let groups = details
            .groups
            .iter()
            .filter(|g| uses(&g.attached, None) && !self.owned("group", &g.name))
            .map(|g| format!("group {}", g.name));
        let roles = details
            .roles
            .iter()
            .filter(|r| uses(&r.attached, r.boundary.as_deref()) && !self.owned("role", &r.name))
            .map(|r| format!("role {}", r.name));
        let outsiders: Vec<String> = users.chain(groups).chain(roles).collect();
        if !outsiders.is_empty() {
            self.errors.push(unowned(
                format!(
                    "the managed policy `{}` is to be deleted, and entities the project does not own use it: {}",
                    policy.name,
                    outsiders.join(", ")
                ),
                "iamdsl never changes what the project does not own: detach it from those yourself, or keep declaring the policy",
            ));
            return;
        }
        for version in &policy.other_versions {
            self.phases.delete_policies.push(Call::DeletePolicyVersion {
                policy_arn: policy.arn.clone(),
                version_id: version.clone(),
            });
        }
        self.phases.delete_policies.push(Call::DeletePolicy {
            policy_arn: policy.arn.clone(),
        });
    }

    /// A resource's own policy, written with its service's call (the kind's row says which).
    /// iamdsl writes the policy, never the resource.
    fn resource(&mut self, resource_type: &str, name: &str, change: Change) {
        let find = |side: &Side<'a>| {
            side.resources
                .iter()
                .find(|((kind, n), _)| *n == name && kind.ends_with(&format!(".{resource_type}")))
                .map(|(_, r)| *r)
        };
        let (built, deployed) = (find(&self.built), find(&self.deployed));
        match (built, deployed, change) {
            (Some(b), _, Change::Created | Change::Changed) => match &b.policy {
                ResourcePolicyState::Document(document) => {
                    self.phases.resources.push(Call::PutResourcePolicy {
                        kind: b.kind.clone(),
                        resource_name: b.name.clone(),
                        resource_arn: deployed.map_or_else(|| b.arn.clone(), |d| d.arn.clone()),
                        policy_document: document_text(document),
                    })
                }
                _ => self.remove_resource_policy(b, deployed, false),
            },
            (None, Some(d), Change::Removed) => self.remove_resource_policy(d, Some(d), true),
            _ => {}
        }
    }

    fn remove_resource_policy(
        &mut self,
        resource: &ResourcePolicyDetail,
        deployed: Option<&ResourcePolicyDetail>,
        deletion: bool,
    ) {
        let Some(kind) = resource_policy_kind_by_key(&resource.kind) else {
            return;
        };
        if kind.delete_api.is_empty() {
            self.errors.push(cannot(
                format!("the {} of `{}` is to be removed, which {} cannot do: the resource always has one", kind.label, resource.name, kind.service),
                "keep declaring the resource with the policy it should have",
            ));
            return;
        }
        let call = Call::DeleteResourcePolicy {
            kind: resource.kind.clone(),
            resource_name: resource.name.clone(),
            resource_arn: deployed.map_or_else(|| resource.arn.clone(), |d| d.arn.clone()),
        };
        if deletion {
            self.phases.delete_policies.push(call);
        } else {
            self.phases.take_away.push(call);
        }
    }

    /// Roles in the order their trust needs: a role that names one to be created comes after
    /// it. Among roles that name each other (or themselves), the first by name is created with
    /// a trust that leaves out the statements naming roles not yet created, and gets its whole
    /// trust once all exist.
    fn order_roles(&mut self) {
        // What each role's trust names, once: the loop below asks it of every role still
        // waiting, at each step.
        let mut pending: Vec<(&RoleDetail, BTreeSet<&str>)> = self
            .creating_roles
            .iter()
            .map(|role| (*role, trusted_arns(&role.trust)))
            .collect();
        pending.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        let mut waiting: BTreeSet<&str> = pending.iter().map(|(r, _)| r.arn.as_str()).collect();
        while !pending.is_empty() {
            let ready = pending
                .iter()
                .position(|(_, trusted)| trusted.is_disjoint(&waiting));
            let (role, trust) = match ready {
                Some(i) => {
                    let (role, _) = pending.remove(i);
                    (role, role.trust.clone())
                }
                None => {
                    let (role, _) = pending.remove(0);
                    let mut first = role.trust.clone();
                    first.statements.retain(|s| {
                        let mut one = PolicyDocument::default();
                        one.statements.push(s.clone());
                        trusted_arns(&one).is_disjoint(&waiting)
                    });
                    if first.statements.is_empty() {
                        first = placeholder_trust(&account_root(&role.arn, self.account));
                    }
                    self.phases.trust.insert(
                        0,
                        Call::UpdateAssumeRolePolicy {
                            role_name: role.name.clone(),
                            policy_document: document_text(&role.trust),
                        },
                    );
                    (role, first)
                }
            };
            waiting.remove(role.arn.as_str());
            self.phases.roles.push(Call::CreateRole {
                role_name: role.name.clone(),
                path: role.path.clone(),
                assume_role_policy_document: document_text(&trust),
                description: role.description.clone(),
                max_session_duration: role.max_session,
                permissions_boundary: role.boundary.clone(),
                tags: tag_list(&role.tags),
            });
        }
    }

    fn finish(
        mut self,
        account: &str,
        account_name: &str,
        fingerprint: String,
    ) -> Result<Plan, Vec<Diagnostic>> {
        self.order_roles();
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        let p = self.phases;
        let changes = [
            p.policies,
            p.groups,
            p.users,
            p.roles,
            p.profiles,
            p.trust,
            p.add,
            p.resources,
            p.take_away,
        ]
        .concat();
        let deletions = [p.delete_principals, p.delete_groups, p.delete_policies].concat();
        Ok(Plan {
            format: FORMAT,
            account: account.to_string(),
            account_name: account_name.to_string(),
            fingerprint,
            changes,
            deletions,
        })
    }
}

/// "A managed policy can have up to five versions."
const MAX_POLICY_VERSIONS: usize = 5;

/// A trust that lets nobody assume the role: what a role that names only roles not yet
/// created is made with, before its own trust is set. A deny of the account's root (which
/// always exists) is a valid trust policy that grants nothing.
fn placeholder_trust(root: &str) -> PolicyDocument {
    let mut principals = Principals::default();
    principals
        .0
        .insert("AWS".into(), NameSet::from([root.to_string()]));
    PolicyDocument {
        statements: vec![Statement {
            sid: None,
            effect: Effect::Deny,
            principal: Some(principals),
            action: ActionBlock::Action(NameSet::from(["sts:AssumeRole".to_string()])),
            resource: None,
            condition: Default::default(),
            origins: Vec::new(),
        }],
    }
}
