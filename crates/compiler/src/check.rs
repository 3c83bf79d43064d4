//! Name resolution and the declaration-level checks, and the lowering of each declaration into
//! the [`Model`]. Statement-level work lives in `permissions.rs`, `conditions.rs` and `trust.rs`.

use std::collections::{BTreeMap, BTreeSet};

use iamdsl_catalog::Catalog;
use iamdsl_diagnostics::{codes, suggest, Diagnostic, FileId, Severity, Span};
use iamdsl_policy::{ActionBlock, Effect, NameSet, PolicyDocument, ResourceBlock, Statement};
use iamdsl_syntax::ast::*;

use crate::config::{Config, LintLevel};
use crate::model::{origin, Account, DeclKind, Entity, Model};

/// What a name in the project's namespace stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SymbolKind {
    Account,
    Let,
    Policy,
    Group,
    User,
    Role,
    Template,
}

impl SymbolKind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            SymbolKind::Account => "an account",
            SymbolKind::Let => "a `let` value",
            SymbolKind::Policy => "a policy",
            SymbolKind::Group => "a group",
            SymbolKind::User => "a user",
            SymbolKind::Role => "a role",
            SymbolKind::Template => "a template",
        }
    }

    fn entity(self) -> Option<DeclKind> {
        match self {
            SymbolKind::Policy => Some(DeclKind::Policy),
            SymbolKind::Group => Some(DeclKind::Group),
            SymbolKind::User => Some(DeclKind::User),
            SymbolKind::Role => Some(DeclKind::Role),
            _ => None,
        }
    }
}

/// A declaration, found by name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decl<'a> {
    pub kind: SymbolKind,
    pub file: FileId,
    pub item: &'a Item,
    pub name: &'a Ident,
    /// The account of an enclosing `in ACCOUNT { … }`.
    pub in_block: Option<&'a Ident>,
}

/// A value after `let`s and template parameters are resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Str(String),
    Num(String),
    Dur(String),
    Date(String),
    Bool(bool),
    List(Vec<Val>),
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
    /// Inside a `trust` entry for an OIDC or SAML provider: its host, for `aud`/`sub` shorthands.
    pub provider: Option<(String, bool)>,
}

pub(crate) struct Checker<'a> {
    pub catalog: &'static Catalog,
    pub config: &'a Config,
    pub symbols: BTreeMap<String, Decl<'a>>,
    pub std_templates: BTreeMap<String, Decl<'a>>,
    pub accounts: BTreeMap<String, Account>,
    pub default_account: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub used: BTreeSet<String>,
    evaluating: Vec<String>,
    /// Group identifier to the identifiers of its users.
    pub members: BTreeMap<String, Vec<String>>,
    /// Policies used as permissions boundaries (the admin lints do not apply to them).
    pub boundaries: BTreeSet<String>,
    /// Trust entries that `assume` statements add to roles: role identifier to entries.
    pending_trust: BTreeMap<String, Vec<PendingTrust>>,
    /// Groups without users that `assume` a role: role identifier to group identifiers.
    memberless_assumers: BTreeMap<String, Vec<String>>,
    /// Trust entries that name a declared user or role, to check the identity half (W0110).
    pub declared_trust: Vec<DeclaredTrust>,
    /// `expect …` declarations.
    pub(crate) expectations: Vec<(FileId, &'a Item)>,
    /// Lowering a `#[verbatim]` statement: what the catalog does not know is a warning there.
    pub verbatim: bool,
}

/// The trust half of an `assume`, added to the role once every declaration is lowered.
#[derive(Debug, Clone)]
pub(crate) struct PendingTrust {
    pub statement: Statement,
    /// The `assume` statement's scope: its file, owner, account and silenced lints.
    pub scope: Scope,
    pub span: Span,
}

/// `trust { role X }` in role `role`, for the `half_configured_assume` lint.
#[derive(Debug, Clone)]
pub(crate) struct DeclaredTrust {
    pub role: String,
    pub principal: String,
    pub scope: Scope,
    pub span: Span,
}

pub(crate) fn std_name(path: &[Ident]) -> String {
    path.iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

impl<'a> Checker<'a> {
    pub fn new(config: &'a Config) -> Checker<'a> {
        Checker {
            catalog: iamdsl_catalog::catalog(),
            config,
            symbols: BTreeMap::new(),
            std_templates: BTreeMap::new(),
            accounts: BTreeMap::new(),
            default_account: None,
            diagnostics: Vec::new(),
            verbatim: false,
            used: BTreeSet::new(),
            evaluating: Vec::new(),
            members: BTreeMap::new(),
            boundaries: BTreeSet::new(),
            pending_trust: BTreeMap::new(),
            memberless_assumers: BTreeMap::new(),
            declared_trust: Vec::new(),
            expectations: Vec::new(),
        }
    }

    // ---------------------------------------------------------------------------------------
    // Reporting

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
        if let Some(scope) = scope.filter(|_| self.verbatim) {
            if uncatalogued.contains(&diagnostic.code) {
                diagnostic.code = codes::UNCATALOGUED;
                diagnostic.help = Some(
                    "kept as written (`#[verbatim]`); the AWS catalog does not list it".into(),
                );
                return self.lint(scope, diagnostic);
            }
        }
        if let Some(scope) = scope {
            for (file, span, template) in scope.uses.iter().rev() {
                diagnostic =
                    diagnostic.with_label(*file, *span, format!("in this use of `{template}`"));
            }
        }
        self.diagnostics.push(diagnostic);
    }

    /// Reports a lint unless it is allowed around the statement or turned off for the project;
    /// `deny` in `iamdsl.toml` makes it an error.
    pub fn lint(&mut self, scope: &Scope, mut diagnostic: Diagnostic) {
        let Some(info) = codes::lookup(diagnostic.code) else {
            return;
        };
        if scope.allowed.iter().any(|a| a == info.name) {
            return;
        }
        match self.config.lints.get(info.name) {
            Some(LintLevel::Allow) => return,
            Some(LintLevel::Deny) => diagnostic.severity = Severity::Error,
            Some(LintLevel::Warn) | None => diagnostic.severity = Severity::Warning,
        }
        diagnostic = diagnostic.with_note(format!(
            "`#[allow({})]` silences this where it is intended",
            info.name
        ));
        self.report(Some(scope), diagnostic);
    }

    // ---------------------------------------------------------------------------------------
    // Symbols

    pub fn collect(
        &mut self,
        modules: &'a [(FileId, Module)],
        std_modules: &'a [(FileId, String, Module)],
    ) {
        for (file, module) in modules {
            self.collect_items(*file, &module.items, None);
        }
        for (file, module_name, module) in std_modules {
            for item in &module.items {
                if let ItemKind::Template(template) = &item.kind {
                    let name = format!("std.{module_name}.{}", template.name.name);
                    let decl = Decl {
                        kind: SymbolKind::Template,
                        file: *file,
                        item,
                        name: &template.name,
                        in_block: None,
                    };
                    self.std_templates.insert(name, decl);
                }
            }
        }
    }

    fn collect_items(&mut self, file: FileId, items: &'a [Item], in_block: Option<&'a Ident>) {
        for item in items {
            let (kind, name) = match &item.kind {
                ItemKind::Account(a) => (SymbolKind::Account, &a.name),
                ItemKind::Let(l) => (SymbolKind::Let, &l.name),
                ItemKind::Block(b) => {
                    let kind = match b.kind {
                        DeclKind::Policy => SymbolKind::Policy,
                        DeclKind::Group => SymbolKind::Group,
                        DeclKind::User => SymbolKind::User,
                        DeclKind::Role => SymbolKind::Role,
                    };
                    (kind, &b.name)
                }
                ItemKind::Template(t) => (SymbolKind::Template, &t.name),
                ItemKind::In(block) => {
                    self.collect_items(file, &block.items, Some(&block.account));
                    continue;
                }
                ItemKind::Expect(_) => {
                    self.expectations.push((file, item));
                    continue;
                }
                ItemKind::Error => continue,
            };
            let decl = Decl {
                kind,
                file,
                item,
                name,
                in_block,
            };
            if let Some(first) = self.symbols.get(&name.name) {
                let diagnostic = Diagnostic::error(
                    codes::DUPLICATE,
                    format!("`{}` is declared twice", name.name),
                )
                .at(
                    file,
                    name.span(),
                    format!("{} named `{}` again", kind.describe(), name.name),
                )
                .with_label(first.file, first.name.span(), "first declared here")
                .with_help("all files of a project share one namespace; rename one of them");
                self.diagnostics.push(diagnostic);
                continue;
            }
            self.symbols.insert(name.name.clone(), decl);
        }
    }

    /// A declared name of one of `kinds`, with "unknown" and "wrong kind" errors.
    pub fn resolve(
        &mut self,
        scope: Option<&Scope>,
        file: FileId,
        ident: &Ident,
        kinds: &[SymbolKind],
    ) -> Option<Decl<'a>> {
        match self.symbols.get(&ident.name).copied() {
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

    /// The declared name of one of `kinds` closest to `name`: "did you mean" offers only names
    /// the place takes (a role where a role is required, never a `let`).
    fn closest_of_kinds(&self, name: &str, kinds: &[SymbolKind]) -> Option<String> {
        let candidates = self
            .symbols
            .iter()
            .filter(|(_, d)| kinds.contains(&d.kind))
            .map(|(n, _)| n.as_str());
        suggest::closest(name, candidates).map(str::to_string)
    }

    // ---------------------------------------------------------------------------------------
    // Accounts

    pub fn resolve_accounts(&mut self) {
        let mut by_id: BTreeMap<String, &'a Ident> = BTreeMap::new();
        let mut defaults: Vec<(FileId, &'a Ident)> = Vec::new();
        let decls: Vec<Decl<'a>> = self
            .symbols
            .values()
            .filter(|d| d.kind == SymbolKind::Account)
            .copied()
            .collect();
        for decl in &decls {
            let ItemKind::Account(account) = &decl.item.kind else {
                continue;
            };
            let id = account.id.as_plain().unwrap_or_default();
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::INVALID_ACCOUNT_ID,
                        format!("`{id}` is not an AWS account id"),
                    )
                    .at(
                        decl.file,
                        account.id.span(),
                        "an account id is exactly 12 digits",
                    )
                    .with_help("write the id as a string of 12 digits, such as \"111111111111\""),
                );
            } else if let Some(other) = by_id.get(&id) {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::DUPLICATE_ACCOUNT_ID,
                        format!(
                            "accounts `{}` and `{}` have the same id",
                            other.name, account.name.name
                        ),
                    )
                    .at(
                        decl.file,
                        account.id.span(),
                        format!("`{id}` is already `{}`", other.name),
                    )
                    .with_help("use one name per account"),
                );
            } else {
                by_id.insert(id.clone(), &account.name);
            }
            if account.default {
                defaults.push((decl.file, &account.name));
            }
            self.accounts.insert(
                account.name.name.clone(),
                Account {
                    name: account.name.name.clone(),
                    id,
                    default: account.default,
                },
            );
        }
        match defaults.as_slice() {
            [] if self.accounts.len() == 1 => {
                self.default_account = self.accounts.keys().next().cloned()
            }
            [] => {}
            [(_, one)] => self.default_account = Some(one.name.clone()),
            [(_, first), rest @ ..] => {
                for (file, other) in rest {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::AMBIGUOUS_ACCOUNT,
                            format!(
                                "`{}` and `{}` are both marked `default`",
                                first.name, other.name
                            ),
                        )
                        .at(*file, other.span(), "a second default account")
                        .with_help("mark one account `default`"),
                    );
                }
                self.default_account = Some(first.name.clone());
            }
        }
    }

    /// The account a declaration lives in: its `in`, the enclosing `in { }`, or the default.
    pub fn account_of(&mut self, decl: &Decl<'a>) -> Option<Account> {
        let placement = match &decl.item.kind {
            ItemKind::Block(block) => block.account.as_ref(),
            _ => None,
        }
        .or(decl.in_block);
        match placement {
            Some(ident) => {
                let resolved = self.resolve(None, decl.file, ident, &[SymbolKind::Account])?;
                self.accounts.get(&resolved.name.name).cloned()
            }
            None => match &self.default_account {
                Some(name) => self.accounts.get(name).cloned(),
                None => {
                    let diagnostic = if self.accounts.is_empty() {
                        Diagnostic::error(
                            codes::NO_ACCOUNT,
                            format!(
                                "`{}` needs an account, and none is declared",
                                decl.name.name
                            ),
                        )
                        .at(decl.file, decl.name.span(), "its ARN needs an account id")
                        .with_help("declare one: `account prod = \"111111111111\"`")
                    } else {
                        Diagnostic::error(codes::AMBIGUOUS_ACCOUNT, format!("which account is `{}` in?", decl.name.name))
                            .at(decl.file, decl.name.span(), "no `in ACCOUNT` and no default account")
                            .with_help(format!(
                                "write `{} {} in ACCOUNT`, put it in an `in ACCOUNT {{ … }}` block, or mark one account `default`",
                                decl.item_keyword(),
                                decl.name.name
                            ))
                    };
                    self.diagnostics.push(diagnostic);
                    None
                }
            },
        }
    }

    // ---------------------------------------------------------------------------------------
    // Values

    pub fn eval(&mut self, scope: &Scope, value: &Value) -> Option<Val> {
        Some(match &value.kind {
            ValueKind::String(lit) => Val::Str(self.eval_string(scope, lit)?),
            ValueKind::Number(n) => Val::Num(n.clone()),
            ValueKind::Duration(d) => Val::Dur(d.clone()),
            ValueKind::Date(d) => Val::Date(d.clone()),
            ValueKind::Bool(b) => Val::Bool(*b),
            ValueKind::Star => Val::Star,
            ValueKind::List(values) => {
                let mut out = Vec::new();
                for v in values {
                    out.push(self.eval(scope, v)?);
                }
                Val::List(out)
            }
            ValueKind::Name(ident) => self.lookup_value(scope, ident)?,
        })
    }

    pub fn eval_string(&mut self, scope: &Scope, lit: &StringLit) -> Option<String> {
        let mut out = String::new();
        for part in &lit.parts {
            match part {
                StrPart::Text(text) => out.push_str(text),
                StrPart::Interp(ident) => {
                    let value = self.lookup_value(scope, ident)?;
                    match self.val_text(&value) {
                        Some(text) => out.push_str(&text),
                        None => {
                            self.report(
                                Some(scope),
                                Diagnostic::error(
                                    codes::INVALID_VALUE,
                                    format!(
                                        "`{}` is a list and cannot go inside a string",
                                        ident.name
                                    ),
                                )
                                .at(
                                    scope.file,
                                    ident.span(),
                                    "a list",
                                ),
                            );
                            return None;
                        }
                    }
                }
            }
        }
        Some(out)
    }

    /// A scalar value as text; declarations stand for their AWS name.
    pub fn val_text(&self, value: &Val) -> Option<String> {
        match value {
            Val::Str(s) | Val::Num(s) | Val::Dur(s) | Val::Date(s) => Some(s.clone()),
            Val::Bool(b) => Some(b.to_string()),
            Val::Star => Some("*".to_string()),
            Val::Decl(name, SymbolKind::Account) => self.accounts.get(name).map(|a| a.id.clone()),
            Val::Decl(name, _) => Some(self.aws_name(name).1),
            Val::List(_) => None,
        }
    }

    /// A name used as a value: a template parameter, a `let`, or a declaration.
    pub fn lookup_value(&mut self, scope: &Scope, ident: &Ident) -> Option<Val> {
        if let Some(value) = scope.params.get(&ident.name) {
            return Some(value.clone());
        }
        let Some(decl) = self.symbols.get(&ident.name).copied() else {
            let mut candidates: Vec<&str> = scope.params.keys().map(String::as_str).collect();
            candidates.extend(self.symbols.keys().map(String::as_str));
            let mut diagnostic = Diagnostic::error(
                codes::UNKNOWN_NAME,
                format!("unknown name `{}`", ident.name),
            )
            .at(
                scope.file,
                ident.span(),
                "not a `let`, a parameter or a declaration",
            );
            if let Some(close) = suggest::closest(&ident.name, candidates) {
                diagnostic = diagnostic.with_suggestion(scope.file, ident.span(), close);
            }
            self.report(Some(scope), diagnostic);
            return None;
        };
        self.used.insert(ident.name.clone());
        match decl.kind {
            SymbolKind::Let => {
                if self.evaluating.contains(&ident.name) {
                    self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::RECURSIVE,
                            format!("`{}` is defined in terms of itself", ident.name),
                        )
                        .at(scope.file, ident.span(), "used while it is being defined")
                        .with_label(
                            decl.file,
                            decl.name.span(),
                            "defined here",
                        ),
                    );
                    return None;
                }
                let ItemKind::Let(letdecl) = &decl.item.kind else {
                    return None;
                };
                self.evaluating.push(ident.name.clone());
                let let_scope = Scope {
                    file: decl.file,
                    params: BTreeMap::new(),
                    uses: Vec::new(),
                    ..scope.clone()
                };
                let value = self.eval(&let_scope, &letdecl.value);
                self.evaluating.pop();
                value
            }
            SymbolKind::Template => {
                self.report(
                    Some(scope),
                    Diagnostic::error(
                        codes::WRONG_KIND,
                        format!("`{}` is a template, not a value", ident.name),
                    )
                    .at(scope.file, ident.span(), "expected a value")
                    .with_help(format!(
                        "templates are applied with `use {}(…)`",
                        ident.name
                    )),
                );
                None
            }
            kind => Some(Val::Decl(ident.name.clone(), kind)),
        }
    }

    /// The AWS path and name of a declared principal or policy, from its properties.
    pub fn aws_name(&self, ident: &str) -> (String, String) {
        let mut path = "/".to_string();
        let mut name = ident.to_string();
        if let Some(Decl {
            item:
                Item {
                    kind: ItemKind::Block(block),
                    ..
                },
            ..
        }) = self.symbols.get(ident)
        {
            for stmt in &block.body {
                if let StmtKind::Property(p) = &stmt.kind {
                    if let ValueKind::String(lit) = &p.value.kind {
                        if let Some(text) = lit.as_plain() {
                            match p.name.name.as_str() {
                                "path" => path = text,
                                "name" => name = text,
                                _ => {}
                            }
                        }
                    }
                }
            }
        }
        (path, name)
    }

    /// The ARN of a declared entity.
    pub fn entity_arn(&mut self, ident: &str) -> Option<String> {
        let decl = self.symbols.get(ident).copied()?;
        let kind = decl.kind.entity()?;
        let account = self.account_of(&decl)?;
        let (path, name) = self.aws_name(ident);
        Some(format!(
            "arn:{}:iam::{}:{}{}{}",
            self.config.partition(),
            account.id,
            kind.arn_kind(),
            path,
            name
        ))
    }

    // ---------------------------------------------------------------------------------------
    // Declarations

    /// Facts needed before lowering any declaration: group members, boundary policies.
    pub fn prepare(&mut self) {
        let decls: Vec<Decl<'a>> = self.symbols.values().copied().collect();
        for decl in decls {
            let ItemKind::Block(block) = &decl.item.kind else {
                continue;
            };
            for stmt in &block.body {
                match &stmt.kind {
                    StmtKind::Property(p)
                        if p.name.name == "groups" && block.kind == DeclKind::User =>
                    {
                        if let ValueKind::List(values) = &p.value.kind {
                            for value in values {
                                if let ValueKind::Name(group) = &value.kind {
                                    self.members
                                        .entry(group.name.clone())
                                        .or_default()
                                        .push(block.name.name.clone());
                                }
                            }
                        }
                    }
                    StmtKind::Boundary(PolicyRef::Named(name)) => {
                        self.boundaries.insert(name.name.clone());
                    }
                    _ => {}
                }
            }
        }
    }

    pub fn lower_all(&mut self) -> Model {
        let decls: Vec<Decl<'a>> = self.symbols.values().copied().collect();
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
            if let Some(pending) = self.pending_trust.remove(&entity.ident) {
                self.add_assumed_trust(entity, pending);
            }
            // A role whose trust entries were all rejected already has their errors; an empty
            // `trust { }` has none, and AWS rejects a trust policy without statements.
            let trust_blocks: Vec<&TrustBlock> = self
                .symbols
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
                let (span, label, help) = match (trust_blocks.first(), self.memberless_assumers.get(&entity.ident)) {
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
        let mut accounts: Vec<Account> = self.accounts.values().cloned().collect();
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        Model {
            partition: self.config.partition().to_string(),
            catalog_version: self.catalog.version(),
            accounts,
            entities,
            quotas: self.config.quotas,
        }
    }

    fn lower_decl(&mut self, decl: &Decl<'a>) -> Option<Entity> {
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
            instance_profile: false,
        };
        let scope = Scope {
            file: decl.file,
            owner: decl.name.name.clone(),
            owner_kind: decl.kind,
            account,
            allowed: attribute_lints(self, decl.file, &decl.item.prefix),
            params: BTreeMap::new(),
            uses: Vec::new(),
            provider: None,
        };
        self.check_entity_names(decl, &entity);
        self.lower_statements(&scope, &block.body, &mut entity);
        entity.managed.sort();
        entity.managed.dedup();
        entity.groups.sort();
        entity.groups.dedup();
        Some(entity)
    }

    fn check_entity_names(&mut self, decl: &Decl<'a>, entity: &Entity) {
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
            scope
                .allowed
                .extend(attribute_lints(self, scope.file, &stmt.prefix));
            self.lower_statement(&scope, stmt, entity);
        }
    }

    fn not_allowed(&mut self, scope: &Scope, stmt: &Stmt, allowed_in: &str) {
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

    fn lower_statement(&mut self, scope: &Scope, stmt: &Stmt, entity: &mut Entity) {
        use SymbolKind as K;
        let owner = scope.owner_kind;
        match &stmt.kind {
            StmtKind::Error => {}
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
        }
    }

    fn policy_arn(&mut self, scope: &Scope, policy: &PolicyRef) -> Option<String> {
        match policy {
            PolicyRef::AwsManaged(lit) => {
                let name = self.eval_string(scope, lit)?;
                let name = name.trim_matches('/');
                if name.is_empty() || name.contains(char::is_whitespace) {
                    self.report(
                        Some(scope),
                        Diagnostic::error(codes::INVALID_NAME, format!("`{name}` is not an AWS managed policy name"))
                            .at(scope.file, lit.span(), "expected a name such as \"ReadOnlyAccess\"")
                            .with_help("AWS managed policies with a path are written with it: \"service-role/AWSLambdaBasicExecutionRole\""),
                    );
                    return None;
                }
                Some(format!(
                    "arn:{}:iam::aws:policy/{name}",
                    self.config.partition()
                ))
            }
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

    fn lower_assume(&mut self, scope: &Scope, stmt: &Stmt, assume: &Assume, entity: &mut Entity) {
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
                let users = self.members.get(&scope.owner).cloned().unwrap_or_default();
                users.iter().filter_map(|u| self.entity_arn(u)).collect()
            }
            _ => self.entity_arn(&scope.owner).into_iter().collect(),
        };
        if principals.is_empty() {
            if scope.owner_kind == SymbolKind::Group {
                self.memberless_assumers
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
        self.pending_trust
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
    fn add_assumed_trust(&mut self, role: &mut Entity, pending: Vec<PendingTrust>) {
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

    fn lower_use(&mut self, scope: &Scope, stmt: &Stmt, use_stmt: &UseStmt, entity: &mut Entity) {
        let name = std_name(&use_stmt.path);
        let Some(first) = use_stmt.path.first() else {
            return;
        };
        let span = first
            .span()
            .to(use_stmt.path.last().map_or(first.span(), |l| l.span()));
        let decl = if use_stmt.path.len() > 1 {
            match self.std_templates.get(&name).copied() {
                Some(decl) => decl,
                None => {
                    let names: Vec<&str> = self.std_templates.keys().map(String::as_str).collect();
                    let mut diagnostic = Diagnostic::error(
                        codes::UNKNOWN_NAME,
                        format!("unknown template `{name}`"),
                    )
                    .at(
                        scope.file,
                        span,
                        "no such template in the standard library",
                    );
                    diagnostic = match suggest::closest(&name, names.iter().copied()) {
                        Some(close) => diagnostic.with_suggestion(scope.file, span, close),
                        None => diagnostic
                            .with_help(format!("the standard library has {}", names.join(", "))),
                    };
                    self.report(Some(scope), diagnostic);
                    return;
                }
            }
        } else {
            let Some(decl) = self.resolve(Some(scope), scope.file, first, &[SymbolKind::Template])
            else {
                return;
            };
            decl
        };
        if scope.uses.iter().any(|(_, _, t)| *t == name) {
            self.report(
                Some(scope),
                Diagnostic::error(codes::RECURSIVE, format!("template `{name}` uses itself")).at(
                    scope.file,
                    span,
                    "used again while it is being expanded",
                ),
            );
            return;
        }
        let ItemKind::Template(template) = &decl.item.kind else {
            return;
        };
        let Some(params) = self.bind_arguments(scope, stmt, &name, template, &use_stmt.args) else {
            return;
        };
        let mut inner = scope.clone();
        inner.file = decl.file;
        inner.params = params;
        inner.uses.push((scope.file, stmt.loc.span(), name));
        inner
            .allowed
            .extend(attribute_lints(self, decl.file, &decl.item.prefix));
        self.lower_statements(&inner, &template.body, entity);
    }

    fn bind_arguments(
        &mut self,
        scope: &Scope,
        stmt: &Stmt,
        name: &str,
        template: &TemplateDecl,
        args: &[Arg],
    ) -> Option<BTreeMap<String, Val>> {
        let mut bound: BTreeMap<String, Val> = BTreeMap::new();
        let mut ok = true;
        let mut position = 0;
        for arg in args {
            let value = self.eval(scope, &arg.value);
            let param = match &arg.name {
                Some(arg_name) => match template
                    .params
                    .iter()
                    .find(|p| p.name.name == arg_name.name)
                {
                    Some(param) => param,
                    None => {
                        let names: Vec<&str> = template
                            .params
                            .iter()
                            .map(|p| p.name.name.as_str())
                            .collect();
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::TEMPLATE_ARGUMENTS,
                                format!("`{name}` has no parameter `{}`", arg_name.name),
                            )
                            .at(
                                scope.file,
                                arg_name.span(),
                                "not a parameter of this template",
                            )
                            .with_help(format!("its parameters are: {}", names.join(", "))),
                        );
                        ok = false;
                        continue;
                    }
                },
                None => match template.params.get(position) {
                    Some(param) => {
                        position += 1;
                        param
                    }
                    None => {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::TEMPLATE_ARGUMENTS,
                                format!("too many arguments for `{name}`"),
                            )
                            .at(
                                scope.file,
                                arg.value.span(),
                                format!("`{name}` takes {} argument(s)", template.params.len()),
                            )
                            .with_label(
                                scope.file,
                                stmt.loc.span(),
                                "in this use",
                            ),
                        );
                        ok = false;
                        continue;
                    }
                },
            };
            if let Some(value) = value {
                bound.insert(param.name.name.clone(), value);
            } else {
                ok = false;
            }
        }
        for param in &template.params {
            if bound.contains_key(&param.name.name) {
                continue;
            }
            match &param.default {
                Some(default) => {
                    let default_scope = Scope {
                        file: scope.file,
                        params: BTreeMap::new(),
                        ..scope.clone()
                    };
                    if let Some(value) = self.eval(&default_scope, default) {
                        bound.insert(param.name.name.clone(), value);
                    }
                }
                None if ok => {
                    self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::TEMPLATE_ARGUMENTS,
                            format!("missing argument `{}` for `{name}`", param.name.name),
                        )
                        .at(
                            scope.file,
                            stmt.loc.span(),
                            format!("`{}` has no default", param.name.name),
                        ),
                    );
                    ok = false;
                }
                None => {}
            }
        }
        ok.then_some(bound)
    }

    fn lower_property(&mut self, scope: &Scope, property: &Property, entity: &mut Entity) {
        use SymbolKind as K;
        let known: &[&str] = match scope.owner_kind {
            K::Role => crate::vocabulary::properties(DeclKind::Role),
            K::User => crate::vocabulary::properties(DeclKind::User),
            K::Group => crate::vocabulary::properties(DeclKind::Group),
            K::Policy => crate::vocabulary::properties(DeclKind::Policy),
            _ => &[],
        };
        let name = property.name.name.as_str();
        if !known.contains(&name) {
            let mut diagnostic = Diagnostic::error(
                codes::UNKNOWN_PROPERTY,
                format!("{} has no property `{name}`", scope.owner_kind.describe()),
            )
            .at(scope.file, property.name.span(), "unknown property");
            diagnostic = match suggest::closest(name, known.iter().copied()) {
                Some(close) => diagnostic.with_suggestion(scope.file, property.name.span(), close),
                None => diagnostic.with_help(format!("its properties are: {}", known.join(", "))),
            };
            self.report(Some(scope), diagnostic);
            return;
        }
        let span = property.value.span();
        match name {
            "max_session" => {
                let seconds = match self.eval(scope, &property.value) {
                    Some(Val::Dur(text)) => parse_duration(&text),
                    Some(Val::Num(text)) => text.parse::<u64>().ok(),
                    Some(_) => None,
                    None => return,
                };
                match seconds {
                    Some(s) if (3600..=43200).contains(&s) => {
                        entity.max_session = u32::try_from(s).ok()
                    }
                    _ => self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::INVALID_DURATION,
                            "`max_session` must be between 1h and 12h",
                        )
                        .at(scope.file, span, "out of range or not a duration")
                        .with_help("AWS accepts 3600 to 43200 seconds: write `1h` to `12h`"),
                    ),
                }
            }
            "groups" => {
                let ValueKind::List(values) = &property.value.kind else {
                    self.report(
                        Some(scope),
                        Diagnostic::error(codes::INVALID_VALUE, "`groups` takes a list of groups")
                            .at(scope.file, span, "not a list")
                            .with_help("write `groups = [developers]`"),
                    );
                    return;
                };
                for value in values {
                    let ValueKind::Name(ident) = &value.kind else {
                        self.report(
                            Some(scope),
                            Diagnostic::error(codes::INVALID_VALUE, "`groups` lists group names")
                                .at(scope.file, value.span(), "not a name"),
                        );
                        continue;
                    };
                    let Some(decl) =
                        self.resolve(Some(scope), scope.file, ident, &[SymbolKind::Group])
                    else {
                        continue;
                    };
                    let Some(account) = self.account_of(&decl) else {
                        continue;
                    };
                    if account.id != scope.account.id {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::CROSS_ACCOUNT,
                                format!(
                                    "group `{}` is in account `{}`, user `{}` in `{}`",
                                    ident.name, account.name, scope.owner, scope.account.name
                                ),
                            )
                            .at(
                                scope.file,
                                ident.span(),
                                "a group of another account",
                            ),
                        );
                        continue;
                    }
                    entity.groups.push(self.aws_name(&ident.name).1);
                }
            }
            _ => {
                let text = match self.eval(scope, &property.value) {
                    Some(Val::Str(text)) => text,
                    Some(_) => {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::INVALID_VALUE,
                                format!("`{name}` takes a string"),
                            )
                            .at(scope.file, span, "not a string"),
                        );
                        return;
                    }
                    None => return,
                };
                if name == "description" {
                    if text.chars().count() > 1000 {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::INVALID_VALUE,
                                "a description has at most 1000 characters",
                            )
                            .at(scope.file, span, "too long"),
                        );
                    }
                    entity.description = Some(aws_description(&text));
                }
                // `name` and `path` are read by `aws_name`, before any scope exists, so they must be
                // plain text: a name built from a `let` would be ignored there.
                let plain = matches!(&property.value.kind, ValueKind::String(lit) if lit.as_plain().is_some());
                if (name == "name" || name == "path") && !plain {
                    self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            format!("`{name}` takes a plain string"),
                        )
                        .at(scope.file, span, "not a string literal without `${…}`")
                        .with_help(format!("write the {name} out: `{name} = \"{text}\"`")),
                    );
                }
            }
        }
    }

    /// `unused` lints, after everything was lowered.
    pub fn unused(&mut self) {
        let decls: Vec<(String, Decl<'a>)> =
            self.symbols.iter().map(|(n, d)| (n.clone(), *d)).collect();
        for (name, decl) in decls {
            let counts = match decl.kind {
                SymbolKind::Policy | SymbolKind::Let | SymbolKind::Template => true,
                SymbolKind::Account => !self.has_placed(&name),
                _ => false,
            };
            if !counts || self.used.contains(&name) {
                continue;
            }
            let scope = Scope {
                file: decl.file,
                owner: name.clone(),
                owner_kind: decl.kind,
                account: Account {
                    name: String::new(),
                    id: String::new(),
                    default: false,
                },
                allowed: attribute_lints(self, decl.file, &decl.item.prefix),
                params: BTreeMap::new(),
                uses: Vec::new(),
                provider: None,
            };
            let what = match decl.kind {
                SymbolKind::Let => "`let` value",
                _ => decl.item_keyword(),
            };
            self.lint(
                &scope,
                Diagnostic::warning(codes::UNUSED, format!("{what} `{name}` is never used"))
                    .at(decl.file, decl.name.span(), "declared here, used nowhere")
                    .with_help("remove it, or use it"),
            );
        }
    }

    fn has_placed(&self, account: &str) -> bool {
        self.default_account.as_deref() == Some(account)
    }
}

impl Decl<'_> {
    fn item_keyword(&self) -> &'static str {
        match self.kind {
            SymbolKind::Account => "account",
            SymbolKind::Let => "let",
            SymbolKind::Policy => "policy",
            SymbolKind::Group => "group",
            SymbolKind::User => "user",
            SymbolKind::Role => "role",
            SymbolKind::Template => "template",
        }
    }
}

/// A description AWS accepts: it takes tab, line breaks, printable ASCII and Latin-1 only. The
/// typographic marks people write in prose become their ASCII forms; anything else becomes `?`
/// (the doc comment itself, shown in editors, keeps them).
pub(crate) fn aws_description(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{2033}' => '"',
            '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
            '\u{2026}' => '.',
            '\u{00A0}' => ' ',
            c if c == '\t'
                || c == '\n'
                || c == '\r'
                || (' '..='~').contains(&c)
                || ('\u{A1}'..='\u{FF}').contains(&c) =>
            {
                c
            }
            _ => '?',
        })
        .collect()
}

/// The span of a property's value in a block declaration.
fn property_span(decl: &Decl<'_>, name: &str) -> Option<Span> {
    let ItemKind::Block(block) = &decl.item.kind else {
        return None;
    };
    block.body.iter().find_map(|stmt| match &stmt.kind {
        StmtKind::Property(p) if p.name.name == name => Some(p.value.span()),
        _ => None,
    })
}

/// The lints named in `#[allow(…)]` attributes; unknown names are reported.
pub(crate) fn attribute_lints(
    checker: &mut Checker<'_>,
    file: FileId,
    prefix: &Prefix,
) -> Vec<String> {
    let mut names = Vec::new();
    for attr in &prefix.attrs {
        if attr.name.name == "verbatim" && attr.args.is_empty() {
            continue;
        }
        if attr.name.name != "allow" {
            checker.diagnostics.push(
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
                let lints: Vec<&str> = codes::CODES
                    .iter()
                    .filter(|c| codes::is_lint(c.code))
                    .map(|c| c.name)
                    .collect();
                let mut diagnostic = Diagnostic::warning(
                    codes::UNKNOWN_LINT,
                    format!("unknown lint `{}`", arg.name),
                )
                .at(file, arg.span(), "no lint has this name");
                diagnostic = match suggest::closest(&arg.name, lints.iter().copied()) {
                    Some(close) => diagnostic.with_suggestion(file, arg.span(), close),
                    None => diagnostic.with_help(format!("the lints are {}", lints.join(", "))),
                };
                checker.diagnostics.push(diagnostic);
            }
            names.push(arg.name.clone());
        }
    }
    names
}

/// `1h30m` → 5400. `None` when malformed or absurdly large.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
    }
    digits.is_empty().then_some(total)
}

impl Checker<'_> {
    /// `half_configured_assume`: a role trusts a declared user or role that has no permission to
    /// assume it (`assume` writes both halves; a hand-written trust entry writes only one).
    pub fn half_configured(&mut self, model: &Model) {
        let partition = model.partition.clone();
        for trust in std::mem::take(&mut self.declared_trust) {
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
            // An AWS managed policy may grant it; iamdsl does not know its contents.
            if attached.iter().any(|arn| arn.contains(":iam::aws:policy/")) {
                continue;
            }
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
            self.lint(
                &trust.scope,
                Diagnostic::warning(
                    codes::HALF_CONFIGURED_ASSUME,
                    format!(
                        "role `{}` trusts {kind} `{}`, which may not assume it",
                        trust.role, trust.principal
                    ),
                )
                .at(trust.scope.file, trust.span, "the trust half only")
                .with_help(format!(
                    "give {kind} `{}` the permission: `assume {}` in it (this trust entry, with its conditions, stays the trust half)",
                    trust.principal, trust.role
                )),
            );
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
