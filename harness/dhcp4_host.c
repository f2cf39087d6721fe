#include "harness/dhcp4_host.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

capnet_err dhcp4_host_open(struct dhcp4_host *h, const char *name, struct capnet_sim *sim, uint64_t seed,
			   struct capnet_mac mac, const struct capnet_sim_impair *impair,
			   const struct capnet_dhcp4_client_config *ccfg)
{
	struct capnet_stack_config cfg = {
		.without = CAPNET_STACK_NO_TCP | CAPNET_STACK_NO_CAPS,
		.dhcp4 = true,
		.dhcp4_client = ccfg,
	};
	return dhcp4_host_open_with(h, name, sim, seed, mac, impair, &cfg);
}

capnet_err dhcp4_host_open_with(struct dhcp4_host *h, const char *name, struct capnet_sim *sim, uint64_t seed,
				struct capnet_mac mac, const struct capnet_sim_impair *impair,
				const struct capnet_stack_config *cfg)
{
	capnet_err e = sim_stack_open(&h->st, name, sim, seed, mac, impair, cfg);
	if (e != CAPNET_OK)
		return e;
	h->udp = capnet_stack_udp(h->st.stack, 0);
	h->layers = capnet_stack_ip4cfg(h->st.stack, 0);
	h->client = capnet_stack_dhcp4(h->st.stack, 0);
	return CAPNET_OK;
}

void dhcp4_host_close(struct dhcp4_host *h)
{
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
