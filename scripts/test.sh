#!/bin/sh
# The project's test command (README "Tests"): installs what it needs on a Debian machine,
# checks the C formatting, builds twice (plain, and with AddressSanitizer +
# UndefinedBehaviorSanitizer), runs every suite in both builds and a short libFuzzer run, and
# ends with the line "N passed, N failed, N skipped" (individual test cases, counted from the
# TAP output of every test program), followed by the skipped ones by name. Tests that need the
# real dumps of ../shared/fixtures skip when it is absent (a public clone); a skip is never a pass.
# With BLR_CROSS=1 (.ci/run sets it) it also runs scripts/test-cross.sh: the Windows build under
# wine and the arm64/armhf builds under qemu-user, whose counts are listed per target above the
# last line and added to it. A plain 'sh scripts/test.sh' stays Linux-only and quick.
set -u
cd "$(dirname "$0")/.." || exit 2

sh scripts/install-deps.sh gcc libc6-dev pkg-config meson ninja-build libcmocka-dev libssl-dev \
  zlib1g-dev liblzma-dev mandoc clang-format || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

status=0
passed=0
failed=0
skipped=0
skiplist=$(mktemp) || exit 2
trap 'rm -f "$skiplist"' EXIT

# One counted test: every C file conforms to .clang-format (clang-format -i FILE fixes one).
format_check() {
  if ! command -v clang-format >/dev/null 2>&1; then
    echo "ok - clang-format check # SKIP clang-format not installed"
    printf '  format: clang-format check [clang-format not installed]\tsources\n' >>"$skiplist"
    skipped=$((skipped + 1))
    return
  fi
  files=$(git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null) ||
    files=$(find . -path './build*' -prune -o -name '*.[ch]' -print)
  bad=""
  n=0
  for f in $files; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
  done
  if [ -z "$bad" ]; then
    echo "ok - clang-format: $n C files conform to .clang-format"
    passed=$((passed + 1))
  else
    echo "not ok - clang-format: not formatted (run clang-format -i on them):$bad"
    failed=$((failed + 1)); status=1
  fi
}

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
  # TAP result lines of every test program; "# SKIP" ones (tests/tap_skip.sh makes cmocka's
  # "not ok N # SKIP" an "ok") are counted apart and listed as "test: case [reason]".
  set -- $(awk -v dir="$dir" -v list="$skiplist" '
    /^test: / { t = $0; sub(/^test: +([^ ]* \/ )?/, "", t) }
    /^(not )?ok( |$)/ {
      if (toupper($0) ~ /# SKIP/) {
        s++; c = $0; sub(/^(not )?ok [0-9]* *(- )?/, "", c)
        i = index(toupper(c), "# SKIP"); r = substr(c, i + 6); c = substr(c, 1, i - 1)
        sub(/ +$/, "", c); sub(/^ +/, "", r)
        print "  " t ": " c " [" r "]\t" dir >> list
      } else if ($0 ~ /^ok/) p++; else f++
    }
    END { print p + 0, f + 0, s + 0 }' "$dir/meson-logs/testlog.txt" 2>/dev/null || echo 0 0 0)
  echo "$dir: $1 test cases ok, $2 not ok, $3 skipped (meson test exit $mt)"
  passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3))
  # A program that crashed or failed without printing "not ok" still counts as one failure.
  if [ "$mt" -ne 0 ] && [ "$2" -eq 0 ]; then failed=$((failed + 1)); fi
  [ "$mt" -eq 0 ] || status=1
}

format_check
run_build build
run_build build-asan -Db_sanitize=address,undefined -Db_lundef=false

# libFuzzer smoke run: every harness for BLR_FUZZ_SECONDS (default 10) on a copy of its seed
# corpus. Needs clang and libclang-rt-14-dev (.ci/run installs them); one skip when absent.
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
  why="no clang or libclang-rt-14-dev (.ci/run installs them)"
  [ "$fuzz_seconds" -gt 0 ] || why="BLR_FUZZ_SECONDS=0"
  echo "ok - libFuzzer smoke run # SKIP $why"
  printf '  fuzz: libFuzzer smoke run [%s]\tbuild-fuzz\n' "$why" >>"$skiplist"
  skipped=$((skipped + 1))
fi

# Soak, short version (bench/soak.sh; the bench default is 1000 cases): BLR_SOAK_CASES (100)
# seeded fault cases against blrescue-emu. One test point: no silent corruption, hang or crash,
# and every case with a byte fault rate of 1/20000 or rarer correct. BLR_SOAK_CASES=0: a skip.
soak_cases=${BLR_SOAK_CASES:-100}
if [ "$soak_cases" -gt 0 ]; then
  if sh bench/soak.sh -n "$soak_cases" -j 2 -B build >build-soak.log 2>&1; then
    echo "ok - soak $soak_cases cases: $(awk '$1 == "all" { print $4 " correct, " $5 " clean failures" }' build-soak.log)"
    passed=$((passed + 1))
  else
    cat build-soak.log
    echo "not ok - soak $soak_cases cases (build-soak.log)"
    failed=$((failed + 1)); status=1
  fi
else
  echo "ok - soak # SKIP BLR_SOAK_CASES=0"
  printf '  soak: bench/soak.sh [BLR_SOAK_CASES=0]\tbuild\n' >>"$skiplist"
  skipped=$((skipped + 1))
fi

# Cross builds (scripts/test-cross.sh): its log in build-cross.log, failures shown here, the
# counts per target kept for the end, skips listed with the others.
cross_counts=""
if [ "${BLR_CROSS:-0}" = 1 ]; then
  sh scripts/test-cross.sh >build-cross.log 2>&1
  grep '^not ok' build-cross.log
  set -- $(sed -n 's/^cross: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
    build-cross.log)
  if [ $# -eq 3 ]; then
    passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3))
    [ "$2" -eq 0 ] || status=1
  else
    tail -n 30 build-cross.log
    echo "not ok - scripts/test-cross.sh ended without its counts (build-cross.log)"
    failed=$((failed + 1)); status=1
  fi
  cross_counts=$(sed -n 's/^# \(windows\|arm64\|armhf\|native\): /\1: /p' build-cross.log)
  awk '/^ok [0-9]+ - .*# SKIP/ { t = $4; c = $0; sub(/^ok [0-9]+ - [^ ]+ /, "", c)
      i = index(c, "# SKIP"); r = substr(c, i + 6); c = substr(c, 1, i - 1)
      sub(/ +$/, "", c); sub(/^ +/, "", r); print "  " c " [" r "]\t" t }' \
    build-cross.log >>"$skiplist"
fi

[ -z "$cross_counts" ] || echo "$cross_counts"
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$skipped" -gt 0 ]; then
  echo "skipped:"
  awk -F '\t' '!($1 in b) { k[n++] = $1; b[$1] = $2; next } { b[$1] = b[$1] ", " $2 }
    END { for (i = 0; i < n; i++) print k[i] " (" b[k[i]] ")" }' "$skiplist"
fi
[ "$failed" -eq 0 ] || status=1
exit $status
