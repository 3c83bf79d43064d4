//! `iamdsl explain` and `iamdsl who-can`: AWS's decision for a request of the project's
//! principals, and why, with the source of the statements that decided.

use std::borrow::Cow;
use std::path::PathBuf;
use std::process::ExitCode;

use iamdsl_compiler::explain::{
    context_of, errors_in_path, evaluated_state, find_principal, request_path, subjects,
};
use iamdsl_compiler::graph::{chains_graph, GraphFormat};
use iamdsl_compiler::{Analysis, Model, Project};
use iamdsl_diagnostics::{render_human, HumanStyle};
use iamdsl_policy::access::{unknown_documents_caveat, Access, Chain, CitedStatement, Explained};
use iamdsl_policy::eval::{Context, Decision, Quantifier};
use iamdsl_policy::json::Json;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// The chains found, as a Graphviz picture
    Dot,
    /// The chains found, as a Mermaid flowchart
    Mermaid,
}

impl Format {
    /// The picture format, when the answer is to be drawn.
    fn picture(self) -> Option<GraphFormat> {
        match self {
            Format::Dot => Some(GraphFormat::Dot),
            Format::Mermaid => Some(GraphFormat::Mermaid),
            Format::Text | Format::Json => None,
        }
    }
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// A project directory (all `*.iamdsl` below it) or files
    path: PathBuf,
    /// The user, group or role asking: its name in source, its AWS name or its ARN
    #[arg(long)]
    principal: String,
    /// The action, `service:Action`
    #[arg(long, required_unless_present = "assume", conflicts_with = "assume")]
    action: Option<String>,
    /// The resource ARN; a pattern such as `arn:aws:s3:::b/*` asks whether some resource of it is
    /// allowed, `*` is the resource of actions without resource types
    #[arg(long, requires = "action")]
    resource: Option<String>,
    /// Instead of an action: may the principal assume this role (both halves, and chains)
    #[arg(long, value_name = "ROLE")]
    assume: Option<String>,
    /// Request context, `key=value` (repeat a key for several values)
    #[arg(long = "context", value_name = "KEY=VALUE", value_parser = parse_pair)]
    context: Vec<(String, String)>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(clap::Args)]
pub struct WhoCanArgs {
    /// A project directory (all `*.iamdsl` below it) or files
    path: PathBuf,
    /// The action, `service:Action`
    #[arg(long)]
    action: String,
    /// The resource ARN
    #[arg(long, default_value = "*")]
    resource: String,
    /// Request context, `key=value` (repeat a key for several values)
    #[arg(long = "context", value_name = "KEY=VALUE", value_parser = parse_pair)]
    context: Vec<(String, String)>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err(format!(
            "`{text}` is not `key=value` (for example `aws:MultiFactorAuthPresent=true`)"
        )),
    }
}

/// The project, analysed, whatever its errors: which of them matter depends on the question.
pub(crate) fn analysed(path: PathBuf) -> (Project, Analysis) {
    let project = iamdsl_compiler::load(&[path]);
    let analysis = iamdsl_compiler::analyze(&project);
    (project, analysis)
}

/// Whether the answer about `principals` may be given: `false` (after printing them) when the
/// project has errors in the declarations the answer reads; a note when it has others.
pub(crate) fn answerable(
    project: &Project,
    analysis: &Analysis,
    principals: &[&iamdsl_compiler::Entity],
    style: HumanStyle,
) -> bool {
    let path = request_path(&analysis.model, principals);
    let blocking: Vec<_> = errors_in_path(analysis, &path)
        .into_iter()
        .cloned()
        .collect();
    if !blocking.is_empty() {
        eprint!("{}", render_human(&project.sources, &blocking, style));
        eprintln!(
            "the project has errors where this answer is read from: fix them first, then ask again"
        );
        return false;
    }
    let others = analysis.error_count();
    if others > 0 {
        eprintln!(
            "note: the project has {others} error(s) outside what this answer reads (`iamdsl check` lists them); the answer does not depend on them"
        );
    }
    true
}

fn request_context(pairs: &[(String, String)]) -> Context {
    context_of(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Where a statement was written: `roles.iamdsl:12:3`, and the line.
struct Place {
    file: String,
    line: usize,
    column: usize,
    text: String,
    start: usize,
    end: usize,
}

fn places(project: &Project, statement: &iamdsl_policy::Statement) -> Vec<Place> {
    statement
        .origins
        .iter()
        .filter_map(|origin| {
            let file = project.sources.get(origin.file)?;
            let start = origin.span.start as usize;
            let position = file.line_col(start);
            let text = file.text[start..file.clamp(origin.span.end as usize)]
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            Some(Place {
                file: file.name.clone(),
                line: position.line,
                column: position.column,
                text,
                start,
                end: origin.span.end as usize,
            })
        })
        .collect()
}

/// The answer's fields; the statements borrow from the evaluated state, the rest is copied.
fn explained_json<'s>(
    project: &Project,
    explained: &Explained<'s, 's>,
) -> Vec<(Cow<'s, str>, Json<'s>)> {
    let cited = explained
        .cited
        .iter()
        .map(|c| cited_json(project, c))
        .collect();
    let unmet = explained
        .unmet
        .iter()
        .map(|u| {
            let mut fields = match cited_json(project, &u.statement) {
                Json::Object(fields) => fields,
                _ => Vec::new(),
            };
            fields.push(("Operator".into(), Json::str(u.test.operator.clone())));
            fields.push(("Key".into(), Json::str(u.test.key.clone())));
            fields.push(("KeyAbsent".into(), Json::Bool(u.test.absent)));
            Json::Object(fields)
        })
        .collect();
    vec![
        ("decision".into(), Json::str(explained.decision().as_str())),
        (
            "reason".into(),
            Json::str(explained.evaluation.reason.clone()),
        ),
        ("statements".into(), Json::Array(cited)),
        ("unmet_conditions".into(), Json::Array(unmet)),
        (
            "unknown_policies".into(),
            Json::strings(explained.unknown.iter().cloned()),
        ),
        (
            "unknown_resource_policy".into(),
            optional_text(&explained.unknown_resource_policy),
        ),
        (
            "undeclared_resource".into(),
            optional_text(&explained.undeclared_resource),
        ),
        (
            "unknown_organization".into(),
            optional_text(&explained.unknown_organization),
        ),
    ]
}

fn optional_text<'s>(text: &Option<String>) -> Json<'s> {
    match text {
        Some(text) => Json::str(text.clone()),
        None => Json::Null,
    }
}

/// A statement that decided (or would have, but for its condition), with where it is written.
fn cited_json<'s>(project: &Project, c: &CitedStatement<'s, 's>) -> Json<'s> {
    let spans = places(project, c.statement)
        .into_iter()
        .map(|p| {
            Json::Object(vec![
                ("File".into(), Json::str(p.file)),
                ("Line".into(), Json::Number(p.line as i64)),
                ("Column".into(), Json::Number(p.column as i64)),
                ("Start".into(), Json::Number(p.start as i64)),
                ("End".into(), Json::Number(p.end as i64)),
                ("Text".into(), Json::str(p.text)),
            ])
        })
        .collect();
    Json::Object(vec![
        ("Policy".into(), Json::str(c.label)),
        ("Kind".into(), Json::str(c.kind.as_str())),
        ("Effect".into(), Json::str(c.statement.effect.as_str())),
        (
            "Statement".into(),
            iamdsl_policy::canonical::statement_json(c.statement),
        ),
        ("Spans".into(), Json::Array(spans)),
    ])
}

/// `action`: the request's, to pick out of a long statement the patterns that match it.
fn explained_text(
    project: &Project,
    explained: &Explained<'_, '_>,
    action: &str,
    out: &mut String,
) {
    use std::fmt::Write;
    let _ = writeln!(out, "  {}", explained.evaluation.reason);
    for cited in &explained.cited {
        let verb = match cited.statement.effect {
            iamdsl_policy::Effect::Deny => "denied by",
            iamdsl_policy::Effect::Allow => "allowed by",
        };
        let _ = writeln!(out, "  {verb} {}:", cited.label);
        write_places(project, cited.statement, action, out);
    }
    for unmet in &explained.unmet {
        let test = &unmet.test;
        let why = if test.absent {
            format!("the request has no `{}`", test.key)
        } else {
            format!("the request's `{}` does not pass it", test.key)
        };
        let _ = writeln!(
            out,
            "  not allowed by {}: its condition `{} {}` does not hold ({why}):",
            unmet.statement.label, test.operator, test.key
        );
        write_places(project, unmet.statement.statement, action, out);
    }
    if !explained.unknown.is_empty() {
        let _ = writeln!(
            out,
            "  but {}",
            unknown_documents_caveat(&explained.unknown)
        );
    }
    if let Some(caveat) = &explained.unknown_resource_policy {
        let _ = writeln!(out, "  but {caveat}");
    }
    if let Some(caveat) = &explained.unknown_organization {
        let _ = writeln!(out, "  but {caveat}");
    }
    if let Some(note) = &explained.undeclared_resource {
        let _ = writeln!(out, "  note: {note}");
    }
}

/// What an uncertain chain depends on, in the wording `explain` uses.
fn chain_caveat(chain: &Chain) -> String {
    let mut caveats = Vec::new();
    if !chain.unknown.is_empty() {
        caveats.push(unknown_documents_caveat(&chain.unknown));
    }
    caveats.extend(chain.unknown_resource_policy.clone());
    caveats.join("; ")
}

/// Where a statement is written, a line each; its JSON when it has no source (deployed state,
/// an AWS managed policy). A long action list is cut to the patterns that match `action`.
fn write_places(
    project: &Project,
    statement: &iamdsl_policy::Statement,
    action: &str,
    out: &mut String,
) {
    use std::fmt::Write;
    /// Longer action lists are shown by the patterns that decided (ReadOnlyAccess lists
    /// thousands).
    const SHOWN: usize = 12;
    let found = places(project, statement);
    if found.is_empty() {
        let (iamdsl_policy::ActionBlock::Action(set) | iamdsl_policy::ActionBlock::NotAction(set)) =
            &statement.action;
        let json = if set.len() > SHOWN {
            let mut short = statement.clone();
            let matching: Vec<String> = set
                .iter()
                .filter(|p| iamdsl_catalog::wildcard::matches(p, action, true))
                .cloned()
                .collect();
            let more = set.len() - matching.len();
            let mut kept: iamdsl_policy::NameSet = matching.into_iter().collect();
            kept.insert(format!("… {more} more"));
            short.action = match &statement.action {
                iamdsl_policy::ActionBlock::Action(_) => iamdsl_policy::ActionBlock::Action(kept),
                iamdsl_policy::ActionBlock::NotAction(_) => {
                    iamdsl_policy::ActionBlock::NotAction(kept)
                }
            };
            iamdsl_policy::canonical::statement_json(&short).compact()
        } else {
            iamdsl_policy::canonical::statement_json(statement).compact()
        };
        let _ = writeln!(out, "    {json}");
    }
    for place in found {
        let _ = writeln!(
            out,
            "    {}:{}:{}: {}",
            place.file,
            place.line,
            place.column,
            place.text.trim()
        );
    }
}

fn chain_text(access: &Access<'_>, chain: &Chain) -> String {
    chain
        .steps
        .iter()
        .map(|&i| {
            let p = &access.principals()[i];
            format!("{} {}", p.kind.as_str(), p.name)
        })
        .collect::<Vec<_>>()
        .join(" -> ")
}

pub fn explain(args: ExplainArgs, style: HumanStyle) -> Result<ExitCode, String> {
    let (project, analysis) = analysed(args.path.clone());
    let model = &analysis.model;
    // A name the project does not hold may be one whose declaration has an error.
    let not_found = |error: String| -> Result<ExitCode, String> {
        if analysis.has_errors() {
            let errors: Vec<_> = analysis
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            eprint!("{}", render_human(&project.sources, &errors, style));
            eprintln!("{error}, and the project has errors: fix them first, then ask again");
            return Ok(ExitCode::from(1));
        }
        Err(error)
    };
    let entity = match find_principal(model, &args.principal) {
        Ok(entity) => Some(entity),
        // An identity provider, a service or another account's principal: only its trust.
        Err(_) if is_external(&args.principal) => None,
        Err(error) => return not_found(error),
    };
    let role = match &args.assume {
        Some(role) => {
            let role = match find_principal(model, role) {
                Ok(role) => role,
                Err(error) => return not_found(error),
            };
            if role.kind != iamdsl_compiler::DeclKind::Role {
                return Err(format!("`{}` is not a role", role.ident));
            }
            Some(role)
        }
        None => None,
    };
    let asked: Vec<&iamdsl_compiler::Entity> = entity.into_iter().chain(role).collect();
    if !answerable(&project, &analysis, &asked, style) {
        return Ok(ExitCode::from(1));
    }
    let state = evaluated_state(model);
    let access = Access::new(&state);
    let context = request_context(&args.context);
    let Some(entity) = entity else {
        return explain_external(&args, &project, model, role, &access, &context);
    };
    let what = match (role, &args.action) {
        (Some(role), _) => format!("assume role {}", role.ident),
        (None, Some(action)) => {
            let resource = args.resource.as_deref().unwrap_or("*");
            match Quantifier::of_request(action, resource) {
                Quantifier::Exact => format!("{action} on {resource}"),
                _ => format!("{action} on {resource} (some of what the patterns match)"),
            }
        }
        (None, None) => return Err("give --action (and --resource) or --assume".into()),
    };
    let resource = match role {
        Some(role) => role.arn(&model.partition),
        None => args.resource.clone().unwrap_or_else(|| "*".into()),
    };
    let action = if role.is_some() {
        "sts:AssumeRole".to_string()
    } else {
        args.action.clone().unwrap_or_default()
    };
    let quantifier = Quantifier::of_request(&action, &resource);
    let mut text = String::new();
    let mut answers = Vec::new();
    let mut decisions = Vec::new();
    // The chains to draw, for `--format dot|mermaid`.
    let mut drawn: Vec<Chain> = Vec::new();
    // Who can, through roles: asked once, only when a subject cannot itself.
    let mut chains: Option<Vec<Chain>> = None;
    for subject in subjects(model, &access, entity) {
        let explained = access.evaluate(subject, &action, &resource, &context, quantifier);
        decisions.push(explained.decision());
        let principal = &access.principals()[subject];
        // Not allowed itself: maybe through roles it can assume.
        let chain = if explained.decision() == Decision::Allow {
            None
        } else {
            chains
                .get_or_insert_with(|| access.who_can(&action, &resource, &context, quantifier))
                .iter()
                .find(|c| c.steps.first() == Some(&subject) && c.steps.len() > 1)
                .cloned()
        };
        use std::fmt::Write;
        let _ = writeln!(
            text,
            "{}: {} {} -> {what}",
            explained.decision().as_str(),
            principal.kind.as_str(),
            principal.name
        );
        explained_text(&project, &explained, &action, &mut text);
        match &chain {
            Some(chain) if chain.is_certain() => {
                let _ = writeln!(
                    text,
                    "  but allowed through assumed roles: {}",
                    chain_text(&access, chain)
                );
            }
            Some(chain) => {
                let _ = writeln!(
                    text,
                    "  and maybe through assumed roles: {}; {}",
                    chain_text(&access, chain),
                    chain_caveat(chain)
                );
            }
            None => {}
        }
        let mut fields: Vec<(Cow<'_, str>, Json<'_>)> = vec![
            (
                "principal".into(),
                Json::str(format!("{} {}", principal.kind.as_str(), principal.name)),
            ),
            ("arn".into(), Json::str(&principal.arn)),
            ("action".into(), Json::str(&action)),
            ("resource".into(), Json::str(&resource)),
        ];
        fields.extend(explained_json(&project, &explained));
        fields.push((
            "chain".into(),
            match &chain {
                Some(chain) => Json::Array(
                    chain
                        .steps
                        .iter()
                        .map(|&i| Json::str(&access.principals()[i].arn))
                        .collect(),
                ),
                None => Json::Array(Vec::new()),
            },
        ));
        // A chain that exists only if AWS managed policies iamdsl does not hold allow a step.
        fields.push((
            "chain_unknown_policies".into(),
            Json::strings(chain.iter().flat_map(|c| c.unknown.iter().cloned())),
        ));
        answers.push(Json::Object(fields));
        drawn.extend(match chain {
            Some(chain) => Some(chain),
            None if explained.decision() == Decision::Allow => Some(Chain {
                steps: vec![subject],
                unknown: Vec::new(),
                unknown_resource_policy: explained.unknown_resource_policy.clone(),
            }),
            None => None,
        });
    }
    if let Some(picture) = args.format.picture() {
        let graph = chains_graph(model, &access, &drawn, &what);
        print!("{}", graph.render(picture));
        return Ok(ExitCode::SUCCESS);
    }
    match args.format {
        Format::Text | Format::Dot | Format::Mermaid => print!("{text}"),
        // One object. A group answers for each member: its decision is Allow only when every
        // member's is, else the first other one, and the members' answers are beside it.
        Format::Json if entity.kind != iamdsl_compiler::DeclKind::Group => {
            println!("{}", answers.remove(0).pretty())
        }
        Format::Json => {
            let overall = decisions
                .iter()
                .copied()
                .find(|d| *d != Decision::Allow)
                .unwrap_or(Decision::Allow);
            let group = Json::Object(vec![
                (
                    "principal".into(),
                    Json::str(format!("group {}", entity.ident)),
                ),
                ("decision".into(), Json::str(overall.as_str())),
                ("members".into(), Json::Array(answers)),
            ]);
            println!("{}", group.pretty());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A principal named by ARN or service name rather than by a name of the project.
fn is_external(principal: &str) -> bool {
    principal.starts_with("arn:") || principal.ends_with(".amazonaws.com")
}

fn explain_external(
    args: &ExplainArgs,
    project: &Project,
    model: &Model,
    role: Option<&iamdsl_compiler::Entity>,
    access: &Access<'_>,
    context: &Context,
) -> Result<ExitCode, String> {
    let Some(role) = role else {
        // A request on a resource the project declares: its policy decides what it lets in.
        let (action, resource) = (args.action.as_deref(), args.resource.as_deref());
        let asked = action.zip(resource).and_then(|(action, resource)| {
            let quantifier = Quantifier::of_request(action, resource);
            access.external_evaluate(&args.principal, action, resource, context, quantifier)
        });
        let Some(explained) = asked else {
            return Err(format!(
                "`{}` is not a principal of the project: only `--assume ROLE` can be asked of it, or a request on a resource the project declares",
                args.principal
            ));
        };
        let (action, resource) = (action.unwrap_or_default(), resource.unwrap_or_default());
        match args.format {
            Format::Text | Format::Dot | Format::Mermaid => {
                let mut text = format!(
                    "{}: {} -> {action} on {resource}\n",
                    explained.decision().as_str(),
                    args.principal
                );
                explained_text(project, &explained, action, &mut text);
                print!("{text}");
            }
            Format::Json => {
                let mut fields: Vec<(Cow<'_, str>, Json<'_>)> = vec![
                    ("principal".into(), Json::str(&args.principal)),
                    ("arn".into(), Json::str(&args.principal)),
                    ("action".into(), Json::str(action)),
                    ("resource".into(), Json::str(resource)),
                ];
                fields.extend(explained_json(project, &explained));
                println!("{}", Json::Object(fields).pretty());
            }
        }
        return Ok(ExitCode::SUCCESS);
    };
    let Some(index) = access.by_arn(&role.arn(&model.partition)) else {
        return Err(format!("`{}` is not a role", role.ident));
    };
    let explained = access.external_can_assume(&args.principal, index, context);
    match args.format {
        Format::Text | Format::Dot | Format::Mermaid => {
            let mut text = format!(
                "{}: {} -> assume role {}\n",
                explained.decision().as_str(),
                args.principal,
                role.ident
            );
            explained_text(project, &explained, "sts:AssumeRole", &mut text);
            print!("{text}");
        }
        Format::Json => {
            let mut fields: Vec<(Cow<'_, str>, Json<'_>)> = vec![
                ("principal".into(), Json::str(&args.principal)),
                ("arn".into(), Json::str(&args.principal)),
                ("action".into(), Json::str("sts:AssumeRole")),
                ("resource".into(), Json::str(role.arn(&model.partition))),
            ];
            fields.extend(explained_json(project, &explained));
            println!("{}", Json::Object(fields).pretty());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn who_can(args: WhoCanArgs, style: HumanStyle) -> Result<ExitCode, String> {
    let (project, analysis) = analysed(args.path);
    let model = &analysis.model;
    // Every principal may be in the answer.
    let principals: Vec<&iamdsl_compiler::Entity> = model
        .entities
        .iter()
        .filter(|e| e.kind != iamdsl_compiler::DeclKind::Policy)
        .collect();
    if !answerable(&project, &analysis, &principals, style) {
        return Ok(ExitCode::from(1));
    }
    let state = evaluated_state(model);
    let access = Access::new(&state);
    let context = request_context(&args.context);
    let quantifier = Quantifier::of_request(&args.action, &args.resource);
    let chains = access.who_can(&args.action, &args.resource, &context, quantifier);
    let external = access.external_principals(&args.action, &args.resource, &context, quantifier);
    if let Some(picture) = args.format.picture() {
        let request = format!("{} on {}", args.action, args.resource);
        print!(
            "{}",
            chains_graph(model, &access, &chains, &request).render(picture)
        );
        return Ok(ExitCode::SUCCESS);
    }
    match args.format {
        Format::Text | Format::Dot | Format::Mermaid => {
            let (certain, uncertain): (Vec<&Chain>, Vec<&Chain>) =
                chains.iter().partition(|c| c.is_certain());
            for chain in &certain {
                println!("{}", chain_text(&access, chain));
            }
            for chain in &uncertain {
                println!(
                    "{} (unknown: {})",
                    chain_text(&access, chain),
                    chain_caveat(chain)
                );
            }
            for outside in &external {
                println!(
                    "external {} (its own policies are not seen: taken to allow it)",
                    outside.principal
                );
            }
            let direct = certain.iter().filter(|c| c.steps.len() == 1).count();
            let mut summary = format!(
                "{} principal(s) may {} on {}: {direct} directly, {} through assumed roles",
                certain.len(),
                args.action,
                args.resource,
                certain.len() - direct
            );
            if !uncertain.is_empty() {
                summary.push_str(&format!(
                    "; {} more may, if policies whose documents iamdsl does not hold allow it",
                    uncertain.len()
                ));
            }
            if !external.is_empty() {
                summary.push_str(&format!(
                    "; {} principal(s) outside the project are let in by the resource's policy",
                    external.len()
                ));
            }
            eprintln!("{summary}");
        }
        Format::Json => {
            let list = chains
                .iter()
                .map(|chain| {
                    let first = &access.principals()[chain.steps[0]];
                    Json::Object(vec![
                        (
                            "principal".into(),
                            Json::str(format!("{} {}", first.kind.as_str(), first.name)),
                        ),
                        ("arn".into(), Json::str(&first.arn)),
                        (
                            "chain".into(),
                            Json::Array(
                                chain
                                    .steps
                                    .iter()
                                    .map(|&i| Json::str(&access.principals()[i].arn))
                                    .collect(),
                            ),
                        ),
                        // Uncertain: it may, if these AWS managed policies allow it.
                        ("certain".into(), Json::Bool(chain.is_certain())),
                        (
                            "unknown_policies".into(),
                            Json::strings(chain.unknown.iter().cloned()),
                        ),
                        (
                            "unknown_resource_policy".into(),
                            optional_text(&chain.unknown_resource_policy),
                        ),
                    ])
                })
                .chain(external.iter().map(|outside| {
                    // Outside the project: let in by the resource's policy, its own unseen.
                    Json::Object(vec![
                        ("principal".into(), Json::str(outside.principal.clone())),
                        ("arn".into(), Json::str(outside.principal.clone())),
                        ("chain".into(), Json::Array(Vec::new())),
                        ("certain".into(), Json::Bool(false)),
                        ("external".into(), Json::Bool(true)),
                    ])
                }))
                .collect();
            println!("{}", Json::Array(list).pretty());
        }
    }
    Ok(ExitCode::SUCCESS)
}
