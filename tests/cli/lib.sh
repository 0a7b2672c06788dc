# Shared helpers of the CLI end-to-end tests (sourced by run_*.sh). POSIX sh, TAP output.
# Environment from tests/cli/meson.build: BLRESCUE, BLRESCUE_EMU, MKLOADER, PTYHELPER,
# BLR_FIXTURES, BLR_SOURCE_ROOT.
set -u

N=0
FAILED=0
T=$(mktemp -d "${TMPDIR:-/tmp}/blr-cli-test.XXXXXX") || exit 1
PIDS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A clean environment: no loader or port from the user's setup leaks into a test.
unset BLRESCUE_PORT BLRESCUE_LOADER BLRESCUE_DEVCUBE XDG_DATA_HOME
HOME="$T/home"
export HOME
mkdir -p "$HOME"

ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() {
	N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"
	if [ -f "$T/err" ]; then sed 's/^/#   stderr: /' "$T/err" | head -n 30; fi
	if [ -f "$T/out" ]; then head -c 2000 "$T/out" | sed 's/^/#   stdout: /' | head -n 20; fi
	echo "#   exit status: ${RC:-?}"
}
# skip "description" "reason": a test point not run, e.g. skip "..." "$NO_FIXTURES"
skip() { N=$((N + 1)); echo "ok $N - $1 # SKIP $2"; }
# check "description" command...: one test point from a command's status
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# qcheck "description" command...: a check of exact options or of rates above 460800, which
# scripts/test-cross.sh's qemu-user wrapper (BLR_UNDER_QEMU=1) changes: it adds
# --rom-baud 115200 -b 460800 and lowers every higher rate, the most qemu-user can set. There
# a listed skip.
qcheck() {
	if [ "${BLR_UNDER_QEMU:-0}" = 1 ]; then
		skip "$1" "under qemu-user the wrapper adds -b/--rom-baud and lowers rates above 460800"
	else
		check "$@"
	fi
}
# fcheck "description" command...: a check of what only the real dumps give (their sizes,
# versions, how much of them is data): a listed skip when generated images stand in.
fcheck() {
	if [ "$HAVE_FIXTURES" = 0 ]; then
		skip "$1" "$NO_FIXTURES"
	else
		check "$@"
	fi
}
finish() { echo "1..$N"; [ "$FAILED" -eq 0 ]; exit $?; }

# run ARGS...: runs blrescue, stdout in $T/out, stderr in $T/err, status in $RC
run() { "$BLRESCUE" "$@" >"$T/out" 2>"$T/err"; RC=$?; }
# rc_is N: the last run exited with N
rc_is() { [ "$RC" -eq "$1" ]; }
out_has() { grep -q -e "$1" "$T/out"; }
err_has() { grep -q -e "$1" "$T/err"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
# wait_for FILE PATTERN: until PATTERN is in FILE, up to 20 s; 1 when it never came
wait_for() {
	i=0
	while [ $i -lt 400 ]; do
		grep -q -e "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# need_emu: the emulator program must exist.
need_emu() {
	if [ ! -x "$BLRESCUE_EMU" ]; then
		echo "Bail out! blrescue-emu not built ($BLRESCUE_EMU)"
		exit 1
	fi
}

# The synthetic flash loader (no vendor code).
LOADER="$T/loader.bin"
make_loader() {
	if [ -z "${MKLOADER:-}" ] || [ ! -x "$MKLOADER" ]; then
		echo "Bail out! mkloader not built (tests/support/synth_loader.c missing)"
		exit 1
	fi
	"$MKLOADER" "$LOADER" || { echo "Bail out! mkloader failed"; exit 1; }
}

# start_emu FLASHFILE [emu options...]: starts blrescue-emu, sets PORT and EMU_PID
start_emu() {
	if [ ! -x "$BLRESCUE_EMU" ]; then
		echo "Bail out! blrescue-emu not built ($BLRESCUE_EMU)"
		exit 1
	fi
	f=$1; shift
	: >"$T/emu.out"
	"$BLRESCUE_EMU" --flash "$f" "$@" >"$T/emu.out" 2>"$T/emu.err" &
	EMU_PID=$!
	PIDS="$PIDS $EMU_PID"
	i=0
	while [ $i -lt 100 ]; do
		PORT=$(head -n 1 "$T/emu.out")
		if [ -n "$PORT" ] && [ -e "$PORT" ]; then return 0; fi
		sleep 0.05
		i=$((i + 1))
	done
	echo "Bail out! blrescue-emu did not print a port"
	cat "$T/emu.err" | sed 's/^/# /'
	exit 1
}

stop_emu() {
	kill "$EMU_PID" 2>/dev/null
	wait "$EMU_PID" 2>/dev/null
}

# json_num FILE KEY: the number of "KEY": N in the emulator's --stats JSON (0 when absent), e.g.
# json_num stats.json bytes_out, json_num stats.json 0x32 (frames of that command)
json_num() {
	v=$(grep -o "\"$2\": [0-9]*" "$1" 2>/dev/null | head -n 1 | sed 's/.*: //')
	echo "${v:-0}"
}

# wait_emu: waits for the emulator to exit (stats written), 30 s at most (then it is stopped
# and EMU_RC is 124: the fault it was to inject never came); sets EMU_RC
wait_emu() {
	i=0
	while kill -0 "$EMU_PID" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if kill -0 "$EMU_PID" 2>/dev/null; then
		kill "$EMU_PID" 2>/dev/null
		wait "$EMU_PID"
		EMU_RC=124
		return
	fi
	wait "$EMU_PID"
	EMU_RC=$?
}

# dev_node: prints a character device to try writing to (the "full" device, 1:7): a node of
# our own in $T when one can be made (root), so that a regression replaces that node and never
# /dev/full itself; otherwise /dev/full (which a user without root cannot replace).
dev_node() {
	if [ ! -c "$T/dev-full" ] && ! mknod "$T/dev-full" c 1 7 2>/dev/null; then
		echo /dev/full
		return
	fi
	echo "$T/dev-full"
}

# ff_file PATH SIZE: a file of SIZE bytes of 0xFF
ff_file() { head -c "$2" /dev/zero | tr '\000' '\377' >"$1"; }

# The reason of a test point that needs the real dumps (skip "..." "$NO_FIXTURES").
NO_FIXTURES="needs ../shared/fixtures (not in a public clone)"

FIX_PINE="$BLR_FIXTURES/pinecone-factory-2m.bin"
FIX_OBK="$BLR_FIXTURES/openbeken-full-2m.bin"
HAVE_FIXTURES=1
# A public clone has no ../shared/fixtures. These tests need two realistic, different bootable
# images, not the dumps' values: generated ones stand in (tests/cli/mkimage). The OpenBeken
# stand-in's media partition is filled too, so that writing it over the other takes a while.
if [ ! -f "$FIX_PINE" ] || [ ! -f "$FIX_OBK" ]; then
	HAVE_FIXTURES=0
	FIX_PINE="$T/gen-pinecone.bin"
	FIX_OBK="$T/gen-openbeken.bin"
	"$BLR_BUILD_ROOT/tests/cli/mkimage" "$FIX_PINE" a &&
		"$BLR_BUILD_ROOT/tests/cli/mkimage" "$FIX_OBK" b || {
		echo "Bail out! tests/cli/mkimage failed"
		exit 1
	}
	yes 'generated stand-in for the OpenBeken dump' | head -c $((0x57000)) |
		dd of="$FIX_OBK" bs=4096 seek=$((0x192000 / 4096)) conv=notrunc 2>/dev/null
	echo "# ../shared/fixtures not found: generated images stand in for the two dumps"
fi
