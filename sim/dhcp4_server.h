/* A DHCPv4 server fixture (RFC 2131 server side, as much as a client test
 * needs): a participant with its own simulator port that speaks raw frames.
 * It answers ARP for its address, hands out addresses from a pool, and can
 * be made to misbehave on purpose: stay silent (forcing the client into
 * REBINDING and then to expiry), ignore unicast (answer only broadcasts, so
 * a renewal fails but a rebind succeeds), NAK the next N requests, delay
 * every reply. Two of them on one switch are competing servers.
 *
 * Replies follow RFC 2131 4.1: a NAK is broadcast; to a client with ciaddr
 * set, unicast to ciaddr; with the broadcast flag, broadcast; otherwise
 * unicast to yiaddr at chaddr. Frames carry valid IPv4 and UDP checksums,
 * the magic cookie and are padded to the 300-byte BOOTP minimum. */
#ifndef CAPNET_SIM_DHCP4_SERVER_H
#define CAPNET_SIM_DHCP4_SERVER_H

#include "capnet/wire/dhcp4.h"
#include "sim/sim.h"
#include "sim/udp_peer.h"

#define DHCP4_SERVER_LEASES 16
#define DHCP4_SERVER_LOG 64

struct dhcp4_server_config {
	struct capnet_mac mac;
	capnet_ip4addr addr;      /* the server identifier */
	uint8_t prefix_len;
	capnet_ip4addr pool_start;
	uint16_t pool_size;
	uint32_t lease_secs;      /* option 51 */
	uint16_t mtu;             /* option 26 (interface MTU); 0: not sent */
	uint32_t t1_secs;         /* option 58; 0: omitted */
	uint32_t t2_secs;         /* option 59; 0: omitted */
	capnet_ip4addr router;    /* option 3; 0: omitted */
	uint8_t n_dns;
	capnet_ip4addr dns[CAPNET_DHCP4_MAX_ADDRS];
	const char *domain;       /* option 15; NULL: omitted */
	uint8_t n_search;
	const char *search[4];    /* option 119, compressed */
	uint8_t n_routes;         /* option 121 */
	struct capnet_dhcp4_route routes[4];
	capnet_duration delay;    /* every reply leaves this much later */
	const struct capnet_sim_impair *impair;
};

enum dhcp4_server_mode {
	DHCP4_SERVER_NORMAL,         /* answer everything */
	DHCP4_SERVER_SILENT,         /* answer nothing */
	DHCP4_SERVER_BROADCAST_ONLY, /* ignore what was unicast to us */
};

/* One DHCP message the server received (whatever it did with it). */
struct dhcp4_server_rx {
	capnet_instant at;
	uint8_t msg;
	uint32_t xid;
	struct capnet_mac eth_dst;
	capnet_ip4addr ip_src;
	capnet_ip4addr ip_dst;
	capnet_ip4addr ciaddr;
	capnet_ip4addr requested_ip; /* option 50, 0 if absent */
	capnet_ip4addr server_id;    /* option 54, 0 if absent */
	uint8_t reply;               /* message type answered with, 0: none */
};

struct dhcp4_server_stats {
	unsigned discovers, requests, declines, releases, informs;
	unsigned offers, acks, naks;
	unsigned ignored;     /* by mode, or for another server */
	unsigned malformed;   /* frames that were not a DHCP request for us */
	unsigned arp_replies;
};

struct dhcp4_server {
	struct dhcp4_server_config cfg;
	struct udp_peer peer; /* port, ARP, sending, delayed replies */
	enum dhcp4_server_mode mode;
	unsigned nak_next;
	struct {
		bool in_use;
		bool bound;    /* ACKed; otherwise only offered */
		bool declined; /* a client found it in use: never offered again */
		struct capnet_mac chaddr;
		capnet_ip4addr addr;
	} leases[DHCP4_SERVER_LEASES];
	struct dhcp4_server_rx log[DHCP4_SERVER_LOG];
	unsigned nlog;
	struct dhcp4_server_stats stats;
};

/* Adds the server's port to the switch and registers it as a participant.
 * The struct must stay put until the simulator is destroyed. */
capnet_err dhcp4_server_open(struct dhcp4_server *s, struct capnet_sim *sim, const struct dhcp4_server_config *cfg);
void dhcp4_server_set_mode(struct dhcp4_server *s, enum dhcp4_server_mode mode);
/* NAK the next n REQUESTs addressed to this server. */
void dhcp4_server_nak_next(struct dhcp4_server *s, unsigned n);
/* The most recent received message of this type (0: of any type), NULL if none. */
const struct dhcp4_server_rx *dhcp4_server_last(const struct dhcp4_server *s, uint8_t msg);
/* The address bound to chaddr, 0 if none. */
capnet_ip4addr dhcp4_server_lease_of(const struct dhcp4_server *s, struct capnet_mac chaddr);

#endif
