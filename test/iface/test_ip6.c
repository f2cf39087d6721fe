/* IPv6 on the interface (iface/ipv6/): ingress filtering and dispatch,
 * ICMPv6 echo and errors with their rate limit, fragments and extension
 * chains, NDP answers and resolution, DAD, and RA lifetime rules. Each
 * test injects exact frames (built by scapy) and asserts the exact frames
 * sent back and the counters that moved. */
#include <string.h>

#include "capnet/iface.h"
#include "capnet/ip6.h"
#include "capnet/neigh.h"
#include "capnet/resolver.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ipv6.h"
#include "capnet/wire/ndp.h"
#include "check_main.h"
#include "support/capture_nic.h"

static const struct capnet_mac mac_a = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
static const struct capnet_ip6addr ip_a = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a}};
static const struct capnet_ip6addr ip_b = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b}};
static const struct capnet_ip6addr ip_c = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x0c}};

/* B -> A echo request id 0x1234 seq 1 "ping" */
static const uint8_t echo_req[66] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x0c, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x80, 0x00, 0x33, 0x2c, 0x12, 0x34, 0x00, 0x01, 0x70, 0x69,
	0x6e, 0x67
};

/* A -> B its reply */
static const uint8_t echo_rep[66] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x0c, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x81, 0x00, 0x32, 0x2c, 0x12, 0x34, 0x00, 0x01, 0x70, 0x69,
	0x6e, 0x67
};

/* B -> A next header 253, 8 bytes */
static const uint8_t unknown_nh[62] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x08, 0xfd, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68
};

/* A -> B parameter problem code 1 pointer 6 quoting it */
static const uint8_t param_problem[110] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x38, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x04, 0x01, 0x55, 0x99, 0x00, 0x00, 0x00, 0x06, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x08, 0xfd, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68
};

/* B's NS for A's address */
static const uint8_t ns_for_a[86] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x00, 0x00, 0x0a, 0x87, 0x00, 0x1c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x01, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b
};

/* A's NA: solicited, override, TLLA */
static const uint8_t na_from_a[86] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x88, 0x00, 0x8a, 0x4f, 0x60, 0x00, 0x00, 0x00, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a
};

/* A's NS resolving 2001:db8::c */
static const uint8_t ns_for_c[86] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x0c, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x00, 0x00, 0x0c, 0x87, 0x00, 0x1c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x01, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a
};

/* A's DAD NS for 2001:db8::a */
static const uint8_t dad_ns_a[78] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x0a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x18, 0x3a, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0xff, 0x00, 0x00, 0x0a, 0x87, 0x00, 0x4c, 0xdb, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a
};

static struct test_stack st;

static uint64_t s6(enum capnet_stat6 s)
{
	return capnet_ip6_stats(st.ifc)->v[s];
}

/* IPv6 on, no RS, 2001:db8::a/64 static and past DAD; B a static neighbour. */
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
	struct capnet_ipaddr b = {.af = CAPNET_AF_INET6};
	b.u.v6 = ip_b;
	ck_assert_int_eq(capnet_neigh_add_static(st.ifc, &b, mac_b), CAPNET_OK);
	capture_nic_clear(&st.cn);
	memset((void *)capnet_ip6_stats(st.ifc), 0, sizeof(struct capnet_stats6));
}

static void assert_tx(size_t i, const uint8_t *want, size_t len)
{
	ck_assert_uint_gt(st.cn.ntx, i);
	ck_assert_uint_eq(st.cn.tx[i].len, len);
	ck_assert_mem_eq(st.cn.tx[i].data, want, len);
}

START_TEST(test_dad_ns_exact)
{
	struct capnet_iface_config cfg = {0};
	cfg.ip6.enable = true;
	cfg.ip6.no_slaac = true;
	test_stack_init(&st, mac_a, &cfg);
	ck_assert_int_eq(capnet_ip6_addr_add(st.ifc, &ip_a, 64, CAPNET_PROV_STATIC, 0), CAPNET_OK);
	capture_nic_clear(&st.cn);
	capnet_iface_poll(st.ifc, CAPNET_S(10)); /* link-local after its delay, static at once */
	size_t i = 0;
	while (i < st.cn.ntx && memcmp(st.cn.tx[i].data, dad_ns_a, sizeof dad_ns_a) != 0)
		i++;
	ck_assert_uint_lt(i, st.cn.ntx);
	struct capnet_ip6_addr_info ai[4];
	ck_assert_uint_eq(capnet_ip6_addrs(st.ifc, ai, 4), 2);
	/* A's own NA for it, unsolicited, from someone else's MAC: duplicate. */
	uint8_t na[sizeof na_from_a];
	memcpy(na, na_from_a, sizeof na);
	memcpy(na, (uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	memcpy(na + 6, mac_b.b, 6);
	memcpy(na + 14 + 24, (uint8_t[]){0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 16);
	na[14 + 40 + 4] = 0x20; /* override only: not solicited to a group */
	memcpy(na + 14 + 40 + 26, mac_b.b, 6);
	struct capnet_ip6addr s, d;
	memcpy(s.b, na + 22, 16);
	memcpy(d.b, na + 38, 16);
	capnet_icmp6_seal(na + 54, 32, &s, &d);
	capnet_iface_input(st.ifc, na, sizeof na, CAPNET_S(10));
	ck_assert_uint_eq(s6(CAPNET_STAT6_dad_duplicates), 1);
	ck_assert(!capnet_ip6_is_local(st.ifc, &ip_a));
	ck_assert_uint_eq(capnet_ip6_addrs(st.ifc, ai, 4), 2);
	bool dup = false;
	for (int k = 0; k < 2; k++)
		dup |= capnet_ip6_eq(&ai[k].addr, &ip_a) && ai[k].state == CAPNET_IP6_ADDR_DUPLICATE;
	ck_assert(dup);
}
END_TEST

START_TEST(test_echo_reply_exact)
{
	capnet_iface_input(st.ifc, echo_req, sizeof echo_req, CAPNET_S(5));
	ck_assert_uint_eq(st.cn.ntx, 1);
	assert_tx(0, echo_rep, sizeof echo_rep);
	ck_assert_uint_eq(s6(CAPNET_STAT6_icmp6_echo_requests), 1);
	ck_assert_uint_eq(s6(CAPNET_STAT6_icmp6_echo_replies_sent), 1);
}
END_TEST

struct got {
	unsigned n;
	struct capnet_echo6_reply r;
	struct capnet_echo6_error e;
	unsigned errors;
};

static void on_reply(void *ctx, const struct capnet_echo6_reply *r, capnet_instant now)
{
	(void)now;
	struct got *g = ctx;
	g->r = *r;
	g->n++;
}

static void on_error(void *ctx, const struct capnet_echo6_error *e, capnet_instant now)
{
	(void)now;
	struct got *g = ctx;
	g->e = *e;
	g->errors++;
}

START_TEST(test_echo_client_and_unreachable)
{
	struct got g = {0};
	capnet_icmp6_on_echo_reply(st.ifc, on_reply, &g);
	capnet_icmp6_on_echo_error(st.ifc, on_error, &g);
	ck_assert_int_eq(capnet_icmp6_echo_send(st.ifc, &ip_b, 0x1234, 1, (const uint8_t *)"ping", 4, CAPNET_S(5)),
			 CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, 1);
	/* The request we sent is B's request with the roles swapped. */
	ck_assert_uint_eq(st.cn.tx[0].len, sizeof echo_req);
	ck_assert_uint_eq(st.cn.tx[0].data[14 + 40], 128);
	/* B's reply (its echo_rep bytes with the roles swapped back). */
	uint8_t rep[sizeof echo_rep];
	memcpy(rep, echo_req, sizeof rep);
	rep[14 + 40] = 129;
	struct capnet_ip6addr s, d;
	memcpy(s.b, rep + 22, 16);
	memcpy(d.b, rep + 38, 16);
	capnet_icmp6_seal(rep + 54, 12, &s, &d);
	capnet_iface_input(st.ifc, rep, sizeof rep, CAPNET_S(5) + 100);
	ck_assert_uint_eq(g.n, 1);
	ck_assert(capnet_ip6_eq(&g.r.from, &ip_b) && g.r.ident == 0x1234 && g.r.seq == 1 && g.r.data_len == 4);
	/* A router's address unreachable about that request. */
	uint8_t f[14 + 40 + 8 + 52];
	memcpy(f, echo_req, 14);
	struct capnet_icmp6_repr u = {.type = CAPNET_ICMP6_DEST_UNREACH, .code = CAPNET_ICMP6_ADDR_UNREACH,
				      .data = st.cn.tx[0].data + 14, .data_len = 52};
	memcpy(f + 14, echo_req + 14, 40);
	capnet_put16(f + 14 + 4, 60);
	capnet_icmp6_emit(&u, &s, &d, f + 54);
	capnet_iface_input(st.ifc, f, sizeof f, CAPNET_S(6));
	ck_assert_uint_eq(g.errors, 1);
	ck_assert(g.e.type == 1 && g.e.code == 3 && g.e.ident == 0x1234 && g.e.seq == 1);
	ck_assert(capnet_ip6_eq(&g.e.from, &ip_b));
	ck_assert_uint_eq(s6(CAPNET_STAT6_icmp6_dest_unreach_rcvd), 1);
}
END_TEST

START_TEST(test_unknown_next_header_param_problem)
{
	capnet_iface_input(st.ifc, unknown_nh, sizeof unknown_nh, CAPNET_S(5));
	ck_assert_uint_eq(st.cn.ntx, 1);
	assert_tx(0, param_problem, sizeof param_problem);
	ck_assert_uint_eq(s6(CAPNET_STAT6_ip6_noproto), 1);
	ck_assert_uint_eq(s6(CAPNET_STAT6_icmp6_errors_sent), 1);
}
END_TEST

START_TEST(test_udp_without_ipv6_sockets_port_unreachable)
{
	uint8_t f[sizeof unknown_nh];
	memcpy(f, unknown_nh, sizeof f);
	f[14 + 6] = 17; /* UDP */
	capnet_iface_input(st.ifc, f, sizeof f, CAPNET_S(5));
	ck_assert_uint_eq(st.cn.ntx, 1);
	ck_assert_uint_eq(st.cn.tx[0].data[54], CAPNET_ICMP6_DEST_UNREACH);
	ck_assert_uint_eq(st.cn.tx[0].data[55], CAPNET_ICMP6_PORT_UNREACH);
	ck_assert_mem_eq(st.cn.tx[0].data + 62, f + 14, sizeof f - 14); /* the whole datagram quoted */
}
END_TEST

START_TEST(test_error_rate_limit)
{
	for (int i = 0; i < 20; i++)
		capnet_iface_input(st.ifc, unknown_nh, sizeof unknown_nh, CAPNET_S(5));
	ck_assert_uint_eq(st.cn.ntx, 8); /* the burst */
	ck_assert_uint_eq(s6(CAPNET_STAT6_icmp6_errors_ratelimited), 12);
	capnet_iface_input(st.ifc, unknown_nh, sizeof unknown_nh, CAPNET_S(5) + CAPNET_MS(125));
	ck_assert_uint_eq(st.cn.ntx, 9); /* one token back after 125 ms */
}
END_TEST

START_TEST(test_fragments_and_chains_dropped)
{
	uint8_t f[14 + 40 + 8 * 10 + 8];
	memcpy(f, echo_req, 54);
	/* A first fragment. */
	f[14 + 6] = 44;
	capnet_put16(f + 14 + 4, 16);
	memcpy(f + 54, (uint8_t[]){58, 0, 0, 1, 1, 2, 3, 4}, 8);
	memcpy(f + 62, echo_req + 54, 8);
	capnet_iface_input(st.ifc, f, 70, CAPNET_S(5));
	ck_assert_uint_eq(s6(CAPNET_STAT6_ip6_fragments), 1);
	/* Nine destination-options headers: past the bound. */
	f[14 + 6] = 60;
	for (int i = 0; i < 10; i++)
		memcpy(f + 54 + 8 * i, (uint8_t[]){i < 9 ? 60 : 59, 0, 1, 4, 0, 0, 0, 0}, 8);
	capnet_put16(f + 14 + 4, 80);
	capnet_iface_input(st.ifc, f, 14 + 40 + 80, CAPNET_S(5));
	ck_assert_uint_eq(s6(CAPNET_STAT6_ip6_ext_bounds), 1);
	ck_assert_uint_eq(st.cn.ntx, 0);
	/* Routing header with segments left: parameter problem code 0. */
	f[14 + 6] = 43;
	memcpy(f + 54, (uint8_t[]){59, 0, 0, 1, 0, 0, 0, 0}, 8);
	capnet_put16(f + 14 + 4, 8);
	capnet_iface_input(st.ifc, f, 62, CAPNET_S(5));
	ck_assert_uint_eq(s6(CAPNET_STAT6_ip6_routing_refused), 1);
	ck_assert_uint_eq(st.cn.ntx, 1);
	ck_assert_uint_eq(st.cn.tx[0].data[54], CAPNET_ICMP6_PARAM_PROBLEM);
	ck_assert_uint_eq(st.cn.tx[0].data[55], 0);
	ck_assert_uint_eq(capnet_get32(st.cn.tx[0].data + 58), 42);
}
END_TEST

START_TEST(test_multicast_filter)
{
	uint8_t f[sizeof echo_req];
	memcpy(f, echo_req, sizeof f);
	memcpy(f, (uint8_t[]){0x33, 0x33, 0, 0, 0, 0x99}, 6);
	uint64_t before = capnet_iface_stats(st.ifc)->v[CAPNET_STAT_eth_rx_not_for_us];
	capnet_iface_input(st.ifc, f, sizeof f, CAPNET_S(5));
	ck_assert_uint_eq(capnet_iface_stats(st.ifc)->v[CAPNET_STAT_eth_rx_not_for_us], before + 1);
	ck_assert_uint_eq(s6(CAPNET_STAT6_ip6_mcast_filtered), 1);
	/* Our solicited-node group passes the MAC filter. */
	capnet_iface_input(st.ifc, ns_for_a, sizeof ns_for_a, CAPNET_S(5));
	ck_assert_uint_eq(s6(CAPNET_STAT6_ndp_ns_rcvd), 1);
}
END_TEST

START_TEST(test_ns_answered_exact)
{
	capnet_iface_input(st.ifc, ns_for_a, sizeof ns_for_a, CAPNET_S(5));
	ck_assert_uint_eq(st.cn.ntx, 1);
	assert_tx(0, na_from_a, sizeof na_from_a);
	/* Hop limit not 255: not from the link, ignored (RFC 4861 7.1.1). */
	uint8_t f[sizeof ns_for_a];
	memcpy(f, ns_for_a, sizeof f);
	f[14 + 7] = 64;
	capnet_iface_input(st.ifc, f, sizeof f, CAPNET_S(5));
	ck_assert_uint_eq(st.cn.ntx, 1);
	ck_assert_uint_eq(s6(CAPNET_STAT6_ndp_bad), 1);
}
END_TEST

START_TEST(test_resolution_retries_then_fails)
{
	ck_assert_int_eq(capnet_icmp6_echo_send(st.ifc, &ip_c, 1, 1, (const uint8_t *)"x", 1, CAPNET_S(5)), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, 1);
	assert_tx(0, ns_for_c, sizeof ns_for_c);
	struct capnet_ipaddr c = {.af = CAPNET_AF_INET6};
	c.u.v6 = ip_c;
	struct capnet_mac m;
	ck_assert_int_eq(capnet_neigh_lookup(st.ifc, &c, &m), CAPNET_E_AGAIN);
	capnet_iface_poll(st.ifc, CAPNET_S(6));
	capnet_iface_poll(st.ifc, CAPNET_S(7));
	ck_assert_uint_eq(st.cn.ntx, 3); /* MAX_MULTICAST_SOLICIT, RetransTimer apart */
	assert_tx(2, ns_for_c, sizeof ns_for_c);
	capnet_iface_poll(st.ifc, CAPNET_S(8));
	ck_assert_int_eq(capnet_neigh_lookup(st.ifc, &c, &m), CAPNET_E_UNREACHABLE);
	ck_assert_uint_eq(s6(CAPNET_STAT6_ndp_resolve_failed), 1);
	ck_assert_uint_eq(s6(CAPNET_STAT6_ndp_pending_dropped), 1);
	ck_assert_int_eq(capnet_icmp6_echo_send(st.ifc, &ip_c, 1, 2, (const uint8_t *)"x", 1, CAPNET_S(8)),
			 CAPNET_E_UNREACHABLE);
}
END_TEST

/* An RA from fe80::1 with one prefix (and RDNSS 2001:db8::53 for
 * rdnss_life s when that is not 0), injected. */
static void inject_ra_dns(uint32_t valid, uint32_t preferred, uint32_t rdnss_life, capnet_instant now)
{
	struct capnet_ndp_repr ra = {.type = CAPNET_ICMP6_ROUTER_ADVERT, .router_lifetime = 600, .nprefix = 1};
	if (rdnss_life) {
		ra.nrdnss = 1;
		ra.rdnss_lifetime = rdnss_life;
		ra.rdnss[0] = (struct capnet_ip6addr){{0x20, 0x01, 0x0d, 0xb8, [15] = 0x53}};
	}
	ra.prefix[0] = (struct capnet_ndp_prefix){{{0x20, 0x01, 0x0d, 0xb8, 0, 7}}, 64, true, true, valid, preferred};
	struct capnet_ip6addr src = {{0xfe, 0x80, [15] = 1}};
	uint8_t f[200];
	memcpy(f, (uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	memcpy(f + 6, mac_b.b, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	size_t n = capnet_ndp_emit(&ra, &src, &capnet_ip6_all_nodes, f + 54);
	memcpy(f + 14, (uint8_t[]){0x60, 0, 0, 0, 0, (uint8_t)n, 58, 255}, 8);
	memcpy(f + 22, src.b, 16);
	memcpy(f + 38, capnet_ip6_all_nodes.b, 16);
	capnet_iface_input(st.ifc, f, 54 + n, now);
}

static void inject_ra(uint32_t valid, uint32_t preferred, capnet_instant now)
{
	inject_ra_dns(valid, preferred, 0, now);
}

START_TEST(test_rdnss_resolver_input)
{
	struct capnet_iface_config cfg = {0};
	cfg.ip6.enable = true;
	test_stack_init(&st, mac_a, &cfg);
	capnet_iface_poll(st.ifc, 0);
	struct capnet_resolver_inputs in;
	capnet_ip6_resolver(st.ifc, &in);
	ck_assert_uint_eq(in.n_servers, 0);
	ck_assert_int_eq(in.servers_provenance, CAPNET_PROV_NONE);
	inject_ra_dns(600, 300, 100, CAPNET_S(1));
	capnet_ip6_resolver(st.ifc, &in);
	ck_assert_uint_eq(in.n_servers, 1);
	ck_assert_int_eq(in.servers[0].af, CAPNET_AF_INET6);
	ck_assert_uint_eq(in.servers[0].u.v6.b[15], 0x53);
	ck_assert_int_eq(in.servers_provenance, CAPNET_PROV_RA);
	ck_assert_str_eq(capnet_provenance_name(in.servers_provenance), "ra");
	/* Its lifetime runs out on the caller's clock. */
	capnet_iface_poll(st.ifc, CAPNET_S(101));
	capnet_ip6_resolver(st.ifc, &in);
	ck_assert_uint_eq(in.n_servers, 0);
}
END_TEST

static bool slaac_addr(struct capnet_ip6_addr_info *out)
{
	struct capnet_ip6_addr_info ai[8];
	size_t n = capnet_ip6_addrs(st.ifc, ai, 8);
	for (size_t i = 0; i < n && i < 8; i++)
		if (ai[i].provenance == CAPNET_PROV_SLAAC) {
			*out = ai[i];
			return true;
		}
	return false;
}

START_TEST(test_ra_two_hour_rule)
{
	struct capnet_iface_config cfg = {0};
	cfg.ip6.enable = true;
	test_stack_init(&st, mac_a, &cfg);
	capnet_iface_poll(st.ifc, 0);
	inject_ra(10000, 5000, CAPNET_S(1));
	struct capnet_ip6_addr_info ai;
	ck_assert(slaac_addr(&ai));
	ck_assert_int_eq(ai.valid_until, CAPNET_S(1) + CAPNET_S(10000));
	/* 100 s < 2 h while 10000 s remain: the valid lifetime drops to 2 h
	 * (RFC 4862 5.5.3 e 3), not to 100 s. */
	inject_ra(100, 50, CAPNET_S(2));
	ck_assert(slaac_addr(&ai));
	ck_assert_int_eq(ai.valid_until, CAPNET_S(2) + CAPNET_S(7200));
	ck_assert_int_eq(ai.preferred_until, CAPNET_S(2) + CAPNET_S(50));
	/* Above 2 h: taken as given (e 1). */
	inject_ra(9000, 5000, CAPNET_S(3));
	ck_assert(slaac_addr(&ai));
	ck_assert_int_eq(ai.valid_until, CAPNET_S(3) + CAPNET_S(9000));
	/* Preferred > valid: the option is ignored (c). */
	inject_ra(100, 200, CAPNET_S(4));
	ck_assert(slaac_addr(&ai));
	ck_assert_int_eq(ai.valid_until, CAPNET_S(3) + CAPNET_S(9000));
	ck_assert_uint_eq(s6(CAPNET_STAT6_ra_prefix_ignored), 1);
	/* Within 2 h of its end, a short lifetime does not shorten it (e 2). */
	inject_ra(10, 5, CAPNET_S(3) + CAPNET_S(9000 - 3600));
	ck_assert(slaac_addr(&ai));
	ck_assert_int_eq(ai.valid_until, CAPNET_S(3) + CAPNET_S(9000));
	/* Infinity never ends. */
	inject_ra(CAPNET_NDP_INFINITY, CAPNET_NDP_INFINITY, CAPNET_S(6000));
	ck_assert(slaac_addr(&ai));
	ck_assert_int_eq(ai.valid_until, CAPNET_INSTANT_NEVER);
	ck_assert_int_eq(ai.preferred_until, CAPNET_INSTANT_NEVER);
}
END_TEST

START_TEST(test_stable_iid)
{
	/* EUI-64 by default: fe80::ff:fe00:a for 02:00:00:00:00:0a. */
	struct capnet_iface_config cfg = {0};
	cfg.ip6.enable = true;
	cfg.ip6.no_slaac = true;
	test_stack_init(&st, mac_a, &cfg);
	capnet_iface_poll(st.ifc, 0);
	struct capnet_ip6addr ll, eui = {{0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 0x0a}};
	ck_assert(capnet_ip6_link_local(st.ifc, &ll) && capnet_ip6_eq(&ll, &eui));
	/* RFC 7217: the identifier is F(prefix, MAC, DAD counter, key): not
	 * the MAC's, stable for the same key, different per prefix and
	 * counter. */
	cfg.ip6.stable_iid = true;
	test_stack_init(&st, mac_a, &cfg);
	capnet_iface_poll(st.ifc, 0);
	struct capnet_ip6addr s1;
	ck_assert(capnet_ip6_link_local(st.ifc, &s1));
	ck_assert(!capnet_ip6_eq(&s1, &eui));
	ck_assert_uint_eq(s1.b[0], 0xfe);
	ck_assert_uint_eq(s1.b[1], 0x80);
	static const struct capnet_ip6addr p1 = {{0x20, 0x01, 0x0d, 0xb8, 0, 1}}, p2 = {{0x20, 0x01, 0x0d, 0xb8, 0, 2}};
	struct capnet_ip6addr a1 = capnet_ip6_make_addr(st.ifc, &p1, 0), a2 = capnet_ip6_make_addr(st.ifc, &p2, 0);
	struct capnet_ip6addr a1b = capnet_ip6_make_addr(st.ifc, &p1, 1);
	ck_assert_mem_eq(a1.b, p1.b, 8);
	ck_assert(memcmp(a1.b + 8, a2.b + 8, 8) != 0 && memcmp(a1.b + 8, a1b.b + 8, 8) != 0);
	/* The same seed (key) again: the same address. */
	test_stack_init(&st, mac_a, &cfg);
	capnet_iface_poll(st.ifc, 0);
	struct capnet_ip6addr s2;
	ck_assert(capnet_ip6_link_local(st.ifc, &s2) && capnet_ip6_eq(&s1, &s2));
	struct capnet_ip6addr a1again = capnet_ip6_make_addr(st.ifc, &p1, 0);
	ck_assert(capnet_ip6_eq(&a1, &a1again));
}
END_TEST

/* An unsolicited NA from B claiming target, to all nodes. */
static void inject_na_claim(const struct capnet_ip6addr *target, capnet_instant now)
{
	struct capnet_ndp_repr na = {.type = CAPNET_ICMP6_NEIGHBOR_ADVERT, .target = *target, .override = true,
				     .has_tlla = true, .tlla = mac_b};
	uint8_t f[128];
	memcpy(f, (uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	memcpy(f + 6, mac_b.b, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	size_t n = capnet_ndp_emit(&na, target, &capnet_ip6_all_nodes, f + 54);
	memcpy(f + 14, (uint8_t[]){0x60, 0, 0, 0, 0, (uint8_t)n, 58, 255}, 8);
	memcpy(f + 22, target->b, 16);
	memcpy(f + 38, capnet_ip6_all_nodes.b, 16);
	capnet_iface_input(st.ifc, f, 54 + n, now);
}

START_TEST(test_stable_iid_dad_retries)
{
	struct capnet_iface_config cfg = {0};
	cfg.ip6.enable = true;
	cfg.ip6.stable_iid = true;
	test_stack_init(&st, mac_a, &cfg);
	capnet_iface_poll(st.ifc, 0);
	inject_ra(600, 300, CAPNET_S(1));
	struct capnet_ip6_addr_info ai, prev;
	ck_assert(slaac_addr(&prev));
	ck_assert_uint_eq(prev.state, CAPNET_IP6_ADDR_TENTATIVE);
	/* RFC 7217 6: each conflict gives a new identifier (DAD_Counter + 1),
	 * IDGEN_RETRIES (3) times; the fourth conflict leaves it duplicate. */
	for (int i = 1; i <= 3; i++) {
		inject_na_claim(&prev.addr, CAPNET_S(1));
		ck_assert(slaac_addr(&ai));
		ck_assert_uint_eq(ai.state, CAPNET_IP6_ADDR_TENTATIVE);
		ck_assert(!capnet_ip6_eq(&ai.addr, &prev.addr));
		ck_assert_mem_eq(ai.addr.b, prev.addr.b, 8);
		ck_assert_uint_eq(s6(CAPNET_STAT6_dad_duplicates), (uint64_t)i);
		prev = ai;
	}
	inject_na_claim(&prev.addr, CAPNET_S(1));
	ck_assert(slaac_addr(&ai));
	ck_assert_uint_eq(ai.state, CAPNET_IP6_ADDR_DUPLICATE);
	ck_assert(capnet_ip6_eq(&ai.addr, &prev.addr));
	ck_assert_uint_eq(s6(CAPNET_STAT6_dad_duplicates), 4);
}
END_TEST

START_TEST(test_ipv6_off_is_unknown_type)
{
	test_stack_init(&st, mac_a, NULL);
	ck_assert(!capnet_ip6_enabled(st.ifc));
	capnet_iface_input(st.ifc, echo_req, sizeof echo_req, 0);
	ck_assert_uint_eq(capnet_iface_stats(st.ifc)->v[CAPNET_STAT_eth_rx_unknown_type], 1);
	ck_assert_uint_eq(st.cn.ntx, 0);
	ck_assert_int_eq(capnet_icmp6_echo_send(st.ifc, &ip_b, 1, 1, NULL, 0, 0), CAPNET_E_NOTCONFIGURED);
	capnet_iface_poll(st.ifc, CAPNET_S(100));
	ck_assert_uint_eq(st.cn.ntx, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("iface-ip6");
	TCase *tc = check_add_case(s, "ip6", setup, NULL, 0);
	tcase_add_test(tc, test_echo_reply_exact);
	tcase_add_test(tc, test_echo_client_and_unreachable);
	tcase_add_test(tc, test_unknown_next_header_param_problem);
	tcase_add_test(tc, test_error_rate_limit);
	tcase_add_test(tc, test_udp_without_ipv6_sockets_port_unreachable);
	tcase_add_test(tc, test_fragments_and_chains_dropped);
	tcase_add_test(tc, test_multicast_filter);
	tcase_add_test(tc, test_ns_answered_exact);
	tcase_add_test(tc, test_resolution_retries_then_fails);
	TCase *t = check_add_case(s, "lifecycle", NULL, NULL, 0);
	tcase_add_test(t, test_dad_ns_exact);
	tcase_add_test(t, test_ra_two_hour_rule);
	tcase_add_test(t, test_ipv6_off_is_unknown_type);
	tcase_add_test(t, test_stable_iid);
	tcase_add_test(t, test_rdnss_resolver_input);
	tcase_add_test(t, test_stable_iid_dad_retries);
	return s;
}
