#!/bin/sh
# Runs a libFuzzer target for a bounded time on a scratch copy of its seed
# corpus (the committed corpus is never written to).
# Usage: run-fuzzer.sh FUZZER CORPUS SECONDS
set -eu
fuzzer=$1
corpus=$2
seconds=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r "$corpus"/. "$scratch"/
# libFuzzer exits 77 on a finding by default, which meson reads as a skip.
exec "$fuzzer" "$scratch" -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 \
  -error_exitcode=1 -artifact_prefix="${TMPDIR:-/tmp}/$(basename "$fuzzer")-"
