/* The route table: connected, default and (from DHCP option 121)
 * classless routes, chosen by longest prefix. Entries are family-neutral
 * (struct capnet_route); the IPv4 API here reads and writes their IPv4
 * view. */
#include "iface_internal.h"

static struct capnet_route from4(const struct capnet_ip4_route *r)
{
	return (struct capnet_route){capnet_ipaddr_from_ip4(r->dest), r->prefix_len,
				     capnet_ipaddr_from_ip4(r->gateway), r->provenance};
}

static struct capnet_ip4_route to4(const struct capnet_route *r)
{
	return (struct capnet_ip4_route){r->dest.u.v4, r->prefix_len, r->gateway.u.v4, r->provenance};
}

static bool is4(const struct capnet_route_slot *s)
{
	return s->in_use && s->r.dest.af == CAPNET_AF_INET;
}

bool capnet_route_same_dest4(const struct capnet_route *r, const struct capnet_ip4_route *r4)
{
	return r->dest.af == CAPNET_AF_INET && r->prefix_len == r4->prefix_len &&
	       (r->dest.u.v4 & capnet_ip4_mask(r->prefix_len)) == (r4->dest & capnet_ip4_mask(r4->prefix_len));
}

capnet_err capnet_route_insert(struct capnet_iface *ifc, const struct capnet_ip4_route *r, bool from_config)
{
	if (r->prefix_len > 32)
		return CAPNET_E_INVAL;
	struct capnet_route norm = from4(r);
	norm.dest.u.v4 &= capnet_ip4_mask(r->prefix_len);
	struct capnet_route_slot *free_slot = NULL;
	for (uint8_t i = 0; i < ifc->cfg.max_routes; i++) {
		struct capnet_route_slot *s = &ifc->routes[i];
		if (!s->in_use) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (capnet_ipaddr_eq(&s->r.dest, &norm.dest) && s->r.prefix_len == norm.prefix_len) {
			s->r = norm;
			s->from_config = from_config;
			return CAPNET_OK;
		}
	}
	if (!free_slot)
		return CAPNET_E_NOMEM;
	free_slot->in_use = true;
	free_slot->from_config = from_config;
	free_slot->r = norm;
	return CAPNET_OK;
}

capnet_err capnet_iface_route_add(struct capnet_iface *ifc, const struct capnet_ip4_route *r)
{
	return capnet_route_insert(ifc, r, false);
}

void capnet_iface_route_flush(struct capnet_iface *ifc, enum capnet_provenance p)
{
	for (uint8_t i = 0; i < ifc->cfg.max_routes; i++)
		if (ifc->routes[i].in_use && ifc->routes[i].r.provenance == p)
			ifc->routes[i].in_use = false;
}

void capnet_route_remove_config(struct capnet_iface *ifc)
{
	for (uint8_t i = 0; i < ifc->cfg.max_routes; i++)
		if (ifc->routes[i].from_config)
			ifc->routes[i].in_use = ifc->routes[i].from_config = false;
}

size_t capnet_iface_routes(const struct capnet_iface *ifc, struct capnet_ip4_route *out, size_t max)
{
	size_t n = 0;
	for (uint8_t i = 0; i < ifc->cfg.max_routes; i++) {
		if (!is4(&ifc->routes[i]))
			continue;
		if (n < max)
			out[n] = to4(&ifc->routes[i].r);
		n++;
	}
	return n;
}

size_t capnet_iface_route_entries(const struct capnet_iface *ifc, struct capnet_route *out, size_t max)
{
	size_t n = 0;
	for (uint8_t i = 0; i < ifc->cfg.max_routes; i++) {
		if (!ifc->routes[i].in_use)
			continue;
		if (n < max)
			out[n] = ifc->routes[i].r;
		n++;
	}
	return n;
}

capnet_err capnet_iface_route_lookup(const struct capnet_iface *ifc, capnet_ip4addr dst, capnet_ip4addr *next_hop)
{
	const struct capnet_route *best = NULL;
	for (uint8_t i = 0; i < ifc->cfg.max_routes; i++) {
		const struct capnet_route_slot *s = &ifc->routes[i];
		if (!is4(s) || (dst & capnet_ip4_mask(s->r.prefix_len)) != s->r.dest.u.v4)
			continue;
		if (!best || s->r.prefix_len > best->prefix_len)
			best = &s->r;
	}
	if (!best)
		return CAPNET_E_NOROUTE;
	*next_hop = best->gateway.u.v4 ? best->gateway.u.v4 : dst;
	return CAPNET_OK;
}

bool capnet_iface_is_local(const struct capnet_iface *ifc, capnet_ip4addr a)
{
	return ifc->ip4.addr != 0 && a == ifc->ip4.addr;
}

bool capnet_iface_is_broadcast(const struct capnet_iface *ifc, capnet_ip4addr a)
{
	if (a == CAPNET_IP4_BROADCAST)
		return true;
	if (ifc->ip4.addr == 0 || ifc->ip4.prefix_len >= 31)
		return false;
	capnet_ip4addr mask = capnet_ip4_mask(ifc->ip4.prefix_len);
	return (a & mask) == (ifc->ip4.addr & mask) && (a & ~mask) == ~mask;
}
