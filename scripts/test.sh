#!/bin/sh
# The project's test command (README "Tests"): installs what it needs on a Debian machine,
# builds twice (plain, and with AddressSanitizer + UndefinedBehaviorSanitizer), runs every
# suite in both builds and ends with the line "N passed, N failed" (individual test cases,
# counted from the TAP output of every test program).
set -u
cd "$(dirname "$0")/.." || exit 2

sh scripts/install-deps.sh gcc pkg-config meson ninja-build libcmocka-dev libssl-dev \
  zlib1g-dev liblzma-dev mandoc || { echo "0 passed, 1 failed"; exit 1; }

status=0
passed=0
failed=0

run_build() { # dir, meson setup options...
  dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" -Dwerror=true "$@" >"$dir.setup.log" 2>&1 || {
      cat "$dir.setup.log"; echo "meson setup failed for $dir"; status=1; failed=$((failed+1)); return; }
  fi
  meson compile -C "$dir" >"$dir.compile.log" 2>&1 || {
    cat "$dir.compile.log"; echo "build failed in $dir"; status=1; failed=$((failed+1)); return; }
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    meson test -C "$dir" --print-errorlogs --num-processes 2
  mt=$?
  log="$dir/meson-logs/testlog.txt"
  p=$(grep -c -E '^ok( |$)' "$log" 2>/dev/null); p=${p:-0}
  f=$(grep -c -E '^not ok( |$)' "$log" 2>/dev/null); f=${f:-0}
  echo "$dir: $p test cases ok, $f not ok (meson test exit $mt)"
  passed=$((passed + p)); failed=$((failed + f))
  # A program that crashed or failed without printing "not ok" still counts as one failure.
  if [ "$mt" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
  [ "$mt" -eq 0 ] || status=1
}

run_build build
run_build build-asan -Db_sanitize=address,undefined -Db_lundef=false

# libFuzzer smoke run: every harness for BLR_FUZZ_SECONDS (default 10) on a copy of its seed
# corpus. Needs clang and libclang-rt-14-dev (.ci/run installs them); skipped when absent.
fuzz_seconds=${BLR_FUZZ_SECONDS:-10}
if [ "$fuzz_seconds" -gt 0 ] && command -v clang >/dev/null 2>&1 && \
   ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang meson setup build-fuzz -Dfuzzing=true -Dtests=disabled \
      -Db_sanitize=address,undefined -Db_lundef=false >build-fuzz.setup.log 2>&1 || {
        cat build-fuzz.setup.log; failed=$((failed+1)); status=1; }
  fi
  if meson compile -C build-fuzz >build-fuzz.compile.log 2>&1; then
    for fz in build-fuzz/fuzz/fuzz_*; do
      [ -f "$fz" ] && [ -x "$fz" ] || continue
      name=${fz##*/fuzz_}
      work=$(mktemp -d)
      cp -r "fuzz/corpus/$name/." "$work/" 2>/dev/null
      if UBSAN_OPTIONS=halt_on_error=1 "$fz" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
           -artifact_prefix="build-fuzz/crash-$name-" "$work" >"build-fuzz/$name.log" 2>&1; then
        echo "ok - fuzz $name ${fuzz_seconds}s ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$name.log" | grep -o '[0-9]*$') runs)"
        passed=$((passed+1))
      else
        tail -n 30 "build-fuzz/$name.log"
        echo "not ok - fuzz $name (reproducer in build-fuzz/crash-$name-*)"
        failed=$((failed+1)); status=1
      fi
      rm -rf "$work"
    done
  else
    cat build-fuzz.compile.log; echo "fuzz build failed"; failed=$((failed+1)); status=1
  fi
else
  echo "libFuzzer smoke run skipped (no clang/libclang-rt, or BLR_FUZZ_SECONDS=0)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
