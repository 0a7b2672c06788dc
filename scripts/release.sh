#!/bin/sh
# Release files, built from the committed tree (git archive of HEAD into a temporary directory,
# so that nothing uncommitted or untracked gets in):
#   blrescue-V-windows-x86_64.zip   blrescue.exe (static: imports system DLLs only), the man page
#                                   as text and HTML (mandoc), README.md, LICENSE
#   blrescue-V-linux-x86_64         static executables (glibc, libcrypto, zlib and liblzma
#   blrescue-V-linux-arm64          linked in): 64-bit PCs, 64-bit Raspberry Pi OS,
#   blrescue-V-linux-armhf          32-bit Raspberry Pi OS
#   SHA256SUMS                      "sha256  name" for each of them
# Reproducible: the whole set is built twice, in two directories of different paths, and the
# script fails unless both give the same bytes (meson.build maps the paths away; PE files have
# no time stamp; the zip has fixed times, order and attributes). Each program is then run once
# (--version): natively, under qemu-user, under wine.
#
# Usage: scripts/release.sh [OUTDIR]          (default: release/ in the checkout)
# Environment: BLR_CROSS_DEPS     what scripts/test-cross.sh prepares (default /tmp/blrescue-cross)
#              BLR_RELEASE_TARGETS  (default "windows linux-x86_64 linux-arm64 linux-armhf")
#              BLR_RELEASE_CHECK=0  builds once (no reproducibility check)
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
OUT=${1:-$ROOT/release}
DEPS=${BLR_CROSS_DEPS:-/tmp/blrescue-cross}
TARGETS=${BLR_RELEASE_TARGETS:-windows linux-x86_64 linux-arm64 linux-armhf}
VERSION=$(sed -n "s/^  version : '\([^']*\)',\$/\1/p" meson.build)
COMMIT=$(git rev-parse --short HEAD) || exit 2
die() { echo "release: $*" >&2; exit 1; }
[ -n "$VERSION" ] || die "no version in meson.build"
[ -z "$(git status --porcelain)" ] ||
  echo "note: the working tree has changes; the release is built from HEAD ($COMMIT) without them"
# Every time in the zip is the commit's (the zip format's local time, written as UTC).
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct HEAD)
export SOURCE_DATE_EPOCH

# ---- tools and what Debian does not ship for the cross targets -----------------------------
pkgs="git gcc pkg-config meson ninja-build cmake dpkg-dev python3 mandoc binutils libssl-dev
  zlib1g-dev liblzma-dev"
case " $TARGETS " in *" windows "*)
  pkgs="$pkgs gcc-mingw-w64-x86-64-win32 libz-mingw-w64-dev binutils-mingw-w64-x86-64" ;; esac
case " $TARGETS " in *" linux-arm64 "*) pkgs="$pkgs gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;; esac
case " $TARGETS " in *" linux-armhf "*) pkgs="$pkgs gcc-arm-linux-gnueabihf libc6-dev-armhf-cross" ;; esac
# shellcheck disable=SC2086
sh scripts/install-deps.sh $pkgs || die "could not install the build tools"
mkdir -p "$DEPS" || die "cannot create $DEPS"
exec 9>"$DEPS/.lock"
flock -n 9 || { echo "waiting for another run that uses $DEPS"; flock 9; }
for t in $TARGETS; do
  case $t in
  windows) sh scripts/mingw-deps.sh "$DEPS/mingw" >"$DEPS/release-mingw.log" 2>&1 ||
    { tail -n 20 "$DEPS/release-mingw.log"; die "scripts/mingw-deps.sh failed"; } ;;
  linux-arm64 | linux-armhf)
    a=${t#linux-}
    sh scripts/arm-sysroot.sh "$a" "$DEPS/sysroot-$a" >"$DEPS/release-$a.log" 2>&1 ||
      { tail -n 20 "$DEPS/release-$a.log"; die "scripts/arm-sysroot.sh $a failed"; } ;;
  linux-x86_64) ;;
  *) die "unknown target $t" ;;
  esac
done

W=$(mktemp -d "${TMPDIR:-/tmp}/blrescue-release.XXXXXX") || exit 2
trap 'rm -rf "$W"' EXIT

# zip_dir DIR ZIP: the files below DIR (one folder, its name the top folder in the zip), sorted,
# with the commit's time, fixed attributes (755 for .exe, 644 otherwise), deflated.
zip_dir() {
  python3 - "$1" "$2" <<'PY'
import os, sys, time, zipfile
top, out = sys.argv[1], sys.argv[2]
when = max(int(os.environ['SOURCE_DATE_EPOCH']), 315532800)  # the zip format starts in 1980
stamp = time.gmtime(when)[:6]
base = os.path.dirname(top)
names = sorted(os.path.relpath(os.path.join(d, f), base)
               for d, _, fs in os.walk(top) for f in fs)
with zipfile.ZipFile(out, 'w') as z:
    for n in names:
        info = zipfile.ZipInfo(n.replace(os.sep, '/'), stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = (0o100755 if n.endswith('.exe') else 0o100644) << 16
        with open(os.path.join(base, n), 'rb') as f:
            z.writestr(info, f.read(), compresslevel=9)
PY
}

# build_set DIR: every target from a fresh copy of HEAD into DIR/dist. Returns 1 on failure.
build_set() {
  d=$1
  mkdir -p "$d/src" "$d/dist" || return 1
  git archive --format=tar HEAD | tar -xf - -C "$d/src" || return 1
  printf "[constants]\ndeps = '%s'\n" "$DEPS" >"$d/deps.ini"
  for t in $TARGETS; do
    b=$d/build-$t
    case $t in
    windows) cross="--cross-file $d/src/cross/x86_64-w64-mingw32.ini" strip=x86_64-w64-mingw32-strip ;;
    linux-x86_64) cross="" strip=strip ;;
    linux-arm64) cross="--cross-file $d/src/cross/aarch64-linux-gnu.ini" strip=aarch64-linux-gnu-strip ;;
    linux-armhf) cross="--cross-file $d/src/cross/arm-linux-gnueabihf.ini" strip=arm-linux-gnueabihf-strip ;;
    esac
    [ -z "$cross" ] || cross="$cross --cross-file $d/deps.ini"
    # static: the cross file says so for Windows; -static replaces the ARM files' link options
    # (rpath-link, needed only for shared libraries)
    # shellcheck disable=SC2086
    (cd "$d/src" && meson setup "$b" $cross --buildtype=release -Dtests=disabled \
      -Dxz=enabled -Ddefault_library=static -Dprefer_static=true \
      $( [ "$t" = windows ] || echo -Dc_link_args=-static ) &&
      meson compile -C "$b" src/cli/blrescue) >"$b.log" 2>&1 ||
      { tail -n 30 "$b.log"; echo "release: the $t build failed (log: $b.log)"; return 1; }
    case $t in
    windows)
      z=$d/zip/blrescue-$VERSION-windows-x86_64
      mkdir -p "$z"
      $strip -o "$z/blrescue.exe" "$b/src/cli/blrescue.exe" || return 1
      # the man page as plain text (mandoc's bold and underline overstrikes removed) and HTML
      mandoc -T utf8 "$b/doc/blrescue.1" | sed "s/.$(printf '\b')//g" >"$z/blrescue.txt" &&
        mandoc -T html "$b/doc/blrescue.1" >"$z/blrescue.html" || return 1
      cp "$d/src/README.md" "$d/src/LICENSE" "$z/" || return 1
      zip_dir "$z" "$d/dist/blrescue-$VERSION-windows-x86_64.zip" || return 1 ;;
    *) $strip -o "$d/dist/blrescue-$VERSION-$t" "$b/src/cli/blrescue" || return 1 ;;
    esac
  done
  (cd "$d/dist" && sha256sum -- * >SHA256SUMS)
}

echo "building blrescue $VERSION ($COMMIT): $TARGETS"
build_set "$W/a" || die "build failed"
if [ "${BLR_RELEASE_CHECK:-1}" != 0 ]; then
  echo "building it again elsewhere (reproducibility check)"
  build_set "$W/second-build-in-a-longer-path" || die "second build failed"
  if ! diff -r "$W/a/dist" "$W/second-build-in-a-longer-path/dist" >"$W/diff" 2>&1; then
    cat "$W/diff"
    die "two builds of the same commit differ: not reproducible"
  fi
  echo "reproducible: both builds gave the same bytes"
fi

# ---- what the files need, and do they run -------------------------------------------------
status=0
for f in "$W/a/dist"/blrescue-*; do
  n=${f##*/}
  case $n in
  *windows*.zip)
    python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extract('blrescue-$VERSION-windows-x86_64/blrescue.exe', sys.argv[2])" "$f" "$W/x"
    exe=$W/x/blrescue-$VERSION-windows-x86_64/blrescue.exe
    dlls=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\tDLL Name: //p' | tr '\n' ' ')
    echo "$n: blrescue.exe imports $dlls"
    run="wine $exe" ;;
  *)
    need=$(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    if [ -n "$need" ]; then echo "$n: NOT static, needs $need"; status=1; else echo "$n: static"; fi
    case $n in
    *arm64) run="qemu-aarch64 $f" ;;
    *armhf) run="qemu-arm $f" ;;
    *) run="$f" ;;
    esac ;;
  esac
  if command -v "${run%% *}" >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    v=$(WINEDEBUG=-all $run --version </dev/null 2>/dev/null | tr -d '\r' | tr '\n' ' ')
    case $v in
    "blrescue $VERSION xz writes: yes "*) echo "  runs: $v" ;;
    *) echo "  --version said: '$v'"; status=1 ;;
    esac
  else
    echo "  (not run: ${run%% *} is not installed)"
  fi
done
[ "$status" -eq 0 ] || die "a release file is not what it should be"

mkdir -p "$OUT" || die "cannot create $OUT"
cp "$W/a/dist"/* "$OUT/" || die "cannot copy to $OUT"
echo "release files in $OUT:"
(cd "$OUT" && ls -l $(cut -d' ' -f3 SHA256SUMS) SHA256SUMS && cat SHA256SUMS)
