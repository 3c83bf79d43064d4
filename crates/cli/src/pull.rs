//! `iamdsl pull`: the live IAM state of an account, in the shape the AWS CLI prints it, with
//! the account's resource policies (`ResourcePolicies`, docs/state.md).

use std::path::PathBuf;
use std::process::ExitCode;

use iamdsl_diagnostics::{render_human, HumanStyle, Sources};

/// Where to fetch from; shared by `pull` and `diff --live`.
#[derive(clap::Args, Clone, Default)]
pub struct ConnectionArgs {
    /// Another IAM endpoint, e.g. a local test server
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// A named profile of the AWS config files (default: the standard chain, AWS_PROFILE)
    #[arg(long)]
    profile: Option<String>,
}

impl ConnectionArgs {
    pub fn is_set(&self) -> bool {
        self.endpoint_url.is_some() || self.profile.is_some()
    }

    pub fn connection(&self) -> iamdsl_aws::Connection {
        iamdsl_aws::Connection {
            endpoint_url: self.endpoint_url.clone(),
            profile: self.profile.clone(),
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// Write the state to FILE (replaced atomically); standard output when absent
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Fetches the live state of the session's account for `pull`, `diff --live`, `plan --live`
/// and `apply`: what could not be read is shown as warnings on standard error, and the rest is
/// returned.
pub fn fetch(
    session: &iamdsl_aws::Session,
    style: HumanStyle,
) -> Result<serde_json::Value, crate::Failure> {
    let pulled = session.pull()?;
    if !pulled.warnings.is_empty() {
        eprint!("{}", render_human(&Sources::new(), &pulled.warnings, style));
    }
    Ok(pulled.state)
}

pub fn run(args: Args, style: HumanStyle) -> Result<ExitCode, crate::Failure> {
    let state = fetch(
        &iamdsl_aws::Session::open(&args.connection.connection())?,
        style,
    )?;
    let mut text =
        serde_json::to_string_pretty(&state).map_err(|e| format!("cannot write the state: {e}"))?;
    text.push('\n');
    match &args.output {
        Some(path) => {
            crate::output::write_atomic(path, text.as_bytes())
                .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
            let count = |list: &str| state[list].as_array().map_or(0, Vec::len);
            eprintln!(
                "wrote {}: {} users, {} groups, {} roles, {} managed policies, {} resources with their policies",
                path.display(),
                count("UserDetailList"),
                count("GroupDetailList"),
                count("RoleDetailList"),
                count("Policies"),
                count("ResourcePolicies")
            );
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
