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
# ping: iputils' exit statuses and lines on the simulated network.
check 0 "ping --help" "$capnet" ping --help
check 0 "ping a peer that answers" "$capnet" ping -c 2 192.0.2.1
grep -q '^64 bytes from 192.0.2.1: icmp_seq=2 ttl=64 time=2.00 ms$' /tmp/cli.$$.out || { echo "FAIL: ping reply line"; fail=1; }
grep -q '^2 packets transmitted, 2 received, 0% packet loss, time 1002ms$' /tmp/cli.$$.out || { echo "FAIL: ping statistics"; fail=1; }
check 1 "ping a silent peer" "$capnet" ping -c 1 -W 1 192.0.2.2
check 1 "ping an unreachable host" "$capnet" ping -c 1 198.51.100.9
grep -q '^From 192.0.2.254 icmp_seq=1 Destination Host Unreachable$' /tmp/cli.$$.out || { echo "FAIL: ping unreachable line"; fail=1; }
check 2 "ping below the cap's interval" "$capnet" ping -c 2 -i 0.001 192.0.2.1
grep -q 'interval' /tmp/cli.$$.err || { echo "FAIL: ping does not name the interval bound"; fail=1; }
check 2 "ping without a destination" "$capnet" ping
check 0 "ping --json" "$capnet" ping -c 1 --json 198.51.100.1
grep -q '"outcome": "reply"' /tmp/cli.$$.out || { echo "FAIL: ping --json lacks the reply"; fail=1; }
check 0 "ping6 --help" "$capnet" ping6 --help
check 0 "ping6 through the router" "$capnet" ping6 -c 2 2001:db8:2::1
grep -q '^64 bytes from 2001:db8:2::1: icmp_seq=2 ttl=63 time=4.00 ms$' /tmp/cli.$$.out || { echo "FAIL: ping6 routed reply line"; fail=1; }
check 1 "ping -6 an unreachable address" "$capnet" ping -6 -c 1 2001:db8:2::99
check 2 "ping -4 with an IPv6 destination" "$capnet" ping -4 2001:db8:2::1
# IPv6 in the operator's view: a SLAAC address, preferred, with provenance.
check 0 "status --ipv6 --json" "$capnet" status --ipv6 --json
grep -q '"provenance": "slaac"' /tmp/cli.$$.out || { echo "FAIL: status --ipv6 shows no SLAAC address"; fail=1; }
check 0 "status --ipv6" "$capnet" status --ipv6
grep -q '^  inet6 2001:db8:1::ff:fe00:a/64 preferred (slaac)' /tmp/cli.$$.out ||
	{ echo "FAIL: status --ipv6 text lacks the SLAAC address line"; fail=1; }
rm -f /tmp/cli.$$.out /tmp/cli.$$.err
[ $fail -eq 0 ] && echo "cli contract holds"
exit $fail
