/* The cost of polling the socket table served through caps: a poll does
 * work in proportion to the sockets that had events (the transports'
 * readiness callbacks mark them), not to the table -- with 30 idle sockets
 * and one active, one socket is examined -- and parked-call deadlines are
 * looked for only once the earliest has come. */
#include <string.h>

#include "capnet/cap.h"
#include "capnet/stack.h"
#include "check_main.h"
#include "harness/cap_host.h"
#include "support/cap_pair.h"
#include "sim/sim.h"

static struct capnet_sim *sim;
static struct cap_host srv, cli;
static const capnet_ip4addr ip_srv = CAP_PAIR_SRV;

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
	/* Room for 31 UDP sockets, each with a call parked on it. */
	struct capnet_stack_config scfg = {
		.udp = {.max_sockets = 40},
		.sockets = {.max_sockets = 40, .max_parked = 40},
	};
	struct cap_host_config cfg = {.stack = &scfg};
	sim = cap_pair_open(&srv, &cli, &cfg);
}

static void teardown(void)
{
	cap_pair_close(sim, &srv, &cli);
}

/* A poll looks at the sockets that had events, not at the table: with 30
 * idle sockets (each with a call parked on it) and one that receives a
 * datagram, the polls of that delivery examine that one socket, complete
 * its call alone, and the idle calls stay parked. A deadline that passes
 * with no event at all still completes its call. */
START_TEST(test_poll_examines_only_sockets_with_events)
{
	enum { IDLE = 30 };
	struct capnet_cspace *app = cap_pair_cspace(&srv, "app");
	capnet_handle a0, a, sock[IDLE + 1];
	capnet_ticket t[IDLE + 1];
	ck_assert_int_eq(capnet_netmgr_mint_udp(srv.boot, srv.nm, 7000, 7000 + IDLE, NULL, &a0), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(srv.boot, a0, app, capnet_cap_type_rights(CAPNET_CAP_UDP_SOCKET), NULL, &a),
			 CAPNET_OK);
	for (int i = 0; i <= IDLE; i++) {
		ck_assert_int_eq(capnet_udpcap_bind(app, a, (uint16_t)(7000 + i), &sock[i]), CAPNET_OK);
		ck_assert_int_eq(capnet_park(app, sock[i], CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now(), &t[i]),
				 CAPNET_OK);
	}
	struct capnet_cspace *peer = cap_pair_cspace(&cli, "peer");
	capnet_handle pa0, pa, ps;
	ck_assert_int_eq(capnet_netmgr_mint_udp(cli.boot, cli.nm, 6000, 6000, NULL, &pa0), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(cli.boot, pa0, peer, capnet_cap_type_rights(CAPNET_CAP_UDP_SOCKET), NULL, &pa),
			 CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_bind(peer, pa, 6000, &ps), CAPNET_OK);
	/* The peer learns the server's MAC first, so the polls below see the
	 * datagram and nothing else. */
	ck_assert_int_eq(capnet_udpcap_send_to(peer, ps, ip_srv, 9, "arp", 3, now()), CAPNET_OK);
	run_ms(20);
	struct capnet_sockets_stats s0, s1;
	capnet_sockets_stats(srv.socks, &s0);
	ck_assert_uint_eq(s0.parked, IDLE + 1);
	ck_assert_uint_eq(s0.last_poll_sockets, 0); /* idle polls look at nothing */
	ck_assert_int_eq(capnet_udpcap_send_to(peer, ps, ip_srv, 7000 + IDLE, "x", 1, now()), CAPNET_OK);
	run_ms(20);
	capnet_sockets_stats(srv.socks, &s1);
	ck_assert_uint_eq(s1.sockets_examined - s0.sockets_examined, 1);
	ck_assert_uint_eq(s1.completed[CAPNET_OUTCOME_COMPLETED] - s0.completed[CAPNET_OUTCOME_COMPLETED], 1);
	ck_assert_uint_eq(s1.parked, IDLE);
	struct capnet_park_result r;
	ck_assert_int_eq(capnet_park_result(app, t[IDLE], &r), CAPNET_OK);
	ck_assert_int_eq(r.outcome, CAPNET_OUTCOME_COMPLETED);
	for (int i = 0; i < IDLE; i++)
		ck_assert_int_eq(capnet_park_result(app, t[i], &r), CAPNET_E_AGAIN);
	/* A deadline completes a call with no event on its socket; until it
	 * comes, no poll looks for deadlines. */
	ck_assert_int_eq(capnet_park_cancel(app, t[0], now()), CAPNET_OK);
	ck_assert_int_eq(capnet_park_result(app, t[0], &r), CAPNET_OK);
	ck_assert_int_eq(capnet_park(app, sock[0], CAPNET_PARK_RECV, now() + CAPNET_MS(5), now(), &t[0]), CAPNET_OK);
	capnet_sockets_stats(srv.socks, &s0);
	run_ms(4);
	capnet_sockets_stats(srv.socks, &s1);
	ck_assert_uint_eq(s1.deadline_scans, s0.deadline_scans);
	ck_assert_int_eq(capnet_park_result(app, t[0], &r), CAPNET_E_AGAIN);
	ck_assert_int_eq(cap_pair_wait(sim, app, t[0], 5).outcome, CAPNET_OUTCOME_TIMED_OUT);
	capnet_sockets_stats(srv.socks, &s1);
	ck_assert_uint_eq(s1.sockets_examined - s0.sockets_examined, 0);
	ck_assert_uint_eq(s1.parked, IDLE - 1);
}
END_TEST

/* Deadlines in any order complete in deadline order, each at its own
 * instant (the poll is asked back exactly then), and a call cancelled in
 * the middle of the heap leaves the others on time. */
START_TEST(test_parked_deadlines_complete_in_order_on_time)
{
	struct capnet_cspace *app = cap_pair_cspace(&srv, "app");
	capnet_handle a0, a, sock[5];
	capnet_ticket t[5];
	const int64_t ms[5] = {9, 3, 7, 5, 1};
	ck_assert_int_eq(capnet_netmgr_mint_udp(srv.boot, srv.nm, 8000, 8004, NULL, &a0), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(srv.boot, a0, app, capnet_cap_type_rights(CAPNET_CAP_UDP_SOCKET), NULL, &a),
			 CAPNET_OK);
	capnet_instant t0 = now();
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(capnet_udpcap_bind(app, a, (uint16_t)(8000 + i), &sock[i]), CAPNET_OK);
		ck_assert_int_eq(capnet_park(app, sock[i], CAPNET_PARK_RECV, t0 + CAPNET_MS(ms[i]), t0, &t[i]), CAPNET_OK);
	}
	ck_assert_int_eq(capnet_park_cancel(app, t[2], t0), CAPNET_OK); /* the 7 ms one */
	struct capnet_park_result r;
	ck_assert_int_eq(capnet_park_result(app, t[2], &r), CAPNET_OK);
	ck_assert_int_eq(r.outcome, CAPNET_OUTCOME_CANCELLED);
	run_ms(12);
	for (int i = 0; i < 5; i++) {
		if (i == 2)
			continue;
		ck_assert_int_eq(capnet_park_result(app, t[i], &r), CAPNET_OK);
		ck_assert_int_eq(r.outcome, CAPNET_OUTCOME_TIMED_OUT);
		ck_assert_int_eq(r.at, t0 + CAPNET_MS(ms[i]));
	}
	struct capnet_sockets_stats st;
	capnet_sockets_stats(srv.socks, &st);
	ck_assert_uint_eq(st.parked, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cap-poll-cost");
	TCase *tc = check_add_case(s, "poll", setup, teardown, 60);
	tcase_add_test(tc, test_poll_examines_only_sockets_with_events);
	tcase_add_test(tc, test_parked_deadlines_complete_in_order_on_time);
	return s;
}
