#!/bin/sh
# data/fetch-samples.sh against file:// URLs (no network in tests): the right
# hash passes and lands the file, a wrong hash fails and leaves nothing; with
# MT_SHARED_DATA, the real manifest's hashes match the shared copies.
# Usage: test-fetch-samples.sh SOURCE_ROOT
set -u
root=$1
script=$root/data/fetch-samples.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

echo "1..3"

printf '{"id":"t1","prompt":"What is 1 + 1?","reasoning":"One and one.","answer":"2"}\n' \
  > "$tmp/sample.jsonl"
sum=$(sha256sum "$tmp/sample.jsonl" | cut -d ' ' -f 1)
echo "$sum  repo/sample.jsonl  file://$tmp/sample.jsonl" > "$tmp/good.txt"
if out=$("$script" "$tmp/good.txt" "$tmp/good" 2>&1) \
   && [ "$out" = "$tmp/good" ] && cmp -s "$tmp/sample.jsonl" "$tmp/good/repo/sample.jsonl" \
   && [ ! -e "$tmp/good/repo/sample.jsonl.part" ]; then
  echo "ok 1 - the right hash lands the file and prints the folder"
else
  echo "not ok 1 - the right hash: $out"
  status=1
fi

echo "0000000000000000000000000000000000000000000000000000000000000000  repo/sample.jsonl  file://$tmp/sample.jsonl" \
  > "$tmp/bad.txt"
if out=$("$script" "$tmp/bad.txt" "$tmp/bad" 2>&1); then
  echo "not ok 2 - a wrong hash was accepted"
  status=1
elif [ -n "$(find "$tmp/bad" -type f 2>/dev/null)" ]; then
  echo "not ok 2 - a wrong hash left files behind: $(find "$tmp/bad" -type f)"
  status=1
elif ! echo "$out" | grep -q "sha256 is $sum, expected 0000"; then
  echo "not ok 2 - unclear message: $out"
  status=1
else
  echo "ok 2 - a wrong hash fails clearly and leaves nothing"
fi

if [ -z "${MT_SHARED_DATA:-}" ] || [ ! -d "$MT_SHARED_DATA/traces" ]; then
  echo "ok 3 # SKIP MT_SHARED_DATA is not set"
else
  grep -v -e '^#' -e '^[[:space:]]*$' "$root/data/samples.txt" | while read -r s p u; do
    echo "$s  $p  file://$MT_SHARED_DATA/traces/$p"
  done > "$tmp/shared.txt"
  if out=$("$script" "$tmp/shared.txt" "$tmp/shared" 2>&1); then
    echo "ok 3 - the manifest's hashes match the shared copies"
  else
    echo "not ok 3 - the manifest disagrees with the shared copies: $out"
    status=1
  fi
fi

exit $status
