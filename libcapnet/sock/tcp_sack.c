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
 * Sender: the scoreboard keeps the lowest TCP_SCORE_MAX SACKed ranges above
 * snd_una, sorted. Forgetting higher ranges only makes the sender more
 * conservative (their bytes count as in flight, not delivered). */
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

void tcp_score_clear(struct capnet_tcp_sock *s)
{
	s->nscore = 0;
}

static void score_insert(struct capnet_tcp_sock *s, uint32_t left, uint32_t right)
{
	struct tcp_range *sc = s->u.c.score;
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
	if (s->nscore == TCP_SCORE_MAX) {
		if (pos == TCP_SCORE_MAX)
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
		score_insert(s, l, r);
	}
	return tcp_score_sacked_bytes(s) > before;
}

void tcp_score_ack(struct capnet_tcp_sock *s)
{
	struct tcp_range *sc = s->u.c.score;
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
	if (capnet_seq_lt(s->high_rxt, s->snd_una))
		s->high_rxt = s->snd_una;
}

uint32_t tcp_score_sacked_bytes(const struct capnet_tcp_sock *s)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < s->nscore; i++)
		n += s->u.c.score[i].right - s->u.c.score[i].left;
	return n;
}

uint32_t tcp_score_skip(const struct capnet_tcp_sock *s, uint32_t seq)
{
	for (unsigned i = 0; i < s->nscore; i++)
		if (capnet_seq_le(s->u.c.score[i].left, seq) && capnet_seq_lt(seq, s->u.c.score[i].right))
			return s->u.c.score[i].right;
	return seq;
}

uint32_t tcp_score_next_sacked(const struct capnet_tcp_sock *s, uint32_t seq, uint32_t limit)
{
	for (unsigned i = 0; i < s->nscore; i++)
		if (capnet_seq_gt(s->u.c.score[i].left, seq))
			return capnet_seq_min(s->u.c.score[i].left, limit);
	return limit;
}

/* Index k such that every unSACKed byte below score[k].left is lost
 * (IsLost, RFC 6675 4): DupThresh SACKed ranges, or more than
 * (DupThresh - 1) * SMSS SACKed bytes, lie above it. -1 when none. */
static int loss_boundary(const struct capnet_tcp_sock *s)
{
	uint32_t bytes = 0;
	unsigned count = 0;
	for (int i = (int)s->nscore - 1; i >= 0; i--) {
		bytes += s->u.c.score[i].right - s->u.c.score[i].left;
		count++;
		if (count >= TCP_DUPTHRESH || bytes > (uint32_t)(TCP_DUPTHRESH - 1) * s->snd_mss)
			return i;
	}
	return -1;
}

bool tcp_score_is_lost(const struct capnet_tcp_sock *s, uint32_t seq)
{
	int k = loss_boundary(s);
	return k >= 0 && capnet_seq_lt(seq, s->u.c.score[k].left) && tcp_score_skip(s, seq) == seq;
}

/* SetPipe: each unSACKed byte counts once if not lost, once more if
 * retransmitted (below HighRxt). */
uint32_t tcp_score_pipe(const struct capnet_tcp_sock *s)
{
	int k = loss_boundary(s);
	uint32_t pipe = 0, a = s->snd_una;
	for (unsigned i = 0; i <= s->nscore; i++) {
		uint32_t b = i < s->nscore ? s->u.c.score[i].left : s->snd_max;
		if (capnet_seq_gt(b, a)) {
			uint32_t hole = b - a, rx = 0;
			if (capnet_seq_gt(s->high_rxt, a))
				rx = capnet_seq_lt(s->high_rxt, b) ? s->high_rxt - a : hole;
			bool lost = (int)i <= k;
			pipe += lost ? rx : hole + rx;
		}
		if (i < s->nscore)
			a = s->u.c.score[i].right;
	}
	return pipe;
}

bool tcp_score_next_hole(const struct capnet_tcp_sock *s, bool lost_only, uint32_t *seq, uint32_t *len)
{
	int k = loss_boundary(s);
	uint32_t a = s->snd_una;
	for (unsigned i = 0; i < s->nscore; i++) {
		uint32_t b = s->u.c.score[i].left;
		if (lost_only && (int)i > k)
			return false;
		uint32_t start = capnet_seq_max(a, s->high_rxt);
		if (capnet_seq_lt(start, b)) {
			uint32_t n = b - start;
			*seq = start;
			*len = n < s->snd_mss ? n : s->snd_mss;
			return true;
		}
		a = s->u.c.score[i].right;
	}
	return false;
}
