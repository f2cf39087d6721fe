/* The stack and services of `capnet serve`, apart from the device and the
 * loop that carry them: a stack (capnet/stack.h) with UDP, TCP and
 * (optionally) a DHCPv4 client, answering ARP and ping, and services that
 * hold caps only -- echoing UDP and TCP (RFC 862), discarding TCP (RFC
 * 863), answering HTTP/1.1 GET, and optionally one TCP client session
 * (connect, send N bytes, read to the peer's FIN, into a sink). The files
 * are in serve/ (serve/services.h says who holds what).
 *
 * `capnet serve` runs it on a TAP device under libev; `capnet replay
 * --serve` runs the very same code over a pcap capture on the synthetic
 * clock. Both build the stack with the same generator, so a run recorded
 * with `serve --seed N` replays byte for byte. For that the services act
 * only after capnet_stack_poll (svc_after_poll), at the instants the host
 * passes in, never on a clock of their own. */
#ifndef CAPNET_CMD_SERVE_SERVICES_H
#define CAPNET_CMD_SERVE_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/err.h"
#include "capnet/nic.h"
#include "capnet/rng.h"
#include "capnet/types.h"

/* The default MAC of `capnet serve` (and of `capnet replay --serve`). */
#define SVC_DEFAULT_MAC {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}}

struct svc_opts {
	/* Address: static (ip != 0) or DHCP. */
	capnet_ip4addr ip, gateway;
	uint8_t prefix_len;
	bool dhcp;
	/* IPv6: on (link-local always, SLAAC from router advertisements), and
	 * a static address when static6_len != 0. */
	bool ipv6;
	struct capnet_ip6addr static6;
	uint8_t static6_len;
	/* Service ports; 0: none. */
	uint16_t udp_echo_port, tcp_echo_port, http_port, discard_port;
	int cc;            /* enum capnet_tcp_cc_algo of every connection */
	uint32_t sndbuf;   /* per-connection rings; 0: the TCP layer's default */
	uint32_t rcvbuf;
	bool verbose;      /* log every echo and HTTP request */
	/* The client session: connect to connect_ip:connect_port once the
	 * address is configured; 0: no client. */
	capnet_ip4addr connect_ip;
	uint16_t connect_port;
	const char *send_file; /* bytes to send; NULL: a fixed pattern */
	uint64_t send_bytes;   /* how many; UINT64_MAX: all of send_file */
	const char *sink;      /* where received bytes go; NULL: counted only */
	/* Hold our FIN until the peer's has arrived: for peers such as
	 * OpenBSD nc that quit (unsent input and all) on reading EOF. */
	bool fin_after_eof;
};

/* Serve's defaults: echo 7 (UDP and TCP), discard 9, HTTP 80, Reno, /24. */
void svc_opts_defaults(struct svc_opts *o);

/* Every event: a short kind ("tcp", "dhcp", ...) and a line of text, at
 * the stack instant it happened. */
typedef void (*svc_log_fn)(void *ctx, capnet_instant now, const char *event, const char *text);

enum svc_client_state {
	SVC_CLIENT_NONE = 0, /* no client configured */
	SVC_CLIENT_WAITING,  /* for an address (DHCP) */
	SVC_CLIENT_RUNNING,
	SVC_CLIENT_DONE,     /* everything sent and acknowledged, the peer's FIN read */
	SVC_CLIENT_FAILED,
};

struct svc;
struct capnet_stack;

/* Builds the stack on `nic` with generator `rng` (both must outlive the
 * svc) at instant `now`: the stack (capnet_stack_create), then the DHCP
 * client (started now) or the static address (announced now), then the
 * service cspace with its caps, the UDP echo socket and the listeners,
 * then the client's connect when the address is static. On failure the
 * reason is in errbuf and nothing is left allocated. */
capnet_err svc_create(const struct svc_opts *o, struct capnet_nic *nic, struct capnet_rng rng, capnet_instant now,
		      svc_log_fn log, void *log_ctx, struct svc **out, char *errbuf, size_t errlen);
void svc_destroy(struct svc *s);
/* The stack, for the host that carries its frames and polls it. */
struct capnet_stack *svc_stack(struct svc *s);

/* The host calls this after every capnet_stack_poll with the poll's
 * instant: it logs what changed (neighbours, lease, echo counts), and the
 * services do what their caps' readiness allows (echo, accept, answer,
 * send), starting the client once a DHCP lease is bound. Returns true when
 * it gave the stack work whose timers are not TCP's (a connect may wait
 * for ARP): the host polls again before it sleeps. */
bool svc_after_poll(struct svc *s, capnet_instant now);
/* The TCP layer's next timer (what the services sent after the poll may
 * have armed one earlier than the deadline the poll returned). */
capnet_instant svc_next_deadline(const struct svc *s);

enum svc_client_state svc_client_state(const struct svc *s);

/* Shutdown, all at one instant: every connection gets its FIN (queued data
 * first), listeners close, the lease is released (RFC 2131 4.4.6), and the
 * stack is polled so those frames leave. */
void svc_stop(struct svc *s, capnet_instant now);

/* Logs the counters and per-service totals. */
void svc_summary(struct svc *s, capnet_instant now);

/* Option helpers shared by serve and replay: a port in [0, 65535]; an
 * "A.B.C.D:PORT" with PORT > 0. */
bool svc_parse_port(const char *s, uint16_t *out);
bool svc_parse_endpoint(const char *s, capnet_ip4addr *ip, uint16_t *port);
/* A byte count with an optional K/M/G suffix (binary: KiB, MiB, GiB). */
bool svc_parse_bytes(const char *s, uint64_t *out);

#endif
