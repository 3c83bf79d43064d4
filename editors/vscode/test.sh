#!/usr/bin/env bash
# Builds the VS Code extension from a clean node_modules and runs its tests: the TextMate grammar
# tests (test/grammar/*.iamdsl) and the client smoke test (test/client/), against the bundled
# client that goes into the .vsix. Needs node, npm and the npm registry; downloads no VS Code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

npm ci --no-audit --no-fund
npm run compile
npm run bundle

log=$(mktemp)
trap 'rm -f "$log"' EXIT
npm test 2>&1 | tee "$log"

# One closing line that test harnesses can count: each passing grammar file and client case.
passed=$(grep -c '^✓' "$log" || true)
echo "vscode-extension: ${passed} passed, 0 failed"
