//! The second pass: every declaration lowered into the [`Model`] of AWS policy documents, with
//! the checks that need a declaration's meaning (its account, the catalog's actions, resources
//! and keys, template expansion). Names are resolved by asking the names table of the first
//! pass ([`crate::resolve`]); statement-level work is in `permissions.rs`, `conditions.rs`,
//! `trust.rs`, `assume.rs`, `templates.rs` and `properties.rs`.

mod assume;
mod conditions;
mod managed;
mod organization;
mod permissions;
mod properties;
mod resources;
mod templates;
mod trust;
mod values;

use std::collections::{BTreeMap, BTreeSet};

use iamdsl_catalog::Catalog;
use iamdsl_diagnostics::{codes, suggest, Diagnostic, FileId, Span};
use iamdsl_policy::PolicyDocument;
use iamdsl_syntax::ast::*;

use crate::config::Config;
use crate::lints::{self, DeclaredTrust};
use crate::model::{origin, Account, DeclKind, Entity, Model};
use crate::resolve::{Decl, Names, Referent, SymbolKind};

pub(crate) use assume::PendingTrust;
pub use conditions::{is_iso_date, operator_for, value_fits};
use properties::{aws_description, property_span};

/// A value after `let`s and template parameters are resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Str(String),
    Num(String),
    Dur(String),
    Date(String),
    Bool(bool),
    List(Vec<Val>),
    /// `{ key: value, … }`, in the order written.
    Map(Vec<(String, Val)>),
    Star,
    /// A declared account, policy, group, user or role (by identifier).
    Decl(String, SymbolKind),
}

/// The context of the statements being lowered.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub file: FileId,
    /// The declaration the statements belong to.
    pub owner: String,
    pub owner_kind: SymbolKind,
    pub account: Account,
    /// Lints silenced by `#[allow(…)]` around the current statement.
    pub allowed: Vec<String>,
    /// Template parameters in scope.
    pub params: BTreeMap<String, Val>,
    /// `use` sites being expanded, innermost last, for labels and recursion.
    pub uses: Vec<(FileId, Span, String)>,
    /// Where the rules differ: a `#[verbatim]` statement, a provider's trust entry.
    pub within: Within,
}

/// The statements whose rules differ from the others'.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Within {
    #[default]
    Statement,
    /// A `#[verbatim]` statement: what the catalog does not know is a warning there.
    Verbatim,
    /// A `trust` entry for an OIDC (`true`) or SAML provider: its host, for the `aud`/`sub`
    /// shorthands.
    Provider((String, bool)),
}

impl Scope {
    pub fn provider(&self) -> Option<&(String, bool)> {
        match &self.within {
            Within::Provider(provider) => Some(provider),
            Within::Statement | Within::Verbatim => None,
        }
    }
}

/// What `assume`, `trust` and grants on declared resources leave for after every declaration is
/// lowered, and the resources they need.
#[derive(Debug, Default)]
pub(crate) struct Deferred {
    /// The trust halves of `assume` statements: role name to entries.
    pub pending: BTreeMap<String, Vec<PendingTrust>>,
    /// Groups without users that `assume` a role: role name to group names.
    pub memberless: BTreeMap<String, Vec<String>>,
    /// Trust entries that name a declared user or role, for `half_configured_assume`.
    pub declared: Vec<DeclaredTrust>,
    /// Declared resources by name, known before any policy is lowered.
    pub resources: BTreeMap<String, resources::ResourceTarget>,
    /// Statements for resources' policies written by grants elsewhere: resource name to them.
    pub halves: BTreeMap<String, Vec<resources::PendingHalf>>,
}

/// The state of the lowering pass.
pub(crate) struct Lowerer<'a> {
    pub catalog: &'static Catalog,
    pub config: &'a Config,
    pub names: &'a Names<'a>,
    pub diagnostics: Vec<Diagnostic>,
    /// Names resolved, for the `unused` lint.
    pub used: BTreeSet<String>,
    /// The `let`s being evaluated, innermost last, to report one defined by itself.
    evaluating: Vec<String>,
    pub deferred: Deferred,
    /// Every name lowering resolved, and what it took it to mean (see `referent`).
    pub resolutions: Vec<(FileId, Span, Referent)>,
}

impl<'a> Lowerer<'a> {
    pub fn new(config: &'a Config, names: &'a Names<'a>) -> Lowerer<'a> {
        Lowerer {
            catalog: iamdsl_catalog::catalog(),
            config,
            names,
            diagnostics: Vec::new(),
            used: BTreeSet::new(),
            evaluating: Vec::new(),
            deferred: Deferred::default(),
            resolutions: Vec::new(),
        }
    }

    /// Adds a diagnostic, with a label at each `use` site it was reached through.
    pub fn report(&mut self, scope: Option<&Scope>, mut diagnostic: Diagnostic) {
        // In a `#[verbatim]` statement, names the catalog does not know are kept as written:
        // they were deployed once (retired actions, services, keys), and AWS stores them still.
        let uncatalogued = [
            codes::UNKNOWN_SERVICE,
            codes::UNKNOWN_ACTION,
            codes::WILDCARD_MATCHES_NOTHING,
            codes::UNKNOWN_CONDITION_KEY,
            codes::KEY_NOT_APPLICABLE,
        ];
        if let Some(scope) = scope.filter(|s| s.within == Within::Verbatim) {
            if uncatalogued.contains(&diagnostic.code) {
                diagnostic.code = codes::UNCATALOGUED;
                diagnostic.help = Some(
                    "kept as written (`#[verbatim]`); the AWS catalog does not list it".into(),
                );
                // Kept as written: there is nothing to fix.
                diagnostic.suggestion = None;
                return self.lint(scope, diagnostic);
            }
        }
        if let Some(scope) = scope {
            diagnostic = lints::with_use_labels(diagnostic, &scope.uses);
        }
        self.diagnostics.push(diagnostic);
    }

    /// Reports a lint (see [`lints::emit`]) where `scope` is.
    pub fn lint(&mut self, scope: &Scope, diagnostic: Diagnostic) {
        let site = lints::Site {
            allowed: &scope.allowed,
            uses: &scope.uses,
        };
        if let Some(diagnostic) = lints::emit(self.config, &site, diagnostic) {
            self.diagnostics.push(diagnostic);
        }
    }

    /// The lints `#[allow(…)]` silences in `prefix`.
    pub fn allowed(&mut self, file: FileId, prefix: &Prefix) -> Vec<String> {
        lints::allowed_by(prefix, file, &mut self.diagnostics)
    }

    pub fn resolve(
        &mut self,
        scope: Option<&Scope>,
        file: FileId,
        ident: &Ident,
        kinds: &[SymbolKind],
    ) -> Option<Decl<'a>> {
        let decl = match self.referent(file, ident) {
            Referent::Declaration => self.names.decls.get(&ident.name).copied(),
            Referent::Parameter | Referent::Unknown => None,
        };
        match decl {
            Some(decl) if kinds.contains(&decl.kind) => {
                self.used.insert(ident.name.clone());
                Some(decl)
            }
            Some(decl) => {
                let wanted: Vec<&str> = kinds.iter().map(|k| k.describe()).collect();
                let mut diagnostic = Diagnostic::error(
                    codes::WRONG_KIND,
                    format!(
                        "`{}` is {}, not {}",
                        ident.name,
                        decl.kind.describe(),
                        wanted.join(" or ")
                    ),
                )
                .at(
                    file,
                    ident.span(),
                    format!("expected {}", wanted.join(" or ")),
                )
                .with_label(
                    decl.file,
                    decl.name.span(),
                    format!("`{}` is declared here", ident.name),
                );
                if let Some(close) = self.closest_of_kinds(&ident.name, kinds) {
                    diagnostic = diagnostic.with_suggestion(file, ident.span(), close);
                }
                self.report(scope, diagnostic);
                None
            }
            None => {
                let wanted: Vec<&str> = kinds.iter().map(|k| k.describe()).collect();
                let mut diagnostic = Diagnostic::error(
                    codes::UNKNOWN_NAME,
                    format!("unknown name `{}`", ident.name),
                )
                .at(
                    file,
                    ident.span(),
                    format!(
                        "no {} has this name",
                        wanted.join(" or ").replace("a ", "").replace("an ", "")
                    ),
                );
                if let Some(close) = self.closest_of_kinds(&ident.name, kinds) {
                    diagnostic = diagnostic.with_suggestion(file, ident.span(), close);
                }
                self.report(scope, diagnostic);
                None
            }
        }
    }

    /// What the names table says `ident` refers to. Lowering asks for every name it resolves, so
    /// that the language server, which answers from the same table, agrees with it.
    pub fn referent(&mut self, file: FileId, ident: &Ident) -> Referent {
        // A span is one name of one file: the index answers by span alone.
        let referent = match self.names.index.reference(file, ident.span()) {
            Some(reference) => reference.referent,
            // The walk missed a place where a name is written (a test holds this at never):
            // resolve it as the walk would have.
            _ if self.names.decls.contains_key(&ident.name) => Referent::Declaration,
            _ => Referent::Unknown,
        };
        self.resolutions.push((file, ident.span(), referent));
        referent
    }

    /// The declared name of one of `kinds` closest to `name`: "did you mean" offers only names
    /// the place takes (a role where a role is required, never a `let`).
    pub(super) fn closest_of_kinds(&self, name: &str, kinds: &[SymbolKind]) -> Option<String> {
        let candidates = self
            .names
            .decls
            .iter()
            .filter(|(_, d)| kinds.contains(&d.kind))
            .map(|(n, _)| n.as_str());
        suggest::closest(name, candidates).map(str::to_string)
    }

    /// Lowers every declaration: the model, complete when there were no errors.
    pub fn lower(&mut self) -> Model {
        let decls: Vec<Decl<'a>> = self.names.decls.values().copied().collect();
        self.declare_resources();
        let mut entities = Vec::new();
        for decl in &decls {
            if let Some(entity) = self.lower_decl(decl) {
                entities.push(entity);
            }
        }
        // The trust half of every `assume`.
        for entity in &mut entities {
            if entity.kind != DeclKind::Role {
                continue;
            }
            if let Some(pending) = self.deferred.pending.remove(&entity.ident) {
                self.add_assumed_trust(entity, pending);
            }
            // A role whose trust entries were all rejected already has their errors; an empty
            // `trust { }` has none, and AWS rejects a trust policy without statements.
            let trust_blocks: Vec<&TrustBlock> = self
                .names
                .decls
                .get(&entity.ident)
                .map(|decl| match &decl.item.kind {
                    ItemKind::Block(block) => block
                        .body
                        .iter()
                        .filter_map(|stmt| match &stmt.kind {
                            StmtKind::Trust(trust) => Some(trust),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                })
                .unwrap_or_default();
            let has_trust_entries = trust_blocks.iter().any(|t| !t.entries.is_empty());
            if entity.trust.as_ref().is_none_or(PolicyDocument::is_empty) && !has_trust_entries {
                let (span, label, help) = match (trust_blocks.first(), self.deferred.memberless.get(&entity.ident)) {
                    (Some(empty), _) => (
                        empty.loc.span(),
                        "an empty `trust { }`: AWS rejects a trust policy without statements",
                        "name who may assume it (`trust { service lambda }`, `trust { role ci }`), or `assume` it from a user, group or role".to_string(),
                    ),
                    (None, Some(groups)) => (
                        entity.origin.span,
                        "a role without a trust policy",
                        format!(
                            "group `{}` assumes it but has no users, and a trust policy cannot name a group: put users in the group",
                            groups.join("`, `")
                        ),
                    ),
                    (None, None) => (
                        entity.origin.span,
                        "a role without a trust policy",
                        "add `trust { service lambda }` (or the principals that use it), or `assume` it from a user, group or role".to_string(),
                    ),
                };
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::ROLE_WITHOUT_TRUST,
                        format!("nobody may assume role `{}`", entity.ident),
                    )
                    .at(entity.origin.file, span, label)
                    .with_help(help),
                );
            }
        }
        // AWS names are unique per account and kind, whatever their case or path.
        let mut seen: BTreeMap<(DeclKind, String, String), String> = BTreeMap::new();
        for entity in &entities {
            let key = (
                entity.kind,
                entity.account.id.clone(),
                entity.name.to_ascii_lowercase(),
            );
            match seen.get(&key) {
                Some(first) => self.diagnostics.push(
                    Diagnostic::error(codes::DUPLICATE, format!("`{}` and `{first}` are both {} `{}` in AWS", entity.ident, entity.kind.keyword(), entity.name))
                        .at(entity.origin.file, entity.origin.span, "the same AWS name as another declaration")
                        .with_help("IAM names are unique in an account, ignoring case and path: set a different `name`"),
                ),
                None => {
                    seen.insert(key, entity.ident.clone());
                }
            }
        }
        // Documents in the model are canonical: everything downstream writes or compares them as they are.
        for entity in &mut entities {
            entity.document =
                iamdsl_policy::canonical::canonicalize_owned(std::mem::take(&mut entity.document));
            entity.trust = entity
                .trust
                .take()
                .map(iamdsl_policy::canonical::canonicalize_owned);
        }
        entities.sort_by(|a, b| {
            (a.kind, &a.account.id, &a.name).cmp(&(b.kind, &b.account.id, &b.name))
        });
        let mut resources: Vec<crate::model::Resource> = decls
            .iter()
            .filter(|d| d.kind == SymbolKind::Resource)
            .filter_map(|d| self.lower_resource(d))
            .collect();
        self.add_halves(&mut resources);
        // One resource, one policy: two declarations of it would each write it.
        let mut seen_resources: BTreeMap<(String, String, String), String> = BTreeMap::new();
        for resource in &resources {
            let key = (
                resource.account.id.clone(),
                resource.kind.key(),
                resource.name.clone(),
            );
            match seen_resources.get(&key) {
                Some(first) => self.diagnostics.push(
                    Diagnostic::error(codes::DUPLICATE, format!("`{}` and `{first}` are the same {} `{}`", resource.ident, resource.kind.resource_type, resource.name))
                        .at(resource.origin.file, resource.origin.span, "declared a second time")
                        .with_help(format!("a resource has one {}: declare it once, and write all its statements there", resource.kind.label)),
                ),
                None => {
                    seen_resources.insert(key, resource.ident.clone());
                }
            }
        }
        for resource in &mut resources {
            resource.policy = resource
                .policy
                .take()
                .map(iamdsl_policy::canonical::canonicalize_owned);
            self.check_key_lockout(resource.origin.file, resource);
        }
        resources.sort_by(|a, b| {
            (&a.account.id, a.kind.key(), &a.arn).cmp(&(&b.account.id, b.kind.key(), &b.arn))
        });
        let organization = self.lower_organization(&decls);
        let mut accounts: Vec<Account> = self.names.accounts.by_name.values().cloned().collect();
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        Model {
            partition: self.config.partition().to_string(),
            catalog_version: self.catalog.version(),
            accounts,
            entities,
            resources,
            organization,
            quotas: self.config.quotas,
        }
    }

    pub(super) fn lower_decl(&mut self, decl: &Decl<'a>) -> Option<Entity> {
        let kind = decl.kind.entity()?;
        let ItemKind::Block(block) = &decl.item.kind else {
            return None;
        };
        let account = self.account_of(decl)?;
        let (path, name) = self.aws_name(&decl.name.name);
        let mut entity = Entity {
            kind,
            ident: decl.name.name.clone(),
            name,
            path,
            account: account.clone(),
            // AWS descriptions are one paragraph: doc lines joined by spaces.
            description: decl.item.prefix.doc_text().map(|text| {
                aws_description(&text.split_whitespace().collect::<Vec<_>>().join(" "))
            }),
            origin: origin(decl.file, decl.name.span()),
            document: PolicyDocument::default(),
            trust: (kind == DeclKind::Role).then(PolicyDocument::default),
            managed: Vec::new(),
            boundary: None,
            groups: Vec::new(),
            max_session: None,
            tags: Default::default(),
            instance_profile: false,
        };
        let scope = Scope {
            file: decl.file,
            owner: decl.name.name.clone(),
            owner_kind: decl.kind,
            account,
            allowed: self.allowed(decl.file, &decl.item.prefix),
            params: BTreeMap::new(),
            uses: Vec::new(),
            within: Within::Statement,
        };
        self.check_entity_names(decl, &entity);
        self.lower_statements(&scope, &block.body, &mut entity);
        entity.managed.sort();
        entity.managed.dedup();
        entity.groups.sort();
        entity.groups.dedup();
        Some(entity)
    }

    pub(super) fn check_entity_names(&mut self, decl: &Decl<'a>, entity: &Entity) {
        let limit = match entity.kind {
            DeclKind::Role | DeclKind::User => 64,
            DeclKind::Group | DeclKind::Policy => 128,
        };
        let valid = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
        if entity.name.is_empty() || entity.name.len() > limit || !entity.name.chars().all(valid) {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_NAME,
                    format!(
                        "`{}` is not a valid AWS {} name",
                        entity.name,
                        entity.kind.keyword()
                    ),
                )
                .at(
                    decl.file,
                    property_span(decl, "name").unwrap_or(decl.name.span()),
                    format!("AWS allows 1 to {limit} letters, digits and `+=,.@_-`"),
                )
                .with_help("set the AWS name with `name = \"…\"`"),
            );
        }
        let path_ok = entity.path.starts_with('/')
            && entity.path.ends_with('/')
            && entity.path.len() <= 512
            && entity.path.chars().all(|c| ('!'..='~').contains(&c));
        if !path_ok {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::INVALID_NAME,
                    format!("`{}` is not a valid IAM path", entity.path),
                )
                .at(
                    decl.file,
                    property_span(decl, "path").unwrap_or(decl.name.span()),
                    "not a path AWS accepts",
                )
                .with_help("a path starts and ends with `/`, such as \"/platform/\""),
            );
        }
    }

    pub fn lower_statements(&mut self, scope: &Scope, body: &[Stmt], entity: &mut Entity) {
        for stmt in body {
            let mut scope = scope.clone();
            scope.allowed.extend(self.allowed(scope.file, &stmt.prefix));
            self.lower_statement(&scope, stmt, entity);
        }
    }

    pub(super) fn not_allowed(&mut self, scope: &Scope, stmt: &Stmt, allowed_in: &str) {
        let owner = scope.owner_kind.describe();
        let diagnostic = Diagnostic::error(
            codes::NOT_ALLOWED_HERE,
            format!("{} is not allowed in {owner}", stmt.kind.describe()),
        )
        .at(
            scope.file,
            stmt.loc.span(),
            format!("not allowed in {owner}"),
        )
        .with_help(format!("{} belongs in {allowed_in}", stmt.kind.describe()));
        self.report(Some(scope), diagnostic);
    }

    pub(super) fn lower_statement(&mut self, scope: &Scope, stmt: &Stmt, entity: &mut Entity) {
        use SymbolKind as K;
        let owner = scope.owner_kind;
        if matches!(owner, K::Scp | K::Rcp) {
            return self.lower_org_statement(scope, stmt, entity);
        }
        if owner == K::Resource {
            return match &stmt.kind {
                StmtKind::Error => {}
                StmtKind::Permission(permission) => {
                    let statements = self.lower_resource_permission(scope, permission, stmt);
                    entity.document.statements.extend(statements);
                }
                StmtKind::Use(use_stmt) => self.lower_use(scope, stmt, use_stmt, entity),
                _ => self.not_allowed(scope, stmt, "a group, a user or a role"),
            };
        }
        match &stmt.kind {
            StmtKind::Error => {}
            StmtKind::Permission(permission) if !permission.principals.is_empty() => {
                let first = &permission.principals[0];
                self.report(
                    Some(scope),
                    Diagnostic::error(
                        codes::PRINCIPAL_IN_IDENTITY_POLICY,
                        format!("`to …` names who a resource lets in; {} `{}` is not a resource", scope.owner_kind.describe(), scope.owner),
                    )
                    .at(scope.file, first.loc.span(), "a principal in an identity policy")
                    .with_help("an identity policy is about its own principal: remove `to …`, or write the statement in the resource's policy (`resource NAME = s3.bucket(…) { … }`)"),
                );
            }
            StmtKind::Permission(permission) => {
                if owner == K::User {
                    self.lint(
                        scope,
                        Diagnostic::warning(
                            codes::USER_POLICY,
                            format!("permissions given straight to user `{}`", scope.owner),
                        )
                        .at(scope.file, stmt.loc.span(), "a policy on the user itself")
                        .with_help("grant permissions to a group and put the user in it"),
                    );
                }
                let statements = self.lower_permission(scope, permission, stmt);
                self.two_sided(scope, &resources::named_resources(permission), &statements);
                entity.document.statements.extend(statements);
            }
            StmtKind::Attach(policy) => {
                if owner == K::Policy {
                    return self.not_allowed(scope, stmt, "a group, a user or a role");
                }
                if owner == K::User {
                    self.lint(
                        scope,
                        Diagnostic::warning(
                            codes::USER_POLICY,
                            format!("a policy attached straight to user `{}`", scope.owner),
                        )
                        .at(scope.file, stmt.loc.span(), "attached to the user itself")
                        .with_help("attach it to a group and put the user in it"),
                    );
                }
                if let Some(arn) = self.policy_arn(scope, policy) {
                    entity.managed.push(arn);
                }
            }
            StmtKind::Boundary(policy) => {
                if !matches!(owner, K::User | K::Role) {
                    return self.not_allowed(scope, stmt, "a user or a role");
                }
                if let Some(arn) = self.policy_arn(scope, policy) {
                    entity.boundary = Some(arn);
                }
            }
            StmtKind::Assume(assume) => {
                if owner == K::Policy {
                    return self.not_allowed(scope, stmt, "a group, a user or a role");
                }
                self.lower_assume(scope, stmt, assume, entity);
            }
            StmtKind::Use(use_stmt) => self.lower_use(scope, stmt, use_stmt, entity),
            StmtKind::Trust(trust) => {
                if owner != K::Role {
                    return self.not_allowed(scope, stmt, "a role");
                }
                let statements = self.lower_trust(scope, trust);
                entity
                    .trust
                    .get_or_insert_with(PolicyDocument::default)
                    .statements
                    .extend(statements);
            }
            StmtKind::Flag(flag) => {
                if owner != K::Role {
                    return self.not_allowed(scope, stmt, "a role");
                }
                if flag.name == "instance_profile" {
                    entity.instance_profile = true;
                }
            }
            StmtKind::Property(property) => self.lower_property(scope, property, entity),
            StmtKind::Unit(_) | StmtKind::Member(_) => {
                self.not_allowed(scope, stmt, "an organization (`organization NAME { … }`)")
            }
        }
    }

    pub(super) fn policy_arn(&mut self, scope: &Scope, policy: &PolicyRef) -> Option<String> {
        match policy {
            PolicyRef::AwsManaged(lit) => self.aws_managed_arn(scope, lit),
            PolicyRef::Named(ident) => {
                let decl = self.resolve(Some(scope), scope.file, ident, &[SymbolKind::Policy])?;
                let account = self.account_of(&decl)?;
                if account.id != scope.account.id {
                    self.report(
                        Some(scope),
                        Diagnostic::error(codes::CROSS_ACCOUNT, format!("`{}` is in account `{}`, `{}` in `{}`", ident.name, account.name, scope.owner, scope.account.name))
                            .at(scope.file, ident.span(), "a policy of another account")
                            .with_label(decl.file, decl.name.span(), "declared here")
                            .with_help("a managed policy can only be attached in its own account; declare it in both"),
                    );
                    return None;
                }
                self.entity_arn(&ident.name)
            }
        }
    }
}
