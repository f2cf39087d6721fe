#!/bin/sh
# dnsmasq on the Linux side of the TAP is the DHCP server (range
# 192.0.2.50-60, 2-minute lease, T1 8 s / T2 12 s so a renewal happens
# within the test): libcapnet (`capnet serve --dhcp`) acquires a lease, the
# lease is in dnsmasq's lease file, the address answers ping, the client
# renews with a unicast REQUEST at T1, and on SIGTERM it sends RELEASE and
# dnsmasq drops the lease. The pcap capnet wrote reads clean in tshark.
#   dhcp.sh CAPNET
set -u
. "$(dirname "$0")/lib.sh"
interop_require dnsmasq ping
export NO_SERVE=1
export SERVE_ADDR=--dhcp
interop_up "$1" dhcp

leases="$WORK/dnsmasq.leases"
dnsmasq_start 'DHCP, sockets bound' --port=0 --dhcp-range=192.0.2.50,192.0.2.60,255.255.255.0,2m \
	--dhcp-option=option:T1,8 --dhcp-option=option:T2,12 --dhcp-authoritative --dhcp-leasefile="$leases" --log-dhcp

serve_start
# dnsmasq pings an address before offering it (3 s) and the client probes
# it by ARP before using it (RFC 5227, about 5 s): bound within 20 s.
wait_for 20 "$SERVE_LOG" 'dhcp BOUND' || { cat "$SERVE_LOG" "$dlog"; fail "no lease in 20 s"; }
addr=$(sed -n 's/.*dhcp BOUND \([0-9.]*\)\/24 from server 192.0.2.1.*/\1/p' "$SERVE_LOG" | head -1)
case $addr in
192.0.2.5[0-9] | 192.0.2.60) echo "leased $addr" ;;
*) cat "$SERVE_LOG"; fail "bound to '$addr', outside the range" ;;
esac
grep -q "02:00:00:00:00:02 $addr " "$leases" || { cat "$leases"; fail "lease not in dnsmasq's lease file"; }
echo "dnsmasq lease file: $(cat "$leases")"

out=$(in_ns timeout 20 ping -n -c 10 -i 0.1 -W 2 "$addr") || { echo "$out"; fail "ping $addr failed"; }
echo "$out" | grep -q ' 0% packet loss' || { echo "$out"; fail "loss pinging $addr"; }
echo "ping $addr: $(echo "$out" | grep -o '[0-9]* received, [0-9.]*% packet loss')"

# T1 is 8 s after the ACK: a renewal (unicast REQUEST, ACK) within 15 s.
wait_for 15 "$SERVE_LOG" 'dhcp RENEWING' || { cat "$SERVE_LOG"; fail "no renewal at T1"; }
wait_for 5 "$dlog" "DHCPACK(ctap0) $addr .*" || fail "no ACK"
[ "$(grep -c "DHCPACK(ctap0) $addr" "$dlog")" -ge 2 ] || { cat "$dlog"; fail "dnsmasq did not ACK a renewal"; }
[ "$(grep -c 'dhcp BOUND' "$SERVE_LOG")" -ge 2 ] || { cat "$SERVE_LOG"; fail "not BOUND again after renewing"; }
echo "renewed at T1"

interop_stop
[ "$SERVE_RC" -eq 0 ] || { cat "$SERVE_LOG"; fail "capnet serve exited $SERVE_RC"; }
cat "$SERVE_LOG"
grep -q "dhcp lease $addr released" "$SERVE_LOG" || fail "no release logged"
wait_for 5 "$dlog" "DHCPRELEASE(ctap0) $addr" || { cat "$dlog"; fail "dnsmasq saw no RELEASE"; }
i=0
while grep -q "$addr" "$leases" && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "$addr" "$leases" && { cat "$leases"; fail "dnsmasq still holds the lease after RELEASE"; }
grep -E 'DHCP[A-Z]+\(' "$dlog"
check_pcap_clean "$SERVE_PCAP"
echo "dhcp interop: ok"
