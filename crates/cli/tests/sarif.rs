//! `check --format sarif` as code scanning reads it: locations relative to the repository root
//! (or `--sarif-root`) whatever path was given, and a help link for every rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::Value;

fn sarif(dir: &std::path::Path, args: &[&str]) -> Value {
    let mut all = vec!["check", "--format", "sarif"];
    all.extend_from_slice(args);
    let output = iamdsl(dir, &all);
    serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&output)))
}

fn uris(sarif: &Value) -> Vec<(String, Option<String>)> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            (
                location["uri"].as_str().unwrap().to_string(),
                location["uriBaseId"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn sarif_locations_are_relative_to_the_repository_whatever_path_was_given() {
    let root = repo_root();
    let case = root.join("tests/check/W0101/wrong");
    let expected = (
        "tests/check/W0101/wrong/main.iamdsl".to_string(),
        Some("%SRCROOT%".to_string()),
    );
    // An absolute path, from the repository and from below it.
    for dir in [root.clone(), root.join("crates")] {
        let found = sarif(&dir, &[case.to_str().unwrap()]);
        assert_eq!(
            uris(&found),
            vec![expected.clone()],
            "from {}",
            dir.display()
        );
        assert_eq!(
            found["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            format!("file://{}/", root.display())
        );
    }
    // A relative path.
    let found = sarif(&root, &["tests/check/W0101/wrong"]);
    assert_eq!(uris(&found), vec![expected]);
    // `--sarif-root` sets the root.
    let found = sarif(
        &root,
        &["tests/check/W0101/wrong", "--sarif-root", "tests/check"],
    );
    assert_eq!(
        uris(&found),
        vec![(
            "W0101/wrong/main.iamdsl".to_string(),
            Some("%SRCROOT%".to_string())
        )]
    );
    // Every rule links to its section of the diagnostics reference.
    let rules = found["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), 1);
    assert!(
        rules[0]["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("/blob/main/docs/diagnostics.md#w0101-wildcard_action-lint"),
        "{rules:?}"
    );
}
