/* Interface: ARP, IPv4 ingress/egress, ICMP echo and errors. Each test
 * owns its stack, injects exact frames, and asserts the exact frames sent
 * back and the exact counters that moved. */
#include <stdlib.h>
#include <string.h>

#include "capnet/acd.h"
#include "capnet/iface.h"
#include "capnet/neigh.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "check_main.h"
#include "support/capture_nic.h"
#include "support/udp_frames.h"

#define MAC_A {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}}
#define MAC_B {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}}
#define MAC_GW {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}}
static const struct capnet_mac mac_a = MAC_A, mac_b = MAC_B, mac_gw = MAC_GW;
static const capnet_ip4addr ip_a = CAPNET_IP4(192, 0, 2, 10), ip_b = CAPNET_IP4(192, 0, 2, 11),
			    ip_gw = CAPNET_IP4(192, 0, 2, 1);

static struct test_stack st;

static void setup_configured(void)
{
	test_stack_init(&st, mac_a, NULL);
	ck_assert_ptr_nonnull(st.ifc);
	struct capnet_ip4_config c = {ip_a, 24, ip_gw, CAPNET_PROV_STATIC};
	ck_assert_int_eq(capnet_iface_set_ip4(st.ifc, &c, 0), CAPNET_OK);
	capture_nic_clear(&st.cn); /* the gratuitous ARP is tested on its own */
	memset((void *)capnet_iface_stats(st.ifc), 0, sizeof(struct capnet_stats));
}

/* ---- frame builders (by hand, independent of the codecs' emit) ---- */

static size_t echo(uint8_t *m, uint8_t type, uint16_t id, uint16_t seq, const char *data)
{
	size_t dl = strlen(data);
	m[0] = type;
	m[1] = 0;
	capnet_put16(m + 2, 0);
	capnet_put16(m + 4, id);
	capnet_put16(m + 6, seq);
	memcpy(m + 8, data, dl);
	capnet_put16(m + 2, capnet_csum(m, 8 + dl));
	return 8 + dl;
}

static size_t pad60(uint8_t *f, size_t n)
{
	if (n < 60) {
		memset(f + n, 0, 60 - n);
		return 60;
	}
	return n;
}

static void assert_tx(size_t i, const uint8_t *want, size_t len)
{
	ck_assert_uint_gt(st.cn.ntx, i);
	ck_assert_uint_eq(st.cn.tx[i].len, len);
	ck_assert_mem_eq(st.cn.tx[i].data, want, len);
}

static void make_b_reachable(capnet_instant now)
{
	uint8_t f[60];
	tf_arp(f, 2, mac_b, ip_b, mac_a, ip_a, mac_a);
	capnet_iface_input(st.ifc, f, 60, now);
}

/* ---- ARP ---- */

START_TEST(test_arp_request_for_us_gets_exact_reply)
{
	uint8_t req[60], want[60];
	tf_arp(req, 1, mac_b, ip_b, (struct capnet_mac){{0}}, ip_a, CAPNET_MAC_BROADCAST);
	capnet_iface_input(st.ifc, req, sizeof req, 0);
	tf_arp(want, 2, mac_a, ip_a, mac_b, ip_b, mac_b);
	ck_assert_uint_eq(st.cn.ntx, 1);
	assert_tx(0, want, 60);
	/* RFC 826: the requester is now known, without our asking. */
	struct capnet_mac m;
	ck_assert_int_eq(capnet_arp_lookup(st.ifc, ip_b, &m), CAPNET_OK);
	ck_assert(capnet_mac_eq(m, mac_b));
	ck_assert_int_eq(test_stats_only(&st, CAPNET_STAT_eth_rx_frames, 1ull, CAPNET_STAT_arp_requests_rcvd, 1ull,
					 CAPNET_STAT_arp_replies_sent, 1ull, CAPNET_STAT_eth_tx_frames, 1ull, -1),
			 0);
}
END_TEST

START_TEST(test_arp_request_for_other_address_is_not_answered_nor_learned)
{
	uint8_t req[60];
	tf_arp(req, 1, mac_b, ip_b, (struct capnet_mac){{0}}, CAPNET_IP4(192, 0, 2, 99), CAPNET_MAC_BROADCAST);
	capnet_iface_input(st.ifc, req, sizeof req, 0);
	ck_assert_uint_eq(st.cn.ntx, 0);
	struct capnet_mac m;
	ck_assert_int_eq(capnet_arp_lookup(st.ifc, ip_b, &m), CAPNET_E_NOTFOUND);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_rx_not_for_us), 1);
}
END_TEST

START_TEST(test_gratuitous_arp_on_configure)
{
	test_stack_init(&st, mac_a, NULL);
	struct capnet_ip4_config c = {ip_a, 24, 0, CAPNET_PROV_STATIC};
	ck_assert_int_eq(capnet_iface_set_ip4(st.ifc, &c, 0), CAPNET_OK);
	uint8_t want[60];
	tf_arp(want, 1, mac_a, ip_a, (struct capnet_mac){{0}}, ip_a, CAPNET_MAC_BROADCAST);
	ck_assert_uint_eq(st.cn.ntx, 1);
	assert_tx(0, want, 60);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_gratuitous_sent), 1);
}
END_TEST

START_TEST(test_arp_resolution_backs_off_then_fails)
{
	const uint8_t data[4] = {1, 2, 3, 4};
	ck_assert_int_eq(capnet_icmp4_echo_send(st.ifc, ip_b, 7, 1, data, 4, 0), CAPNET_OK);
	uint8_t want[60];
	tf_arp(want, 1, mac_a, ip_a, (struct capnet_mac){{0}}, ip_b, CAPNET_MAC_BROADCAST);
	assert_tx(0, want, 60);
	ck_assert_int_eq(capnet_iface_poll(st.ifc, 0), CAPNET_S(1));
	ck_assert_int_eq(capnet_iface_poll(st.ifc, CAPNET_S(1) - 1), CAPNET_S(1));
	ck_assert_uint_eq(st.cn.ntx, 1);
	/* Retries at 1 s and 3 s (doubling), give-up at 7 s. */
	ck_assert_int_eq(capnet_iface_poll(st.ifc, CAPNET_S(1)), CAPNET_S(3));
	ck_assert_uint_eq(st.cn.ntx, 2);
	assert_tx(1, want, 60);
	ck_assert_int_eq(capnet_iface_poll(st.ifc, CAPNET_S(3)), CAPNET_S(7));
	ck_assert_uint_eq(st.cn.ntx, 3);
	ck_assert_int_eq(capnet_iface_poll(st.ifc, CAPNET_S(7)), CAPNET_S(10));
	ck_assert_uint_eq(st.cn.ntx, 3);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_resolve_failed), 1);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_pending_dropped), 1);
	/* While FAILED is held, senders hear "unreachable" at once. */
	ck_assert_int_eq(capnet_icmp4_echo_send(st.ifc, ip_b, 7, 2, data, 4, CAPNET_S(8)), CAPNET_E_UNREACHABLE);
	ck_assert_int_eq(capnet_iface_poll(st.ifc, CAPNET_S(10)), CAPNET_INSTANT_NEVER);
	struct capnet_mac m;
	ck_assert_int_eq(capnet_arp_lookup(st.ifc, ip_b, &m), CAPNET_E_NOTFOUND);
	ck_assert_uint_eq(st.ifc ? capnet_arp_entries(st.ifc, NULL, 0) : 1, 0);
}
END_TEST

START_TEST(test_arp_reply_flushes_pending_in_order_with_resolved_mac)
{
	const uint8_t d[1] = {0};
	for (uint16_t seq = 1; seq <= 3; seq++)
		ck_assert_int_eq(capnet_icmp4_echo_send(st.ifc, ip_b, 9, seq, d, 1, 0), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, 1); /* one ARP request, not three */
	make_b_reachable(CAPNET_MS(5));
	ck_assert_uint_eq(st.cn.ntx, 4);
	for (uint16_t seq = 1; seq <= 3; seq++) {
		const uint8_t *f = st.cn.tx[seq].data;
		ck_assert_mem_eq(f, mac_b.b, 6);
		ck_assert_mem_eq(f + 6, mac_a.b, 6);
		ck_assert_uint_eq(capnet_get16(f + 14 + 20 + 6), seq);
	}
	struct capnet_arp_entry_info info;
	ck_assert_uint_eq(capnet_arp_entries(st.ifc, &info, 1), 1);
	ck_assert_int_eq(info.state, CAPNET_ARP_REACHABLE);
	ck_assert_int_eq(info.expires, CAPNET_MS(5) + CAPNET_S(60));
	/* And it lapses after the reachable time. */
	ck_assert_int_eq(capnet_iface_poll(st.ifc, CAPNET_MS(5) + CAPNET_S(60)), CAPNET_INSTANT_NEVER);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_expired), 1);
}
END_TEST

START_TEST(test_arp_pending_queue_keeps_the_newest)
{
	const uint8_t d[1] = {0};
	for (uint16_t seq = 1; seq <= 6; seq++)
		ck_assert_int_eq(capnet_icmp4_echo_send(st.ifc, ip_b, 9, seq, d, 1, 0), CAPNET_OK);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_pending_dropped), 2);
	make_b_reachable(1);
	ck_assert_uint_eq(st.cn.ntx, 1 + 4);
	ck_assert_uint_eq(capnet_get16(st.cn.tx[1].data + 14 + 20 + 6), 3);
	ck_assert_uint_eq(capnet_get16(st.cn.tx[4].data + 14 + 20 + 6), 6);
}
END_TEST

/* ---- neighbour-cache admission (capnet/neigh.h) ---- */

#define NB(i) CAPNET_IP4(192, 0, 2, 100 + (i))

static struct capnet_mac nb_mac(unsigned i)
{
	return (struct capnet_mac){{0x02, 0x00, 0x00, 0x00, 0x01, (uint8_t)i}};
}

/* Neighbour i tells us its address (an unsolicited reply to us): a
 * confirmed newcomer. */
static void nb_announces(unsigned i, capnet_instant now)
{
	uint8_t f[60];
	tf_arp(f, 2, nb_mac(i), NB(i), mac_a, ip_a, mac_a);
	capnet_iface_input(st.ifc, f, 60, now);
}

/* A frame for neighbour i: it must be resolved (an INCOMPLETE newcomer). */
static capnet_err nb_send(unsigned i, uint16_t seq, capnet_instant now)
{
	const uint8_t d[1] = {0};
	return capnet_icmp4_echo_send(st.ifc, NB(i), 9, seq, d, 1, now);
}

static struct capnet_arp_entry_info nb_entry(capnet_ip4addr ip)
{
	struct capnet_arp_entry_info all[16];
	size_t n = capnet_arp_entries(st.ifc, all, 16);
	for (size_t k = 0; k < n && k < 16; k++)
		if (all[k].ip == ip)
			return all[k];
	return (struct capnet_arp_entry_info){0};
}

START_TEST(test_arp_incomplete_never_evicts_reachable)
{
	for (unsigned i = 0; i < 16; i++)
		nb_announces(i, CAPNET_MS(i));
	ck_assert_uint_eq(capnet_arp_entries(st.ifc, NULL, 0), 16);
	capture_nic_clear(&st.cn);
	/* A flood of sends to unknown on-link hosts (answers to spoofed
	 * sources): none gets an entry, none gets a frame out. */
	for (unsigned i = 16; i < 40; i++)
		ck_assert_int_eq(nb_send(i, 1, CAPNET_S(1)), CAPNET_E_NOMEM);
	ck_assert_uint_eq(st.cn.ntx, 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_cache_full), 24);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_incomplete_recycled), 0);
	for (unsigned i = 0; i < 16; i++) {
		struct capnet_arp_entry_info e = nb_entry(NB(i));
		ck_assert_uint_eq(e.ip, NB(i));
		ck_assert_int_eq(e.state, CAPNET_ARP_REACHABLE);
		ck_assert_mem_eq(e.mac.b, nb_mac(i).b, 6);
		ck_assert_int_eq(e.expires, CAPNET_MS(i) + CAPNET_S(60));
	}
	/* and every one of them is still reachable at once */
	ck_assert_int_eq(nb_send(3, 1, CAPNET_S(2)), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, 1);
	ck_assert_mem_eq(st.cn.tx[0].data, nb_mac(3).b, 6);
}
END_TEST

START_TEST(test_arp_full_of_incomplete_recycles_the_oldest)
{
	nb_announces(0, 0); /* one real neighbour */
	for (unsigned i = 1; i < 16; i++)
		ck_assert_int_eq(nb_send(i, 1, CAPNET_MS(i)), CAPNET_OK);
	ck_assert_uint_eq(capnet_arp_entries(st.ifc, NULL, 0), 16);
	/* the 17th unknown host recycles the oldest INCOMPLETE (1, since 1 ms),
	 * its waiting frame dropped; the REACHABLE neighbour stays */
	ck_assert_int_eq(nb_send(16, 1, CAPNET_MS(20)), CAPNET_OK);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_incomplete_recycled), 1);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_pending_dropped), 1);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_cache_full), 0);
	struct capnet_mac m;
	ck_assert_int_eq(capnet_arp_lookup(st.ifc, NB(1), &m), CAPNET_E_NOTFOUND);
	ck_assert_int_eq(capnet_arp_lookup(st.ifc, NB(16), &m), CAPNET_E_AGAIN);
	ck_assert_int_eq(capnet_arp_lookup(st.ifc, NB(0), &m), CAPNET_OK);
	struct capnet_arp_entry_info e = nb_entry(NB(16));
	ck_assert_int_eq(e.state, CAPNET_ARP_INCOMPLETE);
	ck_assert_uint_eq(e.requests, 1);
	ck_assert_uint_eq(e.pending, 1);
	ck_assert_int_eq(e.expires, CAPNET_MS(20) + CAPNET_S(1));
	/* the next one takes 2 (since 2 ms), and so on, oldest first */
	ck_assert_int_eq(nb_send(17, 1, CAPNET_MS(21)), CAPNET_OK);
	ck_assert_int_eq(capnet_arp_lookup(st.ifc, NB(2), &m), CAPNET_E_NOTFOUND);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_incomplete_recycled), 2);
	ck_assert_int_eq(nb_entry(NB(0)).state, CAPNET_ARP_REACHABLE);
}
END_TEST

START_TEST(test_arp_confirmed_newcomer_recycles_incomplete_before_reachable)
{
	for (unsigned i = 0; i < 8; i++)
		nb_announces(i, 0);
	for (unsigned i = 8; i < 16; i++)
		ck_assert_int_eq(nb_send(i, 1, CAPNET_MS(i)), CAPNET_OK);
	nb_announces(20, CAPNET_MS(30));
	ck_assert_int_eq(nb_entry(NB(20)).state, CAPNET_ARP_REACHABLE);
	struct capnet_mac m;
	ck_assert_int_eq(capnet_arp_lookup(st.ifc, NB(8), &m), CAPNET_E_NOTFOUND);
	for (unsigned i = 0; i < 8; i++)
		ck_assert_int_eq(nb_entry(NB(i)).state, CAPNET_ARP_REACHABLE);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_incomplete_recycled), 1);
}
END_TEST

START_TEST(test_arp_pending_frames_bounded_in_total)
{
	/* 4 resolving neighbours x 4 frames: every one of the 16 buffers */
	for (unsigned i = 0; i < 4; i++)
		for (uint16_t q = 1; q <= 4; q++)
			ck_assert_int_eq(nb_send(i, q, CAPNET_MS(i)), CAPNET_OK);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_pending_dropped), 0);
	/* a fifth still gets to hold a frame: the oldest resolution gives up
	 * its oldest */
	ck_assert_int_eq(nb_send(4, 1, CAPNET_MS(10)), CAPNET_OK);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_pending_dropped), 1);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_pool_exhausted), 0);
	ck_assert_uint_eq(nb_entry(NB(0)).pending, 3);
	ck_assert_uint_eq(nb_entry(NB(1)).pending, 4);
	ck_assert_uint_eq(nb_entry(NB(4)).pending, 1);
	unsigned total = 0;
	for (unsigned i = 0; i < 5; i++)
		total += nb_entry(NB(i)).pending;
	ck_assert_uint_eq(total, 16);
	/* 0 answers: its three remaining frames go, in order (2, 3, 4) */
	capture_nic_clear(&st.cn);
	nb_announces(0, CAPNET_MS(11));
	ck_assert_uint_eq(st.cn.ntx, 3);
	ck_assert_uint_eq(capnet_get16(st.cn.tx[0].data + 14 + 20 + 6), 2);
	ck_assert_uint_eq(capnet_get16(st.cn.tx[2].data + 14 + 20 + 6), 4);
}
END_TEST

START_TEST(test_off_link_destination_resolves_the_gateway)
{
	const uint8_t d[1] = {0};
	ck_assert_int_eq(capnet_icmp4_echo_send(st.ifc, CAPNET_IP4(198, 51, 100, 7), 1, 1, d, 1, 0), CAPNET_OK);
	uint8_t want[60];
	tf_arp(want, 1, mac_a, ip_a, (struct capnet_mac){{0}}, ip_gw, CAPNET_MAC_BROADCAST);
	assert_tx(0, want, 60);
	uint8_t rep[60];
	tf_arp(rep, 2, mac_gw, ip_gw, mac_a, ip_a, mac_a);
	capnet_iface_input(st.ifc, rep, 60, 1);
	ck_assert_uint_eq(st.cn.ntx, 2);
	ck_assert_mem_eq(st.cn.tx[1].data, mac_gw.b, 6);
	ck_assert_uint_eq(capnet_get32(st.cn.tx[1].data + 14 + 16), CAPNET_IP4(198, 51, 100, 7));
}
END_TEST

START_TEST(test_arp_conflict_is_defended_once_per_interval)
{
	uint8_t f[60];
	tf_arp(f, 1, mac_b, ip_a, (struct capnet_mac){{0}}, ip_a, CAPNET_MAC_BROADCAST);
	capnet_iface_input(st.ifc, f, 60, CAPNET_S(100));
	capnet_iface_input(st.ifc, f, 60, CAPNET_S(105));
	capnet_iface_input(st.ifc, f, 60, CAPNET_S(110));
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_conflicts), 3);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_gratuitous_sent), 2);
	uint8_t want[60];
	tf_arp(want, 1, mac_a, ip_a, (struct capnet_mac){{0}}, ip_a, CAPNET_MAC_BROADCAST);
	assert_tx(0, want, 60);
	assert_tx(1, want, 60);
}
END_TEST

/* ---- ICMP ---- */

START_TEST(test_echo_request_gets_exact_reply)
{
	uint8_t f[128], m[64], want[128];
	size_t n = tf_eth(f, mac_a, mac_b, 0x0800);
	size_t ml = echo(m, 8, 0x1234, 1, "abcdefgh");
	n += tf_ip(f + n, ip_b, ip_a, 1, 0x0101, 64, m, ml);
	make_b_reachable(0);
	capture_nic_clear(&st.cn);
	capnet_iface_input(st.ifc, f, n, 1);

	size_t w = tf_eth(want, mac_b, mac_a, 0x0800);
	ml = echo(m, 0, 0x1234, 1, "abcdefgh");
	/* Our IP ident starts from the seeded generator; read it back. */
	uint16_t ident = capnet_get16(st.cn.tx[0].data + 14 + 4);
	w += tf_ip(want + w, ip_a, ip_b, 1, ident, 64, m, ml);
	w = pad60(want, w);
	ck_assert_uint_eq(st.cn.ntx, 1);
	assert_tx(0, want, w);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_icmp_echo_requests), 1);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_icmp_echo_replies_sent), 1);
}
END_TEST

static struct capnet_echo_reply last_reply;
static uint8_t last_reply_data[64];
static int replies;
static void on_reply(void *ctx, const struct capnet_echo_reply *r, capnet_instant now)
{
	(void)ctx;
	(void)now;
	last_reply = *r;
	memcpy(last_reply_data, r->data, r->data_len < 64 ? r->data_len : 64);
	replies++;
}

START_TEST(test_echo_reply_reaches_the_hook)
{
	replies = 0;
	capnet_icmp4_on_echo_reply(st.ifc, on_reply, NULL);
	uint8_t f[128], m[64];
	size_t n = tf_eth(f, mac_a, mac_b, 0x0800);
	size_t ml = echo(m, 0, 0x4242, 9, "pong");
	n += tf_ip(f + n, ip_b, ip_a, 1, 1, 61, m, ml);
	capnet_iface_input(st.ifc, f, pad60(f, n), 0);
	ck_assert_int_eq(replies, 1);
	ck_assert_uint_eq(last_reply.from, ip_b);
	ck_assert_uint_eq(last_reply.ident, 0x4242);
	ck_assert_uint_eq(last_reply.seq, 9);
	ck_assert_uint_eq(last_reply.ttl, 61);
	ck_assert_uint_eq(last_reply.data_len, 4); /* padding is not data */
	ck_assert_mem_eq(last_reply_data, "pong", 4);
}
END_TEST

START_TEST(test_broadcast_echo_is_ignored)
{
	uint8_t f[128], m[64];
	size_t n = tf_eth(f, CAPNET_MAC_BROADCAST, mac_b, 0x0800);
	size_t ml = echo(m, 8, 1, 1, "x");
	n += tf_ip(f + n, ip_b, CAPNET_IP4(192, 0, 2, 255), 1, 1, 64, m, ml);
	capnet_iface_input(st.ifc, f, pad60(f, n), 0);
	ck_assert_uint_eq(st.cn.ntx, 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_icmp_bcast_echo_ignored), 1);
}
END_TEST

START_TEST(test_unknown_protocol_gets_rate_limited_protocol_unreachable)
{
	make_b_reachable(0);
	capture_nic_clear(&st.cn);
	uint8_t f[128];
	const uint8_t payload[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	size_t n = tf_eth(f, mac_a, mac_b, 0x0800);
	n += tf_ip(f + n, ip_b, ip_a, 253, 0x7777, 64, payload, sizeof payload);
	for (int i = 0; i < 10; i++)
		capnet_iface_input(st.ifc, f, n, 1);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_ip_noproto), 10);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_icmp_errors_sent), 8);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_icmp_errors_ratelimited), 2);
	/* The error quotes the header and the first 8 payload bytes. */
	const uint8_t *icmp = st.cn.tx[0].data + 14 + 20;
	ck_assert_uint_eq(icmp[0], 3);
	ck_assert_uint_eq(icmp[1], 2);
	ck_assert_uint_eq(st.cn.tx[0].len, 14 + 20 + 8 + 20 + 8);
	ck_assert_mem_eq(icmp + 8, f + 14, 28);
	ck_assert_uint_eq(capnet_csum(icmp, 8 + 28), 0);
	/* A token comes back every 125 ms. */
	capnet_iface_input(st.ifc, f, n, 1 + CAPNET_MS(125));
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_icmp_errors_sent), 9);
}
END_TEST

/* ---- malformed input: every drop under its own counter ---- */

START_TEST(test_malformed_frames_are_counted_by_reason)
{
	uint8_t good[128], f[128], m[16];
	size_t n = tf_eth(good, mac_a, mac_b, 0x0800);
	size_t ml = echo(m, 8, 1, 1, "");
	n += tf_ip(good + n, ip_b, ip_a, 1, 1, 64, m, ml);
	struct {
		enum capnet_stat counter;
		size_t len;
		int off, val;
	} c[] = {
		{CAPNET_STAT_eth_rx_truncated, 13, -1, 0},
		{CAPNET_STAT_ip_tooshort, 14 + 19, -1, 0},
		{CAPNET_STAT_ip_badversion, 0, 14, 0x65},
		{CAPNET_STAT_ip_badhlen, 0, 14, 0x44},
		{CAPNET_STAT_ip_badhlen, 0, 14, 0x4f},
		{CAPNET_STAT_ip_badlen, 0, 14 + 3, 200},
		{CAPNET_STAT_ip_badsum, 0, 14 + 10, 0x00},
		{CAPNET_STAT_icmp_tooshort, 14 + 20 + 7, -2, 0},
		{CAPNET_STAT_eth_rx_not_for_us, 0, 0, 0x04},
		{CAPNET_STAT_eth_rx_unknown_type, 0, 13, 0x01},
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		memcpy(f, good, n);
		size_t len = c[i].len ? c[i].len : n;
		if (c[i].off >= 0)
			f[c[i].off] = (uint8_t)c[i].val;
		if (c[i].off == -2) {
			/* a consistent IPv4 header carrying a 7-byte ICMP message */
			tf_ip(f + 14, ip_b, ip_a, 1, 1, 64, m, 7);
		}
		uint64_t before = test_stat(&st, c[i].counter);
		capnet_iface_input(st.ifc, f, len, 0);
		ck_assert_msg(test_stat(&st, c[i].counter) == before + 1, "case %zu: %s did not move", i,
			      capnet_stat_name(c[i].counter));
	}
	ck_assert_uint_eq(st.cn.ntx, 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_icmp_echo_requests), 0);
}
END_TEST

START_TEST(test_fragment_is_never_delivered_as_a_datagram)
{
	uint8_t f[128], m[16];
	size_t n = tf_eth(f, mac_a, mac_b, 0x0800);
	size_t ml = echo(m, 8, 1, 1, "");
	size_t ipl = tf_ip(f + n, ip_b, ip_a, 1, 1, 64, m, ml);
	capnet_put16(f + n + 6, 0x2000); /* MF, offset 0 */
	capnet_put16(f + n + 10, 0);
	capnet_put16(f + n + 10, capnet_csum(f + n, 20));
	capnet_iface_input(st.ifc, f, n + ipl, 0);
	capnet_put16(f + n + 6, 0x0001); /* offset 8 */
	capnet_put16(f + n + 10, 0);
	capnet_put16(f + n + 10, capnet_csum(f + n, 20));
	capnet_iface_input(st.ifc, f, n + ipl, 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_ip_fragments), 2);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_icmp_echo_requests), 0);
	ck_assert_uint_eq(st.cn.ntx, 0);
}
END_TEST

START_TEST(test_martian_source_and_foreign_destination_dropped)
{
	uint8_t f[128], m[16];
	size_t n = tf_eth(f, mac_a, mac_b, 0x0800);
	size_t ml = echo(m, 8, 1, 1, "");
	tf_ip(f + n, CAPNET_IP4(127, 0, 0, 1), ip_a, 1, 1, 64, m, ml);
	capnet_iface_input(st.ifc, f, 60, 0);
	tf_ip(f + n, ip_b, CAPNET_IP4(192, 0, 2, 77), 1, 1, 64, m, ml);
	capnet_iface_input(st.ifc, f, 60, 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_ip_badsrc), 1);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_ip_not_for_us), 1);
	ck_assert_uint_eq(st.cn.ntx, 0);
}
END_TEST

/* ---- routes and configuration ---- */

START_TEST(test_longest_prefix_wins)
{
	struct capnet_ip4_route r = {CAPNET_IP4(198, 51, 100, 0), 24, CAPNET_IP4(192, 0, 2, 2), CAPNET_PROV_DHCP};
	ck_assert_int_eq(capnet_iface_route_add(st.ifc, &r), CAPNET_OK);
	capnet_ip4addr nh;
	ck_assert_int_eq(capnet_iface_route_lookup(st.ifc, CAPNET_IP4(198, 51, 100, 9), &nh), CAPNET_OK);
	ck_assert_uint_eq(nh, CAPNET_IP4(192, 0, 2, 2));
	ck_assert_int_eq(capnet_iface_route_lookup(st.ifc, CAPNET_IP4(203, 0, 113, 9), &nh), CAPNET_OK);
	ck_assert_uint_eq(nh, ip_gw);
	ck_assert_int_eq(capnet_iface_route_lookup(st.ifc, ip_b, &nh), CAPNET_OK);
	ck_assert_uint_eq(nh, ip_b);
	capnet_iface_route_flush(st.ifc, CAPNET_PROV_DHCP);
	ck_assert_uint_eq(capnet_iface_routes(st.ifc, NULL, 0), 2);
}
END_TEST

START_TEST(test_unconfigure_fails_closed)
{
	struct capnet_ip4_config zero = {0};
	ck_assert_int_eq(capnet_iface_set_ip4(st.ifc, &zero, 0), CAPNET_OK);
	struct capnet_ip4_config got;
	capnet_iface_get_ip4(st.ifc, &got);
	ck_assert_uint_eq(got.addr, 0);
	ck_assert_uint_eq(capnet_iface_routes(st.ifc, NULL, 0), 0);
	const uint8_t d[1] = {0};
	ck_assert_int_eq(capnet_icmp4_echo_send(st.ifc, ip_b, 1, 1, d, 1, 0), CAPNET_E_NOTCONFIGURED);
	ck_assert_uint_eq(st.cn.ntx, 0);
	/* And an echo request to our old address is no longer for us. */
	uint8_t f[128], m[16];
	size_t n = tf_eth(f, CAPNET_MAC_BROADCAST, mac_b, 0x0800);
	size_t ml = echo(m, 8, 1, 1, "");
	tf_ip(f + n, ip_b, ip_a, 1, 1, 64, m, ml);
	capnet_iface_input(st.ifc, f, 60, 0);
	ck_assert_uint_eq(st.cn.ntx, 0);
}
END_TEST

START_TEST(test_arena_too_small_is_an_error_not_a_crash)
{
	struct capnet_iface_config cfg = {0};
	size_t need = capnet_iface_arena_need(&cfg, 1500);
	static uint8_t mem[256 * 1024];
	ck_assert_uint_lt(need, sizeof mem);
	struct capture_nic cn;
	capture_nic_init(&cn, mac_a, 1500);
	struct capnet_xoshiro x;
	capnet_xoshiro_seed(&x, 3);
	struct capnet_arena a;
	struct capnet_iface *ifc;
	capnet_arena_init(&a, mem, need);
	ck_assert_int_eq(capnet_iface_create(&a, &cfg, &cn.nic, capnet_xoshiro_rng(&x), &ifc), CAPNET_OK);
	size_t used = a.used; /* the bound holds: need is an upper bound */
	ck_assert_uint_le(used, need);
	for (size_t sz = 0; sz < used; sz += 61) {
		capnet_arena_init(&a, mem, sz);
		ck_assert_int_eq(capnet_iface_create(&a, &cfg, &cn.nic, capnet_xoshiro_rng(&x), &ifc), CAPNET_E_NOMEM);
		ck_assert_ptr_null(ifc);
	}
}
END_TEST

START_TEST(test_poll_drains_the_nic)
{
	uint8_t req[60];
	tf_arp(req, 1, mac_b, ip_b, (struct capnet_mac){{0}}, ip_a, CAPNET_MAC_BROADCAST);
	for (int i = 0; i < 3; i++)
		capture_nic_queue_rx(&st.cn, req, 60);
	capnet_iface_poll(st.ifc, 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_requests_rcvd), 3);
	ck_assert_uint_eq(st.cn.ntx, 3);
	/* An empty nic is a normal result, not an error. */
	capnet_iface_poll(st.ifc, 1);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_nic_rx_errors), 0);
}
END_TEST

START_TEST(test_poll_asks_again_when_the_rx_budget_runs_out)
{
	struct capnet_iface_config cfg = {.rx_budget = 4};
	test_stack_init(&st, mac_a, &cfg);
	uint8_t f[60];
	tf_arp(f, 1, mac_b, ip_b, (struct capnet_mac){{0}}, CAPNET_IP4(192, 0, 2, 99), CAPNET_MAC_BROADCAST);
	for (int i = 0; i < 6; i++)
		capture_nic_queue_rx(&st.cn, f, 60);
	ck_assert_int_eq(capnet_iface_poll(st.ifc, 100), 100); /* 4 of 6 taken: come back now */
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_eth_rx_frames), 4);
	ck_assert_int_eq(capnet_iface_poll(st.ifc, 100), CAPNET_INSTANT_NEVER);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_eth_rx_frames), 6);
}
END_TEST

/* ---- tap hook ---- */

/* What one tap saw: every call in order, with its bytes. */
struct tap_log {
	struct {
		char who;
		enum capnet_iface_dir dir;
		capnet_instant now;
		size_t len;
		uint8_t data[64];
	} ev[16];
	size_t n;
	capnet_instant ticks[4];
	size_t nticks;
};

static struct tap_log tlog;

static void log_frame(char who, const uint8_t *frame, size_t len, enum capnet_iface_dir dir, capnet_instant now)
{
	ck_assert_uint_lt(tlog.n, 16);
	tlog.ev[tlog.n].who = who;
	tlog.ev[tlog.n].dir = dir;
	tlog.ev[tlog.n].now = now;
	tlog.ev[tlog.n].len = len;
	memcpy(tlog.ev[tlog.n].data, frame, len < 64 ? len : 64);
	tlog.n++;
}

static void tap_a(void *ctx, const uint8_t *frame, size_t len, enum capnet_iface_dir dir, capnet_instant now)
{
	ck_assert_ptr_eq(ctx, &tlog);
	log_frame('a', frame, len, dir, now);
}

static void tap_b(void *ctx, const uint8_t *frame, size_t len, enum capnet_iface_dir dir, capnet_instant now)
{
	(void)ctx;
	log_frame('b', frame, len, dir, now);
}

static void tick_a(void *ctx, capnet_instant now)
{
	(void)ctx;
	tlog.ticks[tlog.nticks++] = now;
}

START_TEST(test_taps_see_every_frame_in_attach_order_with_exact_bytes)
{
	memset(&tlog, 0, sizeof tlog);
	struct capnet_iface_tap a = {.frame = tap_a, .tick = tick_a, .ctx = &tlog}, b = {.frame = tap_b};
	ck_assert_int_eq(capnet_iface_tap_attach(st.ifc, &a), CAPNET_OK);
	ck_assert_int_eq(capnet_iface_tap_attach(st.ifc, &b), CAPNET_OK);
	ck_assert_ptr_eq(capnet_iface_tap_find(st.ifc, tap_b), &b);
	uint8_t req[60], want[60];
	tf_arp(req, 1, mac_b, ip_b, (struct capnet_mac){{0}}, ip_a, CAPNET_MAC_BROADCAST);
	capture_nic_queue_rx(&st.cn, req, 60);
	capnet_iface_poll(st.ifc, 7);
	/* The request in (a then b), the reply out (a then b), at the poll's now. */
	tf_arp(want, 2, mac_a, ip_a, mac_b, ip_b, mac_b);
	ck_assert_uint_eq(tlog.n, 4);
	const char who[4] = {'a', 'b', 'a', 'b'};
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(tlog.ev[i].who, who[i]);
		ck_assert_int_eq(tlog.ev[i].dir, i < 2 ? CAPNET_IFACE_RX : CAPNET_IFACE_TX);
		ck_assert_int_eq(tlog.ev[i].now, 7);
		ck_assert_uint_eq(tlog.ev[i].len, 60);
		ck_assert_mem_eq(tlog.ev[i].data, i < 2 ? req : want, 60);
	}
	ck_assert_uint_eq(tlog.nticks, 1);
	ck_assert_int_eq(tlog.ticks[0], 7);
	/* A short frame is seen as sent: padded to the Ethernet minimum. */
	ck_assert_int_eq(capnet_arp_send_probe(st.ifc, ip_b, 9), CAPNET_OK);
	ck_assert_uint_eq(tlog.n, 6);
	ck_assert_uint_eq(tlog.ev[4].len, 60);
	ck_assert_mem_eq(tlog.ev[4].data, st.cn.tx[1].data, 60);
	ck_assert_int_eq(tlog.ev[4].now, 9);
	/* Detached, a tap sees nothing more; the other still does. */
	capnet_iface_tap_detach(st.ifc, &a);
	ck_assert_ptr_null(a.iface);
	ck_assert_ptr_null(capnet_iface_tap_find(st.ifc, tap_a));
	capnet_iface_input(st.ifc, req, 60, 10);
	ck_assert_uint_eq(tlog.n, 8);
	ck_assert_int_eq(tlog.ev[6].who, 'b');
	ck_assert_int_eq(tlog.ev[7].who, 'b');
	capnet_iface_poll(st.ifc, 11);
	ck_assert_uint_eq(tlog.nticks, 1);
	capnet_iface_tap_detach(st.ifc, &b);
	capnet_iface_input(st.ifc, req, 60, 12);
	ck_assert_uint_eq(tlog.n, 8);
}
END_TEST

START_TEST(test_tap_list_is_bounded_and_a_tap_attaches_once)
{
	struct capnet_iface_tap t[CAPNET_IFACE_TAPS_MAX + 1];
	memset(t, 0, sizeof t);
	struct capnet_iface_tap none = {0};
	ck_assert_int_eq(capnet_iface_tap_attach(st.ifc, &none), CAPNET_E_INVAL); /* no callback */
	ck_assert_int_eq(capnet_iface_tap_attach(st.ifc, NULL), CAPNET_E_INVAL);
	for (size_t i = 0; i <= CAPNET_IFACE_TAPS_MAX; i++)
		t[i].frame = tap_b;
	for (size_t i = 0; i < CAPNET_IFACE_TAPS_MAX; i++)
		ck_assert_int_eq(capnet_iface_tap_attach(st.ifc, &t[i]), CAPNET_OK);
	ck_assert_int_eq(capnet_iface_tap_attach(st.ifc, &t[CAPNET_IFACE_TAPS_MAX]), CAPNET_E_NOMEM);
	ck_assert_int_eq(capnet_iface_tap_attach(st.ifc, &t[0]), CAPNET_E_INUSE);
	/* Attached to another interface: still in use. */
	struct test_stack *other = malloc(sizeof *other);
	ck_assert_ptr_nonnull(other);
	test_stack_init(other, mac_b, NULL);
	ck_assert_int_eq(capnet_iface_tap_attach(other->ifc, &t[0]), CAPNET_E_INUSE);
	capnet_iface_tap_detach(other->ifc, &t[0]); /* not its tap: nothing happens */
	ck_assert_ptr_eq(t[0].iface, st.ifc);
	capnet_iface_tap_detach(st.ifc, &t[1]);
	ck_assert_int_eq(capnet_iface_tap_attach(st.ifc, &t[CAPNET_IFACE_TAPS_MAX]), CAPNET_OK);
	free(other);
}
END_TEST

struct tick {
	int calls;
	capnet_instant seen;
	capnet_instant deadline;
};

static capnet_instant tick_poll(void *ctx, struct capnet_iface *ifc, capnet_instant now)
{
	struct tick *t = ctx;
	ck_assert_ptr_eq(ifc, st.ifc);
	t->calls++;
	t->seen = now;
	return t->deadline;
}

/* A poll-only user registers a timer, not a fake protocol: timers run on
 * every poll in the order added, and the earliest deadline is the
 * interface's. */
START_TEST(test_timer_hook_runs_on_poll_and_sets_the_deadline)
{
	struct tick a = {.deadline = 5000}, b = {.deadline = 3000};
	struct capnet_iface_timer ta = {.poll = tick_poll, .ctx = &a}, tb = {.poll = tick_poll, .ctx = &b};
	capnet_iface_add_timer(st.ifc, &ta);
	capnet_iface_add_timer(st.ifc, &tb);
	ck_assert_int_eq(capnet_iface_poll(st.ifc, 100), 3000);
	ck_assert_int_eq(a.calls, 1);
	ck_assert_int_eq(b.calls, 1);
	ck_assert_int_eq(a.seen, 100);
	b.deadline = CAPNET_INSTANT_NEVER;
	ck_assert_int_eq(capnet_iface_poll(st.ifc, 200), 5000);
	ck_assert_int_eq(a.calls, 2);
	ck_assert_int_eq(b.seen, 200);
}
END_TEST

/* ---- address conflict detection (RFC 5227), as static configuration uses it ---- */

struct acd_seen {
	int n;
	enum capnet_acd_result r[4];
	capnet_instant at[4];
};

static void on_acd(void *ctx, struct capnet_acd *acd, enum capnet_acd_result r, capnet_instant now)
{
	(void)acd;
	struct acd_seen *s = ctx;
	ck_assert_int_lt(s->n, 4);
	s->r[s->n] = r;
	s->at[s->n++] = now;
}

/* Polls the interface at every deadline it names until `until`. */
static void run_until(capnet_instant from, capnet_instant until)
{
	capnet_instant t = from;
	while (t <= until) {
		capnet_instant next = capnet_iface_poll(st.ifc, t);
		if (next == CAPNET_INSTANT_NEVER)
			break;
		t = next > t ? next : t + 1;
	}
}

START_TEST(test_acd_probes_then_announces_a_static_address)
{
	test_stack_init(&st, mac_a, NULL);
	struct capnet_acd acd;
	struct acd_seen seen = {0};
	ck_assert_int_eq(capnet_acd_init(&acd, st.ifc, NULL, on_acd, &seen), CAPNET_OK);
	capnet_iface_add_timer(st.ifc, capnet_acd_timer(&acd));
	ck_assert_int_eq(capnet_acd_probe(&acd, ip_a, 0), CAPNET_OK);
	ck_assert_str_eq(capnet_acd_state_name(capnet_acd_state(&acd)), "PROBING");
	ck_assert_int_le(capnet_acd_deadline(&acd), CAPNET_S(1)); /* PROBE_WAIT */
	run_until(0, CAPNET_S(10));
	/* PROBE_NUM probes: ARP requests from 0.0.0.0 for the address. */
	uint8_t probe[60];
	tf_arp(probe, 1, mac_a, 0, (struct capnet_mac){{0}}, ip_a, CAPNET_MAC_BROADCAST);
	ck_assert_uint_eq(st.cn.ntx, 3);
	for (int i = 0; i < 3; i++)
		assert_tx((size_t)i, probe, 60);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_arp_requests_sent), 3);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_int_eq(seen.r[0], CAPNET_ACD_NO_CONFLICT);
	/* 3 probes at most 1 + 2 + 2 s apart, then ANNOUNCE_WAIT 2 s. */
	ck_assert_int_ge(seen.at[0], CAPNET_S(4));
	ck_assert_int_le(seen.at[0], CAPNET_S(7));
	/* Installed: the interface announces once, the ACD once more 2 s on. */
	capnet_instant t = seen.at[0];
	struct capnet_ip4_config c = {ip_a, 24, 0, CAPNET_PROV_STATIC};
	ck_assert_int_eq(capnet_iface_set_ip4(st.ifc, &c, t), CAPNET_OK);
	ck_assert_int_eq(capnet_acd_announce(&acd, t), CAPNET_OK);
	ck_assert_int_eq(capnet_acd_deadline(&acd), t + CAPNET_S(2));
	run_until(t, t + CAPNET_S(10));
	uint8_t ann[60];
	tf_arp(ann, 1, mac_a, ip_a, (struct capnet_mac){{0}}, ip_a, CAPNET_MAC_BROADCAST);
	ck_assert_uint_eq(st.cn.ntx, 5);
	assert_tx(3, ann, 60);
	assert_tx(4, ann, 60);
	ck_assert_str_eq(capnet_acd_state_name(capnet_acd_state(&acd)), "DEFENDING");
	/* Another host claims it: the interface defends, the owner is told. */
	uint8_t claim[60];
	tf_arp(claim, 2, mac_b, ip_a, mac_a, ip_a, mac_a);
	capnet_iface_input(st.ifc, claim, 60, t + CAPNET_S(20));
	ck_assert_uint_eq(st.cn.ntx, 6);
	assert_tx(5, ann, 60);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_int_eq(seen.r[1], CAPNET_ACD_DEFENDED);
}
END_TEST

START_TEST(test_acd_conflict_while_probing_stops_the_probes)
{
	test_stack_init(&st, mac_a, NULL);
	struct capnet_acd acd;
	struct acd_seen seen = {0};
	ck_assert_int_eq(capnet_acd_init(&acd, st.ifc, NULL, on_acd, &seen), CAPNET_OK);
	capnet_iface_add_timer(st.ifc, capnet_acd_timer(&acd));
	ck_assert_int_eq(capnet_acd_probe(&acd, ip_b, 0), CAPNET_OK);
	run_until(0, CAPNET_S(1)); /* the first probe */
	ck_assert_uint_eq(st.cn.ntx, 1);
	/* Another host's probe for the same address is a conflict (2.1.1). */
	uint8_t other[60];
	tf_arp(other, 1, mac_b, 0, (struct capnet_mac){{0}}, ip_b, CAPNET_MAC_BROADCAST);
	capnet_iface_input(st.ifc, other, 60, CAPNET_S(1) + 5);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_int_eq(seen.r[0], CAPNET_ACD_CONFLICT);
	ck_assert_str_eq(capnet_acd_state_name(capnet_acd_state(&acd)), "IDLE");
	run_until(CAPNET_S(1) + 5, CAPNET_S(20));
	ck_assert_uint_eq(st.cn.ntx, 1);
	ck_assert_int_eq(capnet_iface_poll(st.ifc, CAPNET_S(20)), CAPNET_INSTANT_NEVER);
}
END_TEST

/* ---- the neighbour cache interface ---- */

START_TEST(test_neighbour_interface_is_arp_for_ipv4_and_absent_for_ipv6)
{
	const struct capnet_neigh_ops *n = capnet_iface_neigh(st.ifc, CAPNET_AF_INET);
	ck_assert_ptr_eq(n, &capnet_arp_neigh_ops);
	ck_assert_str_eq(n->name, "arp");
	ck_assert_ptr_null(capnet_iface_neigh(st.ifc, CAPNET_AF_INET6));
	struct capnet_ipaddr b = capnet_ipaddr_from_ip4(ip_b), gw = capnet_ipaddr_from_ip4(ip_gw);
	struct capnet_mac m;
	ck_assert_int_eq(capnet_neigh_lookup(st.ifc, &b, &m), CAPNET_E_NOTFOUND);
	ck_assert_int_eq(capnet_neigh_add_static(st.ifc, &b, mac_b), CAPNET_OK);
	ck_assert_int_eq(capnet_neigh_lookup(st.ifc, &b, &m), CAPNET_OK);
	ck_assert(capnet_mac_eq(m, mac_b));
	/* Resolving through the interface sends the same ARP request. */
	ck_assert_int_eq(capnet_neigh_resolve(st.ifc, &gw, 0), CAPNET_E_AGAIN);
	uint8_t want[60];
	tf_arp(want, 1, mac_a, ip_a, (struct capnet_mac){{0}}, ip_gw, CAPNET_MAC_BROADCAST);
	ck_assert_uint_eq(st.cn.ntx, 1);
	assert_tx(0, want, 60);
	struct capnet_neigh_entry e[4];
	ck_assert_uint_eq(capnet_neigh_entries(st.ifc, CAPNET_AF_INET, e, 4), 2);
	ck_assert(capnet_ipaddr_eq(&e[0].addr, &b));
	ck_assert_str_eq(n->state_name(e[0].state), "STATIC");
	ck_assert(capnet_ipaddr_eq(&e[1].addr, &gw));
	ck_assert_str_eq(n->state_name(e[1].state), "INCOMPLETE");
	ck_assert_uint_eq(e[1].requests, 1);
	struct capnet_ipaddr v6 = {.af = CAPNET_AF_INET6};
	ck_assert_int_eq(capnet_neigh_lookup(st.ifc, &v6, &m), CAPNET_E_UNSUPPORTED);
	ck_assert_uint_eq(capnet_neigh_entries(st.ifc, CAPNET_AF_INET6, e, 4), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("iface");
	TCase *tc = check_add_case(s, "iface", setup_configured, NULL, 0);
	tcase_add_test(tc, test_arp_request_for_us_gets_exact_reply);
	tcase_add_test(tc, test_arp_request_for_other_address_is_not_answered_nor_learned);
	tcase_add_test(tc, test_gratuitous_arp_on_configure);
	tcase_add_test(tc, test_arp_resolution_backs_off_then_fails);
	tcase_add_test(tc, test_arp_reply_flushes_pending_in_order_with_resolved_mac);
	tcase_add_test(tc, test_arp_pending_queue_keeps_the_newest);
	tcase_add_test(tc, test_off_link_destination_resolves_the_gateway);
	tcase_add_test(tc, test_arp_conflict_is_defended_once_per_interval);
	tcase_add_test(tc, test_echo_request_gets_exact_reply);
	tcase_add_test(tc, test_echo_reply_reaches_the_hook);
	tcase_add_test(tc, test_broadcast_echo_is_ignored);
	tcase_add_test(tc, test_unknown_protocol_gets_rate_limited_protocol_unreachable);
	tcase_add_test(tc, test_malformed_frames_are_counted_by_reason);
	tcase_add_test(tc, test_fragment_is_never_delivered_as_a_datagram);
	tcase_add_test(tc, test_martian_source_and_foreign_destination_dropped);
	tcase_add_test(tc, test_longest_prefix_wins);
	tcase_add_test(tc, test_unconfigure_fails_closed);
	tcase_add_test(tc, test_arena_too_small_is_an_error_not_a_crash);
	tcase_add_test(tc, test_timer_hook_runs_on_poll_and_sets_the_deadline);
	tcase_add_test(tc, test_acd_probes_then_announces_a_static_address);
	tcase_add_test(tc, test_acd_conflict_while_probing_stops_the_probes);
	tcase_add_test(tc, test_neighbour_interface_is_arp_for_ipv4_and_absent_for_ipv6);
	tcase_add_test(tc, test_arp_incomplete_never_evicts_reachable);
	tcase_add_test(tc, test_arp_full_of_incomplete_recycles_the_oldest);
	tcase_add_test(tc, test_arp_confirmed_newcomer_recycles_incomplete_before_reachable);
	tcase_add_test(tc, test_arp_pending_frames_bounded_in_total);
	tcase_add_test(tc, test_poll_drains_the_nic);
	tcase_add_test(tc, test_poll_asks_again_when_the_rx_budget_runs_out);
	tcase_add_test(tc, test_taps_see_every_frame_in_attach_order_with_exact_bytes);
	tcase_add_test(tc, test_tap_list_is_bounded_and_a_tap_attaches_once);
	return s;
}
