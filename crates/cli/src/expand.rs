//! `iamdsl expand 'read on s3.bucket("x")'`: what an intent means, as the policy it compiles to.

use std::path::PathBuf;
use std::process::ExitCode;

use iamdsl_diagnostics::{codes, render_human, Diagnostic, HumanStyle, Span};
use iamdsl_policy::canonical::to_canonical_json;

#[derive(clap::Args)]
pub struct Args {
    /// The statement without `allow`: `read, list on s3.bucket("x")`, `s3:Get* on * when mfa`
    intent: String,
    /// A project whose names (`let`s, accounts, roles) and settings the intent may use
    #[arg(long)]
    project: Option<PathBuf>,
}

const SYNTHETIC: &str = "<intent>";

pub fn run(args: Args, style: HumanStyle) -> Result<ExitCode, crate::Failure> {
    if let Some(refused) = not_an_intent(&args.intent) {
        let mut sources = iamdsl_diagnostics::Sources::new();
        let file = sources.add(SYNTHETIC, args.intent.clone());
        let (span, label) = refused.place;
        let diagnostic = refused.diagnostic.at(file, span, label);
        eprint!("{}", render_human(&sources, &[diagnostic], style));
        return Ok(ExitCode::from(1));
    }
    let mut project = match &args.project {
        Some(path) => iamdsl_compiler::load(std::slice::from_ref(path)),
        None => iamdsl_compiler::Project::in_memory(
            vec![(
                "<account>".into(),
                "account example = \"123456789012\" default\n".into(),
            )],
            Default::default(),
        ),
    };
    // The intent becomes the only statement of a policy of its own.
    let text = format!(
        "#[allow(unused)]\npolicy expand_intent {{\n  allow {}\n}}\n",
        args.intent
    );
    let file = project.sources.add(SYNTHETIC, text);
    project.paths.push((file, PathBuf::from(SYNTHETIC)));
    let analysis = iamdsl_compiler::analyze(&project);
    let ours: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.primary.as_ref().is_some_and(|p| p.file == file) || d.is_error())
        .cloned()
        .collect();
    if !ours.is_empty() {
        eprint!("{}", render_human(&project.sources, &ours, style));
    }
    if analysis.has_errors() {
        return Ok(ExitCode::from(1));
    }
    let Some(policy) = analysis
        .model
        .entities
        .iter()
        .find(|e| e.ident == "expand_intent")
    else {
        return Err(String::from("the intent produced no policy").into());
    };
    let actions: usize = policy
        .document
        .statements
        .iter()
        .map(|s| match &s.action {
            iamdsl_policy::ActionBlock::Action(set)
            | iamdsl_policy::ActionBlock::NotAction(set) => set.len(),
        })
        .sum();
    print!("{}", to_canonical_json(&policy.document));
    eprintln!(
        "{actions} action{} (catalog: {})",
        if actions == 1 { "" } else { "s" },
        analysis.model.catalog_version
    );
    let account = &policy.account;
    if args.project.is_some() {
        eprintln!(
            "note: ARNs are in account `{}` ({}), the project's default",
            account.name, account.id
        );
    } else {
        eprintln!(
            "note: ARNs are in account `{}` ({}), a stand-in; `--project DIR` uses a project's accounts and names",
            account.name, account.id
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Why the text is not what `expand` takes, and where.
struct NotAnIntent {
    diagnostic: Diagnostic,
    place: (Span, String),
}

/// `expand` takes the statement after `allow`; given with its `allow` (or a `deny`), or
/// nothing, the text would not parse as one and the message would be about the wrapping.
fn not_an_intent(intent: &str) -> Option<NotAnIntent> {
    let start = intent.len() - intent.trim_start().len();
    let word: String = intent[start..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let rest = intent[start + word.len()..].trim_start();
    let help = |example: &str| format!("iamdsl expand '{example}'");
    let refused = |message: String, label: &str, help: String| {
        NotAnIntent {
        diagnostic: Diagnostic::error(codes::EXPAND_INPUT, message)
            .with_note("expand takes what follows `allow` in a statement: actions or access levels, `on` resources, and an optional `when` condition")
            .with_help(help),
        place: (Span::new(start, start + word.len()), label.to_string()),
    }
    };
    match word.as_str() {
        "" if rest.is_empty() => Some(refused(
            "`expand` was given no statement".to_string(),
            "nothing here",
            help("read on s3.bucket(\"x\")"),
        )),
        "allow" => Some(refused(
            "`expand` adds `allow` itself: leave it out".to_string(),
            "`allow` given again",
            help(rest),
        )),
        "deny" => Some(refused(
            "`expand` shows what a statement allows; it takes no `deny`".to_string(),
            "a deny statement",
            help(rest),
        )),
        _ => None,
    }
}
