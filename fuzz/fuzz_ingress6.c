/* Whole-frame IPv6 ingress into an interface with IPv6 on and a static
 * address: a run of frames, each prefixed by a 2-byte length, the clock
 * moving between them so DAD, router solicitation, NDP timers, lifetimes
 * and ICMPv6 rate limiting run too. Everything the stack transmits must be
 * a legal Ethernet frame from our MAC. */
#include <string.h>

#include "capnet/iface.h"
#include "capnet/ip6.h"
#include "capnet/nic_null.h"
#include "capnet/wire/bytes.h"
#include "fuzz_assert.h"
#include "fuzz_iface.h"

static const struct capnet_mac our_mac = {{0x02, 0, 0, 0, 0, 0x0a}};
static const struct capnet_nic_ops null_ops = {fuzz_checked_transmit, capnet_nic_null_receive, capnet_nic_null_link_up};
static uint8_t arena_mem[192 * 1024];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnet_nic nic = {&null_ops, &nic, our_mac, 1500};
	struct capnet_xoshiro x;
	capnet_xoshiro_seed(&x, 1);
	struct capnet_arena a;
	capnet_arena_init(&a, arena_mem, sizeof arena_mem);
	struct capnet_iface_config cfg = {0};
	cfg.ip6.enable = true;
	struct capnet_iface *ifc;
	FUZZ_CHECK(capnet_iface_create(&a, &cfg, &nic, capnet_xoshiro_rng(&x), &ifc) == CAPNET_OK);
	struct capnet_ip6addr me = {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
	FUZZ_CHECK(capnet_ip6_addr_add(ifc, &me, 64, CAPNET_PROV_STATIC, 0) == CAPNET_OK);
	capnet_instant now = 0;
	now = capnet_iface_poll(ifc, now) == CAPNET_INSTANT_NEVER ? now : now + CAPNET_S(2);
	capnet_iface_poll(ifc, now);

	capnet_iface_input(ifc, data, size, now);
	size_t off = 0;
	while (off + 2 <= size) {
		size_t len = capnet_get16(data + off);
		off += 2;
		if (len > size - off)
			len = size - off;
		capnet_iface_input(ifc, data + off, len, now);
		if (len > 0 && (data[off] & 1)) {
			uint8_t d[8] = {0};
			struct capnet_ip6addr dst = me;
			dst.b[15] = data[off];
			capnet_icmp6_echo_send(ifc, &dst, 1, 1, d, sizeof d, now);
		}
		off += len;
		now += CAPNET_MS(300) * (capnet_duration)(len & 7);
		capnet_instant next = capnet_iface_poll(ifc, now);
		FUZZ_CHECK(next >= now);
	}
	capnet_iface_poll(ifc, now + CAPNET_S(4000));
	return 0;
}
