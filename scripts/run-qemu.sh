#!/bin/sh
# Boots the bare-metal image for a person to try (`make run-qemu`): as root,
# a network namespace "capnet-qemu" with a TAP (ctap0, 192.0.2.1/24 on the
# Linux side; RFC 5737 documentation addresses, nothing routed out) and
# dnsmasq handing out 192.0.2.50-60; QEMU's serial console on this
# terminal. Quit QEMU with Ctrl-A X; the namespace, the TAP and dnsmasq go
# with it. From another shell, once the console says `dhcp: bound ADDR`:
#   ip netns exec capnet-qemu ping ADDR
#   ip netns exec capnet-qemu curl http://ADDR/
#   run-qemu.sh IMAGE
set -eu
IMAGE=${1:?usage: run-qemu.sh IMAGE}
NS=capnet-qemu

[ "$(id -u)" -eq 0 ] || { echo "run-qemu: needs root (network namespace, TAP): sudo make run-qemu" >&2; exit 1; }
for t in ip qemu-system-x86_64 dnsmasq; do
	command -v "$t" >/dev/null 2>&1 || { echo "run-qemu: $t is missing (make deps-interop installs it)" >&2; exit 1; }
done
[ -f "$IMAGE" ] || { echo "run-qemu: no image at $IMAGE (make baremetal)" >&2; exit 1; }
if ip netns list | grep -q "^$NS\( \|$\)"; then
	echo "run-qemu: namespace $NS exists (another run-qemu?); remove it with: ip netns del $NS" >&2
	exit 1
fi

WORK=$(mktemp -d)
cleanup() {
	if [ -f "$WORK/dnsmasq.pid" ]; then
		kill "$(cat "$WORK/dnsmasq.pid")" 2>/dev/null || true
	fi
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip tuntap add dev ctap0 mode tap
ip netns exec "$NS" sysctl -q -w net.ipv6.conf.ctap0.disable_ipv6=1 2>/dev/null || true
ip netns exec "$NS" ip addr add 192.0.2.1/24 dev ctap0
ip netns exec "$NS" ip link set ctap0 up
# dnsmasq detaches and writes its pid file: cleanup ends that pid.
ip netns exec "$NS" dnsmasq --conf-file=/dev/null --port=0 --interface=ctap0 --bind-interfaces --except-interface=lo \
	--dhcp-range=192.0.2.50,192.0.2.60,255.255.255.0,10m --dhcp-authoritative \
	--dhcp-leasefile="$WORK/dnsmasq.leases" --pid-file="$WORK/dnsmasq.pid" --user=root --group=root

accel=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	accel=kvm
fi
echo "run-qemu: namespace $NS, dnsmasq on ctap0 (192.0.2.1), QEMU with $accel; quit with Ctrl-A X"
echo "run-qemu: then from another shell: ip netns exec $NS ping ADDR; ip netns exec $NS curl http://ADDR/"
# acpi=off: QEMU names the virtio-mmio device on the kernel command line;
# force-legacy=false: the virtio 1.x register layout the driver needs.
ip netns exec "$NS" qemu-system-x86_64 -M microvm,acpi=off -accel "$accel" -m 128M -kernel "$IMAGE" \
	-nodefaults -no-user-config -nographic -no-reboot -serial mon:stdio \
	-global virtio-mmio.force-legacy=false \
	-netdev tap,id=n0,ifname=ctap0,script=no,downscript=no \
	-device virtio-net-device,netdev=n0,mac=02:00:00:00:00:10
