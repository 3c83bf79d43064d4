//! `iamdsl import`: `.iamdsl` source for deployed state, such that building it gives back the
//! same state (`import` → `build` → `diff` shows no change).
//!
//! Each statement is written in the most readable form that is exact: an access-level intent
//! (`allow read on s3.bucket("…")`) when its actions are exactly what the catalog lists for
//! those levels on that resource, explicit actions when every action applies to every resource;
//! resources as constructors (`arns.rs`) and conditions as comparisons (`conditions.rs`) where
//! those build the same ARN and operator, and a permission to assume a role that trusts its
//! principal as `assume` (`assume.rs`). Otherwise `#[verbatim]`, which keeps actions,
//! resources and conditions as AWS stores them:
//! actions and keys the catalog no longer knows (W0114), operators of another type than their
//! key, values of another type than their operator and ARN parts iamdsl does not build (W0116);
//! `check` warns about those. What AWS refuses (an ARN of fewer than six parts, an unknown
//! Effect, a document that is not JSON) is an error naming the place: the JSON path, or the
//! entity and the diagnostic. The result is proved by compiling it with the same analysis as
//! `build` and diffing it against the input; an entity that does not come back the same is
//! written again with every statement verbatim, and one that still does not is an error.
//!
//! Resource policies (`ResourcePolicies`) become `resource` declarations in the account that
//! owns each resource (`resources.rs`); several accounts' states import into one project
//! ([`merge_states`]), so that a policy naming another account's role names its declaration.
//! The proof (`verify.rs`) compares resources by ARN, not through the diff, which matches them
//! by name: a secret's name is not the one its ARN ends with.

mod arns;
mod assume;
mod conditions;
mod resources;
mod verify;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use assume::AssumePlan;
use conditions::{condition_text, Provider};
use iamdsl_catalog::{Catalog, Level};
use iamdsl_compiler::config::Quotas;
use iamdsl_policy::authz::{
    AttachedPolicy, AuthorizationDetails, InlinePolicy, ResourcePolicyDetail, RoleDetail,
};
use iamdsl_policy::{ActionBlock, Effect, NameSet, PolicyDocument, ResourceBlock, Statement};
use iamdsl_syntax::ast::DeclKind;
use iamdsl_syntax::quote;
use verify::{describe, verify_allowing_public, Verification, Verified};

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
    /// What was imported with less than the state holds: resources whose policy could not be
    /// read, declared without one.
    pub warnings: Vec<String>,
}

/// Identifiers for the AWS names, unique across kinds, valid in the language.
struct Names {
    by_entity: BTreeMap<(DeclKind, String), String>,
    /// Resources by ARN (a bucket and a queue may share a name).
    by_resource: BTreeMap<String, String>,
}

/// What a resource's identifier starts from: its name, or for a KMS key (whose name is a
/// generated id) `key_` and the id's first group.
fn resource_base(resource: &ResourcePolicyDetail) -> String {
    if resource.kind == "kms.key" {
        let short: String = resource
            .name
            .trim_start_matches("mrk-")
            .chars()
            .take_while(|c| *c != '-')
            .collect();
        return identifier_for(&format!("key_{short}"));
    }
    identifier_for(&resource.name)
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
        // Resources after the entities: a role and its queue are often named alike, and the
        // role keeps the name (`orders`, `orders_queue`).
        let mut by_resource = BTreeMap::new();
        for resource in &details.resources {
            let base = resource_base(resource);
            let type_word = resource.kind.rsplit('.').next().unwrap_or("resource");
            let mut ident = base.clone();
            let mut n = 2;
            while taken.contains(&ident) {
                ident = if n == 2 {
                    format!("{base}_{type_word}")
                } else {
                    format!("{base}_{type_word}{}", n - 1)
                };
                n += 1;
            }
            taken.insert(ident.clone());
            by_resource.insert(resource.arn.clone(), ident);
        }
        Names {
            by_entity,
            by_resource,
        }
    }

    /// The kind keyword and AWS name of an identifier this table gave out (for a resource,
    /// `resource` and its ARN).
    fn entity(&self, ident: &str) -> Option<(String, String)> {
        self.by_entity
            .iter()
            .find(|(_, given)| given.as_str() == ident)
            .map(|((kind, name), _)| (kind.keyword().to_string(), name.clone()))
            .or_else(|| {
                self.by_resource
                    .iter()
                    .find(|(_, given)| given.as_str() == ident)
                    .map(|(arn, _)| ("resource".to_string(), arn.clone()))
            })
    }

    fn resource(&self, arn: &str) -> String {
        self.by_resource
            .get(arn)
            .cloned()
            .unwrap_or_else(|| identifier_for(arn))
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
    /// Role and user ARNs to how a resource's policy names them: `role auditor`.
    principal_arns: BTreeMap<String, String>,
    /// Role, user, group and policy ARNs to their identifiers: `iam.role(deployer)`.
    iam_entities: BTreeMap<String, String>,
    /// `[defaults] region` of the imported project: regional resources elsewhere get `region:`.
    default_region: Option<String>,
}

/// Where statements are written: what a constructor and `assume` take from their declaration.
#[derive(Debug, Clone, Copy)]
struct Place<'p> {
    /// The id of the declaration's account, which constructors fill in.
    account: &'p str,
    style: Style,
    /// The group, user or role whose permissions these are (a policy has none).
    owner: Option<(DeclKind, &'p str)>,
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

    /// One permission; `plan` says which are written as `assume`.
    fn statement(&self, out: &mut String, statement: &Statement, place: Place, plan: &AssumePlan) {
        let style = place.style;
        let readable = style == Style::Readable;
        let condition = condition_text(self.catalog, &statement.condition, readable, None);
        let assumed = place
            .owner
            .map(|owner| plan.roles_for(owner, statement))
            .unwrap_or_default();
        if !assumed.is_empty() {
            for role_arn in &assumed {
                if let Some(ident) = self.iam_entities.get(*role_arn) {
                    let _ = writeln!(out, "  assume {ident}{condition}");
                }
            }
            // The roles not assumed keep the permission; the compiler's statements merge back.
            let mut rest = statement.clone();
            if let Some(ResourceBlock::Resource(set)) = &mut rest.resource {
                set.retain(|arn| !assumed.contains(&arn.as_str()));
                if !set.is_empty() {
                    self.statement(out, &rest, place, &AssumePlan::default());
                }
            }
            return;
        }
        let effect = effect_word(statement.effect);
        let resource_text = |arn: &String| self.resource_text(arn, place.account, style);
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
            Some(except) => format!("* except {}", list(except.iter().map(resource_text))),
            None => list(resources.iter().map(resource_text)),
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

    fn statements(
        &self,
        out: &mut String,
        document: &PolicyDocument,
        place: Place,
        plan: &AssumePlan,
    ) {
        for statement in &document.statements {
            self.statement(out, statement, place, plan);
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

    /// `tags = { team: "payments", "cost-center": "4711" }`, keys that are words unquoted.
    fn tags(&self, out: &mut String, tags: &iamdsl_policy::authz::Tags) {
        if tags.is_empty() {
            return;
        }
        let entries: Vec<String> = tags
            .iter()
            .map(|(key, value)| {
                format!(
                    "{}: {}",
                    if iamdsl_syntax::is_ident(key) {
                        key.clone()
                    } else {
                        quote(key)
                    },
                    quote(value)
                )
            })
            .collect();
        let _ = writeln!(out, "  tags = {{ {} }}", entries.join(", "));
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

    fn inline(&self, out: &mut String, inline: &[InlinePolicy], place: Place, plan: &AssumePlan) {
        for policy in inline {
            self.statements(out, &policy.document, place, plan);
        }
    }

    /// One trust statement as trust entries of `role`, but for the entries `plan` has an
    /// `assume` write.
    fn trust_entries(
        &self,
        out: &mut String,
        statement: &Statement,
        role: &RoleDetail,
        style: Style,
        plan: &AssumePlan,
    ) -> Result<(), String> {
        let role_account = account_of(&role.arn);
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
        let readable = style == Style::Readable;
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
                if kind == "AWS" && plan.leaves_out(&role.arn, value) {
                    continue;
                }
                let entry = self.principal_entry(kind, value, role_account)?;
                // An identity provider's own keys are written as its entry names them.
                let provider = match value.split_once(":oidc-provider/") {
                    _ if kind != "Federated" => None,
                    Some((_, host)) => Some(Provider::Oidc(host)),
                    None => Some(Provider::Saml),
                };
                let condition =
                    condition_text(self.catalog, &statement.condition, readable, provider);
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
            "AWS" => self.aws_principal(value).ok_or_else(|| {
                format!(
                    "the trusted principal `{value}` has no source form (a deleted principal shows as its unique id; remove it from the trust policy)"
                )
            }),
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

    /// An `"AWS"` principal: an account (by name when declared), or a role or user by ARN.
    fn aws_principal(&self, value: &str) -> Option<String> {
        if let Some(id) = value
            .strip_prefix("arn:aws:iam::")
            .and_then(|r| r.strip_suffix(":root"))
            .filter(|id| id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()))
        {
            return Some(match self.accounts.get(id) {
                Some(name) => format!("account {name}"),
                None => format!("account {}", quote(id)),
            });
        }
        if value.len() == 12 && value.chars().all(|c| c.is_ascii_digit()) {
            return Some(format!("account {}", quote(value)));
        }
        let resource = value.splitn(6, ':').nth(5).unwrap_or("");
        if value.starts_with("arn:") && resource.starts_with("role/") {
            return Some(format!("role arn({})", quote(value)));
        }
        if value.starts_with("arn:") && resource.starts_with("user/") {
            return Some(format!("user arn({})", quote(value)));
        }
        None
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

/// Source files for `details` with the given style per entity (`(kind keyword, AWS name)`;
/// `resource` and its ARN), and the warnings about what the source cannot say.
fn write_sources<'a>(
    writer: &Writer<'_>,
    details: &'a AuthorizationDetails,
    verbatim: &BTreeSet<(String, String)>,
) -> Result<(BTreeMap<String, String>, Vec<String>), String> {
    let style = |kind: DeclKind, name: &str| {
        if verbatim.contains(&(kind.keyword().to_string(), name.to_string())) {
            Style::Verbatim
        } else {
            Style::Readable
        }
    };
    let placement_in = |id: &str| -> String {
        if writer.accounts.len() > 1 {
            writer
                .accounts
                .get(id)
                .map(|name| format!(" in {name}"))
                .unwrap_or_default()
        } else {
            String::new()
        }
    };
    let placement = |arn: &str| placement_in(account_of(arn));
    let plan = AssumePlan::new(details, |kind, name| style(kind, name) == Style::Readable);
    let place = |kind: DeclKind, name: &'a str, arn: &'a str| Place {
        account: account_of(arn),
        style: style(kind, name),
        owner: (kind != DeclKind::Policy).then_some((kind, name)),
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
        if let Some(tags) = &policy.tags {
            writer.tags(&mut policies, tags);
        }
        if let Some(description) = &policy.description {
            let _ = writeln!(policies, "  description = {}", quote(description));
        }
        writer.statements(
            &mut policies,
            &policy.document,
            place(DeclKind::Policy, &policy.name, &policy.arn),
            &plan,
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
            place(DeclKind::Group, &group.name, &group.arn),
            &plan,
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
        writer.tags(&mut users, &user.tags);
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
        writer.inline(
            &mut users,
            &user.inline,
            place(DeclKind::User, &user.name, &user.arn),
            &plan,
        );
        users.push_str("}\n");
    }
    files.insert("users.iamdsl".to_string(), users);

    let mut roles = String::new();
    for role in &details.roles {
        let ident = writer.names.get(DeclKind::Role, &role.name);
        let _ = writeln!(roles, "\nrole {ident}{} {{", placement(&role.arn));
        writer.common(&mut roles, &ident, &role.name, &role.path);
        writer.tags(&mut roles, &role.tags);
        if let Some(description) = &role.description {
            let _ = writeln!(roles, "  description = {}", quote(description));
        }
        // IAM's default (what a role read with GetRole shows when none was set) is left out.
        if let Some(seconds) = role.session_limit() {
            let _ = writeln!(roles, "  max_session = {}", duration_text(seconds));
        }
        let role_style = style(DeclKind::Role, &role.name);
        let mut entries = String::new();
        for statement in &role.trust.statements {
            writer
                .trust_entries(&mut entries, statement, role, role_style, &plan)
                .map_err(|e| format!("role {}: trust: {e}", role.name))?;
        }
        // Without entries when every one is an `assume`'s.
        if !entries.is_empty() {
            let _ = write!(roles, "  trust {{\n{entries}  }}\n");
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
        writer.inline(
            &mut roles,
            &role.inline,
            place(DeclKind::Role, &role.name, &role.arn),
            &plan,
        );
        roles.push_str("}\n");
    }
    files.insert("roles.iamdsl".to_string(), roles);

    let mut warnings = Vec::new();
    if !details.resources.is_empty() {
        let mut resources = String::new();
        for resource in &details.resources {
            let style = if verbatim.contains(&("resource".to_string(), resource.arn.clone())) {
                Style::Verbatim
            } else {
                Style::Readable
            };
            let warning = writer.resource(
                &mut resources,
                resource,
                &placement_in(&resource.account),
                style,
            )?;
            warnings.extend(warning);
        }
        files.insert("resources.iamdsl".to_string(), resources);
    }
    Ok((files, warnings))
}

/// Several accounts' deployed states as one, so that one project holds them all and a grant
/// naming a principal of another account names it by its declaration. `states` are labelled
/// (by their file) for the error when two hold the same account.
pub fn merge_states(
    states: Vec<(String, AuthorizationDetails)>,
) -> Result<AuthorizationDetails, String> {
    let mut merged = AuthorizationDetails::default();
    let mut holders: BTreeMap<String, String> = BTreeMap::new();
    for (label, state) in states {
        for id in state.account_ids() {
            if let Some(earlier) = holders.insert(id.clone(), label.clone()) {
                return Err(format!(
                    "`{label}` holds account {id}, as `{earlier}` does: give each account's state once"
                ));
            }
        }
        merged.users.extend(state.users);
        merged.groups.extend(state.groups);
        merged.roles.extend(state.roles);
        merged.policies.extend(state.policies);
        merged.resources.extend(state.resources);
        // AWS managed policies are the same in every account.
        for policy in state.aws_managed {
            if !merged.aws_managed.iter().any(|p| p.arn == policy.arn) {
                merged.aws_managed.push(policy);
            }
        }
    }
    merged.sort();
    Ok(merged)
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
        return Err(
            "the state holds no users, groups, roles, customer managed policies or resource policies"
                .into(),
        );
    }
    for resource in &details.resources {
        resources::kind_of(resource)?;
    }
    let names = Names::new(&details, &accounts);
    let policy_arns = details
        .policies
        .iter()
        .map(|p| (p.arn.clone(), names.get(DeclKind::Policy, &p.name)))
        .collect();
    let principal_arns = details
        .roles
        .iter()
        .map(|r| {
            (
                r.arn.clone(),
                format!("role {}", names.get(DeclKind::Role, &r.name)),
            )
        })
        .chain(details.users.iter().map(|u| {
            (
                u.arn.clone(),
                format!("user {}", names.get(DeclKind::User, &u.name)),
            )
        }))
        .collect();
    let iam_entities = details
        .roles
        .iter()
        .map(|r| (r.arn.clone(), names.get(DeclKind::Role, &r.name)))
        .chain(
            details
                .users
                .iter()
                .map(|u| (u.arn.clone(), names.get(DeclKind::User, &u.name))),
        )
        .chain(
            details
                .groups
                .iter()
                .map(|g| (g.arn.clone(), names.get(DeclKind::Group, &g.name))),
        )
        .chain(
            details
                .policies
                .iter()
                .map(|p| (p.arn.clone(), names.get(DeclKind::Policy, &p.name))),
        )
        .collect();
    let writer = Writer {
        catalog: iamdsl_catalog::catalog(),
        names,
        accounts,
        policy_arns,
        principal_arns,
        iam_entities,
        default_region: default_region(&details),
    };
    let mut owned: Vec<String> = Vec::new();
    owned.extend(details.users.iter().map(|u| u.name.clone()));
    owned.extend(details.groups.iter().map(|g| g.name.clone()));
    owned.extend(details.roles.iter().map(|r| r.name.clone()));
    owned.extend(details.policies.iter().map(|p| p.name.clone()));
    owned.extend(details.resources.iter().map(|r| r.name.clone()));
    owned.sort();
    owned.dedup();

    let mut verbatim = BTreeSet::new();
    // Each round turns at least one more entity verbatim, or ends.
    loop {
        let (files, warnings) = write_sources(&writer, &details, &verbatim)?;
        let files = format_all(files)?;
        let region = writer.default_region.as_deref();
        let Verification { files, verified } =
            verify_allowing_public(files, &details, &owned, &writer.names, region)?;
        let mismatches = match verified {
            Ok(Verified { usage, over_quota }) => {
                let mut files = files;
                files.insert(
                    "iamdsl.toml".to_string(),
                    config_text(&owned, &usage, region),
                );
                return Ok(Imported {
                    files,
                    skipped,
                    verbatim_entities: verbatim.iter().map(|(k, n)| format!("{k} {n}")).collect(),
                    over_quota,
                    warnings,
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

/// The region most regional ARNs are in (the first in order on a tie), of the resources and
/// of what the identity policies name: the project's default, so that only the others need
/// `region:`.
fn default_region(details: &AuthorizationDetails) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let documents = details
        .users
        .iter()
        .flat_map(|u| &u.inline)
        .chain(details.groups.iter().flat_map(|g| &g.inline))
        .chain(details.roles.iter().flat_map(|r| &r.inline))
        .map(|p| &p.document)
        .chain(details.policies.iter().map(|p| &p.document));
    let named = documents
        .flat_map(|d| &d.statements)
        .filter_map(|s| match &s.resource {
            Some(ResourceBlock::Resource(set) | ResourceBlock::NotResource(set)) => Some(set),
            None => None,
        })
        .flatten()
        .filter_map(|arn| arn.split(':').nth(3));
    let regions = details
        .resources
        .iter()
        .filter_map(resources::region_of)
        .chain(named)
        .filter(|region| !region.contains('*') && iamdsl_catalog::facts::is_region(region));
    for region in regions {
        *counts.entry(region).or_default() += 1;
    }
    let most = counts.values().copied().max()?;
    counts
        .into_iter()
        .find(|(_, n)| *n == most)
        .map(|(region, _)| region.to_string())
}

fn config_text(owned: &[String], usage: &Quotas, region: Option<&str>) -> String {
    let mut out = String::from(
        "# Imported by `iamdsl import`. The entities below belong to this project: `iamdsl diff`\n# reports them as \"would be removed\" once their source is deleted.\n[diff]\nnames = [\n",
    );
    for name in owned {
        let _ = writeln!(out, "  {},", quote(name));
    }
    out.push_str("]\n");
    if let Some(region) = region {
        let _ = writeln!(
            out,
            "\n[defaults]\n# The region of regional resources written without `region:`.\nregion = {}",
            quote(region)
        );
    }
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use iamdsl_policy::authz::ResourcePolicyState;

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

    fn resource(kind: &str, name: &str, arn: &str) -> ResourcePolicyDetail {
        ResourcePolicyDetail {
            kind: kind.into(),
            name: name.into(),
            arn: arn.into(),
            account: "111111111111".into(),
            policy: ResourcePolicyState::Absent,
        }
    }

    /// A role keeps its name; the queue named like it, and a key (named by a generated id),
    /// get names that say what they are.
    #[test]
    fn resources_are_named_after_the_principals() {
        let state = r#"{"RoleDetailList": [{"Path": "/", "RoleName": "orders",
            "Arn": "arn:aws:iam::111111111111:role/orders", "AssumeRolePolicyDocument": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}]}"#;
        let mut details = AuthorizationDetails::read(state).unwrap();
        details.resources = vec![
            resource(
                "sqs.queue",
                "orders",
                "arn:aws:sqs:eu-west-1:111111111111:orders",
            ),
            resource(
                "sns.topic",
                "orders",
                "arn:aws:sns:eu-west-1:111111111111:orders",
            ),
            resource(
                "kms.key",
                "0d6f8a52-3c1e-4b7a-9d2f-5e8c1a7b4f30",
                "arn:aws:kms:eu-west-1:111111111111:key/0d6f8a52-3c1e-4b7a-9d2f-5e8c1a7b4f30",
            ),
        ];
        let accounts = BTreeMap::from([("111111111111".to_string(), "main".to_string())]);
        let names = Names::new(&details, &accounts);
        assert_eq!(names.get(DeclKind::Role, "orders"), "orders");
        assert_eq!(
            names.resource("arn:aws:sqs:eu-west-1:111111111111:orders"),
            "orders_queue"
        );
        assert_eq!(
            names.resource("arn:aws:sns:eu-west-1:111111111111:orders"),
            "orders_topic"
        );
        assert_eq!(
            names.resource(
                "arn:aws:kms:eu-west-1:111111111111:key/0d6f8a52-3c1e-4b7a-9d2f-5e8c1a7b4f30"
            ),
            "key_0d6f8a52"
        );
    }
}
