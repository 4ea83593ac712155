#!/bin/sh
# Live runs in the window (mt-bench-live, see live-speed.c): N_STREAMS
# concurrent streams of TOKENS tokens each from stream-server.py, which
# sends as fast as the socket takes them, one of them shown in the window.
# Reports the main loop's worst stall (a 1 ms heartbeat's longest gap, and
# the longest frame clock interval) and, for the shown stream, the time
# from a token's arrival to the end of the frame that paints it. Baselines
# in the same run: the idle window, and the same streams through a live
# session no window shows.
# Usage: bench/live.sh [BUILD_DIR] [N_STREAMS] [TOKENS]   (needs xvfb-run, python3)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../_build}
n_streams=${2:-64}
tokens=${3:-2000}
bench=$build/src/gui/mt-bench-live
out=$here/out

[ -x "$bench" ] || { echo "build first: $bench is missing" >&2; exit 1; }
mkdir -p "$out"

port_file=$out/live-port
rm -f "$port_file"
python3 "$here/stream-server.py" "$port_file" "$tokens" &
server=$!
trap 'kill $server 2>/dev/null' EXIT INT TERM
while [ ! -s "$port_file" ]; do sleep 0.1; done
url=http://127.0.0.1:$(cat "$port_file")/v1

echo "$n_streams streams x $tokens tokens from $url"
GTK_A11Y=none GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=$build/data NO_AT_BRIDGE=1 \
  xvfb-run -a -s "-screen 0 1280x800x24" "$bench" "$url" "$n_streams" 2>"$out/live-stderr.txt" \
  | tee "$out/live.txt"

python3 - "$out/live.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
stalls = re.findall(r"heartbeat gap\): worst ([0-9.]+) ms", text)
if len(stalls) == 3:
    idle, bare, window = map(float, stalls)
    print(f"worst stall while streaming in the window: {window:.1f} ms "
          f"(target < 16 ms: {'met' if window < 16 else 'MISSED'}); "
          f"idle window {idle:.1f} ms, same streams without a window {bare:.1f} ms")
PY
