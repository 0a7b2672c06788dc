#!/bin/sh
# Benchmark (not a test; nothing here fails on a time): what blrescue's flash operations cost on
# a chip behind a USB-UART adapter, and what the same operations cost done the way the vendor's
# tool does them (bench/speed_vendor.c: 2 KiB reads; full-range erase, then xz writes in 2 KiB
# frames; SHA-256 verify). Both run against blrescue-emu --timing (bytes paced at the baud,
# adapter latency before every reply, flash timings) at 2,000,000 baud, with a synthetic loader
# the size of a real one (37,920 bytes), so the loader upload costs what it costs users.
#
#   sh bench/speed.sh [quick|full] [BUILD_DIR]      (default: quick, ./build)
#
# quick: 1 ms latency, the OpenBeken image. full: 1 and 16 ms latency; the PineCone and OpenBeken
# dumps (../shared/fixtures, else generated stand-ins), 2 MiB of random bytes, an erased chip.
# Per operation and way: wall time without the connect, its ratio to the wire time of a naive
# full transfer (2 MiB at 10 bits per byte: 10.49 s), bytes on the wire (both directions) and
# commands sent. Connect (process start, handshake, loader upload, identification) is shown
# per latency. Bytes and commands come from blrescue-emu --stats when it has that option, else
# from its --log: commands exactly, bytes as frame sizes (doc/protocol.md §3: 4-byte request
# header + payload; OK, FL, PD and data replies), sync bytes not counted.
set -u
MODE=${1:-quick}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${2:-${BUILD:-$ROOT/build}}
BLRESCUE=${BLRESCUE:-$B/src/cli/blrescue}
EMU=${BLRESCUE_EMU:-$B/src/emu-main/blrescue-emu}
MKLOADER=${MKLOADER:-$B/tests/cli/mkloader}
MKIMAGE=${MKIMAGE:-$B/tests/cli/mkimage}
VENDOR=${SPEED_VENDOR:-$B/bench/speed_vendor}
FIX=${BLR_FIXTURES:-$ROOT/../shared/fixtures}
BAUD=2000000
NAIVE_S=10.48576 # 2 MiB * 10 bits / 2,000,000 baud

case $MODE in
quick) LATENCIES="1"; IMAGES="openbeken" ;;
full) LATENCIES="1 16"; IMAGES="pinecone openbeken random erased" ;;
*) echo "usage: sh bench/speed.sh [quick|full] [BUILD_DIR]" >&2; exit 2 ;;
esac
# SPEED_LATENCIES="16" SPEED_IMAGES="random erased": a part of the table
LATENCIES=${SPEED_LATENCIES:-$LATENCIES}
IMAGES=${SPEED_IMAGES:-$IMAGES}
for f in "$BLRESCUE" "$EMU" "$MKLOADER" "$MKIMAGE" "$VENDOR"; do
  [ -x "$f" ] || { echo "speed.sh: $f not built (meson compile -C $B)" >&2; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/blr-speed.XXXXXX") || exit 1
EMU_PID=""
trap '[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

# ---- inputs ----
"$MKLOADER" "$T/loader.bin" deadbeef $((37920 - 192)) || exit 1 # 176-byte header + 16 segment
LOADER="$T/loader.bin"
STAND_IN=""
if [ -f "$FIX/pinecone-factory-2m.bin" ] && [ -f "$FIX/openbeken-full-2m.bin" ]; then
  cp "$FIX/pinecone-factory-2m.bin" "$T/pinecone.bin"
  cp "$FIX/openbeken-full-2m.bin" "$T/openbeken.bin"
else
  "$MKIMAGE" "$T/pinecone.bin" a && "$MKIMAGE" "$T/openbeken.bin" b || exit 1
  STAND_IN="*"
fi
head -c 2097152 /dev/urandom >"$T/random.bin"
head -c 2097152 /dev/zero | tr '\000' '\377' >"$T/erased.bin"

STATS=""
"$EMU" --help 2>/dev/null | grep -q -- '--stats' && STATS=1

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

# emu_start FLASH_FILE LATENCY: a fresh emulator (log and stats files emptied); sets PORT
emu_start() {
  : >"$T/emu.log"
  rm -f "$T/emu.out" "$T/stats"
  set -- --flash "$1" --timing --latency-ms "$2" --log "$T/emu.log"
  [ -n "$STATS" ] && set -- "$@" --stats "$T/stats"
  "$EMU" "$@" >"$T/emu.out" 2>"$T/emu.err" &
  EMU_PID=$!
  i=0
  while [ $i -lt 100 ]; do
    PORT=$(head -n 1 "$T/emu.out" 2>/dev/null)
    [ -n "$PORT" ] && [ -e "$PORT" ] && return 0
    sleep 0.05
    i=$((i + 1))
  done
  echo "speed.sh: blrescue-emu did not start" >&2
  cat "$T/emu.err" >&2
  exit 1
}
emu_stop() { kill "$EMU_PID" 2>/dev/null; wait "$EMU_PID" 2>/dev/null; EMU_PID=""; }

# log_wire: "BYTES COMMANDS" of the operation, from the emulator's log: everything after the
# connect's last command (the first loader 0x36, flash_read_jedec_id).
log_wire() {
  awk '
    !op { if ($2 == "LDR" && $3 == "0x36") op = 1; next }
    $3 !~ /^0x/ { next }
    {
      n++; req = 4; rep = 2; len = 0
      for (i = 4; i <= NF; i++) {
        if ($i ~ /^len=/) len = substr($i, 5)
        if ($i ~ /^steps=/) rep += 2 * substr($i, 7)  # a PD before each erase step
      }
      if ($3 == "0x31" || $3 == "0x3F") req += 4 + len
      else if ($3 ~ /^0x(30|32|34|3D|3E|41)$/) req += 8
      if (match($0, /-> OK \+[0-9]+ bytes/)) rep += 2 + substr($0, RSTART + 7, RLENGTH - 13)
      else if ($0 ~ /-> FL /) rep += 2
      else if ($0 ~ /-> no reply/) rep -= 2
      if ($0 ~ /late FL/) rep += 4
      w += req + rep
    }
    END { print w + 0, n + 0 }' "$T/emu.log"
}

# stats_wire: "BYTES COMMANDS" since the emulator started, from its --stats JSON (bytes_in +
# bytes_out, frames_total); nothing when the file is missing or lacks them.
stats_wire() {
  [ -f "$T/stats" ] || return 0
  set -- $(for k in bytes_in bytes_out frames_total; do
    grep -o "\"$k\": *[0-9]*" "$T/stats" | grep -o '[0-9]*$' | head -n 1
  done)
  [ $# -eq 3 ] && echo "$(($1 + $2)) $3"
}

# wire BASE: sets WIRE and CMDS of the operation (BASE: the connect-only "BYTES COMMANDS" to
# take off the --stats totals).
wire() {
  s=""
  [ -n "$STATS" ] && [ -n "$1" ] && [ -f "$T/stats" ] && s=$(stats_wire)
  if [ -n "$s" ]; then
    set -- $s $1
    WIRE=$(($1 - $3)); CMDS=$(($2 - $4))
  else
    set -- $(log_wire)
    WIRE=$1; CMDS=$2
  fi
}

# cell SECONDS: the columns of one way's result
cell() {
  awk -v t="$1" -v w="$WIRE" -v c="$CMDS" -v n="$NAIVE_S" \
    'BEGIN { printf "%7.2f s %5.2fx %8.1f KiB %6d", t, t / n, w / 1024, c }'
}
pad() { printf '%-36s' "$1"; } # a cell of text

# ---- one operation each way ----
# blr FLASH_INIT CHECK ARGS...: blrescue ARGS on a chip holding FLASH_INIT; CELL gets the result.
# CHECK: "read" (the output equals the chip), "write IMG" (the chip holds IMG), "ok" (exit 0).
blr() {
  init=$1 chk=$2; shift 2
  cp "$init" "$T/flash.bin"
  rm -f "$T/read.bin"
  emu_start "$T/flash.bin" "$LAT"
  t0=$(now)
  "$BLRESCUE" -q -p "$PORT" --loader "$LOADER" -b "$BAUD" "$@" >"$T/out" 2>"$T/err"
  rc=$?
  t1=$(now)
  emu_stop
  if ! result_ok "$chk" "$rc" "$init"; then CELL=$(pad "  FAILED (exit $rc)"); sed 's/^/# /' "$T/err" >&2; return; fi
  wire "$BLR_BASE"
  CELL=$(cell "$(sub "$(sub "$t1" "$t0")" "$BLR_CONNECT")")
}

# ven FLASH_INIT CHECK OP [FILE]: the vendor way; the client times its own operation.
ven() {
  init=$1 chk=$2; shift 2
  cp "$init" "$T/flash.bin"
  rm -f "$T/read.bin"
  emu_start "$T/flash.bin" "$LAT"
  "$VENDOR" "$PORT" "$LOADER" "$@" >"$T/vout" 2>"$T/err"
  rc=$?
  emu_stop
  if ! result_ok "$chk" "$rc" "$init"; then CELL=$(pad "  FAILED (exit $rc)"); sed 's/^/# /' "$T/err" >&2; return; fi
  wire "$VEN_BASE"
  CELL=$(cell "$(awk '{ print $4 }' "$T/vout")")
}

result_ok() { # CHECK RC INIT
  [ "$2" -eq 0 ] || return 1
  case $1 in
  read) cmp -s "$T/read.bin" "$3" ;;
  write*) cmp -s "$T/flash.bin" "${1#write }" ;;
  *) true ;;
  esac
}

row() { printf '%-10s %-23s|%s |%s\n' "$1" "$2" "$3" "$4" | sed 's/ *$//'; }

# connect LAT: BLR_CONNECT (wall time of 'blrescue info'), VEN_CONNECT (the client's own), and
# the connect-only --stats baselines.
connect() {
  emu_start "$T/erased.bin" "$LAT"
  t0=$(now)
  "$BLRESCUE" -q -p "$PORT" --loader "$LOADER" -b "$BAUD" info >/dev/null 2>"$T/err" ||
    { cat "$T/err" >&2; exit 1; }
  t1=$(now)
  emu_stop
  BLR_CONNECT=$(sub "$t1" "$t0")
  BLR_BASE=$(stats_wire)
  emu_start "$T/erased.bin" "$LAT"
  "$VENDOR" "$PORT" "$LOADER" connect >"$T/vout" 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
  emu_stop
  VEN_CONNECT=$(awk '{ print $2 }' "$T/vout")
  VEN_BASE=$(stats_wire)
}

# one IMAGE: its operations at latency LAT
one() {
  img=$1
  f="$T/$img.bin"
  name="$img"
  case $img in pinecone | openbeken) name="$img$STAND_IN" ;; esac
  blr "$f" read read "$T/read.bin"; a=$CELL
  ven "$f" read read "$T/read.bin"; row "$name" "read" "$a" "$CELL"
  if "$BLRESCUE" read --help 2>/dev/null | grep -q -- '--base'; then
    blr "$f" read read "$T/read.bin" --base "$f"; a=$CELL
  else
    a=$(pad "      n/a (read has no --base)")
  fi
  row "$name" "read --base, unchanged" "$a" "$(pad "      (as read: no such option)")"
  if [ "$img" != erased ]; then
    blr "$T/erased.bin" "write $f" write "$f" --force; a=$CELL
    ven "$T/erased.bin" "write $f" write "$f"; row "$name" "write onto erased" "$a" "$CELL"
  fi
  blr "$f" "write $f" write "$f" --force; a=$CELL
  ven "$f" "write $f" write "$f"; row "$name" "write onto identical" "$a" "$CELL"
  if [ "$img" = openbeken ]; then
    blr "$T/pinecone.bin" "write $f" write "$f" --force; a=$CELL
    ven "$T/pinecone.bin" "write $f" write "$f"
    row "$name" "write onto PineCone's" "$a" "$CELL"
  fi
  blr "$f" ok verify "$f"; a=$CELL
  ven "$f" ok verify "$f"; row "$name" "verify" "$a" "$CELL"
}

echo "blrescue speed ($MODE): $BAUD baud, blrescue-emu --timing, 2 MiB flash, loader $(wc -c <"$LOADER") bytes (synthetic)"
echo "time: the operation without the connect; ratio: time / $NAIVE_S s (a naive 2 MiB transfer)"
if [ -n "$STATS" ]; then
  echo "wire and cmds: blrescue-emu --stats (bytes both ways, frames) minus a connect-only run's"
else
  echo "wire and cmds: from blrescue-emu --log (no --stats yet): commands exact, bytes = frame sizes, sync bytes not counted"
fi
[ -n "$STAND_IN" ] && echo "*: generated stand-in image (tests/cli/mkimage): $FIX not found"
for LAT in $LATENCIES; do
  connect
  echo
  echo "== adapter latency $LAT ms; connect: blrescue $BLR_CONNECT s (blrescue info), vendor way $VEN_CONNECT s"
  row "" "" "$(pad " blrescue")" "$(pad " vendor way")"
  h=$(printf '%9s %6s %12s %6s' time ratio wire cmds)
  row "image" "operation" "$h" "$h"
  for img in $IMAGES; do one "$img"; done
done
