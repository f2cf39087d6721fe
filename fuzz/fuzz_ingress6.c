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

static const struct capnet_ip6addr me = {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};

/* An echo request to a neighbour of ours, so egress and NDP queueing run. */
static void send_echo(struct capnet_iface *ifc, uint8_t b, capnet_instant now)
{
	uint8_t d[8] = {0};
	struct capnet_ip6addr dst = me;
	dst.b[15] = b;
	capnet_icmp6_echo_send(ifc, &dst, 1, 1, d, sizeof d, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnet_iface_config cfg = {0};
	cfg.ip6.enable = true;
	struct fuzz_iface fi;
	fuzz_iface_open_cfg(&fi, &null_ops, our_mac, 1, arena_mem, sizeof arena_mem, &cfg);
	struct capnet_iface *ifc = fi.ifc;
	FUZZ_CHECK(capnet_ip6_addr_add(ifc, &me, 64, CAPNET_PROV_STATIC, 0) == CAPNET_OK);
	capnet_instant now = 0;
	now = capnet_iface_poll(ifc, now) == CAPNET_INSTANT_NEVER ? now : now + CAPNET_S(2);
	capnet_iface_poll(ifc, now);

	now = fuzz_iface_frames(ifc, data, size, now, CAPNET_MS(300), send_echo);
	capnet_iface_poll(ifc, now + CAPNET_S(4000));
	return 0;
}
