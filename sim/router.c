/* The router fixture's frames: parsed and built with the library's
 * codecs, forwarding done on the raw bytes (only TTL and checksum change). */
#include "sim/router.h"

#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"

static const struct router_net *net_of(const struct router *r, capnet_ip4addr a)
{
	for (unsigned i = 0; i < r->n_nets; i++) {
		capnet_ip4addr m = capnet_ip4_mask(r->nets[i].prefix_len);
		if ((a & m) == (r->nets[i].addr & m))
			return &r->nets[i];
	}
	return NULL;
}

static bool is_mine(const struct router *r, capnet_ip4addr a)
{
	for (unsigned i = 0; i < r->n_nets; i++)
		if (r->nets[i].addr == a)
			return true;
	return false;
}

void router_add_neighbour(struct router *r, capnet_ip4addr ip, struct capnet_mac mac)
{
	for (unsigned i = 0; i < r->n_neigh; i++) {
		if (r->neigh[i].ip == ip) {
			r->neigh[i].mac = mac;
			return;
		}
	}
	if (r->n_neigh < ROUTER_NEIGHBOURS) {
		r->neigh[r->n_neigh].ip = ip;
		r->neigh[r->n_neigh].mac = mac;
		r->n_neigh++;
	}
}

static bool neighbour(const struct router *r, capnet_ip4addr ip, struct capnet_mac *mac)
{
	for (unsigned i = 0; i < r->n_neigh; i++) {
		if (r->neigh[i].ip == ip) {
			*mac = r->neigh[i].mac;
			return true;
		}
	}
	return false;
}

static void transmit(struct router *r, uint8_t *f, size_t len)
{
	if (len < 60) {
		memset(f + len, 0, 60 - len);
		len = 60;
	}
	r->nic->ops->transmit(r->nic->dev, f, len);
}

/* An ICMP message from `src` to `dst` (MAC `to`). */
static void send_icmp(struct router *r, struct capnet_mac to, capnet_ip4addr src, capnet_ip4addr dst,
		      const struct capnet_icmp4_repr *m)
{
	uint8_t f[1600];
	struct capnet_eth_repr eth = {.dst = to, .src = r->mac, .ethertype = CAPNET_ETHERTYPE_IPV4};
	size_t n = capnet_eth_emit(&eth, f);
	size_t il = capnet_icmp4_emit_len(m);
	if (n + CAPNET_IP4_HDR_LEN + il > sizeof f)
		return;
	struct capnet_ip4_repr ip = {.src = src, .dst = dst, .proto = CAPNET_IPPROTO_ICMP, .ttl = 64,
				     .ident = r->ip_ident++, .payload_len = il};
	n += capnet_ip4_emit(&ip, f + n);
	n += capnet_icmp4_emit(m, f + n);
	transmit(r, f, n);
}

/* An error about the datagram `p` (its header and 8 bytes quoted). */
static void send_error(struct router *r, struct capnet_mac to, const struct capnet_ip4_repr *ip, const uint8_t *p,
		       uint8_t type, uint8_t code)
{
	const struct router_net *on = net_of(r, ip->src);
	if (on == NULL)
		return; /* no address to answer from */
	size_t ql = ip->header_len + (ip->payload_len < 8 ? ip->payload_len : 8);
	struct capnet_icmp4_repr m = {.type = type, .code = code, .data = p, .data_len = ql};
	send_icmp(r, to, on->addr, ip->src, &m);
}

static void on_arp(struct router *r, const uint8_t *b, size_t len)
{
	struct capnet_arp_repr a;
	if (capnet_arp_parse(b, len, &a, NULL) != CAPNET_OK)
		return;
	if (a.spa != 0 && net_of(r, a.spa) != NULL && !is_mine(r, a.spa))
		router_add_neighbour(r, a.spa, a.sha);
	if (a.oper != CAPNET_ARP_REQUEST || !is_mine(r, a.tpa) || a.spa == 0)
		return;
	uint8_t f[60];
	struct capnet_eth_repr eth = {.dst = a.sha, .src = r->mac, .ethertype = CAPNET_ETHERTYPE_ARP};
	size_t n = capnet_eth_emit(&eth, f);
	struct capnet_arp_repr rep = {.oper = CAPNET_ARP_REPLY, .sha = r->mac, .spa = a.tpa, .tha = a.sha, .tpa = a.spa};
	n += capnet_arp_emit(&rep, f + n);
	transmit(r, f, n);
	r->stats.arp_replies++;
}

static void on_ip(struct router *r, const struct capnet_eth_repr *eth, uint8_t *p, size_t len)
{
	struct capnet_ip4_repr ip;
	if (capnet_ip4_parse(p, len, &ip, NULL) != CAPNET_OK)
		return;
	if (is_mine(r, ip.dst)) {
		struct capnet_icmp4_repr req;
		if (ip.proto != CAPNET_IPPROTO_ICMP ||
		    capnet_icmp4_parse(p + ip.header_len, ip.payload_len, &req, NULL) != CAPNET_OK ||
		    req.type != CAPNET_ICMP4_ECHO_REQUEST)
			return;
		req.type = CAPNET_ICMP4_ECHO_REPLY;
		send_icmp(r, eth->src, ip.dst, ip.src, &req);
		r->stats.echo_replies++;
		return;
	}
	if (ip.ttl <= 1) {
		send_error(r, eth->src, &ip, p, CAPNET_ICMP4_TIME_EXCEEDED, 0);
		r->stats.time_exceeded++;
		return;
	}
	struct capnet_mac next;
	if (net_of(r, ip.dst) == NULL) {
		send_error(r, eth->src, &ip, p, CAPNET_ICMP4_DEST_UNREACH, CAPNET_ICMP4_NET_UNREACH);
		r->stats.net_unreach++;
		return;
	}
	if (!neighbour(r, ip.dst, &next)) {
		send_error(r, eth->src, &ip, p, CAPNET_ICMP4_DEST_UNREACH, CAPNET_ICMP4_HOST_UNREACH);
		r->stats.host_unreach++;
		return;
	}
	/* RFC 1812 5.3.1: one less TTL; 5.2.2: the header checksum redone. */
	uint8_t f[1600];
	if (CAPNET_ETH_HDR_LEN + ip.header_len + ip.payload_len > sizeof f)
		return;
	struct capnet_eth_repr out = {.dst = next, .src = r->mac, .ethertype = CAPNET_ETHERTYPE_IPV4};
	size_t n = capnet_eth_emit(&out, f);
	memcpy(f + n, p, ip.header_len + ip.payload_len);
	f[n + CAPNET_IP4_TTL]--;
	capnet_put16(f + n + CAPNET_IP4_CHECKSUM, 0);
	capnet_put16(f + n + CAPNET_IP4_CHECKSUM, capnet_csum(f + n, ip.header_len));
	transmit(r, f, n + ip.header_len + ip.payload_len);
	r->stats.forwarded++;
}

static capnet_instant router_poll(void *ctx, capnet_instant now)
{
	(void)now;
	struct router *r = ctx;
	uint8_t f[1600];
	size_t len;
	while (r->nic->ops->receive(r->nic->dev, f, sizeof f, &len) == CAPNET_OK) {
		struct capnet_eth_repr eth;
		if (capnet_eth_parse(f, len, &eth, NULL) != CAPNET_OK)
			continue;
		if (!capnet_mac_eq(eth.dst, r->mac) && !capnet_mac_is_broadcast(eth.dst))
			continue;
		if (eth.ethertype == CAPNET_ETHERTYPE_ARP)
			on_arp(r, f + eth.header_len, len - eth.header_len);
		else if (eth.ethertype == CAPNET_ETHERTYPE_IPV4 && capnet_mac_eq(eth.dst, r->mac))
			on_ip(r, &eth, f + eth.header_len, len - eth.header_len);
	}
	return CAPNET_INSTANT_NEVER;
}

capnet_err router_open(struct router *r, struct capnet_sim *sim, struct capnet_mac mac, const struct router_net *nets,
		       unsigned n_nets, const struct capnet_sim_impair *impair)
{
	if (n_nets == 0 || n_nets > ROUTER_NETS)
		return CAPNET_E_INVAL;
	memset(r, 0, sizeof *r);
	r->sim = sim;
	r->mac = mac;
	memcpy(r->nets, nets, sizeof *nets * n_nets);
	r->n_nets = n_nets;
	r->ip_ident = 1;
	r->nic = capnet_sim_add_port(sim, mac, 1500, impair, &r->port);
	if (r->nic == NULL)
		return CAPNET_E_NOMEM;
	return capnet_sim_add_participant(sim, router_poll, r);
}
