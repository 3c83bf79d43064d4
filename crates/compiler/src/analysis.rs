use iamdsl_diagnostics::{normalize, Diagnostic, FileId, Sources};
use iamdsl_syntax::ast::Module;

/// Everything known about a project after analysis.
#[derive(Debug, Default)]
pub struct Analysis {
    /// The parsed files, in the order of their ids.
    pub modules: Vec<(FileId, Module)>,
    /// Every diagnostic, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == iamdsl_diagnostics::Severity::Warning)
            .count()
    }
}

/// Analyses every file of `sources` as one project.
pub fn analyze(sources: &Sources) -> Analysis {
    let mut analysis = Analysis::default();
    for file in sources.ids() {
        let parsed = iamdsl_syntax::parse(sources.text(file), file);
        analysis.diagnostics.extend(parsed.diagnostics);
        analysis.modules.push((file, parsed.module));
    }
    normalize(&mut analysis.diagnostics);
    analysis
}
