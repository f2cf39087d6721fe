/* A simulated IPv6 router peer for proofs: a port of its own with a
 * link-local address; it answers router solicitations with the RA it is
 * given (and sends one when asked), answers NS for its own address, echo
 * requests to it, and -- to prove DAD -- claims one address of the
 * caller's choosing by answering DAD probes for it. It logs every ICMPv6
 * message it sees (on a hub, everyone's) so a proof can assert what was on
 * the wire. */
#ifndef CAPNET_SIM_IP6_ROUTER_H
#define CAPNET_SIM_IP6_ROUTER_H

#include "capnet/wire/ndp.h"
#include "sim/sim.h"

#define IP6_ROUTER_LOG 128

struct ip6_router_seen {
	capnet_instant at;
	struct capnet_mac eth_src, eth_dst;
	struct capnet_ip6addr src, dst;
	uint8_t type, code;
	uint8_t hop_limit;
	struct capnet_ip6addr target; /* NS/NA */
	bool has_lla;                 /* NS SLLA / NA TLLA / RS SLLA */
	bool solicited;               /* NA */
	uint16_t ident, seq;          /* echo */
};

struct ip6_router {
	struct capnet_sim *sim;
	int port;
	struct capnet_nic *nic;
	struct capnet_mac mac;
	struct capnet_ip6addr ll;  /* fe80:: from the MAC */
	struct capnet_ndp_repr ra; /* sent for each RS and by ip6_router_send_ra */
	bool claim;                /* answer DAD for claimed */
	struct capnet_ip6addr claimed;
	capnet_instant last_ra_at; /* -1: none yet */
	unsigned rs_rcvd, ra_sent, na_sent, dad_defended, echo_replies, echo_replies_rcvd;
	size_t nseen;
	struct ip6_router_seen seen[IP6_ROUTER_LOG];
};

/* Solicited RAs are multicast at most one per MIN_DELAY_BETWEEN_RAS (3 s,
 * RFC 4861 6.2.6); an RS inside that window is logged only. */
/* Adds the router's port and participant; its RA starts as `ra` (type is
 * set to RA; its SLLA to the router's MAC). */
capnet_err ip6_router_open(struct ip6_router *r, struct capnet_sim *sim, struct capnet_mac mac,
			   const struct capnet_sim_impair *impair, const struct capnet_ndp_repr *ra);
/* Multicasts the current RA to all nodes now. */
void ip6_router_send_ra(struct ip6_router *r, capnet_instant now);
/* Sends an echo request from the router's link-local address to dst at
 * dst_mac (the router does not resolve). */
void ip6_router_ping(struct ip6_router *r, const struct capnet_ip6addr *dst, struct capnet_mac dst_mac,
		     uint16_t ident, uint16_t seq, capnet_instant now);
/* Sends a raw ICMPv6 message body (already built, checksum filled by this
 * call) from src with hop limit hl to dst/dst_mac. */
void ip6_router_send_icmp6(struct ip6_router *r, const struct capnet_ip6addr *src, const struct capnet_ip6addr *dst,
			   struct capnet_mac dst_mac, uint8_t hl, uint8_t *msg, size_t len, bool seal, capnet_instant now);
/* The i-th logged message of `type` from `src` (NULL: any), at or after
 * index *from (updated past it); NULL when none. */
const struct ip6_router_seen *ip6_router_find(const struct ip6_router *r, uint8_t type,
					      const struct capnet_ip6addr *src, size_t *from);

#endif
