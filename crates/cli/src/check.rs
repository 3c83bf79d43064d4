use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;
use iamdsl_diagnostics::{render_human, render_json, render_sarif, HumanStyle};

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
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
}

pub fn run(args: Args, style: HumanStyle) -> Result<ExitCode, String> {
    let loaded = iamdsl_compiler::load(&crate::paths_or_cwd(args.paths));
    let analysis = iamdsl_compiler::analyze(&loaded);
    let diagnostics = &analysis.diagnostics;
    match args.format {
        Format::Human => {
            eprint!("{}", render_human(&loaded.sources, diagnostics, style));
            eprintln!(
                "checked {} file{}: {} error{}, {} warning{}",
                loaded.paths.len(),
                plural(loaded.paths.len()),
                analysis.error_count(),
                plural(analysis.error_count()),
                analysis.warning_count(),
                plural(analysis.warning_count()),
            );
        }
        Format::Json => print!("{}", render_json(&loaded.sources, diagnostics)),
        Format::Sarif => print!(
            "{}",
            render_sarif(&loaded.sources, diagnostics, env!("CARGO_PKG_VERSION"))
        ),
    }
    let failed = analysis.error_count() > 0 || (args.deny_warnings && analysis.warning_count() > 0);
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
