/* The stack and services of `capnet serve` (see serve_services.h). */
#include "serve_services.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/dhcp4_client.h"
#include "capnet/ip4_config.h"
#include "capnet/tcp.h"
#include "capnet/udp.h"
#include "cmd.h"

#define SVC_NEIGHBOURS 32
#define SVC_MAX_CONNS 64
#define SVC_CONN_BUF 16384
#define SVC_CLIENT_BUF 65536
/* The fixed body of every 200 answer. */
#define HTTP_BODY "hello from libcapnet\n"

enum conn_kind { CONN_ECHO, CONN_HTTP, CONN_DISCARD };

/* One accepted connection. `buf` holds what is owed to the peer (echo: the
 * bytes read and not yet queued; HTTP: the request, then the answer). */
struct conn {
	struct svc *s;
	struct capnet_tcp_sock *sock;
	enum conn_kind kind;
	int slot;
	bool answered; /* HTTP: the answer is in buf */
	struct capnet_tcp_endpoint peer;
	uint64_t bytes;
	size_t off, len;
	uint8_t buf[SVC_CONN_BUF];
};

/* The client session: `out` holds source bytes not yet queued. */
struct client {
	enum svc_client_state state;
	struct capnet_tcp_sock *sock;
	FILE *src, *sink;
	uint64_t to_send;  /* total */
	uint64_t loaded;   /* taken from the source so far */
	uint64_t queued;   /* handed to TCP so far */
	uint64_t received;
	bool shut, eof, connected;
	capnet_instant t_connect, t_established;
	size_t off, len;
	uint8_t out[SVC_CLIENT_BUF];
	uint8_t in[SVC_CLIENT_BUF];
};

struct svc {
	struct svc_opts o;
	svc_log_fn log;
	void *log_ctx;
	void *arena_mem;
	struct capnet_arena arena;
	struct capnet_rng rng;
	struct capnet_iface *ifc;
	struct capnet_udp_layer *udp;
	struct capnet_ip4cfg *ip4cfg;
	struct capnet_dhcp4_client *dhcp;
	enum capnet_dhcp4_state dhcp_state;
	struct capnet_udp_socket *udp_echo;
	uint64_t udp_echoed, udp_echo_failed;
	struct capnet_tcp *tcp;
	struct capnet_tcp_sock *echo_listener, *http_listener, *discard_listener;
	struct conn *conns[SVC_MAX_CONNS];
	uint64_t tcp_accepted, tcp_refused, http_requests;
	struct client *client;
	/* What was last logged, to log changes only. */
	struct capnet_arp_entry_info neigh[SVC_NEIGHBOURS];
	size_t nneigh;
	uint64_t echoes;
};

static void logf_(struct svc *s, capnet_instant now, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void logf_(struct svc *s, capnet_instant now, const char *event, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (s->log != NULL)
		s->log(s->log_ctx, now, event, text);
}

void svc_opts_defaults(struct svc_opts *o)
{
	*o = (struct svc_opts){.prefix_len = 24,
			       .udp_echo_port = 7,
			       .tcp_echo_port = 7,
			       .http_port = 80,
			       .discard_port = 9,
			       .cc = CAPNET_TCP_CC_RENO,
			       .send_bytes = UINT64_MAX};
}

/* ---- logging what changed ---- */

static void log_neighbours(struct svc *s, capnet_instant now)
{
	struct capnet_arp_entry_info cur[SVC_NEIGHBOURS];
	size_t n = capnet_arp_entries(s->ifc, cur, SVC_NEIGHBOURS);
	if (n > SVC_NEIGHBOURS)
		n = SVC_NEIGHBOURS;
	for (size_t i = 0; i < n; i++) {
		bool same = false;
		for (size_t k = 0; k < s->nneigh && !same; k++)
			same = s->neigh[k].ip == cur[i].ip && s->neigh[k].state == cur[i].state &&
			       capnet_mac_eq(s->neigh[k].mac, cur[i].mac);
		if (same)
			continue;
		char ib[16], mb[18];
		logf_(s, now, "neighbour", "neighbour %s %s %s", cmd_fmt_ip4(cur[i].ip, ib), cmd_fmt_mac(cur[i].mac, mb),
		      capnet_arp_state_name(cur[i].state));
	}
	memcpy(s->neigh, cur, n * sizeof cur[0]);
	s->nneigh = n;
}

static void log_dhcp(struct svc *s, capnet_instant now)
{
	enum capnet_dhcp4_state st = capnet_dhcp4_client_state(s->dhcp);
	if (st == s->dhcp_state)
		return;
	s->dhcp_state = st;
	struct capnet_dhcp4_lease_info l;
	capnet_dhcp4_client_lease(s->dhcp, now, &l);
	if (st != CAPNET_DHCP4_BOUND || !l.has_lease) {
		logf_(s, now, "dhcp", "dhcp %s", capnet_dhcp4_state_name(st));
		return;
	}
	char ab[16], sb[16], gb[16];
	logf_(s, now, "dhcp", "dhcp BOUND %s/%u from server %s, gateway %s, lease %u s (T1 in %lld s, T2 in %lld s)",
	      cmd_fmt_ip4(l.addr, ab), l.prefix_len, cmd_fmt_ip4(l.server, sb),
	      l.gateway ? cmd_fmt_ip4(l.gateway, gb) : "none", l.lease_secs,
	      l.infinite ? -1LL : (long long)((l.t1 - now) / 1000000),
	      l.infinite ? -1LL : (long long)((l.t2 - now) / 1000000));
}

/* ---- UDP echo (RFC 862): every datagram back as it came; runs inside ingress ---- */

static void udp_echo_ready(void *ctx, struct capnet_udp_socket *sock, unsigned events, capnet_instant now)
{
	struct svc *s = ctx;
	static uint8_t buf[65536];
	if (!(events & CAPNET_UDP_READABLE))
		return;
	/* Bounded: an error that would not clear cannot hold ingress hostage. */
	for (int i = 0; i < 256; i++) {
		size_t len;
		struct capnet_udp_meta m;
		capnet_err e = capnet_udp_recv_from(sock, buf, sizeof buf, &len, &m);
		if (e == CAPNET_E_AGAIN)
			return;
		if (e != CAPNET_OK || m.broadcast)
			continue; /* a pending error, or a broadcast we do not echo */
		if (capnet_udp_send_to(sock, m.src, m.src_port, buf, len, now) == CAPNET_OK)
			s->udp_echoed++;
		else
			s->udp_echo_failed++;
		if (s->udp_echoed == 1 || s->o.verbose) {
			char ib[16];
			logf_(s, now, "udp", "udp echo %zu bytes to %s:%u (%" PRIu64 " so far)", len,
			      cmd_fmt_ip4(m.src, ib), m.src_port, s->udp_echoed);
		}
	}
}

static capnet_err open_udp_echo(struct svc *s)
{
	capnet_err e = capnet_udp_open(s->udp, &s->udp_echo);
	if (e == CAPNET_OK)
		e = capnet_udp_bind(s->udp_echo, 0, s->o.udp_echo_port);
	if (e == CAPNET_OK)
		capnet_udp_set_notify(s->udp_echo, udp_echo_ready, s);
	return e;
}

/* ---- accepted TCP connections: echo, discard, HTTP ---- */

static const char *conn_name(const struct conn *c)
{
	return c->kind == CONN_ECHO ? "tcp echo" : c->kind == CONN_HTTP ? "http" : "tcp discard";
}

static void conn_end(struct conn *c, capnet_err why, capnet_instant now)
{
	struct svc *s = c->s;
	char ib[16];
	if (c->kind != CONN_HTTP || why != CAPNET_OK)
		logf_(s, now, "tcp", "%s %s:%u closed: %" PRIu64 " bytes%s%s", conn_name(c),
		      cmd_fmt_ip4(c->peer.addr.u.v4, ib), c->peer.port, c->bytes, why != CAPNET_OK ? ", " : "",
		      why != CAPNET_OK ? capnet_strerror(why) : "");
	capnet_tcp_set_notify(c->sock, NULL, NULL);
	capnet_tcp_close(c->sock, now); /* graceful: queued bytes, then FIN */
	s->conns[c->slot] = NULL;
	free(c);
}

/* Queues what is owed. Returns false while some is left (wait for
 * WRITABLE), with *err set when the connection ended. */
static bool conn_flush(struct conn *c, capnet_err *err, capnet_instant now)
{
	*err = CAPNET_OK;
	while (c->off < c->len) {
		size_t q = 0;
		capnet_err e = capnet_tcp_send(c->sock, c->buf + c->off, c->len - c->off, &q, now);
		if (e != CAPNET_OK && e != CAPNET_E_AGAIN)
			*err = e;
		if (e != CAPNET_OK || q == 0)
			return false;
		c->off += q;
	}
	c->off = c->len = 0;
	return true;
}

/* RFC 862: what comes in goes back out. Reading stops while the answer
 * cannot be queued, so the peer's window closes instead of us buffering. */
static void echo_step(struct conn *c, capnet_instant now)
{
	for (int i = 0; i < 64; i++) {
		capnet_err e;
		if (!conn_flush(c, &e, now)) {
			if (e != CAPNET_OK)
				conn_end(c, e, now);
			return;
		}
		size_t got = 0;
		e = capnet_tcp_recv(c->sock, c->buf, sizeof c->buf, &got, now);
		if (e == CAPNET_E_AGAIN)
			return;
		if (e != CAPNET_OK) {
			conn_end(c, e == CAPNET_E_CLOSED ? CAPNET_OK : e, now); /* E_CLOSED: the peer's FIN */
			return;
		}
		c->len = got;
		c->bytes += got;
	}
}

/* RFC 863: read and drop (a sink for one-way throughput). */
static void discard_step(struct conn *c, capnet_instant now)
{
	for (int i = 0; i < 64; i++) {
		size_t got = 0;
		capnet_err e = capnet_tcp_recv(c->sock, c->buf, sizeof c->buf, &got, now);
		if (e == CAPNET_E_AGAIN)
			return;
		if (e != CAPNET_OK) {
			conn_end(c, e == CAPNET_E_CLOSED ? CAPNET_OK : e, now);
			return;
		}
		c->bytes += got;
	}
}

static size_t http_answer(struct conn *c, capnet_instant now)
{
	const char *req = (const char *)c->buf;
	int status = 400;
	const char *reason = "Bad Request", *body = "bad request\n";
	if (strncmp(req, "GET ", 4) == 0) {
		const char *path = req + 4, *sp = strchr(path, ' ');
		bool root = sp != NULL && sp - path == 1 && path[0] == '/';
		if (sp != NULL && strncmp(sp + 1, "HTTP/1.", 7) == 0) {
			status = root ? 200 : 404;
			reason = root ? "OK" : "Not Found";
			body = root ? HTTP_BODY : "not found\n";
		}
	} else if (strchr(req, ' ') != NULL && strchr(req, ' ') - req < 16) {
		status = 405;
		reason = "Method Not Allowed";
		body = "GET only\n";
	}
	c->s->http_requests++;
	char ib[16];
	logf_(c->s, now, "http", "http %s:%u %.*s -> %d", cmd_fmt_ip4(c->peer.addr.u.v4, ib), c->peer.port,
	      (int)strcspn(req, "\r\n"), req, status);
	int n = snprintf((char *)c->buf, sizeof c->buf,
			 "HTTP/1.1 %d %s\r\nServer: capnet\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n%s\r\n%s",
			 status, reason, strlen(body), status == 405 ? "Allow: GET\r\n" : "", body);
	return (size_t)n;
}

/* A minimal HTTP/1.1 server: one GET per connection, then close. */
static void http_step(struct conn *c, capnet_instant now)
{
	capnet_err e;
	if (c->answered) {
		if (conn_flush(c, &e, now) || e != CAPNET_OK)
			conn_end(c, e, now);
		return;
	}
	for (;;) {
		size_t got = 0;
		/* One byte kept for the terminating NUL. */
		e = capnet_tcp_recv(c->sock, c->buf + c->len, sizeof c->buf - 1 - c->len, &got, now);
		if (e == CAPNET_E_AGAIN)
			return;
		if (e != CAPNET_OK) {
			conn_end(c, e == CAPNET_E_CLOSED ? CAPNET_OK : e, now);
			return;
		}
		c->len += got;
		c->bytes += got;
		c->buf[c->len] = '\0';
		if (strstr((char *)c->buf, "\r\n\r\n") != NULL || c->len == sizeof c->buf - 1)
			break;
	}
	c->len = http_answer(c, now);
	c->off = 0;
	c->answered = true;
	if (conn_flush(c, &e, now) || e != CAPNET_OK)
		conn_end(c, e, now);
}

static void conn_ready(void *ctx, struct capnet_tcp_sock *sock, unsigned events, capnet_instant now)
{
	(void)sock;
	(void)events;
	struct conn *c = ctx;
	if (c->kind == CONN_ECHO)
		echo_step(c, now);
	else if (c->kind == CONN_DISCARD)
		discard_step(c, now);
	else
		http_step(c, now);
}

static void listener_ready(void *ctx, struct capnet_tcp_sock *l, unsigned events, capnet_instant now)
{
	struct svc *s = ctx;
	if (!(events & CAPNET_TCP_EV_ACCEPTABLE))
		return;
	struct capnet_tcp_sock *sock;
	while (capnet_tcp_accept(l, &sock) == CAPNET_OK) {
		int slot = -1;
		for (int i = 0; i < SVC_MAX_CONNS && slot < 0; i++)
			if (s->conns[i] == NULL)
				slot = i;
		struct conn *c = slot >= 0 ? malloc(sizeof *c) : NULL;
		if (c == NULL) {
			s->tcp_refused++;
			capnet_tcp_abort(sock, now);
			continue;
		}
		struct capnet_tcp_info info;
		capnet_tcp_info(sock, &info);
		*c = (struct conn){.s = s,
				   .sock = sock,
				   .slot = slot,
				   .peer = info.remote,
				   .kind = l == s->echo_listener      ? CONN_ECHO
					   : l == s->discard_listener ? CONN_DISCARD
								      : CONN_HTTP};
		s->conns[slot] = c;
		s->tcp_accepted++;
		char ib[16];
		if (c->kind != CONN_HTTP || s->o.verbose)
			logf_(s, now, "tcp", "%s connection from %s:%u (%s)", conn_name(c),
			      cmd_fmt_ip4(info.remote.addr.u.v4, ib), info.remote.port,
			      info.cc_name != NULL ? info.cc_name : "?");
		capnet_tcp_set_notify(sock, conn_ready, c);
		conn_ready(c, sock, capnet_tcp_events(sock), now); /* what arrived before the notify was set */
	}
}

static void sockopts(const struct svc *s, struct capnet_tcp_sockopts *so)
{
	capnet_tcp_sockopts_defaults(s->tcp, so);
	so->cc = (enum capnet_tcp_cc_algo)s->o.cc;
	if (s->o.sndbuf != 0)
		so->sndbuf = s->o.sndbuf;
	if (s->o.rcvbuf != 0)
		so->rcvbuf = s->o.rcvbuf;
}

static void tcp_config(const struct svc_opts *o, struct capnet_tcp_config *cfg)
{
	*cfg = (struct capnet_tcp_config){.max_sockets = 2 * SVC_MAX_CONNS + 8};
	/* Room for every socket to use the rings asked for. */
	uint32_t snd = o->sndbuf > 65536 ? o->sndbuf : 65536, rcv = o->rcvbuf > 65536 ? o->rcvbuf : 65536;
	if (o->sndbuf > 65536 || o->rcvbuf > 65536)
		cfg->buffer_pool = (size_t)cfg->max_sockets * 131072 + 4 * ((size_t)snd + rcv);
}

static capnet_err open_tcp(struct svc *s, const struct capnet_tcp_config *cfg)
{
	capnet_err e = capnet_tcp_create(&s->arena, cfg, s->ifc, &s->tcp);
	struct capnet_tcp_sockopts so;
	if (e == CAPNET_OK)
		sockopts(s, &so);
	if (e == CAPNET_OK && s->o.tcp_echo_port != 0)
		e = capnet_tcp_listen(s->tcp, s->o.tcp_echo_port, 16, &so, &s->echo_listener);
	if (e == CAPNET_OK && s->o.http_port != 0)
		e = capnet_tcp_listen(s->tcp, s->o.http_port, 16, &so, &s->http_listener);
	if (e == CAPNET_OK && s->o.discard_port != 0)
		e = capnet_tcp_listen(s->tcp, s->o.discard_port, 16, &so, &s->discard_listener);
	if (e != CAPNET_OK)
		return e;
	if (s->discard_listener != NULL)
		capnet_tcp_set_notify(s->discard_listener, listener_ready, s);
	if (s->echo_listener != NULL)
		capnet_tcp_set_notify(s->echo_listener, listener_ready, s);
	if (s->http_listener != NULL)
		capnet_tcp_set_notify(s->http_listener, listener_ready, s);
	return CAPNET_OK;
}

/* ---- the client session ---- */

static void client_fail(struct svc *s, const char *what, capnet_err e, capnet_instant now)
{
	struct client *c = s->client;
	char ib[16];
	logf_(s, now, "client", "client %s:%u failed (%s%s%s): %" PRIu64 " bytes sent, %" PRIu64 " received",
	      cmd_fmt_ip4(s->o.connect_ip, ib), s->o.connect_port, what, e != CAPNET_OK ? ": " : "",
	      e != CAPNET_OK ? capnet_strerror(e) : "", c->queued, c->received);
	if (c->sock != NULL) {
		capnet_tcp_set_notify(c->sock, NULL, NULL);
		capnet_tcp_abort(c->sock, now);
		c->sock = NULL;
	}
	c->state = SVC_CLIENT_FAILED;
}

/* The next piece of what the client sends: from the file, or a pattern
 * that is a function of the offset (so a reader can check it). */
static bool client_load(struct svc *s)
{
	struct client *c = s->client;
	size_t want = SVC_CLIENT_BUF;
	if (c->to_send != UINT64_MAX && c->to_send - c->loaded < want)
		want = (size_t)(c->to_send - c->loaded);
	if (want == 0) {
		c->off = c->len = 0;
		return true;
	}
	size_t got;
	if (c->src != NULL) {
		got = fread(c->out, 1, want, c->src);
		if (got == 0 && ferror(c->src))
			return false;
		if (got == 0 && c->to_send == UINT64_MAX)
			c->to_send = c->loaded; /* the whole file is sent */
		else if (got < want && c->to_send != UINT64_MAX)
			return false; /* the file is shorter than --send-bytes */
	} else {
		for (size_t i = 0; i < want; i++) {
			uint64_t at = c->loaded + i;
			c->out[i] = (uint8_t)(at ^ (at >> 8) ^ (at >> 16));
		}
		got = want;
	}
	c->off = 0;
	c->len = got;
	c->loaded += got;
	return true;
}

static void client_finish(struct svc *s, capnet_instant now)
{
	struct client *c = s->client;
	struct capnet_tcp_info info;
	capnet_tcp_info(c->sock, &info);
	if (info.state != CAPNET_TCP_TIME_WAIT && info.state != CAPNET_TCP_CLOSED)
		return; /* our FIN is not acknowledged yet */
	if (info.state == CAPNET_TCP_CLOSED && info.error != CAPNET_OK) {
		client_fail(s, "connection ended", info.error, now);
		return;
	}
	if (c->sink != NULL && fflush(c->sink) != 0) {
		client_fail(s, "writing the sink", CAPNET_OK, now);
		return;
	}
	double secs = (double)(now - c->t_established) / 1e6;
	char ib[16];
	logf_(s, now, "client",
	      "client %s:%u done: %" PRIu64 " bytes sent and acknowledged, %" PRIu64
	      " received, in %.3f s (%.3f Gbit/s out, %.3f Gbit/s in; %u retransmits, %s)",
	      cmd_fmt_ip4(s->o.connect_ip, ib), s->o.connect_port, c->queued, c->received, secs,
	      secs > 0 ? (double)c->queued * 8 / secs / 1e9 : 0.0, secs > 0 ? (double)c->received * 8 / secs / 1e9 : 0.0,
	      info.retransmits, info.cc_name != NULL ? info.cc_name : "?");
	capnet_tcp_set_notify(c->sock, NULL, NULL);
	capnet_tcp_close(c->sock, now);
	c->sock = NULL;
	c->state = SVC_CLIENT_DONE;
}

/* Reads everything there is into the sink, queues what fits, sends the
 * FIN after the last byte; done once both FINs are acknowledged. */
static void client_step(struct svc *s, unsigned events, capnet_instant now)
{
	struct client *c = s->client;
	if (c->state != SVC_CLIENT_RUNNING)
		return;
	if (!c->connected && (events & CAPNET_TCP_EV_CONNECTED)) {
		c->connected = true;
		c->t_established = now;
		char ib[16];
		logf_(s, now, "client", "client connected to %s:%u (%s) after %.3f ms", cmd_fmt_ip4(s->o.connect_ip, ib),
		      s->o.connect_port, capnet_tcp_cc_name(s->o.cc), (double)(now - c->t_connect) / 1e3);
	}
	for (int i = 0; i < 4096 && !c->eof; i++) {
		size_t got = 0;
		capnet_err e = capnet_tcp_recv(c->sock, c->in, sizeof c->in, &got, now);
		if (e == CAPNET_E_AGAIN)
			break;
		if (e == CAPNET_E_CLOSED) {
			c->eof = true;
			break;
		}
		if (e != CAPNET_OK) {
			client_fail(s, "receiving", e, now);
			return;
		}
		if (c->sink != NULL && fwrite(c->in, 1, got, c->sink) != got) {
			client_fail(s, "writing the sink", CAPNET_OK, now);
			return;
		}
		c->received += got;
	}
	for (int i = 0; i < 4096 && !c->shut; i++) {
		if (c->off == c->len) {
			if (!client_load(s)) {
				client_fail(s, "reading the source", CAPNET_OK, now);
				return;
			}
			if (c->len == 0) {
				if (s->o.fin_after_eof && !c->eof)
					break; /* everything is queued; the FIN waits */
				capnet_err e = capnet_tcp_shutdown(c->sock, now);
				if (e != CAPNET_OK) {
					client_fail(s, "shutdown", e, now);
					return;
				}
				c->shut = true;
				break;
			}
		}
		size_t q = 0;
		capnet_err e = capnet_tcp_send(c->sock, c->out + c->off, c->len - c->off, &q, now);
		if (e == CAPNET_E_AGAIN || (e == CAPNET_OK && q == 0))
			break;
		if (e != CAPNET_OK) {
			client_fail(s, "sending", e, now);
			return;
		}
		c->off += q;
		c->queued += q;
	}
	if (events & (CAPNET_TCP_EV_RESET | CAPNET_TCP_EV_ERROR)) {
		struct capnet_tcp_info info;
		capnet_tcp_info(c->sock, &info);
		client_fail(s, "connection ended", info.error != CAPNET_OK ? info.error : CAPNET_E_RESET, now);
		return;
	}
	if (c->eof && c->shut)
		client_finish(s, now);
}

static void client_ready(void *ctx, struct capnet_tcp_sock *sock, unsigned events, capnet_instant now)
{
	(void)sock;
	client_step(ctx, events, now);
}

static void client_start(struct svc *s, capnet_instant now)
{
	struct client *c = s->client;
	struct capnet_tcp_sockopts so;
	sockopts(s, &so);
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = s->o.connect_ip};
	c->t_connect = now;
	c->state = SVC_CLIENT_RUNNING;
	capnet_err e = capnet_tcp_connect(s->tcp, &dst, s->o.connect_port, 0, &so, now, &c->sock);
	if (e != CAPNET_OK) {
		c->sock = NULL;
		client_fail(s, "connect", e, now);
		return;
	}
	capnet_tcp_set_notify(c->sock, client_ready, s);
	struct capnet_tcp_info info;
	capnet_tcp_info(c->sock, &info);
	char ib[16], amount[64];
	if (c->to_send == UINT64_MAX)
		snprintf(amount, sizeof amount, "all of it");
	else
		snprintf(amount, sizeof amount, "%" PRIu64 " bytes", c->to_send);
	logf_(s, now, "client", "client connecting from port %u to %s:%u, sending %s from %s", info.local.port,
	      cmd_fmt_ip4(s->o.connect_ip, ib), s->o.connect_port, amount,
	      s->o.send_file != NULL ? s->o.send_file : "a pattern");
}

static capnet_err client_open(struct svc *s, char *errbuf, size_t errlen)
{
	struct client *c = calloc(1, sizeof *c);
	if (c == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return CAPNET_E_NOMEM;
	}
	s->client = c;
	c->state = SVC_CLIENT_WAITING;
	c->to_send = s->o.send_bytes;
	if (s->o.send_file == NULL && c->to_send == UINT64_MAX)
		c->to_send = 0;
	if (s->o.send_file != NULL && (c->src = fopen(s->o.send_file, "rb")) == NULL) {
		snprintf(errbuf, errlen, "cannot open %s", s->o.send_file);
		return CAPNET_E_INVAL;
	}
	if (s->o.sink != NULL && (c->sink = fopen(s->o.sink, "wb")) == NULL) {
		snprintf(errbuf, errlen, "cannot create %s", s->o.sink);
		return CAPNET_E_INVAL;
	}
	return CAPNET_OK;
}

static void client_free(struct client *c)
{
	if (c == NULL)
		return;
	if (c->src != NULL)
		fclose(c->src);
	if (c->sink != NULL)
		fclose(c->sink);
	free(c);
}

/* ---- the stack ---- */

capnet_err svc_create(const struct svc_opts *o, struct capnet_nic *nic, struct capnet_rng rng, capnet_instant now,
		      svc_log_fn log, void *log_ctx, struct svc **out, char *errbuf, size_t errlen)
{
	*out = NULL;
	if (errlen > 0)
		errbuf[0] = '\0';
	struct svc *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return CAPNET_E_NOMEM;
	}
	s->o = *o;
	s->log = log;
	s->log_ctx = log_ctx;
	s->rng = rng;
	s->dhcp_state = CAPNET_DHCP4_STOPPED;
	struct capnet_tcp_config tcfg;
	tcp_config(o, &tcfg);
	size_t need = capnet_iface_arena_need(NULL, nic->mtu) + capnet_udp_arena_need(NULL) +
		      capnet_tcp_arena_need(&tcfg) + capnet_ip4cfg_arena_need() + capnet_dhcp4_client_arena_need() + 8192;
	s->arena_mem = malloc(need);
	capnet_err e = s->arena_mem != NULL ? CAPNET_OK : CAPNET_E_NOMEM;
	if (e == CAPNET_OK && o->connect_ip != 0)
		e = client_open(s, errbuf, errlen);
	if (e != CAPNET_OK) {
		if (errbuf[0] == '\0')
			snprintf(errbuf, errlen, "out of memory");
		svc_destroy(s);
		return e;
	}
	capnet_arena_init(&s->arena, s->arena_mem, need);
	/* The order of creation is the order of the generator's draws: serve
	 * and replay must not differ here. */
	e = capnet_iface_create(&s->arena, NULL, nic, rng, &s->ifc);
	if (e == CAPNET_OK)
		e = capnet_udp_create(&s->arena, NULL, s->ifc, &s->udp);
	if (e == CAPNET_OK && o->udp_echo_port != 0)
		e = open_udp_echo(s);
	if (e == CAPNET_OK && (o->tcp_echo_port != 0 || o->http_port != 0 || o->discard_port != 0 || s->client))
		e = open_tcp(s, &tcfg);
	if (e == CAPNET_OK && o->dhcp) {
		e = capnet_ip4cfg_create(&s->arena, s->ifc, &s->ip4cfg);
		if (e == CAPNET_OK)
			e = capnet_dhcp4_client_create(&s->arena, NULL, s->ifc, s->udp, s->ip4cfg, &s->dhcp);
		if (e == CAPNET_OK)
			e = capnet_dhcp4_client_start(s->dhcp, now);
	} else if (e == CAPNET_OK) {
		struct capnet_ip4_config c = {o->ip, o->prefix_len, o->gateway, CAPNET_PROV_STATIC};
		e = capnet_iface_set_ip4(s->ifc, &c, now);
		/* The address is installed before it is announced: a device not
		 * up yet only loses the gratuitous ARP. */
		if (e == CAPNET_E_LINKDOWN || e == CAPNET_E_AGAIN || e == CAPNET_E_NIC) {
			logf_(s, now, "link", "address announcement not sent (%s)", capnet_strerror(e));
			e = CAPNET_OK;
		}
	}
	if (e != CAPNET_OK) {
		snprintf(errbuf, errlen, "stack setup: %s", capnet_strerror(e));
		svc_destroy(s);
		return e;
	}
	if (s->client != NULL && !o->dhcp)
		client_start(s, now);
	*out = s;
	return CAPNET_OK;
}

void svc_destroy(struct svc *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < SVC_MAX_CONNS; i++)
		free(s->conns[i]);
	if (s->udp_echo != NULL)
		capnet_udp_close(s->udp_echo);
	client_free(s->client);
	free(s->arena_mem);
	free(s);
}

struct capnet_iface *svc_iface(struct svc *s)
{
	return s->ifc;
}

bool svc_after_poll(struct svc *s, capnet_instant now)
{
	log_neighbours(s, now);
	if (s->dhcp != NULL)
		log_dhcp(s, now);
	uint64_t echoes = capnet_iface_stats(s->ifc)->v[CAPNET_STAT_icmp_echo_replies_sent];
	if (echoes != s->echoes) {
		if (s->o.verbose || s->echoes == 0)
			logf_(s, now, "echo", "answered echo request%s (%" PRIu64 " so far)", s->echoes == 0 ? "s" : "",
			      echoes);
		s->echoes = echoes;
	}
	struct client *c = s->client;
	if (c != NULL && c->state == SVC_CLIENT_WAITING && s->dhcp != NULL &&
	    capnet_dhcp4_client_state(s->dhcp) == CAPNET_DHCP4_BOUND) {
		client_start(s, now);
		return true;
	}
	/* Our FIN acknowledged after the peer's was read: no event tells the
	 * socket's owner, so look (read-only until it is over). */
	if (c != NULL && c->state == SVC_CLIENT_RUNNING && c->eof && c->shut)
		client_finish(s, now);
	return false;
}

capnet_instant svc_next_deadline(const struct svc *s)
{
	return s->tcp != NULL ? capnet_tcp_next_deadline(s->tcp) : CAPNET_INSTANT_NEVER;
}

enum svc_client_state svc_client_state(const struct svc *s)
{
	return s->client != NULL ? s->client->state : SVC_CLIENT_NONE;
}

void svc_stop(struct svc *s, capnet_instant now)
{
	if (s->tcp != NULL) {
		for (int i = 0; i < SVC_MAX_CONNS; i++)
			if (s->conns[i] != NULL)
				conn_end(s->conns[i], CAPNET_OK, now);
		struct client *c = s->client;
		if (c != NULL && c->sock != NULL) {
			capnet_tcp_set_notify(c->sock, NULL, NULL);
			capnet_tcp_close(c->sock, now);
			c->sock = NULL;
			if (c->state == SVC_CLIENT_RUNNING) {
				c->state = SVC_CLIENT_FAILED;
				logf_(s, now, "client", "client stopped before it was done");
			}
		}
		struct capnet_tcp_sock **l[] = {&s->echo_listener, &s->http_listener, &s->discard_listener};
		for (size_t i = 0; i < sizeof l / sizeof l[0]; i++) {
			if (*l[i] != NULL)
				capnet_tcp_close(*l[i], now);
			*l[i] = NULL;
		}
		capnet_iface_poll(s->ifc, now);
	}
	if (s->dhcp != NULL && capnet_dhcp4_client_state(s->dhcp) != CAPNET_DHCP4_STOPPED) {
		struct capnet_dhcp4_lease_info l;
		capnet_dhcp4_client_lease(s->dhcp, now, &l);
		capnet_dhcp4_client_release(s->dhcp, now);
		capnet_iface_poll(s->ifc, now);
		if (l.has_lease) {
			char ab[16];
			logf_(s, now, "dhcp", "dhcp lease %s released", cmd_fmt_ip4(l.addr, ab));
		}
	}
}

void svc_summary(struct svc *s, capnet_instant now)
{
	char text[2048];
	size_t n = 0;
	const struct capnet_stats *st = capnet_iface_stats(s->ifc);
	for (int i = 0; i < CAPNET_STAT__COUNT && n < sizeof text - 64; i++)
		if (st->v[i] != 0)
			n += (size_t)snprintf(text + n, sizeof text - n, "%s%s=%" PRIu64, n ? " " : "",
					      capnet_stat_name((enum capnet_stat)i), st->v[i]);
	logf_(s, now, "counters", "counters: %s", n ? text : "(all zero)");
	if (s->tcp != NULL)
		logf_(s, now, "tcp",
		      "tcp: %" PRIu64 " connections accepted, %" PRIu64 " refused (table full), %" PRIu64 " http requests",
		      s->tcp_accepted, s->tcp_refused, s->http_requests);
	if (s->udp_echo != NULL)
		logf_(s, now, "udp", "udp echo port %u: %" PRIu64 " datagrams echoed, %" PRIu64 " failed",
		      s->o.udp_echo_port, s->udp_echoed, s->udp_echo_failed);
}

/* ---- option helpers ---- */

bool svc_parse_port(const char *s, uint16_t *out)
{
	char *end;
	unsigned long p = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || p > 65535)
		return false;
	*out = (uint16_t)p;
	return true;
}

bool svc_parse_endpoint(const char *s, capnet_ip4addr *ip, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char host[32];
	if (colon == NULL || (size_t)(colon - s) >= sizeof host)
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	return cmd_parse_ip4(host, ip) && *ip != 0 && svc_parse_port(colon + 1, port) && *port != 0;
}

bool svc_parse_bytes(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || end == s)
		return false;
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift != 0)
		end++;
	if (*end != '\0' || v > (UINT64_MAX >> shift) - 1)
		return false;
	*out = (uint64_t)v << shift;
	return true;
}
