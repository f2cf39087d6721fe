#include "harness/cap_host.h"

#include <stdlib.h>
#include <string.h>

static capnet_instant socks_poll(void *ctx, capnet_instant now)
{
	struct cap_host *h = ctx;
	return capnet_sockets_poll(&h->net, now);
}

capnet_err cap_host_open(struct cap_host *h, const char *name, struct capnet_sim *sim, uint64_t seed,
			 struct capnet_mac mac, const struct capnet_sim_impair *impair, const struct cap_host_config *cfg)
{
	memset(h, 0, sizeof *h);
	capnet_err e = sim_stack_open(&h->st, name, sim, seed, mac, impair, NULL);
	if (e != CAPNET_OK)
		return e;
	struct capnet_tcp_config tcfg;
	if (cfg->tcp != NULL) {
		tcfg = *cfg->tcp;
	} else {
		memset(&tcfg, 0, sizeof tcfg);
		tcfg.max_sockets = 16;
		tcfg.sndbuf = 16384;
		tcfg.rcvbuf = 16384;
		tcfg.time_wait = CAPNET_S(2);
		/* At most 40 ms (as Linux): a 200 ms delayed ACK ties with the
		 * 200 ms rto_min and a lone segment is retransmitted spuriously. */
		tcfg.delayed_ack = CAPNET_MS(40);
	}
	size_t need = capnet_tcp_arena_need(&tcfg) + capnet_udp_arena_need(NULL) + capnet_capsys_arena_need(NULL) +
		      capnet_sockets_arena_need(NULL) + 4096;
	if (cfg->dhcp)
		need += capnet_ip4cfg_arena_need() + capnet_dhcp4_client_arena_need();
	h->mem = malloc(need);
	if (h->mem == NULL)
		return CAPNET_E_NOMEM;
	capnet_arena_init(&h->arena, h->mem, need);
	if ((e = capnet_tcp_create(&h->arena, &tcfg, h->st.ifc, &h->tcp)) != CAPNET_OK ||
	    (e = capnet_udp_create(&h->arena, NULL, h->st.ifc, &h->udp)) != CAPNET_OK)
		return e;
	if (cfg->dhcp) {
		if ((e = capnet_ip4cfg_create(&h->arena, h->st.ifc, &h->layers)) != CAPNET_OK ||
		    (e = capnet_dhcp4_client_create(&h->arena, cfg->dhcp_cfg, h->st.ifc, h->udp, h->layers, &h->dhcp)) !=
			    CAPNET_OK)
			return e;
	}
	capnet_xoshiro_seed(&h->caprng, seed * 7919u + (uint64_t)h->st.port);
	if ((e = capnet_capsys_create(&h->arena, NULL, capnet_xoshiro_rng(&h->caprng), &h->sys)) != CAPNET_OK)
		return e;
	h->net = (struct capnet_net){.name = "eth0",
				     .iface = h->st.ifc,
				     .nic = h->st.nic,
				     .sys = h->sys,
				     .tcp = h->tcp,
				     .udp = h->udp,
				     .ip4cfg = h->layers,
				     .dhcp4 = h->dhcp};
	if ((e = capnet_sockets_create(&h->arena, NULL, &h->net, &h->socks)) != CAPNET_OK ||
	    (e = capnet_sim_add_participant(sim, socks_poll, h)) != CAPNET_OK ||
	    (e = capnet_cspace_create(h->sys, "boot", &h->boot)) != CAPNET_OK ||
	    (e = capnet_netmgr_create_root(h->boot, &h->net, &h->nm)) != CAPNET_OK)
		return e;
	if (cfg->addr != 0)
		e = capnet_netmgr_set_static(h->boot, h->nm, cfg->addr, 24, cfg->gateway, capnet_sim_now(sim));
	return e;
}

void cap_host_close(struct cap_host *h)
{
	free(h->mem);
	h->mem = NULL;
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
