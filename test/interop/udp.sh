#!/bin/sh
# Linux talks UDP to libcapnet over TAP in a private namespace: datagrams
# of 0 to 1472 bytes (the largest unfragmented at MTU 1500) to the echo
# port (RFC 862) come back byte-identical; a datagram to a closed port is
# answered with ICMP port unreachable, which Linux reports to a connected
# socket as ECONNREFUSED. The pcap capnet wrote is clean in tshark.
#   udp.sh CAPNET
set -u
. "$(dirname "$0")/lib.sh"
interop_require python3
interop_up "$1" udp

in_ns timeout 30 python3 - <<'PY' || fail "UDP exchange failed"
import os, socket, sys
peer = ("192.0.2.2", 7)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2.0)
sizes = [0, 1, 7, 64, 512, 1000, 1400, 1472] + [100] * 40
for i, n in enumerate(sizes):
    data = os.urandom(n)
    for attempt in range(3):  # bounded: the first datagram may wait for ARP
        s.sendto(data, peer)
        try:
            got, src = s.recvfrom(2048)
            break
        except socket.timeout:
            got, src = None, None
    if got != data or src != peer:
        print(f"datagram {i} ({n} bytes): echo {'missing' if got is None else 'differs'}")
        sys.exit(1)
print(f"udp echo: {len(sizes)} datagrams of 0..1472 bytes came back byte-identical")
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(2.0)
c.connect(("192.0.2.2", 9))
c.send(b"anyone?")
try:
    c.recv(100)
    print("closed port answered?")
    sys.exit(1)
except ConnectionRefusedError:
    print("closed port 9: ICMP port unreachable, ECONNREFUSED")
except socket.timeout:
    print("closed port 9: no ICMP port unreachable")
    sys.exit(1)
PY

interop_stop
[ "$SERVE_RC" -eq 0 ] || { cat "$SERVE_LOG"; fail "capnet serve exited $SERVE_RC"; }
cat "$SERVE_LOG"
grep -q 'udp echo port 7: 48 datagrams echoed, 0 failed' "$SERVE_LOG" || fail "want 48 datagrams echoed"
check_pcap_clean "$SERVE_PCAP"
echo "udp interop: ok"
