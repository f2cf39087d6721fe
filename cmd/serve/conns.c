/* The TCP services' listeners and the connections accepted from them:
 * opening through the TcpListenAuthority of each port, accepting what is
 * ready, and handing each connection to its service's step. */
#include <inttypes.h>
#include <stdlib.h>

#include "../cmd.h"
#include "services.h"

#define LISTEN_BACKLOG 16

const char *conn_name(const struct conn *c)
{
	return c->kind == CONN_ECHO ? "tcp echo" : c->kind == CONN_HTTP ? "http" : "tcp discard";
}

/* Echo, HTTP and discard, in the order serve always opened them. */
capnet_err listeners_open(struct svc *s)
{
	const uint16_t ports[3] = {s->o.tcp_echo_port, s->o.http_port, s->o.discard_port};
	const enum conn_kind kinds[3] = {CONN_ECHO, CONN_HTTP, CONN_DISCARD};
	for (size_t i = 0; i < 3; i++) {
		if (ports[i] == 0)
			continue;
		struct listener *l = &s->listeners[s->nlisteners];
		capnet_err e = capnet_tcpcap_listen(s->cs, s->listen_auth[i], ports[i], LISTEN_BACKLOG, &l->h);
		if (e != CAPNET_OK)
			return e;
		l->kind = kinds[i];
		l->port = ports[i];
		s->nlisteners++;
	}
	return CAPNET_OK;
}

void conn_end(struct conn *c, capnet_err why, capnet_instant now)
{
	struct svc *s = c->s;
	char ib[CMD_IPADDR_BUFLEN];
	if (c->kind != CONN_HTTP || why != CAPNET_OK)
		svc_logf(s, now, "tcp", "%s %s:%u closed: %" PRIu64 " bytes%s%s", conn_name(c),
			 cmd_fmt_ipaddr(&c->peer_addr, ib), c->peer_port, c->bytes, why != CAPNET_OK ? ", " : "",
			 why != CAPNET_OK ? capnet_strerror(why) : "");
	/* The last cap of the socket: a graceful close, queued bytes then FIN. */
	capnet_tcpcap_close(s->cs, c->sock, now);
	s->conns[c->slot] = NULL;
	free(c);
}

bool conn_flush(struct conn *c, capnet_err *err, capnet_instant now)
{
	*err = CAPNET_OK;
	while (c->off < c->len) {
		size_t q = 0;
		capnet_err e = capnet_tcpcap_send(c->s->cs, c->sock, c->buf + c->off, c->len - c->off, &q, now);
		if (e != CAPNET_OK && e != CAPNET_E_AGAIN)
			*err = e;
		if (e != CAPNET_OK || q == 0)
			return false;
		c->off += q;
	}
	c->off = c->len = 0;
	return true;
}

static void conn_step(struct conn *c, capnet_instant now)
{
	if (c->kind == CONN_ECHO)
		echo_step(c, now);
	else if (c->kind == CONN_DISCARD)
		discard_step(c, now);
	else
		http_step(c, now);
}

/* The peer and congestion controller of a connection, through a
 * TransportStatus view minted for the moment. */
static void conn_peer(struct svc *s, capnet_handle sock, struct capnet_transport_status *ts)
{
	capnet_handle view;
	if (capnet_tcpcap_status(s->cs, sock, &view) != CAPNET_OK)
		return;
	capnet_transport_status(s->cs, view, ts);
	capnet_cap_close(s->cs, view);
}

static void accept_all(struct svc *s, const struct listener *l, capnet_instant now)
{
	capnet_handle sock;
	while (capnet_tcpcap_accept(s->cs, l->h, &sock) == CAPNET_OK) {
		int slot = -1;
		for (int i = 0; i < SVC_MAX_CONNS && slot < 0; i++)
			if (s->conns[i] == NULL)
				slot = i;
		struct conn *c = slot >= 0 ? malloc(sizeof *c) : NULL;
		if (c == NULL) {
			s->tcp_refused++;
			capnet_tcpcap_close(s->cs, sock, now);
			continue;
		}
		struct capnet_transport_status ts = {0};
		conn_peer(s, sock, &ts);
		*c = (struct conn){.s = s,
				   .sock = sock,
				   .slot = slot,
				   .peer_addr = ts.tcp.remote.addr,
				   .peer_port = ts.tcp.remote.port,
				   .kind = l->kind};
		s->conns[slot] = c;
		s->tcp_accepted++;
		char ib[CMD_IPADDR_BUFLEN];
		if (c->kind != CONN_HTTP || s->o.verbose)
			svc_logf(s, now, "tcp", "%s connection from %s:%u (%s)", conn_name(c),
				 cmd_fmt_ipaddr(&c->peer_addr, ib), c->peer_port,
				 ts.tcp.cc_name != NULL ? ts.tcp.cc_name : "?");
	}
}

/* Accepts every connection that is ready. Returns true when it accepted. */
bool listeners_step(struct svc *s, capnet_instant now)
{
	uint64_t before = s->tcp_accepted + s->tcp_refused;
	for (size_t i = 0; i < s->nlisteners; i++) {
		unsigned ev = 0;
		if (capnet_tcpcap_events(s->cs, s->listeners[i].h, &ev) == CAPNET_OK && (ev & CAPNET_TCP_EV_ACCEPTABLE))
			accept_all(s, &s->listeners[i], now);
	}
	return s->tcp_accepted + s->tcp_refused != before;
}

/* Every connection reads what arrived and answers what it can. */
bool conns_step(struct svc *s, capnet_instant now)
{
	for (int i = 0; i < SVC_MAX_CONNS; i++)
		if (s->conns[i] != NULL)
			conn_step(s->conns[i], now);
	return false;
}

void conns_stop(struct svc *s, capnet_instant now)
{
	for (int i = 0; i < SVC_MAX_CONNS; i++)
		if (s->conns[i] != NULL)
			conn_end(s->conns[i], CAPNET_OK, now);
	for (size_t i = 0; i < s->nlisteners; i++)
		capnet_tcpcap_close(s->cs, s->listeners[i].h, now);
	s->nlisteners = 0;
}
