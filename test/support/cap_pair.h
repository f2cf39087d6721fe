/* Two cap hosts on a simulated switch for the socket-through-caps suites:
 * "srv" at 192.0.2.1 (MAC 02:00:00:00:00:01) and "cli" at 192.0.2.2
 * (02:00:00:00:00:02), each opened from the same cap_host_config with its
 * own address, then 10 ms run so both are up. Check assertions: for a
 * fixture's setup and teardown. */
#ifndef CAPNET_TEST_CAP_PAIR_H
#define CAPNET_TEST_CAP_PAIR_H

#include "harness/cap_host.h"
#include "sim/sim.h"

#define CAP_PAIR_SRV CAPNET_IP4(192, 0, 2, 1)
#define CAP_PAIR_CLI CAPNET_IP4(192, 0, 2, 2)

/* cfg->addr is ignored: each host gets its own. */
struct capnet_sim *cap_pair_open(struct cap_host *srv, struct cap_host *cli, const struct cap_host_config *cfg);
/* Verifies both capability systems, then destroys the simulator and both hosts. */
void cap_pair_close(struct capnet_sim *sim, struct cap_host *srv, struct cap_host *cli);
/* Runs the simulator a millisecond at a time until the parked call t in
 * cs has its outcome, failing the test after max_ms. */
struct capnet_park_result cap_pair_wait(struct capnet_sim *sim, struct capnet_cspace *cs, capnet_ticket t,
					int64_t max_ms);
/* A new cspace `name` on h. */
struct capnet_cspace *cap_pair_cspace(struct cap_host *h, const char *name);

/* An app cspace on srv holding only a listen authority for one port, and one
 * on cli holding only a connect authority for it; once connected, the
 * listener, the client's socket and the server's accepted one. */
struct cap_pair_conn {
	struct capnet_cspace *app, *cl;
	capnet_handle la, ca, listener, csock, ssock;
};
/* Makes both cspaces and grants them the authorities for port. */
void cap_pair_authorities(struct cap_host *srv, struct cap_host *cli, struct cap_pair_conn *p, uint16_t port);
/* cap_pair_authorities, then listens, connects, and waits (1 s at most) for
 * both the connect and the accept to complete. */
void cap_pair_connected(struct capnet_sim *sim, struct cap_host *srv, struct cap_host *cli, struct cap_pair_conn *p,
			uint16_t port);

#endif
