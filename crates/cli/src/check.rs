use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;
use iamdsl_compiler::bundle::{is_judged_after_reshaping, reshape};
use iamdsl_diagnostics::{
    render_human, render_json, render_sarif, sarif_root, Diagnostic, HumanStyle, Severity,
};

#[derive(clap::Args)]
pub struct Args {
    /// Files or project directories (all `*.iamdsl` below them); default `.`
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    deny_warnings: bool,
    /// SARIF locations are relative to this directory (default: the repository around the
    /// working directory, else the working directory)
    #[arg(long, value_name = "DIR")]
    sarif_root: Option<PathBuf>,
    /// Judge AWS's quotas as `build` with the same options would
    #[command(flatten)]
    reshape: crate::build::ReshapeArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
}

pub fn run(args: Args, style: HumanStyle) -> Result<ExitCode, crate::Failure> {
    let loaded = iamdsl_compiler::load(&crate::paths_or_cwd(args.paths));
    let analysis = iamdsl_compiler::analyze(&loaded);
    // `--split` and `--minimize` reshape the model before its quotas are judged, as `build`
    // does: the same two functions give the same verdict.
    let options = args.reshape.options();
    let mut judged: Vec<Diagnostic> = analysis
        .diagnostics
        .iter()
        .filter(|d| !is_judged_after_reshaping(options, d.code))
        .cloned()
        .collect();
    judged.extend(reshape(&analysis.model, options).diagnostics);
    let diagnostics = &judged;
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    match args.format {
        Format::Human => {
            eprint!("{}", render_human(&loaded.sources, diagnostics, style));
            eprintln!(
                "checked {} file{}: {} error{}, {} warning{}",
                loaded.paths.len(),
                plural(loaded.paths.len()),
                errors,
                plural(errors),
                warnings,
                plural(warnings),
            );
        }
        Format::Json => print!("{}", render_json(&loaded.sources, diagnostics)),
        Format::Sarif => print!(
            "{}",
            render_sarif(
                &loaded.sources,
                diagnostics,
                env!("CARGO_PKG_VERSION"),
                &sarif_root(args.sarif_root.as_deref())
            )
        ),
    }
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);
    // The process ends here: freeing a large project's trees one by one is wasted time.
    std::mem::forget(analysis);
    std::mem::forget(loaded);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
