#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Renders a man page with every groff warning on and fails if there is any,
# since groff itself exits 0 on warnings. Skips (77) without groff.
command -v groff >/dev/null 2>&1 || { echo "groff is not installed" >&2; exit 77; }
warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$1" 2>&1) || { echo "$warnings" >&2; exit 1; }
[ -z "$warnings" ] || { echo "$warnings" >&2; exit 1; }
