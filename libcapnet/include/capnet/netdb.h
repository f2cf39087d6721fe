/* getaddrinfo(3) over a granted DnsResolver cap (POSIX.1-2017 netdb.h,
 * RFC 3493 6.1), freestanding: the constants and structs carry the Linux
 * values and layouts under capnet names, so a hosted shim can hand them to
 * a program unchanged.
 *
 * Authority: the only way a name becomes addresses is the DnsResolver cap
 * in the context; there is no ambient UDP fallback. Without a usable cap
 * (forged, revoked, wrong type, no SEND right) the call fails with
 * EAI_FAIL and the rejection is audited by the cap layer.
 *
 * Memory (no malloc in the core): results come from the caller's pool
 * (struct capnet_gai_pool, CAPNET_GAI_POOL_ENTRIES entries; each entry is
 * one addrinfo with its sockaddr and canonical-name storage). A result
 * list takes one entry per (address, socket type); EAI_MEMORY when the
 * pool runs out (nothing is then taken). capnet_freeaddrinfo gives every
 * entry of the list back to the pool it came from; freeing a list twice,
 * or a pointer that is not a list head from this pool, is ignored.
 *
 * Flags: AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_V4MAPPED, AI_ALL,
 * AI_ADDRCONFIG, AI_NUMERICSERV; any other bit is EAI_BADFLAGS.
 * Families: AF_UNSPEC, AF_INET, AF_INET6; others EAI_FAMILY. Socket types
 * 0, SOCK_STREAM, SOCK_DGRAM (0: one entry of each); others EAI_SOCKTYPE.
 * Services: a number (0-65535), or a name of the built-in table
 * (capnet_getservbyname); unknown, or not offered for the asked socket
 * type: EAI_SERVICE; a name under AI_NUMERICSERV: EAI_NONAME.
 *
 * Ordering (AF_UNSPEC): RFC 6724's rules reduced to what a one-interface
 * host can know: a family the host has no address of is unusable (rule 1
 * in spirit) and goes last; otherwise IPv6 before IPv4 (rule 6's default
 * policy table). Within a family, the server's order.
 *
 * Errors from the resolver, exactly: not-found and bad-name EAI_NONAME;
 * no-data EAI_NODATA; timeout, servfail and unavailable (no upstream yet)
 * EAI_AGAIN; refused and malformed EAI_FAIL. */
#ifndef CAPNET_NETDB_H
#define CAPNET_NETDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/cap.h"
#include "capnet/dns_stub.h"
#include "capnet/pollable.h"

#define CAPNET_AF_UNSPEC_POSIX 0
#define CAPNET_AF_INET_POSIX 2
#define CAPNET_AF_INET6_POSIX 10
#define CAPNET_SOCK_STREAM 1
#define CAPNET_SOCK_DGRAM 2
#define CAPNET_IPPROTO_TCP_POSIX 6
#define CAPNET_IPPROTO_UDP_POSIX 17

#define CAPNET_AI_PASSIVE 0x0001
#define CAPNET_AI_CANONNAME 0x0002
#define CAPNET_AI_NUMERICHOST 0x0004
#define CAPNET_AI_V4MAPPED 0x0008
#define CAPNET_AI_ALL 0x0010
#define CAPNET_AI_ADDRCONFIG 0x0020
#define CAPNET_AI_NUMERICSERV 0x0400
#define CAPNET_AI_SUPPORTED                                                                                 \
	(CAPNET_AI_PASSIVE | CAPNET_AI_CANONNAME | CAPNET_AI_NUMERICHOST | CAPNET_AI_V4MAPPED | CAPNET_AI_ALL | \
	 CAPNET_AI_ADDRCONFIG | CAPNET_AI_NUMERICSERV)

/* glibc's GNU extensions beside the EAI_* of capnet/posix.h. */
#define CAPNET_EAI_NODATA (-5)

struct capnet_sockaddr {
	uint16_t sa_family;
	uint8_t sa_data[14];
};
struct capnet_sockaddr_in {
	uint16_t sin_family;
	uint16_t sin_port;    /* network byte order */
	uint32_t sin_addr;    /* network byte order */
	uint8_t sin_zero[8];
};
struct capnet_sockaddr_in6 {
	uint16_t sin6_family;
	uint16_t sin6_port;   /* network byte order */
	uint32_t sin6_flowinfo;
	uint8_t sin6_addr[16];
	uint32_t sin6_scope_id;
};

struct capnet_addrinfo {
	int ai_flags;
	int ai_family;
	int ai_socktype;
	int ai_protocol;
	uint32_t ai_addrlen;
	struct capnet_sockaddr *ai_addr;
	char *ai_canonname;
	struct capnet_addrinfo *ai_next;
};

#ifndef CAPNET_GAI_POOL_ENTRIES
#define CAPNET_GAI_POOL_ENTRIES 32
#endif
struct capnet_gai_entry {
	struct capnet_addrinfo ai; /* first: the addrinfo pointer is the entry */
	union {
		struct capnet_sockaddr_in in;
		struct capnet_sockaddr_in6 in6;
	} sa;
	char canon[CAPNET_DNS_TEXT_NAME_MAX + 1];
	bool used, head;
};
struct capnet_gai_pool {
	struct capnet_gai_entry e[CAPNET_GAI_POOL_ENTRIES];
};

/* The caller's resolver context: the cspace and its DnsResolver, the pool
 * results are taken from, how to let time pass while waiting (NULL: only
 * an answer available at once is returned, else EAI_AGAIN), and the
 * longest wait. */
struct capnet_gai_ctx {
	struct capnet_cspace *cs;
	capnet_handle dns;
	struct capnet_gai_pool *pool;
	const struct capnet_wait_driver *driver;
	capnet_duration limit;
};

int capnet_getaddrinfo(struct capnet_gai_ctx *g, const char *node, const char *service,
		       const struct capnet_addrinfo *hints, struct capnet_addrinfo **res);
void capnet_freeaddrinfo(struct capnet_gai_ctx *g, struct capnet_addrinfo *res);
/* The text of an EAI_* code; "Unknown error" for anything else. */
const char *capnet_gai_strerror(int code);
/* EAI_* of a resolver outcome (0 for found). */
int capnet_gai_of_status(enum capnet_dns_status s);
/* Entries of the pool in use (tests prove freeaddrinfo returns them). */
size_t capnet_gai_pool_in_use(const struct capnet_gai_pool *p);

/* ---- the built-in services table (services(5)'s common entries) ---- */
#define CAPNET_SERV_TCP 0x1u
#define CAPNET_SERV_UDP 0x2u
/* The port of a service name and the protocols it is offered on (a bit
 * set); false when the name is unknown. */
bool capnet_getservbyname(const char *name, uint16_t *port, unsigned *protos);

/* Numeric text: dotted-quad IPv4 (exactly four decimal parts) and RFC 4291
 * 2.2 IPv6 (with "::" and a trailing dotted quad). */
bool capnet_inet_pton4(const char *s, uint8_t out[4]);
bool capnet_inet_pton6(const char *s, uint8_t out[16]);

#endif
