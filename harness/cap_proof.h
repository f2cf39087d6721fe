/* Shared scaffolding of the capability proofs: two hosts served through
 * caps on one switch (1 ms per cable), the server-side application and the
 * client each in their own cspace holding one authority, and small helpers
 * that keep each proof reading as its scenario. */
#ifndef CAPNET_HARNESS_CAP_PROOF_H
#define CAPNET_HARNESS_CAP_PROOF_H

#include "harness/cap_host.h"
#include "harness/proof.h"

#define CAP_PROOF_SRV CAPNET_IP4(192, 0, 2, 1)
#define CAP_PROOF_CLI CAPNET_IP4(192, 0, 2, 2)
#define CAP_PROOF_NOBODY CAPNET_IP4(192, 0, 2, 99)

struct cap_world {
	struct proof_ctx *ctx;
	struct capnet_sim *sim;
	struct cap_host srv, cli;
	struct capnet_wait_driver drv;
};

/* 0, or 1 after printing why (the proof then returns 1). tcfg NULL: the
 * cap_host defaults. */
int cap_world_open(struct cap_world *w, struct proof_ctx *ctx, const struct capnet_tcp_config *tcfg);
/* The same on a hub (every frame to every port: a wire tap sees all). */
int cap_world_open_mode(struct cap_world *w, struct proof_ctx *ctx, const struct capnet_tcp_config *tcfg,
			enum capnet_sim_mode mode);
void cap_world_close(struct cap_world *w);
/* 16 sockets, 4 KiB send and receive rings, 1 s TIME-WAIT: small rings
 * make "writable" and "full" easy to reach. */
extern const struct capnet_tcp_config cap_proof_tcp_4k;
capnet_instant cap_world_now(const struct cap_world *w);
void cap_world_run(struct cap_world *w, capnet_duration d);

/* "E_SCOPE" style name of a result. */
#define ERRN(e) capnet_errname(e)
/* "READABLE|WRITABLE" from static rotating buffers. */
const char *fmt_ready(unsigned ready);
/* The readiness of h in cs now (READY_INVALID when the gate refuses). */
unsigned cap_world_ready(struct cap_world *w, struct capnet_cspace *cs, capnet_handle h);
/* "BADHANDLE=1 WRONGTYPE=3 ..." (only non-zero reasons; "none") */
const char *fmt_audit(const struct capnet_cspace *cs);
/* The TCP status of socket h in cs, read through a TransportStatus cap
 * made and closed for the purpose (all zero when the gate refuses). */
/* The two parties of a TCP proof, each a cspace of its own made on its
 * host: `name` holding BIND on a listen authority for ports lo..hi (the
 * returned handle), or CONNECT on a connect authority for dst/prefix_len,
 * ports lo..hi. The host's boot cspace keeps the minted original. */
capnet_handle cap_proof_listen_party(struct cap_host *h, const char *name, uint16_t lo, uint16_t hi,
				     struct capnet_cspace **cs);
capnet_handle cap_proof_connect_party(struct cap_host *h, const char *name, capnet_ip4addr dst, uint8_t prefix_len,
				      uint16_t lo, uint16_t hi, struct capnet_cspace **cs);
struct capnet_transport_status cap_proof_tcp_status(struct capnet_cspace *cs, capnet_handle h);

#endif
