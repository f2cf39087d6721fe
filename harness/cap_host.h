/* A simulated host whose network is served through caps: a sim_stack with
 * TCP and UDP layers, the capability system and its socket table, a boot
 * cspace holding the NetworkManager, and optionally the configuration
 * layers and a DHCPv4 client. The building block of the capability proofs
 * and of `capnet status`. */
#ifndef CAPNET_HARNESS_CAP_HOST_H
#define CAPNET_HARNESS_CAP_HOST_H

#include "capnet/cap.h"
#include "capnet/dhcp4_client.h"
#include "capnet/ip4_config.h"
#include "capnet/pollable.h"
#include "harness/sim_stack.h"

struct cap_host_config {
	const struct capnet_stack_config *stack; /* NULL: defaults; else the base the fields below are set on */
	const struct capnet_tcp_config *tcp; /* NULL: 16 sockets, 16 KiB rings, 2 s TIME-WAIT */
	capnet_ip4addr addr;                 /* static address (/24); 0: none */
	capnet_ip4addr gateway;
	bool dhcp;                           /* configuration layers + DHCPv4 client (not started) */
	const struct capnet_dhcp4_client_config *dhcp_cfg;
};

struct cap_host {
	struct sim_stack st; /* its stack holds every part below */
	struct capnet_tcp *tcp;
	struct capnet_udp_layer *udp;
	struct capnet_ip4cfg *layers;
	struct capnet_dhcp4_client *dhcp;
	struct capnet_capsys *sys;
	struct capnet_sockets *socks;
	struct capnet_net *net;
	struct capnet_cspace *boot;
	capnet_handle nm;
};

capnet_err cap_host_open(struct cap_host *h, const char *name, struct capnet_sim *sim, uint64_t seed,
			 struct capnet_mac mac, const struct capnet_sim_impair *impair, const struct cap_host_config *cfg);
void cap_host_close(struct cap_host *h);
/* Frames this host's port has transmitted so far. */
uint64_t cap_host_tx_frames(const struct cap_host *h);
uint64_t cap_host_rejected(const struct capnet_cspace *cs, enum capnet_audit_reason r);
uint64_t cap_host_rejected_total(const struct capnet_cspace *cs);

/* The simulator as a wait driver: step() runs the event loop until the
 * condition holds or the limit. */
struct capnet_wait_driver sim_wait_driver(struct capnet_sim *sim);

/* Waits (simulated time) for a parked call's outcome, up to `limit`;
 * PENDING if it did not complete by then. */
struct capnet_park_result cap_host_wait_ticket(struct capnet_sim *sim, struct capnet_cspace *cs, capnet_ticket t,
					       capnet_instant limit);

#endif
