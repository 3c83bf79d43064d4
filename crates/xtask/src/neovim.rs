//! A headless Neovim for the editor tests (the language server's, the grammar's): where it is,
//! and one way to run a Lua script in it, its state kept in a directory of the test's.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Neovim: `IAMDSL_NVIM`, else the virtualenv scripts/test.sh installs below `root`. `Ok(None)`
/// when it is not there; an error under CI, where a missing Neovim fails the test.
pub fn find(root: &Path) -> Result<Option<PathBuf>, String> {
    let path = std::env::var_os("IAMDSL_NVIM")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/nvim-venv/bin/nvim"));
    if path.exists() {
        return Ok(Some(path));
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        return Err("Neovim is required under CI: run ./scripts/test.sh, which installs it".into());
    }
    eprintln!("note: Neovim is not installed (./scripts/test.sh installs it); test skipped");
    Ok(None)
}

/// Runs `nvim --headless -u script` in `cwd`, with `home` as its HOME and XDG directories and
/// `env` added; it is killed after `limit`.
pub fn run_script(
    nvim: &Path,
    script: &Path,
    cwd: &Path,
    home: &Path,
    env: &[(&str, &OsStr)],
    limit: Duration,
) -> std::io::Result<Output> {
    let mut child = Command::new(nvim)
        .args(["--headless", "-n", "-i", "NONE", "-u"])
        .arg(script)
        .current_dir(cwd)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let started = Instant::now();
    while child.try_wait()?.is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output()
}
