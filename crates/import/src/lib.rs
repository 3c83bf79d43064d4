//! `iamdsl import`: `.iamdsl` source for deployed state, such that building it gives back the
//! same state (`import` → `build` → `diff` shows no change).
//!
//! Each statement is written in the most readable form that is exact: an access-level intent
//! (`allow read on arn("…")`) when its actions are exactly what the catalog lists for those
//! levels on that resource, explicit actions when every action applies to every resource, and
//! otherwise `#[verbatim]`, which keeps actions, resources and conditions as AWS stores them:
//! actions and keys the catalog no longer knows (W0114), operators of another type than their
//! key, values of another type than their operator and ARN parts iamdsl does not build (W0116);
//! `check` warns about those. What AWS refuses (an ARN of fewer than six parts, an unknown
//! Effect, a document that is not JSON) is an error naming the place: the JSON path, or the
//! entity and the diagnostic. The result is proved by compiling it with the same analysis as
//! `build` and diffing it against the input; an entity that does not come back the same is
//! written again with every statement verbatim, and one that still does not is an error.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use iamdsl_catalog::{Catalog, Level};
use iamdsl_compiler::config::Quotas;
use iamdsl_compiler::is_iso_date;
use iamdsl_policy::authz::{AttachedPolicy, AuthorizationDetails, InlinePolicy};
use iamdsl_policy::{
    ActionBlock, Conditions, Effect, NameSet, PolicyDocument, ResourceBlock, Statement,
};
use iamdsl_syntax::ast::DeclKind;
use iamdsl_syntax::{is_bare_key, quote};

/// The files of an imported project: relative path to content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub files: BTreeMap<String, String>,
    /// Entities left out, with why (service-linked roles, for example).
    pub skipped: Vec<String>,
    /// Entities written with every statement verbatim because the readable form did not
    /// compile back to the same document.
    pub verbatim_entities: Vec<String>,
    /// Deployed entities over AWS's default quotas, as `check` would report them; the
    /// project's `iamdsl.toml` raises those quotas to what the state needs.
    pub over_quota: Vec<String>,
}

/// Identifiers for the AWS names, unique across kinds, valid in the language.
struct Names {
    by_entity: BTreeMap<(DeclKind, String), String>,
}

fn identifier_for(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    // A role called `when` becomes `when_`; one called `admin` or `role` keeps its name.
    if iamdsl_syntax::lexer::is_reserved(&out) {
        out.push('_');
    }
    out
}

impl Names {
    /// `accounts`: the names the accounts get, which no entity may take.
    fn new(details: &AuthorizationDetails, accounts: &BTreeMap<String, String>) -> Names {
        let mut entities: Vec<(DeclKind, String)> = Vec::new();
        entities.extend(
            details
                .policies
                .iter()
                .map(|p| (DeclKind::Policy, p.name.clone())),
        );
        entities.extend(
            details
                .groups
                .iter()
                .map(|g| (DeclKind::Group, g.name.clone())),
        );
        entities.extend(
            details
                .users
                .iter()
                .map(|u| (DeclKind::User, u.name.clone())),
        );
        entities.extend(
            details
                .roles
                .iter()
                .map(|r| (DeclKind::Role, r.name.clone())),
        );
        entities.sort();
        let mut taken: BTreeSet<String> = accounts.values().cloned().collect();
        taken.insert("main".to_string());
        let mut by_entity = BTreeMap::new();
        // Roles first, then users, groups, policies: the principals keep their plain names.
        for (kind, name) in entities.iter().rev() {
            let base = identifier_for(name);
            let mut ident = base.clone();
            if taken.contains(&ident) {
                ident = format!("{base}_{}", kind.keyword());
            }
            let mut n = 2;
            while taken.contains(&ident) {
                ident = format!("{base}_{}{n}", kind.keyword());
                n += 1;
            }
            taken.insert(ident.clone());
            by_entity.insert((*kind, name.clone()), ident);
        }
        Names { by_entity }
    }

    /// The kind keyword and AWS name of an identifier this table gave out.
    fn entity(&self, ident: &str) -> Option<(String, String)> {
        self.by_entity
            .iter()
            .find(|(_, given)| given.as_str() == ident)
            .map(|((kind, name), _)| (kind.keyword().to_string(), name.clone()))
    }

    fn get(&self, kind: DeclKind, name: &str) -> String {
        self.by_entity
            .get(&(kind, name.to_string()))
            .cloned()
            .unwrap_or_else(|| identifier_for(name))
    }
}

/// How statements are written for one entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Readable,
    Verbatim,
}

struct Writer<'a> {
    catalog: &'a Catalog,
    names: Names,
    /// Account id to its name in the generated source.
    accounts: BTreeMap<String, String>,
    /// Customer managed policy ARN to its name.
    policy_arns: BTreeMap<String, String>,
}

fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or("")
}

/// `allow`/`deny` and the value forms of the language.
fn effect_word(effect: Effect) -> &'static str {
    match effect {
        Effect::Allow => "allow",
        Effect::Deny => "deny",
    }
}

fn key_text(key: &str) -> String {
    if is_bare_key(key) {
        key.to_string()
    } else {
        quote(key)
    }
}

/// A condition value in the form the operator's type takes.
fn value_text(operator: &str, value: &str) -> String {
    let base = operator
        .rsplit(':')
        .next()
        .unwrap_or(operator)
        .trim_end_matches("IfExists");
    let typed = match base {
        "Bool" | "Null" => matches!(value, "true" | "false"),
        b if b.starts_with("Numeric") => {
            !value.is_empty() && value.chars().all(|c| c.is_ascii_digit())
        }
        b if b.starts_with("Date") => is_iso_date(value),
        _ => false,
    };
    if typed {
        value.to_string()
    } else {
        quote(value)
    }
}

/// `when Op(key, value) and …`, or nothing.
fn condition_text(condition: &Conditions) -> String {
    let mut clauses = Vec::new();
    for (operator, keys) in &condition.0 {
        for (key, values) in keys {
            let values: Vec<String> = values.iter().map(|v| value_text(operator, v)).collect();
            let value = if values.len() == 1 {
                values[0].clone()
            } else {
                format!("[{}]", values.join(", "))
            };
            clauses.push(format!("{operator}({}, {value})", key_text(key)));
        }
    }
    if clauses.is_empty() {
        String::new()
    } else {
        format!(" when {}", clauses.join(" and "))
    }
}

fn resource_text(arn: &str) -> String {
    if arn == "*" {
        "*".to_string()
    } else {
        format!("arn({})", quote(arn))
    }
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join(", ")
}

impl Writer<'_> {
    /// The access levels whose expansion on `arn` is exactly `actions`, if there are such.
    fn intent_for(&self, actions: &NameSet, arn: &str) -> Option<Vec<&'static str>> {
        let types = self.catalog.resource_types_for_arn(arn);
        let services: BTreeSet<&str> = types.iter().map(|(s, _)| s.prefix.as_str()).collect();
        if types.is_empty() || services.len() > 1 {
            return None;
        }
        let levels = [
            (Level::List, "list"),
            (Level::Read, "read"),
            (Level::Write, "write"),
            (Level::Tagging, "tagging"),
            (Level::PermissionsManagement, "permissions"),
        ];
        let mut covered = NameSet::new();
        let mut chosen = Vec::new();
        for (level, keyword) in levels {
            let expansion: NameSet = types
                .iter()
                .flat_map(|(service, resource_type)| {
                    service
                        .actions
                        .iter()
                        .filter(move |a| a.level() == level && a.applies_to(&resource_type.name))
                        .map(move |a| a.full_name().to_string())
                })
                .collect();
            if !expansion.is_empty() && expansion.is_subset(actions) {
                covered.extend(expansion);
                chosen.push(keyword);
            }
        }
        (!chosen.is_empty() && &covered == actions).then_some(chosen)
    }

    /// Whether every action is a catalog action that applies to every resource, so that the
    /// compiler's pairing of actions with resources keeps all of them.
    fn explicit_is_exact(&self, actions: &NameSet, resources: &NameSet) -> bool {
        actions.iter().all(|name| {
            if name == "*" {
                return true;
            }
            if iamdsl_catalog::wildcard::has_wildcard(name) {
                // A pattern is kept on each resource that one of its actions applies to.
                let matched = self.catalog.match_actions(name);
                return !matched.is_empty()
                    && resources.iter().all(|arn| {
                        arn == "*"
                            || matched.iter().any(|(service, action)| {
                                iamdsl_catalog::best_matches(service, arn)
                                    .iter()
                                    .any(|t| action.applies_to(&t.name))
                            })
                    });
            }
            let Some((service, action)) = self.catalog.action(name) else {
                return false;
            };
            action.full_name() == name
                && resources.iter().all(|arn| {
                    if arn == "*" {
                        return true;
                    }
                    action.has_resources()
                        && iamdsl_catalog::best_matches(service, arn)
                            .iter()
                            .any(|t| action.applies_to(&t.name))
                })
        })
    }

    fn statement(&self, out: &mut String, statement: &Statement, style: Style) {
        let effect = effect_word(statement.effect);
        let condition = condition_text(&statement.condition);
        let (actions, not_actions) = match &statement.action {
            ActionBlock::Action(set) => (set.clone(), None),
            ActionBlock::NotAction(set) => (NameSet::from(["*".to_string()]), Some(set)),
        };
        let (resources, not_resources) = match &statement.resource {
            Some(ResourceBlock::Resource(set)) => (set.clone(), None),
            Some(ResourceBlock::NotResource(set)) => (NameSet::from(["*".to_string()]), Some(set)),
            None => (NameSet::from(["*".to_string()]), None),
        };
        let action_part = match not_actions {
            Some(except) => format!("* except {}", list(except.iter().cloned())),
            None => list(actions.iter().cloned()),
        };
        let resource_part = match not_resources {
            Some(except) => format!("* except {}", list(except.iter().map(|a| resource_text(a)))),
            None => list(resources.iter().map(|a| resource_text(a))),
        };
        let plain = not_actions.is_none() && not_resources.is_none();
        // `* except …` and `… on * except …` compile to exactly NotAction / NotResource when
        // every name in them is one the catalog knows.
        let exact_except = || {
            let star = NameSet::from(["*".to_string()]);
            not_actions.is_none_or(|except| self.explicit_is_exact(except, &star))
                && self.explicit_is_exact(&actions, &star)
                && not_resources.is_none_or(|except| {
                    except
                        .iter()
                        .all(|arn| !self.catalog.resource_types_for_arn(arn).is_empty())
                })
        };
        if style == Style::Readable && !plain && exact_except() {
            let _ = writeln!(
                out,
                "  {effect} {action_part} on {resource_part}{condition}"
            );
            return;
        }
        if style == Style::Readable && plain {
            if let [arn] = resources.iter().collect::<Vec<_>>().as_slice() {
                if let Some(levels) = self.intent_for(&actions, arn) {
                    let _ = writeln!(
                        out,
                        "  {effect} {} on {}{condition}",
                        levels.join(", "),
                        resource_text(arn)
                    );
                    return;
                }
            }
            if self.explicit_is_exact(&actions, &resources) {
                let _ = writeln!(
                    out,
                    "  {effect} {action_part} on {resource_part}{condition}"
                );
                return;
            }
        }
        let _ = writeln!(out, "  #[verbatim]");
        let _ = writeln!(
            out,
            "  {effect} {action_part} on {resource_part}{condition}"
        );
    }

    fn statements(&self, out: &mut String, document: &PolicyDocument, style: Style) {
        for statement in &document.statements {
            self.statement(out, statement, style);
        }
    }

    fn common(&self, out: &mut String, ident: &str, name: &str, path: &str) {
        if ident != name {
            let _ = writeln!(out, "  name = {}", quote(name));
        }
        if path != "/" {
            let _ = writeln!(out, "  path = {}", quote(path));
        }
    }

    /// `attach X` / `boundary X`: a policy of the project by name, or an AWS managed one.
    fn policy_ref(&self, arn: &str) -> Result<String, String> {
        if let Some(name) = self.policy_arns.get(arn) {
            return Ok(name.clone());
        }
        if let Some(rest) = arn.split_once(":iam::aws:policy/").map(|(_, r)| r) {
            // A policy iamdsl's data does not list (AWS published it since) keeps its ARN,
            // which the checker takes with a warning; a name it would refuse.
            let listed = iamdsl_catalog::managed::managed_policies()
                .by_arn(arn)
                .is_some();
            return Ok(format!("aws {}", quote(if listed { rest } else { arn })));
        }
        Err(format!(
            "`{arn}` is neither an AWS managed policy nor one of this state's policies"
        ))
    }

    fn attachments(&self, out: &mut String, attached: &[AttachedPolicy]) -> Result<(), String> {
        for policy in attached {
            let _ = writeln!(out, "  attach {}", self.policy_ref(&policy.arn)?);
        }
        Ok(())
    }

    fn boundary(&self, out: &mut String, boundary: &Option<String>) -> Result<(), String> {
        if let Some(arn) = boundary {
            let _ = writeln!(out, "  boundary {}", self.policy_ref(arn)?);
        }
        Ok(())
    }

    fn inline(&self, out: &mut String, inline: &[InlinePolicy], style: Style) {
        for policy in inline {
            self.statements(out, &policy.document, style);
        }
    }

    /// One trust statement as trust entries of `role_account`'s role.
    fn trust_entries(
        &self,
        out: &mut String,
        statement: &Statement,
        role_account: &str,
    ) -> Result<(), String> {
        if statement.effect != Effect::Allow {
            return Err("a Deny in a trust policy has no source form".into());
        }
        if !statement.condition.is_empty()
            && statement
                .condition
                .0
                .keys()
                .any(|operator| operator.is_empty())
        {
            return Err("an empty condition operator".into());
        }
        let ActionBlock::Action(actions) = &statement.action else {
            return Err("NotAction in a trust policy has no source form".into());
        };
        let Some(principals) = &statement.principal else {
            return Err("a trust statement without Principal".into());
        };
        let condition = condition_text(&statement.condition);
        for (kind, values) in &principals.0 {
            let expected = match kind.as_str() {
                "Federated" if values.iter().all(|v| v.contains(":saml-provider/")) => {
                    "sts:AssumeRoleWithSAML"
                }
                "Federated" => "sts:AssumeRoleWithWebIdentity",
                _ => "sts:AssumeRole",
            };
            let tag_session = actions.contains("sts:TagSession");
            let fits = actions.contains(expected) && actions.len() == 1 + usize::from(tag_session);
            if !fits {
                return Err(format!(
                    "trust of {kind} principals with actions {} (iamdsl writes {expected}, with sts:TagSession for `tag_session`)",
                    list(actions.iter().cloned())
                ));
            }
            let tag = if tag_session { " tag_session" } else { "" };
            for value in values {
                let entry = self.principal_entry(kind, value, role_account)?;
                let _ = writeln!(out, "    {entry}{tag}{condition}");
            }
        }
        Ok(())
    }

    fn principal_entry(
        &self,
        kind: &str,
        value: &str,
        role_account: &str,
    ) -> Result<String, String> {
        match kind {
            "Service" => {
                let short = value.strip_suffix(".amazonaws.com").filter(|s| {
                    !s.is_empty()
                        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
                });
                Ok(match short {
                    Some(short) => format!("service {short}"),
                    None => format!("service {}", quote(value)),
                })
            }
            "AWS" => {
                if let Some(id) = value
                    .strip_prefix("arn:aws:iam::")
                    .and_then(|r| r.strip_suffix(":root"))
                    .filter(|id| id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()))
                {
                    return Ok(match self.accounts.get(id) {
                        Some(name) => format!("account {name}"),
                        None => format!("account {}", quote(id)),
                    });
                }
                if value.len() == 12 && value.chars().all(|c| c.is_ascii_digit()) {
                    return Ok(format!("account {}", quote(value)));
                }
                let resource = value.splitn(6, ':').nth(5).unwrap_or("");
                if value.starts_with("arn:") && resource.starts_with("role/") {
                    return Ok(format!("role arn({})", quote(value)));
                }
                if value.starts_with("arn:") && resource.starts_with("user/") {
                    return Ok(format!("user arn({})", quote(value)));
                }
                Err(format!(
                    "the trusted principal `{value}` has no source form (a deleted principal shows as its unique id; remove it from the trust policy)"
                ))
            }
            "Federated" if value.contains(":saml-provider/") => Ok(format!("saml {}", quote(value))),
            "Federated" => match value.split_once(":oidc-provider/") {
                Some((head, host)) if account_of(head) == role_account => {
                    Ok(format!("oidc {}", quote(host)))
                }
                _ => Err(format!(
                    "the federated principal `{value}` has no source form (an OIDC provider of another account, or a web identity provider such as Cognito)"
                )),
            },
            other => Err(format!("principals of kind `{other}` have no source form")),
        }
    }
}

fn duration_text(seconds: u32) -> String {
    if seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

/// Writes source for `details` with the given style per entity (`(kind keyword, AWS name)`).
fn write_sources(
    writer: &Writer<'_>,
    details: &AuthorizationDetails,
    verbatim: &BTreeSet<(String, String)>,
) -> Result<BTreeMap<String, String>, String> {
    let style = |kind: DeclKind, name: &str| {
        if verbatim.contains(&(kind.keyword().to_string(), name.to_string())) {
            Style::Verbatim
        } else {
            Style::Readable
        }
    };
    let placement = |arn: &str| -> String {
        if writer.accounts.len() > 1 {
            writer
                .accounts
                .get(account_of(arn))
                .map(|name| format!(" in {name}"))
                .unwrap_or_default()
        } else {
            String::new()
        }
    };
    let mut files = BTreeMap::new();

    let mut accounts = String::from("// Imported by `iamdsl import`.\n");
    for (index, (id, name)) in writer.accounts.iter().enumerate() {
        let default = if index == 0 && writer.accounts.len() > 1 {
            " default"
        } else {
            ""
        };
        let _ = writeln!(accounts, "account {name} = {}{default}", quote(id));
    }
    files.insert("accounts.iamdsl".to_string(), accounts);

    let mut policies = String::new();
    for policy in &details.policies {
        let ident = writer.names.get(DeclKind::Policy, &policy.name);
        let _ = writeln!(policies, "\npolicy {ident}{} {{", placement(&policy.arn));
        writer.common(&mut policies, &ident, &policy.name, &policy.path);
        if let Some(description) = &policy.description {
            let _ = writeln!(policies, "  description = {}", quote(description));
        }
        writer.statements(
            &mut policies,
            &policy.document,
            style(DeclKind::Policy, &policy.name),
        );
        policies.push_str("}\n");
    }
    files.insert("policies.iamdsl".to_string(), policies);

    let mut groups = String::new();
    for group in &details.groups {
        let ident = writer.names.get(DeclKind::Group, &group.name);
        let _ = writeln!(groups, "\ngroup {ident}{} {{", placement(&group.arn));
        writer.common(&mut groups, &ident, &group.name, &group.path);
        writer
            .attachments(&mut groups, &group.attached)
            .map_err(|e| format!("group {}: {e}", group.name))?;
        writer.inline(
            &mut groups,
            &group.inline,
            style(DeclKind::Group, &group.name),
        );
        groups.push_str("}\n");
    }
    files.insert("groups.iamdsl".to_string(), groups);

    let mut users = String::new();
    for user in &details.users {
        let ident = writer.names.get(DeclKind::User, &user.name);
        // Policies on a user are what the `user_policy` lint is about; deployed state has them.
        let allow = if user.inline.is_empty() && user.attached.is_empty() {
            ""
        } else {
            "#[allow(user_policy)]\n"
        };
        let _ = writeln!(users, "\n{allow}user {ident}{} {{", placement(&user.arn));
        writer.common(&mut users, &ident, &user.name, &user.path);
        if !user.groups.is_empty() {
            let names = user
                .groups
                .iter()
                .map(|g| writer.names.get(DeclKind::Group, g));
            let _ = writeln!(users, "  groups = [{}]", list(names));
        }
        writer
            .boundary(&mut users, &user.boundary)
            .and_then(|()| writer.attachments(&mut users, &user.attached))
            .map_err(|e| format!("user {}: {e}", user.name))?;
        writer.inline(&mut users, &user.inline, style(DeclKind::User, &user.name));
        users.push_str("}\n");
    }
    files.insert("users.iamdsl".to_string(), users);

    let mut roles = String::new();
    for role in &details.roles {
        let ident = writer.names.get(DeclKind::Role, &role.name);
        let _ = writeln!(roles, "\nrole {ident}{} {{", placement(&role.arn));
        writer.common(&mut roles, &ident, &role.name, &role.path);
        if let Some(description) = &role.description {
            let _ = writeln!(roles, "  description = {}", quote(description));
        }
        if let Some(seconds) = role.max_session {
            let _ = writeln!(roles, "  max_session = {}", duration_text(seconds));
        }
        if !role.trust.statements.is_empty() {
            roles.push_str("  trust {\n");
            for statement in &role.trust.statements {
                writer
                    .trust_entries(&mut roles, statement, account_of(&role.arn))
                    .map_err(|e| format!("role {}: trust: {e}", role.name))?;
            }
            roles.push_str("  }\n");
        }
        for profile in &role.instance_profiles {
            if profile.name != role.name || profile.path != role.path {
                return Err(format!(
                    "role {}: instance profile `{}` is not named after the role (iamdsl creates one of the role's name and path)",
                    role.name, profile.name
                ));
            }
            roles.push_str("  instance_profile\n");
        }
        writer
            .boundary(&mut roles, &role.boundary)
            .and_then(|()| writer.attachments(&mut roles, &role.attached))
            .map_err(|e| format!("role {}: {e}", role.name))?;
        writer.inline(&mut roles, &role.inline, style(DeclKind::Role, &role.name));
        roles.push_str("}\n");
    }
    files.insert("roles.iamdsl".to_string(), roles);
    Ok(files)
}

/// Source for the deployed state `details`, proved to build back to it.
pub fn import(details: &AuthorizationDetails) -> Result<Imported, String> {
    import_named(details, &BTreeMap::new())
}

/// [`import`], with the accounts named by the caller (`--account-name prod=111111111111`):
/// account id to name. An account not named is `main` when it is the only one, else
/// `account_ID`.
pub fn import_named(
    details: &AuthorizationDetails,
    account_names: &BTreeMap<String, String>,
) -> Result<Imported, String> {
    let mut details = details.clone();
    let mut skipped = Vec::new();
    details.roles.retain(|role| {
        // Roles that AWS services and IAM Identity Center create and own cannot be managed
        // from source: not imported (and unmanaged in a diff).
        let owned_by_aws = iamdsl_diff::aws_owned(&role.path, &role.arn);
        if owned_by_aws {
            skipped.push(format!(
                "role {} (path {}: created and owned by AWS)",
                role.name, role.path
            ));
        }
        !owned_by_aws
    });
    let ids = details.account_ids();
    let single = ids.len() <= 1;
    for (id, name) in account_names {
        if !ids.contains(id) {
            let held: Vec<&str> = ids.iter().map(String::as_str).collect();
            return Err(format!(
                "`--account-name {name}={id}`: the state holds no account {id} (it holds {})",
                held.join(", ")
            ));
        }
    }
    let accounts: BTreeMap<String, String> = ids
        .into_iter()
        .map(|id| {
            let name = match account_names.get(&id) {
                Some(name) => name.clone(),
                None if single => "main".to_string(),
                None => format!("account_{id}"),
            };
            (id, name)
        })
        .collect();
    let mut seen = BTreeSet::new();
    for name in accounts.values() {
        if !seen.insert(name) {
            return Err(format!(
                "two accounts would be named `{name}`: give each its own name"
            ));
        }
    }
    if accounts.is_empty() {
        return Err("the state holds no users, groups, roles or customer managed policies".into());
    }
    let names = Names::new(&details, &accounts);
    let policy_arns = details
        .policies
        .iter()
        .map(|p| (p.arn.clone(), names.get(DeclKind::Policy, &p.name)))
        .collect();
    let writer = Writer {
        catalog: iamdsl_catalog::catalog(),
        names,
        accounts,
        policy_arns,
    };
    let mut owned: Vec<String> = Vec::new();
    owned.extend(details.users.iter().map(|u| u.name.clone()));
    owned.extend(details.groups.iter().map(|g| g.name.clone()));
    owned.extend(details.roles.iter().map(|r| r.name.clone()));
    owned.extend(details.policies.iter().map(|p| p.name.clone()));
    owned.sort();
    owned.dedup();

    let mut verbatim = BTreeSet::new();
    // Each round turns at least one more entity verbatim, or ends.
    loop {
        let files = format_all(write_sources(&writer, &details, &verbatim)?)?;
        let mismatches = match verify(&files, &details, &owned, &writer.names) {
            Ok(Verified { usage, over_quota }) => {
                let mut files = files;
                files.insert("iamdsl.toml".to_string(), config_text(&owned, &usage));
                return Ok(Imported {
                    files,
                    skipped,
                    verbatim_entities: verbatim.iter().map(|(k, n)| format!("{k} {n}")).collect(),
                    over_quota,
                });
            }
            Err(mismatches) => mismatches,
        };
        let before = verbatim.len();
        verbatim.extend(mismatches.iter().map(|m| (m.kind.clone(), m.name.clone())));
        if verbatim.len() == before {
            return Err(describe(&mismatches));
        }
    }
}

fn config_text(owned: &[String], usage: &Quotas) -> String {
    let mut out = String::from(
        "# Imported by `iamdsl import`. The entities below belong to this project: `iamdsl diff`\n# reports them as \"would be removed\" once their source is deleted.\n[diff]\nnames = [\n",
    );
    for name in owned {
        let _ = writeln!(out, "  {},", quote(name));
    }
    out.push_str("]\n");
    let defaults = Quotas::default();
    let raised: Vec<(&str, usize)> = usage
        .settings()
        .into_iter()
        .zip(defaults.settings())
        .filter(|((_, used), (_, default))| used > default)
        .map(|((name, used), _)| (name, used))
        .collect();
    if !raised.is_empty() {
        out.push_str("\n# The deployed state is over AWS's default quotas here: raised to what it uses. Check that\n# the account's quotas (Service Quotas) allow it, or bring the entities under the defaults.\n[quotas]\n");
        for (name, used) in raised {
            let _ = writeln!(out, "{name} = {used}");
        }
    }
    out
}

fn format_all(files: BTreeMap<String, String>) -> Result<BTreeMap<String, String>, String> {
    files
        .into_iter()
        .map(|(path, text)| {
            let formatted = iamdsl_syntax::format_source(&text).ok_or_else(|| {
                format!("internal error: the source written for {path} does not parse:\n{text}")
            })?;
            Ok((path, formatted))
        })
        .collect()
}

/// An entity that did not compile back to what was deployed (or did not compile).
#[derive(Debug)]
struct Mismatch {
    kind: String,
    name: String,
    why: String,
}

fn describe(mismatches: &[Mismatch]) -> String {
    let mut out = String::from("the imported source does not build back to the deployed state:");
    for m in mismatches {
        let _ = write!(out, "\n  {} {}: {}", m.kind, m.name, m.why);
    }
    out
}

/// What a verified import needs of the quotas.
struct Verified {
    usage: Quotas,
    over_quota: Vec<String>,
}

/// Compiles the files with the analysis `build` uses and diffs the result against `deployed`.
/// Quotas are not held to here (what is deployed is imported as it is): the result says which
/// entities are over the defaults, and how far the quotas must be raised.
fn verify(
    files: &BTreeMap<String, String>,
    deployed: &AuthorizationDetails,
    owned: &[String],
    names: &Names,
) -> Result<Verified, Vec<Mismatch>> {
    let config = iamdsl_compiler::config::Config {
        quotas: Quotas::uniform(usize::MAX),
        ..Default::default()
    };
    let project = iamdsl_compiler::Project::in_memory(
        files
            .iter()
            .map(|(path, text)| (path.clone(), text.clone()))
            .collect(),
        config,
    );
    let analysis = iamdsl_compiler::analyze(&project);
    let mut mismatches = Vec::new();
    for diagnostic in analysis.diagnostics.iter().filter(|d| d.is_error()) {
        let (kind, name) = diagnostic
            .primary
            .as_ref()
            .and_then(|label| {
                entity_at(files, &project, label.file, label.span.start as usize)
                    .and_then(|ident| names.entity(&ident))
            })
            .unwrap_or_else(|| ("project".to_string(), String::new()));
        // The label says what is wrong: "an ARN has six parts separated by `:`".
        let detail = diagnostic
            .primary
            .as_ref()
            .map(|label| format!(": {}", label.message))
            .unwrap_or_default();
        mismatches.push(Mismatch {
            kind,
            name,
            why: format!("{}: {}{detail}", diagnostic.code, diagnostic.message),
        });
    }
    if !mismatches.is_empty() {
        return Err(mismatches);
    }
    let built = iamdsl_compiler::bundle::built_counterpart(&analysis.model, deployed);
    let scope = iamdsl_diff::Scope {
        paths: Vec::new(),
        names: owned.to_vec(),
    };
    let report = iamdsl_diff::diff(&built, deployed, &scope);
    for entity in report.entities {
        if entity.change == iamdsl_diff::Change::Unmanaged {
            continue;
        }
        mismatches.push(Mismatch {
            kind: entity.kind.to_string(),
            name: entity.name,
            why: format!(
                "{}: {}\n{}",
                entity.change.as_str(),
                entity.summary.join("; "),
                entity.diff
            ),
        });
    }
    if !mismatches.is_empty() {
        return Err(mismatches);
    }
    let over_quota = iamdsl_compiler::quotas::quota_violations(&analysis.model, &Quotas::default())
        .into_iter()
        .map(|d| d.message)
        .collect();
    Ok(Verified {
        usage: iamdsl_compiler::quotas::quota_usage(&analysis.model),
        over_quota,
    })
}

/// The identifier of the declaration around a byte offset of a generated file: the last line
/// before it that opens one (every declaration starts a line of its own).
fn entity_at(
    files: &BTreeMap<String, String>,
    project: &iamdsl_compiler::Project,
    file: iamdsl_diagnostics::FileId,
    offset: usize,
) -> Option<String> {
    let text = files.get(project.sources.get(file)?.name.as_str())?;
    // Declarations start at column 0; `role …` inside a trust block is indented.
    text.get(..offset)?.lines().rev().find_map(|line| {
        let mut words = line.split(' ');
        match words.next() {
            Some("policy" | "group" | "user" | "role") => words.next().map(str::to_string),
            _ => None,
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Every keyword import meets as an AWS name becomes a name the parser takes: a reserved one
    /// gets a `_`, a contextual one (`admin`, `role`) stays as it is.
    #[test]
    fn names_that_are_keywords_become_names() {
        use iamdsl_syntax::lexer::{is_reserved, KEYWORDS};
        for &word in KEYWORDS {
            let ident = identifier_for(word);
            let source = format!("role {ident} {{}}\ngroup g {{ attach {ident} }}\n");
            let parsed = iamdsl_syntax::parse(&source, iamdsl_diagnostics::FileId(0));
            assert!(!parsed.has_errors(), "{word} → {ident}: {source}");
            assert_eq!(ident == word, !is_reserved(word), "{word} → {ident}");
        }
    }

    /// The first declaration of a file, and a `role …` trust entry inside it, which is not one.
    #[test]
    fn a_diagnostic_is_traced_to_the_declaration_around_it() {
        let text =
            "role first {\n  trust {\n    role arn(\"arn:aws:iam::111111111111:role/x\")\n  }\n}\n";
        let files = BTreeMap::from([("roles.iamdsl".to_string(), text.to_string())]);
        let project = iamdsl_compiler::Project::in_memory(
            vec![("roles.iamdsl".into(), text.into())],
            Default::default(),
        );
        let file = project.sources.ids().next().unwrap();
        let offset = text.find("arn(").unwrap();
        assert_eq!(
            entity_at(&files, &project, file, offset).as_deref(),
            Some("first")
        );
    }
}
