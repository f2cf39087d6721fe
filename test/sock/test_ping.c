/* Ping sessions (capnet/ping.h) on a capture nic: the exact echo request
 * sent, each way a reply can be refused (and that a refused reply never
 * counts), errors quoting our request, the window, the deadline, stop. */
#include <string.h>

#include "check_main.h"

#include "capnet/ping.h"
#include "capnet/wire/checksum.h"
#include "support/capture_nic.h"
#include "support/udp_frames.h"

static const struct capnet_mac MAC_US = {{0x02, 0, 0, 0, 0, 0x0a}}, MAC_PEER = {{0x02, 0, 0, 0, 0, 0x01}},
			       MAC_GW = {{0x02, 0, 0, 0, 0, 0xfe}};
#define IP_US CAPNET_IP4(192, 0, 2, 10)
#define IP_PEER CAPNET_IP4(192, 0, 2, 1)
#define IP_GW CAPNET_IP4(192, 0, 2, 254)

static struct test_stack st;
static struct capnet_ping_layer *pl;

static void setup_window(uint16_t window)
{
	test_stack_init(&st, MAC_US, NULL);
	ck_assert_ptr_nonnull(st.ifc);
	struct capnet_ping_config c = {.max_sessions = 2, .window = window};
	ck_assert_int_eq(capnet_ping_create(&st.arena, &c, st.ifc, &pl), CAPNET_OK);
	struct capnet_ip4_config ip = {IP_US, 24, IP_GW, CAPNET_PROV_STATIC};
	ck_assert_int_eq(capnet_iface_set_ip4(st.ifc, &ip, 0), CAPNET_OK);
	ck_assert_int_eq(capnet_arp_add_static(st.ifc, IP_PEER, MAC_PEER), CAPNET_OK);
	ck_assert_int_eq(capnet_arp_add_static(st.ifc, IP_GW, MAC_GW), CAPNET_OK);
	capture_nic_clear(&st.cn);
}

static struct capnet_ping_session *start(uint32_t count, uint16_t payload, capnet_instant now)
{
	struct capnet_ping_request r = {capnet_ipaddr_from_ip4(IP_PEER), count, CAPNET_S(1), payload, CAPNET_S(1), 0};
	struct capnet_ping_session *s = NULL;
	ck_assert_int_eq(capnet_ping_start(pl, &r, now, &s), CAPNET_OK);
	return s;
}

static uint16_t ident_of(const struct capnet_ping_session *s)
{
	struct capnet_ping_summary sum;
	capnet_ping_summary(s, &sum);
	return sum.ident;
}

/* An ICMP message (checksummed, then `flip` XORed into byte 2 to break it). */
static size_t icmp(uint8_t *m, uint8_t type, uint8_t code, uint16_t ident, uint16_t seq, const uint8_t *data,
		   size_t len, uint8_t flip)
{
	m[0] = type;
	m[1] = code;
	m[2] = m[3] = 0;
	m[4] = (uint8_t)(ident >> 8);
	m[5] = (uint8_t)ident;
	m[6] = (uint8_t)(seq >> 8);
	m[7] = (uint8_t)seq;
	memcpy(m + 8, data, len);
	uint16_t c = capnet_csum(m, 8 + len);
	m[2] = (uint8_t)((c >> 8) ^ flip);
	m[3] = (uint8_t)c;
	return 8 + len;
}

static void feed(capnet_ip4addr src, struct capnet_mac mac, const uint8_t *m, size_t len, capnet_instant now)
{
	uint8_t f[1600];
	size_t n = tf_eth(f, MAC_US, mac, 0x0800);
	n += tf_ip(f + n, src, IP_US, 1, 7, 64, m, len);
	if (n < 60) {
		memset(f + n, 0, 60 - n);
		n = 60;
	}
	capnet_iface_input(st.ifc, f, n, now);
}

/* The reply the peer owes probe `seq` of 8 data bytes (i + seq). */
static void reply(uint16_t ident, uint16_t seq, size_t len, uint8_t flip, uint8_t alter, capnet_instant now)
{
	uint8_t d[64], m[80];
	for (size_t i = 0; i < sizeof d; i++)
		d[i] = (uint8_t)(i + seq);
	d[0] ^= alter;
	feed(IP_PEER, MAC_PEER, m, icmp(m, 0, 0, ident, seq, d, len, flip), now);
}

START_TEST(test_request_bytes)
{
	setup_window(4);
	struct capnet_ping_session *s = start(1, 8, 0);
	ck_assert_uint_eq(st.cn.ntx, 1);
	const uint8_t *f = st.cn.tx[0].data;
	uint16_t id = ident_of(s);
	uint8_t want[16] = {8, 0, 0, 0, (uint8_t)(id >> 8), (uint8_t)id, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8};
	uint16_t c = capnet_csum(want, sizeof want);
	want[2] = (uint8_t)(c >> 8);
	want[3] = (uint8_t)c;
	ck_assert_uint_eq(st.cn.tx[0].len, 60); /* 14 + 20 + 16, padded */
	ck_assert_int_eq(memcmp(f, MAC_PEER.b, 6), 0);
	ck_assert_uint_eq(f[14 + 9], 1);                              /* ICMP */
	ck_assert_uint_eq((unsigned)(f[14 + 2] << 8 | f[14 + 3]), 36); /* total length */
	ck_assert_int_eq(memcmp(f + 34, want, sizeof want), 0);
	ck_assert_uint_ne(id, 0);
}
END_TEST

START_TEST(test_reply_counts_once)
{
	setup_window(4);
	struct capnet_ping_session *s = start(1, 8, 0);
	uint16_t id = ident_of(s);
	reply(id, 1, 8, 0, 0, CAPNET_MS(3));
	reply(id, 1, 8, 0, 0, CAPNET_MS(4)); /* a duplicate */
	struct capnet_ping_probe p;
	ck_assert_uint_eq(capnet_ping_events(s), CAPNET_PING_EV_READABLE | CAPNET_PING_EV_DONE);
	ck_assert_int_eq(capnet_ping_next(s, CAPNET_MS(5), &p), CAPNET_OK);
	ck_assert_int_eq(p.outcome, CAPNET_PING_REPLY);
	ck_assert_int_eq(p.rtt, CAPNET_MS(3));
	ck_assert_uint_eq(p.bytes, 16);
	ck_assert_uint_eq(p.ttl, 64);
	ck_assert_int_eq(capnet_ping_next(s, CAPNET_MS(5), &p), CAPNET_E_CLOSED);
	struct capnet_ping_summary sum;
	capnet_ping_summary(s, &sum);
	ck_assert_uint_eq(sum.transmitted, 1);
	ck_assert_uint_eq(sum.received, 1);
	ck_assert_uint_eq(sum.duplicates, 1);
	ck_assert_int_eq(sum.rtt_min, CAPNET_MS(3));
	ck_assert_int_eq(sum.rtt_mdev, 0);
	ck_assert_int_eq(sum.finished, CAPNET_MS(3));
}
END_TEST

/* Each refusal is counted by reason and leaves the probe waiting; at its
 * timeout it is malformed-reply-dropped, never a reply. */
START_TEST(test_malformed_never_a_reply)
{
	setup_window(4);
	struct capnet_ping_session *s = start(1, 8, 0);
	uint16_t id = ident_of(s);
	reply(id, 1, 8, 0x40, 0, CAPNET_MS(1));                 /* bad checksum */
	reply((uint16_t)(id ^ 0x5a5a), 1, 8, 0, 0, CAPNET_MS(1)); /* nobody's identifier, from the peer */
	reply(id, 1, 4, 0, 0, CAPNET_MS(1));                    /* truncated */
	reply(id, 1, 9, 0, 0, CAPNET_MS(1));                    /* longer than sent */
	reply(id, 1, 8, 0, 0xff, CAPNET_MS(1));                 /* altered */
	ck_assert_uint_eq(capnet_ping_events(s), 0);
	struct capnet_ping_summary sum;
	capnet_ping_summary(s, &sum);
	ck_assert_uint_eq(sum.malformed, 5);
	ck_assert_uint_eq(sum.malformed_by[CAPNET_PING_MALFORMED_BAD_CHECKSUM], 1);
	ck_assert_uint_eq(sum.malformed_by[CAPNET_PING_MALFORMED_WRONG_IDENT], 1);
	ck_assert_uint_eq(sum.malformed_by[CAPNET_PING_MALFORMED_TRUNCATED], 1);
	ck_assert_uint_eq(sum.malformed_by[CAPNET_PING_MALFORMED_ALTERED], 2);
	ck_assert_uint_eq(test_stat(&st, CAPNET_STAT_icmp_badsum), 1);
	capnet_iface_poll(st.ifc, CAPNET_S(1));
	struct capnet_ping_probe p;
	ck_assert_int_eq(capnet_ping_next(s, CAPNET_S(1), &p), CAPNET_OK);
	ck_assert_int_eq(p.outcome, CAPNET_PING_MALFORMED);
	ck_assert_uint_eq(p.malformed, 5);
	ck_assert_int_eq(p.malformed_reason, CAPNET_PING_MALFORMED_ALTERED);
	ck_assert_int_eq(p.at, CAPNET_S(1));
	capnet_ping_summary(s, &sum);
	ck_assert_uint_eq(sum.received, 0);
	ck_assert_uint_eq(sum.malformed_probes, 1);
	ck_assert(sum.done);
}
END_TEST

START_TEST(test_good_after_malformed_is_a_reply)
{
	setup_window(4);
	struct capnet_ping_session *s = start(1, 8, 0);
	uint16_t id = ident_of(s);
	reply(id, 1, 8, 0, 0xff, CAPNET_MS(1));
	reply(id, 1, 8, 0, 0, CAPNET_MS(2));
	struct capnet_ping_probe p;
	ck_assert_int_eq(capnet_ping_next(s, CAPNET_MS(2), &p), CAPNET_OK);
	ck_assert_int_eq(p.outcome, CAPNET_PING_REPLY);
	ck_assert_uint_eq(p.malformed, 1);
}
END_TEST

/* A host unreachable quoting probe 1; one quoting another destination, or
 * another identifier, changes nothing. */
START_TEST(test_unreachable_quote)
{
	setup_window(4);
	struct capnet_ping_session *s = start(1, 8, 0);
	uint16_t id = ident_of(s);
	const uint8_t *req = st.cn.tx[0].data + 14;
	uint8_t q[28], m[64];
	memcpy(q, req, 28);
	q[16 + 3] ^= 1; /* the quoted destination: 192.0.2.0 */
	feed(IP_GW, MAC_GW, m, icmp(m, 3, 1, 0, 0, q, 28, 0), CAPNET_MS(1));
	memcpy(q, req, 28);
	q[20 + 5] ^= 1; /* another identifier */
	feed(IP_GW, MAC_GW, m, icmp(m, 3, 1, 0, 0, q, 28, 0), CAPNET_MS(1));
	ck_assert_uint_eq(capnet_ping_events(s), 0);
	memcpy(q, req, 28);
	feed(IP_GW, MAC_GW, m, icmp(m, 3, 1, 0, 0, q, 28, 0), CAPNET_MS(2));
	struct capnet_ping_probe p;
	ck_assert_int_eq(capnet_ping_next(s, CAPNET_MS(2), &p), CAPNET_OK);
	ck_assert_int_eq(p.outcome, CAPNET_PING_UNREACHABLE);
	ck_assert_uint_eq(p.icmp_type, 3);
	ck_assert_uint_eq(p.icmp_code, 1);
	ck_assert_uint_eq(capnet_ipaddr_ip4(&p.from), IP_GW);
	ck_assert_uint_eq(id, (unsigned)(req[24] << 8 | req[25]));
	struct capnet_ping_summary sum;
	capnet_ping_summary(s, &sum);
	ck_assert_uint_eq(sum.errors, 1);
}
END_TEST

/* Two slots: the third probe waits for a read, then goes from it. */
START_TEST(test_window_backpressure)
{
	setup_window(2);
	struct capnet_ping_request r = {capnet_ipaddr_from_ip4(IP_PEER), 3, CAPNET_MS(10), 0, CAPNET_MS(5), 0};
	struct capnet_ping_session *s;
	ck_assert_int_eq(capnet_ping_start(pl, &r, 0, &s), CAPNET_OK);
	for (capnet_instant t = CAPNET_MS(5); t <= CAPNET_MS(40); t += CAPNET_MS(5))
		capnet_iface_poll(st.ifc, t);
	ck_assert_uint_eq(st.cn.ntx, 2); /* two timed out, unread: no slot */
	struct capnet_ping_probe p;
	ck_assert_int_eq(capnet_ping_next(s, CAPNET_MS(41), &p), CAPNET_OK);
	ck_assert_int_eq(p.outcome, CAPNET_PING_TIMEOUT);
	ck_assert_uint_eq(st.cn.ntx, 3);
	ck_assert_uint_eq(st.cn.tx[2].data[34 + 7], 3); /* seq 3 */
}
END_TEST

START_TEST(test_deadline_and_stop)
{
	setup_window(4);
	struct capnet_ping_request r = {capnet_ipaddr_from_ip4(IP_PEER), 5, CAPNET_S(1), 0, CAPNET_S(10), CAPNET_MS(1500)};
	struct capnet_ping_session *s;
	ck_assert_int_eq(capnet_ping_start(pl, &r, 0, &s), CAPNET_OK);
	capnet_iface_poll(st.ifc, CAPNET_S(1));
	capnet_iface_poll(st.ifc, CAPNET_MS(1500));
	struct capnet_ping_summary sum;
	capnet_ping_summary(s, &sum);
	ck_assert(sum.done);
	ck_assert_uint_eq(sum.transmitted, 2);
	ck_assert_uint_eq(sum.timeouts, 2);
	ck_assert_int_eq(sum.finished, CAPNET_MS(1500));
	capnet_ping_close(s);

	s = start(3, 0, CAPNET_S(2));
	capnet_ping_stop(s, CAPNET_MS(2100));
	capnet_ping_summary(s, &sum);
	ck_assert(sum.done);
	ck_assert_uint_eq(sum.transmitted, 1);
	ck_assert_uint_eq(sum.timeouts, 1);
}
END_TEST

START_TEST(test_bad_requests)
{
	setup_window(4);
	struct capnet_ping_session *s;
	struct capnet_ping_request r = {capnet_ipaddr_from_ip4(IP_PEER), 0, CAPNET_S(1), 0, CAPNET_S(1), 0};
	ck_assert_int_eq(capnet_ping_start(pl, &r, 0, &s), CAPNET_E_INVAL); /* no probes */
	r.count = 1;
	r.payload = 1473;
	ck_assert_int_eq(capnet_ping_start(pl, &r, 0, &s), CAPNET_E_MSGSIZE); /* 1473 + 28 > 1500 */
	r.payload = 0;
	r.timeout = 0;
	ck_assert_int_eq(capnet_ping_start(pl, &r, 0, &s), CAPNET_E_INVAL);
	ck_assert_uint_eq(st.cn.ntx, 0);
	/* Two sessions at once, never the same identifier; a third: E_NOMEM. */
	struct capnet_ping_session *a = start(1, 0, 0), *b = start(1, 0, 0);
	ck_assert_uint_ne(ident_of(a), ident_of(b));
	r.timeout = CAPNET_S(1);
	ck_assert_int_eq(capnet_ping_start(pl, &r, 0, &s), CAPNET_E_NOMEM);
}
END_TEST

START_TEST(test_isqrt)
{
	ck_assert_uint_eq(capnet_ping_isqrt(0), 0);
	ck_assert_uint_eq(capnet_ping_isqrt(892444), 944);
	ck_assert_uint_eq(capnet_ping_isqrt(893025), 945);
	ck_assert_uint_eq(capnet_ping_isqrt(UINT64_MAX), 4294967295u);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sock-ping");
	TCase *t = tcase_create("ping");
	tcase_add_test(t, test_request_bytes);
	tcase_add_test(t, test_reply_counts_once);
	tcase_add_test(t, test_malformed_never_a_reply);
	tcase_add_test(t, test_good_after_malformed_is_a_reply);
	tcase_add_test(t, test_unreachable_quote);
	tcase_add_test(t, test_window_backpressure);
	tcase_add_test(t, test_deadline_and_stop);
	tcase_add_test(t, test_bad_requests);
	tcase_add_test(t, test_isqrt);
	suite_add_tcase(s, t);
	return s;
}
