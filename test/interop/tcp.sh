#!/bin/sh
# Linux talks TCP to libcapnet over TAP in a private namespace:
#  - curl GETs the HTTP port: 200 with the fixed body; 404 and 405 too;
#  - echo round trips of 0 bytes to 1 MiB, byte-exact (sha256);
#  - 64 MiB to the echo port and back, byte-exact, once per congestion
#    controller (none, reno, cubic: `capnet serve --cc`);
#  - each pcap capnet wrote reads clean in tshark (bulk runs: flow-control
#    warnings only, see lib.sh).
#   tcp.sh CAPNET
set -u
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
interop_require python3 curl
BULK=${CAPNET_INTEROP_BULK_BYTES:-67108864}
interop_up "$1" tcp --cc none

body=$(in_ns curl -sS --max-time 5 http://192.0.2.2/) || fail "curl GET / failed"
[ "$body" = "hello from libcapnet" ] || fail "GET / body '$body'"
echo "curl GET /: 200, body '$body'"
code=$(in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://192.0.2.2/nothing-here)
[ "$code" = 404 ] || fail "GET /nothing-here: $code, want 404"
code=$(in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -d x=1 http://192.0.2.2/)
[ "$code" = 405 ] || fail "POST /: $code, want 405"
i=0
while [ $i -lt 20 ]; do
	in_ns curl -sS --max-time 5 -o /dev/null http://192.0.2.2/ || fail "GET / number $i failed"
	i=$((i + 1))
done
echo "curl: 404 and 405 as expected; 20 more GETs answered"

for size in 0 1 1460 1461 65536 1048576; do
	in_ns timeout 60 python3 "$here/tcp_echo_client.py" 192.0.2.2 7 $size 30 || fail "echo of $size bytes"
done

# The first run (--cc none) is still up; reno and cubic get their own.
for cc in none reno cubic; do
	[ $cc = none ] || serve_start --cc $cc
	grep -q "tcp echo on port 7 ($cc)" "$SERVE_LOG" || { cat "$SERVE_LOG"; fail "not serving with $cc"; }
	printf 'congestion control %s: ' $cc
	in_ns timeout 150 python3 "$here/tcp_echo_client.py" 192.0.2.2 7 "$BULK" 120 ||
		{ tail -5 "$SERVE_LOG"; fail "bulk echo with $cc"; }
	interop_stop
	[ "$SERVE_RC" -eq 0 ] || { cat "$SERVE_LOG"; fail "capnet serve exited $SERVE_RC"; }
	grep 'tcp: ' "$SERVE_LOG" | tail -1
	check_pcap_clean "$SERVE_PCAP" flow-control
done
echo "tcp interop: ok"
