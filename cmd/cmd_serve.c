/* capnet serve --tap NAME (--dhcp | --static ADDR/LEN [--gateway ADDR]) [--pcap FILE]
 *
 * Runs one stack on a Linux TAP device under the libev loop: it answers
 * ARP and ping, echoes UDP datagrams and TCP streams (RFC 862), answers a
 * minimal HTTP/1.1 GET with a fixed body, takes its address from a DHCP
 * server if asked, logs what happens (link, neighbours, lease, connections),
 * and on SIGINT/SIGTERM releases the lease, closes its connections, stops
 * the loop, prints its counters and flushes the pcap. */
#include <ev.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/host.h"
#include "capnet/dhcp4_client.h"
#include "capnet/host_ev.h"
#include "capnet/iface.h"
#include "capnet/ip4_config.h"
#include "capnet/nic_pcap.h"
#include "capnet/nic_tap.h"
#include "capnet/tcp.h"
#include "capnet/udp.h"
#include "cmd.h"

#define SERVE_NEIGHBOURS 32
#define SERVE_MAX_CONNS 64
#define SERVE_CONN_BUF 16384
/* The fixed body of every 200 answer. */
#define HTTP_BODY "hello from libcapnet\n"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: capnet serve --tap NAME --static ADDR/LEN [--gateway ADDR] [options]\n"
		"       capnet serve --tap NAME --dhcp [options]\n\n"
		"Runs a libcapnet stack on a TAP device (created, or attached if it\n"
		"exists) under a libev loop: answers ARP and ICMP echo, echoes UDP and\n"
		"TCP (RFC 862), answers HTTP/1.1 GET / with a fixed body, logs events to\n"
		"stdout, and exits cleanly on SIGINT or SIGTERM (connections closed,\n"
		"pcap flushed). Needs CAP_NET_ADMIN.\n\n"
		"  -t, --tap NAME          TAP device name\n"
		"  -a, --static ADDR/LEN   the stack's IPv4 address (e.g. 192.0.2.2/24)\n"
		"  -g, --gateway ADDR      default gateway (e.g. 192.0.2.1)\n"
		"  -D, --dhcp              take the address from a DHCPv4 server (released on exit)\n"
		"  -m, --mac MAC           the stack's MAC (default 02:00:00:00:00:02)\n"
		"  -M, --mtu N             IP MTU; sets the device's to match (default: the device's)\n"
		"  -p, --pcap FILE         record every frame, both directions (wall-clock stamps)\n"
		"  -u, --udp-echo PORT     UDP echo port (default 7; 0: none)\n"
		"  -e, --tcp-echo PORT     TCP echo port (default 7; 0: none)\n"
		"  -H, --http PORT         HTTP port (default 80; 0: none)\n"
		"  -x, --discard PORT      TCP discard port, RFC 863 (default 9; 0: none)\n"
		"  -c, --cc NAME           congestion control of accepted connections:\n"
		"                          none, reno (default) or cubic\n"
		"  -d, --duration SECONDS  stop by itself after this long (default: run until a signal)\n"
		"  -v, --verbose           log every echo request answered\n"
		"  -j, --json              log events as JSON lines\n"
		"  -h, --help              this text\n\n"

		"Exit status: 0 stopped by a signal or --duration, 1 setup failed or the\n"
		"device went away, 2 usage error.\n");
}

struct serve_opts {
	const char *tap;
	const char *pcap;
	struct capnet_mac mac;
	capnet_ip4addr ip, gateway;
	uint8_t prefix_len;
	uint16_t mtu;
	uint16_t udp_echo_port, tcp_echo_port, http_port, discard_port;
	int cc; /* enum capnet_tcp_cc_algo */
	double duration;
	bool have_ip, dhcp, verbose, json;
};

struct serve {
	struct serve_opts o;
	struct capnet_tap *tap;
	struct capnet_pcap_writer *pcap;
	struct capnet_pcap_tee *tee;
	void *arena_mem;
	struct capnet_arena arena;
	struct capnet_host_rng hrng;
	struct capnet_iface *ifc;
	struct capnet_udp_layer *udp;
	struct capnet_ip4cfg *ip4cfg;
	struct capnet_dhcp4_client *dhcp;
	enum capnet_dhcp4_state dhcp_state;
	struct capnet_udp_socket *udp_echo;
	uint64_t udp_echoed, udp_echo_failed;
	struct capnet_tcp *tcp;
	struct capnet_tcp_sock *echo_listener, *http_listener, *discard_listener;
	struct conn *conns[SERVE_MAX_CONNS];
	uint64_t tcp_accepted, tcp_refused, http_requests;
	struct capnet_ev *ev;
	struct ev_loop *loop;
	capnet_instant started;
	/* What was last logged, to log changes only. */
	int link_up; /* -1 until first read */
	capnet_instant link_checked, pcap_flushed;
	struct capnet_arp_entry_info neigh[SERVE_NEIGHBOURS];
	size_t nneigh;
	uint64_t echoes;
	const char *stop_reason;
	bool failed;
};

/* One event: "[  12.345] what" or {"t": 12.345, "event": ..., ...}. */
static void logev(struct serve *s, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void logev(struct serve *s, const char *event, const char *fmt, ...)
{
	char text[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	capnet_duration t = capnet_host_now() - s->started;
	if (s->o.json) {
		json_t *j = json_pack("{s:f, s:s, s:s}", "t", (double)(t / 1000) / 1e3, "event", event, "text", text);
		json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(12));
		putchar('\n');
		json_decref(j);
	} else {
		printf("[%6lld.%03lld] %s\n", (long long)(t / 1000000), (long long)(t % 1000000 / 1000), text);
	}
	fflush(stdout);
}

static void log_neighbours(struct serve *s)
{
	struct capnet_arp_entry_info now[SERVE_NEIGHBOURS];
	size_t n = capnet_arp_entries(s->ifc, now, SERVE_NEIGHBOURS);
	if (n > SERVE_NEIGHBOURS)
		n = SERVE_NEIGHBOURS;
	for (size_t i = 0; i < n; i++) {
		bool same = false;
		for (size_t k = 0; k < s->nneigh && !same; k++)
			same = s->neigh[k].ip == now[i].ip && s->neigh[k].state == now[i].state &&
			       capnet_mac_eq(s->neigh[k].mac, now[i].mac);
		if (same)
			continue;
		char ib[16], mb[18];
		logev(s, "neighbour", "neighbour %s %s %s", cmd_fmt_ip4(now[i].ip, ib), cmd_fmt_mac(now[i].mac, mb),
		      capnet_arp_state_name(now[i].state));
	}
	memcpy(s->neigh, now, n * sizeof now[0]);
	s->nneigh = n;
}

static void log_dhcp(struct serve *s, capnet_instant now)
{
	enum capnet_dhcp4_state st = capnet_dhcp4_client_state(s->dhcp);
	if (st == s->dhcp_state)
		return;
	s->dhcp_state = st;
	struct capnet_dhcp4_lease_info l;
	capnet_dhcp4_client_lease(s->dhcp, now, &l);
	if (st != CAPNET_DHCP4_BOUND || !l.has_lease) {
		logev(s, "dhcp", "dhcp %s", capnet_dhcp4_state_name(st));
		return;
	}
	char ab[16], sb[16], gb[16];
	logev(s, "dhcp", "dhcp BOUND %s/%u from server %s, gateway %s, lease %u s (T1 in %lld s, T2 in %lld s)",
	      cmd_fmt_ip4(l.addr, ab), l.prefix_len, cmd_fmt_ip4(l.server, sb),
	      l.gateway ? cmd_fmt_ip4(l.gateway, gb) : "none", l.lease_secs,
	      l.infinite ? -1LL : (long long)((l.t1 - now) / 1000000), l.infinite ? -1LL : (long long)((l.t2 - now) / 1000000));
}

/* After every poll: log what changed. The link is read at most once a
 * second and the pcap flushed at most once a second, both piggybacking on
 * wakeups the stack had anyway (no timer of their own). */
static void after_poll(void *ctx, capnet_instant now, capnet_instant next)
{
	(void)next;
	struct serve *s = ctx;
	if (now - s->link_checked >= CAPNET_S(1)) {
		s->link_checked = now;
		int up = capnet_tap_link_up(s->tap);
		if (up != s->link_up) {
			s->link_up = up;
			logev(s, "link", "link %s on %s", up ? "up" : "down", capnet_tap_name(s->tap));
		}
	}
	log_neighbours(s);
	if (s->dhcp != NULL)
		log_dhcp(s, now);
	uint64_t echoes = capnet_iface_stats(s->ifc)->v[CAPNET_STAT_icmp_echo_replies_sent];
	if (echoes != s->echoes) {
		if (s->o.verbose || s->echoes == 0)
			logev(s, "echo", "answered echo request%s (%" PRIu64 " so far)", s->echoes == 0 ? "s" : "",
			      echoes);
		s->echoes = echoes;
	}
	if (s->pcap != NULL && now - s->pcap_flushed >= CAPNET_S(1)) {
		s->pcap_flushed = now;
		capnet_pcap_writer_flush(s->pcap);
	}
}

/* RFC 862: send back every datagram as it came. Runs inside ingress. */
static void udp_echo_ready(void *ctx, struct capnet_udp_socket *sock, unsigned events, capnet_instant now)
{
	struct serve *s = ctx;
	static uint8_t buf[65536];
	if (!(events & CAPNET_UDP_READABLE))
		return;
	/* Bounded: the queue holds a few datagrams; an error that would not
	 * clear cannot hold ingress hostage. */
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
			logev(s, "udp", "udp echo %zu bytes to %s:%u (%" PRIu64 " so far)", len, cmd_fmt_ip4(m.src, ib),
			      m.src_port, s->udp_echoed);
		}
	}
}

static capnet_err open_udp_echo(struct serve *s)
{
	capnet_err e = capnet_udp_open(s->udp, &s->udp_echo);
	if (e == CAPNET_OK)
		e = capnet_udp_bind(s->udp_echo, 0, s->o.udp_echo_port);
	if (e == CAPNET_OK)
		capnet_udp_set_notify(s->udp_echo, udp_echo_ready, s);
	return e;
}

/* ---- TCP echo and HTTP ---- */

enum conn_kind { CONN_ECHO, CONN_HTTP, CONN_DISCARD };

/* One accepted connection. `buf` holds what is owed to the peer (echo: the
 * bytes read and not yet queued; HTTP: the request, then the answer). */
struct conn {
	struct serve *s;
	struct capnet_tcp_sock *sock;
	enum conn_kind kind;
	int slot;
	bool answered; /* HTTP: the answer is in buf */
	struct capnet_tcp_endpoint peer;
	uint64_t bytes;
	size_t off, len;
	uint8_t buf[SERVE_CONN_BUF];
};

static const char *conn_name(const struct conn *c)
{
	return c->kind == CONN_ECHO ? "tcp echo" : c->kind == CONN_HTTP ? "http" : "tcp discard";
}

static void conn_end(struct conn *c, capnet_err why, capnet_instant now)
{
	struct serve *s = c->s;
	char ib[16];
	if (c->kind != CONN_HTTP || why != CAPNET_OK)
		logev(s, "tcp", "%s %s:%u closed: %" PRIu64 " bytes%s%s", conn_name(c),
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

static size_t http_answer(struct conn *c)
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
	logev(c->s, "http", "http %s:%u %.*s -> %d", cmd_fmt_ip4(c->peer.addr.u.v4, ib), c->peer.port,
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
	c->len = http_answer(c);
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
	struct serve *s = ctx;
	if (!(events & CAPNET_TCP_EV_ACCEPTABLE))
		return;
	struct capnet_tcp_sock *sock;
	while (capnet_tcp_accept(l, &sock) == CAPNET_OK) {
		int slot = -1;
		for (int i = 0; i < SERVE_MAX_CONNS && slot < 0; i++)
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
		*c = (struct conn){.s = s, .sock = sock, .slot = slot, .peer = info.remote,
				   .kind = l == s->echo_listener ? CONN_ECHO : l == s->discard_listener ? CONN_DISCARD
												      : CONN_HTTP};
		s->conns[slot] = c;
		s->tcp_accepted++;
		char ib[16];
		if (c->kind != CONN_HTTP || s->o.verbose)
			logev(s, "tcp", "%s connection from %s:%u (%s)", conn_name(c), cmd_fmt_ip4(info.remote.addr.u.v4, ib),
			      info.remote.port, info.cc_name != NULL ? info.cc_name : "?");
		capnet_tcp_set_notify(sock, conn_ready, c);
		conn_ready(c, sock, capnet_tcp_events(sock), now); /* what arrived before the notify was set */
	}
}

static capnet_err open_tcp(struct serve *s)
{
	struct capnet_tcp_config cfg = {.max_sockets = 2 * SERVE_MAX_CONNS + 8};
	capnet_err e = capnet_tcp_create(&s->arena, &cfg, s->ifc, &s->tcp);
	struct capnet_tcp_sockopts so;
	if (e == CAPNET_OK) {
		capnet_tcp_sockopts_defaults(s->tcp, &so);
		so.cc = (enum capnet_tcp_cc_algo)s->o.cc;
	}
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

/* SIGTERM: every connection gets its FIN (queued data first), listeners
 * go, and the stack runs once more so the segments leave. */
static void close_tcp(struct serve *s)
{
	if (s->tcp == NULL)
		return;
	capnet_instant now = capnet_host_now();
	for (int i = 0; i < SERVE_MAX_CONNS; i++)
		if (s->conns[i] != NULL)
			conn_end(s->conns[i], CAPNET_OK, now);
	if (s->echo_listener != NULL)
		capnet_tcp_close(s->echo_listener, now);
	if (s->http_listener != NULL)
		capnet_tcp_close(s->http_listener, now);
	if (s->discard_listener != NULL)
		capnet_tcp_close(s->discard_listener, now);
	s->echo_listener = s->http_listener = s->discard_listener = NULL;
	capnet_iface_poll(s->ifc, now);
	capnet_tap_tx_flush(s->tap);
}

/* RFC 2131 4.4.6: give the address back on the way out. */
static void release_lease(struct serve *s)
{
	if (s->dhcp == NULL || capnet_dhcp4_client_state(s->dhcp) == CAPNET_DHCP4_STOPPED)
		return;
	capnet_instant now = capnet_host_now();
	struct capnet_dhcp4_lease_info l;
	capnet_dhcp4_client_lease(s->dhcp, now, &l);
	capnet_dhcp4_client_release(s->dhcp, now);
	capnet_iface_poll(s->ifc, now);
	capnet_tap_tx_flush(s->tap);
	if (l.has_lease) {
		char ab[16];
		logev(s, "dhcp", "dhcp lease %s released", cmd_fmt_ip4(l.addr, ab));
	}
}

static void on_fault(void *ctx, int err)
{
	struct serve *s = ctx;
	logev(s, "fault", "device %s failed: %s; stopping", capnet_tap_name(s->tap), strerror(err));
	s->stop_reason = "device failed";
	s->failed = true;
	ev_break(s->loop, EVBREAK_ALL);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	struct serve *s = w->data;
	s->stop_reason = w->signum == SIGINT ? "SIGINT" : "SIGTERM";
	ev_break(loop, EVBREAK_ALL);
}

static void on_duration(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	struct serve *s = w->data;
	s->stop_reason = "--duration elapsed";
	ev_break(loop, EVBREAK_ALL);
}

static int setup(struct serve *s)
{
	char err[CAPNET_TAP_ERRBUF_SIZE] = "";
	struct capnet_tap_options to = {.name = s->o.tap, .mac = s->o.mac, .mtu = s->o.mtu};
	if (capnet_tap_open(&to, &s->tap, err, sizeof err) != CAPNET_OK) {
		fprintf(stderr, "capnet serve: %s\n", err);
		return EXIT_FAILED;
	}
	struct capnet_nic *nic = capnet_tap_nic(s->tap);
	if (s->o.pcap != NULL) {
		if (capnet_pcap_writer_open(s->o.pcap, 0, &s->pcap, err, sizeof err) != CAPNET_OK) {
			fprintf(stderr, "capnet serve: %s\n", err);
			return EXIT_FAILED;
		}
		if (capnet_pcap_tee_open(nic, s->pcap, capnet_host_wallclock, NULL, &s->tee) != CAPNET_OK) {
			fprintf(stderr, "capnet serve: cannot tee the nic into %s\n", s->o.pcap);
			return EXIT_FAILED;
		}
		nic = capnet_pcap_tee_nic(s->tee);
	}
	struct capnet_tcp_config tcfg = {.max_sockets = 2 * SERVE_MAX_CONNS + 8};
	size_t need = capnet_iface_arena_need(NULL, nic->mtu) + capnet_udp_arena_need(NULL) +
		      capnet_tcp_arena_need(&tcfg) + capnet_ip4cfg_arena_need() + capnet_dhcp4_client_arena_need() + 8192;
	s->arena_mem = malloc(need);
	if (s->arena_mem == NULL) {
		fprintf(stderr, "capnet serve: out of memory\n");
		return EXIT_FAILED;
	}
	capnet_arena_init(&s->arena, s->arena_mem, need);
	capnet_err e = capnet_iface_create(&s->arena, NULL, nic, capnet_host_rng(&s->hrng), &s->ifc);
	struct capnet_ip4_config c = {s->o.ip, s->o.prefix_len, s->o.gateway, CAPNET_PROV_STATIC};
	if (e == CAPNET_OK)
		e = capnet_udp_create(&s->arena, NULL, s->ifc, &s->udp);
	if (e == CAPNET_OK && s->o.udp_echo_port != 0)
		e = open_udp_echo(s);
	if (e == CAPNET_OK && (s->o.tcp_echo_port != 0 || s->o.http_port != 0 || s->o.discard_port != 0))
		e = open_tcp(s);
	if (e == CAPNET_OK && s->o.dhcp) {
		e = capnet_ip4cfg_create(&s->arena, s->ifc, &s->ip4cfg);
		if (e == CAPNET_OK)
			e = capnet_dhcp4_client_create(&s->arena, NULL, s->ifc, s->udp, s->ip4cfg, &s->dhcp);
		if (e == CAPNET_OK)
			e = capnet_dhcp4_client_start(s->dhcp, capnet_host_now());
		s->dhcp_state = CAPNET_DHCP4_STOPPED;
	} else if (e == CAPNET_OK) {
		e = capnet_iface_set_ip4(s->ifc, &c, capnet_host_now());
		/* The address is installed before it is announced: a device not
		 * up yet only loses the gratuitous ARP. */
		if (e == CAPNET_E_LINKDOWN || e == CAPNET_E_AGAIN || e == CAPNET_E_NIC) {
			logev(s, "link", "address announcement not sent (%s)", capnet_strerror(e));
			e = CAPNET_OK;
		}
	}
	if (e != CAPNET_OK) {
		fprintf(stderr, "capnet serve: stack setup: %s\n", capnet_strerror(e));
		return EXIT_FAILED;
	}
	char ib[16], mb[18], gb[16], what[24] = "dhcp";
	if (!s->o.dhcp)
		snprintf(what, sizeof what, "%s/%u", cmd_fmt_ip4(s->o.ip, ib), s->o.prefix_len);
	logev(s, "start", "serving %s (mac %s, mtu %u%s%s) on %s%s%s", what,
	      cmd_fmt_mac(nic->mac, mb), nic->mtu, s->o.gateway ? ", gateway " : "",
	      s->o.gateway ? cmd_fmt_ip4(s->o.gateway, gb) : "", capnet_tap_name(s->tap),
	      s->o.pcap ? ", recording to " : "", s->o.pcap ? s->o.pcap : "");
	if (s->udp_echo != NULL)
		logev(s, "udp", "udp echo on port %u", s->o.udp_echo_port);
	if (s->echo_listener != NULL)
		logev(s, "tcp", "tcp echo on port %u (%s)", s->o.tcp_echo_port, capnet_tcp_cc_name(s->o.cc));
	if (s->http_listener != NULL)
		logev(s, "http", "http on port %u", s->o.http_port);
	if (s->discard_listener != NULL)
		logev(s, "tcp", "tcp discard on port %u", s->o.discard_port);
	struct capnet_ev_options eo = {
		.after_poll = after_poll, .after_poll_ctx = s, .on_fault = on_fault, .on_fault_ctx = s};
	if (capnet_ev_attach_tap(s->loop, s->ifc, s->tap, &eo, &s->ev) != CAPNET_OK) {
		fprintf(stderr, "capnet serve: cannot attach to the event loop\n");
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

static void teardown(struct serve *s)
{
	capnet_ev_detach(s->ev);
	if (s->udp_echo != NULL)
		capnet_udp_close(s->udp_echo);
	if (s->pcap != NULL && capnet_pcap_writer_close(s->pcap) != CAPNET_OK)
		fprintf(stderr, "capnet serve: %s: final flush failed\n", s->o.pcap);
	capnet_pcap_tee_close(s->tee);
	capnet_tap_close(s->tap);
	free(s->arena_mem);
}

static void log_summary(struct serve *s)
{
	char text[2048];
	size_t n = 0;
	const struct capnet_stats *st = capnet_iface_stats(s->ifc);
	for (int i = 0; i < CAPNET_STAT__COUNT && n < sizeof text - 64; i++)
		if (st->v[i] != 0)
			n += (size_t)snprintf(text + n, sizeof text - n, "%s%s=%" PRIu64, n ? " " : "",
					      capnet_stat_name((enum capnet_stat)i), st->v[i]);
	logev(s, "counters", "counters: %s", n ? text : "(all zero)");
	struct capnet_tap_stats ts;
	capnet_tap_get_stats(s->tap, &ts);
	logev(s, "tap",
	      "tap: rx %" PRIu64 " frames, tx %" PRIu64 " frames, tx queued %" PRIu64 " (high water %" PRIu64
	      "), tx dropped %" PRIu64 ", rx oversize %" PRIu64 ", errors rx %" PRIu64 " tx %" PRIu64,
	      ts.rx_frames, ts.tx_frames, ts.tx_queued, ts.txq_high_water, ts.tx_dropped, ts.rx_oversize, ts.rx_errors,
	      ts.tx_errors);
	struct capnet_ev_stats es;
	capnet_ev_get_stats(s->ev, &es);
	logev(s, "loop",
	      "loop: %" PRIu64 " polls (%" PRIu64 " read, %" PRIu64 " write, %" PRIu64 " timer wakeups)", es.polls,
	      es.io_read_wakeups, es.io_write_wakeups, es.timer_wakeups);
	if (s->tcp != NULL)
		logev(s, "tcp", "tcp: %" PRIu64 " connections accepted, %" PRIu64 " refused (table full), %" PRIu64
		      " http requests", s->tcp_accepted, s->tcp_refused, s->http_requests);
	if (s->udp_echo != NULL)
		logev(s, "udp", "udp echo port %u: %" PRIu64 " datagrams echoed, %" PRIu64 " failed", s->o.udp_echo_port,
		      s->udp_echoed, s->udp_echo_failed);
	if (s->tee != NULL)
		logev(s, "pcap", "pcap %s: %" PRIu64 " frames recorded, %" PRIu64 " lost", s->o.pcap,
		      capnet_pcap_writer_count(s->pcap), capnet_pcap_tee_errors(s->tee));
}

static int run(struct serve_opts *o)
{
	struct serve s = {.o = *o};
	s.loop = EV_DEFAULT;
	s.started = capnet_host_now();
	s.link_checked = s.pcap_flushed = s.started - CAPNET_S(10);
	s.link_up = -1;
	if (s.loop == NULL) {
		fprintf(stderr, "capnet serve: no libev loop\n");
		return EXIT_FAILED;
	}
	int rc = setup(&s);
	if (rc != EXIT_OK) {
		teardown(&s);
		return rc;
	}
	ev_signal sigint, sigterm;
	ev_signal_init(&sigint, on_signal, SIGINT);
	ev_signal_init(&sigterm, on_signal, SIGTERM);
	sigint.data = sigterm.data = &s;
	ev_signal_start(s.loop, &sigint);
	ev_signal_start(s.loop, &sigterm);
	ev_timer stop;
	ev_timer_init(&stop, on_duration, o->duration, 0.0);
	stop.data = &s;
	if (o->duration > 0)
		ev_timer_start(s.loop, &stop);
	/* Signal watchers alone must not keep the loop alive. */
	ev_unref(s.loop);
	ev_unref(s.loop);
	ev_run(s.loop, 0);
	ev_ref(s.loop);
	ev_ref(s.loop);
	/* A second SIGTERM (timeout(1) signals the child and then its whole
	 * process group) must not kill the shutdown half way, before the pcap
	 * is flushed: block them before the watchers (and libev's handlers)
	 * go; what arrives now stays pending until exit. */
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	ev_signal_stop(s.loop, &sigint);
	ev_signal_stop(s.loop, &sigterm);
	ev_timer_stop(s.loop, &stop);
	logev(&s, "stop", "stopping (%s)", s.stop_reason ? s.stop_reason : "loop ended");
	if (!s.failed) {
		close_tcp(&s);
		release_lease(&s);
	}
	log_summary(&s);
	teardown(&s);
	return s.failed ? EXIT_FAILED : EXIT_OK;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"tap", required_argument, NULL, 't'},      {"static", required_argument, NULL, 'a'},
		{"gateway", required_argument, NULL, 'g'},  {"mac", required_argument, NULL, 'm'},
		{"mtu", required_argument, NULL, 'M'},      {"pcap", required_argument, NULL, 'p'},
		{"duration", required_argument, NULL, 'd'}, {"dhcp", no_argument, NULL, 'D'},
		{"udp-echo", required_argument, NULL, 'u'}, {"tcp-echo", required_argument, NULL, 'e'},
		{"http", required_argument, NULL, 'H'},     {"cc", required_argument, NULL, 'c'},
		{"discard", required_argument, NULL, 'x'},
		{"verbose", no_argument, NULL, 'v'},        {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	struct serve_opts o = {
		.prefix_len = 24, .udp_echo_port = 7, .tcp_echo_port = 7, .http_port = 80, .discard_port = 9, .cc = CAPNET_TCP_CC_RENO};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:a:g:m:M:p:d:u:e:H:x:c:Dvjh", opts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 't':
			o.tap = optarg;
			break;
		case 'a':
			if (!cmd_parse_cidr4(optarg, &o.ip, &o.prefix_len)) {
				fprintf(stderr, "capnet serve: --static wants A.B.C.D/LEN, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o.have_ip = true;
			break;
		case 'g':
			if (!cmd_parse_ip4(optarg, &o.gateway)) {
				fprintf(stderr, "capnet serve: --gateway wants A.B.C.D, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'm':
			if (!cmd_parse_mac(optarg, &o.mac)) {
				fprintf(stderr, "capnet serve: --mac wants xx:xx:xx:xx:xx:xx, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'M': {
			unsigned long m = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || m < 576 || m > 9000) {
				fprintf(stderr, "capnet serve: --mtu wants a number in [576, 9000]\n");
				return EXIT_USAGE;
			}
			o.mtu = (uint16_t)m;
			break;
		}
		case 'p':
			o.pcap = optarg;
			break;
		case 'd':
			o.duration = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(o.duration > 0 && o.duration <= 86400)) {
				fprintf(stderr, "capnet serve: --duration wants seconds in (0, 86400]\n");
				return EXIT_USAGE;
			}
			break;
		case 'u': {
			unsigned long p = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || p > 65535) {
				fprintf(stderr, "capnet serve: --udp-echo wants a port in [0, 65535]\n");
				return EXIT_USAGE;
			}
			o.udp_echo_port = (uint16_t)p;
			break;
		}
		case 'e':
		case 'H':
		case 'x': {
			unsigned long p = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || p > 65535) {
				fprintf(stderr, "capnet serve: --%s wants a port in [0, 65535]\n",
					c == 'e' ? "tcp-echo" : c == 'H' ? "http" : "discard");
				return EXIT_USAGE;
			}
			*(c == 'e' ? &o.tcp_echo_port : c == 'H' ? &o.http_port : &o.discard_port) = (uint16_t)p;
			break;
		}
		case 'c':
			o.cc = capnet_tcp_cc_parse(optarg);
			if (o.cc < 0) {
				fprintf(stderr, "capnet serve: --cc wants none, reno or cubic, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'D':
			o.dhcp = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "capnet serve: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (o.tap == NULL || o.have_ip == o.dhcp || (o.dhcp && o.gateway != 0)) {
		fprintf(stderr, "capnet serve: --tap NAME and one of --static ADDR/LEN or --dhcp are required\n"
				"(--gateway goes with --static; DHCP supplies its own)\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	return run(&o);
}
