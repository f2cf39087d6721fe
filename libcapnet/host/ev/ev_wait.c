/* A wait driver on a libev loop: how a hosted program blocks on a Pollable
 * (capnet/pollable.h) without spinning. Each step arms one timer at the
 * limit the wait asked for and runs loop iterations until the wait is done,
 * the limit passes, or nothing is left to wake the loop. */
#include <ev.h>
#include <stdbool.h>
#include <stdlib.h>

#include "capnet/host/ev.h"
#include "capnet/host/host.h"
#include "capnet/pollable.h"

struct capnet_ev_waiter {
	struct ev_loop *loop;
	ev_timer timer;
	capnet_instant (*clock)(void *ctx);
	void *clock_ctx;
	uint64_t iterations;
};

static capnet_instant waiter_now(void *ctx)
{
	struct capnet_ev_waiter *w = ctx;
	return w->clock != NULL ? w->clock(w->clock_ctx) : capnet_host_now();
}

static void waiter_fire(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)t;
	(void)revents;
}

static void waiter_step(void *ctx, capnet_instant limit, bool (*done)(void *dctx), void *dctx)
{
	struct capnet_ev_waiter *w = ctx;
	ev_timer_stop(w->loop, &w->timer);
	for (;;) {
		capnet_instant now = waiter_now(w);
		if (done(dctx) || (limit != CAPNET_INSTANT_NEVER && now >= limit))
			break;
		if (limit != CAPNET_INSTANT_NEVER && !ev_is_active(&w->timer)) {
			/* As the runtime's own timer: libev counts from its cached
			 * time, so add the lag to not fire before the limit. */
			double after = (double)(limit - now) / 1e6 + (ev_time() - ev_now(w->loop));
			ev_timer_set(&w->timer, after > 0.0 ? after : 0.0, 0.0);
			ev_timer_start(w->loop, &w->timer);
		}
		w->iterations++;
		if (!ev_run(w->loop, EVRUN_ONCE))
			break; /* nothing left that could wake the loop */
	}
	ev_timer_stop(w->loop, &w->timer);
}

capnet_err capnet_ev_waiter_create(struct ev_loop *loop, capnet_instant (*clock)(void *ctx), void *clock_ctx,
				   struct capnet_ev_waiter **out)
{
	if (loop == NULL || out == NULL)
		return CAPNET_E_INVAL;
	struct capnet_ev_waiter *w = calloc(1, sizeof *w);
	if (w == NULL)
		return CAPNET_E_NOMEM;
	w->loop = loop;
	w->clock = clock;
	w->clock_ctx = clock_ctx;
	ev_timer_init(&w->timer, waiter_fire, 0.0, 0.0);
	*out = w;
	return CAPNET_OK;
}

void capnet_ev_waiter_destroy(struct capnet_ev_waiter *w)
{
	if (w == NULL)
		return;
	ev_timer_stop(w->loop, &w->timer);
	free(w);
}

struct capnet_wait_driver capnet_ev_wait_driver(struct capnet_ev_waiter *w)
{
	return (struct capnet_wait_driver){waiter_now, waiter_step, w};
}

uint64_t capnet_ev_waiter_iterations(const struct capnet_ev_waiter *w)
{
	return w != NULL ? w->iterations : 0;
}
