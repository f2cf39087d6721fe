/* The DHCPv4 server fixture: raw frames in, raw frames out, built and read
 * with the library's codecs. */
#include "sim/dhcp4_server.h"

#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/udp.h"

/* ---- leases ---- */

static int lease_find(const struct dhcp4_server *s, struct capnet_mac chaddr)
{
	for (int i = 0; i < DHCP4_SERVER_LEASES; i++)
		if (s->leases[i].in_use && !s->leases[i].declined && capnet_mac_eq(s->leases[i].chaddr, chaddr))
			return i;
	return -1;
}

static bool addr_taken(const struct dhcp4_server *s, capnet_ip4addr a)
{
	for (int i = 0; i < DHCP4_SERVER_LEASES; i++)
		if (s->leases[i].in_use && s->leases[i].addr == a)
			return true;
	return false;
}

static int lease_slot(struct dhcp4_server *s)
{
	for (int i = 0; i < DHCP4_SERVER_LEASES; i++)
		if (!s->leases[i].in_use)
			return i;
	return -1;
}

/* The client's lease, or a new offer of the first free pool address. */
static int lease_for(struct dhcp4_server *s, struct capnet_mac chaddr)
{
	int i = lease_find(s, chaddr);
	if (i >= 0)
		return i;
	for (uint16_t k = 0; k < s->cfg.pool_size; k++) {
		capnet_ip4addr a = s->cfg.pool_start + k;
		if (addr_taken(s, a))
			continue;
		i = lease_slot(s);
		if (i < 0)
			return -1;
		s->leases[i].in_use = true;
		s->leases[i].bound = false;
		s->leases[i].declined = false;
		s->leases[i].chaddr = chaddr;
		s->leases[i].addr = a;
		return i;
	}
	return -1;
}

static bool in_subnet(const struct dhcp4_server *s, capnet_ip4addr a)
{
	capnet_ip4addr m = capnet_ip4_mask(s->cfg.prefix_len);
	return a != 0 && (a & m) == (s->cfg.addr & m) && (a & ~m) != 0 && (a & ~m) != ~m;
}

capnet_ip4addr dhcp4_server_lease_of(const struct dhcp4_server *s, struct capnet_mac chaddr)
{
	int i = lease_find(s, chaddr);
	return i >= 0 && s->leases[i].bound ? s->leases[i].addr : 0;
}

/* ---- output ---- */

static void send_udp(struct dhcp4_server *s, struct capnet_mac dst_mac, capnet_ip4addr dst, const uint8_t *payload,
		     size_t plen, capnet_instant now)
{
	udp_peer_send(&s->peer, dst_mac, dst, CAPNET_DHCP4_SERVER_PORT, CAPNET_DHCP4_CLIENT_PORT, payload, plen, now);
}

static void fill_options(const struct dhcp4_server *s, struct capnet_dhcp4_repr *r)
{
	r->present |= CAPNET_DHCP4_HAS_LEASE_TIME | CAPNET_DHCP4_HAS_SUBNET_MASK | CAPNET_DHCP4_HAS_BROADCAST;
	r->lease_time = s->cfg.lease_secs;
	r->subnet_mask = capnet_ip4_mask(s->cfg.prefix_len);
	r->broadcast_addr = s->cfg.addr | ~capnet_ip4_mask(s->cfg.prefix_len);
	if (s->cfg.t1_secs) {
		r->present |= CAPNET_DHCP4_HAS_T1;
		r->t1 = s->cfg.t1_secs;
	}
	if (s->cfg.t2_secs) {
		r->present |= CAPNET_DHCP4_HAS_T2;
		r->t2 = s->cfg.t2_secs;
	}
	if (s->cfg.router) {
		r->n_routers = 1;
		r->routers[0] = s->cfg.router;
	}
	r->n_dns = s->cfg.n_dns;
	if (s->cfg.mtu != 0) {
		r->present |= CAPNET_DHCP4_HAS_INTERFACE_MTU;
		r->interface_mtu = s->cfg.mtu;
	}
	memcpy(r->dns, s->cfg.dns, sizeof r->dns);
	if (s->cfg.domain)
		r->domain_name = (struct capnet_dhcp4_bytes){(const uint8_t *)s->cfg.domain, (uint8_t)strlen(s->cfg.domain)};
	if (s->cfg.n_search) {
		size_t len = 0;
		if (capnet_dhcp4_search_encode(s->cfg.search, s->cfg.n_search, r->search, sizeof r->search, &len) ==
		    CAPNET_OK)
			r->search_len = (uint16_t)len;
	}
	r->n_routes = s->cfg.n_routes;
	memcpy(r->routes, s->cfg.routes, sizeof s->cfg.routes);
}

/* RFC 2131 4.1, "server to client" addressing (giaddr is always 0 here). */
static void reply(struct dhcp4_server *s, const struct capnet_dhcp4_repr *req, uint8_t type, capnet_ip4addr yiaddr,
		  capnet_instant now)
{
	static struct capnet_dhcp4_repr r; /* large: keep it off the stack */
	memset(&r, 0, sizeof r);
	r.op = CAPNET_BOOTREPLY;
	r.xid = req->xid;
	r.flags = req->flags;
	r.chaddr = req->chaddr;
	r.message_type = type;
	r.present = CAPNET_DHCP4_HAS_SERVER_ID;
	r.server_id = s->cfg.addr;
	if (type != CAPNET_DHCP4_NAK) {
		r.ciaddr = req->ciaddr;
		r.yiaddr = yiaddr;
		r.siaddr = s->cfg.addr;
		fill_options(s, &r);
	}
	uint8_t msg[600];
	size_t n = capnet_dhcp4_emit_len(&r);
	if (n == 0 || n > sizeof msg)
		return;
	capnet_dhcp4_emit(&r, msg);
	if (type == CAPNET_DHCP4_NAK || (req->ciaddr == 0 && (req->flags & CAPNET_DHCP4_FLAG_BROADCAST)))
		send_udp(s, CAPNET_MAC_BROADCAST, CAPNET_IP4_BROADCAST, msg, n, now);
	else if (req->ciaddr)
		send_udp(s, req->chaddr, req->ciaddr, msg, n, now);
	else
		send_udp(s, req->chaddr, yiaddr, msg, n, now);
	if (type == CAPNET_DHCP4_OFFER)
		s->stats.offers++;
	else if (type == CAPNET_DHCP4_ACK)
		s->stats.acks++;
	else if (type == CAPNET_DHCP4_NAK)
		s->stats.naks++;
}

/* ---- input ---- */

static uint8_t on_request(struct dhcp4_server *s, const struct capnet_dhcp4_repr *req, capnet_instant now)
{
	s->stats.requests++;
	bool selecting = req->present & CAPNET_DHCP4_HAS_SERVER_ID;
	if (selecting && req->server_id != s->cfg.addr) {
		/* The client chose another server: withdraw our offer. */
		int i = lease_find(s, req->chaddr);
		if (i >= 0 && !s->leases[i].bound)
			s->leases[i].in_use = false;
		s->stats.ignored++;
		return 0;
	}
	capnet_ip4addr want = (req->present & CAPNET_DHCP4_HAS_REQUESTED_IP) ? req->requested_ip : req->ciaddr;
	if (s->nak_next) {
		s->nak_next--;
		int i = lease_find(s, req->chaddr);
		if (i >= 0)
			s->leases[i].in_use = false;
		reply(s, req, CAPNET_DHCP4_NAK, 0, now);
		return CAPNET_DHCP4_NAK;
	}
	int i = lease_find(s, req->chaddr);
	bool ours = i >= 0 && s->leases[i].addr == want;
	/* Renewing/rebinding/rebooting for an address in our subnet that no one
	 * else holds: take it over (a second server of the same subnet). */
	if (!ours && !selecting && in_subnet(s, want) && !addr_taken(s, want)) {
		if (i < 0)
			i = lease_slot(s);
		if (i >= 0) {
			s->leases[i].in_use = true;
			s->leases[i].declined = false;
			s->leases[i].chaddr = req->chaddr;
			s->leases[i].addr = want;
			ours = true;
		}
	}
	if (!ours) {
		reply(s, req, CAPNET_DHCP4_NAK, 0, now);
		return CAPNET_DHCP4_NAK;
	}
	s->leases[i].bound = true;
	reply(s, req, CAPNET_DHCP4_ACK, want, now);
	return CAPNET_DHCP4_ACK;
}

static uint8_t on_dhcp(struct dhcp4_server *s, const struct capnet_dhcp4_repr *req, capnet_instant now)
{
	int i;
	switch (req->message_type) {
	case CAPNET_DHCP4_DISCOVER:
		s->stats.discovers++;
		i = lease_for(s, req->chaddr);
		if (i < 0)
			return 0;
		reply(s, req, CAPNET_DHCP4_OFFER, s->leases[i].addr, now);
		return CAPNET_DHCP4_OFFER;
	case CAPNET_DHCP4_REQUEST:
		return on_request(s, req, now);
	case CAPNET_DHCP4_DECLINE:
		s->stats.declines++;
		i = lease_find(s, req->chaddr);
		if (i >= 0 && req->server_id == s->cfg.addr)
			s->leases[i].declined = true;
		return 0;
	case CAPNET_DHCP4_RELEASE:
		s->stats.releases++;
		i = lease_find(s, req->chaddr);
		if (i >= 0 && req->server_id == s->cfg.addr && s->leases[i].addr == req->ciaddr)
			s->leases[i].in_use = false;
		return 0;
	default:
		s->stats.informs++;
		return 0;
	}
}

static void log_rx(struct dhcp4_server *s, const struct capnet_dhcp4_repr *req, const struct capnet_eth_repr *eth,
		   const struct capnet_ip4_repr *ip, uint8_t answered, capnet_instant now)
{
	struct dhcp4_server_rx e = {
		.at = now,
		.msg = req->message_type,
		.xid = req->xid,
		.eth_dst = eth->dst,
		.ip_src = ip->src,
		.ip_dst = ip->dst,
		.ciaddr = req->ciaddr,
		.requested_ip = (req->present & CAPNET_DHCP4_HAS_REQUESTED_IP) ? req->requested_ip : 0,
		.server_id = (req->present & CAPNET_DHCP4_HAS_SERVER_ID) ? req->server_id : 0,
		.reply = answered,
	};
	if (s->nlog == DHCP4_SERVER_LOG) {
		memmove(s->log, s->log + 1, sizeof s->log[0] * (DHCP4_SERVER_LOG - 1));
		s->nlog--;
	}
	s->log[s->nlog++] = e;
}

static void on_ip(void *ctx, const struct capnet_eth_repr *eth, const uint8_t *p, size_t len, capnet_instant now)
{
	struct dhcp4_server *s = ctx;
	struct capnet_ip4_repr ip;
	struct capnet_udp_repr u;
	static struct capnet_dhcp4_repr req;
	if (capnet_ip4_parse(p, len, &ip, NULL) != CAPNET_OK || ip.proto != CAPNET_IPPROTO_UDP ||
	    capnet_udp_parse4(p + ip.header_len, ip.payload_len, ip.src, ip.dst, &u, NULL) != CAPNET_OK ||
	    u.dst_port != CAPNET_DHCP4_SERVER_PORT ||
	    capnet_dhcp4_parse(u.payload, u.payload_len, &req, NULL) != CAPNET_OK || req.op != CAPNET_BOOTREQUEST) {
		s->stats.malformed++;
		return;
	}
	bool unicast = !capnet_mac_is_broadcast(eth->dst);
	uint8_t answered = 0;
	if (s->mode == DHCP4_SERVER_SILENT || (s->mode == DHCP4_SERVER_BROADCAST_ONLY && unicast))
		s->stats.ignored++;
	else
		answered = on_dhcp(s, &req, now);
	log_rx(s, &req, eth, &ip, answered, now);
}

capnet_err dhcp4_server_open(struct dhcp4_server *s, struct capnet_sim *sim, const struct dhcp4_server_config *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	/* A delayed reply over 600 bytes is dropped, as it always was. */
	return udp_peer_open(&s->peer, sim, cfg->mac, cfg->addr, cfg->delay, cfg->impair, 600, on_ip, s,
			     &s->stats.arp_replies);
}

void dhcp4_server_set_mode(struct dhcp4_server *s, enum dhcp4_server_mode mode)
{
	s->mode = mode;
}

void dhcp4_server_nak_next(struct dhcp4_server *s, unsigned n)
{
	s->nak_next = n;
}

const struct dhcp4_server_rx *dhcp4_server_last(const struct dhcp4_server *s, uint8_t msg)
{
	for (unsigned i = s->nlog; i > 0; i--)
		if (msg == 0 || s->log[i - 1].msg == msg)
			return &s->log[i - 1];
	return NULL;
}
