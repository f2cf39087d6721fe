#include "harness/dhcp4_host.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

capnet_err dhcp4_host_open(struct dhcp4_host *h, const char *name, struct capnet_sim *sim, uint64_t seed,
			   struct capnet_mac mac, const struct capnet_sim_impair *impair,
			   const struct capnet_dhcp4_client_config *ccfg)
{
	capnet_err e = sim_stack_open(&h->st, name, sim, seed, mac, impair, NULL);
	if (e != CAPNET_OK)
		return e;
	size_t need = capnet_udp_arena_need(NULL) + capnet_ip4cfg_arena_need() + capnet_dhcp4_client_arena_need();
	h->mem = malloc(need);
	if (!h->mem)
		return CAPNET_E_NOMEM;
	capnet_arena_init(&h->arena, h->mem, need);
	if ((e = capnet_udp_create(&h->arena, NULL, h->st.ifc, &h->udp)) != CAPNET_OK ||
	    (e = capnet_ip4cfg_create(&h->arena, h->st.ifc, &h->layers)) != CAPNET_OK)
		return e;
	return capnet_dhcp4_client_create(&h->arena, ccfg, h->st.ifc, h->udp, h->layers, &h->client);
}

void dhcp4_host_close(struct dhcp4_host *h)
{
	free(h->mem);
	h->mem = NULL;
	sim_stack_close(&h->st);
}

struct state_wait {
	struct dhcp4_host *h;
	enum capnet_dhcp4_state state;
};

static bool in_state(void *ctx)
{
	struct state_wait *w = ctx;
	return capnet_dhcp4_client_state(w->h->client) == w->state;
}

bool dhcp4_host_run_until_state(struct dhcp4_host *h, enum capnet_dhcp4_state state, capnet_instant limit)
{
	struct state_wait w = {h, state};
	return capnet_sim_run_until_cond(h->st.sim, in_state, &w, limit);
}

static char tbufs[8][32];
static unsigned tnext;

const char *fmt_time(capnet_instant t)
{
	char *b = tbufs[tnext++ % 8];
	if (t == CAPNET_INSTANT_NEVER) {
		snprintf(b, 32, "never");
		return b;
	}
	int64_t ms = t / 1000;
	snprintf(b, 32, "%" PRId64 ".%03" PRId64, ms / 1000, ms % 1000);
	return b;
}
