/* UDP over IPv6 (RFC 768 with RFC 8200 8.1): the same sockets as over
 * IPv4. Each test injects exact frames (built by scapy) and asserts the
 * exact frames sent back, what the socket returns and the counters that
 * moved: the echo both ways, the mandatory checksum (zero and wrong both
 * dropped and counted), ICMPv6 port unreachable, the family of a binding,
 * and the connected-peer filter. */
#include <string.h>

#include "capnet/ip6.h"
#include "capnet/neigh.h"
#include "capnet/udp.h"
#include "capnet/wire/bytes.h"
#include "check_main.h"
#include "support/capture_nic.h"

static const struct capnet_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
static const struct capnet_ip6addr ip_a = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a}};
static const struct capnet_ip6addr ip_b = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b}};

/* B -> A UDP 40000 -> 7 "hello" */
static const uint8_t b_to_a_7[67] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x0d, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x9c, 0x40, 0x00, 0x07, 0x00, 0x0d, 0xc4, 0x33, 0x68, 0x65,
	0x6c, 0x6c, 0x6f
};

/* A -> B UDP 7 -> 40000 "hello" (the echo) */
static const uint8_t a_to_b_7[67] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x0d, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x07, 0x9c, 0x40, 0x00, 0x0d, 0xc4, 0x33, 0x68, 0x65,
	0x6c, 0x6c, 0x6f
};

/* the same with checksum 0 (forbidden over IPv6) */
static const uint8_t b_to_a_7_zero_sum[67] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x0d, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x9c, 0x40, 0x00, 0x07, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65,
	0x6c, 0x6c, 0x6f
};

/* B -> A UDP 40000 -> 9 (nothing bound) */
static const uint8_t b_to_a_9[67] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x0d, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x9c, 0x40, 0x00, 0x09, 0x00, 0x0d, 0xc4, 0x31, 0x68, 0x65,
	0x6c, 0x6c, 0x6f
};

/* A -> B ICMPv6 port unreachable quoting it */
static const uint8_t port_unreach_9[115] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x3d, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x01, 0x04, 0x31, 0xce, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x0d, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x9c, 0x40, 0x00, 0x09, 0x00, 0x0d, 0xc4, 0x31, 0x68, 0x65,
	0x6c, 0x6c, 0x6f
};

static struct test_stack st;
static struct capnet_udp_layer *udp;
static struct capnet_udp_socket *sock;

static uint64_t s6(enum capnet_stat6 s)
{
	return capnet_ip6_stats(st.ifc)->v[s];
}

static uint64_t s4(enum capnet_stat s)
{
	return capnet_iface_stats(st.ifc)->v[s];
}

static struct capnet_ipaddr v6(const struct capnet_ip6addr *a)
{
	struct capnet_ipaddr r = {.af = CAPNET_AF_INET6};
	r.u.v6 = *a;
	return r;
}

/* IPv6 on, 2001:db8::a/64 static and past DAD, B a static neighbour; a
 * UDP layer with one socket open (unbound). */
static void setup(void)
{
	struct capnet_iface_config cfg = {0};
	cfg.ip6.enable = true;
	cfg.ip6.no_slaac = true;
	test_stack_init(&st, mac_a, &cfg);
	ck_assert_ptr_nonnull(st.ifc);
	ck_assert_int_eq(capnet_ip6_addr_add(st.ifc, &ip_a, 64, CAPNET_PROV_STATIC, 0), CAPNET_OK);
	capnet_iface_poll(st.ifc, 0);
	capnet_iface_poll(st.ifc, CAPNET_S(2));
	capnet_iface_poll(st.ifc, CAPNET_S(4));
	ck_assert(capnet_ip6_is_local(st.ifc, &ip_a));
	struct capnet_ipaddr b = v6(&ip_b);
	ck_assert_int_eq(capnet_neigh_add_static(st.ifc, &b, mac_b), CAPNET_OK);
	struct capnet_udp_config ucfg = {.max_sockets = 4, .rx_queue_depth = 4, .dgram_buffers = 8, .dgram_size = 512};
	ck_assert_int_eq(capnet_udp_create(&st.arena, &ucfg, st.ifc, &udp), CAPNET_OK);
	ck_assert_int_eq(capnet_udp_open(udp, &sock), CAPNET_OK);
	capture_nic_clear(&st.cn);
	memset((void *)capnet_ip6_stats(st.ifc), 0, sizeof(struct capnet_stats6));
	memset((void *)capnet_iface_stats(st.ifc), 0, sizeof(struct capnet_stats));
}

static void teardown(void)
{
	capnet_udp_close(sock);
	ck_assert_uint_eq(capnet_udp_buffers_in_use(udp), 0);
	ck_assert_uint_eq(capnet_udp_sockets_open(udp), 0);
}

static void inject(const uint8_t *f, size_t n)
{
	capnet_iface_input(st.ifc, f, n, CAPNET_S(5));
}

static void assert_tx(size_t i, const uint8_t *want, size_t len)
{
	ck_assert_uint_gt(st.cn.ntx, i);
	ck_assert_uint_eq(st.cn.tx[i].len, len);
	ck_assert_mem_eq(st.cn.tx[i].data, want, len);
}

/* Received with the sender as a capnet_ipaddr, echoed back byte-exact. */
START_TEST(test_echo_exact)
{
	ck_assert_int_eq(capnet_udp_bind_addr(sock, NULL, 7), CAPNET_OK);
	inject(b_to_a_7, sizeof b_to_a_7);
	ck_assert_uint_eq(capnet_udp_events(sock) & CAPNET_UDP_READABLE, CAPNET_UDP_READABLE);
	uint8_t buf[64];
	size_t n;
	struct capnet_udp_meta m;
	ck_assert_int_eq(capnet_udp_recv_from(sock, buf, sizeof buf, &n, &m), CAPNET_OK);
	ck_assert_uint_eq(n, 5);
	ck_assert_mem_eq(buf, "hello", 5);
	struct capnet_ipaddr b = v6(&ip_b), a = v6(&ip_a);
	ck_assert(capnet_ipaddr_eq(&m.src_addr, &b));
	ck_assert(capnet_ipaddr_eq(&m.dst_addr, &a));
	ck_assert_uint_eq(m.src, 0); /* the IPv4 fields stay 0 */
	ck_assert_uint_eq(m.src_port, 40000);
	ck_assert(!m.broadcast);
	ck_assert_int_eq(capnet_udp_send_to_addr(sock, &m.src_addr, m.src_port, buf, n, CAPNET_S(5)), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, 1);
	assert_tx(0, a_to_b_7, sizeof a_to_b_7);
	ck_assert_uint_eq(s4(CAPNET_STAT_udp_rx_queued), 1);
	ck_assert_uint_eq(s4(CAPNET_STAT_udp_tx_datagrams), 1);
	ck_assert_uint_eq(s6(CAPNET_STAT6_ip6_tx_packets), 1);
}
END_TEST

/* RFC 8200 8.1: the checksum is mandatory; 0 is dropped and counted, and
 * so is a wrong one. Neither is answered. */
START_TEST(test_checksum_mandatory)
{
	ck_assert_int_eq(capnet_udp_bind_addr(sock, NULL, 7), CAPNET_OK);
	inject(b_to_a_7_zero_sum, sizeof b_to_a_7_zero_sum);
	ck_assert_uint_eq(s6(CAPNET_STAT6_udp6_rx_zero_checksum), 1);
	ck_assert_uint_eq(s4(CAPNET_STAT_udp_rx_nosum), 0);
	uint8_t f[sizeof b_to_a_7];
	memcpy(f, b_to_a_7, sizeof f);
	f[sizeof f - 1] ^= 1;
	inject(f, sizeof f);
	ck_assert_uint_eq(s4(CAPNET_STAT_udp_rx_badsum), 1);
	ck_assert_uint_eq(capnet_udp_queued(sock), 0);
	ck_assert_uint_eq(st.cn.ntx, 0);
	/* The good one still goes through. */
	inject(b_to_a_7, sizeof b_to_a_7);
	ck_assert_uint_eq(capnet_udp_queued(sock), 1);
	uint8_t buf[8];
	size_t n;
	ck_assert_int_eq(capnet_udp_recv_from(sock, buf, sizeof buf, &n, NULL), CAPNET_OK);
}
END_TEST

/* RFC 4443 3.1 code 4, quoting the datagram; an IPv4-only binding (the
 * IPv4 API) does not take IPv6 datagrams, so its port is closed too. */
START_TEST(test_port_unreachable)
{
	ck_assert_int_eq(capnet_udp_bind(sock, 0, 9), CAPNET_OK);
	inject(b_to_a_9, sizeof b_to_a_9);
	ck_assert_uint_eq(st.cn.ntx, 1);
	assert_tx(0, port_unreach_9, sizeof port_unreach_9);
	ck_assert_uint_eq(s4(CAPNET_STAT_udp_rx_noport), 1);
	ck_assert_uint_eq(s6(CAPNET_STAT6_icmp6_errors_sent), 1);
	ck_assert_uint_eq(s6(CAPNET_STAT6_ip6_noproto), 0);
}
END_TEST

/* Bindings overlap by family: :: and 0.0.0.0 on one port coexist; either
 * clashes with a both-families binding. */
START_TEST(test_bind_families)
{
	struct capnet_udp_socket *s4sock, *s6sock;
	ck_assert_int_eq(capnet_udp_open(udp, &s4sock), CAPNET_OK);
	ck_assert_int_eq(capnet_udp_open(udp, &s6sock), CAPNET_OK);
	struct capnet_ipaddr any6 = {.af = CAPNET_AF_INET6};
	ck_assert_int_eq(capnet_udp_bind(s4sock, 0, 7), CAPNET_OK);
	ck_assert_int_eq(capnet_udp_bind_addr(s6sock, &any6, 7), CAPNET_OK);
	ck_assert_int_eq(capnet_udp_bind_addr(sock, NULL, 7), CAPNET_E_INUSE);
	inject(b_to_a_7, sizeof b_to_a_7);
	ck_assert_uint_eq(capnet_udp_queued(s6sock), 1);
	ck_assert_uint_eq(capnet_udp_queued(s4sock), 0);
	/* An IPv4-bound socket refuses an IPv6 peer. */
	struct capnet_ipaddr b = v6(&ip_b);
	ck_assert_int_eq(capnet_udp_send_to_addr(s4sock, &b, 40000, "x", 1, CAPNET_S(5)), CAPNET_E_INVAL);
	ck_assert_int_eq(capnet_udp_connect_addr(s4sock, &b, 40000), CAPNET_E_INVAL);
	ck_assert_uint_eq(st.cn.ntx, 0);
	capnet_udp_close(s4sock);
	capnet_udp_close(s6sock);
}
END_TEST

/* A connected socket hears only its peer; sending to NULL/0 reaches it;
 * an unbound send binds an ephemeral port and chooses the source. */
START_TEST(test_connected_and_ephemeral)
{
	struct capnet_ipaddr b = v6(&ip_b);
	ck_assert_int_eq(capnet_udp_connect_addr(sock, &b, 40001), CAPNET_OK);
	uint16_t port = capnet_udp_local_port(sock);
	ck_assert_uint_ge(port, CAPNET_UDP_EPHEMERAL_MIN);
	ck_assert_int_eq(capnet_udp_send_to_addr(sock, NULL, 0, "hello", 5, CAPNET_S(5)), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, 1);
	const uint8_t *f = st.cn.tx[0].data;
	ck_assert_uint_eq(st.cn.tx[0].len, 67);
	ck_assert_mem_eq(f + 22, ip_a.b, 16); /* the source chosen for B */
	ck_assert_mem_eq(f + 38, ip_b.b, 16);
	ck_assert_uint_eq(capnet_get16(f + 54), port);
	ck_assert_uint_eq(capnet_get16(f + 56), 40001);
	/* The 40000 sender is not the peer: filtered. */
	uint8_t g[sizeof b_to_a_7];
	memcpy(g, b_to_a_7, sizeof g);
	uint16_t old = capnet_get16(g + 56);
	capnet_put16(g + 56, port);
	/* RFC 1624: fix the checksum for the new destination port. */
	uint32_t sum = (uint16_t)~capnet_get16(g + 60);
	sum += (uint16_t)~old;
	sum += port;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	capnet_put16(g + 60, (uint16_t)~sum);
	inject(g, sizeof g);
	ck_assert_uint_eq(s4(CAPNET_STAT_udp_rx_filtered), 1);
	ck_assert_uint_eq(capnet_udp_queued(sock), 0);
}
END_TEST

/* Multicast is one-to-many like a broadcast: it needs the option. */
START_TEST(test_multicast_needs_option)
{
	struct capnet_ipaddr all = {.af = CAPNET_AF_INET6};
	all.u.v6.b[0] = 0xff;
	all.u.v6.b[1] = 0x02;
	all.u.v6.b[15] = 1;
	ck_assert_int_eq(capnet_udp_send_to_addr(sock, &all, 9, "x", 1, CAPNET_S(5)), CAPNET_E_RIGHTS);
	ck_assert_uint_eq(capnet_udp_local_port(sock), 0); /* refused before binding */
	ck_assert_int_eq(capnet_udp_set_option(sock, CAPNET_UDP_OPT_BROADCAST, true), CAPNET_OK);
	ck_assert_int_eq(capnet_udp_send_to_addr(sock, &all, 9, "x", 1, CAPNET_S(5)), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, 1);
	ck_assert_uint_eq(st.cn.tx[0].data[0], 0x33); /* 33:33:00:00:00:01 */
	ck_assert_uint_eq(st.cn.tx[0].data[5], 0x01);
}
END_TEST

/* Without IPv6 on the interface the UDP layer registers IPv4 only, and an
 * IPv6 send fails closed. */
START_TEST(test_ipv6_off)
{
	struct test_stack t;
	test_stack_init(&t, mac_a, NULL);
	struct capnet_udp_layer *u;
	struct capnet_udp_socket *s;
	ck_assert_int_eq(capnet_udp_create(&t.arena, NULL, t.ifc, &u), CAPNET_OK);
	ck_assert_int_eq(capnet_udp_open(u, &s), CAPNET_OK);
	struct capnet_ipaddr b = v6(&ip_b);
	ck_assert_int_eq(capnet_udp_send_to_addr(s, &b, 7, "x", 1, 0), CAPNET_E_NOTCONFIGURED);
	ck_assert_uint_eq(t.cn.ntx, 0);
	capnet_udp_close(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sock-udp6");
	TCase *tc = check_add_case(s, "udp6", setup, teardown, 0);
	tcase_add_test(tc, test_echo_exact);
	tcase_add_test(tc, test_checksum_mandatory);
	tcase_add_test(tc, test_port_unreachable);
	tcase_add_test(tc, test_bind_families);
	tcase_add_test(tc, test_connected_and_ephemeral);
	tcase_add_test(tc, test_multicast_needs_option);
	tcase_add_test(tc, test_ipv6_off);
	return s;
}

