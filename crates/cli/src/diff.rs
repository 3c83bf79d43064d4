//! `iamdsl diff PATH --deployed FILE`: what deploying the project would change.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;
use iamdsl_diagnostics::{render_human, HumanStyle};
use iamdsl_policy::authz::AuthorizationDetails;

#[derive(clap::Args)]
pub struct Args {
    /// A project directory (all `*.iamdsl` below it) or files; default `.`
    paths: Vec<PathBuf>,
    /// Deployed state: the output of `aws iam get-account-authorization-details` or `iamdsl pull`
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "live",
        conflicts_with = "live"
    )]
    deployed: Option<PathBuf>,
    /// Fetch the deployed state from IAM now (as `iamdsl pull` does)
    #[arg(long)]
    live: bool,
    #[command(flatten)]
    connection: crate::pull::ConnectionArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit 2 when there are changes (0 when there are none)
    #[arg(long)]
    exit_code: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: Args, style: HumanStyle) -> Result<ExitCode, String> {
    let project = iamdsl_compiler::load(&crate::paths_or_cwd(args.paths));
    let analysis = iamdsl_compiler::analyze(&project);
    if analysis.has_errors() {
        eprint!(
            "{}",
            render_human(&project.sources, &analysis.diagnostics, style)
        );
        return Err(format!(
            "the project has {} error(s); nothing to compare",
            analysis.error_count()
        ));
    }
    if args.deployed.is_some() && args.connection.is_set() {
        return Err("--endpoint-url and --profile apply only with --live".into());
    }
    let deployed = match &args.deployed {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            AuthorizationDetails::read(&text).map_err(|e| format!("`{}`: {e}", path.display()))?
        }
        None => {
            let state = iamdsl_aws::pull(&args.connection.connection())?;
            AuthorizationDetails::from_value(&state).map_err(|e| format!("the live state: {e}"))?
        }
    };
    let built = iamdsl_compiler::bundle::built_counterpart(&analysis.model, &deployed);
    let scope = iamdsl_diff::Scope {
        paths: project.config.diff.paths.clone(),
        names: project.config.diff.names.clone(),
    };
    let report = iamdsl_diff::diff(&built, &deployed, &scope);
    match args.format {
        Format::Text => print!(
            "{}",
            iamdsl_diff::render_text(&report, style == HumanStyle::Colored)
        ),
        Format::Json => print!("{}", iamdsl_diff::render_json(&report)),
    }
    Ok(if args.exit_code && report.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
