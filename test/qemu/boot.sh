#!/bin/sh
# The QEMU boot test: the bare-metal image (baremetal/) boots under
# qemu-system-x86_64 -M microvm on a TAP in a network namespace of its own
# (192.0.2.0/24 only, RFC 5737), with dnsmasq as the DHCP server on the
# Linux side. The guest must print each step on its serial console, hold a
# lease that dnsmasq's lease file shows, answer Linux ping, and serve one
# HTTP/1.0 request to curl. QEMU runs at most 60 s; everything (QEMU,
# dnsmasq, the namespace with its TAP) is removed on exit, pass or fail.
# KVM when /dev/kvm is usable, TCG otherwise. Skipped (77) without root,
# /dev/net/tun, QEMU, dnsmasq, ping or curl.
#   boot.sh IMAGE
set -u
. "$(dirname "$0")/../interop/lib.sh"
IMAGE=${1:?usage: boot.sh IMAGE}
interop_require qemu-system-x86_64 dnsmasq ping curl
[ -f "$IMAGE" ] || fail "no image at $IMAGE"
MAC=02:00:00:00:00:10
export NO_SERVE=1
interop_up none qemu

leases="$WORK/dnsmasq.leases"
serial="$WORK/serial.log"
dnsmasq_start 'DHCP, sockets bound' --port=0 --dhcp-range=192.0.2.50,192.0.2.60,255.255.255.0,2m \
	--dhcp-authoritative --dhcp-leasefile="$leases" --log-dhcp

accel=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	accel=kvm
fi
# microvm: acpi=off makes QEMU name the virtio-mmio transport on the kernel
# command line (virtio_mmio.device=...), which the image reads;
# force-legacy=false gives the virtio 1.x (version 2) register layout the
# driver requires instead of QEMU's legacy default.
set -- qemu-system-x86_64 -M microvm,acpi=off -accel "$accel" -m 128M -kernel "$IMAGE" \
	-nodefaults -no-user-config -display none -no-reboot -serial "file:$serial" \
	-global virtio-mmio.force-legacy=false \
	-netdev tap,id=n0,ifname=ctap0,script=no,downscript=no \
	-device virtio-net-device,netdev=n0,mac=$MAC -pidfile "$WORK/qemu.pid"
echo "qemu: ip netns exec $NS timeout 60 $*"
t0=$(date +%s%N)
ip netns exec "$NS" timeout 60 "$@" >"$WORK/qemu.out" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 "$WORK/qemu.pid" '[0-9]' || { cat "$WORK/qemu.out"; fail "QEMU did not start"; }
PIDS="$(cat "$WORK/qemu.pid") $PIDS" # QEMU itself first, then its timeout wrapper

show() { echo "--- serial console"; cat "$serial"; echo "--- qemu"; cat "$WORK/qemu.out"; echo "--- dnsmasq"; cat "$dlog"; }

wait_for 20 "$serial" '^virtio: up ' || { show; fail "no 'virtio: up' on the console in 20 s"; }
tv=$(date +%s%N)
grep -q "^virtio: up $MAC" "$serial" || { show; fail "virtio: up without the MAC $MAC"; }
# dnsmasq pings an address before offering it (3 s) and the guest probes it
# by ARP before using it (RFC 5227, about 5 s).
wait_for 40 "$serial" '^dhcp: bound ' || { show; fail "no 'dhcp: bound' on the console"; }
t1=$(date +%s%N)
addr=$(sed -n 's/^dhcp: bound \([0-9.]*\).*/\1/p' "$serial" | tr -d '\r' | head -1)
case $addr in
192.0.2.5[0-9] | 192.0.2.60) ;;
*) show; fail "bound to '$addr', outside dnsmasq's range" ;;
esac
grep -q "$MAC $addr " "$leases" || { show; cat "$leases"; fail "lease not in dnsmasq's lease file"; }
echo "boot to virtio up: $(((tv - t0) / 1000000)) ms, boot to lease: $(((t1 - t0) / 1000000)) ms (QEMU start to 'dhcp: bound $addr' on the console)"
echo "dnsmasq lease file: $(cat "$leases")"

wait_for 5 "$serial" '^tcp: listening 80' || { show; fail "no 'tcp: listening 80'"; }
out=$(in_ns timeout 20 ping -n -c 3 -i 0.2 -W 2 "$addr") || { echo "$out"; show; fail "ping $addr failed"; }
echo "$out" | grep -q ' 0% packet loss' || { echo "$out"; show; fail "loss pinging $addr"; }
echo "ping $addr: $(echo "$out" | grep -o '[0-9]* received, [0-9.]*% packet loss')"

sizes=$(in_ns curl -sS --max-time 15 -o "$WORK/body" -w '%{size_header} %{size_download}' "http://$addr/" 2>"$WORK/curl.err") ||
	{ cat "$WORK/curl.err"; show; fail "curl http://$addr/ failed"; }
body=$(cat "$WORK/body")
[ "$body" = "hello from libcapnet on bare metal" ] || { echo "body: '$body'"; show; fail "unexpected reply"; }
echo "curl http://$addr/: $body"
# The console counts the whole reply: header and body.
n=$(echo "$sizes" | { read -r h b; echo $((h + b)); })
wait_for 5 "$serial" "^tcp: served $n bytes" || { show; fail "no 'tcp: served $n bytes' on the console"; }

echo "--- serial console"
tr -d '\r' <"$serial"
echo "image: $(wc -c <"$IMAGE") bytes, accel $accel"
echo "qemu boot: ok"
