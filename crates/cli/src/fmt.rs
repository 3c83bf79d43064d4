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
        return Ok(match iamdsl_syntax::format_source(&source) {
            Some(formatted) => {
                print!("{formatted}");
                ExitCode::SUCCESS
            }
            None => {
                let mut sources = Sources::new();
                let file = sources.add("<stdin>", source);
                let parsed = iamdsl_syntax::parse(sources.text(file), file);
                eprint!("{}", render_human(&sources, &parsed.diagnostics, style));
                ExitCode::from(1)
            }
        });
    }
    let loaded = iamdsl_compiler::load(&crate::paths_or_cwd(args.paths));
    eprint!(
        "{}",
        render_human(&loaded.sources, &loaded.diagnostics, style)
    );
    let mut failed = !loaded.diagnostics.is_empty();
    let mut changed = 0;
    for (file, path) in &loaded.paths {
        let source = loaded.sources.text(*file);
        let parsed = iamdsl_syntax::parse(source, *file);
        if parsed.has_errors() {
            // A file that does not parse is left exactly as it is.
            eprint!(
                "{}",
                render_human(&loaded.sources, &parsed.diagnostics, style)
            );
            eprintln!(
                "not formatted: {} has syntax errors",
                loaded.sources.name(*file)
            );
            failed = true;
            continue;
        }
        let formatted = iamdsl_syntax::format_module(&parsed.module, source);
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
