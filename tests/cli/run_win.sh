#!/bin/sh
# blrescue.exe under wine against the native blrescue-emu (scripts/test-cross.sh runs it): the
# emulator's pseudo-terminal is a COM port ($WINEPREFIX/dosdevices/comN -> /dev/pts/M; wine
# sets the exact rate there and answers DTR/RTS with "not supported"). info, read with the
# chip's SHA-256, write + verify, Ctrl-C, outputs (atomic, non-ASCII names, '-'), a missing
# loader and where it is looked for on Windows, missing and busy ports, monitor, ports.
# Environment: BLRESCUE_EXE (the .exe), WINEPREFIX (running wineserver), BLRESCUE_EMU,
# PTYHELPER, MKLOADER (native), BLR_FIXTURES, BLR_SOURCE_ROOT, BLR_BUILD_ROOT (native build).
. "$(dirname "$0")/lib.sh"
need_emu

DOS="$WINEPREFIX/dosdevices"
# The Windows user's folders in the prefix (C:\users\NAME\...), as the program sees them.
WHOME=$(ls -d "$WINEPREFIX"/drive_c/users/*/AppData/Local 2>/dev/null | grep -v /Public/ | head -n 1)
WHOME=${WHOME%/AppData/Local}
LAD="$WHOME/AppData/Local"
# What the tests put into the prefix, removed again at the end (the prefix is shared).
MADE="$DOS/com20 $DOS/com21 $DOS/com22 $LAD/blrescue $LAD/Programs/Python/Python3-blrtest \
	$WHOME/Downloads/BouffaloLabDevCube-blrtest"
trap 'rm -rf $MADE; cleanup' EXIT
rm -rf $MADE
[ -d "$LAD" ] || { echo "Bail out! no AppData/Local in $WINEPREFIX"; exit 1; }

BLRESCUE="$T/blrescue-wine"
printf '#!/bin/sh\nexec wine "%s" "$@"\n' "$BLRESCUE_EXE" >"$BLRESCUE"
chmod +x "$BLRESCUE"
# Text goes to standard output and error in text mode (CRLF line ends, as Windows programs
# write them); the checks read it without the CRs. Binary data ('read -') is checked as is.
run() {
	"$BLRESCUE" "$@" >"$T/out.raw" 2>"$T/err.raw"
	RC=$?
	tr -d '\r' <"$T/out.raw" >"$T/out"
	tr -d '\r' <"$T/err.raw" >"$T/err"
}
# com N PATH: COMN is PATH
com() { ln -sfn "$2" "$DOS/com$1"; }

run --version
check "--version: the version and 'xz writes: yes' (liblzma built by scripts/mingw-deps.sh)" \
	sh -c "[ $RC -eq 0 ] && grep -q '^blrescue [0-9]' '$T/out' && grep -q '^xz writes: yes$' '$T/out'"
check "text output has Windows line ends (CRLF)" \
	python3 -c "d = open('$T/out.raw', 'rb').read(); assert d.count(b'\\r\\n') == 2 == d.count(b'\\n'), d"

# ---- a missing loader, and where it is looked for on Windows ----
run loader
check "no loader: exit 66; LOCALAPPDATA/blrescue, Dev Cube folders, Windows Pythons searched" \
	sh -c "[ $RC -eq 66 ] && grep -q 'AppData\\\\Local\\\\blrescue\\\\eflash_loader_40m.bin' '$T/err' && grep -q 'AppData\\\\Local\\\\Programs\\\\Python\\\\Python3\*\\\\Lib\\\\site-packages' '$T/err' && grep -q 'LocalCache\\\\local-packages' '$T/err' && grep -q 'BouffaloLabDevCube' '$T/err'"
make_loader
PYL="$LAD/Programs/Python/Python3-blrtest/Lib/site-packages/bflb_mcu_tool/chips/bl602/eflash_loader"
mkdir -p "$PYL"
cp "$LOADER" "$PYL/eflash_loader_40m.bin"
run loader
check "loader found in a python.org per-user install (LOCALAPPDATA/Programs/Python)" \
	sh -c "[ $RC -eq 0 ] && grep -q 'Python3-blrtest\\\\Lib\\\\site-packages\\\\bflb_mcu_tool' '$T/out' && grep -q 'Python tool bflb-mcu-tool' '$T/out'"
rm -rf "$LAD/Programs/Python/Python3-blrtest"
DC="$WHOME/Downloads/BouffaloLabDevCube-blrtest/chips/bl602/eflash_loader"
mkdir -p "$DC"
cp "$LOADER" "$DC/eflash_loader_40m.bin"
run loader
check "loader found in a Dev Cube folder unpacked in Downloads" \
	sh -c "[ $RC -eq 0 ] && grep -q 'Downloads\\\\BouffaloLabDevCube-blrtest' '$T/out'"
rm -rf "$WHOME/Downloads/BouffaloLabDevCube-blrtest"
run loader add "$LOADER"
check "loader add: installed into LOCALAPPDATA/blrescue" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$LOADER' '$LAD/blrescue/eflash_loader_40m.bin'"
run loader
check "loader then found in the user data directory" \
	sh -c "[ $RC -eq 0 ] && grep -q 'user data directory' '$T/out'"
rm -rf "$LAD/blrescue"

# ---- ports ----
run --loader "$LOADER" info
check "no -p, no USB adapter: exit 64, naming -p COM3, BLRESCUE_PORT and Device Manager" \
	sh -c "[ $RC -eq 64 ] && grep -q 'no USB serial adapter found' '$T/err' && grep -q -- '-p COM3' '$T/err' && grep -q 'Device Manager' '$T/err'"
run ports --json
check "ports --json: valid JSON, every port with its fields" python3 -c "
import json
d = json.load(open('$T/out'))
for p in d['ports']:
    assert p['port'].upper().startswith('COM'), p
    assert set(p) >= {'usb', 'vid', 'pid', 'product', 'serial', 'driver', 'chip', 'max_baud'}, p
"
run -p COM21 --loader "$LOADER" info
check "missing port: exit 69, 'does not exist', Device Manager named" \
	sh -c "[ $RC -eq 69 ] && grep -q 'port COM21 does not exist' '$T/err' && grep -q 'Device Manager' '$T/err'"
# Windows refuses a COM port another program has open (ERROR_ACCESS_DENIED). Wine does not
# keep COM ports exclusive between processes; it refuses a directory the same way.
mkdir -p "$T/notatty"
com 22 "$T/notatty"
run -p COM22 --loader "$LOADER" info
check "busy port (access denied): exit 69, 'busy', the usual holders named" \
	sh -c "[ $RC -eq 69 ] && grep -q 'port COM22 is busy' '$T/err' && grep -q 'PuTTY' '$T/err'"

# ---- the device commands on COM20 ----
cp "$FIX_PINE" "$T/flash.bin"
start_emu "$T/flash.bin"
com 20 "$PORT"
B="-p COM20 --loader $LOADER"
# shellcheck disable=SC2086
run $B info
check "info on COM20 at 2000000 baud: exit 0, flash 2 MiB, JEDEC, MAC" \
	sh -c "[ $RC -eq 0 ] && grep -q '^port: *COM20' '$T/out' && grep -q '^flash size: *2 MiB' '$T/out' && grep -q '^flash JEDEC: *C8 40 15' '$T/out' && grep -q '^MAC: *02:42:60:2b:00:01' '$T/out' && grep -q '2000000 baud' '$T/out'"
# shellcheck disable=SC2086
run $B info --json
check "info --json: valid JSON naming COM20" python3 -c "
import json
d = json.load(open('$T/out'))
assert d['port'] == 'COM20' and d['flash_size'] == 2097152, d
"
# shellcheck disable=SC2086
run $B --before dtr-rts --after dtr-rts info -q
check "--before/--after dtr-rts on a port without modem lines (wine: not supported): works" rc_is 0

DIR="$T/$(printf 'caf\303\251 \316\261\316\262\316\263')"
mkdir -p "$DIR"
OUTF="$DIR/$(printf 'dump-\303\274\342\202\254.bin')"
# shellcheck disable=SC2086
run $B read "$OUTF"
check "read into a non-ASCII path (UTF-8 through the wide APIs): the file under that name" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$OUTF' '$FIX_PINE'"
check "read: the printed SHA-256 is sha256sum's, the path as given" \
	sh -c "grep -q \"^$(sha "$FIX_PINE")  $OUTF\$\" '$T/out'"
check "read: no temp file left" sh -c "[ \$(ls -A '$DIR' | grep -c partial) -eq 0 ]"
echo keep >"$T/exists.bin"
# shellcheck disable=SC2086
run $B read "$T/exists.bin" --size 4k
check "read onto an existing file: refused (exit 73), untouched" \
	sh -c "[ $RC -eq 73 ] && [ \"\$(cat '$T/exists.bin')\" = keep ] && grep -q -- '--force' '$T/err'"
# shellcheck disable=SC2086
run $B read "$T/exists.bin" --size 4k --force
check "read --force: replaced (MoveFileExW), 4096 bytes, no temp file" \
	sh -c "[ $RC -eq 0 ] && [ \$(wc -c <'$T/exists.bin') -eq 4096 ] && [ \$(ls -A '$T' | grep -c partial) -eq 0 ]"
# shellcheck disable=SC2086
run $B read NUL --size 4k --force
check "read to the NUL device: refused as a device (exit 73)" \
	sh -c "[ $RC -eq 73 ] && grep -q 'is a device' '$T/err'"
dd if="$FIX_PINE" of="$T/want.bin" bs=4096 skip=1 count=16 2>/dev/null
# shellcheck disable=SC2086
"$BLRESCUE" $B read - --addr 0x1000 --size 64k >"$T/stdout.bin" 2>"$T/err"
RC=$?
check "read - : the bytes on standard output unchanged (binary mode), the SHA-256 on stderr" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/stdout.bin' '$T/want.bin' && grep -q \"^$(sha "$T/want.bin")  -\" '$T/err'"
# shellcheck disable=SC2086
run $B verify "$T/want.bin" --addr 0x1000
check "verify a part: exit 0" sh -c "[ $RC -eq 0 ] && grep -q '^match' '$T/out'"

# shellcheck disable=SC2086
run $B write "$FIX_OBK" --backup "$DIR/backup.bin"
check "write another image with --backup (non-ASCII folder): exit 0, verified by the chip" \
	sh -c "[ $RC -eq 0 ] && grep -q 'verified by the chip' '$T/out' && cmp -s '$DIR/backup.bin' '$FIX_PINE'"
check "... the emulated flash holds it" cmp -s "$T/flash.bin" "$FIX_OBK"
# shellcheck disable=SC2086
run $B verify "$FIX_PINE"
check "verify the old image: exit 1, MISMATCH" sh -c "[ $RC -eq 1 ] && grep -q '^MISMATCH' '$T/out'"
# shellcheck disable=SC2086
"$BLRESCUE" $B write - -q <"$DIR/backup.bin" >"$T/out" 2>"$T/err"
RC=$?
check "write - (the backup from standard input, binary mode): exit 0, restored" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$T/flash.bin' '$FIX_PINE'"
stop_emu

# ---- Ctrl-C (wine turns SIGINT into CTRL_C_EVENT for SetConsoleCtrlHandler) ----
start_emu "$T/flash.bin" --timing
com 20 "$PORT"
mkdir -p "$T/int"
# shellcheck disable=SC2086
"$BLRESCUE" $B -b 500000 read "$T/int/int.bin" >"$T/out" 2>"$T/err" &
BPID=$!
if wait_for "$T/err" '^Reading:'; then
	sleep 0.3
	kill -INT "$BPID"
	wait "$BPID"
	RC=$?
	check "read interrupted by Ctrl-C: exit 130, says so" \
		sh -c "[ $RC -eq 130 ] && grep -q 'interrupted' '$T/err'"
	check "... no output file and no temp file left" sh -c "[ -z \"\$(ls -A '$T/int')\" ]"
else
	kill "$BPID" 2>/dev/null
	wait "$BPID"
	not_ok "read interrupted by Ctrl-C: the read never started"
fi
stop_emu
start_emu "$T/flash.bin"
com 20 "$PORT"
# shellcheck disable=SC2086
run $B read "$T/int/again.bin" --size 64k -q
check "after the interrupt the port works again (its settings restored)" rc_is 0
stop_emu

# ---- monitor (standard input a pipe: read by a thread) ----
rm -f "$T/h.in"
mkfifo "$T/h.in"
"$PTYHELPER" talk <"$T/h.in" >"$T/h.out" 2>&1 &
HPID=$!
PIDS="$PIDS $HPID"
exec 3>"$T/h.in"
wait_for "$T/h.out" /dev/ || echo "# ptyhelper printed no path"
com 20 "$(head -n 1 "$T/h.out")"
(sleep 1; printf 'abc'; sleep 1; printf '\035') |
	"$BLRESCUE" -p COM20 monitor --timestamps >"$T/out" 2>"$T/err"
RC=$?
check "monitor: Ctrl-] leaves with exit 0" rc_is 0
check "monitor: shows what the device sends, with times" out_has '^\[ *[0-9]*\.[0-9]\{3\}\] tick [0-9]'
check "monitor: sends what is typed" out_has 'got:abc'
rm -f "$T/m.in"
mkfifo "$T/m.in"
"$BLRESCUE" -p COM20 monitor <"$T/m.in" >"$T/mon.out" 2>"$T/err" &
MPID=$!
exec 4>"$T/m.in"
wait_for "$T/mon.out" tick
kill -INT "$MPID"
wait "$MPID"
RC=$?
exec 4>&-
check "monitor: Ctrl-C (not a console: no raw mode) leaves with exit 130" rc_is 130
exec 3>&-
wait "$HPID"

finish
