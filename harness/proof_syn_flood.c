/* Proof syn-flood: a SYN flood does not deny service (RFC 4987).
 *
 * Server B listens on port 80. From 0.1 s to 3.1 s an attacker puts
 * spoofed SYNs straight onto B's port: every one from a different on-link
 * source (192.0.2.100-254, spoofed MACs, random ports and ISNs; half with
 * timestamps, window scale and SACK-permitted, half with an MSS alone), 2000
 * a second. Nobody answers ARP for those sources, so every half-open
 * connection B makes waits on a neighbour that never resolves. At 1 s a
 * real client A connects and sends 64 KiB; B reads it to the end.
 *
 * Run 1 (SYN cookies on, the default): B's SYN queue fills within
 * milliseconds and stays full; every SYN beyond it gets a cookie SYN-ACK
 * (RFC 4987 3.6) and costs B nothing. A's connect completes one round trip
 * after its SYN, through a cookie; the transfer is byte-exact; the SYN
 * queue, the socket table, the buffer pool, the ARP cache and its pending
 * frames stay at their bounds, and B's arena does not grow. A's ARP entry
 * on B, REACHABLE, survives the thousands of INCOMPLETE ones the flood
 * makes (neighbour-cache admission, capnet/neigh.h).
 *
 * Run 2 (cookies off): the same flood. A's SYNs find the queue full and
 * are dropped; A connects only after the flood is over -- the denial the
 * cookies prevent, stated with its figures. Run 2 is not in the pcap. */
#include <stdio.h>
#include <string.h>

#include "capnet/neigh.h"
#include "capnet/rng.h"
#include "capnet/tcp.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/tcp.h"
#include "harness/proof.h"
#include "harness/sim_tcp.h"

#define PORT 80
#define TRANSFER (64u * 1024u)
#define FLOOD_START CAPNET_MS(100)
#define FLOOD_END CAPNET_MS(3100)
#define FLOOD_EVERY CAPNET_US(500) /* 2000 SYNs a second */
#define CONNECT_AT CAPNET_S(1)
#define SYN_BACKLOG 32
#define MAX_SOCKETS 64
#define RTT CAPNET_MS(2) /* 1 ms cables */

/* ---- the attacker ---- */

struct flood {
	struct capnet_sim *sim;
	int port;
	struct capnet_mac dst_mac;
	capnet_ip4addr dst_ip;
	struct capnet_xoshiro x;
	capnet_instant next;
	uint32_t sent, with_ts;
};

static size_t spoofed_syn(struct flood *f, uint8_t *frame)
{
	struct capnet_rng r = capnet_xoshiro_rng(&f->x);
	uint8_t host = (uint8_t)(100 + f->sent % 155); /* 192.0.2.100 .. .254 */
	struct capnet_mac src = {{0x02, 0x66, (uint8_t)(f->sent >> 16), (uint8_t)(f->sent >> 8), (uint8_t)f->sent, host}};
	capnet_ip4addr sip = CAPNET_IP4(192, 0, 2, host);
	struct capnet_tcp_repr t;
	memset(&t, 0, sizeof t);
	t.src_port = (uint16_t)(1024 + capnet_rng_below(&r, 64511));
	t.dst_port = PORT;
	t.seq = capnet_rng_u32(&r);
	t.flags = CAPNET_TCP_SYN;
	t.window = 64240;
	t.opt.has_mss = true;
	t.opt.mss = (uint16_t)(536 + capnet_rng_below(&r, 925));
	if (f->sent % 2 == 0) {
		t.opt.has_timestamp = true;
		t.opt.ts_val = capnet_rng_u32(&r);
		t.opt.has_wscale = true;
		t.opt.wscale = 7;
		t.opt.sack_permitted = true;
		f->with_ts++;
	}
	size_t tl = capnet_tcp_emit_len(&t);
	struct capnet_eth_repr eth = {.dst = f->dst_mac, .src = src, .ethertype = CAPNET_ETHERTYPE_IPV4};
	size_t n = capnet_eth_emit(&eth, frame);
	struct capnet_ip4_repr ip = {.src = sip, .dst = f->dst_ip, .proto = CAPNET_IPPROTO_TCP, .ttl = 64,
				     .ident = (uint16_t)f->sent, .payload_len = tl};
	n += capnet_ip4_emit(&ip, frame + n);
	n += capnet_tcp_emit(&t, frame + n, capnet_csum_pseudo4(sip, f->dst_ip, CAPNET_IPPROTO_TCP, (uint16_t)tl));
	if (n < 60) {
		memset(frame + n, 0, 60 - n);
		n = 60;
	}
	return n;
}

static capnet_instant flood_poll(void *ctx, capnet_instant now)
{
	struct flood *f = ctx;
	uint8_t frame[128];
	while (f->next <= now && f->next < FLOOD_END) {
		size_t n = spoofed_syn(f, frame);
		if (capnet_sim_inject(f->sim, f->port, frame, n) == CAPNET_OK)
			f->sent++;
		f->next += FLOOD_EVERY;
	}
	return f->next < FLOOD_END ? f->next : CAPNET_INSTANT_NEVER;
}

/* ---- the real client and the server's application ---- */

struct apps {
	struct sim_tcp *a, *b;
	struct capnet_tcp_sock *listener, *client, *server;
	uint8_t pattern[TRANSFER];
	size_t sent, received, mismatches;
	uint32_t accepted;
	bool client_closed, eof;
	capnet_instant connected_at, done_at;
};

static capnet_instant apps_poll(void *ctx, capnet_instant now)
{
	struct apps *p = ctx;
	bool progress = false;
	size_t n;
	if (p->client && p->connected_at < 0 && (capnet_tcp_events(p->client) & CAPNET_TCP_EV_CONNECTED)) {
		p->connected_at = now;
		progress = true;
	}
	if (p->client && p->connected_at >= 0 && !p->client_closed) {
		while (p->sent < TRANSFER &&
		       capnet_tcp_send(p->client, p->pattern + p->sent, TRANSFER - p->sent, &n, now) == CAPNET_OK && n > 0) {
			p->sent += n;
			progress = true;
		}
		if (p->sent == TRANSFER) {
			capnet_tcp_close(p->client, now);
			p->client_closed = true;
			progress = true;
		}
	}
	struct capnet_tcp_sock *c;
	while (p->listener && capnet_tcp_accept(p->listener, &c) == CAPNET_OK) {
		p->accepted++;
		if (p->server == NULL)
			p->server = c;
		else
			capnet_tcp_close(c, now); /* none expected: spoofed sources never ACK */
		progress = true;
	}
	if (p->server && !p->eof) {
		uint8_t buf[8192];
		capnet_err e;
		while ((e = capnet_tcp_recv(p->server, buf, sizeof buf, &n, now)) == CAPNET_OK && n > 0) {
			for (size_t k = 0; k < n && p->received + k < TRANSFER; k++)
				p->mismatches += buf[k] != p->pattern[p->received + k];
			p->received += n;
			progress = true;
		}
		if (e == CAPNET_E_CLOSED) {
			p->eof = true;
			p->done_at = now;
			capnet_tcp_close(p->server, now);
			p->server = NULL;
			progress = true;
		}
	}
	return progress ? now : CAPNET_INSTANT_NEVER;
}

/* ---- the bounds, sampled every millisecond ---- */

struct peaks {
	struct sim_tcp *b;
	struct capnet_tcp_sock *listener;
	capnet_ip4addr client_ip;
	uint32_t syn_queue, sockets, neigh, pending;
	size_t pool;
	bool client_entry_lost;
	capnet_instant next;
};

static capnet_instant peaks_poll(void *ctx, capnet_instant now)
{
	struct peaks *k = ctx;
	if (now < k->next)
		return k->next;
	k->next = now + CAPNET_MS(1);
	struct capnet_tcp_info li;
	capnet_tcp_info(k->listener, &li);
	if (li.syn_queue > k->syn_queue)
		k->syn_queue = li.syn_queue;
	struct capnet_tcp_layer_info la;
	capnet_tcp_layer_info(k->b->tcp, &la);
	if (la.sockets_in_use > k->sockets)
		k->sockets = la.sockets_in_use;
	if (la.pool_in_use > k->pool)
		k->pool = la.pool_in_use;
	struct capnet_neigh_entry e[64];
	size_t n = capnet_neigh_entries(k->b->st.ifc, CAPNET_AF_INET, e, 64);
	uint32_t pend = 0;
	bool client = false;
	for (size_t i = 0; i < n && i < 64; i++) {
		pend += e[i].pending;
		client |= e[i].addr.u.v4 == k->client_ip;
	}
	if (n > k->neigh)
		k->neigh = (uint32_t)n;
	if (pend > k->pending)
		k->pending = pend;
	if (!client && now < FLOOD_END)
		k->client_entry_lost = true;
	return k->next;
}

/* ---- one run ---- */

struct outcome {
	capnet_instant syn_at, connected_at, done_at;
	bool exact;
	uint32_t accepted, flood_sent, flood_ts;
	struct peaks pk;
	size_t arena_size, arena_before, arena_after;
	uint32_t arena_failed;
	uint64_t ctr[16];
};

static const enum capnet_stat named[] = {
	CAPNET_STAT_tcp_syn_queue_overflow, CAPNET_STAT_tcp_syncookies_sent,  CAPNET_STAT_tcp_syncookies_recv,
	CAPNET_STAT_tcp_syncookies_failed,  CAPNET_STAT_tcp_synrecv_reclaimed, CAPNET_STAT_tcp_backlog_overflow,
	CAPNET_STAT_tcp_sock_exhausted,     CAPNET_STAT_tcp_buf_exhausted,    CAPNET_STAT_tcp_accepts,
	CAPNET_STAT_arp_requests_sent,      CAPNET_STAT_arp_incomplete_recycled, CAPNET_STAT_arp_cache_full,
	CAPNET_STAT_arp_pending_dropped,    CAPNET_STAT_pool_exhausted,
};
#define NAMED (sizeof named / sizeof named[0])

static int run(struct proof_ctx *ctx, bool cookies, bool record, struct outcome *o)
{
	const struct capnet_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
	const capnet_ip4addr ip_a = CAPNET_IP4(192, 0, 2, 10), ip_b = CAPNET_IP4(192, 0, 2, 2);
	struct capnet_tcp_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.max_sockets = MAX_SOCKETS;
	cfg.syn_backlog = SYN_BACKLOG;
	cfg.no_syncookies = !cookies;

	struct capnet_sim *sim = record ? proof_sim_open(ctx) : sim_open_recording(ctx->seed, CAPNET_SIM_SWITCH, NULL);
	if (sim == NULL)
		return 1;
	static struct sim_tcp a, b;
	if (sim_tcp_open(&a, "A", sim, ctx->seed, mac_a, ip_a, &proof_wire_1ms, &cfg) != CAPNET_OK ||
	    sim_tcp_open(&b, "B", sim, ctx->seed, mac_b, ip_b, &proof_wire_1ms, &cfg) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	static struct apps ap;
	memset(&ap, 0, sizeof ap);
	ap.a = &a;
	ap.b = &b;
	ap.connected_at = ap.done_at = -1;
	for (size_t i = 0; i < TRANSFER; i++)
		ap.pattern[i] = (uint8_t)(i * 7 + 3);
	if (capnet_tcp_listen(b.tcp, PORT, 16, NULL, &ap.listener) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	capnet_sim_add_participant(sim, apps_poll, &ap);
	/* A and B know each other before the flood (A asks for B's address;
	 * B learns A's from the request): A's entry on B is REACHABLE. */
	struct capnet_ipaddr bip = {.af = CAPNET_AF_INET, .u.v4 = ip_b};
	capnet_neigh_resolve(a.st.ifc, &bip, 0);
	capnet_sim_run_until(sim, CAPNET_MS(50));

	static struct flood f;
	memset(&f, 0, sizeof f);
	f.sim = sim;
	f.port = b.st.port;
	f.dst_mac = mac_b;
	f.dst_ip = ip_b;
	capnet_xoshiro_seed(&f.x, ctx->seed ^ 0x5f1f100dull);
	f.next = FLOOD_START;
	capnet_sim_add_participant(sim, flood_poll, &f);
	memset(&o->pk, 0, sizeof o->pk);
	o->pk.b = &b;
	o->pk.listener = ap.listener;
	o->pk.client_ip = ip_a;
	o->pk.next = FLOOD_START;
	capnet_sim_add_participant(sim, peaks_poll, &o->pk);
	o->arena_size = b.st.arena.size;
	o->arena_before = b.st.arena.used;

	capnet_sim_run_until(sim, CONNECT_AT);
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = ip_b};
	o->syn_at = capnet_sim_now(sim);
	if (capnet_tcp_connect(a.tcp, &dst, PORT, 0, NULL, o->syn_at, &ap.client) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	capnet_sim_run_until(sim, CAPNET_S(30));
	capnet_sim_remove_participant(sim, peaks_poll, &o->pk);

	o->connected_at = ap.connected_at;
	o->done_at = ap.done_at;
	o->exact = ap.eof && ap.received == TRANSFER && ap.mismatches == 0;
	o->accepted = ap.accepted;
	o->flood_sent = f.sent;
	o->flood_ts = f.with_ts;
	o->arena_after = b.st.arena.used;
	o->arena_failed = b.st.arena.failed;
	for (size_t i = 0; i < NAMED; i++)
		o->ctr[i] = sim_stack_stat(&b.st, named[i]);
	capnet_sim_destroy(sim);
	sim_tcp_close(&a);
	sim_tcp_close(&b);
	return 0;
}

static uint64_t ctr(const struct outcome *o, enum capnet_stat s)
{
	for (size_t i = 0; i < NAMED; i++)
		if (named[i] == s)
			return o->ctr[i];
	return 0;
}

static void name_counters(struct proof_ctx *ctx, capnet_instant t, const char *run_name, const struct outcome *o)
{
	for (size_t i = 0; i < NAMED; i += 3) {
		char line[256];
		int len = snprintf(line, sizeof line, "%s counters:", run_name);
		for (size_t j = i; j < i + 3 && j < NAMED; j++)
			len += snprintf(line + len, sizeof line - (size_t)len, " %s=%llu", capnet_stat_name(named[j]),
					(unsigned long long)o->ctr[j]);
		proof_note(ctx, t, "%s", line);
	}
}

int proof_syn_flood(struct proof_ctx *ctx)
{
	static struct outcome on, off;
	proof_note(ctx, 0,
		   "B 192.0.2.2 listens on :%u (SYN queue %u, %u sockets); A 192.0.2.10; 1 ms cables; seed %llu",
		   PORT, SYN_BACKLOG, MAX_SOCKETS, (unsigned long long)ctx->seed);
	proof_note(ctx, 0,
		   "flood: spoofed SYNs from 192.0.2.100-254 onto B's port, one every %lld us from %lld ms to %lld ms; "
		   "A connects at %lld ms and sends %u bytes",
		   (long long)FLOOD_EVERY, (long long)(FLOOD_START / 1000), (long long)(FLOOD_END / 1000),
		   (long long)(CONNECT_AT / 1000), TRANSFER);
	if (run(ctx, true, true, &on) != 0)
		return 1;
	capnet_instant t = on.done_at > 0 ? on.done_at : CAPNET_S(30);
	proof_note(ctx, 0, "run 1, SYN cookies on (the default): %u spoofed SYNs (%u with timestamps, window scale and SACK)",
		   on.flood_sent, on.flood_ts);
	capnet_duration took = on.connected_at - on.syn_at;
	proof_check(ctx, on.connected_at, on.connected_at >= 0 && took <= RTT,
		    "A's connect completed %lld us after its SYN: within one round trip (%lld us), mid-flood",
		    (long long)took, (long long)RTT);
	proof_check(ctx, on.connected_at, ctr(&on, CAPNET_STAT_tcp_syncookies_recv) == 1 && on.accepted == 1,
		    "through a SYN cookie: B rebuilt exactly one connection from a cookie ACK (A's), accepted once");
	proof_check(ctx, t, on.exact && on.done_at > 0, "B read A's %u bytes exactly, to end of stream, at %lld ms",
		    TRANSFER, (long long)(on.done_at / 1000));
	proof_check(ctx, t, on.pk.syn_queue == SYN_BACKLOG,
		    "half-open (SYN queue) peak %u: at its bound %u, never beyond", on.pk.syn_queue, SYN_BACKLOG);
	proof_check(ctx, t, ctr(&on, CAPNET_STAT_tcp_syncookies_sent) > 0 &&
				    ctr(&on, CAPNET_STAT_tcp_syncookies_sent) == ctr(&on, CAPNET_STAT_tcp_syn_queue_overflow) &&
				    ctr(&on, CAPNET_STAT_tcp_backlog_overflow) == 0,
		    "every SYN beyond the queue was answered statelessly: %llu cookies sent, none dropped",
		    (unsigned long long)ctr(&on, CAPNET_STAT_tcp_syncookies_sent));
	proof_check(ctx, t, on.pk.sockets <= MAX_SOCKETS && on.pk.sockets <= SYN_BACKLOG + 3u,
		    "socket table peak %u of %u (the listener, the SYN queue, A's connection)", on.pk.sockets, MAX_SOCKETS);
	proof_check(ctx, t, on.pk.neigh <= 16 && on.pk.pending <= 16,
		    "ARP cache peak %u entries (bound 16), pending frames peak %u (bound 16 buffers)", on.pk.neigh,
		    on.pk.pending);
	proof_check(ctx, t, !on.pk.client_entry_lost,
		    "A's REACHABLE entry on B survived the flood's %llu INCOMPLETE recyclings",
		    (unsigned long long)ctr(&on, CAPNET_STAT_arp_incomplete_recycled));
	proof_check(ctx, t, on.arena_after == on.arena_before && on.arena_failed == 0,
		    "B's arena: %zu of %zu bytes used before the flood and after it, no allocation refused",
		    on.arena_after, on.arena_size);
	proof_note(ctx, t, "buffer pool peak %zu bytes (half-open rings included)", on.pk.pool);
	name_counters(ctx, t, "run 1", &on);

	if (run(ctx, false, false, &off) != 0)
		return 1;
	capnet_instant t2 = off.done_at > 0 ? off.done_at : CAPNET_S(30);
	proof_note(ctx, 0, "run 2, SYN cookies off (not in the pcap): the same %u spoofed SYNs", off.flood_sent);
	capnet_duration took2 = off.connected_at - off.syn_at;
	proof_check(ctx, off.connected_at, off.connected_at < 0 || off.connected_at >= FLOOD_END,
		    "DENIAL with cookies off: A's SYNs found the SYN queue full and were dropped; A connected only "
		    "%lld ms after its first SYN, once the flood was over (%lld us with cookies)",
		    (long long)(took2 / 1000), (long long)took);
	proof_check(ctx, t2, ctr(&off, CAPNET_STAT_tcp_backlog_overflow) > 0 &&
				     ctr(&off, CAPNET_STAT_tcp_syncookies_sent) == 0,
		    "%llu SYNs dropped at the full queue, no cookie sent",
		    (unsigned long long)ctr(&off, CAPNET_STAT_tcp_backlog_overflow));
	proof_check(ctx, t2, off.pk.syn_queue == SYN_BACKLOG && off.arena_after == off.arena_before,
		    "bounded all the same: SYN queue peak %u, arena unchanged", off.pk.syn_queue);
	name_counters(ctx, t2, "run 2", &off);
	return 0;
}
