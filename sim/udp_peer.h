/* The frame plumbing shared by the simulated UDP server peers (the DHCPv4
 * and DNS server fixtures): a simulator port of their own, ARP answered
 * for their address, IPv4 frames handed to the server, and UDP replies
 * sent at once or held back by a fixed delay. Private to sim/. */
#ifndef CAPNET_SIM_UDP_PEER_H
#define CAPNET_SIM_UDP_PEER_H

#include "capnet/wire/ethernet.h"
#include "sim/sim.h"

#define UDP_PEER_PENDING 16
#define UDP_PEER_FRAME 700

/* Called for every IPv4 frame addressed to the peer (or broadcast). */
typedef void (*udp_peer_ip_fn)(void *ctx, const struct capnet_eth_repr *eth, const uint8_t *p, size_t len,
			       capnet_instant now);

struct udp_peer {
	struct capnet_sim *sim;
	int port;
	struct capnet_nic *nic;
	struct capnet_mac mac;
	capnet_ip4addr addr;
	capnet_duration delay;
	size_t frame_max; /* a delayed frame longer than this is dropped */
	uint16_t ip_ident;
	udp_peer_ip_fn on_ip;
	void *ctx;
	unsigned *arp_replies; /* the server's counter */
	struct {
		capnet_instant due;
		size_t len;
		uint8_t frame[UDP_PEER_FRAME];
	} pending[UDP_PEER_PENDING];
	unsigned npending;
};

/* Adds the peer's port to the switch and registers it as a participant.
 * The struct must stay put until the simulator is destroyed. */
capnet_err udp_peer_open(struct udp_peer *p, struct capnet_sim *sim, struct capnet_mac mac, capnet_ip4addr addr,
			 capnet_duration delay, const struct capnet_sim_impair *impair, size_t frame_max,
			 udp_peer_ip_fn on_ip, void *ctx, unsigned *arp_replies);
/* One UDP datagram from the peer's address, padded to the Ethernet minimum. */
void udp_peer_send(struct udp_peer *p, struct capnet_mac dst_mac, capnet_ip4addr dst, uint16_t sport, uint16_t dport,
		   const uint8_t *payload, size_t plen, capnet_instant now);

#endif
