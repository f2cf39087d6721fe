/* TCP congestion control as a small interface (RFC 5681 vocabulary), so a
 * socket can run None, Reno or CUBIC and the state machine never branches
 * on which. Integer / fixed-point only: the core must not need an FPU.
 *
 * Units: windows and byte counts in bytes; times in microseconds (a
 * capnet_instant / capnet_duration); CUBIC's C and beta as exact ratios.
 *
 * Who does what in loss recovery (NewReno, RFC 6582). The state machine
 * owns detection: it counts duplicate ACKs, keeps `recover` (snd_nxt when
 * recovery began), retransmits, and tells a full ACK (ack >= recover) from
 * a partial one. The controller owns every write to cwnd and ssthresh. The
 * state machine calls, per connection:
 *
 *   established (MSS known)        capnet_tcp_cc_init()
 *   SYN or SYN-ACK was resent      capnet_tcp_cc_on_syn_loss()   (IW -> 1 MSS)
 *   ACK of new data, not in recovery
 *                                  capnet_tcp_cc_on_ack()
 *   third duplicate ACK            capnet_tcp_cc_on_fast_retransmit(), then
 *                                  retransmit snd_una, set recover = snd_nxt
 *   each further duplicate ACK in recovery
 *                                  capnet_tcp_cc_on_dupack()     (inflate)
 *   partial ACK in recovery        capnet_tcp_cc_on_partial_ack() (deflate),
 *                                  retransmit the next hole, re-arm the RTO
 *   (a state machine that instead counts departed segments out of its
 *   flight estimate -- RFC 6675 pipe with SACK, or a NewReno dupack
 *   credit -- enters with capnet_tcp_cc_on_fast_retransmit_pipe(): cwnd
 *   is then ssthresh, and on_dupack / on_partial_ack do nothing)
 *   full ACK in recovery           capnet_tcp_cc_on_recovery_exit()
 *                                  (not on_ack for that ACK)
 *   retransmission timer fired     capnet_tcp_cc_on_rto() (also ends recovery)
 *   idle longer than the RTO       capnet_tcp_cc_on_idle()       (optional)
 *
 * Sending is then limited to min(capnet_tcp_cc_window(), snd_wnd) bytes in
 * flight. During recovery the window includes the NewReno inflation, so
 * the same comparison sends new data as duplicate ACKs arrive. */
#ifndef CAPNET_TCP_CC_H
#define CAPNET_TCP_CC_H

#include "capnet/types.h"

enum capnet_tcp_cc_algo {
	CAPNET_TCP_CC_NONE = 0, /* no congestion control: the peer's window alone limits sending */
	CAPNET_TCP_CC_RENO,     /* RFC 5681 + NewReno recovery (RFC 6582) */
	CAPNET_TCP_CC_CUBIC,    /* RFC 9438 */
	CAPNET_TCP_CC__COUNT
};
/* "none" / "reno" / "cubic"; "?" for a value outside the enum. */
const char *capnet_tcp_cc_name(enum capnet_tcp_cc_algo a);
/* "none" / "reno" / "cubic" -> algo; -1 when unknown (or NULL). */
int capnet_tcp_cc_parse(const char *name);

/* NONE's cwnd, and the ceiling of every controller's: above the largest
 * window a peer can advertise (65535 << 14), so the peer's window rules,
 * and far enough below 2^32 that cwnd + flight or snd_una + cwnd cannot
 * wrap. Also the initial ssthresh ("arbitrarily high", RFC 5681 3.1). */
#define CAPNET_TCP_CC_CWND_MAX (1u << 30)

/* The controller's state, embedded in every TCP control block. Read cwnd,
 * ssthresh and in_recovery freely; change them only through the calls. */
struct capnet_tcp_cc {
	enum capnet_tcp_cc_algo algo;
	uint32_t mss;         /* sender MSS (SMSS) in bytes */
	uint32_t cwnd;        /* bytes */
	uint32_t ssthresh;    /* bytes */
	uint32_t bytes_acked; /* congestion-avoidance byte counting (RFC 3465) */
	/* one-bit flags: the control block is counted in bytes */
	bool in_recovery : 1;    /* from on_fast_retransmit to on_recovery_exit / on_rto */
	bool recovery_pipe : 1;  /* entered by on_fast_retransmit_pipe: no inflation */
	bool rto_slow_start : 1; /* slow start after an RTO: grow by <= 1 MSS per ACK (RFC 3465 2.3) */
	bool rto_backoff : 1;    /* an RTO with no new data acknowledged since (RFC 5681 eqn 4 note) */
	bool abc : 1;            /* slow start by RFC 3465 ABC, L = 2 SMSS per ACK (Experimental);
				    false: RFC 5681 3.1, at most SMSS per ACK. Set after init. */
	/* CUBIC (RFC 9438 4): times in microseconds, windows in bytes. */
	struct { /* 64-bit fields first: no padding (the control block is counted in bytes) */
		capnet_instant epoch;  /* start of the current congestion-avoidance epoch; -1: none */
		uint64_t cwnd_acc;     /* byte-counting remainders: a growth numerator not yet */
		uint64_t est_acc;      /*   worth one byte of cwnd / w_est */
		uint32_t w_max;        /* window before the last reduction (after fast convergence) */
		uint32_t w_est;        /* Reno-friendly estimate (4.3) */
		uint32_t k_us;         /* time to reach w_max again, microseconds (1 ms resolution) */
		uint32_t cwnd_prior;   /* cwnd when the last reduction happened (4.6) */
		uint32_t cwnd_epoch;   /* cwnd when the epoch began (4.2) */
		bool rto_epoch;        /* the next epoch follows an RTO: K = 0, W_max = cwnd (4.8) */
	} cubic;
};

/* RFC 5681 3.1 (RFC 3390): min(4*MSS, max(2*MSS, 4380)) bytes. */
uint32_t capnet_tcp_cc_initial_window(uint32_t mss);

/* Once the connection is synchronized and the send MSS known. `mss` 0 is
 * taken as 536 (RFC 9293 3.7.1); an unknown algo as NONE. `peer_window`
 * is not used by the current controllers (pass snd_wnd). */
void capnet_tcp_cc_init(struct capnet_tcp_cc *cc, enum capnet_tcp_cc_algo algo, uint32_t mss,
			uint32_t peer_window);
/* RFC 5681 3.1: a SYN or SYN-ACK was lost, so the initial window is one
 * segment. Call right after init. */
void capnet_tcp_cc_on_syn_loss(struct capnet_tcp_cc *cc);
/* Switches algorithm mid-connection (capnet_tcp_set_cc). Between Reno and
 * CUBIC cwnd and ssthresh carry over (CUBIC starts a fresh epoch). To NONE
 * cwnd becomes CWND_MAX; from NONE, whose cwnd means nothing, the new
 * controller starts in slow start at max(IW, flight). */
void capnet_tcp_cc_set_algo(struct capnet_tcp_cc *cc, enum capnet_tcp_cc_algo algo, uint32_t flight);

/* New data acknowledged outside recovery: `acked` bytes newly acked by
 * this ACK. `flight` is unused (reserved for RFC 7661 cwnd validation).
 * `rtt` is the smoothed RTT (srtt; 0 before the first sample), CUBIC's
 * RTT in W_cubic(t + RTT). `peer_window` is the peer's window in bytes,
 * scaled (snd_wnd): cwnd does not grow while it is >= peer_window, since
 * the peer, not the network, is limiting (0 means unknown: no limit). */
void capnet_tcp_cc_on_ack(struct capnet_tcp_cc *cc, uint32_t acked, uint32_t flight, capnet_duration rtt,
			  uint32_t peer_window, capnet_instant now);
/* Entering fast recovery (third duplicate ACK, or SACK loss detection).
 * `flight` is FlightSize: snd_nxt - snd_una when the loss was detected.
 * ssthresh = max(flight * beta, 2*MSS) (beta 1/2 Reno, 7/10 CUBIC), and
 * cwnd = ssthresh + 3*MSS (RFC 5681 3.2 steps 2 and 3). */
void capnet_tcp_cc_on_fast_retransmit(struct capnet_tcp_cc *cc, uint32_t flight, capnet_instant now);
/* The same loss response for a sender whose flight estimate in recovery
 * already excludes what the duplicate ACKs say has left (RFC 6675 pipe):
 * the same ssthresh, and cwnd = ssthresh (RFC 6675 5 step 4.2, RFC 9438
 * 4.6), never inflated or deflated. Recovery ends the same way. */
void capnet_tcp_cc_on_fast_retransmit_pipe(struct capnet_tcp_cc *cc, uint32_t flight, capnet_instant now);
/* A further duplicate ACK in recovery: cwnd += MSS (RFC 5681 3.2 step 4).
 * Not in pipe recovery. */
void capnet_tcp_cc_on_dupack(struct capnet_tcp_cc *cc);
/* A partial ACK in recovery acknowledging `acked` new bytes: cwnd -= acked,
 * then += MSS when acked >= MSS (RFC 6582 3.2 step 3, partial
 * acknowledgment); never below 1 MSS. Not in pipe recovery. */
void capnet_tcp_cc_on_partial_ack(struct capnet_tcp_cc *cc, uint32_t acked);
/* Leaving fast recovery on a full ACK (RFC 6582 3.2 step 3, option 1):
 * cwnd = min(ssthresh, max(flight, MSS) + MSS), `flight` being what is
 * outstanding after that ACK. The ACK's bytes are not also given to
 * on_ack. No effect when not in recovery. */
void capnet_tcp_cc_on_recovery_exit(struct capnet_tcp_cc *cc, uint32_t flight, capnet_instant now);
/* Retransmission timeout (RFC 5681 eqn 4; cwnd to one segment). `flight`
 * is snd_nxt - snd_una when the timer fired. A repeated RTO with no new
 * data acknowledged in between keeps ssthresh (RFC 5681 3.1). */
void capnet_tcp_cc_on_rto(struct capnet_tcp_cc *cc, uint32_t flight, capnet_instant now);
/* Nothing sent for longer than the RTO (RFC 5681 4.1): cwnd is cut to the
 * restart window min(IW, cwnd); CUBIC starts a new epoch when it grows. */
void capnet_tcp_cc_on_idle(struct capnet_tcp_cc *cc);

/* The send window the controller allows, before the peer window is applied. */
static inline uint32_t capnet_tcp_cc_window(const struct capnet_tcp_cc *cc)
{
	return cc->cwnd;
}

#endif
