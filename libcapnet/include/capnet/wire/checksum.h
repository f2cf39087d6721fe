/* The Internet checksum (RFC 1071) and its incremental update (RFC 1624). */
#ifndef CAPNET_WIRE_CHECKSUM_H
#define CAPNET_WIRE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of `len` bytes folded to 16 bits, NOT complemented,
 * in host order, seeded with `initial` (a previous partial sum). Odd lengths
 * are padded with a zero byte as RFC 1071 says. Accumulates 64 bits at a
 * time. */
uint16_t capnet_csum_partial(const void *data, size_t len, uint32_t initial);

/* Copies `len` bytes from src to dst (which must not overlap) and returns
 * what capnet_csum_partial(src, len, initial) would: one pass over the data
 * where a copy and a checksum would take two. The TCP paths use it where
 * payload is copied anyway (into a frame, into the receive ring). */
uint16_t capnet_csum_copy(void *dst, const void *src, size_t len, uint32_t initial);

/* Adds the partial sum `part` of bytes that start `offset` bytes into the
 * summed region to `sum` (a region summed in pieces, e.g. a ring that
 * wraps: a piece at an odd offset is byte-swapped first). */
uint16_t capnet_csum_add_at(uint32_t sum, uint16_t part, size_t offset);

/* Complemented checksum ready to store (host order value; store big-endian). */
static inline uint16_t capnet_csum_finish(uint32_t partial)
{
	while (partial >> 16)
		partial = (partial & 0xffff) + (partial >> 16);
	return (uint16_t)~partial;
}

/* Checksum of a buffer: capnet_csum_finish(capnet_csum_partial(...)). A
 * buffer that includes a correct checksum field yields 0. */
uint16_t capnet_csum(const void *data, size_t len);

/* Partial sum of the IPv4 pseudo-header for TCP/UDP (RFC 793/768). */
uint32_t capnet_csum_pseudo4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len);

/* Partial sum of the IPv6 pseudo-header (RFC 8200 section 8.1). */
uint32_t capnet_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header, uint32_t l4_len);

/* RFC 1624 eqn. 3: new checksum after a 16-bit field changed from old to new. */
uint16_t capnet_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val);
/* The same for a 32-bit field (two 16-bit halves), e.g. an address. */
uint16_t capnet_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

#endif
