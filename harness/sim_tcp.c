#include "harness/sim_tcp.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

capnet_err sim_tcp_open(struct sim_tcp *t, const char *name, struct capnet_sim *sim, uint64_t seed,
			struct capnet_mac mac, capnet_ip4addr ip, const struct capnet_sim_impair *impair,
			const struct capnet_tcp_config *tcfg)
{
	memset(t, 0, sizeof *t);
	struct capnet_stack_config cfg = {.without = CAPNET_STACK_NO_UDP | CAPNET_STACK_NO_CAPS};
	if (tcfg != NULL)
		cfg.tcp = *tcfg;
	capnet_err e = sim_stack_open(&t->st, name, sim, seed, mac, impair, &cfg);
	if (e != CAPNET_OK)
		return e;
	return sim_tcp_configure(t, ip);
}

capnet_err sim_tcp_configure(struct sim_tcp *t, capnet_ip4addr ip)
{
	t->tcp = capnet_stack_tcp(t->st.stack, 0);
	t->ip = ip;
	struct capnet_ip4_config c = {ip, 24, 0, CAPNET_PROV_FIXTURE};
	return capnet_iface_set_ip4(t->st.ifc, &c, capnet_sim_now(t->st.sim));
}

void sim_tcp_close(struct sim_tcp *t)
{
	sim_stack_close(&t->st);
	t->tcp = NULL;
}

/* ---- bulk transfer ---- */

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* The pattern: splitmix64 output bytes, so any misplaced byte shows. */
static void fill_pattern(struct sim_bulk *b, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t z = (b->pattern_state += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		memcpy(b->pat + i, &z, 8);
	}
}

/* The pattern is produced in 64 KiB pages; `pat_pos` bytes of the current
 * page have been queued. */
static size_t pat_pos(const struct sim_bulk *b)
{
	return (size_t)(b->sent % sizeof b->pat);
}

static bool drive_tx(struct sim_bulk *b, capnet_instant now)
{
	bool progress = false;
	while (b->tx && b->sent < b->total) {
		size_t pos = pat_pos(b);
		size_t n = sizeof b->pat - pos;
		if (n > b->total - b->sent)
			n = (size_t)(b->total - b->sent);
		if (n > b->chunk)
			n = b->chunk;
		size_t q = 0;
		capnet_err e = capnet_tcp_send(b->tx, b->pat + pos, n, &q, now);
		if (e == CAPNET_E_AGAIN)
			break;
		if (e != CAPNET_OK) {
			if (b->error == CAPNET_OK)
				b->error = e;
			b->failed = true;
			return progress;
		}
		if (!b->fast_verify)
			b->hash_sent = fnv(b->hash_sent, b->pat + pos, q);
		b->sent += q;
		progress = true;
		if (b->sent % sizeof b->pat == 0 && !b->fast_verify)
			fill_pattern(b, sizeof b->pat);
		if (q < n)
			break;
	}
	if (b->tx && b->sent == b->total && !b->tx_closed) {
		capnet_tcp_info(b->tx, &b->tx_info);
		capnet_tcp_close(b->tx, now);
		b->tx = NULL;
		b->tx_closed = true;
		progress = true;
	}
	return progress;
}

/* fast_verify: what was read must match the repeated page at its offset. */
static void check_page(struct sim_bulk *b, size_t got)
{
	size_t off = (size_t)(b->received % sizeof b->pat), done = 0;
	while (done < got) {
		size_t n = sizeof b->pat - off;
		if (n > got - done)
			n = got - done;
		if (memcmp(b->buf + done, b->pat + off, n) != 0)
			b->mismatches++;
		done += n;
		off = 0;
	}
}

static bool drive_rx(struct sim_bulk *b, capnet_instant now)
{
	bool progress = false;
	if (b->rx == NULL && b->listener && !b->rx_eof) {
		if (capnet_tcp_accept(b->listener, &b->rx) == CAPNET_OK)
			progress = true;
	}
	while (b->rx) {
		size_t got = 0;
		capnet_err e = capnet_tcp_recv(b->rx, b->buf, sizeof b->buf, &got, now);
		if (e == CAPNET_OK) {
			if (b->fast_verify)
				check_page(b, got);
			else
				b->hash_recv = fnv(b->hash_recv, b->buf, got);
			b->received += got;
			progress = true;
			continue;
		}
		if (e == CAPNET_E_AGAIN)
			break;
		if (e == CAPNET_E_CLOSED) {
			b->rx_eof = true;
			b->done_at = now;
		} else {
			if (b->error == CAPNET_OK)
				b->error = e;
			b->failed = true;
		}
		capnet_tcp_close(b->rx, now);
		b->rx = NULL;
		progress = true;
	}
	return progress;
}

static capnet_instant bulk_poll(void *ctx, capnet_instant now)
{
	struct sim_bulk *b = ctx;
	bool p = drive_rx(b, now);
	p |= drive_tx(b, now);
	/* Progress changed the stacks' timers: one more round so they report
	 * their new deadlines to the simulator. */
	return p ? now : CAPNET_INSTANT_NEVER;
}

capnet_err sim_bulk_start(struct sim_bulk *b, struct capnet_sim *sim, struct sim_tcp *client, struct sim_tcp *server,
			  uint16_t port, uint64_t total, uint64_t pattern_seed, const struct capnet_tcp_sockopts *opts)
{
	memset(b, 0, offsetof(struct sim_bulk, buf));
	b->sim = sim;
	b->client = client;
	b->server = server;
	b->total = total;
	b->hash_sent = b->hash_recv = FNV_OFFSET;
	b->pattern_state = pattern_seed;
	b->chunk = 16384;
	b->started_at = capnet_sim_now(sim);
	fill_pattern(b, sizeof b->pat);
	capnet_err e = capnet_tcp_listen(server->tcp, port, 4, opts, &b->listener);
	if (e != CAPNET_OK)
		return e;
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = server->ip};
	if (server->has_ip6) {
		dst.af = CAPNET_AF_INET6;
		dst.u.v6 = server->ip6;
	}
	e = capnet_tcp_connect(client->tcp, &dst, port, 0, opts, capnet_sim_now(sim), &b->tx);
	if (e != CAPNET_OK)
		return e;
	return capnet_sim_add_participant(sim, bulk_poll, b);
}

bool sim_bulk_done(void *ctx)
{
	const struct sim_bulk *b = ctx;
	return b->rx_eof || b->failed;
}

bool sim_bulk_exact(const struct sim_bulk *b)
{
	return b->rx_eof && !b->failed && b->sent == b->total && b->received == b->total &&
	       b->hash_recv == b->hash_sent && b->mismatches == 0;
}
