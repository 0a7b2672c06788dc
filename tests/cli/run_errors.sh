#!/bin/sh
# Failure paths against real pseudo-terminals: nobody answering, a busy port, a read
# interrupted by SIGINT, a secured chip, the old loader, and the serial monitor.
. "$(dirname "$0")/lib.sh"
need_emu

make_loader

# hold_start MODE [ARG]: run ptyhelper with a FIFO as stdin; sets HPID and HOUT
hold_start() {
	rm -f "$T/h.in" "$T/h.out"; mkfifo "$T/h.in"
	"$PTYHELPER" "$@" <"$T/h.in" >"$T/h.out" 2>&1 &
	HPID=$!
	PIDS="$PIDS $HPID"
	exec 3>"$T/h.in"
	i=0
	while [ $i -lt 100 ] && [ ! -s "$T/h.out" ]; do sleep 0.05; i=$((i + 1)); done
	HOUT=$(head -n 1 "$T/h.out")
}
hold_stop() { exec 3>&-; wait "$HPID" 2>/dev/null; }


# ---- no answer: a pseudo-terminal nobody answers on ----
hold_start silent
run -p "$HOUT" --loader "$LOADER" info
check "no answer: exit 69" rc_is 69
check "no answer: says so and names BOOT/GPIO8, TX/RX and a lower baud" \
	sh -c "grep -q 'no answer from the chip' '$T/err' && grep -q 'GPIO8' '$T/err' && grep -q 'TX' '$T/err' && grep -q -- '--rom-baud 115200' '$T/err'"
check "... silence: not a single byte came back, wiring and power first, not the firmware" \
	sh -c "grep -q 'not a single byte came back' '$T/err' && grep -q 'swap TX and RX' '$T/err' && grep -q 'stable 3.3 V' '$T/err' && ! grep -q 'firmware is running' '$T/err'"
head -c 4096 /dev/zero >"$T/w.bin"
run -p "$HOUT" --loader "$LOADER" write "$T/w.bin" --addr 0x10000
check "a write that never connects: exit 69, says the flash was not touched" \
	sh -c "[ $RC -eq 69 ] && grep -q 'nothing was written: the flash is as it was' '$T/err'"
hold_stop

# ---- a device that answers the handshake and then only with FL codes ----
hold_start fail
run -p "$HOUT" --loader "$LOADER" info
check "garbled device: exit 76 (protocol error), no hang" rc_is 76
check "... reported as a malformed reply" err_has 'malformed or unexpected reply'
hold_stop

# ---- a running loader whose flash fails: device error codes by name ----
hold_start flasherr
run -p "$HOUT" --loader "$LOADER" erase --start 0 --size 4k
check "erase failing on the chip: exit 76 naming FL 0x0003 FLASH_ERASE_ERROR" \
	sh -c "[ $RC -eq 76 ] && grep -q 'error 0x0003 (FLASH_ERASE_ERROR)' '$T/err'"
mkdir -p "$T/fe"
run -p "$HOUT" --loader "$LOADER" read "$T/fe/x.bin" --size 4k
check "read failing on the chip: exit 76 naming FLASH_WRITE_PARA_ERROR, no file left" \
	sh -c "[ $RC -eq 76 ] && grep -q 'error 0x0004 (FLASH_WRITE_PARA_ERROR)' '$T/err' && [ -z \"\$(ls -A '$T/fe')\" ]"
hold_stop

# ---- busy: another process holds the port with an exclusive lock ----
cp "$FIX_PINE" "$T/flash.bin"
start_emu "$T/flash.bin"
hold_start hold "$PORT"
check "helper holds the emulator's port" [ "$HOUT" = held ]
run -p "$PORT" --loader "$LOADER" info
check "busy port: exit 69, 'busy', naming the holder" \
	sh -c "[ $RC -eq 69 ] && grep -q 'busy' '$T/err' && grep -q 'held by ptyhelper' '$T/err'"
check "... only the process holding the lock, not the emulator at the other end" \
	sh -c "! grep -q 'blrescue-emu' '$T/err' && [ \$(grep -c 'held' '$T/err') -eq 1 ]"
run -p "$PORT" monitor </dev/null
check "busy port, monitor: exit 69, naming the holder too" \
	sh -c "[ $RC -eq 69 ] && grep -q 'held by ptyhelper' '$T/err' && ! grep -q 'blrescue-emu' '$T/err'"
hold_stop
run -p "$PORT" --loader "$LOADER" info -q
check "the port works again once released" rc_is 0
stop_emu

# ---- SIGINT during a read (timing model on so the read takes seconds) ----
cp "$FIX_PINE" "$T/flash.bin"
start_emu "$T/flash.bin" --timing
mkdir -p "$T/outdir"
"$BLRESCUE" -p "$PORT" --loader "$LOADER" -b 500000 read "$T/outdir/int.bin" >"$T/out" 2>"$T/err" &
BPID=$!
if wait_for "$T/err" '^Reading:  *[1-9][0-9]*%'; then
	kill -INT "$BPID"
	wait "$BPID"
	RC=$?
	check "read interrupted by SIGINT: exit 130" rc_is 130
	check "... no output file and no temp file left: only the sidecar, with its magic line" \
		sh -c "[ \"\$(ls -A '$T/outdir')\" = int.bin.blrescue-resume ] && [ \"\$(head -c 15 '$T/outdir/int.bin.blrescue-resume')\" = BLRESCUE-RESUME ]"
	check "... says it was interrupted and how to go on" \
		sh -c "grep -q 'interrupted' '$T/err' && grep -q -x '  blrescue read $T/outdir/int.bin --resume' '$T/err'"
else
	kill "$BPID" 2>/dev/null; wait "$BPID"
	not_ok "read interrupted by SIGINT: the read never started"
fi
"$BLRESCUE" -p "$PORT" --loader "$LOADER" -b 500000 write "$FIX_OBK" >"$T/out" 2>"$T/err" &
BPID=$!
if wait_for "$T/err" '^Writing:'; then
	kill -INT "$BPID"
	wait "$BPID"
	RC=$?
	check "write interrupted by SIGINT: exit 130, says the flash may be mixed" \
		sh -c "[ $RC -eq 130 ] && grep -q 'mix of old and new' '$T/err'"
else
	kill "$BPID" 2>/dev/null; wait "$BPID"
	not_ok "write interrupted by SIGINT: the write never started"
fi
stop_emu
start_emu "$T/flash.bin"
run -p "$PORT" --loader "$LOADER" write "$FIX_OBK" -q
check "writing again after the interrupted write completes it" sh -c "[ $RC -eq 0 ] && cmp -s '$T/flash.bin' '$FIX_OBK'"
run -p "$PORT" --loader "$LOADER" read "$T/outdir/int.bin" --resume
check "read --resume after the flash changed: the kept blocks that differ are read again" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/outdir/int.bin' '$FIX_OBK' && [ ! -e '$T/outdir/int.bin.blrescue-resume' ] && grep -q '^Resuming: ' '$T/err'"
run -p "$PORT" --loader "$LOADER" read "$T/outdir/ok.bin" --size 64k -q
check "a fresh session after the interrupted one works" rc_is 0
stop_emu

# ---- emulated chip variants ----
cp "$FIX_PINE" "$T/flash.bin"
start_emu "$T/flash.bin" --old-loader
run -p "$PORT" --loader "$LOADER" read "$T/old.bin" -q
check "old-loader mode: whole flash read, equal to the fixture" sh -c "[ $RC -eq 0 ] && cmp -s '$T/old.bin' '$FIX_PINE'"
stop_emu
start_emu "$T/flash.bin" --secured
run -p "$PORT" --loader "$LOADER" info
check "secured chip: exit 76 explaining signed/encrypted images" \
	sh -c "[ $RC -eq 76 ] && grep -q 'signed or encrypted' '$T/err'"
stop_emu

# ---- monitor ----
hold_start talk
TPORT=$HOUT
(sleep 0.5; printf 'abc'; sleep 0.7; printf '\035') |
	"$BLRESCUE" -p "$TPORT" monitor --timestamps >"$T/mon.out" 2>"$T/err"
RC=$?
cp "$T/mon.out" "$T/out"
check "monitor: Ctrl-] leaves with exit 0" rc_is 0
check "monitor: shows what the device sends" out_has 'tick [0-9]'
check "monitor: sends what is typed" out_has 'got:abc'
check "monitor --timestamps: every line starts with a time" \
	sh -c "[ \$(grep -c . '$T/mon.out') -ge 3 ] && ! grep -v '^\[ *[0-9]*\.[0-9]\{3\}\] ' '$T/mon.out' | grep -q ."
if command -v script >/dev/null 2>&1; then
	(sleep 0.6; printf 'xyz'; sleep 0.6; printf '\035'; sleep 0.5) |
		script -q -c "'$BLRESCUE' -p '$TPORT' monitor; echo \"rc=\$?\"; stty -a" "$T/tty.log" >/dev/null 2>&1
	cp "$T/tty.log" "$T/out"
	check "monitor on a terminal: raw input reaches the chip, Ctrl-] leaves with exit 0" \
		sh -c "grep -q 'got:xyz' '$T/tty.log' && grep -q 'rc=0' '$T/tty.log'"
	check "monitor on a terminal: the terminal is restored (icanon, echo)" \
		sh -c "grep -q ' icanon' '$T/tty.log' && grep -q ' echo ' '$T/tty.log' && ! grep -q -- '-icanon' '$T/tty.log'"
	# blrescue(1): "the terminal is restored, also when blrescue is killed by a signal"
	sleep 2.5 | script -q -c "timeout --foreground -s TERM 1 '$BLRESCUE' -p '$TPORT' monitor; stty -a" \
		"$T/tty2.log" >/dev/null 2>&1
	cp "$T/tty2.log" "$T/out"
	check "monitor on a terminal ended by SIGTERM: the terminal is restored (icanon, echo)" \
		sh -c "grep -q 'blrescue monitor on' '$T/tty2.log' && grep -q ' icanon' '$T/tty2.log' && grep -q ' echo ' '$T/tty2.log' && ! grep -q -- '-icanon' '$T/tty2.log'"
else
	skip "monitor on a terminal" "script(1) not installed"
	skip "monitor restores the terminal" "script(1) not installed"
	skip "monitor restores the terminal after SIGTERM" "script(1) not installed"
fi
mkfifo "$T/m.in"
"$BLRESCUE" -p "$TPORT" monitor --baud 115200 <"$T/m.in" >"$T/mon2.out" 2>"$T/err" &
MPID=$!
exec 4>"$T/m.in"
wait_for "$T/mon2.out" tick
kill -INT "$MPID"
wait "$MPID"
RC=$?
exec 4>&-
check "monitor: SIGINT leaves with exit 130" rc_is 130
"$BLRESCUE" -p "$TPORT" monitor <"$T/m.in" >"$T/mon3.out" 2>"$T/err" &
MPID=$!
exec 4>"$T/m.in"
wait_for "$T/mon3.out" tick
kill -TERM "$MPID"
wait "$MPID"
RC=$?
exec 4>&-
check "monitor: SIGTERM leaves with exit 143 (128 + 15)" rc_is 143
hold_stop

finish
