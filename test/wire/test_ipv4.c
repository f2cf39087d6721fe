/* IPv4 header (RFC 791) around a Linux ping: 192.168.1.10 -> 8.8.8.8,
 * ICMP echo request, 56 data bytes, DF set, TTL 64. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ipv4.h"
#include "check_main.h"
#include "reason_cases.h"

static const uint8_t ping_request[84] = {
	0x45, 0x00, 0x00, 0x54, 0x5a, 0x3c, 0x40, 0x00, 0x40, 0x01, 0x0e, 0xab,
	0xc0, 0xa8, 0x01, 0x0a, 0x08, 0x08, 0x08, 0x08, 0x08, 0x00, 0xd5, 0x16,
	0x1c, 0x46, 0x00, 0x01, 0x5f, 0x2b, 0x3c, 0x65, 0x00, 0x00, 0x00, 0x00,
	0xa1, 0x3e, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13,
	0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b,
	0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

#define SRC CAPNET_IP4(192, 168, 1, 10)
#define DST CAPNET_IP4(8, 8, 8, 8)

static void fix_checksum(uint8_t *h)
{
	size_t hl = (size_t)(h[0] & 0x0f) * 4;
	capnet_put16(h + 10, 0);
	capnet_put16(h + 10, capnet_csum(h, hl));
}

/* ping_request with `opt_len` bytes of options inserted after the fixed
 * header, IHL and total length adjusted, checksum fixed. */
static size_t with_options(uint8_t *out, const uint8_t *opts, size_t opt_len)
{
	memcpy(out, ping_request, 20);
	memcpy(out + 20, opts, opt_len);
	memcpy(out + 20 + opt_len, ping_request + 20, 64);
	out[0] = (uint8_t)(0x40 | (20 + opt_len) / 4);
	capnet_put16(out + 2, (uint16_t)(84 + opt_len));
	fix_checksum(out);
	return 84 + opt_len;
}

START_TEST(test_deconstruct)
{
	struct capnet_ip4_view v;
	ck_assert_int_eq(capnet_ip4_view_check(&v, ping_request, sizeof ping_request), CAPNET_OK);
	ck_assert_uint_eq(v.len, 84);
	ck_assert_uint_eq(capnet_ip4_version(&v), 4);
	ck_assert_uint_eq(capnet_ip4_header_len(&v), 20);
	ck_assert_uint_eq(capnet_ip4_total_len(&v), 84);
	ck_assert_uint_eq(capnet_ip4_ident(&v), 0x5a3c);
	ck_assert(!capnet_ip4_is_fragment(&v));
	ck_assert_uint_eq(capnet_ip4_ttl(&v), 64);
	ck_assert_uint_eq(capnet_ip4_proto(&v), CAPNET_IPPROTO_ICMP);
	ck_assert_uint_eq(capnet_ip4_checksum(&v), 0x0eab);
	ck_assert_uint_eq(capnet_ip4_src(&v), SRC);
	ck_assert_uint_eq(capnet_ip4_dst(&v), DST);
	ck_assert(capnet_ip4_checksum_ok(&v));
}
END_TEST

START_TEST(test_construct)
{
	struct capnet_ip4_repr r = {.src = SRC, .dst = DST, .proto = CAPNET_IPPROTO_ICMP, .ttl = 64, .tos = 0,
				    .ident = 0x5a3c, .dont_fragment = true, .payload_len = 64};
	uint8_t out[24];
	memset(out, 0xee, sizeof out);
	ck_assert_uint_eq(capnet_ip4_emit_len(&r), 20);
	ck_assert_uint_eq(capnet_ip4_emit(&r, out), 20);
	ck_assert_mem_eq(out, ping_request, 20);
	ck_assert_uint_eq(out[20], 0xee);
}
END_TEST

START_TEST(test_construct_tos_and_no_df)
{
	struct capnet_ip4_repr r = {.src = SRC, .dst = DST, .proto = CAPNET_IPPROTO_UDP, .ttl = 1, .tos = 0xb8,
				    .ident = 0xffff, .payload_len = 0};
	static const uint8_t want[20] = {0x45, 0xb8, 0x00, 0x14, 0xff, 0xff, 0x00, 0x00, 0x01, 0x11,
					 0xe7, 0x5f, 0xc0, 0xa8, 0x01, 0x0a, 0x08, 0x08, 0x08, 0x08};
	uint8_t out[20];
	ck_assert_uint_eq(capnet_ip4_emit(&r, out), 20);
	ck_assert_mem_eq(out, want, 20);
}
END_TEST

START_TEST(test_parse)
{
	struct capnet_ip4_repr r;
	ck_assert_int_eq(capnet_ip4_parse(ping_request, sizeof ping_request, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.src, SRC);
	ck_assert_uint_eq(r.dst, DST);
	ck_assert_uint_eq(r.proto, CAPNET_IPPROTO_ICMP);
	ck_assert_uint_eq(r.ttl, 64);
	ck_assert_uint_eq(r.tos, 0);
	ck_assert_uint_eq(r.ident, 0x5a3c);
	ck_assert(r.dont_fragment);
	ck_assert(!r.more_fragments);
	ck_assert_uint_eq(r.frag_offset, 0);
	ck_assert_uint_eq(r.header_len, 20);
	ck_assert_uint_eq(r.payload_len, 64);
}
END_TEST

START_TEST(test_round_trip)
{
	struct capnet_ip4_repr r;
	uint8_t out[84];
	ck_assert_int_eq(capnet_ip4_parse(ping_request, sizeof ping_request, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(capnet_ip4_emit(&r, out), 20);
	memcpy(out + 20, ping_request + r.header_len, r.payload_len);
	ck_assert_mem_eq(out, ping_request, sizeof ping_request);
}
END_TEST

START_TEST(test_truncated_fixed_header)
{
	struct capnet_ip4_view v;
	struct capnet_ip4_repr r;
	for (size_t len = 0; len < 20; len++) {
		ck_assert_int_eq(capnet_ip4_view_check(&v, ping_request, len), CAPNET_E_TRUNCATED);
		ck_assert_int_eq(capnet_ip4_parse(ping_request, len, &r, NULL), CAPNET_E_TRUNCATED);
	}
}
END_TEST

START_TEST(test_total_length_beyond_buffer)
{
	struct capnet_ip4_view v;
	struct capnet_ip4_repr r;
	for (size_t len = 20; len < sizeof ping_request; len++) {
		ck_assert_int_eq(capnet_ip4_view_check(&v, ping_request, len), CAPNET_E_TRUNCATED);
		ck_assert_int_eq(capnet_ip4_parse(ping_request, len, &r, NULL), CAPNET_E_TRUNCATED);
	}
}
END_TEST

START_TEST(test_total_length_below_header)
{
	uint8_t p[88];
	struct capnet_ip4_repr r;
	static const uint16_t totals[] = {0, 1, 19};
	for (size_t i = 0; i < sizeof totals / sizeof totals[0]; i++) {
		memcpy(p, ping_request, 84);
		capnet_put16(p + 2, totals[i]);
		fix_checksum(p);
		ck_assert_int_eq(capnet_ip4_parse(p, 84, &r, NULL), CAPNET_E_MALFORMED);
	}
	/* With options the bound is IHL*4, not 20. */
	static const uint8_t ra[4] = {0x94, 0x04, 0x00, 0x00};
	ck_assert_uint_eq(with_options(p, ra, sizeof ra), 88);
	capnet_put16(p + 2, 23);
	fix_checksum(p);
	ck_assert_int_eq(capnet_ip4_parse(p, 84, &r, NULL), CAPNET_E_MALFORMED);
	capnet_put16(p + 2, 24); /* header only, no payload: fine */
	fix_checksum(p);
	ck_assert_int_eq(capnet_ip4_parse(p, 84, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.payload_len, 0);
}
END_TEST

START_TEST(test_ihl_below_five_malformed)
{
	uint8_t p[84];
	struct capnet_ip4_view v;
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		memcpy(p, ping_request, sizeof p);
		p[0] = (uint8_t)(0x40 | ihl);
		ck_assert_int_eq(capnet_ip4_view_check(&v, p, sizeof p), CAPNET_E_MALFORMED);
	}
}
END_TEST

START_TEST(test_options_skipped_ihl6)
{
	/* Router Alert (RFC 2113): the one option a host commonly sees. */
	static const uint8_t ra[4] = {0x94, 0x04, 0x00, 0x00};
	uint8_t p[88];
	struct capnet_ip4_view v;
	struct capnet_ip4_repr r;
	size_t n = with_options(p, ra, sizeof ra);
	ck_assert_uint_eq(n, 88);
	ck_assert_int_eq(capnet_ip4_parse(p, n, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.header_len, 24);
	ck_assert_uint_eq(r.payload_len, 64);
	ck_assert_mem_eq(p + r.header_len, ping_request + 20, 64);
	ck_assert_uint_eq(r.src, SRC);
	/* Truncated inside the options: header length beyond the buffer. */
	for (size_t len = 20; len < 24; len++)
		ck_assert_int_eq(capnet_ip4_view_check(&v, p, len), CAPNET_E_TRUNCATED);
	/* A bad checksum covers the options too. */
	p[22] ^= 0x01;
	ck_assert_int_eq(capnet_ip4_parse(p, n, &r, NULL), CAPNET_E_CHECKSUM);
}
END_TEST

START_TEST(test_options_skipped_ihl15)
{
	uint8_t opts[40];
	uint8_t p[124];
	struct capnet_ip4_view v;
	struct capnet_ip4_repr r;
	memset(opts, 0x01, sizeof opts); /* NOPs ... */
	opts[39] = 0x00;                 /* ... then End of Option List */
	size_t n = with_options(p, opts, sizeof opts);
	ck_assert_uint_eq(n, 124);
	ck_assert_int_eq(capnet_ip4_parse(p, n, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.header_len, 60);
	ck_assert_uint_eq(r.payload_len, 64);
	ck_assert_mem_eq(p + 60, ping_request + 20, 64);
	for (size_t len = 20; len < 60; len++)
		ck_assert_int_eq(capnet_ip4_view_check(&v, p, len), CAPNET_E_TRUNCATED);
	for (size_t len = 60; len < n; len++)
		ck_assert_int_eq(capnet_ip4_view_check(&v, p, len), CAPNET_E_TRUNCATED);
	ck_assert_int_eq(capnet_ip4_view_check(&v, p, n), CAPNET_OK);
	ck_assert_uint_eq(capnet_ip4_header_len(&v), 60);
}
END_TEST

START_TEST(test_ethernet_padding_excluded)
{
	/* A 28-byte datagram (header + empty echo) padded to Ethernet's 46. */
	uint8_t p[46];
	struct capnet_ip4_view v;
	struct capnet_ip4_repr r;
	memset(p, 0, sizeof p);
	memcpy(p, ping_request, 28);
	capnet_put16(p + 2, 28);
	fix_checksum(p);
	memset(p + 28, 0xa5, sizeof p - 28);
	ck_assert_int_eq(capnet_ip4_view_check(&v, p, sizeof p), CAPNET_OK);
	ck_assert_uint_eq(v.len, 28);
	ck_assert_int_eq(capnet_ip4_parse(p, sizeof p, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.payload_len, 8);
}
END_TEST

START_TEST(test_other_versions_unsupported)
{
	uint8_t p[84];
	struct capnet_ip4_repr r;
	static const uint8_t versions[] = {0, 5, 6, 15};
	for (size_t i = 0; i < sizeof versions; i++) {
		memcpy(p, ping_request, sizeof p);
		p[0] = (uint8_t)(versions[i] << 4 | 5);
		ck_assert_int_eq(capnet_ip4_parse(p, sizeof p, &r, NULL), CAPNET_E_UNSUPPORTED);
	}
	/* An IPv6 header: 0x60 first. */
	memcpy(p, ping_request, sizeof p);
	p[0] = 0x60;
	ck_assert_int_eq(capnet_ip4_parse(p, sizeof p, &r, NULL), CAPNET_E_UNSUPPORTED);
}
END_TEST

START_TEST(test_bad_checksum_every_bit)
{
	uint8_t p[84];
	struct capnet_ip4_view v;
	struct capnet_ip4_repr r;
	/* Every byte whose corruption leaves the lengths intact. */
	for (size_t byte = 1; byte < 20; byte++) {
		if (byte == 2 || byte == 3)
			continue;
		for (int bit = 0; bit < 8; bit++) {
			memcpy(p, ping_request, sizeof p);
			p[byte] ^= (uint8_t)(1u << bit);
			ck_assert_int_eq(capnet_ip4_view_check(&v, p, sizeof p), CAPNET_OK);
			ck_assert(!capnet_ip4_checksum_ok(&v));
			ck_assert_int_eq(capnet_ip4_parse(p, sizeof p, &r, NULL), CAPNET_E_CHECKSUM);
		}
	}
	/* The payload is not covered by the header checksum. */
	memcpy(p, ping_request, sizeof p);
	p[40] ^= 0xff;
	ck_assert_int_eq(capnet_ip4_parse(p, sizeof p, &r, NULL), CAPNET_OK);
}
END_TEST

START_TEST(test_fragments_detected)
{
	uint8_t p[84];
	struct capnet_ip4_view v;
	struct capnet_ip4_repr r;

	/* First fragment: MF set, offset 0. */
	memcpy(p, ping_request, sizeof p);
	capnet_put16(p + 6, 0x2000);
	fix_checksum(p);
	ck_assert_int_eq(capnet_ip4_view_check(&v, p, sizeof p), CAPNET_OK);
	ck_assert(capnet_ip4_is_fragment(&v));
	ck_assert_int_eq(capnet_ip4_parse(p, sizeof p, &r, NULL), CAPNET_OK);
	ck_assert(r.more_fragments);
	ck_assert(!r.dont_fragment);
	ck_assert_uint_eq(r.frag_offset, 0);

	/* Last fragment: MF clear, offset 185 units = 1480 bytes. */
	capnet_put16(p + 6, 185);
	fix_checksum(p);
	ck_assert_int_eq(capnet_ip4_view_check(&v, p, sizeof p), CAPNET_OK);
	ck_assert(capnet_ip4_is_fragment(&v));
	ck_assert_int_eq(capnet_ip4_parse(p, sizeof p, &r, NULL), CAPNET_OK);
	ck_assert(!r.more_fragments);
	ck_assert_uint_eq(r.frag_offset, 1480);

	/* Middle fragment, largest offset. */
	capnet_put16(p + 6, 0x3fff);
	fix_checksum(p);
	ck_assert_int_eq(capnet_ip4_parse(p, sizeof p, &r, NULL), CAPNET_OK);
	ck_assert(r.more_fragments);
	ck_assert_uint_eq(r.frag_offset, 0x1fff * 8);

	/* DF alone is not a fragment. */
	capnet_put16(p + 6, 0x4000);
	fix_checksum(p);
	ck_assert_int_eq(capnet_ip4_view_check(&v, p, sizeof p), CAPNET_OK);
	ck_assert(!capnet_ip4_is_fragment(&v));
}
END_TEST

START_TEST(test_emit_refuses_oversized_payload)
{
	struct capnet_ip4_repr r = {.src = SRC, .dst = DST, .proto = CAPNET_IPPROTO_UDP, .ttl = 64};
	uint8_t out[20];
	r.payload_len = 65515;
	ck_assert_uint_eq(capnet_ip4_emit(&r, out), 20);
	ck_assert_uint_eq(capnet_get16(out + 2), 0xffff);
	memset(out, 0xee, sizeof out);
	r.payload_len = 65516;
	ck_assert_uint_eq(capnet_ip4_emit(&r, out), 0);
	ck_assert_uint_eq(out[0], 0xee);
}
END_TEST

/* ---- why a header is refused (enum capnet_ip4_error) ---- */

REASON_ADAPTERS(struct capnet_ip4_repr, enum capnet_ip4_error, capnet_ip4_error_name,
		capnet_ip4_parse(buf, len, &r, &e))

/* Each reason, from the ping with one byte changed, in the order they are
 * checked. */
EACH_REASON_TEST(ping_request,
	{"19 bytes", 0, 0x45, 19, CAPNET_IP4_ERR_TRUNCATED, CAPNET_E_TRUNCATED},
	{"version 6", 0, 0x65, 84, CAPNET_IP4_ERR_BAD_VERSION, CAPNET_E_UNSUPPORTED},
	{"IHL 4", 0, 0x44, 84, CAPNET_IP4_ERR_BAD_HLEN, CAPNET_E_MALFORMED},
	{"IHL 15 in 40 bytes", 0, 0x4f, 40, CAPNET_IP4_ERR_HLEN_BEYOND, CAPNET_E_TRUNCATED},
	{"total length 19", 3, 19, 84, CAPNET_IP4_ERR_BAD_TOTLEN, CAPNET_E_MALFORMED},
	{"total length 85 in 84 bytes", 3, 85, 84, CAPNET_IP4_ERR_TOTLEN_BEYOND, CAPNET_E_TRUNCATED},
	{"checksum", CAPNET_IP4_CHECKSUM, 0x0f, 84, CAPNET_IP4_ERR_BAD_CHECKSUM, CAPNET_E_CHECKSUM})

/* Cut anywhere, a datagram is truncated: below 20 bytes the header, inside
 * the options its IHL, after them its total length runs past the buffer. */
START_TEST(test_every_truncation_has_a_truncated_reason)
{
	static const uint8_t ra[4] = {0x94, 0x04, 0x00, 0x00};
	uint8_t p[88];
	static const struct cut_step steps[] = {
		{20, CAPNET_IP4_ERR_TRUNCATED},
		{24, CAPNET_IP4_ERR_HLEN_BEYOND},
		{88, CAPNET_IP4_ERR_TOTLEN_BEYOND},
	};
	ck_assert_uint_eq(with_options(p, ra, sizeof ra), 88);
	check_every_cut(p, steps, 3, parse_why, reason_name);
}
END_TEST

REASON_NAMES_TEST(
	"none", "truncated", "bad_version", "bad_hlen", "hlen_beyond", "bad_totlen", "totlen_beyond",
	"bad_checksum")

static Suite *suite(void)
{
	Suite *s = suite_create("wire-ipv4");
	TCase *tc = check_add_case(s, "ipv4", NULL, NULL, 0);
	tcase_add_test(tc, test_deconstruct);
	tcase_add_test(tc, test_construct);
	tcase_add_test(tc, test_construct_tos_and_no_df);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_truncated_fixed_header);
	tcase_add_test(tc, test_total_length_beyond_buffer);
	tcase_add_test(tc, test_total_length_below_header);
	tcase_add_test(tc, test_ihl_below_five_malformed);
	tcase_add_test(tc, test_options_skipped_ihl6);
	tcase_add_test(tc, test_options_skipped_ihl15);
	tcase_add_test(tc, test_ethernet_padding_excluded);
	tcase_add_test(tc, test_other_versions_unsupported);
	tcase_add_test(tc, test_bad_checksum_every_bit);
	tcase_add_test(tc, test_fragments_detected);
	tcase_add_test(tc, test_emit_refuses_oversized_payload);
	tcase_add_test(tc, test_each_reason);
	tcase_add_test(tc, test_every_truncation_has_a_truncated_reason);
	tcase_add_test(tc, test_reason_names);
	return s;
}
