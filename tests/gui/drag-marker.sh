#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Drags with the real pointer: test-timeline runs this while its main loop
# turns, so GTK sees the same X events a user's mouse makes.
#
# drag-marker.sh TITLE X0 Y0 X1 Y1 [MODIFIER]
#   presses button 1 at (X0, Y0) of the window named TITLE, moves to
#   (X1, Y1) in steps and releases there, holding MODIFIER (e.g. shift)
#   throughout when given. Coordinates are relative to the window.

set -eu

if [ $# -lt 5 ]; then
  echo "usage: $0 TITLE X0 Y0 X1 Y1 [MODIFIER]" >&2
  exit 2
fi

title=$1
x0=$2
y0=$3
x1=$4
y1=$5
modifier=${6:-}
steps=8

window=$(xdotool search --sync --onlyvisible --name "^$title\$" | head -n 1)
if [ -z "$window" ]; then
  echo "no window named $title" >&2
  exit 1
fi

xdotool mousemove --sync --window "$window" "$x0" "$y0"
sleep 0.1
if [ -n "$modifier" ]; then
  xdotool keydown "$modifier"
fi
xdotool mousedown 1
sleep 0.1

# Several motions, as a hand makes, rather than one jump: the gesture must
# follow along, not only see where the pointer ended up.
i=1
while [ "$i" -le "$steps" ]; do
  x=$((x0 + (x1 - x0) * i / steps))
  y=$((y0 + (y1 - y0) * i / steps))
  xdotool mousemove --window "$window" "$x" "$y"
  sleep 0.05
  i=$((i + 1))
done

sleep 0.1
xdotool mouseup 1
if [ -n "$modifier" ]; then
  xdotool keyup "$modifier"
fi
