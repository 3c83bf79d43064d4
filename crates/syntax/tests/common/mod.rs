#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use iamdsl_diagnostics::{render_human, HumanStyle, Sources};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Every `.iamdsl` file below `tests/` and `examples/` of the repository, sorted.
pub fn all_source_files() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in ["tests", "examples", "stdlib"] {
        collect(&root.join(dir), &mut files);
    }
    files.sort();
    files
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("node_modules") {
                collect(&path, files);
            }
        } else if path.extension().is_some_and(|e| e == "iamdsl") {
            files.push(path);
        }
    }
}

/// Files that are broken on purpose: the syntax test corpus, and the cases of the diagnostic
/// corpus about encoding and syntax.
pub fn broken_on_purpose(path: &Path) -> bool {
    let text = path.to_string_lossy().replace('\\', "/");
    text.contains("/invalid/")
        || text.contains("/tests/check/E0002/")
        || (text.contains("/tests/check/E01") && text.contains("/wrong/"))
}

/// Diagnostics of one source text, rendered as a person sees them.
pub fn rendered_diagnostics(name: &str, source: &str) -> String {
    let mut sources = Sources::new();
    let file = sources.add(name, source);
    let parsed = iamdsl_syntax::parse(sources.text(file), file);
    render_human(&sources, &parsed.diagnostics, HumanStyle::Plain)
}
