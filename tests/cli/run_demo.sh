#!/bin/sh
# The README's first command, scripts/demo.sh, on this build (no installs, no build, no
# timing model): with the real fixtures and with generated images when they are absent.
. "$(dirname "$0")/lib.sh"
need_emu

demo() {
	env DEMO_FAST=1 DEMO_SKIP_SETUP=1 BUILD="$BLR_BUILD_ROOT" "$@" \
		sh "$BLR_SOURCE_ROOT/scripts/demo.sh" >"$T/out" 2>"$T/err"
	RC=$?
}

for variant in fixtures generated; do
	if [ $variant = fixtures ]; then
		if [ "$HAVE_FIXTURES" = 0 ]; then skip "demo with the fixtures" "$NO_FIXTURES"; continue; fi
		demo DEMO_FIXTURES="$BLR_FIXTURES"
	else
		demo DEMO_FIXTURES="$T/no-fixtures"
		check "demo (generated): says it uses generated images" out_has 'fixtures not found'
	fi
	check "demo ($variant): exit 0 and '== done'" sh -c "[ $RC -eq 0 ] && grep -q '^== done' '$T/out'"
	check "demo ($variant): the backup equals the device, byte for byte" \
		sh -c "grep -q 'sha256sum backup.bin device.bin' '$T/out' && ! grep -q 'DEMO FAILED' '$T/out'"
	check "demo ($variant): check says the backup is complete and bootable" \
		out_has 'backup.bin: complete and bootable'
	check "demo ($variant): write with --backup, verified by the chip's SHA-256" \
		out_has '^wrote openbeken.bin at 0x00000000: .*verified by the chip'
	check "demo ($variant): verify --diff lists differing sectors, exit 1" \
		sh -c "grep -q 'sectors differ:' '$T/out' && grep -q '^MISMATCH: backup.bin' '$T/out'"
	check "demo ($variant): the restored backup verifies" \
		sh -c "[ \$(grep -c '^match: backup.bin equals flash 0x00000000..0x00200000' '$T/out') -eq 1 ]"
	check "demo ($variant): says where the programs are" \
		out_has "$BLR_BUILD_ROOT/src/cli/blrescue, $BLR_BUILD_ROOT/src/emu-main/blrescue-emu"
done
# The README's paths are the demo's: it builds in the directory the README names.
def=$(sed -n 's/^BUILD=\${BUILD:-\(.*\)}$/\1/p' "$BLR_SOURCE_ROOT/scripts/demo.sh")
check "demo builds in ./$def, the directory whose programs the README names" \
	sh -c "[ -n '$def' ] && grep -q './$def/src/cli/blrescue' '$BLR_SOURCE_ROOT/README.md' && grep -q 'builds the project in \`$def/\`' '$BLR_SOURCE_ROOT/README.md'"
finish
