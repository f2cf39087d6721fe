#!/bin/sh
# Records the `capnet serve` replay fixtures (needs root: it runs real
# Linux peers in a private network namespace, like test/interop/). Not a
# test: run it by hand when the stack's behaviour changed on purpose, then
# read `git diff fixtures/*.txt` (fixtures/README.md).
#   record_serve_fixtures.sh CAPNET FIXTURES-DIR
#
# serve-tcp-session: `capnet serve --seed 7 --static 192.0.2.2/24` answers
#   Linux's ping (3), one UDP echo, a curl GET / and a 16 KiB TCP echo.
# serve-dhcp: `capnet serve --seed 7 --dhcp` against dnsmasq: DISCOVER,
#   OFFER, REQUEST, ACK, the RFC 5227 probes and announcements, a renewal
#   at T1 (8 s), and the RELEASE at SIGTERM.
# Each gets NAME.pcap (what serve recorded, both directions, stamped with
# the stack's clock), NAME.args (the `capnet replay` options that rebuild
# the same stack: seed, address, the stop instant serve logged) and
# NAME.expected.txt (the transcript of what the replayed stack sends).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../interop/lib.sh"
capnet=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=$(cd "$2" && pwd)
interop_require python3 curl ping dnsmasq
SEED=7

# finish NAME ARGS...: stop serve, keep its pcap and the replay arguments,
# and check that the replay matches before writing the transcript.
finish() {
	name=$1
	shift
	interop_stop
	[ "$SERVE_RC" -eq 0 ] || { cat "$SERVE_LOG"; fail "capnet serve exited $SERVE_RC"; }
	stop=$(sed -n 's/.*(replay: --stop-at \([0-9.]*\)).*/\1/p' "$SERVE_LOG")
	[ -n "$stop" ] || { cat "$SERVE_LOG"; fail "serve did not log its stop instant"; }
	cp "$SERVE_PCAP" "$out/$name.pcap"
	echo "--serve --seed $SEED $* --stop-at $stop" >"$out/$name.args"
	# shellcheck disable=SC2046 # the args file is a list of options
	"$capnet" replay "$out/$name.pcap" $(cat "$out/$name.args") --expect "$out/$name.pcap" \
		--write-transcript "$out/$name.expected.txt" --quiet ||
		fail "$name: the replay does not match the recording"
	echo "$name: $(wc -c <"$out/$name.pcap") bytes, args: $(cat "$out/$name.args")"
}

# ---- a TCP/UDP/ICMP session against the Linux kernel ----
interop_up "$capnet" fxtcp --seed $SEED
in_ns ping -n -c 3 -i 0.2 -W 2 192.0.2.2 >/dev/null || fail "ping"
in_ns timeout 10 python3 - <<'PY' || fail "UDP echo"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"capnet fixture datagram", ("192.0.2.2", 7))
assert s.recvfrom(2048)[0] == b"capnet fixture datagram"
PY
body=$(in_ns curl -sS --max-time 5 http://192.0.2.2/) || fail "curl"
[ "$body" = "hello from libcapnet" ] || fail "curl body '$body'"
in_ns timeout 20 python3 "$here/../interop/tcp_echo_client.py" 192.0.2.2 7 16384 10 >/dev/null || fail "echo"
sleep 0.5 # the last ACKs
finish serve-tcp-session --static 192.0.2.2/24 --gateway 192.0.2.1
interop_down
trap - EXIT

# ---- a DHCP lease from dnsmasq, renewed at T1, released ----
export NO_SERVE=1
interop_up "$capnet" fxdhcp
dnsmasq_start 'DHCP, sockets bound' --port=0 --dhcp-range=192.0.2.50,192.0.2.60,255.255.255.0,2m \
	--dhcp-option=option:T1,8 --dhcp-option=option:T2,12 --dhcp-authoritative \
	--dhcp-leasefile="$WORK/dnsmasq.leases" --log-dhcp
SERVE_ADDR=--dhcp serve_start --seed $SEED
wait_for 20 "$SERVE_LOG" 'dhcp BOUND' || { cat "$SERVE_LOG" "$dlog"; fail "no lease in 20 s"; }
wait_for 15 "$SERVE_LOG" 'dhcp RENEWING' || { cat "$SERVE_LOG"; fail "no renewal at T1"; }
sleep 0.5
finish serve-dhcp --dhcp
