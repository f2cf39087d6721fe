/* The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * The sum is taken 64 bits at a time in host byte order. That is sound
 * because the one's-complement sum is arithmetic modulo 2^16 - 1: 2^16 is 1
 * in that ring, so folding a wide accumulator down to 16 bits keeps its
 * value, and swapping the two bytes of a 16-bit word multiplies it by 2^8,
 * so the sum of byte-swapped words is the byte-swapped sum. A little-endian
 * host therefore sums natively and swaps once at the end (RFC 1071 1.2(B)). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "capnet/wire/checksum.h"

static inline bool host_is_little_endian(void)
{
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
	return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
#else
	const uint16_t one = 1;
	uint8_t first;
	memcpy(&first, &one, 1);
	return first == 1;
#endif
}

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 u128; /* quiet under -Wpedantic */
#endif

/* -ffreestanding implies -fno-builtin, which would turn memcpy into a call
 * per word; the builtin stays one unaligned load in every build. */
#if defined(__GNUC__) || defined(__clang__)
#define load_bytes __builtin_memcpy
#else
#define load_bytes memcpy
#endif

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	load_bytes(&v, p, sizeof v); /* any alignment */
	return v;
}

/* acc + v with the carry out added back in (end-around carry). Cannot
 * overflow twice: after a carry the sum is at most 2^64 - 2. */
static inline uint64_t add_carry64(uint64_t acc, uint64_t v)
{
	acc += v;
	return acc + (acc < v);
}

static inline uint32_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32); /* < 2^33 */
	s = (s & 0xffffffffu) + (s >> 32); /* < 2^32 + 1, fits after this */
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint32_t)s;
}

/* Sum of the buffer as native-order words, folded to 16 bits. */
static uint16_t sum_native(const uint8_t *p, size_t len)
{
	uint64_t acc = 0;

#ifdef __SIZEOF_INT128__
	/* Four independent loads per iteration into a 128-bit accumulator:
	 * the carries pile up in the high half and are folded once. 2^64
	 * additions would be needed to overflow it. */
	u128 wide = 0;
	while (len >= 32) {
		wide += (u128)load64(p) + load64(p + 8);
		wide += (u128)load64(p + 16) + load64(p + 24);
		p += 32;
		len -= 32;
	}
	acc = add_carry64((uint64_t)wide, (uint64_t)(wide >> 64));
#else
	while (len >= 32) {
		acc = add_carry64(acc, load64(p));
		acc = add_carry64(acc, load64(p + 8));
		acc = add_carry64(acc, load64(p + 16));
		acc = add_carry64(acc, load64(p + 24));
		p += 32;
		len -= 32;
	}
#endif
	while (len >= 8) {
		acc = add_carry64(acc, load64(p));
		p += 8;
		len -= 8;
	}
	if (len > 0) {
		/* The tail starts at an even offset, so zero-filling the rest of
		 * the word is exactly RFC 1071's odd-byte padding. */
		uint8_t tail[8] = {0};
		for (size_t i = 0; i < len; i++)
			tail[i] = p[i];
		acc = add_carry64(acc, load64(tail));
	}
	return (uint16_t)fold64(acc);
}

uint16_t capnet_csum_partial(const void *data, size_t len, uint32_t initial)
{
	uint16_t s = sum_native((const uint8_t *)data, len);
	if (host_is_little_endian())
		s = (uint16_t)(s << 8 | s >> 8);
	return (uint16_t)fold64((uint64_t)s + initial);
}

uint16_t capnet_csum(const void *data, size_t len)
{
	return capnet_csum_finish(capnet_csum_partial(data, len, 0));
}

uint32_t capnet_csum_pseudo4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len)
{
	uint64_t s = (uint64_t)(src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) + proto + l4_len;
	return fold64(s);
}

uint32_t capnet_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t next_header, uint32_t l4_len)
{
	uint64_t s = capnet_csum_partial(src, 16, 0);
	s += capnet_csum_partial(dst, 16, 0);
	s += (l4_len >> 16) + (l4_len & 0xffffu) + next_header;
	return fold64(s);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Unlike eqn. 2 it never turns a
 * correct checksum into the "negative zero" that a full recompute would not
 * produce. */
uint16_t capnet_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val)
{
	uint64_t s = (uint64_t)(uint16_t)~csum + (uint16_t)~old_val + new_val;
	return (uint16_t)~fold64(s);
}

uint16_t capnet_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
	csum = capnet_csum_update16(csum, (uint16_t)(old_val >> 16), (uint16_t)(new_val >> 16));
	return capnet_csum_update16(csum, (uint16_t)old_val, (uint16_t)new_val);
}
