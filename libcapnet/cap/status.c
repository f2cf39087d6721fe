/* NetworkStatus: the read-only operator view of one interface. Every call
 * needs READ on a NETWORK_STATUS cap and only copies state out; nothing
 * here calls a function that can send a frame, arm a timer or count. The
 * fingerprint below is how the tests prove that. */
#include <string.h>

#include "cap/capsys_internal.h"

static capnet_err st_check(struct capnet_cspace *cs, capnet_handle st, struct capnet_net **net)
{
	struct capnet_cap_info info;
	capnet_err e = capnet_cap_check(cs, st, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_READ, NULL, &info);
	if (e != CAPNET_OK)
		return e;
	*net = info.obj;
	return *net != NULL && (*net)->iface != NULL ? CAPNET_OK : CAPNET_E_NOTCONFIGURED;
}

/* The gate first, so a forged or too-weak call is refused (and audited)
 * whatever its other arguments; then the output pointer. */
static capnet_err st_check_out(struct capnet_cspace *cs, capnet_handle st, const void *out, struct capnet_net **net)
{
	capnet_err e = st_check(cs, st, net);
	if (e != CAPNET_OK)
		return e;
	return out != NULL ? CAPNET_OK : CAPNET_E_INVAL;
}

/* The same for a table copied out: somewhere to put the count, and room
 * for `max` rows unless max is 0 (then only the count is asked for). */
static capnet_err st_check_table(struct capnet_cspace *cs, capnet_handle st, const void *out, size_t max,
				 const size_t *count, struct capnet_net **net)
{
	capnet_err e = st_check(cs, st, net);
	if (e != CAPNET_OK)
		return e;
	return count == NULL || (out == NULL && max != 0) ? CAPNET_E_INVAL : CAPNET_OK;
}

/* Neighbour tables are copied in one bounded chunk on the stack. */
#define NEIGH_CHUNK 64

static bool find_neighbour(const struct capnet_iface *ifc, capnet_ip4addr ip, struct capnet_arp_entry_info *out)
{
	struct capnet_arp_entry_info e[NEIGH_CHUNK];
	size_t n = capnet_arp_entries(ifc, e, NEIGH_CHUNK);
	for (size_t i = 0; i < n && i < NEIGH_CHUNK; i++) {
		if (e[i].ip == ip) {
			*out = e[i];
			return true;
		}
	}
	if (n <= NEIGH_CHUNK)
		return false;
	/* A cache larger than the chunk: what lookup can tell, without timers. */
	struct capnet_mac mac;
	capnet_err r = capnet_arp_lookup(ifc, ip, &mac);
	if (r == CAPNET_E_NOTFOUND)
		return false;
	memset(out, 0, sizeof *out);
	out->ip = ip;
	out->mac = r == CAPNET_OK ? mac : (struct capnet_mac){{0}};
	out->state = r == CAPNET_OK ? CAPNET_ARP_REACHABLE : r == CAPNET_E_AGAIN ? CAPNET_ARP_INCOMPLETE : CAPNET_ARP_FAILED;
	return true;
}

capnet_err capnet_status_link(struct capnet_cspace *cs, capnet_handle st, struct capnet_status_link *out)
{
	struct capnet_net *net;
	capnet_err e = st_check_out(cs, st, out, &net);
	if (e != CAPNET_OK)
		return e;
	memset(out, 0, sizeof *out);
	out->name = net->name != NULL ? net->name : "";
	out->up = net->nic == NULL || net->nic->ops->link_up == NULL || net->nic->ops->link_up(net->nic->dev);
	out->mac = capnet_iface_mac(net->iface);
	out->mtu = capnet_iface_mtu(net->iface);
	out->mtu_source = capnet_iface_mtu_source(net->iface);
	out->link_mtu = capnet_iface_link_mtu(net->iface);
	capnet_iface_get_ip4(net->iface, &out->ip4);
	if (out->ip4.gateway != 0)
		out->gateway_known = find_neighbour(net->iface, out->ip4.gateway, &out->gateway_neighbour);
	return CAPNET_OK;
}

capnet_err capnet_status_routes(struct capnet_cspace *cs, capnet_handle st, struct capnet_ip4_route *out, size_t max,
				size_t *count)
{
	struct capnet_net *net;
	capnet_err e = st_check_table(cs, st, out, max, count, &net);
	if (e == CAPNET_OK)
		*count = capnet_iface_routes(net->iface, out, max);
	return e;
}

capnet_err capnet_status_neighbours(struct capnet_cspace *cs, capnet_handle st, struct capnet_arp_entry_info *out,
				    size_t max, size_t *count)
{
	struct capnet_net *net;
	capnet_err e = st_check_table(cs, st, out, max, count, &net);
	if (e == CAPNET_OK)
		*count = capnet_arp_entries(net->iface, out, max);
	return e;
}

capnet_err capnet_status_counters(struct capnet_cspace *cs, capnet_handle st, struct capnet_stats *out)
{
	struct capnet_net *net;
	capnet_err e = st_check_out(cs, st, out, &net);
	if (e != CAPNET_OK)
		return e;
	*out = *capnet_iface_stats(net->iface);
	return CAPNET_OK;
}

capnet_err capnet_status_audit(struct capnet_cspace *cs, capnet_handle st, uint32_t cspace_id,
			       struct capnet_audit *out)
{
	struct capnet_net *net;
	capnet_err e = st_check_out(cs, st, out, &net);
	if (e != CAPNET_OK)
		return e;
	const struct capnet_cspace *target = capnet_capsys_cspace(net->sys, cspace_id);
	if (target == NULL)
		return CAPNET_E_NOTFOUND;
	capnet_cspace_audit(target, out);
	return CAPNET_OK;
}

capnet_err capnet_status_resolver(struct capnet_cspace *cs, capnet_handle st, struct capnet_resolver_inputs *out)
{
	struct capnet_net *net;
	capnet_err e = st_check_out(cs, st, out, &net);
	if (e != CAPNET_OK)
		return e;
	if (net->ip4cfg == NULL) {
		memset(out, 0, sizeof *out);
		return CAPNET_OK;
	}
	*out = *capnet_ip4cfg_resolver(net->ip4cfg);
	return CAPNET_OK;
}

capnet_err capnet_status_ip6(struct capnet_cspace *cs, capnet_handle st, struct capnet_status_ip6 *out)
{
	struct capnet_net *net;
	capnet_err e = st_check_out(cs, st, out, &net);
	if (e != CAPNET_OK)
		return e;
	memset(out, 0, sizeof *out);
	if (!capnet_ip6_enabled(net->iface))
		return CAPNET_OK;
	out->enabled = true;
	out->link_mtu = capnet_ip6_link_mtu(net->iface);
	out->n_addrs = capnet_ip6_addrs(net->iface, out->addrs, CAPNET_STATUS_IP6_ADDRS);
	out->n_routers = capnet_ip6_routers(net->iface, out->routers, CAPNET_STATUS_IP6_ROUTERS);
	out->n_rdnss = capnet_ip6_rdnss(net->iface, out->rdnss, CAPNET_STATUS_IP6_RDNSS, &out->rdnss_expires);
	out->rdnss_provenance = out->n_rdnss ? CAPNET_PROV_RA : CAPNET_PROV_NONE;
	out->counters = *capnet_ip6_stats(net->iface);
	return CAPNET_OK;
}

capnet_err capnet_status_neighbours6(struct capnet_cspace *cs, capnet_handle st, struct capnet_neigh_entry *out,
				     size_t max, size_t *count)
{
	struct capnet_net *net;
	capnet_err e = st_check_table(cs, st, out, max, count, &net);
	if (e == CAPNET_OK)
		*count = capnet_neigh_entries(net->iface, CAPNET_AF_INET6, out, max);
	return e;
}

capnet_err capnet_status_dhcp4(struct capnet_cspace *cs, capnet_handle st, capnet_instant now,
			       struct capnet_dhcp4_lease_info *out)
{
	struct capnet_net *net;
	capnet_err e = st_check_out(cs, st, out, &net);
	if (e != CAPNET_OK)
		return e;
	if (net->dhcp4 == NULL)
		return CAPNET_E_NOTCONFIGURED;
	capnet_dhcp4_client_lease(net->dhcp4, now, out);
	return CAPNET_OK;
}

/* ---- the fingerprint: FNV-1a over every field, serialised explicitly so
 * struct padding never enters the hash ---- */

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv_bytes(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (uint8_t)(v >> (8 * i));
		h *= FNV_PRIME;
	}
	return h;
}

/* An IPv4 address hashes as it always has (its host-order value). */
static uint64_t fnv_addr(uint64_t h, const struct capnet_ipaddr *a)
{
	if (a->af == CAPNET_AF_INET6)
		return fnv_bytes(h, a->u.v6.b, 16);
	return fnv_u64(h, capnet_ipaddr_ip4(a));
}

/* Every TCP socket's whole state as capnet_tcp_info shows it: sequence
 * space, windows, queues, timers, RTT, congestion state and counters. */
static uint64_t fp_tcp(uint64_t h, const struct capnet_tcp *tcp)
{
	struct capnet_tcp_layer_info li;
	capnet_tcp_layer_info(tcp, &li);
	h = fnv_u64(h, li.sockets_in_use);
	h = fnv_u64(h, li.listeners);
	h = fnv_u64(h, li.time_wait);
	h = fnv_u64(h, li.pool_in_use);
	for (const struct capnet_tcp_sock *k = capnet_tcp_next(tcp, NULL); k != NULL; k = capnet_tcp_next(tcp, k)) {
		struct capnet_tcp_info i;
		if (capnet_tcp_info(k, &i) != CAPNET_OK)
			continue;
		const uint64_t v[] = {(uint64_t)i.state, i.local.addr.u.v4, i.local.port, i.remote.addr.u.v4,
				      i.remote.port, i.sndq_bytes, i.rcvq_bytes, i.ooo_bytes, i.iss, i.snd_una,
				      i.snd_nxt, i.snd_wnd, i.irs, i.rcv_nxt, i.rcv_wnd, i.mss,
				      (uint64_t)i.srtt, (uint64_t)i.rttvar, (uint64_t)i.rto, i.cwnd, i.ssthresh,
				      i.bytes_sent, i.bytes_acked, i.bytes_received, i.segs_out, i.segs_in,
				      i.retransmits, i.backoff, i.keepalive_probes_sent, (uint64_t)i.error,
				      i.accept_queue, i.syn_queue, (uint64_t)i.next_deadline, i.opts.keepalive,
				      (uint64_t)i.opts.keepalive_idle, (uint64_t)i.opts.user_timeout};
		for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
			h = fnv_u64(h, v[j]);
	}
	return h;
}

/* Routes are at most 255 (max_routes is a uint8_t); all are hashed. A
 * neighbour cache larger than FP_NEIGH is hashed up to FP_NEIGH entries and
 * by its count. */
#define FP_ROUTES 255
#define FP_NEIGH 128

uint64_t capnet_net_fingerprint(const struct capnet_net *net)
{
	uint64_t h = FNV_OFFSET;
	if (net == NULL || net->iface == NULL)
		return h;
	const struct capnet_iface *ifc = net->iface;
	struct capnet_mac mac = capnet_iface_mac(ifc);
	h = fnv_bytes(h, mac.b, sizeof mac.b);
	h = fnv_u64(h, capnet_iface_mtu(ifc));
	h = fnv_u64(h, capnet_iface_mtu_source(ifc));
	struct capnet_ip4_config c;
	capnet_iface_get_ip4(ifc, &c);
	h = fnv_u64(h, c.addr);
	h = fnv_u64(h, c.prefix_len);
	h = fnv_u64(h, c.gateway);
	h = fnv_u64(h, (uint64_t)c.provenance);
	union {
		struct capnet_ip4_route r[FP_ROUTES];
		struct capnet_arp_entry_info a[FP_NEIGH];
	} buf;
	size_t n = capnet_iface_routes(ifc, buf.r, FP_ROUTES);
	h = fnv_u64(h, n);
	for (size_t i = 0; i < n && i < FP_ROUTES; i++) {
		h = fnv_u64(h, buf.r[i].dest);
		h = fnv_u64(h, buf.r[i].prefix_len);
		h = fnv_u64(h, buf.r[i].gateway);
		h = fnv_u64(h, (uint64_t)buf.r[i].provenance);
	}
	n = capnet_arp_entries(ifc, buf.a, FP_NEIGH);
	h = fnv_u64(h, n);
	for (size_t i = 0; i < n && i < FP_NEIGH; i++) {
		const struct capnet_arp_entry_info *e = &buf.a[i];
		h = fnv_u64(h, e->ip);
		h = fnv_bytes(h, e->mac.b, sizeof e->mac.b);
		h = fnv_u64(h, (uint64_t)e->state);
		h = fnv_u64(h, (uint64_t)e->expires);
		h = fnv_u64(h, e->requests);
		h = fnv_u64(h, e->pending);
	}
	const struct capnet_stats *st = capnet_iface_stats(ifc);
	for (int i = 0; i < CAPNET_STAT__COUNT; i++)
		h = fnv_u64(h, st->v[i]);
	/* IPv6, when on (off, the hash is what it always was): addresses,
	 * neighbours, routers and counters. */
	if (capnet_ip6_enabled(ifc)) {
		struct capnet_ip6_addr_info a[CAPNET_STATUS_IP6_ADDRS];
		size_t na = capnet_ip6_addrs(ifc, a, CAPNET_STATUS_IP6_ADDRS);
		for (size_t i = 0; i < na && i < CAPNET_STATUS_IP6_ADDRS; i++) {
			h = fnv_bytes(h, a[i].addr.b, 16);
			h = fnv_u64(h, (uint64_t)a[i].state << 16 | (uint64_t)a[i].provenance << 8 | a[i].prefix_len);
			h = fnv_u64(fnv_u64(h, (uint64_t)a[i].preferred_until), (uint64_t)a[i].valid_until);
		}
		struct capnet_neigh_entry ne[16];
		size_t nn = capnet_neigh_entries(ifc, CAPNET_AF_INET6, ne, 16);
		for (size_t i = 0; i < nn && i < 16; i++) {
			h = fnv_bytes(h, ne[i].addr.u.v6.b, 16);
			h = fnv_u64(h, ne[i].state);
			h = fnv_u64(h, (uint64_t)ne[i].expires);
		}
		struct capnet_ip6_router_info r[CAPNET_STATUS_IP6_ROUTERS];
		size_t nr = capnet_ip6_routers(ifc, r, CAPNET_STATUS_IP6_ROUTERS);
		for (size_t i = 0; i < nr && i < CAPNET_STATUS_IP6_ROUTERS; i++)
			h = fnv_u64(fnv_bytes(h, r[i].addr.b, 16), (uint64_t)r[i].expires);
		const struct capnet_stats6 *s6 = capnet_ip6_stats(ifc);
		for (int i = 0; i < CAPNET_STAT6__COUNT; i++)
			h = fnv_u64(h, s6->v[i]);
	}
	if (net->tcp != NULL)
		h = fp_tcp(h, net->tcp);
	if (net->udp != NULL) {
		h = fnv_u64(h, capnet_udp_sockets_open(net->udp));
		h = fnv_u64(h, capnet_udp_buffers_in_use(net->udp));
	}
	if (net->socks != NULL) {
		struct capnet_sockets_stats ss;
		capnet_sockets_stats(net->socks, &ss);
		h = fnv_u64(h, ss.sockets_in_use);
		h = fnv_u64(h, ss.parked);
		for (int i = 0; i < CAPNET_OUTCOME__COUNT; i++)
			h = fnv_u64(h, ss.completed[i]);
	}
	/* The resolver inputs and the DHCP client's state and timers. */
	if (net->ip4cfg != NULL) {
		const struct capnet_resolver_inputs *r = capnet_ip4cfg_resolver(net->ip4cfg);
		h = fnv_u64(h, r->n_servers);
		for (int i = 0; i < r->n_servers && i < CAPNET_RESOLVER_MAX_SERVERS; i++)
			h = fnv_addr(h, &r->servers[i]);
		h = fnv_u64(h, (uint64_t)r->servers_provenance);
		h = fnv_bytes(h, (const uint8_t *)r->domain, strlen(r->domain));
		h = fnv_u64(h, (uint64_t)r->domain_provenance);
		h = fnv_u64(h, r->n_search);
		for (int i = 0; i < r->n_search && i < CAPNET_RESOLVER_MAX_SEARCH; i++)
			h = fnv_bytes(h, (const uint8_t *)r->search[i], strlen(r->search[i]) + 1);
		h = fnv_u64(h, (uint64_t)r->search_provenance);
	}
	if (net->dhcp4 != NULL) {
		struct capnet_dhcp4_lease_info li;
		capnet_dhcp4_client_lease(net->dhcp4, 0, &li);
		const uint64_t v[] = {(uint64_t)li.state, li.addr,	   li.prefix_len, li.server,
				      li.gateway,	  li.lease_secs,   (uint64_t)li.lease_start,
				      (uint64_t)li.t1,	  (uint64_t)li.t2, (uint64_t)li.expiry,
				      (uint64_t)li.next_event, li.xid};
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
			h = fnv_u64(h, v[i]);
	}
	/* The cap tables too: a read creates, closes and revokes nothing. (The
	 * audit is left out: a refused read is counted there by design.) */
	if (net->sys != NULL) {
		struct capnet_capsys_stats s;
		capnet_capsys_stats(net->sys, &s);
		h = fnv_u64(h, s.cspaces_live);
		h = fnv_u64(h, s.caps_in_use);
		h = fnv_u64(h, s.slots_in_use);
		h = fnv_u64(h, s.slots_revoked);
		h = fnv_u64(h, s.revoked);
		h = fnv_u64(h, s.nomem);
	}
	return h;
}
