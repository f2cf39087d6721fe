/* The stub's TCP retry (RFC 7766 5) between two stacks on the simulator:
 * a server stack answers every UDP query with TC set and no records, and
 * the full answer over TCP port 53 (a two-byte length first, RFC 1035
 * 4.2.2). The client's stub must ask the same question over TCP and take
 * that answer; without a TCP listener it moves on (the connection is
 * refused) and ends with the last failure. */
#include <string.h>

#include "capnet/dns_stub.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/dns.h"
#include "check_main.h"
#include "harness/sim_stack.h"

#define NS CAPNET_IP4(192, 0, 2, 53)
#define CL CAPNET_IP4(192, 0, 2, 10)

struct server {
	struct sim_stack st;
	struct capnet_udp_socket *u;
	struct capnet_tcp_sock *l, *c;
	bool listen;
	uint8_t buf[600];
	size_t have;
	unsigned udp_queries, tcp_queries;
};

/* The answer to the query in q (len bytes): tc selects the UDP form. */
static size_t answer(const uint8_t *q, size_t len, bool tc, uint8_t *out, size_t cap)
{
	struct capnet_dns_msg m;
	if (capnet_dns_parse(q, len, &m) != CAPNET_DNS_ERR_NONE)
		return 0;
	struct capnet_dns_builder b;
	capnet_dns_build_start(&b, out, cap, m.hdr.id, tc ? 0x8380 : 0x8180);
	capnet_dns_build_question(&b, m.qname, m.qtype);
	if (!tc)
		capnet_dns_build_rr(&b, CAPNET_DNS_SEC_ANSWER, m.qname, CAPNET_DNS_TYPE_A, 60,
				    (uint8_t[]){192, 0, 2, 9}, 4);
	return capnet_dns_build_end(&b);
}

static capnet_instant server_poll(void *ctx, capnet_instant now)
{
	struct server *s = ctx;
	uint8_t q[600], a[600];
	size_t n;
	struct capnet_udp_meta meta;
	while (capnet_udp_recv_from(s->u, q, sizeof q, &n, &meta) == CAPNET_OK) {
		s->udp_queries++;
		size_t al = answer(q, n, true, a, sizeof a);
		if (al)
			capnet_udp_send_to(s->u, meta.src, meta.src_port, a, al, now);
	}
	if (s->l && !s->c && capnet_tcp_accept(s->l, &s->c) == CAPNET_OK)
		s->have = 0;
	if (s->c) {
		size_t got = 0;
		while (capnet_tcp_recv(s->c, s->buf + s->have, sizeof s->buf - s->have, &got, now) == CAPNET_OK && got)
			s->have += got;
		if (s->have >= 2 && s->have >= 2u + capnet_get16(s->buf)) {
			s->tcp_queries++;
			size_t al = answer(s->buf + 2, capnet_get16(s->buf), false, a + 2, sizeof a - 2);
			capnet_put16(a, (uint16_t)al);
			size_t queued;
			capnet_tcp_send(s->c, a, al + 2, &queued, now);
			capnet_tcp_close(s->c, now);
			s->c = NULL;
		}
	}
	return CAPNET_INSTANT_NEVER;
}

static struct capnet_sim *sim;
static struct server srv;
static struct sim_stack cl;

static void open_pair(bool listen)
{
	const struct capnet_sim_impair wire = {.delay = CAPNET_MS(1)};
	sim = capnet_sim_create(3, CAPNET_SIM_SWITCH);
	ck_assert_ptr_nonnull(sim);
	memset(&srv, 0, sizeof srv);
	memset(&cl, 0, sizeof cl);
	ck_assert_int_eq(sim_stack_open(&srv.st, "NS", sim, 3, (struct capnet_mac){{2, 0, 0, 0, 0, 0x53}}, &wire, NULL),
			 CAPNET_OK);
	ck_assert_int_eq(sim_stack_open(&cl, "C", sim, 3, (struct capnet_mac){{2, 0, 0, 0, 0, 0x0a}}, &wire, NULL),
			 CAPNET_OK);
	struct capnet_ip4cfg_layer *l = capnet_ip4cfg_layer(capnet_stack_ip4cfg(srv.st.stack, 0), CAPNET_PROV_STATIC);
	l->addr = NS;
	l->prefix_len = 24;
	ck_assert_int_eq(capnet_ip4cfg_commit(capnet_stack_ip4cfg(srv.st.stack, 0), 0), CAPNET_OK);
	l = capnet_ip4cfg_layer(capnet_stack_ip4cfg(cl.stack, 0), CAPNET_PROV_STATIC);
	l->addr = CL;
	l->prefix_len = 24;
	l->n_dns = 1;
	l->dns[0] = NS;
	ck_assert_int_eq(capnet_ip4cfg_commit(capnet_stack_ip4cfg(cl.stack, 0), 0), CAPNET_OK);
	ck_assert_int_eq(capnet_udp_open(capnet_stack_udp(srv.st.stack, 0), &srv.u), CAPNET_OK);
	ck_assert_int_eq(capnet_udp_bind(srv.u, 0, 53), CAPNET_OK);
	if (listen)
		ck_assert_int_eq(capnet_tcp_listen(capnet_stack_tcp(srv.st.stack, 0), 53, 4, NULL, &srv.l), CAPNET_OK);
	ck_assert_int_eq(capnet_sim_add_participant(sim, server_poll, &srv), CAPNET_OK);
}

static void close_pair(void)
{
	sim_stack_close(&cl);
	sim_stack_close(&srv.st);
	capnet_sim_destroy(sim);
}

struct wait {
	struct capnet_dns_stub *d;
	uint32_t id;
	struct capnet_dns_result r;
	bool done;
};

static bool done(void *ctx)
{
	struct wait *w = ctx;
	if (!w->done)
		w->done = capnet_dns_stub_result(w->d, w->id, &w->r) == CAPNET_OK;
	return w->done;
}

/* The client's stub asks for big.example.test (A); the simulator runs
 * until the lookup has ended (20 s at most). */
static void resolve_big(struct wait *w)
{
	memset(w, 0, sizeof *w);
	w->d = capnet_stack_dns(cl.stack, 0);
	ck_assert_ptr_nonnull(w->d);
	ck_assert_int_eq(capnet_dns_stub_start(w->d, "big.example.test", CAPNET_DNS_WANT_A, 0, &w->id), CAPNET_OK);
	ck_assert(capnet_sim_run_until_cond(sim, done, w, CAPNET_S(20)));
}

START_TEST(test_tc_retried_over_tcp)
{
	open_pair(true);
	struct wait w;
	resolve_big(&w);
	ck_assert_int_eq(w.r.status, CAPNET_DNS_FOUND);
	ck_assert_uint_eq(capnet_ipaddr_ip4(&w.r.addrs[0]), CAPNET_IP4(192, 0, 2, 9));
	ck_assert_int_lt(capnet_sim_now(sim), CAPNET_MS(50)); /* no timeout on the way */
	struct capnet_dns_stub_status s;
	capnet_dns_stub_status(w.d, &s);
	ck_assert_uint_eq(s.truncated, 1);
	ck_assert_uint_eq(s.tcp_retries, 1);
	ck_assert_uint_eq(srv.udp_queries, 1);
	ck_assert_uint_eq(srv.tcp_queries, 1);
	close_pair();
}
END_TEST

START_TEST(test_tc_without_tcp_server)
{
	open_pair(false);
	struct wait w;
	resolve_big(&w);
	/* refused over TCP, then UDP again (TC again, TCP refused again) */
	ck_assert_int_ne(w.r.status, CAPNET_DNS_FOUND);
	struct capnet_dns_stub_status s;
	capnet_dns_stub_status(w.d, &s);
	ck_assert_uint_eq(s.tcp_retries, 2);
	ck_assert_uint_eq(srv.udp_queries, 2);
	ck_assert_int_lt(capnet_sim_now(sim), CAPNET_S(1));
	close_pair();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sock-dns-tcp");
	TCase *tc = check_add_case(s, "tcp", NULL, NULL, 0);
	tcase_add_test(tc, test_tc_retried_over_tcp);
	tcase_add_test(tc, test_tc_without_tcp_server);
	return s;
}
