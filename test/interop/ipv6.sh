#!/bin/sh
# Linux and libcapnet over IPv6 on a TAP device in a private namespace
# (documentation prefix 2001:db8::/32 and link-local only): `capnet serve
# --static6 2001:db8::2/64` forms fe80::ff:fe00:2 from its MAC and proves
# both addresses by DAD; Linux `ping -6` reaches the link-local and the
# static address (NDP resolution both ways); radvd then advertises
# 2001:db8:1::/64 and the stack's SLAAC address 2001:db8:1::ff:fe00:2
# answers too; the pcap capnet wrote decodes clean in tshark; capnet exits
# 0 on SIGTERM. HTTP (curl -6), TCP echo and UDP echo answer on
# 2001:db8::2, and a closed UDP port answers ICMPv6 port unreachable.
# lib.sh keeps IPv6 off ctap0 for the IPv4 tests: this one turns it back on.
#   ipv6.sh CAPNET
set -u
. "$(dirname "$0")/lib.sh"
interop_require ping
NO_SERVE=1 interop_up "$1" ipv6
in_ns sysctl -q -w net.ipv6.conf.ctap0.disable_ipv6=0
in_ns sysctl -q -w net.ipv6.conf.ctap0.accept_dad=0
in_ns ip -6 addr add 2001:db8::1/64 dev ctap0 nodad
SERVE_ADDR="--static 192.0.2.2/24 --static6 2001:db8::2/64" serve_start

# DAD: one NS per address, RetransTimer (1 s) after it, within the 1 s
# start delay of the link-local address: up to 3 s in all.
wait_ping6() { # addr
	i=0
	until in_ns ping -6 -n -c 1 -W 1 "$1" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le 10 ] || { cat "$SERVE_LOG"; fail "no answer from $1 in 10 tries"; }
		sleep 0.5
	done
}
wait_ping6 fe80::ff:fe00:2%ctap0
wait_ping6 2001:db8::2
for a in fe80::ff:fe00:2%ctap0 2001:db8::2; do
	out=$(in_ns timeout 20 ping -6 -n -c 20 -i 0.05 -W 2 "$a") || { echo "$out"; fail "ping -6 $a failed"; }
	echo "ping -6 $a: $(echo "$out" | tail -1)"
	echo "$out" | grep -q ' 0% packet loss' || { echo "$out"; fail "loss on ping -6 $a"; }
done
in_ns ip -6 neigh show 2001:db8::2 dev ctap0 | grep -q '02:00:00:00:00:02' ||
	fail "Linux did not resolve 2001:db8::2 to the stack's MAC"

# TCP over IPv6, the listeners shared with IPv4: HTTP with curl -6, the
# echo service with a small Python client.
if command -v curl >/dev/null 2>&1; then
	body=$(in_ns timeout 10 curl -6 -s -m 5 'http://[2001:db8::2]:80/') || fail "curl -6 http://[2001:db8::2]/ failed"
	[ -n "$body" ] || fail "curl -6 got an empty body"
	echo "curl -6 http://[2001:db8::2]/: $(echo "$body" | head -c 60 | tr '\n' ' ')"
fi
echoed=$(in_ns timeout 10 /usr/bin/python3 -c '
import socket
s = socket.create_connection(("2001:db8::2", 7), timeout=5)
s.sendall(b"hello over ipv6\n")
print(s.recv(100).decode().strip())
') || fail "TCP echo over IPv6 failed"
[ "$echoed" = "hello over ipv6" ] || fail "TCP echo over IPv6 returned '$echoed'"
echo "tcp echo over IPv6: '$echoed'"

# UDP over IPv6: the echo service's socket takes both families. Sizes up
# to the largest that fits the 1500 MTU unfragmented (1500 - 40 - 8), each
# back byte-identical; a closed port answers ICMPv6 port unreachable,
# which Linux reports as ECONNREFUSED on a connected socket.
udp6=$(in_ns timeout 20 /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(2)
sizes = [0, 1, 5, 512, 1452]
for n in sizes:
    data = bytes((i * 7 + n) & 0xff for i in range(n))
    for attempt in range(3):
        s.sendto(data, ("2001:db8::2", 7))
        try:
            got, peer = s.recvfrom(2000)
            break
        except socket.timeout:
            continue
    else:
        raise SystemExit(f"no echo of {n} bytes")
    if got != data or peer[0] != "2001:db8::2" or peer[1] != 7:
        raise SystemExit(f"echo of {n} bytes differs (from {peer})")
c = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
c.settimeout(2)
c.connect(("2001:db8::2", 9))
c.send(b"anyone?")
try:
    c.recv(100)
    raise SystemExit("port 9 answered")
except ConnectionRefusedError:
    pass
except socket.timeout:
    raise SystemExit("no port unreachable from port 9")
print(f"{len(sizes)} datagrams of 0..1452 bytes came back byte-identical; port 9 refused")
') || fail "UDP echo over IPv6 failed: $udp6"
echo "udp echo over IPv6: $udp6"

# SLAAC from radvd (radvd wants forwarding on).
if command -v radvd >/dev/null 2>&1; then
	in_ns sysctl -q -w net.ipv6.conf.all.forwarding=1
	cat >"$WORK/radvd.conf" <<RADVD
interface ctap0 {
	AdvSendAdvert on;
	MinRtrAdvInterval 3;
	MaxRtrAdvInterval 4;
	prefix 2001:db8:1::/64 { AdvOnLink on; AdvAutonomous on; AdvValidLifetime 600; AdvPreferredLifetime 300; };
	RDNSS 2001:db8:1::53 { };
};
RADVD
	ip netns exec "$NS" timeout 120 radvd --nodaemon -C "$WORK/radvd.conf" -p "$WORK/radvd.pid" -m stderr \
		>"$WORK/radvd.log" 2>&1 &
	PIDS="$PIDS $!"
	in_ns ip -6 addr add 2001:db8:1::1/64 dev ctap0 nodad
	wait_ping6 2001:db8:1::ff:fe00:2
	out=$(in_ns timeout 20 ping -6 -n -c 10 -i 0.05 -W 2 2001:db8:1::ff:fe00:2) ||
		{ echo "$out"; fail "ping -6 to the SLAAC address failed"; }
	echo "ping -6 2001:db8:1::ff:fe00:2 (SLAAC from radvd): $(echo "$out" | tail -1)"
	[ -f "$WORK/radvd.pid" ] && PIDS="$(cat "$WORK/radvd.pid") $PIDS"
else
	echo "note: radvd not installed; SLAAC step skipped"
fi

interop_stop
[ "$SERVE_RC" -eq 0 ] || { cat "$SERVE_LOG"; fail "capnet serve exited $SERVE_RC on SIGTERM"; }
cat "$SERVE_LOG"
# The log names IPv6 peers as [addr]:port, not as a garbled IPv4 address.
grep -q 'echo connection from \[2001:db8::1\]:[0-9]' "$SERVE_LOG" || fail "serve's log lacks the IPv6 TCP echo peer"
grep -q 'udp echo [0-9]* bytes to \[2001:db8::1\]:[0-9]' "$SERVE_LOG" || fail "serve's log lacks the IPv6 UDP echo peer"
check_pcap_clean "$SERVE_PCAP"
bad6=$(tshark -r "$SERVE_PCAP" -Y 'icmpv6.checksum.status == 0 || _ws.malformed' 2>/dev/null | wc -l)
[ "$bad6" -eq 0 ] || fail "tshark flags $bad6 ICMPv6 frames"
replies=$(tshark -r "$SERVE_PCAP" -Y 'icmpv6.type == 129 && eth.src == 02:00:00:00:00:02' 2>/dev/null | wc -l)
echo "pcap: $replies ICMPv6 echo replies from the stack"
[ "$replies" -ge 40 ] || fail "pcap holds $replies echo replies, want at least 40"
mss=$(tshark -r "$SERVE_PCAP" -Y 'ipv6.src == 2001:db8::2 && tcp.flags.syn == 1' -T fields -e tcp.options.mss_val 2>/dev/null | sort -u)
[ "$mss" = 1440 ] || fail "SYN-ACK over IPv6 carries MSS '$mss', want 1440 (1500 - 40 - 20)"
echo "SYN-ACK over IPv6: MSS $mss"
udp6n=$(tshark -r "$SERVE_PCAP" -Y 'ipv6.src == 2001:db8::2 && udp.srcport == 7' 2>/dev/null | wc -l)
[ "$udp6n" -ge 5 ] || fail "pcap holds $udp6n UDP echoes over IPv6, want at least 5"
badudp=$(tshark -o udp.check_checksum:TRUE -r "$SERVE_PCAP" -Y 'ipv6 && udp.checksum.status == 0' 2>/dev/null | wc -l)
[ "$badudp" -eq 0 ] || fail "tshark flags $badudp UDP-over-IPv6 checksums"
unreach=$(tshark -r "$SERVE_PCAP" -Y 'icmpv6.type == 1 && icmpv6.code == 4 && eth.src == 02:00:00:00:00:02' 2>/dev/null | wc -l)
[ "$unreach" -ge 1 ] || fail "no ICMPv6 port unreachable in the pcap"
echo "pcap: $udp6n UDP echoes over IPv6, checksums verified; $unreach ICMPv6 port unreachable"
echo "ipv6 interop: ok"
