/* The interface the ingress-level fuzzers drive: a nic with the target's
 * ops and MAC (MTU 1500), a seeded generator and an arena over the
 * target's static memory, all living in the caller's frame for one input.
 * The nic's dev is the nic itself. */
#ifndef CAPNET_FUZZ_IFACE_H
#define CAPNET_FUZZ_IFACE_H

#include "capnet/iface.h"
#include "capnet/nic_null.h"
#include "capnet/wire/bytes.h"
#include "fuzz_assert.h"

struct fuzz_iface {
	struct capnet_nic nic;
	struct capnet_xoshiro x;
	struct capnet_arena a; /* what is left of it serves the target's other layers */
	struct capnet_iface *ifc;
};

/* A transmit that checks every frame the stack sends is a legal Ethernet
 * frame (60 bytes padded up to the MTU plus a tagged header) from the
 * nic's own MAC; dev is the nic (fuzz_iface_open sets it so). */
static inline capnet_err fuzz_checked_transmit(void *dev, const uint8_t *frame, size_t len)
{
	const struct capnet_nic *nic = dev;
	FUZZ_CHECK(len >= 60 && len <= (size_t)nic->mtu + 18);
	FUZZ_CHECK(memcmp(frame + 6, nic->mac.b, 6) == 0);
	return CAPNET_OK;
}

static inline void fuzz_iface_open(struct fuzz_iface *f, const struct capnet_nic_ops *ops, struct capnet_mac mac,
				   uint64_t seed, uint8_t *mem, size_t size)
{
	f->nic = (struct capnet_nic){ops, &f->nic, mac, 1500};
	capnet_xoshiro_seed(&f->x, seed);
	capnet_arena_init(&f->a, mem, size);
	FUZZ_CHECK(capnet_iface_create(&f->a, NULL, &f->nic, capnet_xoshiro_rng(&f->x), &f->ifc) == CAPNET_OK);
}

/* The next record of a fuzz input at *off: a flags byte, a 16-bit length,
 * then that many bytes (cut to what is left and to cap) copied into buf.
 * False when fewer than three bytes are left. */
static inline bool fuzz_next_record(const uint8_t *data, size_t size, size_t *off, uint8_t *flags, uint8_t *buf,
				    size_t cap, size_t *len)
{
	if (*off + 3 > size)
		return false;
	*flags = data[*off];
	size_t n = capnet_get16(data + *off + 1);
	*off += 3;
	if (n > size - *off)
		n = size - *off;
	if (n > cap)
		n = cap;
	memcpy(buf, data + *off, n);
	*off += n;
	*len = n;
	return true;
}

#endif
