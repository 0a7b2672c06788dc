#!/bin/sh
# Install the named Debian packages that are not installed yet (apt-get, with sudo when not
# root). Used by scripts/test.sh, scripts/demo.sh and .ci/run. Exit status 1 if it could not.
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq >/dev/null &&
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null || {
    echo "could not install:$missing"; exit 1; }
