/* Ethernet II framing: an ARP request broadcast from a QEMU-style NIC, and
 * an 802.1Q-tagged IPv4 frame. */
#include <string.h>

#include "capnet/wire/ethernet.h"
#include "check_main.h"
#include "qemu_frames.h"
#include "reason_cases.h"

/* VLAN 100, priority 5, carrying IPv4 (header only; payload irrelevant). */
static const uint8_t vlan_hdr[18] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02,
	0x81, 0x00, 0xa0, 0x64, 0x08, 0x00,
};

START_TEST(test_deconstruct)
{
	struct capnet_eth_view v;
	ck_assert_int_eq(capnet_eth_view_check(&v, arp_request_frame, sizeof arp_request_frame), CAPNET_OK);
	ck_assert_uint_eq(v.len, 60);
	ck_assert(capnet_mac_is_broadcast(capnet_eth_dst(&v)));
	ck_assert(capnet_mac_eq(capnet_eth_src(&v), host_mac));
	ck_assert_uint_eq(capnet_eth_outer_type(&v), CAPNET_ETHERTYPE_ARP);
}
END_TEST

START_TEST(test_construct)
{
	struct capnet_eth_repr r = {
		.dst = CAPNET_MAC_BROADCAST, .src = host_mac, .ethertype = CAPNET_ETHERTYPE_ARP};
	uint8_t out[32];
	memset(out, 0xee, sizeof out);
	ck_assert_uint_eq(capnet_eth_emit_len(&r), 14);
	ck_assert_uint_eq(capnet_eth_emit(&r, out), 14);
	ck_assert_mem_eq(out, arp_request_frame, 14);
	ck_assert_uint_eq(out[14], 0xee); /* nothing written past the header */
}
END_TEST

START_TEST(test_parse)
{
	struct capnet_eth_repr r;
	ck_assert_int_eq(capnet_eth_parse(arp_request_frame, sizeof arp_request_frame, &r, NULL), CAPNET_OK);
	ck_assert(capnet_mac_is_broadcast(r.dst));
	ck_assert(capnet_mac_eq(r.src, host_mac));
	ck_assert_uint_eq(r.ethertype, CAPNET_ETHERTYPE_ARP);
	ck_assert(!r.vlan);
	ck_assert_uint_eq(r.vlan_tci, 0);
	ck_assert_uint_eq(r.header_len, 14);
}
END_TEST

/* frame parses, and its header (header_len bytes) emits back as it was. */
static void assert_header_round_trips(const uint8_t *frame, size_t len, size_t header_len)
{
	struct capnet_eth_repr r;
	uint8_t out[18];
	ck_assert_int_eq(capnet_eth_parse(frame, len, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(capnet_eth_emit(&r, out), header_len);
	ck_assert_mem_eq(out, frame, header_len);
}

START_TEST(test_round_trip)
{
	assert_header_round_trips(arp_request_frame, sizeof arp_request_frame, 14);
	assert_header_round_trips(vlan_hdr, sizeof vlan_hdr, 18);
}
END_TEST

/* Every prefix of frame shorter than header_len is refused as truncated,
 * by both the view and the parser. */
static void assert_truncated_below(const uint8_t *frame, size_t header_len)
{
	struct capnet_eth_view v;
	struct capnet_eth_repr r;
	for (size_t len = 0; len < header_len; len++) {
		ck_assert_int_eq(capnet_eth_view_check(&v, frame, len), CAPNET_E_TRUNCATED);
		ck_assert_int_eq(capnet_eth_parse(frame, len, &r, NULL), CAPNET_E_TRUNCATED);
	}
}

START_TEST(test_truncated_header)
{
	struct capnet_eth_repr r;
	assert_truncated_below(arp_request_frame, 14);
	ck_assert_int_eq(capnet_eth_parse(arp_request_frame, 14, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.header_len, 14);
}
END_TEST

START_TEST(test_vlan_tagged_frame)
{
	struct capnet_eth_view v;
	struct capnet_eth_repr r;
	ck_assert_int_eq(capnet_eth_view_check(&v, vlan_hdr, sizeof vlan_hdr), CAPNET_OK);
	ck_assert_uint_eq(capnet_eth_outer_type(&v), CAPNET_ETHERTYPE_VLAN);
	ck_assert_int_eq(capnet_eth_parse(vlan_hdr, sizeof vlan_hdr, &r, NULL), CAPNET_OK);
	ck_assert(capnet_mac_eq(r.dst, host_mac));
	ck_assert(capnet_mac_eq(r.src, gw_mac));
	ck_assert(r.vlan);
	ck_assert_uint_eq(r.vlan_tci, 0xa064);
	ck_assert_uint_eq(r.vlan_tci & 0x0fff, 100);
	ck_assert_uint_eq(r.vlan_tci >> 13, 5);
	ck_assert_uint_eq(r.ethertype, CAPNET_ETHERTYPE_IPV4);
	ck_assert_uint_eq(r.header_len, 18);
}
END_TEST

START_TEST(test_vlan_construct)
{
	struct capnet_eth_repr r = {.dst = host_mac, .src = gw_mac, .ethertype = CAPNET_ETHERTYPE_IPV4,
				    .vlan = true, .vlan_tci = 0xa064};
	uint8_t out[18];
	ck_assert_uint_eq(capnet_eth_emit_len(&r), 18);
	ck_assert_uint_eq(capnet_eth_emit(&r, out), 18);
	ck_assert_mem_eq(out, vlan_hdr, 18);
}
END_TEST

START_TEST(test_vlan_tag_truncated)
{
	assert_truncated_below(vlan_hdr, 18);
}
END_TEST

/* A second tag is not unwrapped: the inner type is reported as 0x8100 so
 * that dispatch drops the frame as an unknown type. */
START_TEST(test_stacked_tags_reported_not_unwrapped)
{
	uint8_t f[22];
	struct capnet_eth_repr r;
	memcpy(f, vlan_hdr, 16);
	f[16] = 0x81;
	f[17] = 0x00;
	f[18] = 0x00;
	f[19] = 0x05;
	f[20] = 0x08;
	f[21] = 0x00;
	ck_assert_int_eq(capnet_eth_parse(f, sizeof f, &r, NULL), CAPNET_OK);
	ck_assert(r.vlan);
	ck_assert_uint_eq(r.vlan_tci, 0xa064);
	ck_assert_uint_eq(r.ethertype, CAPNET_ETHERTYPE_VLAN);
	ck_assert_uint_eq(r.header_len, 18);
	/* and it re-emits to the same outer header */
	uint8_t out[18];
	ck_assert_uint_eq(capnet_eth_emit(&r, out), 18);
	ck_assert_mem_eq(out, f, 18);
}
END_TEST

/* An 802.3 length field (LLC framing, e.g. spanning tree) is passed up as
 * the type it claims to be; no handler claims values below 0x0600. */
START_TEST(test_8023_length_field_reported_as_type)
{
	uint8_t f[60];
	struct capnet_eth_repr r;
	memcpy(f, arp_request_frame, sizeof f);
	f[12] = 0x00;
	f[13] = 0x2e;
	ck_assert_int_eq(capnet_eth_parse(f, sizeof f, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.ethertype, 0x002e);
	ck_assert(!r.vlan);
	ck_assert_uint_eq(r.header_len, 14);
}
END_TEST

/* ---- why a frame is refused (enum capnet_eth_error) ---- */

REASON_ADAPTERS(struct capnet_eth_repr, enum capnet_eth_error, capnet_eth_error_name,
		capnet_eth_parse(buf, len, &r, &e))

START_TEST(test_each_reason)
{
	static const struct reason_case cases[] = {
		{"13 bytes", 0, 0x52, 13, CAPNET_ETH_ERR_TRUNCATED, CAPNET_E_TRUNCATED},
		{"a VLAN tag cut", 0, 0x52, 17, CAPNET_ETH_ERR_TAG_TRUNCATED, CAPNET_E_TRUNCATED},
	};
	check_reason_cases(vlan_hdr, sizeof vlan_hdr, cases, sizeof cases / sizeof cases[0], parse_why, reason_name);
	/* A NULL reason is allowed. */
	struct capnet_eth_repr r;
	ck_assert_int_eq(capnet_eth_parse(vlan_hdr, 17, &r, NULL), CAPNET_E_TRUNCATED);
}
END_TEST

/* Every cut of a frame is a truncation: before the type, or inside the tag. */
START_TEST(test_every_truncation_has_a_truncated_reason)
{
	static const struct cut_step untagged[] = {{CAPNET_ETH_HDR_LEN, CAPNET_ETH_ERR_TRUNCATED}};
	static const struct cut_step tagged[] = {
		{CAPNET_ETH_HDR_LEN, CAPNET_ETH_ERR_TRUNCATED},
		{CAPNET_ETH_VLAN_HDR_LEN, CAPNET_ETH_ERR_TAG_TRUNCATED},
	};
	check_every_cut(arp_request_frame, untagged, 1, parse_why, reason_name);
	check_every_cut(vlan_hdr, tagged, 2, parse_why, reason_name);
}
END_TEST

REASON_NAMES_TEST("none", "truncated", "tag_truncated")

static Suite *suite(void)
{
	Suite *s = suite_create("wire-ethernet");
	TCase *tc = check_add_case(s, "ethernet", NULL, NULL, 0);
	tcase_add_test(tc, test_deconstruct);
	tcase_add_test(tc, test_construct);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_truncated_header);
	tcase_add_test(tc, test_vlan_tagged_frame);
	tcase_add_test(tc, test_vlan_construct);
	tcase_add_test(tc, test_vlan_tag_truncated);
	tcase_add_test(tc, test_stacked_tags_reported_not_unwrapped);
	tcase_add_test(tc, test_8023_length_field_reported_as_type);
	tcase_add_test(tc, test_each_reason);
	tcase_add_test(tc, test_every_truncation_has_a_truncated_reason);
	tcase_add_test(tc, test_reason_names);
	return s;
}
