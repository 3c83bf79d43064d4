//! `expect …`: properties of the project checked at every `check` and `build` with AWS's
//! evaluation logic. A failed expectation is an error pointing at the expectation and at the
//! statements that decided.

use std::collections::BTreeMap;

use iamdsl_diagnostics::{codes, Diagnostic, FileId, Span};
use iamdsl_policy::access::{Access, Explained};
use iamdsl_policy::eval::{Context, Decision, Operator, PolicyKind, Quantifier};
use iamdsl_policy::{ActionBlock, Conditions, NameSet, ResourceBlock};
use iamdsl_syntax::ast::*;

use crate::explain::{
    context_of, escalations, evaluated_state, most_capable_context, subjects, Escalation,
};
use crate::lower::{Lowerer, Scope, Within};
use crate::model::{DeclKind, Entity, Model};
use crate::resolve::SymbolKind;

/// An expectation ready to evaluate.
enum Question {
    NoEscalation,
    Assume {
        principal: String,
        role: String,
        context: Context,
        /// A `when` test the request cannot be made to pass: the expectation is not checked.
        unsupported: Option<String>,
    },
    Access {
        principal: String,
        actions: Vec<String>,
        resource: String,
        context: Context,
        /// A `when` test the request cannot be made to pass: the expectation is not checked.
        unsupported: Option<String>,
    },
}

impl Lowerer<'_> {
    /// Resolves every expectation and, when the project has no errors, evaluates it.
    /// `evaluate`: false when the files did not all parse.
    pub fn expectations(&mut self, model: &Model, evaluate: bool) {
        use SymbolKind as K;
        let principals = [K::Group, K::User, K::Role];
        let mut questions = Vec::new();
        for &(file, item) in &self.names.expectations {
            let ItemKind::Expect(expect) = &item.kind else {
                continue;
            };
            let allowed = self.allowed(file, &item.prefix);
            let question = match &expect.kind {
                ExpectKind::NoEscalation => Some(Question::NoEscalation),
                ExpectKind::Assume {
                    principal,
                    role,
                    condition,
                    ..
                } => {
                    let account = self
                        .resolve(None, file, principal, &principals)
                        .and_then(|decl| self.account_of(&decl));
                    let role_found = self.resolve(None, file, role, &[K::Role]);
                    match (account, role_found) {
                        (Some(account), Some(_)) => {
                            let scope = question_scope(file, principal, account);
                            let errors = self.diagnostics.len();
                            let sts = std::collections::BTreeSet::from(["sts".to_string()]);
                            let conditions =
                                self.lower_condition(&scope, condition.as_ref(), Some(&sts));
                            let failed =
                                self.diagnostics[errors..].iter().any(Diagnostic::is_error);
                            let (context, unsupported) = request_of(&conditions);
                            (!failed).then(|| Question::Assume {
                                principal: principal.name.clone(),
                                role: role.name.clone(),
                                context,
                                unsupported,
                            })
                        }
                        _ => None,
                    }
                }
                ExpectKind::Access {
                    principal,
                    actions,
                    resource,
                    condition,
                    ..
                } => self
                    .resolve(None, file, principal, &principals)
                    .and_then(|decl| self.account_of(&decl))
                    .and_then(|account| {
                        self.access_question(
                            file, item, principal, account, actions, resource, condition,
                        )
                    }),
            };
            if let Some(question) = question {
                let can = match &expect.kind {
                    ExpectKind::NoEscalation => false,
                    ExpectKind::Assume { can, .. } | ExpectKind::Access { can, .. } => *can,
                };
                questions.push((file, item.loc.span(), allowed, can, question));
            }
        }
        // Evaluating a project with errors would answer about a project that does not exist.
        if !evaluate || questions.is_empty() || self.diagnostics.iter().any(Diagnostic::is_error) {
            return;
        }
        let state = evaluated_state(model);
        let access = Access::new(&state);
        // One question however many expectations ask it.
        let mut escalations_found = None;
        for (file, span, allowed, can, question) in questions {
            let found = match question {
                Question::NoEscalation => no_escalation(
                    &access,
                    escalations_found
                        .get_or_insert_with(|| escalations(&access, &most_capable_context())),
                    file,
                    span,
                ),
                Question::Assume {
                    principal,
                    role,
                    context,
                    unsupported,
                } => {
                    let (Some(entity), Some(role)) = (
                        principal_entity(model, &principal),
                        principal_entity(model, &role),
                    ) else {
                        continue;
                    };
                    let Some(role_index) = access.by_arn(&role.arn(&model.partition)) else {
                        continue;
                    };
                    if let Some(test) = unsupported {
                        self.lint(
                            &lint_scope(file, allowed.clone()),
                            unsupported_expectation(file, span, &test),
                        );
                        continue;
                    }
                    let what = format!("assume role `{}`", role.ident);
                    subjects(model, &access, entity)
                        .into_iter()
                        .find_map(|subject| {
                            let explained = access.can_assume(subject, role_index, &context);
                            verdict(
                                model, &access, subject, entity, can, &what, &explained, file, span,
                            )
                        })
                        .into_iter()
                        .collect()
                }
                Question::Access {
                    principal,
                    actions,
                    resource,
                    context,
                    unsupported,
                } => {
                    let Some(entity) = principal_entity(model, &principal) else {
                        continue;
                    };
                    if let Some(test) = unsupported {
                        self.lint(
                            &lint_scope(file, allowed.clone()),
                            unsupported_expectation(file, span, &test),
                        );
                        continue;
                    }
                    // "can": every action, on every resource of the pattern; "cannot": none, on
                    // any resource of it.
                    let quantifier = if can {
                        Quantifier::Every
                    } else {
                        Quantifier::Some
                    };
                    let mut found = Vec::new();
                    'subjects: for subject in subjects(model, &access, entity) {
                        for action in &actions {
                            let explained =
                                access.evaluate(subject, action, &resource, &context, quantifier);
                            let what = match (resource.contains(['*', '?']), can) {
                                (false, _) => format!("{action} on {resource}"),
                                (true, false) => {
                                    format!("{action} on some resources of {resource}")
                                }
                                (true, true) => format!("{action} on every resource of {resource}"),
                            };
                            if let Some(diagnostic) = verdict(
                                model, &access, subject, entity, can, &what, &explained, file, span,
                            ) {
                                found.push(diagnostic);
                                break 'subjects;
                            }
                        }
                    }
                    found
                }
            };
            for diagnostic in found {
                if diagnostic.code == codes::UNCHECKED_EXPECTATION {
                    let scope = lint_scope(file, allowed.clone());
                    self.lint(&scope, diagnostic);
                } else {
                    self.diagnostics.push(diagnostic);
                }
            }
        }
    }

    /// The actions (concrete names), resource and request context of `expect P can A on R when C`,
    /// checked and expanded as a permission of P would be.
    #[allow(clippy::too_many_arguments)]
    fn access_question(
        &mut self,
        file: FileId,
        item: &Item,
        principal: &Ident,
        account: crate::model::Account,
        actions: &[ActionItem],
        resource: &Resource,
        condition: &Option<Condition>,
    ) -> Option<Question> {
        let span = item.loc.span();
        let loc = Loc(span);
        let permission = Permission {
            effect: Spanned {
                node: Effect::Allow,
                loc,
            },
            actions: ActionList {
                items: actions.to_vec(),
                except: Vec::new(),
                loc,
            },
            resources: ResourceList {
                items: vec![resource.clone()],
                except: Vec::new(),
                loc,
            },
            principals: Vec::new(),
            condition: condition.clone(),
            until: None,
        };
        let stmt = Stmt {
            prefix: item.prefix.clone(),
            kind: StmtKind::Permission(permission.clone()),
            loc,
        };
        let scope = question_scope(file, principal, account);
        let errors = self.diagnostics.len();
        let statements = self.lower_permission(&scope, &permission, &stmt);
        if self.diagnostics[errors..].iter().any(Diagnostic::is_error) {
            return None;
        }
        let mut names = Vec::new();
        let mut resource = None;
        let mut conditions = Conditions::default();
        for statement in &statements {
            if let ActionBlock::Action(set) = &statement.action {
                for pattern in set {
                    if iamdsl_catalog::wildcard::has_wildcard(pattern) && pattern != "*" {
                        names.extend(
                            self.catalog
                                .match_actions(pattern)
                                .into_iter()
                                .map(|(_, action)| action.full_name().to_string()),
                        );
                    } else {
                        names.push(pattern.clone());
                    }
                }
            }
            if let Some(ResourceBlock::Resource(set)) = &statement.resource {
                resource = resource.or_else(|| set.iter().next().cloned());
            }
            if conditions.0.is_empty() {
                conditions = statement.condition.clone();
            }
        }
        names.sort();
        names.dedup();
        let (context, unsupported) = request_of(&conditions);
        Some(Question::Access {
            principal: principal.name.clone(),
            actions: names,
            resource: resource.unwrap_or_else(|| "*".to_string()),
            context,
            unsupported,
        })
    }
}

/// The scope an expectation's request is lowered in, as if `principal` wrote it.
fn question_scope(file: FileId, principal: &Ident, account: crate::model::Account) -> Scope {
    // Lints are about policies written, not about questions asked.
    let all_lints = codes::lint_names().map(str::to_string).collect();
    Scope {
        file,
        owner: principal.name.clone(),
        owner_kind: SymbolKind::Role,
        account,
        allowed: all_lints,
        params: BTreeMap::new(),
        uses: Vec::new(),
        within: Within::Statement,
    }
}

/// The request an expectation's `when` describes, and the first test no single request value
/// passes (`!=`, `<`, …), when there is one: then the expectation cannot be checked.
fn request_of(conditions: &Conditions) -> (Context, Option<String>) {
    let mut pairs = Vec::new();
    let mut unsupported = None;
    for (operator, keys) in &conditions.0 {
        for (key, values) in keys {
            match request_values(operator, values) {
                Some(Some(values)) => pairs.extend(values.into_iter().map(|v| (key.clone(), v))),
                // The key is absent from the request.
                Some(None) => {}
                None => {
                    unsupported.get_or_insert_with(|| format!("{operator} on {key}"));
                }
            }
        }
    }
    let context = context_of(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    (context, unsupported)
}

fn unsupported_expectation(file: FileId, span: Span, test: &str) -> Diagnostic {
    Diagnostic::warning(
        codes::UNCHECKED_EXPECTATION,
        "this expectation cannot be checked",
    )
    .at(file, span, format!("`{test}` says what the request is not"))
    .with_help("describe one request: `==`, `in`, `like`, `exists`, `not exists`, one IP address")
}

/// The request values that pass one `when` test of an expectation: `Some(None)` when the key is
/// to be absent, `None` when no single request value does (a negation or a comparison).
fn request_values(operator: &str, values: &NameSet) -> Option<Option<Vec<String>>> {
    let parsed = Operator::parse(operator);
    if parsed.is_negated() {
        return None;
    }
    // A set operator tests all the values; otherwise one of them is the request's.
    let chosen: Vec<&String> = if parsed.set.is_some() {
        values.iter().collect()
    } else {
        values.iter().take(1).collect()
    };
    let sample = |value: &String| value.replace(['*', '?'], "x");
    match parsed.base {
        "StringEquals"
        | "StringEqualsIgnoreCase"
        | "NumericEquals"
        | "DateEquals"
        | "Bool"
        | "ArnEquals"
        | "BinaryEquals" => Some(Some(chosen.into_iter().cloned().collect())),
        "StringLike" | "ArnLike" => Some(Some(chosen.into_iter().map(sample).collect())),
        // One address; a block stands for many requests, which one value cannot say.
        "IpAddress" => chosen
            .into_iter()
            .map(|block| {
                let (address, prefix) = iamdsl_policy::eval::parse_cidr(block)?;
                let full = if address.is_ipv4() { 32 } else { 128 };
                (prefix == full).then(|| address.to_string())
            })
            .collect::<Option<Vec<String>>>()
            .map(Some),
        "Null" => match values.iter().next().map(String::as_str) {
            Some("true") => Some(None),
            _ => Some(Some(vec!["present".to_string()])),
        },
        _ => None,
    }
}

fn principal_entity<'m>(model: &'m Model, ident: &str) -> Option<&'m Entity> {
    model
        .entities
        .iter()
        .find(|e| e.ident == ident && e.kind != DeclKind::Policy)
}

fn lint_scope(file: FileId, allowed: Vec<String>) -> Scope {
    Scope {
        file,
        owner: String::new(),
        owner_kind: SymbolKind::Role,
        account: crate::model::Account {
            name: String::new(),
            id: String::new(),
            default: false,
        },
        allowed,
        params: BTreeMap::new(),
        uses: Vec::new(),
        within: Within::Statement,
    }
}

/// The diagnostic for an expectation that `subject` (standing for `entity`) `can`/cannot do
/// `what`, given the evaluation; `None` when it holds.
#[allow(clippy::too_many_arguments)]
fn verdict(
    model: &Model,
    access: &Access<'_>,
    subject: usize,
    entity: &Entity,
    can: bool,
    what: &str,
    explained: &Explained<'_, '_>,
    file: FileId,
    span: Span,
) -> Option<Diagnostic> {
    let allowed = explained.decision() == Decision::Allow;
    if allowed == can {
        // Holds, unless an AWS managed policy iamdsl cannot read could allow it after all.
        if can || explained.unknown.is_empty() {
            return None;
        }
    }
    let who = describe(model, access, subject, entity);
    if !allowed && !explained.unknown.is_empty() {
        return Some(
            Diagnostic::warning(
                codes::UNCHECKED_EXPECTATION,
                format!("cannot tell whether {who} can {what}"),
            )
            .at(file, span, "depends on an AWS managed policy")
            .with_note(format!(
                "iamdsl's policies do not allow it, but {} may: iamdsl does not hold the documents of AWS managed policies",
                explained.unknown.join(", ")
            ))
            .with_help("check it against deployed state (`iamdsl pull`), or grant it with a policy of the project"),
        );
    }
    let expected = if can { "can" } else { "cannot" };
    let mut diagnostic = Diagnostic::error(
        codes::EXPECTATION_FAILED,
        format!(
            "expectation failed: {who} {} {what}",
            if allowed { "can" } else { "cannot" }
        ),
    )
    .at(file, span, format!("expected `{expected}`"))
    .with_note(format!(
        "{}: {}",
        explained.decision().as_str(),
        explained.evaluation.reason
    ));
    for cited in &explained.cited {
        let verb = if cited.statement.effect == iamdsl_policy::Effect::Deny {
            "denied"
        } else {
            "allowed"
        };
        for origin in cited.statement.origins.iter().take(1) {
            diagnostic = diagnostic.with_label(
                origin.file,
                origin.span,
                format!("{verb} here ({})", cited.label),
            );
        }
    }
    if explained.evaluation.missing == Some(PolicyKind::Boundary) {
        let boundary = access.principals()[subject].boundary.as_deref();
        if let Some(policy) = model.entities.iter().find(|e| {
            e.kind == DeclKind::Policy && Some(e.arn(&model.partition).as_str()) == boundary
        }) {
            diagnostic = diagnostic.with_label(
                policy.origin.file,
                policy.origin.span,
                "the permissions boundary, which does not allow it",
            );
        }
    }
    Some(diagnostic.with_help(if can {
        "grant it, or remove what denies it; or change the expectation if it is wrong"
    } else {
        "remove the grant, deny it, or narrow the boundary; or change the expectation if it is wrong"
    }))
}

/// "role `deployer`", "user `alice` (in group `developers`)".
fn describe(model: &Model, access: &Access<'_>, subject: usize, entity: &Entity) -> String {
    let principal = &access.principals()[subject];
    if entity.kind == DeclKind::Group && principal.arn != entity.arn(&model.partition) {
        format!("user `{}` (in group `{}`)", principal.name, entity.ident)
    } else {
        format!("{} `{}`", entity.kind.keyword(), entity.ident)
    }
}

fn no_escalation(
    access: &Access<'_>,
    escalations: &[Escalation],
    file: FileId,
    span: Span,
) -> Vec<Diagnostic> {
    escalations
        .iter()
        .take(5)
        .map(|escalation| {
            let principal = &access.principals()[escalation.principal];
            let mut diagnostic = Diagnostic::error(
                codes::EXPECTATION_FAILED,
                format!(
                    "expectation failed: {} `{}` can gain administrator access",
                    principal.kind.as_str(),
                    principal.name
                ),
            )
            .at(file, span, "expected no escalation to admin");
            for step in &escalation.steps {
                diagnostic = diagnostic.with_note(step.clone());
            }
            diagnostic.with_help(
                "remove the step that lets it, or give the target a permissions boundary that keeps it below admin",
            )
        })
        .collect()
}
