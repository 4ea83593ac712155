#!/usr/bin/env bash
# Data safety under SIGKILL (TAP). A CLI sweep runs against a fast fake
# server (fake-openai.py) and is killed at a random moment, KILLS times;
# after each kill the lab must reopen, hold every finished record in full,
# and have lost at most a second of any stream (check-lab.py). Then the
# sweep runs to its end: it must do the rest, each item exactly once,
# which the server counts.
#
# Usage: kill-loop.sh [CLI]   (default $MT_CLI); MT_KILLS sets the count.
set -u

here=$(cd "$(dirname "$0")" && pwd)
cli=${1:-${MT_CLI:-}}
kills=${MT_KILLS:-50}
problems=50
positions=0.3,0.7
n_items=$((problems * 3))

if [ -z "$cli" ] || [ ! -x "$cli" ]; then
  echo "1..0 # SKIP no midthought-cli: pass it or set MT_CLI"
  exit 0
fi
if ! command -v python3 >/dev/null; then
  echo "1..0 # SKIP python3 is needed for the fake server"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mt-kill-loop-XXXXXX")
server_pid=
sweep_pid=
cleanup () {
  [ -n "$sweep_pid" ] && kill -9 "$sweep_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

python3 "$here/fake-openai.py" "$work/port" --interval 25 --tokens 30 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 300); do
  [ -s "$work/port" ] && break
  sleep 0.1
done
if [ ! -s "$work/port" ]; then
  echo "Bail out! the fake server did not start: $(cat "$work/server.log")"
  exit 1
fi
url="http://127.0.0.1:$(cat "$work/port")"

for i in $(seq "$problems"); do
  printf '{"id":"q%d","problem":"What is %d times 7?","answer":"%d"}\n' "$i" "$i" $((i * 7))
done > "$work/problems.jsonl"

# Run directly, not from a function: a function in the background is a
# subshell, and killing it would leave the sweep running.
sweep_args=(sweep --server "$url/v1" --model fake --family qwen3
            --problems "$work/problems.jsonl" --positions "$positions" --kinds hard
            --concurrency 3 --seed 7 -o "$work/lab.mtlab")

echo "1..$((kills + 2))"

failed=0
live_kills=0
for k in $(seq "$kills"); do
  "$cli" "${sweep_args[@]}" >"$work/sweep.out" 2>&1 &
  sweep_pid=$!
  # Anywhere from startup to well into streaming: 0.05 to 1.5 s.
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.05 + (r % 1450) / 1000 }')"
  if kill -9 "$sweep_pid" 2>/dev/null; then
    live_kills=$((live_kills + 1))
  fi
  kill_time=$(date +%s.%N)
  wait "$sweep_pid" 2>/dev/null
  sweep_pid=
  # Between kills a few items finish and others stream; no pause needed.
  if [ ! -e "$work/lab.mtlab" ]; then
    echo "ok $k - kill $k before the lab was created"
    continue
  fi
  if ! info=$("$cli" info "$work/lab.mtlab" 2>&1); then
    echo "not ok $k - the lab does not reopen after kill $k"
    echo "$info" | sed 's/^/# /'
    failed=1
    continue
  fi
  if result=$(python3 "$here/check-lab.py" after-kill "$work/state.json" "$work/lab.mtlab" \
                "$url/stats" "$kill_time"); then
    echo "ok $k - kill $k: $result"
  else
    echo "not ok $k - kill $k: $result"
    failed=1
  fi
done

final_start=$(date +%s.%N)
if "$cli" "${sweep_args[@]}" >"$work/sweep.out" 2>&1; then
  echo "ok $((kills + 1)) - the resumed sweep finished ($live_kills kills hit a running sweep)"
else
  echo "not ok $((kills + 1)) - the resumed sweep failed"
  sed 's/^/# /' "$work/sweep.out"
  failed=1
fi

if result=$(python3 "$here/check-lab.py" final "$work/state.json" "$work/lab.mtlab" \
              "$url/stats" "$n_items" "$final_start"); then
  echo "ok $((kills + 2)) - exactly once: $result"
else
  echo "not ok $((kills + 2)) - exactly once: $result"
  failed=1
fi
exit "$failed"
