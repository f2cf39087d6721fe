/* IPv6 on an interface (RFC 8200, RFC 4291): its state, addresses and
 * source selection, ingress (filtering, the extension-header walk,
 * dispatch) and egress (on-link or default router, NDP resolution). */
#include <string.h>

#include "capnet/config.h"
#include "capnet/resolver.h"
#include "ip6_internal.h"

static const char *const stat6_names[] = {
#define CAPNET_STAT6_NAME(name) #name,
	CAPNET_STAT6_LIST(CAPNET_STAT6_NAME)
#undef CAPNET_STAT6_NAME
};

const char *capnet_stat6_name(enum capnet_stat6 s)
{
	return (unsigned)s < CAPNET_STAT6__COUNT ? stat6_names[s] : NULL;
}

void capnet_ip6_count(struct capnet_iface *ifc, enum capnet_stat6 s)
{
	if (ifc->ip6 && (unsigned)s < CAPNET_STAT6__COUNT)
		ifc->ip6->stats.v[s]++;
}

static const char *const addr_state_names[] = {"free", "tentative", "preferred", "deprecated", "duplicate"};

const char *capnet_ip6_addr_state_name(enum capnet_ip6_addr_state s)
{
	return (unsigned)s < sizeof addr_state_names / sizeof addr_state_names[0] ? addr_state_names[s] : "?";
}

void capnet_ip6_config_defaults(struct capnet_ip6_iface_config *cfg)
{
	if (cfg->max_addrs == 0)
		cfg->max_addrs = CAPNET_DEFAULT_IP6_MAX_ADDRS;
	if (cfg->neigh_entries == 0)
		cfg->neigh_entries = CAPNET_DEFAULT_IP6_NEIGH_ENTRIES;
	if (cfg->max_routers == 0)
		cfg->max_routers = CAPNET_DEFAULT_IP6_MAX_ROUTERS;
	if (cfg->dad_transmits == 0)
		cfg->dad_transmits = CAPNET_DEFAULT_IP6_DAD_TRANSMITS;
	if (cfg->hop_limit == 0)
		cfg->hop_limit = CAPNET_DEFAULT_IP_TTL;
}

size_t capnet_ip6_arena_need(const struct capnet_ip6_iface_config *in)
{
	if (!in->enable)
		return 0;
	struct capnet_ip6_iface_config cfg = *in;
	capnet_ip6_config_defaults(&cfg);
	size_t al = _Alignof(max_align_t);
	return sizeof(struct capnet_ip6) + al + sizeof(struct ip6_addr_slot) * cfg.max_addrs + al +
	       sizeof(struct nd_entry) * cfg.neigh_entries + al + sizeof(struct ip6_router) * cfg.max_routers + al;
}

static capnet_instant ip6_timer(void *ctx, struct capnet_iface *ifc, capnet_instant now)
{
	(void)ctx;
	struct capnet_ip6 *ip6 = ifc->ip6;
	if (!ip6->started)
		slaac_start(ifc, now);
	ip6_pmtu_poll(ip6, now);
	return slaac_poll(ifc, now);
}

capnet_duration ip6_random_reachable(struct capnet_iface *ifc)
{
	/* RFC 4861 6.3.2: uniform in [0.5, 1.5] x BaseReachableTime, so
	 * neighbours' probes do not synchronise. */
	capnet_duration base = ifc->ip6->base_reachable;
	return base / 2 + (capnet_duration)(capnet_rng_u32(&ifc->rng) % (uint32_t)(base / 1000 + 1)) * 1000;
}

capnet_err capnet_ip6_create(struct capnet_arena *arena, struct capnet_iface *ifc)
{
	if (!ifc->cfg.ip6.enable)
		return CAPNET_OK;
	struct capnet_ip6 *ip6 = capnet_arena_alloc(arena, sizeof *ip6, _Alignof(max_align_t));
	if (ip6 == NULL)
		return CAPNET_E_NOMEM;
	memset(ip6, 0, sizeof *ip6);
	ip6->cfg = ifc->cfg.ip6;
	capnet_ip6_config_defaults(&ip6->cfg);
	ip6->addrs = capnet_arena_alloc(arena, sizeof(struct ip6_addr_slot) * ip6->cfg.max_addrs, _Alignof(max_align_t));
	ip6->nd = capnet_arena_alloc(arena, sizeof(struct nd_entry) * ip6->cfg.neigh_entries, _Alignof(max_align_t));
	ip6->routers = capnet_arena_alloc(arena, sizeof(struct ip6_router) * ip6->cfg.max_routers, _Alignof(max_align_t));
	if (!ip6->addrs || !ip6->nd || !ip6->routers)
		return CAPNET_E_NOMEM;
	memset(ip6->addrs, 0, sizeof(struct ip6_addr_slot) * ip6->cfg.max_addrs);
	memset(ip6->nd, 0, sizeof(struct nd_entry) * ip6->cfg.neigh_entries);
	memset(ip6->routers, 0, sizeof(struct ip6_router) * ip6->cfg.max_routers);
	ip6->link_mtu = ifc->nic->mtu;
	ip6->hop_limit = ip6->cfg.hop_limit;
	ip6->retrans = ND_RETRANS_TIMER;
	ip6->base_reachable = ND_REACHABLE_TIME;
	ip6->icmp_tokens = 8;
	ifc->ip6 = ip6;
	ip6->reachable = ip6_random_reachable(ifc);
	if (ip6->cfg.stable_iid)
		for (int i = 0; i < 16; i += 4) {
			uint32_t r = capnet_rng_u32(&ifc->rng);
			memcpy(ip6->secret + i, &r, 4);
		}
	ifc->neigh[IFACE_NEIGH_INET6] = &capnet_nd_neigh_ops;
	ip6->timer.poll = ip6_timer;
	ip6->timer.ctx = ip6;
	capnet_iface_add_timer(ifc, &ip6->timer);
	return CAPNET_OK;
}

bool capnet_ip6_enabled(const struct capnet_iface *ifc)
{
	return ifc->ip6 != NULL;
}

const struct capnet_stats6 *capnet_ip6_stats(const struct capnet_iface *ifc)
{
	return ifc->ip6 ? &ifc->ip6->stats : NULL;
}

/* ---- addresses ---- */

struct ip6_addr_slot *ip6_addr_find(struct capnet_ip6 *ip6, const struct capnet_ip6addr *a)
{
	for (uint8_t i = 0; i < ip6->cfg.max_addrs; i++)
		if (ip6->addrs[i].i.state != CAPNET_IP6_ADDR_FREE && capnet_ip6_eq(&ip6->addrs[i].i.addr, a))
			return &ip6->addrs[i];
	return NULL;
}

void ip6_prefix_update(struct capnet_ip6 *ip6, const struct capnet_ip6addr *p, uint8_t len, capnet_instant until)
{
	struct ip6_prefix *free_slot = NULL;
	for (int i = 0; i < IP6_PREFIXES_MAX; i++) {
		struct ip6_prefix *x = &ip6->prefixes[i];
		if (x->in_use && x->len == len && capnet_ip6_prefix_eq(&x->prefix, p, len)) {
			x->valid_until = until;
			if (until <= 0)
				x->in_use = false;
			return;
		}
		if (!x->in_use && !free_slot)
			free_slot = x;
	}
	if (free_slot && until > 0) {
		memset(free_slot, 0, sizeof *free_slot);
		for (uint8_t b = 0; b < len / 8u + (len % 8u ? 1u : 0u) && b < 16; b++)
			free_slot->prefix.b[b] = p->b[b];
		free_slot->len = len;
		free_slot->in_use = true;
		free_slot->valid_until = until;
	}
}

capnet_err capnet_ip6_addr_add(struct capnet_iface *ifc, const struct capnet_ip6addr *a, uint8_t prefix_len,
			       uint8_t provenance, capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	if (ip6 == NULL)
		return CAPNET_E_NOTCONFIGURED;
	if (prefix_len > 128 || capnet_ip6_is_multicast(a) || capnet_ip6_is_unspecified(a) ||
	    capnet_ip6_is_loopback(a))
		return CAPNET_E_INVAL;
	if (ip6_addr_find(ip6, a))
		return CAPNET_E_EXISTS;
	for (uint8_t i = 0; i < ip6->cfg.max_addrs; i++) {
		struct ip6_addr_slot *s = &ip6->addrs[i];
		if (s->i.state != CAPNET_IP6_ADDR_FREE)
			continue;
		memset(s, 0, sizeof *s);
		s->i.addr = *a;
		s->i.prefix_len = prefix_len;
		s->i.provenance = provenance;
		s->i.preferred_until = CAPNET_INSTANT_NEVER;
		s->i.valid_until = CAPNET_INSTANT_NEVER;
		/* A configured address names its on-link prefix, as an IPv4
		 * connected route does; SLAAC's do not (RFC 5942). */
		if (provenance != CAPNET_PROV_SLAAC && prefix_len < 128 && !capnet_ip6_is_link_local(a))
			ip6_prefix_update(ip6, a, prefix_len, CAPNET_INSTANT_NEVER);
		slaac_dad_start(ifc, s, now, false);
		return CAPNET_OK;
	}
	return CAPNET_E_NOMEM;
}

capnet_err capnet_ip6_addr_del(struct capnet_iface *ifc, const struct capnet_ip6addr *a)
{
	if (ifc->ip6 == NULL)
		return CAPNET_E_NOTCONFIGURED;
	struct ip6_addr_slot *s = ip6_addr_find(ifc->ip6, a);
	if (s == NULL)
		return CAPNET_E_NOTFOUND;
	memset(s, 0, sizeof *s);
	return CAPNET_OK;
}

void capnet_ip6_addr_flush(struct capnet_iface *ifc, uint8_t provenance)
{
	if (ifc->ip6 == NULL)
		return;
	for (uint8_t i = 0; i < ifc->ip6->cfg.max_addrs; i++)
		if (ifc->ip6->addrs[i].i.state != CAPNET_IP6_ADDR_FREE && ifc->ip6->addrs[i].i.provenance == provenance)
			memset(&ifc->ip6->addrs[i], 0, sizeof ifc->ip6->addrs[i]);
}

size_t capnet_ip6_addrs(const struct capnet_iface *ifc, struct capnet_ip6_addr_info *out, size_t max)
{
	size_t n = 0;
	if (ifc->ip6 == NULL)
		return 0;
	for (uint8_t i = 0; i < ifc->ip6->cfg.max_addrs; i++) {
		if (ifc->ip6->addrs[i].i.state == CAPNET_IP6_ADDR_FREE)
			continue;
		if (n < max)
			out[n] = ifc->ip6->addrs[i].i;
		n++;
	}
	return n;
}

bool capnet_ip6_link_local(const struct capnet_iface *ifc, struct capnet_ip6addr *out)
{
	if (ifc->ip6 == NULL)
		return false;
	for (uint8_t i = 0; i < ifc->ip6->cfg.max_addrs; i++) {
		const struct ip6_addr_slot *s = &ifc->ip6->addrs[i];
		if (s->i.state != CAPNET_IP6_ADDR_FREE && capnet_ip6_is_link_local(&s->i.addr)) {
			*out = s->i.addr;
			return true;
		}
	}
	return false;
}

static bool usable(const struct ip6_addr_slot *s)
{
	return s->i.state == CAPNET_IP6_ADDR_PREFERRED || s->i.state == CAPNET_IP6_ADDR_DEPRECATED;
}

bool capnet_ip6_is_local(const struct capnet_iface *ifc, const struct capnet_ip6addr *a)
{
	if (ifc->ip6 == NULL)
		return false;
	const struct ip6_addr_slot *s = ip6_addr_find(ifc->ip6, a);
	return s && usable(s);
}

static unsigned common_prefix(const struct capnet_ip6addr *a, const struct capnet_ip6addr *b)
{
	unsigned n = 0;
	while (n < 128 && capnet_ip6_prefix_eq(a, b, (uint8_t)(n + 1)))
		n++;
	return n;
}

bool capnet_ip6_select_source(const struct capnet_iface *ifc, const struct capnet_ip6addr *dst,
			      struct capnet_ip6addr *out)
{
	if (ifc->ip6 == NULL)
		return false;
	/* RFC 6724 5, the rules that apply to one interface: same address,
	 * appropriate scope (2), avoid deprecated (3), longest prefix (8). */
	bool dst_ll = capnet_ip6_is_link_local(dst) || (capnet_ip6_is_multicast(dst) && (dst->b[1] & 0x0f) <= 2);
	const struct ip6_addr_slot *best = NULL;
	int best_score = -1;
	for (uint8_t i = 0; i < ifc->ip6->cfg.max_addrs; i++) {
		const struct ip6_addr_slot *s = &ifc->ip6->addrs[i];
		if (!usable(s))
			continue;
		if (capnet_ip6_eq(&s->i.addr, dst)) {
			*out = s->i.addr;
			return true;
		}
		bool ll = capnet_ip6_is_link_local(&s->i.addr);
		int score = (ll == dst_ll ? 1000 : 0) + (s->i.state == CAPNET_IP6_ADDR_PREFERRED ? 500 : 0) +
			    (int)common_prefix(&s->i.addr, dst);
		if (score > best_score) {
			best_score = score;
			best = s;
		}
	}
	if (best == NULL)
		return false;
	*out = best->i.addr;
	return true;
}

bool ip6_on_link(const struct capnet_ip6 *ip6, const struct capnet_ip6addr *a)
{
	if (capnet_ip6_is_link_local(a))
		return true;
	for (int i = 0; i < IP6_PREFIXES_MAX; i++)
		if (ip6->prefixes[i].in_use && capnet_ip6_prefix_eq(&ip6->prefixes[i].prefix, a, ip6->prefixes[i].len))
			return true;
	return false;
}

size_t capnet_ip6_routers(const struct capnet_iface *ifc, struct capnet_ip6_router_info *out, size_t max)
{
	size_t n = 0;
	if (ifc->ip6 == NULL)
		return 0;
	for (uint8_t i = 0; i < ifc->ip6->cfg.max_routers; i++) {
		const struct ip6_router *r = &ifc->ip6->routers[i];
		if (!r->in_use)
			continue;
		if (n < max) {
			out[n].addr = r->addr;
			out[n].expires = r->expires;
			out[n].provenance = r->is_static ? CAPNET_PROV_STATIC : CAPNET_PROV_RA;
			struct capnet_ipaddr a = {.af = CAPNET_AF_INET6};
			a.u.v6 = r->addr;
			memset(&out[n].mac, 0, sizeof out[n].mac);
			capnet_nd_neigh_ops.lookup(ifc, &a, &out[n].mac);
		}
		n++;
	}
	return n;
}

capnet_err capnet_ip6_set_static_router(struct capnet_iface *ifc, const struct capnet_ip6addr *gateway)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	if (ip6 == NULL)
		return CAPNET_E_NOTCONFIGURED;
	for (uint8_t i = 0; i < ip6->cfg.max_routers; i++)
		if (ip6->routers[i].in_use && ip6->routers[i].is_static)
			ip6->routers[i].in_use = false;
	if (gateway == NULL || capnet_ip6_is_unspecified(gateway))
		return CAPNET_OK;
	if (capnet_ip6_is_multicast(gateway))
		return CAPNET_E_INVAL;
	for (uint8_t i = 0; i < ip6->cfg.max_routers; i++) {
		struct ip6_router *r = &ip6->routers[i];
		if (r->in_use && !capnet_ip6_eq(&r->addr, gateway))
			continue;
		r->in_use = true;
		r->is_static = true;
		r->addr = *gateway;
		r->expires = CAPNET_INSTANT_NEVER;
		return CAPNET_OK;
	}
	return CAPNET_E_NOMEM;
}

uint16_t capnet_ip6_link_mtu(const struct capnet_iface *ifc)
{
	return ifc->ip6 ? ifc->ip6->link_mtu : 0;
}

size_t capnet_ip6_rdnss(const struct capnet_iface *ifc, struct capnet_ip6addr *out, size_t max,
			capnet_instant *expires)
{
	if (ifc->ip6 == NULL)
		return 0;
	size_t n = ifc->ip6->nrdnss;
	for (size_t i = 0; i < n && i < max; i++)
		out[i] = ifc->ip6->rdnss[i];
	if (expires)
		*expires = ifc->ip6->rdnss_expires;
	return n;
}

void capnet_ip6_resolver(const struct capnet_iface *ifc, struct capnet_resolver_inputs *out)
{
	memset(out, 0, sizeof *out);
	if (ifc->ip6 == NULL)
		return;
	for (uint8_t i = 0; i < ifc->ip6->nrdnss && out->n_servers < CAPNET_RESOLVER_MAX_SERVERS; i++) {
		struct capnet_ipaddr a = {.af = CAPNET_AF_INET6};
		a.u.v6 = ifc->ip6->rdnss[i];
		out->servers[out->n_servers++] = a;
	}
	out->servers_provenance = out->n_servers ? CAPNET_PROV_RA : CAPNET_PROV_NONE;
}

/* ---- ingress ---- */

bool capnet_ip6_mac_wanted(const struct capnet_iface *ifc, struct capnet_mac m)
{
	if (ifc->ip6 == NULL || m.b[0] != 0x33 || m.b[1] != 0x33)
		return false;
	struct capnet_mac all = capnet_ip6_multicast_mac(&capnet_ip6_all_nodes);
	if (capnet_mac_eq(m, all))
		return true;
	/* Solicited-node groups (ff02::1:ffXX:XXXX) of every address we hold,
	 * tentative ones included: DAD needs to hear the others' (RFC 4862 5.4.2). */
	for (uint8_t i = 0; i < ifc->ip6->cfg.max_addrs; i++) {
		const struct ip6_addr_slot *s = &ifc->ip6->addrs[i];
		if (s->i.state == CAPNET_IP6_ADDR_FREE || s->i.state == CAPNET_IP6_ADDR_DUPLICATE)
			continue;
		struct capnet_ip6addr sn = capnet_ip6_solicited_node(&s->i.addr);
		if (capnet_mac_eq(m, capnet_ip6_multicast_mac(&sn)))
			return true;
	}
	return false;
}

void capnet_ip6_count_mcast_filtered(struct capnet_iface *ifc)
{
	IP6_COUNT(ifc->ip6, ip6_mcast_filtered);
}

static bool group_joined(const struct capnet_ip6 *ip6, const struct capnet_ip6addr *g)
{
	if (capnet_ip6_eq(g, &capnet_ip6_all_nodes))
		return true;
	for (uint8_t i = 0; i < ip6->cfg.max_addrs; i++) {
		const struct ip6_addr_slot *s = &ip6->addrs[i];
		if (s->i.state == CAPNET_IP6_ADDR_FREE || s->i.state == CAPNET_IP6_ADDR_DUPLICATE)
			continue;
		struct capnet_ip6addr sn = capnet_ip6_solicited_node(&s->i.addr);
		if (capnet_ip6_eq(g, &sn))
			return true;
	}
	return false;
}

static void count_ip6_error(struct capnet_ip6 *ip6, enum capnet_ip6_error why)
{
	switch (why) {
	case CAPNET_IP6_ERR_TRUNCATED: IP6_COUNT(ip6, ip6_tooshort); break;
	case CAPNET_IP6_ERR_BAD_VERSION: IP6_COUNT(ip6, ip6_badversion); break;
	case CAPNET_IP6_ERR_PLEN_BEYOND: IP6_COUNT(ip6, ip6_badlen); break;
	case CAPNET_IP6_ERR_EXT_TOO_MANY:
	case CAPNET_IP6_ERR_EXT_TOO_LONG: IP6_COUNT(ip6, ip6_ext_bounds); break;
	case CAPNET_IP6_ERR_UNKNOWN_OPTION: IP6_COUNT(ip6, ip6_ext_unknown_option); break;
	case CAPNET_IP6_ERR_ROUTING: IP6_COUNT(ip6, ip6_routing_refused); break;
	case CAPNET_IP6_ERR_NONE: break;
	default: IP6_COUNT(ip6, ip6_ext_bad); break;
	}
}

static void deliver(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, size_t nh_offset, capnet_instant now)
{
	if (rx->proto == CAPNET_IPPROTO_ICMPV6) {
		capnet_icmp6_input(ifc, rx, now);
		return;
	}
	if (rx->proto == CAPNET_IP6_NH_NONE)
		return; /* RFC 8200 4.7: nothing follows; ignore the rest */
	for (struct capnet_l4_protocol *p = ifc->protos; p; p = p->next) {
		if (p->family == CAPNET_AF_INET6 && p->proto == rx->proto && p->input) {
			p->input(p->ctx, ifc, rx, now);
			return;
		}
	}
	IP6_COUNT(ifc->ip6, ip6_noproto);
	/* A transport we speak but with no IPv6 endpoint (an interface
	 * without a UDP layer; with one, sock/udp.c answers closed ports
	 * itself): nothing listens there, port unreachable (RFC 4443 3.1
	 * code 4), as for a closed port. */
	if (rx->proto == CAPNET_IPPROTO_UDP) {
		capnet_icmp6_send_error(ifc, CAPNET_ICMP6_DEST_UNREACH, CAPNET_ICMP6_PORT_UNREACH, 0, rx, false, now);
		return;
	}
	/* RFC 8200 4: an unrecognised next header is a parameter problem,
	 * code 1, pointing at the byte that named it. */
	capnet_icmp6_send_error(ifc, CAPNET_ICMP6_PARAM_PROBLEM, CAPNET_ICMP6_PP_NEXT_HEADER, (uint32_t)nh_offset, rx,
				false, now);
}

void capnet_ip6_input(struct capnet_iface *ifc, const struct capnet_eth_repr *eth, const uint8_t *pkt, size_t len,
		      capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	IP6_COUNT(ip6, ip6_rx_packets);
	struct capnet_ip6_repr ip;
	enum capnet_ip6_error why;
	if (capnet_ip6_parse(pkt, len, &ip, &why) != CAPNET_OK) {
		count_ip6_error(ip6, why);
		return;
	}
	if (capnet_ip6_is_multicast(&ip.src)) {
		IP6_COUNT(ip6, ip6_badsrc);
		return;
	}
	bool mcast = capnet_ip6_is_multicast(&ip.dst);
	if (mcast ? !group_joined(ip6, &ip.dst) : ip6_addr_find(ip6, &ip.dst) == NULL) {
		IP6_COUNT(ip6, ip6_not_for_us);
		return;
	}
	size_t dlen = CAPNET_IP6_HDR_LEN + ip.payload_len;
	struct capnet_ip6_ext ext;
	struct capnet_l3_rx rx = {
		.src = {.af = CAPNET_AF_INET6},
		.dst = {.af = CAPNET_AF_INET6},
		.ttl = ip.hop_limit,
		.tos = ip.traffic_class,
		.link_broadcast = capnet_mac_is_multicast(eth->dst),
		.ip_broadcast = mcast,
		.src_mac = eth->src,
		.ip_header = pkt,
		.ip_header_len = CAPNET_IP6_HDR_LEN,
		.payload = pkt + CAPNET_IP6_HDR_LEN,
		.payload_len = ip.payload_len,
		.proto = ip.next_header,
	};
	rx.src.u.v6 = ip.src;
	rx.dst.u.v6 = ip.dst;
	if (capnet_ip6_ext_walk(pkt, dlen, &ext, &why) != CAPNET_OK) {
		count_ip6_error(ip6, why);
		if (ext.pp_code != 0xff && (!mcast || ext.pp_even_multicast))
			capnet_icmp6_send_error(ifc, CAPNET_ICMP6_PARAM_PROBLEM, ext.pp_code, ext.pp_pointer, &rx,
						ext.pp_even_multicast, now);
		return;
	}
	if (ext.fragment && !ext.atomic_fragment) {
		/* No reassembly: a fragment is never taken for a whole datagram. */
		IP6_COUNT(ip6, ip6_fragments);
		return;
	}
	rx.proto = ext.proto;
	rx.ip_header_len = ext.offset;
	rx.payload = pkt + ext.offset;
	rx.payload_len = dlen - ext.offset;
	/* RFC 4862 5.4: a tentative address receives only DAD's NS/NA. */
	const struct ip6_addr_slot *own = mcast ? NULL : ip6_addr_find(ip6, &ip.dst);
	if (own && !usable(own) && rx.proto != CAPNET_IPPROTO_ICMPV6) {
		IP6_COUNT(ip6, ip6_not_for_us);
		return;
	}
	deliver(ifc, &rx, ext.nh_offset, now);
}

/* ---- egress ---- */

uint8_t *capnet_ip6_tx_buffer(struct capnet_iface *ifc, size_t *cap)
{
	uint16_t mtu = ifc->ip6 ? ifc->ip6->link_mtu : ifc->nic->mtu;
	*cap = (size_t)mtu - CAPNET_IP6_HDR_LEN;
	return ifc->tx_buf + IFACE_TX_L3 + CAPNET_IP6_HDR_LEN;
}

static const struct ip6_router *default_router(const struct capnet_ip6 *ip6)
{
	for (uint8_t i = 0; i < ip6->cfg.max_routers; i++)
		if (ip6->routers[i].in_use)
			return &ip6->routers[i];
	return NULL;
}

capnet_err ip6_transmit_frame(struct capnet_iface *ifc, uint8_t *frame, size_t len, capnet_instant now)
{
	IP6_COUNT(ifc->ip6, ip6_tx_packets);
	return capnet_iface_eth_transmit(ifc, frame, len, now);
}

capnet_err capnet_ip6_send(struct capnet_iface *ifc, const struct capnet_ip6_tx *tx, size_t l4_len,
			   capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	if (ip6 == NULL)
		return CAPNET_E_NOTCONFIGURED;
	struct capnet_ip6addr src = tx->src;
	if (capnet_ip6_is_unspecified(&src) && !capnet_ip6_select_source(ifc, &tx->dst, &src) &&
	    !(tx->flags & CAPNET_IP6_TX_UNSPECIFIED_OK)) {
		IP6_COUNT(ip6, ip6_tx_unconfigured);
		return CAPNET_E_NOTCONFIGURED;
	}
	if (l4_len > (size_t)ip6->link_mtu - CAPNET_IP6_HDR_LEN)
		return CAPNET_E_MSGSIZE;

	struct capnet_eth_repr eth = {.src = ifc->mac, .ethertype = CAPNET_ETHERTYPE_IPV6};
	struct capnet_ip6addr nh = tx->dst;
	bool need_nd = false;
	if (tx->flags & CAPNET_IP6_TX_DST_MAC) {
		eth.dst = tx->dst_mac;
	} else if (capnet_ip6_is_multicast(&tx->dst)) {
		eth.dst = capnet_ip6_multicast_mac(&tx->dst);
	} else {
		if (!ip6_on_link(ip6, &tx->dst)) {
			const struct ip6_router *r = default_router(ip6);
			if (r == NULL) {
				IP6_COUNT(ip6, ip6_noroute);
				return CAPNET_E_NOROUTE;
			}
			nh = r->addr;
		}
		capnet_err e = nd_output(ifc, &nh, &eth.dst, now);
		if (e == CAPNET_E_UNREACHABLE)
			return e;
		need_nd = e != CAPNET_OK;
	}
	struct capnet_ip6_repr ip = {
		.src = src,
		.dst = tx->dst,
		.next_header = tx->next_header,
		.hop_limit = tx->hop_limit ? tx->hop_limit : ip6->hop_limit,
		.traffic_class = tx->traffic_class,
		.payload_len = l4_len,
	};
	capnet_ip6_emit(&ip, ifc->tx_buf + IFACE_TX_L3);
	capnet_eth_emit(&eth, ifc->tx_buf);
	size_t frame_len = IFACE_TX_L3 + CAPNET_IP6_HDR_LEN + l4_len;
	if (need_nd) {
		IP6_COUNT(ip6, ip6_tx_packets);
		return nd_enqueue(ifc, &nh, ifc->tx_buf, frame_len, now);
	}
	return ip6_transmit_frame(ifc, ifc->tx_buf, frame_len, now);
}
