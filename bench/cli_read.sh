#!/bin/sh
# Benchmark: `blrescue read` of a whole 2 MiB flash from blrescue-emu with its timing model on
# (bytes paced at the client's baud, adapter latency, flash timings), i.e. roughly what a real
# chip behind a USB-UART adapter would cost. Prints one line per baud rate.
# The PineCone dump of ../shared/fixtures, else a generated image (tests/cli/mkimage).
# Env: BLRESCUE, BLRESCUE_EMU, MKLOADER, MKIMAGE, BLR_FIXTURES (set by bench/meson.build).
set -u
T=$(mktemp -d "${TMPDIR:-/tmp}/blr-bench.XXXXXX") || exit 1
EMU_PID=""
trap 'kill $EMU_PID 2>/dev/null; rm -rf "$T"' EXIT
"$MKLOADER" "$T/loader.bin" || exit 1
cp "$BLR_FIXTURES/pinecone-factory-2m.bin" "$T/flash.bin" 2>/dev/null ||
	"$MKIMAGE" "$T/flash.bin" || exit 1
for baud in 2000000 1000000 460800; do
	rm -f "$T/emu.out"
	"$BLRESCUE_EMU" --flash "$T/flash.bin" --timing --latency-ms "${LATENCY_MS:-2}" >"$T/emu.out" 2>/dev/null &
	EMU_PID=$!
	i=0
	while [ $i -lt 100 ] && [ ! -s "$T/emu.out" ]; do sleep 0.05; i=$((i + 1)); done
	PORT=$(head -n 1 "$T/emu.out")
	t0=$(date +%s.%N)
	"$BLRESCUE" -q -p "$PORT" --loader "$T/loader.bin" -b "$baud" read "$T/dump.bin" --force >/dev/null || exit 1
	t1=$(date +%s.%N)
	cmp -s "$T/dump.bin" "$T/flash.bin" || { echo "dump differs"; exit 1; }
	echo "blrescue read 2 MiB at $baud baud (emulated timing, ${LATENCY_MS:-2} ms latency): $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s (connect + loader upload + read + SHA-256 check)"
	kill "$EMU_PID"; wait "$EMU_PID" 2>/dev/null
done
