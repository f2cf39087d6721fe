/* NetworkManager: the authority over one interface's configuration and the
 * source of every narrower network authority. It never serves sockets
 * itself; it mints the caps that do (TcpListenAuthority, UdpSocket, ...),
 * each within the NetworkManager cap's own scope. */
#include "cap/capsys_internal.h"

#define NM_RIGHTS (CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE | CAPNET_RIGHT_MINT | CAPNET_RIGHT_GRANT)

capnet_err capnet_netmgr_create_root(struct capnet_cspace *cs, struct capnet_net *net, capnet_handle *out)
{
	if (net == NULL || net->iface == NULL)
		return CAPNET_E_INVAL;
	return capnet_cap_mint_root(cs, CAPNET_CAP_NETWORK_MANAGER, NM_RIGHTS, NULL, net, NULL, out);
}

/* capsys_gate for a NetworkManager: the network it serves in *net. */
static capnet_err nm_check(struct capnet_cspace *cs, capnet_handle nm, uint32_t rights, bool args,
			   struct capnet_net **net)
{
	void *obj = NULL;
	capnet_err e = capsys_gate(cs, nm, CAPNET_CAP_NETWORK_MANAGER, rights, args, &obj);
	*net = obj;
	return e;
}

capnet_err capnet_netmgr_get_config(struct capnet_cspace *cs, capnet_handle nm, struct capnet_netmgr_config *out)
{
	struct capnet_net *net;
	capnet_err e = nm_check(cs, nm, CAPNET_RIGHT_READ, out != NULL, &net);
	if (e != CAPNET_OK)
		return e;
	capnet_iface_get_ip4(net->iface, &out->ip4);
	if (net->ip4cfg != NULL)
		capnet_ip4cfg_get(net->ip4cfg, &out->view);
	else
		out->view = (struct capnet_ip4cfg_view){0};
	out->link_up = net->nic == NULL || net->nic->ops->link_up == NULL || net->nic->ops->link_up(net->nic->dev);
	out->mac = capnet_iface_mac(net->iface);
	out->mtu = capnet_iface_mtu(net->iface);
	out->mtu_source = capnet_iface_mtu_source(net->iface);
	return CAPNET_OK;
}

/* Static values are a layer of the configuration (capnet/ip4_config.h):
 * they take part in the same per-value merge as a lease, so what the
 * operator sets wins value by value and what it leaves unset still comes
 * from DHCP. A layer the merge refuses is put back as it was. */
static capnet_err put_static(struct capnet_net *net, const struct capnet_ip4cfg_layer *want, capnet_instant now)
{
	if (net->ip4cfg == NULL)
		return CAPNET_E_NOTCONFIGURED;
	struct capnet_ip4cfg_layer *l = capnet_ip4cfg_layer(net->ip4cfg, CAPNET_PROV_STATIC);
	struct capnet_ip4cfg_layer before = *l;
	*l = *want;
	capnet_err e = capnet_ip4cfg_commit(net->ip4cfg, now);
	if (e == CAPNET_E_INVAL) {
		*l = before;
		capnet_ip4cfg_commit(net->ip4cfg, now);
	}
	if (net->tcp != NULL)
		capnet_tcp_mtu_sync(net->tcp); /* a new MTU applies at once */
	return e;
}

/* For a call that changes some static values: the gate (CONFIGURE and
 * the call's arguments), then the static layer as it stands in *l. */
static capnet_err static_layer(struct capnet_cspace *cs, capnet_handle nm, bool args, struct capnet_net **net,
			       struct capnet_ip4cfg_layer *l)
{
	capnet_err e = nm_check(cs, nm, CAPNET_RIGHT_CONFIGURE, args, net);
	if (e != CAPNET_OK)
		return e;
	if ((*net)->ip4cfg == NULL)
		return CAPNET_E_NOTCONFIGURED;
	*l = *capnet_ip4cfg_layer((*net)->ip4cfg, CAPNET_PROV_STATIC);
	return CAPNET_OK;
}

capnet_err capnet_netmgr_set_static(struct capnet_cspace *cs, capnet_handle nm, capnet_ip4addr addr,
				    uint8_t prefix_len, capnet_ip4addr gateway, capnet_instant now)
{
	struct capnet_net *net;
	struct capnet_ip4cfg_layer l;
	capnet_err e = static_layer(cs, nm, prefix_len <= 32, &net, &l);
	if (e != CAPNET_OK)
		return e;
	l.addr = addr;
	l.prefix_len = addr != 0 ? prefix_len : 0;
	l.gateway = gateway;
	return put_static(net, &l, now);
}

capnet_err capnet_netmgr_set_static6(struct capnet_cspace *cs, capnet_handle nm, const struct capnet_ip6addr *addr,
				     uint8_t prefix_len, const struct capnet_ip6addr *gateway, capnet_instant now)
{
	struct capnet_net *net;
	capnet_err e = nm_check(cs, nm, CAPNET_RIGHT_CONFIGURE, prefix_len <= 128, &net);
	if (e != CAPNET_OK)
		return e;
	if (!capnet_ip6_enabled(net->iface))
		return CAPNET_E_NOTCONFIGURED;
	bool set = addr != NULL && !capnet_ipaddr_is_unspecified(&(struct capnet_ipaddr){.af = CAPNET_AF_INET6,
											 .u.v6 = *addr});
	if (set && addr->b[0] == 0xff)
		return CAPNET_E_INVAL;
	capnet_ip6_addr_flush(net->iface, CAPNET_PROV_STATIC);
	if (set && (e = capnet_ip6_addr_add(net->iface, addr, prefix_len, CAPNET_PROV_STATIC, now)) != CAPNET_OK)
		return e;
	return capnet_ip6_set_static_router(net->iface, gateway);
}

capnet_err capnet_netmgr_set_static_config(struct capnet_cspace *cs, capnet_handle nm,
					   const struct capnet_ip4cfg_layer *layer, capnet_instant now)
{
	struct capnet_net *net;
	capnet_err e = nm_check(cs, nm, CAPNET_RIGHT_CONFIGURE, layer != NULL, &net);
	return e != CAPNET_OK ? e : put_static(net, layer, now);
}

capnet_err capnet_netmgr_set_mtu(struct capnet_cspace *cs, capnet_handle nm, uint16_t mtu, capnet_instant now)
{
	struct capnet_net *net;
	struct capnet_ip4cfg_layer l;
	capnet_err e = static_layer(cs, nm, true, &net, &l);
	if (e != CAPNET_OK)
		return e;
	l.mtu = mtu;
	return put_static(net, &l, now);
}

capnet_err capnet_netmgr_clear_static(struct capnet_cspace *cs, capnet_handle nm, capnet_instant now)
{
	static const struct capnet_ip4cfg_layer none;
	return capnet_netmgr_set_static_config(cs, nm, &none, now);
}

/* Every authority minted here serves the same network object as its
 * NetworkManager and owns nothing: revoking it needs no release. */
static capnet_err nm_mint(struct capnet_cspace *cs, capnet_handle nm, enum capnet_cap_type type, uint32_t rights,
			  const struct capnet_scope *scope, capnet_handle *out)
{
	struct capnet_net *net;
	capnet_err e = nm_check(cs, nm, CAPNET_RIGHT_MINT, true, &net);
	if (e != CAPNET_OK)
		return e;
	struct capnet_cap_mint_args a = {CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_MINT, NULL, type, rights, scope,
					 net, NULL};
	return capnet_cap_mint(cs, nm, &a, out);
}

capnet_err capnet_netmgr_mint_status(struct capnet_cspace *cs, capnet_handle nm, capnet_handle *out)
{
	return nm_mint(cs, nm, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_READ | CAPNET_RIGHT_GRANT, NULL, out);
}

capnet_err capnet_netmgr_mint_listen_authority(struct capnet_cspace *cs, capnet_handle nm, uint16_t port_lo,
					       uint16_t port_hi, capnet_handle *out)
{
	struct capnet_scope s = capnet_scope_local(port_lo, port_hi);
	return nm_mint(cs, nm, CAPNET_CAP_TCP_LISTEN_AUTHORITY, CAPNET_RIGHT_BIND | CAPNET_RIGHT_GRANT, &s, out);
}

capnet_err capnet_netmgr_mint_connect_authority(struct capnet_cspace *cs, capnet_handle nm, capnet_ip4addr dst,
						uint8_t prefix, uint16_t port_lo, uint16_t port_hi,
						capnet_handle *out)
{
	/* A host address with a prefix names its network (a prefix over 32
	 * makes an invalid scope: E_INVAL, after the handle is checked). */
	struct capnet_scope s = capnet_scope_remote(dst & capnet_ip4_mask(prefix), prefix, port_lo, port_hi);
	return nm_mint(cs, nm, CAPNET_CAP_TCP_CONNECT_AUTHORITY, CAPNET_RIGHT_CONNECT | CAPNET_RIGHT_GRANT, &s, out);
}

capnet_err capnet_netmgr_mint_udp(struct capnet_cspace *cs, capnet_handle nm, uint16_t port_lo, uint16_t port_hi,
				  const struct capnet_scope *remote, capnet_handle *out)
{
	struct capnet_scope s = capnet_scope_local(port_lo, port_hi);
	if (remote != NULL) {
		s.remote_addr = remote->remote_addr;
		s.remote_prefix = remote->remote_prefix;
		s.remote_lo = remote->remote_lo;
		s.remote_hi = remote->remote_hi;
	}
	return nm_mint(cs, nm, CAPNET_CAP_UDP_SOCKET, capnet_cap_type_rights(CAPNET_CAP_UDP_SOCKET), &s, out);
}

capnet_err capnet_netmgr_mint_trace(struct capnet_cspace *cs, capnet_handle nm, capnet_handle *out)
{
	return nm_mint(cs, nm, CAPNET_CAP_PACKET_TRACE, capnet_cap_type_rights(CAPNET_CAP_PACKET_TRACE), NULL, out);
}

capnet_err capnet_netmgr_mint_timer(struct capnet_cspace *cs, capnet_handle nm, capnet_handle *out)
{
	return nm_mint(cs, nm, CAPNET_CAP_TIMER, capnet_cap_type_rights(CAPNET_CAP_TIMER), NULL, out);
}
