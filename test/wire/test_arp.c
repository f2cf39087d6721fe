/* ARP (RFC 826): the request a host on QEMU's user network sends for its
 * gateway, and the gateway's reply. */
#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/ethernet.h"
#include "check_main.h"
#include "qemu_frames.h"
#include "reason_cases.h"

/* The ARP message inside the request frame, past its 14-byte header. */
static const uint8_t *const arp_request = arp_request_frame + 14;

/* 10.0.2.2 is at 52:55:0a:00:02:02. */
static const uint8_t arp_reply[28] = {
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x52, 0x55, 0x0a, 0x00,
	0x02, 0x02, 0x0a, 0x00, 0x02, 0x02, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x0a, 0x00, 0x02, 0x0f,
};

static const struct capnet_mac zero_mac = {{0}};

START_TEST(test_deconstruct)
{
	struct capnet_arp_view v;
	ck_assert_int_eq(capnet_arp_view_check(&v, arp_request, 28), CAPNET_OK);
	ck_assert_uint_eq(capnet_arp_htype(&v), 1);
	ck_assert_uint_eq(capnet_arp_ptype(&v), 0x0800);
	ck_assert_uint_eq(capnet_arp_oper(&v), CAPNET_ARP_REQUEST);
	ck_assert_int_eq(capnet_arp_view_check(&v, arp_reply, sizeof arp_reply), CAPNET_OK);
	ck_assert_uint_eq(capnet_arp_oper(&v), CAPNET_ARP_REPLY);
}
END_TEST

START_TEST(test_construct)
{
	struct capnet_arp_repr r = {.oper = CAPNET_ARP_REQUEST, .sha = host_mac, .spa = CAPNET_IP4(10, 0, 2, 15),
				    .tha = zero_mac, .tpa = CAPNET_IP4(10, 0, 2, 2)};
	uint8_t out[40];
	memset(out, 0xee, sizeof out);
	ck_assert_uint_eq(capnet_arp_emit_len(&r), 28);
	ck_assert_uint_eq(capnet_arp_emit(&r, out), 28);
	ck_assert_mem_eq(out, arp_request, 28);
	ck_assert_uint_eq(out[28], 0xee);

	struct capnet_arp_repr rep = {.oper = CAPNET_ARP_REPLY, .sha = gw_mac, .spa = CAPNET_IP4(10, 0, 2, 2),
				      .tha = host_mac, .tpa = CAPNET_IP4(10, 0, 2, 15)};
	ck_assert_uint_eq(capnet_arp_emit(&rep, out), 28);
	ck_assert_mem_eq(out, arp_reply, 28);
}
END_TEST

START_TEST(test_parse)
{
	struct capnet_arp_repr r;
	ck_assert_int_eq(capnet_arp_parse(arp_request, 28, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.oper, CAPNET_ARP_REQUEST);
	ck_assert(capnet_mac_eq(r.sha, host_mac));
	ck_assert_uint_eq(r.spa, CAPNET_IP4(10, 0, 2, 15));
	ck_assert(capnet_mac_eq(r.tha, zero_mac));
	ck_assert_uint_eq(r.tpa, CAPNET_IP4(10, 0, 2, 2));

	ck_assert_int_eq(capnet_arp_parse(arp_reply, sizeof arp_reply, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.oper, CAPNET_ARP_REPLY);
	ck_assert(capnet_mac_eq(r.sha, gw_mac));
	ck_assert_uint_eq(r.spa, CAPNET_IP4(10, 0, 2, 2));
	ck_assert(capnet_mac_eq(r.tha, host_mac));
	ck_assert_uint_eq(r.tpa, CAPNET_IP4(10, 0, 2, 15));
}
END_TEST

START_TEST(test_round_trip)
{
	struct capnet_arp_repr r;
	uint8_t out[28];
	ck_assert_int_eq(capnet_arp_parse(arp_reply, sizeof arp_reply, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(capnet_arp_emit(&r, out), 28);
	ck_assert_mem_eq(out, arp_reply, 28);
}
END_TEST

START_TEST(test_in_its_frame_with_padding)
{
	struct capnet_eth_repr eth;
	struct capnet_arp_repr r;
	ck_assert_int_eq(capnet_eth_parse(arp_request_frame, sizeof arp_request_frame, &eth, NULL), CAPNET_OK);
	ck_assert_uint_eq(eth.ethertype, CAPNET_ETHERTYPE_ARP);
	ck_assert_int_eq(capnet_arp_parse(arp_request_frame + eth.header_len,
					  sizeof arp_request_frame - eth.header_len, &r, NULL),
			 CAPNET_OK);
	ck_assert_uint_eq(r.tpa, CAPNET_IP4(10, 0, 2, 2));
	/* The 18 padding bytes were ignored: emit gives back exactly 28. */
	uint8_t out[46];
	memset(out, 0xee, sizeof out);
	ck_assert_uint_eq(capnet_arp_emit(&r, out), 28);
	ck_assert_mem_eq(out, arp_request, 28);
	ck_assert_uint_eq(out[28], 0xee);
}
END_TEST

START_TEST(test_truncated)
{
	struct capnet_arp_view v;
	struct capnet_arp_repr r;
	for (size_t len = 0; len < 28; len++) {
		ck_assert_int_eq(capnet_arp_view_check(&v, arp_reply, len), CAPNET_E_TRUNCATED);
		ck_assert_int_eq(capnet_arp_parse(arp_reply, len, &r, NULL), CAPNET_E_TRUNCATED);
	}
}
END_TEST

START_TEST(test_unsupported_hardware_or_protocol)
{
	/* byte offset, value: each one alone makes the packet unsupported */
	static const struct {
		size_t off;
		uint8_t val;
	} cases[] = {
		{1, 0x06},  /* htype 6: IEEE 802 */
		{2, 0x86},  /* ptype 0x86dd */
		{3, 0x01},  /* ptype 0x0801 */
		{4, 0x08},  /* hlen 8 */
		{5, 0x10},  /* plen 16 */
	};
	struct capnet_arp_repr r;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t p[28];
		memcpy(p, arp_reply, sizeof p);
		p[cases[i].off] = cases[i].val;
		ck_assert_int_eq(capnet_arp_parse(p, sizeof p, &r, NULL), CAPNET_E_UNSUPPORTED);
	}
}
END_TEST

START_TEST(test_bad_operation_malformed)
{
	static const uint16_t ops[] = {0, 3, 4, 8, 0x0101, 0xffff};
	struct capnet_arp_repr r;
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		uint8_t p[28];
		memcpy(p, arp_reply, sizeof p);
		p[6] = (uint8_t)(ops[i] >> 8);
		p[7] = (uint8_t)ops[i];
		ck_assert_int_eq(capnet_arp_parse(p, sizeof p, &r, NULL), CAPNET_E_MALFORMED);
	}
}
END_TEST

/* ---- why a packet is refused (enum capnet_arp_error) ---- */

REASON_ADAPTERS(struct capnet_arp_repr, enum capnet_arp_error, capnet_arp_error_name,
		capnet_arp_parse(buf, len, &r, &e))

EACH_REASON_TEST(arp_reply,
	{"27 bytes", 0, 0x00, 27, CAPNET_ARP_ERR_TRUNCATED, CAPNET_E_TRUNCATED},
	{"hardware type 6 (IEEE 802)", CAPNET_ARP_HTYPE + 1, 0x06, 28, CAPNET_ARP_ERR_BAD_HTYPE, CAPNET_E_UNSUPPORTED},
	{"hardware length 8", CAPNET_ARP_HLEN, 8, 28, CAPNET_ARP_ERR_BAD_HTYPE, CAPNET_E_UNSUPPORTED},
	{"protocol type 0x8600", CAPNET_ARP_PTYPE, 0x86, 28, CAPNET_ARP_ERR_BAD_PTYPE, CAPNET_E_UNSUPPORTED},
	{"protocol length 16", CAPNET_ARP_PLEN, 16, 28, CAPNET_ARP_ERR_BAD_PTYPE, CAPNET_E_UNSUPPORTED},
	{"operation 3 (RARP)", CAPNET_ARP_OPER + 1, 3, 28, CAPNET_ARP_ERR_BAD_OP, CAPNET_E_MALFORMED},
	{"operation 0", CAPNET_ARP_OPER + 1, 0, 28, CAPNET_ARP_ERR_BAD_OP, CAPNET_E_MALFORMED})

EVERY_CUT_TEST(arp_reply, {CAPNET_ARP_LEN, CAPNET_ARP_ERR_TRUNCATED})

REASON_NAMES_TEST("none", "truncated", "bad_htype", "bad_ptype", "bad_op")

static Suite *suite(void)
{
	Suite *s = suite_create("wire-arp");
	TCase *tc = check_add_case(s, "arp", NULL, NULL, 0);
	tcase_add_test(tc, test_deconstruct);
	tcase_add_test(tc, test_construct);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_in_its_frame_with_padding);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_unsupported_hardware_or_protocol);
	tcase_add_test(tc, test_bad_operation_malformed);
	tcase_add_test(tc, test_each_reason);
	tcase_add_test(tc, test_every_truncation_has_a_truncated_reason);
	tcase_add_test(tc, test_reason_names);
	return s;
}
