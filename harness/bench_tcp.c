/* TCP benchmarks.
 *
 * capnet bench tcp-shuttle: 1 GiB (at least; more with --seconds above 4)
 * from one stack to another in this process, over the simulated switch
 * with no impairment and no delay, so the figure is the cost of the two
 * TCP stacks, the interface layer and the simulator's frame copies per
 * byte. Every byte read is compared with what was written. In the same
 * run it measures the floor: the data movement alone, as a minimal
 * copying stack would do it (per 1460-byte segment: application -> send
 * buffer -> frame, the sender's checksum, the receiver's checksum,
 * frame -> receive buffer -> application; 4 copies and 2 checksums,
 * nothing else), and prints the shuttle's ratio to it.
 *
 * capnet bench tcp-sockets: the control block size, and the cost of one
 * interface poll with 10 and with 10,000 idle established connections
 * (keepalive armed, so every one of them has a timer in the heap): it
 * must not grow with the number of connections. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/tcp.h"
#include "capnet/wire/checksum.h"
#include "harness/bench.h"
#include "harness/sim_tcp.h"

static const struct capnet_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};

/* ---- the floor ---- */

#define FLOOR_SEG 1460u
#define FLOOR_RING (1u << 20) /* the shuttle's send and receive buffers */
#define FLOOR_PAGE 65536u     /* the shuttle's application page */

struct floor_result {
	double wall, cpu;
};

/* Moves `total` bytes the minimal way, through rings as large as the
 * shuttle's, so that the caches see the same footprint. */
static struct floor_result floor_run(uint64_t total)
{
	struct floor_result res = {0, 0};
	uint8_t *app = malloc(FLOOR_PAGE), *dst = malloc(FLOOR_PAGE), *snd = malloc(FLOOR_RING),
		*rcv = malloc(FLOOR_RING), *frame = malloc(2048);
	if (!app || !dst || !snd || !rcv || !frame)
		goto out;
	for (uint32_t i = 0; i < FLOOR_PAGE; i++)
		app[i] = (uint8_t)(i * 131 + 7);
	memset(snd, 0, FLOOR_RING);
	memset(rcv, 0, FLOOR_RING);
	uint32_t sum = 0;
	uint32_t apos = 0, rpos = 0;
	double w0 = bench_now(), c0 = bench_cpu();
	for (uint64_t done = 0; done < total; done += FLOOR_SEG) {
		if (apos + FLOOR_SEG > FLOOR_PAGE)
			apos = 0;
		if (rpos + FLOOR_SEG > FLOOR_RING)
			rpos = 0;
		memcpy(snd + rpos, app + apos, FLOOR_SEG);    /* send(): into the send buffer */
		memcpy(frame + 54, snd + rpos, FLOOR_SEG);    /* into the frame */
		sum += capnet_csum_partial(frame + 54, FLOOR_SEG, 0); /* the sender's checksum */
		sum += capnet_csum_partial(frame + 54, FLOOR_SEG, 0); /* the receiver's check */
		memcpy(rcv + rpos, frame + 54, FLOOR_SEG);    /* into the receive buffer */
		memcpy(dst + apos, rcv + rpos, FLOOR_SEG);    /* recv(): out to the application */
		__asm__ volatile("" : : "r"(dst), "r"(rcv), "r"(sum) : "memory");
		apos += FLOOR_SEG;
		rpos += FLOOR_SEG;
	}
	res.wall = bench_now() - w0;
	res.cpu = bench_cpu() - c0;
out:
	free(app);
	free(dst);
	free(snd);
	free(rcv);
	free(frame);
	return res;
}

int bench_tcp_shuttle(struct bench_ctx *ctx)
{
	uint64_t total = 1ull << 30;
	if (ctx->seconds > 4)
		total = (uint64_t)(ctx->seconds / 4 * (double)(1ull << 30));
	struct capnet_sim *sim = capnet_sim_create(1, CAPNET_SIM_SWITCH);
	if (!sim)
		return 1;
	struct capnet_tcp_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.max_sockets = 4;
	cfg.sndbuf = cfg.rcvbuf = 1u << 20;
	cfg.cc = CAPNET_TCP_CC_CUBIC;
	cfg.cc_set = true;
	static struct sim_tcp a, b;
	static struct sim_bulk bulk;
	if (sim_tcp_open(&a, "A", sim, 1, mac_a, CAPNET_IP4(192, 0, 2, 10), NULL, &cfg) != CAPNET_OK ||
	    sim_tcp_open(&b, "B", sim, 1, mac_b, CAPNET_IP4(192, 0, 2, 11), NULL, &cfg) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	/* big receive-side queue: the sender may burst a whole window at once */
	capnet_sim_set_rx_queue_len(sim, a.st.port, 4096);
	capnet_sim_set_rx_queue_len(sim, b.st.port, 4096);
	if (sim_bulk_start(&bulk, sim, &a, &b, 5001, total, 7, NULL) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	bulk.fast_verify = true;
	bulk.chunk = 65536;
	double w0 = bench_now(), c0 = bench_cpu();
	capnet_sim_run_until_cond(sim, sim_bulk_done, &bulk, CAPNET_S(36000));
	double wall = bench_now() - w0, cpu = bench_cpu() - c0;
	uint64_t segs = sim_stack_stat(&a.st, CAPNET_STAT_tcp_sndtotal) + sim_stack_stat(&b.st, CAPNET_STAT_tcp_sndtotal);
	uint64_t data_segs = sim_stack_stat(&a.st, CAPNET_STAT_tcp_sndpack);
	uint64_t rexmit = sim_stack_stat(&a.st, CAPNET_STAT_tcp_sndrexmitpack);
	bool exact = sim_bulk_exact(&bulk);
	double gbps = (double)bulk.received * 8 / wall / 1e9, gbps_cpu = (double)bulk.received * 8 / cpu / 1e9;
	uint64_t acks = segs - data_segs;
	struct floor_result fl = floor_run(bulk.received);
	double floor_gbps = (double)bulk.received * 8 / fl.wall / 1e9;
	double floor_gbps_cpu = (double)bulk.received * 8 / fl.cpu / 1e9;
	if (ctx->json) {
		json_t *o = (json_t *)ctx->jresult;
		json_object_set_new(o, "bytes", json_integer((json_int_t)bulk.received));
		json_object_set_new(o, "exact", json_boolean(exact));
		json_object_set_new(o, "wall_s", json_real(wall));
		json_object_set_new(o, "cpu_s", json_real(cpu));
		json_object_set_new(o, "goodput_gbps", json_real(gbps));
		json_object_set_new(o, "goodput_cpu_gbps", json_real(gbps_cpu));
		json_object_set_new(o, "segments", json_integer((json_int_t)segs));
		json_object_set_new(o, "data_segments", json_integer((json_int_t)data_segs));
		json_object_set_new(o, "acks", json_integer((json_int_t)acks));
		json_object_set_new(o, "acks_per_data_segment", json_real(data_segs ? (double)acks / (double)data_segs : 0));
		json_object_set_new(o, "segments_per_s", json_real((double)segs / wall));
		json_object_set_new(o, "retransmits", json_integer((json_int_t)rexmit));
		json_object_set_new(o, "floor_wall_s", json_real(fl.wall));
		json_object_set_new(o, "floor_cpu_s", json_real(fl.cpu));
		json_object_set_new(o, "floor_gbps", json_real(floor_gbps));
		json_object_set_new(o, "floor_cpu_gbps", json_real(floor_gbps_cpu));
		json_object_set_new(o, "ratio_to_floor", json_real(gbps / floor_gbps));
		json_object_set_new(o, "ratio_to_floor_cpu", json_real(gbps_cpu / floor_gbps_cpu));
	} else {
		printf("bulk A -> B over the simulator, no impairment: %llu bytes, %s\n",
		       (unsigned long long)bulk.received, exact ? "every byte verified" : "MISMATCH");
		printf("  goodput        %8.2f Gbit/s (wall)  %8.2f Gbit/s (CPU time)\n", gbps, gbps_cpu);
		printf("  segments       %8llu (%llu data, %llu retransmitted; %llu ACKs, %.3f per data segment)\n",
		       (unsigned long long)segs, (unsigned long long)data_segs, (unsigned long long)rexmit,
		       (unsigned long long)acks, data_segs ? (double)acks / (double)data_segs : 0.0);
		printf("  segments/s     %8.0f\n", (double)segs / wall);
		printf("  wall           %8.3f s\n", wall);
		printf("  CPU            %8.3f s (both stacks, simulator, sender and receiver copies)\n", cpu);
		printf("  synthetic time %8.3f s\n", (double)(bulk.done_at - bulk.started_at) / 1e6);
		printf("floor: the same bytes moved the minimal way (4 copies + 2 checksums per %u-byte segment)\n",
		       FLOOR_SEG);
		printf("  goodput        %8.2f Gbit/s (wall)  %8.2f Gbit/s (CPU time)\n", floor_gbps, floor_gbps_cpu);
		printf("  ratio          %8.2f (wall)  %8.2f (CPU time; the figure to trust on a loaded machine)\n",
		       gbps / floor_gbps, gbps_cpu / floor_gbps_cpu);
	}
	capnet_sim_destroy(sim);
	sim_tcp_close(&a);
	sim_tcp_close(&b);
	return exact ? 0 : 1;
}

/* ---- idle sockets ---- */

struct idle_setup {
	struct capnet_sim *sim;
	struct sim_tcp a, b;
	struct capnet_tcp_sock **client;
	struct capnet_tcp_sock *listener;
	uint32_t n;
};

static capnet_err open_idle(struct idle_setup *s, uint32_t n)
{
	memset(s, 0, sizeof *s);
	s->n = n;
	s->sim = capnet_sim_create(3, CAPNET_SIM_SWITCH);
	if (!s->sim)
		return CAPNET_E_NOMEM;
	struct capnet_tcp_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.max_sockets = n + 4;
	cfg.sndbuf = cfg.rcvbuf = 1024;
	cfg.keepalive = true; /* every connection has a timer in the heap */
	cfg.syn_backlog = 1024;
	cfg.accept_backlog = 1024;
	capnet_err e = sim_tcp_open(&s->a, "A", s->sim, 3, mac_a, CAPNET_IP4(192, 0, 2, 10), NULL, &cfg);
	if (e == CAPNET_OK)
		e = sim_tcp_open(&s->b, "B", s->sim, 3, mac_b, CAPNET_IP4(192, 0, 2, 11), NULL, &cfg);
	if (e == CAPNET_OK)
		e = capnet_tcp_listen(s->b.tcp, 7000, 1024, NULL, &s->listener);
	s->client = calloc(n, sizeof *s->client);
	if (e != CAPNET_OK || !s->client)
		return e != CAPNET_OK ? e : CAPNET_E_NOMEM;
	capnet_sim_run_until(s->sim, CAPNET_MS(10));
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = CAPNET_IP4(192, 0, 2, 11)};
	/* In batches the simulated RX queues can hold; accept as they come. */
	for (uint32_t i = 0; i < n; i += 100) {
		for (uint32_t k = i; k < n && k < i + 100; k++) {
			e = capnet_tcp_connect(s->a.tcp, &dst, 7000, 0, NULL, capnet_sim_now(s->sim), &s->client[k]);
			if (e != CAPNET_OK)
				return e;
		}
		capnet_sim_run_until(s->sim, capnet_sim_now(s->sim) + CAPNET_MS(5));
		struct capnet_tcp_sock *c;
		while (capnet_tcp_accept(s->listener, &c) == CAPNET_OK)
			;
	}
	capnet_sim_run_until(s->sim, capnet_sim_now(s->sim) + CAPNET_S(1));
	uint32_t est = 0;
	for (uint32_t k = 0; k < n; k++)
		est += (capnet_tcp_events(s->client[k]) & CAPNET_TCP_EV_CONNECTED) != 0;
	return est == n ? CAPNET_OK : CAPNET_E_STATE;
}

static void close_idle(struct idle_setup *s)
{
	capnet_sim_destroy(s->sim);
	sim_tcp_close(&s->a);
	sim_tcp_close(&s->b);
	free(s->client);
}

/* ns per capnet_iface_poll on A, at an instant with nothing due. */
static double time_polls(struct idle_setup *s, double seconds)
{
	capnet_instant now = capnet_sim_now(s->sim);
	volatile capnet_instant sink = 0;
	uint64_t iters = 0;
	double t0 = bench_now(), t;
	do {
		for (int i = 0; i < 4096; i++)
			sink += capnet_iface_poll(s->a.st.ifc, now);
		iters += 4096;
		t = bench_now();
	} while (t - t0 < seconds);
	(void)sink;
	return (t - t0) / (double)iters * 1e9;
}

int bench_tcp_sockets(struct bench_ctx *ctx)
{
	static const uint32_t counts[] = {10, 10000};
	double ns[2] = {0, 0};
	size_t state_bytes = 0, pool_per_conn = 0;
	for (int k = 0; k < 2; k++) {
		static struct idle_setup s;
		capnet_err e = open_idle(&s, counts[k]);
		if (e != CAPNET_OK) {
			fprintf(stderr, "capnet bench tcp-sockets: setting up %u connections: %s\n", counts[k],
				capnet_strerror(e));
			close_idle(&s);
			return 1;
		}
		struct capnet_tcp_layer_info li;
		capnet_tcp_layer_info(s.a.tcp, &li);
		state_bytes = li.sock_state_bytes;
		pool_per_conn = li.pool_in_use / counts[k];
		ns[k] = time_polls(&s, ctx->seconds);
		close_idle(&s);
	}
	if (ctx->json) {
		json_object_set_new((json_t *)ctx->jresult, "sock_state_bytes", json_integer((json_int_t)state_bytes));
		json_object_set_new((json_t *)ctx->jresult, "ring_bytes_per_conn", json_integer((json_int_t)pool_per_conn));
		json_object_set_new((json_t *)ctx->jresult, "poll_ns_10", json_real(ns[0]));
		json_object_set_new((json_t *)ctx->jresult, "poll_ns_10000", json_real(ns[1]));
	} else {
		printf("per-connection state beyond its rings: %zu bytes (control block; rings here %zu bytes)\n",
		       state_bytes, pool_per_conn);
		printf("iface poll, nothing due:\n");
		printf("  %6u idle established connections  %8.1f ns/poll\n", counts[0], ns[0]);
		printf("  %6u idle established connections  %8.1f ns/poll  (x%.2f)\n", counts[1], ns[1], ns[1] / ns[0]);
	}
	return 0;
}
