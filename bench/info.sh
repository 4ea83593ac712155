#!/bin/sh
# Times `midthought-cli info` on a ~250 MB JSONL of real traces against, in
# the same run, a Python script doing the same job (baseline-info.py) and
# `wc -l` (the I/O floor), and measures peak RSS. Prints ratios.
# Usage: bench/info.sh [BUILD_DIR]   (needs hyperfine and GNU time)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../_build}
cli=$build/src/cli/midthought-cli
out=$here/out
big=$out/big.jsonl
mkdir -p "$out"

[ -f "$big" ] || sh "$here/make-big.sh" "$big" 250
size=$(stat -c %s "$big")

# Warm the page cache so every contender reads from memory.
cat "$big" > /dev/null

hyperfine --warmup 1 --runs 5 --export-json "$out/info.json" \
  --command-name "wc -l" "wc -l $big" \
  --command-name "python" "python3 $here/baseline-info.py $big" \
  --command-name "midthought-cli info" "$cli info $big" > "$out/hyperfine.txt"

rss_kb=$(/usr/bin/time -f %M "$cli" info "$big" 2>&1 >/dev/null | tail -n 1)

python3 - "$out/info.json" "$size" "$rss_kb" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
size, rss_kb = int(sys.argv[2]), int(sys.argv[3])
cli, py, wc = results["midthought-cli info"], results["python"], results["wc -l"]
print(f"file: {size / 1e6:.0f} MB")
print(f"wc -l: {wc:.3f} s   python: {py:.3f} s   midthought-cli info: {cli:.3f} s")
print(f"speed-up over python: {py / cli:.1f}x (target >= 3x)")
print(f"cost over wc -l: {cli / wc:.1f}x (target <= 4x)")
print(f"peak RSS: {rss_kb / 1024:.0f} MB = {rss_kb * 1024 / size:.2f}x the file (target <= 1.5x)")
PY
