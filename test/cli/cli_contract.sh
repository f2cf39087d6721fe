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
for c in proof bench status replay serve; do check 0 "capnet $c --help" "$capnet" "$c" --help; done
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
# IPv6 in the operator's view: a SLAAC address, preferred, with provenance.
check 0 "status --ipv6 --json" "$capnet" status --ipv6 --json
grep -q '"provenance": "slaac"' /tmp/cli.$$.out || { echo "FAIL: status --ipv6 shows no SLAAC address"; fail=1; }
check 0 "status --ipv6" "$capnet" status --ipv6
grep -q '^  inet6 2001:db8:1::ff:fe00:a/64 preferred (slaac)' /tmp/cli.$$.out ||
	{ echo "FAIL: status --ipv6 text lacks the SLAAC address line"; fail=1; }
rm -f /tmp/cli.$$.out /tmp/cli.$$.err
[ $fail -eq 0 ] && echo "cli contract holds"
exit $fail
