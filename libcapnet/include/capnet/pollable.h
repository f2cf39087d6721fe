/* Readiness for callers that wait: one readiness vocabulary over every cap
 * that can become ready (TcpSocket, TcpListener, UdpSocket, Timer) and over
 * parked calls, and a Pollable set that a hosted caller blocks on.
 *
 * The core never blocks and never reads a clock (DESIGN rule 1). Waiting is
 * therefore split in two: the Pollable evaluates its set at a `now` it is
 * given and says what is ready and when it next needs looking at; a wait
 * driver supplied by the host lets time pass -- the simulator runs its
 * event loop on the synthetic clock, a libev program runs one loop
 * iteration -- and the Pollable evaluates again. The same loop serves both.
 *
 * Authority. A Pollable holds no authority of its own: it names handles and
 * tickets of one cspace, and every evaluation re-resolves them in that
 * cspace. Adding a handle passes the audited gate (a forged, copied, stale
 * or revoked handle is refused and counted); once added, a handle that is
 * closed, revoked or goes stale reports CAPNET_READY_INVALID -- never a
 * readiness left over from the object it named -- and evaluations count
 * nothing in the audit (a poll loop must not flood it).
 *
 * Readiness states of one cap (capnet_cap_readiness):
 *   READABLE     TCP: received bytes to read. UDP: a datagram queued.
 *   WRITABLE     TCP: connected, our side open, send would queue >= 1 byte
 *                (a full send ring is backpressure: WRITABLE clears). UDP:
 *                configured and open.
 *   ACCEPTABLE   TcpListener: a connection is waiting in the accept queue.
 *   CLOSED       TCP: the peer's FIN arrived (end of stream after the data),
 *                or the connection ended gracefully.
 *   RESET        TCP: ended by an RST (refused or reset).
 *   ERROR        TCP: ended with an error (reset, timeout, unreachable: the
 *                error is in TransportStatus). UDP: an ICMP error pending.
 *   CONNECTED    TCP: the handshake completed (stays set).
 *   CONFIG_UNAVAILABLE  the interface has no IPv4 address (a lease expired,
 *                nothing configured) or its link is down: nothing new can
 *                be sent or reached until it is configured again.
 *   DONE         Timer: armed and its deadline passed. A ticket: the parked
 *                call completed (its outcome waits in capnet_park_result).
 *   INVALID      the handle or ticket names nothing any more: closed,
 *                revoked, stale; a ticket already read.
 *   HUP          TCP: nothing more can flow either way -- the peer's FIN
 *                arrived and ours is queued or sent, or the connection
 *                ended.
 */
#ifndef CAPNET_POLLABLE_H
#define CAPNET_POLLABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/cap.h"
#include "capnet/err.h"
#include "capnet/types.h"

#define CAPNET_READY_READABLE 0x001u
#define CAPNET_READY_WRITABLE 0x002u
#define CAPNET_READY_ACCEPTABLE 0x004u
#define CAPNET_READY_CLOSED 0x008u
#define CAPNET_READY_RESET 0x010u
#define CAPNET_READY_ERROR 0x020u
#define CAPNET_READY_CONNECTED 0x040u
#define CAPNET_READY_CONFIG_UNAVAILABLE 0x080u
#define CAPNET_READY_DONE 0x100u
#define CAPNET_READY_INVALID 0x200u
#define CAPNET_READY_HUP 0x400u
#define CAPNET_READY_ALL 0x7ffu
/* Reported whether asked for or not: a waiter must learn that what it waits
 * on has ended, or it would wait forever. */
#define CAPNET_READY_ALWAYS (CAPNET_READY_RESET | CAPNET_READY_ERROR | CAPNET_READY_INVALID)

/* "READABLE|CLOSED" for a bit set into buf (at most len bytes, always
 * terminated); "-" for none. Returns buf. */
char *capnet_ready_format(unsigned ready, char *buf, size_t len);

/* The readiness of one cap in cs, at `now` (Timers compare their deadline
 * with it). Passes the audited gate: handle -> type (TcpSocket, TcpListener,
 * UdpSocket or Timer; anything else E_WRONGTYPE) -> rights (Timer: READ;
 * sockets need none beyond holding the cap, as capnet_tcpcap_events). An
 * unbound UdpSocket authority is E_STATE. */
capnet_err capnet_cap_readiness(struct capnet_cspace *cs, capnet_handle h, capnet_instant now, unsigned *ready);

/* The earliest instant a parked call of cs can complete by its deadline
 * alone (CAPNET_INSTANT_NEVER: none parked with one). */
capnet_instant capnet_park_next_deadline(const struct capnet_cspace *cs);

/* ---- the wait driver: how a host lets time pass ----
 *
 * now()  the current time on the clock the stack runs on.
 * step() let time pass until `limit` at most, processing whatever falls
 *        due (frames, the stack's timers, capnet_sockets_poll), and return
 *        early once done(dctx) holds. It must move time forward or return
 *        with done(dctx) true; the simulator's capnet_sim_run_until_cond
 *        does exactly this, a libev host runs one loop iteration with a
 *        timer armed at `limit`.
 *
 * With the libev runtime (capnet/host/ev.h) attached to a stack
 * (capnet_ev_attach_stack), every poll is capnet_stack_poll, so parked
 * calls complete as the stack moves; now() is the attachment's clock
 * (capnet_host_now); step() arms an ev_timer for `limit` and runs
 * ev_run(loop, EVRUN_ONCE), returning after whatever woke the loop (frames,
 * the stack's own deadline, the timer). test/posix/test_posix.c waits on a
 * Pollable that way. */
struct capnet_wait_driver {
	capnet_instant (*now)(void *ctx);
	void (*step)(void *ctx, capnet_instant limit, bool (*done)(void *dctx), void *dctx);
	void *ctx;
};

/* ---- Pollable ---- */

enum capnet_watch_kind { CAPNET_WATCH_FREE = 0, CAPNET_WATCH_HANDLE, CAPNET_WATCH_TICKET };

struct capnet_watch {
	uint8_t kind;       /* enum capnet_watch_kind */
	capnet_handle h;    /* HANDLE */
	capnet_ticket t;    /* TICKET */
	unsigned want;      /* READY_* of interest (ALWAYS bits are added) */
	unsigned ready;     /* out: readiness at the last evaluation, within want | ALWAYS;
			       for an edge-triggered entry, what that evaluation reported */
	uint64_t tag;       /* the caller's */
	/* edge-triggered mode (capnet_pollable_set_edge) */
	bool edge;
	unsigned reported;  /* bits reported and still set: not reported again until they clear */
	uint64_t rx_mark;   /* READABLE: bytes received when it was last reported */
};

struct capnet_pollable_stats {
	uint64_t evaluations; /* capnet_pollable_check calls, waits' included */
	uint64_t waits;       /* capnet_pollable_wait calls */
	uint64_t wakeups;     /* driver steps taken while waiting */
	uint64_t ready;       /* waits that returned with something ready */
	uint64_t timeouts;    /* waits that reached their deadline */
};

/* Caller memory (DESIGN rule 3): `watches` holds up to `max` entries. */
struct capnet_pollable {
	struct capnet_cspace *cs;
	struct capnet_watch *w;
	uint16_t max;
	uint16_t used;
	struct capnet_pollable_stats st;
};

capnet_err capnet_pollable_init(struct capnet_pollable *p, struct capnet_cspace *cs, struct capnet_watch *watches,
				uint16_t max);
/* Watches a cap: the gate of capnet_cap_readiness (audited). `want` beyond
 * CAPNET_READY_ALL is E_INVAL. E_NOMEM when the set is full. *index (may be
 * NULL) names the entry. */
capnet_err capnet_pollable_add(struct capnet_pollable *p, capnet_handle h, unsigned want, uint64_t tag,
			       uint16_t *index);
/* Watches a parked call for DONE. A ticket that is not this cspace's, or
 * was already read (a stale waiter), is E_BADHANDLE and counted. */
capnet_err capnet_pollable_add_ticket(struct capnet_pollable *p, capnet_ticket t, uint64_t tag, uint16_t *index);
/* E_INVAL for an index that names no entry. */
capnet_err capnet_pollable_remove(struct capnet_pollable *p, uint16_t index);

/* Edge-triggered readiness (as epoll's EPOLLET), per entry; off (level-
 * triggered) when added. Level: every evaluation reports every bit of
 * want | ALWAYS that holds. Edge: an evaluation reports a bit only on a
 * transition -- it holds now and did not at the last report (it was clear,
 * or the entry is new) -- and READABLE also when new bytes arrived since it
 * was last reported (a TCP peer sent more while the reader had not drained;
 * UDP: by transition only). A reported bit is re-armed by its event: the
 * condition clearing (the reader drained, the send ring filled) or, for
 * READABLE, new data. So a reader that stops before EAGAIN is not woken
 * again for bytes it already knew about; a waiter must drain (read until
 * nothing is ready, send until backpressure) before waiting again. The
 * evaluation that reports an edge consumes it: a second evaluation with
 * nothing new reports 0. Switching modes re-arms every bit (the next
 * evaluation reports what holds). E_INVAL for an index naming no entry. */
capnet_err capnet_pollable_set_edge(struct capnet_pollable *p, uint16_t index, bool edge);

/* Evaluates every entry at `now` (read-only: changes no state, sends
 * nothing, counts nothing), fills each entry's `ready`, and returns how
 * many entries have something ready; edge-triggered entries record what
 * they reported, in the caller's watch array). *next (may be NULL): the earliest
 * instant an entry may become ready by time alone (a Timer's deadline, a
 * watched ticket's deadline); CAPNET_INSTANT_NEVER when only frames can. */
size_t capnet_pollable_check(struct capnet_pollable *p, capnet_instant now, capnet_instant *next);
/* The same for one entry: fills and returns its `ready` (0 for a free
 * entry or an index out of range); *next as above, only moved earlier. */
unsigned capnet_pollable_eval(struct capnet_pollable *p, uint16_t index, capnet_instant now, capnet_instant *next);

/* Blocks through the driver until an entry is ready or `deadline` passes
 * (CAPNET_INSTANT_NEVER: no deadline). OK with *nready > 0; E_TIMEDOUT
 * with *nready 0 when the deadline came first; E_INVAL without a driver
 * (or with an empty set and no deadline: nothing could end the wait);
 * E_STATE if the driver stops moving time without anything becoming
 * ready. */
capnet_err capnet_pollable_wait(struct capnet_pollable *p, const struct capnet_wait_driver *d, capnet_instant deadline,
				size_t *nready);

/* ---- the Pollable cap ----
 *
 * The same set served as a capability (CAPNET_CAP_POLLABLE), its object one
 * set of a bounded pool carved from the capsys arena
 * (capnet_capsys_config.max_pollables sets of pollable_members entries).
 *
 * Mint parent: the Timer. Timer -READ-> Pollable is the edge of the type
 * graph: a Pollable is the generalised form of waiting for a deadline, so
 * whoever may read a Timer may wait, and it adds no network authority (it
 * only watches caps its cspace already holds). Revoking the Timer revokes
 * the Pollables below it. The new cap carries READ | CONFIGURE, and GRANT
 * only if the Timer had it.
 *
 * Rights: READ   check, wait, stats.
 *         CONFIGURE add and remove members.
 *         GRANT  copy it on (a copy shares the set).
 * Every call checks handle -> type -> rights (audited). A Pollable minted
 * through the generic capnet_cap_mint has no set behind it: E_STATE.
 *
 * Members are handles (and tickets) of the cspace that minted the Pollable
 * (its home). Adding passes the audited readiness gate in that cspace; an
 * add from any other cspace (a granted copy) is E_BADHANDLE and counted,
 * since no handle of the caller's can name a cap of the home cspace. A
 * member closed, revoked or gone stale reports CAPNET_READY_INVALID.
 *
 * Closing or revoking the Pollable handle a wait runs on ends that wait
 * with E_CLOSED (at the driver's next return: the driver is told it is
 * done at once); the set is freed once no held cap names it. One wait at a
 * time per set: a second, nested one is E_INUSE, so no waiter is woken
 * twice. */
capnet_err capnet_timer_mint_pollable(struct capnet_cspace *cs, capnet_handle timer, capnet_handle *out);
/* CONFIGURE. As capnet_pollable_add / capnet_pollable_add_ticket /
 * capnet_pollable_remove. */
capnet_err capnet_pollcap_add(struct capnet_cspace *cs, capnet_handle p, capnet_handle member, unsigned want,
			      uint64_t tag, uint16_t *index);
capnet_err capnet_pollcap_add_ticket(struct capnet_cspace *cs, capnet_handle p, capnet_ticket t, uint64_t tag,
				     uint16_t *index);
capnet_err capnet_pollcap_remove(struct capnet_cspace *cs, capnet_handle p, uint16_t index);
/* CONFIGURE. As capnet_pollable_set_edge. */
capnet_err capnet_pollcap_set_edge(struct capnet_cspace *cs, capnet_handle p, uint16_t index, bool edge);
/* READ. Evaluates the set at `now`; *nready (may be NULL) as
 * capnet_pollable_check returns, *next (may be NULL) likewise. `out` (may
 * be NULL) receives a copy of entries 0..max-1 (free ones have kind FREE). */
capnet_err capnet_pollcap_check(struct capnet_cspace *cs, capnet_handle p, capnet_instant now,
				struct capnet_watch *out, uint16_t max, size_t *nready, capnet_instant *next);
/* READ. As capnet_pollable_wait, and E_CLOSED when the handle was closed or
 * revoked (or the set freed) during the wait; E_INUSE when a wait on this
 * set is already running. `out`/`max` as capnet_pollcap_check. */
capnet_err capnet_pollcap_wait(struct capnet_cspace *cs, capnet_handle p, const struct capnet_wait_driver *d,
			       capnet_instant deadline, struct capnet_watch *out, uint16_t max, size_t *nready);
/* READ. */
capnet_err capnet_pollcap_stats(struct capnet_cspace *cs, capnet_handle p, struct capnet_pollable_stats *out);

/* Sets in use / in the pool. */
void capnet_pollcap_pool(const struct capnet_capsys *sys, uint32_t *in_use, uint32_t *capacity);

#endif
