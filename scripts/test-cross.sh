#!/bin/sh
# Cross builds and their tests: Windows x86-64 (mingw-w64; tests under wine) and Linux arm64 and
# armhf (tests under qemu-user), with the cross files in cross/. Self-contained and idempotent:
# installs the Debian packages it needs, prepares what Debian does not ship for these targets
# once (scripts/mingw-deps.sh, scripts/arm-sysroot.sh, a wine prefix; later runs reuse them),
# builds the three targets and runs:
#   windows  every meson test under wine, test_serial_win32.exe on a COM port mapped to a
#            Linux pty served by com_peer (tests/session/com_peer.c, built natively), and the
#            command's end-to-end tests (tests/cli/run_win.sh): blrescue.exe under wine against
#            the native blrescue-emu on a COM port mapped to the emulator's pty;
#   arm64, armhf  every meson test under qemu-user, then the command's end-to-end scripts
#            (tests/cli/run_*.sh, tests/image/cli_image.sh) with the ARM blrescue under qemu
#            against the native blrescue-emu, at rates qemu can set (--rom-baud 115200 -b 460800).
# Prints one TAP line per test case, the counts per target, and last the line
#   cross: N passed, N failed, K skipped
# Exit status 0 when nothing failed.
#
# Environment: BLR_CROSS_DEPS   shared dependencies (default /tmp/blrescue-cross)
#              BLR_CROSS_BUILD  build directories (default build-cross in the checkout)
#              BLR_CROSS_TARGETS  (default "windows arm64 armhf")
#              BLR_CROSS_CLI=0  leaves out the ARM end-to-end scripts
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
DEPS=${BLR_CROSS_DEPS:-/tmp/blrescue-cross}
OUT=${BLR_CROSS_BUILD:-$ROOT/build-cross}
TARGETS=${BLR_CROSS_TARGETS:-windows arm64 armhf}
NATIVE=$OUT/native
T0=$(date +%s)
say() { echo "# [$(($(date +%s) - T0))s] $*"; }
give_up() { # the whole run could not start
  echo "not ok - cross: $*"
  echo "cross: 0 passed, 1 failed, 0 skipped"
  exit 1
}

# ---- packages (--no-install-recommends: wine's recommends alone are hundreds of MB) --------
PKGS="gcc pkg-config meson ninja-build cmake dpkg-dev python3 libcmocka-dev libssl-dev
  zlib1g-dev liblzma-dev gcc-mingw-w64-x86-64-win32 libz-mingw-w64-dev wine wine64
  gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf libc6-dev-arm64-cross libc6-dev-armhf-cross
  qemu-user"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  say "installing:$missing"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    $SUDO apt-get install -y -qq --no-install-recommends $missing; } >/dev/null ||
    give_up "could not install:$missing"
fi

# ---- shared dependencies: one run at a time (they share the wine prefix and the sysroots) --
mkdir -p "$DEPS" "$OUT" || give_up "cannot create $DEPS or $OUT"
exec 9>"$DEPS/.lock"
flock -n 9 || { say "waiting for another test-cross run"; flock 9; }
printf "[constants]\ndeps = '%s'\n" "$DEPS" >"$OUT/deps.ini"
for t in $TARGETS; do
  case $t in
  windows) sh scripts/mingw-deps.sh "$DEPS/mingw" >"$OUT/mingw-deps.log" 2>&1 ||
    { cat "$OUT/mingw-deps.log"; give_up "scripts/mingw-deps.sh failed"; } ;;
  arm64 | armhf) sh scripts/arm-sysroot.sh "$t" "$DEPS/sysroot-$t" >"$OUT/sysroot-$t.log" 2>&1 ||
    { cat "$OUT/sysroot-$t.log"; give_up "scripts/arm-sysroot.sh $t failed"; } ;;
  *) give_up "unknown target $t" ;;
  esac
done
say "dependencies ready in $DEPS"

# ---- counting: TAP from meson's test log or from a program run here --------------------------
# tap_count TARGET meson BUILDDIR | TARGET tap NAME FILE STATUS: appends one line per case and
# "#counts TARGET passed failed skipped" to cross.tap. A skip is a "# SKIP" directive (cmocka 1.1.5
# prints "not ok N # SKIP"), a "1..0 # SKIP" plan or a "# SKIP name: why" comment; a program
# that failed without a "not ok" line counts as one failure.
tap_count() {
  python3 - "$@" >>"$OUT/cross.tap" <<'PY'
import json, re, sys
target, kind = sys.argv[1], sys.argv[2]
if kind == 'meson':
    progs = []
    for line in open(sys.argv[3] + '/meson-logs/testlog.json'):
        d = json.loads(line)
        progs.append((d['name'].split(' / ')[-1], d.get('stdout') or '', d['returncode'],
                      d['result'] in ('OK', 'SKIP', 'EXPECTEDFAIL')))
else:
    text = open(sys.argv[4], errors='replace').read()
    progs = [(sys.argv[3], text, int(sys.argv[5]), int(sys.argv[5]) == 0)]
npass = nfail = nskip = 0
for name, out, rc, good in progs:
    f0 = nfail
    for line in out.splitlines():
        m = re.match(r'(not ok|ok)\b\s*\d*\s*-?\s*(.*)$', line)
        skip = (re.match(r'1\.\.0\s*#\s*skip\b\s*()(.*)', line, re.I) or
                re.match(r'#\s*()SKIP\s+(.*)', line))
        if m:
            desc, _, directive = m.group(2).partition('#')
            if directive.strip().upper().startswith('SKIP'):
                nskip += 1
                why = directive.strip()[4:].strip()
                if not desc.strip():  # cmocka 1.1.5: "not ok N # SKIP test_name"
                    desc, why = why, ''
                print(f'ok - {target} {name}: {desc.strip()} # SKIP {why}'.rstrip())
            elif m.group(1) == 'ok':
                npass += 1
                print(f'ok - {target} {name}: {desc.strip()}')
            else:
                nfail += 1
                print(f'not ok - {target} {name}: {desc.strip()}')
        elif skip:
            nskip += 1
            print(f'ok - {target} {name} # SKIP {skip.group(2).strip()}')
        elif line.startswith('Bail out!'):
            nfail += 1
            print(f'not ok - {target} {name}: {line}')
    if not good and rc != 0 and nfail == f0:
        nfail += 1
        print(f'not ok - {target} {name}: exit status {rc} without a failing test case')
print(f'#counts {target} {npass} {nfail} {nskip}')
PY
}

# meson_build NAME [meson setup options]: configure once, compile; 1 when it failed (counted).
meson_build() {
  d=$OUT/$1
  shift
  if [ ! -f "$d/build.ninja" ]; then
    meson setup "$d" -Dwerror=true "$@" >"$d.setup.log" 2>&1 ||
      { tail -n 30 "$d.setup.log"; rm -rf "$d"; return 1; }
  fi
  meson compile -C "$d" >"$d.compile.log" 2>&1 || { tail -n 40 "$d.compile.log"; return 1; }
}

build_failed() { # TARGET WHAT
  echo "not ok - $1 $2 failed" >>"$OUT/cross.tap"
  echo "#counts $1 0 1 0" >>"$OUT/cross.tap"
}

: >"$OUT/cross.tap"

# ---- native: the emulator and the helpers the cross tests talk to ---------------------------
say "native build (blrescue-emu, com_peer, ptyhelper, mkloader)"
NATIVE_OK=1
if [ ! -f "$NATIVE/build.ninja" ]; then
  meson setup "$NATIVE" -Dwerror=true >"$NATIVE.setup.log" 2>&1 || NATIVE_OK=0
fi
[ "$NATIVE_OK" -eq 1 ] && ninja -C "$NATIVE" src/emu-main/blrescue-emu tests/session/com_peer \
  tests/cli/ptyhelper tests/cli/mkloader tests/cli/mkimage >"$NATIVE.compile.log" 2>&1 || NATIVE_OK=0
[ "$NATIVE_OK" -eq 1 ] || { tail -n 40 "$NATIVE.setup.log" "$NATIVE.compile.log" 2>/dev/null;
  build_failed native "build of the helpers"; }

# ---- windows -------------------------------------------------------------------------------
run_windows() {
  export WINEPREFIX="$DEPS/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree=;mshtml="
  mkdir -p "$WINEPREFIX"
  # A persistent wineserver and wine's services started here with their stdio away from our
  # pipes: each wine start then takes ~0.1 s, and no service started by a test holds meson's
  # output pipe open (the test would then time out after it finished). Creates the prefix.
  wineserver -p </dev/null >/dev/null 2>&1 9>&- # not holding the lock of this run
  wine wineboot </dev/null >/dev/null 2>&1 9>&-
  say "windows: build"
  meson_build windows --cross-file cross/x86_64-w64-mingw32.ini --cross-file "$OUT/deps.ini" ||
    { build_failed windows build; return; }
  say "windows: meson test (wine)"
  meson test -C "$OUT/windows" --num-processes 1 --no-rebuild >"$OUT/windows.test.log" 2>&1
  tap_count windows meson "$OUT/windows"
  [ "$NATIVE_OK" -eq 1 ] || return
  say "windows: serial backend on a COM port mapped to a pty"
  dos=$WINEPREFIX/dosdevices
  timeout 300 env BLR_TEST_COM=COM7 BLR_TEST_COM_HIGH=COM12 CMOCKA_MESSAGE_OUTPUT=TAP \
    "$NATIVE/tests/session/com_peer" "$dos/com7" "$dos/com12" -- \
    wine "$OUT/windows/tests/session/test_serial_win32.exe" \
    >"$OUT/windows.serial.tap" 2>"$OUT/windows.serial.err"
  tap_count windows tap serial-win32 "$OUT/windows.serial.tap" $?
  say "windows: blrescue.exe against blrescue-emu on a COM port (tests/cli/run_win.sh)"
  timeout 900 env BLRESCUE_EXE="$OUT/windows/src/cli/blrescue.exe" \
    BLRESCUE_EMU="$NATIVE/src/emu-main/blrescue-emu" PTYHELPER="$NATIVE/tests/cli/ptyhelper" \
    MKLOADER="$NATIVE/tests/cli/mkloader" BLR_FIXTURES="$ROOT/../shared/fixtures" \
    BLR_SOURCE_ROOT="$ROOT" BLR_BUILD_ROOT="$NATIVE" \
    sh tests/cli/run_win.sh >"$OUT/windows.cli.tap" 2>"$OUT/windows.cli.err"
  tap_count windows tap cli/run_win "$OUT/windows.cli.tap" $?
}

# ---- arm64 / armhf ---------------------------------------------------------------------------
# The command's shell tests, with BLR_BUILD_ROOT pointing at a tree whose src/cli/blrescue runs
# the ARM binary under qemu and whose other programs are the native ones.
run_arm_cli() { # TARGET
  run=$OUT/$1-run
  wrapper=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    w = json.loads(l)["env"].get("MESON_EXE_WRAPPER")
    if w: print(w); break' "$OUT/$1/meson-logs/testlog.json")
  [ -n "$wrapper" ] || { build_failed "$1" "finding the exe_wrapper"; return; }
  mkdir -p "$run/src/cli" "$run/src/emu-main" "$run/tests/cli"
  # qemu-user can set 460800 at most (it stores B0 above, and the command then refuses the
  # rate): lower defaults, and every rate above 460800 given as -b/--baud/--rom-baud N.
  cat >"$run/src/cli/blrescue" <<WRAP
#!/bin/sh
# blrescue ($1) under qemu-user, at rates qemu can set
n=\$# prev=
while [ \$n -gt 0 ]; do
  a=\$1
  shift
  case \$prev in -b | --baud | --rom-baud) [ "\$a" -gt 460800 ] 2>/dev/null && a=460800 ;; esac
  set -- "\$@" "\$a"
  prev=\$a n=\$((n - 1))
done
exec $wrapper '$OUT/$1/src/cli/blrescue' --rom-baud 115200 -b 460800 "\$@"
WRAP
  chmod +x "$run/src/cli/blrescue"
  ln -sf "$NATIVE/src/emu-main/blrescue-emu" "$run/src/emu-main/blrescue-emu"
  for h in ptyhelper mkloader mkimage; do ln -sf "$NATIVE/tests/cli/$h" "$run/tests/cli/$h"; done
  for s in tests/cli/run_*.sh tests/image/cli_image.sh; do
    n=$(basename "$s" .sh)
    [ "$n" = run_win ] && continue # blrescue.exe under wine: the windows target's
    say "$1: $n (blrescue under qemu)"
    timeout 900 env BLR_UNDER_QEMU=1 BLRESCUE="$run/src/cli/blrescue" BLRESCUE_EMU="$run/src/emu-main/blrescue-emu" \
      PTYHELPER="$run/tests/cli/ptyhelper" MKLOADER="$run/tests/cli/mkloader" \
      BLR_FIXTURES="$ROOT/../shared/fixtures" BLR_SOURCE_ROOT="$ROOT" BLR_BUILD_ROOT="$run" \
      sh "$s" >"$run/$n.tap" 2>"$run/$n.err"
    tap_count "$1" tap "cli/$n" "$run/$n.tap" $?
  done
}

run_arm() { # TARGET
  case $1 in
  arm64) cf=cross/aarch64-linux-gnu.ini ;;
  armhf) cf=cross/arm-linux-gnueabihf.ini ;;
  esac
  say "$1: build"
  meson_build "$1" --cross-file "$cf" --cross-file "$OUT/deps.ini" || { build_failed "$1" build; return; }
  say "$1: meson test (qemu-user)"
  meson test -C "$OUT/$1" --num-processes 1 --no-rebuild >"$OUT/$1.test.log" 2>&1
  tap_count "$1" meson "$OUT/$1"
  [ "${BLR_CROSS_CLI:-1}" != 0 ] && [ "$NATIVE_OK" -eq 1 ] && run_arm_cli "$1"
}

for t in $TARGETS; do
  case $t in
  windows) run_windows ;;
  *) run_arm "$t" ;;
  esac
done
if case " $TARGETS " in *" windows "*) true ;; *) false ;; esac; then
  wineserver -k >/dev/null 2>&1
fi

# ---- results ----------------------------------------------------------------------------------
grep -v '^#counts ' "$OUT/cross.tap" |
  awk '/^(not )?ok - / { n++; sub(/ - /, " " n " - ") } { print } END { print "1.." n }'
total_p=0 total_f=0 total_s=0
for t in native $TARGETS; do
  set -- $(awk -v t="$t" '$1 == "#counts" && $2 == t { p += $3; f += $4; s += $5 } END { print p + 0, f + 0, s + 0 }' "$OUT/cross.tap")
  [ "$t" = native ] && [ "$1$2$3" = 000 ] && continue
  echo "# $t: $1 passed, $2 failed, $3 skipped"
  total_p=$((total_p + $1)) total_f=$((total_f + $2)) total_s=$((total_s + $3))
done
say "done"
echo "cross: $total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
