#!/bin/sh
# Replay regression tests of `capnet serve` sessions (no root, no network):
# captures that `capnet serve --seed 7 --pcap` recorded against the Linux
# kernel (serve-tcp-session) and dnsmasq (serve-dhcp) are fed into the same
# stack (`capnet replay --serve` with the options in NAME.args) at their
# recorded instants; what it sends must equal, byte for byte and
# microsecond for microsecond, what the live stack sent. See
# fixtures/README.md for how the comparison is made and how to regenerate.
#   serve_replay.sh CAPNET FIXTURES CASE
. "$(dirname "$0")/lib.sh"


# replay NAME [extra options...]: output in $tmp/out, status in $rc.
replay() {
	name=$1
	shift
	# shellcheck disable=SC2046 # NAME.args is a list of options
	"$capnet" replay "$fx/$name.pcap" $(cat "$fx/$name.args") "$@" >"$tmp/out" 2>&1
	rc=$?
}

# match NAME FRAMES: the replay equals the recording and the transcript.
match() {
	replay "$1" --expect "$fx/$1.pcap"
	cat "$tmp/out"
	[ $rc -eq 0 ] || fail "$1 diverged from its own recording"
	grep -q "^MATCH: $2 frames sent, as in" "$tmp/out" || fail "$1: want $2 frames to match"
	replay "$1" --expect "$fx/$1.expected.txt" --quiet
	[ $rc -eq 0 ] || { cat "$tmp/out"; fail "$1 diverged from $1.expected.txt"; }
	echo "$1: transcript matches too"
}

# json_has NAME KEY-VALUE...: the JSON result holds each.
json_has() {
	name=$1
	shift
	replay "$name" --json
	[ $rc -eq 0 ] || { cat "$tmp/out"; fail "$name --json failed"; }
	for kv in "$@"; do
		grep -q "$kv" "$tmp/out" || { cat "$tmp/out"; fail "$name: JSON lacks $kv"; }
	done
}

case $case_ in
tcp-session)
	# ARP, three pings, a UDP echo, curl's GET / and a 16 KiB TCP echo.
	match serve-tcp-session 29
	json_has serve-tcp-session '"serve": true' '"icmp_echo_replies_sent": 3' '"tcp_accepts": 2' \
		'"udp_tx_datagrams": 1' '"tcp_rcvbyte": 16' '"passed": true'
	# The services' own log, replayed: the same requests, answered the same.
	replay serve-tcp-session
	grep -q 'GET / HTTP/1.1 -> 200' "$tmp/out" || fail "the replayed HTTP server did not answer GET /"
	grep -q 'tcp echo 192.0.2.1:[0-9]* closed: 16384 bytes' "$tmp/out" || fail "the replayed echo did not echo 16 KiB"
	;;
dhcp)
	# DISCOVER .. ACK, RFC 5227 probes and announcements, a renewal, RELEASE.
	match serve-dhcp 11
	json_has serve-dhcp '"dhcp_leases_bound": 1' '"dhcp_renewals": 1' '"dhcp_tx_release": 1' '"passed": true'
	;;
seed)
	# The comparison is not vacuous: another seed draws another first IPv4
	# identification (byte 18 of a frame), and with it another DHCP xid
	# that dnsmasq's OFFER no longer answers.
	replay serve-tcp-session --seed 8 --expect "$fx/serve-tcp-session.pcap" --quiet
	cat "$tmp/out"
	[ $rc -eq 1 ] || fail "seed 8 matched the seed 7 recording (exit $rc)"
	grep -q '^DIVERGENCE at sent frame #3 .*: bytes differ at byte 18' "$tmp/out" || fail "no divergence at frame 3 byte 18"
	grep -q 'expected .*ICMP echo reply' "$tmp/out" || fail "no decoded summary"
	replay serve-dhcp --seed 8 --expect "$fx/serve-dhcp.pcap" --quiet
	cat "$tmp/out"
	[ $rc -eq 1 ] || fail "seed 8 matched the DHCP recording (exit $rc)"
	grep -q '^DIVERGENCE at sent frame #1 ' "$tmp/out" || fail "DHCP: no divergence at the DISCOVER"
	;;
stop)
	# serve's shutdown is part of the session: replayed without --stop-at,
	# the RELEASE that serve sent at SIGTERM is missing.
	"$capnet" replay "$fx/serve-dhcp.pcap" --serve --seed 7 --dhcp --expect "$fx/serve-dhcp.pcap" --quiet >"$tmp/out" 2>&1
	rc=$?
	cat "$tmp/out"
	[ $rc -eq 1 ] || fail "matched without the stop (exit $rc)"
	grep -q '^DIVERGENCE at sent frame #11 .*expected frame never sent' "$tmp/out" || fail "missing RELEASE not reported"
	;;
clock)
	# Why --clock capture: live, a timer fires when the loop wakes up, a
	# little after its deadline, and the pcap shows that instant. Polled at
	# the deadlines instead (--clock stack), the DHCP client's timer-driven
	# frames (RFC 5227 probes, announcements, the renewal) come earlier
	# than recorded: same bytes in the same order, other times.
	replay serve-dhcp --clock stack --expect "$fx/serve-dhcp.pcap" --quiet
	cat "$tmp/out"
	[ $rc -eq 1 ] || fail "--clock stack matched to the microsecond?"
	grep -q '^DIVERGENCE at sent frame #3 .*sent at another time (-[0-9]* us)' "$tmp/out" ||
		fail "the first probe not reported early"
	replay serve-dhcp --clock stack --tolerance-us 20000 --expect "$fx/serve-dhcp.pcap" --quiet
	cat "$tmp/out"
	[ $rc -eq 0 ] || fail "--clock stack: not the same bytes within 20 ms"
	;;
determinism)
	# Two replays write byte-identical frames.
	replay serve-tcp-session --write-sent "$tmp/a.pcap" --quiet
	replay serve-tcp-session --write-sent "$tmp/b.pcap" --quiet
	cmp "$tmp/a.pcap" "$tmp/b.pcap" || fail "two replays differ"
	echo "two replays: identical"
	;;
*)
	echo "unknown case $case_"
	exit 2
	;;
esac
exit 0
