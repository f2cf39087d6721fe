#!/bin/sh
# Replay regression tests (no root needed): the one-sided arp-ping fixture is
# fed into a fresh stack and what the stack sends must match the recorded
# expectation exactly (bytes and synthetic times). See fixtures/README.md.
#   replay.sh CAPNET FIXTURES CASE
. "$(dirname "$0")/lib.sh"
in=$fx/arp-ping-b-side.pcap
want_pcap=$fx/arp-ping-b-side.expected.pcap
want_txt=$fx/arp-ping-b-side.expected.txt


case $case_ in
pcap)
	# The stack's responses match the expected pcap, frame by frame.
	"$capnet" replay "$in" --expect "$want_pcap" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "replay diverged from $want_pcap"; }
	cat "$tmp/out"
	grep -q '^MATCH: 7 frames sent' "$tmp/out" || fail "expected 7 frames to match"
	;;
transcript)
	"$capnet" replay "$in" --expect "$want_txt" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "replay diverged from $want_txt"; }
	cat "$tmp/out"
	grep -q '^MATCH' "$tmp/out" || fail "no MATCH line"
	;;
malformed)
	# The capture carries the proof's malformed burst: every frame is fed
	# and counted under its drop reason, and the stack answers none of it.
	"$capnet" replay "$in" --json >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "replay failed"; }
	for kv in '"fed": 118' '"sent": 7' '"eth_rx_truncated": 14' '"ip_badlen": 40' '"arp_rx_truncated": 28' \
		'"ip_badsum": 1' '"icmp_badsum": 1' '"ip_fragments": 1' '"passed": true'; do
		grep -q "$kv" "$tmp/out" || { cat "$tmp/out"; fail "JSON lacks $kv"; }
	done
	echo "malformed burst counted, nothing answered"
	;;
divergence)
	# The comparison is not vacuous: another seed changes the IPv4
	# identification of the first echo reply (sent frame 3, byte 18 of the
	# frame) and the report must say so, with a decoded summary.
	"$capnet" replay "$in" --seed 2 --expect "$want_pcap" >"$tmp/out" 2>&1
	rc=$?
	cat "$tmp/out"
	[ $rc -eq 1 ] || fail "exit $rc, want 1"
	grep -q '^DIVERGENCE at sent frame #3 (expected-file frame #3): bytes differ at byte 18' "$tmp/out" ||
		fail "divergence not reported at frame 3 byte 18"
	grep -q 'expected .*ICMP echo reply id 0x4350 seq 1' "$tmp/out" || fail "no decoded summary"
	"$capnet" replay "$in" --seed 2 --expect "$want_txt" >/dev/null 2>&1 && fail "transcript check passed with seed 2?"
	# A transcript that wants one frame more reports the missing frame.
	cp "$want_txt" "$tmp/more.txt"
	tail -n 1 "$want_txt" >>"$tmp/more.txt"
	"$capnet" replay "$in" --expect "$tmp/more.txt" >"$tmp/out2" 2>&1 && fail "a longer transcript matched?"
	grep -q '^DIVERGENCE at sent frame #8' "$tmp/out2" || { cat "$tmp/out2"; fail "missing frame 8 not reported"; }
	;;
fresh-proof)
	# Today's arp-ping proof, recorded now and replayed from both sides'
	# capture (the stack's own frames are skipped), gives the committed
	# expectation: the fixture still describes the current proof.
	"$capnet" proof arp-ping --seed 1 --pcap "$tmp/ap.pcap" >/dev/null || fail "proof arp-ping failed"
	"$capnet" replay "$tmp/ap.pcap" --mac 02:00:00:00:00:0b --static 192.0.2.11/24 \
		--expect "$want_pcap" --write-fed "$tmp/fed.pcap" >"$tmp/out" 2>&1 ||
		{ cat "$tmp/out"; fail "fresh capture diverged (regenerate the fixtures? see fixtures/README.md)"; }
	cmp -s "$tmp/fed.pcap" "$in" || fail "the one-sided fixture differs from today's proof (see fixtures/README.md)"
	cat "$tmp/out"
	;;
record)
	# --record writes both directions; tshark (if present) reads it clean.
	"$capnet" replay "$in" --record "$tmp/both.pcap" --quiet >/dev/null || fail "replay failed"
	"$capnet" replay "$tmp/both.pcap" --mac 02:00:00:00:00:0b --static 192.0.2.11/24 --expect "$want_pcap" \
		--quiet >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "the recording does not hold the expected frames"; }
	cat "$tmp/out"
	;;
*)
	echo "unknown case $case_"
	exit 2
	;;
esac
exit 0
