#!/bin/sh
# Downloads the sample traces listed in a manifest (data/samples.txt: sha256,
# path, URL per line) with curl into a folder, by default
# ${XDG_CACHE_HOME:-~/.cache}/midthought/samples, and checks each file's
# sha256. A file already there with the right hash is kept. A file whose hash
# is wrong is deleted and the script fails, so nothing unchecked is left.
# Prints the folder on success.
# Usage: fetch-samples.sh [MANIFEST [FOLDER]]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
manifest=${1:-$here/samples.txt}
dest=${2:-${XDG_CACHE_HOME:-$HOME/.cache}/midthought/samples}

fail () {
  echo "fetch-samples: $*" >&2
  exit 1
}

[ -r "$manifest" ] || fail "cannot read the manifest $manifest"
command -v curl >/dev/null || fail "curl is missing: install it (apt-get install curl)"
command -v sha256sum >/dev/null || fail "sha256sum is missing: install coreutils"

sum_of () {
  sha256sum "$1" | cut -d ' ' -f 1
}

grep -v -e '^#' -e '^[[:space:]]*$' "$manifest" | while read -r sum path url; do
  [ -n "$url" ] || fail "malformed line in $manifest: $sum $path"
  case $path in
    /*|*..*) fail "unsafe path in $manifest: $path" ;;
  esac
  target=$dest/$path
  if [ -f "$target" ] && [ "$(sum_of "$target")" = "$sum" ]; then
    continue
  fi
  dir=$(dirname "$target")
  made_dir=
  [ -d "$dir" ] || made_dir=1
  mkdir -p "$dir"
  part=$target.part
  if ! curl -fsSL --connect-timeout 20 --retry 2 -o "$part" "$url"; then
    rm -f "$part"
    [ -z "$made_dir" ] || rmdir "$dir" 2>/dev/null || true
    fail "could not download $url (check the network and run again)"
  fi
  got=$(sum_of "$part")
  if [ "$got" != "$sum" ]; then
    rm -f "$part" "$target"
    [ -z "$made_dir" ] || rmdir "$dir" 2>/dev/null || true
    fail "$url: sha256 is $got, expected $sum; the download was deleted"
  fi
  mv "$part" "$target"
done

echo "$dest"
