//! What the CLI tests share: the binary, the repository, temporary copies.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs `iamdsl ARGS` in `dir`, without colour.
pub fn iamdsl(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iamdsl"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The example copied to `dir/platform` and built to `dir/out`; returns the prod bundle.
pub fn built_example(dir: &Path) -> serde_json::Value {
    copy_dir(
        &repo_root().join("examples/platform"),
        &dir.join("platform"),
    );
    let output = iamdsl(dir, &["build", "platform", "-o", "out"]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(
        &std::fs::read_to_string(dir.join("out/prod/account-authorization-details.json")).unwrap(),
    )
    .unwrap()
}
