//! The canonical form of a policy document: the same meaning gives the same bytes, whatever the
//! order or shape it was written in. The rules are documented in docs/canonical-json.md.

use crate::NameSet;
use std::borrow::Cow;

use crate::document::{
    ActionBlock, Conditions, PolicyDocument, Principals, ResourceBlock, Statement,
};
use crate::json::Json;

pub const POLICY_VERSION: &str = "2012-10-17";

/// Merges statements that differ only in their actions, only in their resources or only in
/// their principals, orders
/// them, and gives each a Sid derived from its content.
pub fn canonicalize(document: &PolicyDocument) -> PolicyDocument {
    canonicalize_owned(document.clone())
}

/// [`canonicalize`], reusing the document's storage.
pub fn canonicalize_owned(document: PolicyDocument) -> PolicyDocument {
    let mut statements = document.statements;
    for statement in &mut statements {
        normalize_case(statement);
    }
    // `*` absorbing a list, merging by resources and merging by actions each can enable the
    // others: repeat until nothing changes.
    // Each pass either shortens the list (a merge) or removes a covered entry, so comparing
    // lengths and those removals tells when nothing changes, without copying the statements.
    loop {
        let mut changed = false;
        for statement in &mut statements {
            changed |= remove_covered(statement);
        }
        let count = statements.len();
        statements = merge(statements, same_but_actions, |into, from| {
            if let (ActionBlock::Action(a), ActionBlock::Action(b)) =
                (&mut into.action, from.action)
            {
                a.extend(b);
            }
        });
        statements = merge(statements, same_but_resources, |into, from| {
            if let (Some(ResourceBlock::Resource(a)), Some(ResourceBlock::Resource(b))) =
                (&mut into.resource, from.resource)
            {
                a.extend(b);
            }
        });
        statements = merge(statements, same_but_principals, |into, from| {
            if let (Some(a), Some(b)) = (&mut into.principal, from.principal) {
                for (kind, values) in b.0 {
                    a.0.entry(kind).or_default().extend(values);
                }
            }
        });
        changed |= statements.len() != count;
        if !changed {
            break;
        }
    }
    statements.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    statements.dedup_by(|a, b| {
        sort_key(a) == sort_key(b) && {
            b.origins.extend(a.origins.iter().copied());
            true
        }
    });
    for statement in &mut statements {
        statement.sid = Some(sid(statement));
        statement.origins.sort();
        statement.origins.dedup();
    }
    PolicyDocument { statements }
}

/// Content-derived Sids and the canonical order, without merging statements: for policies a
/// service stores one permission per statement (a Lambda function's).
pub fn assign_sids(document: &mut PolicyDocument) {
    document
        .statements
        .sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    for statement in &mut document.statements {
        statement.sid = Some(sid(statement));
    }
}

/// Statements that may merge their action lists: all else equal (NotAction lists only merge
/// when they are the same list, that is never).
fn same_but_actions(a: &Statement, b: &Statement) -> bool {
    matches!(
        (&a.action, &b.action),
        (ActionBlock::Action(_), ActionBlock::Action(_))
    ) && a.effect == b.effect
        && a.principal == b.principal
        && a.resource == b.resource
        && a.condition == b.condition
}

/// Statements that may merge their resource lists: all else equal, both `Resource` lists.
fn same_but_resources(a: &Statement, b: &Statement) -> bool {
    matches!(
        (&a.resource, &b.resource),
        (
            Some(ResourceBlock::Resource(_)),
            Some(ResourceBlock::Resource(_))
        )
    ) && a.effect == b.effect
        && a.principal == b.principal
        && a.action == b.action
        && a.condition == b.condition
}

/// Statements that may merge their principals (a principal matches when any entry does): all
/// else equal, both with a `Principal`.
fn same_but_principals(a: &Statement, b: &Statement) -> bool {
    a.principal.is_some()
        && b.principal.is_some()
        && a.effect == b.effect
        && a.action == b.action
        && a.resource == b.resource
        && a.condition == b.condition
}

/// Folds each statement into the first earlier one it may merge with. Pairwise comparison of
/// borrowed statements: documents are small, and no key is cloned.
fn merge(
    statements: Vec<Statement>,
    same: fn(&Statement, &Statement) -> bool,
    fold: fn(&mut Statement, Statement),
) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::with_capacity(statements.len());
    for statement in statements {
        match out.iter_mut().find(|existing| same(existing, &statement)) {
            Some(existing) => {
                existing.origins.extend(statement.origins.iter().copied());
                fold(existing, statement);
            }
            None => out.push(statement),
        }
    }
    out
}

/// Lowercases the service prefix of actions (IAM compares actions case-insensitively).
fn normalize_case(statement: &mut Statement) {
    let needs = |a: &String| {
        a.split(':')
            .next()
            .is_some_and(|service| service.bytes().any(|b| b.is_ascii_uppercase()))
    };
    let set = match &mut statement.action {
        ActionBlock::Action(set) | ActionBlock::NotAction(set) => set,
    };
    if !set.iter().any(needs) {
        return;
    }
    *set = std::mem::take(set)
        .into_iter()
        .map(|a| match a.split_once(':') {
            Some((service, name)) => format!("{}:{name}", service.to_ascii_lowercase()),
            None => a,
        })
        .collect();
}

/// `*` covers everything else in the same list.
/// `*` in a list covers the rest of it. Whether anything was removed.
fn remove_covered(statement: &mut Statement) -> bool {
    let mut removed = false;
    if let ActionBlock::Action(set) = &mut statement.action {
        if set.len() > 1 && set.contains("*") {
            set.retain(|a| a == "*");
            removed = true;
        }
    }
    if let Some(ResourceBlock::Resource(set)) = &mut statement.resource {
        if set.len() > 1 && set.contains("*") {
            set.retain(|r| r == "*");
            removed = true;
        }
    }
    removed
}

type SortKey<'a> = (
    u8,
    &'a Option<Principals>,
    &'a ActionBlock,
    &'a Option<ResourceBlock>,
    &'a Conditions,
);

/// Allow before Deny, then by principal, actions, resources, conditions (borrowed: sorting
/// compares keys many times).
fn sort_key(statement: &Statement) -> SortKey<'_> {
    let effect = match statement.effect {
        crate::Effect::Allow => 0,
        crate::Effect::Deny => 1,
    };
    (
        effect,
        &statement.principal,
        &statement.action,
        &statement.resource,
        &statement.condition,
    )
}

/// At most this many services are named in the Sid of a `NotAction` statement.
const SID_SERVICES: usize = 3;

/// A Sid from the statement's content: its effect, what it is about, and a hash, so that it
/// does not change when unrelated statements are added or moved. An `Action` statement is named
/// after the service of its first action (`AllowS3…`, `AllowAll…` for `*`). A `NotAction`
/// statement applies to every action but those listed, so it is named after what it leaves out
/// (`AllowAllExceptIam…`), never as if it were about the services it excludes.
fn sid(statement: &Statement) -> String {
    let subject = match &statement.action {
        ActionBlock::Action(set) => set
            .iter()
            .next()
            .map(|action| service_word(action))
            .filter(|word| !word.is_empty())
            .unwrap_or_else(|| "All".to_string()),
        ActionBlock::NotAction(set) => {
            let mut services: Vec<String> = Vec::new();
            for word in set.iter().map(|action| service_word(action)) {
                if !word.is_empty() && !services.contains(&word) {
                    services.push(word);
                }
            }
            let more = if services.len() > SID_SERVICES {
                "Etc"
            } else {
                ""
            };
            services.truncate(SID_SERVICES);
            format!("AllExcept{}{more}", services.concat())
        }
    };
    format!(
        "{}{subject}{:08x}",
        statement.effect.as_str(),
        content_hash(statement) as u32
    )
}

/// The service prefix of an action in PascalCase, letters and digits only (a Sid allows no
/// other characters): `s3:GetObject` → `S3`, `ssm-incidents:*` → `SsmIncidents`, `*` → ``.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
fn service_word(action: &str) -> String {
    let service = action.split(':').next().unwrap_or("");
    service
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A hash of everything in a statement but its Sid, fed field by field (with separators, so that
/// no two statements feed the same bytes).
fn content_hash(statement: &Statement) -> u64 {
    let mut hash = Fnv::default();
    hash.feed(statement.effect.as_str());
    if let Some(principals) = &statement.principal {
        hash.feed("\u{1}P");
        for (kind, values) in &principals.0 {
            hash.feed(kind);
            values.iter().for_each(|v| hash.feed(v));
        }
    }
    let (kind, actions) = match &statement.action {
        ActionBlock::Action(set) => ("\u{1}A", set),
        ActionBlock::NotAction(set) => ("\u{1}N", set),
    };
    hash.feed(kind);
    actions.iter().for_each(|a| hash.feed(a));
    match &statement.resource {
        Some(ResourceBlock::Resource(set)) => {
            hash.feed("\u{1}R");
            set.iter().for_each(|r| hash.feed(r));
        }
        Some(ResourceBlock::NotResource(set)) => {
            hash.feed("\u{1}X");
            set.iter().for_each(|r| hash.feed(r));
        }
        None => {}
    }
    for (operator, keys) in &statement.condition.0 {
        hash.feed("\u{1}C");
        hash.feed(operator);
        for (key, values) in keys {
            hash.feed(key);
            values.iter().for_each(|v| hash.feed(v));
        }
    }
    hash.0
}

/// FNV-1a: tiny, stable across platforms and versions (unlike std's hasher).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Feeds a string and a terminator.
    fn feed(&mut self, text: &str) {
        for b in text.bytes().chain(std::iter::once(0)) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

pub fn statement_json(statement: &Statement) -> Json<'_> {
    let mut fields: Vec<(Cow<'_, str>, Json<'_>)> = Vec::new();
    if let Some(sid) = &statement.sid {
        fields.push(("Sid".into(), Json::str(sid)));
    }
    fields.push(("Effect".into(), Json::str(statement.effect.as_str())));
    if let Some(principals) = &statement.principal {
        let entries = principals
            .0
            .iter()
            .map(|(kind, values)| (Cow::from(kind.as_str()), strings(values)))
            .collect();
        fields.push(("Principal".into(), Json::Object(entries)));
    }
    match &statement.action {
        ActionBlock::Action(set) => fields.push(("Action".into(), strings(set))),
        ActionBlock::NotAction(set) => fields.push(("NotAction".into(), strings(set))),
    }
    match &statement.resource {
        Some(ResourceBlock::Resource(set)) => fields.push(("Resource".into(), strings(set))),
        Some(ResourceBlock::NotResource(set)) => fields.push(("NotResource".into(), strings(set))),
        None => {}
    }
    if !statement.condition.is_empty() {
        let operators = statement
            .condition
            .0
            .iter()
            .map(|(operator, keys)| {
                let keys = keys
                    .iter()
                    .map(|(key, values)| (Cow::from(key.as_str()), strings(values)))
                    .collect();
                (Cow::from(operator.as_str()), Json::Object(keys))
            })
            .collect();
        fields.push(("Condition".into(), Json::Object(operators)));
    }
    Json::Object(fields)
}

/// The strings of a set, borrowed.
fn strings(set: &NameSet) -> Json<'_> {
    Json::strings(set.iter().map(String::as_str))
}

/// The document as JSON: `Version`, then `Statement`.
pub fn document_json(document: &PolicyDocument) -> Json<'_> {
    Json::Object(vec![
        ("Version".into(), Json::str(POLICY_VERSION)),
        (
            "Statement".into(),
            Json::Array(document.statements.iter().map(statement_json).collect()),
        ),
    ])
}

/// Canonical text of a document.
pub fn to_canonical_json(document: &PolicyDocument) -> String {
    document_json(&canonicalize(document)).pretty()
}

/// Size as AWS counts it for quotas: the JSON without white space.
pub fn quota_size(document: &PolicyDocument) -> usize {
    canonical_size(&canonicalize(document))
}

/// [`quota_size`] of a document that is already canonical: the length of its JSON without
/// white space, counted without writing it.
pub fn canonical_size(document: &PolicyDocument) -> usize {
    let strings = |items: &NameSet| {
        2 + items.iter().map(|s| json_len(s)).sum::<usize>() + items.len().saturating_sub(1)
    };
    let field = |name: &str| json_len(name) + 1;
    let statements: usize = document
        .statements
        .iter()
        .map(|s| {
            let mut fields = Vec::with_capacity(6);
            if let Some(sid) = &s.sid {
                fields.push(field("Sid") + json_len(sid));
            }
            fields.push(field("Effect") + json_len(s.effect.as_str()));
            if let Some(principals) = &s.principal {
                let inner: Vec<usize> = principals
                    .0
                    .iter()
                    .map(|(kind, values)| field(kind) + strings(values))
                    .collect();
                fields.push(field("Principal") + object_len(&inner));
            }
            fields.push(match &s.action {
                ActionBlock::Action(set) => field("Action") + strings(set),
                ActionBlock::NotAction(set) => field("NotAction") + strings(set),
            });
            match &s.resource {
                Some(ResourceBlock::Resource(set)) => fields.push(field("Resource") + strings(set)),
                Some(ResourceBlock::NotResource(set)) => {
                    fields.push(field("NotResource") + strings(set))
                }
                None => {}
            }
            if !s.condition.is_empty() {
                let operators: Vec<usize> = s
                    .condition
                    .0
                    .iter()
                    .map(|(op, keys)| {
                        let keys: Vec<usize> = keys
                            .iter()
                            .map(|(key, values)| field(key) + strings(values))
                            .collect();
                        field(op) + object_len(&keys)
                    })
                    .collect();
                fields.push(field("Condition") + object_len(&operators));
            }
            object_len(&fields)
        })
        .collect::<Vec<_>>()
        .iter()
        .sum::<usize>()
        + document.statements.len().saturating_sub(1);
    // {"Version":"2012-10-17","Statement":[…]}
    object_len(&[
        field("Version") + json_len(POLICY_VERSION),
        field("Statement") + 2 + statements,
    ])
}

/// Length of `{a,b,c}` given the lengths of its members.
fn object_len(members: &[usize]) -> usize {
    2 + members.iter().sum::<usize>() + members.len().saturating_sub(1)
}

/// Length of a JSON string literal.
fn json_len(text: &str) -> usize {
    crate::json::escaped_len(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Effect;

    fn allow(actions: &[&str], resources: &[&str]) -> Statement {
        Statement {
            sid: None,
            effect: Effect::Allow,
            principal: None,
            action: ActionBlock::Action(actions.iter().map(|s| s.to_string()).collect()),
            resource: Some(ResourceBlock::Resource(
                resources.iter().map(|s| s.to_string()).collect(),
            )),
            condition: Conditions::default(),
            origins: Vec::new(),
        }
    }

    /// The Sid of `NotAction` statements says what they apply to: everything but the services
    /// listed (`allow * except iam:*` is not about IAM).
    #[test]
    fn a_not_action_statement_is_named_after_what_it_grants() {
        let sid_of = |action: ActionBlock| {
            let mut statement = allow(&["*"], &["*"]);
            statement.action = action;
            let document = canonicalize(&PolicyDocument {
                statements: vec![statement],
            });
            let sid = document.statements[0].sid.clone().unwrap_or_default();
            // The name, without the 8 hex digits of the hash.
            sid[..sid.len() - 8].to_string()
        };
        let names =
            |actions: &[&str]| -> NameSet { actions.iter().map(|a| a.to_string()).collect() };
        assert_eq!(
            sid_of(ActionBlock::NotAction(names(&["iam:*"]))),
            "AllowAllExceptIam"
        );
        assert_eq!(
            sid_of(ActionBlock::NotAction(names(&[
                "organizations:*",
                "iam:CreateUser",
                "iam:DeleteUser"
            ]))),
            "AllowAllExceptIamOrganizations"
        );
        assert_eq!(
            sid_of(ActionBlock::NotAction(names(&[
                "account:*",
                "iam:*",
                "organizations:*",
                "sts:*"
            ]))),
            "AllowAllExceptAccountIamOrganizationsEtc"
        );
        assert_eq!(sid_of(ActionBlock::Action(names(&["*"]))), "AllowAll");
        assert_eq!(
            sid_of(ActionBlock::Action(names(&[
                "ssm-incidents:GetIncidentRecord"
            ]))),
            "AllowSsmIncidents"
        );
    }

    #[test]
    fn the_size_is_the_length_of_the_compact_json() {
        let mut doc = PolicyDocument {
            statements: vec![
                allow(&["s3:GetObject"], &["arn:aws:s3:::b/*"]),
                allow(&["s3:ListBucket"], &["arn:aws:s3:::b"]),
            ],
        };
        doc.statements[0]
            .condition
            .insert("StringEquals", "aws:username", ["a\"b".to_string()]);
        let mut principals = Principals::default();
        principals.0.insert(
            "AWS".into(),
            ["arn:aws:iam::1:root".to_string()].into_iter().collect(),
        );
        doc.statements[1].principal = Some(principals);
        let canonical = canonicalize(&doc);
        assert_eq!(
            canonical_size(&canonical),
            document_json(&canonical).compact().chars().count()
        );
    }

    #[test]
    fn same_meaning_same_bytes() {
        let a = PolicyDocument {
            statements: vec![
                allow(&["s3:GetObject"], &["arn:aws:s3:::b/*"]),
                allow(&["S3:ListBucket"], &["arn:aws:s3:::b"]),
            ],
        };
        let b = PolicyDocument {
            statements: vec![
                allow(&["s3:ListBucket"], &["arn:aws:s3:::b"]),
                allow(&["s3:GetObject"], &["arn:aws:s3:::b/*"]),
            ],
        };
        assert_eq!(to_canonical_json(&a), to_canonical_json(&b));
    }

    #[test]
    fn statements_merge_on_equal_resources_or_actions() {
        let doc = PolicyDocument {
            statements: vec![
                allow(&["s3:GetObject"], &["arn:aws:s3:::b/*"]),
                allow(&["s3:PutObject"], &["arn:aws:s3:::b/*"]),
                allow(&["s3:ListBucket"], &["arn:aws:s3:::b"]),
                allow(&["s3:ListBucket"], &["arn:aws:s3:::c"]),
            ],
        };
        let canonical = canonicalize(&doc);
        assert_eq!(canonical.statements.len(), 2, "{canonical:#?}");
        let sids: Vec<_> = canonical
            .statements
            .iter()
            .filter_map(|s| s.sid.clone())
            .collect();
        assert!(
            sids.iter()
                .all(|s| s.starts_with("AllowS3") && s.chars().all(|c| c.is_ascii_alphanumeric())),
            "{sids:?}"
        );
        // Adding an unrelated statement does not change the other Sids.
        let mut more = doc.clone();
        more.statements.push(allow(
            &["sqs:SendMessage"],
            &["arn:aws:sqs:eu-west-1:111111111111:q"],
        ));
        let more_sids: Vec<_> = canonicalize(&more)
            .statements
            .iter()
            .filter_map(|s| s.sid.clone())
            .collect();
        assert!(sids.iter().all(|s| more_sids.contains(s)));
    }
}
