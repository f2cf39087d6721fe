/* Named, deterministic proof scenarios (DESIGN: Proofs). A proof sets up
 * stacks and peers on the simulator, steps the synthetic clock, and
 * records one transcript line per assertion. The same seed gives the same
 * transcript and a byte-identical pcap. */
#ifndef CAPNET_HARNESS_PROOF_H
#define CAPNET_HARNESS_PROOF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capnet/types.h"

struct capnet_sim;
struct capnet_sim_impair;

struct proof_ctx {
	const char *name;
	uint64_t seed;
	const char *pcap_path; /* NULL: no capture */
	bool json;
	bool verbose;
	FILE *out;             /* human transcript (NULL in json mode) */
	void *jchecks;         /* json_t array of transcript lines */
	unsigned checks;
	unsigned failures;
};

struct proof {
	const char *name;
	const char *summary;
	/* Returns 0 when it could run (pass/fail is in ctx->failures), or a
	 * non-zero setup error. */
	int (*run)(struct proof_ctx *ctx);
};

/* NULL-terminated registry, in the order `proof --list` prints. */
extern const struct proof *const capnet_proofs[];
const struct proof *proof_find(const char *name);

/* One assertion: prints "[  12.000 s] text  ok" (or FAIL) and counts it. */
/* The cable of the two-host proofs: 1 ms each way, so a round trip shows. */
extern const struct capnet_sim_impair proof_wire_1ms;
/* A seeded switch that records every frame to --pcap; NULL after saying why
 * on stderr. */
struct capnet_sim *proof_sim_open(struct proof_ctx *ctx);

bool proof_check(struct proof_ctx *ctx, capnet_instant t, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A narrative line without an assertion ("stack A configured ..."). */
void proof_note(struct proof_ctx *ctx, capnet_instant t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The proofs. */
int proof_arp_ping(struct proof_ctx *ctx);
int proof_dhcp4_config(struct proof_ctx *ctx);
int proof_dhcp4_lease_lifecycle(struct proof_ctx *ctx);
int proof_tcp_roundtrip(struct proof_ctx *ctx);
int proof_congestion_control(struct proof_ctx *ctx);
int proof_packet_trace(struct proof_ctx *ctx);
int proof_receive_pool(struct proof_ctx *ctx);
int proof_tcp_listener_roundtrip(struct proof_ctx *ctx);
int proof_socket_readiness(struct proof_ctx *ctx);
int proof_posix_poll_select(struct proof_ctx *ctx);
int proof_transport_status(struct proof_ctx *ctx);
int proof_keepalive_timeout_policy(struct proof_ctx *ctx);
int proof_network_status(struct proof_ctx *ctx);
int proof_virtio_shuttle(struct proof_ctx *ctx);
int proof_dnsresolver(struct proof_ctx *ctx);
int proof_posix_getaddrinfo(struct proof_ctx *ctx);
int proof_syn_flood(struct proof_ctx *ctx);
int proof_ping(struct proof_ctx *ctx);
int proof_ping6(struct proof_ctx *ctx);
int proof_ipv6_slaac(struct proof_ctx *ctx);

#endif
