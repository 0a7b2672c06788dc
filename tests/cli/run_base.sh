#!/bin/sh
# Incremental backups (read --base), the statistics of read and write, and write --backup
# handing the bytes it read to the update, against blrescue-emu (--stats: what the device sent).
. "$(dirname "$0")/lib.sh"
need_emu

make_loader
cp "$FIX_PINE" "$T/flash.bin"

# ---- read --base of an unchanged chip reads nothing ----
start_emu "$T/flash.bin" --stats "$T/base.json"
run -p "$PORT" --loader "$LOADER" -v read "$T/new.bin" --base "$FIX_PINE"
stop_emu
check "read --base of an unchanged chip: exit 0, equal to the flash" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/new.bin' '$FIX_PINE' && grep -q \"^$(sha "$FIX_PINE")  $T/new.bin\$\" '$T/out'"
check "... nothing was read: no read command, the device sent less than 4 KiB" \
	sh -c "[ $(json_num "$T/base.json" 0x32) -eq 0 ] && [ $(json_num "$T/base.json" bytes_out) -lt 4096 ]"
check "... the statistics say so: 0 bytes read, 2 MiB taken from the base" \
	err_has '^  0 bytes read, 0 bytes skipped as blank, 2 MiB taken from the base, 0 repairs$'
check "... with -v, what the chip hashed" err_has '^  the chip hashed 2 MiB in [0-9]* SHA-256 commands'

# ---- a changed sector: only it is read ----
printf 'changed!' | dd of="$T/flash.bin" bs=1 seek=$((0x13010)) conv=notrunc 2>/dev/null
start_emu "$T/flash.bin" --stats "$T/base2.json"
run -p "$PORT" --loader "$LOADER" read "$T/new2.bin" --base "$FIX_PINE"
stop_emu
r_read=$(json_num "$T/base2.json" 0x32)
check "read --base after a change: exit 0, equal to the changed flash" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/new2.bin' '$T/flash.bin'"
check "... only a little was read (at most one 64 KiB block)" \
	sh -c "[ $r_read -ge 1 ] && grep -q '^  [0-9.]* KiB read, .* taken from the base' '$T/err' && [ $(json_num "$T/base2.json" bytes_out) -lt 70000 ]"

# ---- the base must be a dump of the range ----
start_emu "$T/flash.bin"
head -c 1048576 "$FIX_PINE" >"$T/half.bin"
run -p "$PORT" --loader "$LOADER" read "$T/x.bin" --base "$T/half.bin" --size 0x1000
check "--base of another size than --size: exit 65 before connecting, both sizes named" \
	sh -c "[ $RC -eq 65 ] && grep -q 'has 1048576 bytes, but the range 0x00000000..0x00001000 has 4096' '$T/err' && ! grep -q Connecting '$T/err' && [ ! -e '$T/x.bin' ]"
run -p "$PORT" --loader "$LOADER" read "$T/x.bin" --base "$T/half.bin"
check "--base smaller than the whole flash: exit 65, nothing written" \
	sh -c "[ $RC -eq 65 ] && grep -q 'the base must be a dump of the same range' '$T/err' && [ ! -e '$T/x.bin' ]"
run -p "$PORT" --loader "$LOADER" read "$T/x.bin" --base "$T/missing.bin"
check "--base that does not exist: exit 66" rc_is 66
cp "$FIX_PINE" "$T/same.bin"
run -p "$PORT" --loader "$LOADER" read "$T/same.bin" --base "$T/same.bin" --force -q
check "--base the same file as FILE (--force): it becomes the flash" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/same.bin' '$T/flash.bin'"
dd if="$T/flash.bin" of="$T/part-old.bin" bs=4096 skip=16 count=8 2>/dev/null
run -p "$PORT" --loader "$LOADER" read "$T/part.bin" --addr 0x10000 --size 32k --base "$T/part-old.bin"
check "--base with a part of the flash: exit 0, the part, nothing read" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/part.bin' '$T/part-old.bin' && grep -q '^  0 bytes read' '$T/err'"
stop_emu

# ---- write statistics; --backup hands the bytes read to the update ----
cp "$FIX_PINE" "$T/flash.bin"
start_emu "$T/flash.bin"
run -p "$PORT" --loader "$LOADER" write "$FIX_PINE"
check "write of the same image: the wrote line, then nothing erased or sent" \
	sh -c "[ $RC -eq 0 ] && grep -q '^wrote .* 512 sectors, 512 unchanged, 0 erased, 0 bytes programmed, verified' '$T/out' && grep -q -x '  erases: 0 x 4 KiB, 0 x 32 KiB, 0 x 64 KiB; sent 0 bytes raw, 0 bytes as xz (for 0 bytes of flash); 0 repairs' '$T/out'"
run -p "$PORT" --loader "$LOADER" -v write "$FIX_OBK"
h_plain=$(sed -n 's/^  the chip hashed .* in \([0-9]*\) SHA-256 commands.*/\1/p' "$T/out")
fcheck "write of another image: erase steps and bytes sent counted" \
	sh -c "[ $RC -eq 0 ] && grep -q '^  erases: [0-9]* x 4 KiB, [0-9]* x 32 KiB, [1-9][0-9]* x 64 KiB; sent .* raw, \\([0-9.]* [KM]iB\\|0 bytes\\) as xz (for \\([0-9.]* [KM]iB\\|0 bytes\\) of flash); 0 repairs\$' '$T/out'"
run -p "$PORT" --loader "$LOADER" write "$FIX_PINE" -q
check "(the PineCone image back)" rc_is 0
run -p "$PORT" --loader "$LOADER" -v write "$FIX_OBK" --backup "$T/bk.bin"
h_backup=$(sed -n 's/^  the chip hashed .* in \([0-9]*\) SHA-256 commands.*/\1/p' "$T/out")
check "write --backup: the backup is the old image, the flash the new one" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/bk.bin' '$FIX_PINE' && cmp -s '$T/flash.bin' '$FIX_OBK'"
check "... the write planned from the backup: fewer chip hashes (${h_backup:-?}) than without it (${h_plain:-?})" \
	sh -c "[ -n '$h_backup' ] && [ -n '$h_plain' ] && [ '$h_backup' -lt '$h_plain' ]"
stop_emu

finish
