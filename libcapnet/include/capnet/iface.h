/* An interface: one NIC, its IPv4 configuration, routes and ARP neighbour
 * cache, ingress dispatch and egress. Carved from a caller arena; driven by
 * capnet_iface_poll(iface, now), which returns the next deadline. */
#ifndef CAPNET_IFACE_H
#define CAPNET_IFACE_H

#include "capnet/arena.h"
#include "capnet/err.h"
#include "capnet/ip6.h"
#include "capnet/nic.h"
#include "capnet/rng.h"
#include "capnet/stats.h"
#include "capnet/types.h"
#include "capnet/wire/icmp4.h"

struct capnet_iface;

struct capnet_iface_config {
	uint16_t arp_cache_entries;       /* default 16 */
	uint8_t arp_pending_per_neighbour; /* frames held while resolving; default 4 */
	uint16_t pktbufs;                 /* frame buffers for ARP-pending frames; default 16 */
	capnet_duration arp_retry_initial; /* first retransmit after; default 1 s, doubles */
	uint8_t arp_max_requests;         /* requests before giving up; default 3 */
	capnet_duration arp_reachable;    /* entry lifetime after confirmation; default 60 s */
	capnet_duration arp_failed_hold;  /* a failed entry answers "unreachable" for; default 3 s */
	uint16_t rx_budget;               /* frames drained per poll; default 64 */
	uint8_t ip_ttl;                   /* default 64 */
	uint8_t max_routes;               /* default 8 (connected + default + DHCP 121) */
	bool reply_broadcast_echo;        /* answer echo to broadcast (RFC 1122 MAY); default false */
	/* The NIC's receive side belongs to a driver (a Nic cap holder) that
	 * feeds frames in with capnet_iface_input: poll never reads the NIC. */
	bool rx_by_driver;
	/* TSO: TCP may hand the nic super-frames of up to this many IP bytes
	 * when the nic can cut them (capnet_nic_ext_ops.transmit_gso), never
	 * more than the nic's tso_max. 0 (default): one frame per segment. The
	 * transmit buffer is reserved this large. */
	uint32_t tso_max;
	/* IPv6 (capnet/ip6.h): off unless ip6.enable. */
	struct capnet_ip6_iface_config ip6;
};

/* Where a configuration value came from (the status surface shows it). */
enum capnet_provenance {
	CAPNET_PROV_NONE = 0,
	CAPNET_PROV_STATIC,  /* static manifest / operator */
	CAPNET_PROV_DHCP,    /* a DHCPv4 lease */
	CAPNET_PROV_FIXTURE, /* a test fixture */
	CAPNET_PROV_LINK_LOCAL, /* IPv6 link-local, formed from the interface */
	CAPNET_PROV_SLAAC,   /* IPv6 stateless autoconfiguration (RFC 4862) */
	CAPNET_PROV_RA,      /* an IPv6 router advertisement (routers, RDNSS) */
};
const char *capnet_provenance_name(enum capnet_provenance p);

struct capnet_ip4_config {
	capnet_ip4addr addr;
	uint8_t prefix_len;
	capnet_ip4addr gateway; /* 0: none */
	enum capnet_provenance provenance;
};

struct capnet_ip4_route {
	capnet_ip4addr dest;
	uint8_t prefix_len;
	capnet_ip4addr gateway; /* 0: on-link */
	enum capnet_provenance provenance;
};

/* One entry of the interface's route table, of either family;
 * capnet_ip4_route is its IPv4 view. */
struct capnet_route {
	struct capnet_ipaddr dest;
	uint8_t prefix_len;
	struct capnet_ipaddr gateway; /* unspecified: on-link */
	enum capnet_provenance provenance;
};

/* Fills unset (zero) fields with the defaults above. */
void capnet_iface_config_defaults(struct capnet_iface_config *cfg);
/* Arena bytes capnet_iface_create needs for this config (worst case). */
size_t capnet_iface_arena_need(const struct capnet_iface_config *cfg, uint16_t mtu);

/* `cfg` may be NULL for defaults. The nic and rng must outlive the iface. */
capnet_err capnet_iface_create(struct capnet_arena *arena, const struct capnet_iface_config *cfg,
			       struct capnet_nic *nic, struct capnet_rng rng, struct capnet_iface **out);

/* Installs address, connected route and (if gateway != 0) default route,
 * replacing the previous IPv4 config and its routes; announces the address
 * with a gratuitous ARP. addr 0 removes the configuration (fail closed: no
 * address, no connected/default routes). */
capnet_err capnet_iface_set_ip4(struct capnet_iface *ifc, const struct capnet_ip4_config *c, capnet_instant now);
void capnet_iface_get_ip4(const struct capnet_iface *ifc, struct capnet_ip4_config *out);

capnet_err capnet_iface_route_add(struct capnet_iface *ifc, const struct capnet_ip4_route *r);
/* Removes every route with this provenance (a lease ending). */
void capnet_iface_route_flush(struct capnet_iface *ifc, enum capnet_provenance p);
/* Copies up to `max` IPv4 routes; returns how many exist. */
size_t capnet_iface_routes(const struct capnet_iface *ifc, struct capnet_ip4_route *out, size_t max);
/* The same for every route of every family. */
size_t capnet_iface_route_entries(const struct capnet_iface *ifc, struct capnet_route *out, size_t max);
/* Longest-prefix match: next hop for dst (dst itself when on-link). */
capnet_err capnet_iface_route_lookup(const struct capnet_iface *ifc, capnet_ip4addr dst, capnet_ip4addr *next_hop);

/* Drains up to rx_budget frames from the nic, runs due timers (ARP retries
 * and expiry, protocol and other registered timers) and returns the next instant at which it
 * needs to be polled again (CAPNET_INSTANT_NEVER when idle). When the
 * budget ran out before the nic was empty it returns `now`: poll again. */
capnet_instant capnet_iface_poll(struct capnet_iface *ifc, capnet_instant now);
/* Feeds one received frame (as if the nic had delivered it). */
void capnet_iface_input(struct capnet_iface *ifc, const uint8_t *frame, size_t len, capnet_instant now);
/* The same with what the driver knows about it (nic.h): a TCP super-frame
 * (gso_segs > 1) may be longer than the MTU; anything else that is, or a
 * super-frame that is not IPv4/TCP, is dropped as oversize. NULL info: an
 * ordinary frame. */
void capnet_iface_input_info(struct capnet_iface *ifc, const uint8_t *frame, size_t len,
			     const struct capnet_nic_rx_info *info, capnet_instant now);

const struct capnet_stats *capnet_iface_stats(const struct capnet_iface *ifc);
/* Counts one event: the layers above iface/ (UDP, DHCP...) keep their
 * counters in the interface's block so the status surface has one list. */
void capnet_iface_count(struct capnet_iface *ifc, enum capnet_stat st);
/* Adds n to a counter (byte counts). */
void capnet_iface_count_n(struct capnet_iface *ifc, enum capnet_stat st, uint64_t n);
/* Counts a drop under the counter for its reason: `why` is a codec's reason
 * (enum capnet_X_error) and by_reason[why] its counter, for n reasons; 0
 * (none) and reasons at or past n count nothing. The macro takes n from an
 * array. */
void capnet_iface_count_reason(struct capnet_iface *ifc, const enum capnet_stat *by_reason, size_t n, unsigned why);
#define CAPNET_IFACE_COUNT_REASON(ifc, by_reason, why) \
	capnet_iface_count_reason((ifc), (by_reason), sizeof(by_reason) / sizeof((by_reason)[0]), (unsigned)(why))
struct capnet_mac capnet_iface_mac(const struct capnet_iface *ifc);
uint16_t capnet_iface_mtu(const struct capnet_iface *ifc);
/* Where the MTU IPv4 sends with came from. PATH is a connection's own
 * (an ICMP "fragmentation needed", RFC 1191), never the interface's. */
enum capnet_mtu_source {
	CAPNET_MTU_DEFAULT = 0, /* the NIC's */
	CAPNET_MTU_STATIC,      /* configured by the operator */
	CAPNET_MTU_DHCP,        /* DHCP option 26 (RFC 2132 5.1) */
	CAPNET_MTU_PATH,        /* path MTU discovery */
};
const char *capnet_mtu_source_name(enum capnet_mtu_source s);
enum capnet_mtu_source capnet_iface_mtu_source(const struct capnet_iface *ifc);
/* The NIC's MTU: the most the link carries (and what is received). */
uint16_t capnet_iface_link_mtu(const struct capnet_iface *ifc);
/* Sets the MTU IPv4 sends with, from STATIC or DHCP; 0 goes back to the
 * NIC's. E_INVAL below 576 (RFC 791) or above the NIC's MTU. Connections
 * already open keep their MSS; new ones take the new MTU. */
capnet_err capnet_iface_set_mtu(struct capnet_iface *ifc, uint16_t mtu, enum capnet_mtu_source src);
const struct capnet_rng *capnet_iface_rng(const struct capnet_iface *ifc);

/* ---- timers of poll-only users ---- */

/* A user of the interface that has timers but no protocol of its own (the
 * DHCP client, address conflict detection) links one of these: every
 * capnet_iface_poll calls `poll`, which runs what is due and returns its
 * next deadline (CAPNET_INSTANT_NEVER when idle). Timers run in the order
 * they were added, after the receive drain; a protocol's own `poll` is one
 * of them, added when the protocol registers. The struct is the caller's
 * and must outlive the interface. */
struct capnet_iface_timer {
	capnet_instant (*poll)(void *ctx, struct capnet_iface *ifc, capnet_instant now);
	void *ctx;
	struct capnet_iface_timer *next; /* owned by the iface */
};
void capnet_iface_add_timer(struct capnet_iface *ifc, struct capnet_iface_timer *t);

/* ---- ARP neighbour cache ---- */

enum capnet_arp_state {
	CAPNET_ARP_FREE = 0,
	CAPNET_ARP_INCOMPLETE, /* request sent, awaiting reply */
	CAPNET_ARP_REACHABLE,
	CAPNET_ARP_FAILED,     /* retries exhausted; held briefly so callers see "unreachable" */
	CAPNET_ARP_STATIC,
};
const char *capnet_arp_state_name(enum capnet_arp_state s);

struct capnet_arp_entry_info {
	capnet_ip4addr ip;
	struct capnet_mac mac;
	enum capnet_arp_state state;
	capnet_instant expires;   /* REACHABLE: when it lapses; INCOMPLETE: next retry */
	uint8_t requests;         /* requests sent for the current resolution */
	uint8_t pending;          /* frames waiting for resolution */
};

/* Starts resolution (if needed) without queueing a frame. */
capnet_err capnet_arp_resolve(struct capnet_iface *ifc, capnet_ip4addr ip, capnet_instant now);
/* CAPNET_OK with the MAC if REACHABLE/STATIC; E_AGAIN while INCOMPLETE;
 * E_UNREACHABLE when FAILED; E_NOTFOUND otherwise. */
capnet_err capnet_arp_lookup(const struct capnet_iface *ifc, capnet_ip4addr ip, struct capnet_mac *mac);
capnet_err capnet_arp_add_static(struct capnet_iface *ifc, capnet_ip4addr ip, struct capnet_mac mac);
capnet_err capnet_arp_send_gratuitous(struct capnet_iface *ifc, capnet_instant now);
/* Sends an RFC 5227 probe (sender IP 0) for ip. */
capnet_err capnet_arp_send_probe(struct capnet_iface *ifc, capnet_ip4addr ip, capnet_instant now);
size_t capnet_arp_entries(const struct capnet_iface *ifc, struct capnet_arp_entry_info *out, size_t max);

/* Address conflict detection (RFC 5227) on top of these: capnet/acd.h. */

/* ---- upper-layer (L4) hooks ---- */

/* What an upper-layer protocol sees of a received datagram, whatever its
 * IP family (src.af). src4/dst4 repeat src/dst for IPv4 (0 otherwise), for
 * the IPv4-only code paths and their arithmetic. */
struct capnet_l3_rx {
	struct capnet_ipaddr src;
	struct capnet_ipaddr dst;
	capnet_ip4addr src4;
	capnet_ip4addr dst4;
	uint8_t proto;        /* IPv4 protocol / IPv6 next header */
	uint8_t ttl;          /* IPv4 TTL / IPv6 hop limit */
	uint8_t tos;          /* IPv4 TOS / IPv6 traffic class */
	bool link_broadcast;  /* arrived to ff:ff:ff:ff:ff:ff */
	bool ip_broadcast;    /* dst was limited or directed broadcast */
	struct capnet_mac src_mac;
	const uint8_t *ip_header; /* for ICMP error quoting */
	size_t ip_header_len;
	const uint8_t *payload;
	size_t payload_len;
	/* From the driver (struct capnet_nic_rx_info): > 1 when the payload is
	 * a coalesced TCP super-frame of that many segments of gso_size bytes
	 * (the last may be shorter); csum_valid: skip the L4 checksum. */
	uint16_t gso_segs;
	uint16_t gso_size;
	bool csum_valid;
};

/* An upper layer (UDP, TCP...) registers one of these per IP family it
 * speaks. `input` gets every datagram of (`family`, `proto`) addressed to
 * us (or broadcast); `poll` (optional) runs its timers and returns its next
 * deadline (registered as an interface timer); `icmp_error` (optional) gets
 * ICMP errors quoting a datagram of `proto` we sent, as
 * capnet_icmp4_quote_parse read them: `why` is ERR_NONE, or the reason a
 * quote whose fixed IP header (src, dst, proto) was readable was refused
 * (for the protocol to count). The struct is the caller's and must outlive
 * the iface registration. */
struct capnet_l4_protocol {
	uint8_t family; /* enum capnet_af */
	uint8_t proto;
	void (*input)(void *ctx, struct capnet_iface *ifc, const struct capnet_l3_rx *rx, capnet_instant now);
	capnet_instant (*poll)(void *ctx, struct capnet_iface *ifc, capnet_instant now);
	void (*icmp_error)(void *ctx, struct capnet_iface *ifc, const struct capnet_icmp4_quote *q,
			   enum capnet_icmp4_error why, capnet_instant now);
	void *ctx;
	struct capnet_l4_protocol *next; /* owned by the iface */
	struct capnet_iface_timer timer; /* owned by the iface: runs `poll` */
};
void capnet_iface_register_l4(struct capnet_iface *ifc, struct capnet_l4_protocol *p);

/* Egress. The upper layer writes its L4 bytes into the buffer returned by
 * capnet_ip4_tx_buffer (room for `*cap` bytes), then calls capnet_ip4_send
 * with the length. src 0 means "the interface address" (and is allowed to
 * stay 0 only with CAPNET_IP4_TX_UNCONFIGURED_OK, for DHCP). Broadcast
 * destinations go to ff:ff:ff:ff:ff:ff; others are routed and resolved by
 * ARP (queued, bounded, while resolving). */
struct capnet_ip4_tx {
	capnet_ip4addr src;
	capnet_ip4addr dst;
	uint8_t proto;
	uint8_t ttl;  /* 0: interface default */
	uint8_t tos;
	unsigned flags;
	struct capnet_mac dst_mac; /* with CAPNET_IP4_TX_DST_MAC: skip ARP */
	/* > 0: a TCP super-frame of segments of this payload size, for a nic
	 * with TSO (capnet_iface_tso_max); it may exceed the MTU. */
	uint16_t gso_size;
};
#define CAPNET_IP4_TX_UNCONFIGURED_OK 0x1u /* allow src 0.0.0.0 (DHCP) */
#define CAPNET_IP4_TX_DST_MAC 0x2u         /* use tx.dst_mac as given */
#define CAPNET_IP4_TX_DONT_FRAGMENT 0x4u

uint8_t *capnet_ip4_tx_buffer(struct capnet_iface *ifc, size_t *cap);
/* The largest IP datagram a TCP super-frame may be on this interface (the
 * nic cuts it: capnet_nic_ext_ops.transmit_gso); 0 without TSO. The
 * buffer of capnet_ip4_tx_buffer then holds that much: `gso_cap` gets
 * the L4 room of a super-frame. */
uint32_t capnet_iface_tso_max(const struct capnet_iface *ifc);
uint8_t *capnet_ip4_tx_buffer_gso(struct capnet_iface *ifc, size_t *gso_cap);
capnet_err capnet_ip4_send(struct capnet_iface *ifc, const struct capnet_ip4_tx *tx, size_t l4_len,
			   capnet_instant now);

/* ---- tap hook: observers of every frame ---- */

enum capnet_iface_dir {
	CAPNET_IFACE_RX = 1, /* received: at capnet_iface_input, before any check */
	CAPNET_IFACE_TX = 2, /* transmitted: as the nic took it (padded to 60) */
};

typedef void (*capnet_iface_tap_fn)(void *ctx, const uint8_t *frame, size_t len, enum capnet_iface_dir dir,
				    capnet_instant now);

/* An observer of the interface's frames (the packet trace, a capture tee).
 * `frame` is called with every frame received, and every frame the nic
 * accepted for transmission, with the `now` of the call that moved it
 * (capnet_iface_input for rx; the send, timer or configuration call for
 * tx); the bytes are valid only during the call. `tick` (optional) is
 * called at the start of every capnet_iface_poll, so an observer's clock
 * moves even when no frame passes. Taps are called in attach order.
 *
 * The struct is the caller's: zero it before its first attach and keep it
 * alive while attached; `next` and `iface` belong to the interface. An
 * interface without taps pays one predictable branch per frame. */
struct capnet_iface_tap {
	capnet_iface_tap_fn frame;
	void (*tick)(void *ctx, capnet_instant now);
	void *ctx;
	struct capnet_iface_tap *next; /* owned by the iface */
	struct capnet_iface *iface;    /* attached to; owned by the iface */
};
#define CAPNET_IFACE_TAPS_MAX 4

/* E_INVAL without a frame callback; E_INUSE when the tap is already
 * attached (here or to another interface); E_NOMEM when
 * CAPNET_IFACE_TAPS_MAX taps are attached. */
capnet_err capnet_iface_tap_attach(struct capnet_iface *ifc, struct capnet_iface_tap *tap);
/* Detaches tap if it is attached to ifc (a tap may detach itself from its
 * own callback); the struct may then be reused. */
void capnet_iface_tap_detach(struct capnet_iface *ifc, struct capnet_iface_tap *tap);
/* The first tap attached to ifc whose frame callback is fn, or NULL: how an
 * observer finds its own attachment (one packet trace per interface). */
const struct capnet_iface_tap *capnet_iface_tap_find(const struct capnet_iface *ifc, capnet_iface_tap_fn fn);

/* ---- ICMP echo (ping) ---- */

struct capnet_echo_reply {
	capnet_ip4addr from;
	uint16_t ident;
	uint16_t seq;
	uint8_t ttl;
	const uint8_t *data;
	size_t data_len;
	/* Only echo clients (below) hear a reply whose checksum failed: its
	 * fields are what the corrupted message claims. */
	bool checksum_bad;
};
typedef void (*capnet_echo_reply_fn)(void *ctx, const struct capnet_echo_reply *r, capnet_instant now);
void capnet_icmp4_on_echo_reply(struct capnet_iface *ifc, capnet_echo_reply_fn fn, void *ctx);

/* An ICMP error (destination unreachable, time exceeded) quoting an echo
 * request this interface sent. */
struct capnet_echo_error {
	capnet_ip4addr from; /* who sent the error: a router, or the destination */
	uint8_t type;
	uint8_t code;
	capnet_ip4addr dst;  /* the quoted request's destination */
	uint16_t ident;      /* the quoted request's identifier and sequence */
	uint16_t seq;
};

/* A client of echo (the ping sessions of capnet/ping.h): hears every echo
 * reply -- one with a bad checksum too, flagged, so that a corrupted reply
 * is counted by whoever waits for it instead of vanishing -- and every
 * error quoting one of our echo requests. The interface still counts each
 * as before (icmp_badsum, icmp_dest_unreach_rcvd...). Clients are called
 * in the order they were added, after the capnet_icmp4_on_echo_reply
 * callback. The struct is the caller's and must outlive the interface. */
struct capnet_echo_client {
	void (*reply)(void *ctx, struct capnet_iface *ifc, const struct capnet_echo_reply *r, capnet_instant now);
	void (*error)(void *ctx, struct capnet_iface *ifc, const struct capnet_echo_error *e, capnet_instant now);
	void *ctx;
	struct capnet_echo_client *next; /* owned by the iface */
};
void capnet_icmp4_add_echo_client(struct capnet_iface *ifc, struct capnet_echo_client *c);
capnet_err capnet_icmp4_echo_send(struct capnet_iface *ifc, capnet_ip4addr dst, uint16_t ident, uint16_t seq,
				  const uint8_t *data, size_t len, capnet_instant now);
/* Sends an ICMP error quoting the datagram `rx` (RFC 1812 4.3.2.7 rules:
 * never about ICMP errors, broadcasts, or non-first fragments). */
capnet_err capnet_icmp4_send_error(struct capnet_iface *ifc, uint8_t type, uint8_t code,
				   const struct capnet_l3_rx *rx, capnet_instant now);

#endif
