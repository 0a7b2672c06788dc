#!/bin/sh
# The README's first command: on a fresh machine, with no chip attached, install what is
# missing, build, start the chip emulator with a sample device, and show a complete backup
# and restore the way a user would run it:
#   info -> read (backup) -> check -> write another firmware (with --backup) -> verify
#   -> verify --diff against the old backup -> restore the backup -> verify.
# The flash loader is a synthetic test image built here (blrescue never ships Bouffalo's).
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
# The build directory the README names (./build/src/cli/blrescue ...).
BUILD=${BUILD:-build}
# The test suite runs this script on its own build: DEMO_SKIP_SETUP=1 installs and builds
# nothing, BUILD may be absolute, DEMO_FIXTURES overrides where the sample dumps are looked for.
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac

if [ "${DEMO_SKIP_SETUP:-0}" != 1 ]; then
	sh "$ROOT/scripts/install-deps.sh" gcc pkg-config meson ninja-build libcmocka-dev \
		libssl-dev zlib1g-dev liblzma-dev || exit 1

	echo "== building in $BUILD"
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" >"$BUILD.setup.log" 2>&1 || { cat "$BUILD.setup.log"; exit 1; }
	fi
	meson compile -C "$BUILD" >"$BUILD.compile.log" 2>&1 || { cat "$BUILD.compile.log"; exit 1; }
fi

BLRESCUE="$B/src/cli/blrescue"
EMU="$B/src/emu-main/blrescue-emu"
MKLOADER="$B/tests/cli/mkloader"
MKIMAGE="$B/tests/cli/mkimage"
for f in "$BLRESCUE" "$EMU" "$MKLOADER" "$MKIMAGE"; do
	[ -x "$f" ] || { echo "missing $f after the build"; exit 1; }
done

W=$(mktemp -d "${TMPDIR:-/tmp}/blrescue-demo.XXXXXX")
EMU_PID=""
cleanup() {
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FIX=${DEMO_FIXTURES:-$ROOT/../shared/fixtures}
if [ -f "$FIX/pinecone-factory-2m.bin" ] && [ -f "$FIX/openbeken-full-2m.bin" ]; then
	cp "$FIX/pinecone-factory-2m.bin" "$W/device.bin"
	cp "$FIX/openbeken-full-2m.bin" "$W/openbeken.bin"
	echo "== sample device: a PineCone board's factory flash (2 MiB); new firmware: OpenBeken"
else
	# No real dumps here: two generated, complete and bootable 2 MiB images.
	"$MKIMAGE" "$W/device.bin" a && "$MKIMAGE" "$W/openbeken.bin" b || exit 1
	echo "== sample device: a generated 2 MiB BL602 image (fixtures not found); new firmware:"
	echo "   another generated image (saved as openbeken.bin)"
fi
"$MKLOADER" "$W/eflash_loader_40m.bin" || exit 1
# The emulator's timing model makes transfers take as long as on a real chip at the chosen
# baud (the 2 MiB backup: about 7 s at 2 Mbaud). DEMO_FAST=1 turns it off.
TIMING="--timing"
[ "${DEMO_FAST:-0}" = 1 ] && TIMING=""

"$EMU" --flash "$W/device.bin" $TIMING >"$W/emu.out" 2>"$W/emu.err" &
EMU_PID=$!
i=0
PORT=""
while [ $i -lt 100 ]; do
	PORT=$(head -n 1 "$W/emu.out" 2>/dev/null)
	[ -n "$PORT" ] && [ -e "$PORT" ] && break
	sleep 0.05
	i=$((i + 1))
done
[ -n "$PORT" ] || { echo "the emulator did not start"; cat "$W/emu.err"; exit 1; }
echo "== blrescue-emu is a BL602 in download mode on $PORT"

# What a user types (with a real adapter: -p /dev/ttyUSB0 and the loader from Dev Cube).
export BLRESCUE_PORT="$PORT"
export BLRESCUE_LOADER="$W/eflash_loader_40m.bin"
cd "$W" || exit 1
step() {
	echo
	echo "\$ blrescue $*"
	"$BLRESCUE" "$@"
	rc=$?
	echo "(exit status $rc)"
	return $rc
}
fail() { echo; echo "DEMO FAILED: $1"; exit 1; }

step info || fail "info"
step read backup.bin || fail "read"
echo
echo "\$ sha256sum backup.bin device.bin   # the backup is the device's flash, byte for byte"
sha256sum backup.bin device.bin | sed 's/^/  /'
cmp -s backup.bin device.bin || fail "backup differs from the device's flash"
step check backup.bin || fail "check: the backup is not a complete, bootable dump"
step write openbeken.bin --backup before-restore.bin || fail "write"
step verify openbeken.bin || fail "verify after write"
step verify backup.bin --diff -q | head -n 8
echo "  ..."
step write backup.bin || fail "restore"
step verify backup.bin || fail "verify after restore"
echo
echo "== done: backed up, restored another firmware, restored the backup, verified by the"
echo "   chip's own SHA-256 each time. See 'blrescue help' and README.md."
echo "== the programs are in $BUILD:"
echo "   $BUILD/src/cli/blrescue, $BUILD/src/emu-main/blrescue-emu"
echo "   (man page: man $BUILD/doc/blrescue.1; 'meson install -C $BUILD' installs them)"
