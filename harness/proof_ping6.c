/* Proof ping6: the ping proof's cases over IPv6, through the same bounded
 * Ping cap, on the network of harness/ping_host.h with IPv6 on:
 *
 *   1. first the stack's addresses: its link-local address from the MAC
 *      and, after a router solicitation answered by an RA for
 *      2001:db8:1::/64, its SLAAC address, each through DAD (a probe from
 *      :: on the wire) before it is preferred;
 *   2. echo to a link-local address, the target resolved by NDP (its
 *      solicitation answered on the wire), and to an on-link global one;
 *   3. gateway-routed echo to 2001:db8:2::1 through the router the RA
 *      named: hop limit 63, the router forwarding both ways;
 *   4. the malformed peer: the wrong identifier, a truncated and an
 *      altered payload dropped and counted; its bad-checksum reply never
 *      reaches the session (ICMPv6 drops it, icmp6_badsum) and the probe
 *      times out -- never a success either way;
 *   5. a silent peer: timeouts; the router's address unreachable (1/3)
 *      and no route (1/0) as outcomes with their sender;
 *   6. the bounds hold for IPv6 too, and a Ping scoped to an IPv4 prefix
 *      cannot reach an IPv6 destination. */
#include <string.h>

#include "harness/dns_host.h"
#include "harness/ping_host.h"
#include "harness/proof.h"

static capnet_err run6(struct ping_net *n, struct capnet_ipaddr dst, uint32_t count, capnet_duration timeout,
		       struct ping_run *r)
{
	struct capnet_ping_request req = {dst, count, CAPNET_S(1), 56, timeout, 0};
	return ping_run_sim(n, &req, r);
}

static bool addrs_ready(struct proof_ctx *ctx, struct ping_net *n)
{
	uint64_t dad0 = capnet_ip6_stats(n->h.ifc)->v[CAPNET_STAT6_ndp_dad_ns_sent];
	bool ok = ping_net_wait_ip6(n, CAPNET_S(10));
	capnet_instant now = capnet_sim_now(n->sim);
	static struct capnet_status_ip6 st;
	capnet_status_ip6(capnet_stack_boot_cspace(n->h.stack), n->status, &st);
	struct capnet_ipaddr ll = {.af = CAPNET_AF_INET6}, slaac = ping_net6_addr(1, 0);
	ll.u.v6.b[0] = 0xfe;
	ll.u.v6.b[1] = 0x80;
	const uint8_t iid[8] = {0, 0, 0, 0xff, 0xfe, 0, 0, 0x0a};
	memcpy(ll.u.v6.b + 8, iid, 8);
	memcpy(slaac.u.v6.b + 8, iid, 8);
	bool have_ll = false, have_slaac = false;
	for (size_t i = 0; i < st.n_addrs && i < CAPNET_STATUS_IP6_ADDRS; i++) {
		const struct capnet_ip6_addr_info *a = &st.addrs[i];
		if (a->state != CAPNET_IP6_ADDR_PREFERRED)
			continue;
		have_ll = have_ll || (capnet_ip6_eq(&a->addr, &ll.u.v6) && a->provenance == CAPNET_PROV_LINK_LOCAL);
		have_slaac = have_slaac || (capnet_ip6_eq(&a->addr, &slaac.u.v6) && a->provenance == CAPNET_PROV_SLAAC);
	}
	uint64_t dad = capnet_ip6_stats(n->h.ifc)->v[CAPNET_STAT6_ndp_dad_ns_sent] - dad0;
	return proof_check(ctx, now,
			   ok && have_ll && have_slaac && dad >= 2 && n->router.stats.rs_rcvd >= 1 &&
				   n->router.stats.ra_sent >= 1,
			   "addresses first: %s (link-local) and %s (SLAAC from the RA for 2001:db8:1::/64) preferred "
			   "after DAD (%u probes from ::); router solicited %u time(s), advertised %u time(s)",
			   fmt_ipaddr(&ll), fmt_ipaddr(&slaac), (unsigned)dad, n->router.stats.rs_rcvd,
			   n->router.stats.ra_sent);
}

static void on_link(struct proof_ctx *ctx, struct ping_net *n)
{
	struct capnet_ipaddr ll = {.af = CAPNET_AF_INET6};
	const uint8_t b[16] = {0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 0x01};
	memcpy(ll.u.v6.b, b, 16);
	unsigned ns0 = n->near.stats.ns_answered;
	struct ping_run r;
	capnet_err e = run6(n, ll, 2, CAPNET_S(1), &r);
	ping_run_print(ctx, &r);
	capnet_instant now = capnet_sim_now(n->sim);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.nprobes == 2 && ping_run_all(&r, CAPNET_PING_REPLY) && r.p[0].rtt == CAPNET_MS(4) &&
			    r.p[1].rtt == CAPNET_MS(2) && n->near.stats.ns_answered - ns0 == 1 &&
			    strcmp(r.lines[0], "64 bytes from fe80::ff:fe00:1: icmp_seq=1 ttl=64 time=4.00 ms") == 0,
		    "link-local echo to %s: its neighbour solicitation answered on the wire (rtt 4 ms = NS/NA + echo), "
		    "then 2 ms", fmt_ipaddr(&ll));
	struct capnet_ipaddr g = ping_net6_addr(1, 1);
	ns0 = n->near.stats.ns_answered;
	e = run6(n, g, 3, CAPNET_S(1), &r);
	ping_run_print(ctx, &r);
	now = capnet_sim_now(n->sim);
	proof_note(ctx, now, "  %s", r.title);
	proof_note(ctx, now, "  %s", r.counts);
	proof_note(ctx, now, "  %s", r.rtt);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.nprobes == 3 && ping_run_all(&r, CAPNET_PING_REPLY) &&
			    n->near.stats.ns_answered - ns0 == 1 &&
			    strcmp(r.counts, "3 packets transmitted, 3 received, 0% packet loss, time 2002ms") == 0 &&
			    strcmp(r.rtt, "rtt min/avg/max/mdev = 2.000/2.666/4.000/0.944 ms") == 0,
		    "global echo to %s from the SLAAC address, resolved by NDP: the statistics block exact",
		    fmt_ipaddr(&g));
}

static void routed(struct proof_ctx *ctx, struct ping_net *n)
{
	struct capnet_ipaddr far = ping_net6_addr(2, 1);
	unsigned fwd = n->router.stats.forwarded6;
	struct ping_run r;
	capnet_err e = run6(n, far, 2, CAPNET_S(1), &r);
	ping_run_print(ctx, &r);
	proof_check(ctx, capnet_sim_now(n->sim),
		    e == CAPNET_OK && r.nprobes == 2 && ping_run_all(&r, CAPNET_PING_REPLY) && r.p[0].ttl == 63 &&
			    r.p[1].rtt == CAPNET_MS(4) && n->router.stats.forwarded6 - fwd == 4 &&
			    strcmp(r.counts, "2 packets transmitted, 2 received, 0% packet loss, time 1004ms") == 0,
		    "routed: %s through the RA's router, hop limit 63, rtt 4 ms; the router forwarded 4 datagrams",
		    fmt_ipaddr(&far));
}

static void malformed(struct proof_ctx *ctx, struct ping_net *n)
{
	uint64_t badsum = capnet_ip6_stats(n->h.ifc)->v[CAPNET_STAT6_icmp6_badsum];
	struct ping_run r;
	capnet_err e = run6(n, ping_net6_addr(1, 3), 4, CAPNET_S(1), &r);
	ping_run_print(ctx, &r);
	bool shape = r.nprobes == 4 && r.p[0].outcome == CAPNET_PING_TIMEOUT &&
		     r.p[1].outcome == CAPNET_PING_MALFORMED &&
		     r.p[1].malformed_reason == CAPNET_PING_MALFORMED_WRONG_IDENT &&
		     r.p[2].malformed_reason == CAPNET_PING_MALFORMED_TRUNCATED &&
		     r.p[3].malformed_reason == CAPNET_PING_MALFORMED_ALTERED;
	proof_check(ctx, capnet_sim_now(n->sim),
		    e == CAPNET_OK && shape && r.sum.received == 0 && r.sum.malformed == 3 &&
			    capnet_ip6_stats(n->h.ifc)->v[CAPNET_STAT6_icmp6_badsum] - badsum == 1 &&
			    strcmp(r.counts, "4 packets transmitted, 0 received, +3 corrupted, 100% packet loss, time 4000ms") == 0,
		    "malformed peer: bad checksum dropped by ICMPv6 (icmp6_badsum +1, the probe times out); wrong "
		    "identifier, truncated, altered: malformed-reply-dropped; none received");
}

static void silent_unreachable(struct proof_ctx *ctx, struct ping_net *n)
{
	struct ping_run r;
	struct capnet_ipaddr quiet = ping_net6_addr(1, 2);
	capnet_err e = run6(n, quiet, 2, CAPNET_MS(1500), &r);
	proof_check(ctx, capnet_sim_now(n->sim),
		    e == CAPNET_OK && r.nprobes == 2 && ping_run_all(&r, CAPNET_PING_TIMEOUT) &&
			    r.p[1].at - r.p[1].sent == CAPNET_MS(1500),
		    "silent peer %s: 2 timeouts of exactly 1.5 s", fmt_ipaddr(&quiet));
	e = run6(n, ping_net6_addr(2, 0x99), 2, CAPNET_S(1), &r);
	ping_run_print(ctx, &r);
	struct capnet_ipaddr gw = ping_net6_addr(1, 0xfe);
	proof_check(ctx, capnet_sim_now(n->sim),
		    e == CAPNET_OK && r.nprobes == 2 && ping_run_all(&r, CAPNET_PING_UNREACHABLE) && r.p[0].icmp_type == 1 &&
			    r.p[0].icmp_code == 3 && capnet_ipaddr_eq(&r.p[0].from, &gw) &&
			    strcmp(r.lines[0], "From 2001:db8:1::fe icmp_seq=1 Destination unreachable: Address unreachable") == 0,
		    "address unreachable: the router's ICMPv6 1/3 quoting each request is the outcome; \"%s\"", r.counts);
	e = run6(n, ping_net6_addr(3, 1), 1, CAPNET_S(1), &r);
	ping_run_print(ctx, &r);
	proof_check(ctx, capnet_sim_now(n->sim),
		    e == CAPNET_OK && r.nprobes == 1 && r.p[0].outcome == CAPNET_PING_UNREACHABLE && r.p[0].icmp_type == 1 &&
			    r.p[0].icmp_code == 0,
		    "no route: 2001:db8:3::1 is no net of the router's, ICMPv6 1/0");
}

static void bounds(struct proof_ctx *ctx, struct ping_net *n)
{
	uint64_t tx0 = capnet_sim_port_stats(n->sim, n->h.port)->tx_frames;
	struct capnet_ping_request req = {ping_net6_addr(1, 1), 11, CAPNET_S(1), 56, CAPNET_S(1), 0};
	capnet_handle s = CAPNET_HANDLE_NONE;
	enum capnet_ping_limit why, why2 = CAPNET_PING_LIMIT_NONE;
	capnet_instant now = capnet_sim_now(n->sim);
	capnet_err e = capnet_pingcap_start(n->app, n->ping, &req, now, &s, &why);
	struct capnet_cspace *boot = capnet_stack_boot_cspace(n->h.stack);
	capnet_handle narrow;
	struct capnet_scope v4 = capnet_scope_remote(CAPNET_IP4(192, 0, 2, 0), 24, 0, 0xffff);
	struct capnet_ping_bounds b = {10, CAPNET_MS(200), 1024, CAPNET_S(30)};
	req.count = 1;
	capnet_err e2 = capnet_netmgr_mint_ping(boot, capnet_stack_netmgr(n->h.stack, 0), &b, &v4, &narrow);
	if (e2 == CAPNET_OK)
		e2 = capnet_pingcap_start(boot, narrow, &req, now, &s, &why2);
	proof_check(ctx, now,
		    e == CAPNET_E_SCOPE && why == CAPNET_PING_LIMIT_COUNT && e2 == CAPNET_E_SCOPE &&
			    why2 == CAPNET_PING_LIMIT_DESTINATION &&
			    capnet_sim_port_stats(n->sim, n->h.port)->tx_frames == tx0,
		    "bounds over IPv6: 11 probes -> %s (%s); a Ping scoped to 192.0.2.0/24 -> %s (%s); nothing sent",
		    capnet_errname(e), capnet_ping_limit_name(why), capnet_errname(e2), capnet_ping_limit_name(why2));
}

int proof_ping6(struct proof_ctx *ctx)
{
	static struct ping_net n;
	struct capnet_ping_bounds b = {10, CAPNET_MS(200), 1024, CAPNET_S(30)};
	if (ping_net_open(&n, ctx->seed, ctx->pcap_path, ECHO_HOST_ANSWER, &b, NULL, true) != CAPNET_OK) {
		ping_net_close(&n);
		return 1;
	}
	proof_note(ctx, 0, "host on IPv6 (MAC 02:00:00:00:00:0a, EUI-64); echo hosts 2001:db8:1::1 (answer), ::2 "
		   "(silent), ::3 (malformed); router 2001:db8:1::fe|2001:db8:2::fe advertising 2001:db8:1::/64, "
		   "2001:db8:2::1 behind it; 1 ms cables");
	if (addrs_ready(ctx, &n)) {
		on_link(ctx, &n);
		routed(ctx, &n);
		malformed(ctx, &n);
		silent_unreachable(ctx, &n);
		bounds(ctx, &n);
	}
	ping_net_close(&n);
	return 0;
}
