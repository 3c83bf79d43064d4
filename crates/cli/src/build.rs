//! `iamdsl build PATH -o OUT`: canonical AWS policy JSON, written atomically.

use std::path::PathBuf;
use std::process::ExitCode;

use iamdsl_compiler::bundle::{build_into, BuildOptions};
use iamdsl_diagnostics::{codes, render_human, HumanStyle};

#[derive(clap::Args)]
pub struct Args {
    /// A project directory (all `*.iamdsl` below it) or files; default `.`
    paths: Vec<PathBuf>,
    /// Output directory; replaced whole when the build succeeds, untouched when it fails
    #[arg(short, long, default_value = "out")]
    output: PathBuf,
    /// Split a managed policy over AWS's size quota into numbered policies
    #[arg(long)]
    split: bool,
    /// Replace action lists by wildcards where the catalog proves them equal (never wider)
    #[arg(long)]
    minimize: bool,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    deny_warnings: bool,
}

pub fn run(args: Args, style: HumanStyle) -> Result<ExitCode, String> {
    let project = iamdsl_compiler::load(&crate::paths_or_cwd(args.paths));
    let analysis = iamdsl_compiler::analyze(&project);
    // Quotas are checked again after `--split` and `--minimize`, which may fix them; without
    // those, the analysis' verdict on quotas is the build's.
    let reshaped = args.split || args.minimize;
    let is_quota = |code: &str| {
        reshaped && (code == codes::POLICY_TOO_LARGE || code == codes::TOO_MANY_ATTACHMENTS)
    };
    let shown: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| !is_quota(d.code))
        .cloned()
        .collect();
    eprint!("{}", render_human(&project.sources, &shown, style));
    let errors = shown.iter().filter(|d| d.is_error()).count();
    let failed = errors > 0 || (args.deny_warnings && analysis.warning_count() > 0);
    if failed {
        eprintln!(
            "build failed: {errors} error(s), {} warning(s); `{}` left as it was",
            analysis.warning_count(),
            args.output.display()
        );
        return Ok(ExitCode::from(1));
    }
    // The syntax trees are done with: their memory goes before the build's is taken.
    let model = analysis.model;
    drop(analysis.modules);
    // Files go straight into a staging directory as they are written, which replaces the
    // output only when everything was written.
    let cannot_write = |e: std::io::Error| format!("cannot write `{}`: {e}", args.output.display());
    let staged = crate::output::StagedDir::new(&args.output).map_err(cannot_write)?;
    let output = build_into(
        &model,
        BuildOptions {
            split: args.split,
            minimize: args.minimize,
        },
        &mut |path, contents| staged.write(path, contents.as_bytes()),
    )
    .map_err(cannot_write)?;
    if !output.diagnostics.is_empty() {
        eprint!(
            "{}",
            render_human(&project.sources, &output.diagnostics, style)
        );
    }
    if output.diagnostics.iter().any(|d| d.is_error()) {
        eprintln!(
            "build failed: AWS quotas exceeded; `{}` left as it was",
            args.output.display()
        );
        return Ok(ExitCode::from(1));
    }
    staged.commit().map_err(cannot_write)?;
    let bundles: Vec<String> = output
        .bundles
        .iter()
        .map(|(name, dir)| {
            if dir.is_empty() {
                name.clone()
            } else {
                format!("{name} ({}/{dir})", args.output.display())
            }
        })
        .collect();
    eprintln!(
        "wrote {} files to {} for {} (catalog {})",
        output.files,
        args.output.display(),
        bundles.join(", "),
        model.catalog_version
    );
    if args.minimize {
        eprintln!("--minimize saved {} characters", output.bytes_saved);
    }
    // The process ends here: freeing a large model piece by piece is wasted time.
    std::mem::forget(model);
    std::mem::forget(project);
    Ok(ExitCode::SUCCESS)
}
