/* The neighbour cache interface: one cache per IP family, reached through
 * its ops (capnet/neigh.h). */
#include "capnet/neigh.h"
#include "iface_internal.h"

const struct capnet_neigh_ops *capnet_iface_neigh(const struct capnet_iface *ifc, uint8_t family)
{
	switch (family) {
	case CAPNET_AF_INET:
		return ifc->neigh[IFACE_NEIGH_INET];
	case CAPNET_AF_INET6:
		return ifc->neigh[IFACE_NEIGH_INET6];
	default:
		return NULL;
	}
}

capnet_err capnet_neigh_resolve(struct capnet_iface *ifc, const struct capnet_ipaddr *a, capnet_instant now)
{
	const struct capnet_neigh_ops *n = capnet_iface_neigh(ifc, a->af);
	return n ? n->resolve(ifc, a, now) : CAPNET_E_UNSUPPORTED;
}

capnet_err capnet_neigh_lookup(const struct capnet_iface *ifc, const struct capnet_ipaddr *a, struct capnet_mac *mac)
{
	const struct capnet_neigh_ops *n = capnet_iface_neigh(ifc, a->af);
	return n ? n->lookup(ifc, a, mac) : CAPNET_E_UNSUPPORTED;
}

capnet_err capnet_neigh_add_static(struct capnet_iface *ifc, const struct capnet_ipaddr *a, struct capnet_mac mac)
{
	const struct capnet_neigh_ops *n = capnet_iface_neigh(ifc, a->af);
	return n ? n->add_static(ifc, a, mac) : CAPNET_E_UNSUPPORTED;
}

size_t capnet_neigh_entries(const struct capnet_iface *ifc, uint8_t family, struct capnet_neigh_entry *out,
			    size_t max)
{
	const struct capnet_neigh_ops *n = capnet_iface_neigh(ifc, family);
	return n ? n->entries(ifc, out, max) : 0;
}

capnet_instant capnet_iface_neigh_poll(struct capnet_iface *ifc, capnet_instant now)
{
	capnet_instant next = CAPNET_INSTANT_NEVER;
	for (int i = 0; i < IFACE_NEIGH_FAMILIES; i++)
		if (ifc->neigh[i])
			next = capnet_instant_min(next, ifc->neigh[i]->poll(ifc, now));
	return next;
}
