#!/bin/bash
# `midthought-cli sweep` against the live engine (tests/live/README.md):
# 5 problems x 5 positions x 3 kinds run end to end; a second run is killed
# with SIGKILL half-way and resumed, and nothing is done twice; a third is
# stopped with Ctrl+C mid-stream and keeps its text. Prints TAP.
# Needs node, curl, tests/live/node_modules (`make engine`) and MT_CLI, the
# midthought-cli to test (meson sets it).
set -u

here=$(cd "$(dirname "$0")" && pwd)
problems=$here/../data/gsm8k-5.jsonl
cli=${MT_CLI:-}

if ! command -v node >/dev/null 2>&1; then
  echo "1..0 # SKIP node not found"; exit 0
fi
if ! command -v curl >/dev/null 2>&1; then
  echo "1..0 # SKIP curl not found"; exit 0
fi
if [ ! -d "$here/node_modules/node-llama-cpp" ]; then
  echo "1..0 # SKIP node_modules missing: run make engine"; exit 0
fi
if [ -z "$cli" ] || [ ! -x "$cli" ]; then
  echo "1..0 # SKIP MT_CLI does not name the midthought-cli to test"; exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-live-sweep.XXXXXX")
server_pid=
sweep_pid=
cleanup() {
  for pid in $sweep_pid $server_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
  shift
  for f in "$@"; do [ -f "$f" ] && tail -n 20 "$f" | cut -c1-300 | sed 's/^/#   /'; done
  return 0
}
check() { # check NAME CONDITION-EXIT-STATUS [FILES TO SHOW ON FAILURE...]
  local name=$1 status=$2
  shift 2
  if [ "$status" -eq 0 ]; then ok "$name"; else not_ok "$name" "$@"; fi
}

# What a lab file holds, record by record: finished (no "partial" flag)
# records, how many ids have one, whether any id has two, the cancelled
# ones, and the records still partial at the end of the file.
census() {
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").slice(1);
    const finals = new Map(), last = new Map();
    let records = 0;
    for (const line of lines) {
      let r; try { r = JSON.parse(line); } catch { continue; }
      if (r.type !== "trace" && r.type !== "branch") continue;
      records++;
      last.set(r.id, r);
      if (!r.partial) finals.set(r.id, (finals.get(r.id) ?? 0) + 1);
    }
    const done = [...last.values()].filter((r) => !r.partial &&
      (r.finish_reason === "length" || r.finish_reason === "stop"));
    const cancelled = [...last.values()].filter((r) => r.finish_reason === "cancelled");
    const withText = cancelled.filter((r) => (r.reasoning ?? "") + (r.answer ?? "") !== "");
    console.log([
      "records=" + records,
      "ids=" + last.size,
      "done=" + done.length,
      "traces=" + done.filter((r) => r.type === "trace").length,
      "branches=" + done.filter((r) => r.type === "branch").length,
      "twice=" + [...finals.values()].filter((c) => c > 1).length,
      "cancelled=" + cancelled.length,
      "cancelled_with_text=" + withText.length,
      "open=" + [...last.values()].filter((r) => r.partial && r.finish_reason === "unknown").length,
    ].join(" "));
  ' "$1"
}
field() { # field NAME CENSUS-LINE
  echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
health() { # health FIELD
  curl -sS --max-time 5 "$base/health" | node -e '
    let s = ""; process.stdin.on("data", (d) => s += d);
    process.stdin.on("end", () => console.log(JSON.parse(s)[process.argv[1]]));' "$1"
}

echo "1..16"

# The engine: the generated model, one thread, a free port.
node "$here/make-gguf.mjs" "$tmp/tiny.gguf" 2>"$tmp/make.log"
node "$here/server.mjs" --model "$tmp/tiny.gguf" --port 0 --quiet \
  >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
base=
for _ in $(seq 1 450); do
  line=$(head -n 1 "$tmp/server.out" 2>/dev/null)
  case $line in
    "listening on http://"*) base=${line#listening on }; break ;;
  esac
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$base" ]; then
  not_ok "the engine starts" "$tmp/make.log" "$tmp/server.err"
  echo "Bail out! the engine did not start"
  exit 1
fi
ok "the engine starts ($base)"

key="sk-midthought-test-$$-$RANDOM"
# R1's prompt opens the thinking block, so the model's noise is reasoning
# and the positions cut it at different places. A plain command, not a
# function, so that a background run's $! is midthought-cli itself.
export MIDTHOUGHT_API_KEY=$key
sweep=("$cli" sweep --server "$base/v1" --model tiny-random --family deepseek-r1
       --problems "$problems" --positions 0.1,0.3,0.5,0.7,0.9 --kinds hard,force,speedup
       --samples 1 --seed 11)

# 1. The whole sweep.
start=$(date +%s%N)
"${sweep[@]}" -o "$tmp/full.mtlab" --max-tokens 24 --concurrency 2 \
  >"$tmp/full.out" 2>"$tmp/full.err"
status=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "sweep of 5 problems x 5 positions x 3 kinds exits 0 ($elapsed_ms ms)" "$status" \
  "$tmp/full.err"
grep -q "80 of 80 items done (0 already done), 0 failed" "$tmp/full.out"
check "it reports 80 of 80 items done" $? "$tmp/full.out"

"$cli" info "$tmp/full.mtlab" >"$tmp/info.out" 2>&1
status=$?
grep -q "lab, 5 problems, 5 traces, 75 branches, 0 skipped" "$tmp/info.out"
check "info: 5 problems, 5 traces, 75 branches, 0 skipped (exit $status)" \
  $(( $? + status )) "$tmp/info.out"

# The engine's sweep as a figure: the accuracy chart as PDF, first page
# rendered and not blank.
"$cli" plot --chart accuracy --format pdf -o "$tmp/accuracy.pdf" "$tmp/full.mtlab" \
  >"$tmp/plot.out" 2>&1
status=$?
if ! command -v pdftoppm >/dev/null || ! command -v identify >/dev/null; then
  ok "plot --chart accuracy --format pdf (exit $status) # SKIP pdftoppm or identify missing"
else
  pdftoppm -png -r 36 -f 1 -l 1 -singlefile "$tmp/accuracy.pdf" "$tmp/accuracy" \
    >>"$tmp/plot.out" 2>&1
  deviation=$(identify -format '%[fx:standard_deviation]' "$tmp/accuracy.png" 2>>"$tmp/plot.out")
  echo "# accuracy.pdf page 1: standard deviation of the pixels ${deviation:-none}"
  [ "$status" -eq 0 ] && [ -n "$deviation" ] &&
    awk -v d="$deviation" 'BEGIN { exit !(d > 0.01) }'
  check "plot --chart accuracy --format pdf on the sweep renders a non-blank page" $? \
    "$tmp/plot.out"
fi

c=$(census "$tmp/full.mtlab")
echo "# first run: $c"
[ "$(field done "$c")" = 80 ] && [ "$(field ids "$c")" = 80 ] && [ "$(field twice "$c")" = 0 ]
check "every one of the 80 work keys finished once" $? "$tmp/full.mtlab"

! grep -q -- "$key" "$tmp"/*.mtlab "$tmp/full.out" "$tmp/full.err"
check "the API key is in no lab file and no output" $?

# 2. The same sweep into a new file, killed with SIGKILL half-way.
"${sweep[@]}" -o "$tmp/killed.mtlab" --max-tokens 24 --concurrency 1 >"$tmp/killed.out" 2>&1 &
sweep_pid=$!
for _ in $(seq 1 600); do
  finished=$(grep -c '"finish_reason":"length"' "$tmp/killed.mtlab" 2>/dev/null)
  [ "${finished:-0}" -ge 40 ] && break
  kill -0 "$sweep_pid" 2>/dev/null || break
  sleep 0.02
done
kill -9 "$sweep_pid" 2>/dev/null
wait "$sweep_pid" 2>/dev/null
status=$?
sweep_pid=
before=$(census "$tmp/killed.mtlab")
echo "# killed run (SIGKILL after ${finished:-0} finished records): $before"
done_before=$(field done "$before")
[ "$status" -eq 137 ] && [ "$done_before" -ge 40 ] && [ "$done_before" -lt 80 ]
check "SIGKILL half-way leaves $done_before finished items" $? "$tmp/killed.out"

requests_before=$(health requests)
"${sweep[@]}" -o "$tmp/killed.mtlab" --max-tokens 24 --concurrency 2 >"$tmp/resumed.out" \
  2>"$tmp/resumed.err"
status=$?
requests_after=$(health requests)
grep -q "$done_before of 80 items already done; resuming" "$tmp/resumed.err"
check "the same command resumes: $done_before of 80 items already done" \
  $(( $? + status )) "$tmp/resumed.out" "$tmp/resumed.err"

# /health counts itself too.
sent=$((requests_after - requests_before - 1))
echo "# resumed run: $sent requests for the $((80 - done_before)) items left"
[ "$sent" -eq $((80 - done_before)) ]
check "the resumed run asks only for the items left" $?

after=$(census "$tmp/killed.mtlab")
echo "# resumed run: $after"
[ "$(field done "$after")" = 80 ] && [ "$(field ids "$after")" = 80 ] &&
  [ "$(field twice "$after")" = 0 ] && [ "$(field open "$after")" = 0 ] &&
  [ "$(field traces "$after")" = 5 ] && [ "$(field branches "$after")" = 75 ]
check "after the resume: 5 traces + 75 branches, each work key finished once" $? \
  "$tmp/resumed.err"

"$cli" info "$tmp/killed.mtlab" >"$tmp/info2.out" 2>&1
status=$?
grep -q "lab, 5 problems, 5 traces, 75 branches, 0 skipped" "$tmp/info2.out"
check "info on the resumed file: 5 traces, 75 branches, 0 skipped" $(( $? + status )) \
  "$tmp/info2.out"

# 3. Ctrl+C in the middle of a stream: long generations, one at a time.
aborted_before=$(health aborted)
"${sweep[@]}" -o "$tmp/stopped.mtlab" --max-tokens 1500 --concurrency 1 >"$tmp/stopped.out" 2>&1 &
sweep_pid=$!
streaming=
for _ in $(seq 1 300); do
  # A snapshot with text: the first oracle has streamed for a second.
  if grep '"reasoning":"[^"]' "$tmp/stopped.mtlab" 2>/dev/null | grep -q '"partial":true'; then
    streaming=1; break
  fi
  kill -0 "$sweep_pid" 2>/dev/null || break
  sleep 0.05
done
kill -INT "$sweep_pid" 2>/dev/null
wait "$sweep_pid"
status=$?
sweep_pid=
check "Ctrl+C mid-stream exits 130 (streaming: ${streaming:-no})" \
  $(( status == 130 && ${streaming:-0} == 1 ? 0 : 1 )) "$tmp/stopped.out"

c=$(census "$tmp/stopped.mtlab")
echo "# stopped run: $c"
[ "$(field cancelled_with_text "$c")" -ge 1 ] && [ "$(field open "$c")" = 0 ]
check "the stream cut keeps its text as a cancelled record" $? "$tmp/stopped.mtlab"

for _ in $(seq 1 50); do
  [ "$(health slots_processing)" = 0 ] && break
  sleep 0.1
done
aborted_after=$(health aborted)
[ "$aborted_after" -gt "$aborted_before" ] && [ "$(health slots_processing)" = 0 ]
check "the engine stopped generating ($((aborted_after - aborted_before)) aborted)" $?

"$cli" info "$tmp/stopped.mtlab" >"$tmp/info3.out" 2>&1
grep -q ", 0 skipped" "$tmp/info3.out"
check "the stopped file loads with 0 skipped" $? "$tmp/info3.out"

[ "$failed" -eq 0 ]
