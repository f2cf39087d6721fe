#include "harness/dhcp4_host.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

capnet_err dhcp4_host_open(struct dhcp4_host *h, const char *name, struct capnet_sim *sim, uint64_t seed,
			   struct capnet_mac mac, const struct capnet_sim_impair *impair,
			   const struct capnet_dhcp4_client_config *ccfg)
{
	struct capnet_stack_config cfg = {
		.without = CAPNET_STACK_NO_TCP,
		.dhcp4 = true,
		.dhcp4_client = ccfg,
	};
	capnet_err e = dhcp4_host_open_with(h, name, sim, seed, mac, impair, &cfg);
	if (e != CAPNET_OK)
		return e;
	/* Its cspace keys come from the stack's cap generator: nothing here
	 * draws from the wire's. */
	struct capnet_cspace *boot = capnet_stack_boot_cspace(h->st.stack);
	capnet_handle nm = capnet_stack_netmgr(h->st.stack, 0), st;
	if ((e = capnet_cspace_create(capnet_stack_capsys(h->st.stack), "config", &h->cfg_cs)) != CAPNET_OK ||
	    (e = capnet_cap_grant(boot, nm, h->cfg_cs, CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE, NULL, &h->cfg_nm)) != CAPNET_OK ||
	    (e = capnet_netmgr_mint_status(boot, nm, &st)) != CAPNET_OK ||
	    (e = capnet_cap_grant(boot, st, h->cfg_cs, CAPNET_RIGHT_READ, NULL, &h->cfg_status)) != CAPNET_OK)
		return e;
	return capnet_cap_close(boot, st);
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

struct capnet_netmgr_config dhcp4_host_config(const struct dhcp4_host *h)
{
	struct capnet_netmgr_config c;
	if (capnet_netmgr_get_config(h->cfg_cs, h->cfg_nm, &c) != CAPNET_OK)
		memset(&c, 0, sizeof c);
	return c;
}

struct capnet_resolver_inputs dhcp4_host_resolver(const struct dhcp4_host *h)
{
	struct capnet_resolver_inputs r;
	if (capnet_status_resolver(h->cfg_cs, h->cfg_status, &r) != CAPNET_OK)
		memset(&r, 0, sizeof r);
	return r;
}

struct capnet_dhcp4_lease_info dhcp4_host_lease(const struct dhcp4_host *h, capnet_instant now)
{
	struct capnet_dhcp4_lease_info li;
	if (capnet_status_dhcp4(h->cfg_cs, h->cfg_status, now, &li) != CAPNET_OK)
		memset(&li, 0, sizeof li);
	return li;
}

bool dhcp4_host_has_route(const struct dhcp4_host *h, capnet_ip4addr dest, uint8_t prefix, capnet_ip4addr gw,
			  enum capnet_provenance p)
{
	struct capnet_ip4_route rs[16];
	size_t n = 0;
	if (capnet_status_routes(h->cfg_cs, h->cfg_status, rs, 16, &n) != CAPNET_OK)
		return false;
	for (size_t i = 0; i < n && i < 16; i++)
		if (rs[i].dest == dest && rs[i].prefix_len == prefix && rs[i].gateway == gw && rs[i].provenance == p)
			return true;
	return false;
}

bool dhcp4_host_neighbour(const struct dhcp4_host *h, capnet_ip4addr ip, struct capnet_mac mac)
{
	struct capnet_arp_entry_info e[16];
	size_t n = 0;
	if (capnet_status_neighbours(h->cfg_cs, h->cfg_status, e, 16, &n) != CAPNET_OK)
		return false;
	for (size_t i = 0; i < n && i < 16; i++)
		if (e[i].ip == ip && e[i].state == CAPNET_ARP_REACHABLE && capnet_mac_eq(e[i].mac, mac))
			return true;
	return false;
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
