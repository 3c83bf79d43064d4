//! `assume ROLE`: the caller's permission, and the role's trust entry written beside it.

use std::collections::BTreeSet;

use iamdsl_diagnostics::Span;
use iamdsl_policy::{ActionBlock, Effect, NameSet, PolicyDocument, ResourceBlock, Statement};
use iamdsl_syntax::ast::*;

use super::{Lowerer, Scope};
use crate::model::{origin, Entity};
use crate::resolve::SymbolKind;

/// The trust half of an `assume`, added to the role once every declaration is lowered.
#[derive(Debug, Clone)]
pub(crate) struct PendingTrust {
    pub statement: Statement,
    /// The `assume` statement's scope: its file, owner, account and silenced lints.
    pub scope: Scope,
    pub span: Span,
}

impl<'a> Lowerer<'a> {
    pub(super) fn lower_assume(
        &mut self,
        scope: &Scope,
        stmt: &Stmt,
        assume: &Assume,
        entity: &mut Entity,
    ) {
        let (role_arn, role_ident) = match &assume.target {
            Target::Arn(lit) => {
                let Some(arn) = self.eval_string(scope, lit) else {
                    return;
                };
                if !self.check_arn(scope, &arn, lit.span()) {
                    return;
                }
                (arn, None)
            }
            Target::Named(ident) => {
                let Some(_) = self.resolve(Some(scope), scope.file, ident, &[SymbolKind::Role])
                else {
                    return;
                };
                let Some(arn) = self.entity_arn(&ident.name) else {
                    return;
                };
                (arn, Some(ident.name.clone()))
            }
        };
        let source = origin(scope.file, stmt.loc.span());
        // The condition guards both halves: the caller's permission and the role's trust entry
        // (`sts:AssumeRole` is one request, evaluated against both with the same keys).
        let sts = BTreeSet::from(["sts".to_string()]);
        let condition = self.lower_condition(scope, assume.condition.as_ref(), Some(&sts));
        entity.document.statements.push(Statement {
            sid: None,
            effect: Effect::Allow,
            principal: None,
            action: ActionBlock::Action(NameSet::from(["sts:AssumeRole".to_string()])),
            resource: Some(ResourceBlock::Resource(NameSet::from([role_arn]))),
            condition: condition.clone(),
            origins: vec![source],
        });
        // The other half: the role trusts this principal (a group through its members).
        let Some(role) = role_ident else { return };
        let principals: Vec<String> = match scope.owner_kind {
            SymbolKind::Group => {
                let users = self
                    .names
                    .members
                    .get(&scope.owner)
                    .cloned()
                    .unwrap_or_default();
                users.iter().filter_map(|u| self.entity_arn(u)).collect()
            }
            _ => self.entity_arn(&scope.owner).into_iter().collect(),
        };
        if principals.is_empty() {
            if scope.owner_kind == SymbolKind::Group {
                self.deferred
                    .memberless
                    .entry(role)
                    .or_default()
                    .push(scope.owner.clone());
            }
            return;
        }
        let mut principal = iamdsl_policy::Principals::default();
        principal
            .0
            .insert("AWS".to_string(), principals.into_iter().collect());
        self.deferred
            .pending
            .entry(role)
            .or_default()
            .push(PendingTrust {
                statement: Statement {
                    sid: None,
                    effect: Effect::Allow,
                    principal: Some(principal),
                    action: ActionBlock::Action(NameSet::from(["sts:AssumeRole".to_string()])),
                    resource: None,
                    condition,
                    origins: vec![source],
                },
                scope: scope.clone(),
                span: stmt.loc.span(),
            });
    }

    /// Adds the trust halves of `assume` statements to `role`. A principal the role's own
    /// `trust` block already admits (by its ARN or its account) keeps that entry alone: an entry
    /// without the author's conditions beside it would let the principal in without them.
    pub(super) fn add_assumed_trust(&mut self, role: &mut Entity, pending: Vec<PendingTrust>) {
        let partition = self.config.partition().to_string();
        let admitted: BTreeSet<String> = role
            .trust
            .iter()
            .flat_map(|trust| &trust.statements)
            .filter(|s| s.effect == Effect::Allow && trust_allows_assume_role(s))
            .filter_map(|s| s.principal.as_ref()?.0.get("AWS"))
            .flat_map(|arns| arns.iter().cloned())
            .collect();
        for PendingTrust {
            mut statement,
            scope,
            span,
        } in pending
        {
            let Some(arns) = statement
                .principal
                .as_mut()
                .and_then(|p| p.0.get_mut("AWS"))
            else {
                continue;
            };
            arns.retain(|arn| {
                let account = arn.split(':').nth(4).unwrap_or_default();
                let root = format!("arn:{partition}:iam::{account}:root");
                !(admitted.contains(arn) || admitted.contains(&root) || admitted.contains(account))
            });
            if arns.is_empty() {
                continue;
            }
            if scope.account.id != role.account.id {
                let account = scope.account.id.clone();
                self.check_cross_account_guard(
                    &scope,
                    &role.ident,
                    span,
                    &account,
                    &statement.condition,
                    format!("put the guard on the `assume`: `assume {} when mfa` (people), `when external_id == \"…\"` (third parties) or `when org == \"o-…\"` (your organization)", role.ident),
                );
            }
            role.trust
                .get_or_insert_with(PolicyDocument::default)
                .statements
                .push(statement);
        }
    }
}

/// Whether a trust statement's actions include `sts:AssumeRole`.
fn trust_allows_assume_role(statement: &Statement) -> bool {
    use iamdsl_catalog::wildcard::matches;
    match &statement.action {
        ActionBlock::Action(set) => set.iter().any(|a| matches(a, "sts:AssumeRole", true)),
        ActionBlock::NotAction(set) => !set.iter().any(|a| matches(a, "sts:AssumeRole", true)),
    }
}
