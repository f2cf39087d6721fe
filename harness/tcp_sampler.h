/* cwnd and ssthresh over time, from the stack itself: a capture cannot
 * show them. While sampling is on, every poll of a stack on the recorded
 * simulator (the one sim_open_recording opened with a pcap path: the run
 * whose capture `capnet plot` draws) reads capnet_tcp_info of each of its
 * connections and keeps a sample when cwnd, ssthresh or recovery changed
 * since that connection's last one. Read-only: sampling changes no byte of
 * a run. Off by default; hosted tools only (one global recorder, like the
 * process's one stdout). */
#ifndef CAPNET_HARNESS_TCP_SAMPLER_H
#define CAPNET_HARNESS_TCP_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/stack.h"
#include "capnet/tcp.h"
#include "capnet/types.h"

struct capnet_sim;

struct tcp_sample {
	capnet_instant t;     /* the simulator's clock */
	struct capnet_tcp_endpoint local, remote;
	uint32_t cwnd, ssthresh;
	uint32_t snd_una, snd_nxt;
	bool in_recovery;
};

/* Starts sampling (clearing what was kept) / stops it (keeping it). */
void tcp_sampler_start(void);
void tcp_sampler_stop(void);
/* What was kept, in time order; valid until the next start. Sets *lost
 * when memory ran out and samples were dropped. */
const struct tcp_sample *tcp_sampler_samples(size_t *n, bool *lost);

/* sim_open_recording says which simulator records (pcap != NULL) or that
 * a new one does not (a simulator freed and allocated again at the same
 * address must not inherit the mark). */
void tcp_sampler_recording(const struct capnet_sim *sim, bool recording);
/* After each poll of a stack on `sim` (sim_stack_poll). */
void tcp_sampler_poll(const struct capnet_sim *sim, const struct capnet_stack *st, capnet_instant now);

#endif
