/* Edge-triggered readiness (capnet_pollable_set_edge): exact event
 * sequences on a TCP connection between two real stacks over the
 * simulator. An edge-triggered entry reports a bit once per transition --
 * and READABLE once more per arrival of new bytes -- until its event
 * re-arms it; a level-triggered entry on the same socket reports whatever
 * holds at every evaluation. */
#include <string.h>

#include "capnet/cap.h"
#include "capnet/pollable.h"
#include "check_main.h"
#include "harness/cap_host.h"
#include "sim/sim.h"
#include "support/cap_pair.h"

static struct capnet_sim *sim;
static struct cap_host srv, cli;

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
	struct capnet_tcp_config tcfg = {.max_sockets = 8, .sndbuf = 4096, .rcvbuf = 4096, .time_wait = CAPNET_S(1)};
	struct cap_host_config cfg = {.tcp = &tcfg};
	sim = cap_pair_open(&srv, &cli, &cfg);
}

static void teardown(void)
{
	cap_pair_close(sim, &srv, &cli);
}

static void connected(struct cap_pair_conn *p, uint16_t port)
{
	cap_pair_connected(sim, &srv, &cli, p, port);
}

static void client_send(struct cap_pair_conn *p, const char *s)
{
	size_t n;
	ck_assert_int_eq(capnet_tcpcap_send(p->cl, p->csock, s, strlen(s), &n, now()), CAPNET_OK);
	ck_assert_uint_eq(n, strlen(s));
	run_ms(50);
}

/* Every evaluation's report, in order, for entry `et` (edge) and `lt` (level). */
static unsigned check(struct capnet_pollable *pl, uint16_t idx)
{
	capnet_pollable_check(pl, now(), NULL);
	return pl->w[idx].ready;
}

START_TEST(test_edge_reports_each_transition_once)
{
	struct cap_pair_conn p;
	connected(&p, 8080);
	struct capnet_watch ws[2];
	struct capnet_pollable pl;
	uint16_t et, lt;
	const unsigned want = CAPNET_READY_READABLE | CAPNET_READY_WRITABLE | CAPNET_READY_CLOSED;
	ck_assert_int_eq(capnet_pollable_init(&pl, p.app, ws, 2), CAPNET_OK);
	ck_assert_int_eq(capnet_pollable_add(&pl, p.ssock, want, 1, &et), CAPNET_OK);
	ck_assert_int_eq(capnet_pollable_add(&pl, p.ssock, want, 2, &lt), CAPNET_OK);
	ck_assert_int_eq(capnet_pollable_set_edge(&pl, et, true), CAPNET_OK);
	ck_assert_int_eq(capnet_pollable_set_edge(&pl, 7, true), CAPNET_E_INVAL);
	/* A new edge entry reports what holds once. */
	ck_assert_uint_eq(check(&pl, et), CAPNET_READY_WRITABLE);
	ck_assert_uint_eq(pl.w[lt].ready, CAPNET_READY_WRITABLE);
	ck_assert_uint_eq(check(&pl, et), 0);
	ck_assert_uint_eq(pl.w[lt].ready, CAPNET_READY_WRITABLE);
	/* Data arrives: READABLE once; the level entry says it every time. */
	client_send(&p, "abc");
	ck_assert_uint_eq(check(&pl, et), CAPNET_READY_READABLE);
	ck_assert_uint_eq(pl.w[lt].ready, CAPNET_READY_READABLE | CAPNET_READY_WRITABLE);
	ck_assert_uint_eq(check(&pl, et), 0);
	ck_assert_uint_eq(check(&pl, et), 0);
	ck_assert_uint_eq(pl.w[lt].ready, CAPNET_READY_READABLE | CAPNET_READY_WRITABLE);
	/* More data before the reader drained: READABLE again, once. */
	client_send(&p, "de");
	ck_assert_uint_eq(check(&pl, et), CAPNET_READY_READABLE);
	ck_assert_uint_eq(check(&pl, et), 0);
	/* A partial read changes nothing; draining re-arms READABLE. */
	char buf[16];
	size_t n;
	ck_assert_int_eq(capnet_tcpcap_recv(p.app, p.ssock, buf, 2, &n, now()), CAPNET_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(check(&pl, et), 0);
	ck_assert_int_eq(capnet_tcpcap_recv(p.app, p.ssock, buf, sizeof buf, &n, now()), CAPNET_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(check(&pl, et), 0);
	ck_assert_uint_eq(pl.w[lt].ready, CAPNET_READY_WRITABLE);
	client_send(&p, "f");
	ck_assert_uint_eq(check(&pl, et), CAPNET_READY_READABLE);
	ck_assert_int_eq(capnet_tcpcap_recv(p.app, p.ssock, buf, sizeof buf, &n, now()), CAPNET_OK);
	/* Backpressure: the server fills its send ring (the client does not
	 * read); WRITABLE clears and is re-armed, and is reported once when
	 * the client's reading makes room again. */
	static char block[1024];
	memset(block, 'x', sizeof block);
	size_t total = 0;
	for (int round = 0; round < 8; round++) {
		/* until the client's receive ring and our send ring are both full */
		for (int i = 0; i < 16; i++) {
			if (capnet_tcpcap_send(p.app, p.ssock, block, sizeof block, &n, now()) != CAPNET_OK || n == 0)
				break;
			total += n;
		}
		run_ms(50);
	}
	ck_assert_uint_eq(total, 8192);
	ck_assert_uint_eq(check(&pl, et), 0);
	ck_assert_uint_eq(pl.w[lt].ready, 0);
	run_ms(50);
	ck_assert_uint_eq(check(&pl, et), 0);
	size_t got = 0;
	for (int i = 0; i < 64 && got < total; i++) {
		if (capnet_tcpcap_recv(p.cl, p.csock, block, sizeof block, &n, now()) == CAPNET_OK && n > 0)
			got += n;
		else
			run_ms(10);
	}
	ck_assert_uint_eq(got, total);
	run_ms(100);
	ck_assert_uint_eq(check(&pl, et), CAPNET_READY_WRITABLE);
	ck_assert_uint_eq(check(&pl, et), 0);
	ck_assert_uint_eq(pl.w[lt].ready, CAPNET_READY_WRITABLE);
	/* The peer closes: CLOSED once. */
	ck_assert_int_eq(capnet_tcpcap_close(p.cl, p.csock, now()), CAPNET_OK);
	run_ms(50);
	ck_assert_uint_eq(check(&pl, et), CAPNET_READY_CLOSED);
	ck_assert_uint_eq(check(&pl, et), 0);
	ck_assert_uint_eq(pl.w[lt].ready, CAPNET_READY_WRITABLE | CAPNET_READY_CLOSED);
	/* Back to level mode: everything that holds is reported again. */
	ck_assert_int_eq(capnet_pollable_set_edge(&pl, et, false), CAPNET_OK);
	ck_assert_uint_eq(check(&pl, et), CAPNET_READY_WRITABLE | CAPNET_READY_CLOSED);
	ck_assert_uint_eq(check(&pl, et), CAPNET_READY_WRITABLE | CAPNET_READY_CLOSED);
}
END_TEST

static struct cap_pair_conn wp;
static void send_later(void *ctx)
{
	(void)ctx;
	size_t n;
	ck_assert_int_eq(capnet_tcpcap_send(wp.cl, wp.csock, "late", 4, &n, now()), CAPNET_OK);
}

START_TEST(test_wait_returns_an_edge_once)
{
	connected(&wp, 8081);
	struct capnet_watch ws[1];
	struct capnet_pollable pl;
	uint16_t et;
	ck_assert_int_eq(capnet_pollable_init(&pl, wp.app, ws, 1), CAPNET_OK);
	ck_assert_int_eq(capnet_pollable_add(&pl, wp.ssock, CAPNET_READY_READABLE, 1, &et), CAPNET_OK);
	ck_assert_int_eq(capnet_pollable_set_edge(&pl, et, true), CAPNET_OK);
	struct capnet_wait_driver d = sim_wait_driver(sim);
	size_t nready;
	/* Nothing to read: the wait times out. */
	ck_assert_int_eq(capnet_pollable_wait(&pl, &d, now() + CAPNET_MS(100), &nready), CAPNET_E_TIMEDOUT);
	ck_assert_uint_eq(nready, 0);
	/* Bytes arrive during the wait: it returns READABLE (its own probes
	 * did not consume the edge) ... */
	send_later(NULL);
	ck_assert_int_eq(capnet_pollable_wait(&pl, &d, now() + CAPNET_S(1), &nready), CAPNET_OK);
	ck_assert_uint_eq(nready, 1);
	ck_assert_uint_eq(ws[et].ready, CAPNET_READY_READABLE);
	/* ... and a second wait without reading, with nothing new, times out. */
	ck_assert_int_eq(capnet_pollable_wait(&pl, &d, now() + CAPNET_MS(100), &nready), CAPNET_E_TIMEDOUT);
	ck_assert_uint_eq(ws[et].ready, 0);
}
END_TEST

START_TEST(test_pollable_cap_sets_edge_with_configure_only)
{
	struct cap_pair_conn p;
	connected(&p, 8082);
	capnet_handle tm, pc, ro;
	ck_assert_int_eq(capnet_netmgr_mint_timer(srv.boot, srv.nm, &tm), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(srv.boot, tm, p.app, CAPNET_RIGHT_READ | CAPNET_RIGHT_GRANT, NULL, &tm),
			 CAPNET_OK);
	ck_assert_int_eq(capnet_timer_mint_pollable(p.app, tm, &pc), CAPNET_OK);
	uint16_t idx;
	ck_assert_int_eq(capnet_pollcap_add(p.app, pc, p.ssock, CAPNET_READY_WRITABLE, 9, &idx), CAPNET_OK);
	ck_assert_int_eq(capnet_pollcap_set_edge(p.app, pc, idx, true), CAPNET_OK);
	struct capnet_watch out[1];
	size_t nready;
	ck_assert_int_eq(capnet_pollcap_check(p.app, pc, now(), out, 1, &nready, NULL), CAPNET_OK);
	ck_assert_uint_eq(nready, 1);
	ck_assert_uint_eq(out[0].ready, CAPNET_READY_WRITABLE);
	ck_assert_int_eq(capnet_pollcap_check(p.app, pc, now(), out, 1, &nready, NULL), CAPNET_OK);
	ck_assert_uint_eq(nready, 0);
	/* A copy without CONFIGURE may check but not change the mode. */
	ck_assert_int_eq(capnet_cap_grant(p.app, pc, p.app, CAPNET_RIGHT_READ, NULL, &ro), CAPNET_OK);
	ck_assert_int_eq(capnet_pollcap_set_edge(p.app, ro, idx, false), CAPNET_E_RIGHTS);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cap-edge");
	TCase *tc = check_add_case(s, "edge", setup, teardown, 60);
	tcase_add_test(tc, test_edge_reports_each_transition_once);
	tcase_add_test(tc, test_wait_returns_an_edge_once);
	tcase_add_test(tc, test_pollable_cap_sets_edge_with_configure_only);
	return s;
}

