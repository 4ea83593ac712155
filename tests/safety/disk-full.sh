#!/usr/bin/env bash
# Disk full (TAP): a small tmpfs, filled up, holds a lab. Saving a lab
# (import -o) and appending to one (sweep -o) must fail with a clear
# message, leave the existing lab byte for byte as it was, and leave no
# half-written file behind.
#
# Runs itself in a private mount namespace (unshare), so the tmpfs goes
# away with the script whatever happens; skips when that is not allowed.
#
# Usage: disk-full.sh [CLI]   (default $MT_CLI)
set -u

here=$(cd "$(dirname "$0")" && pwd)
cli=${1:-${MT_CLI:-}}
data=${MT_TEST_DATA:-$here/../data}

if [ -z "$cli" ] || [ ! -x "$cli" ]; then
  echo "1..0 # SKIP no midthought-cli: pass it or set MT_CLI"
  exit 0
fi

if [ "${MT_DISK_FULL_INSIDE:-}" != 1 ]; then
  export MT_DISK_FULL_INSIDE=1
  if [ "$(id -u)" = 0 ] && unshare --mount --propagation private true 2>/dev/null; then
    exec unshare --mount --propagation private "$0" "$cli"
  elif unshare --user --map-root-user --mount true 2>/dev/null; then
    exec unshare --user --map-root-user --mount "$0" "$cli"
  fi
  echo "1..0 # SKIP no private mount namespace for a small tmpfs (unshare is not permitted here)"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mt-disk-full-XXXXXX")
disk="$work/disk"
mkdir "$disk"
if ! mount -t tmpfs -o size=256k,mode=0755 tmpfs "$disk" 2>"$work/mount.err"; then
  echo "1..0 # SKIP mounting a tmpfs is not permitted: $(cat "$work/mount.err")"
  rm -rf "$work"
  exit 0
fi
server_pid=
cleanup () {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  umount "$disk" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "1..6"

# The lab the user already has, and a copy to compare with.
cp "$data/lab/small.mtlab" "$disk/lab.mtlab"
cp "$data/lab/small.mtlab" "$work/original.mtlab"

# Fill the disk to the last byte.
dd if=/dev/zero of="$disk/filler" bs=4k 2>/dev/null
dd if=/dev/zero of="$disk/filler-tail" bs=1 2>/dev/null

listing () {
  ls -A "$disk" | grep -v '^filler' | sort
}
before=$(listing)

# 1-2: Save As over the existing lab on a full disk.
traces="$data/paper-output.jsonl"
if "$cli" import "$traces" -o "$disk/lab.mtlab" >"$work/out" 2>&1; then
  echo "not ok 1 - import onto a full disk claimed success"
else
  if grep -q "No space left on device" "$work/out" && grep -q "lab.mtlab" "$work/out"; then
    echo "ok 1 - import onto a full disk fails with: $(tail -n 1 "$work/out")"
  else
    echo "not ok 1 - import onto a full disk failed without saying why"
    sed 's/^/# /' "$work/out"
  fi
fi
if cmp -s "$disk/lab.mtlab" "$work/original.mtlab" && [ "$(listing)" = "$before" ]; then
  echo "ok 2 - the existing lab is intact and no temporary or backup file is left"
else
  echo "not ok 2 - the disk changed: $(listing | tr '\n' ' ')"
fi

# 3: a new lab on a full disk: nothing half-written where the user asked.
if "$cli" import "$traces" -o "$disk/new.mtlab" >"$work/out" 2>&1 || [ -e "$disk/new.mtlab" ] ||
   [ "$(listing)" != "$before" ]; then
  echo "not ok 3 - a new lab on a full disk: $(listing | tr '\n' ' ')"
  sed 's/^/# /' "$work/out"
else
  echo "ok 3 - a new lab on a full disk is not created, nothing is left behind"
fi

# 4-6: a sweep appending to the lab, with room for a few lines only.
python3 "$here/fake-openai.py" "$work/port" --interval 5 --tokens 200 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 300); do
  [ -s "$work/port" ] && break
  sleep 0.1
done
if [ ! -s "$work/port" ]; then
  echo "Bail out! the fake server did not start: $(cat "$work/server.log")"
  exit 1
fi
for i in 1 2 3 4 5 6; do
  printf '{"id":"d%d","problem":"What is %d times 7?","answer":"%d"}\n' "$i" "$i" $((i * 7))
done > "$work/problems.jsonl"
# Free one page for the first records; the streams fill it.
rm -f "$disk/filler-tail"
truncate -s -4096 "$disk/filler"

if "$cli" sweep --server "http://127.0.0.1:$(cat "$work/port")/v1" --model fake \
     --family qwen3 --problems "$work/problems.jsonl" --positions 0.5 --kinds hard \
     --concurrency 2 -o "$disk/lab.mtlab" >"$work/out" 2>&1; then
  echo "not ok 4 - a sweep onto a full disk claimed success"
else
  if grep -q "No space left on device" "$work/out"; then
    echo "ok 4 - a sweep onto a full disk stops with: $(grep -m1 'No space' "$work/out")"
  else
    echo "not ok 4 - a sweep onto a full disk failed without saying why"
    sed 's/^/# /' "$work/out"
  fi
fi

# The old records are untouched, and what was added is whole lines.
size=$(stat -c %s "$work/original.mtlab")
if cmp -s -n "$size" "$disk/lab.mtlab" "$work/original.mtlab"; then
  echo "ok 5 - the lab's existing records are byte for byte as they were"
else
  echo "not ok 5 - the lab's existing records changed"
fi
if added=$(tail -c +"$((size + 1))" "$disk/lab.mtlab" | python3 -c '
import json, sys
data = sys.stdin.buffer.read()
if data and not data.endswith(b"\n"):
    sys.exit("a half-written line at the end")
lines = [l for l in data.split(b"\n") if l]
for l in lines:
    json.loads(l)
print(len(lines))' 2>&1) && "$cli" info "$disk/lab.mtlab" >/dev/null 2>&1; then
  echo "ok 6 - $added whole records were added and the lab reopens"
else
  echo "not ok 6 - the lab holds a half-written record: $added"
fi
