/* TCP timers. Each connection keeps a handful of deadlines (retransmission
 * or persist, delayed ACK, one state timer: connect timeout / keepalive /
 * FIN-WAIT-2 / TIME-WAIT, and the user timeout derived from progress_at);
 * the layer keeps one binary min-heap of each connection's earliest, so
 * the iface poll touches only connections that are due: 10,000 idle
 * connections cost one heap peek.
 *
 * RTO per RFC 6298 (SRTT/RTTVAR, Karn's rule, exponential backoff, bounds
 * from the config); persist per RFC 9293 3.8.6.1; delayed ACK 3.8.6.3;
 * keepalive 3.8.4; TIME-WAIT 2*MSL 3.6. */
#include "capnet/neigh.h"
#include "tcp_internal.h"

/* ---- the heap ---- */

static capnet_instant key(const struct capnet_tcp *tcp, uint32_t i)
{
	return tcp->socks[tcp->heap[i]].deadline;
}

static void heap_set(struct capnet_tcp *tcp, uint32_t pos, uint32_t sock)
{
	tcp->heap[pos] = sock;
	tcp->socks[sock].heap_pos = pos;
}

static void sift_up(struct capnet_tcp *tcp, uint32_t pos)
{
	uint32_t sock = tcp->heap[pos];
	capnet_instant d = tcp->socks[sock].deadline;
	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;
		if (key(tcp, parent) <= d)
			break;
		heap_set(tcp, pos, tcp->heap[parent]);
		pos = parent;
	}
	heap_set(tcp, pos, sock);
}

static void sift_down(struct capnet_tcp *tcp, uint32_t pos)
{
	uint32_t sock = tcp->heap[pos];
	capnet_instant d = tcp->socks[sock].deadline;
	for (;;) {
		uint32_t c = 2 * pos + 1;
		if (c >= tcp->heap_len)
			break;
		if (c + 1 < tcp->heap_len && key(tcp, c + 1) < key(tcp, c))
			c++;
		if (key(tcp, c) >= d)
			break;
		heap_set(tcp, pos, tcp->heap[c]);
		pos = c;
	}
	heap_set(tcp, pos, sock);
}

void tcp_heap_remove(struct capnet_tcp_sock *s)
{
	struct capnet_tcp *tcp = s->tcp;
	uint32_t pos = s->heap_pos;
	if (tcp == NULL || pos == TCP_NONE)
		return;
	s->heap_pos = TCP_NONE;
	uint32_t last = tcp->heap[--tcp->heap_len];
	if (pos == tcp->heap_len)
		return;
	heap_set(tcp, pos, last);
	sift_up(tcp, pos);
	sift_down(tcp, tcp->socks[last].heap_pos);
}

static capnet_instant earliest(const struct capnet_tcp_sock *s)
{
	capnet_instant d = capnet_instant_min(s->t_rexmt, capnet_instant_min(s->t_delack, s->t_state));
	d = capnet_instant_min(d, tcp_rack_deadline(s));
	/* RFC 9293 3.8.3 USER TIMEOUT: unacknowledged data older than this. */
	if (s->user_timeout_ms && s->snd_max != s->snd_una && s->state >= CAPNET_TCP_ESTABLISHED)
		d = capnet_instant_min(d, s->progress_at + CAPNET_MS(s->user_timeout_ms));
	return d;
}

void tcp_timer_update(struct capnet_tcp_sock *s)
{
	struct capnet_tcp *tcp = s->tcp;
	if (tcp == NULL)
		return;
	capnet_instant d = earliest(s);
	if (d == CAPNET_INSTANT_NEVER) {
		tcp_heap_remove(s);
		s->deadline = d;
		return;
	}
	if (s->heap_pos == TCP_NONE) {
		s->deadline = d;
		uint32_t pos = tcp->heap_len++;
		heap_set(tcp, pos, tcp_sock_index(tcp, s));
		sift_up(tcp, pos);
		return;
	}
	if (d == s->deadline)
		return;
	capnet_instant old = s->deadline;
	s->deadline = d;
	if (d < old)
		sift_up(tcp, s->heap_pos);
	else
		sift_down(tcp, s->heap_pos);
}

/* ---- RTO (RFC 6298) ---- */

static uint32_t clamp_rto(const struct capnet_tcp_sock *s, uint64_t rto)
{
	const struct capnet_tcp_config *c = &s->tcp->cfg;
	if (rto < (uint64_t)c->rto_min)
		rto = (uint64_t)c->rto_min;
	if (rto > (uint64_t)c->rto_max)
		rto = (uint64_t)c->rto_max;
	return (uint32_t)rto;
}

/* The RTO in force: the estimate (rto) doubled once per expiry since the
 * last valid RTT sample (RFC 6298 5.5, Karn), bounded by rto_max. */
capnet_duration tcp_rto(const struct capnet_tcp_sock *s)
{
	unsigned shift = s->backoff < 30 ? s->backoff : 30;
	return (capnet_duration)clamp_rto(s, (uint64_t)s->rto << shift);
}

void tcp_rtt_sample(struct capnet_tcp_sock *s, uint32_t r)
{
	TCP_COUNT(s->tcp, tcp_rttupdated);
	/* RFC 6298 5.7 note: a valid sample recomputes the RTO, collapsing any
	 * backoff (Karn: until then the backed-off value stays). */
	s->backoff = 0;
	if (s->srtt == 0) {
		/* 2.2: the first measurement */
		s->srtt = r ? r : 1;
		s->rttvar = r / 2;
	} else {
		/* 2.3: beta 1/4, alpha 1/8 */
		uint32_t err = s->srtt > r ? s->srtt - r : r - s->srtt;
		s->rttvar = s->rttvar - s->rttvar / 4 + err / 4;
		s->srtt = s->srtt - s->srtt / 8 + r / 8;
		if (s->srtt == 0)
			s->srtt = 1;
	}
	/* G, the clock granularity, is 1 us here; timestamps tick in ms but
	 * samples are taken from the microsecond clock when they can be. */
	uint64_t var4 = (uint64_t)s->rttvar * 4;
	if (var4 < 1000)
		var4 = 1000;
	s->rto = clamp_rto(s, (uint64_t)s->srtt + var4);
}

/* RFC 8985 7.2: a tail loss probe is due 2*SRTT after the last send,
 * plus the peer's worst delayed ACK when only one segment is out; only
 * outside recovery, with SACK (the probe's ACK must say what is missing),
 * once per tail. */
static bool tlp_due(const struct capnet_tcp_sock *s, capnet_instant now, capnet_instant *at)
{
	if ((s->flags & (TF_RECOVERY | TF_RTO_RECOVERY | TF_TLP_SENT)) || !(s->flags & TF_SACK_OK) || s->srtt == 0 ||
	    (s->state != CAPNET_TCP_ESTABLISHED && s->state != CAPNET_TCP_CLOSE_WAIT))
		return false;
	capnet_duration pto = 2 * (capnet_duration)s->srtt;
	if (s->snd_max - s->snd_una <= s->snd_mss)
		pto += s->tcp->cfg.delayed_ack;
	if (pto >= tcp_rto(s))
		return false;
	*at = now + pto;
	return true;
}

void tcp_rexmt_arm(struct capnet_tcp_sock *s, capnet_instant now, bool restart)
{
	if (s->flags & TF_PERSIST)
		return;
	if (s->snd_max == s->snd_una) {
		s->t_rexmt = CAPNET_INSTANT_NEVER; /* 5.2: all acknowledged */
		s->flags &= ~TF_TLP_ARMED;
		return;
	}
	capnet_instant pto;
	bool tlp = tlp_due(s, now, &pto);
	if ((s->flags & TF_TLP_ARMED) && !tlp) {
		/* A probe armed where probes no longer apply (recovery began,
		 * or shutdown/close left ESTABLISHED): withdraw it, and start
		 * the retransmission timer proper (RFC 6298 5.1), rather than
		 * let the probe's deadline fire as a full RTO. */
		s->flags &= ~TF_TLP_ARMED;
		s->t_rexmt = now + tcp_rto(s);
		return;
	}
	/* RFC 6298 5.1/5.3, RFC 8985 7.2: a running timer (probe or RTO) is
	 * left alone unless new data was sent or acknowledged (restart):
	 * duplicate ACKs and data that acknowledges nothing must not postpone
	 * the retransmission of what is lost. */
	if (!restart && s->t_rexmt != CAPNET_INSTANT_NEVER)
		return;
	if (tlp) {
		s->flags |= TF_TLP_ARMED;
		s->t_rexmt = pto;
		return;
	}
	s->flags &= ~TF_TLP_ARMED;
	s->t_rexmt = now + tcp_rto(s); /* 5.1 / 5.3 */
}

/* The probe: one new segment if the peer's window has room for it (it may
 * go beyond cwnd, RFC 8985 7.3), so that its ACK -- or the duplicate ACK
 * with SACK it draws -- tells what became of the tail. Without new data
 * that may go, RFC 8985 7.3 retransmits the highest-sequence segment sent
 * so far: waiting for the RTO would leave a lost tail to the timeout. */
static void tlp_timeout(struct capnet_tcp_sock *s, capnet_instant now)
{
	s->flags &= ~TF_TLP_ARMED;
	if (s->flags & (TF_RECOVERY | TF_RTO_RECOVERY)) {
		s->t_rexmt = now + tcp_rto(s);
		return;
	}
	s->flags |= TF_TLP_SENT;
	bool retrans = false;
	if (!tcp_send_forced(s, now)) {
		uint32_t out = s->snd_max - s->snd_una;
		uint32_t len = out < s->snd_mss ? out : s->snd_mss;
		(void)tcp_retransmit(s, s->snd_max - len, len, now);
		retrans = true;
	}
	/* RFC 8985 7.3: TLP.end_seq and TLP.is_retrans, for the probe's episode (7.4). */
	if (tcp_rack_on(s))
		tcp_rack_tlp_sent(s, s->snd_max, retrans);
	s->t_rexmt = now + tcp_rto(s);
}

void tcp_persist_arm(struct capnet_tcp_sock *s, capnet_instant now)
{
	uint64_t t = (uint64_t)s->rto << s->persist_backoff;
	s->flags |= TF_PERSIST;
	s->flags &= ~TF_TLP_ARMED;
	s->t_rexmt = now + clamp_rto(s, t);
}

void tcp_delack_arm(struct capnet_tcp_sock *s, capnet_instant now)
{
	if (s->flags & TF_DELACK)
		return;
	s->flags |= TF_DELACK;
	s->t_delack = now + s->tcp->cfg.delayed_ack;
}

/* Keep-alives run wherever the connection can sit idle with nothing of
 * ours outstanding (RFC 1122 4.2.3.6): ESTABLISHED, CLOSE-WAIT, and, as
 * Linux does, FIN-WAIT-2 while the application still holds the socket
 * (an orphan there has the FIN-WAIT-2 timeout instead). */
static bool keepalive_state(const struct capnet_tcp_sock *s)
{
	return s->state == CAPNET_TCP_ESTABLISHED || s->state == CAPNET_TCP_CLOSE_WAIT ||
	       (s->state == CAPNET_TCP_FIN_WAIT_2 && s->owner != TCP_OWN_STACK);
}

void tcp_keepalive_arm(struct capnet_tcp_sock *s, capnet_instant now)
{
	if (!(s->flags & TF_KEEPALIVE) || !keepalive_state(s)) {
		if (keepalive_state(s))
			s->t_state = CAPNET_INSTANT_NEVER;
		return;
	}
	s->ka_sent = 0;
	s->t_state = now + CAPNET_MS(s->ka_idle_ms);
}

void tcp_timewait_arm(struct capnet_tcp_sock *s, capnet_instant now)
{
	s->t_state = now + s->tcp->cfg.time_wait;
}

/* ---- expiries ---- */

/* A passive child's SYN-ACK never left when, a full RTO after it was
 * handed to IP, the next hop's link address is still unknown (the frame
 * waited in, or was pushed out of, the neighbour cache): a peer on the
 * link that really sent the SYN answers ARP at once. */
static bool synack_stranded(const struct capnet_tcp_sock *s)
{
	capnet_ip4addr nh;
	if (s->raddr.af != CAPNET_AF_INET || capnet_iface_route_lookup(s->tcp->ifc, s->raddr.u.v4, &nh) != CAPNET_OK)
		return false;
	struct capnet_ipaddr a = capnet_ipaddr_from_ip4(nh);
	struct capnet_mac mac;
	return capnet_neigh_lookup(s->tcp->ifc, &a, &mac) != CAPNET_OK;
}

static void syn_timeout(struct capnet_tcp_sock *s, capnet_instant now)
{
	const struct capnet_tcp_config *c = &s->tcp->cfg;
	bool passive = (s->flags & TF_PASSIVE) != 0;
	/* Half-open slots held for peers we cannot reach (spoofed sources on
	 * the link) are what a SYN flood fills the queue with: reclaim them
	 * after one RTO rather than after every retry (about a minute). */
	if (passive && s->state == CAPNET_TCP_SYN_RECEIVED && synack_stranded(s)) {
		TCP_COUNT(s->tcp, tcp_synrecv_reclaimed);
		tcp_drop_why(s, CAPNET_E_UNREACHABLE, CAPNET_TCP_CLOSE_SYN_TIMEOUT, now);
		return;
	}
	uint8_t limit = s->state == CAPNET_TCP_SYN_SENT ? c->syn_retries : c->synack_retries;
	if (s->backoff >= limit) {
		TCP_COUNT(s->tcp, tcp_timeout_drops);
		capnet_err e = (s->flags & TF_SOFT_UNREACH) ? CAPNET_E_UNREACHABLE : CAPNET_E_TIMEDOUT;
		tcp_drop_why(s, passive ? CAPNET_E_TIMEDOUT : e,
			     e == CAPNET_E_UNREACHABLE && !passive ? CAPNET_TCP_CLOSE_UNREACHABLE : CAPNET_TCP_CLOSE_SYN_TIMEOUT,
			     now);
		return;
	}
	s->backoff++; /* 5.5: tcp_rto() doubles */
	s->flags |= TF_SYN_RETRANSMITTED;
	TCP_COUNT(s->tcp, tcp_rexmt_timeouts);
	if (s->rto_count < UINT16_MAX)
		s->rto_count++;
	if (tcp_send_syn(s, now) == CAPNET_E_UNREACHABLE && passive) {
		TCP_COUNT(s->tcp, tcp_synrecv_reclaimed);
		tcp_drop_why(s, CAPNET_E_UNREACHABLE, CAPNET_TCP_CLOSE_SYN_TIMEOUT, now);
		return;
	}
	s->t_rexmt = now + tcp_rto(s);
}

static void persist_timeout(struct capnet_tcp_sock *s, capnet_instant now);

static void rexmt_timeout(struct capnet_tcp_sock *s, capnet_instant now)
{
	if (s->state == CAPNET_TCP_SYN_SENT || tcp_syn_unacked(s)) {
		syn_timeout(s, now);
		return;
	}
	if (s->snd_max == s->snd_una || s->snd.buf == NULL)
		return;
	if (s->snd_wnd == 0 && s->snd.len > 0) {
		/* RFC 9293 3.8.6.1, RFC 1122 4.2.2.17: the peer closed its window
		 * while data was in flight. Nothing may be resent into a zero
		 * window, and the silence is the receiver's, not the network's:
		 * no congestion response, and the give-up count only runs while
		 * the probes go unanswered. Probe from SND.UNA on the persist
		 * schedule; the window's reopening resends the rest. */
		s->snd_nxt = s->snd_una;
		s->flags &= ~TF_RTT_TIMING;
		persist_timeout(s, now);
		return;
	}
	if (s->rxt_tries >= s->tcp->cfg.max_retries) {
		TCP_COUNT(s->tcp, tcp_timeout_drops);
		tcp_drop_why(s, CAPNET_E_TIMEDOUT, CAPNET_TCP_CLOSE_RETRANSMIT_TIMEOUT, now);
		return;
	}
	TCP_COUNT(s->tcp, tcp_rexmt_timeouts);
	s->rxt_tries++;
	if (s->backoff < 30)
		s->backoff++;
	if (s->rto_count < UINT16_MAX)
		s->rto_count++;
	capnet_tcp_cc_on_rto(&s->cc, s->snd_max - s->snd_una, now);
	if (tcp_rack_on(s))
		tcp_rack_on_rto(s);
	s->flags &= ~(TF_RECOVERY | TF_RTT_TIMING | TF_RXT_MARK);
	s->flags |= TF_RTO_RECOVERY;
	s->dupacks = 0;
	s->rexmit_credit = 0;
	s->recover = s->snd_max;
	/* A second timeout in a row may mean the receiver reneged on what it
	 * SACKed (RFC 2018 8): stop trusting the scoreboard. */
	if (s->rxt_tries >= 2)
		tcp_score_clear(s);
	s->high_rxt = s->snd_una;
	s->snd_nxt = s->snd_una; /* go back: resend from the first unacknowledged byte */
	s->t_rexmt = now + tcp_rto(s); /* backoff was counted above: 5.5 */
	tcp_output(s, now);
}

static void persist_timeout(struct capnet_tcp_sock *s, capnet_instant now)
{
	s->flags &= ~TF_PERSIST;
	uint32_t off = s->snd_nxt - s->snd_una;
	if (s->snd.buf == NULL || off >= s->snd.len) {
		s->persist_backoff = 0;
		s->t_rexmt = CAPNET_INSTANT_NEVER;
		tcp_output(s, now);
		return;
	}
	if (s->snd_wnd > 0) {
		/* A window too small for sender SWS avoidance, with nothing in
		 * flight to bring an ACK: the override timeout sends what fits. */
		s->persist_backoff = 0;
		s->t_rexmt = CAPNET_INSTANT_NEVER;
		if (!tcp_send_forced(s, now))
			tcp_persist_arm(s, now);
		tcp_output(s, now);
		return;
	}
	/* The peer that keeps answering probes keeps the connection (3.8.6.1);
	 * one that answers nothing for max_retries probes is gone. */
	if (s->rxt_tries >= s->tcp->cfg.max_retries) {
		TCP_COUNT(s->tcp, tcp_timeout_drops);
		tcp_drop_why(s, CAPNET_E_TIMEDOUT, CAPNET_TCP_CLOSE_PERSIST_TIMEOUT, now);
		return;
	}
	s->rxt_tries++;
	tcp_send_probe(s, false, now);
	if (s->persist_backoff < 16)
		s->persist_backoff++;
	tcp_persist_arm(s, now);
}

static void keepalive_timeout(struct capnet_tcp_sock *s, capnet_instant now)
{
	capnet_instant idle_at = s->last_rcv + CAPNET_MS(s->ka_idle_ms);
	if (s->ka_sent == 0 && now < idle_at) {
		s->t_state = idle_at; /* traffic since we armed: wait the rest */
		return;
	}
	if (s->snd_max != s->snd_una || (s->snd.buf && s->snd.len > 0)) {
		s->t_state = now + CAPNET_MS(s->ka_idle_ms); /* data timers watch the peer */
		return;
	}
	if (s->ka_sent >= s->ka_probes) {
		TCP_COUNT(s->tcp, tcp_keepalive_drops);
		tcp_drop_why(s, CAPNET_E_TIMEDOUT, CAPNET_TCP_CLOSE_KEEPALIVE_TIMEOUT, now);
		return;
	}
	tcp_send_probe(s, true, now);
	s->ka_sent++;
	s->t_state = now + CAPNET_MS(s->ka_intvl_ms);
}

static void state_timeout(struct capnet_tcp_sock *s, capnet_instant now)
{
	switch (s->state) {
	case CAPNET_TCP_SYN_SENT: /* connect timeout */
		TCP_COUNT(s->tcp, tcp_timeout_drops);
		tcp_drop_why(s, CAPNET_E_TIMEDOUT, CAPNET_TCP_CLOSE_CONNECT_TIMEOUT, now);
		break;
	case CAPNET_TCP_ESTABLISHED:
	case CAPNET_TCP_CLOSE_WAIT:
		keepalive_timeout(s, now);
		break;
	case CAPNET_TCP_FIN_WAIT_2:
		if (s->owner != TCP_OWN_STACK) {
			keepalive_timeout(s, now);
			break;
		}
		/* an orphan whose peer never closes */
		tcp_drop_why(s, CAPNET_E_TIMEDOUT, CAPNET_TCP_CLOSE_FIN_WAIT_2_TIMEOUT, now);
		break;
	case CAPNET_TCP_TIME_WAIT:
		tcp_drop(s, CAPNET_OK, now);
		break;
	default:
		break;
	}
}

static void run_timers(struct capnet_tcp_sock *s, capnet_instant now)
{
	if (s->t_delack <= now) {
		s->t_delack = CAPNET_INSTANT_NEVER;
		if (s->flags & TF_DELACK) {
			TCP_COUNT(s->tcp, tcp_delack_timeouts);
			tcp_send_ack(s, now);
		}
	}
	if (s->t_rexmt <= now) {
		s->t_rexmt = CAPNET_INSTANT_NEVER;
		if (s->flags & TF_PERSIST)
			persist_timeout(s, now);
		else if (s->flags & TF_TLP_ARMED)
			tlp_timeout(s, now);
		else
			rexmt_timeout(s, now);
		if (s->tcp == NULL || s->state == CAPNET_TCP_CLOSED)
			return;
	}
	if (tcp_rack_deadline(s) <= now) {
		tcp_rack_timeout(s, now);
		if (s->tcp == NULL || s->state == CAPNET_TCP_CLOSED)
			return;
	}
	if (s->user_timeout_ms && s->snd_max != s->snd_una && s->state >= CAPNET_TCP_ESTABLISHED &&
	    s->progress_at + CAPNET_MS(s->user_timeout_ms) <= now) {
		TCP_COUNT(s->tcp, tcp_timeout_drops);
		tcp_drop_why(s, CAPNET_E_TIMEDOUT, CAPNET_TCP_CLOSE_USER_TIMEOUT, now);
		return;
	}
	if (s->t_state <= now) {
		s->t_state = CAPNET_INSTANT_NEVER;
		state_timeout(s, now);
	}
}

capnet_instant capnet_tcp_next_deadline(const struct capnet_tcp *tcp)
{
	return tcp->heap_len > 0 ? tcp->socks[tcp->heap[0]].deadline : CAPNET_INSTANT_NEVER;
}

capnet_instant tcp_poll(void *ctx, struct capnet_iface *ifc, capnet_instant now)
{
	struct capnet_tcp *tcp = ctx;
	(void)ifc;
	tcp->last_now = now;
	/* Each expiry re-arms in the future or clears; the bound is a guard
	 * against a timer that would not, never a limit in normal operation. */
	uint32_t budget = tcp->heap_len * 4 + 64;
	while (tcp->heap_len > 0 && key(tcp, 0) <= now) {
		if (budget-- == 0)
			return now;
		struct capnet_tcp_sock *s = &tcp->socks[tcp->heap[0]];
		run_timers(s, now);
		if (s->tcp == NULL)
			continue; /* freed */
		tcp_timer_update(s);
		if (s->deadline <= now) {
			/* a timer that failed to move: take it out rather than spin */
			s->t_rexmt = s->t_rexmt <= now ? CAPNET_INSTANT_NEVER : s->t_rexmt;
			s->t_delack = s->t_delack <= now ? CAPNET_INSTANT_NEVER : s->t_delack;
			s->t_state = s->t_state <= now ? CAPNET_INSTANT_NEVER : s->t_state;
			if (tcp_rack_deadline(s) <= now)
				tcp_rack_disarm(s);
			tcp_timer_update(s);
		}
		tcp_notify(s, now);
	}
	return tcp->heap_len > 0 ? key(tcp, 0) : CAPNET_INSTANT_NEVER;
}
