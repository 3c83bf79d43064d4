//! `iamdsl build PATH -o OUT`: canonical AWS policy JSON, written atomically.

use std::path::PathBuf;
use std::process::ExitCode;

use iamdsl_compiler::bundle::{build_into, is_judged_after_reshaping, BuildOptions};
use iamdsl_diagnostics::{render_human, HumanStyle};

#[derive(clap::Args)]
pub struct Args {
    /// A project directory (all `*.iamdsl` below it) or files; default `.`
    paths: Vec<PathBuf>,
    /// Output directory; replaced whole when the build succeeds, untouched when it fails. It
    /// must be absent, empty or a previous build's output, and never hold an input
    #[arg(short, long, default_value = "out")]
    output: PathBuf,
    /// Replace an output directory that holds other files than a previous build's (never one
    /// that holds an input)
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    reshape: ReshapeArgs,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    deny_warnings: bool,
}

/// The options that reshape what is built, shared by `build` and `check`.
#[derive(clap::Args, Clone, Copy)]
pub struct ReshapeArgs {
    /// Split a managed policy over AWS's size quota into numbered policies
    #[arg(long)]
    split: bool,
    /// Replace action lists by wildcards where the catalog proves them equal (never wider)
    #[arg(long)]
    minimize: bool,
}

impl ReshapeArgs {
    pub fn options(self) -> BuildOptions {
        BuildOptions {
            split: self.split,
            minimize: self.minimize,
        }
    }
}

pub fn run(args: Args, style: HumanStyle) -> Result<ExitCode, crate::Failure> {
    let paths = crate::paths_or_cwd(args.paths);
    // Before anything is built: the output may not hold an input, nor files of someone else.
    let target = crate::output::Target::check(&args.output, &paths, args.force)?;
    let project = iamdsl_compiler::load(&paths);
    let analysis = iamdsl_compiler::analyze(&project);
    let options = args.reshape.options();
    // Quotas are judged again after `--split` and `--minimize`, which may fix them.
    let shown: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| !is_judged_after_reshaping(options, d.code))
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
    let staged = crate::output::StagedDir::new(&target).map_err(cannot_write)?;
    let output = build_into(&model, options, &mut |path, contents| {
        staged.write(path, contents.as_bytes())
    })
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
    if args.reshape.minimize {
        eprintln!("--minimize saved {} characters", output.bytes_saved);
    }
    // The process ends here: freeing a large model piece by piece is wasted time.
    std::mem::forget(model);
    std::mem::forget(project);
    Ok(ExitCode::SUCCESS)
}
