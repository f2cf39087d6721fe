/* ICMPv6 (RFC 4443) against messages built by scapy: the checksum over
 * the IPv6 pseudo-header, echo, packet too big and its quote, and each
 * refusal reason. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ipv6.h"
#include "check_main.h"
#include "ipv6_frames.h"

static struct capnet_ip6addr src_of(const uint8_t *p)
{
	struct capnet_ip6addr a;
	memcpy(a.b, p + 8, 16);
	return a;
}

static struct capnet_ip6addr dst_of(const uint8_t *p)
{
	struct capnet_ip6addr a;
	memcpy(a.b, p + 24, 16);
	return a;
}

START_TEST(test_echo_request)
{
	struct capnet_ip6addr s = src_of(echo6_packet), d = dst_of(echo6_packet);
	struct capnet_icmp6_repr r;
	enum capnet_icmp6_error why;
	ck_assert_int_eq(capnet_icmp6_parse(echo6_packet + 40, 12, &s, &d, &r, &why), CAPNET_OK);
	ck_assert_uint_eq(r.type, CAPNET_ICMP6_ECHO_REQUEST);
	ck_assert_uint_eq(r.ident, 0x1234);
	ck_assert_uint_eq(r.seq, 1);
	ck_assert_uint_eq(r.data_len, 4);
	ck_assert_mem_eq(r.data, "abcd", 4);
	uint8_t out[12];
	ck_assert_uint_eq(capnet_icmp6_emit(&r, &s, &d, out), 12);
	ck_assert_mem_eq(out, echo6_packet + 40, 12);
	/* The pseudo-header counts: the same bytes between other addresses fail. */
	ck_assert_int_eq(capnet_icmp6_parse(echo6_packet + 40, 12, &d, &s, &r, &why), CAPNET_OK);
	struct capnet_ip6addr other = d;
	other.b[15] ^= 0x10;
	ck_assert_int_eq(capnet_icmp6_parse(echo6_packet + 40, 12, &s, &other, &r, &why), CAPNET_E_CHECKSUM);
	ck_assert_int_eq(why, CAPNET_ICMP6_ERR_BAD_CHECKSUM);
}
END_TEST

START_TEST(test_reply_in_place)
{
	struct capnet_ip6addr s = src_of(echo6_packet), d = dst_of(echo6_packet);
	uint8_t b[12];
	memcpy(b, echo6_packet + 40, 12);
	struct capnet_icmp6_repr r;
	ck_assert_int_eq(capnet_icmp6_parse(b, 12, &s, &d, &r, NULL), CAPNET_OK);
	r.type = CAPNET_ICMP6_ECHO_REPLY;
	ck_assert_uint_eq(capnet_icmp6_emit(&r, &d, &s, b), 12);
	ck_assert_int_eq(capnet_icmp6_parse(b, 12, &d, &s, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(b[0], 129);
	ck_assert_uint_eq(r.ident, 0x1234);
	ck_assert_mem_eq(b + 8, "abcd", 4);
}
END_TEST

START_TEST(test_packet_too_big_and_quote)
{
	struct capnet_ip6addr s = src_of(ptb_packet), d = dst_of(ptb_packet);
	struct capnet_icmp6_repr r;
	ck_assert_int_eq(capnet_icmp6_parse(ptb_packet + 40, 64, &s, &d, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.type, CAPNET_ICMP6_PKT_TOO_BIG);
	ck_assert_uint_eq(r.mtu, 1400);
	ck_assert_uint_eq(r.data_len, 56);
	struct capnet_icmp6_quote q;
	enum capnet_icmp6_error why;
	ck_assert_int_eq(capnet_icmp6_quote_parse(&r, &q, &why), CAPNET_OK);
	ck_assert_uint_eq(q.mtu, 1400);
	ck_assert_uint_eq(q.next_header, 17);
	ck_assert(q.has_ports && !q.has_seq && !q.has_echo);
	ck_assert_uint_eq(q.src_port, 54321);
	ck_assert_uint_eq(q.dst_port, 53);
	ck_assert_uint_eq(q.src.b[15], 1);
	uint8_t out[64];
	ck_assert_uint_eq(capnet_icmp6_emit(&r, &s, &d, out), 64);
	ck_assert_mem_eq(out, ptb_packet + 40, 64);
	/* An echo quotes nothing. */
	struct capnet_icmp6_repr e;
	struct capnet_ip6addr es = src_of(echo6_packet), ed = dst_of(echo6_packet);
	ck_assert_int_eq(capnet_icmp6_parse(echo6_packet + 40, 12, &es, &ed, &e, NULL), CAPNET_OK);
	ck_assert_int_eq(capnet_icmp6_quote_parse(&e, &q, &why), CAPNET_E_INVAL);
	ck_assert_int_eq(why, CAPNET_ICMP6_ERR_NOT_AN_ERROR);
}
END_TEST

START_TEST(test_unreachable_quoting_an_echo)
{
	/* Destination unreachable (1/3) quoting our echo request whole. */
	uint8_t m[8 + sizeof echo6_packet];
	struct capnet_icmp6_repr u = {.type = CAPNET_ICMP6_DEST_UNREACH, .code = CAPNET_ICMP6_ADDR_UNREACH,
				      .data = echo6_packet, .data_len = sizeof echo6_packet};
	struct capnet_ip6addr router = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0xfe}}, me = src_of(echo6_packet);
	size_t n = capnet_icmp6_emit(&u, &router, &me, m);
	ck_assert_uint_eq(n, sizeof m);
	ck_assert_uint_eq(capnet_get32(m + 4), 0); /* unused */
	struct capnet_icmp6_repr r;
	ck_assert_int_eq(capnet_icmp6_parse(m, n, &router, &me, &r, NULL), CAPNET_OK);
	struct capnet_icmp6_quote q;
	ck_assert_int_eq(capnet_icmp6_quote_parse(&r, &q, NULL), CAPNET_OK);
	ck_assert(q.has_echo && q.echo_ident == 0x1234 && q.echo_seq == 1);
	ck_assert_uint_eq(q.code, 3);
	/* Parameter problem carries its pointer. */
	u.type = CAPNET_ICMP6_PARAM_PROBLEM;
	u.code = CAPNET_ICMP6_PP_NEXT_HEADER;
	u.pointer = 6;
	n = capnet_icmp6_emit(&u, &router, &me, m);
	ck_assert_uint_eq(capnet_get32(m + 4), 6);
	ck_assert_int_eq(capnet_icmp6_parse(m, n, &router, &me, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.pointer, 6);
}
END_TEST

static void reseal(uint8_t *m, size_t len, const struct capnet_ip6addr *s, const struct capnet_ip6addr *d)
{
	capnet_icmp6_seal(m, len, s, d);
}

START_TEST(test_each_reason)
{
	struct capnet_ip6addr s = src_of(echo6_packet), d = dst_of(echo6_packet);
	struct capnet_icmp6_repr r;
	enum capnet_icmp6_error why;
	for (size_t len = 0; len < 8; len++) {
		ck_assert_int_eq(capnet_icmp6_parse(echo6_packet + 40, len, &s, &d, &r, &why), CAPNET_E_TRUNCATED);
		ck_assert_int_eq(why, CAPNET_ICMP6_ERR_TRUNCATED);
	}
	uint8_t m[12];
	memcpy(m, echo6_packet + 40, 12);
	m[0] = 200; /* an unknown informational type: discarded (2.4 b) */
	reseal(m, 12, &s, &d);
	ck_assert_int_eq(capnet_icmp6_parse(m, 12, &s, &d, &r, &why), CAPNET_E_UNSUPPORTED);
	ck_assert_int_eq(why, CAPNET_ICMP6_ERR_UNKNOWN_TYPE);
	m[0] = 128;
	m[1] = 1; /* echo has code 0 only */
	reseal(m, 12, &s, &d);
	ck_assert_int_eq(capnet_icmp6_parse(m, 12, &s, &d, &r, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_ICMP6_ERR_BAD_CODE);
	m[0] = 1;
	m[1] = 7; /* unreachable codes end at 6 */
	reseal(m, 12, &s, &d);
	ck_assert_int_eq(capnet_icmp6_parse(m, 12, &s, &d, &r, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_ICMP6_ERR_BAD_CODE);
	m[1] = 0; /* an error quoting 4 bytes */
	reseal(m, 12, &s, &d);
	ck_assert_int_eq(capnet_icmp6_parse(m, 12, &s, &d, &r, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_ICMP6_ERR_QUOTE_TRUNCATED);
	ck_assert_str_eq(capnet_icmp6_error_name(CAPNET_ICMP6_ERR_QUOTE_L4_TRUNCATED), "quote_l4_truncated");
	/* A quoted UDP header cut short. */
	uint8_t p[8 + 42];
	struct capnet_icmp6_repr u = {.type = CAPNET_ICMP6_DEST_UNREACH, .code = 4, .data = ptb_packet + 48,
				      .data_len = 42};
	size_t n = capnet_icmp6_emit(&u, &s, &d, p);
	ck_assert_int_eq(capnet_icmp6_parse(p, n, &s, &d, &r, NULL), CAPNET_OK);
	struct capnet_icmp6_quote q;
	ck_assert_int_eq(capnet_icmp6_quote_parse(&r, &q, &why), CAPNET_E_MALFORMED);
	ck_assert_int_eq(why, CAPNET_ICMP6_ERR_QUOTE_L4_TRUNCATED);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wire-icmpv6");
	TCase *tc = check_add_case(s, "icmpv6", NULL, NULL, 0);
	tcase_add_test(tc, test_echo_request);
	tcase_add_test(tc, test_reply_in_place);
	tcase_add_test(tc, test_packet_too_big_and_quote);
	tcase_add_test(tc, test_unreachable_quoting_an_echo);
	tcase_add_test(tc, test_each_reason);
	return s;
}
