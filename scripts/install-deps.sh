#!/bin/sh
# Install the named Debian packages that are not installed yet (apt-get, with sudo when not
# root). Used by scripts/test.sh, scripts/demo.sh and .ci/run: a fresh Debian 12 has none of
# the build tools, not even meson. Exit status 1 if it could not.
if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: not a Debian system; these (or their equivalents) must be installed: $*"
  exit 0
fi
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
echo "installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "could not install:$missing (not root, no sudo)"; exit 1; }
  SUDO="sudo"
fi
log=$(mktemp) || exit 1
# env: sudo would drop DEBIAN_FRONTEND from the environment.
if $SUDO apt-get update -qq >"$log" 2>&1 &&
   $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >>"$log" 2>&1; then
  rm -f "$log"
  exit 0
fi
tail -n 20 "$log"
rm -f "$log"
echo "could not install:$missing"
exit 1
