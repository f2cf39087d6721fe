/* The simulated IPv6 router peer: frames read and built with the
 * library's codecs. */
#include "sim/ip6_router.h"

#include <string.h>

#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/ipv6.h"

#define FRAME_MAX 1600

static void transmit(struct ip6_router *r, const struct capnet_ip6addr *src, const struct capnet_ip6addr *dst,
		     struct capnet_mac dst_mac, uint8_t hl, const uint8_t *msg, size_t len)
{
	uint8_t f[FRAME_MAX];
	if (len > FRAME_MAX - CAPNET_ETH_HDR_LEN - CAPNET_IP6_HDR_LEN)
		return;
	memset(f, 0, 60);
	struct capnet_eth_repr eth = {.dst = dst_mac, .src = r->mac, .ethertype = CAPNET_ETHERTYPE_IPV6};
	size_t n = capnet_eth_emit(&eth, f);
	struct capnet_ip6_repr ip = {.src = *src, .dst = *dst, .next_header = CAPNET_IPPROTO_ICMPV6, .hop_limit = hl,
				     .payload_len = len};
	n += capnet_ip6_emit(&ip, f + n);
	memcpy(f + n, msg, len);
	n += len;
	r->nic->ops->transmit(r->nic->dev, f, n < 60 ? 60 : n);
}

void ip6_router_send_icmp6(struct ip6_router *r, const struct capnet_ip6addr *src, const struct capnet_ip6addr *dst,
			   struct capnet_mac dst_mac, uint8_t hl, uint8_t *msg, size_t len, bool seal, capnet_instant now)
{
	(void)now;
	if (seal)
		capnet_icmp6_seal(msg, len, src, dst);
	transmit(r, src, dst, dst_mac, hl, msg, len);
}

void ip6_router_send_ra(struct ip6_router *r, capnet_instant now)
{
	uint8_t m[FRAME_MAX];
	struct capnet_ndp_repr ra = r->ra;
	ra.type = CAPNET_ICMP6_ROUTER_ADVERT;
	ra.has_slla = true;
	ra.slla = r->mac;
	size_t len = capnet_ndp_emit(&ra, &r->ll, &capnet_ip6_all_nodes, m);
	transmit(r, &r->ll, &capnet_ip6_all_nodes, capnet_ip6_multicast_mac(&capnet_ip6_all_nodes), 255, m, len);
	r->ra_sent++;
	r->last_ra_at = now;
}

void ip6_router_ping(struct ip6_router *r, const struct capnet_ip6addr *dst, struct capnet_mac dst_mac,
		     uint16_t ident, uint16_t seq, capnet_instant now)
{
	(void)now;
	uint8_t data[16], m[64];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(seq + i);
	struct capnet_icmp6_repr e = {.type = CAPNET_ICMP6_ECHO_REQUEST, .ident = ident, .seq = seq, .data = data,
				      .data_len = sizeof data};
	size_t len = capnet_icmp6_emit(&e, &r->ll, dst, m);
	transmit(r, &r->ll, dst, dst_mac, 64, m, len);
}

static void log_seen(struct ip6_router *r, const struct capnet_eth_repr *eth, const struct capnet_ip6_repr *ip,
		     const struct capnet_icmp6_repr *m, const struct capnet_ndp_repr *nd, capnet_instant now)
{
	if (r->nseen >= IP6_ROUTER_LOG)
		return;
	struct ip6_router_seen *s = &r->seen[r->nseen++];
	memset(s, 0, sizeof *s);
	s->at = now;
	s->eth_src = eth->src;
	s->eth_dst = eth->dst;
	s->src = ip->src;
	s->dst = ip->dst;
	s->type = m->type;
	s->code = m->code;
	s->hop_limit = ip->hop_limit;
	s->ident = m->ident;
	s->seq = m->seq;
	if (nd) {
		s->target = nd->target;
		s->has_lla = nd->has_slla || nd->has_tlla;
		s->solicited = nd->solicited;
	}
}

static void on_icmp6(struct ip6_router *r, const struct capnet_eth_repr *eth, const struct capnet_ip6_repr *ip,
		     const uint8_t *p, capnet_instant now)
{
	struct capnet_icmp6_repr m;
	if (capnet_icmp6_parse(p, ip->payload_len, &ip->src, &ip->dst, &m, NULL) != CAPNET_OK)
		return;
	struct capnet_ndp_repr nd;
	bool is_nd = capnet_ndp_parse(m.type, m.data, m.data_len, &nd, NULL) == CAPNET_OK;
	log_seen(r, eth, ip, &m, is_nd ? &nd : NULL, now);
	bool to_me = capnet_ip6_eq(&ip->dst, &r->ll);
	uint8_t out[FRAME_MAX];
	if (is_nd && m.type == CAPNET_ICMP6_ROUTER_SOLICIT) {
		r->rs_rcvd++;
		if (r->last_ra_at < 0 || now - r->last_ra_at >= CAPNET_S(3))
			ip6_router_send_ra(r, now);
	} else if (is_nd && m.type == CAPNET_ICMP6_NEIGHBOR_SOLICIT) {
		bool dad = capnet_ip6_is_unspecified(&ip->src);
		bool mine = capnet_ip6_eq(&nd.target, &r->ll);
		bool claimed = r->claim && capnet_ip6_eq(&nd.target, &r->claimed);
		if (!mine && !claimed)
			return;
		/* RFC 4861 7.2.4: to the solicitor, or to all nodes for DAD. */
		struct capnet_ndp_repr na = {.type = CAPNET_ICMP6_NEIGHBOR_ADVERT, .target = nd.target, .router = mine,
					     .solicited = !dad, .override = true, .has_tlla = true, .tlla = r->mac};
		const struct capnet_ip6addr *to = dad ? &capnet_ip6_all_nodes : &ip->src;
		struct capnet_mac to_mac = dad ? capnet_ip6_multicast_mac(to) : (nd.has_slla ? nd.slla : eth->src);
		size_t len = capnet_ndp_emit(&na, &nd.target, to, out);
		transmit(r, &nd.target, to, to_mac, 255, out, len);
		r->na_sent++;
		if (dad)
			r->dad_defended++;
	} else if (m.type == CAPNET_ICMP6_ECHO_REQUEST && to_me) {
		struct capnet_icmp6_repr rep = m;
		rep.type = CAPNET_ICMP6_ECHO_REPLY;
		size_t len = capnet_icmp6_emit(&rep, &r->ll, &ip->src, out);
		transmit(r, &r->ll, &ip->src, eth->src, 64, out, len);
		r->echo_replies++;
	} else if (m.type == CAPNET_ICMP6_ECHO_REPLY && to_me) {
		r->echo_replies_rcvd++;
	}
}

static capnet_instant router_poll(void *ctx, capnet_instant now)
{
	struct ip6_router *r = ctx;
	uint8_t f[FRAME_MAX];
	size_t len;
	while (r->nic->ops->receive(r->nic->dev, f, sizeof f, &len) == CAPNET_OK) {
		struct capnet_eth_repr eth;
		struct capnet_ip6_repr ip;
		if (capnet_eth_parse(f, len, &eth, NULL) != CAPNET_OK || eth.ethertype != CAPNET_ETHERTYPE_IPV6)
			continue;
		const uint8_t *p = f + eth.header_len;
		if (capnet_ip6_parse(p, len - eth.header_len, &ip, NULL) != CAPNET_OK ||
		    ip.next_header != CAPNET_IPPROTO_ICMPV6)
			continue;
		on_icmp6(r, &eth, &ip, p + CAPNET_IP6_HDR_LEN, now);
	}
	return CAPNET_INSTANT_NEVER;
}

capnet_err ip6_router_open(struct ip6_router *r, struct capnet_sim *sim, struct capnet_mac mac,
			   const struct capnet_sim_impair *impair, const struct capnet_ndp_repr *ra)
{
	memset(r, 0, sizeof *r);
	r->sim = sim;
	r->mac = mac;
	r->ra = *ra;
	r->last_ra_at = -1;
	r->ll.b[0] = 0xfe;
	r->ll.b[1] = 0x80;
	r->ll.b[8] = mac.b[0] ^ 0x02;
	r->ll.b[9] = mac.b[1];
	r->ll.b[10] = mac.b[2];
	r->ll.b[11] = 0xff;
	r->ll.b[12] = 0xfe;
	r->ll.b[13] = mac.b[3];
	r->ll.b[14] = mac.b[4];
	r->ll.b[15] = mac.b[5];
	r->nic = capnet_sim_add_port(sim, mac, 1500, impair, &r->port);
	if (r->nic == NULL)
		return CAPNET_E_NOMEM;
	return capnet_sim_add_participant(sim, router_poll, r);
}

const struct ip6_router_seen *ip6_router_find(const struct ip6_router *r, uint8_t type,
					      const struct capnet_ip6addr *src, size_t *from)
{
	for (size_t i = from ? *from : 0; i < r->nseen; i++) {
		const struct ip6_router_seen *s = &r->seen[i];
		if (s->type == type && (src == NULL || capnet_ip6_eq(&s->src, src))) {
			if (from)
				*from = i + 1;
			return s;
		}
	}
	return NULL;
}
