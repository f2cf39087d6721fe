/* capnet plot's extractor and renderer on frames built here: exact series
 * for a handshake, data, loss, SACK, window scaling and a reused tuple;
 * sequence numbers across the 2^32 wrap; IPv6; the connection selector;
 * and arbitrary or cut frames give series or nothing, never a crash. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/wire/tcp.h"
#include "check_main.h"
#include "harness/tcp_plot.h"

#define A_IP 0xc000020au /* 192.0.2.10 */
#define B_IP 0xc000020bu /* 192.0.2.11 */

struct seg {
	bool v6;
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	int wscale;      /* -1: no option */
	uint8_t nsack;
	uint32_t sack[4][2];
	uint16_t payload;
};

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* Ethernet + IPv4 or IPv6 + TCP with the options asked for; the payload
 * zeros. Checksums are not filled: the plot reads headers only. */
static size_t build(uint8_t *f, const struct seg *s)
{
	memset(f, 0, 1600);
	f[0] = 0x02, f[5] = 0x0b, f[6] = 0x02, f[11] = 0x0a;
	size_t l3 = 14, l4;
	uint8_t opt[40];
	size_t olen = 0;
	if (s->wscale >= 0) {
		opt[olen++] = 1;
		opt[olen++] = 3, opt[olen++] = 3, opt[olen++] = (uint8_t)s->wscale;
	}
	if (s->nsack) {
		opt[olen++] = 1, opt[olen++] = 1;
		opt[olen++] = 5, opt[olen++] = (uint8_t)(2 + 8 * s->nsack);
		for (int i = 0; i < s->nsack; i++) {
			put32(opt + olen, s->sack[i][0]);
			put32(opt + olen + 4, s->sack[i][1]);
			olen += 8;
		}
	}
	size_t thl = 20 + olen;
	if (s->v6) {
		put16(f + 12, 0x86dd);
		f[l3] = 0x60;
		put16(f + l3 + 4, (uint32_t)(thl + s->payload));
		f[l3 + 6] = 6;
		f[l3 + 7] = 64;
		f[l3 + 8] = 0x20, f[l3 + 9] = 0x01, f[l3 + 10] = 0x0d, f[l3 + 11] = 0xb8, f[l3 + 23] = (uint8_t)s->src;
		f[l3 + 24] = 0x20, f[l3 + 25] = 0x01, f[l3 + 26] = 0x0d, f[l3 + 27] = 0xb8, f[l3 + 39] = (uint8_t)s->dst;
		l4 = l3 + 40;
	} else {
		put16(f + 12, 0x0800);
		f[l3] = 0x45;
		put16(f + l3 + 2, (uint32_t)(20 + thl + s->payload));
		f[l3 + 8] = 64;
		f[l3 + 9] = 6;
		put32(f + l3 + 12, s->src);
		put32(f + l3 + 16, s->dst);
		l4 = l3 + 20;
	}
	put16(f + l4, s->sport);
	put16(f + l4 + 2, s->dport);
	put32(f + l4 + 4, s->seq);
	put32(f + l4 + 8, s->ack);
	f[l4 + 12] = (uint8_t)((thl / 4) << 4);
	f[l4 + 13] = s->flags;
	put16(f + l4 + 14, s->win);
	memcpy(f + l4 + 20, opt, olen);
	return l4 + thl + s->payload;
}

static struct capnet_pcap_frames F;

static void push(capnet_instant at, const struct seg *s)
{
	uint8_t f[1600];
	size_t n = build(f, s);
	ck_assert_int_eq(capnet_pcap_frames_push(&F, at, f, n, (uint32_t)n), CAPNET_OK);
}

/* A at 49152 sends to B at 80; A's ISN 1000, B's 5000. */
static struct seg a2b(uint32_t seq, uint32_t ack, uint8_t flags, uint16_t payload)
{
	return (struct seg){.src = A_IP, .dst = B_IP, .sport = 49152, .dport = 80, .seq = seq, .ack = ack,
			    .flags = flags, .win = 1000, .wscale = -1, .payload = payload};
}

static struct seg b2a(uint32_t ack, uint16_t win)
{
	return (struct seg){.src = B_IP, .dst = A_IP, .sport = 80, .dport = 49152, .seq = 5001, .ack = ack,
			    .flags = CAPNET_TCP_ACK_FLAG, .win = win, .wscale = -1};
}

static void setup(void)
{
	memset(&F, 0, sizeof F);
}

static void teardown(void)
{
	capnet_pcap_frames_free(&F);
}

#define ACK CAPNET_TCP_ACK_FLAG

/* A transfer with one loss: the series hold it exactly. */
START_TEST(test_series_of_a_lossy_transfer)
{
	struct seg syn = a2b(1000, 0, CAPNET_TCP_SYN, 0);
	syn.wscale = 2;
	push(1000000, &syn);
	struct seg synack = b2a(1001, 2000);
	synack.seq = 5000, synack.flags = CAPNET_TCP_SYN | ACK, synack.wscale = 3;
	push(1010000, &synack);
	static const uint8_t zeros[60];   /* ethertype 0: not TCP */
	ck_assert_int_eq(capnet_pcap_frames_push(&F, 1020000, zeros, sizeof zeros, sizeof zeros), CAPNET_OK);
	struct seg s;
	s = a2b(1001, 5001, ACK, 0);      /* the handshake's ACK: no segment */
	push(1020000, &s);
	s = a2b(1001, 5001, ACK, 100);    /* rel 1..101 */
	push(1021000, &s);
	s = a2b(1101, 5001, ACK, 100);    /* rel 101..201: lost */
	push(1022000, &s);
	s = a2b(1201, 5001, ACK, 100);    /* rel 201..301 */
	push(1023000, &s);
	struct seg d = b2a(1101, 1000);   /* ACK 101, window 1000 << 3 */
	push(1030000, &d);
	d = b2a(1101, 1000);
	d.nsack = 1, d.sack[0][0] = 1201, d.sack[0][1] = 1301;
	push(1032000, &d);
	s = a2b(1101, 5001, ACK, 100);    /* the retransmission */
	push(1033000, &s);
	d = b2a(1301, 900);
	push(1043000, &d);
	s = a2b(1301, 5001, CAPNET_TCP_FIN | ACK, 0);
	push(1044000, &s);

	struct tcp_plot_conns c;
	ck_assert_int_eq(tcp_plot_conns_find(&F, &c), CAPNET_OK);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_uint_eq(c.frames, 12);
	ck_assert_uint_eq(c.tcp_frames, 11);
	ck_assert_uint_eq(c.v[0].payload[0], 400);
	ck_assert_uint_eq(c.v[0].payload[1], 0);
	ck_assert_int_eq(tcp_plot_conns_busiest(&c), 0);
	struct tcp_plot_series s_;
	ck_assert_int_eq(tcp_plot_extract(&F, &c, 0, -1, &s_), CAPNET_OK);
	const struct tcp_plot_series *p = &s_;
	ck_assert_int_eq(p->dir, 0);
	ck_assert(p->isn_from_syn && p->window_scaled);
	ck_assert_uint_eq(p->isn, 1000);
	ck_assert_uint_eq(p->rcv_shift, 3);
	ck_assert_int_eq(p->duration, 44000);
	/* SYN, four data segments, FIN */
	ck_assert_uint_eq(p->segs.n, 6);
	static const int64_t want[6][3] = {{0, 0, 1}, {21000, 1, 101}, {22000, 101, 201},
					   {23000, 201, 301}, {33000, 101, 201}, {44000, 301, 302}};
	for (size_t i = 0; i < 6; i++) {
		ck_assert_int_eq(p->segs.v[i].t, want[i][0]);
		ck_assert_int_eq(p->segs.v[i].seq, want[i][1]);
		ck_assert_int_eq(p->segs.v[i].end, want[i][2]);
		ck_assert(p->segs.v[i].rexmit == (i == 4));
	}
	ck_assert_uint_eq(p->rexmit_segs, 1);
	ck_assert_uint_eq(p->rexmit_bytes, 100);
	ck_assert_uint_eq(p->payload, 400);
	ck_assert_int_eq(p->max_seq, 302);
	/* the SYN-ACK's window unscaled, the others by 2^3 */
	ck_assert_uint_eq(p->acks.n, 4);
	ck_assert_int_eq(p->acks.v[0].ack, 1);
	ck_assert_uint_eq(p->acks.v[0].win, 2000);
	ck_assert_int_eq(p->acks.v[1].ack, 101);
	ck_assert_uint_eq(p->acks.v[1].win, 8000);
	ck_assert_uint_eq(p->acks.v[2].nsack, 1);
	ck_assert_int_eq(p->acks.v[2].sack[0].left, 201);
	ck_assert_int_eq(p->acks.v[2].sack[0].right, 301);
	ck_assert_int_eq(p->acks.v[3].ack, 301);
	ck_assert_uint_eq(p->acks.v[3].win, 7200);
	/* S from the sender at 0, S' from the receiver at its ACK (1), F at 301 */
	ck_assert_uint_eq(p->marks.n, 3);
	ck_assert(p->marks.v[0].kind == 'S' && !p->marks.v[0].from_receiver && p->marks.v[0].seq == 0);
	ck_assert(p->marks.v[1].kind == 'S' && p->marks.v[1].from_receiver && p->marks.v[1].seq == 1);
	ck_assert(p->marks.v[2].kind == 'F' && p->marks.v[2].seq == 301);
	/* the flight: 1 (SYN), 0 (its ACK), 100, 200, 300, 200 after ACK 101, 0 after ACK 301, 1 with the FIN */
	static const int64_t fl[] = {1, 0, 100, 200, 300, 200, 0, 1};
	ck_assert_uint_eq(p->flight.n, sizeof fl / sizeof fl[0]);
	for (size_t i = 0; i < p->flight.n; i++)
		ck_assert_int_eq(p->flight.v[i].bytes, fl[i]);

	/* cwnd samples of this sender only, on its time scale */
	struct tcp_sample sm[3] = {
		{.t = 1020000, .cwnd = 3000, .ssthresh = 0x7fffffff},
		{.t = 1033000, .cwnd = 1500, .ssthresh = 1500, .in_recovery = true},
		{.t = 1033000, .cwnd = 9},
	};
	sm[0].local = sm[1].local = c.v[0].ep[0];
	sm[0].remote = sm[1].remote = c.v[0].ep[1];
	sm[2].local = c.v[0].ep[1];
	sm[2].remote = c.v[0].ep[0];
	ck_assert_int_eq(tcp_plot_attach_samples(&s_, sm, 3, 0), CAPNET_OK);
	ck_assert_uint_eq(p->cwnd.n, 2);
	ck_assert_int_eq(p->cwnd.v[1].t, 33000);
	ck_assert(p->cwnd.v[1].recovery && p->cwnd.v[1].ssthresh == 1500);

	/* the SVG: one document, the same bytes twice */
	char *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	FILE *fa = open_memstream(&a, &na), *fb = open_memstream(&b, &nb);
	ck_assert_int_eq(tcp_plot_svg(fa, p, NULL), 0);
	ck_assert_int_eq(tcp_plot_svg(fb, p, NULL), 0);
	fclose(fa);
	fclose(fb);
	ck_assert_uint_eq(na, nb);
	ck_assert(memcmp(a, b, na) == 0);
	ck_assert(strncmp(a, "<?xml", 5) == 0 && strstr(a, "</svg>\n") == a + na - 7);
	ck_assert_ptr_nonnull(strstr(a, "class=\"rexmit\""));
	ck_assert_ptr_nonnull(strstr(a, "class=\"cwnd\""));
	free(a);
	free(b);
	tcp_plot_series_free(&s_);
	tcp_plot_conns_free(&c);
}
END_TEST

/* A window scale in one SYN only: no scaling (RFC 7323 2.2). */
START_TEST(test_window_scale_needs_both_syns)
{
	struct seg syn = a2b(1000, 0, CAPNET_TCP_SYN, 0);
	syn.wscale = 7;
	push(0, &syn);
	struct seg synack = b2a(1001, 2000);
	synack.seq = 5000, synack.flags = CAPNET_TCP_SYN | ACK;
	push(10, &synack);
	struct seg s = a2b(1001, 5001, ACK, 10);
	push(20, &s);
	struct seg d = b2a(1011, 3000);
	push(30, &d);
	struct tcp_plot_conns c;
	struct tcp_plot_series p;
	ck_assert_int_eq(tcp_plot_conns_find(&F, &c), CAPNET_OK);
	ck_assert_int_eq(tcp_plot_extract(&F, &c, 0, 0, &p), CAPNET_OK);
	ck_assert(!p.window_scaled);
	ck_assert_uint_eq(p.acks.v[1].win, 3000);
	tcp_plot_series_free(&p);
	tcp_plot_conns_free(&c);
}
END_TEST

/* Mid-connection, across the 2^32 wrap: sequence 0 is the first seen and
 * the numbers keep growing. */
START_TEST(test_sequence_wraps)
{
	for (uint32_t i = 0; i < 4; i++) {
		struct seg s = a2b(0xffffff00u + i * 0x80u, 1, ACK, 0x80);
		push(i * 10, &s);
	}
	struct tcp_plot_conns c;
	struct tcp_plot_series p;
	ck_assert_int_eq(tcp_plot_conns_find(&F, &c), CAPNET_OK);
	ck_assert_int_eq(tcp_plot_extract(&F, &c, 0, -1, &p), CAPNET_OK);
	ck_assert(!p.isn_from_syn);
	ck_assert_uint_eq(p.segs.n, 4);
	ck_assert_int_eq(p.segs.v[3].seq, 0x180);
	ck_assert_int_eq(p.segs.v[3].end, 0x200);
	ck_assert_uint_eq(p.rexmit_segs, 0);
	tcp_plot_series_free(&p);
	tcp_plot_conns_free(&c);
}
END_TEST

/* A SYN on a tuple whose connection ended starts a new connection; the
 * selector finds the latest by tuple, either order, or by index. */
START_TEST(test_reused_tuple_and_selector)
{
	struct seg s = a2b(1000, 0, CAPNET_TCP_SYN, 0);
	push(0, &s);
	s = a2b(1001, 1, CAPNET_TCP_FIN | ACK, 5);
	push(1, &s);
	struct seg d = b2a(1007, 100);
	d.flags = CAPNET_TCP_FIN | ACK;
	push(2, &d);
	s = a2b(9000, 0, CAPNET_TCP_SYN, 0);
	push(3, &s);
	s = a2b(9001, 1, ACK, 50);
	push(4, &s);
	struct tcp_plot_conns c;
	ck_assert_int_eq(tcp_plot_conns_find(&F, &c), CAPNET_OK);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_int_eq(tcp_plot_conns_busiest(&c), 1);
	ck_assert_int_eq(tcp_plot_conns_match(&c, "192.0.2.10:49152-192.0.2.11:80"), 1);
	ck_assert_int_eq(tcp_plot_conns_match(&c, "192.0.2.11:80-192.0.2.10:49152"), 1);
	ck_assert_int_eq(tcp_plot_conns_match(&c, "0"), 0);
	ck_assert_int_eq(tcp_plot_conns_match(&c, "2"), -1);
	ck_assert_int_eq(tcp_plot_conns_match(&c, "192.0.2.10:1-192.0.2.11:80"), -1);
	ck_assert_int_eq(tcp_plot_conns_match(&c, "banana"), -1);
	ck_assert_int_eq(tcp_plot_conns_match(&c, "192.0.2.10:49152-"), -1);
	ck_assert_int_eq(tcp_plot_conns_match(&c, "300.0.2.10:49152-192.0.2.11:80"), -1);
	tcp_plot_conns_free(&c);
}
END_TEST

START_TEST(test_ipv6)
{
	struct seg s = a2b(7, 0, CAPNET_TCP_SYN, 0);
	s.v6 = true, s.src = 1, s.dst = 2;
	push(0, &s);
	s.flags = ACK, s.seq = 8, s.payload = 20;
	push(5, &s);
	struct tcp_plot_conns c;
	ck_assert_int_eq(tcp_plot_conns_find(&F, &c), CAPNET_OK);
	ck_assert_uint_eq(c.n, 1);
	char t[64];
	ck_assert_str_eq(tcp_plot_endpoint_text(&c.v[0].ep[0], t, sizeof t), "[2001:db8::1]:49152");
	ck_assert_int_eq(tcp_plot_conns_match(&c, "[2001:db8::2]:80-[2001:db8::1]:49152"), 0);
	ck_assert_int_eq(tcp_plot_conns_match(&c, "[2001:db8::3]:80-[2001:db8::1]:49152"), -1);
	ck_assert_int_eq(tcp_plot_conns_match(&c, "[2001:db8::2:80-[2001:db8::1]:49152"), -1);
	tcp_plot_conns_free(&c);
}
END_TEST

/* A capture cut to its headers: payload lengths come from the IP length. */
START_TEST(test_cut_frames)
{
	uint8_t f[1600];
	struct seg s = a2b(1, 1, ACK, 1000);
	size_t n = build(f, &s);
	ck_assert_int_eq(capnet_pcap_frames_push(&F, 0, f, 80, (uint32_t)n), CAPNET_OK);
	s.v6 = true, s.seq = 1001;
	n = build(f, &s);
	ck_assert_int_eq(capnet_pcap_frames_push(&F, 1, f, 90, (uint32_t)n), CAPNET_OK);
	struct tcp_plot_conns c;
	ck_assert_int_eq(tcp_plot_conns_find(&F, &c), CAPNET_OK);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(c.v[0].payload[0], 1000);
	ck_assert_uint_eq(c.v[1].payload[0], 1000);
	tcp_plot_conns_free(&c);
}
END_TEST

/* Whatever the frames: series or nothing, and an SVG and JSON of them. */
START_TEST(test_any_frames)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t f[1600];
	for (int round = 0; round < 400; round++) {
		struct seg s = a2b((uint32_t)(x >> 7), (uint32_t)(x >> 19), (uint8_t)(x >> 40), (uint16_t)(x % 300));
		s.wscale = (int)(x >> 50) % 20 - 5;
		s.nsack = (uint8_t)((x >> 33) % 5);
		s.sack[0][0] = (uint32_t)x;
		s.sack[0][1] = (uint32_t)(x >> 3);
		if (x & 1) {
			s.src = B_IP, s.dst = A_IP, s.sport = 80, s.dport = 49152;
		}
		size_t n = build(f, &s);
		/* cut it, and flip a byte of its headers */
		size_t keep = (x >> 13) % 4 == 0 ? (size_t)((x >> 21) % (n + 1)) : n;
		if ((x >> 29) % 3 == 0)
			f[(x >> 37) % 80] ^= (uint8_t)(x >> 45);
		ck_assert_int_eq(capnet_pcap_frames_push(&F, round * 100 - (int)(x % 7) * 50, f, keep, (uint32_t)n),
				 CAPNET_OK);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	}
	struct tcp_plot_conns c;
	ck_assert_int_eq(tcp_plot_conns_find(&F, &c), CAPNET_OK);
	ck_assert_uint_ge(c.n, 1);
	FILE *null = fopen("/dev/null", "w");
	for (size_t k = 0; k < c.n; k++)
		for (int dir = 0; dir < 2; dir++) {
			struct tcp_plot_series p;
			ck_assert_int_eq(tcp_plot_extract(&F, &c, (int)k, dir, &p), CAPNET_OK);
			struct tcp_plot_view v = {.from = 100, .to = 5000};
			ck_assert_int_eq(tcp_plot_svg(null, &p, NULL), 0);
			ck_assert_int_eq(tcp_plot_svg(null, &p, &v), 0);
			tcp_plot_series_free(&p);
		}
	fclose(null);
	struct tcp_plot_series p;
	ck_assert_int_eq(tcp_plot_extract(&F, &c, (int)c.n, 0, &p), CAPNET_E_INVAL);
	tcp_plot_conns_free(&c);
}
END_TEST

START_TEST(test_no_frames)
{
	struct tcp_plot_conns c;
	ck_assert_int_eq(tcp_plot_conns_find(&F, &c), CAPNET_OK);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_int_eq(tcp_plot_conns_busiest(&c), -1);
	ck_assert_int_eq(tcp_plot_conns_match(&c, "0"), -1);
	tcp_plot_conns_free(&c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("plot");
	TCase *tc = check_add_case(s, "series", setup, teardown, 60);
	tcase_add_test(tc, test_series_of_a_lossy_transfer);
	tcase_add_test(tc, test_window_scale_needs_both_syns);
	tcase_add_test(tc, test_sequence_wraps);
	tcase_add_test(tc, test_reused_tuple_and_selector);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_cut_frames);
	tcase_add_test(tc, test_any_frames);
	tcase_add_test(tc, test_no_frames);
	return s;
}
