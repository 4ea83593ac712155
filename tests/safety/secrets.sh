#!/usr/bin/env bash
# Secrets (TAP): a sentinel API key, given to the CLI in the environment as
# it must be, reaches the server and nowhere else: not the lab file, not
# the CLI's output (also when a server quotes the key back in an error),
# not its command line as process lists show it, not its crash output.
#
# Usage: secrets.sh [CLI]   (default $MT_CLI)
set -u

here=$(cd "$(dirname "$0")" && pwd)
cli=${1:-${MT_CLI:-}}
if [ -z "$cli" ] || [ ! -x "$cli" ]; then
  echo "1..0 # SKIP no midthought-cli: pass it or set MT_CLI"
  exit 0
fi

sentinel="sk-midthought-SENTINEL-$$-$RANDOM$RANDOM"
work=$(mktemp -d "${TMPDIR:-/tmp}/mt-secrets-XXXXXX")
pids=()
cleanup () {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_server () {
  python3 "$here/fake-openai.py" "$work/$1.port" "${@:2}" 2>"$work/$1.log" &
  pids+=($!)
  for _ in $(seq 300); do
    [ -s "$work/$1.port" ] && return 0
    sleep 0.1
  done
  echo "Bail out! the fake server did not start: $(cat "$work/$1.log")"
  exit 1
}
start_server good --interval 20 --tokens 40
start_server careless --reject-keys
good="http://127.0.0.1:$(cat "$work/good.port")"
careless="http://127.0.0.1:$(cat "$work/careless.port")"

printf '{"id":"s1","problem":"What is 6 times 7?","answer":"42"}\n' > "$work/problems.jsonl"

echo "1..6"

# A sweep that works, watched from outside while it runs.
MIDTHOUGHT_API_KEY=$sentinel "$cli" sweep --server "$good/v1" --model fake --family qwen3 \
  --problems "$work/problems.jsonl" --positions 0.5 --kinds hard -o "$work/lab.mtlab" \
  >"$work/sweep.out" 2>&1 &
sweep_pid=$!
cmdline=
for _ in $(seq 100); do
  [ -r "/proc/$sweep_pid/cmdline" ] && cmdline=$(tr '\0' ' ' <"/proc/$sweep_pid/cmdline")
  [ -n "$cmdline" ] && break
  sleep 0.05
done
ps_out=$(ps -ww -o args= -p "$sweep_pid" 2>/dev/null)
wait "$sweep_pid"
status=$?

want=$(printf 'Bearer %s' "$sentinel" | sha256sum | cut -d' ' -f1)
if [ "$status" = 0 ] && python3 - "$good/stats" "$want" <<'PY'
import json, sys, urllib.request
seen = json.load(urllib.request.urlopen(sys.argv[1]))['auth_sha256']
sys.exit(0 if seen and all(s == sys.argv[2] for s in seen) else 1)
PY
then
  echo "ok 1 - the sweep ran and every request carried the key to the server"
else
  echo "not ok 1 - the sweep failed or the key did not reach the server (status $status)"
  sed 's/^/# /' "$work/sweep.out"
fi

if [ -n "$cmdline" ] && ! printf '%s\n%s\n' "$cmdline" "$ps_out" | grep -qF "$sentinel"; then
  echo "ok 2 - the key is not on the command line (ps shows: ${cmdline:0:60}...)"
else
  echo "not ok 2 - the key is on the command line, or it could not be read"
fi

if [ -s "$work/lab.mtlab" ] && ! grep -qF "$sentinel" "$work/lab.mtlab" "$work/sweep.out"; then
  echo "ok 3 - the key is in neither the lab file nor the output"
else
  echo "not ok 3 - the key was written to the lab or the output"
fi

# A server that quotes the key back in its error message.
MIDTHOUGHT_API_KEY=$sentinel "$cli" sweep --server "$careless/v1" --model fake --family qwen3 \
  --problems "$work/problems.jsonl" --positions 0.5 --kinds hard -o "$work/refused.mtlab" \
  >"$work/refused.out" 2>&1
if grep -q "401\|key" "$work/refused.out" && ! grep -qF "$sentinel" "$work/refused.out" &&
   ! grep -qsF "$sentinel" "$work/refused.mtlab"; then
  echo "ok 4 - a server quoting the key back: $(grep -m1 -i 'key' "$work/refused.out")"
else
  echo "not ok 4 - the quoted key reached the output or the lab"
  sed 's/^/# /' "$work/refused.out"
fi

# A crash mid-stream: whatever is printed must not hold the key.
MIDTHOUGHT_API_KEY=$sentinel "$cli" sweep --server "$good/v1" --model fake --family qwen3 \
  --problems "$work/problems.jsonl" --positions 0.5 --kinds hard -o "$work/crash.mtlab" \
  --seed 9 >"$work/crash.out" 2>&1 &
crash_pid=$!
sleep 0.5
kill -SEGV "$crash_pid" 2>/dev/null
wait "$crash_pid"
crash_status=$?
if [ "$crash_status" -ne 0 ] && ! grep -qF "$sentinel" "$work/crash.out" &&
   ! grep -qsF "$sentinel" "$work/crash.mtlab"; then
  echo "ok 5 - a crash (status $crash_status) prints and writes no key"
else
  echo "not ok 5 - after a crash (status $crash_status) the key is in the output or the lab"
fi

# Nothing else under the work directory holds it either.
if ! grep -rqsF "$sentinel" "$work"; then
  echo "ok 6 - no file written during the runs holds the key"
else
  echo "not ok 6 - the key is in: $(grep -rlsF "$sentinel" "$work" | tr '\n' ' ')"
fi
