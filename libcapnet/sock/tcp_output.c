/* Segment building and the send policy: what may go now (RFC 9293 3.8.6:
 * the peer's window, the congestion window, Nagle 3.7.4, sender SWS
 * avoidance 3.8.6.2.1), retransmissions (RTO go-back and RFC 6675 / RFC
 * 6582 recovery), the window we advertise (receiver SWS avoidance
 * 3.8.6.2.2, never shrinking the right edge, RFC 7323 scaling), timestamps
 * and SACK blocks, probes and resets. */
#include <string.h>

#include "capnet/wire/checksum.h"
#include "capnet/wire/ipv4.h"
#include "tcp_internal.h"

uint32_t tcp_pseudo(const struct capnet_tcp_sock *s, size_t len)
{
	if (s->laddr.af == CAPNET_AF_INET6)
		return capnet_csum_pseudo6(s->laddr.u.v6.b, s->raddr.u.v6.b, CAPNET_IPPROTO_TCP, (uint32_t)len);
	return capnet_csum_pseudo4(s->laddr.u.v4, s->raddr.u.v4, CAPNET_IPPROTO_TCP, (uint16_t)len);
}

static uint32_t pseudo_for(const struct capnet_ipaddr *la, const struct capnet_ipaddr *ra, size_t len)
{
	if (la->af == CAPNET_AF_INET6)
		return capnet_csum_pseudo6(la->u.v6.b, ra->u.v6.b, CAPNET_IPPROTO_TCP, (uint32_t)len);
	return capnet_csum_pseudo4(la->u.v4, ra->u.v4, CAPNET_IPPROTO_TCP, (uint16_t)len);
}

uint8_t *tcp_tx_buffer(struct capnet_tcp *tcp, const struct capnet_ipaddr *la, size_t *cap)
{
	return la->af == CAPNET_AF_INET6 ? capnet_ip6_tx_buffer(tcp->ifc, cap) : capnet_ip4_tx_buffer(tcp->ifc, cap);
}

/* Hands a built segment to IP, of the local address's family. gso_size
 * (IPv4 only, tso_segs): a super-frame the nic cuts into segments. */
static capnet_err send_ip(struct capnet_tcp *tcp, const struct capnet_ipaddr *la, const struct capnet_ipaddr *ra,
			  size_t len, uint16_t gso_size, capnet_instant now)
{
	TCP_COUNT(tcp, tcp_sndtotal);
	if (la->af == CAPNET_AF_INET6) {
		/* IPv6 routers never fragment (RFC 8200 5): no DF to set. */
		struct capnet_ip6_tx tx6 = {.src = la->u.v6, .dst = ra->u.v6, .next_header = CAPNET_IPPROTO_TCP};
		capnet_err e6 = capnet_ip6_send(tcp->ifc, &tx6, len, now);
		if (e6 != CAPNET_OK)
			TCP_COUNT(tcp, tcp_snd_errors);
		return e6;
	}
	if (la->af != CAPNET_AF_INET) {
		TCP_COUNT(tcp, tcp_snd_errors);
		return CAPNET_E_UNSUPPORTED;
	}
	struct capnet_ip4_tx tx = {
		.src = la->u.v4,
		.dst = ra->u.v4,
		.proto = CAPNET_IPPROTO_TCP,
		.flags = CAPNET_IP4_TX_DONT_FRAGMENT,
		.gso_size = gso_size,
	};
	capnet_err e = capnet_ip4_send(tcp->ifc, &tx, len, now);
	if (e != CAPNET_OK)
		TCP_COUNT(tcp, tcp_snd_errors);
	return e;
}

/* ---- the receive window ---- */

uint32_t tcp_rcv_window(const struct capnet_tcp_sock *s)
{
	uint32_t cur = capnet_seq_gt(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
	/* No receive ring (after the peer's FIN, or once closed): nothing more
	 * can be taken, but the edge already advertised stays put rather than
	 * shrinking to a zero window (RFC 9293 3.8.6). */
	if (s->rcv.buf == NULL)
		return cur;
	uint32_t avail = s->rcv.size - s->rcv.len;
	uint32_t max = 65535u << s->rcv_wscale;
	if (avail > max)
		avail = max;
	if (avail <= cur)
		return cur; /* never move the right edge back (RFC 9293 3.8.6) */
	/* Receiver SWS avoidance: open only by min(buffer/2, MSS) or more. */
	uint32_t step = s->rcv.size / 2 < s->rcv_mss ? s->rcv.size / 2 : s->rcv_mss;
	if (avail - cur < step)
		return cur;
	return avail;
}

uint16_t tcp_window_field(struct capnet_tcp_sock *s)
{
	uint32_t field = tcp_rcv_window(s) >> s->rcv_wscale;
	/* RFC 7323 2.4 / appendix F: rounding the scaled field down would move
	 * the right edge already advertised to the left (RFC 9293 3.8.6); round
	 * up to the edge in force instead. */
	uint32_t cur = capnet_seq_gt(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
	if ((uint64_t)field << s->rcv_wscale < cur)
		field = (uint32_t)(((uint64_t)cur + (1u << s->rcv_wscale) - 1) >> s->rcv_wscale);
	if (field > 65535u)
		field = 65535u;
	uint32_t edge = s->rcv_nxt + (field << s->rcv_wscale);
	if (capnet_seq_gt(edge, s->rcv_adv))
		s->rcv_adv = edge;
	return (uint16_t)field;
}

/* ---- options ---- */

static void syn_options(const struct capnet_tcp_sock *s, struct capnet_tcp_options *o, capnet_instant now)
{
	const struct capnet_tcp_config *c = &s->tcp->cfg;
	bool active = s->state == CAPNET_TCP_SYN_SENT;
	o->has_mss = true;
	o->mss = s->rcv_mss;
	/* A SYN offers what we support; a SYN-ACK only what the SYN offered. */
	if (!c->no_sack && (active || (s->flags & TF_SACK_OK)))
		o->sack_permitted = true;
	if (!c->no_timestamps && (active || (s->flags & TF_TS_OK))) {
		o->has_timestamp = true;
		o->ts_val = tcp_ts_now(s, now);
		o->ts_ecr = active ? 0 : s->ts_recent;
	}
	if (!c->no_wscale && (active || (s->flags & TF_WS_OK))) {
		o->has_wscale = true;
		o->wscale = s->rcv_wscale;
	}
}

static uint32_t sack_optlen(const struct capnet_tcp_sock *s)
{
	if (!(s->flags & TF_SACK_OK) || s->nooo == 0)
		return 0;
	uint32_t n = s->nooo, max = (s->flags & TF_TS_OK) ? 3 : 4;
	return 4 + 8 * (n < max ? n : max);
}

/* Payload that fits one segment now (SACK blocks take option space). */
static uint32_t seg_max(const struct capnet_tcp_sock *s)
{
	uint32_t o = sack_optlen(s); /* <= 36, and snd_mss >= 64 */
	return s->snd_mss > o ? s->snd_mss - o : s->snd_mss;
}

/* Builds and sends one segment of this connection; `dlen` bytes of the
 * send ring from `data_off`. gso > 0: dlen may be several segments of gso
 * bytes, one TSO super-frame the nic cuts (they share this header: the
 * same ACK, window and timestamp, as the kernel's segmentation gives). */
static capnet_err emit(struct capnet_tcp_sock *s, uint16_t gso, uint32_t seq, uint8_t flags, uint32_t data_off,
		       uint32_t dlen, capnet_instant now)
{
	struct capnet_tcp *tcp = s->tcp;
	struct capnet_tcp_repr r;
	memset(&r, 0, sizeof r);
	r.src_port = s->lport;
	r.dst_port = s->rport;
	r.seq = seq;
	r.flags = flags;
	if (flags & CAPNET_TCP_ACK_FLAG)
		r.ack = s->rcv_nxt;
	if (flags & CAPNET_TCP_SYN) {
		syn_options(s, &r.opt, now);
		/* RFC 7323 2.2: the window in a SYN is never scaled. */
		r.window = (uint16_t)(s->rcv.size > 65535u ? 65535u : s->rcv.size);
	} else {
		r.window = tcp_window_field(s);
		if (s->flags & TF_TS_OK) {
			r.opt.has_timestamp = true;
			r.opt.ts_val = tcp_ts_now(s, now);
			r.opt.ts_ecr = s->ts_recent;
		}
		if ((flags & CAPNET_TCP_ACK_FLAG) && !(flags & CAPNET_TCP_RST) && (s->flags & TF_SACK_OK))
			r.opt.sack_count = tcp_sack_blocks(s, r.opt.sack, CAPNET_TCP_MAX_SACK_BLOCKS);
	}
	size_t cap;
	uint8_t *buf = gso > 0 ? capnet_ip4_tx_buffer_gso(tcp->ifc, &cap) : tcp_tx_buffer(tcp, &s->laddr, &cap);
	size_t hlen = CAPNET_TCP_HDR_LEN + capnet_tcp_options_len(&r.opt);
	if (hlen + dlen > cap)
		dlen = cap > hlen ? (uint32_t)(cap - hlen) : 0;
	uint16_t payload_sum = 0;
	if (dlen > 0) {
		/* copied into the frame and summed in one pass */
		payload_sum = tcp_ring_peek_csum(&s->snd, data_off, buf + hlen, dlen);
		r.payload = buf + hlen;
		r.payload_len = dlen;
	}
	size_t total = capnet_tcp_emit_summed(&r, buf, tcp_pseudo(s, hlen + dlen), payload_sum);
	capnet_err e = send_ip(tcp, &s->laddr, &s->raddr, total, dlen > gso ? gso : 0, now);
	/* RFC 8985 6.1: RACK needs every data segment's transmit time (a
	 * TSO super-frame is one transmission, as Linux's skbs are). */
	if (!(flags & (CAPNET_TCP_SYN | CAPNET_TCP_RST)) && tcp_rack_wanted(s))
		tcp_rack_sent(s, seq, dlen + ((flags & CAPNET_TCP_FIN) ? 1u : 0u), capnet_seq_lt(seq, s->snd_max), now);
	s->segs_out += gso > 0 && dlen > gso ? (dlen + gso - 1) / gso : 1;
	if (flags & CAPNET_TCP_ACK_FLAG) {
		s->last_ack_sent = s->rcv_nxt;
		s->flags &= ~(TF_ACK_NOW | TF_DELACK);
		s->t_delack = CAPNET_INSTANT_NEVER;
	}
	return e;
}

capnet_err tcp_send_syn(struct capnet_tcp_sock *s, capnet_instant now)
{
	uint8_t flags = CAPNET_TCP_SYN;
	if (tcp_syn_unacked(s))
		flags |= CAPNET_TCP_ACK_FLAG;
	capnet_err e = emit(s, 0, s->iss, flags, 0, 0, now);
	if (s->state != CAPNET_TCP_FIN_WAIT_1)
		s->snd_nxt = s->iss + 1; /* (in FIN-WAIT-1 our FIN is out too) */
	if (capnet_seq_gt(s->snd_nxt, s->snd_max))
		s->snd_max = s->snd_nxt;
	/* Karn: only a SYN sent once may be timed. */
	if (s->flags & TF_SYN_RETRANSMITTED) {
		s->flags &= ~TF_RTT_TIMING;
	} else {
		s->flags |= TF_RTT_TIMING;
		s->rtt_seq = s->iss;
		s->rtt_start = (uint32_t)now;
	}
	return e;
}

void tcp_send_fin_after_syn(struct capnet_tcp_sock *s, capnet_instant now)
{
	emit(s, 0, s->iss + 1, CAPNET_TCP_FIN | CAPNET_TCP_ACK_FLAG, 0, 0, now);
	s->snd_nxt = s->snd_max = s->iss + 2;
}

void tcp_send_ack(struct capnet_tcp_sock *s, capnet_instant now)
{
	TCP_COUNT(s->tcp, tcp_sndacks);
	/* snd_max, not snd_nxt: after an RTO pulled snd_nxt back, a pure ACK
	 * below what the peer already has would be out of its window and
	 * dropped, ACK information and all. While probing a zero window,
	 * though, snd_max counts the probe's octet, which the peer did not
	 * take: with a zero window only SEG.SEQ = RCV.NXT is acceptable (RFC
	 * 9293 3.10.7.4), and RCV.NXT there is our snd_nxt. */
	emit(s, 0, (s->flags & TF_PERSIST) ? s->snd_nxt : s->snd_max, CAPNET_TCP_ACK_FLAG, 0, 0, now);
}

void tcp_send_rst_for(struct capnet_tcp_sock *s, capnet_instant now)
{
	if (s->state == CAPNET_TCP_SYN_SENT || s->state == CAPNET_TCP_CLOSED || s->state == CAPNET_TCP_LISTEN)
		return; /* nothing synchronized to reset (RFC 9293 3.10.5) */
	TCP_COUNT(s->tcp, tcp_sndrst);
	emit(s, 0, s->snd_max, CAPNET_TCP_RST | CAPNET_TCP_ACK_FLAG, 0, 0, now);
}

void tcp_send_reset(struct capnet_tcp *tcp, const struct capnet_ipaddr *laddr, const struct capnet_ipaddr *raddr,
		    const struct capnet_tcp_repr *seg, size_t seg_len, capnet_instant now)
{
	if (seg->flags & CAPNET_TCP_RST)
		return; /* never answer a reset */
	struct capnet_tcp_repr r;
	memset(&r, 0, sizeof r);
	r.src_port = seg->dst_port;
	r.dst_port = seg->src_port;
	if (seg->flags & CAPNET_TCP_ACK_FLAG) {
		r.seq = seg->ack;
		r.flags = CAPNET_TCP_RST;
	} else {
		r.seq = 0;
		r.ack = seg->seq + (uint32_t)seg_len;
		r.flags = CAPNET_TCP_RST | CAPNET_TCP_ACK_FLAG;
	}
	TCP_COUNT(tcp, tcp_sndrst);
	tcp_send_stateless(tcp, laddr, raddr, &r, now);
}

capnet_err tcp_send_stateless(struct capnet_tcp *tcp, const struct capnet_ipaddr *laddr,
			      const struct capnet_ipaddr *raddr, const struct capnet_tcp_repr *r, capnet_instant now)
{
	size_t cap;
	uint8_t *buf = tcp_tx_buffer(tcp, laddr, &cap);
	size_t hlen = CAPNET_TCP_HDR_LEN + capnet_tcp_options_len(&r->opt);
	size_t n = capnet_tcp_emit(r, buf, pseudo_for(laddr, raddr, hlen));
	return send_ip(tcp, laddr, raddr, n, 0, now);
}

/* ---- data ---- */

static bool fin_sent(const struct capnet_tcp_sock *s)
{
	return (s->flags & TF_FIN_QUEUED) && s->snd_max == s->snd_una + s->snd.len + 1;
}

uint32_t tcp_retransmit(struct capnet_tcp_sock *s, uint32_t seq, uint32_t maxlen, capnet_instant now)
{
	uint32_t off = seq - s->snd_una;
	if (capnet_seq_lt(seq, s->snd_una) || off > s->snd.len)
		return 0;
	uint32_t len = s->snd.len - off, lim = seg_max(s);
	if (len > maxlen)
		len = maxlen;
	if (len > lim)
		len = lim;
	bool fin = fin_sent(s) && off + len == s->snd.len;
	if (len == 0 && !fin)
		return 0;
	uint8_t flags = CAPNET_TCP_ACK_FLAG;
	if (fin)
		flags |= CAPNET_TCP_FIN;
	if (off + len == s->snd.len)
		flags |= CAPNET_TCP_PSH;
	emit(s, 0, seq, flags, off, len, now);
	TCP_COUNT(s->tcp, tcp_sndrexmitpack);
	tcp_count_n(s->tcp, CAPNET_STAT_tcp_sndrexmitbyte, len);
	s->retransmits++;
	s->bytes_sent += len;
	s->flags &= ~TF_RTT_TIMING; /* Karn's rule */
	return len + (fin ? 1u : 0u);
}

/* Bytes the congestion window must count as in the network. */
static uint32_t flight(const struct capnet_tcp_sock *s)
{
	if (s->flags & TF_RECOVERY) {
		if (s->flags & TF_SACK_OK)
			return tcp_score_pipe(s);
		uint32_t f = s->snd_max - s->snd_una;
		return f > s->rexmit_credit ? f - s->rexmit_credit : 0;
	}
	return s->snd_nxt - s->snd_una;
}

static uint32_t cwnd_allowance(const struct capnet_tcp_sock *s)
{
	uint32_t w = s->cc.cwnd;
	/* RFC 3042 limited transmit: the first two duplicate ACKs each let one
	 * new segment go, so a small window still produces a third. */
	if (!(s->flags & TF_RECOVERY) && s->dupacks > 0 && s->dupacks < TCP_DUPTHRESH)
		w += (uint32_t)s->dupacks * s->snd_mss;
	return w;
}

static bool may_send_data(const struct capnet_tcp_sock *s)
{
	switch (s->state) {
	case CAPNET_TCP_ESTABLISHED:
	case CAPNET_TCP_CLOSE_WAIT:
	case CAPNET_TCP_FIN_WAIT_1:
	case CAPNET_TCP_CLOSING:
	case CAPNET_TCP_LAST_ACK:
		return s->snd.buf != NULL;
	default:
		return false;
	}
}

/* TSO (the iface's nic cuts super-frames): how many segments of maxseg
 * one emit may carry; 1 without. The windows still count bytes, and so
 * segments, as before. */
static uint32_t tso_segs(const struct capnet_tcp_sock *s, uint32_t maxseg)
{
	uint32_t max = capnet_iface_tso_max(s->tcp->ifc);
	if (max == 0 || s->laddr.af != CAPNET_AF_INET)
		return 1;
	uint32_t room = max - CAPNET_IP4_HDR_LEN - CAPNET_TCP_HDR_LEN - 40; /* options at most */
	uint32_t n = room / maxseg;
	return n > 1 ? n : 1;
}

/* Sends from snd_nxt: new data, or after an RTO pulled snd_nxt back, the
 * go-back retransmission (skipping what the peer SACKed). */
static bool send_from_nxt(struct capnet_tcp_sock *s, bool force, capnet_instant now)
{
	bool sent = false;
	for (unsigned guard = 0; guard < 4096; guard++) {
		uint32_t off = s->snd_nxt - s->snd_una;
		if (off > s->snd.len)
			break; /* the FIN is out */
		bool retrans = capnet_seq_lt(s->snd_nxt, s->snd_max);
		if (retrans && (s->flags & TF_SACK_OK)) {
			uint32_t skip = tcp_score_skip(s, s->snd_nxt);
			if (skip != s->snd_nxt) {
				s->snd_nxt = skip;
				continue;
			}
		}
		uint32_t avail = s->snd.len - off;
		if (avail == 0) {
			/* The FIN rides alone; it needs no window (as Linux). */
			if ((s->flags & TF_FIN_QUEUED) && (retrans || !fin_sent(s))) {
				/* RFC 9293 3.8.3 / RFC 5482: the user timeout counts
				 * from the FIN, not from the idle time before it. */
				if (s->snd_una == s->snd_max)
					s->progress_at = now;
				emit(s, 0, s->snd_nxt, CAPNET_TCP_FIN | CAPNET_TCP_ACK_FLAG, off, 0, now);
				if (retrans) {
					TCP_COUNT(s->tcp, tcp_sndrexmitpack);
					s->retransmits++;
				}
				s->snd_nxt++;
				if (capnet_seq_gt(s->snd_nxt, s->snd_max))
					s->snd_max = s->snd_nxt;
				sent = true;
			}
			break;
		}
		uint32_t edge = s->snd_una + s->snd_wnd;
		uint32_t usable = capnet_seq_gt(edge, s->snd_nxt) ? edge - s->snd_nxt : 0;
		uint32_t fl = flight(s), cw = cwnd_allowance(s);
		uint32_t cusable = cw > fl ? cw - fl : 0;
		if (cusable < usable && !force)
			usable = cusable; /* a forced segment (probe, SWS override) is one beyond cwnd */
		uint32_t maxseg = seg_max(s);
		uint32_t segs = retrans || force ? 1 : tso_segs(s, maxseg);
		uint32_t len = avail < maxseg * segs ? avail : maxseg * segs;
		if (len > usable)
			len = usable;
		/* A super-frame is what the segment loop would have sent: whole
		 * segments, and a short tail only where Nagle would let it go. */
		if (len > maxseg && len % maxseg != 0 &&
		    !(len == avail && (s->flags & (TF_NODELAY | TF_FIN_QUEUED))))
			len -= len % maxseg;
		if (retrans && (s->flags & TF_SACK_OK)) {
			uint32_t lim = tcp_score_next_sacked(s, s->snd_nxt, s->snd_max) - s->snd_nxt;
			if (len > lim)
				len = lim;
		}
		if (len == 0)
			break;
		if (!retrans && len < maxseg && !force) {
			if (len < avail) {
				/* Window-limited: sender SWS avoidance (3.8.6.2.1)
				 * waits for half the largest window seen. */
				if (len < s->max_snd_wnd / 2)
					break;
			} else if (!(s->flags & (TF_NODELAY | TF_FIN_QUEUED)) && s->snd_nxt != s->snd_una) {
				break; /* Nagle: one small segment in flight at a time */
			}
		}
		bool fin = (s->flags & TF_FIN_QUEUED) && off + len == s->snd.len;
		uint8_t flags = CAPNET_TCP_ACK_FLAG;
		if (off + len == s->snd.len)
			flags |= CAPNET_TCP_PSH;
		if (fin)
			flags |= CAPNET_TCP_FIN;
		if (s->snd_una == s->snd_max)
			s->progress_at = now; /* user timeout counts from here */
		uint32_t nseg = len > maxseg ? (len + maxseg - 1) / maxseg : 1;
		emit(s, len > maxseg ? (uint16_t)maxseg : 0, s->snd_nxt, flags, off, len, now);
		s->bytes_sent += len;
		if (retrans) {
			TCP_COUNT(s->tcp, tcp_sndrexmitpack);
			tcp_count_n(s->tcp, CAPNET_STAT_tcp_sndrexmitbyte, len);
			s->retransmits++;
			s->flags &= ~TF_RTT_TIMING;
		} else {
			tcp_count_n(s->tcp, CAPNET_STAT_tcp_sndpack, nseg);
			tcp_count_n(s->tcp, CAPNET_STAT_tcp_sndbyte, len);
			if (!(s->flags & TF_RTT_TIMING)) {
				s->flags |= TF_RTT_TIMING;
				s->rtt_seq = s->snd_nxt;
				s->rtt_start = (uint32_t)now;
			}
		}
		s->snd_nxt += len + (fin ? 1u : 0u);
		if (capnet_seq_gt(s->snd_nxt, s->snd_max))
			s->snd_max = s->snd_nxt;
		sent = true;
		if (fin || force)
			break;
	}
	return sent;
}

/* RFC 6675 5 (C): in SACK recovery, while the pipe leaves a segment of
 * room, retransmit lost holes first (NextSeg rule 1). */
static bool send_lost_holes(struct capnet_tcp_sock *s, bool lost_only, unsigned max_segs, capnet_instant now)
{
	bool sent = false;
	for (unsigned i = 0; i < max_segs; i++) {
		if (tcp_score_pipe(s) + s->snd_mss > s->cc.cwnd)
			break;
		uint32_t seq, len;
		if (tcp_rack_next_lost(s, &seq, &len)) {
			/* RACK: a retransmission deemed lost goes again; high_rxt stays */
			if (tcp_retransmit(s, seq, len, now) == 0)
				break;
			TCP_COUNT(s->tcp, tcp_sack_rexmits);
			sent = true;
			continue;
		}
		if (!tcp_score_next_hole(s, lost_only, &seq, &len))
			break;
		uint32_t n = tcp_retransmit(s, seq, len, now);
		if (n == 0)
			break;
		s->high_rxt = seq + n;
		s->rxt_mark = s->snd_max;
		s->flags |= TF_RXT_MARK;
		TCP_COUNT(s->tcp, tcp_sack_rexmits);
		sent = true;
	}
	return sent;
}

void tcp_output(struct capnet_tcp_sock *s, capnet_instant now)
{
	capnet_tcp_mtu_sync(s->tcp);
	bool sent = false;
	uint32_t max_before = s->snd_max;
	if (may_send_data(s)) {
		/* RFC 5681 4.1: after an idle period longer than the RTO the
		 * window that was measured is stale; restart from IW. */
		if (s->snd_una == s->snd_max && s->snd_nxt - s->snd_una < s->snd.len &&
		    now - s->progress_at > tcp_rto(s)) {
			capnet_tcp_cc_on_idle(&s->cc);
			s->progress_at = now;
		}
		if ((s->flags & (TF_RECOVERY | TF_SACK_OK)) == (TF_RECOVERY | TF_SACK_OK))
			sent |= send_lost_holes(s, true, 64, now);
		sent |= send_from_nxt(s, false, now);
		/* NextSeg rule 3: nothing new could go; a hole not yet deemed lost.
		 * RACK (RFC 8985) sends only what it deems lost: its reorder timer
		 * and the tail loss probe do what rules 3 and 4 guess at. */
		bool rack = tcp_rack_on(s);
		if ((s->flags & (TF_RECOVERY | TF_SACK_OK)) == (TF_RECOVERY | TF_SACK_OK) && !sent && !rack)
			sent |= send_lost_holes(s, false, 1, now);
		/* NextSeg rule 4: once per recovery, the segment holding the
		 * highest unSACKed byte, so a lost tail is repaired without the RTO. */
		if ((s->flags & (TF_RECOVERY | TF_SACK_OK | TF_RESCUED)) == (TF_RECOVERY | TF_SACK_OK) && !sent && !rack &&
		    capnet_seq_gt(s->snd_una, s->rescue_rxt) && tcp_score_pipe(s) + s->snd_mss <= s->cc.cwnd) {
			uint32_t seq, len;
			s->flags |= TF_RESCUED;
			if (tcp_score_rescue(s, &seq, &len) && tcp_retransmit(s, seq, len, now) > 0) {
				TCP_COUNT(s->tcp, tcp_sack_rexmits);
				sent = true;
			}
		}
		uint32_t off = s->snd_nxt - s->snd_una;
		bool unsent = off < s->snd.len;
		if (s->snd_max != s->snd_una) {
			/* RFC 8985 7.2: new data sent restarts a pending probe. */
			tcp_rexmt_arm(s, now, (s->flags & TF_TLP_ARMED) && s->snd_max != max_before);
		} else if (unsent && !(s->flags & TF_PERSIST)) {
			tcp_persist_arm(s, now);
		}
	}
	if (s->flags & TF_ACK_NOW) {
		switch (s->state) {
		case CAPNET_TCP_CLOSED:
		case CAPNET_TCP_LISTEN:
		case CAPNET_TCP_SYN_SENT:
			s->flags &= ~TF_ACK_NOW;
			break;
		default:
			tcp_send_ack(s, now);
			break;
		}
	}
}

bool tcp_send_forced(struct capnet_tcp_sock *s, capnet_instant now)
{
	return may_send_data(s) && send_from_nxt(s, true, now);
}

void tcp_send_probe(struct capnet_tcp_sock *s, bool keepalive, capnet_instant now)
{
	if (keepalive) {
		/* RFC 9293 3.8.4: <SEQ=SND.NXT-1>, no data: the peer answers
		 * with an ACK because it is out of window. */
		TCP_COUNT(s->tcp, tcp_keepalive_probes);
		emit(s, 0, s->snd_max - 1, CAPNET_TCP_ACK_FLAG, 0, 0, now);
		return;
	}
	/* RFC 9293 3.8.6.1: one octet of new data; snd_nxt stays, so a
	 * window that is still closed changes nothing. */
	uint32_t off = s->snd_nxt - s->snd_una;
	if (s->snd.buf == NULL || off >= s->snd.len)
		return;
	TCP_COUNT(s->tcp, tcp_persist_probes);
	emit(s, 0, s->snd_nxt, CAPNET_TCP_ACK_FLAG, off, 1, now);
	if (capnet_seq_gt(s->snd_nxt + 1, s->snd_max))
		s->snd_max = s->snd_nxt + 1;
}
