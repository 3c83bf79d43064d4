//! Where names are declared and used, for go-to-definition, references, rename and hover. One
//! namespace: a name means the same declaration in every file (template parameters aside).

use std::collections::BTreeSet;

use iamdsl_diagnostics::{FileId, Span};
use iamdsl_syntax::ast::*;

/// One appearance of a project-level name in the source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Occurrence {
    pub file: FileId,
    pub span: Span,
    pub name: String,
    /// The declaration itself, not a use.
    pub declaration: bool,
}

/// Every occurrence of a declared or referenced name in the modules, in source order.
pub fn occurrences(modules: &[(FileId, Module)]) -> Vec<Occurrence> {
    let mut walker = Walker {
        out: Vec::new(),
        file: FileId(0),
        params: BTreeSet::new(),
    };
    for (file, module) in modules {
        walker.file = *file;
        walker.items(&module.items);
    }
    walker.out.sort();
    walker.out
}

struct Walker {
    out: Vec<Occurrence>,
    file: FileId,
    /// Parameters of the template being walked: they shadow project names.
    params: BTreeSet<String>,
}

impl Walker {
    fn add(&mut self, ident: &Ident, declaration: bool) {
        if !declaration && self.params.contains(&ident.name) {
            return;
        }
        self.out.push(Occurrence {
            file: self.file,
            span: ident.span(),
            name: ident.name.clone(),
            declaration,
        });
    }

    fn items(&mut self, items: &[Item]) {
        for item in items {
            match &item.kind {
                ItemKind::Account(a) => self.add(&a.name, true),
                ItemKind::Let(l) => {
                    self.add(&l.name, true);
                    self.value(&l.value);
                }
                ItemKind::Block(b) => {
                    self.add(&b.name, true);
                    if let Some(account) = &b.account {
                        self.add(account, false);
                    }
                    self.stmts(&b.body);
                }
                ItemKind::Template(t) => {
                    self.add(&t.name, true);
                    for param in &t.params {
                        if let Some(default) = &param.default {
                            self.value(default);
                        }
                    }
                    self.params = t.params.iter().map(|p| p.name.name.clone()).collect();
                    self.stmts(&t.body);
                    self.params.clear();
                }
                ItemKind::In(block) => {
                    self.add(&block.account, false);
                    self.items(&block.items);
                }
                ItemKind::Expect(expect) => match &expect.kind {
                    ExpectKind::NoEscalation => {}
                    ExpectKind::Assume {
                        principal,
                        role,
                        condition,
                        ..
                    } => {
                        self.add(principal, false);
                        self.add(role, false);
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
                        self.add(principal, false);
                        self.resource(resource);
                        if let Some(condition) = condition {
                            self.condition(condition);
                        }
                    }
                },
                ItemKind::Error => {}
            }
        }
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Permission(p) => {
                    for r in p.resources.items.iter().chain(&p.resources.except) {
                        self.resource(r);
                    }
                    if let Some(condition) = &p.condition {
                        self.condition(condition);
                    }
                }
                StmtKind::Attach(PolicyRef::Named(name))
                | StmtKind::Boundary(PolicyRef::Named(name)) => self.add(name, false),
                StmtKind::Attach(PolicyRef::AwsManaged(s))
                | StmtKind::Boundary(PolicyRef::AwsManaged(s)) => self.string(s),
                StmtKind::Assume(assume) => {
                    match &assume.target {
                        Target::Named(name) => self.add(name, false),
                        Target::Arn(s) => self.string(s),
                    }
                    if let Some(condition) = &assume.condition {
                        self.condition(condition);
                    }
                }
                StmtKind::Use(u) => {
                    if let [name] = u.path.as_slice() {
                        self.add(name, false);
                    }
                    for arg in &u.args {
                        self.value(&arg.value);
                    }
                }
                StmtKind::Trust(trust) => {
                    for entry in &trust.entries {
                        match &entry.principal {
                            Principal::Account(NameOrString::Name(n))
                            | Principal::Saml(NameOrString::Name(n))
                            | Principal::Oidc(NameOrString::Name(n))
                            | Principal::Role(Target::Named(n))
                            | Principal::User(Target::Named(n)) => self.add(n, false),
                            _ => {}
                        }
                        if let Some(condition) = &entry.condition {
                            self.condition(condition);
                        }
                    }
                }
                StmtKind::Property(p) => self.value(&p.value),
                StmtKind::Flag(_) | StmtKind::Error => {}
            }
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
            ValueKind::Name(name) => self.add(name, false),
            ValueKind::String(s) => self.string(s),
            ValueKind::List(values) => values.iter().for_each(|v| self.value(v)),
            _ => {}
        }
    }

    fn string(&mut self, lit: &StringLit) {
        for part in &lit.parts {
            if let StrPart::Interp(name) = part {
                self.add(name, false);
            }
        }
    }
}

/// The occurrence at `offset` in `file`, if the cursor is on a name.
pub fn occurrence_at(
    occurrences: &[Occurrence],
    file: FileId,
    offset: usize,
) -> Option<&Occurrence> {
    occurrences
        .iter()
        .find(|o| o.file == file && o.span.contains(offset))
}
