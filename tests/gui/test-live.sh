#!/bin/bash
# The window's live runs against the live engine (tests/live/README.md):
# starts the engine on a free port, then runs test-live (MT_TEST_LIVE, set
# by meson) under Xvfb with the engine's URL and pid. TAP from test-live.
# Needs node, tests/live/node_modules (`make engine`) and xvfb-run unless
# there is a display.
set -u

here=$(cd "$(dirname "$0")" && pwd)
live=$here/../live
exe=${MT_TEST_LIVE:-}

if ! command -v node >/dev/null 2>&1; then
  echo "1..0 # SKIP node not found"; exit 0
fi
if [ ! -d "$live/node_modules/node-llama-cpp" ]; then
  echo "1..0 # SKIP node_modules missing: run make engine"; exit 0
fi
if [ -z "$exe" ] || [ ! -x "$exe" ]; then
  echo "1..0 # SKIP MT_TEST_LIVE does not name the test-live to run"; exit 0
fi
run=()
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "1..0 # SKIP no display and no xvfb-run"; exit 0
  fi
  run=(xvfb-run -a -s "-screen 0 1280x800x24")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-test-live.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# An engine: the generated model, one thread, a free port; two sequences
# so a branch streams beside its trunk. Sets base and server_pid.
start_engine() {
  local name=$1 line
  node "$live/server.mjs" --model "$tmp/tiny.gguf" --port 0 --parallel 2 --quiet \
    >"$tmp/$name.out" 2>"$tmp/$name.err" &
  server_pid=$!
  pids+=("$server_pid")
  base=
  for _ in $(seq 1 450); do
    line=$(head -n 1 "$tmp/$name.out" 2>/dev/null)
    case $line in
      "listening on http://"*) base=${line#listening on }; break ;;
    esac
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$base" ]; then
    echo "1..1"
    echo "not ok 1 - the engine starts"
    sed 's/^/#   /' "$tmp/make.log" "$tmp/$name.err" | tail -n 20
    exit 1
  fi
}

node "$live/make-gguf.mjs" "$tmp/tiny.gguf" 2>"$tmp/make.log"
# One engine for the runs and the sweep, a second one for the sweep whose
# engine is killed (the first is killed by the last case).
start_engine engine
export MT_LIVE_URL=$base/v1
export MT_LIVE_SERVER_PID=$server_pid
start_engine sweep-engine
export MT_LIVE_SWEEP_URL=$base/v1
export MT_LIVE_SWEEP_SERVER_PID=$server_pid
"${run[@]}" "$exe"
