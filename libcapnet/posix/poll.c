/* poll(2) and select(2) over the readiness model. Both evaluate every
 * descriptor from the caps' live state at each look (nothing is cached, so
 * nothing stale can be reported), and wait -- when asked to -- through the
 * table's wait driver, which lets time pass on whatever clock the stack
 * runs on. */
#include <string.h>

#include "capnet/posix.h"

static int fail(struct capnet_fdtable *t, int err)
{
	t->err = err;
	return -1;
}

static capnet_instant table_now(const struct capnet_fdtable *t)
{
	return t->driver != NULL ? t->driver->now(t->driver->ctx) : t->now;
}

/* now + us, without overflowing into the past. */
static capnet_instant add_us(capnet_instant now, int64_t us)
{
	if (us < 0 || now > CAPNET_INSTANT_NEVER - us)
		return CAPNET_INSTANT_NEVER;
	return now + us;
}

/* The POSIX events of one readiness (see capnet/posix.h), restricted to
 * what was asked for plus what is always reported. */
static int revents_of(unsigned r, int events)
{
	if (r & CAPNET_READY_INVALID)
		return CAPNET_POLLNVAL;
	int rev = 0;
	bool ended = (r & (CAPNET_READY_RESET | CAPNET_READY_ERROR)) != 0;
	bool hup = ended || (r & CAPNET_READY_HUP);
	if (r & (CAPNET_READY_READABLE | CAPNET_READY_ACCEPTABLE | CAPNET_READY_CLOSED | CAPNET_READY_DONE) || hup)
		rev |= events & (CAPNET_POLLIN | CAPNET_POLLRDNORM);
	if ((r & CAPNET_READY_WRITABLE) && !hup)
		rev |= events & (CAPNET_POLLOUT | CAPNET_POLLWRNORM);
	if (ended || (r & CAPNET_READY_CONFIG_UNAVAILABLE))
		rev |= CAPNET_POLLERR;
	if (hup)
		rev |= CAPNET_POLLHUP;
	return rev;
}

/* The events of descriptor fd now; POLLNVAL when it is not open. */
static int fd_events(struct capnet_fdtable *t, int fd, int events, capnet_instant now, capnet_instant *next)
{
	if (fd >= t->size || t->set.w[fd].kind != CAPNET_WATCH_HANDLE)
		return CAPNET_POLLNVAL;
	return revents_of(capnet_pollable_eval(&t->set, (uint16_t)fd, now, next), events);
}

/* ---- poll ---- */

struct poll_args {
	struct capnet_fdtable *t;
	struct capnet_pollfd *fds;
	size_t nfds;
};

static int poll_scan(struct poll_args *a, capnet_instant now, capnet_instant *next)
{
	int n = 0;
	for (size_t i = 0; i < a->nfds; i++) {
		struct capnet_pollfd *p = &a->fds[i];
		p->revents = 0;
		if (p->fd < 0)
			continue;
		p->revents = (short)fd_events(a->t, p->fd, p->events, now, next);
		n += p->revents != 0;
	}
	return n;
}

static bool poll_done(void *ctx)
{
	struct poll_args *a = ctx;
	capnet_instant next = CAPNET_INSTANT_NEVER;
	return poll_scan(a, table_now(a->t), &next) > 0;
}

/* Consecutive driver steps that move no time and make nothing ready before
 * the wait calls the driver broken. */
#define STALL_LIMIT 1024

/* The wait shared by poll and select: scan until something is ready or the
 * deadline passes. Returns the scan's count, 0 at the deadline, -1 on
 * error (errno set). */
static int wait_loop(struct capnet_fdtable *t, capnet_instant deadline, int (*scan)(void *, capnet_instant, capnet_instant *),
		     bool (*done)(void *), void *ctx)
{
	unsigned stalls = 0;
	for (;;) {
		capnet_instant now = table_now(t), next = CAPNET_INSTANT_NEVER;
		int n = scan(ctx, now, &next);
		if (n != 0 || now >= deadline)
			return n;
		if (t->driver == NULL)
			return fail(t, CAPNET_EINVAL); /* would block, and nothing can let time pass */
		capnet_instant limit =
			capnet_instant_min(deadline, capnet_instant_min(next, capnet_park_next_deadline(t->set.cs)));
		if (limit < now)
			limit = now;
		t->driver->step(t->driver->ctx, limit, done, ctx);
		if (table_now(t) == now && !done(ctx)) {
			if (++stalls >= STALL_LIMIT)
				return fail(t, CAPNET_EINTR);
		} else {
			stalls = 0;
		}
	}
}

static int poll_scan_v(void *ctx, capnet_instant now, capnet_instant *next)
{
	return poll_scan(ctx, now, next);
}

int capnet_poll(struct capnet_fdtable *t, struct capnet_pollfd *fds, size_t nfds, int timeout_ms)
{
	if (t == NULL)
		return -1;
	if (nfds > (size_t)t->size)
		return fail(t, CAPNET_EINVAL);
	if (fds == NULL && nfds > 0)
		return fail(t, CAPNET_EFAULT);
	for (size_t i = 0; i < nfds; i++)
		if (fds[i].fd >= 0 && (fds[i].events & ~CAPNET_POLL_SUPPORTED) != 0)
			return fail(t, CAPNET_EINVAL);
	struct poll_args a = {t, fds, nfds};
	capnet_instant now = table_now(t);
	capnet_instant deadline = timeout_ms < 0 ? CAPNET_INSTANT_NEVER : add_us(now, (int64_t)timeout_ms * 1000);
	return wait_loop(t, deadline, poll_scan_v, poll_done, &a);
}

/* ---- select ---- */

struct select_args {
	struct capnet_fdtable *t;
	int nfds;
	capnet_fd_set in_r, in_w;
	capnet_fd_set *out_r, *out_w;
	bool bad; /* a descriptor's cap went: EBADF */
};

static int select_scan(void *ctx, capnet_instant now, capnet_instant *next)
{
	struct select_args *a = ctx;
	int n = 0;
	capnet_fd_set r, w;
	capnet_fd_zero(&r);
	capnet_fd_zero(&w);
	for (int fd = 0; fd < a->nfds; fd++) {
		bool want_r = capnet_fd_isset(fd, &a->in_r), want_w = capnet_fd_isset(fd, &a->in_w);
		if (!want_r && !want_w)
			continue;
		int ev = fd_events(a->t, fd, CAPNET_POLLIN | CAPNET_POLLOUT, now, next);
		if (ev & CAPNET_POLLNVAL) {
			a->bad = true;
			return -1;
		}
		if (want_r && (ev & (CAPNET_POLLIN | CAPNET_POLLHUP | CAPNET_POLLERR))) {
			capnet_fd_setbit(fd, &r);
			n++;
		}
		if (want_w && (ev & (CAPNET_POLLOUT | CAPNET_POLLERR))) {
			capnet_fd_setbit(fd, &w);
			n++;
		}
	}
	if (a->out_r != NULL)
		*a->out_r = r;
	if (a->out_w != NULL)
		*a->out_w = w;
	return n;
}

static bool select_done(void *ctx)
{
	struct select_args *a = ctx;
	capnet_instant next = CAPNET_INSTANT_NEVER;
	return select_scan(a, table_now(a->t), &next) != 0;
}

int capnet_select(struct capnet_fdtable *t, int nfds, capnet_fd_set *readfds, capnet_fd_set *writefds,
		  capnet_fd_set *exceptfds, const struct capnet_timeval *timeout)
{
	if (t == NULL)
		return -1;
	if (nfds < 0 || nfds > CAPNET_FD_SETSIZE)
		return fail(t, CAPNET_EINVAL);
	if (timeout != NULL && (timeout->tv_sec < 0 || timeout->tv_usec < 0 || timeout->tv_usec >= 1000000))
		return fail(t, CAPNET_EINVAL);
	for (int fd = 0; exceptfds != NULL && fd < nfds; fd++)
		if (capnet_fd_isset(fd, exceptfds))
			return fail(t, CAPNET_EINVAL); /* urgent data is not served */
	struct select_args a = {t, nfds, {{0}}, {{0}}, readfds, writefds, false};
	if (readfds != NULL)
		a.in_r = *readfds;
	if (writefds != NULL)
		a.in_w = *writefds;
	for (int fd = 0; fd < nfds; fd++) {
		if (!capnet_fd_isset(fd, &a.in_r) && !capnet_fd_isset(fd, &a.in_w))
			continue;
		if (fd >= t->size || t->set.w[fd].kind != CAPNET_WATCH_HANDLE)
			return fail(t, CAPNET_EBADF);
	}
	capnet_instant now = table_now(t), deadline = CAPNET_INSTANT_NEVER;
	if (timeout != NULL) {
		int64_t us = timeout->tv_sec > INT64_MAX / 1000000 - 1 ? -1 : timeout->tv_sec * 1000000 + timeout->tv_usec;
		deadline = add_us(now, us);
	}
	int n = wait_loop(t, deadline, select_scan, select_done, &a);
	if (n < 0 && a.bad) {
		/* POSIX leaves the sets unspecified on error; restore them. */
		if (readfds != NULL)
			*readfds = a.in_r;
		if (writefds != NULL)
			*writefds = a.in_w;
		return fail(t, CAPNET_EBADF);
	}
	if (n == 0) {
		if (readfds != NULL)
			capnet_fd_zero(readfds);
		if (writefds != NULL)
			capnet_fd_zero(writefds);
	}
	return n;
}
