#!/bin/sh
# The freestanding core (DESIGN rule: no libc I/O, malloc, clock or threads)
# may include only <stdint.h> <stddef.h> <stdbool.h> <string.h> and its own
# headers. The -nostdlib link proves no libc symbol is used; this catches a
# hosted header that is included but not (yet) called.
set -u
root=$1
bad=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' \
	"$root/libcapnet/wire" "$root/libcapnet/iface" "$root/libcapnet/sock" "$root/libcapnet/cap" "$root/libcapnet/core" "$root/libcapnet/trace" \
	"$root/libcapnet/stack" "$root/libcapnet/posix" \
	"$root/libcapnet/nic" "$root/libcapnet/include/capnet/wire" 2>/dev/null |
	grep -vE '<(stdint|stddef|stdbool|string)\.h>')
if [ -n "$bad" ]; then
	echo "hosted headers in the freestanding core:"
	echo "$bad"
	exit 1
fi
echo "core includes only freestanding headers"
