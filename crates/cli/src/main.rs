//! `iamdsl`: the command line. Each subcommand is a thin layer over the shared analysis in
//! `iamdsl-compiler`; nothing here decides what a program means.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// The compiler allocates many small strings and sets; mimalloc makes that markedly cheaper
/// than the system allocator (measured in docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod apply;
mod build;
mod catalog;
mod check;
mod completions;
mod diff;
mod expand;
mod explain;
mod fmt;
mod graph;
mod import;
mod init;
mod output;
mod pull;

#[derive(Parser)]
#[command(
    name = "iamdsl",
    version,
    about = "AWS identity as code: check, build and diff IAM from .iamdsl sources"
)]
struct Cli {
    /// When to colour human output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Report every problem in a project (exit 1 on errors)
    Check(check::Args),
    /// Write canonical AWS policy JSON for every policy, principal and account
    Build(build::Args),
    /// Compare the project with deployed state (exit 2 on changes with --exit-code)
    Diff(diff::Args),
    /// The IAM calls that make an account what the project builds (a saved plan with -o)
    Plan(apply::PlanArgs),
    /// Make the calls of a plan (or of the project against the account now, with --live)
    Apply(apply::ApplyArgs),
    /// Fetch the live IAM state of an account (GetAccountAuthorizationDetails)
    Pull(pull::Args),
    /// Write .iamdsl source for deployed state (builds back to the same state)
    Import(import::Args),
    /// Rewrite files in the canonical layout
    Fmt(fmt::Args),
    /// Show the policy an intent expands to
    Expand(expand::Args),
    /// AWS's decision for one request of a principal, and the statements that decided
    Explain(explain::ExplainArgs),
    /// Every principal that may make a request, directly or by assuming roles
    WhoCan(explain::WhoCanArgs),
    /// Look up AWS actions, resource types, services and condition keys
    Catalog(catalog::Args),
    /// Draw principals, groups, trust and escalations (Graphviz DOT or Mermaid)
    Graph(graph::Args),
    /// Start a project: a skeleton that checks and builds, or an import of deployed state
    Init(init::Args),
    /// Print the completion script of a shell (bash, zsh, fish, …)
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff)
    Man,
    /// Run the language server on standard input and output (for editors)
    Lsp {
        /// Accepted for clients that pass it; stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
}

/// `iamdsl --version`: the program's version and the AWS data it carries.
fn long_version() -> String {
    format!(
        "{} (AWS catalog {}, managed policies {})",
        env!("CARGO_PKG_VERSION"),
        iamdsl_catalog::catalog().version(),
        iamdsl_catalog::managed::managed_policies().source()
    )
}

/// The command line's definition, with the versions filled in.
fn command() -> clap::Command {
    Cli::command().version(long_version())
}

fn main() -> ExitCode {
    let cli = match Cli::from_arg_matches(&command().get_matches()) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    let colored = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let style = if colored {
        iamdsl_diagnostics::HumanStyle::Colored
    } else {
        iamdsl_diagnostics::HumanStyle::Plain
    };
    let result = match cli.command {
        Command::Check(args) => check::run(args, style),
        Command::Build(args) => build::run(args, style),
        Command::Diff(args) => diff::run(args, style),
        Command::Plan(args) => apply::plan(args, style),
        Command::Apply(args) => apply::apply(args, style),
        Command::Pull(args) => pull::run(args, style),
        Command::Import(args) => import::run(args),
        Command::Fmt(args) => fmt::run(args, style).map_err(Failure::from),
        Command::Expand(args) => expand::run(args, style),
        Command::Explain(args) => explain::explain(args, style).map_err(Failure::from),
        Command::WhoCan(args) => explain::who_can(args, style).map_err(Failure::from),
        Command::Catalog(args) => catalog::run(args).map_err(Failure::from),
        Command::Graph(args) => graph::run(args, style).map_err(Failure::from),
        Command::Init(args) => init::run(args),
        Command::Completions(args) => {
            completions::completions(args, command()).map_err(Failure::from)
        }
        Command::Man => completions::man(command()).map_err(Failure::from),
        Command::Lsp { .. } => lsp().map_err(Failure::from),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Message(error)) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
        Err(Failure::Diagnostic(diagnostic)) => {
            let sources = iamdsl_diagnostics::Sources::new();
            eprint!(
                "{}",
                iamdsl_diagnostics::render_human(&sources, &[*diagnostic], style)
            );
            ExitCode::from(1)
        }
    }
}

/// Why a command stopped: a diagnostic (with a code, help and the path it is about) for what a
/// user can cause and fix, or a message for what is left.
pub enum Failure {
    Message(String),
    Diagnostic(Box<iamdsl_diagnostics::Diagnostic>),
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::Message(message)
    }
}

impl From<iamdsl_diagnostics::Diagnostic> for Failure {
    fn from(diagnostic: iamdsl_diagnostics::Diagnostic) -> Failure {
        Failure::Diagnostic(Box::new(diagnostic))
    }
}

fn lsp() -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the language server: {e}"))?;
    // 0 after `shutdown` then `exit`, 1 when the client went away without them.
    Ok(ExitCode::from(runtime.block_on(iamdsl_lsp::serve_stdio())))
}

/// The project at `paths` and its analysis, or its errors shown and a failure: `nothing_to`
/// says what the command then does not do ("nothing to compare").
fn analyzed(
    paths: Vec<PathBuf>,
    style: iamdsl_diagnostics::HumanStyle,
    nothing_to: &str,
) -> Result<(iamdsl_compiler::Project, iamdsl_compiler::Analysis), Failure> {
    let project = iamdsl_compiler::load(&paths_or_cwd(paths));
    let analysis = iamdsl_compiler::analyze(&project);
    if analysis.has_errors() {
        eprint!(
            "{}",
            iamdsl_diagnostics::render_human(&project.sources, &analysis.diagnostics, style)
        );
        return Err(format!(
            "the project has {} error(s); {nothing_to}",
            analysis.error_count()
        )
        .into());
    }
    Ok((project, analysis))
}

/// Paths as given on the command line; `.` when none is given.
fn paths_or_cwd(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths
    }
}
