#!/bin/sh
# The TAP device is deleted under a running `capnet serve`: the descriptor
# turns to EBADFD and stays readable, so a naive loop would spin. capnet
# must notice, log it, and exit 1 within a few seconds, pcap flushed.
#   gone.sh CAPNET
set -u
. "$(dirname "$0")/lib.sh"
interop_require
interop_up "$1" gone

in_ns ip link del ctap0 || fail "ip link del ctap0"
i=0
while kill -0 "$SERVE_PID" 2>/dev/null && [ $i -lt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -0 "$SERVE_PID" 2>/dev/null && { cat "$SERVE_LOG"; fail "capnet serve still running 3 s after its device went"; }
wait "$SERVE_PID"
rc=$?
SERVE_PID=
cat "$SERVE_LOG"
[ $rc -eq 1 ] || fail "exit $rc, want 1"
grep -q 'device ctap0 failed' "$SERVE_LOG" || fail "the failure was not logged"
grep -q 'loop: [0-9] polls' "$SERVE_LOG" || fail "more than 9 polls: did the loop spin?"
echo "device gone: ok"
