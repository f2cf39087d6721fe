/* The objects behind socket caps and the calls parked on them. A socket
 * opened through a cap lives exactly as long as some held cap names it;
 * when the last one goes (close, revoke, cspace exit) every call parked on
 * it completes CLOSED at once and the transport socket is closed (UDP at
 * once; TCP with the next `now`, since a close may send). Parked calls are
 * evaluated from the transports' own readiness, so an outcome is always the
 * real TCP/UDP state; but only when something happened to their socket:
 * the transports' readiness callbacks, every call on the socket and every
 * cap of it dropped put it on a dirty list, and capnet_sockets_poll looks
 * at that list and the calls parked on each socket in it, plus the calls
 * whose deadline passed, found in a deadline heap. */
#include <string.h>

#include "capnet/enum_names.h"
#include "capnet/config.h"
#include "cap/capsys_internal.h"

const char *capnet_outcome_name(enum capnet_outcome o)
{
	return CAPNET_ENUM_NAME(CAPNET_OUTCOMES, o);
}

const char *capnet_park_op_name(enum capnet_park_op op)
{
	static const char *const names[CAPNET_PARK__COUNT] = {"ACCEPT", "RECV", "SEND", "CONNECT"};
	return (unsigned)op < CAPNET_PARK__COUNT ? names[op] : "?";
}

void capnet_sockets_config_defaults(struct capnet_sockets_config *cfg)
{
	if (cfg->max_sockets == 0)
		cfg->max_sockets = CAPNET_DEFAULT_CAP_SOCKETS;
	if (cfg->max_parked == 0)
		cfg->max_parked = CAPNET_DEFAULT_CAP_PARKED;
}

static struct capnet_sockets_config sockets_effective(const struct capnet_sockets_config *cfg)
{
	struct capnet_sockets_config c = {0, 0};
	if (cfg != NULL)
		c = *cfg;
	capnet_sockets_config_defaults(&c);
	return c;
}

#define ALIGN _Alignof(max_align_t)
#define NO_WAITER UINT16_MAX
#define NO_SOCK UINT32_MAX

size_t capnet_sockets_arena_need(const struct capnet_sockets_config *cfg)
{
	struct capnet_sockets_config c = sockets_effective(cfg);
	return sizeof(struct capnet_sockets) + ALIGN + sizeof(struct cap_sock) * c.max_sockets + ALIGN +
	       sizeof(struct waiter) * c.max_parked + ALIGN + 2 * (sizeof(uint16_t) * c.max_parked + ALIGN);
}

capnet_err capnet_sockets_create(struct capnet_arena *arena, const struct capnet_sockets_config *cfg,
				 struct capnet_net *net, struct capnet_sockets **out)
{
	if (arena == NULL || net == NULL || net->sys == NULL || out == NULL || net->sys->socks != NULL)
		return CAPNET_E_INVAL;
	*out = NULL;
	struct capnet_sockets_config c = sockets_effective(cfg);
	if (arena->size - arena->used < capnet_sockets_arena_need(&c))
		return CAPNET_E_NOMEM;
	struct capnet_sockets *s = capnet_arena_alloc(arena, sizeof *s, ALIGN);
	struct cap_sock *socks = capnet_arena_alloc(arena, sizeof *socks * c.max_sockets, ALIGN);
	struct waiter *w = capnet_arena_alloc(arena, sizeof *w * c.max_parked, ALIGN);
	uint16_t *pending = capnet_arena_alloc(arena, sizeof *pending * c.max_parked, ALIGN);
	uint16_t *heap = capnet_arena_alloc(arena, sizeof *heap * c.max_parked, ALIGN);
	if (s == NULL || socks == NULL || w == NULL || pending == NULL || heap == NULL)
		return CAPNET_E_NOMEM;
	s->net = net;
	s->cfg = c;
	s->socks = socks;
	s->waiters = w;
	s->pending = pending;
	s->heap = heap;
	s->dirty_head = NO_SOCK;
	s->seen_destroyed = net->sys->destroyed;
	s->sock_free = UINT32_MAX;
	for (uint32_t i = c.max_sockets; i > 0; i--) {
		socks[i - 1].next_free = s->sock_free;
		socks[i - 1].next_dirty = NO_SOCK;
		socks[i - 1].first_waiter = NO_WAITER;
		s->sock_free = i - 1;
	}
	s->stats.sockets_max = c.max_sockets;
	net->socks = s;
	net->sys->socks = s;
	*out = s;
	return CAPNET_OK;
}

/* ---- the socket objects ---- */

struct cap_sock *sock_of(const struct capnet_capsys *sys, void *obj)
{
	const struct capnet_sockets *s = sys != NULL ? sys->socks : NULL;
	if (s == NULL || obj == NULL)
		return NULL;
	uintptr_t p = (uintptr_t)obj, base = (uintptr_t)s->socks;
	if (p < base || p >= base + sizeof(struct cap_sock) * s->cfg.max_sockets ||
	    (p - base) % sizeof(struct cap_sock) != 0)
		return NULL;
	struct cap_sock *k = obj;
	return k->kind != SOCK_FREE ? k : NULL;
}

struct cap_sock *sock_alloc(struct capnet_sockets *s, enum sock_kind kind, uint32_t owner_cs,
			    enum capnet_cap_type authority)
{
	uint32_t i = s->sock_free;
	if (i == UINT32_MAX)
		return NULL;
	struct cap_sock *k = &s->socks[i];
	s->sock_free = k->next_free;
	uint16_t gen = k->gen;
	bool dirty = k->dirty;
	uint32_t next_dirty = k->next_dirty;
	memset(k, 0, sizeof *k);
	k->gen = gen;
	k->dirty = dirty; /* still linked: the next poll unlinks it */
	k->next_dirty = next_dirty;
	k->first_waiter = NO_WAITER;
	k->kind = (uint8_t)kind;
	k->socks = s;
	k->owner_cs = owner_cs;
	k->authority = (uint8_t)authority;
	k->scope = capnet_scope_full();
	k->next_free = UINT32_MAX;
	s->stats.sockets_in_use++;
	return k;
}

void sock_unalloc(struct capnet_sockets *s, struct cap_sock *k)
{
	k->kind = SOCK_FREE;
	k->gen++;
	k->next_free = s->sock_free;
	s->sock_free = (uint32_t)(k - s->socks);
	s->stats.sockets_in_use--;
}

uint32_t sock_rights(enum capnet_cap_type t, uint32_t parent_rights)
{
	uint32_t r = capnet_cap_type_rights(t);
	return (parent_rights & CAPNET_RIGHT_GRANT) ? r : r & ~CAPNET_RIGHT_GRANT;
}

uint32_t sock_parked(const struct cap_sock *k)
{
	const struct capnet_sockets *s = k->socks;
	uint32_t n = 0;
	for (uint16_t i = k->first_waiter; i != NO_WAITER; i = s->waiters[i].next_on_sock)
		n++;
	return n;
}

/* ---- what had events ---- */

void sock_touch(struct cap_sock *k)
{
	if (k->dirty)
		return;
	struct capnet_sockets *s = k->socks;
	k->dirty = true;
	k->next_dirty = s->dirty_head;
	s->dirty_head = (uint32_t)(k - s->socks);
}

void sockets_touch(const struct capnet_capsys *sys, void *obj)
{
	struct cap_sock *k = sock_of(sys, obj);
	if (k != NULL)
		sock_touch(k);
}

static void tcp_event(void *ctx, struct capnet_tcp_sock *t, unsigned events, capnet_instant now)
{
	(void)t;
	(void)events;
	(void)now;
	sock_touch(ctx);
}

static void udp_event(void *ctx, struct capnet_udp_socket *u, unsigned events, capnet_instant now)
{
	(void)u;
	(void)events;
	(void)now;
	sock_touch(ctx);
}

static void ping_event(void *ctx, struct capnet_ping_session *p, unsigned events, capnet_instant now)
{
	(void)p;
	(void)events;
	(void)now;
	sock_touch(ctx);
}

void sock_watch(struct cap_sock *k)
{
	if (k->kind == SOCK_UDP)
		capnet_udp_set_notify(k->u.udp, udp_event, k);
	else if (k->kind == SOCK_PING)
		capnet_ping_set_notify(k->u.ping, ping_event, k);
	else if (k->kind != SOCK_PING_AUTH)
		capnet_tcp_set_notify(k->u.tcp, tcp_event, k);
}

/* ---- the deadline heap: parked calls with a deadline ---- */

static bool heap_less(const struct capnet_sockets *s, uint16_t a, uint16_t b)
{
	capnet_instant da = s->waiters[a].deadline, db = s->waiters[b].deadline;
	return da < db || (da == db && a < b);
}

static void heap_set(struct capnet_sockets *s, uint16_t pos, uint16_t idx)
{
	s->heap[pos] = idx;
	s->waiters[idx].heap_pos = pos;
}

static void heap_up(struct capnet_sockets *s, uint16_t pos)
{
	uint16_t idx = s->heap[pos];
	while (pos > 0) {
		uint16_t parent = (uint16_t)((pos - 1) / 2);
		if (!heap_less(s, idx, s->heap[parent]))
			break;
		heap_set(s, pos, s->heap[parent]);
		pos = parent;
	}
	heap_set(s, pos, idx);
}

static void heap_down(struct capnet_sockets *s, uint16_t pos)
{
	uint16_t idx = s->heap[pos];
	for (;;) {
		uint32_t c = 2u * pos + 1;
		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && heap_less(s, s->heap[c + 1], s->heap[c]))
			c++;
		if (!heap_less(s, s->heap[c], idx))
			break;
		heap_set(s, pos, s->heap[c]);
		pos = (uint16_t)c;
	}
	heap_set(s, pos, idx);
}

static void heap_insert(struct capnet_sockets *s, uint16_t idx)
{
	uint16_t pos = s->nheap++;
	heap_set(s, pos, idx);
	heap_up(s, pos);
}

static void heap_remove(struct capnet_sockets *s, struct waiter *w)
{
	uint16_t pos = w->heap_pos;
	w->heap_pos = NO_WAITER;
	uint16_t last = s->heap[--s->nheap];
	if (pos == s->nheap)
		return;
	heap_set(s, pos, last);
	heap_up(s, pos);
	heap_down(s, s->waiters[last].heap_pos);
}

/* Every call whose deadline passed: the heap's entries at or before `now`
 * form a subtree at its root, visited alone. */
static void add_pending(struct capnet_sockets *s, uint16_t idx);
static void add_due(struct capnet_sockets *s, uint32_t pos, capnet_instant now)
{
	if (pos >= s->nheap || s->waiters[s->heap[pos]].deadline > now)
		return;
	add_pending(s, s->heap[pos]);
	add_due(s, 2 * pos + 1, now);
	add_due(s, 2 * pos + 2, now);
}

/* ---- parked calls ---- */

static void unlink_waiter(struct capnet_sockets *s, struct waiter *w)
{
	uint16_t idx = (uint16_t)(w - s->waiters);
	for (uint16_t *p = &w->sock->first_waiter; *p != NO_WAITER; p = &s->waiters[*p].next_on_sock) {
		if (*p == idx) {
			*p = w->next_on_sock;
			break;
		}
	}
	w->next_on_sock = NO_WAITER;
}

static void complete(struct capnet_sockets *s, struct waiter *w, enum capnet_outcome o, capnet_err err,
		     capnet_instant at)
{
	if (w->state != W_PARKED)
		return; /* one completion per call, ever */
	unlink_waiter(s, w);
	if (w->heap_pos != NO_WAITER)
		heap_remove(s, w);
	w->state = W_DONE;
	w->res.outcome = o;
	w->res.err = err;
	w->res.at = at;
	s->stats.parked--;
	s->stats.completed[o]++;
}

/* The last cap of a socket went. Runs inside close/revoke: touches only
 * this table and the transports, never the capsys. */
static void sock_release(void *obj)
{
	struct cap_sock *k = obj;
	struct capnet_sockets *s = k->socks;
	/* In parking order, as a scan of the table would complete them. */
	while (k->first_waiter != NO_WAITER) {
		uint16_t first = k->first_waiter;
		for (uint16_t i = first; i != NO_WAITER; i = s->waiters[i].next_on_sock)
			first = i < first ? i : first;
		complete(s, &s->waiters[first], CAPNET_OUTCOME_CLOSED, CAPNET_E_CLOSED, s->last_now);
	}
	if (k->kind == SOCK_UDP || k->kind == SOCK_PING || k->kind == SOCK_PING_AUTH) {
		if (k->kind == SOCK_UDP)
			capnet_udp_close(k->u.udp);
		else if (k->kind == SOCK_PING)
			capnet_ping_close(k->u.ping);
		sock_unalloc(s, k);
		return;
	}
	k->closing = true; /* the TCP close needs a `now` */
	s->closing++;
}

const struct capnet_cap_objops capnet_sock_ops = {sock_release};

void sockets_flush(struct capnet_sockets *s, capnet_instant now)
{
	if (now > s->last_now)
		s->last_now = now;
	for (uint16_t i = 0; s->closing > 0 && i < s->cfg.max_sockets; i++) {
		struct cap_sock *k = &s->socks[i];
		if (k->kind == SOCK_FREE || !k->closing)
			continue;
		capnet_tcp_close(k->u.tcp, now);
		s->stats.closes_deferred++;
		s->closing--;
		sock_unalloc(s, k);
	}
}

static enum capnet_outcome outcome_of_error(capnet_err e)
{
	switch (e) {
	case CAPNET_E_REFUSED:
		return CAPNET_OUTCOME_REFUSED;
	case CAPNET_E_RESET:
		return CAPNET_OUTCOME_RESET;
	case CAPNET_E_TIMEDOUT:
		return CAPNET_OUTCOME_TIMED_OUT;
	default:
		return CAPNET_OUTCOME_FAILED;
	}
}

/* ACCEPT completes by accepting, into the parking cspace, below the
 * listener cap it parked on (which is still held: checked by the caller). */
static void complete_accept(struct capnet_sockets *s, struct waiter *w, capnet_instant now)
{
	capnet_err e = capnet_tcpcap_accept(w->cs, w->h, &w->res.handle);
	if (e == CAPNET_E_AGAIN)
		return;
	if (e == CAPNET_OK)
		complete(s, w, CAPNET_OUTCOME_COMPLETED, CAPNET_OK, now);
	else
		complete(s, w, CAPNET_OUTCOME_FAILED, e, now);
}

static void evaluate_tcp(struct capnet_sockets *s, struct waiter *w, capnet_instant now)
{
	unsigned ev = capnet_tcp_events(w->sock->u.tcp);
	struct capnet_tcp_info info;
	capnet_tcp_info(w->sock->u.tcp, &info);
	bool ended = (ev & (CAPNET_TCP_EV_RESET | CAPNET_TCP_EV_ERROR)) != 0;
	switch (w->op) {
	case CAPNET_PARK_ACCEPT:
		if (ev & CAPNET_TCP_EV_ACCEPTABLE)
			complete_accept(s, w, now);
		return;
	case CAPNET_PARK_RECV:
		/* Data (or the peer's FIN) first: it was sent before the end.
		 * (EV_READABLE alone is also set once the connection ended, so
		 * that recv returns its error: that is the end, not data.) */
		if (capnet_tcp_recv_ready(w->sock->u.tcp) > 0 || (ev & CAPNET_TCP_EV_CLOSED))
			complete(s, w, CAPNET_OUTCOME_COMPLETED, CAPNET_OK, now);
		else if (ended)
			complete(s, w, outcome_of_error(info.error), info.error, now);
		return;
	case CAPNET_PARK_SEND:
		if (ended)
			complete(s, w, outcome_of_error(info.error), info.error, now);
		else if (ev & CAPNET_TCP_EV_WRITABLE)
			complete(s, w, CAPNET_OUTCOME_COMPLETED, CAPNET_OK, now);
		return;
	default: /* CONNECT */
		if (ev & CAPNET_TCP_EV_CONNECTED)
			complete(s, w, CAPNET_OUTCOME_COMPLETED, CAPNET_OK, now);
		else if (ended)
			complete(s, w, outcome_of_error(info.error), info.error, now);
		return;
	}
}

static void evaluate(struct capnet_sockets *s, struct waiter *w, capnet_instant now)
{
	if (w->state != W_PARKED)
		return;
	/* The handle it parked on must still be held: closing or revoking it
	 * (or the socket's end) completes the call CLOSED. */
	struct cap_node *nd = capsys_peek(w->cs, w->h);
	if (!w->cs->live || w->cs->incarnation != w->incarnation || nd == NULL || w->sock->gen != w->sock_gen ||
	    w->sock->closing) {
		complete(s, w, CAPNET_OUTCOME_CLOSED, CAPNET_E_CLOSED, now);
		return;
	}
	if (w->sock->kind == SOCK_PING) {
		/* RECV: an outcome to read, or the run's end. */
		if (capnet_ping_events(w->sock->u.ping) != 0)
			complete(s, w, CAPNET_OUTCOME_COMPLETED, CAPNET_OK, now);
	} else if (w->sock->kind == SOCK_UDP) {
		unsigned ev = capnet_udp_events(w->sock->u.udp);
		if (w->op == CAPNET_PARK_RECV && (ev & (CAPNET_UDP_READABLE | CAPNET_UDP_ERROR)))
			complete(s, w, CAPNET_OUTCOME_COMPLETED, CAPNET_OK, now);
		else if (w->op == CAPNET_PARK_SEND && (ev & CAPNET_UDP_WRITABLE))
			complete(s, w, CAPNET_OUTCOME_COMPLETED, CAPNET_OK, now);
	} else {
		evaluate_tcp(s, w, now);
	}
	if (w->state == W_PARKED && w->deadline != CAPNET_INSTANT_NEVER && now >= w->deadline)
		complete(s, w, CAPNET_OUTCOME_TIMED_OUT, CAPNET_E_TIMEDOUT, now);
}

static void add_pending(struct capnet_sockets *s, uint16_t idx)
{
	struct waiter *w = &s->waiters[idx];
	if (w->pending || w->state != W_PARKED)
		return;
	w->pending = true;
	/* Kept in index order (insertion: the set is the few calls that had
	 * events), the order in which a scan of the table evaluated them. */
	uint16_t i = s->npending++;
	while (i > 0 && s->pending[i - 1] > idx) {
		s->pending[i] = s->pending[i - 1];
		i--;
	}
	s->pending[i] = idx;
}

/* Results nobody can read any more (their cspace exited) are freed: once
 * per cspace destroyed. */
static void sweep_dead(struct capnet_sockets *s)
{
	uint32_t destroyed = s->net->sys->destroyed;
	if (destroyed == s->seen_destroyed)
		return;
	s->seen_destroyed = destroyed;
	for (uint16_t i = 0; i < s->cfg.max_parked; i++) {
		struct waiter *w = &s->waiters[i];
		if (w->state == W_DONE && (!w->cs->live || w->cs->incarnation != w->incarnation)) {
			w->state = W_FREE;
			w->gen++;
		}
	}
}

capnet_instant capnet_sockets_poll(struct capnet_net *net, capnet_instant now)
{
	struct capnet_sockets *s = net != NULL ? net->socks : NULL;
	if (s == NULL)
		return CAPNET_INSTANT_NEVER;
	sockets_flush(s, now);
	sweep_dead(s);
	uint32_t examined = 0;
	s->npending = 0;
	while (s->dirty_head != NO_SOCK) {
		struct cap_sock *k = &s->socks[s->dirty_head];
		s->dirty_head = k->next_dirty;
		k->next_dirty = NO_SOCK;
		k->dirty = false;
		examined++;
		for (uint16_t i = k->first_waiter; i != NO_WAITER; i = s->waiters[i].next_on_sock)
			add_pending(s, i);
	}
	if (s->nheap > 0 && s->waiters[s->heap[0]].deadline <= now) {
		s->stats.deadline_scans++;
		add_due(s, 0, now);
	}
	for (uint16_t i = 0; i < s->npending; i++) {
		struct waiter *w = &s->waiters[s->pending[i]];
		w->pending = false;
		evaluate(s, w, now);
	}
	s->stats.last_poll_sockets = examined;
	s->stats.last_poll_calls = s->npending;
	s->stats.sockets_examined += examined;
	s->npending = 0;
	sockets_flush(s, now); /* an accept that could not place its cap closed it */
	return s->nheap > 0 ? s->waiters[s->heap[0]].deadline : CAPNET_INSTANT_NEVER;
}

static bool op_type_ok(enum capnet_park_op op, enum capnet_cap_type t)
{
	switch (op) {
	case CAPNET_PARK_ACCEPT:
		return t == CAPNET_CAP_TCP_LISTENER;
	case CAPNET_PARK_CONNECT:
		return t == CAPNET_CAP_TCP_SOCKET;
	case CAPNET_PARK_RECV:
		return t == CAPNET_CAP_TCP_SOCKET || t == CAPNET_CAP_UDP_SOCKET || t == CAPNET_CAP_PING;
	default:
		return t == CAPNET_CAP_TCP_SOCKET || t == CAPNET_CAP_UDP_SOCKET;
	}
}

static uint32_t op_rights(enum capnet_park_op op)
{
	switch (op) {
	case CAPNET_PARK_ACCEPT:
		return CAPNET_RIGHT_ACCEPT;
	case CAPNET_PARK_RECV:
		return CAPNET_RIGHT_RECV;
	case CAPNET_PARK_SEND:
		return CAPNET_RIGHT_SEND;
	default:
		return 0;
	}
}

#define TICKET(idx, gen) (((uint32_t)(gen) << 16) | (uint32_t)(idx))

capnet_err capnet_park(struct capnet_cspace *cs, capnet_handle h, enum capnet_park_op op, capnet_instant deadline,
		       capnet_instant now, capnet_ticket *out)
{
	if (cs == NULL || out == NULL || (unsigned)op > CAPNET_PARK_CONNECT)
		return CAPNET_E_INVAL;
	struct capnet_cap_info info;
	capnet_err e = capnet_cap_check(cs, h, CAPNET_CAP_NONE, 0, NULL, &info);
	if (e != CAPNET_OK)
		return e;
	if (!op_type_ok(op, info.type))
		return cap_reject(cs->sys, cs, CAPNET_E_WRONGTYPE, info.type);
	if ((info.rights & op_rights(op)) != op_rights(op))
		return cap_reject(cs->sys, cs, CAPNET_E_RIGHTS, info.type);
	struct cap_sock *k = sock_of(cs->sys, info.obj);
	if (k == NULL || k->kind == SOCK_PING_AUTH)
		return CAPNET_E_STATE; /* an authority, not an open socket */
	if (k->closing)
		return CAPNET_E_CLOSED;
	struct capnet_sockets *s = k->socks;
	struct waiter *w = NULL;
	uint16_t idx = 0;
	for (uint16_t i = 0; i < s->cfg.max_parked && w == NULL; i++) {
		if (s->waiters[i].state == W_FREE) {
			w = &s->waiters[i];
			idx = i;
		}
	}
	if (w == NULL)
		return CAPNET_E_NOMEM;
	uint16_t gen = w->gen;
	memset(w, 0, sizeof *w);
	w->gen = gen;
	w->state = W_PARKED;
	w->next_on_sock = k->first_waiter;
	k->first_waiter = idx;
	w->op = (uint8_t)op;
	w->cs = cs;
	w->incarnation = cs->incarnation;
	w->h = h;
	w->sock = k;
	w->sock_gen = k->gen;
	w->deadline = deadline;
	w->heap_pos = NO_WAITER;
	if (deadline != CAPNET_INSTANT_NEVER)
		heap_insert(s, idx);
	w->res.outcome = CAPNET_OUTCOME_PENDING;
	s->stats.parked++;
	if (s->stats.parked > s->stats.parked_max)
		s->stats.parked_max = s->stats.parked;
	*out = TICKET(idx, gen);
	sockets_flush(s, now);
	evaluate(s, w, now);
	return CAPNET_OK;
}

/* The waiter a ticket names, if it is this cspace's and unread. */
static struct waiter *ticket_waiter(struct capnet_cspace *cs, capnet_ticket t)
{
	struct capnet_sockets *s = cs->sys->socks;
	uint16_t idx = (uint16_t)(t & 0xffff), gen = (uint16_t)(t >> 16);
	if (s == NULL || idx >= s->cfg.max_parked)
		return NULL;
	struct waiter *w = &s->waiters[idx];
	if (w->state == W_FREE || w->gen != gen || w->cs != cs || w->incarnation != cs->incarnation)
		return NULL;
	return w;
}

capnet_err capnet_park_cancel(struct capnet_cspace *cs, capnet_ticket t, capnet_instant now)
{
	if (cs == NULL || !cs->live)
		return CAPNET_E_INVAL;
	struct waiter *w = ticket_waiter(cs, t);
	if (w == NULL)
		return cap_reject(cs->sys, cs, CAPNET_E_BADHANDLE, CAPNET_CAP_NONE);
	if (w->state != W_PARKED)
		return CAPNET_E_STATE;
	complete(cs->sys->socks, w, CAPNET_OUTCOME_CANCELLED, CAPNET_E_CANCELLED, now);
	return CAPNET_OK;
}

capnet_err capnet_park_result(struct capnet_cspace *cs, capnet_ticket t, struct capnet_park_result *out)
{
	if (cs == NULL || !cs->live || out == NULL)
		return CAPNET_E_INVAL;
	struct waiter *w = ticket_waiter(cs, t);
	if (w == NULL)
		return cap_reject(cs->sys, cs, CAPNET_E_BADHANDLE, CAPNET_CAP_NONE);
	if (w->state == W_PARKED) {
		out->outcome = CAPNET_OUTCOME_PENDING;
		return CAPNET_E_AGAIN;
	}
	*out = w->res;
	w->state = W_FREE;
	w->gen++;
	return CAPNET_OK;
}

void capnet_sockets_stats(const struct capnet_sockets *s, struct capnet_sockets_stats *out)
{
	*out = s->stats;
}

/* ---- the operator's table ---- */

capnet_err capnet_status_sockets(struct capnet_cspace *cs, capnet_handle st, struct capnet_socket_entry *out,
				 size_t max, size_t *count)
{
	struct capnet_cap_info info;
	capnet_err e = capnet_cap_check(cs, st, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_READ, NULL, &info);
	if (e != CAPNET_OK)
		return e;
	if (count == NULL || (out == NULL && max != 0))
		return CAPNET_E_INVAL;
	const struct capnet_net *net = info.obj;
	const struct capnet_sockets *s = net != NULL ? net->socks : NULL;
	size_t n = 0;
	for (uint16_t i = 0; s != NULL && i < s->cfg.max_sockets; i++) {
		const struct cap_sock *k = &s->socks[i];
		/* Ping sessions are no transport sockets: not in this table. */
		if (k->kind == SOCK_FREE || k->kind == SOCK_PING || k->kind == SOCK_PING_AUTH)
			continue;
		if (n < max) {
			struct capnet_socket_entry *o = &out[n];
			memset(o, 0, sizeof *o);
			o->id = i;
			o->udp = k->kind == SOCK_UDP;
			o->listener = k->kind == SOCK_TCP_LISTENER;
			o->owner_cspace = k->owner_cs;
			o->authority = (enum capnet_cap_type)k->authority;
			o->parked = sock_parked(k);
			for (uint16_t w = k->first_waiter; w != NO_WAITER; w = s->waiters[w].next_on_sock)
				if (s->waiters[w].op < CAPNET_PARK__COUNT)
					o->parked_by_op[s->waiters[w].op]++;
			o->closing = k->closing;
			if (o->udp) {
				o->local_port = capnet_udp_local_port(k->u.udp);
				o->queue_depth = (uint32_t)capnet_udp_queued(k->u.udp);
				o->queue_capacity = capnet_udp_queue_capacity(k->u.udp);
			} else {
				struct capnet_tcp_info ti;
				capnet_tcp_info(k->u.tcp, &ti);
				o->state = ti.state;
				o->local_addr = ti.local.addr.u.v4;
				o->local_port = ti.local.port;
				o->remote_addr = ti.remote.addr.u.v4;
				o->remote_port = ti.remote.port;
				o->queue_depth = o->listener ? ti.accept_queue : ti.rcvq_bytes;
				o->queue_capacity = o->listener ? ti.backlog_limit : ti.rcvq_capacity;
			}
		}
		n++;
	}
	*count = n;
	return CAPNET_OK;
}
