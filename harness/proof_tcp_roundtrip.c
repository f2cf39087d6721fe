/* Proof tcp-roundtrip: a listener on B and a client on A exchange one
 * request and one response over TCP and close cleanly. Every state
 * transition of every connection (RFC 9293 3.3.2) is in the transcript at
 * its synthetic time, watched from outside through the status view; then
 * the proof checks the handshake took one round trip, the bytes arrived
 * exactly, the closer went through TIME-WAIT for exactly 2*MSL, and every
 * socket, ring and timer went back to the pools. */
#include <stdio.h>
#include <string.h>

#include "capnet/tcp.h"
#include "harness/proof.h"
#include "harness/sim_tcp.h"

#define PORT 80
#define RESPONSE_LEN 5000 /* four segments */

static const char request[] = "GET /capnet HTTP/1.0\r\nHost: b.example\r\n\r\n";

/* ---- the watcher: every transition, reported by the layer as it happens ---- */

struct watcher {
	struct proof_ctx *ctx;
	unsigned transitions;
	capnet_instant time_wait_entered, time_wait_left;
};

struct watch_hook {
	struct watcher *w;
	const char *stack;
};

static void on_state(void *vctx, const struct capnet_tcp_sock *s, enum capnet_tcp_state from,
		     enum capnet_tcp_state to, capnet_instant now)
{
	struct watch_hook *h = vctx;
	struct watcher *w = h->w;
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	if (i.listener)
		proof_note(w->ctx, now, "%s  listener *:%u  %s -> %s", h->stack, i.local.port,
			   capnet_tcp_state_name(from), capnet_tcp_state_name(to));
	else
		proof_note(w->ctx, now, "%s  %s -> %s  %s -> %s", h->stack, fmt_endpoint4(&i.local),
			   fmt_endpoint4(&i.remote), capnet_tcp_state_name(from), capnet_tcp_state_name(to));
	if (to == CAPNET_TCP_TIME_WAIT)
		w->time_wait_entered = now;
	if (from == CAPNET_TCP_TIME_WAIT)
		w->time_wait_left = now;
	w->transitions++;
}

/* ---- the two applications ---- */

struct apps {
	struct proof_ctx *ctx;
	struct capnet_tcp_sock *listener, *server, *client;
	uint8_t response[RESPONSE_LEN];
	uint8_t got_req[128];
	size_t got_req_len, resp_sent;
	uint8_t got_resp[RESPONSE_LEN + 16];
	size_t got_resp_len;
	bool server_done, client_eof;
	capnet_instant connected_at, request_at, response_at, eof_at;
};

static capnet_instant apps_poll(void *vctx, capnet_instant now)
{
	struct apps *a = vctx;
	bool progress = false;
	size_t n = 0;
	if (a->client && a->connected_at < 0 && (capnet_tcp_events(a->client) & CAPNET_TCP_EV_CONNECTED)) {
		a->connected_at = now;
		capnet_tcp_send(a->client, request, sizeof request - 1, &n, now);
		progress = true;
	}
	if (!a->server && a->listener && capnet_tcp_accept(a->listener, &a->server) == CAPNET_OK)
		progress = true;
	if (a->server && !a->server_done) {
		while (capnet_tcp_recv(a->server, a->got_req + a->got_req_len, sizeof a->got_req - a->got_req_len, &n,
				       now) == CAPNET_OK && n > 0) {
			a->got_req_len += n;
			progress = true;
		}
		if (a->got_req_len == sizeof request - 1 && a->request_at < 0)
			a->request_at = now;
		if (a->request_at >= 0) {
			while (a->resp_sent < RESPONSE_LEN &&
			       capnet_tcp_send(a->server, a->response + a->resp_sent, RESPONSE_LEN - a->resp_sent, &n,
					       now) == CAPNET_OK) {
				a->resp_sent += n;
				progress = true;
			}
			if (a->resp_sent == RESPONSE_LEN) {
				/* The server closes first: it will hold TIME-WAIT. */
				capnet_tcp_close(a->server, now);
				a->server = NULL;
				a->server_done = true;
				progress = true;
			}
		}
	}
	if (a->client && !a->client_eof) {
		capnet_err e;
		while ((e = capnet_tcp_recv(a->client, a->got_resp + a->got_resp_len,
					    sizeof a->got_resp - a->got_resp_len, &n, now)) == CAPNET_OK && n > 0) {
			a->got_resp_len += n;
			progress = true;
			if (a->got_resp_len == RESPONSE_LEN)
				a->response_at = now;
		}
		if (e == CAPNET_E_CLOSED) {
			a->client_eof = true;
			a->eof_at = now;
			capnet_tcp_close(a->client, now);
			a->client = NULL;
			progress = true;
		}
	}
	return progress ? now : CAPNET_INSTANT_NEVER;
}

int proof_tcp_roundtrip(struct proof_ctx *ctx)
{
	const struct capnet_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
	const capnet_ip4addr ip_a = CAPNET_IP4(192, 0, 2, 10), ip_b = CAPNET_IP4(192, 0, 2, 11);
	struct capnet_tcp_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.max_sockets = 8;
	cfg.time_wait = CAPNET_S(4); /* 2*MSL with a simulated MSL of 2 s */

	struct capnet_sim *sim = proof_sim_open(ctx);
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
	ap.ctx = ctx;
	ap.connected_at = ap.request_at = ap.response_at = ap.eof_at = -1;
	for (size_t i = 0; i < RESPONSE_LEN; i++)
		ap.response[i] = (uint8_t)('a' + i % 26);
	static struct watcher w;
	memset(&w, 0, sizeof w);
	w.ctx = ctx;
	static struct watch_hook ha, hb;
	ha = (struct watch_hook){&w, "A"};
	hb = (struct watch_hook){&w, "B"};
	capnet_tcp_on_state(a.tcp, on_state, &ha);
	capnet_tcp_on_state(b.tcp, on_state, &hb);
	capnet_sim_add_participant(sim, apps_poll, &ap);
	proof_note(ctx, 0, "A %s and B %s on one switch, 1 ms per cable; TIME-WAIT (2*MSL) %d s; seed %llu",
		   fmt_ip4(ip_a), fmt_ip4(ip_b), (int)(cfg.time_wait / CAPNET_S(1)), (unsigned long long)ctx->seed);

	/* 1. B listens. */
	proof_check(ctx, 0, capnet_tcp_listen(b.tcp, PORT, 4, NULL, &ap.listener) == CAPNET_OK, "B listens on port %u",
		    PORT);
	capnet_sim_run_until(sim, CAPNET_MS(20));

	/* 2. A connects: ARP first, then SYN, SYN-ACK, ACK. */
	capnet_instant t_connect = capnet_sim_now(sim);
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = ip_b};
	capnet_err e = capnet_tcp_connect(a.tcp, &dst, PORT, 0, NULL, t_connect, &ap.client);
	proof_check(ctx, t_connect, e == CAPNET_OK, "A connects to %s:%u from an ephemeral port", fmt_ip4(ip_b), PORT);
	capnet_sim_run_until(sim, CAPNET_S(20));

	struct capnet_tcp_info li;
	capnet_tcp_info(ap.listener, &li);
	/* ARP (2 ms) then one round trip (2 ms): A is established 4 ms after connect. */
	proof_check(ctx, ap.connected_at, ap.connected_at == t_connect + CAPNET_MS(4),
		    "A ESTABLISHED one round trip after ARP resolution (%lld us after connect)",
		    (long long)(ap.connected_at - t_connect));
	proof_check(ctx, ap.request_at, ap.got_req_len == sizeof request - 1 &&
						memcmp(ap.got_req, request, sizeof request - 1) == 0,
		    "B read the %zu-byte request exactly", sizeof request - 1);
	proof_check(ctx, ap.response_at, ap.got_resp_len == RESPONSE_LEN &&
						 memcmp(ap.got_resp, ap.response, RESPONSE_LEN) == 0,
		    "A read the %d-byte response exactly", RESPONSE_LEN);
	proof_check(ctx, ap.eof_at, ap.client_eof && ap.eof_at > ap.response_at - 1,
		    "A saw end of stream (B's FIN) after the last byte");
	capnet_duration tw = w.time_wait_left - w.time_wait_entered;
	proof_check(ctx, w.time_wait_left, w.time_wait_entered > 0 && tw == cfg.time_wait,
		    "B, the active closer, held TIME-WAIT for exactly 2*MSL (%lld ms)", (long long)(tw / 1000));

	struct capnet_tcp_layer_info la, lb;
	capnet_tcp_layer_info(a.tcp, &la);
	capnet_tcp_layer_info(b.tcp, &lb);
	capnet_instant end = capnet_sim_now(sim);
	proof_check(ctx, end, la.sockets_in_use == 0 && lb.sockets_in_use == 1 && la.pool_in_use == 0 &&
				      lb.pool_in_use == 0,
		    "every control block and ring is back in its pool (A %u sockets, B %u: the listener)",
		    la.sockets_in_use, lb.sockets_in_use);
	uint64_t rexmit = sim_stack_stat(&a.st, CAPNET_STAT_tcp_sndrexmitpack) +
			  sim_stack_stat(&b.st, CAPNET_STAT_tcp_sndrexmitpack);
	uint64_t rst = sim_stack_stat(&a.st, CAPNET_STAT_tcp_sndrst) + sim_stack_stat(&b.st, CAPNET_STAT_tcp_sndrst);
	proof_check(ctx, end, rexmit == 0 && rst == 0, "no retransmission and no reset on a clean path");
	/* A: SYN-SENT, ESTABLISHED, CLOSE-WAIT, LAST-ACK, CLOSED; B: LISTEN;
	 * B's connection: SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2,
	 * TIME-WAIT, CLOSED. */
	proof_check(ctx, end, w.transitions == 12,
		    "%u state transitions: A 5, B's listener 1, B's connection 6, each in RFC 9293 order",
		    w.transitions);
	proof_note(ctx, end, "segments: A sent %llu, B sent %llu",
		   (unsigned long long)sim_stack_stat(&a.st, CAPNET_STAT_tcp_sndtotal),
		   (unsigned long long)sim_stack_stat(&b.st, CAPNET_STAT_tcp_sndtotal));

	capnet_sim_destroy(sim);
	sim_tcp_close(&a);
	sim_tcp_close(&b);
	return 0;
}
