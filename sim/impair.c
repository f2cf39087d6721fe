/* One direction of a port's cable: loss, duplication, serialisation at a
 * bit rate, bit corruption, delay + jitter and reordering, each decided by
 * the direction's own seeded generator and counted. The order of the steps
 * and of the generator draws is fixed (see struct capnet_sim_impair), which
 * is what makes a run reproducible from its seed. */
#include <string.h>

#include "sim/sim_private.h"

static capnet_instant add_sat(capnet_instant t, capnet_duration d)
{
	if (d <= 0)
		return t;
	if (t > CAPNET_INSTANT_NEVER - d)
		return CAPNET_INSTANT_NEVER - 1;
	return t + d;
}

static capnet_duration nonneg(capnet_duration d)
{
	return d < 0 ? 0 : d;
}

void sim_link_init(struct sim_link *l, uint64_t seed, struct capnet_sim_link_stats *stats)
{
	memset(l, 0, sizeof *l);
	capnet_xoshiro_seed(&l->rng, seed);
	l->stats = stats;
}

void sim_link_configure(struct sim_link *l, const struct capnet_sim_impair *cfg)
{
	if (cfg == NULL) {
		memset(&l->cfg, 0, sizeof l->cfg);
		return;
	}
	l->cfg = *cfg;
	l->cfg.delay = nonneg(cfg->delay);
	l->cfg.jitter = nonneg(cfg->jitter);
	l->cfg.reorder_gap = nonneg(cfg->reorder_gap);
	l->cfg.rate_backlog = nonneg(cfg->rate_backlog);
}

/* Certain outcomes (0 and 100 %) draw nothing, so a perfect link consumes no
 * randomness and 100 % loss is exact. */
static bool chance(struct sim_link *l, uint32_t ppm)
{
	if (ppm == 0)
		return false;
	if (ppm >= CAPNET_SIM_PPM)
		return true;
	struct capnet_rng r = capnet_xoshiro_rng(&l->rng);
	return capnet_rng_below(&r, CAPNET_SIM_PPM) < ppm;
}

/* Uniform in [0, bound) for 64-bit bounds; the modulo bias (< bound / 2^64)
 * is irrelevant here. */
static uint64_t below64(struct sim_link *l, uint64_t bound)
{
	return capnet_xoshiro_next(&l->rng) % bound;
}

/* Time on the wire for len bytes at rate_bps, rounded up to a whole
 * microsecond so that back-to-back frames never overlap. */
static capnet_duration serialisation(size_t len, uint64_t rate_bps)
{
	uint64_t bits = (uint64_t)len * 8u;
	if (bits > UINT64_MAX / 1000000u)
		return CAPNET_S(3600);
	uint64_t us = (bits * 1000000u + rate_bps - 1) / rate_bps;
	return (capnet_duration)us;
}

int sim_link_offer(struct sim_link *l, capnet_instant now, size_t len, struct sim_link_copy out[SIM_LINK_MAX_COPIES])
{
	const struct capnet_sim_impair *c = &l->cfg;
	struct capnet_sim_link_stats *st = l->stats;

	st->frames_in++;
	if (chance(l, c->loss_ppm)) {
		st->lost++;
		return 0;
	}
	int copies = 1;
	if (chance(l, c->duplicate_ppm)) {
		copies = 2;
		st->duplicated++;
	}

	int n = 0;
	for (int i = 0; i < copies; i++) {
		capnet_instant at = now;
		if (c->rate_bps > 0) {
			capnet_instant start = l->busy_until > now ? l->busy_until : now;
			if (c->rate_backlog > 0 && start - now > c->rate_backlog) {
				st->rate_dropped++;
				continue;
			}
			if (start > now)
				st->rate_queued++;
			at = add_sat(start, serialisation(len, c->rate_bps));
			l->busy_until = at;
		}

		int64_t flip = -1;
		if (chance(l, c->corrupt_ppm) && len > 0) {
			flip = (int64_t)below64(l, (uint64_t)len * 8u);
			st->corrupted++;
		}

		capnet_duration d = c->delay;
		if (c->jitter > 0)
			d = add_sat(d, (capnet_duration)below64(l, (uint64_t)c->jitter + 1u));
		if (d > 0)
			st->delayed++;
		at = add_sat(at, d);

		if (chance(l, c->reorder_ppm)) {
			at = add_sat(at, c->reorder_gap > 0 ? c->reorder_gap : CAPNET_MS(1));
			st->reordered++;
		}

		out[n].at = at;
		out[n].flip_bit = flip;
		n++;
		st->frames_out++;
	}
	return n;
}
