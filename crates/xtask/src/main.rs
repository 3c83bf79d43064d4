//! `cargo run -p xtask -- gen-org --roles 2000 --out /tmp/org [--resources]`
//! `cargo run -p xtask -- gen-realistic --lines 5161 --out /tmp/realistic`

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    match args.first().map(String::as_str) {
        Some("gen-org") => {
            let Some(roles) = value("--roles").and_then(|r| r.parse::<usize>().ok()) else {
                eprintln!("usage: xtask gen-org --roles N --out DIR [--resources]");
                return ExitCode::from(2);
            };
            let out = PathBuf::from(value("--out").unwrap_or_else(|| "generated-org".to_string()));
            if let Err(error) = std::fs::create_dir_all(&out) {
                eprintln!("cannot create {}: {error}", out.display());
                return ExitCode::from(1);
            }
            let mut lines = 0;
            let files = if args.iter().any(|a| a == "--resources") {
                xtask::generate_org_with_resources(roles)
            } else {
                xtask::generate_org(roles)
            };
            for (name, text) in files {
                lines += text.lines().count();
                if let Err(error) = std::fs::write(out.join(&name), text) {
                    eprintln!("cannot write {name}: {error}");
                    return ExitCode::from(1);
                }
            }
            eprintln!("wrote {roles} roles, {lines} lines to {}", out.display());
            ExitCode::SUCCESS
        }
        Some("gen-realistic") => {
            let Some(lines) = value("--lines").and_then(|r| r.parse::<usize>().ok()) else {
                eprintln!("usage: xtask gen-realistic --lines N --out DIR");
                return ExitCode::from(2);
            };
            let out = PathBuf::from(value("--out").unwrap_or_else(|| "realistic".to_string()));
            let (text, manifest) = xtask::realistic_file(lines);
            let written = std::fs::create_dir_all(&out)
                .and_then(|()| std::fs::write(out.join("iamdsl.toml"), manifest))
                .and_then(|()| std::fs::write(out.join("platform.iamdsl"), &text));
            if let Err(error) = written {
                eprintln!("cannot write to {}: {error}", out.display());
                return ExitCode::from(1);
            }
            eprintln!(
                "wrote {} lines to {}",
                text.lines().count(),
                out.join("platform.iamdsl").display()
            );
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "usage: xtask gen-org --roles N --out DIR | gen-realistic --lines N --out DIR"
            );
            ExitCode::from(2)
        }
    }
}
