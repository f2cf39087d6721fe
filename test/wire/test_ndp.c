/* Neighbor Discovery messages and options (RFC 4861, RFC 8106) against
 * messages built by scapy; the option bounds and each refusal. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ndp.h"
#include "check_main.h"
#include "ipv6_frames.h"

static struct capnet_ip6addr addr_at(const uint8_t *p, size_t off)
{
	struct capnet_ip6addr a;
	memcpy(a.b, p + off, 16);
	return a;
}

/* Parses the NDP message of a whole datagram through ICMPv6. */
static capnet_err parse_packet(const uint8_t *p, size_t len, struct capnet_ndp_repr *nd, enum capnet_ndp_error *why)
{
	struct capnet_ip6addr s = addr_at(p, 8), d = addr_at(p, 24);
	struct capnet_icmp6_repr m;
	ck_assert_int_eq(capnet_icmp6_parse(p + 40, len - 40, &s, &d, &m, NULL), CAPNET_OK);
	return capnet_ndp_parse(m.type, m.data, m.data_len, nd, why);
}

static void assert_emits(const struct capnet_ndp_repr *nd, const uint8_t *p, size_t len)
{
	struct capnet_ip6addr s = addr_at(p, 8), d = addr_at(p, 24);
	uint8_t out[256];
	ck_assert_uint_eq(capnet_ndp_emit_len(nd), len - 40);
	ck_assert_uint_eq(capnet_ndp_emit(nd, &s, &d, out), len - 40);
	ck_assert_mem_eq(out, p + 40, len - 40);
}

START_TEST(test_ns)
{
	struct capnet_ndp_repr nd;
	ck_assert_int_eq(parse_packet(ns_packet, sizeof ns_packet, &nd, NULL), CAPNET_OK);
	ck_assert_uint_eq(nd.type, CAPNET_ICMP6_NEIGHBOR_SOLICIT);
	ck_assert_uint_eq(nd.target.b[15], 0x0b);
	ck_assert(nd.has_slla && !nd.has_tlla);
	ck_assert_uint_eq(nd.slla.b[5], 0x0a);
	assert_emits(&nd, ns_packet, sizeof ns_packet);
}
END_TEST

START_TEST(test_na)
{
	struct capnet_ndp_repr nd;
	ck_assert_int_eq(parse_packet(na_packet, sizeof na_packet, &nd, NULL), CAPNET_OK);
	ck_assert(!nd.router && nd.solicited && nd.override);
	ck_assert(nd.has_tlla && !nd.has_slla);
	ck_assert_uint_eq(nd.tlla.b[5], 0x0b);
	assert_emits(&nd, na_packet, sizeof na_packet);
}
END_TEST

START_TEST(test_rs)
{
	struct capnet_ndp_repr nd;
	ck_assert_int_eq(parse_packet(rs_packet, sizeof rs_packet, &nd, NULL), CAPNET_OK);
	ck_assert_uint_eq(nd.type, CAPNET_ICMP6_ROUTER_SOLICIT);
	ck_assert(!nd.has_slla);
	assert_emits(&nd, rs_packet, sizeof rs_packet);
}
END_TEST

START_TEST(test_ra)
{
	struct capnet_ndp_repr nd;
	ck_assert_int_eq(parse_packet(ra_packet, sizeof ra_packet, &nd, NULL), CAPNET_OK);
	ck_assert_uint_eq(nd.cur_hop_limit, 64);
	ck_assert(!nd.managed && nd.other);
	ck_assert_uint_eq(nd.router_lifetime, 1800);
	ck_assert_uint_eq(nd.reachable_time, 30000);
	ck_assert_uint_eq(nd.retrans_timer, 1000);
	ck_assert(nd.has_slla && nd.has_mtu);
	ck_assert_uint_eq(nd.mtu, 1480);
	ck_assert_uint_eq(nd.nprefix, 1);
	ck_assert_uint_eq(nd.prefix[0].len, 64);
	ck_assert(nd.prefix[0].on_link && nd.prefix[0].autonomous);
	ck_assert_uint_eq(nd.prefix[0].valid, 86400);
	ck_assert_uint_eq(nd.prefix[0].preferred, 14400);
	ck_assert_uint_eq(nd.prefix[0].prefix.b[5], 1);
	ck_assert_uint_eq(nd.nrdnss, 2);
	ck_assert_uint_eq(nd.rdnss_lifetime, 600);
	ck_assert_uint_eq(nd.rdnss[1].b[15], 0x54);
	ck_assert_uint_eq(nd.ignored_options, 0);
	/* Emit writes SLLA, MTU, prefix, RDNSS in scapy's order. */
	assert_emits(&nd, ra_packet, sizeof ra_packet);
}
END_TEST

/* The RA's ICMPv6 body (after the checksum), writable. */
static size_t ra_body(uint8_t *b)
{
	size_t n = sizeof ra_packet - 44;
	memcpy(b, ra_packet + 44, n);
	return n;
}

START_TEST(test_option_errors)
{
	uint8_t b[200];
	struct capnet_ndp_repr nd;
	enum capnet_ndp_error why;
	/* Options start at 12 (after the RA's fixed part): SLLA at 12, MTU at
	 * 20, prefix at 28, RDNSS at 60. */
	size_t n = ra_body(b);
	b[12 + 1] = 0;
	ck_assert_int_eq(capnet_ndp_parse(134, b, n, &nd, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_NDP_ERR_OPT_ZERO_LEN);
	n = ra_body(b);
	b[60 + 1] = 0; /* a zero length after good options too */
	ck_assert_int_eq(capnet_ndp_parse(134, b, n, &nd, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_NDP_ERR_OPT_ZERO_LEN);
	n = ra_body(b);
	b[60 + 1] = 9; /* RDNSS beyond the message */
	ck_assert_int_eq(capnet_ndp_parse(134, b, n, &nd, &why), CAPNET_E_TRUNCATED);
	ck_assert_int_eq(why, CAPNET_NDP_ERR_OPT_TRUNCATED);
	n = ra_body(b);
	ck_assert_int_eq(capnet_ndp_parse(134, b, n - 1, &nd, &why), CAPNET_E_TRUNCATED);
	ck_assert_int_eq(why, CAPNET_NDP_ERR_OPT_TRUNCATED);
	b[28 + 1] = 3; /* a prefix option must be 4 units */
	ck_assert_int_eq(capnet_ndp_parse(134, b, n, &nd, &why), CAPNET_E_MALFORMED);
	n = ra_body(b);
	b[60 + 1] = 4; /* RDNSS: an even length cannot hold whole addresses */
	ck_assert_int_eq(capnet_ndp_parse(134, b, n, &nd, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_NDP_ERR_OPT_BAD_LEN);
	n = ra_body(b);
	b[28 + 2] = 129;
	ck_assert_int_eq(capnet_ndp_parse(134, b, n, &nd, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_NDP_ERR_BAD_PREFIX_LEN);
	/* An unknown option is skipped and counted. */
	n = ra_body(b);
	b[20] = 200;
	ck_assert_int_eq(capnet_ndp_parse(134, b, n, &nd, &why), CAPNET_OK);
	ck_assert(!nd.has_mtu);
	ck_assert_uint_eq(nd.ignored_options, 1);
	/* Fixed parts. */
	ck_assert_int_eq(capnet_ndp_parse(134, b, 11, &nd, &why), CAPNET_E_TRUNCATED);
	ck_assert_int_eq(why, CAPNET_NDP_ERR_TRUNCATED);
	ck_assert_int_eq(capnet_ndp_parse(135, ns_packet + 44, 19, &nd, &why), CAPNET_E_TRUNCATED);
	ck_assert_int_eq(capnet_ndp_parse(128, b, n, &nd, &why), CAPNET_E_INVAL);
	ck_assert_int_eq(why, CAPNET_NDP_ERR_NOT_NDP);
	/* An NS for a multicast target (7.1.1). */
	uint8_t ns[28];
	memcpy(ns, ns_packet + 44, sizeof ns);
	ns[4] = 0xff;
	ck_assert_int_eq(capnet_ndp_parse(135, ns, sizeof ns, &nd, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_NDP_ERR_TARGET_MULTICAST);
	ck_assert_str_eq(capnet_ndp_error_name(CAPNET_NDP_ERR_OPT_ZERO_LEN), "opt_zero_len");
}
END_TEST

START_TEST(test_bounds_and_infinity)
{
	/* Five prefixes and four servers: the first four and three kept. */
	struct capnet_ndp_repr ra = {.type = CAPNET_ICMP6_ROUTER_ADVERT, .router_lifetime = 0xffff};
	ra.nprefix = CAPNET_NDP_PREFIX_MAX;
	for (int i = 0; i < CAPNET_NDP_PREFIX_MAX; i++)
		ra.prefix[i] = (struct capnet_ndp_prefix){{{0x20, 0x01, 0x0d, 0xb8, 0, (uint8_t)i}}, 64, true, true,
							  CAPNET_NDP_INFINITY, CAPNET_NDP_INFINITY};
	ra.nrdnss = 3;
	ra.rdnss_lifetime = CAPNET_NDP_INFINITY;
	struct capnet_ip6addr s = {{0xfe, 0x80, [15] = 1}}, d = {{0xff, 0x02, [15] = 1}};
	uint8_t m[512];
	size_t n = capnet_ndp_emit(&ra, &s, &d, m);
	/* Append a fifth prefix and a fourth server by hand. */
	memcpy(m + n, m + 16, 32);
	m[n + 2 + 14 + 5] = 9;
	n += 32;
	m[n] = CAPNET_NDP_OPT_RDNSS;
	m[n + 1] = 3;
	memset(m + n + 2, 0, 22);
	n += 24;
	struct capnet_ndp_repr nd;
	ck_assert_int_eq(capnet_ndp_parse(134, m + 4, n - 4, &nd, NULL), CAPNET_OK);
	ck_assert_uint_eq(nd.nprefix, CAPNET_NDP_PREFIX_MAX);
	ck_assert_uint_eq(nd.nrdnss, CAPNET_NDP_RDNSS_MAX);
	ck_assert_uint_eq(nd.ignored_options, 2);
	ck_assert_uint_eq(nd.prefix[3].valid, CAPNET_NDP_INFINITY);
	ck_assert_uint_eq(nd.rdnss_lifetime, CAPNET_NDP_INFINITY);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wire-ndp");
	TCase *tc = check_add_case(s, "ndp", NULL, NULL, 0);
	tcase_add_test(tc, test_ns);
	tcase_add_test(tc, test_na);
	tcase_add_test(tc, test_rs);
	tcase_add_test(tc, test_ra);
	tcase_add_test(tc, test_option_errors);
	tcase_add_test(tc, test_bounds_and_infinity);
	return s;
}
