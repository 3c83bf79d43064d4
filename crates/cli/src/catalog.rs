//! `iamdsl catalog QUERY`: look up the AWS catalog the compiler checks against.

use std::process::ExitCode;

use iamdsl_catalog::managed::{managed_policies, ManagedPolicy};
use iamdsl_catalog::{catalog, constructor_name, ArnTemplate, Level, Service};
use iamdsl_diagnostics::suggest;

#[derive(clap::Args)]
pub struct Args {
    /// `s3:Get*` (actions), `s3.object` (a resource type), `s3` (a service), `aws:SourceIp` (a
    /// condition key), `ReadOnlyAccess` (an AWS managed policy; `aws` lists them) or `std`
    query: String,
}

const LEVELS: [Level; 5] = [
    Level::List,
    Level::Read,
    Level::Write,
    Level::PermissionsManagement,
    Level::Tagging,
];

fn level_keyword(level: Level) -> &'static str {
    match level {
        Level::List => "list",
        Level::Read => "read",
        Level::Write => "write",
        Level::PermissionsManagement => "permissions",
        Level::Tagging => "tagging",
    }
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let catalog = catalog();
    let query = args.query.trim();
    let mut out = String::new();
    let policies = managed_policies();
    let policy = policies
        .get(query)
        .or_else(|| policies.by_arn(query))
        .or_else(|| match policies.by_bare_name(query).as_slice() {
            [one] => Some(*one),
            _ => None,
        })
        .filter(|_| !query.is_empty());
    if query == "std" || query.starts_with("std.") {
        out = standard_library(query)?;
    } else if query == "aws" {
        out = aws_managed_list();
    } else if let Some(policy) = policy {
        out = aws_managed_policy(policy);
    } else if query.contains(':') {
        if let Some(key) = catalog
            .condition_key(query)
            .filter(|_| !query.contains('*'))
        {
            let kind = if key.kind.multivalued {
                format!("multivalued {}", key.kind.base.name())
            } else {
                key.kind.base.name().to_string()
            };
            out.push_str(&format!("{}  condition key, {kind}\n", key.name));
        } else {
            let matched = catalog.match_actions(query);
            if matched.is_empty() {
                return Err(not_found(query));
            }
            let width = matched
                .iter()
                .map(|(s, a)| s.prefix.len() + a.name.len() + 1)
                .max()
                .unwrap_or(0);
            for (_, action) in matched {
                let resources: Vec<String> = action
                    .resources
                    .iter()
                    .map(|r| {
                        format!(
                            "{}{}",
                            constructor_name(&r.resource_type),
                            if r.required { "*" } else { "" }
                        )
                    })
                    .collect();
                let on = if resources.is_empty() {
                    "* (no resource-level permissions)".to_string()
                } else {
                    resources.join(", ")
                };
                let name = action.full_name().to_string();
                out.push_str(&format!(
                    "{name:width$}  {:<11}  on {on}\n",
                    level_keyword(action.level())
                ));
            }
        }
    } else if let Some((prefix, type_name)) = query.split_once('.') {
        let service = catalog.service(prefix).ok_or_else(|| not_found(query))?;
        let resource_type = service
            .resource_type_by_constructor(type_name)
            .ok_or_else(|| not_found(query))?;
        out.push_str(&format!(
            "{}.{}  resource type of {}\n",
            service.prefix,
            constructor_name(&resource_type.name),
            display_name(service)
        ));
        for arn in &resource_type.arns {
            let template = ArnTemplate::parse(arn);
            out.push_str(&format!(
                "  ARN          {arn}\n  constructor  {}.{}({})\n",
                service.prefix,
                constructor_name(&resource_type.name),
                template.parameters().join(", ")
            ));
        }
        for level in LEVELS {
            let actions: Vec<&str> = service
                .actions
                .iter()
                .filter(|a| a.level() == level && a.applies_to(&resource_type.name))
                .map(|a| a.name.as_str())
                .collect();
            if !actions.is_empty() {
                out.push_str(&format!(
                    "  {:<12} {}\n",
                    level_keyword(level),
                    actions.join(", ")
                ));
            }
        }
        if !resource_type.condition_keys.is_empty() {
            out.push_str(&format!(
                "  keys         {}\n",
                resource_type.condition_keys.join(", ")
            ));
        }
    } else {
        let service = catalog.service(query).ok_or_else(|| not_found(query))?;
        out.push_str(&format!(
            "{}  {}: {} actions\n",
            service.prefix,
            display_name(service),
            service.actions.len()
        ));
        let types: Vec<String> = service
            .resource_types
            .iter()
            .map(|r| constructor_name(&r.name))
            .collect();
        out.push_str(&format!(
            "  resources  {}\n",
            if types.is_empty() {
                "none (actions take `*`)".to_string()
            } else {
                types.join(", ")
            }
        ));
        let keys: Vec<&str> = service
            .condition_keys
            .iter()
            .map(|k| k.name.as_str())
            .collect();
        if !keys.is_empty() {
            out.push_str(&format!("  keys       {}\n", keys.join(", ")));
        }
    }
    out.push_str(&format!("(catalog: {})\n", catalog.version()));
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn display_name(service: &Service) -> &str {
    if service.name.is_empty() {
        &service.prefix
    } else {
        &service.name
    }
}

/// `std`, `std.ecs` or `std.ecs.task_execution`: the standard library's templates, with their
/// parameters and doc comments.
fn standard_library(query: &str) -> Result<String, String> {
    let mut parts = query.splitn(3, '.').skip(1);
    let (module, template) = (parts.next(), parts.next());
    let modules: Vec<&str> = iamdsl_compiler::stdlib::MODULES
        .iter()
        .map(|(m, _)| *m)
        .collect();
    if let Some(module) = module.filter(|m| !modules.contains(m)) {
        let hint = suggest::closest(module, modules.iter().copied())
            .map(|c| format!("; did you mean `std.{c}`?"))
            .unwrap_or_default();
        return Err(format!(
            "the standard library has no module `{module}`{hint} (its modules: {})",
            modules.join(", ")
        ));
    }
    let templates: Vec<_> = iamdsl_compiler::stdlib::templates(module)
        .into_iter()
        .filter(|t| {
            template.is_none_or(|name| t.path == query || t.path.ends_with(&format!(".{name}")))
        })
        .collect();
    if templates.is_empty() {
        return Err(format!(
            "no template `{query}` in the standard library; `iamdsl catalog std` lists them"
        ));
    }
    let mut out = String::new();
    for template in templates {
        let module = template.path.rsplit_once('.').map_or("", |(m, _)| m);
        out.push_str(&format!("{module}.{}\n", template.signature));
        for line in template.doc.iter().flat_map(|d| d.lines()) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push_str(
        "\nused as `use std.MODULE.TEMPLATE(argument, name = argument)` in a group, user or role\n",
    );
    Ok(out)
}

/// `iamdsl catalog aws`: every AWS managed policy, by path and name, with its version.
fn aws_managed_list() -> String {
    let policies = managed_policies();
    let mut out = String::new();
    for policy in policies.iter() {
        let written = format!("{}{}", policy.path().trim_start_matches('/'), policy.name());
        let retired = if policy.retired() { "  (retired)" } else { "" };
        out.push_str(&format!(
            "{written}  {}{retired}
",
            policy.version()
        ));
    }
    out.push_str(&format!(
        "\n{} AWS managed policies ({}); attached with `attach aws \"NAME\"`\n",
        policies.iter().count(),
        policies.source()
    ));
    out
}

/// One AWS managed policy: its ARN, path and version, and what each statement grants.
fn aws_managed_policy(policy: &ManagedPolicy) -> String {
    let mut out = format!(
        "{}  AWS managed policy, version {}{}\n  ARN   {}\n  path  {}\n",
        policy.name(),
        policy.version(),
        if policy.retired() {
            ", retired by AWS"
        } else {
            ""
        },
        policy.arn("aws"),
        policy.path()
    );
    for (index, statement) in policy.statements().iter().enumerate() {
        let sid = statement
            .sid
            .as_deref()
            .map(|sid| format!(" ({sid})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  statement {}{sid}  {}\n",
            index + 1,
            statement.describe()
        ));
    }
    out.push_str(&format!(
        "(AWS managed policies: {})\n",
        managed_policies().source()
    ));
    out
}

fn not_found(query: &str) -> String {
    let catalog = catalog();
    let prefix = query.split([':', '.']).next().unwrap_or(query);
    let hint = match catalog.service(prefix) {
        None => {
            suggest::closest(prefix, catalog.prefixes()).map(|c| format!("; did you mean `{c}`?"))
        }
        Some(service) if query.contains(':') => {
            let names: Vec<String> = service
                .actions
                .iter()
                .map(|a| a.full_name().to_string())
                .collect();
            suggest::closest(query, names.iter().map(String::as_str))
                .map(|c| format!("; did you mean `{c}`?"))
        }
        Some(service) => {
            let names: Vec<String> = service
                .resource_types
                .iter()
                .map(|r| format!("{}.{}", service.prefix, constructor_name(&r.name)))
                .collect();
            suggest::closest(query, names.iter().map(String::as_str))
                .map(|c| format!("; did you mean `{c}`?"))
        }
    };
    format!(
        "nothing in the AWS catalog matches `{query}`{}",
        hint.unwrap_or_default()
    )
}
