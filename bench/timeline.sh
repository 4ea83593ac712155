#!/bin/sh
# The timeline's frame cost at 1920x200 px for 4k, 32k and 128k reasoning
# tokens (mt-bench-timeline, see timeline-speed.c), the whole trace in view:
# the scene the widget builds after the view moves by one token (what a
# frame costs the app), and the whole frame
# with the renderer, under Xvfb with the default renderer (GL, software
# there) and with the cairo renderer. The 4k trace is the baseline: the
# cost must not grow with the number of tokens.
# Usage: bench/timeline.sh [BUILD_DIR] [FRAMES]   (needs xvfb-run)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../_build}
frames=${2:-500}
bench=$build/src/gui/mt-bench-timeline
out=$here/out
mkdir -p "$out"

[ -x "$bench" ] || { echo "build first: $bench is missing" >&2; exit 1; }

run () {
  GSK_RENDERER=$1 GTK_A11Y=none GSETTINGS_BACKEND=memory \
    xvfb-run -a -s "-screen 0 2000x400x24" "$bench" 1920 200 "$frames" 4000 32000 128000 \
    2>/dev/null
}

for renderer in gl cairo; do
  run $renderer | tee "$out/timeline-$renderer.txt"
done

python3 - "$out/timeline-gl.txt" "$out/timeline-cairo.txt" <<'PY'
import re, sys
for path in sys.argv[1:]:
    rows = {}
    for line in open(path):
        m = re.match(r"\s*(\d+) tokens\s+(.+?)\s+mean\s+([\d.]+) ms\s+p99\s+([\d.]+) ms", line)
        if m:
            rows[(int(m[1]), m[2])] = (float(m[3]), float(m[4]))
    for what in ("snapshot, view moved", "frame, view moved"):
        base = rows[(4000, what)][0]
        ratios = ", ".join(f"{n // 1000}k {rows[(n, what)][0] / base:.2f}x"
                           for n in (32000, 128000))
        print(f"{path.rsplit('-', 1)[1][:-4]:5} {what:20} mean vs 4k: {ratios}")
    nodes = {}
    for line in open(path):
        m = re.match(r"\s*(\d+) tokens\s+render nodes per frame, view moved: (\d+)", line)
        if m:
            nodes[int(m[1])] = int(m[2])
    if nodes:
        print(f"{'':5} render nodes per frame: " +
              ", ".join(f"{n // 1000}k {c}" for n, c in sorted(nodes.items())))
    mean, p99 = rows[(32000, "snapshot, view moved")]
    print(f"{'':5} 32k scene target < 2 ms per frame: mean {mean:.2f} ms, p99 {p99:.2f} ms: "
          f"{'met' if mean < 2 else 'NOT met'}")
PY
