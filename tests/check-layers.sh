#!/bin/sh
# The layers of DESIGN.md section 2: core links no GTK (nor libsoup, cairo or
# libadwaita), and no layer includes a header from a layer above it.
# Usage: check-layers.sh SOURCE_ROOT CORE_TEST_BINARY
set -u
root=$1
binary=$2
status=0

echo "1..3"

if ldd "$binary" | grep -E 'libgtk|libadwaita|libsoup|libcairo|libpango' >/dev/null; then
  echo "not ok 1 - a core-only binary links a library outside core's layer:"
  ldd "$binary" | grep -E 'libgtk|libadwaita|libsoup|libcairo|libpango' | sed 's/^/# /'
  status=1
else
  echo "ok 1 - core links no GTK, libadwaita, libsoup or cairo"
fi

bad=$(grep -lE '#include <(gtk/|adwaita|libsoup/|cairo|pango)' "$root"/src/core/*.[ch] 2>/dev/null)
if [ -n "$bad" ]; then
  echo "not ok 2 - core includes a header from outside its layer: $bad"
  status=1
else
  echo "ok 2 - core includes only GLib, GIO and json-glib"
fi

bad=$(grep -lE '#include <(gtk/|adwaita)' "$root"/src/live/*.[ch] "$root"/src/plot/*.[ch] "$root"/src/cli/*.[ch] 2>/dev/null)
if [ -n "$bad" ]; then
  echo "not ok 3 - live, plot or cli includes GTK: $bad"
  status=1
else
  echo "ok 3 - live, plot and cli include no GTK"
fi

exit $status
