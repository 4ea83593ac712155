#!/bin/sh
# Sweep overhead per item against an instant server: `midthought-cli sweep`
# (render, stream, split, write each record) against, in the same hyperfine
# run, the same number of bare requests sent by curl with the same
# concurrency. stream-server.py answers every request at once with one token.
# Usage: bench/sweep.sh [BUILD_DIR] [N_PROBLEMS]   (needs hyperfine, python3, curl)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../_build}
n_problems=${2:-50}
cli=$build/src/cli/midthought-cli
out=$here/out
data=${MT_SHARED_DATA:-$here/../../shared/data}
mkdir -p "$out"

problems=$out/sweep-problems.jsonl
head -n "$n_problems" "$data/problems/gsm8k_test.jsonl" > "$problems"
# Per problem: one oracle, then 5 positions x 3 kinds.
items=$((n_problems * 16))

port_file=$out/sweep-port
rm -f "$port_file"
python3 "$here/stream-server.py" "$port_file" 1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT INT TERM
while [ ! -s "$port_file" ]; do sleep 0.1; done
url=http://127.0.0.1:$(cat "$port_file")/v1

seq "$items" > "$out/sweep-items.txt"
hyperfine --warmup 1 --runs 5 --export-json "$out/sweep.json" \
  --prepare "rm -f $out/sweep.mtlab" \
  --command-name "curl" \
  "xargs -P 8 -I{} curl -sN -X POST -H 'Content-Type: application/json' -d '{\"stream\":true}' $url/completions -o /dev/null < $out/sweep-items.txt" \
  --command-name "sweep" \
  "$cli sweep --server $url --model bench --family deepseek-r1 --problems $problems --positions 0.1,0.3,0.5,0.7,0.9 --kinds hard,force,speedup --samples 1 --concurrency 8 --seed 1 -o $out/sweep.mtlab" \
  > "$out/sweep-hyperfine.txt" 2>&1

"$cli" info "$out/sweep.mtlab"

python3 - "$out/sweep.json" "$items" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
items = int(sys.argv[2])
for name in ("curl", "sweep"):
    r = results[name]
    print(f"{name:6} {items} requests: wall {r['mean']:.3f} s = {1000 * r['mean'] / items:.3f} ms/item, "
          f"cpu {1000 * (r['user'] + r['system']) / items:.3f} ms/item")
c, s = results["curl"], results["sweep"]
# The server runs in another process, so the sweep's own CPU time per item is
# its overhead: rendering, streaming, splitting, writing the lab file.
print(f"sweep overhead: {1000 * (s['user'] + s['system']) / items:.3f} ms CPU per item "
      f"(target < 1 ms); a bare request from a fresh curl process costs "
      f"{1000 * (c['user'] + c['system']) / items:.3f} ms CPU")
print(f"sweep wall per item at concurrency 8: {1000 * s['mean'] / items:.3f} ms "
      f"(curl: {1000 * c['mean'] / items:.3f} ms)")
PY
