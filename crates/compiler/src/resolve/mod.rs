//! The first pass: every declaration of the project and the standard library by name, the
//! accounts, and what each name in the sources refers to. Lowering reads its answers from here,
//! and so does the language server (go to definition, references, rename, symbols): there is one
//! resolver.
//!
//! The project has one namespace: a name means the same declaration in every file. Inside a
//! template's body, its parameters shadow project names where a value is expected (`${bucket}`,
//! `bucket: b`); where a declaration of some kind is expected (`attach`, `assume`, `groups`,
//! `in`, trust principals) a name is always a project name.

mod accounts;
mod walk;

use std::collections::{BTreeMap, BTreeSet};

use iamdsl_diagnostics::{codes, Diagnostic, FileId, Span};
use iamdsl_syntax::ast::*;

pub(crate) use accounts::Accounts;

/// What a name in the project's namespace stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SymbolKind {
    Account,
    Let,
    Policy,
    Group,
    User,
    Role,
    Template,
    /// A resource with its own policy (`resource logs = s3.bucket(…)`).
    Resource,
    /// A service control policy of the organization (`scp NAME { … }`).
    Scp,
    /// A resource control policy of the organization (`rcp NAME { … }`).
    Rcp,
    /// The organization (`organization NAME { … }`).
    Organization,
}

impl SymbolKind {
    pub fn describe(self) -> &'static str {
        match self {
            SymbolKind::Account => "an account",
            SymbolKind::Let => "a `let` value",
            SymbolKind::Policy => "a policy",
            SymbolKind::Group => "a group",
            SymbolKind::User => "a user",
            SymbolKind::Role => "a role",
            SymbolKind::Template => "a template",
            SymbolKind::Resource => "a resource",
            SymbolKind::Scp => "an SCP",
            SymbolKind::Rcp => "an RCP",
            SymbolKind::Organization => "an organization",
        }
    }

    /// The keyword that declares it.
    pub fn keyword(self) -> &'static str {
        match self {
            SymbolKind::Account => "account",
            SymbolKind::Let => "let",
            SymbolKind::Template => "template",
            SymbolKind::Resource => "resource",
            SymbolKind::Scp => "scp",
            SymbolKind::Rcp => "rcp",
            SymbolKind::Organization => "organization",
            other => other.entity().map_or("", DeclKind::keyword),
        }
    }

    /// The kind of IAM entity it declares, if it declares one.
    pub fn entity(self) -> Option<DeclKind> {
        match self {
            SymbolKind::Policy => Some(DeclKind::Policy),
            SymbolKind::Group => Some(DeclKind::Group),
            SymbolKind::User => Some(DeclKind::User),
            SymbolKind::Role => Some(DeclKind::Role),
            _ => None,
        }
    }
}

impl From<DeclKind> for SymbolKind {
    fn from(kind: DeclKind) -> SymbolKind {
        match kind {
            DeclKind::Policy => SymbolKind::Policy,
            DeclKind::Group => SymbolKind::Group,
            DeclKind::User => SymbolKind::User,
            DeclKind::Role => SymbolKind::Role,
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

/// What the first pass found, for lowering: the declarations themselves and the facts that
/// lowering needs before it lowers any of them.
pub(crate) struct Names<'a> {
    /// Project declarations by name.
    pub decls: BTreeMap<String, Decl<'a>>,
    /// The standard library's templates, by `std.MODULE.NAME`.
    pub std_templates: BTreeMap<String, Decl<'a>>,
    pub accounts: Accounts,
    /// `expect …` declarations, in file order.
    pub expectations: Vec<(FileId, &'a Item)>,
    /// Group name to the names of the users that list it in `groups`.
    pub members: BTreeMap<String, Vec<String>>,
    /// Policies used as permissions boundaries (the admin lints do not apply to them).
    pub boundaries: BTreeSet<String>,
    /// What every name in the sources refers to.
    pub index: NameIndex,
}

/// Where a declaration is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub kind: SymbolKind,
    pub file: FileId,
    /// The declared name's span.
    pub span: Span,
    /// The whole declaration's span.
    pub item: Span,
}

/// What a name written in the source refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Referent {
    /// The project declaration of that name (of whatever kind: a wrong kind is the checker's
    /// error to report, not a different resolution).
    Declaration,
    /// A parameter of the template whose body it is in.
    Parameter,
    /// Nothing is declared with that name.
    Unknown,
}

/// One name written in the source, other than at its declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub file: FileId,
    pub span: Span,
    pub name: String,
    pub referent: Referent,
    /// The kinds of declaration the place takes (every kind where a value is expected).
    pub expects: &'static [SymbolKind],
}

/// Every declaration and every reference of a project, owned, so that the analysis keeps it:
/// the language server's navigation is lookups here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameIndex {
    pub declarations: BTreeMap<String, Declaration>,
    /// Sorted by file and position.
    pub references: Vec<Reference>,
}

impl NameIndex {
    /// The reference written at exactly `span` of `file`.
    pub fn reference(&self, file: FileId, span: Span) -> Option<&Reference> {
        self.references
            .binary_search_by(|r| (r.file, r.span).cmp(&(file, span)))
            .ok()
            .and_then(|i| self.references.get(i))
    }

    /// The declared name under `offset` of `file`: a declaration's own name, or a reference
    /// that resolves to a declaration.
    pub fn name_at(&self, file: FileId, offset: usize) -> Option<&str> {
        let declared = self
            .declarations
            .iter()
            .find(|(_, d)| d.file == file && d.span.contains(offset))
            .map(|(name, _)| name.as_str());
        declared.or_else(|| {
            self.references
                .iter()
                .find(|r| {
                    r.file == file && r.span.contains(offset) && r.referent == Referent::Declaration
                })
                .map(|r| r.name.as_str())
        })
    }

    /// Every place that refers to the declaration `name`.
    pub fn references_to<'i>(&'i self, name: &'i str) -> impl Iterator<Item = &'i Reference> {
        self.references
            .iter()
            .filter(move |r| r.referent == Referent::Declaration && r.name == name)
    }

    /// Declared names of one of `kinds`, sorted.
    pub fn declared<'i>(
        &'i self,
        kinds: &'i [SymbolKind],
    ) -> impl Iterator<Item = (&'i str, &'i Declaration)> {
        self.declarations
            .iter()
            .filter(move |(_, d)| kinds.contains(&d.kind))
            .map(|(name, d)| (name.as_str(), d))
    }
}

pub(crate) fn std_name(path: &[Ident]) -> String {
    path.iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

/// The first pass over the parsed project and standard library.
pub(crate) fn resolve<'a>(
    modules: &'a [(FileId, Module)],
    std_modules: &'a [(FileId, String, Module)],
    diagnostics: &mut Vec<Diagnostic>,
) -> Names<'a> {
    let mut decls = BTreeMap::new();
    let mut expectations = Vec::new();
    for (file, module) in modules {
        collect_items(
            *file,
            &module.items,
            None,
            &mut decls,
            &mut expectations,
            diagnostics,
        );
    }
    let mut std_templates = BTreeMap::new();
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
                std_templates.insert(name, decl);
            }
        }
    }
    let accounts = Accounts::resolve(&decls, diagnostics);
    let (members, boundaries) = membership(&decls);
    let declarations = decls
        .iter()
        .map(|(name, d)| {
            let declaration = Declaration {
                kind: d.kind,
                file: d.file,
                span: d.name.span(),
                item: d.item.loc.span(),
            };
            (name.clone(), declaration)
        })
        .collect();
    let mut index = NameIndex {
        declarations,
        references: Vec::new(),
    };
    index.references = walk::references(&index, modules, std_modules);
    Names {
        decls,
        std_templates,
        accounts,
        expectations,
        members,
        boundaries,
        index,
    }
}

fn collect_items<'a>(
    file: FileId,
    items: &'a [Item],
    in_block: Option<&'a Ident>,
    decls: &mut BTreeMap<String, Decl<'a>>,
    expectations: &mut Vec<(FileId, &'a Item)>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for item in items {
        let (kind, name) = match &item.kind {
            ItemKind::Account(a) => (SymbolKind::Account, &a.name),
            ItemKind::Let(l) => (SymbolKind::Let, &l.name),
            ItemKind::Block(b) => (SymbolKind::from(b.kind), &b.name),
            ItemKind::Template(t) => (SymbolKind::Template, &t.name),
            ItemKind::Resource(r) => (SymbolKind::Resource, &r.name),
            ItemKind::OrgPolicy(p) => (
                match p.kind {
                    OrgPolicyKind::Scp => SymbolKind::Scp,
                    OrgPolicyKind::Rcp => SymbolKind::Rcp,
                },
                &p.name,
            ),
            ItemKind::Organization(o) => (SymbolKind::Organization, &o.name),
            ItemKind::In(block) => {
                let account = Some(&block.account);
                collect_items(
                    file,
                    &block.items,
                    account,
                    decls,
                    expectations,
                    diagnostics,
                );
                continue;
            }
            ItemKind::Expect(_) => {
                expectations.push((file, item));
                continue;
            }
            ItemKind::Error => continue,
        };
        if let Some(first) = decls.get(&name.name) {
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
            diagnostics.push(diagnostic);
            continue;
        }
        let decl = Decl {
            kind,
            file,
            item,
            name,
            in_block,
        };
        decls.insert(name.name.clone(), decl);
    }
}

/// Facts needed before lowering any declaration: group members, boundary policies.
fn membership(
    decls: &BTreeMap<String, Decl<'_>>,
) -> (BTreeMap<String, Vec<String>>, BTreeSet<String>) {
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut boundaries = BTreeSet::new();
    for decl in decls.values() {
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
                                members
                                    .entry(group.name.clone())
                                    .or_default()
                                    .push(block.name.name.clone());
                            }
                        }
                    }
                }
                StmtKind::Boundary(PolicyRef::Named(name)) => {
                    boundaries.insert(name.name.clone());
                }
                _ => {}
            }
        }
    }
    (members, boundaries)
}
