//! `iamdsl import FILE -o DIR`: `.iamdsl` source for deployed state.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use iamdsl_policy::authz::AuthorizationDetails;

#[derive(clap::Args)]
pub struct Args {
    /// Deployed state: the output of `aws iam get-account-authorization-details` or `iamdsl pull`
    file: PathBuf,
    /// The directory to write the project to; it must not hold `.iamdsl` files yet
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode, crate::Failure> {
    import_into(&args.file, &args.output)
}

/// Imports the deployed state in `file` into a new project in `dir` (`import`, `init --from`).
pub fn import_into(file: &Path, dir: &Path) -> Result<ExitCode, crate::Failure> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
    let deployed =
        AuthorizationDetails::read(&text).map_err(|e| format!("`{}`: {e}", file.display()))?;
    if holds_sources(dir) {
        return Err(format!(
            "`{}` already holds .iamdsl files; import into a new directory",
            dir.display()
        )
        .into());
    }
    let imported = iamdsl_import::import(&deployed)?;
    crate::output::add_files(dir, &imported.files)?;
    for skipped in &imported.skipped {
        eprintln!("note: not imported: {skipped}");
    }
    for entity in &imported.verbatim_entities {
        eprintln!("note: {entity} is written with every statement #[verbatim]: its readable form did not build back to the same policy");
    }
    for report in &imported.over_quota {
        eprintln!("warning: over AWS's default quota, imported as it is: {report}");
    }
    if !imported.over_quota.is_empty() {
        eprintln!("note: the project's iamdsl.toml raises those quotas under [quotas]; check the account's Service Quotas allow them");
    }
    eprintln!(
        "wrote {} files to {}; `iamdsl build {}` gives back the deployed state",
        imported.files.len(),
        dir.display(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn holds_sources(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "iamdsl"))
    })
}
