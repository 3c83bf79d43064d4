//! Values: `let`s, template parameters and declarations used as values, strings with `${…}`,
//! and what a declaration's account, AWS name and ARN are.

use std::collections::BTreeMap;

use iamdsl_diagnostics::{codes, suggest, Diagnostic};
use iamdsl_syntax::ast::*;

use super::{Lowerer, Scope, Val};
use crate::model::Account;
use crate::resolve::{Decl, Referent, SymbolKind};

impl<'a> Lowerer<'a> {
    pub fn account_of(&mut self, decl: &Decl<'a>) -> Option<Account> {
        let placement = match &decl.item.kind {
            ItemKind::Block(block) => block.account.as_ref(),
            ItemKind::Resource(resource) => resource.account.as_ref(),
            _ => None,
        }
        .or(decl.in_block);
        match placement {
            Some(ident) => {
                let resolved = self.resolve(None, decl.file, ident, &[SymbolKind::Account])?;
                self.names
                    .accounts
                    .by_name
                    .get(&resolved.name.name)
                    .cloned()
            }
            None => match &self.names.accounts.default {
                Some(name) => self.names.accounts.by_name.get(name).cloned(),
                None => {
                    let diagnostic = if self.names.accounts.by_name.is_empty() {
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
                                decl.kind.keyword(),
                                decl.name.name
                            ))
                    };
                    self.diagnostics.push(diagnostic);
                    None
                }
            },
        }
    }

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
            ValueKind::Map(entries) => {
                let mut out = Vec::new();
                for entry in entries {
                    let key = match &entry.key {
                        NameOrString::Name(name) => name.name.clone(),
                        NameOrString::String(lit) => self.eval_string(scope, lit)?,
                    };
                    out.push((key, self.eval(scope, &entry.value)?));
                }
                Val::Map(out)
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
            Val::Decl(name, SymbolKind::Account) => {
                self.names.accounts.by_name.get(name).map(|a| a.id.clone())
            }
            // A declared resource stands for its ARN (`aws:SourceArn == topic`).
            Val::Decl(name, SymbolKind::Resource) => {
                self.deferred.resources.get(name).map(|t| t.arn.clone())
            }
            Val::Decl(name, _) => Some(self.aws_name(name).1),
            Val::List(_) | Val::Map(_) => None,
        }
    }

    /// A name used as a value: a template parameter, a `let`, or a declaration.
    pub fn lookup_value(&mut self, scope: &Scope, ident: &Ident) -> Option<Val> {
        let referent = self.referent(scope.file, ident);
        if referent == Referent::Parameter {
            if let Some(value) = scope.params.get(&ident.name) {
                return Some(value.clone());
            }
        }
        let decl = match referent {
            Referent::Declaration => self.names.decls.get(&ident.name).copied(),
            Referent::Parameter | Referent::Unknown => None,
        };
        let Some(decl) = decl else {
            let mut candidates: Vec<&str> = scope.params.keys().map(String::as_str).collect();
            candidates.extend(self.names.decls.keys().map(String::as_str));
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
        }) = self.names.decls.get(ident)
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
        let decl = self.names.decls.get(ident).copied()?;
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
}
