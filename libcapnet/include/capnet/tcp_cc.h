/* TCP congestion control as a small interface (RFC 5681 vocabulary), so a
 * socket can run None, Reno or CUBIC and the state machine never branches
 * on which. Integer / fixed-point only: the core must not need an FPU. */
#ifndef CAPNET_TCP_CC_H
#define CAPNET_TCP_CC_H

#include "capnet/types.h"

enum capnet_tcp_cc_algo {
	CAPNET_TCP_CC_NONE = 0, /* cwnd pinned to the peer's window: the target OS's current default */
	CAPNET_TCP_CC_RENO,     /* RFC 5681 + NewReno recovery (RFC 6582) */
	CAPNET_TCP_CC_CUBIC,    /* RFC 9438 */
	CAPNET_TCP_CC__COUNT
};
const char *capnet_tcp_cc_name(enum capnet_tcp_cc_algo a);
/* "none" / "reno" / "cubic" -> algo; -1 when unknown. */
int capnet_tcp_cc_parse(const char *name);

/* The controller's state, embedded in every TCP control block. */
struct capnet_tcp_cc {
	enum capnet_tcp_cc_algo algo;
	uint32_t mss;        /* sender MSS (SMSS) in bytes */
	uint32_t cwnd;       /* bytes */
	uint32_t ssthresh;   /* bytes */
	uint32_t bytes_acked; /* congestion-avoidance byte counting (RFC 3465) */
	/* CUBIC (RFC 9438 4): times in microseconds, windows in bytes. */
	struct {
		uint32_t w_max;        /* window before the last reduction */
		uint32_t w_est;        /* Reno-friendly estimate (4.3) */
		uint32_t k_us;         /* time to reach w_max again, microseconds */
		capnet_instant epoch;  /* start of the current congestion-avoidance epoch; -1: none */
		uint32_t cwnd_prior;
	} cubic;
};

/* What the state machine tells the controller. `flight` is bytes in flight
 * when the event happened. */
void capnet_tcp_cc_init(struct capnet_tcp_cc *cc, enum capnet_tcp_cc_algo algo, uint32_t mss,
			uint32_t peer_window);
/* New data acknowledged outside recovery. `rtt` is the latest RTT sample
 * (0 if none), needed by CUBIC. */
void capnet_tcp_cc_on_ack(struct capnet_tcp_cc *cc, uint32_t acked, uint32_t flight, capnet_duration rtt,
			  uint32_t peer_window, capnet_instant now);
/* Entering fast recovery (third duplicate ACK, or SACK loss detection). */
void capnet_tcp_cc_on_fast_retransmit(struct capnet_tcp_cc *cc, uint32_t flight, capnet_instant now);
/* Leaving fast recovery (a full ACK: RFC 6582 3.2 step 3). */
void capnet_tcp_cc_on_recovery_exit(struct capnet_tcp_cc *cc, uint32_t flight, capnet_instant now);
/* Retransmission timeout (RFC 5681 eqn 4; cwnd to one segment). */
void capnet_tcp_cc_on_rto(struct capnet_tcp_cc *cc, uint32_t flight, capnet_instant now);
/* The send window the controller allows, before the peer window is applied. */
static inline uint32_t capnet_tcp_cc_window(const struct capnet_tcp_cc *cc)
{
	return cc->cwnd;
}

#endif
