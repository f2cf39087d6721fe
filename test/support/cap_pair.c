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
