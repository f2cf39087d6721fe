#!/bin/sh
# `capnet ping` over a TAP in a network namespace, against the Linux
# kernel, documentation addresses only:
#   - 192.0.2.1, Linux on the same link: 5 replies, exit 0, iputils lines;
#   - 198.51.100.1, a second namespace behind a veth that Linux forwards to
#     (ip_forward=1): replies with TTL 63 through the gateway, exit 0;
#   - 203.0.113.1, which Linux has no route to: it answers ICMP destination
#     unreachable, the line names it, exit 1;
#   - the RTT median of `capnet ping` to Linux and of the kernel's ping to
#     `capnet serve` over the same TAP (printed, not judged).
# tshark decodes every capture clean.
#   ping_tool.sh CAPNET
set -u
. "$(dirname "$0")/lib.sh"
interop_require ping
export NO_SERVE=1
interop_up "$1" pingtool
FAR="capnet-pingfar-$$"
trap 'ip netns del "$FAR" 2>/dev/null; interop_down' EXIT

# The routed side: 198.51.100.0/24 in a namespace of its own.
ip netns add "$FAR" || fail "ip netns add $FAR"
ip netns exec "$FAR" ip link set lo up
in_ns ip link add vfar type veth peer name vnear || fail "veth"
in_ns ip link set vnear netns "$FAR"
in_ns ip addr add 198.51.100.254/24 dev vfar
in_ns ip link set vfar up
ip netns exec "$FAR" ip addr add 198.51.100.1/24 dev vnear
ip netns exec "$FAR" ip link set vnear up
ip netns exec "$FAR" ip route add default via 198.51.100.254
in_ns sysctl -q -w net.ipv4.ip_forward=1 || fail "ip_forward"
# The veth pair is up once Linux reaches the far side itself (and the
# router then knows its neighbour): the routed RTT measures forwarding only.
in_ns timeout 10 ping -n -c 1 -W 5 198.51.100.1 >/dev/null || fail "Linux cannot reach 198.51.100.1"

run=0
# cping WANT_EXIT DEST [options...]: capnet ping on ctap0 as 192.0.2.2/24
# (gateway 192.0.2.1); shows its output, checks its exit and its capture.
cping() {
	want=$1
	dest=$2
	shift 2
	run=$((run + 1))
	pcap="$WORK/ping-$run.pcap"
	echo "\$ capnet ping $* $dest"
	out=$(in_ns timeout 60 "$CAPNET" ping --tap ctap0 --static 192.0.2.2/24 --gateway 192.0.2.1 --pcap "$pcap" \
		"$@" "$dest" 2>&1)
	rc=$?
	echo "$out"
	[ "$rc" -eq "$want" ] || fail "capnet ping $dest exited $rc, not $want"
	LAST="$out"
	check_pcap_clean "$pcap"
}

cping 0 192.0.2.1 -c 5 -i 0.2 -W 2
echo "$LAST" | grep -q '^PING 192.0.2.1 (192.0.2.1) 56(84) bytes of data\.$' || fail "no PING header"
[ "$(echo "$LAST" | grep -c '^64 bytes from 192.0.2.1: icmp_seq=[1-5] ttl=64 time=')" -eq 5 ] || fail "want 5 reply lines"
echo "$LAST" | grep -q '^5 packets transmitted, 5 received, 0% packet loss, time ' || fail "same-subnet statistics"
echo "$LAST" | grep -q '^rtt min/avg/max/mdev = ' || fail "no rtt line"

cping 0 198.51.100.1 -c 3 -i 0.2 -W 2
[ "$(echo "$LAST" | grep -c '^64 bytes from 198.51.100.1: icmp_seq=[1-3] ttl=63 time=')" -eq 3 ] ||
	fail "want 3 replies with TTL 63 through the Linux router"
echo "$LAST" | grep -q '^3 packets transmitted, 3 received, 0% packet loss' || fail "routed statistics"

cping 1 203.0.113.1 -c 2 -i 0.5 -W 2
echo "$LAST" | grep -Eq '^From 192\.0\.2\.1 icmp_seq=1 Destination (Net|Host) Unreachable$' ||
	fail "no unreachable line from the Linux router"
echo "$LAST" | grep -Eq '^2 packets transmitted, 0 received, \+[12] errors, 100% packet loss' || fail "unreachable statistics"

cping 0 192.0.2.1 -c 1 -s 1472 -W 2
echo "$LAST" | grep -q '^1480 bytes from 192.0.2.1: icmp_seq=1 ttl=64' || fail "a full-MTU echo (1472 data bytes)"

# RTT: capnet ping -> Linux, and Linux ping -> capnet serve, same TAP.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
out=$(in_ns timeout 60 "$CAPNET" ping --tap ctap0 --static 192.0.2.2/24 -c 50 -i 0.02 -W 2 --json 192.0.2.1) ||
	fail "capnet ping -c 50 failed"
cap_ms=$(echo "$out" | grep '"rtt_us"' | tr -dc '0-9\n' | median | awk '{ printf "%.3f", $1 / 1000 }')
serve_start
out=$(in_ns timeout 60 ping -n -c 50 -i 0.02 -W 2 192.0.2.2) || { echo "$out"; fail "kernel ping -c 50 failed"; }
kern_ms=$(echo "$out" | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | median)
interop_stop
echo "rtt median over 50 echoes at 20 ms: capnet ping -> Linux $cap_ms ms; Linux ping -> capnet serve $kern_ms ms"
echo "ping_tool interop: ok"
