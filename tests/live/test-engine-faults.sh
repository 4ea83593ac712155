#!/bin/bash
# Fault injection against the live engine (tests/live/README.md), TAP:
# `midthought-cli sweep` appends to a lab that already holds a finished
# oracle and branch, while the engine
#   - streams to the max_tokens asked for (the limit holds: never more),
#   - is SIGKILLed mid-stream (reset: a clear error, the partial text kept),
#   - is not running (connection refused),
#   - is SIGSTOPped mid-stream (a stall: --timeout 3 fires and says so, the
#     partial text kept; SIGCONT after, and the engine answers again),
#   - streams for longer than --max-duration 1 allows (stopped, text kept).
# After every case the lab's earlier records are byte for byte what they
# were, and the lab loads with nothing skipped.
#
# What the real engine cannot be made to do is covered by tests/test-faults.c
# against the in-process server (tests/fake-server.c): 429 storms with
# Retry-After, 500s, truncated JSON and malformed events, a 100 MB event
# line, invalid UTF-8 (the engine only sends whole characters), a server
# streaming past max_tokens, and TLS.
#
# Needs node, curl, python3, tests/live/node_modules (`make engine`) and
# MT_CLI, the midthought-cli to test (meson sets it).
set -u

here=$(cd "$(dirname "$0")" && pwd)
problems=$here/../data/gsm8k-5.jsonl
cli=${MT_CLI:-}

for tool in node curl python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool not found"; exit 0
  fi
done
if [ ! -d "$here/node_modules/node-llama-cpp" ]; then
  echo "1..0 # SKIP node_modules missing: run make engine"; exit 0
fi
if [ -z "$cli" ] || [ ! -x "$cli" ]; then
  echo "1..0 # SKIP MT_CLI does not name the midthought-cli to test"; exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-engine-faults.XXXXXX")
server_pid=
sweep_pid=
cleanup() {
  for pid in $sweep_pid $server_pid; do
    kill -CONT "$pid" 2>/dev/null
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
  for f in "$@"; do [ -f "$f" ] && tail -n 20 "$f" | tr '\r' '\n' | cut -c1-300 | sed 's/^/#   /'; done
  return 0
}
check() { # check NAME CONDITION-EXIT-STATUS [FILES TO SHOW ON FAILURE...]
  local name=$1 status=$2
  shift 2
  if [ "$status" -eq 0 ]; then ok "$name"; else not_ok "$name" "$@"; fi
}

# The records the sweep added after the base lab's bytes, the last one per
# id: "finished=N failed=N failed_with_text=N most_tokens=N max_usage=N".
added() {
  python3 - "$tmp/base.mtlab" "$1" <<'EOF'
import json, os, sys
base_size = os.path.getsize(sys.argv[1])
with open(sys.argv[2], 'rb') as f:
    f.seek(base_size)
    lines = f.read().split(b'\n')
last = {}
for raw in lines:
    if not raw:
        continue
    r = json.loads(raw)
    if r.get('type') in ('trace', 'branch'):
        last[r['id']] = r
def n_tokens(r):
    spans = r.get('tokens', {})
    return len(spans.get('reasoning', [])) + len(spans.get('answer', []))
done = [r for r in last.values() if not r.get('partial')]
bad = [r for r in last.values() if r['finish_reason'] == 'error']
print('finished=%d failed=%d failed_with_text=%d most_tokens=%d max_usage=%d lengths=%d' % (
    len(done), len(bad),
    len([r for r in bad if r.get('reasoning', '') + r.get('answer', '')]),
    max([n_tokens(r) for r in last.values()] or [0]),
    max([r.get('usage', {}).get('completion_tokens', 0) for r in last.values()] or [0]),
    len([r for r in done if r['finish_reason'] == 'length'])))
EOF
}
field() { # field NAME LINE
  echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# Whether a streaming snapshot with text has reached LAB past the base.
streaming() {
  tail -c +"$(( $(stat -c %s "$tmp/base.mtlab") + 1 ))" "$1" 2>/dev/null |
    grep '"partial":true' | grep -q -e '"reasoning":"[^"]' -e '"answer":"[^"]'
}

# The base lab's bytes are the first bytes of LAB, and LAB loads cleanly.
earlier_intact() {
  cmp -s -n "$(stat -c %s "$tmp/base.mtlab")" "$tmp/base.mtlab" "$1" &&
    "$cli" info "$1" >"$1.info" 2>&1 && grep -q ", 0 skipped" "$1.info"
}

start_engine() {
  : >"$tmp/server.out"
  # A context of 4096: a 3,500-token generation takes seconds even on a
  # fast machine, long enough to be cut in the middle.
  node "$here/server.mjs" --model "$tmp/tiny.gguf" --port 0 --ctx 4096 --quiet \
    >"$tmp/server.out" 2>>"$tmp/server.err" &
  server_pid=$!
  base=
  for _ in $(seq 1 450); do
    line=$(head -n 1 "$tmp/server.out" 2>/dev/null)
    case $line in
      "listening on http://"*) base=${line#listening on }; return 0 ;;
    esac
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

# Starts a sweep of the second problem into a copy of the base lab named
# CASE, in the background; the rest of the arguments go to the sweep.
sweep_bg() {
  local name=$1
  shift
  cp "$tmp/base.mtlab" "$tmp/$name.mtlab"
  "$cli" sweep --server "$url/v1" --model tiny-random --family deepseek-r1 \
    --problems "$tmp/second.jsonl" --positions 0.5 --kinds hard --seed 5 --concurrency 1 \
    -o "$tmp/$name.mtlab" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  sweep_pid=$!
}

# Waits (up to 120 s) for a snapshot with text in CASE's lab.
wait_streaming() {
  for _ in $(seq 1 1200); do
    streaming "$tmp/$1.mtlab" && return 0
    kill -0 "$sweep_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# Waits (up to 120 s) for the sweep to exit; its status in $status.
wait_sweep() {
  status=124
  for _ in $(seq 1 1200); do
    kill -0 "$sweep_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$sweep_pid" 2>/dev/null; then
    kill -9 "$sweep_pid" 2>/dev/null
    wait "$sweep_pid" 2>/dev/null
  else
    wait "$sweep_pid"
    status=$?
  fi
  sweep_pid=
}

echo "1..14"

node "$here/make-gguf.mjs" "$tmp/tiny.gguf" 2>"$tmp/make.log"
if ! start_engine; then
  not_ok "the engine starts" "$tmp/make.log" "$tmp/server.err"
  echo "Bail out! the engine did not start"
  exit 1
fi
url=$base
ok "the engine starts ($url)"

# The lab every case starts from: a finished oracle and branch.
head -n 1 "$problems" >"$tmp/first.jsonl"
sed -n 2p "$problems" >"$tmp/second.jsonl"
"$cli" sweep --server "$url/v1" --model tiny-random --family deepseek-r1 \
  --problems "$tmp/first.jsonl" --positions 0.5 --kinds hard --seed 5 --max-tokens 24 \
  -o "$tmp/base.mtlab" >"$tmp/base.out" 2>"$tmp/base.err"
status=$?
grep -q "2 of 2 items done" "$tmp/base.out"
check "the base lab: an oracle and a branch, finished" $(( $? + status )) "$tmp/base.err"

# 1. max_tokens holds: the engine never stops by itself, so each stream
# must end at exactly the 40 tokens asked for.
sweep_bg max-tokens --max-tokens 40
wait_sweep
c=$(added "$tmp/max-tokens.mtlab")
echo "# max_tokens 40: exit $status; $c"
[ "$status" -eq 0 ] && [ "$(field finished "$c")" = 2 ] && [ "$(field lengths "$c")" = 2 ] &&
  [ "$(field max_usage "$c")" = 40 ] && [ "$(field most_tokens "$c")" -le 40 ]
check "max_tokens 40: both streams end at 40 tokens with finish_reason length" $? \
  "$tmp/max-tokens.err"
earlier_intact "$tmp/max-tokens.mtlab"
check "max_tokens: the earlier records are byte-identical" $? "$tmp/max-tokens.mtlab.info"

# 2. The engine is killed mid-stream: the connection is reset.
sweep_bg killed --max-tokens 3500
wait_streaming killed
streamed=$?
kill -9 "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
server_pid=
wait_sweep
c=$(added "$tmp/killed.mtlab")
echo "# engine SIGKILLed mid-stream (streaming: $((1 - streamed))): exit $status; $c"
grep -q "^failed: .*: The server ended the stream before the completion finished (.* tokens received; the partial text is kept)" \
  "$tmp/killed.err"
[ $? -eq 0 ] && [ "$streamed" -eq 0 ] && [ "$status" -eq 1 ]
check "engine killed mid-stream: exit 1, \"ended the stream before the completion finished\"" $? \
  "$tmp/killed.err"
[ "$(field failed_with_text "$c")" -ge 1 ]
check "engine killed mid-stream: the cut record keeps its text, marked as an error" $? \
  "$tmp/killed.mtlab"
earlier_intact "$tmp/killed.mtlab"
check "engine killed: the earlier records are byte-identical" $? "$tmp/killed.mtlab.info"

# 3. The engine is not running: its port refuses connections.
sweep_bg refused --max-tokens 40
wait_sweep
c=$(added "$tmp/refused.mtlab")
echo "# no engine: exit $status; $c"
grep -q "^failed: .*: Could not connect to $url/v1: connection refused. Is the server running?" \
  "$tmp/refused.err"
[ $? -eq 0 ] && [ "$status" -eq 1 ] && [ "$(field finished "$c")" = 0 ]
check "engine not running: exit 1, \"connection refused. Is the server running?\"" $? \
  "$tmp/refused.err"
earlier_intact "$tmp/refused.mtlab"
check "engine not running: the earlier records are byte-identical" $? "$tmp/refused.mtlab.info"

# The engine again, on a new port.
if ! start_engine; then
  not_ok "the engine starts again" "$tmp/server.err"
  echo "Bail out! the engine did not start again"
  exit 1
fi
url=$base

# 4. The engine stalls: SIGSTOP mid-stream; the client's 3 s timeout fires.
sweep_bg stalled --max-tokens 3500 --timeout 3
wait_streaming stalled
streamed=$?
kill -STOP "$server_pid"
wait_sweep
kill -CONT "$server_pid"
c=$(added "$tmp/stalled.mtlab")
echo "# engine SIGSTOPped mid-stream (streaming: $((1 - streamed))): exit $status; $c"
grep -q "^failed: .*: The server sent nothing for 3 s mid-stream (the client's timeout); gave up after .* tokens (the partial text is kept)" \
  "$tmp/stalled.err"
[ $? -eq 0 ] && [ "$streamed" -eq 0 ] && [ "$status" -eq 1 ] &&
  [ "$(field failed_with_text "$c")" -ge 1 ]
check "engine stalled: --timeout 3 fires, says so, and the partial text is kept" $? \
  "$tmp/stalled.err" "$tmp/stalled.mtlab"
earlier_intact "$tmp/stalled.mtlab"
check "engine stalled: the earlier records are byte-identical" $? "$tmp/stalled.mtlab.info"
health=
for _ in $(seq 1 100); do
  health=$(curl -sS --max-time 5 "$url/health" 2>/dev/null) && break
  sleep 0.1
done
case $health in *'"status":"ok"'*) status=0 ;; *) status=1 ;; esac
check "after SIGCONT the engine answers again" $status "$tmp/server.err"

# 5. A stream longer than --max-duration 1 allows is stopped at 1 s.
sweep_bg duration --max-tokens 3500 --max-duration 1
wait_sweep
c=$(added "$tmp/duration.mtlab")
echo "# --max-duration 1 on a 3,500-token stream: exit $status; $c"
grep -q "^failed: .*: The completion ran longer than 1 s (the client's time limit); stopped after .* tokens (the partial text is kept)" \
  "$tmp/duration.err"
[ $? -eq 0 ] && [ "$status" -eq 1 ] && [ "$(field failed_with_text "$c")" -ge 1 ] &&
  [ "$(field most_tokens "$c")" -lt 3500 ]
check "--max-duration 1: the stream is stopped, says so, and keeps its text" $? \
  "$tmp/duration.err" "$tmp/duration.mtlab"
earlier_intact "$tmp/duration.mtlab"
check "--max-duration: the earlier records are byte-identical" $? "$tmp/duration.mtlab.info"

[ "$failed" -eq 0 ]
