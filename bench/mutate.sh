#!/bin/sh
# Mutation run over the real dumps (not a test): builds the library with AddressSanitizer +
# UndefinedBehaviorSanitizer (build-asan/, the options of the team's sanitizer build), compiles
# bench/mutate.c against it and sends BLR_MUTANTS (default 10000) seeded mutants of the
# fixtures through classify, inspect, check and scrub (see bench/mutate.c for what fails a
# mutant). Failing mutants land in build-asan/mutants/; make each a regression test or a
# fuzz/corpus/image/ entry once fixed.
# Usage: sh bench/mutate.sh [SEED]    (BLR_FIXTURES: the fixture directory, default
#                                      ../shared/fixtures; BLR_MUTATE_TIMEOUT: seconds per mutant)
set -u
cd "$(dirname "$0")/.." || exit 2
seed=${1:-1}
count=${BLR_MUTANTS:-10000}
timeout=${BLR_MUTATE_TIMEOUT:-20}
fixtures=${BLR_FIXTURES:-../shared/fixtures}

if [ ! -f build-asan/build.ninja ]; then
  meson setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
    >build-asan.setup.log 2>&1 || { cat build-asan.setup.log; exit 1; }
fi
# the static library holds src/common too
meson compile -C build-asan src/lib/blrescue:static_library >build-asan.compile.log 2>&1 ||
  { cat build-asan.compile.log; exit 1; }
${CC:-cc} -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
  -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Iinclude -Isrc bench/mutate.c \
  build-asan/src/lib/libblrescue.a $(pkg-config --libs libcrypto zlib liblzma) \
  -o build-asan/bench-mutate || exit 1
mkdir -p build-asan/mutants
start=$(date +%s)
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
  build-asan/bench-mutate "$seed" "$count" "$timeout" build-asan/mutants "$fixtures"/*.bin
rc=$?
echo "mutate: $(($(date +%s) - start)) s, exit $rc"
exit $rc
