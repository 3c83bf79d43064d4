use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use iamdsl_diagnostics::{render_human, HumanStyle, Sources};

use crate::check::plural;
use crate::output::write_atomic;

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (all `*.iamdsl` below them); default `.`
    paths: Vec<PathBuf>,
    /// Change nothing; list the files that would change and exit 1 if there are any
    #[arg(long)]
    check: bool,
    /// Format standard input to standard output (for editors)
    #[arg(long, conflicts_with_all = ["paths", "check"])]
    stdin: bool,
}

pub fn run(args: Args, style: HumanStyle) -> Result<ExitCode, String> {
    if args.stdin {
        let mut source = String::new();
        std::io::stdin()
            .read_to_string(&mut source)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        let mut sources = Sources::new();
        let file = sources.add("<stdin>", source);
        return Ok(
            match iamdsl_syntax::format_verified(sources.text(file), file) {
                Ok(formatted) => {
                    print!("{formatted}");
                    ExitCode::SUCCESS
                }
                Err(refusal) => {
                    report_refusal(&sources, file, refusal, style);
                    ExitCode::from(1)
                }
            },
        );
    }
    let loaded = iamdsl_compiler::load(&crate::paths_or_cwd(args.paths));
    eprint!(
        "{}",
        render_human(&loaded.sources, &loaded.diagnostics, style)
    );
    let mut failed = loaded.diagnostics.iter().any(|d| d.is_error());
    let mut changed = 0;
    for (file, path) in &loaded.paths {
        let source = loaded.sources.text(*file);
        let formatted = match iamdsl_syntax::format_verified(source, *file) {
            Ok(formatted) => formatted,
            Err(refusal) => {
                // A file that cannot be formatted safely is left exactly as it is.
                report_refusal(&loaded.sources, *file, refusal, style);
                failed = true;
                continue;
            }
        };
        if formatted == source {
            continue;
        }
        changed += 1;
        if args.check {
            println!("would reformat {}", loaded.sources.name(*file));
        } else {
            write_atomic(path, formatted.as_bytes())
                .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
            println!("formatted {}", loaded.sources.name(*file));
        }
    }
    if args.check && changed > 0 {
        eprintln!("{changed} file{} would be reformatted", plural(changed));
        failed = true;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn report_refusal(
    sources: &Sources,
    file: iamdsl_diagnostics::FileId,
    refusal: iamdsl_syntax::Refusal,
    style: HumanStyle,
) {
    match refusal {
        iamdsl_syntax::Refusal::SyntaxErrors(diagnostics) => {
            eprint!("{}", render_human(sources, &diagnostics, style));
            eprintln!("not formatted: {} has syntax errors", sources.name(file));
        }
        iamdsl_syntax::Refusal::WouldChangeMeaning => {
            eprintln!("not formatted: {}: the formatter would have changed its meaning (a bug in iamdsl; please report it with this file)", sources.name(file));
        }
    }
}
