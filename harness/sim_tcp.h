/* A libcapnet stack with a TCP layer on a simulator port, and a bulk
 * transfer driver: the building blocks of the TCP shuttle tests, the TCP
 * proofs and the TCP benchmarks. */
#ifndef CAPNET_HARNESS_SIM_TCP_H
#define CAPNET_HARNESS_SIM_TCP_H

#include "capnet/tcp.h"
#include "harness/sim_stack.h"

struct sim_tcp {
	struct sim_stack st;
	struct capnet_tcp *tcp;
	capnet_ip4addr ip;
	/* With has_ip6 (the stack built with IPv6 on), bulk transfers to this
	 * server go to ip6 instead of ip. */
	bool has_ip6;
	struct capnet_ip6addr ip6;
};

/* Opens the stack (sim_stack_open), configures ip/24 and creates the TCP
 * layer from `cfg` (NULL: defaults). */
capnet_err sim_tcp_open(struct sim_tcp *t, const char *name, struct capnet_sim *sim, uint64_t seed,
			struct capnet_mac mac, capnet_ip4addr ip, const struct capnet_sim_impair *impair,
			const struct capnet_tcp_config *cfg);
/* After sim_stack_build of a stack with TCP: configures ip/24 (announced
 * now) and fills t->tcp. */
capnet_err sim_tcp_configure(struct sim_tcp *t, capnet_ip4addr ip);
void sim_tcp_close(struct sim_tcp *t);

/* One-way bulk transfer: the client connects to the server's port, writes
 * `total` bytes of a seeded pattern and closes; the server accepts, reads
 * to end of stream, hashes what it read (FNV-1a 64) and closes. Runs as a
 * simulator participant. */
struct sim_bulk {
	struct capnet_sim *sim;
	struct sim_tcp *client, *server;
	struct capnet_tcp_sock *listener, *tx, *rx;
	uint64_t total, sent, received;
	uint64_t hash_sent, hash_recv;
	uint64_t pattern_state;
	capnet_instant started_at, done_at;
	capnet_err error;     /* first error seen by either end */
	bool tx_closed, rx_eof, failed;
	uint32_t chunk;       /* bytes offered per send call */
	/* Benchmarks: one fixed 64 KiB random page repeated, checked with
	 * memcmp on receipt instead of hashed, so verifying costs little
	 * next to the stack. sim_bulk_exact then means "every byte matched". */
	bool fast_verify;
	uint64_t mismatches;
	/* the client's last figures, taken when it closes */
	struct capnet_tcp_info tx_info;
	uint8_t buf[65536];
	uint8_t pat[65536];
};

capnet_err sim_bulk_start(struct sim_bulk *b, struct capnet_sim *sim, struct sim_tcp *client, struct sim_tcp *server,
			  uint16_t port, uint64_t total, uint64_t pattern_seed, const struct capnet_tcp_sockopts *opts);
/* For capnet_sim_run_until_cond: the receiver saw end of stream, or failed. */
bool sim_bulk_done(void *ctx);
/* Byte-exact: everything arrived, in order, and nothing else. */
bool sim_bulk_exact(const struct sim_bulk *b);

#endif
