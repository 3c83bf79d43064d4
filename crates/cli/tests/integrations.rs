//! The CI integrations as CI runs them: the GitHub Action's steps (`.github/actions/iamdsl`),
//! the pre-commit hooks (`.pre-commit-hooks.yaml`) and the GitLab example
//! (`docs/ci/gitlab-ci.yml`) run on the example project, and each file is validated against
//! its schema. The validators (check-jsonschema, which ships the schemas, and pre-commit) are
//! installed by scripts/test.sh, which sets IAMDSL_CI_TOOLS; under CI a missing one fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::Value;

/// The validators' directory, or `None` (outside CI only) when they are not installed.
fn ci_tools() -> Option<PathBuf> {
    match std::env::var_os("IAMDSL_CI_TOOLS") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "IAMDSL_CI_TOOLS is required under CI (scripts/test.sh installs check-jsonschema and pre-commit)"
            );
            eprintln!("warning: IAMDSL_CI_TOOLS is not set; the integrations' checks are skipped (run scripts/test.sh)");
            None
        }
    }
}

/// A YAML file as JSON, read by the validators' own Python (pre-commit brings PyYAML).
fn yaml(tools: &Path, file: &Path) -> Value {
    let output = Command::new(tools.join("python"))
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

/// PATH with the iamdsl under test first, as an installed one would be.
fn path_with_iamdsl() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_iamdsl"))
        .parent()
        .unwrap()
        .to_path_buf();
    let mut paths = vec![bin];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

fn run_in(dir: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(program)
        .current_dir(dir)
        .args(args)
        .env("PATH", path_with_iamdsl())
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn the_files_follow_their_schemas() {
    let Some(tools) = ci_tools() else { return };
    let root = repo_root();
    for (schema, file) in [
        ("vendor.github-actions", ".github/actions/iamdsl/action.yml"),
        ("vendor.github-workflows", "docs/ci/github-workflow.yml"),
        ("vendor.gitlab-ci", "docs/ci/gitlab-ci.yml"),
    ] {
        let output = Command::new(tools.join("check-jsonschema"))
            .args(["--builtin-schema", schema])
            .arg(root.join(file))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{file}: {}{}",
            stdout(&output),
            stderr(&output)
        );
    }
    let output = Command::new(tools.join("pre-commit"))
        .arg("validate-manifest")
        .arg(root.join(".pre-commit-hooks.yaml"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
}

/// The example in `dir/platform`, its build as deployed state with one grant less, so that
/// the diff has something to show.
fn example_with_a_change(dir: &Path) {
    let mut state = built_example(dir);
    let roles = state["RoleDetailList"].as_array_mut().unwrap();
    roles.retain(|r| r["RoleName"] != "web");
    std::fs::write(
        dir.join("deployed.json"),
        serde_json::to_string_pretty(&state).unwrap(),
    )
    .unwrap();
}

#[test]
fn the_actions_steps_run_on_the_example() {
    let Some(tools) = ci_tools() else { return };
    let root = repo_root();
    let action = yaml(&tools, &root.join(".github/actions/iamdsl/action.yml"));
    let script = root.join(".github/actions/iamdsl/run.sh");
    let script = script.to_str().unwrap();
    // Every step runs the script, in a mode the script has.
    let modes: Vec<String> = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|step| step["run"].as_str())
        .map(|run| run.rsplit(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(modes, ["install", "check", "diff", "comment"]);

    let dir = tempfile::tempdir().unwrap();
    example_with_a_change(dir.path());
    let outputs = dir.path().join("github-output");
    let env = [
        ("IAMDSL_PATH", "platform"),
        ("IAMDSL_DEPLOYED", "deployed.json"),
        ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
    ];
    // `install` finds the iamdsl on PATH and installs nothing.
    let installed = run_in(dir.path(), script, &["install"], &env);
    assert!(installed.status.success(), "{}", stderr(&installed));
    let checked = run_in(dir.path(), script, &["check"], &env);
    assert!(
        checked.status.success(),
        "{}{}",
        stdout(&checked),
        stderr(&checked)
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("iamdsl.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let diffed = run_in(dir.path(), script, &["diff"], &env);
    assert!(
        diffed.status.success(),
        "{}{}",
        stdout(&diffed),
        stderr(&diffed)
    );
    let markdown = std::fs::read_to_string(dir.path().join("iamdsl-diff.md")).unwrap();
    assert!(
        markdown.starts_with("### iamdsl diff: 1 change, 0 unmanaged\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| prod | role `web` | created |"),
        "{markdown}"
    );
    assert_eq!(std::fs::read_to_string(&outputs).unwrap(), "changed=true\n");
    // `fail-on-changes` fails the step on that diff.
    let mut failing = env.to_vec();
    failing.push(("IAMDSL_FAIL_ON_CHANGES", "true"));
    let failed = run_in(dir.path(), script, &["diff"], &failing);
    assert_eq!(failed.status.code(), Some(2), "{}", stderr(&failed));
    // A project with errors fails the check step, and still writes its SARIF.
    std::fs::write(dir.path().join("platform/broken.iamdsl"), "role {\n").unwrap();
    let broken = run_in(dir.path(), script, &["check"], &env);
    assert_eq!(broken.status.code(), Some(1));
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("iamdsl.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["level"], "error");
}

#[test]
fn the_pre_commit_hooks_pass_on_the_example_and_fail_on_a_misformatted_file() {
    let Some(tools) = ci_tools() else { return };
    let hooks = yaml(&tools, &repo_root().join(".pre-commit-hooks.yaml"));
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &repo_root().join("examples/platform"),
        &dir.path().join("platform"),
    );
    let project = dir.path().join("platform");
    let mut sources: Vec<String> = std::fs::read_dir(&project)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".iamdsl"))
        .collect();
    sources.sort();
    // As pre-commit runs a hook: its entry, its args, then the staged files it matches.
    let run_hook = |hook: &Value| {
        let entry: Vec<&str> = hook["entry"].as_str().unwrap().split(' ').collect();
        let mut args: Vec<String> = entry[1..].iter().map(|s| s.to_string()).collect();
        args.extend(
            hook["args"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| a.as_str().unwrap().to_string()),
        );
        if hook["pass_filenames"].as_bool() != Some(false) {
            args.extend(sources.iter().cloned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_in(&project, entry[0], &args, &[])
    };
    let hooks = hooks.as_array().unwrap();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["iamdsl-fmt", "iamdsl-check"]);
    for hook in hooks {
        let output = run_hook(hook);
        assert!(
            output.status.success(),
            "{}: {}{}",
            hook["id"],
            stdout(&output),
            stderr(&output)
        );
    }
    let roles = project.join("roles.iamdsl");
    let text = std::fs::read_to_string(&roles).unwrap();
    std::fs::write(
        &roles,
        text.replacen("role deployer {", "role   deployer {", 1),
    )
    .unwrap();
    let output = run_hook(&hooks[0]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[test]
fn the_gitlab_example_runs_on_the_example() {
    let Some(tools) = ci_tools() else { return };
    let pipeline = yaml(&tools, &repo_root().join("docs/ci/gitlab-ci.yml"));
    let job = &pipeline["iamdsl"];
    let dir = tempfile::tempdir().unwrap();
    example_with_a_change(dir.path());
    // Its script, as GitLab's shell runs it (`before_script` installs iamdsl, which is on PATH
    // here already).
    let script: Vec<&str> = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap())
        .collect();
    let output = run_in(
        dir.path(),
        "bash",
        &["-euc", &script.join("\n")],
        &[
            ("IAMDSL_PROJECT", "platform"),
            ("DEPLOYED", "deployed.json"),
        ],
    );
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    for artifact in job["artifacts"]["paths"].as_array().unwrap() {
        let path = dir.path().join(artifact.as_str().unwrap());
        assert!(path.is_file(), "no artifact {}", path.display());
    }
}
