/* UDP sockets: demultiplexing by port, bounded receive queues from a shared
 * datagram pool, ephemeral ports (RFC 6056), ICMP errors to connected
 * sockets. The codec (wire/udp.c) does the bytes; this file does the
 * sockets. Every drop is counted under its reason. IPv4 and IPv6 share
 * every path: addresses are struct capnet_ipaddr, and only the checksum,
 * the egress call and the port-unreachable answer pick the family. */
#include <string.h>

#include "capnet/config.h"
#include "capnet/ip6.h"
#include "capnet/udp.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/ipv6.h"
#include "capnet/wire/udp.h"

/* One received datagram, from the layer's pool. */
struct udp_dgram {
	struct udp_dgram *next;
	struct capnet_ipaddr src;
	struct capnet_ipaddr dst;
	uint16_t src_port;
	uint16_t len;
	bool broadcast;
	uint8_t data[];
};

struct capnet_udp_socket {
	struct capnet_udp_layer *u;
	bool in_use;
	bool bound;
	bool connected;
	unsigned opts;
	/* af NONE: every address of both families; an unspecified address of
	 * one family: every address of that family. */
	struct capnet_ipaddr local_addr;
	uint16_t local_port;
	struct capnet_ipaddr peer_addr;
	uint16_t peer_port;
	capnet_err pending; /* an ICMP error not yet reported; CAPNET_OK: none */
	struct udp_dgram *head;
	struct udp_dgram *tail;
	uint16_t nqueued;
	capnet_udp_notify_fn notify;
	void *notify_ctx;
};

struct capnet_udp_layer {
	struct capnet_udp_config cfg;
	struct capnet_iface *ifc;
	struct capnet_l4_protocol proto;
	struct capnet_l4_protocol proto6; /* registered when the interface has IPv6 */
	struct capnet_udp_socket *socks;
	struct capnet_pool dgrams;
	uint32_t open;
};

#define COUNT(u, name) capnet_iface_count((u)->ifc, CAPNET_STAT_##name)

void capnet_udp_config_defaults(struct capnet_udp_config *cfg)
{
	if (cfg->max_sockets == 0)
		cfg->max_sockets = CAPNET_DEFAULT_UDP_MAX_SOCKETS;
	if (cfg->rx_queue_depth == 0)
		cfg->rx_queue_depth = CAPNET_DEFAULT_UDP_RX_QUEUE_DEPTH;
	if (cfg->dgram_buffers == 0)
		cfg->dgram_buffers = CAPNET_DEFAULT_UDP_DGRAM_BUFFERS;
	if (cfg->dgram_size == 0)
		cfg->dgram_size = CAPNET_DEFAULT_UDP_DGRAM_SIZE;
}

static size_t dgram_obj_size(const struct capnet_udp_config *cfg)
{
	return sizeof(struct udp_dgram) + cfg->dgram_size;
}

size_t capnet_udp_arena_need(const struct capnet_udp_config *in)
{
	struct capnet_udp_config cfg = in ? *in : (struct capnet_udp_config){0};
	capnet_udp_config_defaults(&cfg);
	size_t al = _Alignof(max_align_t);
	size_t n = sizeof(struct capnet_udp_layer) + al;
	n += sizeof(struct capnet_udp_socket) * cfg.max_sockets + al;
	n += capnet_pool_arena_need(dgram_obj_size(&cfg), cfg.dgram_buffers);
	return n;
}

/* ---- helpers ---- */

static bool is_broadcast(const struct capnet_iface *ifc, capnet_ip4addr a)
{
	if (a == CAPNET_IP4_BROADCAST)
		return true;
	struct capnet_ip4_config c;
	capnet_iface_get_ip4(ifc, &c);
	if (c.addr == 0 || c.prefix_len >= 31)
		return false;
	capnet_ip4addr mask = capnet_ip4_mask(c.prefix_len);
	return (a & mask) == (c.addr & mask) && (a & ~mask) == ~mask;
}

static void notify(struct capnet_udp_socket *s, capnet_instant now)
{
	if (s->notify)
		s->notify(s->notify_ctx, s, capnet_udp_events(s), now);
}

static void free_queue(struct capnet_udp_socket *s)
{
	while (s->head) {
		struct udp_dgram *d = s->head;
		s->head = d->next;
		capnet_pool_put(&s->u->dgrams, d);
	}
	s->tail = NULL;
	s->nqueued = 0;
}

/* Whether a socket bound to `local` takes datagrams to `dst`. */
static bool local_matches(const struct capnet_ipaddr *local, const struct capnet_ipaddr *dst)
{
	if (local->af == CAPNET_AF_NONE)
		return true;
	if (local->af != dst->af)
		return false;
	return capnet_ipaddr_is_unspecified(local) || capnet_ipaddr_eq(local, dst);
}

/* Whether two local bindings could both claim one datagram. */
static bool locals_overlap(const struct capnet_ipaddr *a, const struct capnet_ipaddr *b)
{
	if (a->af == CAPNET_AF_NONE || b->af == CAPNET_AF_NONE)
		return true;
	if (a->af != b->af)
		return false;
	return capnet_ipaddr_is_unspecified(a) || capnet_ipaddr_is_unspecified(b) || capnet_ipaddr_eq(a, b);
}

static bool port_taken(const struct capnet_udp_layer *u, const struct capnet_udp_socket *self,
		       const struct capnet_ipaddr *addr, uint16_t port, bool any_addr)
{
	for (uint16_t i = 0; i < u->cfg.max_sockets; i++) {
		const struct capnet_udp_socket *o = &u->socks[i];
		if (o == self || !o->in_use || !o->bound || o->local_port != port)
			continue;
		if (any_addr || locals_overlap(&o->local_addr, addr))
			return true;
	}
	return false;
}

/* RFC 6056 Algorithm 1: a random start, then the next free port, wrapping
 * once through the range. A port is "free" only if no socket uses it on any
 * address, so an ephemeral port never shadows an explicit bind. */
static capnet_err ephemeral_port(struct capnet_udp_layer *u, const struct capnet_udp_socket *self, uint16_t *out)
{
	const uint32_t num = CAPNET_UDP_EPHEMERAL_MAX - CAPNET_UDP_EPHEMERAL_MIN + 1;
	uint32_t offset = capnet_rng_below(capnet_iface_rng(u->ifc), num);
	for (uint32_t count = 0; count < num; count++) {
		uint16_t port = (uint16_t)(CAPNET_UDP_EPHEMERAL_MIN + (offset + count) % num);
		if (!port_taken(u, self, NULL, port, true)) {
			*out = port;
			return CAPNET_OK;
		}
	}
	return CAPNET_E_NOMEM;
}

/* The socket a datagram to (dst, port) belongs to: binds never overlap, so
 * there is at most one. */
static struct capnet_udp_socket *demux(struct capnet_udp_layer *u, const struct capnet_ipaddr *dst, uint16_t port)
{
	for (uint16_t i = 0; i < u->cfg.max_sockets; i++) {
		struct capnet_udp_socket *s = &u->socks[i];
		if (s->in_use && s->bound && s->local_port == port && local_matches(&s->local_addr, dst))
			return s;
	}
	return NULL;
}

/* ---- ingress ---- */

static bool parse_counted(struct capnet_udp_layer *u, const struct capnet_l3_rx *rx, struct capnet_udp_repr *r)
{
	static const enum capnet_stat by_reason[] = {
		[CAPNET_UDP_ERR_TRUNCATED] = CAPNET_STAT_udp_rx_truncated,
		[CAPNET_UDP_ERR_BAD_LENGTH] = CAPNET_STAT_udp_rx_badlen,
		[CAPNET_UDP_ERR_LENGTH_BEYOND] = CAPNET_STAT_udp_rx_truncated,
		[CAPNET_UDP_ERR_BAD_CHECKSUM] = CAPNET_STAT_udp_rx_badsum,
	};
	enum capnet_udp_error why;
	capnet_err e = rx->src.af == CAPNET_AF_INET6
			       ? capnet_udp_parse6(rx->payload, rx->payload_len, &rx->src.u.v6, &rx->dst.u.v6, r, &why)
			       : capnet_udp_parse4(rx->payload, rx->payload_len, rx->src4, rx->dst4, r, &why);
	if (e != CAPNET_OK) {
		if (why == CAPNET_UDP_ERR_ZERO_CHECKSUM)
			capnet_ip6_count(u->ifc, CAPNET_STAT6_udp6_rx_zero_checksum);
		else
			CAPNET_IFACE_COUNT_REASON(u->ifc, by_reason, why);
		return false;
	}
	if (r->checksum_absent)
		COUNT(u, udp_rx_nosum);
	return true;
}

/* IPv4 broadcast, or IPv6 multicast (which stands in for it, RFC 4291 2.7):
 * both reach sockets only with CAPNET_UDP_OPT_BROADCAST. */
static bool rx_broadcast(const struct capnet_l3_rx *rx)
{
	if (rx->dst.af == CAPNET_AF_INET6)
		return capnet_ip6_is_multicast(&rx->dst.u.v6);
	return rx->ip_broadcast || rx->link_broadcast;
}

static void enqueue(struct capnet_udp_socket *s, const struct capnet_l3_rx *rx, const struct capnet_udp_repr *r,
		    capnet_instant now)
{
	struct capnet_udp_layer *u = s->u;
	if (r->payload_len > u->cfg.dgram_size) {
		COUNT(u, udp_rx_toolong);
		return;
	}
	if (s->nqueued >= u->cfg.rx_queue_depth) {
		COUNT(u, udp_rx_queue_full);
		return;
	}
	struct udp_dgram *d = capnet_pool_get(&u->dgrams);
	if (!d) {
		COUNT(u, udp_rx_nobufs);
		COUNT(u, pool_exhausted);
		return;
	}
	d->src = rx->src;
	d->dst = rx->dst;
	d->src_port = r->src_port;
	d->broadcast = rx_broadcast(rx);
	d->len = (uint16_t)r->payload_len;
	memcpy(d->data, r->payload, r->payload_len);
	if (s->tail)
		s->tail->next = d;
	else
		s->head = d;
	s->tail = d;
	s->nqueued++;
	COUNT(u, udp_rx_queued);
	notify(s, now);
}

static void udp_input(void *ctx, struct capnet_iface *ifc, const struct capnet_l3_rx *rx, capnet_instant now)
{
	struct capnet_udp_layer *u = ctx;
	COUNT(u, udp_rx_datagrams);
	struct capnet_udp_repr r;
	if (!parse_counted(u, rx, &r))
		return;
	struct capnet_udp_socket *s = r.dst_port ? demux(u, &rx->dst, r.dst_port) : NULL;
	if (!s) {
		COUNT(u, udp_rx_noport);
		/* RFC 1122 4.1.3.1: SHOULD send port unreachable; the interface
		 * refuses it for broadcasts and rate limits the rest. Over IPv6
		 * it is ICMPv6 destination unreachable code 4 (RFC 4443 3.1),
		 * never for a datagram sent to multicast. */
		if (rx->src.af == CAPNET_AF_INET6)
			capnet_icmp6_send_error(ifc, CAPNET_ICMP6_DEST_UNREACH, CAPNET_ICMP6_PORT_UNREACH, 0, rx, false,
						now);
		else
			capnet_icmp4_send_error(ifc, CAPNET_ICMP4_DEST_UNREACH, CAPNET_ICMP4_PORT_UNREACH, rx, now);
		return;
	}
	if (s->connected && (!capnet_ipaddr_eq(&rx->src, &s->peer_addr) || r.src_port != s->peer_port)) {
		COUNT(u, udp_rx_filtered);
		return;
	}
	if (rx_broadcast(rx) && !(s->opts & CAPNET_UDP_OPT_BROADCAST)) {
		COUNT(u, udp_rx_bcast_refused);
		return;
	}
	enqueue(s, rx, &r, now);
}

/* An ICMP error quoting a datagram we sent (the interface has parsed the
 * quote; a quote without our ports is ignored). Only the connected socket
 * that sent exactly that 4-tuple hears about it. */
static void udp_icmp_error(void *ctx, struct capnet_iface *ifc, const struct capnet_icmp4_quote *q,
			   enum capnet_icmp4_error why, capnet_instant now)
{
	(void)ifc;
	struct capnet_udp_layer *u = ctx;
	if (why != CAPNET_ICMP4_ERR_NONE) {
		COUNT(u, udp_icmp_ignored);
		return;
	}
	for (uint16_t i = 0; i < u->cfg.max_sockets; i++) {
		struct capnet_udp_socket *s = &u->socks[i];
		if (!s->in_use || !s->connected || s->local_port != q->src_port || s->peer_addr.af != CAPNET_AF_INET ||
		    s->peer_addr.u.v4 != q->dst || s->peer_port != q->dst_port)
			continue;
		bool refused = q->type == CAPNET_ICMP4_DEST_UNREACH && q->code == CAPNET_ICMP4_PORT_UNREACH;
		s->pending = refused ? CAPNET_E_REFUSED : CAPNET_E_UNREACHABLE;
		COUNT(u, udp_icmp_errors);
		notify(s, now);
		return;
	}
	COUNT(u, udp_icmp_ignored);
}

/* ---- the layer ---- */

capnet_err capnet_udp_create(struct capnet_arena *arena, const struct capnet_udp_config *in,
			     struct capnet_iface *ifc, struct capnet_udp_layer **out)
{
	*out = NULL;
	if (!ifc)
		return CAPNET_E_INVAL;
	struct capnet_udp_config cfg = in ? *in : (struct capnet_udp_config){0};
	capnet_udp_config_defaults(&cfg);
	struct capnet_udp_layer *u = capnet_arena_alloc(arena, sizeof *u, _Alignof(max_align_t));
	if (!u)
		return CAPNET_E_NOMEM;
	u->cfg = cfg;
	u->ifc = ifc;
	u->socks = capnet_arena_alloc(arena, sizeof(struct capnet_udp_socket) * cfg.max_sockets,
				      _Alignof(max_align_t));
	if (!u->socks)
		return CAPNET_E_NOMEM;
	capnet_err e = capnet_pool_init(&u->dgrams, arena, dgram_obj_size(&cfg), cfg.dgram_buffers);
	if (e != CAPNET_OK)
		return e;
	u->proto.family = CAPNET_AF_INET;
	u->proto.proto = CAPNET_IPPROTO_UDP;
	u->proto.input = udp_input;
	u->proto.icmp_error = udp_icmp_error;
	u->proto.ctx = u;
	capnet_iface_register_l4(ifc, &u->proto);
	/* The same input serves IPv6 (the family is in rx). ICMPv6 errors do
	 * not reach transports yet, so connected IPv6 sockets hear none. */
	if (capnet_ip6_enabled(ifc)) {
		u->proto6.family = CAPNET_AF_INET6;
		u->proto6.proto = CAPNET_IPPROTO_UDP;
		u->proto6.input = udp_input;
		u->proto6.ctx = u;
		capnet_iface_register_l4(ifc, &u->proto6);
	}
	*out = u;
	return CAPNET_OK;
}

capnet_err capnet_udp_open(struct capnet_udp_layer *u, struct capnet_udp_socket **out)
{
	*out = NULL;
	for (uint16_t i = 0; i < u->cfg.max_sockets; i++) {
		struct capnet_udp_socket *s = &u->socks[i];
		if (s->in_use)
			continue;
		memset(s, 0, sizeof *s);
		s->u = u;
		s->in_use = true;
		u->open++;
		*out = s;
		return CAPNET_OK;
	}
	return CAPNET_E_NOMEM;
}

void capnet_udp_close(struct capnet_udp_socket *s)
{
	if (!s || !s->in_use)
		return;
	struct capnet_udp_layer *u = s->u;
	free_queue(s);
	memset(s, 0, sizeof *s);
	u->open--;
}

static const struct capnet_ipaddr any_family = {.af = CAPNET_AF_NONE};

/* The wildcard of a's family: what an implicit bind takes for a peer a. */
static struct capnet_ipaddr wildcard_of(const struct capnet_ipaddr *a)
{
	return (struct capnet_ipaddr){.af = a->af};
}

capnet_err capnet_udp_bind_addr(struct capnet_udp_socket *s, const struct capnet_ipaddr *addr, uint16_t port)
{
	if (addr == NULL)
		addr = &any_family;
	if (addr->af != CAPNET_AF_NONE && addr->af != CAPNET_AF_INET && addr->af != CAPNET_AF_INET6)
		return CAPNET_E_INVAL;
	if (s->bound)
		return CAPNET_E_STATE;
	if (port == 0) {
		capnet_err e = ephemeral_port(s->u, s, &port);
		if (e != CAPNET_OK)
			return e;
	} else if (port_taken(s->u, s, addr, port, false)) {
		return CAPNET_E_INUSE;
	}
	s->local_addr = *addr;
	s->local_port = port;
	s->bound = true;
	return CAPNET_OK;
}

capnet_err capnet_udp_bind(struct capnet_udp_socket *s, capnet_ip4addr addr, uint16_t port)
{
	struct capnet_ipaddr a = capnet_ipaddr_from_ip4(addr);
	return capnet_udp_bind_addr(s, &a, port);
}

capnet_err capnet_udp_connect_addr(struct capnet_udp_socket *s, const struct capnet_ipaddr *addr, uint16_t port)
{
	if (addr == NULL || addr->af == CAPNET_AF_NONE || capnet_ipaddr_is_unspecified(addr)) {
		s->connected = false;
		s->peer_addr = (struct capnet_ipaddr){0};
		s->peer_port = 0;
		return CAPNET_OK;
	}
	if (port == 0 || (addr->af != CAPNET_AF_INET && addr->af != CAPNET_AF_INET6))
		return CAPNET_E_INVAL;
	if (s->bound && s->local_addr.af != CAPNET_AF_NONE && s->local_addr.af != addr->af)
		return CAPNET_E_INVAL; /* bound to the other family */
	if (!s->bound) {
		struct capnet_ipaddr w = wildcard_of(addr);
		capnet_err e = capnet_udp_bind_addr(s, &w, 0);
		if (e != CAPNET_OK)
			return e;
	}
	s->connected = true;
	s->peer_addr = *addr;
	s->peer_port = port;
	s->pending = CAPNET_OK;
	return CAPNET_OK;
}

capnet_err capnet_udp_connect(struct capnet_udp_socket *s, capnet_ip4addr addr, uint16_t port)
{
	struct capnet_ipaddr a = capnet_ipaddr_from_ip4(addr);
	return capnet_udp_connect_addr(s, &a, port);
}

capnet_err capnet_udp_set_option(struct capnet_udp_socket *s, unsigned opt, bool on)
{
	if (opt & ~(CAPNET_UDP_OPT_BROADCAST | CAPNET_UDP_OPT_UNCONFIGURED))
		return CAPNET_E_INVAL;
	s->opts = on ? s->opts | opt : s->opts & ~opt;
	return CAPNET_OK;
}

uint16_t capnet_udp_local_port(const struct capnet_udp_socket *s)
{
	return s->bound ? s->local_port : 0;
}

static capnet_err take_pending(struct capnet_udp_socket *s)
{
	capnet_err e = s->pending;
	s->pending = CAPNET_OK;
	return e;
}

/* Builds the datagram in the IPv4 egress buffer and sends it. */
static capnet_err send4(struct capnet_udp_socket *s, capnet_ip4addr dst, uint16_t port, const void *data, size_t len,
			capnet_instant now)
{
	struct capnet_udp_layer *u = s->u;
	struct capnet_ip4_config c;
	capnet_iface_get_ip4(u->ifc, &c);
	capnet_ip4addr src = capnet_ipaddr_ip4(&s->local_addr) ? capnet_ipaddr_ip4(&s->local_addr) : c.addr;
	size_t cap;
	uint8_t *buf = capnet_ip4_tx_buffer(u->ifc, &cap);
	if (len > cap || cap - len < CAPNET_UDP_HDR_LEN)
		return CAPNET_E_MSGSIZE;
	struct capnet_udp_repr r = {.src_port = s->local_port, .dst_port = port, .payload = data, .payload_len = len};
	size_t n = capnet_udp_emit4(&r, buf, src, dst);
	struct capnet_ip4_tx tx = {
		.src = src,
		.dst = dst,
		.proto = CAPNET_IPPROTO_UDP,
		.flags = (s->opts & CAPNET_UDP_OPT_UNCONFIGURED) ? CAPNET_IP4_TX_UNCONFIGURED_OK : 0,
	};
	return capnet_ip4_send(u->ifc, &tx, n, now);
}

/* The same over IPv6: the bound address, else one chosen for dst (RFC
 * 6724, simplified). */
static capnet_err send6(struct capnet_udp_socket *s, const struct capnet_ip6addr *dst, uint16_t port,
			const void *data, size_t len, capnet_instant now)
{
	struct capnet_udp_layer *u = s->u;
	if (!capnet_ip6_enabled(u->ifc))
		return CAPNET_E_NOTCONFIGURED;
	struct capnet_ip6_tx tx = {.dst = *dst, .next_header = CAPNET_IPPROTO_UDP};
	if (s->local_addr.af == CAPNET_AF_INET6 && !capnet_ipaddr_is_unspecified(&s->local_addr))
		tx.src = s->local_addr.u.v6;
	else if (!capnet_ip6_select_source(u->ifc, dst, &tx.src))
		return CAPNET_E_NOTCONFIGURED;
	size_t cap;
	uint8_t *buf = capnet_ip6_tx_buffer(u->ifc, &cap);
	if (len > cap || cap - len < CAPNET_UDP_HDR_LEN)
		return CAPNET_E_MSGSIZE;
	struct capnet_udp_repr r = {.src_port = s->local_port, .dst_port = port, .payload = data, .payload_len = len};
	size_t n = capnet_udp_emit6(&r, buf, &tx.src, dst);
	return capnet_ip6_send(u->ifc, &tx, n, now);
}

capnet_err capnet_udp_send_to_addr(struct capnet_udp_socket *s, const struct capnet_ipaddr *dst, uint16_t port,
				   const void *data, size_t len, capnet_instant now)
{
	struct capnet_udp_layer *u = s->u;
	if (s->pending != CAPNET_OK)
		return take_pending(s);
	struct capnet_ipaddr to;
	if ((dst == NULL || dst->af == CAPNET_AF_NONE || capnet_ipaddr_is_unspecified(dst)) && port == 0) {
		if (!s->connected)
			return CAPNET_E_NOTCONN;
		to = s->peer_addr;
		port = s->peer_port;
	} else if (dst == NULL) {
		return CAPNET_E_INVAL;
	} else {
		to = *dst;
	}
	if ((to.af != CAPNET_AF_INET && to.af != CAPNET_AF_INET6) || capnet_ipaddr_is_unspecified(&to) || port == 0)
		return CAPNET_E_INVAL;
	if (s->bound && s->local_addr.af != CAPNET_AF_NONE && s->local_addr.af != to.af)
		return CAPNET_E_INVAL; /* bound to the other family */
	/* A broadcast, or an IPv6 multicast (one to many likewise), needs the
	 * option; refused before anything is bound or sent. */
	bool many = to.af == CAPNET_AF_INET6 ? capnet_ip6_is_multicast(&to.u.v6) : is_broadcast(u->ifc, to.u.v4);
	if (many && !(s->opts & CAPNET_UDP_OPT_BROADCAST))
		return CAPNET_E_RIGHTS;
	if (!s->bound) {
		struct capnet_ipaddr w = wildcard_of(&to);
		capnet_err e = capnet_udp_bind_addr(s, &w, 0);
		if (e != CAPNET_OK)
			return e;
	}
	capnet_err e = to.af == CAPNET_AF_INET6 ? send6(s, &to.u.v6, port, data, len, now)
						: send4(s, to.u.v4, port, data, len, now);
	if (e == CAPNET_E_MSGSIZE)
		return e; /* refused before the interface saw it */
	if (e != CAPNET_OK) {
		COUNT(u, udp_tx_errors);
		return e;
	}
	COUNT(u, udp_tx_datagrams);
	return CAPNET_OK;
}

capnet_err capnet_udp_send_to(struct capnet_udp_socket *s, capnet_ip4addr dst, uint16_t port, const void *data,
			      size_t len, capnet_instant now)
{
	struct capnet_ipaddr a = capnet_ipaddr_from_ip4(dst);
	return capnet_udp_send_to_addr(s, &a, port, data, len, now);
}

capnet_err capnet_udp_recv_from(struct capnet_udp_socket *s, void *buf, size_t cap, size_t *len,
				struct capnet_udp_meta *meta)
{
	if (s->pending != CAPNET_OK)
		return take_pending(s);
	struct udp_dgram *d = s->head;
	if (!d)
		return CAPNET_E_AGAIN;
	size_t n = d->len < cap ? d->len : cap;
	if (n)
		memcpy(buf, d->data, n);
	*len = n;
	if (meta)
		*meta = (struct capnet_udp_meta){
			.src = capnet_ipaddr_ip4(&d->src),
			.src_port = d->src_port,
			.dst = capnet_ipaddr_ip4(&d->dst),
			.broadcast = d->broadcast,
			.len = d->len,
			.src_addr = d->src,
			.dst_addr = d->dst,
		};
	s->head = d->next;
	if (!s->head)
		s->tail = NULL;
	s->nqueued--;
	capnet_pool_put(&s->u->dgrams, d);
	return CAPNET_OK;
}

unsigned capnet_udp_events(const struct capnet_udp_socket *s)
{
	if (!s->in_use)
		return 0;
	unsigned ev = CAPNET_UDP_WRITABLE;
	if (s->nqueued)
		ev |= CAPNET_UDP_READABLE;
	if (s->pending != CAPNET_OK)
		ev |= CAPNET_UDP_ERROR;
	return ev;
}

void capnet_udp_set_notify(struct capnet_udp_socket *s, capnet_udp_notify_fn fn, void *ctx)
{
	s->notify = fn;
	s->notify_ctx = ctx;
}

uint32_t capnet_udp_buffers_in_use(const struct capnet_udp_layer *u)
{
	return u->dgrams.in_use;
}

uint32_t capnet_udp_sockets_open(const struct capnet_udp_layer *u)
{
	return u->open;
}

size_t capnet_udp_queued(const struct capnet_udp_socket *s)
{
	return s->nqueued;
}

uint32_t capnet_udp_queue_capacity(const struct capnet_udp_socket *s)
{
	return s->u->cfg.rx_queue_depth;
}
