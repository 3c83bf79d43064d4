//! `iamdsl diff PATH --deployed FILE`: what deploying the project would change.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;
use iamdsl_diagnostics::{codes, Diagnostic, HumanStyle};
use iamdsl_policy::authz::AuthorizationDetails;

/// A project and the deployed state it is compared with: what `diff` and `plan` both take.
#[derive(clap::Args)]
pub struct Against {
    /// A project directory (all `*.iamdsl` below it) or files; default `.`
    pub paths: Vec<PathBuf>,
    /// Deployed state: the output of `aws iam get-account-authorization-details` or `iamdsl pull`
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "live",
        conflicts_with = "live"
    )]
    deployed: Option<PathBuf>,
    /// Read the deployed state from AWS now (as `iamdsl pull` does), for the account the
    /// credentials act in
    #[arg(long)]
    live: bool,
    #[command(flatten)]
    connection: crate::pull::ConnectionArgs,
    /// Only this account of the project, by its declared name (with --live, it must be the
    /// credentials' account)
    #[arg(long, value_name = "NAME")]
    account: Option<String>,
}

impl Against {
    /// The deployed state and the account it is of: with `--live`, the credentials' account
    /// (which the project must declare); with `--deployed`, `--account`'s, or none (every
    /// account).
    pub fn deployed<'m>(
        &self,
        accounts: &'m [iamdsl_compiler::model::Account],
        style: HumanStyle,
    ) -> Result<(AuthorizationDetails, Option<crate::apply::Target<'m>>), crate::Failure> {
        if self.deployed.is_some() && self.connection.is_set() {
            return Err(String::from("--endpoint-url and --profile apply only with --live").into());
        }
        let Some(path) = &self.deployed else {
            let session = iamdsl_aws::Session::open(&self.connection.connection())?;
            let caller = session.caller()?;
            let target =
                crate::apply::choose(accounts, self.account.as_deref(), Some(&caller), None)?;
            return Ok((crate::apply::pull(&session, style)?, Some(target)));
        };
        // Checked before the deployed state is read.
        let named = match &self.account {
            Some(name) => Some(
                accounts
                    .iter()
                    .find(|a| &a.name == name)
                    .ok_or_else(|| unknown_account(name, accounts))?,
            ),
            None => None,
        };
        let target = named.map(|account| crate::apply::Target {
            account,
            caller: None,
        });
        Ok((read_deployed(path)?, target))
    }

    /// [`Against::deployed`] for one account: without `--live` or `--account`, the one the
    /// deployed state is of (or the project's only one).
    pub fn deployed_for_one<'m>(
        &self,
        accounts: &'m [iamdsl_compiler::model::Account],
        style: HumanStyle,
    ) -> Result<(AuthorizationDetails, crate::apply::Target<'m>), crate::Failure> {
        let (deployed, target) = self.deployed(accounts, style)?;
        let target = match target {
            Some(target) => target,
            None => crate::apply::choose(accounts, None, None, Some(&deployed))?,
        };
        Ok((deployed, target))
    }
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    against: Against,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit 2 when there are changes (0 when there are none)
    #[arg(long)]
    exit_code: bool,
    /// List every action of the summaries (by default many actions of one service on one
    /// resource are counted on one line)
    #[arg(long)]
    verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    /// For a pull-request comment (GitHub, GitLab)
    Markdown,
}

pub fn run(args: Args, style: HumanStyle) -> Result<ExitCode, crate::Failure> {
    let (project, analysis) =
        crate::analyzed(args.against.paths.clone(), style, "nothing to compare")?;
    let accounts = &analysis.model.accounts;
    let (deployed, target) = args.against.deployed(accounts, style)?;
    if let Some(target) = target.as_ref().filter(|t| t.caller.is_some()) {
        eprintln!("comparing {}", target.describe());
    }
    let only = target.map(|t| t.account.id.clone());
    let mut built = iamdsl_compiler::bundle::built_counterpart(&analysis.model, &deployed);
    let deployed = match &only {
        Some(id) => {
            built = iamdsl_diff::only_account(&built, id);
            iamdsl_diff::only_account(&deployed, id)
        }
        None => deployed,
    };
    let mut report = iamdsl_diff::diff(&built, &deployed, &scope(&project));
    report.account_names = accounts
        .iter()
        .map(|a| (a.id.clone(), a.name.clone()))
        .collect();
    match args.format {
        Format::Text => print!(
            "{}",
            iamdsl_diff::render_text(&report, style == HumanStyle::Colored, args.verbose)
        ),
        Format::Json => print!("{}", iamdsl_diff::render_json(&report)),
        Format::Markdown => print!("{}", iamdsl_diff::render_markdown(&report, args.verbose)),
    }
    Ok(if args.exit_code && report.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// What the project owns in deployed state (`[diff]` of iamdsl.toml).
pub fn scope(project: &iamdsl_compiler::Project) -> iamdsl_diff::Scope {
    iamdsl_diff::Scope {
        paths: project.config.diff.paths.clone(),
        names: project.config.diff.names.clone(),
    }
}

/// A deployed state file, as `--deployed FILE` names it.
pub fn read_deployed(path: &std::path::Path) -> Result<AuthorizationDetails, crate::Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    Ok(AuthorizationDetails::read(&text).map_err(|e| format!("`{}`: {e}", path.display()))?)
}

/// `--account NAME` that the project does not declare.
pub fn unknown_account(name: &str, accounts: &[iamdsl_compiler::model::Account]) -> Diagnostic {
    let declared: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
    let help = match iamdsl_diagnostics::suggest::closest(name, declared.iter().copied()) {
        Some(close) => format!(
            "did you mean `{close}`? The project declares: {}",
            declared.join(", ")
        ),
        None if declared.is_empty() => {
            "the project declares no account: leave out `--account`".to_string()
        }
        None => format!(
            "name an account the project declares: {}",
            declared.join(", ")
        ),
    };
    Diagnostic::error(
        codes::UNKNOWN_ACCOUNT,
        format!("`--account {name}` names no account of the project"),
    )
    .with_help(help)
}
