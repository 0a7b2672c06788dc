#!/bin/sh
# The real blrescue binary: inspect, check, scrub, chips on the fixtures and on damaged
# copies; exit codes and files. Prints TAP.
set -u
BIN="${BLR_BUILD_ROOT:?}/src/cli/blrescue"
FIX="${BLR_FIXTURES:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
# expect CODE NAME CMD... : run, compare the exit status
expect() {
  want=$1; name=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"
  got=$?
  if [ "$got" -eq "$want" ]; then ok "$name"; else nok "$name (exit $got, want $want)"; sed 's/^/# /' "$T/err"; fi
}
has() { # has NAME PATTERN FILE
  if grep -q -- "$2" "$3"; then ok "$1"; else nok "$1"; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; } # skip NAME REASON, as tests/cli/lib.sh

PC="$FIX/pinecone-factory-2m.bin"
OB="$FIX/openbeken-full-2m.bin"
NOFIX=""
# A public clone has no ../shared/fixtures: generated bootable images stand in
# (tests/cli/mkimage), and the checks of what only the real dumps contain are skipped.
if [ ! -f "$PC" ] || [ ! -f "$OB" ]; then
  NOFIX="needs ../shared/fixtures (not in a public clone)"
  PC="$T/gen-pinecone.bin"
  OB="$T/gen-openbeken.bin"
  "$BLR_BUILD_ROOT/tests/cli/mkimage" "$PC" a && "$BLR_BUILD_ROOT/tests/cli/mkimage" "$OB" b ||
    { echo "Bail out! tests/cli/mkimage failed"; exit 1; }
  echo "# ../shared/fixtures not found: generated images stand in for the two dumps"
fi
fixture_has() { # as has, for what only the real dumps contain
  if [ -n "$NOFIX" ]; then skip "$1" "$NOFIX"; else has "$@"; fi
}

expect 0 "check pinecone" "$BIN" check "$PC"
has "check says bootable" "complete and bootable" "$T/out"
expect 0 "check openbeken --json" "$BIN" check --json "$OB"
has "json verdict" '"verdict":"ok"' "$T/out"
head -c 1048576 "$OB" >"$T/1m.bin"
expect 1 "check 1 MiB of a 2 MiB layout" "$BIN" check "$T/1m.bin"
has "truncated named" "truncated" "$T/out"
head -c 2097151 "$OB" >"$T/short.bin"
expect 1 "check 2 MiB - 1" "$BIN" check "$T/short.bin"
head -c 65536 /dev/zero | tr '\0' 'A' >"$T/text.bin"
expect 2 "check not a dump" "$BIN" check "$T/text.bin"
expect 0 "inspect not a dump" "$BIN" inspect "$T/text.bin"
has "inspect: no boot header at 0, said once" "magic MISSING: no boot header here" "$T/out"
if grep -q "revision" "$T/out"; then nok "inspect: no garbage revision decoded from a missing header"; else ok "inspect: no garbage revision decoded from a missing header"; fi
expect 66 "check missing file" "$BIN" check "$T/nope.bin"
truncate -s 67108865 "$T/huge.bin"
expect 65 "check a file larger than any flash: bad input data (65), like write" "$BIN" check "$T/huge.bin"
has "too large named" "too large" "$T/err"
expect 65 "inspect a file larger than any flash: 65" "$BIN" inspect "$T/huge.bin"
rm -f "$T/huge.bin"
expect 64 "check bad option" "$BIN" check --frobnicate "$PC"
# 'blrescue --help': global options are "accepted before or after the command"
expect 0 "check FILE -q (global option after an offline command)" "$BIN" check "$PC" -q
has "check -q still prints the verdict" "complete and bootable" "$T/out"
expect 0 "inspect -v FILE" "$BIN" inspect -v "$PC"
expect 0 "chips --quiet" "$BIN" chips --quiet
expect 64 "check with two files" "$BIN" check "$PC" "$OB"
expect 64 "scrub with one file" "$BIN" scrub "$PC"
expect 0 "check --help" "$BIN" check --help
has "check usage" "check" "$T/out"

expect 0 "inspect pinecone" "$BIN" inspect "$PC"
has "inspect names the size" "^$PC: 2097152 bytes (2 MiB)\$" "$T/out"
has "inspect lists PSM keys" "boot_times" "$T/out"
has "inspect shows factory" "factory" "$T/out"
expect 0 "inspect 2 MiB - 1" "$BIN" inspect "$T/short.bin"
has "inspect names an odd size once" "^$T/short.bin: 2097151 bytes\$" "$T/out"
expect 0 "inspect --json openbeken" "$BIN" inspect --json "$OB"
fixture_has "inspect json OBK key" '"key":"mY0bcFg"' "$T/out"
if command -v python3 >/dev/null 2>&1; then
  if python3 -m json.tool "$T/out" >/dev/null 2>&1; then ok "inspect json parses"; else nok "inspect json parses"; fi
fi

# A file name that is not plain ASCII: the JSON stays valid, the UTF-8 is kept as it is and
# the byte outside UTF-8 escaped (src/cli/json.h).
NB="$T/$(printf 'caf\303\251-\377.bin')"
cp "$OB" "$NB"
for c in inspect check; do
  expect 0 "$c --json on a file name with bytes >= 0x80" "$BIN" $c --json "$NB"
  if python3 -c "
import json
d=json.loads(open('$T/out','rb').read().decode('utf-8'))
assert d['file'].endswith('/caf\u00e9-\u00ff.bin'), d['file']
" 2>"$T/err"; then ok "$c --json names it in valid JSON"; else nok "$c --json names it in valid JSON"; sed 's/^/# /' "$T/err"; fi
done
rm -f "$NB"

expect 0 "scrub openbeken" "$BIN" scrub "$OB" "$T/clean.bin"
fixture_has "scrub reports fields" "mqtt_userName" "$T/out"
expect 0 "scrubbed copy checks" "$BIN" check "$T/clean.bin"
expect 73 "scrub refuses to overwrite" "$BIN" scrub "$OB" "$T/clean.bin"
expect 0 "scrub --force" "$BIN" scrub --force "$OB" "$T/clean.bin"
expect 73 "scrub into a missing directory: 73" "$BIN" scrub "$OB" "$T/no-dir/clean.bin"
has "scrub names the reason" "No such file or directory" "$T/err"
# a device node of our own when we may make one (root), so that a regression never replaces
# /dev/full itself (tests/cli/lib.sh, dev_node)
DEV=/dev/full
mknod "$T/dev-full" c 1 7 2>/dev/null && DEV="$T/dev-full"
expect 73 "scrub into a device (--force): refused" "$BIN" scrub --force "$OB" "$DEV"
has "scrub names the device" "is a device" "$T/err"
if [ -c "$DEV" ]; then ok "scrub left the device a device"; else nok "scrub left the device a device"; fi
echo old >"$T/target.bin"
ln -s target.bin "$T/link.bin"
expect 73 "scrub onto a symbolic link without --force: refused" "$BIN" scrub "$OB" "$T/link.bin"
expect 0 "scrub onto a symbolic link with --force" "$BIN" scrub --force "$OB" "$T/link.bin"
if [ -L "$T/link.bin" ] && cmp -s "$T/target.bin" "$T/clean.bin"; then ok "... the link kept, the file it names written"; else nok "... the link kept, the file it names written"; fi
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from-fifo.bin" &
CPID=$!
expect 0 "scrub into a FIFO" "$BIN" scrub "$OB" "$T/fifo"
kill -0 "$CPID" 2>/dev/null && timeout 2 sh -c ": >'$T/fifo'"
wait "$CPID"
if [ -p "$T/fifo" ] && cmp -s "$T/from-fifo.bin" "$T/clean.bin"; then ok "... written as a stream, the FIFO kept"; else nok "... written as a stream, the FIFO kept"; fi
cp "$T/clean.bin" "$T/same.bin"
expect 64 "scrub IN == OUT" "$BIN" scrub --force "$T/same.bin" "$T/same.bin"
if ls "$T" | grep -q tmp; then nok "no temp files left"; else ok "no temp files left"; fi

expect 0 "chips" "$BIN" chips
has "chips lists BL602C20" "BL602C20" "$T/out"
expect 0 "chips --json" "$BIN" chips --json
has "chips json" '"jedec":"ef4015"' "$T/out"

echo "1..$n"
[ "$fails" -eq 0 ]
