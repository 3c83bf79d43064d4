//! `iamdsl expand 'read on s3.bucket("x")'`: what an intent means, as the policy it compiles to.

use std::path::PathBuf;
use std::process::ExitCode;

use iamdsl_diagnostics::{render_human, HumanStyle};
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

pub fn run(args: Args, style: HumanStyle) -> Result<ExitCode, String> {
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
        return Err("the intent produced no policy".to_string());
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
    Ok(ExitCode::SUCCESS)
}
