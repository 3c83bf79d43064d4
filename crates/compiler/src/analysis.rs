use iamdsl_diagnostics::{codes, normalize, Diagnostic, FileId, Severity};
use iamdsl_syntax::ast::Module;
use iamdsl_syntax::Parsed;

use crate::check::Checker;
use crate::model::Model;
use crate::project::Project;

/// Everything known about a project after analysis.
#[derive(Debug, Default)]
pub struct Analysis {
    /// The project's parsed files, in the order of their ids.
    pub modules: Vec<(FileId, Module)>,
    /// What the project means (complete only when there are no errors).
    pub model: Model,
    /// Every diagnostic, sorted by file and position: loading, syntax, checks and lints.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }
}

/// Parses and checks a project: the one analysis that the CLI, the language server and the
/// tests all use.
pub fn analyze(project: &Project) -> Analysis {
    analyze_with(project, &mut |text, file| iamdsl_syntax::parse(text, file))
}

/// [`analyze`] with the parser of the caller: the language server passes one that reuses the
/// trees of unchanged declarations ([`iamdsl_syntax::parse_cached`]).
pub fn analyze_with(project: &Project, parse: &mut dyn FnMut(&str, FileId) -> Parsed) -> Analysis {
    let mut diagnostics = project.diagnostics.clone();
    let mut modules = Vec::new();
    for file in project.files() {
        let parsed = parse(project.sources.text(file), file);
        diagnostics.extend(parsed.diagnostics);
        modules.push((file, parsed.module));
    }
    let std_modules: Vec<(FileId, String, Module)> = project
        .std_files
        .iter()
        .zip(crate::stdlib::parsed())
        .map(|((file, name), module)| (*file, name.clone(), module.clone()))
        .collect();

    let syntax_errors = diagnostics.iter().any(Diagnostic::is_error);
    let mut checker = Checker::new(&project.config);
    checker.collect(&modules, &std_modules);
    checker.resolve_accounts();
    checker.prepare();
    let model = checker.lower_all();
    checker.half_configured(&model);
    checker.expectations(&model, !syntax_errors);
    if syntax_errors {
        // A declaration that did not parse is missing, not absent: do not report what follows
        // from its absence.
        checker.diagnostics.retain(|d| {
            ![
                codes::NO_ACCOUNT,
                codes::AMBIGUOUS_ACCOUNT,
                codes::ROLE_WITHOUT_TRUST,
            ]
            .contains(&d.code)
        });
    }
    // An error may hide the only use of a name: `unused` only for projects without errors.
    if !syntax_errors && !checker.diagnostics.iter().any(Diagnostic::is_error) {
        checker.unused();
        checker
            .diagnostics
            .extend(crate::bundle::check_quotas(&model));
    }
    diagnostics.append(&mut checker.diagnostics);
    normalize(&mut diagnostics);
    Analysis {
        modules,
        model,
        diagnostics,
    }
}
