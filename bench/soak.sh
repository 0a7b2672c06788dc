#!/bin/sh
# Soak runner: seeded cases of `blrescue read`, `write` and `verify` (and `read --resume` once
# the command has it) against blrescue-emu with injected faults (blrescue-emu(1) FAULTS,
# doc/protocol.md §12 EMU-16..EMU-20), on 2 MiB random and fixture images, each case with a
# time limit. Every case is classified:
#   correct  exit 0 and the output file / flash / answer is what it should be
#   clean    non-zero exit, an error message, no output file left; for a write the message
#            says what state the flash may be in
#   unclean  non-zero exit without all of that (no message, a file left behind, no word on
#            the flash)
#   silent   silent corruption: exit 0 with wrong data, a complete-looking wrong output file,
#            or a wrong verify answer
#   hang     the time limit was hit (also by a tool that still makes progress, too slowly)
#   crash    blrescue or blrescue-emu killed by a signal or a sanitizer report
# Prints counts per fault kind and rate ("hit": cases in which a fault was injected at all; a
# byte index past the traffic of the operation injects none) and every case that is not
# correct with the command that replays it. Exit status: 0 all acceptable; 1 any silent corruption, hang or crash, or a
# case with a byte fault rate of 1/20000 or rarer that is not correct; 2 bad usage or setup.
#
# The case list is a pure function of -s and the case number: case K of seed S is always the
# same operation, image, fault spec and emulator seed (-c K runs just that one, keeping its
# files). The emulator's decisions depend only on its seed and the bytes it is sent.
#
# usage: bench/soak.sh [-n CASES] [-s SEED] [-j JOBS] [-t LIMIT] [-B BUILD] [-c CASE] [-k DIR]
#   -n cases (default 1000; CI: -n 100), -s seed of the case list (1), -j cases run at once (2),
#   -t time limit per case in seconds (60), -B the meson build directory (./build; BLRESCUE,
#   BLRESCUE_EMU, MKLOADER, SOAKIMG, MKIMAGE, BLR_FIXTURES override), -c run only case CASE
#   and show its logs, -k copy the files of every case that is not correct into DIR.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIDE_MAGIC=BLRESCUE-RESUME
N=1000 SEED=1 JOBS=2 LIMIT=60 BUILD="$ROOT/build" ONLY="" KEEP=""
usage() {
	echo "usage: $0 [-n CASES] [-s SEED] [-j JOBS] [-t LIMIT_S] [-B BUILD_DIR] [-c CASE] [-k KEEP_DIR]" >&2
	exit 2
}
while getopts n:s:j:t:B:c:k:h o; do
	case $o in
	n) N=$OPTARG ;; s) SEED=$OPTARG ;; j) JOBS=$OPTARG ;; t) LIMIT=$OPTARG ;;
	B) BUILD=$OPTARG ;; c) ONLY=$OPTARG ;; k) KEEP=$OPTARG ;; *) usage ;;
	esac
done
for v in "$N" "$SEED" "$JOBS" "$LIMIT" ${ONLY:+"$ONLY"}; do
	case $v in '' | *[!0-9]*) usage ;; esac
done
[ "$JOBS" -ge 1 ] || usage
BLRESCUE=${BLRESCUE:-$BUILD/src/cli/blrescue}
EMU=${BLRESCUE_EMU:-$BUILD/src/emu-main/blrescue-emu}
MKLOADER=${MKLOADER:-$BUILD/tests/cli/mkloader}
MKIMAGE=${MKIMAGE:-$BUILD/tests/cli/mkimage}
SOAKIMG=${SOAKIMG:-$BUILD/bench/soak_img}
FIX=${BLR_FIXTURES:-$ROOT/../shared/fixtures}
for f in "$BLRESCUE" "$EMU" "$MKLOADER" "$SOAKIMG"; do
	[ -x "$f" ] || { echo "soak: $f is not built (meson compile -C $BUILD)" >&2; exit 2; }
done
command -v timeout >/dev/null || { echo "soak: needs timeout(1) (coreutils)" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/blr-soak.XXXXXX") || exit 2
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
"$MKLOADER" "$W/loader.bin" >/dev/null || exit 2
SIZE=2097152

# Images: the 2 MiB fixtures, else two generated bootable ones; random ones per case.
IMAGES=""
for f in "$FIX"/*.bin; do
	[ -f "$f" ] && [ "$(wc -c <"$f")" -eq $SIZE ] && IMAGES="$IMAGES $f"
done
if [ -z "$IMAGES" ] && [ -x "$MKIMAGE" ]; then
	"$MKIMAGE" "$W/gen-a.bin" a >/dev/null && "$MKIMAGE" "$W/gen-b.bin" b >/dev/null &&
		IMAGES="$W/gen-a.bin $W/gen-b.bin"
fi
NIMG=$(echo $IMAGES | wc -w)

RESUME=0
"$BLRESCUE" help read 2>&1 | grep -q -- '--resume' && RESUME=1

# ---- the case list: a pure function of SEED and the case number ----
R=0
rnd() { # V = a number in [0, $1)
	R=$(((R * 1103515245 + 12345) % 2147483648)); hi=$((R / 256))
	R=$(((R * 1103515245 + 12345) % 2147483648)); V=$(((hi * 8388608 + R / 256) % $1))
}
pick() { # P = one of the arguments
	rnd $#; shift "$V"; P=$1
}
CLASSES="none drop-in drop-out dup-in dup-out flip-in flip-out drop-in@ flip-out@ dup-out@
stall autobaud reset-rom reset-app vanish program-fail erase-fail slow-erase"
NCLASS=$(echo $CLASSES | wc -w)

# when IN OUT CMDS: TW = a trigger of an event (a byte index of either direction, a command
# count, a time within about the operation's length); WV its variant (@in, @out, ...)
when() {
	pick in out cmd t
	case $P in
	in) rnd "$1"; TW="in:$V" ;;
	out) rnd "$2"; TW="out:$V" ;;
	cmd) rnd "$3"; TW="cmd:$((V + 1))" ;;
	t) rnd 1500; TW="t:${V}ms" ;;
	esac
	WV="@$P"
}

# gen K: the parameters of case K in OP IMG BASE VMUT KIND VAR SPEC ESEED.
gen() {
	R=$(((SEED * 7919 + $1 * 104729 + 12345) % 2147483648))
	set -- $CLASSES
	shift $((K % NCLASS))
	rnd 1000; rnd 1000
	KIND=$1
	case $KIND in program-fail | erase-fail | slow-erase) OP=write ;;
	*) if [ $RESUME = 1 ]; then pick read write verify resume; else pick read write verify; fi
		OP=$P ;;
	esac
	case $OP in # host bytes, device bytes, commands of a fault-free run (roughly)
	write) EI=900000 EO=10000 EC=400 ;;
	verify) EI=9900 EO=140 EC=12 ;;
	*) EI=11000 EO=2090000 EC=140 ;;
	esac
	rnd 2
	if [ "$V" = 0 ] || [ "$NIMG" = 0 ]; then IMG=rand; else pick $IMAGES; IMG=$P; fi
	pick other 1 4 16 64 # write: the flash before (another image, or K sectors changed)
	BASE=$P
	pick 0 1 # verify: the file differs in one sector
	VMUT=$P
	VAR="" SPEC=""
	case $KIND in
	none) ;;
	*@) KIND=${KIND%@}; VAR="@byte"
		case $KIND in *-in) rnd $EI ;; *) rnd $EO ;; esac
		SPEC="$KIND=@$V" ;;
	drop-* | dup-* | flip-*) pick 2000 20000 200000; VAR="1/$P"; SPEC="$KIND=1/$P" ;;
	stall) pick 300ms 1s 3s 6s; d=$P; when $EI $EO $EC; VAR="$d $WV"; SPEC="stall=$d@$TW" ;;
	program-fail) pick "#" 1/
		if [ "$P" = "#" ]; then rnd 100; SPEC="$KIND=#$((V + 1))"; VAR="#N"
		else pick 20 200; SPEC="$KIND=1/$P"; VAR="1/$P"; fi ;;
	erase-fail) rnd 8; VAR="#N"; SPEC="$KIND=#$((V + 1))" ;;
	slow-erase) pick x2 x4 x10; VAR=$P; SPEC="$KIND=$P" ;;
	*) when $EI $EO $EC; VAR=$WV; SPEC="$KIND=@$TW" ;;
	esac
	rnd 1000000000
	ESEED=$V
}

# ---- running one case ----
start_emu() { # D [emu options]: sets EP, PORT
	d=$1; shift
	"$EMU" --flash "$d/flash.bin" --log "$d/emu.log" --fault-log "$d/faults.log" \
		--stats "$d/stats.json" --seed "$ESEED" "$@" >"$d/emu.out" 2>"$d/emu.err" &
	EP=$!
	i=0
	while [ $i -lt 200 ]; do
		PORT=$(head -n 1 "$d/emu.out" 2>/dev/null)
		[ -n "$PORT" ] && [ -e "$PORT" ] && return 0
		sleep 0.02
		i=$((i + 1))
	done
	return 1
}

# crashed RC FILE...: a signal or a sanitizer report
crashed() {
	r=$1; shift
	[ "$r" -ge 128 ] && [ "$r" -ne 130 ] && return 0
	grep -qE 'Sanitizer|runtime error:' "$@" 2>/dev/null
}

# prepare: the case's files in D: image.bin (what should end up in the output or flash),
# flash.bin (the emulator's flash) and for verify file.bin
prepare() {
	mkdir -p "$D/o" || return 1
	if [ "$IMG" = rand ]; then "$SOAKIMG" "$D/image.bin" "$ESEED" || return 1
	else cp "$IMG" "$D/image.bin" || return 1; fi
	case $OP in
	write) if [ "$BASE" = other ]; then "$SOAKIMG" "$D/flash.bin" "$((ESEED + 1))"
		else "$SOAKIMG" -m "$D/image.bin" "$D/flash.bin" "$ESEED" "$BASE"; fi ;;
	verify) cp "$D/image.bin" "$D/flash.bin" || return 1
		if [ "$VMUT" = 1 ]; then "$SOAKIMG" -m "$D/image.bin" "$D/file.bin" "$ESEED" 1
		else cp "$D/image.bin" "$D/file.bin"; fi ;;
	*) cp "$D/image.bin" "$D/flash.bin" ;;
	esac
}

# run_case K: runs it in $W/K and prints its result line
run_case() {
	K=$1
	gen "$K"
	D="$W/$K"
	if ! prepare; then
		echo "$K|$OP|$IMG|$KIND|$VAR|$SPEC|$ESEED|error|-|0|0|soak: cannot make the images"
		return
	fi
	case $OP in
	write) set -- write "$D/image.bin" --force ;;
	verify) set -- verify "$D/file.bin" ;;
	*) set -- read "$D/o/out.bin" ;;
	esac
	t0=$(date +%s.%N)
	if ! start_emu "$D" ${SPEC:+--faults "$SPEC"}; then
		echo "$K|$OP|$IMG|$KIND|$VAR|$SPEC|$ESEED|error|-|0|0|blrescue-emu did not start"
		return
	fi
	timeout -k 5 "$LIMIT" "$BLRESCUE" -p "$PORT" --loader "$W/loader.bin" "$@" >"$D/out" 2>"$D/err"
	rc=$?
	if [ "$OP" = resume ] && [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 137 ]; then
		timeout -k 5 "$LIMIT" "$BLRESCUE" -p "$PORT" --loader "$W/loader.bin" "$@" --resume \
			>>"$D/out" 2>>"$D/err"
		rc=$?
	fi
	kill "$EP" 2>/dev/null
	(sleep 10; kill -KILL "$EP" 2>/dev/null) >/dev/null 2>&1 & # if it ignores SIGTERM
	KP=$!
	wait "$EP"
	erc=$?
	kill "$KP" 2>/dev/null
	t1=$(date +%s.%N)
	classify
	nf=$(sed -n 's/.*"faults_total": \([0-9]*\).*/\1/p' "$D/stats.json" 2>/dev/null)
	msg=$( (grep -m 1 'blrescue: error' "$D/err" || grep -m 1 -i 'error' "$D/err") | cut -c 1-160 | tr '|' '/')
	echo "$K|$OP|$IMG|$KIND|$VAR|$SPEC|$ESEED|$CLASS|$rc|$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")|${nf:-?}|$msg"
	if [ -n "$ONLY" ]; then
		: # kept for the report
	elif [ "$CLASS" = correct ]; then
		rm -rf "$D"
	elif [ -n "$KEEP" ]; then
		mkdir -p "$KEEP" && rm -rf "${KEEP:?}/$K" && cp -r "$D" "$KEEP/$K" && rm -rf "$D"
	fi
}

# sidecar_ok: a read that failed may keep what the chip confirmed in OUT.blrescue-resume (never a
# dump: it starts with its magic); anything else in the output folder is a leftover.
sidecar_ok() {
	f="$D/o/out.bin.blrescue-resume"
	[ ! -e "$f" ] || [ "$(head -c 15 "$f")" = "$SIDE_MAGIC" ]
}

# classify: CLASS of the case just run (rc: blrescue, erc: blrescue-emu)
classify() {
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then CLASS=hang; return; fi
	if crashed $rc "$D/err" || { [ $erc -ne 0 ] && [ $erc -ne 3 ] && [ $erc -ne 143 ]; } ||
		grep -qE 'Sanitizer|runtime error:' "$D/emu.err"; then
		CLASS=crash; return
	fi
	case $OP in
	write) good() { cmp -s "$D/flash.bin" "$D/image.bin"; } ;;
	verify) good() { [ $rc -eq "$VMUT" ]; } ;;
	*) good() { cmp -s "$D/o/out.bin" "$D/image.bin" && [ "$(ls -A "$D/o")" = out.bin ]; } ;;
	esac
	if [ $rc -eq 0 ] || { [ "$OP" = verify ] && [ $rc -eq 1 ]; }; then
		if good; then CLASS=correct; else CLASS=silent; fi
		return
	fi
	if [ -f "$D/o/out.bin" ] && [ "$(wc -c <"$D/o/out.bin")" -eq $SIZE ] &&
		! cmp -s "$D/o/out.bin" "$D/image.bin"; then
		CLASS=silent # a complete-looking, wrong output file
	elif ! grep -qi 'error' "$D/err" || [ -n "$(ls -A "$D/o" | grep -v '\.blrescue-resume$')" ] ||
		! sidecar_ok; then
		CLASS=unclean
	elif [ "$OP" = write ] && ! grep -qEi 'flash (may|is|was|has|holds|still)|may now hold|nothing was (written|erased|changed)|unchanged|untouched' "$D/err"; then
		CLASS=unclean
	else
		CLASS=clean
	fi
}

# ---- run ----
T0=$(date +%s)
if [ -n "$ONLY" ]; then
	K=$ONLY
	run_case "$ONLY" >"$W/results"
	for f in faults.log err emu.err; do
		echo "== $f"
		tail -n 20 "$W/$ONLY/$f"
	done
	[ -n "$KEEP" ] && mkdir -p "$KEEP" && rm -rf "${KEEP:?}/$ONLY" && cp -r "$W/$ONLY" "$KEEP/$ONLY"
else
	j=0
	while [ $j -lt "$JOBS" ]; do
		(k=$j; while [ $k -lt "$N" ]; do run_case $k; k=$((k + JOBS)); done) >"$W/res.$j" &
		j=$((j + 1))
	done
	wait
	sort -t '|' -k1,1n "$W"/res.* >"$W/results"
fi
T1=$(date +%s)
[ -n "$KEEP" ] && mkdir -p "$KEEP" && cp "$W/results" "$KEEP/results"

# ---- report ----
echo "blrescue soak: $(wc -l <"$W/results") cases, seed $SEED, $JOBS jobs, limit ${LIMIT}s, $((T1 - T0)) s"
echo "images: random (seeded) and${IMAGES:- no fixture or generated images}" | sed "s|$FIX/||g"
[ $RESUME = 0 ] && echo "read --resume: skipped (blrescue read has no --resume yet)"
awk -F'|' -v lim=20000 -v seed="$SEED" -v build="$BUILD" '
function row(k) { if (!(k in seen)) { seen[k] = 1; keys[++nk] = k } }
{
	k = $4 " " $5; row(k); n[k]++; c[k, $8]++; tot[$8]++; op[$2, $8]++; ops[$2] = 1
	if ($11 + 0 > 0) { hit[k]++; hits++ }
	if ($8 == "silent" || $8 == "hang" || $8 == "crash") bad = 1
	if ($8 == "error") err = 1
	if ($8 != "correct" && $5 ~ /^1\// && substr($5, 3) + 0 >= lim && $4 ~ /^(drop|dup|flip)-/) {
		bad = 1; strict[++ns] = $1
	}
	if ($8 != "correct") fails[++nf] = $0
}
END {
	for (i = 2; i <= nk; i++) # rows in name order
		for (j = i; j > 1 && keys[j - 1] > keys[j]; j--) {
			t = keys[j]; keys[j] = keys[j - 1]; keys[j - 1] = t
		}
	split("correct clean unclean silent hang crash", cl, " ")
	printf "\n%-24s %5s %5s", "fault kind / rate", "cases", "hit"
	for (i = 1; i <= 6; i++) printf " %8s", cl[i]
	printf "\n"
	for (r = 1; r <= nk; r++) {
		k = keys[r]; printf "%-24s %5d %5d", k, n[k], hit[k]
		for (i = 1; i <= 6; i++) printf " %8d", c[k, cl[i]]
		printf "\n"
	}
	printf "%-24s %5d %5d", "all", NR, hits
	for (i = 1; i <= 6; i++) printf " %8d", tot[cl[i]]
	printf "\n"
	for (o in ops) {
		printf "%-36s", "  operation " o
		for (i = 1; i <= 6; i++) printf " %8d", op[o, cl[i]]
		printf "\n"
	}
	if (nf) printf "\nnot correct (case op image kind spec emu-seed class exit secs faults message):\n"
	for (i = 1; i <= nf; i++) {
		split(fails[i], f, "|"); img = f[3]; sub(/.*\//, "", img)
		printf "  %s %s %s %s '\''%s'\'' %s %s exit=%s %ss faults=%s %s\n", f[1], f[2], img, f[4], f[6], f[7], f[8], f[9], f[10], f[11], f[12]
	}
	if (nf) printf "replay one: sh bench/soak.sh -s %s -c CASE -B %s\n", seed, build
	if (ns) { printf "\nbyte fault rates of 1/%d or rarer not handled correctly in cases:", lim
		for (i = 1; i <= ns; i++) printf " %s", strict[i]; printf "\n" }
	if (err) printf "\nthe harness itself failed in some cases (class error)\n"
	exit err ? 2 : bad
}' "$W/results"
