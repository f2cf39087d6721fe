#!/bin/sh
# capnet plot: the series and the SVG of a fixture capture exactly as
# recorded (goldens in fixtures/plot/), retransmissions found where a lossy
# run has them, the same bytes on every run, and a clear error, never a
# crash, on whatever else it is given.
#
# usage: plot.sh CAPNET FIXTURES CASE
#   CASE: golden | rexmit | proof | errors | determinism
set -u
capnet=$1
fx=$2/plot
case_=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A well-formed XML document whose root is an svg element.
xml_ok() {
	/usr/bin/python3 - "$1" <<'PY' || fail "$1 is not well-formed SVG"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
PY
}

# `capnet plot ...` must end with status $1 and say $2 on stderr.
expect_error() {
	want=$1 text=$2
	shift 2
	"$capnet" plot "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || { cat "$tmp/err"; fail "plot $*: exit $got, want $want"; }
	grep -q "$text" "$tmp/err" || { cat "$tmp/err"; fail "plot $*: stderr lacks '$text'"; }
}

case "$case_" in
golden)
	for name in tcp-roundtrip cc-reno-head; do
		"$capnet" plot "$fx/$name.pcap" --json >"$tmp/$name.json" || fail "plot --json $name"
		cmp "$tmp/$name.json" "$fx/$name.json" || { diff "$fx/$name.json" "$tmp/$name.json" | head -20; fail "$name: series differ from the golden"; }
		"$capnet" plot "$fx/$name.pcap" -o "$tmp/$name.svg" || fail "plot $name"
		cmp "$tmp/$name.svg" "$fx/$name.svg" || { diff "$fx/$name.svg" "$tmp/$name.svg" | head -20; fail "$name: SVG differs from the golden"; }
		xml_ok "$tmp/$name.svg"
	done
	"$capnet" plot --list "$fx/tcp-roundtrip.pcap" >"$tmp/list" || fail "plot --list"
	grep -q '^0  *192\.0\.2\.10:60435  *192\.0\.2\.11:80  *41  *5000 ' "$tmp/list" || { cat "$tmp/list"; fail "--list: the connection's line"; }
	# the cwnd panel on its own, and a time window
	"$capnet" plot "$fx/cc-reno-head.pcap" -o "$tmp/seq.svg" --cwnd "$tmp/cwnd.svg" --from 0.1 --to 0.2 || fail "--cwnd --from --to"
	xml_ok "$tmp/seq.svg"
	xml_ok "$tmp/cwnd.svg"
	grep -q 'class="rexmit"' "$tmp/seq.svg" && ! grep -q 'class="flight"' "$tmp/seq.svg" || fail "--cwnd: the sequence graph alone in -o"
	grep -q 'class="flight"' "$tmp/cwnd.svg" && ! grep -q 'class="ack"' "$tmp/cwnd.svg" || fail "--cwnd: the cwnd panel alone"
	echo "series and SVG of both fixtures match their goldens"
	;;
rexmit)
	# The congestion-control proof records its Reno run with RACK-TLP; the plot must find
	# exactly the retransmissions the sender's counter shows.
	"$capnet" proof congestion-control --pcap "$tmp/cc.pcap" >"$tmp/transcript" || fail "proof congestion-control"
	want=$(awk '$4 == "reno" && $5 == "rack" && $6 ~ /^[0-9]+$/ { print $8 }' "$tmp/transcript")
	[ -n "$want" ] && [ "$want" -gt 0 ] || { cat "$tmp/transcript"; fail "no Reno retransmission count in the transcript"; }
	"$capnet" plot "$tmp/cc.pcap" --json >"$tmp/cc.json" || fail "plot --json"
	/usr/bin/python3 - "$tmp/cc.json" "$want" <<'PY' || fail "retransmissions"
import json, sys
d = json.load(open(sys.argv[1]))
want = int(sys.argv[2])
segs = d["segments"]
rex = [s for s in segs if s["rexmit"]]
assert d["rexmit_segments"] == want == len(rex) == len(d["retransmissions"]), (d["rexmit_segments"], want, len(rex))
# each one lies below what had already been sent
top = 0
for i, s in enumerate(segs):
    assert s["rexmit"] == (i > 0 and s["seq"] < top), (i, s, top)
    top = max(top, s["end"])
assert d["sender"] == "192.0.2.10:" + d["sender"].split(":")[1] and d["receiver"] == "192.0.2.11:5001"
assert d["window_scaled"] and d["flight"] and not d["cwnd"]
assert "pcap carries no cwnd" in d["cwnd_source"]
print("found all %d retransmissions" % want)
PY
	;;
proof)
	# From a run: cwnd and ssthresh come from the sender's stack.
	"$capnet" plot --proof congestion-control --json >"$tmp/run.json" || fail "plot --proof --json"
	/usr/bin/python3 - "$tmp/run.json" <<'PY' || fail "cwnd samples"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["cwnd"]
assert d["cwnd_source"] == "stack" and len(c) > 10, len(c)
assert all(0 <= a["t_us"] <= d["duration_us"] for a in c)
assert any(a["ssthresh"] < 1 << 30 for a in c), "ssthresh never set: no loss response sampled"
assert any(a["recovery"] for a in c), "no fast recovery sampled"
print("%d cwnd samples" % len(c))
PY
	"$capnet" proof congestion-control --plot "$tmp/a.svg" >"$tmp/transcript" || fail "proof --plot"
	grep -q '^PASS' "$tmp/transcript" || fail "proof --plot: the transcript"
	"$capnet" plot --proof congestion-control -o "$tmp/b.svg" || fail "plot --proof"
	cmp "$tmp/a.svg" "$tmp/b.svg" || fail "proof --plot and plot --proof draw different graphs"
	xml_ok "$tmp/a.svg"
	grep -q 'class="cwnd"' "$tmp/a.svg" && grep -q 'class="ssthresh"' "$tmp/a.svg" || fail "no cwnd/ssthresh line"
	# --proof keeps its capture with --pcap; the proof's own capture is unchanged by sampling
	"$capnet" plot --proof tcp-roundtrip --seed 7 --pcap "$tmp/rt.pcap" -o "$tmp/rt.svg" || fail "plot --proof --pcap"
	"$capnet" proof tcp-roundtrip --seed 7 --pcap "$tmp/rt-plain.pcap" >/dev/null || fail "proof tcp-roundtrip"
	cmp "$tmp/rt.pcap" "$tmp/rt-plain.pcap" || fail "sampling changed the run's capture"
	echo "cwnd from the stack; --plot and --proof agree"
	;;
determinism)
	"$capnet" plot --proof congestion-control --seed 3 -o "$tmp/1.svg" || fail "plot 1"
	"$capnet" plot --proof congestion-control --seed 3 -o "$tmp/2.svg" || fail "plot 2"
	cmp "$tmp/1.svg" "$tmp/2.svg" || fail "two runs, two SVGs"
	"$capnet" plot "$fx/cc-reno-head.pcap" -o - >"$tmp/3.svg" || fail "plot to stdout"
	cmp "$tmp/3.svg" "$fx/cc-reno-head.svg" || fail "-o - differs from -o FILE"
	echo "the same input gives the same bytes"
	;;
errors)
	expect_error 1 "No such file" "$tmp/absent.pcap" -o "$tmp/x.svg"
	expect_error 1 "no TCP segment" "$2/arp-ping-b-side.pcap" -o "$tmp/x.svg"
	expect_error 1 "no connection '9'" "$fx/tcp-roundtrip.pcap" -c 9 -o "$tmp/x.svg"
	expect_error 1 "no connection '192.0.2.1:1-192.0.2.2:2'" "$fx/tcp-roundtrip.pcap" -c 192.0.2.1:1-192.0.2.2:2 -o "$tmp/x.svg"
	expect_error 1 "neither a, b" "$fx/tcp-roundtrip.pcap" -d c -o "$tmp/x.svg"
	expect_error 2 "say where the SVG goes" "$fx/tcp-roundtrip.pcap"
	expect_error 2 "name one capture" -o "$tmp/x.svg"
	expect_error 2 "no proof named" --proof no-such-proof -o "$tmp/x.svg"
	expect_error 2 "wants seconds" "$fx/tcp-roundtrip.pcap" --from soon -o "$tmp/x.svg"
	expect_error 1 "must lie after" "$fx/tcp-roundtrip.pcap" --from 0.5 --to 0.1 -o "$tmp/x.svg"
	# the connection named by its tuple, either order; the other direction
	"$capnet" plot "$fx/tcp-roundtrip.pcap" -c 192.0.2.11:80-192.0.2.10:60435 -d a --json >"$tmp/a.json" || fail "-c TUPLE -d a"
	grep -q '"sender": "192.0.2.10:60435"' "$tmp/a.json" || fail "-d a: the sender"
	# a link type other than Ethernet (raw IP, 101)
	/usr/bin/python3 -c "
import struct, sys
open(sys.argv[1], 'wb').write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))" "$tmp/raw.pcap"
	expect_error 1 "not an Ethernet capture" "$tmp/raw.pcap" -o "$tmp/x.svg"
	# not a capture at all
	printf 'hello, world\n' >"$tmp/text.pcap"
	expect_error 1 "text.pcap" "$tmp/text.pcap" -o "$tmp/x.svg"
	# every truncation of a capture: a plot or a clear error, never a crash
	size=$(wc -c <"$fx/tcp-roundtrip.pcap")
	n=0
	while [ $n -lt "$size" ]; do
		head -c $n "$fx/tcp-roundtrip.pcap" >"$tmp/cut.pcap"
		"$capnet" plot "$tmp/cut.pcap" -o "$tmp/cut.svg" >/dev/null 2>"$tmp/cut.err"
		rc=$?
		[ $rc -le 1 ] || fail "a capture cut at byte $n: exit $rc"
		# a sanitizer build reports and exits 1: read what it said
		! grep -q 'Sanitizer\|runtime error' "$tmp/cut.err" || { cat "$tmp/cut.err"; fail "a capture cut at byte $n"; }
		n=$((n + 97))
	done
	echo "clear errors, no crash"
	;;
*)
	fail "unknown case $case_"
	;;
esac
