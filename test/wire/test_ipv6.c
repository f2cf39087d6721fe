/* IPv6 header and extension-header walk (RFC 8200), against datagrams
 * built by scapy; the walk's bounds and each refusal reason. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/ipv6.h"
#include "check_main.h"
#include "ipv6_frames.h"

static const struct capnet_ip6addr db8_1 = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
static const struct capnet_ip6addr db8_2 = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};

START_TEST(test_parse_and_emit_header)
{
	struct capnet_ip6_repr r;
	enum capnet_ip6_error why;
	ck_assert_int_eq(capnet_ip6_parse(echo6_packet, sizeof echo6_packet, &r, &why), CAPNET_OK);
	ck_assert_int_eq(why, CAPNET_IP6_ERR_NONE);
	ck_assert_uint_eq(r.payload_len, 12);
	ck_assert_uint_eq(r.next_header, 58);
	ck_assert_uint_eq(r.hop_limit, 64);
	ck_assert_uint_eq(r.flow_label, 0x12345);
	ck_assert_uint_eq(r.traffic_class, 0);
	ck_assert(capnet_ip6_eq(&r.src, &db8_1) && capnet_ip6_eq(&r.dst, &db8_2));
	uint8_t out[40];
	ck_assert_uint_eq(capnet_ip6_emit(&r, out), 40);
	ck_assert_mem_eq(out, echo6_packet, 40);
}
END_TEST

START_TEST(test_reasons)
{
	struct capnet_ip6_repr r;
	enum capnet_ip6_error why;
	for (size_t len = 0; len < 40; len++) {
		ck_assert_int_eq(capnet_ip6_parse(echo6_packet, len, &r, &why), CAPNET_E_TRUNCATED);
		ck_assert_int_eq(why, CAPNET_IP6_ERR_TRUNCATED);
	}
	for (size_t len = 40; len < sizeof echo6_packet; len++) {
		ck_assert_int_eq(capnet_ip6_parse(echo6_packet, len, &r, &why), CAPNET_E_TRUNCATED);
		ck_assert_int_eq(why, CAPNET_IP6_ERR_PLEN_BEYOND);
	}
	uint8_t b[sizeof echo6_packet + 8];
	memcpy(b, echo6_packet, sizeof echo6_packet);
	memset(b + sizeof echo6_packet, 0, 8); /* padding is not the datagram's */
	ck_assert_int_eq(capnet_ip6_parse(b, sizeof b, &r, &why), CAPNET_OK);
	ck_assert_uint_eq(r.payload_len, 12);
	b[0] = 0x45;
	ck_assert_int_eq(capnet_ip6_parse(b, sizeof b, &r, &why), CAPNET_E_UNSUPPORTED);
	ck_assert_int_eq(why, CAPNET_IP6_ERR_BAD_VERSION);
	ck_assert_str_eq(capnet_ip6_error_name(CAPNET_IP6_ERR_EXT_TOO_MANY), "ext_too_many");
	ck_assert_str_eq(capnet_ip6_error_name(99), "?");
	/* jumbograms are not spoken */
	r.payload_len = 70000;
	ck_assert_uint_eq(capnet_ip6_emit(&r, b), 0);
}
END_TEST

START_TEST(test_walk_hopopts_dstopts)
{
	struct capnet_ip6_ext x;
	enum capnet_ip6_error why;
	ck_assert_int_eq(capnet_ip6_ext_walk(ext_packet, sizeof ext_packet, &x, &why), CAPNET_OK);
	ck_assert_uint_eq(x.proto, 17);
	ck_assert_uint_eq(x.offset, 56);
	ck_assert_uint_eq(x.nh_offset, 48); /* the destination options header named UDP */
	ck_assert_uint_eq(x.count, 2);
	ck_assert(!x.fragment);
	/* No extension header at all. */
	ck_assert_int_eq(capnet_ip6_ext_walk(echo6_packet, sizeof echo6_packet, &x, &why), CAPNET_OK);
	ck_assert_uint_eq(x.proto, 58);
	ck_assert_uint_eq(x.offset, 40);
	ck_assert_uint_eq(x.nh_offset, 6);
	ck_assert_uint_eq(x.count, 0);
}
END_TEST

START_TEST(test_walk_fragment_stops)
{
	struct capnet_ip6_ext x;
	ck_assert_int_eq(capnet_ip6_ext_walk(frag_packet, sizeof frag_packet, &x, NULL), CAPNET_OK);
	ck_assert(x.fragment && !x.atomic_fragment && x.more_fragments);
	ck_assert_uint_eq(x.frag_offset, 0);
	ck_assert_uint_eq(x.frag_ident, 0xabcdef01);
	ck_assert_uint_eq(x.proto, 44); /* stopped at the fragment: never the upper layer */
	/* An atomic fragment (RFC 6946) is a whole datagram: walked on. */
	uint8_t b[sizeof frag_packet];
	memcpy(b, frag_packet, sizeof b);
	b[40 + 3] = 0x00; /* M clear */
	ck_assert_int_eq(capnet_ip6_ext_walk(b, sizeof b, &x, NULL), CAPNET_OK);
	ck_assert(x.fragment && x.atomic_fragment);
	ck_assert_uint_eq(x.proto, 17);
	ck_assert_uint_eq(x.offset, 48);
	/* A later fragment: offset 8, M clear. */
	capnet_put16(b + 40 + 2, 8);
	ck_assert_int_eq(capnet_ip6_ext_walk(b, sizeof b, &x, NULL), CAPNET_OK);
	ck_assert(x.fragment && !x.atomic_fragment && !x.more_fragments);
	ck_assert_uint_eq(x.frag_offset, 8);
}
END_TEST

/* A datagram of n destination-options headers of 8 bytes each (PadN 4),
 * then no next header. */
static size_t chain(uint8_t *b, unsigned n, uint8_t last_nh)
{
	memcpy(b, echo6_packet, 40);
	b[6] = n ? 60 : last_nh;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *h = b + 40 + 8 * i;
		h[0] = i + 1 < n ? 60 : last_nh;
		h[1] = 0;
		h[2] = 1; /* PadN */
		h[3] = 4;
		memset(h + 4, 0, 4);
	}
	capnet_put16(b + 4, (uint16_t)(8 * n));
	return 40 + 8 * n;
}

START_TEST(test_walk_bounds)
{
	uint8_t b[40 + 8 * 20];
	struct capnet_ip6_ext x;
	enum capnet_ip6_error why;
	size_t n = chain(b, CAPNET_IP6_EXT_MAX_COUNT, 59);
	ck_assert_int_eq(capnet_ip6_ext_walk(b, n, &x, &why), CAPNET_OK);
	ck_assert_uint_eq(x.count, CAPNET_IP6_EXT_MAX_COUNT);
	ck_assert_uint_eq(x.proto, 59);
	/* One more: a chain made to look endless stops at the count bound. */
	n = chain(b, CAPNET_IP6_EXT_MAX_COUNT + 1, 59);
	ck_assert_int_eq(capnet_ip6_ext_walk(b, n, &x, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_IP6_ERR_EXT_TOO_MANY);
	/* A chain that names itself for ever, cut by the datagram: truncated. */
	n = chain(b, 3, 60);
	ck_assert_int_eq(capnet_ip6_ext_walk(b, n, &x, &why), CAPNET_E_TRUNCATED);
	ck_assert_int_eq(why, CAPNET_IP6_ERR_EXT_TRUNCATED);
	/* One header longer than the byte bound (hdr ext len 128: 1032 bytes). */
	uint8_t big[40 + 1040];
	memset(big, 0, sizeof big);
	memcpy(big, echo6_packet, 40);
	big[6] = 60;
	capnet_put16(big + 4, 1040);
	big[40] = 59;
	big[41] = 128;
	big[42] = 1;
	big[43] = 255;
	ck_assert_int_eq(capnet_ip6_ext_walk(big, sizeof big, &x, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_IP6_ERR_EXT_TOO_LONG);
}
END_TEST

START_TEST(test_walk_refusals)
{
	uint8_t b[40 + 32];
	struct capnet_ip6_ext x;
	enum capnet_ip6_error why;
	/* Hop-by-hop after another header: an unrecognised next header (4.1). */
	size_t n = chain(b, 2, 59);
	b[40] = 0;
	ck_assert_int_eq(capnet_ip6_ext_walk(b, n, &x, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_IP6_ERR_HOPOPTS_NOT_FIRST);
	ck_assert_uint_eq(x.pp_code, 1);
	ck_assert_uint_eq(x.pp_pointer, 40);
	/* Unknown option, action 10: discard and say so, pointer at it. */
	n = chain(b, 1, 59);
	b[42] = 0x80 | 0x1e;
	ck_assert_int_eq(capnet_ip6_ext_walk(b, n, &x, &why), CAPNET_E_UNSUPPORTED);
	ck_assert_int_eq(why, CAPNET_IP6_ERR_UNKNOWN_OPTION);
	ck_assert_uint_eq(x.pp_code, 2);
	ck_assert_uint_eq(x.pp_pointer, 42);
	ck_assert(x.pp_even_multicast);
	b[42] = 0xc0 | 0x1e; /* action 11: not to a multicast destination */
	ck_assert_int_eq(capnet_ip6_ext_walk(b, n, &x, &why), CAPNET_E_UNSUPPORTED);
	ck_assert(!x.pp_even_multicast);
	b[42] = 0x40 | 0x1e; /* action 01: silently */
	ck_assert_int_eq(capnet_ip6_ext_walk(b, n, &x, &why), CAPNET_E_UNSUPPORTED);
	ck_assert_uint_eq(x.pp_code, 0xff);
	b[42] = 0x1e; /* action 00: skipped */
	ck_assert_int_eq(capnet_ip6_ext_walk(b, n, &x, &why), CAPNET_OK);
	/* An option running past its header. */
	b[42] = 1;
	b[43] = 5;
	ck_assert_int_eq(capnet_ip6_ext_walk(b, n, &x, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_IP6_ERR_BAD_OPTION);
	/* Routing header, segments left 1: refused, pointer at its type. */
	n = chain(b, 1, 59);
	b[6] = 43;
	b[42] = 0; /* type 0 (RFC 5095) */
	b[43] = 1;
	ck_assert_int_eq(capnet_ip6_ext_walk(b, n, &x, &why), CAPNET_E_UNSUPPORTED);
	ck_assert_int_eq(why, CAPNET_IP6_ERR_ROUTING);
	ck_assert_uint_eq(x.pp_code, 0);
	ck_assert_uint_eq(x.pp_pointer, 42);
	b[43] = 0; /* segments left 0: skipped (4.4) */
	ck_assert_int_eq(capnet_ip6_ext_walk(b, n, &x, &why), CAPNET_OK);
	ck_assert_uint_eq(x.proto, 59);
}
END_TEST

START_TEST(test_addresses)
{
	struct capnet_ip6addr t = {{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0xff, 0xfe, 0x12, 0x34, 0x56}};
	struct capnet_ip6addr sn = capnet_ip6_solicited_node(&t);
	static const uint8_t want[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0x12, 0x34, 0x56};
	ck_assert_mem_eq(sn.b, want, 16);
	struct capnet_mac m = capnet_ip6_multicast_mac(&sn);
	static const uint8_t want_mac[6] = {0x33, 0x33, 0xff, 0x12, 0x34, 0x56};
	ck_assert_mem_eq(m.b, want_mac, 6);
	ck_assert(capnet_ip6_is_multicast(&sn) && !capnet_ip6_is_multicast(&t));
	struct capnet_ip6addr ll = {{0xfe, 0x80}}, ll2 = {{0xfe, 0xbf}};
	ck_assert(capnet_ip6_is_link_local(&ll) && capnet_ip6_is_link_local(&ll2) && !capnet_ip6_is_link_local(&t));
	ck_assert(capnet_ip6_prefix_eq(&t, &db8_1, 32) && !capnet_ip6_prefix_eq(&t, &db8_1, 48));
	ck_assert(capnet_ip6_prefix_eq(&t, &db8_1, 47) && capnet_ip6_prefix_eq(&t, &t, 200));
	struct capnet_ip6addr z = {{0}}, lo = {{0}};
	lo.b[15] = 1;
	ck_assert(capnet_ip6_is_unspecified(&z) && capnet_ip6_is_loopback(&lo) && !capnet_ip6_is_loopback(&z));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wire-ipv6");
	TCase *tc = check_add_case(s, "ipv6", NULL, NULL, 0);
	tcase_add_test(tc, test_parse_and_emit_header);
	tcase_add_test(tc, test_reasons);
	tcase_add_test(tc, test_walk_hopopts_dstopts);
	tcase_add_test(tc, test_walk_fragment_stops);
	tcase_add_test(tc, test_walk_bounds);
	tcase_add_test(tc, test_walk_refusals);
	tcase_add_test(tc, test_addresses);
	return s;
}
