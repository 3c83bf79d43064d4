//! What the server answers, computed from a [`Snapshot`] of the compiler's analysis.

use std::collections::HashMap;

use iamdsl_catalog::managed::managed_policies;
use iamdsl_catalog::resource_policies::RESOURCE_POLICY_KINDS;
use iamdsl_catalog::{catalog, constructor_name};
use iamdsl_compiler::vocabulary::{self, OPERATORS, PROVIDER_KEYS, SHORTHANDS};
use iamdsl_policy::canonical::document_json;
use iamdsl_syntax::ast::{DeclKind, Item, ItemKind};
use iamdsl_syntax::lexer::{ITEM_KEYWORDS, KEYWORDS, STMT_KEYWORDS, TRUST_KEYWORDS};
use iamdsl_syntax::query::{Principal, Query, Slot, Statement};
use tower_lsp::lsp_types::*;

use crate::convert::{offset, position, range};
use crate::Snapshot;

/// The word around `at`: letters, digits and the characters of actions, keys and constructors.
fn word_at(text: &str, at: usize) -> (usize, usize) {
    let is_word = |c: char| c.is_ascii_alphanumeric() || "_-:.*?/".contains(c);
    let start = text[..at.min(text.len())]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = text[at.min(text.len())..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| at + i);
    (start, end)
}

/// `a`, `b`, `c` in Markdown.
fn code_list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn markdown(value: String) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: None,
    }
}

fn declaration<'a>(snapshot: &'a Snapshot, name: &str) -> Option<&'a Item> {
    fn find<'a>(items: &'a [Item], name: &str) -> Option<&'a Item> {
        items.iter().find_map(|item| match &item.kind {
            ItemKind::In(block) => find(&block.items, name),
            ItemKind::Account(a) if a.name.name == name => Some(item),
            ItemKind::Let(l) if l.name.name == name => Some(item),
            ItemKind::Block(b) if b.name.name == name => Some(item),
            ItemKind::Template(t) if t.name.name == name => Some(item),
            ItemKind::Resource(r) if r.name.name == name => Some(item),
            _ => None,
        })
    }
    snapshot
        .analysis
        .modules
        .iter()
        .find_map(|(_, module)| find(&module.items, name))
}

/// The text of the `attach aws "…"` or `boundary aws "…"` string at `offset`, if any.
fn aws_policy_at(items: &[Item], offset: usize) -> Option<String> {
    use iamdsl_syntax::ast::{PolicyRef, StmtKind};
    items.iter().find_map(|item| {
        let body = match &item.kind {
            ItemKind::Block(b) => &b.body,
            ItemKind::Template(t) => &t.body,
            ItemKind::In(block) => return aws_policy_at(&block.items, offset),
            _ => return None,
        };
        body.iter().find_map(|stmt| match &stmt.kind {
            StmtKind::Attach(PolicyRef::AwsManaged(lit))
            | StmtKind::Boundary(PolicyRef::AwsManaged(lit))
                if lit.span().contains(offset) =>
            {
                lit.as_plain()
            }
            _ => None,
        })
    })
}

/// An AWS managed policy, as `iamdsl catalog NAME` shows it.
fn aws_policy_hover(written: &str) -> Option<Hover> {
    let policies = managed_policies();
    let policy = policies.get(written).or_else(|| policies.by_arn(written))?;
    let mut value = format!(
        "**AWS managed policy** `{}`, version {}{}\n\n`{}`\n",
        policy.name(),
        policy.version(),
        if policy.retired() {
            ", **retired by AWS**"
        } else {
            ""
        },
        policy.arn("aws")
    );
    for (index, statement) in policy.statements().iter().enumerate() {
        let sid = statement
            .sid
            .as_deref()
            .map(|sid| format!(" `{sid}`"))
            .unwrap_or_default();
        value.push_str(&format!(
            "\n- statement {}{sid}: {}",
            index + 1,
            statement.describe()
        ));
    }
    Some(markdown(value))
}

pub fn hover(snapshot: &Snapshot, url: &Url, at: Position) -> Option<Hover> {
    let file = snapshot.file_of(url)?;
    let text = snapshot.project.sources.text(file);
    let offset = offset(text, at);
    if let Some((_, module)) = snapshot.module_of(url) {
        if let Some(written) = aws_policy_at(&module.items, offset) {
            return aws_policy_hover(&written);
        }
    }
    if let Some(name) = snapshot.analysis.names.name_at(file, offset) {
        let item = declaration(snapshot, name)?;
        let (kind, entity_kind) = match &item.kind {
            ItemKind::Account(a) => (
                format!(
                    "account `{}` = {}",
                    a.name.name,
                    a.id.as_plain().unwrap_or_default()
                ),
                None,
            ),
            ItemKind::Let(_) => ("`let` value".to_string(), None),
            ItemKind::Template(t) => (
                format!(
                    "template `{}({})`",
                    t.name.name,
                    t.params
                        .iter()
                        .map(|p| p.name.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None,
            ),
            ItemKind::Block(b) => (
                format!("{} `{}`", b.kind.keyword(), b.name.name),
                Some(b.kind),
            ),
            ItemKind::Resource(r) => (
                format!(
                    "resource `{}` = {}.{}",
                    r.name.name, r.constructor.service.name, r.constructor.resource_type.name
                ),
                None,
            ),
            _ => return None,
        };
        let mut value = format!("**{kind}**");
        if let Some(doc) = item.prefix.doc_text() {
            value.push_str(&format!("\n\n{doc}"));
        }
        if let Some(resource) = snapshot
            .analysis
            .model
            .resources
            .iter()
            .find(|r| r.ident == name)
        {
            value.push_str(&resource_policy_hover(resource));
        }
        if let Some(entity) = entity_kind.and_then(|k| snapshot.analysis.model.entity(k, name)) {
            value.push_str(&format!(
                "\n\n`{}`",
                entity.arn(&snapshot.analysis.model.partition)
            ));
            if let Some(trust) = &entity.trust {
                value.push_str(&format!(
                    "\n\nTrust policy:\n```json\n{}```",
                    document_json(trust).pretty()
                ));
            }
            if !entity.document.is_empty() {
                let title = if entity.kind == DeclKind::Policy {
                    "Policy"
                } else {
                    "Inline policy"
                };
                value.push_str(&format!(
                    "\n\n{title}:\n```json\n{}```",
                    document_json(&entity.document).pretty()
                ));
            }
            if !entity.managed.is_empty() {
                value.push_str(&format!("\n\nAttached: {}", code_list(&entity.managed)));
            }
        }
        return Some(markdown(value));
    }
    let (start, end) = word_at(text, offset);
    let word = text.get(start..end)?.trim_matches(|c| c == '.' || c == ':');
    if word.contains(':') {
        if let Some((service, action)) = catalog().action(word) {
            let resources: Vec<String> = action
                .resources
                .iter()
                .map(|r| {
                    format!(
                        "`{}.{}`{}",
                        service.prefix,
                        constructor_name(&r.resource_type),
                        if r.required { " (required)" } else { "" }
                    )
                })
                .collect();
            let mut value = format!(
                "**{}:{}** — {}",
                service.prefix,
                action.name,
                action.level().name()
            );
            value.push_str(&format!(
                "\n\nResources: {}",
                if resources.is_empty() {
                    "`*` only (no resource-level permissions)".to_string()
                } else {
                    resources.join(", ")
                }
            ));
            if !action.condition_keys.is_empty() {
                value.push_str(&format!(
                    "\n\nCondition keys: {}",
                    code_list(&action.condition_keys)
                ));
            }
            value.push_str(&format!(
                "\n\n[Service Authorization Reference](https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html) · catalog {}",
                catalog().version()
            ));
            return Some(markdown(value));
        }
        if let Some(key) = catalog().condition_key(word) {
            let kind = if key.kind.multivalued {
                format!("multivalued {}", key.kind.base.name())
            } else {
                key.kind.base.name().to_string()
            };
            return Some(markdown(format!(
                "**{}** — condition key, {kind}",
                key.name
            )));
        }
    }
    if let Some((prefix, type_name)) = word.split_once('.') {
        let service = catalog().service(prefix)?;
        let resource_type = service
            .resource_type_by_constructor(type_name.split('(').next().unwrap_or(type_name))?;
        let arns: Vec<String> = resource_type
            .arns
            .iter()
            .map(|a| format!("`{a}`"))
            .collect();
        return Some(markdown(format!(
            "**{prefix}.{}** — resource type of {}\n\nARN: {}",
            resource_type.constructor(),
            service.name,
            arns.join(", ")
        )));
    }
    // An access level: the statement's expansion, from the statements the source line produced.
    if ["list", "read", "write", "tagging", "permissions"].contains(&word) {
        let statements: Vec<String> = model_statements(&snapshot.analysis.model)
            .filter(|s| {
                s.origins
                    .iter()
                    .any(|o| o.file == file && o.span.contains(offset))
            })
            .map(|s| iamdsl_policy::canonical::statement_json(s).pretty())
            .collect();
        if !statements.is_empty() {
            return Some(markdown(format!(
                "**{word}** expands to:\n```json\n{}\n```",
                statements.join(",\n")
            )));
        }
    }
    None
}

/// A declared resource's ARN, account and policy, in the form its service stores it (what
/// `build` writes to `resources/NAME.json`).
fn resource_policy_hover(resource: &iamdsl_compiler::model::Resource) -> String {
    let mut label = resource.kind.label.to_string();
    if let Some(first) = label.get(..1) {
        label = first.to_ascii_uppercase() + &label[1..];
    }
    let mut value = format!(
        "\n\n`{}`, in account `{}` ({})",
        resource.arn, resource.account.name, resource.account.id
    );
    match &resource.policy {
        Some(document) => value.push_str(&format!(
            "\n\n{label}:\n```json\n{}```",
            iamdsl_compiler::bundle::stored_form(resource, document).pretty()
        )),
        None => value.push_str(&format!(
            "\n\nNo {}: declared without one.",
            resource.kind.label
        )),
    }
    value
}

/// Every statement the model holds: of the entities' policies and the resources'.
fn model_statements(
    model: &iamdsl_compiler::model::Model,
) -> impl Iterator<Item = &iamdsl_policy::Statement> {
    model
        .entities
        .iter()
        .flat_map(|e| &e.document.statements)
        .chain(
            model
                .resources
                .iter()
                .filter_map(|r| r.policy.as_ref())
                .flat_map(|p| &p.statements),
        )
}

/// Every declaration of the project: name and kind keyword, by name.
fn declarations(snapshot: &Snapshot) -> Vec<(String, &'static str)> {
    let names = &snapshot.analysis.names;
    names
        .declarations
        .iter()
        .map(|(name, d)| (name.clone(), d.kind.keyword()))
        .collect()
}

fn item(label: String, kind: CompletionItemKind, detail: Option<String>) -> CompletionItem {
    CompletionItem {
        label,
        kind: Some(kind),
        detail,
        ..CompletionItem::default()
    }
}

/// Condition keys starting with `token` (any case): the global keys and, when `token` starts
/// with a service prefix, that service's keys, each with its type.
fn condition_key_completions(token: &str) -> Vec<CompletionItem> {
    let lower = token.to_ascii_lowercase();
    let service_keys = token
        .split_once(':')
        .and_then(|(prefix, _)| catalog().service(prefix))
        .map(|s| s.condition_keys.as_slice())
        .unwrap_or_default();
    catalog()
        .global_condition_keys()
        .iter()
        .chain(service_keys)
        .filter(|k| k.name.to_ascii_lowercase().starts_with(&lower))
        .map(|k| {
            item(
                k.name.clone(),
                CompletionItemKind::PROPERTY,
                Some(k.kind.base.name().to_string()),
            )
        })
        .collect()
}

/// The kinds of principal a resource's policy names after `to` (identity providers are let in
/// through a role; `*` is written as it is).
const RESOURCE_PRINCIPAL_KEYWORDS: &[&str] = &["role", "user", "account", "service", "org"];

/// At most this many items are sent (EC2's 826 actions fit); a longer list is marked incomplete,
/// so that the editor asks again as the user types.
const MAX_COMPLETIONS: usize = 1000;

/// Completion at `at`, of what the syntax expects where the cursor stands ([`Query::at`]).
/// Every item's text edit replaces the whole token typed so far (`s3:Get`, `s3.obj`,
/// `aws:Sour`), not the editor's idea of a word, which stops at `:` and `.`; its label is the text
/// it inserts, so that the editor's filtering matches what is typed.
pub fn completion(snapshot: Option<&Snapshot>, text: &str, at: Position) -> CompletionList {
    let query = Query::at(text, offset(text, at));
    let token = text.get(query.token.range()).unwrap_or("");
    let range = Range {
        start: position(text, query.token.start as usize),
        end: position(text, query.token.end as usize),
    };
    let mut items = candidates(snapshot, &query, token);
    let is_incomplete = items.len() > MAX_COMPLETIONS;
    items.truncate(MAX_COMPLETIONS);
    for item in &mut items {
        item.filter_text = Some(item.label.clone());
        item.text_edit = Some(CompletionTextEdit::Edit(TextEdit {
            range,
            new_text: item.label.clone(),
        }));
    }
    CompletionList {
        is_incomplete,
        items,
    }
}

/// What fits where `query` stands and starts like `token`: the slot's candidates, then the
/// keywords that fit there.
fn candidates(snapshot: Option<&Snapshot>, query: &Query, token: &str) -> Vec<CompletionItem> {
    let declared = |kinds: &[&str]| -> Vec<CompletionItem> {
        snapshot
            .map(declarations)
            .unwrap_or_default()
            .into_iter()
            .filter(|(name, kind)| kinds.contains(kind) && name.starts_with(token))
            .map(|(name, kind)| item(name, CompletionItemKind::VARIABLE, Some(kind.to_string())))
            .collect()
    };
    let keywords = |words: &[&str]| -> Vec<CompletionItem> {
        words
            .iter()
            .filter(|w| w.starts_with(token))
            .map(|w| item((*w).to_string(), CompletionItemKind::KEYWORD, None))
            .collect()
    };
    let properties = |kinds: &[DeclKind]| -> Vec<CompletionItem> {
        let mut names: Vec<&str> = Vec::new();
        for name in kinds.iter().flat_map(|k| vocabulary::properties(*k)) {
            if name.starts_with(token) && !names.contains(name) {
                names.push(name);
            }
        }
        names
            .into_iter()
            .map(|n| {
                item(
                    n.to_string(),
                    CompletionItemKind::PROPERTY,
                    Some("property".into()),
                )
            })
            .collect()
    };
    let block = match query.item {
        Some(iamdsl_syntax::query::Item::Block(kind)) => Some(kind),
        _ => None,
    };
    let in_resource = query.item == Some(iamdsl_syntax::query::Item::Resource);
    let mut items = match query.slot {
        Slot::Nothing | Slot::Keyword => Vec::new(),
        Slot::Unknown => anything(snapshot, token),
        Slot::ItemKeyword => keywords(ITEM_KEYWORDS),
        // A resource's policy holds permissions only.
        Slot::StatementKeyword if in_resource => keywords(&["allow", "deny"]),
        Slot::PropertyName if in_resource => Vec::new(),
        // A template's statements take no properties: the blocks that use it have them.
        Slot::StatementKeyword => {
            let mut items = keywords(STMT_KEYWORDS);
            items.extend(properties(block.as_slice()));
            items
        }
        Slot::PropertyName => match block {
            Some(kind) => properties(&[kind]),
            None => properties(&[
                DeclKind::Policy,
                DeclKind::Group,
                DeclKind::User,
                DeclKind::Role,
            ]),
        },
        Slot::Action if token.contains(':') => actions(token).unwrap_or_default(),
        Slot::Resource if token.contains('.') => constructors(token),
        Slot::Resource => {
            let mut items = declared(&["resource"]);
            items.extend(services(token));
            items
        }
        Slot::Action => services(token),
        Slot::ResourceKind => RESOURCE_POLICY_KINDS
            .iter()
            .map(|kind| (kind.key(), kind.label))
            .filter(|(key, _)| key.starts_with(token))
            .map(|(key, label)| item(key, CompletionItemKind::CONSTRUCTOR, Some(label.into())))
            .collect(),
        Slot::ConditionKey => {
            let mut items = condition_key_completions(token);
            items.extend(
                SHORTHANDS
                    .iter()
                    .filter(|(short, _)| short.starts_with(token))
                    .map(|(short, key)| {
                        item(
                            (*short).to_string(),
                            CompletionItemKind::KEYWORD,
                            Some(format!("shorthand for {key}")),
                        )
                    }),
            );
            if query.principal == Some(Principal::Oidc) {
                items.extend(
                    PROVIDER_KEYS
                        .iter()
                        .filter(|k| k.starts_with(token))
                        .map(|k| {
                            item(
                                (*k).to_string(),
                                CompletionItemKind::PROPERTY,
                                Some("key of the provider".into()),
                            )
                        }),
                );
            }
            items.extend(OPERATORS.iter().filter(|o| o.starts_with(token)).map(|o| {
                item(
                    (*o).to_string(),
                    CompletionItemKind::OPERATOR,
                    Some("condition operator: `Operator(key, value)`".into()),
                )
            }));
            items
        }
        // A declared resource's name stands for its ARN.
        Slot::ConditionValue | Slot::Value => declared(&["let", "resource"]),
        // After `to`: whom a resource's policy lets in; `*` is written as it is.
        Slot::TrustPrincipal
            if matches!(query.statement, Some(Statement::Allow | Statement::Deny)) =>
        {
            keywords(RESOURCE_PRINCIPAL_KEYWORDS)
        }
        // A trust policy names no organization (`org` is a resource policy's).
        Slot::TrustPrincipal => keywords(TRUST_KEYWORDS)
            .into_iter()
            .filter(|item| item.label != "org")
            .collect(),
        Slot::TrustTarget(principal) => match principal {
            Principal::Account => declared(&["account"]),
            Principal::Role => declared(&["role"]),
            Principal::User => declared(&["user"]),
            Principal::Saml | Principal::Oidc | Principal::Org => declared(&["let"]),
            Principal::Service | Principal::Anyone => Vec::new(),
        },
        Slot::Policy => declared(&["policy"]),
        Slot::Role => declared(&["role"]),
        Slot::Template if token.starts_with("std.") => std_templates(token),
        Slot::Template => declared(&["template"]),
        Slot::Account => declared(&["account"]),
        Slot::Group => declared(&["group"]),
        Slot::Subject => declared(&["group", "user", "role"]),
        Slot::AwsManagedPolicy => aws_managed_policies(token),
    };
    items.extend(keywords(&query.keywords));
    items
}

/// AWS managed policies whose path and name start like `token` (ignoring case), current ones
/// first, each with its version.
fn aws_managed_policies(token: &str) -> Vec<CompletionItem> {
    let lower = token.to_ascii_lowercase();
    let mut found: Vec<&iamdsl_catalog::managed::ManagedPolicy> = managed_policies()
        .iter()
        .filter(|p| {
            p.qualified_name().to_ascii_lowercase().starts_with(&lower)
                || p.name().to_ascii_lowercase().starts_with(&lower)
        })
        .collect();
    found.sort_by_key(|p| p.retired());
    found
        .into_iter()
        .map(|p| {
            let detail = format!(
                "AWS managed policy {}{}",
                p.version(),
                if p.retired() { ", retired" } else { "" }
            );
            let mut completion = item(
                p.qualified_name().to_string(),
                CompletionItemKind::MODULE,
                Some(detail),
            );
            completion.deprecated = Some(p.retired());
            completion
        })
        .collect()
}

/// Where the syntax does not say: by the token's shape (`s3:` actions or keys, `s3.`
/// constructors, `std.` templates), else every keyword, declared name and service.
fn anything(snapshot: Option<&Snapshot>, token: &str) -> Vec<CompletionItem> {
    if token.contains(':') {
        // Not a service prefix, so a global condition key such as `aws:`.
        return actions(token).unwrap_or_else(|| condition_key_completions(token));
    }
    if token.starts_with("std.") {
        return std_templates(token);
    }
    if token.contains('.') {
        return constructors(token);
    }
    let mut items: Vec<CompletionItem> = KEYWORDS
        .iter()
        .filter(|k| k.starts_with(token))
        .map(|k| item((*k).to_string(), CompletionItemKind::KEYWORD, None))
        .collect();
    if let Some(snapshot) = snapshot {
        let mut names: Vec<(String, &str)> = declarations(snapshot)
            .into_iter()
            .filter(|(name, _)| name.starts_with(token))
            .collect();
        names.dedup_by(|a, b| a.0 == b.0);
        items.extend(
            names
                .into_iter()
                .map(|(name, kind)| item(name, CompletionItemKind::VARIABLE, Some(kind.into()))),
        );
    }
    if !token.is_empty() {
        items.extend(services(token));
    }
    items
}

/// `s3:Get` → the actions of s3, with their access level; `None` when `s3` is not a service.
fn actions(token: &str) -> Option<Vec<CompletionItem>> {
    let (prefix, partial) = token.split_once(':')?;
    let service = catalog().service(prefix)?;
    let partial = partial.to_ascii_lowercase();
    Some(
        service
            .actions
            .iter()
            .filter(|a| a.name.to_ascii_lowercase().starts_with(&partial))
            .map(|a| {
                item(
                    a.full_name().to_string(),
                    CompletionItemKind::FUNCTION,
                    Some(a.level().name().to_string()),
                )
            })
            .collect(),
    )
}

/// `s3.obj` → the resource constructors of s3.
fn constructors(token: &str) -> Vec<CompletionItem> {
    let Some((service, partial)) = token
        .split_once('.')
        .and_then(|(prefix, partial)| Some((catalog().service(prefix)?, partial)))
    else {
        return Vec::new();
    };
    service
        .resource_types
        .iter()
        .filter(|r| r.constructor().starts_with(partial))
        .map(|r| {
            let params = r
                .templates()
                .first()
                .map(|t| t.parameters().join(", "))
                .unwrap_or_default();
            item(
                format!("{}.{}", service.prefix, r.constructor()),
                CompletionItemKind::CONSTRUCTOR,
                Some(format!("{}.{}({params})", service.prefix, r.constructor())),
            )
        })
        .collect()
}

/// `std.s3.` → the standard library's templates.
fn std_templates(token: &str) -> Vec<CompletionItem> {
    let partial = token.strip_prefix("std.").unwrap_or("");
    iamdsl_compiler::stdlib::MODULES
        .iter()
        .flat_map(|(module, source)| {
            source.lines().filter_map(move |l| {
                l.strip_prefix("template ")
                    .map(|rest| format!("{module}.{}", rest.split('(').next().unwrap_or("")))
            })
        })
        .filter(|name| name.starts_with(partial))
        .map(|name| {
            item(
                format!("std.{name}"),
                CompletionItemKind::MODULE,
                Some("standard template".into()),
            )
        })
        .collect()
}

/// The service prefixes starting with `token`, once something is typed (all of them would only
/// bury the rest).
fn services(token: &str) -> Vec<CompletionItem> {
    if token.is_empty() {
        return Vec::new();
    }
    catalog()
        .prefixes()
        .filter(|p| p.starts_with(token))
        .map(|p| {
            item(
                p.to_string(),
                CompletionItemKind::MODULE,
                Some("AWS service".into()),
            )
        })
        .collect()
}

fn location(
    snapshot: &Snapshot,
    file: iamdsl_diagnostics::FileId,
    span: iamdsl_diagnostics::Span,
) -> Option<Location> {
    Some(Location {
        uri: snapshot.urls.get(&file)?.clone(),
        range: range(snapshot.project.sources.text(file), span),
    })
}

pub fn definition(snapshot: &Snapshot, url: &Url, at: Position) -> Option<Location> {
    let file = snapshot.file_of(url)?;
    let names = &snapshot.analysis.names;
    let name = names.name_at(file, offset(snapshot.project.sources.text(file), at))?;
    let declared = names.declarations.get(name)?;
    location(snapshot, declared.file, declared.span)
}

/// Where the declaration `name` is written: its own name (when `declaration`), then every
/// reference the names table resolved to it.
fn sites(snapshot: &Snapshot, name: &str, declaration: bool) -> Vec<Location> {
    let names = &snapshot.analysis.names;
    let declared = names
        .declarations
        .get(name)
        .filter(|_| declaration)
        .map(|d| (d.file, d.span));
    declared
        .into_iter()
        .chain(names.references_to(name).map(|r| (r.file, r.span)))
        .filter_map(|(file, span)| location(snapshot, file, span))
        .collect()
}

pub fn references(
    snapshot: &Snapshot,
    url: &Url,
    at: Position,
    include_declaration: bool,
) -> Vec<Location> {
    let Some(file) = snapshot.file_of(url) else {
        return Vec::new();
    };
    let offset = offset(snapshot.project.sources.text(file), at);
    match snapshot.analysis.names.name_at(file, offset) {
        Some(name) => sites(snapshot, name, include_declaration),
        None => Vec::new(),
    }
}

pub fn rename(
    snapshot: &Snapshot,
    url: &Url,
    at: Position,
    new_name: &str,
) -> Result<Option<WorkspaceEdit>, String> {
    let valid = new_name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && new_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(format!(
            "`{new_name}` is not a name: use letters, digits, `_` and `-`, starting with a letter"
        ));
    }
    if iamdsl_syntax::lexer::is_reserved(new_name) {
        return Err(format!(
            "`{new_name}` is a reserved word of the language and cannot be a name"
        ));
    }
    let Some(file) = snapshot.file_of(url) else {
        return Ok(None);
    };
    let names = &snapshot.analysis.names;
    let offset = offset(snapshot.project.sources.text(file), at);
    let Some(name) = names.name_at(file, offset) else {
        return Ok(None);
    };
    if names.declarations.contains_key(new_name) {
        return Err(format!("`{new_name}` is already declared"));
    }
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    for location in sites(snapshot, name, true) {
        changes.entry(location.uri).or_default().push(TextEdit {
            range: location.range,
            new_text: new_name.to_string(),
        });
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}

/// The LSP's kind for a kind of declaration.
fn symbol_kind(kind: iamdsl_compiler::SymbolKind) -> SymbolKind {
    use iamdsl_compiler::SymbolKind as K;
    match kind {
        K::Account => SymbolKind::CONSTANT,
        K::Let => SymbolKind::VARIABLE,
        K::Policy => SymbolKind::OBJECT,
        K::Group => SymbolKind::NAMESPACE,
        K::User => SymbolKind::STRUCT,
        K::Role => SymbolKind::CLASS,
        K::Template => SymbolKind::FUNCTION,
        K::Resource => SymbolKind::PACKAGE,
        K::Scp | K::Rcp => SymbolKind::INTERFACE,
        K::Organization => SymbolKind::MODULE,
    }
}

/// Declarations of the names table for which `keep` holds, in file and source order; each
/// located by `span` of it (the whole declaration, or its name).
#[allow(deprecated)] // `SymbolInformation::deprecated` is a required field of the type.
fn symbol_list(
    snapshot: &Snapshot,
    keep: &dyn Fn(&str, &iamdsl_compiler::resolve::Declaration) -> bool,
    span: &dyn Fn(&iamdsl_compiler::resolve::Declaration) -> iamdsl_diagnostics::Span,
) -> Vec<SymbolInformation> {
    let mut declared: Vec<_> = snapshot
        .analysis
        .names
        .declarations
        .iter()
        .filter(|(name, d)| keep(name, d))
        .collect();
    declared.sort_by_key(|(_, d)| (d.file, d.span));
    declared
        .into_iter()
        .filter_map(|(name, d)| {
            Some(SymbolInformation {
                name: name.clone(),
                kind: symbol_kind(d.kind),
                tags: None,
                deprecated: None,
                location: location(snapshot, d.file, span(d))?,
                container_name: None,
            })
        })
        .collect()
}

/// The declarations of one document, each with its whole extent.
pub fn symbols(snapshot: &Snapshot, url: &Url) -> Vec<SymbolInformation> {
    let Some(file) = snapshot.file_of(url) else {
        return Vec::new();
    };
    symbol_list(snapshot, &|_, d| d.file == file, &|d| d.item)
}

/// The whole document in the canonical layout, or nothing when it cannot be formatted safely.
pub fn format(text: &str) -> Option<Vec<TextEdit>> {
    let formatted = iamdsl_syntax::format_verified(text, iamdsl_diagnostics::FileId(0)).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    Some(vec![TextEdit {
        range: Range {
            start: Position {
                line: 0,
                character: 0,
            },
            end: position(text, text.len()),
        },
        new_text: formatted,
    }])
}

/// Declarations across the project whose name contains `query`, each at its name.
pub fn workspace_symbols(snapshot: &Snapshot, query: &str) -> Vec<SymbolInformation> {
    let query = query.to_ascii_lowercase();
    symbol_list(
        snapshot,
        &|name, _| name.to_ascii_lowercase().contains(&query),
        &|d| d.span,
    )
}

/// Quick fixes: the fix each diagnostic carries in its `data` (its range and replacement, set by
/// the analysis). Only while the text there is still a near miss of the replacement, so that a
/// fix sent back with a stale diagnostic never replaces what the user has since written.
pub fn code_actions(url: &Url, text: &str, diagnostics: &[Diagnostic]) -> Vec<CodeActionOrCommand> {
    diagnostics
        .iter()
        .filter_map(|diagnostic| {
            let fix = diagnostic.data.as_ref()?.get("fix")?;
            let range: Range = serde_json::from_value(fix.get("range")?.clone()).ok()?;
            let replacement = fix.get("replacement")?.as_str()?;
            let written = text.get(offset(text, range.start)..offset(text, range.end))?;
            iamdsl_diagnostics::suggest::closest(written, [replacement])?;
            let edit = TextEdit {
                range,
                new_text: replacement.to_string(),
            };
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Replace `{written}` with `{replacement}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(url.clone(), vec![edit])])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect()
}

/// Whether `word` is the name of a property of some kind of declaration.
fn is_property(word: &str) -> bool {
    [
        DeclKind::Policy,
        DeclKind::Group,
        DeclKind::User,
        DeclKind::Role,
    ]
    .into_iter()
    .any(|kind| vocabulary::properties(kind).contains(&word))
}

/// The token types of [`semantic_tokens`], in the order of the legend.
pub const TOKEN_TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::COMMENT,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::NAMESPACE,
];

/// Semantic tokens of a document: keywords, comments, strings, numbers, actions (`s3:GetObject`),
/// declared names, access levels and service prefixes of constructors.
pub fn semantic_tokens(snapshot: Option<&Snapshot>, url: &Url, text: &str) -> Vec<SemanticToken> {
    use iamdsl_syntax::lexer::{lex, TokenKind};
    let tokens = lex(text, iamdsl_diagnostics::FileId(0)).tokens;
    let names: std::collections::BTreeSet<(u32, u32)> = snapshot
        .and_then(|s| Some((s, s.file_of(url)?)))
        .map(|(s, file)| {
            let names = &s.analysis.names;
            let declared = names.declarations.values().filter(|d| d.file == file);
            let referring = names
                .references
                .iter()
                .filter(|r| r.file == file && r.referent != iamdsl_compiler::Referent::Parameter);
            declared
                .map(|d| d.span)
                .chain(referring.map(|r| r.span))
                .map(|span| (span.start, span.end))
                .collect()
        })
        .unwrap_or_default();
    let mut classified: Vec<(usize, usize, u32)> = Vec::new();
    let mut index = 0;
    while index < tokens.len() {
        let token = tokens[index];
        let (start, end) = (token.span.start as usize, token.span.end as usize);
        let word = token.text(text);
        let next = tokens.get(index + 1);
        let kind = match token.kind {
            TokenKind::LineComment | TokenKind::BlockComment | TokenKind::DocComment => Some(1),
            TokenKind::Str => Some(2),
            TokenKind::Word if word.bytes().all(|b| b.is_ascii_digit()) => Some(3),
            // `service:Action`: one token over the three lexer tokens.
            TokenKind::Word
                if next.is_some_and(|n| {
                    n.kind == TokenKind::Punct(':') && n.span.start as usize == end
                }) =>
            {
                let mut last = index + 1;
                while let Some(t) = tokens.get(last + 1) {
                    if t.span.start != tokens[last].span.end
                        || !matches!(
                            t.kind,
                            TokenKind::Word | TokenKind::Punct('*' | '?' | '/' | '.' | '-')
                        )
                    {
                        break;
                    }
                    last += 1;
                }
                classified.push((start, tokens[last].span.end as usize, 4));
                index = last + 1;
                continue;
            }
            TokenKind::Word if names.contains(&(token.span.start, token.span.end)) => Some(5),
            TokenKind::Word
                if ["list", "read", "write", "tagging", "permissions"].contains(&word) =>
            {
                Some(6)
            }
            TokenKind::Word if KEYWORDS.contains(&word) => Some(0),
            // A property's name (`max_session = 1h`): a word of the language, though not a
            // keyword of the grammar.
            TokenKind::Word
                if is_property(word)
                    && next.is_some_and(|n| n.kind == TokenKind::Punct('='))
                    && tokens
                        .get(index + 2)
                        .is_none_or(|t| t.kind != TokenKind::Punct('=')) =>
            {
                Some(0)
            }
            TokenKind::Word
                if next.is_some_and(|n| {
                    n.kind == TokenKind::Punct('.') && n.span.start as usize == end
                }) =>
            {
                Some(7)
            }
            _ => None,
        };
        if let Some(kind) = kind {
            classified.push((start, end, kind));
        }
        index += 1;
    }
    // Relative encoding, one token per line piece (block comments may span lines).
    let mut out = Vec::new();
    let (mut previous_line, mut previous_start) = (0u32, 0u32);
    for (start, end, kind) in classified {
        let mut piece_start = start;
        for (piece_end, is_last) in text[start..end].split('\n').scan(start, |at, piece| {
            let piece_end = *at + piece.len();
            *at = piece_end + 1;
            Some((piece_end, piece_end == end))
        }) {
            let begin = position(text, piece_start);
            let length: usize = text[piece_start..piece_end]
                .chars()
                .map(char::len_utf16)
                .sum();
            if length > 0 {
                let delta_line = begin.line - previous_line;
                let delta_start = if delta_line == 0 {
                    begin.character - previous_start
                } else {
                    begin.character
                };
                out.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: u32::try_from(length).unwrap_or(u32::MAX),
                    token_type: kind,
                    token_modifiers_bitset: 0,
                });
                previous_line = begin.line;
                previous_start = begin.character;
            }
            piece_start = piece_end + 1;
            if is_last {
                break;
            }
        }
    }
    out
}

/// After each intent's action list: how many actions it expands to.
pub fn inlay_hints(snapshot: &Snapshot, url: &Url) -> Vec<InlayHint> {
    use iamdsl_syntax::ast::{ActionItem, StmtKind};
    let Some((file, module)) = snapshot.module_of(url) else {
        return Vec::new();
    };
    let text = snapshot.project.sources.text(file);
    let mut hints = Vec::new();
    let mut visit = |stmts: &[iamdsl_syntax::ast::Stmt]| {
        for stmt in stmts {
            let StmtKind::Permission(permission) = &stmt.kind else {
                continue;
            };
            if !permission
                .actions
                .items
                .iter()
                .any(|a| matches!(a, ActionItem::Level(_)))
            {
                continue;
            }
            let span = stmt.loc.span();
            let count: usize = model_statements(&snapshot.analysis.model)
                .filter(|s| s.origins.iter().any(|o| o.file == file && o.span == span))
                .map(|s| match &s.action {
                    iamdsl_policy::ActionBlock::Action(set)
                    | iamdsl_policy::ActionBlock::NotAction(set) => set.len(),
                })
                .max()
                .unwrap_or(0);
            if count > 0 {
                hints.push(InlayHint {
                    position: position(text, permission.actions.loc.span().end as usize),
                    label: InlayHintLabel::String(format!(
                        " {count} action{}",
                        if count == 1 { "" } else { "s" }
                    )),
                    kind: Some(InlayHintKind::TYPE),
                    text_edits: None,
                    tooltip: None,
                    padding_left: Some(true),
                    padding_right: Some(true),
                    data: None,
                });
            }
        }
    };
    fn blocks(items: &[Item]) -> Vec<&[iamdsl_syntax::ast::Stmt]> {
        items
            .iter()
            .flat_map(|item| match &item.kind {
                ItemKind::Block(b) => vec![b.body.as_slice()],
                ItemKind::Template(t) => vec![t.body.as_slice()],
                ItemKind::Resource(r) => r.body.iter().map(Vec::as_slice).collect(),
                ItemKind::In(block) => blocks(&block.items),
                _ => Vec::new(),
            })
            .collect()
    }
    for body in blocks(&module.items) {
        visit(body);
    }
    hints
}
