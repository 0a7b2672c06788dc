#!/bin/sh
# write (with --backup, refusals, --force, partial), erase (aligned, --all), restoring the
# original afterwards: the backup and restore workflow against blrescue-emu.
. "$(dirname "$0")/lib.sh"
need_emu

make_loader
cp "$FIX_PINE" "$T/flash.bin"
start_emu "$T/flash.bin"
B="-p $PORT --loader $LOADER"

# shellcheck disable=SC2086
run $B write "$FIX_OBK" --backup "$T/backup.bin"
check "write OpenBeken image with --backup: exit 0" rc_is 0
check "write: summary names the verification" out_has 'verified by the chip'
check "--backup saved the previous contents (the PineCone image)" cmp -s "$T/backup.bin" "$FIX_PINE"
# shellcheck disable=SC2086
run $B verify "$FIX_OBK"
check "the chip now holds the OpenBeken image" rc_is 0
# shellcheck disable=SC2086
run $B read "$T/after.bin" -q
check "read back equals the OpenBeken image" cmp -s "$T/after.bin" "$FIX_OBK"

# shellcheck disable=SC2086
run $B write "$T/backup.bin"
check "restore the backup: exit 0" rc_is 0
# shellcheck disable=SC2086
run $B verify "$FIX_PINE"
check "the chip holds the PineCone image again" rc_is 0
# shellcheck disable=SC2086
run $B write "$FIX_PINE"
check "writing the same image again skips every sector" sh -c "[ $RC -eq 0 ] && grep -q '512 sectors, 512 unchanged, 0 erased, 0 bytes' '$T/out'"

head -c 8192 /dev/urandom >"$T/junk.bin"
# shellcheck disable=SC2086
run $B write "$T/junk.bin"
check "write a non-BL602 file at 0: refused, exit 65" \
	sh -c "[ $RC -eq 65 ] && grep -q 'not a complete, bootable BL602' '$T/err' && grep -q -- '--force' '$T/err'"
# shellcheck disable=SC2086
run $B verify "$FIX_PINE"
check "... and the chip is untouched" rc_is 0

# ---- a firmware image (an application for a FW slot) at 0: refused, named, its place given ----
tail -c +$((0x10000 + 1)) "$FIX_OBK" | head -c $((4096 + 787872)) >"$T/fw.bin"
# shellcheck disable=SC2086
run $B write "$T/fw.bin"
fcheck "write a firmware image at 0: refused (exit 65), named as one, with its version" \
	sh -c "[ $RC -eq 65 ] && grep -q 'fw.bin is a firmware image' '$T/err' && grep -q 'OpenBeken 1.18.57' '$T/err'"
check "... its place from the chip's partition table: the exact command line" \
	sh -c "grep -q \"0x10000 (slot 0 of the FW partition in the chip's partition table)\" '$T/err' && grep -q -x '  blrescue write $T/fw.bin --addr 0x10000' '$T/err'"
# shellcheck disable=SC2086
run $B verify "$FIX_PINE"
check "... and the chip is untouched" rc_is 0
# shellcheck disable=SC2086
run $B write "$T/fw.bin" --addr 0x10000 -q
check "the firmware image at the address named: written" rc_is 0
# shellcheck disable=SC2086
run $B write "$FIX_PINE" -q
check "(the PineCone image restored)" rc_is 0
head -c 2097151 "$FIX_PINE" >"$T/short.bin"
# shellcheck disable=SC2086
run $B write "$T/short.bin"
check "write a dump 1 byte short at 0: refused as suspicious, exit 65" rc_is 65

head -c 3145728 /dev/zero >"$T/big.bin"
# shellcheck disable=SC2086
run $B write "$T/big.bin" --force
check "write a 3 MiB file to a 2 MiB flash: exit 65 even with --force" \
	sh -c "[ $RC -eq 65 ] && grep -q 'does not fit the 2 MiB flash' '$T/err'"
# shellcheck disable=SC2086
run $B write "$T/junk.bin" --addr 0x1ff000
check "write 8 KiB at 0x1ff000: does not fit, exit 65" rc_is 65

# shellcheck disable=SC2086
run $B write "$T/junk.bin" --addr 0x100800 --backup "$T/part-backup.bin"
check "write 8 KiB at an unaligned address 0x100800 with --backup: exit 0" rc_is 0
dd if="$FIX_PINE" of="$T/part-want.bin" bs=2048 skip=$((0x100800 / 2048)) count=4 2>/dev/null
check "--backup holds exactly the old 8 KiB" cmp -s "$T/part-backup.bin" "$T/part-want.bin"
# shellcheck disable=SC2086
run $B read "$T/rb.bin" --start 0x100000 --size 0x3000 -q
dd if="$FIX_PINE" of="$T/edge-lo.bin" bs=2048 skip=$((0x100000 / 2048)) count=1 2>/dev/null
dd if="$FIX_PINE" of="$T/edge-hi.bin" bs=2048 skip=$((0x102800 / 2048)) count=1 2>/dev/null
cat "$T/edge-lo.bin" "$T/junk.bin" "$T/edge-hi.bin" >"$T/rb-want.bin"
check "partial write: new bytes in place, edge bytes of the sectors preserved" cmp -s "$T/rb.bin" "$T/rb-want.bin"
head -c 8192 /dev/zero | tr '\000' 'Z' >"$T/zz.bin"
# shellcheck disable=SC2086
run $B write "$T/zz.bin" --addr 0x100800 --backup -
check "write --backup - : exit 0, standard output is exactly the old 8 KiB" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/out' '$T/junk.bin'"
check "... and the results went to standard error" err_has '^wrote .*zz.bin at 0x00100800'

# shellcheck disable=SC2086
run $B write "$T/junk.bin" --force --full --no-verify
check "write --force --full --no-verify at 0: exit 0, reported unverified" \
	sh -c "[ $RC -eq 0 ] && grep -q 'not verified' '$T/out'"
# shellcheck disable=SC2086
run $B verify "$T/junk.bin"
check "... and it is on the chip" rc_is 0

# shellcheck disable=SC2086
run $B write "$FIX_PINE"
check "restore the PineCone image (skipping unchanged sectors)" rc_is 0

# ---- erase ----
# shellcheck disable=SC2086
run $B erase --start 0x100000 --size 0x2000
check "erase an aligned range: exit 0" sh -c "[ $RC -eq 0 ] && grep -q 'erased 0x00100000..0x00102000 (2 sector(s))' '$T/out'"
ff_file "$T/ff8k.bin" 8192
# shellcheck disable=SC2086
run $B verify "$T/ff8k.bin" --addr 0x100000
check "the erased range reads 0xFF" rc_is 0
dd if="$FIX_PINE" of="$T/next.bin" bs=4096 skip=$((0x102000 / 4096)) count=1 2>/dev/null
dd if="$FIX_PINE" of="$T/prev.bin" bs=4096 skip=$((0xff000 / 4096)) count=1 2>/dev/null
# shellcheck disable=SC2086
run $B verify "$T/next.bin" --addr 0x102000
r1=$RC
# shellcheck disable=SC2086
run $B verify "$T/prev.bin" --addr 0xff000
check "the sectors just before and after are untouched" sh -c "[ $r1 -eq 0 ] && [ $RC -eq 0 ]"
# shellcheck disable=SC2086
run $B erase --start 0x100000 --size 0x1800
check "erase misaligned: exit 64 with the nearest aligned range" \
	sh -c "[ $RC -eq 64 ] && grep -q -- '--addr 0x100000 --size 0x2000' '$T/err'"
# shellcheck disable=SC2086
run $B erase --start 0x1ff000 --size 0x2000
check "erase past the end of the flash: exit 64" rc_is 64
# shellcheck disable=SC2086
run $B erase --all
check "erase --all: exit 0" rc_is 0
ff_file "$T/ff2m.bin" 2097152
# shellcheck disable=SC2086
run $B verify "$T/ff2m.bin"
check "after erase --all the whole flash reads 0xFF" rc_is 0

# ---- the FW slot a firmware image belongs in comes from the chip's own partition table ----
stop_emu
if command -v python3 >/dev/null 2>&1; then
	# the OpenBeken layout with the FW partition's active index set to 1 (slot 1 at 0xD8000),
	# both tables' entry CRCs made right again (doc/flash-layout.md §3)
	python3 - "$FIX_OBK" "$T/slot1.bin" <<'PY'
import sys, zlib, struct
b = bytearray(open(sys.argv[1], 'rb').read())
for t in (0xE000, 0xF000):
    n = struct.unpack_from('<H', b, t + 6)[0]
    b[t + 16 + 2] = 1
    ent = bytes(b[t + 16:t + 16 + 36 * n])
    struct.pack_into('<I', b, t + 16 + 36 * n, zlib.crc32(ent) & 0xFFFFFFFF)
open(sys.argv[2], 'wb').write(b)
PY
	start_emu "$T/slot1.bin"
	# shellcheck disable=SC2086
	run -p $PORT --loader $LOADER write "$T/fw.bin"
	check "a chip whose active FW slot is slot 1: the firmware image belongs at 0xd8000" \
		sh -c "[ $RC -eq 65 ] && grep -q 'at 0xd8000 (slot 1 of the FW partition, the active one' '$T/err' && grep -q -- '--addr 0xd8000' '$T/err'"
	stop_emu
else
	skip "the FW slot from the chip's table (slot 1)" "python3 not installed"
fi
ff_file "$T/blank.bin" 2097152
start_emu "$T/blank.bin"
# shellcheck disable=SC2086
run -p $PORT --loader $LOADER write "$T/fw.bin"
check "a blank chip (no partition table): the usual 0x10000, said to be the usual" \
	sh -c "[ $RC -eq 65 ] && grep -q 'at 0x10000 (the usual FW slot; the chip has no valid partition table)' '$T/err'"
stop_emu
start_emu "$T/flash.bin"
B="-p $PORT --loader $LOADER"

# ---- a 2 MiB image on a 4 MiB chip: the rest of the flash is named as left alone ----
stop_emu
ff_file "$T/flash4m.bin" 4194304
start_emu "$T/flash4m.bin"
B="-p $PORT --loader $LOADER"
# shellcheck disable=SC2086
run $B write "$FIX_PINE"
check "write a 2 MiB image to a 4 MiB chip: exit 0, says the rest is left as it is" \
	sh -c "[ $RC -eq 0 ] && grep -q '0x00200000..0x00400000) is left as it is' '$T/err'"
# shellcheck disable=SC2086
run $B write "$FIX_PINE" --reset
check "write --reset: exit 0 and the chip reset" sh -c "[ $RC -eq 0 ] && grep -q 'reset' '$T/err'"

stop_emu
finish
