/* Ping sessions (capnet/ping.h): probes, their outcomes and the iputils
 * summary. A reply is accepted only when it names a probe we are waiting
 * for and echoes exactly the data we sent; everything else that claims to
 * be one is counted, by reason, and dropped. */
#include "capnet/ping.h"

#include <string.h>

#include "capnet/config.h"
#include "capnet/enum_names.h"
#include "capnet/ip6.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"

#define ALIGN _Alignof(max_align_t)

enum slot_state { SLOT_FREE = 0, SLOT_WAITING, SLOT_DONE };

struct ping_slot {
	uint8_t state;           /* enum slot_state */
	uint32_t order;          /* DONE: completion order, read oldest first */
	struct capnet_ping_probe p;
};

enum session_state { SESS_FREE = 0, SESS_RUNNING, SESS_DONE };

struct capnet_ping_session {
	struct capnet_ping_layer *l;
	uint8_t state; /* enum session_state */
	struct capnet_ping_request req;
	uint16_t ident;
	uint16_t next_seq;       /* the next probe's icmp_seq */
	capnet_instant next_send;
	capnet_instant end;      /* the run's deadline (NEVER: none) */
	uint32_t completed_order;
	struct ping_slot *slots; /* window of them */
	struct capnet_ping_summary sum;
	uint64_t rtt_sum, rtt_sum2;
	capnet_ping_notify_fn notify;
	void *notify_ctx;
};

struct capnet_ping_layer {
	struct capnet_iface *ifc;
	struct capnet_ping_config cfg;
	struct capnet_ping_session *sessions;
	struct capnet_echo_client echo4;
	struct capnet_iface_timer timer;
	uint8_t *data; /* one probe's data, built before each send */
	size_t data_cap;
};

const char *capnet_ping_outcome_name(enum capnet_ping_outcome o)
{
	static const char *const names[CAPNET_PING__OUTCOMES] = {
		"pending", "reply", "timeout", "unreachable", "malformed-reply-dropped", "send-failed"};
	return (unsigned)o < CAPNET_PING__OUTCOMES ? names[o] : "?";
}

const char *capnet_ping_malformed_name(enum capnet_ping_malformed m)
{
	static const char *const names[CAPNET_PING_MALFORMED__COUNT] = {"none", "bad-checksum", "wrong-ident",
									 "truncated", "altered"};
	return (unsigned)m < CAPNET_PING_MALFORMED__COUNT ? names[m] : "?";
}

void capnet_ping_config_defaults(struct capnet_ping_config *cfg)
{
	if (cfg->max_sessions == 0)
		cfg->max_sessions = CAPNET_DEFAULT_PING_SESSIONS;
	if (cfg->window == 0)
		cfg->window = CAPNET_DEFAULT_PING_WINDOW;
}

static struct capnet_ping_config effective(const struct capnet_ping_config *in)
{
	struct capnet_ping_config c = {0, 0};
	if (in != NULL)
		c = *in;
	capnet_ping_config_defaults(&c);
	return c;
}

size_t capnet_ping_arena_need(const struct capnet_ping_config *in, uint16_t mtu)
{
	struct capnet_ping_config c = effective(in);
	return sizeof(struct capnet_ping_layer) + ALIGN + (sizeof(struct capnet_ping_session) + ALIGN) * c.max_sessions +
	       (sizeof(struct ping_slot) * c.window + ALIGN) * c.max_sessions + mtu + ALIGN;
}

uint64_t capnet_ping_isqrt(uint64_t v)
{
	/* Bit by bit, from the highest even power of two down. */
	uint64_t r = 0, bit = (uint64_t)1 << 62;
	while (bit > v)
		bit >>= 2;
	while (bit != 0) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* ---- the data we send and expect back ---- */

/* Byte i of probe seq's data: depends on both, so a reply echoing another
 * probe's data (or stale bytes) is seen as altered. */
static uint8_t pattern(uint16_t seq, size_t i)
{
	return (uint8_t)(i + seq);
}

static enum capnet_ping_malformed check_data(const struct capnet_ping_session *s, uint16_t seq, const uint8_t *d,
					     size_t len)
{
	if (len < s->req.payload)
		return CAPNET_PING_MALFORMED_TRUNCATED;
	if (len > s->req.payload)
		return CAPNET_PING_MALFORMED_ALTERED;
	for (size_t i = 0; i < len; i++)
		if (d[i] != pattern(seq, i))
			return CAPNET_PING_MALFORMED_ALTERED;
	return CAPNET_PING_MALFORMED_NONE;
}

/* ---- completing probes ---- */

static void notify(struct capnet_ping_session *s, capnet_instant now)
{
	if (s->notify != NULL)
		s->notify(s->notify_ctx, s, capnet_ping_events(s), now);
}

static void complete(struct capnet_ping_session *s, struct ping_slot *k, enum capnet_ping_outcome o,
		     capnet_instant now)
{
	k->state = SLOT_DONE;
	k->order = s->completed_order++;
	k->p.outcome = o;
	k->p.at = now;
	s->sum.finished = now;
	switch (o) {
	case CAPNET_PING_REPLY: {
		capnet_duration rtt = k->p.rtt;
		if (s->sum.received == 0 || rtt < s->sum.rtt_min)
			s->sum.rtt_min = rtt;
		if (rtt > s->sum.rtt_max)
			s->sum.rtt_max = rtt;
		s->sum.received++;
		s->rtt_sum += (uint64_t)rtt;
		s->rtt_sum2 += (uint64_t)rtt * (uint64_t)rtt;
		break;
	}
	case CAPNET_PING_TIMEOUT:
		s->sum.timeouts++;
		break;
	case CAPNET_PING_MALFORMED:
		s->sum.malformed_probes++;
		break;
	default: /* UNREACHABLE, SEND_FAILED */
		s->sum.errors++;
		break;
	}
}

static struct ping_slot *waiting(struct capnet_ping_session *s, uint16_t seq)
{
	for (uint16_t i = 0; i < s->l->cfg.window; i++)
		if (s->slots[i].state == SLOT_WAITING && s->slots[i].p.seq == seq)
			return &s->slots[i];
	return NULL;
}

static const struct ping_slot *answered(const struct capnet_ping_session *s, uint16_t seq)
{
	for (uint16_t i = 0; i < s->l->cfg.window; i++)
		if (s->slots[i].state == SLOT_DONE && s->slots[i].p.seq == seq && s->slots[i].p.outcome == CAPNET_PING_REPLY)
			return &s->slots[i];
	return NULL;
}

/* The run is over once every probe was sent and none waits, or at its
 * deadline: what still waits then gets no more time. */
static void maybe_done(struct capnet_ping_session *s, capnet_instant now)
{
	if (s->state != SESS_RUNNING)
		return;
	bool ended = now >= s->end;
	for (uint16_t i = 0; i < s->l->cfg.window; i++) {
		struct ping_slot *k = &s->slots[i];
		if (k->state != SLOT_WAITING)
			continue;
		if (!ended)
			return;
		complete(s, k, k->p.malformed ? CAPNET_PING_MALFORMED : CAPNET_PING_TIMEOUT, now);
	}
	if (!ended && s->sum.transmitted < s->req.count)
		return;
	s->state = SESS_DONE;
	s->sum.done = true;
}

/* ---- sending ---- */

static capnet_err send_echo(struct capnet_ping_session *s, uint16_t seq, capnet_instant now)
{
	uint8_t *data = s->l->data;
	for (size_t i = 0; i < s->req.payload; i++)
		data[i] = pattern(seq, i);
	if (s->req.dst.af == CAPNET_AF_INET)
		return capnet_icmp4_echo_send(s->l->ifc, s->req.dst.u.v4, s->ident, seq, data, s->req.payload, now);
	return capnet_icmp6_echo_send(s->l->ifc, &s->req.dst.u.v6, s->ident, seq, data, s->req.payload, now);
}

static struct ping_slot *free_slot(struct capnet_ping_session *s)
{
	for (uint16_t i = 0; i < s->l->cfg.window; i++)
		if (s->slots[i].state == SLOT_FREE)
			return &s->slots[i];
	return NULL;
}

/* Sends the next probe if it is due and a slot is free. */
static bool send_due(struct capnet_ping_session *s, capnet_instant now)
{
	if (s->state != SESS_RUNNING || s->sum.transmitted >= s->req.count || now < s->next_send || now >= s->end)
		return false;
	struct ping_slot *k = free_slot(s);
	if (k == NULL)
		return false; /* backpressure: every slot waits or is unread */
	uint16_t seq = s->next_seq++;
	memset(k, 0, sizeof *k);
	k->state = SLOT_WAITING;
	k->p.seq = seq;
	k->p.sent = now;
	k->p.outcome = CAPNET_PING_PENDING;
	s->sum.transmitted++;
	s->next_send = now + s->req.interval;
	capnet_err e = send_echo(s, seq, now);
	if (e != CAPNET_OK) {
		k->p.err = e;
		complete(s, k, CAPNET_PING_SEND_FAILED, now);
	}
	return true;
}

/* ---- the layer's timer ---- */

static capnet_instant session_poll(struct capnet_ping_session *s, capnet_instant now)
{
	bool changed = false;
	for (uint16_t i = 0; i < s->l->cfg.window; i++) {
		struct ping_slot *k = &s->slots[i];
		if (k->state == SLOT_WAITING && now >= k->p.sent + s->req.timeout) {
			complete(s, k, k->p.malformed ? CAPNET_PING_MALFORMED : CAPNET_PING_TIMEOUT, k->p.sent + s->req.timeout);
			changed = true;
		}
	}
	while (send_due(s, now))
		changed = true;
	bool was_running = s->state == SESS_RUNNING;
	maybe_done(s, now);
	if (changed || (was_running && s->state != SESS_RUNNING))
		notify(s, now);
	if (s->state != SESS_RUNNING)
		return CAPNET_INSTANT_NEVER;
	capnet_instant next = s->end;
	for (uint16_t i = 0; i < s->l->cfg.window; i++)
		if (s->slots[i].state == SLOT_WAITING)
			next = capnet_instant_min(next, s->slots[i].p.sent + s->req.timeout);
	/* A send waiting for a slot goes from capnet_ping_next, not by time. */
	if (s->sum.transmitted < s->req.count && free_slot(s) != NULL)
		next = capnet_instant_min(next, s->next_send);
	return next;
}

static capnet_instant layer_poll(void *ctx, struct capnet_iface *ifc, capnet_instant now)
{
	(void)ifc;
	struct capnet_ping_layer *l = ctx;
	capnet_instant next = CAPNET_INSTANT_NEVER;
	for (uint16_t i = 0; i < l->cfg.max_sessions; i++)
		if (l->sessions[i].state == SESS_RUNNING)
			next = capnet_instant_min(next, session_poll(&l->sessions[i], now));
	return next;
}

/* ---- what comes back ---- */

static struct capnet_ping_session *by_ident(struct capnet_ping_layer *l, uint16_t ident, uint8_t af)
{
	for (uint16_t i = 0; i < l->cfg.max_sessions; i++) {
		struct capnet_ping_session *s = &l->sessions[i];
		if (s->state != SESS_FREE && s->ident == ident && s->req.dst.af == af)
			return s;
	}
	return NULL;
}

static struct capnet_ping_session *by_dst(struct capnet_ping_layer *l, const struct capnet_ipaddr *from)
{
	for (uint16_t i = 0; i < l->cfg.max_sessions; i++) {
		struct capnet_ping_session *s = &l->sessions[i];
		if (s->state != SESS_FREE && capnet_ipaddr_eq(&s->req.dst, from))
			return s;
	}
	return NULL;
}

static void malformed(struct capnet_ping_session *s, uint16_t seq, enum capnet_ping_malformed why)
{
	s->sum.malformed++;
	s->sum.malformed_by[why]++;
	struct ping_slot *k = waiting(s, seq);
	if (k != NULL) {
		k->p.malformed++;
		k->p.malformed_reason = why;
	}
}

void capnet_ping_input_reply(struct capnet_ping_layer *l, const struct capnet_ping_rx *r, capnet_instant now)
{
	struct capnet_ping_session *s = by_ident(l, r->ident, r->from.af);
	if (s == NULL) {
		/* Nobody's identifier. From a destination being pinged it is that
		 * session's reply gone wrong (or its identifier corrupted). */
		s = by_dst(l, &r->from);
		if (s != NULL)
			malformed(s, r->seq,
				  r->checksum_bad ? CAPNET_PING_MALFORMED_BAD_CHECKSUM : CAPNET_PING_MALFORMED_WRONG_IDENT);
		return;
	}
	if (r->checksum_bad) {
		malformed(s, r->seq, CAPNET_PING_MALFORMED_BAD_CHECKSUM);
		return;
	}
	struct ping_slot *k = waiting(s, r->seq);
	if (k == NULL) {
		if (answered(s, r->seq) != NULL)
			s->sum.duplicates++;
		else
			s->sum.late++;
		return;
	}
	enum capnet_ping_malformed why = check_data(s, r->seq, r->data, r->data_len);
	if (why != CAPNET_PING_MALFORMED_NONE) {
		malformed(s, r->seq, why);
		return;
	}
	k->p.rtt = now - k->p.sent;
	k->p.bytes = (uint16_t)(CAPNET_ICMP4_HDR_LEN + r->data_len);
	k->p.ttl = r->ttl;
	k->p.from = r->from;
	complete(s, k, CAPNET_PING_REPLY, now);
	maybe_done(s, now);
	notify(s, now);
}

void capnet_ping_input_error(struct capnet_ping_layer *l, const struct capnet_ipaddr *from, uint8_t type,
			     uint8_t code, const struct capnet_ipaddr *dst, uint16_t ident, uint16_t seq,
			     capnet_instant now)
{
	struct capnet_ping_session *s = by_ident(l, ident, from->af);
	/* The quote must name our destination too (when the family's echo
	 * code reads it): an error is believed only about a datagram we could
	 * have sent. */
	if (s == NULL || (dst != NULL && !capnet_ipaddr_eq(&s->req.dst, dst)))
		return;
	struct ping_slot *k = waiting(s, seq);
	if (k == NULL)
		return;
	k->p.from = *from;
	k->p.icmp_type = type;
	k->p.icmp_code = code;
	complete(s, k, CAPNET_PING_UNREACHABLE, now);
	maybe_done(s, now);
	notify(s, now);
}

static void echo4_reply(void *ctx, struct capnet_iface *ifc, const struct capnet_echo_reply *r, capnet_instant now)
{
	(void)ifc;
	struct capnet_ping_rx rx = {capnet_ipaddr_from_ip4(r->from), r->ident, r->seq, r->ttl, r->data, r->data_len,
				    r->checksum_bad};
	capnet_ping_input_reply(ctx, &rx, now);
}

static void echo4_error(void *ctx, struct capnet_iface *ifc, const struct capnet_echo_error *e, capnet_instant now)
{
	(void)ifc;
	struct capnet_ipaddr from = capnet_ipaddr_from_ip4(e->from), dst = capnet_ipaddr_from_ip4(e->dst);
	capnet_ping_input_error(ctx, &from, e->type, e->code, &dst, e->ident, e->seq, now);
}

static void echo6_reply(void *ctx, const struct capnet_echo6_reply *r, capnet_instant now)
{
	struct capnet_ping_rx rx = {{.af = CAPNET_AF_INET6}, r->ident, r->seq, r->hop_limit, r->data, r->data_len, false};
	rx.from.u.v6 = r->from;
	capnet_ping_input_reply(ctx, &rx, now);
}

/* ICMPv6 hands over the quoted identifier and sequence, not the quoted
 * destination: the identifier alone names the session. */
static void echo6_error(void *ctx, const struct capnet_echo6_error *e, capnet_instant now)
{
	struct capnet_ipaddr from = {.af = CAPNET_AF_INET6};
	from.u.v6 = e->from;
	capnet_ping_input_error(ctx, &from, e->type, e->code, NULL, e->ident, e->seq, now);
}

/* ---- the layer and its sessions ---- */

capnet_err capnet_ping_create(struct capnet_arena *arena, const struct capnet_ping_config *cfg,
			      struct capnet_iface *ifc, struct capnet_ping_layer **out)
{
	if (arena == NULL || ifc == NULL || out == NULL)
		return CAPNET_E_INVAL;
	struct capnet_ping_config c = effective(cfg);
	struct capnet_ping_layer *l = capnet_arena_alloc(arena, sizeof *l, ALIGN);
	struct capnet_ping_session *s = capnet_arena_alloc(arena, sizeof *s * c.max_sessions, ALIGN);
	if (l == NULL || s == NULL)
		return CAPNET_E_NOMEM;
	memset(l, 0, sizeof *l);
	memset(s, 0, sizeof *s * c.max_sessions);
	for (uint16_t i = 0; i < c.max_sessions; i++) {
		s[i].l = l;
		s[i].slots = capnet_arena_alloc(arena, sizeof(struct ping_slot) * c.window, ALIGN);
		if (s[i].slots == NULL)
			return CAPNET_E_NOMEM;
	}
	l->data_cap = capnet_iface_link_mtu(ifc);
	l->data = capnet_arena_alloc(arena, l->data_cap, ALIGN);
	if (l->data == NULL)
		return CAPNET_E_NOMEM;
	l->ifc = ifc;
	l->cfg = c;
	l->sessions = s;
	l->echo4 = (struct capnet_echo_client){echo4_reply, echo4_error, l, NULL};
	capnet_icmp4_add_echo_client(ifc, &l->echo4);
	/* ICMPv6 keeps one echo client (nothing when IPv6 is off). */
	capnet_icmp6_on_echo_reply(ifc, echo6_reply, l);
	capnet_icmp6_on_echo_error(ifc, echo6_error, l);
	l->timer = (struct capnet_iface_timer){layer_poll, l, NULL};
	capnet_iface_add_timer(ifc, &l->timer);
	*out = l;
	return CAPNET_OK;
}

static bool request_ok(const struct capnet_ping_request *r)
{
	return r->count >= 1 && (r->count == 1 || r->interval > 0) && r->timeout > 0 && r->deadline >= 0 &&
	       r->interval >= 0 && !capnet_ipaddr_is_unspecified(&r->dst);
}

capnet_err capnet_ping_start(struct capnet_ping_layer *l, const struct capnet_ping_request *req, capnet_instant now,
			     struct capnet_ping_session **out)
{
	if (l == NULL || req == NULL || out == NULL || !request_ok(req))
		return CAPNET_E_INVAL;
	size_t mtu;
	if (req->dst.af == CAPNET_AF_INET)
		mtu = capnet_iface_mtu(l->ifc) - CAPNET_IP4_HDR_LEN;
	else if (req->dst.af == CAPNET_AF_INET6 && capnet_ip6_enabled(l->ifc))
		mtu = capnet_ip6_link_mtu(l->ifc) - 40u; /* the fixed IPv6 header */
	else
		return CAPNET_E_UNSUPPORTED;
	if ((size_t)req->payload + CAPNET_ICMP4_HDR_LEN > mtu || req->payload > l->data_cap)
		return CAPNET_E_MSGSIZE;
	struct capnet_ping_session *s = NULL;
	for (uint16_t i = 0; i < l->cfg.max_sessions && s == NULL; i++)
		if (l->sessions[i].state == SESS_FREE)
			s = &l->sessions[i];
	if (s == NULL)
		return CAPNET_E_NOMEM;
	/* A fresh identifier, distinct from every live session's: replies are
	 * told apart by it alone. */
	uint16_t ident = (uint16_t)capnet_rng_u32(capnet_iface_rng(l->ifc));
	while (ident == 0 || by_ident(l, ident, req->dst.af) != NULL)
		ident++;
	struct ping_slot *slots = s->slots;
	memset(slots, 0, sizeof *slots * l->cfg.window);
	memset(s, 0, sizeof *s);
	s->l = l;
	s->slots = slots;
	s->state = SESS_RUNNING;
	s->req = *req;
	s->ident = ident;
	s->next_seq = 1;
	s->next_send = now;
	s->end = req->deadline > 0 ? now + req->deadline : CAPNET_INSTANT_NEVER;
	s->sum.dst = req->dst;
	s->sum.ident = ident;
	s->sum.started = now;
	s->sum.finished = now;
	send_due(s, now);
	maybe_done(s, now);
	*out = s;
	return CAPNET_OK;
}

capnet_err capnet_ping_next(struct capnet_ping_session *s, capnet_instant now, struct capnet_ping_probe *out)
{
	struct ping_slot *best = NULL;
	for (uint16_t i = 0; i < s->l->cfg.window; i++) {
		struct ping_slot *k = &s->slots[i];
		if (k->state == SLOT_DONE && (best == NULL || k->order < best->order))
			best = k;
	}
	if (best == NULL)
		return s->state == SESS_RUNNING ? CAPNET_E_AGAIN : CAPNET_E_CLOSED;
	*out = best->p;
	best->state = SLOT_FREE;
	/* A send held back for want of a slot goes now, if it is due. */
	if (send_due(s, now))
		notify(s, now);
	return CAPNET_OK;
}

unsigned capnet_ping_events(const struct capnet_ping_session *s)
{
	unsigned ev = s->state == SESS_RUNNING ? 0 : CAPNET_PING_EV_DONE;
	for (uint16_t i = 0; i < s->l->cfg.window; i++)
		if (s->slots[i].state == SLOT_DONE)
			return ev | CAPNET_PING_EV_READABLE;
	return ev;
}

void capnet_ping_summary(const struct capnet_ping_session *s, struct capnet_ping_summary *out)
{
	*out = s->sum;
	if (s->sum.received > 0) {
		uint64_t n = s->sum.received, avg = s->rtt_sum / n, sq = s->rtt_sum2 / n;
		out->rtt_avg = (capnet_duration)avg;
		out->rtt_mdev = (capnet_duration)capnet_ping_isqrt(sq > avg * avg ? sq - avg * avg : 0);
	}
}

void capnet_ping_stop(struct capnet_ping_session *s, capnet_instant now)
{
	if (s->state != SESS_RUNNING)
		return;
	s->end = now;
	maybe_done(s, now);
	notify(s, now);
}

void capnet_ping_close(struct capnet_ping_session *s)
{
	struct ping_slot *slots = s->slots;
	struct capnet_ping_layer *l = s->l;
	memset(s, 0, sizeof *s);
	s->l = l;
	s->slots = slots;
}

void capnet_ping_set_notify(struct capnet_ping_session *s, capnet_ping_notify_fn fn, void *ctx)
{
	s->notify = fn;
	s->notify_ctx = ctx;
}
