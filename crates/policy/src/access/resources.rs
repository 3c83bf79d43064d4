//! The resources with policies of their own, as requests find them: which resource's policy
//! decides a request (a bucket's for its objects, a secret's by its name), the parts of a pattern
//! that spans several, and the principals outside the project those policies let in.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::OnceLock;

use iamdsl_catalog::resource_policies::{resource_policy_kind_by_key, ResourcePolicyKind};

use super::{allow_document, arn_account, Access, CitedStatement, Explained, NO_STATEMENTS};
use crate::authz::{AuthorizationDetails, ResourcePolicyDetail, ResourcePolicyState};
use crate::document::{Effect, PolicyDocument};
use crate::eval::{
    covers, evaluate, intersects, Cited, Context, Decision, Policy, PolicyKind, Principal,
    Quantifier, Request,
};

/// A principal outside the project that a resource policy lets in: another account (by id or
/// by a principal of it), a service, anyone. Its own policies are not seen.
#[derive(Debug, Clone)]
pub struct ExternalPrincipal<'s, 'a> {
    /// As the policy names it: `arn:aws:iam::333333333333:root`, `cloudtrail.amazonaws.com`.
    pub principal: String,
    pub explained: Explained<'s, 'a>,
}

/// A resource of the state with a policy of its own (declared in the project or pulled), as
/// requests find it.
#[derive(Debug, Clone)]
pub struct GovernedResource<'a> {
    pub detail: &'a ResourcePolicyDetail,
    /// The row of `iamdsl_catalog::resource_policies`, when the state's kind is one.
    pub kind: Option<&'static ResourcePolicyKind>,
    /// "bucket policy of acme-logs".
    pub label: String,
    /// The label as answers cite it, saying when there is no policy or it is not known.
    pub shown: String,
    /// The ARN patterns whose requests the policy decides: the resource's, what it holds (a
    /// bucket's objects), a secret's ARN with the suffix Secrets Manager adds.
    scope: Vec<String>,
    /// The principals its allows name by ARN, and whether one names anyone (`*`): who it may
    /// let in without an identity grant.
    named: std::collections::HashSet<&'a str>,
    names_anyone: bool,
}

impl GovernedResource<'_> {
    /// Whether the policy must allow even within its account (a KMS key policy).
    pub fn required_in_account(&self) -> bool {
        self.kind.is_some_and(|k| k.required_in_account)
    }

    /// Whether the policy may let the principal of `arn` in without an identity grant: one of
    /// its allows names it, or anyone.
    pub(super) fn may_let_in(&self, arn: &str) -> bool {
        self.names_anyone || self.named.contains(arn)
    }
}

/// A secret's ARN without the `-` and six random characters Secrets Manager appends to the
/// secret's name in its ARN (or the pattern for them a built state holds), when it has them: the
/// row's `arn_suffix` says which kinds do.
pub(super) fn secret_without_suffix(arn: &str) -> Option<&str> {
    iamdsl_catalog::resource_policies::without_arn_suffix(arn)
}

/// "bucket" for the bucket policy: what the row calls the resource.
pub(super) fn resource_noun(kind: &ResourcePolicyKind) -> &'static str {
    kind.label.strip_suffix(" policy").unwrap_or(kind.label)
}

/// The resources, with the patterns of what each policy decides.
pub(super) fn governed_resources(details: &AuthorizationDetails) -> Vec<GovernedResource<'_>> {
    details
        .resources
        .iter()
        .map(|detail| {
            let kind = resource_policy_kind_by_key(&detail.kind);
            let label = match kind {
                Some(kind) => format!("{} of {}", kind.label, detail.name),
                None => format!("resource policy of {} {}", detail.kind, detail.name),
            };
            let mut scope = vec![detail.arn.clone()];
            if kind.is_some_and(|k| !k.covers.is_empty()) {
                // A bucket policy decides the bucket's objects too: `bucket/key`.
                scope.push(format!("{}/*", detail.arn));
            }
            if let Some(kind) = kind.filter(|k| !k.arn_suffix.is_empty()) {
                let base = kind.base_arn(&detail.arn);
                scope = vec![base.to_string(), format!("{base}{}", kind.arn_suffix)];
            }
            let shown = match &detail.policy {
                ResourcePolicyState::Document(_) => label.clone(),
                ResourcePolicyState::Absent => format!("{label} (it has none)"),
                ResourcePolicyState::Unknown(why) => format!("{label} (not known: {why})"),
            };
            let values = || {
                detail
                    .document()
                    .into_iter()
                    .flat_map(|d| &d.statements)
                    .filter(|s| s.effect == Effect::Allow)
                    .filter_map(|s| s.principal.as_ref())
                    .flat_map(|p| p.0.values().flatten())
                    .map(String::as_str)
            };
            GovernedResource {
                detail,
                kind,
                label,
                shown,
                scope,
                named: values().collect(),
                names_anyone: values().any(|v| v == "*"),
            }
        })
        .collect()
}

/// The kind of resource policy of what an ARN names (a bucket's object is its bucket's), by the
/// catalog's ARN templates.
pub(super) fn policy_kind_of_arn(arn: &str) -> Option<&'static ResourcePolicyKind> {
    use iamdsl_catalog::resource_policies::RESOURCE_POLICY_KINDS;
    iamdsl_catalog::catalog()
        .resource_types_for_arn(arn)
        .into_iter()
        .find_map(|(service, resource_type)| {
            RESOURCE_POLICY_KINDS.iter().find(|k| {
                k.service == service.prefix
                    && (k.resource_type == resource_type.name
                        || k.covers.contains(&resource_type.name.as_str()))
            })
        })
}

/// For a resource of a kind that carries a policy that the state does not hold: how it is
/// evaluated (as before resource policies were known), in one line.
pub(super) fn undeclared_note(
    kind: &ResourcePolicyKind,
    resource: &str,
    caller_account: &str,
) -> String {
    let noun = resource_noun(kind);
    let whose = if kind.covers.is_empty() || !resource.contains('/') {
        format!("the {noun} `{resource}`")
    } else {
        format!("the {noun} of `{resource}`")
    };
    match arn_account(resource) {
        Some(account) if account != caller_account => format!(
            "{whose} is not declared: evaluated as a resource of account {account} without a {}",
            kind.label
        ),
        _ => format!(
            "{whose} is not declared: evaluated as a resource of the caller's account without a {}",
            kind.label
        ),
    }
}

/// What a request's resource falls under: one resource's policy (or none), or, for a pattern
/// that spans resources, each part of it with the policy that decides there.
pub(super) enum Parts<'r> {
    One(Option<usize>),
    Many(Vec<(Option<usize>, Cow<'r, str>)>),
}

impl<'a> Access<'a> {
    /// [`policy_kind_of_arn`], remembered.
    pub(super) fn policy_kind_of(&self, arn: &str) -> Option<&'static ResourcePolicyKind> {
        // Most ARNs are of services without resource policies: answered without the cache.
        let service = iamdsl_catalog::arn::arn_service(arn)?;
        if !iamdsl_catalog::resource_policies::RESOURCE_POLICY_KINDS
            .iter()
            .any(|k| k.service.eq_ignore_ascii_case(service))
        {
            return None;
        }
        let mut known = self
            .kinds_of_arns
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(kind) = known.get(arn) {
            return *kind;
        }
        let kind = policy_kind_of_arn(arn);
        known.insert(arn.to_string(), kind);
        kind
    }

    /// The resources with policies of their own.
    pub fn resources(&self) -> &[GovernedResource<'a>] {
        &self.resources
    }

    /// The resource whose policy decides requests on `arn`, read as a name: the resource
    /// itself, a bucket's object, a secret by its ARN with or without its suffix.
    pub fn governing(&self, arn: &str) -> Option<usize> {
        if self.resources.is_empty() {
            return None;
        }
        if let Some(&index) = self.resource_by_arn.get(arn) {
            return Some(index);
        }
        // `arn:aws:s3:::bucket/key`: the bucket's policy decides ("Bucket policies", S3 User
        // Guide: a bucket policy grants on the bucket and the objects in it).
        if let Some((holder, _)) = arn.split_once('/') {
            if let Some(&index) = self.resource_by_arn.get(holder) {
                if self.resources[index]
                    .kind
                    .is_some_and(|k| !k.covers.is_empty())
                {
                    return Some(index);
                }
            }
        }
        secret_without_suffix(arn).and_then(|base| self.resource_by_arn.get(base).copied())
    }

    /// What the request's resource falls under. A name (or a pattern read as a name) has one
    /// resource's policy or none; a pattern within one resource's scope has that one; a pattern
    /// that spans resources has a part for each resource it meets, and the rest of it, which no
    /// declared resource's policy decides.
    pub(super) fn parts<'r>(
        &self,
        action: &str,
        resource: &'r str,
        quantifier: Quantifier,
    ) -> Parts<'r> {
        if self.resources.is_empty() {
            return Parts::One(None);
        }
        if quantifier == Quantifier::Exact || !resource.contains(['*', '?']) {
            return Parts::One(self.governing(resource));
        }
        // A resource policy decides only requests to its service: the action's, and the
        // pattern's.
        let action_service = action
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase())
            .filter(|s| !s.contains(['*', '?']));
        let pattern_service = iamdsl_catalog::arn::arn_service(resource)
            .filter(|s| !s.contains(['*', '?']))
            .map(str::to_ascii_lowercase);
        let service = match (&action_service, &pattern_service) {
            (Some(a), Some(p)) if a != p => return Parts::One(None),
            (Some(s), _) | (None, Some(s)) => Some(s),
            (None, None) => None,
        };
        let candidates: Box<dyn Iterator<Item = usize>> = match service {
            Some(service) => match self.resources_by_service.get(service) {
                Some(found) => Box::new(found.iter().copied()),
                None => return Parts::One(None),
            },
            None => Box::new(0..self.resources.len()),
        };
        let mut parts = Vec::new();
        for index in candidates {
            for scope in &self.resources[index].scope {
                if !intersects(scope, resource) {
                    continue;
                }
                if covers(scope, resource) {
                    // Within one resource: its policy decides the whole pattern.
                    return Parts::One(Some(index));
                }
                let part = if covers(resource, scope) {
                    Cow::Owned(scope.clone())
                } else {
                    Cow::Borrowed(resource)
                };
                parts.push((Some(index), part));
            }
        }
        if parts.is_empty() {
            return Parts::One(None);
        }
        // What of the pattern no declared resource holds: first, as the part an identity
        // grant alone decides, most often the first to answer.
        parts.insert(0, (None, Cow::Borrowed(resource)));
        Parts::Many(parts)
    }

    /// The principals outside the project that the resource's policy lets make the request:
    /// another account (by id, or a principal of it), a service, anyone (`*`). Their own
    /// policies are not seen and are taken to allow it, as for [`Access::external_can_assume`].
    pub fn external_principals<'s>(
        &'s self,
        action: &str,
        resource: &str,
        context: &Context,
        quantifier: Quantifier,
    ) -> Vec<ExternalPrincipal<'s, 's>> {
        let governed: Vec<(usize, Cow<'_, str>)> = match self.parts(action, resource, quantifier) {
            Parts::One(Some(index)) => vec![(index, Cow::Borrowed(resource))],
            Parts::One(None) => Vec::new(),
            Parts::Many(parts) => parts
                .into_iter()
                .filter_map(|(governing, part)| Some((governing?, part)))
                .collect(),
        };
        let mut found: Vec<ExternalPrincipal<'s, 's>> = Vec::new();
        for (index, part) in governed {
            let governed = &self.resources[index];
            let Some(document) = governed.detail.document() else {
                continue;
            };
            let named: BTreeSet<&str> = document
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
                .filter_map(|s| s.principal.as_ref())
                .flat_map(|p| {
                    p.0.iter()
                        .filter(|(kind, _)| matches!(kind.as_str(), "AWS" | "Service"))
                        .flat_map(|(_, values)| values.iter().map(String::as_str))
                })
                .filter(|value| !self.is_project_principal(value))
                .collect();
            for principal in named {
                if found.iter().any(|f| f.principal == principal) {
                    continue;
                }
                let explained =
                    self.external_request(principal, action, &part, governed, context, quantifier);
                if explained.decision() == Decision::Allow {
                    found.push(ExternalPrincipal {
                        principal: principal.to_string(),
                        explained,
                    });
                }
            }
        }
        found
    }

    /// A request of a principal outside the project (`arn:aws:iam::333333333333:root`, a
    /// service) on a resource of the state, its own side taken to allow it; `None` when no
    /// resource of the state holds `resource`.
    pub fn external_evaluate<'s>(
        &'s self,
        principal: &str,
        action: &str,
        resource: &str,
        context: &Context,
        quantifier: Quantifier,
    ) -> Option<Explained<'s, 's>> {
        let index = match self.parts(action, resource, quantifier) {
            Parts::One(index) => index?,
            Parts::Many(parts) => parts.iter().find_map(|(index, _)| *index)?,
        };
        Some(self.external_request(
            principal,
            action,
            resource,
            &self.resources[index],
            context,
            quantifier,
        ))
    }

    /// Whether a resource policy's principal is one the project evaluates itself: a user or
    /// role of the state, or an account of it (whose principals are then asked one by one).
    fn is_project_principal(&self, value: &str) -> bool {
        if self.by_arn.contains_key(value) {
            return true;
        }
        let account = match arn_account(value) {
            Some(account) if value.ends_with(":root") => account,
            _ => value,
        };
        self.accounts.contains(account)
    }

    /// A request of a principal outside the project on a resource of the state: its own side
    /// taken to allow it.
    fn external_request<'s>(
        &'s self,
        principal: &str,
        action: &str,
        resource: &str,
        governed: &'s GovernedResource<'a>,
        context: &Context,
        quantifier: Quantifier,
    ) -> Explained<'s, 's> {
        static CALLER_SIDE: OnceLock<PolicyDocument> = OnceLock::new();
        let owner = governed.detail.account.as_str();
        // Services act in the resource's account; `*` stands for a caller of any other.
        let account = if principal == "*" {
            ""
        } else {
            arn_account(principal)
                .or_else(|| {
                    (principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()))
                        .then_some(principal)
                })
                .unwrap_or(owner)
        };
        let caller_side = CALLER_SIDE.get_or_init(|| allow_document("*"));
        let document = governed.detail.document().unwrap_or(&NO_STATEMENTS);
        let mut policies: Vec<Policy<'s>> = Vec::new();
        if account != owner {
            policies.push(Policy {
                kind: PolicyKind::Identity,
                label:
                    "the caller's own policies (in its own account, not seen: taken to allow it)",
                document: caller_side,
                account: None,
                level: None,
            });
        }
        policies.push(Policy {
            kind: PolicyKind::Resource,
            label: &governed.shown,
            document,
            account: Some(owner),
            level: None,
        });
        // The RCPs of the resource's account apply to callers from anywhere.
        policies.extend(super::organization::level_policies(
            PolicyKind::Rcp,
            self.guardrails.rcps(principal, Some(owner), action),
        ));
        let caller = super::external_caller(principal, account);
        let request = Request {
            principal: Principal {
                arn: principal,
                account,
            },
            action,
            resource,
            resource_account: Some(owner),
            context,
            principal_context: Some(&caller),
            quantifier,
            resource_policy_required: governed.required_in_account(),
        };
        let evaluation = evaluate(&request, &policies);
        let resolve = |c: &Cited| {
            let policy = policies.get(c.policy)?;
            Some(CitedStatement {
                kind: policy.kind,
                label: policy.label,
                statement: policy.document.statements.get(c.statement)?,
            })
        };
        Explained::certain(evaluation, resolve)
    }
}
