//! The permission-level diff: per principal, the effective access the change gives and takes
//! away, decided by AWS's evaluation logic on each side (so a new deny, a narrower or removed
//! boundary, a changed managed policy or a group membership shows where it takes effect), not
//! by comparing text. A grant that holds only under a condition is found by asking again with a
//! request that meets the condition, so a condition added or removed shows as such.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use iamdsl_catalog::wildcard::matches;
use iamdsl_policy::access::{Access, PrincipalKind};
use iamdsl_policy::authz::AuthorizationDetails;
use iamdsl_policy::eval::{
    iso_date_time, parse_cidr, parse_date, substitute, Context, Decision, Operator, PolicyKind,
    Quantifier, SetOperator,
};
use iamdsl_policy::{ActionBlock, Conditions, Effect, ResourceBlock, Statement};

use crate::{condition_text, Key};

/// Patterns that match more actions than this are asked about as patterns: listing them one
/// by one would say less, not more.
const MAX_EXPANSION: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessChange {
    /// The id of the principal's account.
    pub account: String,
    /// `role deployer`
    pub principal: String,
    /// `s3:GetObject on arn:aws:s3:::b/*`, `… when aws:MultiFactorAuthPresent = true`
    pub gained: Vec<String>,
    pub lost: Vec<String>,
    /// Grants of both sides whose condition differs:
    /// `s3:GetObject on arn:…: now only when aws:MultiFactorAuthPresent = true`.
    pub condition_changed: Vec<String>,
    /// AWS managed policies that apply on either side and whose documents iamdsl does not
    /// hold: the access they give is not in the lists above.
    pub unknown: Vec<String>,
}

/// The action patterns of a statement that a request may be about: its actions, or the ones a
/// `NotAction` leaves out.
fn named_actions(statement: &Statement) -> impl Iterator<Item = &String> {
    match &statement.action {
        ActionBlock::Action(set) | ActionBlock::NotAction(set) => set.iter(),
    }
}

/// The resource patterns of a statement (`*` for `NotResource`, which covers nearly all).
fn named_resources(statement: &Statement) -> Vec<String> {
    match &statement.resource {
        Some(ResourceBlock::Resource(set)) => set.iter().cloned().collect(),
        _ => vec!["*".to_string()],
    }
}

/// Whether an allow statement's actions take in `action` (itself a name or a pattern).
fn allows_action(statement: &Statement, action: &str) -> bool {
    match &statement.action {
        ActionBlock::Action(set) => set.iter().any(|p| matches(p, action, true)),
        ActionBlock::NotAction(set) => !set.iter().any(|p| matches(p, action, true)),
    }
}

/// The actions a pattern stands for: itself when it has no wildcard, matches nothing the
/// catalog knows, or matches more than [`MAX_EXPANSION`].
fn expand<'e>(expansions: &'e mut HashMap<String, Vec<String>>, pattern: &str) -> &'e [String] {
    expansions.entry(pattern.to_string()).or_insert_with(|| {
        if !pattern.contains(['*', '?']) {
            return vec![pattern.to_string()];
        }
        let matched = iamdsl_catalog::catalog().match_actions(pattern);
        if matched.is_empty() || matched.len() > MAX_EXPANSION {
            vec![pattern.to_string()]
        } else {
            matched
                .into_iter()
                .map(|(_, action)| action.full_name().to_string())
                .collect()
        }
    })
}

/// The requests a principal's policies are about: (action, resource pattern). The actions of
/// its identity allows on their resources; and the actions its denies and boundary single out
/// (listed or left out by `NotAction`), where an allow takes them in, on that allow's resources
/// and the deny's, so that a deny or boundary that goes away shows what it held back. Action patterns are expanded with
/// the catalog, so narrowing `s3:Get*` to `s3:GetObject` shows.
fn candidates(
    access: &Access<'_>,
    principal: usize,
    expansions: &mut HashMap<String, Vec<String>>,
) -> BTreeSet<(String, String)> {
    let sources = &access.principals()[principal].policies;
    let allows: Vec<&Statement> = sources
        .iter()
        .filter(|source| source.kind == PolicyKind::Identity)
        .flat_map(|source| &source.document.statements)
        .filter(|statement| statement.effect == Effect::Allow)
        .collect();
    let mut out = BTreeSet::new();
    for statement in &allows {
        let ActionBlock::Action(patterns) = &statement.action else {
            continue;
        };
        let resources = named_resources(statement);
        for pattern in patterns {
            for action in expand(expansions, pattern) {
                for resource in &resources {
                    out.insert((action.clone(), resource.clone()));
                }
            }
        }
    }
    // Action pattern → the resources a deny names it on.
    let mut singled_out: BTreeMap<&String, BTreeSet<String>> = BTreeMap::new();
    for source in sources {
        for statement in &source.document.statements {
            let deny = statement.effect == Effect::Deny;
            let singles = match source.kind {
                PolicyKind::Boundary => true,
                PolicyKind::Identity => {
                    deny || matches!(statement.action, ActionBlock::NotAction(_))
                }
                _ => false,
            };
            if !singles {
                continue;
            }
            for pattern in named_actions(statement) {
                let resources = singled_out.entry(pattern).or_default();
                if deny {
                    resources.extend(named_resources(statement));
                }
            }
        }
    }
    for (pattern, denied_on) in singled_out {
        for action in expand(expansions, pattern) {
            let taken_in: Vec<&&Statement> =
                allows.iter().filter(|s| allows_action(s, action)).collect();
            if taken_in.is_empty() {
                continue;
            }
            let resources = taken_in
                .iter()
                .flat_map(|statement| named_resources(statement))
                .chain(denied_on.iter().cloned());
            for resource in resources {
                out.insert((action.clone(), resource));
            }
        }
    }
    out
}

/// Whether a principal of one side may make a request, and under what condition.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Grant {
    Never,
    Always,
    /// Only when the request meets the condition, in words.
    When(String),
}

/// How many conditions (one per policy kind that must allow) a request is made to meet.
const MAX_CONDITIONS: usize = 4;

/// AWS's decision on the request, first as a request that says nothing (only what AWS adds
/// about the principal), then, where an allow names it but its condition fails, as a request
/// that meets that condition. With a grant that is not certain: the AWS managed policies whose
/// documents iamdsl does not hold and that may allow the request.
fn grant(
    access: &Access<'_>,
    principal: Option<usize>,
    action: &str,
    resource: &str,
) -> (Grant, Vec<String>) {
    let Some(principal) = principal else {
        return (Grant::Never, Vec::new());
    };
    let quantifier = Quantifier::of_request(action, resource);
    let facts = &access.principals()[principal].context;
    let mut context = Context::new();
    let mut conditions: Vec<String> = Vec::new();
    for _ in 0..MAX_CONDITIONS {
        let explained = access.evaluate(principal, action, resource, &context, quantifier);
        match explained.decision() {
            Decision::Allow if conditions.is_empty() => return (Grant::Always, Vec::new()),
            Decision::Allow => return (Grant::When(conditions.join(" and ")), Vec::new()),
            Decision::ExplicitDeny => return (Grant::Never, Vec::new()),
            Decision::ImplicitDeny => {}
        }
        let met = explained.unmet.iter().find_map(|unmet| {
            let condition = &unmet.statement.statement.condition;
            let values = meeting(condition, &context, facts)?;
            Some((condition_text(condition), values))
        });
        let Some((text, values)) = met else {
            return (Grant::Never, explained.unknown);
        };
        for (key, value) in values {
            context.set(&key, value);
        }
        conditions.push(text);
    }
    (Grant::Never, Vec::new())
}

/// Values for the keys a condition tests that neither the request nor AWS (`facts`) has set,
/// such that each test holds; `None` when no such values are found (or none are missing: then
/// asking again would not change the answer).
fn meeting(
    condition: &Conditions,
    request: &Context,
    facts: &Context,
) -> Option<Vec<(String, Vec<String>)>> {
    let mut out = Vec::new();
    for (operator, keys) in &condition.0 {
        let parsed = Operator::parse(operator);
        for (key, values) in keys {
            if request.get(key).is_some() || facts.get(key).is_some() {
                continue;
            }
            // AWS: an absent key passes `…IfExists`, the negated operators and `ForAllValues`.
            let absent_holds = parsed.if_exists
                || parsed.is_negated()
                || parsed.set == Some(SetOperator::ForAllValues);
            if parsed.base == "Null" {
                if values.iter().any(|v| v.eq_ignore_ascii_case("false")) {
                    out.push((key.clone(), vec!["present".to_string()]));
                }
                continue;
            }
            if absent_holds {
                continue;
            }
            let first = values.iter().next()?;
            let first = substitute(first, facts)?.into_owned();
            out.push((key.clone(), vec![value_meeting(parsed.base, &first)?]));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// One request value that passes the positive test `base` against the policy's `value`.
fn value_meeting(base: &str, value: &str) -> Option<String> {
    let number = || value.trim().parse::<f64>().ok();
    let date = || parse_date(value);
    Some(match base {
        "StringLike" | "ArnLike" => value.replace(['*', '?'], "x"),
        "NumericLessThan" => (number()? - 1.0).to_string(),
        "NumericGreaterThan" => (number()? + 1.0).to_string(),
        "DateLessThan" => iso_date_time(date()? - 1),
        "DateGreaterThan" => iso_date_time(date()? + 1),
        "IpAddress" => parse_cidr(value)?.0.to_string(),
        "StringEquals"
        | "StringEqualsIgnoreCase"
        | "NumericEquals"
        | "NumericLessThanEquals"
        | "NumericGreaterThanEquals"
        | "DateEquals"
        | "DateLessThanEquals"
        | "DateGreaterThanEquals"
        | "Bool"
        | "BinaryEquals"
        | "ArnEquals" => value.to_string(),
        _ => return None,
    })
}

/// The principals whose effective access may differ: those that changed, and those whose
/// managed policies, groups or boundary changed.
fn affected(
    built: &Access<'_>,
    deployed: &Access<'_>,
    changed: &BTreeSet<Key>,
    resources: &ChangedResources,
) -> BTreeSet<(String, PrincipalKind, String, String)> {
    let mut out = BTreeSet::new();
    for access in [built, deployed] {
        for p in access.principals() {
            if p.kind == PrincipalKind::Group {
                continue;
            }
            let is_changed = |kind: &'static str, name: &str| {
                changed.contains(&(p.account.clone(), kind, name.to_string()))
            };
            let uses_changed_policy = p.policies.iter().any(|s| {
                s.arn
                    .as_deref()
                    .is_some_and(|arn| is_changed("policy", arn.rsplit('/').next().unwrap_or(arn)))
            });
            let in_changed_group = p.groups.iter().any(|g| is_changed("group", g));
            let root = format!("arn:aws:iam::{}:root", p.account);
            let named_by_resource = ["*", p.arn.as_str(), root.as_str()]
                .iter()
                .any(|name| resources.principals.contains(*name));
            if is_changed(p.kind.as_str(), &p.name)
                || uses_changed_policy
                || in_changed_group
                || named_by_resource
            {
                out.insert((p.account.clone(), p.kind, p.name.clone(), p.arn.clone()));
            }
        }
    }
    out
}

/// Effective access gained and lost per principal between `deployed` and `built`.
/// `changed`: the (account, kind, name) of entities whose documents or attachments differ.
/// What the resource policies that changed name: their principals, and the requests their
/// statements are about (each action on the resource), asked of every principal they may name.
#[derive(Debug, Default)]
pub(crate) struct ChangedResources {
    pub principals: BTreeSet<String>,
    pub requests: BTreeSet<(String, String)>,
}

impl ChangedResources {
    pub(crate) fn of(
        sides: [&AuthorizationDetails; 2],
        changed: &BTreeSet<Key>,
    ) -> ChangedResources {
        let mut out = ChangedResources::default();
        let mut expansions = HashMap::new();
        for details in sides {
            for resource in &details.resources {
                let kind =
                    iamdsl_catalog::resource_policies::resource_policy_kind_by_key(&resource.kind)
                        .map_or("resource", |k| k.resource_type);
                if !changed.contains(&(resource.account.clone(), kind, resource.name.clone())) {
                    continue;
                }
                let Some(document) = resource.document() else {
                    continue;
                };
                for statement in &document.statements {
                    for values in statement.principal.iter().flat_map(|p| p.0.values()) {
                        out.principals.extend(values.iter().cloned());
                    }
                    let ActionBlock::Action(patterns) = &statement.action else {
                        continue;
                    };
                    let arns: Vec<String> = match &statement.resource {
                        Some(ResourceBlock::Resource(set)) if !set.contains("*") => {
                            set.iter().cloned().collect()
                        }
                        _ => vec![resource.arn.clone()],
                    };
                    for pattern in patterns {
                        for action in expand(&mut expansions, pattern) {
                            for arn in &arns {
                                out.requests.insert((action.clone(), arn.clone()));
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// `side` with what only `other` holds of the context all accounts share: the organization
/// and, with `documents`, the AWS managed policies' documents.
fn with_shared_context<'s>(
    side: &'s AuthorizationDetails,
    other: &AuthorizationDetails,
    documents: bool,
) -> std::borrow::Cow<'s, AuthorizationDetails> {
    let borrow_documents =
        documents && side.aws_managed.is_empty() && !other.aws_managed.is_empty();
    let borrow_organization = side.organization.is_none() && other.organization.is_some();
    if !borrow_documents && !borrow_organization {
        return std::borrow::Cow::Borrowed(side);
    }
    let mut with = side.clone();
    if borrow_documents {
        with.aws_managed = other.aws_managed.clone();
    }
    if borrow_organization {
        with.organization = other.organization.clone();
    }
    std::borrow::Cow::Owned(with)
}

pub fn access_changes(
    built: &AuthorizationDetails,
    deployed: &AuthorizationDetails,
    changed: &BTreeSet<Key>,
) -> Vec<AccessChange> {
    if changed.is_empty() {
        return Vec::new();
    }
    // The documents of AWS managed policies are the same in every account: those deployed
    // state holds are known to the built side too. The organization is shared the same way,
    // both ways while it is not compared as an entity: the same SCPs and RCPs cap both sides,
    // so that they are never taken for a change of the entities.
    let built_side = with_shared_context(built, deployed, true);
    let deployed_side = with_shared_context(deployed, built, false);
    let (built, deployed) = (&*built_side, &*deployed_side);
    let after = Access::new(built);
    let before = Access::new(deployed);
    let mut expansions = HashMap::new();
    let mut out = Vec::new();
    let resources = ChangedResources::of([built, deployed], changed);
    for (account, kind, name, arn) in affected(&after, &before, changed, &resources) {
        let (a, b) = (after.by_arn(&arn), before.by_arn(&arn));
        let mut requests = resources.requests.clone();
        // Unknown policies attached on one side only: what they give or took is not seen.
        let mut sides_unknown: [BTreeSet<&String>; 2] = Default::default();
        for ((access, index), side_unknown) in [(&after, a), (&before, b)]
            .into_iter()
            .zip(&mut sides_unknown)
        {
            if let Some(index) = index {
                requests.extend(candidates(access, index, &mut expansions));
                side_unknown.extend(&access.principals()[index].unknown);
            }
        }
        let [after_unknown, before_unknown] = &sides_unknown;
        let mut unknown: BTreeSet<String> = after_unknown
            .symmetric_difference(before_unknown)
            .map(|arn| (*arn).clone())
            .collect();
        let mut change = AccessChange {
            account,
            principal: format!("{} {name}", kind.as_str()),
            gained: Vec::new(),
            lost: Vec::new(),
            condition_changed: Vec::new(),
            unknown: Vec::new(),
        };
        for (action, resource) in &requests {
            let request = format!("{action} on {resource}");
            let ((before_grant, before_unknown), (after_grant, after_unknown)) = (
                grant(&before, b, action, resource),
                grant(&after, a, action, resource),
            );
            if before_grant == after_grant {
                continue;
            }
            // The side that does not allow it might, by a document iamdsl does not hold.
            unknown.extend(before_unknown.into_iter().chain(after_unknown));
            match (before_grant, after_grant) {
                (Grant::Never, Grant::Always) => change.gained.push(request),
                (Grant::Never, Grant::When(condition)) => {
                    change.gained.push(format!("{request} when {condition}"));
                }
                (Grant::Always, Grant::Never) => change.lost.push(request),
                (Grant::When(condition), Grant::Never) => {
                    change.lost.push(format!("{request} when {condition}"));
                }
                (Grant::Always, Grant::When(condition)) => change
                    .condition_changed
                    .push(format!("{request}: now only when {condition}")),
                (Grant::When(condition), Grant::Always) => change
                    .condition_changed
                    .push(format!("{request}: no longer only when {condition}")),
                (Grant::When(was), Grant::When(now)) => change
                    .condition_changed
                    .push(format!("{request}: now when {now}, was when {was}")),
                // Equal grants were skipped above.
                (Grant::Never, Grant::Never) | (Grant::Always, Grant::Always) => {}
            }
        }
        change.unknown = unknown.into_iter().collect();
        let differs = !change.gained.is_empty()
            || !change.lost.is_empty()
            || !change.condition_changed.is_empty();
        if differs || !change.unknown.is_empty() {
            out.push(change);
        }
    }
    out
}

/// Every line of a principal's change: `+ …` gained, `- …` lost, `~ …` held under another
/// condition.
pub fn lines(change: &AccessChange) -> Vec<String> {
    let mut out = Vec::new();
    for (sign, list) in [
        ('+', &change.gained),
        ('-', &change.lost),
        ('~', &change.condition_changed),
    ] {
        out.extend(list.iter().map(|l| format!("{sign} {l}")));
    }
    out
}
