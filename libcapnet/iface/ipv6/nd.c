/* The NDP neighbour cache (RFC 4861 7): address resolution by multicast
 * NS to the solicited-node group, neighbour unreachability detection
 * through INCOMPLETE / REACHABLE / STALE / DELAY / PROBE with the RFC
 * timers, a bounded queue of frames per neighbour (7.2.2), and the NS/NA
 * we answer and learn from (7.2.3-7.2.5). Implements capnet/neigh.h for
 * AF_INET6. */
#include <string.h>

#include "ip6_internal.h"

#define ND_FAILED_HOLD CAPNET_S(3) /* like ARP's: callers see "unreachable" briefly */
/* NS/NA frames: Ethernet + IPv6 + 24-byte message + one 8-byte option. */
#define ND_FRAME_MAX (CAPNET_ETH_HDR_LEN + CAPNET_IP6_HDR_LEN + 32)

static const char *const nd_state_names[] = {"FREE",  "INCOMPLETE", "REACHABLE", "STALE",
					     "DELAY", "PROBE",      "FAILED",    "STATIC"};

const char *capnet_nd_state_name(enum capnet_nd_state s)
{
	return (unsigned)s < sizeof nd_state_names / sizeof nd_state_names[0] ? nd_state_names[s] : "?";
}

static struct nd_entry *find(const struct capnet_ip6 *ip6, const struct capnet_ip6addr *a)
{
	for (uint16_t i = 0; i < ip6->cfg.neigh_entries; i++)
		if (ip6->nd[i].state != CAPNET_ND_FREE && capnet_ip6_eq(&ip6->nd[i].ip, a))
			return &ip6->nd[i];
	return NULL;
}

static void drop_pending(struct capnet_iface *ifc, struct nd_entry *e)
{
	while (e->pending_head) {
		struct capnet_pktbuf *b = e->pending_head;
		e->pending_head = b->next;
		capnet_pool_put(&ifc->pktbufs, b);
		IP6_COUNT(ifc->ip6, ndp_pending_dropped);
	}
	e->pending_tail = NULL;
	e->npending = 0;
}

/* A free slot, else the STALE/REACHABLE entry with the earliest timer and
 * no frames waiting; never STATIC or one being resolved. */
static struct nd_entry *alloc_entry(struct capnet_iface *ifc, const struct capnet_ip6addr *a)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	struct nd_entry *victim = NULL;
	for (uint16_t i = 0; i < ip6->cfg.neigh_entries; i++) {
		struct nd_entry *e = &ip6->nd[i];
		if (e->state == CAPNET_ND_FREE) {
			victim = e;
			break;
		}
		if (e->state == CAPNET_ND_STATIC || e->state == CAPNET_ND_INCOMPLETE || e->npending)
			continue;
		if (!victim || e->timer < victim->timer)
			victim = e;
	}
	if (!victim) {
		IP6_COUNT(ip6, ndp_cache_full);
		return NULL;
	}
	drop_pending(ifc, victim);
	memset(victim, 0, sizeof *victim);
	victim->ip = *a;
	victim->timer = CAPNET_INSTANT_NEVER;
	return victim;
}

static size_t frame_ip6(struct capnet_iface *ifc, uint8_t *f, struct capnet_mac dst_mac,
			const struct capnet_ip6addr *src, const struct capnet_ip6addr *dst, size_t l4_len)
{
	struct capnet_eth_repr eth = {.dst = dst_mac, .src = ifc->mac, .ethertype = CAPNET_ETHERTYPE_IPV6};
	size_t n = capnet_eth_emit(&eth, f);
	struct capnet_ip6_repr ip = {.src = *src, .dst = *dst, .next_header = CAPNET_IPPROTO_ICMPV6,
				     .hop_limit = ND_HOP_LIMIT, .payload_len = l4_len};
	return n + capnet_ip6_emit(&ip, f + n);
}

static capnet_err send_nd(struct capnet_iface *ifc, const struct capnet_ndp_repr *m, const struct capnet_ip6addr *src,
			  const struct capnet_ip6addr *dst, struct capnet_mac dst_mac, capnet_instant now)
{
	uint8_t f[ND_FRAME_MAX + 64];
	size_t hl = CAPNET_ETH_HDR_LEN + CAPNET_IP6_HDR_LEN;
	size_t l4 = capnet_ndp_emit(m, src, dst, f + hl);
	frame_ip6(ifc, f, dst_mac, src, dst, l4);
	return ip6_transmit_frame(ifc, f, hl + l4, now);
}

capnet_err nd_send_ns(struct capnet_iface *ifc, const struct capnet_ip6addr *target, const struct capnet_ip6addr *dst,
		      const struct capnet_mac *dst_mac, bool dad, capnet_instant now)
{
	struct capnet_ndp_repr m = {.type = CAPNET_ICMP6_NEIGHBOR_SOLICIT, .target = *target};
	struct capnet_ip6addr src = {{0}};
	/* 7.2.2: from an address of ours, with our link-layer address; DAD
	 * (RFC 4862 5.4.2) from :: and without one. */
	if (!dad) {
		if (!capnet_ip6_select_source(ifc, target, &src))
			return CAPNET_E_NOTCONFIGURED;
		m.has_slla = true;
		m.slla = ifc->mac;
	}
	struct capnet_ip6addr sn = capnet_ip6_solicited_node(target);
	const struct capnet_ip6addr *to = dst ? dst : &sn;
	struct capnet_mac mac = dst_mac ? *dst_mac : capnet_ip6_multicast_mac(to);
	capnet_err e = send_nd(ifc, &m, &src, to, mac, now);
	if (e == CAPNET_OK) {
		if (dad)
			IP6_COUNT(ifc->ip6, ndp_dad_ns_sent);
		else
			IP6_COUNT(ifc->ip6, ndp_ns_sent);
	}
	return e;
}

static void start_resolution(struct capnet_iface *ifc, struct nd_entry *e, capnet_instant now)
{
	e->state = CAPNET_ND_INCOMPLETE;
	e->probes = 1;
	e->timer = now + ifc->ip6->retrans;
	nd_send_ns(ifc, &e->ip, NULL, NULL, false, now);
}

static void flush_pending(struct capnet_iface *ifc, struct nd_entry *e, capnet_instant now)
{
	while (e->pending_head) {
		struct capnet_pktbuf *b = e->pending_head;
		e->pending_head = b->next;
		memcpy(b->data + CAPNET_ETH_DST, e->mac.b, 6);
		capnet_iface_eth_transmit(ifc, b->data, b->len, now);
		capnet_pool_put(&ifc->pktbufs, b);
	}
	e->pending_tail = NULL;
	e->npending = 0;
}

capnet_err nd_output(struct capnet_iface *ifc, const struct capnet_ip6addr *nh, struct capnet_mac *mac,
		     capnet_instant now)
{
	struct nd_entry *e = find(ifc->ip6, nh);
	if (!e)
		return CAPNET_E_NOTFOUND;
	switch (e->state) {
	case CAPNET_ND_STALE:
		/* 7.3.3: the first send to a STALE entry starts the delay
		 * before probing; the frame goes out with the cached address. */
		e->state = CAPNET_ND_DELAY;
		e->timer = now + ND_DELAY_FIRST_PROBE;
		*mac = e->mac;
		return CAPNET_OK;
	case CAPNET_ND_REACHABLE:
	case CAPNET_ND_DELAY:
	case CAPNET_ND_PROBE:
	case CAPNET_ND_STATIC:
		*mac = e->mac;
		return CAPNET_OK;
	case CAPNET_ND_INCOMPLETE:
		return CAPNET_E_AGAIN;
	default:
		return CAPNET_E_UNREACHABLE;
	}
}

capnet_err nd_enqueue(struct capnet_iface *ifc, const struct capnet_ip6addr *nh, const uint8_t *frame, size_t len,
		      capnet_instant now)
{
	struct nd_entry *e = find(ifc->ip6, nh);
	if (!e) {
		if (!(e = alloc_entry(ifc, nh)))
			return CAPNET_E_NOMEM;
		/* The frame is in the interface's tx buffer: keep it before the
		 * NS is built (the NS has a buffer of its own anyway). */
	}
	uint8_t limit = ifc->cfg.arp_pending_per_neighbour;
	if (e->npending >= limit && e->pending_head) {
		struct capnet_pktbuf *old = e->pending_head;
		e->pending_head = old->next;
		if (!e->pending_head)
			e->pending_tail = NULL;
		e->npending--;
		capnet_pool_put(&ifc->pktbufs, old);
		IP6_COUNT(ifc->ip6, ndp_pending_dropped);
	}
	struct capnet_pktbuf *b = capnet_pool_get(&ifc->pktbufs);
	if (b) {
		memcpy(b->data, frame, len);
		b->len = (uint16_t)len;
		b->next = NULL;
		if (e->pending_tail)
			e->pending_tail->next = b;
		else
			e->pending_head = b;
		e->pending_tail = b;
		e->npending++;
	} else {
		IFACE_COUNT(ifc, pool_exhausted);
		IP6_COUNT(ifc->ip6, ndp_pending_dropped);
	}
	if (e->state == CAPNET_ND_FREE)
		start_resolution(ifc, e, now);
	return b ? CAPNET_OK : CAPNET_E_NOMEM;
}

void nd_learn(struct capnet_iface *ifc, const struct capnet_ip6addr *ip, struct capnet_mac mac, bool is_router,
	      capnet_instant now)
{
	struct nd_entry *e = find(ifc->ip6, ip);
	if (!e) {
		/* 7.2.3: create it STALE. */
		if (!(e = alloc_entry(ifc, ip)))
			return;
		e->state = CAPNET_ND_STALE;
		e->mac = mac;
		e->is_router = is_router;
		return;
	}
	if (is_router)
		e->is_router = true;
	if (e->state == CAPNET_ND_STATIC)
		return;
	if (e->state == CAPNET_ND_INCOMPLETE || e->state == CAPNET_ND_FAILED) {
		e->mac = mac;
		e->state = CAPNET_ND_STALE;
		e->timer = CAPNET_INSTANT_NEVER;
		flush_pending(ifc, e, now);
		return;
	}
	if (!capnet_mac_eq(e->mac, mac)) {
		e->mac = mac;
		e->state = CAPNET_ND_STALE;
		e->timer = CAPNET_INSTANT_NEVER;
	}
}

void nd_set_router(struct capnet_iface *ifc, const struct capnet_ip6addr *ip, bool is_router)
{
	struct nd_entry *e = find(ifc->ip6, ip);
	if (e)
		e->is_router = is_router;
}

bool capnet_nd_is_router(const struct capnet_iface *ifc, const struct capnet_ip6addr *a)
{
	const struct nd_entry *e = ifc->ip6 ? find(ifc->ip6, a) : NULL;
	return e && e->is_router;
}

static void send_na(struct capnet_iface *ifc, const struct capnet_ip6addr *target, const struct capnet_ip6addr *to,
		    struct capnet_mac to_mac, bool solicited, capnet_instant now)
{
	struct capnet_ndp_repr m = {.type = CAPNET_ICMP6_NEIGHBOR_ADVERT, .target = *target, .solicited = solicited,
				    .override = true, .has_tlla = true, .tlla = ifc->mac};
	if (send_nd(ifc, &m, target, to, to_mac, now) == CAPNET_OK)
		IP6_COUNT(ifc->ip6, ndp_na_sent);
}

static void ns_input(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, const struct capnet_ndp_repr *m,
		     capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	IP6_COUNT(ip6, ndp_ns_rcvd);
	const struct capnet_ip6addr *src = &rx->src.u.v6;
	bool dad = capnet_ip6_is_unspecified(src);
	/* 7.1.1: from :: only to a solicited-node group, and without SLLA. */
	if (dad && (!capnet_ip6_is_multicast(&rx->dst.u.v6) || m->has_slla)) {
		IP6_COUNT(ip6, ndp_bad);
		return;
	}
	struct ip6_addr_slot *own = ip6_addr_find(ip6, &m->target);
	if (own == NULL || own->i.state == CAPNET_IP6_ADDR_DUPLICATE)
		return; /* not one of ours: nothing to say */
	if (own->i.state == CAPNET_IP6_ADDR_TENTATIVE) {
		slaac_dad_input(ifc, m, rx, now);
		return;
	}
	if (dad) {
		/* Someone else is probing an address we hold: 7.2.4 answers to
		 * all-nodes, unsolicited (the prober has no address yet). */
		struct capnet_ip6addr all = capnet_ip6_all_nodes;
		send_na(ifc, &m->target, &all, capnet_ip6_multicast_mac(&all), false, now);
		return;
	}
	if (m->has_slla)
		nd_learn(ifc, src, m->slla, false, now);
	struct capnet_mac to_mac = m->has_slla ? m->slla : rx->src_mac;
	send_na(ifc, &m->target, src, to_mac, true, now);
}

static void na_input(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, const struct capnet_ndp_repr *m,
		     capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	IP6_COUNT(ip6, ndp_na_rcvd);
	/* 7.1.2: a solicited NA is never to a group. */
	if (m->solicited && capnet_ip6_is_multicast(&rx->dst.u.v6)) {
		IP6_COUNT(ip6, ndp_bad);
		return;
	}
	struct ip6_addr_slot *own = ip6_addr_find(ip6, &m->target);
	if (own != NULL) {
		slaac_dad_input(ifc, m, rx, now);
		return;
	}
	struct nd_entry *e = find(ip6, &m->target);
	if (e == NULL || e->state == CAPNET_ND_STATIC)
		return; /* 7.2.5: no entry, nothing to update */
	if (e->state == CAPNET_ND_INCOMPLETE) {
		if (!m->has_tlla)
			return;
		e->mac = m->tlla;
		e->is_router = m->router;
		e->state = m->solicited ? CAPNET_ND_REACHABLE : CAPNET_ND_STALE;
		e->timer = m->solicited ? now + ip6->reachable : CAPNET_INSTANT_NEVER;
		flush_pending(ifc, e, now);
		return;
	}
	bool differs = m->has_tlla && !capnet_mac_eq(m->tlla, e->mac);
	if (!m->override && differs) {
		/* A non-override NA with another address: only doubt ours. */
		if (e->state == CAPNET_ND_REACHABLE) {
			e->state = CAPNET_ND_STALE;
			e->timer = CAPNET_INSTANT_NEVER;
		}
		return;
	}
	if (m->has_tlla)
		e->mac = m->tlla;
	if (m->solicited) {
		e->state = CAPNET_ND_REACHABLE;
		e->timer = now + ip6->reachable;
	} else if (differs) {
		e->state = CAPNET_ND_STALE;
		e->timer = CAPNET_INSTANT_NEVER;
	}
	/* The router flag follows the advertisement; a router that stops
	 * being one leaves the default router list (7.2.5). */
	if (e->is_router && !m->router) {
		for (uint8_t i = 0; i < ip6->cfg.max_routers; i++)
			if (ip6->routers[i].in_use && !ip6->routers[i].is_static &&
			    capnet_ip6_eq(&ip6->routers[i].addr, &m->target))
				ip6->routers[i].in_use = false;
	}
	e->is_router = m->router;
}

static void count_ndp_error(struct capnet_ip6 *ip6, enum capnet_ndp_error why)
{
	if (why == CAPNET_NDP_ERR_OPT_ZERO_LEN)
		IP6_COUNT(ip6, ndp_opt_zero_len);
	else
		IP6_COUNT(ip6, ndp_bad);
}

void nd_input(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, const struct capnet_icmp6_repr *msg,
	      capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	/* RFC 4861 6.1, 7.1: hop limit 255 proves the sender is on-link. */
	if (rx->ttl != ND_HOP_LIMIT) {
		IP6_COUNT(ip6, ndp_bad);
		return;
	}
	struct capnet_ndp_repr m;
	enum capnet_ndp_error why;
	if (capnet_ndp_parse(msg->type, msg->data, msg->data_len, &m, &why) != CAPNET_OK) {
		count_ndp_error(ip6, why);
		return;
	}
	switch (m.type) {
	case CAPNET_ICMP6_NEIGHBOR_SOLICIT:
		ns_input(ifc, rx, &m, now);
		break;
	case CAPNET_ICMP6_NEIGHBOR_ADVERT:
		na_input(ifc, rx, &m, now);
		break;
	case CAPNET_ICMP6_ROUTER_ADVERT:
		slaac_ra_input(ifc, rx, &m, now);
		break;
	default:
		IP6_COUNT(ip6, ndp_rs_rcvd); /* a host does not answer RS (6.2.6) */
		break;
	}
}

static void fail(struct capnet_iface *ifc, struct nd_entry *e, capnet_instant now)
{
	drop_pending(ifc, e);
	IP6_COUNT(ifc->ip6, ndp_resolve_failed);
	e->state = CAPNET_ND_FAILED;
	e->timer = now + ND_FAILED_HOLD;
}

capnet_instant nd_poll(struct capnet_iface *ifc, capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	capnet_instant next = CAPNET_INSTANT_NEVER;
	for (uint16_t i = 0; i < ip6->cfg.neigh_entries; i++) {
		struct nd_entry *e = &ip6->nd[i];
		if (e->state == CAPNET_ND_FREE || e->state == CAPNET_ND_STATIC || now < e->timer) {
			if (e->state != CAPNET_ND_FREE)
				next = capnet_instant_min(next, e->timer);
			continue;
		}
		switch (e->state) {
		case CAPNET_ND_INCOMPLETE:
			if (e->probes >= ND_MAX_MULTICAST_SOLICIT) {
				fail(ifc, e, now);
				break;
			}
			e->probes++;
			e->timer = now + ip6->retrans;
			nd_send_ns(ifc, &e->ip, NULL, NULL, false, now);
			break;
		case CAPNET_ND_REACHABLE:
			e->state = CAPNET_ND_STALE;
			e->timer = CAPNET_INSTANT_NEVER;
			break;
		case CAPNET_ND_DELAY:
			e->state = CAPNET_ND_PROBE;
			e->probes = 0;
			/* fall into PROBE's first unicast solicitation below */
			e->probes++;
			e->timer = now + ip6->retrans;
			nd_send_ns(ifc, &e->ip, &e->ip, &e->mac, false, now);
			break;
		case CAPNET_ND_PROBE:
			if (e->probes >= ND_MAX_UNICAST_SOLICIT) {
				fail(ifc, e, now);
				break;
			}
			e->probes++;
			e->timer = now + ip6->retrans;
			nd_send_ns(ifc, &e->ip, &e->ip, &e->mac, false, now);
			break;
		case CAPNET_ND_FAILED:
			memset(e, 0, sizeof *e);
			break;
		default:
			break;
		}
		if (e->state != CAPNET_ND_FREE)
			next = capnet_instant_min(next, e->timer);
	}
	return next;
}

/* ---- the neighbour cache interface (capnet/neigh.h) ---- */

static capnet_err neigh_resolve(struct capnet_iface *ifc, const struct capnet_ipaddr *a, capnet_instant now)
{
	struct nd_entry *e = find(ifc->ip6, &a->u.v6);
	if (e && e->state != CAPNET_ND_FAILED)
		return e->state == CAPNET_ND_INCOMPLETE ? CAPNET_E_AGAIN : CAPNET_OK;
	if (!e && !(e = alloc_entry(ifc, &a->u.v6)))
		return CAPNET_E_NOMEM;
	start_resolution(ifc, e, now);
	return CAPNET_E_AGAIN;
}

static capnet_err neigh_lookup(const struct capnet_iface *ifc, const struct capnet_ipaddr *a, struct capnet_mac *mac)
{
	const struct nd_entry *e = find(ifc->ip6, &a->u.v6);
	if (!e)
		return CAPNET_E_NOTFOUND;
	switch (e->state) {
	case CAPNET_ND_INCOMPLETE:
		return CAPNET_E_AGAIN;
	case CAPNET_ND_FAILED:
		return CAPNET_E_UNREACHABLE;
	default:
		*mac = e->mac;
		return CAPNET_OK;
	}
}

static capnet_err neigh_add_static(struct capnet_iface *ifc, const struct capnet_ipaddr *a, struct capnet_mac mac)
{
	struct nd_entry *e = find(ifc->ip6, &a->u.v6);
	if (!e && !(e = alloc_entry(ifc, &a->u.v6)))
		return CAPNET_E_NOMEM;
	e->mac = mac;
	e->state = CAPNET_ND_STATIC;
	e->timer = CAPNET_INSTANT_NEVER;
	flush_pending(ifc, e, 0);
	return CAPNET_OK;
}

static size_t neigh_entries(const struct capnet_iface *ifc, struct capnet_neigh_entry *out, size_t max)
{
	size_t n = 0;
	for (uint16_t i = 0; i < ifc->ip6->cfg.neigh_entries; i++) {
		const struct nd_entry *e = &ifc->ip6->nd[i];
		if (e->state == CAPNET_ND_FREE)
			continue;
		if (n < max) {
			out[n] = (struct capnet_neigh_entry){.mac = e->mac, .state = e->state, .expires = e->timer,
							     .requests = e->probes, .pending = e->npending};
			out[n].addr.af = CAPNET_AF_INET6;
			out[n].addr.u.v6 = e->ip;
		}
		n++;
	}
	return n;
}

static capnet_err neigh_enqueue(struct capnet_iface *ifc, const struct capnet_ipaddr *next_hop, const uint8_t *frame,
				size_t len, capnet_instant now)
{
	return nd_enqueue(ifc, &next_hop->u.v6, frame, len, now);
}

static const char *neigh_state_name(uint8_t state)
{
	return capnet_nd_state_name((enum capnet_nd_state)state);
}

const struct capnet_neigh_ops capnet_nd_neigh_ops = {
	.family = CAPNET_AF_INET6,
	.name = "ndp",
	.resolve = neigh_resolve,
	.lookup = neigh_lookup,
	.add_static = neigh_add_static,
	.entries = neigh_entries,
	.enqueue = neigh_enqueue,
	.poll = nd_poll,
	.state_name = neigh_state_name,
};
