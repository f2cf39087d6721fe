/* CUBIC (RFC 9438) in integer arithmetic.
 *
 * Units. Windows are bytes (cc->cwnd, w_max, w_est); the RFC's segment
 * quantities are those divided by the MSS. Times are microseconds as given;
 * the cubic term is evaluated in milliseconds, where C*(t-K)^3 fits 64 bits
 * for every t that matters, and K is kept to 1 ms.
 *
 * Constants as exact ratios: C = 0.4 = 2/5 segments/s^3; beta_cubic = 7/10;
 * alpha_cubic = 3*(1-beta)/(1+beta) = 9/17 (4.3); fast convergence keeps
 * (1+beta)/2 = 17/20 of the window (4.7). */
#include <string.h>

#include "capnet/tcp_cc.h"
#include "sock/tcp_cc_internal.h"

#define BETA_NUM 7u
#define BETA_DEN 10u
#define ALPHA_NUM 9u  /* alpha_cubic in 17ths; 17/17 = 1 once W_est reaches cwnd_prior */
#define ALPHA_DEN 17u
#define FAST_CONV_NUM 17u
#define FAST_CONV_DEN 20u

/* K^3 = (W_max - cwnd_epoch)/C s^3 with windows in segments: per segment,
 * 1/0.4 s^3 = 2.5e9 ms^3. Times the largest byte difference (2^32) this is
 * below 2^64 before the division by the MSS. */
#define MS3_PER_SEGMENT_OVER_C 2500000000ull
/* C*d^3 with d in ms, in thousandths of a segment: 0.4 * d^3 / 1e9 * 1e3
 * = d^3 / 2.5e6. */
#define MS3_PER_MILLISEGMENT 2500000
/* |t - K| beyond which W_cubic is past 0 or CWND_MAX for any MSS >= 1
 * (0.4 * 2000^3 = 3.2e9 segments); 2e6^3 = 8e18 still fits int64. */
#define CUBE_SPAN_MS 2000000
#define US_PER_MS 1000

static uint32_t clamp_window(int64_t w)
{
	if (w < 0)
		return 0;
	return w > (int64_t)CAPNET_TCP_CC_CWND_MAX ? CAPNET_TCP_CC_CWND_MAX : (uint32_t)w;
}

/* Bit by bit, three bits of x per bit of the root (the square-root digit
 * method lifted to cubes): y doubles each step, and (2y+1)^3 - (2y)^3 =
 * 3*2y*(2y+1) + 1 decides the new bit. b << s cannot overflow because it
 * is only formed when it is at most x. */
uint32_t capnet_tcp_cc_cbrt(uint64_t x)
{
	uint64_t y = 0;
	for (int s = 63; s >= 0; s -= 3) {
		y <<= 1;
		uint64_t b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return (uint32_t)y;
}

uint32_t capnet_tcp_cc_cubic_k_us(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss)
{
	if (w_max <= cwnd_epoch || mss == 0)
		return 0;
	uint64_t k3_ms = (uint64_t)(w_max - cwnd_epoch) * MS3_PER_SEGMENT_OVER_C / mss;
	return capnet_tcp_cc_cbrt(k3_ms) * (uint32_t)US_PER_MS; /* <= 2.2e6 ms: fits */
}

uint32_t capnet_tcp_cc_cubic_window(const struct capnet_tcp_cc *cc, capnet_duration t)
{
	if (t < 0)
		t = 0;
	int64_t d = t / US_PER_MS - (int64_t)(cc->cubic.k_us / US_PER_MS);
	if (d > CUBE_SPAN_MS)
		d = CUBE_SPAN_MS;
	if (d < -CUBE_SPAN_MS)
		d = -CUBE_SPAN_MS;
	int64_t millisegments = d * d * d / MS3_PER_MILLISEGMENT; /* |.| <= 3.2e12 */
	int64_t delta = millisegments * (int64_t)cc->mss / 1000;  /* |.| <= 2.1e17 */
	return clamp_window((int64_t)cc->cubic.w_max + delta);
}

static void cubic_init(struct capnet_tcp_cc *cc)
{
	memset(&cc->cubic, 0, sizeof cc->cubic);
	cc->cubic.epoch = -1;
}

/* 4.2: the first ACK in congestion avoidance starts an epoch. */
static void begin_epoch(struct capnet_tcp_cc *cc, capnet_instant now)
{
	cc->cubic.epoch = now;
	cc->cubic.cwnd_epoch = cc->cwnd;
	cc->cubic.w_est = cc->cwnd; /* 4.3 */
	cc->cubic.cwnd_acc = 0;
	cc->cubic.est_acc = 0;
	if (cc->cubic.rto_epoch || cc->cubic.w_max <= cc->cwnd) {
		/* 4.8 after an RTO; and likewise when the window is already at
		 * the old maximum (or none is known): the curve's plateau is
		 * here, and growth from it is convex. */
		cc->cubic.w_max = cc->cwnd;
		cc->cubic.k_us = 0;
		cc->cubic.rto_epoch = false;
		return;
	}
	cc->cubic.k_us = capnet_tcp_cc_cubic_k_us(cc->cubic.w_max, cc->cwnd, cc->mss);
}

/* 4.3: W_est grows as AIMD(alpha_cubic, beta_cubic) would, in bytes:
 * alpha * acked * MSS / cwnd per ACK, with the remainder kept. */
static void reno_friendly_update(struct capnet_tcp_cc *cc, uint32_t acked)
{
	uint64_t alpha = cc->cubic.w_est >= cc->cubic.cwnd_prior ? ALPHA_DEN : ALPHA_NUM;
	uint64_t unit = (uint64_t)ALPHA_DEN * cc->cwnd;
	cc->cubic.est_acc += alpha * acked * cc->mss;
	uint64_t grow = cc->cubic.est_acc / unit;
	cc->cubic.est_acc -= grow * unit;
	cc->cubic.w_est = clamp_window((int64_t)cc->cubic.w_est + (int64_t)grow);
}

static void cubic_cong_avoid(struct capnet_tcp_cc *cc, uint32_t acked, capnet_duration rtt, capnet_instant now)
{
	if (cc->cubic.epoch < 0)
		begin_epoch(cc, now);
	capnet_duration t = now - cc->cubic.epoch;
	if (t < 0)
		t = 0;

	reno_friendly_update(cc, acked);
	if (capnet_tcp_cc_cubic_window(cc, t) < cc->cubic.w_est) {
		/* Reno-friendly region: at short RTTs or small windows CUBIC
		 * must not be slower than Reno would be. */
		if (cc->cubic.w_est > cc->cwnd)
			cc->cwnd = cc->cubic.w_est;
		return;
	}

	/* Concave (4.4) and convex (4.5) regions: aim one RTT ahead, never
	 * shrinking and never more than half a window per RTT. */
	uint32_t cwnd = cc->cwnd;
	uint32_t target = capnet_tcp_cc_cubic_window(cc, t + rtt);
	uint32_t most = clamp_window((int64_t)cwnd + cwnd / 2);
	if (target < cwnd)
		target = cwnd;
	if (target > most)
		target = most;
	/* cwnd += (target - cwnd) / cwnd per segment acked: in bytes,
	 * (target - cwnd) * acked / cwnd. */
	cc->cubic.cwnd_acc += (uint64_t)(target - cwnd) * acked;
	uint64_t grow = cc->cubic.cwnd_acc / cwnd;
	cc->cubic.cwnd_acc -= grow * cwnd;
	if (grow >= (uint64_t)(target - cwnd)) {
		grow = target - cwnd; /* a stretch ACK reaches the target, not past it */
		cc->cubic.cwnd_acc = 0;
	}
	cc->cwnd = cwnd + (uint32_t)grow;
}

static void cubic_on_loss(struct capnet_tcp_cc *cc, uint32_t flight, bool timeout)
{
	uint32_t cwnd = cc->cwnd;
	if (!timeout) {
		/* 4.7 fast convergence: a flow losing below its last maximum
		 * releases bandwidth to newer flows. */
		if (cwnd < cc->cubic.w_max)
			cc->cubic.w_max = (uint32_t)((uint64_t)cwnd * FAST_CONV_NUM / FAST_CONV_DEN);
		else
			cc->cubic.w_max = cwnd;
	}
	/* An RTO during recovery finds cwnd inflated: the prior window is
	 * the one saved when recovery began. */
	if (!cc->in_recovery)
		cc->cubic.cwnd_prior = cwnd;
	/* 4.6 (ssthresh from flight size), 4.8 the same on a timeout. */
	cc->ssthresh = capnet_tcp_cc_reduced_ssthresh(cc, flight, BETA_NUM, BETA_DEN);
	cc->cubic.epoch = -1;
	cc->cubic.rto_epoch = timeout;
}

static void cubic_restart(struct capnet_tcp_cc *cc)
{
	cc->cubic.epoch = -1;
}

const struct capnet_tcp_cc_ops capnet_tcp_cc_cubic_ops = {
	.name = "cubic",
	.fixed_window = false,
	.init = cubic_init,
	.cong_avoid = cubic_cong_avoid,
	.on_loss = cubic_on_loss,
	.restart = cubic_restart,
};
