/* UDP served through caps: a UdpSocket authority (a local port range and a
 * remote scope, minted by the NetworkManager) binds one port and becomes a
 * UdpSocket that may send to, and hears from, only peers in its scope.
 * The socket takes both families when the interface has IPv6. A remote
 * scope is an IPv4 prefix: an IPv6 peer is within it only when the scope
 * names no prefix (any destination) and the port is in range. */
#include <string.h>

#include "cap/capsys_internal.h"

static capnet_err use_udp(struct capnet_cspace *cs, capnet_handle h, uint32_t rights,
			  const struct capnet_scope_req *req, struct cap_sock **out)
{
	struct capnet_cap_info info;
	capnet_err e = capnet_cap_check(cs, h, CAPNET_CAP_UDP_SOCKET, rights, req, &info);
	if (e != CAPNET_OK)
		return e;
	struct cap_sock *k = sock_of(cs->sys, info.obj);
	if (k == NULL || k->kind != SOCK_UDP)
		return CAPNET_E_STATE; /* an unbound authority: bind first */
	*out = k;
	return CAPNET_OK;
}

capnet_err capnet_udpcap_bind(struct capnet_cspace *cs, capnet_handle authority, uint16_t port, capnet_handle *sock)
{
	struct capnet_scope_req req = {CAPNET_SCOPE_REQ_LOCAL, port, 0, 0};
	struct capnet_cap_info info;
	capnet_err e = capnet_cap_check(cs, authority, CAPNET_CAP_UDP_SOCKET, CAPNET_RIGHT_BIND, &req, &info);
	if (e != CAPNET_OK)
		return e;
	if (sock == NULL || port == 0)
		return CAPNET_E_INVAL;
	const struct capnet_net *net = sock_of(cs->sys, info.obj) == NULL ? info.obj : NULL;
	struct capnet_sockets *s = cs->sys->socks;
	if (net == NULL)
		return CAPNET_E_STATE; /* already a bound socket */
	if (net->udp == NULL || s == NULL || net->socks != s)
		return CAPNET_E_NOTCONFIGURED;
	if (s->sock_free == UINT32_MAX || !capsys_can_place(cs))
		return CAPNET_E_NOMEM;
	struct capnet_udp_socket *u;
	if ((e = capnet_udp_open(net->udp, &u)) != CAPNET_OK)
		return e;
	if ((e = capnet_udp_bind_addr(u, NULL, port)) != CAPNET_OK) {
		capnet_udp_close(u);
		return e;
	}
	struct cap_sock *k = sock_alloc(s, SOCK_UDP, capnet_cspace_id(cs), CAPNET_CAP_UDP_SOCKET);
	k->u.udp = u;
	k->scope = info.scope;
	struct capnet_scope scope = info.scope;
	scope.local_lo = scope.local_hi = port;
	/* A bound socket binds nothing more. */
	uint32_t rights = sock_rights(CAPNET_CAP_UDP_SOCKET, info.rights) & ~CAPNET_RIGHT_BIND;
	struct capnet_cap_mint_args a = {CAPNET_CAP_UDP_SOCKET, 0, NULL, CAPNET_CAP_UDP_SOCKET, rights, &scope, k,
					 &capnet_sock_ops};
	if ((e = capnet_cap_mint(cs, authority, &a, sock)) != CAPNET_OK) {
		capnet_udp_close(u);
		sock_unalloc(s, k);
		return e;
	}
	sock_watch(k);
	return CAPNET_OK;
}

/* Whether the scope covers peer (a, port), either family. */
static bool scope_allows_peer(const struct capnet_scope *sc, const struct capnet_ipaddr *a, uint16_t port)
{
	if (a->af == CAPNET_AF_INET) {
		struct capnet_scope_req req = {CAPNET_SCOPE_REQ_REMOTE, 0, a->u.v4, port};
		return capnet_scope_allows(sc, &req);
	}
	return a->af == CAPNET_AF_INET6 && sc->remote_prefix == 0 && port >= sc->remote_lo && port <= sc->remote_hi;
}

capnet_err capnet_udpcap_send_to_addr(struct capnet_cspace *cs, capnet_handle sock, const struct capnet_ipaddr *dst,
				      uint16_t port, const void *data, size_t len, capnet_instant now)
{
	if (dst != NULL && dst->af == CAPNET_AF_INET)
		return capnet_udpcap_send_to(cs, sock, dst->u.v4, port, data, len, now);
	struct cap_sock *k;
	capnet_err e = use_udp(cs, sock, CAPNET_RIGHT_SEND, NULL, &k);
	if (e != CAPNET_OK)
		return e;
	if (dst == NULL || dst->af != CAPNET_AF_INET6 || capnet_ipaddr_is_unspecified(dst) || port == 0)
		return CAPNET_E_INVAL; /* no implicit peer through a cap */
	if (!scope_allows_peer(&k->scope, dst, port))
		return CAPNET_E_SCOPE;
	sock_touch(k);
	return capnet_udp_send_to_addr(k->u.udp, dst, port, data, len, now);
}

capnet_err capnet_udpcap_send_to(struct capnet_cspace *cs, capnet_handle sock, capnet_ip4addr dst, uint16_t port,
				 const void *data, size_t len, capnet_instant now)
{
	struct capnet_scope_req req = {CAPNET_SCOPE_REQ_REMOTE, 0, dst, port};
	struct cap_sock *k;
	capnet_err e = use_udp(cs, sock, CAPNET_RIGHT_SEND, &req, &k);
	if (e != CAPNET_OK)
		return e;
	if (dst == 0 || port == 0)
		return CAPNET_E_INVAL; /* no implicit peer through a cap */
	sock_touch(k);
	return capnet_udp_send_to(k->u.udp, dst, port, data, len, now);
}

capnet_err capnet_udpcap_recv_from(struct capnet_cspace *cs, capnet_handle sock, void *buf, size_t cap, size_t *len,
				   struct capnet_udp_meta *meta)
{
	struct cap_sock *k;
	capnet_err e = use_udp(cs, sock, CAPNET_RIGHT_RECV, NULL, &k);
	if (e != CAPNET_OK)
		return e;
	struct capnet_udp_meta m;
	sock_touch(k);
	for (;;) {
		e = capnet_udp_recv_from(k->u.udp, buf, cap, len, &m);
		if (e != CAPNET_OK)
			return e;
		if (scope_allows_peer(&k->scope, &m.src_addr, m.src_port))
			break;
		/* Authority to hear a peer is part of the scope too. */
		k->scope_dropped++;
	}
	if (meta != NULL)
		*meta = m;
	return CAPNET_OK;
}

/* A read of the socket's state into `out`: any rights, and somewhere to put it. */
static capnet_err use_udp_out(struct capnet_cspace *cs, capnet_handle h, const void *out, struct cap_sock **k)
{
	capnet_err e = use_udp(cs, h, 0, NULL, k);
	if (e != CAPNET_OK)
		return e;
	return out != NULL ? CAPNET_OK : CAPNET_E_INVAL;
}

capnet_err capnet_udpcap_events(struct capnet_cspace *cs, capnet_handle sock, unsigned *events)
{
	struct cap_sock *k;
	capnet_err e = use_udp_out(cs, sock, events, &k);
	if (e == CAPNET_OK)
		*events = capnet_udp_events(k->u.udp);
	return e;
}

capnet_err capnet_udpcap_scope_dropped(struct capnet_cspace *cs, capnet_handle sock, uint64_t *dropped)
{
	struct cap_sock *k;
	capnet_err e = use_udp_out(cs, sock, dropped, &k);
	if (e == CAPNET_OK)
		*dropped = k->scope_dropped;
	return e;
}
