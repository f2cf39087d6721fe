/* TCP (RFC 9293 3.1) with its options (RFC 7323, RFC 2018): a Linux SYN,
 * the SYN-ACK, and a data segment carrying timestamps and two SACK blocks,
 * between 192.0.2.1:45678 and 198.51.100.7:80. The checksums in the arrays
 * were computed independently of the library (RFC 1071 over the IPv4
 * pseudo-header, in Python). */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/tcp.h"
#include "check_main.h"
#include "reason_cases.h"

#define CLIENT CAPNET_IP4(192, 0, 2, 1)
#define SERVER CAPNET_IP4(198, 51, 100, 7)

/* Linux 6.x connect(): MSS 1460; SACK-permitted + TSval 0x000a6b3c;
 * NOP, window scale 7. */
static const uint8_t syn[40] = {
	0xb2, 0x6e, 0x00, 0x50, 0x1a, 0x2b, 0x3c, 0x4d, /* 45678 -> 80, seq */
	0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, /* ack 0, doff 10, SYN, win 64240 */
	0xec, 0x55, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, /* csum, urg; MSS 1460 */
	0x04, 0x02, 0x08, 0x0a, 0x00, 0x0a, 0x6b, 0x3c, /* SACK_PERM, TS val */
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07, /* TS ecr 0; NOP, WS 7 */
};

static const uint8_t syn_ack[40] = {
	0x00, 0x50, 0xb2, 0x6e, 0x5e, 0x6f, 0x7a, 0x81, /* 80 -> 45678, seq */
	0x1a, 0x2b, 0x3c, 0x4e, 0xa0, 0x12, 0xfe, 0x88, /* ack ISN+1, SYN|ACK, win 65160 */
	0x45, 0x5f, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
	0x04, 0x02, 0x08, 0x0a, 0x9c, 0x1d, 0x2e, 0x3f, /* TS val */
	0x00, 0x0a, 0x6b, 0x3c, 0x01, 0x03, 0x03, 0x07, /* TS ecr = the SYN's val */
};

/* PSH|ACK with 27 bytes (odd: the checksum pads) of HTTP request; NOP NOP
 * TS; NOP NOP SACK with two blocks of the peer's data. */
static const uint8_t data_sack[79] = {
	0xb2, 0x6e, 0x00, 0x50, 0x1a, 0x2b, 0x3c, 0x4e,
	0x5e, 0x6f, 0x7a, 0x82, 0xd0, 0x18, 0x01, 0xf6, /* doff 13, PSH|ACK, win 502 */
	0x40, 0xa2, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,
	0x00, 0x0a, 0x6b, 0x90, 0x9c, 0x1d, 0x2f, 0x10,
	0x01, 0x01, 0x05, 0x12, 0x5e, 0x6f, 0x80, 0x00, /* SACK len 18 */
	0x5e, 0x6f, 0x85, 0xb4, 0x5e, 0x6f, 0x8b, 0x68,
	0x5e, 0x6f, 0x91, 0x1c, 0x47, 0x45, 0x54, 0x20, /* "GET / HTTP/1.1\r\nHost: a\r\n\r\n" */
	0x2f, 0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31,
	0x2e, 0x31, 0x0d, 0x0a, 0x48, 0x6f, 0x73, 0x74,
	0x3a, 0x20, 0x61, 0x0d, 0x0a, 0x0d, 0x0a,
};

#define DATA_HL 52
#define DATA_PAYLOAD_LEN 27

static uint32_t pseudo(size_t len)
{
	return capnet_csum_pseudo4(CLIENT, SERVER, CAPNET_IPPROTO_TCP, (uint16_t)len);
}

static void fix_checksum(uint8_t *seg, size_t len)
{
	capnet_put16(seg + CAPNET_TCP_CHECKSUM, 0);
	capnet_put16(seg + CAPNET_TCP_CHECKSUM, capnet_csum_finish(capnet_csum_partial(seg, len, pseudo(len))));
}

/* A bare ACK header (the SYN's first 20 bytes) followed by `opt`, whose
 * length must be a multiple of 4, with a correct checksum: so a parse
 * failure can only come from the options. */
static size_t seg_with_options(uint8_t *seg, const uint8_t *opt, size_t optlen)
{
	memcpy(seg, syn, CAPNET_TCP_HDR_LEN);
	seg[CAPNET_TCP_OFF_FLAGS] = (uint8_t)((5 + optlen / 4) << 4);
	memcpy(seg + CAPNET_TCP_HDR_LEN, opt, optlen);
	fix_checksum(seg, CAPNET_TCP_HDR_LEN + optlen);
	return CAPNET_TCP_HDR_LEN + optlen;
}

static struct capnet_tcp_repr syn_repr(void)
{
	return (struct capnet_tcp_repr){
		.src_port = 45678,
		.dst_port = 80,
		.seq = 0x1a2b3c4d,
		.ack = 0,
		.flags = CAPNET_TCP_SYN,
		.window = 64240,
		.opt = {.has_mss = true, .mss = 1460, .sack_permitted = true, .has_timestamp = true,
			.ts_val = 0x000a6b3c, .ts_ecr = 0, .has_wscale = true, .wscale = 7},
	};
}

static struct capnet_tcp_repr data_repr(void)
{
	return (struct capnet_tcp_repr){
		.src_port = 45678,
		.dst_port = 80,
		.seq = 0x1a2b3c4e,
		.ack = 0x5e6f7a82,
		.flags = CAPNET_TCP_PSH | CAPNET_TCP_ACK_FLAG,
		.window = 502,
		.opt = {.has_timestamp = true, .ts_val = 0x000a6b90, .ts_ecr = 0x9c1d2f10, .sack_count = 2,
			.sack = {{0x5e6f8000, 0x5e6f85b4}, {0x5e6f8b68, 0x5e6f911c}}},
		.payload = data_sack + DATA_HL,
		.payload_len = DATA_PAYLOAD_LEN,
	};
}

START_TEST(test_deconstruct)
{
	struct capnet_tcp_view v;
	ck_assert_int_eq(capnet_tcp_view_check(&v, syn, sizeof syn), CAPNET_OK);
	ck_assert_uint_eq(capnet_tcp_src_port(&v), 45678);
	ck_assert_uint_eq(capnet_tcp_dst_port(&v), 80);
	ck_assert_uint_eq(capnet_tcp_seq(&v), 0x1a2b3c4d);
	ck_assert_uint_eq(capnet_tcp_ack(&v), 0);
	ck_assert_uint_eq(capnet_tcp_header_len(&v), 40);
	ck_assert_uint_eq(capnet_tcp_flags(&v), CAPNET_TCP_SYN);
	ck_assert_uint_eq(capnet_tcp_window(&v), 64240);
	ck_assert_uint_eq(capnet_tcp_checksum(&v), 0xec55);
	ck_assert_uint_eq(capnet_tcp_urgent(&v), 0);

	ck_assert_int_eq(capnet_tcp_view_check(&v, data_sack, sizeof data_sack), CAPNET_OK);
	ck_assert_uint_eq(v.len, sizeof data_sack);
	ck_assert_uint_eq(capnet_tcp_header_len(&v), DATA_HL);
	ck_assert_uint_eq(capnet_tcp_flags(&v), CAPNET_TCP_PSH | CAPNET_TCP_ACK_FLAG);
	ck_assert_uint_eq(capnet_tcp_ack(&v), 0x5e6f7a82);
	ck_assert_uint_eq(capnet_tcp_window(&v), 502);
}
END_TEST

/* r's options take opt_len bytes and it emits exactly want (checksum
 * included), writing nothing past it. */
static void assert_emits_exactly(const struct capnet_tcp_repr *r, size_t opt_len, const uint8_t *want,
				 size_t want_len)
{
	uint8_t out[96];
	ck_assert_uint_lt(want_len, sizeof out);
	memset(out, 0xee, sizeof out);
	ck_assert_uint_eq(capnet_tcp_options_len(&r->opt), opt_len);
	ck_assert_uint_eq(capnet_tcp_emit_len(r), want_len);
	ck_assert_uint_eq(capnet_tcp_emit(r, out, pseudo(want_len)), want_len);
	ck_assert_mem_eq(out, want, want_len);
	ck_assert_uint_eq(out[want_len], 0xee);
}

START_TEST(test_construct_syn)
{
	struct capnet_tcp_repr r = syn_repr();
	assert_emits_exactly(&r, 20, syn, sizeof syn);
}
END_TEST

START_TEST(test_parse_syn)
{
	struct capnet_tcp_repr r;
	ck_assert_int_eq(capnet_tcp_parse(syn, sizeof syn, pseudo(sizeof syn), &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.src_port, 45678);
	ck_assert_uint_eq(r.dst_port, 80);
	ck_assert_uint_eq(r.seq, 0x1a2b3c4d);
	ck_assert_uint_eq(r.ack, 0);
	ck_assert_uint_eq(r.flags, CAPNET_TCP_SYN);
	ck_assert_uint_eq(r.window, 64240);
	ck_assert_uint_eq(r.urgent, 0);
	ck_assert(r.opt.has_mss);
	ck_assert_uint_eq(r.opt.mss, 1460);
	ck_assert(r.opt.sack_permitted);
	ck_assert(r.opt.has_timestamp);
	ck_assert_uint_eq(r.opt.ts_val, 0x000a6b3c);
	ck_assert_uint_eq(r.opt.ts_ecr, 0);
	ck_assert(r.opt.has_wscale);
	ck_assert_uint_eq(r.opt.wscale, 7);
	ck_assert_uint_eq(r.opt.sack_count, 0);
	ck_assert_ptr_eq(r.payload, syn + 40);
	ck_assert_uint_eq(r.payload_len, 0);
}
END_TEST

START_TEST(test_syn_ack)
{
	struct capnet_tcp_repr r;
	uint8_t out[40];
	/* The pseudo-header sum does not depend on direction. */
	ck_assert_int_eq(capnet_tcp_parse(syn_ack, sizeof syn_ack, pseudo(40), &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.src_port, 80);
	ck_assert_uint_eq(r.dst_port, 45678);
	ck_assert_uint_eq(r.seq, 0x5e6f7a81);
	ck_assert_uint_eq(r.ack, 0x1a2b3c4e);
	ck_assert_uint_eq(r.flags, CAPNET_TCP_SYN | CAPNET_TCP_ACK_FLAG);
	ck_assert_uint_eq(r.window, 65160);
	ck_assert_uint_eq(r.opt.ts_val, 0x9c1d2e3f);
	ck_assert_uint_eq(r.opt.ts_ecr, 0x000a6b3c);

	struct capnet_tcp_repr w = {
		.src_port = 80,
		.dst_port = 45678,
		.seq = 0x5e6f7a81,
		.ack = 0x1a2b3c4e,
		.flags = CAPNET_TCP_SYN | CAPNET_TCP_ACK_FLAG,
		.window = 65160,
		.opt = {.has_mss = true, .mss = 1460, .sack_permitted = true, .has_timestamp = true,
			.ts_val = 0x9c1d2e3f, .ts_ecr = 0x000a6b3c, .has_wscale = true, .wscale = 7},
	};
	ck_assert_uint_eq(capnet_tcp_emit(&w, out, pseudo(40)), 40);
	ck_assert_mem_eq(out, syn_ack, 40);
}
END_TEST

START_TEST(test_parse_data_with_sack)
{
	struct capnet_tcp_repr r;
	ck_assert_int_eq(capnet_tcp_parse(data_sack, sizeof data_sack, pseudo(sizeof data_sack), &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.seq, 0x1a2b3c4e);
	ck_assert_uint_eq(r.ack, 0x5e6f7a82);
	ck_assert_uint_eq(r.flags, CAPNET_TCP_PSH | CAPNET_TCP_ACK_FLAG);
	ck_assert(!r.opt.has_mss);
	ck_assert(!r.opt.has_wscale);
	ck_assert(!r.opt.sack_permitted);
	ck_assert(r.opt.has_timestamp);
	ck_assert_uint_eq(r.opt.ts_val, 0x000a6b90);
	ck_assert_uint_eq(r.opt.ts_ecr, 0x9c1d2f10);
	ck_assert_uint_eq(r.opt.sack_count, 2);
	ck_assert_uint_eq(r.opt.sack[0].left, 0x5e6f8000);
	ck_assert_uint_eq(r.opt.sack[0].right, 0x5e6f85b4);
	ck_assert_uint_eq(r.opt.sack[1].left, 0x5e6f8b68);
	ck_assert_uint_eq(r.opt.sack[1].right, 0x5e6f911c);
	ck_assert_ptr_eq(r.payload, data_sack + DATA_HL);
	ck_assert_uint_eq(r.payload_len, DATA_PAYLOAD_LEN);
	ck_assert_mem_eq(r.payload, "GET / HTTP/1.1\r\n", 16);
}
END_TEST

START_TEST(test_construct_data_with_sack)
{
	struct capnet_tcp_repr r = data_repr();
	assert_emits_exactly(&r, 32, data_sack, sizeof data_sack);
}
END_TEST

START_TEST(test_round_trip)
{
	static const struct {
		const uint8_t *seg;
		size_t len;
	} segs[] = {{syn, sizeof syn}, {syn_ack, sizeof syn_ack}, {data_sack, sizeof data_sack}};
	for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++) {
		struct capnet_tcp_repr r;
		uint8_t out[80];
		ck_assert_int_eq(capnet_tcp_parse(segs[i].seg, segs[i].len, pseudo(segs[i].len), &r, NULL), CAPNET_OK);
		ck_assert_uint_eq(capnet_tcp_emit_len(&r), segs[i].len);
		ck_assert_uint_eq(capnet_tcp_emit(&r, out, pseudo(segs[i].len)), segs[i].len);
		ck_assert_mem_eq(out, segs[i].seg, segs[i].len);
		/* In place: the payload already sits where emit puts it. */
		memcpy(out, segs[i].seg, segs[i].len);
		ck_assert_int_eq(capnet_tcp_parse(out, segs[i].len, pseudo(segs[i].len), &r, NULL), CAPNET_OK);
		ck_assert_uint_eq(capnet_tcp_emit(&r, out, pseudo(segs[i].len)), segs[i].len);
		ck_assert_mem_eq(out, segs[i].seg, segs[i].len);
	}
}
END_TEST

START_TEST(test_emit_moves_overlapping_payload)
{
	/* Re-emit the data segment in its own buffer without the SACK option:
	 * the header shrinks by 20 bytes and the payload moves down over the
	 * old option bytes. */
	uint8_t buf[80];
	struct capnet_tcp_repr r;
	memcpy(buf, data_sack, sizeof data_sack);
	ck_assert_int_eq(capnet_tcp_parse(buf, sizeof data_sack, pseudo(sizeof data_sack), &r, NULL), CAPNET_OK);
	r.opt.sack_count = 0;
	size_t n = capnet_tcp_emit_len(&r);
	ck_assert_uint_eq(n, 32 + DATA_PAYLOAD_LEN);
	ck_assert_uint_eq(capnet_tcp_emit(&r, buf, pseudo(n)), n);
	ck_assert_int_eq(capnet_tcp_parse(buf, n, pseudo(n), &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.opt.sack_count, 0);
	ck_assert_uint_eq(r.payload_len, DATA_PAYLOAD_LEN);
	ck_assert_mem_eq(r.payload, data_sack + DATA_HL, DATA_PAYLOAD_LEN);
}
END_TEST

/* The send path's emit: payload copied into place and summed in one pass
 * (capnet_csum_copy), then emit_summed: byte-identical to capnet_tcp_emit
 * for every payload length 0..1460, odd ones included, with and without
 * options. */
START_TEST(test_emit_summed_matches_emit)
{
	static uint8_t payload[1461], a[1600], b[1600];
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	for (int with_opts = 0; with_opts < 2; with_opts++) {
		for (size_t len = 0; len <= 1460; len++) {
			struct capnet_tcp_repr r;
			memset(&r, 0, sizeof r);
			r.src_port = 8080;
			r.dst_port = 40000;
			r.seq = 0x01020304u;
			r.ack = 0xfffffff0u;
			r.flags = CAPNET_TCP_ACK_FLAG | CAPNET_TCP_PSH;
			r.window = 502;
			if (with_opts) {
				r.opt.has_timestamp = true;
				r.opt.ts_val = 12345;
				r.opt.ts_ecr = 678;
			}
			r.payload = payload + 1; /* an odd source address */
			r.payload_len = len;
			size_t hl = CAPNET_TCP_HDR_LEN + capnet_tcp_options_len(&r.opt);
			size_t n = capnet_tcp_emit(&r, a, pseudo(hl + len));
			uint16_t sum = capnet_csum_copy(b + hl, payload + 1, len, 0);
			ck_assert_uint_eq(capnet_tcp_emit_summed(&r, b, pseudo(hl + len), sum), n);
			if (memcmp(a, b, n) != 0)
				ck_abort_msg("payload %zu opts %d: emit_summed differs from emit", len, with_opts);
		}
	}
}
END_TEST

START_TEST(test_truncated_header)
{
	struct capnet_tcp_view v;
	struct capnet_tcp_repr r;
	/* Below 20 bytes, then below the 40 the data offset claims. */
	for (size_t len = 0; len < sizeof syn; len++) {
		ck_assert_int_eq(capnet_tcp_view_check(&v, syn, len), CAPNET_E_TRUNCATED);
		ck_assert_int_eq(capnet_tcp_parse(syn, len, pseudo(sizeof syn), &r, NULL), CAPNET_E_TRUNCATED);
		ck_assert_int_eq(capnet_tcp_parse(syn, len, pseudo(len), &r, NULL), CAPNET_E_TRUNCATED);
	}
}
END_TEST

START_TEST(test_truncated_data_segment)
{
	struct capnet_tcp_view v;
	struct capnet_tcp_repr r;
	for (size_t len = 0; len < DATA_HL; len++) {
		ck_assert_int_eq(capnet_tcp_view_check(&v, data_sack, len), CAPNET_E_TRUNCATED);
		ck_assert_int_eq(capnet_tcp_parse(data_sack, len, pseudo(sizeof data_sack), &r, NULL), CAPNET_E_TRUNCATED);
	}
	/* TCP has no length field: a segment cut inside its payload is a
	 * complete header with less data, and only the checksum (over the
	 * length IP claims, or the cut length) catches it. */
	for (size_t len = DATA_HL; len < sizeof data_sack; len++) {
		ck_assert_int_eq(capnet_tcp_view_check(&v, data_sack, len), CAPNET_OK);
		ck_assert_uint_eq(v.len, len);
		ck_assert_int_eq(capnet_tcp_parse(data_sack, len, pseudo(sizeof data_sack), &r, NULL), CAPNET_E_CHECKSUM);
		ck_assert_int_eq(capnet_tcp_parse(data_sack, len, pseudo(len), &r, NULL), CAPNET_E_CHECKSUM);
	}
}
END_TEST

START_TEST(test_data_offset_below_5_malformed)
{
	uint8_t p[40];
	struct capnet_tcp_view v;
	struct capnet_tcp_repr r;
	for (uint8_t doff = 0; doff < 5; doff++) {
		memcpy(p, syn, sizeof p);
		p[CAPNET_TCP_OFF_FLAGS] = (uint8_t)(doff << 4);
		fix_checksum(p, sizeof p);
		ck_assert_int_eq(capnet_tcp_view_check(&v, p, sizeof p), CAPNET_E_MALFORMED);
		ck_assert_int_eq(capnet_tcp_parse(p, sizeof p, pseudo(sizeof p), &r, NULL), CAPNET_E_MALFORMED);
		/* Still truncated first when there is not even a fixed header. */
		ck_assert_int_eq(capnet_tcp_view_check(&v, p, 19), CAPNET_E_TRUNCATED);
	}
}
END_TEST

START_TEST(test_data_offset_past_end_truncated)
{
	uint8_t p[56];
	struct capnet_tcp_view v;
	memset(p, 0, sizeof p);
	memcpy(p, syn, sizeof syn);
	p[CAPNET_TCP_OFF_FLAGS] = 0xf0; /* 60 bytes */
	ck_assert_int_eq(capnet_tcp_view_check(&v, p, sizeof p), CAPNET_E_TRUNCATED);
	ck_assert_int_eq(capnet_tcp_view_check(&v, p, 20), CAPNET_E_TRUNCATED);
}
END_TEST

/* Option areas (multiples of 4 so they fit a data offset) that must be
 * refused: each as a raw option parse and inside a checksummed segment. */
static const struct {
	const char *what;
	uint8_t len;
	uint8_t opt[40];
} bad_options[] = {
	{"length 0", 4, {0x08, 0x00, 0x01, 0x01}},
	{"MSS length 1", 4, {0x01, 0x01, 0x02, 0x01}},
	{"unknown kind, length 1", 4, {0x1e, 0x01, 0x01, 0x01}},
	{"length byte missing", 4, {0x01, 0x01, 0x01, 0x02}},
	{"length past end", 4, {0x01, 0x01, 0x08, 0x0a}},
	{"unknown kind, length past end", 4, {0x01, 0x1e, 0x04, 0x00}},
	{"MSS length 3", 4, {0x02, 0x03, 0x05, 0x01}},
	{"MSS length 5", 8, {0x02, 0x05, 0x05, 0xb4, 0x00, 0x01, 0x01, 0x01}},
	{"WSCALE length 4", 4, {0x03, 0x04, 0x07, 0x00}},
	{"WSCALE length 2", 4, {0x01, 0x01, 0x03, 0x02}},
	{"SACK_PERM length 3", 4, {0x04, 0x03, 0x00, 0x01}},
	{"TIMESTAMP length 8", 8, {0x08, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}},
	{"TIMESTAMP length 12", 12, {0x08, 0x0c, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}},
	{"SACK without blocks", 4, {0x01, 0x01, 0x05, 0x02}},
	{"SACK length 12 (not 2+8n)", 12, {0x05, 0x0c, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0}},
	/* Three blocks follow but the length says one (10): the next block's
	 * bytes are then read as an option, kind 0x5e length 0x6f, past the
	 * end. */
	{"SACK with 3 blocks, length 10", 28,
	 {0x01, 0x01, 0x05, 0x0a, 0x5e, 0x6f, 0x80, 0x00, 0x5e, 0x6f, 0x85, 0xb4, 0x5e, 0x6f,
	  0x8b, 0x68, 0x5e, 0x6f, 0x91, 0x1c, 0x5e, 0x6f, 0x96, 0xd0, 0x5e, 0x6f, 0x9c, 0x84}},
	{"SACK with 3 blocks, length 27", 28,
	 {0x01, 0x05, 0x1b, 0x5e, 0x6f, 0x80, 0x00, 0x5e, 0x6f, 0x85, 0xb4, 0x5e, 0x6f, 0x8b,
	  0x68, 0x5e, 0x6f, 0x91, 0x1c, 0x5e, 0x6f, 0x96, 0xd0, 0x5e, 0x6f, 0x9c, 0x84, 0x01}},
	{"bad option after a good MSS", 8, {0x02, 0x04, 0x05, 0xb4, 0x03, 0x03, 0x07, 0x02}},
};

START_TEST(test_malformed_options)
{
	for (size_t i = 0; i < sizeof bad_options / sizeof bad_options[0]; i++) {
		struct capnet_tcp_options o;
		struct capnet_tcp_repr r;
		uint8_t seg[60];
		ck_assert_msg(capnet_tcp_options_parse(bad_options[i].opt, bad_options[i].len, &o) ==
				      CAPNET_E_MALFORMED,
			      "%s", bad_options[i].what);
		size_t n = seg_with_options(seg, bad_options[i].opt, bad_options[i].len);
		ck_assert_msg(capnet_tcp_parse(seg, n, pseudo(n), &r, NULL) == CAPNET_E_MALFORMED, "%s", bad_options[i].what);
	}
}
END_TEST

START_TEST(test_sack_five_blocks_malformed)
{
	/* 2 + 5*8 = 42 bytes: more than RFC 2018 allows, and more than the
	 * option area holds, so only the raw option parser can be shown it. */
	uint8_t opt[42];
	struct capnet_tcp_options o;
	opt[0] = CAPNET_TCPOPT_SACK;
	opt[1] = 42;
	for (size_t i = 2; i < sizeof opt; i++)
		opt[i] = (uint8_t)i;
	ck_assert_int_eq(capnet_tcp_options_parse(opt, sizeof opt, &o), CAPNET_E_MALFORMED);
	/* Four blocks (34 bytes) is the most and is fine. */
	opt[1] = 34;
	ck_assert_int_eq(capnet_tcp_options_parse(opt, 34, &o), CAPNET_OK);
	ck_assert_uint_eq(o.sack_count, 4);
	ck_assert_uint_eq(o.sack[3].left, 0x1a1b1c1d);
	ck_assert_uint_eq(o.sack[3].right, 0x1e1f2021);
}
END_TEST

/* The lengths RFC 9293 3.2, RFC 7323 and RFC 2018 give each known kind. */
static bool rfc_length(uint8_t kind, unsigned len)
{
	switch (kind) {
	case CAPNET_TCPOPT_MSS:
		return len == 4;
	case CAPNET_TCPOPT_WSCALE:
		return len == 3;
	case CAPNET_TCPOPT_SACK_PERM:
		return len == 2;
	case CAPNET_TCPOPT_TIMESTAMP:
		return len == 10;
	case CAPNET_TCPOPT_SACK:
		return len == 10 || len == 18 || len == 26 || len == 34;
	default:
		return false;
	}
}

/* Every length byte 0..255 for each known kind, in a 40-byte area of
 * zeros (EOL after the option): exactly the RFC's lengths parse. */
START_TEST(test_every_option_length)
{
	static const uint8_t kinds[] = {CAPNET_TCPOPT_MSS, CAPNET_TCPOPT_WSCALE, CAPNET_TCPOPT_SACK_PERM,
					CAPNET_TCPOPT_TIMESTAMP, CAPNET_TCPOPT_SACK};
	for (size_t k = 0; k < sizeof kinds; k++) {
		for (unsigned len = 0; len < 256; len++) {
			uint8_t opt[40] = {kinds[k], (uint8_t)len};
			struct capnet_tcp_options o;
			capnet_err want = rfc_length(kinds[k], len) ? CAPNET_OK : CAPNET_E_MALFORMED;
			ck_assert_msg(capnet_tcp_options_parse(opt, sizeof opt, &o) == want, "kind %u len %u",
				      kinds[k], len);
		}
	}
}
END_TEST

START_TEST(test_unknown_option_skipped)
{
	/* Kind 30 (MPTCP) length 4, then MSS; kind 253 (experimental) len 2. */
	static const uint8_t opt[12] = {0x1e, 0x04, 0x81, 0x00, 0x02, 0x04, 0x05, 0x78, 0xfd, 0x02, 0x01, 0x01};
	struct capnet_tcp_options o;
	struct capnet_tcp_repr r;
	uint8_t seg[32];
	ck_assert_int_eq(capnet_tcp_options_parse(opt, sizeof opt, &o), CAPNET_OK);
	ck_assert(o.has_mss);
	ck_assert_uint_eq(o.mss, 1400);
	ck_assert(!o.has_timestamp && !o.has_wscale && !o.sack_permitted && o.sack_count == 0);
	size_t n = seg_with_options(seg, opt, sizeof opt);
	ck_assert_int_eq(capnet_tcp_parse(seg, n, pseudo(n), &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.opt.mss, 1400);
	/* Never emitted: only the MSS comes back. */
	ck_assert_uint_eq(capnet_tcp_options_len(&r.opt), 4);
}
END_TEST

START_TEST(test_eol_stops_parsing)
{
	/* After EOL anything goes, even what would be malformed. */
	static const uint8_t opt[8] = {0x02, 0x04, 0x05, 0xb4, 0x00, 0x08, 0x01, 0xff};
	static const uint8_t eol_first[8] = {0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x01};
	static const uint8_t nops[8] = {0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01};
	struct capnet_tcp_options o;
	struct capnet_tcp_repr r;
	uint8_t seg[28];
	ck_assert_int_eq(capnet_tcp_options_parse(opt, sizeof opt, &o), CAPNET_OK);
	ck_assert(o.has_mss);
	ck_assert_uint_eq(o.mss, 1460);
	size_t n = seg_with_options(seg, opt, sizeof opt);
	ck_assert_int_eq(capnet_tcp_parse(seg, n, pseudo(n), &r, NULL), CAPNET_OK);
	ck_assert(r.opt.has_mss);

	ck_assert_int_eq(capnet_tcp_options_parse(eol_first, sizeof eol_first, &o), CAPNET_OK);
	ck_assert(!o.has_mss);
	ck_assert_int_eq(capnet_tcp_options_parse(nops, sizeof nops, &o), CAPNET_OK);
	ck_assert(!o.has_mss && !o.has_timestamp);
	ck_assert_int_eq(capnet_tcp_options_parse(nops, 0, &o), CAPNET_OK);
}
END_TEST

START_TEST(test_options_parse_clears_output)
{
	struct capnet_tcp_options o;
	memset(&o, 0xa5, sizeof o);
	ck_assert_int_eq(capnet_tcp_options_parse(syn + 20, 0, &o), CAPNET_OK);
	ck_assert(!o.has_mss && !o.has_wscale && !o.sack_permitted && !o.has_timestamp);
	ck_assert_uint_eq(o.sack_count, 0);
}
END_TEST

START_TEST(test_wscale_as_sent)
{
	/* RFC 7323 2.3: a shift above 14 is clamped by the user, not here. */
	static const uint8_t opt[4] = {0x01, 0x03, 0x03, 0x0f};
	struct capnet_tcp_options o;
	ck_assert_int_eq(capnet_tcp_options_parse(opt, sizeof opt, &o), CAPNET_OK);
	ck_assert(o.has_wscale);
	ck_assert_uint_eq(o.wscale, 15);
}
END_TEST

START_TEST(test_options_emit_layouts)
{
	uint8_t out[40];
	struct capnet_tcp_options o;

	memset(&o, 0, sizeof o);
	ck_assert_uint_eq(capnet_tcp_options_len(&o), 0);
	ck_assert_uint_eq(capnet_tcp_options_emit(&o, out), 0);

	/* Timestamps alone: NOP NOP TS (every Linux data segment). */
	o = (struct capnet_tcp_options){.has_timestamp = true, .ts_val = 1, .ts_ecr = 2};
	static const uint8_t ts[12] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
	ck_assert_uint_eq(capnet_tcp_options_emit(&o, out), 12);
	ck_assert_mem_eq(out, ts, 12);

	/* SACK-permitted without timestamps: NOP NOP SACK_PERM. */
	o = (struct capnet_tcp_options){.has_mss = true, .mss = 536, .sack_permitted = true};
	static const uint8_t sp[8] = {2, 4, 0x02, 0x18, 1, 1, 4, 2};
	ck_assert_uint_eq(capnet_tcp_options_len(&o), 8);
	ck_assert_uint_eq(capnet_tcp_options_emit(&o, out), 8);
	ck_assert_mem_eq(out, sp, 8);

	o = (struct capnet_tcp_options){.has_wscale = true, .wscale = 14};
	static const uint8_t ws[4] = {1, 3, 3, 14};
	ck_assert_uint_eq(capnet_tcp_options_emit(&o, out), 4);
	ck_assert_mem_eq(out, ws, 4);

	/* Four SACK blocks alone fit (36 bytes). */
	o = (struct capnet_tcp_options){.sack_count = 4,
					.sack = {{1, 2}, {3, 4}, {5, 6}, {7, 8}}};
	ck_assert_uint_eq(capnet_tcp_options_len(&o), 36);
	ck_assert_uint_eq(capnet_tcp_options_emit(&o, out), 36);
	ck_assert_uint_eq(out[3], 34);
}
END_TEST

START_TEST(test_options_emit_sack_clamped_to_space)
{
	uint8_t out[40];
	struct capnet_tcp_options o = {.has_timestamp = true, .sack_count = 4,
				       .sack = {{1, 2}, {3, 4}, {5, 6}, {7, 8}}};
	/* With timestamps three blocks fit: 12 + 4 + 24 = 40. */
	ck_assert_uint_eq(capnet_tcp_options_len(&o), 40);
	ck_assert_uint_eq(capnet_tcp_options_emit(&o, out), 40);
	ck_assert_uint_eq(out[14], CAPNET_TCPOPT_SACK);
	ck_assert_uint_eq(out[15], 26);
	struct capnet_tcp_options back;
	ck_assert_int_eq(capnet_tcp_options_parse(out, 40, &back), CAPNET_OK);
	ck_assert_uint_eq(back.sack_count, 3);
	ck_assert_uint_eq(back.sack[2].left, 5);
	ck_assert_uint_eq(back.sack[2].right, 6);

	/* Everything at once: 20 bytes of fixed options leave room for two. */
	o.has_mss = true;
	o.has_wscale = true;
	o.sack_permitted = true;
	ck_assert_uint_eq(capnet_tcp_options_len(&o), 40);
	ck_assert_uint_eq(capnet_tcp_options_emit(&o, out), 40);
	ck_assert_int_eq(capnet_tcp_options_parse(out, 40, &back), CAPNET_OK);
	ck_assert_uint_eq(back.sack_count, 2);

	/* A count above four is read as four. */
	o = (struct capnet_tcp_options){.sack_count = 9, .sack = {{1, 2}, {3, 4}, {5, 6}, {7, 8}}};
	ck_assert_uint_eq(capnet_tcp_options_len(&o), 36);
}
END_TEST

START_TEST(test_reserved_bits_ignored)
{
	uint8_t p[40];
	uint8_t out[40];
	struct capnet_tcp_repr r;
	memcpy(p, syn, sizeof p);
	p[CAPNET_TCP_OFF_FLAGS] |= 0x0f;
	fix_checksum(p, sizeof p);
	ck_assert_int_eq(capnet_tcp_parse(p, sizeof p, pseudo(40), &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.flags, CAPNET_TCP_SYN);
	ck_assert_uint_eq(capnet_tcp_emit(&r, out, pseudo(40)), 40);
	ck_assert_mem_eq(out, syn, 40);
}
END_TEST

START_TEST(test_all_flags)
{
	struct capnet_tcp_repr r = {.src_port = 1, .dst_port = 2, .flags = 0xff, .urgent = 0x1234, .window = 7};
	uint8_t out[20];
	ck_assert_uint_eq(capnet_tcp_emit(&r, out, pseudo(20)), 20);
	ck_assert_uint_eq(out[12], 0x50);
	ck_assert_uint_eq(out[13], 0xff);
	ck_assert_int_eq(capnet_tcp_parse(out, 20, pseudo(20), &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.flags, CAPNET_TCP_FIN | CAPNET_TCP_SYN | CAPNET_TCP_RST | CAPNET_TCP_PSH |
					   CAPNET_TCP_ACK_FLAG | CAPNET_TCP_URG | CAPNET_TCP_ECE | CAPNET_TCP_CWR);
	ck_assert_uint_eq(r.urgent, 0x1234);
	ck_assert_uint_eq(r.payload_len, 0);
}
END_TEST

/* Whether a bit of the data segment's option area is structure (a kind or
 * length byte), whose flip may make the options malformed first. */
static bool option_structure_byte(size_t byte)
{
	static const size_t structure[] = {20, 21, 22, 23, 32, 33, 34, 35};
	for (size_t i = 0; i < sizeof structure / sizeof structure[0]; i++)
		if (structure[i] == byte)
			return true;
	return false;
}

START_TEST(test_bad_checksum)
{
	uint8_t p[sizeof data_sack];
	struct capnet_tcp_repr r;
	for (size_t byte = 0; byte < sizeof p; byte++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			if (byte == CAPNET_TCP_OFF_FLAGS && bit >= 4)
				continue; /* the data offset has its own errors */
			memcpy(p, data_sack, sizeof p);
			p[byte] ^= (uint8_t)(1u << bit);
			capnet_err err = capnet_tcp_parse(p, sizeof p, pseudo(sizeof p), &r, NULL);
			if (option_structure_byte(byte))
				ck_assert_msg(err == CAPNET_E_CHECKSUM || err == CAPNET_E_MALFORMED, "byte %zu bit %u",
					      byte, bit);
			else
				ck_assert_msg(err == CAPNET_E_CHECKSUM, "byte %zu bit %u: %d", byte, bit, err);
		}
	}
}
END_TEST

START_TEST(test_pseudo_header_covered)
{
	struct capnet_tcp_repr r;
	uint32_t wrong_dst = capnet_csum_pseudo4(CLIENT, CAPNET_IP4(198, 51, 100, 8), CAPNET_IPPROTO_TCP, 40);
	uint32_t wrong_proto = capnet_csum_pseudo4(CLIENT, SERVER, CAPNET_IPPROTO_UDP, 40);
	ck_assert_int_eq(capnet_tcp_parse(syn, sizeof syn, wrong_dst, &r, NULL), CAPNET_E_CHECKSUM);
	ck_assert_int_eq(capnet_tcp_parse(syn, sizeof syn, wrong_proto, &r, NULL), CAPNET_E_CHECKSUM);
	ck_assert_int_eq(capnet_tcp_parse(syn, sizeof syn, pseudo(41), &r, NULL), CAPNET_E_CHECKSUM);
}
END_TEST

START_TEST(test_seq_compare_wraps)
{
	ck_assert(capnet_seq_lt(0xffffff00u, 0x10u));
	ck_assert(capnet_seq_le(0xffffff00u, 0x10u));
	ck_assert(capnet_seq_gt(0x10u, 0xffffff00u));
	ck_assert(capnet_seq_ge(0x10u, 0xffffff00u));
	ck_assert(!capnet_seq_lt(0x10u, 0xffffff00u));
	ck_assert(!capnet_seq_gt(0xffffff00u, 0x10u));
	ck_assert(capnet_seq_le(5u, 5u) && capnet_seq_ge(5u, 5u));
	ck_assert(!capnet_seq_lt(5u, 5u) && !capnet_seq_gt(5u, 5u));
	ck_assert(capnet_seq_lt(0xffffffffu, 0u));
	ck_assert(capnet_seq_lt(0x7ffffffeu, 0x7fffffffu));
	ck_assert(capnet_seq_lt(0x7fffffffu, 0x80000000u));
	ck_assert_uint_eq(capnet_seq_max(0xffffff00u, 0x10u), 0x10u);
	ck_assert_uint_eq(capnet_seq_min(0xffffff00u, 0x10u), 0xffffff00u);
	ck_assert_uint_eq(capnet_seq_max(100u, 200u), 200u);
	ck_assert_uint_eq(capnet_seq_min(100u, 200u), 100u);
}
END_TEST

/* ---- why a segment is refused (enum capnet_tcp_error) ---- */

REASON_ADAPTERS(struct capnet_tcp_repr, enum capnet_tcp_error, capnet_tcp_error_name,
		capnet_tcp_parse(buf, len, pseudo(len), &r, &e))

START_TEST(test_each_reason)
{
	static const struct reason_case cases[] = {
		{"19 bytes", 0, 0xb2, 19, CAPNET_TCP_ERR_TRUNCATED, CAPNET_E_TRUNCATED},
		{"data offset 4", CAPNET_TCP_OFF_FLAGS, 0x40, 40, CAPNET_TCP_ERR_BAD_OFFSET, CAPNET_E_MALFORMED},
		{"data offset 10 in 30 bytes", CAPNET_TCP_OFF_FLAGS, 0xa0, 30, CAPNET_TCP_ERR_OFFSET_BEYOND,
		 CAPNET_E_TRUNCATED},
		{"checksum", CAPNET_TCP_CHECKSUM, 0xed, 40, CAPNET_TCP_ERR_BAD_CHECKSUM, CAPNET_E_CHECKSUM},
	};
	check_reason_cases(syn, sizeof syn, cases, sizeof cases / sizeof cases[0], parse_why, reason_name);
	/* A bad option under a right checksum. */
	uint8_t seg[60];
	int why = -1;
	size_t n = seg_with_options(seg, bad_options[0].opt, bad_options[0].len);
	ck_assert_int_eq(parse_why(seg, n, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_TCP_ERR_BAD_OPTION);
}
END_TEST

/* The checksum is checked before the options: a corrupted segment is a bad
 * checksum whatever bytes the corruption hit, options included. */
START_TEST(test_checksum_before_options)
{
	for (size_t i = 0; i < sizeof bad_options / sizeof bad_options[0]; i++) {
		uint8_t seg[60];
		int why = -1;
		size_t n = seg_with_options(seg, bad_options[i].opt, bad_options[i].len);
		seg[CAPNET_TCP_CHECKSUM] ^= 0x01;
		ck_assert_msg(parse_why(seg, n, &why) == CAPNET_E_CHECKSUM, "%s", bad_options[i].what);
		ck_assert_int_eq(why, CAPNET_TCP_ERR_BAD_CHECKSUM);
	}
}
END_TEST

/* Cut inside its header, a segment is truncated: below 20 bytes, then its
 * data offset runs past the buffer. (TCP has no length field: a cut in
 * the payload can only show as a bad checksum, see
 * test_truncated_data_segment.) */
EVERY_CUT_TEST(data_sack,
	{CAPNET_TCP_HDR_LEN, CAPNET_TCP_ERR_TRUNCATED},
	{DATA_HL, CAPNET_TCP_ERR_OFFSET_BEYOND})

REASON_NAMES_TEST(
	"none", "truncated", "bad_offset", "offset_beyond", "bad_checksum", "bad_option")

static Suite *suite(void)
{
	Suite *s = suite_create("wire-tcp");
	TCase *tc = check_add_case(s, "tcp", NULL, NULL, 0);
	tcase_add_test(tc, test_deconstruct);
	tcase_add_test(tc, test_construct_syn);
	tcase_add_test(tc, test_parse_syn);
	tcase_add_test(tc, test_syn_ack);
	tcase_add_test(tc, test_parse_data_with_sack);
	tcase_add_test(tc, test_construct_data_with_sack);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_emit_moves_overlapping_payload);
	tcase_add_test(tc, test_emit_summed_matches_emit);
	tcase_add_test(tc, test_truncated_header);
	tcase_add_test(tc, test_truncated_data_segment);
	tcase_add_test(tc, test_data_offset_below_5_malformed);
	tcase_add_test(tc, test_data_offset_past_end_truncated);
	tcase_add_test(tc, test_malformed_options);
	tcase_add_test(tc, test_sack_five_blocks_malformed);
	tcase_add_test(tc, test_every_option_length);
	tcase_add_test(tc, test_unknown_option_skipped);
	tcase_add_test(tc, test_eol_stops_parsing);
	tcase_add_test(tc, test_options_parse_clears_output);
	tcase_add_test(tc, test_wscale_as_sent);
	tcase_add_test(tc, test_options_emit_layouts);
	tcase_add_test(tc, test_options_emit_sack_clamped_to_space);
	tcase_add_test(tc, test_reserved_bits_ignored);
	tcase_add_test(tc, test_all_flags);
	tcase_add_test(tc, test_bad_checksum);
	tcase_add_test(tc, test_pseudo_header_covered);
	tcase_add_test(tc, test_seq_compare_wraps);
	tcase_add_test(tc, test_each_reason);
	tcase_add_test(tc, test_checksum_before_options);
	tcase_add_test(tc, test_every_truncation_has_a_truncated_reason);
	tcase_add_test(tc, test_reason_names);
	return s;
}
