/* The DHCPv4 client fed arbitrary replies in every state. The harness first
 * drives the client with well-formed replies into the state the first input
 * byte names (SELECTING, REQUESTING, CHECKING, BOUND, RENEWING, REBINDING,
 * REBOOTING, INIT after a DECLINE, or STOPPED); then the rest of the input
 * is a run of records
 *
 *   flags(1) length(2, big-endian) payload(length)
 *
 * each payload a DHCP message from a server (UDP 67 -> 68). Flag bits: 0
 * patch in the current xid, 1 patch in our chaddr (so the fuzzer gets past
 * those checks), 2 send to the broadcast address, 3 also inject an ARP
 * reply claiming the address being probed or leased, 4 come from the
 * second server, 5-7 how far the clock moves afterwards.
 *
 * Invariants after every step: the stack only sends legal frames from our
 * MAC; the next deadline is never in the past; no datagram buffer is held;
 * without a lease the interface has no address, no routes and no resolver
 * inputs (fail closed); with one, the interface runs the lease's address
 * and its times are ordered. */
#include <string.h>

#include "capnet/dhcp4_client.h"
#include "capnet/ip4_config.h"
#include "capnet/nic_null.h"
#include "capnet/udp.h"
#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/dhcp4.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/udp.h"
#include "fuzz_assert.h"
#include "fuzz_iface.h"

static const struct capnet_mac our_mac = {{0x02, 0, 0, 0, 0, 0x0c}}, srv_mac = {{0x02, 0, 0, 0, 0, 0x01}},
			       srv2_mac = {{0x02, 0, 0, 0, 0, 0x02}}, other_mac = {{0x02, 0, 0, 0, 0, 0x99}};
#define SRV CAPNET_IP4(192, 0, 2, 1)
#define SRV2 CAPNET_IP4(192, 0, 2, 2)
#define LEASE CAPNET_IP4(192, 0, 2, 100)

static const struct capnet_nic_ops ops = {fuzz_checked_transmit, capnet_nic_null_receive, capnet_nic_null_link_up};
static uint8_t arena_mem[192 * 1024];
static uint8_t frame[2048], udpbuf[2048], msg[1024];
static struct capnet_dhcp4_repr rep;

struct rig {
	struct capnet_iface *ifc;
	struct capnet_udp_layer *udp;
	struct capnet_ip4cfg *layers;
	struct capnet_dhcp4_client *c;
	capnet_instant now;
};

static void inject_payload(struct rig *g, const uint8_t *p, size_t n, bool second, bool bcast)
{
	capnet_ip4addr src = second ? SRV2 : SRV;
	capnet_ip4addr dst = bcast ? CAPNET_IP4_BROADCAST : LEASE;
	struct capnet_eth_repr eth = {.dst = bcast ? CAPNET_MAC_BROADCAST : our_mac,
				      .src = second ? srv2_mac : srv_mac,
				      .ethertype = CAPNET_ETHERTYPE_IPV4};
	size_t off = capnet_eth_emit(&eth, frame);
	if (n > 1400)
		n = 1400;
	struct capnet_udp_repr u = {.src_port = 67, .dst_port = 68, .payload = p, .payload_len = n};
	size_t ul = capnet_udp_emit4(&u, udpbuf, src, dst);
	struct capnet_ip4_repr ip = {.src = src, .dst = dst, .proto = CAPNET_IPPROTO_UDP, .ttl = 64, .payload_len = ul};
	off += capnet_ip4_emit(&ip, frame + off);
	memcpy(frame + off, udpbuf, ul);
	capnet_iface_input(g->ifc, frame, off + ul, g->now);
}

static void claim(struct rig *g)
{
	uint8_t f[60] = {0};
	struct capnet_eth_repr eth = {.dst = CAPNET_MAC_BROADCAST, .src = other_mac, .ethertype = CAPNET_ETHERTYPE_ARP};
	size_t n = capnet_eth_emit(&eth, f);
	struct capnet_arp_repr a = {.oper = CAPNET_ARP_REPLY, .sha = other_mac, .spa = LEASE, .tha = our_mac, .tpa = 0};
	capnet_arp_emit(&a, f + n);
	capnet_iface_input(g->ifc, f, sizeof f, g->now);
}

static uint32_t xid(const struct rig *g)
{
	struct capnet_dhcp4_lease_info li;
	capnet_dhcp4_client_lease(g->c, g->now, &li);
	return li.xid;
}

/* A good reply for the current exchange. */
static void good(struct rig *g, uint8_t type)
{
	memset(&rep, 0, sizeof rep);
	rep.op = CAPNET_BOOTREPLY;
	rep.xid = xid(g);
	rep.chaddr = our_mac;
	rep.message_type = type;
	rep.present = CAPNET_DHCP4_HAS_SERVER_ID | CAPNET_DHCP4_HAS_LEASE_TIME | CAPNET_DHCP4_HAS_SUBNET_MASK;
	rep.server_id = SRV;
	rep.yiaddr = LEASE;
	rep.lease_time = 100;
	rep.subnet_mask = 0xffffff00;
	rep.n_routers = 1;
	rep.routers[0] = CAPNET_IP4(192, 0, 2, 254);
	size_t n = capnet_dhcp4_emit(&rep, msg);
	inject_payload(g, msg, n, false, false);
}

static void step(struct rig *g, capnet_duration d)
{
	g->now += d;
	capnet_instant next = capnet_iface_poll(g->ifc, g->now);
	FUZZ_CHECK(next >= g->now);
}

static void check_invariants(struct rig *g)
{
	FUZZ_CHECK(capnet_udp_buffers_in_use(g->udp) == 0);
	struct capnet_dhcp4_lease_info li;
	capnet_dhcp4_client_lease(g->c, g->now, &li);
	struct capnet_ip4_config ic;
	capnet_iface_get_ip4(g->ifc, &ic);
	struct capnet_ip4_route rs[16];
	const struct capnet_resolver_inputs *res = capnet_ip4cfg_resolver(g->layers);
	if (!li.has_lease) {
		FUZZ_CHECK(ic.addr == 0 && capnet_iface_routes(g->ifc, rs, 16) == 0);
		FUZZ_CHECK(res->n_servers == 0 && res->n_search == 0 && res->domain[0] == '\0');
		return;
	}
	FUZZ_CHECK(ic.addr == li.addr && ic.provenance == CAPNET_PROV_DHCP && li.addr != 0);
	if (!li.infinite)
		FUZZ_CHECK(li.lease_start <= li.t1 && li.t1 <= li.t2 && li.t2 <= li.expiry);
	else
		FUZZ_CHECK(li.expiry == CAPNET_INSTANT_NEVER);
}

static void drive(struct rig *g, unsigned target)
{
	capnet_dhcp4_client_start(g->c, 0);
	if (target == 0)
		return; /* SELECTING */
	if (target == 6)
		return; /* REBOOTING: reboot_addr is set, start sent the REQUEST */
	if (target == 8) {
		capnet_dhcp4_client_release(g->c, 0); /* STOPPED */
		return;
	}
	good(g, CAPNET_DHCP4_OFFER);
	if (target == 1)
		return; /* REQUESTING */
	good(g, CAPNET_DHCP4_ACK);
	if (target == 2)
		return; /* CHECKING */
	if (target == 7) {
		step(g, 0);
		claim(g); /* DECLINE: INIT for 10 s */
		return;
	}
	for (int i = 0; i < 6; i++)
		step(g, CAPNET_S(1)); /* probes and ANNOUNCE_WAIT: BOUND */
	if (target == 3)
		return;
	step(g, CAPNET_S(50) - g->now); /* T1: RENEWING */
	if (target == 4)
		return;
	step(g, CAPNET_MS(87500) - g->now); /* T2: REBINDING */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct fuzz_iface fi;
	fuzz_iface_open(&fi, &ops, our_mac, 7, arena_mem, sizeof arena_mem);
	struct capnet_arena *a = &fi.a;
	struct rig g = {.ifc = fi.ifc};
	FUZZ_CHECK(capnet_udp_create(a, NULL, g.ifc, &g.udp) == CAPNET_OK);
	FUZZ_CHECK(capnet_ip4cfg_create(a, g.ifc, &g.layers) == CAPNET_OK);
	unsigned target = data[0] % 9;
	struct capnet_dhcp4_client_config cfg;
	capnet_dhcp4_client_config_defaults(&cfg);
	cfg.retransmit_jitter = 0;
	cfg.acd.probe_wait = 0;
	cfg.acd.probe_min = cfg.acd.probe_max = CAPNET_S(1);
	if (target == 6)
		cfg.reboot_addr = LEASE;
	FUZZ_CHECK(capnet_dhcp4_client_create(a, &cfg, g.ifc, g.udp, g.layers, &g.c) == CAPNET_OK);
	drive(&g, target);
	check_invariants(&g);

	static const capnet_duration advance[8] = {0, CAPNET_MS(1), CAPNET_MS(100), CAPNET_S(1),
						   CAPNET_S(4), CAPNET_S(30), CAPNET_S(60), CAPNET_S(600)};
	size_t off = 1;
	uint8_t flags;
	size_t len;
	while (fuzz_next_record(data, size, &off, &flags, msg, sizeof msg, &len)) {
		if ((flags & 1) && len >= 8)
			capnet_put32(msg + CAPNET_DHCP4_XID, xid(&g));
		if ((flags & 2) && len >= 34)
			memcpy(msg + CAPNET_DHCP4_CHADDR, our_mac.b, 6);
		inject_payload(&g, msg, len, flags & 16, flags & 4);
		if (flags & 8)
			claim(&g);
		check_invariants(&g);
		step(&g, advance[flags >> 5]);
		check_invariants(&g);
	}
	/* Let every timer run out. */
	for (int i = 0; i < 12; i++) {
		step(&g, CAPNET_S(60));
		check_invariants(&g);
	}
	capnet_dhcp4_client_release(g.c, g.now);
	check_invariants(&g);
	return 0;
}
