//! `trust { … }`: who may assume a role, with the right STS action per kind of principal.

use std::collections::BTreeSet;

use iamdsl_diagnostics::{codes, Diagnostic, Span};
use iamdsl_policy::{ActionBlock, Conditions, Effect, NameSet, Principals, Statement};
use iamdsl_syntax::ast::{
    NameOrString, Principal, Spanned, StringLit, Target, TrustBlock, TrustEntry,
};

use super::{Lowerer, Scope, Within};
use crate::lints::DeclaredTrust;
use crate::model::origin;
use crate::resolve::SymbolKind;

impl Lowerer<'_> {
    pub fn lower_trust(&mut self, scope: &Scope, trust: &TrustBlock) -> Vec<Statement> {
        let mut statements = Vec::new();
        for entry in &trust.entries {
            let mut scope = scope.clone();
            scope
                .allowed
                .extend(self.allowed(scope.file, &entry.prefix));
            if let Some(statement) = self.lower_trust_entry(&scope, entry) {
                statements.push(statement);
            }
        }
        statements
    }

    fn lower_trust_entry(&mut self, scope: &Scope, entry: &TrustEntry) -> Option<Statement> {
        let partition = self.config.partition().to_string();
        let mut provider = None;
        // (principal kind, value, action, account of the principal when it is an AWS one)
        let (kind, value, action, principal_account): (&str, String, &str, Option<String>) =
            match &entry.principal {
                Principal::Star(loc) => {
                    self.report(
                    Some(scope),
                    Diagnostic::error(codes::WILDCARD_PRINCIPAL, format!("role `{}` would trust everyone", scope.owner))
                        .at(scope.file, loc.span(), "`*` as a trusted principal")
                        .with_help("name the services, accounts, roles or identity providers that may assume it"),
                );
                    return None;
                }
                Principal::Org(org) => {
                    let span = match org {
                        NameOrString::Name(ident) => ident.span(),
                        NameOrString::String(lit) => lit.span(),
                    };
                    self.report(
                        Some(scope),
                        Diagnostic::error(codes::INVALID_PRINCIPAL, format!("role `{}` cannot trust a whole organization", scope.owner))
                            .at(scope.file, span, "`org` in a trust policy")
                            .with_help("trust the accounts that assume it (`account NAME`), with `when org == \"o-…\"`; `org` names principals in a resource's policy"),
                    );
                    return None;
                }
                Principal::Service(name) => {
                    let host = self.service_principal(scope, name)?;
                    ("Service", host, "sts:AssumeRole", None)
                }
                Principal::Account(account) => {
                    let (id, span) = self.account_id(scope, account)?;
                    let _ = span;
                    (
                        "AWS",
                        format!("arn:{partition}:iam::{id}:root"),
                        "sts:AssumeRole",
                        Some(id),
                    )
                }
                Principal::Role(target) | Principal::User(target) => {
                    let want = if matches!(entry.principal, Principal::Role(_)) {
                        SymbolKind::Role
                    } else {
                        SymbolKind::User
                    };
                    let word = if want == SymbolKind::Role {
                        "role"
                    } else {
                        "user"
                    };
                    match target {
                        Target::Named(ident) => {
                            let decl = self.resolve(Some(scope), scope.file, ident, &[want])?;
                            let account = self.account_of(&decl)?;
                            let arn = self.entity_arn(&ident.name)?;
                            self.deferred.declared.push(DeclaredTrust {
                                role: scope.owner.clone(),
                                principal: ident.name.clone(),
                                file: scope.file,
                                span: entry.loc.span(),
                                allowed: scope.allowed.clone(),
                                uses: scope.uses.clone(),
                            });
                            ("AWS", arn, "sts:AssumeRole", Some(account.id))
                        }
                        Target::Arn(lit) => {
                            let (arn, account) = self.principal_arn(scope, lit, word)?;
                            ("AWS", arn, "sts:AssumeRole", account)
                        }
                    }
                }
                Principal::Saml(provider_ref) => {
                    let (arn, span) = self.name_or_string(scope, provider_ref)?;
                    let valid = arn.starts_with("arn:") && arn.contains(":saml-provider/");
                    if !valid || !self.check_arn(scope, &arn, span) {
                        if !valid {
                            self.report(
                                Some(scope),
                                Diagnostic::error(
                                    codes::INVALID_PRINCIPAL,
                                    format!("`{arn}` is not a SAML provider ARN"),
                                )
                                .at(
                                    scope.file,
                                    span,
                                    "expected `arn:aws:iam::ACCOUNT:saml-provider/NAME`",
                                ),
                            );
                        }
                        return None;
                    }
                    provider = Some((arn.clone(), false));
                    ("Federated", arn, "sts:AssumeRoleWithSAML", None)
                }
                Principal::Oidc(provider_ref) => {
                    let (text, span) = self.name_or_string(scope, provider_ref)?;
                    let (arn, host) = if let Some(host) = text
                        .split(":oidc-provider/")
                        .nth(1)
                        .filter(|_| text.starts_with("arn:"))
                    {
                        (text.clone(), host.to_string())
                    } else {
                        (
                            format!(
                                "arn:{partition}:iam::{}:oidc-provider/{text}",
                                scope.account.id
                            ),
                            text.clone(),
                        )
                    };
                    let host_ok = !host.is_empty()
                        && !host.contains("://")
                        && host
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || ".-_/:".contains(c));
                    if !host_ok {
                        self.report(
                        Some(scope),
                        Diagnostic::error(codes::INVALID_PRINCIPAL, format!("`{text}` is not an OIDC provider"))
                            .at(scope.file, span, "expected the provider's host, such as \"token.actions.githubusercontent.com\"")
                            .with_help("write the host without `https://`, or the provider's full ARN"),
                    );
                        return None;
                    }
                    provider = Some((host, true));
                    ("Federated", arn, "sts:AssumeRoleWithWebIdentity", None)
                }
            };
        let mut entry_scope = scope.clone();
        if let Some(provider) = provider {
            entry_scope.within = Within::Provider(provider);
        }
        let services: BTreeSet<String> = BTreeSet::from(["sts".to_string()]);
        let condition =
            self.lower_condition(&entry_scope, entry.condition.as_ref(), Some(&services));
        if let Some(account) = principal_account.filter(|a| *a != scope.account.id) {
            self.check_cross_account_guard(
                scope,
                &scope.owner,
                entry.loc.span(),
                &account,
                &condition,
                "require `external_id == \"…\"` (third parties), `mfa` (people) or `org == \"o-…\"` (your organization)".to_string(),
            );
        }
        if let Some((host, true)) = entry_scope.provider() {
            // Without a condition on the subject, every identity the provider issues tokens for
            // (every repository on GitHub) may assume the role.
            let subject = condition
                .0
                .iter()
                .filter(|(operator, _)| matches!(operator.as_str(), "StringEquals" | "StringLike"))
                .flat_map(|(_, keys)| keys.keys())
                .any(|key| key.to_ascii_lowercase().ends_with(":sub"));
            if !subject {
                self.lint(
                    scope,
                    Diagnostic::warning(codes::UNGUARDED_OIDC_TRUST, format!("role `{}` trusts every identity of `{host}`", scope.owner))
                        .at(scope.file, entry.loc.span(), "no condition on the token's subject")
                        .with_help("add `when sub == \"…\"` (for GitHub: `sub like \"repo:ORG/REPO:ref:refs/heads/main\"`)"),
                );
            }
        }
        let mut actions = NameSet::from([action.to_string()]);
        if entry.tag_session {
            actions.insert("sts:TagSession".to_string());
        }
        let mut principals = Principals::default();
        principals
            .0
            .insert(kind.to_string(), NameSet::from([value]));
        Some(Statement {
            sid: None,
            effect: Effect::Allow,
            principal: Some(principals),
            action: ActionBlock::Action(actions),
            resource: None,
            condition,
            origins: vec![origin(scope.file, entry.loc.span())],
        })
    }

    /// `unguarded_cross_account_trust`, for an entry written in `trust` or added by `assume`;
    /// `help` shows the guarded form of what was written.
    pub(crate) fn check_cross_account_guard(
        &mut self,
        scope: &Scope,
        role: &str,
        span: Span,
        account: &str,
        condition: &Conditions,
        help: String,
    ) {
        // Only conditions that require something count: `!=`, `not exists` and IfExists do not.
        let guarded = condition
            .0
            .iter()
            .filter(|(operator, _)| {
                matches!(operator.as_str(), "StringEquals" | "StringLike" | "Bool")
            })
            .flat_map(|(_, keys)| keys.keys())
            .any(|key| {
                [
                    "sts:ExternalId",
                    "aws:MultiFactorAuthPresent",
                    "aws:PrincipalOrgID",
                    "aws:PrincipalOrgPaths",
                ]
                .iter()
                .any(|guard| key.eq_ignore_ascii_case(guard))
            });
        if !guarded {
            self.lint(
                scope,
                Diagnostic::warning(
                    codes::UNGUARDED_CROSS_ACCOUNT_TRUST,
                    format!("role `{role}` trusts account {account} with no condition"),
                )
                .at(scope.file, span, "cross-account trust")
                .with_help(help),
            );
        }
    }

    /// `service ec2` → `ec2.amazonaws.com`, checked.
    pub(crate) fn service_principal(
        &mut self,
        scope: &Scope,
        name: &Spanned<String>,
    ) -> Option<String> {
        let host = if name.node.contains('.') {
            name.node.clone()
        } else {
            format!("{}.amazonaws.com", name.node)
        };
        let valid = (host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn"))
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && !host.starts_with('.');
        if !valid {
            self.report(
                Some(scope),
                Diagnostic::error(
                    codes::INVALID_PRINCIPAL,
                    format!("`{}` is not an AWS service principal", name.node),
                )
                .at(
                    scope.file,
                    name.span(),
                    "service principals end in `.amazonaws.com`",
                )
                .with_help("write `service ec2` or `service \"ecs-tasks.amazonaws.com\"`"),
            );
            return None;
        }
        Some(host)
    }

    /// `role arn("…")`, `user arn("…")`: the ARN of one principal of that kind (`word`), and its
    /// account.
    pub(crate) fn principal_arn(
        &mut self,
        scope: &Scope,
        lit: &StringLit,
        word: &str,
    ) -> Option<(String, Option<String>)> {
        let arn = self.eval_string(scope, lit)?;
        if !self.check_arn(scope, &arn, lit.span()) {
            return None;
        }
        if arn.contains(['*', '?']) {
            self.report(
                Some(scope),
                Diagnostic::error(codes::WILDCARD_PRINCIPAL, format!("`{arn}` is a pattern; a principal is one {word}"))
                    .at(scope.file, lit.span(), "a wildcard in a principal")
                    .with_help("AWS does not accept wildcards in principal ARNs: name the principal, or the account with a condition"),
            );
            return None;
        }
        if !arn.contains(&format!(":{word}/")) {
            self.report(
                Some(scope),
                Diagnostic::error(
                    codes::INVALID_PRINCIPAL,
                    format!("`{arn}` is not the ARN of a {word}"),
                )
                .at(
                    scope.file,
                    lit.span(),
                    format!("expected `arn:aws:iam::ACCOUNT:{word}/NAME`"),
                ),
            );
            return None;
        }
        let account = arn.split(':').nth(4).map(str::to_string);
        Some((arn, account))
    }

    pub(crate) fn account_id(
        &mut self,
        scope: &Scope,
        account: &NameOrString,
    ) -> Option<(String, Span)> {
        match account {
            NameOrString::Name(ident) => {
                let decl = self.resolve(Some(scope), scope.file, ident, &[SymbolKind::Account])?;
                let id = self.names.accounts.get(&decl.name.name)?.id.clone();
                Some((id, ident.span()))
            }
            NameOrString::String(lit) => {
                let id = self.eval_string(scope, lit)?;
                if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                    self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::INVALID_ACCOUNT_ID,
                            format!("`{id}` is not an AWS account id"),
                        )
                        .at(
                            scope.file,
                            lit.span(),
                            "an account id is exactly 12 digits",
                        ),
                    );
                    return None;
                }
                Some((id, lit.span()))
            }
        }
    }

    pub(crate) fn name_or_string(
        &mut self,
        scope: &Scope,
        value: &NameOrString,
    ) -> Option<(String, Span)> {
        match value {
            NameOrString::String(lit) => Some((self.eval_string(scope, lit)?, lit.span())),
            NameOrString::Name(ident) => {
                let value = self.lookup_value(scope, ident)?;
                let text = self.val_text(&value)?;
                Some((text, ident.span()))
            }
        }
    }
}
