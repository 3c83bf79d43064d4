//! `resource NAME = s3.bucket(…) { … }`: a resource with a policy of its own, in the account
//! that owns it. Its statements are permissions with `to PRINCIPALS`, lowered by the same code
//! as identity permissions (intents, `except`, conditions, `until`, templates) against the
//! resource itself; what differs per service is a row of `iamdsl_catalog::resource_policies`.
//!
//! A permission of a user, group or role `on NAME` of a declared resource writes the other half
//! too, where AWS needs it (as `assume` does for trust): a statement naming the principal in the
//! resource's policy when the resource is in another account (both must allow: "Cross-account
//! policy evaluation logic", IAM User Guide) or its policy must allow even within the account
//! (a KMS key policy).

use std::collections::{BTreeMap, BTreeSet};

use iamdsl_catalog::resource_policies::{
    resource_policy_kind, ResourceElement, ResourcePolicyKind, RESOURCE_POLICY_KINDS,
};
use iamdsl_catalog::wildcard::matches;
use iamdsl_diagnostics::{codes, suggest, Diagnostic, FileId, Span};
use iamdsl_policy::{
    ActionBlock, Effect, NameSet, PolicyDocument, Principals, ResourceBlock, Statement,
};
use iamdsl_syntax::ast::{self, ItemKind, Permission, Principal, Stmt, Target};

use super::permissions::Resolved;
use super::{Lowerer, Scope, Within};
use crate::model::{origin, Account, Entity, Resource};
use crate::resolve::{Decl, SymbolKind};

/// A declared resource, known before any policy is lowered: `on NAME` anywhere needs it.
#[derive(Debug, Clone)]
pub(crate) struct ResourceTarget {
    pub kind: &'static ResourcePolicyKind,
    pub name: String,
    pub arn: String,
    pub account: Account,
    /// The resource and what its policy may name besides it (a bucket's objects), as `on`
    /// would resolve them.
    pub covered: Vec<Resolved>,
}

/// A statement for a resource's policy written by a grant elsewhere (`allow … on NAME`).
#[derive(Debug, Clone)]
pub(crate) struct PendingHalf {
    pub statement: Statement,
}

/// Condition keys that narrow `"Principal": "*"` to known callers, as S3 judges a bucket policy
/// public ("The meaning of public", Amazon S3 User Guide:
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status>).
const NARROWING_KEYS: &[&str] = &[
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceIp",
    "aws:userid",
];

/// What a service principal should be tested on, so that another account's use of the same
/// service cannot reach the resource ("The confused deputy problem", IAM User Guide:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html>).
const DEPUTY_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
];

fn tests_any(statement: &Statement, keys: &[&str]) -> bool {
    statement.condition.0.iter().any(|(operator, tested)| {
        // A negated test or `…IfExists` lets a request without the key through.
        !operator.contains("Not")
            && !operator.ends_with("IfExists")
            && operator != "Null"
            && tested
                .keys()
                .any(|key| keys.iter().any(|k| key.eq_ignore_ascii_case(k)))
    })
}

impl<'a> Lowerer<'a> {
    /// Every `resource` declaration's kind, ARN and account.
    pub(super) fn declare_resources(&mut self) {
        let decls: Vec<Decl<'a>> = self
            .names
            .decls
            .values()
            .filter(|d| d.kind == SymbolKind::Resource)
            .copied()
            .collect();
        for decl in decls {
            if let Some(target) = self.declare_resource(&decl) {
                self.deferred
                    .resources
                    .insert(decl.name.name.clone(), target);
            }
        }
    }

    fn resource_scope(&mut self, decl: &Decl<'a>, account: Account) -> Scope {
        Scope {
            file: decl.file,
            owner: decl.name.name.clone(),
            owner_kind: SymbolKind::Resource,
            account,
            allowed: self.allowed(decl.file, &decl.item.prefix),
            params: BTreeMap::new(),
            uses: Vec::new(),
            within: Within::Statement,
        }
    }

    fn declare_resource(&mut self, decl: &Decl<'a>) -> Option<ResourceTarget> {
        let ItemKind::Resource(resource) = &decl.item.kind else {
            return None;
        };
        let account = self.account_of(decl)?;
        let scope = self.resource_scope(decl, account.clone());
        let c = &resource.constructor;
        let Some(kind) = resource_policy_kind(&c.service.name, &c.resource_type.name) else {
            let kinds: Vec<String> = RESOURCE_POLICY_KINDS.iter().map(|k| k.key()).collect();
            let written = format!("{}.{}", c.service.name, c.resource_type.name);
            let span = c.service.span().to(c.resource_type.span());
            let mut diagnostic = Diagnostic::error(
                codes::NOT_A_POLICY_RESOURCE,
                format!("`{written}` is not a resource iamdsl writes a policy for"),
            )
            .at(scope.file, span, "no policy of its own");
            diagnostic = match suggest::closest(&written, kinds.iter().map(String::as_str)) {
                Some(close) => diagnostic.with_suggestion(scope.file, span, close),
                None => diagnostic.with_help(format!(
                    "the resources with policies are {}; grant access to others in identity policies (`allow … on {written}(…)`)",
                    kinds.join(", ")
                )),
            };
            self.report(Some(&scope), diagnostic);
            return None;
        };
        let resolved = self.resolve_constructor(&scope, c)?;
        if resolved.arn.contains(['*', '?']) {
            self.report(
                Some(&scope),
                Diagnostic::error(
                    codes::RESOURCE_NOT_CONCRETE,
                    format!("`{}` is a pattern, not one resource", resolved.arn),
                )
                .at(scope.file, c.loc.span(), "a declared resource is one resource")
                .with_help("give every part of its ARN: its name, and `region: \"eu-west-1\"` (or `region` under `[defaults]`)"),
            );
            return None;
        }
        // A secret's real ARN has a suffix the source cannot know: the pattern stands for it.
        let mut resolved = resolved;
        resolved.arn.push_str(kind.arn_suffix);
        let first = c.args.iter().find(|a| a.name.is_none())?;
        let value = self.eval(&scope, &first.value)?;
        let name = self.val_text(&value)?;
        let mut covered = vec![resolved.clone()];
        for covers in kind.covers {
            let (service, resource_type) = resolved.types.first().copied()?;
            let _ = resource_type;
            let inner = service.resource_type_by_constructor(covers)?;
            covered.push(Resolved {
                arn: format!("{}/*", resolved.arn),
                types: vec![(service, inner)],
                span: resolved.span,
                star: false,
                describe: format!("{}.{covers}", service.prefix),
            });
        }
        Some(ResourceTarget {
            kind,
            name,
            arn: resolved.arn,
            account,
            covered,
        })
    }

    /// A declared resource with its policy, its statements lowered.
    pub(super) fn lower_resource(&mut self, decl: &Decl<'a>) -> Option<Resource> {
        let ItemKind::Resource(resource) = &decl.item.kind else {
            return None;
        };
        let target = self.deferred.resources.get(&decl.name.name).cloned()?;
        let scope = self.resource_scope(decl, target.account.clone());
        // The statements are lowered as a policy's are; only its document is kept.
        let mut holder = Entity::statement_holder(
            &decl.name.name,
            &target.name,
            target.account.clone(),
            origin(decl.file, decl.name.span()),
        );
        if let Some(body) = &resource.body {
            self.lower_statements(&scope, body, &mut holder);
        }
        Some(Resource {
            kind: target.kind,
            ident: decl.name.name.clone(),
            name: target.name,
            arn: target.arn,
            account: target.account,
            origin: origin(decl.file, decl.name.span()),
            policy: resource.body.as_ref().map(|_| holder.document),
        })
    }

    /// A permission in a resource's policy: lowered against the resource, then given its
    /// principals and the `Resource` element the service takes.
    pub(super) fn lower_resource_permission(
        &mut self,
        scope: &Scope,
        permission: &Permission,
        stmt: &Stmt,
    ) -> Vec<Statement> {
        let Some(target) = self.deferred.resources.get(&scope.owner).cloned() else {
            return Vec::new();
        };
        if permission.principals.is_empty() {
            self.report(
                Some(scope),
                Diagnostic::error(
                    codes::RESOURCE_STATEMENT_WITHOUT_PRINCIPAL,
                    format!("whom does this statement of the {} of `{}` let in?", target.kind.label, scope.owner),
                )
                .at(scope.file, stmt.loc.span(), "no `to …`")
                .with_help("name the principals: `to role auditor`, `to account audit`, `to service cloudtrail`"),
            );
            return Vec::new();
        }
        if permission.effect.node == ast::Effect::Deny && !target.kind.denies {
            self.report(
                Some(scope),
                Diagnostic::error(
                    codes::NOT_STORABLE,
                    format!("a {} holds allows only", target.kind.label),
                )
                .at(scope.file, permission.effect.loc.span(), "a `deny`")
                .with_help(format!("AWS adds each statement with `{}`, which has no deny; deny in the callers' identity policies instead", target.kind.write_api)),
            );
            return Vec::new();
        }
        let mut principals = Principals::default();
        let mut org_ids = NameSet::new();
        let mut services = false;
        let mut anyone = false;
        for principal in &permission.principals {
            match self.resource_principal(scope, &principal.node, principal.loc.span()) {
                Some(Named::Aws(value)) => {
                    anyone |= value == "*";
                    principals.0.entry("AWS".into()).or_default().insert(value);
                }
                Some(Named::Service(host)) => {
                    services = true;
                    principals
                        .0
                        .entry("Service".into())
                        .or_default()
                        .insert(host);
                }
                Some(Named::Org(id)) => {
                    principals
                        .0
                        .entry("AWS".into())
                        .or_default()
                        .insert("*".into());
                    org_ids.insert(id);
                }
                None => return Vec::new(),
            }
        }
        if !org_ids.is_empty() && principals.0.values().map(NameSet::len).sum::<usize>() > 1 {
            // `"*"` with a condition would narrow the other principals too.
            self.report(
                Some(scope),
                Diagnostic::error(
                    codes::WRONG_RESOURCE_PRINCIPAL,
                    "`org` stands alone in its statement",
                )
                .at(scope.file, stmt.loc.span(), "`org` with other principals")
                .with_help("write the organization's grant as a statement of its own"),
            );
            return Vec::new();
        }
        let mut statements = self.lower_permission(scope, permission, stmt);
        for statement in &mut statements {
            if !org_ids.is_empty() {
                statement.condition.insert(
                    "StringEquals",
                    "aws:PrincipalOrgID",
                    org_ids.iter().cloned(),
                );
            }
            statement.principal = Some(principals.clone());
            if !self.resource_element(scope, &target, permission, statement) {
                return Vec::new();
            }
            if statement.effect == Effect::Allow && anyone && !tests_any(statement, NARROWING_KEYS)
            {
                self.lint(
                    scope,
                    Diagnostic::error(
                        codes::PUBLIC_RESOURCE_POLICY,
                        format!("the {} of `{}` lets anyone in", target.kind.label, scope.owner),
                    )
                    .at(scope.file, stmt.loc.span(), "`to *` with no condition on who")
                    .with_help("narrow it: `when org == \"o-…\"`, `aws:SourceVpce == \"vpce-…\"`, `aws:PrincipalAccount == \"…\"`; if it is meant to be public, say so with `#[allow(public_resource_policy)]`"),
                );
            }
            if statement.effect == Effect::Allow && services && !tests_any(statement, DEPUTY_KEYS) {
                self.lint(
                    scope,
                    Diagnostic::warning(
                        codes::CONFUSED_DEPUTY,
                        format!("any account's use of the service may reach `{}`", scope.owner),
                    )
                    .at(scope.file, stmt.loc.span(), "a service principal without `aws:SourceArn` or `aws:SourceAccount`")
                    .with_help(format!("add `when aws:SourceAccount == \"{}\"` or `aws:SourceArn == \"…\"` (the resource of the service that calls)", target.account.id)),
                );
            }
        }
        statements
    }

    /// Checks that the statement names only the resource (and what it covers), and writes the
    /// `Resource` element as the service takes it. False when it reported an error.
    fn resource_element(
        &mut self,
        scope: &Scope,
        target: &ResourceTarget,
        permission: &Permission,
        statement: &mut Statement,
    ) -> bool {
        let explicit = !permission.resources.items.is_empty();
        let inside = |arn: &str| {
            arn == target.arn
                || (!target.kind.covers.is_empty()
                    && arn
                        .strip_prefix(target.arn.as_str())
                        .is_some_and(|rest| rest.starts_with('/')))
        };
        let outside: Vec<String> = match &statement.resource {
            Some(ResourceBlock::Resource(set)) => {
                set.iter().filter(|arn| !inside(arn)).cloned().collect()
            }
            Some(ResourceBlock::NotResource(_)) => vec!["* except …".into()],
            None => Vec::new(),
        };
        let named_itself = target.kind.resource_element != ResourceElement::Arn && explicit;
        if !outside.is_empty() || named_itself {
            let help = match target.kind.resource_element {
                ResourceElement::Arn if !target.kind.covers.is_empty() => format!(
                    "a {} names `{}` and what is in it (`{}/…`); leave out `on` for all of it",
                    target.kind.label, target.arn, target.arn
                ),
                ResourceElement::Arn => format!(
                    "a {} names `{}` only: leave out `on`",
                    target.kind.label, target.arn
                ),
                _ => format!(
                    "a {} is about its own resource: leave out `on`",
                    target.kind.label
                ),
            };
            self.report(
                Some(scope),
                Diagnostic::error(
                    codes::RESOURCE_OUTSIDE_POLICY,
                    match outside.first() {
                        Some(arn) => format!("`{arn}` is not `{}` or in it", target.arn),
                        None => format!(
                            "the {} of `{}` names its resource itself",
                            target.kind.label, scope.owner
                        ),
                    },
                )
                .at(
                    scope.file,
                    permission.resources.loc.span(),
                    format!(
                        "outside the resource the {} is attached to",
                        target.kind.label
                    ),
                )
                .with_help(help),
            );
            return false;
        }
        match target.kind.resource_element {
            ResourceElement::Arn => {}
            ResourceElement::Star => {
                statement.resource =
                    Some(ResourceBlock::Resource(NameSet::from(["*".to_string()])));
            }
            ResourceElement::Omitted => statement.resource = None,
        }
        true
    }

    /// One principal of a `to` list.
    fn resource_principal(
        &mut self,
        scope: &Scope,
        principal: &Principal,
        span: Span,
    ) -> Option<Named> {
        let partition = self.config.partition().to_string();
        match principal {
            Principal::Star(_) => Some(Named::Aws("*".into())),
            Principal::Service(name) => self.service_principal(scope, name).map(Named::Service),
            Principal::Account(account) => {
                let (id, _) = self.account_id(scope, account)?;
                Some(Named::Aws(format!("arn:{partition}:iam::{id}:root")))
            }
            Principal::Role(Target::Named(ident)) | Principal::User(Target::Named(ident)) => {
                let want = if matches!(principal, Principal::Role(_)) {
                    SymbolKind::Role
                } else {
                    SymbolKind::User
                };
                self.resolve(Some(scope), scope.file, ident, &[want])?;
                self.entity_arn(&ident.name).map(Named::Aws)
            }
            Principal::Role(Target::Arn(lit)) => self
                .principal_arn(scope, lit, "role")
                .map(|(arn, _)| Named::Aws(arn)),
            Principal::User(Target::Arn(lit)) => self
                .principal_arn(scope, lit, "user")
                .map(|(arn, _)| Named::Aws(arn)),
            Principal::Org(org) => {
                let (id, span) = self.name_or_string(scope, org)?;
                let valid = id.len() >= 12
                    && id.starts_with("o-")
                    && id[2..]
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
                if !valid {
                    self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            format!("`{id}` is not an organization id"),
                        )
                        .at(
                            scope.file,
                            span,
                            "expected `o-` and 10 to 32 lower-case letters or digits",
                        )
                        .with_help("find it with `aws organizations describe-organization`"),
                    );
                    return None;
                }
                Some(Named::Org(id))
            }
            Principal::Saml(_) | Principal::Oidc(_) => {
                self.report(
                    Some(scope),
                    Diagnostic::error(codes::WRONG_RESOURCE_PRINCIPAL, "an identity provider cannot be named in a resource's policy")
                        .at(scope.file, span, "a federated principal")
                        .with_help("let the provider's users in through a role (`trust { oidc … }`), and name the role here"),
                );
                None
            }
        }
    }

    /// `allow … on NAME` in an identity policy, for a declared resource: the other half, where
    /// AWS needs it, for `principals` (the user or role; a group's members).
    pub(super) fn two_sided(
        &mut self,
        scope: &Scope,
        names: &[&ast::Ident],
        statements: &[Statement],
    ) {
        for ident in names {
            let Some(target) = self.deferred.resources.get(&ident.name).cloned() else {
                continue;
            };
            let cross_account = target.account.id != scope.account.id;
            if !cross_account && !target.kind.required_in_account {
                continue;
            }
            let arns: Vec<String> = match scope.owner_kind {
                SymbolKind::Group => self
                    .names
                    .members
                    .get(&scope.owner)
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|u| self.entity_arn(u))
                    .collect(),
                SymbolKind::User | SymbolKind::Role => {
                    self.entity_arn(&scope.owner).into_iter().collect()
                }
                // A managed policy's principals are whoever it is attached to.
                _ => Vec::new(),
            };
            if arns.is_empty() {
                continue;
            }
            let covered: BTreeSet<&str> = target.covered.iter().map(|r| r.arn.as_str()).collect();
            for statement in statements {
                let Some(ResourceBlock::Resource(resources)) = &statement.resource else {
                    continue;
                };
                let mine: NameSet = resources
                    .iter()
                    .filter(|arn| covered.contains(arn.as_str()))
                    .cloned()
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                let mut half = statement.clone();
                half.resource = match target.kind.resource_element {
                    ResourceElement::Arn => Some(ResourceBlock::Resource(mine)),
                    ResourceElement::Star => {
                        Some(ResourceBlock::Resource(NameSet::from(["*".to_string()])))
                    }
                    ResourceElement::Omitted => None,
                };
                let mut principals = Principals::default();
                principals
                    .0
                    .insert("AWS".into(), arns.iter().cloned().collect());
                half.principal = Some(principals);
                half.sid = None;
                self.deferred
                    .halves
                    .entry(ident.name.clone())
                    .or_default()
                    .push(PendingHalf { statement: half });
            }
        }
    }

    /// The halves grants elsewhere wrote, added to the resources' policies.
    pub(super) fn add_halves(&mut self, resources: &mut [Resource]) {
        for resource in resources {
            let Some(halves) = self.deferred.halves.remove(&resource.ident) else {
                continue;
            };
            let policy = resource.policy.get_or_insert_with(PolicyDocument::default);
            policy
                .statements
                .extend(halves.into_iter().map(|h| h.statement));
        }
    }

    /// AWS refuses a key policy that would lock the caller out; iamdsl refuses one that lets no
    /// principal change it at all (`kms:PutKeyPolicy`), which would leave the key
    /// unmanageable: <https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html>.
    pub(super) fn check_key_lockout(&mut self, file: FileId, resource: &Resource) {
        if resource.kind.service != "kms" {
            return;
        }
        let Some(policy) = &resource.policy else {
            return;
        };
        let administers = policy.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && s.principal
                    .as_ref()
                    .is_some_and(|p| p.0.contains_key("AWS"))
                && match &s.action {
                    ActionBlock::Action(set) => {
                        set.iter().any(|a| matches(a, "kms:PutKeyPolicy", true))
                    }
                    ActionBlock::NotAction(set) => {
                        !set.iter().any(|a| matches(a, "kms:PutKeyPolicy", true))
                    }
                }
        });
        if !administers {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::KEY_POLICY_LOCKOUT,
                    format!("nobody may change the key policy of `{}`", resource.ident),
                )
                .at(file, resource.origin.span, "no statement allows `kms:PutKeyPolicy` to an IAM principal")
                .with_help(format!("let the account administer it through IAM: `allow kms:* to account {}` (AWS's default key policy), or name the key administrators' role", resource.account.name)),
            );
        }
    }
}

/// A principal of a resource policy, as AWS writes it.
enum Named {
    /// `{"AWS": …}`: an ARN, an account root, or `*`.
    Aws(String),
    /// `{"Service": "cloudtrail.amazonaws.com"}`.
    Service(String),
    /// `*` with `aws:PrincipalOrgID`.
    Org(String),
}

/// The names a permission's `on` list gives of declared resources.
pub(crate) fn named_resources(permission: &Permission) -> Vec<&ast::Ident> {
    permission
        .resources
        .items
        .iter()
        .filter_map(|r| match r {
            ast::Resource::Named(ident) => Some(ident),
            _ => None,
        })
        .collect()
}
