/* The router fixture's frames: parsed and built with the library's
 * codecs, forwarding done on the raw bytes (only TTL and checksum change). */
#include "sim/router.h"

#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/ndp.h"
#include "sim/peer6.h"

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

/* ---- IPv6 ---- */

void router_add_neighbour6(struct router *r, const struct capnet_ip6addr *ip, struct capnet_mac mac)
{
	for (unsigned i = 0; i < r->n_neigh6; i++) {
		if (capnet_ip6_eq(&r->neigh6[i].ip, ip)) {
			r->neigh6[i].mac = mac;
			return;
		}
	}
	if (r->n_neigh6 < ROUTER_NEIGHBOURS) {
		r->neigh6[r->n_neigh6].ip = *ip;
		r->neigh6[r->n_neigh6].mac = mac;
		r->n_neigh6++;
	}
}

static bool neighbour6(const struct router *r, const struct capnet_ip6addr *ip, struct capnet_mac *mac)
{
	for (unsigned i = 0; i < r->n_neigh6; i++) {
		if (capnet_ip6_eq(&r->neigh6[i].ip, ip)) {
			*mac = r->neigh6[i].mac;
			return true;
		}
	}
	return false;
}

static const struct router_net6 *net6_of(const struct router *r, const struct capnet_ip6addr *a)
{
	for (unsigned i = 0; i < r->n_nets6; i++)
		if (capnet_ip6_prefix_eq(a, &r->nets6[i].addr, r->nets6[i].prefix_len))
			return &r->nets6[i];
	return NULL;
}

static bool is_mine6(const struct router *r, const struct capnet_ip6addr *a)
{
	for (unsigned i = 0; i < r->n_nets6 + 1; i++)
		if (capnet_ip6_eq(&r->addrs6[i], a))
			return true;
	return false;
}

void router_enable_ip6(struct router *r, const struct router_net6 *nets, unsigned n, uint16_t router_lifetime,
		       uint32_t valid, uint32_t preferred)
{
	if (n > ROUTER_NETS)
		n = ROUTER_NETS;
	memcpy(r->nets6, nets, sizeof *nets * n);
	r->n_nets6 = n;
	r->addrs6[0] = peer6_link_local(r->mac);
	for (unsigned i = 0; i < n; i++)
		r->addrs6[i + 1] = nets[i].addr;
	r->router_lifetime = router_lifetime;
	r->valid = valid;
	r->preferred = preferred;
}

static void send_ra(struct router *r)
{
	struct capnet_ip6addr all = {{0xff, 0x02, [15] = 1}};
	struct capnet_ndp_repr ra = {.type = CAPNET_ICMP6_ROUTER_ADVERT, .cur_hop_limit = 64,
				     .router_lifetime = r->router_lifetime, .has_slla = true, .slla = r->mac, .nprefix = 1};
	ra.prefix[0].prefix = r->nets6[0].addr;
	for (unsigned i = r->nets6[0].prefix_len / 8; i < 16; i++)
		ra.prefix[0].prefix.b[i] = 0; /* the prefix alone: host bits clear */
	ra.prefix[0].len = r->nets6[0].prefix_len;
	ra.prefix[0].on_link = true;
	ra.prefix[0].autonomous = true;
	ra.prefix[0].valid = r->valid;
	ra.prefix[0].preferred = r->preferred;
	uint8_t m[256];
	size_t n = capnet_ndp_emit(&ra, &r->addrs6[0], &all, m);
	peer6_send(r->nic, r->mac, capnet_ip6_multicast_mac(&all), &r->addrs6[0], &all, 255, m, n);
	r->stats.ra_sent++;
}

/* An ICMPv6 error about `p` (quoted whole: our datagrams are small) from
 * the router's address on the sender's net, else its link-local. */
static void send_error6(struct router *r, struct capnet_mac to, const struct capnet_ip6_repr *ip, const uint8_t *p,
			uint8_t type, uint8_t code)
{
	const struct router_net6 *on = net6_of(r, &ip->src);
	const struct capnet_ip6addr *src = on != NULL ? &on->addr : &r->addrs6[0];
	size_t ql = 40 + ip->payload_len;
	if (ql > 1232)
		ql = 1232; /* RFC 4443 2.4 c: the error within the minimum MTU */
	struct capnet_icmp6_repr e = {.type = type, .code = code, .data = p, .data_len = ql};
	uint8_t m[1280];
	size_t n = capnet_icmp6_emit(&e, src, &ip->src, m);
	peer6_send(r->nic, r->mac, to, src, &ip->src, 64, m, n);
}

static void on_ip6(struct router *r, const struct capnet_eth_repr *eth, const uint8_t *p, size_t len)
{
	struct capnet_ip6_repr ip;
	if (r->n_nets6 == 0 || capnet_ip6_parse(p, len, &ip, NULL) != CAPNET_OK)
		return;
	const uint8_t *m = p + 40;
	size_t ml = ip.payload_len;
	struct capnet_icmp6_repr icmp;
	bool is_icmp = ip.next_header == 58 && capnet_icmp6_parse(m, ml, &ip.src, &ip.dst, &icmp, NULL) == CAPNET_OK;
	if (is_icmp && icmp.type == CAPNET_ICMP6_NEIGHBOR_SOLICIT) {
		struct capnet_ndp_repr ns;
		if (!capnet_ip6_is_unspecified(&ip.src) &&
		    capnet_ndp_parse(icmp.type, icmp.data, icmp.data_len, &ns, NULL) == CAPNET_OK && ns.has_slla)
			router_add_neighbour6(r, &ip.src, ns.slla);
		if (peer6_answer_ns(r->nic, r->mac, eth->src, &ip, m, ml, r->addrs6, r->n_nets6 + 1, true))
			r->stats.ns_answered++;
		return;
	}
	if (is_icmp && icmp.type == CAPNET_ICMP6_ROUTER_SOLICIT) {
		r->stats.rs_rcvd++;
		send_ra(r);
		return;
	}
	if (capnet_ip6_is_multicast(&ip.dst) || !capnet_mac_eq(eth->dst, r->mac))
		return;
	/* A fixture's shortcut for neighbour discovery of the hosts it
	 * forwards for: an on-link source is reachable at the frame's source
	 * MAC (a real router would solicit it). */
	if (net6_of(r, &ip.src) != NULL)
		router_add_neighbour6(r, &ip.src, eth->src);
	if (is_mine6(r, &ip.dst)) {
		if (!is_icmp || icmp.type != CAPNET_ICMP6_ECHO_REQUEST)
			return;
		struct capnet_icmp6_repr rep = icmp;
		rep.type = CAPNET_ICMP6_ECHO_REPLY;
		uint8_t out[1500];
		if (capnet_icmp6_emit_len(&rep) > sizeof out)
			return;
		size_t n = capnet_icmp6_emit(&rep, &ip.dst, &ip.src, out);
		peer6_send(r->nic, r->mac, eth->src, &ip.dst, &ip.src, 64, out, n);
		r->stats.echo6_replies++;
		return;
	}
	if (ip.hop_limit <= 1) {
		send_error6(r, eth->src, &ip, p, CAPNET_ICMP6_TIME_EXCEEDED, 0);
		r->stats.hop_exceeded6++;
		return;
	}
	struct capnet_mac next;
	if (net6_of(r, &ip.dst) == NULL) {
		send_error6(r, eth->src, &ip, p, CAPNET_ICMP6_DEST_UNREACH, CAPNET_ICMP6_NO_ROUTE);
		r->stats.no_route6++;
		return;
	}
	if (!neighbour6(r, &ip.dst, &next)) {
		send_error6(r, eth->src, &ip, p, CAPNET_ICMP6_DEST_UNREACH, CAPNET_ICMP6_ADDR_UNREACH);
		r->stats.addr_unreach6++;
		return;
	}
	/* RFC 8200 3: the hop limit is decremented by each forwarding node. */
	uint8_t f[1600];
	if (CAPNET_ETH_HDR_LEN + 40 + ml > sizeof f)
		return;
	struct capnet_eth_repr out = {.dst = next, .src = r->mac, .ethertype = CAPNET_ETHERTYPE_IPV6};
	size_t n = capnet_eth_emit(&out, f);
	memcpy(f + n, p, 40 + ml);
	f[n + 7]--; /* the hop limit byte */
	n += 40 + ml;
	transmit(r, f, n);
	r->stats.forwarded6++;
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
		bool mcast6 = eth.dst.b[0] == 0x33 && eth.dst.b[1] == 0x33;
		if (!capnet_mac_eq(eth.dst, r->mac) && !capnet_mac_is_broadcast(eth.dst) && !mcast6)
			continue;
		if (eth.ethertype == CAPNET_ETHERTYPE_IPV6)
			on_ip6(r, &eth, f + eth.header_len, len - eth.header_len);
		else if (eth.ethertype == CAPNET_ETHERTYPE_ARP)
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
