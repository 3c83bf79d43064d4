//! The shape the compiler keeps: passes with values between them, so no module cycle (in this
//! crate or the syntax crate), no source file over 1,200 lines, and no struct that holds a
//! pass's state with more than 8 fields.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

/// The top-level module a file of `src` belongs to (`lower/values.rs` → `lower`); `lib.rs` is
/// the crate root, not a module.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "lib").then_some(name)
}

/// Top-level module to the modules of the crate it names with `crate::…`, outside its tests.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(src) {
        let Some(module) = module_of(src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let edges = graph.entry(module.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            // `iamdsl_compiler::…` is another crate; only `crate::` and `use crate::{a, b}`.
            if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &code[at + "crate::".len()..];
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                group
                    .split('}')
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .map(|part| part.trim().split("::").next().unwrap_or("").trim())
                    .collect()
            } else {
                vec![rest
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("")]
            };
            for name in names {
                if !name.is_empty()
                    && name != module
                    && name.chars().all(|c| c.is_lowercase() || c == '_')
                {
                    edges.insert(name.to_string());
                }
            }
        }
    }
    graph
}

/// A cycle of the graph, if it has one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_cycles() {
    for name in ["compiler", "syntax"] {
        let graph = module_graph(&crate_src(name));
        assert!(graph.len() > 5, "{graph:?}");
        if let Some(found) = cycle(&graph) {
            panic!("a module cycle in crates/{name}: {}", found.join(" → "));
        }
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("check", &["config"][..]),
        ("config", &["permissions"]),
        ("permissions", &["check"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
    .collect();
    assert_eq!(
        cycle(&graph).unwrap(),
        ["check", "config", "permissions", "check"]
    );
}

#[test]
fn no_source_file_over_1200_lines() {
    for file in sources(&crate_src("compiler")) {
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        assert!(lines <= 1200, "{} has {lines} lines", file.display());
    }
}

/// The structs that carry a pass's results or state: at most 8 fields each. Two records are not
/// such state: the model's `Entity` (one IAM entity, with what AWS stores of it) and `Quotas`
/// (the `[quotas]` settings, one per AWS quota).
#[test]
fn pass_state_stays_small() {
    let src = crate_src("compiler");
    let mut checked = 0;
    for file in sources(&src) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices("struct ") {
            let rest = &text[at + "struct ".len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
            let Some(body) = rest.split_once('{') else {
                continue;
            };
            if body.0.contains(';') || body.0.contains('(') {
                continue;
            }
            let fields = body
                .1
                .split("\n}")
                .next()
                .unwrap_or("")
                .lines()
                .filter(|l| {
                    let l = l.trim_start();
                    !l.starts_with("//")
                        && !l.starts_with('#')
                        && l.contains(": ")
                        && l.ends_with(',')
                })
                .count();
            checked += 1;
            if !["Entity", "Quotas"].contains(&name.as_str()) {
                assert!(
                    fields <= 8,
                    "{name} in {} has {fields} fields",
                    file.display()
                );
            }
        }
    }
    assert!(checked > 20, "{checked}");
}
