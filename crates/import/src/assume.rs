//! `assume deployer` for a principal's `allow sts:AssumeRole on arn("…:role/deployer")` where
//! the role is in the state and its trust lets that principal in, as the compiler lowers
//! `assume` (`lower/assume.rs`): the permission always, and the trust entry for the principal
//! (each member, for a group) unless the role's own trust block already admits it, by its ARN
//! or its account. So the trust entries `assume` would write are left out of the trust block,
//! and entries it would not write (another condition, `tag_session`, the account) stay.
//!
//! Both sides are decided together, over the entities written in the readable style: an
//! entity turned verbatim writes its permission as it is, and the role keeps its entries.

use std::collections::BTreeSet;

use iamdsl_policy::authz::{AuthorizationDetails, InlinePolicy, RoleDetail};
use iamdsl_policy::{ActionBlock, Conditions, Effect, ResourceBlock, Statement};
use iamdsl_syntax::ast::DeclKind;

/// The `assume` statements of one import, and the trust entries they stand for.
#[derive(Debug, Default)]
pub(crate) struct AssumePlan {
    /// (owner kind, owner name, role ARN, condition) of the permissions written as `assume`.
    written: Vec<(DeclKind, String, String, Conditions)>,
    /// (role ARN, principal ARN): trust entries `assume` writes, left out of the trust block.
    left_out: BTreeSet<(String, String)>,
}

/// One permission that may be written as `assume`.
struct Candidate<'d> {
    owner: (DeclKind, String),
    role: &'d RoleDetail,
    /// Whom the compiler's trust half names: the owner, or a group's members.
    principals: Vec<String>,
    condition: &'d Conditions,
}

/// How a role's trust admits a principal for a set of `assume` conditions.
#[derive(Debug, PartialEq, Eq)]
enum Admission {
    /// Not at all: `assume` would add an entry the state does not hold.
    None,
    /// By entries `assume` does not write: they stay, and `assume` adds nothing.
    Kept,
    /// Only by the entries the `assume`s write (its ARN, each one's condition, no
    /// `sts:TagSession`), one for each.
    Written,
}

/// The roles a permission lets its principal assume, when it is nothing else: an allow of
/// exactly `sts:AssumeRole` on ARNs.
pub(crate) fn assume_targets(statement: &Statement) -> Option<Vec<&str>> {
    let ActionBlock::Action(actions) = &statement.action else {
        return None;
    };
    let Some(ResourceBlock::Resource(resources)) = &statement.resource else {
        return None;
    };
    let only_assume = actions.len() == 1 && actions.contains("sts:AssumeRole");
    if statement.effect != Effect::Allow || statement.principal.is_some() || !only_assume {
        return None;
    }
    let arns: Vec<&str> = resources.iter().map(String::as_str).collect();
    arns.iter()
        .all(|arn| arn.starts_with("arn:"))
        .then_some(arns)
}

/// Whether a permission on several roles can be written as one `assume` per role: the
/// compiler's statements, one per role, merge back into it unless another statement of the
/// same effect and condition on some of those roles would take one of them first.
fn splits_back(statement: &Statement, roles: &[&str], others: &[&Statement]) -> bool {
    roles.len() == 1
        || !others.iter().any(|other| {
            !std::ptr::eq(*other, statement)
                && other.effect == statement.effect
                && other.condition == statement.condition
                && other.principal.is_none()
                && matches!(&other.resource, Some(ResourceBlock::Resource(set))
                    if set.iter().all(|arn| roles.contains(&arn.as_str())))
        })
}

/// How `role`'s trust admits `principal`, `assume` being written with each of `conditions`.
fn admission(role: &RoleDetail, principal: &str, conditions: &[&Conditions]) -> Admission {
    let account = super::account_of(principal);
    let partition = principal.split(':').nth(1).unwrap_or("aws");
    let root = format!("arn:{partition}:iam::{account}:root");
    let mut by_arn = Vec::new();
    let mut otherwise = false;
    for statement in &role.trust.statements {
        let Some(aws) = statement.principal.as_ref().and_then(|p| p.0.get("AWS")) else {
            continue;
        };
        if statement.effect != Effect::Allow {
            continue;
        }
        if aws.contains(&root) || aws.contains(account) {
            otherwise = true;
        }
        if aws.contains(principal) {
            by_arn.push(statement);
        }
    }
    if by_arn.is_empty() && !otherwise {
        return Admission::None;
    }
    let only_assume = |statement: &Statement| {
        matches!(&statement.action,
            ActionBlock::Action(actions) if actions.len() == 1 && actions.contains("sts:AssumeRole"))
    };
    // Each entry is one an `assume` writes, and each `assume` writes one.
    let written = by_arn
        .iter()
        .all(|s| only_assume(s) && conditions.contains(&&s.condition))
        && conditions
            .iter()
            .all(|c| by_arn.iter().any(|s| only_assume(s) && s.condition == **c));
    if !otherwise && written {
        Admission::Written
    } else {
        Admission::Kept
    }
}

impl AssumePlan {
    /// The plan for `details`, `readable(kind, name)` saying which entities are written in the
    /// readable style.
    pub(crate) fn new(
        details: &AuthorizationDetails,
        readable: impl Fn(DeclKind, &str) -> bool,
    ) -> AssumePlan {
        let mut owners: Vec<(DeclKind, &str, Vec<String>, &[InlinePolicy])> = Vec::new();
        for user in &details.users {
            owners.push((
                DeclKind::User,
                &user.name,
                vec![user.arn.clone()],
                &user.inline,
            ));
        }
        for role in &details.roles {
            owners.push((
                DeclKind::Role,
                &role.name,
                vec![role.arn.clone()],
                &role.inline,
            ));
        }
        for group in &details.groups {
            let members = details
                .users
                .iter()
                .filter(|u| u.groups.contains(&group.name))
                .map(|u| u.arn.clone())
                .collect();
            owners.push((DeclKind::Group, &group.name, members, &group.inline));
        }
        let mut candidates: Vec<Candidate<'_>> = Vec::new();
        for (kind, name, principals, inline) in owners {
            if !readable(kind, name) || principals.is_empty() {
                continue;
            }
            let statements: Vec<&Statement> =
                inline.iter().flat_map(|p| &p.document.statements).collect();
            for statement in &statements {
                let Some(arns) = assume_targets(statement) else {
                    continue;
                };
                if !splits_back(statement, &arns, &statements) {
                    continue;
                }
                let roles = arns
                    .iter()
                    .filter_map(|arn| details.roles.iter().find(|r| r.arn == *arn))
                    .filter(|role| readable(DeclKind::Role, &role.name));
                for role in roles {
                    candidates.push(Candidate {
                        owner: (kind, name.to_string()),
                        role,
                        principals: principals.clone(),
                        condition: &statement.condition,
                    });
                }
            }
        }
        // A candidate that cannot be written changes what the others' trust entries are:
        // until none is dropped.
        loop {
            let pairs = pairs(&candidates);
            let admitted = |candidate: &Candidate<'_>| {
                candidate.principals.iter().all(|principal| {
                    pairs
                        .iter()
                        .find(|(role, p, _)| *role == candidate.role.arn && p == principal)
                        .is_some_and(|(_, _, admission)| *admission != Admission::None)
                })
            };
            let before = candidates.len();
            candidates.retain(admitted);
            if candidates.len() == before {
                let left_out = pairs
                    .into_iter()
                    .filter(|(_, _, admission)| *admission == Admission::Written)
                    .map(|(role, principal, _)| (role, principal))
                    .collect();
                let written = candidates
                    .into_iter()
                    .map(|c| {
                        (
                            c.owner.0,
                            c.owner.1,
                            c.role.arn.clone(),
                            c.condition.clone(),
                        )
                    })
                    .collect();
                return AssumePlan { written, left_out };
            }
        }
    }

    /// The ARNs of the roles `statement` of this owner is written to `assume`, one `assume`
    /// each (empty: none).
    pub(crate) fn roles_for<'s>(
        &self,
        owner: (DeclKind, &str),
        statement: &'s Statement,
    ) -> Vec<&'s str> {
        let Some(targets) = assume_targets(statement) else {
            return Vec::new();
        };
        targets
            .into_iter()
            .filter(|target| {
                self.written.iter().any(|(kind, name, role, condition)| {
                    *kind == owner.0
                        && name == owner.1
                        && role == target
                        && *condition == statement.condition
                })
            })
            .collect()
    }

    /// Whether the trust entry of `role_arn` for `principal` is the one an `assume` writes.
    pub(crate) fn leaves_out(&self, role_arn: &str, principal: &str) -> bool {
        self.left_out
            .contains(&(role_arn.to_string(), principal.to_string()))
    }
}

/// Each (role ARN, principal ARN) the candidates' trust halves name, with how the role's trust
/// admits the principal for the conditions of those candidates.
fn pairs(candidates: &[Candidate<'_>]) -> Vec<(String, String, Admission)> {
    let mut conditions: Vec<(&RoleDetail, &str, Vec<&Conditions>)> = Vec::new();
    for candidate in candidates {
        for principal in &candidate.principals {
            let entry = conditions
                .iter_mut()
                .find(|(role, p, _)| role.arn == candidate.role.arn && p == principal);
            match entry {
                Some((_, _, list)) => {
                    if !list.contains(&candidate.condition) {
                        list.push(candidate.condition);
                    }
                }
                None => conditions.push((candidate.role, principal, vec![candidate.condition])),
            }
        }
    }
    conditions
        .into_iter()
        .map(|(role, principal, list)| {
            (
                role.arn.clone(),
                principal.to_string(),
                admission(role, principal, &list),
            )
        })
        .collect()
}
