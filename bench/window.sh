#!/bin/sh
# The window with the ~250 MB file from make-big.sh (mt-bench-window, see
# window-speed.c): time until the sidebar lists the traces, then how long
# a search, every verdict and a verdict filter take, each with the longest
# the main loop went without turning meanwhile. The baseline, in the same
# run, is `midthought-cli info` reading the same file (parsing alone).
# Usage: bench/window.sh [BUILD_DIR] [SEARCH]   (needs xvfb-run)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../_build}
search=${2:-wait}
bench=$build/src/gui/mt-bench-window
cli=$build/src/cli/midthought-cli
big=$here/out/big.jsonl

[ -x "$bench" ] || { echo "build first: $bench is missing" >&2; exit 1; }
[ -f "$big" ] || "$here/make-big.sh" "$big"

start=$(date +%s.%N)
"$cli" info "$big" > /dev/null
end=$(date +%s.%N)
echo "baseline: midthought-cli info $(basename "$big"): $(echo "$end - $start" | bc) s"

GTK_A11Y=none GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=$build/data \
  xvfb-run -a -s "-screen 0 1280x800x24" "$bench" "$big" "$search" 2>/dev/null
