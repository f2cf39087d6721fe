/* DNS (RFC 1035 4.1): a query for Example.COM/A with EDNS0 built to exact
 * bytes, a compressed answer parsed to exact fields, and every malformed
 * shape the codec names: each truncation, label over 63, name over 255,
 * pointer loops, forward pointers, pointers past the end, counts that
 * lie, rdata of the wrong length. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/dns.h"
#include "check_main.h"

/* id 0xbeef, RD, one question Example.COM A IN, one OPT (payload 1232). */
static const uint8_t query[] = {
	0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x07, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'C', 'O', 'M', 0x00,
	0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* The answer: QR RD RA, a CNAME www.example.com -> example.com whose
 * target is compressed into the question, and an A 192.0.2.9 owned by a
 * pointer into the CNAME's rdata. */
static const uint8_t answer[] = {
	0xbe, 0xef, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	/* 12: question www.example.com A IN */
	0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
	0x00, 0x01, 0x00, 0x01,
	/* 33: CNAME, owner -> 12, ttl 300, rdata = ptr 16 (example.com) */
	0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x02, 0xc0, 0x10,
	/* 47: A, owner -> 45 (the cname's rdata), ttl 60, 192.0.2.9 */
	0xc0, 0x2d, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 192, 0, 2, 9,
};

START_TEST(test_query_exact_bytes)
{
	uint8_t out[128];
	size_t n = capnet_dns_query_emit(0xbeef, "Example.COM", CAPNET_DNS_TYPE_A, 1232, out, sizeof out);
	ck_assert_uint_eq(n, sizeof query);
	ck_assert_mem_eq(out, query, sizeof query);
	/* every shorter buffer refuses */
	for (size_t cap = 0; cap < sizeof query; cap++)
		ck_assert_uint_eq(capnet_dns_query_emit(0xbeef, "Example.COM", 1, 1232, out, cap), 0);
	/* and a trailing dot is the same name */
	ck_assert_uint_eq(capnet_dns_query_emit(0xbeef, "Example.COM.", 1, 1232, out, sizeof out), sizeof query);
}
END_TEST

START_TEST(test_query_parses_back)
{
	struct capnet_dns_msg m;
	ck_assert_int_eq(capnet_dns_parse(query, sizeof query, &m), CAPNET_DNS_ERR_NONE);
	ck_assert_uint_eq(m.hdr.id, 0xbeef);
	ck_assert_uint_eq(m.hdr.flags, CAPNET_DNS_FLAG_RD);
	ck_assert_str_eq(m.qname, "Example.COM"); /* case preserved */
	ck_assert_uint_eq(m.qtype, 1);
	ck_assert_uint_eq(m.edns_payload, 1232);
}
END_TEST

START_TEST(test_answer_compressed)
{
	struct capnet_dns_msg m;
	ck_assert_int_eq(capnet_dns_parse(answer, sizeof answer, &m), CAPNET_DNS_ERR_NONE);
	ck_assert_uint_eq(m.hdr.flags, 0x8180);
	ck_assert_str_eq(m.qname, "www.example.com");
	ck_assert_uint_eq(m.rr_off, 33);
	size_t idx = 0, off = m.rr_off;
	struct capnet_dns_rr rr;
	enum capnet_dns_section sec;
	ck_assert(capnet_dns_rr_next(&m, &idx, &off, &rr, &sec));
	ck_assert_int_eq(sec, CAPNET_DNS_SEC_ANSWER);
	ck_assert_str_eq(rr.name, "www.example.com");
	ck_assert_uint_eq(rr.type, CAPNET_DNS_TYPE_CNAME);
	ck_assert_uint_eq(rr.ttl, 300);
	ck_assert_str_eq(rr.rd.cname, "example.com");
	ck_assert(capnet_dns_rr_next(&m, &idx, &off, &rr, &sec));
	ck_assert_str_eq(rr.name, "example.com");
	ck_assert_uint_eq(rr.type, CAPNET_DNS_TYPE_A);
	ck_assert_uint_eq(rr.ttl, 60);
	ck_assert_mem_eq(rr.rd.a, ((uint8_t[]){192, 0, 2, 9}), 4);
	ck_assert(!capnet_dns_rr_next(&m, &idx, &off, &rr, &sec));
	ck_assert_uint_eq(off, sizeof answer);
}
END_TEST

START_TEST(test_every_truncation)
{
	struct capnet_dns_msg m;
	for (size_t n = 0; n < sizeof answer; n++)
		ck_assert_int_eq(capnet_dns_parse(answer, n, &m), CAPNET_DNS_ERR_TRUNCATED);
	for (size_t n = 0; n < sizeof query; n++)
		ck_assert_int_eq(capnet_dns_parse(query, n, &m), CAPNET_DNS_ERR_TRUNCATED);
}
END_TEST

START_TEST(test_counts_that_lie)
{
	uint8_t b[sizeof answer];
	struct capnet_dns_msg m;
	memcpy(b, answer, sizeof b);
	capnet_put16(b + 6, 3); /* claims 3 answers, holds 2 */
	ck_assert_int_eq(capnet_dns_parse(b, sizeof b, &m), CAPNET_DNS_ERR_TRUNCATED);
	capnet_put16(b + 6, 0xffff);
	ck_assert_int_eq(capnet_dns_parse(b, sizeof b, &m), CAPNET_DNS_ERR_TRUNCATED);
	capnet_put16(b + 6, 1); /* claims 1: the A is left over */
	ck_assert_int_eq(capnet_dns_parse(b, sizeof b, &m), CAPNET_DNS_ERR_TRAILING);
	capnet_put16(b + 6, 2);
	capnet_put16(b + 4, 2); /* a second question that is really the CNAME */
	ck_assert_int_ne(capnet_dns_parse(b, sizeof b, &m), CAPNET_DNS_ERR_NONE);
	capnet_put16(b + 4, 0); /* no question: the question bytes are taken for a record */
	ck_assert_int_ne(capnet_dns_parse(b, sizeof b, &m), CAPNET_DNS_ERR_NONE);
}
END_TEST

/* A header, then `name` bytes, then type A class IN: one question. */
static size_t with_question(uint8_t *b, const uint8_t *name, size_t n)
{
	memset(b, 0, 12);
	b[5] = 1;
	memcpy(b + 12, name, n);
	memcpy(b + 12 + n, (uint8_t[]){0, 1, 0, 1}, 4);
	return 12 + n + 4;
}

START_TEST(test_label_over_63)
{
	uint8_t name[70] = {64};
	memset(name + 1, 'a', 64);
	name[65] = 0;
	uint8_t b[100];
	struct capnet_dns_msg m;
	ck_assert_int_eq(capnet_dns_parse(b, with_question(b, name, 66), &m), CAPNET_DNS_ERR_LABEL_TOO_LONG);
	name[0] = 0x80; /* the reserved label type 10 */
	ck_assert_int_eq(capnet_dns_parse(b, with_question(b, name, 66), &m), CAPNET_DNS_ERR_LABEL_TOO_LONG);
	name[0] = 63; /* 63 is the longest label */
	name[64] = 0;
	ck_assert_int_eq(capnet_dns_parse(b, with_question(b, name, 65), &m), CAPNET_DNS_ERR_NONE);
	ck_assert_uint_eq(strlen(m.qname), 63);
	/* emitting: a 64-byte label is refused */
	char text[80];
	memset(text, 'a', 64);
	text[64] = 0;
	uint8_t out[300];
	ck_assert_uint_eq(capnet_dns_name_emit(text, out, sizeof out), 0);
	text[63] = 0;
	ck_assert_uint_eq(capnet_dns_name_emit(text, out, sizeof out), 65);
	ck_assert_uint_eq(capnet_dns_name_emit("a..b", out, sizeof out), 0);
	ck_assert_uint_eq(capnet_dns_name_emit(".", out, sizeof out), 1);
}
END_TEST

START_TEST(test_name_over_255)
{
	/* 4 labels of 63 = 256 bytes with the root: one too many. */
	uint8_t name[300];
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		name[n++] = 63;
		memset(name + n, 'a' + i, 63);
		n += 63;
	}
	name[n++] = 0;
	uint8_t b[320];
	struct capnet_dns_msg m;
	ck_assert_int_eq(capnet_dns_parse(b, with_question(b, name, n), &m), CAPNET_DNS_ERR_NAME_TOO_LONG);
	/* 61 in the last label: 255 bytes with the root, the longest name */
	name[3 * 64] = 61;
	name[3 * 64 + 62] = 0;
	n = 3 * 64 + 63;
	ck_assert_int_eq(capnet_dns_parse(b, with_question(b, name, n), &m), CAPNET_DNS_ERR_NONE);
	ck_assert_uint_eq(strlen(m.qname), 253);
	uint8_t out[300];
	ck_assert_uint_eq(capnet_dns_name_emit(m.qname, out, sizeof out), 255);
	char longer[300];
	strcpy(longer, m.qname);
	strcat(longer, "x");
	ck_assert_uint_eq(capnet_dns_name_emit(longer, out, sizeof out), 0);
}
END_TEST

START_TEST(test_name_over_255_through_pointers)
{
	/* The answer's owner is 63 a's + a pointer to the question's 3 x 63:
	 * each part is fine, together they exceed 255. */
	uint8_t q[200];
	size_t n = 0;
	for (int i = 0; i < 3; i++) {
		q[n++] = 63;
		memset(q + n, 'q', 63);
		n += 63;
	}
	q[n++] = 0;
	uint8_t b[400];
	size_t len = with_question(b, q, n);
	b[7] = 1; /* one answer */
	b[len++] = 63;
	memset(b + len, 'r', 63);
	len += 63;
	b[len++] = 0xc0;
	b[len++] = 12;
	memcpy(b + len, (uint8_t[]){0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4}, 14);
	len += 14;
	struct capnet_dns_msg m;
	ck_assert_int_eq(capnet_dns_parse(b, len, &m), CAPNET_DNS_ERR_NAME_TOO_LONG);
}
END_TEST

START_TEST(test_pointers)
{
	uint8_t b[64];
	struct capnet_dns_msg m;
	/* a pointer to itself */
	size_t len = with_question(b, (uint8_t[]){0xc0, 12}, 2);
	ck_assert_int_eq(capnet_dns_parse(b, len, &m), CAPNET_DNS_ERR_PTR_LOOP);
	/* a label then a pointer back to that label: a loop */
	len = with_question(b, (uint8_t[]){1, 'a', 0xc0, 12}, 4);
	ck_assert_int_eq(capnet_dns_parse(b, len, &m), CAPNET_DNS_ERR_PTR_LOOP);
	/* forward, inside the message */
	len = with_question(b, (uint8_t[]){0xc0, 15, 0, 0}, 4);
	ck_assert_int_eq(capnet_dns_parse(b, len, &m), CAPNET_DNS_ERR_PTR_FORWARD);
	/* past the end */
	len = with_question(b, (uint8_t[]){0xc0, 0xff}, 2);
	ck_assert_int_eq(capnet_dns_parse(b, len, &m), CAPNET_DNS_ERR_PTR_OUT_OF_BOUNDS);
	len = with_question(b, (uint8_t[]){0xff, 0xff}, 2);
	ck_assert_int_eq(capnet_dns_parse(b, len, &m), CAPNET_DNS_ERR_PTR_OUT_OF_BOUNDS);
	/* a pointer's second byte cut off */
	ck_assert_int_eq(capnet_dns_parse(b, 13, &m), CAPNET_DNS_ERR_TRUNCATED);
	/* a two-hop loop: the answer's owner points at the question, whose
	 * name points at the answer: the second jump is forward. */
	uint8_t l[] = {0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 22, 0, 1, 0, 1,
		       0, 0, 0, 0, /* 18..21: filler the answer's name starts after */
		       0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4};
	ck_assert_int_eq(capnet_dns_parse(l, sizeof l, &m), CAPNET_DNS_ERR_PTR_FORWARD);
}
END_TEST

START_TEST(test_bad_label_bytes)
{
	uint8_t b[64];
	struct capnet_dns_msg m;
	size_t len = with_question(b, (uint8_t[]){3, 'a', '.', 'b', 0}, 5);
	ck_assert_int_eq(capnet_dns_parse(b, len, &m), CAPNET_DNS_ERR_BAD_LABEL);
	len = with_question(b, (uint8_t[]){3, 'a', 0, 'b', 0}, 5);
	ck_assert_int_eq(capnet_dns_parse(b, len, &m), CAPNET_DNS_ERR_BAD_LABEL);
}
END_TEST

START_TEST(test_rdata_lengths)
{
	uint8_t b[sizeof answer];
	struct capnet_dns_msg m;
	memcpy(b, answer, sizeof b);
	/* the A record's rdlength says 3 (and one byte is then left over) */
	b[sizeof answer - 5] = 3;
	ck_assert_int_eq(capnet_dns_parse(b, sizeof b, &m), CAPNET_DNS_ERR_BAD_RDATA);
	/* says 5: past the end */
	b[sizeof answer - 5] = 5;
	ck_assert_int_eq(capnet_dns_parse(b, sizeof b, &m), CAPNET_DNS_ERR_TRUNCATED);
	/* a zero-length answer of type A */
	memcpy(b, answer, sizeof b);
	b[sizeof answer - 5] = 0;
	ck_assert_int_eq(capnet_dns_parse(b, sizeof b - 4, &m), CAPNET_DNS_ERR_BAD_RDATA);
	/* the CNAME rdlength one longer than its name */
	memcpy(b, answer, sizeof b);
	b[33 + 11] = 3;
	ck_assert_int_ne(capnet_dns_parse(b, sizeof b, &m), CAPNET_DNS_ERR_NONE);
	/* the AAAA must be 16 */
	uint8_t v6[200];
	struct capnet_dns_builder bd;
	capnet_dns_build_start(&bd, v6, sizeof v6, 1, 0x8180);
	capnet_dns_build_question(&bd, "h.test", CAPNET_DNS_TYPE_AAAA);
	capnet_dns_build_rr(&bd, CAPNET_DNS_SEC_ANSWER, "h.test", CAPNET_DNS_TYPE_AAAA, 5, "0123456789abcde", 15);
	size_t n = capnet_dns_build_end(&bd);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(capnet_dns_parse(v6, n, &m), CAPNET_DNS_ERR_BAD_RDATA);
}
END_TEST

START_TEST(test_builder_soa_negative)
{
	uint8_t buf[512];
	struct capnet_dns_builder b;
	capnet_dns_build_start(&b, buf, sizeof buf, 0x1234, 0x8183);
	capnet_dns_build_question(&b, "nope.example.test", CAPNET_DNS_TYPE_A);
	capnet_dns_build_soa(&b, "example.test", 3600, "ns.example.test", "hostmaster.example.test", 30);
	capnet_dns_build_opt(&b, 1232);
	size_t n = capnet_dns_build_end(&b);
	ck_assert_uint_gt(n, 0);
	struct capnet_dns_msg m;
	ck_assert_int_eq(capnet_dns_parse(buf, n, &m), CAPNET_DNS_ERR_NONE);
	ck_assert_uint_eq(CAPNET_DNS_RCODE(m.hdr.flags), CAPNET_DNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(m.hdr.nscount, 1);
	ck_assert_uint_eq(m.hdr.arcount, 1);
	ck_assert_uint_eq(m.edns_payload, 1232);
	size_t idx = 0, off = m.rr_off;
	struct capnet_dns_rr rr;
	enum capnet_dns_section sec;
	ck_assert(capnet_dns_rr_next(&m, &idx, &off, &rr, &sec));
	ck_assert_int_eq(sec, CAPNET_DNS_SEC_AUTHORITY);
	ck_assert_uint_eq(rr.type, CAPNET_DNS_TYPE_SOA);
	ck_assert_uint_eq(rr.ttl, 3600);
	ck_assert_uint_eq(rr.rd.soa.minimum, 30);
	ck_assert(capnet_dns_rr_next(&m, &idx, &off, &rr, &sec));
	ck_assert_int_eq(sec, CAPNET_DNS_SEC_ADDITIONAL);
	ck_assert_uint_eq(rr.type, CAPNET_DNS_TYPE_OPT);
	/* a builder that runs out of room says so */
	capnet_dns_build_start(&b, buf, 40, 1, 0);
	capnet_dns_build_question(&b, "nope.example.test", CAPNET_DNS_TYPE_A);
	capnet_dns_build_soa(&b, "example.test", 3600, "ns.example.test", "hostmaster.example.test", 30);
	ck_assert_uint_eq(capnet_dns_build_end(&b), 0);
}
END_TEST

START_TEST(test_name_eq_and_errors)
{
	ck_assert(capnet_dns_name_eq("ExAmple.Com", "example.COM"));
	ck_assert(!capnet_dns_name_eq("example.com", "example.co"));
	ck_assert_str_eq(capnet_dns_error_name(CAPNET_DNS_ERR_PTR_LOOP), "ptr_loop");
	ck_assert_str_eq(capnet_dns_error_name(CAPNET_DNS_ERR__COUNT), "?");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wire-dns");
	TCase *tc = check_add_case(s, "dns", NULL, NULL, 0);
	tcase_add_test(tc, test_query_exact_bytes);
	tcase_add_test(tc, test_query_parses_back);
	tcase_add_test(tc, test_answer_compressed);
	tcase_add_test(tc, test_every_truncation);
	tcase_add_test(tc, test_counts_that_lie);
	tcase_add_test(tc, test_label_over_63);
	tcase_add_test(tc, test_name_over_255);
	tcase_add_test(tc, test_name_over_255_through_pointers);
	tcase_add_test(tc, test_pointers);
	tcase_add_test(tc, test_bad_label_bytes);
	tcase_add_test(tc, test_rdata_lengths);
	tcase_add_test(tc, test_builder_soa_negative);
	tcase_add_test(tc, test_name_eq_and_errors);
	return s;
}
