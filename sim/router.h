/* A router fixture ("router on a stick"): one simulator port, one MAC and
 * an address on each of up to ROUTER_NETS connected subnets. It answers
 * ARP for its addresses, learns neighbours from the ARP it sees (RFC 826's
 * merge) and from a static table, answers echo to its own addresses, and
 * forwards every other IPv4 datagram sent to its MAC (RFC 1812 5.2/5.3:
 * TTL decremented, header checksum redone, the next hop's MAC from its
 * neighbours), or answers with an ICMP error quoting it (RFC 792, from
 * its address on the sender's subnet):
 *   TTL <= 1                              time exceeded (11/0);
 *   no connected subnet holds the dst     net unreachable (3/0);
 *   the dst's subnet, but no neighbour    host unreachable (3/1) -- where
 *                                         a real router would give up
 *                                         after ARP; here at once. */
#ifndef CAPNET_SIM_ROUTER_H
#define CAPNET_SIM_ROUTER_H

#include "capnet/wire/ipv6.h"
#include "sim/sim.h"

#define ROUTER_NETS 4
#define ROUTER_NEIGHBOURS 16

struct router_net {
	capnet_ip4addr addr; /* the router's on it */
	uint8_t prefix_len;
};

struct router_stats {
	unsigned forwarded, echo_replies, arp_replies, net_unreach, host_unreach, time_exceeded;
	/* IPv6 */
	unsigned rs_rcvd, ra_sent, ns_answered, forwarded6, echo6_replies, no_route6, addr_unreach6, hop_exceeded6;
};

struct router_net6 {
	struct capnet_ip6addr addr; /* the router's on it */
	uint8_t prefix_len;
};

struct router {
	struct capnet_sim *sim;
	int port;
	struct capnet_nic *nic;
	struct capnet_mac mac;
	struct router_net nets[ROUTER_NETS];
	unsigned n_nets;
	struct {
		capnet_ip4addr ip;
		struct capnet_mac mac;
	} neigh[ROUTER_NEIGHBOURS];
	unsigned n_neigh;
	uint16_t ip_ident;
	struct router_stats stats;
	/* IPv6 (router_enable_ip6): nets6[0]'s prefix is advertised. */
	struct router_net6 nets6[ROUTER_NETS];
	unsigned n_nets6;
	struct capnet_ip6addr addrs6[ROUTER_NETS + 1]; /* [0] link-local, then one per net */
	struct {
		struct capnet_ip6addr ip;
		struct capnet_mac mac;
	} neigh6[ROUTER_NEIGHBOURS];
	unsigned n_neigh6;
	uint16_t router_lifetime;
	uint32_t valid, preferred;
};

capnet_err router_open(struct router *r, struct capnet_sim *sim, struct capnet_mac mac, const struct router_net *nets,
		       unsigned n_nets, const struct capnet_sim_impair *impair);
/* A static neighbour (a host that never ARPs, or to skip resolution). */
void router_add_neighbour(struct router *r, capnet_ip4addr ip, struct capnet_mac mac);

/* IPv6 the same way (RFC 8200 hop limit, RFC 4443 errors: no route 1/0,
 * address unreachable 1/3 -- at once for a host it has no neighbour entry
 * for --, hop limit exceeded 3/0), plus router discovery (RFC 4861 6.2):
 * every router solicitation is answered with an RA to all nodes carrying
 * nets6[0]'s prefix (on-link, autonomous, valid/preferred seconds) and
 * the router lifetime. It answers NS for its addresses (link-local from
 * its MAC, and one per net) and learns neighbours from the SLLA of the
 * solicitations it receives and from the source of what it forwards (an
 * on-link source at its frame's MAC: a shortcut for solicitation). */
void router_enable_ip6(struct router *r, const struct router_net6 *nets, unsigned n, uint16_t router_lifetime,
		       uint32_t valid, uint32_t preferred);
void router_add_neighbour6(struct router *r, const struct capnet_ip6addr *ip, struct capnet_mac mac);

#endif
