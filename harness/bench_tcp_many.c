/* capnet bench tcp-many: N connections between two stacks over the
 * simulator, every one of them transferring at once, for a fixed time
 * each (process CPU seconds, so that a loaded machine does not shorten
 * the run: --seconds, default 2); the aggregate goodput for each N (default the sweep 1, 100,
 * 10,000), how it compares with one connection's, and the arena bytes each
 * connection costs.
 *
 * Every connection has the same buffers whatever N is (16 KiB to send on
 * A, 16 KiB to receive on B, the smallest ring the other way), so the
 * sweep shows what the number of connections alone costs. The application
 * is driven by readiness: a connection's notify callback queues it when it
 * becomes readable or writable, and each poll serves only the queued ones,
 * so the driver's own cost does not grow with N. Every byte read is
 * checked against the page it was sent from. Measuring starts once every
 * connection has moved a whole buffer (the warm-up, at most 5 CPU
 * seconds or --seconds), so it sees the steady state, not slow start or the
 * simulator's frame pool growing. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/tcp.h"
#include "harness/bench.h"
#include "harness/sim_tcp.h"

#define MANY_PORT 5001
#define MANY_BUF (16u * 1024)
#define MANY_SMALL_BUF 1024u
#define MANY_PAGE 65536u

static const struct capnet_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};

struct many_conn {
	struct many *m;
	struct capnet_tcp_sock *tx, *rx;
	uint64_t sent, received;
	bool tx_queued, rx_queued;
};

struct many {
	struct capnet_sim *sim;
	struct sim_tcp a, b;
	struct capnet_tcp_sock *listener;
	struct many_conn *conn;
	uint32_t n, accepted;
	/* readiness queues: indices of connections to serve */
	uint32_t *txq, *rxq;
	uint32_t ntxq, nrxq;
	bool running, stop;
	uint64_t warm_target; /* bytes each connection moves before measuring */
	uint32_t warm_next;   /* connections below it start here */
	double deadline; /* process CPU time (bench_cpu) at which sending stops:
			  * CPU time, so a loaded machine does not cut a run short */
	uint64_t received, mismatches, failures;
	uint8_t page[MANY_PAGE];
	uint8_t buf[MANY_PAGE];
};

static void queue_tx(struct many_conn *c)
{
	if (!c->tx_queued) {
		c->tx_queued = true;
		c->m->txq[c->m->ntxq++] = (uint32_t)(c - c->m->conn);
	}
}

static void queue_rx(struct many_conn *c)
{
	if (!c->rx_queued) {
		c->rx_queued = true;
		c->m->rxq[c->m->nrxq++] = (uint32_t)(c - c->m->conn);
	}
}

static void on_tx(void *ctx, struct capnet_tcp_sock *s, unsigned ev, capnet_instant now)
{
	(void)s;
	(void)now;
	if (ev & (CAPNET_TCP_EV_WRITABLE | CAPNET_TCP_EV_ERROR | CAPNET_TCP_EV_RESET))
		queue_tx(ctx);
}

static void on_rx(void *ctx, struct capnet_tcp_sock *s, unsigned ev, capnet_instant now)
{
	(void)s;
	(void)now;
	if (ev & CAPNET_TCP_EV_READABLE)
		queue_rx(ctx);
}

static void serve_tx(struct many *m, struct many_conn *c, capnet_instant now)
{
	c->tx_queued = false;
	while (!m->stop) {
		size_t pos = (size_t)(c->sent % MANY_PAGE), q = 0;
		capnet_err e = capnet_tcp_send(c->tx, m->page + pos, MANY_PAGE - pos, &q, now);
		if (e == CAPNET_E_AGAIN)
			return;
		if (e != CAPNET_OK) {
			m->failures++;
			return;
		}
		c->sent += q;
		if (q < MANY_PAGE - pos)
			return;
	}
}

static void serve_rx(struct many *m, struct many_conn *c, capnet_instant now)
{
	c->rx_queued = false;
	for (;;) {
		size_t got = 0;
		capnet_err e = capnet_tcp_recv(c->rx, m->buf, sizeof m->buf, &got, now);
		if (e == CAPNET_E_AGAIN)
			return;
		if (e != CAPNET_OK) {
			m->failures++;
			return;
		}
		/* the stream is the page over and over: check it at its offset */
		size_t off = (size_t)(c->received % MANY_PAGE), done = 0;
		while (done < got) {
			size_t k = MANY_PAGE - off < got - done ? MANY_PAGE - off : got - done;
			if (memcmp(m->buf + done, m->page + off, k) != 0)
				m->mismatches++;
			done += k;
			off = 0;
		}
		c->received += got;
		m->received += got;
	}
}

static capnet_instant many_poll(void *ctx, capnet_instant now)
{
	struct many *m = ctx;
	if (!m->running)
		return CAPNET_INSTANT_NEVER;
	if (!m->stop && bench_cpu() >= m->deadline)
		m->stop = true;
	bool progress = m->nrxq > 0 || (m->ntxq > 0 && !m->stop);
	/* Serve what is queued now; what serving queues waits for the next
	 * round. Readers first: reading opens windows. */
	uint32_t k = m->nrxq;
	m->nrxq = 0;
	for (uint32_t i = 0; i < k; i++)
		serve_rx(m, &m->conn[m->rxq[i]], now);
	if (!m->stop) {
		k = m->ntxq;
		m->ntxq = 0;
		for (uint32_t i = 0; i < k; i++)
			serve_tx(m, &m->conn[m->txq[i]], now);
	}
	return progress ? now : CAPNET_INSTANT_NEVER;
}

static bool many_stopped(void *ctx)
{
	const struct many *m = ctx;
	return m->stop;
}

/* Warm: every connection has received warm_target bytes (or time is up;
 * the connections that lag then start the measurement where they are). */
static bool many_warm(void *ctx)
{
	struct many *m = ctx;
	if (m->stop)
		return true;
	while (m->warm_next < m->n && m->conn[m->warm_next].received >= m->warm_target)
		m->warm_next++;
	return m->warm_next == m->n;
}

static void many_close(struct many *m)
{
	if (m->sim)
		capnet_sim_destroy(m->sim);
	sim_tcp_close(&m->a);
	sim_tcp_close(&m->b);
	free(m->conn);
	free(m->txq);
	free(m->rxq);
	free(m);
}

static void many_accept(struct many *m, const uint32_t *by_port)
{
	struct capnet_tcp_sock *c;
	while (capnet_tcp_accept(m->listener, &c) == CAPNET_OK) {
		struct capnet_tcp_info info;
		capnet_tcp_info(c, &info);
		uint32_t k = by_port[info.remote.port];
		if (k != 0 && m->conn[k - 1].rx == NULL) {
			m->conn[k - 1].rx = c;
			m->accepted++;
		}
	}
}

static struct many *many_open(uint32_t n)
{
	struct many *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->n = n;
	m->conn = calloc(n, sizeof *m->conn);
	m->txq = calloc(n, sizeof *m->txq);
	m->rxq = calloc(n, sizeof *m->rxq);
	m->sim = capnet_sim_create(1, CAPNET_SIM_SWITCH);
	if (!m->conn || !m->txq || !m->rxq || !m->sim) {
		many_close(m);
		return NULL;
	}
	for (uint32_t i = 0; i < MANY_PAGE; i++)
		m->page[i] = (uint8_t)((i * 2654435761u) >> 13);
	struct capnet_tcp_config ca, cb;
	memset(&ca, 0, sizeof ca);
	ca.max_sockets = n + 6;
	ca.sndbuf = MANY_BUF;
	ca.rcvbuf = MANY_SMALL_BUF;
	ca.cc = CAPNET_TCP_CC_CUBIC;
	ca.cc_set = true;
	ca.syn_backlog = ca.accept_backlog = 1024;
	cb = ca;
	cb.sndbuf = MANY_SMALL_BUF;
	cb.rcvbuf = MANY_BUF;
	if (sim_tcp_open(&m->a, "A", m->sim, 1, mac_a, CAPNET_IP4(192, 0, 2, 10), NULL, &ca) != CAPNET_OK ||
	    sim_tcp_open(&m->b, "B", m->sim, 1, mac_b, CAPNET_IP4(192, 0, 2, 11), NULL, &cb) != CAPNET_OK ||
	    capnet_tcp_listen(m->b.tcp, MANY_PORT, 1024, NULL, &m->listener) != CAPNET_OK) {
		many_close(m);
		return NULL;
	}
	/* Every connection may have its whole window in flight at once. */
	uint32_t qlen = n * (MANY_BUF / 1024 + 2) + 4096;
	capnet_sim_set_rx_queue_len(m->sim, m->a.st.port, qlen);
	capnet_sim_set_rx_queue_len(m->sim, m->b.st.port, qlen);
	capnet_sim_run_until(m->sim, CAPNET_MS(10));
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = CAPNET_IP4(192, 0, 2, 11)};
	/* A first connection resolves ARP and is closed: the measured ones
	 * then start with no SYN retransmitted, so with the full initial
	 * window (RFC 5681 3.1 drops it to one segment after a lost SYN). */
	struct capnet_tcp_sock *warm, *warm_rx;
	if (capnet_tcp_connect(m->a.tcp, &dst, MANY_PORT, 0, NULL, capnet_sim_now(m->sim), &warm) != CAPNET_OK) {
		many_close(m);
		return NULL;
	}
	capnet_sim_run_until(m->sim, capnet_sim_now(m->sim) + CAPNET_S(3));
	if (capnet_tcp_accept(m->listener, &warm_rx) != CAPNET_OK) {
		many_close(m);
		return NULL;
	}
	capnet_tcp_abort(warm, capnet_sim_now(m->sim));
	capnet_tcp_abort(warm_rx, capnet_sim_now(m->sim));
	capnet_sim_run_until(m->sim, capnet_sim_now(m->sim) + CAPNET_MS(10));
	/* Connect in batches the backlogs hold; pair each accepted socket with
	 * its client by the client's local port. */
	static uint32_t by_port[65536]; /* client's local port -> connection + 1 */
	memset(by_port, 0, sizeof by_port);
	for (uint32_t i = 0; i < n; i += 500) {
		for (uint32_t k = i; k < n && k < i + 500; k++) {
			m->conn[k].m = m;
			struct capnet_tcp_info ti;
			if (capnet_tcp_connect(m->a.tcp, &dst, MANY_PORT, 0, NULL, capnet_sim_now(m->sim),
					       &m->conn[k].tx) != CAPNET_OK ||
			    capnet_tcp_info(m->conn[k].tx, &ti) != CAPNET_OK) {
				many_close(m);
				return NULL;
			}
			by_port[ti.local.port] = k + 1;
		}
		capnet_sim_run_until(m->sim, capnet_sim_now(m->sim) + CAPNET_MS(5));
		many_accept(m, by_port);
	}
	/* SYNs that waited on ARP come again at their retransmission time. */
	for (int t = 0; t < 100 && m->accepted < n; t++) {
		capnet_sim_run_until(m->sim, capnet_sim_now(m->sim) + CAPNET_MS(100));
		many_accept(m, by_port);
	}
	if (m->accepted != n) {
		many_close(m);
		return NULL;
	}
	if (capnet_sim_add_participant(m->sim, many_poll, m) != CAPNET_OK) {
		many_close(m);
		return NULL;
	}
	return m;
}

struct many_result {
	uint32_t n;
	uint64_t bytes;
	double wall, cpu, gbps, gbps_cpu;
	size_t arena_a, arena_b;
	uint64_t retransmits, mismatches, failures;
	uint32_t min_conn_kib; /* the least any connection moved */
};

static int many_run(uint32_t n, double seconds, struct many_result *r)
{
	memset(r, 0, sizeof *r);
	r->n = n;
	struct many *m = many_open(n);
	if (!m)
		return 1;
	for (uint32_t k = 0; k < n; k++) {
		capnet_tcp_set_notify(m->conn[k].tx, on_tx, &m->conn[k]);
		capnet_tcp_set_notify(m->conn[k].rx, on_rx, &m->conn[k]);
		queue_tx(&m->conn[k]);
	}
	m->running = true;
	/* Warm up first: until every connection has moved a whole buffer (or
	 * for a bounded time), so that the simulator's frame pool has grown to
	 * what N windows in flight need and no connection is still in slow
	 * start; then measure the steady state. */
	m->deadline = bench_cpu() + (seconds > 5 ? seconds : 5);
	uint64_t rexmit_before = 0;
	m->warm_target = MANY_BUF;
	capnet_sim_run_until_cond(m->sim, many_warm, m, CAPNET_INSTANT_NEVER - 1);
	m->stop = false;
	m->warm_target = 0;
	uint64_t before = m->received;
	rexmit_before = sim_stack_stat(&m->a.st, CAPNET_STAT_tcp_sndrexmitpack);
	double w0 = bench_now(), c0 = bench_cpu();
	m->deadline = c0 + seconds;
	capnet_sim_run_until_cond(m->sim, many_stopped, m, CAPNET_INSTANT_NEVER - 1);
	r->wall = bench_now() - w0;
	r->cpu = bench_cpu() - c0;
	r->bytes = m->received - before;
	r->gbps = (double)r->bytes * 8 / r->wall / 1e9;
	r->gbps_cpu = (double)r->bytes * 8 / r->cpu / 1e9;
	r->arena_a = m->a.st.arena.used;
	r->arena_b = m->b.st.arena.used;
	r->retransmits = sim_stack_stat(&m->a.st, CAPNET_STAT_tcp_sndrexmitpack) - rexmit_before;
	r->mismatches = m->mismatches;
	r->failures = m->failures;
	uint64_t least = UINT64_MAX;
	for (uint32_t k = 0; k < n; k++)
		if (m->conn[k].received < least)
			least = m->conn[k].received;
	r->min_conn_kib = (uint32_t)(least / 1024);
	m->running = false;
	many_close(m);
	return r->mismatches == 0 && r->failures == 0 ? 0 : 1;
}

int bench_tcp_many(struct bench_ctx *ctx)
{
	static const uint32_t sweep[] = {1, 100, 10000};
	uint32_t one = ctx->conns;
	const uint32_t *ns = one ? &one : sweep;
	size_t count = one ? 1 : sizeof sweep / sizeof sweep[0];
	double seconds = ctx->seconds_given ? ctx->seconds : 2.0;
	json_t *rows = json_array();
	int rc = 0;
	double base = 0;
	if (!ctx->json)
		printf("%6s %10s %9s %9s %8s %12s %12s %8s %9s\n", "conns", "MiB", "Gbit/s", "CPU-Gb/s", "x one",
		       "arena A/conn", "arena B/conn", "rexmit", "least KiB");
	for (size_t i = 0; i < count; i++) {
		struct many_result r;
		if (many_run(ns[i], seconds, &r) != 0) {
			fprintf(stderr, "capnet bench tcp-many: %u connections: %s\n", ns[i],
				r.bytes == 0 && r.mismatches == 0 ? "setup failed" : "data mismatch or connection failure");
			rc = 1;
			if (r.bytes == 0)
				continue;
		}
		if (i == 0)
			base = r.gbps_cpu;
		double rel = base > 0 ? r.gbps_cpu / base : 0;
		size_t pa = r.arena_a / r.n, pb = r.arena_b / r.n;
		if (ctx->json)
			json_array_append_new(
				rows, json_pack("{s:i, s:I, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:i}", "conns",
						(int)r.n, "bytes", (json_int_t)r.bytes, "wall_s", r.wall, "cpu_s", r.cpu,
						"goodput_gbps", r.gbps, "goodput_cpu_gbps", r.gbps_cpu, "ratio_to_first",
						rel, "arena_bytes_a", (json_int_t)r.arena_a, "arena_bytes_b",
						(json_int_t)r.arena_b, "arena_bytes_per_conn_a", (json_int_t)pa,
						"arena_bytes_per_conn_b", (json_int_t)pb, "retransmits",
						(json_int_t)r.retransmits, "least_conn_kib", (int)r.min_conn_kib));
		else
			printf("%6u %10.1f %9.2f %9.2f %8.2f %12zu %12zu %8llu %9u\n", r.n, (double)r.bytes / 1048576.0,
			       r.gbps, r.gbps_cpu, rel, pa, pb, (unsigned long long)r.retransmits, r.min_conn_kib);
	}
	if (ctx->json) {
		json_object_set_new((json_t *)ctx->jresult, "buffer_bytes", json_integer(MANY_BUF));
		json_object_set_new((json_t *)ctx->jresult, "seconds_per_n", json_real(seconds));
		json_object_set_new((json_t *)ctx->jresult, "results", rows);
	} else {
		json_decref(rows);
		printf("(%u KiB send buffer on A and receive buffer on B per connection; %.1f CPU seconds each after a\n"
		       " warm-up; \"x one\" is the aggregate CPU-time goodput over the first row's; \"least KiB\" what the\n"
		       " slowest connection moved; arena bytes per connection of the sending and the receiving stack)\n",
		       MANY_BUF / 1024, seconds);
	}
	return rc;
}
