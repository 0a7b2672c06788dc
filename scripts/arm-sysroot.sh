#!/bin/sh
# A private sysroot with Debian's -dev libraries the project needs (OpenSSL, zlib, liblzma,
# cmocka) for a foreign architecture, used by cross/{aarch64,arm}-linux-gnu*.ini. The .debs are
# fetched with a private apt state (scripts/apt-private.sh) and unpacked with dpkg-deb -x:
# no `dpkg --add-architecture`, no multiarch version coupling with the host's libraries, nothing
# on the system changes. libc comes from libc6-dev-ARCH-cross. Does nothing when DIR is complete.
# Usage: arm-sysroot.sh ARCH DIR        e.g. arm-sysroot.sh armhf /tmp/blrescue-cross/sysroot-armhf
set -eu
ARCH=$1 SR=$2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/apt-private.sh"
if [ -f "$SR/.complete" ]; then
  echo "arm-sysroot: $ARCH in $SR (reused)"
  exit 0
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/arm-sysroot.XXXXXX")
trap 'rm -rf "$W"' EXIT
S=$(apt_suite)
apt_private "$W/apt" "deb [signed-by=$APT_KEYRING] $APT_MIRROR/debian $S main
deb [signed-by=$APT_KEYRING] $APT_MIRROR/debian-security $S-security main"
# A suite whose index fails to download is left out (apt exits 100): main alone is enough.
apt_p -o APT::Architecture="$ARCH" -o APT::Architectures::="$ARCH" -qq update ||
  echo "arm-sysroot: an index failed to download (continuing with what arrived)"
mkdir -p "$W/debs" "$SR"
cd "$W/debs"
apt_p -o APT::Architecture="$ARCH" -o APT::Architectures::="$ARCH" -qq download \
  libssl-dev libssl3 zlib1g-dev zlib1g liblzma-dev liblzma5 libcmocka-dev libcmocka0
for d in *.deb; do dpkg-deb -x "$d" "$SR"; done
# Debian's absolute dev symlinks (usr/lib/T/libz.so -> /lib/T/libz.so.1) must stay inside DIR.
find "$SR" -type l | while read -r l; do
  t=$(readlink "$l")
  case $t in /*) ln -sfn "$SR$t" "$l" ;; esac
done
ls "$W/debs" >"$SR/.complete"
echo "arm-sysroot: $ARCH in $SR: $(ls "$W/debs" | tr '\n' ' ')"
