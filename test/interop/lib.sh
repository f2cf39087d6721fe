# Shared by the interop tests (sourced). Each test gets its own network
# namespace and TAP device, uses only 192.0.2.0/24 (RFC 5737 TEST-NET-1),
# and removes everything on exit. Without root or /dev/net/tun a test
# reports skipped (exit 77), never passed.

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

interop_require() { # tools...
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, TAP)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	for t in ip timeout "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "needs $t"
	done
}

# interop_up CAPNET NAME [serve options...]: a netns "capnet-NAME-PID" with a
# TAP "ctap0" holding 192.0.2.1/24 on the Linux side, and `capnet serve` on
# it as 192.0.2.2/24 (serve_start; not with NO_SERVE=1). Sets NS, WORK and
# what serve_start sets. Processes a test starts itself go in PIDS: they are
# ended (by pid) on exit: start them with `ip netns exec`, not in_ns (a
# backgrounded function is a subshell whose pid is not the program's).
interop_up() {
	CAPNET=$1
	name=$2
	shift 2
	NS="capnet-$name-$$"
	WORK=$(mktemp -d)
	SERVE_PID=
	PIDS=
	RUNS=0
	trap interop_down EXIT
	trap 'exit 1' INT TERM
	ip netns add "$NS" || fail "ip netns add $NS"
	ip netns exec "$NS" ip link set lo up
	ip netns exec "$NS" ip tuntap add dev ctap0 mode tap || fail "ip tuntap add"
	# Keep the kernel's IPv6 chatter (MLD, DAD) off this link: the test is
	# about IPv4, and the stack would only count and drop it.
	ip netns exec "$NS" sysctl -q -w net.ipv6.conf.ctap0.disable_ipv6=1 2>/dev/null || true
	ip netns exec "$NS" ip addr add 192.0.2.1/24 dev ctap0
	ip netns exec "$NS" ip link set ctap0 up
	[ "${NO_SERVE:-0}" = 1 ] || serve_start "$@"
}

# serve_start [serve options...]: `capnet serve` on ctap0 as 192.0.2.2/24
# (or with the address options in $SERVE_ADDR, e.g. "--dhcp"), recording to
# $SERVE_PCAP, logging to $SERVE_LOG (one pair per run). $CAPNET_SERVE_EXTRA
# adds options to every run (the same suite over another path of the TAP
# backend: "--offload", "--ring").
# Sets SERVE_PID; waits until it says it is serving (at most 5 s).
serve_start() {
	RUNS=$((RUNS + 1))
	SERVE_PCAP="$WORK/serve-$RUNS.pcap"
	SERVE_LOG="$WORK/serve-$RUNS.log"
	# shellcheck disable=SC2086 # SERVE_ADDR and CAPNET_SERVE_EXTRA are lists of options
	ip netns exec "$NS" timeout 300 "$CAPNET" serve --tap ctap0 ${SERVE_ADDR:---static 192.0.2.2/24 --gateway 192.0.2.1} \
		--pcap "$SERVE_PCAP" ${CAPNET_SERVE_EXTRA:-} "$@" >"$SERVE_LOG" 2>&1 &
	SERVE_PID=$!
	i=0
	while ! grep -q 'serving ' "$SERVE_LOG" 2>/dev/null; do
		kill -0 "$SERVE_PID" 2>/dev/null || { cat "$SERVE_LOG"; fail "capnet serve exited early"; }
		i=$((i + 1))
		[ $i -le 50 ] || { cat "$SERVE_LOG"; fail "capnet serve did not start in 5 s"; }
		sleep 0.1
	done
}

# term_wait PID TENTHS: SIGTERM, up to TENTHS tenths of a second to go, then
# SIGKILL; returns the program's exit status (when it is our child).
term_wait() {
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# Stops capnet serve with SIGTERM (it flushes its pcap) and waits for it.
interop_stop() {
	[ -n "$SERVE_PID" ] || return 0
	term_wait "$SERVE_PID" 50
	SERVE_RC=$? # read by the tests
	export SERVE_RC
	SERVE_PID=
	return 0
}

# end_pid PID: SIGTERM, up to 2 s to go, then SIGKILL. For programs that
# may not see the TERM sent to a wrapper (the test runner can start tests
# with signals blocked), pass the program's own pid (its pid file).
end_pid() {
	term_wait "$1" 20
	return 0
}

interop_down() {
	interop_stop
	for p in ${PIDS:-}; do
		end_pid "$p"
	done
	[ -n "${NS:-}" ] && ip netns del "$NS" 2>/dev/null
	[ -n "${WORK:-}" ] && rm -rf "$WORK"
}

in_ns() { ip netns exec "$NS" "$@"; }

# dnsmasq_start READY OPTIONS...: dnsmasq inside the namespace, on ctap0 only
# and with nothing but OPTIONS besides; its log is $dlog ($WORK/dnsmasq.log).
# Waits for READY in the log and for its pid file; it ends with the namespace.
dnsmasq_start() {
	ready=$1
	shift
	dlog="$WORK/dnsmasq.log"
	ip netns exec "$NS" timeout 120 dnsmasq --keep-in-foreground --conf-file=/dev/null --interface=ctap0 \
		--bind-interfaces --except-interface=lo --log-facility="$dlog" --pid-file="$WORK/dnsmasq.pid" \
		--user=root --group=root "$@" &
	PIDS="$PIDS $!"
	wait_for 5 "$dlog" "$ready" || { cat "$dlog"; fail "dnsmasq did not start"; }
	wait_for 5 "$WORK/dnsmasq.pid" '[0-9]' || fail "dnsmasq wrote no pid file"
	PIDS="$(cat "$WORK/dnsmasq.pid") $PIDS" # dnsmasq itself first, then its timeout wrapper
}

# wait_for SECONDS FILE PATTERN: until grep finds PATTERN in FILE (bounded).
wait_for() {
	i=0
	while ! grep -q "$3" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le $(($1 * 10)) ] || return 1
		sleep 0.1
	done
}

# tshark reads a pcap capnet wrote, IPv4/UDP/TCP checksum validation on
# (ICMP's is always checked):
#  - no frame is malformed and none has a bad checksum, whoever sent it (a
#    bad one from Linux would mean the recording is wrong);
#  - no frame the stack sent (source 02:00:00:00:00:02) carries an expert
#    warning. Frames Linux sent may: the kernel sometimes sends a TCP
#    checksum of 0xFFFF where tshark prefers 0x0000 (RFC 1624; both mean the
#    same and the stack accepts either) -- Linux's choice, not ours.
# Expected warnings on the stack's frames, allowed only with "flow-control"
# as second argument (bulk TCP through the echo server): [TCP ZeroWindow]
# and its probes, [TCP Window Full]. They are TCP flow control doing its job
# -- the echo server stops reading while its answer cannot be queued
# (RFC 9293 3.8.6) -- not faults.
# tshark's own failure (an unreadable file, an unknown option) fails the
# test: an empty answer only counts when tshark ran. Skipped with a note if
# tshark is absent.
check_pcap_clean() { # file [flow-control]
	if ! command -v tshark >/dev/null 2>&1; then
		echo "note: tshark not installed; pcap check skipped"
		return 0
	fi
	# A test may add tshark options for every run below, e.g. random
	# payloads on its ports decoded as plain data: some heuristic dissectors
	# claim random bytes now and then, and then take minutes or flag frames
	# that are fine.
	xo=${CHECK_PCAP_OPTS:-}
	# shellcheck disable=SC2086 # $xo is a list of options
	n=$(tshark -r "$1" $xo 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || fail "tshark read no frames from $1"
	# tshark calls 0xFFFF-for-zero a bad TCP checksum; from Linux it is not
	# (see above), from the stack the warning rule below still catches it.
	bad='_ws.malformed || ip.checksum.status == 0 || (tcp.checksum.status == 0 && !tcp.checksum.ffff)'
	bad="$bad || udp.checksum.status == 0 || icmp.checksum.status == 0"
	warn='_ws.expert.severity >= warning'
	fc='tcp.analysis.zero_window || tcp.analysis.window_full || tcp.analysis.zero_window_probe'
	fc="$fc || tcp.analysis.zero_window_probe_ack"
	[ "${2:-}" = flow-control ] && warn="$warn && !($fc)"
	filter="$bad || (eth.src == ${STACK_MAC:-02:00:00:00:00:02} && $warn)"
	chk='-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE'
	chk="$chk $xo"
	# shellcheck disable=SC2086 # $chk is a list of options
	out=$(tshark -r "$1" $chk -Y "$filter" 2>"$1.tshark.err") || { cat "$1.tshark.err"; fail "tshark failed on $1"; }
	[ -z "$out" ] || { echo "$out" | head -20; fail "tshark flags frames in $1"; }
	# shellcheck disable=SC2086
	others=$(tshark -r "$1" $chk -Y "$warn && !(eth.src == ${STACK_MAC:-02:00:00:00:00:02})" 2>/dev/null | wc -l)
	msg="tshark: $n frames in $(basename "$1"), none malformed or with a bad checksum"
	if [ "${2:-}" = flow-control ]; then
		# shellcheck disable=SC2086
		nfc=$(tshark -r "$1" $xo -Y "$fc" 2>/dev/null | wc -l)
		msg="$msg; $nfc flow-control warnings (zero window / window full)"
	fi
	echo "$msg; no other warning on the stack's frames ($others on Linux's)"
}
