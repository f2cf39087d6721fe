#!/bin/sh
# libcapnet as a TCP client of Linux, over TAP in a private namespace:
# `capnet serve --connect 192.0.2.1:PORT --send-file A --sink B` connects to
# a Linux server (a small python3 server; also OpenBSD `nc -l` when it is
# installed), sends 64 MiB while Linux sends it 64 MiB, half-closes, and
# reads to Linux's FIN. Both directions must arrive byte-exact (sha256),
# once per congestion controller (none, reno, cubic), and each pcap capnet
# wrote must read clean in tshark. Then once with the TAP offloads on.
#   tcp_client.sh CAPNET
set -u
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
interop_require python3 sha256sum head
BULK=${CAPNET_INTEROP_BULK_BYTES:-67108864}
export NO_SERVE=1
interop_up "$1" tcpc

head -c "$BULK" /dev/urandom >"$WORK/to-linux.bin" || fail "cannot make the data"
head -c "$BULK" /dev/urandom >"$WORK/to-capnet.bin" || fail "cannot make the data"
want_linux=$(sha256sum <"$WORK/to-linux.bin" | cut -d' ' -f1)
want_capnet=$(sha256sum <"$WORK/to-capnet.bin" | cut -d' ' -f1)

# serve_wait SECONDS: until capnet serve exits by itself (its client
# session over); sets SERVE_RC.
serve_wait() {
	i=0
	while kill -0 "$SERVE_PID" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le $(($1 * 10)) ] || { tail -5 "$SERVE_LOG"; fail "capnet serve still running after $1 s"; }
		sleep 0.1
	done
	wait "$SERVE_PID"
	SERVE_RC=$?
	SERVE_PID=
}

# check_both NAME: what each side received is what the other sent.
check_both() {
	got_linux=$(sha256sum <"$WORK/got-linux.bin" | cut -d' ' -f1)
	got_capnet=$(sha256sum <"$WORK/got-capnet.bin" | cut -d' ' -f1)
	[ "$got_linux" = "$want_linux" ] ||
		fail "$1: Linux received $(wc -c <"$WORK/got-linux.bin") bytes, sha256 $got_linux, want $want_linux"
	[ "$got_capnet" = "$want_capnet" ] ||
		fail "$1: libcapnet received $(wc -c <"$WORK/got-capnet.bin") bytes, sha256 $got_capnet, want $want_capnet"
	echo "$1: $BULK bytes each way, sha256 match both ways"
	rm -f "$WORK/got-linux.bin" "$WORK/got-capnet.bin"
}

# Ports no tshark dissector claims (5001 and up are slow to dissect), and
# random payloads there read as plain data (see check_pcap_clean).
port=40000
export CHECK_PCAP_OPTS="-d tcp.port==40001-40009,data"
for cc in none reno cubic; do
	port=$((port + 1))
	ip netns exec "$NS" timeout 150 python3 "$here/tcp_peer_server.py" 192.0.2.1 $port "$WORK/to-capnet.bin" \
		"$WORK/got-linux.bin" 120 >"$WORK/server-$cc.log" 2>&1 &
	server=$!
	PIDS="$PIDS $server"
	wait_for 10 "$WORK/server-$cc.log" listening || { cat "$WORK/server-$cc.log"; fail "server did not start"; }
	serve_start --cc $cc --connect 192.0.2.1:$port --send-file "$WORK/to-linux.bin" --sink "$WORK/got-capnet.bin"
	serve_wait 150
	wait "$server"
	src=$?
	cat "$WORK/server-$cc.log"
	grep -E 'client (connected|.*done|.*failed)' "$SERVE_LOG"
	[ "$SERVE_RC" -eq 0 ] || { cat "$SERVE_LOG"; fail "capnet serve exited $SERVE_RC with $cc"; }
	[ "$src" -eq 0 ] || fail "the Linux server exited $src with $cc"
	grep -q "client 192.0.2.1:$port done: $BULK bytes sent and acknowledged, $BULK received" "$SERVE_LOG" ||
		{ cat "$SERVE_LOG"; fail "no complete client session logged with $cc"; }
	grep -q "client connected to 192.0.2.1:$port ($cc)" "$SERVE_LOG" || fail "client not running $cc"
	check_both "congestion control $cc"
	check_pcap_clean "$SERVE_PCAP" flow-control
	rm -f "$SERVE_PCAP"
done

# Once more with the TAP offloads (`serve --offload`): the kernel hands
# over TSO super-frames of up to 64 KiB, which the backend cuts into the
# segments the stack reads; both directions still byte-exact.
port=$((port + 1))
ip netns exec "$NS" timeout 150 python3 "$here/tcp_peer_server.py" 192.0.2.1 $port "$WORK/to-capnet.bin" \
	"$WORK/got-linux.bin" 120 >"$WORK/server-offload.log" 2>&1 &
server=$!
PIDS="$PIDS $server"
wait_for 10 "$WORK/server-offload.log" listening || { cat "$WORK/server-offload.log"; fail "server did not start"; }
serve_start --offload --cc cubic --connect 192.0.2.1:$port --send-file "$WORK/to-linux.bin" --sink "$WORK/got-capnet.bin"
serve_wait 150
wait "$server"
src=$?
[ "$SERVE_RC" -eq 0 ] || { cat "$SERVE_LOG"; fail "capnet serve --offload exited $SERVE_RC"; }
[ "$src" -eq 0 ] || fail "the Linux server exited $src (offload)"
grep -E 'client .*done|tap offload' "$SERVE_LOG"
grep -q 'tap offload: [1-9][0-9]* TSO super-frames' "$SERVE_LOG" || { cat "$SERVE_LOG"; fail "no TSO super-frame arrived"; }
grep -q ' 0 unusable frames dropped' "$SERVE_LOG" || fail "offload dropped frames"
check_both "offload (cubic)"
check_pcap_clean "$SERVE_PCAP" flow-control
rm -f "$SERVE_PCAP"

# The same against `nc -l` where it is OpenBSD netcat (-N: shut down the
# sending side at end of input). It runs right after the --offload round on
# the same persistent TAP, on purpose: a plain reader must turn the
# offloads left on the device off (it once took every segment for a bad
# checksum).
if command -v nc >/dev/null 2>&1 && nc -h 2>&1 | grep -qi -- '-N.*shutdown'; then
	port=$((port + 1))
	ip netns exec "$NS" timeout 150 sh -c "exec nc -N -l 192.0.2.1 $port <'$WORK/to-capnet.bin' >'$WORK/got-linux.bin'" &
	PIDS="$PIDS $!"
	sleep 0.5
	# nc quits on reading EOF, its unsent input with it: our FIN waits for its.
	serve_start --connect 192.0.2.1:$port --send-file "$WORK/to-linux.bin" --sink "$WORK/got-capnet.bin" --fin-after-eof
	serve_wait 150
	[ "$SERVE_RC" -eq 0 ] || { cat "$SERVE_LOG"; fail "capnet serve exited $SERVE_RC against nc -l"; }
	grep -E 'client (connected|.*done)' "$SERVE_LOG"
	check_both "nc -l (reno)"
else
	echo "note: OpenBSD nc not installed; the python3 server stood in for nc -l"
fi
echo "tcp client interop: ok"
