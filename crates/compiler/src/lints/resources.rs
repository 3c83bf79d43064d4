//! `one_sided_grant`: a grant across accounts (or on a KMS key) that only one side allows. AWS
//! needs both the caller's identity policy and the resource's policy to allow a request to
//! another account's resource ("Cross-account policy evaluation logic", IAM User Guide:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>),
//! and a key policy to allow every use of its key. Judged on the model, over the declared
//! resources and principals; a statement counts as allowing when it names the action and the
//! resource, whatever its condition (the lint is about a missing half, not a narrowed one).

use iamdsl_diagnostics::{codes, Diagnostic};
use iamdsl_policy::eval::intersects;
use iamdsl_policy::{ActionBlock, Effect, PolicyDocument, ResourceBlock, Statement};

use super::{emit, Site};
use crate::config::Config;
use crate::model::{DeclKind, Entity, Model, Resource};
use crate::resolve::Names;

/// Whether the statement's actions may include one of `actions` (patterns).
fn names_actions(statement: &Statement, actions: &[String]) -> bool {
    match &statement.action {
        ActionBlock::Action(set) => set.iter().any(|pattern| {
            actions
                .iter()
                .any(|a| intersects(&pattern.to_ascii_lowercase(), &a.to_ascii_lowercase()))
        }),
        // `* except …` allows nearly everything: taken to allow these.
        ActionBlock::NotAction(_) => true,
    }
}

fn action_list(statement: &Statement) -> Vec<String> {
    match &statement.action {
        ActionBlock::Action(set) => set.iter().cloned().collect(),
        ActionBlock::NotAction(_) => vec!["*".to_string()],
    }
}

/// Whether a statement of a resource's own policy is about `arn` (a missing `Resource` or `*`
/// is the resource itself).
fn names_resource(statement: &Statement, arn: &str) -> bool {
    match &statement.resource {
        None => true,
        Some(ResourceBlock::Resource(set)) => set.iter().any(|r| r == "*" || intersects(r, arn)),
        Some(ResourceBlock::NotResource(_)) => true,
    }
}

/// The resources of the model by ARN, to find the one whose policy governs an ARN.
struct Governing<'m> {
    by_arn: std::collections::HashMap<&'m str, &'m Resource>,
}

impl<'m> Governing<'m> {
    fn new(model: &'m Model) -> Governing<'m> {
        Governing {
            // A secret by its ARN without the suffix AWS adds (the row's `arn_suffix`).
            by_arn: model
                .resources
                .iter()
                .map(|r| (r.kind.base_arn(&r.arn), r))
                .collect(),
        }
    }

    /// The resource itself, or the one that holds it (a bucket its objects: a bucket's name has
    /// no `/`, so the ARN up to the first `/` is the bucket's).
    fn of(&self, arn: &str) -> Option<&'m Resource> {
        let arn = iamdsl_catalog::resource_policies::without_arn_suffix(arn).unwrap_or(arn);
        self.by_arn.get(arn).copied().or_else(|| {
            let (holder, _) = arn.split_once('/')?;
            self.by_arn
                .get(holder)
                .copied()
                .filter(|r| !r.kind.covers.is_empty())
        })
    }
}

/// The ARNs a resource policy would name a principal by: itself, its account, anyone.
fn names_of(arn: &str, account: &str, partition: &str) -> [String; 3] {
    [
        arn.to_string(),
        format!("arn:{partition}:iam::{account}:root"),
        "*".to_string(),
    ]
}

fn lets_in(statement: &Statement, names: &[String]) -> bool {
    statement
        .principal
        .as_ref()
        .and_then(|p| p.0.get("AWS"))
        .is_some_and(|values| names.iter().any(|n| values.contains(n)))
}

/// The identity documents that apply to an entity: its own, its groups', the customer managed
/// policies attached to it and to them (AWS managed policies from the data iamdsl holds).
fn identity_documents<'m>(model: &'m Model, entity: &'m Entity) -> Vec<&'m PolicyDocument> {
    let mut out = vec![&entity.document];
    let mut holders = vec![entity];
    for group in &entity.groups {
        holders.extend(model.entities.iter().filter(|g| {
            g.kind == DeclKind::Group && g.account.id == entity.account.id && &g.name == group
        }));
    }
    for holder in holders {
        if holder.kind == DeclKind::Group {
            out.push(&holder.document);
        }
        for arn in &holder.managed {
            match model
                .entities
                .iter()
                .find(|p| p.kind == DeclKind::Policy && p.arn(&model.partition) == *arn)
            {
                Some(policy) => out.push(&policy.document),
                None => out.extend(iamdsl_policy::access::aws_managed_policy(arn).map(|(d, _)| d)),
            }
        }
    }
    out
}

/// The lint as reported for a grant of declaration `ident`: `#[allow(…)]` on the declaration
/// silences it for the grants it holds.
fn report(
    names: &Names<'_>,
    config: &Config,
    ident: &str,
    diagnostic: Diagnostic,
) -> Option<Diagnostic> {
    let allowed = names
        .decls
        .get(ident)
        .map(|decl| super::allowed_by(&decl.item.prefix, decl.file, &mut Vec::new()))
        .unwrap_or_default();
    let site = Site {
        allowed: &allowed,
        uses: &[],
    };
    emit(config, &site, diagnostic)
}

pub(crate) fn one_sided_grants(
    model: &Model,
    names: &Names<'_>,
    config: &Config,
) -> Vec<Diagnostic> {
    let partition = &model.partition;
    let mut out = Vec::new();
    let governing = Governing::new(model);
    // The identity half without the resource's.
    for entity in &model.entities {
        if !matches!(entity.kind, DeclKind::User | DeclKind::Role) {
            continue;
        }
        let arn = entity.arn(partition);
        let aliases = names_of(&arn, &entity.account.id, partition);
        for statement in &entity.document.statements {
            let Some(ResourceBlock::Resource(resources)) = &statement.resource else {
                continue;
            };
            if statement.effect != Effect::Allow {
                continue;
            }
            let actions = action_list(statement);
            for resource_arn in resources {
                let Some(resource) = governing.of(resource_arn) else {
                    continue;
                };
                let needs_policy =
                    resource.account.id != entity.account.id || resource.kind.required_in_account;
                if !needs_policy {
                    continue;
                }
                let allowed = resource.policy.as_ref().is_some_and(|policy| {
                    policy.statements.iter().any(|s| {
                        s.effect == Effect::Allow
                            && lets_in(s, &aliases)
                            && names_actions(s, &actions)
                            && names_resource(s, resource_arn)
                    })
                });
                if allowed {
                    continue;
                }
                let Some(origin) = statement.origins.first() else {
                    continue;
                };
                let kind = entity.kind.keyword();
                out.extend(report(
                    names,
                    config,
                    &entity.ident,
                    Diagnostic::warning(
                        codes::ONE_SIDED_GRANT,
                        format!(
                            "the {} of `{}` does not let {kind} `{}` in: AWS denies this grant",
                            resource.kind.label, resource.ident, entity.ident
                        ),
                    )
                    .at(origin.file, origin.span, format!("only the identity half of a grant on `{}`", resource.ident))
                    .with_label(resource.origin.file, resource.origin.span, format!("its {}", resource.kind.label))
                    .with_help(format!(
                        "write the grant `on {}`, and iamdsl writes both halves; or add `allow … to {kind} {}` to `resource {}`",
                        resource.ident, entity.ident, resource.ident
                    )),
                ));
                break;
            }
        }
    }
    // The resource's half without the principal's own.
    let principals: std::collections::HashMap<String, &Entity> = model
        .entities
        .iter()
        .filter(|e| matches!(e.kind, DeclKind::User | DeclKind::Role))
        .map(|e| (e.arn(partition), e))
        .collect();
    for resource in &model.resources {
        let Some(policy) = &resource.policy else {
            continue;
        };
        for statement in policy
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
        {
            let Some(named) = statement.principal.as_ref().and_then(|p| p.0.get("AWS")) else {
                continue;
            };
            let actions = action_list(statement);
            let named_entities = named
                .iter()
                .filter_map(|arn| principals.get(arn).copied())
                .filter(|e| e.account.id != resource.account.id);
            for entity in named_entities {
                let allowed = identity_documents(model, entity).iter().any(|document| {
                    document.statements.iter().any(|s| {
                        s.effect == Effect::Allow
                            && names_actions(s, &actions)
                            && match &s.resource {
                                Some(ResourceBlock::Resource(set)) => set.iter().any(|r| {
                                    intersects(r, &resource.arn)
                                        || intersects(r, &format!("{}/*", resource.arn))
                                }),
                                _ => true,
                            }
                    })
                });
                if allowed {
                    continue;
                }
                let Some(origin) = statement.origins.first() else {
                    continue;
                };
                let kind = entity.kind.keyword();
                out.extend(report(
                    names,
                    config,
                    &resource.ident,
                    Diagnostic::warning(
                        codes::ONE_SIDED_GRANT,
                        format!(
                            "{kind} `{}` is in another account, and its own policies do not allow what the {} of `{}` grants it",
                            entity.ident, resource.kind.label, resource.ident
                        ),
                    )
                    .at(origin.file, origin.span, "only the resource's half of a cross-account grant")
                    .with_label(entity.origin.file, entity.origin.span, format!("{kind} `{}`", entity.ident))
                    .with_help(format!(
                        "give {kind} `{}` the grant: `allow … on {}` (which writes this statement too)",
                        entity.ident, resource.ident
                    )),
                ));
            }
        }
    }
    out
}
