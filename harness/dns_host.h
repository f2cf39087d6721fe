/* Helpers of the DNS proofs and tools: resolve through a DnsResolver cap
 * and run the simulator until the answer (or a limit), and print an
 * address of either family. */
#ifndef CAPNET_HARNESS_DNS_HOST_H
#define CAPNET_HARNESS_DNS_HOST_H

#include "capnet/dns_cap.h"
#include "sim/sim.h"

/* Starts resolve(name, family) on (cs, h) at the simulator's now and runs
 * it until the outcome or `limit` more time; *took is how long it took.
 * Returns the cap's error (resolve's, or E_TIMEDOUT when the limit
 * passed first). */
capnet_err dns_resolve_wait(struct capnet_sim *sim, struct capnet_cspace *cs, capnet_handle h, const char *name,
			    uint8_t family, capnet_duration limit, struct capnet_dns_result *out, capnet_duration *took);
/* "192.0.2.9" / "2001:db8::9" (RFC 5952 form), rotating static buffers. */
const char *fmt_ipaddr(const struct capnet_ipaddr *a);
/* "192.0.2.9 2001:db8::9" for a result's addresses. */
const char *fmt_addrs(const struct capnet_dns_result *r);

#endif
