/* The interface's private state, shared by the files of iface/. */
#ifndef CAPNET_IFACE_INTERNAL_H
#define CAPNET_IFACE_INTERNAL_H

#include "capnet/iface.h"
#include "capnet/neigh.h"
#include "capnet/wire/ethernet.h"

/* A whole Ethernet frame held while its next hop is being resolved. */
struct capnet_pktbuf {
	struct capnet_pktbuf *next;
	uint16_t len;
	uint8_t data[];
};

struct capnet_arp_entry {
	capnet_ip4addr ip;
	struct capnet_mac mac;
	uint8_t state;          /* enum capnet_arp_state */
	uint8_t requests;
	uint8_t npending;
	capnet_instant expires; /* meaning depends on state (see iface.h) */
	capnet_instant since;   /* INCOMPLETE: when resolution began (admission recycles the oldest) */
	struct capnet_pktbuf *pending_head;
	struct capnet_pktbuf *pending_tail;
};

struct capnet_ip6;

struct capnet_route_slot {
	struct capnet_route r;
	bool in_use;
	bool from_config; /* installed by capnet_iface_set_ip4 */
};

enum { IFACE_NEIGH_INET, IFACE_NEIGH_INET6, IFACE_NEIGH_FAMILIES };

struct capnet_iface {
	struct capnet_iface_config cfg;
	struct capnet_nic *nic;
	struct capnet_rng rng;
	struct capnet_mac mac;
	uint16_t mtu;        /* what IPv4 sends: the NIC's, or lower when configured */
	uint8_t mtu_source; /* enum capnet_mtu_source */

	struct capnet_ip4_config ip4;
	struct capnet_route_slot *routes;

	/* The neighbour cache of each family (capnet/neigh.h); egress and poll
	 * go through these. */
	const struct capnet_neigh_ops *neigh[IFACE_NEIGH_FAMILIES];
	struct capnet_arp_entry *arp;
	struct capnet_pool pktbufs;
	capnet_instant arp_defend_at; /* last time we defended our address */
	struct capnet_acd *acds; /* conflict detection, linked by capnet_acd_init */

	uint8_t *rx_buf; /* one frame: Ethernet + VLAN tag + MTU */
	size_t rx_cap;
	uint8_t *tx_buf;
	size_t tx_cap;
	uint32_t tso_max; /* 0: no TSO; else the largest super-frame's IP bytes */

	/* IPv6 (iface/ipv6/); NULL when the config leaves it off. */
	struct capnet_ip6 *ip6;

	struct capnet_l4_protocol *protos;
	struct capnet_iface_timer *timers;
	capnet_echo_reply_fn echo_fn;
	void *echo_ctx;
	struct capnet_echo_client *echo_clients;

	uint16_t ip_ident;
	/* ICMP error token bucket (RFC 1812 4.3.2.8 rate limiting). */
	uint8_t icmp_tokens;
	capnet_instant icmp_refill_at;

	struct capnet_stats stats;

	/* The taps attached to the capture points (tap_hook.c), in attach
	 * order; NULL when none, which costs one predictable branch per frame. */
	struct capnet_iface_tap *taps;
};

#define IFACE_COUNT(ifc, name) ((ifc)->stats.v[CAPNET_STAT_##name]++)

#if defined(__GNUC__) || defined(__clang__)
#define IFACE_TAP_ACTIVE(ifc) __builtin_expect((ifc)->taps != NULL, 0)
#else
#define IFACE_TAP_ACTIVE(ifc) ((ifc)->taps != NULL)
#endif

/* Frame layout of tx_buf: the Ethernet header, then the IP datagram. */
#define IFACE_TX_L3 CAPNET_ETH_HDR_LEN
#define IFACE_MIN_FRAME 60 /* Ethernet minimum without FCS: short frames are padded */

/* ingress.c */
void capnet_iface_ip4_input(struct capnet_iface *ifc, const struct capnet_eth_repr *eth, const uint8_t *pkt,
			    size_t len, const struct capnet_nic_rx_info *info, capnet_instant now);
/* ipv4/arp.c */
void capnet_arp_input(struct capnet_iface *ifc, const uint8_t *pkt, size_t len, capnet_instant now);
capnet_instant capnet_arp_poll(struct capnet_iface *ifc, capnet_instant now);
/* Queues a complete frame (dst MAC still to fill) for next_hop. */
capnet_err capnet_arp_enqueue(struct capnet_iface *ifc, capnet_ip4addr next_hop, const uint8_t *frame,
			      size_t len, capnet_instant now);
/* neigh.c: every family's cache timers; the next deadline */
capnet_instant capnet_iface_neigh_poll(struct capnet_iface *ifc, capnet_instant now);
/* egress.c */
capnet_err capnet_iface_eth_transmit(struct capnet_iface *ifc, uint8_t *frame, size_t len, capnet_instant now);
/* ipv4/acd.c: checks a valid received ARP packet for conflicts; true when
 * it claimed our own address (defended; the cache must not learn from it). */
struct capnet_arp_repr;
bool capnet_acd_arp_input(struct capnet_iface *ifc, const struct capnet_arp_repr *a, capnet_instant now);
/* ipv4/icmp4.c */
void capnet_icmp4_input(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, capnet_instant now);
/* tap_hook.c: the capture points, out of line */
void capnet_iface_tap_frame(struct capnet_iface *ifc, const uint8_t *frame, size_t len, enum capnet_iface_dir dir,
			    capnet_instant now);
void capnet_iface_tap_tick(struct capnet_iface *ifc, capnet_instant now);
/* ipv6/ip6.c: what the generic interface calls of the IPv6 family */
size_t capnet_ip6_arena_need(const struct capnet_ip6_iface_config *cfg);
/* Builds ifc->ip6 when cfg.ip6.enable (else leaves it NULL). */
capnet_err capnet_ip6_create(struct capnet_arena *arena, struct capnet_iface *ifc);
/* ingress: the IPv6 datagram of a frame whose Ethernet header is eth */
void capnet_ip6_input(struct capnet_iface *ifc, const struct capnet_eth_repr *eth, const uint8_t *pkt, size_t len,
		      capnet_instant now);
/* Whether a multicast MAC is one of our groups' (all-nodes, solicited-node). */
bool capnet_ip6_mac_wanted(const struct capnet_iface *ifc, struct capnet_mac m);
void capnet_ip6_count_mcast_filtered(struct capnet_iface *ifc);
/* route4.c */
bool capnet_iface_is_local(const struct capnet_iface *ifc, capnet_ip4addr a);
bool capnet_iface_is_broadcast(const struct capnet_iface *ifc, capnet_ip4addr a);
void capnet_route_remove_config(struct capnet_iface *ifc);
capnet_err capnet_route_insert(struct capnet_iface *ifc, const struct capnet_ip4_route *r, bool from_config);
/* An IPv4 table entry for the same destination and prefix as r4. */
bool capnet_route_same_dest4(const struct capnet_route *r, const struct capnet_ip4_route *r4);

#endif
