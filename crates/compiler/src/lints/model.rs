//! The lints judged on the whole project, after lowering: declarations nothing uses, and trust
//! entries whose principal has no permission to use them.

use std::collections::BTreeSet;

use iamdsl_diagnostics::{codes, Diagnostic, FileId, Span};
use iamdsl_policy::{ActionBlock, Effect, PolicyDocument, ResourceBlock};

use super::{emit, Site};
use crate::config::Config;
use crate::model::{DeclKind, Model};
use crate::resolve::{Names, SymbolKind};

/// `trust { role X }` or `trust { user X }` in role `role`, for `half_configured_assume`.
#[derive(Debug, Clone)]
pub(crate) struct DeclaredTrust {
    pub role: String,
    pub principal: String,
    pub file: FileId,
    /// The trust entry.
    pub span: Span,
    /// Lints silenced around the entry, and the `use` sites it was written through.
    pub allowed: Vec<String>,
    pub uses: Vec<(FileId, Span, String)>,
}

/// `unused`: a policy, `let`, template or account (other than the default) that lowering never
/// resolved a name to. `allowed` gives the lints silenced on a declaration (its attributes).
pub(crate) fn unused(
    names: &Names<'_>,
    used: &BTreeSet<String>,
    config: &Config,
    allowed: &mut dyn FnMut(&iamdsl_syntax::ast::Prefix, FileId) -> Vec<String>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (name, decl) in &names.decls {
        let counts = match decl.kind {
            SymbolKind::Policy | SymbolKind::Let | SymbolKind::Template => true,
            SymbolKind::Account => names.accounts.default.as_deref() != Some(name),
            _ => false,
        };
        if !counts || used.contains(name) {
            continue;
        }
        let what = match decl.kind {
            SymbolKind::Let => "`let` value",
            kind => kind.keyword(),
        };
        let silenced = allowed(&decl.item.prefix, decl.file);
        let site = Site {
            allowed: &silenced,
            uses: &[],
        };
        out.extend(emit(
            config,
            &site,
            Diagnostic::warning(codes::UNUSED, format!("{what} `{name}` is never used"))
                .at(decl.file, decl.name.span(), "declared here, used nowhere")
                .with_help("remove it, or use it"),
        ));
    }
    out
}

/// `half_configured_assume`: a role trusts a declared user or role that has no permission to
/// assume it (`assume` writes both halves; a hand-written trust entry writes only one).
pub(crate) fn half_configured_assume(
    model: &Model,
    declared: &[DeclaredTrust],
    config: &Config,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let partition = model.partition.clone();
    'trusts: for trust in declared {
        let (Some(role), Some(principal)) = (
            model
                .entities
                .iter()
                .find(|e| e.kind == DeclKind::Role && e.ident == trust.role),
            model.entities.iter().find(|e| {
                matches!(e.kind, DeclKind::User | DeclKind::Role) && e.ident == trust.principal
            }),
        ) else {
            continue;
        };
        let role_arn = role.arn(&partition);
        // The principal's documents: its own, its groups', and the managed policies attached.
        let mut documents = vec![&principal.document];
        let mut attached: Vec<&String> = principal.managed.iter().collect();
        for group in model.entities.iter().filter(|e| {
            e.kind == DeclKind::Group
                && e.account.id == principal.account.id
                && principal.groups.contains(&e.name)
        }) {
            documents.push(&group.document);
            attached.extend(group.managed.iter());
        }
        // An AWS managed policy that iamdsl does not hold may grant it.
        let mut aws_documents = Vec::new();
        for arn in attached
            .iter()
            .filter(|arn| arn.contains(":iam::aws:policy/"))
        {
            match iamdsl_policy::access::aws_managed_policy(arn) {
                Some((document, _)) => aws_documents.push(document),
                None => continue 'trusts,
            }
        }
        documents.extend(aws_documents);
        for arn in attached {
            if let Some(policy) = model
                .entities
                .iter()
                .find(|e| e.kind == DeclKind::Policy && &e.arn(&partition) == arn)
            {
                documents.push(&policy.document);
            }
        }
        if documents.iter().any(|d| grants_assume(d, &role_arn)) {
            continue;
        }
        let kind = principal.kind.keyword();
        let site = Site {
            allowed: &trust.allowed,
            uses: &trust.uses,
        };
        out.extend(emit(
                config,
                &site,
                Diagnostic::warning(
                    codes::HALF_CONFIGURED_ASSUME,
                    format!(
                        "role `{}` trusts {kind} `{}`, which may not assume it",
                        trust.role, trust.principal
                    ),
                )
                .at(trust.file, trust.span, "the trust half only")
                .with_help(format!(
                    "give {kind} `{}` the permission: `assume {}` in it (this trust entry, with its conditions, stays the trust half)",
                    trust.principal, trust.role
                )),
            ));
    }
    out
}

/// Whether a document allows `sts:AssumeRole` on `role_arn` (conditions aside).
pub(crate) fn grants_assume(document: &PolicyDocument, role_arn: &str) -> bool {
    use iamdsl_catalog::wildcard::matches;
    document.statements.iter().any(|statement| {
        if statement.effect != Effect::Allow {
            return false;
        }
        let action = match &statement.action {
            ActionBlock::Action(set) => set.iter().any(|a| matches(a, "sts:AssumeRole", true)),
            // Not worth proving; do not warn on what may be granted.
            ActionBlock::NotAction(_) => true,
        };
        let resource = match &statement.resource {
            Some(ResourceBlock::Resource(set)) => set.iter().any(|r| matches(r, role_arn, false)),
            _ => true,
        };
        action && resource
    })
}
