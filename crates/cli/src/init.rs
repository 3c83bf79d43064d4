//! `iamdsl init [DIR]`: a new project that checks and builds clean, or, with `--from FILE`, a
//! project imported from deployed state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use iamdsl_diagnostics::{codes, Diagnostic};

#[derive(clap::Args)]
pub struct Args {
    /// The directory of the new project (created if needed); default `.`
    dir: Option<PathBuf>,
    /// Import deployed state (`iamdsl pull`'s or `aws iam get-account-authorization-details`'s
    /// output) instead of writing the skeleton
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// With `--from`: how its accounts are named
    #[command(flatten)]
    names: crate::import::AccountNames,
}

/// The skeleton: settings, an account, a role with trust and a boundary, expectations.
const SKELETON: [(&str, &str); 2] = [
    ("iamdsl.toml", include_str!("init/iamdsl.toml")),
    ("main.iamdsl", include_str!("init/main.iamdsl")),
];

pub fn run(args: Args) -> Result<ExitCode, crate::Failure> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("."));
    if let Some(existing) = project_file(&dir) {
        return Err(Diagnostic::error(
            codes::OUTPUT_NOT_OURS,
            format!("`{}` is a project already", dir.display()),
        )
        .with_note(format!("it holds `{}`", existing.display()))
        .with_help("run `iamdsl init` in a new or empty directory; nothing was written")
        .into());
    }
    if let Some(file) = &args.from {
        return crate::import::import_into(file, &dir, &args.names);
    }
    let files: BTreeMap<String, String> = SKELETON
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect();
    crate::output::add_files(&dir, &files)?;
    let shown = dir.display();
    eprintln!(
        "wrote a new project to {shown}: {}\nnext: set your account id in {}, then `iamdsl check {shown}` and `iamdsl build {shown} -o out`",
        files.keys().cloned().collect::<Vec<_>>().join(", "),
        dir.join("main.iamdsl").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// A file that makes `dir` a project already: its settings or a source.
fn project_file(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().is_some_and(|n| n == "iamdsl.toml")
                || p.extension()
                    .is_some_and(|x| x == iamdsl_compiler::SOURCE_EXTENSION)
        })
        .collect();
    found.sort();
    found.into_iter().next()
}
