/* Proof socket-readiness: every readiness state and every outcome of a
 * parked call, each read from real TCP state on two stacks over the
 * shuttle (nothing is modelled):
 *
 *   states    accept-ready, writable (and connected), readable, closed,
 *             reset, error, config-unavailable -- and nothing else set;
 *   outcomes  completed, timed out, refused, reset, cancelled, closed;
 *   waiters   a result is read once; a second read, another cspace's read
 *             and watching a read ticket are rejected as stale;
 *   backpressure  a send that finds the ring nearly full queues exactly
 *             the free space, WRITABLE clears while the ring is full, and
 *             a parked SEND completes when the peer reads;
 *   Pollable  every wait above blocks on a Pollable cap its cspace minted
 *             from its own Timer cap; a wait whose parked call is cancelled
 *             returns at the cancellation, a Pollable revoked during a
 *             wait ends it (E_CLOSED), and a wait on a revoked Pollable is
 *             refused and audited. */
#include <string.h>

#include "harness/cap_proof.h"

struct rd {
	struct cap_world w;
	struct capnet_cspace *app, *client;
	capnet_handle la, ca;
	capnet_handle pc_app, pc_cli; /* each cspace's Pollable cap, minted from its Timer cap */
};

/* Blocks on the cspace's Pollable cap until h has one of `want` (or
 * `limit` passes); returns what it reports then and when. */
static unsigned wait_ready(struct rd *r, struct capnet_cspace *cs, capnet_handle h, unsigned want,
			   capnet_duration limit, capnet_instant *at)
{
	capnet_handle pc = cs == r->app ? r->pc_app : r->pc_cli;
	uint16_t idx;
	*at = cap_world_now(&r->w);
	if (capnet_pollcap_add(cs, pc, h, want, 0, &idx) != CAPNET_OK)
		return CAPNET_READY_INVALID;
	size_t n;
	capnet_pollcap_wait(cs, pc, &r->w.drv, cap_world_now(&r->w) + limit, NULL, 0, &n);
	capnet_pollcap_remove(cs, pc, idx);
	*at = cap_world_now(&r->w);
	return cap_world_ready(&r->w, cs, h);
}

/* Something that happens at an instant while a proof step waits: one
 * simulator participant that acts once. */
struct alarm {
	capnet_instant at;
	void (*fn)(struct alarm *a, capnet_instant now);
	struct capnet_cspace *cs;
	capnet_handle h;
	capnet_ticket t;
	capnet_err err;
	bool fired;
};

static capnet_instant alarm_poll(void *ctx, capnet_instant now)
{
	struct alarm *a = ctx;
	if (a->fired)
		return CAPNET_INSTANT_NEVER;
	if (now < a->at)
		return a->at;
	a->fired = true;
	a->fn(a, now);
	return CAPNET_INSTANT_NEVER;
}

static void alarm_cancel(struct alarm *a, capnet_instant now)
{
	a->err = capnet_park_cancel(a->cs, a->t, now);
}

static void alarm_revoke(struct alarm *a, capnet_instant now)
{
	(void)now;
	a->err = capnet_cap_revoke(a->cs, a->h);
}

/* A Pollable cap for cs: a Timer minted by boot and granted READ, then the
 * Pollable minted from it by cs itself. */
static capnet_handle pollable_for(struct cap_host *h, struct capnet_cspace *cs)
{
	capnet_handle t0, t, p = CAPNET_HANDLE_NONE;
	if (capnet_netmgr_mint_timer(h->boot, h->nm, &t0) == CAPNET_OK &&
	    capnet_cap_grant(h->boot, t0, cs, CAPNET_RIGHT_READ, NULL, &t) == CAPNET_OK)
		capnet_timer_mint_pollable(cs, t, &p);
	return p;
}

static struct capnet_park_result park_wait(struct rd *r, struct capnet_cspace *cs, capnet_handle h,
					   enum capnet_park_op op, capnet_instant deadline, capnet_duration limit)
{
	capnet_ticket t;
	struct capnet_park_result res = {.outcome = CAPNET_OUTCOME_PENDING};
	if (capnet_park(cs, h, op, deadline, cap_world_now(&r->w), &t) != CAPNET_OK)
		return res;
	return cap_host_wait_ticket(r->w.sim, cs, t, cap_world_now(&r->w) + limit);
}

/* A connection from client to app on `port`: (client socket, app socket). */
static bool connect_pair(struct rd *r, capnet_handle lst, uint16_t port, capnet_handle *cs, capnet_handle *ss)
{
	if (capnet_tcpcap_connect(r->client, r->ca, CAP_PROOF_SRV, port, cap_world_now(&r->w), cs) != CAPNET_OK)
		return false;
	struct capnet_park_result a = park_wait(r, r->app, lst, CAPNET_PARK_ACCEPT, CAPNET_INSTANT_NEVER, CAPNET_S(2));
	*ss = a.handle;
	cap_world_run(&r->w, CAPNET_MS(5));
	return a.outcome == CAPNET_OUTCOME_COMPLETED;
}

int proof_socket_readiness(struct proof_ctx *ctx)
{
	static struct rd r;
	if (cap_world_open(&r.w, ctx, &cap_proof_tcp_4k) != 0)
		return 1;
	struct cap_world *w = &r.w;
	struct cap_host *S = &w->srv, *C = &w->cli;
	proof_note(ctx, 0, "srv %s, cli %s, 1 ms per cable, 4 KiB send and receive rings; seed %llu",
		   fmt_ip4(CAP_PROOF_SRV), fmt_ip4(CAP_PROOF_CLI), (unsigned long long)ctx->seed);
	cap_world_run(w, CAPNET_MS(10));
	r.la = cap_proof_listen_party(S, "app", 7000, 7009, &r.app);
	r.ca = cap_proof_connect_party(C, "client", CAP_PROOF_SRV, 24, 1, 65535, &r.client);
	r.pc_app = pollable_for(S, r.app);
	r.pc_cli = pollable_for(C, r.client);
	proof_note(ctx, cap_world_now(w), "app holds a listen authority for 7000-7009; client a connect authority "
					  "for 192.0.2.0/24; each a Pollable cap minted from its own Timer cap");

	/* ---- accept-ready, writable, connected ---- */
	capnet_handle lst, cs1, ss1;
	capnet_tcpcap_listen(r.app, r.la, 7001, 4, &lst);
	unsigned rd0 = cap_world_ready(w, r.app, lst);
	capnet_instant t0 = cap_world_now(w), at;
	capnet_tcpcap_connect(r.client, r.ca, CAP_PROOF_SRV, 7001, t0, &cs1);
	unsigned rl = wait_ready(&r, r.app, lst, CAPNET_READY_ACCEPTABLE, CAPNET_S(1), &at);
	proof_check(ctx, at, rd0 == 0 && rl == CAPNET_READY_ACCEPTABLE && at == t0 + CAPNET_MS(5),
		    "listener: %s before, %s once the handshake's ACK is queued (%lld ms after connect)", fmt_ready(rd0),
		    fmt_ready(rl), (long long)((at - t0) / 1000));
	capnet_err e = capnet_tcpcap_accept(r.app, lst, &ss1);
	unsigned rs = cap_world_ready(w, r.app, ss1), rc = cap_world_ready(w, r.client, cs1);
	rl = cap_world_ready(w, r.app, lst);
	proof_check(ctx, cap_world_now(w),
		    e == CAPNET_OK && rl == 0 && rs == (CAPNET_READY_WRITABLE | CAPNET_READY_CONNECTED) &&
			    rc == (CAPNET_READY_WRITABLE | CAPNET_READY_CONNECTED),
		    "accepted: listener %s; server socket %s; client socket %s", fmt_ready(rl), fmt_ready(rs),
		    fmt_ready(rc));

	/* ---- readable; completed ---- */
	capnet_ticket t;
	capnet_park(r.app, ss1, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, cap_world_now(w), &t);
	size_t n;
	t0 = cap_world_now(w);
	capnet_tcpcap_send(r.client, cs1, "hello", 5, &n, t0);
	struct capnet_park_result res = cap_host_wait_ticket(w->sim, r.app, t, t0 + CAPNET_S(1));
	rs = cap_world_ready(w, r.app, ss1);
	proof_check(ctx, res.at,
		    res.outcome == CAPNET_OUTCOME_COMPLETED && res.at == t0 + CAPNET_MS(1) &&
			    rs == (CAPNET_READY_READABLE | CAPNET_READY_WRITABLE | CAPNET_READY_CONNECTED),
		    "5 bytes sent: the parked RECV is %s 1 ms later, when they land; server socket %s",
		    capnet_outcome_name(res.outcome), fmt_ready(rs));
	char buf[8192];
	size_t got;
	capnet_tcpcap_recv(r.app, ss1, buf, sizeof buf, &got, cap_world_now(w));
	rs = cap_world_ready(w, r.app, ss1);
	proof_check(ctx, cap_world_now(w), got == 5 && !(rs & CAPNET_READY_READABLE),
		    "read %zu bytes: READABLE clears (%s)", got, fmt_ready(rs));

	/* ---- timed out ---- */
	capnet_instant deadline = cap_world_now(w) + CAPNET_MS(200);
	res = park_wait(&r, r.app, ss1, CAPNET_PARK_RECV, deadline, CAPNET_S(1));
	proof_check(ctx, res.at, res.outcome == CAPNET_OUTCOME_TIMED_OUT && res.err == CAPNET_E_TIMEDOUT &&
					 res.at == deadline,
		    "a RECV parked with a 200 ms deadline and nothing sent: %s (%s) at exactly its deadline",
		    capnet_outcome_name(res.outcome), ERRN(res.err));

	/* ---- cancelled, and stale waiters ---- */
	capnet_park(r.app, ss1, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, cap_world_now(w), &t);
	capnet_err c1 = capnet_park_cancel(r.app, t, cap_world_now(w));
	capnet_err c2 = capnet_park_cancel(r.app, t, cap_world_now(w));
	capnet_tcpcap_send(r.client, cs1, "late", 4, &n, cap_world_now(w));
	cap_world_run(w, CAPNET_MS(10));
	capnet_err r1 = capnet_park_result(r.app, t, &res);
	proof_check(ctx, cap_world_now(w),
		    c1 == CAPNET_OK && c2 == CAPNET_E_STATE && r1 == CAPNET_OK && res.outcome == CAPNET_OUTCOME_CANCELLED,
		    "a parked RECV cancelled: %s; cancelling again: %s; data arriving afterwards leaves it %s",
		    ERRN(c1), ERRN(c2), capnet_outcome_name(res.outcome));
	uint64_t bh0 = cap_host_rejected(r.app, CAPNET_AUDIT_BADHANDLE);
	capnet_err r2 = capnet_park_result(r.app, t, &res);
	struct capnet_cspace *other;
	capnet_cspace_create(S->sys, "other", &other);
	capnet_ticket t2;
	capnet_park(r.app, ss1, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, cap_world_now(w), &t2);
	capnet_err r3 = capnet_park_result(other, t2, &res);
	capnet_err r4 = capnet_park_cancel(other, t2, cap_world_now(w));
	struct capnet_watch ws[2];
	struct capnet_pollable p;
	capnet_pollable_init(&p, r.app, ws, 2);
	capnet_err r5 = capnet_pollable_add_ticket(&p, t, 0, NULL);
	proof_check(ctx, cap_world_now(w),
		    r2 == CAPNET_E_BADHANDLE && r3 == CAPNET_E_BADHANDLE && r4 == CAPNET_E_BADHANDLE &&
			    r5 == CAPNET_E_BADHANDLE &&
			    cap_host_rejected(r.app, CAPNET_AUDIT_BADHANDLE) == bh0 + 2 &&
			    cap_host_rejected(other, CAPNET_AUDIT_BADHANDLE) == 2,
		    "stale waiters rejected: reading the result again %s, another cspace reading or cancelling it %s/%s, "
		    "watching the read ticket %s (app BADHANDLE +2, other +2)",
		    ERRN(r2), ERRN(r3), ERRN(r4), ERRN(r5));
	res = cap_host_wait_ticket(w->sim, r.app, t2, cap_world_now(w) + CAPNET_S(1));
	capnet_tcpcap_recv(r.app, ss1, buf, sizeof buf, &got, cap_world_now(w));
	proof_check(ctx, res.at, res.outcome == CAPNET_OUTCOME_COMPLETED && got == 4,
		    "the owner's parked RECV is %s at once (the 4 late bytes were there); nothing woke twice",
		    capnet_outcome_name(res.outcome));

	/* ---- backpressure ---- */
	static uint8_t big[12000];
	memset(big, 'x', sizeof big);
	struct capnet_transport_status ts = cap_proof_tcp_status(r.client, cs1);
	uint32_t free0 = ts.tcp.sndq_capacity - ts.tcp.sndq_bytes;
	e = capnet_tcpcap_send(r.client, cs1, big, sizeof big, &n, cap_world_now(w));
	size_t first = n;
	ts = cap_proof_tcp_status(r.client, cs1);
	proof_check(ctx, cap_world_now(w), e == CAPNET_OK && n == free0 && ts.tcp.sndq_bytes == ts.tcp.sndq_capacity,
		    "client offers %zu bytes with %u free in its %u-byte ring: %zu queued, reported exactly "
		    "(partial send)",
		    sizeof big, free0, ts.tcp.sndq_capacity, n);
	capnet_err e2 = capnet_tcpcap_send(r.client, cs1, big, sizeof big, &n, cap_world_now(w));
	rc = cap_world_ready(w, r.client, cs1);
	proof_check(ctx, cap_world_now(w), e2 == CAPNET_E_AGAIN && n == 0 && !(rc & CAPNET_READY_WRITABLE),
		    "the ring full: the next send is %s with 0 queued; client socket %s (WRITABLE clear)", ERRN(e2),
		    fmt_ready(rc));
	/* Keep offering: each send queues what the ring has room for, until the
	 * app's receive ring is full, its window shut, and the client's ring
	 * stays full. Every byte accepted is in one of the two rings. */
	size_t accepted = first;
	for (int i = 0; i < 20; i++) {
		cap_world_run(w, CAPNET_MS(50));
		if (capnet_tcpcap_send(r.client, cs1, big, sizeof big, &n, cap_world_now(w)) == CAPNET_OK)
			accepted += n;
	}
	struct capnet_transport_status tsv = cap_proof_tcp_status(r.app, ss1);
	ts = cap_proof_tcp_status(r.client, cs1);
	rc = cap_world_ready(w, r.client, cs1);
	proof_check(ctx, cap_world_now(w),
		    tsv.tcp.rcvq_bytes + tsv.tcp.mss > tsv.tcp.rcvq_capacity && tsv.tcp.rcv_wnd == 0 &&
			    ts.tcp.snd_wnd == 0 && ts.tcp.sndq_bytes == ts.tcp.sndq_capacity &&
			    accepted == (size_t)tsv.tcp.rcvq_bytes + ts.tcp.sndq_bytes && !(rc & CAPNET_READY_WRITABLE),
		    "app does not read: its receive ring fills (%u of %u), its window shuts (rcv_wnd %u, the client's "
		    "snd_wnd %u), the client's ring stays full (%u of %u: %s); the %zu bytes accepted = %u + %u",
		    tsv.tcp.rcvq_bytes, tsv.tcp.rcvq_capacity, tsv.tcp.rcv_wnd, ts.tcp.snd_wnd, ts.tcp.sndq_bytes,
		    ts.tcp.sndq_capacity, fmt_ready(rc), accepted, tsv.tcp.rcvq_bytes, ts.tcp.sndq_bytes);
	capnet_park(r.client, cs1, CAPNET_PARK_SEND, CAPNET_INSTANT_NEVER, cap_world_now(w), &t);
	capnet_instant t_read = cap_world_now(w);
	capnet_tcpcap_recv(r.app, ss1, buf, sizeof buf, &got, t_read);
	res = cap_host_wait_ticket(w->sim, r.client, t, t_read + CAPNET_S(5));
	ts = cap_proof_tcp_status(r.client, cs1);
	free0 = ts.tcp.sndq_capacity - ts.tcp.sndq_bytes;
	e = capnet_tcpcap_send(r.client, cs1, big, sizeof big, &n, cap_world_now(w));
	proof_check(ctx, res.at,
		    got == tsv.tcp.rcvq_bytes && res.outcome == CAPNET_OUTCOME_COMPLETED && res.at > t_read &&
			    free0 > 0 && e == CAPNET_OK && n == free0,
		    "app reads %zu: the window reopens, the parked SEND is %s %lld ms later, and the next send queues "
		    "exactly the %u bytes then free",
		    got, capnet_outcome_name(res.outcome), (long long)((res.at - t_read) / 1000), free0);
	/* Drain everything so the connection is quiet again. */
	for (int i = 0; i < 400; i++) {
		cap_world_run(w, CAPNET_MS(5));
		capnet_tcpcap_recv(r.app, ss1, buf, sizeof buf, &got, cap_world_now(w));
		ts = cap_proof_tcp_status(r.client, cs1);
		tsv = cap_proof_tcp_status(r.app, ss1);
		if (ts.tcp.sndq_bytes == 0 && tsv.tcp.rcvq_bytes == 0)
			break;
	}
	proof_check(ctx, cap_world_now(w),
		    ts.tcp.sndq_bytes == 0 && tsv.tcp.rcvq_bytes == 0 &&
			    (cap_world_ready(w, r.client, cs1) & CAPNET_READY_WRITABLE) &&
			    tsv.tcp.bytes_received == 9 + accepted + n,
		    "app drains it all (%llu bytes received in all): the client's ring is empty and WRITABLE again",
		    (unsigned long long)tsv.tcp.bytes_received);

	/* ---- closed (end of stream), then both directions ---- */
	capnet_park(r.app, ss1, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, cap_world_now(w), &t);
	t0 = cap_world_now(w);
	capnet_tcpcap_shutdown(r.client, cs1, t0);
	res = cap_host_wait_ticket(w->sim, r.app, t, t0 + CAPNET_S(1));
	rs = cap_world_ready(w, r.app, ss1);
	capnet_err er = capnet_tcpcap_recv(r.app, ss1, buf, sizeof buf, &got, cap_world_now(w));
	proof_check(ctx, res.at,
		    res.outcome == CAPNET_OUTCOME_COMPLETED && res.at == t0 + CAPNET_MS(1) &&
			    rs == (CAPNET_READY_WRITABLE | CAPNET_READY_CLOSED | CAPNET_READY_CONNECTED) &&
			    er == CAPNET_E_CLOSED,
		    "client shuts down: the parked RECV completes at the FIN; server socket %s; recv says %s",
		    fmt_ready(rs), ERRN(er));
	capnet_tcpcap_shutdown(r.app, ss1, cap_world_now(w));
	rs = cap_world_ready(w, r.app, ss1);
	proof_check(ctx, cap_world_now(w), rs == (CAPNET_READY_CLOSED | CAPNET_READY_CONNECTED | CAPNET_READY_HUP),
		    "app shuts down too: %s (nothing can flow either way; not WRITABLE)", fmt_ready(rs));
	capnet_tcpcap_close(r.app, ss1, cap_world_now(w));

	capnet_tcpcap_close(r.client, cs1, cap_world_now(w));
	cap_world_run(w, CAPNET_MS(50));

	/* ---- reset ---- */
	capnet_handle cs2, ss2;
	connect_pair(&r, lst, 7001, &cs2, &ss2);
	capnet_tcpcap_send(r.client, cs2, "unread", 6, &n, cap_world_now(w));
	cap_world_run(w, CAPNET_MS(10));
	capnet_park(r.client, cs2, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, cap_world_now(w), &t);
	t0 = cap_world_now(w);
	capnet_tcpcap_close(r.app, ss2, t0); /* unread data: an abort, RST */
	res = cap_host_wait_ticket(w->sim, r.client, t, t0 + CAPNET_S(1));
	rc = cap_world_ready(w, r.client, cs2);
	proof_check(ctx, res.at,
		    res.outcome == CAPNET_OUTCOME_RESET && res.err == CAPNET_E_RESET && res.at == t0 + CAPNET_MS(1) &&
			    rc == (CAPNET_READY_CONNECTED | CAPNET_READY_RESET | CAPNET_READY_ERROR | CAPNET_READY_HUP),
		    "app closes with 6 bytes unread (RST): the client's parked RECV is %s (%s) when it lands; client "
		    "socket %s",
		    capnet_outcome_name(res.outcome), ERRN(res.err), fmt_ready(rc));
	capnet_tcpcap_close(r.client, cs2, cap_world_now(w));

	/* ---- refused ---- */
	capnet_handle cs3;
	t0 = cap_world_now(w);
	capnet_tcpcap_connect(r.client, r.ca, CAP_PROOF_SRV, 7009, t0, &cs3);
	res = park_wait(&r, r.client, cs3, CAPNET_PARK_CONNECT, CAPNET_INSTANT_NEVER, CAPNET_S(1));
	rc = cap_world_ready(w, r.client, cs3);
	proof_check(ctx, res.at,
		    res.outcome == CAPNET_OUTCOME_REFUSED && res.err == CAPNET_E_REFUSED &&
			    rc == (CAPNET_READY_RESET | CAPNET_READY_ERROR | CAPNET_READY_HUP),
		    "connect to 7009, where nobody listens: parked CONNECT %s (%s) after %lld ms; socket %s",
		    capnet_outcome_name(res.outcome), ERRN(res.err), (long long)((res.at - t0) / 1000), fmt_ready(rc));
	capnet_tcpcap_close(r.client, cs3, cap_world_now(w));

	/* ---- error (timed out) ---- */
	capnet_handle cs4;
	t0 = cap_world_now(w);
	capnet_tcpcap_connect(r.client, r.ca, CAP_PROOF_NOBODY, 80, t0, &cs4);
	capnet_tcpcap_set_connect_timeout(r.client, cs4, CAPNET_S(2), t0);
	res = park_wait(&r, r.client, cs4, CAPNET_PARK_CONNECT, CAPNET_INSTANT_NEVER, CAPNET_S(10));
	rc = cap_world_ready(w, r.client, cs4);
	ts = cap_proof_tcp_status(r.client, cs4);
	proof_check(ctx, res.at,
		    res.outcome == CAPNET_OUTCOME_TIMED_OUT && res.err == CAPNET_E_TIMEDOUT && res.at == t0 + CAPNET_S(2) &&
			    rc == (CAPNET_READY_ERROR | CAPNET_READY_HUP) && ts.tcp.error == CAPNET_E_TIMEDOUT,
		    "connect to %s (no such host) with a 2 s connect timeout: %s (%s) at exactly 2 s; socket %s (an "
		    "error, not a reset)",
		    fmt_ip4(CAP_PROOF_NOBODY), capnet_outcome_name(res.outcome), ERRN(res.err), fmt_ready(rc));
	capnet_tcpcap_close(r.client, cs4, cap_world_now(w));

	/* ---- config-unavailable ---- */
	capnet_handle cs5, ss5;
	connect_pair(&r, lst, 7001, &cs5, &ss5);
	capnet_netmgr_set_static(S->boot, S->nm, 0, 0, 0, cap_world_now(w));
	rs = cap_world_ready(w, r.app, ss5);
	rl = cap_world_ready(w, r.app, lst);
	proof_check(ctx, cap_world_now(w),
		    rs == (CAPNET_READY_CONNECTED | CAPNET_READY_CONFIG_UNAVAILABLE) &&
			    rl == CAPNET_READY_CONFIG_UNAVAILABLE,
		    "boot removes srv's address: the connection %s, the listener %s", fmt_ready(rs), fmt_ready(rl));
	capnet_netmgr_set_static(S->boot, S->nm, CAP_PROOF_SRV, 24, 0, cap_world_now(w));
	rs = cap_world_ready(w, r.app, ss5);
	rl = cap_world_ready(w, r.app, lst);
	proof_check(ctx, cap_world_now(w), rs == (CAPNET_READY_WRITABLE | CAPNET_READY_CONNECTED) && rl == 0,
		    "the address is back: the connection %s, the listener %s", fmt_ready(rs), fmt_ready(rl));
	/* ---- closed (the handle) ---- */
	capnet_park(r.app, ss5, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, cap_world_now(w), &t);
	capnet_pollable_init(&p, r.app, ws, 2);
	capnet_pollable_add(&p, ss5, CAPNET_READY_ALL, 1, NULL);
	capnet_tcpcap_close(r.app, ss5, cap_world_now(w));
	capnet_err rr = capnet_park_result(r.app, t, &res);
	capnet_pollable_check(&p, cap_world_now(w), NULL);
	unsigned dummy;
	capnet_err eh = capnet_cap_readiness(r.app, ss5, cap_world_now(w), &dummy);
	proof_check(ctx, cap_world_now(w),
		    rr == CAPNET_OK && res.outcome == CAPNET_OUTCOME_CLOSED && res.at == cap_world_now(w) &&
			    ws[0].ready == CAPNET_READY_INVALID && eh == CAPNET_E_BADHANDLE,
		    "app closes its socket: the call parked on it completes %s at once; the Pollable watching it reports "
		    "%s; the stale handle is %s",
		    capnet_outcome_name(res.outcome), fmt_ready(ws[0].ready), ERRN(eh));
	capnet_tcpcap_close(r.client, cs5, cap_world_now(w));

	/* ---- waiting through the Pollable cap: cancelled, revoked ---- */
	capnet_handle cs6, ss6;
	connect_pair(&r, lst, 7001, &cs6, &ss6);
	capnet_ticket t6;
	capnet_park(r.app, ss6, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, cap_world_now(w), &t6);
	uint16_t i6;
	capnet_err ea = capnet_pollcap_add_ticket(r.app, r.pc_app, t6, 6, &i6);
	t0 = cap_world_now(w);
	static struct alarm cancel;
	cancel = (struct alarm){.at = t0 + CAPNET_MS(50), .fn = alarm_cancel, .cs = r.app, .t = t6};
	capnet_sim_add_participant(w->sim, alarm_poll, &cancel);
	struct capnet_watch wt[1];
	size_t nr = 0;
	capnet_err ew = capnet_pollcap_wait(r.app, r.pc_app, &w->drv, t0 + CAPNET_S(1), wt, 1, &nr);
	at = cap_world_now(w);
	capnet_pollcap_remove(r.app, r.pc_app, i6);
	capnet_park_result(r.app, t6, &res);
	proof_check(ctx, at,
		    ea == CAPNET_OK && ew == CAPNET_OK && cancel.err == CAPNET_OK && nr == 1 &&
			    wt[0].ready == CAPNET_READY_DONE && at == t0 + CAPNET_MS(50) &&
			    res.outcome == CAPNET_OUTCOME_CANCELLED,
		    "a wait on app's Pollable cap for a parked RECV (1 s limit): the RECV is cancelled 50 ms in; the "
		    "wait returns then, the ticket %s, its outcome %s",
		    fmt_ready(wt[0].ready), capnet_outcome_name(res.outcome));
	capnet_handle pc2 = pollable_for(S, r.app);
	uint16_t i7;
	capnet_pollcap_add(r.app, pc2, ss6, CAPNET_READY_READABLE, 7, &i7);
	t0 = cap_world_now(w);
	static struct alarm revoke;
	revoke = (struct alarm){.at = t0 + CAPNET_MS(30), .fn = alarm_revoke, .cs = r.app, .h = pc2};
	capnet_sim_add_participant(w->sim, alarm_poll, &revoke);
	ew = capnet_pollcap_wait(r.app, pc2, &w->drv, t0 + CAPNET_S(1), NULL, 0, &nr);
	at = cap_world_now(w);
	uint64_t revoked0 = cap_host_rejected(r.app, CAPNET_AUDIT_REVOKED);
	capnet_err ew2 = capnet_pollcap_wait(r.app, pc2, &w->drv, at + CAPNET_S(1), NULL, 0, &nr);
	proof_check(ctx, at,
		    revoke.err == CAPNET_OK && ew == CAPNET_E_CLOSED && at == t0 + CAPNET_MS(30) &&
			    ew2 == CAPNET_E_REVOKED && cap_world_now(w) == at &&
			    cap_host_rejected(r.app, CAPNET_AUDIT_REVOKED) == revoked0 + 1,
		    "a second Pollable cap revoked 30 ms into a wait on it: the wait ends %s at once; waiting on it "
		    "again: %s, without waiting, audited (REVOKED +1)",
		    ERRN(ew), ERRN(ew2));
	capnet_cap_close(r.app, pc2);
	capnet_tcpcap_close(r.client, cs6, cap_world_now(w));
	capnet_tcpcap_close(r.app, ss6, cap_world_now(w));
	capnet_tcpcap_close(r.app, lst, cap_world_now(w));
	cap_world_run(w, CAPNET_S(3));

	/* ---- the tally ---- */
	struct capnet_sockets_stats a, b;
	capnet_sockets_stats(S->socks, &a);
	capnet_sockets_stats(C->socks, &b);
	uint64_t by[CAPNET_OUTCOME__COUNT];
	for (int i = 0; i < CAPNET_OUTCOME__COUNT; i++)
		by[i] = a.completed[i] + b.completed[i];
	proof_check(ctx, cap_world_now(w),
		    a.parked == 0 && b.parked == 0 && a.sockets_in_use == 0 && b.sockets_in_use == 0 &&
			    by[CAPNET_OUTCOME_TIMED_OUT] == 2 && by[CAPNET_OUTCOME_REFUSED] == 1 &&
			    by[CAPNET_OUTCOME_RESET] == 1 && by[CAPNET_OUTCOME_CANCELLED] == 2 &&
			    by[CAPNET_OUTCOME_CLOSED] == 1 && by[CAPNET_OUTCOME_FAILED] == 0,
		    "outcomes, each as often as provoked: COMPLETED=%llu TIMED_OUT=%llu REFUSED=%llu RESET=%llu CANCELLED=%llu "
		    "CLOSED=%llu FAILED=%llu; none parked, no socket left",
		    (unsigned long long)by[CAPNET_OUTCOME_COMPLETED], (unsigned long long)by[CAPNET_OUTCOME_TIMED_OUT],
		    (unsigned long long)by[CAPNET_OUTCOME_REFUSED], (unsigned long long)by[CAPNET_OUTCOME_RESET],
		    (unsigned long long)by[CAPNET_OUTCOME_CANCELLED], (unsigned long long)by[CAPNET_OUTCOME_CLOSED],
		    (unsigned long long)by[CAPNET_OUTCOME_FAILED]);
	proof_note(ctx, cap_world_now(w), "audit: app %s; client %s; other %s", fmt_audit(r.app), fmt_audit(r.client),
		   fmt_audit(other));
	cap_world_close(w);
	return 0;
}
