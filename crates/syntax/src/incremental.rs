//! Re-parsing after an edit: the language server parses a file on every keystroke, and most of
//! its declarations did not change. [`parse_cached`] cuts the file into declarations (the same
//! cut the error recovery uses), reuses the tree of every declaration whose text it has seen,
//! and parses only the others. The result is exactly what [`parse`] returns (tested).

use std::collections::HashMap;

use iamdsl_diagnostics::{FileId, Span};
use pest::Parser as _;

use crate::ast::*;
use crate::grammar::{Grammar, R};
use crate::lexer::{self, ITEM_KEYWORDS};
use crate::parser::{parse, Parsed, Walker};

/// Trees of declarations by their text, with spans relative to the declaration's start.
#[derive(Debug, Default)]
pub struct ParseCache {
    items: HashMap<String, Item>,
}

impl ParseCache {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// [`parse`], reusing the trees of unchanged declarations from `cache` (which then holds the
/// declarations of this text only).
pub fn parse_cached(source: &str, file: FileId, cache: &mut ParseCache) -> Parsed {
    let lexed = lexer::lex(source, file);
    if !lexed.errors.is_empty() {
        return parse(source, file);
    }
    let starts = lexer::piece_starts(source, &lexed.tokens, 0, ITEM_KEYWORDS, true);
    let mut bounds: Vec<usize> = starts
        .into_iter()
        .filter(|&s| s > 0 && s < source.len())
        .collect();
    bounds.insert(0, 0);
    bounds.push(source.len());
    bounds.dedup();
    let mut fresh: HashMap<String, Item> = HashMap::with_capacity(bounds.len());
    let mut items = Vec::with_capacity(bounds.len());
    for window in bounds.windows(2) {
        let [start, end] = [window[0], window[1]];
        let text = &source[start..end];
        let blank = lexed
            .tokens
            .iter()
            .filter(|t| (start..end).contains(&(t.span.start as usize)))
            .all(|t| t.is_comment());
        if blank {
            continue;
        }
        let relative = match cache
            .items
            .remove(text)
            .or_else(|| fresh.get(text).cloned())
        {
            Some(item) => item,
            None => {
                let Ok(mut pairs) = Grammar::parse(R::item_only, text) else {
                    return parse(source, file);
                };
                let walked = pairs
                    .next()
                    .and_then(|top| top.into_inner().find(|p| p.as_rule() == R::item))
                    .map(|pair| Walker { base: 0 }.item(pair));
                match walked {
                    Some(Ok(item)) => item,
                    _ => return parse(source, file),
                }
            }
        };
        let mut item = relative.clone();
        shift_item(&mut item, start);
        fresh.insert(text.to_string(), relative);
        items.push(item);
    }
    cache.items = fresh;
    Parsed {
        module: Module { items },
        diagnostics: Vec::new(),
    }
}

fn shift(loc: &mut Loc, by: usize) {
    let span: Span = loc.span();
    *loc = Loc(span.shifted(by));
}

fn shift_ident(ident: &mut Ident, by: usize) {
    shift(&mut ident.loc, by);
}

fn shift_prefix(prefix: &mut Prefix, by: usize) {
    for doc in &mut prefix.docs {
        shift(&mut doc.loc, by);
    }
    for attr in &mut prefix.attrs {
        shift(&mut attr.loc, by);
        shift_ident(&mut attr.name, by);
        attr.args.iter_mut().for_each(|a| shift_ident(a, by));
    }
}

fn shift_item(item: &mut Item, by: usize) {
    shift(&mut item.loc, by);
    shift_prefix(&mut item.prefix, by);
    match &mut item.kind {
        ItemKind::Account(a) => {
            shift_ident(&mut a.name, by);
            shift_string(&mut a.id, by);
        }
        ItemKind::Let(l) => {
            shift_ident(&mut l.name, by);
            shift_value(&mut l.value, by);
        }
        ItemKind::Block(b) => {
            shift_ident(&mut b.name, by);
            if let Some(account) = &mut b.account {
                shift_ident(account, by);
            }
            b.body.iter_mut().for_each(|s| shift_stmt(s, by));
        }
        ItemKind::Resource(r) => {
            shift_ident(&mut r.name, by);
            if let Some(account) = &mut r.account {
                shift_ident(account, by);
            }
            shift_constructor(&mut r.constructor, by);
            if let Some(body) = &mut r.body {
                body.iter_mut().for_each(|s| shift_stmt(s, by));
            }
        }
        ItemKind::Template(t) => {
            shift_ident(&mut t.name, by);
            for param in &mut t.params {
                shift_ident(&mut param.name, by);
                if let Some(default) = &mut param.default {
                    shift_value(default, by);
                }
            }
            t.body.iter_mut().for_each(|s| shift_stmt(s, by));
        }
        ItemKind::In(block) => {
            shift_ident(&mut block.account, by);
            block.items.iter_mut().for_each(|i| shift_item(i, by));
        }
        ItemKind::Expect(expect) => match &mut expect.kind {
            ExpectKind::NoEscalation => {}
            ExpectKind::Assume {
                principal,
                role,
                condition,
                ..
            } => {
                shift_ident(principal, by);
                shift_ident(role, by);
                if let Some(condition) = condition {
                    shift_condition(condition, by);
                }
            }
            ExpectKind::Access {
                principal,
                actions,
                resource,
                condition,
                ..
            } => {
                shift_ident(principal, by);
                actions.iter_mut().for_each(|a| shift_action(a, by));
                shift_resource(resource, by);
                if let Some(condition) = condition {
                    shift_condition(condition, by);
                }
            }
        },
        ItemKind::OrgPolicy(decl) => {
            shift_ident(&mut decl.name, by);
            decl.body.iter_mut().for_each(|s| shift_stmt(s, by));
        }
        ItemKind::Organization(decl) => {
            shift_ident(&mut decl.name, by);
            decl.body.iter_mut().for_each(|s| shift_stmt(s, by));
        }
        ItemKind::Error => {}
    }
}

fn shift_stmt(stmt: &mut Stmt, by: usize) {
    shift(&mut stmt.loc, by);
    shift_prefix(&mut stmt.prefix, by);
    match &mut stmt.kind {
        StmtKind::Permission(p) => {
            shift(&mut p.effect.loc, by);
            shift(&mut p.actions.loc, by);
            p.actions
                .items
                .iter_mut()
                .chain(p.actions.except.iter_mut())
                .for_each(|a| shift_action(a, by));
            shift(&mut p.resources.loc, by);
            p.resources
                .items
                .iter_mut()
                .chain(p.resources.except.iter_mut())
                .for_each(|r| shift_resource(r, by));
            for principal in &mut p.principals {
                shift(&mut principal.loc, by);
                shift_principal(&mut principal.node, by);
            }
            if let Some(condition) = &mut p.condition {
                shift_condition(condition, by);
            }
            if let Some(until) = &mut p.until {
                shift(&mut until.loc, by);
            }
        }
        StmtKind::Attach(policy) | StmtKind::Boundary(policy) => match policy {
            PolicyRef::Named(name) => shift_ident(name, by),
            PolicyRef::AwsManaged(s) => shift_string(s, by),
        },
        StmtKind::Assume(assume) => {
            shift_target(&mut assume.target, by);
            if let Some(condition) = &mut assume.condition {
                shift_condition(condition, by);
            }
        }
        StmtKind::Unit(unit) => {
            shift_ident(&mut unit.name, by);
            unit.body.iter_mut().for_each(|s| shift_stmt(s, by));
        }
        StmtKind::Member(member) => {
            shift_ident(&mut member.account, by);
            if let Some(body) = &mut member.body {
                body.iter_mut().for_each(|s| shift_stmt(s, by));
            }
        }
        StmtKind::Use(u) => {
            u.path.iter_mut().for_each(|p| shift_ident(p, by));
            u.args.iter_mut().for_each(|a| shift_arg(a, by));
        }
        StmtKind::Trust(trust) => {
            shift(&mut trust.loc, by);
            for entry in &mut trust.entries {
                shift(&mut entry.loc, by);
                shift_prefix(&mut entry.prefix, by);
                shift_principal(&mut entry.principal, by);
                if let Some(condition) = &mut entry.condition {
                    shift_condition(condition, by);
                }
            }
        }
        StmtKind::Property(p) => {
            shift_ident(&mut p.name, by);
            shift_value(&mut p.value, by);
        }
        StmtKind::Flag(flag) => shift_ident(flag, by),
        StmtKind::Error => {}
    }
}

fn shift_principal(principal: &mut Principal, by: usize) {
    match principal {
        Principal::Service(s) => shift(&mut s.loc, by),
        Principal::Account(n) | Principal::Saml(n) | Principal::Oidc(n) | Principal::Org(n) => {
            shift_name_or_string(n, by)
        }
        Principal::Role(t) | Principal::User(t) => shift_target(t, by),
        Principal::Star(loc) => shift(loc, by),
    }
}

fn shift_constructor(c: &mut Constructor, by: usize) {
    shift(&mut c.loc, by);
    shift_ident(&mut c.service, by);
    shift_ident(&mut c.resource_type, by);
    c.args.iter_mut().for_each(|a| shift_arg(a, by));
}

fn shift_action(action: &mut ActionItem, by: usize) {
    match action {
        ActionItem::Star(loc) => shift(loc, by),
        ActionItem::Level(level) => shift(&mut level.loc, by),
        ActionItem::Pattern(pattern) => shift(&mut pattern.loc, by),
    }
}

fn shift_resource(resource: &mut Resource, by: usize) {
    match resource {
        Resource::Star(loc) => shift(loc, by),
        Resource::Arn(s) => shift_string(s, by),
        Resource::Named(name) => shift_ident(name, by),
        Resource::Constructor(c) => {
            shift_constructor(c, by);
        }
    }
}

fn shift_arg(arg: &mut Arg, by: usize) {
    if let Some(name) = &mut arg.name {
        shift_ident(name, by);
    }
    shift_value(&mut arg.value, by);
}

fn shift_condition(condition: &mut Condition, by: usize) {
    shift(&mut condition.loc, by);
    for clause in &mut condition.clauses {
        shift(&mut clause.loc, by);
        match &mut clause.kind {
            ClauseKind::Mfa => {}
            ClauseKind::Exists { key, .. } => shift(&mut key.loc, by),
            ClauseKind::Compare {
                quantifier,
                key,
                op,
                value,
                ..
            } => {
                if let Some(q) = quantifier {
                    shift(&mut q.loc, by);
                }
                shift(&mut key.loc, by);
                shift(&mut op.loc, by);
                shift_value(value, by);
            }
            ClauseKind::Raw {
                operator,
                key,
                value,
            } => {
                shift(&mut operator.loc, by);
                shift(&mut key.loc, by);
                shift_value(value, by);
            }
        }
    }
}

fn shift_target(target: &mut Target, by: usize) {
    match target {
        Target::Named(name) => shift_ident(name, by),
        Target::Arn(s) => shift_string(s, by),
    }
}

fn shift_name_or_string(value: &mut NameOrString, by: usize) {
    match value {
        NameOrString::Name(name) => shift_ident(name, by),
        NameOrString::String(s) => shift_string(s, by),
    }
}

fn shift_value(value: &mut Value, by: usize) {
    shift(&mut value.loc, by);
    match &mut value.kind {
        ValueKind::String(s) => shift_string(s, by),
        ValueKind::List(values) => values.iter_mut().for_each(|v| shift_value(v, by)),
        ValueKind::Name(name) => shift_ident(name, by),
        _ => {}
    }
}

fn shift_string(lit: &mut StringLit, by: usize) {
    shift(&mut lit.loc, by);
    for part in &mut lit.parts {
        if let StrPart::Interp(name) = part {
            shift_ident(name, by);
        }
    }
}
