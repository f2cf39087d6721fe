/* A simulated host that gets its address by DHCP: a sim_stack plus the UDP
 * layer, the configuration layers and the DHCPv4 client, all carved from
 * one more arena. Shared by the DHCP proofs. */
#ifndef CAPNET_HARNESS_DHCP4_HOST_H
#define CAPNET_HARNESS_DHCP4_HOST_H

#include "capnet/cap.h"
#include "capnet/dhcp4_client.h"
#include "capnet/ip4_config.h"
#include "capnet/udp.h"
#include "harness/sim_stack.h"

struct dhcp4_host {
	struct sim_stack st;
	/* The scenario's config cspace: a NetworkManager granted READ and
	 * CONFIGURE (no MINT, no GRANT) and a read-only NetworkStatus, through
	 * which the proofs set static values and read what they assert. */
	struct capnet_cspace *cfg_cs;
	capnet_handle cfg_nm, cfg_status;
	struct capnet_udp_layer *udp;
	struct capnet_ip4cfg *layers;
	struct capnet_dhcp4_client *client;
};

/* ccfg NULL: the RFC defaults. */
capnet_err dhcp4_host_open(struct dhcp4_host *h, const char *name, struct capnet_sim *sim, uint64_t seed,
			   struct capnet_mac mac, const struct capnet_sim_impair *impair,
			   const struct capnet_dhcp4_client_config *ccfg);
/* The same with a whole stack config (cfg->dhcp4 must be set). */
capnet_err dhcp4_host_open_with(struct dhcp4_host *h, const char *name, struct capnet_sim *sim, uint64_t seed,
				struct capnet_mac mac, const struct capnet_sim_impair *impair,
				const struct capnet_stack_config *cfg);
void dhcp4_host_close(struct dhcp4_host *h);

/* Runs the simulator until the client is in `state` or `limit` passes;
 * returns whether it got there (the clock stays at that instant). */
/* What the proofs assert, read through the config cspace's caps (each
 * call reads afresh; a failed read leaves everything zero). */
struct capnet_netmgr_config dhcp4_host_config(const struct dhcp4_host *h);             /* NetworkManager */
struct capnet_resolver_inputs dhcp4_host_resolver(const struct dhcp4_host *h);        /* NetworkStatus */
struct capnet_dhcp4_lease_info dhcp4_host_lease(const struct dhcp4_host *h, capnet_instant now); /* NetworkStatus */
/* The route table has this route (dest/prefix via gw, provenance p). */
bool dhcp4_host_has_route(const struct dhcp4_host *h, capnet_ip4addr dest, uint8_t prefix, capnet_ip4addr gw,
			  enum capnet_provenance p);
/* The neighbour cache holds ip as REACHABLE at mac. */
bool dhcp4_host_neighbour(const struct dhcp4_host *h, capnet_ip4addr ip, struct capnet_mac mac);

bool dhcp4_host_run_until_state(struct dhcp4_host *h, enum capnet_dhcp4_state state, capnet_instant limit);

/* "12.345" (seconds, ms precision; "never"), from rotating static buffers. */
const char *fmt_time(capnet_instant t);

#endif
