/* `capnet status`: a live network, and the operator's view of it through a
 * NetworkStatus cap only.
 *
 * The scenario (simulated, deterministic): a host whose network is served
 * through caps takes a DHCPv4 lease from the fixture server (address,
 * router, DNS servers, domain, search list); a cspace "web" listens on
 * port 80 and a peer connects to it (one request answered, one RECV left
 * parked); a cspace "dns-stub" binds a UDP socket and sends a query to the
 * lease's DNS server, which resolves the gateway. Then a separate cspace
 * "status" is created holding exactly one cap -- a NetworkStatus, rights
 * READ -- and everything printed is read through it: link and addresses
 * (ip addr), the DHCP lease, the resolver inputs with provenance, routes
 * (ip route), neighbours (ip neigh), sockets with owner, authority and
 * blocked calls (ss), counters and the audit. The reads are proven
 * read-only (fingerprint and frame count unchanged), and the status
 * cspace's forged attempts to open sockets or reconfigure are shown
 * rejected. Used by cmd/cmd_status.c and the network-status proof. */
#ifndef CAPNET_HARNESS_STATUS_TOOL_H
#define CAPNET_HARNESS_STATUS_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capnet/cap.h"

struct status_opts {
	uint64_t seed;
	const char *pcap_path; /* NULL: none */
	bool json;
	/* IPv6 on the host, with a router advertising 2001:db8:1::/64 and an
	 * RDNSS server: the view gains its ipv6 section. Off: the view is
	 * what it always was. */
	bool ipv6;
};

#define STATUS_FORGED 6

struct status_result {
	bool ran;         /* the scenario came up: lease bound, connection established */
	capnet_instant at; /* when the view was taken */
	uint32_t status_cspace;
	size_t caps_held; /* by the status cspace */
	struct capnet_cap_info view; /* its one cap */
	struct {
		const char *call;
		capnet_err got, want;
	} forged[STATUS_FORGED];
	struct capnet_audit audit; /* the status cspace's */
	uint64_t fp_before, fp_after;
	uint64_t tx_before, tx_after;
	/* what the view read, for the proof's assertions */
	struct capnet_status_link link;
	struct capnet_dhcp4_lease_info lease;
	struct capnet_resolver_inputs resolver;
	size_t routes, neighbours, sockets;
	struct capnet_socket_entry sock[4]; /* the first rows of the socket table */
	bool all_reads_ok;
	struct capnet_status_ip6 ip6; /* enabled only with opts.ipv6 */
	/* the web service: its lease, then its listener, then what it served on */
	capnet_instant bound_at, listen_at;
	capnet_ip4addr served_local;
};

/* Runs the scenario, prints the view (text, or JSON with o->json) to out.
 * 0 when it ran (see res), 1 on a setup error (message on stderr). */
int status_tool_run(const struct status_opts *o, FILE *out, struct status_result *res);
/* The verdict capnet status exits with: ran, every forged call rejected as
 * wanted, reads read-only. */
bool status_result_ok(const struct status_result *r);

#endif
