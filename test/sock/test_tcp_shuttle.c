/* TCP between two libcapnet stacks on the simulator: bulk transfers under
 * loss, reordering, duplication and corruption (each direction of both
 * cables impaired), for every congestion controller, each finishing
 * byte-exact (the FNV-1a hash of what was read equals that of what was
 * written). Sizes are picked so the whole suite stays quick under
 * AddressSanitizer while every case moves thousands of segments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/ip6.h"
#include "capnet/tcp.h"
#include "check_main.h"
#include "harness/sim_tcp.h"

struct impair_case {
	const char *name;
	struct capnet_sim_impair imp;
	uint64_t bytes;
};

static const struct impair_case cases[] = {
	{"clean", {.delay = CAPNET_MS(1)}, 16u << 20},
	{"loss 1%", {.loss_ppm = 10000, .delay = CAPNET_MS(1)}, 4u << 20},
	{"loss 5%", {.loss_ppm = 50000, .delay = CAPNET_MS(1)}, 2u << 20},
	{"loss 10%", {.loss_ppm = 100000, .delay = CAPNET_MS(1)}, 1u << 20},
	{"loss 30%", {.loss_ppm = 300000, .delay = CAPNET_MS(1)}, 256u << 10},
	{"reorder 5%", {.reorder_ppm = 50000, .reorder_gap = CAPNET_MS(3), .delay = CAPNET_MS(1)}, 4u << 20},
	{"jitter", {.delay = CAPNET_MS(1), .jitter = CAPNET_MS(2)}, 4u << 20},
	{"duplicate 5%", {.duplicate_ppm = 50000, .delay = CAPNET_MS(1)}, 4u << 20},
	{"corrupt 5%", {.corrupt_ppm = 50000, .delay = CAPNET_MS(1)}, 4u << 20},
	{"all at once", {.loss_ppm = 20000, .duplicate_ppm = 20000, .corrupt_ppm = 20000, .reorder_ppm = 20000,
			 .delay = CAPNET_MS(1), .jitter = CAPNET_US(300)}, 2u << 20},
	{"bottleneck 20 Mbit/s", {.rate_bps = 20000000, .rate_backlog = CAPNET_MS(20), .delay = CAPNET_MS(5)},
	 4u << 20},
};
#define NCASES (sizeof cases / sizeof cases[0])

static const enum capnet_tcp_cc_algo algos[] = {CAPNET_TCP_CC_NONE, CAPNET_TCP_CC_RENO, CAPNET_TCP_CC_CUBIC};

static void run_case(const struct impair_case *c, enum capnet_tcp_cc_algo cc, uint64_t seed)
{
	struct capnet_sim *sim = capnet_sim_create(seed, CAPNET_SIM_SWITCH);
	ck_assert_ptr_nonnull(sim);
	struct capnet_tcp_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.max_sockets = 4;
	cfg.cc = cc;
	cfg.cc_set = true;
	cfg.max_retries = 30;   /* 30% loss each way: 12 RTOs in a row is not rare enough */
	cfg.syn_retries = 20;
	cfg.synack_retries = 20;
	cfg.time_wait = CAPNET_S(1);
	const struct capnet_mac ma = {{0x02, 0, 0, 0, 0, 0x0a}}, mb = {{0x02, 0, 0, 0, 0, 0x0b}};
	static struct sim_tcp a, b;
	ck_assert_int_eq(sim_tcp_open(&a, "A", sim, seed, ma, CAPNET_IP4(192, 0, 2, 10), &c->imp, &cfg), CAPNET_OK);
	ck_assert_int_eq(sim_tcp_open(&b, "B", sim, seed, mb, CAPNET_IP4(192, 0, 2, 11), &c->imp, &cfg), CAPNET_OK);
	/* Each stack's egress is impaired, so each direction of the path
	 * suffers the figure once: data and ACKs alike. */
	static struct sim_bulk bulk;
	ck_assert_int_eq(sim_bulk_start(&bulk, sim, &a, &b, 5001, c->bytes, seed ^ 0x5eed, NULL), CAPNET_OK);
	bool done = capnet_sim_run_until_cond(sim, sim_bulk_done, &bulk, CAPNET_S(3600));
	if (!sim_bulk_exact(&bulk))
		fprintf(stderr, "%s / %s: done %d eof %d failed %d err %s sent %llu received %llu\n", c->name,
			capnet_tcp_cc_name(cc), done, bulk.rx_eof, bulk.failed, capnet_errname(bulk.error),
			(unsigned long long)bulk.sent, (unsigned long long)bulk.received);
	ck_assert(done);
	ck_assert(sim_bulk_exact(&bulk));
	/* Let the closing handshakes and TIME-WAIT finish: nothing leaks. */
	capnet_sim_run_until(sim, capnet_sim_now(sim) + CAPNET_S(600));
	struct capnet_tcp_layer_info la, lb;
	capnet_tcp_layer_info(a.tcp, &la);
	capnet_tcp_layer_info(b.tcp, &lb);
	ck_assert_uint_eq(la.sockets_in_use, 0);
	ck_assert_uint_eq(la.pool_in_use, 0);
	ck_assert_uint_eq(lb.sockets_in_use, 1); /* the listener */
	ck_assert_uint_eq(lb.pool_in_use, 0);
	capnet_duration took = bulk.done_at - bulk.started_at;
	printf("%-22s %-6s %8llu bytes in %5lld.%03lld s synthetic, %6u retransmits, %4u RTOs\n", c->name,
	       capnet_tcp_cc_name(cc), (unsigned long long)c->bytes, (long long)(took / 1000000),
	       (long long)(took / 1000 % 1000), bulk.tx_info.retransmits, bulk.tx_info.rto_count);
	capnet_sim_destroy(sim);
	sim_tcp_close(&a);
	sim_tcp_close(&b);
}

START_TEST(test_bulk_transfer_byte_exact)
{
	size_t c = (size_t)_i / 3;
	enum capnet_tcp_cc_algo cc = algos[_i % 3];
	run_case(&cases[c], cc, 1000 + (uint64_t)_i);
}
END_TEST

/* Both directions at once, on one connection each way. */
START_TEST(test_bidirectional_bulk)
{
	struct capnet_sim *sim = capnet_sim_create(77, CAPNET_SIM_SWITCH);
	const struct capnet_sim_impair imp = {.loss_ppm = 20000, .delay = CAPNET_MS(2)};
	struct capnet_tcp_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.max_sockets = 8;
	cfg.time_wait = CAPNET_S(1);
	const struct capnet_mac ma = {{0x02, 0, 0, 0, 0, 0x0a}}, mb = {{0x02, 0, 0, 0, 0, 0x0b}};
	static struct sim_tcp a, b;
	ck_assert_int_eq(sim_tcp_open(&a, "A", sim, 77, ma, CAPNET_IP4(192, 0, 2, 10), &imp, &cfg), CAPNET_OK);
	ck_assert_int_eq(sim_tcp_open(&b, "B", sim, 77, mb, CAPNET_IP4(192, 0, 2, 11), &imp, &cfg), CAPNET_OK);
	static struct sim_bulk ab, ba;
	ck_assert_int_eq(sim_bulk_start(&ab, sim, &a, &b, 6001, 1u << 20, 1, NULL), CAPNET_OK);
	ck_assert_int_eq(sim_bulk_start(&ba, sim, &b, &a, 6002, 1u << 20, 2, NULL), CAPNET_OK);
	capnet_sim_run_until_cond(sim, sim_bulk_done, &ab, CAPNET_S(600));
	capnet_sim_run_until_cond(sim, sim_bulk_done, &ba, CAPNET_S(600));
	ck_assert(sim_bulk_exact(&ab));
	ck_assert(sim_bulk_exact(&ba));
	capnet_sim_destroy(sim);
	sim_tcp_close(&a);
	sim_tcp_close(&b);
}
END_TEST

/* Lone small writes that the receiver does not answer: each is ACKed only
 * when the receiver's delayed-ACK timer runs out. With the defaults that
 * must come well before the sender's minimum RTO, or every write would be
 * sent twice (a delayed-ACK timer equal to rto_min did exactly that). */
START_TEST(test_lone_segments_are_not_retransmitted_with_default_timers)
{
	struct capnet_sim *sim = capnet_sim_create(5, CAPNET_SIM_SWITCH);
	const struct capnet_mac ma = {{0x02, 0, 0, 0, 0, 0x0a}}, mb = {{0x02, 0, 0, 0, 0, 0x0b}};
	static struct sim_tcp a, b;
	ck_assert_int_eq(sim_tcp_open(&a, "A", sim, 5, ma, CAPNET_IP4(192, 0, 2, 10), NULL, NULL), CAPNET_OK);
	ck_assert_int_eq(sim_tcp_open(&b, "B", sim, 5, mb, CAPNET_IP4(192, 0, 2, 11), NULL, NULL), CAPNET_OK);
	struct capnet_tcp_sock *l, *c, *srv = NULL;
	ck_assert_int_eq(capnet_tcp_listen(b.tcp, 7000, 4, NULL, &l), CAPNET_OK);
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = b.ip};
	ck_assert_int_eq(capnet_tcp_connect(a.tcp, &dst, 7000, 0, NULL, capnet_sim_now(sim), &c), CAPNET_OK);
	capnet_sim_run_until(sim, CAPNET_S(1));
	ck_assert_int_eq(capnet_tcp_accept(l, &srv), CAPNET_OK);
	for (int i = 0; i < 10; i++) {
		capnet_instant t = CAPNET_S(2 + i);
		capnet_sim_run_until(sim, t);
		size_t q;
		ck_assert_int_eq(capnet_tcp_send(c, "ping", 4, &q, t), CAPNET_OK);
		capnet_sim_run_until(sim, t + CAPNET_MS(900));
		uint8_t buf[16];
		size_t got;
		ck_assert_int_eq(capnet_tcp_recv(srv, buf, sizeof buf, &got, t + CAPNET_MS(900)), CAPNET_OK);
		ck_assert_uint_eq(got, 4);
	}
	ck_assert_uint_eq(capnet_iface_stats(a.st.ifc)->v[CAPNET_STAT_tcp_rexmt_timeouts], 0);
	ck_assert_uint_eq(capnet_iface_stats(a.st.ifc)->v[CAPNET_STAT_tcp_sndrexmitpack], 0);
	capnet_sim_destroy(sim);
	sim_tcp_close(&a);
	sim_tcp_close(&b);
}
END_TEST

/* TCP over IPv6 shares every path with IPv4: two stacks with IPv6 on and
 * static 2001:db8::/64 addresses (after DAD) move 1 MiB byte-exact under
 * 1% loss, with the MSS from the IPv6 MTU (1500 - 40 - 20 = 1440, less
 * 12 for timestamps). */
START_TEST(test_bulk_over_ipv6)
{
	struct capnet_sim *sim = capnet_sim_create(11, CAPNET_SIM_SWITCH);
	ck_assert_ptr_nonnull(sim);
	struct capnet_stack_config cfg = {.without = CAPNET_STACK_NO_UDP | CAPNET_STACK_NO_CAPS};
	cfg.tcp.max_sockets = 4;
	cfg.tcp.time_wait = CAPNET_S(1);
	cfg.iface.ip6.enable = true;
	cfg.iface.ip6.no_slaac = true;
	const struct capnet_sim_impair imp = {.loss_ppm = 10000, .delay = CAPNET_MS(1)};
	const struct capnet_mac ma = {{0x02, 0, 0, 0, 0, 0x0a}}, mb = {{0x02, 0, 0, 0, 0, 0x0b}};
	static struct sim_tcp a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	ck_assert_int_eq(sim_stack_open(&a.st, "A", sim, 11, ma, &imp, &cfg), CAPNET_OK);
	ck_assert_int_eq(sim_stack_open(&b.st, "B", sim, 11, mb, &imp, &cfg), CAPNET_OK);
	ck_assert_int_eq(sim_tcp_configure(&a, CAPNET_IP4(192, 0, 2, 10)), CAPNET_OK);
	ck_assert_int_eq(sim_tcp_configure(&b, CAPNET_IP4(192, 0, 2, 11)), CAPNET_OK);
	a.ip6 = (struct capnet_ip6addr){{0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a}};
	b.ip6 = (struct capnet_ip6addr){{0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b}};
	b.has_ip6 = true;
	ck_assert_int_eq(capnet_ip6_addr_add(a.st.ifc, &a.ip6, 64, CAPNET_PROV_STATIC, 0), CAPNET_OK);
	ck_assert_int_eq(capnet_ip6_addr_add(b.st.ifc, &b.ip6, 64, CAPNET_PROV_STATIC, 0), CAPNET_OK);
	capnet_sim_run_until(sim, CAPNET_S(3)); /* DAD */
	ck_assert(capnet_ip6_is_local(a.st.ifc, &a.ip6) && capnet_ip6_is_local(b.st.ifc, &b.ip6));
	static struct sim_bulk bulk;
	ck_assert_int_eq(sim_bulk_start(&bulk, sim, &a, &b, 5001, 1u << 20, 0x6666, NULL), CAPNET_OK);
	struct capnet_tcp_info ti;
	capnet_tcp_info(bulk.tx, &ti);
	ck_assert_int_eq(ti.local.addr.af, CAPNET_AF_INET6);
	capnet_sim_run_until_cond(sim, sim_bulk_done, &bulk, CAPNET_S(600));
	ck_assert(sim_bulk_exact(&bulk));
	ck_assert_uint_eq(bulk.tx_info.mss, 1440 - 12);
	ck_assert_uint_eq(capnet_ip6_stats(b.st.ifc)->v[CAPNET_STAT6_ip6_noproto], 0);
	capnet_sim_destroy(sim);
	sim_tcp_close(&a);
	sim_tcp_close(&b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tcp-shuttle");
	TCase *tc = check_add_case(s, "bulk", NULL, NULL, 120);
	tcase_add_loop_test(tc, test_bulk_transfer_byte_exact, 0, (int)(NCASES * 3));
	tcase_add_test(tc, test_bidirectional_bulk);
	tcase_add_test(tc, test_bulk_over_ipv6);
	tcase_add_test(tc, test_lone_segments_are_not_retransmitted_with_default_timers);
	return s;
}
