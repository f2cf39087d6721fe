#!/bin/sh
# The README's linking contract: after `meson install`, a program builds
# against libcapnet with nothing but `pkg-config --cflags --libs capnet`,
# and runs. Installs into a scratch DESTDIR, never the system.
set -u
builddir=$1
cc=${CC:-cc}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
meson install -C "$builddir" --destdir "$d/root" --no-rebuild --quiet >"$d/install.log" 2>&1 ||
	{ cat "$d/install.log"; echo "meson install failed"; exit 1; }
pc=$(find "$d/root" -name capnet.pc | head -1)
[ -n "$pc" ] || { echo "no capnet.pc installed"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$pc")
# Every installed header stands alone and is freestanding: an OS build
# includes them with nothing but its compiler's headers.
inc=$(find "$d/root" -type d -path '*/include/capnet' | head -1)
for h in $(cd "$inc" && find . -name '*.h' | sed 's|^\./||'); do
	printf '#include <capnet/%s>\n' "$h" | $cc -std=c11 -Wall -Wextra -Werror -ffreestanding -fsyntax-only \
		-I"$(dirname "$inc")" -x c - 2>"$d/hdr.log" ||
		{ cat "$d/hdr.log"; echo "installed header capnet/$h does not compile on its own, freestanding"; exit 1; }
done
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$d/root$prefix" --cflags --libs --static capnet) ||
	{ echo "pkg-config failed"; exit 1; }
cat >"$d/app.c" <<'EOC'
#include <capnet/iface.h>
#include <stdio.h>
static capnet_err tx(void *d, const uint8_t *f, size_t n) { (void)d; (void)f; (void)n; return CAPNET_OK; }
static capnet_err rx(void *d, uint8_t *b, size_t c, size_t *n) { (void)d; (void)b; (void)c; (void)n; return CAPNET_E_AGAIN; }
static bool up(void *d) { (void)d; return true; }
static const struct capnet_nic_ops ops = {tx, rx, up};
static unsigned char mem[1 << 17];
int main(void)
{
	struct capnet_nic nic = {.ops = &ops, .mac = {{2, 0, 0, 0, 0, 1}}, .mtu = 1500};
	struct capnet_xoshiro x;
	capnet_xoshiro_seed(&x, 1);
	struct capnet_arena a;
	capnet_arena_init(&a, mem, sizeof mem);
	struct capnet_iface *ifc;
	capnet_err e = capnet_iface_create(&a, NULL, &nic, capnet_xoshiro_rng(&x), &ifc);
	printf("%s\n", capnet_strerror(e));
	return e == CAPNET_OK ? 0 : 1;
}
EOC
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Werror -o "$d/app" "$d/app.c" $flags -static-libgcc 2>"$d/cc.log" ||
	{ cat "$d/cc.log"; echo "compiling against the installed library failed"; exit 1; }
LD_LIBRARY_PATH=$(dirname "$(find "$d/root" -name 'libcapnet.so*' | head -1)") "$d/app" ||
	{ echo "the linked program failed"; exit 1; }
echo "installed headers + capnet.pc link a working program"
