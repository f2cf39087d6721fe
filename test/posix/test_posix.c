/* The POSIX bridge and the Pollable under it, on two real stacks over the
 * simulator: descriptor allocation, poll and select event bits from real
 * TCP/UDP state, fail-closed errors (bad nfds, unsupported bits, closed
 * descriptors, exceptfds), no stale readiness after close or revoke, waits
 * that end exactly at their deadline on the synthetic clock, the errno
 * mapping, and a Pollable waited on from a libev loop. */
#include <ev.h>
#include <string.h>

#include "capnet/host/host.h"
#include "capnet/posix.h"
#include "check_main.h"
#include "harness/cap_host.h"

static struct capnet_sim *sim;
static struct cap_host srv, cli;
static const capnet_ip4addr ip_srv = CAPNET_IP4(192, 0, 2, 1), ip_cli = CAPNET_IP4(192, 0, 2, 2);
static struct capnet_wait_driver drv;

/* One process on each side: the server app holds a listen authority, the
 * client a connect authority, each with a descriptor table. */
static struct capnet_cspace *app, *cl;
static struct capnet_watch app_slots[8], cl_slots[8];
static struct capnet_fdtable app_fds, cl_fds;
static capnet_handle la, ca;

static capnet_instant now(void)
{
	return capnet_sim_now(sim);
}

static void run_ms(int64_t ms)
{
	capnet_sim_run_until(sim, now() + CAPNET_MS(ms));
}

static void setup(void)
{
	sim = capnet_sim_create(3, CAPNET_SIM_SWITCH);
	ck_assert_ptr_nonnull(sim);
	struct capnet_tcp_config tcfg = {0};
	tcfg.max_sockets = 8;
	tcfg.sndbuf = 4096;
	tcfg.rcvbuf = 4096;
	tcfg.time_wait = CAPNET_S(1);
	struct cap_host_config sc = {.tcp = &tcfg, .addr = ip_srv}, cc = {.tcp = &tcfg, .addr = ip_cli};
	ck_assert_int_eq(cap_host_open(&srv, "srv", sim, 3, (struct capnet_mac){{2, 0, 0, 0, 0, 1}}, NULL, &sc),
			 CAPNET_OK);
	ck_assert_int_eq(cap_host_open(&cli, "cli", sim, 3, (struct capnet_mac){{2, 0, 0, 0, 0, 2}}, NULL, &cc),
			 CAPNET_OK);
	drv = sim_wait_driver(sim);
	run_ms(10);
	ck_assert_int_eq(capnet_cspace_create(srv.sys, "app", &app), CAPNET_OK);
	ck_assert_int_eq(capnet_cspace_create(cli.sys, "client", &cl), CAPNET_OK);
	capnet_handle la0, ca0;
	ck_assert_int_eq(capnet_netmgr_mint_listen_authority(srv.boot, srv.nm, 80, 80, &la0), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(srv.boot, la0, app, CAPNET_RIGHT_BIND, NULL, &la), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_mint_connect_authority(cli.boot, cli.nm, ip_srv, 32, 1, 65535, &ca0), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(cli.boot, ca0, cl, CAPNET_RIGHT_CONNECT, NULL, &ca), CAPNET_OK);
	ck_assert_int_eq(capnet_fdtable_init(&app_fds, app, app_slots, 8), 0);
	ck_assert_int_eq(capnet_fdtable_init(&cl_fds, cl, cl_slots, 8), 0);
	capnet_fdtable_set_driver(&app_fds, &drv);
	capnet_fdtable_set_driver(&cl_fds, &drv);
}

static void teardown(void)
{
	ck_assert_int_eq(capnet_capsys_verify(srv.sys), CAPNET_OK);
	ck_assert_int_eq(capnet_capsys_verify(cli.sys), CAPNET_OK);
	capnet_sim_destroy(sim);
	cap_host_close(&srv);
	cap_host_close(&cli);
}

/* A listening descriptor on the server, a connected one on the client,
 * and the accepted one on the server. */
struct conn {
	int lfd, cfd, sfd;
};

static struct conn connect_pair(void)
{
	struct conn c;
	capnet_handle l, s;
	ck_assert_int_eq(capnet_tcpcap_listen(app, la, 80, 4, &l), CAPNET_OK);
	c.lfd = capnet_fd_open(&app_fds, l);
	ck_assert_int_ge(c.lfd, 0);
	ck_assert_int_eq(capnet_tcpcap_connect(cl, ca, ip_srv, 80, now(), &s), CAPNET_OK);
	c.cfd = capnet_fd_open(&cl_fds, s);
	ck_assert_int_ge(c.cfd, 0);
	struct capnet_pollfd p = {c.lfd, CAPNET_POLLIN, 0};
	ck_assert_int_eq(capnet_poll(&app_fds, &p, 1, 1000), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLIN);
	c.sfd = capnet_fd_accept(&app_fds, c.lfd);
	ck_assert_int_ge(c.sfd, 0);
	struct capnet_pollfd q = {c.cfd, CAPNET_POLLOUT, 0};
	ck_assert_int_eq(capnet_poll(&cl_fds, &q, 1, 1000), 1);
	ck_assert_int_eq(q.revents, CAPNET_POLLOUT);
	return c;
}

START_TEST(test_errno_mapping_is_total_and_precise)
{
	for (int e = 1; e < CAPNET_ERR__COUNT; e++) {
		int v = capnet_errno_of((capnet_err)e);
		ck_assert_msg(v > 0 && strcmp(capnet_errno_name(v), "?") != 0, "%s maps to %d",
			      capnet_errname((capnet_err)e), v);
		ck_assert_int_lt(capnet_eai_of((capnet_err)e), 0);
	}
	ck_assert_int_eq(capnet_errno_of(CAPNET_OK), 0);
	ck_assert_int_eq(capnet_errno_of(CAPNET_E_AGAIN), 11);
	ck_assert_int_eq(capnet_errno_of(CAPNET_E_REFUSED), 111);
	ck_assert_int_eq(capnet_errno_of(CAPNET_E_RESET), 104);
	ck_assert_int_eq(capnet_errno_of(CAPNET_E_TIMEDOUT), 110);
	ck_assert_int_eq(capnet_errno_of(CAPNET_E_BADHANDLE), 9);
	ck_assert_int_eq(capnet_errno_of(CAPNET_E_REVOKED), 9);
	ck_assert_int_eq(capnet_errno_of(CAPNET_E_RIGHTS), 13);
	ck_assert_int_eq(capnet_errno_of(CAPNET_E_SCOPE), 1);
	ck_assert_int_eq(capnet_errno_of(CAPNET_E_CLOSED), 32);
	ck_assert_int_eq(capnet_eai_of(CAPNET_E_NOTFOUND), -2);
	ck_assert_int_eq(capnet_eai_of(CAPNET_E_TIMEDOUT), -3);
	ck_assert_int_eq(capnet_eai_of(CAPNET_OK), 0);
	char b[64];
	ck_assert_str_eq(capnet_poll_format(CAPNET_POLLIN | CAPNET_POLLHUP, b, sizeof b), "POLLIN|POLLHUP");
	ck_assert_str_eq(capnet_poll_format(0, b, sizeof b), "0");
}
END_TEST

START_TEST(test_descriptors_lowest_first_and_gated)
{
	capnet_handle t1, t2, st, nm_copy = srv.nm;
	ck_assert_int_eq(capnet_netmgr_mint_timer(srv.boot, srv.nm, &t1), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(srv.boot, t1, app, CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE, NULL, &t2),
			 CAPNET_OK);
	ck_assert_int_eq(capnet_fd_open(&app_fds, t2), 0);
	/* Another cspace's handle, a guess, an authority, a status view. */
	ck_assert_int_eq(capnet_fd_open(&app_fds, nm_copy), -1);
	ck_assert_int_eq(capnet_fd_errno(&app_fds), CAPNET_EBADF);
	ck_assert_int_eq(capnet_fd_open(&app_fds, 0x1234567890abcdefull), -1);
	ck_assert_int_eq(capnet_fd_errno(&app_fds), CAPNET_EBADF);
	ck_assert_int_eq(capnet_fd_open(&app_fds, la), -1);
	ck_assert_int_eq(capnet_fd_errno(&app_fds), CAPNET_ENOTSOCK);
	ck_assert_int_eq(capnet_netmgr_mint_status(srv.boot, srv.nm, &st), CAPNET_OK);
	ck_assert_int_eq(capnet_fd_open(&app_fds, CAPNET_HANDLE_NONE), -1);
	ck_assert_uint_eq(cap_host_rejected(app, CAPNET_AUDIT_BADHANDLE), 3);
	ck_assert_uint_eq(cap_host_rejected(app, CAPNET_AUDIT_WRONGTYPE), 1);
	/* Lowest first; EMFILE when full; a closed number is reused first. */
	for (int i = 1; i < 8; i++) {
		capnet_handle t;
		ck_assert_int_eq(capnet_cap_grant(srv.boot, t1, app, CAPNET_RIGHT_READ, NULL, &t), CAPNET_OK);
		ck_assert_int_eq(capnet_fd_open(&app_fds, t), i);
	}
	capnet_handle t9;
	ck_assert_int_eq(capnet_cap_grant(srv.boot, t1, app, CAPNET_RIGHT_READ, NULL, &t9), CAPNET_OK);
	ck_assert_int_eq(capnet_fd_open(&app_fds, t9), -1);
	ck_assert_int_eq(capnet_fd_errno(&app_fds), CAPNET_EMFILE);
	ck_assert_int_eq(capnet_fd_close(&app_fds, 3, now()), 0);
	ck_assert_int_eq(capnet_fd_close(&app_fds, 3, now()), -1);
	ck_assert_int_eq(capnet_fd_errno(&app_fds), CAPNET_EBADF);
	ck_assert_int_eq(capnet_fd_close(&app_fds, -1, now()), -1);
	ck_assert_int_eq(capnet_fd_close(&app_fds, 99, now()), -1);
	ck_assert_int_eq(capnet_fd_open(&app_fds, t9), 3);
	ck_assert_int_eq(capnet_fd_count(&app_fds), 8);
}
END_TEST

START_TEST(test_poll_fails_closed)
{
	struct conn c = connect_pair();
	struct capnet_pollfd p[9];
	memset(p, 0, sizeof p);
	p[0] = (struct capnet_pollfd){c.cfd, CAPNET_POLLIN, 0};
	ck_assert_int_eq(capnet_poll(&cl_fds, p, 9, 0), -1); /* more than the table holds */
	ck_assert_int_eq(capnet_fd_errno(&cl_fds), CAPNET_EINVAL);
	ck_assert_int_eq(capnet_poll(&cl_fds, NULL, 1, 0), -1);
	ck_assert_int_eq(capnet_fd_errno(&cl_fds), CAPNET_EFAULT);
	ck_assert_int_eq(capnet_poll(&cl_fds, NULL, 0, 0), 0);
	static const short unsupported[] = {CAPNET_POLLPRI, CAPNET_POLLRDBAND, CAPNET_POLLWRBAND, CAPNET_POLLRDHUP,
					    0x4000};
	for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
		p[0] = (struct capnet_pollfd){c.cfd, (short)(CAPNET_POLLIN | unsupported[i]), 0x7f};
		ck_assert_int_eq(capnet_poll(&cl_fds, p, 1, 0), -1);
		ck_assert_int_eq(capnet_fd_errno(&cl_fds), CAPNET_EINVAL);
	}
	/* A negative fd is skipped; a closed one is POLLNVAL; the output-only
	 * bits are accepted in events and ignored. */
	p[0] = (struct capnet_pollfd){-1, CAPNET_POLLIN | CAPNET_POLLPRI, 0x7f};
	p[1] = (struct capnet_pollfd){5, CAPNET_POLLIN, 0};
	p[2] = (struct capnet_pollfd){c.cfd, CAPNET_POLLOUT | CAPNET_POLLERR | CAPNET_POLLHUP | CAPNET_POLLNVAL, 0};
	ck_assert_int_eq(capnet_poll(&cl_fds, p, 3, 0), 2);
	ck_assert_int_eq(p[0].revents, 0);
	ck_assert_int_eq(p[1].revents, CAPNET_POLLNVAL);
	ck_assert_int_eq(p[2].revents, CAPNET_POLLOUT);
	/* Waiting without a driver cannot let time pass. */
	capnet_fdtable_set_driver(&cl_fds, NULL);
	p[0] = (struct capnet_pollfd){c.cfd, CAPNET_POLLIN, 0};
	ck_assert_int_eq(capnet_poll(&cl_fds, p, 1, 0), 0);
	ck_assert_int_eq(capnet_poll(&cl_fds, p, 1, 10), -1);
	ck_assert_int_eq(capnet_fd_errno(&cl_fds), CAPNET_EINVAL);
}
END_TEST

START_TEST(test_poll_events_follow_real_tcp_state)
{
	struct conn c = connect_pair();
	struct capnet_pollfd p = {c.sfd, CAPNET_POLLIN | CAPNET_POLLOUT, 0};
	ck_assert_int_eq(capnet_poll(&app_fds, &p, 1, 0), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLOUT);
	/* Nothing to read: the wait ends at its deadline, to the microsecond. */
	p.events = CAPNET_POLLIN;
	capnet_instant t0 = now();
	ck_assert_int_eq(capnet_poll(&app_fds, &p, 1, 250), 0);
	ck_assert_int_eq(now(), t0 + CAPNET_MS(250));
	ck_assert_int_eq(p.revents, 0);
	/* Data: readable as soon as it lands. */
	ck_assert_int_eq(capnet_fd_send(&cl_fds, c.cfd, "hello", 5, now()), 5);
	t0 = now();
	ck_assert_int_eq(capnet_poll(&app_fds, &p, 1, -1), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLIN);
	ck_assert_int_lt(now() - t0, CAPNET_MS(5));
	char buf[16];
	ck_assert_int_eq(capnet_fd_recv(&app_fds, c.sfd, buf, sizeof buf, now()), 5);
	ck_assert_int_eq(capnet_fd_recv(&app_fds, c.sfd, buf, sizeof buf, now()), -1);
	ck_assert_int_eq(capnet_fd_errno(&app_fds), CAPNET_EAGAIN);
	/* The peer's FIN: POLLIN (read returns 0), still writable, no HUP. */
	ck_assert_int_eq(capnet_fd_shutdown(&cl_fds, c.cfd, now()), 0);
	p.events = CAPNET_POLLIN | CAPNET_POLLOUT;
	ck_assert_int_eq(capnet_poll(&app_fds, &p, 1, 1000), 1);
	run_ms(5);
	ck_assert_int_eq(capnet_poll(&app_fds, &p, 1, 0), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLIN | CAPNET_POLLOUT);
	ck_assert_int_eq(capnet_fd_recv(&app_fds, c.sfd, buf, sizeof buf, now()), 0);
	/* Our FIN too: both directions done, POLLHUP and never POLLOUT. */
	ck_assert_int_eq(capnet_fd_shutdown(&app_fds, c.sfd, now()), 0);
	ck_assert_int_eq(capnet_poll(&app_fds, &p, 1, 0), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLIN | CAPNET_POLLHUP);
	ck_assert_int_eq(capnet_fd_send(&app_fds, c.sfd, "x", 1, now()), -1);
	ck_assert_int_eq(capnet_fd_errno(&app_fds), CAPNET_EPIPE);
	/* Close: the number is POLLNVAL, never a leftover readable. */
	ck_assert_int_eq(capnet_fd_close(&app_fds, c.sfd, now()), 0);
	ck_assert_int_eq(capnet_poll(&app_fds, &p, 1, 0), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLNVAL);
}
END_TEST

START_TEST(test_poll_reset_and_refused)
{
	struct conn c = connect_pair();
	/* Unread data makes the server's close an abort: the client is reset. */
	ck_assert_int_eq(capnet_fd_send(&cl_fds, c.cfd, "x", 1, now()), 1);
	run_ms(10);
	ck_assert_int_eq(capnet_fd_close(&app_fds, c.sfd, now()), 0);
	struct capnet_pollfd p = {c.cfd, CAPNET_POLLIN, 0};
	ck_assert_int_eq(capnet_poll(&cl_fds, &p, 1, 1000), 1);
	p.events = CAPNET_POLLIN | CAPNET_POLLOUT;
	ck_assert_int_eq(capnet_poll(&cl_fds, &p, 1, 0), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLIN | CAPNET_POLLERR | CAPNET_POLLHUP);
	char buf[4];
	ck_assert_int_eq(capnet_fd_recv(&cl_fds, c.cfd, buf, sizeof buf, now()), -1);
	ck_assert_int_eq(capnet_fd_errno(&cl_fds), CAPNET_ECONNRESET);
	/* A refused connect: the same bits, and ECONNREFUSED. */
	capnet_handle s;
	ck_assert_int_eq(capnet_tcpcap_connect(cl, ca, ip_srv, 81, now(), &s), CAPNET_OK);
	int fd = capnet_fd_open(&cl_fds, s);
	p = (struct capnet_pollfd){fd, CAPNET_POLLOUT, 0};
	ck_assert_int_eq(capnet_poll(&cl_fds, &p, 1, 1000), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLERR | CAPNET_POLLHUP);
	ck_assert_int_eq(capnet_fd_send(&cl_fds, fd, "x", 1, now()), -1);
	ck_assert_int_eq(capnet_fd_errno(&cl_fds), CAPNET_ECONNREFUSED);
}
END_TEST

START_TEST(test_revoked_cap_polls_as_nval)
{
	struct conn c = connect_pair();
	ck_assert_int_eq(capnet_fd_send(&cl_fds, c.cfd, "data", 4, now()), 4);
	run_ms(10);
	struct capnet_pollfd p = {c.sfd, CAPNET_POLLIN, 0};
	ck_assert_int_eq(capnet_poll(&app_fds, &p, 1, 0), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLIN);
	/* Boot withdraws the authority: the descriptors still exist, but name
	 * nothing; poll says so and select refuses them. */
	ck_assert_int_eq(capnet_cap_revoke_derived(srv.boot, srv.nm), CAPNET_OK);
	ck_assert_int_eq(capnet_poll(&app_fds, &p, 1, 0), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLNVAL);
	capnet_fd_set r;
	capnet_fd_zero(&r);
	capnet_fd_setbit(c.sfd, &r);
	ck_assert_int_eq(capnet_select(&app_fds, c.sfd + 1, &r, NULL, NULL, NULL), -1);
	ck_assert_int_eq(capnet_fd_errno(&app_fds), CAPNET_EBADF);
	ck_assert_int_eq(capnet_fd_close(&app_fds, c.sfd, now()), 0);
	ck_assert_int_eq(capnet_fd_close(&app_fds, c.lfd, now()), 0);
	ck_assert_int_eq(capnet_fd_count(&app_fds), 0);
}
END_TEST

START_TEST(test_select_semantics)
{
	struct conn c = connect_pair();
	capnet_fd_set r, w, e;
	capnet_fd_zero(&r);
	capnet_fd_zero(&w);
	capnet_fd_zero(&e);
	struct capnet_timeval bad = {0, 1000000}, neg = {-1, 0}, zero = {0, 0}, ms300 = {0, 300000};
	ck_assert_int_eq(capnet_select(&app_fds, -1, &r, &w, NULL, &zero), -1);
	ck_assert_int_eq(capnet_fd_errno(&app_fds), CAPNET_EINVAL);
	ck_assert_int_eq(capnet_select(&app_fds, CAPNET_FD_SETSIZE + 1, &r, &w, NULL, &zero), -1);
	ck_assert_int_eq(capnet_select(&app_fds, 1, &r, &w, NULL, &bad), -1);
	ck_assert_int_eq(capnet_fd_errno(&app_fds), CAPNET_EINVAL);
	ck_assert_int_eq(capnet_select(&app_fds, 1, &r, &w, NULL, &neg), -1);
	capnet_fd_setbit(c.sfd, &e);
	ck_assert_int_eq(capnet_select(&app_fds, c.sfd + 1, &r, &w, &e, &zero), -1);
	ck_assert_int_eq(capnet_fd_errno(&app_fds), CAPNET_EINVAL);
	capnet_fd_setbit(7, &r); /* not open */
	ck_assert_int_eq(capnet_select(&app_fds, 8, &r, &w, NULL, &zero), -1);
	ck_assert_int_eq(capnet_fd_errno(&app_fds), CAPNET_EBADF);
	/* Readable and writable sets from real state; a timeout clears them. */
	capnet_fd_zero(&r);
	capnet_fd_setbit(c.sfd, &r);
	capnet_fd_setbit(c.lfd, &r);
	capnet_instant t0 = now();
	ck_assert_int_eq(capnet_select(&app_fds, 8, &r, NULL, NULL, &ms300), 0);
	ck_assert_int_eq(now(), t0 + CAPNET_MS(300));
	ck_assert(!capnet_fd_isset(c.sfd, &r) && !capnet_fd_isset(c.lfd, &r));
	capnet_fd_setbit(c.sfd, &r);
	capnet_fd_setbit(c.sfd, &w);
	int got = capnet_select(&app_fds, 8, &r, &w, NULL, NULL);
	ck_assert_msg(got == 1, "select %d errno %d", got, capnet_fd_errno(&app_fds));
	ck_assert(!capnet_fd_isset(c.sfd, &r) && capnet_fd_isset(c.sfd, &w));
	ck_assert_int_eq(capnet_fd_send(&cl_fds, c.cfd, "ping", 4, now()), 4);
	capnet_fd_zero(&w);
	capnet_fd_setbit(c.sfd, &r);
	ck_assert_int_eq(capnet_select(&app_fds, 8, &r, &w, NULL, NULL), 1);
	ck_assert(capnet_fd_isset(c.sfd, &r));
}
END_TEST

START_TEST(test_backpressure_partial_send_then_writable)
{
	struct conn c = connect_pair();
	static uint8_t big[16384];
	memset(big, 'b', sizeof big);
	/* The client's 4 KiB ring takes 4096 of 16384: a partial send. */
	long n = capnet_fd_send(&cl_fds, c.cfd, big, sizeof big, now());
	ck_assert_int_eq(n, 4096);
	/* It moves into the server's 4 KiB receive ring; fill again until the
	 * server's window is shut and the client's ring stays full. */
	long total = n;
	for (int i = 0; i < 10; i++) {
		run_ms(50);
		long m = capnet_fd_send(&cl_fds, c.cfd, big, sizeof big, now());
		total += m > 0 ? m : 0;
	}
	ck_assert_int_eq(total, 8192);
	ck_assert_int_eq(capnet_fd_send(&cl_fds, c.cfd, big, sizeof big, now()), -1);
	ck_assert_int_eq(capnet_fd_errno(&cl_fds), CAPNET_EAGAIN);
	struct capnet_pollfd p = {c.cfd, CAPNET_POLLOUT, 0};
	ck_assert_int_eq(capnet_poll(&cl_fds, &p, 1, 0), 0);
	/* The server does not read: its window closes, and POLLOUT waits until it
	 * reads. */
	ck_assert_int_eq(capnet_poll(&cl_fds, &p, 1, 500), 0);
	char buf[4096];
	ck_assert_int_eq(capnet_fd_recv(&app_fds, c.sfd, buf, sizeof buf, now()), 4096);
	ck_assert_int_eq(capnet_poll(&cl_fds, &p, 1, 1000), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLOUT);
}
END_TEST

START_TEST(test_pollable_tickets_timers_and_stale_waiters)
{
	struct conn c = connect_pair();
	capnet_handle s, tm, tm_app;
	ck_assert_int_eq(capnet_fd_handle(&app_fds, c.sfd, &s), 0);
	ck_assert_int_eq(capnet_netmgr_mint_timer(srv.boot, srv.nm, &tm), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(srv.boot, tm, app, CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE, NULL, &tm_app),
			 CAPNET_OK);
	capnet_instant at = now() + CAPNET_MS(700);
	ck_assert_int_eq(capnet_timer_set(app, tm_app, at), CAPNET_OK);
	struct capnet_watch ws[4];
	struct capnet_pollable p;
	ck_assert_int_eq(capnet_pollable_init(&p, app, ws, 4), CAPNET_OK);
	capnet_ticket t;
	ck_assert_int_eq(capnet_park(app, s, CAPNET_PARK_RECV, now() + CAPNET_MS(300), now(), &t), CAPNET_OK);
	uint16_t it, itm;
	ck_assert_int_eq(capnet_pollable_add_ticket(&p, t, 1, &it), CAPNET_OK);
	ck_assert_int_eq(capnet_pollable_add(&p, tm_app, CAPNET_READY_DONE, 2, &itm), CAPNET_OK);
	ck_assert_int_eq(capnet_pollable_add(&p, la, CAPNET_READY_READABLE, 3, NULL), CAPNET_E_WRONGTYPE);
	/* The parked recv times out first, at its own deadline. */
	capnet_instant t0 = now();
	size_t n;
	ck_assert_int_eq(capnet_pollable_wait(&p, &drv, CAPNET_INSTANT_NEVER, &n), CAPNET_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(now(), t0 + CAPNET_MS(300));
	ck_assert_uint_eq(ws[it].ready, CAPNET_READY_DONE);
	struct capnet_park_result r;
	ck_assert_int_eq(capnet_park_result(app, t, &r), CAPNET_OK);
	ck_assert_int_eq(r.outcome, CAPNET_OUTCOME_TIMED_OUT);
	/* Read once: the watched ticket is now stale, and re-adding it fails. */
	ck_assert_uint_eq(capnet_pollable_check(&p, now(), NULL), 1);
	ck_assert_uint_eq(ws[it].ready, CAPNET_READY_INVALID);
	ck_assert_int_eq(capnet_pollable_add_ticket(&p, t, 1, NULL), CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_pollable_remove(&p, it), CAPNET_OK);
	ck_assert_int_eq(capnet_pollable_remove(&p, it), CAPNET_E_INVAL);
	/* The Timer: DONE exactly at its deadline. */
	ck_assert_int_eq(capnet_pollable_wait(&p, &drv, CAPNET_INSTANT_NEVER, &n), CAPNET_OK);
	ck_assert_int_eq(now(), at);
	ck_assert_uint_eq(ws[itm].ready, CAPNET_READY_DONE);
	/* Nothing ready: E_TIMEDOUT at the wait's deadline. */
	ck_assert_int_eq(capnet_timer_set(app, tm_app, CAPNET_INSTANT_NEVER), CAPNET_OK);
	capnet_instant d = now() + CAPNET_MS(40);
	ck_assert_int_eq(capnet_pollable_wait(&p, &drv, d, &n), CAPNET_E_TIMEDOUT);
	ck_assert_int_eq(now(), d);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(p.st.timeouts, 1);
	ck_assert_uint_eq(cap_host_rejected(app, CAPNET_AUDIT_BADHANDLE), 1);
	ck_assert_uint_eq(cap_host_rejected(app, CAPNET_AUDIT_WRONGTYPE), 1);
}
END_TEST

START_TEST(test_udp_readiness_and_config_unavailable)
{
	capnet_handle ua, us, ca2, cs2;
	ck_assert_int_eq(capnet_netmgr_mint_udp(srv.boot, srv.nm, 53, 53, NULL, &ua), CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_bind(srv.boot, ua, 53, &us), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_mint_udp(cli.boot, cli.nm, 5000, 5000, NULL, &ca2), CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_bind(cli.boot, ca2, 5000, &cs2), CAPNET_OK);
	struct capnet_watch slots[4];
	struct capnet_fdtable t;
	ck_assert_int_eq(capnet_fdtable_init(&t, srv.boot, slots, 4), 0);
	capnet_fdtable_set_driver(&t, &drv);
	ck_assert_int_eq(capnet_fd_open(&t, ua), -1); /* an unbound authority has nothing to wait on */
	ck_assert_int_eq(capnet_fd_errno(&t), CAPNET_EINVAL);
	int fd = capnet_fd_open(&t, us);
	struct capnet_pollfd p = {fd, CAPNET_POLLIN | CAPNET_POLLOUT, 0};
	ck_assert_int_eq(capnet_poll(&t, &p, 1, 0), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLOUT);
	ck_assert_int_eq(capnet_udpcap_send_to(cli.boot, cs2, ip_srv, 53, "q", 1, now()), CAPNET_OK);
	p.events = CAPNET_POLLIN;
	ck_assert_int_eq(capnet_poll(&t, &p, 1, 100), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLIN);
	/* The address goes: the socket reports CONFIG_UNAVAILABLE, poll
	 * POLLERR, and nothing is writable. */
	ck_assert_int_eq(capnet_netmgr_set_static(srv.boot, srv.nm, 0, 0, 0, now()), CAPNET_OK);
	unsigned ready;
	ck_assert_int_eq(capnet_cap_readiness(srv.boot, us, now(), &ready), CAPNET_OK);
	ck_assert_uint_eq(ready, CAPNET_READY_READABLE | CAPNET_READY_CONFIG_UNAVAILABLE);
	p.events = CAPNET_POLLIN | CAPNET_POLLOUT;
	ck_assert_int_eq(capnet_poll(&t, &p, 1, 0), 1);
	ck_assert_int_eq(p.revents, CAPNET_POLLIN | CAPNET_POLLERR);
}
END_TEST

/* ---- a Pollable waited on from a libev loop, on the real clock ---- */

struct ev_driver {
	struct ev_loop *loop;
	ev_timer timer;
};

static capnet_instant ev_driver_now(void *ctx)
{
	(void)ctx;
	return capnet_host_now();
}

static void ev_driver_fire(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

/* One loop iteration with a timer armed at the limit. */
static void ev_driver_step(void *ctx, capnet_instant limit, bool (*done)(void *), void *dctx)
{
	struct ev_driver *d = ctx;
	(void)done;
	(void)dctx;
	capnet_instant now = capnet_host_now();
	double after = limit == CAPNET_INSTANT_NEVER ? 3600.0 : limit > now ? (double)(limit - now) / 1e6 : 0.0;
	ev_timer_stop(d->loop, &d->timer);
	ev_timer_set(&d->timer, after + 0.0001, 0.0);
	ev_timer_start(d->loop, &d->timer);
	ev_run(d->loop, EVRUN_ONCE);
}

START_TEST(test_pollable_waits_from_a_libev_loop)
{
	struct ev_driver ed;
	ed.loop = ev_loop_new(EVFLAG_AUTO);
	ck_assert_ptr_nonnull(ed.loop);
	ev_timer_init(&ed.timer, ev_driver_fire, 0.0, 0.0);
	struct capnet_wait_driver d = {ev_driver_now, ev_driver_step, &ed};
	capnet_handle tm;
	ck_assert_int_eq(capnet_netmgr_mint_timer(srv.boot, srv.nm, &tm), CAPNET_OK);
	capnet_instant t0 = capnet_host_now();
	ck_assert_int_eq(capnet_timer_set(srv.boot, tm, t0 + CAPNET_MS(30)), CAPNET_OK);
	struct capnet_watch ws[1];
	struct capnet_pollable p;
	ck_assert_int_eq(capnet_pollable_init(&p, srv.boot, ws, 1), CAPNET_OK);
	ck_assert_int_eq(capnet_pollable_add(&p, tm, CAPNET_READY_DONE, 0, NULL), CAPNET_OK);
	size_t n;
	ck_assert_int_eq(capnet_pollable_wait(&p, &d, t0 + CAPNET_S(5), &n), CAPNET_OK);
	capnet_instant waited = capnet_host_now() - t0;
	ck_assert_int_ge(waited, CAPNET_MS(30));
	ck_assert_int_lt(waited, CAPNET_S(2));
	ck_assert_uint_le(p.st.wakeups, 8); /* slept on the timer, did not spin */
	ev_loop_destroy(ed.loop);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("posix");
	TCase *tc = tcase_create("posix");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_errno_mapping_is_total_and_precise);
	tcase_add_test(tc, test_descriptors_lowest_first_and_gated);
	tcase_add_test(tc, test_poll_fails_closed);
	tcase_add_test(tc, test_poll_events_follow_real_tcp_state);
	tcase_add_test(tc, test_poll_reset_and_refused);
	tcase_add_test(tc, test_revoked_cap_polls_as_nval);
	tcase_add_test(tc, test_select_semantics);
	tcase_add_test(tc, test_backpressure_partial_send_then_writable);
	tcase_add_test(tc, test_pollable_tickets_timers_and_stale_waiters);
	tcase_add_test(tc, test_udp_readiness_and_config_unavailable);
	tcase_add_test(tc, test_pollable_waits_from_a_libev_loop);
	suite_add_tcase(s, tc);
	return s;
}
