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
	p->w[i] = (struct capnet_watch){CAPNET_WATCH_HANDLE, h, 0, want | CAPNET_READY_ALWAYS, 0, tag};
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
					CAPNET_READY_DONE | CAPNET_READY_ALWAYS, 0, tag};
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

/* One entry, silently: a handle that no longer resolves is INVALID. */
static unsigned eval_entry(const struct capnet_pollable *p, const struct capnet_watch *w, capnet_instant now,
			   capnet_instant *next)
{
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
	if (nd->type == CAPNET_CAP_TIMER && !(r & CAPNET_READY_DONE) && nd->aux != CAPNET_INSTANT_NEVER)
		*next = capnet_instant_min(*next, nd->aux);
	return r;
}

size_t capnet_pollable_check(struct capnet_pollable *p, capnet_instant now, capnet_instant *next)
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
		w->ready = eval_entry(p, w, now, &nx) & w->want;
		n += w->ready != 0;
	}
	if (next != NULL)
		*next = nx;
	return n;
}

unsigned capnet_pollable_eval(struct capnet_pollable *p, uint16_t index, capnet_instant now, capnet_instant *next)
{
	if (p == NULL || p->cs == NULL || index >= p->max || p->w[index].kind == CAPNET_WATCH_FREE)
		return 0;
	capnet_instant nx = CAPNET_INSTANT_NEVER;
	struct capnet_watch *w = &p->w[index];
	w->ready = eval_entry(p, w, now, &nx) & w->want;
	if (next != NULL)
		*next = capnet_instant_min(*next, nx);
	return w->ready;
}

struct wait_ctx {
	struct capnet_pollable *p;
	const struct capnet_wait_driver *d;
};

static bool wait_done(void *vctx)
{
	struct wait_ctx *c = vctx;
	return capnet_pollable_check(c->p, c->d->now(c->d->ctx), NULL) > 0;
}

/* Consecutive driver steps that move no time and make nothing ready
 * before the wait calls the driver broken. */
#define WAIT_STALL_LIMIT 1024

capnet_err capnet_pollable_wait(struct capnet_pollable *p, const struct capnet_wait_driver *d, capnet_instant deadline,
				size_t *nready)
{
	if (nready != NULL)
		*nready = 0;
	if (p == NULL || p->cs == NULL || d == NULL || d->now == NULL || d->step == NULL)
		return CAPNET_E_INVAL;
	p->st.waits++;
	struct wait_ctx c = {p, d};
	unsigned stalls = 0;
	for (;;) {
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
		d->step(d->ctx, limit, wait_done, &c);
		p->st.wakeups++;
		if (d->now(d->ctx) == now && capnet_pollable_check(p, now, NULL) == 0) {
			if (++stalls >= WAIT_STALL_LIMIT)
				return CAPNET_E_STATE;
		} else {
			stalls = 0;
		}
	}
}
