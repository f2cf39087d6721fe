/* The simulator: switch and hub forwarding, every impairment with exact
 * timing, the bounded RX queue, the event loop's jumps, injection, link
 * state, the pcap writer, and determinism (same seed, same bytes). Each test
 * owns its sim; frames carry a sequence number so deliveries can be matched
 * to sends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capnet/host/pcap_writer.h"
#include "check_main.h"
#include "sim/sim.h"

#define FRAME_MAX 1600
#define LOG_MAX 512
#define ETHERTYPE_TEST 0x88b5 /* IEEE local experimental */

static struct capnet_mac mac_n(uint8_t n)
{
	return (struct capnet_mac){{0x02, 0x00, 0x00, 0x00, 0x00, n}};
}

/* dst, src, ethertype, then a 32-bit sequence number, then filler. */
static size_t build_frame(uint8_t *buf, struct capnet_mac dst, struct capnet_mac src, uint32_t seq, size_t len)
{
	memset(buf, 0, len);
	memcpy(buf, dst.b, 6);
	memcpy(buf + 6, src.b, 6);
	buf[12] = ETHERTYPE_TEST >> 8;
	buf[13] = ETHERTYPE_TEST & 0xff;
	buf[14] = (uint8_t)(seq >> 24);
	buf[15] = (uint8_t)(seq >> 16);
	buf[16] = (uint8_t)(seq >> 8);
	buf[17] = (uint8_t)seq;
	for (size_t i = 18; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + seq);
	return len;
}

static uint32_t frame_seq(const uint8_t *f)
{
	return ((uint32_t)f[14] << 24) | ((uint32_t)f[15] << 16) | ((uint32_t)f[16] << 8) | f[17];
}

static void send_to(struct capnet_nic *from, struct capnet_mac dst, uint32_t seq, size_t len)
{
	uint8_t buf[FRAME_MAX];
	build_frame(buf, dst, from->mac, seq, len);
	ck_assert_int_eq(from->ops->transmit(from->dev, buf, len), CAPNET_OK);
}

/* --- a recorder: drains one nic at every poll, logs time and bytes ------- */

struct delivery {
	capnet_instant at;
	size_t len;
	uint8_t data[FRAME_MAX];
};

struct recorder {
	struct capnet_nic *nic;
	int n;
	struct delivery log[LOG_MAX];
	/* optional echo: send every frame back to its source, seq + 1000000 */
	bool echo;
};

static capnet_instant recorder_poll(void *ctx, capnet_instant now)
{
	struct recorder *r = ctx;
	uint8_t buf[FRAME_MAX];
	size_t len;
	while (r->nic->ops->receive(r->nic->dev, buf, sizeof buf, &len) == CAPNET_OK) {
		ck_assert_int_lt(r->n, LOG_MAX);
		struct delivery *d = &r->log[r->n++];
		d->at = now;
		d->len = len;
		memcpy(d->data, buf, len);
		if (r->echo && len >= 18) {
			struct capnet_mac src;
			memcpy(src.b, buf + 6, 6);
			send_to(r->nic, src, frame_seq(buf) + 1000000u, len);
		}
	}
	return CAPNET_INSTANT_NEVER;
}

static struct recorder *recorder_new(struct capnet_sim *sim, struct capnet_nic *nic)
{
	struct recorder *r = calloc(1, sizeof *r);
	ck_assert_ptr_nonnull(r);
	r->nic = nic;
	ck_assert_int_eq(capnet_sim_add_participant(sim, recorder_poll, r), CAPNET_OK);
	return r;
}

/* --- a sender: transmits frame i at times[i] ----------------------------- */

struct sender {
	struct capnet_nic *nic;
	struct capnet_mac dst;
	size_t len;
	int n, next;
	capnet_instant times[LOG_MAX];
	capnet_instant sent_at[LOG_MAX];
};

static capnet_instant sender_poll(void *ctx, capnet_instant now)
{
	struct sender *s = ctx;
	while (s->next < s->n && s->times[s->next] <= now) {
		s->sent_at[s->next] = now;
		send_to(s->nic, s->dst, (uint32_t)s->next, s->len);
		s->next++;
	}
	return s->next < s->n ? s->times[s->next] : CAPNET_INSTANT_NEVER;
}

/* --- a two- or three-port fixture ---------------------------------------- */

struct net {
	struct capnet_sim *sim;
	struct capnet_nic *nic[3];
};

static struct net net_new(uint64_t seed, enum capnet_sim_mode mode, int ports)
{
	struct net n = {0};
	n.sim = capnet_sim_create(seed, mode);
	ck_assert_ptr_nonnull(n.sim);
	for (int i = 0; i < ports; i++) {
		int idx = -1;
		n.nic[i] = capnet_sim_add_port(n.sim, mac_n((uint8_t)(i + 1)), 1500, NULL, &idx);
		ck_assert_ptr_nonnull(n.nic[i]);
		ck_assert_int_eq(idx, i);
	}
	ck_assert_int_eq(capnet_sim_port_count(n.sim), ports);
	return n;
}

static int popcount8(uint8_t v)
{
	int c = 0;
	for (; v != 0; v &= (uint8_t)(v - 1))
		c++;
	return c;
}

/* --- switch and hub ------------------------------------------------------ */

START_TEST(test_switch_floods_unknown_then_forwards_learned)
{
	struct net n = net_new(1, CAPNET_SIM_SWITCH, 3);
	struct recorder *r[3];
	for (int i = 0; i < 3; i++)
		r[i] = recorder_new(n.sim, n.nic[i]);

	/* B is unknown: flooded to B and C, never back to A */
	send_to(n.nic[0], n.nic[1]->mac, 1, 64);
	capnet_sim_run_until(n.sim, CAPNET_MS(1));
	ck_assert_int_eq(r[0]->n, 0);
	ck_assert_int_eq(r[1]->n, 1);
	ck_assert_int_eq(r[2]->n, 1);
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 0)->sw_flooded, 1);

	/* A was learned from that frame: B's reply goes to A only */
	send_to(n.nic[1], n.nic[0]->mac, 2, 64);
	capnet_sim_run_until(n.sim, CAPNET_MS(2));
	ck_assert_int_eq(r[0]->n, 1);
	ck_assert_int_eq(r[2]->n, 1);
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 1)->sw_forwarded, 1);

	/* and now B is known too */
	send_to(n.nic[0], n.nic[1]->mac, 3, 64);
	capnet_sim_run_until(n.sim, CAPNET_MS(3));
	ck_assert_int_eq(r[1]->n, 2);
	ck_assert_int_eq(r[2]->n, 1);
	ck_assert_uint_eq(frame_seq(r[1]->log[1].data), 3);

	/* broadcast and multicast always flood */
	send_to(n.nic[0], CAPNET_MAC_BROADCAST, 4, 64);
	send_to(n.nic[0], (struct capnet_mac){{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}}, 5, 64);
	capnet_sim_run_until(n.sim, CAPNET_MS(4));
	ck_assert_int_eq(r[1]->n, 4);
	ck_assert_int_eq(r[2]->n, 3);
	ck_assert_int_eq(r[0]->n, 1);

	/* a frame for a station learned on the sender's own port is filtered */
	send_to(n.nic[0], n.nic[0]->mac, 6, 64);
	capnet_sim_run_until(n.sim, CAPNET_MS(5));
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 0)->sw_filtered, 1);
	ck_assert_int_eq(r[0]->n + r[1]->n + r[2]->n, 1 + 4 + 3);

	capnet_sim_destroy(n.sim);
	for (int i = 0; i < 3; i++)
		free(r[i]);
}
END_TEST

START_TEST(test_hub_always_floods)
{
	struct net n = net_new(1, CAPNET_SIM_HUB, 3);
	struct recorder *r[3];
	for (int i = 0; i < 3; i++)
		r[i] = recorder_new(n.sim, n.nic[i]);
	for (uint32_t k = 0; k < 3; k++) {
		send_to(n.nic[0], n.nic[1]->mac, k, 64);
		send_to(n.nic[1], n.nic[0]->mac, k + 10, 64);
		capnet_sim_run_until(n.sim, CAPNET_MS(k + 1));
	}
	ck_assert_int_eq(r[0]->n, 3);
	ck_assert_int_eq(r[1]->n, 3);
	ck_assert_int_eq(r[2]->n, 6); /* C hears both directions every time */
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 0)->sw_flooded, 3);
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 0)->sw_forwarded, 0);
	capnet_sim_destroy(n.sim);
	for (int i = 0; i < 3; i++)
		free(r[i]);
}
END_TEST

/* --- impairments --------------------------------------------------------- */

static bool has_frames(void *ctx)
{
	return ((struct recorder *)ctx)->n > 0;
}

START_TEST(test_delay_delivers_at_exactly_now_plus_delay)
{
	struct net n = net_new(7, CAPNET_SIM_SWITCH, 2);
	struct capnet_sim_impair delay = {.delay = CAPNET_US(2500)};
	ck_assert_int_eq(capnet_sim_set_impair(n.sim, 0, CAPNET_SIM_EGRESS, &delay), CAPNET_OK);
	struct recorder *b = recorder_new(n.sim, n.nic[1]);

	capnet_sim_run_until(n.sim, CAPNET_MS(10));
	send_to(n.nic[0], n.nic[1]->mac, 1, 100);
	capnet_sim_run_until(n.sim, CAPNET_MS(10) + 2499);
	ck_assert_int_eq(b->n, 0);
	ck_assert(capnet_sim_run_until_cond(n.sim, has_frames, b, CAPNET_S(1)));
	ck_assert_int_eq(capnet_sim_now(n.sim), CAPNET_MS(10) + 2500);
	ck_assert_int_eq(b->log[0].at, CAPNET_MS(10) + 2500);
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 0)->egress.delayed, 1);

	/* the ingress direction adds on top of it */
	ck_assert_int_eq(capnet_sim_set_impair(n.sim, 1, CAPNET_SIM_INGRESS, &delay), CAPNET_OK);
	send_to(n.nic[0], n.nic[1]->mac, 2, 100);
	ck_assert(capnet_sim_run_until_cond(n.sim, has_frames, b, CAPNET_S(1)));
	capnet_sim_run_until(n.sim, CAPNET_S(1));
	ck_assert_int_eq(b->n, 2);
	ck_assert_int_eq(b->log[1].at, CAPNET_MS(10) + 2500 + 5000);
	capnet_sim_destroy(n.sim);
	free(b);
}
END_TEST

START_TEST(test_jitter_stays_within_bounds)
{
	struct net n = net_new(11, CAPNET_SIM_SWITCH, 2);
	struct capnet_sim_impair j = {.delay = 1000, .jitter = 300};
	capnet_sim_set_impair(n.sim, 0, CAPNET_SIM_EGRESS, &j);
	struct recorder *b = recorder_new(n.sim, n.nic[1]);
	struct sender *s = calloc(1, sizeof *s);
	s->nic = n.nic[0];
	s->dst = n.nic[1]->mac;
	s->len = 64;
	s->n = 200;
	for (int i = 0; i < s->n; i++)
		s->times[i] = CAPNET_MS(i);
	capnet_sim_add_participant(n.sim, sender_poll, s);
	capnet_sim_run_until(n.sim, CAPNET_S(1));
	ck_assert_int_eq(b->n, 200);
	bool varied = false;
	for (int i = 0; i < b->n; i++) {
		capnet_duration d = b->log[i].at - s->sent_at[frame_seq(b->log[i].data)];
		ck_assert_int_ge(d, 1000);
		ck_assert_int_le(d, 1300);
		varied |= d != b->log[0].at - s->sent_at[frame_seq(b->log[0].data)];
	}
	ck_assert(varied);
	capnet_sim_destroy(n.sim);
	free(b);
	free(s);
}
END_TEST

START_TEST(test_loss_all_drops_all_and_counts)
{
	struct net n = net_new(3, CAPNET_SIM_SWITCH, 2);
	struct capnet_sim_impair loss = {.loss_ppm = CAPNET_SIM_PPM};
	capnet_sim_set_impair(n.sim, 0, CAPNET_SIM_EGRESS, &loss);
	struct recorder *b = recorder_new(n.sim, n.nic[1]);
	for (uint32_t i = 0; i < 100; i++)
		send_to(n.nic[0], n.nic[1]->mac, i, 64);
	capnet_sim_run_until(n.sim, CAPNET_S(1));
	ck_assert_int_eq(b->n, 0);
	const struct capnet_sim_port_stats *st = capnet_sim_port_stats(n.sim, 0);
	ck_assert_uint_eq(st->tx_frames, 100);
	ck_assert_uint_eq(st->egress.frames_in, 100);
	ck_assert_uint_eq(st->egress.lost, 100);
	ck_assert_uint_eq(st->egress.frames_out, 0);
	ck_assert_uint_eq(st->sw_flooded + st->sw_forwarded, 0);
	capnet_sim_destroy(n.sim);
	free(b);
}
END_TEST

START_TEST(test_partial_loss_is_counted_exactly)
{
	struct net n = net_new(5, CAPNET_SIM_SWITCH, 2);
	struct capnet_sim_impair loss = {.loss_ppm = 250000};
	capnet_sim_set_impair(n.sim, 1, CAPNET_SIM_INGRESS, &loss);
	capnet_sim_set_rx_queue_len(n.sim, 1, 400); /* all arrive before a poll */
	struct recorder *b = recorder_new(n.sim, n.nic[1]);
	for (uint32_t i = 0; i < 400; i++)
		send_to(n.nic[0], n.nic[1]->mac, i, 64);
	capnet_sim_run_until(n.sim, CAPNET_MS(1));
	const struct capnet_sim_port_stats *st = capnet_sim_port_stats(n.sim, 1);
	ck_assert_uint_eq(st->ingress.frames_in, 400);
	ck_assert_uint_eq(st->rx_overflow, 0);
	ck_assert_uint_eq(st->ingress.lost + (uint64_t)b->n, 400);
	ck_assert_uint_gt(st->ingress.lost, 50); /* ~100 expected */
	ck_assert_uint_lt(st->ingress.lost, 150);
	capnet_sim_destroy(n.sim);
	free(b);
}
END_TEST

START_TEST(test_duplicate_all_delivers_twice)
{
	struct net n = net_new(3, CAPNET_SIM_SWITCH, 2);
	struct capnet_sim_impair dup = {.duplicate_ppm = CAPNET_SIM_PPM};
	capnet_sim_set_impair(n.sim, 0, CAPNET_SIM_EGRESS, &dup);
	struct recorder *b = recorder_new(n.sim, n.nic[1]);
	for (uint32_t i = 0; i < 10; i++)
		send_to(n.nic[0], n.nic[1]->mac, i, 80);
	capnet_sim_run_until(n.sim, CAPNET_MS(1));
	ck_assert_int_eq(b->n, 20);
	for (int i = 0; i < 20; i++) {
		ck_assert_uint_eq(frame_seq(b->log[i].data), (uint32_t)i / 2);
		ck_assert_int_eq(b->log[i].at, 0);
	}
	ck_assert_mem_eq(b->log[0].data, b->log[1].data, 80);
	const struct capnet_sim_port_stats *st = capnet_sim_port_stats(n.sim, 0);
	ck_assert_uint_eq(st->egress.duplicated, 10);
	ck_assert_uint_eq(st->egress.frames_out, 20);
	ck_assert_uint_eq(st->tx_frames, 10);
	capnet_sim_destroy(n.sim);
	free(b);
}
END_TEST

START_TEST(test_corruption_flips_exactly_one_bit)
{
	struct net n = net_new(9, CAPNET_SIM_SWITCH, 2);
	struct capnet_sim_impair cor = {.corrupt_ppm = CAPNET_SIM_PPM};
	capnet_sim_set_impair(n.sim, 1, CAPNET_SIM_INGRESS, &cor);
	struct recorder *b = recorder_new(n.sim, n.nic[1]);
	int positions_seen = 0;
	size_t first_pos = SIZE_MAX;
	for (uint32_t i = 0; i < 200; i++) {
		uint8_t sent[FRAME_MAX];
		size_t len = build_frame(sent, n.nic[1]->mac, n.nic[0]->mac, i, 60 + i % 40);
		ck_assert_int_eq(n.nic[0]->ops->transmit(n.nic[0]->dev, sent, len), CAPNET_OK);
		capnet_sim_run_until(n.sim, capnet_sim_now(n.sim) + 1);
		ck_assert_int_eq(b->n, (int)i + 1);
		const struct delivery *d = &b->log[i];
		ck_assert_uint_eq(d->len, len);
		int bits = 0;
		size_t pos = 0;
		for (size_t k = 0; k < len; k++) {
			int c = popcount8((uint8_t)(sent[k] ^ d->data[k]));
			if (c != 0)
				pos = k;
			bits += c;
		}
		ck_assert_int_eq(bits, 1);
		if (first_pos == SIZE_MAX)
			first_pos = pos;
		positions_seen += pos != first_pos;
	}
	ck_assert_int_gt(positions_seen, 0); /* the bit is chosen, not fixed */
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 1)->ingress.corrupted, 200);
	capnet_sim_destroy(n.sim);
	free(b);
}
END_TEST

START_TEST(test_reorder_holds_frame_back_so_later_ones_overtake)
{
	struct net n = net_new(2, CAPNET_SIM_SWITCH, 2);
	struct recorder *b = recorder_new(n.sim, n.nic[1]);
	struct capnet_sim_impair hold = {.reorder_ppm = CAPNET_SIM_PPM, .reorder_gap = CAPNET_US(700)};
	capnet_sim_set_impair(n.sim, 0, CAPNET_SIM_EGRESS, &hold);
	send_to(n.nic[0], n.nic[1]->mac, 1, 64);
	capnet_sim_set_impair(n.sim, 0, CAPNET_SIM_EGRESS, NULL);
	capnet_sim_run_until(n.sim, 100);
	send_to(n.nic[0], n.nic[1]->mac, 2, 64);
	capnet_sim_run_until(n.sim, CAPNET_MS(5));
	ck_assert_int_eq(b->n, 2);
	ck_assert_uint_eq(frame_seq(b->log[0].data), 2);
	ck_assert_int_eq(b->log[0].at, 100);
	ck_assert_uint_eq(frame_seq(b->log[1].data), 1);
	ck_assert_int_eq(b->log[1].at, 700);
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 0)->egress.reordered, 1);

	/* at 30 %, a steady stream comes out permuted, nothing lost */
	struct capnet_sim_impair some = {.reorder_ppm = 300000, .reorder_gap = CAPNET_US(250)};
	capnet_sim_set_impair(n.sim, 0, CAPNET_SIM_EGRESS, &some);
	struct sender *s = calloc(1, sizeof *s);
	s->nic = n.nic[0];
	s->dst = n.nic[1]->mac;
	s->len = 64;
	s->n = 100;
	for (int i = 0; i < s->n; i++)
		s->times[i] = CAPNET_MS(10) + CAPNET_US(100) * i;
	capnet_sim_add_participant(n.sim, sender_poll, s);
	capnet_sim_run_until(n.sim, CAPNET_MS(50));
	ck_assert_int_eq(b->n, 102);
	int inversions = 0, held = 0;
	bool seen[100] = {false};
	for (int i = 2; i < b->n; i++) {
		uint32_t q = frame_seq(b->log[i].data);
		ck_assert_uint_lt(q, 100);
		ck_assert(!seen[q]);
		seen[q] = true;
		capnet_duration d = b->log[i].at - s->sent_at[q];
		ck_assert(d == 0 || d == 250);
		held += d == 250;
		if (i > 2 && q < frame_seq(b->log[i - 1].data))
			inversions++;
	}
	ck_assert_int_gt(inversions, 0);
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 0)->egress.reordered, 1 + (uint64_t)held);
	capnet_sim_destroy(n.sim);
	free(b);
	free(s);
}
END_TEST

START_TEST(test_rate_limit_serialises_exactly)
{
	struct net n = net_new(4, CAPNET_SIM_SWITCH, 2);
	/* 125 bytes = 1000 bits = 1000 us at 1 Mbit/s */
	struct capnet_sim_impair rate = {.rate_bps = 1000000};
	capnet_sim_set_impair(n.sim, 0, CAPNET_SIM_EGRESS, &rate);
	struct recorder *b = recorder_new(n.sim, n.nic[1]);
	for (uint32_t i = 0; i < 3; i++)
		send_to(n.nic[0], n.nic[1]->mac, i, 125);
	capnet_sim_run_until(n.sim, CAPNET_MS(10));
	send_to(n.nic[0], n.nic[1]->mac, 3, 125); /* link idle again */
	capnet_sim_run_until(n.sim, CAPNET_MS(20));
	ck_assert_int_eq(b->n, 4);
	ck_assert_int_eq(b->log[0].at, 1000);
	ck_assert_int_eq(b->log[1].at, 2000);
	ck_assert_int_eq(b->log[2].at, 3000);
	ck_assert_int_eq(b->log[3].at, 11000);
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 0)->egress.rate_queued, 2);

	/* rounding is up: 100 bytes at 3 Mbit/s is 266.7 us -> 267 */
	struct capnet_sim_impair r3 = {.rate_bps = 3000000};
	capnet_sim_set_impair(n.sim, 0, CAPNET_SIM_EGRESS, &r3);
	send_to(n.nic[0], n.nic[1]->mac, 4, 100);
	send_to(n.nic[0], n.nic[1]->mac, 5, 100);
	capnet_sim_run_until(n.sim, CAPNET_MS(30));
	ck_assert_int_eq(b->log[4].at, CAPNET_MS(20) + 267);
	ck_assert_int_eq(b->log[5].at, CAPNET_MS(20) + 534);

	/* drop-tail at the backlog bound: waits of 0 and 1000 us fit in 1500,
	 * waits of 2000 us do not */
	struct capnet_sim_impair bounded = {.rate_bps = 1000000, .rate_backlog = 1500};
	capnet_sim_set_impair(n.sim, 0, CAPNET_SIM_EGRESS, &bounded);
	for (uint32_t i = 0; i < 4; i++)
		send_to(n.nic[0], n.nic[1]->mac, 10 + i, 125);
	capnet_sim_run_until(n.sim, CAPNET_MS(40));
	ck_assert_int_eq(b->n, 8);
	ck_assert_int_eq(b->log[6].at, CAPNET_MS(30) + 1000);
	ck_assert_int_eq(b->log[7].at, CAPNET_MS(30) + 2000);
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 0)->egress.rate_dropped, 2);
	capnet_sim_destroy(n.sim);
	free(b);
}
END_TEST

/* --- determinism --------------------------------------------------------- */

struct run_result {
	struct recorder *a, *b;
	char pcap[256];
};

static void det_run(uint64_t seed, const char *pcap_path, struct run_result *out)
{
	struct net n = net_new(seed, CAPNET_SIM_SWITCH, 2);
	struct capnet_sim_impair bad = {
		.loss_ppm = 100000,
		.duplicate_ppm = 100000,
		.corrupt_ppm = 100000,
		.reorder_ppm = 100000,
		.delay = 300,
		.jitter = 400,
		.rate_bps = 10000000,
	};
	for (int p = 0; p < 2; p++) {
		capnet_sim_set_impair(n.sim, p, CAPNET_SIM_EGRESS, &bad);
		capnet_sim_set_impair(n.sim, p, CAPNET_SIM_INGRESS, &bad);
	}
	ck_assert_int_eq(capnet_sim_record_pcap(n.sim, pcap_path), CAPNET_OK);
	out->a = recorder_new(n.sim, n.nic[0]);
	out->b = recorder_new(n.sim, n.nic[1]);
	out->b->echo = true; /* replies depend on what survived: pcap does too */
	struct sender *s = calloc(1, sizeof *s);
	s->nic = n.nic[0];
	s->dst = n.nic[1]->mac;
	s->len = 200;
	s->n = 150;
	for (int i = 0; i < s->n; i++)
		s->times[i] = CAPNET_US(250) * i;
	capnet_sim_add_participant(n.sim, sender_poll, s);
	capnet_sim_run_until(n.sim, CAPNET_S(1));
	capnet_sim_destroy(n.sim);
	free(s);
}

static size_t slurp(const char *path, uint8_t **data)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	long len = ftell(f);
	ck_assert_int_ge(len, 0);
	rewind(f);
	*data = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(*data);
	ck_assert_uint_eq(fread(*data, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return (size_t)len;
}

static bool same_deliveries(const struct recorder *x, const struct recorder *y)
{
	if (x->n != y->n)
		return false;
	for (int i = 0; i < x->n; i++)
		if (x->log[i].at != y->log[i].at || x->log[i].len != y->log[i].len
			|| memcmp(x->log[i].data, y->log[i].data, x->log[i].len) != 0)
			return false;
	return true;
}

START_TEST(test_same_seed_gives_identical_frames_and_pcap)
{
	char dir[] = "/tmp/capnet-sim-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	struct run_result r1, r2, r3;
	char p1[300], p2[300], p3[300];
	snprintf(p1, sizeof p1, "%s/one.pcap", dir);
	snprintf(p2, sizeof p2, "%s/two.pcap", dir);
	snprintf(p3, sizeof p3, "%s/other-seed.pcap", dir);
	det_run(42, p1, &r1);
	det_run(42, p2, &r2);
	det_run(43, p3, &r3);

	ck_assert_int_gt(r1.b->n, 100);
	ck_assert_int_gt(r1.a->n, 80);
	ck_assert(same_deliveries(r1.a, r2.a));
	ck_assert(same_deliveries(r1.b, r2.b));
	ck_assert(!same_deliveries(r1.b, r3.b));

	uint8_t *d1, *d2, *d3;
	size_t l1 = slurp(p1, &d1), l2 = slurp(p2, &d2), l3 = slurp(p3, &d3);
	ck_assert_uint_gt(l1, 24 + 150 * (16 + 200));
	ck_assert_uint_eq(l1, l2);
	ck_assert_mem_eq(d1, d2, l1);
	ck_assert(l1 != l3 || memcmp(d1, d3, l1) != 0);

	free(d1);
	free(d2);
	free(d3);
	free(r1.a), free(r1.b), free(r2.a), free(r2.b), free(r3.a), free(r3.b);
	unlink(p1);
	unlink(p2);
	unlink(p3);
	rmdir(dir);
}
END_TEST

/* --- RX queue, nic contract, link state ---------------------------------- */

START_TEST(test_rx_queue_overflow_is_counted)
{
	struct net n = net_new(1, CAPNET_SIM_SWITCH, 2);
	ck_assert_int_eq(capnet_sim_set_rx_queue_len(n.sim, 1, 4), CAPNET_OK);
	ck_assert_int_eq(capnet_sim_set_rx_queue_len(n.sim, 1, 0), CAPNET_E_INVAL);
	for (uint32_t i = 0; i < 10; i++)
		send_to(n.nic[0], n.nic[1]->mac, i, 64);
	capnet_sim_run_until(n.sim, CAPNET_MS(1)); /* nobody drains port 1 */
	const struct capnet_sim_port_stats *st = capnet_sim_port_stats(n.sim, 1);
	ck_assert_uint_eq(st->rx_queued, 4);
	ck_assert_uint_eq(st->rx_overflow, 6);
	ck_assert_uint_eq(st->rx_queue_depth, 4);
	ck_assert_uint_eq(st->rx_queue_high, 4);

	/* the oldest four are kept, in order; then "no frame yet" */
	uint8_t buf[FRAME_MAX];
	size_t len;
	for (uint32_t i = 0; i < 4; i++) {
		ck_assert_int_eq(n.nic[1]->ops->receive(n.nic[1]->dev, buf, sizeof buf, &len), CAPNET_OK);
		ck_assert_uint_eq(frame_seq(buf), i);
	}
	ck_assert_int_eq(n.nic[1]->ops->receive(n.nic[1]->dev, buf, sizeof buf, &len), CAPNET_E_AGAIN);
	ck_assert_int_eq(n.nic[1]->ops->receive(n.nic[1]->dev, buf, sizeof buf, &len), CAPNET_E_AGAIN);
	ck_assert_uint_eq(st->rx_frames, 4);
	ck_assert_uint_eq(st->rx_queue_depth, 0);

	/* growing the bound keeps working (the ring is re-laid out) */
	ck_assert_int_eq(capnet_sim_set_rx_queue_len(n.sim, 1, 300), CAPNET_OK);
	for (uint32_t i = 0; i < 300; i++)
		send_to(n.nic[0], n.nic[1]->mac, 100 + i, 64);
	capnet_sim_run_until(n.sim, CAPNET_MS(2));
	ck_assert_uint_eq(st->rx_queue_depth, 300);
	ck_assert_uint_eq(st->rx_overflow, 6);
	capnet_sim_destroy(n.sim); /* frees what is still queued */
}
END_TEST

START_TEST(test_nic_contract_sizes)
{
	struct net n = net_new(1, CAPNET_SIM_SWITCH, 2);
	struct capnet_nic *a = n.nic[0], *b = n.nic[1];
	ck_assert_uint_eq(a->mtu, 1500);
	ck_assert(capnet_mac_eq(a->mac, mac_n(1)));
	uint8_t buf[FRAME_MAX + 100];
	memset(buf, 0, sizeof buf);
	ck_assert_int_eq(a->ops->transmit(a->dev, buf, 13), CAPNET_E_INVAL);
	ck_assert_int_eq(a->ops->transmit(a->dev, buf, 1500 + 18 + 1), CAPNET_E_MSGSIZE);
	build_frame(buf, b->mac, a->mac, 1, 1518);
	ck_assert_int_eq(a->ops->transmit(a->dev, buf, 1518), CAPNET_OK); /* one VLAN tag */
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 0)->tx_rejected, 2);
	capnet_sim_run_until(n.sim, 0);

	/* too small a buffer: consumed, dropped, counted */
	size_t len = 99;
	ck_assert_int_eq(b->ops->receive(b->dev, buf, 100, &len), CAPNET_E_NOBUFS);
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 1)->rx_nobufs, 1);
	ck_assert_int_eq(b->ops->receive(b->dev, buf, sizeof buf, &len), CAPNET_E_AGAIN);

	ck_assert_ptr_eq(capnet_sim_port_nic(n.sim, 1), b);
	ck_assert_ptr_null(capnet_sim_port_nic(n.sim, 2));
	ck_assert_ptr_null(capnet_sim_port_stats(n.sim, -1));
	capnet_sim_destroy(n.sim);
}
END_TEST

START_TEST(test_link_down_and_up)
{
	struct net n = net_new(1, CAPNET_SIM_SWITCH, 3);
	struct recorder *r1 = recorder_new(n.sim, n.nic[1]);
	struct recorder *r2 = recorder_new(n.sim, n.nic[2]);
	send_to(n.nic[1], n.nic[0]->mac, 1, 64); /* switch learns B on port 1 */
	capnet_sim_run_until(n.sim, 10);

	ck_assert_int_eq(capnet_sim_set_link(n.sim, 1, false), CAPNET_OK);
	ck_assert(!n.nic[1]->ops->link_up(n.nic[1]->dev));
	uint8_t buf[64];
	build_frame(buf, n.nic[0]->mac, n.nic[1]->mac, 2, 64);
	ck_assert_int_eq(n.nic[1]->ops->transmit(n.nic[1]->dev, buf, 64), CAPNET_E_LINKDOWN);
	ck_assert_int_eq(capnet_sim_inject(n.sim, 1, buf, 64), CAPNET_E_LINKDOWN);
	/* B was forgotten: A's frame for B floods; B's copy is dropped */
	send_to(n.nic[0], n.nic[1]->mac, 3, 64);
	capnet_sim_run_until(n.sim, 20);
	ck_assert_int_eq(r1->n, 0);
	ck_assert_int_eq(r2->n, 2); /* the first frame from B flooded too */
	const struct capnet_sim_port_stats *st = capnet_sim_port_stats(n.sim, 1);
	ck_assert_uint_eq(st->tx_link_down, 1);
	ck_assert_uint_eq(st->rx_link_down, 2);
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 0)->sw_flooded, 1);

	ck_assert_int_eq(capnet_sim_set_link(n.sim, 1, true), CAPNET_OK);
	ck_assert(n.nic[1]->ops->link_up(n.nic[1]->dev));
	send_to(n.nic[0], n.nic[1]->mac, 4, 64);
	capnet_sim_run_until(n.sim, 30);
	ck_assert_int_eq(r1->n, 1);
	ck_assert_int_eq(capnet_sim_set_link(n.sim, 9, true), CAPNET_E_INVAL);
	capnet_sim_destroy(n.sim);
	free(r1);
	free(r2);
}
END_TEST

/* --- the event loop ------------------------------------------------------ */

struct alarm {
	capnet_instant deadline;
	int polls;
	capnet_instant polled_at[16];
};

static capnet_instant alarm_poll(void *ctx, capnet_instant now)
{
	struct alarm *a = ctx;
	if (a->polls < 16)
		a->polled_at[a->polls] = now;
	a->polls++;
	return now < a->deadline ? a->deadline : CAPNET_INSTANT_NEVER;
}

START_TEST(test_loop_jumps_straight_to_deadlines)
{
	struct capnet_sim *sim = capnet_sim_create(1, CAPNET_SIM_SWITCH);
	struct alarm a = {.deadline = CAPNET_S(5)};
	capnet_sim_add_participant(sim, alarm_poll, &a);
	capnet_sim_run_until(sim, CAPNET_S(10));
	ck_assert_int_eq(capnet_sim_now(sim), CAPNET_S(10));
	ck_assert_int_eq(a.polls, 2);
	ck_assert_int_eq(a.polled_at[0], 0);
	ck_assert_int_eq(a.polled_at[1], CAPNET_S(5));
	const struct capnet_sim_stats *st = capnet_sim_stats(sim);
	ck_assert_uint_le(st->instants, 2);
	ck_assert_uint_le(st->rounds, 2);
	ck_assert_uint_eq(st->round_limit_hits, 0);

	/* nothing due: an hour passes in one step */
	capnet_sim_run_until(sim, CAPNET_S(3600));
	ck_assert_int_eq(capnet_sim_now(sim), CAPNET_S(3600));
	ck_assert_uint_le(st->instants, 3);
	ck_assert_int_eq(a.polls, 3);

	/* the clock never goes back */
	capnet_sim_run_until(sim, CAPNET_S(1));
	ck_assert_int_eq(capnet_sim_now(sim), CAPNET_S(3600));
	capnet_sim_destroy(sim);
}
END_TEST

static bool never(void *ctx)
{
	(void)ctx;
	return false;
}

START_TEST(test_run_until_cond_stops_at_limit)
{
	struct capnet_sim *sim = capnet_sim_create(1, CAPNET_SIM_SWITCH);
	struct alarm a = {.deadline = CAPNET_S(5)};
	capnet_sim_add_participant(sim, alarm_poll, &a);
	ck_assert(!capnet_sim_run_until_cond(sim, never, NULL, CAPNET_S(2)));
	ck_assert_int_eq(capnet_sim_now(sim), CAPNET_S(2));
	ck_assert(!capnet_sim_run_until_cond(sim, never, NULL, CAPNET_S(7)));
	ck_assert_int_eq(a.polled_at[a.polls - 1], CAPNET_S(5));
	ck_assert_int_eq(capnet_sim_now(sim), CAPNET_S(7));
	capnet_sim_destroy(sim);
}
END_TEST

/* A frame sent at a deadline is seen at that same instant by a participant
 * polled earlier in the round: the loop polls again after delivering. */
START_TEST(test_frames_are_seen_at_their_delivery_instant)
{
	struct net n = net_new(1, CAPNET_SIM_SWITCH, 2);
	struct recorder *b = recorder_new(n.sim, n.nic[1]);
	struct recorder *a = recorder_new(n.sim, n.nic[0]);
	b->echo = true;
	struct sender *s = calloc(1, sizeof *s);
	s->nic = n.nic[0];
	s->dst = n.nic[1]->mac;
	s->len = 64;
	s->n = 1;
	s->times[0] = CAPNET_MS(3);
	capnet_sim_add_participant(n.sim, sender_poll, s);
	capnet_sim_run_until(n.sim, CAPNET_S(1));
	ck_assert_int_eq(b->n, 1);
	ck_assert_int_eq(b->log[0].at, CAPNET_MS(3));
	ck_assert_int_eq(a->n, 1); /* the echo, also at 3 ms */
	ck_assert_int_eq(a->log[0].at, CAPNET_MS(3));
	ck_assert_uint_eq(frame_seq(a->log[0].data), 1000000);
	ck_assert_uint_le(capnet_sim_stats(n.sim)->instants, 3);
	capnet_sim_destroy(n.sim);
	free(a);
	free(b);
	free(s);
}
END_TEST

static capnet_instant busy_poll(void *ctx, capnet_instant now)
{
	(*(int *)ctx)++;
	return now; /* always "again": a buggy participant */
}

START_TEST(test_round_limit_bounds_a_busy_participant)
{
	struct capnet_sim *sim = capnet_sim_create(1, CAPNET_SIM_HUB);
	int polls = 0;
	capnet_sim_add_participant(sim, busy_poll, &polls);
	capnet_sim_run_until(sim, 3);
	ck_assert_int_eq(capnet_sim_now(sim), 3);
	ck_assert_int_eq(polls, 4 * CAPNET_SIM_MAX_ROUNDS);
	ck_assert_uint_eq(capnet_sim_stats(sim)->round_limit_hits, 4);
	ck_assert_int_eq(capnet_sim_remove_participant(sim, busy_poll, &polls), CAPNET_OK);
	ck_assert_int_eq(capnet_sim_remove_participant(sim, busy_poll, &polls), CAPNET_E_NOTFOUND);
	capnet_sim_run_until(sim, CAPNET_S(100));
	ck_assert_int_eq(polls, 4 * CAPNET_SIM_MAX_ROUNDS);
	capnet_sim_destroy(sim);
}
END_TEST

/* --- injection ----------------------------------------------------------- */

struct injector {
	struct capnet_sim *sim;
	capnet_instant at;
	bool done;
};

static capnet_instant injector_poll(void *ctx, capnet_instant now)
{
	struct injector *in = ctx;
	if (!in->done && now >= in->at) {
		static const uint8_t runt[5] = {1, 2, 3, 4, 5};
		ck_assert_int_eq(capnet_sim_inject(in->sim, 1, runt, sizeof runt), CAPNET_OK);
		in->done = true;
	}
	return in->done ? CAPNET_INSTANT_NEVER : in->at;
}

START_TEST(test_inject_puts_raw_frames_in_the_rx_queue)
{
	struct net n = net_new(1, CAPNET_SIM_SWITCH, 2);
	struct recorder *b = recorder_new(n.sim, n.nic[1]);
	static const uint8_t junk[3] = {0xde, 0xad, 0x00};
	ck_assert_int_eq(capnet_sim_inject(n.sim, 1, junk, sizeof junk), CAPNET_OK);
	ck_assert_int_eq(capnet_sim_inject(n.sim, 1, NULL, 0), CAPNET_OK); /* empty frame */
	ck_assert_int_eq(capnet_sim_inject(n.sim, 2, junk, 3), CAPNET_E_INVAL);
	ck_assert_int_eq(capnet_sim_inject(n.sim, 1, NULL, 3), CAPNET_E_INVAL);
	capnet_sim_run_until(n.sim, 0);
	ck_assert_int_eq(b->n, 2);
	ck_assert_uint_eq(b->log[0].len, 3);
	ck_assert_mem_eq(b->log[0].data, junk, 3);
	ck_assert_uint_eq(b->log[1].len, 0);
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 1)->rx_injected, 2);

	/* injected from inside a poll, registered after the receiver: still
	 * seen at the same instant */
	struct injector in = {.sim = n.sim, .at = CAPNET_MS(7)};
	capnet_sim_add_participant(n.sim, injector_poll, &in);
	capnet_sim_run_until(n.sim, CAPNET_S(1));
	ck_assert_int_eq(b->n, 3);
	ck_assert_int_eq(b->log[2].at, CAPNET_MS(7));
	ck_assert_uint_eq(b->log[2].len, 5);

	/* a full queue refuses and counts */
	capnet_sim_set_rx_queue_len(n.sim, 0, 1);
	ck_assert_int_eq(capnet_sim_inject(n.sim, 0, junk, 3), CAPNET_OK);
	ck_assert_int_eq(capnet_sim_inject(n.sim, 0, junk, 3), CAPNET_E_NOBUFS);
	ck_assert_uint_eq(capnet_sim_port_stats(n.sim, 0)->rx_overflow, 1);
	capnet_sim_destroy(n.sim);
	free(b);
}
END_TEST

/* --- pcap ---------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4); /* written in host order */
	return v;
}

START_TEST(test_pcap_writer_records_synthetic_time)
{
	char dir[] = "/tmp/capnet-pcap-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[300];
	snprintf(path, sizeof path, "%s/w.pcap", dir);

	struct capnet_pcap_writer *w = NULL;
	char err[CAPNET_PCAP_ERRBUF_SIZE];
	ck_assert_int_eq(capnet_pcap_writer_open(path, 32, &w, err, sizeof err), CAPNET_OK);
	uint8_t frame[60];
	for (int i = 0; i < 60; i++)
		frame[i] = (uint8_t)i;
	ck_assert_int_eq(capnet_pcap_writer_write(w, 1234567, frame, 20), CAPNET_OK);
	ck_assert_int_eq(capnet_pcap_writer_write(w, CAPNET_S(3), frame, 60), CAPNET_OK);
	ck_assert_int_eq(capnet_pcap_writer_write(w, -1, frame, 60), CAPNET_E_INVAL);
	ck_assert_str_ne(capnet_pcap_writer_error(w), "");
	ck_assert_uint_eq(capnet_pcap_writer_count(w), 2);
	ck_assert_int_eq(capnet_pcap_writer_close(w), CAPNET_OK);

	uint8_t *d;
	size_t len = slurp(path, &d);
	ck_assert_uint_eq(len, 24 + 16 + 20 + 16 + 32);
	ck_assert_uint_eq(rd32(d), 0xa1b2c3d4u); /* microsecond stamps */
	ck_assert_uint_eq(rd32(d + 16), 32);     /* snaplen */
	ck_assert_uint_eq(rd32(d + 20), 1);      /* DLT_EN10MB */
	ck_assert_uint_eq(rd32(d + 24), 1);      /* 1.234567 s */
	ck_assert_uint_eq(rd32(d + 28), 234567);
	ck_assert_uint_eq(rd32(d + 32), 20);
	ck_assert_uint_eq(rd32(d + 36), 20);
	ck_assert_mem_eq(d + 40, frame, 20);
	ck_assert_uint_eq(rd32(d + 60), 3);
	ck_assert_uint_eq(rd32(d + 64), 0);
	ck_assert_uint_eq(rd32(d + 68), 32); /* caplen cut to snaplen */
	ck_assert_uint_eq(rd32(d + 72), 60); /* original length kept */
	free(d);
	unlink(path);

	/* a clear error, with libpcap's text */
	char bad[400];
	snprintf(bad, sizeof bad, "%s/no/such/dir/x.pcap", dir);
	w = (struct capnet_pcap_writer *)&err; /* must be reset to NULL */
	ck_assert_int_eq(capnet_pcap_writer_open(bad, 0, &w, err, sizeof err), CAPNET_E_NIC);
	ck_assert_ptr_null(w);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	ck_assert_int_eq(capnet_pcap_writer_close(NULL), CAPNET_OK);
	rmdir(dir);
}
END_TEST

START_TEST(test_sim_records_one_pcap_record_per_transmit)
{
	char dir[] = "/tmp/capnet-simpcap-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[300];
	snprintf(path, sizeof path, "%s/s.pcap", dir);

	struct net n = net_new(1, CAPNET_SIM_SWITCH, 2);
	struct capnet_sim_impair worst = {.loss_ppm = CAPNET_SIM_PPM};
	capnet_sim_set_impair(n.sim, 0, CAPNET_SIM_EGRESS, &worst);
	ck_assert_int_eq(capnet_sim_record_pcap(n.sim, path), CAPNET_OK);
	capnet_sim_run_until(n.sim, CAPNET_MS(1500));
	send_to(n.nic[0], n.nic[1]->mac, 1, 64); /* lost, still recorded */
	capnet_sim_run_until(n.sim, CAPNET_MS(2500));
	static const uint8_t runt[2] = {9, 9};
	capnet_sim_inject(n.sim, 1, runt, 2);
	capnet_sim_destroy(n.sim);

	uint8_t *d;
	size_t len = slurp(path, &d);
	ck_assert_uint_eq(len, 24 + 16 + 64 + 16 + 2);
	ck_assert_uint_eq(rd32(d + 24), 1);
	ck_assert_uint_eq(rd32(d + 28), 500000);
	ck_assert_uint_eq(rd32(d + 24 + 16 + 64), 2);
	ck_assert_uint_eq(rd32(d + 28 + 16 + 64), 500000);
	free(d);
	unlink(path);

	struct capnet_sim *sim = capnet_sim_create(1, CAPNET_SIM_SWITCH);
	snprintf(path, sizeof path, "%s/missing/s.pcap", dir);
	ck_assert_int_eq(capnet_sim_record_pcap(sim, path), CAPNET_E_NIC);
	ck_assert_str_ne(capnet_sim_pcap_error(sim), "");
	capnet_sim_destroy(sim);
	rmdir(dir);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = check_add_case(s, "sim", NULL, NULL, 0);
	tcase_add_test(tc, test_switch_floods_unknown_then_forwards_learned);
	tcase_add_test(tc, test_hub_always_floods);
	tcase_add_test(tc, test_delay_delivers_at_exactly_now_plus_delay);
	tcase_add_test(tc, test_jitter_stays_within_bounds);
	tcase_add_test(tc, test_loss_all_drops_all_and_counts);
	tcase_add_test(tc, test_partial_loss_is_counted_exactly);
	tcase_add_test(tc, test_duplicate_all_delivers_twice);
	tcase_add_test(tc, test_corruption_flips_exactly_one_bit);
	tcase_add_test(tc, test_reorder_holds_frame_back_so_later_ones_overtake);
	tcase_add_test(tc, test_rate_limit_serialises_exactly);
	tcase_add_test(tc, test_same_seed_gives_identical_frames_and_pcap);
	tcase_add_test(tc, test_rx_queue_overflow_is_counted);
	tcase_add_test(tc, test_nic_contract_sizes);
	tcase_add_test(tc, test_link_down_and_up);
	tcase_add_test(tc, test_loop_jumps_straight_to_deadlines);
	tcase_add_test(tc, test_run_until_cond_stops_at_limit);
	tcase_add_test(tc, test_frames_are_seen_at_their_delivery_instant);
	tcase_add_test(tc, test_round_limit_bounds_a_busy_participant);
	tcase_add_test(tc, test_inject_puts_raw_frames_in_the_rx_queue);
	tcase_add_test(tc, test_pcap_writer_records_synthetic_time);
	tcase_add_test(tc, test_sim_records_one_pcap_record_per_transmit);
	return s;
}
