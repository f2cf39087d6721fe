/* Congestion control: names, dispatch, and what every window-based
 * controller shares (RFC 5681): the initial window, slow start (RFC 5681
 * 3.1, or RFC 3465 ABC as an option), the NewReno recovery window
 * (RFC 6582) and the loss window after an RTO. The algorithms supply only
 * congestion-avoidance growth and the multiplicative decrease. */
#include "capnet/tcp_cc.h"
#include "sock/tcp_cc_internal.h"

#define DEFAULT_MSS 536u    /* RFC 9293 3.7.1 */
#define MSS_MAX 65535u
#define IW_BYTES 4380u      /* RFC 3390 */
/* RFC 5681 3.1 (equation 2): slow start grows cwnd by at most SMSS per
 * ACK of new data. RFC 3465 2.2 (Experimental, the `abc` option) allows
 * L*SMSS with L = 2, so a receiver that ACKs every second segment still
 * doubles the window each RTT; after an RTO L = 1 (2.3), as one ACK may
 * then cover many segments that left the network long ago. */
#define ABC_LIMIT_SEGS 2u

static const struct capnet_tcp_cc_ops *const algos[CAPNET_TCP_CC__COUNT] = {
	[CAPNET_TCP_CC_NONE] = &capnet_tcp_cc_none_ops,
	[CAPNET_TCP_CC_RENO] = &capnet_tcp_cc_reno_ops,
	[CAPNET_TCP_CC_CUBIC] = &capnet_tcp_cc_cubic_ops,
};

static const struct capnet_tcp_cc_ops *ops(const struct capnet_tcp_cc *cc)
{
	if ((unsigned)cc->algo >= CAPNET_TCP_CC__COUNT)
		return &capnet_tcp_cc_none_ops;
	return algos[cc->algo];
}

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

static uint32_t clamp_window(uint64_t w)
{
	return w > CAPNET_TCP_CC_CWND_MAX ? CAPNET_TCP_CC_CWND_MAX : (uint32_t)w;
}

const char *capnet_tcp_cc_name(enum capnet_tcp_cc_algo a)
{
	if ((unsigned)a >= CAPNET_TCP_CC__COUNT)
		return "?";
	return algos[a]->name;
}

static bool str_eq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

int capnet_tcp_cc_parse(const char *name)
{
	if (name == NULL)
		return -1;
	for (int a = 0; a < CAPNET_TCP_CC__COUNT; a++)
		if (str_eq(name, algos[a]->name))
			return a;
	return -1;
}

uint32_t capnet_tcp_cc_initial_window(uint32_t mss)
{
	return min32(4 * mss, max32(2 * mss, IW_BYTES));
}

uint32_t capnet_tcp_cc_reduced_ssthresh(const struct capnet_tcp_cc *cc, uint32_t flight, uint32_t num,
					uint32_t den)
{
	uint64_t s = (uint64_t)flight * num / den;
	return clamp_window(s > 2u * cc->mss ? s : 2u * cc->mss);
}

void capnet_tcp_cc_init(struct capnet_tcp_cc *cc, enum capnet_tcp_cc_algo algo, uint32_t mss,
			uint32_t peer_window)
{
	(void)peer_window; /* IW is the network's limit; snd_wnd is applied by the sender */
	*cc = (struct capnet_tcp_cc){0};
	cc->algo = (unsigned)algo < CAPNET_TCP_CC__COUNT ? algo : CAPNET_TCP_CC_NONE;
	cc->mss = mss == 0 ? DEFAULT_MSS : min32(mss, MSS_MAX);
	cc->cwnd = capnet_tcp_cc_initial_window(cc->mss);
	cc->ssthresh = CAPNET_TCP_CC_CWND_MAX;
	cc->cubic.epoch = -1;
	ops(cc)->init(cc);
}

void capnet_tcp_cc_on_syn_loss(struct capnet_tcp_cc *cc)
{
	if (ops(cc)->fixed_window)
		return;
	cc->cwnd = min32(cc->cwnd, cc->mss);
}

void capnet_tcp_cc_set_algo(struct capnet_tcp_cc *cc, enum capnet_tcp_cc_algo algo, uint32_t flight)
{
	if ((unsigned)algo >= CAPNET_TCP_CC__COUNT || algo == cc->algo)
		return;
	bool was_fixed = ops(cc)->fixed_window;
	cc->algo = algo;
	cc->bytes_acked = 0;
	if (was_fixed) {
		/* NONE's window never measured the network: start afresh in
		 * slow start, without stalling what is already in flight. */
		cc->cwnd = max32(capnet_tcp_cc_initial_window(cc->mss), clamp_window(flight));
		cc->ssthresh = CAPNET_TCP_CC_CWND_MAX;
		cc->in_recovery = false;
		cc->recovery_pipe = false;
		cc->rto_slow_start = false;
		cc->rto_backoff = false;
	}
	ops(cc)->init(cc); /* the new algorithm's own state; NONE also pins cwnd */
}

static void slow_start(struct capnet_tcp_cc *cc, uint32_t acked)
{
	uint32_t limit = (cc->abc && !cc->rto_slow_start ? ABC_LIMIT_SEGS : 1u) * cc->mss;
	uint64_t cwnd = (uint64_t)cc->cwnd + min32(acked, limit);
	/* Stop at ssthresh: congestion avoidance (and CUBIC's epoch) starts
	 * from exactly there. */
	cc->cwnd = cwnd > cc->ssthresh ? cc->ssthresh : (uint32_t)cwnd;
	if (cc->cwnd >= cc->ssthresh)
		cc->rto_slow_start = false;
}

void capnet_tcp_cc_on_ack(struct capnet_tcp_cc *cc, uint32_t acked, uint32_t flight, capnet_duration rtt,
			  uint32_t peer_window, capnet_instant now)
{
	(void)flight;
	cc->rto_backoff = false; /* new data arrived: the next RTO is a new loss */
	if (ops(cc)->fixed_window || cc->in_recovery || acked == 0)
		return;
	/* Receiver-limited: a larger cwnd would be untested by the network
	 * (RFC 7661's concern) and could only grow without bound. */
	if (peer_window != 0 && cc->cwnd >= peer_window)
		return;
	if (cc->cwnd < cc->ssthresh)
		slow_start(cc, acked);
	else
		ops(cc)->cong_avoid(cc, acked, rtt < 0 ? 0 : rtt, now);
	if (cc->cwnd > CAPNET_TCP_CC_CWND_MAX)
		cc->cwnd = CAPNET_TCP_CC_CWND_MAX;
}

static void enter_recovery(struct capnet_tcp_cc *cc, uint32_t flight, bool pipe)
{
	ops(cc)->on_loss(cc, flight, false);
	/* Inflating: the three duplicate ACKs are three segments that left
	 * the network. A pipe-counting sender has already taken them out of
	 * its flight estimate. */
	cc->cwnd = pipe ? cc->ssthresh : clamp_window((uint64_t)cc->ssthresh + 3u * cc->mss);
	cc->bytes_acked = 0;
	cc->in_recovery = true;
	cc->recovery_pipe = pipe;
	cc->rto_slow_start = false;
}

void capnet_tcp_cc_on_fast_retransmit(struct capnet_tcp_cc *cc, uint32_t flight, capnet_instant now)
{
	(void)now;
	if (ops(cc)->fixed_window)
		return;
	enter_recovery(cc, flight, false);
}

void capnet_tcp_cc_on_fast_retransmit_pipe(struct capnet_tcp_cc *cc, uint32_t flight, capnet_instant now)
{
	(void)now;
	if (ops(cc)->fixed_window)
		return;
	enter_recovery(cc, flight, true);
}

void capnet_tcp_cc_on_dupack(struct capnet_tcp_cc *cc)
{
	if (ops(cc)->fixed_window || !cc->in_recovery || cc->recovery_pipe)
		return;
	cc->cwnd = clamp_window((uint64_t)cc->cwnd + cc->mss);
}

void capnet_tcp_cc_on_partial_ack(struct capnet_tcp_cc *cc, uint32_t acked)
{
	if (ops(cc)->fixed_window || !cc->in_recovery || cc->recovery_pipe)
		return;
	/* Deflate by what left the network; add back one segment for the
	 * retransmission this ACK triggers. */
	uint32_t cwnd = cc->cwnd - min32(acked, cc->cwnd);
	if (acked >= cc->mss)
		cwnd += cc->mss;
	cc->cwnd = max32(cwnd, cc->mss);
}

void capnet_tcp_cc_on_recovery_exit(struct capnet_tcp_cc *cc, uint32_t flight, capnet_instant now)
{
	(void)now;
	if (ops(cc)->fixed_window || !cc->in_recovery)
		return;
	/* Option (1) of RFC 6582 3.2 step 3: no burst when little is in
	 * flight; slow start refills the rest up to ssthresh. */
	uint64_t limit = (uint64_t)max32(flight, cc->mss) + cc->mss;
	cc->cwnd = limit < cc->ssthresh ? (uint32_t)limit : cc->ssthresh;
	cc->bytes_acked = 0;
	cc->in_recovery = false;
	cc->recovery_pipe = false;
}

void capnet_tcp_cc_on_rto(struct capnet_tcp_cc *cc, uint32_t flight, capnet_instant now)
{
	(void)now;
	if (ops(cc)->fixed_window)
		return;
	/* RFC 5681 3.1: when the segment was already retransmitted by the
	 * timer, ssthresh is held: flight is by then the loss window only. */
	if (!cc->rto_backoff)
		ops(cc)->on_loss(cc, flight, true);
	cc->cwnd = cc->mss; /* loss window, RFC 5681 3.1 */
	cc->bytes_acked = 0;
	cc->in_recovery = false;
	cc->recovery_pipe = false;
	cc->rto_slow_start = true;
	cc->rto_backoff = true;
}

void capnet_tcp_cc_on_idle(struct capnet_tcp_cc *cc)
{
	if (ops(cc)->fixed_window)
		return;
	cc->cwnd = min32(cc->cwnd, capnet_tcp_cc_initial_window(cc->mss));
	cc->bytes_acked = 0;
	if (ops(cc)->restart != NULL)
		ops(cc)->restart(cc);
}
