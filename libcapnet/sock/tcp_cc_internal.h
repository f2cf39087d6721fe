/* Between the congestion-control dispatcher (tcp_cc.c) and the algorithms
 * (tcp_cc_none.c, tcp_cc_reno.c, tcp_cc_cubic.c). The dispatcher owns
 * everything the algorithms share: slow start, the NewReno recovery window
 * and the RTO loss window; an algorithm supplies its congestion-avoidance
 * growth and its multiplicative decrease. */
#ifndef CAPNET_SOCK_TCP_CC_INTERNAL_H
#define CAPNET_SOCK_TCP_CC_INTERNAL_H

#include "capnet/tcp_cc.h"

struct capnet_tcp_cc_ops {
	const char *name;
	/* NONE: the window never moves, so the shared arithmetic is skipped. */
	bool fixed_window;
	/* The algorithm's own state, at init (after cwnd = IW, ssthresh =
	 * CWND_MAX) and on a switch to it (cwnd, ssthresh carried over).
	 * Only NONE touches cwnd/ssthresh here. */
	void (*init)(struct capnet_tcp_cc *cc);
	/* An ACK of `acked` new bytes with cwnd >= ssthresh. */
	void (*cong_avoid)(struct capnet_tcp_cc *cc, uint32_t acked, capnet_duration rtt, capnet_instant now);
	/* A congestion event (fast retransmit, or RTO when `timeout`): set
	 * ssthresh from `flight` and update the algorithm's state. The caller
	 * then sets cwnd. Not called for a repeated RTO. */
	void (*on_loss)(struct capnet_tcp_cc *cc, uint32_t flight, bool timeout);
	/* cwnd was cut outside a congestion event (idle restart): forget the
	 * growth epoch. May be NULL. */
	void (*restart)(struct capnet_tcp_cc *cc);
};

extern const struct capnet_tcp_cc_ops capnet_tcp_cc_none_ops;
extern const struct capnet_tcp_cc_ops capnet_tcp_cc_reno_ops;
extern const struct capnet_tcp_cc_ops capnet_tcp_cc_cubic_ops;

/* max(flight * num / den, 2*MSS): RFC 5681 eqn 4 with beta = num/den. */
uint32_t capnet_tcp_cc_reduced_ssthresh(const struct capnet_tcp_cc *cc, uint32_t flight, uint32_t num,
					uint32_t den);

/* CUBIC internals, exposed for the unit tests. */
/* floor(cbrt(x)), exact for every 64-bit x. */
uint32_t capnet_tcp_cc_cbrt(uint64_t x);
/* K (RFC 9438 eqn 2) in microseconds, 1 ms resolution, for a window that
 * must grow from cwnd_epoch back to w_max (bytes); 0 if it need not. */
uint32_t capnet_tcp_cc_cubic_k_us(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss);
/* W_cubic(t) (RFC 9438 eqn 1) in bytes for the current epoch, t in
 * microseconds since the epoch began, clamped to 0..CWND_MAX. */
uint32_t capnet_tcp_cc_cubic_window(const struct capnet_tcp_cc *cc, capnet_duration t);

#endif
