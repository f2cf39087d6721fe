/* Proof congestion-control: one lossy workload -- a 2 MiB bulk transfer
 * through a 20 Mbit/s drop-tail bottleneck (a 25 ms queue), 10 ms each
 * way, with 0.5% random loss on top -- run three times on identical
 * simulators, under None, Reno (RFC 5681 + NewReno/SACK recovery) and
 * CUBIC (RFC 9438). Each run must deliver every byte exactly; the table
 * shows goodput, retransmissions and completion time on the synthetic
 * clock. The controllers must earn their keep: against None, which keeps
 * sending a full receive window into the queue, they retransmit less.
 *
 * Loss detection: those three runs negotiate SACK and find losses by RACK-
 * TLP (RFC 8985, the default); Reno runs twice more, once on SACK with the
 * classic DupThresh count (RFC 6675) and once with a peer that does not do
 * SACK, where duplicate ACKs and NewReno (RFC 6582) are all there is. Each
 * run's transcript line names its loss detection; all must be byte-exact. */
#include <stdio.h>
#include <string.h>

#include "capnet/tcp.h"
#include "harness/proof.h"
#include "harness/sim_tcp.h"

#define BYTES (2u << 20)

struct cc_result {
	bool exact;
	capnet_duration took;
	uint64_t rexmit_segs, rexmit_bytes, rtos, fast, drops_queue, drops_loss;
	uint32_t final_cwnd;
	bool loss_ok; /* the connection ran the loss detection the run asked for */
};

struct cc_run {
	enum capnet_tcp_cc_algo cc;
	enum capnet_tcp_loss_detection loss;
	bool no_sack;
	const char *loss_name;
};

static int run_one(struct proof_ctx *ctx, const struct cc_run *run, struct cc_result *r, bool record)
{
	const struct capnet_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
	/* The sender's cable is the bottleneck; both directions lose 0.5%. */
	const struct capnet_sim_impair bottleneck = {
		.loss_ppm = 5000, .delay = CAPNET_MS(10), .rate_bps = 20000000, .rate_backlog = CAPNET_MS(25)};
	const struct capnet_sim_impair back = {.loss_ppm = 5000, .delay = CAPNET_MS(10)};
	struct capnet_tcp_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.max_sockets = 4;
	cfg.cc = run->cc;
	cfg.cc_set = true;
	cfg.loss_detection = run->loss;
	cfg.no_sack = run->no_sack;
	cfg.sndbuf = cfg.rcvbuf = 256 * 1024; /* a window well above the path's BDP */
	cfg.time_wait = CAPNET_S(1);
	memset(r, 0, sizeof *r);

	struct capnet_sim *sim = sim_open_recording(ctx->seed, CAPNET_SIM_SWITCH, record ? ctx->pcap_path : NULL);
	if (sim == NULL)
		return 1;
	static struct sim_tcp a, b;
	static struct sim_bulk bulk;
	if (sim_tcp_open(&a, "A", sim, ctx->seed, mac_a, CAPNET_IP4(192, 0, 2, 10), &bottleneck, &cfg) != CAPNET_OK ||
	    sim_tcp_open(&b, "B", sim, ctx->seed, mac_b, CAPNET_IP4(192, 0, 2, 11), &back, &cfg) != CAPNET_OK ||
	    sim_bulk_start(&bulk, sim, &a, &b, 5001, BYTES, ctx->seed, NULL) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	capnet_sim_run_until_cond(sim, sim_bulk_done, &bulk, CAPNET_S(600));
	r->exact = sim_bulk_exact(&bulk);
	r->took = bulk.done_at - bulk.started_at;
	r->rexmit_segs = sim_stack_stat(&a.st, CAPNET_STAT_tcp_sndrexmitpack);
	r->rexmit_bytes = sim_stack_stat(&a.st, CAPNET_STAT_tcp_sndrexmitbyte);
	r->rtos = sim_stack_stat(&a.st, CAPNET_STAT_tcp_rexmt_timeouts);
	r->fast = sim_stack_stat(&a.st, CAPNET_STAT_tcp_fast_rexmits);
	r->final_cwnd = bulk.tx_info.cwnd;
	r->loss_ok = bulk.tx_info.sack == !run->no_sack && bulk.tx_info.rack == (!run->no_sack && run->loss == CAPNET_TCP_LOSS_RACK);
	const struct capnet_sim_port_stats *ps = capnet_sim_port_stats(sim, a.st.port);
	r->drops_queue = ps->egress.rate_dropped;
	r->drops_loss = ps->egress.lost;
	capnet_sim_destroy(sim);
	sim_tcp_close(&a);
	sim_tcp_close(&b);
	return 0;
}

int proof_congestion_control(struct proof_ctx *ctx)
{
	static const struct cc_run runs[] = {
		{CAPNET_TCP_CC_NONE, CAPNET_TCP_LOSS_RACK, false, "rack"},
		{CAPNET_TCP_CC_RENO, CAPNET_TCP_LOSS_RACK, false, "rack"},
		{CAPNET_TCP_CC_CUBIC, CAPNET_TCP_LOSS_RACK, false, "rack"},
		{CAPNET_TCP_CC_RENO, CAPNET_TCP_LOSS_DUPACK, false, "dupack"},
		{CAPNET_TCP_CC_RENO, CAPNET_TCP_LOSS_RACK, true, "newreno"},
	};
	enum { NRUNS = sizeof runs / sizeof runs[0] };
	struct cc_result res[NRUNS];
	proof_note(ctx, 0, "workload: %u bytes A -> B; A's cable 20 Mbit/s with a 25 ms drop-tail queue; 10 ms each "
			   "way; 0.5%% random loss both ways; 256 KiB windows; seed %llu",
		   BYTES, (unsigned long long)ctx->seed);
	proof_note(ctx, 0, "loss by: rack = SACK + RACK-TLP (RFC 8985); dupack = SACK + DupThresh (RFC 6675); "
			   "newreno = no SACK, 3 duplicate ACKs + NewReno (RFC 6582)");
	proof_note(ctx, 0, "%-6s %-8s %10s %14s %10s %12s %5s %5s %11s %10s", "cc", "loss by", "time (ms)",
		   "goodput kbit/s", "rexmits", "rexmit bytes", "RTOs", "fast", "queue drops", "link loss");
	for (int k = 0; k < NRUNS; k++) {
		if (run_one(ctx, &runs[k], &res[k], k == 1) != 0)
			return 1;
		struct cc_result *r = &res[k];
		uint64_t kbps = r->took > 0 ? (uint64_t)BYTES * 8u * 1000u / (uint64_t)r->took : 0;
		proof_note(ctx, r->took, "%-6s %-8s %10lld %14llu %10llu %12llu %5llu %5llu %11llu %10llu",
			   capnet_tcp_cc_name(runs[k].cc), runs[k].loss_name, (long long)(r->took / 1000),
			   (unsigned long long)kbps, (unsigned long long)r->rexmit_segs,
			   (unsigned long long)r->rexmit_bytes, (unsigned long long)r->rtos, (unsigned long long)r->fast,
			   (unsigned long long)r->drops_queue, (unsigned long long)r->drops_loss);
	}
	for (int k = 0; k < NRUNS; k++)
		proof_check(ctx, res[k].took, res[k].exact && res[k].loss_ok,
			    "%-5s/%-7s delivered all %u bytes, byte-exact (FNV-1a 64), loss detection as configured",
			    capnet_tcp_cc_name(runs[k].cc), runs[k].loss_name, BYTES);
	proof_check(ctx, res[1].took, res[1].rexmit_segs < res[0].rexmit_segs && res[2].rexmit_segs < res[0].rexmit_segs,
		    "Reno (%llu) and CUBIC (%llu) retransmit less than None (%llu): they back off at the queue",
		    (unsigned long long)res[1].rexmit_segs, (unsigned long long)res[2].rexmit_segs,
		    (unsigned long long)res[0].rexmit_segs);
	proof_check(ctx, res[1].took, res[1].drops_queue < res[0].drops_queue && res[2].drops_queue < res[0].drops_queue,
		    "Reno (%llu) and CUBIC (%llu) overflow the bottleneck queue less than None (%llu)",
		    (unsigned long long)res[1].drops_queue, (unsigned long long)res[2].drops_queue,
		    (unsigned long long)res[0].drops_queue);
	/* The path moves at most 20 Mbit/s: no controller may beat the wire. */
	bool physical = true;
	capnet_duration last = 0;
	for (int k = 0; k < NRUNS; k++) {
		physical &= res[k].took >= (capnet_duration)((uint64_t)BYTES * 8u * 1000000u / 20000000u);
		last = res[k].took > last ? res[k].took : last;
	}
	proof_check(ctx, last, physical, "no run is faster than the 20 Mbit/s bottleneck allows (%u ms)",
		    (unsigned)((uint64_t)BYTES * 8u * 1000u / 20000000u));
	return 0;
}
