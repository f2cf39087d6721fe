/* Address autoconfiguration (RFC 4862) and router discovery (RFC 4861 6.3):
 * the link-local address at start (modified EUI-64, or an RFC 7217 stable
 * identifier), duplicate address detection before any address is used,
 * router solicitations, and router advertisements: the default router
 * list, on-link prefixes, SLAAC addresses with their lifetimes (5.5.3),
 * link MTU, and RDNSS (RFC 8106). Lifetimes run on the caller's clock. */
#include <string.h>

#include "ip6_internal.h"

/* RFC 7217 5: F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key).
 * F is SipHash-2-4 (a keyed PRF), run twice with a domain byte for the 64
 * bits of identifier. Net_Iface is the MAC; no Network_ID is known. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                        \
	do {                                                                                            \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                              \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                 \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                 \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                              \
	} while (0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t prf(const uint8_t key[16], const uint8_t *m, size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = le64(m + i);
		v3 ^= w;
		SIPROUND;
		SIPROUND;
		v0 ^= w;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)m[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

struct capnet_ip6addr capnet_ip6_make_addr(const struct capnet_iface *ifc, const struct capnet_ip6addr *prefix,
					   uint8_t dad_counter)
{
	struct capnet_ip6addr a = {{0}};
	memcpy(a.b, prefix->b, 8);
	if (ifc->ip6 && ifc->ip6->cfg.stable_iid) {
		uint8_t m[8 + 6 + 1];
		memcpy(m, prefix->b, 8);
		memcpy(m + 8, ifc->mac.b, 6);
		m[14] = dad_counter;
		uint64_t h = prf(ifc->ip6->secret, m, sizeof m);
		for (int i = 0; i < 8; i++)
			a.b[8 + i] = (uint8_t)(h >> (56 - 8 * i));
		return a;
	}
	/* RFC 4291 appendix A: the MAC with ff:fe in the middle and the
	 * universal/local bit inverted. */
	a.b[8] = ifc->mac.b[0] ^ 0x02;
	a.b[9] = ifc->mac.b[1];
	a.b[10] = ifc->mac.b[2];
	a.b[11] = 0xff;
	a.b[12] = 0xfe;
	a.b[13] = ifc->mac.b[3];
	a.b[14] = ifc->mac.b[4];
	a.b[15] = ifc->mac.b[5];
	return a;
}

/* ---- duplicate address detection (RFC 4862 5.4) ---- */

void slaac_dad_start(struct capnet_iface *ifc, struct ip6_addr_slot *s, capnet_instant now, bool delay)
{
	s->i.state = CAPNET_IP6_ADDR_TENTATIVE;
	s->dad_sent = 0;
	/* 5.4.2: at interface start the first NS waits a random delay in
	 * [0, MAX_RTR_SOLICITATION_DELAY) so that hosts booted together do
	 * not collide. */
	s->dad_at = delay ? now + CAPNET_MS(capnet_rng_below(&ifc->rng, ND_MAX_RTR_SOLICITATION_DELAY / 1000)) : now;
}

bool slaac_dad_input(struct capnet_iface *ifc, const struct capnet_ndp_repr *nd, const struct capnet_l3_rx *rx,
		     capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	struct ip6_addr_slot *s = ip6_addr_find(ip6, &nd->target);
	if (s == NULL || s->i.state != CAPNET_IP6_ADDR_TENTATIVE)
		return false;
	/* 5.4.3: an NS from another prober (source ::) or 5.4.4: any NA for
	 * the target: the address is someone else's. An NS from a configured
	 * source is address resolution for a tentative address: ignored. */
	bool dup = nd->type == CAPNET_ICMP6_NEIGHBOR_ADVERT || capnet_ip6_is_unspecified(&rx->src.u.v6);
	if (!dup)
		return false;
	IP6_COUNT(ip6, dad_duplicates);
	/* RFC 7217 6: a stable identifier that collides is generated again
	 * with the next DAD_Counter, up to IDGEN_RETRIES times; a MAC-derived
	 * or configured address has no other value to try. */
	bool generated = s->i.provenance == CAPNET_PROV_SLAAC || s->i.provenance == CAPNET_PROV_LINK_LOCAL;
	if (ip6->cfg.stable_iid && generated && s->dad_counter < IDGEN_RETRIES) {
		struct capnet_ip6addr next = capnet_ip6_make_addr(ifc, &s->i.addr, (uint8_t)(s->dad_counter + 1));
		if (ip6_addr_find(ip6, &next) == NULL) {
			s->dad_counter++;
			s->i.addr = next;
			slaac_dad_start(ifc, s, now, false);
			return true;
		}
	}
	s->i.state = CAPNET_IP6_ADDR_DUPLICATE;
	s->dad_at = CAPNET_INSTANT_NEVER;
	return true;
}

/* ---- router solicitation ---- */

capnet_err capnet_ip6_send_rs(struct capnet_iface *ifc, capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	if (ip6 == NULL)
		return CAPNET_E_NOTCONFIGURED;
	/* 6.3.7: from the link-local address with our SLLA once it is usable,
	 * before that from :: without. */
	struct capnet_ndp_repr m = {.type = CAPNET_ICMP6_ROUTER_SOLICIT};
	struct capnet_ip6addr src = {{0}}, dst = capnet_ip6_all_routers;
	struct capnet_ip6addr ll;
	if (capnet_ip6_link_local(ifc, &ll) && capnet_ip6_is_local(ifc, &ll)) {
		src = ll;
		m.has_slla = true;
		m.slla = ifc->mac;
	}
	uint8_t f[CAPNET_ETH_HDR_LEN + CAPNET_IP6_HDR_LEN + 16];
	size_t hl = CAPNET_ETH_HDR_LEN + CAPNET_IP6_HDR_LEN;
	size_t l4 = capnet_ndp_emit(&m, &src, &dst, f + hl);
	struct capnet_eth_repr eth = {.dst = capnet_ip6_multicast_mac(&dst), .src = ifc->mac,
				      .ethertype = CAPNET_ETHERTYPE_IPV6};
	capnet_eth_emit(&eth, f);
	struct capnet_ip6_repr ip = {.src = src, .dst = dst, .next_header = CAPNET_IPPROTO_ICMPV6,
				     .hop_limit = ND_HOP_LIMIT, .payload_len = l4};
	capnet_ip6_emit(&ip, f + CAPNET_ETH_HDR_LEN);
	capnet_err e = ip6_transmit_frame(ifc, f, hl + l4, now);
	if (e == CAPNET_OK)
		IP6_COUNT(ip6, ndp_rs_sent);
	return e;
}

void slaac_start(struct capnet_iface *ifc, capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	ip6->started = true;
	static const struct capnet_ip6addr fe80 = {{0xfe, 0x80}};
	struct capnet_ip6addr ll = capnet_ip6_make_addr(ifc, &fe80, 0);
	for (uint8_t i = 0; i < ip6->cfg.max_addrs; i++) {
		struct ip6_addr_slot *s = &ip6->addrs[i];
		if (s->i.state != CAPNET_IP6_ADDR_FREE)
			continue;
		memset(s, 0, sizeof *s);
		s->i.addr = ll;
		s->i.prefix_len = 64;
		s->i.provenance = CAPNET_PROV_LINK_LOCAL;
		s->i.preferred_until = CAPNET_INSTANT_NEVER;
		s->i.valid_until = CAPNET_INSTANT_NEVER;
		slaac_dad_start(ifc, s, now, true);
		break;
	}
	/* 6.3.7: the first RS after a random delay of up to 1 s (in whole
	 * milliseconds, as the DAD delay: finer would buy nothing). */
	ip6->rs_done = ip6->cfg.no_slaac;
	ip6->rs_at = now + CAPNET_MS(capnet_rng_below(&ifc->rng, ND_MAX_RTR_SOLICITATION_DELAY / 1000));
}

/* ---- router advertisements ---- */

static void router_update(struct capnet_ip6 *ip6, const struct capnet_ip6addr *a, uint16_t lifetime,
			  capnet_instant now)
{
	struct ip6_router *free_slot = NULL;
	for (uint8_t i = 0; i < ip6->cfg.max_routers; i++) {
		struct ip6_router *r = &ip6->routers[i];
		if (r->in_use && capnet_ip6_eq(&r->addr, a)) {
			if (r->is_static)
				return; /* configured: the RA's lifetime does not apply */
			/* 6.3.4: lifetime 0 removes it at once. */
			if (lifetime == 0)
				r->in_use = false;
			else
				r->expires = now + CAPNET_S(lifetime);
			return;
		}
		if (!r->in_use && !free_slot)
			free_slot = r;
	}
	if (lifetime == 0 || free_slot == NULL)
		return;
	free_slot->in_use = true;
	free_slot->is_static = false;
	free_slot->addr = *a;
	free_slot->expires = now + CAPNET_S(lifetime);
}

static struct ip6_addr_slot *slaac_addr_for(struct capnet_ip6 *ip6, const struct capnet_ip6addr *prefix, uint8_t len)
{
	for (uint8_t i = 0; i < ip6->cfg.max_addrs; i++) {
		struct ip6_addr_slot *s = &ip6->addrs[i];
		if (s->i.state != CAPNET_IP6_ADDR_FREE && s->i.provenance == CAPNET_PROV_SLAAC &&
		    s->i.prefix_len == len && capnet_ip6_prefix_eq(&s->i.addr, prefix, len))
			return s;
	}
	return NULL;
}

static void prefix_input(struct capnet_iface *ifc, const struct capnet_ndp_prefix *p, capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	/* RFC 4862 5.5.3 a/c, RFC 4861 6.3.4: a link-local prefix, or a
	 * preferred lifetime beyond the valid one, and the option is ignored. */
	if (capnet_ip6_is_link_local(&p->prefix) || p->preferred > p->valid) {
		IP6_COUNT(ip6, ra_prefix_ignored);
		return;
	}
	if (p->on_link)
		ip6_prefix_update(ip6, &p->prefix, p->len, p->valid == 0 ? 0 : ip6_lifetime(now, p->valid));
	if (!p->autonomous || ip6->cfg.no_slaac)
		return;
	struct ip6_addr_slot *s = slaac_addr_for(ip6, &p->prefix, p->len);
	if (s == NULL) {
		/* 5.5.3 d: a new prefix with a non-zero valid lifetime; our
		 * identifiers are 64 bits, so only a /64 forms an address. */
		if (p->valid == 0)
			return;
		if (p->len != 64) {
			IP6_COUNT(ip6, ra_prefix_ignored);
			return;
		}
		struct capnet_ip6addr a = capnet_ip6_make_addr(ifc, &p->prefix, 0);
		if (capnet_ip6_addr_add(ifc, &a, 64, CAPNET_PROV_SLAAC, now) != CAPNET_OK)
			return;
		s = ip6_addr_find(ip6, &a);
		s->i.preferred_until = ip6_lifetime(now, p->preferred);
		s->i.valid_until = ip6_lifetime(now, p->valid);
		IP6_COUNT(ip6, slaac_addrs_added);
		return;
	}
	/* 5.5.3 e: the preferred lifetime is taken as given; the valid one
	 * only if it is above two hours or above what remains, else a
	 * remainder of two hours or less stands, else two hours. */
	s->i.preferred_until = ip6_lifetime(now, p->preferred);
	if (s->i.state == CAPNET_IP6_ADDR_DEPRECATED && p->preferred != 0)
		s->i.state = CAPNET_IP6_ADDR_PREFERRED;
	capnet_instant received = ip6_lifetime(now, p->valid);
	capnet_instant remaining_until = s->i.valid_until;
	if (received > now + SLAAC_TWO_HOURS || received > remaining_until)
		s->i.valid_until = received;
	else if (remaining_until <= now + SLAAC_TWO_HOURS)
		; /* keep */
	else
		s->i.valid_until = now + SLAAC_TWO_HOURS;
}

void slaac_ra_input(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, const struct capnet_ndp_repr *nd,
		    capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	IP6_COUNT(ip6, ndp_ra_rcvd);
	const struct capnet_ip6addr *src = &rx->src.u.v6;
	/* 6.1.2: only a router's link-local address may advertise. */
	if (!capnet_ip6_is_link_local(src)) {
		IP6_COUNT(ip6, ra_ignored);
		return;
	}
	ip6->rs_done = true;
	if (nd->cur_hop_limit != 0)
		ip6->hop_limit = nd->cur_hop_limit;
	if (nd->reachable_time != 0 && nd->reachable_time <= 3600000u) { /* 6.2.1: at most an hour */
		capnet_duration base = CAPNET_MS(nd->reachable_time);
		if (base != ip6->base_reachable) {
			ip6->base_reachable = base;
			ip6->reachable = ip6_random_reachable(ifc);
		}
	}
	if (nd->retrans_timer != 0)
		ip6->retrans = CAPNET_MS(nd->retrans_timer);
	if (nd->has_slla)
		nd_learn(ifc, src, nd->slla, true, now);
	else
		nd_set_router(ifc, src, true);
	router_update(ip6, src, nd->router_lifetime, now);
	/* 6.3.4: an MTU below IPv6's minimum or above the link's is ignored. */
	if (nd->has_mtu && nd->mtu >= CAPNET_IP6_MIN_MTU && nd->mtu <= ifc->nic->mtu)
		ip6->link_mtu = (uint16_t)nd->mtu;
	for (uint8_t i = 0; i < nd->nprefix; i++)
		prefix_input(ifc, &nd->prefix[i], now);
	if (nd->nrdnss) {
		/* RFC 8106 5.1: lifetime 0 withdraws the servers. */
		if (nd->rdnss_lifetime == 0) {
			ip6->nrdnss = 0;
		} else {
			ip6->nrdnss = nd->nrdnss;
			memcpy(ip6->rdnss, nd->rdnss, sizeof ip6->rdnss);
			ip6->rdnss_expires = ip6_lifetime(now, nd->rdnss_lifetime);
		}
	}
}

/* ---- timers ---- */

static capnet_instant addr_poll(struct capnet_iface *ifc, struct ip6_addr_slot *s, capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	if (s->i.state == CAPNET_IP6_ADDR_TENTATIVE && now >= s->dad_at) {
		if (s->dad_sent < ip6->cfg.dad_transmits) {
			s->dad_sent++;
			s->dad_at = now + ip6->retrans;
			nd_send_ns(ifc, &s->i.addr, NULL, NULL, true, now);
		} else {
			/* 5.4.5: nobody answered in RetransTimer: ours. */
			s->i.state = CAPNET_IP6_ADDR_PREFERRED;
			s->dad_at = CAPNET_INSTANT_NEVER;
		}
	}
	if (s->i.valid_until != CAPNET_INSTANT_NEVER && now >= s->i.valid_until) {
		if (s->i.provenance == CAPNET_PROV_SLAAC)
			IP6_COUNT(ip6, slaac_addrs_removed);
		memset(s, 0, sizeof *s);
		return CAPNET_INSTANT_NEVER;
	}
	if (s->i.state == CAPNET_IP6_ADDR_PREFERRED && now >= s->i.preferred_until)
		s->i.state = CAPNET_IP6_ADDR_DEPRECATED;
	capnet_instant next = s->i.valid_until;
	if (s->i.state == CAPNET_IP6_ADDR_TENTATIVE)
		next = capnet_instant_min(next, s->dad_at);
	if (s->i.state == CAPNET_IP6_ADDR_PREFERRED)
		next = capnet_instant_min(next, s->i.preferred_until);
	return next;
}

capnet_instant slaac_poll(struct capnet_iface *ifc, capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	capnet_instant next = CAPNET_INSTANT_NEVER;
	for (uint8_t i = 0; i < ip6->cfg.max_addrs; i++)
		if (ip6->addrs[i].i.state != CAPNET_IP6_ADDR_FREE)
			next = capnet_instant_min(next, addr_poll(ifc, &ip6->addrs[i], now));
	for (uint8_t i = 0; i < ip6->cfg.max_routers; i++) {
		struct ip6_router *r = &ip6->routers[i];
		if (r->in_use && now >= r->expires)
			r->in_use = false;
		if (r->in_use)
			next = capnet_instant_min(next, r->expires);
	}
	for (int i = 0; i < IP6_PREFIXES_MAX; i++) {
		struct ip6_prefix *p = &ip6->prefixes[i];
		if (p->in_use && now >= p->valid_until)
			p->in_use = false;
		if (p->in_use)
			next = capnet_instant_min(next, p->valid_until);
	}
	if (ip6->nrdnss && now >= ip6->rdnss_expires)
		ip6->nrdnss = 0;
	if (ip6->nrdnss)
		next = capnet_instant_min(next, ip6->rdnss_expires);
	if (!ip6->rs_done && now >= ip6->rs_at) {
		capnet_ip6_send_rs(ifc, now);
		if (++ip6->rs_sent >= ND_MAX_RTR_SOLICITATIONS)
			ip6->rs_done = true;
		ip6->rs_at = now + ND_RTR_SOLICITATION_INTERVAL;
	}
	if (!ip6->rs_done)
		next = capnet_instant_min(next, ip6->rs_at);
	for (int i = 0; i < IP6_PMTU_MAX; i++)
		if (ip6->pmtu[i].mtu != 0)
			next = capnet_instant_min(next, ip6->pmtu[i].expires);
	return next;
}
