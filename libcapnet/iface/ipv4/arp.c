/* ARP (RFC 826) neighbour cache: resolution with retry and exponential
 * backoff, a bounded queue of frames per unresolved neighbour (RFC 1122
 * 2.3.2.2), expiry, and the ARP packets conflict detection sends
 * (gratuitous announcements, probes). Watching for conflicts and defending
 * our address live in acd.c. */
#include <string.h>

#include "capnet/neigh.h"
#include "capnet/wire/arp.h"
#include "../iface_internal.h"

static const char *const arp_state_names[] = {"FREE", "INCOMPLETE", "REACHABLE", "FAILED", "STATIC"};

const char *capnet_arp_state_name(enum capnet_arp_state s)
{
	return (unsigned)s < sizeof arp_state_names / sizeof arp_state_names[0] ? arp_state_names[s] : "?";
}

static struct capnet_arp_entry *find(const struct capnet_iface *ifc, capnet_ip4addr ip)
{
	for (uint16_t i = 0; i < ifc->cfg.arp_cache_entries; i++)
		if (ifc->arp[i].state != CAPNET_ARP_FREE && ifc->arp[i].ip == ip)
			return &ifc->arp[i];
	return NULL;
}

static void drop_pending(struct capnet_iface *ifc, struct capnet_arp_entry *e)
{
	while (e->pending_head) {
		struct capnet_pktbuf *b = e->pending_head;
		e->pending_head = b->next;
		capnet_pool_put(&ifc->pktbufs, b);
		IFACE_COUNT(ifc, arp_pending_dropped);
	}
	e->pending_tail = NULL;
	e->npending = 0;
}

static void release(struct capnet_iface *ifc, struct capnet_arp_entry *e)
{
	drop_pending(ifc, e);
	memset(e, 0, sizeof *e);
}

static void describe(const void *cache, size_t i, struct capnet_neigh_candidate *out)
{
	const struct capnet_arp_entry *e = &((const struct capnet_arp_entry *)cache)[i];
	switch (e->state) {
	case CAPNET_ARP_FREE:
		out->kind = CAPNET_NEIGH_KIND_FREE;
		break;
	case CAPNET_ARP_FAILED:
		out->kind = CAPNET_NEIGH_KIND_FAILED;
		out->key = e->expires;
		break;
	case CAPNET_ARP_INCOMPLETE:
		out->kind = CAPNET_NEIGH_KIND_INCOMPLETE;
		out->key = e->since;
		break;
	case CAPNET_ARP_REACHABLE:
		out->kind = CAPNET_NEIGH_KIND_REACHABLE;
		out->key = e->expires;
		break;
	default:
		out->kind = CAPNET_NEIGH_KIND_PINNED;
		break;
	}
}

/* An entry for a newcomer by the admission rule (capnet/neigh.h):
 * `confirmed` when its MAC is known, else it is about to be resolved and
 * may not push out a REACHABLE neighbour. NULL when the cache is full of
 * entries that must stay. */
static struct capnet_arp_entry *alloc_entry(struct capnet_iface *ifc, bool confirmed)
{
	size_t n = ifc->cfg.arp_cache_entries;
	size_t i = capnet_neigh_admit(ifc->arp, n, describe, confirmed);
	if (i == n) {
		IFACE_COUNT(ifc, arp_cache_full);
		return NULL;
	}
	struct capnet_arp_entry *e = &ifc->arp[i];
	if (e->state == CAPNET_ARP_INCOMPLETE)
		IFACE_COUNT(ifc, arp_incomplete_recycled);
	if (e->state != CAPNET_ARP_FREE)
		release(ifc, e);
	return e;
}

static capnet_err send_arp(struct capnet_iface *ifc, uint16_t oper, struct capnet_mac eth_dst,
			   const struct capnet_arp_repr *arp, capnet_instant now)
{
	uint8_t frame[IFACE_MIN_FRAME];
	struct capnet_eth_repr eth = {.dst = eth_dst, .src = ifc->mac, .ethertype = CAPNET_ETHERTYPE_ARP};
	size_t n = capnet_eth_emit(&eth, frame);
	struct capnet_arp_repr a = *arp;
	a.oper = oper;
	n += capnet_arp_emit(&a, frame + n);
	return capnet_iface_eth_transmit(ifc, frame, n, now);
}

static capnet_err send_request(struct capnet_iface *ifc, capnet_ip4addr spa, capnet_ip4addr tpa,
			       capnet_instant now)
{
	struct capnet_arp_repr a = {.sha = ifc->mac, .spa = spa, .tpa = tpa};
	return send_arp(ifc, CAPNET_ARP_REQUEST, CAPNET_MAC_BROADCAST, &a, now);
}

static void start_resolution(struct capnet_iface *ifc, struct capnet_arp_entry *e, capnet_instant now)
{
	e->state = CAPNET_ARP_INCOMPLETE;
	e->since = now;
	e->requests = 1;
	e->expires = now + ifc->cfg.arp_retry_initial;
	if (send_request(ifc, ifc->ip4.addr, e->ip, now) == CAPNET_OK)
		IFACE_COUNT(ifc, arp_requests_sent);
}

/* A fresh entry for ip, resolution not yet started; NULL when the cache is
 * full of entries that must stay. */
static struct capnet_arp_entry *new_entry(struct capnet_iface *ifc, capnet_ip4addr ip)
{
	struct capnet_arp_entry *e = alloc_entry(ifc, false);
	if (e)
		e->ip = ip;
	return e;
}

capnet_err capnet_arp_resolve(struct capnet_iface *ifc, capnet_ip4addr ip, capnet_instant now)
{
	if (ifc->ip4.addr == 0)
		return CAPNET_E_NOTCONFIGURED;
	struct capnet_arp_entry *e = find(ifc, ip);
	if (e && e->state != CAPNET_ARP_FAILED)
		return e->state == CAPNET_ARP_INCOMPLETE ? CAPNET_E_AGAIN : CAPNET_OK;
	if (!e && !(e = new_entry(ifc, ip)))
		return CAPNET_E_NOMEM;
	start_resolution(ifc, e, now);
	return CAPNET_E_AGAIN;
}

capnet_err capnet_arp_lookup(const struct capnet_iface *ifc, capnet_ip4addr ip, struct capnet_mac *mac)
{
	const struct capnet_arp_entry *e = find(ifc, ip);
	if (!e)
		return CAPNET_E_NOTFOUND;
	switch (e->state) {
	case CAPNET_ARP_REACHABLE:
	case CAPNET_ARP_STATIC:
		*mac = e->mac;
		return CAPNET_OK;
	case CAPNET_ARP_INCOMPLETE:
		return CAPNET_E_AGAIN;
	default:
		return CAPNET_E_UNREACHABLE;
	}
}

capnet_err capnet_arp_add_static(struct capnet_iface *ifc, capnet_ip4addr ip, struct capnet_mac mac)
{
	struct capnet_arp_entry *e = find(ifc, ip);
	if (!e)
		e = alloc_entry(ifc, true);
	if (!e)
		return CAPNET_E_NOMEM;
	drop_pending(ifc, e);
	e->ip = ip;
	e->mac = mac;
	e->state = CAPNET_ARP_STATIC;
	e->expires = CAPNET_INSTANT_NEVER;
	return CAPNET_OK;
}

/* The frame buffers are shared by every resolving neighbour; when they
 * run out, the oldest resolution (the likeliest never to answer: a
 * spoofed source) gives up its oldest frame, so a newcomer can always
 * hold one. True when a buffer was freed. */
static bool steal_pending(struct capnet_iface *ifc, const struct capnet_arp_entry *keep)
{
	struct capnet_arp_entry *victim = NULL;
	for (uint16_t i = 0; i < ifc->cfg.arp_cache_entries; i++) {
		struct capnet_arp_entry *e = &ifc->arp[i];
		if (e == keep || e->state != CAPNET_ARP_INCOMPLETE || !e->pending_head)
			continue;
		if (!victim || e->since < victim->since)
			victim = e;
	}
	if (!victim)
		return false;
	struct capnet_pktbuf *old = victim->pending_head;
	victim->pending_head = old->next;
	if (!victim->pending_head)
		victim->pending_tail = NULL;
	victim->npending--;
	capnet_pool_put(&ifc->pktbufs, old);
	IFACE_COUNT(ifc, arp_pending_dropped);
	return true;
}

capnet_err capnet_arp_enqueue(struct capnet_iface *ifc, capnet_ip4addr next_hop, const uint8_t *frame,
			      size_t len, capnet_instant now)
{
	struct capnet_arp_entry *e = find(ifc, next_hop);
	if (!e) {
		if (!(e = new_entry(ifc, next_hop)))
			return CAPNET_E_NOMEM;
		start_resolution(ifc, e, now);
	}
	/* RFC 1122 2.3.2.2: keep the newest; drop the oldest when full. */
	if (e->npending >= ifc->cfg.arp_pending_per_neighbour && e->pending_head) {
		struct capnet_pktbuf *old = e->pending_head;
		e->pending_head = old->next;
		if (!e->pending_head)
			e->pending_tail = NULL;
		e->npending--;
		capnet_pool_put(&ifc->pktbufs, old);
		IFACE_COUNT(ifc, arp_pending_dropped);
	}
	struct capnet_pktbuf *b = capnet_pool_get(&ifc->pktbufs);
	if (!b && steal_pending(ifc, e))
		b = capnet_pool_get(&ifc->pktbufs);
	if (!b) {
		IFACE_COUNT(ifc, pool_exhausted);
		IFACE_COUNT(ifc, arp_pending_dropped);
		return CAPNET_E_NOMEM;
	}
	memcpy(b->data, frame, len);
	b->len = (uint16_t)len;
	if (e->pending_tail)
		e->pending_tail->next = b;
	else
		e->pending_head = b;
	e->pending_tail = b;
	e->npending++;
	return CAPNET_OK;
}

static void flush_pending(struct capnet_iface *ifc, struct capnet_arp_entry *e, capnet_instant now)
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

static void confirm(struct capnet_iface *ifc, struct capnet_arp_entry *e, struct capnet_mac mac, capnet_instant now)
{
	if (e->state == CAPNET_ARP_STATIC)
		return;
	e->mac = mac;
	e->state = CAPNET_ARP_REACHABLE;
	e->requests = 0;
	e->expires = now + ifc->cfg.arp_reachable;
	flush_pending(ifc, e, now);
}

void capnet_arp_input(struct capnet_iface *ifc, const uint8_t *pkt, size_t len, capnet_instant now)
{
	static const enum capnet_stat by_reason[] = {
		[CAPNET_ARP_ERR_TRUNCATED] = CAPNET_STAT_arp_rx_truncated,
		[CAPNET_ARP_ERR_BAD_HTYPE] = CAPNET_STAT_arp_rx_unsupported,
		[CAPNET_ARP_ERR_BAD_PTYPE] = CAPNET_STAT_arp_rx_unsupported,
		[CAPNET_ARP_ERR_BAD_OP] = CAPNET_STAT_arp_rx_bad_op,
	};
	struct capnet_arp_repr a;
	enum capnet_arp_error why;
	if (capnet_arp_parse(pkt, len, &a, &why) != CAPNET_OK) {
		CAPNET_IFACE_COUNT_REASON(ifc, by_reason, why);
		return;
	}
	if (capnet_mac_is_multicast(a.sha) || capnet_mac_eq(a.sha, ifc->mac)) {
		IFACE_COUNT(ifc, arp_rx_bad_sender);
		return;
	}
	if (a.oper == CAPNET_ARP_REQUEST)
		IFACE_COUNT(ifc, arp_requests_rcvd);
	else
		IFACE_COUNT(ifc, arp_replies_rcvd);
	/* Conflict detection sees every valid packet first (ipv4/acd.c); a
	 * packet claiming our own address teaches the cache nothing. */
	if (capnet_acd_arp_input(ifc, &a, now))
		return;

	capnet_ip4addr me = ifc->ip4.addr;
	/* RFC 826 merge: refresh a sender we already know about. A probe
	 * (sender 0.0.0.0) teaches nothing. */
	bool merged = false;
	struct capnet_arp_entry *e = a.spa ? find(ifc, a.spa) : NULL;
	if (e) {
		confirm(ifc, e, a.sha, now);
		merged = true;
	}
	if (me == 0 || a.tpa != me) {
		if (a.oper == CAPNET_ARP_REQUEST)
			IFACE_COUNT(ifc, arp_rx_not_for_us);
		return;
	}
	if (!merged && a.spa != 0) {
		e = alloc_entry(ifc, true);
		if (e) {
			e->ip = a.spa;
			confirm(ifc, e, a.sha, now);
		}
	}
	if (a.oper == CAPNET_ARP_REQUEST) {
		struct capnet_arp_repr r = {.sha = ifc->mac, .spa = me, .tha = a.sha, .tpa = a.spa};
		if (send_arp(ifc, CAPNET_ARP_REPLY, a.sha, &r, now) == CAPNET_OK)
			IFACE_COUNT(ifc, arp_replies_sent);
	}
}

capnet_instant capnet_arp_poll(struct capnet_iface *ifc, capnet_instant now)
{
	capnet_instant next = CAPNET_INSTANT_NEVER;
	for (uint16_t i = 0; i < ifc->cfg.arp_cache_entries; i++) {
		struct capnet_arp_entry *e = &ifc->arp[i];
		if (e->state == CAPNET_ARP_FREE || e->state == CAPNET_ARP_STATIC)
			continue;
		if (now >= e->expires) {
			switch (e->state) {
			case CAPNET_ARP_INCOMPLETE:
				if (e->requests < ifc->cfg.arp_max_requests) {
					/* Exponential backoff: 1 s, 2 s, 4 s... */
					e->expires = now + (ifc->cfg.arp_retry_initial << e->requests);
					e->requests++;
					if (send_request(ifc, ifc->ip4.addr, e->ip, now) == CAPNET_OK)
						IFACE_COUNT(ifc, arp_requests_sent);
				} else {
					IFACE_COUNT(ifc, arp_resolve_failed);
					drop_pending(ifc, e);
					e->state = CAPNET_ARP_FAILED;
					e->expires = now + ifc->cfg.arp_failed_hold;
				}
				break;
			case CAPNET_ARP_REACHABLE:
				IFACE_COUNT(ifc, arp_expired);
				release(ifc, e);
				continue;
			default:
				release(ifc, e);
				continue;
			}
		}
		next = capnet_instant_min(next, e->expires);
	}
	return next;
}

capnet_err capnet_arp_send_gratuitous(struct capnet_iface *ifc, capnet_instant now)
{
	if (ifc->ip4.addr == 0)
		return CAPNET_E_NOTCONFIGURED;
	/* RFC 5227 3: an announcement is a request with sender = target = us. */
	capnet_err e = send_request(ifc, ifc->ip4.addr, ifc->ip4.addr, now);
	if (e == CAPNET_OK)
		IFACE_COUNT(ifc, arp_gratuitous_sent);
	return e;
}

capnet_err capnet_arp_send_probe(struct capnet_iface *ifc, capnet_ip4addr ip, capnet_instant now)
{
	capnet_err e = send_request(ifc, 0, ip, now);
	if (e == CAPNET_OK)
		IFACE_COUNT(ifc, arp_requests_sent);
	return e;
}

/* The next entry in use at or after *i (moving *i past it); NULL at the end. */
static const struct capnet_arp_entry *next_used(const struct capnet_iface *ifc, uint16_t *i)
{
	for (; *i < ifc->cfg.arp_cache_entries; (*i)++)
		if (ifc->arp[*i].state != CAPNET_ARP_FREE)
			return &ifc->arp[(*i)++];
	return NULL;
}

size_t capnet_arp_entries(const struct capnet_iface *ifc, struct capnet_arp_entry_info *out, size_t max)
{
	size_t n = 0;
	uint16_t i = 0;
	for (const struct capnet_arp_entry *e; (e = next_used(ifc, &i)) != NULL; n++)
		if (n < max)
			out[n] = (struct capnet_arp_entry_info){e->ip, e->mac, (enum capnet_arp_state)e->state,
								 e->expires, e->requests, e->npending};
	return n;
}

/* ---- the neighbour cache interface (capnet/neigh.h) ---- */

static capnet_err neigh_resolve(struct capnet_iface *ifc, const struct capnet_ipaddr *a, capnet_instant now)
{
	return capnet_arp_resolve(ifc, a->u.v4, now);
}

static capnet_err neigh_lookup(const struct capnet_iface *ifc, const struct capnet_ipaddr *a, struct capnet_mac *mac)
{
	return capnet_arp_lookup(ifc, a->u.v4, mac);
}

static capnet_err neigh_add_static(struct capnet_iface *ifc, const struct capnet_ipaddr *a, struct capnet_mac mac)
{
	return capnet_arp_add_static(ifc, a->u.v4, mac);
}

static size_t neigh_entries(const struct capnet_iface *ifc, struct capnet_neigh_entry *out, size_t max)
{
	size_t n = 0;
	uint16_t i = 0;
	for (const struct capnet_arp_entry *e; (e = next_used(ifc, &i)) != NULL; n++)
		if (n < max)
			out[n] = (struct capnet_neigh_entry){capnet_ipaddr_from_ip4(e->ip), e->mac, e->state, e->expires,
							     e->requests, e->npending};
	return n;
}

static capnet_err neigh_enqueue(struct capnet_iface *ifc, const struct capnet_ipaddr *next_hop, const uint8_t *frame,
				size_t len, capnet_instant now)
{
	return capnet_arp_enqueue(ifc, next_hop->u.v4, frame, len, now);
}

static const char *neigh_state_name(uint8_t state)
{
	return capnet_arp_state_name((enum capnet_arp_state)state);
}

const struct capnet_neigh_ops capnet_arp_neigh_ops = {
	.family = CAPNET_AF_INET,
	.name = "arp",
	.resolve = neigh_resolve,
	.lookup = neigh_lookup,
	.add_static = neigh_add_static,
	.entries = neigh_entries,
	.enqueue = neigh_enqueue,
	.poll = capnet_arp_poll,
	.state_name = neigh_state_name,
};
