//! Built versus deployed: both sides are canonical [`AuthorizationDetails`]; entities are
//! matched by kind and name, and each change is reported as a unified diff of the canonical JSON
//! and as a summary of the permissions it grants or takes away. Cosmetic differences (order,
//! strings versus lists, Sids, encoding) cannot show up: both sides went through the same
//! canonical form.

mod access;

use std::collections::{BTreeMap, BTreeSet};

pub use access::AccessChange;

use iamdsl_policy::access::arn_account;
use iamdsl_policy::authz::{
    AuthorizationDetails, GroupDetail, InlinePolicy, ManagedPolicyDetail, ResourcePolicyDetail,
    ResourcePolicyState, RoleDetail, UserDetail,
};
use iamdsl_policy::eval::{Operator, SetOperator};
use iamdsl_policy::json::Json;
use iamdsl_policy::{ActionBlock, Conditions, Effect, PolicyDocument, ResourceBlock, Statement};

/// What the project owns in deployed state: entities outside are "unmanaged", never "removed".
/// What AWS owns is never the project's, whatever the paths and names say.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub paths: Vec<String>,
    pub names: Vec<String>,
}

impl Scope {
    /// Whether a deployed entity (or instance profile) is the project's, by its path and name.
    pub fn owns(&self, path: &str, name: &str, arn: &str) -> bool {
        !aws_owned(path, arn)
            && (self.paths.iter().any(|p| path.starts_with(p.as_str()))
                || self.names.iter().any(|n| n == name))
    }
}

/// Paths of roles that AWS creates and owns: service-linked roles, which only their service
/// may delete (https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html),
/// and IAM Identity Center's roles for permission sets, which it alone changes
/// (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html).
pub const AWS_OWNED_PATHS: &[&str] = &["/aws-service-role/", "/aws-reserved/"];

/// Whether an entity belongs to AWS: a role on one of [`AWS_OWNED_PATHS`] or an AWS managed
/// policy (`arn:aws:iam::aws:policy/…`, which AWS maintains and nobody else can change:
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies).
pub fn aws_owned(path: &str, arn: &str) -> bool {
    AWS_OWNED_PATHS.iter().any(|p| path.starts_with(p)) || arn.contains(":iam::aws:policy/")
}

/// The entities of one account (by id) and the AWS managed policies they may use: what
/// `diff --account NAME` compares.
pub fn only_account(details: &AuthorizationDetails, account: &str) -> AuthorizationDetails {
    fn of<T: Clone>(items: &[T], arn: impl Fn(&T) -> &str, account: &str) -> Vec<T> {
        items
            .iter()
            .filter(|item| arn_account(arn(item)) == Some(account))
            .cloned()
            .collect()
    }
    AuthorizationDetails {
        users: of(&details.users, |u| &u.arn, account),
        groups: of(&details.groups, |g| &g.arn, account),
        roles: of(&details.roles, |r| &r.arn, account),
        policies: of(&details.policies, |p| &p.arn, account),
        aws_managed: details.aws_managed.clone(),
        resources: details
            .resources
            .iter()
            .filter(|r| r.account == account)
            .cloned()
            .collect(),
        // The guardrails of the account's requests stay: what its principals may do depends
        // on them.
        organization: details.organization.clone(),
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
    /// The id of the entity's account (from its ARN).
    pub account: String,
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
    /// The ids of the accounts either side holds entities of.
    pub accounts: BTreeSet<String>,
    /// What people call the accounts (`111111111111` → `prod`), as the project declares them;
    /// set by the caller, used by the renderings.
    pub account_names: BTreeMap<String, String>,
}

impl Report {
    /// Whether deploying the build would change anything the project owns.
    pub fn has_changes(&self) -> bool {
        self.entities.iter().any(|e| e.change != Change::Unmanaged)
    }

    /// An account as people call it: its declared name, else its id.
    pub fn account_label<'r>(&'r self, id: &'r str) -> &'r str {
        self.account_names.get(id).map_or(id, String::as_str)
    }

    /// `prod: ` before each entity and principal when the report spans several accounts.
    fn account_prefix(&self, id: &str) -> String {
        if self.accounts.len() > 1 {
            format!("{}: ", self.account_label(id))
        } else {
            String::new()
        }
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
    /// A resource with a policy of its own (a bucket, a key…).
    Resource(&'a ResourcePolicyDetail),
}

#[derive(Clone, Copy, Default)]
struct Hidden {
    description: bool,
    max_session: bool,
}

/// An entity as compared: the entity itself and, for the summary, its documents.
struct Side<'a> {
    /// The account's id, from the ARN.
    account: String,
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

pub fn same_document(a: &PolicyDocument, b: &PolicyDocument) -> bool {
    a.statements.len() == b.statements.len()
        && a.statements
            .iter()
            .zip(&b.statements)
            .all(|(x, y)| same_statement(x, y))
}

/// A principal's inline policies, compared as the one document IAM evaluates.
pub fn same_inline(a: &[InlinePolicy], b: &[InlinePolicy]) -> bool {
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
                && b.tags == d.tags
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
                && (hidden.max_session || b.session_limit() == d.session_limit())
                && same_document(&b.trust, &d.trust)
                && profiles(b) == profiles(d)
                && sorted(&b.attached) == sorted(&d.attached)
                && b.boundary == d.boundary
                && b.tags == d.tags
                && same_inline(&b.inline, &d.inline)
        }
        (EntityRef::Policy(b), EntityRef::Policy(d)) => {
            b.path == d.path
                && b.arn == d.arn
                && b.description == d.description
                && b.tags == d.tags
                && same_document(&b.document, &d.document)
        }
        // By kind and name: a secret's deployed ARN has a suffix the source does not know.
        (EntityRef::Resource(b), EntityRef::Resource(d)) => match (&b.policy, &d.policy) {
            (ResourcePolicyState::Absent, ResourcePolicyState::Absent) => true,
            (ResourcePolicyState::Document(b), ResourcePolicyState::Document(d)) => {
                same_document(b, d)
            }
            // An unreadable policy is never known to be the same.
            _ => false,
        },
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
        EntityRef::Resource(resource) => {
            let mut resource = resource.clone();
            // Compared by name: the ARN is shown in the summary, not diffed.
            resource.arn = String::new();
            if let ResourcePolicyState::Document(document) = &mut resource.policy {
                no_sids(document);
            }
            one.resources.push(resource);
            "ResourcePolicies"
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

/// An entity's identity across the two sides: names are unique per kind and account.
type Key = (String, &'static str, String);

/// The entities of one side by (account, kind, name). `hidden`: per (account, role name),
/// what is not compared.
fn sides<'a>(
    details: &'a AuthorizationDetails,
    hidden: &BTreeMap<(String, &str), Hidden>,
) -> BTreeMap<Key, Side<'a>> {
    let mut out = BTreeMap::new();
    let mut add = |side: Side<'a>| {
        out.insert((side.account.clone(), side.kind, side.name.clone()), side);
    };
    details.users.iter().map(user_side).for_each(&mut add);
    details.groups.iter().map(group_side).for_each(&mut add);
    for role in &details.roles {
        let key = (account_of(&role.arn), role.name.as_str());
        add(role_side(
            role,
            hidden.get(&key).copied().unwrap_or_default(),
        ));
    }
    details.policies.iter().map(policy_side).for_each(&mut add);
    details
        .resources
        .iter()
        .map(resource_side)
        .for_each(&mut add);
    out
}

/// A resource, by its kind's name in AWS (`bucket`, `key`, `queue`…). It has no IAM path: the
/// diff scope's paths never take it, so a deployed resource the project does not declare is
/// unmanaged (only `names` in the scope claims one).
fn resource_side(resource: &ResourcePolicyDetail) -> Side<'_> {
    let kind = iamdsl_catalog::resource_policies::resource_policy_kind_by_key(&resource.kind)
        .map_or("resource", |k| k.resource_type);
    let documents = match &resource.policy {
        ResourcePolicyState::Document(document) => vec![("resource", Doc::One(document))],
        _ => Vec::new(),
    };
    let extra = match &resource.policy {
        ResourcePolicyState::Unknown(why) => BTreeSet::from([format!("policy not known ({why})")]),
        _ => BTreeSet::new(),
    };
    Side {
        account: resource.account.clone(),
        kind,
        name: resource.name.clone(),
        arn: resource.arn.clone(),
        path: String::new(),
        entity: EntityRef::Resource(resource),
        documents,
        attached: BTreeSet::new(),
        extra,
    }
}

fn account_of(arn: &str) -> String {
    arn_account(arn).unwrap_or_default().to_string()
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
        account: account_of(&user.arn),
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
        extra: user
            .groups
            .iter()
            .map(|g| format!("group {g}"))
            .chain(tag_lines(&user.tags))
            .collect(),
    }
}

fn group_side(group: &GroupDetail) -> Side<'_> {
    Side {
        account: account_of(&group.arn),
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
        account: account_of(&role.arn),
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
            .session_limit()
            .filter(|_| !hidden.max_session)
            .iter()
            .map(|s| format!("max session {s}s"))
            .chain(
                role.instance_profiles
                    .iter()
                    .map(|p| format!("instance profile {}", p.name)),
            )
            .chain(tag_lines(&role.tags))
            .collect(),
    }
}

fn policy_side(policy: &ManagedPolicyDetail) -> Side<'_> {
    Side {
        account: account_of(&policy.arn),
        kind: "policy",
        name: policy.name.clone(),
        arn: policy.arn.clone(),
        path: policy.path.clone(),
        entity: EntityRef::Policy(policy),
        documents: vec![("", Doc::One(&policy.document))],
        attached: BTreeSet::new(),
        extra: policy.tags.iter().flat_map(tag_lines).collect(),
    }
}

/// Tags as the summary lists them: a changed value is one line gone and one come. Attribute-based
/// conditions decide on them, so they are shown beside the permissions.
fn tag_lines(tags: &iamdsl_policy::authz::Tags) -> impl Iterator<Item = String> + '_ {
    tags.iter()
        .map(|(key, value)| format!("tag {key} = {value:?}"))
}

/// A statement's condition in words, every test once, joined by `and` as AWS joins them
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html):
/// `aws:MultiFactorAuthPresent = true and sts:ExternalId = x`; empty without a condition.
pub fn condition_text(condition: &Conditions) -> String {
    let mut tests = Vec::new();
    for (operator, keys) in &condition.0 {
        let parsed = Operator::parse(operator);
        let negated = parsed.is_negated();
        let (holds, fails) = match parsed.base.replace("Not", "").as_str() {
            "StringLike" | "ArnLike" => ("like", "not like"),
            "IpAddress" => ("in", "not in"),
            "NumericLessThan" | "DateLessThan" => ("<", ">="),
            "NumericLessThanEquals" | "DateLessThanEquals" => ("<=", ">"),
            "NumericGreaterThan" | "DateGreaterThan" => (">", "<="),
            "NumericGreaterThanEquals" | "DateGreaterThanEquals" => (">=", "<"),
            _ => ("=", "!="),
        };
        let relation = if negated { fails } else { holds };
        let set = match parsed.set {
            Some(SetOperator::ForAnyValue) => "any of ",
            Some(SetOperator::ForAllValues) => "all of ",
            None => "",
        };
        let if_exists = match parsed.if_exists {
            true => " (if present)",
            false => "",
        };
        for (key, values) in keys {
            let listed: Vec<&str> = values.iter().map(String::as_str).collect();
            let test = if parsed.base == "Null" {
                match listed.as_slice() {
                    ["true"] => format!("{key} absent"),
                    ["false"] => format!("{key} present"),
                    _ => format!("Null {key} [{}]", listed.join(", ")),
                }
            } else if let [one] = listed.as_slice() {
                format!("{set}{key} {relation} {one}{if_exists}")
            } else {
                format!(
                    "{set}{key} {relation} any of [{}]{if_exists}",
                    listed.join(", ")
                )
            };
            tests.push(test);
        }
    }
    tests.join(" and ")
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
        let condition = match condition_text(&statement.condition) {
            text if text.is_empty() => text,
            text => format!(" when {text}"),
        };
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
        // A resource's policy: whom each grant is to.
        let to: Vec<String> = if label == "resource" {
            statement
                .principal
                .iter()
                .flat_map(|p| &p.0)
                .flat_map(|(kind, values)| values.iter().map(move |v| format!(" to {kind} {v}")))
                .collect()
        } else {
            vec![String::new()]
        };
        for action in &actions {
            for resource in &resources {
                for principal in &to {
                    out.insert(format!(
                        "{effect}{action} on {resource}{principal}{condition}"
                    ));
                }
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
) -> BTreeMap<(String, &'a str), Hidden> {
    let shown: BTreeMap<(String, &str), &RoleDetail> = deployed
        .roles
        .iter()
        .map(|r| ((account_of(&r.arn), r.name.as_str()), r))
        .collect();
    built
        .roles
        .iter()
        .filter_map(|role| {
            let key = (account_of(&role.arn), role.name.as_str());
            let deployed = shown.get(&key)?;
            Some((
                key,
                Hidden {
                    description: !deployed.shows_description(),
                    max_session: deployed.max_session.is_none(),
                },
            ))
        })
        .collect()
}

/// `GetAccountAuthorizationDetails` leaves managed policies' tags out (`iamdsl pull` reads them
/// with `ListPolicyTags`): where the deployed side does not show a policy's tags, the built side
/// leaves them out too. `None` when nothing is left out (the usual case, without a copy).
fn without_unshown_policy_tags(
    built: &AuthorizationDetails,
    deployed: &AuthorizationDetails,
) -> Option<AuthorizationDetails> {
    let unshown: BTreeSet<&str> = deployed
        .policies
        .iter()
        .filter(|p| p.tags.is_none())
        .map(|p| p.arn.as_str())
        .collect();
    let hides = |p: &ManagedPolicyDetail| p.tags.is_some() && unshown.contains(p.arn.as_str());
    if !built.policies.iter().any(hides) {
        return None;
    }
    let mut adjusted = built.clone();
    for policy in &mut adjusted.policies {
        if unshown.contains(policy.arn.as_str()) {
            policy.tags = None;
        }
    }
    Some(adjusted)
}

/// Compares what the project builds with what is deployed: the entities and how the change
/// moves each principal's effective access.
pub fn diff(
    built: &AuthorizationDetails,
    deployed: &AuthorizationDetails,
    scope: &Scope,
) -> Report {
    let mut report = entity_changes(built, deployed, scope);
    let changed: BTreeSet<Key> = report
        .entities
        .iter()
        .filter(|e| e.change != Change::Unmanaged)
        .map(|e| (e.account.clone(), e.kind, e.name.clone()))
        .collect();
    // As the entities were compared: without the tags the deployed side does not show.
    let adjusted = without_unshown_policy_tags(built, deployed);
    report.access = access::access_changes(adjusted.as_ref().unwrap_or(built), deployed, &changed);
    report
}

/// [`diff`] without the effective access: which entities deploying would create, change and
/// remove, each with its summary and JSON diff. What `plan` turns into calls.
pub fn entity_changes(
    built: &AuthorizationDetails,
    deployed: &AuthorizationDetails,
    scope: &Scope,
) -> Report {
    let hidden = hidden_fields(built, deployed);
    let built_without_hidden_tags;
    let built = match without_unshown_policy_tags(built, deployed) {
        Some(adjusted) => {
            built_without_hidden_tags = adjusted;
            &built_without_hidden_tags
        }
        None => built,
    };
    let (built_details, deployed_details) = (built, deployed);
    let built = sides(built_details, &hidden);
    let deployed = sides(deployed_details, &BTreeMap::new());
    let mut report = Report::default();
    let keys: BTreeSet<&Key> = built.keys().chain(deployed.keys()).collect();
    for key in keys {
        let (b, d) = (built.get(key), deployed.get(key));
        let entity = |side: &Side<'_>, change, summary, diff| EntityDiff {
            account: side.account.clone(),
            kind: side.kind,
            name: side.name.clone(),
            arn: side.arn.clone(),
            change,
            summary,
            diff,
        };
        let entity = match (b, d) {
            (Some(b), None) => entity(
                b,
                Change::Created,
                summary(None, Some(b)),
                unified("", &entity_json(b.entity)),
            ),
            (None, Some(d)) if scope.owns(&d.path, &d.name, &d.arn) => entity(
                d,
                Change::Removed,
                summary(Some(d), None),
                unified(&entity_json(d.entity), ""),
            ),
            (None, Some(d)) => entity(d, Change::Unmanaged, Vec::new(), String::new()),
            (Some(b), Some(d)) if !same_entity(b.entity, d.entity) => entity(
                b,
                Change::Changed,
                summary(Some(d), Some(b)),
                unified(&entity_json(d.entity), &entity_json(b.entity)),
            ),
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
    report.entities.sort_by(|a, b| {
        (&a.account, a.change, a.kind, &a.name).cmp(&(&b.account, b.change, b.kind, &b.name))
    });
    report.accounts = built
        .values()
        .chain(deployed.values())
        .map(|side| side.account.clone())
        .collect();
    report
}

/// `+`/`-`/`~` lines in green, red and yellow, `@@` in cyan.
fn painter(color: bool) -> impl Fn(&str) -> String {
    move |line: &str| -> String {
        if !color {
            return line.to_string();
        }
        match line.chars().next() {
            Some('+') => format!("\x1b[32m{line}\x1b[0m"),
            Some('-') => format!("\x1b[31m{line}\x1b[0m"),
            Some('~') => format!("\x1b[33m{line}\x1b[0m"),
            Some('@') => format!("\x1b[36m{line}\x1b[0m"),
            _ => line.to_string(),
        }
    }
}

/// How many lines of each sign a summary shows before it stops, unless verbose.
const SHOWN: usize = 20;

/// Summary lines for people: unless `verbose`, the actions of one service on one resource
/// (with the same effect and condition) are counted on one line once there are more than
/// [`GROUPED_FROM`] - 1 of them, and at most [`SHOWN`] lines of each sign are shown.
/// `+ s3:GetObject on arn:…` lines come from the summaries; others pass unchanged.
pub fn readable(lines: &[String], verbose: bool) -> Vec<String> {
    if verbose {
        return lines.to_vec();
    }
    // (sign and effect, service, what follows " on ") → the lines' indices
    let mut groups: BTreeMap<(&str, &str, &str), Vec<usize>> = BTreeMap::new();
    for (index, line) in lines.iter().enumerate() {
        if let Some(key) = grant_parts(line) {
            groups.entry(key).or_default().push(index);
        }
    }
    let mut out = Vec::new();
    let mut shown: BTreeMap<char, (usize, usize)> = BTreeMap::new();
    for (index, line) in lines.iter().enumerate() {
        let text = match grant_parts(line).and_then(|key| Some((key, groups.get(&key)?))) {
            Some(((head, service, rest), members)) if members.len() >= GROUPED_FROM => {
                if members.first() != Some(&index) {
                    continue;
                }
                format!("{head}{service}: {} actions on {rest}", members.len())
            }
            _ => line.clone(),
        };
        let sign = line.chars().next().unwrap_or(' ');
        let (count, hidden) = shown.entry(sign).or_default();
        if *count < SHOWN {
            *count += 1;
            out.push(text);
        } else {
            *hidden += 1;
        }
    }
    for (sign, (_, hidden)) in shown {
        if hidden > 0 {
            out.push(format!(
                "{sign} … and {hidden} more lines (--verbose shows them)"
            ));
        }
    }
    out
}

/// Actions of one service on one resource from this many on are counted, not listed.
const GROUPED_FROM: usize = 6;

/// `+ deny s3:GetObject on arn:… when …` as (`+ deny `, `s3`, `arn:… when …`); `None` for lines
/// that are not about one action.
fn grant_parts(line: &str) -> Option<(&str, &str, &str)> {
    let (head, rest) = line.split_once(" on ")?;
    let action_start = head.rfind(' ').map_or(0, |i| i + 1);
    let (prefix, action) = head.split_at(action_start);
    let (service, name) = action.split_once(':')?;
    let simple = |text: &str| {
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    // `+ everything except …` and `trust: …` lines are not grouped.
    let known_prefix = matches!(prefix, "+ " | "- " | "+ deny " | "- deny " | "~ ");
    (known_prefix && simple(service) && !name.is_empty() && !name.contains(' '))
        .then_some((prefix, service, rest))
}

/// The report for people. `color`: ANSI colours for `+` and `-` lines; `verbose`: every
/// action on its own line.
pub fn render_text(report: &Report, color: bool, verbose: bool) -> String {
    let paint = painter(color);
    let mut out = String::new();
    for entity in &report.entities {
        out.push_str(&format!(
            "{}{} {}: {}\n",
            report.account_prefix(&entity.account),
            entity.kind,
            entity.name,
            entity.change.as_str()
        ));
        for line in readable(&entity.summary, verbose) {
            out.push_str(&format!("  {}\n", paint(&line)));
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
            out.push_str(&format!(
                "  {}{}:\n",
                report.account_prefix(&change.account),
                change.principal
            ));
            let lines = readable(&access::lines(change), verbose);
            for line in &lines {
                out.push_str(&format!("    {}\n", paint(line)));
            }
            if !change.unknown.is_empty() {
                let caveat = iamdsl_policy::access::unknown_documents_caveat(&change.unknown);
                let seen = if lines.is_empty() {
                    "no change iamdsl can evaluate, "
                } else {
                    ""
                };
                out.push_str(&format!("    {seen}but {caveat}\n"));
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

/// The report for a pull-request comment (GitHub and GitLab Markdown): a table of what
/// changes, each entity's summary, the effective access per principal, and, collapsed, the
/// JSON diffs and any summary too long to read at a glance. `verbose`: every action.
pub fn render_markdown(report: &Report, verbose: bool) -> String {
    let changes = report
        .entities
        .iter()
        .filter(|e| e.change != Change::Unmanaged)
        .count();
    let unmanaged = report.entities.len() - changes;
    let mut out = format!(
        "### iamdsl diff: {changes} change{}, {unmanaged} unmanaged\n",
        if changes == 1 { "" } else { "s" }
    );
    // Blocks one blank line apart.
    let mut block = |text: String| {
        out.push('\n');
        out.push_str(text.trim_end_matches('\n'));
        out.push('\n');
    };
    if report.entities.is_empty() && report.access.is_empty() && report.dangling.is_empty() {
        block("Deploying this project changes nothing it owns.".into());
        return out;
    }
    if !report.entities.is_empty() {
        let mut table = String::from("| account | entity | change |\n| --- | --- | --- |\n");
        for entity in &report.entities {
            table.push_str(&format!(
                "| {} | {} `{}` | {} |\n",
                report.account_label(&entity.account),
                entity.kind,
                entity.name,
                entity.change.as_str()
            ));
        }
        block(table);
    }
    for entity in report
        .entities
        .iter()
        .filter(|e| e.change != Change::Unmanaged)
    {
        block(format!(
            "#### {}{} `{}`: {}",
            report.account_prefix(&entity.account),
            entity.kind,
            entity.name,
            entity.change.as_str()
        ));
        let summary = readable(&entity.summary, verbose);
        if !summary.is_empty() {
            block(collapsible("Summary", &summary));
        }
        if entity.change == Change::Changed && !entity.diff.is_empty() {
            let diff: Vec<String> = entity.diff.lines().map(str::to_string).collect();
            block(details("The canonical JSON, deployed → built", &diff));
        }
    }
    if !report.access.is_empty() {
        block("#### Effective access (AWS's evaluation of each side)".into());
        for change in &report.access {
            block(format!(
                "**{}{}**",
                report.account_prefix(&change.account),
                change.principal
            ));
            let lines = readable(&access::lines(change), verbose);
            if !lines.is_empty() {
                block(collapsible("Access", &lines));
            }
            if !change.unknown.is_empty() {
                block(format!(
                    "> {}",
                    iamdsl_policy::access::unknown_documents_caveat(&change.unknown)
                ));
            }
        }
    }
    if !report.dangling.is_empty() {
        block("#### Dangling principals".into());
        block(
            report
                .dangling
                .iter()
                .map(|d| format!("- {d}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    out
}

/// Lines of a summary a reviewer reads without opening anything; longer ones are collapsed.
const MARKDOWN_OPEN_LINES: usize = 12;

/// Lines in a `diff` block, collapsed under `title` when there are many.
fn collapsible(title: &str, lines: &[String]) -> String {
    if lines.len() <= MARKDOWN_OPEN_LINES {
        fenced("diff", lines)
    } else {
        details(&format!("{title} ({} lines)", lines.len()), lines)
    }
}

/// Lines in a `diff` block under a collapsed `<details>`.
fn details(summary: &str, lines: &[String]) -> String {
    format!(
        "<details><summary>{summary}</summary>\n\n{}\n</details>",
        fenced("diff", lines)
    )
}

/// A fenced code block whose fence is longer than any run of backticks in the lines.
fn fenced(language: &str, lines: &[String]) -> String {
    let longest = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{language}\n{}\n{fence}", lines.join("\n"))
}

/// The report for bots: every line, every action.
pub fn render_json(report: &Report) -> String {
    let entities: Vec<Json> = report
        .entities
        .iter()
        .map(|e| {
            Json::Object(vec![
                (
                    "account".into(),
                    Json::str(report.account_label(&e.account)),
                ),
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
                            (
                                "account".into(),
                                Json::str(report.account_label(&c.account)),
                            ),
                            ("principal".into(), Json::str(&c.principal)),
                            ("gained".into(), Json::strings(c.gained.iter().cloned())),
                            ("lost".into(), Json::strings(c.lost.iter().cloned())),
                            (
                                "condition_changed".into(),
                                Json::strings(c.condition_changed.iter().cloned()),
                            ),
                            // As `who-can` says it: whether documents iamdsl does not hold
                            // could change the lists, and which.
                            ("certain".into(), Json::Bool(c.unknown.is_empty())),
                            (
                                "unknown_policies".into(),
                                Json::strings(c.unknown.iter().cloned()),
                            ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_collapses_long_parts_and_fences_any_text() {
        let short: Vec<String> = (0..3).map(|i| format!("+ s3:Action{i} on *")).collect();
        assert_eq!(
            collapsible("Access", &short),
            "```diff\n+ s3:Action0 on *\n+ s3:Action1 on *\n+ s3:Action2 on *\n```"
        );
        let long: Vec<String> = (0..13).map(|i| format!("+ s3:Action{i} on *")).collect();
        let collapsed = collapsible("Access", &long);
        assert!(collapsed.starts_with("<details><summary>Access (13 lines)</summary>\n\n```diff\n"));
        assert!(collapsed.ends_with("```\n</details>"));
        // A value holding backticks cannot close the block early.
        let tricky = vec!["+ tag = ``` x".to_string()];
        assert_eq!(fenced("diff", &tricky), "````diff\n+ tag = ``` x\n````");
    }

    #[test]
    fn a_condition_reads_once_with_its_tests_joined_by_and() {
        let mut condition = Conditions::default();
        condition.insert("Bool", "aws:MultiFactorAuthPresent", ["true".to_string()]);
        condition.insert("StringEquals", "sts:ExternalId", ["x".to_string()]);
        condition.insert(
            "ForAnyValue:StringLike",
            "aws:TagKeys",
            ["team/*".to_string(), "cost".to_string()],
        );
        condition.insert("NumericLessThanIfExists", "s3:max-keys", ["10".to_string()]);
        condition.insert("Null", "aws:SourceIp", ["true".to_string()]);
        assert_eq!(
            condition_text(&condition),
            "aws:MultiFactorAuthPresent = true and any of aws:TagKeys like any of [cost, team/*] \
             and aws:SourceIp absent and s3:max-keys < 10 (if present) and sts:ExternalId = x"
        );
    }

    #[test]
    fn what_aws_owns_is_never_in_scope() {
        let everything = Scope {
            paths: vec!["/".into()],
            names: vec!["AWSServiceRoleForECS".into()],
        };
        assert!(!everything.owns(
            "/aws-service-role/ecs.amazonaws.com/",
            "AWSServiceRoleForECS",
            "arn:aws:iam::111111111111:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
        ));
        assert!(!everything.owns(
            "/",
            "ReadOnlyAccess",
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        ));
        assert!(everything.owns("/", "web", "arn:aws:iam::111111111111:role/web"));
    }

    #[test]
    fn many_actions_of_one_service_on_one_resource_are_counted() {
        let mut lines: Vec<String> = (0..7)
            .map(|i| format!("+ s3:Get{i} on arn:aws:s3:::b/*"))
            .collect();
        lines.push("+ s3:Put on arn:aws:s3:::b/*".into());
        lines.push("+ deny s3:Delete on arn:aws:s3:::b/*".into());
        lines.push("- trust: Service ec2.amazonaws.com".into());
        assert_eq!(
            readable(&lines, false),
            [
                "+ s3: 8 actions on arn:aws:s3:::b/*",
                "+ deny s3:Delete on arn:aws:s3:::b/*",
                "- trust: Service ec2.amazonaws.com",
            ]
        );
        assert_eq!(readable(&lines, true), lines);
        let many: Vec<String> = (0..30)
            .map(|i| format!("- s3:Get on arn:aws:s3:::b{i}/*"))
            .collect();
        let shown = readable(&many, false);
        assert_eq!(shown.len(), SHOWN + 1);
        assert_eq!(shown[SHOWN], "- … and 10 more lines (--verbose shows them)");
    }
}
