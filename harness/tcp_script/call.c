/* Call lines: the socket API called, its result compared with the line. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/stats.h"
#include "tcp_script_internal.h"

/* ---- API calls ---- */

static const char *arg(const struct ts_call *k, const char *key)
{
	for (int i = 0; i < k->nargs; i++)
		if (strcmp(k->arg[i].key, key) == 0)
			return k->arg[i].val;
	return NULL;
}

static const char *pos(const struct ts_call *k, int n)
{
	for (int i = 0; i < k->nargs; i++)
		if (k->arg[i].key[0] == '\0' && n-- == 0)
			return k->arg[i].val;
	return NULL;
}

static int bad_args(struct ts_run *r, const char *what)
{
	return ts_fail_at(r->e, ts_lno(r), "%s: %s", r->line->call.name, what);
}

/* key=value socket options of listen/connect. */
static int sockopts_from_args(struct ts_run *r, const struct ts_call *k, struct capnet_tcp_sockopts *o)
{
	capnet_tcp_sockopts_defaults(r->tcp, o);
	for (int i = 0; i < k->nargs; i++) {
		const struct ts_arg *a = &k->arg[i];
		uint64_t u;
		bool b;
		capnet_duration d;
		if (a->key[0] == '\0' || strcmp(a->key, "backlog") == 0 || strcmp(a->key, "local_port") == 0)
			continue;
		if (strcmp(a->key, "sndbuf") == 0 && ts_parse_uint_str(a->val, UINT32_MAX, &u))
			o->sndbuf = (uint32_t)u;
		else if (strcmp(a->key, "rcvbuf") == 0 && ts_parse_uint_str(a->val, UINT32_MAX, &u))
			o->rcvbuf = (uint32_t)u;
		else if (strcmp(a->key, "nodelay") == 0 && ts_parse_bool_str(a->val, &b))
			o->nodelay = b;
		else if (strcmp(a->key, "keepalive") == 0 && ts_parse_bool_str(a->val, &b))
			o->keepalive = b;
		else if (strcmp(a->key, "keepalive_idle") == 0 && ts_parse_duration_str(a->val, &d))
			o->keepalive_idle = d;
		else if (strcmp(a->key, "keepalive_interval") == 0 && ts_parse_duration_str(a->val, &d))
			o->keepalive_interval = d;
		else if (strcmp(a->key, "keepalive_probes") == 0 && ts_parse_uint_str(a->val, 255, &u))
			o->keepalive_probes = (uint8_t)u;
		else if (strcmp(a->key, "user_timeout") == 0 && ts_parse_duration_str(a->val, &d))
			o->user_timeout = d;
		else if (strcmp(a->key, "connect_timeout") == 0 && ts_parse_duration_str(a->val, &d))
			o->connect_timeout = d;
		else if (strcmp(a->key, "cc") == 0 && capnet_tcp_cc_parse(a->val) >= 0)
			o->cc = (enum capnet_tcp_cc_algo)capnet_tcp_cc_parse(a->val);
		else
			return ts_fail_at(r->e, ts_lno(r), "%s: bad option %s=%s", k->name, a->key, a->val);
	}
	return 0;
}

/* The result of a call, to compare with what the line says. */
struct outcome {
	enum { OUT_ERR, OUT_NUM, OUT_TEXT } kind;
	capnet_err err;
	uint64_t num;
	char text[96];
};

static struct outcome out_err(capnet_err e)
{
	struct outcome o = {.kind = OUT_ERR, .err = e};
	return o;
}

static struct outcome out_num(capnet_err e, uint64_t n)
{
	struct outcome o = {.kind = e == CAPNET_OK ? OUT_NUM : OUT_ERR, .err = e, .num = n};
	return o;
}

static void outcome_str(const struct outcome *o, char *buf, size_t size)
{
	if (o->kind == OUT_TEXT)
		snprintf(buf, size, "%s", o->text);
	else if (o->kind == OUT_NUM)
		snprintf(buf, size, "%" PRIu64, o->num);
	else if (o->err == CAPNET_OK)
		snprintf(buf, size, "0");
	else
		snprintf(buf, size, "%s", capnet_errname(o->err));
}

static bool outcome_matches(const struct outcome *o, const char *want)
{
	char got[128];
	outcome_str(o, got, sizeof got);
	if (strcmp(got, want) == 0)
		return true;
	if (o->kind == OUT_ERR && o->err == CAPNET_OK && strcmp(want, "OK") == 0)
		return true;
	if (o->kind == OUT_NUM) {
		/* a duration may be written 1s / 200ms for a microsecond figure */
		capnet_duration d;
		if (ts_parse_duration_str(want, &d) && strpbrk(want, "smu") && (uint64_t)d == o->num)
			return true;
	}
	if (o->kind == OUT_TEXT) {
		/* state names: SYN_SENT and SYN-SENT are the same */
		char a[96];
		snprintf(a, sizeof a, "%s", want);
		for (char *p = a; *p; p++)
			if (*p == '_')
				*p = '-';
		return strcmp(a, got) == 0;
	}
	return false;
}

/* A socket the stack still has for this connection, held by us or not. */
static const struct capnet_tcp_sock *find_sock(struct ts_run *r, const struct ts_conn *c)
{
	if (c->sock)
		return c->sock;
	for (const struct capnet_tcp_sock *s = capnet_tcp_next(r->tcp, NULL); s; s = capnet_tcp_next(r->tcp, s)) {
		struct capnet_tcp_info in;
		if (capnet_tcp_info(s, &in) != CAPNET_OK || in.listener)
			continue;
		if (in.remote.port == c->peer_port && in.local.port == c->stack_port && in.remote.addr.u.v4 == ts_peer_ip)
			return s;
	}
	return NULL;
}

static struct capnet_tcp_sock *need_handle(struct ts_run *r, struct ts_conn *c)
{
	if (!c->sock)
		ts_fail_at(r->e, ts_lno(r), "%s(): no open handle for the connection with peer port %u (closed, or never "
				      "accepted/connected)",
			r->line->call.name, c->peer_port);
	return c->sock;
}

static const char *events_str(unsigned ev, char *buf, size_t size)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{CAPNET_TCP_EV_READABLE, "READABLE"},   {CAPNET_TCP_EV_WRITABLE, "WRITABLE"},
		{CAPNET_TCP_EV_ACCEPTABLE, "ACCEPTABLE"}, {CAPNET_TCP_EV_CLOSED, "CLOSED"},
		{CAPNET_TCP_EV_RESET, "RESET"},         {CAPNET_TCP_EV_ERROR, "ERROR"},
		{CAPNET_TCP_EV_CONNECTED, "CONNECTED"},
	};
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(ev & names[i].bit))
			continue;
		n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "|" : "", names[i].name);
		ev &= ~names[i].bit;
		if (n >= size)
			break;
	}
	if (ev && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%s0x%x", n ? "|" : "", ev);
	if (n == 0)
		snprintf(buf, size, "0");
	return buf;
}

/* The events a line names, in our canonical order, so the order written
 * does not matter. */
static bool events_canonical(const char *want, char *buf, size_t size)
{
	static const char *const names[] = {"READABLE", "WRITABLE", "ACCEPTABLE", "CLOSED", "RESET", "ERROR", "CONNECTED"};
	unsigned ev = 0;
	char tmp[96];
	snprintf(tmp, sizeof tmp, "%s", want);
	for (char *tok = strtok(tmp, "| "); tok; tok = strtok(NULL, "| ")) {
		if (strcmp(tok, "0") == 0)
			continue;
		size_t i;
		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strcmp(tok, names[i]) == 0)
				break;
		if (i == sizeof names / sizeof names[0])
			return false;
		ev |= 1u << i;
	}
	events_str(ev, buf, size);
	return true;
}

static int info_field(struct ts_run *r, const struct ts_conn *c, const struct capnet_tcp_info *in, const char *f,
		      struct outcome *o)
{
	o->kind = OUT_NUM;
	o->err = CAPNET_OK;
	uint32_t sb = c && c->stack_isn_known ? c->stack_isn : 0;
#define NUM(name, expr)                       \
	if (strcmp(f, name) == 0) {           \
		o->num = (uint64_t)(expr);    \
		return 0;                     \
	}
	NUM("mss", in->mss)
	NUM("path_mtu", in->path_mtu)
	NUM("peer_mss", in->peer_mss)
	NUM("snd_wscale", in->snd_wscale)
	NUM("rcv_wscale", in->rcv_wscale)
	NUM("sack", in->sack)
	NUM("timestamps", in->timestamps)
	NUM("snd_una", (uint32_t)(in->snd_una - sb))
	NUM("snd_nxt", (uint32_t)(in->snd_nxt - sb))
	NUM("snd_wnd", in->snd_wnd)
	NUM("rcv_nxt", (uint32_t)(in->rcv_nxt - r->s->peer_base))
	NUM("rcv_wnd", in->rcv_wnd)
	NUM("sndq_bytes", in->sndq_bytes)
	NUM("sndq_capacity", in->sndq_capacity)
	NUM("rcvq_bytes", in->rcvq_bytes)
	NUM("rcvq_capacity", in->rcvq_capacity)
	NUM("ooo_bytes", in->ooo_bytes)
	NUM("may_send", in->may_send)
	NUM("may_recv", in->may_recv)
	NUM("can_send", in->can_send)
	NUM("can_recv", in->can_recv)
	NUM("srtt", in->srtt)
	NUM("rttvar", in->rttvar)
	NUM("rto", in->rto)
	NUM("cwnd", in->cwnd)
	NUM("ssthresh", in->ssthresh)
	NUM("in_recovery", in->in_recovery)
	NUM("rack", in->rack)
	NUM("reo_wnd", in->reo_wnd)
	NUM("bytes_sent", in->bytes_sent)
	NUM("bytes_acked", in->bytes_acked)
	NUM("bytes_received", in->bytes_received)
	NUM("segs_out", in->segs_out)
	NUM("segs_in", in->segs_in)
	NUM("retransmits", in->retransmits)
	NUM("rto_count", in->rto_count)
	NUM("fast_retransmits", in->fast_retransmits)
	NUM("backoff", in->backoff)
	NUM("keepalive_probes_sent", in->keepalive_probes_sent)
	NUM("backlog_limit", in->backlog_limit)
	NUM("accept_queue", in->accept_queue)
	NUM("syn_queue", in->syn_queue)
	NUM("syn_queue_limit", in->syn_queue_limit)
	NUM("local_port", in->local.port)
	NUM("remote_port", in->remote.port)
	NUM("nodelay", in->opts.nodelay)
	NUM("keepalive", in->opts.keepalive)
#undef NUM
	if (strcmp(f, "cc") == 0) {
		o->kind = OUT_TEXT;
		snprintf(o->text, sizeof o->text, "%s", in->cc_name ? in->cc_name : "?");
		return 0;
	}
	if (strcmp(f, "error") == 0) {
		*o = out_err(in->error);
		return 0;
	}
	if (strcmp(f, "close_reason") == 0) {
		o->kind = OUT_TEXT;
		snprintf(o->text, sizeof o->text, "%s", capnet_tcp_close_reason_name(in->close_reason));
		return 0;
	}
	return ts_fail_at(r->e, ts_lno(r), "info(): unknown field '%s'", f);
}

/* send(BYTES) and recv(BYTES): the count, the connection's socket and a
 * buffer of that many bytes (the caller frees it); 0, or what the call
 * returns when one of them is missing. */
static int io_args(struct ts_run *r, const struct ts_call *k, struct ts_conn *c, const char *usage, uint64_t *u,
		   struct capnet_tcp_sock **s, uint8_t **buf)
{
	const char *ns = pos(k, 0);
	if (!ns || !ts_parse_uint_str(ns, 1u << 24, u))
		return bad_args(r, usage);
	*s = need_handle(r, c);
	if (!*s)
		return -1;
	*buf = malloc(*u ? *u : 1);
	if (!*buf)
		return ts_fail_at(r->e, ts_lno(r), "out of memory");
	return 0;
}

int ts_run_call(struct ts_run *r, const struct ts_line *l)
{
	const struct ts_call *k = &l->call;
	struct outcome o = out_err(CAPNET_OK);
	const capnet_instant now = r->now;
	struct ts_conn *c = NULL;
	if (k->sel != SEL_LISTENER && strcmp(k->name, "listen") != 0 && strcmp(k->name, "counter") != 0 &&
	    strcmp(k->name, "connect") != 0) {
		c = ts_select_conn(r, k->sel);
		if (!c)
			return -1;
	}
	uint64_t u;
	const char *want = k->result;
	char want_buf[96];
	r->res->calls++;
	if (strcmp(k->name, "listen") == 0) {
		const char *ps = pos(k, 0), *bs = arg(k, "backlog");
		uint64_t backlog = 128;
		if (!ps || !ts_parse_uint_str(ps, 65535, &u) || (bs && !ts_parse_uint_str(bs, UINT32_MAX, &backlog)))
			return bad_args(r, "wants listen(PORT[, backlog=N][, sndbuf=, rcvbuf=, nodelay=, keepalive=...])");
		struct capnet_tcp_sockopts so;
		if (sockopts_from_args(r, k, &so) != 0)
			return -1;
		struct capnet_tcp_sock *ls = NULL;
		o = out_err(capnet_tcp_listen(r->tcp, (uint16_t)u, (uint32_t)backlog, &so, &ls));
		if (o.err == CAPNET_OK) {
			r->listener = ls;
			r->listen_port = (uint16_t)u;
			for (int i = 0; i < TS_MAX_CONNS; i++)
				if (r->conn[i].used && !r->conn[i].stack_isn_known && !r->conn[i].sock)
					r->conn[i].stack_port = (uint16_t)u;
		}
	} else if (strcmp(k->name, "accept") == 0) {
		if (!r->listener)
			return bad_args(r, "no listener (listen() first)");
		struct capnet_tcp_sock *s = NULL;
		o = out_err(capnet_tcp_accept(r->listener, &s));
		if (o.err == CAPNET_OK) {
			struct capnet_tcp_info in;
			capnet_tcp_info(s, &in);
			struct ts_conn *ac = ts_conn_by_peer_port(r, in.remote.port, true);
			if (!ac)
				return ts_fail_at(r->e, ts_lno(r), "more than %d connections", TS_MAX_CONNS);
			ac->sock = s;
			ac->stack_port = in.local.port;
			r->current = (int)(ac - r->conn);
		}
	} else if (strcmp(k->name, "connect") == 0) {
		const char *as = pos(k, 0), *ps = pos(k, 1), *lp = arg(k, "local_port");
		uint64_t lport = 0;
		unsigned a, b, cc, d;
		char extra;
		if (!as || !ps || sscanf(as, "%u.%u.%u.%u%c", &a, &b, &cc, &d, &extra) != 4 || a > 255 || b > 255 ||
		    cc > 255 || d > 255 || !ts_parse_uint_str(ps, 65535, &u) || (lp && !ts_parse_uint_str(lp, 65535, &lport)))
			return bad_args(r, "wants connect(A.B.C.D, PORT[, local_port=N][, socket options])");
		struct capnet_tcp_sockopts so;
		if (sockopts_from_args(r, k, &so) != 0)
			return -1;
		struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = CAPNET_IP4(a, b, cc, d)};
		struct capnet_tcp_sock *s = NULL;
		struct ts_conn *nc = ts_conn_by_peer_port(r, (uint16_t)u, true);
		if (!nc)
			return ts_fail_at(r->e, ts_lno(r), "more than %d connections", TS_MAX_CONNS);
		r->current = (int)(nc - r->conn);
		o = out_err(capnet_tcp_connect(r->tcp, &dst, (uint16_t)u, (uint16_t)lport, &so, now, &s));
		if (o.err == CAPNET_OK) {
			struct capnet_tcp_info in;
			capnet_tcp_info(s, &in);
			nc->sock = s;
			nc->stack_port = in.local.port;
		}
	} else if (strcmp(k->name, "send") == 0) {
		struct capnet_tcp_sock *s;
		uint8_t *buf;
		int rc = io_args(r, k, c, "wants send(BYTES)", &u, &s, &buf);
		if (rc != 0)
			return rc;
		for (uint64_t i = 0; i < u; i++)
			buf[i] = ts_app_byte(c->sent + i);
		size_t queued = 0;
		capnet_err err = capnet_tcp_send(s, buf, (size_t)u, &queued, now);
		free(buf);
		if (err == CAPNET_OK)
			c->sent += queued;
		o = out_num(err, queued);
	} else if (strcmp(k->name, "recv") == 0) {
		struct capnet_tcp_sock *s;
		uint8_t *buf;
		int rc = io_args(r, k, c, "wants recv(BYTES)", &u, &s, &buf);
		if (rc != 0)
			return rc;
		size_t got = 0;
		capnet_err err = capnet_tcp_recv(s, buf, (size_t)u, &got, now);
		if (err == CAPNET_OK) {
			for (size_t i = 0; i < got; i++) {
				if (buf[i] != ts_peer_byte(c->rcvd + i)) {
					uint8_t bad = buf[i];
					free(buf);
					return ts_fail_at(r->e, ts_lno(r),
						       "recv(): byte %zu is 0x%02x, not the peer's byte at stream offset %" PRIu64
						       " (0x%02x)",
						       i, bad, c->rcvd + i, ts_peer_byte(c->rcvd + i));
				}
			}
			c->rcvd += got;
		}
		free(buf);
		o = out_num(err, got);
		if (err == CAPNET_E_CLOSED && got == 0)
			o = out_err(CAPNET_E_CLOSED);
	} else if (strcmp(k->name, "recv_ready") == 0) {
		struct capnet_tcp_sock *s = need_handle(r, c);
		if (!s)
			return -1;
		o = out_num(CAPNET_OK, capnet_tcp_recv_ready(s));
	} else if (strcmp(k->name, "shutdown_read") == 0) {
		struct capnet_tcp_sock *s = need_handle(r, c);
		if (!s)
			return -1;
		o = out_err(capnet_tcp_shutdown_read(s, now));
	} else if (strcmp(k->name, "shutdown") == 0 || strcmp(k->name, "close") == 0 || strcmp(k->name, "abort") == 0) {
		struct capnet_tcp_sock *s;
		if (k->sel == SEL_LISTENER) {
			s = r->listener;
			if (!s)
				return bad_args(r, "no listener");
		} else {
			s = need_handle(r, c);
			if (!s)
				return -1;
		}
		if (strcmp(k->name, "shutdown") == 0) {
			o = out_err(capnet_tcp_shutdown(s, now));
		} else {
			o = out_err(strcmp(k->name, "close") == 0 ? capnet_tcp_close(s, now) : capnet_tcp_abort(s, now));
			/* the handle passes to the stack either way */
			if (k->sel == SEL_LISTENER)
				r->listener = NULL;
			else
				c->sock = NULL;
		}
	} else if (strcmp(k->name, "setsockopt") == 0) {
		struct capnet_tcp_sock *s = k->sel == SEL_LISTENER ? r->listener : need_handle(r, c);
		const char *name = pos(k, 0), *val = pos(k, 1);
		if (!s)
			return k->sel == SEL_LISTENER ? bad_args(r, "no listener") : -1;
		bool b = false;
		capnet_duration d = 0;
		if (!name || !val)
			return bad_args(r, "wants setsockopt(NAME, VALUE[, key=value...])");
		if (strcmp(name, "nodelay") == 0 && ts_parse_bool_str(val, &b)) {
			o = out_err(capnet_tcp_set_nodelay(s, b, now));
		} else if (strcmp(name, "keepalive") == 0 && ts_parse_bool_str(val, &b)) {
			capnet_duration idle = 0, intvl = 0;
			uint64_t probes = 0;
			const char *is = arg(k, "idle"), *vs = arg(k, "interval"), *ps = arg(k, "probes");
			if ((is && !ts_parse_duration_str(is, &idle)) || (vs && !ts_parse_duration_str(vs, &intvl)) ||
			    (ps && !ts_parse_uint_str(ps, 255, &probes)))
				return bad_args(r, "keepalive wants idle=D, interval=D, probes=N");
			o = out_err(capnet_tcp_set_keepalive(s, b, idle, intvl, (uint8_t)probes, now));
		} else if (strcmp(name, "user_timeout") == 0 && ts_parse_duration_str(val, &d)) {
			o = out_err(capnet_tcp_set_user_timeout(s, d, now));
		} else if (strcmp(name, "connect_timeout") == 0 && ts_parse_duration_str(val, &d)) {
			o = out_err(capnet_tcp_set_connect_timeout(s, d, now));
		} else if (strcmp(name, "cc") == 0 && capnet_tcp_cc_parse(val) >= 0) {
			o = out_err(capnet_tcp_set_cc(s, (enum capnet_tcp_cc_algo)capnet_tcp_cc_parse(val)));
		} else if (strcmp(name, "buffers") == 0) {
			uint64_t sb, rb;
			const char *rs = pos(k, 2);
			if (!rs || !ts_parse_uint_str(val, UINT32_MAX, &sb) || !ts_parse_uint_str(rs, UINT32_MAX, &rb))
				return bad_args(r, "buffers wants setsockopt(buffers, SNDBUF, RCVBUF)");
			o = out_err(capnet_tcp_set_buffers(s, (uint32_t)sb, (uint32_t)rb));
		} else {
			return bad_args(r, "options: nodelay B, keepalive B [idle= interval= probes=], user_timeout D, "
					   "connect_timeout D, cc NAME, buffers SND RCV");
		}
	} else if (strcmp(k->name, "state") == 0 || strcmp(k->name, "error") == 0 || strcmp(k->name, "info") == 0) {
		const struct capnet_tcp_sock *s = k->sel == SEL_LISTENER ? r->listener : find_sock(r, c);
		struct capnet_tcp_info in;
		memset(&in, 0, sizeof in);
		bool have = s && capnet_tcp_info(s, &in) == CAPNET_OK;
		if (strcmp(k->name, "state") == 0) {
			/* a connection the stack has freed is CLOSED */
			o.kind = OUT_TEXT;
			snprintf(o.text, sizeof o.text, "%s", capnet_tcp_state_name(have ? in.state : CAPNET_TCP_CLOSED));
		} else if (!have) {
			return ts_fail_at(r->e, ts_lno(r), "%s(): the stack no longer has that connection", k->name);
		} else if (strcmp(k->name, "error") == 0) {
			o = out_err(in.error);
		} else {
			const char *f = pos(k, 0);
			if (!f)
				return bad_args(r, "wants info(FIELD)");
			if (info_field(r, c, &in, f, &o) != 0)
				return -1;
		}
	} else if (strcmp(k->name, "events") == 0 || strcmp(k->name, "events_et") == 0) {
		const struct capnet_tcp_sock *s = k->sel == SEL_LISTENER ? r->listener : need_handle(r, c);
		if (!s)
			return k->sel == SEL_LISTENER ? bad_args(r, "no listener") : -1;
		o.kind = OUT_TEXT;
		if (strcmp(k->name, "events_et") == 0)
			events_str(capnet_tcp_events_edge(s, k->sel == SEL_LISTENER ? &r->listener_edge : &c->edge), o.text,
				   sizeof o.text);
		else
			events_str(capnet_tcp_events(s), o.text, sizeof o.text);
		if (k->has_result && !events_canonical(k->result, want_buf, sizeof want_buf))
			return bad_args(r, "events are READABLE|WRITABLE|ACCEPTABLE|CLOSED|RESET|ERROR|CONNECTED or 0");
		if (k->has_result)
			want = want_buf;
	} else if (strcmp(k->name, "counter") == 0) {
		const char *name = pos(k, 0);
		if (!name)
			return bad_args(r, "wants counter(NAME)");
		int i;
		for (i = 0; i < CAPNET_STAT__COUNT; i++)
			if (strcmp(capnet_stat_name((enum capnet_stat)i), name) == 0)
				break;
		if (i == CAPNET_STAT__COUNT)
			return ts_fail_at(r->e, ts_lno(r), "counter(): no counter named '%s' (capnet/stats.h)", name);
		o = out_num(CAPNET_OK, capnet_iface_stats(r->ifc)->v[i]);
	}
	if (k->has_result && !outcome_matches(&o, want)) {
		char got[128];
		outcome_str(&o, got, sizeof got);
		return ts_fail_at(r->e, ts_lno(r), "expected: %s\n  got: %s(...) = %s", l->text, k->name, got);
	}
	if (r->o->verbose && r->o->log) {
		char got[128];
		outcome_str(&o, got, sizeof got);
		fprintf(r->o->log, "[%11.6f s] %s:%u  %s  -> %s  ok\n", ts_secs(now), r->s->path, l->lineno, l->text, got);
	}
	/* a call may send (connect, send, close...) or arm timers */
	return ts_poll_at(r, r->now);
}

