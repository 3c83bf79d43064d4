//! Built versus deployed: both sides are canonical [`AuthorizationDetails`]; entities are
//! matched by kind and name, and each change is reported as a unified diff of the canonical JSON
//! and as a summary of the permissions it grants or takes away. Cosmetic differences (order,
//! strings versus lists, Sids, encoding) cannot show up: both sides went through the same
//! canonical form.

mod access;

use std::collections::{BTreeMap, BTreeSet};

pub use access::AccessChange;

use iamdsl_policy::authz::{
    AuthorizationDetails, GroupDetail, InlinePolicy, ManagedPolicyDetail, RoleDetail, UserDetail,
};
use iamdsl_policy::json::Json;
use iamdsl_policy::{ActionBlock, Effect, PolicyDocument, ResourceBlock, Statement};

/// What the project owns in deployed state: entities outside are "unmanaged", never "removed".
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub paths: Vec<String>,
    pub names: Vec<String>,
}

impl Scope {
    fn owns(&self, path: &str, name: &str) -> bool {
        self.paths.iter().any(|p| path.starts_with(p.as_str()))
            || self.names.iter().any(|n| n == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Created,
    Changed,
    Removed,
    Unmanaged,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Changed => "changed",
            Change::Removed => "would be removed",
            Change::Unmanaged => "unmanaged",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityDiff {
    pub kind: &'static str,
    pub name: String,
    pub arn: String,
    pub change: Change,
    /// `+ s3:GetObject on arn:…`, `trust: + Federated arn:…`, `attached: - arn:…`
    pub summary: Vec<String>,
    /// Unified diff of the canonical JSON (deployed → built), empty for unmanaged entities.
    pub diff: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub entities: Vec<EntityDiff>,
    /// Trust entries naming a principal by unique id (`AROA…`): the principal was deleted.
    pub dangling: Vec<String>,
    /// Per principal, the effective access the change gives and takes away.
    pub access: Vec<AccessChange>,
}

impl Report {
    /// Whether deploying the build would change anything the project owns.
    pub fn has_changes(&self) -> bool {
        self.entities.iter().any(|e| e.change != Change::Unmanaged)
    }
}

/// A document of an entity: all its inline policies together, or one policy.
#[derive(Clone, Copy)]
enum Doc<'a> {
    Inline(&'a [InlinePolicy]),
    One(&'a PolicyDocument),
}

impl<'a> Doc<'a> {
    fn statements(self) -> Box<dyn Iterator<Item = &'a Statement> + 'a> {
        match self {
            Doc::Inline(inline) => {
                Box::new(inline.iter().flat_map(|p| p.document.statements.iter()))
            }
            Doc::One(document) => Box::new(document.statements.iter()),
        }
    }
}

/// An entity of one side, as it is compared.
#[derive(Clone, Copy)]
enum EntityRef<'a> {
    User(&'a UserDetail),
    Group(&'a GroupDetail),
    /// With whether its description and session limit are left out of the comparison (the
    /// deployed side does not show them).
    Role(&'a RoleDetail, Hidden),
    Policy(&'a ManagedPolicyDetail),
}

#[derive(Clone, Copy, Default)]
struct Hidden {
    description: bool,
    max_session: bool,
}

/// An entity as compared: the entity itself and, for the summary, its documents.
struct Side<'a> {
    kind: &'static str,
    name: String,
    arn: String,
    path: String,
    entity: EntityRef<'a>,
    /// (label, document): `""` for permissions, `"trust"` for a role's trust policy.
    documents: Vec<(&'static str, Doc<'a>)>,
    attached: BTreeSet<String>,
    extra: BTreeSet<String>,
}

/// Statements equal in meaning: Sids follow content and origins are the source's, so neither
/// is compared.
fn same_statement(a: &Statement, b: &Statement) -> bool {
    a.effect == b.effect
        && a.principal == b.principal
        && a.action == b.action
        && a.resource == b.resource
        && a.condition == b.condition
}

fn same_document(a: &PolicyDocument, b: &PolicyDocument) -> bool {
    a.statements.len() == b.statements.len()
        && a.statements
            .iter()
            .zip(&b.statements)
            .all(|(x, y)| same_statement(x, y))
}

/// A principal's inline policies, compared as the one document IAM evaluates.
fn same_inline(a: &[InlinePolicy], b: &[InlinePolicy]) -> bool {
    match (a, b) {
        ([], []) => true,
        ([x], [y]) => same_document(&x.document, &y.document),
        _ => {
            let (x, y) = (collapsed(a), collapsed(b));
            x.len() == y.len()
                && x.iter()
                    .zip(&y)
                    .all(|(p, q)| same_document(&p.document, &q.document))
        }
    }
}

fn sorted<T: Ord + Clone>(items: &[T]) -> Vec<T> {
    let mut items = items.to_vec();
    items.sort();
    items
}

/// Whether two entities of the same kind and name are the same, as deployed state can show
/// them: ids are IAM's, and a built role's hidden fields are not compared.
fn same_entity(built: EntityRef<'_>, deployed: EntityRef<'_>) -> bool {
    match (built, deployed) {
        (EntityRef::User(b), EntityRef::User(d)) => {
            b.path == d.path
                && b.arn == d.arn
                && sorted(&b.groups) == sorted(&d.groups)
                && sorted(&b.attached) == sorted(&d.attached)
                && b.boundary == d.boundary
                && same_inline(&b.inline, &d.inline)
        }
        (EntityRef::Group(b), EntityRef::Group(d)) => {
            b.path == d.path
                && b.arn == d.arn
                && sorted(&b.attached) == sorted(&d.attached)
                && same_inline(&b.inline, &d.inline)
        }
        (EntityRef::Role(b, hidden), EntityRef::Role(d, _)) => {
            fn profiles(r: &RoleDetail) -> Vec<(&str, &str, &str)> {
                let mut p: Vec<(&str, &str, &str)> = r
                    .instance_profiles
                    .iter()
                    .map(|p| (p.arn.as_str(), p.name.as_str(), p.path.as_str()))
                    .collect();
                p.sort();
                p
            }
            b.path == d.path
                && b.arn == d.arn
                && (hidden.description || b.description == d.description)
                && (hidden.max_session || b.max_session == d.max_session)
                && same_document(&b.trust, &d.trust)
                && profiles(b) == profiles(d)
                && sorted(&b.attached) == sorted(&d.attached)
                && b.boundary == d.boundary
                && same_inline(&b.inline, &d.inline)
        }
        (EntityRef::Policy(b), EntityRef::Policy(d)) => {
            b.path == d.path
                && b.arn == d.arn
                && b.description == d.description
                && same_document(&b.document, &d.document)
        }
        _ => false,
    }
}

/// The entity's canonical JSON text as compared (no ids, no Sids, inline policies as one):
/// written only for entities that are shown.
fn entity_json(entity: EntityRef<'_>) -> String {
    let no_sids =
        |document: &mut PolicyDocument| document.statements.iter_mut().for_each(|s| s.sid = None);
    let mut one = AuthorizationDetails::default();
    let list = match entity {
        EntityRef::User(user) => {
            let mut user = user.clone();
            user.id = None;
            user.inline = collapsed(&user.inline);
            user.inline
                .iter_mut()
                .for_each(|p| no_sids(&mut p.document));
            one.users.push(user);
            "UserDetailList"
        }
        EntityRef::Group(group) => {
            let mut group = group.clone();
            group.id = None;
            group.inline = collapsed(&group.inline);
            group
                .inline
                .iter_mut()
                .for_each(|p| no_sids(&mut p.document));
            one.groups.push(group);
            "GroupDetailList"
        }
        EntityRef::Role(role, hidden) => {
            let mut role = role.clone();
            role.id = None;
            if hidden.description {
                role.description = None;
            }
            if hidden.max_session {
                role.max_session = None;
            }
            role.inline = collapsed(&role.inline);
            no_sids(&mut role.trust);
            role.inline
                .iter_mut()
                .for_each(|p| no_sids(&mut p.document));
            one.roles.push(role);
            "RoleDetailList"
        }
        EntityRef::Policy(policy) => {
            let mut policy = policy.clone();
            policy.id = None;
            no_sids(&mut policy.document);
            one.policies.push(policy);
            "Policies"
        }
    };
    let json = one.to_json();
    let entity = match &json {
        Json::Object(fields) => {
            fields
                .iter()
                .find(|(key, _)| key == list)
                .and_then(|(_, value)| match value {
                    Json::Array(items) => items.first(),
                    _ => None,
                })
        }
        _ => None,
    };
    entity.map(Json::pretty).unwrap_or_default()
}

/// The entities of one side by (kind, name). `hidden`: per role name, what is not compared.
fn sides<'a>(
    details: &'a AuthorizationDetails,
    hidden: &BTreeMap<&str, Hidden>,
) -> BTreeMap<(&'static str, String), Side<'a>> {
    let mut out = BTreeMap::new();
    for user in &details.users {
        out.insert(("user", user.name.clone()), user_side(user));
    }
    for group in &details.groups {
        out.insert(("group", group.name.clone()), group_side(group));
    }
    for role in &details.roles {
        let hidden = hidden.get(role.name.as_str()).copied().unwrap_or_default();
        out.insert(("role", role.name.clone()), role_side(role, hidden));
    }
    for policy in &details.policies {
        out.insert(("policy", policy.name.clone()), policy_side(policy));
    }
    out
}

fn merged(inline: &[iamdsl_policy::authz::InlinePolicy]) -> PolicyDocument {
    PolicyDocument {
        statements: inline
            .iter()
            .flat_map(|p| p.document.statements.clone())
            .collect(),
    }
}

/// A principal's inline policies as one: IAM evaluates them together, so how the statements
/// are split into named inline policies grants nothing and is not a change of its own.
fn collapsed(inline: &[InlinePolicy]) -> Vec<InlinePolicy> {
    if inline.is_empty() {
        return Vec::new();
    }
    // Documents are canonical already (the reader and the compiler make them so); only
    // statements from several policies need merging.
    let document = match inline {
        [single] => single.document.clone(),
        _ => iamdsl_policy::canonical::canonicalize_owned(merged(inline)),
    };
    vec![InlinePolicy {
        name: "inline".into(),
        document,
    }]
}

fn user_side(user: &UserDetail) -> Side<'_> {
    Side {
        kind: "user",
        name: user.name.clone(),
        arn: user.arn.clone(),
        path: user.path.clone(),
        entity: EntityRef::User(user),
        documents: vec![("", Doc::Inline(&user.inline))],
        attached: user
            .attached
            .iter()
            .map(|a| a.arn.clone())
            .chain(user.boundary.iter().map(|b| format!("boundary {b}")))
            .collect(),
        extra: user.groups.iter().map(|g| format!("group {g}")).collect(),
    }
}

fn group_side(group: &GroupDetail) -> Side<'_> {
    Side {
        kind: "group",
        name: group.name.clone(),
        arn: group.arn.clone(),
        path: group.path.clone(),
        entity: EntityRef::Group(group),
        documents: vec![("", Doc::Inline(&group.inline))],
        attached: group.attached.iter().map(|a| a.arn.clone()).collect(),
        extra: BTreeSet::new(),
    }
}

fn role_side(role: &RoleDetail, hidden: Hidden) -> Side<'_> {
    Side {
        kind: "role",
        name: role.name.clone(),
        arn: role.arn.clone(),
        path: role.path.clone(),
        entity: EntityRef::Role(role, hidden),
        documents: vec![
            ("", Doc::Inline(&role.inline)),
            ("trust", Doc::One(&role.trust)),
        ],
        attached: role
            .attached
            .iter()
            .map(|a| a.arn.clone())
            .chain(role.boundary.iter().map(|b| format!("boundary {b}")))
            .collect(),
        extra: role
            .max_session
            .filter(|_| !hidden.max_session)
            .iter()
            .map(|s| format!("max session {s}s"))
            .chain(
                role.instance_profiles
                    .iter()
                    .map(|p| format!("instance profile {}", p.name)),
            )
            .collect(),
    }
}

fn policy_side(policy: &ManagedPolicyDetail) -> Side<'_> {
    Side {
        kind: "policy",
        name: policy.name.clone(),
        arn: policy.arn.clone(),
        path: policy.path.clone(),
        entity: EntityRef::Policy(policy),
        documents: vec![("", Doc::One(&policy.document))],
        attached: BTreeSet::new(),
        extra: BTreeSet::new(),
    }
}

/// What a document grants, one line per (effect, action, resource) or trusted principal.
fn grants<'a>(label: &str, statements: impl Iterator<Item = &'a Statement>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for statement in statements {
        let effect = if statement.effect == Effect::Deny {
            "deny "
        } else {
            ""
        };
        // `when StringEquals aws:username [alice]`, one test after the other.
        let condition: String = statement
            .condition
            .0
            .iter()
            .flat_map(|(operator, keys)| {
                keys.iter().map(move |(key, values)| {
                    format!(
                        " when {operator} {key} [{}]",
                        values.iter().cloned().collect::<Vec<_>>().join(", ")
                    )
                })
            })
            .collect();
        if label == "trust" {
            for (kind, values) in statement.principal.iter().flat_map(|p| &p.0) {
                for value in values {
                    out.insert(format!("trust: {effect}{kind} {value}{condition}"));
                }
            }
            continue;
        }
        let actions: Vec<String> = match &statement.action {
            ActionBlock::Action(set) => set.iter().cloned().collect(),
            ActionBlock::NotAction(set) => vec![format!(
                "everything except {}",
                set.iter().cloned().collect::<Vec<_>>().join(", ")
            )],
        };
        let resources: Vec<String> = match &statement.resource {
            Some(ResourceBlock::Resource(set)) => set.iter().cloned().collect(),
            Some(ResourceBlock::NotResource(set)) => vec![format!(
                "everything except {}",
                set.iter().cloned().collect::<Vec<_>>().join(", ")
            )],
            None => vec!["*".to_string()],
        };
        for action in &actions {
            for resource in &resources {
                out.insert(format!("{effect}{action} on {resource}{condition}"));
            }
        }
    }
    out
}

fn summary(deployed: Option<&Side<'_>>, built: Option<&Side<'_>>) -> Vec<String> {
    let collect = |side: Option<&Side<'_>>| -> BTreeSet<String> {
        let Some(side) = side else {
            return BTreeSet::new();
        };
        let mut all = BTreeSet::new();
        for (label, document) in &side.documents {
            all.extend(grants(label, document.statements()));
        }
        all.extend(side.attached.iter().map(|a| format!("attached: {a}")));
        all.extend(side.extra.iter().cloned());
        all
    };
    let before = collect(deployed);
    let after = collect(built);
    let mut lines: Vec<String> = after
        .difference(&before)
        .map(|l| format!("+ {l}"))
        .collect();
    lines.extend(before.difference(&after).map(|l| format!("- {l}")));
    lines
}

fn unified(deployed: &str, built: &str) -> String {
    similar::TextDiff::from_lines(deployed, built)
        .unified_diff()
        .context_radius(3)
        .header("deployed", "iamdsl")
        .to_string()
}

/// `AROA…`, `AIDA…`: how IAM shows a trusted principal that was deleted.
fn is_unique_id(value: &str) -> bool {
    value.len() >= 16
        && ["AROA", "AIDA", "AGPA", "ANPA"]
            .iter()
            .any(|p| value.starts_with(p))
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// `GetAccountAuthorizationDetails` does not return a role's description or maximum session
/// duration (`get-role` does). Where the deployed side does not show them, they cannot be
/// compared, so the built side leaves them out too; a role that does not exist yet keeps them.
fn hidden_fields<'a>(
    built: &'a AuthorizationDetails,
    deployed: &AuthorizationDetails,
) -> BTreeMap<&'a str, Hidden> {
    let shown: BTreeMap<&str, &RoleDetail> = deployed
        .roles
        .iter()
        .map(|r| (r.name.as_str(), r))
        .collect();
    built
        .roles
        .iter()
        .filter_map(|role| {
            let deployed = shown.get(role.name.as_str())?;
            Some((
                role.name.as_str(),
                Hidden {
                    description: deployed.description.is_none(),
                    max_session: deployed.max_session.is_none(),
                },
            ))
        })
        .collect()
}

/// Compares what the project builds with what is deployed.
pub fn diff(
    built: &AuthorizationDetails,
    deployed: &AuthorizationDetails,
    scope: &Scope,
) -> Report {
    let hidden = hidden_fields(built, deployed);
    let (built_details, deployed_details) = (built, deployed);
    let built = sides(built_details, &hidden);
    let deployed = sides(deployed_details, &BTreeMap::new());
    let mut report = Report::default();
    let keys: BTreeSet<&(&'static str, String)> = built.keys().chain(deployed.keys()).collect();
    for key in keys {
        let (b, d) = (built.get(key), deployed.get(key));
        let entity = match (b, d) {
            (Some(b), None) => EntityDiff {
                kind: b.kind,
                name: b.name.clone(),
                arn: b.arn.clone(),
                change: Change::Created,
                summary: summary(None, Some(b)),
                diff: unified("", &entity_json(b.entity)),
            },
            (None, Some(d)) => {
                let owned = scope.owns(&d.path, &d.name);
                EntityDiff {
                    kind: d.kind,
                    name: d.name.clone(),
                    arn: d.arn.clone(),
                    change: if owned {
                        Change::Removed
                    } else {
                        Change::Unmanaged
                    },
                    summary: if owned {
                        summary(Some(d), None)
                    } else {
                        Vec::new()
                    },
                    diff: if owned {
                        unified(&entity_json(d.entity), "")
                    } else {
                        String::new()
                    },
                }
            }
            (Some(b), Some(d)) if !same_entity(b.entity, d.entity) => EntityDiff {
                kind: b.kind,
                name: b.name.clone(),
                arn: b.arn.clone(),
                change: Change::Changed,
                summary: summary(Some(d), Some(b)),
                diff: unified(&entity_json(d.entity), &entity_json(b.entity)),
            },
            _ => continue,
        };
        report.entities.push(entity);
    }
    for side in deployed.values().filter(|s| s.kind == "role") {
        for (_, document) in side.documents.iter().filter(|(label, _)| *label == "trust") {
            for value in document
                .statements()
                .flat_map(|s| s.principal.iter())
                .flat_map(|p| p.0.values())
                .flatten()
            {
                if is_unique_id(value) {
                    report.dangling.push(format!(
                        "role {} trusts `{value}`: a deleted principal, shown by its unique id",
                        side.name
                    ));
                }
            }
        }
    }
    report
        .entities
        .sort_by(|a, b| (a.change, a.kind, &a.name).cmp(&(b.change, b.kind, &b.name)));
    let changed: BTreeSet<(&str, String)> = report
        .entities
        .iter()
        .filter(|e| e.change != Change::Unmanaged)
        .map(|e| (e.kind, e.name.clone()))
        .collect();
    report.access = access::access_changes(built_details, deployed_details, &changed);
    report
}

/// The report for people. `color`: ANSI colours for `+` and `-` lines.
pub fn render_text(report: &Report, color: bool) -> String {
    let paint = |line: &str| -> String {
        if !color {
            return line.to_string();
        }
        match line.chars().next() {
            Some('+') => format!("\x1b[32m{line}\x1b[0m"),
            Some('-') => format!("\x1b[31m{line}\x1b[0m"),
            Some('@') => format!("\x1b[36m{line}\x1b[0m"),
            _ => line.to_string(),
        }
    };
    let mut out = String::new();
    for entity in &report.entities {
        out.push_str(&format!(
            "{} {}: {}\n",
            entity.kind,
            entity.name,
            entity.change.as_str()
        ));
        for line in &entity.summary {
            out.push_str(&format!("  {}\n", paint(line)));
        }
        if entity.change == Change::Changed {
            for line in entity.diff.lines() {
                out.push_str(&format!("    {}\n", paint(line)));
            }
        }
    }
    if !report.access.is_empty() {
        out.push_str("effective access (AWS's evaluation of each side):\n");
        for change in &report.access {
            out.push_str(&format!("  {}:\n", change.principal));
            for line in access::lines(change) {
                out.push_str(&format!("    {}\n", paint(&line)));
            }
        }
    }
    for dangling in &report.dangling {
        out.push_str(&format!("dangling: {dangling}\n"));
    }
    let changes = report
        .entities
        .iter()
        .filter(|e| e.change != Change::Unmanaged)
        .count();
    let unmanaged = report.entities.len() - changes;
    out.push_str(&format!(
        "{changes} change{}, {unmanaged} unmanaged\n",
        if changes == 1 { "" } else { "s" }
    ));
    out
}

/// The report for bots.
pub fn render_json(report: &Report) -> String {
    let entities: Vec<Json> = report
        .entities
        .iter()
        .map(|e| {
            Json::Object(vec![
                ("kind".into(), Json::str(e.kind)),
                ("name".into(), Json::str(&e.name)),
                ("arn".into(), Json::str(&e.arn)),
                ("change".into(), Json::str(e.change.as_str())),
                ("summary".into(), Json::strings(e.summary.iter().cloned())),
                ("diff".into(), Json::str(&e.diff)),
            ])
        })
        .collect();
    Json::Object(vec![
        ("changes".into(), Json::Array(entities)),
        (
            "access".into(),
            Json::Array(
                report
                    .access
                    .iter()
                    .map(|c| {
                        Json::Object(vec![
                            ("principal".into(), Json::str(&c.principal)),
                            ("gained".into(), Json::strings(c.gained.iter().cloned())),
                            ("lost".into(), Json::strings(c.lost.iter().cloned())),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "dangling".into(),
            Json::strings(report.dangling.iter().cloned()),
        ),
        ("has_changes".into(), Json::Bool(report.has_changes())),
    ])
    .pretty()
}
