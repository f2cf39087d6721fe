/* ICMPv4 (RFC 792): the echo request inside a Linux ping, its reply, and
 * the three error messages a router or host sends back about a DNS query
 * (192.168.1.10:54321 -> 8.8.8.8:53), each quoting its IP header + 8. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/icmp4.h"
#include "check_main.h"

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

START_TEST(test_round_trip_echo)
{
	struct capnet_icmp4_repr r;
	uint8_t out[64];
	ck_assert_int_eq(capnet_icmp4_parse(echo_request, sizeof echo_request, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(capnet_icmp4_emit(&r, out), 64);
	ck_assert_mem_eq(out, echo_request, 64);
	ck_assert_int_eq(capnet_icmp4_parse(echo_reply, sizeof echo_reply, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(capnet_icmp4_emit(&r, out), 64);
	ck_assert_mem_eq(out, echo_reply, 64);
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

static Suite *suite(void)
{
	Suite *s = suite_create("wire-icmp4");
	TCase *tc = tcase_create("icmp4");
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
	suite_add_tcase(s, tc);
	return s;
}
