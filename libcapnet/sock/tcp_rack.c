/* RACK-TLP (RFC 8985): loss detection by time for SACK connections.
 *
 * A segment is lost when a segment sent sufficiently later was delivered:
 * RACK remembers the transmit time of the most recently sent segment the
 * peer acknowledged or SACKed (RACK.xmit_ts) and deems lost every
 * outstanding segment sent more than RACK.reo_wnd before it whose own
 * RACK.rtt + reo_wnd has passed; one sent within the window waits on the
 * reorder timer. The window is min_RTT/4 (scaled by DSACK-observed
 * spurious retransmissions, bounded by SRTT), and 0 while no reordering
 * was seen and the loss is plain (in recovery, or DupThresh segments
 * SACKed), which is as fast as DupThresh. A lost tail is probed (TLP,
 * tcp_timer.c) 2*SRTT after the last send, and the probe's outcome decides
 * whether a loss happened (7.4).
 *
 * Per-segment transmit times live in a bounded log of transmissions
 * (TCP_XLOG records, oldest first: a burst sent at one instant is one
 * record). When it is full the two records closest in time merge under the
 * later time: a segment may look sent later than it was, which only delays
 * its loss detection (the RTO stays the backstop), never hastens it.
 *
 * What is lost is kept as a frontier: every unSACKed byte below
 * rack.lost and at or above high_rxt awaits retransmission (RFC 6675's
 * NextSeg rule 1 then picks it, and SetPipe counts it out of the pipe). A
 * retransmission deemed lost moves high_rxt back so it is sent again. */
#include <string.h>

#include "tcp_internal.h"

#define REO_WND_PERSIST 16 /* RFC 8985 6.2 step 4: recoveries a widened window lasts */
#define REO_WND_MULT_MAX 64

static const char *const loss_names[] = {"default", "rack", "dupack"};

const char *capnet_tcp_loss_detection_name(enum capnet_tcp_loss_detection d)
{
	return (unsigned)d < sizeof loss_names / sizeof loss_names[0] ? loss_names[d] : "?";
}

int capnet_tcp_loss_detection_parse(const char *name)
{
	for (unsigned i = 0; i < sizeof loss_names / sizeof loss_names[0]; i++)
		if (strcmp(name, loss_names[i]) == 0)
			return (int)i;
	return -1;
}

static struct tcp_board *bd(const struct capnet_tcp_sock *s)
{
	return &s->tcp->boards[s->board - 1];
}

static struct tcp_rack *rk(struct capnet_tcp_sock *s)
{
	return &bd(s)->rack;
}

capnet_instant tcp_rack_deadline(const struct capnet_tcp_sock *s)
{
	return (s->flags & TF_RACK) && s->board ? bd(s)->rack.t_reo : CAPNET_INSTANT_NEVER;
}

/* A flight starts (nothing outstanding, data about to go): RACK runs it
 * when a board can be lent; the state of the last flight is forgotten but
 * what the RFC keeps for the connection's life -- RACK.min_RTT and
 * reordering_seen -- carries over (min_RTT is re-learned from the first
 * delivery; reordering_seen is a flag of the control block). A window
 * widened by DSACK lasts REO_WND_PERSIST recoveries or until the
 * connection goes idle (all acknowledged, nothing queued), whichever
 * comes first. */
static bool flight_start(struct capnet_tcp_sock *s)
{
	if (!tcp_board_get(s))
		return false; /* every board is lent: this flight counts DupThresh */
	struct tcp_board *b = bd(s);
	memset(&b->rack, 0, sizeof b->rack);
	b->rack.t_reo = CAPNET_INSTANT_NEVER;
	s->flags |= TF_RACK;
	return true;
}

void tcp_rack_release(struct capnet_tcp_sock *s)
{
	if (!(s->flags & TF_RACK))
		return;
	s->flags &= ~TF_RACK;
	if (s->tcp != NULL)
		tcp_board_put(s);
}

/* RFC 8985 6.2: RACK_sent_after(t1, seq1, t2, seq2). The RFC breaks a
 * tie of transmit times by sequence, a proxy for sending order that a
 * retransmission sent in the same microsecond as new data would defeat;
 * records carry their sending order, and within one record (a burst of
 * new data or of retransmissions) sequence is sending order. */
static bool sent_after(uint32_t o1, uint32_t seq1, uint32_t o2, uint32_t seq2)
{
	int32_t d = (int32_t)(o1 - o2);
	return d > 0 || (d == 0 && capnet_seq_gt(seq1, seq2));
}

/* ---- the transmission log ---- */

static bool xrxt(const struct tcp_rack *r, unsigned i)
{
	return (r->rxt_mask >> i) & 1u;
}

static void xlog_remove(struct capnet_tcp_sock *s, unsigned k)
{
	struct tcp_rack *r = rk(s);
	struct tcp_xmit *x = bd(s)->xlog;
	memmove(&x[k], &x[k + 1], sizeof *x * (r->nxlog - k - 1));
	uint32_t low = r->rxt_mask & ((1u << k) - 1u);
	r->rxt_mask = low | ((r->rxt_mask >> (k + 1)) << k);
	r->nxlog--;
}

/* Drops what snd_una passed. */
static void xlog_trim(struct capnet_tcp_sock *s)
{
	struct tcp_rack *r = rk(s);
	struct tcp_xmit *x = bd(s)->xlog;
	for (unsigned i = 0; i < r->nxlog;) {
		if (capnet_seq_le(x[i].right, s->snd_una)) {
			xlog_remove(s, i);
			continue;
		}
		if (capnet_seq_lt(x[i].left, s->snd_una))
			x[i].left = s->snd_una;
		i++;
	}
}

void tcp_rack_sent(struct capnet_tcp_sock *s, uint32_t seq, uint32_t len, bool rxt, capnet_instant now)
{
	if (len == 0)
		return;
	if (!(s->flags & TF_RACK)) {
		/* Only a flight that starts now (nothing outstanding) may run RACK. */
		if (s->snd_una != s->snd_max || !flight_start(s))
			return;
	}
	struct tcp_rack *r = rk(s);
	struct tcp_xmit *x = bd(s)->xlog;
	uint32_t ts = (uint32_t)now;
	xlog_trim(s);
	if (r->nxlog > 0) {
		struct tcp_xmit *l = &x[r->nxlog - 1];
		/* The same burst: one record. */
		if (l->ts == ts && l->right == seq && xrxt(r, r->nxlog - 1u) == rxt) {
			l->right = seq + len;
			return;
		}
	}
	if (r->nxlog == TCP_XLOG) {
		/* Full: merge two neighbours in time closest to each other, under
		 * the later time (never makes a loss look earlier). */
		unsigned best = 0;
		uint32_t gap = UINT32_MAX;
		bool exact = false;
		for (unsigned i = 0; i + 1 < r->nxlog; i++) {
			/* Prefer neighbours that continue each other (a flow of new
			 * data), so a merge adds no byte that was not sent by them
			 * and keeps retransmissions apart from new data. */
			bool cont = x[i].right == x[i + 1].left && xrxt(r, i) == xrxt(r, i + 1);
			uint32_t g = x[i + 1].ts - x[i].ts;
			if ((cont && !exact) || (cont == exact && g < gap)) {
				gap = g;
				best = i;
				exact = cont;
			}
		}
		x[best].left = capnet_seq_min(x[best].left, x[best + 1].left);
		x[best].right = capnet_seq_max(x[best].right, x[best + 1].right);
		x[best].ts = x[best + 1].ts;
		x[best].ord = x[best + 1].ord;
		if (xrxt(r, best + 1))
			r->rxt_mask |= 1u << best;
		xlog_remove(s, best + 1);
	}
	x[r->nxlog].left = seq;
	x[r->nxlog].right = seq + len;
	x[r->nxlog].ts = ts;
	x[r->nxlog].ord = r->next_ord++;
	if (rxt)
		r->rxt_mask |= 1u << r->nxlog;
	else
		r->rxt_mask &= ~(1u << r->nxlog);
	r->nxlog++;
}

/* ---- RFC 8985 6.2 ---- */

/* Step 1-3 for the delivered bytes [l, rr): the most recently sent of them
 * moves RACK.xmit_ts; RTT samples; reordering when they lie below fack
 * and were never retransmitted. */
static void delivered(struct capnet_tcp_sock *s, uint32_t l, uint32_t rr, bool fresh, uint32_t fresh_end,
		      capnet_instant now)
{
	struct tcp_rack *r = rk(s);
	const struct tcp_xmit *x = bd(s)->xlog;
	uint32_t t = (uint32_t)now;
	bool orig = false; /* the newest transmission of byte l was not a retransmission */
	for (int i = (int)r->nxlog - 1; i >= 0; i--) {
		if (capnet_seq_le(x[i].left, l) && capnet_seq_lt(l, x[i].right)) {
			orig = !xrxt(r, (unsigned)i);
			break;
		}
	}
	for (int i = (int)r->nxlog - 1; i >= 0; i--) {
		if (!capnet_seq_lt(x[i].left, rr) || !capnet_seq_gt(x[i].right, l))
			continue;
		uint32_t end = capnet_seq_min(x[i].right, rr);
		uint32_t rtt = t - x[i].ts;
		/* Step 1: a retransmission ACKed sooner than min_RTT after it
		 * went out was the original's delivery: no sample (ambiguity). */
		if (xrxt(r, (unsigned)i) && r->min_rtt != 0 && rtt < r->min_rtt)
			continue;
		if (r->min_rtt == 0 || rtt < r->min_rtt)
			r->min_rtt = rtt ? rtt : 1;
		if (!r->valid || sent_after(x[i].ord, end, r->xmit_ord, r->end_seq)) {
			r->xmit_ts = x[i].ts;
			r->xmit_ord = x[i].ord;
			r->end_seq = end;
			r->rtt = rtt;
			r->valid = true;
		}
	}
	/* Step 3: reordering -- an original transmission newly delivered
	 * below the highest sequence delivered before it. */
	if (fresh && orig && r->fack_set && capnet_seq_lt(fresh_end, r->fack))
		s->flags |= TF_REORDERED;
	if (!r->fack_set || capnet_seq_gt(rr, r->fack)) {
		r->fack = rr;
		r->fack_set = true;
	}
}

uint32_t tcp_rack_reo_wnd(const struct capnet_tcp_sock *s)
{
	if (!tcp_rack_on(s) || !s->board)
		return 0;
	const struct tcp_rack *r = &bd(s)->rack;
	if (!(s->flags & TF_REORDERED)) {
		if (s->flags & (TF_RECOVERY | TF_RTO_RECOVERY))
			return 0;
		if (tcp_score_sacked_bytes(s) > (uint32_t)(TCP_DUPTHRESH - 1) * s->snd_mss)
			return 0;
	}
	uint64_t w = (uint64_t)(r->reo_wnd_mult + 1u) * r->min_rtt / 4;
	if (s->srtt != 0 && w > s->srtt)
		w = s->srtt;
	return (uint32_t)w;
}

/* The first byte at or above a, below end, that is neither SACKed nor
 * sent again in a record newer than k. */
static uint32_t live_from(const struct capnet_tcp_sock *s, unsigned k, uint32_t a, uint32_t end)
{
	const struct tcp_xmit *x = bd(s)->xlog;
	for (unsigned guard = 0; guard < 2u * TCP_XLOG + 2u * TCP_BOARD_RANGES && capnet_seq_lt(a, end); guard++) {
		uint32_t b = tcp_score_skip(s, a);
		for (unsigned j = k + 1; j < bd(s)->rack.nxlog; j++)
			if (capnet_seq_le(x[j].left, b) && capnet_seq_lt(b, x[j].right))
				b = x[j].right;
		if (b == a)
			return a;
		a = b;
	}
	return capnet_seq_lt(a, end) ? a : end;
}

/* Where the live run from a ends: the next SACKed byte or newer record. */
static uint32_t live_to(const struct capnet_tcp_sock *s, unsigned k, uint32_t a, uint32_t end)
{
	const struct tcp_xmit *x = bd(s)->xlog;
	uint32_t b = tcp_score_next_sacked(s, a, end);
	for (unsigned j = k + 1; j < bd(s)->rack.nxlog; j++)
		if (capnet_seq_gt(x[j].left, a) && capnet_seq_lt(x[j].left, b))
			b = x[j].left;
	return b;
}

/* Records [a, b) -- a retransmission deemed lost -- for resending; false
 * when it was known. With no room left, falls back to resending every
 * retransmitted hole from a (high_rxt moves back). */
static bool relost_add(struct capnet_tcp_sock *s, uint32_t a, uint32_t b)
{
	struct tcp_rack *r = rk(s);
	for (unsigned i = 0; i < r->nrelost; i++) {
		struct tcp_range *q = &r->relost[i];
		if (capnet_seq_le(q->left, a) && capnet_seq_ge(q->right, b))
			return false;
		if (capnet_seq_le(q->left, b) && capnet_seq_ge(q->right, a)) {
			q->left = capnet_seq_min(q->left, a);
			q->right = capnet_seq_max(q->right, b);
			return true;
		}
	}
	if (r->nrelost < sizeof r->relost / sizeof r->relost[0]) {
		r->relost[r->nrelost].left = a;
		r->relost[r->nrelost].right = b;
		r->nrelost++;
		return true;
	}
	if (capnet_seq_lt(a, s->high_rxt))
		s->high_rxt = a;
	return true;
}

static void relost_trim(struct capnet_tcp_sock *s)
{
	struct tcp_rack *r = rk(s);
	unsigned k = 0;
	for (unsigned i = 0; i < r->nrelost; i++) {
		struct tcp_range q = r->relost[i];
		if (capnet_seq_lt(q.left, s->snd_una))
			q.left = s->snd_una;
		q.left = tcp_score_skip(s, q.left);
		if (capnet_seq_lt(q.left, q.right))
			r->relost[k++] = q;
	}
	r->nrelost = (uint8_t)k;
}

bool tcp_rack_next_lost(struct capnet_tcp_sock *s, uint32_t *seq, uint32_t *len)
{
	if (!tcp_rack_on(s))
		return false;
	struct tcp_rack *r = rk(s);
	relost_trim(s);
	if (r->nrelost > 0) {
		struct tcp_range *q = &r->relost[0];
		uint32_t end = tcp_score_next_sacked(s, q->left, q->right);
		uint32_t n = end - q->left;
		*seq = q->left;
		*len = n < s->snd_mss ? n : s->snd_mss;
		/* taken: what is not sent stays for the next call */
		q->left += *len;
		if (!capnet_seq_lt(q->left, q->right)) {
			memmove(&r->relost[0], &r->relost[1], sizeof r->relost[0] * (r->nrelost - 1u));
			r->nrelost--;
		}
		return true;
	}
	return false;
}

uint32_t tcp_rack_relost_bytes(const struct capnet_tcp_sock *s)
{
	if (!tcp_rack_on(s))
		return 0;
	const struct tcp_rack *r = &bd(s)->rack;
	uint32_t n = 0;
	for (unsigned i = 0; i < r->nrelost; i++)
		if (capnet_seq_gt(r->relost[i].right, s->snd_una))
			n += r->relost[i].right - capnet_seq_max(r->relost[i].left, s->snd_una);
	return n;
}

/* Step 5, RACK_detect_loss: marks what is lost; returns the reorder
 * timeout (0: none) and whether anything new was deemed lost. */
static uint32_t detect_loss(struct capnet_tcp_sock *s, capnet_instant now, bool *newly)
{
	struct tcp_rack *r = rk(s);
	const struct tcp_xmit *x = bd(s)->xlog;
	*newly = false;
	if (!r->valid)
		return 0;
	uint32_t reo = tcp_rack_reo_wnd(s), t = (uint32_t)now;
	int64_t timeout = 0;
	for (unsigned k = 0; k < r->nxlog; k++) {
		uint32_t a = capnet_seq_max(x[k].left, s->snd_una), end = x[k].right;
		for (unsigned guard = 0; guard < 2u * TCP_BOARD_RANGES + TCP_XLOG && capnet_seq_lt(a, end); guard++) {
			a = live_from(s, k, a, end);
			if (!capnet_seq_lt(a, end))
				break;
			uint32_t b = live_to(s, k, a, end);
			if (!sent_after(r->xmit_ord, r->end_seq, x[k].ord, b))
				break; /* later runs of this record are later still */
			int64_t remaining = (int64_t)(int32_t)(x[k].ts - t) + (int64_t)r->rtt + reo;
			if (remaining <= 0) {
				bool has = r->lost_set && capnet_seq_gt(r->lost, s->snd_una);
				if (!has || capnet_seq_gt(b, r->lost)) {
					r->lost = b;
					r->lost_set = true;
					*newly = true;
				}
				if (xrxt(r, k) && capnet_seq_lt(a, s->high_rxt) && relost_add(s, a, b))
					*newly = true; /* a retransmission was lost: send it again */
			} else if (remaining > timeout) {
				timeout = remaining;
			}
			a = b;
		}
	}
	return (uint32_t)timeout;
}

/* Loss found outside recovery: RFC 6675 5 steps 4.1-4.3 with RACK's idea
 * of what is lost. */
static void enter_recovery(struct capnet_tcp_sock *s, capnet_instant now)
{
	s->flags |= TF_RECOVERY;
	s->flags &= ~(TF_RESCUED | TF_RXT_MARK);
	s->recover = s->snd_max;
	s->high_rxt = s->snd_una;
	if (s->fast_rexmits < UINT16_MAX)
		s->fast_rexmits++;
	TCP_COUNT(s->tcp, tcp_fast_rexmits);
	capnet_tcp_cc_on_fast_retransmit_pipe(&s->cc, s->snd_max - s->snd_una, now);
	/* The first lost segment goes now, whatever the pipe (4.3). */
	uint32_t seq, len;
	if (tcp_score_next_hole(s, true, &seq, &len)) {
		uint32_t n = tcp_retransmit(s, seq, len, now);
		s->high_rxt = seq + n;
	}
	if (s->flags & TF_TLP_ARMED)
		tcp_rexmt_arm(s, now, true); /* recovery runs on the RTO, not a probe */
}

static void detect_and_arm(struct capnet_tcp_sock *s, capnet_instant now)
{
	bool newly;
	uint32_t timeout = detect_loss(s, now, &newly);
	/* Step 6: the reorder timer covers what may still be reordering. */
	rk(s)->t_reo = timeout ? now + timeout : CAPNET_INSTANT_NEVER;
	if (newly && !(s->flags & (TF_RECOVERY | TF_RTO_RECOVERY)))
		enter_recovery(s, now);
}

/* RFC 2883: the first block reports a duplicate when it lies below the
 * cumulative ACK or inside the second block. */
static bool is_dsack(const struct capnet_tcp_options *opt, uint32_t ack)
{
	if (opt->sack_count == 0)
		return false;
	const struct capnet_tcp_sack_block *b = opt->sack;
	if (capnet_seq_le(b[0].right, ack))
		return true;
	return opt->sack_count > 1 && capnet_seq_le(b[1].left, b[0].left) && capnet_seq_le(b[0].right, b[1].right);
}

/* RFC 8985 7.4.2: what the probe's ACK says. A retransmitted probe whose
 * ACK covers more than the probe, without a DSACK for it, repaired a real
 * loss: the congestion controller answers as for one loss event. */
static void tlp_process_ack(struct capnet_tcp_sock *s, uint32_t ack, const struct capnet_tcp_options *opt,
			    bool dsack, bool pure_dup, capnet_instant now)
{
	struct tcp_rack *r = rk(s);
	if (!(s->flags & TF_TLP_SENT) || !r->tlp_pending || !capnet_seq_ge(ack, r->tlp_end_seq))
		return;
	if (!r->tlp_is_retrans) {
		r->tlp_pending = false; /* the probe of new data arrived */
	} else if (dsack && opt->sack[0].right == r->tlp_end_seq) {
		r->tlp_pending = false; /* the probe was redundant: nothing was lost */
	} else if (capnet_seq_gt(ack, r->tlp_end_seq)) {
		r->tlp_pending = false; /* the probe repaired a loss */
		if (!(s->flags & (TF_RECOVERY | TF_RTO_RECOVERY))) {
			uint32_t flight = s->snd_max - s->snd_una;
			capnet_tcp_cc_on_fast_retransmit_pipe(&s->cc, flight, now);
			capnet_tcp_cc_on_recovery_exit(&s->cc, flight, now);
		}
	} else if (pure_dup && opt->sack_count == 0) {
		r->tlp_pending = false;
	}
	if (!r->tlp_pending)
		s->flags &= ~TF_TLP_SENT;
}

bool tcp_rack_on_ack(struct capnet_tcp_sock *s, uint32_t old_una, const struct capnet_tcp_options *opt,
		     uint8_t fresh, capnet_instant now)
{
	struct tcp_rack *r = rk(s);
	bool was = (s->flags & TF_RECOVERY) != 0;
	uint32_t ack = s->snd_una;
	bool dsack = is_dsack(opt, ack);
	/* What the cumulative ACK newly delivered ends at the first byte
	 * that was SACKed before. */
	if (capnet_seq_gt(ack, old_una))
		delivered(s, old_una, ack, true, capnet_seq_min(ack, r->hole_end), now);
	for (unsigned i = dsack ? 1u : 0u; i < opt->sack_count && i < CAPNET_TCP_MAX_SACK_BLOCKS; i++) {
		uint32_t l = opt->sack[i].left, rr = opt->sack[i].right;
		if (!capnet_seq_lt(l, rr) || capnet_seq_gt(rr, s->snd_max) || !capnet_seq_gt(rr, old_una))
			continue;
		delivered(s, capnet_seq_max(l, old_una), rr, (fresh >> i) & 1u, rr, now);
	}
	/* Step 4: a DSACK says a retransmission was spurious: widen the
	 * window, once per round trip, for the next REO_WND_PERSIST recoveries. */
	if (dsack) {
		if (!r->dsack_round_set || capnet_seq_ge(s->snd_una, r->dsack_round)) {
			if (r->reo_wnd_mult + 1u < REO_WND_MULT_MAX)
				r->reo_wnd_mult++;
			r->dsack_round = s->snd_max;
			r->dsack_round_set = true;
		}
		r->reo_wnd_persist = REO_WND_PERSIST;
	}
	tlp_process_ack(s, ack, opt, dsack, ack == old_una && opt->sack_count == 0, now);
	xlog_trim(s);
	if (s->snd_una == s->snd_max) {
		/* Everything sent is acknowledged; with nothing more queued the
		 * connection is idle and the board goes back. */
		s->flags &= ~TF_TLP_SENT;
		r->t_reo = CAPNET_INSTANT_NEVER;
		r->lost_set = false;
		r->nrelost = 0;
		r->tlp_pending = false;
		if (s->snd.len == 0)
			tcp_rack_release(s);
		return false;
	}
	if (!(s->flags & TF_RTO_RECOVERY))
		detect_and_arm(s, now);
	return !was && (s->flags & TF_RECOVERY);
}

uint8_t tcp_rack_fresh_blocks(struct capnet_tcp_sock *s, const struct capnet_tcp_options *opt)
{
	uint8_t m = 0;
	rk(s)->hole_end = tcp_score_next_sacked(s, s->snd_una, s->snd_max);
	for (unsigned i = 0; i < opt->sack_count && i < CAPNET_TCP_MAX_SACK_BLOCKS; i++) {
		uint32_t l = capnet_seq_max(opt->sack[i].left, s->snd_una), rr = opt->sack[i].right;
		if (capnet_seq_lt(l, rr) && capnet_seq_lt(tcp_score_skip(s, l), rr))
			m |= (uint8_t)(1u << i);
	}
	return m;
}

void tcp_rack_disarm(struct capnet_tcp_sock *s)
{
	if (tcp_rack_on(s) && s->board)
		rk(s)->t_reo = CAPNET_INSTANT_NEVER;
}

void tcp_rack_timeout(struct capnet_tcp_sock *s, capnet_instant now)
{
	tcp_rack_disarm(s);
	if (!tcp_rack_on(s) || s->snd_una == s->snd_max || (s->flags & TF_RTO_RECOVERY))
		return;
	detect_and_arm(s, now);
	tcp_output(s, now);
}

void tcp_rack_on_rto(struct capnet_tcp_sock *s)
{
	struct tcp_rack *r = rk(s);
	r->t_reo = CAPNET_INSTANT_NEVER;
	r->lost_set = false;
	r->nrelost = 0;
	r->tlp_pending = false;
	s->flags &= ~TF_TLP_SENT;
}

void tcp_rack_tlp_sent(struct capnet_tcp_sock *s, uint32_t end, bool retrans)
{
	struct tcp_rack *r = rk(s);
	r->tlp_end_seq = end;
	r->tlp_is_retrans = retrans;
	r->tlp_pending = true;
}

void tcp_rack_recovery_exit(struct capnet_tcp_sock *s)
{
	struct tcp_rack *r = rk(s);
	r->lost_set = false;
	r->nrelost = 0;
	if (r->reo_wnd_persist > 0 && --r->reo_wnd_persist == 0)
		r->reo_wnd_mult = 0;
}

bool tcp_rack_lost(const struct capnet_tcp_sock *s, uint32_t *lost)
{
	if (!tcp_rack_on(s))
		return false;
	const struct tcp_rack *r = &bd(s)->rack;
	if (!r->lost_set || !capnet_seq_gt(r->lost, s->snd_una))
		return false;
	*lost = r->lost;
	return true;
}
