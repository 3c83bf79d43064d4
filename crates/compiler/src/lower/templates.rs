//! `use TEMPLATE(…)`: arguments bound to parameters, and the template's body lowered in place.

use std::collections::BTreeMap;

use iamdsl_diagnostics::{codes, suggest, Diagnostic, FileId};
use iamdsl_syntax::ast::*;

use super::{Lowerer, Scope, Val};
use crate::model::Entity;
use crate::resolve::std_name;
use crate::resolve::SymbolKind;

impl<'a> Lowerer<'a> {
    pub(super) fn lower_use(
        &mut self,
        scope: &Scope,
        stmt: &Stmt,
        use_stmt: &UseStmt,
        entity: &mut Entity,
    ) {
        let name = std_name(&use_stmt.path);
        let Some(first) = use_stmt.path.first() else {
            return;
        };
        let span = first
            .span()
            .to(use_stmt.path.last().map_or(first.span(), |l| l.span()));
        let decl = if use_stmt.path.len() > 1 {
            match self.names.std_templates.get(&name).copied() {
                Some(decl) => decl,
                None => {
                    let names: Vec<&str> = self
                        .names
                        .std_templates
                        .keys()
                        .map(String::as_str)
                        .collect();
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
        let Some(params) =
            self.bind_arguments(scope, stmt, &name, (decl.file, template), &use_stmt.args)
        else {
            return;
        };
        let mut inner = scope.clone();
        inner.file = decl.file;
        inner.params = params;
        inner.uses.push((scope.file, stmt.loc.span(), name));
        inner
            .allowed
            .extend(self.allowed(decl.file, &decl.item.prefix));
        self.lower_statements(&inner, &template.body, entity);
    }

    pub(super) fn bind_arguments(
        &mut self,
        scope: &Scope,
        stmt: &Stmt,
        name: &str,
        (template_file, template): (FileId, &TemplateDecl),
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
                    // A default is written in the template's file, and sees no parameters.
                    let default_scope = Scope {
                        file: template_file,
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
}
