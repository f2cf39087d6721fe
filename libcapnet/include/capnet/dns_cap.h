/* DnsResolver: the authority to have names resolved, and nothing else.
 * Minted from a NetworkManager; served by the interface's stub resolver
 * (capnet/dns_stub.h), which holds the only socket the queries use. A
 * cspace holding only this cap can ask questions and read the resolver's
 * status; it cannot reach a server, a socket or the manager: those calls
 * fail closed on the handle check (E_WRONGTYPE / E_BADHANDLE) and are
 * audited like every rejection.
 *
 * Rights: SEND to resolve (it makes the stub send queries), READ for
 * status, GRANT to pass it on. A request is the caller's: its id is only
 * valid through the cspace that started it (another cspace gets
 * E_NOTFOUND, as for an id that never existed). */
#ifndef CAPNET_DNS_CAP_H
#define CAPNET_DNS_CAP_H

#include "capnet/cap.h"
#include "capnet/dns_stub.h"

/* A NetworkManager mints it (MINT); E_NOTCONFIGURED is answered by the
 * calls, not the mint, when the network has no resolver. */
capnet_err capnet_netmgr_mint_dns(struct capnet_cspace *cs, capnet_handle nm, capnet_handle *out);

/* resolve(name, family): family CAPNET_AF_INET (A), CAPNET_AF_INET6
 * (AAAA) or CAPNET_AF_NONE (both). SEND. E_INVAL for a name longer than
 * CAPNET_DNS_TEXT_NAME_MAX (+ a trailing dot) or another family;
 * E_NOTCONFIGURED without a resolver; E_NOMEM when the resolver's lookups
 * are all in flight. *req names the request. */
capnet_err capnet_dnscap_resolve(struct capnet_cspace *cs, capnet_handle h, const char *name, uint8_t family,
				 capnet_instant now, uint32_t *req);
/* The outcome: E_AGAIN while pending; then OK with out->status one of the
 * typed outcomes (found, not-found, no-data, timeout, unavailable,
 * malformed, servfail, refused, bad-name) and at most CAPNET_DNS_MAX_ADDRS
 * addresses. The request is then gone. SEND. */
capnet_err capnet_dnscap_result(struct capnet_cspace *cs, capnet_handle h, uint32_t req,
				 struct capnet_dns_result *out);
capnet_err capnet_dnscap_cancel(struct capnet_cspace *cs, capnet_handle h, uint32_t req);

/* status(): where the servers and search list come from, the servers in
 * use, the last error and the cache and query counters. No payloads, no
 * raw lease. READ. */
capnet_err capnet_dnscap_status(struct capnet_cspace *cs, capnet_handle h, struct capnet_dns_stub_status *out);

/* The typed outcome as one capnet_err (found: OK; not-found and no-data:
 * E_NOTFOUND; timeout: E_TIMEDOUT; unavailable: E_NOTCONFIGURED;
 * malformed: E_MALFORMED; servfail: E_UNREACHABLE; refused: E_REFUSED;
 * bad-name: E_INVAL). */
capnet_err capnet_dns_status_err(enum capnet_dns_status s);

#endif
