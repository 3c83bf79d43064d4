#!/usr/bin/env bash
# Runs every test of the project: formatting and lints, the Rust test suite, and the editor
# extension's build and grammar tests. Installs what the tests need (npm packages) itself.
# Under CI (CI=true) a missing tool fails the run; it is never skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

require() {
  if ! command -v "$1" >/dev/null 2>&1; then
    if [[ "${CI:-}" == "true" ]]; then
      echo "error: $1 is required for the tests and is not installed" >&2
      exit 1
    fi
    echo "warning: $1 is not installed; skipping: $2" >&2
    return 1
  fi
}

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --locked

if [[ -f editors/vscode/test.sh ]] && require npm "the VS Code extension build and grammar tests"; then
  step "VS Code extension: build and grammar tests"
  bash editors/vscode/test.sh
fi

step "all tests passed"
