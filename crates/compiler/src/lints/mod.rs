//! Lints: warnings with a name, silenced by `#[allow(name)]` and set to `allow`, `warn` or
//! `deny` under `[lints]` in iamdsl.toml. [`LINTS`] lists every one, with where it is judged.
//! Each lint's check is written once. Those about a statement as written are judged by lowering
//! as it meets the statement (they need its source shape and the catalog's expansion of it,
//! which the model no longer has); those about the whole project are judged here, after
//! lowering, over the model and the names table. Every lint is reported through [`emit`].

mod model;
mod resources;

use iamdsl_diagnostics::{codes, suggest, Diagnostic, FileId, Severity, Span};
use iamdsl_syntax::ast::Prefix;

use crate::config::{Config, LintLevel};

pub(crate) use model::{grants_assume, half_configured_assume, unused, DeclaredTrust};
pub(crate) use resources::one_sided_grants;

/// When a lint is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judged {
    /// As lowering meets the statement (or trust entry, or resource) it is about.
    Statement,
    /// After lowering, over the model and the names table.
    Project,
    /// While expectations are evaluated.
    Expectation,
}

/// A lint: its code (whose name and summary are in [`codes::CODES`]), its level when
/// iamdsl.toml says nothing, and when it is judged.
#[derive(Debug, Clone, Copy)]
pub struct Lint {
    pub code: &'static str,
    pub default: LintLevel,
    pub judged: Judged,
}

const fn lint(code: &'static str, judged: Judged) -> Lint {
    Lint {
        code,
        default: LintLevel::Warn,
        judged,
    }
}

/// Every lint.
pub const LINTS: &[Lint] = &[
    lint(codes::WILDCARD_ACTION, Judged::Statement),
    lint(codes::WILDCARD_RESOURCE, Judged::Statement),
    lint(codes::PRIVILEGE_ESCALATION, Judged::Statement),
    lint(codes::UNGUARDED_CROSS_ACCOUNT_TRUST, Judged::Statement),
    lint(codes::USER_POLICY, Judged::Statement),
    lint(codes::ADMIN_WITHOUT_MFA, Judged::Statement),
    lint(codes::UNUSED, Judged::Project),
    lint(codes::IMPLICIT_REGION, Judged::Statement),
    lint(codes::EXPIRED_GRANT, Judged::Statement),
    lint(codes::HALF_CONFIGURED_ASSUME, Judged::Project),
    lint(codes::MULTIVALUED_KEY, Judged::Statement),
    lint(codes::UNCHECKED_EXPECTATION, Judged::Expectation),
    lint(codes::UNGUARDED_OIDC_TRUST, Judged::Statement),
    lint(codes::UNCATALOGUED, Judged::Statement),
    lint(codes::RETIRED_MANAGED_POLICY, Judged::Statement),
    lint(codes::UNLISTED_MANAGED_POLICY, Judged::Statement),
    lint(codes::ACCEPTED_BY_AWS, Judged::Statement),
    // A public resource is an error unless `#[allow(public_resource_policy)]` says it is meant.
    Lint {
        code: codes::PUBLIC_RESOURCE_POLICY,
        default: LintLevel::Deny,
        judged: Judged::Statement,
    },
    lint(codes::CONFUSED_DEPUTY, Judged::Statement),
    lint(codes::ONE_SIDED_GRANT, Judged::Project),
];

/// Where a lint fires: the lints `#[allow(…)]` silences there, and the `use` sites (file, span,
/// template) it was reached through, innermost last.
pub(crate) struct Site<'s> {
    pub allowed: &'s [String],
    pub uses: &'s [(FileId, Span, String)],
}

/// The lint as reported at `site`, or nothing when it is silenced there or turned off for the
/// project; `deny` in iamdsl.toml makes it an error.
pub(crate) fn emit(
    config: &Config,
    site: &Site<'_>,
    mut diagnostic: Diagnostic,
) -> Option<Diagnostic> {
    let lint = LINTS.iter().find(|l| l.code == diagnostic.code)?;
    let name = codes::lookup(lint.code)?.name;
    if site.allowed.iter().any(|a| a == name) {
        return None;
    }
    let level = config.lints.get(name).copied().unwrap_or(lint.default);
    diagnostic.severity = match level {
        LintLevel::Allow => return None,
        LintLevel::Deny => Severity::Error,
        LintLevel::Warn => Severity::Warning,
    };
    diagnostic = diagnostic.with_note(format!(
        "`#[allow({name})]` silences this where it is intended"
    ));
    Some(with_use_labels(diagnostic, site.uses))
}

/// A label at each `use` site a diagnostic was reached through, innermost first.
pub(crate) fn with_use_labels(
    mut diagnostic: Diagnostic,
    uses: &[(FileId, Span, String)],
) -> Diagnostic {
    for (file, span, template) in uses.iter().rev() {
        diagnostic = diagnostic.with_label(*file, *span, format!("in this use of `{template}`"));
    }
    diagnostic
}

/// The lints named in `#[allow(…)]` attributes; unknown attributes and lints are reported.
pub(crate) fn allowed_by(
    prefix: &Prefix,
    file: FileId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut names = Vec::new();
    for attr in &prefix.attrs {
        if attr.name.name == "verbatim" && attr.args.is_empty() {
            continue;
        }
        if attr.name.name != "allow" {
            diagnostics.push(
                Diagnostic::warning(
                    codes::UNKNOWN_LINT,
                    format!("unknown attribute `{}`", attr.name.name),
                )
                .at(
                    file,
                    attr.name.span(),
                    "only `allow` and `verbatim` are known",
                )
                .with_help("write `#[allow(lint_name)]`, or `#[verbatim]` before a permission"),
            );
            continue;
        }
        for arg in &attr.args {
            if codes::lint_by_name(&arg.name).is_none() {
                let lints: Vec<&str> = codes::lint_names().collect();
                let mut diagnostic = Diagnostic::warning(
                    codes::UNKNOWN_LINT,
                    format!("unknown lint `{}`", arg.name),
                )
                .at(file, arg.span(), "no lint has this name");
                diagnostic = match suggest::closest(&arg.name, lints.iter().copied()) {
                    Some(close) => diagnostic.with_suggestion(file, arg.span(), close),
                    None => diagnostic.with_help(format!("the lints are {}", lints.join(", "))),
                };
                diagnostics.push(diagnostic);
            }
            names.push(arg.name.clone());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table and the codes agree: every lint code is listed once, and nothing else is.
    #[test]
    fn every_lint_code_is_in_the_table_once() {
        let mut listed: Vec<&str> = LINTS.iter().map(|l| l.code).collect();
        listed.sort_unstable();
        let count = listed.len();
        listed.dedup();
        assert_eq!(listed.len(), count, "a lint listed twice");
        let mut coded: Vec<&str> = codes::CODES
            .iter()
            .filter(|c| codes::is_lint(c.code))
            .map(|c| c.code)
            .collect();
        coded.sort_unstable();
        assert_eq!(listed, coded);
    }
}
