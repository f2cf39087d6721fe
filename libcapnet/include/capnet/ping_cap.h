/* Ping: the authority to measure reachability with ICMP echo, and nothing
 * else (the sessions of capnet/ping.h served through caps).
 *
 * A NetworkManager (MINT) mints a Ping authority with bounds -- at most
 * `max_count` probes per run, sends at least `min_interval` apart, at most
 * `max_payload` data bytes, every run over within `max_deadline` -- and a
 * destination scope (the cap's remote prefix; IPv6 destinations need a
 * scope of every destination). The authority (SEND) starts runs: each is a
 * Ping session cap minted below it, in the caller's cspace, that reads its
 * probes' outcomes (RECV) and its summary (READ) and can stop its run
 * (SEND). A request outside the bounds fails closed with E_SCOPE, audited
 * as every scope rejection, and names the bound it broke; nothing is sent.
 *
 * What the cap never grants: a raw ICMP message, a socket, a choice of
 * identifier or of data. A session sends echo requests only, with the
 * identifier the layer drew for it and the layer's own data, to its one
 * destination; it hears only the replies and errors naming that
 * identifier. Handed to any other call a Ping handle fails on the type
 * check (E_WRONGTYPE).
 *
 * Sessions wait like sockets: a session cap parks CAPNET_PARK_RECV
 * (completes when a probe outcome is ready to read or the run ended) and
 * reports READABLE / DONE to capnet_cap_readiness and the Pollable sets.
 * Closing the last cap of a session ends it; revoking the authority
 * revokes its sessions. */
#ifndef CAPNET_PING_CAP_H
#define CAPNET_PING_CAP_H

#include "capnet/cap.h"
#include "capnet/ping.h"

struct capnet_ping_bounds {
	uint32_t max_count;          /* probes per run, >= 1 */
	capnet_duration min_interval; /* between sends, > 0 */
	uint16_t max_payload;        /* echo data bytes */
	capnet_duration max_deadline; /* the whole run and each probe's wait, > 0 */
};

/* The bound a refused request broke. */
#define CAPNET_PING_LIMITS(X) X(NONE) X(COUNT) X(INTERVAL) X(PAYLOAD) X(DEADLINE) X(TIMEOUT) X(DESTINATION)
enum capnet_ping_limit {
#define CAPNET_PING_LIMIT_ENUM(name) CAPNET_PING_LIMIT_##name,
	CAPNET_PING_LIMITS(CAPNET_PING_LIMIT_ENUM)
#undef CAPNET_PING_LIMIT_ENUM
	CAPNET_PING_LIMIT__COUNT
};
/* "none", "count", "interval", "payload", "deadline", "timeout", "destination". */
const char *capnet_ping_limit_name(enum capnet_ping_limit l);

/* MINT on the NetworkManager. `remote` (NULL: every destination) gives
 * the destination prefix (its remote_addr/remote_prefix; ports are
 * ignored). E_INVAL for a zero bound or a bad prefix. The authority
 * carries SEND | READ, and GRANT. */
capnet_err capnet_netmgr_mint_ping(struct capnet_cspace *cs, capnet_handle nm, const struct capnet_ping_bounds *b,
				   const struct capnet_scope *remote, capnet_handle *out);
/* READ on an authority or a session: the bounds. */
capnet_err capnet_pingcap_bounds(struct capnet_cspace *cs, capnet_handle h, struct capnet_ping_bounds *out);

/* SEND on the authority: a run to req->dst, as capnet_ping_start, as a new
 * session cap (SEND | RECV | READ, GRANT if the authority has it). A
 * request deadline of 0 means the authority's max_deadline. Checked in
 * this order after the gate: count <= max_count (COUNT), interval >=
 * min_interval when count > 1 (INTERVAL), payload <= max_payload
 * (PAYLOAD), deadline <= max_deadline (DEADLINE), timeout <= max_deadline
 * (TIMEOUT), an IPv6 destination only with an unrestricted scope
 * (DESTINATION; an IPv4 one outside the prefix is refused by the gate):
 * E_SCOPE with *why (may be NULL) naming the bound. E_STATE on a session
 * handle; E_NOTCONFIGURED without ping sessions; then capnet_ping_start's
 * errors. */
capnet_err capnet_pingcap_start(struct capnet_cspace *cs, capnet_handle ping, const struct capnet_ping_request *req,
				capnet_instant now, capnet_handle *session, enum capnet_ping_limit *why);
/* RECV on a session: capnet_ping_next. */
capnet_err capnet_pingcap_next(struct capnet_cspace *cs, capnet_handle session, capnet_instant now,
			       struct capnet_ping_probe *out);
/* READ on a session: the summary so far (done once the run ended). */
capnet_err capnet_pingcap_summary(struct capnet_cspace *cs, capnet_handle session, struct capnet_ping_summary *out);
/* SEND on a session: end the run now (capnet_ping_stop). */
capnet_err capnet_pingcap_stop(struct capnet_cspace *cs, capnet_handle session, capnet_instant now);

#endif
