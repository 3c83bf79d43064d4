//! `iamdsl build PATH -o OUT`: canonical AWS policy JSON, written atomically.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use iamdsl_compiler::bundle::{build, BuildOptions};
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
    // Quotas are checked again after `--split` and `--minimize`, which may fix them.
    let is_quota =
        |code: &str| code == codes::POLICY_TOO_LARGE || code == codes::TOO_MANY_ATTACHMENTS;
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
    let output = build(
        &analysis.model,
        BuildOptions {
            split: args.split,
            minimize: args.minimize,
        },
    );
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
    replace_dir(&args.output, &output.artifacts)
        .map_err(|e| format!("cannot write `{}`: {e}", args.output.display()))?;
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
        output.artifacts.len(),
        args.output.display(),
        bundles.join(", "),
        analysis.model.catalog_version
    );
    if args.minimize {
        eprintln!("--minimize saved {} characters", output.bytes_saved);
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes all files into a new directory beside `target`, then swaps it in: a reader sees the
/// old output or the new one, never a mix, and a failure leaves the old one in place.
fn replace_dir(
    target: &Path,
    artifacts: &[iamdsl_compiler::bundle::Artifact],
) -> std::io::Result<()> {
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".iamdsl-build-")
        .tempdir_in(parent)?;
    for artifact in artifacts {
        let path = staging.path().join(&artifact.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &artifact.contents)?;
    }
    let staged = staging.keep();
    if target.exists() {
        let old = tempfile::Builder::new()
            .prefix(".iamdsl-old-")
            .tempdir_in(parent)?
            .keep();
        std::fs::remove_dir(&old)?;
        std::fs::rename(target, &old)?;
        if let Err(error) = std::fs::rename(&staged, target) {
            // Put the previous output back before reporting.
            let _ = std::fs::rename(&old, target);
            let _ = std::fs::remove_dir_all(&staged);
            return Err(error);
        }
        std::fs::remove_dir_all(&old)?;
    } else {
        std::fs::rename(&staged, target)?;
    }
    Ok(())
}
