/* DnsResolver caps over the interface's stub resolver. Every call checks
 * handle, type and rights first (capnet_cap_check), so a forged or
 * wrong-typed handle never reaches the resolver. Requests are tagged with
 * the calling cspace's id: a request id is useless to anyone else. */
#include <string.h>

#include "cap/capsys_internal.h"
#include "capnet/dns_cap.h"

capnet_err capnet_netmgr_mint_dns(struct capnet_cspace *cs, capnet_handle nm, capnet_handle *out)
{
	struct capnet_cap_info info;
	capnet_err e = capnet_cap_check(cs, nm, CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_MINT, NULL, &info);
	if (e != CAPNET_OK)
		return e;
	struct capnet_cap_mint_args a = {CAPNET_CAP_NETWORK_MANAGER,
					 CAPNET_RIGHT_MINT,
					 NULL,
					 CAPNET_CAP_DNS_RESOLVER,
					 capnet_cap_type_rights(CAPNET_CAP_DNS_RESOLVER),
					 NULL,
					 info.obj,
					 NULL};
	return capnet_cap_mint(cs, nm, &a, out);
}

/* The gate first, so a forged or too-weak call is refused (and audited)
 * whatever its other arguments; then a resolver to serve it; then the
 * argument the call cannot do without (`arg`). */
static capnet_err dns_gate(struct capnet_cspace *cs, capnet_handle h, uint32_t rights, bool arg,
			   struct capnet_dns_stub **d)
{
	void *obj = NULL;
	capnet_err e = capsys_gate(cs, h, CAPNET_CAP_DNS_RESOLVER, rights, true, &obj);
	const struct capnet_net *net = obj;
	if (e != CAPNET_OK)
		return e;
	if (net == NULL || net->dns == NULL)
		return CAPNET_E_NOTCONFIGURED;
	*d = net->dns;
	return arg ? CAPNET_OK : CAPNET_E_INVAL;
}

/* The stub's want for an address family; 0 for one it cannot ask. */
static unsigned want_of(uint8_t family)
{
	return family == CAPNET_AF_INET ? CAPNET_DNS_WANT_A
	       : family == CAPNET_AF_INET6 ? CAPNET_DNS_WANT_AAAA
	       : family == CAPNET_AF_NONE ? CAPNET_DNS_WANT_BOTH
					   : 0;
}

capnet_err capnet_dnscap_resolve(struct capnet_cspace *cs, capnet_handle h, const char *name, uint8_t family,
				 capnet_instant now, uint32_t *req)
{
	struct capnet_dns_stub *d;
	capnet_err e = dns_gate(cs, h, CAPNET_RIGHT_SEND, name != NULL && req != NULL, &d);
	if (e != CAPNET_OK)
		return e;
	size_t len = 0;
	while (len < CAPNET_DNS_TEXT_NAME_MAX + 2 && name[len])
		len++;
	if (len > CAPNET_DNS_TEXT_NAME_MAX + 1 || (len == CAPNET_DNS_TEXT_NAME_MAX + 1 && name[len - 1] != '.'))
		return CAPNET_E_INVAL;
	unsigned want = want_of(family);
	return want == 0 ? CAPNET_E_INVAL : capnet_dns_stub_start_tagged(d, name, want, capnet_cspace_id(cs), now, req);
}

capnet_err capnet_dnscap_result(struct capnet_cspace *cs, capnet_handle h, uint32_t req,
				struct capnet_dns_result *out)
{
	struct capnet_dns_stub *d;
	capnet_err e = dns_gate(cs, h, CAPNET_RIGHT_SEND, out != NULL, &d);
	return e != CAPNET_OK ? e : capnet_dns_stub_result_tagged(d, req, capnet_cspace_id(cs), out);
}

capnet_err capnet_dnscap_cancel(struct capnet_cspace *cs, capnet_handle h, uint32_t req)
{
	struct capnet_dns_stub *d;
	capnet_err e = dns_gate(cs, h, CAPNET_RIGHT_SEND, true, &d);
	return e != CAPNET_OK ? e : capnet_dns_stub_cancel_tagged(d, req, capnet_cspace_id(cs));
}

capnet_err capnet_dnscap_status(struct capnet_cspace *cs, capnet_handle h, struct capnet_dns_stub_status *out)
{
	struct capnet_dns_stub *d;
	capnet_err e = dns_gate(cs, h, CAPNET_RIGHT_READ, out != NULL, &d);
	if (e == CAPNET_OK)
		capnet_dns_stub_status(d, out);
	return e;
}

capnet_err capnet_dns_status_err(enum capnet_dns_status s)
{
	switch (s) {
	case CAPNET_DNS_FOUND:
		return CAPNET_OK;
	case CAPNET_DNS_PENDING:
		return CAPNET_E_AGAIN;
	case CAPNET_DNS_NXDOMAIN:
	case CAPNET_DNS_NODATA:
		return CAPNET_E_NOTFOUND;
	case CAPNET_DNS_TIMEOUT:
		return CAPNET_E_TIMEDOUT;
	case CAPNET_DNS_UNAVAILABLE:
		return CAPNET_E_NOTCONFIGURED;
	case CAPNET_DNS_MALFORMED:
		return CAPNET_E_MALFORMED;
	case CAPNET_DNS_SERVFAIL:
		return CAPNET_E_UNREACHABLE;
	case CAPNET_DNS_REFUSED:
		return CAPNET_E_REFUSED;
	default:
		return CAPNET_E_INVAL;
	}
}
