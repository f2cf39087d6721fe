/* TCP served through caps: TcpListenAuthority -> TcpListener -> TcpSocket,
 * TcpConnectAuthority -> TcpSocket, and TransportStatus views. Each call
 * passes the cap gate (handle, type, rights, scope) before the transport
 * sees it; every resource a call needs is checked before the socket is
 * opened, so a refused call opens nothing. */
#include <string.h>

#include "cap/capsys_internal.h"

/* The socket behind a checked cap; E_STATE for a cap that names no open
 * socket (an authority), E_CLOSED once the socket's close is pending. */
static capnet_err tcp_sock(struct capnet_cspace *cs, const struct capnet_cap_info *info, struct cap_sock **out)
{
	struct cap_sock *k = sock_of(cs->sys, info->obj);
	if (k == NULL || k->kind == SOCK_UDP)
		return CAPNET_E_STATE;
	if (k->closing)
		return CAPNET_E_CLOSED;
	*out = k;
	return CAPNET_OK;
}

static capnet_err use_sock(struct capnet_cspace *cs, capnet_handle h, uint32_t rights, struct cap_sock **k)
{
	struct capnet_cap_info info;
	capnet_err e = capnet_cap_check(cs, h, CAPNET_CAP_TCP_SOCKET, rights, NULL, &info);
	if (e != CAPNET_OK)
		return e;
	return tcp_sock(cs, &info, k);
}

/* A TcpSocket with `rights` that a call is about to act on: calls parked
 * on it look again afterwards. The data calls first run the table's
 * pending work (flush); configuring does not. */
static capnet_err act_on_sock(struct capnet_cspace *cs, capnet_handle h, uint32_t rights, bool flush,
			      capnet_instant now, struct cap_sock **k)
{
	capnet_err e = use_sock(cs, h, rights, k);
	if (e != CAPNET_OK)
		return e;
	if (flush)
		sockets_flush((*k)->socks, now);
	sock_touch(*k);
	return CAPNET_OK;
}

/* The transport and a free socket, cap slot and cap: everything an open
 * needs, so that after the transport call nothing can fail. */
static capnet_err open_ready(struct capnet_cspace *cs, const struct capnet_cap_info *auth, struct capnet_tcp **tcp)
{
	const struct capnet_net *net = auth->obj;
	struct capnet_sockets *s = cs->sys->socks;
	if (net == NULL || net->tcp == NULL || s == NULL || net->socks != s)
		return CAPNET_E_NOTCONFIGURED;
	if (s->sock_free == UINT32_MAX || !capsys_can_place(cs))
		return CAPNET_E_NOMEM;
	*tcp = net->tcp;
	return CAPNET_OK;
}

/* Places the cap of a socket just opened below `parent`. Cannot fail after
 * open_ready/can_place; if it somehow does, the socket is aborted. */
static capnet_err place_sock(struct capnet_cspace *cs, capnet_handle parent, enum capnet_cap_type parent_type,
			     uint32_t parent_rights, struct cap_sock *k, const struct capnet_scope *scope,
			     capnet_instant now, capnet_handle *out)
{
	enum capnet_cap_type t = k->kind == SOCK_TCP_LISTENER ? CAPNET_CAP_TCP_LISTENER : CAPNET_CAP_TCP_SOCKET;
	struct capnet_cap_mint_args a = {parent_type, 0, NULL, t, sock_rights(t, parent_rights), scope, k,
					 &capnet_sock_ops};
	capnet_err e = capnet_cap_mint(cs, parent, &a, out);
	if (e != CAPNET_OK) {
		capnet_tcp_abort(k->u.tcp, now);
		sock_unalloc(k->socks, k);
		return e;
	}
	sock_watch(k);
	return CAPNET_OK;
}

capnet_err capnet_tcpcap_listen(struct capnet_cspace *cs, capnet_handle authority, uint16_t port, uint32_t backlog,
				capnet_handle *listener)
{
	struct capnet_scope_req req = {CAPNET_SCOPE_REQ_LOCAL, port, 0, 0};
	struct capnet_cap_info info;
	capnet_err e = capnet_cap_check(cs, authority, CAPNET_CAP_TCP_LISTEN_AUTHORITY, CAPNET_RIGHT_BIND, &req, &info);
	if (e != CAPNET_OK)
		return e;
	if (listener == NULL || port == 0)
		return CAPNET_E_INVAL;
	struct capnet_tcp *tcp;
	if ((e = open_ready(cs, &info, &tcp)) != CAPNET_OK)
		return e;
	struct cap_sock *k =
		sock_alloc(cs->sys->socks, SOCK_TCP_LISTENER, capnet_cspace_id(cs), CAPNET_CAP_TCP_LISTEN_AUTHORITY);
	if ((e = capnet_tcp_listen(tcp, port, backlog, NULL, &k->u.tcp)) != CAPNET_OK) {
		sock_unalloc(k->socks, k);
		return e;
	}
	struct capnet_scope scope = capnet_scope_local(port, port);
	return place_sock(cs, authority, CAPNET_CAP_TCP_LISTEN_AUTHORITY, info.rights, k, &scope,
			  k->socks->last_now, listener);
}

capnet_err capnet_tcpcap_accept(struct capnet_cspace *cs, capnet_handle listener, capnet_handle *sock)
{
	struct capnet_cap_info info;
	capnet_err e = capnet_cap_check(cs, listener, CAPNET_CAP_TCP_LISTENER, CAPNET_RIGHT_ACCEPT, NULL, &info);
	if (e != CAPNET_OK)
		return e;
	if (sock == NULL)
		return CAPNET_E_INVAL;
	struct cap_sock *lk;
	if ((e = tcp_sock(cs, &info, &lk)) != CAPNET_OK)
		return e;
	struct capnet_sockets *s = lk->socks;
	if (s->sock_free == UINT32_MAX || !capsys_can_place(cs))
		return CAPNET_E_NOMEM; /* the connection waits in the accept queue */
	struct capnet_tcp_sock *c;
	sock_touch(lk); /* other calls parked on the listener look again */
	if ((e = capnet_tcp_accept(lk->u.tcp, &c)) != CAPNET_OK)
		return e;
	struct cap_sock *k = sock_alloc(s, SOCK_TCP_CONN, capnet_cspace_id(cs), CAPNET_CAP_TCP_LISTENER);
	k->u.tcp = c;
	return place_sock(cs, listener, CAPNET_CAP_TCP_LISTENER, info.rights, k, &info.scope, s->last_now, sock);
}

capnet_err capnet_tcpcap_connect(struct capnet_cspace *cs, capnet_handle authority, capnet_ip4addr dst,
				 uint16_t port, capnet_instant now, capnet_handle *sock)
{
	struct capnet_scope_req req = {CAPNET_SCOPE_REQ_REMOTE, 0, dst, port};
	struct capnet_cap_info info;
	capnet_err e =
		capnet_cap_check(cs, authority, CAPNET_CAP_TCP_CONNECT_AUTHORITY, CAPNET_RIGHT_CONNECT, &req, &info);
	if (e != CAPNET_OK)
		return e;
	if (sock == NULL)
		return CAPNET_E_INVAL;
	struct capnet_tcp *tcp;
	if ((e = open_ready(cs, &info, &tcp)) != CAPNET_OK)
		return e;
	sockets_flush(cs->sys->socks, now);
	struct cap_sock *k =
		sock_alloc(cs->sys->socks, SOCK_TCP_CONN, capnet_cspace_id(cs), CAPNET_CAP_TCP_CONNECT_AUTHORITY);
	struct capnet_ipaddr a = {.af = CAPNET_AF_INET, .u.v4 = dst};
	if ((e = capnet_tcp_connect(tcp, &a, port, 0, NULL, now, &k->u.tcp)) != CAPNET_OK) {
		sock_unalloc(k->socks, k);
		return e;
	}
	/* The socket may reach exactly the peer it was opened to. */
	struct capnet_scope scope = info.scope;
	scope.remote_addr = dst;
	scope.remote_prefix = 32;
	scope.remote_lo = scope.remote_hi = port;
	return place_sock(cs, authority, CAPNET_CAP_TCP_CONNECT_AUTHORITY, info.rights, k, &scope, now, sock);
}

capnet_err capnet_tcpcap_send(struct capnet_cspace *cs, capnet_handle h, const void *data, size_t len,
			      size_t *queued, capnet_instant now)
{
	struct cap_sock *k;
	capnet_err e = act_on_sock(cs, h, CAPNET_RIGHT_SEND, true, now, &k);
	return e != CAPNET_OK ? e : capnet_tcp_send(k->u.tcp, data, len, queued, now);
}

capnet_err capnet_tcpcap_recv(struct capnet_cspace *cs, capnet_handle h, void *buf, size_t cap, size_t *got,
			      capnet_instant now)
{
	struct cap_sock *k;
	capnet_err e = act_on_sock(cs, h, CAPNET_RIGHT_RECV, true, now, &k);
	return e != CAPNET_OK ? e : capnet_tcp_recv(k->u.tcp, buf, cap, got, now);
}

capnet_err capnet_tcpcap_shutdown(struct capnet_cspace *cs, capnet_handle h, capnet_instant now)
{
	struct cap_sock *k;
	capnet_err e = act_on_sock(cs, h, CAPNET_RIGHT_SHUTDOWN, true, now, &k);
	return e != CAPNET_OK ? e : capnet_tcp_shutdown(k->u.tcp, now);
}

capnet_err capnet_tcpcap_set_keepalive(struct capnet_cspace *cs, capnet_handle h, bool on, capnet_duration idle,
				       capnet_duration interval, uint8_t probes, capnet_instant now)
{
	struct cap_sock *k;
	capnet_err e = act_on_sock(cs, h, CAPNET_RIGHT_CONFIGURE, false, now, &k);
	return e != CAPNET_OK ? e : capnet_tcp_set_keepalive(k->u.tcp, on, idle, interval, probes, now);
}

capnet_err capnet_tcpcap_set_user_timeout(struct capnet_cspace *cs, capnet_handle h, capnet_duration t,
					  capnet_instant now)
{
	struct cap_sock *k;
	capnet_err e = act_on_sock(cs, h, CAPNET_RIGHT_CONFIGURE, false, now, &k);
	return e != CAPNET_OK ? e : capnet_tcp_set_user_timeout(k->u.tcp, t, now);
}

capnet_err capnet_tcpcap_set_connect_timeout(struct capnet_cspace *cs, capnet_handle h, capnet_duration t,
					     capnet_instant now)
{
	struct cap_sock *k;
	capnet_err e = act_on_sock(cs, h, CAPNET_RIGHT_CONFIGURE, false, now, &k);
	return e != CAPNET_OK ? e : capnet_tcp_set_connect_timeout(k->u.tcp, t, now);
}

/* A TcpSocket or a TcpListener, with `rights`. */
static capnet_err use_any(struct capnet_cspace *cs, capnet_handle h, uint32_t rights, struct capnet_cap_info *info,
			  struct cap_sock **k)
{
	capnet_err e = capnet_cap_check(cs, h, CAPNET_CAP_NONE, 0, NULL, info);
	if (e != CAPNET_OK)
		return e;
	if (info->type != CAPNET_CAP_TCP_SOCKET && info->type != CAPNET_CAP_TCP_LISTENER)
		return cap_reject(cs->sys, cs, CAPNET_E_WRONGTYPE, CAPNET_CAP_TCP_SOCKET);
	if ((info->rights & rights) != rights)
		return cap_reject(cs->sys, cs, CAPNET_E_RIGHTS, (enum capnet_cap_type)info->type);
	return tcp_sock(cs, info, k);
}

capnet_err capnet_tcpcap_events(struct capnet_cspace *cs, capnet_handle h, unsigned *events)
{
	struct capnet_cap_info info;
	struct cap_sock *k;
	capnet_err e = use_any(cs, h, 0, &info, &k);
	if (e != CAPNET_OK)
		return e;
	if (events == NULL)
		return CAPNET_E_INVAL;
	*events = capnet_tcp_events(k->u.tcp);
	return CAPNET_OK;
}

capnet_err capnet_tcpcap_close(struct capnet_cspace *cs, capnet_handle h, capnet_instant now)
{
	struct capnet_sockets *s = cs != NULL ? cs->sys->socks : NULL;
	capnet_err e = capnet_cap_close(cs, h);
	if (e == CAPNET_OK && s != NULL)
		sockets_flush(s, now);
	return e;
}

capnet_err capnet_tcpcap_status(struct capnet_cspace *cs, capnet_handle h, capnet_handle *view)
{
	struct capnet_cap_info info;
	struct cap_sock *k;
	capnet_err e = use_any(cs, h, CAPNET_RIGHT_READ, &info, &k);
	if (e != CAPNET_OK)
		return e;
	if (view == NULL)
		return CAPNET_E_INVAL;
	/* A view names the socket but does not own or hold it; it carries the
	 * socket's generation so that it sees the socket's end. */
	struct capnet_cap_mint_args a = {info.type,
					 CAPNET_RIGHT_READ,
					 NULL,
					 CAPNET_CAP_TRANSPORT_STATUS,
					 sock_rights(CAPNET_CAP_TRANSPORT_STATUS, info.rights),
					 NULL,
					 k,
					 NULL};
	if ((e = capnet_cap_mint(cs, h, &a, view)) != CAPNET_OK)
		return e;
	struct cap_node *nd;
	if (capsys_check_node(cs, *view, CAPNET_CAP_TRANSPORT_STATUS, 0, NULL, NULL, &nd) == CAPNET_OK)
		nd->aux = k->gen;
	return CAPNET_OK;
}

capnet_err capnet_transport_status(struct capnet_cspace *cs, capnet_handle view, struct capnet_transport_status *out)
{
	struct capnet_cap_info info;
	struct cap_node *nd;
	capnet_err e = capsys_check_node(cs, view, CAPNET_CAP_TRANSPORT_STATUS, CAPNET_RIGHT_READ, NULL, &info, &nd);
	if (e != CAPNET_OK)
		return e;
	if (out == NULL)
		return CAPNET_E_INVAL;
	struct cap_sock *k = sock_of(cs->sys, info.obj);
	if (k == NULL || k->kind == SOCK_UDP || k->gen != (uint16_t)nd->aux || k->closing)
		return CAPNET_E_CLOSED;
	memset(out, 0, sizeof *out);
	if ((e = capnet_tcp_info(k->u.tcp, &out->tcp)) != CAPNET_OK)
		return e;
	out->events = capnet_tcp_events(k->u.tcp);
	out->parked = sock_parked(k);
	out->owner_cspace = k->owner_cs;
	out->authority = (enum capnet_cap_type)k->authority;
	return CAPNET_OK;
}
