/* The DNS stub resolver (RFC 1034 5.3.1, RFC 1035 7, RFC 2308, RFC 5452)
 * of one interface: it asks the configured servers, follows CNAMEs,
 * expands search domains and caches answers. Driven by the interface's
 * poll (an interface timer); nothing is sent unless a lookup is started.
 *
 * Inputs: the interface's resolver inputs (capnet_ip4cfg_resolver: static
 * over DHCP, each with provenance), read afresh before every try, so a
 * lease that ends takes its servers away at once: a query outstanding to a
 * server that is no longer configured is abandoned (its answer would be
 * ignored) and the next try uses what is configured then.
 *
 * Queries: A and AAAA in parallel (CAPNET_DNS_WANT_BOTH); each query on
 * its own UDP socket with a random ephemeral port and a random 16-bit id
 * from the interface's generator (RFC 5452 4, 9.2); optional 0x20 case
 * randomisation of the name. A datagram is accepted only when it comes
 * from the server asked, from port 53, to the query's port, with the
 * query's id, QR set, and the question echoed (name compared exactly when
 * 0x20 is on, case-insensitively otherwise, type and class); anything else
 * is counted (`mismatched`, or `malformed` under the codec's reason) and
 * ignored, so a spoofer cannot end a lookup.
 *
 * Retries: each try waits `try_timeout`; then the next server, round
 * robin, up to `attempts` rounds over the servers; SERVFAIL and REFUSED
 * move on to the next server at once (the last answer is kept as the
 * result if every server fails). The lookup as a whole ends at `deadline`.
 *
 * CNAME: a chain in the answer is followed; a chain that ends without the
 * wanted records is queried again for its last target, up to
 * `max_cname` links in all (more is E_MALFORMED's status, CNAME_LOOP).
 *
 * Truncation: a TC answer (counted as `truncated`) is asked again over
 * TCP to the same server, same id and name (RFC 7766 5; `tcp_retries`),
 * when the stub was given a TCP layer (capnet_dns_stub_set_tcp; the stack
 * does); the TCP answer passes the same checks, and one that is
 * truncated again, or a connection that fails, moves on to the next
 * server over UDP. Without TCP the next server is asked. An answer over
 * TCP is at most CAPNET_DNS_TCP_ANSWER_MAX bytes (larger: malformed).
 *
 * Search (resolv.conf(5) semantics): a name with a trailing dot is asked
 * as is; a name with at least `ndots` dots is asked as is first, then with
 * each search domain; one with fewer dots tries the search domains first.
 * The search list is option 119 / the static list, or else the domain
 * (option 15). NXDOMAIN and NODATA move on to the next candidate; any
 * other failure ends the search.
 *
 * Cache: positive answers for their smallest TTL (capped at max_ttl),
 * NXDOMAIN and NODATA for min(SOA TTL, SOA MINIMUM) (RFC 2308 5; capped at
 * max_neg_ttl; not cached without an SOA), per (name, type); at most
 * `cache_entries`, evicting the entry nearest its expiry. */
#ifndef CAPNET_DNS_STUB_H
#define CAPNET_DNS_STUB_H

#include <stdbool.h>
#include <stdint.h>

#include "capnet/arena.h"
#include "capnet/err.h"
#include "capnet/iface.h"
#include "capnet/ip4_config.h"
#include "capnet/resolver.h"
#include "capnet/types.h"
#include "capnet/udp.h"
#include "capnet/wire/dns.h"

struct capnet_dns_stub_config {
	uint16_t max_lookups;     /* lookups in flight at once */
	uint16_t cache_entries;   /* (name, type) entries */
	uint8_t max_addrs;        /* addresses kept per answer (<= CAPNET_DNS_MAX_ADDRS) */
	uint8_t attempts;         /* rounds over the servers */
	uint8_t ndots;
	uint8_t max_cname;
	capnet_duration try_timeout;
	capnet_duration deadline;
	uint32_t max_ttl, max_neg_ttl; /* seconds */
	uint16_t edns_payload;         /* advertised; 0: no OPT */
	bool randomise_case;           /* 0x20 */
};

#define CAPNET_DNS_MAX_ADDRS 8
/* The largest answer taken over TCP: what a stub's questions (one name,
 * A or AAAA) get back, with room for long CNAME chains. */
#define CAPNET_DNS_TCP_ANSWER_MAX 4096

/* What the caller wants: A, AAAA or both. */
#define CAPNET_DNS_WANT_A 0x1u
#define CAPNET_DNS_WANT_AAAA 0x2u
#define CAPNET_DNS_WANT_BOTH 0x3u

/* The outcome of a lookup (the DnsResolver's typed errors). */
#define CAPNET_DNS_STATUS_LIST(X)                                              \
	X(PENDING, "pending")                                                  \
	X(FOUND, "found")                                                      \
	X(NXDOMAIN, "not-found")   /* the name does not exist */               \
	X(NODATA, "no-data")       /* it exists, without the wanted records */ \
	X(TIMEOUT, "timeout")      /* no server answered in time */            \
	X(UNAVAILABLE, "unavailable") /* no server configured */               \
	X(MALFORMED, "malformed")  /* only unusable answers, a CNAME loop */   \
	X(SERVFAIL, "servfail")                                                \
	X(REFUSED, "refused")                                                  \
	X(BADNAME, "bad-name")     /* not a valid DNS name */

enum capnet_dns_status {
#define CAPNET_DNS_STATUS_ENUM(n, s) CAPNET_DNS_##n,
	CAPNET_DNS_STATUS_LIST(CAPNET_DNS_STATUS_ENUM)
#undef CAPNET_DNS_STATUS_ENUM
	CAPNET_DNS_STATUS__COUNT
};
const char *capnet_dns_status_name(enum capnet_dns_status s);

struct capnet_dns_result {
	enum capnet_dns_status status;
	uint8_t n_addrs;
	struct capnet_ipaddr addrs[CAPNET_DNS_MAX_ADDRS]; /* A answers first, then AAAA */
	uint32_t ttl;                                     /* seconds left (cache) */
	bool from_cache;
	char canon[CAPNET_DNS_TEXT_NAME_MAX + 1]; /* the name the records were found under */
};

struct capnet_dns_stub_status {
	enum capnet_provenance servers_provenance, search_provenance;
	uint8_t n_servers;
	struct capnet_ipaddr servers[CAPNET_RESOLVER_MAX_SERVERS];
	uint8_t n_search; /* the search list in use (the domain when no list) */
	char search[CAPNET_RESOLVER_MAX_SEARCH][CAPNET_DNS_NAME_MAX + 1];
	bool have_ip4;    /* an IPv4 address is configured (AI_ADDRCONFIG) */
	bool have_ip6;
	uint8_t ndots, attempts;
	uint32_t try_timeout_ms;
	enum capnet_dns_status last_error; /* PENDING: none yet */
	uint32_t lookups, cache_hits, cache_misses, cache_entries, cache_evictions;
	uint32_t queries_sent, timeouts, mismatched, truncated, tcp_retries, abandoned;
	uint32_t malformed[CAPNET_DNS_ERR__COUNT]; /* by codec reason */
};

struct capnet_dns_stub;

void capnet_dns_stub_config_defaults(struct capnet_dns_stub_config *cfg);
size_t capnet_dns_stub_arena_need(const struct capnet_dns_stub_config *cfg);
/* cfg NULL: defaults. Adds an interface timer. */
capnet_err capnet_dns_stub_create(struct capnet_arena *arena, const struct capnet_dns_stub_config *cfg,
				  struct capnet_iface *ifc, struct capnet_udp_layer *udp, struct capnet_ip4cfg *ip4cfg,
				  struct capnet_dns_stub **out);

/* Starts a lookup; *id names it. A cache hit (or an immediate failure:
 * no server, a bad name) completes it at once. E_NOMEM when max_lookups
 * are in flight, E_INVAL for bad arguments. */
capnet_err capnet_dns_stub_start(struct capnet_dns_stub *d, const char *name, unsigned want, capnet_instant now,
				 uint32_t *id);
/* E_AGAIN while pending; otherwise fills *out and frees the lookup.
 * E_NOTFOUND for an unknown id. */
capnet_err capnet_dns_stub_result(struct capnet_dns_stub *d, uint32_t id, struct capnet_dns_result *out);
/* Drops a lookup (its queries' sockets are closed). */
void capnet_dns_stub_cancel(struct capnet_dns_stub *d, uint32_t id);
/* The same with an owner tag (the DnsResolver cap passes the cspace id):
 * a lookup is found only under the tag it was started with. The untagged
 * calls use tag 0. */
capnet_err capnet_dns_stub_start_tagged(struct capnet_dns_stub *d, const char *name, unsigned want, uint32_t tag,
					capnet_instant now, uint32_t *id);
capnet_err capnet_dns_stub_result_tagged(struct capnet_dns_stub *d, uint32_t id, uint32_t tag,
					 struct capnet_dns_result *out);
capnet_err capnet_dns_stub_cancel_tagged(struct capnet_dns_stub *d, uint32_t id, uint32_t tag);
/* Runs due work (answers, retries); the interface timer calls it. */
capnet_instant capnet_dns_stub_poll(struct capnet_dns_stub *d, capnet_instant now);
void capnet_dns_stub_status(const struct capnet_dns_stub *d, struct capnet_dns_stub_status *out);
struct capnet_tcp;
/* The TCP layer TC answers are retried over (NULL: none). */
void capnet_dns_stub_set_tcp(struct capnet_dns_stub *d, struct capnet_tcp *tcp);
/* Empties the cache (a configuration change an operator asks for). */
void capnet_dns_stub_flush(struct capnet_dns_stub *d);

#endif
