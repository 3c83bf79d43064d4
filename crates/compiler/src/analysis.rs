use iamdsl_diagnostics::{codes, normalize, Diagnostic, FileId, Severity, Span};
use iamdsl_syntax::ast::Module;
use iamdsl_syntax::Parsed;

use crate::lints;
use crate::lower::Lowerer;
use crate::model::Model;
use crate::project::Project;
use crate::resolve::{NameIndex, Referent};

/// Everything known about a project after analysis.
#[derive(Debug, Default)]
pub struct Analysis {
    /// The project's parsed files, in the order of their ids.
    pub modules: Vec<(FileId, Module)>,
    /// What the project means (complete only when there are no errors).
    pub model: Model,
    /// Every diagnostic, sorted by file and position: loading, syntax, checks and lints.
    pub diagnostics: Vec<Diagnostic>,
    /// Every declaration, and what every name in the sources refers to.
    pub names: NameIndex,
    /// Every name lowering resolved, and what it took it to mean: a test holds that each is
    /// the table's answer ([`Analysis::names`]), by which the language server navigates.
    pub resolutions: Vec<(FileId, Span, Referent)>,
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
    // Pass 1: every declaration, and what every name refers to.
    let mut found = Vec::new();
    let names = crate::resolve::resolve(&modules, &std_modules, &mut found);
    // Pass 2: the model, with the checks that need each declaration's meaning.
    let mut lowerer = Lowerer::new(&project.config, &names);
    let model = lowerer.lower();
    // Pass 3: the lints about the whole project.
    let half_configured =
        lints::half_configured_assume(&model, &lowerer.deferred.declared, &project.config);
    lowerer.diagnostics.extend(half_configured);
    let one_sided = lints::one_sided_grants(&model, &names, &project.config);
    lowerer.diagnostics.extend(one_sided);
    // Pass 4: the expectations, evaluated on the model.
    lowerer.expectations(&model, !syntax_errors);
    found.append(&mut lowerer.diagnostics);
    if syntax_errors {
        // A declaration that did not parse is missing, not absent: do not report what follows
        // from its absence.
        found.retain(|d| {
            ![
                codes::NO_ACCOUNT,
                codes::AMBIGUOUS_ACCOUNT,
                codes::ROLE_WITHOUT_TRUST,
            ]
            .contains(&d.code)
        });
    }
    // An error may hide the only use of a name: `unused` only for projects without errors.
    let clean = !syntax_errors && !found.iter().any(Diagnostic::is_error);
    if clean {
        let mut attributes = Vec::new();
        let unused = lints::unused(
            &names,
            &lowerer.used,
            &project.config,
            &mut |prefix, file| lints::allowed_by(prefix, file, &mut attributes),
        );
        found.extend(unused);
        found.extend(attributes);
        found.extend(crate::quotas::check_quotas(&model));
    }
    diagnostics.append(&mut found);
    normalize(&mut diagnostics);
    let resolutions = std::mem::take(&mut lowerer.resolutions);
    let names = names.index;
    Analysis {
        modules,
        model,
        diagnostics,
        names,
        resolutions,
    }
}
