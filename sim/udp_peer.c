/* The simulated UDP server peer's frames: raw frames in, raw frames out,
 * read and built with the library's codecs. */
#include "sim/udp_peer.h"

#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/udp.h"

static void queue_frame(struct udp_peer *p, const uint8_t *f, size_t len, capnet_instant now)
{
	if (p->delay == 0) {
		p->nic->ops->transmit(p->nic->dev, f, len);
		return;
	}
	if (p->npending >= UDP_PEER_PENDING || len > p->frame_max)
		return;
	p->pending[p->npending].due = now + p->delay;
	p->pending[p->npending].len = len;
	memcpy(p->pending[p->npending].frame, f, len);
	p->npending++;
}

void udp_peer_send(struct udp_peer *p, struct capnet_mac dst_mac, capnet_ip4addr dst, uint16_t sport, uint16_t dport,
		   const uint8_t *payload, size_t plen, capnet_instant now)
{
	uint8_t f[UDP_PEER_FRAME];
	memset(f, 0, 60);
	struct capnet_eth_repr eth = {.dst = dst_mac, .src = p->mac, .ethertype = CAPNET_ETHERTYPE_IPV4};
	size_t n = capnet_eth_emit(&eth, f);
	struct capnet_udp_repr u = {.src_port = sport, .dst_port = dport, .payload = payload, .payload_len = plen};
	struct capnet_ip4_repr ip = {.src = p->addr, .dst = dst, .proto = CAPNET_IPPROTO_UDP, .ttl = 64,
				     .ident = p->ip_ident++, .payload_len = capnet_udp_emit_len(&u)};
	n += capnet_ip4_emit(&ip, f + n);
	n += capnet_udp_emit4(&u, f + n, p->addr, dst);
	queue_frame(p, f, n < 60 ? 60 : n, now);
}

static void on_arp(struct udp_peer *p, const uint8_t *b, size_t len)
{
	struct capnet_arp_repr a;
	if (capnet_arp_parse(b, len, &a, NULL) != CAPNET_OK || a.oper != CAPNET_ARP_REQUEST || a.tpa != p->addr ||
	    a.spa == 0)
		return;
	uint8_t f[60];
	memset(f, 0, sizeof f);
	struct capnet_eth_repr eth = {.dst = a.sha, .src = p->mac, .ethertype = CAPNET_ETHERTYPE_ARP};
	size_t n = capnet_eth_emit(&eth, f);
	struct capnet_arp_repr r = {.oper = CAPNET_ARP_REPLY, .sha = p->mac, .spa = p->addr, .tha = a.sha, .tpa = a.spa};
	capnet_arp_emit(&r, f + n);
	p->nic->ops->transmit(p->nic->dev, f, sizeof f);
	(*p->arp_replies)++;
}

static capnet_instant peer_poll(void *ctx, capnet_instant now)
{
	struct udp_peer *p = ctx;
	uint8_t f[1600];
	size_t len;
	while (p->nic->ops->receive(p->nic->dev, f, sizeof f, &len) == CAPNET_OK) {
		struct capnet_eth_repr eth;
		if (capnet_eth_parse(f, len, &eth, NULL) != CAPNET_OK)
			continue;
		if (!capnet_mac_eq(eth.dst, p->mac) && !capnet_mac_is_broadcast(eth.dst))
			continue;
		if (eth.ethertype == CAPNET_ETHERTYPE_ARP)
			on_arp(p, f + eth.header_len, len - eth.header_len);
		else if (eth.ethertype == CAPNET_ETHERTYPE_IPV4)
			p->on_ip(p->ctx, &eth, f + eth.header_len, len - eth.header_len, now);
	}
	/* Delayed replies leave in order once due. */
	capnet_instant next = CAPNET_INSTANT_NEVER;
	unsigned k = 0;
	for (unsigned i = 0; i < p->npending; i++) {
		if (p->pending[i].due <= now) {
			p->nic->ops->transmit(p->nic->dev, p->pending[i].frame, p->pending[i].len);
			continue;
		}
		next = capnet_instant_min(next, p->pending[i].due);
		if (k != i)
			p->pending[k] = p->pending[i];
		k++;
	}
	p->npending = k;
	return next;
}

capnet_err udp_peer_open(struct udp_peer *p, struct capnet_sim *sim, struct capnet_mac mac, capnet_ip4addr addr,
			 capnet_duration delay, const struct capnet_sim_impair *impair, size_t frame_max,
			 udp_peer_ip_fn on_ip, void *ctx, unsigned *arp_replies)
{
	memset(p, 0, sizeof *p);
	p->sim = sim;
	p->mac = mac;
	p->addr = addr;
	p->delay = delay;
	p->frame_max = frame_max < UDP_PEER_FRAME ? frame_max : UDP_PEER_FRAME;
	p->ip_ident = 1;
	p->on_ip = on_ip;
	p->ctx = ctx;
	p->arp_replies = arp_replies;
	p->nic = capnet_sim_add_port(sim, mac, 1500, impair, &p->port);
	if (!p->nic)
		return CAPNET_E_NOMEM;
	return capnet_sim_add_participant(sim, peer_poll, p);
}
