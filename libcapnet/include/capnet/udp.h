/* UDP sockets (RFC 768, RFC 1122 4.1) over one interface.
 *
 * A UDP layer is carved from the caller's arena, sized by a config: at most
 * `max_sockets` sockets, a shared pool of `dgram_buffers` datagram buffers of
 * `dgram_size` payload bytes each, and at most `rx_queue_depth` datagrams
 * queued per socket. It registers itself on the interface as the IPv4
 * protocol 17 handler, and as the IPv6 next header 17 handler when the
 * interface has IPv6. Nothing here blocks: a receive on an empty queue is
 * CAPNET_E_AGAIN, and readiness is reported as events and through a notify
 * callback.
 *
 * Receive queue overflow: DROP-NEWEST. A datagram that finds its socket's
 * queue full is dropped and counted (udp_rx_queue_full); what is already
 * queued stays, in arrival order. A flood can then delay a reader but never
 * silently replace what it was about to read.
 *
 * Errors: a datagram to a port no socket is bound to is answered with an
 * ICMP port unreachable (rate limited by the interface; never for
 * broadcasts; over IPv6 an ICMPv6 port unreachable, never for multicast).
 * A datagram over IPv6 with a zero checksum is dropped and counted
 * (udp6_rx_zero_checksum; RFC 8200 8.1). An ICMP error quoting a datagram
 * a *connected* socket sent is held on that socket as a pending error (E_REFUSED for port unreachable,
 * E_UNREACHABLE for the other destination-unreachable codes and time
 * exceeded) and returned, once, by the next recv_from or send_to, as BSD
 * does; unconnected sockets never see ICMP errors (RFC 1122 4.1.3.3 leaves
 * it to the application, and an unconnected socket cannot tell which peer).
 * ICMPv6 errors do not reach UDP sockets yet. */
#ifndef CAPNET_UDP_H
#define CAPNET_UDP_H

#include "capnet/arena.h"
#include "capnet/err.h"
#include "capnet/iface.h"
#include "capnet/types.h"

struct capnet_udp_config {
	uint16_t max_sockets;    /* default 8 */
	uint16_t rx_queue_depth; /* datagrams per socket; default 4 */
	uint16_t dgram_buffers;  /* shared pool; default 16 */
	uint16_t dgram_size;     /* payload bytes per buffer; default 1472 (1500 - 28) */
};

/* RFC 6056 section 2.1: the IANA dynamic range. */
#define CAPNET_UDP_EPHEMERAL_MIN 49152u
#define CAPNET_UDP_EPHEMERAL_MAX 65535u

/* Readiness events (a bit set). WRITABLE is always set on an open socket:
 * UDP keeps no send buffer, a send either goes to the interface or fails. */
#define CAPNET_UDP_READABLE 0x1u
#define CAPNET_UDP_WRITABLE 0x2u
#define CAPNET_UDP_ERROR 0x4u

/* Socket options (capnet_udp_set_option). */
#define CAPNET_UDP_OPT_BROADCAST 0x1u    /* SO_BROADCAST: send to and receive broadcasts */
#define CAPNET_UDP_OPT_UNCONFIGURED 0x2u /* may send from 0.0.0.0 while unconfigured (DHCP) */

struct capnet_udp_layer;
struct capnet_udp_socket;

/* Called when a socket becomes readable (each datagram queued) or gets a
 * pending error; `events` is capnet_udp_events() at that moment. It runs
 * inside ingress: it may receive and send on the socket, but must not close
 * it. */
typedef void (*capnet_udp_notify_fn)(void *ctx, struct capnet_udp_socket *s, unsigned events, capnet_instant now);

/* What recv_from tells about a datagram. */
struct capnet_udp_meta {
	capnet_ip4addr src;   /* IPv4 only: 0 for a datagram over IPv6 */
	uint16_t src_port;
	capnet_ip4addr dst;   /* our address, or the broadcast it was sent to; IPv4 only */
	bool broadcast;       /* IP or link broadcast; over IPv6, multicast */
	size_t len;           /* the datagram's full payload length */
	struct capnet_ipaddr src_addr; /* the sender, either family */
	struct capnet_ipaddr dst_addr; /* the address it was sent to, either family */
};

void capnet_udp_config_defaults(struct capnet_udp_config *cfg);
size_t capnet_udp_arena_need(const struct capnet_udp_config *cfg);
/* `cfg` may be NULL for defaults. Registers protocol 17 on ifc. E_NOMEM when
 * the arena is too small, E_INVAL for a zero-sized config after defaults. */
capnet_err capnet_udp_create(struct capnet_arena *arena, const struct capnet_udp_config *cfg,
			     struct capnet_iface *ifc, struct capnet_udp_layer **out);

/* E_NOMEM when max_sockets are open. */
capnet_err capnet_udp_open(struct capnet_udp_layer *u, struct capnet_udp_socket **out);
/* Frees the socket and every datagram still queued on it. */
void capnet_udp_close(struct capnet_udp_socket *s);

/* addr 0: every local address. port 0: an ephemeral port drawn from the
 * interface's generator (RFC 6056 Algorithm 1: random start in 49152-65535,
 * then the next free one). E_INUSE when (addr, port) overlaps a bound
 * socket (same port and either address 0 or the same address); E_STATE
 * when already bound; E_NOMEM when every ephemeral port is taken. */
capnet_err capnet_udp_bind(struct capnet_udp_socket *s, capnet_ip4addr addr, uint16_t port);
/* The family-neutral bind: addr NULL (or af NONE) takes datagrams of both
 * families to every local address; an unspecified address of one family
 * (0.0.0.0 or ::) every address of that family; otherwise that address.
 * capnet_udp_bind(s, a, p) is bind_addr of the IPv4 address a, so sockets
 * bound through it stay IPv4 only. Overlap and errors as above. */
capnet_err capnet_udp_bind_addr(struct capnet_udp_socket *s, const struct capnet_ipaddr *addr, uint16_t port);
/* Fixes the peer: only its datagrams are received, send_to may pass dst 0,
 * and ICMP errors about it are delivered. Binds an ephemeral port first if
 * unbound. addr 0 disconnects. */
capnet_err capnet_udp_connect(struct capnet_udp_socket *s, capnet_ip4addr addr, uint16_t port);
/* Either family; NULL or an unspecified address disconnects. E_INVAL for
 * a peer of the other family than the bound address. */
capnet_err capnet_udp_connect_addr(struct capnet_udp_socket *s, const struct capnet_ipaddr *addr, uint16_t port);
capnet_err capnet_udp_set_option(struct capnet_udp_socket *s, unsigned opt, bool on);
uint16_t capnet_udp_local_port(const struct capnet_udp_socket *s);

/* Sends one datagram (binding an ephemeral port first if unbound). dst 0
 * with port 0 means the connected peer. E_RIGHTS for a broadcast without
 * CAPNET_UDP_OPT_BROADCAST, E_MSGSIZE beyond the MTU, E_NOTCONN for dst 0
 * unconnected, a pending ICMP error (consumed), or what IPv4 says
 * (E_NOROUTE, E_NOTCONFIGURED...). A frame queued behind ARP is OK. */
capnet_err capnet_udp_send_to(struct capnet_udp_socket *s, capnet_ip4addr dst, uint16_t port, const void *data,
			      size_t len, capnet_instant now);
/* Either family (dst NULL with port 0: the connected peer). Over IPv6 the
 * source is the bound address or one chosen for dst, the checksum covers
 * the IPv6 pseudo-header, and a multicast dst needs
 * CAPNET_UDP_OPT_BROADCAST (E_RIGHTS); E_NOTCONFIGURED without IPv6 or a
 * usable source; E_INVAL for a dst of the other family than the bound
 * address. */
capnet_err capnet_udp_send_to_addr(struct capnet_udp_socket *s, const struct capnet_ipaddr *dst, uint16_t port,
				   const void *data, size_t len, capnet_instant now);
/* Copies the oldest datagram into buf (truncated to cap; meta->len tells
 * the full length) and frees it. E_AGAIN when the queue is empty, or a
 * pending ICMP error first (consumed). meta may be NULL. */
capnet_err capnet_udp_recv_from(struct capnet_udp_socket *s, void *buf, size_t cap, size_t *len,
				struct capnet_udp_meta *meta);

unsigned capnet_udp_events(const struct capnet_udp_socket *s);
void capnet_udp_set_notify(struct capnet_udp_socket *s, capnet_udp_notify_fn fn, void *ctx);

/* For tests proving the bounds: buffers in use in the pool, sockets open. */
uint32_t capnet_udp_buffers_in_use(const struct capnet_udp_layer *u);
uint32_t capnet_udp_sockets_open(const struct capnet_udp_layer *u);
size_t capnet_udp_queued(const struct capnet_udp_socket *s);
/* The datagrams a socket may hold queued (the layer's rx_queue_depth). */
uint32_t capnet_udp_queue_capacity(const struct capnet_udp_socket *s);

#endif
