#include "harness/status_tool.h"

#include "capnet/wire/dns.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "harness/cap_host.h"
#include "harness/dhcp4_host.h"
#include "sim/dhcp4_server.h"
#include "sim/ip6_router.h"

#define MAX_ROWS 32

static const capnet_ip4addr ip_srv = CAPNET_IP4(192, 0, 2, 1), ip_gw = CAPNET_IP4(192, 0, 2, 254),
			    ip_peer = CAPNET_IP4(192, 0, 2, 50), ip_dns1 = CAPNET_IP4(198, 51, 100, 53),
			    ip_dns2 = CAPNET_IP4(198, 51, 100, 153);

struct world {
	struct capnet_sim *sim;
	struct dhcp4_server dhcp;
	struct sim_stack gw;
	struct ip6_router r6; /* with opts.ipv6 */
	struct cap_host h, peer;
	/* The web service's order of events: its listener came after the lease. */
	capnet_instant bound_at, listen_at;
	capnet_ip4addr served_local; /* the served connection's local address (TransportStatus) */
};

/* Everything the view reads, read once. */
struct view {
	capnet_err e_link, e_dhcp, e_res, e_routes, e_neigh, e_socks, e_counters, e_ip6, e_neigh6;
	struct capnet_status_ip6 ip6;
	struct capnet_neigh_entry neigh6[MAX_ROWS];
	size_t n_neigh6;
	struct capnet_status_link link;
	struct capnet_dhcp4_lease_info lease;
	struct capnet_resolver_inputs res;
	struct capnet_ip4_route routes[MAX_ROWS];
	size_t n_routes;
	struct capnet_arp_entry_info neigh[MAX_ROWS];
	size_t n_neigh;
	struct capnet_socket_entry socks[MAX_ROWS];
	size_t n_socks;
	struct capnet_stats counters;
	struct {
		uint32_t id;
		struct capnet_audit a;
	} audit[16];
	size_t n_audit;
};

static void read_view(struct capnet_cspace *cs, capnet_handle st, capnet_instant now, struct view *v)
{
	memset(v, 0, sizeof *v);
	v->e_link = capnet_status_link(cs, st, &v->link);
	v->e_dhcp = capnet_status_dhcp4(cs, st, now, &v->lease);
	v->e_res = capnet_status_resolver(cs, st, &v->res);
	v->e_routes = capnet_status_routes(cs, st, v->routes, MAX_ROWS, &v->n_routes);
	v->e_neigh = capnet_status_neighbours(cs, st, v->neigh, MAX_ROWS, &v->n_neigh);
	v->e_socks = capnet_status_sockets(cs, st, v->socks, MAX_ROWS, &v->n_socks);
	v->e_counters = capnet_status_counters(cs, st, &v->counters);
	v->e_ip6 = capnet_status_ip6(cs, st, &v->ip6);
	v->e_neigh6 = capnet_status_neighbours6(cs, st, v->neigh6, MAX_ROWS, &v->n_neigh6);
	v->n_neigh6 = v->n_neigh6 < MAX_ROWS ? v->n_neigh6 : MAX_ROWS;
	for (uint32_t id = 1; id <= 16 && v->n_audit < 16; id++)
		if (capnet_status_audit(cs, st, id, &v->audit[v->n_audit].a) == CAPNET_OK)
			v->audit[v->n_audit++].id = id;
	v->n_routes = v->n_routes < MAX_ROWS ? v->n_routes : MAX_ROWS;
	v->n_neigh = v->n_neigh < MAX_ROWS ? v->n_neigh : MAX_ROWS;
	v->n_socks = v->n_socks < MAX_ROWS ? v->n_socks : MAX_ROWS;
}

static bool view_ok(const struct view *v)
{
	return v->e_link == CAPNET_OK && v->e_dhcp == CAPNET_OK && v->e_res == CAPNET_OK && v->e_routes == CAPNET_OK &&
	       v->e_neigh == CAPNET_OK && v->e_socks == CAPNET_OK && v->e_counters == CAPNET_OK &&
	       v->e_ip6 == CAPNET_OK && v->e_neigh6 == CAPNET_OK;
}

/* ---- the scenario ---- */

static int setup(struct world *W, const struct status_opts *o)
{
	const struct capnet_sim_impair wire = {.delay = CAPNET_MS(1)};
	W->sim = sim_open_recording(o->seed, CAPNET_SIM_SWITCH, o->pcap_path);
	if (W->sim == NULL)
		return 1;
	struct dhcp4_server_config dc = {
		.mac = {{0x02, 0, 0, 0, 0, 0x01}}, .addr = ip_srv, .prefix_len = 24,
		.pool_start = CAPNET_IP4(192, 0, 2, 100), .pool_size = 50, .lease_secs = 3600, .router = ip_gw,
		.n_dns = 2, .dns = {ip_dns1, ip_dns2}, .domain = "example.com", .n_search = 2,
		.search = {"eng.example.com", "example.com"}, .impair = &wire,
	};
	struct capnet_stack_config hs = {0};
	hs.iface.ip6.enable = o->ipv6;
	struct cap_host_config hc = {.stack = &hs, .dhcp = true}, pc = {.addr = ip_peer};
	if (o->ipv6) {
		struct capnet_ndp_repr ra = {.cur_hop_limit = 64, .router_lifetime = 1800, .nprefix = 1, .nrdnss = 1,
					     .rdnss_lifetime = 3600};
		ra.prefix[0] = (struct capnet_ndp_prefix){{{0x20, 0x01, 0x0d, 0xb8, 0, 1}}, 64, true, true, 86400, 14400};
		ra.rdnss[0] = (struct capnet_ip6addr){{0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x53}};
		if (ip6_router_open(&W->r6, W->sim, (struct capnet_mac){{0x02, 0, 0, 0, 0, 0xfd}}, &wire, &ra) != CAPNET_OK)
			return 1;
	}
	if (dhcp4_server_open(&W->dhcp, W->sim, &dc) != CAPNET_OK ||
	    sim_stack_open(&W->gw, "gw", W->sim, o->seed, (struct capnet_mac){{0x02, 0, 0, 0, 0, 0xfe}}, &wire, NULL) !=
		    CAPNET_OK ||
	    cap_host_open(&W->h, "h", W->sim, o->seed, (struct capnet_mac){{0x02, 0, 0, 0, 0, 0x0a}}, &wire, &hc) !=
		    CAPNET_OK ||
	    cap_host_open(&W->peer, "peer", W->sim, o->seed, (struct capnet_mac){{0x02, 0, 0, 0, 0, 0x32}}, &wire,
			  &pc) != CAPNET_OK) {
		fprintf(stderr, "capnet: cannot set up the simulated network\n");
		return 1;
	}
	struct capnet_ip4_config gc = {ip_gw, 24, 0, CAPNET_PROV_FIXTURE};
	capnet_iface_set_ip4(W->gw.ifc, &gc, 0);
	return 0;
}

static void teardown(struct world *W)
{
	if (W->sim != NULL)
		capnet_sim_destroy(W->sim);
	cap_host_close(&W->h);
	cap_host_close(&W->peer);
	sim_stack_close(&W->gw);
}

static capnet_instant now_of(struct world *W)
{
	return capnet_sim_now(W->sim);
}

struct state_wait {
	struct cap_host *h;
};

static bool bound(void *ctx)
{
	struct state_wait *s = ctx;
	return capnet_dhcp4_client_state(s->h->dhcp) == CAPNET_DHCP4_BOUND;
}

/* The live network: a lease, a listener with a served connection and a
 * parked RECV, a UDP socket that has talked through the gateway. */
static bool bring_up(struct world *W)
{
	struct cap_host *H = &W->h, *P = &W->peer;
	capnet_dhcp4_client_start(H->dhcp, 0);
	struct state_wait sw = {H};
	if (!capnet_sim_run_until_cond(W->sim, bound, &sw, CAPNET_S(60)))
		return false;
	struct capnet_dhcp4_lease_info li;
	capnet_dhcp4_client_lease(H->dhcp, now_of(W), &li);
	W->bound_at = now_of(W);

	struct capnet_cspace *web, *stub, *client;
	capnet_handle la0, la, lst, ca0, ca, cs, ss, ua0, ua, us;
	if (capnet_cspace_create(H->sys, "web", &web) != CAPNET_OK ||
	    capnet_cspace_create(H->sys, "dns-stub", &stub) != CAPNET_OK ||
	    capnet_cspace_create(P->sys, "client", &client) != CAPNET_OK)
		return false;
	capnet_netmgr_mint_listen_authority(H->boot, H->nm, 80, 80, &la0);
	capnet_cap_grant(H->boot, la0, web, CAPNET_RIGHT_BIND, NULL, &la);
	if (capnet_tcpcap_listen(web, la, 80, 8, &lst) != CAPNET_OK)
		return false;
	W->listen_at = now_of(W);
	capnet_netmgr_mint_connect_authority(P->boot, P->nm, li.addr, 32, 80, 80, &ca0);
	capnet_cap_grant(P->boot, ca0, client, CAPNET_RIGHT_CONNECT, NULL, &ca);
	capnet_ticket t;
	if (capnet_tcpcap_connect(client, ca, li.addr, 80, now_of(W), &cs) != CAPNET_OK ||
	    capnet_park(web, lst, CAPNET_PARK_ACCEPT, CAPNET_INSTANT_NEVER, now_of(W), &t) != CAPNET_OK)
		return false;
	struct capnet_park_result r = cap_host_wait_ticket(W->sim, web, t, now_of(W) + CAPNET_S(3));
	if (r.outcome != CAPNET_OUTCOME_COMPLETED)
		return false;
	ss = r.handle;
	capnet_handle tv;
	struct capnet_transport_status ts;
	if (capnet_tcpcap_status(web, ss, &tv) == CAPNET_OK && capnet_transport_status(web, tv, &ts) == CAPNET_OK)
		W->served_local = ts.tcp.local.addr.u.v4;
	capnet_cap_close(web, tv);
	static const char req[] = "GET / HTTP/1.0\r\n\r\n", resp[] = "HTTP/1.0 204 No Content\r\n\r\n";
	char buf[64];
	size_t n;
	capnet_tcpcap_send(client, cs, req, sizeof req - 1, &n, now_of(W));
	capnet_park(web, ss, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now_of(W), &t);
	cap_host_wait_ticket(W->sim, web, t, now_of(W) + CAPNET_S(1));
	capnet_tcpcap_recv(web, ss, buf, sizeof buf, &n, now_of(W));
	capnet_tcpcap_send(web, ss, resp, sizeof resp - 1, &n, now_of(W));
	/* The server now waits for the next request: a blocked call. */
	capnet_park(web, ss, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now_of(W), &t);

	struct capnet_scope dns = capnet_scope_remote(CAPNET_IP4(198, 51, 100, 0), 24, 53, 53);
	capnet_netmgr_mint_udp(H->boot, H->nm, 5353, 5353, &dns, &ua0);
	capnet_cap_grant(H->boot, ua0, stub, capnet_cap_type_rights(CAPNET_CAP_UDP_SOCKET) & ~CAPNET_RIGHT_GRANT, NULL,
			 &ua);
	/* A real query (id 0x1234, www.example.com A, RD), built by the codec
	 * so the capture decodes clean. */
	uint8_t query[64];
	size_t qlen = capnet_dns_query_emit(0x1234, "www.example.com", CAPNET_DNS_TYPE_A, 0, query, sizeof query);
	if (qlen == 0 || capnet_udpcap_bind(stub, ua, 5353, &us) != CAPNET_OK ||
	    capnet_udpcap_send_to(stub, us, ip_dns1, 53, query, qlen, now_of(W)) != CAPNET_OK)
		return false;
	capnet_sim_run_until(W->sim, now_of(W) + CAPNET_S(1));
	unsigned ev;
	return capnet_tcpcap_events(client, cs, &ev) == CAPNET_OK && (ev & CAPNET_TCP_EV_CONNECTED);
}

/* ---- printing ---- */

static const char *ip(capnet_ip4addr a)
{
	return fmt_ip4(a);
}

static const char *mac(struct capnet_mac m)
{
	return fmt_mac(m);
}

static const char *prov(enum capnet_provenance p)
{
	return capnet_provenance_name(p);
}

static void endpoint(char *b, size_t n, capnet_ip4addr a, uint16_t port)
{
	if (a == 0 && port == 0)
		snprintf(b, n, "*:*");
	else if (a == 0)
		snprintf(b, n, "*:%u", port);
	else
		snprintf(b, n, "%s:%u", ip(a), port);
}

/* "123.456 s", or "forever" for an infinite lifetime. */
static const char *until(capnet_instant t)
{
	static char b[4][32];
	static unsigned n;
	if (t == CAPNET_INSTANT_NEVER)
		return "forever";
	char *p = b[n++ % 4];
	snprintf(p, 32, "%s s", fmt_time(t));
	return p;
}

/* The IPv6 section: `ip -6 addr` with state and provenance, the default
 * routers, RDNSS, `ip -6 neigh`, and the IPv6 counters that moved. */
static void print_ip6(FILE *f, const struct view *v)
{
	const struct capnet_status_ip6 *s = &v->ip6;
	fprintf(f, "\nipv6 (mtu %u)\n", s->link_mtu);
	for (size_t i = 0; i < s->n_addrs && i < CAPNET_STATUS_IP6_ADDRS; i++) {
		const struct capnet_ip6_addr_info *a = &s->addrs[i];
		fprintf(f, "  inet6 %s/%u %s (%s)", fmt_ip6(&a->addr), a->prefix_len,
			capnet_ip6_addr_state_name((enum capnet_ip6_addr_state)a->state),
			prov((enum capnet_provenance)a->provenance));
		fprintf(f, " preferred until %s,", until(a->preferred_until));
		fprintf(f, " valid until %s\n", until(a->valid_until));
	}
	for (size_t i = 0; i < s->n_routers && i < CAPNET_STATUS_IP6_ROUTERS; i++)
		fprintf(f, "  default via %s lladdr %s until %s (%s)\n", fmt_ip6(&s->routers[i].addr),
			mac(s->routers[i].mac), until(s->routers[i].expires),
			prov((enum capnet_provenance)s->routers[i].provenance));
	for (size_t i = 0; i < s->n_rdnss && i < CAPNET_STATUS_IP6_RDNSS; i++)
		fprintf(f, "  nameserver %s until %s (%s)\n", fmt_ip6(&s->rdnss[i]), until(s->rdnss_expires),
			prov(s->rdnss_provenance));
	fprintf(f, "\nneighbours (ipv6)\n");
	for (size_t i = 0; i < v->n_neigh6; i++) {
		const struct capnet_neigh_entry *n = &v->neigh6[i];
		fprintf(f, "  %-28s %s %-10s", fmt_ip6(&n->addr.u.v6), mac(n->mac),
			capnet_nd_state_name((enum capnet_nd_state)n->state));
		if (n->expires != CAPNET_INSTANT_NEVER)
			fprintf(f, " next %s s", fmt_time(n->expires));
		fprintf(f, "\n");
	}
	fprintf(f, "\ncounters (ipv6, non-zero)\n");
	int col = 0;
	for (int i = 0; i < CAPNET_STAT6__COUNT; i++) {
		if (s->counters.v[i] == 0)
			continue;
		fprintf(f, "  %-26s %8" PRIu64, capnet_stat6_name((enum capnet_stat6)i), s->counters.v[i]);
		if (++col == 3) {
			fprintf(f, "\n");
			col = 0;
		}
	}
	if (col != 0)
		fprintf(f, "\n");
}

/* An instant, or null for an infinite lifetime. */
static json_t *jtime(capnet_instant t)
{
	return t == CAPNET_INSTANT_NEVER ? json_null() : json_integer((json_int_t)t);
}

static json_t *json_ip6(const struct view *v)
{
	const struct capnet_status_ip6 *s = &v->ip6;
	json_t *o = json_object();
	json_object_set_new(o, "mtu", json_integer(s->link_mtu));
	json_t *addrs = json_array();
	for (size_t i = 0; i < s->n_addrs && i < CAPNET_STATUS_IP6_ADDRS; i++) {
		const struct capnet_ip6_addr_info *a = &s->addrs[i];
		json_array_append_new(
			addrs, json_pack("{s:s, s:i, s:s, s:s, s:o, s:o}", "addr", fmt_ip6(&a->addr), "prefix_len",
					 (int)a->prefix_len, "state",
					 capnet_ip6_addr_state_name((enum capnet_ip6_addr_state)a->state), "provenance",
					 prov((enum capnet_provenance)a->provenance), "preferred_until_us",
					 jtime(a->preferred_until), "valid_until_us", jtime(a->valid_until)));
	}
	json_object_set_new(o, "addresses", addrs);
	json_t *routers = json_array();
	for (size_t i = 0; i < s->n_routers && i < CAPNET_STATUS_IP6_ROUTERS; i++)
		json_array_append_new(routers, json_pack("{s:s, s:s, s:o, s:s}", "addr", fmt_ip6(&s->routers[i].addr),
							 "mac", mac(s->routers[i].mac), "expires_us",
							 jtime(s->routers[i].expires), "provenance",
							 prov((enum capnet_provenance)s->routers[i].provenance)));
	json_object_set_new(o, "routers", routers);
	json_t *dns = json_array();
	for (size_t i = 0; i < s->n_rdnss && i < CAPNET_STATUS_IP6_RDNSS; i++)
		json_array_append_new(dns, json_pack("{s:s, s:o, s:s}", "addr", fmt_ip6(&s->rdnss[i]), "expires_us",
						     jtime(s->rdnss_expires), "provenance",
						     prov(s->rdnss_provenance)));
	json_object_set_new(o, "nameservers", dns);
	json_t *neigh = json_array();
	for (size_t i = 0; i < v->n_neigh6; i++) {
		const struct capnet_neigh_entry *n = &v->neigh6[i];
		json_array_append_new(neigh, json_pack("{s:s, s:s, s:s, s:o}", "addr", fmt_ip6(&n->addr.u.v6), "mac",
						       mac(n->mac), "state",
						       capnet_nd_state_name((enum capnet_nd_state)n->state), "next_us",
						       jtime(n->expires)));
	}
	json_object_set_new(o, "neighbours", neigh);
	json_t *ctr = json_object();
	for (int i = 0; i < CAPNET_STAT6__COUNT; i++)
		if (s->counters.v[i] != 0)
			json_object_set_new(ctr, capnet_stat6_name((enum capnet_stat6)i),
					    json_integer((json_int_t)s->counters.v[i]));
	json_object_set_new(o, "counters", ctr);
	return o;
}

static void print_text(FILE *f, const struct status_opts *o, const struct status_result *res, const struct view *v)
{
	const struct capnet_status_link *l = &v->link;
	fprintf(f, "capnet status  (simulated, seed %" PRIu64 ", at %s s; viewed from cspace %u \"status\", holding one %s "
		   "cap, rights READ)\n\n",
		o->seed, fmt_time(res->at), res->status_cspace, capnet_cap_type_name(res->view.type));
	fprintf(f, "link\n  %s: <%s> mtu %u (%s) link/ether %s\n", l->name, l->up ? "UP" : "DOWN", l->mtu,
		capnet_mtu_source_name(l->mtu_source), mac(l->mac));
	if (l->ip4.addr != 0)
		fprintf(f, "    inet %s/%u (%s)\n", ip(l->ip4.addr), l->ip4.prefix_len, prov(l->ip4.provenance));
	else
		fprintf(f, "    no IPv4 address\n");
	if (l->ip4.gateway != 0)
		fprintf(f, "    gateway %s, neighbour %s %s\n", ip(l->ip4.gateway),
			l->gateway_known ? mac(l->gateway_neighbour.mac) : "-",
			l->gateway_known ? capnet_arp_state_name(l->gateway_neighbour.state) : "unresolved");
	const struct capnet_dhcp4_lease_info *d = &v->lease;
	fprintf(f, "\ndhcp\n  state %s", capnet_dhcp4_state_name(d->state));
	if (d->has_lease)
		fprintf(f, ", server %s, lease %u s: started %s s, T1 %s s, T2 %s s, expires %s s (%s s left)", ip(d->server),
			d->lease_secs, fmt_time(d->lease_start), fmt_time(d->t1), fmt_time(d->t2), fmt_time(d->expiry),
			fmt_time(d->remaining));
	fprintf(f, "\n\nresolver\n");
	const struct capnet_resolver_inputs *r = &v->res;
	for (int i = 0; i < r->n_servers; i++)
		fprintf(f, "  nameserver %s (%s)\n", ip(capnet_ipaddr_ip4(&r->servers[i])),
			prov(r->servers_provenance));
	if (r->domain[0] != '\0')
		fprintf(f, "  domain %s (%s)\n", r->domain, prov(r->domain_provenance));
	if (r->n_search > 0) {
		fprintf(f, "  search");
		for (int i = 0; i < r->n_search; i++)
			fprintf(f, " %s", r->search[i]);
		fprintf(f, " (%s)\n", prov(r->search_provenance));
	}
	if (r->n_servers == 0 && r->domain[0] == '\0' && r->n_search == 0)
		fprintf(f, "  none\n");
	fprintf(f, "\nroutes\n");
	for (size_t i = 0; i < v->n_routes; i++) {
		const struct capnet_ip4_route *rt = &v->routes[i];
		if (rt->prefix_len == 0)
			fprintf(f, "  default via %s (%s)\n", ip(rt->gateway), prov(rt->provenance));
		else if (rt->gateway != 0)
			fprintf(f, "  %s/%u via %s (%s)\n", ip(rt->dest), rt->prefix_len, ip(rt->gateway),
				prov(rt->provenance));
		else
			fprintf(f, "  %s/%u dev %s scope link (%s)\n", ip(rt->dest), rt->prefix_len, l->name,
				prov(rt->provenance));
	}
	fprintf(f, "\nneighbours\n");
	for (size_t i = 0; i < v->n_neigh; i++) {
		const struct capnet_arp_entry_info *n = &v->neigh[i];
		fprintf(f, "  %-15s %s %-10s", ip(n->ip), mac(n->mac), capnet_arp_state_name(n->state));
		if (n->state == CAPNET_ARP_REACHABLE)
			fprintf(f, " until %s s", fmt_time(n->expires));
		fprintf(f, "\n");
	}
	if (v->ip6.enabled)
		print_ip6(f, v);
	fprintf(f, "\nsockets\n  %-5s %-12s %-21s %-21s %-6s %-22s %-13s %s\n", "Proto", "State", "Local", "Peer",
		"Owner", "Authority", "Queue", "Parked");
	for (size_t i = 0; i < v->n_socks; i++) {
		const struct capnet_socket_entry *s = &v->socks[i];
		char lo[32], pe[32];
		endpoint(lo, sizeof lo, s->local_addr, s->local_port);
		endpoint(pe, sizeof pe, s->remote_addr, s->remote_port);
		char q[24], parked[64] = "-";
		snprintf(q, sizeof q, "%u/%u", s->queue_depth, s->queue_capacity);
		size_t pl = 0;
		for (int op = 0; op < CAPNET_PARK__COUNT; op++)
			if (s->parked_by_op[op] != 0 && pl < sizeof parked)
				pl += (size_t)snprintf(parked + pl, sizeof parked - pl, "%s%s x%u", pl ? ", " : "",
						       capnet_park_op_name((enum capnet_park_op)op), s->parked_by_op[op]);
		fprintf(f, "  %-5s %-12s %-21s %-21s %-6u %-22s %-13s %s%s\n", s->udp ? "udp" : "tcp",
			s->udp ? "-" : capnet_tcp_state_name(s->state), lo, pe, s->owner_cspace,
			capnet_cap_type_name(s->authority), q, parked, s->closing ? " (closing)" : "");
	}
	fprintf(f, "\ncounters (non-zero)\n");
	int col = 0;
	for (int i = 0; i < CAPNET_STAT__COUNT; i++) {
		if (v->counters.v[i] == 0)
			continue;
		fprintf(f, "%s%-26s %8" PRIu64, col == 0 ? "  " : "  ", capnet_stat_name((enum capnet_stat)i),
			v->counters.v[i]);
		if (++col == 3) {
			fprintf(f, "\n");
			col = 0;
		}
	}
	if (col != 0)
		fprintf(f, "\n");
	fprintf(f, "\naudit (rejected calls by cspace)\n");
	for (size_t i = 0; i < v->n_audit; i++) {
		const struct capnet_audit *a = &v->audit[i].a;
		fprintf(f, "  cspace %-3u total %" PRIu64, v->audit[i].id, a->total);
		for (int k = 0; k < CAPNET_AUDIT__COUNT; k++)
			if (a->rejected[k] != 0)
				fprintf(f, "  %s=%" PRIu64, capnet_audit_reason_name((enum capnet_audit_reason)k),
					a->rejected[k]);
		fprintf(f, "\n");
	}
	fprintf(f, "\nforged calls by the status cspace\n");
	for (int i = 0; i < STATUS_FORGED; i++)
		fprintf(f, "  %-58s %s%s\n", res->forged[i].call, capnet_errname(res->forged[i].got),
			res->forged[i].got == res->forged[i].want ? " (rejected)" : "  UNEXPECTED");
	fprintf(f, "\nread-only: fingerprint %016" PRIx64 " before and %016" PRIx64 " after every read; %" PRIu64
		   " frames sent during them\n",
		res->fp_before, res->fp_after, res->tx_after - res->tx_before);
}

static json_t *json_view(const struct status_opts *o, const struct status_result *res, const struct view *v)
{
	const struct capnet_status_link *l = &v->link;
	json_t *root = json_object();
	json_object_set_new(root, "seed", json_integer((json_int_t)o->seed));
	json_object_set_new(root, "at_us", json_integer((json_int_t)res->at));
	json_object_set_new(root, "viewer", json_pack("{s:i, s:s, s:s, s:i}", "cspace", (int)res->status_cspace, "cap",
						     capnet_cap_type_name(res->view.type), "rights", "READ", "caps_held",
						     (int)res->caps_held));
	json_t *link = json_pack("{s:s, s:b, s:s, s:i, s:s, s:i}", "name", l->name, "up", l->up, "mac", mac(l->mac),
				 "mtu", (int)l->mtu, "mtu_source", capnet_mtu_source_name(l->mtu_source), "link_mtu",
				 (int)l->link_mtu);
	if (l->ip4.addr != 0)
		json_object_set_new(link, "inet", json_pack("{s:s, s:i, s:s}", "addr", ip(l->ip4.addr), "prefix",
							   (int)l->ip4.prefix_len, "provenance",
							   prov(l->ip4.provenance)));
	if (l->ip4.gateway != 0)
		json_object_set_new(link, "gateway",
				    json_pack("{s:s, s:s, s:s}", "addr", ip(l->ip4.gateway), "mac",
					      l->gateway_known ? mac(l->gateway_neighbour.mac) : "",
					      "state",
					      l->gateway_known ? capnet_arp_state_name(l->gateway_neighbour.state)
							       : "unresolved"));
	json_object_set_new(root, "link", link);
	const struct capnet_dhcp4_lease_info *d = &v->lease;
	json_t *dh = json_pack("{s:s, s:b}", "state", capnet_dhcp4_state_name(d->state), "has_lease", d->has_lease);
	if (d->has_lease) {
		json_object_set_new(dh, "server", json_string(ip(d->server)));
		json_object_set_new(dh, "lease_secs", json_integer(d->lease_secs));
		json_object_set_new(dh, "start_us", json_integer((json_int_t)d->lease_start));
		json_object_set_new(dh, "t1_us", json_integer((json_int_t)d->t1));
		json_object_set_new(dh, "t2_us", json_integer((json_int_t)d->t2));
		json_object_set_new(dh, "expiry_us", json_integer((json_int_t)d->expiry));
		json_object_set_new(dh, "remaining_us", json_integer((json_int_t)d->remaining));
	}
	json_object_set_new(root, "dhcp", dh);
	const struct capnet_resolver_inputs *r = &v->res;
	json_t *ns = json_array(), *search = json_array();
	for (int i = 0; i < r->n_servers; i++)
		json_array_append_new(ns, json_string(ip(capnet_ipaddr_ip4(&r->servers[i]))));
	for (int i = 0; i < r->n_search; i++)
		json_array_append_new(search, json_string(r->search[i]));
	json_object_set_new(root, "resolver",
			    json_pack("{s:o, s:s, s:s, s:s, s:o, s:s}", "nameservers", ns, "nameservers_provenance",
				      prov(r->servers_provenance), "domain", r->domain, "domain_provenance",
				      prov(r->domain_provenance), "search", search, "search_provenance",
				      prov(r->search_provenance)));
	json_t *routes = json_array();
	for (size_t i = 0; i < v->n_routes; i++) {
		const struct capnet_ip4_route *rt = &v->routes[i];
		json_array_append_new(routes, json_pack("{s:s, s:i, s:s, s:s}", "dest", ip(rt->dest), "prefix",
							(int)rt->prefix_len, "gateway", rt->gateway ? ip(rt->gateway) : "",
							"provenance", prov(rt->provenance)));
	}
	json_object_set_new(root, "routes", routes);
	json_t *neigh = json_array();
	for (size_t i = 0; i < v->n_neigh; i++) {
		const struct capnet_arp_entry_info *n = &v->neigh[i];
		json_array_append_new(neigh, json_pack("{s:s, s:s, s:s, s:I}", "addr", ip(n->ip), "mac", mac(n->mac),
						       "state", capnet_arp_state_name(n->state), "expires_us",
						       (json_int_t)n->expires));
	}
	json_object_set_new(root, "neighbours", neigh);
	if (v->ip6.enabled)
		json_object_set_new(root, "ipv6", json_ip6(v));
	json_t *socks = json_array();
	for (size_t i = 0; i < v->n_socks; i++) {
		const struct capnet_socket_entry *s = &v->socks[i];
		json_array_append_new(
			socks, json_pack("{s:s, s:s, s:b, s:s, s:i, s:s, s:i, s:i, s:s, s:i, s:b}", "proto",
					 s->udp ? "udp" : "tcp", "state", s->udp ? "-" : capnet_tcp_state_name(s->state),
					 "listener", s->listener, "local_addr", ip(s->local_addr), "local_port",
					 (int)s->local_port, "remote_addr", ip(s->remote_addr), "remote_port",
					 (int)s->remote_port, "owner_cspace", (int)s->owner_cspace, "authority",
					 capnet_cap_type_name(s->authority), "parked", (int)s->parked, "closing",
					 s->closing));
		json_t *jo = json_array_get(socks, json_array_size(socks) - 1), *by = json_object();
		for (int op = 0; op < CAPNET_PARK__COUNT; op++)
			if (s->parked_by_op[op] != 0)
				json_object_set_new(by, capnet_park_op_name((enum capnet_park_op)op),
						    json_integer(s->parked_by_op[op]));
		json_object_set_new(jo, "parked_calls", by);
		json_object_set_new(jo, "queue", json_pack("{s:i, s:i}", "depth", (int)s->queue_depth, "capacity",
							     (int)s->queue_capacity));
	}
	json_object_set_new(root, "sockets", socks);
	json_t *ctr = json_object();
	for (int i = 0; i < CAPNET_STAT__COUNT; i++)
		if (v->counters.v[i] != 0)
			json_object_set_new(ctr, capnet_stat_name((enum capnet_stat)i),
					    json_integer((json_int_t)v->counters.v[i]));
	json_object_set_new(root, "counters", ctr);
	json_t *audit = json_array();
	for (size_t i = 0; i < v->n_audit; i++) {
		json_t *rej = json_object();
		for (int k = 0; k < CAPNET_AUDIT__COUNT; k++)
			json_object_set_new(rej, capnet_audit_reason_name((enum capnet_audit_reason)k),
					    json_integer((json_int_t)v->audit[i].a.rejected[k]));
		json_array_append_new(audit, json_pack("{s:i, s:I, s:o}", "cspace", (int)v->audit[i].id, "total",
						       (json_int_t)v->audit[i].a.total, "rejected", rej));
	}
	json_object_set_new(root, "audit", audit);
	json_t *forged = json_array();
	for (int i = 0; i < STATUS_FORGED; i++)
		json_array_append_new(forged, json_pack("{s:s, s:s, s:b}", "call", res->forged[i].call, "result",
							capnet_errname(res->forged[i].got), "rejected",
							res->forged[i].got == res->forged[i].want));
	json_object_set_new(root, "forged", forged);
	char fb[20], fa[20];
	snprintf(fb, sizeof fb, "%016" PRIx64, res->fp_before);
	snprintf(fa, sizeof fa, "%016" PRIx64, res->fp_after);
	json_object_set_new(root, "read_only", json_pack("{s:s, s:s, s:I, s:b}", "fingerprint_before", fb,
							"fingerprint_after", fa, "frames_sent",
							(json_int_t)(res->tx_after - res->tx_before), "held",
							res->fp_before == res->fp_after && res->tx_before == res->tx_after));
	json_object_set_new(root, "ok", json_boolean(status_result_ok(res)));
	return root;
}

/* ---- the tool ---- */

int status_tool_run(const struct status_opts *o, FILE *out, struct status_result *res)
{
	static struct world W;
	memset(&W, 0, sizeof W);
	memset(res, 0, sizeof *res);
	if (setup(&W, o) != 0) {
		teardown(&W);
		return 1;
	}
	res->ran = bring_up(&W);
	res->bound_at = W.bound_at;
	res->listen_at = W.listen_at;
	res->served_local = W.served_local;
	struct cap_host *H = &W.h;

	/* The operator's process: one cap, READ. */
	struct capnet_cspace *status;
	capnet_handle st0, st;
	capnet_cspace_create(H->sys, "status", &status);
	capnet_netmgr_mint_status(H->boot, H->nm, &st0);
	capnet_cap_grant(H->boot, st0, status, CAPNET_RIGHT_READ, NULL, &st);
	capnet_cap_close(H->boot, st0);
	res->status_cspace = capnet_cspace_id(status);
	capnet_cap_inspect(status, st, &res->view);
	struct capnet_cap_entry caps[64];
	size_t ncaps = capnet_capsys_caps(H->sys, caps, 64);
	for (size_t i = 0; i < ncaps && i < 64; i++)
		res->caps_held += caps[i].owner == res->status_cspace;

	res->at = now_of(&W);
	res->fp_before = capnet_net_fingerprint(H->net);
	res->tx_before = cap_host_tx_frames(H);
	static struct view v;
	read_view(status, st, res->at, &v);
	for (int i = 0; i < 4; i++) { /* and again: nothing a read does accumulates */
		static struct view again;
		read_view(status, st, res->at, &again);
	}
	res->fp_after = capnet_net_fingerprint(H->net);
	res->tx_after = cap_host_tx_frames(H);
	res->all_reads_ok = view_ok(&v);
	res->ip6 = v.ip6;
	res->link = v.link;
	res->lease = v.lease;
	res->resolver = v.res;
	res->routes = v.n_routes;
	res->neighbours = v.n_neigh;
	res->sockets = v.n_socks;
	for (size_t i = 0; i < v.n_socks && i < sizeof res->sock / sizeof res->sock[0]; i++)
		res->sock[i] = v.socks[i];

	/* What the status process cannot do. */
	capnet_handle x;
	capnet_handle guess = 0x5eed5eed5eed5eedull ^ o->seed;
	int k = 0;
#define FORGED(label, expr, want_)                                 \
	do {                                                       \
		res->forged[k].call = label;                       \
		res->forged[k].got = (expr);                       \
		res->forged[k].want = want_;                       \
		k++;                                               \
	} while (0)
	FORGED("listen on port 8080 with the status cap", capnet_tcpcap_listen(status, st, 8080, 1, &x),
	       CAPNET_E_WRONGTYPE);
	FORGED("bind a UDP socket on 5300 with the status cap", capnet_udpcap_bind(status, st, 5300, &x),
	       CAPNET_E_WRONGTYPE);
	FORGED("mint a listen authority with the status cap",
	       capnet_netmgr_mint_listen_authority(status, st, 1, 65535, &x), CAPNET_E_WRONGTYPE);
	FORGED("connect through a guessed handle",
	       capnet_tcpcap_connect(status, guess, ip_peer, 80, now_of(&W), &x), CAPNET_E_BADHANDLE);
	FORGED("set a static address with boot's handle, copied",
	       capnet_netmgr_set_static(status, H->nm, CAPNET_IP4(192, 0, 2, 66), 24, 0, now_of(&W)),
	       CAPNET_E_BADHANDLE);
	FORGED("copy its status cap (no GRANT)", capnet_cap_grant(status, st, status, CAPNET_RIGHT_READ, NULL, &x),
	       CAPNET_E_RIGHTS);
#undef FORGED
	capnet_cspace_audit(status, &res->audit);
	/* The audit lines printed are those read before the forged calls;
	 * read the status cspace's again so the table shows them. */
	for (size_t i = 0; i < v.n_audit; i++)
		if (v.audit[i].id == res->status_cspace)
			v.audit[i].a = res->audit;
	if (capnet_net_fingerprint(H->net) != res->fp_after || cap_host_tx_frames(H) != res->tx_after)
		res->fp_after ^= 1; /* a refused call changed something: make it visible */

	if (o->json) {
		json_t *j = json_view(o, res, &v);
		json_dumpf(j, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out);
		json_decref(j);
	} else {
		print_text(out, o, res, &v);
	}
	teardown(&W);
	return 0;
}

bool status_result_ok(const struct status_result *r)
{
	bool forged = true;
	for (int i = 0; i < STATUS_FORGED; i++)
		forged = forged && r->forged[i].call != NULL && r->forged[i].got == r->forged[i].want;
	return r->ran && r->all_reads_ok && forged && r->caps_held == 1 && r->fp_before == r->fp_after &&
	       r->tx_before == r->tx_after;
}
