#!/bin/sh
# The library as a user gets it: `meson install` into a staging directory, then a program
# built against the installed headers and library with `pkg-config --cflags --libs blrescue`
# (shared, and static with --static) reads 64 KiB from blrescue-emu. Also: the shared
# library exports exactly the functions declared in the installed headers, and has a soname.
# Env (tests/install/meson.build): BLR_BUILD_ROOT, BLR_SOURCE_ROOT, BLRESCUE_EMU, MKLOADER,
# MKIMAGE, BLR_SANITIZE, BLR_VERSION, CC.
set -u
N=0
FAILED=0
T=$(mktemp -d "${TMPDIR:-/tmp}/blr-install.XXXXXX") || exit 1
EMU_PID=""
trap 'kill $EMU_PID 2>/dev/null; rm -rf "$T"' EXIT
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"; sed 's/^/#   /' "$T/log" 2>/dev/null | head -n 20; }
check() { d=$1; shift; if "$@" >"$T/log" 2>&1; then ok "$d"; else not_ok "$d"; fi; }
finish() { echo "1..$N"; [ "$FAILED" -eq 0 ]; exit $?; }

if [ "${BLR_SANITIZE:-none}" != none ]; then
	echo "1..0 # SKIP the installed library is built with sanitizers ($BLR_SANITIZE): a plain program cannot link it"
	exit 0
fi
CC=${CC:-cc}
D="$T/dest"
check "meson install into a staging directory" \
	meson install -C "$BLR_BUILD_ROOT" --destdir "$D" --no-rebuild --quiet
PC=$(find "$D" -name blrescue.pc | head -n 1)
check "blrescue.pc installed" test -n "$PC"
check "public headers installed" sh -c "ls '$D'/*/*/include/blrescue/blrescue.h '$D'/*/*/include/blrescue/image.h"
export PKG_CONFIG_PATH="$(dirname "$PC")" PKG_CONFIG_SYSROOT_DIR="$D"
LIBDIR=$(dirname "$(dirname "$PC")")
SO=$(ls "$LIBDIR"/libblrescue.so.* 2>/dev/null | head -n 1)
check "shared library with a soname" sh -c "readelf -d '$SO' | grep -q 'SONAME.*libblrescue.so.0'"
# Every exported function is declared in an installed header, and every one starts with blr_.
nm -D --defined-only "$SO" | awk '$2 == "T" { print $3 }' | sed 's/@.*//' | sort -u >"$T/exported"
cat "$D"/*/*/include/blrescue/*.h | grep -oE '\bblr_[a-z0-9_]+\(' | tr -d '(' | sort -u >"$T/declared"
check "exports only the public API (blr_* declared in the headers)" \
	sh -c "comm -23 '$T/exported' '$T/declared' | tee /dev/stderr | grep -q . && exit 1; test -s '$T/exported'"
check "every declared function is exported" sh -c "comm -13 '$T/exported' '$T/declared' | tee /dev/stderr | grep -q . && exit 1; exit 0"
check "a program builds with pkg-config --cflags --libs blrescue" \
	sh -c "$CC -std=c11 -Wall -Wextra -Werror '$BLR_SOURCE_ROOT/tests/install/prog.c' \$(pkg-config --cflags --libs blrescue) -o '$T/prog'"
check "... and links the shared library" sh -c "readelf -d '$T/prog' | grep -q 'NEEDED.*libblrescue.so.0'"
check "a program builds against the static library (pkg-config --static)" \
	sh -c "$CC -std=c11 -Wall -Werror '$BLR_SOURCE_ROOT/tests/install/prog.c' \$(pkg-config --cflags blrescue) '$LIBDIR/libblrescue.a' \$(pkg-config --static --libs blrescue | sed 's/-lblrescue//') -o '$T/prog-static'"

"$MKLOADER" "$T/loader.bin" >/dev/null
"$MKIMAGE" "$T/flash.bin" a >/dev/null
"$BLRESCUE_EMU" --flash "$T/flash.bin" >"$T/emu.out" 2>"$T/emu.err" &
EMU_PID=$!
i=0
while [ $i -lt 100 ] && [ ! -s "$T/emu.out" ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(head -n 1 "$T/emu.out")
WANT=$(head -c 65536 "$T/flash.bin" | sha256sum | cut -d' ' -f1)
for p in prog prog-static; do
	LD_LIBRARY_PATH="$LIBDIR" "$T/$p" "$PORT" "$T/loader.bin" >"$T/$p.out" 2>"$T/log"
	check "$p reads the emulator's flash (sha256 of the first 64 KiB)" grep -q "^sha256 $WANT\$" "$T/$p.out"
done
check "blr_version() is the project version" grep -q "^version $BLR_VERSION\$" "$T/prog.out"
finish
