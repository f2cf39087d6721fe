/* Congestion control: None, Reno/NewReno (RFC 5681, 6582, 3465) and CUBIC
 * (RFC 9438), driven by scripted event sequences with exact expected
 * windows. MSS 1460 throughout unless said; windows in bytes, times in
 * microseconds. */
#include <string.h>

#include "capnet/tcp_cc.h"
#include "check_main.h"
#include "sock/tcp_cc_internal.h"

#define MSS 1460u
#define MAXW CAPNET_TCP_CC_CWND_MAX

static struct capnet_tcp_cc cc_new(enum capnet_tcp_cc_algo algo)
{
	struct capnet_tcp_cc cc;
	memset(&cc, 0xa5, sizeof cc); /* init must set everything */
	capnet_tcp_cc_init(&cc, algo, MSS, 65535);
	return cc;
}

static void ack(struct capnet_tcp_cc *cc, uint32_t bytes)
{
	capnet_tcp_cc_on_ack(cc, bytes, cc->cwnd, CAPNET_MS(100), 0, 0);
}

/* One round trip of a bulk sender that fills cwnd: cwnd/MSS ACKs of one
 * segment each, evenly spaced over `rtt`, with srtt = rtt. */
static void ack_one_rtt(struct capnet_tcp_cc *cc, capnet_instant *now, capnet_duration rtt)
{
	capnet_instant start = *now;
	uint32_t n = cc->cwnd / cc->mss;
	if (n == 0)
		n = 1;
	for (uint32_t i = 1; i <= n; i++) {
		*now = start + rtt * i / n;
		capnet_tcp_cc_on_ack(cc, cc->mss, cc->cwnd, rtt, 0, *now);
	}
	*now = start + rtt;
}

/* ---- names ---- */

START_TEST(test_names)
{
	ck_assert_str_eq(capnet_tcp_cc_name(CAPNET_TCP_CC_NONE), "none");
	ck_assert_str_eq(capnet_tcp_cc_name(CAPNET_TCP_CC_RENO), "reno");
	ck_assert_str_eq(capnet_tcp_cc_name(CAPNET_TCP_CC_CUBIC), "cubic");
	ck_assert_str_eq(capnet_tcp_cc_name(CAPNET_TCP_CC__COUNT), "?");
	for (int a = 0; a < CAPNET_TCP_CC__COUNT; a++)
		ck_assert_int_eq(capnet_tcp_cc_parse(capnet_tcp_cc_name((enum capnet_tcp_cc_algo)a)), a);
	ck_assert_int_eq(capnet_tcp_cc_parse("cubi"), -1);
	ck_assert_int_eq(capnet_tcp_cc_parse("cubicc"), -1);
	ck_assert_int_eq(capnet_tcp_cc_parse("Reno"), -1);
	ck_assert_int_eq(capnet_tcp_cc_parse(""), -1);
	ck_assert_int_eq(capnet_tcp_cc_parse(NULL), -1);
}
END_TEST

/* ---- initial window ---- */

START_TEST(test_initial_window)
{
	/* min(4*MSS, max(2*MSS, 4380)) */
	ck_assert_uint_eq(capnet_tcp_cc_initial_window(1460), 4380); /* min(5840, 4380) */
	ck_assert_uint_eq(capnet_tcp_cc_initial_window(536), 2144);  /* min(2144, 4380) */
	ck_assert_uint_eq(capnet_tcp_cc_initial_window(1095), 4380); /* 4*1095 = 4380 */
	ck_assert_uint_eq(capnet_tcp_cc_initial_window(2190), 4380); /* 2*2190 = 4380 */
	ck_assert_uint_eq(capnet_tcp_cc_initial_window(3000), 6000); /* max(6000, 4380) */
	ck_assert_uint_eq(capnet_tcp_cc_initial_window(8960), 17920);

	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	ck_assert_int_eq(cc.algo, CAPNET_TCP_CC_RENO);
	ck_assert_uint_eq(cc.mss, MSS);
	ck_assert_uint_eq(cc.cwnd, 4380);
	ck_assert_uint_eq(capnet_tcp_cc_window(&cc), 4380);
	ck_assert_uint_eq(cc.ssthresh, MAXW);
	ck_assert_uint_eq(cc.bytes_acked, 0);
	ck_assert(!cc.in_recovery);

	capnet_tcp_cc_init(&cc, CAPNET_TCP_CC_CUBIC, 0, 0); /* MSS unknown: 536 */
	ck_assert_uint_eq(cc.mss, 536);
	ck_assert_uint_eq(cc.cwnd, 2144);
	ck_assert_int_eq(cc.cubic.epoch, -1);

	capnet_tcp_cc_init(&cc, (enum capnet_tcp_cc_algo)77, MSS, 0);
	ck_assert_int_eq(cc.algo, CAPNET_TCP_CC_NONE);
}
END_TEST

START_TEST(test_syn_loss_initial_window_one_segment)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	capnet_tcp_cc_on_syn_loss(&cc);
	ck_assert_uint_eq(cc.cwnd, 1460);
	cc = cc_new(CAPNET_TCP_CC_CUBIC);
	capnet_tcp_cc_on_syn_loss(&cc);
	ck_assert_uint_eq(cc.cwnd, 1460);
}
END_TEST

/* ---- None ---- */

START_TEST(test_none_never_shrinks)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_NONE);
	ck_assert_uint_eq(cc.cwnd, MAXW);
	ck_assert_uint_eq(cc.ssthresh, MAXW);
	capnet_tcp_cc_on_syn_loss(&cc);
	ck_assert_uint_eq(cc.cwnd, MAXW);
	ack(&cc, 1460);
	ck_assert_uint_eq(cc.cwnd, MAXW);
	capnet_tcp_cc_on_fast_retransmit(&cc, 20000, 0);
	ck_assert_uint_eq(cc.cwnd, MAXW);
	ck_assert_uint_eq(cc.ssthresh, MAXW);
	capnet_tcp_cc_on_dupack(&cc);
	capnet_tcp_cc_on_partial_ack(&cc, 100000);
	ck_assert_uint_eq(cc.cwnd, MAXW);
	capnet_tcp_cc_on_recovery_exit(&cc, 0, 0);
	ck_assert_uint_eq(cc.cwnd, MAXW);
	for (int i = 0; i < 5; i++) {
		capnet_tcp_cc_on_rto(&cc, 20000, CAPNET_S(i));
		ck_assert_uint_eq(cc.cwnd, MAXW);
		ck_assert_uint_eq(cc.ssthresh, MAXW);
	}
	capnet_tcp_cc_on_idle(&cc);
	ck_assert_uint_eq(cc.cwnd, MAXW);
	/* Above anything a peer can advertise (65535 << 14). */
	ck_assert_uint_gt(capnet_tcp_cc_window(&cc), 65535u << 14);
}
END_TEST

/* ---- Reno ---- */

START_TEST(test_reno_slow_start)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	/* Ten ACKs of one segment: + 1460 each. */
	for (int i = 0; i < 10; i++)
		ack(&cc, 1460);
	ck_assert_uint_eq(cc.cwnd, 4380 + 10 * 1460); /* 18980 */
	/* A delayed ACK of two segments: + 1460 (RFC 5681 3.1, equation 2:
	 * at most SMSS per ACK). */
	ack(&cc, 2920);
	ck_assert_uint_eq(cc.cwnd, 20440);
	/* A stretch ACK of ten segments: still + SMSS. */
	ack(&cc, 14600);
	ck_assert_uint_eq(cc.cwnd, 21900);
	/* A small ACK: + what it acknowledged. */
	ack(&cc, 100);
	ck_assert_uint_eq(cc.cwnd, 22000);
	ack(&cc, 0);
	ck_assert_uint_eq(cc.cwnd, 22000);
	ck_assert_uint_eq(cc.bytes_acked, 0);
}
END_TEST

START_TEST(test_reno_slow_start_abc_option)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	cc.abc = true; /* RFC 3465 ABC, L = 2 */
	for (int i = 0; i < 10; i++)
		ack(&cc, 1460);
	ck_assert_uint_eq(cc.cwnd, 4380 + 10 * 1460); /* 18980 */
	/* A delayed ACK of two segments: + 2920 (L = 2*SMSS, RFC 3465 2.2). */
	ack(&cc, 2920);
	ck_assert_uint_eq(cc.cwnd, 21900);
	/* A stretch ACK of ten segments still only + 2*SMSS. */
	ack(&cc, 14600);
	ck_assert_uint_eq(cc.cwnd, 24820);
	/* After an RTO, L = 1 (2.3). */
	capnet_tcp_cc_on_rto(&cc, 24820, 0);
	ck_assert_uint_eq(cc.cwnd, 1460);
	ack(&cc, 2920);
	ck_assert_uint_eq(cc.cwnd, 2920);
}
END_TEST

START_TEST(test_reno_fast_retransmit)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	/* ssthresh = max(20000/2, 2*1460) = 10000; cwnd = 10000 + 3*1460. */
	capnet_tcp_cc_on_fast_retransmit(&cc, 20000, CAPNET_S(1));
	ck_assert_uint_eq(cc.ssthresh, 10000);
	ck_assert_uint_eq(cc.cwnd, 14380);
	ck_assert(cc.in_recovery);

	/* Small flight: ssthresh floors at 2*SMSS = 2920. */
	cc = cc_new(CAPNET_TCP_CC_RENO);
	capnet_tcp_cc_on_fast_retransmit(&cc, 4000, 0);
	ck_assert_uint_eq(cc.ssthresh, 2920);
	ck_assert_uint_eq(cc.cwnd, 2920 + 4380);
}
END_TEST

START_TEST(test_reno_newreno_recovery)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	capnet_tcp_cc_on_fast_retransmit(&cc, 20000, 0);
	ck_assert_uint_eq(cc.cwnd, 14380);
	/* Three more duplicate ACKs inflate by one MSS each. */
	for (int i = 0; i < 3; i++)
		capnet_tcp_cc_on_dupack(&cc);
	ck_assert_uint_eq(cc.cwnd, 18760);
	/* ACKs of new data in recovery are the state machine's partial ACKs,
	 * never on_ack: on_ack leaves the window alone. */
	ack(&cc, 1460);
	ck_assert_uint_eq(cc.cwnd, 18760);
	/* Partial ACK of two segments: - 2920 + 1460. */
	capnet_tcp_cc_on_partial_ack(&cc, 2920);
	ck_assert_uint_eq(cc.cwnd, 17300);
	/* Partial ACK of less than one MSS: deflate only. */
	capnet_tcp_cc_on_partial_ack(&cc, 1000);
	ck_assert_uint_eq(cc.cwnd, 16300);
	/* Deflation never leaves less than one segment. */
	capnet_tcp_cc_on_partial_ack(&cc, 100000);
	ck_assert_uint_eq(cc.cwnd, 1460);
	capnet_tcp_cc_on_dupack(&cc);
	ck_assert_uint_eq(cc.cwnd, 2920);
	ck_assert(cc.in_recovery);
	ck_assert_uint_eq(cc.ssthresh, 10000);

	/* Full ACK with 14000 still out: min(10000, 14000 + 1460). */
	capnet_tcp_cc_on_recovery_exit(&cc, 14000, 0);
	ck_assert(!cc.in_recovery);
	ck_assert_uint_eq(cc.cwnd, 10000);
	ck_assert_uint_eq(cc.ssthresh, 10000);
	/* Out of recovery, inflation hooks do nothing. */
	capnet_tcp_cc_on_dupack(&cc);
	capnet_tcp_cc_on_partial_ack(&cc, 5000);
	capnet_tcp_cc_on_recovery_exit(&cc, 0, 0);
	ck_assert_uint_eq(cc.cwnd, 10000);
}
END_TEST

START_TEST(test_pipe_recovery_no_inflation)
{
	/* RFC 6675: cwnd = ssthresh = FlightSize / 2; the sender's pipe
	 * estimate, not cwnd, accounts for the segments that left. */
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	capnet_tcp_cc_on_fast_retransmit_pipe(&cc, 20000, 0);
	ck_assert(cc.in_recovery && cc.recovery_pipe);
	ck_assert_uint_eq(cc.ssthresh, 10000);
	ck_assert_uint_eq(cc.cwnd, 10000);
	capnet_tcp_cc_on_dupack(&cc);
	capnet_tcp_cc_on_partial_ack(&cc, 2920);
	ck_assert_uint_eq(cc.cwnd, 10000);
	capnet_tcp_cc_on_recovery_exit(&cc, 1000, 0);
	ck_assert(!cc.in_recovery && !cc.recovery_pipe);
	ck_assert_uint_eq(cc.cwnd, 2920); /* min(10000, max(1000, 1460) + 1460) */
	/* The next recovery may inflate again. */
	capnet_tcp_cc_on_fast_retransmit(&cc, 20000, 0);
	ck_assert(!cc.recovery_pipe);
	capnet_tcp_cc_on_dupack(&cc);
	ck_assert_uint_eq(cc.cwnd, 10000 + 4 * 1460);

	/* CUBIC: cwnd = ssthresh = 0.7 * flight. */
	cc = cc_new(CAPNET_TCP_CC_CUBIC);
	capnet_tcp_cc_on_fast_retransmit_pipe(&cc, 146000, 0);
	ck_assert_uint_eq(cc.ssthresh, 102200);
	ck_assert_uint_eq(cc.cwnd, 102200);
	/* NONE: nothing. */
	cc = cc_new(CAPNET_TCP_CC_NONE);
	capnet_tcp_cc_on_fast_retransmit_pipe(&cc, 146000, 0);
	ck_assert_uint_eq(cc.cwnd, MAXW);
}
END_TEST

START_TEST(test_reno_recovery_exit_small_flight_then_slow_start)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	capnet_tcp_cc_on_fast_retransmit(&cc, 20000, 0);
	capnet_tcp_cc_on_dupack(&cc);
	capnet_tcp_cc_on_dupack(&cc);
	/* Everything acknowledged: min(10000, max(0, 1460) + 1460) = 2920,
	 * no burst of ssthresh bytes at once. */
	capnet_tcp_cc_on_recovery_exit(&cc, 0, 0);
	ck_assert_uint_eq(cc.cwnd, 2920);
	/* Slow start back up, stopping exactly at ssthresh (with RFC 3465's
	 * L = 2, so that each ACK below is one step of 2*SMSS). */
	cc.abc = true;
	ack(&cc, 2920);
	ck_assert_uint_eq(cc.cwnd, 5840);
	ack(&cc, 2920);
	ck_assert_uint_eq(cc.cwnd, 8760);
	ack(&cc, 2920);
	ck_assert_uint_eq(cc.cwnd, 10000);
	ck_assert_uint_eq(cc.bytes_acked, 0);
	/* Congestion avoidance from here: one ACK counts bytes only. */
	ack(&cc, 2920);
	ck_assert_uint_eq(cc.cwnd, 10000);
	ck_assert_uint_eq(cc.bytes_acked, 2920);
}
END_TEST

START_TEST(test_reno_congestion_avoidance_byte_counting)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	capnet_tcp_cc_on_fast_retransmit(&cc, 20000, 0);
	capnet_tcp_cc_on_recovery_exit(&cc, 10000, 0); /* cwnd = ssthresh = 10000 */
	ck_assert_uint_eq(cc.cwnd, 10000);
	/* 6 ACKs: 8760 < 10000 counted. */
	for (int i = 0; i < 6; i++)
		ack(&cc, 1460);
	ck_assert_uint_eq(cc.cwnd, 10000);
	ck_assert_uint_eq(cc.bytes_acked, 8760);
	/* 7th: 10220 >= 10000: + 1 MSS, 220 carried. */
	ack(&cc, 1460);
	ck_assert_uint_eq(cc.cwnd, 11460);
	ck_assert_uint_eq(cc.bytes_acked, 220);
	/* 220 + 8*1460 = 11900 >= 11460 after 8 more, not 7 (10440). */
	for (int i = 0; i < 7; i++)
		ack(&cc, 1460);
	ck_assert_uint_eq(cc.cwnd, 11460);
	ack(&cc, 1460);
	ck_assert_uint_eq(cc.cwnd, 12920);
	ck_assert_uint_eq(cc.bytes_acked, 440);
	/* A stretch ACK of three windows grows by one MSS only. */
	ack(&cc, 3 * 12920);
	ck_assert_uint_eq(cc.cwnd, 14380);
	ck_assert_uint_lt(cc.bytes_acked, cc.cwnd);
}
END_TEST

START_TEST(test_reno_rto)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	for (int i = 0; i < 20; i++)
		ack(&cc, 1460);
	ck_assert_uint_eq(cc.cwnd, 33580);
	/* ssthresh = max(20000/2, 2920) = 10000; cwnd = loss window 1460. */
	capnet_tcp_cc_on_rto(&cc, 20000, CAPNET_S(3));
	ck_assert_uint_eq(cc.ssthresh, 10000);
	ck_assert_uint_eq(cc.cwnd, 1460);
	ck_assert(!cc.in_recovery);
	/* The same segment times out again: ssthresh is held, not recomputed
	 * from the one-segment flight (that would give 2920). */
	capnet_tcp_cc_on_rto(&cc, 1460, CAPNET_S(4));
	ck_assert_uint_eq(cc.ssthresh, 10000);
	ck_assert_uint_eq(cc.cwnd, 1460);
	/* Slow start after an RTO grows by at most one MSS per ACK. */
	ack(&cc, 2920);
	ck_assert_uint_eq(cc.cwnd, 2920);
	ack(&cc, 1000);
	ck_assert_uint_eq(cc.cwnd, 3920);
	/* New data was acknowledged: the next RTO is a new loss. */
	capnet_tcp_cc_on_rto(&cc, 3920, CAPNET_S(6));
	ck_assert_uint_eq(cc.ssthresh, 2920);
	ck_assert_uint_eq(cc.cwnd, 1460);
	/* Reaching ssthresh ends the post-RTO limit. */
	ack(&cc, 1460);
	ck_assert_uint_eq(cc.cwnd, 2920);
	ck_assert(!cc.rto_slow_start);
}
END_TEST

START_TEST(test_reno_rto_ends_recovery)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	capnet_tcp_cc_on_fast_retransmit(&cc, 40000, 0);
	ck_assert_uint_eq(cc.ssthresh, 20000);
	capnet_tcp_cc_on_rto(&cc, 40000, CAPNET_S(1));
	ck_assert(!cc.in_recovery);
	ck_assert_uint_eq(cc.ssthresh, 20000);
	ck_assert_uint_eq(cc.cwnd, 1460);
}
END_TEST

START_TEST(test_reno_receiver_limited)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	/* Peer window 5000: cwnd 4380 may still grow, 5840 may not. */
	capnet_tcp_cc_on_ack(&cc, 1460, 4380, 0, 5000, 0);
	ck_assert_uint_eq(cc.cwnd, 5840);
	capnet_tcp_cc_on_ack(&cc, 1460, 5000, 0, 5000, 0);
	ck_assert_uint_eq(cc.cwnd, 5840);
	/* 0: window unknown, no limit. */
	capnet_tcp_cc_on_ack(&cc, 1460, 5000, 0, 0, 0);
	ck_assert_uint_eq(cc.cwnd, 7300);
}
END_TEST

START_TEST(test_reno_idle_restart)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	for (int i = 0; i < 10; i++)
		ack(&cc, 1460);
	capnet_tcp_cc_on_idle(&cc);
	ck_assert_uint_eq(cc.cwnd, 4380); /* RW = min(IW, cwnd) */
	capnet_tcp_cc_on_syn_loss(&cc);
	capnet_tcp_cc_on_idle(&cc);
	ck_assert_uint_eq(cc.cwnd, 1460);
}
END_TEST

START_TEST(test_set_algo)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_RENO);
	capnet_tcp_cc_on_fast_retransmit(&cc, 20000, 0);
	capnet_tcp_cc_on_recovery_exit(&cc, 10000, 0);
	/* Reno -> CUBIC: cwnd and ssthresh carry over, no epoch yet. */
	capnet_tcp_cc_set_algo(&cc, CAPNET_TCP_CC_CUBIC, 10000);
	ck_assert_int_eq(cc.algo, CAPNET_TCP_CC_CUBIC);
	ck_assert_uint_eq(cc.cwnd, 10000);
	ck_assert_uint_eq(cc.ssthresh, 10000);
	ck_assert_int_eq(cc.cubic.epoch, -1);
	/* Its first epoch starts at the plateau (no maximum known). */
	capnet_tcp_cc_on_ack(&cc, 1460, 10000, CAPNET_MS(50), 0, CAPNET_S(1));
	ck_assert_int_eq(cc.cubic.epoch, CAPNET_S(1));
	ck_assert_uint_eq(cc.cubic.k_us, 0);
	ck_assert_uint_eq(cc.cubic.w_max, 10000);
	/* -> NONE: the window opens fully. */
	capnet_tcp_cc_set_algo(&cc, CAPNET_TCP_CC_NONE, 10000);
	ck_assert_uint_eq(cc.cwnd, MAXW);
	ck_assert_uint_eq(cc.ssthresh, MAXW);
	/* NONE -> Reno: slow start from max(IW, flight). */
	capnet_tcp_cc_set_algo(&cc, CAPNET_TCP_CC_RENO, 30000);
	ck_assert_uint_eq(cc.cwnd, 30000);
	ck_assert_uint_eq(cc.ssthresh, MAXW);
	capnet_tcp_cc_set_algo(&cc, CAPNET_TCP_CC_NONE, 0);
	capnet_tcp_cc_set_algo(&cc, CAPNET_TCP_CC_CUBIC, 100);
	ck_assert_uint_eq(cc.cwnd, 4380);
	/* Unknown algorithms are ignored. */
	capnet_tcp_cc_set_algo(&cc, CAPNET_TCP_CC__COUNT, 0);
	ck_assert_int_eq(cc.algo, CAPNET_TCP_CC_CUBIC);
}
END_TEST

/* ---- CUBIC ---- */

START_TEST(test_cbrt)
{
	ck_assert_uint_eq(capnet_tcp_cc_cbrt(0), 0);
	ck_assert_uint_eq(capnet_tcp_cc_cbrt(1), 1);
	ck_assert_uint_eq(capnet_tcp_cc_cbrt(7), 1);
	ck_assert_uint_eq(capnet_tcp_cc_cbrt(8), 2);
	ck_assert_uint_eq(capnet_tcp_cc_cbrt(26), 2);
	ck_assert_uint_eq(capnet_tcp_cc_cbrt(27), 3);
	ck_assert_uint_eq(capnet_tcp_cc_cbrt(75000000000ull), 4217); /* 4217.16 */
	/* 2642245^3 = 18446724184312856125 <= 2^64 - 1 < 2642246^3 */
	ck_assert_uint_eq(capnet_tcp_cc_cbrt(UINT64_MAX), 2642245);
	ck_assert_uint_eq(capnet_tcp_cc_cbrt(18446724184312856125ull), 2642245);
	ck_assert_uint_eq(capnet_tcp_cc_cbrt(18446724184312856124ull), 2642244);
	/* Every n^3 and its neighbours across the range (step 997). */
	for (uint64_t n = 2; n <= 2642245; n += 997) {
		uint64_t c = n * n * n;
		ck_assert_uint_eq(capnet_tcp_cc_cbrt(c), n);
		ck_assert_uint_eq(capnet_tcp_cc_cbrt(c - 1), n - 1);
		if (n < 2642245)
			ck_assert_uint_eq(capnet_tcp_cc_cbrt(c + 3 * n * n + 3 * n), n); /* (n+1)^3 - 1 */
	}
}
END_TEST

START_TEST(test_cubic_k)
{
	/* K = cbrt(W_max * (1 - beta) / C) = cbrt(100 * 0.3 / 0.4) =
	 * cbrt(75) = 4.21716 s (python: 75 ** (1/3)); kept to 1 ms. */
	ck_assert_uint_eq(capnet_tcp_cc_cubic_k_us(100 * MSS, 70 * MSS, MSS), 4217000);
	/* W_max 10 segments: cbrt(7.5) = 1.95743 s. */
	ck_assert_uint_eq(capnet_tcp_cc_cubic_k_us(10 * MSS, 7 * MSS, MSS), 1957000);
	/* The MSS only scales: same segments, other MSS, same K. */
	ck_assert_uint_eq(capnet_tcp_cc_cubic_k_us(100 * 536, 70 * 536, 536), 4217000);
	ck_assert_uint_eq(capnet_tcp_cc_cubic_k_us(5000, 5000, MSS), 0);
	ck_assert_uint_eq(capnet_tcp_cc_cubic_k_us(5000, 9000, MSS), 0);
	/* Largest inputs, no overflow: floor(cbrt((2^32 - 1) * 2.5e9)) = 2206141 ms. */
	ck_assert_uint_eq(capnet_tcp_cc_cubic_k_us(UINT32_MAX, 0, 1), 2206141000u);
}
END_TEST

/* cwnd 100 segments, then a triple duplicate ACK with all of it in flight. */
static struct capnet_tcp_cc cubic_after_loss_at_100(void)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_CUBIC);
	while (cc.cwnd < 100 * MSS)
		ack(&cc, MSS);
	ck_assert_uint_eq(cc.cwnd, 100 * MSS); /* 4380 = 3 MSS, then + 1 MSS per ACK */
	capnet_tcp_cc_on_fast_retransmit(&cc, 100 * MSS, CAPNET_S(10));
	return cc;
}

START_TEST(test_cubic_beta_reduction)
{
	struct capnet_tcp_cc cc = cubic_after_loss_at_100();
	/* ssthresh = 0.7 * 146000 = 102200; + 3 MSS while recovering. */
	ck_assert_uint_eq(cc.ssthresh, 102200);
	ck_assert_uint_eq(cc.cwnd, 102200 + 3 * MSS);
	ck_assert_uint_eq(cc.cubic.w_max, 146000);
	ck_assert_uint_eq(cc.cubic.cwnd_prior, 146000);
	ck_assert(cc.in_recovery);
	capnet_tcp_cc_on_recovery_exit(&cc, 102200, CAPNET_S(10) + CAPNET_MS(100));
	ck_assert_uint_eq(cc.cwnd, 102200);
	/* The first ACK in congestion avoidance starts the epoch. */
	capnet_tcp_cc_on_ack(&cc, MSS, cc.cwnd, CAPNET_MS(100), 0, CAPNET_S(11));
	ck_assert_int_eq(cc.cubic.epoch, CAPNET_S(11));
	ck_assert_uint_eq(cc.cubic.cwnd_epoch, 102200);
	ck_assert_uint_eq(cc.cubic.k_us, 4217000);
	/* W_est = cwnd_epoch + 9/17 * 1460 * 1460 / 102200 = + 11.04 bytes,
	 * just above W_cubic(0): the Reno-friendly rule sets cwnd to it. */
	ck_assert_uint_eq(cc.cubic.w_est, 102211);
	ck_assert_uint_eq(cc.cwnd, 102211);
	/* W_cubic(0) is cwnd_epoch to the 1 ms resolution of K: 146000 +
	 * trunc(trunc(-4217^3 / 2.5e6) * 1460 / 1000) = 146000 - 43794. */
	ck_assert_uint_eq(capnet_tcp_cc_cubic_window(&cc, 0), 102206);
	ck_assert_uint_eq(capnet_tcp_cc_cubic_window(&cc, 4217000), 146000);
}
END_TEST

START_TEST(test_cubic_fast_convergence)
{
	struct capnet_tcp_cc cc = cubic_after_loss_at_100();
	capnet_tcp_cc_on_recovery_exit(&cc, 102200, 0);
	/* Grow to 80 segments, below the last maximum of 100, and lose
	 * again: W_max = 116800 * (1 + 0.7) / 2 = 99280, ssthresh = 81760. */
	capnet_instant now = CAPNET_S(11);
	cc.cwnd = 80 * MSS; /* as if grown there */
	capnet_tcp_cc_on_fast_retransmit(&cc, 80 * MSS, now);
	ck_assert_uint_eq(cc.cubic.w_max, 99280);
	ck_assert_uint_eq(cc.cubic.cwnd_prior, 116800);
	ck_assert_uint_eq(cc.ssthresh, 81760);
	/* A loss at or above the maximum: W_max = cwnd. */
	capnet_tcp_cc_on_recovery_exit(&cc, 81760, now);
	cc.cwnd = 120 * MSS;
	capnet_tcp_cc_on_fast_retransmit(&cc, 120 * MSS, now);
	ck_assert_uint_eq(cc.cubic.w_max, 175200);
	ck_assert_uint_eq(cc.ssthresh, 122640);
}
END_TEST

START_TEST(test_cubic_concave_then_convex)
{
	struct capnet_tcp_cc cc = cubic_after_loss_at_100();
	capnet_instant now = CAPNET_S(10) + CAPNET_MS(100);
	const capnet_duration rtt = CAPNET_MS(100);
	capnet_tcp_cc_on_recovery_exit(&cc, 102200, now);
	ack_one_rtt(&cc, &now, rtt);
	capnet_instant epoch = cc.cubic.epoch;
	ck_assert_int_gt(epoch, 0);
	ck_assert_uint_eq(cc.cubic.k_us, 4217000);

	/* cwnd at whole seconds of the epoch: */
	uint32_t at[11];
	int sec = 0;
	bool checked_k = false;
	while (sec <= 10) {
		ack_one_rtt(&cc, &now, rtt);
		if (!checked_k && now - epoch >= (capnet_duration)cc.cubic.k_us) {
			/* At t = K the window is back at W_max, within one MSS. */
			uint32_t d = cc.cwnd > 146000 ? cc.cwnd - 146000 : 146000 - cc.cwnd;
			ck_assert_msg(d <= MSS, "cwnd %u at t=K", cc.cwnd);
			checked_k = true;
		}
		if (now - epoch >= CAPNET_S(sec))
			at[sec++] = cc.cwnd;
		/* Never above W_cubic one RTT ahead or the Reno-friendly W_est
		 * (which, at 70 + 0.53 segments per RTT, meets the curve's
		 * flat part around t = 6 s). */
		uint32_t w = capnet_tcp_cc_cubic_window(&cc, now - epoch + rtt);
		ck_assert_uint_le(cc.cwnd, (w > cc.cubic.w_est ? w : cc.cubic.w_est) + 1);
	}
	ck_assert(checked_k);
	/* Concave below W_max: fast at first, flattening towards it. */
	ck_assert_uint_lt(at[1], 146000);
	ck_assert_uint_lt(at[3], 146000);
	ck_assert_uint_gt(at[1] - at[0], at[4] - at[3]);
	ck_assert_uint_gt(at[2] - at[1], at[3] - at[2]);
	/* Plateau around K = 4.2 s: almost no growth. */
	ck_assert_uint_lt(at[5] - at[4], MSS);
	/* Convex above it: growth speeds up again. */
	ck_assert_uint_gt(at[6], 146000 + MSS); /* W(K+1.8) = 100 + 0.4*1.8^3 = 102.3 segments */
	ck_assert_uint_lt(at[6] - at[5], at[8] - at[7]);
	ck_assert_uint_lt(at[8] - at[7], at[10] - at[9]);
	/* And the cubic curve, not the Reno estimate, is what it follows. */
	ck_assert_uint_gt(cc.cwnd, cc.cubic.w_est);
	/* W(10.2 s): 100 + 0.4 * (10.2 - 4.217)^3 = 185.7 segments (271 kB); */
	ck_assert_uint_gt(cc.cwnd, 180 * MSS);
	ck_assert_uint_lt(cc.cwnd, 200 * MSS);
}
END_TEST

START_TEST(test_cubic_reno_friendly_region)
{
	/* W_max 20 segments, RTT 1 ms: K = cbrt(15) = 2.47 s, so 200 ms in
	 * W_cubic is still ~15 segments, while an AIMD flow grows every 1 ms
	 * RTT; CUBIC must follow W_est. */
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_CUBIC);
	while (cc.cwnd < 20 * MSS)
		ack(&cc, MSS);
	capnet_tcp_cc_on_fast_retransmit(&cc, 20 * MSS, 0);
	capnet_tcp_cc_on_recovery_exit(&cc, 14 * MSS, 0);
	ck_assert_uint_eq(cc.cwnd, 14 * MSS);
	capnet_instant now = CAPNET_MS(1);
	const capnet_duration rtt = CAPNET_MS(1);

	/* alpha = 9/17 per RTT until W_est reaches cwnd_prior (20 segments):
	 * 6 segments take 6 * 17 / 9 = 11.3 RTTs. */
	ack_one_rtt(&cc, &now, rtt);
	uint32_t start = cc.cwnd;
	for (int i = 0; i < 10; i++)
		ack_one_rtt(&cc, &now, rtt);
	ck_assert_uint_eq(cc.cwnd, cc.cubic.w_est);
	uint32_t grown = cc.cwnd - start; /* ~ 10 * 9/17 = 5.3 segments */
	ck_assert_msg(grown >= 4 * MSS && grown <= 6 * MSS, "grew %u", grown);

	while (cc.cubic.w_est < cc.cubic.cwnd_prior)
		ack_one_rtt(&cc, &now, rtt);
	/* Then alpha = 1: one segment per RTT, as Reno. */
	start = cc.cwnd;
	for (int i = 0; i < 100; i++)
		ack_one_rtt(&cc, &now, rtt);
	grown = cc.cwnd - start;
	ck_assert_msg(grown >= 98 * MSS && grown <= 101 * MSS, "grew %u", grown);
	ck_assert_uint_eq(cc.cwnd, cc.cubic.w_est);
	ck_assert_uint_gt(cc.cwnd, capnet_tcp_cc_cubic_window(&cc, now - cc.cubic.epoch));
	ck_assert_uint_lt(capnet_tcp_cc_cubic_window(&cc, now - cc.cubic.epoch), 20 * MSS);
}
END_TEST

START_TEST(test_cubic_rto)
{
	struct capnet_tcp_cc cc = cubic_after_loss_at_100();
	capnet_tcp_cc_on_recovery_exit(&cc, 102200, 0);
	/* RTO with 100 segments out: ssthresh = 0.7 * 146000; cwnd 1 MSS. */
	capnet_tcp_cc_on_rto(&cc, 146000, CAPNET_S(12));
	ck_assert_uint_eq(cc.ssthresh, 102200);
	ck_assert_uint_eq(cc.cwnd, MSS);
	ck_assert(cc.cubic.rto_epoch);
	ck_assert_int_eq(cc.cubic.epoch, -1);
	/* Slow start (one MSS per ACK after an RTO) up to ssthresh exactly. */
	int acks = 0;
	while (cc.cwnd < cc.ssthresh) {
		capnet_tcp_cc_on_ack(&cc, 2 * MSS, cc.cwnd, CAPNET_MS(100), 0, CAPNET_S(13));
		acks++;
	}
	ck_assert_int_eq(acks, 69); /* 1460 + 69 * 1460 = 102200 */
	ck_assert_uint_eq(cc.cwnd, 102200);
	/* RFC 9438 4.8: the first epoch after an RTO has K = 0 and W_max =
	 * W_est = cwnd at its start: convex growth from there. */
	capnet_tcp_cc_on_ack(&cc, MSS, cc.cwnd, CAPNET_MS(100), 0, CAPNET_S(14));
	ck_assert_uint_eq(cc.cubic.k_us, 0);
	ck_assert_uint_eq(cc.cubic.w_max, 102200);
	ck_assert_uint_eq(cc.cubic.cwnd_epoch, 102200);
	ck_assert(!cc.cubic.rto_epoch);
	/* W(2 s) = 70 + 0.4 * 2^3 = 73.2 segments = 102200 + 4672 bytes. */
	ck_assert_uint_eq(capnet_tcp_cc_cubic_window(&cc, CAPNET_S(2)), 106872);
}
END_TEST

START_TEST(test_cubic_growth_capped_per_rtt)
{
	/* Far into the convex region the target is clamped to 1.5 cwnd, so
	 * one RTT of ACKs grows the window by at most half. */
	struct capnet_tcp_cc cc = cubic_after_loss_at_100();
	capnet_tcp_cc_on_recovery_exit(&cc, 102200, 0);
	capnet_tcp_cc_on_ack(&cc, MSS, cc.cwnd, CAPNET_MS(100), 0, CAPNET_S(20));
	ck_assert_int_eq(cc.cubic.epoch, CAPNET_S(20));
	/* 30 s later W_cubic is enormous (0.4 * 25.8^3 = 6.9e3 segments). */
	capnet_instant now = CAPNET_S(50);
	uint32_t before = cc.cwnd;
	ack_one_rtt(&cc, &now, CAPNET_MS(100));
	ck_assert_uint_gt(cc.cwnd, before);
	ck_assert_uint_le(cc.cwnd, before + before / 2);
	/* A stretch ACK of everything reaches the target, not beyond. */
	before = cc.cwnd;
	capnet_tcp_cc_on_ack(&cc, 10 * before, before, CAPNET_MS(100), 0, now);
	ck_assert_uint_eq(cc.cwnd, before + before / 2);
}
END_TEST

START_TEST(test_cubic_window_extremes)
{
	struct capnet_tcp_cc cc = cc_new(CAPNET_TCP_CC_CUBIC);
	cc.mss = 65535;
	cc.cubic.w_max = MAXW;
	cc.cubic.k_us = capnet_tcp_cc_cubic_k_us(MAXW, 0, 1);
	/* Far before K: clamps at 0; far after: at CWND_MAX; no overflow. */
	ck_assert_uint_eq(capnet_tcp_cc_cubic_window(&cc, 0), 0);
	ck_assert_uint_eq(capnet_tcp_cc_cubic_window(&cc, -5), 0);
	ck_assert_uint_eq(capnet_tcp_cc_cubic_window(&cc, INT64_MAX), MAXW);
	cc.cubic.k_us = 0;
	ck_assert_uint_eq(capnet_tcp_cc_cubic_window(&cc, CAPNET_S(1000000)), MAXW);
	/* A window at the ceiling stays there through ACKs. */
	struct capnet_tcp_cc big = cc_new(CAPNET_TCP_CC_CUBIC);
	capnet_tcp_cc_on_fast_retransmit(&big, MAXW, 0);
	capnet_tcp_cc_on_recovery_exit(&big, MAXW, 0);
	big.cwnd = MAXW;
	big.ssthresh = MAXW;
	for (int i = 0; i < 100; i++)
		capnet_tcp_cc_on_ack(&big, 65535u * 1000, MAXW, CAPNET_S(1), 0, CAPNET_S(1000) * i);
	ck_assert_uint_le(big.cwnd, MAXW);
	/* Reno too. */
	struct capnet_tcp_cc reno = cc_new(CAPNET_TCP_CC_RENO);
	reno.cwnd = MAXW - 1;
	reno.ssthresh = 1000;
	for (int i = 0; i < 100; i++)
		capnet_tcp_cc_on_ack(&reno, UINT32_MAX, MAXW, 0, 0, 0);
	ck_assert_uint_le(reno.cwnd, MAXW);
}
END_TEST

START_TEST(test_cubic_none_reno_same_loss_different_windows)
{
	/* One scripted path, three controllers: the same loss at 100
	 * segments leaves None untouched, Reno at 50 and CUBIC at 70. */
	static const enum capnet_tcp_cc_algo algos[] = {CAPNET_TCP_CC_NONE, CAPNET_TCP_CC_RENO, CAPNET_TCP_CC_CUBIC};
	static const uint32_t want[] = {MAXW, 73000, 102200};
	for (size_t i = 0; i < 3; i++) {
		struct capnet_tcp_cc cc = cc_new(algos[i]);
		for (int a = 0; a < 97; a++)
			ack(&cc, MSS);
		capnet_tcp_cc_on_fast_retransmit(&cc, 146000, 0);
		capnet_tcp_cc_on_recovery_exit(&cc, 146000, 0);
		ck_assert_uint_eq(cc.cwnd, want[i]);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tcp-cc");
	TCase *tc = check_add_case(s, "common", NULL, NULL, 0);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_initial_window);
	tcase_add_test(tc, test_syn_loss_initial_window_one_segment);
	tcase_add_test(tc, test_set_algo);

	tc = check_add_case(s, "none", NULL, NULL, 0);
	tcase_add_test(tc, test_none_never_shrinks);

	tc = check_add_case(s, "reno", NULL, NULL, 0);
	tcase_add_test(tc, test_reno_slow_start);
	tcase_add_test(tc, test_reno_slow_start_abc_option);
	tcase_add_test(tc, test_reno_fast_retransmit);
	tcase_add_test(tc, test_reno_newreno_recovery);
	tcase_add_test(tc, test_pipe_recovery_no_inflation);
	tcase_add_test(tc, test_reno_recovery_exit_small_flight_then_slow_start);
	tcase_add_test(tc, test_reno_congestion_avoidance_byte_counting);
	tcase_add_test(tc, test_reno_rto);
	tcase_add_test(tc, test_reno_rto_ends_recovery);
	tcase_add_test(tc, test_reno_receiver_limited);
	tcase_add_test(tc, test_reno_idle_restart);

	tc = check_add_case(s, "cubic", NULL, NULL, 0);
	tcase_add_test(tc, test_cbrt);
	tcase_add_test(tc, test_cubic_k);
	tcase_add_test(tc, test_cubic_beta_reduction);
	tcase_add_test(tc, test_cubic_fast_convergence);
	tcase_add_test(tc, test_cubic_concave_then_convex);
	tcase_add_test(tc, test_cubic_reno_friendly_region);
	tcase_add_test(tc, test_cubic_rto);
	tcase_add_test(tc, test_cubic_growth_capped_per_rtt);
	tcase_add_test(tc, test_cubic_window_extremes);
	tcase_add_test(tc, test_cubic_none_reno_same_loss_different_windows);
	return s;
}
