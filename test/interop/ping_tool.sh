#!/bin/sh
# `capnet ping` over a TAP in a network namespace, against the Linux
# kernel, documentation addresses only:
#   - 192.0.2.1, Linux on the same link: 5 replies, exit 0, iputils lines;
#   - 198.51.100.1, a second namespace behind a veth that Linux forwards to
#     (ip_forward=1): replies with TTL 63 through the gateway, exit 0;
#   - 203.0.113.1, which Linux has no route to: it answers ICMP destination
#     unreachable, the line names it, exit 1;
#   - the RTT median of `capnet ping` to Linux and of the kernel's ping to
#     `capnet serve` over the same TAP (printed, not judged);
#   - IPv6: `capnet ping6` to Linux's 2001:db8::1 from --static6
#     2001:db8::2/64, then from the SLAAC address radvd's RA gives it (no
#     --static6), then to Linux's link-local address; NDP on the wire; the
#     RTT medians of capnet ping6 to Linux and of Linux's ping -6 to
#     `capnet serve --ipv6`.
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

# replies N PATTERN: at least N-1 of N reply lines match. A run opens the
# TAP anew (carrier up) and Linux may still drop what it sends in the
# first moments of that (its link activation): one probe of a run may be
# lost that way, never more.
replies() {
	got=$(echo "$LAST" | grep -c "$2")
	[ "$got" -ge $(($1 - 1)) ] || fail "want $1 replies matching '$2', got $got"
	[ "$got" -eq "$1" ] || echo "note: $got of $1 replies (a probe lost as the TAP came up)"
}

run=0
# cping WANT_EXIT DEST [options...]: capnet ping on ctap0 as 192.0.2.2/24
# (gateway 192.0.2.1; other address options in CPING_ADDR); shows its
# output, checks its exit and its capture.
cping() {
	want=$1
	dest=$2
	shift 2
	run=$((run + 1))
	pcap="$WORK/ping-$run.pcap"
	# Each run opens the TAP anew (carrier up): Linux's linkwatch holds a
	# carrier change back (and drops what it sends meanwhile) when the last
	# one, the previous run's close, is under a second old.
	sleep 1.2
	echo "\$ capnet ping $* $dest"
	# shellcheck disable=SC2086 # CPING_ADDR is a list of options
	out=$(in_ns timeout 60 "$CAPNET" ping --tap ctap0 ${CPING_ADDR---static 192.0.2.2/24 --gateway 192.0.2.1} \
		--pcap "$pcap" "$@" "$dest" 2>&1)
	rc=$?
	echo "$out"
	[ "$rc" -eq "$want" ] || fail "capnet ping $dest exited $rc, not $want"
	LAST="$out"
	check_pcap_clean "$pcap"
}

cping 0 192.0.2.1 -c 5 -i 0.2 -W 2
echo "$LAST" | grep -q '^PING 192.0.2.1 (192.0.2.1) 56(84) bytes of data\.$' || fail "no PING header"
replies 5 '^64 bytes from 192.0.2.1: icmp_seq=[1-5] ttl=64 time='
echo "$LAST" | grep -Eq '^5 packets transmitted, [45] received, (0|20)% packet loss, time ' || fail "same-subnet statistics"
echo "$LAST" | grep -q '^rtt min/avg/max/mdev = ' || fail "no rtt line"

cping 0 198.51.100.1 -c 3 -i 0.2 -W 2
replies 3 '^64 bytes from 198.51.100.1: icmp_seq=[1-3] ttl=63 time='
echo "$LAST" | grep -Eq '^3 packets transmitted, [23] received' || fail "routed statistics"

cping 1 203.0.113.1 -c 2 -i 0.5 -W 2
echo "$LAST" | grep -Eq '^From 192\.0\.2\.1 icmp_seq=1 Destination (Net|Host) Unreachable$' ||
	fail "no unreachable line from the Linux router"
echo "$LAST" | grep -Eq '^2 packets transmitted, 0 received, \+[12] errors, 100% packet loss' || fail "unreachable statistics"

cping 0 192.0.2.1 -c 2 -i 0.2 -s 1472 -W 2
replies 2 '^1480 bytes from 192.0.2.1: icmp_seq=[12] ttl=64 '

# RTT: capnet ping -> Linux, and Linux ping -> capnet serve, same TAP.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
sleep 1.2
out=$(in_ns timeout 60 "$CAPNET" ping --tap ctap0 --static 192.0.2.2/24 -c 50 -i 0.02 -W 2 --json 192.0.2.1) ||
	fail "capnet ping -c 50 failed"
cap_ms=$(echo "$out" | grep '"rtt_us"' | tr -dc '0-9\n' | median | awk '{ printf "%.3f", $1 / 1000 }')
sleep 1.2
serve_start
sleep 1.2
out=$(in_ns timeout 60 ping -n -c 50 -i 0.02 -W 2 192.0.2.2) || { echo "$out"; fail "kernel ping -c 50 failed"; }
kern_ms=$(echo "$out" | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | median)
interop_stop
echo "rtt median over 50 echoes at 20 ms: capnet ping -> Linux $cap_ms ms; Linux ping -> capnet serve $kern_ms ms"

# ---- IPv6 ----
in_ns sysctl -q -w net.ipv6.conf.ctap0.disable_ipv6=0
in_ns sysctl -q -w net.ipv6.conf.all.forwarding=1
in_ns ip -6 addr add 2001:db8::1/64 dev ctap0 nodad
CPING_ADDR=
cping 0 2001:db8::1 -6 --static6 2001:db8::2/64 -c 3 -i 0.2 -W 2
echo "$LAST" | grep -q '^PING 2001:db8::1 (2001:db8::1) 56 data bytes$' || fail "no PING header (IPv6)"
replies 3 '^64 bytes from 2001:db8::1: icmp_seq=[1-3] ttl=64 time='
n=$(tshark -r "$pcap" -Y 'icmpv6.type == 135 && icmpv6.nd.ns.target_address == 2001:db8::1' 2>/dev/null | wc -l)
[ "$n" -ge 1 ] || fail "no neighbour solicitation for 2001:db8::1 on the wire"
n=$(tshark -r "$pcap" -Y 'icmpv6.type == 135 && ipv6.src == :: && icmpv6.nd.ns.target_address == 2001:db8::2' 2>/dev/null | wc -l)
[ "$n" -ge 1 ] || fail "no DAD probe for 2001:db8::2 on the wire"

cat >"$WORK/radvd.conf" <<RA
interface ctap0 {
	AdvSendAdvert on;
	MinRtrAdvInterval 3;
	MaxRtrAdvInterval 4;
	prefix 2001:db8::/64 { AdvOnLink on; AdvAutonomous on; };
};
RA
if command -v radvd >/dev/null 2>&1; then
	ip netns exec "$NS" timeout 120 radvd -n -C "$WORK/radvd.conf" -p "$WORK/radvd.pid" -m logfile -l "$WORK/radvd.log" &
	PIDS="$PIDS $!"
	wait_for 5 "$WORK/radvd.pid" '[0-9]' || fail "radvd wrote no pid file"
	PIDS="$(cat "$WORK/radvd.pid") $PIDS"
	cping 0 2001:db8::1 -6 -c 3 -i 0.2 -W 2
	replies 3 '^64 bytes from 2001:db8::1: icmp_seq='
	n=$(tshark -r "$pcap" -Y 'icmpv6.type == 128 && ipv6.src == 2001:db8::ff:fe00:2' 2>/dev/null | wc -l)
	[ "$n" -ge 3 ] || fail "want 3 echo requests from the SLAAC address 2001:db8::ff:fe00:2, saw $n"
	echo "SLAAC: echo requests from 2001:db8::ff:fe00:2 (radvd's 2001:db8::/64)"
else
	echo "note: radvd not installed; the SLAAC run is skipped"
fi

LL=$(in_ns ip -6 addr show dev ctap0 scope link | sed -n 's/.*inet6 \(fe80[^/]*\)\/.*/\1/p' | head -1)
[ -n "$LL" ] || fail "Linux has no link-local address on ctap0"
cping 0 "$LL%ctap0" -6 -c 2 -i 0.2 -W 2
replies 2 "^64 bytes from $LL: icmp_seq="

sleep 1.2
out=$(in_ns timeout 60 "$CAPNET" ping6 --tap ctap0 --static6 2001:db8::2/64 -c 50 -i 0.02 -W 2 --json 2001:db8::1) ||
	fail "capnet ping6 -c 50 failed"
cap6_ms=$(echo "$out" | grep '"rtt_us"' | tr -dc '0-9\n' | median | awk '{ printf "%.3f", $1 / 1000 }')
sleep 1.2
serve_start --ipv6 --static6 2001:db8::3/64
sleep 2 # DAD of 2001:db8::3
out=$(in_ns timeout 60 ping -6 -n -c 50 -i 0.02 -W 2 2001:db8::3) || { echo "$out"; fail "kernel ping -6 -c 50 failed"; }
kern6_ms=$(echo "$out" | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | median)
interop_stop
echo "rtt median over 50 echoes at 20 ms: capnet ping6 -> Linux $cap6_ms ms; Linux ping -6 -> capnet serve $kern6_ms ms"
echo "ping_tool interop: ok"
