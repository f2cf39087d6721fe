/* A DNS server fixture (RFC 1035 server side, as much as a stub test
 * needs): a participant with its own simulator port, answering ARP for its
 * address and DNS queries on UDP port 53 from a small record table, as a
 * recursive server would (CNAME chains followed within the table and put
 * in the answer, RA set). An unknown name is NXDOMAIN, a known name
 * without the asked type is NODATA; both carry an SOA whose TTL and
 * MINIMUM are the configured negative TTL (RFC 2308 3).
 *
 * Modes make it misbehave on purpose: SERVFAIL or REFUSED everything, stay
 * silent, set TC with no records (truncation), answer only with the wrong
 * id, answer only from the wrong source port, or SPOOF: for every query
 * first a forged answer with the wrong id and one from port 5353 (each
 * pointing at 203.0.113.66), then the true answer. `delay` holds every
 * answer back (slow answers). */
#ifndef CAPNET_SIM_DNS_SERVER_H
#define CAPNET_SIM_DNS_SERVER_H

#include "capnet/wire/dns.h"
#include "sim/sim.h"
#include "sim/udp_peer.h"

#define DNS_SERVER_RECORDS 16
#define DNS_SERVER_LOG 32

struct dns_server_record {
	const char *name;
	uint16_t type;  /* A, AAAA or CNAME */
	uint32_t ttl;
	uint8_t addr[16]; /* A: first 4 bytes */
	const char *target; /* CNAME */
};

struct dns_server_config {
	struct capnet_mac mac;
	capnet_ip4addr addr;
	const char *zone;       /* the SOA owner of negative answers */
	uint32_t negative_ttl;  /* SOA TTL and MINIMUM */
	uint8_t n_records;
	struct dns_server_record records[DNS_SERVER_RECORDS];
	capnet_duration delay;
	const struct capnet_sim_impair *impair;
};

enum dns_server_mode {
	DNS_SERVER_NORMAL,
	DNS_SERVER_SERVFAIL,
	DNS_SERVER_REFUSED,
	DNS_SERVER_SILENT,
	DNS_SERVER_TRUNCATE,
	DNS_SERVER_WRONG_ID,
	DNS_SERVER_WRONG_PORT,
	DNS_SERVER_SPOOF,
};
const char *dns_server_mode_name(enum dns_server_mode m);

struct dns_server_query {
	capnet_instant at;
	capnet_ip4addr src;
	uint16_t src_port, id, qtype;
	char qname[CAPNET_DNS_TEXT_NAME_MAX + 1];
	uint8_t rcode;    /* answered with (0xff: not answered) */
	uint8_t answers;  /* records in the answer section */
};

struct dns_server_stats {
	unsigned queries, answered, nxdomain, nodata, ignored, spoofed, malformed, arp_replies;
};

struct dns_server {
	struct dns_server_config cfg;
	struct udp_peer peer; /* port, ARP, sending, delayed replies */
	enum dns_server_mode mode;
	struct dns_server_query log[DNS_SERVER_LOG];
	unsigned nlog;
	struct dns_server_stats stats;
};

capnet_err dns_server_open(struct dns_server *s, struct capnet_sim *sim, const struct dns_server_config *cfg);
void dns_server_set_mode(struct dns_server *s, enum dns_server_mode mode);
/* The most recent query, NULL if none. */
const struct dns_server_query *dns_server_last(const struct dns_server *s);

#endif
