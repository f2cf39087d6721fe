/* UDP sockets: each test owns a stack on a capture nic, injects exact
 * frames, and asserts the exact frames sent back, what the socket returns
 * and the exact counters that moved. Teardown proves no datagram buffer
 * leaked. */
#include <string.h>

#include "capnet/udp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "check_main.h"
#include "support/capture_nic.h"
#include "support/udp_frames.h"

static const struct capnet_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
static const capnet_ip4addr ip_a = CAPNET_IP4(192, 0, 2, 10), ip_b = CAPNET_IP4(192, 0, 2, 11),
			    ip_c = CAPNET_IP4(192, 0, 2, 12), bcast_net = CAPNET_IP4(192, 0, 2, 255);

static struct test_stack st;
static struct capnet_udp_layer *udp;
static struct capnet_udp_config ucfg;

static void make_udp(void)
{
	ck_assert_int_eq(capnet_udp_create(&st.arena, &ucfg, st.ifc, &udp), CAPNET_OK);
}

static void setup(void)
{
	test_stack_init(&st, mac_a, NULL);
	ck_assert_ptr_nonnull(st.ifc);
	struct capnet_ip4_config c = {ip_a, 24, 0, CAPNET_PROV_STATIC};
	ck_assert_int_eq(capnet_iface_set_ip4(st.ifc, &c, 0), CAPNET_OK);
	/* B is known, so sends go out at once. */
	uint8_t f[60];
	tf_arp(f, 2, mac_b, ip_b, mac_a, ip_a, mac_a);
	capnet_iface_input(st.ifc, f, 60, 0);
	ucfg = (struct capnet_udp_config){.max_sockets = 4, .rx_queue_depth = 4, .dgram_buffers = 8, .dgram_size = 512};
	make_udp();
	capture_nic_clear(&st.cn);
	memset((void *)capnet_iface_stats(st.ifc), 0, sizeof(struct capnet_stats));
}

static struct capnet_udp_socket *socks_to_close[8];
static size_t nclose;

static struct capnet_udp_socket *open_bound(capnet_ip4addr addr, uint16_t port)
{
	struct capnet_udp_socket *s;
	ck_assert_int_eq(capnet_udp_open(udp, &s), CAPNET_OK);
	if (port)
		ck_assert_int_eq(capnet_udp_bind(s, addr, port), CAPNET_OK);
	socks_to_close[nclose++] = s;
	return s;
}

static void teardown(void)
{
	for (size_t i = 0; i < nclose; i++)
		capnet_udp_close(socks_to_close[i]);
	nclose = 0;
	/* Every pool entry came back: nothing leaked on any path. */
	ck_assert_uint_eq(capnet_udp_buffers_in_use(udp), 0);
	ck_assert_uint_eq(capnet_udp_sockets_open(udp), 0);
}

static void inject_udp(capnet_ip4addr src, uint16_t sport, capnet_ip4addr dst, uint16_t dport, const char *data,
		       struct capnet_mac eth_dst)
{
	uint8_t f[1600];
	size_t n = tf_udp_frame(f, eth_dst, mac_b, src, dst, 0x1234, sport, dport, (const uint8_t *)data, strlen(data));
	capnet_iface_input(st.ifc, f, n, CAPNET_S(1));
}

static void assert_tx(size_t i, const uint8_t *want, size_t len)
{
	ck_assert_uint_gt(st.cn.ntx, i);
	ck_assert_uint_eq(st.cn.tx[i].len, len);
	ck_assert_mem_eq(st.cn.tx[i].data, want, len);
}

/* ---- sending ---- */

START_TEST(test_send_to_exact_frame)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	ck_assert_int_eq(capnet_udp_send_to(s, ip_b, 7, "hello", 5, 0), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, 1);
	uint16_t ident = capnet_get16(st.cn.tx[0].data + 14 + 4);
	uint8_t want[60];
	size_t n = tf_udp_frame(want, mac_b, mac_a, ip_a, ip_b, ident, 5000, 7, (const uint8_t *)"hello", 5);
	assert_tx(0, want, n);
	ck_assert_int_eq(test_stats_only(&st, CAPNET_STAT_udp_tx_datagrams, 1ull, CAPNET_STAT_ip_tx_packets, 1ull,
					 CAPNET_STAT_eth_tx_frames, 1ull, -1),
			 0);
}
END_TEST

START_TEST(test_send_unbound_takes_ephemeral_port_in_range)
{
	struct capnet_udp_socket *s = open_bound(0, 0);
	ck_assert_int_eq(capnet_udp_send_to(s, ip_b, 7, "x", 1, 0), CAPNET_OK);
	uint16_t p = capnet_udp_local_port(s);
	ck_assert_uint_ge(p, CAPNET_UDP_EPHEMERAL_MIN);
	ck_assert_uint_eq(capnet_get16(st.cn.tx[0].data + 34), p);
}
END_TEST

START_TEST(test_ephemeral_ports_distinct_and_collision_checked)
{
	/* The first draw from a fresh stack seeded alike is the same port:
	 * take it explicitly first, and the ephemeral bind must step past it. */
	struct capnet_udp_socket *s = open_bound(0, 0);
	ck_assert_int_eq(capnet_udp_bind(s, 0, 0), CAPNET_OK);
	uint16_t first = capnet_udp_local_port(s);
	capnet_udp_close(s);
	nclose = 0;
	setup();
	struct capnet_udp_socket *x = open_bound(0, first);
	struct capnet_udp_socket *y = open_bound(0, 0);
	ck_assert_int_eq(capnet_udp_bind(y, 0, 0), CAPNET_OK);
	uint16_t want = first == CAPNET_UDP_EPHEMERAL_MAX ? CAPNET_UDP_EPHEMERAL_MIN : (uint16_t)(first + 1);
	ck_assert_uint_eq(capnet_udp_local_port(y), want);
	ck_assert_uint_eq(capnet_udp_local_port(x), first);
	struct capnet_udp_socket *z = open_bound(0, 0);
	ck_assert_int_eq(capnet_udp_bind(z, 0, 0), CAPNET_OK);
	ck_assert_uint_ge(capnet_udp_local_port(z), CAPNET_UDP_EPHEMERAL_MIN);
	ck_assert_uint_ne(capnet_udp_local_port(z), first);
	ck_assert_uint_ne(capnet_udp_local_port(z), capnet_udp_local_port(y));
}
END_TEST

START_TEST(test_bind_conflicts)
{
	struct capnet_udp_socket *s = open_bound(ip_a, 53);
	struct capnet_udp_socket *t = open_bound(0, 0);
	ck_assert_int_eq(capnet_udp_bind(t, 0, 53), CAPNET_E_INUSE);    /* any overlaps ip_a */
	ck_assert_int_eq(capnet_udp_bind(t, ip_a, 53), CAPNET_E_INUSE); /* same address */
	ck_assert_int_eq(capnet_udp_bind(t, CAPNET_IP4(192, 0, 2, 99), 53), CAPNET_OK);
	ck_assert_int_eq(capnet_udp_bind(t, 0, 54), CAPNET_E_STATE); /* already bound */
	(void)s;
}
END_TEST

START_TEST(test_socket_exhaustion_is_an_error)
{
	for (int i = 0; i < 4; i++)
		open_bound(0, 0);
	struct capnet_udp_socket *s;
	ck_assert_int_eq(capnet_udp_open(udp, &s), CAPNET_E_NOMEM);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_broadcast_send_needs_option)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	ck_assert_int_eq(capnet_udp_send_to(s, CAPNET_IP4_BROADCAST, 9, "b", 1, 0), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_udp_send_to(s, bcast_net, 9, "b", 1, 0), CAPNET_E_RIGHTS);
	ck_assert_uint_eq(st.cn.ntx, 0);
	capnet_udp_set_option(s, CAPNET_UDP_OPT_BROADCAST, true);
	ck_assert_int_eq(capnet_udp_send_to(s, CAPNET_IP4_BROADCAST, 9, "b", 1, 0), CAPNET_OK);
	uint16_t ident = capnet_get16(st.cn.tx[0].data + 14 + 4);
	uint8_t want[60];
	size_t n = tf_udp_frame(want, CAPNET_MAC_BROADCAST, mac_a, ip_a, CAPNET_IP4_BROADCAST, ident, 5000, 9,
				(const uint8_t *)"b", 1);
	assert_tx(0, want, n);
}
END_TEST

START_TEST(test_unconfigured_send_only_with_option)
{
	test_stack_init(&st, mac_a, NULL);
	make_udp();
	struct capnet_udp_socket *s = open_bound(0, 68);
	capnet_udp_set_option(s, CAPNET_UDP_OPT_BROADCAST, true);
	ck_assert_int_eq(capnet_udp_send_to(s, CAPNET_IP4_BROADCAST, 67, "d", 1, 0), CAPNET_E_NOTCONFIGURED);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_tx_errors), 1);
	capnet_udp_set_option(s, CAPNET_UDP_OPT_UNCONFIGURED, true);
	ck_assert_int_eq(capnet_udp_send_to(s, CAPNET_IP4_BROADCAST, 67, "d", 1, 0), CAPNET_OK);
	uint16_t ident = capnet_get16(st.cn.tx[0].data + 14 + 4);
	uint8_t want[60];
	size_t n = tf_udp_frame(want, CAPNET_MAC_BROADCAST, mac_a, 0, CAPNET_IP4_BROADCAST, ident, 68, 67,
				(const uint8_t *)"d", 1);
	assert_tx(0, want, n);
}
END_TEST

START_TEST(test_send_too_big_is_msgsize)
{
	static uint8_t big[1500];
	struct capnet_udp_socket *s = open_bound(0, 5000);
	ck_assert_int_eq(capnet_udp_send_to(s, ip_b, 7, big, 1500 - 28 + 1, 0), CAPNET_E_MSGSIZE);
	ck_assert_int_eq(capnet_udp_send_to(s, ip_b, 7, big, 1500 - 28, 0), CAPNET_OK);
	ck_assert_uint_eq(st.cn.tx[0].len, 1514);
}
END_TEST

START_TEST(test_send_without_peer)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	ck_assert_int_eq(capnet_udp_send_to(s, 0, 0, "x", 1, 0), CAPNET_E_NOTCONN);
	ck_assert_int_eq(capnet_udp_send_to(s, ip_b, 0, "x", 1, 0), CAPNET_E_INVAL);
	ck_assert_int_eq(capnet_udp_connect(s, ip_b, 7), CAPNET_OK);
	ck_assert_int_eq(capnet_udp_send_to(s, 0, 0, "x", 1, 0), CAPNET_OK);
	ck_assert_uint_eq(capnet_get16(st.cn.tx[0].data + 36), 7);
}
END_TEST

/* ---- receiving ---- */

struct note {
	unsigned calls;
	unsigned last_events;
};

static void on_note(void *ctx, struct capnet_udp_socket *s, unsigned events, capnet_instant now)
{
	(void)s;
	(void)now;
	struct note *n = ctx;
	n->calls++;
	n->last_events = events;
}

START_TEST(test_recv_from_source_and_events)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	struct note nt = {0};
	capnet_udp_set_notify(s, on_note, &nt);
	ck_assert_uint_eq(capnet_udp_events(s), CAPNET_UDP_WRITABLE);
	inject_udp(ip_b, 4000, ip_a, 5000, "ping!", mac_a);
	ck_assert_uint_eq(nt.calls, 1);
	ck_assert_uint_eq(nt.last_events, CAPNET_UDP_READABLE | CAPNET_UDP_WRITABLE);
	uint8_t buf[16];
	size_t len;
	struct capnet_udp_meta m;
	ck_assert_int_eq(capnet_udp_recv_from(s, buf, sizeof buf, &len, &m), CAPNET_OK);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(buf, "ping!", 5);
	ck_assert_uint_eq(m.src, ip_b);
	ck_assert_uint_eq(m.src_port, 4000);
	ck_assert_uint_eq(m.dst, ip_a);
	ck_assert(!m.broadcast);
	ck_assert_int_eq(capnet_udp_recv_from(s, buf, sizeof buf, &len, &m), CAPNET_E_AGAIN);
	ck_assert_uint_eq(capnet_udp_events(s), CAPNET_UDP_WRITABLE);
	ck_assert_int_eq(test_stats_only(&st, CAPNET_STAT_eth_rx_frames, 1ull, CAPNET_STAT_ip_rx_packets, 1ull,
					 CAPNET_STAT_udp_rx_datagrams, 1ull, CAPNET_STAT_udp_rx_queued, 1ull, -1),
			 0);
}
END_TEST

START_TEST(test_recv_truncates_to_buffer_and_reports_full_length)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	inject_udp(ip_b, 4000, ip_a, 5000, "0123456789", mac_a);
	uint8_t buf[4];
	size_t len;
	struct capnet_udp_meta m;
	ck_assert_int_eq(capnet_udp_recv_from(s, buf, sizeof buf, &len, &m), CAPNET_OK);
	ck_assert_uint_eq(len, 4);
	ck_assert_uint_eq(m.len, 10);
	ck_assert_mem_eq(buf, "0123", 4);
}
END_TEST

START_TEST(test_queue_overflow_drops_newest)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	const char *msgs[] = {"m1", "m2", "m3", "m4", "m5", "m6"};
	for (int i = 0; i < 6; i++)
		inject_udp(ip_b, 4000, ip_a, 5000, msgs[i], mac_a);
	ck_assert_uint_eq(capnet_udp_queued(s), 4);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_queue_full), 2);
	for (int i = 0; i < 4; i++) {
		uint8_t buf[8];
		size_t len;
		ck_assert_int_eq(capnet_udp_recv_from(s, buf, sizeof buf, &len, NULL), CAPNET_OK);
		ck_assert_uint_eq(len, 2);
		ck_assert_mem_eq(buf, msgs[i], 2); /* the first four, in order */
	}
}
END_TEST

START_TEST(test_pool_exhaustion_counted)
{
	struct capnet_udp_socket *s1 = open_bound(0, 5001), *s2 = open_bound(0, 5002), *s3 = open_bound(0, 5003);
	for (int i = 0; i < 4; i++) {
		inject_udp(ip_b, 4000, ip_a, 5001, "a", mac_a);
		inject_udp(ip_b, 4000, ip_a, 5002, "b", mac_a);
	}
	inject_udp(ip_b, 4000, ip_a, 5003, "c", mac_a); /* pool of 8 is empty */
	ck_assert_uint_eq(capnet_udp_queued(s3), 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_nobufs), 1);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_pool_exhausted), 1);
	ck_assert_uint_eq(capnet_udp_buffers_in_use(udp), 8);
	capnet_udp_close(s1); /* frees four */
	socks_to_close[0] = NULL;
	ck_assert_uint_eq(capnet_udp_buffers_in_use(udp), 4);
	inject_udp(ip_b, 4000, ip_a, 5003, "c", mac_a);
	ck_assert_uint_eq(capnet_udp_queued(s3), 1);
	(void)s2;
}
END_TEST

START_TEST(test_oversize_datagram_counted)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	static char big[600];
	memset(big, 'x', 513);
	big[513] = 0;
	inject_udp(ip_b, 4000, ip_a, 5000, big, mac_a);
	ck_assert_uint_eq(capnet_udp_queued(s), 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_toolong), 1);
	big[512] = 0;
	inject_udp(ip_b, 4000, ip_a, 5000, big, mac_a);
	ck_assert_uint_eq(capnet_udp_queued(s), 1);
}
END_TEST

START_TEST(test_closed_port_gets_exact_port_unreachable)
{
	uint8_t f[60];
	size_t n = tf_udp_frame(f, mac_a, mac_b, ip_b, ip_a, 0x1234, 4000, 9999, (const uint8_t *)"hi", 2);
	capnet_iface_input(st.ifc, f, n, CAPNET_S(1));
	ck_assert_uint_eq(st.cn.ntx, 1);
	/* ICMP type 3 code 3 quoting the IP header and the 8-byte UDP header. */
	uint8_t icmp[8 + 28];
	memset(icmp, 0, 8);
	icmp[0] = 3;
	icmp[1] = 3;
	memcpy(icmp + 8, f + 14, 28);
	capnet_put16(icmp + 2, capnet_csum(icmp, sizeof icmp));
	uint16_t ident = capnet_get16(st.cn.tx[0].data + 14 + 4);
	uint8_t want[128];
	size_t w = tf_eth(want, mac_b, mac_a, 0x0800);
	w += tf_ip(want + w, ip_a, ip_b, 1, ident, 64, icmp, sizeof icmp);
	assert_tx(0, want, w);
	ck_assert_int_eq(test_stats_only(&st, CAPNET_STAT_eth_rx_frames, 1ull, CAPNET_STAT_ip_rx_packets, 1ull,
					 CAPNET_STAT_udp_rx_datagrams, 1ull, CAPNET_STAT_udp_rx_noport, 1ull,
					 CAPNET_STAT_icmp_errors_sent, 1ull, CAPNET_STAT_ip_tx_packets, 1ull,
					 CAPNET_STAT_eth_tx_frames, 1ull, -1),
			 0);
}
END_TEST

START_TEST(test_broadcast_to_closed_port_is_silent)
{
	inject_udp(ip_b, 4000, CAPNET_IP4_BROADCAST, 9999, "hi", CAPNET_MAC_BROADCAST);
	inject_udp(ip_b, 4000, bcast_net, 9999, "hi", CAPNET_MAC_BROADCAST);
	ck_assert_uint_eq(st.cn.ntx, 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_noport), 2);
}
END_TEST

START_TEST(test_port_unreachable_is_rate_limited)
{
	for (int i = 0; i < 20; i++)
		inject_udp(ip_b, 4000, ip_a, 9999, "hi", mac_a);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_noport), 20);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_icmp_errors_sent), 8);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_icmp_errors_ratelimited), 12);
}
END_TEST

START_TEST(test_broadcast_receive_needs_option)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	inject_udp(ip_b, 4000, CAPNET_IP4_BROADCAST, 5000, "b1", CAPNET_MAC_BROADCAST);
	inject_udp(ip_b, 4000, bcast_net, 5000, "b2", CAPNET_MAC_BROADCAST);
	ck_assert_uint_eq(capnet_udp_queued(s), 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_bcast_refused), 2);
	capnet_udp_set_option(s, CAPNET_UDP_OPT_BROADCAST, true);
	inject_udp(ip_b, 4000, CAPNET_IP4_BROADCAST, 5000, "b3", CAPNET_MAC_BROADCAST);
	uint8_t buf[4];
	size_t len;
	struct capnet_udp_meta m;
	ck_assert_int_eq(capnet_udp_recv_from(s, buf, sizeof buf, &len, &m), CAPNET_OK);
	ck_assert(m.broadcast);
	ck_assert_uint_eq(m.dst, CAPNET_IP4_BROADCAST);
}
END_TEST

START_TEST(test_bound_address_filters_destination)
{
	/* Unconfigured stack: unicast to any address reaches UDP (DHCP), but a
	 * socket bound to one address only takes datagrams for it. */
	test_stack_init(&st, mac_a, NULL);
	make_udp();
	struct capnet_udp_socket *s = open_bound(ip_a, 5000);
	inject_udp(ip_b, 4000, ip_c, 5000, "no", mac_a);
	ck_assert_uint_eq(capnet_udp_queued(s), 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_noport), 1);
	inject_udp(ip_b, 4000, ip_a, 5000, "ok", mac_a);
	ck_assert_uint_eq(capnet_udp_queued(s), 1);
}
END_TEST

START_TEST(test_connected_socket_filters_other_peers)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	ck_assert_int_eq(capnet_udp_connect(s, ip_b, 53), CAPNET_OK);
	inject_udp(ip_b, 54, ip_a, 5000, "wrong port", mac_a);
	inject_udp(ip_c, 53, ip_a, 5000, "wrong host", mac_a);
	inject_udp(ip_b, 53, ip_a, 5000, "right", mac_a);
	ck_assert_uint_eq(capnet_udp_queued(s), 1);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_filtered), 2);
}
END_TEST

START_TEST(test_bad_checksum_counted_zero_checksum_accepted)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	uint8_t f[60];
	size_t n = tf_udp_frame(f, mac_a, mac_b, ip_b, ip_a, 1, 4000, 5000, (const uint8_t *)"sum", 3);
	f[14 + 20 + 8] ^= 1; /* payload changed after the checksum */
	capnet_iface_input(st.ifc, f, n, 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_badsum), 1);
	ck_assert_uint_eq(capnet_udp_queued(s), 0);
	capnet_put16(f + 14 + 20 + 6, 0); /* no checksum at all: RFC 768 allows it on IPv4 */
	capnet_iface_input(st.ifc, f, n, 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_nosum), 1);
	ck_assert_uint_eq(capnet_udp_queued(s), 1);
	ck_assert_uint_eq(st.cn.ntx, 0);
}
END_TEST

START_TEST(test_truncated_and_bad_length_counted)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	uint8_t good[64];
	size_t ul = tf_udp(good, ip_b, ip_a, 4000, 5000, (const uint8_t *)"abcdef", 6, 0);
	/* Every IP payload length short of the UDP length field. */
	for (size_t len = 0; len < ul; len++) {
		uint8_t f[128];
		size_t n = tf_eth(f, mac_a, mac_b, 0x0800);
		n += tf_ip(f + n, ip_b, ip_a, 17, 1, 64, good, len);
		if (n < 60) {
			memset(f + n, 0, 60 - n);
			n = 60;
		}
		capnet_iface_input(st.ifc, f, n, 0);
	}
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_truncated), ul);
	uint8_t bad[64];
	memcpy(bad, good, ul);
	capnet_put16(bad + 4, 7);
	uint8_t f[128];
	size_t n = tf_eth(f, mac_a, mac_b, 0x0800);
	n += tf_ip(f + n, ip_b, ip_a, 17, 1, 64, bad, ul);
	capnet_iface_input(st.ifc, f, n, 0);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_badlen), 1);
	ck_assert_uint_eq(capnet_udp_queued(s), 0);
	ck_assert_uint_eq(st.cn.ntx, 0);
}
END_TEST

/* ICMP port unreachable from B quoting the first 28 bytes of `orig`. */
static void inject_unreachable_quoting(const uint8_t *orig)
{
	uint8_t icmp[8 + 28];
	memset(icmp, 0, 8);
	icmp[0] = 3;
	icmp[1] = 3;
	memcpy(icmp + 8, orig, 28);
	capnet_put16(icmp + 2, capnet_csum(icmp, sizeof icmp));
	uint8_t f[128];
	size_t n = tf_eth(f, mac_a, mac_b, 0x0800);
	n += tf_ip(f + n, ip_b, ip_a, 1, 9, 64, icmp, sizeof icmp);
	capnet_iface_input(st.ifc, f, n, CAPNET_S(2));
}

/* Our datagram sport -> quoted_dst:dport: its IP header, then UDP's. */
static void our_datagram(uint8_t orig[64], uint16_t sport, uint16_t dport, capnet_ip4addr quoted_dst)
{
	size_t ul = tf_udp(orig + 20, ip_a, quoted_dst, sport, dport, (const uint8_t *)"q", 1, 0);
	tf_ip(orig, ip_a, quoted_dst, 17, 7, 64, orig + 20, ul);
}

/* ICMP port unreachable from B quoting our datagram to B:53. */
static void inject_port_unreachable(uint16_t sport, uint16_t dport, capnet_ip4addr quoted_dst)
{
	uint8_t orig[64];
	our_datagram(orig, sport, dport, quoted_dst);
	inject_unreachable_quoting(orig);
}

START_TEST(test_icmp_port_unreachable_refuses_connected_socket)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	struct note nt = {0};
	capnet_udp_set_notify(s, on_note, &nt);
	ck_assert_int_eq(capnet_udp_connect(s, ip_b, 53), CAPNET_OK);
	inject_port_unreachable(5000, 53, ip_b);
	ck_assert_uint_eq(nt.calls, 1);
	ck_assert_uint_eq(capnet_udp_events(s), CAPNET_UDP_WRITABLE | CAPNET_UDP_ERROR);
	uint8_t buf[4];
	size_t len;
	ck_assert_int_eq(capnet_udp_recv_from(s, buf, sizeof buf, &len, NULL), CAPNET_E_REFUSED);
	/* Reported once. */
	ck_assert_int_eq(capnet_udp_recv_from(s, buf, sizeof buf, &len, NULL), CAPNET_E_AGAIN);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_icmp_errors), 1);
	/* And once more on the send path. */
	inject_port_unreachable(5000, 53, ip_b);
	ck_assert_int_eq(capnet_udp_send_to(s, 0, 0, "x", 1, CAPNET_S(3)), CAPNET_E_REFUSED);
	ck_assert_int_eq(capnet_udp_send_to(s, 0, 0, "x", 1, CAPNET_S(3)), CAPNET_OK);
}
END_TEST

START_TEST(test_icmp_error_ignored_by_unconnected_or_other_peer)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	inject_port_unreachable(5000, 53, ip_b); /* unconnected */
	ck_assert_int_eq(capnet_udp_connect(s, ip_b, 53), CAPNET_OK);
	inject_port_unreachable(5000, 54, ip_b); /* another peer port */
	inject_port_unreachable(5001, 53, ip_b); /* another local port */
	ck_assert_uint_eq(capnet_udp_events(s), CAPNET_UDP_WRITABLE);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_icmp_ignored), 3);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_icmp_errors), 0);
}
END_TEST

/* A quote whose IP header leaves no room for our ports cannot name a
 * socket: counted as ignored, nobody is told. One whose quoted source is
 * not us is dropped by the interface before UDP sees it. */
START_TEST(test_icmp_error_with_unusable_quote_ignored)
{
	struct capnet_udp_socket *s = open_bound(0, 5000);
	ck_assert_int_eq(capnet_udp_connect(s, ip_b, 53), CAPNET_OK);
	uint8_t orig[64];
	our_datagram(orig, 5000, 53, ip_b);
	orig[0] = 0x47; /* IHL 7: 28 bytes of header, no room left for the ports */
	inject_unreachable_quoting(orig);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_icmp_ignored), 1);
	our_datagram(orig, 5000, 53, ip_b);
	capnet_put32(orig + 12, CAPNET_IP4(192, 0, 2, 99)); /* not from us */
	inject_unreachable_quoting(orig);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_icmp_ignored), 1);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_icmp_dest_unreach_rcvd), 2);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_icmp_errors), 0);
	ck_assert_uint_eq(capnet_udp_events(s), CAPNET_UDP_WRITABLE);
}
END_TEST

START_TEST(test_arena_too_small_is_an_error)
{
	uint8_t mem[256];
	struct capnet_arena a;
	capnet_arena_init(&a, mem, sizeof mem);
	struct capnet_udp_layer *u;
	ck_assert_int_eq(capnet_udp_create(&a, &ucfg, st.ifc, &u), CAPNET_E_NOMEM);
	ck_assert_uint_gt(capnet_udp_arena_need(&ucfg), sizeof mem);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sock-udp");
	TCase *tc = check_add_case(s, "udp", setup, teardown, 0);
	tcase_add_test(tc, test_send_to_exact_frame);
	tcase_add_test(tc, test_send_unbound_takes_ephemeral_port_in_range);
	tcase_add_test(tc, test_ephemeral_ports_distinct_and_collision_checked);
	tcase_add_test(tc, test_bind_conflicts);
	tcase_add_test(tc, test_socket_exhaustion_is_an_error);
	tcase_add_test(tc, test_broadcast_send_needs_option);
	tcase_add_test(tc, test_unconfigured_send_only_with_option);
	tcase_add_test(tc, test_send_too_big_is_msgsize);
	tcase_add_test(tc, test_send_without_peer);
	tcase_add_test(tc, test_recv_from_source_and_events);
	tcase_add_test(tc, test_recv_truncates_to_buffer_and_reports_full_length);
	tcase_add_test(tc, test_queue_overflow_drops_newest);
	tcase_add_test(tc, test_pool_exhaustion_counted);
	tcase_add_test(tc, test_oversize_datagram_counted);
	tcase_add_test(tc, test_closed_port_gets_exact_port_unreachable);
	tcase_add_test(tc, test_broadcast_to_closed_port_is_silent);
	tcase_add_test(tc, test_port_unreachable_is_rate_limited);
	tcase_add_test(tc, test_broadcast_receive_needs_option);
	tcase_add_test(tc, test_bound_address_filters_destination);
	tcase_add_test(tc, test_connected_socket_filters_other_peers);
	tcase_add_test(tc, test_bad_checksum_counted_zero_checksum_accepted);
	tcase_add_test(tc, test_truncated_and_bad_length_counted);
	tcase_add_test(tc, test_icmp_port_unreachable_refuses_connected_socket);
	tcase_add_test(tc, test_icmp_error_ignored_by_unconnected_or_other_peer);
	tcase_add_test(tc, test_icmp_error_with_unusable_quote_ignored);
	tcase_add_test(tc, test_arena_too_small_is_an_error);
	return s;
}
