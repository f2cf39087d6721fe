/* Proof virtio-shuttle: two stacks, each on the virtio-net driver
 * (libcapnet/nic/virtio) driving a virtio-net device model over
 * virtio-mmio, whose wires are two ports of one simulated switch. The
 * driver is brought up with the exact status sequence, then the stacks
 * resolve each other by ARP, exchange ICMP echo, and run a TCP round trip
 * (connect, 4 KiB each way, close). Every frame crosses the rings twice
 * (TX on one side, RX on the other); the proof checks that every frame the
 * stacks handed over reached the wire and back byte for byte (TCP and ICMP
 * checksums, exact payload compare), the timings equal a plain shuttle
 * port's, no fault counter moved, no interrupt was raised (polled driver),
 * and stopping the drivers gives every DMA byte back. */
#include <string.h>

#include "capnet/tcp.h"
#include "capnet/wire/icmp4.h"
#include "harness/proof.h"
#include "harness/sim_virtio.h"

#define ECHO_ID 0x5649 /* "VI" */
#define ECHO_LEN 56
#define PORT 7 /* echo */
#define PAYLOAD 4096
#define QUEUE 8 /* small, so every ring wraps during the proof */

struct pings {
	unsigned n;
	uint16_t seq[8];
	capnet_instant at[8];
	bool data_ok[8];
};

static void on_reply(void *ctx, const struct capnet_echo_reply *r, capnet_instant now)
{
	struct pings *p = ctx;
	if (p->n >= 8 || r->ident != ECHO_ID)
		return;
	bool ok = r->data_len == ECHO_LEN;
	for (size_t i = 0; ok && i < ECHO_LEN; i++)
		ok = r->data[i] == (uint8_t)(r->seq * 3 + i);
	p->seq[p->n] = r->seq;
	p->at[p->n] = now;
	p->data_ok[p->n] = ok;
	p->n++;
}

/* ---- the TCP echo: A sends PAYLOAD bytes, B sends them back, A closes ---- */

struct echo {
	struct capnet_tcp_sock *listener, *server, *client;
	uint8_t out[PAYLOAD], back[PAYLOAD], srv[PAYLOAD];
	size_t sent, got_back, srv_got, srv_sent;
	bool server_closed, client_closed;
	capnet_instant connected_at, echoed_at, server_eof_at, srv_full_at;
};

static capnet_instant echo_poll(void *vctx, capnet_instant now)
{
	struct echo *e = vctx;
	bool progress = false;
	size_t n;
	if (e->client && e->connected_at < 0 && (capnet_tcp_events(e->client) & CAPNET_TCP_EV_CONNECTED)) {
		e->connected_at = now;
		progress = true;
	}
	if (e->client && e->connected_at >= 0 && e->sent < PAYLOAD &&
	    capnet_tcp_send(e->client, e->out + e->sent, PAYLOAD - e->sent, &n, now) == CAPNET_OK && n > 0) {
		e->sent += n;
		progress = true;
	}
	if (!e->server && e->listener && !e->server_closed && capnet_tcp_accept(e->listener, &e->server) == CAPNET_OK)
		progress = true;
	if (e->server) {
		capnet_err r;
		while ((r = capnet_tcp_recv(e->server, e->srv + e->srv_got, PAYLOAD - e->srv_got, &n, now)) ==
			       CAPNET_OK && n > 0) {
			e->srv_got += n;
			progress = true;
			if (e->srv_got == PAYLOAD)
				e->srv_full_at = now;
		}
		if (e->srv_sent < e->srv_got &&
		    capnet_tcp_send(e->server, e->srv + e->srv_sent, e->srv_got - e->srv_sent, &n, now) == CAPNET_OK &&
		    n > 0) {
			e->srv_sent += n;
			progress = true;
		}
		if (r == CAPNET_E_CLOSED && e->srv_sent == e->srv_got) {
			e->server_eof_at = now;
			capnet_tcp_close(e->server, now);
			e->server = NULL;
			e->server_closed = true;
			progress = true;
		}
	}
	if (e->client && !e->client_closed) {
		while (capnet_tcp_recv(e->client, e->back + e->got_back, PAYLOAD - e->got_back, &n, now) == CAPNET_OK &&
		       n > 0) {
			e->got_back += n;
			progress = true;
		}
		if (e->got_back == PAYLOAD) {
			e->echoed_at = now;
			capnet_tcp_close(e->client, now);
			e->client = NULL;
			e->client_closed = true;
			progress = true;
		}
	}
	return progress ? now : CAPNET_INSTANT_NEVER;
}

static uint64_t vs(const struct sim_virtio *v, enum capnet_virtio_stat s)
{
	return capnet_virtio_net_stat(&v->vn, s);
}

static uint64_t faults(const struct sim_virtio *v)
{
	uint64_t n = 0;
	for (int s = CAPNET_VIRTIO_STAT_used_idx_jump; s < CAPNET_VIRTIO_STAT__COUNT; s++)
		n += vs(v, (enum capnet_virtio_stat)s);
	return n;
}

static const char *rtt_text(capnet_duration rtt)
{
	static char b[2][32];
	static unsigned k;
	char *p = b[k++ % 2];
	snprintf(p, 32, "%lld.%03lld ms", (long long)(rtt / 1000), (long long)(rtt % 1000));
	return p;
}

int proof_virtio_shuttle(struct proof_ctx *ctx)
{
	const struct capnet_mac mac_a = {{0x52, 0x54, 0, 0, 0, 0x0a}}, mac_b = {{0x52, 0x54, 0, 0, 0, 0x0b}};
	const capnet_ip4addr ip_a = CAPNET_IP4(192, 0, 2, 10), ip_b = CAPNET_IP4(192, 0, 2, 11);
	struct capnet_tcp_config tcfg;
	memset(&tcfg, 0, sizeof tcfg);
	tcfg.max_sockets = 8;
	tcfg.time_wait = CAPNET_S(4);

	struct capnet_sim *sim = proof_sim_open(ctx);
	if (sim == NULL)
		return 1;
	static struct sim_virtio a, b;
	capnet_err ea = sim_virtio_open(&a, "A", sim, ctx->seed, mac_a, ip_a, &proof_wire_1ms, &tcfg, QUEUE);
	capnet_err eb = ea == CAPNET_OK ? sim_virtio_open(&b, "B", sim, ctx->seed, mac_b, ip_b, &proof_wire_1ms, &tcfg, QUEUE)
					: CAPNET_E_STATE;
	if (ea != CAPNET_OK || eb != CAPNET_OK) {
		fprintf(stderr, "capnet: virtio-shuttle setup: %s / %s\n", capnet_errname(ea), capnet_errname(eb));
		capnet_sim_destroy(sim);
		return 1;
	}
	proof_note(ctx, 0, "A %s and B %s, each: stack -> virtio-net driver -> virtio-mmio device model -> switch port;"
			   " %u-entry split queues (every ring wraps), 1 ms per cable, seed %llu",
		   fmt_ip4(ip_a), fmt_ip4(ip_b), QUEUE, (unsigned long long)ctx->seed);

	/* 1. Bring-up. */
	struct sim_virtio *both[2] = {&a, &b};
	for (int i = 0; i < 2; i++) {
		struct sim_virtio *v = both[i];
		const uint8_t *log;
		size_t n = capnet_sim_virtio_status_log(v->dev, &log);
		const uint8_t want[] = {0x00, 0x01, 0x03, 0x0b, 0x0f};
		proof_check(ctx, 0, n == sizeof want && memcmp(log, want, n) == 0 &&
					    capnet_virtio_net_state(&v->vn) == CAPNET_VIRTIO_UP,
			    "%s driver up: status reset, ACKNOWLEDGE, DRIVER, FEATURES_OK (re-read), DRIVER_OK", v->t.st.name);
		uint64_t want_f = CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_VERSION_1) | CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_MAC) |
				  CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_STATUS) |
				  CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_RING_EVENT_IDX);
		proof_check(ctx, 0, capnet_sim_virtio_driver_features(v->dev) == want_f &&
					    capnet_mac_eq(v->t.st.nic->mac, i == 0 ? mac_a : mac_b) && v->t.st.nic->mtu == 1500,
			    "%s negotiated VERSION_1 MAC STATUS EVENT_IDX, no offload; MAC %s and MTU %u from the device",
			    v->t.st.name, fmt_mac(v->t.st.nic->mac), v->t.st.nic->mtu);
		proof_check(ctx, 0, v->vn.rx.buf_dev[0] >= CAPNET_SIM_VIRTIO_DMA_BASE &&
					    v->vn.rx.buf_dev[0] != (uint64_t)(uintptr_t)v->vn.rx.bufs,
			    "%s rings and buffers at device addresses from the DMA provider (base 0x%llx), not CPU pointers",
			    v->t.st.name, (unsigned long long)CAPNET_SIM_VIRTIO_DMA_BASE);
	}

	/* 2. Addresses announced, then A pings B: ARP first. */
	struct pings pa = {0};
	capnet_icmp4_on_echo_reply(a.t.st.ifc, on_reply, &pa);
	capnet_sim_run_until(sim, CAPNET_MS(10));
	proof_check(ctx, CAPNET_MS(10), sim_stack_stat(&a.t.st, CAPNET_STAT_arp_gratuitous_sent) == 1 &&
						sim_stack_stat(&b.t.st, CAPNET_STAT_arp_gratuitous_sent) == 1,
		    "each stack announced its address with one gratuitous ARP through its TX ring");
	for (uint16_t seq = 1; seq <= 3; seq++) {
		capnet_instant sent = CAPNET_S(seq);
		capnet_sim_run_until(sim, sent);
		uint8_t data[ECHO_LEN];
		for (size_t i = 0; i < ECHO_LEN; i++)
			data[i] = (uint8_t)(seq * 3 + i);
		capnet_err e = capnet_icmp4_echo_send(a.t.st.ifc, ip_b, ECHO_ID, seq, data, ECHO_LEN, sent);
		capnet_sim_run_until(sim, sent + CAPNET_MS(500));
		bool got = e == CAPNET_OK && pa.n == seq && pa.seq[seq - 1] == seq && pa.data_ok[seq - 1];
		capnet_duration rtt = got ? pa.at[seq - 1] - sent : -1;
		capnet_duration want = seq == 1 ? CAPNET_MS(4) : CAPNET_MS(2);
		proof_check(ctx, got ? pa.at[seq - 1] : sent + CAPNET_MS(500), got && rtt == want,
			    "A <- B echo reply seq %u, %u bytes intact, rtt %s%s", seq, ECHO_LEN, rtt_text(rtt),
			    seq == 1 ? " (includes ARP resolution)" : "");
	}
	struct capnet_mac m;
	proof_check(ctx, capnet_sim_now(sim),
		    capnet_arp_lookup(a.t.st.ifc, ip_b, &m) == CAPNET_OK && capnet_mac_eq(m, mac_b) &&
			    sim_stack_stat(&a.t.st, CAPNET_STAT_arp_requests_sent) == 1 &&
			    capnet_arp_lookup(b.t.st.ifc, ip_a, &m) == CAPNET_OK && capnet_mac_eq(m, mac_a),
		    "A resolved %s to %s with one ARP request; B learned %s from it", fmt_ip4(ip_b), fmt_mac(mac_b),
		    fmt_ip4(ip_a));

	/* 3. TCP: A connects to B's echo port, sends 4 KiB, reads it back, closes. */
	static struct echo ec;
	memset(&ec, 0, sizeof ec);
	ec.connected_at = ec.echoed_at = ec.server_eof_at = ec.srv_full_at = -1;
	for (size_t i = 0; i < PAYLOAD; i++)
		ec.out[i] = (uint8_t)(i * 131 + (i >> 8));
	capnet_sim_add_participant(sim, echo_poll, &ec);
	capnet_sim_run_until(sim, CAPNET_S(4));
	proof_check(ctx, CAPNET_S(4), capnet_tcp_listen(b.t.tcp, PORT, 4, NULL, &ec.listener) == CAPNET_OK,
		    "B listens on port %u", PORT);
	capnet_instant t_connect = CAPNET_S(4);
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = ip_b};
	capnet_err e = capnet_tcp_connect(a.t.tcp, &dst, PORT, 0, NULL, t_connect, &ec.client);
	proof_check(ctx, t_connect, e == CAPNET_OK, "A connects to %s:%u", fmt_ip4(ip_b), PORT);
	capnet_sim_run_until(sim, CAPNET_S(20));
	proof_check(ctx, ec.connected_at, ec.connected_at == t_connect + CAPNET_MS(2),
		    "A ESTABLISHED after one round trip (%s): SYN, SYN-ACK, ACK through four rings",
		    rtt_text(ec.connected_at - t_connect));
	proof_check(ctx, ec.srv_full_at, ec.srv_got == PAYLOAD && memcmp(ec.srv, ec.out, PAYLOAD) == 0,
		    "B received the %d bytes exactly and echoed them", PAYLOAD);
	proof_check(ctx, ec.echoed_at, ec.got_back == PAYLOAD && memcmp(ec.back, ec.out, PAYLOAD) == 0,
		    "A read the %d bytes back exactly", PAYLOAD);
	proof_check(ctx, ec.server_eof_at, ec.client_closed && ec.server_closed && ec.server_eof_at >= ec.echoed_at,
		    "A closed; B saw end of stream and closed");
	struct capnet_tcp_layer_info la, lb;
	capnet_tcp_layer_info(a.t.tcp, &la);
	capnet_tcp_layer_info(b.t.tcp, &lb);
	capnet_instant end = capnet_sim_now(sim);
	uint64_t rexmit = sim_stack_stat(&a.t.st, CAPNET_STAT_tcp_sndrexmitpack) +
			  sim_stack_stat(&b.t.st, CAPNET_STAT_tcp_sndrexmitpack);
	proof_check(ctx, end, la.sockets_in_use == 0 && lb.sockets_in_use == 1 && la.pool_in_use == 0 &&
				      lb.pool_in_use == 0 && rexmit == 0,
		    "no retransmission; after TIME-WAIT every socket is back in its pool (B keeps its listener)");

	/* 4. The frame accounting, end to end, per side. */
	for (int i = 0; i < 2; i++) {
		struct sim_virtio *v = both[i];
		const struct capnet_sim_virtio_stats *d = capnet_sim_virtio_stats(v->dev);
		const struct capnet_sim_port_stats *p = capnet_sim_port_stats(sim, v->t.st.port);
		uint64_t stack_tx = sim_stack_stat(&v->t.st, CAPNET_STAT_eth_tx_frames);
		uint64_t stack_rx = sim_stack_stat(&v->t.st, CAPNET_STAT_eth_rx_frames);
		proof_check(ctx, end, stack_tx == vs(v, CAPNET_VIRTIO_STAT_tx_frames) && stack_tx == d->tx_frames &&
					      stack_tx == p->tx_frames,
			    "%s sent %llu frames: stack = driver TX ring = device = wire", v->t.st.name,
			    (unsigned long long)stack_tx);
		proof_check(ctx, end, stack_rx == vs(v, CAPNET_VIRTIO_STAT_rx_frames) && stack_rx == d->rx_frames &&
					      stack_rx == p->rx_frames && p->rx_queue_depth == 0,
			    "%s received %llu frames: wire = device = driver RX ring = stack", v->t.st.name,
			    (unsigned long long)stack_rx);
		proof_check(ctx, end, (uint16_t)(v->vn.tx.avail_idx) > QUEUE && (uint16_t)(v->vn.rx.avail_idx) > 2 * QUEUE,
			    "%s rings wrapped: TX %u and RX %u buffers made available through %u entries", v->t.st.name,
			    v->vn.tx.avail_idx, v->vn.rx.avail_idx, QUEUE);
		proof_check(ctx, end, faults(v) == 0 && d->bad_dma == 0 && d->bad_desc == 0 && d->interrupts == 0 &&
					      vs(v, CAPNET_VIRTIO_STAT_tx_ring_full) == 0,
			    "%s: no fault counted, no bad address or descriptor, no interrupt raised (polled), TX ring never full",
			    v->t.st.name);
		proof_note(ctx, end, "%s notifications: TX %llu sent / %llu suppressed, RX %llu sent / %llu suppressed (EVENT_IDX)",
			   v->t.st.name, (unsigned long long)vs(v, CAPNET_VIRTIO_STAT_tx_notifies),
			   (unsigned long long)vs(v, CAPNET_VIRTIO_STAT_tx_notifies_suppressed),
			   (unsigned long long)vs(v, CAPNET_VIRTIO_STAT_rx_notifies),
			   (unsigned long long)vs(v, CAPNET_VIRTIO_STAT_rx_notifies_suppressed));
	}

	/* 5. Stop: reset, every DMA byte back. */
	capnet_virtio_net_stop(&a.vn);
	capnet_virtio_net_stop(&b.vn);
	proof_check(ctx, end, capnet_sim_virtio_stats(a.dev)->dma_in_use == 0 &&
				      capnet_sim_virtio_stats(b.dev)->dma_in_use == 0 &&
				      capnet_sim_virtio_status(a.dev) == 0 && capnet_sim_virtio_status(b.dev) == 0,
		    "both drivers stopped: devices reset, all DMA memory returned to the provider");

	capnet_sim_destroy(sim);
	sim_virtio_close(&a);
	sim_virtio_close(&b);
	return 0;
}
