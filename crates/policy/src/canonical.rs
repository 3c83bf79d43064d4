//! The canonical form of a policy document: the same meaning gives the same bytes, whatever the
//! order or shape it was written in. The rules are documented in docs/canonical-json.md.

use std::collections::{BTreeMap, BTreeSet};

use crate::document::{
    ActionBlock, Conditions, PolicyDocument, Principals, ResourceBlock, Statement,
};
use crate::json::Json;

pub const POLICY_VERSION: &str = "2012-10-17";

/// Merges statements that differ only in their actions (or only in their resources), orders
/// them, and gives each a Sid derived from its content.
pub fn canonicalize(document: &PolicyDocument) -> PolicyDocument {
    let mut statements: Vec<Statement> = document.statements.iter().map(normalize_case).collect();
    // Merging by resources can make action lists equal and the reverse: repeat until stable.
    loop {
        let before = statements.len();
        statements = merge(
            statements,
            |s| {
                (
                    s.effect,
                    s.principal.clone(),
                    s.resource.clone(),
                    s.condition.clone(),
                    not_action(&s.action),
                )
            },
            |into, from| {
                if let (ActionBlock::Action(a), ActionBlock::Action(b))
                | (ActionBlock::NotAction(a), ActionBlock::NotAction(b)) =
                    (&mut into.action, &from.action)
                {
                    a.extend(b.iter().cloned());
                }
            },
        );
        statements = merge(
            statements,
            |s| {
                (
                    s.effect,
                    s.principal.clone(),
                    s.action.clone(),
                    s.condition.clone(),
                    not_resource(&s.resource),
                )
            },
            |into, from| {
                if let (Some(ResourceBlock::Resource(a)), Some(ResourceBlock::Resource(b))) =
                    (&mut into.resource, &from.resource)
                {
                    a.extend(b.iter().cloned());
                }
            },
        );
        if statements.len() == before {
            break;
        }
    }
    for statement in &mut statements {
        remove_covered(statement);
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

/// The merge key part for actions: lists merge, NotAction lists only when equal.
fn not_action(action: &ActionBlock) -> Option<BTreeSet<String>> {
    match action {
        ActionBlock::Action(_) => None,
        ActionBlock::NotAction(set) => Some(set.clone()),
    }
}

/// The merge key part for resources: lists merge, NotResource lists only when equal.
fn not_resource(resource: &Option<ResourceBlock>) -> Option<Option<ResourceBlock>> {
    match resource {
        Some(ResourceBlock::Resource(_)) => None,
        other => Some(other.clone()),
    }
}

/// Groups statements by `key` (keeping first-seen order) and folds each group with `fold`.
fn merge<K: Ord>(
    statements: Vec<Statement>,
    key: impl Fn(&Statement) -> K,
    fold: impl Fn(&mut Statement, &Statement),
) -> Vec<Statement> {
    let mut groups: BTreeMap<K, usize> = BTreeMap::new();
    let mut out: Vec<Statement> = Vec::new();
    for statement in statements {
        let k = key(&statement);
        match groups.get(&k) {
            Some(&index) => {
                fold(&mut out[index], &statement);
                let origins = statement.origins.clone();
                out[index].origins.extend(origins);
            }
            _ => {
                groups.insert(k, out.len());
                out.push(statement);
            }
        }
    }
    out
}

/// Lowercases the service prefix of actions (IAM compares actions case-insensitively).
fn normalize_case(statement: &Statement) -> Statement {
    let fix = |set: &BTreeSet<String>| -> BTreeSet<String> {
        set.iter()
            .map(|a| match a.split_once(':') {
                Some((service, name)) => format!("{}:{name}", service.to_ascii_lowercase()),
                None => a.clone(),
            })
            .collect()
    };
    let mut out = statement.clone();
    out.action = match &statement.action {
        ActionBlock::Action(set) => ActionBlock::Action(fix(set)),
        ActionBlock::NotAction(set) => ActionBlock::NotAction(fix(set)),
    };
    out
}

/// `*` covers everything else in the same list.
fn remove_covered(statement: &mut Statement) {
    if let ActionBlock::Action(set) = &mut statement.action {
        if set.contains("*") {
            set.retain(|a| a == "*");
        }
    }
    if let Some(ResourceBlock::Resource(set)) = &mut statement.resource {
        if set.contains("*") {
            set.retain(|r| r == "*");
        }
    }
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

/// A Sid from the statement's content: its effect, first service, and a hash, so that it does
/// not change when unrelated statements are added or moved.
fn sid(statement: &Statement) -> String {
    let service = match &statement.action {
        ActionBlock::Action(set) | ActionBlock::NotAction(set) => set
            .iter()
            .next()
            .and_then(|a| a.split(':').next())
            .unwrap_or("All")
            .to_string(),
    };
    let service: String = service
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    let service = if service.is_empty() || service == "*" {
        "All".to_string()
    } else {
        service
    };
    let mut unnamed = statement.clone();
    unnamed.sid = None;
    let body = statement_json(&unnamed).compact();
    format!(
        "{}{service}{:08x}",
        statement.effect.as_str(),
        fnv1a(body.as_bytes()) as u32
    )
}

/// FNV-1a: tiny, stable across platforms and versions (unlike std's hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

pub fn statement_json(statement: &Statement) -> Json {
    let mut fields: Vec<(String, Json)> = Vec::new();
    if let Some(sid) = &statement.sid {
        fields.push(("Sid".into(), Json::str(sid)));
    }
    fields.push(("Effect".into(), Json::str(statement.effect.as_str())));
    if let Some(principals) = &statement.principal {
        let entries = principals
            .0
            .iter()
            .map(|(kind, values)| (kind.clone(), Json::strings(values.iter().cloned())))
            .collect();
        fields.push(("Principal".into(), Json::Object(entries)));
    }
    match &statement.action {
        ActionBlock::Action(set) => {
            fields.push(("Action".into(), Json::strings(set.iter().cloned())))
        }
        ActionBlock::NotAction(set) => {
            fields.push(("NotAction".into(), Json::strings(set.iter().cloned())))
        }
    }
    match &statement.resource {
        Some(ResourceBlock::Resource(set)) => {
            fields.push(("Resource".into(), Json::strings(set.iter().cloned())))
        }
        Some(ResourceBlock::NotResource(set)) => {
            fields.push(("NotResource".into(), Json::strings(set.iter().cloned())))
        }
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
                    .map(|(key, values)| (key.clone(), Json::strings(values.iter().cloned())))
                    .collect();
                (operator.clone(), Json::Object(keys))
            })
            .collect();
        fields.push(("Condition".into(), Json::Object(operators)));
    }
    Json::Object(fields)
}

/// The document as JSON: `Version`, then `Statement`.
pub fn document_json(document: &PolicyDocument) -> Json {
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

/// [`quota_size`] of a document that is already canonical.
pub fn canonical_size(document: &PolicyDocument) -> usize {
    document_json(document).compact_len()
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
