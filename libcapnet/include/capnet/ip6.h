/* The IPv6 side of an interface (iface/ipv6/): addresses (link-local from
 * the MAC or a stable IID, static, SLAAC) each through duplicate address
 * detection, the default router list and prefixes from router
 * advertisements, the NDP neighbour cache, ICMPv6 and the egress that
 * upper layers use. Off unless the interface config enables it
 * (capnet_iface_config.ip6.enable): an interface without IPv6 treats
 * ethertype 0x86dd as unknown, as it always has. */
#ifndef CAPNET_IP6_H
#define CAPNET_IP6_H

#include "capnet/err.h"
#include "capnet/types.h"

struct capnet_iface;
struct capnet_l3_rx;

struct capnet_ip6_iface_config {
	bool enable;
	/* RFC 7217 stable interface identifiers (keyed from the injected
	 * generator) instead of the modified EUI-64 of the MAC (RFC 4291). */
	bool stable_iid;
	/* No router solicitation and no SLAAC: static and link-local only. */
	bool no_slaac;
	uint8_t max_addrs;      /* default CAPNET_DEFAULT_IP6_MAX_ADDRS */
	uint16_t neigh_entries; /* default CAPNET_DEFAULT_IP6_NEIGH_ENTRIES */
	uint8_t max_routers;    /* default CAPNET_DEFAULT_IP6_MAX_ROUTERS */
	uint8_t dad_transmits;  /* DupAddrDetectTransmits; default 1 (RFC 4862 5.1) */
	uint8_t hop_limit;      /* default 64, until an RA says otherwise */
};

/* ---- counters (a block of their own, apart from capnet_stats, so that
 * the IPv4 counter list and everything hashed over it stay as they were) */
#define CAPNET_STAT6_LIST(X)                                                  \
	X(ip6_rx_packets)                                                     \
	X(ip6_tooshort)          /* shorter than 40 bytes */                  \
	X(ip6_badversion)                                                     \
	X(ip6_badlen)            /* payload length beyond the frame */        \
	X(ip6_badsrc)            /* multicast source */                       \
	X(ip6_not_for_us)        /* unicast to another address, group not joined */ \
	X(ip6_mcast_filtered)    /* 33:33 frame for a group not joined */     \
	X(ip6_ext_bad)           /* extension chain truncated or malformed */ \
	X(ip6_ext_bounds)        /* extension chain past its count/byte bound */ \
	X(ip6_ext_unknown_option) /* an option whose type says discard */     \
	X(ip6_routing_refused)   /* routing header with segments left */      \
	X(ip6_fragments)         /* counted and dropped: no reassembly */     \
	X(ip6_noproto)           /* unknown next header: parameter problem */ \
	X(ip6_tx_packets)                                                     \
	X(ip6_noroute)                                                        \
	X(ip6_tx_unconfigured)   /* no usable source address */              \
	X(icmp6_tooshort)                                                     \
	X(icmp6_badsum)                                                       \
	X(icmp6_badcode)                                                      \
	X(icmp6_unknown_type)                                                 \
	X(icmp6_echo_requests)                                                \
	X(icmp6_echo_replies_sent)                                            \
	X(icmp6_echo_replies_rcvd)                                            \
	X(icmp6_dest_unreach_rcvd)                                            \
	X(icmp6_pkt_too_big_rcvd)                                             \
	X(icmp6_time_exceeded_rcvd)                                           \
	X(icmp6_param_problem_rcvd)                                           \
	X(icmp6_errors_sent)                                                  \
	X(icmp6_errors_ratelimited)                                           \
	X(ndp_bad)               /* hop limit != 255, bad option, bad field */ \
	X(ndp_opt_zero_len)      /* an option of length 0 (RFC 4861 4.6) */   \
	X(ndp_ns_rcvd)                                                        \
	X(ndp_na_rcvd)                                                        \
	X(ndp_rs_rcvd)                                                        \
	X(ndp_ra_rcvd)                                                        \
	X(ndp_ns_sent)                                                        \
	X(ndp_na_sent)                                                        \
	X(ndp_rs_sent)                                                        \
	X(ndp_dad_ns_sent)                                                    \
	X(ndp_cache_full)                                                     \
	X(ndp_pending_dropped)                                                \
	X(ndp_resolve_failed)                                                 \
	X(ra_ignored)            /* from a non-link-local source */           \
	X(ra_prefix_ignored)     /* preferred > valid, link-local, bad length */ \
	X(dad_duplicates)        /* an address found in use by another node */ \
	X(slaac_addrs_added)                                                  \
	X(slaac_addrs_removed)                                                \
	X(pmtu_updates)                                                       \
	X(udp6_rx_zero_checksum) /* UDP over IPv6 with checksum 0: dropped (RFC 8200 8.1) */

enum capnet_stat6 {
#define CAPNET_STAT6_ENUM(name) CAPNET_STAT6_##name,
	CAPNET_STAT6_LIST(CAPNET_STAT6_ENUM)
#undef CAPNET_STAT6_ENUM
	CAPNET_STAT6__COUNT
};
struct capnet_stats6 {
	uint64_t v[CAPNET_STAT6__COUNT];
};
const char *capnet_stat6_name(enum capnet_stat6 s);
/* NULL when IPv6 is off on this interface. */
const struct capnet_stats6 *capnet_ip6_stats(const struct capnet_iface *ifc);
bool capnet_ip6_enabled(const struct capnet_iface *ifc);
/* For the transports over IPv6 (sock/): counts one event; nothing when
 * IPv6 is off. */
void capnet_ip6_count(struct capnet_iface *ifc, enum capnet_stat6 s);

/* ---- addresses ---- */

enum capnet_ip6_addr_state {
	CAPNET_IP6_ADDR_FREE = 0,
	CAPNET_IP6_ADDR_TENTATIVE,  /* DAD running: not a source, NS for it answered only by DAD rules */
	CAPNET_IP6_ADDR_PREFERRED,
	CAPNET_IP6_ADDR_DEPRECATED, /* valid, no longer preferred: kept for existing flows */
	CAPNET_IP6_ADDR_DUPLICATE,  /* DAD found it in use: never used */
};
const char *capnet_ip6_addr_state_name(enum capnet_ip6_addr_state s);

struct capnet_ip6_addr_info {
	struct capnet_ip6addr addr;
	uint8_t prefix_len;
	uint8_t state;      /* enum capnet_ip6_addr_state */
	uint8_t provenance; /* enum capnet_provenance: LINK_LOCAL, STATIC, SLAAC */
	capnet_instant preferred_until; /* CAPNET_INSTANT_NEVER: infinite */
	capnet_instant valid_until;
};

/* Adds an address of `prefix_len` (and its on-link prefix) with the given
 * provenance; it is TENTATIVE until DAD ends (RFC 4862 5.4). E_INVAL for a
 * multicast/unspecified address or a length > 128; E_EXISTS if held;
 * E_NOMEM when every slot is in use. */
capnet_err capnet_ip6_addr_add(struct capnet_iface *ifc, const struct capnet_ip6addr *a, uint8_t prefix_len,
			       uint8_t provenance, capnet_instant now);
/* Removes one address (E_NOTFOUND) or, with capnet_ip6_addr_flush, every
 * address of a provenance. */
capnet_err capnet_ip6_addr_del(struct capnet_iface *ifc, const struct capnet_ip6addr *a);
void capnet_ip6_addr_flush(struct capnet_iface *ifc, uint8_t provenance);
size_t capnet_ip6_addrs(const struct capnet_iface *ifc, struct capnet_ip6_addr_info *out, size_t max);
/* The link-local address (whatever its state); false before it exists. */
bool capnet_ip6_link_local(const struct capnet_iface *ifc, struct capnet_ip6addr *out);
/* A usable (preferred, else deprecated) address of ours: `dst`'s scope and
 * longest prefix first (RFC 6724 rules 2 and 8, simplified). */
bool capnet_ip6_select_source(const struct capnet_iface *ifc, const struct capnet_ip6addr *dst,
			      struct capnet_ip6addr *out);
/* One of our addresses in any state but DUPLICATE/FREE. */
bool capnet_ip6_is_local(const struct capnet_iface *ifc, const struct capnet_ip6addr *a);

/* The interface identifier for `prefix` (EUI-64 of the MAC, or RFC 7217
 * F(prefix, net_iface, network_id, DAD_counter, secret_key)). */
struct capnet_ip6addr capnet_ip6_make_addr(const struct capnet_iface *ifc, const struct capnet_ip6addr *prefix,
					   uint8_t dad_counter);

/* ---- routers, prefixes and link parameters from RAs ---- */

struct capnet_ip6_router_info {
	struct capnet_ip6addr addr;
	struct capnet_mac mac;
	capnet_instant expires;       /* CAPNET_INSTANT_NEVER for a static one */
	uint8_t provenance;           /* RA or STATIC */
};
size_t capnet_ip6_routers(const struct capnet_iface *ifc, struct capnet_ip6_router_info *out, size_t max);
/* A configured default router that never expires (gateway NULL or ::
 * removes it), replacing the previous one; RAs leave it alone. */
capnet_err capnet_ip6_set_static_router(struct capnet_iface *ifc, const struct capnet_ip6addr *gateway);
/* The link MTU IPv6 sends with (the RA MTU option or the NIC's), and the
 * path MTU recorded for dst by packet-too-big (RFC 8201), else the link's. */
uint16_t capnet_ip6_link_mtu(const struct capnet_iface *ifc);
uint16_t capnet_ip6_path_mtu(const struct capnet_iface *ifc, const struct capnet_ip6addr *dst);
/* Servers from RDNSS (RFC 8106) with their expiry; 0 when none. */
size_t capnet_ip6_rdnss(const struct capnet_iface *ifc, struct capnet_ip6addr *out, size_t max,
			capnet_instant *expires);
/* Sends a router solicitation now (the stack sends up to 3 at start). */
capnet_err capnet_ip6_send_rs(struct capnet_iface *ifc, capnet_instant now);

/* ---- NDP neighbour cache states (RFC 4861 7.3.2) ---- */
enum capnet_nd_state {
	CAPNET_ND_FREE = 0,
	CAPNET_ND_INCOMPLETE,
	CAPNET_ND_REACHABLE,
	CAPNET_ND_STALE,
	CAPNET_ND_DELAY,
	CAPNET_ND_PROBE,
	CAPNET_ND_FAILED, /* resolution failed; held briefly so callers see "unreachable" */
	CAPNET_ND_STATIC,
};
const char *capnet_nd_state_name(enum capnet_nd_state s);
/* Whether the neighbour advertised itself as a router (the IsRouter flag). */
bool capnet_nd_is_router(const struct capnet_iface *ifc, const struct capnet_ip6addr *a);

/* ---- egress ---- */

struct capnet_ip6_tx {
	struct capnet_ip6addr src; /* unspecified: chosen (capnet_ip6_select_source) */
	struct capnet_ip6addr dst;
	uint8_t next_header;
	uint8_t hop_limit; /* 0: the interface's */
	uint8_t traffic_class;
	unsigned flags;
	struct capnet_mac dst_mac; /* with CAPNET_IP6_TX_DST_MAC */
};
#define CAPNET_IP6_TX_UNSPECIFIED_OK 0x1u /* src :: allowed (DAD, RS before an address) */
#define CAPNET_IP6_TX_DST_MAC 0x2u

/* Room for `*cap` upper-layer bytes (the link MTU minus 40). */
uint8_t *capnet_ip6_tx_buffer(struct capnet_iface *ifc, size_t *cap);
/* Multicast goes to 33:33:..; on-link unicast (a prefix of ours, or
 * link-local) is resolved by NDP (queued while resolving, bounded); the
 * rest goes to a default router. E_NOTCONFIGURED without IPv6 or a usable
 * source, E_NOROUTE without a router, E_MSGSIZE beyond the MTU. */
capnet_err capnet_ip6_send(struct capnet_iface *ifc, const struct capnet_ip6_tx *tx, size_t l4_len,
			   capnet_instant now);

/* ---- ICMPv6 echo (ping6) and the errors about it ---- */

struct capnet_echo6_reply {
	struct capnet_ip6addr from;
	uint16_t ident;
	uint16_t seq;
	uint8_t hop_limit;
	const uint8_t *data;
	size_t data_len;
};
typedef void (*capnet_echo6_reply_fn)(void *ctx, const struct capnet_echo6_reply *r, capnet_instant now);
void capnet_icmp6_on_echo_reply(struct capnet_iface *ifc, capnet_echo6_reply_fn fn, void *ctx);
capnet_err capnet_icmp6_echo_send(struct capnet_iface *ifc, const struct capnet_ip6addr *dst, uint16_t ident,
				  uint16_t seq, const uint8_t *data, size_t len, capnet_instant now);

/* An ICMPv6 error (unreachable, packet too big, time exceeded, parameter
 * problem) quoting an echo request we sent: `from` is the node that sent
 * the error, ident/seq the quoted request's. */
struct capnet_echo6_error {
	struct capnet_ip6addr from;
	uint8_t type;
	uint8_t code;
	uint32_t mtu;     /* packet too big */
	uint32_t pointer; /* parameter problem */
	uint16_t ident;
	uint16_t seq;
};
typedef void (*capnet_echo6_error_fn)(void *ctx, const struct capnet_echo6_error *e, capnet_instant now);
void capnet_icmp6_on_echo_error(struct capnet_iface *ifc, capnet_echo6_error_fn fn, void *ctx);

/* Sends an ICMPv6 error quoting `rx` (as much as fits in 1280 bytes), rate
 * limited (RFC 4443 2.4 f); never about an ICMPv6 error, a datagram from
 * :: or multicast, or (unless `even_multicast`, RFC 4443 2.4 e.3) one sent
 * to a multicast address. */
capnet_err capnet_icmp6_send_error(struct capnet_iface *ifc, uint8_t type, uint8_t code, uint32_t param,
				   const struct capnet_l3_rx *rx, bool even_multicast, capnet_instant now);

#endif
