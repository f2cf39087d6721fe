/* PacketTrace and TraceReader served through caps. A NetworkManager mints
 * a PacketTrace, which owns one trace of net->traces (revoking or closing
 * the last PacketTrace ends the capture); TraceReaders minted below it read
 * records and counters and can do nothing else.
 *
 * Which caps are backed by a trace. A bare PacketTrace
 * (capnet_netmgr_mint_trace) or one minted by any other provider names no
 * trace; only the caps made here carry a tagged generation in their aux
 * word, so a trace call checks the tag before it trusts the object, and the
 * generation tells a reader whose trace was closed (and the slot perhaps
 * reused) that it is gone. */
#include <string.h>

#include "cap/capsys_internal.h"

#define TRACE_AUX_TAG ((int64_t)0x7472616300000000) /* "trac" */
#define TRACE_AUX_GEN 0xffff

static int64_t aux_of(const struct capnet_trace *t)
{
	return TRACE_AUX_TAG | (int64_t)capnet_trace_generation(t);
}

static void trace_release(void *obj)
{
	capnet_trace_close(obj);
}

static const struct capnet_cap_objops trace_ops = {trace_release};

/* The gate of every trace call: handle -> type -> rights, then the trace
 * behind the cap (E_NOTCONFIGURED for a bare one, E_CLOSED once ended). */
static capnet_err use_trace(struct capnet_cspace *cs, capnet_handle h, enum capnet_cap_type type, uint32_t rights,
			    struct capnet_trace **out, struct cap_node **node)
{
	struct capnet_cap_info info;
	struct cap_node *nd;
	capnet_err e = capsys_check_node(cs, h, type, rights, NULL, &info, &nd);
	if (e != CAPNET_OK)
		return e;
	if ((nd->aux & ~(int64_t)TRACE_AUX_GEN) != TRACE_AUX_TAG)
		return CAPNET_E_NOTCONFIGURED;
	struct capnet_trace *t = info.obj;
	if (!capnet_trace_is_open(t, (uint16_t)(nd->aux & TRACE_AUX_GEN)))
		return CAPNET_E_CLOSED;
	*out = t;
	if (node != NULL)
		*node = nd;
	return CAPNET_OK;
}

static void copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = 0;
	if (src != NULL)
		while (n + 1 < cap && src[n] != '\0') {
			dst[n] = src[n];
			n++;
		}
	memset(dst + n, 0, cap - n);
}

capnet_err capnet_netmgr_mint_trace_policy(struct capnet_cspace *cs, capnet_handle nm,
					   const struct capnet_trace_request *req, capnet_instant now,
					   capnet_handle *out)
{
	struct capnet_cap_info info;
	capnet_err e = capnet_cap_check(cs, nm, CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_MINT, NULL, &info);
	if (e != CAPNET_OK)
		return e;
	if (req == NULL || out == NULL || !capnet_trace_policy_valid(&req->policy))
		return CAPNET_E_INVAL;
	struct capnet_net *net = info.obj;
	if (net == NULL || net->iface == NULL || net->traces == NULL)
		return CAPNET_E_NOTCONFIGURED;
	/* A trace of one port is scoped to that port: a manager for a port
	 * range cannot mint a view of the whole interface. */
	struct capnet_scope scope =
		req->policy.port != 0 ? capnet_scope_local(req->policy.port, req->policy.port) : capnet_scope_full();
	if (!capnet_scope_within(&scope, &info.scope))
		return cap_reject(cs->sys, cs, CAPNET_E_SCOPE, CAPNET_CAP_NETWORK_MANAGER);
	if (!capsys_can_place(cs))
		return CAPNET_E_NOMEM;

	struct capnet_trace_provenance prov;
	memset(&prov, 0, sizeof prov);
	prov.authority_type = CAPNET_CAP_NETWORK_MANAGER;
	prov.authority_cap = info.cap_id;
	prov.minted_by = capnet_cspace_id(cs);
	copy_text(prov.minted_by_name, sizeof prov.minted_by_name, capnet_cspace_name(cs));
	prov.minted_for = req->for_cspace != 0 ? req->for_cspace : prov.minted_by;
	prov.minted_at = now;
	prov.iface_name = net->name != NULL ? net->name : "";
	copy_text(prov.reason, sizeof prov.reason, req->reason);

	struct capnet_trace *t;
	if ((e = capnet_trace_open(net->traces, net->iface, &req->policy, &prov, now, &t)) != CAPNET_OK)
		return e;
	struct capnet_cap_mint_args a = {CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_MINT, NULL, CAPNET_CAP_PACKET_TRACE,
					 capnet_cap_type_rights(CAPNET_CAP_PACKET_TRACE), &scope, t, &trace_ops};
	if ((e = capnet_cap_mint(cs, nm, &a, out)) != CAPNET_OK) {
		capnet_trace_close(t);
		return e;
	}
	capsys_peek(cs, *out)->aux = aux_of(t);
	return CAPNET_OK;
}

capnet_err capnet_tracecap_narrow(struct capnet_cspace *cs, capnet_handle pt, const struct capnet_trace_policy *p)
{
	struct capnet_trace *t;
	capnet_err e = use_trace(cs, pt, CAPNET_CAP_PACKET_TRACE, CAPNET_RIGHT_CONFIGURE, &t, NULL);
	if (e != CAPNET_OK)
		return e;
	e = capnet_trace_narrow(t, p);
	/* Asking for more than the cap was minted with is an authority
	 * rejection, audited as one. */
	return e == CAPNET_E_SCOPE ? cap_reject(cs->sys, cs, e, CAPNET_CAP_PACKET_TRACE) : e;
}

capnet_err capnet_tracecap_stop(struct capnet_cspace *cs, capnet_handle pt)
{
	struct capnet_trace *t;
	capnet_err e = use_trace(cs, pt, CAPNET_CAP_PACKET_TRACE, CAPNET_RIGHT_CONFIGURE, &t, NULL);
	if (e != CAPNET_OK)
		return e;
	capnet_trace_stop(t);
	return CAPNET_OK;
}

capnet_err capnet_tracecap_reader(struct capnet_cspace *cs, capnet_handle pt, capnet_handle *reader)
{
	struct capnet_trace *t;
	struct cap_node *nd;
	capnet_err e = use_trace(cs, pt, CAPNET_CAP_PACKET_TRACE, CAPNET_RIGHT_MINT, &t, &nd);
	if (e != CAPNET_OK)
		return e;
	if (reader == NULL)
		return CAPNET_E_INVAL;
	uint32_t rights = CAPNET_RIGHT_READ | (nd->rights & CAPNET_RIGHT_GRANT);
	struct capnet_cap_mint_args a = {CAPNET_CAP_PACKET_TRACE, CAPNET_RIGHT_MINT, NULL, CAPNET_CAP_TRACE_READER,
					 rights, NULL, t, NULL};
	if ((e = capnet_cap_mint(cs, pt, &a, reader)) != CAPNET_OK)
		return e;
	capsys_peek(cs, *reader)->aux = aux_of(t);
	return CAPNET_OK;
}

capnet_err capnet_tracecap_info(struct capnet_cspace *cs, capnet_handle reader, struct capnet_trace_info *out)
{
	struct capnet_trace *t;
	capnet_err e = use_trace(cs, reader, CAPNET_CAP_TRACE_READER, CAPNET_RIGHT_READ, &t, NULL);
	if (e != CAPNET_OK)
		return e;
	if (out == NULL)
		return CAPNET_E_INVAL;
	capnet_trace_info(t, out);
	return CAPNET_OK;
}

capnet_err capnet_tracecap_record(struct capnet_cspace *cs, capnet_handle reader, uint32_t index,
				  struct capnet_trace_record *out)
{
	struct capnet_trace *t;
	capnet_err e = use_trace(cs, reader, CAPNET_CAP_TRACE_READER, CAPNET_RIGHT_READ, &t, NULL);
	if (e != CAPNET_OK)
		return e;
	return capnet_trace_record(t, index, out);
}
