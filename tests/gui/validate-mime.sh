#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds a MIME database from the merged package alone and checks that it
# defines the lab type with its glob.
set -eu

package="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/packages"
cp "$package" "$tmp/packages/"
update-mime-database "$tmp"

test -f "$tmp/application/x-midthought-lab.xml"
grep -q '^application/x-midthought-lab:\*\.mtlab$' "$tmp/globs"
