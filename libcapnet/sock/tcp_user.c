/* The user calls of RFC 9293 3.10.1-3.10.6 (SEND, RECEIVE, CLOSE, ABORT,
 * STATUS) for an event-driven caller: nothing blocks; backpressure and
 * "not yet" are results. Options and the status view live here too. */
#include <string.h>

#include "capnet/wire/ipv4.h"
#include "tcp_internal.h"

static void api_done(struct capnet_tcp_sock *s)
{
	if (s->tcp == NULL)
		return;
	tcp_timer_update(s);
	/* What the application just did, it knows: not a change to report. */
	s->events_seen = (uint8_t)capnet_tcp_events(s);
}

static capnet_err ended_error(const struct capnet_tcp_sock *s)
{
	return s->error != CAPNET_OK ? (capnet_err)s->error : CAPNET_E_CLOSED;
}

capnet_err capnet_tcp_send(struct capnet_tcp_sock *s, const void *data, size_t len, size_t *queued,
			   capnet_instant now)
{
	*queued = 0;
	if (s->flags & TF_LISTENER)
		return CAPNET_E_NOTCONN;
	if (s->state == CAPNET_TCP_CLOSED)
		return ended_error(s);
	if (s->flags & TF_FIN_QUEUED)
		return CAPNET_E_CLOSED;
	switch (s->state) {
	case CAPNET_TCP_SYN_SENT:
	case CAPNET_TCP_SYN_RECEIVED:
	case CAPNET_TCP_ESTABLISHED:
	case CAPNET_TCP_CLOSE_WAIT:
		break;
	default:
		return CAPNET_E_CLOSED;
	}
	if (len == 0)
		return CAPNET_OK;
	uint32_t want = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	uint32_t n = tcp_ring_append(&s->snd, data, want);
	if (n == 0)
		return CAPNET_E_AGAIN;
	*queued = n;
	if (s->state == CAPNET_TCP_ESTABLISHED || s->state == CAPNET_TCP_CLOSE_WAIT)
		tcp_output(s, now);
	api_done(s);
	return CAPNET_OK;
}

size_t capnet_tcp_recv_ready(const struct capnet_tcp_sock *s)
{
	return (s->flags & TF_LISTENER) ? 0 : s->rcv.len;
}

/* After the application read: a window update only when it matters
 * (RFC 9293 3.8.6.2.2 / RFC 1122 4.2.3.3 leave the moment to the
 * receiver). tcp_rcv_window() applies receiver SWS avoidance -- it offers
 * more than the peer knows only once the edge can move by
 * min(rcvbuf / 2, MSS) -- and on top of that we follow Linux's choice
 * (tcp_cleanup_rbuf): the window the peer knows has fallen to half of what
 * it could be and the new one at least doubles it. Otherwise the ACKs the
 * arriving data earns (every second full segment, RFC 5681 4.2) carry the
 * larger window anyway, and one ACK per read would double the ACK traffic.
 * A window under one MSS (a zero window included) is the exception: the
 * peer may be stalled on it, waiting for exactly this update. */
static bool window_update_due(const struct capnet_tcp_sock *s, uint32_t cur, uint32_t next)
{
	if (next <= cur)
		return false;
	if (cur < s->rcv_mss)
		return true;
	uint32_t max = s->rcv.size;
	if (max > 65535u << s->rcv_wscale)
		max = 65535u << s->rcv_wscale;
	return (uint64_t)2 * cur <= max && (uint64_t)next >= (uint64_t)2 * cur;
}

static void window_update(struct capnet_tcp_sock *s, capnet_instant now)
{
	if (s->flags & TF_FIN_RCVD)
		return;
	switch (s->state) {
	case CAPNET_TCP_ESTABLISHED:
	case CAPNET_TCP_FIN_WAIT_1:
	case CAPNET_TCP_FIN_WAIT_2:
		break;
	default:
		return;
	}
	uint32_t cur = capnet_seq_gt(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
	if (window_update_due(s, cur, tcp_rcv_window(s)))
		tcp_send_ack(s, now);
}

capnet_err capnet_tcp_recv(struct capnet_tcp_sock *s, void *buf, size_t cap, size_t *got, capnet_instant now)
{
	*got = 0;
	if (s->flags & TF_LISTENER)
		return CAPNET_E_NOTCONN;
	if (s->flags & TF_RD_SHUT)
		return s->state == CAPNET_TCP_CLOSED ? ended_error(s) : CAPNET_E_CLOSED;
	if (s->rcv.len > 0) {
		if (cap == 0)
			return CAPNET_OK;
		uint32_t n = cap < s->rcv.len ? (uint32_t)cap : s->rcv.len;
		tcp_ring_peek(&s->rcv, 0, buf, n);
		tcp_ring_consume(&s->rcv, n);
		*got = n;
		window_update(s, now);
		api_done(s);
		return CAPNET_OK;
	}
	if (s->flags & TF_FIN_RCVD)
		return CAPNET_E_CLOSED;
	if (s->state == CAPNET_TCP_CLOSED)
		return ended_error(s);
	return CAPNET_E_AGAIN;
}

capnet_err capnet_tcp_shutdown(struct capnet_tcp_sock *s, capnet_instant now)
{
	if (s->flags & TF_LISTENER)
		return CAPNET_E_NOTCONN;
	if (s->flags & TF_FIN_QUEUED)
		return CAPNET_OK;
	switch (s->state) {
	case CAPNET_TCP_SYN_SENT:
		s->flags |= TF_FIN_QUEUED; /* sent once established (3.10.4) */
		break;
	case CAPNET_TCP_SYN_RECEIVED:
		s->flags |= TF_FIN_QUEUED;
		if (s->snd.len > 0)
			break; /* 3.10.4: queued data first, after ESTABLISHED */
		/* 3.10.4: nothing to send: the FIN goes now, right after our
		 * SYN, and FIN-WAIT-1 is entered with the SYN still unacked. */
		tcp_set_state(s, CAPNET_TCP_FIN_WAIT_1, now);
		tcp_send_fin_after_syn(s, now);
		break;
	case CAPNET_TCP_ESTABLISHED:
		s->flags |= TF_FIN_QUEUED;
		tcp_set_state(s, CAPNET_TCP_FIN_WAIT_1, now);
		break;
	case CAPNET_TCP_CLOSE_WAIT:
		s->flags |= TF_FIN_QUEUED;
		tcp_set_state(s, CAPNET_TCP_LAST_ACK, now);
		break;
	case CAPNET_TCP_CLOSED:
		return ended_error(s);
	default:
		return CAPNET_E_STATE;
	}
	s->t_state = s->state == CAPNET_TCP_SYN_SENT ? s->t_state : CAPNET_INSTANT_NEVER; /* keepalive off */
	tcp_output(s, now);
	api_done(s);
	return CAPNET_OK;
}

capnet_err capnet_tcp_shutdown_read(struct capnet_tcp_sock *s, capnet_instant now)
{
	if (s->flags & TF_LISTENER)
		return CAPNET_E_NOTCONN;
	if (s->state == CAPNET_TCP_CLOSED)
		return ended_error(s);
	s->flags |= TF_RD_SHUT;
	if (s->rcv.buf != NULL && s->rcv.len > 0) {
		tcp_ring_consume(&s->rcv, s->rcv.len);
		window_update(s, now); /* the space is free: tell the peer */
	}
	api_done(s);
	return CAPNET_OK;
}

/* Ends the connection and hands the handle to the stack; `rst` says
 * whether the peer is told. */
static void abort_conn(struct capnet_tcp_sock *s, bool rst, capnet_instant now)
{
	if (rst)
		tcp_send_rst_for(s, now);
	s->owner = TCP_OWN_STACK;
	s->notify = NULL;
	if (s->state == CAPNET_TCP_CLOSED)
		tcp_sock_release(s);
	else
		tcp_drop_why(s, CAPNET_E_RESET, CAPNET_TCP_CLOSE_ABORTED, now);
}

capnet_err capnet_tcp_abort(struct capnet_tcp_sock *s, capnet_instant now)
{
	if (s->flags & TF_LISTENER) {
		tcp_listener_close(s, now);
		return CAPNET_OK;
	}
	/* RFC 9293 3.10.5: in CLOSING, LAST-ACK and TIME-WAIT both FINs are
	 * out and the TCB is just deleted -- there is nothing to reset. */
	bool both_fins = s->state == CAPNET_TCP_CLOSING || s->state == CAPNET_TCP_LAST_ACK ||
			 s->state == CAPNET_TCP_TIME_WAIT;
	abort_conn(s, !both_fins, now);
	return CAPNET_OK;
}

capnet_err capnet_tcp_close(struct capnet_tcp_sock *s, capnet_instant now)
{
	if (s->flags & TF_LISTENER) {
		tcp_listener_close(s, now);
		return CAPNET_OK;
	}
	switch (s->state) {
	case CAPNET_TCP_CLOSED:
		tcp_sock_release(s);
		return CAPNET_OK;
	case CAPNET_TCP_SYN_SENT:
		/* 3.10.4: nothing synchronized; the connection just goes. */
		s->owner = TCP_OWN_STACK;
		tcp_drop(s, CAPNET_OK, now);
		return CAPNET_OK;
	default:
		break;
	}
	if (s->rcv.len > 0) {
		/* RFC 2525 2.17 / RFC 1122 4.2.2.13: closing with unread data
		 * loses it: reset, in whatever state, so the peer knows. */
		abort_conn(s, true, now);
		return CAPNET_OK;
	}
	s->notify = NULL;
	s->flags |= TF_RCV_SHUT;
	capnet_err e = CAPNET_OK;
	if (!(s->flags & TF_FIN_QUEUED))
		e = capnet_tcp_shutdown(s, now);
	s->owner = TCP_OWN_STACK;
	if (s->state == CAPNET_TCP_TIME_WAIT) {
		tcp_ring_free(&s->tcp->pool, &s->rcv);
	} else if (s->state == CAPNET_TCP_FIN_WAIT_2) {
		s->t_state = now + s->tcp->cfg.fin_wait_2;
		tcp_timer_update(s);
	}
	(void)e;
	return CAPNET_OK;
}

/* ---- options ---- */

capnet_err capnet_tcp_set_nodelay(struct capnet_tcp_sock *s, bool on, capnet_instant now)
{
	if (on)
		s->flags |= TF_NODELAY;
	else
		s->flags &= ~TF_NODELAY;
	if (on && !(s->flags & TF_LISTENER) && s->state != CAPNET_TCP_CLOSED && (s->flags & TF_CONNECTED)) {
		tcp_output(s, now); /* what Nagle held goes now */
		api_done(s);
	}
	return CAPNET_OK;
}

static uint32_t dur_ms(capnet_duration d)
{
	if (d <= 0)
		return 0;
	d /= 1000;
	return d == 0 ? 1 : d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

capnet_err capnet_tcp_set_keepalive(struct capnet_tcp_sock *s, bool on, capnet_duration idle,
				    capnet_duration interval, uint8_t probes, capnet_instant now)
{
	if (idle < 0 || interval < 0)
		return CAPNET_E_INVAL;
	if (idle)
		s->ka_idle_ms = dur_ms(idle);
	if (interval)
		s->ka_intvl_ms = dur_ms(interval);
	if (probes)
		s->ka_probes = probes;
	if (on)
		s->flags |= TF_KEEPALIVE;
	else
		s->flags &= ~TF_KEEPALIVE;
	if (!(s->flags & TF_LISTENER) && s->tcp) {
		s->last_rcv = now;
		tcp_keepalive_arm(s, now);
		api_done(s);
	}
	return CAPNET_OK;
}

capnet_err capnet_tcp_set_user_timeout(struct capnet_tcp_sock *s, capnet_duration t, capnet_instant now)
{
	(void)now;
	if (t < 0)
		return CAPNET_E_INVAL;
	s->user_timeout_ms = dur_ms(t);
	if (!(s->flags & TF_LISTENER))
		api_done(s);
	return CAPNET_OK;
}

capnet_err capnet_tcp_set_connect_timeout(struct capnet_tcp_sock *s, capnet_duration t, capnet_instant now)
{
	if (t < 0)
		return CAPNET_E_INVAL;
	if (s->flags & TF_LISTENER) {
		s->connect_timeout_ms = dur_ms(t);
		return CAPNET_OK;
	}
	if (s->state != CAPNET_TCP_SYN_SENT)
		return CAPNET_E_STATE;
	s->connect_timeout_ms = dur_ms(t);
	s->t_state = t ? now + CAPNET_MS(s->connect_timeout_ms) : CAPNET_INSTANT_NEVER;
	api_done(s);
	return CAPNET_OK;
}

capnet_err capnet_tcp_set_cc(struct capnet_tcp_sock *s, enum capnet_tcp_cc_algo algo)
{
	if ((unsigned)algo >= CAPNET_TCP_CC__COUNT)
		return CAPNET_E_INVAL;
	if (!(s->flags & TF_CONNECTED) || (s->flags & TF_LISTENER)) {
		s->cc.algo = algo;
		return CAPNET_OK;
	}
	capnet_tcp_cc_set_algo(&s->cc, algo, s->snd_max - s->snd_una);
	return CAPNET_OK;
}

capnet_err capnet_tcp_set_buffers(struct capnet_tcp_sock *s, uint32_t sndbuf, uint32_t rcvbuf)
{
	uint32_t ss = tcp_ring_size_for(sndbuf), rs = tcp_ring_size_for(rcvbuf);
	if (ss == 0 || rs == 0)
		return CAPNET_E_INVAL;
	if (s->flags & TF_LISTENER) {
		s->snd_bufshift = tcp_log2(ss);
		s->rcv_bufshift = tcp_log2(rs);
		return CAPNET_OK;
	}
	/* The advertised window and scale are fixed by the SYN: the receive
	 * ring may change only before ours is sent, i.e. never for a
	 * connection object; the send ring while it holds nothing. */
	if (s->state == CAPNET_TCP_CLOSED || s->snd.len > 0 || s->bytes_sent > 0 || rs != s->rcv.size)
		return CAPNET_E_STATE;
	if (ss == s->snd.size)
		return CAPNET_OK;
	struct tcp_ring old = s->snd;
	if (tcp_ring_alloc(&s->tcp->pool, &s->snd, ss) != CAPNET_OK) {
		s->snd = old;
		return CAPNET_E_NOMEM;
	}
	tcp_ring_free(&s->tcp->pool, &old);
	s->snd_bufshift = tcp_log2(ss);
	return CAPNET_OK;
}

void capnet_tcp_get_opts(const struct capnet_tcp_sock *s, struct capnet_tcp_sockopts *o)
{
	memset(o, 0, sizeof *o);
	o->sndbuf = 1u << s->snd_bufshift;
	o->rcvbuf = 1u << s->rcv_bufshift;
	o->nodelay = (s->flags & TF_NODELAY) != 0;
	o->keepalive = (s->flags & TF_KEEPALIVE) != 0;
	o->keepalive_idle = CAPNET_MS(s->ka_idle_ms);
	o->keepalive_interval = CAPNET_MS(s->ka_intvl_ms);
	o->keepalive_probes = s->ka_probes;
	o->user_timeout = CAPNET_MS(s->user_timeout_ms);
	o->connect_timeout = CAPNET_MS(s->connect_timeout_ms);
	o->cc = s->cc.algo;
}

/* ---- status ---- */

capnet_err capnet_tcp_info(const struct capnet_tcp_sock *s, struct capnet_tcp_info *out)
{
	memset(out, 0, sizeof *out);
	out->state = (enum capnet_tcp_state)s->state;
	out->listener = (s->flags & TF_LISTENER) != 0;
	out->local.addr = s->laddr;
	out->local.port = s->lport;
	capnet_tcp_get_opts(s, &out->opts);
	out->cc = s->cc.algo;
	out->cc_name = capnet_tcp_cc_name(s->cc.algo);
	out->next_deadline = s->heap_pos == TCP_NONE ? CAPNET_INSTANT_NEVER : s->deadline;
	if (out->listener) {
		out->backlog_limit = s->u.l.backlog;
		out->accept_queue = s->u.l.acc_count;
		out->syn_queue = s->u.l.syn_count;
		out->syn_queue_limit = s->u.l.syn_max;
		return CAPNET_OK;
	}
	out->remote.addr = s->raddr;
	out->remote.port = s->rport;
	out->sndq_bytes = s->snd.len;
	out->sndq_capacity = s->snd.size ? s->snd.size : 1u << s->snd_bufshift;
	out->rcvq_bytes = s->rcv.len;
	out->rcvq_capacity = s->rcv.size ? s->rcv.size : 1u << s->rcv_bufshift;
	out->ooo_bytes = tcp_ooo_bytes(s);
	bool open = s->state != CAPNET_TCP_CLOSED;
	out->may_send = open && !(s->flags & TF_FIN_QUEUED);
	out->may_recv = open && !(s->flags & TF_FIN_RCVD);
	out->can_send = (capnet_tcp_events(s) & CAPNET_TCP_EV_WRITABLE) && out->may_send;
	out->can_recv = s->rcv.len > 0;
	out->iss = s->iss;
	out->snd_una = s->snd_una;
	out->snd_nxt = s->snd_nxt;
	out->snd_wnd = s->snd_wnd;
	out->irs = s->irs;
	out->rcv_nxt = s->rcv_nxt;
	out->rcv_wnd = capnet_seq_gt(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
	out->mss = s->snd_mss;
	out->peer_mss = s->peer_mss;
	out->snd_wscale = s->snd_wscale;
	out->rcv_wscale = s->rcv_wscale;
	out->sack = (s->flags & TF_SACK_OK) != 0;
	out->timestamps = (s->flags & TF_TS_OK) != 0;
	out->srtt = s->srtt;
	out->rttvar = s->rttvar;
	out->rto = tcp_rto(s); /* in force: the estimate with any backoff */
	out->cwnd = s->cc.cwnd;
	out->ssthresh = s->cc.ssthresh;
	out->in_recovery = (s->flags & TF_RECOVERY) != 0;
	out->rack = s->state != CAPNET_TCP_LISTEN && tcp_rack_wanted(s);
	out->reo_wnd = out->rack ? tcp_rack_reo_wnd(s) : 0;
	out->bytes_sent = s->bytes_sent;
	out->bytes_acked = s->bytes_acked;
	out->bytes_received = s->bytes_received;
	out->segs_out = s->segs_out;
	out->segs_in = s->segs_in;
	out->retransmits = s->retransmits;
	out->rto_count = s->rto_count;
	out->fast_retransmits = s->fast_rexmits;
	out->backoff = s->backoff;
	out->keepalive_probes_sent = s->ka_sent;
	out->error = (capnet_err)s->error;
	if (s->flags & TF_PMTU) {
		out->path_mtu = (uint16_t)(s->peer_mss + CAPNET_IP4_HDR_LEN + CAPNET_TCP_HDR_LEN);
		out->mtu_source = CAPNET_MTU_PATH;
	} else if (s->tcp != NULL) {
		/* What the send MSS was derived from (synced on every send). */
		out->path_mtu = s->tcp->mtu_seen;
		out->mtu_source = capnet_iface_mtu_source(s->tcp->ifc);
	}
	out->close_reason = (enum capnet_tcp_close_reason)s->close_why;
	return CAPNET_OK;
}
