/* Proof arp-ping: two stacks on the simulated switch resolve each other
 * by ARP and exchange ICMP echo; then a burst of malformed frames (every
 * truncation point, bad checksums, wrong versions, a fragment) is injected
 * into one of them, and each frame is counted under its reason with no
 * crash and no reply; finally the stacks still talk. */
#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "harness/proof.h"
#include "harness/sim_stack.h"

#define ECHO_ID 0x4350 /* "CP" */
#define ECHO_LEN 32

struct pings {
	unsigned n;
	struct {
		uint16_t seq;
		capnet_ip4addr from;
		capnet_instant at;
		bool data_ok;
	} r[16];
};

static void on_reply(void *ctx, const struct capnet_echo_reply *r, capnet_instant now)
{
	struct pings *p = ctx;
	if (p->n >= 16 || r->ident != ECHO_ID)
		return;
	bool ok = r->data_len == ECHO_LEN;
	for (size_t i = 0; ok && i < ECHO_LEN; i++)
		ok = r->data[i] == (uint8_t)(r->seq + i);
	p->r[p->n].seq = r->seq;
	p->r[p->n].from = r->from;
	p->r[p->n].at = now;
	p->r[p->n].data_ok = ok;
	p->n++;
}

static capnet_err ping(struct sim_stack *s, capnet_ip4addr dst, uint16_t seq)
{
	uint8_t data[ECHO_LEN];
	for (size_t i = 0; i < ECHO_LEN; i++)
		data[i] = (uint8_t)(seq + i);
	return capnet_icmp4_echo_send(s->ifc, dst, ECHO_ID, seq, data, ECHO_LEN, capnet_sim_now(s->sim));
}

/* One well-formed echo request frame from A to B, 74 bytes (no padding). */
static size_t build_echo_frame(uint8_t *f, struct capnet_mac src_mac, struct capnet_mac dst_mac, capnet_ip4addr src,
			       capnet_ip4addr dst)
{
	uint8_t data[ECHO_LEN];
	memset(data, 0xee, sizeof data);
	struct capnet_eth_repr eth = {.dst = dst_mac, .src = src_mac, .ethertype = CAPNET_ETHERTYPE_IPV4};
	size_t n = capnet_eth_emit(&eth, f);
	struct capnet_icmp4_repr icmp = {.type = CAPNET_ICMP4_ECHO_REQUEST, .ident = 1, .seq = 1,
					 .data = data, .data_len = sizeof data};
	struct capnet_ip4_repr ip = {.src = src, .dst = dst, .proto = CAPNET_IPPROTO_ICMP, .ttl = 64,
				     .payload_len = capnet_icmp4_emit_len(&icmp)};
	n += capnet_ip4_emit(&ip, f + n);
	n += capnet_icmp4_emit(&icmp, f + n);
	return n;
}

static void reseal_ip(uint8_t *f)
{
	capnet_put16(f + 14 + CAPNET_IP4_CHECKSUM, 0);
	capnet_put16(f + 14 + CAPNET_IP4_CHECKSUM, capnet_csum(f + 14, 20));
}

struct burst_case {
	const char *what;
	enum capnet_stat counter;
	uint64_t expect;
};

int proof_arp_ping(struct proof_ctx *ctx)
{
	const struct capnet_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
	const capnet_ip4addr ip_a = CAPNET_IP4(192, 0, 2, 10), ip_b = CAPNET_IP4(192, 0, 2, 11);
	/* 1 ms on every cable, so round trips are visible: 2 ms per echo. */

	struct capnet_sim *sim = proof_sim_open(ctx);
	if (sim == NULL)
		return 1;
	struct sim_stack a = {0}, b = {0};
	if (sim_stack_open(&a, "A", sim, ctx->seed, mac_a, &proof_wire_1ms, &sim_stack_bare) != CAPNET_OK ||
	    sim_stack_open(&b, "B", sim, ctx->seed, mac_b, &proof_wire_1ms, &sim_stack_bare) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	struct pings pa = {0}, pb = {0};
	capnet_icmp4_on_echo_reply(a.ifc, on_reply, &pa);
	capnet_icmp4_on_echo_reply(b.ifc, on_reply, &pb);

	/* 1. Configure both; each announces itself with a gratuitous ARP. */
	struct capnet_ip4_config ca = {ip_a, 24, 0, CAPNET_PROV_FIXTURE}, cb = {ip_b, 24, 0, CAPNET_PROV_FIXTURE};
	capnet_iface_set_ip4(a.ifc, &ca, 0);
	capnet_iface_set_ip4(b.ifc, &cb, 0);
	proof_note(ctx, 0, "A %s %s/24 and B %s %s/24 on one switch, 1 ms per cable, seed %llu", fmt_mac(mac_a),
		   fmt_ip4(ip_a), fmt_mac(mac_b), fmt_ip4(ip_b), (unsigned long long)ctx->seed);
	capnet_sim_run_until(sim, CAPNET_MS(10));
	proof_check(ctx, 0, sim_stack_stat(&a, CAPNET_STAT_arp_gratuitous_sent) == 1 &&
				    sim_stack_stat(&b, CAPNET_STAT_arp_gratuitous_sent) == 1,
		    "each stack announced its address with one gratuitous ARP");

	/* 2. A pings B: the first echo waits for ARP, the rest go straight. */
	for (uint16_t seq = 1; seq <= 4; seq++) {
		capnet_instant sent = CAPNET_S(seq);
		capnet_sim_run_until(sim, sent);
		capnet_err e = ping(&a, ip_b, seq);
		capnet_sim_run_until(sim, sent + CAPNET_MS(500));
		bool got = pa.n == seq && pa.r[seq - 1].seq == seq && pa.r[seq - 1].from == ip_b &&
			   pa.r[seq - 1].data_ok;
		capnet_duration rtt = got ? pa.r[seq - 1].at - sent : -1;
		capnet_duration want = seq == 1 ? CAPNET_MS(4) : CAPNET_MS(2);
		proof_check(ctx, got ? pa.r[seq - 1].at : sent + CAPNET_MS(500), e == CAPNET_OK && got && rtt == want,
			    "A <- B echo reply seq %u, %u bytes intact, rtt %lld.%03lld ms%s", seq, ECHO_LEN,
			    (long long)(rtt / 1000), (long long)(rtt % 1000),
			    seq == 1 ? " (includes ARP resolution)" : "");
	}
	struct capnet_mac m;
	proof_check(ctx, capnet_sim_now(sim),
		    capnet_arp_lookup(a.ifc, ip_b, &m) == CAPNET_OK && capnet_mac_eq(m, mac_b) &&
			    sim_stack_stat(&a, CAPNET_STAT_arp_requests_sent) == 1,
		    "A resolved %s to %s with exactly one ARP request", fmt_ip4(ip_b), fmt_mac(mac_b));
	proof_check(ctx, capnet_sim_now(sim),
		    capnet_arp_lookup(b.ifc, ip_a, &m) == CAPNET_OK && capnet_mac_eq(m, mac_a) &&
			    sim_stack_stat(&b, CAPNET_STAT_arp_requests_sent) == 0,
		    "B learned %s is at %s from A's request (RFC 826), sending none", fmt_ip4(ip_a), fmt_mac(mac_a));

	/* 3. B pings A: no ARP needed in this direction either. */
	capnet_sim_run_until(sim, CAPNET_S(5));
	ping(&b, ip_a, 1);
	capnet_sim_run_until(sim, CAPNET_S(5) + CAPNET_MS(500));
	proof_check(ctx, pb.n ? pb.r[0].at : capnet_sim_now(sim),
		    pb.n == 1 && pb.r[0].at == CAPNET_S(5) + CAPNET_MS(2) && pb.r[0].data_ok,
		    "B <- A echo reply seq 1, rtt 2.000 ms");

	/* 4. The malformed burst, straight into B's port. */
	capnet_instant tb = CAPNET_S(6);
	capnet_sim_run_until(sim, tb);
	uint64_t before[CAPNET_STAT__COUNT];
	memcpy(before, capnet_iface_stats(b.ifc)->v, sizeof before);
	uint8_t good[128], f[128];
	size_t glen = build_echo_frame(good, mac_a, mac_b, ip_a, ip_b);
	unsigned injected = 0;
	for (size_t len = 0; len < glen; len++, injected++)
		capnet_sim_inject(sim, b.port, good, len);
	uint8_t arp[60];
	struct capnet_eth_repr eth_arp = {.dst = CAPNET_MAC_BROADCAST, .src = mac_a, .ethertype = CAPNET_ETHERTYPE_ARP};
	size_t alen = capnet_eth_emit(&eth_arp, arp);
	struct capnet_arp_repr areq = {.oper = CAPNET_ARP_REQUEST, .sha = mac_a, .spa = ip_a, .tpa = ip_b};
	alen += capnet_arp_emit(&areq, arp + alen);
	for (size_t len = CAPNET_ETH_HDR_LEN; len < alen; len++, injected++)
		capnet_sim_inject(sim, b.port, arp, len);
	struct {
		size_t off;
		uint8_t val;
		bool reseal;
	} const mut[] = {
		{14 + CAPNET_IP4_CHECKSUM, 0x00, false},  /* IP header checksum wrong */
		{14 + 20 + 8, 0x00, false},               /* ICMP data changed: checksum wrong */
		{14, 0x65, true},                         /* IP version 6 in an IPv4 frame */
		{14, 0x44, true},                         /* IHL 4 */
		{14 + 6, 0x20, true},                     /* MF: a first fragment */
		{0, 0x04, false},                         /* unicast to another MAC */
		{13, 0x01, false},                        /* ethertype 0x0801 */
	};
	for (size_t i = 0; i < sizeof mut / sizeof mut[0]; i++, injected++) {
		memcpy(f, good, glen);
		f[mut[i].off] = mut[i].val;
		if (mut[i].reseal)
			reseal_ip(f);
		capnet_sim_inject(sim, b.port, f, glen);
	}
	memcpy(f, arp, alen);
	f[14 + 1] = 0x06; /* hardware type 6 (IEEE 802) */
	capnet_sim_inject(sim, b.port, f, alen);
	injected++;
	capnet_sim_run_until(sim, tb + CAPNET_MS(100));

	const struct burst_case cases[] = {
		{"truncated Ethernet header (lengths 0-13)", CAPNET_STAT_eth_rx_truncated, 14},
		{"IPv4 shorter than 20 bytes (lengths 14-33)", CAPNET_STAT_ip_tooshort, 20},
		{"IPv4 total length beyond the frame (lengths 34-73)", CAPNET_STAT_ip_badlen, glen - 34},
		{"truncated ARP (lengths 14-41)", CAPNET_STAT_arp_rx_truncated, alen - 14},
		{"bad IPv4 header checksum", CAPNET_STAT_ip_badsum, 1},
		{"bad ICMP checksum", CAPNET_STAT_icmp_badsum, 1},
		{"IP version 6 in an IPv4 frame", CAPNET_STAT_ip_badversion, 1},
		{"IHL below 5", CAPNET_STAT_ip_badhlen, 1},
		{"fragment (not reassembled, never parsed whole)", CAPNET_STAT_ip_fragments, 1},
		{"unicast to another MAC", CAPNET_STAT_eth_rx_not_for_us, 1},
		{"unknown ethertype", CAPNET_STAT_eth_rx_unknown_type, 1},
		{"ARP for a non-Ethernet hardware type", CAPNET_STAT_arp_rx_unsupported, 1},
	};
	proof_note(ctx, tb, "injected %u malformed frames into B", injected);
	uint64_t counted = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t moved = sim_stack_stat(&b, cases[i].counter) - before[cases[i].counter];
		counted += moved;
		proof_check(ctx, tb, moved == cases[i].expect, "%-52s %-20s +%llu", cases[i].what,
			    capnet_stat_name(cases[i].counter), (unsigned long long)moved);
	}
	proof_check(ctx, tb, counted == injected, "every injected frame is counted under one reason (%llu of %u)",
		    (unsigned long long)counted, injected);
	proof_check(ctx, tb,
		    sim_stack_stat(&b, CAPNET_STAT_eth_tx_frames) == before[CAPNET_STAT_eth_tx_frames] &&
			    sim_stack_stat(&b, CAPNET_STAT_icmp_echo_requests) == before[CAPNET_STAT_icmp_echo_requests],
		    "B sent nothing and answered nothing during the burst");

	/* 5. And the stacks still talk. */
	capnet_sim_run_until(sim, CAPNET_S(7));
	ping(&a, ip_b, 5);
	capnet_sim_run_until(sim, CAPNET_S(7) + CAPNET_MS(500));
	proof_check(ctx, capnet_sim_now(sim), pa.n == 5 && pa.r[4].seq == 5 && pa.r[4].at == CAPNET_S(7) + CAPNET_MS(2),
		    "after the burst, A <- B echo reply seq 5, rtt 2.000 ms");

	capnet_sim_destroy(sim);
	sim_stack_close(&a);
	sim_stack_close(&b);
	return 0;
}
