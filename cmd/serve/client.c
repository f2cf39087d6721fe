/* The client session: connect (through the TcpConnectAuthority scoped to
 * exactly its peer), send N bytes from a file or a pattern, half-close,
 * read to the peer's FIN into a sink; done once both FINs are
 * acknowledged. */
#include <inttypes.h>
#include <stdlib.h>

#include "../cmd.h"
#include "services.h"

static void client_release(struct svc *s, capnet_instant now)
{
	struct client *c = s->client;
	if (c->view != CAPNET_HANDLE_NONE)
		capnet_cap_close(s->cs, c->view);
	if (c->sock != CAPNET_HANDLE_NONE)
		capnet_tcpcap_close(s->cs, c->sock, now);
	c->view = c->sock = CAPNET_HANDLE_NONE;
}

static void client_fail(struct svc *s, const char *what, capnet_err e, capnet_instant now)
{
	struct client *c = s->client;
	char ib[16];
	svc_logf(s, now, "client", "client %s:%u failed (%s%s%s): %" PRIu64 " bytes sent, %" PRIu64 " received",
		 cmd_fmt_ip4(s->o.connect_ip, ib), s->o.connect_port, what, e != CAPNET_OK ? ": " : "",
		 e != CAPNET_OK ? capnet_strerror(e) : "", c->queued, c->received);
	client_release(s, now);
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

/* Our FIN acknowledged after the peer's was read: the socket's state
 * (TIME-WAIT, or CLOSED without an error) says so; no readiness does. */
static void client_finish(struct svc *s, capnet_instant now)
{
	struct client *c = s->client;
	struct capnet_transport_status ts;
	capnet_err e = capnet_transport_status(s->cs, c->view, &ts);
	if (e != CAPNET_OK) {
		client_fail(s, "reading the connection's status", e, now);
		return;
	}
	if (ts.tcp.state != CAPNET_TCP_TIME_WAIT && ts.tcp.state != CAPNET_TCP_CLOSED)
		return; /* our FIN is not acknowledged yet */
	if (ts.tcp.state == CAPNET_TCP_CLOSED && ts.tcp.error != CAPNET_OK) {
		client_fail(s, "connection ended", ts.tcp.error, now);
		return;
	}
	if (c->sink != NULL && fflush(c->sink) != 0) {
		client_fail(s, "writing the sink", CAPNET_OK, now);
		return;
	}
	double secs = (double)(now - c->t_established) / 1e6;
	char ib[16];
	svc_logf(s, now, "client",
		 "client %s:%u done: %" PRIu64 " bytes sent and acknowledged, %" PRIu64
		 " received, in %.3f s (%.3f Gbit/s out, %.3f Gbit/s in; %u retransmits, %s)",
		 cmd_fmt_ip4(s->o.connect_ip, ib), s->o.connect_port, c->queued, c->received, secs,
		 secs > 0 ? (double)c->queued * 8 / secs / 1e9 : 0.0,
		 secs > 0 ? (double)c->received * 8 / secs / 1e9 : 0.0, ts.tcp.retransmits,
		 ts.tcp.cc_name != NULL ? ts.tcp.cc_name : "?");
	client_release(s, now);
	c->state = SVC_CLIENT_DONE;
}

/* Reads everything there is into the sink; false when the session failed. */
static bool client_read(struct svc *s, capnet_instant now)
{
	struct client *c = s->client;
	for (int i = 0; i < 4096 && !c->eof; i++) {
		size_t got = 0;
		capnet_err e = capnet_tcpcap_recv(s->cs, c->sock, c->in, sizeof c->in, &got, now);
		if (e == CAPNET_E_AGAIN)
			break;
		if (e == CAPNET_E_CLOSED) {
			c->eof = true;
			break;
		}
		if (e != CAPNET_OK) {
			client_fail(s, "receiving", e, now);
			return false;
		}
		if (c->sink != NULL && fwrite(c->in, 1, got, c->sink) != got) {
			client_fail(s, "writing the sink", CAPNET_OK, now);
			return false;
		}
		c->received += got;
	}
	return true;
}

/* Queues what fits and the FIN after the last byte; false when failed. */
static bool client_write(struct svc *s, capnet_instant now)
{
	struct client *c = s->client;
	for (int i = 0; i < 4096 && !c->shut; i++) {
		if (c->off == c->len) {
			if (!client_load(s)) {
				client_fail(s, "reading the source", CAPNET_OK, now);
				return false;
			}
			if (c->len == 0) {
				if (s->o.fin_after_eof && !c->eof)
					break; /* everything is queued; the FIN waits */
				capnet_err e = capnet_tcpcap_shutdown(s->cs, c->sock, now);
				if (e != CAPNET_OK) {
					client_fail(s, "shutdown", e, now);
					return false;
				}
				c->shut = true;
				break;
			}
		}
		size_t q = 0;
		capnet_err e = capnet_tcpcap_send(s->cs, c->sock, c->out + c->off, c->len - c->off, &q, now);
		if (e == CAPNET_E_AGAIN || (e == CAPNET_OK && q == 0))
			break;
		if (e != CAPNET_OK) {
			client_fail(s, "sending", e, now);
			return false;
		}
		c->off += q;
		c->queued += q;
	}
	return true;
}

/* After every poll while the session runs. Returns false (no work that
 * needs an immediate repoll: sends arm TCP timers the host accounts for). */
bool client_step(struct svc *s, capnet_instant now)
{
	struct client *c = s->client;
	if (c == NULL || c->state != SVC_CLIENT_RUNNING)
		return false;
	unsigned ev = 0;
	capnet_err e = capnet_tcpcap_events(s->cs, c->sock, &ev);
	if (e != CAPNET_OK) {
		client_fail(s, "reading readiness", e, now);
		return false;
	}
	if (!c->connected && (ev & CAPNET_TCP_EV_CONNECTED)) {
		c->connected = true;
		c->t_established = now;
		char ib[16];
		svc_logf(s, now, "client", "client connected to %s:%u (%s) after %.3f ms",
			 cmd_fmt_ip4(s->o.connect_ip, ib), s->o.connect_port, capnet_tcp_cc_name(s->o.cc),
			 (double)(now - c->t_connect) / 1e3);
	}
	if (!client_read(s, now) || !client_write(s, now))
		return false;
	if (ev & (CAPNET_TCP_EV_RESET | CAPNET_TCP_EV_ERROR)) {
		struct capnet_transport_status ts;
		capnet_err why = capnet_transport_status(s->cs, c->view, &ts) == CAPNET_OK ? ts.tcp.error : CAPNET_OK;
		client_fail(s, "connection ended", why != CAPNET_OK ? why : CAPNET_E_RESET, now);
		return false;
	}
	if (c->eof && c->shut)
		client_finish(s, now);
	return false;
}

/* Connects once the address is configured. Returns nothing: the host
 * polls again (the SYN may wait for ARP, whose timer is the interface's). */
void client_start(struct svc *s, capnet_instant now)
{
	struct client *c = s->client;
	c->t_connect = now;
	c->state = SVC_CLIENT_RUNNING;
	capnet_err e = capnet_tcpcap_connect(s->cs, s->connect_auth, s->o.connect_ip, s->o.connect_port, now, &c->sock);
	if (e == CAPNET_OK)
		e = capnet_tcpcap_status(s->cs, c->sock, &c->view);
	if (e != CAPNET_OK) {
		client_fail(s, "connect", e, now);
		return;
	}
	struct capnet_transport_status ts = {0};
	capnet_transport_status(s->cs, c->view, &ts);
	char ib[16], amount[64];
	if (c->to_send == UINT64_MAX)
		snprintf(amount, sizeof amount, "all of it");
	else
		snprintf(amount, sizeof amount, "%" PRIu64 " bytes", c->to_send);
	svc_logf(s, now, "client", "client connecting from port %u to %s:%u, sending %s from %s", ts.tcp.local.port,
		 cmd_fmt_ip4(s->o.connect_ip, ib), s->o.connect_port, amount,
		 s->o.send_file != NULL ? s->o.send_file : "a pattern");
}

void client_stop(struct svc *s, capnet_instant now)
{
	struct client *c = s->client;
	if (c == NULL || c->sock == CAPNET_HANDLE_NONE)
		return;
	client_release(s, now);
	if (c->state == SVC_CLIENT_RUNNING) {
		c->state = SVC_CLIENT_FAILED;
		svc_logf(s, now, "client", "client stopped before it was done");
	}
}

capnet_err client_open(struct svc *s, char *errbuf, size_t errlen)
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

void client_free(struct client *c)
{
	if (c == NULL)
		return;
	if (c->src != NULL)
		fclose(c->src);
	if (c->sink != NULL)
		fclose(c->sink);
	free(c);
}
