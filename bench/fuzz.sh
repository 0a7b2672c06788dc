#!/bin/sh
# Long fuzzing run (not a test): builds the libFuzzer harnesses with clang under
# AddressSanitizer + UndefinedBehaviorSanitizer (-Dfuzzing=true, as scripts/test.sh does, in
# build-fuzz/) and runs each one for BLR_FUZZ_RUNS executions (default 1000000), one after the
# other, starting from a copy of its seed corpus fuzz/corpus/NAME/. Prints one line per harness
# with the number of executions; a crash leaves its input in build-fuzz/crash-NAME-* (add it to
# fuzz/corpus/NAME/ once fixed, so that the replay test keeps it).
# Usage: sh bench/fuzz.sh [NAME...]     (from anywhere; default: every harness)
set -u
cd "$(dirname "$0")/.." || exit 2
runs=${BLR_FUZZ_RUNS:-1000000}

command -v clang >/dev/null 2>&1 || { echo "bench/fuzz.sh: clang is needed"; exit 2; }
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzzing=true -Dtests=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false >build-fuzz.setup.log 2>&1 ||
    { cat build-fuzz.setup.log; exit 1; }
fi
meson compile -C build-fuzz >build-fuzz.compile.log 2>&1 || { cat build-fuzz.compile.log; exit 1; }

if [ $# -eq 0 ]; then
  set -- $(for f in build-fuzz/fuzz/fuzz_*; do [ -x "$f" ] && [ -f "$f" ] && echo "${f##*/fuzz_}"; done)
fi
status=0
for name in "$@"; do
  fz=build-fuzz/fuzz/fuzz_$name
  log=build-fuzz/fuzz-$name.log
  work=$(mktemp -d)
  cp -r "fuzz/corpus/$name/." "$work/" 2>/dev/null
  start=$(date +%s)
  # -close_fd_mask=2: the option harness's messages would flood the log (libFuzzer's own
  # output still arrives); -timeout: one input running 10 s counts as a hang
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    "$fz" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/crash-$name-" "$work" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  secs=$(($(date +%s) - start))
  if [ "$rc" -eq 0 ]; then
    echo "fuzz $name: ${execs:-?} executions in ${secs} s, corpus $(ls "$work" | wc -l) inputs: ok"
  else
    tail -n 40 "$log"
    echo "fuzz $name: CRASH after ${execs:-?} executions (rc $rc; input in build-fuzz/crash-$name-*)"
    status=1
  fi
  rm -rf "$work"
done
exit $status
