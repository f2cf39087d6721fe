/* Reno congestion avoidance (RFC 5681 3.1) with byte counting (RFC 3465):
 * one MSS per window of acknowledged bytes, i.e. per RTT, and ssthresh
 * halved on loss. Slow start and the NewReno recovery window are shared
 * (tcp_cc.c). */
#include "capnet/tcp_cc.h"
#include "sock/tcp_cc_internal.h"

static void reno_init(struct capnet_tcp_cc *cc)
{
	(void)cc; /* no state beyond the shared fields */
}

static void reno_cong_avoid(struct capnet_tcp_cc *cc, uint32_t acked, capnet_duration rtt, capnet_instant now)
{
	(void)rtt;
	(void)now;
	/* RFC 5681 3.1: cwnd += SMSS once a full cwnd of bytes has been
	 * acknowledged. Counting bytes, not ACKs, keeps a receiver that splits
	 * its ACKs from inflating the window (RFC 3465 1). */
	uint64_t counted = (uint64_t)cc->bytes_acked + acked;
	if (counted >= cc->cwnd) {
		counted -= cc->cwnd;
		cc->cwnd += cc->mss;
	}
	/* One step per ACK at most: a stretch ACK leaves the rest counted,
	 * bounded by the new window. */
	cc->bytes_acked = counted >= cc->cwnd ? cc->cwnd - 1 : (uint32_t)counted;
}

static void reno_on_loss(struct capnet_tcp_cc *cc, uint32_t flight, bool timeout)
{
	(void)timeout;
	cc->ssthresh = capnet_tcp_cc_reduced_ssthresh(cc, flight, 1, 2); /* RFC 5681 eqn 4 */
}

const struct capnet_tcp_cc_ops capnet_tcp_cc_reno_ops = {
	.name = "reno",
	.fixed_window = false,
	.init = reno_init,
	.cong_avoid = reno_cong_avoid,
	.on_loss = reno_on_loss,
	.restart = NULL,
};
