#!/bin/sh
# Installs the Debian/Ubuntu packages libcapnet needs -- only those that are
# missing. Usage: install-deps.sh [--interop]. `apt-get update` runs at most once, and only when something is
# missing. Uses sudo when not root. Set CAPNET_NO_DEPS=1 to skip entirely
# (other distributions, offline machines).
set -eu

REQUIRED="meson ninja-build pkg-config gcc clang check libsubunit-dev libev-dev libpcap-dev libjansson-dev liburing-dev"
# The interop suite's real peers (it skips itself when it cannot run):
# namespaces and TAP, ping, curl, a DHCP server binary (dnsmasq-base: no
# system service is started), tshark to check every capture, QEMU to boot
# the bare-metal image (the qemu suite), radvd for IPv6 router advertisements,
# ethtool for the veth baseline of `bench tap`.
# Only `make test` asks for them (--interop); `make demo` needs the build.
INTEROP="iproute2 iputils-ping curl netcat-openbsd dnsmasq-base tshark python3 radvd ethtool qemu-system-x86"
if [ "${1:-}" = --interop ]; then
	REQUIRED="$REQUIRED $INTEROP"
fi

say() { printf 'deps: %s\n' "$*"; }

if [ "${CAPNET_NO_DEPS:-0}" = 1 ]; then
	say "CAPNET_NO_DEPS=1: not checking packages"
	exit 0
fi
if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	say "not a Debian-based system: install the equivalents of: $REQUIRED"
	exit 0
fi

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}
# "Candidate: (none)" or no output at all means apt cannot install it.
available() {
	apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		SUDO="need-root"
	fi
fi

apt_get() {
	if [ "$SUDO" = need-root ]; then
		say "missing packages and no sudo: run as root: apt-get install $*"
		exit 1
	fi
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -q "$@" </dev/null
}

updated=no
update_once() {
	if [ "$updated" = no ]; then
		apt_get update
		updated=yes
	fi
}

missing=""
for p in $REQUIRED; do
	installed "$p" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	say "installing:$missing"
	update_once
	# shellcheck disable=SC2086 # one word per package
	apt_get install -y $missing
fi

# clang's runtime (libFuzzer, its sanitizers) follows clang's major version;
# it is needed only by `make fuzz`, so it is installed when the distribution
# has it and skipped otherwise.
major=14
if command -v clang >/dev/null 2>&1; then
	major=$(clang -dumpversion | cut -d. -f1)
fi
rt="libclang-rt-$major-dev"
if ! installed "$rt"; then
	available "$rt" || update_once
	if available "$rt"; then
		say "installing: $rt"
		apt_get install -y "$rt"
	else
		say "$rt is not available here: skipped (only make fuzz needs it)"
	fi
fi
say "done"
