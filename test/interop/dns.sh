#!/bin/sh
# `capnet resolve` over a TAP against dnsmasq as the DNS (and DHCP) server
# on the Linux side, in a network namespace of its own, documentation
# addresses only: --address=/example.test/192.0.2.9, a --host-record with
# an A and an AAAA (2001:db8::10), and --local=/test/ so that any other
# name under .test is NXDOMAIN. The server is learned statically (--dns)
# and from dnsmasq's DHCP (option 6). Each run's exit status is checked
# (0 found, 2 not found), and tshark decodes every query and answer of
# every capture clean.
#   dns.sh CAPNET
set -u
. "$(dirname "$0")/lib.sh"
interop_require dnsmasq
export NO_SERVE=1
interop_up "$1" dns

dnsmasq_start 'started' --no-resolv --no-hosts --listen-address=192.0.2.1 \
	--address=/example.test/192.0.2.9 --host-record=host6.test,192.0.2.10,2001:db8::10 --local=/test/ \
	--dhcp-range=192.0.2.50,192.0.2.60,255.255.255.0,2m --dhcp-option=option:dns-server,192.0.2.1 \
	--dhcp-leasefile="$WORK/leases" --log-queries --log-dhcp

run=0
# resolve WANT_EXIT NAME [options...]: runs capnet resolve on ctap0, shows
# its transcript, checks the exit status and the capture.
resolve() {
	want=$1
	name=$2
	shift 2
	run=$((run + 1))
	pcap="$WORK/resolve-$run.pcap"
	echo "\$ capnet resolve $name $*"
	out=$(in_ns timeout 60 "$CAPNET" resolve "$name" --tap ctap0 --pcap "$pcap" "$@" 2>&1)
	rc=$?
	echo "$out"
	[ "$rc" -eq "$want" ] || fail "capnet resolve $name exited $rc, not $want"
	LAST="$out"
	n=$(tshark -r "$pcap" -Y dns 2>/dev/null | wc -l)
	[ "$n" -ge 2 ] || fail "no DNS exchange in $pcap"
	check_pcap_clean "$pcap"
	tshark -r "$pcap" -Y dns 2>/dev/null | sed 's/^/    /'
}

static="--static 192.0.2.2/24 --dns 192.0.2.1"
# shellcheck disable=SC2086 # $static is a list of options
resolve 0 www.example.test $static --type A
echo "$LAST" | grep -q 'www.example.test (A): 192.0.2.9$' || fail "A www.example.test is not 192.0.2.9"
# shellcheck disable=SC2086
resolve 0 host6.test $static --type AAAA
echo "$LAST" | grep -q 'host6.test (AAAA): 2001:db8::10$' || fail "AAAA host6.test is not 2001:db8::10"
# shellcheck disable=SC2086
resolve 0 host6.test $static
echo "$LAST" | grep -q 'host6.test (ANY): 192.0.2.10 2001:db8::10$' || fail "ANY host6.test"
# shellcheck disable=SC2086
resolve 2 nope.test $static --type A
echo "$LAST" | grep -q 'not-found' || fail "nope.test is not NXDOMAIN"
# shellcheck disable=SC2086
resolve 0 www.example.test $static --type A --json
echo "$LAST" | grep -q '"servers_provenance": "static"' || fail "JSON lacks the static provenance"

# The server from dnsmasq's DHCP lease (option 6).
resolve 0 host6.test --dhcp
echo "$LAST" | grep -q 'servers 192.0.2.1 (dhcp)' || fail "the server did not come from DHCP"
resolve 2 unknown.test --dhcp --type AAAA
grep -E 'query\[|reply|config|NXDOMAIN' "$dlog" | head -20
echo "dns interop: ok"
