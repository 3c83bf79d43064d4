//! The standard library: templates written in iamdsl (`stdlib/std/*.iamdsl`), compiled into the
//! binary and used as `use std.MODULE.TEMPLATE(…)`.

use std::sync::OnceLock;

use iamdsl_diagnostics::{FileId, Sources};
use iamdsl_syntax::ast::Module;

/// Module name and source of every standard library file.
pub const MODULES: &[(&str, &str)] = &[
    (
        "dynamodb",
        include_str!("../../../stdlib/std/dynamodb.iamdsl"),
    ),
    ("ec2", include_str!("../../../stdlib/std/ec2.iamdsl")),
    ("ecs", include_str!("../../../stdlib/std/ecs.iamdsl")),
    ("kms", include_str!("../../../stdlib/std/kms.iamdsl")),
    ("lambda", include_str!("../../../stdlib/std/lambda.iamdsl")),
    ("s3", include_str!("../../../stdlib/std/s3.iamdsl")),
    ("sqs", include_str!("../../../stdlib/std/sqs.iamdsl")),
];

/// The standard library's trees, parsed once per process (in the order of [`MODULES`]).
pub fn parsed() -> &'static [Module] {
    static PARSED: OnceLock<Vec<Module>> = OnceLock::new();
    PARSED.get_or_init(|| {
        MODULES
            .iter()
            .map(|(_, text)| iamdsl_syntax::parse(text, FileId(0)).module)
            .collect()
    })
}

/// Adds the standard library to `sources` (as `<std>/MODULE.iamdsl`) and returns its files.
pub fn add_to(sources: &mut Sources) -> Vec<(FileId, String)> {
    MODULES
        .iter()
        .map(|(module, text)| {
            (
                sources.add(format!("<std>/{module}.iamdsl"), *text),
                (*module).to_string(),
            )
        })
        .collect()
}

/// A template of the standard library, as `iamdsl catalog std` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StdTemplate {
    /// `std.ecs.task_execution`
    pub path: String,
    /// `task_execution(repository = "*", log_group = "*")`
    pub signature: String,
    pub doc: Option<String>,
}

/// The templates of the standard library, by module then in the order they are written;
/// `module` limits them to one module (`ecs`).
pub fn templates(module: Option<&str>) -> Vec<StdTemplate> {
    MODULES
        .iter()
        .zip(parsed())
        .filter(|((name, _), _)| module.is_none_or(|m| m == *name))
        .flat_map(|((name, _), parsed)| {
            parsed
                .items
                .iter()
                .filter_map(move |item| match &item.kind {
                    iamdsl_syntax::ast::ItemKind::Template(template) => Some(StdTemplate {
                        path: format!("std.{name}.{}", template.name.name),
                        signature: iamdsl_syntax::format::template_signature(template),
                        doc: item.prefix.doc_text(),
                    }),
                    _ => None,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_file_of_stdlib_std_is_compiled_in() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../stdlib/std");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().replace(".iamdsl", ""))
                    .collect()
            })
            .unwrap_or_default();
        on_disk.sort();
        let compiled: Vec<String> = super::MODULES
            .iter()
            .map(|(m, _)| (*m).to_string())
            .collect();
        assert_eq!(on_disk, compiled);
    }
}
