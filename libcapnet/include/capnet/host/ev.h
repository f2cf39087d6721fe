/* The hosted runtime: drives one stack (capnet/stack.h) from a libev loop
 * (the program's own loop, or EV_DEFAULT). An ev_io watcher on the
 * backend's descriptor wakes the stack when frames arrive, and ONE
 * ev_timer is re-armed after every poll to the deadline the stack returned
 * (and, after the program's after_poll hook, to any earlier TCP timer what
 * the program sent there armed): no fixed tick, and no busy polling unless
 * the options ask for a bounded window of it (busy_poll_us). Each
 * poll is capnet_stack_poll, so parked calls (capnet_park) complete as the
 * stack moves, with no hook of the program's. `now` is the real monotonic
 * clock (capnet_host_now) unless the options give another.
 *
 * A bare interface without a stack (a single-layer test, a raw-frame
 * benchmark) can be driven the same way with capnet_ev_attach{,_tap}.
 *
 * When the backend holds frames in a TX queue (tx_pending > 0), the io
 * watcher also waits for writability, flushes the queue, and polls again. */
#ifndef CAPNET_HOST_EV_H
#define CAPNET_HOST_EV_H

#include <stddef.h>
#include <stdint.h>

#include "capnet/err.h"
#include "capnet/host/tap.h"
#include "capnet/types.h"

struct ev_loop;
struct capnet_ev;
struct capnet_stack;
struct capnet_iface;

struct capnet_ev_options {
	/* The backend's TX queue, if it has one: how many frames wait, and
	 * "write what you can" (CAPNET_OK when empty, CAPNET_E_AGAIN when the
	 * device is full again). Both NULL for a backend without a queue. */
	size_t (*tx_pending)(void *ctx);
	capnet_err (*tx_flush)(void *ctx);
	void *tx_ctx;
	/* The backend's fault state: nonzero (an errno) once its descriptor is
	 * unusable. The runtime then stops its watchers (an erroring fd would
	 * wake the loop forever) and calls on_fault once. */
	int (*fault)(void *ctx);
	void (*on_fault)(void *ctx, int err);
	void *on_fault_ctx;
	/* The clock; NULL means capnet_host_now. */
	capnet_instant (*clock)(void *ctx);
	void *clock_ctx;
	/* Called after every poll with the deadline the stack returned (the
	 * program's hook for logging, status, its own sockets). May call
	 * capnet_ev_poll_now() only indirectly (it is not reentrant). */
	void (*after_poll)(void *ctx, capnet_instant now, capnet_instant next);
	void *after_poll_ctx;
	/* Polls in a row at one wakeup while the stack says "poll again now"
	 * (its RX budget ran out) before yielding to the loop's other
	 * watchers; 0 means 8. */
	unsigned max_polls_per_wakeup;
	/* Busy polling (as Linux's SO_BUSY_POLL / net.core.busy_poll): after
	 * a wakeup that read frames, keep checking the descriptor without
	 * blocking for up to this many microseconds of real time before
	 * sleeping in the loop again, and poll in at once any frame that
	 * comes meanwhile. Trades CPU for latency when the next frame follows
	 * within the window (a request/response peer); 0 (the default): off. */
	unsigned busy_poll_us;
};

struct capnet_ev_stats {
	uint64_t polls;
	uint64_t io_read_wakeups;
	uint64_t io_write_wakeups;
	uint64_t timer_wakeups;
	uint64_t tx_flushes;
	uint64_t busy_poll_spins; /* busy-poll windows run (one per read wakeup) */
	uint64_t busy_poll_hits;  /* frames found readable during a window: no wakeup needed */
	uint64_t busy_poll_passes; /* polls run in windows (a frame, or the stack's deadline, came) */
	int fault; /* the backend's errno once it failed; the watchers are stopped */
};

/* Starts the watchers on `loop` (they keep the loop alive) and polls once.
 * The stack and descriptor must outlive the attachment. `o` may be NULL. */
capnet_err capnet_ev_attach_stack(struct ev_loop *loop, struct capnet_stack *st, int fd,
				  const struct capnet_ev_options *o, struct capnet_ev **out);
/* The same for a TAP backend: its fd, TX queue and fault state. `o` may
 * be NULL; its tx_* and fault fields are replaced by the tap's. */
capnet_err capnet_ev_attach_stack_tap(struct ev_loop *loop, struct capnet_stack *st, struct capnet_tap *tap,
				      const struct capnet_ev_options *o, struct capnet_ev **out);
/* The same over a bare interface: capnet_iface_poll, nothing else. */
capnet_err capnet_ev_attach(struct ev_loop *loop, struct capnet_iface *ifc, int fd, const struct capnet_ev_options *o,
			    struct capnet_ev **out);
capnet_err capnet_ev_attach_tap(struct ev_loop *loop, struct capnet_iface *ifc, struct capnet_tap *tap,
				const struct capnet_ev_options *o, struct capnet_ev **out);
/* Stops the watchers and frees the attachment; NULL is a no-op. */
void capnet_ev_detach(struct capnet_ev *h);

/* Polls the stack now and re-arms the timer: call it after the program
 * gave the stack work from outside the loop's callbacks (sent a ping,
 * changed the address), since that can move the next deadline. */
void capnet_ev_poll_now(struct capnet_ev *h);

/* The deadline the timer is armed for (CAPNET_INSTANT_NEVER: none). */
capnet_instant capnet_ev_next_deadline(const struct capnet_ev *h);
void capnet_ev_get_stats(const struct capnet_ev *h, struct capnet_ev_stats *out);

/* ---- a wait driver on a libev loop (capnet/pollable.h) ----
 *
 * Lets time pass for capnet_pollable_wait / capnet_pollcap_wait on `loop`:
 * now() is `clock` (NULL: capnet_host_now); step() arms one ev_timer at the
 * limit (none for CAPNET_INSTANT_NEVER) and runs EVRUN_ONCE iterations until
 * the wait is done, the limit is reached, or the loop has no active
 * watcher left (then the wait sees a stall). Frames, the stack's own timer
 * (capnet_ev_attach_stack) and the program's watchers wake it as usual,
 * and every poll of a stack completes parked calls. host/ev/ev_wait.c. */
struct capnet_ev_waiter;
struct capnet_wait_driver;
capnet_err capnet_ev_waiter_create(struct ev_loop *loop, capnet_instant (*clock)(void *ctx), void *clock_ctx,
				   struct capnet_ev_waiter **out);
/* Stops its timer and frees it; NULL is a no-op. */
void capnet_ev_waiter_destroy(struct capnet_ev_waiter *w);
/* The driver to pass to a wait; valid while `w` lives. */
struct capnet_wait_driver capnet_ev_wait_driver(struct capnet_ev_waiter *w);
/* Loop iterations run by step() so far (a sleeping wait takes few). */
uint64_t capnet_ev_waiter_iterations(const struct capnet_ev_waiter *w);

/* CLOCK_REALTIME in microseconds since the epoch: a pcap stamp that reads
 * as a date (capnet_host_now is monotonic and starts at boot). */
capnet_instant capnet_host_wallclock(void *unused);

#endif
