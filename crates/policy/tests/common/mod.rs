//! What the evaluator's tests share: one request against a list of documents.
#![allow(dead_code, clippy::unwrap_used)]

use iamdsl_policy::eval::{
    evaluate, Context, Decision, Policy, PolicyKind, Principal, Quantifier, Request,
};
use iamdsl_policy::PolicyDocument;

/// A request of `principal` (an ARN: its account is the ARN's) against `documents`.
pub struct Ask<'a> {
    pub principal: &'a str,
    pub action: &'a str,
    pub resource: &'a str,
    pub resource_account: Option<&'a str>,
    pub context: &'a Context,
    pub quantifier: Quantifier,
    /// A role's trust policy: it must allow even within one account.
    pub resource_policy_required: bool,
}

pub fn decide(ask: &Ask<'_>, documents: &[(PolicyKind, PolicyDocument)]) -> Decision {
    let leveled: Vec<(PolicyKind, Option<String>, PolicyDocument)> = documents
        .iter()
        .map(|(kind, document)| (*kind, None, document.clone()))
        .collect();
    decide_by_level(ask, &leveled)
}

/// [`decide`] of policies that may each sit at a level of the organization (SCPs, RCPs).
pub fn decide_by_level(
    ask: &Ask<'_>,
    documents: &[(PolicyKind, Option<String>, PolicyDocument)],
) -> Decision {
    let policies: Vec<Policy<'_>> = documents
        .iter()
        .map(|(kind, level, document)| Policy {
            kind: *kind,
            label: "",
            document,
            account: None,
            level: level.as_deref(),
        })
        .collect();
    let request = Request {
        principal: Principal {
            arn: ask.principal,
            account: ask.principal.split(':').nth(4).unwrap(),
        },
        action: ask.action,
        resource: ask.resource,
        resource_account: ask.resource_account,
        context: ask.context,
        principal_context: None,
        quantifier: ask.quantifier,
        resource_policy_required: ask.resource_policy_required,
    };
    evaluate(&request, &policies).decision
}
