//! `allow`/`deny ACTIONS on RESOURCES`: resources to ARNs, actions and intents to exact action
//! lists per resource, checked against the AWS catalog.

use std::collections::{BTreeMap, BTreeSet};

use iamdsl_catalog::{facts, Action, Level, ResourceType, Service};
use iamdsl_diagnostics::{codes, suggest, Diagnostic, Span};
use iamdsl_policy::{ActionBlock, Conditions, Effect, NameSet, ResourceBlock, Statement};
use iamdsl_syntax::ast::{self, AccessLevel, ActionItem, Permission, Resource, Stmt};

use super::{Lowerer, Scope, Val, Within};
use crate::model::origin;
use crate::resolve::SymbolKind;

/// A resource after evaluation: its ARN and the catalog types it is of.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub arn: String,
    pub types: Vec<(&'static Service, &'static ResourceType)>,
    pub span: Span,
    pub star: bool,
    /// How to name it in a message: `s3.bucket` or the ARN.
    pub describe: String,
}

/// An action item after lookup.
enum ActionRef {
    Star(Span),
    Level(Level, &'static str, Span),
    Exact(&'static Service, &'static Action, Span),
    Pattern(String, Vec<(&'static Service, &'static Action)>, Span),
}

pub(crate) fn catalog_level(level: AccessLevel) -> Level {
    match level {
        AccessLevel::List => Level::List,
        AccessLevel::Read => Level::Read,
        AccessLevel::Write => Level::Write,
        AccessLevel::Tagging => Level::Tagging,
        AccessLevel::Permissions => Level::PermissionsManagement,
    }
}

/// Whether an action may be used on `arn`: the ARN's most specific resource type in the
/// action's service is one the action applies to.
pub(crate) fn action_applies(service: &Service, action: &Action, arn: &str) -> bool {
    iamdsl_catalog::best_matches(service, arn)
        .iter()
        .any(|t| action.applies_to(&t.name))
}

impl Resolved {
    /// Whether an action may be used on this resource. A type of the action's own service is
    /// known already; only ARNs of other services' types need matching.
    fn admits(&self, service: &Service, action: &Action) -> bool {
        match self.types.iter().find(|(s, _)| s.prefix == service.prefix) {
            Some((_, resource_type)) => action.applies_to(&resource_type.name),
            None => action_applies(service, action, &self.arn),
        }
    }
}

/// `#[verbatim]` before a permission: kept exactly as written (see `lower_verbatim`).
pub(crate) fn is_verbatim(stmt: &Stmt) -> bool {
    stmt.prefix
        .attrs
        .iter()
        .any(|a| a.name.name == "verbatim" && a.args.is_empty())
}

impl Lowerer<'_> {
    pub fn lower_permission(
        &mut self,
        scope: &Scope,
        permission: &Permission,
        stmt: &Stmt,
    ) -> Vec<Statement> {
        if is_verbatim(stmt) {
            return self.lower_verbatim(scope, permission, stmt);
        }
        let effect = match permission.effect.node {
            ast::Effect::Allow => Effect::Allow,
            ast::Effect::Deny => Effect::Deny,
        };
        let mut resources: Vec<Resolved> = Vec::new();
        let mut failed_resources = false;
        if permission.resources.items.is_empty() {
            // `on` left out: the resource whose policy this is (checked by the caller).
            match self.deferred.resources.get(&scope.owner) {
                Some(target) if scope.owner_kind == SymbolKind::Resource => {
                    resources = target.covered.clone();
                }
                // The grammar takes `on` or `to`, and `to` outside a resource's policy is
                // reported before permissions are lowered.
                _ => return Vec::new(),
            }
        }
        for item in &permission.resources.items {
            match self.resolve_resource(scope, item) {
                Some(resolved) => resources.extend(resolved),
                None => failed_resources = true,
            }
        }
        let only_star = |items: &[Resource]| matches!(items, [Resource::Star(_)]);
        let mut not_resource = NameSet::new();
        if !permission.resources.except.is_empty() {
            if !only_star(&permission.resources.items) {
                self.report(
                    Some(scope),
                    Diagnostic::error(codes::EXCEPT_WITHOUT_STAR, "`except` follows `*` only")
                        .at(
                            scope.file,
                            permission.resources.loc.span(),
                            "resources before `except` must be just `*`",
                        )
                        .with_help("write `on * except RESOURCES` (AWS NotResource)"),
                );
                return Vec::new();
            }
            for resource in &permission.resources.except {
                for resolved in self.resolve_resource(scope, resource).unwrap_or_default() {
                    not_resource.insert(resolved.arn);
                }
            }
        }

        let refs: Vec<ActionRef> = permission
            .actions
            .items
            .iter()
            .filter_map(|a| self.resolve_action(scope, a))
            .collect();
        let mut not_action = NameSet::new();
        if !permission.actions.except.is_empty() {
            let star_only = matches!(permission.actions.items.as_slice(), [ActionItem::Star(_)]);
            let levels = permission
                .actions
                .except
                .iter()
                .any(|a| matches!(a, ActionItem::Level(_)));
            if !star_only || levels {
                self.report(
                    Some(scope),
                    Diagnostic::error(codes::EXCEPT_WITHOUT_STAR, "`except` follows `*` and lists actions only")
                        .at(scope.file, permission.actions.loc.span(), "not `* except ACTIONS`")
                        .with_help("write `* except iam:*, organizations:*` (AWS NotAction); access levels cannot be excepted"),
                );
                return Vec::new();
            }
            for item in &permission.actions.except {
                match self.resolve_action(scope, item) {
                    Some(ActionRef::Exact(_, action, _)) => {
                        not_action.insert(action.full_name().to_string());
                    }
                    Some(ActionRef::Pattern(pattern, _, _)) => {
                        not_action.insert(pattern);
                    }
                    Some(ActionRef::Star(span)) => {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::EXCEPT_STAR,
                                "`except *` leaves no action: the statement would mean nothing",
                            )
                            .at(scope.file, span, "every action excepted")
                            .with_help("list the actions to leave out, or remove the statement"),
                        );
                        return Vec::new();
                    }
                    // Access levels were refused above; a failed lookup was reported.
                    Some(ActionRef::Level(..)) | None => return Vec::new(),
                }
            }
        }

        // Actions per resource: each resource gets only the actions that apply to it.
        let mut per_resource: Vec<NameSet> = vec![NameSet::new(); resources.len()];
        let mut services: BTreeSet<String> = BTreeSet::new();
        let mut any_service = false;
        let mut granted: Vec<(&'static Service, &'static Action, usize)> = Vec::new();
        let not_resource_mode = !not_resource.is_empty();
        for action_ref in &refs {
            match action_ref {
                ActionRef::Star(_) => {
                    any_service = true;
                    for set in &mut per_resource {
                        set.insert("*".to_string());
                    }
                }
                ActionRef::Level(level, keyword, span) => {
                    if not_resource_mode {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::INTENT_NEEDS_TYPE,
                                format!("`{keyword}` needs a typed resource, not `* except …`"),
                            )
                            .at(scope.file, *span, "an access level")
                            .with_help("name the actions explicitly"),
                        );
                        continue;
                    }
                    for (index, resource) in resources.iter().enumerate() {
                        let Some(actions) =
                            self.expand_level(scope, *level, keyword, *span, resource)
                        else {
                            continue;
                        };
                        for (service, action) in actions {
                            services.insert(service.prefix.clone());
                            granted.push((service, action, index));
                            per_resource[index].insert(action.full_name().to_string());
                        }
                    }
                }
                ActionRef::Exact(service, action, span) => {
                    services.insert(service.prefix.clone());
                    let name = action.full_name().to_string();
                    let mut applied = false;
                    for (index, resource) in resources.iter().enumerate() {
                        if resource.star {
                            per_resource[index].insert(name.clone());
                            granted.push((service, action, index));
                            applied = true;
                        } else if !action.has_resources() {
                            self.report(
                                Some(scope),
                                Diagnostic::error(
                                    codes::ACTION_NEEDS_STAR,
                                    format!("`{name}` does not support resource-level permissions"),
                                )
                                .at(scope.file, resource.span, "a specific resource")
                                .with_label(scope.file, *span, "this action")
                                .with_help(format!(
                                    "AWS only grants `{name}` on `*`: write `allow {name} on *`"
                                )),
                            );
                            applied = true;
                        } else if resource.admits(service, action) {
                            per_resource[index].insert(name.clone());
                            granted.push((service, action, index));
                            applied = true;
                        }
                    }
                    if !applied && !resources.is_empty() && !not_resource_mode {
                        let types: Vec<String> = action
                            .resources
                            .iter()
                            .map(|r| {
                                format!(
                                    "{}.{}",
                                    service.prefix,
                                    iamdsl_catalog::constructor_name(&r.resource_type)
                                )
                            })
                            .collect();
                        let on = describe_all(&resources);
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::ACTION_NOT_APPLICABLE,
                                format!("`{name}` does not apply to {on}"),
                            )
                            .at(scope.file, *span, "this action")
                            .with_label(
                                scope.file,
                                permission.resources.loc.span(),
                                "is not about these resources",
                            )
                            .with_help(format!("`{name}` applies to {}", types.join(", "))),
                        );
                    }
                    if not_resource_mode {
                        granted.push((service, action, usize::MAX));
                    }
                }
                ActionRef::Pattern(pattern, matched, span) => {
                    if pattern
                        .split(':')
                        .next()
                        .is_some_and(iamdsl_catalog::wildcard::has_wildcard)
                    {
                        any_service = true;
                    }
                    for (service, _) in matched {
                        services.insert(service.prefix.clone());
                    }
                    let mut applied = false;
                    for (index, resource) in resources.iter().enumerate() {
                        let fits: Vec<&(&Service, &Action)> = if resource.star {
                            matched.iter().collect()
                        } else {
                            matched
                                .iter()
                                .filter(|(s, a)| resource.admits(s, a))
                                .collect()
                        };
                        if !fits.is_empty() {
                            per_resource[index].insert(pattern.clone());
                            granted.extend(fits.into_iter().map(|(s, a)| (*s, *a, index)));
                            applied = true;
                        }
                    }
                    if !applied && !resources.is_empty() && !not_resource_mode {
                        let on = describe_all(&resources);
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::ACTION_NOT_APPLICABLE,
                                format!("no action matching `{pattern}` applies to {on}"),
                            )
                            .at(
                                scope.file,
                                *span,
                                format!(
                                    "matches {} actions, none about these resources",
                                    matched.len()
                                ),
                            )
                            .with_help(format!(
                                "see `iamdsl catalog {pattern}` for what each action applies to"
                            )),
                        );
                    }
                    if not_resource_mode {
                        granted.extend(matched.iter().map(|(s, a)| (*s, *a, usize::MAX)));
                    }
                }
            }
        }
        if !not_action.is_empty() {
            any_service = true;
        }

        let services_filter = (!any_service).then_some(&services);
        let mut condition =
            self.lower_condition(scope, permission.condition.as_ref(), services_filter);
        if let Some(until) = &permission.until {
            self.lower_until(scope, until, &mut condition);
        }

        if effect == Effect::Allow {
            self.permission_lints(scope, permission, &refs, &resources, &granted, &condition);
        }

        if failed_resources {
            return Vec::new();
        }
        let source = origin(scope.file, stmt.loc.span());
        let action_block = |actions: NameSet| {
            if not_action.is_empty() {
                ActionBlock::Action(actions)
            } else {
                ActionBlock::NotAction(not_action.clone())
            }
        };
        if not_resource_mode {
            let actions: NameSet = per_resource.into_iter().flatten().collect();
            if actions.is_empty() && not_action.is_empty() {
                return Vec::new();
            }
            return vec![Statement {
                sid: None,
                effect,
                principal: None,
                action: action_block(actions),
                resource: Some(ResourceBlock::NotResource(not_resource)),
                condition,
                origins: vec![source],
            }];
        }
        // Resources that got the same actions share a statement.
        let mut groups: BTreeMap<NameSet, NameSet> = BTreeMap::new();
        for (actions, resource) in per_resource.into_iter().zip(resources) {
            if !actions.is_empty() || !not_action.is_empty() {
                groups.entry(actions).or_default().insert(resource.arn);
            }
        }
        let mut statements: Vec<Statement> = groups
            .into_iter()
            .map(|(actions, arns)| Statement {
                sid: None,
                effect,
                principal: None,
                action: action_block(actions),
                resource: Some(ResourceBlock::Resource(arns)),
                condition: Conditions::default(),
                origins: vec![source],
            })
            .collect();
        // One copy of the condition per statement; the last one (nearly always the only one)
        // takes the original.
        if let Some((last, others)) = statements.split_last_mut() {
            for statement in others {
                statement.condition = condition.clone();
            }
            last.condition = condition;
        }
        statements
    }

    /// `#[verbatim] allow ACTIONS on RESOURCES`: one statement with exactly the actions and
    /// resources written, every action on every resource, as AWS stores imported policies.
    /// Names the catalog does not know are warnings (W0114), and so is what AWS stores that the
    /// typed language refuses (W0116: ARN forms here, operators in `conditions.rs`); access
    /// levels are refused, since what they mean depends on the catalog.
    fn lower_verbatim(
        &mut self,
        scope: &Scope,
        permission: &Permission,
        stmt: &Stmt,
    ) -> Vec<Statement> {
        let effect = match permission.effect.node {
            ast::Effect::Allow => Effect::Allow,
            ast::Effect::Deny => Effect::Deny,
        };
        let verbatim = Scope {
            within: Within::Verbatim,
            ..scope.clone()
        };
        let scope = &verbatim;
        let mut complete = true;
        let mut actions = |checker: &mut Self, items: &[ActionItem]| -> NameSet {
            let mut out = NameSet::new();
            for item in items {
                match item {
                    ActionItem::Star(_) => {
                        out.insert("*".to_string());
                    }
                    ActionItem::Pattern(pattern) => {
                        // Looked up for the warnings only: the text is kept as written.
                        checker.resolve_action(scope, item);
                        out.insert(pattern.node.clone());
                    }
                    ActionItem::Level(level) => {
                        checker.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::INTENT_NEEDS_TYPE,
                                format!(
                                    "`{}` in a `#[verbatim]` statement",
                                    level.node.keyword()
                                ),
                            )
                            .at(scope.file, level.span(), "an access level")
                            .with_help("a verbatim statement lists actions as AWS stores them: name them, or remove `#[verbatim]`"),
                        );
                        complete = false;
                    }
                }
            }
            out
        };
        let granted = actions(self, &permission.actions.items);
        let excepted = actions(self, &permission.actions.except);
        let mut resources = |checker: &mut Self, items: &[Resource]| -> NameSet {
            let mut out = NameSet::new();
            for item in items {
                let arn = match item {
                    Resource::Star(_) => Some("*".to_string()),
                    Resource::Arn(lit) => checker
                        .eval_string(scope, lit)
                        .filter(|arn| checker.check_arn(scope, arn, lit.span())),
                    Resource::Constructor(c) => {
                        checker.resolve_constructor(scope, c).map(|r| r.arn)
                    }
                    Resource::Named(_) => match checker.resolve_resource(scope, item) {
                        Some(all) => {
                            out.extend(all.into_iter().map(|r| r.arn));
                            continue;
                        }
                        None => None,
                    },
                };
                match arn {
                    Some(arn) => {
                        out.insert(arn);
                    }
                    None => complete = false,
                }
            }
            out
        };
        let on = resources(self, &permission.resources.items);
        let not_on = resources(self, &permission.resources.except);
        let mut condition = self.lower_condition(scope, permission.condition.as_ref(), None);
        if let Some(until) = &permission.until {
            self.lower_until(scope, until, &mut condition);
        }
        if !complete {
            return Vec::new();
        }
        let star = |set: &NameSet| set.len() == 1 && set.contains("*");
        let action = if excepted.is_empty() {
            ActionBlock::Action(granted)
        } else if star(&granted) {
            ActionBlock::NotAction(excepted)
        } else {
            return self.except_without_star(scope, permission.actions.loc.span());
        };
        let resource = if not_on.is_empty() {
            ResourceBlock::Resource(on)
        } else if star(&on) {
            ResourceBlock::NotResource(not_on)
        } else {
            return self.except_without_star(scope, permission.resources.loc.span());
        };
        vec![Statement {
            sid: None,
            effect,
            principal: None,
            action,
            resource: Some(resource),
            condition,
            origins: vec![origin(scope.file, stmt.loc.span())],
        }]
    }

    fn except_without_star(&mut self, scope: &Scope, span: Span) -> Vec<Statement> {
        self.report(
            Some(scope),
            Diagnostic::error(codes::EXCEPT_WITHOUT_STAR, "`except` follows `*` only")
                .at(scope.file, span, "not `* except …`")
                .with_help("write `* except …` (AWS NotAction or NotResource)"),
        );
        Vec::new()
    }

    /// The actions of one access level that apply to a resource's type.
    fn expand_level(
        &mut self,
        scope: &Scope,
        level: Level,
        keyword: &str,
        span: Span,
        resource: &Resolved,
    ) -> Option<Vec<(&'static Service, &'static Action)>> {
        if resource.star || resource.types.is_empty() {
            self.report(
                Some(scope),
                Diagnostic::error(
                    codes::INTENT_NEEDS_TYPE,
                    format!(
                        "`{keyword}` on `{}` does not say which actions it means",
                        resource.describe
                    ),
                )
                .at(scope.file, span, "an access level")
                .with_label(
                    scope.file,
                    resource.span,
                    "a resource without a catalog type",
                )
                .with_help(
                    "use a typed resource such as `s3.bucket(\"name\")`, or list the actions",
                ),
            );
            return None;
        }
        let services: BTreeSet<&str> = resource
            .types
            .iter()
            .map(|(s, _)| s.prefix.as_str())
            .collect();
        if services.len() > 1 {
            let types: Vec<String> = resource
                .types
                .iter()
                .map(|(s, t)| format!("{}.{}", s.prefix, iamdsl_catalog::constructor_name(&t.name)))
                .collect();
            self.report(
                Some(scope),
                Diagnostic::error(
                    codes::INTENT_NEEDS_TYPE,
                    format!(
                        "`{}` is of several resource types: {}",
                        resource.describe,
                        types.join(", ")
                    ),
                )
                .at(scope.file, resource.span, "ambiguous for an access level")
                .with_label(scope.file, span, "this access level")
                .with_help(format!(
                    "use a constructor instead, such as `{}(…)`",
                    types.first().cloned().unwrap_or_default()
                )),
            );
            return None;
        }
        let mut actions = Vec::new();
        for (service, resource_type) in &resource.types {
            for action in &service.actions {
                if action.level() == level && action.applies_to(&resource_type.name) {
                    actions.push((*service, action));
                }
            }
        }
        if actions.is_empty() {
            self.report(
                Some(scope),
                Diagnostic::error(
                    codes::INTENT_EXPANDS_TO_NOTHING,
                    format!("`{keyword}` on `{}` means no action", resource.describe),
                )
                .at(
                    scope.file,
                    span,
                    format!("no {} action applies to this resource type", level.name()),
                )
                .with_help(format!(
                    "see `iamdsl catalog {}` for the actions per access level",
                    resource.describe.split('(').next().unwrap_or("")
                )),
            );
            return None;
        }
        Some(actions)
    }

    fn resolve_action(&mut self, scope: &Scope, item: &ActionItem) -> Option<ActionRef> {
        match item {
            ActionItem::Star(loc) => Some(ActionRef::Star(loc.span())),
            ActionItem::Level(level) => Some(ActionRef::Level(
                catalog_level(level.node),
                level.node.keyword(),
                level.span(),
            )),
            ActionItem::Pattern(pattern) => {
                let span = pattern.span();
                let text = pattern.node.as_str();
                let (prefix, name) = text.split_once(':').unwrap_or((text, ""));
                if !iamdsl_catalog::wildcard::has_wildcard(prefix)
                    && self.catalog.service(prefix).is_none()
                {
                    let prefix_span =
                        Span::new(span.start as usize, span.start as usize + prefix.len());
                    let mut diagnostic = Diagnostic::error(
                        codes::UNKNOWN_SERVICE,
                        format!("unknown service `{prefix}`"),
                    )
                    .at(scope.file, prefix_span, "not a service prefix of AWS");
                    if let Some(close) = suggest::closest(prefix, self.catalog.prefixes()) {
                        diagnostic = diagnostic.with_suggestion(scope.file, prefix_span, close);
                    }
                    self.report(Some(scope), diagnostic);
                    return None;
                }
                if iamdsl_catalog::wildcard::has_wildcard(text) {
                    let matched = self.catalog.match_actions(text);
                    if matched.is_empty() {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::WILDCARD_MATCHES_NOTHING,
                                format!("`{text}` matches no action"),
                            )
                            .at(scope.file, span, "no action of the catalog matches")
                            .with_help(format!(
                                "see `iamdsl catalog {prefix}:*` for the actions of `{prefix}`"
                            )),
                        );
                        return None;
                    }
                    // The service prefix in the catalog's spelling; the rest as written.
                    let prefix = if iamdsl_catalog::wildcard::has_wildcard(prefix) {
                        prefix.to_string()
                    } else {
                        prefix.to_ascii_lowercase()
                    };
                    return Some(ActionRef::Pattern(
                        format!("{prefix}:{name}"),
                        matched,
                        span,
                    ));
                }
                match self.catalog.action(text) {
                    Some((service, action)) => Some(ActionRef::Exact(service, action, span)),
                    None => {
                        let service = self.catalog.service(prefix)?;
                        let names: Vec<String> = service
                            .actions
                            .iter()
                            .map(|a| a.full_name().to_string())
                            .collect();
                        let mut diagnostic = Diagnostic::error(
                            codes::UNKNOWN_ACTION,
                            format!("unknown action `{text}`"),
                        )
                        .at(
                            scope.file,
                            span,
                            format!("`{}` has no such action", service.prefix),
                        );
                        diagnostic = match suggest::closest(text, names.iter().map(String::as_str))
                        {
                            Some(close) => diagnostic.with_suggestion(scope.file, span, close),
                            None => diagnostic
                                .with_help(format!("see `iamdsl catalog {}:*`", service.prefix)),
                        };
                        self.report(Some(scope), diagnostic);
                        None
                    }
                }
            }
        }
    }

    /// A resource as written: most are one ARN; a declared resource is itself and what its
    /// policy covers (a bucket and its objects).
    fn resolve_resource(&mut self, scope: &Scope, resource: &Resource) -> Option<Vec<Resolved>> {
        if let Resource::Named(ident) = resource {
            self.resolve(Some(scope), scope.file, ident, &[SymbolKind::Resource])?;
            let target = self.deferred.resources.get(&ident.name)?;
            return Some(target.covered.clone());
        }
        self.resolve_one_resource(scope, resource).map(|r| vec![r])
    }

    fn resolve_one_resource(&mut self, scope: &Scope, resource: &Resource) -> Option<Resolved> {
        match resource {
            Resource::Named(_) => None,
            Resource::Star(loc) => Some(Resolved {
                arn: "*".into(),
                types: Vec::new(),
                span: loc.span(),
                star: true,
                describe: "*".into(),
            }),
            Resource::Arn(lit) => {
                let arn = self.eval_string(scope, lit)?;
                if !self.check_arn(scope, &arn, lit.span()) {
                    return None;
                }
                let types = self.catalog.resource_types_for_arn(&arn);
                if types.is_empty() {
                    self.report(
                        Some(scope),
                        Diagnostic::error(codes::ARN_MATCHES_NO_TYPE, format!("`{arn}` fits no resource type of the AWS catalog"))
                            .at(scope.file, lit.span(), "no ARN template matches")
                            .with_help("check the service and the resource part, or use a constructor such as `s3.bucket(\"name\")`"),
                    );
                    return None;
                }
                Some(Resolved {
                    describe: arn.clone(),
                    arn,
                    types,
                    span: lit.span(),
                    star: false,
                })
            }
            Resource::Constructor(constructor) => self.resolve_constructor(scope, constructor),
        }
    }

    pub(super) fn resolve_constructor(
        &mut self,
        scope: &Scope,
        c: &ast::Constructor,
    ) -> Option<Resolved> {
        let span = c.loc.span();
        let Some(service) = self.catalog.service(&c.service.name) else {
            let mut diagnostic = Diagnostic::error(
                codes::UNKNOWN_SERVICE,
                format!("unknown service `{}`", c.service.name),
            )
            .at(scope.file, c.service.span(), "not a service prefix of AWS");
            if let Some(close) = suggest::closest(&c.service.name, self.catalog.prefixes()) {
                diagnostic = diagnostic.with_suggestion(scope.file, c.service.span(), close);
            }
            self.report(Some(scope), diagnostic);
            return None;
        };
        let Some(resource_type) = service.resource_type_by_constructor(&c.resource_type.name)
        else {
            let names: Vec<String> = service
                .resource_types
                .iter()
                .map(|r| iamdsl_catalog::constructor_name(&r.name))
                .collect();
            let mut diagnostic = Diagnostic::error(
                codes::UNKNOWN_RESOURCE_TYPE,
                format!(
                    "`{}` has no resource type `{}`",
                    service.prefix, c.resource_type.name
                ),
            )
            .at(scope.file, c.resource_type.span(), "unknown resource type");
            diagnostic =
                match suggest::closest(&c.resource_type.name, names.iter().map(String::as_str)) {
                    // The fix replaces `s3.objekt` whole, so that it reads as the help does.
                    Some(close) => diagnostic.with_suggestion(
                        scope.file,
                        c.service.span().to(c.resource_type.span()),
                        format!("{}.{close}", service.prefix),
                    ),
                    None if names.is_empty() => diagnostic.with_help(format!(
                        "`{}` has no resource types: its actions take `*`",
                        service.prefix
                    )),
                    None => diagnostic
                        .with_help(format!("its resource types are: {}", names.join(", "))),
                };
            self.report(Some(scope), diagnostic);
            return None;
        };
        let template_text = resource_type.arns.first()?;
        let template = resource_type.templates().first()?;
        let params = template.parameters();
        let describe = format!("{}.{}", service.prefix, resource_type.constructor());
        let positional: Vec<&ast::Arg> = c.args.iter().filter(|a| a.name.is_none()).collect();
        if positional.len() != params.len() {
            self.report(
                Some(scope),
                Diagnostic::error(
                    codes::CONSTRUCTOR_ARGUMENTS,
                    format!(
                        "`{describe}` takes {} argument{}, not {}",
                        params.len(),
                        if params.len() == 1 { "" } else { "s" },
                        positional.len()
                    ),
                )
                .at(
                    scope.file,
                    span,
                    format!("expected ({})", params.join(", ")),
                )
                .with_note(format!("its ARN is `{template_text}`"))
                .with_help("pass `\"*\"` for a part that may be anything"),
            );
            return None;
        }
        let mut values: BTreeMap<String, String> = BTreeMap::new();
        let mut declared_account: Option<String> = None;
        for (param, arg) in params.iter().zip(&positional) {
            let value = self.eval(scope, &arg.value)?;
            let text = match (&value, *param) {
                // `iam.role(deployer)`: a declared role stands for its name with its path.
                (
                    Val::Decl(
                        name,
                        SymbolKind::Role
                        | SymbolKind::User
                        | SymbolKind::Group
                        | SymbolKind::Policy,
                    ),
                    p,
                ) if p.ends_with("WithPath") => {
                    let (path, aws_name) = self.aws_name(name);
                    // The resource is in the account of the declaration it names.
                    if let Some(decl) = self.names.decls.get(name).copied() {
                        declared_account = self.account_of(&decl).map(|a| a.id);
                    }
                    format!("{}{aws_name}", path.trim_start_matches('/'))
                }
                _ => match self.val_text(&value) {
                    Some(text) => text,
                    None => {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::CONSTRUCTOR_ARGUMENTS,
                                "a resource argument must be a single value",
                            )
                            .at(scope.file, arg.value.span(), "a list"),
                        );
                        return None;
                    }
                },
            };
            if text.is_empty() {
                self.report(
                    Some(scope),
                    Diagnostic::error(codes::CONSTRUCTOR_ARGUMENTS, format!("`{param}` is empty"))
                        .at(scope.file, arg.value.span(), "an empty value")
                        .with_help("pass `\"*\"` for any value"),
                );
                return None;
            }
            values.insert((*param).to_string(), text);
        }
        let mut region = self.config.defaults.region.clone();
        let mut account = declared_account.unwrap_or_else(|| scope.account.id.clone());
        let mut partition = self.config.partition().to_string();
        for arg in c.args.iter() {
            let Some(name) = &arg.name else { continue };
            let value = self.eval(scope, &arg.value)?;
            match name.name.as_str() {
                "region" => {
                    let text = self.val_text(&value).unwrap_or_default();
                    if !facts::is_region(&text) {
                        self.report(
                            Some(scope),
                            Diagnostic::error(codes::INVALID_VALUE, format!("`{text}` is not an AWS region"))
                                .at(scope.file, arg.value.span(), "expected a region such as \"eu-west-1\"")
                                .with_help("regions read `area-direction-number` (`us-east-1`, `eu-central-2`); `*` stands for all"),
                        );
                        return None;
                    }
                    region = Some(text);
                }
                "partition" => {
                    let text = self.val_text(&value).unwrap_or_default();
                    if !facts::PARTITIONS.contains(&text.as_str()) {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::INVALID_VALUE,
                                format!("`{text}` is not an AWS partition"),
                            )
                            .at(scope.file, arg.value.span(), "unknown partition")
                            .with_help(format!(
                                "the partitions are {}",
                                facts::PARTITIONS.join(", ")
                            )),
                        );
                        return None;
                    }
                    partition = text;
                }
                "account" => {
                    let id = self.val_text(&value).unwrap_or_default();
                    if !(id == "*" || id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())) {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::INVALID_ACCOUNT_ID,
                                format!("`{id}` is not an account"),
                            )
                            .at(
                                scope.file,
                                arg.value.span(),
                                "expected a declared account or 12 digits",
                            ),
                        );
                        return None;
                    }
                    account = id;
                }
                other => {
                    self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::CONSTRUCTOR_ARGUMENTS,
                            format!("unknown argument `{other}`"),
                        )
                        .at(scope.file, name.span(), "not an argument of a resource")
                        .with_help("named arguments are `region:`, `account:` and `partition:`"),
                    );
                    return None;
                }
            }
        }
        if template.uses("Region") && region.is_none() {
            self.lint(
                scope,
                Diagnostic::warning(codes::IMPLICIT_REGION, format!("`{describe}` has no region, so it covers every region"))
                    .at(scope.file, span, "the ARN gets `*` for the region")
                    .with_help("pass `region: \"eu-west-1\"`, or set `region` under `[defaults]` in iamdsl.toml"),
            );
        }
        let region = region.as_deref().unwrap_or("*");
        let arn = template.fill(|variable| match variable {
            "Partition" => &partition,
            "Region" => region,
            "Account" => &account,
            other => values.get(other).map_or("*", String::as_str),
        });
        Some(Resolved {
            arn,
            types: vec![(service, resource_type)],
            span,
            star: false,
            describe,
        })
    }

    /// Checks the form of an ARN; reports and returns false when it is malformed. In a
    /// `#[verbatim]` statement, a form AWS stores all the same is kept, with a warning.
    pub fn check_arn(&mut self, scope: &Scope, arn: &str, span: Span) -> bool {
        let Some(problem) = facts::arn_problem(arn) else {
            return true;
        };
        if problem.aws_accepts && scope.within == Within::Verbatim {
            self.lint(
                scope,
                Diagnostic::warning(
                    codes::ACCEPTED_BY_AWS,
                    format!(
                        "`{arn}`: {}; AWS stores it and matches it as written",
                        problem.what
                    ),
                )
                .at(scope.file, span, "not an ARN iamdsl builds")
                .with_help("kept as written (`#[verbatim]`): AWS matches an ARN part by part, so an empty part matches only an empty one"),
            );
            return true;
        }
        self.report(
            Some(scope),
            Diagnostic::error(codes::MALFORMED_ARN, format!("`{arn}` is not a valid ARN"))
                .at(scope.file, span, problem.what)
                .with_help("an ARN reads `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`"),
        );
        false
    }

    fn permission_lints(
        &mut self,
        scope: &Scope,
        permission: &Permission,
        refs: &[ActionRef],
        resources: &[Resolved],
        granted: &[(&'static Service, &'static Action, usize)],
        condition: &iamdsl_policy::Conditions,
    ) {
        let boundary_only = scope.owner_kind == SymbolKind::Policy
            && self.names.boundaries.contains(&scope.owner)
            && !self.used_as_attachment(&scope.owner);
        let star_resource = resources.iter().any(|r| r.star);
        // MFA counts only when required: `Bool true`, not `== false` nor BoolIfExists.
        let has_mfa = condition.0.get("Bool").is_some_and(|keys| {
            keys.iter().any(|(k, values)| {
                k.eq_ignore_ascii_case("aws:MultiFactorAuthPresent")
                    && values.len() == 1
                    && values.contains("true")
            })
        });
        let star_action = refs.iter().find_map(|r| match r {
            ActionRef::Star(span) => Some(*span),
            _ => None,
        });
        let iam_star = refs.iter().find_map(|r| match r {
            ActionRef::Pattern(p, _, span) if p.eq_ignore_ascii_case("iam:*") => Some(*span),
            _ => None,
        });
        if boundary_only {
            return;
        }
        if let Some(span) = star_action.filter(|_| permission.actions.except.is_empty()) {
            self.lint(
                scope,
                Diagnostic::warning(
                    codes::WILDCARD_ACTION,
                    "`*` grants every action of every service",
                )
                .at(scope.file, span, "every action")
                .with_help("grant access levels or actions of the services needed"),
            );
        }
        if let Some(span) = star_action
            .or(iam_star)
            .filter(|_| star_resource && !has_mfa)
        {
            self.lint(
                scope,
                Diagnostic::warning(codes::ADMIN_WITHOUT_MFA, "administrator access without MFA")
                    .at(scope.file, span, "on `*`, with no `mfa` condition")
                    .with_help("add `when mfa`"),
            );
        }
        if star_resource {
            let mut broad: Vec<String> = granted
                .iter()
                .filter(|(_, a, index)| {
                    resources.get(*index).is_some_and(|r| r.star)
                        && matches!(a.level(), Level::Write | Level::PermissionsManagement)
                        && a.has_resources()
                })
                .map(|(_, a, _)| a.full_name().to_string())
                .collect();
            broad.sort();
            broad.dedup();
            if !broad.is_empty() && star_action.is_none() {
                let span = resources
                    .iter()
                    .find(|r| r.star)
                    .map_or(permission.resources.loc.span(), |r| r.span);
                let shown: Vec<&str> = broad.iter().take(5).map(String::as_str).collect();
                self.lint(
                    scope,
                    Diagnostic::warning(codes::WILDCARD_RESOURCE, format!("write access on `*` for actions that can be limited to resources ({}{})", shown.join(", "), if broad.len() > 5 { ", …" } else { "" }))
                        .at(scope.file, span, "every resource")
                        .with_help("name the resources these actions may change"),
                );
            }
        }
        let mut escalation: Vec<String> = granted
            .iter()
            .filter(|(_, a, index)| {
                let name = a.full_name();
                facts::is_escalation(name)
                    && (name != "iam:PassRole"
                        || resources
                            .get(*index)
                            .is_none_or(|r| r.star || r.arn.ends_with('*')))
            })
            .map(|(_, a, _)| a.full_name().to_string())
            .collect();
        escalation.sort();
        escalation.dedup();
        if !escalation.is_empty() && star_action.is_none() {
            let shown: Vec<&str> = escalation.iter().take(5).map(String::as_str).collect();
            self.lint(
                scope,
                Diagnostic::warning(codes::PRIVILEGE_ESCALATION, format!("{} can be used to gain more permissions", shown.join(", ")))
                    .at(scope.file, permission.actions.loc.span(), "privilege escalation")
                    .with_help("limit these actions to specific resources, or guard them with a permissions boundary"),
            );
        }
    }

    fn used_as_attachment(&self, policy: &str) -> bool {
        self.names.decls.values().any(|decl| {
            let iamdsl_syntax::ast::ItemKind::Block(block) = &decl.item.kind else { return false };
            block.body.iter().any(|s| matches!(&s.kind, ast::StmtKind::Attach(ast::PolicyRef::Named(n)) if n.name == policy))
        })
    }
}

/// `` `s3.bucket`, `arn:…` `` for a message.
fn describe_all(resources: &[Resolved]) -> String {
    resources
        .iter()
        .map(|r| format!("`{}`", r.describe))
        .collect::<Vec<_>>()
        .join(", ")
}
