#!/bin/sh
# Wrapper around every test program (tests/meson.build, add_test_setup): runs "$@" and passes
# its TAP through unchanged except for cmocka's line for a skipped test. cmocka 1.1.5 (Debian 12)
# prints "not ok N # SKIP name", which TAP readers such as meson count as a failure; later
# versions print "ok N # SKIP name". Both become "ok N - name # SKIP reason", the reason taken
# from a "# skip reason: ..." comment the test printed just before (tests/image/fixture.h).
# Shell tests already print "ok N - name # SKIP reason" (tests/cli/lib.sh). Exit status: the
# program's.
set -u
exec 3>&1
rc=$({ { "$@" 3>&- 4>&-; echo "$?" >&4; } | awk '
	/^# skip reason: / { reason = substr($0, 16) }
	/^(not )?ok [0-9]+ # [Ss][Kk][Ii][Pp]/ {
		n = $0; sub(/^(not )?ok /, "", n)
		num = n; sub(/ .*/, "", num)
		name = n; sub(/^[0-9]+ # [Ss][Kk][Ii][Pp] */, "", name)
		if (reason == "") reason = "skipped by the test"
		print "ok " num " - " name " # SKIP " reason
		reason = ""
		next
	}
	{ print }' >&3; } 4>&1)
exit "${rc:-1}"
