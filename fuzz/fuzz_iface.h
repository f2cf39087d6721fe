/* The interface the ingress-level fuzzers drive: a nic with the target's
 * ops and MAC (MTU 1500), a seeded generator and an arena over the
 * target's static memory, all living in the caller's frame for one input. */
#ifndef CAPNET_FUZZ_IFACE_H
#define CAPNET_FUZZ_IFACE_H

#include "capnet/iface.h"
#include "fuzz_assert.h"

struct fuzz_iface {
	struct capnet_nic nic;
	struct capnet_xoshiro x;
	struct capnet_arena a; /* what is left of it serves the target's other layers */
	struct capnet_iface *ifc;
};

static inline void fuzz_iface_open(struct fuzz_iface *f, const struct capnet_nic_ops *ops, struct capnet_mac mac,
				   uint64_t seed, uint8_t *mem, size_t size)
{
	f->nic = (struct capnet_nic){ops, NULL, mac, 1500};
	capnet_xoshiro_seed(&f->x, seed);
	capnet_arena_init(&f->a, mem, size);
	FUZZ_CHECK(capnet_iface_create(&f->a, NULL, &f->nic, capnet_xoshiro_rng(&f->x), &f->ifc) == CAPNET_OK);
}

#endif
