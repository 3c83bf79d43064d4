//! The `iamdsl` binary as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

use std::path::Path;
use std::process::Command;

/// A copy of examples/platform in a temporary directory, as `<tmp>/platform`.
fn platform_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &repo_root().join("examples/platform"),
        &dir.path().join("platform"),
    );
    dir
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains(from),
        "{} does not contain {from:?}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// examples/platform with three separate mistakes in three files.
fn broken_platform() -> tempfile::TempDir {
    let dir = platform_copy();
    let platform = dir.path().join("platform");
    replace_in(
        &platform.join("roles.iamdsl"),
        "allow write on lambda.function",
        "allow write lambda.function",
    );
    replace_in(
        &platform.join("people.iamdsl"),
        "attach log_reader",
        "atach log_reader",
    );
    replace_in(
        &platform.join("ecs.iamdsl"),
        "aws:SourceAccount == ",
        "aws:SourceAccount = ",
    );
    dir
}

#[test]
fn the_example_checks_cleanly() {
    let output = iamdsl(&repo_root(), &["check", "examples/platform"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("0 errors, 0 warnings"),
        "{}",
        stderr(&output)
    );
    let output = iamdsl(
        &repo_root(),
        &["check", "--deny-warnings", "examples/platform"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn three_mistakes_are_all_reported_in_every_format() {
    let dir = broken_platform();
    let human = iamdsl(dir.path(), &["check", "platform"]);
    assert_eq!(human.status.code(), Some(1));
    assert_eq!(
        stderr(&human).matches("error[").count(),
        3,
        "{}",
        stderr(&human)
    );
    insta::assert_snapshot!("broken_human", stderr(&human));

    let json = iamdsl(dir.path(), &["check", "--format", "json", "platform"]);
    assert_eq!(json.status.code(), Some(1));
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(parsed.as_array().map(Vec::len), Some(3));
    insta::assert_snapshot!("broken_json", stdout(&json));

    let sarif = iamdsl(dir.path(), &["check", "--format", "sarif", "platform"]);
    assert_eq!(sarif.status.code(), Some(1));
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&sarif)).unwrap();
    assert_eq!(parsed["version"], "2.1.0");
    let results = parsed["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for result in results {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with("platform/")
        );
    }
    // Locations are relative to the directory it ran in (no repository around it).
    let root = format!("file://{}/", dir.path().canonicalize().unwrap().display());
    assert_eq!(
        parsed["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        root
    );
    insta::assert_snapshot!(
        "broken_sarif",
        stdout(&sarif)
            .replace(env!("CARGO_PKG_VERSION"), "VERSION")
            .replace(&root, "file:///ROOT/")
    );
}

#[test]
fn fmt_check_passes_on_the_example_and_fmt_rewrites_a_messy_file() {
    let output = iamdsl(&repo_root(), &["fmt", "--check", "examples/platform"]);
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("messy.iamdsl");
    std::fs::write(&file, "role   r{allow read on s3.bucket( \"b\" )}").unwrap();
    let check = iamdsl(dir.path(), &["fmt", "--check", "."]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stdout(&check).contains("would reformat ./messy.iamdsl"),
        "{}",
        stdout(&check)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "role   r{allow read on s3.bucket( \"b\" )}"
    );
    let fmt = iamdsl(dir.path(), &["fmt", "messy.iamdsl"]);
    assert!(fmt.status.success(), "{}", stderr(&fmt));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "role r { allow read on s3.bucket(\"b\") }\n"
    );
    assert!(iamdsl(dir.path(), &["fmt", "--check", "."])
        .status
        .success());
    // Nothing but the file itself is left in the directory (the temporary file was renamed).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn fmt_leaves_a_file_with_syntax_errors_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.iamdsl");
    let text = "role   r {  allow read }\n";
    std::fs::write(&file, text).unwrap();
    let output = iamdsl(dir.path(), &["fmt", "broken.iamdsl"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("not formatted: broken.iamdsl has syntax errors"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

#[test]
fn fmt_stdin_formats_for_editors() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_iamdsl"))
        .args(["fmt", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"user   u{groups=[a]}")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(stdout(&output), "user u { groups = [a] }\n");
}

#[test]
fn bad_paths_and_files_get_a_diagnostic_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let missing = iamdsl(dir.path(), &["check", "nowhere"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("error[E0001]: `nowhere` does not exist"),
        "{}",
        stderr(&missing)
    );

    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let empty = iamdsl(dir.path(), &["check", "empty"]);
    assert_eq!(empty.status.code(), Some(1));
    assert!(
        stderr(&empty).contains("error[E0003]"),
        "{}",
        stderr(&empty)
    );

    std::fs::write(
        dir.path().join("binary.iamdsl"),
        b"role r {}\n\xff\xfe\x00garbage",
    )
    .unwrap();
    let binary = iamdsl(dir.path(), &["check", "binary.iamdsl", "--format", "json"]);
    assert_eq!(binary.status.code(), Some(1));
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&binary)).unwrap();
    assert_eq!(parsed[0]["code"], "E0002");
    assert!(
        parsed[0]["notes"][0]
            .as_str()
            .unwrap()
            .contains("offset 10 (line 2)"),
        "{parsed}"
    );
}

#[test]
fn bad_arguments_are_refused_with_usage() {
    let output = iamdsl(&repo_root(), &["check", "--format", "xml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid value 'xml'"),
        "{}",
        stderr(&output)
    );
    let output = iamdsl(&repo_root(), &["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
}
