/* DHCPv4 client: every state transition and every bad-reply outcome, step
 * by step. Each test owns a stack on a capture nic, drives the clock with
 * capnet_iface_poll(ifc, t), injects server replies, and asserts the state,
 * the frames sent (exact bytes where the bytes are the point), the lease
 * times and the counter that moved. The configuration-layer merge
 * (iface/ip4_config.c) has its own test case at the end. */
#include <string.h>

#include "capnet/dhcp4_client.h"
#include "capnet/ip4_config.h"
#include "capnet/udp.h"
#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/dhcp4.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/udp.h"
#include "check_main.h"
#include "support/capture_nic.h"
#include "support/udp_frames.h"

static const struct capnet_mac mac_c = {{0x02, 0, 0, 0, 0, 0x0c}}, mac_s = {{0x02, 0, 0, 0, 0, 0x01}},
			       mac_s2 = {{0x02, 0, 0, 0, 0, 0x02}}, mac_x = {{0x02, 0, 0, 0, 0, 0x99}};
static const capnet_ip4addr ip_s = CAPNET_IP4(192, 0, 2, 1), ip_s2 = CAPNET_IP4(192, 0, 2, 2),
			    ip_gw = CAPNET_IP4(192, 0, 2, 254), ip_lease = CAPNET_IP4(192, 0, 2, 100),
			    dns = CAPNET_IP4(198, 51, 100, 53);

static struct test_stack st;
static struct capnet_udp_layer *udp;
static struct capnet_ip4cfg *layers;
static struct capnet_dhcp4_client *cl;
static struct capnet_dhcp4_client_config ccfg;

static void make_client(void)
{
	ck_assert_int_eq(capnet_udp_create(&st.arena, NULL, st.ifc, &udp), CAPNET_OK);
	ck_assert_int_eq(capnet_ip4cfg_create(&st.arena, st.ifc, &layers), CAPNET_OK);
	ck_assert_int_eq(capnet_dhcp4_client_create(&st.arena, &ccfg, st.ifc, udp, layers, &cl), CAPNET_OK);
}

/* RFC timings with the randomness taken out, so times are exact: no
 * retransmission jitter, no PROBE_WAIT, probes exactly 1 s apart. */
static void setup(void)
{
	test_stack_init(&st, mac_c, NULL);
	ck_assert_ptr_nonnull(st.ifc);
	capnet_dhcp4_client_config_defaults(&ccfg);
	ccfg.retransmit_jitter = 0;
	ccfg.acd.probe_wait = 0;
	ccfg.acd.probe_min = ccfg.acd.probe_max = CAPNET_S(1);
	make_client();
}

static void teardown(void)
{
	capnet_dhcp4_client_release(cl, 0);
	/* No datagram buffer left behind on any path. */
	ck_assert_uint_eq(capnet_udp_buffers_in_use(udp), 0);
}

static capnet_instant poll_at(capnet_instant t)
{
	return capnet_iface_poll(st.ifc, t);
}

static uint64_t stat(enum capnet_stat s)
{
	return test_stat(&st, s);
}

static enum capnet_dhcp4_state state(void)
{
	return capnet_dhcp4_client_state(cl);
}

/* ---- what the client sent ---- */

struct sent {
	struct capnet_eth_repr eth;
	struct capnet_ip4_repr ip;
	struct capnet_udp_repr udp;
	struct capnet_dhcp4_repr d;
	const uint8_t *frame;
	size_t len;
};

static struct sent sent_buf;

/* Frame i, which must be a DHCP message from port 68 to 67. */
static const struct sent *tx_dhcp(size_t i)
{
	ck_assert_uint_gt(st.cn.ntx, i);
	struct sent *s = &sent_buf;
	s->frame = st.cn.tx[i].data;
	s->len = st.cn.tx[i].len;
	ck_assert_int_eq(capnet_eth_parse(s->frame, s->len, &s->eth, NULL), CAPNET_OK);
	ck_assert_uint_eq(s->eth.ethertype, CAPNET_ETHERTYPE_IPV4);
	const uint8_t *ip = s->frame + 14;
	ck_assert_int_eq(capnet_ip4_parse(ip, s->len - 14, &s->ip, NULL), CAPNET_OK);
	ck_assert_int_eq(capnet_udp_parse4(ip + 20, s->ip.payload_len, s->ip.src, s->ip.dst, &s->udp, NULL), CAPNET_OK);
	ck_assert_uint_eq(s->udp.src_port, 68);
	ck_assert_uint_eq(s->udp.dst_port, 67);
	ck_assert_int_eq(capnet_dhcp4_parse(s->udp.payload, s->udp.payload_len, &s->d, NULL), CAPNET_OK);
	return s;
}

static const struct sent *last_dhcp(void)
{
	ck_assert_uint_gt(st.cn.ntx, 0);
	for (size_t i = st.cn.ntx; i > 0; i--)
		if (capnet_get16(st.cn.tx[i - 1].data + 12) == CAPNET_ETHERTYPE_IPV4)
			return tx_dhcp(i - 1);
	ck_abort_msg("no DHCP frame sent");
	return NULL;
}

static size_t count_dhcp(uint8_t type)
{
	size_t n = 0;
	for (size_t i = 0; i < st.cn.ntx; i++) {
		if (capnet_get16(st.cn.tx[i].data + 12) != CAPNET_ETHERTYPE_IPV4)
			continue;
		if (!type || tx_dhcp(i)->d.message_type == type)
			n++;
	}
	return n;
}

static bool is_arp(size_t i, uint16_t op, capnet_ip4addr spa, capnet_ip4addr tpa)
{
	struct capnet_arp_repr a;
	return st.cn.tx[i].len >= 42 && capnet_get16(st.cn.tx[i].data + 12) == CAPNET_ETHERTYPE_ARP &&
	       capnet_arp_parse(st.cn.tx[i].data + 14, st.cn.tx[i].len - 14, &a, NULL) == CAPNET_OK && a.oper == op &&
	       a.spa == spa && a.tpa == tpa;
}

/* ---- replies ---- */

static uint32_t cur_xid(void)
{
	struct capnet_dhcp4_lease_info li;
	capnet_dhcp4_client_lease(cl, 0, &li);
	return li.xid;
}

static struct capnet_dhcp4_repr rep;

/* A well-formed reply from S for the current exchange: lease 100 s, /24,
 * router .254, one DNS server. Tests change what they are about. */
static struct capnet_dhcp4_repr *reply(uint8_t type)
{
	memset(&rep, 0, sizeof rep);
	rep.op = CAPNET_BOOTREPLY;
	rep.xid = cur_xid();
	rep.chaddr = mac_c;
	rep.message_type = type;
	rep.present = CAPNET_DHCP4_HAS_SERVER_ID;
	rep.server_id = ip_s;
	if (type == CAPNET_DHCP4_NAK)
		return &rep;
	rep.yiaddr = ip_lease;
	rep.siaddr = ip_s;
	rep.present |= CAPNET_DHCP4_HAS_LEASE_TIME | CAPNET_DHCP4_HAS_SUBNET_MASK;
	rep.lease_time = 100;
	rep.subnet_mask = 0xffffff00;
	rep.n_routers = 1;
	rep.routers[0] = ip_gw;
	rep.n_dns = 1;
	rep.dns[0] = dns;
	return &rep;
}

/* Sends a DHCP payload from src:sport (MAC smac) to the client. */
static void inject_raw(const uint8_t *payload, size_t plen, struct capnet_mac smac, capnet_ip4addr src, uint16_t sport,
		       capnet_ip4addr dst, capnet_instant now)
{
	static uint8_t f[1600];
	struct capnet_mac dmac = dst == CAPNET_IP4_BROADCAST ? CAPNET_MAC_BROADCAST : mac_c;
	size_t n = tf_eth(f, dmac, smac, 0x0800);
	static uint8_t u[1600];
	size_t ul = tf_udp(u, src, dst, sport, 68, payload, plen, 0);
	n += tf_ip(f + n, src, dst, 17, 7, 64, u, ul);
	capnet_iface_input(st.ifc, f, n, now);
}

static void inject_from(const struct capnet_dhcp4_repr *r, struct capnet_mac smac, capnet_ip4addr src,
			capnet_instant now)
{
	static uint8_t msg[1024];
	size_t n = capnet_dhcp4_emit(r, msg);
	ck_assert_uint_gt(n, 0);
	capnet_ip4addr dst = r->message_type == CAPNET_DHCP4_NAK ? CAPNET_IP4_BROADCAST
			     : r->ciaddr			? r->ciaddr
								: r->yiaddr;
	inject_raw(msg, n, smac, src, 67, dst, now);
}

static void inject(const struct capnet_dhcp4_repr *r, capnet_instant now)
{
	inject_from(r, mac_s, r->server_id ? r->server_id : ip_s, now);
}

static void inject_arp_reply(struct capnet_mac sha, capnet_ip4addr spa, capnet_ip4addr tpa, capnet_instant now)
{
	uint8_t f[60];
	tf_arp(f, 2, sha, spa, mac_c, tpa, mac_c);
	capnet_iface_input(st.ifc, f, 60, now);
}

/* start at 0, OFFER and ACK at 0, probes at 0, 1, 2 s, BOUND at 4 s. */
static void bind_at_4s(void)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	inject(reply(CAPNET_DHCP4_ACK), 0);
	poll_at(0);
	poll_at(CAPNET_S(1));
	poll_at(CAPNET_S(2));
	poll_at(CAPNET_S(4));
	ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
}

static void lease_info(capnet_instant now, struct capnet_dhcp4_lease_info *li)
{
	capnet_dhcp4_client_lease(cl, now, li);
}

static bool zero_state(void)
{
	struct capnet_ip4_config ic;
	capnet_iface_get_ip4(st.ifc, &ic);
	struct capnet_ip4_route rs[4];
	struct capnet_ip4cfg_view v;
	capnet_ip4cfg_get(layers, &v);
	const struct capnet_resolver_inputs *res = capnet_ip4cfg_resolver(layers);
	return ic.addr == 0 && capnet_iface_routes(st.ifc, rs, 4) == 0 && !v.configured && v.addr == 0 &&
	       v.gateway == 0 && res->n_servers == 0 && res->n_search == 0 && res->domain[0] == '\0';
}

/* ---- INIT / SELECTING ---- */

/* DISCOVER as it must appear on the wire: built here field by field. */
START_TEST(test_start_sends_exact_discover)
{
	ck_assert_int_eq(state(), CAPNET_DHCP4_STOPPED);
	ck_assert_int_eq(capnet_dhcp4_client_start(cl, 0), CAPNET_OK);
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	ck_assert_uint_eq(st.cn.ntx, 1);
	uint32_t xid = cur_xid();
	uint8_t d[300];
	memset(d, 0, sizeof d);
	d[0] = 1;
	d[1] = 1;
	d[2] = 6;
	capnet_put32(d + 4, xid);
	memcpy(d + 28, mac_c.b, 6);
	capnet_put32(d + 236, 0x63825363);
	const uint8_t opts[] = {53, 1, 1, 55, 12, 1, 3, 6, 15, 28, 51, 54, 58, 59, 119, 121, 26, 57, 2, 0x05, 0xdc,
				61, 7, 1, 0x02, 0, 0, 0, 0, 0x0c, 255};
	memcpy(d + 240, opts, sizeof opts);
	uint8_t want[400];
	size_t n = tf_eth(want, CAPNET_MAC_BROADCAST, mac_c, 0x0800);
	uint8_t u[400];
	size_t ul = tf_udp(u, 0, CAPNET_IP4_BROADCAST, 68, 67, d, sizeof d, 0);
	uint16_t ident = capnet_get16(st.cn.tx[0].data + 14 + 4);
	n += tf_ip(want + n, 0, CAPNET_IP4_BROADCAST, 17, ident, 64, u, ul);
	ck_assert_uint_eq(st.cn.tx[0].len, n);
	ck_assert_mem_eq(st.cn.tx[0].data, want, n);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_tx_discover), 1);
	ck_assert_int_eq(capnet_dhcp4_client_start(cl, 0), CAPNET_E_STATE);
}
END_TEST

START_TEST(test_discover_backoff_4_8_16_32_64_64)
{
	capnet_dhcp4_client_start(cl, 0);
	uint32_t xid = cur_xid();
	const int64_t at[] = {4, 12, 28, 60, 124, 188, 252};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		capnet_instant next = poll_at(CAPNET_S(at[i]) - 1);
		ck_assert_int_eq(next, CAPNET_S(at[i]));
		ck_assert_uint_eq(count_dhcp(CAPNET_DHCP4_DISCOVER), i + 1);
		poll_at(CAPNET_S(at[i]));
		ck_assert_uint_eq(count_dhcp(CAPNET_DHCP4_DISCOVER), i + 2);
		const struct sent *s = last_dhcp();
		ck_assert_uint_eq(s->d.xid, xid); /* a retransmission keeps its xid */
		ck_assert_uint_eq(s->d.secs, at[i]);
	}
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_retransmits), 7);
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
}
END_TEST

START_TEST(test_discover_jitter_within_one_second)
{
	test_stack_init(&st, mac_c, NULL);
	capnet_dhcp4_client_config_defaults(&ccfg);
	make_client();
	capnet_dhcp4_client_start(cl, 0);
	capnet_instant t = 0;
	capnet_duration base = CAPNET_S(4);
	for (int i = 0; i < 6; i++) {
		capnet_instant next = poll_at(t);
		capnet_duration gap = next - t;
		ck_assert_msg(gap >= base - CAPNET_S(1) && gap <= base + CAPNET_S(1), "gap %lld for %lld", (long long)gap,
			      (long long)base);
		t = next;
		base = base * 2 > CAPNET_S(64) ? CAPNET_S(64) : base * 2;
	}
}
END_TEST

START_TEST(test_init_delay_waits_in_init)
{
	test_stack_init(&st, mac_c, NULL);
	capnet_dhcp4_client_config_defaults(&ccfg);
	ccfg.init_delay = CAPNET_S(10);
	make_client();
	capnet_dhcp4_client_start(cl, 0);
	ck_assert_int_eq(state(), CAPNET_DHCP4_INIT);
	ck_assert_uint_eq(st.cn.ntx, 0);
	capnet_instant next = poll_at(0);
	ck_assert(next >= 0 && next <= CAPNET_S(10));
	poll_at(next);
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	ck_assert_uint_eq(count_dhcp(CAPNET_DHCP4_DISCOVER), 1);
}
END_TEST

START_TEST(test_offer_gives_request_naming_server)
{
	capnet_dhcp4_client_start(cl, 0);
	uint32_t xid = cur_xid();
	inject(reply(CAPNET_DHCP4_OFFER), CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_REQUESTING);
	const struct sent *s = last_dhcp();
	ck_assert_uint_eq(s->d.message_type, CAPNET_DHCP4_REQUEST);
	ck_assert_uint_eq(s->d.xid, xid);
	ck_assert(capnet_mac_is_broadcast(s->eth.dst));
	ck_assert_uint_eq(s->ip.src, 0);
	ck_assert_uint_eq(s->ip.dst, CAPNET_IP4_BROADCAST);
	ck_assert_uint_eq(s->d.ciaddr, 0);
	ck_assert(s->d.present & CAPNET_DHCP4_HAS_REQUESTED_IP);
	ck_assert_uint_eq(s->d.requested_ip, ip_lease);
	ck_assert(s->d.present & CAPNET_DHCP4_HAS_SERVER_ID);
	ck_assert_uint_eq(s->d.server_id, ip_s);
	ck_assert_uint_eq(s->d.secs, 1);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_offer), 1);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_tx_request), 1);
}
END_TEST

START_TEST(test_first_valid_offer_wins)
{
	capnet_dhcp4_client_start(cl, 0);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_OFFER);
	r->lease_time = 0; /* invalid: skipped */
	inject(r, CAPNET_MS(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	r = reply(CAPNET_DHCP4_OFFER);
	r->server_id = ip_s2;
	r->yiaddr = CAPNET_IP4(192, 0, 2, 150);
	inject_from(r, mac_s2, ip_s2, CAPNET_MS(2));
	ck_assert_int_eq(state(), CAPNET_DHCP4_REQUESTING);
	inject(reply(CAPNET_DHCP4_OFFER), CAPNET_MS(3)); /* S1, too late */
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_unexpected), 1);
	const struct sent *s = last_dhcp();
	ck_assert_uint_eq(s->d.server_id, ip_s2);
	ck_assert_uint_eq(s->d.requested_ip, CAPNET_IP4(192, 0, 2, 150));
	ck_assert_uint_eq(count_dhcp(CAPNET_DHCP4_REQUEST), 1);
}
END_TEST

/* ---- REQUESTING ---- */

START_TEST(test_request_retransmits_then_init)
{
	capnet_dhcp4_client_start(cl, 0);
	uint32_t xid = cur_xid();
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	const int64_t at[] = {4, 12, 28, 60};
	for (size_t i = 0; i < 4; i++) {
		poll_at(CAPNET_S(at[i]));
		ck_assert_uint_eq(count_dhcp(CAPNET_DHCP4_REQUEST), i + 2);
		ck_assert_uint_eq(last_dhcp()->d.xid, xid);
	}
	ck_assert_int_eq(poll_at(CAPNET_S(60)), CAPNET_S(124));
	poll_at(CAPNET_S(124)); /* five REQUESTs unanswered: start over */
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	const struct sent *s = last_dhcp();
	ck_assert_uint_eq(s->d.message_type, CAPNET_DHCP4_DISCOVER);
	ck_assert_uint_ne(s->d.xid, xid);
}
END_TEST

START_TEST(test_nak_in_requesting_restarts)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	uint32_t xid = cur_xid();
	inject(reply(CAPNET_DHCP4_NAK), CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_nak), 1);
	ck_assert_uint_eq(last_dhcp()->d.message_type, CAPNET_DHCP4_DISCOVER);
	ck_assert_uint_ne(cur_xid(), xid);
	ck_assert(zero_state());
}
END_TEST

START_TEST(test_repeated_naks_back_off)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	inject(reply(CAPNET_DHCP4_NAK), 0); /* first: DISCOVER at once */
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	inject(reply(CAPNET_DHCP4_NAK), 0); /* second: 4 s in INIT */
	ck_assert_int_eq(state(), CAPNET_DHCP4_INIT);
	ck_assert_int_eq(poll_at(0), CAPNET_S(4));
	poll_at(CAPNET_S(4));
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	inject(reply(CAPNET_DHCP4_OFFER), CAPNET_S(4));
	inject(reply(CAPNET_DHCP4_NAK), CAPNET_S(4)); /* third: 8 s */
	ck_assert_int_eq(poll_at(CAPNET_S(4)), CAPNET_S(12));
}
END_TEST

/* ---- CHECKING (RFC 5227) and BOUND ---- */

/* RFC 2132 5.1: option 26 sets the MTU IPv4 sends with, provenance DHCP;
 * a value a host cannot use is ignored (the NIC's stays); the lease's end
 * gives the NIC's back. */
START_TEST(test_interface_mtu_option_sets_the_send_mtu)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	struct capnet_dhcp4_repr *a = reply(CAPNET_DHCP4_ACK);
	a->present |= CAPNET_DHCP4_HAS_INTERFACE_MTU;
	a->interface_mtu = 1400;
	inject(a, 0);
	poll_at(0);
	poll_at(CAPNET_S(1));
	poll_at(CAPNET_S(2));
	poll_at(CAPNET_S(4));
	ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
	ck_assert_uint_eq(capnet_iface_mtu(st.ifc), 1400);
	ck_assert_int_eq(capnet_iface_mtu_source(st.ifc), CAPNET_MTU_DHCP);
	struct capnet_ip4cfg_view v;
	capnet_ip4cfg_get(layers, &v);
	ck_assert_uint_eq(v.mtu, 1400);
	ck_assert_int_eq(v.mtu_source, CAPNET_MTU_DHCP);
	ck_assert_uint_eq(capnet_iface_link_mtu(st.ifc), 1500);
	/* Released: back to the NIC's. */
	capnet_dhcp4_client_release(cl, CAPNET_S(5));
	ck_assert_uint_eq(capnet_iface_mtu(st.ifc), 1500);
	ck_assert_int_eq(capnet_iface_mtu_source(st.ifc), CAPNET_MTU_DEFAULT);
}
END_TEST

START_TEST(test_unusable_interface_mtu_is_ignored)
{
	static const uint16_t bad[] = {68, 575, 1501, 65535};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		capnet_dhcp4_client_release(cl, CAPNET_S(10) * (capnet_instant)i);
		capnet_dhcp4_client_start(cl, CAPNET_S(10) * (capnet_instant)i);
		capnet_instant t = CAPNET_S(10) * (capnet_instant)i;
		inject(reply(CAPNET_DHCP4_OFFER), t);
		struct capnet_dhcp4_repr *a = reply(CAPNET_DHCP4_ACK);
		a->present |= CAPNET_DHCP4_HAS_INTERFACE_MTU;
		a->interface_mtu = bad[i];
		inject(a, t);
		for (int k = 0; k <= 4; k++)
			poll_at(t + CAPNET_S(k));
		ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
		ck_assert_uint_eq(capnet_iface_mtu(st.ifc), 1500);
		ck_assert_int_eq(capnet_iface_mtu_source(st.ifc), CAPNET_MTU_DEFAULT);
	}
}
END_TEST

START_TEST(test_ack_probes_then_binds)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	size_t before = st.cn.ntx;
	inject(reply(CAPNET_DHCP4_ACK), CAPNET_MS(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_CHECKING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_ack), 1);
	/* Probe: request, sender 0.0.0.0, target the address, tha zero. */
	ck_assert_int_eq(poll_at(CAPNET_MS(1)), CAPNET_MS(1001));
	ck_assert_uint_eq(st.cn.ntx, before + 1);
	uint8_t want[60];
	tf_arp(want, 1, mac_c, 0, (struct capnet_mac){{0}}, ip_lease, CAPNET_MAC_BROADCAST);
	ck_assert_uint_eq(st.cn.tx[before].len, 60);
	ck_assert_mem_eq(st.cn.tx[before].data, want, 60);
	ck_assert_int_eq(poll_at(CAPNET_MS(1001)), CAPNET_MS(2001));
	ck_assert_int_eq(poll_at(CAPNET_MS(2001)), CAPNET_MS(4001)); /* ANNOUNCE_WAIT */
	ck_assert_uint_eq(st.cn.ntx, before + 3);
	struct capnet_ip4_config ic;
	capnet_iface_get_ip4(st.ifc, &ic);
	ck_assert_uint_eq(ic.addr, 0); /* not used before the check ends */
	poll_at(CAPNET_MS(4001));
	ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
	capnet_iface_get_ip4(st.ifc, &ic);
	ck_assert_uint_eq(ic.addr, ip_lease);
	ck_assert_uint_eq(ic.prefix_len, 24);
	ck_assert_uint_eq(ic.gateway, ip_gw);
	ck_assert_int_eq(ic.provenance, CAPNET_PROV_DHCP);
	/* Announcement, then the gateway asked for. */
	ck_assert(is_arp(before + 3, 1, ip_lease, ip_lease));
	ck_assert(is_arp(before + 4, 1, ip_lease, ip_gw));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_leases_bound), 1);
	/* The second announcement ANNOUNCE_INTERVAL later. */
	poll_at(CAPNET_MS(6001));
	ck_assert(is_arp(st.cn.ntx - 1, 1, ip_lease, ip_lease));
	ck_assert_uint_eq(stat(CAPNET_STAT_arp_gratuitous_sent), 2);
	struct capnet_dhcp4_lease_info li;
	lease_info(CAPNET_S(10), &li);
	ck_assert(li.has_lease);
	ck_assert_uint_eq(li.server, ip_s);
	ck_assert_int_eq(li.lease_start, 0); /* when the REQUEST went out */
	ck_assert_int_eq(li.t1, CAPNET_S(50));
	ck_assert_int_eq(li.t2, CAPNET_MS(87500));
	ck_assert_int_eq(li.expiry, CAPNET_S(100));
	ck_assert_int_eq(li.remaining, CAPNET_S(90));
	ck_assert_str_eq(capnet_dhcp4_state_name(li.state), "BOUND");
	const struct capnet_resolver_inputs *res = capnet_ip4cfg_resolver(layers);
	ck_assert_uint_eq(res->n_servers, 1);
	ck_assert_uint_eq(capnet_ipaddr_ip4(&res->servers[0]), dns);
	ck_assert_int_eq(res->servers_provenance, CAPNET_PROV_DHCP);
}
END_TEST

START_TEST(test_conflict_during_check_declines)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	inject(reply(CAPNET_DHCP4_ACK), 0);
	poll_at(0); /* probe 1 */
	/* Someone answers for the address: it is in use. */
	inject_arp_reply(mac_x, ip_lease, 0, CAPNET_MS(500));
	ck_assert_int_eq(state(), CAPNET_DHCP4_INIT);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_arp_conflicts), 1);
	const struct sent *s = last_dhcp();
	ck_assert_uint_eq(s->d.message_type, CAPNET_DHCP4_DECLINE);
	ck_assert(capnet_mac_is_broadcast(s->eth.dst));
	ck_assert_uint_eq(s->ip.src, 0);
	ck_assert_uint_eq(s->ip.dst, CAPNET_IP4_BROADCAST);
	ck_assert_uint_eq(s->d.ciaddr, 0);
	ck_assert_uint_eq(s->d.secs, 0);
	ck_assert_uint_eq(s->d.requested_ip, ip_lease);
	ck_assert_uint_eq(s->d.server_id, ip_s);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_tx_decline), 1);
	ck_assert(zero_state());
	/* RFC 2131 3.1.5: 10 s before trying again. */
	ck_assert_int_eq(poll_at(CAPNET_MS(500)), CAPNET_MS(10500));
	poll_at(CAPNET_MS(10500));
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	ck_assert_uint_eq(last_dhcp()->d.message_type, CAPNET_DHCP4_DISCOVER);
}
END_TEST

START_TEST(test_other_hosts_probe_is_a_conflict)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	inject(reply(CAPNET_DHCP4_ACK), 0);
	poll_at(0);
	uint8_t f[60];
	tf_arp(f, 1, mac_x, 0, (struct capnet_mac){{0}}, ip_lease, CAPNET_MAC_BROADCAST);
	capnet_iface_input(st.ifc, f, 60, CAPNET_MS(200));
	ck_assert_int_eq(state(), CAPNET_DHCP4_INIT);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_arp_conflicts), 1);
	/* Unrelated ARP traffic during a check is no conflict. */
	setup();
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	inject(reply(CAPNET_DHCP4_ACK), 0);
	poll_at(0);
	inject_arp_reply(mac_x, CAPNET_IP4(192, 0, 2, 77), CAPNET_IP4(192, 0, 2, 78), CAPNET_MS(100));
	ck_assert_int_eq(state(), CAPNET_DHCP4_CHECKING);
}
END_TEST

START_TEST(test_probe_num_zero_binds_at_once)
{
	test_stack_init(&st, mac_c, NULL);
	capnet_dhcp4_client_config_defaults(&ccfg);
	ccfg.acd.probe_num = 0;
	make_client();
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	inject(reply(CAPNET_DHCP4_ACK), 0);
	ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
}
END_TEST

/* ---- RENEWING, REBINDING, expiry ---- */

START_TEST(test_t1_renewal_unicast_to_server)
{
	bind_at_4s();
	ck_assert_int_eq(poll_at(CAPNET_S(49)), CAPNET_S(50));
	size_t before = st.cn.ntx;
	poll_at(CAPNET_S(50));
	ck_assert_int_eq(state(), CAPNET_DHCP4_RENEWING);
	/* The server's MAC is not known yet: ARP first, the REQUEST waits. */
	ck_assert_uint_eq(st.cn.ntx, before + 1);
	ck_assert(is_arp(before, 1, ip_lease, ip_s));
	inject_arp_reply(mac_s, ip_s, ip_lease, CAPNET_S(50) + CAPNET_MS(1));
	const struct sent *s = last_dhcp();
	ck_assert_uint_eq(s->d.message_type, CAPNET_DHCP4_REQUEST);
	ck_assert(capnet_mac_eq(s->eth.dst, mac_s));
	ck_assert_uint_eq(s->ip.src, ip_lease);
	ck_assert_uint_eq(s->ip.dst, ip_s);
	ck_assert_uint_eq(s->d.ciaddr, ip_lease);
	ck_assert(!(s->d.present & (CAPNET_DHCP4_HAS_REQUESTED_IP | CAPNET_DHCP4_HAS_SERVER_ID)));
	/* RFC 2131 4.4.5: retry after half the time to T2, at least 60 s,
	 * never past T2 (here T2 - T1 = 37.5 s: the retry is T2 itself). */
	poll_at(CAPNET_S(51));
	struct capnet_dhcp4_lease_info li;
	lease_info(CAPNET_S(51), &li);
	ck_assert_int_eq(li.next_event, CAPNET_MS(87500));
	/* ACK: BOUND with times counted from the renewal REQUEST. */
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_ACK);
	r->ciaddr = ip_lease;
	r->lease_time = 200;
	inject(r, CAPNET_S(52));
	ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
	lease_info(CAPNET_S(52), &li);
	ck_assert_int_eq(li.lease_start, CAPNET_S(50));
	ck_assert_int_eq(li.t1, CAPNET_S(150));
	ck_assert_int_eq(li.expiry, CAPNET_S(250));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_renewals), 1);
	poll_at(CAPNET_S(52));
	lease_info(CAPNET_S(52), &li);
	ck_assert_int_eq(li.next_event, CAPNET_S(150));
}
END_TEST

START_TEST(test_renewal_does_not_reannounce_unchanged_config)
{
	bind_at_4s();
	poll_at(CAPNET_S(10));
	uint64_t grat = stat(CAPNET_STAT_arp_gratuitous_sent);
	poll_at(CAPNET_S(50));
	inject_arp_reply(mac_s, ip_s, ip_lease, CAPNET_S(50));
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_ACK);
	r->ciaddr = ip_lease;
	inject(r, CAPNET_S(50));
	ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
	ck_assert_uint_eq(stat(CAPNET_STAT_arp_gratuitous_sent), grat);
}
END_TEST

START_TEST(test_ack_from_other_server_while_renewing_dropped)
{
	bind_at_4s();
	poll_at(CAPNET_S(50));
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_ACK);
	r->server_id = ip_s2;
	r->ciaddr = ip_lease;
	inject_from(r, mac_s2, ip_s2, CAPNET_S(51));
	ck_assert_int_eq(state(), CAPNET_DHCP4_RENEWING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_wrong_server), 1);
}
END_TEST

START_TEST(test_t2_rebind_broadcast_and_other_server_accepted)
{
	bind_at_4s();
	poll_at(CAPNET_S(50));
	uint32_t renew_xid = cur_xid();
	poll_at(CAPNET_S(60));
	struct capnet_dhcp4_lease_info li;
	lease_info(CAPNET_S(60), &li);
	ck_assert_int_eq(li.next_event, CAPNET_MS(87500)); /* the unanswered renewal waits for T2 */
	poll_at(CAPNET_MS(87500));
	ck_assert_int_eq(state(), CAPNET_DHCP4_REBINDING);
	const struct sent *s = last_dhcp();
	ck_assert_uint_eq(s->d.message_type, CAPNET_DHCP4_REQUEST);
	ck_assert(capnet_mac_is_broadcast(s->eth.dst));
	ck_assert_uint_eq(s->ip.src, ip_lease);
	ck_assert_uint_eq(s->ip.dst, CAPNET_IP4_BROADCAST);
	ck_assert_uint_eq(s->d.ciaddr, ip_lease);
	ck_assert(!(s->d.present & CAPNET_DHCP4_HAS_SERVER_ID));
	ck_assert_uint_ne(s->d.xid, renew_xid);
	/* Any server may answer a rebind. */
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_ACK);
	r->server_id = ip_s2;
	r->ciaddr = ip_lease;
	r->lease_time = 60;
	r->dns[0] = CAPNET_IP4(198, 51, 100, 153);
	inject_from(r, mac_s2, ip_s2, CAPNET_S(88));
	ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
	lease_info(CAPNET_S(88), &li);
	ck_assert_uint_eq(li.server, ip_s2);
	ck_assert_int_eq(li.lease_start, CAPNET_MS(87500));
	ck_assert_int_eq(li.expiry, CAPNET_MS(147500));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rebinds), 1);
	ck_assert_uint_eq(capnet_ipaddr_ip4(&capnet_ip4cfg_resolver(layers)->servers[0]),
			  CAPNET_IP4(198, 51, 100, 153));
}
END_TEST

START_TEST(test_expiry_publishes_zero_state)
{
	bind_at_4s();
	poll_at(CAPNET_S(50));
	poll_at(CAPNET_MS(87500));
	ck_assert_int_eq(state(), CAPNET_DHCP4_REBINDING);
	/* REBINDING retries at expiry at the latest (60 s minimum > 12.5 s). */
	struct capnet_dhcp4_lease_info li;
	poll_at(CAPNET_S(90));
	lease_info(CAPNET_S(90), &li);
	ck_assert_int_eq(li.next_event, CAPNET_S(100));
	poll_at(CAPNET_S(99));
	struct capnet_ip4_config ic;
	capnet_iface_get_ip4(st.ifc, &ic);
	ck_assert_uint_eq(ic.addr, ip_lease); /* still valid one instant before */
	poll_at(CAPNET_S(100));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_lease_expired), 1);
	ck_assert(zero_state());
	lease_info(CAPNET_S(100), &li);
	ck_assert(!li.has_lease);
	ck_assert_int_eq(li.remaining, 0);
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	const struct sent *s = last_dhcp();
	ck_assert_uint_eq(s->d.message_type, CAPNET_DHCP4_DISCOVER);
	ck_assert_uint_eq(s->ip.src, 0);
	/* Nothing can leave from the old address any more. */
	ck_assert_int_eq(capnet_icmp4_echo_send(st.ifc, ip_gw, 1, 1, NULL, 0, CAPNET_S(100)), CAPNET_E_NOTCONFIGURED);
}
END_TEST

START_TEST(test_nak_while_renewing_drops_lease)
{
	bind_at_4s();
	poll_at(CAPNET_S(50));
	inject(reply(CAPNET_DHCP4_NAK), CAPNET_S(51));
	ck_assert(zero_state());
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_nak), 1);
}
END_TEST

START_TEST(test_nak_while_rebinding_drops_lease)
{
	bind_at_4s();
	poll_at(CAPNET_S(50));
	poll_at(CAPNET_MS(87500));
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_NAK);
	r->server_id = ip_s2;
	inject_from(r, mac_s2, ip_s2, CAPNET_S(88));
	ck_assert(zero_state());
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
}
END_TEST

START_TEST(test_release_on_shutdown)
{
	bind_at_4s();
	inject_arp_reply(mac_s, ip_s, ip_lease, CAPNET_S(5));
	uint32_t xid = cur_xid();
	ck_assert_int_eq(capnet_dhcp4_client_release(cl, CAPNET_S(6)), CAPNET_OK);
	ck_assert_int_eq(state(), CAPNET_DHCP4_STOPPED);
	const struct sent *s = last_dhcp();
	ck_assert_uint_eq(s->d.message_type, CAPNET_DHCP4_RELEASE);
	ck_assert(capnet_mac_eq(s->eth.dst, mac_s));
	ck_assert_uint_eq(s->ip.src, ip_lease);
	ck_assert_uint_eq(s->ip.dst, ip_s);
	ck_assert_uint_eq(s->d.ciaddr, ip_lease);
	ck_assert_uint_eq(s->d.server_id, ip_s);
	ck_assert_uint_ne(s->d.xid, xid);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_tx_release), 1);
	ck_assert(zero_state());
	poll_at(CAPNET_S(7));
	struct capnet_dhcp4_lease_info li;
	lease_info(CAPNET_S(7), &li);
	ck_assert_int_eq(li.next_event, CAPNET_INSTANT_NEVER);
	/* Released without a lease: nothing sent. */
	size_t n = st.cn.ntx;
	ck_assert_int_eq(capnet_dhcp4_client_release(cl, CAPNET_S(8)), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, n);
}
END_TEST

/* ---- INIT-REBOOT ---- */

static void reboot_setup(void)
{
	test_stack_init(&st, mac_c, NULL);
	capnet_dhcp4_client_config_defaults(&ccfg);
	ccfg.retransmit_jitter = 0;
	ccfg.acd.probe_num = 0;
	ccfg.reboot_addr = ip_lease;
	make_client();
}

START_TEST(test_init_reboot_request_and_ack)
{
	reboot_setup();
	capnet_dhcp4_client_start(cl, 0);
	ck_assert_int_eq(state(), CAPNET_DHCP4_REBOOTING);
	const struct sent *s = last_dhcp();
	ck_assert_uint_eq(s->d.message_type, CAPNET_DHCP4_REQUEST);
	ck_assert(capnet_mac_is_broadcast(s->eth.dst));
	ck_assert_uint_eq(s->d.ciaddr, 0);
	ck_assert_uint_eq(s->d.requested_ip, ip_lease);
	ck_assert(!(s->d.present & CAPNET_DHCP4_HAS_SERVER_ID));
	inject(reply(CAPNET_DHCP4_ACK), CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
	struct capnet_dhcp4_lease_info li;
	lease_info(CAPNET_S(1), &li);
	ck_assert_uint_eq(li.server, ip_s);
}
END_TEST

START_TEST(test_init_reboot_nak_and_silence_go_to_init)
{
	reboot_setup();
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_NAK), CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	reboot_setup();
	capnet_dhcp4_client_start(cl, 0);
	const int64_t at[] = {4, 12, 28, 60, 124};
	for (size_t i = 0; i < 5; i++)
		poll_at(CAPNET_S(at[i]));
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	ck_assert_uint_eq(count_dhcp(CAPNET_DHCP4_REQUEST), 5);
	ck_assert_uint_eq(count_dhcp(CAPNET_DHCP4_DISCOVER), 1);
}
END_TEST

/* ---- bad replies: each dropped (or corrected) and counted ---- */

START_TEST(test_wrong_xid_dropped)
{
	capnet_dhcp4_client_start(cl, 0);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_OFFER);
	r->xid ^= 1;
	size_t n = st.cn.ntx;
	inject(r, CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_xid), 1);
	ck_assert_uint_eq(st.cn.ntx, n);
}
END_TEST

START_TEST(test_wrong_chaddr_dropped)
{
	capnet_dhcp4_client_start(cl, 0);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_OFFER);
	r->chaddr = mac_x;
	inject(r, CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_chaddr), 1);
}
END_TEST

START_TEST(test_ack_from_non_selected_server_dropped)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_ACK);
	r->server_id = ip_s2;
	inject_from(r, mac_s2, ip_s2, CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_REQUESTING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_wrong_server), 1);
	r = reply(CAPNET_DHCP4_NAK);
	r->server_id = ip_s2;
	inject_from(r, mac_s2, ip_s2, CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_REQUESTING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_wrong_server), 2);
}
END_TEST

START_TEST(test_missing_server_id_dropped)
{
	capnet_dhcp4_client_start(cl, 0);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_OFFER);
	r->present &= ~CAPNET_DHCP4_HAS_SERVER_ID;
	inject_from(r, mac_s, ip_s, CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	inject(reply(CAPNET_DHCP4_OFFER), CAPNET_S(1));
	r = reply(CAPNET_DHCP4_ACK);
	r->present &= ~CAPNET_DHCP4_HAS_SERVER_ID;
	inject_from(r, mac_s, ip_s, CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_REQUESTING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_no_server_id), 2);
}
END_TEST

START_TEST(test_lease_zero_or_absent_dropped)
{
	capnet_dhcp4_client_start(cl, 0);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_OFFER);
	r->lease_time = 0;
	inject(r, CAPNET_S(1));
	r = reply(CAPNET_DHCP4_OFFER);
	r->present &= ~CAPNET_DHCP4_HAS_LEASE_TIME;
	inject(r, CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	inject(reply(CAPNET_DHCP4_OFFER), CAPNET_S(1));
	r = reply(CAPNET_DHCP4_ACK);
	r->lease_time = 0;
	inject(r, CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_REQUESTING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_lease), 3);
}
END_TEST

START_TEST(test_infinite_lease_never_renews)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_ACK);
	r->lease_time = CAPNET_DHCP4_INFINITE;
	inject(r, 0);
	poll_at(0);
	poll_at(CAPNET_S(1));
	poll_at(CAPNET_S(2));
	poll_at(CAPNET_S(4));
	ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_lease_infinite), 1);
	struct capnet_dhcp4_lease_info li;
	lease_info(CAPNET_S(5), &li);
	ck_assert(li.infinite);
	ck_assert_int_eq(li.t1, CAPNET_INSTANT_NEVER);
	ck_assert_int_eq(li.expiry, CAPNET_INSTANT_NEVER);
	ck_assert_int_eq(li.remaining, CAPNET_INSTANT_NEVER);
	poll_at(CAPNET_S(7)); /* last announcement */
	size_t n = st.cn.ntx;
	ck_assert_int_eq(poll_at(CAPNET_S(1000000)) >= CAPNET_S(1000000), 1);
	ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
	ck_assert_uint_eq(count_dhcp(CAPNET_DHCP4_REQUEST), 1);
	(void)n;
}
END_TEST

START_TEST(test_inconsistent_timers_use_defaults)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_ACK);
	r->present |= CAPNET_DHCP4_HAS_T1 | CAPNET_DHCP4_HAS_T2;
	r->t1 = 300; /* T1 > T2 > lease */
	r->t2 = 200;
	r->lease_time = 100;
	inject(r, 0);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_timers), 1);
	poll_at(0);
	poll_at(CAPNET_S(1));
	poll_at(CAPNET_S(2));
	poll_at(CAPNET_S(4));
	struct capnet_dhcp4_lease_info li;
	lease_info(CAPNET_S(4), &li);
	ck_assert_int_eq(li.t1, CAPNET_S(50));
	ck_assert_int_eq(li.t2, CAPNET_MS(87500));
	ck_assert_int_eq(li.expiry, CAPNET_S(100));
	/* Consistent T1/T2 are taken as given. */
	setup();
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	r = reply(CAPNET_DHCP4_ACK);
	r->present |= CAPNET_DHCP4_HAS_T1 | CAPNET_DHCP4_HAS_T2;
	r->t1 = 30;
	r->t2 = 70;
	inject(r, 0);
	poll_at(0);
	poll_at(CAPNET_S(1));
	poll_at(CAPNET_S(2));
	poll_at(CAPNET_S(4));
	lease_info(CAPNET_S(4), &li);
	ck_assert_int_eq(li.t1, CAPNET_S(30));
	ck_assert_int_eq(li.t2, CAPNET_S(70));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_timers), 0);
}
END_TEST

START_TEST(test_noncontiguous_mask_dropped)
{
	capnet_dhcp4_client_start(cl, 0);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_OFFER);
	r->subnet_mask = 0xff00ff00;
	inject(r, CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_mask), 1);
	/* No mask at all: the classful prefix (192.0.2.100 is class C: /24). */
	r = reply(CAPNET_DHCP4_OFFER);
	r->present &= ~CAPNET_DHCP4_HAS_SUBNET_MASK;
	inject(r, CAPNET_S(1));
	r = reply(CAPNET_DHCP4_ACK);
	r->present &= ~CAPNET_DHCP4_HAS_SUBNET_MASK;
	inject(r, CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_CHECKING);
	poll_at(CAPNET_S(1));
	poll_at(CAPNET_S(2));
	poll_at(CAPNET_S(3));
	poll_at(CAPNET_S(5));
	struct capnet_dhcp4_lease_info li;
	lease_info(CAPNET_S(5), &li);
	ck_assert_uint_eq(li.prefix_len, 24);
}
END_TEST

START_TEST(test_router_outside_subnet_ignored)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_ACK);
	r->routers[0] = CAPNET_IP4(198, 51, 100, 1);
	inject(r, 0);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_router), 1);
	poll_at(0);
	poll_at(CAPNET_S(1));
	poll_at(CAPNET_S(2));
	poll_at(CAPNET_S(4));
	ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
	struct capnet_ip4_config ic;
	capnet_iface_get_ip4(st.ifc, &ic);
	ck_assert_uint_eq(ic.addr, ip_lease);
	ck_assert_uint_eq(ic.gateway, 0);
	capnet_ip4addr hop;
	ck_assert_int_eq(capnet_iface_route_lookup(st.ifc, CAPNET_IP4(203, 0, 113, 1), &hop), CAPNET_E_NOROUTE);
}
END_TEST

START_TEST(test_classless_routes_override_router)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_ACK);
	r->routers[0] = CAPNET_IP4(192, 0, 2, 9); /* ignored: 121 present (RFC 3442) */
	r->n_routes = 3;
	r->routes[0] = (struct capnet_dhcp4_route){CAPNET_IP4(198, 51, 100, 0), 24, CAPNET_IP4(192, 0, 2, 253)};
	r->routes[1] = (struct capnet_dhcp4_route){CAPNET_IP4(203, 0, 113, 0), 24, CAPNET_IP4(10, 0, 0, 1)};
	r->routes[2] = (struct capnet_dhcp4_route){0, 0, ip_gw};
	inject(r, 0);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_router), 1); /* 10.0.0.1 is off-link */
	poll_at(0);
	poll_at(CAPNET_S(1));
	poll_at(CAPNET_S(2));
	poll_at(CAPNET_S(4));
	capnet_ip4addr hop;
	ck_assert_int_eq(capnet_iface_route_lookup(st.ifc, CAPNET_IP4(198, 51, 100, 7), &hop), CAPNET_OK);
	ck_assert_uint_eq(hop, CAPNET_IP4(192, 0, 2, 253));
	ck_assert_int_eq(capnet_iface_route_lookup(st.ifc, CAPNET_IP4(203, 0, 113, 7), &hop), CAPNET_OK);
	ck_assert_uint_eq(hop, ip_gw); /* the skipped route falls to the default */
	struct capnet_ip4cfg_view v;
	capnet_ip4cfg_get(layers, &v);
	ck_assert_uint_eq(v.gateway, ip_gw);
	ck_assert_uint_eq(v.n_routes, 1);
	ck_assert_int_eq(v.routes[0].provenance, CAPNET_PROV_DHCP);
}
END_TEST

START_TEST(test_unusable_yiaddr_dropped)
{
	const capnet_ip4addr bad[] = {0, CAPNET_IP4_BROADCAST, CAPNET_IP4(224, 0, 0, 5), CAPNET_IP4(127, 0, 0, 1),
				      CAPNET_IP4(240, 0, 0, 1), CAPNET_IP4(192, 0, 2, 0), CAPNET_IP4(192, 0, 2, 255)};
	capnet_dhcp4_client_start(cl, 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_OFFER);
		r->yiaddr = bad[i];
		static uint8_t msg[600];
		size_t n = capnet_dhcp4_emit(r, msg);
		inject_raw(msg, n, mac_s, ip_s, 67, CAPNET_IP4_BROADCAST, CAPNET_S(1));
	}
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_yiaddr), sizeof bad / sizeof bad[0]);
	/* An ACK for another address than the one requested. */
	inject(reply(CAPNET_DHCP4_OFFER), CAPNET_S(1));
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_ACK);
	r->yiaddr = CAPNET_IP4(192, 0, 2, 101);
	inject(r, CAPNET_S(1));
	ck_assert_int_eq(state(), CAPNET_DHCP4_REQUESTING);
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_yiaddr), sizeof bad / sizeof bad[0] + 1);
}
END_TEST

START_TEST(test_unexpected_messages_dropped)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_ACK), CAPNET_S(1)); /* ACK in SELECTING */
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_unexpected), 1);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_OFFER);
	r->op = CAPNET_BOOTREQUEST; /* another client's message */
	inject(r, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_unexpected), 2);
	static uint8_t msg[600];
	size_t n = capnet_dhcp4_emit(reply(CAPNET_DHCP4_OFFER), msg);
	inject_raw(msg, n, mac_s, ip_s, 1067, ip_lease, CAPNET_S(1)); /* not from port 67 */
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_unexpected), 3);
	r = reply(CAPNET_DHCP4_OFFER);
	r->message_type = 0; /* plain BOOTP */
	inject(r, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_not_dhcp), 1);
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	/* Once BOUND nothing is awaited: any reply is unexpected. */
	setup();
	bind_at_4s();
	inject(reply(CAPNET_DHCP4_ACK), CAPNET_S(5));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_unexpected), 1);
	ck_assert_int_eq(state(), CAPNET_DHCP4_BOUND);
	/* Stopped: the same. */
	setup();
	inject(reply(CAPNET_DHCP4_OFFER), CAPNET_S(5));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_unexpected), 1);
	ck_assert_int_eq(state(), CAPNET_DHCP4_STOPPED);
}
END_TEST

START_TEST(test_malformed_counted_by_reason)
{
	capnet_dhcp4_client_start(cl, 0);
	static uint8_t good[600], m[600];
	size_t n = capnet_dhcp4_emit(reply(CAPNET_DHCP4_OFFER), good);
	/* Truncated below the header. */
	inject_raw(good, 100, mac_s, ip_s, 67, ip_lease, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_truncated), 1);
	/* Cut inside the options: no END. */
	inject_raw(good, 250, mac_s, ip_s, 67, ip_lease, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_opt_truncated), 1);
	memcpy(m, good, n);
	m[0] = 9;
	inject_raw(m, n, mac_s, ip_s, 67, ip_lease, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_op), 1);
	memcpy(m, good, n);
	m[1] = 6;
	inject_raw(m, n, mac_s, ip_s, 67, ip_lease, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_htype), 1);
	memcpy(m, good, n);
	m[238] ^= 0xff;
	inject_raw(m, n, mac_s, ip_s, 67, ip_lease, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_cookie), 1);
	memcpy(m, good, n);
	m[242] = 0; /* message type 0 */
	inject_raw(m, n, mac_s, ip_s, 67, ip_lease, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_msg_type), 1);
	memcpy(m, good, n);
	m[244] = 3; /* the subnet mask (1, len 4) now claims 3 bytes */
	inject_raw(m, n, mac_s, ip_s, 67, ip_lease, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_opt_badlen) + stat(CAPNET_STAT_dhcp_rx_opt_truncated), 2);
	const uint8_t dup[] = {53, 1, 2, 53, 1, 2, 255};
	memcpy(m, good, 240);
	memcpy(m + 240, dup, sizeof dup);
	inject_raw(m, 240 + sizeof dup, mac_s, ip_s, 67, ip_lease, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_opt_duplicate), 1);
	const uint8_t ovl[] = {53, 1, 2, 52, 1, 7, 255};
	memcpy(m + 240, ovl, sizeof ovl);
	inject_raw(m, 240 + sizeof ovl, mac_s, ip_s, 67, ip_lease, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_overload), 1);
	const uint8_t srch[] = {53, 1, 2, 119, 2, 0xc0, 0x00, 255};
	memcpy(m + 240, srch, sizeof srch);
	inject_raw(m, 240 + sizeof srch, mac_s, ip_s, 67, ip_lease, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_search), 1);
	const uint8_t rts[] = {53, 1, 2, 121, 5, 33, 0, 0, 0, 0, 255};
	memcpy(m + 240, rts, sizeof rts);
	inject_raw(m, 240 + sizeof rts, mac_s, ip_s, 67, ip_lease, CAPNET_S(1));
	ck_assert_uint_eq(stat(CAPNET_STAT_dhcp_rx_bad_routes), 1);
	ck_assert_int_eq(state(), CAPNET_DHCP4_SELECTING);
	ck_assert_uint_eq(count_dhcp(0), 1); /* nothing answered */
}
END_TEST

START_TEST(test_search_and_domain_held_for_resolver)
{
	capnet_dhcp4_client_start(cl, 0);
	inject(reply(CAPNET_DHCP4_OFFER), 0);
	struct capnet_dhcp4_repr *r = reply(CAPNET_DHCP4_ACK);
	const char *names[] = {"eng.example.com", "example.com"};
	size_t len;
	ck_assert_int_eq(capnet_dhcp4_search_encode(names, 2, r->search, sizeof r->search, &len), CAPNET_OK);
	r->search_len = (uint16_t)len;
	r->domain_name = (struct capnet_dhcp4_bytes){(const uint8_t *)"example.com.", 12};
	inject(r, 0);
	poll_at(0);
	poll_at(CAPNET_S(1));
	poll_at(CAPNET_S(2));
	poll_at(CAPNET_S(4));
	const struct capnet_resolver_inputs *res = capnet_ip4cfg_resolver(layers);
	ck_assert_uint_eq(res->n_search, 2);
	ck_assert_str_eq(res->search[0], "eng.example.com");
	ck_assert_str_eq(res->search[1], "example.com");
	ck_assert_int_eq(res->search_provenance, CAPNET_PROV_DHCP);
	ck_assert_str_eq(res->domain, "example.com"); /* the root's dot dropped */
	ck_assert_int_eq(res->domain_provenance, CAPNET_PROV_DHCP);
}
END_TEST

START_TEST(test_bad_config_refused)
{
	struct capnet_dhcp4_client *x;
	struct capnet_dhcp4_client_config bad = ccfg;
	bad.retransmit_initial = 0;
	ck_assert_int_eq(capnet_dhcp4_client_create(&st.arena, &bad, st.ifc, udp, layers, &x), CAPNET_E_INVAL);
	bad = ccfg;
	bad.acd.probe_min = CAPNET_S(3);
	ck_assert_int_eq(capnet_dhcp4_client_create(&st.arena, &bad, st.ifc, udp, layers, &x), CAPNET_E_INVAL);
	/* Port 68 is taken by the first client. */
	ck_assert_int_eq(capnet_dhcp4_client_create(&st.arena, &ccfg, st.ifc, udp, layers, &x), CAPNET_E_INUSE);
	ck_assert_str_eq(capnet_dhcp4_state_name(CAPNET_DHCP4_INIT_REBOOT), "INIT-REBOOT");
	ck_assert_str_eq(capnet_dhcp4_state_name(99), "?");
}
END_TEST

/* ---- the configuration layers (iface/ip4_config.c) ---- */

static void ip4cfg_setup(void)
{
	test_stack_init(&st, mac_c, NULL);
	ck_assert_int_eq(capnet_ip4cfg_create(&st.arena, st.ifc, &layers), CAPNET_OK);
}

static void dhcp_layer_lease(void)
{
	struct capnet_ip4cfg_layer *d = capnet_ip4cfg_layer(layers, CAPNET_PROV_DHCP);
	d->addr = ip_lease;
	d->prefix_len = 24;
	d->gateway = ip_gw;
	d->n_routes = 1;
	d->routes[0] = (struct capnet_ip4_route){CAPNET_IP4(198, 51, 100, 0), 24, ip_gw, CAPNET_PROV_NONE};
	d->n_dns = 1;
	d->dns[0] = dns;
	strcpy(d->domain, "example.com");
}

START_TEST(test_ip4cfg_static_wins_per_value)
{
	dhcp_layer_lease();
	ck_assert_int_eq(capnet_ip4cfg_commit(layers, 0), CAPNET_OK);
	struct capnet_ip4cfg_layer *s = capnet_ip4cfg_layer(layers, CAPNET_PROV_STATIC);
	s->addr = CAPNET_IP4(192, 0, 2, 50);
	s->prefix_len = 25;
	s->n_routes = 1;
	s->routes[0] = (struct capnet_ip4_route){CAPNET_IP4(198, 51, 100, 0), 24, CAPNET_IP4(192, 0, 2, 9), 0};
	ck_assert_int_eq(capnet_ip4cfg_commit(layers, 0), CAPNET_OK);
	struct capnet_ip4cfg_view v;
	capnet_ip4cfg_get(layers, &v);
	ck_assert_uint_eq(v.addr, CAPNET_IP4(192, 0, 2, 50));
	ck_assert_uint_eq(v.prefix_len, 25);
	ck_assert_int_eq(v.addr_provenance, CAPNET_PROV_STATIC);
	ck_assert_uint_eq(v.gateway, ip_gw); /* static says nothing about it */
	ck_assert_int_eq(v.gateway_provenance, CAPNET_PROV_DHCP);
	ck_assert_uint_eq(v.n_routes, 1); /* the static route shadows the lease's */
	ck_assert_uint_eq(v.routes[0].gateway, CAPNET_IP4(192, 0, 2, 9));
	ck_assert_int_eq(v.routes[0].provenance, CAPNET_PROV_STATIC);
	struct capnet_ip4_config ic;
	capnet_iface_get_ip4(st.ifc, &ic);
	ck_assert_uint_eq(ic.addr, CAPNET_IP4(192, 0, 2, 50));
	ck_assert_int_eq(ic.provenance, CAPNET_PROV_STATIC);
	/* The default route carries the gateway's own provenance. */
	struct capnet_ip4_route rs[8];
	size_t n = capnet_iface_routes(st.ifc, rs, 8);
	bool def = false;
	for (size_t i = 0; i < n; i++)
		if (rs[i].prefix_len == 0)
			def = rs[i].gateway == ip_gw && rs[i].provenance == CAPNET_PROV_DHCP;
	ck_assert(def);
	ck_assert_uint_eq(n, 3);
	const struct capnet_resolver_inputs *res = capnet_ip4cfg_resolver(layers);
	ck_assert_int_eq(res->servers_provenance, CAPNET_PROV_DHCP);
	/* The lease ends: the static address stays, the lease's values go. */
	ck_assert_int_eq(capnet_ip4cfg_clear(layers, CAPNET_PROV_DHCP, 0), CAPNET_OK);
	capnet_ip4cfg_get(layers, &v);
	ck_assert_uint_eq(v.addr, CAPNET_IP4(192, 0, 2, 50));
	ck_assert_uint_eq(v.gateway, 0);
	ck_assert_uint_eq(res->n_servers, 0);
	ck_assert_int_eq(res->servers_provenance, CAPNET_PROV_NONE);
	ck_assert_uint_eq(capnet_iface_routes(st.ifc, rs, 8), 2); /* connected + the static route */
	/* And with the static layer gone too: nothing at all. */
	ck_assert_int_eq(capnet_ip4cfg_clear(layers, CAPNET_PROV_STATIC, 0), CAPNET_OK);
	ck_assert_uint_eq(capnet_iface_routes(st.ifc, rs, 8), 0);
	capnet_iface_get_ip4(st.ifc, &ic);
	ck_assert_uint_eq(ic.addr, 0);
}
END_TEST

START_TEST(test_ip4cfg_unchanged_commit_touches_nothing)
{
	dhcp_layer_lease();
	capnet_ip4cfg_commit(layers, 0);
	size_t n = st.cn.ntx;
	ck_assert_int_eq(capnet_ip4cfg_commit(layers, CAPNET_S(1)), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, n); /* no second announcement */
	/* A route the operator added by hand survives the layer's changes. */
	struct capnet_ip4_route mine = {CAPNET_IP4(203, 0, 113, 0), 24, ip_gw, CAPNET_PROV_STATIC};
	capnet_iface_route_add(st.ifc, &mine);
	capnet_ip4cfg_layer(layers, CAPNET_PROV_DHCP)->n_routes = 0;
	capnet_ip4cfg_commit(layers, CAPNET_S(2));
	capnet_ip4addr hop;
	ck_assert_int_eq(capnet_iface_route_lookup(st.ifc, CAPNET_IP4(203, 0, 113, 9), &hop), CAPNET_OK);
	struct capnet_ip4cfg_view v;
	capnet_ip4cfg_get(layers, &v);
	ck_assert_uint_eq(v.n_routes, 0);
}
END_TEST

START_TEST(test_ip4cfg_invalid_layer_refused)
{
	struct capnet_ip4cfg_layer *s = capnet_ip4cfg_layer(layers, CAPNET_PROV_STATIC);
	s->addr = ip_lease;
	s->prefix_len = 0;
	ck_assert_int_eq(capnet_ip4cfg_commit(layers, 0), CAPNET_E_INVAL);
	s->prefix_len = 33;
	ck_assert_int_eq(capnet_ip4cfg_commit(layers, 0), CAPNET_E_INVAL);
	ck_assert_ptr_null(capnet_ip4cfg_layer(layers, CAPNET_PROV_FIXTURE));
	ck_assert_int_eq(capnet_ip4cfg_clear(layers, CAPNET_PROV_NONE, 0), CAPNET_E_INVAL);
	struct capnet_ip4_config ic;
	capnet_iface_get_ip4(st.ifc, &ic);
	ck_assert_uint_eq(ic.addr, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sock-dhcp4-client");
	TCase *tc = check_add_case(s, "client", setup, teardown, 0);
	tcase_add_test(tc, test_start_sends_exact_discover);
	tcase_add_test(tc, test_discover_backoff_4_8_16_32_64_64);
	tcase_add_test(tc, test_discover_jitter_within_one_second);
	tcase_add_test(tc, test_init_delay_waits_in_init);
	tcase_add_test(tc, test_offer_gives_request_naming_server);
	tcase_add_test(tc, test_first_valid_offer_wins);
	tcase_add_test(tc, test_request_retransmits_then_init);
	tcase_add_test(tc, test_nak_in_requesting_restarts);
	tcase_add_test(tc, test_repeated_naks_back_off);
	tcase_add_test(tc, test_ack_probes_then_binds);
	tcase_add_test(tc, test_interface_mtu_option_sets_the_send_mtu);
	tcase_add_test(tc, test_unusable_interface_mtu_is_ignored);
	tcase_add_test(tc, test_conflict_during_check_declines);
	tcase_add_test(tc, test_other_hosts_probe_is_a_conflict);
	tcase_add_test(tc, test_probe_num_zero_binds_at_once);
	tcase_add_test(tc, test_t1_renewal_unicast_to_server);
	tcase_add_test(tc, test_renewal_does_not_reannounce_unchanged_config);
	tcase_add_test(tc, test_ack_from_other_server_while_renewing_dropped);
	tcase_add_test(tc, test_t2_rebind_broadcast_and_other_server_accepted);
	tcase_add_test(tc, test_expiry_publishes_zero_state);
	tcase_add_test(tc, test_nak_while_renewing_drops_lease);
	tcase_add_test(tc, test_nak_while_rebinding_drops_lease);
	tcase_add_test(tc, test_release_on_shutdown);
	tcase_add_test(tc, test_init_reboot_request_and_ack);
	tcase_add_test(tc, test_init_reboot_nak_and_silence_go_to_init);
	tcase_add_test(tc, test_wrong_xid_dropped);
	tcase_add_test(tc, test_wrong_chaddr_dropped);
	tcase_add_test(tc, test_ack_from_non_selected_server_dropped);
	tcase_add_test(tc, test_missing_server_id_dropped);
	tcase_add_test(tc, test_lease_zero_or_absent_dropped);
	tcase_add_test(tc, test_infinite_lease_never_renews);
	tcase_add_test(tc, test_inconsistent_timers_use_defaults);
	tcase_add_test(tc, test_noncontiguous_mask_dropped);
	tcase_add_test(tc, test_router_outside_subnet_ignored);
	tcase_add_test(tc, test_classless_routes_override_router);
	tcase_add_test(tc, test_unusable_yiaddr_dropped);
	tcase_add_test(tc, test_unexpected_messages_dropped);
	tcase_add_test(tc, test_malformed_counted_by_reason);
	tcase_add_test(tc, test_search_and_domain_held_for_resolver);
	tcase_add_test(tc, test_bad_config_refused);
	TCase *tl = check_add_case(s, "ip4cfg", ip4cfg_setup, NULL, 0);
	tcase_add_test(tl, test_ip4cfg_static_wins_per_value);
	tcase_add_test(tl, test_ip4cfg_unchanged_commit_touches_nothing);
	tcase_add_test(tl, test_ip4cfg_invalid_layer_refused);
	return s;
}
