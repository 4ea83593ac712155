#!/usr/bin/env bash
# Data safety of the window under SIGKILL (TAP). gui-sweep opens a lab in a
# real window under Xvfb and sweeps it against fake-openai.py: from the
# sweep dialog the first time, through the window's "Resume" offer for an
# unfinished sweep after that. It is killed KILLS times: most kills at a
# random moment after the sweep started or resumed, every fifth one at a
# random moment of startup (window, server, lab loading). After each kill
# the lab must reopen, hold every finished record in full and have lost at
# most a second of any stream (check-lab.py, as for the CLI in
# kill-loop.sh). Then the window runs the sweep to its end: it must do the
# rest, each item exactly once, which the server counts.
#
# Usage: gui-kill-loop.sh GUI-SWEEP CLI [KILLS]
# KILLS, or MT_KILLS over it, is the number of kills (default 50);
# MT_KILL_SEED is the seed of the random moments (default: the time;
# printed either way).
set -u

here=$(cd "$(dirname "$0")" && pwd)
driver=${1:-}
cli=${2:-${MT_CLI:-}}
kills=${MT_KILLS:-${3:-50}}
seed=${MT_KILL_SEED:-$(( $(date +%s) % 32768 ))}
problems=80
n_items=$((problems * 3))

if [ -z "$driver" ] || [ ! -x "$driver" ]; then
  echo "1..0 # SKIP no gui-sweep driver: pass it first"
  exit 0
fi
if [ -z "$cli" ] || [ ! -x "$cli" ]; then
  echo "1..0 # SKIP no midthought-cli: pass it second or set MT_CLI"
  exit 0
fi
if ! command -v python3 >/dev/null; then
  echo "1..0 # SKIP python3 is needed for the fake server"
  exit 0
fi
# One X server for the whole loop: starting one per kill would be most of
# the time spent.
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  if [ -n "${MT_GUI_KILL_LOOP_XVFB:-}" ] || ! command -v xvfb-run >/dev/null; then
    echo "1..0 # SKIP no display and no xvfb-run"
    exit 0
  fi
  export MT_GUI_KILL_LOOP_XVFB=1
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$0" "$@"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mt-gui-kill-loop-XXXXXX")
server_pid=
sweep_pid=
cleanup () {
  [ -n "$sweep_pid" ] && kill -9 "$sweep_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

python3 "$here/fake-openai.py" "$work/port" --interval 30 --tokens 40 2>"$work/server.log" &
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
if ! out=$("$cli" import "$work/problems.jsonl" -o "$work/lab.mtlab" 2>&1); then
  echo "Bail out! the problems did not import: $out"
  exit 1
fi

# The window's own files (recent files, caches) stay in the work directory.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/config XDG_DATA_HOME=$work/home/data
export XDG_CACHE_HOME=$work/home/cache XDG_STATE_HOME=$work/home/state
export GSETTINGS_BACKEND=memory GTK_A11Y=none NO_AT_BRIDGE=1
mkdir -p "$work/home"

RANDOM=$seed
echo "1..$((kills + 2))"
echo "# seed $seed (MT_KILL_SEED=$seed repeats these moments)"

failed=0
live_kills=0
early_kills=0
loop_start=$(date +%s.%N)
for k in $(seq "$kills"); do
  "$driver" "$url/v1" "$work/lab.mtlab" >"$work/sweep.out" 2>&1 &
  sweep_pid=$!
  if [ $((k % 5)) -eq 0 ]; then
    # During startup: 0 to 0.5 s after launch.
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", (r % 500) / 1000 }')"
    early_kills=$((early_kills + 1))
  else
    # Once the sweep runs (up to 120 s on a slow sanitized build), then
    # 0.2 to 3.5 s into it: a stream takes 1.2 s, so some finish and some
    # are cut in every run.
    for _ in $(seq 1200); do
      grep -q '^gui-sweep: \(started\|resuming\)' "$work/sweep.out" && break
      kill -0 "$sweep_pid" 2>/dev/null || break
      sleep 0.1
    done
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.2 + (r % 3300) / 1000 }')"
  fi
  if kill -9 "$sweep_pid" 2>/dev/null; then
    live_kills=$((live_kills + 1))
  fi
  kill_time=$(date +%s.%N)
  wait "$sweep_pid" 2>/dev/null
  status=$?
  sweep_pid=
  # Only a kill or a sweep that ended well is an acceptable end.
  if [ "$status" -ne 137 ] && [ "$status" -ne 0 ]; then
    echo "not ok $k - the window exited with $status before kill $k"
    sed 's/^/# /' "$work/sweep.out"
    failed=1
    continue
  fi
  # Up to the kill, the window warned about nothing (but GTK 4.8's benign
  # GtkGizmo snapshot warning, see gui-sweep.c).
  if grep -E -e '-(WARNING|CRITICAL) \*\*' "$work/sweep.out" | grep -qv 'snapshot GtkGizmo'; then
    echo "not ok $k - the window warned before kill $k"
    sed 's/^/# /' "$work/sweep.out"
    failed=1
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
loop_end=$(date +%s.%N)

final_start=$(date +%s.%N)
if "$driver" "$url/v1" "$work/lab.mtlab" >"$work/sweep.out" 2>&1; then
  echo "ok $((kills + 1)) - the window finished the sweep ($live_kills kills hit a running" \
       "window, $early_kills of them during startup)"
else
  echo "not ok $((kills + 1)) - the window did not finish the sweep"
  sed 's/^/# /' "$work/sweep.out"
  failed=1
fi
final_end=$(date +%s.%N)

if result=$(python3 "$here/check-lab.py" final "$work/state.json" "$work/lab.mtlab" \
              "$url/stats" "$n_items" "$final_start"); then
  echo "ok $((kills + 2)) - exactly once: $result"
else
  echo "not ok $((kills + 2)) - exactly once: $result"
  failed=1
fi
awk -v a="$loop_start" -v b="$loop_end" -v c="$final_start" -v d="$final_end" \
  'BEGIN { printf "# wall time: kill loop %.0f s, final run %.0f s\n", b - a, d - c }'
exit "$failed"
