#!/bin/sh
# Times `midthought-cli stats` on a ~250 MB JSONL of real traces against, in
# the same hyperfine run, a Python script doing the core of the same job
# (baseline-stats.py: parse, split, count the marker lexicons with `re`,
# extract boxed answers). Prints the ratio; the target is at least 3x.
# Usage: bench/stats.sh [BUILD_DIR]   (needs hyperfine; build optimized)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../_build}
cli=$build/src/cli/midthought-cli
out=$here/out
big=$out/big.jsonl
mkdir -p "$out"

[ -f "$big" ] || sh "$here/make-big.sh" "$big" 250
size=$(stat -c %s "$big")

# Warm the page cache so both contenders read from memory; the Python side
# takes minutes, so three runs and no warm-up run.
cat "$big" > /dev/null

hyperfine --runs 3 --export-json "$out/stats.json" \
  --command-name "python" "python3 $here/baseline-stats.py $big" \
  --command-name "midthought-cli stats" "$cli stats $big" > "$out/hyperfine-stats.txt"

python3 - "$out/stats.json" "$size" "$(nproc)" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
size, cores = int(sys.argv[2]), sys.argv[3]
cli, py = results["midthought-cli stats"], results["python"]
print(f"file: {size / 1e6:.0f} MB, {cores} cores")
print(f"python: {py['mean']:.2f} s (user {py['user']:.2f} s)   "
      f"midthought-cli stats: {cli['mean']:.2f} s (user {cli['user']:.2f} s)")
print(f"speed-up over python: {py['mean'] / cli['mean']:.1f}x (target >= 3x)")
PY
