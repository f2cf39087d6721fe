/* Segment arrival (RFC 9293 3.10.7), step by step and state by state:
 * CLOSED (3.10.7.1), LISTEN (3.10.7.2), SYN-SENT (3.10.7.3) and the rest
 * (3.10.7.4: sequence check, RST, SYN, ACK, URG, text, FIN), hardened per
 * RFC 5961 (RST and SYN validation with challenge ACKs, ACK validation)
 * and RFC 7323 (PAWS). Every drop is counted under its reason; nothing
 * here trusts a byte of the segment beyond what the codec checked. */
#include <string.h>

#include "capnet/wire/checksum.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "tcp_internal.h"
#include "tcp_syncookie.h"

/* One arriving segment, parsed. */
struct seg {
	struct capnet_tcp_repr r;
	uint32_t seq;
	uint32_t len;  /* SEG.LEN: payload + SYN + FIN */
	uint16_t segs; /* segments it stands for: > 1 for a coalesced super-frame (GRO) */
	struct capnet_ipaddr src, dst;
	/* The payload already copied into the receive ring at offset placed_at
	 * (where in-order data goes) while its checksum was verified. */
	bool placed;
	uint32_t placed_at;
	uint16_t placed_sum; /* its checksum partial sum */
};

static bool has(const struct seg *g, uint8_t flag)
{
	return (g->r.flags & flag) != 0;
}

/* ---- helpers ---- */

static void set_ack_now(struct capnet_tcp_sock *s)
{
	s->flags |= TF_ACK_NOW;
}

/* RFC 5961 7: challenge ACKs are rate limited per connection. */
static void challenge_ack(struct capnet_tcp_sock *s, capnet_instant now)
{
	uint16_t sec = (uint16_t)(now / CAPNET_S(1));
	if (sec != s->challenge_sec) {
		s->challenge_sec = sec;
		s->challenge_count = 0;
	}
	if (s->challenge_count >= TCP_CHALLENGE_PER_SEC) {
		TCP_COUNT(s->tcp, tcp_challenge_limited);
		return;
	}
	s->challenge_count++;
	TCP_COUNT(s->tcp, tcp_challenge_acks);
	set_ack_now(s);
}

/* Options of a SYN (or SYN-ACK) we accept: RFC 7323 / RFC 2018 need both
 * sides to have sent the option. */
static void take_syn_options(struct capnet_tcp_sock *s, const struct seg *g, capnet_instant now)
{
	const struct capnet_tcp_config *c = &s->tcp->cfg;
	const struct capnet_tcp_options *o = &g->r.opt;
	s->peer_mss = o->has_mss && o->mss > 0 ? o->mss : TCP_DEFAULT_MSS;
	if (o->has_wscale && !c->no_wscale) {
		s->flags |= TF_WS_OK;
		s->snd_wscale = o->wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : o->wscale;
	} else {
		s->flags &= ~TF_WS_OK;
		s->snd_wscale = 0;
		s->rcv_wscale = 0;
	}
	if (o->sack_permitted && !c->no_sack)
		s->flags |= TF_SACK_OK;
	else
		s->flags &= ~TF_SACK_OK;
	if (o->has_timestamp && !c->no_timestamps) {
		s->flags |= TF_TS_OK;
		s->ts_recent = o->ts_val;
		s->ts_recent_sec = (uint32_t)(now / CAPNET_S(1));
	} else {
		s->flags &= ~TF_TS_OK;
	}
	tcp_set_snd_mss(s);
}

/* The handshake is complete (either side). */
static void established(struct capnet_tcp_sock *s, capnet_instant now)
{
	s->flags |= TF_CONNECTED;
	s->backoff = 0;
	s->rxt_tries = 0;
	s->t_state = CAPNET_INSTANT_NEVER; /* the connect timeout is over */
	s->last_rcv = now;
	/* RFC 6298 5.7: a handshake that needed retransmissions and gave no
	 * sample starts data transfer at 3 s. */
	if ((s->flags & TF_SYN_RETRANSMITTED) && s->srtt == 0)
		s->rto = CAPNET_S(3) < s->tcp->cfg.rto_max ? (uint32_t)CAPNET_S(3) : (uint32_t)s->tcp->cfg.rto_max;
	capnet_tcp_cc_init(&s->cc, s->cc.algo, s->snd_mss, s->snd_wnd);
	s->cc.abc = s->tcp->cfg.slow_start_abc;
	if (s->flags & TF_SYN_RETRANSMITTED)
		capnet_tcp_cc_on_syn_loss(&s->cc); /* RFC 5681 3.1: IW of one segment */
	TCP_COUNT(s->tcp, tcp_connects);
	if (s->flags & TF_FIN_QUEUED) {
		tcp_set_state(s, CAPNET_TCP_FIN_WAIT_1, now); /* close() came during the handshake */
	} else {
		tcp_set_state(s, CAPNET_TCP_ESTABLISHED, now);
		tcp_keepalive_arm(s, now);
	}
}

/* ---- CLOSED: RFC 9293 3.10.7.1 ---- */

static void input_closed(struct capnet_tcp *tcp, const struct seg *g, capnet_instant now)
{
	if (has(g, CAPNET_TCP_RST))
		return;
	TCP_COUNT(tcp, tcp_noport);
	tcp_send_reset(tcp, &g->dst, &g->src, &g->r, g->len, now);
}

/* ---- LISTEN: RFC 9293 3.10.7.2 ---- */

/* A child of listener l in SYN-RECEIVED for the SYN g, with our ISN iss;
 * NULL when no socket or ring is free. */
static struct capnet_tcp_sock *child_create(struct capnet_tcp_sock *l, const struct seg *g, uint32_t iss,
					    capnet_instant now)
{
	struct capnet_tcp *tcp = l->tcp;
	struct capnet_tcp_sock *s = tcp_sock_alloc(tcp);
	if (!s)
		return NULL;
	s->snd_bufshift = l->snd_bufshift;
	s->rcv_bufshift = l->rcv_bufshift;
	if (tcp_alloc_rings(s) != CAPNET_OK) {
		tcp_sock_release(s);
		return NULL;
	}
	s->flags |= TF_PASSIVE | (l->flags & (TF_NODELAY | TF_KEEPALIVE));
	s->ka_idle_ms = l->ka_idle_ms;
	s->ka_intvl_ms = l->ka_intvl_ms;
	s->ka_probes = l->ka_probes;
	s->user_timeout_ms = l->user_timeout_ms;
	s->cc.algo = l->cc.algo;
	s->owner = TCP_OWN_PARENT;
	s->parent = tcp_sock_index(tcp, l);
	s->laddr = g->dst;
	s->raddr = g->src;
	s->lport = g->r.dst_port;
	s->rport = g->r.src_port;
	s->irs = g->seq;
	s->rcv_nxt = g->seq + 1;
	s->rcv_mss = tcp->cfg.mss;
	if (s->rcv_mss > tcp_mtu_mss(tcp, &s->laddr))
		s->rcv_mss = (uint16_t)tcp_mtu_mss(tcp, &s->laddr);
	s->rcv_wscale = tcp->cfg.no_wscale ? 0 : tcp_wscale_for(s->rcv.size);
	take_syn_options(s, g, now);
	s->iss = iss;
	s->ts_offset = tcp_ts_offset(tcp, s);
	s->snd_una = s->snd_nxt = s->snd_max = s->iss;
	s->recover = s->iss;
	s->snd_wnd = g->r.window; /* never scaled in a SYN */
	s->max_snd_wnd = s->snd_wnd;
	s->snd_wl1 = g->seq;
	s->snd_wl2 = s->iss;
	s->rto = (uint32_t)tcp->cfg.rto_initial;
	s->last_rcv = now;
	s->rcv_adv = s->rcv_nxt + (s->rcv.size > 65535u ? 65535u : s->rcv.size);
	l->u.l.syn_count++;
	tcp_set_state(s, CAPNET_TCP_SYN_RECEIVED, now);
	tcp_hash_insert(s);
	return s;
}

/* A SYN the SYN queue (or the socket table) has no room for: a cookie
 * SYN-ACK (RFC 4987 3.6), or, with cookies off, silence (the peer retries). */
static void syn_no_room(struct capnet_tcp_sock *l, const struct seg *g, capnet_instant now)
{
	struct capnet_tcp *tcp = l->tcp;
	TCP_COUNT(tcp, tcp_syn_queue_overflow);
	l->u.l.overflowed = true;
	l->u.l.overflow_at = now;
	if (tcp->cfg.no_syncookies) {
		TCP_COUNT(tcp, tcp_backlog_overflow);
		return;
	}
	tcp_cookie_send_synack(l, &g->dst, &g->src, &g->r, now);
}

/* iss_floor: NULL, or the lowest ISS the new connection may take (it
 * reopens a TIME-WAIT whose sequence space lies below). */
static void input_listen(struct capnet_tcp_sock *l, const struct seg *g, const uint32_t *iss_floor,
			 capnet_instant now)
{
	struct capnet_tcp *tcp = l->tcp;
	if (has(g, CAPNET_TCP_RST))
		return;
	if (has(g, CAPNET_TCP_ACK_FLAG)) {
		tcp_send_reset(tcp, &g->dst, &g->src, &g->r, g->len, now);
		return;
	}
	if (!has(g, CAPNET_TCP_SYN))
		return;
	/* Both queues are bounded: half-open by syn_backlog, established but
	 * unclaimed by the listen backlog. A full accept queue drops the SYN
	 * silently (the peer retries) rather than resetting -- a cookie would
	 * only bring back a connection with nowhere to go. A full SYN queue
	 * answers with a cookie. */
	if (l->u.l.acc_count >= l->u.l.backlog) {
		TCP_COUNT(tcp, tcp_backlog_overflow);
		return;
	}
	if (l->u.l.syn_count >= l->u.l.syn_max) {
		syn_no_room(l, g, now);
		return;
	}
	struct capnet_tcp_sock *s = child_create(l, g, 0, now);
	if (!s) {
		/* When this listener's own half-open children are what fill the
		 * socket table (or buffer pool), that is the SYN queue's real
		 * bound: answer with a cookie as for a full queue. A table full
		 * of other connections stays silent, as ever. */
		if (l->u.l.syn_count > 0 && !tcp->cfg.no_syncookies)
			syn_no_room(l, g, now);
		return;
	}
	s->iss = tcp_isn(tcp, s, now);
	if (iss_floor && capnet_seq_lt(s->iss, *iss_floor))
		s->iss = *iss_floor;
	s->snd_una = s->snd_nxt = s->snd_max = s->recover = s->snd_wl2 = s->iss;
	capnet_err e = tcp_send_syn(s, now);
	if (e == CAPNET_E_UNREACHABLE || e == CAPNET_E_NOMEM) {
		/* The SYN-ACK could not even leave (the peer's neighbour entry
		 * failed, or nothing could hold the frame while it resolves):
		 * holding the half-open slot for a peer we cannot reach only
		 * keeps real ones out. A real peer retransmits its SYN. */
		TCP_COUNT(tcp, tcp_synrecv_reclaimed);
		tcp_drop(s, CAPNET_E_UNREACHABLE, now);
		return;
	}
	tcp_rexmt_arm(s, now, true);
	tcp_timer_update(s);
}

/* An ACK for a listener with no connection, while cookies may be out:
 * when it acknowledges a valid cookie (ACK - 1), the connection comes
 * back to life in SYN-RECEIVED with what the cookie carried, ready for
 * the ACK to complete it. NULL with *handled when it is dropped (no room
 * in the accept queue or socket table: the peer's data retransmission
 * retries), NULL without when it was no cookie (the caller resets). */
static struct capnet_tcp_sock *cookie_ack(struct capnet_tcp_sock *l, const struct seg *g, bool *handled,
					  capnet_instant now)
{
	struct capnet_tcp *tcp = l->tcp;
	*handled = false;
	uint32_t irs = g->seq - 1, iss = g->r.ack - 1;
	int idx = tcp_cookie_check(tcp, &g->dst, g->r.dst_port, &g->src, g->r.src_port, irs, iss, now);
	struct tcp_cookie_opts co = {.mss = idx >= 0 ? tcp_cookie_mss((uint8_t)idx) : 0};
	bool ts = g->r.opt.has_timestamp && !tcp->cfg.no_timestamps;
	/* With timestamps the echoed TSval must also be one our clock could
	 * have sent for a live cookie: a forged ACK has that to guess too. */
	if (idx < 0 || (ts && (!tcp_cookie_ts_decode(g->r.opt.ts_ecr, &co) ||
			       !tcp_cookie_ecr_fresh(tcp, &g->dst, g->r.dst_port, &g->src, g->r.src_port,
						     g->r.opt.ts_ecr, now)))) {
		TCP_COUNT(tcp, tcp_syncookies_failed);
		return NULL;
	}
	*handled = true;
	if (l->u.l.acc_count >= l->u.l.backlog) {
		TCP_COUNT(tcp, tcp_backlog_overflow);
		return NULL;
	}
	/* The SYN as the cookie remembers it. */
	struct seg syn = *g;
	syn.seq = irs;
	syn.r.flags = CAPNET_TCP_SYN;
	syn.r.payload_len = 0;
	memset(&syn.r.opt, 0, sizeof syn.r.opt);
	syn.r.opt.has_mss = true;
	syn.r.opt.mss = co.mss;
	if (co.ts) {
		syn.r.opt.has_timestamp = true;
		syn.r.opt.ts_val = g->r.opt.ts_val;
		syn.r.opt.has_wscale = co.ws;
		syn.r.opt.wscale = co.wscale;
		syn.r.opt.sack_permitted = co.sack;
	}
	struct capnet_tcp_sock *s = child_create(l, &syn, iss, now);
	if (!s)
		return NULL;
	/* Our SYN-ACK went out once, with the cookie; the ACK now completes
	 * the handshake through the usual SYN-RECEIVED path, which also moves
	 * the child from the SYN queue count (child_create put it there) to
	 * the accept queue. No RTT sample: the SYN-ACK was not timed. */
	s->snd_nxt = s->snd_max = iss + 1;
	s->last_ack_sent = s->rcv_nxt;
	TCP_COUNT(tcp, tcp_syncookies_recv);
	return s;
}

/* ---- SYN-SENT: RFC 9293 3.10.7.3 ---- */

static void process_text_and_fin(struct capnet_tcp_sock *s, struct seg *g, capnet_instant now);

static void input_syn_sent(struct capnet_tcp_sock *s, struct seg *g, capnet_instant now)
{
	bool ack_ok = false;
	if (has(g, CAPNET_TCP_ACK_FLAG)) {
		if (capnet_seq_le(g->r.ack, s->iss) || capnet_seq_gt(g->r.ack, s->snd_max)) {
			TCP_COUNT(s->tcp, tcp_rcvacktoomuch);
			tcp_send_reset(s->tcp, &g->dst, &g->src, &g->r, g->len, now);
			return;
		}
		ack_ok = capnet_seq_gt(g->r.ack, s->snd_una);
	}
	if (has(g, CAPNET_TCP_RST)) {
		/* RFC 5961 3.2: in SYN-SENT an RST counts only if it
		 * acknowledges our SYN. */
		if (ack_ok) {
			TCP_COUNT(s->tcp, tcp_rcvrst);
			TCP_COUNT(s->tcp, tcp_conn_refused);
			tcp_drop(s, CAPNET_E_REFUSED, now);
		}
		return;
	}
	if (!has(g, CAPNET_TCP_SYN))
		return;
	s->irs = g->seq;
	s->rcv_nxt = g->seq + 1;
	take_syn_options(s, g, now);
	s->snd_wnd = g->r.window;
	s->max_snd_wnd = s->snd_wnd;
	s->snd_wl1 = g->seq;
	s->rcv_adv = s->rcv_nxt + (s->rcv.size > 65535u ? 65535u : s->rcv.size);
	s->last_ack_sent = s->rcv_nxt;
	if (!ack_ok) {
		/* Simultaneous open (3.5, figure 8): SYN-ACK with our ISS. */
		s->snd_wl2 = s->iss;
		tcp_set_state(s, CAPNET_TCP_SYN_RECEIVED, now);
		s->flags |= TF_SYN_RETRANSMITTED; /* our SYN's timing is now ambiguous */
		tcp_send_syn(s, now);
		return;
	}
	s->snd_una = g->r.ack;
	s->snd_wl2 = g->r.ack;
	if (capnet_seq_lt(s->snd_nxt, s->snd_una))
		s->snd_nxt = s->snd_una;
	if ((s->flags & TF_RTT_TIMING) && capnet_seq_gt(g->r.ack, s->rtt_seq)) {
		s->flags &= ~TF_RTT_TIMING;
		tcp_rtt_sample(s, (uint32_t)now - s->rtt_start);
	}
	s->t_rexmt = CAPNET_INSTANT_NEVER;
	s->progress_at = now;
	established(s, now);
	set_ack_now(s);
	/* Text or FIN in the SYN-ACK: continue at the sixth step. */
	if (g->r.payload_len > 0 || has(g, CAPNET_TCP_FIN)) {
		g->seq++;
		g->r.flags &= (uint8_t)~CAPNET_TCP_SYN;
		process_text_and_fin(s, g, now);
	}
}

/* ---- synchronized states: RFC 9293 3.10.7.4 ---- */

/* First step: is any of the segment inside the receive window? */
static bool acceptable(const struct capnet_tcp_sock *s, const struct seg *g)
{
	uint32_t wnd = capnet_seq_gt(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
	uint32_t seq = g->seq, end = g->seq + g->len;
	bool start_in = capnet_seq_le(s->rcv_nxt, seq) && capnet_seq_lt(seq, s->rcv_nxt + wnd);
	if (g->len == 0)
		return wnd == 0 ? seq == s->rcv_nxt : start_in;
	if (wnd == 0)
		return false;
	return start_in || (capnet_seq_le(s->rcv_nxt, end - 1) && capnet_seq_lt(end - 1, s->rcv_nxt + wnd));
}

static void fin_arrived(struct capnet_tcp_sock *s, capnet_instant now)
{
	s->rcv_nxt++;
	s->flags |= TF_FIN_RCVD;
	s->flags &= ~TF_OOO_FIN;
	set_ack_now(s);
	switch (s->state) {
	case CAPNET_TCP_SYN_RECEIVED:
	case CAPNET_TCP_ESTABLISHED:
		tcp_set_state(s, CAPNET_TCP_CLOSE_WAIT, now);
		break;
	case CAPNET_TCP_FIN_WAIT_1:
		/* Our FIN is not acknowledged yet (the ACK step would have moved
		 * us to FIN-WAIT-2): simultaneous close. */
		tcp_set_state(s, CAPNET_TCP_CLOSING, now);
		break;
	case CAPNET_TCP_FIN_WAIT_2:
		tcp_set_state(s, CAPNET_TCP_TIME_WAIT, now);
		tcp_timewait_arm(s, now);
		break;
	default:
		break;
	}
}

/* Seventh and eighth steps: place the text, then the FIN. */
static void process_text_and_fin(struct capnet_tcp_sock *s, struct seg *g, capnet_instant now)
{
	struct capnet_tcp *tcp = s->tcp;
	const uint8_t *data = g->r.payload;
	uint32_t dlen = (uint32_t)g->r.payload_len, seq = g->seq;
	bool fin = has(g, CAPNET_TCP_FIN);
	bool had_data = dlen > 0;

	if (s->state == CAPNET_TCP_CLOSE_WAIT || s->state == CAPNET_TCP_CLOSING ||
	    s->state == CAPNET_TCP_LAST_ACK || s->state == CAPNET_TCP_TIME_WAIT || (s->flags & TF_FIN_RCVD)) {
		/* The peer already sent its FIN: nothing more can be new. */
		if (had_data || fin)
			set_ack_now(s);
		if (s->state == CAPNET_TCP_TIME_WAIT && fin)
			tcp_timewait_arm(s, now); /* a retransmitted FIN restarts 2 MSL */
		return;
	}
	if (s->rcv.buf == NULL)
		return;
	/* Trim what we already have. */
	if (capnet_seq_lt(seq, s->rcv_nxt)) {
		uint32_t dup = s->rcv_nxt - seq;
		if (dup >= dlen) {
			if (dlen > 0)
				TCP_COUNT(tcp, tcp_rcvdup);
			if (!(fin && seq + dlen == s->rcv_nxt)) {
				set_ack_now(s); /* a duplicate: tell the sender where we are */
				return;
			}
			dlen = 0;
		} else {
			TCP_COUNT(tcp, tcp_rcvpartdup);
			data += dup;
			dlen -= dup;
		}
		seq = s->rcv_nxt;
	}
	/* Trim to the space we have (>= the window we advertised). */
	uint32_t room = s->rcv.size - s->rcv.len;
	uint32_t off = seq - s->rcv_nxt;
	if (off >= room) {
		/* A bare FIN at RCV.NXT takes no buffer space: a full buffer
		 * (zero window) still takes it (RFC 9293 3.10.7.4). */
		if (dlen > 0 || off > 0)
			fin = false;
		dlen = 0;
	} else if (dlen > room - off) {
		dlen = room - off;
		fin = false;
	}
	if (had_data && dlen > 0 && s->owner == TCP_OWN_STACK) {
		/* RFC 9293 3.10.4 / RFC 2525 2.17: nobody will ever read this;
		 * tell the peer with a reset rather than ACKing into a void. */
		TCP_COUNT(tcp, tcp_rcvafterclose);
		tcp_send_rst_for(s, now);
		tcp_drop(s, CAPNET_E_RESET, now);
		return;
	}
	if (seq != s->rcv_nxt) {
		/* Out of order: hold it in place and SACK it; ACK at once so the
		 * sender counts a duplicate (RFC 5681 4.2). */
		set_ack_now(s);
		if (dlen == 0 && !fin)
			return;
		if (dlen > 0 && !tcp_ooo_add(s, seq, seq + dlen)) {
			TCP_COUNT(tcp, tcp_ooo_dropped);
			return;
		}
		tcp_ring_write_at(&s->rcv, s->rcv.len + off, data, dlen);
		if (dlen > 0)
			TCP_COUNT(tcp, tcp_ooo_queued);
		if (fin) {
			s->flags |= TF_OOO_FIN;
			s->ooo_fin = seq + dlen;
		}
		return;
	}
	if (dlen > 0) {
		bool filled = s->nooo > 0;
		/* In place already, unless trimming moved it (then the same
		 * bytes are written again: redundant, never wrong). */
		if (!(g->placed && data == g->r.payload && s->rcv.len == g->placed_at))
			tcp_ring_write_at(&s->rcv, s->rcv.len, data, dlen);
		s->rcv.len += dlen;
		s->rcv_nxt += dlen;
		uint32_t nxt = tcp_ooo_advance(s, s->rcv_nxt);
		uint32_t gained = nxt - s->rcv_nxt;
		s->rcv.len += gained;
		s->rcv_nxt = nxt;
		s->bytes_received += dlen + gained;
		tcp_count_n(tcp, CAPNET_STAT_tcp_rcvpack, g->segs);
		tcp_count_n(tcp, CAPNET_STAT_tcp_rcvbyte, dlen + gained);
		/* After shutdown_read nobody reads: acknowledge and discard, so
		 * the window stays open (as BSD does). */
		if (s->flags & TF_RD_SHUT)
			tcp_ring_consume(&s->rcv, s->rcv.len);
		/* RFC 5681 4.2 / RFC 9293 3.8.6.3: a segment that fills a hole is
		 * ACKed at once; otherwise every second full segment, or within
		 * the delayed-ACK time. Full-sized is what the peer sends: at most
		 * our MSS, and no more than its own MSS says its link carries --
		 * unless this segment is larger (the MSS option bounds what the
		 * peer receives, not what it sends; without one it is 536), when
		 * the segment itself is the measure, as Linux's rcv_mss estimate
		 * is. A super-frame counts as the segments it stands for: two or
		 * more are ACKed at once, with one ACK. */
		uint32_t seg = s->peer_mss && s->peer_mss < s->rcv_mss ? s->peer_mss : s->rcv_mss;
		uint32_t full = seg - ((s->flags & TF_TS_OK) ? 12u : 0u);
		uint32_t this_seg = (uint32_t)g->r.payload_len / (g->segs > 1 ? g->segs : 1u);
		if (this_seg > full)
			full = this_seg;
		if (filled || g->segs >= 2 || s->rcv_nxt - s->last_ack_sent >= 2u * full)
			set_ack_now(s);
		else
			tcp_delack_arm(s, now);
	}
	if (had_data && dlen == 0)
		set_ack_now(s); /* no room: say so */
	/* The FIN counts when everything before it is in; a FIN below data we
	 * already hold out of order is inconsistent and waits for a better one. */
	if (fin && s->rcv_nxt == seq + dlen)
		fin_arrived(s, now);
	else if ((s->flags & TF_OOO_FIN) && s->rcv_nxt == s->ooo_fin)
		fin_arrived(s, now);
}

/* An RTT sample for an ACK of new data: the timed segment (Karn's rule
 * keeps retransmissions out), else the echoed timestamp (RFC 7323 4.1) --
 * but not while recovering: a retransmission that reaches a receiver which
 * already had the data (its ACK was lost) is answered with the original's
 * TSval (4.3), and that "RTT" would span the whole recovery (after an
 * RTO, only such echoes are refused). */
static uint32_t rtt_from_ack(struct capnet_tcp_sock *s, const struct seg *g, capnet_instant now)
{
	if ((s->flags & TF_RTT_TIMING) && capnet_seq_gt(g->r.ack, s->rtt_seq)) {
		s->flags &= ~TF_RTT_TIMING;
		uint32_t rtt = (uint32_t)now - s->rtt_start;
		tcp_rtt_sample(s, rtt);
		return rtt;
	}
	if ((s->flags & TF_TS_OK) && g->r.opt.has_timestamp && g->r.opt.ts_ecr != 0 && !(s->flags & TF_RECOVERY)) {
		uint32_t ms = tcp_ts_now(s, now) - g->r.opt.ts_ecr;
		/* After an RTO the echo times the retransmission (RFC 7323 3.4:
		 * no Karn ambiguity) unless the original had arrived; that echo
		 * spans the expired RTO, at least half the one now in force, and
		 * is no sample. Without this the backoff, kept until a valid
		 * sample (RFC 6298 5.7), would outlive a lossy recovery. */
		if (ms < 60000u && (!(s->flags & TF_RTO_RECOVERY) || (uint64_t)ms * 2000u < (uint64_t)tcp_rto(s))) {
			tcp_rtt_sample(s, ms * 1000u);
			return ms * 1000u;
		}
	}
	return 0;
}

/* Loss recovery's side of an ACK of new data (RFC 6582 3.2, RFC 6675 5). */
static void recovery_on_ack(struct capnet_tcp_sock *s, uint32_t data, uint32_t flight_before, uint32_t wnd,
			    capnet_instant now)
{
	if (!(s->flags & TF_RECOVERY)) {
		s->dupacks = 0;
		capnet_tcp_cc_on_ack(&s->cc, data, flight_before, (capnet_duration)s->srtt, wnd, now);
	} else if (capnet_seq_ge(s->snd_una, s->recover)) {
		/* Full acknowledgment (RFC 6582 3.2 step 3). */
		s->flags &= ~(TF_RECOVERY | TF_RXT_MARK);
		s->dupacks = 0;
		s->rexmit_credit = 0;
		capnet_tcp_cc_on_recovery_exit(&s->cc, s->snd_max - s->snd_una, now);
		if (tcp_rack_on(s))
			tcp_rack_recovery_exit(s);
	} else if (!(s->flags & TF_SACK_OK)) {
		/* Partial acknowledgment (RFC 6582 3.2 step 4): the next hole is
		 * at snd_una; deflate by what was acked, add back one segment.
		 * (With SACK the scoreboard finds the next hole.) */
		s->rexmit_credit = s->rexmit_credit > data ? s->rexmit_credit - data : 0;
		if (data >= s->snd_mss)
			s->rexmit_credit += s->snd_mss;
		tcp_retransmit(s, s->snd_una, s->snd_mss, now);
	}
	if ((s->flags & TF_RTO_RECOVERY) && capnet_seq_ge(s->snd_una, s->recover)) {
		s->flags &= ~TF_RTO_RECOVERY;
		if (tcp_rack_on(s))
			tcp_rack_recovery_exit(s);
	}
}

/* Our FIN is acknowledged. Returns false when the connection is gone. */
static bool fin_acked(struct capnet_tcp_sock *s, capnet_instant now)
{
	switch (s->state) {
	case CAPNET_TCP_FIN_WAIT_1:
		tcp_set_state(s, CAPNET_TCP_FIN_WAIT_2, now);
		if (s->owner == TCP_OWN_STACK)
			s->t_state = now + s->tcp->cfg.fin_wait_2;
		else
			tcp_keepalive_arm(s, now); /* half-closed: still watch the peer */
		return true;
	case CAPNET_TCP_CLOSING:
		tcp_set_state(s, CAPNET_TCP_TIME_WAIT, now);
		tcp_timewait_arm(s, now);
		return true;
	case CAPNET_TCP_LAST_ACK:
		tcp_drop(s, CAPNET_OK, now);
		return false;
	default:
		return true;
	}
}

/* SND.UNA < SEG.ACK =< SND.MAX: new data (and maybe our FIN) acknowledged.
 * Returns false when the connection is gone. */
static bool ack_new_data(struct capnet_tcp_sock *s, const struct seg *g, uint32_t wnd, capnet_instant now)
{
	uint32_t acked = g->r.ack - s->snd_una;
	uint32_t data = acked < s->snd.len ? acked : s->snd.len;
	bool fin = (s->flags & TF_FIN_QUEUED) && acked > s->snd.len;
	uint32_t flight_before = s->snd_max - s->snd_una;
	tcp_ring_consume(&s->snd, data);
	s->bytes_acked += data;
	s->snd_una = g->r.ack;
	if (capnet_seq_lt(s->snd_nxt, s->snd_una))
		s->snd_nxt = s->snd_una;
	/* RFC 6582 3.2 compares ACKs with recover in sequence space, which
	 * only orders numbers less than 2^31 apart: outside recovery, keep
	 * recover from falling that far behind snd_una (as BSD does), or after
	 * 2^31 bytes without loss every ACK looks older than recover and fast
	 * retransmit never fires again. Moving it to snd_una - 1 changes no
	 * decision: every ACK at or above snd_una is still above it. */
	if (!(s->flags & (TF_RECOVERY | TF_RTO_RECOVERY)) && s->snd_una - s->recover > (1u << 30))
		s->recover = s->snd_una - 1;
	s->progress_at = now;
	/* Forward progress resets the give-up count, not the backoff: Karn's
	 * algorithm (RFC 6298 5.5 and the note after 5.7) keeps the backed-off
	 * RTO until a valid RTT sample recomputes it (tcp_rtt_sample). */
	s->rxt_tries = 0;
	s->persist_backoff = 0;
	if (!tcp_rack_on(s))
		s->flags &= ~TF_TLP_SENT; /* a new tail may be probed (RACK: when the probe's episode ends, 7.4) */
	tcp_score_ack(s);
	rtt_from_ack(s, g, now);
	recovery_on_ack(s, data, flight_before, wnd, now);
	if (s->flags & TF_PERSIST) {
		s->flags &= ~TF_PERSIST;
		s->t_rexmt = CAPNET_INSTANT_NEVER;
	}
	tcp_rexmt_arm(s, now, true); /* RFC 6298 5.2 / 5.3 */
	return fin ? fin_acked(s, now) : true;
}

/* Fast retransmit: the third duplicate ACK, or SACK saying snd_una is lost. */
static void enter_recovery(struct capnet_tcp_sock *s, capnet_instant now)
{
	s->flags |= TF_RECOVERY;
	s->flags &= ~TF_RESCUED;
	s->recover = s->snd_max;
	s->high_rxt = s->snd_una;
	if (!(s->flags & TF_SACK_OK))
		s->rexmit_credit = (uint32_t)TCP_DUPTHRESH * s->snd_mss;
	if (s->fast_rexmits < UINT16_MAX)
		s->fast_rexmits++;
	TCP_COUNT(s->tcp, tcp_fast_rexmits);
	/* Our flight estimate takes departed segments out (SACK pipe or the
	 * dupack credit), so the controller must not inflate cwnd as well. */
	capnet_tcp_cc_on_fast_retransmit_pipe(&s->cc, s->snd_max - s->snd_una, now);
	uint32_t lim = s->snd_mss;
	if (s->flags & TF_SACK_OK)
		lim = tcp_score_next_sacked(s, s->snd_una, s->snd_una + s->snd_mss) - s->snd_una;
	uint32_t n = tcp_retransmit(s, s->snd_una, lim ? lim : s->snd_mss, now);
	s->high_rxt = s->snd_una + n;
	/* RFC 6675 5 (4.3): HighRxt and RescueRxt both at the highest sequence
	 * number of this retransmission, so no rescue retransmission (NextSeg
	 * rule 4) follows it before HighACK passes it. */
	if (s->flags & TF_SACK_OK)
		s->rescue_rxt = s->high_rxt - 1;
	if (s->flags & TF_SACK_OK) {
		s->rxt_mark = s->snd_max;
		s->flags |= TF_RXT_MARK;
	}
	if (s->flags & TF_TLP_ARMED)
		tcp_rexmt_arm(s, now, true); /* recovery runs on the RTO, not a probe */
}

/* A duplicate ACK (RFC 5681 2); with SACK, only one that SACKs something
 * new counts (RFC 6675 2): a copy of a segment the peer already had says
 * nothing about loss. */
static void ack_duplicate(struct capnet_tcp_sock *s, const struct seg *g, uint32_t wnd, bool new_sack,
			  capnet_instant now)
{
	bool sack = (s->flags & TF_SACK_OK) != 0;
	if (g->r.payload_len != 0 || has(g, CAPNET_TCP_SYN | CAPNET_TCP_FIN) || s->snd_max == s->snd_una ||
	    wnd != s->snd_wnd || (s->flags & TF_PERSIST) || (sack && !new_sack))
		return;
	TCP_COUNT(s->tcp, tcp_rcvdupack);
	if (s->dupacks < 255)
		s->dupacks++;
	if (s->flags & TF_RECOVERY) {
		if (!sack)
			s->rexmit_credit += s->snd_mss; /* NewReno's window inflation, as pipe */
		return;
	}
	/* After an RTO, not before what was outstanding then is acknowledged
	 * (RFC 6582 4.1 / RFC 6675 5.1). */
	if (s->flags & TF_RTO_RECOVERY)
		return;
	/* RACK (RFC 8985) judges loss by time, not by counting (tcp_rack.c). */
	if (tcp_rack_on(s))
		return;
	bool lost = s->dupacks >= TCP_DUPTHRESH || (sack && tcp_score_is_lost(s, s->snd_una));
	if (lost && (sack || capnet_seq_gt(g->r.ack, s->recover)))
		enter_recovery(s, now);
}

/* Send window update (3.10.7.4, fifth step): only from an ACK no older than
 * snd_una (its window is relative to it) and a segment no older than the
 * last one that updated the window. */
static void update_send_window(struct capnet_tcp_sock *s, const struct seg *g, uint32_t wnd)
{
	uint32_t ack = g->r.ack;
	if (!capnet_seq_le(s->snd_una, ack) ||
	    !(capnet_seq_lt(s->snd_wl1, g->seq) || (s->snd_wl1 == g->seq && capnet_seq_le(s->snd_wl2, ack))))
		return;
	s->snd_wnd = wnd;
	s->snd_wl1 = g->seq;
	s->snd_wl2 = ack;
	if (wnd > s->max_snd_wnd)
		s->max_snd_wnd = wnd;
	if (wnd > 0 && (s->flags & TF_PERSIST)) {
		s->flags &= ~TF_PERSIST;
		s->persist_backoff = 0;
		s->t_rexmt = CAPNET_INSTANT_NEVER;
	}
}

/* RFC 5961 5.2: an ACK is acceptable only within what we sent and the
 * largest window back; anything else gets an ACK and is dropped. */
static bool ack_acceptable(struct capnet_tcp_sock *s, const struct seg *g)
{
	if (capnet_seq_gt(g->r.ack, s->snd_max)) {
		TCP_COUNT(s->tcp, tcp_rcvackbad);
		set_ack_now(s);
		return false;
	}
	if (capnet_seq_lt(g->r.ack, s->snd_una - s->max_snd_wnd)) {
		set_ack_now(s);
		return false;
	}
	return true;
}

/* Fifth step for a connection past the handshake: the ACK field. Returns
 * false when the segment must be dropped (or the connection is gone). */
static bool process_ack(struct capnet_tcp_sock *s, struct seg *g, capnet_instant now)
{
	uint32_t ack = g->r.ack;
	if (!ack_acceptable(s, g))
		return false;
	/* RFC 9293 3.8.6.1 / RFC 1122 4.2.2.17: a peer that answers our
	 * zero-window probes is alive; only unanswered probes count toward
	 * giving up (the backoff keeps growing). */
	if (s->flags & TF_PERSIST)
		s->rxt_tries = 0;
	uint32_t wnd = (uint32_t)g->r.window << s->snd_wscale;
	bool new_sack = false, rack = tcp_rack_on(s);
	uint32_t old_una = s->snd_una;
	uint8_t fresh = rack ? tcp_rack_fresh_blocks(s, &g->r.opt) : 0;
	if ((s->flags & TF_SACK_OK) && g->r.opt.sack_count > 0) {
		new_sack = tcp_score_update(s, &g->r.opt);
		/* A lost retransmission: repair the hole again now rather than
		 * at the RTO (see tcp_sack.c). */
		if (s->flags & TF_RECOVERY)
			(void)tcp_score_rxt_lost(s, &g->r.opt);
	}
	if (capnet_seq_gt(ack, s->snd_una)) {
		if (!ack_new_data(s, g, wnd, now))
			return false;
	} else if (ack == s->snd_una) {
		ack_duplicate(s, g, wnd, new_sack, now);
	}
	if (rack && s->state != CAPNET_TCP_CLOSED && s->snd.buf != NULL)
		(void)tcp_rack_on_ack(s, old_una, &g->r.opt, fresh, now);
	update_send_window(s, g, wnd);
	return true;
}

/* RFC 7323 5.3 PAWS: a segment whose timestamp is older than TS.Recent
 * is a wrapped old duplicate. Returns false to drop. */
static bool paws_ok(struct capnet_tcp_sock *s, const struct seg *g, capnet_instant now)
{
	if (!(s->flags & TF_TS_OK) || !g->r.opt.has_timestamp || has(g, CAPNET_TCP_RST))
		return true;
	uint32_t sec = (uint32_t)(now / CAPNET_S(1));
	if ((int32_t)(g->r.opt.ts_val - s->ts_recent) >= 0)
		return true;
	if (sec - s->ts_recent_sec > TCP_PAWS_IDLE_SEC) {
		/* 5.5: TS.Recent is too old to judge by. */
		s->ts_recent = g->r.opt.ts_val;
		s->ts_recent_sec = sec;
		return true;
	}
	TCP_COUNT(s->tcp, tcp_paws_drops);
	return false;
}

static void update_ts_recent(struct capnet_tcp_sock *s, const struct seg *g, capnet_instant now)
{
	/* RFC 7323 4.3: only from a segment covering Last.ACK.sent. */
	if ((s->flags & TF_TS_OK) && g->r.opt.has_timestamp &&
	    (int32_t)(g->r.opt.ts_val - s->ts_recent) >= 0 && capnet_seq_le(g->seq, s->last_ack_sent)) {
		s->ts_recent = g->r.opt.ts_val;
		s->ts_recent_sec = (uint32_t)(now / CAPNET_S(1));
	}
}

static void reset_received(struct capnet_tcp_sock *s, capnet_instant now)
{
	TCP_COUNT(s->tcp, tcp_rcvrst);
	switch (s->state) {
	case CAPNET_TCP_SYN_RECEIVED:
		if (s->flags & TF_PASSIVE) {
			tcp_drop(s, CAPNET_E_RESET, now); /* back to LISTEN: the child just goes */
		} else {
			TCP_COUNT(s->tcp, tcp_conn_refused);
			tcp_drop(s, CAPNET_E_REFUSED, now);
		}
		break;
	case CAPNET_TCP_TIME_WAIT:
		if (!s->tcp->cfg.rfc1337)
			tcp_drop(s, CAPNET_OK, now); /* RFC 9293: CLOSED; RFC 1337 would ignore it */
		break;
	case CAPNET_TCP_ESTABLISHED:
	case CAPNET_TCP_FIN_WAIT_1:
	case CAPNET_TCP_FIN_WAIT_2:
	case CAPNET_TCP_CLOSE_WAIT:
		TCP_COUNT(s->tcp, tcp_conn_drops);
		tcp_drop(s, CAPNET_E_RESET, now);
		break;
	default:
		tcp_drop(s, CAPNET_E_RESET, now);
		break;
	}
}

/* Accepts a completed passive handshake into the listener's queue; false
 * when the queue is full (the ACK is dropped; the SYN-ACK timer retries). */
static bool to_accept_queue(struct capnet_tcp_sock *s)
{
	struct capnet_tcp *tcp = s->tcp;
	if (s->parent == TCP_NONE)
		return true;
	struct capnet_tcp_sock *l = &tcp->socks[s->parent];
	if (l->u.l.acc_count >= l->u.l.backlog) {
		TCP_COUNT(tcp, tcp_backlog_overflow);
		return false;
	}
	if (l->u.l.syn_count > 0)
		l->u.l.syn_count--;
	uint32_t idx = tcp_sock_index(tcp, s);
	s->aq_next = TCP_NONE;
	if (l->u.l.aq_tail == TCP_NONE)
		l->u.l.aq_head = idx;
	else
		tcp->socks[l->u.l.aq_tail].aq_next = idx;
	l->u.l.aq_tail = idx;
	l->u.l.acc_count++;
	s->flags |= TF_IN_AQ;
	TCP_COUNT(tcp, tcp_accepts);
	return true;
}

static void input_synchronized(struct capnet_tcp_sock *s, struct seg *g, capnet_instant now)
{
	struct capnet_tcp *tcp = s->tcp;
	s->segs_in += g->segs;

	/* A retransmitted SYN for our SYN-RECEIVED: the SYN-ACK was lost. */
	if (tcp_syn_unacked(s) && has(g, CAPNET_TCP_SYN) &&
	    !has(g, CAPNET_TCP_ACK_FLAG | CAPNET_TCP_RST) && g->seq == s->irs) {
		tcp_send_syn(s, now);
		return;
	}
	/* RFC 7323 3.2: once negotiated, every segment but an RST carries a
	 * timestamp; one without is silently dropped. */
	if ((s->flags & TF_TS_OK) && !g->r.opt.has_timestamp && !has(g, CAPNET_TCP_RST)) {
		TCP_COUNT(tcp, tcp_rcvbadopt);
		return;
	}
	if (!paws_ok(s, g, now)) {
		set_ack_now(s);
		return;
	}
	/* First step: sequence number. */
	bool zero_wnd_probe = false;
	if (!acceptable(s, g)) {
		uint32_t wnd = capnet_seq_gt(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
		if (wnd == 0 && g->seq == s->rcv_nxt && !has(g, CAPNET_TCP_RST | CAPNET_TCP_SYN)) {
			/* 3.10.7.4: with a zero window, still take ACKs (and a FIN at
			 * rcv_nxt); the text is dropped and the probe answered. */
			zero_wnd_probe = true;
		} else {
			if (has(g, CAPNET_TCP_RST)) {
				TCP_COUNT(tcp, tcp_rcvrst_bad);
				return;
			}
			if (capnet_seq_le(g->seq + g->len, s->rcv_nxt) && g->len > 0)
				TCP_COUNT(tcp, tcp_rcvdup);
			else
				TCP_COUNT(tcp, tcp_rcvoutofwindow);
			if (s->state == CAPNET_TCP_TIME_WAIT && has(g, CAPNET_TCP_FIN))
				tcp_timewait_arm(s, now);
			set_ack_now(s);
			return;
		}
	}
	s->last_rcv = now;
	s->ka_sent = 0;
	/* Second step: RST (RFC 5961 3.2). */
	if (has(g, CAPNET_TCP_RST)) {
		if (g->seq == s->rcv_nxt)
			reset_received(s, now);
		else
			challenge_ack(s, now);
		return;
	}
	/* Fourth step: SYN (RFC 5961 4.2). */
	if (has(g, CAPNET_TCP_SYN)) {
		if (s->state == CAPNET_TCP_SYN_RECEIVED && (s->flags & TF_PASSIVE)) {
			tcp_drop(s, CAPNET_E_RESET, now); /* a different SYN: back to LISTEN */
			return;
		}
		challenge_ack(s, now);
		return;
	}
	/* Fifth step: ACK. */
	if (!has(g, CAPNET_TCP_ACK_FLAG))
		return;
	/* RFC 5961 5.2: an ACK outside what we may accept gets an ACK and the
	 * segment is discarded -- before TS.Recent is taken from it (RFC 7323
	 * 4.3 records it from segments that are processed), or one guessed
	 * segment with a far TSval would make PAWS drop the next real one. */
	bool syn_unacked = tcp_syn_unacked(s);
	if (!syn_unacked && !ack_acceptable(s, g))
		return;
	update_ts_recent(s, g, now);
	if (syn_unacked) {
		if (!capnet_seq_gt(g->r.ack, s->snd_una) || capnet_seq_gt(g->r.ack, s->snd_max)) {
			TCP_COUNT(tcp, tcp_rcvacktoomuch);
			tcp_send_reset(tcp, &g->dst, &g->src, &g->r, g->len, now);
			return;
		}
		if (!to_accept_queue(s))
			return;
		s->snd_una = s->iss + 1; /* the SYN is acknowledged */
		if ((s->flags & TF_RTT_TIMING) && capnet_seq_gt(g->r.ack, s->rtt_seq)) {
			s->flags &= ~TF_RTT_TIMING;
			tcp_rtt_sample(s, (uint32_t)now - s->rtt_start);
		}
		s->snd_wnd = (uint32_t)g->r.window << s->snd_wscale;
		s->max_snd_wnd = s->snd_wnd;
		s->snd_wl1 = g->seq;
		s->snd_wl2 = g->r.ack;
		s->t_rexmt = CAPNET_INSTANT_NEVER;
		s->progress_at = now;
		established(s, now);
	}
	if (!process_ack(s, g, now))
		return;
	if (s->tcp == NULL || s->state == CAPNET_TCP_CLOSED)
		return;
	if (zero_wnd_probe) {
		set_ack_now(s);
		if (!has(g, CAPNET_TCP_FIN) || g->r.payload_len > 0)
			return;
	}
	/* Sixth step (URG) is ignored: urgent data is delivered inline and
	 * the pointer is not reported (RFC 6093). Seventh and eighth: */
	process_text_and_fin(s, g, now);
}

/* ---- entry ---- */

/* The common case of a bulk receiver -- the next in-order data of an
 * established connection, with room for it -- has its payload copied into
 * the receive ring and summed in one pass, before anything else looks at
 * it (the checksum is not yet known to be good). The copy lands past the
 * data the ring holds, where this segment's bytes go and nothing else
 * lives (no out-of-order data is held), so a bad segment leaves nothing
 * behind: the ring's length is untouched until the segment is taken.
 * `sum`: false when the NIC already vouched for the checksum (GRO), so
 * the copy need not sum what nobody will check. */
static bool place_payload(struct capnet_tcp_sock *s, struct seg *g, bool sum)
{
	g->placed = false;
	if (s == NULL || s->state != CAPNET_TCP_ESTABLISHED || g->r.payload_len == 0)
		return false;
	if ((s->flags & (TF_LISTENER | TF_RD_SHUT | TF_FIN_RCVD)) || s->rcv.buf == NULL || s->nooo != 0)
		return false;
	if (g->r.flags & (CAPNET_TCP_SYN | CAPNET_TCP_RST))
		return false;
	if (g->r.seq != s->rcv_nxt || g->r.payload_len > s->rcv.size - s->rcv.len)
		return false;
	if (sum)
		g->placed_sum = tcp_ring_write_at_csum(&s->rcv, s->rcv.len, g->r.payload, (uint32_t)g->r.payload_len);
	else
		tcp_ring_write_at(&s->rcv, s->rcv.len, g->r.payload, (uint32_t)g->r.payload_len);
	g->placed = true;
	g->placed_at = s->rcv.len;
	return true;
}

/* The tcpstat-style counter for each reason the codec refuses a segment. */
static void count_parse_error(struct capnet_tcp *tcp, enum capnet_tcp_error why)
{
	static const enum capnet_stat by_reason[] = {
		[CAPNET_TCP_ERR_TRUNCATED] = CAPNET_STAT_tcp_rcvshort,
		[CAPNET_TCP_ERR_BAD_OFFSET] = CAPNET_STAT_tcp_rcvbadoff,
		[CAPNET_TCP_ERR_OFFSET_BEYOND] = CAPNET_STAT_tcp_rcvshort,
		[CAPNET_TCP_ERR_BAD_CHECKSUM] = CAPNET_STAT_tcp_rcvbadsum,
		[CAPNET_TCP_ERR_BAD_OPTION] = CAPNET_STAT_tcp_rcvbadopt,
	};
	CAPNET_IFACE_COUNT_REASON(tcp->ifc, by_reason, why);
}

static void finish(struct capnet_tcp_sock *s, capnet_instant now)
{
	if (s->tcp == NULL)
		return;
	if (s->state != CAPNET_TCP_CLOSED && s->state != CAPNET_TCP_LISTEN)
		tcp_output(s, now);
	tcp_timer_update(s);
}

void tcp_input(void *ctx, struct capnet_iface *ifc, const struct capnet_l3_rx *rx, capnet_instant now)
{
	struct capnet_tcp *tcp = ctx;
	(void)ifc;
	tcp->last_now = now;
	TCP_COUNT(tcp, tcp_rcvtotal);
	/* TCP is unicast only (RFC 9293 3.9.2.1 / RFC 1122 4.2.3.10). */
	if (rx->ip_broadcast || rx->link_broadcast || (rx->dst4 >> 28) == 0xe) {
		TCP_COUNT(tcp, tcp_rcvbadaddr);
		return;
	}
	/* Before an address is configured the interface lets unicast through
	 * for a DHCP OFFER; TCP still needs a local destination (RFC 1122
	 * 3.3.4.2): with no address nothing is ours to answer for. */
	struct capnet_ip4_config ipc;
	capnet_iface_get_ip4(ifc, &ipc);
	if (ipc.addr == 0 && rx->src.af == CAPNET_AF_INET) {
		TCP_COUNT(tcp, tcp_rcvbadaddr);
		return;
	}
	struct seg g;
	memset(&g, 0, sizeof g);
	uint32_t pseudo = rx->src.af == CAPNET_AF_INET6
				  ? capnet_csum_pseudo6(rx->src.u.v6.b, rx->dst.u.v6.b, CAPNET_IPPROTO_TCP,
							(uint32_t)rx->payload_len)
				  : capnet_csum_pseudo4(rx->src4, rx->dst4, CAPNET_IPPROTO_TCP, (uint16_t)rx->payload_len);
	enum capnet_tcp_error why;
	uint16_t header_sum = 0;
	capnet_err pe = rx->csum_valid
				? capnet_tcp_parse_verified(rx->payload, rx->payload_len, &g.r, &why)
				: capnet_tcp_parse_header(rx->payload, rx->payload_len, pseudo, &g.r, &why, &header_sum);
	if (pe != CAPNET_OK) {
		count_parse_error(tcp, why);
		return;
	}
	g.segs = rx->gso_segs > 1 ? rx->gso_segs : 1;
	g.src = rx->src;
	g.dst = rx->dst;
	/* Nothing is done with the segment until its checksum holds: the
	 * lookup only reads, and place_payload writes only past the data the
	 * ring holds. */
	struct capnet_tcp_sock *s = tcp_lookup(tcp, &g.dst, g.r.dst_port, &g.src, g.r.src_port);
	bool placed = place_payload(s, &g, !rx->csum_valid);
	if (!rx->csum_valid) {
		/* The NIC vouched for nothing: the sum taken while copying (or,
		 * when nothing was placed, over the payload where it lies). */
		uint16_t payload_sum = placed ? g.placed_sum : capnet_csum_partial(g.r.payload, g.r.payload_len, 0);
		if (!capnet_tcp_payload_sum_ok(header_sum, payload_sum)) {
			g.placed = false;
			count_parse_error(tcp, CAPNET_TCP_ERR_BAD_CHECKSUM);
			return;
		}
	}
	g.seq = g.r.seq;
	g.len = (uint32_t)g.r.payload_len + (has(&g, CAPNET_TCP_SYN) ? 1u : 0u) + (has(&g, CAPNET_TCP_FIN) ? 1u : 0u);
	if (g.r.src_port == 0 || g.r.dst_port == 0) {
		TCP_COUNT(tcp, tcp_rcvbadaddr);
		return;
	}

	uint32_t iss_floor = 0;
	bool reopened = false;
	if (s && s->state == CAPNET_TCP_TIME_WAIT && has(&g, CAPNET_TCP_SYN) &&
	    !has(&g, CAPNET_TCP_ACK_FLAG | CAPNET_TCP_RST)) {
		/* A new incarnation may take over a TIME-WAIT (RFC 9293 3.10.7.4,
		 * RFC 6191) when its SYN is unambiguously newer. */
		/* RFC 6191 2: when the old connection used timestamps and the
		 * new one will, the timestamp alone decides; the sequence number
		 * only when timestamps are out of the picture. */
		bool ts = (s->flags & TF_TS_OK) && g.r.opt.has_timestamp && !tcp->cfg.no_timestamps;
		bool newer = ts ? (int32_t)(g.r.opt.ts_val - s->ts_recent) > 0 : capnet_seq_gt(g.seq, s->rcv_nxt);
		struct capnet_tcp_sock *l = tcp_lookup_listener(tcp, g.r.dst_port);
		if (newer && l) {
			/* RFC 1122 4.2.2.13 (1): the new ISS must lie above every
			 * sequence number the old incarnation used, whatever the ISN
			 * clock says after a fast transfer; a full unscaled window
			 * above SND.MAX, as Linux does. */
			iss_floor = s->snd_max + 65535u + 2u;
			reopened = true;
			TCP_COUNT(tcp, tcp_timewait_reused);
			tcp_drop(s, CAPNET_OK, now);
			s = NULL;
		}
	}
	if (s == NULL) {
		struct capnet_tcp_sock *l = tcp_lookup_listener(tcp, g.r.dst_port);
		if (l == NULL) {
			input_closed(tcp, &g, now);
			return;
		}
		bool handled = false;
		if (has(&g, CAPNET_TCP_ACK_FLAG) && !has(&g, CAPNET_TCP_SYN | CAPNET_TCP_RST) &&
		    tcp_cookie_expected(l, now))
			s = cookie_ack(l, &g, &handled, now);
		if (s == NULL) {
			if (!handled)
				input_listen(l, &g, reopened ? &iss_floor : NULL, now);
			return;
		}
	}
	uint32_t parent = s->parent;
	switch (s->state) {
	case CAPNET_TCP_SYN_SENT:
		s->segs_in += g.segs;
		input_syn_sent(s, &g, now);
		break;
	case CAPNET_TCP_CLOSED:
	case CAPNET_TCP_LISTEN:
		input_closed(tcp, &g, now);
		return;
	default:
		input_synchronized(s, &g, now);
		break;
	}
	finish(s, now);
	tcp_notify(s, now);
	if (parent != TCP_NONE && tcp->socks[parent].tcp)
		tcp_notify(&tcp->socks[parent], now);
}

/* Plateaus below Ethernet's 1500 in the spirit of RFC 1191 7.1 (1492 and
 * 1006 are from its table, 1280 is IPv6's minimum link MTU), ending at the
 * 576 bytes every IPv4 host must accept (RFC 791). */
#define PMTU_MIN 576u

static uint32_t plateau_below(uint32_t size)
{
	static const uint16_t plateaus[] = {1492, 1280, 1006, PMTU_MIN};
	for (size_t k = 0; k < sizeof plateaus / sizeof plateaus[0]; k++)
		if (plateaus[k] < size)
			return plateaus[k];
	return 0;
}

/* RFC 1191: "fragmentation needed" for a segment we sent with DF. Take
 * the next-hop MTU the router reported, but never below 576 bytes (what
 * every host accepts, RFC 791: a forged tiny MTU must not make us send
 * tiny segments) and never up (RFC 1191 3: the estimate only shrinks on
 * such a message; a report at or above the size we send is stale). A
 * router that reports 0 predates RFC 1191: step down the plateau table
 * below the size we send instead (7.1). Then resend from snd_una at once;
 * no congestion response, nothing was lost to congestion. */
static void path_mtu_smaller(struct capnet_tcp_sock *s, uint16_t next_hop_mtu, capnet_instant now)
{
	uint32_t cur = (uint32_t)s->snd_mss + CAPNET_IP4_HDR_LEN + CAPNET_TCP_HDR_LEN + ((s->flags & TF_TS_OK) ? 12u : 0u);
	uint32_t pmtu = next_hop_mtu != 0 ? next_hop_mtu : plateau_below(cur);
	if (pmtu < PMTU_MIN)
		pmtu = PMTU_MIN;
	if (pmtu >= cur)
		return;
	s->peer_mss = (uint16_t)(pmtu - CAPNET_IP4_HDR_LEN - CAPNET_TCP_HDR_LEN);
	s->flags |= TF_PMTU;
	tcp_set_snd_mss(s);
	if (s->snd_max != s->snd_una && s->state >= CAPNET_TCP_ESTABLISHED) {
		s->snd_nxt = s->snd_una;
		s->flags &= ~TF_RTT_TIMING;
		tcp_output(s, now);
		tcp_timer_update(s);
	}
}

/* ICMP errors about a segment we sent (RFC 5927: only when the quoted
 * sequence number is in flight; RFC 1122 4.2.3.9 / RFC 5461: hard errors
 * only end a connection that is still opening). The interface has parsed
 * the quote; one without our ports and sequence number is ignored. */
void tcp_icmp_error(void *ctx, struct capnet_iface *ifc, const struct capnet_icmp4_quote *q,
		    enum capnet_icmp4_error why, capnet_instant now)
{
	struct capnet_tcp *tcp = ctx;
	(void)ifc;
	if (why != CAPNET_ICMP4_ERR_NONE)
		return;
	struct capnet_ipaddr la = {.af = CAPNET_AF_INET}, ra = {.af = CAPNET_AF_INET};
	la.u.v4 = q->src;
	ra.u.v4 = q->dst;
	struct capnet_tcp_sock *s = tcp_lookup(tcp, &la, q->src_port, &ra, q->dst_port);
	if (s == NULL || capnet_seq_lt(q->seq, s->snd_una) || capnet_seq_gt(q->seq, s->snd_max))
		return;
	TCP_COUNT(tcp, tcp_icmp_errors);
	if (q->type != CAPNET_ICMP4_DEST_UNREACH) /* time exceeded: soft */
		return;
	if (q->code == CAPNET_ICMP4_FRAG_NEEDED) {
		path_mtu_smaller(s, q->next_hop_mtu, now);
		return;
	}
	bool proto_or_port = q->code == CAPNET_ICMP4_PROTO_UNREACH || q->code == CAPNET_ICMP4_PORT_UNREACH;
	if (s->state == CAPNET_TCP_SYN_SENT && proto_or_port) {
		tcp_drop(s, q->code == CAPNET_ICMP4_PORT_UNREACH ? CAPNET_E_REFUSED : CAPNET_E_UNREACHABLE, now);
		tcp_notify(s, now);
		return;
	}
	s->flags |= TF_SOFT_UNREACH;
}
