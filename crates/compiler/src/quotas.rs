//! AWS's IAM quotas, checked in one place: the size of each document and the number of
//! attachments, against the quotas of `iamdsl.toml` (AWS's defaults unless raised:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>). The analysis
//! checks the model it lowered; `build --split`/`--minimize` check the model they reshaped.

use iamdsl_diagnostics::{codes, Diagnostic};
use iamdsl_policy::canonical::canonical_size;

use crate::config::Quotas;
use crate::model::{DeclKind, Entity, Model};

/// The inline-policy quota of a principal kind.
pub(crate) fn inline_limit(quotas: &Quotas, kind: DeclKind) -> (usize, &'static str) {
    match kind {
        DeclKind::Role => (quotas.role_inline_size, "role_inline_size"),
        DeclKind::Group => (quotas.group_inline_size, "group_inline_size"),
        _ => (quotas.user_inline_size, "user_inline_size"),
    }
}

pub(crate) fn attachment_limit(quotas: &Quotas, kind: DeclKind) -> (usize, &'static str) {
    match kind {
        DeclKind::Role => (quotas.role_managed_policies, "role_managed_policies"),
        DeclKind::Group => (quotas.group_managed_policies, "group_managed_policies"),
        _ => (quotas.user_managed_policies, "user_managed_policies"),
    }
}

/// Adds where a quota setting of `iamdsl.toml` is the answer: for the quotas AWS raises on
/// request (the others are set only for what predates them, as `iamdsl import` does).
fn with_raise_hint(diagnostic: Diagnostic, setting: &str) -> Diagnostic {
    const ADJUSTABLE: [&str; 3] = [
        "trust_policy_size",
        "role_managed_policies",
        "user_managed_policies",
    ];
    if ADJUSTABLE.contains(&setting) {
        diagnostic.with_note(format!("if your account's quota was raised (Service Quotas), set `{setting}` under `[quotas]` in iamdsl.toml"))
    } else {
        diagnostic
    }
}

fn too_large(
    entity: &Entity,
    what: &str,
    size: usize,
    limit: (usize, &str),
    help: &str,
) -> Diagnostic {
    let (limit, setting) = limit;
    let diagnostic = Diagnostic::error(
        codes::POLICY_TOO_LARGE,
        format!(
            "the {what} of {} `{}` is {size} characters, over the quota of {limit}",
            entity.kind.keyword(),
            entity.ident
        ),
    )
    .at(
        entity.origin.file,
        entity.origin.span,
        format!("{size} > {limit} characters (white space not counted)"),
    )
    .with_help(help.to_string());
    with_raise_hint(diagnostic, setting)
}

fn too_many(
    entity: &Entity,
    what: &str,
    count: usize,
    limit: (usize, &str),
    label: &str,
    help: &str,
) -> Diagnostic {
    let (limit, setting) = limit;
    let diagnostic = Diagnostic::error(
        codes::TOO_MANY_ATTACHMENTS,
        format!(
            "{} `{}` has {count} {what}, over the quota of {limit}",
            entity.kind.keyword(),
            entity.ident
        ),
    )
    .at(entity.origin.file, entity.origin.span, label)
    .with_help(help.to_string());
    with_raise_hint(diagnostic, setting)
}

/// AWS's size and attachment quotas (those of `iamdsl.toml`), checked on the model as it
/// would be written.
pub fn check_quotas(model: &Model) -> Vec<Diagnostic> {
    quota_violations(model, &model.quotas)
}

/// The model's entities over `quotas`.
pub fn quota_violations(model: &Model, quotas: &Quotas) -> Vec<Diagnostic> {
    let mut diagnostics = resource_policy_violations(model, quotas);
    for entity in &model.entities {
        let size = canonical_size(&entity.document);
        match entity.kind {
            DeclKind::Policy if size > quotas.managed_policy_size => diagnostics.push(too_large(
                entity,
                "document",
                size,
                (quotas.managed_policy_size, "managed_policy_size"),
                "split it into several policies, or build with `--split`; `--minimize` may also help",
            )),
            DeclKind::Policy if entity.document.is_empty() => diagnostics.push(
                Diagnostic::error(codes::EMPTY_POLICY, format!("policy `{}` grants and denies nothing", entity.ident))
                    .at(entity.origin.file, entity.origin.span, "no statement")
                    .with_help("AWS rejects a policy without statements: add one, or remove the policy"),
            ),
            DeclKind::Policy => {}
            kind => {
                let limit = inline_limit(quotas, kind);
                if !entity.document.is_empty() && size > limit.0 {
                    diagnostics.push(too_large(entity, "inline policy", size, limit, "move statements into managed policies and attach them"));
                }
                let limit = attachment_limit(quotas, kind);
                if entity.managed.len() > limit.0 {
                    let help = if kind == DeclKind::User { "attach them to a group the user is in, or merge policies" } else { "merge some of the policies into one" };
                    diagnostics.push(too_many(entity, "managed policies attached", entity.managed.len(), limit, "too many `attach`", help));
                }
            }
        }
        if entity.kind == DeclKind::User && entity.groups.len() > quotas.groups_per_user {
            diagnostics.push(too_many(
                entity,
                "groups",
                entity.groups.len(),
                (quotas.groups_per_user, "groups_per_user"),
                "too many groups",
                "merge groups, or give the user fewer of them",
            ));
        }
        if let Some(trust) = &entity.trust {
            let size = canonical_size(trust);
            if size > quotas.trust_policy_size {
                diagnostics.push(too_large(
                    entity,
                    "trust policy",
                    size,
                    (quotas.trust_policy_size, "trust_policy_size"),
                    "trust fewer principals per role",
                ));
            }
        }
    }
    diagnostics
}

/// The least quotas the model fits in: per quota, the largest size or count of any entity.
pub fn quota_usage(model: &Model) -> Quotas {
    let mut usage = Quotas::uniform(0);
    for entity in &model.entities {
        let size = canonical_size(&entity.document);
        let attached = entity.managed.len();
        match entity.kind {
            DeclKind::Policy => usage.managed_policy_size = usage.managed_policy_size.max(size),
            DeclKind::Role => {
                usage.role_inline_size = usage.role_inline_size.max(size);
                usage.role_managed_policies = usage.role_managed_policies.max(attached);
            }
            DeclKind::Group => {
                usage.group_inline_size = usage.group_inline_size.max(size);
                usage.group_managed_policies = usage.group_managed_policies.max(attached);
            }
            DeclKind::User => {
                usage.user_inline_size = usage.user_inline_size.max(size);
                usage.user_managed_policies = usage.user_managed_policies.max(attached);
                usage.groups_per_user = usage.groups_per_user.max(entity.groups.len());
            }
        }
        if let Some(trust) = &entity.trust {
            usage.trust_policy_size = usage.trust_policy_size.max(canonical_size(trust));
        }
    }
    usage
}

/// Each resource policy against its service's size quota (the kind's row says where AWS
/// documents it), measured on the compact JSON iamdsl sends.
fn resource_policy_violations(model: &Model, quotas: &Quotas) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for resource in &model.resources {
        let Some(policy) = &resource.policy else {
            continue;
        };
        let setting = resource.kind.quota_setting;
        let limit = quotas.setting(setting).unwrap_or(resource.kind.quota);
        let size = canonical_size(policy);
        if size > limit {
            diagnostics.push(
                Diagnostic::error(
                    codes::POLICY_TOO_LARGE,
                    format!(
                        "the {} of `{}` is {size} characters, over the quota of {limit}",
                        resource.kind.label, resource.ident
                    ),
                )
                .at(
                    resource.origin.file,
                    resource.origin.span,
                    format!("{size} > {limit} ({})", resource.kind.quota_source),
                )
                .with_help("merge statements (one statement may list several principals), or grant by account or organization instead of by role"),
            );
        }
    }
    diagnostics
}
