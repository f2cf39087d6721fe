/* Readiness of caps and parked calls, and the Pollable set a hosted caller
 * waits on (capnet/pollable.h). Readiness is read from the transports' own
 * state at the moment of asking -- never cached -- so a closed, revoked or
 * reused handle cannot report what the object it used to name was doing. */
#include <string.h>

#include "cap/capsys_internal.h"
#include "capnet/pollable.h"

char *capnet_ready_format(unsigned ready, char *buf, size_t len)
{
	static const char *const names[] = {"READABLE", "WRITABLE", "ACCEPTABLE", "CLOSED", "RESET",
					    "ERROR",    "CONNECTED", "CONFIG_UNAVAILABLE", "DONE", "INVALID", "HUP"};
	if (buf == NULL || len == 0)
		return buf;
	size_t at = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(ready & (1u << i)))
			continue;
		const char *n = names[i];
		if (at != 0 && at + 1 < len)
			buf[at++] = '|';
		for (; *n != '\0' && at + 1 < len; n++)
			buf[at++] = *n;
		buf[at] = '\0';
	}
	if (at == 0 && len > 1) {
		buf[0] = '-';
		buf[1] = '\0';
	}
	return buf;
}

/* No address, or no link: nothing new can be sent or reached. */
static bool config_unavailable(const struct capnet_net *net)
{
	if (net == NULL || net->iface == NULL)
		return true;
	struct capnet_ip4_config c;
	capnet_iface_get_ip4(net->iface, &c);
	bool up = net->nic == NULL || net->nic->ops->link_up == NULL || net->nic->ops->link_up(net->nic->dev);
	return c.addr == 0 || !up;
}

static unsigned tcp_ready(const struct cap_sock *k)
{
	const struct capnet_tcp_sock *t = k->u.tcp;
	unsigned ev = capnet_tcp_events(t), r = 0;
	struct capnet_tcp_info i;
	capnet_tcp_info(t, &i);
	bool ended = !i.listener && i.state == CAPNET_TCP_CLOSED;
	if (ev & CAPNET_TCP_EV_ACCEPTABLE)
		r |= CAPNET_READY_ACCEPTABLE;
	if (!i.listener && capnet_tcp_recv_ready(t) > 0)
		r |= CAPNET_READY_READABLE;
	/* The transport says WRITABLE for an ended connection too (send then
	 * returns its error); here WRITABLE means bytes would be queued. */
	if ((ev & CAPNET_TCP_EV_WRITABLE) && !ended)
		r |= CAPNET_READY_WRITABLE;
	if ((ev & CAPNET_TCP_EV_CLOSED) || (ended && i.error == CAPNET_OK))
		r |= CAPNET_READY_CLOSED;
	if (ev & CAPNET_TCP_EV_RESET)
		r |= CAPNET_READY_RESET;
	if (ev & CAPNET_TCP_EV_ERROR)
		r |= CAPNET_READY_ERROR;
	if (ev & CAPNET_TCP_EV_CONNECTED)
		r |= CAPNET_READY_CONNECTED;
	if (ended || ((ev & CAPNET_TCP_EV_CLOSED) && !i.may_send))
		r |= CAPNET_READY_HUP;
	if (!ended && config_unavailable(k->socks->net)) {
		r |= CAPNET_READY_CONFIG_UNAVAILABLE;
		r &= ~CAPNET_READY_WRITABLE;
	}
	return r;
}

static unsigned udp_ready(const struct cap_sock *k)
{
	unsigned ev = capnet_udp_events(k->u.udp), r = 0;
	if (ev & CAPNET_UDP_READABLE)
		r |= CAPNET_READY_READABLE;
	if (ev & CAPNET_UDP_ERROR)
		r |= CAPNET_READY_ERROR;
	if (config_unavailable(k->socks->net))
		r |= CAPNET_READY_CONFIG_UNAVAILABLE;
	else if (ev & CAPNET_UDP_WRITABLE)
		r |= CAPNET_READY_WRITABLE;
	return r;
}

/* What a held cap reports. The error says why it reports nothing: the type
 * has no readiness (E_WRONGTYPE), a right is missing (E_RIGHTS), or it is
 * an authority rather than an open socket (E_STATE). */
static capnet_err node_ready(const struct capnet_cspace *cs, const struct cap_node *nd, capnet_instant now,
			     unsigned *ready)
{
	switch ((enum capnet_cap_type)nd->type) {
	case CAPNET_CAP_TIMER:
		if (!(nd->rights & CAPNET_RIGHT_READ))
			return CAPNET_E_RIGHTS;
		*ready = nd->aux != CAPNET_INSTANT_NEVER && nd->aux <= now ? CAPNET_READY_DONE : 0;
		return CAPNET_OK;
	case CAPNET_CAP_PING: {
		const struct cap_sock *k = sock_of(cs->sys, nd->obj);
		if (k == NULL || k->kind != SOCK_PING)
			return CAPNET_E_STATE; /* the authority: nothing to wait for */
		unsigned ev = capnet_ping_events(k->u.ping);
		*ready = ((ev & CAPNET_PING_EV_READABLE) ? CAPNET_READY_READABLE : 0) |
			 ((ev & CAPNET_PING_EV_DONE) ? CAPNET_READY_DONE : 0);
		return CAPNET_OK;
	}
	case CAPNET_CAP_TCP_SOCKET:
	case CAPNET_CAP_TCP_LISTENER:
	case CAPNET_CAP_UDP_SOCKET: {
		const struct cap_sock *k = sock_of(cs->sys, nd->obj);
		if (k == NULL)
			return CAPNET_E_STATE;
		if (k->closing) {
			*ready = CAPNET_READY_INVALID;
			return CAPNET_OK;
		}
		*ready = k->kind == SOCK_UDP ? udp_ready(k) : tcp_ready(k);
		return CAPNET_OK;
	}
	default:
		return CAPNET_E_WRONGTYPE;
	}
}

capnet_err capnet_cap_readiness(struct capnet_cspace *cs, capnet_handle h, capnet_instant now, unsigned *ready)
{
	struct cap_node *nd;
	capnet_err e = capsys_check_node(cs, h, CAPNET_CAP_NONE, 0, NULL, NULL, &nd);
	if (e != CAPNET_OK)
		return e;
	if (ready == NULL)
		return CAPNET_E_INVAL;
	e = node_ready(cs, nd, now, ready);
	if (e == CAPNET_E_WRONGTYPE || e == CAPNET_E_RIGHTS)
		return cap_reject(cs->sys, cs, e, (enum capnet_cap_type)nd->type);
	return e;
}

/* ---- tickets ---- */

/* The waiter a ticket names if it is cs's and unread (sockets.c encodes
 * tickets as generation << 16 | index). Looks, never changes. */
static const struct waiter *ticket_peek(const struct capnet_cspace *cs, capnet_ticket t)
{
	const struct capnet_sockets *s = cs->sys->socks;
	uint16_t idx = (uint16_t)(t & 0xffff), gen = (uint16_t)(t >> 16);
	if (s == NULL || idx >= s->cfg.max_parked)
		return NULL;
	const struct waiter *w = &s->waiters[idx];
	if (w->state == W_FREE || w->gen != gen || w->cs != cs || w->incarnation != cs->incarnation)
		return NULL;
	return w;
}

capnet_instant capnet_park_next_deadline(const struct capnet_cspace *cs)
{
	capnet_instant next = CAPNET_INSTANT_NEVER;
	const struct capnet_sockets *s = cs != NULL ? cs->sys->socks : NULL;
	for (uint16_t i = 0; s != NULL && i < s->cfg.max_parked; i++) {
		const struct waiter *w = &s->waiters[i];
		if (w->state == W_PARKED && w->cs == cs && w->incarnation == cs->incarnation)
			next = capnet_instant_min(next, w->deadline);
	}
	return next;
}

/* ---- the set ---- */

capnet_err capnet_pollable_init(struct capnet_pollable *p, struct capnet_cspace *cs, struct capnet_watch *watches,
				uint16_t max)
{
	if (p == NULL || cs == NULL || (watches == NULL && max != 0))
		return CAPNET_E_INVAL;
	memset(p, 0, sizeof *p);
	p->cs = cs;
	p->w = watches;
	p->max = max;
	memset(watches, 0, sizeof *watches * max);
	return CAPNET_OK;
}

static capnet_err take_entry(struct capnet_pollable *p, uint16_t *index)
{
	for (uint16_t i = 0; i < p->max; i++) {
		if (p->w[i].kind == CAPNET_WATCH_FREE) {
			*index = i;
			return CAPNET_OK;
		}
	}
	return CAPNET_E_NOMEM;
}

capnet_err capnet_pollable_add(struct capnet_pollable *p, capnet_handle h, unsigned want, uint64_t tag,
			       uint16_t *index)
{
	if (p == NULL || p->cs == NULL)
		return CAPNET_E_INVAL;
	unsigned now_ready;
	/* The gate, audited. Time 0: only whether the cap can be watched counts. */
	capnet_err e = capnet_cap_readiness(p->cs, h, 0, &now_ready);
	if (e != CAPNET_OK)
		return e;
	if ((want & ~CAPNET_READY_ALL) != 0)
		return CAPNET_E_INVAL;
	uint16_t i;
	if ((e = take_entry(p, &i)) != CAPNET_OK)
		return e;
	p->w[i] = (struct capnet_watch){CAPNET_WATCH_HANDLE, h, 0, want | CAPNET_READY_ALWAYS, 0, tag, false, 0, 0};
	p->used++;
	if (index != NULL)
		*index = i;
	return CAPNET_OK;
}

capnet_err capnet_pollable_add_ticket(struct capnet_pollable *p, capnet_ticket t, uint64_t tag, uint16_t *index)
{
	if (p == NULL || p->cs == NULL || !p->cs->live)
		return CAPNET_E_INVAL;
	if (ticket_peek(p->cs, t) == NULL)
		return cap_reject(p->cs->sys, p->cs, CAPNET_E_BADHANDLE, CAPNET_CAP_NONE);
	uint16_t i;
	capnet_err e = take_entry(p, &i);
	if (e != CAPNET_OK)
		return e;
	p->w[i] = (struct capnet_watch){CAPNET_WATCH_TICKET, CAPNET_HANDLE_NONE, t,
					CAPNET_READY_DONE | CAPNET_READY_ALWAYS, 0, tag, false, 0, 0};
	p->used++;
	if (index != NULL)
		*index = i;
	return CAPNET_OK;
}

capnet_err capnet_pollable_remove(struct capnet_pollable *p, uint16_t index)
{
	if (p == NULL || index >= p->max || p->w[index].kind == CAPNET_WATCH_FREE)
		return CAPNET_E_INVAL;
	memset(&p->w[index], 0, sizeof p->w[index]);
	p->used--;
	return CAPNET_OK;
}

/* READABLE's activity mark for edge-triggered entries: the bytes a TCP
 * connection has received in order (UDP: 0, transitions only). */
static uint64_t node_rx_mark(const struct capnet_cspace *cs, const struct cap_node *nd)
{
	if (nd->type != CAPNET_CAP_TCP_SOCKET)
		return 0;
	const struct cap_sock *k = sock_of(cs->sys, nd->obj);
	if (k == NULL || k->closing || k->kind == SOCK_UDP)
		return 0;
	struct capnet_tcp_info i;
	capnet_tcp_info(k->u.tcp, &i);
	return i.bytes_received;
}

/* One entry, silently: a handle that no longer resolves is INVALID.
 * *rx: READABLE's activity mark (node_rx_mark). */
static unsigned eval_entry(const struct capnet_pollable *p, const struct capnet_watch *w, capnet_instant now,
			   capnet_instant *next, uint64_t *rx)
{
	*rx = 0;
	const struct capnet_cspace *cs = p->cs;
	if (!cs->live)
		return CAPNET_READY_INVALID;
	if (w->kind == CAPNET_WATCH_TICKET) {
		const struct waiter *wt = ticket_peek(cs, w->t);
		if (wt == NULL)
			return CAPNET_READY_INVALID;
		if (wt->state == W_PARKED) {
			*next = capnet_instant_min(*next, wt->deadline);
			return 0;
		}
		return CAPNET_READY_DONE;
	}
	const struct cap_node *nd = capsys_peek(cs, w->h);
	if (nd == NULL)
		return CAPNET_READY_INVALID;
	unsigned r = 0;
	if (node_ready(cs, nd, now, &r) != CAPNET_OK)
		return CAPNET_READY_INVALID; /* rights attenuated away since it was added */
	if (w->edge && (r & CAPNET_READY_READABLE))
		*rx = node_rx_mark(cs, nd);
	if (nd->type == CAPNET_CAP_TIMER && !(r & CAPNET_READY_DONE) && nd->aux != CAPNET_INSTANT_NEVER)
		*next = capnet_instant_min(*next, nd->aux);
	return r;
}

/* What an entry reports at this evaluation: the level, or for an
 * edge-triggered entry the bits that rose (or READABLE with new bytes)
 * since they were last reported. `commit` records the report (the
 * evaluation consumes the edge); a wait's probes look without taking. */
static unsigned report(struct capnet_watch *w, unsigned level, uint64_t rx, bool commit)
{
	if (!w->edge)
		return level;
	unsigned armed = w->reported & level; /* a bit that cleared is re-armed */
	unsigned out = level & ~armed;
	if ((level & armed & CAPNET_READY_READABLE) && rx != w->rx_mark)
		out |= CAPNET_READY_READABLE; /* new data while still readable */
	if (commit) {
		w->reported = armed | out;
		if (out & CAPNET_READY_READABLE)
			w->rx_mark = rx;
	}
	return out;
}

static size_t check_set(struct capnet_pollable *p, capnet_instant now, capnet_instant *next, bool commit)
{
	capnet_instant nx = CAPNET_INSTANT_NEVER;
	size_t n = 0;
	if (p == NULL || p->cs == NULL) {
		if (next != NULL)
			*next = nx;
		return 0;
	}
	p->st.evaluations++;
	for (uint16_t i = 0; i < p->max; i++) {
		struct capnet_watch *w = &p->w[i];
		if (w->kind == CAPNET_WATCH_FREE)
			continue;
		uint64_t rx;
		unsigned level = eval_entry(p, w, now, &nx, &rx) & w->want;
		unsigned r = report(w, level, rx, commit);
		if (commit)
			w->ready = r;
		n += r != 0;
	}
	if (next != NULL)
		*next = nx;
	return n;
}

size_t capnet_pollable_check(struct capnet_pollable *p, capnet_instant now, capnet_instant *next)
{
	return check_set(p, now, next, true);
}

unsigned capnet_pollable_eval(struct capnet_pollable *p, uint16_t index, capnet_instant now, capnet_instant *next)
{
	if (p == NULL || p->cs == NULL || index >= p->max || p->w[index].kind == CAPNET_WATCH_FREE)
		return 0;
	capnet_instant nx = CAPNET_INSTANT_NEVER;
	struct capnet_watch *w = &p->w[index];
	uint64_t rx;
	unsigned level = eval_entry(p, w, now, &nx, &rx) & w->want;
	w->ready = report(w, level, rx, true);
	if (next != NULL)
		*next = capnet_instant_min(*next, nx);
	return w->ready;
}

capnet_err capnet_pollable_set_edge(struct capnet_pollable *p, uint16_t index, bool edge)
{
	if (p == NULL || index >= p->max || p->w[index].kind == CAPNET_WATCH_FREE)
		return CAPNET_E_INVAL;
	struct capnet_watch *w = &p->w[index];
	w->edge = edge;
	w->reported = 0;
	w->rx_mark = 0;
	return CAPNET_OK;
}

struct wait_ctx {
	struct capnet_pollable *p;
	const struct capnet_wait_driver *d;
	/* The Pollable cap's wait: false once its handle or set is gone. */
	bool (*alive)(void *actx);
	void *actx;
};

static bool wait_alive(const struct wait_ctx *c)
{
	return c->alive == NULL || c->alive(c->actx);
}

static bool wait_done(void *vctx)
{
	struct wait_ctx *c = vctx;
	if (!wait_alive(c))
		return true; /* gone: stop the driver now, the wait ends CLOSED */
	return check_set(c->p, c->d->now(c->d->ctx), NULL, false) > 0;
}

/* Consecutive driver steps that move no time and make nothing ready
 * before the wait calls the driver broken. */
#define WAIT_STALL_LIMIT 1024

static capnet_err wait_loop(struct wait_ctx *c, capnet_instant deadline, size_t *nready)
{
	struct capnet_pollable *p = c->p;
	const struct capnet_wait_driver *d = c->d;
	p->st.waits++;
	unsigned stalls = 0;
	for (;;) {
		if (!wait_alive(c))
			return CAPNET_E_CLOSED;
		capnet_instant now = d->now(d->ctx), next;
		size_t n = capnet_pollable_check(p, now, &next);
		if (n > 0) {
			p->st.ready++;
			if (nready != NULL)
				*nready = n;
			return CAPNET_OK;
		}
		if (now >= deadline) {
			p->st.timeouts++;
			return CAPNET_E_TIMEDOUT;
		}
		if (p->used == 0 && deadline == CAPNET_INSTANT_NEVER)
			return CAPNET_E_INVAL;
		capnet_instant limit = capnet_instant_min(deadline, capnet_instant_min(next, capnet_park_next_deadline(p->cs)));
		if (limit < now)
			limit = now;
		d->step(d->ctx, limit, wait_done, c);
		if (!wait_alive(c))
			return CAPNET_E_CLOSED; /* the set may be freed: touch nothing */
		p->st.wakeups++;
		if (d->now(d->ctx) == now && check_set(p, now, NULL, false) == 0) {
			if (++stalls >= WAIT_STALL_LIMIT)
				return CAPNET_E_STATE;
		} else {
			stalls = 0;
		}
	}
}

capnet_err capnet_pollable_wait(struct capnet_pollable *p, const struct capnet_wait_driver *d, capnet_instant deadline,
				size_t *nready)
{
	if (nready != NULL)
		*nready = 0;
	if (p == NULL || p->cs == NULL || d == NULL || d->now == NULL || d->step == NULL)
		return CAPNET_E_INVAL;
	struct wait_ctx c = {p, d, NULL, NULL};
	return wait_loop(&c, deadline, nready);
}

/* ---- the Pollable cap ---- */

void pollsets_init(struct capnet_capsys *sys, struct cap_pollset *sets, struct capnet_watch *members)
{
	uint16_t n = sys->cfg.max_pollables, m = sys->cfg.pollable_members;
	sys->pollsets = sets;
	sys->pollset_free = SLOT_NONE;
	sys->pollsets_in_use = 0;
	for (uint16_t i = n; i > 0; i--) {
		struct cap_pollset *ps = &sets[i - 1];
		memset(ps, 0, sizeof *ps);
		ps->sys = sys;
		ps->set.w = members + (size_t)(i - 1) * m;
		ps->set.max = m;
		ps->next_free = sys->pollset_free;
		sys->pollset_free = (uint16_t)(i - 1);
	}
}

/* Runs inside close/revoke once no held cap names the set: clears it (no
 * member list outlives it) and returns it to the pool. A wait still running
 * on it sees the generation move and ends CLOSED. */
static void pollset_release(void *obj)
{
	struct cap_pollset *ps = obj;
	struct capnet_capsys *sys = ps->sys;
	struct capnet_watch *w = ps->set.w;
	uint16_t max = ps->set.max;
	memset(w, 0, sizeof *w * max);
	memset(&ps->set, 0, sizeof ps->set);
	ps->set.w = w;
	ps->set.max = max;
	ps->in_use = false;
	ps->waiting = false;
	ps->gen++;
	ps->next_free = sys->pollset_free;
	sys->pollset_free = (uint16_t)(ps - sys->pollsets);
	sys->pollsets_in_use--;
}

static const struct capnet_cap_objops pollset_ops = {pollset_release};

/* The set an object pointer names, if it is a live one of this system's
 * pool (a Pollable minted through the generic mint carries anything). */
static struct cap_pollset *pollset_of(const struct capnet_capsys *sys, void *obj)
{
	uintptr_t base = (uintptr_t)sys->pollsets, at = (uintptr_t)obj;
	size_t sz = sizeof(struct cap_pollset);
	if (obj == NULL || at < base || at >= base + sz * sys->cfg.max_pollables || (at - base) % sz != 0)
		return NULL;
	struct cap_pollset *ps = &sys->pollsets[(at - base) / sz];
	return ps->in_use ? ps : NULL;
}

void capnet_pollcap_pool(const struct capnet_capsys *sys, uint32_t *in_use, uint32_t *capacity)
{
	if (in_use != NULL)
		*in_use = sys != NULL ? sys->pollsets_in_use : 0;
	if (capacity != NULL)
		*capacity = sys != NULL ? sys->cfg.max_pollables : 0;
}

capnet_err capnet_timer_mint_pollable(struct capnet_cspace *cs, capnet_handle timer, capnet_handle *out)
{
	struct cap_node *tn;
	capnet_err e = capsys_check_node(cs, timer, CAPNET_CAP_TIMER, CAPNET_RIGHT_READ, NULL, NULL, &tn);
	if (e != CAPNET_OK)
		return e;
	if (out == NULL)
		return CAPNET_E_INVAL;
	struct capnet_capsys *sys = cs->sys;
	if (!capsys_can_place(cs) || sys->pollset_free == SLOT_NONE) {
		sys->nomem++;
		return CAPNET_E_NOMEM;
	}
	struct cap_pollset *ps = &sys->pollsets[sys->pollset_free];
	uint32_t rights = CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE | (tn->rights & CAPNET_RIGHT_GRANT);
	struct capnet_cap_mint_args a = {CAPNET_CAP_TIMER, CAPNET_RIGHT_READ, NULL, CAPNET_CAP_POLLABLE, rights, NULL,
					 ps, &pollset_ops};
	/* Checked and placeable: the mint cannot fail now. Take the set only
	 * after it did, so a failure leaves the pool as it was. */
	e = capnet_cap_mint(cs, timer, &a, out);
	if (e != CAPNET_OK)
		return e;
	sys->pollset_free = ps->next_free;
	ps->next_free = SLOT_NONE;
	ps->in_use = true;
	ps->waiting = false;
	sys->pollsets_in_use++;
	capnet_pollable_init(&ps->set, cs, ps->set.w, ps->set.max);
	return CAPNET_OK;
}

/* The gate of every Pollable call: handle -> type -> rights (audited),
 * then the pollset, then the call's arguments (`args`: they are good). */
static capnet_err pollcap_gate(struct capnet_cspace *cs, capnet_handle p, uint32_t rights, bool args,
			       struct cap_pollset **out)
{
	struct cap_node *nd;
	capnet_err e = capsys_check_node(cs, p, CAPNET_CAP_POLLABLE, rights, NULL, NULL, &nd);
	if (e != CAPNET_OK)
		return e;
	struct cap_pollset *ps = pollset_of(cs->sys, nd->obj);
	if (ps == NULL)
		return CAPNET_E_STATE;
	*out = ps;
	return args ? CAPNET_OK : CAPNET_E_INVAL;
}

capnet_err capnet_pollcap_add(struct capnet_cspace *cs, capnet_handle p, capnet_handle member, unsigned want,
			      uint64_t tag, uint16_t *index)
{
	struct cap_pollset *ps;
	capnet_err e = pollcap_gate(cs, p, CAPNET_RIGHT_CONFIGURE, true, &ps);
	if (e != CAPNET_OK)
		return e;
	if (ps->set.cs != cs) /* members are the home cspace's handles */
		return cap_reject(cs->sys, cs, CAPNET_E_BADHANDLE, CAPNET_CAP_NONE);
	return capnet_pollable_add(&ps->set, member, want, tag, index);
}

capnet_err capnet_pollcap_add_ticket(struct capnet_cspace *cs, capnet_handle p, capnet_ticket t, uint64_t tag,
				     uint16_t *index)
{
	struct cap_pollset *ps;
	capnet_err e = pollcap_gate(cs, p, CAPNET_RIGHT_CONFIGURE, true, &ps);
	if (e != CAPNET_OK)
		return e;
	if (ps->set.cs != cs)
		return cap_reject(cs->sys, cs, CAPNET_E_BADHANDLE, CAPNET_CAP_NONE);
	return capnet_pollable_add_ticket(&ps->set, t, tag, index);
}

capnet_err capnet_pollcap_remove(struct capnet_cspace *cs, capnet_handle p, uint16_t index)
{
	struct cap_pollset *ps;
	capnet_err e = pollcap_gate(cs, p, CAPNET_RIGHT_CONFIGURE, true, &ps);
	if (e != CAPNET_OK)
		return e;
	return capnet_pollable_remove(&ps->set, index);
}

capnet_err capnet_pollcap_set_edge(struct capnet_cspace *cs, capnet_handle p, uint16_t index, bool edge)
{
	struct cap_pollset *ps;
	capnet_err e = pollcap_gate(cs, p, CAPNET_RIGHT_CONFIGURE, true, &ps);
	if (e != CAPNET_OK)
		return e;
	return capnet_pollable_set_edge(&ps->set, index, edge);
}

static void copy_out(const struct cap_pollset *ps, struct capnet_watch *out, uint16_t max)
{
	for (uint16_t i = 0; out != NULL && i < max; i++) {
		if (i < ps->set.max)
			out[i] = ps->set.w[i];
		else
			memset(&out[i], 0, sizeof out[i]);
	}
}

capnet_err capnet_pollcap_check(struct capnet_cspace *cs, capnet_handle p, capnet_instant now,
				struct capnet_watch *out, uint16_t max, size_t *nready, capnet_instant *next)
{
	struct cap_pollset *ps;
	capnet_err e = pollcap_gate(cs, p, CAPNET_RIGHT_READ, true, &ps);
	if (e != CAPNET_OK)
		return e;
	size_t n = capnet_pollable_check(&ps->set, now, next);
	if (nready != NULL)
		*nready = n;
	copy_out(ps, out, max);
	return CAPNET_OK;
}

/* The waiter's own handle still names the same live set. */
struct pollcap_alive {
	struct capnet_cspace *cs;
	capnet_handle h;
	struct cap_pollset *ps;
	uint16_t gen;
};

static bool pollcap_alive(void *vctx)
{
	const struct pollcap_alive *a = vctx;
	if (!a->ps->in_use || a->ps->gen != a->gen)
		return false;
	const struct cap_node *nd = capsys_peek(a->cs, a->h);
	return nd != NULL && nd->type == CAPNET_CAP_POLLABLE && nd->obj == a->ps;
}

capnet_err capnet_pollcap_wait(struct capnet_cspace *cs, capnet_handle p, const struct capnet_wait_driver *d,
			       capnet_instant deadline, struct capnet_watch *out, uint16_t max, size_t *nready)
{
	if (nready != NULL)
		*nready = 0;
	struct cap_pollset *ps;
	capnet_err e = pollcap_gate(cs, p, CAPNET_RIGHT_READ, d != NULL && d->now != NULL && d->step != NULL, &ps);
	if (e != CAPNET_OK)
		return e;
	if (ps->waiting)
		return CAPNET_E_INUSE;
	struct pollcap_alive a = {cs, p, ps, ps->gen};
	struct wait_ctx c = {&ps->set, d, pollcap_alive, &a};
	ps->waiting = true;
	e = wait_loop(&c, deadline, nready);
	if (e == CAPNET_E_CLOSED) {
		/* The set may be freed or another's by now: leave it alone. If it
		 * is still ours (only this handle went), the wait is over. */
		if (ps->in_use && ps->gen == a.gen)
			ps->waiting = false;
		return e;
	}
	ps->waiting = false;
	copy_out(ps, out, max);
	return e;
}

capnet_err capnet_pollcap_stats(struct capnet_cspace *cs, capnet_handle p, struct capnet_pollable_stats *out)
{
	struct cap_pollset *ps;
	capnet_err e = pollcap_gate(cs, p, CAPNET_RIGHT_READ, out != NULL, &ps);
	if (e == CAPNET_OK)
		*out = ps->set.st;
	return e;
}
