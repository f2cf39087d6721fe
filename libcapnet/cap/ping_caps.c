/* Ping caps over the interface's ping sessions (capnet/ping_cap.h). The
 * authority and each session are objects of the socket table (kinds
 * PING_AUTH and PING), so a session parks, reports readiness and ends with
 * its last cap exactly as a socket does. */
#include <string.h>

#include "cap/capsys_internal.h"

const char *capnet_ping_limit_name(enum capnet_ping_limit l)
{
	static const char *const names[CAPNET_PING_LIMIT__COUNT] = {"none",	"count",   "interval",   "payload",
								    "deadline", "timeout", "destination"};
	return (unsigned)l < CAPNET_PING_LIMIT__COUNT ? names[l] : "?";
}

static bool bounds_valid(const struct capnet_ping_bounds *b)
{
	return b != NULL && b->max_count >= 1 && b->min_interval > 0 && b->max_deadline > 0;
}

capnet_err capnet_netmgr_mint_ping(struct capnet_cspace *cs, capnet_handle nm, const struct capnet_ping_bounds *b,
				   const struct capnet_scope *remote, capnet_handle *out)
{
	void *obj = NULL;
	capnet_err e = capsys_gate(cs, nm, CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_MINT, bounds_valid(b) && out != NULL,
				   &obj);
	if (e != CAPNET_OK)
		return e;
	struct capnet_net *net = obj;
	struct capnet_sockets *s = cs->sys->socks;
	if (net == NULL || net->ping == NULL || s == NULL || net->socks != s)
		return CAPNET_E_NOTCONFIGURED;
	struct capnet_scope scope = capnet_scope_full();
	if (remote != NULL) {
		scope.remote_addr = remote->remote_addr;
		scope.remote_prefix = remote->remote_prefix;
	}
	if (!capnet_scope_valid(&scope))
		return CAPNET_E_INVAL;
	if (s->sock_free == UINT32_MAX || !capsys_can_place(cs))
		return CAPNET_E_NOMEM;
	struct cap_sock *k = sock_alloc(s, SOCK_PING_AUTH, capnet_cspace_id(cs), CAPNET_CAP_NETWORK_MANAGER);
	k->ping_bounds = *b;
	k->scope = scope;
	struct capnet_cap_mint_args a = {CAPNET_CAP_NETWORK_MANAGER,
					 CAPNET_RIGHT_MINT,
					 NULL,
					 CAPNET_CAP_PING,
					 CAPNET_RIGHT_SEND | CAPNET_RIGHT_READ | CAPNET_RIGHT_GRANT,
					 &scope,
					 k,
					 &capnet_sock_ops};
	if ((e = capnet_cap_mint(cs, nm, &a, out)) != CAPNET_OK)
		sock_unalloc(s, k);
	return e;
}

/* The gate, then the Ping object of the kind the call needs (`kind`, or
 * either when SOCK_FREE). */
static capnet_err ping_gate(struct capnet_cspace *cs, capnet_handle h, uint32_t rights,
			    const struct capnet_scope_req *req, bool args, enum sock_kind kind,
			    struct capnet_cap_info *info, struct cap_sock **out)
{
	capnet_err e = capnet_cap_check(cs, h, CAPNET_CAP_PING, rights, req, info);
	if (e != CAPNET_OK)
		return e;
	if (!args)
		return CAPNET_E_INVAL;
	struct cap_sock *k = sock_of(cs->sys, info->obj);
	if (k == NULL || (k->kind != SOCK_PING_AUTH && k->kind != SOCK_PING))
		return CAPNET_E_STATE;
	if (kind != SOCK_FREE && k->kind != kind)
		return CAPNET_E_STATE; /* a session where an authority is needed, or back */
	*out = k;
	return CAPNET_OK;
}

capnet_err capnet_pingcap_bounds(struct capnet_cspace *cs, capnet_handle h, struct capnet_ping_bounds *out)
{
	struct capnet_cap_info info;
	struct cap_sock *k;
	capnet_err e = ping_gate(cs, h, CAPNET_RIGHT_READ, NULL, out != NULL, SOCK_FREE, &info, &k);
	if (e == CAPNET_OK)
		*out = k->ping_bounds;
	return e;
}

/* The first bound the request breaks. */
static enum capnet_ping_limit broken_bound(const struct capnet_ping_bounds *b, const struct capnet_scope *scope,
					   const struct capnet_ping_request *r)
{
	if (r->count > b->max_count)
		return CAPNET_PING_LIMIT_COUNT;
	if (r->count > 1 && r->interval < b->min_interval)
		return CAPNET_PING_LIMIT_INTERVAL;
	if (r->payload > b->max_payload)
		return CAPNET_PING_LIMIT_PAYLOAD;
	if (r->deadline > b->max_deadline)
		return CAPNET_PING_LIMIT_DEADLINE;
	if (r->timeout > b->max_deadline)
		return CAPNET_PING_LIMIT_TIMEOUT;
	if (r->dst.af != CAPNET_AF_INET && scope->remote_prefix != 0)
		return CAPNET_PING_LIMIT_DESTINATION;
	return CAPNET_PING_LIMIT_NONE;
}

capnet_err capnet_pingcap_start(struct capnet_cspace *cs, capnet_handle ping, const struct capnet_ping_request *req,
				capnet_instant now, capnet_handle *session, enum capnet_ping_limit *why)
{
	if (why != NULL)
		*why = CAPNET_PING_LIMIT_NONE;
	/* An IPv4 destination goes through the gate's scope check. */
	struct capnet_scope_req sreq = {CAPNET_SCOPE_REQ_REMOTE, 0, 0, 0};
	bool v4 = req != NULL && req->dst.af == CAPNET_AF_INET;
	if (v4)
		sreq.remote_addr = req->dst.u.v4;
	struct capnet_cap_info info;
	struct cap_sock *auth;
	capnet_err e = ping_gate(cs, ping, CAPNET_RIGHT_SEND, v4 ? &sreq : NULL, req != NULL && session != NULL,
				 SOCK_PING_AUTH, &info, &auth);
	if (e == CAPNET_E_SCOPE && why != NULL)
		*why = CAPNET_PING_LIMIT_DESTINATION;
	if (e != CAPNET_OK)
		return e;
	enum capnet_ping_limit broken = broken_bound(&auth->ping_bounds, &info.scope, req);
	if (broken != CAPNET_PING_LIMIT_NONE) {
		if (why != NULL)
			*why = broken;
		return cap_reject(cs->sys, cs, CAPNET_E_SCOPE, CAPNET_CAP_PING);
	}
	struct capnet_sockets *s = auth->socks;
	struct capnet_net *net = s->net;
	if (net->ping == NULL)
		return CAPNET_E_NOTCONFIGURED;
	if (s->sock_free == UINT32_MAX || !capsys_can_place(cs))
		return CAPNET_E_NOMEM;
	struct capnet_ping_request r = *req;
	if (r.deadline == 0)
		r.deadline = auth->ping_bounds.max_deadline;
	struct capnet_ping_session *ps;
	if ((e = capnet_ping_start(net->ping, &r, now, &ps)) != CAPNET_OK)
		return e;
	struct cap_sock *k = sock_alloc(s, SOCK_PING, capnet_cspace_id(cs), CAPNET_CAP_PING);
	k->u.ping = ps;
	k->ping_bounds = auth->ping_bounds;
	k->scope = info.scope;
	uint32_t rights = CAPNET_RIGHT_SEND | CAPNET_RIGHT_RECV | CAPNET_RIGHT_READ | (info.rights & CAPNET_RIGHT_GRANT);
	struct capnet_cap_mint_args a = {CAPNET_CAP_PING, CAPNET_RIGHT_SEND, NULL, CAPNET_CAP_PING, rights, NULL, k,
					 &capnet_sock_ops};
	if ((e = capnet_cap_mint(cs, ping, &a, session)) != CAPNET_OK) {
		capnet_ping_close(ps);
		sock_unalloc(s, k);
		return e;
	}
	sock_watch(k);
	return CAPNET_OK;
}

capnet_err capnet_pingcap_next(struct capnet_cspace *cs, capnet_handle session, capnet_instant now,
			       struct capnet_ping_probe *out)
{
	struct capnet_cap_info info;
	struct cap_sock *k;
	capnet_err e = ping_gate(cs, session, CAPNET_RIGHT_RECV, NULL, out != NULL, SOCK_PING, &info, &k);
	if (e != CAPNET_OK)
		return e;
	sock_touch(k);
	return capnet_ping_next(k->u.ping, now, out);
}

capnet_err capnet_pingcap_summary(struct capnet_cspace *cs, capnet_handle session, struct capnet_ping_summary *out)
{
	struct capnet_cap_info info;
	struct cap_sock *k;
	capnet_err e = ping_gate(cs, session, CAPNET_RIGHT_READ, NULL, out != NULL, SOCK_PING, &info, &k);
	if (e == CAPNET_OK)
		capnet_ping_summary(k->u.ping, out);
	return e;
}

capnet_err capnet_pingcap_stop(struct capnet_cspace *cs, capnet_handle session, capnet_instant now)
{
	struct capnet_cap_info info;
	struct cap_sock *k;
	capnet_err e = ping_gate(cs, session, CAPNET_RIGHT_SEND, NULL, true, SOCK_PING, &info, &k);
	if (e == CAPNET_OK) {
		sock_touch(k);
		capnet_ping_stop(k->u.ping, now);
	}
	return e;
}
