/* The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * The sum is taken in host byte order, 64 bits at a time split into two
 * 32-bit halves (vector lanes where the compiler has them). That is sound
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

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE __attribute__((always_inline))
#else
#define ALWAYS_INLINE
#endif

static inline void store64(uint8_t *p, uint64_t v)
{
	load_bytes(p, &v, sizeof v); /* any alignment */
}

/* Adds each 64-bit word as its two 32-bit halves: 2^32 is 1 in the
 * one's-complement ring too, and the halves cannot carry out of a 64-bit
 * accumulator before 2^31 words. No carry chain, so the additions of
 * neighbouring words run in parallel. */
static inline uint64_t halves(uint64_t v)
{
	return (v & 0xffffffffu) + (v >> 32);
}

/* The bytes after the last whole 64-byte block: words, then a 4-, a 2-
 * and a 1-byte piece, each at an even offset. A native load of a piece is
 * its place in a native 64-bit word times a power of 2^16, which is 1 in
 * this ring, so it adds in as it is; the odd last byte is RFC 1071's
 * padded word: the low byte of a native 16-bit word on a little-endian
 * host, the high one on a big-endian host. `dst` NULL: sum only. */
static inline ALWAYS_INLINE uint64_t sum_rest(uint8_t *dst, const uint8_t *src, size_t len)
{
	uint64_t acc = 0;
	while (len >= 8) {
		uint64_t v = load64(src);
		if (dst) {
			store64(dst, v);
			dst += 8;
		}
		acc += halves(v);
		src += 8;
		len -= 8;
	}
	if (len >= 4) {
		uint32_t v;
		load_bytes(&v, src, 4);
		if (dst) {
			load_bytes(dst, &v, 4);
			dst += 4;
		}
		acc += v;
		src += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t v;
		load_bytes(&v, src, 2);
		if (dst) {
			load_bytes(dst, &v, 2);
			dst += 2;
		}
		acc += v;
		src += 2;
		len -= 2;
	}
	if (len > 0) {
		if (dst)
			dst[0] = src[0];
		acc += host_is_little_endian() ? src[0] : (uint32_t)src[0] << 8;
	}
	return acc; /* < 2^36 */
}

/* At most this many bytes go through the block loop between folds, so no
 * 64-bit lane can overflow (2^24 blocks, each adding < 2^33 to a lane). */
#define SUM_CHUNK ((size_t)1 << 30)

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__SSE2__) || defined(__ARM_NEON))
/* Two 64-bit lanes: SSE2 on x86-64, NEON on arm64. Builds without a vector
 * unit (the bare-metal kernel build turns SSE off) take the scalar loop. */
typedef uint64_t u64x2 __attribute__((vector_size(16)));

static inline u64x2 load128(const uint8_t *p)
{
	u64x2 v;
	load_bytes(&v, p, sizeof v);
	return v;
}

static inline u64x2 halves2(u64x2 v)
{
	const u64x2 low = {0xffffffffu, 0xffffffffu};
	return (v & low) + (v >> 32);
}

/* 64 bytes a step, four independent accumulators; with dst, each block is
 * stored as it is loaded (the copy and the sum in one pass). Inlined into
 * each caller so that `dst` is a constant there and the test leaves the
 * loop. */
static inline ALWAYS_INLINE uint64_t sum_blocks(uint8_t *dst, const uint8_t *src, size_t len)
{
	u64x2 a0 = {0, 0}, a1 = {0, 0}, a2 = {0, 0}, a3 = {0, 0};
	for (size_t i = 0; i + 64 <= len; i += 64) {
		u64x2 x0 = load128(src + i), x1 = load128(src + i + 16);
		u64x2 x2 = load128(src + i + 32), x3 = load128(src + i + 48);
		if (dst) {
			load_bytes(dst + i, &x0, 16);
			load_bytes(dst + i + 16, &x1, 16);
			load_bytes(dst + i + 32, &x2, 16);
			load_bytes(dst + i + 48, &x3, 16);
		}
		a0 += halves2(x0);
		a1 += halves2(x1);
		a2 += halves2(x2);
		a3 += halves2(x3);
	}
	a0 += a1 + a2 + a3; /* lanes < 2^59 */
	return a0[0] + a0[1];
}
#else
static inline ALWAYS_INLINE uint64_t sum_blocks(uint8_t *dst, const uint8_t *src, size_t len)
{
	uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	for (size_t i = 0; i + 64 <= len; i += 64) {
		for (size_t k = 0; k < 64; k += 32) {
			uint64_t x0 = load64(src + i + k), x1 = load64(src + i + k + 8);
			uint64_t x2 = load64(src + i + k + 16), x3 = load64(src + i + k + 24);
			if (dst) {
				store64(dst + i + k, x0);
				store64(dst + i + k + 8, x1);
				store64(dst + i + k + 16, x2);
				store64(dst + i + k + 24, x3);
			}
			a0 += halves(x0);
			a1 += halves(x1);
			a2 += halves(x2);
			a3 += halves(x3);
		}
	}
	return add_carry64(add_carry64(a0, a1), add_carry64(a2, a3));
}
#endif

/* Sum of the buffer as native-order words, folded to 16 bits; with dst,
 * the buffer is copied there in the same pass. */
static inline ALWAYS_INLINE uint16_t sum_native(uint8_t *dst, const uint8_t *src, size_t len)
{
	uint64_t acc = 0;
	while (len >= 64) {
		size_t n = len < SUM_CHUNK ? len & ~(size_t)63 : SUM_CHUNK;
		acc = add_carry64(acc, sum_blocks(dst, src, n));
		src += n;
		if (dst)
			dst += n;
		len -= n;
	}
	acc = add_carry64(acc, sum_rest(dst, src, len));
	return (uint16_t)fold64(acc);
}

uint16_t capnet_csum_partial(const void *data, size_t len, uint32_t initial)
{
	uint16_t s = sum_native(NULL, (const uint8_t *)data, len);
	if (host_is_little_endian())
		s = (uint16_t)(s << 8 | s >> 8);
	return (uint16_t)fold64((uint64_t)s + initial);
}

uint16_t capnet_csum_copy(void *dst, const void *src, size_t len, uint32_t initial)
{
	uint16_t s = sum_native((uint8_t *)dst, (const uint8_t *)src, len);
	if (host_is_little_endian())
		s = (uint16_t)(s << 8 | s >> 8);
	return (uint16_t)fold64((uint64_t)s + initial);
}

uint16_t capnet_csum_add_at(uint32_t sum, uint16_t part, size_t offset)
{
	/* A part that starts at an odd offset has its bytes in the other
	 * halves of the 16-bit words: swapping its sum puts them back
	 * (RFC 1071 1.2(B), byte-order independence). */
	if (offset & 1u)
		part = (uint16_t)(part << 8 | part >> 8);
	return (uint16_t)fold64((uint64_t)sum + part);
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
