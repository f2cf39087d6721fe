/* An echo host fixture: a participant with its own simulator port that
 * answers ARP for its address and ICMP echo requests (RFC 792), replying
 * to the MAC the request came from (so a host on the far side of the sim
 * router needs no route of its own). Modes make it misbehave on purpose:
 * SILENT answers ARP but never echo; MALFORMED answers every request with
 * a broken reply, cycling per request through a bad ICMP checksum, the
 * wrong identifier, a truncated payload (half the data) and an altered
 * payload (the first data byte flipped). */
#ifndef CAPNET_SIM_ECHO_HOST_H
#define CAPNET_SIM_ECHO_HOST_H

#include "capnet/wire/ipv6.h"
#include "sim/sim.h"

enum echo_host_mode { ECHO_HOST_ANSWER, ECHO_HOST_SILENT, ECHO_HOST_MALFORMED };
/* "answer", "silent", "malformed"; NULL outside the enum. */
const char *echo_host_mode_name(enum echo_host_mode m);

/* What MALFORMED sends for the n-th request (0-based): n % 4. */
enum echo_host_breakage { ECHO_BREAK_CHECKSUM, ECHO_BREAK_IDENT, ECHO_BREAK_TRUNCATE, ECHO_BREAK_ALTER };
const char *echo_host_breakage_name(enum echo_host_breakage b);

struct echo_host_stats {
	unsigned requests, replies, malformed_sent, arp_replies, ns_answered;
};

#define ECHO_HOST_ADDRS6 2

struct echo_host {
	struct capnet_sim *sim;
	int port;
	struct capnet_nic *nic;
	struct capnet_mac mac;
	capnet_ip4addr addr; /* 0: no IPv4 */
	struct capnet_ip6addr addr6[ECHO_HOST_ADDRS6]; /* [0]: its link-local */
	unsigned n6;
	uint16_t ip_ident;
	enum echo_host_mode mode;
	uint8_t ttl;
	struct echo_host_stats stats;
};

/* Opens the host's port (egress impairments `impair`, may be NULL) and
 * registers it. The struct must stay put until the simulator is gone. */
capnet_err echo_host_open(struct echo_host *h, struct capnet_sim *sim, struct capnet_mac mac, capnet_ip4addr addr,
			  enum echo_host_mode mode, const struct capnet_sim_impair *impair);
/* IPv6 too: its link-local address (EUI-64 of its MAC) and, when `global`
 * is not NULL, that address; it answers NS for both (it does no DAD: the
 * fixture owns its addresses) and echo to both, in its mode. */
void echo_host_enable_ip6(struct echo_host *h, const struct capnet_ip6addr *global);

#endif
