//! `iamdsl graph PATH`: the project's principals, groups, trust and escalations as a picture.

use std::path::PathBuf;
use std::process::ExitCode;

use iamdsl_compiler::graph::{access_graph, GraphFormat};
use iamdsl_diagnostics::HumanStyle;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Graphviz (`dot -Tpng`)
    Dot,
    /// Mermaid, which GitHub and GitLab render in Markdown
    Mermaid,
}

impl From<Format> for GraphFormat {
    fn from(format: Format) -> GraphFormat {
        match format {
            Format::Dot => GraphFormat::Dot,
            Format::Mermaid => GraphFormat::Mermaid,
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// A project directory (all `*.iamdsl` below it) or files; default `.`
    path: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Dot)]
    format: Format,
    /// Write the picture to this file (atomically) instead of standard output
    #[arg(short, long)]
    output: Option<PathBuf>,
}

pub fn run(args: Args, style: HumanStyle) -> Result<ExitCode, String> {
    let path = args.path.unwrap_or_else(|| PathBuf::from("."));
    let (project, analysis) = crate::explain::analysed(path);
    let principals: Vec<&iamdsl_compiler::Entity> = analysis
        .model
        .entities
        .iter()
        .filter(|e| e.kind != iamdsl_compiler::DeclKind::Policy)
        .collect();
    if !crate::explain::answerable(&project, &analysis, &principals, style) {
        return Ok(ExitCode::from(1));
    }
    let picture = access_graph(&analysis.model).render(args.format.into());
    match &args.output {
        Some(file) => crate::output::write_atomic(file, picture.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", file.display()))?,
        None => print!("{picture}"),
    }
    Ok(ExitCode::SUCCESS)
}
