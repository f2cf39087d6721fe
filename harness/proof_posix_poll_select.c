/* Proof posix-poll-select: the POSIX surface over the readiness model, on
 * the same cases as socket-readiness, through descriptor tables of two
 * processes (cspaces) -- the server application and the client:
 *
 *   poll/select bits from real TCP state: accept-ready (POLLIN on the
 *   listener), connected (POLLOUT), data (POLLIN), end of stream (POLLIN,
 *   read 0), both FINs (POLLHUP, never with POLLOUT), reset and refused
 *   (POLLERR|POLLHUP, ECONNRESET/ECONNREFUSED), timed out (ETIMEDOUT), the
 *   interface losing its address (POLLERR); waits that end at exactly their
 *   timeout on the synthetic clock; backpressure (partial sends, POLLOUT
 *   clear until the peer reads);
 *   fail closed: a closed or revoked descriptor is POLLNVAL (select
 *   EBADF), never a leftover readable; bad nfds, unsupported bits,
 *   exceptfds, a malformed timeout, NULL fds, a forged handle, a cap of
 *   another kind, a wait nothing can end -- each with its POSIX errno. */
#include <string.h>

#include "capnet/posix.h"
#include "harness/cap_proof.h"

#define NFD 8

static const char *ev(int e)
{
	static char b[4][96];
	static unsigned n;
	return capnet_poll_format(e, b[n++ % 4], 96);
}

struct px {
	struct cap_world w;
	struct capnet_cspace *app, *client;
	struct capnet_watch app_slots[NFD], cl_slots[NFD];
	struct capnet_fdtable A, C; /* app's and client's descriptor tables */
	capnet_handle la, ca;
};

/* poll(2) on one descriptor. */
static int poll1(struct capnet_fdtable *t, int fd, short events, int timeout_ms, short *revents)
{
	struct capnet_pollfd p = {fd, events, 0};
	int n = capnet_poll(t, &p, 1, timeout_ms);
	*revents = p.revents;
	return n;
}

static int tcp_connect_fd(struct px *x, uint16_t port, capnet_ip4addr dst)
{
	capnet_handle s;
	if (capnet_tcpcap_connect(x->client, x->ca, dst, port, cap_world_now(&x->w), &s) != CAPNET_OK)
		return -1;
	return capnet_fd_open(&x->C, s);
}

int proof_posix_poll_select(struct proof_ctx *ctx)
{
	static struct px x;
	if (cap_world_open(&x.w, ctx, &cap_proof_tcp_4k) != 0)
		return 1;
	struct cap_world *w = &x.w;
	struct cap_host *S = &w->srv, *Cl = &w->cli;
	proof_note(ctx, 0, "srv %s, cli %s, 1 ms per cable, 4 KiB rings; each process has an %d-descriptor table; "
			   "seed %llu",
		   fmt_ip4(CAP_PROOF_SRV), fmt_ip4(CAP_PROOF_CLI), NFD, (unsigned long long)ctx->seed);
	cap_world_run(w, CAPNET_MS(10));
	x.la = cap_proof_listen_party(S, "app", 80, 80, &x.app);
	x.ca = cap_proof_connect_party(Cl, "client", CAP_PROOF_SRV, 24, 1, 65535, &x.client);
	capnet_fdtable_init(&x.A, x.app, x.app_slots, NFD);
	capnet_fdtable_init(&x.C, x.client, x.cl_slots, NFD);
	capnet_fdtable_set_driver(&x.A, &w->drv);
	capnet_fdtable_set_driver(&x.C, &w->drv);
	short re;
	int n;

	/* ---- the listener and the connection ---- */
	capnet_handle l;
	capnet_tcpcap_listen(x.app, x.la, 80, 4, &l);
	int lfd = capnet_fd_open(&x.A, l);
	int n0 = poll1(&x.A, lfd, CAPNET_POLLIN, 0, &re);
	capnet_instant t0 = cap_world_now(w);
	int cfd = tcp_connect_fd(&x, 80, CAP_PROOF_SRV);
	short rc0;
	int nc0 = poll1(&x.C, cfd, CAPNET_POLLOUT, 0, &rc0);
	n = poll1(&x.A, lfd, CAPNET_POLLIN, 1000, &re);
	proof_check(ctx, cap_world_now(w),
		    lfd == 0 && n0 == 0 && cfd == 0 && nc0 == 0 && rc0 == 0 && n == 1 && re == CAPNET_POLLIN &&
			    cap_world_now(w) == t0 + CAPNET_MS(5),
		    "listener fd %d: poll 0 before; the client's fd %d not yet POLLOUT in SYN-SENT; poll(POLLIN, 1000) "
		    "returns 1 after %lld ms with %s",
		    lfd, cfd, (long long)((cap_world_now(w) - t0) / 1000), ev(re));
	int sfd = capnet_fd_accept(&x.A, lfd);
	n = poll1(&x.C, cfd, CAPNET_POLLOUT, 1000, &re);
	short rl;
	int nl = poll1(&x.A, lfd, CAPNET_POLLIN, 0, &rl);
	proof_check(ctx, cap_world_now(w), sfd == 1 && n == 1 && re == CAPNET_POLLOUT && nl == 0,
		    "accept gives fd %d (lowest free); the client's fd polls %s; the listener 0 again", sfd, ev(re));

	/* ---- data, and a wait that times out ---- */
	t0 = cap_world_now(w);
	n = poll1(&x.A, sfd, CAPNET_POLLIN, 250, &re);
	proof_check(ctx, cap_world_now(w), n == 0 && re == 0 && cap_world_now(w) == t0 + CAPNET_MS(250),
		    "poll(POLLIN, 250) on an idle connection returns 0 at exactly +250 ms");
	long sent = capnet_fd_send(&x.C, cfd, "hello", 5, cap_world_now(w));
	t0 = cap_world_now(w);
	n = poll1(&x.A, sfd, CAPNET_POLLIN | CAPNET_POLLOUT, -1, &re);
	char buf[8192];
	long got = capnet_fd_recv(&x.A, sfd, buf, sizeof buf, cap_world_now(w));
	long again = capnet_fd_recv(&x.A, sfd, buf, sizeof buf, cap_world_now(w));
	int eagain = capnet_fd_errno(&x.A);
	proof_check(ctx, cap_world_now(w),
		    sent == 5 && n == 1 && re == CAPNET_POLLOUT && got == -1 && eagain == CAPNET_EAGAIN,
		    "poll(POLLIN|POLLOUT) returns at once with %s only (nothing has landed yet); recv: -1 %s", ev(re),
		    capnet_errno_name(eagain));
	n = poll1(&x.A, sfd, CAPNET_POLLIN, -1, &re);
	got = capnet_fd_recv(&x.A, sfd, buf, sizeof buf, cap_world_now(w));
	again = capnet_fd_recv(&x.A, sfd, buf, sizeof buf, cap_world_now(w));
	proof_check(ctx, cap_world_now(w),
		    n == 1 && re == CAPNET_POLLIN && cap_world_now(w) == t0 + CAPNET_MS(1) && got == 5 && again == -1 &&
			    capnet_fd_errno(&x.A) == CAPNET_EAGAIN,
		    "poll(POLLIN, -1) wakes 1 ms later with %s; recv 5 bytes, then -1 %s", ev(re),
		    capnet_errno_name(capnet_fd_errno(&x.A)));
	capnet_fd_set rs, wset;
	capnet_fd_zero(&rs);
	capnet_fd_zero(&wset);
	capnet_fd_setbit(lfd, &rs);
	capnet_fd_setbit(sfd, &rs);
	capnet_fd_setbit(sfd, &wset);
	n = capnet_select(&x.A, NFD, &rs, &wset, NULL, NULL);
	bool sel1 = n == 1 && !capnet_fd_isset(lfd, &rs) && !capnet_fd_isset(sfd, &rs) && capnet_fd_isset(sfd, &wset);
	capnet_fd_send(&x.C, cfd, "ping", 4, cap_world_now(w));
	capnet_fd_zero(&rs);
	capnet_fd_setbit(lfd, &rs);
	capnet_fd_setbit(sfd, &rs);
	t0 = cap_world_now(w);
	n = capnet_select(&x.A, NFD, &rs, NULL, NULL, NULL);
	proof_check(ctx, cap_world_now(w),
		    sel1 && n == 1 && capnet_fd_isset(sfd, &rs) && !capnet_fd_isset(lfd, &rs),
		    "select: {%d,%d} read, {%d} write -> only %d writable; 4 more bytes sent: select on reads wakes when "
		    "they land (%lld ms: Nagle held them for the ACK of the first 5) with only %d readable",
		    lfd, sfd, sfd, sfd, (long long)((cap_world_now(w) - t0) / 1000), sfd);
	capnet_fd_recv(&x.A, sfd, buf, sizeof buf, cap_world_now(w));

	/* ---- backpressure ---- */
	static uint8_t big[12000];
	memset(big, 'b', sizeof big);
	long total = 0, first = capnet_fd_send(&x.C, cfd, big, sizeof big, cap_world_now(w));
	total = first;
	for (int i = 0; i < 20; i++) {
		cap_world_run(w, CAPNET_MS(50));
		long m = capnet_fd_send(&x.C, cfd, big, sizeof big, cap_world_now(w));
		total += m > 0 ? m : 0;
	}
	long full = capnet_fd_send(&x.C, cfd, big, sizeof big, cap_world_now(w));
	int full_errno = capnet_fd_errno(&x.C);
	n = poll1(&x.C, cfd, CAPNET_POLLOUT, 0, &re);
	capnet_fd_zero(&wset);
	capnet_fd_setbit(cfd, &wset);
	struct capnet_timeval tv = {0, 200000};
	t0 = cap_world_now(w);
	int ns = capnet_select(&x.C, NFD, NULL, &wset, NULL, &tv);
	proof_check(ctx, cap_world_now(w),
		    first == 4092 && full == -1 && full_errno == CAPNET_EAGAIN && n == 0 && re == 0 && ns == 0 &&
			    !capnet_fd_isset(cfd, &wset) && cap_world_now(w) == t0 + CAPNET_MS(200),
		    "send(12000) queues %ld (partial, exactly the ring's room); once both rings are full send is -1 %s, "
		    "poll(POLLOUT) 0 and select(write, 200 ms) returns 0 at exactly +200 ms",
		    first, capnet_errno_name(full_errno));
	got = capnet_fd_recv(&x.A, sfd, buf, sizeof buf, cap_world_now(w));
	t0 = cap_world_now(w);
	n = poll1(&x.C, cfd, CAPNET_POLLOUT, -1, &re);
	capnet_handle ch;
	capnet_fd_handle(&x.C, cfd, &ch);
	capnet_handle view;
	struct capnet_transport_status ts;
	capnet_tcpcap_status(x.client, ch, &view);
	capnet_transport_status(x.client, view, &ts);
	capnet_cap_close(x.client, view);
	long free_now = (long)(ts.tcp.sndq_capacity - ts.tcp.sndq_bytes);
	long part = capnet_fd_send(&x.C, cfd, big, sizeof big, cap_world_now(w));
	proof_check(ctx, cap_world_now(w), got > 0 && n == 1 && re == CAPNET_POLLOUT && part == free_now && part > 0,
		    "the app reads %ld: poll(POLLOUT, -1) wakes after %lld ms; send queues %ld = the room TransportStatus "
		    "shows",
		    got, (long long)((cap_world_now(w) - t0) / 1000), part);
	long drained = got;
	for (int i = 0; i < 400; i++) {
		cap_world_run(w, CAPNET_MS(5));
		long m = capnet_fd_recv(&x.A, sfd, buf, sizeof buf, cap_world_now(w));
		drained += m > 0 ? m : 0;
		if (drained == total + part)
			break;
	}
	proof_check(ctx, cap_world_now(w), drained == total + part,
		    "the app reads all %ld bytes the client's sends accepted, no more and no less", drained);

	/* ---- end of stream, then both FINs ---- */
	capnet_fd_shutdown(&x.C, cfd, cap_world_now(w));
	n = poll1(&x.A, sfd, CAPNET_POLLIN | CAPNET_POLLOUT, -1, &re);
	short re_after;
	cap_world_run(w, CAPNET_MS(2));
	poll1(&x.A, sfd, CAPNET_POLLIN | CAPNET_POLLOUT, 0, &re_after);
	got = capnet_fd_recv(&x.A, sfd, buf, sizeof buf, cap_world_now(w));
	proof_check(ctx, cap_world_now(w), re_after == (CAPNET_POLLIN | CAPNET_POLLOUT) && got == 0,
		    "the client shuts down: the app's fd polls %s and recv returns 0 (end of stream)", ev(re_after));
	capnet_fd_shutdown(&x.A, sfd, cap_world_now(w));
	n = poll1(&x.A, sfd, CAPNET_POLLIN | CAPNET_POLLOUT, 0, &re);
	long ep = capnet_fd_send(&x.A, sfd, "x", 1, cap_world_now(w));
	proof_check(ctx, cap_world_now(w),
		    n == 1 && re == (CAPNET_POLLIN | CAPNET_POLLHUP) && ep == -1 && capnet_fd_errno(&x.A) == CAPNET_EPIPE,
		    "the app shuts down too: %s (POLLOUT never with POLLHUP); send -1 %s", ev(re),
		    capnet_errno_name(capnet_fd_errno(&x.A)));

	/* ---- closed descriptors: nothing stale ---- */
	capnet_fd_close(&x.A, sfd, cap_world_now(w));
	capnet_fd_close(&x.C, cfd, cap_world_now(w));
	n = poll1(&x.A, sfd, CAPNET_POLLIN | CAPNET_POLLOUT, 0, &re);
	capnet_fd_zero(&rs);
	capnet_fd_setbit(sfd, &rs);
	int nsel = capnet_select(&x.A, NFD, &rs, NULL, NULL, NULL);
	int sel_errno = capnet_fd_errno(&x.A);
	proof_check(ctx, cap_world_now(w), n == 1 && re == CAPNET_POLLNVAL && nsel == -1 && sel_errno == CAPNET_EBADF,
		    "closed fd %d: poll %s, select -1 %s", sfd, ev(re), capnet_errno_name(sel_errno));
	/* A connection with data waiting, closed; the number reused. */
	cfd = tcp_connect_fd(&x, 80, CAP_PROOF_SRV);
	poll1(&x.A, lfd, CAPNET_POLLIN, 1000, &re);
	sfd = capnet_fd_accept(&x.A, lfd);
	capnet_fd_send(&x.C, cfd, "pending", 7, cap_world_now(w));
	poll1(&x.A, sfd, CAPNET_POLLIN, 1000, &re);
	short before = re;
	capnet_fd_close(&x.A, sfd, cap_world_now(w)); /* unread data: an abort */
	n = poll1(&x.A, sfd, CAPNET_POLLIN, 0, &re);
	short after_close = re;
	short rc_reset;
	poll1(&x.C, cfd, CAPNET_POLLIN, 1000, &rc_reset);
	long rr = capnet_fd_recv(&x.C, cfd, buf, sizeof buf, cap_world_now(w));
	int rr_errno = capnet_fd_errno(&x.C);
	capnet_fd_zero(&rs);
	capnet_fd_zero(&wset);
	capnet_fd_setbit(cfd, &rs);
	capnet_fd_setbit(cfd, &wset);
	int nsel2 = capnet_select(&x.C, NFD, &rs, &wset, NULL, NULL);
	proof_check(ctx, cap_world_now(w),
		    before == CAPNET_POLLIN && after_close == CAPNET_POLLNVAL &&
			    rc_reset == (CAPNET_POLLIN | CAPNET_POLLERR | CAPNET_POLLHUP) && rr == -1 &&
			    rr_errno == CAPNET_ECONNRESET && nsel2 == 2,
		    "fd %d was %s; closed with 7 bytes unread it is %s, not readable; the reset client's fd polls %s, "
		    "recv -1 %s, select marks it readable and writable",
		    sfd, ev(before), ev(after_close), ev(rc_reset), capnet_errno_name(rr_errno));
	capnet_fd_close(&x.C, cfd, cap_world_now(w));
	int cfd2 = tcp_connect_fd(&x, 80, CAP_PROOF_SRV);
	poll1(&x.A, lfd, CAPNET_POLLIN, 1000, &re);
	int sfd2 = capnet_fd_accept(&x.A, lfd);
	n = poll1(&x.A, sfd2, CAPNET_POLLIN | CAPNET_POLLOUT, 0, &re);
	proof_check(ctx, cap_world_now(w), sfd2 == sfd && n == 1 && re == CAPNET_POLLOUT,
		    "the next connection reuses fd %d: it polls %s -- the new socket's state, nothing of the old one",
		    sfd2, ev(re));

	/* ---- refused, timed out ---- */
	t0 = cap_world_now(w);
	int rfd = tcp_connect_fd(&x, 81, CAP_PROOF_SRV);
	n = poll1(&x.C, rfd, CAPNET_POLLOUT, -1, &re);
	long rs_ = capnet_fd_send(&x.C, rfd, "x", 1, cap_world_now(w));
	proof_check(ctx, cap_world_now(w),
		    n == 1 && re == (CAPNET_POLLERR | CAPNET_POLLHUP) && rs_ == -1 &&
			    capnet_fd_errno(&x.C) == CAPNET_ECONNREFUSED && cap_world_now(w) == t0 + CAPNET_MS(2),
		    "connect to port 81 (nobody listens): poll(POLLOUT, -1) wakes after 2 ms with %s; send -1 %s",
		    ev(re), capnet_errno_name(capnet_fd_errno(&x.C)));
	capnet_fd_close(&x.C, rfd, cap_world_now(w));
	t0 = cap_world_now(w);
	int tfd = tcp_connect_fd(&x, 80, CAP_PROOF_NOBODY);
	capnet_handle th;
	capnet_fd_handle(&x.C, tfd, &th);
	capnet_tcpcap_set_connect_timeout(x.client, th, CAPNET_S(1), t0);
	n = poll1(&x.C, tfd, CAPNET_POLLOUT, -1, &re);
	rs_ = capnet_fd_send(&x.C, tfd, "x", 1, cap_world_now(w));
	proof_check(ctx, cap_world_now(w),
		    n == 1 && re == (CAPNET_POLLERR | CAPNET_POLLHUP) && rs_ == -1 &&
			    capnet_fd_errno(&x.C) == CAPNET_ETIMEDOUT && cap_world_now(w) == t0 + CAPNET_S(1),
		    "connect to %s (no such host), 1 s connect timeout: poll wakes at exactly +1 s with %s; send -1 %s",
		    fmt_ip4(CAP_PROOF_NOBODY), ev(re), capnet_errno_name(capnet_fd_errno(&x.C)));
	capnet_fd_close(&x.C, tfd, cap_world_now(w));

	/* ---- config unavailable ---- */
	capnet_netmgr_set_static(S->boot, S->nm, 0, 0, 0, cap_world_now(w));
	n = poll1(&x.A, sfd2, CAPNET_POLLIN | CAPNET_POLLOUT, 0, &re);
	short unconf = re;
	capnet_netmgr_set_static(S->boot, S->nm, CAP_PROOF_SRV, 24, 0, cap_world_now(w));
	poll1(&x.A, sfd2, CAPNET_POLLIN | CAPNET_POLLOUT, 0, &re);
	proof_check(ctx, cap_world_now(w), n == 1 && unconf == CAPNET_POLLERR && re == CAPNET_POLLOUT,
		    "srv loses its address: the connection polls %s (no POLLOUT); the address back: %s", ev(unconf),
		    ev(re));

	/* ---- revoked underneath ---- */
	capnet_cap_revoke_derived(S->boot, S->nm);
	struct capnet_pollfd two[2] = {{lfd, CAPNET_POLLIN, 0}, {sfd2, CAPNET_POLLIN | CAPNET_POLLOUT, 0}};
	n = capnet_poll(&x.A, two, 2, 0);
	capnet_fd_zero(&wset);
	capnet_fd_setbit(sfd2, &wset);
	nsel = capnet_select(&x.A, NFD, NULL, &wset, NULL, NULL);
	proof_check(ctx, cap_world_now(w),
		    n == 2 && two[0].revents == CAPNET_POLLNVAL && two[1].revents == CAPNET_POLLNVAL && nsel == -1 &&
			    capnet_fd_errno(&x.A) == CAPNET_EBADF,
		    "boot revokes what its NetworkManager minted: the app's listener and connection fds poll %s, select "
		    "-1 %s",
		    ev(two[0].revents), capnet_errno_name(capnet_fd_errno(&x.A)));
	capnet_fd_close(&x.A, lfd, cap_world_now(w));
	capnet_fd_close(&x.A, sfd2, cap_world_now(w));
	capnet_fd_close(&x.C, cfd2, cap_world_now(w));

	/* ---- fail closed ---- */
	capnet_handle la0;
	capnet_netmgr_mint_listen_authority(S->boot, S->nm, 80, 80, &la0);
	capnet_cap_grant(S->boot, la0, x.app, CAPNET_RIGHT_BIND, NULL, &x.la);
	capnet_tcpcap_listen(x.app, x.la, 80, 4, &l);
	lfd = capnet_fd_open(&x.A, l);
	struct capnet_pollfd many[NFD + 1];
	memset(many, 0, sizeof many);
	struct {
		const char *what;
		int got, err, want;
	} c[16];
	int k = 0;
#define CASE(label, call, tab, wanterr)                                                    \
	do {                                                                               \
		int r_ = (call);                                                           \
		c[k].what = label;                                                         \
		c[k].got = r_;                                                             \
		c[k].err = r_ < 0 ? capnet_fd_errno(tab) : 0;                              \
		c[k].want = wanterr;                                                       \
		k++;                                                                       \
	} while (0)
	CASE("poll nfds 9 > table size 8", capnet_poll(&x.A, many, NFD + 1, 0), &x.A, CAPNET_EINVAL);
	CASE("poll fds NULL, nfds 1", capnet_poll(&x.A, NULL, 1, 0), &x.A, CAPNET_EFAULT);
	many[0] = (struct capnet_pollfd){lfd, CAPNET_POLLIN | CAPNET_POLLPRI, 0};
	CASE("poll POLLIN|POLLPRI", capnet_poll(&x.A, many, 1, 0), &x.A, CAPNET_EINVAL);
	many[0] = (struct capnet_pollfd){lfd, CAPNET_POLLRDHUP, 0};
	CASE("poll POLLRDHUP", capnet_poll(&x.A, many, 1, 0), &x.A, CAPNET_EINVAL);
	many[0] = (struct capnet_pollfd){lfd, CAPNET_POLLWRBAND, 0};
	CASE("poll POLLWRBAND", capnet_poll(&x.A, many, 1, 0), &x.A, CAPNET_EINVAL);
	CASE("select nfds -1", capnet_select(&x.A, -1, NULL, NULL, NULL, NULL), &x.A, CAPNET_EINVAL);
	CASE("select nfds 1025", capnet_select(&x.A, CAPNET_FD_SETSIZE + 1, NULL, NULL, NULL, NULL), &x.A,
	     CAPNET_EINVAL);
	capnet_fd_set es;
	capnet_fd_zero(&es);
	capnet_fd_setbit(lfd, &es);
	CASE("select with exceptfds", capnet_select(&x.A, NFD, NULL, NULL, &es, NULL), &x.A, CAPNET_EINVAL);
	struct capnet_timeval bad = {0, 1000000};
	CASE("select tv_usec 1000000", capnet_select(&x.A, NFD, NULL, NULL, NULL, &bad), &x.A, CAPNET_EINVAL);
	capnet_fd_zero(&rs);
	capnet_fd_setbit(5, &rs);
	CASE("select on fd 5, never opened", capnet_select(&x.A, NFD, &rs, NULL, NULL, NULL), &x.A, CAPNET_EBADF);
	CASE("fd_open of boot's handle", capnet_fd_open(&x.A, S->nm), &x.A, CAPNET_EBADF);
	CASE("fd_open of the listen authority", capnet_fd_open(&x.A, x.la), &x.A, CAPNET_ENOTSOCK);
	CASE("close fd 6, never opened", capnet_fd_close(&x.A, 6, cap_world_now(w)), &x.A, CAPNET_EBADF);
	capnet_fdtable_set_driver(&x.A, NULL);
	many[0] = (struct capnet_pollfd){lfd, CAPNET_POLLIN, 0};
	CASE("poll(-1) without a wait driver", capnet_poll(&x.A, many, 1, -1), &x.A, CAPNET_EINVAL);
	bool all = true;
	for (int i = 0; i < k; i++) {
		bool ok = c[i].got == -1 && c[i].err == c[i].want;
		all = all && ok;
		proof_check(ctx, cap_world_now(w), ok, "%s: -1 %s", c[i].what, capnet_errno_name(c[i].err));
	}
#undef CASE
	proof_check(ctx, cap_world_now(w),
		    all && cap_host_rejected(x.app, CAPNET_AUDIT_BADHANDLE) == 1 &&
			    cap_host_rejected(x.app, CAPNET_AUDIT_WRONGTYPE) == 1,
		    "the forged and wrong-kind handles are in the app's audit (%s); the rest never reached a cap",
		    fmt_audit(x.app));
	capnet_fd_close(&x.A, lfd, cap_world_now(w));
	cap_world_close(w);
	return 0;
}
