//! `iamdsl graph` and the pictures of `who-can`, as a user runs them; the example's graph
//! rendered by Graphviz.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

/// A project of one file in a temporary directory.
fn project(source: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.iamdsl"), source).unwrap();
    dir
}

const ESCALATING: &str = "account prod = \"111111111111\"\n\
    #[allow(privilege_escalation)]\nrole ops {\n  trust { service ec2 }\n  allow iam:PutRolePolicy on iam.role(\"ops\")\n}\n\
    user bob { assume ops }\n";

#[test]
fn the_graph_draws_an_escalation_path_in_red() {
    let dir = project(ESCALATING);
    let output = iamdsl(dir.path(), &["graph", "."]);
    assert!(output.status.success(), "{}", stderr(&output));
    let dot = stdout(&output);
    let id = |label: &str| {
        dot.lines()
            .find(|l| l.contains(&format!("[label=\"{label}\"")))
            .and_then(|l| l.trim().split(' ').next())
            .unwrap_or_else(|| panic!("no node {label}:\n{dot}"))
            .to_string()
    };
    let (bob, ops) = (id("user bob"), id("role ops"));
    // bob may assume ops (its trust names him), and escalates through it: both in red.
    assert!(
        dot.contains(&format!(
            "{bob} [label=\"user bob\", shape=ellipse, color=red"
        )),
        "{dot}"
    );
    assert!(
        dot.contains(&format!("{ops} [label=\"role ops\", shape=box, color=red")),
        "{dot}"
    );
    assert!(dot.contains(&format!("{bob} -> {ops};")), "{dot}");
    assert!(
        dot.contains(&format!(
            "{bob} -> {ops} [label=\"assumes role ops\", color=red"
        )),
        "{dot}"
    );
    let mermaid = stdout(&iamdsl(dir.path(), &["graph", ".", "--format", "mermaid"]));
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(
        mermaid.contains("subgraph account_111111111111[\"prod (111111111111)\"]"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("class n") && mermaid.contains(" escalates\n"),
        "{mermaid}"
    );
    assert!(mermaid.contains("linkStyle "), "{mermaid}");
}

#[test]
fn who_can_draws_the_chains_it_found() {
    let dir = project(ESCALATING);
    let output = iamdsl(
        dir.path(),
        &[
            "who-can",
            ".",
            "--action",
            "iam:PutRolePolicy",
            "--resource",
            "arn:aws:iam::111111111111:role/ops",
            "--format",
            "mermaid",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let mermaid = stdout(&output);
    assert!(mermaid.contains("([\"user bob\"])"), "{mermaid}");
    assert!(mermaid.contains("==>|\"assumes\"|"), "{mermaid}");
    assert!(
        mermaid.contains(">\"iam:PutRolePolicy on arn:aws:iam::111111111111:role/ops\"]"),
        "{mermaid}"
    );
}

/// Graphviz's `dot`, which scripts/test.sh installs (Debian's `graphviz`); under CI a missing
/// one fails the test.
fn graphviz() -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("dot"))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Graphviz's `dot` is required under CI (scripts/test.sh installs it)"
        );
        eprintln!("warning: Graphviz's `dot` is not installed; the rendering test is skipped");
    }
    found
}

#[test]
fn the_examples_graph_renders_with_graphviz_with_every_principal() {
    let Some(dot) = graphviz() else { return };
    let dir = tempfile::tempdir().unwrap();
    let graph = dir.path().join("platform.dot");
    let output = iamdsl(
        &repo_root(),
        &["graph", "examples/platform", "-o", graph.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let png = dir.path().join("platform.png");
    let rendered = std::process::Command::new(&dot)
        .args(["-Tpng", "-o"])
        .arg(&png)
        .arg(&graph)
        .output()
        .unwrap();
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert!(width > 100 && height > 100, "{width}x{height}");
    // Graphviz's own reading of the graph: every principal of the example is a node of it.
    let plain = std::process::Command::new(&dot)
        .arg("-Tplain")
        .arg(&graph)
        .output()
        .unwrap();
    let plain = String::from_utf8_lossy(&plain.stdout);
    built_example(dir.path());
    let mut bundles = Vec::new();
    for account in std::fs::read_dir(dir.path().join("out")).unwrap() {
        let bundle = account
            .unwrap()
            .path()
            .join("account-authorization-details.json");
        if bundle.is_file() {
            bundles.push(
                serde_json::from_str::<serde_json::Value>(
                    &std::fs::read_to_string(bundle).unwrap(),
                )
                .unwrap(),
            );
        }
    }
    assert_eq!(bundles.len(), 3, "one bundle per account of the example");
    for built in &bundles {
        for (list, kind) in [
            ("UserDetailList", "user"),
            ("GroupDetailList", "group"),
            ("RoleDetailList", "role"),
        ] {
            for entity in built[list].as_array().unwrap() {
                let name = entity[if kind == "group" {
                    "GroupName"
                } else if kind == "user" {
                    "UserName"
                } else {
                    "RoleName"
                }]
                .as_str()
                .unwrap();
                let label = format!("\"{kind} {name}\"");
                assert!(plain.contains(&label), "no node {label} in:\n{plain}");
            }
        }
    }
}
