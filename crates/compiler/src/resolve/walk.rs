//! Every name written in the sources, with what it refers to, by the rules lowering follows:
//! a place that takes a declaration of some kind (`attach NAME`, `assume NAME`, `groups = […]`,
//! `in NAME`, `trust { role NAME }`, `expect NAME …`) names a project declaration; a place that
//! takes a value (`${NAME}`, a resource's argument, a condition's value, a property) names a
//! parameter of the enclosing template if it has one of that name, else a project declaration.

use std::collections::BTreeSet;

use iamdsl_diagnostics::FileId;
use iamdsl_syntax::ast::*;

use super::{NameIndex, Reference, Referent, SymbolKind};

use SymbolKind as K;

/// Every kind: a value may be a `let` or stand for any declaration.
const VALUE: &[SymbolKind] = &[
    K::Account,
    K::Let,
    K::Policy,
    K::Group,
    K::User,
    K::Role,
    K::Template,
    K::Resource,
];
const PRINCIPALS: &[SymbolKind] = &[K::Group, K::User, K::Role];

pub(super) fn references(
    index: &NameIndex,
    modules: &[(FileId, Module)],
    std_modules: &[(FileId, String, Module)],
) -> Vec<Reference> {
    let mut walker = Walker {
        index,
        out: Vec::new(),
        file: FileId(0),
        params: BTreeSet::new(),
    };
    let all = modules
        .iter()
        .map(|(file, module)| (*file, module))
        .chain(std_modules.iter().map(|(file, _, module)| (*file, module)));
    for (file, module) in all {
        walker.file = file;
        walker.items(&module.items);
    }
    walker.out.sort_by_key(|r| (r.file, r.span));
    walker
        .out
        .dedup_by(|a, b| (a.file, a.span) == (b.file, b.span));
    walker.out
}

struct Walker<'i> {
    index: &'i NameIndex,
    out: Vec<Reference>,
    file: FileId,
    /// Parameters of the template being walked: they shadow project names in values.
    params: BTreeSet<String>,
}

impl Walker<'_> {
    /// A name where a declaration of one of `expects` is taken.
    fn declaration(&mut self, ident: &Ident, expects: &'static [SymbolKind]) {
        let referent = if self.index.declarations.contains_key(&ident.name) {
            Referent::Declaration
        } else {
            Referent::Unknown
        };
        self.push(ident, referent, expects);
    }

    /// A name where a value is taken.
    fn value_name(&mut self, ident: &Ident) {
        if self.params.contains(&ident.name) {
            self.push(ident, Referent::Parameter, VALUE);
        } else {
            self.declaration(ident, VALUE);
        }
    }

    fn push(&mut self, ident: &Ident, referent: Referent, expects: &'static [SymbolKind]) {
        self.out.push(Reference {
            file: self.file,
            span: ident.span(),
            name: ident.name.clone(),
            referent,
            expects,
        });
    }

    fn items(&mut self, items: &[Item]) {
        for item in items {
            match &item.kind {
                ItemKind::Account(_) | ItemKind::Error => {}
                ItemKind::Let(l) => self.value(&l.value),
                ItemKind::Block(b) => {
                    if let Some(account) = &b.account {
                        self.declaration(account, &[K::Account]);
                    }
                    self.stmts(&b.body, b.kind == DeclKind::User);
                }
                ItemKind::Resource(r) => {
                    if let Some(account) = &r.account {
                        self.declaration(account, &[K::Account]);
                    }
                    for arg in &r.constructor.args {
                        self.value(&arg.value);
                    }
                    if let Some(body) = &r.body {
                        self.stmts(body, false);
                    }
                }
                ItemKind::Template(t) => {
                    // Defaults are evaluated where the template is used, without parameters.
                    for param in &t.params {
                        if let Some(default) = &param.default {
                            self.value(default);
                        }
                    }
                    self.params = t.params.iter().map(|p| p.name.name.clone()).collect();
                    self.stmts(&t.body, false);
                    self.params.clear();
                }
                ItemKind::In(block) => {
                    self.declaration(&block.account, &[K::Account]);
                    self.items(&block.items);
                }
                ItemKind::OrgPolicy(p) => self.stmts(&p.body, false),
                ItemKind::Organization(o) => self.organization(&o.body),
                ItemKind::Expect(expect) => match &expect.kind {
                    ExpectKind::NoEscalation => {}
                    ExpectKind::Assume {
                        principal,
                        role,
                        condition,
                        ..
                    } => {
                        self.declaration(principal, PRINCIPALS);
                        self.declaration(role, &[K::Role]);
                        if let Some(condition) = condition {
                            self.condition(condition);
                        }
                    }
                    ExpectKind::Access {
                        principal,
                        resource,
                        condition,
                        ..
                    } => {
                        self.declaration(principal, PRINCIPALS);
                        self.resource(resource);
                        if let Some(condition) = condition {
                            self.condition(condition);
                        }
                    }
                },
            }
        }
    }

    /// `in_user`: the statements of a user, whose `groups` property names groups.
    fn stmts(&mut self, stmts: &[Stmt], in_user: bool) {
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Permission(p) => {
                    for r in p.resources.items.iter().chain(&p.resources.except) {
                        self.resource(r);
                    }
                    for principal in &p.principals {
                        self.principal(&principal.node);
                    }
                    if let Some(condition) = &p.condition {
                        self.condition(condition);
                    }
                }
                StmtKind::Attach(policy) | StmtKind::Boundary(policy) => match policy {
                    PolicyRef::Named(name) => self.declaration(name, &[K::Policy]),
                    PolicyRef::AwsManaged(s) => self.string(s),
                },
                StmtKind::Assume(assume) => {
                    match &assume.target {
                        Target::Named(name) => self.declaration(name, &[K::Role]),
                        Target::Arn(s) => self.string(s),
                    }
                    if let Some(condition) = &assume.condition {
                        self.condition(condition);
                    }
                }
                StmtKind::Use(u) => {
                    if let [name] = u.path.as_slice() {
                        self.declaration(name, &[K::Template]);
                    }
                    for arg in &u.args {
                        self.value(&arg.value);
                    }
                }
                StmtKind::Trust(trust) => {
                    for entry in &trust.entries {
                        self.principal(&entry.principal);
                        if let Some(condition) = &entry.condition {
                            self.condition(condition);
                        }
                    }
                }
                StmtKind::Property(p) if in_user && p.name.name == "groups" => {
                    match &p.value.kind {
                        ValueKind::List(values) => {
                            for value in values {
                                if let ValueKind::Name(group) = &value.kind {
                                    self.declaration(group, &[K::Group]);
                                }
                            }
                        }
                        _ => self.value(&p.value),
                    }
                }
                StmtKind::Property(p) => self.value(&p.value),
                // Outside an organization, an error of the checker's; its names are still
                // references.
                StmtKind::Unit(unit) => self.organization(&unit.body),
                StmtKind::Member(member) => {
                    self.declaration(&member.account, &[K::Account]);
                }
                StmtKind::Flag(_) | StmtKind::Error => {}
            }
        }
    }

    /// The statements of an organization or of one of its units: `attach` names its SCPs and
    /// RCPs, `account` its members, `management` the management account.
    fn organization(&mut self, stmts: &[Stmt]) {
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Attach(PolicyRef::Named(name)) => {
                    self.declaration(name, &[K::Scp, K::Rcp])
                }
                StmtKind::Attach(PolicyRef::AwsManaged(s)) => self.string(s),
                StmtKind::Unit(unit) => self.organization(&unit.body),
                StmtKind::Member(member) => {
                    self.declaration(&member.account, &[K::Account]);
                    if let Some(body) = &member.body {
                        self.organization(body);
                    }
                }
                StmtKind::Property(p) => match &p.value.kind {
                    ValueKind::Name(name) => self.declaration(name, &[K::Account]),
                    _ => self.value(&p.value),
                },
                _ => self.stmts(std::slice::from_ref(stmt), false),
            }
        }
    }

    fn principal(&mut self, principal: &Principal) {
        match principal {
            Principal::Account(NameOrString::Name(n)) => self.declaration(n, &[K::Account]),
            Principal::Role(Target::Named(n)) => self.declaration(n, &[K::Role]),
            Principal::User(Target::Named(n)) => self.declaration(n, &[K::User]),
            Principal::Saml(NameOrString::Name(n))
            | Principal::Oidc(NameOrString::Name(n))
            | Principal::Org(NameOrString::Name(n)) => self.value_name(n),
            Principal::Account(NameOrString::String(s))
            | Principal::Saml(NameOrString::String(s))
            | Principal::Oidc(NameOrString::String(s))
            | Principal::Org(NameOrString::String(s))
            | Principal::Role(Target::Arn(s))
            | Principal::User(Target::Arn(s)) => self.string(s),
            _ => {}
        }
    }

    fn resource(&mut self, resource: &Resource) {
        match resource {
            Resource::Constructor(c) => {
                for arg in &c.args {
                    self.value(&arg.value);
                }
            }
            Resource::Arn(s) => self.string(s),
            Resource::Named(name) => self.declaration(name, &[K::Resource]),
            Resource::Star(_) => {}
        }
    }

    fn condition(&mut self, condition: &Condition) {
        for clause in &condition.clauses {
            match &clause.kind {
                ClauseKind::Compare { value, .. } | ClauseKind::Raw { value, .. } => {
                    self.value(value)
                }
                ClauseKind::Mfa | ClauseKind::Exists { .. } => {}
            }
        }
    }

    fn value(&mut self, value: &Value) {
        match &value.kind {
            ValueKind::Name(name) => self.value_name(name),
            ValueKind::String(s) => self.string(s),
            ValueKind::List(values) => values.iter().for_each(|v| self.value(v)),
            _ => {}
        }
    }

    fn string(&mut self, lit: &StringLit) {
        for part in &lit.parts {
            if let StrPart::Interp(name) = part {
                self.value_name(name);
            }
        }
    }
}
