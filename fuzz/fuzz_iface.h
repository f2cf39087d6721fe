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

/* fuzz_iface_open with an interface configuration (NULL: the defaults). */
static inline void fuzz_iface_open_cfg(struct fuzz_iface *f, const struct capnet_nic_ops *ops, struct capnet_mac mac,
				       uint64_t seed, uint8_t *mem, size_t size, const struct capnet_iface_config *cfg)
{
	f->nic = (struct capnet_nic){.ops = ops, .dev = &f->nic, .mac = mac, .mtu = 1500};
	capnet_xoshiro_seed(&f->x, seed);
	capnet_arena_init(&f->a, mem, size);
	FUZZ_CHECK(capnet_iface_create(&f->a, cfg, &f->nic, capnet_xoshiro_rng(&f->x), &f->ifc) == CAPNET_OK);
}

static inline void fuzz_iface_open(struct fuzz_iface *f, const struct capnet_nic_ops *ops, struct capnet_mac mac,
				   uint64_t seed, uint8_t *mem, size_t size)
{
	fuzz_iface_open_cfg(f, ops, mac, seed, mem, size, NULL);
}

/* The ingress fuzzers' input: the whole of it fed once as one frame, then a
 * run of frames each prefixed by a 2-byte big-endian length (cut to what is
 * left). After each frame whose first byte is odd, send(ifc, that byte, now)
 * makes the stack transmit something too; then the clock moves step times
 * the length's low three bits and the interface is polled. Returns the time
 * reached. */
static inline capnet_instant fuzz_iface_frames(struct capnet_iface *ifc, const uint8_t *data, size_t size,
					       capnet_instant now, capnet_duration step,
					       void (*send)(struct capnet_iface *ifc, uint8_t b, capnet_instant now))
{
	capnet_iface_input(ifc, data, size, now);
	size_t off = 0;
	while (off + 2 <= size) {
		size_t len = capnet_get16(data + off);
		off += 2;
		if (len > size - off)
			len = size - off;
		capnet_iface_input(ifc, data + off, len, now);
		if (len > 0 && (data[off] & 1))
			send(ifc, data[off], now);
		off += len;
		now += step * (capnet_duration)(len & 7);
		capnet_instant next = capnet_iface_poll(ifc, now);
		FUZZ_CHECK(next >= now);
	}
	return now;
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
