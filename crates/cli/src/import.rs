//! `iamdsl import FILE… -o DIR`: `.iamdsl` source for deployed state, of one account or several.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use iamdsl_policy::authz::AuthorizationDetails;

#[derive(clap::Args)]
pub struct Args {
    /// Deployed state: the output of `aws iam get-account-authorization-details` or `iamdsl pull`;
    /// several accounts' states (one file each) import into one project
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The directory to write the project to; it must not hold `.iamdsl` files yet
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    #[command(flatten)]
    pub names: AccountNames,
}

/// How the imported accounts are named.
#[derive(clap::Args, Default)]
pub struct AccountNames {
    /// Name an account of the state in the source: `prod=111111111111` (repeatable); an account
    /// not named is `main` when it is the only one, else `account_ID`
    #[arg(long = "account-name", value_name = "NAME=ID", value_parser = account_name)]
    account_names: Vec<(String, String)>,
}

/// `prod=111111111111`: a name the language takes and a 12-digit account id.
fn account_name(text: &str) -> Result<(String, String), String> {
    let Some((name, id)) = text.split_once('=') else {
        return Err("write NAME=ID, such as prod=111111111111".into());
    };
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid || iamdsl_syntax::lexer::is_reserved(name) {
        return Err(format!(
            "`{name}` is not a name: use letters, digits, `_` and `-`, starting with a letter, and no reserved word"
        ));
    }
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{id}` is not an AWS account id (12 digits)"));
    }
    Ok((name.to_string(), id.to_string()))
}

pub fn run(args: Args) -> Result<ExitCode, crate::Failure> {
    import_all(&args.files, &args.output, &args.names)
}

/// Imports the deployed state in `file` into a new project in `dir` (`init --from`).
pub fn import_into(
    file: &Path,
    dir: &Path,
    names: &AccountNames,
) -> Result<ExitCode, crate::Failure> {
    import_all(&[file.to_path_buf()], dir, names)
}

/// Imports the deployed states in `files` (each account's in one) into a new project in `dir`.
fn import_all(
    files: &[PathBuf],
    dir: &Path,
    names: &AccountNames,
) -> Result<ExitCode, crate::Failure> {
    let mut states = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
        let state =
            AuthorizationDetails::read(&text).map_err(|e| format!("`{}`: {e}", file.display()))?;
        states.push((file.display().to_string(), state));
    }
    let deployed = iamdsl_import::merge_states(states)?;
    if holds_sources(dir) {
        return Err(format!(
            "`{}` already holds .iamdsl files; import into a new directory",
            dir.display()
        )
        .into());
    }
    let by_id = names
        .account_names
        .iter()
        .map(|(name, id)| (id.clone(), name.clone()))
        .collect();
    let imported = iamdsl_import::import_named(&deployed, &by_id)?;
    crate::output::add_files(dir, &imported.files)?;
    for skipped in &imported.skipped {
        eprintln!("note: not imported: {skipped}");
    }
    for warning in &imported.warnings {
        eprintln!("warning: {warning}");
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
    let but = if imported.warnings.is_empty() {
        ""
    } else {
        ", but for the policies it could not read"
    };
    eprintln!(
        "wrote {} files to {}; `iamdsl build {}` gives back the deployed state{but}",
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
