/* Proof ipv6-slaac: two stacks with IPv6 on a hub with a simulated
 * router. Each forms its link-local address from its MAC and proves it
 * unique (DAD) before use; a router advertisement gives each a SLAAC
 * address that is tentative, then preferred after DAD, then deprecated and
 * removed as its lifetimes run out on the synthetic clock. A second prefix
 * whose address the router claims shows a DAD conflict: that address is
 * never used, and counted. NDP resolution and neighbour unreachability
 * detection are asserted on the wire (the router logs every ICMPv6 message
 * on the hub); echo to the link-local and global addresses is answered;
 * bad router advertisements each get their outcome. */
#include <string.h>

#include "capnet/ip6.h"
#include "capnet/neigh.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ipv6.h"
#include "harness/proof.h"
#include "harness/sim_stack.h"
#include "sim/ip6_router.h"

#define ECHO_ID 0x3636
#define ECHO_LEN 24
#define VALID_S 60
#define PREFERRED_S 30

struct replies {
	unsigned n;
	struct capnet_ip6addr from[8];
	uint16_t seq[8];
	capnet_instant at[8];
};

static void on_reply(void *ctx, const struct capnet_echo6_reply *r, capnet_instant now)
{
	struct replies *p = ctx;
	if (p->n >= 8 || r->ident != ECHO_ID)
		return;
	p->from[p->n] = r->from;
	p->seq[p->n] = r->seq;
	p->at[p->n] = now;
	p->n++;
}

static struct capnet_ip6addr prefix(uint8_t net)
{
	struct capnet_ip6addr p = {{0x20, 0x01, 0x0d, 0xb8, 0, net}};
	return p;
}

static bool addr_info(struct capnet_iface *ifc, const struct capnet_ip6addr *a, struct capnet_ip6_addr_info *out)
{
	struct capnet_ip6_addr_info all[8];
	size_t n = capnet_ip6_addrs(ifc, all, 8);
	for (size_t i = 0; i < n && i < 8; i++)
		if (capnet_ip6_eq(&all[i].addr, a)) {
			*out = all[i];
			return true;
		}
	return false;
}

static uint8_t addr_state(struct capnet_iface *ifc, const struct capnet_ip6addr *a)
{
	struct capnet_ip6_addr_info i;
	return addr_info(ifc, a, &i) ? i.state : CAPNET_IP6_ADDR_FREE;
}

static uint64_t stat6(const struct sim_stack *s, enum capnet_stat6 st)
{
	return capnet_ip6_stats(s->ifc)->v[st];
}

struct wait_state {
	struct capnet_iface *ifc;
	struct capnet_ip6addr addr;
	uint8_t state;
};

static bool reached(void *ctx)
{
	struct wait_state *w = ctx;
	return addr_state(w->ifc, &w->addr) == w->state;
}

static bool wait_state(struct capnet_sim *sim, struct capnet_iface *ifc, const struct capnet_ip6addr *a, uint8_t st,
		       capnet_instant limit)
{
	struct wait_state w = {ifc, *a, st};
	return capnet_sim_run_until_cond(sim, reached, &w, limit);
}

static uint8_t nd_state(struct capnet_iface *ifc, const struct capnet_ip6addr *a, struct capnet_mac *mac)
{
	struct capnet_neigh_entry e[16];
	size_t n = capnet_neigh_entries(ifc, CAPNET_AF_INET6, e, 16);
	for (size_t i = 0; i < n && i < 16; i++)
		if (capnet_ip6_eq(&e[i].addr.u.v6, a)) {
			if (mac)
				*mac = e[i].mac;
			return e[i].state;
		}
	return CAPNET_ND_FREE;
}

static const char *st_name(uint8_t s)
{
	return capnet_ip6_addr_state_name((enum capnet_ip6_addr_state)s);
}

static capnet_err ping(struct sim_stack *s, const struct capnet_ip6addr *dst, uint16_t seq)
{
	uint8_t data[ECHO_LEN];
	memset(data, (int)seq, sizeof data);
	return capnet_icmp6_echo_send(s->ifc, dst, ECHO_ID, seq, data, sizeof data, capnet_sim_now(s->sim));
}

/* An RA from the router's link-local source built by the proof, so a
 * field can be made bad: the message bytes are sealed by the router. */
static void send_raw_ra(struct ip6_router *r, const struct capnet_ndp_repr *ra, const struct capnet_ip6addr *src,
			void (*spoil)(uint8_t *msg, size_t len), capnet_instant now)
{
	uint8_t m[256];
	size_t len = capnet_ndp_emit(ra, src, &capnet_ip6_all_nodes, m);
	if (spoil)
		spoil(m, len);
	ip6_router_send_icmp6(r, src, &capnet_ip6_all_nodes, capnet_ip6_multicast_mac(&capnet_ip6_all_nodes), 255, m,
			      len, true, now);
}

static void zero_option_len(uint8_t *m, size_t len)
{
	(void)len;
	m[16 + 1] = 0; /* the first option after the 16-byte RA header */
}

int proof_ipv6_slaac(struct proof_ctx *ctx)
{
	const struct capnet_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
	const struct capnet_mac mac_r = {{0x02, 0, 0, 0, 0, 0x01}};
	struct capnet_sim *sim = sim_open_recording(ctx->seed, CAPNET_SIM_HUB, ctx->pcap_path);
	if (sim == NULL)
		return 1;
	struct capnet_stack_config cfg = sim_stack_bare;
	cfg.iface.ip6.enable = true;
	struct capnet_ndp_repr ra = {.cur_hop_limit = 64, .router_lifetime = 1800, .nprefix = 2, .has_mtu = true,
				     .mtu = 1500, .nrdnss = 1, .rdnss_lifetime = 600};
	ra.prefix[0] = (struct capnet_ndp_prefix){prefix(1), 64, true, true, VALID_S, PREFERRED_S};
	ra.prefix[1] = (struct capnet_ndp_prefix){prefix(2), 64, true, true, 3600, 1800};
	ra.rdnss[0] = prefix(1);
	ra.rdnss[0].b[15] = 0x53;
	struct ip6_router r;
	struct sim_stack a = {0}, b = {0};
	if (ip6_router_open(&r, sim, mac_r, &proof_wire_1ms, &ra) != CAPNET_OK ||
	    sim_stack_open(&a, "A", sim, ctx->seed, mac_a, &proof_wire_1ms, &cfg) != CAPNET_OK ||
	    sim_stack_open(&b, "B", sim, ctx->seed, mac_b, &proof_wire_1ms, &cfg) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	struct replies ra_rep = {0};
	capnet_icmp6_on_echo_reply(a.ifc, on_reply, &ra_rep);

	struct capnet_ip6addr ll_a = {{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x00, 0, 0, 0xff, 0xfe, 0, 0, 0x0a}};
	struct capnet_ip6addr g1_a = ll_a, g2_a = ll_a, g1_b = ll_a;
	memcpy(g1_a.b, prefix(1).b, 8);
	memcpy(g2_a.b, prefix(2).b, 8);
	memcpy(g1_b.b, prefix(1).b, 8);
	g1_b.b[15] = 0x0b;
	r.claim = true;
	r.claimed = g2_a;
	proof_note(ctx, 0, "A %s and B %s with IPv6 on, router R %s (%s) advertising %s/64 (valid %u s, preferred %u s) "
			   "and %s/64, 1 ms per cable, seed %llu",
		   fmt_mac(mac_a), fmt_mac(mac_b), fmt_mac(mac_r), fmt_ip6(&r.ll), fmt_ip6(&ra.prefix[0].prefix), VALID_S,
		   PREFERRED_S, fmt_ip6(&ra.prefix[1].prefix), (unsigned long long)ctx->seed);

	/* 1. The link-local address: EUI-64 from the MAC, tentative, DAD;
	 * router discovery and SLAAC run alongside. The clock moves in 1 ms
	 * steps so the instant each address changes state is recorded. */
	capnet_sim_run_until(sim, CAPNET_US(1));
	struct capnet_ip6addr ll;
	proof_check(ctx, capnet_sim_now(sim),
		    capnet_ip6_link_local(a.ifc, &ll) && capnet_ip6_eq(&ll, &ll_a) &&
			    addr_state(a.ifc, &ll_a) == CAPNET_IP6_ADDR_TENTATIVE,
		    "A formed %s (modified EUI-64 of its MAC), tentative", fmt_ip6(&ll_a));
	bool ok;
	capnet_instant ll_pref = -1, g_tent = -1, g_pref = -1;
	for (capnet_instant t = CAPNET_MS(1); t <= CAPNET_S(4); t += CAPNET_MS(1)) {
		capnet_sim_run_until(sim, t);
		if (ll_pref < 0 && addr_state(a.ifc, &ll_a) == CAPNET_IP6_ADDR_PREFERRED)
			ll_pref = t;
		if (g_tent < 0 && addr_state(a.ifc, &g1_a) == CAPNET_IP6_ADDR_TENTATIVE)
			g_tent = t;
		if (g_pref < 0 && addr_state(a.ifc, &g1_a) == CAPNET_IP6_ADDR_PREFERRED)
			g_pref = t;
	}
	size_t k = 0;
	const struct ip6_router_seen *ns = NULL;
	struct capnet_ip6addr unspec = {{0}};
	while ((ns = ip6_router_find(&r, CAPNET_ICMP6_NEIGHBOR_SOLICIT, &unspec, &k)) != NULL &&
	       !capnet_ip6_eq(&ns->target, &ll_a))
		;
	struct capnet_ip6addr sn = capnet_ip6_solicited_node(&ll_a);
	proof_check(ctx, ns ? ns->at : 0,
		    ns && capnet_ip6_eq(&ns->dst, &sn) && !ns->has_lla && ns->hop_limit == 255 &&
			    capnet_mac_eq(ns->eth_dst, capnet_ip6_multicast_mac(&sn)),
		    "on the wire: DAD NS from :: to %s (%s), target %s, no SLLA, hop limit 255", fmt_ip6(&sn),
		    ns ? fmt_mac(ns->eth_dst) : "-", fmt_ip6(&ll_a));
	proof_check(ctx, ll_pref, ns && ll_pref == ns->at - CAPNET_MS(1) + CAPNET_S(1),
		    "no answer in RetransTimer (1 s): %s preferred", fmt_ip6(&ll_a));

	/* 2. Router discovery and SLAAC. */
	k = 0;
	const struct ip6_router_seen *rs;
	rs = ip6_router_find(&r, CAPNET_ICMP6_ROUTER_SOLICIT, NULL, &k);
	capnet_instant t_ra = r.last_ra_at + CAPNET_MS(1); /* as A received it */
	proof_check(ctx, rs ? rs->at : 0,
		    rs && r.ra_sent == 1 && r.last_ra_at == rs->at && capnet_ip6_eq(&rs->dst, &capnet_ip6_all_routers),
		    "on the wire: %s's RS from %s to ff02::2; R multicast one RA at once (later RSs within 3 s: none, 6.2.6)",
		    rs ? (capnet_mac_eq(rs->eth_src, mac_a) ? "A" : "B") : "-", rs ? fmt_ip6(&rs->src) : "-");
	struct capnet_ip6_router_info rt[2];
	proof_check(ctx, t_ra,
		    capnet_ip6_routers(a.ifc, rt, 2) == 1 && capnet_ip6_eq(&rt[0].addr, &r.ll) &&
			    rt[0].expires == t_ra + CAPNET_S(1800) && capnet_nd_is_router(a.ifc, &r.ll),
		    "A's default router list: %s, lifetime 1800 s, IsRouter", fmt_ip6(&r.ll));
	proof_check(ctx, g_tent, g_tent == t_ra, "SLAAC: %s tentative on the RA", fmt_ip6(&g1_a));
	struct capnet_ip6addr dns[2];
	capnet_instant dns_exp = 0;
	proof_check(ctx, t_ra,
		    capnet_ip6_rdnss(a.ifc, dns, 2, &dns_exp) == 1 && capnet_ip6_eq(&dns[0], &ra.rdnss[0]) &&
			    dns_exp == t_ra + CAPNET_S(600),
		    "RDNSS: %s for 600 s, a resolver input from the RA", fmt_ip6(&ra.rdnss[0]));
	proof_check(ctx, g_pref, g_pref == t_ra + CAPNET_S(1), "%s preferred after DAD (1 s)", fmt_ip6(&g1_a));
	struct capnet_ip6_addr_info info;
	proof_check(ctx, capnet_sim_now(sim),
		    addr_info(a.ifc, &g1_a, &info) && info.preferred_until == t_ra + CAPNET_S(PREFERRED_S) &&
			    info.valid_until == t_ra + CAPNET_S(VALID_S) && info.provenance == CAPNET_PROV_SLAAC,
		    "its lifetimes: preferred until +%u s, valid until +%u s, provenance %s", PREFERRED_S, VALID_S,
		    capnet_provenance_name(CAPNET_PROV_SLAAC));

	/* 3. The DAD conflict: R claims A's address in the second prefix. */
	struct capnet_ip6addr src;
	struct capnet_ip6addr far = prefix(2);
	far.b[15] = 0x99;
	proof_check(ctx, capnet_sim_now(sim),
		    addr_state(a.ifc, &g2_a) == CAPNET_IP6_ADDR_DUPLICATE && stat6(&a, CAPNET_STAT6_dad_duplicates) == 1 &&
			    r.dad_defended >= 1,
		    "DAD conflict: R answered the DAD NS for %s; A marks it %s, dad_duplicates %llu", fmt_ip6(&g2_a),
		    st_name(addr_state(a.ifc, &g2_a)), (unsigned long long)stat6(&a, CAPNET_STAT6_dad_duplicates));
	ok = capnet_ip6_select_source(a.ifc, &far, &src);
	proof_check(ctx, capnet_sim_now(sim),
		    ok && capnet_ip6_eq(&src, &g1_a) &&
			    !capnet_ip6_is_local(a.ifc, &g2_a),
		    "the duplicate is never a source: to %s A would send from %s", fmt_ip6(&far), fmt_ip6(&src));

	/* 4. NDP address resolution, A -> B, asserted on the wire. */
	capnet_instant t4 = CAPNET_S(10);
	capnet_sim_run_until(sim, t4);
	size_t before = r.nseen;
	capnet_err e = ping(&a, &g1_b, 1);
	capnet_sim_run_until(sim, t4 + CAPNET_MS(100));
	k = before;
	ns = ip6_router_find(&r, CAPNET_ICMP6_NEIGHBOR_SOLICIT, &g1_a, &k);
	struct capnet_ip6addr sn_b = capnet_ip6_solicited_node(&g1_b);
	proof_check(ctx, ns ? ns->at : t4,
		    e == CAPNET_OK && ns && capnet_ip6_eq(&ns->target, &g1_b) && capnet_ip6_eq(&ns->dst, &sn_b) &&
			    ns->has_lla,
		    "on the wire: A's NS from %s to %s for %s, with SLLA", fmt_ip6(&g1_a), fmt_ip6(&sn_b), fmt_ip6(&g1_b));
	k = before;
	const struct ip6_router_seen *na = ip6_router_find(&r, CAPNET_ICMP6_NEIGHBOR_ADVERT, &g1_b, &k);
	proof_check(ctx, na ? na->at : t4,
		    na && na->solicited && na->has_lla && capnet_ip6_eq(&na->dst, &g1_a) &&
			    capnet_mac_eq(na->eth_dst, mac_a),
		    "on the wire: B's NA to %s, solicited, override, TLLA %s", fmt_ip6(&g1_a), fmt_mac(mac_b));
	struct capnet_mac m;
	proof_check(ctx, capnet_sim_now(sim),
		    ra_rep.n == 1 && ra_rep.seq[0] == 1 && capnet_ip6_eq(&ra_rep.from[0], &g1_b) &&
			    ra_rep.at[0] == t4 + CAPNET_MS(4) && nd_state(a.ifc, &g1_b, &m) == CAPNET_ND_REACHABLE &&
			    capnet_mac_eq(m, mac_b),
		    "A <- B echo reply seq 1, rtt 4.000 ms (NS/NA then echo); B is REACHABLE at %s", fmt_mac(mac_b));
	proof_check(ctx, capnet_sim_now(sim),
		    nd_state(b.ifc, &g1_a, &m) == CAPNET_ND_DELAY && capnet_mac_eq(m, mac_a) &&
			    stat6(&b, CAPNET_STAT6_ndp_ns_sent) == 0,
		    "B learned A from the NS's SLLA (STALE, RFC 4861 7.2.3) and its echo reply moved it to DELAY; no NS of its own");

	/* 5. Echo to A's link-local and global, answered; NUD towards R. */
	capnet_instant t5 = CAPNET_S(12);
	capnet_sim_run_until(sim, t5);
	ip6_router_ping(&r, &ll_a, mac_a, 7, 1, t5);
	ip6_router_ping(&r, &g1_a, mac_a, 7, 2, t5);
	capnet_sim_run_until(sim, t5 + CAPNET_MS(100));
	proof_check(ctx, capnet_sim_now(sim), r.echo_replies_rcvd == 2,
		    "R -> A echo to %s and to %s: both answered", fmt_ip6(&ll_a), fmt_ip6(&g1_a));
	proof_check(ctx, capnet_sim_now(sim), nd_state(a.ifc, &r.ll, NULL) == CAPNET_ND_DELAY,
		    "A's entry for R (STALE from the RA's SLLA) went to DELAY on that first send (7.3.3)");
	before = r.nseen;
	capnet_sim_run_until(sim, t5 + CAPNET_S(6) + CAPNET_MS(100));
	k = before;
	while ((ns = ip6_router_find(&r, CAPNET_ICMP6_NEIGHBOR_SOLICIT, NULL, &k)) != NULL &&
	       !capnet_mac_eq(ns->eth_src, mac_a))
		;
	proof_check(ctx, ns ? ns->at : capnet_sim_now(sim),
		    ns && capnet_ip6_eq(&ns->dst, &r.ll) && capnet_mac_eq(ns->eth_dst, mac_r) &&
			    nd_state(a.ifc, &r.ll, NULL) == CAPNET_ND_REACHABLE,
		    "DELAY_FIRST_PROBE_TIME (5 s) later: a unicast NS probe to %s; R's NA makes it REACHABLE",
		    fmt_ip6(&r.ll));

	/* 6. Lifetimes on the synthetic clock. */
	ok = wait_state(sim, a.ifc, &g1_a, CAPNET_IP6_ADDR_DEPRECATED, t_ra + CAPNET_S(PREFERRED_S + 1));
	proof_check(ctx, capnet_sim_now(sim), ok && capnet_sim_now(sim) == t_ra + CAPNET_S(PREFERRED_S),
		    "preferred lifetime over: %s deprecated at +%u s", fmt_ip6(&g1_a), PREFERRED_S);
	ok = capnet_ip6_select_source(a.ifc, &g1_b, &src);
	proof_check(ctx, capnet_sim_now(sim), ok && capnet_ip6_eq(&src, &g1_a),
		    "deprecated but valid: still the source for existing peers (no other global address)");
	ok = wait_state(sim, a.ifc, &g1_a, CAPNET_IP6_ADDR_FREE, t_ra + CAPNET_S(VALID_S + 1));
	proof_check(ctx, capnet_sim_now(sim),
		    ok && capnet_sim_now(sim) == t_ra + CAPNET_S(VALID_S) &&
			    stat6(&a, CAPNET_STAT6_slaac_addrs_removed) == 1,
		    "valid lifetime over: %s removed at +%u s (slaac_addrs_removed 1)", fmt_ip6(&g1_a), VALID_S);
	proof_check(ctx, capnet_sim_now(sim), ping(&a, &g1_b, 2) == CAPNET_OK && addr_state(a.ifc, &ll_a) ==
											      CAPNET_IP6_ADDR_PREFERRED,
		    "the link-local address stays preferred (infinite lifetimes)");

	/* 7. Bad router advertisements, each with its outcome. */
	capnet_instant t7 = capnet_sim_now(sim) + CAPNET_S(1);
	capnet_sim_run_until(sim, t7);
	struct capnet_ndp_repr bad = {.type = CAPNET_ICMP6_ROUTER_ADVERT, .router_lifetime = 1800, .nprefix = 1,
				      .has_slla = true, .slla = mac_r};
	bad.prefix[0] = (struct capnet_ndp_prefix){prefix(3), 64, true, true, 100, 200};
	uint64_t ign = stat6(&a, CAPNET_STAT6_ra_prefix_ignored);
	send_raw_ra(&r, &bad, &r.ll, NULL, t7);
	capnet_sim_run_until(sim, t7 + CAPNET_MS(10));
	struct capnet_ip6addr g3_a = g1_a;
	memcpy(g3_a.b, prefix(3).b, 8);
	proof_check(ctx, capnet_sim_now(sim),
		    stat6(&a, CAPNET_STAT6_ra_prefix_ignored) == ign + 1 && addr_state(a.ifc, &g3_a) == CAPNET_IP6_ADDR_FREE,
		    "RA prefix with preferred 200 s > valid 100 s: ignored (RFC 4862 5.5.3 c), no address");
	uint64_t z = stat6(&a, CAPNET_STAT6_ndp_opt_zero_len);
	send_raw_ra(&r, &bad, &r.ll, zero_option_len, t7 + CAPNET_MS(20));
	capnet_sim_run_until(sim, t7 + CAPNET_MS(40));
	proof_check(ctx, capnet_sim_now(sim), stat6(&a, CAPNET_STAT6_ndp_opt_zero_len) == z + 1,
		    "RA with an option of length 0: the whole RA discarded (RFC 4861 4.6), ndp_opt_zero_len +1");
	struct capnet_ip6addr global_src = g1_b;
	uint64_t gi = stat6(&a, CAPNET_STAT6_ra_ignored);
	bad.prefix[0].preferred = 50;
	send_raw_ra(&r, &bad, &global_src, NULL, t7 + CAPNET_MS(60));
	capnet_sim_run_until(sim, t7 + CAPNET_MS(80));
	proof_check(ctx, capnet_sim_now(sim),
		    stat6(&a, CAPNET_STAT6_ra_ignored) == gi + 1 && addr_state(a.ifc, &g3_a) == CAPNET_IP6_ADDR_FREE,
		    "RA from a global source address: ignored (RFC 4861 6.1.2), ra_ignored +1");
	bad.prefix[0].valid = CAPNET_NDP_INFINITY;
	bad.prefix[0].preferred = CAPNET_NDP_INFINITY;
	send_raw_ra(&r, &bad, &r.ll, NULL, t7 + CAPNET_MS(100));
	capnet_sim_run_until(sim, t7 + CAPNET_S(2));
	proof_check(ctx, capnet_sim_now(sim),
		    addr_info(a.ifc, &g3_a, &info) && info.state == CAPNET_IP6_ADDR_PREFERRED &&
			    info.valid_until == CAPNET_INSTANT_NEVER && info.preferred_until == CAPNET_INSTANT_NEVER,
		    "RA prefix with lifetimes 0xffffffff: %s preferred, never expiring", fmt_ip6(&g3_a));
	bad.router_lifetime = 0;
	bad.nprefix = 0;
	send_raw_ra(&r, &bad, &r.ll, NULL, t7 + CAPNET_S(3));
	capnet_sim_run_until(sim, t7 + CAPNET_S(3) + CAPNET_MS(10));
	proof_check(ctx, capnet_sim_now(sim), capnet_ip6_routers(a.ifc, rt, 2) == 0,
		    "RA with router lifetime 0: R leaves the default router list at once");

	capnet_sim_destroy(sim);
	sim_stack_close(&a);
	sim_stack_close(&b);
	return 0;
}
