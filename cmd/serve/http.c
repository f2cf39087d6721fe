/* A minimal HTTP/1.1 server: one GET per connection, answered with a fixed
 * body (or 404, 405, 400), then close. */
#include <stdio.h>
#include <string.h>

#include "../cmd.h"
#include "services.h"

/* The fixed body of every 200 answer. */
#define HTTP_BODY "hello from libcapnet\n"

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
	char ib[CMD_IPADDR_BUFLEN];
	svc_logf(c->s, now, "http", "http %s:%u %.*s -> %d", cmd_fmt_ipaddr(&c->peer_addr, ib), c->peer_port,
		 (int)strcspn(req, "\r\n"), req, status);
	int n = snprintf((char *)c->buf, sizeof c->buf,
			 "HTTP/1.1 %d %s\r\nServer: capnet\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n%s\r\n%s",
			 status, reason, strlen(body), status == 405 ? "Allow: GET\r\n" : "", body);
	return (size_t)n;
}

void http_step(struct conn *c, capnet_instant now)
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
		e = capnet_tcpcap_recv(c->s->cs, c->sock, c->buf + c->len, sizeof c->buf - 1 - c->len, &got, now);
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
