#!/bin/sh
# What a user gets when the line or the chip misbehaves, against blrescue-emu's firmware stage
# and seeded faults (blrescue-emu(1), FAULTS): a chip running its firmware, the port going away
# mid-read (the sidecar and read --resume), damaged replies, a chip reset mid-write.
. "$(dirname "$0")/lib.sh"
need_emu

make_loader
SIDE_MAGIC='BLRESCUE-RESUME'

# ---- nothing answers: the chip runs its firmware (BOOT/GPIO8 was not high at reset) ----
# A status line every 100 ms: the library listens 250 ms per rate, so that at least two lines
# are heard (with the emulator's default of 300 ms a window can fall between two lines).
for rate in 2000000 115200; do
	cp "$FIX_PINE" "$T/flash.bin"
	start_emu "$T/flash.bin" --boot app --app-baud "$rate" --app-status-ms 100
	run -p "$PORT" --loader "$LOADER" info
	c=check
	[ "$rate" -gt 460800 ] && c=qcheck
	$c "firmware running at $rate baud: exit 69, said to be the firmware at $rate baud" \
		sh -c "[ $RC -eq 69 ] && grep -q 'the firmware is running: the chip is not in download mode (it sends text at $rate baud' '$T/err'"
	$c "... says to hold BOOT (GPIO8) high before the reset, not to check the wiring" \
		sh -c "grep -q 'hold BOOT (GPIO8) high .*before' '$T/err' && ! grep -q 'not a single byte' '$T/err'"
	$c "... quotes the firmware's status line" err_has '^heard: ".*app: running, wifi idle'
	stop_emu
done

# ---- the port goes away in the middle of a read ----
cp "$FIX_PINE" "$T/flash.bin"
mkdir -p "$T/v"
start_emu "$T/flash.bin" --faults vanish=@out:600000
run -p "$PORT" --loader "$LOADER" read "$T/v/dump.bin"
wait_emu
SIDE="$T/v/dump.bin.blrescue-resume"
fcheck "port gone mid-read: exit 74, 'the port went away'" \
	sh -c "[ $RC -eq 74 ] && grep -q 'read: the port went away' '$T/err' && [ $EMU_RC -eq 3 ]"
fcheck "... no output file; only the sidecar, which starts with its magic line" \
	sh -c "[ \"\$(ls -A '$T/v')\" = dump.bin.blrescue-resume ] && [ \"\$(head -c 15 '$SIDE')\" = $SIDE_MAGIC ]"
fcheck "... says what was kept and the command that goes on from it" \
	sh -c "grep -q 'of 2 MiB the chip confirmed so far are kept in $SIDE' '$T/err' && grep -q -x '  blrescue read $T/v/dump.bin --resume' '$T/err'"
cp "$SIDE" "$T/side1.bin"
run check "$SIDE"
fcheck "... the sidecar is not taken for a dump (check: exit 2)" rc_is 2

start_emu "$T/flash.bin" --mac 02:42:60:2b:00:99
run -p "$PORT" --loader "$LOADER" read "$T/v/dump.bin" --resume
fcheck "--resume on another chip (MAC): refused, exit 65, both named, the sidecar kept" \
	sh -c "[ $RC -eq 65 ] && grep -q 'belongs to another chip' '$T/err' && grep -q '02:42:60:2b:00:99' '$T/err' && cmp -s '$SIDE' '$T/side1.bin' && [ ! -e '$T/v/dump.bin' ]"
stop_emu

start_emu "$T/flash.bin"
run -p "$PORT" --loader "$LOADER" read "$T/v/dump.bin" --resume --size 1M
fcheck "--resume of another range: refused, exit 65" \
	sh -c "[ $RC -eq 65 ] && grep -q 'belongs to another range' '$T/err' && cmp -s '$SIDE' '$T/side1.bin'"
run -p "$PORT" --loader "$LOADER" read "$T/v/other.bin" --resume -q
fcheck "--resume without a sidecar: reads everything (exit 0, the flash)" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/v/other.bin' '$FIX_PINE'"
run -p "$PORT" --loader "$LOADER" read "$T/v/dump.bin"
fcheck "a read without --resume: done, the sidecar mentioned and left alone" \
	sh -c "[ $RC -eq 0 ] && grep -q 'dump.bin.blrescue-resume holds part of an interrupted read' '$T/err' && cmp -s '$SIDE' '$T/side1.bin' && cmp -s '$T/v/dump.bin' '$FIX_PINE'"
rm -f "$T/v/dump.bin" "$T/v/other.bin"
stop_emu

# a rerun that is cut off too keeps more
start_emu "$T/flash.bin" --faults vanish=@out:300000
run -p "$PORT" --loader "$LOADER" read "$T/v/dump.bin" --resume
wait_emu
fcheck "--resume cut off again: exit 74, the sidecar holds more than before" \
	sh -c "[ $RC -eq 74 ] && [ \$(wc -c <'$SIDE') -gt \$(wc -c <'$T/side1.bin') ] && [ ! -e '$T/v/dump.bin' ]"

# a fresh emulator on the same flash completes it, reading only the rest
start_emu "$T/flash.bin" --stats "$T/resumed.json"
run -p "$PORT" --loader "$LOADER" read "$T/v/dump.bin" --resume
stop_emu
fcheck "--resume on a fresh emulator: exit 0, the exact flash, the sidecar removed" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/v/dump.bin' '$FIX_PINE' && [ ! -e '$SIDE' ] && grep -q '^Resuming: .* kept in $SIDE' '$T/err'"
fcheck "... the statistics name what was kept" err_has 'KiB kept from the interrupted read'
start_emu "$T/flash.bin" --stats "$T/whole.json"
run -p "$PORT" --loader "$LOADER" read "$T/v/whole.bin" -q
stop_emu
echo "# bytes the device sent: whole read $(json_num "$T/whole.json" bytes_out), resumed $(json_num "$T/resumed.json" bytes_out)"
fcheck "... the device sent at least 512 KiB less than for a whole read" \
	[ $(($(json_num "$T/whole.json" bytes_out) - $(json_num "$T/resumed.json" bytes_out))) -ge 524288 ]

# ---- a line that loses one byte in 2000 of what the chip sends: the chip answered the
# connect, so the BOOT pin is not what to check ----
mkdir -p "$T/lossy"
start_emu "$T/flash.bin" --faults drop-out=1/2000 --seed 7
run -p "$PORT" --loader "$LOADER" read "$T/lossy/dump.bin" --size 256k
stop_emu
check "bytes lost after the connect: exit 69, 'stopped answering', a lower speed, not the BOOT pin" \
	sh -c "[ $RC -eq 69 ] && grep -q 'read: the chip stopped answering' '$T/err' && grep -q -- '-b 1000000' '$T/err' && ! grep -q 'hold BOOT (GPIO8) high (through' '$T/err'"

# ---- damaged replies (bits flipped in what the chip sends): the dump is still exact ----
start_emu "$T/flash.bin" --faults flip-out=@200000,flip-out=@500000,flip-out=@800000 \
	--fault-log "$T/flip.log"
run -p "$PORT" --loader "$LOADER" read "$T/flip.bin"
stop_emu
fcheck "reply bytes flipped during a read: exit 0, the exact flash" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/flip.bin' '$FIX_PINE' && [ \$(grep -c 'fault flip-out' '$T/flip.log') -eq 3 ]"
fcheck "... the damaged pieces were read again (repairs counted)" err_has ', [1-9][0-9]* repairs*$'

# ---- the chip resets (a brown-out) in the middle of a write ----
start_emu "$T/flash.bin" --faults reset-rom=@in:400000 --fault-log "$T/reset.log"
run -p "$PORT" --loader "$LOADER" write "$FIX_OBK"
stop_emu
if [ "$HAVE_FIXTURES" = 0 ]; then
	skip "chip reset during a write: exit 0, the flash holds the new image" "$NO_FIXTURES"
elif grep -q 'fault reset-rom' "$T/reset.log"; then
	fcheck "chip reset during a write: exit 0, the flash holds the new image" \
		sh -c "[ $RC -eq 0 ] && cmp -s '$T/flash.bin' '$FIX_OBK' && grep -q '^wrote ' '$T/out'"
else
	not_ok "chip reset during a write: the fault never fired (the write sent less than 400000 bytes)"
fi

finish
