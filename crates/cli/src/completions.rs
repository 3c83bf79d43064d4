//! `iamdsl completions SHELL` and `iamdsl man`: what shells and `man` need, generated from the
//! one definition of the command line.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// The completion script for `shell`, on standard output (`iamdsl completions bash >
/// /etc/bash_completion.d/iamdsl`, `… zsh > "${fpath[1]}/_iamdsl"`, `… fish >
/// ~/.config/fish/completions/iamdsl.fish`).
pub fn completions(args: CompletionsArgs, mut command: clap::Command) -> Result<ExitCode, String> {
    let name = command.get_name().to_string();
    // Into memory first: the generator panics on a write error (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    write_out(&script, "the completion script")
}

fn write_out(bytes: &[u8], what: &str) -> Result<ExitCode, String> {
    use std::io::Write;
    std::io::stdout()
        .write_all(bytes)
        .map_err(|e| format!("cannot write {what}: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// The manual page, in roff, on standard output (`iamdsl man > iamdsl.1`).
pub fn man(command: clap::Command) -> Result<ExitCode, String> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|e| format!("cannot write the manual page: {e}"))?;
    write_out(&page, "the manual page")
}
