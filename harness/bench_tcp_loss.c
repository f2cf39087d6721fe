/* capnet bench tcp-loss: completion times of the lossy shuttle.
 *
 * Two stacks over the simulated switch, 10 ms each way, a 20 Mbit/s
 * bottleneck with a 25 ms drop-tail queue on the sender's cable; 1 MiB
 * bulk A -> B with SACK and timestamps. The data direction loses 0.5 %,
 * 5 %, 10 % or 30 % of its frames at random, or (the reorder case) holds
 * 3 % of them back 4 ms without losing any. Each case runs over a fixed
 * set of seeds (the simulator's and the stacks' generators), so the
 * figures move only when the stack does. Reported per case: the mean and
 * the worst completion time on the synthetic clock, retransmitted
 * segments and RTOs (means), and whether every run was byte-exact.
 * Completion is the receiver's end of stream; a run that has not finished
 * after 20 minutes of synthetic time counts 20 minutes. Every case runs
 * under each loss detection (the layer's loss_detection): RACK-TLP (RFC
 * 8985, the default) and the classic DupThresh count (RFC 6675). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "capnet/tcp.h"
#include "harness/bench.h"
#include "harness/sim_tcp.h"

#define LOSS_BYTES (1u << 20)
#define LOSS_SEEDS 5
#define LOSS_LIMIT CAPNET_S(1200)

struct loss_case {
	const char *name;
	uint32_t loss_ppm, reorder_ppm;
	capnet_duration reorder_gap;
};

static const struct loss_case loss_cases[] = {
	{"loss 0.5%", 5000, 0, 0},   {"loss 5%", 50000, 0, 0}, {"loss 10%", 100000, 0, 0},
	{"loss 30%", 300000, 0, 0}, {"reorder 3%/4ms", 0, 30000, CAPNET_MS(4)},
};

struct loss_run {
	bool exact;
	capnet_duration took;
	uint64_t rexmits, rtos;
};

static int loss_run_one(const struct loss_case *c, enum capnet_tcp_loss_detection ld, uint64_t seed,
			struct loss_run *r)
{
	const struct capnet_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
	const struct capnet_sim_impair fwd = {.loss_ppm = c->loss_ppm,
					      .reorder_ppm = c->reorder_ppm,
					      .reorder_gap = c->reorder_gap,
					      .delay = CAPNET_MS(10),
					      .rate_bps = 20000000,
					      .rate_backlog = CAPNET_MS(25)};
	const struct capnet_sim_impair back = {.delay = CAPNET_MS(10)};
	struct capnet_tcp_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.max_sockets = 4;
	cfg.sndbuf = cfg.rcvbuf = 256 * 1024;
	cfg.time_wait = CAPNET_S(1);
	cfg.loss_detection = ld;
	memset(r, 0, sizeof *r);
	struct capnet_sim *sim = capnet_sim_create(seed, CAPNET_SIM_SWITCH);
	if (sim == NULL)
		return 1;
	static struct sim_tcp a, b;
	static struct sim_bulk bulk;
	if (sim_tcp_open(&a, "A", sim, seed, mac_a, CAPNET_IP4(192, 0, 2, 10), &fwd, &cfg) != CAPNET_OK ||
	    sim_tcp_open(&b, "B", sim, seed, mac_b, CAPNET_IP4(192, 0, 2, 11), &back, &cfg) != CAPNET_OK ||
	    sim_bulk_start(&bulk, sim, &a, &b, 5001, LOSS_BYTES, seed, NULL) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	capnet_sim_run_until_cond(sim, sim_bulk_done, &bulk, LOSS_LIMIT);
	r->exact = sim_bulk_exact(&bulk);
	r->took = r->exact ? bulk.done_at - bulk.started_at : LOSS_LIMIT;
	r->rexmits = sim_stack_stat(&a.st, CAPNET_STAT_tcp_sndrexmitpack);
	r->rtos = sim_stack_stat(&a.st, CAPNET_STAT_tcp_rexmt_timeouts);
	capnet_sim_destroy(sim);
	sim_tcp_close(&a);
	sim_tcp_close(&b);
	return 0;
}

int bench_tcp_loss(struct bench_ctx *ctx)
{
	static const uint64_t seeds[LOSS_SEEDS] = {1, 2, 3, 4, 5};
	static const enum capnet_tcp_loss_detection modes[] = {CAPNET_TCP_LOSS_RACK, CAPNET_TCP_LOSS_DUPACK};
	json_t *jcases = ctx->json ? json_array() : NULL;
	if (!ctx->json) {
		printf("1 MiB A -> B, 10 ms each way, 20 Mbit/s bottleneck (25 ms queue), SACK + timestamps; "
		       "seeds 1-5 per case\n");
		printf("%-16s %-7s %12s %12s %10s %7s %s\n", "case", "loss by", "mean (ms)", "worst (ms)", "rexmits",
		       "RTOs", "exact");
	}
	int rc = 0;
	for (size_t k = 0; k < sizeof loss_cases / sizeof loss_cases[0]; k++) {
		for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
			const struct loss_case *c = &loss_cases[k];
			uint64_t sum = 0, worst = 0, rex = 0, rtos = 0;
			bool exact = true;
			for (int i = 0; i < LOSS_SEEDS; i++) {
				struct loss_run r;
				if (loss_run_one(c, modes[m], seeds[i], &r) != 0)
					return 1;
				sum += (uint64_t)r.took;
				worst = (uint64_t)r.took > worst ? (uint64_t)r.took : worst;
				rex += r.rexmits;
				rtos += r.rtos;
				exact &= r.exact;
			}
			if (!exact)
				rc = 1;
			double mean_ms = (double)sum / LOSS_SEEDS / 1000.0;
			const char *mode = capnet_tcp_loss_detection_name(modes[m]);
			if (ctx->json) {
				json_t *o = json_object();
				json_object_set_new(o, "case", json_string(c->name));
				json_object_set_new(o, "loss_detection", json_string(mode));
				json_object_set_new(o, "mean_ms", json_real(mean_ms));
				json_object_set_new(o, "worst_ms", json_real((double)worst / 1000.0));
				json_object_set_new(o, "rexmits", json_real((double)rex / LOSS_SEEDS));
				json_object_set_new(o, "rtos", json_real((double)rtos / LOSS_SEEDS));
				json_object_set_new(o, "exact", json_boolean(exact));
				json_array_append_new(jcases, o);
			} else {
				printf("%-16s %-7s %12.1f %12.1f %10.1f %7.1f %s\n", c->name, mode, mean_ms,
				       (double)worst / 1000.0, (double)rex / LOSS_SEEDS, (double)rtos / LOSS_SEEDS,
				       exact ? "yes" : "NO");
			}
		}
	}
	if (ctx->json)
		json_object_set_new((json_t *)ctx->jresult, "cases", jcases);
	return rc;
}
