/* The Ping cap's authority on the simulated ping network: what a grant
 * keeps, what revoke and close end, and what a Ping is not (a socket to
 * park on as an authority, a right it lacks). */
#include <string.h>

#include "check_main.h"

#include "capnet/pollable.h"
#include "harness/ping_host.h"

static struct ping_net n;
static const struct capnet_ping_bounds B = {10, CAPNET_MS(200), 1024, CAPNET_S(30)};

static void setup(void)
{
	ck_assert_int_eq(ping_net_open(&n, 1, NULL, ECHO_HOST_SILENT, &B, NULL, false), CAPNET_OK);
}

static void teardown(void)
{
	ck_assert_int_eq(capnet_capsys_verify(capnet_stack_capsys(n.h.stack)), CAPNET_OK);
	ping_net_close(&n);
}

static struct capnet_ping_request silent(uint32_t count)
{
	struct capnet_ping_request r = {capnet_ipaddr_from_ip4(PING_NET_NEAR), count, CAPNET_S(1), 56, CAPNET_S(5), 0};
	return r;
}

START_TEST(test_revoke_ends_sessions_and_parked_calls)
{
	struct capnet_ping_request r = silent(3);
	capnet_handle s;
	capnet_instant now = capnet_sim_now(n.sim);
	ck_assert_int_eq(capnet_pingcap_start(n.app, n.ping, &r, now, &s, NULL), CAPNET_OK);
	capnet_ticket t;
	ck_assert_int_eq(capnet_park(n.app, s, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now, &t), CAPNET_OK);
	/* Probe 1 on the wire (after ARP), then the revoke. */
	capnet_sim_run_until(n.sim, now + CAPNET_MS(10));
	now = capnet_sim_now(n.sim);
	uint64_t tx = capnet_sim_port_stats(n.sim, n.h.port)->tx_frames;
	ck_assert_uint_eq(n.near.stats.requests, 1);
	ck_assert_int_eq(capnet_cap_revoke(n.app, n.ping), CAPNET_OK);
	struct capnet_park_result res;
	ck_assert_int_eq(capnet_park_result(n.app, t, &res), CAPNET_OK);
	ck_assert_int_eq(res.outcome, CAPNET_OUTCOME_CLOSED);
	struct capnet_ping_probe p;
	ck_assert_int_eq(capnet_pingcap_next(n.app, s, now, &p), CAPNET_E_REVOKED);
	/* The session is gone: probes 2 and 3 are never sent. */
	capnet_sim_run_until(n.sim, now + CAPNET_S(5));
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, n.h.port)->tx_frames, tx);
	ck_assert_uint_eq(n.near.stats.requests, 1);
}
END_TEST

START_TEST(test_closing_the_session_frees_it)
{
	struct capnet_ping_request r = silent(2);
	capnet_instant now = capnet_sim_now(n.sim);
	/* Four sessions fill the layer; closing one makes room. */
	capnet_handle s[5];
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(capnet_pingcap_start(n.app, n.ping, &r, now, &s[i], NULL), CAPNET_OK);
	ck_assert_int_eq(capnet_pingcap_start(n.app, n.ping, &r, now, &s[4], NULL), CAPNET_E_NOMEM);
	ck_assert_int_eq(capnet_cap_close(n.app, s[2]), CAPNET_OK);
	ck_assert_int_eq(capnet_pingcap_start(n.app, n.ping, &r, now, &s[4], NULL), CAPNET_OK);
}
END_TEST

START_TEST(test_authority_is_no_session)
{
	capnet_ticket t;
	unsigned ready;
	capnet_instant now = capnet_sim_now(n.sim);
	ck_assert_int_eq(capnet_park(n.app, n.ping, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now, &t), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_cap_readiness(n.app, n.ping, now, &ready), CAPNET_E_STATE);
	struct capnet_ping_probe p;
	ck_assert_int_eq(capnet_pingcap_next(n.app, n.ping, now, &p), CAPNET_E_RIGHTS);
	struct capnet_ping_bounds b;
	ck_assert_int_eq(capnet_pingcap_bounds(n.app, n.ping, &b), CAPNET_OK);
	ck_assert_uint_eq(b.max_count, 10);
	ck_assert_int_eq(b.min_interval, CAPNET_MS(200));
}
END_TEST

START_TEST(test_grant_keeps_bounds_and_rights)
{
	struct capnet_cspace *other;
	ck_assert_int_eq(capnet_cspace_create(capnet_stack_capsys(n.h.stack), "viewer", &other), CAPNET_OK);
	capnet_handle ro, rw, s;
	ck_assert_int_eq(capnet_cap_grant(n.app, n.ping, other, CAPNET_RIGHT_READ, NULL, &ro), CAPNET_E_RIGHTS);
	/* The app's copy has no GRANT: the boot cspace hands out another. */
	struct capnet_cspace *boot = capnet_stack_boot_cspace(n.h.stack);
	capnet_handle p0;
	ck_assert_int_eq(capnet_netmgr_mint_ping(boot, capnet_stack_netmgr(n.h.stack, 0), &B, NULL, &p0), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(boot, p0, other, CAPNET_RIGHT_READ, NULL, &ro), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(boot, p0, other, CAPNET_RIGHT_SEND, NULL, &rw), CAPNET_OK);
	struct capnet_ping_request r = silent(1);
	capnet_instant now = capnet_sim_now(n.sim);
	ck_assert_int_eq(capnet_pingcap_start(other, ro, &r, now, &s, NULL), CAPNET_E_RIGHTS);
	r.count = 11;
	enum capnet_ping_limit why;
	ck_assert_int_eq(capnet_pingcap_start(other, rw, &r, now, &s, &why), CAPNET_E_SCOPE);
	ck_assert_int_eq(why, CAPNET_PING_LIMIT_COUNT);
	r.count = 1;
	ck_assert_int_eq(capnet_pingcap_start(other, rw, &r, now, &s, NULL), CAPNET_OK);
	/* A session's own rights: no GRANT from an authority without it. */
	struct capnet_cap_info info;
	ck_assert_int_eq(capnet_cap_inspect(other, s, &info), CAPNET_OK);
	ck_assert_uint_eq(info.rights, CAPNET_RIGHT_SEND | CAPNET_RIGHT_RECV | CAPNET_RIGHT_READ);
	struct capnet_audit a;
	capnet_cspace_audit(other, &a);
	ck_assert_uint_eq(a.rejected[CAPNET_AUDIT_RIGHTS], 1);
	ck_assert_uint_eq(a.rejected[CAPNET_AUDIT_SCOPE], 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cap-ping");
	TCase *t = check_add_case(s, "ping", setup, teardown, 60);
	tcase_add_test(t, test_revoke_ends_sessions_and_parked_calls);
	tcase_add_test(t, test_closing_the_session_frees_it);
	tcase_add_test(t, test_authority_is_no_session);
	tcase_add_test(t, test_grant_keeps_bounds_and_rights);
	return s;
}
