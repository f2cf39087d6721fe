#include "cap_pair.h"

#include <check.h>

static void host_open(struct cap_host *h, const char *name, struct capnet_sim *sim, uint8_t id, capnet_ip4addr ip,
		      const struct cap_host_config *base)
{
	struct capnet_mac mac = {{0x02, 0, 0, 0, 0, id}};
	struct cap_host_config cfg = *base;
	cfg.addr = ip;
	ck_assert_int_eq(cap_host_open(h, name, sim, 5, mac, NULL, &cfg), CAPNET_OK);
}

struct capnet_sim *cap_pair_open(struct cap_host *srv, struct cap_host *cli, const struct cap_host_config *cfg)
{
	struct capnet_sim *sim = capnet_sim_create(11, CAPNET_SIM_SWITCH);
	ck_assert_ptr_nonnull(sim);
	host_open(srv, "srv", sim, 1, CAP_PAIR_SRV, cfg);
	host_open(cli, "cli", sim, 2, CAP_PAIR_CLI, cfg);
	capnet_sim_run_until(sim, capnet_sim_now(sim) + CAPNET_MS(10));
	return sim;
}

void cap_pair_close(struct capnet_sim *sim, struct cap_host *srv, struct cap_host *cli)
{
	ck_assert_int_eq(capnet_capsys_verify(srv->sys), CAPNET_OK);
	ck_assert_int_eq(capnet_capsys_verify(cli->sys), CAPNET_OK);
	capnet_sim_destroy(sim);
	cap_host_close(srv);
	cap_host_close(cli);
}

struct capnet_cspace *cap_pair_cspace(struct cap_host *h, const char *name)
{
	struct capnet_cspace *cs;
	ck_assert_int_eq(capnet_cspace_create(h->sys, name, &cs), CAPNET_OK);
	return cs;
}

struct capnet_park_result cap_pair_wait(struct capnet_sim *sim, struct capnet_cspace *cs, capnet_ticket t,
					int64_t max_ms)
{
	struct capnet_park_result r;
	for (int64_t i = 0; i <= max_ms; i++) {
		capnet_err e = capnet_park_result(cs, t, &r);
		if (e == CAPNET_OK)
			return r;
		ck_assert_int_eq(e, CAPNET_E_AGAIN);
		capnet_sim_run_until(sim, capnet_sim_now(sim) + CAPNET_MS(1));
	}
	ck_abort_msg("parked call still pending after %lld ms", (long long)max_ms);
	return r;
}

void cap_pair_authorities(struct cap_host *srv, struct cap_host *cli, struct cap_pair_conn *p, uint16_t port)
{
	capnet_handle la0, ca0;
	p->app = cap_pair_cspace(srv, "app");
	p->cl = cap_pair_cspace(cli, "client");
	ck_assert_int_eq(capnet_netmgr_mint_listen_authority(srv->boot, srv->nm, port, port, &la0), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(srv->boot, la0, p->app, CAPNET_RIGHT_BIND, NULL, &p->la), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_mint_connect_authority(cli->boot, cli->nm, CAP_PAIR_SRV, 32, port, port, &ca0),
			 CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(cli->boot, ca0, p->cl, CAPNET_RIGHT_CONNECT, NULL, &p->ca), CAPNET_OK);
}

void cap_pair_connected(struct capnet_sim *sim, struct cap_host *srv, struct cap_host *cli, struct cap_pair_conn *p,
			uint16_t port)
{
	capnet_instant now = capnet_sim_now(sim);
	cap_pair_authorities(srv, cli, p, port);
	ck_assert_int_eq(capnet_tcpcap_listen(p->app, p->la, port, 4, &p->listener), CAPNET_OK);
	ck_assert_int_eq(capnet_tcpcap_connect(p->cl, p->ca, CAP_PAIR_SRV, port, now, &p->csock), CAPNET_OK);
	capnet_ticket tc, ta;
	ck_assert_int_eq(capnet_park(p->cl, p->csock, CAPNET_PARK_CONNECT, now + CAPNET_S(2), now, &tc), CAPNET_OK);
	ck_assert_int_eq(capnet_park(p->app, p->listener, CAPNET_PARK_ACCEPT, CAPNET_INSTANT_NEVER, now, &ta),
			 CAPNET_OK);
	struct capnet_park_result rc = cap_pair_wait(sim, p->cl, tc, 1000), ra = cap_pair_wait(sim, p->app, ta, 1000);
	ck_assert_int_eq(rc.outcome, CAPNET_OUTCOME_COMPLETED);
	ck_assert_int_eq(ra.outcome, CAPNET_OUTCOME_COMPLETED);
	p->ssock = ra.handle;
}
