#!/bin/sh
# Concatenates the shared real trace files, over and over, into one JSONL of
# at least SIZE_MB megabytes (default 250). Usage: make-big.sh OUT [SIZE_MB]
set -eu
out=$1
size_mb=${2:-250}
here=$(dirname "$0")
data=${MT_SHARED_DATA:-$here/../../shared/data}
files=$(ls "$data"/traces/*/*.jsonl)

mkdir -p "$(dirname "$out")"
: > "$out"
while [ "$(stat -c %s "$out")" -lt $((size_mb * 1024 * 1024)) ]; do
  cat $files >> "$out"
done
echo "$out: $(stat -c %s "$out") bytes, $(wc -l < "$out") lines"
