#!/bin/sh
# Reproducible builds: build the checkout twice, from copies in two directories of different
# absolute paths and lengths, and compare every program and library byte for byte (meson.build
# maps the source and build roots away with -ffile-prefix-map; PE files get no link time stamp).
# Usage: repro-check.sh [TARGET...]   TARGET: native windows arm64 armhf (default: the last three)
# The cross targets need what scripts/test-cross.sh prepares (BLR_CROSS_DEPS, default
# /tmp/blrescue-cross). Prints "SAME file" / "DIFF file" and ends with "repro: N same, N differ".
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
DEPS=${BLR_CROSS_DEPS:-/tmp/blrescue-cross}
W=$(mktemp -d "${TMPDIR:-/tmp}/repro.XXXXXX")
trap 'rm -rf "$W"' EXIT
printf "[constants]\ndeps = '%s'\n" "$DEPS" >"$W/deps.ini"
same=0 differ=0
for t in ${*:-windows arm64 armhf}; do
  case $t in
  native) cross="" ;;
  windows) cross="--cross-file $ROOT/cross/x86_64-w64-mingw32.ini --cross-file $W/deps.ini" ;;
  arm64) cross="--cross-file $ROOT/cross/aarch64-linux-gnu.ini --cross-file $W/deps.ini" ;;
  armhf) cross="--cross-file $ROOT/cross/arm-linux-gnueabihf.ini --cross-file $W/deps.ini" ;;
  *) echo "unknown target $t"; exit 2 ;;
  esac
  for d in "$W/a/src" "$W/bb-longer-path/source"; do
    mkdir -p "$d"
    git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - | tar -xf - -C "$d"
    # shellcheck disable=SC2086 # $cross is a list of options
    (cd "$d" && meson setup build $cross -Dtests=disabled >build.log 2>&1 &&
      meson compile -C build >>build.log 2>&1) || { tail -n 30 "$d/build.log"; exit 1; }
  done
  (cd "$W/a/src/build" && find . -type f \( -name '*.exe' -o -name '*.a' -o -perm -u+x \) \
    ! -path './meson-*' ! -name '*.p' | sort) >"$W/files"
  while read -r f; do
    if cmp -s "$W/a/src/build/$f" "$W/bb-longer-path/source/build/$f"; then
      echo "SAME $t ${f#./}"; same=$((same + 1))
    else
      echo "DIFF $t ${f#./}"; differ=$((differ + 1))
    fi
  done <"$W/files"
  rm -rf "$W/a" "$W/bb-longer-path"
done
echo "repro: $same same, $differ differ"
[ "$differ" -eq 0 ] && [ "$same" -gt 0 ]
