#!/bin/sh
# Build the two mingw-w64 libraries Debian does not package, cmocka and liblzma, from Debian's
# own source packages, into PREFIX as static libraries with .pc files (cross/x86_64-w64-mingw32.ini
# looks in PREFIX/lib/pkgconfig). The system's apt sources are not touched: the deb-src lines
# live in a private apt state (scripts/apt-private.sh). Does nothing when PREFIX is complete.
# Usage: mingw-deps.sh PREFIX        Needs: gcc-mingw-w64-x86-64-win32 cmake ninja-build dpkg-dev
set -eu
PREFIX=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/apt-private.sh"
if [ -f "$PREFIX/.complete" ]; then
  echo "mingw-deps: $(cat "$PREFIX/.complete") in $PREFIX (reused)"
  exit 0
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/mingw-deps.XXXXXX")
trap 'rm -rf "$W"' EXIT
S=$(apt_suite)
apt_private "$W/apt" "deb-src [signed-by=$APT_KEYRING] $APT_MIRROR/debian $S main
deb-src [signed-by=$APT_KEYRING] $APT_MIRROR/debian-security $S-security main"
apt_p -qq update || echo "mingw-deps: an index failed to download (continuing with what arrived)"
mkdir -p "$W/src" "$PREFIX/lib/pkgconfig" "$PREFIX/include"
cd "$W/src"
apt_p -qq source cmocka xz-utils >"$W/source.log" 2>&1 || { cat "$W/source.log"; exit 1; }

pc() { # NAME VERSION LIB: a static .pc file
  printf 'prefix=%s\nName: %s\nDescription: %s (static, mingw-w64, from Debian source)\nVersion: %s\nLibs: -L${prefix}/lib -l%s\nCflags: -I${prefix}/include\n' \
    "$PREFIX" "$1" "$1" "$2" "$3" >"$PREFIX/lib/pkgconfig/$1.pc"
}

# cmocka: one C file; the HAVE_* set that cmocka's own CMake checks find for mingw-w64.
C=$(ls -d cmocka-*/ | head -n 1)
CV=${C#cmocka-}; CV=${CV%/}
x86_64-w64-mingw32-gcc -std=gnu99 -O2 -I"$C/include" -DHAVE_MALLOC_H -DHAVE_INTTYPES_H \
  -DHAVE_SIGNAL_H -DHAVE_STRINGS_H -DHAVE_GCC_THREAD_LOCAL_STORAGE -DHAVE_STRUCT_TIMESPEC \
  -c "$C/src/cmocka.c" -o cmocka.o
rm -f "$PREFIX/lib/libcmocka.a"
x86_64-w64-mingw32-ar rcD "$PREFIX/lib/libcmocka.a" cmocka.o
cp "$C/include/cmocka.h" "$PREFIX/include/"
pc cmocka "$CV" cmocka

# liblzma: xz's own CMake build, the library target only, static.
X=$(ls -d xz-utils-*/ | head -n 1)
cat >toolchain.cmake <<TC
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
TC
cmake -S "$X" -B xz-build -G Ninja -DCMAKE_TOOLCHAIN_FILE="$W/src/toolchain.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF >/dev/null
cmake --build xz-build --target liblzma -j"$(nproc)" >/dev/null
cp xz-build/liblzma.a "$PREFIX/lib/"
rm -rf "$PREFIX/include/lzma"
cp -r "$X/src/liblzma/api/lzma.h" "$X/src/liblzma/api/lzma" "$PREFIX/include/"
XV=$(sed -n 's/^#define LZMA_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' \
  "$X/src/liblzma/api/lzma/version.h" | paste -sd.)
pc liblzma "$XV" lzma
echo "cmocka $CV, liblzma $XV" >"$PREFIX/.complete"
echo "mingw-deps: cmocka $CV, liblzma $XV in $PREFIX"
