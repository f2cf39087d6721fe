/* Proof dhcp4-lease-lifecycle: one lease through its whole life, at exact
 * synthetic times.
 *
 *   1. acquisition from S1 (lease 120 s, T1 60 s, T2 105 s);
 *   2. DNS servers, domain and search list held as resolver inputs with
 *      provenance dhcp, outside getConfig;
 *   3. static values (gateway, DNS) take precedence over the live lease,
 *      across a renewal, and the lease's values return when they go;
 *   4. at T1 the renewal is sent unicast to S1 (dst MAC and IP checked);
 *   5. S1 falls silent: the next renewal goes unanswered, at T2 the rebind
 *      is broadcast, and S2 answers it with a new lease and new options;
 *   6. S2 falls silent too: renewal and rebind unanswered, and at expiry the
 *      configuration goes to the explicit zero state -- no address, no
 *      routes, no resolver inputs, getConfig unconfigured -- and DISCOVER
 *      restarts;
 *   7. S1 returns and a new lease is acquired;
 *   8. S1 NAKs the next renewal: the lease is dropped at once (fail closed)
 *      and the client starts over and binds again;
 *   9. shutdown releases the lease (RELEASE unicast to S1).
 *
 * The static values are set, and every configuration value asserted is
 * read, through caps held by the scenario's config cspace: a NetworkManager
 * granted READ|CONFIGURE (set_static_config, getConfig) and a NetworkStatus
 * (routes, neighbours, resolver inputs, the lease). */
#include <string.h>

#include "capnet/wire/dhcp4.h"
#include "harness/dhcp4_host.h"
#include "harness/proof.h"
#include "sim/dhcp4_server.h"

struct stat_wait {
	const struct sim_stack *s;
	enum capnet_stat st;
	uint64_t value;
};

static bool stat_reached(void *ctx)
{
	struct stat_wait *w = ctx;
	return sim_stack_stat(w->s, w->st) >= w->value;
}

static bool run_until_stat(struct sim_stack *s, enum capnet_stat st, uint64_t value, capnet_instant limit)
{
	struct stat_wait w = {s, st, value};
	return capnet_sim_run_until_cond(s->sim, stat_reached, &w, limit);
}

/* Every trace of a configuration gone: what "fail closed" means here. */
static bool zero_state(struct dhcp4_host *c, capnet_instant now)
{
	struct capnet_netmgr_config nc = dhcp4_host_config(c);
	const struct capnet_ip4cfg_view *v = &nc.view;
	struct capnet_resolver_inputs res = dhcp4_host_resolver(c);
	struct capnet_dhcp4_lease_info li = dhcp4_host_lease(c, now);
	struct capnet_ip4_route rs[4];
	size_t nroutes = 1;
	capnet_status_routes(c->cfg_cs, c->cfg_status, rs, 4, &nroutes);
	return nc.ip4.addr == 0 && nc.ip4.gateway == 0 && nroutes == 0 && !v->configured && v->addr == 0 &&
	       v->gateway == 0 && v->n_routes == 0 && res.n_servers == 0 && res.domain[0] == '\0' && res.n_search == 0 &&
	       res.servers_provenance == CAPNET_PROV_NONE && res.search_provenance == CAPNET_PROV_NONE && !li.has_lease &&
	       li.remaining == 0;
}

static void note_lease(struct proof_ctx *ctx, struct dhcp4_host *c, capnet_instant now)
{
	struct capnet_dhcp4_lease_info li = dhcp4_host_lease(c, now);
	proof_note(ctx, now, "  lease %s/%u from %s: start %s, T1 %s, T2 %s, expiry %s (%s s left)", fmt_ip4(li.addr),
		   li.prefix_len, fmt_ip4(li.server), fmt_time(li.lease_start), fmt_time(li.t1), fmt_time(li.t2),
		   fmt_time(li.expiry), fmt_time(li.remaining));
}

int proof_dhcp4_lease_lifecycle(struct proof_ctx *ctx)
{
	const struct capnet_mac mac_s1 = {{0x02, 0, 0, 0, 0, 0x01}}, mac_s2 = {{0x02, 0, 0, 0, 0, 0x02}},
				mac_r = {{0x02, 0, 0, 0, 0, 0xfe}}, mac_c = {{0x02, 0, 0, 0, 0, 0x0c}};
	const capnet_ip4addr ip_s1 = CAPNET_IP4(192, 0, 2, 1), ip_s2 = CAPNET_IP4(192, 0, 2, 2),
			     ip_r = CAPNET_IP4(192, 0, 2, 254), ip_lease = CAPNET_IP4(192, 0, 2, 100),
			     static_gw = CAPNET_IP4(192, 0, 2, 253), static_dns = CAPNET_IP4(203, 0, 113, 53),
			     dns1 = CAPNET_IP4(198, 51, 100, 53), dns2 = CAPNET_IP4(198, 51, 100, 153);

	struct capnet_sim *sim = proof_sim_open(ctx);
	if (sim == NULL)
		return 1;
	static struct dhcp4_server s1, s2;
	struct dhcp4_server_config c1 = {
		.mac = mac_s1, .addr = ip_s1, .prefix_len = 24, .pool_start = ip_lease, .pool_size = 50,
		.lease_secs = 120, .t1_secs = 60, .t2_secs = 105, .router = ip_r, .n_dns = 1, .dns = {dns1},
		.domain = "example.com", .n_search = 2, .search = {"eng.example.com", "example.com"}, .impair = &proof_wire_1ms,
	};
	struct dhcp4_server_config c2 = {
		.mac = mac_s2, .addr = ip_s2, .prefix_len = 24, .pool_start = CAPNET_IP4(192, 0, 2, 150),
		.pool_size = 50, .lease_secs = 90, .router = ip_r, .n_dns = 1, .dns = {dns2}, .n_search = 1,
		.search = {"ops.example.com"}, .impair = &proof_wire_1ms,
	};
	struct sim_stack r = {0};
	static struct dhcp4_host c;
	memset(&c, 0, sizeof c);
	if (dhcp4_server_open(&s1, sim, &c1) != CAPNET_OK || dhcp4_server_open(&s2, sim, &c2) != CAPNET_OK ||
	    sim_stack_open(&r, "R", sim, ctx->seed, mac_r, &proof_wire_1ms, &sim_stack_bare) != CAPNET_OK ||
	    dhcp4_host_open(&c, "C", sim, ctx->seed, mac_c, &proof_wire_1ms, NULL) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	struct capnet_ip4_config rc = {ip_r, 24, 0, CAPNET_PROV_FIXTURE};
	capnet_iface_set_ip4(r.ifc, &rc, 0);
	dhcp4_server_set_mode(&s2, DHCP4_SERVER_SILENT);
	proof_note(ctx, 0, "S1 %s %s: lease 120 s, T1 60 s, T2 105 s, DNS %s, search eng.example.com example.com",
		   fmt_mac(mac_s1), fmt_ip4(ip_s1), fmt_ip4(dns1));
	proof_note(ctx, 0, "S2 %s %s: lease 90 s (T1/T2 by default), DNS %s, search ops.example.com; silent for now",
		   fmt_mac(mac_s2), fmt_ip4(ip_s2), fmt_ip4(dns2));
	proof_note(ctx, 0, "router R %s, client C %s; 1 ms per cable, seed %llu", fmt_ip4(ip_r), fmt_mac(mac_c),
		   (unsigned long long)ctx->seed);

	/* 1. Acquisition. */
	capnet_dhcp4_client_start(c.client, 0);
	bool ok = dhcp4_host_run_until_state(&c, CAPNET_DHCP4_BOUND, CAPNET_S(30));
	capnet_instant now = capnet_sim_now(sim);
	struct capnet_dhcp4_lease_info li;
	li = dhcp4_host_lease(&c, now);
	capnet_instant start = CAPNET_MS(2);
	proof_check(ctx, now,
		    ok && li.addr == ip_lease && li.server == ip_s1 && li.lease_start == start &&
			    li.t1 == start + CAPNET_S(60) && li.t2 == start + CAPNET_S(105) &&
			    li.expiry == start + CAPNET_S(120),
		    "BOUND to %s/24 from S1 after DISCOVER/OFFER/REQUEST/ACK and 3 ARP probes", fmt_ip4(li.addr));
	note_lease(ctx, &c, now);

	/* 2. Resolver inputs. */
	struct capnet_resolver_inputs res = dhcp4_host_resolver(&c);
	proof_check(ctx, now,
		    res.n_servers == 1 && capnet_ipaddr_ip4(&res.servers[0]) == dns1 && res.servers_provenance == CAPNET_PROV_DHCP &&
			    strcmp(res.domain, "example.com") == 0 && res.domain_provenance == CAPNET_PROV_DHCP &&
			    res.n_search == 2 && strcmp(res.search[0], "eng.example.com") == 0 &&
			    strcmp(res.search[1], "example.com") == 0 && res.search_provenance == CAPNET_PROV_DHCP,
		    "resolver inputs: DNS %s (dhcp), domain %s (dhcp), search %s %s (dhcp; option 119 compressed)",
		    fmt_ip4(capnet_ipaddr_ip4(&res.servers[0])), res.domain, res.search[0], res.search[1]);

	/* 3. Static precedence over the live lease. */
	capnet_sim_run_until(sim, CAPNET_S(10));
	struct capnet_ip4cfg_layer st = {.gateway = static_gw, .n_dns = 1, .dns = {static_dns}};
	capnet_err se = capnet_netmgr_set_static_config(c.cfg_cs, c.cfg_nm, &st, CAPNET_S(10));
	struct capnet_netmgr_config nc = dhcp4_host_config(&c);
	const struct capnet_ip4cfg_view *v = &nc.view;
	res = dhcp4_host_resolver(&c);
	proof_check(ctx, CAPNET_S(10),
		    se == CAPNET_OK && v->addr == ip_lease && v->addr_provenance == CAPNET_PROV_DHCP &&
			    v->gateway == static_gw && v->gateway_provenance == CAPNET_PROV_STATIC &&
			    dhcp4_host_has_route(&c, 0, 0, static_gw, CAPNET_PROV_STATIC) && capnet_ipaddr_ip4(&res.servers[0]) == static_dns &&
			    res.servers_provenance == CAPNET_PROV_STATIC && res.search_provenance == CAPNET_PROV_DHCP,
		    "set_static_config (config cspace's NetworkManager): static gateway %s and DNS %s win over the "
		    "lease; address and search list stay dhcp (getConfig, NetworkStatus)",
		    fmt_ip4(static_gw), fmt_ip4(static_dns));

	/* 4. T1: renewal unicast to S1. */
	ok = dhcp4_host_run_until_state(&c, CAPNET_DHCP4_RENEWING, CAPNET_S(61));
	now = capnet_sim_now(sim);
	proof_check(ctx, now, ok && now == start + CAPNET_S(60), "T1: RENEWING");
	ok = dhcp4_host_run_until_state(&c, CAPNET_DHCP4_BOUND, CAPNET_S(62));
	now = capnet_sim_now(sim);
	const struct dhcp4_server_rx *q = dhcp4_server_last(&s1, CAPNET_DHCP4_REQUEST);
	proof_check(ctx, q ? q->at : now,
		    ok && q && q->at > start + CAPNET_S(60) && capnet_mac_eq(q->eth_dst, mac_s1) && q->ip_dst == ip_s1 &&
			    q->ip_src == ip_lease && q->ciaddr == ip_lease && q->server_id == 0 &&
			    dhcp4_host_neighbour(&c, ip_s1, mac_s1),
		    "T1 renewal sent unicast to %s (dst MAC %s, the server's resolved MAC), ciaddr %s",
		    fmt_ip4(q ? q->ip_dst : 0), fmt_mac(q ? q->eth_dst : mac_s1), fmt_ip4(q ? q->ciaddr : 0));
	li = dhcp4_host_lease(&c, now);
	capnet_instant start2 = start + CAPNET_S(60);
	proof_check(ctx, now,
		    ok && li.server == ip_s1 && li.lease_start == start2 && li.t1 == start2 + CAPNET_S(60) &&
			    sim_stack_stat(&c.st, CAPNET_STAT_dhcp_renewals) == 1,
		    "ACK from S1: BOUND again, lease counted from the renewal REQUEST");
	note_lease(ctx, &c, now);
	nc = dhcp4_host_config(&c);
	res = dhcp4_host_resolver(&c);
	proof_check(ctx, now, v->gateway == static_gw && v->gateway_provenance == CAPNET_PROV_STATIC &&
				      res.servers_provenance == CAPNET_PROV_STATIC,
		    "the renewal did not override the static gateway and DNS");
	capnet_sim_run_until(sim, CAPNET_S(70));
	se = capnet_netmgr_clear_static(c.cfg_cs, c.cfg_nm, CAPNET_S(70));
	nc = dhcp4_host_config(&c);
	res = dhcp4_host_resolver(&c);
	proof_check(ctx, CAPNET_S(70),
		    se == CAPNET_OK && v->gateway == ip_r && v->gateway_provenance == CAPNET_PROV_DHCP &&
			    dhcp4_host_has_route(&c, 0, 0, ip_r, CAPNET_PROV_DHCP) && capnet_ipaddr_ip4(&res.servers[0]) == dns1 &&
			    res.servers_provenance == CAPNET_PROV_DHCP,
		    "clear_static (NetworkManager): gateway %s and DNS %s from the lease again (dhcp)", fmt_ip4(ip_r),
		    fmt_ip4(dns1));

	/* 5. S1 silent: renewal unanswered, rebind at T2 answered by S2. */
	dhcp4_server_set_mode(&s1, DHCP4_SERVER_SILENT);
	dhcp4_server_set_mode(&s2, DHCP4_SERVER_BROADCAST_ONLY);
	proof_note(ctx, CAPNET_S(70), "S1 falls silent; S2 now answers broadcasts only");
	ok = dhcp4_host_run_until_state(&c, CAPNET_DHCP4_RENEWING, CAPNET_S(130));
	now = capnet_sim_now(sim);
	proof_check(ctx, now, ok && now == start2 + CAPNET_S(60), "T1: RENEWING");
	capnet_sim_run_until(sim, now + CAPNET_MS(10));
	q = dhcp4_server_last(&s1, CAPNET_DHCP4_REQUEST);
	proof_check(ctx, q ? q->at : now,
		    q && q->at > start2 + CAPNET_S(60) && capnet_mac_eq(q->eth_dst, mac_s1) && q->ip_dst == ip_s1 &&
			    q->reply == 0,
		    "renewal unicast to S1 (dst MAC %s) goes unanswered", fmt_mac(mac_s1));
	ok = dhcp4_host_run_until_state(&c, CAPNET_DHCP4_REBINDING, CAPNET_S(200));
	now = capnet_sim_now(sim);
	proof_check(ctx, now, ok && now == start2 + CAPNET_S(105), "T2: REBINDING (the retransmission waits for T2)");
	ok = dhcp4_host_run_until_state(&c, CAPNET_DHCP4_BOUND, now + CAPNET_S(1));
	q = dhcp4_server_last(&s2, CAPNET_DHCP4_REQUEST);
	const struct dhcp4_server_rx *q1 = dhcp4_server_last(&s1, CAPNET_DHCP4_REQUEST);
	proof_check(ctx, q ? q->at : now,
		    q && q->at == start2 + CAPNET_S(105) + CAPNET_MS(1) && capnet_mac_is_broadcast(q->eth_dst) &&
			    q->ip_dst == CAPNET_IP4_BROADCAST && q->ciaddr == ip_lease && q->server_id == 0 && q1 &&
			    q1->at == q->at,
		    "T2 rebind sent broadcast (ff:ff:ff:ff:ff:ff, 255.255.255.255), ciaddr %s, no server id; S1 and S2 "
		    "both see it",
		    fmt_ip4(ip_lease));
	now = capnet_sim_now(sim);
	li = dhcp4_host_lease(&c, now);
	capnet_instant start3 = start2 + CAPNET_S(105);
	proof_check(ctx, now,
		    ok && li.server == ip_s2 && li.addr == ip_lease && li.lease_secs == 90 && li.lease_start == start3 &&
			    li.t1 == start3 + CAPNET_S(45) && li.t2 == start3 + CAPNET_S(90) * 7 / 8 &&
			    li.expiry == start3 + CAPNET_S(90) && sim_stack_stat(&c.st, CAPNET_STAT_dhcp_rebinds) == 1,
		    "S2 answered the rebind: new lease of %s from %s, 90 s, T1/T2 at 0.5/0.875", fmt_ip4(li.addr),
		    fmt_ip4(li.server));
	note_lease(ctx, &c, now);
	res = dhcp4_host_resolver(&c);
	proof_check(ctx, now,
		    res.n_servers == 1 && capnet_ipaddr_ip4(&res.servers[0]) == dns2 && res.servers_provenance == CAPNET_PROV_DHCP &&
			    res.n_search == 1 && strcmp(res.search[0], "ops.example.com") == 0 && res.domain[0] == '\0',
		    "resolver inputs follow the new lease: DNS %s, search %s (dhcp); S2 sends no domain: none held",
		    fmt_ip4(capnet_ipaddr_ip4(&res.servers[0])), res.search[0]);

	/* 6. S2 silent too: expiry to the zero state. */
	capnet_sim_run_until(sim, CAPNET_S(170));
	dhcp4_server_set_mode(&s2, DHCP4_SERVER_SILENT);
	proof_note(ctx, CAPNET_S(170), "S2 falls silent too");
	ok = dhcp4_host_run_until_state(&c, CAPNET_DHCP4_RENEWING, CAPNET_S(220));
	now = capnet_sim_now(sim);
	capnet_sim_run_until(sim, now + CAPNET_MS(10));
	q = dhcp4_server_last(&s2, CAPNET_DHCP4_REQUEST);
	proof_check(ctx, q ? q->at : now,
		    ok && now == start3 + CAPNET_S(45) && q && q->at > now && capnet_mac_eq(q->eth_dst, mac_s2) &&
			    q->ip_dst == ip_s2 && q->reply == 0,
		    "T1 %s: renewal unicast to S2 %s (dst MAC %s), unanswered", fmt_time(now), fmt_ip4(ip_s2),
		    fmt_mac(mac_s2));
	ok = dhcp4_host_run_until_state(&c, CAPNET_DHCP4_REBINDING, CAPNET_S(250));
	now = capnet_sim_now(sim);
	proof_check(ctx, now, ok && now == start3 + CAPNET_S(90) * 7 / 8, "T2 %s: rebind broadcast, unanswered",
		    fmt_time(now));
	uint64_t tx_before = sim_stack_stat(&c.st, CAPNET_STAT_dhcp_tx_discover);
	ok = run_until_stat(&c.st, CAPNET_STAT_dhcp_lease_expired, 1, CAPNET_S(300));
	now = capnet_sim_now(sim);
	proof_check(ctx, now, ok && now == start3 + CAPNET_S(90), "lease expired at %s (dhcp_lease_expired +1)",
		    fmt_time(now));
	proof_check(ctx, now, zero_state(&c, now),
		    "fail-closed zero state: no address, no routes, getConfig unconfigured, no DNS/domain/search, no lease");
	proof_check(ctx, now,
		    capnet_dhcp4_client_state(c.client) == CAPNET_DHCP4_SELECTING &&
			    sim_stack_stat(&c.st, CAPNET_STAT_dhcp_tx_discover) == tx_before + 1,
		    "INIT: DISCOVER broadcast again at once (SELECTING)");
	proof_check(ctx, now, capnet_icmp4_echo_send(c.st.ifc, ip_r, 1, 1, NULL, 0, now) == CAPNET_E_NOTCONFIGURED,
		    "nothing can be sent from the stale address (echo to %s: E_NOTCONFIGURED)", fmt_ip4(ip_r));

	/* 7. S1 back: a new lease through DISCOVER retransmissions. */
	capnet_instant t_back = now + CAPNET_S(6); /* after the second DISCOVER for any seed */
	capnet_sim_run_until(sim, t_back);
	dhcp4_server_set_mode(&s1, DHCP4_SERVER_NORMAL);
	proof_note(ctx, t_back, "S1 answers again");
	uint64_t rtx_before = sim_stack_stat(&c.st, CAPNET_STAT_dhcp_retransmits);
	ok = dhcp4_host_run_until_state(&c, CAPNET_DHCP4_BOUND, t_back + CAPNET_S(120));
	now = capnet_sim_now(sim);
	const struct dhcp4_server_rx *d = dhcp4_server_last(&s1, CAPNET_DHCP4_DISCOVER);
	li = dhcp4_host_lease(&c, now);
	capnet_instant start4 = li.lease_start;
	/* The DISCOVERs S1 saw since the expiry, silent or not: RFC 2131 4.1
	 * backoff, 4 s then 8 s, each +-1 s. */
	capnet_instant seen[8];
	unsigned nseen = 0;
	for (unsigned i = 0; i < s1.nlog && nseen < 8; i++)
		if (s1.log[i].msg == CAPNET_DHCP4_DISCOVER && s1.log[i].at > start3 + CAPNET_S(90))
			seen[nseen++] = s1.log[i].at;
	bool gaps_ok = nseen == 3 && seen[0] == start3 + CAPNET_S(90) + CAPNET_MS(1) &&
		       seen[1] - seen[0] >= CAPNET_S(3) && seen[1] - seen[0] <= CAPNET_S(5) &&
		       seen[2] - seen[1] >= CAPNET_S(7) && seen[2] - seen[1] <= CAPNET_S(9);
	proof_check(ctx, nseen ? seen[nseen - 1] : now, gaps_ok,
		    "DISCOVERs reached S1 at %s, %s, %s: gaps %s s and %s s (4 +-1, 8 +-1)",
		    fmt_time(nseen > 0 ? seen[0] : 0), fmt_time(nseen > 1 ? seen[1] : 0), fmt_time(nseen > 2 ? seen[2] : 0),
		    fmt_time(nseen > 1 ? seen[1] - seen[0] : 0), fmt_time(nseen > 2 ? seen[2] - seen[1] : 0));

	proof_check(ctx, now,
		    ok && d && d->at > t_back && li.server == ip_s1 && li.addr == ip_lease &&
			    sim_stack_stat(&c.st, CAPNET_STAT_dhcp_retransmits) > rtx_before,
		    "DISCOVER retransmitted (4 s, 8 s... +-1 s) until S1 answered at %s: BOUND again",
		    fmt_time(d ? d->at : 0));
	note_lease(ctx, &c, now);

	/* 8. NAK on renewal. */
	dhcp4_server_nak_next(&s1, 1);
	proof_note(ctx, now, "S1 will NAK the next REQUEST");
	ok = run_until_stat(&c.st, CAPNET_STAT_dhcp_rx_nak, 1, start4 + CAPNET_S(61));
	now = capnet_sim_now(sim);
	proof_check(ctx, now, ok && now > start4 + CAPNET_S(60) && now < start4 + CAPNET_S(60) + CAPNET_MS(10),
		    "T1 renewal at %s answered by NAK at %s", fmt_time(start4 + CAPNET_S(60)), fmt_time(now));
	proof_check(ctx, now, zero_state(&c, now) && capnet_dhcp4_client_state(c.client) == CAPNET_DHCP4_SELECTING,
		    "NAK: lease dropped at once (zero state), back to INIT and DISCOVER");
	ok = dhcp4_host_run_until_state(&c, CAPNET_DHCP4_BOUND, now + CAPNET_S(30));
	now = capnet_sim_now(sim);
	li = dhcp4_host_lease(&c, now);
	proof_check(ctx, now, ok && li.server == ip_s1 && li.addr == ip_lease, "BOUND again to %s after the NAK",
		    fmt_ip4(li.addr));
	note_lease(ctx, &c, now);

	/* 9. Shutdown. */
	capnet_instant t_rel = now + CAPNET_S(1);
	capnet_sim_run_until(sim, t_rel);
	capnet_err re = capnet_dhcp4_client_release(c.client, t_rel);
	capnet_sim_run_until(sim, t_rel + CAPNET_MS(100));
	proof_check(ctx, t_rel, zero_state(&c, t_rel) && capnet_dhcp4_client_state(c.client) == CAPNET_DHCP4_STOPPED,
		    "shutdown: client STOPPED, configuration back to the zero state");
	const struct dhcp4_server_rx *rl = dhcp4_server_last(&s1, CAPNET_DHCP4_RELEASE);
	proof_check(ctx, rl ? rl->at : t_rel,
		    re == CAPNET_OK && rl && rl->ip_dst == ip_s1 && capnet_mac_eq(rl->eth_dst, mac_s1) &&
			    rl->ciaddr == ip_lease && dhcp4_server_lease_of(&s1, mac_c) == 0,
		    "RELEASE sent unicast to S1 (dst MAC %s, ciaddr %s); S1 freed the lease", fmt_mac(mac_s1),
		    fmt_ip4(ip_lease));

	unsigned long long frames = 0;
	for (int p = 0; p < capnet_sim_port_count(sim); p++)
		frames += capnet_sim_port_stats(sim, p)->tx_frames;
	const struct capnet_sim_port_stats *ps = capnet_sim_port_stats(sim, c.st.port);
	proof_note(ctx, capnet_sim_now(sim),
		   "%llu frames on the wire; C sent %llu (%llu DISCOVER, %llu REQUEST, %llu RELEASE), received %llu",
		   frames, (unsigned long long)ps->tx_frames,
		   (unsigned long long)sim_stack_stat(&c.st, CAPNET_STAT_dhcp_tx_discover),
		   (unsigned long long)sim_stack_stat(&c.st, CAPNET_STAT_dhcp_tx_request),
		   (unsigned long long)sim_stack_stat(&c.st, CAPNET_STAT_dhcp_tx_release),
		   (unsigned long long)ps->rx_frames);
	capnet_sim_destroy(sim);
	dhcp4_host_close(&c);
	sim_stack_close(&r);
	return 0;
}
