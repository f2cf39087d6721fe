/* UDP (RFC 768): a DNS query for example.com/A from 192.168.1.10:54321 to
 * 8.8.8.8:53, checksummed over the IPv4 pseudo-header. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/udp.h"
#include "check_main.h"
#include "reason_cases.h"

#define SRC CAPNET_IP4(192, 168, 1, 10)
#define DST CAPNET_IP4(8, 8, 8, 8)

static const uint8_t dns_query[37] = {
	0xd4, 0x31, 0x00, 0x35, 0x00, 0x25, 0xcb, 0x1d, /* 54321 -> 53, len 37, csum */
	0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, /* id, RD, 1 question */
	0x00, 0x00, 0x00, 0x00, 0x07, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, /* 7 example 3 com 0 */
	0x00, 0x00, 0x01, 0x00, 0x01,                   /* type A, class IN */
};

/* 1234 -> 5678 with a two-byte payload chosen so the sum is exactly
 * 0xffff: the computed checksum is 0 and must travel as 0xffff. */
static const uint8_t zero_sum[10] = {0x04, 0xd2, 0x16, 0x2e, 0x00, 0x0a, 0xff, 0xff, 0x13, 0x18};

START_TEST(test_deconstruct)
{
	struct capnet_udp_view v;
	ck_assert_int_eq(capnet_udp_view_check(&v, dns_query, sizeof dns_query), CAPNET_OK);
	ck_assert_uint_eq(v.len, 37);
	ck_assert_uint_eq(capnet_udp_src_port(&v), 54321);
	ck_assert_uint_eq(capnet_udp_dst_port(&v), 53);
	ck_assert_uint_eq(capnet_udp_length(&v), 37);
	ck_assert_uint_eq(capnet_udp_checksum(&v), 0xcb1d);
}
END_TEST

START_TEST(test_construct)
{
	struct capnet_udp_repr r = {.src_port = 54321, .dst_port = 53, .payload = dns_query + 8, .payload_len = 29};
	uint8_t out[40];
	memset(out, 0xee, sizeof out);
	ck_assert_uint_eq(capnet_udp_emit_len(&r), 37);
	ck_assert_uint_eq(capnet_udp_emit4(&r, out, SRC, DST), 37);
	ck_assert_mem_eq(out, dns_query, 37);
	ck_assert_uint_eq(out[37], 0xee);
}
END_TEST

START_TEST(test_parse)
{
	struct capnet_udp_repr r;
	ck_assert_int_eq(capnet_udp_parse4(dns_query, sizeof dns_query, SRC, DST, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.src_port, 54321);
	ck_assert_uint_eq(r.dst_port, 53);
	ck_assert_ptr_eq(r.payload, dns_query + 8);
	ck_assert_uint_eq(r.payload_len, 29);
	ck_assert(!r.checksum_absent);
}
END_TEST

START_TEST(test_round_trip)
{
	struct capnet_udp_repr r;
	uint8_t out[37];
	ck_assert_int_eq(capnet_udp_parse4(dns_query, sizeof dns_query, SRC, DST, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(capnet_udp_emit4(&r, out, SRC, DST), 37);
	ck_assert_mem_eq(out, dns_query, 37);
	/* In place: payload already where emit puts it. */
	memcpy(out, dns_query, sizeof out);
	ck_assert_int_eq(capnet_udp_parse4(out, sizeof out, SRC, DST, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(capnet_udp_emit4(&r, out, SRC, DST), 37);
	ck_assert_mem_eq(out, dns_query, 37);
}
END_TEST

/* Every cut of dns_query from `from` up to (not including) `to` bytes is
 * refused as truncated, by both the view and the parser. */
static void assert_cuts_truncated(size_t from, size_t to)
{
	struct capnet_udp_view v;
	struct capnet_udp_repr r;
	for (size_t len = from; len < to; len++) {
		ck_assert_int_eq(capnet_udp_view_check(&v, dns_query, len), CAPNET_E_TRUNCATED);
		ck_assert_int_eq(capnet_udp_parse4(dns_query, len, SRC, DST, &r, NULL), CAPNET_E_TRUNCATED);
	}
}

START_TEST(test_truncated_header)
{
	assert_cuts_truncated(0, 8);
}
END_TEST

START_TEST(test_length_field_beyond_buffer)
{
	assert_cuts_truncated(8, sizeof dns_query);
}
END_TEST

START_TEST(test_length_field_below_header_malformed)
{
	uint8_t p[37];
	struct capnet_udp_view v;
	struct capnet_udp_repr r;
	for (uint16_t ulen = 0; ulen < 8; ulen++) {
		memcpy(p, dns_query, sizeof p);
		capnet_put16(p + 4, ulen);
		ck_assert_int_eq(capnet_udp_view_check(&v, p, sizeof p), CAPNET_E_MALFORMED);
		ck_assert_int_eq(capnet_udp_parse4(p, sizeof p, SRC, DST, &r, NULL), CAPNET_E_MALFORMED);
	}
}
END_TEST

START_TEST(test_trailing_bytes_excluded)
{
	/* The IP payload is longer than the UDP length (link padding). */
	uint8_t p[46];
	struct capnet_udp_view v;
	struct capnet_udp_repr r;
	memcpy(p, dns_query, sizeof dns_query);
	memset(p + sizeof dns_query, 0x5a, sizeof p - sizeof dns_query);
	ck_assert_int_eq(capnet_udp_view_check(&v, p, sizeof p), CAPNET_OK);
	ck_assert_uint_eq(v.len, 37);
	ck_assert_int_eq(capnet_udp_parse4(p, sizeof p, SRC, DST, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.payload_len, 29);
}
END_TEST

START_TEST(test_zero_checksum_accepted)
{
	uint8_t p[37];
	struct capnet_udp_repr r;
	memcpy(p, dns_query, sizeof p);
	p[6] = 0;
	p[7] = 0;
	p[20] ^= 0xff; /* would fail any checksum: none is checked */
	ck_assert_int_eq(capnet_udp_parse4(p, sizeof p, SRC, DST, &r, NULL), CAPNET_OK);
	ck_assert(r.checksum_absent);
	ck_assert_uint_eq(r.src_port, 54321);
	ck_assert_uint_eq(r.payload_len, 29);
	/* Even from the wrong addresses. */
	ck_assert_int_eq(capnet_udp_parse4(p, sizeof p, DST, SRC, &r, NULL), CAPNET_OK);
}
END_TEST

START_TEST(test_bad_checksum)
{
	uint8_t p[37];
	struct capnet_udp_repr r;
	for (size_t byte = 0; byte < sizeof p; byte++) {
		if (byte == 4 || byte == 5)
			continue; /* the length field has its own errors */
		for (int bit = 0; bit < 8; bit++) {
			memcpy(p, dns_query, sizeof p);
			p[byte] ^= (uint8_t)(1u << bit);
			if (capnet_get16(p + 6) == 0)
				continue; /* flipped into "no checksum" */
			ck_assert_int_eq(capnet_udp_parse4(p, sizeof p, SRC, DST, &r, NULL), CAPNET_E_CHECKSUM);
		}
	}
}
END_TEST

START_TEST(test_pseudo_header_covered)
{
	struct capnet_udp_repr r;
	ck_assert_int_eq(capnet_udp_parse4(dns_query, sizeof dns_query, SRC, CAPNET_IP4(8, 8, 4, 4), &r, NULL),
			 CAPNET_E_CHECKSUM);
	ck_assert_int_eq(capnet_udp_parse4(dns_query, sizeof dns_query, SRC + 1, DST, &r, NULL), CAPNET_E_CHECKSUM);
	/* Swapping source and destination leaves the sum unchanged: that is
	 * RFC 768, not a bug; the demux checks the ports. */
	ck_assert_int_eq(capnet_udp_parse4(dns_query, sizeof dns_query, DST, SRC, &r, NULL), CAPNET_OK);
}
END_TEST

START_TEST(test_emit_zero_sum_as_ffff)
{
	struct capnet_udp_repr r = {.src_port = 1234, .dst_port = 5678, .payload = zero_sum + 8, .payload_len = 2};
	uint8_t out[10];
	ck_assert_uint_eq(capnet_udp_emit4(&r, out, SRC, DST), 10);
	ck_assert_mem_eq(out, zero_sum, 10);
	ck_assert_uint_eq(capnet_get16(out + 6), 0xffff);
	ck_assert_int_eq(capnet_udp_parse4(out, sizeof out, SRC, DST, &r, NULL), CAPNET_OK);
	ck_assert(!r.checksum_absent);
}
END_TEST

START_TEST(test_empty_payload)
{
	static const uint8_t want[8] = {0x00, 0x44, 0x00, 0x43, 0x00, 0x08, 0x00, 0x00};
	struct capnet_udp_repr r = {.src_port = 68, .dst_port = 67, .payload = NULL, .payload_len = 0};
	uint8_t out[8];
	ck_assert_uint_eq(capnet_udp_emit4(&r, out, CAPNET_IP4_ANY, CAPNET_IP4_BROADCAST), 8);
	ck_assert_mem_eq(out, want, 6);
	/* ~(0x0000+0x0000 + 0xffff+0xffff + 0x0011 + 0x0008 + 0x0044+0x0043+0x0008) */
	ck_assert_uint_eq(capnet_get16(out + 6), 0xff57);
	ck_assert_int_eq(capnet_udp_parse4(out, sizeof out, CAPNET_IP4_ANY, CAPNET_IP4_BROADCAST, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.payload_len, 0);
}
END_TEST

START_TEST(test_emit_refuses_oversized_payload)
{
	static uint8_t big[65536];
	struct capnet_udp_repr r = {.src_port = 1, .dst_port = 2, .payload = big + 8, .payload_len = 65527};
	ck_assert_uint_eq(capnet_udp_emit4(&r, big, SRC, DST), 65535);
	ck_assert_uint_eq(capnet_get16(big + 4), 0xffff);
	r.payload_len = 65528;
	big[0] = 0xee;
	ck_assert_uint_eq(capnet_udp_emit4(&r, big, SRC, DST), 0);
	ck_assert_uint_eq(big[0], 0xee);
}
END_TEST

/* ---- why a datagram is refused (enum capnet_udp_error) ---- */

REASON_ADAPTERS(struct capnet_udp_repr, enum capnet_udp_error, capnet_udp_error_name,
		capnet_udp_parse4(buf, len, SRC, DST, &r, &e))

EACH_REASON_TEST(dns_query,
	{"7 bytes", 0, 0xd4, 7, CAPNET_UDP_ERR_TRUNCATED, CAPNET_E_TRUNCATED},
	{"length field 7", CAPNET_UDP_LENGTH + 1, 7, 37, CAPNET_UDP_ERR_BAD_LENGTH, CAPNET_E_MALFORMED},
	{"length field 38 in 37 bytes", CAPNET_UDP_LENGTH + 1, 38, 37, CAPNET_UDP_ERR_LENGTH_BEYOND,
	 CAPNET_E_TRUNCATED},
	{"checksum", CAPNET_UDP_CHECKSUM, 0xcc, 37, CAPNET_UDP_ERR_BAD_CHECKSUM, CAPNET_E_CHECKSUM})

/* Cut anywhere: below 8 bytes the header, after it the length field. */
EVERY_CUT_TEST(dns_query,
	{CAPNET_UDP_HDR_LEN, CAPNET_UDP_ERR_TRUNCATED},
	{sizeof dns_query, CAPNET_UDP_ERR_LENGTH_BEYOND})

REASON_NAMES_TEST("none", "truncated", "bad_length", "length_beyond", "bad_checksum", "zero_checksum")

/* ---- over IPv6 (RFC 8200 8.1), bytes from scapy ---- */

static const struct capnet_ip6addr SRC6 = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b}};
static const struct capnet_ip6addr DST6 = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a}};
/* 2001:db8::b.40000 -> 2001:db8::a.7 "hello" */
static const uint8_t udp6_hello[13] = {0x9c, 0x40, 0x00, 0x07, 0x00, 0x0d, 0xc4, 0x33, 'h', 'e', 'l', 'l', 'o'};

START_TEST(test_ipv6_roundtrip)
{
	uint8_t buf[13];
	struct capnet_udp_repr r = {.src_port = 40000, .dst_port = 7, .payload = (const uint8_t *)"hello", .payload_len = 5};
	ck_assert_uint_eq(capnet_udp_emit6(&r, buf, &SRC6, &DST6), sizeof buf);
	ck_assert_mem_eq(buf, udp6_hello, sizeof buf);
	struct capnet_udp_repr p;
	enum capnet_udp_error why;
	ck_assert_int_eq(capnet_udp_parse6(udp6_hello, sizeof udp6_hello, &SRC6, &DST6, &p, &why), CAPNET_OK);
	ck_assert_int_eq(why, CAPNET_UDP_ERR_NONE);
	ck_assert_uint_eq(p.src_port, 40000);
	ck_assert_uint_eq(p.payload_len, 5);
	ck_assert(!p.checksum_absent);
	/* The IPv4 pseudo-header does not verify it: the addresses count. */
	ck_assert_int_eq(capnet_udp_parse4(udp6_hello, sizeof udp6_hello, 1, 2, &p, &why), CAPNET_E_CHECKSUM);
}
END_TEST

START_TEST(test_ipv6_zero_checksum_refused)
{
	uint8_t buf[13];
	memcpy(buf, udp6_hello, sizeof buf);
	capnet_put16(buf + CAPNET_UDP_CHECKSUM, 0);
	struct capnet_udp_repr p;
	enum capnet_udp_error why;
	ck_assert_int_eq(capnet_udp_parse6(buf, sizeof buf, &SRC6, &DST6, &p, &why), CAPNET_E_CHECKSUM);
	ck_assert_int_eq(why, CAPNET_UDP_ERR_ZERO_CHECKSUM);
	/* A wrong one is a bad checksum, as over IPv4. */
	buf[7] = 0x34;
	buf[6] = 0xc4;
	ck_assert_int_eq(capnet_udp_parse6(buf, sizeof buf, &SRC6, &DST6, &p, &why), CAPNET_E_CHECKSUM);
	ck_assert_int_eq(why, CAPNET_UDP_ERR_BAD_CHECKSUM);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wire-udp");
	TCase *tc = check_add_case(s, "udp", NULL, NULL, 0);
	tcase_add_test(tc, test_deconstruct);
	tcase_add_test(tc, test_ipv6_roundtrip);
	tcase_add_test(tc, test_ipv6_zero_checksum_refused);
	tcase_add_test(tc, test_construct);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_truncated_header);
	tcase_add_test(tc, test_length_field_beyond_buffer);
	tcase_add_test(tc, test_length_field_below_header_malformed);
	tcase_add_test(tc, test_trailing_bytes_excluded);
	tcase_add_test(tc, test_zero_checksum_accepted);
	tcase_add_test(tc, test_bad_checksum);
	tcase_add_test(tc, test_pseudo_header_covered);
	tcase_add_test(tc, test_emit_zero_sum_as_ffff);
	tcase_add_test(tc, test_empty_payload);
	tcase_add_test(tc, test_emit_refuses_oversized_payload);
	tcase_add_test(tc, test_each_reason);
	tcase_add_test(tc, test_every_truncation_has_a_truncated_reason);
	tcase_add_test(tc, test_reason_names);
	return s;
}
