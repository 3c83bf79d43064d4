#!/usr/bin/env bash
# The steps of the iamdsl GitHub Action (action.yml beside this file), one per argument, kept in
# a script so that the test suite runs exactly what the Action runs
# (crates/cli/tests/integrations.rs). Inputs come from the environment:
#   IAMDSL_PATH            the project (default .)
#   IAMDSL_DEPLOYED        deployed state to diff against, or empty
#   IAMDSL_LIVE            `true`: diff against the live account
#   IAMDSL_FAIL_ON_CHANGES `true`: a diff with changes fails the step
#   IAMDSL                 the iamdsl binary (default: `iamdsl` on PATH)
# Results: iamdsl.sarif (check) and iamdsl-diff.md (diff) in the working directory.
set -euo pipefail
iamdsl=${IAMDSL:-iamdsl}
project=${IAMDSL_PATH:-.}

case "${1:-}" in
  install)
    if command -v "$iamdsl" >/dev/null 2>&1; then
      exit 0
    fi
    if [[ -n "${IAMDSL_VERSION:-}" ]]; then
      echo "::error::iamdsl-version pins a git revision; install it in an earlier step and put it on PATH"
      exit 1
    fi
    cargo install --locked --path "${IAMDSL_SOURCE:?}/crates/cli"
    ;;
  check)
    # The SARIF file is written whatever the check finds; the step fails on errors.
    status=0
    "$iamdsl" check "$project" --format sarif > iamdsl.sarif || status=$?
    "$iamdsl" check "$project" --color never || true
    exit "$status"
    ;;
  diff)
    source=(--deployed "${IAMDSL_DEPLOYED:-}")
    if [[ "${IAMDSL_LIVE:-false}" == "true" ]]; then
      source=(--live)
    fi
    status=0
    "$iamdsl" diff "$project" "${source[@]}" --format markdown --exit-code > iamdsl-diff.md || status=$?
    case "$status" in
      0) changed=false ;;
      2) changed=true ;;
      *) cat iamdsl-diff.md; exit "$status" ;;
    esac
    if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
      echo "changed=$changed" >> "$GITHUB_OUTPUT"
    fi
    if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
      cat iamdsl-diff.md >> "$GITHUB_STEP_SUMMARY"
    fi
    if [[ "$changed" == "true" && "${IAMDSL_FAIL_ON_CHANGES:-false}" == "true" ]]; then
      echo "deploying ${project} would change the account (see the diff)"
      exit 2
    fi
    ;;
  comment)
    # One comment per pull request, edited as the diff changes.
    gh pr comment "${IAMDSL_PULL_REQUEST:?}" --body-file iamdsl-diff.md --edit-last \
      || gh pr comment "${IAMDSL_PULL_REQUEST:?}" --body-file iamdsl-diff.md
    ;;
  *)
    echo "usage: run.sh install|check|diff|comment" >&2
    exit 64
    ;;
esac
