//! One resolver: lowering resolves every name by asking the analysis's names table, and the
//! language server navigates by that table alone. On the example, the standard library and
//! generated projects, every name lowering resolved is in the table with the meaning lowering
//! gave it, and go to definition there lands on the declaration lowering used.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use iamdsl_compiler::Referent;
use iamdsl_lsp::{features, Snapshot};
use tower_lsp::lsp_types::{Position, Range};

fn position(text: &str, offset: usize) -> Position {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line,
        character: text[start..offset].encode_utf16().count() as u32,
    }
}

/// Checks the project of `file`, and returns how many names lowering resolved to declarations
/// in its files.
fn agree(file: &Path) -> usize {
    let snapshot = Snapshot::build(file, &HashMap::new());
    let analysis = &snapshot.analysis;
    let names = &analysis.names;
    assert!(!analysis.resolutions.is_empty());
    let mut checked = 0;
    for &(file, span, referent) in &analysis.resolutions {
        let reference = names.reference(file, span).unwrap_or_else(|| {
            panic!("lowering resolved a name at {file:?} {span:?} that the table lacks")
        });
        assert_eq!(reference.referent, referent, "{reference:?}");
        if referent != Referent::Declaration {
            continue;
        }
        // The standard library is not a file the editor opens; its names are checked above.
        let Some(url) = snapshot.urls.get(&file) else {
            continue;
        };
        let text = snapshot.project.sources.text(file);
        let at = position(text, span.start as usize + 1);
        let location = features::definition(&snapshot, url, at)
            .unwrap_or_else(|| panic!("no definition for `{}`", reference.name));
        let declared = &names.declarations[&reference.name];
        let declared_text = snapshot.project.sources.text(declared.file);
        assert_eq!(location.uri, snapshot.urls[&declared.file]);
        assert_eq!(
            location.range,
            Range {
                start: position(declared_text, declared.span.start as usize),
                end: position(declared_text, declared.span.end as usize),
            },
            "`{}`",
            reference.name
        );
        // References finds the place lowering resolved.
        let found = features::references(&snapshot, url, at, false);
        assert!(
            found
                .iter()
                .any(|l| &l.uri == url && l.range.start == position(text, span.start as usize)),
            "`{}`",
            reference.name
        );
        checked += 1;
    }
    checked
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_example_resolves_as_the_checker_does() {
    let checked = agree(&repository().join("examples/platform/roles.iamdsl"));
    assert!(checked > 30, "{checked}");
}

#[test]
fn generated_projects_resolve_as_the_checker_does() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in xtask::generate_org(30) {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let first = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "iamdsl"))
        .unwrap();
    assert!(agree(&first) > 100);
    let (text, manifest) = xtask::realistic_file(400);
    let realistic = tempfile::tempdir().unwrap();
    std::fs::write(realistic.path().join("iamdsl.toml"), manifest).unwrap();
    let main = realistic.path().join("main.iamdsl");
    std::fs::write(&main, text).unwrap();
    assert!(agree(&main) > 50);
}

/// Inside a template, a parameter shadows a project name where a value is taken, and only
/// there: `attach reader` names the policy even in a template with a parameter `reader`.
#[test]
fn parameters_shadow_names_only_where_values_are_taken() {
    let dir = tempfile::tempdir().unwrap();
    let text = "account prod = \"111111111111\" default\n\
                policy reader { allow read on s3.bucket(\"b\") }\n\
                template t(reader) {\n  attach reader\n  allow s3:GetObject on s3.object(reader, \"*\")\n}\n\
                role app {\n  trust { service lambda }\n  use t(\"data\")\n}\n";
    let main = dir.path().join("main.iamdsl");
    std::fs::write(&main, text).unwrap();
    let snapshot = Snapshot::build(&main, &HashMap::new());
    assert!(
        !snapshot.analysis.has_errors(),
        "{:#?}",
        snapshot.analysis.diagnostics
    );
    let names = &snapshot.analysis.names;
    let at = |needle: &str| {
        let offset = text.find(needle).unwrap() + needle.len() - "reader".len();
        names
            .references
            .iter()
            .find(|r| r.span.start as usize == offset)
            .unwrap()
            .referent
    };
    assert_eq!(at("attach reader"), Referent::Declaration);
    assert_eq!(at("s3.object(reader"), Referent::Parameter);
    agree(&main);
    // Renaming the policy renames the `attach`, not the parameter.
    let url = tower_lsp::lsp_types::Url::from_file_path(&main).unwrap();
    let edit = features::rename(
        &snapshot,
        &url,
        position(text, text.find("reader {").unwrap()),
        "viewer",
    )
    .unwrap()
    .unwrap();
    let edits = &edit.changes.unwrap()[&url];
    assert_eq!(edits.len(), 2, "{edits:?}");
}
