#!/bin/sh
# Streaming throughput: Midthought's client (SSE parsing, JSON of every
# chunk, token spans and arrival times stored) against `curl -sN`, which
# only moves the bytes, on the same local server sending tokens as fast as
# it can (stream-server.py). Prints tokens/s for both and the ratio.
# Usage: bench/stream.sh [BUILD_DIR] [TOKENS]   (needs hyperfine and python3)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../_build}
tokens=${2:-200000}
bench=$build/bench/mt-bench-stream
out=$here/out
mkdir -p "$out"

[ -x "$bench" ] || { echo "build first: $bench is missing" >&2; exit 1; }

# Nothing is pinned: the client runs on one thread, so one core, and its
# CPU time (user + system, from hyperfine) is reported next to wall time.
port_file=$out/stream-port
rm -f "$port_file"
python3 "$here/stream-server.py" "$port_file" "$tokens" &
server=$!
trap 'kill $server 2>/dev/null' EXIT INT TERM
while [ ! -s "$port_file" ]; do sleep 0.1; done
url=http://127.0.0.1:$(cat "$port_file")/v1

# One run by hand first: it checks every token arrived and was stored.
"$bench" "$url" "$tokens" 1

hyperfine --warmup 2 --runs 10 --export-json "$out/stream.json" \
  --command-name "curl" \
  "curl -sN -X POST -H 'Content-Type: application/json' -d '{\"stream\":true}' $url/completions -o /dev/null" \
  --command-name "midthought" \
  "$bench $url $tokens 1" > "$out/stream-hyperfine.txt"

python3 - "$out/stream.json" "$tokens" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
tokens = int(sys.argv[2])
print(f"{tokens} tokens per stream, mean of 10 runs, process start included")
for name, label in (("curl", "curl -sN (floor)"), ("midthought", "midthought client")):
    r = results[name]
    cpu = r["user"] + r["system"]
    print(f"{label:18} wall {r['mean']:.3f} s = {tokens / r['mean']:9,.0f} tokens/s   "
          f"cpu {cpu:.3f} s = {tokens / cpu:9,.0f} tokens/s")
curl, mt = results["curl"], results["midthought"]
print(f"cost over curl: {mt['mean'] / curl['mean']:.2f}x wall, "
      f"{(mt['user'] + mt['system']) / (curl['user'] + curl['system']):.2f}x cpu")
print(f"target: >= 50,000 tokens/s on one core: "
      f"{'met' if tokens / mt['mean'] >= 50000 else 'NOT met'}")
PY
