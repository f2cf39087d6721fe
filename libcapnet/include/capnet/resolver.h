/* The resolver's inputs: the name servers to ask, the local domain and the
 * search list, each with where it came from. Family-neutral: a server is a
 * capnet_ipaddr, so an IPv6 source (RA RDNSS, DHCPv6) feeds the same
 * struct. The configuration layers fill it (capnet_ip4cfg_resolver for
 * IPv4: static wins over DHCP, each list as a whole); the stub resolver
 * and the status surface read it. */
#ifndef CAPNET_RESOLVER_H
#define CAPNET_RESOLVER_H

#include "capnet/iface.h" /* enum capnet_provenance */
#include "capnet/types.h"

#define CAPNET_RESOLVER_MAX_SERVERS 4
#define CAPNET_RESOLVER_MAX_SEARCH 6
#define CAPNET_DNS_NAME_MAX 253 /* a DNS name, dotted, no trailing dot */

/* Each list with its provenance (CAPNET_PROV_NONE when empty). */
struct capnet_resolver_inputs {
	uint8_t n_servers;
	struct capnet_ipaddr servers[CAPNET_RESOLVER_MAX_SERVERS];
	enum capnet_provenance servers_provenance;
	char domain[CAPNET_DNS_NAME_MAX + 1];
	enum capnet_provenance domain_provenance;
	uint8_t n_search;
	char search[CAPNET_RESOLVER_MAX_SEARCH][CAPNET_DNS_NAME_MAX + 1];
	enum capnet_provenance search_provenance;
};

/* The IPv6 side's input (iface/ipv6/): the RDNSS servers of router
 * advertisements (RFC 8106), provenance RA, until their lifetime ends. Only
 * the server list is filled; it is empty (provenance NONE) without IPv6 or
 * RDNSS. The DNS stub asks these servers (over IPv6) when the IPv4
 * configuration names none; it does not merge both families' lists. */
void capnet_ip6_resolver(const struct capnet_iface *ifc, struct capnet_resolver_inputs *out);

#endif
