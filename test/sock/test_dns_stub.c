/* The DNS stub resolver on a capture nic and the synthetic clock: each
 * test starts a lookup, reads the queries the stub sent (port, id, name,
 * type), injects answers built with the codec's builder, and asserts the
 * outcome, the instant it came and the counters. Times are exact: the
 * defaults are 2 s a try, 2 rounds over the servers, 10 s in all. */
#include <string.h>

#include "capnet/dns_stub.h"
#include "capnet/ip4_config.h"
#include "capnet/ip6.h"
#include "capnet/neigh.h"
#include "capnet/udp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/dns.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ipv6.h"
#include "capnet/wire/ndp.h"
#include "capnet/wire/udp.h"
#include "check_main.h"
#include "support/capture_nic.h"
#include "support/udp_frames.h"

static const struct capnet_mac mac_h = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_s = {{0x02, 0, 0, 0, 0, 0x53}};
static const capnet_ip4addr ip_h = CAPNET_IP4(192, 0, 2, 10), ns1 = CAPNET_IP4(192, 0, 2, 53),
			    ns2 = CAPNET_IP4(192, 0, 2, 54);

static struct test_stack st;
static struct capnet_udp_layer *udp;
static struct capnet_ip4cfg *layers;
static struct capnet_dns_stub *stub;
static size_t seen; /* tx frames already read */

static void set_servers(enum capnet_provenance p, int n, const char *search)
{
	struct capnet_ip4cfg_layer *l = capnet_ip4cfg_layer(layers, p);
	l->addr = ip_h;
	l->prefix_len = 24;
	l->n_dns = (uint8_t)n;
	l->dns[0] = ns1;
	l->dns[1] = ns2;
	l->n_search = 0;
	if (search) {
		l->n_search = 1;
		strcpy(l->search[0], search);
	}
	ck_assert_int_eq(capnet_ip4cfg_commit(layers, 0), CAPNET_OK);
}

static void setup(void)
{
	test_stack_init(&st, mac_h, NULL);
	ck_assert_int_eq(capnet_udp_create(&st.arena, NULL, st.ifc, &udp), CAPNET_OK);
	ck_assert_int_eq(capnet_ip4cfg_create(&st.arena, st.ifc, &layers), CAPNET_OK);
	ck_assert_int_eq(capnet_dns_stub_create(&st.arena, NULL, st.ifc, udp, layers, &stub), CAPNET_OK);
	struct capnet_ipaddr a = capnet_ipaddr_from_ip4(ns1), b = capnet_ipaddr_from_ip4(ns2);
	ck_assert_int_eq(capnet_neigh_add_static(st.ifc, &a, mac_s), CAPNET_OK);
	ck_assert_int_eq(capnet_neigh_add_static(st.ifc, &b, mac_s), CAPNET_OK);
	seen = 0;
}

static void teardown(void)
{
	ck_assert_uint_eq(capnet_udp_buffers_in_use(udp), 0);
}

struct sentq {
	capnet_ip4addr dst;
	uint16_t sport;
	struct capnet_dns_msg m;
	uint8_t raw[600];
};

/* The next query on the wire (false when none). */
static bool next_query(struct sentq *q)
{
	while (seen < st.cn.ntx) {
		const struct capture_frame *f = &st.cn.tx[seen++];
		if (f->len < 42 || capnet_get16(f->data + 12) != 0x0800 || f->data[23] != 17)
			continue;
		size_t ihl = (f->data[14] & 15u) * 4;
		const uint8_t *u = f->data + 14 + ihl;
		if (capnet_get16(u + 2) != 53)
			continue;
		size_t plen = capnet_get16(u + 4) - 8;
		memcpy(q->raw, u + 8, plen);
		q->dst = capnet_get32(f->data + 30);
		q->sport = capnet_get16(u);
		ck_assert_int_eq(capnet_dns_parse(q->raw, plen, &q->m), CAPNET_DNS_ERR_NONE);
		return true;
	}
	return false;
}

static void inject(capnet_ip4addr src, uint16_t sport, uint16_t dport, const uint8_t *p, size_t n)
{
	uint8_t f[1600];
	size_t len = tf_udp_frame(f, mac_h, mac_s, src, ip_h, 1, sport, dport, p, n);
	capture_nic_queue_rx(&st.cn, f, len);
}

/* An answer to q: rcode, and one A or AAAA record (ttl) unless addr NULL. */
static size_t answer(const struct sentq *q, uint8_t *buf, unsigned rcode, const uint8_t *addr, uint32_t ttl)
{
	struct capnet_dns_builder b;
	capnet_dns_build_start(&b, buf, 600, q->m.hdr.id, (uint16_t)(0x8180 | rcode));
	capnet_dns_build_question(&b, q->m.qname, q->m.qtype);
	if (addr)
		capnet_dns_build_rr(&b, CAPNET_DNS_SEC_ANSWER, q->m.qname, q->m.qtype, ttl, addr,
				    q->m.qtype == CAPNET_DNS_TYPE_A ? 4 : 16);
	else
		capnet_dns_build_soa(&b, "example.test", 3600, "ns.example.test", "host.example.test", 30);
	return capnet_dns_build_end(&b);
}

static void reply(const struct sentq *q, unsigned rcode, const uint8_t *addr, uint32_t ttl)
{
	uint8_t buf[600];
	size_t n = answer(q, buf, rcode, addr, ttl);
	inject(q->dst, 53, q->sport, buf, n);
}

/* An answer from ns1 to q (asked as type A) holding only CNAME records,
 * from[i] to to[i], each with ttl 300. */
static void reply_cnames(const struct sentq *q, const char *const *from, const char *const *to, int n)
{
	uint8_t buf[600];
	struct capnet_dns_builder b;
	capnet_dns_build_start(&b, buf, sizeof buf, q->m.hdr.id, 0x8180);
	capnet_dns_build_question(&b, q->m.qname, 1);
	for (int i = 0; i < n; i++)
		capnet_dns_build_cname(&b, from[i], 300, to[i]);
	inject(ns1, 53, q->sport, buf, capnet_dns_build_end(&b));
}

static const uint8_t a9[4] = {192, 0, 2, 9};
static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9};

static enum capnet_dns_status result(uint32_t id, struct capnet_dns_result *r)
{
	capnet_err e = capnet_dns_stub_result(stub, id, r);
	return e == CAPNET_E_AGAIN ? CAPNET_DNS_PENDING : r->status;
}

/* A lookup started at `now` (it must be taken). */
static uint32_t start(const char *name, unsigned want, capnet_instant now)
{
	uint32_t id;
	ck_assert_int_eq(capnet_dns_stub_start(stub, name, want, now, &id), CAPNET_OK);
	return id;
}

/* n static servers, a lookup started at 0 and its first query read into q. */
static uint32_t ask(int n, const char *name, unsigned want, struct sentq *q)
{
	set_servers(CAPNET_PROV_STATIC, n, NULL);
	uint32_t id = start(name, want, 0);
	ck_assert(next_query(q));
	return id;
}

/* The lookup's status once the interface has run at `at`. */
static enum capnet_dns_status settle(uint32_t id, capnet_instant at, struct capnet_dns_result *r)
{
	capnet_iface_poll(st.ifc, at);
	return result(id, r);
}

START_TEST(test_a_found)
{
	struct sentq q;
	uint32_t id = ask(1, "www.example.test", CAPNET_DNS_WANT_A, &q);
	ck_assert(!next_query(&q) || true);
	seen = 0;
	ck_assert(next_query(&q));
	ck_assert_uint_eq(q.dst, ns1);
	ck_assert_uint_ge(q.sport, CAPNET_UDP_EPHEMERAL_MIN);
	ck_assert_str_eq(q.m.qname, "www.example.test");
	ck_assert_uint_eq(q.m.qtype, CAPNET_DNS_TYPE_A);
	ck_assert_uint_eq(q.m.hdr.flags, CAPNET_DNS_FLAG_RD);
	ck_assert_uint_eq(q.m.edns_payload, 1232);
	struct capnet_dns_result r;
	ck_assert_int_eq(result(id, &r), CAPNET_DNS_PENDING);
	reply(&q, 0, a9, 60);
	ck_assert_int_eq(settle(id, CAPNET_MS(3), &r), CAPNET_DNS_FOUND);
	ck_assert_uint_eq(r.n_addrs, 1);
	ck_assert_uint_eq(capnet_ipaddr_ip4(&r.addrs[0]), CAPNET_IP4(192, 0, 2, 9));
	ck_assert_uint_eq(r.ttl, 60);
	ck_assert_str_eq(r.canon, "www.example.test");
	/* the second lookup is a cache hit: nothing sent, ttl counted down */
	size_t before = st.cn.ntx;
	id = start("WWW.example.test", CAPNET_DNS_WANT_A, CAPNET_S(20));
	ck_assert_int_eq(result(id, &r), CAPNET_DNS_FOUND);
	ck_assert(r.from_cache);
	ck_assert_uint_eq(r.ttl, 40);
	ck_assert_uint_eq(st.cn.ntx, before);
	/* after 60 s it is asked again */
	id = start("www.example.test", CAPNET_DNS_WANT_A, CAPNET_S(61));
	ck_assert_int_eq(result(id, &r), CAPNET_DNS_PENDING);
	ck_assert_uint_eq(st.cn.ntx, before + 1);
	capnet_dns_stub_cancel(stub, id);
	struct capnet_dns_stub_status s;
	capnet_dns_stub_status(stub, &s);
	ck_assert_uint_eq(s.cache_hits, 1);
	ck_assert_uint_eq(s.cache_misses, 2);
	ck_assert_uint_eq(s.queries_sent, 2);
	ck_assert_int_eq(s.servers_provenance, CAPNET_PROV_STATIC);
}
END_TEST

START_TEST(test_a_and_aaaa_in_parallel)
{
	set_servers(CAPNET_PROV_STATIC, 1, NULL);
	uint32_t id = start("h.example.test", CAPNET_DNS_WANT_BOTH, 0);
	struct sentq qa, q6;
	ck_assert(next_query(&qa));
	ck_assert(next_query(&q6));
	ck_assert_uint_eq(qa.m.qtype, CAPNET_DNS_TYPE_A);
	ck_assert_uint_eq(q6.m.qtype, CAPNET_DNS_TYPE_AAAA);
	ck_assert_uint_ne(qa.sport, q6.sport); /* a port each */
	ck_assert_uint_ne(qa.m.hdr.id, q6.m.hdr.id);
	reply(&q6, 0, v6, 300);
	reply(&qa, 0, a9, 60);
	struct capnet_dns_result r;
	ck_assert_int_eq(settle(id, CAPNET_MS(1), &r), CAPNET_DNS_FOUND);
	ck_assert_uint_eq(r.n_addrs, 2);
	ck_assert_uint_eq(r.addrs[0].af, CAPNET_AF_INET);
	ck_assert_uint_eq(r.addrs[1].af, CAPNET_AF_INET6);
	ck_assert_mem_eq(r.addrs[1].u.v6.b, v6, 16);
	ck_assert_uint_eq(r.ttl, 60);
}
END_TEST

START_TEST(test_spoofed_answers_ignored)
{
	struct sentq q;
	uint32_t id = ask(1, "h.example.test", CAPNET_DNS_WANT_A, &q);
	uint8_t evil[4] = {203, 0, 113, 66}, buf[600];
	struct sentq bad = q;
	bad.m.hdr.id ^= 1; /* wrong id */
	size_t n = answer(&bad, buf, 0, evil, 60);
	inject(ns1, 53, q.sport, buf, n);
	n = answer(&q, buf, 0, evil, 60);
	inject(ns1, 5353, q.sport, buf, n);                 /* wrong source port */
	inject(CAPNET_IP4(192, 0, 2, 66), 53, q.sport, buf, n); /* wrong source address */
	strcpy(bad.m.qname, "other.example.test");
	bad.m.hdr.id = q.m.hdr.id;
	n = answer(&bad, buf, 0, evil, 60); /* wrong question */
	inject(ns1, 53, q.sport, buf, n);
	uint8_t junk[] = {0, 1, 2};
	inject(ns1, 53, q.sport, junk, sizeof junk); /* malformed */
	struct capnet_dns_result r;
	ck_assert_int_eq(settle(id, CAPNET_MS(1), &r), CAPNET_DNS_PENDING);
	struct capnet_dns_stub_status s;
	capnet_dns_stub_status(stub, &s);
	/* the connected socket filters other sources before the stub sees them */
	ck_assert_uint_eq(s.mismatched, 2);
	ck_assert_uint_eq(s.malformed[CAPNET_DNS_ERR_TRUNCATED], 1);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_udp_rx_filtered), 2);
	reply(&q, 0, a9, 60);
	ck_assert_int_eq(settle(id, CAPNET_MS(2), &r), CAPNET_DNS_FOUND);
	ck_assert_uint_eq(capnet_ipaddr_ip4(&r.addrs[0]), CAPNET_IP4(192, 0, 2, 9));
}
END_TEST

START_TEST(test_nxdomain_negative_cache)
{
	struct sentq q;
	uint32_t id = ask(1, "nope.example.test", CAPNET_DNS_WANT_A, &q);
	reply(&q, CAPNET_DNS_RCODE_NXDOMAIN, NULL, 0);
	struct capnet_dns_result r;
	ck_assert_int_eq(settle(id, CAPNET_MS(1), &r), CAPNET_DNS_NXDOMAIN);
	/* cached for min(SOA ttl 3600, minimum 30) = 30 s */
	size_t before = st.cn.ntx;
	id = start("nope.example.test", CAPNET_DNS_WANT_A, CAPNET_S(29));
	ck_assert_int_eq(result(id, &r), CAPNET_DNS_NXDOMAIN);
	ck_assert_uint_eq(st.cn.ntx, before);
	id = start("nope.example.test", CAPNET_DNS_WANT_A, CAPNET_S(31));
	ck_assert_int_eq(result(id, &r), CAPNET_DNS_PENDING);
	ck_assert_uint_eq(st.cn.ntx, before + 1);
	capnet_dns_stub_cancel(stub, id);
}
END_TEST

START_TEST(test_nodata)
{
	struct sentq q;
	uint32_t id = ask(1, "v4only.example.test", CAPNET_DNS_WANT_AAAA, &q);
	reply(&q, 0, NULL, 0);
	struct capnet_dns_result r;
	ck_assert_int_eq(settle(id, CAPNET_MS(1), &r), CAPNET_DNS_NODATA);
}
END_TEST

START_TEST(test_timeout_figures)
{
	set_servers(CAPNET_PROV_STATIC, 2, NULL);
	uint32_t id = start("slow.example.test", CAPNET_DNS_WANT_A, 0);
	/* tries at 0 (ns1), 2 (ns2), 4 (ns1), 6 (ns2); the end at 8 s */
	capnet_instant t = 0, next;
	capnet_ip4addr want[4] = {ns1, ns2, ns1, ns2};
	struct sentq q;
	struct capnet_dns_result r;
	for (int i = 0; i < 4; i++) {
		ck_assert(next_query(&q));
		ck_assert_uint_eq(q.dst, want[i]);
		next = capnet_iface_poll(st.ifc, t);
		ck_assert_int_eq(next, t + CAPNET_S(2));
		ck_assert_int_eq(result(id, &r), CAPNET_DNS_PENDING);
		t = next;
		capnet_iface_poll(st.ifc, t);
	}
	ck_assert_int_eq(result(id, &r), CAPNET_DNS_TIMEOUT);
	ck_assert_int_eq(t, CAPNET_S(8));
	struct capnet_dns_stub_status s;
	capnet_dns_stub_status(stub, &s);
	ck_assert_uint_eq(s.queries_sent, 4);
	ck_assert_uint_eq(s.timeouts, 4);
	ck_assert_int_eq(s.last_error, CAPNET_DNS_TIMEOUT);
}
END_TEST

START_TEST(test_unavailable_sends_nothing)
{
	uint32_t id = start("h.example.test", CAPNET_DNS_WANT_BOTH, 0);
	struct capnet_dns_result r;
	ck_assert_int_eq(result(id, &r), CAPNET_DNS_UNAVAILABLE);
	ck_assert_uint_eq(st.cn.ntx, 0);
	ck_assert_int_eq(capnet_iface_poll(st.ifc, 0), CAPNET_INSTANT_NEVER);
}
END_TEST

START_TEST(test_servfail_next_server)
{
	struct sentq q;
	uint32_t id = ask(2, "h.example.test", CAPNET_DNS_WANT_A, &q);
	ck_assert_uint_eq(q.dst, ns1);
	reply(&q, CAPNET_DNS_RCODE_SERVFAIL, NULL, 0);
	capnet_iface_poll(st.ifc, CAPNET_MS(1));
	ck_assert(next_query(&q));
	ck_assert_uint_eq(q.dst, ns2); /* at once, not after the try timeout */
	reply(&q, 0, a9, 60);
	struct capnet_dns_result r;
	ck_assert_int_eq(settle(id, CAPNET_MS(2), &r), CAPNET_DNS_FOUND);
}
END_TEST

START_TEST(test_cname_chain_requeried)
{
	struct sentq q;
	uint32_t id = ask(1, "alias.example.test", CAPNET_DNS_WANT_A, &q);
	const char *from[] = {q.m.qname}, *to[] = {"target.example.test"};
	reply_cnames(&q, from, to, 1);
	capnet_iface_poll(st.ifc, CAPNET_MS(1));
	ck_assert(next_query(&q));
	ck_assert_str_eq(q.m.qname, "target.example.test");
	reply(&q, 0, a9, 60);
	struct capnet_dns_result r;
	ck_assert_int_eq(settle(id, CAPNET_MS(2), &r), CAPNET_DNS_FOUND);
	ck_assert_str_eq(r.canon, "target.example.test");
}
END_TEST

START_TEST(test_cname_loop_bounded)
{
	struct sentq q;
	uint32_t id = ask(1, "a.example.test", CAPNET_DNS_WANT_A, &q);
	const char *from[] = {"a.example.test", "b.example.test"}, *to[] = {"b.example.test", "a.example.test"};
	reply_cnames(&q, from, to, 2);
	struct capnet_dns_result r;
	ck_assert_int_eq(settle(id, CAPNET_MS(1), &r), CAPNET_DNS_MALFORMED);
}
END_TEST

START_TEST(test_search_ndots)
{
	set_servers(CAPNET_PROV_STATIC, 1, "corp.example.test");
	uint32_t id = start("printer", CAPNET_DNS_WANT_A, 0);
	struct sentq q;
	ck_assert(next_query(&q));
	ck_assert_str_eq(q.m.qname, "printer.corp.example.test"); /* fewer dots than ndots: search first */
	reply(&q, CAPNET_DNS_RCODE_NXDOMAIN, NULL, 0);
	capnet_iface_poll(st.ifc, CAPNET_MS(1));
	ck_assert(next_query(&q));
	ck_assert_str_eq(q.m.qname, "printer");
	reply(&q, CAPNET_DNS_RCODE_NXDOMAIN, NULL, 0);
	struct capnet_dns_result r;
	ck_assert_int_eq(settle(id, CAPNET_MS(2), &r), CAPNET_DNS_NXDOMAIN);
	/* a dotted name is asked as is first; a trailing dot, only as is */
	id = start("www.example.test", CAPNET_DNS_WANT_A, CAPNET_S(1));
	ck_assert(next_query(&q));
	ck_assert_str_eq(q.m.qname, "www.example.test");
	capnet_dns_stub_cancel(stub, id);
	id = start("gw.", CAPNET_DNS_WANT_A, CAPNET_S(1));
	ck_assert(next_query(&q));
	ck_assert_str_eq(q.m.qname, "gw");
	reply(&q, CAPNET_DNS_RCODE_NXDOMAIN, NULL, 0);
	ck_assert_int_eq(settle(id, CAPNET_S(1), &r), CAPNET_DNS_NXDOMAIN);
	ck_assert(!next_query(&q));
}
END_TEST

START_TEST(test_lease_expiry_drops_server)
{
	set_servers(CAPNET_PROV_DHCP, 1, NULL);
	uint32_t id = start("h.example.test", CAPNET_DNS_WANT_A, 0);
	struct sentq q;
	ck_assert(next_query(&q));
	/* the lease ends: its server is gone at once */
	ck_assert_int_eq(capnet_ip4cfg_clear(layers, CAPNET_PROV_DHCP, CAPNET_MS(500)), CAPNET_OK);
	reply(&q, 0, a9, 60); /* a late answer from the stale server */
	struct capnet_dns_result r;
	ck_assert_int_eq(settle(id, CAPNET_MS(500), &r), CAPNET_DNS_UNAVAILABLE);
	ck_assert(!next_query(&q));
	struct capnet_dns_stub_status s;
	capnet_dns_stub_status(stub, &s);
	ck_assert_uint_eq(s.abandoned, 1); /* and its answer was never read */
}
END_TEST

START_TEST(test_randomised_case_must_echo)
{
	capnet_dns_stub_flush(stub);
	struct capnet_dns_stub_config c = {.randomise_case = true};
	struct capnet_dns_stub *s2;
	ck_assert_int_eq(capnet_dns_stub_create(&st.arena, &c, st.ifc, udp, layers, &s2), CAPNET_OK);
	stub = s2;
	struct sentq q;
	uint32_t id = ask(1, "mixedcase.example.test", CAPNET_DNS_WANT_A, &q);
	ck_assert(capnet_dns_name_eq(q.m.qname, "mixedcase.example.test"));
	ck_assert_str_ne(q.m.qname, "mixedcase.example.test");
	struct sentq lower = q;
	strcpy(lower.m.qname, "mixedcase.example.test");
	reply(&lower, 0, a9, 60); /* the case not echoed: ignored */
	struct capnet_dns_result r;
	ck_assert_int_eq(settle(id, CAPNET_MS(1), &r), CAPNET_DNS_PENDING);
	reply(&q, 0, a9, 60);
	ck_assert_int_eq(settle(id, CAPNET_MS(2), &r), CAPNET_DNS_FOUND);
}
END_TEST

START_TEST(test_cache_bound)
{
	struct capnet_dns_stub_config c = {.cache_entries = 2};
	ck_assert_int_eq(capnet_dns_stub_create(&st.arena, &c, st.ifc, udp, layers, &stub), CAPNET_OK);
	set_servers(CAPNET_PROV_STATIC, 1, NULL);
	const char *names[3] = {"a.example.test", "b.example.test", "c.example.test"};
	uint32_t ttl[3] = {100, 50, 200};
	for (int i = 0; i < 3; i++) {
		uint32_t id = start(names[i], CAPNET_DNS_WANT_A, 0);
		struct sentq q;
		ck_assert(next_query(&q));
		reply(&q, 0, a9, ttl[i]);
		capnet_iface_poll(st.ifc, 0);
		struct capnet_dns_result r;
		ck_assert_int_eq(result(id, &r), CAPNET_DNS_FOUND);
	}
	struct capnet_dns_stub_status s;
	capnet_dns_stub_status(stub, &s);
	ck_assert_uint_eq(s.cache_entries, 2);
	ck_assert_uint_eq(s.cache_evictions, 1); /* b, the nearest expiry, went */
	uint32_t id;
	struct capnet_dns_result r;
	id = start("b.example.test", CAPNET_DNS_WANT_A, 0);
	ck_assert_int_eq(result(id, &r), CAPNET_DNS_PENDING);
	capnet_dns_stub_cancel(stub, id);
	id = start("a.example.test", CAPNET_DNS_WANT_A, 0);
	ck_assert_int_eq(result(id, &r), CAPNET_DNS_FOUND);
}
END_TEST

START_TEST(test_bad_names_and_bounds)
{
	set_servers(CAPNET_PROV_STATIC, 1, NULL);
	uint32_t id;
	struct capnet_dns_result r;
	char longname[300];
	memset(longname, 'a', 299);
	longname[299] = 0;
	const char *bad[] = {"", ".", "a..b", longname};
	for (size_t i = 0; i < 4; i++) {
		id = start(bad[i], CAPNET_DNS_WANT_A, 0);
		ck_assert_int_eq(result(id, &r), CAPNET_DNS_BADNAME);
	}
	struct sentq q;
	ck_assert(!next_query(&q));
	ck_assert_int_eq(capnet_dns_stub_start(stub, "x", 4, 0, &id), CAPNET_E_INVAL);
	for (int i = 0; i < 4; i++)
		id = start("x.test", CAPNET_DNS_WANT_A, 0);
	ck_assert_int_eq(capnet_dns_stub_start(stub, "x.test", CAPNET_DNS_WANT_A, 0, &id), CAPNET_E_NOMEM);
	ck_assert_int_eq(capnet_dns_stub_result(stub, 9999, &r), CAPNET_E_NOTFOUND);
	for (uint32_t i = 5; i <= 8; i++)
		capnet_dns_stub_cancel(stub, i);
}
END_TEST

/* ---- over IPv6: the RDNSS servers of a router advertisement ---- */

static const struct capnet_ip6addr ip6_h = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a}};
static const struct capnet_ip6addr ns6 = {{0x20, 0x01, 0x0d, 0xb8, [15] = 0x53}};

/* IPv6 on (no RS/SLAAC), 2001:db8::a static past DAD, the server's MAC
 * known, and no IPv4 resolver configuration at all. */
static void setup6(void)
{
	struct capnet_iface_config cfg = {0};
	cfg.ip6.enable = true;
	cfg.ip6.no_slaac = true;
	test_stack_init(&st, mac_h, &cfg);
	ck_assert_int_eq(capnet_udp_create(&st.arena, NULL, st.ifc, &udp), CAPNET_OK);
	ck_assert_int_eq(capnet_ip4cfg_create(&st.arena, st.ifc, &layers), CAPNET_OK);
	ck_assert_int_eq(capnet_dns_stub_create(&st.arena, NULL, st.ifc, udp, layers, &stub), CAPNET_OK);
	ck_assert_int_eq(capnet_ip6_addr_add(st.ifc, &ip6_h, 64, CAPNET_PROV_STATIC, 0), CAPNET_OK);
	capnet_iface_poll(st.ifc, 0);
	capnet_iface_poll(st.ifc, CAPNET_S(2));
	capnet_iface_poll(st.ifc, CAPNET_S(4));
	struct capnet_ipaddr a = {.af = CAPNET_AF_INET6};
	a.u.v6 = ns6;
	ck_assert_int_eq(capnet_neigh_add_static(st.ifc, &a, mac_s), CAPNET_OK);
	seen = st.cn.ntx;
}

/* An RA from fe80::1 naming 2001:db8::53 by RDNSS for 600 s. */
static void inject_ra_rdnss(capnet_instant now)
{
	struct capnet_ndp_repr ra = {.type = CAPNET_ICMP6_ROUTER_ADVERT, .router_lifetime = 0, .nrdnss = 1};
	ra.rdnss_lifetime = 600;
	ra.rdnss[0] = ns6;
	struct capnet_ip6addr src = {{0xfe, 0x80, [15] = 1}};
	uint8_t f[200];
	memcpy(f, (uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	memcpy(f + 6, mac_s.b, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	size_t n = capnet_ndp_emit(&ra, &src, &capnet_ip6_all_nodes, f + 54);
	memcpy(f + 14, (uint8_t[]){0x60, 0, 0, 0, 0, (uint8_t)n, 58, 255}, 8);
	memcpy(f + 22, src.b, 16);
	memcpy(f + 38, capnet_ip6_all_nodes.b, 16);
	capnet_iface_input(st.ifc, f, 54 + n, now);
}

START_TEST(test_rdnss_server_over_ipv6)
{
	struct capnet_dns_stub_status ss;
	capnet_dns_stub_status(stub, &ss);
	ck_assert_uint_eq(ss.n_servers, 0);
	inject_ra_rdnss(CAPNET_S(5));
	capnet_dns_stub_status(stub, &ss);
	ck_assert_uint_eq(ss.n_servers, 1);
	ck_assert_int_eq(ss.servers_provenance, CAPNET_PROV_RA);
	ck_assert_int_eq(ss.servers[0].af, CAPNET_AF_INET6);
	uint32_t id = start("host.example.test", CAPNET_DNS_WANT_AAAA, CAPNET_S(5));
	/* The query goes out over IPv6 to [2001:db8::53]:53. */
	const struct capture_frame *f = NULL;
	while (seen < st.cn.ntx) {
		const struct capture_frame *c = &st.cn.tx[seen++];
		if (c->len > 62 && capnet_get16(c->data + 12) == 0x86dd && c->data[20] == 17 &&
		    capnet_get16(c->data + 56) == 53)
			f = c;
	}
	ck_assert_ptr_nonnull(f);
	ck_assert_mem_eq(f->data + 22, ip6_h.b, 16);
	ck_assert_mem_eq(f->data + 38, ns6.b, 16);
	struct sentq q;
	size_t plen = capnet_get16(f->data + 58) - 8;
	memcpy(q.raw, f->data + 62, plen);
	q.sport = capnet_get16(f->data + 54);
	ck_assert_int_eq(capnet_dns_parse(q.raw, plen, &q.m), CAPNET_DNS_ERR_NONE);
	/* The answer, over IPv6 from the server's port 53. */
	uint8_t buf[600];
	size_t n = answer(&q, buf, 0, v6, 300);
	uint8_t r[700];
	memcpy(r, mac_h.b, 6);
	memcpy(r + 6, mac_s.b, 6);
	r[12] = 0x86;
	r[13] = 0xdd;
	struct capnet_udp_repr u = {.src_port = 53, .dst_port = q.sport, .payload = buf, .payload_len = n};
	size_t ulen = capnet_udp_emit6(&u, r + 54, &ns6, &ip6_h);
	memcpy(r + 14, (uint8_t[]){0x60, 0, 0, 0, (uint8_t)(ulen >> 8), (uint8_t)ulen, 17, 64}, 8);
	memcpy(r + 22, ns6.b, 16);
	memcpy(r + 38, ip6_h.b, 16);
	capnet_iface_input(st.ifc, r, 54 + ulen, CAPNET_S(5) + CAPNET_MS(10));
	struct capnet_dns_result res;
	ck_assert_int_eq(settle(id, CAPNET_S(5) + CAPNET_MS(10), &res), CAPNET_DNS_FOUND);
	ck_assert_uint_eq(res.n_addrs, 1);
	ck_assert_mem_eq(res.addrs[0].u.v6.b, v6, 16);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sock-dns-stub");
	TCase *tc = check_add_case(s, "stub", setup, teardown, 0);
	tcase_add_test(tc, test_a_found);
	tcase_add_test(tc, test_a_and_aaaa_in_parallel);
	tcase_add_test(tc, test_spoofed_answers_ignored);
	tcase_add_test(tc, test_nxdomain_negative_cache);
	tcase_add_test(tc, test_nodata);
	tcase_add_test(tc, test_timeout_figures);
	tcase_add_test(tc, test_unavailable_sends_nothing);
	tcase_add_test(tc, test_servfail_next_server);
	tcase_add_test(tc, test_cname_chain_requeried);
	tcase_add_test(tc, test_cname_loop_bounded);
	tcase_add_test(tc, test_search_ndots);
	tcase_add_test(tc, test_lease_expiry_drops_server);
	tcase_add_test(tc, test_randomised_case_must_echo);
	tcase_add_test(tc, test_cache_bound);
	tcase_add_test(tc, test_bad_names_and_bounds);
	TCase *t6 = check_add_case(s, "ipv6", setup6, teardown, 0);
	tcase_add_test(t6, test_rdnss_server_over_ipv6);
	return s;
}
