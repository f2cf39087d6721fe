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

/* Lower is taken first; 0 never. */
static int admit_rank(uint8_t kind, bool confirmed)
{
	switch (kind) {
	case CAPNET_NEIGH_KIND_FREE:
		return 1;
	case CAPNET_NEIGH_KIND_FAILED:
		return 2;
	case CAPNET_NEIGH_KIND_INCOMPLETE:
		return 3;
	case CAPNET_NEIGH_KIND_REACHABLE:
		return confirmed ? 4 : 0;
	default:
		return 0;
	}
}

size_t capnet_neigh_admit(const void *cache, size_t n, capnet_neigh_describe_fn describe, bool confirmed)
{
	size_t best = n;
	int best_rank = 0;
	capnet_instant best_key = 0;
	for (size_t i = 0; i < n; i++) {
		struct capnet_neigh_candidate c = {0};
		describe(cache, i, &c);
		int r = admit_rank(c.kind, confirmed);
		if (r == 0)
			continue;
		if (r == 1)
			return i;
		if (best == n || r < best_rank || (r == best_rank && c.key < best_key)) {
			best = i;
			best_rank = r;
			best_key = c.key;
		}
	}
	return best;
}
