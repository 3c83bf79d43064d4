//! `attach aws "NAME"` and `boundary aws "NAME"`: the name (with its path, `service-role/…`) or
//! the ARN of an AWS managed policy, checked against the policies AWS publishes
//! (`iamdsl_catalog::managed`), and written as the policy's real ARN.

use iamdsl_catalog::managed::{managed_policies, ManagedPolicy};
use iamdsl_diagnostics::{codes, suggest, Diagnostic};
use iamdsl_syntax::ast::StringLit;

use super::{Lowerer, Scope};

/// The path of the policies AWS attaches to service-linked roles itself: nobody else may attach
/// them (<https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html>).
const SERVICE_LINKED: &str = "/aws-service-role/";

impl Lowerer<'_> {
    pub(super) fn aws_managed_arn(&mut self, scope: &Scope, lit: &StringLit) -> Option<String> {
        let written = self.eval_string(scope, lit)?;
        let span = lit.span();
        let policies = managed_policies();
        let partition = self.config.partition();
        let found = if written.starts_with("arn:") {
            match policies.by_arn(&written) {
                Some(policy) => policy,
                // An AWS managed policy's ARN that the data does not list: AWS may have
                // published it since, so it is taken (import writes such ARNs), with a warning.
                None if iamdsl_catalog::facts::arn_problem(&written).is_none()
                    && written.split(':').nth(4) == Some("aws")
                    && written
                        .split(':')
                        .nth(5)
                        .is_some_and(|r| r.starts_with("policy/")) =>
                {
                    let mut diagnostic = Diagnostic::warning(
                        codes::UNLISTED_MANAGED_POLICY,
                        format!("iamdsl's data of AWS managed policies does not list `{written}`"),
                    )
                    .at(scope.file, span, "not in iamdsl's data")
                    .with_note(format!(
                        "if AWS published it after the data ({}), it is right, but its document is unknown to `explain` and `expect`; otherwise check its path and name",
                        policies.source()
                    ));
                    let name = written.rsplit('/').next().unwrap_or_default();
                    if let Some(close) = closest(name) {
                        diagnostic = diagnostic.with_suggestion(
                            scope.file,
                            span,
                            format!("\"{}\"", close.arn(partition)),
                        );
                    }
                    self.lint(scope, diagnostic);
                    return Some(written);
                }
                None => {
                    self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::UNKNOWN_MANAGED_POLICY,
                            format!("`{written}` is not the ARN of an AWS managed policy"),
                        )
                        .at(scope.file, span, "no such AWS managed policy")
                        .with_help("`attach aws` takes AWS's own policies (`arn:aws:iam::aws:policy/…`); declare a policy of your account with `policy NAME { … }` and attach it by name"),
                    );
                    return None;
                }
            }
        } else {
            let name = written.trim_matches('/');
            match policies.get(name) {
                Some(policy) => policy,
                None => {
                    let with_path = policies.by_bare_name(name);
                    let label = if with_path.is_empty() {
                        "AWS publishes no policy of this name"
                    } else {
                        "AWS files a policy of this name under a path, which is part of its name"
                    };
                    let mut diagnostic = Diagnostic::error(
                        codes::UNKNOWN_MANAGED_POLICY,
                        format!("`{name}` is not an AWS managed policy"),
                    )
                    .at(scope.file, span, label);
                    diagnostic = match with_path.as_slice() {
                        // The name is right; AWS files the policy under a path, which is part of
                        // its name.
                        [policy] => diagnostic.with_suggestion(
                            scope.file,
                            span,
                            format!("\"{}\"", path_and_name(policy)),
                        ),
                        _ => match closest(name) {
                            Some(close) => diagnostic.with_suggestion(
                                scope.file,
                                span,
                                format!("\"{}\"", path_and_name(close)),
                            ),
                            None => diagnostic
                                .with_help("`iamdsl catalog aws` lists the AWS managed policies"),
                        },
                    };
                    self.report(Some(scope), diagnostic);
                    return None;
                }
            }
        };
        if found.path() == SERVICE_LINKED {
            self.report(
                Some(scope),
                Diagnostic::error(
                    codes::SERVICE_LINKED_POLICY,
                    format!("`{}` is the policy of a service-linked role", found.name()),
                )
                .at(scope.file, span, "AWS attaches it to its own roles only")
                .with_help("AWS refuses to attach it to a user, group or role of yours: grant what it grants in a policy of your own"),
            );
            return None;
        }
        if found.retired() {
            self.lint(
                scope,
                Diagnostic::warning(
                    codes::RETIRED_MANAGED_POLICY,
                    format!("AWS has retired the managed policy `{}`", found.name()),
                )
                .at(scope.file, span, "retired by AWS")
                .with_help("AWS no longer lets it be attached anew: grant what is needed with a current policy or one of your own"),
            );
        }
        Some(found.arn(partition))
    }
}

/// "service-role/AWSLambdaBasicExecutionRole": how a policy with a path is written.
fn path_and_name(policy: &ManagedPolicy) -> String {
    format!("{}{}", policy.path().trim_start_matches('/'), policy.name())
}

/// The AWS managed policy whose name is closest to `name`.
fn closest(name: &str) -> Option<&'static ManagedPolicy> {
    let policies = managed_policies();
    let close = suggest::closest(name, policies.iter().map(ManagedPolicy::name))?;
    policies.iter().find(|p| p.name() == close)
}
