/* Selective acknowledgment (RFC 2018) both ways, and the sender's loss
 * recovery scoreboard (RFC 6675).
 *
 * Receiver: bytes that arrive above rcv_nxt are written straight into the
 * receive ring at their offset; what is held is described by at most
 * TCP_OOO_MAX ranges, kept most-recent-first so the first SACK block is
 * the one holding the latest segment (RFC 2018 4). The bound is the
 * out-of-order queue bound: a segment that would need another range is
 * dropped (the sender retransmits it) and counted.
 *
 * Sender: the scoreboard keeps the lowest SACKed ranges above snd_una,
 * sorted: TCP_SCORE_MAX in the control block, or TCP_BOARD_RANGES in a
 * board borrowed from the layer's side pool while SACK holes exist (a
 * connection that finds the pool empty keeps the small one). Forgetting
 * higher ranges only makes the sender more conservative (their bytes count
 * as in flight, not delivered).
 *
 * Lost retransmissions (RFC 6675 alone repairs each hole once, then waits
 * for the RTO): rxt_mark is snd_max at the latest retransmission, so data
 * at or above it was first sent after every retransmission still
 * unacknowledged. When such data is SACKed while a retransmitted hole
 * (below high_rxt) is still missing, that retransmission was lost --
 * barring reordering, the same evidence RFC 8985 RACK uses -- and
 * high_rxt falls back so NextSeg repairs the hole again. */
#include <string.h>

#include "tcp_internal.h"

/* ---- receiver ---- */

static void ooo_remove(struct capnet_tcp_sock *s, unsigned i)
{
	memmove(&s->u.c.ooo[i], &s->u.c.ooo[i + 1], sizeof(struct tcp_range) * (s->nooo - i - 1));
	s->nooo--;
}

bool tcp_ooo_add(struct capnet_tcp_sock *s, uint32_t left, uint32_t right)
{
	/* Absorb every range that overlaps or touches the new one. */
	for (unsigned i = 0; i < s->nooo;) {
		struct tcp_range *r = &s->u.c.ooo[i];
		if (capnet_seq_le(r->left, right) && capnet_seq_ge(r->right, left)) {
			left = capnet_seq_min(left, r->left);
			right = capnet_seq_max(right, r->right);
			ooo_remove(s, i);
			continue;
		}
		i++;
	}
	if (s->nooo >= s->tcp->cfg.ooo_ranges)
		return false;
	memmove(&s->u.c.ooo[1], &s->u.c.ooo[0], sizeof(struct tcp_range) * s->nooo);
	s->u.c.ooo[0].left = left;
	s->u.c.ooo[0].right = right;
	s->nooo++;
	return true;
}

uint32_t tcp_ooo_advance(struct capnet_tcp_sock *s, uint32_t rcv_nxt)
{
	bool again = true;
	while (again) {
		again = false;
		for (unsigned i = 0; i < s->nooo; i++) {
			struct tcp_range *r = &s->u.c.ooo[i];
			if (capnet_seq_le(r->left, rcv_nxt)) {
				if (capnet_seq_gt(r->right, rcv_nxt))
					rcv_nxt = r->right;
				ooo_remove(s, i);
				again = true;
				break;
			}
		}
	}
	return rcv_nxt;
}

uint32_t tcp_ooo_bytes(const struct capnet_tcp_sock *s)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < s->nooo; i++)
		n += s->u.c.ooo[i].right - s->u.c.ooo[i].left;
	return n;
}

uint8_t tcp_sack_blocks(const struct capnet_tcp_sock *s, struct capnet_tcp_sack_block *out, uint8_t max)
{
	uint8_t n = 0;
	for (unsigned i = 0; i < s->nooo && n < max; i++, n++) {
		out[n].left = s->u.c.ooo[i].left;
		out[n].right = s->u.c.ooo[i].right;
	}
	return n;
}

/* ---- sender scoreboard ---- */

static struct tcp_range *score_of(struct capnet_tcp_sock *s)
{
	return s->board ? s->tcp->boards[s->board - 1].range : s->u.c.score;
}

static const struct tcp_range *score_c(const struct capnet_tcp_sock *s)
{
	return s->board ? s->tcp->boards[s->board - 1].range : s->u.c.score;
}

static unsigned score_cap(const struct capnet_tcp_sock *s)
{
	return s->board ? TCP_BOARD_RANGES : TCP_SCORE_MAX;
}

uint32_t tcp_boards_for(uint32_t max_sockets)
{
	/* one per four sockets, at least four: only connections with SACK
	 * holes outstanding hold one */
	uint32_t n = max_sockets / 4 + 4;
	if (n > max_sockets)
		n = max_sockets;
	return n > 65535u ? 65535u : n;
}

bool tcp_board_get(struct capnet_tcp_sock *s)
{
	struct capnet_tcp *tcp = s->tcp;
	if (s->board)
		return true;
	if (tcp->board_top == 0)
		return false;
	uint16_t b = tcp->board_free[--tcp->board_top];
	s->board = (uint16_t)(b + 1);
	memcpy(score_of(s), s->u.c.score, sizeof(struct tcp_range) * s->nscore);
	return true;
}

void tcp_board_put(struct capnet_tcp_sock *s)
{
	if (!s->board || !s->tcp || (s->flags & TF_RACK) || s->nscore > TCP_SCORE_MAX)
		return;
	memcpy(s->u.c.score, score_of(s), sizeof(struct tcp_range) * s->nscore);
	s->tcp->board_free[s->tcp->board_top++] = (uint16_t)(s->board - 1);
	s->board = 0;
}

void tcp_score_clear(struct capnet_tcp_sock *s)
{
	s->nscore = 0;
	tcp_board_put(s);
}

static void score_insert(struct capnet_tcp_sock *s, uint32_t left, uint32_t right)
{
	struct tcp_range *sc = score_of(s);
	unsigned cap = score_cap(s);
	/* merge overlapping / adjacent ranges */
	for (unsigned i = 0; i < s->nscore;) {
		if (capnet_seq_le(sc[i].left, right) && capnet_seq_ge(sc[i].right, left)) {
			left = capnet_seq_min(left, sc[i].left);
			right = capnet_seq_max(right, sc[i].right);
			memmove(&sc[i], &sc[i + 1], sizeof *sc * (s->nscore - i - 1));
			s->nscore--;
			continue;
		}
		i++;
	}
	unsigned pos = 0;
	while (pos < s->nscore && capnet_seq_lt(sc[pos].left, left))
		pos++;
	if (s->nscore == cap) {
		if (pos == cap)
			return; /* higher than all we keep: forget it */
		s->nscore--; /* drop the highest */
	}
	memmove(&sc[pos + 1], &sc[pos], sizeof *sc * (s->nscore - pos));
	sc[pos].left = left;
	sc[pos].right = right;
	s->nscore++;
}

bool tcp_score_update(struct capnet_tcp_sock *s, const struct capnet_tcp_options *opt)
{
	uint32_t before = tcp_score_sacked_bytes(s);
	for (unsigned i = 0; i < opt->sack_count && i < CAPNET_TCP_MAX_SACK_BLOCKS; i++) {
		uint32_t l = opt->sack[i].left, r = opt->sack[i].right;
		/* Only blocks wholly inside what is outstanding; a block at or
		 * below snd_una is a D-SACK (RFC 2883) or stale. */
		if (!capnet_seq_lt(l, r) || !capnet_seq_gt(r, s->snd_una) || capnet_seq_gt(r, s->snd_max))
			continue;
		if (capnet_seq_lt(l, s->snd_una))
			l = s->snd_una;
		if (s->nscore >= TCP_SCORE_MAX - 1)
			(void)tcp_board_get(s);
		score_insert(s, l, r);
	}
	return tcp_score_sacked_bytes(s) > before;
}

void tcp_score_ack(struct capnet_tcp_sock *s)
{
	struct tcp_range *sc = score_of(s);
	unsigned k = 0;
	for (unsigned i = 0; i < s->nscore; i++) {
		if (capnet_seq_le(sc[i].right, s->snd_una))
			continue;
		sc[k] = sc[i];
		if (capnet_seq_lt(sc[k].left, s->snd_una))
			sc[k].left = s->snd_una;
		k++;
	}
	s->nscore = (uint8_t)k;
	if (k == 0)
		tcp_score_clear(s); /* no holes: the board goes back */
	if (capnet_seq_lt(s->high_rxt, s->snd_una))
		s->high_rxt = s->snd_una;
}

uint32_t tcp_score_sacked_bytes(const struct capnet_tcp_sock *s)
{
	const struct tcp_range *sc = score_c(s);
	uint32_t n = 0;
	for (unsigned i = 0; i < s->nscore; i++)
		n += sc[i].right - sc[i].left;
	return n;
}

uint32_t tcp_score_skip(const struct capnet_tcp_sock *s, uint32_t seq)
{
	const struct tcp_range *sc = score_c(s);
	for (unsigned i = 0; i < s->nscore; i++)
		if (capnet_seq_le(sc[i].left, seq) && capnet_seq_lt(seq, sc[i].right))
			return sc[i].right;
	return seq;
}

uint32_t tcp_score_next_sacked(const struct capnet_tcp_sock *s, uint32_t seq, uint32_t limit)
{
	const struct tcp_range *sc = score_c(s);
	for (unsigned i = 0; i < s->nscore; i++)
		if (capnet_seq_gt(sc[i].left, seq))
			return capnet_seq_min(sc[i].left, limit);
	return limit;
}

/* Index k such that every unSACKed byte below score[k].left is lost
 * (IsLost, RFC 6675 4): DupThresh SACKed ranges, or more than
 * (DupThresh - 1) * SMSS SACKed bytes, lie above it. -1 when none. */
static int loss_boundary(const struct capnet_tcp_sock *s)
{
	const struct tcp_range *sc = score_c(s);
	uint32_t bytes = 0;
	unsigned count = 0;
	for (int i = (int)s->nscore - 1; i >= 0; i--) {
		bytes += sc[i].right - sc[i].left;
		count++;
		if (count >= TCP_DUPTHRESH || bytes > (uint32_t)(TCP_DUPTHRESH - 1) * s->snd_mss)
			return i;
	}
	return -1;
}

bool tcp_score_is_lost(const struct capnet_tcp_sock *s, uint32_t seq)
{
	uint32_t lost;
	if (tcp_rack_on(s))
		return tcp_rack_lost(s, &lost) && capnet_seq_lt(seq, lost) && tcp_score_skip(s, seq) == seq;
	int k = loss_boundary(s);
	return k >= 0 && capnet_seq_lt(seq, score_c(s)[k].left) && tcp_score_skip(s, seq) == seq;
}

/* SetPipe: each unSACKed byte counts once if not lost, once more if
 * retransmitted (below HighRxt). */
uint32_t tcp_score_pipe(const struct capnet_tcp_sock *s)
{
	const struct tcp_range *sc = score_c(s);
	int k = loss_boundary(s);
	/* RACK (tcp_rack.c): lost is every unSACKed byte below its frontier,
	 * the tail included. */
	uint32_t frontier = s->snd_una;
	bool rack = tcp_rack_on(s);
	if (rack && !tcp_rack_lost(s, &frontier))
		frontier = s->snd_una;
	uint32_t pipe = 0, a = s->snd_una;
	for (unsigned i = 0; i <= s->nscore; i++) {
		uint32_t b = i < s->nscore ? sc[i].left : s->snd_max;
		if (capnet_seq_gt(b, a)) {
			uint32_t hole = b - a, rx = 0;
			if (capnet_seq_gt(s->high_rxt, a))
				rx = capnet_seq_lt(s->high_rxt, b) ? s->high_rxt - a : hole;
			if (rack) {
				uint32_t lost = capnet_seq_gt(frontier, a) ? capnet_seq_min(frontier, b) - a : 0;
				pipe += hole - (lost < hole ? lost : hole) + rx;
			} else {
				bool lost = (int)i <= k;
				pipe += lost ? rx : hole + rx;
			}
		}
		if (i < s->nscore)
			a = sc[i].right;
	}
	if (rack) {
		/* a retransmission deemed lost is no longer in the network */
		uint32_t gone = tcp_rack_relost_bytes(s);
		pipe = pipe > gone ? pipe - gone : 0;
	}
	return pipe;
}

/* NextSeg rule 1 under RACK: the first unSACKed byte not yet
 * retransmitted below the loss frontier, the tail included. */
static bool rack_next_hole(const struct capnet_tcp_sock *s, uint32_t *seq, uint32_t *len)
{
	const struct tcp_range *sc = score_c(s);
	uint32_t frontier;
	if (!tcp_rack_lost(s, &frontier))
		return false;
	uint32_t a = s->snd_una;
	for (unsigned i = 0; i <= s->nscore; i++) {
		uint32_t b = capnet_seq_min(i < s->nscore ? sc[i].left : s->snd_max, frontier);
		uint32_t start = capnet_seq_max(a, s->high_rxt);
		if (capnet_seq_lt(start, b)) {
			uint32_t n = b - start;
			*seq = start;
			*len = n < s->snd_mss ? n : s->snd_mss;
			return true;
		}
		if (i == s->nscore || !capnet_seq_lt(sc[i].right, frontier))
			return false;
		a = sc[i].right;
	}
	return false;
}

bool tcp_score_next_hole(const struct capnet_tcp_sock *s, bool lost_only, uint32_t *seq, uint32_t *len)
{
	const struct tcp_range *sc = score_c(s);
	if (tcp_rack_on(s))
		return lost_only && rack_next_hole(s, seq, len);
	int k = loss_boundary(s);
	uint32_t a = s->snd_una;
	for (unsigned i = 0; i < s->nscore; i++) {
		uint32_t b = sc[i].left;
		if (lost_only && (int)i > k)
			return false;
		uint32_t start = capnet_seq_max(a, s->high_rxt);
		if (capnet_seq_lt(start, b)) {
			uint32_t n = b - start;
			*seq = start;
			*len = n < s->snd_mss ? n : s->snd_mss;
			return true;
		}
		a = sc[i].right;
	}
	return false;
}

bool tcp_score_rxt_lost(struct capnet_tcp_sock *s, const struct capnet_tcp_options *opt)
{
	if (tcp_rack_on(s))
		return false; /* RACK finds a lost retransmission by its time */
	if (!(s->flags & TF_RXT_MARK) || !capnet_seq_lt(s->snd_una, s->high_rxt))
		return false;
	bool beyond = false;
	for (unsigned i = 0; i < opt->sack_count && i < CAPNET_TCP_MAX_SACK_BLOCKS; i++)
		if (capnet_seq_gt(opt->sack[i].right, s->rxt_mark) && capnet_seq_le(opt->sack[i].right, s->snd_max))
			beyond = true;
	if (!beyond)
		return false;
	/* A retransmitted byte neither acknowledged nor SACKed? */
	uint32_t a = tcp_score_skip(s, s->snd_una);
	if (!capnet_seq_lt(a, s->high_rxt))
		return false;
	s->flags &= ~TF_RXT_MARK;
	s->high_rxt = s->snd_una;
	return true;
}

bool tcp_score_rescue(const struct capnet_tcp_sock *s, uint32_t *seq, uint32_t *len)
{
	const struct tcp_range *sc = score_c(s);
	uint32_t top = s->nscore ? sc[s->nscore - 1].right : s->snd_una;
	/* the highest unSACKed byte lies in [top, snd_max) or, when the peer
	 * SACKed up to snd_max, just below the highest range */
	uint32_t end = s->snd_max, start = top;
	if (!capnet_seq_lt(top, s->snd_max)) {
		if (s->nscore == 0)
			return false;
		end = sc[s->nscore - 1].left;
		start = s->nscore > 1 ? sc[s->nscore - 2].right : s->snd_una;
	}
	if (!capnet_seq_lt(start, end))
		return false;
	uint32_t n = end - start;
	if (n > s->snd_mss)
		n = s->snd_mss;
	*seq = end - n;
	*len = n;
	return true;
}
