#include "harness/cap_host.h"

#include <string.h>

capnet_err cap_host_open(struct cap_host *h, const char *name, struct capnet_sim *sim, uint64_t seed,
			 struct capnet_mac mac, const struct capnet_sim_impair *impair, const struct cap_host_config *cfg)
{
	memset(h, 0, sizeof *h);
	struct capnet_stack_config scfg = cfg->stack != NULL ? *cfg->stack : (struct capnet_stack_config){0};
	scfg.dhcp4 = cfg->dhcp;
	scfg.dhcp4_client = cfg->dhcp_cfg;
	if (cfg->tcp != NULL) {
		scfg.tcp = *cfg->tcp;
	} else {
		scfg.tcp.max_sockets = 16;
		scfg.tcp.sndbuf = 16384;
		scfg.tcp.rcvbuf = 16384;
		scfg.tcp.time_wait = CAPNET_S(2);
	}
	capnet_err e = sim_stack_open(&h->st, name, sim, seed, mac, impair, &scfg);
	if (e != CAPNET_OK)
		return e;
	struct capnet_stack *st = h->st.stack;
	h->tcp = capnet_stack_tcp(st, 0);
	h->udp = capnet_stack_udp(st, 0);
	h->layers = capnet_stack_ip4cfg(st, 0);
	h->dhcp = capnet_stack_dhcp4(st, 0);
	h->sys = capnet_stack_capsys(st);
	h->net = capnet_stack_net(st, 0);
	h->socks = h->net->socks;
	h->boot = capnet_stack_boot_cspace(st);
	h->nm = capnet_stack_netmgr(st, 0);
	if (cfg->addr != 0)
		e = capnet_netmgr_set_static(h->boot, h->nm, cfg->addr, 24, cfg->gateway, capnet_sim_now(sim));
	return e;
}

void cap_host_close(struct cap_host *h)
{
	sim_stack_close(&h->st);
}

uint64_t cap_host_tx_frames(const struct cap_host *h)
{
	return capnet_sim_port_stats(h->st.sim, h->st.port)->tx_frames;
}

uint64_t cap_host_rejected(const struct capnet_cspace *cs, enum capnet_audit_reason r)
{
	struct capnet_audit a;
	capnet_cspace_audit(cs, &a);
	return a.rejected[r];
}

uint64_t cap_host_rejected_total(const struct capnet_cspace *cs)
{
	struct capnet_audit a;
	capnet_cspace_audit(cs, &a);
	return a.total;
}

static capnet_instant sim_now(void *ctx)
{
	return capnet_sim_now(ctx);
}

static void sim_step(void *ctx, capnet_instant limit, bool (*done)(void *), void *dctx)
{
	capnet_sim_run_until_cond(ctx, done, dctx, limit);
}

struct capnet_wait_driver sim_wait_driver(struct capnet_sim *sim)
{
	return (struct capnet_wait_driver){sim_now, sim_step, sim};
}

struct ticket_wait {
	struct capnet_pollable p;
	struct capnet_watch w[1];
};

struct capnet_park_result cap_host_wait_ticket(struct capnet_sim *sim, struct capnet_cspace *cs, capnet_ticket t,
					       capnet_instant limit)
{
	struct capnet_park_result r = {.outcome = CAPNET_OUTCOME_PENDING};
	struct ticket_wait tw;
	struct capnet_wait_driver d = sim_wait_driver(sim);
	capnet_pollable_init(&tw.p, cs, tw.w, 1);
	if (capnet_pollable_add_ticket(&tw.p, t, 0, NULL) != CAPNET_OK)
		return r;
	size_t n;
	if (capnet_pollable_wait(&tw.p, &d, limit, &n) != CAPNET_OK)
		return r;
	capnet_park_result(cs, t, &r);
	return r;
}
