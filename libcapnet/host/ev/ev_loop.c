/* The libev runtime for one stack (or one bare interface). Every wakeup
 * (frames readable, TX queue writable, the stack's own deadline) ends the
 * same way: poll the stack with the real clock, then arm the single timer
 * for the deadline it returned. Nothing runs on a fixed tick. */
#include "capnet/host/ev.h"

#include <ev.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "capnet/host/host.h"
#include "capnet/stack.h"

struct capnet_ev {
	struct ev_loop *loop;
	struct capnet_stack *stack; /* or, without a stack, one interface: */
	struct capnet_iface *ifc;
	int fd;
	ev_io io;
	ev_timer timer;
	bool want_write;
	bool in_poll;
	capnet_instant next;
	struct capnet_ev_options o;
	struct capnet_ev_stats st;
};

capnet_instant capnet_host_wallclock(void *unused)
{
	(void)unused;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (capnet_instant)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static capnet_instant now_of(const struct capnet_ev *h)
{
	return h->o.clock != NULL ? h->o.clock(h->o.clock_ctx) : capnet_host_now();
}

static size_t tx_pending(const struct capnet_ev *h)
{
	return h->o.tx_pending != NULL ? h->o.tx_pending(h->o.tx_ctx) : 0;
}

/* Watch for writability only while frames wait: an always-writable fd in
 * the set would wake the loop continuously. */
static void set_write_interest(struct capnet_ev *h, bool want)
{
	if (want == h->want_write)
		return;
	h->want_write = want;
	ev_io_stop(h->loop, &h->io);
	ev_io_set(&h->io, h->fd, EV_READ | (want ? EV_WRITE : 0));
	ev_io_start(h->loop, &h->io);
}

static void arm_timer(struct capnet_ev *h, capnet_instant now, capnet_instant next)
{
	ev_timer_stop(h->loop, &h->timer);
	h->next = next;
	if (next == CAPNET_INSTANT_NEVER)
		return;
	double after = 0.0;
	if (next > now) {
		/* libev counts from the loop's cached time, which lags the clock
		 * we just read by however long this iteration has run: add the
		 * lag so the timer does not fire before the stack's deadline. */
		after = (double)(next - now) / 1e6 + (ev_time() - ev_now(h->loop));
		if (after < 0.0)
			after = 0.0;
	}
	ev_timer_set(&h->timer, after, 0.0);
	ev_timer_start(h->loop, &h->timer);
}

/* A dead descriptor stays readable (or errors) forever: stop watching
 * it instead of spinning, and tell the program once. */
static bool check_fault(struct capnet_ev *h)
{
	if (h->st.fault != 0)
		return true;
	int err = h->o.fault != NULL ? h->o.fault(h->o.tx_ctx) : 0;
	if (err == 0)
		return false;
	h->st.fault = err;
	ev_io_stop(h->loop, &h->io);
	ev_timer_stop(h->loop, &h->timer);
	h->next = CAPNET_INSTANT_NEVER;
	if (h->o.on_fault != NULL)
		h->o.on_fault(h->o.on_fault_ctx, err);
	return true;
}

/* The earliest timer of the stack's TCP layers: what the program sent in
 * its after_poll hook may have armed one earlier than the poll's deadline
 * (a retransmission timer), and the loop must not sleep past it. */
static capnet_instant tcp_timers(const struct capnet_stack *st)
{
	capnet_instant next = CAPNET_INSTANT_NEVER;
	for (size_t i = 0; i < capnet_stack_ifaces(st); i++) {
		const struct capnet_tcp *tcp = capnet_stack_tcp(st, i);
		if (tcp != NULL)
			next = capnet_instant_min(next, capnet_tcp_next_deadline(tcp));
	}
	return next;
}

/* One poll -- the whole stack (frames, timers, and the parked calls that
 * capnet_sockets_poll completes) or the bare interface -- then the
 * program's hook. */
static capnet_instant poll_once(struct capnet_ev *h, capnet_instant now)
{
	capnet_instant next = h->stack != NULL ? capnet_stack_poll(h->stack, now) : capnet_iface_poll(h->ifc, now);
	h->st.polls++;
	if (h->o.after_poll != NULL)
		h->o.after_poll(h->o.after_poll_ctx, now, next);
	if (h->stack != NULL)
		next = capnet_instant_min(next, tcp_timers(h->stack));
	return next;
}

/* Polls while the stack says "poll again now" (its RX budget ran out), at
 * most max_polls_per_wakeup times, then writes what the polls queued. */
static void poll_pass(struct capnet_ev *h, capnet_instant *now, capnet_instant *next)
{
	unsigned max = h->o.max_polls_per_wakeup != 0 ? h->o.max_polls_per_wakeup : 8;
	for (unsigned i = 0; i < max; i++) {
		*now = now_of(h);
		*next = poll_once(h, *now);
		if (*next > *now)
			break;
	}
	/* What the poll transmitted may have queued: try once before asking
	 * the loop for writability. */
	if (tx_pending(h) > 0 && h->o.tx_flush != NULL) {
		h->o.tx_flush(h->o.tx_ctx);
		h->st.tx_flushes++;
	}
}

/* Busy polling (the idea of Linux's SO_BUSY_POLL, in the process): after a
 * wakeup that read frames, keep asking the descriptor, without blocking,
 * whether more arrived, for up to busy_poll_us of real time (the monotonic
 * clock whatever the options' clock, since what is bounded is CPU spent)
 * before going back to the loop. A frame found is polled in at once, with
 * no trip through epoll and no sleep/wake of the process; the window is
 * counted from the spin's start and is not renewed by a hit, so a wakeup
 * never holds the loop's other watchers off for longer than the window. */
static void busy_poll(struct capnet_ev *h, capnet_instant *now, capnet_instant *next)
{
	capnet_instant end = capnet_host_now() + h->o.busy_poll_us;
	struct pollfd p = {.fd = h->fd, .events = POLLIN};
	h->st.busy_poll_spins++;
	for (;;) {
		/* Frames waiting to be written need the loop's writability
		 * watch; a failed descriptor must not be asked again. */
		if (tx_pending(h) > 0 || check_fault(h))
			break;
		capnet_instant t = capnet_host_now();
		if (t >= end)
			break;
		p.revents = 0;
		bool readable = poll(&p, 1, 0) > 0 && p.revents != 0;
		if (readable)
			h->st.busy_poll_hits++;
		/* A frame arrived, or the stack's own deadline came during the
		 * spin: one more pass, as a wakeup would have run. */
		if (readable || now_of(h) >= *next) {
			h->st.busy_poll_passes++;
			poll_pass(h, now, next);
		}
	}
}

static void run(struct capnet_ev *h, bool frames)
{
	if (h->in_poll || h->st.fault != 0)
		return;
	h->in_poll = true;
	capnet_instant now = 0, next = CAPNET_INSTANT_NEVER;
	poll_pass(h, &now, &next);
	if (frames && h->o.busy_poll_us != 0)
		busy_poll(h, &now, &next);
	if (check_fault(h)) {
		h->in_poll = false;
		return;
	}
	set_write_interest(h, tx_pending(h) > 0);
	/* A deadline of `now` (RX budget still exhausted) becomes a zero
	 * timer: the loop serves its other watchers first, then comes back. */
	arm_timer(h, now, next);
	h->in_poll = false;
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	struct capnet_ev *h = w->data;
	if (revents & EV_WRITE) {
		h->st.io_write_wakeups++;
		if (h->o.tx_flush != NULL) {
			h->o.tx_flush(h->o.tx_ctx);
			h->st.tx_flushes++;
		}
	}
	if (revents & EV_READ)
		h->st.io_read_wakeups++;
	run(h, (revents & EV_READ) != 0);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct capnet_ev *h = w->data;
	h->st.timer_wakeups++;
	run(h, false);
}

static capnet_err attach(struct ev_loop *loop, struct capnet_stack *st, struct capnet_iface *ifc, int fd,
			 const struct capnet_ev_options *o, struct capnet_ev **out)
{
	if (out == NULL)
		return CAPNET_E_INVAL;
	*out = NULL;
	if (loop == NULL || (st == NULL && ifc == NULL) || fd < 0)
		return CAPNET_E_INVAL;
	struct capnet_ev *h = calloc(1, sizeof *h);
	if (h == NULL)
		return CAPNET_E_NOMEM;
	h->loop = loop;
	h->stack = st;
	h->ifc = ifc;
	h->fd = fd;
	h->next = CAPNET_INSTANT_NEVER;
	if (o != NULL)
		h->o = *o;
	ev_io_init(&h->io, io_cb, fd, EV_READ);
	h->io.data = h;
	ev_timer_init(&h->timer, timer_cb, 0.0, 0.0);
	h->timer.data = h;
	ev_io_start(loop, &h->io);
	run(h, false);
	*out = h;
	return CAPNET_OK;
}

capnet_err capnet_ev_attach_stack(struct ev_loop *loop, struct capnet_stack *st, int fd,
				  const struct capnet_ev_options *o, struct capnet_ev **out)
{
	return attach(loop, st, NULL, fd, o, out);
}

capnet_err capnet_ev_attach(struct ev_loop *loop, struct capnet_iface *ifc, int fd, const struct capnet_ev_options *o,
			    struct capnet_ev **out)
{
	return attach(loop, NULL, ifc, fd, o, out);
}

static size_t tap_pending(void *ctx)
{
	return capnet_tap_tx_pending(ctx);
}

static capnet_err tap_flush(void *ctx)
{
	return capnet_tap_tx_flush(ctx);
}

static int tap_fault(void *ctx)
{
	return capnet_tap_fault(ctx);
}

static capnet_err attach_tap(struct ev_loop *loop, struct capnet_stack *st, struct capnet_iface *ifc,
			     struct capnet_tap *tap, const struct capnet_ev_options *o, struct capnet_ev **out)
{
	if (tap == NULL) {
		if (out != NULL)
			*out = NULL;
		return CAPNET_E_INVAL;
	}
	struct capnet_ev_options opt = {0};
	if (o != NULL)
		opt = *o;
	opt.tx_pending = tap_pending;
	opt.tx_flush = tap_flush;
	opt.fault = tap_fault;
	opt.tx_ctx = tap;
	return attach(loop, st, ifc, capnet_tap_fd(tap), &opt, out);
}

capnet_err capnet_ev_attach_stack_tap(struct ev_loop *loop, struct capnet_stack *st, struct capnet_tap *tap,
				      const struct capnet_ev_options *o, struct capnet_ev **out)
{
	return attach_tap(loop, st, NULL, tap, o, out);
}

capnet_err capnet_ev_attach_tap(struct ev_loop *loop, struct capnet_iface *ifc, struct capnet_tap *tap,
				const struct capnet_ev_options *o, struct capnet_ev **out)
{
	return attach_tap(loop, NULL, ifc, tap, o, out);
}

void capnet_ev_detach(struct capnet_ev *h)
{
	if (h == NULL)
		return;
	ev_io_stop(h->loop, &h->io);
	ev_timer_stop(h->loop, &h->timer);
	free(h);
}

void capnet_ev_poll_now(struct capnet_ev *h)
{
	run(h, false);
}

capnet_instant capnet_ev_next_deadline(const struct capnet_ev *h)
{
	return h->next;
}

void capnet_ev_get_stats(const struct capnet_ev *h, struct capnet_ev_stats *out)
{
	*out = h->st;
}
