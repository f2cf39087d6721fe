#!/bin/sh
# Every command answers --help with status 0; a usage error exits 2 with a
# message on stderr; `proof --list` prints names first; --json is JSON.
set -u
capnet=$1
fail=0
check() { # want-status description command...
	want=$1; what=$2; shift 2
	"$@" >/tmp/cli.$$.out 2>/tmp/cli.$$.err
	got=$?
	if [ "$got" -ne "$want" ]; then echo "FAIL: $what: exit $got, want $want"; cat /tmp/cli.$$.err; fail=1; fi
}
check 0 "capnet --help" "$capnet" --help
for c in proof bench status replay serve plot; do check 0 "capnet $c --help" "$capnet" "$c" --help; done
check 2 "no command" "$capnet"
check 2 "unknown command" "$capnet" frobnicate
check 2 "unknown proof" "$capnet" proof no-such-proof
check 2 "bad seed" "$capnet" proof arp-ping --seed banana
check 2 "unknown option" "$capnet" proof --bogus
check 0 "proof --list" "$capnet" proof --list
grep -q '^arp-ping ' /tmp/cli.$$.out || { echo "FAIL: proof --list does not start a line with arp-ping"; fail=1; }
check 0 "proof --json" "$capnet" proof arp-ping --json
head -c1 /tmp/cli.$$.out | grep -q '{' || { echo "FAIL: --json output is not a JSON object"; fail=1; }
grep -q '"passed": true' /tmp/cli.$$.out || { echo "FAIL: --json lacks \"passed\": true"; fail=1; }
check 0 "bench --list" "$capnet" bench --list
check 2 "bench --conns 0" "$capnet" bench tcp-many --conns 0
# a small tcp-many run: every byte checked, exit 0, JSON with one row
check 0 "bench tcp-many --conns 20" "$capnet" bench tcp-many --conns 20 --seconds 0.05 --json
grep -q '"conns": 20' /tmp/cli.$$.out || { echo "FAIL: bench tcp-many --json lacks its row"; fail=1; }
rm -f /tmp/cli.$$.out /tmp/cli.$$.err
[ $fail -eq 0 ] && echo "cli contract holds"
exit $fail
