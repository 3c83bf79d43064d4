//! The permission-level diff: per principal, the effective access the change gives and takes
//! away, decided by AWS's evaluation logic on each side (so a new deny, a narrower boundary, a
//! changed managed policy or a group membership shows where it takes effect), not by comparing
//! text.

use std::collections::{BTreeSet, HashMap};

use iamdsl_policy::access::{Access, PrincipalKind};
use iamdsl_policy::authz::AuthorizationDetails;
use iamdsl_policy::eval::{Context, Decision, PolicyKind, Quantifier};
use iamdsl_policy::{ActionBlock, Effect, ResourceBlock};

/// Patterns that match more actions than this are asked about as patterns: listing them one
/// by one would say less, not more.
const MAX_EXPANSION: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessChange {
    /// `role deployer`
    pub principal: String,
    /// `s3:GetObject on arn:aws:s3:::b/*`
    pub gained: Vec<String>,
    pub lost: Vec<String>,
}

/// The requests a principal's own allows are about: (action, resource pattern). Action
/// patterns are expanded with the catalog, so narrowing `s3:Get*` to `s3:GetObject` shows.
fn candidates(
    access: &Access<'_>,
    principal: usize,
    expansions: &mut HashMap<String, Vec<String>>,
) -> BTreeSet<(String, String)> {
    let catalog = iamdsl_catalog::catalog();
    let mut out = BTreeSet::new();
    for source in &access.principals()[principal].policies {
        if source.kind != PolicyKind::Identity {
            continue;
        }
        for statement in &source.document.statements {
            if statement.effect != Effect::Allow {
                continue;
            }
            let ActionBlock::Action(patterns) = &statement.action else {
                continue;
            };
            let resources: Vec<String> = match &statement.resource {
                Some(ResourceBlock::Resource(set)) => set.iter().cloned().collect(),
                _ => vec!["*".to_string()],
            };
            for pattern in patterns {
                let actions = expansions.entry(pattern.clone()).or_insert_with(|| {
                    if !pattern.contains(['*', '?']) {
                        return vec![pattern.clone()];
                    }
                    let matched = catalog.match_actions(pattern);
                    if matched.is_empty() || matched.len() > MAX_EXPANSION {
                        vec![pattern.clone()]
                    } else {
                        matched
                            .into_iter()
                            .map(|(_, action)| action.full_name().to_string())
                            .collect()
                    }
                });
                for action in actions.iter() {
                    for resource in &resources {
                        out.insert((action.clone(), resource.clone()));
                    }
                }
            }
        }
    }
    out
}

fn allowed(access: &Access<'_>, principal: Option<usize>, action: &str, resource: &str) -> bool {
    let Some(principal) = principal else {
        return false;
    };
    let quantifier = Quantifier::of_request(action, resource);
    access
        .evaluate(principal, action, resource, &Context::new(), quantifier)
        .decision()
        == Decision::Allow
}

/// The principals whose effective access may differ: those that changed, and those whose
/// managed policies, groups or boundary changed.
fn affected(
    built: &Access<'_>,
    deployed: &Access<'_>,
    changed: &BTreeSet<(&str, String)>,
) -> BTreeSet<(PrincipalKind, String, String)> {
    let changed_policies: BTreeSet<&str> = changed
        .iter()
        .filter(|(kind, _)| *kind == "policy")
        .map(|(_, name)| name.as_str())
        .collect();
    let changed_groups: BTreeSet<&str> = changed
        .iter()
        .filter(|(kind, _)| *kind == "group")
        .map(|(_, name)| name.as_str())
        .collect();
    let mut out = BTreeSet::new();
    for access in [built, deployed] {
        for p in access.principals() {
            if p.kind == PrincipalKind::Group {
                continue;
            }
            let uses_changed_policy = p.policies.iter().any(|s| {
                s.arn.as_deref().is_some_and(|arn| {
                    changed_policies.contains(arn.rsplit('/').next().unwrap_or(arn))
                })
            });
            let in_changed_group = p.groups.iter().any(|g| changed_groups.contains(g.as_str()));
            if changed.contains(&(p.kind.as_str(), p.name.clone()))
                || uses_changed_policy
                || in_changed_group
            {
                out.insert((p.kind, p.name.clone(), p.arn.clone()));
            }
        }
    }
    out
}

/// Effective access gained and lost per principal between `deployed` and `built`.
/// `changed`: the (kind, name) of entities whose documents or attachments differ.
pub fn access_changes(
    built: &AuthorizationDetails,
    deployed: &AuthorizationDetails,
    changed: &BTreeSet<(&str, String)>,
) -> Vec<AccessChange> {
    if changed.is_empty() {
        return Vec::new();
    }
    let after = Access::new(built);
    let before = Access::new(deployed);
    let mut expansions = HashMap::new();
    let mut out = Vec::new();
    for (kind, name, arn) in affected(&after, &before, changed) {
        let (a, b) = (after.by_arn(&arn), before.by_arn(&arn));
        let mut requests = BTreeSet::new();
        for (access, index) in [(&after, a), (&before, b)] {
            if let Some(index) = index {
                requests.extend(candidates(access, index, &mut expansions));
            }
        }
        let mut gained = Vec::new();
        let mut lost = Vec::new();
        for (action, resource) in &requests {
            match (
                allowed(&after, a, action, resource),
                allowed(&before, b, action, resource),
            ) {
                (true, false) => gained.push(format!("{action} on {resource}")),
                (false, true) => lost.push(format!("{action} on {resource}")),
                _ => {}
            }
        }
        if !gained.is_empty() || !lost.is_empty() {
            out.push(AccessChange {
                principal: format!("{} {name}", kind.as_str()),
                gained,
                lost,
            });
        }
    }
    out
}

/// How many lines of each side a report shows per principal before it summarises.
pub const SHOWN: usize = 20;

/// `+ …`/`- …` lines, at most [`SHOWN`] of each, then a count of the rest.
pub fn lines(change: &AccessChange) -> Vec<String> {
    let mut out = Vec::new();
    for (sign, list) in [('+', &change.gained), ('-', &change.lost)] {
        out.extend(list.iter().take(SHOWN).map(|l| format!("{sign} {l}")));
        if list.len() > SHOWN {
            out.push(format!("{sign} … and {} more", list.len() - SHOWN));
        }
    }
    out
}
