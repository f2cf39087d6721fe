#!/bin/sh
# A SYN flood must not deny service (RFC 4987), against a real Linux client:
#  - `capnet serve` on 192.0.2.2 (HTTP on port 80, SYN cookies on: the
#    default), over TAP in a private namespace;
#  - syn_flood.py writes COUNT (default 20,000) SYNs onto the TAP, each from
#    a spoofed on-link source 192.0.2.100-254 (spoofed MAC, random port and
#    ISN; half with timestamps, window scale and SACK), in about a second;
#    nobody answers ARP for those sources;
#  - while it runs, one real `curl` GETs http://192.0.2.2/: it must be
#    answered (200) with its connect inside one SYN (Linux retransmits a SYN
#    after 1 s; a connect under 1 s means no SYN was lost to the flood);
#  - after it, serve still answers; its counters show the cookies sent and
#    validated, the SYN queue overflowing (the half-open peak is the queue's
#    bound, 128) and the ARP cache recycling INCOMPLETE entries;
#    serve's resident memory before and after is printed;
#  - the pcap serve wrote reads clean in tshark.
#   syn_flood.sh CAPNET
set -u
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
interop_require curl pgrep
[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3"
COUNT=${CAPNET_INTEROP_SYN_FLOOD:-20000}
interop_up "$1" synflood --json

# serve runs under `timeout` (lib.sh): its own pid is the child of that.
pid=$(pgrep -P "$SERVE_PID" | head -1)
[ -n "$pid" ] || fail "no capnet serve process under $SERVE_PID"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$pid/status"; }
rss0=$(rss)

flog="$WORK/flood.log"
ip netns exec "$NS" timeout 120 /usr/bin/python3 "$here/syn_flood.py" ctap0 02:00:00:00:00:02 192.0.2.2 80 \
	"$COUNT" >"$flog" 2>&1 &
PIDS="$PIDS $!"
wait_for 60 "$flog" sending || { cat "$flog"; fail "the flood did not start"; }
sleep 0.2 # the SYN queue is full by now
out=$(in_ns curl -sS -o /dev/null -w '%{http_code} %{time_connect} %{time_total}' --max-time 10 http://192.0.2.2/) ||
	fail "curl during the flood failed ($out)"
set -- $out
[ "$1" = 200 ] || fail "curl during the flood: HTTP $1"
echo "curl during the flood: HTTP $1, connect $2 s, total $3 s"
awk -v c="$2" 'BEGIN { exit !(c < 1.0) }' || fail "connect took $2 s: a SYN was lost to the flood (denial)"
wait_for 60 "$flog" 'flood:' || { cat "$flog"; fail "the flood did not end in 60 s"; }
cat "$flog" | grep 'flood:'
rss1=$(rss)
hwm1=$(hwm)

out=$(in_ns curl -sS -o /dev/null -w '%{http_code} %{time_connect} %{time_total}' --max-time 10 http://192.0.2.2/) ||
	fail "curl after the flood failed"
set -- $out
[ "$1" = 200 ] || fail "curl after the flood: HTTP $1"
echo "curl after the flood: HTTP $1, connect $2 s, total $3 s"
kill -0 "$pid" 2>/dev/null || fail "capnet serve is gone"

interop_stop
[ "$SERVE_RC" -eq 0 ] || { tail -5 "$SERVE_LOG"; fail "capnet serve exited $SERVE_RC"; }
ctr() { grep '"counters"' "$SERVE_LOG" | grep -v 'ipv6 counters' | tail -1 | grep -o "[ :]$1=[0-9]*" | head -1 | sed 's/.*=//'; }
rx=$(ctr eth_rx_frames)
ovf=$(ctr tcp_syn_queue_overflow)
sent=$(ctr tcp_syncookies_sent)
recv=$(ctr tcp_syncookies_recv)
failed=$(ctr tcp_syncookies_failed)
recl=$(ctr tcp_synrecv_reclaimed)
recyc=$(ctr arp_incomplete_recycled)
drop=$(ctr tcp_backlog_overflow)
echo "serve counters: eth_rx_frames=${rx:-0} tcp_syn_queue_overflow=${ovf:-0} tcp_syncookies_sent=${sent:-0}" \
	"tcp_syncookies_recv=${recv:-0} tcp_syncookies_failed=${failed:-0} tcp_synrecv_reclaimed=${recl:-0}" \
	"arp_incomplete_recycled=${recyc:-0} tcp_backlog_overflow=${drop:-0}"
[ "${ovf:-0}" -gt 0 ] || fail "the SYN queue never filled: the flood did not reach serve"
echo "half-open peak: 128 (the SYN queue's bound, reached: $ovf SYNs found it full)"
[ "${sent:-0}" -gt 0 ] || fail "no SYN cookie sent"
[ "${drop:-0}" -eq 0 ] || fail "$drop SYNs dropped with cookies on"
echo "memory: serve VmRSS ${rss0} kB before the flood, ${rss1} kB after (peak VmHWM ${hwm1} kB)"
CHECK_PCAP_OPTS='-d tcp.port==80,http' check_pcap_clean "$SERVE_PCAP"
echo "syn flood interop: ok"
