/* The IPv6 state of an interface, shared by the files of iface/ipv6/. */
#ifndef CAPNET_IP6_INTERNAL_H
#define CAPNET_IP6_INTERNAL_H

#include "capnet/ip6.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ipv4.h" /* enum capnet_ip_proto */
#include "capnet/wire/ipv6.h"
#include "capnet/wire/ndp.h"
#include "../iface_internal.h"

/* RFC 4861 10 protocol constants. */
#define ND_MAX_MULTICAST_SOLICIT 3
#define ND_MAX_UNICAST_SOLICIT 3
#define ND_REACHABLE_TIME CAPNET_MS(30000)
#define ND_RETRANS_TIMER CAPNET_MS(1000)
#define ND_DELAY_FIRST_PROBE CAPNET_S(5)
#define ND_MAX_RTR_SOLICITATION_DELAY CAPNET_S(1)
#define ND_RTR_SOLICITATION_INTERVAL CAPNET_S(4)
#define ND_MAX_RTR_SOLICITATIONS 3
#define ND_HOP_LIMIT 255
/* RFC 4862 5.5.3 e: the two hours below which an unauthenticated RA may
 * not shorten a valid lifetime. */
#define SLAAC_TWO_HOURS CAPNET_S(7200)
/* RFC 8201 4: a path MTU is tried higher again after 10 minutes. */
#define PMTU_TIMEOUT CAPNET_S(600)
/* RFC 7217 6: IDGEN_RETRIES new stable identifiers after a conflict. */
#define IDGEN_RETRIES 3
#define IP6_PREFIXES_MAX 8
#define IP6_PMTU_MAX 4

struct ip6_addr_slot {
	struct capnet_ip6_addr_info i;
	uint8_t dad_sent;       /* DAD solicitations sent */
	uint8_t dad_counter;    /* RFC 7217 DAD_Counter of a stable identifier */
	capnet_instant dad_at;  /* TENTATIVE: next NS, or the end of DAD */
};

struct ip6_prefix {
	struct capnet_ip6addr prefix;
	uint8_t len;
	bool in_use;
	capnet_instant valid_until;
};

struct ip6_router {
	struct capnet_ip6addr addr;
	bool in_use;
	bool is_static;
	capnet_instant expires;
};

struct nd_entry {
	struct capnet_ip6addr ip;
	struct capnet_mac mac;
	uint8_t state;     /* enum capnet_nd_state */
	bool is_router;
	uint8_t probes;    /* solicitations sent in this INCOMPLETE/PROBE */
	uint8_t npending;
	capnet_instant timer; /* next event; NEVER when none */
	struct capnet_pktbuf *pending_head;
	struct capnet_pktbuf *pending_tail;
};

struct ip6_pmtu {
	struct capnet_ip6addr dst;
	uint16_t mtu; /* 0: free */
	capnet_instant expires;
};

struct capnet_ip6 {
	struct capnet_ip6_iface_config cfg;
	bool started;
	struct ip6_addr_slot *addrs;
	struct nd_entry *nd;
	struct ip6_router *routers;
	struct ip6_prefix prefixes[IP6_PREFIXES_MAX];
	struct ip6_pmtu pmtu[IP6_PMTU_MAX];
	uint16_t link_mtu;
	uint8_t hop_limit;
	capnet_duration base_reachable;
	capnet_duration reachable; /* randomised from base_reachable (6.3.2) */
	capnet_duration retrans;
	/* router solicitation (RFC 4861 6.3.7) */
	uint8_t rs_sent;
	bool rs_done;
	capnet_instant rs_at;
	/* RDNSS (RFC 8106) */
	uint8_t nrdnss;
	struct capnet_ip6addr rdnss[CAPNET_NDP_RDNSS_MAX];
	capnet_instant rdnss_expires;
	/* RFC 7217 secret_key, drawn from the injected generator */
	uint8_t secret[16];
	/* ICMPv6 error token bucket (RFC 4443 2.4 f) */
	uint8_t icmp_tokens;
	capnet_instant icmp_refill_at;
	capnet_echo6_reply_fn echo_fn;
	void *echo_ctx;
	capnet_echo6_error_fn err_fn;
	void *err_ctx;
	struct capnet_iface_timer timer;
	struct capnet_stats6 stats;
};

#define IP6_COUNT(ip6, name) ((ip6)->stats.v[CAPNET_STAT6_##name]++)

static inline capnet_instant ip6_lifetime(capnet_instant now, uint32_t seconds)
{
	return seconds == CAPNET_NDP_INFINITY ? CAPNET_INSTANT_NEVER : now + CAPNET_S((int64_t)seconds);
}

/* ip6.c */
void capnet_ip6_config_defaults(struct capnet_ip6_iface_config *cfg);
/* Sends a finished IPv6 datagram built in a caller buffer (NDP's own,
 * already addressed by MAC). */
capnet_err ip6_transmit_frame(struct capnet_iface *ifc, uint8_t *frame, size_t len, capnet_instant now);
struct ip6_addr_slot *ip6_addr_find(struct capnet_ip6 *ip6, const struct capnet_ip6addr *a);
bool ip6_on_link(const struct capnet_ip6 *ip6, const struct capnet_ip6addr *a);
void ip6_prefix_update(struct capnet_ip6 *ip6, const struct capnet_ip6addr *p, uint8_t len, capnet_instant until);
capnet_duration ip6_random_reachable(struct capnet_iface *ifc);
/* icmp6.c */
void capnet_icmp6_input(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, capnet_instant now);
void ip6_pmtu_poll(struct capnet_ip6 *ip6, capnet_instant now);
/* nd.c: the neighbour cache and NS/NA */
extern const struct capnet_neigh_ops capnet_nd_neigh_ops;
void nd_input(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, const struct capnet_icmp6_repr *m,
	      capnet_instant now);
/* The MAC for next hop nh: OK, or E_AGAIN (frame to enqueue), E_UNREACHABLE. */
capnet_err nd_output(struct capnet_iface *ifc, const struct capnet_ip6addr *nh, struct capnet_mac *mac,
		     capnet_instant now);
capnet_err nd_enqueue(struct capnet_iface *ifc, const struct capnet_ip6addr *nh, const uint8_t *frame, size_t len,
		      capnet_instant now);
capnet_instant nd_poll(struct capnet_iface *ifc, capnet_instant now);
/* A neighbour's link-layer address learnt from NS/RS/RA (RFC 4861 7.2.3, 6.3.4). */
void nd_learn(struct capnet_iface *ifc, const struct capnet_ip6addr *ip, struct capnet_mac mac, bool is_router,
	      capnet_instant now);
void nd_set_router(struct capnet_iface *ifc, const struct capnet_ip6addr *ip, bool is_router);
/* Sends an NS: DAD (src ::, to the solicited-node group) when dad; else
 * from src with our SLLA to dst (solicited-node or the neighbour). */
capnet_err nd_send_ns(struct capnet_iface *ifc, const struct capnet_ip6addr *target, const struct capnet_ip6addr *dst,
		      const struct capnet_mac *dst_mac, bool dad, capnet_instant now);
/* slaac.c: DAD, RS, RA, lifetimes */
void slaac_start(struct capnet_iface *ifc, capnet_instant now);
void slaac_dad_start(struct capnet_iface *ifc, struct ip6_addr_slot *s, capnet_instant now, bool delay);
/* An NS or NA about one of our tentative addresses: true when it made it
 * a duplicate (the message is consumed). */
bool slaac_dad_input(struct capnet_iface *ifc, const struct capnet_ndp_repr *nd, const struct capnet_l3_rx *rx,
		     capnet_instant now);
void slaac_ra_input(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, const struct capnet_ndp_repr *nd,
		    capnet_instant now);
capnet_instant slaac_poll(struct capnet_iface *ifc, capnet_instant now);

#endif
