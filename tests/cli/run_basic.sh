#!/bin/sh
# blrescue without a chip: help, version, option and number errors, loader discovery,
# output/input file checks, port errors, and help vs. man page drift.
. "$(dirname "$0")/lib.sh"

COMMANDS="info read write erase verify monitor loader ports inspect check scrub chips help"
MAN="$BLR_SOURCE_ROOT/doc/blrescue.1.in"

run --version
check "--version prints the version" sh -c "[ $RC -eq 0 ] && grep -q '^blrescue [0-9][0-9.]*' '$T/out'"
run --help
check "--help lists every command" sh -c "[ $RC -eq 0 ] && for c in $COMMANDS; do grep -q \"^  \$c \" '$T/out' || exit 1; done"
run
check "no command: usage on stderr, exit 64" sh -c "[ $RC -eq 64 ] && grep -q usage '$T/err'"
run frobnicate
check "unknown command: exit 64" sh -c "[ $RC -eq 64 ] && grep -q \"unknown command 'frobnicate'\" '$T/err'"

for c in $COMMANDS; do
	run "$c" --help
	cp "$T/out" "$T/help1"
	r1=$RC
	run help "$c"
	check "$c --help: exit 0, usage, same text as 'help $c'" \
		sh -c "[ $r1 -eq 0 ] && [ $RC -eq 0 ] && grep -q '^usage: blrescue $c' '$T/help1' && cmp -s '$T/help1' '$T/out'"
done
run dump --help
check "dump is an alias of read" sh -c "[ $RC -eq 0 ] && grep -q '^usage: blrescue read' '$T/out'"
for a in flash_id chip_id read_mac flash-id; do
	run "$a" --help
	check "esptool's $a is an alias of info" sh -c "[ $RC -eq 0 ] && grep -q '^usage: blrescue info' '$T/out'"
done

# ---- esptool's flash commands: the exact blrescue line; mistyped names: did you mean ----
run -p /dev/ttyUSB0 read_flash 0 0x200000 "$T/out.bin"
qcheck "read_flash ADDR SIZE FILE: exit 64, the blrescue line with the global options" \
	sh -c "[ $RC -eq 64 ] && grep -q -x '  blrescue -p /dev/ttyUSB0 read $T/out.bin --addr 0 --size 0x200000' '$T/err' && [ ! -e '$T/out.bin' ]"
run write_flash -z --flash_mode dio 0x0 boot.bin 0x10000 "my app.bin"
qcheck "write_flash with two ADDR FILE pairs and esptool options: one write line per pair" \
	sh -c "[ $RC -eq 64 ] && grep -q -x '  blrescue write boot.bin --addr 0x0' '$T/err' && grep -q -x \"  blrescue write 'my app.bin' --addr 0x10000\" '$T/err'"
run read-flash 0 ALL o.bin
qcheck "read-flash (esptool 5 spelling) with SIZE ALL: the whole flash, no --size" \
	sh -c "[ $RC -eq 64 ] && grep -q -x '  blrescue read o.bin --addr 0' '$T/err'"
run erase_flash
qcheck "erase_flash: 'blrescue erase --all' named, nothing run" \
	sh -c "[ $RC -eq 64 ] && grep -q -x '  blrescue erase --all' '$T/err'"
run erase_region 0x1000 0x2000
qcheck "erase_region ADDR SIZE: blrescue erase --addr ADDR --size SIZE" \
	sh -c "[ $RC -eq 64 ] && grep -q -x '  blrescue erase --addr 0x1000 --size 0x2000' '$T/err'"
run verify_flash 0x10000 app.bin
qcheck "verify_flash ADDR FILE: blrescue verify FILE --addr ADDR" \
	sh -c "[ $RC -eq 64 ] && grep -q -x '  blrescue verify app.bin --addr 0x10000' '$T/err'"
run raed x.bin
check "a mistyped command: did you mean 'read'" sh -c "[ $RC -eq 64 ] && grep -q \"did you mean 'read'\" '$T/err'"
run veirfy
check "a transposition: did you mean 'verify'" sh -c "[ $RC -eq 64 ] && grep -q \"did you mean 'verify'\" '$T/err'"
run xyzzy
check "nothing close: no suggestion" sh -c "[ $RC -eq 64 ] && ! grep -q 'did you mean' '$T/err'"
run help nosuch
check "help for an unknown command: exit 64" rc_is 64

# ---- help and man page do not drift ----
missing=""
for c in $COMMANDS; do
	grep -q "^\.It Cm $c\b" "$MAN" || grep -q "^\.Cm $c\b" "$MAN" || missing="$missing $c"
	"$BLRESCUE" help "$c" >"$T/h" 2>&1
	for o in $(grep -o -e '--[a-z][a-z-]*' "$T/h" | sort -u); do
		grep -q -e "Fl $o\b" -e "Fl -${o#--}\b" "$MAN" || missing="$missing $c:$o"
	done
done
"$BLRESCUE" --help >"$T/h" 2>&1
for o in $(grep -o -e '--[a-z][a-z-]*' "$T/h" | sort -u); do
	grep -q -e "Fl -${o#--}\b" "$MAN" || missing="$missing global:$o"
done
check "every command and long option of the help is in blrescue.1${missing:+ (missing:$missing)}" [ -z "$missing" ]
extra=""
for c in $COMMANDS; do "$BLRESCUE" help "$c"; done >"$T/allhelp" 2>&1
"$BLRESCUE" --help >>"$T/allhelp" 2>&1
for o in $(grep -o -e 'Fl -[a-z][a-z-]*' "$MAN" | sed 's/^Fl //' | sort -u); do
	grep -q -e "-$o\b" "$T/allhelp" || extra="$extra -$o"
done
check "every long option in blrescue.1 exists in the help${extra:+ (stale:$extra)}" [ -z "$extra" ]

# The offline commands parse their own options (src/cli/cmd_image.c): every one of them must
# be in the help texts of the command table (and so, by the checks above, in blrescue.1).
missing=""
for o in $(grep -o '{"[a-z][a-z-]*", *[a-z_]*argument' "$BLR_SOURCE_ROOT/src/cli/cmd_image.c" | sed 's/{"\([a-z-]*\)".*/\1/' | sort -u); do
	grep -q -e "--$o\b" "$T/allhelp" || missing="$missing --$o"
done
check "every option of the offline commands is in the help${missing:+ (missing:$missing)}" [ -z "$missing" ]

EMAN="$BLR_SOURCE_ROOT/doc/blrescue-emu.1.in"
if [ -x "$BLRESCUE_EMU" ]; then
	"$BLRESCUE_EMU" --help >"$T/eh" 2>&1
	missing=""
	for o in $(grep -o -e '--[a-z][a-z0-9-]*' "$T/eh" | sort -u); do
		grep -q -e "Fl -${o#--}\b" "$EMAN" || missing="$missing $o"
	done
	check "every long option of 'blrescue-emu --help' is in blrescue-emu.1${missing:+ (missing:$missing)}" [ -z "$missing" ]
	extra=""
	for o in $(grep -o -e 'Fl -[a-z][a-z0-9-]*' "$EMAN" | sed 's/^Fl //' | sort -u); do
		grep -q -e "-$o\b" "$T/eh" || extra="$extra -$o"
	done
	check "every long option in blrescue-emu.1 exists in its --help${extra:+ (stale:$extra)}" [ -z "$extra" ]
else
	skip "blrescue-emu --help vs blrescue-emu.1" "blrescue-emu not built"
	skip "blrescue-emu.1 vs blrescue-emu --help" "blrescue-emu not built"
fi

if command -v mandoc >/dev/null 2>&1; then
	for m in blrescue blrescue-emu; do
		sed 's/@VERSION@/0.0.0/' "$BLR_SOURCE_ROOT/doc/$m.1.in" >"$T/$m.1"
		mandoc -Tlint -W warning "$T/$m.1" >"$T/lint" 2>&1
		RC=$?
		cp "$T/lint" "$T/err"
		check "mandoc -Tlint: $m.1 has no warnings" sh -c "[ $RC -eq 0 ] && [ ! -s '$T/lint' ]"
	done
else
	skip "mandoc -Tlint blrescue.1" "mandoc not installed"
	skip "mandoc -Tlint blrescue-emu.1" "mandoc not installed"
fi

# ---- numbers and option errors (exit 64, nothing touched) ----
for bad in "--start 0x" "--start 1.5M" "--start -1" "--size 12abc" "--end 0x100000000" "--size 4G"; do
	# shellcheck disable=SC2086
	run read "$T/never.bin" $bad
	check "read $bad: bad number, exit 64" sh -c "[ $RC -eq 64 ] && grep -q 'bad number' '$T/err' && [ ! -e '$T/never.bin' ]"
done
run read "$T/never.bin" --start 0x1000 --size 4k --end 0x3000
check "read with both --size and --end: exit 64" rc_is 64
run read "$T/never.bin" --start 0x2000 --end 0x1000
check "read with --end below --start: exit 64" sh -c "[ $RC -eq 64 ] && grep -q exclusive '$T/err'"
run -b fast info
check "-b with a non-number: exit 64" rc_is 64
run info -V
check "info -V: the version, exit 0, no connection attempted" \
	sh -c "[ $RC -eq 0 ] && grep -q '^blrescue [0-9]' '$T/out' && ! [ -s '$T/err' ]"
run -b 2M info
check "-b 2M (2097152, not 2 Mbaud): refused, exit 64, the full rate suggested" \
	sh -c "[ $RC -eq 64 ] && grep -q '2097152 baud' '$T/err' && grep -q 2000000 '$T/err'"
# Rates the chip's auto-baud would turn into another: refused before connecting (blr_loader_baud,
# blr_rom_baud), naming the rate the chip would use and the nearest good ones.
run -b 1200000 -p /dev/null --loader /nonexistent info
qcheck "-b 1200000: refused at once (exit 64): the loader would run at 1000000; 1000000 or 1500000" \
	sh -c "[ $RC -eq 64 ] && grep -q 'would run at 1000000 baud' '$T/err' && grep -q -- '-b 1000000 or -b 1500000' '$T/err' && ! grep -q Connecting '$T/err'"
run --rom-baud 2100000 -p /dev/null --loader /nonexistent info
qcheck "--rom-baud 2100000: refused (the ROM would run at 2000000), 2000000 or 2500000 named" \
	sh -c "[ $RC -eq 64 ] && grep -q 'boot ROM would run at 2000000' '$T/err' && grep -q -- '--rom-baud 2000000 or --rom-baud 2500000' '$T/err'"
run -b 921600 -p /dev/null --loader /nonexistent info
check "-b 921600 (within 3 % of what the loader measures) is accepted" \
	sh -c "[ $RC -ne 64 ] && ! grep -q 'would run at' '$T/err'"
run -b 1200000 monitor --baud 1200000 -p "$T/no-such-tty"
check "monitor --baud 1200000 is not checked (a console rate), nor -b for monitor" \
	sh -c "[ $RC -eq 69 ] && ! grep -q 'would run at' '$T/err'"
run monitor --baud 115k
check "monitor --baud 115k (117760): refused, exit 64" sh -c "[ $RC -eq 64 ] && grep -q '117760 baud' '$T/err'"
run --rom-baud 0x7A120 -q loader --loader "$T/none.bin"
check "--rom-baud in hex is accepted (the loader error comes next)" rc_is 66
run --rom-baud 12 info
check "--rom-baud out of range: exit 64" rc_is 64
run read
check "read without a file: exit 64" rc_is 64
run read a b
check "read with two files: exit 64" rc_is 64
# one name for a flash address: --addr everywhere, --start the same
: >"$T/empty-app.bin"
for c in write verify; do
	run -p /dev/null --loader "$LOADER" $c "$T/empty-app.bin" --start 0x10000
	check "$c FILE --start 0x10000 is accepted (the same as --addr)" sh -c "[ $RC -eq 65 ] && grep -q empty '$T/err'"
done
run read "$T/never.bin" --addr 0x
check "read --addr takes an address too (bad number named as --addr)" \
	sh -c "[ $RC -eq 64 ] && grep -q 'bad number for --addr' '$T/err'"
run read "$T/never.bin" --start 0x
check "... and --start is named as typed" sh -c "[ $RC -eq 64 ] && grep -q 'bad number for --start' '$T/err'"
run erase --addr 0x1100 --size 0x1000
check "erase --addr: misaligned, exit 64 naming the range with --addr" \
	sh -c "[ $RC -eq 64 ] && grep -q -- '--addr 0x1000 --size 0x2000' '$T/err'"
run read "$T/x" --bogus
check "unknown option: exit 64" sh -c "[ $RC -eq 64 ] && grep -q \"unknown option '--bogus'\" '$T/err'"
run --before bogus-steps info
check "--before with a bad step string: exit 64" rc_is 64
run --after "rts,w50,-rts" --before dtr-rts --help
check "--before preset and --after step string accepted" rc_is 0

run erase --start 0x1100 --size 0x1000
check "erase misaligned: exit 64 naming the nearest aligned range" \
	sh -c "[ $RC -eq 64 ] && grep -q -- '--addr 0x1000 --size 0x2000' '$T/err'"
run erase --start 0x1000 --end 0x2800
check "erase misaligned end: suggestion --addr 0x1000 --size 0x2000" \
	sh -c "[ $RC -eq 64 ] && grep -q -- '--addr 0x1000 --size 0x2000' '$T/err'"
run erase
check "erase without a target: exit 64" sh -c "[ $RC -eq 64 ] && grep -q -- '--all' '$T/err'"
run erase --all --start 0
check "erase --all with --start: exit 64" rc_is 64

# ---- loader discovery ----
if ls /usr/lib/python3*/*-packages/bflb_mcu_tool /usr/local/lib/python3*/*-packages/bflb_mcu_tool >/dev/null 2>&1; then
	skip "no loader: exit 66 naming eflash_loader_40m.bin" "bflb-mcu-tool is installed on this machine"
else
	run loader
	check "no loader: exit 66 naming eflash_loader_40m.bin, Dev Cube and pip" \
		sh -c "[ $RC -eq 66 ] && grep -q eflash_loader_40m.bin '$T/err' && grep -q 'pip install bflb-mcu-tool' '$T/err' && grep -q 'Dev Cube' '$T/err'"
	run -p /dev/null info
	check "device command without a loader: exit 66 before touching the port" \
		sh -c "[ $RC -eq 66 ] && grep -q eflash_loader_40m.bin '$T/err'"
fi
make_loader
run loader --loader "$LOADER"
check "loader --loader FILE: identified, reason given" \
	sh -c "[ $RC -eq 0 ] && grep -q '$LOADER' '$T/out' && grep -q -- '--loader option' '$T/out' && grep -q 'sha256: *[0-9a-f]\{64\}' '$T/out'"
BLRESCUE_LOADER="$LOADER" run loader
check "loader from BLRESCUE_LOADER" sh -c "[ $RC -eq 0 ] && grep -q 'BLRESCUE_LOADER' '$T/out'"
run loader --loader "$T/missing.bin"
check "--loader naming a missing file: exit 66" rc_is 66
head -c 3000 /dev/urandom >"$T/junk.bin"
run loader --loader "$T/junk.bin"
check "--loader naming an invalid file: exit 65 with the reason" sh -c "[ $RC -eq 65 ] && grep -q 'not a valid BL602 flash loader' '$T/err'"
head -c 300000 /dev/zero >"$T/huge-loader.bin"
run loader --loader "$T/huge-loader.bin"
check "--loader naming a file too large for a loader: exit 65 (bad contents, blrescue(1))" \
	sh -c "[ $RC -eq 65 ] && grep -q 'too large' '$T/err'"
run loader add "$T/junk.bin"
check "loader add refuses an invalid loader (exit 65), installs nothing" \
	sh -c "[ $RC -eq 65 ] && [ ! -e '$HOME/.local/share/blrescue/eflash_loader_40m.bin' ]"
run loader add "$LOADER"
check "loader add installs into ~/.local/share/blrescue" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$LOADER' '$HOME/.local/share/blrescue/eflash_loader_40m.bin'"
run loader
check "loader then finds it in the user data directory" \
	sh -c "[ $RC -eq 0 ] && grep -q 'user data directory' '$T/out'"
mkdir -p "$T/xdg"
XDG_DATA_HOME="$T/xdg" run loader add "$LOADER"
check "loader add honours XDG_DATA_HOME" \
	sh -c "[ $RC -eq 0 ] && cmp -s '$LOADER' '$T/xdg/blrescue/eflash_loader_40m.bin' && [ \$(ls -A '$T/xdg/blrescue' | wc -l) -eq 1 ]"
# the installed loader a symbolic link (to a file the user keeps elsewhere): written through
rm -rf "$HOME/.local/share/blrescue"
mkdir -p "$HOME/.local/share/blrescue" "$T/keep"
ln -s ../../../../keep/my-loader.bin "$HOME/.local/share/blrescue/eflash_loader_40m.bin"
run loader add "$LOADER"
check "loader add over a symbolic link: the link kept, the file it names written" \
	sh -c "[ $RC -eq 0 ] && [ -L '$HOME/.local/share/blrescue/eflash_loader_40m.bin' ] && cmp -s '$LOADER' '$T/keep/my-loader.bin'"
rm -rf "$HOME/.local/share/blrescue"
mkdir -p "$T/devcube/chips/bl602/eflash_loader"
cp "$LOADER" "$T/devcube/chips/bl602/eflash_loader/eflash_loader_40m.bin"
run loader --devcube "$T/devcube"
check "loader found in a Dev Cube folder (--devcube)" sh -c "[ $RC -eq 0 ] && grep -q 'Dev Cube' '$T/out'"
mkdir -p "$T/devcube2/bl602/eflash_loader"
cp "$LOADER" "$T/devcube2/bl602/eflash_loader/eflash_loader_40m.bin"
BLRESCUE_DEVCUBE="$T/devcube2" run loader
check "loader found via BLRESCUE_DEVCUBE (bl602/eflash_loader/)" sh -c "[ $RC -eq 0 ] && grep -q 'devcube2/bl602/eflash_loader' '$T/out'"
# the last place searched: a user install of the official Python tool (pip install --user)
PYL="$T/home-py/.local/lib/python3.99/site-packages/bflb_mcu_tool/chips/bl602/eflash_loader"
mkdir -p "$PYL"
cp "$LOADER" "$PYL/eflash_loader_40m.bin"
env HOME="$T/home-py" "$BLRESCUE" loader >"$T/out" 2>"$T/err"; RC=$?
check "loader found in the installed Python package bflb-mcu-tool (~/.local/lib)" \
	sh -c "[ $RC -eq 0 ] && grep -q '$PYL/eflash_loader_40m.bin' '$T/out' && grep -q 'Python tool bflb-mcu-tool' '$T/out'"
# pipx and virtualenv installs of the official tools (bflb-mcu-tool and bflb-iot-tool)
for place in ".local/share/pipx/venvs/bflb-mcu-tool/lib/python3.11/site-packages/bflb_mcu_tool" \
	".local/pipx/venvs/bflb-iot-tool/lib/python3.12/site-packages/bflb_iot_tool" \
	".virtualenvs/flash/lib/python3.9/site-packages/bflb_mcu_tool"; do
	rm -rf "$T/home-px"
	mkdir -p "$T/home-px/$place/chips/bl602/eflash_loader"
	cp "$LOADER" "$T/home-px/$place/chips/bl602/eflash_loader/eflash_loader_40m.bin"
	env HOME="$T/home-px" "$BLRESCUE" loader >"$T/out" 2>"$T/err"; RC=$?
	check "loader found in ~/$place" sh -c "[ $RC -eq 0 ] && grep -q '$place/chips/bl602/eflash_loader/eflash_loader_40m.bin' '$T/out'"
done
rm -rf "$T/home-px" "$T/venv"
mkdir -p "$T/home-px" "$T/venv/lib/python3.13/site-packages/bflb_iot_tool/chips/bl602/eflash_loader"
cp "$LOADER" "$T/venv/lib/python3.13/site-packages/bflb_iot_tool/chips/bl602/eflash_loader/eflash_loader_40m.bin"
env HOME="$T/home-px" VIRTUAL_ENV="$T/venv" "$BLRESCUE" loader >"$T/out" 2>"$T/err"; RC=$?
check "loader found in the active virtualenv (\$VIRTUAL_ENV), bflb-iot-tool" \
	sh -c "[ $RC -eq 0 ] && grep -q '$T/venv/lib/python3.13/site-packages/bflb_iot_tool' '$T/out' && grep -q 'bflb-iot-tool' '$T/out'"
if ! ls /usr/lib/python3*/*-packages/bflb_* /usr/local/lib/python3*/*-packages/bflb_* >/dev/null 2>&1; then
	env HOME="$T/home-px" PIPX_HOME="$T/pipx" "$BLRESCUE" loader >"$T/out" 2>"$T/err"; RC=$?
	check "no loader: every place searched is listed, pip, pipx and virtualenvs, both tools" \
		sh -c "[ $RC -eq 66 ] && grep -q '^Searched:' '$T/err' && grep -q '$T/home-px/.local/share/pipx/venvs/\*/lib/python3\*/site-packages/{bflb_mcu_tool,bflb_iot_tool}/chips/bl602/eflash_loader/eflash_loader_40m.bin' '$T/err' && grep -q '$T/pipx/venvs/\*/lib' '$T/err' && grep -q 'VIRTUAL_ENV/lib/python3\*/site-packages.*is not set' '$T/err' && grep -q '$T/home-px/.virtualenvs/\*/lib' '$T/err' && grep -q '/usr/lib/python3\*/dist-packages' '$T/err'"
else
	skip "no loader: every place searched is listed" "an official Python tool is installed on this machine"
fi

# ---- what a loader file is: official builds by SHA-256, file names, replacing an installed one ----
run loader --loader "$LOADER"
check "an unknown (synthetic) build: a clear 'unknown build' warning, accepted" \
	sh -c "[ $RC -eq 0 ] && grep -q 'is an unknown build' '$T/err' && grep -q '^identity: *an unknown build' '$T/out'"
cp "$LOADER" "$T/eflash_loader_26m.bin"
run loader --loader "$T/eflash_loader_26m.bin"
check "a file named for a 26 MHz crystal: accepted with a warning naming 26 MHz and 40 MHz" \
	sh -c "[ $RC -eq 0 ] && grep -q 'built for a 26 MHz crystal (from its file name)' '$T/err' && grep -q '40 MHz' '$T/err' && grep -q '^crystal: *26 MHz crystal (from its file name)' '$T/out'"
cp "$LOADER" "$T/eflash_loader_38p4m.bin"
run loader --loader "$T/eflash_loader_38p4m.bin"
check "... 38.4 MHz (_38p4m)" sh -c "[ $RC -eq 0 ] && grep -q 'built for a 38.4 MHz crystal' '$T/err'"
cp "$LOADER" "$T/eflash_loader_rc32m.bin"
run loader --loader "$T/eflash_loader_rc32m.bin"
check "... no crystal (_rc32m)" sh -c "[ $RC -eq 0 ] && grep -q 'built for no crystal' '$T/err'"
run loader --loader "$LOADER" -q
check "a file named eflash_loader_40m.bin or without a hint: no crystal warning" \
	sh -c "[ $RC -eq 0 ] && ! grep -q 'crystal' '$T/err'"
rm -rf "$T/xdg2"
XDG_DATA_HOME="$T/xdg2" run loader add "$T/eflash_loader_26m.bin"
check "loader add of a 26 MHz file: installed, with the crystal warning" \
	sh -c "[ $RC -eq 0 ] && grep -q '26 MHz' '$T/err' && cmp -s '$LOADER' '$T/xdg2/blrescue/eflash_loader_40m.bin'"
XDG_DATA_HOME="$T/xdg2" run loader add "$LOADER"
check "loader add of the same file again: says it is already installed" \
	sh -c "[ $RC -eq 0 ] && grep -q 'already installed' '$T/out'"
"$MKLOADER" "$T/other-loader.bin" real-crc
XDG_DATA_HOME="$T/xdg2" run loader add "$T/other-loader.bin"
check "loader add of another file over an installed one: refused (exit 73) naming both" \
	sh -c "[ $RC -eq 73 ] && grep -q 'another loader is installed' '$T/err' && grep -q \"installed: .*sha256 $(sha "$LOADER")\" '$T/err' && grep -q \"new: *$T/other-loader.bin: .*sha256 $(sha "$T/other-loader.bin")\" '$T/err' && cmp -s '$LOADER' '$T/xdg2/blrescue/eflash_loader_40m.bin'"
XDG_DATA_HOME="$T/xdg2" run loader add "$T/other-loader.bin" --force
check "loader add --force: replaces it, and says so" \
	sh -c "[ $RC -eq 0 ] && grep -q 'replacing the installed loader' '$T/err' && cmp -s '$T/other-loader.bin' '$T/xdg2/blrescue/eflash_loader_40m.bin'"
XDG_DATA_HOME="$T/xdg2" run loader
check "the installed copy (named by blrescue): its name says nothing about the crystal" \
	sh -c "[ $RC -eq 0 ] && grep -q '^crystal: *not known' '$T/out'"
# the order of blrescue(1): --loader, $BLRESCUE_LOADER, the user data directory, Dev Cube, Python
mkdir -p "$T/home-py/.local/share/blrescue"
"$MKLOADER" "$T/home-py/.local/share/blrescue/eflash_loader_40m.bin" real-crc
env HOME="$T/home-py" BLRESCUE_DEVCUBE="$T/devcube2" "$BLRESCUE" loader >"$T/out" 2>"$T/err"; RC=$?
check "order: the user data directory before Dev Cube and Python" \
	sh -c "[ $RC -eq 0 ] && grep -q 'user data directory' '$T/out'"
env HOME="$T/home-py" BLRESCUE_LOADER="$LOADER" "$BLRESCUE" loader >"$T/out" 2>"$T/err"; RC=$?
check "order: \$BLRESCUE_LOADER before the user data directory" \
	sh -c "[ $RC -eq 0 ] && grep -q 'BLRESCUE_LOADER' '$T/out'"
env HOME="$T/home-py" BLRESCUE_LOADER="$T/junk.bin" "$BLRESCUE" loader --loader "$LOADER" >"$T/out" 2>"$T/err"; RC=$?
check "order: --loader before \$BLRESCUE_LOADER" \
	sh -c "[ $RC -eq 0 ] && grep -q -- '--loader option' '$T/out'"

# ---- ports and files, checked before or while opening the port ----
run -p "$T/no-such-tty" --loader "$LOADER" info
check "missing port: exit 69 'does not exist'" sh -c "[ $RC -eq 69 ] && grep -q 'does not exist' '$T/err'"
run --loader "$LOADER" info
check "no port given: exit 64 naming -p and BLRESCUE_PORT" sh -c "[ $RC -eq 64 ] && grep -q BLRESCUE_PORT '$T/err'"
: >"$T/locked-tty"; chmod 000 "$T/locked-tty"
if [ "$(id -u)" -ne 0 ]; then
	run -p "$T/locked-tty" --loader "$LOADER" info
	check "permission denied: exit 77 naming the dialout group" sh -c "[ $RC -eq 77 ] && grep -q 'usermod -aG dialout' '$T/err'"
elif command -v setpriv >/dev/null 2>&1 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BLRESCUE" --version >/dev/null 2>&1; then
	# root opens anything: run as nobody instead
	chmod 755 "$T"; chmod 644 "$LOADER"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BLRESCUE" -p "$T/locked-tty" --loader "$LOADER" info >"$T/out" 2>"$T/err"
	RC=$?
	chmod 700 "$T"
	check "permission denied (as nobody): exit 77 naming the dialout group" sh -c "[ $RC -eq 77 ] && grep -q 'usermod -aG dialout' '$T/err'"
else
	skip "permission denied: exit 77 naming dialout" "root, and no setpriv or the build is not reachable as nobody"
fi
echo keep >"$T/exists.bin"
run -p /dev/null --loader "$LOADER" read "$T/exists.bin"
check "read refuses to overwrite an existing file (exit 73), file untouched" \
	sh -c "[ $RC -eq 73 ] && grep -q -- '--force' '$T/err' && [ \"\$(cat '$T/exists.bin')\" = keep ]"
run -p /dev/null --loader "$LOADER" read "$T/no/such/dir/x.bin"
check "read into a missing directory: exit 73 before connecting" rc_is 73
if command -v script >/dev/null 2>&1; then
	script -q -c "'$BLRESCUE' -p /dev/null --loader '$LOADER' read -; echo \"rc=\$?\"" "$T/tty.log" </dev/null >/dev/null 2>&1
	check "read - with a terminal as standard output: refused, exit 64" \
		sh -c "grep -q 'rc=64' '$T/tty.log' && grep -q 'not writing binary data to a terminal' '$T/tty.log'"
else
	skip "read - to a terminal refused" "script(1) not installed"
fi
run -p /dev/null --loader "$LOADER" write "$T/missing.bin"
check "write a missing file: exit 66" sh -c "[ $RC -eq 66 ] && grep -q 'cannot read' '$T/err'"
: >"$T/empty.bin"
run -p /dev/null --loader "$LOADER" write "$T/empty.bin"
check "write an empty file: exit 65" sh -c "[ $RC -eq 65 ] && grep -q empty '$T/err'"
run -p /dev/null --loader "$LOADER" verify "$T/missing.bin"
check "verify a missing file: exit 66" rc_is 66
run -p /dev/null --loader "$LOADER" write "$FIX_PINE" --backup "$T/exists.bin"
check "write --backup onto an existing file: exit 73" rc_is 73

# ---- outputs that are not regular files: devices refused, never replaced by a file ----
DEV=$(dev_node)
run -p /dev/null --loader "$LOADER" read "$DEV" --size 4k --force
check "read DEVICE --force (as /dev/full): refused before connecting (exit 73), pointing to '-'" \
	sh -c "[ $RC -eq 73 ] && grep -q 'is a device, not a file' '$T/err' && grep -q \"use '-'\" '$T/err' && [ -c '$DEV' ] && ! grep -q Connecting '$T/err'"
run -p /dev/null --loader "$LOADER" write "$FIX_PINE" --backup "$DEV" --force
check "write --backup DEVICE: refused (exit 73), the device untouched" \
	sh -c "[ $RC -eq 73 ] && grep -q 'is a device' '$T/err' && [ -c '$DEV' ]"
ln -s "$DEV" "$T/to-device"
run -p /dev/null --loader "$LOADER" read "$T/to-device" --force
check "read to a symbolic link to a device: refused, the link kept" \
	sh -c "[ $RC -eq 73 ] && grep -q 'is a device' '$T/err' && [ -L '$T/to-device' ]"
run -p /dev/null --loader "$LOADER" read /dev/fd/9 --size 4k 9>&-
check "read /dev/fd/N that is not open: refused before connecting (exit 73)" \
	sh -c "[ $RC -eq 73 ] && ! grep -q Connecting '$T/err'"

finish
