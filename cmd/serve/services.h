/* What the services of `capnet serve` share, apart from the interface in
 * ../serve_services.h: the svc, the accepted connections, the client, and
 * one entry point per service file.
 *
 * Two sides. serve_stack.c is the provider: it builds the stack (the only
 * file here that sees capnet/stack.h), mints from the boot NetworkManager
 * exactly the caps the services need and grants them into the "service"
 * cspace. Every other file is an application: it holds handles of that
 * cspace and uses the cap API alone (capnet/cap.h, capnet/pollable.h).
 *
 * The services act after each capnet_stack_poll, at the instant the host
 * polled: they look at the readiness of their caps and do what it allows.
 * They never read a clock, so `capnet replay --serve` reproduces a run. */
#ifndef CAPNET_CMD_SERVE_SERVICES_PRIVATE_H
#define CAPNET_CMD_SERVE_SERVICES_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capnet/cap.h"
#include "capnet/host/host.h"
#include "capnet/pollable.h"
#include "../serve_services.h"

#define SVC_NEIGHBOURS 32
#define SVC_MAX_CONNS 64
#define SVC_CONN_BUF 16384
#define SVC_CLIENT_BUF 65536

enum conn_kind { CONN_ECHO, CONN_HTTP, CONN_DISCARD };

/* One accepted connection: its TcpSocket handle in the service cspace.
 * `buf` holds what is owed to the peer (echo: the bytes read and not yet
 * queued; HTTP: the request, then the answer). */
struct conn {
	struct svc *s;
	capnet_handle sock;
	enum conn_kind kind;
	int slot;
	bool answered; /* HTTP: the answer is in buf */
	struct capnet_ipaddr peer_addr;
	uint16_t peer_port;
	uint64_t bytes;
	size_t off, len;
	uint8_t buf[SVC_CONN_BUF];
};

/* A TcpListener of the service cspace and what it serves. */
struct listener {
	capnet_handle h;
	enum conn_kind kind;
	uint16_t port;
};

/* The client session: `out` holds source bytes not yet queued. */
struct client {
	enum svc_client_state state;
	capnet_handle sock; /* TcpSocket (NONE before connect and after the end) */
	capnet_handle view; /* TransportStatus of it */
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
	/* The provider's side (serve_stack.c). */
	void *arena_mem;
	struct capnet_host_rng cap_rng;
	struct capnet_stack *st;
	/* The service cspace and the caps granted into it. */
	struct capnet_cspace *cs;
	capnet_handle status;       /* NetworkStatus (READ) */
	capnet_handle listen_auth[3]; /* TcpListenAuthority, one port each (BIND) */
	capnet_handle udp_auth;     /* UdpSocket authority for the echo port (BIND, SEND, RECV, READ) */
	capnet_handle connect_auth; /* TcpConnectAuthority to the client's peer (CONNECT) */
	/* What the services opened through them. */
	struct listener listeners[3];
	size_t nlisteners;
	capnet_handle udp_echo;
	uint64_t udp_echoed, udp_echo_failed;
	struct conn *conns[SVC_MAX_CONNS];
	uint64_t tcp_accepted, tcp_refused, http_requests;
	struct client *client;
	/* What was last logged, to log changes only. */
	struct capnet_arp_entry_info neigh[SVC_NEIGHBOURS];
	size_t nneigh;
	enum capnet_dhcp4_state dhcp_state;
	uint64_t echoes;
};

void svc_logf(struct svc *s, capnet_instant now, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* echo_udp.c: RFC 862 over UDP. */
capnet_err udp_echo_open(struct svc *s);
bool udp_echo_step(struct svc *s, capnet_instant now);

/* conns.c: listeners and accepted connections. */
capnet_err listeners_open(struct svc *s);
bool listeners_step(struct svc *s, capnet_instant now);
bool conns_step(struct svc *s, capnet_instant now);
void conns_stop(struct svc *s, capnet_instant now);
const char *conn_name(const struct conn *c);
void conn_end(struct conn *c, capnet_err why, capnet_instant now);
/* Queues what is owed. false while some is left (wait for WRITABLE), with
 * *err set when the connection ended. */
bool conn_flush(struct conn *c, capnet_err *err, capnet_instant now);

/* One step of an accepted connection, by kind (echo_tcp.c, discard.c,
 * http.c): reads what arrived and answers what it can. */
void echo_step(struct conn *c, capnet_instant now);
void discard_step(struct conn *c, capnet_instant now);
void http_step(struct conn *c, capnet_instant now);

/* client.c: the client session. */
capnet_err client_open(struct svc *s, char *errbuf, size_t errlen);
void client_free(struct client *c);
void client_start(struct svc *s, capnet_instant now);
bool client_step(struct svc *s, capnet_instant now);
void client_stop(struct svc *s, capnet_instant now);

#endif
