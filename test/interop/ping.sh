#!/bin/sh
# Linux pings libcapnet over a TAP device in a private network namespace:
# 20 echoes at 50 ms, 0% loss; payloads up to the MTU with DF set
# (1472 + 28 = 1500); one byte more is refused by the kernel (EMSGSIZE);
# the pcap capnet wrote is clean in tshark; capnet exits 0 on SIGTERM.
#   ping.sh CAPNET
set -u
. "$(dirname "$0")/lib.sh"
interop_require ping
interop_up "$1" ping

out=$(in_ns timeout 20 ping -n -c 20 -i 0.05 -W 2 192.0.2.2) || { echo "$out"; fail "ping -c 20 failed"; }
echo "$out" | tail -2
echo "$out" | grep -q ' 0% packet loss' || fail "loss on ping -c 20"

for size in 56 1000 1400 1472; do
	out=$(in_ns timeout 20 ping -n -c 5 -i 0.05 -W 2 -s $size -M "do" 192.0.2.2) ||
		{ echo "$out"; fail "ping -s $size -M do failed"; }
	echo "$out" | grep -q ' 0% packet loss' || { echo "$out"; fail "loss at -s $size"; }
	echo "ping -s $size -M do: $(echo "$out" | tail -1)"
done
# 1473 bytes of data do not fit a 1500-byte MTU with DF: the kernel
# refuses to send, so nothing reaches the stack (and it must not matter).
if in_ns timeout 10 ping -n -c 1 -W 1 -s 1473 -M "do" 192.0.2.2 >/dev/null 2>&1; then
	fail "ping -s 1473 -M do passed through a 1500 MTU?"
fi

# Flood-ish burst, bounded: 200 echoes at 10 ms (the stack is the only
# target, inside the namespace).
out=$(in_ns timeout 30 ping -n -c 200 -i 0.01 -W 2 -q 192.0.2.2) || { echo "$out"; fail "200-echo burst failed"; }
echo "burst: $(echo "$out" | grep -o '[0-9]* received, [0-9.]*% packet loss')"
echo "$out" | grep -q ' 0% packet loss' || fail "loss in the 200-echo burst"

in_ns ip neigh show 192.0.2.2 dev ctap0 | grep -q '02:00:00:00:00:02' || fail "Linux did not learn the stack's MAC"

interop_stop
[ "$SERVE_RC" -eq 0 ] || { cat "$SERVE_LOG"; fail "capnet serve exited $SERVE_RC on SIGTERM"; }
grep -q 'stopping (SIGTERM)' "$SERVE_LOG" || { cat "$SERVE_LOG"; fail "no clean stop logged"; }
grep -q 'icmp_echo_replies_sent=240' "$SERVE_LOG" || { cat "$SERVE_LOG"; fail "want 240 echo replies counted"; }
cat "$SERVE_LOG"
check_pcap_clean "$SERVE_PCAP"
replies=$(tshark -r "$SERVE_PCAP" -Y 'icmp.type == 0 && ip.src == 192.0.2.2' 2>/dev/null | wc -l)
[ "$replies" -eq 240 ] || fail "pcap holds $replies echo replies, want 240"
echo "ping interop: ok"
