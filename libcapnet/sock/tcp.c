/* The TCP layer: configuration, the socket table (a fixed array with a
 * free list), demultiplexing by 4-tuple (a chained hash; listeners hash
 * with a wildcard remote), listeners and their queues, opening, and the
 * end of a connection. Segment arrival is tcp_input.c, segment building
 * tcp_output.c, timers tcp_timer.c. */
#include <string.h>

#include "capnet/enum_names.h"
#include "capnet/config.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ipv4.h"
#include "tcp_internal.h"

static const char *const state_names[CAPNET_TCP_STATE__COUNT] = {
	"CLOSED",     "LISTEN",     "SYN-SENT",   "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
	"FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",    "LAST-ACK",     "TIME-WAIT",
};

const char *capnet_tcp_state_name(enum capnet_tcp_state s)
{
	return (unsigned)s < CAPNET_TCP_STATE__COUNT ? state_names[s] : "?";
}

void capnet_tcp_config_defaults(struct capnet_tcp_config *cfg)
{
	if (cfg->max_sockets == 0)
		cfg->max_sockets = CAPNET_DEFAULT_TCP_MAX_SOCKETS;
	if (cfg->sndbuf == 0)
		cfg->sndbuf = CAPNET_DEFAULT_TCP_SNDBUF;
	if (cfg->rcvbuf == 0)
		cfg->rcvbuf = CAPNET_DEFAULT_TCP_RCVBUF;
	if (cfg->buffer_pool == 0)
		cfg->buffer_pool = (size_t)cfg->max_sockets *
				   ((size_t)tcp_ring_size_for(cfg->sndbuf) + tcp_ring_size_for(cfg->rcvbuf));
	if (cfg->rto_initial == 0)
		cfg->rto_initial = CAPNET_DEFAULT_TCP_RTO_INITIAL;
	if (cfg->rto_min == 0)
		cfg->rto_min = CAPNET_DEFAULT_TCP_RTO_MIN;
	if (cfg->rto_max == 0)
		cfg->rto_max = CAPNET_DEFAULT_TCP_RTO_MAX;
	if (cfg->max_retries == 0)
		cfg->max_retries = CAPNET_DEFAULT_TCP_MAX_RETRIES;
	if (cfg->syn_retries == 0)
		cfg->syn_retries = CAPNET_DEFAULT_TCP_SYN_RETRIES;
	if (cfg->synack_retries == 0)
		cfg->synack_retries = CAPNET_DEFAULT_TCP_SYNACK_RETRIES;
	if (cfg->time_wait == 0)
		cfg->time_wait = CAPNET_DEFAULT_TCP_TIME_WAIT;
	if (cfg->delayed_ack == 0)
		cfg->delayed_ack = CAPNET_DEFAULT_TCP_DELAYED_ACK;
	if (cfg->fin_wait_2 == 0)
		cfg->fin_wait_2 = CAPNET_DEFAULT_TCP_FIN_WAIT_2;
	if (cfg->keepalive_idle == 0)
		cfg->keepalive_idle = CAPNET_DEFAULT_TCP_KEEPALIVE_IDLE;
	if (cfg->keepalive_interval == 0)
		cfg->keepalive_interval = CAPNET_DEFAULT_TCP_KEEPALIVE_INTERVAL;
	if (cfg->keepalive_probes == 0)
		cfg->keepalive_probes = CAPNET_DEFAULT_TCP_KEEPALIVE_PROBES;
	if (cfg->syn_backlog == 0)
		cfg->syn_backlog = CAPNET_DEFAULT_TCP_SYN_BACKLOG;
	if (cfg->accept_backlog == 0)
		cfg->accept_backlog = CAPNET_DEFAULT_TCP_ACCEPT_BACKLOG;
	if (cfg->ooo_ranges == 0 || cfg->ooo_ranges > TCP_OOO_MAX)
		cfg->ooo_ranges = TCP_OOO_MAX;
	if (!cfg->cc_set)
		cfg->cc = CAPNET_TCP_CC_RENO;
	if (!CAPNET_DEFAULT_TCP_SYNCOOKIES)
		cfg->no_syncookies = true;
	if (cfg->loss_detection == CAPNET_TCP_LOSS_DEFAULT || cfg->loss_detection > CAPNET_TCP_LOSS_DUPACK)
		cfg->loss_detection = CAPNET_DEFAULT_TCP_LOSS_DETECTION;
	if (cfg->ephemeral_lo == 0)
		cfg->ephemeral_lo = CAPNET_DEFAULT_TCP_EPHEMERAL_LO;
	if (cfg->ephemeral_hi == 0)
		cfg->ephemeral_hi = CAPNET_DEFAULT_TCP_EPHEMERAL_HI;
}

static uint32_t hash_buckets(uint32_t max_sockets)
{
	uint32_t n = 16;
	while (n < max_sockets && n < (1u << 30))
		n <<= 1;
	return n;
}

size_t capnet_tcp_arena_need(const struct capnet_tcp_config *in)
{
	struct capnet_tcp_config cfg = in ? *in : (struct capnet_tcp_config){0};
	capnet_tcp_config_defaults(&cfg);
	size_t al = _Alignof(max_align_t);
	size_t n = sizeof(struct capnet_tcp) + al;
	n += sizeof(struct capnet_tcp_sock) * (size_t)cfg.max_sockets + al;
	n += sizeof(uint32_t) * (size_t)hash_buckets(cfg.max_sockets) + al;
	n += sizeof(uint32_t) * (size_t)cfg.max_sockets + al;
	n += sizeof(struct tcp_board) * (size_t)tcp_boards_for(cfg.max_sockets) + al;
	n += sizeof(uint16_t) * (size_t)tcp_boards_for(cfg.max_sockets) + al;
	n += tcp_bufpool_need(cfg.buffer_pool);
	return n;
}

capnet_err capnet_tcp_create(struct capnet_arena *arena, const struct capnet_tcp_config *in,
			     struct capnet_iface *ifc, struct capnet_tcp **out)
{
	*out = NULL;
	if (ifc == NULL)
		return CAPNET_E_INVAL;
	struct capnet_tcp_config cfg = in ? *in : (struct capnet_tcp_config){0};
	capnet_tcp_config_defaults(&cfg);
	if (cfg.ephemeral_lo > cfg.ephemeral_hi || cfg.rto_min > cfg.rto_max || cfg.max_sockets > (1u << 24))
		return CAPNET_E_INVAL;
	uint16_t mtu_mss = (uint16_t)(capnet_iface_mtu(ifc) - CAPNET_IP4_HDR_LEN - CAPNET_TCP_HDR_LEN);
	if (cfg.mss == 0 || cfg.mss > mtu_mss)
		cfg.mss = mtu_mss;
	if (cfg.mss < 64)
		return CAPNET_E_INVAL;

	size_t al = _Alignof(max_align_t);
	struct capnet_tcp *tcp = capnet_arena_alloc(arena, sizeof *tcp, al);
	if (!tcp)
		return CAPNET_E_NOMEM;
	tcp->cfg = cfg;
	tcp->ifc = ifc;
	tcp->socks = capnet_arena_alloc(arena, sizeof(struct capnet_tcp_sock) * (size_t)cfg.max_sockets, al);
	uint32_t nb = hash_buckets(cfg.max_sockets);
	tcp->hash = capnet_arena_alloc(arena, sizeof(uint32_t) * nb, al);
	tcp->heap = capnet_arena_alloc(arena, sizeof(uint32_t) * (size_t)cfg.max_sockets, al);
	tcp->nboards = tcp_boards_for(cfg.max_sockets);
	tcp->boards = capnet_arena_alloc(arena, sizeof(struct tcp_board) * (size_t)tcp->nboards, al);
	tcp->board_free = capnet_arena_alloc(arena, sizeof(uint16_t) * (size_t)tcp->nboards, al);
	if (!tcp->socks || !tcp->hash || !tcp->heap || !tcp->boards || !tcp->board_free)
		return CAPNET_E_NOMEM;
	/* Lowest index on top: deterministic reuse. */
	for (uint32_t i = 0; i < tcp->nboards; i++)
		tcp->board_free[i] = (uint16_t)(tcp->nboards - 1 - i);
	tcp->board_top = tcp->nboards;
	capnet_err e = tcp_bufpool_init(&tcp->pool, arena, cfg.buffer_pool);
	if (e != CAPNET_OK)
		return e;
	tcp->hash_mask = nb - 1;
	for (uint32_t i = 0; i < nb; i++)
		tcp->hash[i] = TCP_NONE;
	/* Lowest index first: deterministic reuse. */
	for (uint32_t i = 0; i < cfg.max_sockets; i++)
		tcp->socks[i].hash_next = i + 1 < cfg.max_sockets ? i + 1 : TCP_NONE;
	tcp->free_head = cfg.max_sockets ? 0 : TCP_NONE;

	const struct capnet_rng *rng = capnet_iface_rng(ifc);
	tcp->mtu_seen = capnet_iface_mtu(ifc);
	tcp->isn_key[0] = capnet_rng_u64(rng);
	tcp->isn_key[1] = capnet_rng_u64(rng);
	tcp->port_counter = capnet_rng_u32(rng);

	tcp->proto.family = CAPNET_AF_INET;
	tcp->proto.proto = CAPNET_IPPROTO_TCP;
	tcp->proto.input = tcp_input;
	tcp->proto.poll = tcp_poll;
	tcp->proto.icmp_error = tcp_icmp_error;
	tcp->proto.ctx = tcp;
	capnet_iface_register_l4(ifc, &tcp->proto);
	/* IPv6 shares every path: the 4-tuple, checksum and MSS are family
	 * neutral (tcp_addr_eq, tcp_pseudo, tcp_mtu_mss); listeners take both. */
	if (capnet_ip6_enabled(ifc)) {
		tcp->proto6.family = CAPNET_AF_INET6;
		tcp->proto6.proto = CAPNET_IPPROTO_TCP;
		tcp->proto6.input = tcp_input;
		tcp->proto6.ctx = tcp;
		capnet_iface_register_l4(ifc, &tcp->proto6);
	}
	*out = tcp;
	return CAPNET_OK;
}

struct capnet_iface *capnet_tcp_iface(const struct capnet_tcp *tcp)
{
	return tcp->ifc;
}

const struct capnet_tcp_config *capnet_tcp_get_config(const struct capnet_tcp *tcp)
{
	return &tcp->cfg;
}

/* ---- the socket table ---- */

struct capnet_tcp_sock *tcp_sock_alloc(struct capnet_tcp *tcp)
{
	if (tcp->free_head == TCP_NONE) {
		TCP_COUNT(tcp, tcp_sock_exhausted);
		return NULL;
	}
	struct capnet_tcp_sock *s = &tcp->socks[tcp->free_head];
	tcp->free_head = s->hash_next;
	memset(s, 0, sizeof *s);
	s->tcp = tcp;
	s->hash_next = s->heap_pos = s->parent = s->aq_next = TCP_NONE;
	s->deadline = s->t_rexmt = s->t_delack = s->t_state = CAPNET_INSTANT_NEVER;
	s->u.l.aq_head = s->u.l.aq_tail = TCP_NONE;
	tcp->in_use++;
	return s;
}

/* Back to the free list; everything it held is already gone. */
void tcp_sock_release(struct capnet_tcp_sock *s)
{
	struct capnet_tcp *tcp = s->tcp;
	if (tcp == NULL)
		return;
	if (s->flags & TF_HASHED)
		tcp_hash_remove(s);
	tcp_heap_remove(s);
	tcp_ring_free(&tcp->pool, &s->snd);
	tcp_ring_free(&tcp->pool, &s->rcv);
	if (!(s->flags & TF_LISTENER)) {
		tcp_rack_release(s);
		tcp_score_clear(s);
	}
	if (s->flags & TF_LISTENER)
		tcp->listeners--;
	uint32_t idx = tcp_sock_index(tcp, s);
	memset(s, 0, sizeof *s); /* tcp NULL marks it free for anyone still looking */
	s->hash_next = tcp->free_head;
	tcp->free_head = idx;
	tcp->in_use--;
}

bool tcp_addr_eq(const struct capnet_ipaddr *a, const struct capnet_ipaddr *b)
{
	if (a->af != b->af)
		return false;
	if (a->af == CAPNET_AF_INET6)
		return memcmp(a->u.v6.b, b->u.v6.b, 16) == 0;
	if (a->af == CAPNET_AF_INET)
		return a->u.v4 == b->u.v4;
	return true;
}

static uint32_t addr_mix(const struct capnet_ipaddr *a)
{
	if (a->af == CAPNET_AF_INET6) {
		uint32_t h = 0;
		for (int i = 0; i < 16; i++)
			h = h * 31u + a->u.v6.b[i];
		return h;
	}
	return a->af == CAPNET_AF_INET ? a->u.v4 : 0;
}

/* Not a keyed hash: buckets only spread the load. Chains are bounded by
 * the table size, and the peer chooses only its own port and address. */
static uint32_t tuple_hash(const struct capnet_tcp *tcp, const struct capnet_ipaddr *la, uint16_t lport,
			   const struct capnet_ipaddr *ra, uint16_t rport)
{
	uint32_t h = addr_mix(ra) ^ (uint32_t)(tcp->isn_key[0] >> 32);
	h ^= ((uint32_t)lport << 16 | rport) * 0x9e3779b1u;
	h ^= addr_mix(la) * 0x85ebca6bu;
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h & tcp->hash_mask;
}

void tcp_hash_insert(struct capnet_tcp_sock *s)
{
	struct capnet_tcp *tcp = s->tcp;
	uint32_t b = tuple_hash(tcp, &s->laddr, s->lport, &s->raddr, s->rport);
	s->hash_next = tcp->hash[b];
	tcp->hash[b] = tcp_sock_index(tcp, s);
	s->flags |= TF_HASHED;
}

void tcp_hash_remove(struct capnet_tcp_sock *s)
{
	struct capnet_tcp *tcp = s->tcp;
	uint32_t b = tuple_hash(tcp, &s->laddr, s->lport, &s->raddr, s->rport);
	uint32_t idx = tcp_sock_index(tcp, s);
	for (uint32_t *p = &tcp->hash[b]; *p != TCP_NONE; p = &tcp->socks[*p].hash_next) {
		if (*p == idx) {
			*p = s->hash_next;
			break;
		}
	}
	s->hash_next = TCP_NONE;
	s->flags &= ~TF_HASHED;
}

struct capnet_tcp_sock *tcp_lookup(struct capnet_tcp *tcp, const struct capnet_ipaddr *laddr, uint16_t lport,
				   const struct capnet_ipaddr *raddr, uint16_t rport)
{
	uint32_t b = tuple_hash(tcp, laddr, lport, raddr, rport);
	for (uint32_t i = tcp->hash[b]; i != TCP_NONE; i = tcp->socks[i].hash_next) {
		struct capnet_tcp_sock *s = &tcp->socks[i];
		if (s->lport == lport && s->rport == rport && tcp_addr_eq(&s->raddr, raddr) &&
		    tcp_addr_eq(&s->laddr, laddr))
			return s;
	}
	return NULL;
}

static const struct capnet_ipaddr wildcard4 = {.af = CAPNET_AF_INET};

struct capnet_tcp_sock *tcp_lookup_listener(struct capnet_tcp *tcp, uint16_t lport)
{
	struct capnet_tcp_sock *s = tcp_lookup(tcp, &wildcard4, lport, &wildcard4, 0);
	return s && (s->flags & TF_LISTENER) ? s : NULL;
}

/* ---- options, sizes ---- */

static uint8_t log2_of(uint32_t pow2)
{
	uint8_t n = 0;
	while ((1u << n) < pow2)
		n++;
	return n;
}

void capnet_tcp_sockopts_defaults(const struct capnet_tcp *tcp, struct capnet_tcp_sockopts *o)
{
	memset(o, 0, sizeof *o);
	o->sndbuf = tcp->cfg.sndbuf;
	o->rcvbuf = tcp->cfg.rcvbuf;
	o->keepalive = tcp->cfg.keepalive;
	o->keepalive_idle = tcp->cfg.keepalive_idle;
	o->keepalive_interval = tcp->cfg.keepalive_interval;
	o->keepalive_probes = tcp->cfg.keepalive_probes;
	o->cc = tcp->cfg.cc;
}

static uint32_t to_ms(capnet_duration d)
{
	if (d <= 0)
		return 0;
	d /= 1000;
	if (d == 0)
		return 1;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

static bool opts_valid(const struct capnet_tcp_sockopts *o)
{
	return tcp_ring_size_for(o->sndbuf) != 0 && tcp_ring_size_for(o->rcvbuf) != 0 &&
	       (unsigned)o->cc < CAPNET_TCP_CC__COUNT && o->keepalive_idle >= 0 && o->keepalive_interval >= 0 &&
	       o->user_timeout >= 0 && o->connect_timeout >= 0;
}

void tcp_apply_opts(struct capnet_tcp_sock *s, const struct capnet_tcp_sockopts *o)
{
	s->snd_bufshift = log2_of(tcp_ring_size_for(o->sndbuf));
	s->rcv_bufshift = log2_of(tcp_ring_size_for(o->rcvbuf));
	s->flags &= ~(TF_NODELAY | TF_KEEPALIVE);
	if (o->nodelay)
		s->flags |= TF_NODELAY;
	if (o->keepalive)
		s->flags |= TF_KEEPALIVE;
	const struct capnet_tcp_config *c = &s->tcp->cfg;
	s->ka_idle_ms = to_ms(o->keepalive_idle ? o->keepalive_idle : c->keepalive_idle);
	s->ka_intvl_ms = to_ms(o->keepalive_interval ? o->keepalive_interval : c->keepalive_interval);
	s->ka_probes = o->keepalive_probes ? o->keepalive_probes : c->keepalive_probes;
	s->user_timeout_ms = to_ms(o->user_timeout);
	s->connect_timeout_ms = to_ms(o->connect_timeout);
	s->cc.algo = o->cc;
}

capnet_err tcp_alloc_rings(struct capnet_tcp_sock *s)
{
	struct capnet_tcp *tcp = s->tcp;
	if (tcp_ring_alloc(&tcp->pool, &s->snd, 1u << s->snd_bufshift) != CAPNET_OK) {
		TCP_COUNT(tcp, tcp_buf_exhausted);
		return CAPNET_E_NOMEM;
	}
	if (tcp_ring_alloc(&tcp->pool, &s->rcv, 1u << s->rcv_bufshift) != CAPNET_OK) {
		tcp_ring_free(&tcp->pool, &s->snd);
		TCP_COUNT(tcp, tcp_buf_exhausted);
		return CAPNET_E_NOMEM;
	}
	return CAPNET_OK;
}

uint8_t tcp_wscale_for(uint32_t rcvbuf)
{
	uint8_t ws = 0;
	while (ws < TCP_MAX_WSCALE && (rcvbuf >> ws) > 65535u)
		ws++;
	return ws;
}

void capnet_tcp_mtu_sync(struct capnet_tcp *tcp)
{
	uint16_t mtu = capnet_iface_mtu(tcp->ifc);
	if (mtu == tcp->mtu_seen)
		return;
	tcp->mtu_seen = mtu;
	for (uint32_t i = 0; i < tcp->cfg.max_sockets; i++) {
		struct capnet_tcp_sock *s = &tcp->socks[i];
		if (s->tcp != NULL && s->state >= CAPNET_TCP_ESTABLISHED && !(s->flags & TF_LISTENER))
			tcp_set_snd_mss(s);
	}
}

uint32_t tcp_mtu_mss(const struct capnet_tcp *tcp, const struct capnet_ipaddr *la)
{
	/* IPv6: its own link MTU (an RA may set it) less 40 + 20. */
	if (la->af == CAPNET_AF_INET6)
		return (uint32_t)capnet_ip6_link_mtu(tcp->ifc) - CAPNET_IP6_HDR_LEN - CAPNET_TCP_HDR_LEN;
	return (uint32_t)capnet_iface_mtu(tcp->ifc) - CAPNET_IP4_HDR_LEN - CAPNET_TCP_HDR_LEN;
}

void tcp_set_snd_mss(struct capnet_tcp_sock *s)
{
	/* RFC 9293 3.7.1 / RFC 6691: the peer's MSS counts payload without
	 * options; what our timestamps take comes off it. */
	uint32_t mss = s->peer_mss ? s->peer_mss : TCP_DEFAULT_MSS;
	uint32_t ours = tcp_mtu_mss(s->tcp, &s->laddr);
	if (mss > ours)
		mss = ours;
	if (s->flags & TF_TS_OK)
		mss -= 12;
	if (mss < 64)
		mss = 64; /* a hostile MSS of 1 must not make us send 1-byte segments */
	s->snd_mss = (uint16_t)mss;
}

/* ---- states and the end of a connection ---- */

static void aq_remove(struct capnet_tcp_sock *l, struct capnet_tcp_sock *c)
{
	struct capnet_tcp *tcp = l->tcp;
	uint32_t idx = tcp_sock_index(tcp, c), prev = TCP_NONE;
	for (uint32_t i = l->u.l.aq_head; i != TCP_NONE; prev = i, i = tcp->socks[i].aq_next) {
		if (i != idx)
			continue;
		if (prev == TCP_NONE)
			l->u.l.aq_head = c->aq_next;
		else
			tcp->socks[prev].aq_next = c->aq_next;
		if (l->u.l.aq_tail == idx)
			l->u.l.aq_tail = prev;
		l->u.l.acc_count--;
		break;
	}
	c->aq_next = TCP_NONE;
	c->flags &= ~TF_IN_AQ;
}

/* A listener's child leaves its queues (dropped or accepted). */
static void detach_from_parent(struct capnet_tcp_sock *s)
{
	if (s->parent == TCP_NONE)
		return;
	struct capnet_tcp_sock *l = &s->tcp->socks[s->parent];
	if (s->flags & TF_IN_AQ)
		aq_remove(l, s);
	else if (l->u.l.syn_count > 0)
		l->u.l.syn_count--;
	s->parent = TCP_NONE;
}

void tcp_set_state(struct capnet_tcp_sock *s, enum capnet_tcp_state st, capnet_instant now)
{
	struct capnet_tcp *tcp = s->tcp;
	enum capnet_tcp_state old = (enum capnet_tcp_state)s->state;
	s->state = (uint8_t)st;
	if (now > tcp->last_now)
		tcp->last_now = now;
	if (tcp->state_fn && old != st)
		tcp->state_fn(tcp->state_ctx, s, old, st, now);
	if (st == CAPNET_TCP_TIME_WAIT) {
		/* Nothing more to send or retransmit; an orphan has no reader
		 * either, so its rings go back to the pool now: TIME-WAIT costs
		 * only the control block. */
		s->t_rexmt = CAPNET_INSTANT_NEVER;
		s->flags &= ~(TF_PERSIST | TF_RECOVERY | TF_TLP_ARMED);
		tcp_ring_free(&s->tcp->pool, &s->snd);
		if (s->owner == TCP_OWN_STACK)
			tcp_ring_free(&s->tcp->pool, &s->rcv);
	}
}

const char *capnet_tcp_close_reason_name(enum capnet_tcp_close_reason r)
{
	return CAPNET_ENUM_NAME(CAPNET_TCP_CLOSE_REASONS, r);
}

void tcp_drop(struct capnet_tcp_sock *s, capnet_err err, capnet_instant now)
{
	enum capnet_tcp_close_reason why = err == CAPNET_OK	      ? CAPNET_TCP_CLOSE_GRACEFUL
					   : err == CAPNET_E_RESET     ? CAPNET_TCP_CLOSE_RESET
					   : err == CAPNET_E_REFUSED   ? CAPNET_TCP_CLOSE_REFUSED
					   : err == CAPNET_E_TIMEDOUT  ? CAPNET_TCP_CLOSE_RETRANSMIT_TIMEOUT
								       : CAPNET_TCP_CLOSE_UNREACHABLE;
	tcp_drop_why(s, err, why, now);
}

void tcp_drop_why(struct capnet_tcp_sock *s, capnet_err err, enum capnet_tcp_close_reason why, capnet_instant now)
{
	if (s->close_why == CAPNET_TCP_CLOSE_NONE && s->state != CAPNET_TCP_CLOSED && s->state != CAPNET_TCP_LISTEN)
		s->close_why = (uint8_t)why;
	struct capnet_tcp *tcp = s->tcp;
	if (tcp == NULL)
		return;
	if (s->error == CAPNET_OK)
		s->error = (uint8_t)err;
	if (s->state != CAPNET_TCP_CLOSED && s->state != CAPNET_TCP_LISTEN)
		TCP_COUNT(tcp, tcp_closed);
	if (s->owner == TCP_OWN_PARENT)
		detach_from_parent(s);
	if (s->flags & TF_HASHED)
		tcp_hash_remove(s);
	tcp_set_state(s, CAPNET_TCP_CLOSED, now);
	s->t_rexmt = s->t_delack = s->t_state = CAPNET_INSTANT_NEVER;
	s->flags &= ~(TF_PERSIST | TF_RECOVERY | TF_DELACK | TF_ACK_NOW | TF_TLP_ARMED);
	tcp_heap_remove(s);
	tcp_ring_free(&tcp->pool, &s->snd);
	/* RFC 9293 3.10.7.4: a reset flushes the queues; a graceful end keeps
	 * unread data for the application. */
	if (err != CAPNET_OK)
		tcp_ring_free(&tcp->pool, &s->rcv);
	s->nooo = 0;
	tcp_rack_release(s);
	tcp_score_clear(s);
	if (s->owner != TCP_OWN_APP)
		tcp_sock_release(s);
}

unsigned capnet_tcp_events_edge(const struct capnet_tcp_sock *s, struct capnet_tcp_edge *st)
{
	unsigned level = capnet_tcp_events(s);
	unsigned armed = st->reported & level; /* a bit that cleared is re-armed */
	unsigned out = level & ~armed;
	uint64_t rx = (s->flags & TF_LISTENER) ? 0 : s->bytes_received;
	if ((level & armed & CAPNET_TCP_EV_READABLE) && rx != st->rx_mark)
		out |= CAPNET_TCP_EV_READABLE; /* new data while still readable */
	st->reported = armed | out;
	if (out & CAPNET_TCP_EV_READABLE)
		st->rx_mark = rx;
	return out;
}

unsigned capnet_tcp_events(const struct capnet_tcp_sock *s)
{
	if (s->flags & TF_LISTENER)
		return s->u.l.aq_head != TCP_NONE ? CAPNET_TCP_EV_ACCEPTABLE : 0;
	unsigned ev = 0;
	bool ended = s->state == CAPNET_TCP_CLOSED;
	if (s->flags & TF_CONNECTED)
		ev |= CAPNET_TCP_EV_CONNECTED;
	if (s->rcv.len > 0 || (s->flags & (TF_FIN_RCVD | TF_RD_SHUT)) || ended)
		ev |= CAPNET_TCP_EV_READABLE;
	bool can_queue = (s->flags & TF_CONNECTED) && !(s->flags & TF_FIN_QUEUED) && !ended &&
			 (s->state == CAPNET_TCP_ESTABLISHED || s->state == CAPNET_TCP_CLOSE_WAIT) &&
			 s->snd.len < s->snd.size;
	if (can_queue || ended)
		ev |= CAPNET_TCP_EV_WRITABLE;
	if (s->flags & TF_FIN_RCVD)
		ev |= CAPNET_TCP_EV_CLOSED;
	if (ended && (s->error == CAPNET_E_RESET || s->error == CAPNET_E_REFUSED))
		ev |= CAPNET_TCP_EV_RESET;
	if (ended && s->error != CAPNET_OK)
		ev |= CAPNET_TCP_EV_ERROR;
	return ev;
}

void tcp_notify(struct capnet_tcp_sock *s, capnet_instant now)
{
	if (s->tcp == NULL || s->notify == NULL)
		return;
	unsigned ev = capnet_tcp_events(s);
	if (ev == s->events_seen)
		return;
	s->events_seen = (uint8_t)ev;
	s->notify(s->notify_ctx, s, ev, now);
}

void capnet_tcp_set_notify(struct capnet_tcp_sock *s, capnet_tcp_notify_fn fn, void *ctx)
{
	s->notify = fn;
	s->notify_ctx = ctx;
	s->events_seen = (uint8_t)capnet_tcp_events(s);
}

/* ---- listen / accept ---- */

capnet_err capnet_tcp_listen(struct capnet_tcp *tcp, uint16_t port, uint32_t backlog,
			     const struct capnet_tcp_sockopts *opts, struct capnet_tcp_sock **out)
{
	*out = NULL;
	struct capnet_tcp_sockopts def;
	if (opts == NULL) {
		capnet_tcp_sockopts_defaults(tcp, &def);
		opts = &def;
	}
	if (port == 0 || !opts_valid(opts))
		return CAPNET_E_INVAL;
	if (tcp_lookup_listener(tcp, port))
		return CAPNET_E_INUSE;
	struct capnet_tcp_sock *s = tcp_sock_alloc(tcp);
	if (!s)
		return CAPNET_E_NOMEM;
	tcp_apply_opts(s, opts);
	s->flags |= TF_LISTENER;
	s->laddr = wildcard4;
	s->raddr = wildcard4;
	s->lport = port;
	if (backlog == 0)
		backlog = 1;
	if (backlog > tcp->cfg.accept_backlog)
		backlog = tcp->cfg.accept_backlog;
	s->u.l.backlog = (uint16_t)backlog;
	s->u.l.syn_max = tcp->cfg.syn_backlog;
	tcp_set_state(s, CAPNET_TCP_LISTEN, tcp->last_now);
	tcp->listeners++;
	tcp_hash_insert(s);
	*out = s;
	return CAPNET_OK;
}

capnet_err capnet_tcp_accept(struct capnet_tcp_sock *l, struct capnet_tcp_sock **out)
{
	*out = NULL;
	if (!(l->flags & TF_LISTENER))
		return CAPNET_E_INVAL;
	if (l->u.l.aq_head == TCP_NONE)
		return CAPNET_E_AGAIN;
	struct capnet_tcp_sock *c = &l->tcp->socks[l->u.l.aq_head];
	aq_remove(l, c);
	c->parent = TCP_NONE;
	c->owner = TCP_OWN_APP;
	l->events_seen = (uint8_t)capnet_tcp_events(l);
	c->events_seen = (uint8_t)capnet_tcp_events(c);
	*out = c;
	return CAPNET_OK;
}

void capnet_tcp_on_state(struct capnet_tcp *tcp, capnet_tcp_state_fn fn, void *ctx)
{
	tcp->state_fn = fn;
	tcp->state_ctx = ctx;
}

/* Resets and frees every child of a closing listener. */
void tcp_listener_close(struct capnet_tcp_sock *l, capnet_instant now)
{
	struct capnet_tcp *tcp = l->tcp;
	uint32_t idx = tcp_sock_index(tcp, l);
	for (uint32_t i = 0; i < tcp->cfg.max_sockets; i++) {
		struct capnet_tcp_sock *c = &tcp->socks[i];
		if (c->tcp == NULL || c->parent != idx || c->owner != TCP_OWN_PARENT)
			continue;
		tcp_send_rst_for(c, now);
		tcp_drop(c, CAPNET_E_RESET, now);
	}
	tcp_set_state(l, CAPNET_TCP_CLOSED, now);
	tcp_sock_release(l);
}

/* ---- connect ---- */

static bool port_free(struct capnet_tcp *tcp, const struct capnet_ipaddr *la, uint16_t port,
		      const struct capnet_ipaddr *ra, uint16_t rport)
{
	return tcp_lookup(tcp, la, port, ra, rport) == NULL && tcp_lookup_listener(tcp, port) == NULL;
}

/* RFC 6056 3.3.3 (algorithm 3): a keyed-hash start per destination plus
 * a counter, probing linearly for a free 4-tuple. */
static uint16_t pick_port(struct capnet_tcp *tcp, const struct capnet_ipaddr *la, const struct capnet_ipaddr *ra,
			  uint16_t rport)
{
	uint32_t lo = tcp->cfg.ephemeral_lo, n = (uint32_t)tcp->cfg.ephemeral_hi - lo + 1;
	uint32_t off = tcp_port_offset(tcp, la, ra, rport);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(lo + (off + tcp->port_counter + i) % n);
		if (port != 0 && port_free(tcp, la, port, ra, rport)) {
			tcp->port_counter += i + 1;
			return port;
		}
	}
	return 0;
}

/* Checks the destination and picks the local address of its family: the
 * interface's IPv4 address, or the IPv6 source RFC 6724 selects. */
static capnet_err connect_source(struct capnet_tcp *tcp, const struct capnet_ipaddr *dst, uint16_t dst_port,
				 const struct capnet_tcp_sockopts *opts, struct capnet_ipaddr *la)
{
	if (dst == NULL || dst_port == 0 || !opts_valid(opts))
		return CAPNET_E_INVAL;
	if (dst->af == CAPNET_AF_INET6) {
		if (capnet_ip6_is_unspecified(&dst->u.v6) || capnet_ip6_is_multicast(&dst->u.v6))
			return CAPNET_E_INVAL;
		la->af = CAPNET_AF_INET6;
		return capnet_ip6_select_source(tcp->ifc, &dst->u.v6, &la->u.v6) ? CAPNET_OK : CAPNET_E_NOTCONFIGURED;
	}
	if (dst->af != CAPNET_AF_INET || dst->u.v4 == 0 || dst->u.v4 == CAPNET_IP4_BROADCAST || (dst->u.v4 >> 28) == 0xe)
		return CAPNET_E_INVAL;
	struct capnet_ip4_config ip;
	capnet_iface_get_ip4(tcp->ifc, &ip);
	if (ip.addr == 0)
		return CAPNET_E_NOTCONFIGURED;
	*la = capnet_ipaddr_from_ip4(ip.addr);
	return CAPNET_OK;
}

capnet_err capnet_tcp_connect(struct capnet_tcp *tcp, const struct capnet_ipaddr *dst, uint16_t dst_port,
			      uint16_t local_port, const struct capnet_tcp_sockopts *opts, capnet_instant now,
			      struct capnet_tcp_sock **out)
{
	*out = NULL;
	struct capnet_tcp_sockopts def;
	if (opts == NULL) {
		capnet_tcp_sockopts_defaults(tcp, &def);
		opts = &def;
	}
	struct capnet_ipaddr la;
	capnet_err le = connect_source(tcp, dst, dst_port, opts, &la);
	if (le != CAPNET_OK)
		return le;
	if (local_port == 0) {
		local_port = pick_port(tcp, &la, dst, dst_port);
		if (local_port == 0)
			return CAPNET_E_INUSE;
	} else if (tcp_lookup(tcp, &la, local_port, dst, dst_port)) {
		return CAPNET_E_INUSE;
	}
	struct capnet_tcp_sock *s = tcp_sock_alloc(tcp);
	if (!s)
		return CAPNET_E_NOMEM;
	tcp_apply_opts(s, opts);
	if (tcp_alloc_rings(s) != CAPNET_OK) {
		tcp_sock_release(s);
		return CAPNET_E_NOMEM;
	}
	s->laddr = la;
	s->raddr = *dst;
	s->lport = local_port;
	s->rport = dst_port;
	s->iss = tcp_isn(tcp, s, now);
	s->snd_una = s->snd_nxt = s->snd_max = s->iss;
	s->recover = s->iss;
	s->ts_offset = tcp_ts_offset(tcp, s);
	s->rcv_mss = tcp->cfg.mss;
	if (s->rcv_mss > tcp_mtu_mss(tcp, &la))
		s->rcv_mss = (uint16_t)tcp_mtu_mss(tcp, &la);
	s->rcv_wscale = tcp->cfg.no_wscale ? 0 : tcp_wscale_for(s->rcv.size);
	s->rto = (uint32_t)tcp->cfg.rto_initial;
	tcp_set_state(s, CAPNET_TCP_SYN_SENT, now);
	tcp_hash_insert(s);
	TCP_COUNT(tcp, tcp_connattempt);
	if (s->connect_timeout_ms)
		s->t_state = now + CAPNET_MS(s->connect_timeout_ms);
	tcp_send_syn(s, now);
	tcp_rexmt_arm(s, now, true);
	tcp_timer_update(s);
	s->events_seen = (uint8_t)capnet_tcp_events(s);
	*out = s;
	return CAPNET_OK;
}

/* ---- status ---- */

void capnet_tcp_layer_info(const struct capnet_tcp *tcp, struct capnet_tcp_layer_info *out)
{
	memset(out, 0, sizeof *out);
	out->sockets_in_use = tcp->in_use;
	out->sockets_max = tcp->cfg.max_sockets;
	out->listeners = tcp->listeners;
	for (uint32_t i = 0; i < tcp->cfg.max_sockets && tcp->in_use; i++)
		if (tcp->socks[i].tcp && tcp->socks[i].state == CAPNET_TCP_TIME_WAIT)
			out->time_wait++;
	out->pool_bytes = (size_t)tcp->pool.units << TCP_BUF_UNIT_SHIFT;
	out->pool_in_use = tcp->pool.bytes_in_use;
	out->sock_state_bytes = sizeof(struct capnet_tcp_sock);
}

const struct capnet_tcp_sock *capnet_tcp_next(const struct capnet_tcp *tcp, const struct capnet_tcp_sock *prev)
{
	uint32_t i = prev ? tcp_sock_index(tcp, prev) + 1 : 0;
	for (; i < tcp->cfg.max_sockets; i++)
		if (tcp->socks[i].tcp)
			return &tcp->socks[i];
	return NULL;
}
