/* Proof receive-pool: the NIC's kept-armed receive under sustained load.
 *
 * Host B's receive side is a driver in a cspace of its own that holds one
 * cap, a Nic attenuated to READ|RECV: it reads the NIC's kept-armed pool
 * through the cap only on a 5 ms tick (a busy or slow host), takes at most
 * 8 frames per tick, and hands them to the stack (built with
 * iface.rx_by_driver, so the interface never reads the NIC itself). The
 * port's RX pool holds 16 frames (the simulator's per-port queue bound). A
 * sends B 256 KiB over TCP, so frames arrive many at a time between ticks.
 *
 *   0. The driver's cspace can do nothing else: every forged call (the Nic
 *      used as a NetworkManager, as a status view, to transmit without the
 *      right, a guessed handle) fails closed and is audited.
 *   1. "No frame yet" is a normal result: a thousand receive-polls of an
 *      empty pool through the cap change nothing, and a frame that then
 *      arrives between two polls waits in the pool and is delivered by the
 *      next one.
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

/* B's driver: reads the pool through its Nic cap on the tick only, feeds
 * the stack, and keeps score. */
struct slow_poller {
	struct sim_tcp *h;
	struct capnet_cspace *cs; /* the driver's cspace: the Nic cap alone */
	capnet_handle nic;
	uint64_t rx_errors;       /* receive results other than OK and AGAIN */
	uint8_t frame[1600];
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
	uint64_t got = 0;
	while (got < RX_BUDGET) {
		size_t len;
		capnet_err e = capnet_niccap_receive(p->cs, p->nic, p->frame, sizeof p->frame, &len);
		if (e == CAPNET_E_AGAIN)
			break;
		if (e != CAPNET_OK) {
			p->rx_errors++;
			continue;
		}
		capnet_iface_input(p->h->st.ifc, p->frame, len, now);
		got++;
	}
	capnet_stack_poll(p->h->st.stack, now);
	p->polls++;
	p->empty_polls += got == 0;
	if (got > p->max_per_poll)
		p->max_per_poll = got;
	if (p->expect_more && got == 0)
		p->leftovers_drained = false;
	p->expect_more = got == RX_BUDGET && port(p->h)->rx_queue_depth > 0; /* stopped by the budget */
	if (p->expect_more) {
		p->budget_hits++;
		p->left_queued += port(p->h)->rx_queue_depth;
	}
	/* A slow host: it comes back on its tick, whatever it was told. */
	p->next_poll = now + TICK;
	return p->next_poll;
}

/* B: a sim_tcp whose NIC is read by the driver above, through a Nic cap
 * minted from B's boot NetworkManager and granted, READ|RECV only, into
 * the driver's own cspace (so it is built here rather than by
 * sim_tcp_open). */
static capnet_err open_slow_host(struct sim_tcp *t, struct slow_poller *p, struct capnet_sim *sim, uint64_t seed,
				 struct capnet_mac mac, capnet_ip4addr ip, const struct capnet_sim_impair *wire)
{
	memset(t, 0, sizeof *t);
	memset(p, 0, sizeof *p);
	struct capnet_stack_config cfg = {.without = CAPNET_STACK_NO_UDP, .iface = {.rx_by_driver = true}};
	capnet_err e = sim_stack_build(&t->st, "B", sim, seed, mac, wire, &cfg);
	if (e != CAPNET_OK || (e = sim_tcp_configure(t, ip)) != CAPNET_OK)
		return e;
	struct capnet_cspace *boot = capnet_stack_boot_cspace(t->st.stack);
	capnet_handle nic;
	if ((e = capnet_sim_set_rx_queue_len(sim, t->st.port, RX_QUEUE)) != CAPNET_OK ||
	    (e = capnet_netmgr_mint_nic(boot, capnet_stack_netmgr(t->st.stack, 0), &nic)) != CAPNET_OK ||
	    (e = capnet_cspace_create(capnet_stack_capsys(t->st.stack), "driver", &p->cs)) != CAPNET_OK ||
	    (e = capnet_cap_grant(boot, nic, p->cs, CAPNET_RIGHT_READ | CAPNET_RIGHT_RECV, NULL, &p->nic)) !=
		    CAPNET_OK)
		return e;
	p->h = t;
	p->leftovers_drained = true;
	return capnet_sim_add_participant(sim, slow_poll, p);
}

static uint64_t audited(const struct capnet_cspace *cs, enum capnet_audit_reason r)
{
	struct capnet_audit a;
	capnet_cspace_audit(cs, &a);
	return a.rejected[r];
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
	struct capnet_sim *sim = proof_sim_open(ctx);
	if (sim == NULL)
		return 1;
	static struct sim_tcp a, b;
	static struct slow_poller poller;
	static struct sim_bulk bulk;
	if (sim_tcp_open(&a, "A", sim, ctx->seed, mac_a, ip_a, &proof_wire_1ms, NULL) != CAPNET_OK ||
	    open_slow_host(&b, &poller, sim, ctx->seed, mac_b, ip_b, &proof_wire_1ms) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		sim_tcp_close(&a);
		sim_tcp_close(&b);
		return 1;
	}
	proof_note(ctx, 0, "A %s sends to B %s; B's driver reads through its Nic cap every %lld ms, at most %u frames a "
			   "tick, RX pool of %u frames; 1 ms per cable, seed %llu",
		   fmt_ip4(ip_a), fmt_ip4(ip_b), (long long)(TICK / 1000), RX_BUDGET, RX_QUEUE,
		   (unsigned long long)ctx->seed);

	/* 0. The driver's cspace holds a Nic cap and can do nothing else. */
	struct capnet_nic_info ni;
	capnet_handle forged;
	struct capnet_status_link sl;
	uint8_t probe[60] = {0};
	bool info_ok = capnet_niccap_info(poller.cs, poller.nic, &ni) == CAPNET_OK && capnet_mac_eq(ni.mac, mac_b) &&
		       ni.mtu == 1500 && ni.link_up;
	capnet_err f1 = capnet_netmgr_mint_listen_authority(poller.cs, poller.nic, 1, 65535, &forged);
	capnet_err f2 = capnet_status_link(poller.cs, poller.nic, &sl);
	capnet_err f3 = capnet_niccap_transmit(poller.cs, poller.nic, probe, sizeof probe);
	capnet_err f4 = capnet_niccap_receive(poller.cs, poller.nic ^ 0x5a5a5a5a00000000ull, probe, sizeof probe,
					      &(size_t){0});
	proof_check(ctx, 0,
		    info_ok && f1 == CAPNET_E_WRONGTYPE && f2 == CAPNET_E_WRONGTYPE && f3 == CAPNET_E_RIGHTS &&
			    f4 == CAPNET_E_BADHANDLE && audited(poller.cs, CAPNET_AUDIT_WRONGTYPE) == 2 &&
			    audited(poller.cs, CAPNET_AUDIT_RIGHTS) == 1 && audited(poller.cs, CAPNET_AUDIT_BADHANDLE) == 1 &&
			    port(&b)->tx_frames == 1,
		    "Nic cap (READ|RECV) in the driver's cspace: info %s MTU %u link up; as a NetworkManager %s, as a "
		    "status view %s, transmit %s, a guessed handle %s: 4 forged calls audited, no frame sent",
		    fmt_mac(ni.mac), ni.mtu, capnet_errname(f1), capnet_errname(f2), capnet_errname(f3),
		    capnet_errname(f4));

	/* 1. "No frame yet", a thousand times: nothing moves, nothing resets. */
	const struct capnet_sim_port_stats *pb = port(&b);
	struct capnet_sim_port_stats p0 = *pb;
	uint64_t errs0 = stat(&b, CAPNET_STAT_nic_rx_errors);
	int agains = 0;
	for (int i = 0; i < EMPTY_POLLS; i++) {
		size_t len;
		agains += capnet_niccap_receive(poller.cs, poller.nic, poller.frame, sizeof poller.frame, &len) ==
			  CAPNET_E_AGAIN;
	}
	proof_check(ctx, 0,
		    agains == EMPTY_POLLS && stat(&b, CAPNET_STAT_eth_rx_frames) == 0 &&
			    stat(&b, CAPNET_STAT_nic_rx_errors) == errs0 && pb->rx_frames == p0.rx_frames &&
			    pb->rx_nobufs == 0 && pb->rx_queue_depth == 0,
		    "%d receive-polls of an empty pool through the Nic cap: each E_AGAIN (\"no frame yet\"), no error "
		    "counted, no frame, nothing reset",
		    EMPTY_POLLS);
	/* A's gratuitous ARP reaches B at 1 ms, between B's polls at 0 and 5 ms. */
	capnet_sim_run_until(sim, CAPNET_MS(4));
	bool waiting = pb->rx_queue_depth == 1 && pb->rx_frames == 0;
	capnet_sim_run_until(sim, CAPNET_MS(5));
	proof_check(ctx, CAPNET_MS(5),
		    waiting && pb->rx_frames == 1 && pb->rx_queue_depth == 0 && stat(&b, CAPNET_STAT_eth_rx_frames) == 1 &&
			    damage(&b) == 0,
		    "A's gratuitous ARP arrived at 1 ms, waited in the armed pool and was taken whole through the cap at the 5 ms tick");

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
	proof_note(ctx, t1, "B's driver ran %llu ticks: %llu found no frame yet, %llu stopped at the budget",
		   (unsigned long long)poller.polls, (unsigned long long)poller.empty_polls,
		   (unsigned long long)poller.budget_hits);

	proof_check(ctx, t1, poller.max_per_poll == RX_BUDGET && poller.budget_hits > 0 && poller.rx_errors == 0,
		    "no tick took more than %u frames (largest %llu); %llu ticks ran out of budget with frames waiting",
		    RX_BUDGET, (unsigned long long)poller.max_per_poll, (unsigned long long)poller.budget_hits);
	proof_check(ctx, t1, poller.left_queued > 0 && poller.leftovers_drained,
		    "those ticks left %llu frames in the pool in all; every time, the next tick went on taking them",
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
