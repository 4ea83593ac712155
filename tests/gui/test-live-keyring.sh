#!/bin/bash
# API keys in a real keyring: a private session bus (dbus-run-session) and
# gnome-keyring-daemon, unlocked with a known password, in a throwaway
# home; then test-live-keyring (MT_TEST_LIVE_KEYRING, set by meson) under
# Xvfb. TAP from test-live-keyring.
set -u

exe=${MT_TEST_LIVE_KEYRING:-}

if [ -z "$exe" ] || [ ! -x "$exe" ]; then
  echo "1..0 # SKIP MT_TEST_LIVE_KEYRING does not name the test-live-keyring to run"; exit 0
fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "1..0 # SKIP $tool not found (apt install dbus-daemon gnome-keyring)"; exit 0
  fi
done
run=()
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "1..0 # SKIP no display and no xvfb-run"; exit 0
  fi
  run=(xvfb-run -a -s "-screen 0 1280x800x24")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mt-test-keyring.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home/data" "$tmp/run"
chmod 700 "$tmp/run"

# Inside the private bus: a keyring daemon whose login keyring is created
# and unlocked with the password on stdin, then the test.
export MT_KEYRING_RUN=$tmp/run
export MT_KEYRING_HOME=$tmp/home
exec dbus-run-session -- bash -c '
  export HOME=$MT_KEYRING_HOME XDG_DATA_HOME=$MT_KEYRING_HOME/data
  export XDG_RUNTIME_DIR=$MT_KEYRING_RUN
  eval "$(printf "%s" "midthought-test-password" |
          gnome-keyring-daemon --unlock --components=secrets)"
  daemon=$GNOME_KEYRING_PID
  "$@"
  status=$?
  [ -n "${daemon:-}" ] && kill "$daemon" 2>/dev/null
  exit $status
' keyring "${run[@]}" "$exe"
