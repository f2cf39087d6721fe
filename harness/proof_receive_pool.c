/* Proof receive-pool: the NIC's kept-armed receive under sustained load.
 *
 * Host B polls its interface only on a 5 ms tick (a busy or slow host),
 * drains at most 8 frames per poll (iface rx_budget) and its port's RX pool
 * holds 16 frames (the simulator's per-port queue bound). A sends it 256 KiB
 * over TCP, so frames arrive many at a time between polls.
 *
 *   1. "No frame yet" is a normal result: a thousand polls of an empty pool
 *      change nothing, and a frame that then arrives between two polls
 *      waits in the pool and is delivered by the next one.
 *   2. The poll budget: no poll takes more than 8 frames; what it leaves
 *      stays queued and the next poll delivers it -- nothing is lost
 *      inside the pool, every queued frame comes out whole.
 *   3. Pool exhaustion: arrivals beyond 16 are dropped at the pool and
 *      counted (arrived = queued + dropped exactly); no frame is corrupted
 *      (every malformed-input counter stays 0).
 *   4. TCP recovers from the drops and the 256 KiB arrive byte-exact. */
#include <stdlib.h>
#include <string.h>

#include "harness/dhcp4_host.h"
#include "harness/proof.h"
#include "harness/sim_tcp.h"

#define RX_QUEUE 16
#define RX_BUDGET 8
#define TICK CAPNET_MS(5)
#define TOTAL (256u * 1024u)
#define EMPTY_POLLS 1000

/* B's driver: polls the interface on the tick only, and keeps score. */
struct slow_poller {
	struct sim_tcp *h;
	capnet_instant next_poll;
	uint64_t polls, empty_polls, budget_hits, max_per_poll;
	uint64_t left_queued;   /* frames still in the pool after a budget-limited poll */
	bool leftovers_drained; /* each such poll was followed by one that took frames */
	bool expect_more;
};

static uint64_t stat(const struct sim_tcp *h, enum capnet_stat s)
{
	return capnet_iface_stats(h->st.ifc)->v[s];
}

static const struct capnet_sim_port_stats *port(const struct sim_tcp *h)
{
	return capnet_sim_port_stats(h->st.sim, h->st.port);
}

static capnet_instant slow_poll(void *ctx, capnet_instant now)
{
	struct slow_poller *p = ctx;
	if (now < p->next_poll)
		return p->next_poll; /* frames arriving now wait in the pool */
	uint64_t before = stat(p->h, CAPNET_STAT_eth_rx_frames);
	capnet_instant next = capnet_stack_poll(p->h->st.stack, now);
	uint64_t got = stat(p->h, CAPNET_STAT_eth_rx_frames) - before;
	p->polls++;
	p->empty_polls += got == 0;
	if (got > p->max_per_poll)
		p->max_per_poll = got;
	if (p->expect_more && got == 0)
		p->leftovers_drained = false;
	p->expect_more = next == now; /* the budget ran out before the pool did */
	if (p->expect_more) {
		p->budget_hits++;
		p->left_queued += port(p->h)->rx_queue_depth;
	}
	/* A slow host: it comes back on its tick, whatever it was told. */
	p->next_poll = now + TICK;
	return p->next_poll;
}

/* B: a sim_tcp whose interface is polled by the slow poller instead of at
 * every instant (so it is built here rather than by sim_tcp_open). */
static capnet_err open_slow_host(struct sim_tcp *t, struct slow_poller *p, struct capnet_sim *sim, uint64_t seed,
				 struct capnet_mac mac, capnet_ip4addr ip, const struct capnet_sim_impair *wire)
{
	memset(t, 0, sizeof *t);
	struct capnet_stack_config cfg = {
		.without = CAPNET_STACK_NO_UDP | CAPNET_STACK_NO_CAPS,
		.iface = {.rx_budget = RX_BUDGET},
	};
	capnet_err e = sim_stack_build(&t->st, "B", sim, seed, mac, wire, &cfg);
	if (e != CAPNET_OK || (e = sim_tcp_configure(t, ip)) != CAPNET_OK)
		return e;
	if ((e = capnet_sim_set_rx_queue_len(sim, t->st.port, RX_QUEUE)) != CAPNET_OK)
		return e;
	memset(p, 0, sizeof *p);
	p->h = t;
	p->leftovers_drained = true;
	return capnet_sim_add_participant(sim, slow_poll, p);
}

/* Every counter that would move if a frame came out of the pool damaged. */
static uint64_t damage(const struct sim_tcp *h)
{
	static const enum capnet_stat bad[] = {
		CAPNET_STAT_eth_rx_truncated, CAPNET_STAT_eth_rx_oversize, CAPNET_STAT_nic_rx_errors,
		CAPNET_STAT_ip_tooshort,      CAPNET_STAT_ip_badversion,   CAPNET_STAT_ip_badhlen,
		CAPNET_STAT_ip_badlen,        CAPNET_STAT_ip_badsum,       CAPNET_STAT_tcp_rcvshort,
		CAPNET_STAT_tcp_rcvbadoff,    CAPNET_STAT_tcp_rcvbadopt,   CAPNET_STAT_tcp_rcvbadsum,
	};
	uint64_t n = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		n += stat(h, bad[i]);
	return n;
}

int proof_receive_pool(struct proof_ctx *ctx)
{
	const struct capnet_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
	const capnet_ip4addr ip_a = CAPNET_IP4(192, 0, 2, 10), ip_b = CAPNET_IP4(192, 0, 2, 11);
	const struct capnet_sim_impair wire = {.delay = CAPNET_MS(1)};
	struct capnet_sim *sim = sim_open_recording(ctx->seed, CAPNET_SIM_SWITCH, ctx->pcap_path);
	if (sim == NULL)
		return 1;
	static struct sim_tcp a, b;
	static struct slow_poller poller;
	static struct sim_bulk bulk;
	if (sim_tcp_open(&a, "A", sim, ctx->seed, mac_a, ip_a, &wire, NULL) != CAPNET_OK ||
	    open_slow_host(&b, &poller, sim, ctx->seed, mac_b, ip_b, &wire) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		sim_tcp_close(&a);
		sim_tcp_close(&b);
		return 1;
	}
	proof_note(ctx, 0, "A %s sends to B %s; B polls every %lld ms, at most %u frames a poll, RX pool of %u frames; "
			   "1 ms per cable, seed %llu",
		   fmt_ip4(ip_a), fmt_ip4(ip_b), (long long)(TICK / 1000), RX_BUDGET, RX_QUEUE,
		   (unsigned long long)ctx->seed);

	/* 1. "No frame yet", a thousand times: nothing moves, nothing resets. */
	const struct capnet_sim_port_stats *pb = port(&b);
	struct capnet_sim_port_stats p0 = *pb;
	uint64_t errs0 = stat(&b, CAPNET_STAT_nic_rx_errors);
	for (int i = 0; i < EMPTY_POLLS; i++)
		capnet_iface_poll(b.st.ifc, 0);
	proof_check(ctx, 0,
		    stat(&b, CAPNET_STAT_eth_rx_frames) == 0 && stat(&b, CAPNET_STAT_nic_rx_errors) == errs0 &&
			    pb->rx_frames == p0.rx_frames && pb->rx_nobufs == 0 && pb->rx_queue_depth == 0,
		    "%d polls of an empty pool: each \"no frame yet\", no error counted, no frame, nothing reset",
		    EMPTY_POLLS);
	/* A's gratuitous ARP reaches B at 1 ms, between B's polls at 0 and 5 ms. */
	capnet_sim_run_until(sim, CAPNET_MS(4));
	bool waiting = pb->rx_queue_depth == 1 && pb->rx_frames == 0;
	capnet_sim_run_until(sim, CAPNET_MS(5));
	proof_check(ctx, CAPNET_MS(5),
		    waiting && pb->rx_frames == 1 && pb->rx_queue_depth == 0 && stat(&b, CAPNET_STAT_eth_rx_frames) == 1 &&
			    damage(&b) == 0,
		    "A's gratuitous ARP arrived at 1 ms, waited in the armed pool and was taken whole by the 5 ms poll");

	/* 2-4. The bulk transfer. */
	capnet_sim_run_until(sim, CAPNET_MS(10));
	capnet_instant t0 = capnet_sim_now(sim);
	if (sim_bulk_start(&bulk, sim, &a, &b, 5001, TOTAL, ctx->seed, NULL) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		sim_tcp_close(&a);
		sim_tcp_close(&b);
		return 1;
	}
	bool done = capnet_sim_run_until_cond(sim, sim_bulk_done, &bulk, CAPNET_S(120));
	capnet_instant t1 = capnet_sim_now(sim);
	capnet_sim_run_until(sim, t1 + CAPNET_S(1)); /* the last ACKs and FINs */
	t1 = capnet_sim_now(sim);
	proof_note(ctx, t1, "B polled %llu times: %llu found no frame yet, %llu stopped at the budget",
		   (unsigned long long)poller.polls, (unsigned long long)poller.empty_polls,
		   (unsigned long long)poller.budget_hits);

	proof_check(ctx, t1, poller.max_per_poll == RX_BUDGET && poller.budget_hits > 0,
		    "no poll took more than %u frames (largest %llu); %llu polls ran out of budget with frames waiting",
		    RX_BUDGET, (unsigned long long)poller.max_per_poll, (unsigned long long)poller.budget_hits);
	proof_check(ctx, t1, poller.left_queued > 0 && poller.leftovers_drained,
		    "those polls left %llu frames in the pool in all; every time, the next poll went on taking them",
		    (unsigned long long)poller.left_queued);
	uint64_t arrived = pb->ingress.frames_out;
	proof_check(ctx, t1,
		    pb->rx_overflow > 0 && arrived == pb->rx_queued + pb->rx_overflow && pb->rx_queue_high == RX_QUEUE,
		    "pool exhaustion: %llu of %llu arrivals dropped at the full pool and counted (queued %llu + dropped "
		    "%llu = arrived; high water %u)",
		    (unsigned long long)pb->rx_overflow, (unsigned long long)arrived, (unsigned long long)pb->rx_queued,
		    (unsigned long long)pb->rx_overflow, pb->rx_queue_high);
	proof_check(ctx, t1,
		    pb->rx_frames == pb->rx_queued && pb->rx_queue_depth == 0 &&
			    stat(&b, CAPNET_STAT_eth_rx_frames) == pb->rx_frames && damage(&b) == 0,
		    "nothing lost or damaged inside the pool: %llu queued, %llu taken, all %llu parsed clean (0 malformed)",
		    (unsigned long long)pb->rx_queued, (unsigned long long)pb->rx_frames,
		    (unsigned long long)stat(&b, CAPNET_STAT_eth_rx_frames));
	uint64_t rexmit = sim_stack_stat(&a.st, CAPNET_STAT_tcp_sndrexmitpack);
	proof_check(ctx, t1, done && sim_bulk_exact(&bulk) && rexmit > 0,
		    "TCP recovered (%llu segments retransmitted by A) and %u bytes arrived byte-exact in %s s",
		    (unsigned long long)rexmit, TOTAL, fmt_time(bulk.done_at - t0));

	capnet_sim_destroy(sim);
	sim_tcp_close(&a);
	sim_tcp_close(&b);
	return 0;
}
