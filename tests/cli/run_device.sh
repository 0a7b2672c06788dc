#!/bin/sh
# blrescue against blrescue-emu over a pseudo-terminal: info, read (whole, part, stdout),
# verify (match, mismatch, --diff), range errors. The emulator holds the PineCone fixture.
. "$(dirname "$0")/lib.sh"
need_emu

make_loader
cp "$FIX_PINE" "$T/flash.bin"
start_emu "$T/flash.bin"
B="-p $PORT --loader $LOADER"

# shellcheck disable=SC2086
run $B info
check "info: exit 0" rc_is 0
check "info: flash size 2 MiB" out_has '^flash size: *2 MiB (2097152 bytes)'
check "info: JEDEC id of the emulated GD25Q16" out_has '^flash JEDEC: *C8 40 15'
check "info: MAC in display order" out_has '^MAC: *02:42:60:2b:00:01'
check "info: chip id, ROM and loader lines" sh -c "grep -q '^chip id: *[0-9a-f]\{16\}' '$T/out' && grep -q '^ROM version:' '$T/out' && grep -q '^loader:' '$T/out'"
check "info: flash vendor named" out_has '^flash part: *GigaDevice'
check "info: ROM version read when the loader is uploaded" out_has '^ROM version: *0x00000001'

# shellcheck disable=SC2086
run $B info --json
check "info --json: exit 0" rc_is 0
if command -v python3 >/dev/null 2>&1; then
	check "info --json: valid JSON with flash_size, flash_jedec and mac" python3 -c "
import json,sys
d=json.load(open('$T/out'))
assert d['flash_size']==2097152, d
assert d['flash_jedec']=='C84015', d
assert d['mac']=='02:42:60:2b:00:01', d
assert len(d['chip_id'])==16
assert d['loader_was_running'] is True, d
assert d['rom_version'] is None, d  # not read when the loader was already running
"
else
	check "info --json: flash_size and jedec" sh -c "grep -q '\"flash_size\": 2097152' '$T/out' && grep -q '\"flash_jedec\": \"C84015\"' '$T/out'"
fi

# A port name that is not plain ASCII (valid UTF-8, then a byte outside UTF-8): still valid
# JSON, the UTF-8 kept as it is, the stray byte escaped as \u00ff (src/cli/json.h).
LINK="$T/$(printf 'port-caf\303\251-\377')"
ln -s "$PORT" "$LINK"
run -p "$LINK" --loader "$LOADER" info --json
check "info --json: a port name with bytes >= 0x80 gives valid JSON naming it" python3 -c "
import json,sys
d=json.loads(open('$T/out','rb').read().decode('utf-8'))
assert d['port'].endswith('/port-caf\u00e9-\u00ff'), d['port']
"
rm -f "$LINK"

# shellcheck disable=SC2086
run $B read "$T/full.bin"
check "read: exit 0" rc_is 0
check "read: whole flash equals the fixture byte for byte" cmp -s "$T/full.bin" "$FIX_PINE"
check "read: printed SHA-256 matches sha256sum of the file" \
	sh -c "[ \"\$(cut -d' ' -f1 '$T/out')\" = \"$(sha "$FIX_PINE")\" ] && grep -q '  $T/full.bin\$' '$T/out'"
check "read: no temp file left next to the output" sh -c "[ \$(ls -A '$T' | grep -c partial) -eq 0 ]"
check "read: plain progress lines on a non-terminal stderr" err_has '^Reading: 100%'

# shellcheck disable=SC2086
run $B dump "$T/full2.bin" -q
check "dump alias, -q: exit 0, same bytes, no progress" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/full2.bin' '$FIX_PINE' && ! grep -q 'Reading:' '$T/err'"

dd if="$FIX_PINE" of="$T/want.bin" bs=4096 skip=1 count=2 2>/dev/null
# shellcheck disable=SC2086
run $B read "$T/part.bin" --start 0x1000 --size 8k
check "read --start 0x1000 --size 8k: the 8 KiB at 0x1000" sh -c "[ $RC -eq 0 ] && cmp -s '$T/part.bin' '$T/want.bin'"
# shellcheck disable=SC2086
run $B read "$T/part3.bin" --addr 0x1000 --size 8k
check "read --addr 0x1000 --size 8k: the same 8 KiB" sh -c "[ $RC -eq 0 ] && cmp -s '$T/part3.bin' '$T/want.bin'"
# shellcheck disable=SC2086
run $B read "$T/part2.bin" --start 4k --end 0x3000
check "read --start 4k --end 0x3000 (exclusive): the same 8 KiB" sh -c "[ $RC -eq 0 ] && cmp -s '$T/part2.bin' '$T/want.bin'"
dd if="$FIX_PINE" of="$T/want3.bin" bs=1 skip=1000 count=333 2>/dev/null
# shellcheck disable=SC2086
run $B read "$T/odd.bin" --start 1000 --size 333
check "read an unaligned 333 bytes at 1000 (decimal)" sh -c "[ $RC -eq 0 ] && cmp -s '$T/odd.bin' '$T/want3.bin'"

# shellcheck disable=SC2086
"$BLRESCUE" $B read - --start 0x1000 --size 0x2000 >"$T/stdout.bin" 2>"$T/err"
RC=$?
check "read - : data on stdout only, messages and SHA-256 on stderr" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/stdout.bin' '$T/want.bin' && grep -q \"^$(sha "$T/want.bin")  -\" '$T/err'"

# ---- outputs that are not plain new files ----
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from-fifo.bin" &
CPID=$!
# shellcheck disable=SC2086
run $B read "$T/fifo" --addr 0x1000 --size 8k
# a reader still waiting means nothing was written: release it (bounded, never a hang)
kill -0 "$CPID" 2>/dev/null && timeout 2 sh -c ": >'$T/fifo'"
wait "$CPID"
check "read into a FIFO: written as a stream (exit 0), the FIFO still a FIFO" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/from-fifo.bin' '$T/want.bin' && [ -p '$T/fifo' ]"
# shellcheck disable=SC2086
"$BLRESCUE" $B read /dev/fd/3 --addr 0x1000 --size 8k 3>"$T/fd3.bin" >"$T/out" 2>"$T/err"
RC=$?
check "read /dev/fd/3 (a redirection): exit 0, the data there" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/fd3.bin' '$T/want.bin'"
# shellcheck disable=SC2086
("$BLRESCUE" $B read /dev/fd/3 --addr 0x1000 --size 8k 3>&1 >"$T/out" 2>"$T/err"; echo $? >"$T/rc") | cat >"$T/piped.bin"
check "read /dev/fd/3 that is a pipe (as 'read >(xz > b.xz)' gives): exit 0, the data through it" \
	sh -c "[ \$(cat '$T/rc') -eq 0 ] && cmp -s '$T/piped.bin' '$T/want.bin'"
echo old >"$T/real.bin"
ln -s real.bin "$T/link.bin"
# shellcheck disable=SC2086
run $B read "$T/link.bin" --addr 0x1000 --size 8k
check "read onto a symbolic link without --force: refused (exit 73), nothing changed" \
	sh -c "[ $RC -eq 73 ] && [ -L '$T/link.bin' ] && [ \"\$(cat '$T/real.bin')\" = old ]"
# shellcheck disable=SC2086
run $B read "$T/link.bin" --addr 0x1000 --size 8k --force
check "read onto a symbolic link with --force: the link kept, the file it names replaced" \
	sh -c "[ $RC -eq 0 ] && [ -L '$T/link.bin' ] && cmp -s '$T/real.bin' '$T/want.bin' && [ \$(ls -A '$T' | grep -c partial) -eq 0 ]"
mkdir -p "$T/sub"
ln -s sub/new.bin "$T/dangling.bin"
# shellcheck disable=SC2086
run $B read "$T/dangling.bin" --addr 0x1000 --size 8k --force
check "read onto a dangling link with --force: the file it names created, the link kept" \
	sh -c "[ $RC -eq 0 ] && [ -L '$T/dangling.bin' ] && cmp -s '$T/sub/new.bin' '$T/want.bin'"

# ---- free space checked before a long read (a 256 KiB file system, if one can be made) ----
mkdir -p "$T/small"
if unshare -rm sh -c "mount -t tmpfs -o size=256k tmpfs '$T/small'" 2>/dev/null; then
	# shellcheck disable=SC2086
	unshare -rm sh -c "mount -t tmpfs -o size=256k tmpfs '$T/small' && exec '$BLRESCUE' $B read '$T/small/dump.bin'" >"$T/out" 2>"$T/err"
	RC=$?
	check "read of 2 MiB into a 256 KiB file system: refused before reading (exit 73), both sizes named" \
		sh -c "[ $RC -eq 73 ] && grep -q 'needs 2 MiB' '$T/err' && grep -q 'free' '$T/err' && ! grep -q '^Reading' '$T/err'"
else
	skip "free space checked before a read" "cannot mount a small tmpfs (unshare -rm)"
fi

echo keep >"$T/exists.bin"
# shellcheck disable=SC2086
run $B read "$T/exists.bin" --size 4k
check "read refuses to overwrite an existing file: exit 73, untouched" \
	sh -c "[ $RC -eq 73 ] && [ \"\$(cat '$T/exists.bin')\" = keep ]"
# shellcheck disable=SC2086
run $B read "$T/exists.bin" --size 4k --force
check "read --force replaces it" sh -c "[ $RC -eq 0 ] && [ \$(wc -c <'$T/exists.bin') -eq 4096 ]"

# shellcheck disable=SC2086
run $B read "$T/past.bin" --start 0x1ff000 --size 0x2000
check "read past the end of the flash: exit 64, no file" \
	sh -c "[ $RC -eq 64 ] && grep -q 'past the end' '$T/err' && [ ! -e '$T/past.bin' ]"
# shellcheck disable=SC2086
run $B read "$T/past.bin" --start 2M
check "read starting at the flash size: exit 64" rc_is 64

# ---- verify ----
# shellcheck disable=SC2086
run $B verify "$FIX_PINE"
check "verify the same image: exit 0, match" sh -c "[ $RC -eq 0 ] && grep -q '^match' '$T/out'"
# shellcheck disable=SC2086
run $B verify "$T/want.bin" --addr 0x1000
check "verify a part at --addr 0x1000: exit 0" rc_is 0
cp "$FIX_PINE" "$T/changed.bin"
printf 'X' | dd of="$T/changed.bin" bs=1 seek=$((0x3010)) conv=notrunc 2>/dev/null
printf 'YY' | dd of="$T/changed.bin" bs=1 seek=$((0x10ffe)) conv=notrunc 2>/dev/null
printf 'Z' | dd of="$T/changed.bin" bs=1 seek=$((0x11005)) conv=notrunc 2>/dev/null
# shellcheck disable=SC2086
run $B verify "$T/changed.bin"
check "verify a changed image: exit 1, MISMATCH" sh -c "[ $RC -eq 1 ] && grep -q '^MISMATCH' '$T/out'"
# shellcheck disable=SC2086
run $B verify "$T/changed.bin" --diff
check "verify --diff: exit 1, sector 0x3000 alone, 0x10000 and 0x11000 merged into one range" \
	sh -c "[ $RC -eq 1 ] && grep -q '^3 of 512 sectors differ' '$T/out' && [ \"\$(grep '^  0x' '$T/out' | tr -s ' ' | tr '\n' '|')\" = ' 0x00003000-0x00003fff 1 sector| 0x00010000-0x00011fff 2 sectors|' ]"
head -c 3145728 /dev/zero >"$T/big.bin"
# shellcheck disable=SC2086
run $B verify "$T/big.bin"
check "verify a file larger than the flash: exit 65" sh -c "[ $RC -eq 65 ] && grep -q 'does not fit' '$T/err'"
check "... the message names where it would end, like write's" \
	err_has 'it would end at 0x300000, the flash ends at 0x200000'

# ---- verbosity ----
# shellcheck disable=SC2086
run $B -vvv read "$T/v.bin" --size 4k
check "-vvv: frame-level trace on stderr" sh -c "[ $RC -eq 0 ] && grep -q '^\[trace\]' '$T/err'"

# shellcheck disable=SC2086
run $B -v info -q
check "-v: library info messages on stderr" sh -c "[ $RC -eq 0 ] && grep -q '^\[info\]' '$T/err'"
# shellcheck disable=SC2086
run $B info
check "default verbosity: no library info or trace lines" sh -c "[ $RC -eq 0 ] && ! grep -q '^\[\(info\|debug\|trace\)\]' '$T/err'"
# shellcheck disable=SC2086
run $B --before dtr-rts --after dtr-rts info
check "--before/--after dtr-rts on a pty (no modem lines): still works" \
	sh -c "[ $RC -eq 0 ] && grep -q 'reset: -dtr,rts' '$T/err'"
# shellcheck disable=SC2086
run $B --before "rts,w10,-rts" info
check "--before with a custom step string" rc_is 0

# A terminal on stderr gets a redrawn progress bar with rate and ETA.
if command -v script >/dev/null 2>&1; then
	rm -f "$T/tty.bin"
	script -q -c "'$BLRESCUE' -p '$PORT' --loader '$LOADER' read '$T/tty.bin' --size 256k" "$T/typescript" >/dev/null 2>&1
	tty_bar() {
		CR=$(printf '\r')
		grep -q "${CR}Reading   \[=*>* *\] *[0-9]*%" "$T/typescript" &&
			grep -q '100%  256.0 KiB / 256.0 KiB  .*B/s' "$T/typescript" &&
			head -c 262144 "$FIX_PINE" | cmp -s - "$T/tty.bin"
	}
	check "progress bar on a terminal: redrawn in place with bytes, rate and ETA" tty_bar
else
	skip "progress bar on a terminal" "script(1) not installed"
fi

stop_emu
finish
