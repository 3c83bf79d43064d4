//! `iamdsl plan` and `iamdsl apply`: the diff turned into IAM calls, saved with a fingerprint of
//! the state it was planned against, and run through the AWS SDK (docs/apply.md).
//!
//! Exit codes: 0 applied (or nothing to do), 1 an error (the project, the plan file, AWS),
//! 2 refused (a stale plan, no approval).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::ValueEnum;
use iamdsl_compiler::model::Account;
use iamdsl_diagnostics::{codes, render_human, Diagnostic, HumanStyle, Sources};
use iamdsl_plan::{Call, Plan};
use iamdsl_policy::authz::AuthorizationDetails;

use crate::pull::ConnectionArgs;

#[derive(clap::Args)]
pub struct PlanArgs {
    /// The project, and the state to plan against (`--account`: the account to plan for, by
    /// default the credentials' account, or the one the deployed state is of)
    #[command(flatten)]
    against: crate::diff::Against,
    /// Write the plan to PLAN (replaced atomically), for `iamdsl apply PLAN`
    #[arg(short, long, value_name = "PLAN")]
    output: Option<PathBuf>,
    /// What to print: the diff and the calls for people, or the plan's JSON
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// List every action of the diff's summaries
    #[arg(long)]
    verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct ApplyArgs {
    /// A plan written by `iamdsl plan -o PLAN`; with `--live`, the project (a directory or
    /// files; default `.`), planned now
    targets: Vec<PathBuf>,
    /// Plan the project against the account as it is now, and apply that
    #[arg(long)]
    live: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
    /// With `--live`: the account to apply to, by its declared name
    #[arg(long, value_name = "NAME")]
    account: Option<String>,
    /// Apply without asking (required where there is no terminal to ask on)
    #[arg(long)]
    auto_approve: bool,
    /// Also make the deletions (entities the project no longer declares); `[apply]
    /// allow_delete = true` in iamdsl.toml does the same for `--live`
    #[arg(long)]
    allow_delete: bool,
}

/// The account a command acts on, and how it was chosen.
pub struct Target<'m> {
    pub account: &'m Account,
    /// Who the credentials are, when AWS was asked.
    pub caller: Option<String>,
}

impl Target<'_> {
    pub fn describe(&self) -> String {
        let account = &self.account;
        match &self.caller {
            Some(arn) => format!("account {} ({}), as {arn}", account.name, account.id),
            None => format!("account {} ({})", account.name, account.id),
        }
    }
}

fn account_error(message: String, accounts: &[Account]) -> Diagnostic {
    let declared: Vec<String> = accounts
        .iter()
        .map(|a| format!("{} ({})", a.name, a.id))
        .collect();
    Diagnostic::error(codes::APPLY_ACCOUNT, message).with_help(format!(
        "use credentials of an account the project declares ({}), or `--account NAME`",
        declared.join(", ")
    ))
}

/// The account to plan for: `--account NAME`, else the credentials' account, else the one
/// account the deployed state is of (or the project's only one, for an empty state).
pub fn choose<'m>(
    accounts: &'m [Account],
    by_name: Option<&str>,
    caller: Option<&iamdsl_aws::Caller>,
    deployed: Option<&AuthorizationDetails>,
) -> Result<Target<'m>, Diagnostic> {
    let caller_arn = caller.map(|c| c.arn.clone());
    if let Some(name) = by_name {
        let account = accounts
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| crate::diff::unknown_account(name, accounts))?;
        if let Some(caller) = caller.filter(|c| c.account != account.id) {
            return Err(account_error(
                format!(
                    "`--account {name}` is {}, and the credentials act in account {} ({})",
                    account.id, caller.account, caller.arn
                ),
                accounts,
            ));
        }
        return Ok(Target {
            account,
            caller: caller_arn,
        });
    }
    if let Some(caller) = caller {
        let account = accounts
            .iter()
            .find(|a| a.id == caller.account)
            .ok_or_else(|| {
                account_error(
                    format!(
                        "the credentials act in account {} ({}), which the project does not declare",
                        caller.account, caller.arn
                    ),
                    accounts,
                )
            })?;
        return Ok(Target {
            account,
            caller: caller_arn,
        });
    }
    let ids = deployed
        .map(AuthorizationDetails::account_ids)
        .unwrap_or_default();
    let account = match (ids.len(), accounts) {
        (0, [only]) => Some(only),
        (1, _) => accounts.iter().find(|a| ids.contains(&a.id)),
        _ => None,
    };
    account
        .map(|account| Target {
            account,
            caller: None,
        })
        .ok_or_else(|| {
            let held: Vec<&str> = ids.iter().map(String::as_str).collect();
            account_error(
                if held.is_empty() {
                    "the deployed state names no account and the project declares several: say which with `--account NAME`".to_string()
                } else {
                    format!(
                        "the deployed state is of account{} {}, which the project does not declare alone: say which with `--account NAME`",
                        if held.len() == 1 { "" } else { "s" },
                        held.join(", ")
                    )
                },
                accounts,
            )
        })
}

/// The build and the deployed state of one account, side by side.
fn account_sides(
    analysis: &iamdsl_compiler::Analysis,
    deployed: &AuthorizationDetails,
    account: &Account,
) -> (AuthorizationDetails, AuthorizationDetails) {
    let built = iamdsl_compiler::bundle::built_counterpart(&analysis.model, deployed);
    (
        iamdsl_diff::only_account(&built, &account.id),
        iamdsl_diff::only_account(deployed, &account.id),
    )
}

/// The plan that makes `deployed` what `built` is.
fn make_plan(
    project: &iamdsl_compiler::Project,
    (built, deployed): &(AuthorizationDetails, AuthorizationDetails),
    account: &Account,
) -> Result<Plan, Vec<Diagnostic>> {
    let scope = crate::diff::scope(project);
    iamdsl_plan::plan(built, deployed, &scope, &account.id, &account.name)
}

fn print_diagnostics(diagnostics: &[Diagnostic], style: HumanStyle) {
    eprint!("{}", render_human(&Sources::new(), diagnostics, style));
}

/// The live state of the session's account, read.
pub fn pull(
    session: &iamdsl_aws::Session,
    style: HumanStyle,
) -> Result<AuthorizationDetails, crate::Failure> {
    let state = crate::pull::fetch(session, style)?;
    Ok(AuthorizationDetails::from_value(&state).map_err(|e| format!("the live state: {e}"))?)
}

pub fn plan(args: PlanArgs, style: HumanStyle) -> Result<ExitCode, crate::Failure> {
    let (project, analysis) =
        crate::analyzed(args.against.paths.clone(), style, "nothing to plan")?;
    let (deployed, target) = args
        .against
        .deployed_for_one(&analysis.model.accounts, style)?;
    let sides = account_sides(&analysis, &deployed, target.account);
    let plan = match make_plan(&project, &sides, target.account) {
        Ok(plan) => plan,
        Err(errors) => {
            print_diagnostics(&errors, style);
            return Ok(ExitCode::from(1));
        }
    };
    match args.format {
        Format::Json => print!("{}", plan.to_json()),
        Format::Text => {
            // The diff people read above the calls: made only for them (its effective access
            // is by far the most of a plan's time; JSON and apply leave it out).
            let (built, deployed) = &sides;
            let mut report = iamdsl_diff::diff(built, deployed, &crate::diff::scope(&project));
            report.account_names = analysis
                .model
                .accounts
                .iter()
                .map(|a| (a.id.clone(), a.name.clone()))
                .collect();
            println!("Plan for {}:\n", target.describe());
            print!(
                "{}",
                iamdsl_diff::render_text(&report, style == HumanStyle::Colored, args.verbose)
            );
            println!();
            print!("{}", plan.render_calls());
        }
    }
    if let Some(path) = &args.output {
        crate::output::write_atomic(path, plan.to_json().as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        eprintln!(
            "wrote {}: apply it with `iamdsl apply {}`",
            path.display(),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn apply(args: ApplyArgs, style: HumanStyle) -> Result<ExitCode, crate::Failure> {
    let session_for =
        |connection: &ConnectionArgs| iamdsl_aws::Session::open(&connection.connection());
    let (mut session, plan, allow_delete, wait) = if args.live {
        let (project, analysis) = crate::analyzed(args.targets, style, "nothing to apply")?;
        let session = session_for(&args.connection)?;
        let caller = session.caller()?;
        let accounts = &analysis.model.accounts;
        let target = choose(accounts, args.account.as_deref(), Some(&caller), None)?;
        let deployed = pull(&session, style)?;
        let sides = account_sides(&analysis, &deployed, target.account);
        let plan = match make_plan(&project, &sides, target.account) {
            Ok(plan) => plan,
            Err(errors) => {
                print_diagnostics(&errors, style);
                return Ok(ExitCode::from(1));
            }
        };
        println!("Applying to {}.", target.describe());
        let settings = project.config.apply;
        (
            session,
            plan,
            args.allow_delete || settings.allow_delete,
            Duration::from_secs(settings.wait_seconds),
        )
    } else {
        let [path] = &args.targets[..] else {
            return Err(String::from(
                "give one plan file (`iamdsl apply PLAN`), or the project with `--live` (`iamdsl apply . --live`)",
            )
            .into());
        };
        if args.account.is_some() {
            return Err(String::from(
                "a plan is for the account it was made for: `--account` applies only with --live",
            )
            .into());
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::error(
                codes::PLAN_FILE_INVALID,
                format!("cannot read the plan `{}`", path.display()),
            )
            .with_note(e.to_string())
            .with_help("write one with `iamdsl plan PATH --live -o PLAN`")
        })?;
        let plan =
            Plan::read(&text).map_err(|d| d.with_note(format!("in `{}`", path.display())))?;
        let session = session_for(&args.connection)?;
        let caller = session.caller()?;
        if caller.account != plan.account {
            return Err(Diagnostic::error(
                codes::APPLY_ACCOUNT,
                format!(
                    "the plan is for account {} ({}), and the credentials act in account {} ({})",
                    plan.account_name, plan.account, caller.account, caller.arn
                ),
            )
            .with_help("use credentials of the plan's account, or plan again for this one")
            .into());
        }
        let deployed = iamdsl_diff::only_account(&pull(&session, style)?, &plan.account);
        let now = iamdsl_plan::fingerprint(&deployed);
        if now != plan.fingerprint {
            print_diagnostics(
                &[Diagnostic::error(
                    codes::PLAN_STALE,
                    format!(
                        "account {} ({}) has changed since the plan was made; nothing was applied",
                        plan.account_name, plan.account
                    ),
                )
                .with_note(format!("planned against state {}, the account is now {}", short(&plan.fingerprint), short(&now)))
                .with_help("plan again (`iamdsl plan PATH --live -o PLAN`), review it, and apply the new plan")],
                style,
            );
            return Ok(ExitCode::from(2));
        }
        println!(
            "Applying to account {} ({}), as {}.",
            plan.account_name, plan.account, caller.arn
        );
        (
            session,
            plan,
            args.allow_delete,
            Duration::from_secs(iamdsl_compiler::config::ApplySettings::default().wait_seconds),
        )
    };
    if plan.is_empty() {
        println!("Nothing to do: the account is what the project builds.");
        return Ok(ExitCode::SUCCESS);
    }
    println!();
    print!("{}", plan.render_calls());
    let mut calls: Vec<&Call> = plan.changes.iter().collect();
    if allow_delete {
        calls.extend(&plan.deletions);
    } else if !plan.deletions.is_empty() {
        println!(
            "\nThe {} deletion call{} will not run: pass --allow-delete to make them.",
            plan.deletions.len(),
            if plan.deletions.len() == 1 { "" } else { "s" }
        );
    }
    if calls.is_empty() {
        println!("Nothing to do without the deletions.");
        return Ok(ExitCode::SUCCESS);
    }
    if !args.auto_approve {
        if let Some(refusal) = approval(calls.len())? {
            print_diagnostics(&[refusal], style);
            return Ok(ExitCode::from(2));
        }
    }
    println!();
    let total = calls.len();
    for (i, call) in calls.iter().enumerate() {
        println!("[{}/{total}] {}", i + 1, call.line());
        let mut waiting = |attempt: u32, pause: Duration| {
            println!(
                "      waiting {:.1} s for IAM to show what this apply created (attempt {})",
                pause.as_secs_f64(),
                attempt + 1
            );
        };
        if let iamdsl_aws::Outcome::Failed(diagnostic) = session.run(call, wait, &mut waiting) {
            let left: Vec<String> = calls[i + 1..].iter().map(|c| c.line()).collect();
            let diagnostic = diagnostic.with_note(match left.len() {
                0 => format!("done: {i} of {total} calls; not done: this one"),
                n => format!(
                    "done: {i} of {total} calls; not done: this one and {n} more ({})",
                    abbreviated(&left)
                ),
            });
            print_diagnostics(&[diagnostic], style);
            return Ok(ExitCode::from(1));
        }
    }
    for call in &calls {
        if let Call::CreateRole { role_name, .. } = call {
            if let Err(diagnostic) = session.read_back_role(role_name, wait) {
                print_diagnostics(&[diagnostic], style);
                return Ok(ExitCode::from(1));
            }
        }
    }
    println!(
        "\nApplied {total} call{} to account {} ({}).",
        if total == 1 { "" } else { "s" },
        plan.account_name,
        plan.account
    );
    Ok(ExitCode::SUCCESS)
}

/// The first few calls of a list, and how many more.
fn abbreviated(lines: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = lines
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if lines.len() > SHOWN {
        text.push_str(&format!("; … {} more", lines.len() - SHOWN));
    }
    text
}

fn short(fingerprint: &str) -> &str {
    fingerprint.get(..12).unwrap_or(fingerprint)
}

/// Asks once on the terminal; `Some(refusal)` when there is none to ask on or the answer is
/// not `yes`.
fn approval(calls: usize) -> Result<Option<Diagnostic>, crate::Failure> {
    if !std::io::stdin().is_terminal() {
        return Ok(Some(
            Diagnostic::error(
                codes::APPLY_NOT_APPROVED,
                "nothing was applied: there is no terminal to ask for approval on",
            )
            .with_help(
                "review the calls above and pass `--auto-approve` to apply them without asking",
            ),
        ));
    }
    print!("\nMake these {calls} calls? Only `yes` is taken as approval: ");
    std::io::stdout()
        .flush()
        .map_err(|e| format!("cannot ask for approval: {e}"))?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    Ok((answer.trim() != "yes").then(|| {
        Diagnostic::error(
            codes::APPLY_NOT_APPROVED,
            "nothing was applied: not approved",
        )
        .with_help("run `iamdsl apply` again and answer `yes` to apply")
    }))
}
