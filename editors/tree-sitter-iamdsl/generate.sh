#!/usr/bin/env bash
# Regenerates src/ (parser.c, grammar.json, node-types.json, tree_sitter/*.h) from grammar.js.
# Run it after editing grammar.js and commit src/ with it; the tests compile the committed parser
# and never generate.
#
# The CLI comes from crates.io (the npm package downloads a prebuilt binary at install), built once
# into target/ts-cli (about 6.5 minutes on 2 cores). Its QuickJS runtime reads grammar.js, so Node
# is not needed. ABI 14 is what every editor in editors/ can load (Neovim 0.10 and Helix builds
# before tree-sitter 0.25 stop at 14); the `tree-sitter` crate of the tests reads 13 to 15.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"

TREE_SITTER_CLI_VERSION="0.27.1"
cli="$root/target/ts-cli/bin/tree-sitter"

if ! "$cli" --version 2>/dev/null | grep -q "^tree-sitter $TREE_SITTER_CLI_VERSION\b"; then
  cargo install tree-sitter-cli --version "$TREE_SITTER_CLI_VERSION" --locked --root "$root/target/ts-cli"
fi

"$cli" generate --abi 14 --js-runtime native
echo "generated $(pwd)/src; now: cargo test -p tree-sitter-iamdsl"
