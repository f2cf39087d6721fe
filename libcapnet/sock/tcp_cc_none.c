/* No congestion control: cwnd is pinned far above any window a peer can
 * advertise, so the peer's receive window alone limits sending, and no
 * loss ever reduces it. The baseline the congestion-control proof compares
 * Reno and CUBIC against. */
#include "capnet/tcp_cc.h"
#include "sock/tcp_cc_internal.h"

static void none_init(struct capnet_tcp_cc *cc)
{
	cc->cwnd = CAPNET_TCP_CC_CWND_MAX;
	cc->ssthresh = CAPNET_TCP_CC_CWND_MAX;
}

/* Never called (fixed_window): the dispatcher skips every window change. */
static void none_cong_avoid(struct capnet_tcp_cc *cc, uint32_t acked, capnet_duration rtt, capnet_instant now)
{
	(void)cc;
	(void)acked;
	(void)rtt;
	(void)now;
}

static void none_on_loss(struct capnet_tcp_cc *cc, uint32_t flight, bool timeout)
{
	(void)cc;
	(void)flight;
	(void)timeout;
}

const struct capnet_tcp_cc_ops capnet_tcp_cc_none_ops = {
	.name = "none",
	.fixed_window = true,
	.init = none_init,
	.cong_avoid = none_cong_avoid,
	.on_loss = none_on_loss,
	.restart = NULL,
};
