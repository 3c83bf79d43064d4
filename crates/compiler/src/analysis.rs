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
    analyze_parsed(project, parse_in_parallel(project))
}

/// [`analyze`] with the parser of the caller: the language server passes one that reuses the
/// trees of unchanged declarations ([`iamdsl_syntax::parse_cached`]).
pub fn analyze_with(project: &Project, parse: &mut dyn FnMut(&str, FileId) -> Parsed) -> Analysis {
    let parsed = project
        .files()
        .map(|file| (file, parse(project.sources.text(file), file)))
        .collect();
    analyze_parsed(project, parsed)
}

/// Every file of the project parsed, in the order of their ids. Files are independent and
/// parsing is about half of a large project's analysis, so they are parsed on every core; the
/// result does not depend on which thread parsed what.
fn parse_in_parallel(project: &Project) -> Vec<(FileId, Parsed)> {
    let files: Vec<FileId> = project.files().collect();
    let parse = |file: FileId| iamdsl_syntax::parse(project.sources.text(file), file);
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(files.len());
    if workers <= 1 {
        return files.into_iter().map(|file| (file, parse(file))).collect();
    }
    // The largest files first, taken one at a time from a shared counter: the threads finish
    // together even when one file is most of the project.
    let mut by_size = files.clone();
    by_size.sort_by_key(|file| std::cmp::Reverse(project.sources.text(*file).len()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut parsed: Vec<(FileId, Parsed)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    while let Some(&file) =
                        by_size.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                    {
                        mine.push((file, parse(file)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    parsed.sort_by_key(|(file, _)| *file);
    parsed
}

fn analyze_parsed(project: &Project, parsed: Vec<(FileId, Parsed)>) -> Analysis {
    let mut diagnostics = project.diagnostics.clone();
    let mut modules = Vec::new();
    for (file, parsed) in parsed {
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
