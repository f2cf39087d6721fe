/* The neighbour cache interface: how the interface learns the link-layer
 * address of an on-link next hop, whatever the IP family. ARP
 * (iface/ipv4/arp.c) implements it for IPv4; NDP will for IPv6 (RFC 4861),
 * behind the same operations. Egress and the interface's poll reach the
 * cache only through these; the family-specific API (capnet_arp_* in
 * capnet/iface.h) stays for callers that need ARP's details. */
#ifndef CAPNET_NEIGH_H
#define CAPNET_NEIGH_H

#include "capnet/err.h"
#include "capnet/iface.h"
#include "capnet/types.h"

/* One cache entry of any family. `state` is the implementation's own
 * (enum capnet_arp_state for ARP); its ops' state_name spells it. */
struct capnet_neigh_entry {
	struct capnet_ipaddr addr;
	struct capnet_mac mac;
	uint8_t state;
	capnet_instant expires; /* when it lapses, or the next retry while resolving */
	uint8_t requests;       /* solicitations sent for the current resolution */
	uint8_t pending;        /* frames waiting for resolution */
};

struct capnet_neigh_ops {
	uint8_t family; /* enum capnet_af */
	const char *name;
	/* Starts resolution (if needed) without queueing a frame: CAPNET_OK
	 * when already known, E_AGAIN while resolving. */
	capnet_err (*resolve)(struct capnet_iface *ifc, const struct capnet_ipaddr *a, capnet_instant now);
	/* CAPNET_OK with the MAC when usable; E_AGAIN while resolving;
	 * E_UNREACHABLE when resolution failed; E_NOTFOUND otherwise. */
	capnet_err (*lookup)(const struct capnet_iface *ifc, const struct capnet_ipaddr *a, struct capnet_mac *mac);
	capnet_err (*add_static)(struct capnet_iface *ifc, const struct capnet_ipaddr *a, struct capnet_mac mac);
	/* Copies up to `max` entries; returns how many exist. */
	size_t (*entries)(const struct capnet_iface *ifc, struct capnet_neigh_entry *out, size_t max);
	/* Holds a complete Ethernet frame (destination MAC still to fill)
	 * until `next_hop` resolves, starting resolution if needed; bounded. */
	capnet_err (*enqueue)(struct capnet_iface *ifc, const struct capnet_ipaddr *next_hop, const uint8_t *frame,
			      size_t len, capnet_instant now);
	/* Retransmissions and expiry; returns the next deadline. */
	capnet_instant (*poll)(struct capnet_iface *ifc, capnet_instant now);
	const char *(*state_name)(uint8_t state);
};

/* ---- admission: which entry a new neighbour may take ----
 *
 * A cache is a fixed array; when it is full a new neighbour must take an
 * entry from someone. Unsolicited traffic (a SYN flood from spoofed on-link
 * sources) creates unresolvable neighbours as fast as it likes, so the rule
 * is that what we merely hope to resolve never pushes out what we know:
 *
 *   - a free entry first;
 *   - then a FAILED one (it only remembers a failure), closest to lapsing;
 *   - then the oldest INCOMPLETE one, recycled (its waiting frames dropped):
 *     the newest attempt is likelier to be someone really there;
 *   - a REACHABLE entry only for a CONFIRMED newcomer (one that has just
 *     answered or asked for us), the one closest to lapsing; an INCOMPLETE
 *     newcomer never evicts it, however many arrive;
 *   - never a static entry.
 *
 * Each family's cache (ARP now, NDP later) describes its entries in these
 * terms and lets capnet_neigh_admit choose. */
enum capnet_neigh_kind {
	CAPNET_NEIGH_KIND_FREE = 0,
	CAPNET_NEIGH_KIND_FAILED,
	CAPNET_NEIGH_KIND_INCOMPLETE,
	CAPNET_NEIGH_KIND_REACHABLE, /* resolved and usable (STALE-in-use, for NDP, too) */
	CAPNET_NEIGH_KIND_PINNED,    /* static: never taken */
};

struct capnet_neigh_candidate {
	uint8_t kind;       /* enum capnet_neigh_kind */
	capnet_instant key; /* FAILED, REACHABLE: when it lapses; INCOMPLETE: when resolution began */
};

/* Fills *out for entry i of the cache. */
typedef void (*capnet_neigh_describe_fn)(const void *cache, size_t i, struct capnet_neigh_candidate *out);

/* The index of the entry a newcomer takes, by the rule above (ties: the
 * lowest index); n when none may be taken. `confirmed`: the newcomer's
 * link address is known (it will be REACHABLE), else it will be INCOMPLETE. */
size_t capnet_neigh_admit(const void *cache, size_t n, capnet_neigh_describe_fn describe, bool confirmed);

/* ARP's, attached to every interface when it is created. */
extern const struct capnet_neigh_ops capnet_arp_neigh_ops;

/* The cache for `family` (enum capnet_af); NULL when there is none. */
const struct capnet_neigh_ops *capnet_iface_neigh(const struct capnet_iface *ifc, uint8_t family);

/* The operations above for the address's family; E_UNSUPPORTED for a
 * family without a cache. */
capnet_err capnet_neigh_resolve(struct capnet_iface *ifc, const struct capnet_ipaddr *a, capnet_instant now);
capnet_err capnet_neigh_lookup(const struct capnet_iface *ifc, const struct capnet_ipaddr *a, struct capnet_mac *mac);
capnet_err capnet_neigh_add_static(struct capnet_iface *ifc, const struct capnet_ipaddr *a, struct capnet_mac mac);
/* 0 for a family without a cache. */
size_t capnet_neigh_entries(const struct capnet_iface *ifc, uint8_t family, struct capnet_neigh_entry *out,
			    size_t max);

#endif
