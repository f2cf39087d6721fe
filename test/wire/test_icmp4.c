/* ICMPv4 (RFC 792): the echo request inside a Linux ping, its reply, and
 * the three error messages a router or host sends back about a DNS query
 * (192.168.1.10:54321 -> 8.8.8.8:53), each quoting its IP header + 8. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/icmp4.h"
#include "check_main.h"
#include "reason_cases.h"

/* Echo request, ident 0x1c46, seq 1: timestamp then 0x10..0x37. */
static const uint8_t echo_request[64] = {
	0x08, 0x00, 0xd5, 0x16, 0x1c, 0x46, 0x00, 0x01, 0x5f, 0x2b, 0x3c, 0x65,
	0x00, 0x00, 0x00, 0x00, 0xa1, 0x3e, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33,
	0x34, 0x35, 0x36, 0x37,
};

static const uint8_t echo_reply[64] = {
	0x00, 0x00, 0xdd, 0x16, 0x1c, 0x46, 0x00, 0x01, 0x5f, 0x2b, 0x3c, 0x65,
	0x00, 0x00, 0x00, 0x00, 0xa1, 0x3e, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33,
	0x34, 0x35, 0x36, 0x37,
};

/* Port unreachable (3/3) quoting the DNS query's IP header + UDP header. */
static const uint8_t port_unreach[36] = {
	0x03, 0x03, 0x5d, 0x53, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x39,
	0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0x96, 0xbe, 0xc0, 0xa8, 0x01, 0x0a,
	0x08, 0x08, 0x08, 0x08, 0xd4, 0x31, 0x00, 0x35, 0x00, 0x25, 0xcb, 0x1d,
};

/* Fragmentation needed (3/4), next-hop MTU 1400 (RFC 1191). */
static const uint8_t frag_needed[36] = {
	0x03, 0x04, 0x57, 0xda, 0x00, 0x00, 0x05, 0x78, 0x45, 0x00, 0x00, 0x39,
	0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0x96, 0xbe, 0xc0, 0xa8, 0x01, 0x0a,
	0x08, 0x08, 0x08, 0x08, 0xd4, 0x31, 0x00, 0x35, 0x00, 0x25, 0xcb, 0x1d,
};

/* TTL exceeded in transit (11/0). */
static const uint8_t time_exceeded[36] = {
	0x0b, 0x00, 0x55, 0x56, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x39,
	0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0x96, 0xbe, 0xc0, 0xa8, 0x01, 0x0a,
	0x08, 0x08, 0x08, 0x08, 0xd4, 0x31, 0x00, 0x35, 0x00, 0x25, 0xcb, 0x1d,
};

static void fix_checksum(uint8_t *m, size_t len)
{
	capnet_put16(m + 2, 0);
	capnet_put16(m + 2, capnet_csum(m, len));
}

START_TEST(test_deconstruct)
{
	struct capnet_icmp4_view v;
	ck_assert_int_eq(capnet_icmp4_view_check(&v, echo_request, sizeof echo_request), CAPNET_OK);
	ck_assert_uint_eq(v.len, 64);
	ck_assert_uint_eq(capnet_icmp4_type(&v), CAPNET_ICMP4_ECHO_REQUEST);
	ck_assert_uint_eq(capnet_icmp4_code(&v), 0);
	ck_assert_uint_eq(capnet_icmp4_checksum(&v), 0xd516);
	ck_assert_uint_eq(capnet_icmp4_ident(&v), 0x1c46);
	ck_assert_uint_eq(capnet_icmp4_seq(&v), 1);
	ck_assert(capnet_icmp4_checksum_ok(&v));
}
END_TEST

START_TEST(test_construct_echo_request)
{
	struct capnet_icmp4_repr r = {.type = CAPNET_ICMP4_ECHO_REQUEST, .code = 0, .ident = 0x1c46, .seq = 1,
				      .data = echo_request + 8, .data_len = 56};
	uint8_t out[70];
	memset(out, 0xee, sizeof out);
	ck_assert_uint_eq(capnet_icmp4_emit_len(&r), 64);
	ck_assert_uint_eq(capnet_icmp4_emit(&r, out), 64);
	ck_assert_mem_eq(out, echo_request, 64);
	ck_assert_uint_eq(out[64], 0xee);
}
END_TEST

START_TEST(test_parse_echo_request)
{
	struct capnet_icmp4_repr r;
	ck_assert_int_eq(capnet_icmp4_parse(echo_request, sizeof echo_request, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.type, CAPNET_ICMP4_ECHO_REQUEST);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_uint_eq(r.ident, 0x1c46);
	ck_assert_uint_eq(r.seq, 1);
	ck_assert_uint_eq(r.next_hop_mtu, 0);
	ck_assert_ptr_eq(r.data, echo_request + 8);
	ck_assert_uint_eq(r.data_len, 56);
}
END_TEST

/* A 64-byte echo message parses and emits back byte for byte. */
static void assert_echo_round_trips(const uint8_t msg[64])
{
	struct capnet_icmp4_repr r;
	uint8_t out[64];
	ck_assert_int_eq(capnet_icmp4_parse(msg, 64, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(capnet_icmp4_emit(&r, out), 64);
	ck_assert_mem_eq(out, msg, 64);
}

START_TEST(test_round_trip_echo)
{
	assert_echo_round_trips(echo_request);
	assert_echo_round_trips(echo_reply);
}
END_TEST

/* The responder's path: parse the request, flip the type, emit in place. */
START_TEST(test_echo_reply_built_in_place)
{
	uint8_t buf[64];
	struct capnet_icmp4_repr r;
	memcpy(buf, echo_request, sizeof buf);
	ck_assert_int_eq(capnet_icmp4_parse(buf, sizeof buf, &r, NULL), CAPNET_OK);
	r.type = CAPNET_ICMP4_ECHO_REPLY;
	ck_assert_uint_eq(capnet_icmp4_emit(&r, buf), 64);
	ck_assert_mem_eq(buf, echo_reply, 64);
	ck_assert_int_eq(capnet_icmp4_parse(buf, sizeof buf, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.type, CAPNET_ICMP4_ECHO_REPLY);
	ck_assert_uint_eq(r.ident, 0x1c46);
	ck_assert_uint_eq(r.seq, 1);
}
END_TEST

START_TEST(test_dest_unreachable_with_quote)
{
	struct capnet_icmp4_repr r;
	uint8_t out[36];
	ck_assert_int_eq(capnet_icmp4_parse(port_unreach, sizeof port_unreach, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.type, CAPNET_ICMP4_DEST_UNREACH);
	ck_assert_uint_eq(r.code, CAPNET_ICMP4_PORT_UNREACH);
	ck_assert_uint_eq(r.ident, 0);
	ck_assert_uint_eq(r.seq, 0);
	ck_assert_uint_eq(r.next_hop_mtu, 0);
	ck_assert_ptr_eq(r.data, port_unreach + 8);
	ck_assert_uint_eq(r.data_len, 28);
	ck_assert_uint_eq(r.data[0], 0x45);              /* the quoted IPv4 header */
	ck_assert_uint_eq(capnet_get16(r.data + 20), 54321); /* the quoted UDP source port */

	struct capnet_icmp4_repr e = {.type = CAPNET_ICMP4_DEST_UNREACH, .code = CAPNET_ICMP4_PORT_UNREACH,
				      .data = port_unreach + 8, .data_len = 28};
	ck_assert_uint_eq(capnet_icmp4_emit(&e, out), 36);
	ck_assert_mem_eq(out, port_unreach, 36);
}
END_TEST

START_TEST(test_frag_needed_carries_mtu)
{
	struct capnet_icmp4_repr r;
	uint8_t out[36];
	ck_assert_int_eq(capnet_icmp4_parse(frag_needed, sizeof frag_needed, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.type, CAPNET_ICMP4_DEST_UNREACH);
	ck_assert_uint_eq(r.code, CAPNET_ICMP4_FRAG_NEEDED);
	ck_assert_uint_eq(r.next_hop_mtu, 1400);
	ck_assert_uint_eq(r.data_len, 28);
	ck_assert_uint_eq(capnet_icmp4_emit(&r, out), 36);
	ck_assert_mem_eq(out, frag_needed, 36);
}
END_TEST

START_TEST(test_time_exceeded)
{
	struct capnet_icmp4_repr r;
	uint8_t out[36];
	ck_assert_int_eq(capnet_icmp4_parse(time_exceeded, sizeof time_exceeded, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.type, CAPNET_ICMP4_TIME_EXCEEDED);
	ck_assert_uint_eq(r.code, 0);
	ck_assert_uint_eq(r.data_len, 28);
	ck_assert_mem_eq(r.data, port_unreach + 8, 28);
	ck_assert_uint_eq(capnet_icmp4_emit(&r, out), 36);
	ck_assert_mem_eq(out, time_exceeded, 36);
	/* Code 1: fragment reassembly time exceeded. */
	memcpy(out, time_exceeded, sizeof out);
	out[1] = 1;
	fix_checksum(out, sizeof out);
	ck_assert_int_eq(capnet_icmp4_parse(out, sizeof out, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.code, 1);
}
END_TEST

START_TEST(test_truncated)
{
	struct capnet_icmp4_view v;
	struct capnet_icmp4_repr r;
	for (size_t len = 0; len < 8; len++) {
		ck_assert_int_eq(capnet_icmp4_view_check(&v, echo_request, len), CAPNET_E_TRUNCATED);
		ck_assert_int_eq(capnet_icmp4_parse(echo_request, len, &r, NULL), CAPNET_E_TRUNCATED);
	}
}
END_TEST

START_TEST(test_echo_without_data)
{
	uint8_t m[8] = {0x08, 0x00, 0x00, 0x00, 0xab, 0xcd, 0x00, 0x07};
	struct capnet_icmp4_repr r;
	fix_checksum(m, sizeof m);
	ck_assert_uint_eq(capnet_get16(m + 2), 0x4c2b); /* ~(0x0800 + 0xabcd + 0x0007) */
	ck_assert_int_eq(capnet_icmp4_parse(m, sizeof m, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.data_len, 0);
	ck_assert_uint_eq(r.seq, 7);
}
END_TEST

START_TEST(test_bad_checksum_every_bit)
{
	uint8_t m[64];
	struct capnet_icmp4_repr r;
	for (size_t byte = 0; byte < sizeof m; byte++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(m, echo_request, sizeof m);
			m[byte] ^= (uint8_t)(1u << bit);
			ck_assert_int_eq(capnet_icmp4_parse(m, sizeof m, &r, NULL), CAPNET_E_CHECKSUM);
		}
	}
	/* A dropped trailing byte changes the sum too. */
	ck_assert_int_eq(capnet_icmp4_parse(echo_request, 63, &r, NULL), CAPNET_E_CHECKSUM);
}
END_TEST

START_TEST(test_unknown_type_unsupported)
{
	/* Redirect (5), timestamp (13), router advertisement (9), and nonsense. */
	static const uint8_t types[] = {4, 5, 9, 10, 12, 13, 14, 17, 18, 42, 255};
	uint8_t m[36];
	struct capnet_icmp4_repr r;
	for (size_t i = 0; i < sizeof types; i++) {
		memcpy(m, port_unreach, sizeof m);
		m[0] = types[i];
		m[1] = 0;
		fix_checksum(m, sizeof m);
		ck_assert_int_eq(capnet_icmp4_parse(m, sizeof m, &r, NULL), CAPNET_E_UNSUPPORTED);
	}
}
END_TEST

START_TEST(test_short_quote_malformed)
{
	struct capnet_icmp4_repr r;
	const uint8_t *msgs[] = {port_unreach, frag_needed, time_exceeded};
	uint8_t m[36];
	for (size_t i = 0; i < 3; i++) {
		/* quote lengths 0..19: less than one IPv4 header */
		for (size_t len = 8; len < 28; len++) {
			memcpy(m, msgs[i], len);
			fix_checksum(m, len);
			ck_assert_int_eq(capnet_icmp4_parse(m, len, &r, NULL), CAPNET_E_MALFORMED);
		}
		/* exactly the IPv4 header, without the 8 transport bytes: enough */
		memcpy(m, msgs[i], 28);
		fix_checksum(m, 28);
		ck_assert_int_eq(capnet_icmp4_parse(m, 28, &r, NULL), CAPNET_OK);
		ck_assert_uint_eq(r.data_len, 20);
	}
}
END_TEST

START_TEST(test_unknown_code_malformed)
{
	struct capnet_icmp4_repr r;
	uint8_t m[64];
	memcpy(m, echo_request, sizeof m);
	m[1] = 1;
	fix_checksum(m, sizeof m);
	ck_assert_int_eq(capnet_icmp4_parse(m, sizeof m, &r, NULL), CAPNET_E_MALFORMED);
	memcpy(m, echo_reply, sizeof m);
	m[1] = 0xff;
	fix_checksum(m, sizeof m);
	ck_assert_int_eq(capnet_icmp4_parse(m, sizeof m, &r, NULL), CAPNET_E_MALFORMED);
	memcpy(m, time_exceeded, 36);
	m[1] = 2;
	fix_checksum(m, 36);
	ck_assert_int_eq(capnet_icmp4_parse(m, 36, &r, NULL), CAPNET_E_MALFORMED);
	memcpy(m, port_unreach, 36);
	m[1] = 15; /* precedence cutoff in effect: the last defined code */
	fix_checksum(m, 36);
	ck_assert_int_eq(capnet_icmp4_parse(m, 36, &r, NULL), CAPNET_OK);
	m[1] = 16;
	fix_checksum(m, 36);
	ck_assert_int_eq(capnet_icmp4_parse(m, 36, &r, NULL), CAPNET_E_MALFORMED);
}
END_TEST

/* ---- why a message is refused (enum capnet_icmp4_error) ---- */

REASON_ADAPTERS(struct capnet_icmp4_repr, enum capnet_icmp4_error, capnet_icmp4_error_name,
		capnet_icmp4_parse(buf, len, &r, &e))

/* Changes one byte of `msg` (`len` bytes) and fixes the checksum. */
static const uint8_t *resealed(const uint8_t *msg, size_t len, size_t off, uint8_t val)
{
	static uint8_t m[64];
	memcpy(m, msg, len);
	m[off] = val;
	fix_checksum(m, len);
	return m;
}

START_TEST(test_each_reason)
{
	static const struct reason_case cases[] = {
		{"7 bytes", 0, 0x08, 7, CAPNET_ICMP4_ERR_TRUNCATED, CAPNET_E_TRUNCATED},
		{"checksum", 2, 0xd6, 64, CAPNET_ICMP4_ERR_BAD_CHECKSUM, CAPNET_E_CHECKSUM},
	};
	check_reason_cases(echo_request, sizeof echo_request, cases, 2, parse_why, reason_name);
	/* The others, with the checksum fixed after the change. */
	static const struct {
		const char *what;
		const uint8_t *msg;
		struct reason_case c;
	} fixed[] = {
		{"redirect", port_unreach, {0, 0, 5, 36, CAPNET_ICMP4_ERR_UNKNOWN_TYPE, CAPNET_E_UNSUPPORTED}},
		{"echo code 1", echo_request, {0, 1, 1, 64, CAPNET_ICMP4_ERR_BAD_CODE, CAPNET_E_MALFORMED}},
		{"unreachable code 16", port_unreach, {0, 1, 16, 36, CAPNET_ICMP4_ERR_BAD_CODE, CAPNET_E_MALFORMED}},
		{"quote of 19 bytes", port_unreach, {0, 0, 3, 27, CAPNET_ICMP4_ERR_QUOTE_TRUNCATED, CAPNET_E_MALFORMED}},
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		const struct reason_case *c = &fixed[i].c;
		int why = -1;
		ck_assert_msg(parse_why(resealed(fixed[i].msg, c->len, c->off, c->val), c->len, &why) == c->err, "%s",
			      fixed[i].what);
		ck_assert_msg(why == c->why, "%s: %s", fixed[i].what, reason_name(why));
	}
}
END_TEST

/* Cut inside its header, a message is truncated. (ICMP has no length
 * field: a cut after the header can only show as a bad checksum, see
 * test_bad_checksum_every_bit.) */
EVERY_CUT_TEST(echo_request, {CAPNET_ICMP4_HDR_LEN, CAPNET_ICMP4_ERR_TRUNCATED})

REASON_NAMES_TEST(
	"none", "truncated", "bad_checksum", "unknown_type", "bad_code", "quote_truncated",
	"not_an_error", "quote_bad_version", "quote_bad_hlen", "quote_hlen_beyond", "quote_l4_truncated")

/* ---- the quote of an error (capnet_icmp4_quote_parse) ---- */

/* Fragmentation needed, next-hop MTU 1492, quoting a 1500-byte TCP segment
 * 192.0.2.1:45678 -> 198.51.100.7:80 with seq 0x1a2b3c4d (IP header + 8).
 * The ICMP checksum is filled in by the test; the quoted header checksum
 * is left 0: a quote is not checked, routers may rewrite it. */
static const uint8_t frag_needed_tcp[36] = {
	0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x05, 0xd4, 0x45, 0x00, 0x05, 0xdc,
	0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x01,
	0xc6, 0x33, 0x64, 0x07, 0xb2, 0x6e, 0x00, 0x50, 0x1a, 0x2b, 0x3c, 0x4d,
};

/* An error message `msg` of `len` bytes, resealed, parsed and quoted. */
static capnet_err quote_of(const uint8_t *msg, size_t len, struct capnet_icmp4_quote *q,
			   enum capnet_icmp4_error *why)
{
	static uint8_t m[64];
	struct capnet_icmp4_repr r;
	memcpy(m, msg, len);
	fix_checksum(m, len);
	ck_assert_int_eq(capnet_icmp4_parse(m, len, &r, NULL), CAPNET_OK);
	return capnet_icmp4_quote_parse(&r, q, why);
}

START_TEST(test_quote_of_udp_datagrams)
{
	static const struct {
		const uint8_t *msg;
		uint8_t type, code;
		uint16_t mtu;
	} msgs[] = {
		{port_unreach, CAPNET_ICMP4_DEST_UNREACH, CAPNET_ICMP4_PORT_UNREACH, 0},
		{frag_needed, CAPNET_ICMP4_DEST_UNREACH, CAPNET_ICMP4_FRAG_NEEDED, 1400},
		{time_exceeded, CAPNET_ICMP4_TIME_EXCEEDED, 0, 0},
	};
	for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
		struct capnet_icmp4_quote q;
		enum capnet_icmp4_error why = CAPNET_ICMP4_ERR_BAD_CODE;
		ck_assert_int_eq(quote_of(msgs[i].msg, 36, &q, &why), CAPNET_OK);
		ck_assert_int_eq(why, CAPNET_ICMP4_ERR_NONE);
		ck_assert_uint_eq(q.type, msgs[i].type);
		ck_assert_uint_eq(q.code, msgs[i].code);
		ck_assert_uint_eq(q.next_hop_mtu, msgs[i].mtu);
		ck_assert_uint_eq(q.src, CAPNET_IP4(192, 168, 1, 10));
		ck_assert_uint_eq(q.dst, CAPNET_IP4(8, 8, 8, 8));
		ck_assert_uint_eq(q.proto, 17);
		ck_assert_uint_eq(q.header_len, 20);
		ck_assert(q.has_ports);
		ck_assert_uint_eq(q.src_port, 54321);
		ck_assert_uint_eq(q.dst_port, 53);
		ck_assert(!q.has_seq);
		ck_assert_uint_eq(q.seq, 0);
	}
}
END_TEST

START_TEST(test_quote_of_tcp_segment_with_next_hop_mtu)
{
	struct capnet_icmp4_quote q;
	ck_assert_int_eq(quote_of(frag_needed_tcp, sizeof frag_needed_tcp, &q, NULL), CAPNET_OK);
	ck_assert_uint_eq(q.type, CAPNET_ICMP4_DEST_UNREACH);
	ck_assert_uint_eq(q.code, CAPNET_ICMP4_FRAG_NEEDED);
	ck_assert_uint_eq(q.next_hop_mtu, 1492);
	ck_assert_uint_eq(q.src, CAPNET_IP4(192, 0, 2, 1));
	ck_assert_uint_eq(q.dst, CAPNET_IP4(198, 51, 100, 7));
	ck_assert_uint_eq(q.proto, 6);
	ck_assert(q.has_ports);
	ck_assert_uint_eq(q.src_port, 45678);
	ck_assert_uint_eq(q.dst_port, 80);
	ck_assert(q.has_seq);
	ck_assert_uint_eq(q.seq, 0x1a2b3c4d);
}
END_TEST

/* A protocol without ports (here an ICMP echo we sent) needs only the
 * quoted IP header. */
START_TEST(test_quote_of_other_protocols_needs_only_the_header)
{
	uint8_t m[28];
	memcpy(m, port_unreach, sizeof m);
	m[8 + 9] = 1;
	struct capnet_icmp4_quote q;
	ck_assert_int_eq(quote_of(m, sizeof m, &q, NULL), CAPNET_OK);
	ck_assert_uint_eq(q.proto, 1);
	ck_assert(!q.has_ports);
	ck_assert(!q.has_seq);
}
END_TEST

START_TEST(test_quote_each_reason)
{
	struct capnet_icmp4_repr echo;
	struct capnet_icmp4_quote q;
	enum capnet_icmp4_error why;
	ck_assert_int_eq(capnet_icmp4_parse(echo_request, sizeof echo_request, &echo, NULL), CAPNET_OK);
	ck_assert_int_eq(capnet_icmp4_quote_parse(&echo, &q, &why), CAPNET_E_INVAL);
	ck_assert_int_eq(why, CAPNET_ICMP4_ERR_NOT_AN_ERROR);
	/* A repr nobody parsed may quote less than a header. */
	struct capnet_icmp4_repr short_quote = {.type = CAPNET_ICMP4_DEST_UNREACH, .data = port_unreach + 8,
						.data_len = 19};
	ck_assert_int_eq(capnet_icmp4_quote_parse(&short_quote, &q, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_ICMP4_ERR_QUOTE_TRUNCATED);

	static const struct {
		const char *what;
		const uint8_t *msg;
		size_t off;
		uint8_t val;
		size_t len;
		enum capnet_icmp4_error why;
		bool names_sender; /* src, dst and proto were read */
	} cases[] = {
		{"quoted version 6", port_unreach, 8, 0x65, 36, CAPNET_ICMP4_ERR_QUOTE_BAD_VERSION, false},
		{"quoted IHL 4", port_unreach, 8, 0x44, 36, CAPNET_ICMP4_ERR_QUOTE_BAD_HLEN, true},
		{"quoted IHL 15 in 28 bytes", port_unreach, 8, 0x4f, 36, CAPNET_ICMP4_ERR_QUOTE_HLEN_BEYOND, true},
		{"quoted IHL 7: 0 UDP bytes", port_unreach, 8, 0x47, 36, CAPNET_ICMP4_ERR_QUOTE_L4_TRUNCATED, true},
		{"3 UDP bytes", port_unreach, 8, 0x45, 31, CAPNET_ICMP4_ERR_QUOTE_L4_TRUNCATED, true},
		{"7 TCP bytes", frag_needed_tcp, 8, 0x45, 35, CAPNET_ICMP4_ERR_QUOTE_L4_TRUNCATED, true},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t m[36];
		memcpy(m, cases[i].msg, cases[i].len);
		m[cases[i].off] = cases[i].val;
		memset(&q, 0, sizeof q);
		why = CAPNET_ICMP4_ERR_NONE;
		ck_assert_msg(quote_of(m, cases[i].len, &q, &why) == CAPNET_E_MALFORMED, "%s", cases[i].what);
		ck_assert_msg(why == cases[i].why, "%s: %s", cases[i].what, capnet_icmp4_error_name(why));
		capnet_ip4addr src = cases[i].msg == port_unreach ? CAPNET_IP4(192, 168, 1, 10) : CAPNET_IP4(192, 0, 2, 1);
		ck_assert_msg((q.src == src) == cases[i].names_sender, "%s", cases[i].what);
		if (cases[i].names_sender)
			ck_assert_uint_eq(q.proto, cases[i].msg == port_unreach ? 17 : 6);
	}
}
END_TEST

/* Every cut of a quote is refused: inside the IP header, then inside the
 * transport bytes that name the flow (8 for TCP, 4 for UDP). */
START_TEST(test_quote_every_truncation_has_a_truncated_reason)
{
	struct capnet_icmp4_repr r;
	struct capnet_icmp4_quote q;
	enum capnet_icmp4_error why;
	ck_assert_int_eq(capnet_icmp4_parse(port_unreach, sizeof port_unreach, &r, NULL), CAPNET_OK);
	struct capnet_icmp4_repr cut = r;
	for (size_t len = 0; len < 28; len++) {
		cut.data_len = len;
		capnet_err want = len < 24 ? CAPNET_E_MALFORMED : CAPNET_OK;
		ck_assert_int_eq(capnet_icmp4_quote_parse(&cut, &q, &why), want);
		enum capnet_icmp4_error reason = len < 20   ? CAPNET_ICMP4_ERR_QUOTE_TRUNCATED
						 : len < 24 ? CAPNET_ICMP4_ERR_QUOTE_L4_TRUNCATED
							    : CAPNET_ICMP4_ERR_NONE;
		ck_assert_int_eq(why, reason);
	}
	uint8_t m[36];
	memcpy(m, frag_needed_tcp, sizeof m);
	fix_checksum(m, sizeof m);
	ck_assert_int_eq(capnet_icmp4_parse(m, sizeof m, &r, NULL), CAPNET_OK);
	cut = r;
	for (size_t len = 0; len < 28; len++) {
		cut.data_len = len;
		ck_assert_int_eq(capnet_icmp4_quote_parse(&cut, &q, &why), CAPNET_E_MALFORMED);
		ck_assert_int_eq(why, len < 20 ? CAPNET_ICMP4_ERR_QUOTE_TRUNCATED : CAPNET_ICMP4_ERR_QUOTE_L4_TRUNCATED);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wire-icmp4");
	TCase *tc = check_add_case(s, "icmp4", NULL, NULL, 0);
	tcase_add_test(tc, test_deconstruct);
	tcase_add_test(tc, test_construct_echo_request);
	tcase_add_test(tc, test_parse_echo_request);
	tcase_add_test(tc, test_round_trip_echo);
	tcase_add_test(tc, test_echo_reply_built_in_place);
	tcase_add_test(tc, test_dest_unreachable_with_quote);
	tcase_add_test(tc, test_frag_needed_carries_mtu);
	tcase_add_test(tc, test_time_exceeded);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_echo_without_data);
	tcase_add_test(tc, test_bad_checksum_every_bit);
	tcase_add_test(tc, test_unknown_type_unsupported);
	tcase_add_test(tc, test_short_quote_malformed);
	tcase_add_test(tc, test_unknown_code_malformed);
	tcase_add_test(tc, test_each_reason);
	tcase_add_test(tc, test_every_truncation_has_a_truncated_reason);
	tcase_add_test(tc, test_reason_names);
	tcase_add_test(tc, test_quote_of_udp_datagrams);
	tcase_add_test(tc, test_quote_of_tcp_segment_with_next_hop_mtu);
	tcase_add_test(tc, test_quote_of_other_protocols_needs_only_the_header);
	tcase_add_test(tc, test_quote_each_reason);
	tcase_add_test(tc, test_quote_every_truncation_has_a_truncated_reason);
	return s;
}
