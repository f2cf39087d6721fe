/* Randomness is injected (DESIGN rule 2): ISNs, DHCP xids, DNS ids and
 * ephemeral ports all come from the generator the caller supplies. */
#ifndef CAPNET_RNG_H
#define CAPNET_RNG_H

#include <stdint.h>

struct capnet_rng {
	uint64_t (*next)(void *ctx);
	void *ctx;
};

static inline uint64_t capnet_rng_u64(const struct capnet_rng *r)
{
	return r->next(r->ctx);
}

static inline uint32_t capnet_rng_u32(const struct capnet_rng *r)
{
	return (uint32_t)(r->next(r->ctx) >> 32);
}

/* Uniform in [0, bound) by Lemire's multiply-shift; bound must be > 0. The
 * slight bias (< bound / 2^32) is irrelevant for jitter and port choice. */
static inline uint32_t capnet_rng_below(const struct capnet_rng *r, uint32_t bound)
{
	return (uint32_t)(((uint64_t)capnet_rng_u32(r) * bound) >> 32);
}

/* Uniform in [lo, hi] (a span beyond 2^32 is cut to 2^32 values): random
 * waits and jitter in microseconds. hi <= lo gives lo. */
static inline int64_t capnet_rng_between(const struct capnet_rng *r, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	uint64_t span = (uint64_t)(hi - lo) + 1;
	if (span > UINT32_MAX)
		span = UINT32_MAX;
	return lo + (int64_t)capnet_rng_below(r, (uint32_t)span);
}

/* The seeded generator used by the simulator and tests: xoshiro256**
 * (Blackman & Vigna, 2018), its state expanded from one 64-bit seed by
 * splitmix64 so that every seed, including 0, gives a usable state. It is
 * fast and statistically sound; it is not a cryptographic generator, so
 * hosted deployments use the getrandom()-backed generator instead. */
struct capnet_xoshiro {
	uint64_t s[4];
};

void capnet_xoshiro_seed(struct capnet_xoshiro *x, uint64_t seed);
uint64_t capnet_xoshiro_next(void *x);

static inline struct capnet_rng capnet_xoshiro_rng(struct capnet_xoshiro *x)
{
	struct capnet_rng r = {capnet_xoshiro_next, x};
	return r;
}

#endif
