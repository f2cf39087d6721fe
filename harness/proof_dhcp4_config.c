/* Proof dhcp4-config: a host with no configuration acquires a lease over
 * the simulated Nic from two competing servers, takes the first valid
 * offer, checks the address by ARP (RFC 5227), installs address, prefix,
 * default route and classless routes with provenance dhcp (RFC 3442: option
 * 121 overrides option 3), resolves its gateway and a neighbour on the
 * same subnet by ARP, and reports its configuration with provenance. Every
 * value asserted is read through a cap held by the scenario's config
 * cspace: getConfig on a NetworkManager, routes, neighbours, resolver
 * inputs and the lease on a NetworkStatus. */
#include <string.h>

#include "capnet/wire/dhcp4.h"
#include "harness/dhcp4_host.h"
#include "harness/proof.h"
#include "sim/dhcp4_server.h"

#define ECHO_ID 0x4443 /* "DC" */

struct echo_seen {
	bool got;
	capnet_instant at;
	capnet_ip4addr from;
};

static void on_echo(void *ctx, const struct capnet_echo_reply *r, capnet_instant now)
{
	struct echo_seen *e = ctx;
	if (r->ident != ECHO_ID || e->got)
		return;
	e->got = true;
	e->at = now;
	e->from = r->from;
}

struct arp_wait {
	struct capnet_iface *ifc;
	capnet_ip4addr ip;
};

static bool arp_resolved(void *ctx)
{
	struct arp_wait *w = ctx;
	struct capnet_mac m;
	return capnet_arp_lookup(w->ifc, w->ip, &m) == CAPNET_OK;
}

static bool echo_got(void *ctx)
{
	return ((struct echo_seen *)ctx)->got;
}

int proof_dhcp4_config(struct proof_ctx *ctx)
{
	const struct capnet_mac mac_s1 = {{0x02, 0, 0, 0, 0, 0x01}}, mac_s2 = {{0x02, 0, 0, 0, 0, 0x02}},
				mac_r = {{0x02, 0, 0, 0, 0, 0xfe}}, mac_n = {{0x02, 0, 0, 0, 0, 0x14}},
				mac_c = {{0x02, 0, 0, 0, 0, 0x0c}};
	const capnet_ip4addr ip_s1 = CAPNET_IP4(192, 0, 2, 1), ip_s2 = CAPNET_IP4(192, 0, 2, 2),
			     ip_r = CAPNET_IP4(192, 0, 2, 254), ip_n = CAPNET_IP4(192, 0, 2, 20),
			     ip_bogus_router = CAPNET_IP4(192, 0, 2, 9), lease_ip = CAPNET_IP4(192, 0, 2, 100);

	struct capnet_sim *sim = proof_sim_open(ctx);
	if (sim == NULL)
		return 1;
	static struct dhcp4_server s1, s2;
	struct dhcp4_server_config c1 = {
		.mac = mac_s1, .addr = ip_s1, .prefix_len = 24, .pool_start = lease_ip, .pool_size = 50,
		.lease_secs = 3600, .mtu = 1400, .router = ip_bogus_router, .n_dns = 2,
		.dns = {CAPNET_IP4(198, 51, 100, 53), CAPNET_IP4(198, 51, 100, 54)}, .domain = "example.com",
		.n_search = 2, .search = {"eng.example.com", "example.com"}, .n_routes = 2,
		.routes = {{CAPNET_IP4(198, 51, 100, 0), 24, ip_r}, {0, 0, ip_r}}, .impair = &proof_wire_1ms,
	};
	struct dhcp4_server_config c2 = {
		.mac = mac_s2, .addr = ip_s2, .prefix_len = 24, .pool_start = CAPNET_IP4(192, 0, 2, 150),
		.pool_size = 50, .lease_secs = 600, .router = ip_r, .delay = CAPNET_MS(5), .impair = &proof_wire_1ms,
	};
	struct sim_stack r = {0}, n = {0};
	static struct dhcp4_host c;
	memset(&c, 0, sizeof c);
	if (dhcp4_server_open(&s1, sim, &c1) != CAPNET_OK || dhcp4_server_open(&s2, sim, &c2) != CAPNET_OK ||
	    sim_stack_open(&r, "R", sim, ctx->seed, mac_r, &proof_wire_1ms, &sim_stack_bare) != CAPNET_OK ||
	    sim_stack_open(&n, "N", sim, ctx->seed, mac_n, &proof_wire_1ms, &sim_stack_bare) != CAPNET_OK ||
	    dhcp4_host_open(&c, "C", sim, ctx->seed, mac_c, &proof_wire_1ms, NULL) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	struct capnet_ip4_config rc = {ip_r, 24, 0, CAPNET_PROV_FIXTURE}, ncfg = {ip_n, 24, 0, CAPNET_PROV_FIXTURE};
	capnet_iface_set_ip4(r.ifc, &rc, 0);
	capnet_iface_set_ip4(n.ifc, &ncfg, 0);
	proof_note(ctx, 0, "servers S1 %s %s (lease 3600 s, options 3/6/15/26/119/121) and S2 %s %s (5 ms slower)",
		   fmt_mac(mac_s1), fmt_ip4(ip_s1), fmt_mac(mac_s2), fmt_ip4(ip_s2));
	proof_note(ctx, 0, "router R %s, neighbour N %s, client C %s unconfigured; 1 ms per cable, seed %llu",
		   fmt_ip4(ip_r), fmt_ip4(ip_n), fmt_mac(mac_c), (unsigned long long)ctx->seed);

	/* 1. DISCOVER, two offers, the first one taken. */
	struct capnet_netmgr_config nc = dhcp4_host_config(&c);
	proof_check(ctx, 0, !nc.view.configured && nc.view.addr == 0 && nc.ip4.addr == 0,
		    "C starts unconfigured (getConfig through the config cspace's NetworkManager: no address)");
	capnet_dhcp4_client_start(c.client, 0);
	bool req = dhcp4_host_run_until_state(&c, CAPNET_DHCP4_REQUESTING, CAPNET_S(1));
	const struct dhcp4_server_rx *d1 = dhcp4_server_last(&s1, CAPNET_DHCP4_DISCOVER),
				     *d2 = dhcp4_server_last(&s2, CAPNET_DHCP4_DISCOVER);
	proof_check(ctx, d1 ? d1->at : 0,
		    d1 && d2 && d1->at == CAPNET_MS(1) && d2->at == CAPNET_MS(1) && d1->ip_src == 0 &&
			    d1->ip_dst == CAPNET_IP4_BROADCAST && capnet_mac_is_broadcast(d1->eth_dst),
		    "S1 and S2 received C's DISCOVER: 0.0.0.0 -> 255.255.255.255, ff:ff:ff:ff:ff:ff");
	proof_check(ctx, capnet_sim_now(sim), req && capnet_sim_now(sim) == CAPNET_MS(2),
		    "C took S1's OFFER of %s (the first valid one) and is REQUESTING", fmt_ip4(lease_ip));
	capnet_sim_run_until(sim, CAPNET_MS(20));
	const struct dhcp4_server_rx *q1 = dhcp4_server_last(&s1, CAPNET_DHCP4_REQUEST),
				     *q2 = dhcp4_server_last(&s2, CAPNET_DHCP4_REQUEST);
	proof_check(ctx, q1 ? q1->at : 0,
		    q1 && q2 && q1->server_id == ip_s1 && q1->requested_ip == lease_ip && q1->reply == CAPNET_DHCP4_ACK &&
			    s2.stats.offers == 1 && s2.stats.ignored == 1 && s2.stats.acks == 0,
		    "REQUEST names S1 (option 54) for %s: S1 ACKs, S2 withdraws its offer", fmt_ip4(lease_ip));
	proof_check(ctx, CAPNET_MS(7), sim_stack_stat(&c.st, CAPNET_STAT_dhcp_rx_unexpected) == 1,
		    "S2's late OFFER (0.007) dropped as unexpected (dhcp_rx_unexpected +1)");

	/* 2. RFC 5227 check, then BOUND. */
	bool bound = dhcp4_host_run_until_state(&c, CAPNET_DHCP4_BOUND, CAPNET_S(20));
	capnet_instant t_bound = capnet_sim_now(sim);
	proof_check(ctx, t_bound,
		    bound && sim_stack_stat(&c.st, CAPNET_STAT_arp_requests_sent) == 3 + 1 &&
			    sim_stack_stat(&c.st, CAPNET_STAT_dhcp_arp_conflicts) == 0 &&
			    sim_stack_stat(&c.st, CAPNET_STAT_arp_gratuitous_sent) == 1,
		    "C probed %s by ARP 3 times (RFC 5227), no conflict: BOUND, announced, asked for its gateway",
		    fmt_ip4(lease_ip));

	/* 3. What is installed. */
	nc = dhcp4_host_config(&c);
	proof_check(ctx, t_bound,
		    nc.ip4.addr == lease_ip && nc.ip4.prefix_len == 24 && nc.ip4.provenance == CAPNET_PROV_DHCP,
		    "getConfig (NetworkManager): address %s/%u installed, provenance %s", fmt_ip4(nc.ip4.addr),
		    nc.ip4.prefix_len, capnet_provenance_name(nc.ip4.provenance));
	proof_check(ctx, t_bound, dhcp4_host_has_route(&c, CAPNET_IP4(192, 0, 2, 0), 24, 0, CAPNET_PROV_DHCP),
		    "NetworkStatus routes: connected route 192.0.2.0/24, provenance dhcp");
	proof_check(ctx, t_bound, dhcp4_host_has_route(&c, 0, 0, ip_r, CAPNET_PROV_DHCP),
		    "NetworkStatus routes: default route via %s (option 121 0/0), provenance dhcp", fmt_ip4(ip_r));
	proof_check(ctx, t_bound, dhcp4_host_has_route(&c, CAPNET_IP4(198, 51, 100, 0), 24, ip_r, CAPNET_PROV_DHCP),
		    "NetworkStatus routes: classless route 198.51.100.0/24 via %s (option 121), provenance dhcp",
		    fmt_ip4(ip_r));
	proof_check(ctx, t_bound, !dhcp4_host_has_route(&c, 0, 0, ip_bogus_router, CAPNET_PROV_DHCP),
		    "option 3 router %s ignored because option 121 is present (RFC 3442)", fmt_ip4(ip_bogus_router));
	capnet_ip4addr hop1 = 0, hop2 = 0;
	capnet_iface_route_lookup(c.st.ifc, CAPNET_IP4(198, 51, 100, 7), &hop1);
	capnet_iface_route_lookup(c.st.ifc, CAPNET_IP4(203, 0, 113, 5), &hop2);
	proof_check(ctx, t_bound, hop1 == ip_r && hop2 == ip_r,
		    "198.51.100.7 and 203.0.113.5 route via %s; 192.0.2.20 is on-link", fmt_ip4(ip_r));

	/* 4. The gateway and a neighbour by ARP. */
	struct arp_wait gw = {c.st.ifc, ip_r};
	bool gw_ok = capnet_sim_run_until_cond(sim, arp_resolved, &gw, t_bound + CAPNET_S(5));
	proof_check(ctx, capnet_sim_now(sim), gw_ok && dhcp4_host_neighbour(&c, ip_r, mac_r),
		    "gateway %s resolved by ARP to %s (NetworkStatus neighbours)", fmt_ip4(ip_r), fmt_mac(mac_r));
	struct echo_seen echo = {0};
	capnet_icmp4_on_echo_reply(c.st.ifc, on_echo, &echo);
	capnet_instant t_ping = capnet_sim_now(sim);
	capnet_err pe = capnet_icmp4_echo_send(c.st.ifc, ip_n, ECHO_ID, 1, (const uint8_t *)"dhcp", 4, t_ping);
	bool pinged = capnet_sim_run_until_cond(sim, echo_got, &echo, t_ping + CAPNET_S(5));
	proof_check(ctx, capnet_sim_now(sim),
		    pe == CAPNET_OK && pinged && echo.from == ip_n && echo.at == t_ping + CAPNET_MS(4) &&
			    dhcp4_host_neighbour(&c, ip_n, mac_n),
		    "neighbour %s resolved by ARP to %s; echo reply in 4.000 ms (ARP + echo)", fmt_ip4(ip_n),
		    fmt_mac(mac_n));

	/* 5. The configuration as reported, with provenance. */
	nc = dhcp4_host_config(&c);
	const struct capnet_ip4cfg_view *v = &nc.view;
	proof_check(ctx, capnet_sim_now(sim),
		    nc.mtu == 1400 && nc.mtu_source == CAPNET_MTU_DHCP && v->mtu == 1400 && v->mtu_source == CAPNET_MTU_DHCP,
		    "getConfig (NetworkManager): MTU %u, source %s (option 26; the NIC carries 1500)", nc.mtu,
		    capnet_mtu_source_name(nc.mtu_source));
	proof_check(ctx, capnet_sim_now(sim),
		    v->configured && v->addr == lease_ip && v->prefix_len == 24 && v->addr_provenance == CAPNET_PROV_DHCP &&
			    v->gateway == ip_r && v->gateway_provenance == CAPNET_PROV_DHCP && v->n_routes == 1 &&
			    v->routes[0].provenance == CAPNET_PROV_DHCP,
		    "getConfig (NetworkManager, config cspace): %s/%u (%s), gateway %s (%s), 1 extra route (%s)",
		    fmt_ip4(v->addr), v->prefix_len, capnet_provenance_name(v->addr_provenance), fmt_ip4(v->gateway),
		    capnet_provenance_name(v->gateway_provenance), capnet_provenance_name(v->routes[0].provenance));
	struct capnet_resolver_inputs res = dhcp4_host_resolver(&c);
	proof_check(ctx, capnet_sim_now(sim),
		    res.n_servers == 2 && capnet_ipaddr_ip4(&res.servers[0]) == CAPNET_IP4(198, 51, 100, 53) &&
			    res.servers_provenance == CAPNET_PROV_DHCP && strcmp(res.domain, "example.com") == 0 &&
			    res.n_search == 2 && strcmp(res.search[0], "eng.example.com") == 0 &&
			    res.search_provenance == CAPNET_PROV_DHCP,
		    "resolver inputs (NetworkStatus; not in getConfig): DNS %s, %s; search %s, %s (dhcp)",
		    fmt_ip4(capnet_ipaddr_ip4(&res.servers[0])), fmt_ip4(capnet_ipaddr_ip4(&res.servers[1])), res.search[0], res.search[1]);
	struct capnet_dhcp4_lease_info li = dhcp4_host_lease(&c, capnet_sim_now(sim));
	proof_check(ctx, capnet_sim_now(sim),
		    li.has_lease && li.server == ip_s1 && li.lease_start == CAPNET_MS(2) &&
			    li.t1 == CAPNET_MS(2) + CAPNET_S(1800) && li.t2 == CAPNET_MS(2) + CAPNET_S(3150) &&
			    li.expiry == CAPNET_MS(2) + CAPNET_S(3600),
		    "lease (NetworkStatus) %s from %s: start %s, T1 %s, T2 %s (0.5/0.875 defaults), expiry %s, %s s left",
		    capnet_dhcp4_state_name(li.state), fmt_ip4(li.server), fmt_time(li.lease_start), fmt_time(li.t1),
		    fmt_time(li.t2), fmt_time(li.expiry), fmt_time(li.remaining));

	const struct capnet_sim_port_stats *ps = capnet_sim_port_stats(sim, c.st.port);
	proof_note(ctx, capnet_sim_now(sim), "C sent %llu frames, received %llu",
		   (unsigned long long)ps->tx_frames, (unsigned long long)ps->rx_frames);
	capnet_sim_destroy(sim);
	dhcp4_host_close(&c);
	sim_stack_close(&r);
	sim_stack_close(&n);
	return 0;
}
