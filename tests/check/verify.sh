#!/usr/bin/env bash
# Checks the diagnostic corpus: for every tests/check/<CODE>/,
#   - `iamdsl check wrong/` reports CODE (other codes it reports are listed),
#   - `iamdsl check right/` reports nothing,
#   - right/ is formatted, and so is the whole case unless it is about encoding or syntax,
#   - every `.iamdsl` file starts with a `// wrong:` / `// right:` comment,
# and lists the codes of crates/diagnostics/src/codes.rs that have no case.
# Usage: tests/check/verify.sh [path/to/iamdsl]   (default: target/debug/iamdsl)
set -u
cd "$(dirname "$0")/../.."
bin=${1:-target/debug/iamdsl}
pass=0
fail=0
extra=0
for dir in tests/check/*/; do
  code=$(basename "$dir")
  problems=()
  wrong=$("$bin" check --format json "$dir/wrong" 2>/dev/null)
  codes=$(jq -r '.[].code' <<<"$wrong" | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')
  jq -e --arg c "$code" 'any(.[]; .code == $c)' <<<"$wrong" >/dev/null ||
    problems+=("wrong/ does not report $code (reports: ${codes:-nothing})")
  others=$(jq -r --arg c "$code" '[.[].code | select(. != $c)] | unique | join(" ")' <<<"$wrong")
  right=$("$bin" check --format json "$dir/right" 2>/dev/null)
  [ "$(jq -c . <<<"$right")" = "[]" ] ||
    problems+=("right/ reports $(jq -r '[.[].code] | join(" ")' <<<"$right")")
  "$bin" fmt --check "$dir/right" >/dev/null 2>&1 || problems+=("right/ is not formatted")
  case $code in
    E0002 | E01*) ;; # not UTF-8, or syntax errors: wrong/ cannot be formatted
    *) "$bin" fmt --check "$dir" >/dev/null 2>&1 || problems+=("fmt --check $dir fails") ;;
  esac
  while IFS= read -r -d '' file; do
    side=$(basename "$(dirname "$file")")
    head -c 12 "$file" | grep -q "^// $side:" || problems+=("$file does not start with \`// $side:\`")
  done < <(find "$dir" -name '*.iamdsl' -print0)
  if [ ${#problems[@]} -eq 0 ]; then
    pass=$((pass + 1))
    if [ -n "$others" ]; then
      extra=$((extra + 1))
      echo "ok    $code  (wrong/ also reports: $others)"
    else
      echo "ok    $code"
    fi
  else
    fail=$((fail + 1))
    for p in "${problems[@]}"; do echo "FAIL  $code  $p"; done
  fi
done
missing=$(grep -oE '"[EW][0-9]{4}"' crates/diagnostics/src/codes.rs | tr -d '"' |
  while read -r c; do [ -d "tests/check/$c" ] || printf '%s ' "$c"; done)
echo "---"
echo "$pass cases pass ($extra with other diagnostics in wrong/), $fail fail"
echo "codes without a case: ${missing:-none}"
[ "$fail" -eq 0 ]
