//! AWS's request evaluation logic: whether one request is allowed by the policies that apply to
//! it, and which statements decided.
//!
//! The rules follow AWS's documentation of policy evaluation ("Policy evaluation logic" in the
//! IAM User Guide), in its order:
//! 1. a request is denied by default;
//! 2. an explicit `Deny` in any applicable policy (identity, resource, boundary, SCP, session)
//!    decides, whatever allows it;
//! 3. when SCPs apply, one of them must allow the request;
//! 4. within one account, identity-based and resource-based policies are a union: either may
//!    allow. A resource-based policy that names the IAM user, or the role session (`*` names
//!    every session), allows on its own, whatever the identity-based policies, boundary and
//!    session policy say; one that names the role's ARN stands in for the identity grant but is
//!    still limited by the role's boundary and session policy; one that names the account
//!    (`arn:aws:iam::ID:root`) delegates to the account's identity-based policies, which must
//!    allow;
//! 5. otherwise an identity-based policy must allow it, and a permissions boundary and a
//!    session policy, where there is one, must allow it too;
//! 6. across accounts ("Cross-account policy evaluation logic"), the principal's side (5) and
//!    the resource's policy (naming the principal or its account) must both allow it;
//! 7. some resource-based policies must allow even within their account
//!    ([`Request::resource_policy_required`]): a role's trust policy, and a KMS key policy ("Key
//!    policies in AWS KMS", KMS Developer Guide: without the key policy's permission no
//!    principal may use the key; a statement naming the account lets IAM policies grant it).
//!
//! A request's resource may be a pattern (`arn:aws:s3:::b/*`) standing for many resources. It is
//! then evaluated for *some* resource of the pattern ([`Quantifier::Some`]: an allow that could
//! apply counts, a deny only when it covers the whole pattern) or for *every* resource
//! ([`Quantifier::Every`]: the reverse). Both are exact for a concrete resource and err on the
//! safe side otherwise: "can" never holds, and "cannot" never fails, by a resource the pattern
//! does not cover.

use std::collections::BTreeMap;
use std::net::IpAddr;

use iamdsl_catalog::wildcard::matches;

use crate::document::{ActionBlock, Effect, PolicyDocument, ResourceBlock, Statement};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "Allow",
            Decision::ExplicitDeny => "ExplicitDeny",
            Decision::ImplicitDeny => "ImplicitDeny",
        }
    }
}

/// What kind of policy a document is to the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyKind {
    /// Inline or managed policy of the principal or of its groups.
    Identity,
    /// A policy on the resource: a role's trust policy, a bucket policy.
    Resource,
    /// The principal's permissions boundary.
    Boundary,
    /// A service control policy of the organization, at one level of the path from the root
    /// to the principal's account ([`Policy::level`]).
    Scp,
    /// A resource control policy of the organization, at one level of the path from the root
    /// to the resource's account.
    Rcp,
    /// A policy passed when the role session was created.
    Session,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Resource => "resource",
            PolicyKind::Boundary => "boundary",
            PolicyKind::Scp => "scp",
            PolicyKind::Rcp => "rcp",
            PolicyKind::Session => "session",
        }
    }
}

/// One policy that applies to the request.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    pub kind: PolicyKind,
    /// For people: "inline policy of role deployer", "managed policy log_reader".
    pub label: &'a str,
    pub document: &'a PolicyDocument,
    /// The account that owns the policy's resource (resource policies): for the cross-account
    /// rule. `None` for the others.
    pub account: Option<&'a str>,
    /// SCPs and RCPs: the level of the organization it is attached to ("root", "OU
    /// workloads"). Each level must allow; policies without a level are one level.
    pub level: Option<&'a str>,
}

/// How the request's resource and action are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quantifier {
    /// As AWS receives them: `*` and `?` are characters of the name (an action without
    /// resource types is requested on the resource `*`, which only `"Resource": "*"` matches).
    #[default]
    Exact,
    /// As patterns, for some resource (action) they match.
    Some,
    /// As patterns, for every resource (action) they match.
    Every,
}

impl Quantifier {
    /// How to read a request asked from the command line or a diff: as AWS receives it (a
    /// resource of `*` included: the resource of actions without resource types), unless the
    /// action, or the resource elsewhere than a lone `*`, has wildcards: then as patterns, for
    /// some of what they match.
    pub fn of_request(action: &str, resource: &str) -> Quantifier {
        if action.contains(['*', '?']) || (resource != "*" && resource.contains(['*', '?'])) {
            Quantifier::Some
        } else {
            Quantifier::Exact
        }
    }
}

/// Condition keys and their values in the request. Keys compare case-insensitively, as AWS's
/// do; a key may have several values (multivalued keys such as `aws:TagKeys`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    values: BTreeMap<String, Vec<String>>,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    pub fn set(&mut self, key: &str, values: impl IntoIterator<Item = String>) {
        self.values
            .insert(key.to_ascii_lowercase(), values.into_iter().collect());
    }

    /// Sets `key` unless the request already says it.
    pub fn set_default(&mut self, key: &str, value: &str) {
        self.values
            .entry(key.to_ascii_lowercase())
            .or_insert_with(|| vec![value.to_string()]);
    }

    pub fn get(&self, key: &str) -> Option<&[String]> {
        // Keys are stored lower-case; most lookups are of keys written that way already.
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            self.values.get(&key.to_ascii_lowercase())
        } else {
            self.values.get(key)
        }
        .map(Vec::as_slice)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub struct Principal<'a> {
    /// `arn:aws:iam::ACCOUNT:user/NAME` or `…:role/NAME`; a service principal
    /// (`lambda.amazonaws.com`) or an identity provider ARN for federated callers.
    pub arn: &'a str,
    pub account: &'a str,
}

#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub principal: Principal<'a>,
    /// `service:Action`.
    pub action: &'a str,
    /// An ARN, `*`, or an ARN pattern.
    pub resource: &'a str,
    /// The account that owns the resource, when known: requests to another account's resource
    /// need that account's resource policy too.
    pub resource_account: Option<&'a str>,
    /// What the request says.
    pub context: &'a Context,
    /// What AWS adds about the principal (`aws:username`, `aws:PrincipalArn`, …), used where
    /// `context` does not set the key.
    pub principal_context: Option<&'a Context>,
    pub quantifier: Quantifier,
    /// The resource's policy must allow the request even within one account: a role's trust
    /// policy for `sts:AssumeRole*`.
    pub resource_policy_required: bool,
}

/// The request's keys: its own context, then the principal's.
#[derive(Clone, Copy)]
struct Keys<'a> {
    request: &'a Context,
    principal: Option<&'a Context>,
}

impl<'a> Keys<'a> {
    fn of(request: &Request<'a>) -> Keys<'a> {
        Keys {
            request: request.context,
            principal: request.principal_context,
        }
    }

    fn get(&self, key: &str) -> Option<&'a [String]> {
        self.request
            .get(key)
            .or_else(|| self.principal.and_then(|p| p.get(key)))
    }
}

/// A statement that decided, by policy and statement index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cited {
    pub policy: usize,
    pub statement: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    /// Why, in words: which rule decided.
    pub reason: String,
    /// The statements that decided: the denies for an explicit deny; for an allow, an allow
    /// of each kind of policy that had to allow; none for an implicit deny.
    pub cited: Vec<Cited>,
    /// For an implicit deny: the kind of policy that did not allow it.
    pub missing: Option<PolicyKind>,
    /// For an implicit deny: the allows of that kind that name the request but whose condition
    /// does not hold, each with the first test that failed.
    pub unmet: Vec<Unmet>,
}

/// An allow statement that would apply to the request but for one test of its condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    pub cited: Cited,
    /// The operator as written (`Bool`, `StringEqualsIfExists`).
    pub operator: String,
    pub key: String,
    /// The request has no value for the key (AWS: the test then fails, but for `…IfExists`,
    /// the negated operators and `Null`).
    pub absent: bool,
}

/// Evaluates `request` against `policies`.
pub fn evaluate(request: &Request<'_>, policies: &[Policy<'_>]) -> Evaluation {
    evaluate_with(request, policies, true)
}

/// The decision of [`evaluate`] alone: without the allows whose condition failed, which an
/// implicit deny otherwise looks for (the search of a question asked thousands of times).
pub fn decide(request: &Request<'_>, policies: &[Policy<'_>]) -> Decision {
    evaluate_with(request, policies, false).decision
}

/// `explain`: find the allows that name the request but whose condition failed.
fn evaluate_with(request: &Request<'_>, policies: &[Policy<'_>], explain: bool) -> Evaluation {
    let deny_mode = match request.quantifier {
        // "Can it happen for some resource?": a deny stops it only if it covers them all.
        Quantifier::Exact => Mode::Exact,
        Quantifier::Some => Mode::Covers,
        // "Does it happen for every resource?": any deny that may apply stops it.
        Quantifier::Every => Mode::Intersects,
    };
    let allow_mode = match request.quantifier {
        Quantifier::Exact => Mode::Exact,
        Quantifier::Some => Mode::Intersects,
        Quantifier::Every => Mode::Covers,
    };
    let mut denies = Vec::new();
    for (index, policy) in policies.iter().enumerate() {
        for (s, statement) in policy.document.statements.iter().enumerate() {
            if statement.effect == Effect::Deny
                && applies(statement, policy.kind, request, deny_mode)
            {
                denies.push(Cited {
                    policy: index,
                    statement: s,
                });
            }
        }
    }
    if !denies.is_empty() {
        return Evaluation {
            decision: Decision::ExplicitDeny,
            reason: "an explicit deny applies to the request".into(),
            cited: denies,
            missing: None,
            unmet: Vec::new(),
        };
    }
    // The first allow of a kind of policy, in the policies that pass `among`, among the
    // statements that pass `also`.
    let first_allow_among = |kind: PolicyKind,
                             among: &dyn Fn(&Policy<'_>) -> bool,
                             also: &dyn Fn(&Statement) -> bool|
     -> Option<Cited> {
        policies
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == kind && among(p))
            .find_map(|(index, policy)| {
                policy
                    .document
                    .statements
                    .iter()
                    .position(|s| {
                        s.effect == Effect::Allow
                            && also(s)
                            && applies(s, kind, request, allow_mode)
                    })
                    .map(|statement| Cited {
                        policy: index,
                        statement,
                    })
            })
    };
    let first_allow_where = |kind: PolicyKind, also: &dyn Fn(&Statement) -> bool| {
        first_allow_among(kind, &|_| true, also)
    };
    let first_allow = |kind: PolicyKind| first_allow_where(kind, &|_| true);
    let has = |kind: PolicyKind| policies.iter().any(|p| p.kind == kind);
    let implicit = |missing: PolicyKind, reason: &str| Evaluation {
        decision: Decision::ImplicitDeny,
        reason: reason.to_string(),
        cited: Vec::new(),
        missing: Some(missing),
        unmet: if explain {
            unmet_allows(request, policies, missing, allow_mode)
        } else {
            Vec::new()
        },
    };
    let mut cited = Vec::new();
    // "Policy evaluation logic" (IAM User Guide): after explicit denies, the organization's
    // RCPs, then its SCPs. "SCP evaluation" (Organizations User Guide): a request is allowed
    // only if a policy attached at every level, from the root down to the account, allows it;
    // RCPs are evaluated level by level the same way.
    for (kind, what) in [
        (PolicyKind::Rcp, "resource control policy"),
        (PolicyKind::Scp, "service control policy"),
    ] {
        let mut levels: Vec<Option<&str>> = Vec::new();
        for policy in policies.iter().filter(|p| p.kind == kind) {
            if !levels.contains(&policy.level) {
                levels.push(policy.level);
            }
        }
        for level in levels {
            let at_level = first_allow_among(kind, &|p| p.level == level, &|_| true);
            match at_level {
                Some(c) => cited.push(c),
                None => {
                    let reason = match level {
                        Some(level) => {
                            format!("no {what} attached at the {level} level allows it")
                        }
                        None => format!("no {what} of the organization allows it"),
                    };
                    return implicit(kind, &reason);
                }
            }
        }
    }
    let cross_account = request
        .resource_account
        .is_some_and(|account| account != request.principal.account);
    // What people call the resource's policy: "bucket policy of acme-logs".
    let resource_label = policies
        .iter()
        .find(|p| p.kind == PolicyKind::Resource && !p.label.is_empty())
        .map_or("resource-based policy", |p| p.label);
    let resource_allow = first_allow(PolicyKind::Resource);
    // An allow of the resource's policy that names the caller itself, not its account.
    let resource_self_allow = first_allow_where(PolicyKind::Resource, &|s| {
        names_principal_itself(s, request)
    });
    let is_role = request.principal.arn.contains(":role/");
    // For a role: an allow naming everyone, which names its session.
    let resource_session_allow = if is_role && resource_self_allow.is_some() {
        first_allow_where(PolicyKind::Resource, &names_everyone)
    } else {
        resource_self_allow
    };
    if !cross_account {
        if let Some(c) = resource_session_allow {
            // "Policy evaluation logic" (IAM User Guide), resource-based policies: within one
            // account, a resource-based policy that names an IAM user ARN, or a role session
            // (which `*` names too), is not limited by an implicit deny in identity-based
            // policies, a permissions boundary or a session policy; services and identity
            // providers have no policies of their own. One that names a role ARN is limited by
            // the role's boundary and session policy (below).
            cited.push(c);
            // Not needed, but shown: the identity half, where the principal has one.
            cited.extend(first_allow(PolicyKind::Identity));
            return Evaluation {
                decision: Decision::Allow,
                reason: format!(
                    "the {resource_label} names the principal, in the same account: it allows on its own"
                ),
                cited,
                missing: None,
                unmet: Vec::new(),
            };
        }
    }
    let identity_allow = first_allow(PolicyKind::Identity);
    let principal_side = match (identity_allow, resource_self_allow, cross_account) {
        (Some(c), _, _) => c,
        (None, Some(c), false) => c,
        // The resource's policy must allow and allows nobody here: no identity grant could
        // help.
        _ if has(PolicyKind::Resource)
            && resource_allow.is_none()
            && (cross_account || request.resource_policy_required) =>
        {
            return implicit(
                PolicyKind::Resource,
                &format!("neither an identity-based policy nor the {resource_label} allows it"),
            )
        }
        // Within the account either half may allow: an identity grant would do, and so would
        // an allow of the resource's policy whose condition failed.
        _ if has(PolicyKind::Resource) && !cross_account && resource_allow.is_none() => {
            let mut evaluation = implicit(
                PolicyKind::Identity,
                &format!("neither an identity-based policy nor the {resource_label} allows it"),
            );
            if explain {
                evaluation.unmet.extend(unmet_allows(
                    request,
                    policies,
                    PolicyKind::Resource,
                    allow_mode,
                ));
            }
            return evaluation;
        }
        // "Cross-account policy evaluation logic": the principal's own account must allow the
        // request too, whatever the resource's policy says.
        _ if cross_account && resource_allow.is_some() => {
            return implicit(
                PolicyKind::Identity,
                &format!(
                    "the resource is in another account: the {resource_label} allows it, but no identity-based policy of the principal does"
                ),
            )
        }
        // The resource's policy names the account: that delegates to its identity-based
        // policies, and none of them allows it.
        _ if resource_allow.is_some() => {
            return implicit(
                PolicyKind::Identity,
                &format!(
                    "the {resource_label} lets in the principal's account, which leaves it to identity-based policies, and none of them allows it"
                ),
            )
        }
        _ => return implicit(PolicyKind::Identity, "no identity-based policy allows it"),
    };
    cited.push(principal_side);
    for (kind, reason) in [
        (
            PolicyKind::Boundary,
            "the permissions boundary does not allow it",
        ),
        (PolicyKind::Session, "the session policy does not allow it"),
    ] {
        if has(kind) {
            match first_allow(kind) {
                Some(c) => cited.push(c),
                None => return implicit(kind, reason),
            }
        }
    }
    if cross_account || request.resource_policy_required {
        match resource_allow {
            // Cited below, once (it may be the principal's side already).
            Some(_) => {}
            None if cross_account => {
                return implicit(
                    PolicyKind::Resource,
                    &format!(
                        "the resource is in another account, and no statement of the {resource_label} allows it"
                    ),
                )
            }
            None if assumes_role(request.action) => {
                return implicit(
                    PolicyKind::Resource,
                    "the role's trust policy does not allow the caller",
                )
            }
            // A KMS key policy ("Key policies in AWS KMS", KMS Developer Guide): no principal
            // may use the key unless its policy allows it, within the account too; a statement
            // naming the account delegates to IAM policies, which must then allow as well.
            None => {
                return implicit(
                    PolicyKind::Resource,
                    &format!(
                        "the {resource_label} must allow it even within the account, and none of its statements does"
                    ),
                )
            }
        }
    }
    if let Some(c) = resource_allow {
        if !cited.contains(&c) {
            cited.push(c);
        }
    }
    let reason = if cross_account {
        format!(
            "the resource is in another account: both an identity-based policy and the {resource_label} allow it"
        )
    } else if identity_allow.is_none() {
        format!("the {resource_label} names the role, in the same account, and nothing limits it")
    } else if request.resource_policy_required && has(PolicyKind::Resource) {
        format!("an identity-based policy and the {resource_label} allow it")
    } else {
        "an identity-based policy allows it, and nothing limits it".into()
    };
    Evaluation {
        decision: Decision::Allow,
        reason,
        cited,
        missing: None,
        unmet: Vec::new(),
    }
}

/// `sts:AssumeRole*`: the request whose resource-based policy is a role's trust policy.
pub fn assumes_role(action: &str) -> bool {
    // `get`: an action is user input, and byte 14 need not be a character boundary.
    action
        .get(..14)
        .is_some_and(|p| p.eq_ignore_ascii_case("sts:AssumeRole"))
}

/// The allows of `kind` that name the request but whose condition does not hold.
fn unmet_allows(
    request: &Request<'_>,
    policies: &[Policy<'_>],
    kind: PolicyKind,
    mode: Mode,
) -> Vec<Unmet> {
    let keys = Keys::of(request);
    let mut unmet = Vec::new();
    for (index, policy) in policies.iter().enumerate() {
        if policy.kind != kind {
            continue;
        }
        for (s, statement) in policy.document.statements.iter().enumerate() {
            if statement.effect != Effect::Allow || !names_request(statement, kind, request, mode) {
                continue;
            }
            if let Some((operator, key)) = first_failed_test(statement, keys) {
                unmet.push(Unmet {
                    cited: Cited {
                        policy: index,
                        statement: s,
                    },
                    operator: operator.to_string(),
                    key: key.to_string(),
                    absent: keys.get(key).is_none_or(<[String]>::is_empty),
                });
            }
        }
    }
    unmet
}

/// How a statement's resource pattern must relate to a request's resource pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The request's resource is a name.
    Exact,
    /// Some resource is in both.
    Intersects,
    /// Every resource of the request's pattern is in the statement's.
    Covers,
}

/// Whether the statement applies to the request (ignoring its effect).
fn applies(statement: &Statement, kind: PolicyKind, request: &Request<'_>, mode: Mode) -> bool {
    names_request(statement, kind, request, mode) && conditions_hold(statement, Keys::of(request))
}

/// Whether the statement's action, resource and (in a resource policy) principal name the
/// request, its condition aside.
fn names_request(
    statement: &Statement,
    kind: PolicyKind,
    request: &Request<'_>,
    mode: Mode,
) -> bool {
    // Whether the request's action is a pattern, found once for all the statement's patterns.
    let pattern = request.action.contains(['*', '?']);
    let action = match &statement.action {
        ActionBlock::Action(set) => set
            .iter()
            .any(|p| action_matches(p, request.action, pattern, mode)),
        ActionBlock::NotAction(set) => {
            let opposite = match mode {
                Mode::Intersects => Mode::Covers,
                Mode::Covers => Mode::Intersects,
                Mode::Exact => Mode::Exact,
            };
            !set.iter()
                .any(|p| action_matches(p, request.action, pattern, opposite))
        }
    };
    if !action {
        return false;
    }
    let context = Keys::of(request);
    let resource = match &statement.resource {
        // Trust policies have no Resource: they are the resource's own.
        None => true,
        Some(ResourceBlock::Resource(set)) => set.iter().any(|p| {
            substitute_keys(p, context)
                .is_some_and(|p| resource_matches(&p, request.resource, mode))
        }),
        Some(ResourceBlock::NotResource(set)) => {
            // NotResource excludes; the opposite test keeps the answer on the safe side.
            let opposite = match mode {
                Mode::Intersects => Mode::Covers,
                Mode::Covers => Mode::Intersects,
                Mode::Exact => Mode::Exact,
            };
            // An entry whose variable has no value matches nothing, here as in `Resource`.
            !set.iter().any(|p| {
                substitute_keys(p, context)
                    .is_some_and(|p| resource_matches(&p, request.resource, opposite))
            })
        }
    };
    if !resource {
        return false;
    }
    !matches!(kind, PolicyKind::Resource | PolicyKind::Rcp) || principal_matches(statement, request)
}

/// An action pattern against the request's action, which may be a pattern itself (`iam:*`,
/// "every IAM action"): compared as resources are, without regard to case. `is_pattern`:
/// `action` holds a wildcard.
fn action_matches(pattern: &str, action: &str, is_pattern: bool, mode: Mode) -> bool {
    if mode == Mode::Exact || !is_pattern {
        return matches(pattern, action, true);
    }
    let (pattern, action) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    match mode {
        Mode::Intersects => intersects(&pattern, &action),
        Mode::Covers => covers(&pattern, &action),
        Mode::Exact => matches(&pattern, &action, false),
    }
}

/// `${*}` and `${?}` of a policy, after substitution.
const LITERAL_STAR: char = '\u{E000}';
const LITERAL_QUESTION: char = '\u{E001}';

fn resource_matches(pattern: &str, resource: &str, mode: Mode) -> bool {
    if pattern == "*" {
        return true;
    }
    if pattern.contains([LITERAL_STAR, LITERAL_QUESTION]) {
        // The resource's own `*` and `?` are what those stand for.
        let resource: String = resource
            .chars()
            .map(|c| match c {
                '*' => LITERAL_STAR,
                '?' => LITERAL_QUESTION,
                c => c,
            })
            .collect();
        return matches(pattern, &resource, false);
    }
    match mode {
        Mode::Intersects if resource.contains(['*', '?']) => intersects(pattern, resource),
        Mode::Covers if resource.contains(['*', '?']) => covers(pattern, resource),
        _ => matches(pattern, resource, false),
    }
}

/// Whether some string matches both wildcard patterns.
pub fn intersects(a: &str, b: &str) -> bool {
    glob_relation(a.as_bytes(), b.as_bytes(), Mode::Intersects)
}

/// Whether every string that matches `inner` matches `outer`.
pub fn covers(outer: &str, inner: &str) -> bool {
    glob_relation(outer.as_bytes(), inner.as_bytes(), Mode::Covers)
}

/// `a` and `b` (wildcard patterns) in the relation, by a table from the ends: `holds[i][j]`
/// says it of `a[i..]` and `b[j..]`. Iterative, so a long pattern cannot exhaust the stack.
fn glob_relation(a: &[u8], b: &[u8], relation: Mode) -> bool {
    let (n, m) = (a.len(), b.len());
    // Far beyond AWS's 2,048-character ARNs: answer on the safe side (may intersect, does not
    // cover) rather than fill a table of that size.
    if n.saturating_mul(m) > 1 << 24 {
        return relation == Mode::Intersects;
    }
    // What the table below finds, without it, for the most asked pattern: `*` intersects
    // every pattern, and only a run of `*` covers `*` (or covers everything).
    let all_stars = |p: &[u8]| !p.is_empty() && p.iter().all(|&c| c == b'*');
    match relation {
        Mode::Intersects if all_stars(a) || all_stars(b) => return true,
        Mode::Covers if all_stars(a) => return true,
        Mode::Covers if all_stars(b) => return false,
        _ => {}
    }
    // One row per position in `a`, in one allocation.
    let width = m + 1;
    let mut holds = vec![false; (n + 1) * width];
    holds[n * width + m] = true;
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            if i == n && j == m {
                continue;
            }
            holds[i * width + j] = match (a.get(i), b.get(j), relation) {
                // `*` of `a` takes any run of `b`, wildcards included.
                (Some(b'*'), _, _) => {
                    holds[(i + 1) * width + j] || (j < m && holds[i * width + j + 1])
                }
                (_, Some(b'*'), Mode::Intersects) => {
                    holds[i * width + j + 1] || (i < n && holds[(i + 1) * width + j])
                }
                (Some(&x), Some(&y), Mode::Intersects) => {
                    (x == y || x == b'?' || y == b'?') && holds[(i + 1) * width + j + 1]
                }
                // Only `*` covers `*`; `?` covers `?` and any one character.
                (Some(b'?'), Some(&y), Mode::Covers) => y != b'*' && holds[(i + 1) * width + j + 1],
                (Some(&x), Some(&y), Mode::Covers) => {
                    x == y && y != b'*' && holds[(i + 1) * width + j + 1]
                }
                _ => false,
            };
        }
    }
    holds[0]
}

/// Policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, `${*}`) replaced by the
/// request's values. `None` when a variable has no value and no default: AWS then treats the
/// element as not matching.
pub fn substitute<'a>(text: &'a str, context: &Context) -> Option<std::borrow::Cow<'a, str>> {
    substitute_keys(
        text,
        Keys {
            request: context,
            principal: None,
        },
    )
}

fn substitute_keys<'a>(text: &'a str, context: Keys<'_>) -> Option<std::borrow::Cow<'a, str>> {
    if !text.contains("${") {
        return Some(std::borrow::Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Some(std::borrow::Cow::Owned(out));
        };
        let inside = after[..end].trim();
        match inside {
            // A literal `*` or `?`, not a wildcard: a character no ARN holds stands for it
            // until matching (see `resource_matches`).
            "*" => out.push(LITERAL_STAR),
            "?" => out.push(LITERAL_QUESTION),
            "$" => out.push('$'),
            _ => {
                // `${key, 'default'}`
                let (key, default) = match inside.split_once(',') {
                    Some((key, default)) => (
                        key.trim(),
                        Some(default.trim().trim_matches('\'').to_string()),
                    ),
                    None => (inside, None),
                };
                match context.get(key).and_then(|values| values.first()) {
                    Some(value) => out.push_str(value),
                    None => out.push_str(&default?),
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(std::borrow::Cow::Owned(out))
}

/// `Principal`/`NotPrincipal` of a resource policy against the caller.
fn principal_matches(statement: &Statement, request: &Request<'_>) -> bool {
    match &statement.principal {
        // A resource policy statement without a principal names nobody.
        None => false,
        Some(principals) => principals
            .0
            .iter()
            .any(|(kind, values)| values.iter().any(|v| principal_is(kind, v, request))),
    }
}

fn principal_is(kind: &str, value: &str, request: &Request<'_>) -> bool {
    let caller = request.principal;
    match kind {
        "AWS" => {
            value == "*"
                || value == caller.arn
                || value == caller.account
                || names_account_root(value, caller.account)
        }
        _ => value == "*" || value == caller.arn,
    }
}

/// `arn:PARTITION:iam::ACCOUNT:root`: the account (found without allocating: asked of every
/// principal of every resource policy statement).
fn names_account_root(value: &str, account: &str) -> bool {
    value.starts_with("arn:")
        && value
            .strip_suffix(":root")
            .and_then(|v| v.strip_suffix(account))
            .is_some_and(|v| !account.is_empty() && v.ends_with(':'))
}

/// Whether the statement's principal is `*` (in any kind): everyone, role sessions included.
fn names_everyone(statement: &Statement) -> bool {
    statement
        .principal
        .as_ref()
        .is_some_and(|p| p.0.values().flatten().any(|value| value == "*"))
}

/// Whether the statement names the caller's own ARN (not its account).
/// `*` names everyone, the caller included.
fn names_principal_itself(statement: &Statement, request: &Request<'_>) -> bool {
    statement.principal.as_ref().is_some_and(|p| {
        p.0.values()
            .flatten()
            .any(|value| value == request.principal.arn || value == "*")
    })
}

/// The `Condition` block: every operator and key must hold.
fn conditions_hold(statement: &Statement, context: Keys<'_>) -> bool {
    first_failed_test(statement, context).is_none()
}

/// The first test of the statement's condition that the request does not pass: its operator and
/// key. All tests must hold for the condition to hold (AWS: the operators of a block, and the
/// keys of an operator, are joined by AND).
fn first_failed_test<'s>(
    statement: &'s Statement,
    context: Keys<'_>,
) -> Option<(&'s str, &'s str)> {
    statement.condition.0.iter().find_map(|(operator, keys)| {
        keys.iter()
            .find(|(key, values)| !holds_with(operator, context.get(key), values.iter(), context))
            .map(|(key, _)| (operator.as_str(), key.as_str()))
    })
}

/// The parts of a condition operator's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator<'a> {
    /// `ForAnyValue` / `ForAllValues`, or `None`.
    pub set: Option<SetOperator>,
    pub base: &'a str,
    pub if_exists: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOperator {
    ForAnyValue,
    ForAllValues,
}

impl<'a> Operator<'a> {
    pub fn parse(name: &'a str) -> Operator<'a> {
        let (set, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetOperator::ForAnyValue), rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetOperator::ForAllValues), rest)
        } else {
            (None, name)
        };
        match rest.strip_suffix("IfExists") {
            Some(base) => Operator {
                set,
                base,
                if_exists: true,
            },
            None => Operator {
                set,
                base: rest,
                if_exists: false,
            },
        }
    }

    /// `StringNotEquals`, `NotIpAddress`, …: true where the positive form is false.
    pub fn is_negated(&self) -> bool {
        self.base.contains("Not")
    }
}

/// One key's test: `operator` with the policy's `values` against the request's `present` ones.
pub fn condition_holds<'v>(
    operator: &str,
    present: Option<&[String]>,
    values: impl Iterator<Item = &'v String> + Clone,
    context: &Context,
) -> bool {
    let keys = Keys {
        request: context,
        principal: None,
    };
    holds_with(operator, present, values, keys)
}

fn holds_with<'v>(
    operator: &str,
    present: Option<&[String]>,
    values: impl Iterator<Item = &'v String> + Clone,
    context: Keys<'_>,
) -> bool {
    let operator = Operator::parse(operator);
    if operator.base == "Null" {
        // `Null: true` holds when the key is absent.
        let absent = present.is_none_or(<[String]>::is_empty);
        return values
            .clone()
            .any(|v| v.eq_ignore_ascii_case("true") == absent);
    }
    let negated = operator.is_negated();
    let present = present.filter(|p| !p.is_empty());
    // One request value against the policy's values, in the positive sense.
    let positive = |value: &str| {
        values.clone().any(|expected| {
            substitute_keys(expected, context)
                .is_some_and(|expected| base_matches(operator.base, value, &expected))
        })
    };
    let holds = |value: &str| positive(value) != negated;
    match (operator.set, present) {
        // AWS: a missing key fails a test, except that `…IfExists` and the negated operators
        // then hold; `ForAllValues` holds for an empty set, `ForAnyValue` does not.
        (None, None) => operator.if_exists || negated,
        (Some(SetOperator::ForAllValues), None) => true,
        (Some(SetOperator::ForAnyValue), None) => operator.if_exists,
        (None, Some(present)) => {
            if negated {
                present.iter().all(|v| holds(v))
            } else {
                present.iter().any(|v| holds(v))
            }
        }
        (Some(SetOperator::ForAnyValue), Some(present)) => present.iter().any(|v| holds(v)),
        (Some(SetOperator::ForAllValues), Some(present)) => present.iter().all(|v| holds(v)),
    }
}

/// The positive form of a base operator: does `value` (from the request) match `expected`?
fn base_matches(base: &str, value: &str, expected: &str) -> bool {
    let positive = base.replace("Not", "");
    match positive.as_str() {
        "StringEquals" => value == expected,
        "StringEqualsIgnoreCase" => value.eq_ignore_ascii_case(expected),
        "StringLike" => matches(expected, value, false),
        "NumericEquals"
        | "NumericLessThan"
        | "NumericLessThanEquals"
        | "NumericGreaterThan"
        | "NumericGreaterThanEquals" => {
            match (value.trim().parse::<f64>(), expected.trim().parse::<f64>()) {
                (Ok(v), Ok(e)) => compare(&positive["Numeric".len()..], v.partial_cmp(&e)),
                _ => false,
            }
        }
        "DateEquals"
        | "DateLessThan"
        | "DateLessThanEquals"
        | "DateGreaterThan"
        | "DateGreaterThanEquals" => match (parse_date(value), parse_date(expected)) {
            (Some(v), Some(e)) => compare(&positive["Date".len()..], Some(v.cmp(&e))),
            _ => false,
        },
        "Bool" => value.eq_ignore_ascii_case(expected),
        "BinaryEquals" => value == expected,
        "IpAddress" => ip_in(value, expected),
        "ArnEquals" | "ArnLike" => arn_matches(expected, value),
        _ => false,
    }
}

fn compare(relation: &str, ordering: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    matches!(
        (relation, ordering),
        ("Equals", Some(Equal))
            | ("LessThan", Some(Less))
            | ("LessThanEquals", Some(Less | Equal))
            | ("GreaterThan", Some(Greater))
            | ("GreaterThanEquals", Some(Greater | Equal))
    )
}

/// `ArnEquals`/`ArnLike`: each of the six colon-separated parts is matched on its own, so a
/// wildcard never spans a colon before the resource part.
fn arn_matches(pattern: &str, arn: &str) -> bool {
    let mut pattern_parts = pattern.splitn(6, ':');
    let mut arn_parts = arn.splitn(6, ':');
    loop {
        match (pattern_parts.next(), arn_parts.next()) {
            (None, None) => return true,
            (Some(p), Some(a)) if matches(p, a, false) => {}
            _ => return false,
        }
    }
}

/// An address in a CIDR block (or equal to an address).
fn ip_in(value: &str, block: &str) -> bool {
    let Some(address) = parse_ip(value) else {
        return false;
    };
    let Some((network, prefix)) = parse_cidr(block) else {
        return false;
    };
    match (address, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    text.trim().parse().ok()
}

/// `192.0.2.0/24`, `2001:db8::/32`, or an address alone (all its bits).
pub fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (address, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let address: IpAddr = address.trim().parse().ok()?;
    let bits = if address.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(p) => p.trim().parse::<u8>().ok().filter(|&p| p <= bits)?,
        None => bits,
    };
    Some((address, prefix))
}

/// A date as AWS reads it in conditions: ISO 8601 (`2026-01-31`, `2026-01-31T12:00:00Z`,
/// with an offset or fractional seconds) or seconds since the epoch. In seconds since the epoch.
pub fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    parse_iso_date(text)
}

/// An ISO 8601 date or date-time, in seconds since the epoch; `None` when it is not a real one.
pub fn parse_iso_date(text: &str) -> Option<i64> {
    let (date, time) = match text.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let number = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let (year, month, day) = (number(year)?, number(month)?, number(day)?);
    if !(1..=12).contains(&month) {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days_in_month).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let Some(time) = time else {
        return Some(days * 86_400);
    };
    // Offset: `Z`, `+HH:MM`, `-HH:MM`, or none (UTC).
    let (clock, offset) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, 0)
    } else if let Some(at) = time.rfind(['+', '-']) {
        let (clock, zone) = time.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone[1..].split_once(':').unwrap_or((&zone[1..], "0"));
        let (h, m) = (number(h)?, number(m)?);
        if h > 23 || m > 59 {
            return None;
        }
        (clock, sign * (h * 3600 + m * 60))
    } else {
        (time, 0)
    };
    let mut fields = clock.split(':');
    let hour = number(fields.next()?)?;
    let minute = number(fields.next()?)?;
    let second = match fields.next() {
        Some(s) => number(s.split('.').next()?)?,
        None => 0,
    };
    if fields.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch, as AWS writes `aws:CurrentTime`.
pub fn iso_date_time(epoch: i64) -> String {
    let (days, seconds) = (epoch.div_euclid(86_400), epoch.rem_euclid(86_400));
    // The inverse of `days_from_civil`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_round_trip() {
        for epoch in [
            0,
            86_399,
            951_868_800,
            1_700_000_000,
            1_795_000_000,
            4_102_444_800,
        ] {
            let text = iso_date_time(epoch);
            assert_eq!(parse_date(&text), Some(epoch), "{text}");
        }
        assert_eq!(iso_date_time(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("1970-01-02T00:00:01Z"), Some(86_401));
        assert_eq!(parse_date("2000-03-01"), Some(951_868_800));
        assert_eq!(
            parse_date("2026-11-22T10:00:00+01:00"),
            parse_date("2026-11-22T09:00:00Z")
        );
        assert_eq!(parse_date("1700000000"), Some(1_700_000_000));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-02-29").map(|_| ()), Some(()));
        assert_eq!(parse_date("2027-01-31T25:00:00Z"), None);
        assert_eq!(parse_date("2027-1-31"), None);
    }

    #[test]
    fn patterns() {
        assert!(intersects("arn:aws:s3:::b/*", "arn:aws:s3:::b/logs/*"));
        assert!(intersects("arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/*"));
        assert!(!intersects("arn:aws:s3:::b/logs/*", "arn:aws:s3:::c/*"));
        assert!(intersects("a*c", "ab?"));
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/logs/*"));
        assert!(!covers("arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/*"));
        assert!(covers("a?c", "abc"));
        assert!(!covers("abc", "a?c"));
        assert!(covers("a*", "a?"));
        // Inputs far beyond an ARN's length get the safe answer, not a huge table.
        let long = format!("arn:aws:s3:::b/{}*", "x".repeat(10_000));
        assert!(intersects(&long, &long));
        assert!(!covers(&long, &long));
    }

    #[test]
    fn ip_blocks() {
        assert!(ip_in("192.0.2.7", "192.0.2.0/24"));
        assert!(!ip_in("192.0.3.7", "192.0.2.0/24"));
        assert!(ip_in("10.1.2.3", "0.0.0.0/0"));
        assert!(ip_in("2001:db8::1", "2001:db8::/32"));
        assert!(!ip_in("2001:db9::1", "2001:db8::/32"));
        assert!(ip_in("192.0.2.7", "192.0.2.7"));
        assert!(!ip_in("192.0.2.7", "2001:db8::/32"));
    }

    #[test]
    fn variables() {
        let mut context = Context::new();
        context.set("aws:username", ["alice".to_string()]);
        assert_eq!(
            substitute("arn:aws:iam::1:user/${aws:username}", &context).as_deref(),
            Some("arn:aws:iam::1:user/alice")
        );
        assert_eq!(substitute("${aws:userid}", &context), None);
        assert_eq!(
            substitute("${aws:userid, 'nobody'}/${*}", &context).as_deref(),
            Some(format!("nobody/{LITERAL_STAR}").as_str())
        );
    }
}
