/* The packet trace: header boundaries per protocol to the byte, bodies
 * never stored whatever the snaplen, exact drop / filter / expiry counts,
 * the capture points of a real interface, and the caps: a TraceReader reads
 * and can do nothing else, revoking the PacketTrace stops the capture and
 * invalidates its readers. Frames are written byte by byte here, not by the
 * codecs under test elsewhere. */
#include <string.h>

#include "capnet/cap.h"
#include "capnet/trace.h"
#include "check_main.h"
#include "support/capture_nic.h"

/* ---- hand-built frames ---- */

static const struct capnet_mac mac_us = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_peer = {{0x02, 0, 0, 0, 0, 0x0b}};
#define IP_US CAPNET_IP4(192, 0, 2, 10)
#define IP_PEER CAPNET_IP4(192, 0, 2, 11)
#define BODY 0xab /* every body byte; must never reach a record */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Ethernet (VLAN-tagged when vlan) to us from the peer; returns 14 or 18. */
static size_t eth(uint8_t *f, uint16_t type, bool vlan)
{
	memcpy(f, mac_us.b, 6);
	memcpy(f + 6, mac_peer.b, 6);
	if (!vlan) {
		put16(f + 12, type);
		return 14;
	}
	put16(f + 12, 0x8100);
	put16(f + 14, 0x0005);
	put16(f + 16, type);
	return 18;
}

/* IPv4 header of ihl words, total length = ihl*4 + l4len. */
static size_t ip4(uint8_t *p, unsigned ihl, uint8_t proto, size_t l4len, uint16_t frag)
{
	memset(p, 0, ihl * 4);
	p[0] = (uint8_t)(0x40 | ihl);
	put16(p + 2, (unsigned)(ihl * 4 + l4len));
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, IP_PEER);
	put32(p + 16, IP_US);
	return ihl * 4;
}

static size_t tcp(uint8_t *p, unsigned doff, uint8_t flags, size_t body)
{
	memset(p, 0, doff * 4);
	put16(p, 5001);
	put16(p + 2, 49152);
	put32(p + 4, 1000);
	put32(p + 8, 2000);
	p[12] = (uint8_t)(doff << 4);
	p[13] = flags;
	put16(p + 14, 8192);
	for (unsigned i = 20; i < doff * 4; i++)
		p[i] = 1; /* NOP options */
	memset(p + doff * 4, BODY, body);
	return doff * 4 + body;
}

static size_t udp(uint8_t *p, uint16_t sport, uint16_t dport, size_t body)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, (unsigned)(8 + body));
	put16(p + 6, 0);
	memset(p + 8, BODY, body);
	return 8 + body;
}

static size_t icmp(uint8_t *p, size_t body)
{
	p[0] = 8;
	p[1] = 0;
	put16(p + 2, 0);
	put16(p + 4, 0x4350);
	put16(p + 6, 7);
	memset(p + 8, BODY, body);
	return 8 + body;
}

static size_t pad60(uint8_t *f, size_t n)
{
	if (n < 60) {
		memset(f + n, 0, 60 - n);
		n = 60;
	}
	return n;
}

/* Ethernet + IPv4 (IHL 5) + TCP (doff 5) + body. */
static size_t tcp_frame(uint8_t *f, size_t body, uint8_t flags)
{
	size_t n = eth(f, 0x0800, false);
	n += ip4(f + n, 5, 6, 20 + body, 0);
	n += tcp(f + n, 5, flags, body);
	return pad60(f, n);
}

static size_t udp_frame(uint8_t *f, uint16_t sport, uint16_t dport, size_t body)
{
	size_t n = eth(f, 0x0800, false);
	n += ip4(f + n, 5, 17, 8 + body, 0);
	n += udp(f + n, sport, dport, body);
	return pad60(f, n);
}

static size_t arp_frame(uint8_t *f, bool vlan)
{
	size_t n = eth(f, 0x0806, vlan);
	static const uint8_t fixed[8] = {0, 1, 8, 0, 6, 4, 0, 1};
	memcpy(f + n, fixed, 8);
	memcpy(f + n + 8, mac_peer.b, 6);
	put32(f + n + 14, IP_PEER);
	memset(f + n + 18, 0, 6);
	put32(f + n + 24, IP_US);
	return pad60(f, n + 28);
}

static size_t ip6_frame(uint8_t *f, uint8_t next, size_t l4len)
{
	size_t n = eth(f, 0x86dd, false);
	uint8_t *p = f + n;
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (unsigned)l4len);
	p[6] = next;
	p[7] = 64;
	p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;
	p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 2;
	return n + 40;
}

static size_t boundary(const uint8_t *f, size_t len, struct capnet_trace_class *c)
{
	return capnet_trace_classify(f, len, c);
}

/* ---- header boundaries ---- */

START_TEST(test_boundary_per_protocol)
{
	uint8_t f[1600];
	struct capnet_trace_class c;
	size_t n;

	n = arp_frame(f, false);
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 28);
	ck_assert_uint_eq(c.protos, CAPNET_TRACE_P_ARP);
	ck_assert_uint_eq(c.arp_oper, 1);
	ck_assert_uint_eq(c.arp_spa, IP_PEER);
	n = arp_frame(f, true);
	ck_assert_uint_eq(boundary(f, n, &c), 18 + 28);
	ck_assert(c.vlan);
	ck_assert_uint_eq(c.vlan_tci, 5);

	n = tcp_frame(f, 1000, 0x18);
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 20 + 20);
	ck_assert_uint_eq(c.protos, CAPNET_TRACE_P_IPV4 | CAPNET_TRACE_P_TCP);
	ck_assert_uint_eq(c.sport, 5001);
	ck_assert_uint_eq(c.dport, 49152);
	ck_assert_uint_eq(c.tcp_flags, 0x18);
	ck_assert_uint_eq(c.tcp_seq, 1000);
	ck_assert_uint_eq(c.body_len, 1000);

	/* TCP with 12 bytes of options, IPv4 with 4 bytes of options. */
	n = eth(f, 0x0800, false);
	n += ip4(f + n, 6, 6, 32 + 10, 0);
	n += tcp(f + n, 8, 0x10, 10);
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 24 + 32);
	ck_assert_uint_eq(c.l3_off, 14);
	ck_assert_uint_eq(c.l4_off, 38);

	/* The largest header there is: VLAN + IHL 15 + data offset 15. */
	n = eth(f, 0x0800, true);
	n += ip4(f + n, 15, 6, 60 + 100, 0);
	n += tcp(f + n, 15, 0x10, 100);
	ck_assert_uint_eq(boundary(f, n, &c), CAPNET_TRACE_HDR_MAX);

	n = udp_frame(f, 40000, 9, 100);
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 20 + 8);
	ck_assert_uint_eq(c.protos, CAPNET_TRACE_P_IPV4 | CAPNET_TRACE_P_UDP);
	ck_assert_uint_eq(c.body_len, 100);
	n = udp_frame(f, 67, 68, 300);
	ck_assert_uint_eq(boundary(f, n, &c), 42);
	ck_assert_uint_eq(c.protos, CAPNET_TRACE_P_IPV4 | CAPNET_TRACE_P_UDP | CAPNET_TRACE_P_DHCP);
	n = udp_frame(f, 5353, 53, 30);
	ck_assert_uint_eq(boundary(f, n, &c), 42);
	ck_assert_uint_eq(c.protos, CAPNET_TRACE_P_IPV4 | CAPNET_TRACE_P_UDP | CAPNET_TRACE_P_DNS);
	n = udp_frame(f, 67, 53, 30); /* 67 alone is not DHCP */
	boundary(f, n, &c);
	ck_assert_uint_eq(c.protos & CAPNET_TRACE_P_DHCP, 0);

	n = eth(f, 0x0800, false);
	n += ip4(f + n, 5, 1, 8 + 56, 0);
	n += icmp(f + n, 56);
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 20 + 8);
	ck_assert_uint_eq(c.protos, CAPNET_TRACE_P_IPV4 | CAPNET_TRACE_P_ICMP);
	ck_assert_uint_eq(c.icmp_type, 8);
	ck_assert_uint_eq(c.icmp_id, 0x4350);
	ck_assert_uint_eq(c.icmp_seq, 7);

	/* An IPv4 protocol we do not know: L3 only. */
	n = eth(f, 0x0800, false);
	n += ip4(f + n, 5, 47, 40, 0);
	memset(f + n, BODY, 40);
	ck_assert_uint_eq(boundary(f, n + 40, &c), 14 + 20);
	ck_assert(!c.malformed);
	/* A non-first fragment starts with body bytes: L3 only. */
	n = eth(f, 0x0800, false);
	n += ip4(f + n, 5, 6, 100, 0x0010);
	memset(f + n, BODY, 100);
	ck_assert_uint_eq(boundary(f, n + 100, &c), 14 + 20);
	ck_assert(c.fragment);
	/* A first fragment carries the TCP header. */
	n = eth(f, 0x0800, false);
	n += ip4(f + n, 5, 6, 120, 0x2000);
	n += tcp(f + n, 5, 0x10, 100);
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 20 + 20);

	n = ip6_frame(f, 17, 8 + 50);
	n += udp(f + n, 40000, 53, 50);
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 40 + 8);
	ck_assert_uint_eq(c.protos, CAPNET_TRACE_P_IPV6 | CAPNET_TRACE_P_UDP | CAPNET_TRACE_P_DNS);
	ck_assert_uint_eq(c.src6.b[15], 1);
	n = ip6_frame(f, 6, 32 + 10);
	n += tcp(f + n, 8, 0x02, 10);
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 40 + 32);
	n = ip6_frame(f, 58, 8 + 16);
	n += icmp(f + n, 16);
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 40 + 8);
	ck_assert_uint_eq(c.protos, CAPNET_TRACE_P_IPV6 | CAPNET_TRACE_P_ICMP);
	/* An extension header (hop-by-hop) is not walked: L3 only. */
	n = ip6_frame(f, 0, 40);
	memset(f + n, BODY, 40);
	ck_assert_uint_eq(boundary(f, n + 40, &c), 14 + 40);

	/* An ethertype we do not know (LLDP): L2 only. */
	n = eth(f, 0x88cc, false);
	memset(f + n, BODY, 46);
	ck_assert_uint_eq(boundary(f, n + 46, &c), 14);
	ck_assert_uint_eq(c.protos, 0);
	ck_assert_uint_eq(c.ethertype, 0x88cc);
}
END_TEST

/* A header that lies about its length ends the boundary before itself. */
START_TEST(test_boundary_of_inconsistent_headers)
{
	uint8_t f[200];
	struct capnet_trace_class c;
	size_t n;
	/* TCP data offset past the datagram. */
	n = eth(f, 0x0800, false);
	n += ip4(f + n, 5, 6, 20, 0);
	n += tcp(f + n, 15, 0x10, 0);
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 20);
	ck_assert(c.malformed);
	/* TCP data offset below 5. */
	n = tcp_frame(f, 10, 0x10);
	f[14 + 20 + 12] = 0x40;
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 20);
	ck_assert(c.malformed);
	/* IHL 4; IPv4 version 6; total length beyond the frame; below IHL. */
	n = tcp_frame(f, 10, 0x10);
	f[14] = 0x44;
	ck_assert_uint_eq(boundary(f, n, &c), 14);
	ck_assert(c.malformed);
	f[14] = 0x65;
	ck_assert_uint_eq(boundary(f, n, &c), 14);
	f[14] = 0x45;
	put16(f + 16, 1400);
	ck_assert_uint_eq(boundary(f, n, &c), 14);
	put16(f + 16, 12);
	ck_assert_uint_eq(boundary(f, n, &c), 14);
	/* UDP length below 8, or beyond the datagram. */
	n = udp_frame(f, 1, 2, 20);
	put16(f + 14 + 20 + 4, 4);
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 20);
	put16(f + 14 + 20 + 4, 60);
	ck_assert_uint_eq(boundary(f, n, &c), 14 + 20);
	/* ARP for another hardware type. */
	n = arp_frame(f, false);
	f[15] = 6;
	ck_assert_uint_eq(boundary(f, n, &c), 14);
	ck_assert(c.malformed);
	/* A VLAN tag cut short. */
	n = eth(f, 0x0800, true);
	ck_assert_uint_eq(boundary(f, 16, &c), 14);
}
END_TEST

/* Every cut of a TCP segment: the boundary never passes the cut, and is
 * exactly the last whole, consistent layer. */
START_TEST(test_boundary_at_every_truncation)
{
	uint8_t f[200];
	struct capnet_trace_class c;
	size_t full = tcp_frame(f, 40, 0x18); /* 94 bytes */
	ck_assert_uint_eq(full, 94);
	for (size_t len = 0; len < full; len++) {
		size_t b = boundary(f, len, &c);
		size_t want = len < 14 ? 0 : 14; /* the IPv4 total length (80) is beyond every cut */
		ck_assert_msg(b == want, "len %zu: boundary %zu, want %zu", len, b, want);
		ck_assert(c.malformed);
	}
	ck_assert_uint_eq(boundary(f, full, &c), 54);
	ck_assert_uint_eq(boundary(NULL, 100, &c), 0);
}
END_TEST

/* ---- the trace object ---- */

static uint8_t arena_mem[1 << 20];
static struct capnet_arena arena;
static struct test_stack ts;
static struct capnet_trace_pool *pool;

static void setup(void)
{
	capnet_arena_init(&arena, arena_mem, sizeof arena_mem);
	test_stack_init(&ts, mac_us, NULL);
	ck_assert_ptr_nonnull(ts.ifc);
	struct capnet_trace_pool_config pc = {2, 64};
	ck_assert_int_eq(capnet_trace_pool_create(&arena, &pc, &pool), CAPNET_OK);
	struct capnet_ip4_config c = {IP_US, 24, 0, CAPNET_PROV_FIXTURE};
	ck_assert_int_eq(capnet_iface_set_ip4(ts.ifc, &c, 0), CAPNET_OK);
	capture_nic_clear(&ts.cn);
}

static struct capnet_trace *open_trace(uint32_t capacity, uint32_t snaplen, enum capnet_trace_dir dir, uint32_t protos,
				       uint16_t port, capnet_instant expires)
{
	struct capnet_trace_policy p;
	capnet_trace_policy_default(&p, 0, CAPNET_INSTANT_NEVER);
	p.capacity = capacity;
	p.snaplen = snaplen;
	p.dir = dir;
	p.protos = protos;
	p.port = port;
	p.expires = expires;
	struct capnet_trace *t;
	ck_assert_int_eq(capnet_trace_open(pool, ts.ifc, &p, NULL, 0, &t), CAPNET_OK);
	return t;
}

static struct capnet_trace_counters counters(const struct capnet_trace *t)
{
	struct capnet_trace_info i;
	capnet_trace_info(t, &i);
	return i.counters;
}

static bool holds_body(const struct capnet_trace_record *r)
{
	for (size_t i = 0; i < sizeof r->data; i++)
		if (r->data[i] == BODY)
			return true;
	return false;
}

START_TEST(test_payload_never_stored_even_with_a_huge_snaplen)
{
	struct capnet_trace *t = open_trace(8, 1u << 20, CAPNET_TRACE_DIR_BOTH, 0, 0, CAPNET_INSTANT_NEVER);
	uint8_t f[1600];
	size_t n = tcp_frame(f, 1400, 0x18);
	capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, f, n, 1);
	n = udp_frame(f, 40000, 9, 1000);
	capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, f, n, 2);
	n = arp_frame(f, false);
	capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, f, n, 3);
	static const size_t want[] = {54, 42, 42};
	static const uint32_t orig[] = {1454, 1042, 60};
	for (uint32_t i = 0; i < 3; i++) {
		struct capnet_trace_record r;
		ck_assert_int_eq(capnet_trace_record(t, i, &r), CAPNET_OK);
		ck_assert_uint_eq(r.caplen, want[i]);
		ck_assert_uint_eq(r.orig_len, orig[i]);
		ck_assert_uint_eq(r.cls.header_len, want[i]);
		ck_assert(!holds_body(&r));
	}
	struct capnet_trace_counters k = counters(t);
	ck_assert_uint_eq(k.captured, 3);
	ck_assert_uint_eq(k.truncated, 3);
	ck_assert_uint_eq(k.withheld_bytes, (1454 - 54) + (1042 - 42) + (60 - 42));
	/* A snaplen below the headers cuts there; a whole short frame is kept whole. */
	capnet_trace_close(t);
	t = open_trace(8, 20, CAPNET_TRACE_DIR_BOTH, 0, 0, CAPNET_INSTANT_NEVER);
	n = tcp_frame(f, 1400, 0x18);
	capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, f, n, 1);
	struct capnet_trace_record r;
	ck_assert_int_eq(capnet_trace_record(t, 0, &r), CAPNET_OK);
	ck_assert_uint_eq(r.caplen, 20);
	ck_assert_uint_eq(r.cls.header_len, 54);
	for (size_t i = 20; i < sizeof r.data; i++)
		ck_assert_uint_eq(r.data[i], 0);
	capnet_trace_close(t);
}
END_TEST

START_TEST(test_reused_record_shows_nothing_of_an_older_frame)
{
	uint8_t f[200];
	struct capnet_trace *t = open_trace(1, CAPNET_TRACE_HDR_MAX, CAPNET_TRACE_DIR_BOTH, 0, 0, CAPNET_INSTANT_NEVER);
	size_t n = eth(f, 0x0800, true);
	n += ip4(f + n, 15, 6, 60, 0);
	n += tcp(f + n, 15, 0x10, 0);
	capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, f, n, 1);
	capnet_trace_close(t);
	t = open_trace(1, CAPNET_TRACE_HDR_MAX, CAPNET_TRACE_DIR_BOTH, 0, 0, CAPNET_INSTANT_NEVER);
	n = arp_frame(f, false);
	capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, f, n, 2);
	struct capnet_trace_record r;
	ck_assert_int_eq(capnet_trace_record(t, 0, &r), CAPNET_OK);
	ck_assert_uint_eq(r.caplen, 42);
	for (size_t i = 42; i < sizeof r.data; i++)
		ck_assert_uint_eq(r.data[i], 0);
	capnet_trace_close(t);
}
END_TEST

START_TEST(test_full_store_drops_exactly)
{
	struct capnet_trace *t = open_trace(5, CAPNET_TRACE_HDR_MAX, CAPNET_TRACE_DIR_BOTH, 0, 0, CAPNET_INSTANT_NEVER);
	uint8_t f[200];
	for (uint32_t i = 0; i < 12; i++) {
		size_t n = udp_frame(f, (uint16_t)(1000 + i), 9, 10);
		capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, f, n, i);
	}
	struct capnet_trace_counters k = counters(t);
	ck_assert_uint_eq(k.seen, 12);
	ck_assert_uint_eq(k.captured, 5);
	ck_assert_uint_eq(k.dropped_full, 7);
	ck_assert_uint_eq(k.filtered, 0);
	/* The first five are kept, in order. */
	for (uint32_t i = 0; i < 5; i++) {
		struct capnet_trace_record r;
		ck_assert_int_eq(capnet_trace_record(t, i, &r), CAPNET_OK);
		ck_assert_uint_eq(r.seq, i);
		ck_assert_uint_eq(r.cls.sport, 1000 + i);
		ck_assert_int_eq(r.at, i);
	}
	struct capnet_trace_record r;
	ck_assert_int_eq(capnet_trace_record(t, 5, &r), CAPNET_E_NOTFOUND);
	capnet_trace_close(t);
}
END_TEST

START_TEST(test_direction_filter)
{
	uint8_t f[200];
	size_t n = udp_frame(f, 1, 2, 10);
	static const enum capnet_trace_dir dirs[] = {CAPNET_TRACE_DIR_RX, CAPNET_TRACE_DIR_TX, CAPNET_TRACE_DIR_BOTH};
	for (size_t d = 0; d < 3; d++) {
		struct capnet_trace *t = open_trace(16, 64, dirs[d], 0, 0, CAPNET_INSTANT_NEVER);
		for (int i = 0; i < 3; i++)
			capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, f, n, 1);
		for (int i = 0; i < 2; i++)
			capnet_trace_capture(t, CAPNET_TRACE_DIR_TX, f, n, 1);
		struct capnet_trace_counters k = counters(t);
		uint64_t want = dirs[d] == CAPNET_TRACE_DIR_RX ? 3 : dirs[d] == CAPNET_TRACE_DIR_TX ? 2 : 5;
		ck_assert_uint_eq(k.captured, want);
		ck_assert_uint_eq(k.filtered, 5 - want);
		for (uint32_t i = 0; i < want; i++) {
			struct capnet_trace_record r;
			ck_assert_int_eq(capnet_trace_record(t, i, &r), CAPNET_OK);
			ck_assert_uint_ne(r.dir & dirs[d], 0);
		}
		capnet_trace_close(t);
	}
}
END_TEST

START_TEST(test_protocol_and_port_filters)
{
	uint8_t fr[6][200];
	size_t len[6];
	len[0] = arp_frame(fr[0], false);
	len[1] = udp_frame(fr[1], 67, 68, 300);   /* DHCP */
	len[2] = udp_frame(fr[2], 40000, 53, 30); /* DNS over UDP */
	len[3] = tcp_frame(fr[3], 10, 0x18);      /* TCP 5001 > 49152 */
	len[4] = udp_frame(fr[4], 40000, 9, 30);  /* plain UDP */
	size_t n = eth(fr[5], 0x0800, false);
	n += ip4(fr[5] + n, 5, 6, 20, 0);
	n += tcp(fr[5] + n, 5, 0x02, 0);
	put16(fr[5] + 14 + 20 + 2, 53); /* DNS over TCP */
	len[5] = pad60(fr[5], n);
	static const struct {
		uint32_t protos;
		uint16_t port;
		uint8_t want; /* bit i: frame i captured */
	} cases[] = {
		{0, 0, 0x3f},
		{CAPNET_TRACE_P_ARP, 0, 0x01},
		{CAPNET_TRACE_P_DHCP, 0, 0x02},
		{CAPNET_TRACE_P_DNS, 0, 0x24},
		{CAPNET_TRACE_P_UDP, 0, 0x16},
		{CAPNET_TRACE_P_TCP, 0, 0x28},
		{CAPNET_TRACE_P_IPV4, 0, 0x3e},
		{CAPNET_TRACE_P_IPV6, 0, 0x00},
		{CAPNET_TRACE_P_ARP | CAPNET_TRACE_P_DHCP, 0, 0x03},
		{0, 53, 0x24},
		{0, 5001, 0x28}, /* both TCP frames come from 5001 */
		{CAPNET_TRACE_P_UDP, 53, 0x04},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct capnet_trace *t =
			open_trace(16, 64, CAPNET_TRACE_DIR_BOTH, cases[c].protos, cases[c].port, CAPNET_INSTANT_NEVER);
		for (int i = 0; i < 6; i++)
			capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, fr[i], len[i], i);
		struct capnet_trace_info info;
		capnet_trace_info(t, &info);
		uint8_t got = 0;
		for (uint32_t i = 0; i < info.records; i++) {
			struct capnet_trace_record r;
			ck_assert_int_eq(capnet_trace_record(t, i, &r), CAPNET_OK);
			got |= (uint8_t)(1u << r.at);
		}
		ck_assert_msg(got == cases[c].want, "case %zu: captured 0x%02x, want 0x%02x", c, got, cases[c].want);
		ck_assert_uint_eq(info.counters.filtered + info.counters.captured, 6);
		capnet_trace_close(t);
	}
}
END_TEST

START_TEST(test_expiry_is_exact_at_the_deadline)
{
	struct capnet_trace *t = open_trace(16, 64, CAPNET_TRACE_DIR_BOTH, 0, 0, 1000);
	uint8_t f[200];
	size_t n = udp_frame(f, 1, 2, 10);
	capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, f, n, 998);
	capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, f, n, 999);
	struct capnet_trace_info i;
	capnet_trace_info(t, &i);
	ck_assert_int_eq(i.state, CAPNET_TRACE_CAPTURING);
	capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, f, n, 1000); /* at the deadline: not admitted */
	capnet_trace_capture(t, CAPNET_TRACE_DIR_TX, f, n, 1000);
	capnet_trace_capture(t, CAPNET_TRACE_DIR_RX, f, n, 5000);
	capnet_trace_info(t, &i);
	ck_assert_int_eq(i.state, CAPNET_TRACE_EXPIRED);
	ck_assert_uint_eq(i.counters.captured, 2);
	ck_assert_uint_eq(i.counters.seen, 2);
	ck_assert_uint_eq(i.counters.after_expiry, 3);
	ck_assert_uint_eq(i.counters.admitted_after_expiry, 0);
	ck_assert_uint_eq(i.records, 2);
	capnet_trace_close(t);

	/* A tick alone expires it, with no frame. */
	t = open_trace(16, 64, CAPNET_TRACE_DIR_BOTH, 0, 0, 1000);
	capnet_trace_tick(t, 999);
	capnet_trace_info(t, &i);
	ck_assert_int_eq(i.state, CAPNET_TRACE_CAPTURING);
	capnet_trace_tick(t, 1000);
	capnet_trace_info(t, &i);
	ck_assert_int_eq(i.state, CAPNET_TRACE_EXPIRED);
	/* Time never runs backwards in a trace. */
	capnet_trace_tick(t, 10);
	ck_assert_int_eq(capnet_trace_clock(t), 1000);
	capnet_trace_close(t);
}
END_TEST

START_TEST(test_policy_within)
{
	struct capnet_trace_policy o, i;
	capnet_trace_policy_default(&o, 0, CAPNET_S(10));
	o.protos = CAPNET_TRACE_P_UDP | CAPNET_TRACE_P_TCP;
	ck_assert(capnet_trace_policy_valid(&o));
	i = o;
	ck_assert(capnet_trace_policy_within(&i, &o));
	i.capacity = o.capacity + 1;
	ck_assert(!capnet_trace_policy_within(&i, &o));
	i = o;
	i.snaplen = o.snaplen + 1;
	ck_assert(!capnet_trace_policy_within(&i, &o));
	i = o;
	i.expires = o.expires + 1;
	ck_assert(!capnet_trace_policy_within(&i, &o));
	i = o;
	i.protos = 0; /* any is wider than UDP|TCP */
	ck_assert(!capnet_trace_policy_within(&i, &o));
	i.protos = CAPNET_TRACE_P_ARP;
	ck_assert(!capnet_trace_policy_within(&i, &o));
	i.protos = CAPNET_TRACE_P_TCP;
	ck_assert(capnet_trace_policy_within(&i, &o));
	i.dir = CAPNET_TRACE_DIR_RX;
	ck_assert(capnet_trace_policy_within(&i, &o));
	o.dir = CAPNET_TRACE_DIR_TX;
	ck_assert(!capnet_trace_policy_within(&i, &o));
	o.dir = CAPNET_TRACE_DIR_BOTH;
	o.port = 53;
	i.port = 0;
	ck_assert(!capnet_trace_policy_within(&i, &o));
	i.port = 53;
	ck_assert(capnet_trace_policy_within(&i, &o));
	/* Malformed policies. */
	i = o;
	i.payload = (enum capnet_trace_payload)1;
	ck_assert(!capnet_trace_policy_valid(&i));
	i = o;
	i.capacity = 0;
	ck_assert(!capnet_trace_policy_valid(&i));
	i = o;
	i.snaplen = 13;
	ck_assert(!capnet_trace_policy_valid(&i));
	i = o;
	i.dir = (enum capnet_trace_dir)0;
	ck_assert(!capnet_trace_policy_valid(&i));
	i = o;
	i.protos = 1u << 12;
	ck_assert(!capnet_trace_policy_valid(&i));
}
END_TEST

/* ---- the capture points of an interface ---- */

static size_t echo_request(uint8_t *f)
{
	size_t n = eth(f, 0x0800, false);
	uint8_t *ip = f + n;
	n += ip4(ip, 5, 1, 8 + 32, 0);
	uint8_t *ic = f + n;
	n += icmp(ic, 32);
	/* checksums, so the stack answers */
	uint32_t s = 0;
	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	put16(ip + 10, ~s & 0xffff);
	s = 0;
	for (int i = 0; i < 40; i += 2)
		s += (uint32_t)(ic[i] << 8 | ic[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	put16(ic + 2, ~s & 0xffff);
	return n;
}

static void other_tap(void *ctx, const uint8_t *frame, size_t len, enum capnet_iface_dir dir, capnet_instant now)
{
	(void)frame;
	(void)len;
	(void)now;
	((unsigned *)ctx)[dir == CAPNET_IFACE_RX ? 0 : 1]++;
}

/* The trace is one tap among others: it shares the capture points with a
 * foreign observer, and cannot open when every tap slot is taken. */
START_TEST(test_trace_shares_the_tap_hook)
{
	unsigned seen[2] = {0, 0};
	struct capnet_iface_tap taps[CAPNET_IFACE_TAPS_MAX];
	memset(taps, 0, sizeof taps);
	for (size_t i = 0; i < CAPNET_IFACE_TAPS_MAX; i++) {
		taps[i].frame = other_tap;
		taps[i].ctx = seen;
		ck_assert_int_eq(capnet_iface_tap_attach(ts.ifc, &taps[i]), CAPNET_OK);
	}
	struct capnet_trace_policy p;
	capnet_trace_policy_default(&p, 0, CAPNET_INSTANT_NEVER);
	struct capnet_trace *t;
	ck_assert_int_eq(capnet_trace_open(pool, ts.ifc, &p, NULL, 0, &t), CAPNET_E_NOMEM);
	ck_assert_ptr_null(capnet_iface_trace(ts.ifc));
	for (size_t i = 1; i < CAPNET_IFACE_TAPS_MAX; i++)
		capnet_iface_tap_detach(ts.ifc, &taps[i]);
	ck_assert_int_eq(capnet_trace_open(pool, ts.ifc, &p, NULL, 0, &t), CAPNET_OK);
	ck_assert_ptr_eq(capnet_iface_trace(ts.ifc), t);
	ck_assert_int_eq(capnet_iface_trace_attach(ts.ifc, t), CAPNET_OK); /* already: no-op */
	ck_assert_int_eq(capnet_arp_add_static(ts.ifc, IP_PEER, mac_peer), CAPNET_OK);
	uint8_t f[200];
	size_t n = echo_request(f);
	capnet_iface_input(ts.ifc, f, n, CAPNET_MS(7));
	ck_assert_uint_eq(seen[0], 1);
	ck_assert_uint_eq(seen[1], 1);
	struct capnet_trace_info i;
	capnet_trace_info(t, &i);
	ck_assert_uint_eq(i.records, 2);
	capnet_trace_close(t);
	ck_assert_ptr_null(capnet_iface_trace(ts.ifc));
	capnet_iface_input(ts.ifc, f, n, CAPNET_MS(8));
	ck_assert_uint_eq(seen[0], 2); /* the other tap stays */
	capnet_iface_tap_detach(ts.ifc, &taps[0]);
}
END_TEST

START_TEST(test_iface_capture_points)
{
	ck_assert_ptr_null(capnet_iface_trace(ts.ifc));
	struct capnet_trace *t = open_trace(16, CAPNET_TRACE_HDR_MAX, CAPNET_TRACE_DIR_BOTH, 0, 0, CAPNET_INSTANT_NEVER);
	ck_assert_ptr_eq(capnet_iface_trace(ts.ifc), t);
	/* One trace per interface. */
	struct capnet_trace_policy p;
	capnet_trace_policy_default(&p, 0, CAPNET_INSTANT_NEVER);
	struct capnet_trace *t2;
	ck_assert_int_eq(capnet_trace_open(pool, ts.ifc, &p, NULL, 0, &t2), CAPNET_E_INUSE);

	ck_assert_int_eq(capnet_arp_add_static(ts.ifc, IP_PEER, mac_peer), CAPNET_OK);
	uint8_t f[200];
	size_t n = echo_request(f);
	capnet_iface_input(ts.ifc, f, n, CAPNET_MS(7));
	ck_assert_uint_eq(ts.cn.ntx, 1); /* the echo reply */
	struct capnet_trace_record rx, tx;
	ck_assert_int_eq(capnet_trace_record(t, 0, &rx), CAPNET_OK);
	ck_assert_int_eq(capnet_trace_record(t, 1, &tx), CAPNET_OK);
	ck_assert_int_eq(rx.dir, CAPNET_TRACE_DIR_RX);
	ck_assert_int_eq(rx.at, CAPNET_MS(7));
	ck_assert_uint_eq(rx.caplen, 42);
	ck_assert_uint_eq(rx.orig_len, n);
	ck_assert_int_eq(tx.dir, CAPNET_TRACE_DIR_TX);
	ck_assert_int_eq(tx.at, CAPNET_MS(7)); /* stamped with the instant the iface was handed */
	ck_assert_uint_eq(tx.orig_len, ts.cn.tx[0].len);
	ck_assert_uint_eq(tx.cls.icmp_type, 0);
	ck_assert_mem_eq(tx.data, ts.cn.tx[0].data, 42);
	/* A poll moves the clock for what it sends. */
	capnet_iface_poll(ts.ifc, CAPNET_S(2));
	ck_assert_int_eq(capnet_trace_clock(t), CAPNET_S(2));
	/* Stopped: detached, records kept, nothing more seen. */
	capnet_trace_stop(t);
	ck_assert_ptr_null(capnet_iface_trace(ts.ifc));
	capnet_iface_input(ts.ifc, f, n, CAPNET_S(3));
	struct capnet_trace_info i;
	capnet_trace_info(t, &i);
	ck_assert_int_eq(i.state, CAPNET_TRACE_STOPPED);
	ck_assert_uint_eq(i.records, 2);
	ck_assert_uint_eq(i.counters.seen, 2);
	capnet_trace_close(t);
	ck_assert_int_eq(capnet_trace_record(t, 0, &rx), CAPNET_E_NOTFOUND);
}
END_TEST

/* A frame sent outside input and poll, here an ARP request started by a
 * direct resolve, carries the instant of that call: once tx records took
 * the trace's last-seen clock instead, and this one said 0. */
START_TEST(test_tx_between_polls_carries_its_own_instant)
{
	struct capnet_trace *t = open_trace(16, CAPNET_TRACE_HDR_MAX, CAPNET_TRACE_DIR_TX, 0, 0, CAPNET_INSTANT_NEVER);
	ck_assert_int_eq(capnet_arp_resolve(ts.ifc, IP_PEER, CAPNET_MS(250)), CAPNET_E_AGAIN);
	ck_assert_uint_eq(ts.cn.ntx, 1);
	struct capnet_trace_record r;
	ck_assert_int_eq(capnet_trace_record(t, 0, &r), CAPNET_OK);
	ck_assert_int_eq(r.dir, CAPNET_TRACE_DIR_TX);
	ck_assert_int_eq(r.at, CAPNET_MS(250));
	ck_assert_uint_eq(r.cls.protos, CAPNET_TRACE_P_ARP);
	ck_assert_uint_eq(r.cls.arp_tpa, IP_PEER);
	capnet_trace_close(t);
}
END_TEST

START_TEST(test_pool_exhaustion)
{
	static struct test_stack other;
	test_stack_init(&other, mac_peer, NULL);
	struct capnet_trace_policy p;
	capnet_trace_policy_default(&p, 0, CAPNET_INSTANT_NEVER);
	struct capnet_trace *a, *b, *c;
	p.capacity = 65; /* the pool holds 64 per trace */
	ck_assert_int_eq(capnet_trace_open(pool, ts.ifc, &p, NULL, 0, &a), CAPNET_E_INVAL);
	p.capacity = 64;
	ck_assert_int_eq(capnet_trace_open(pool, ts.ifc, &p, NULL, 0, &a), CAPNET_OK);
	ck_assert_int_eq(capnet_trace_open(pool, other.ifc, &p, NULL, 0, &b), CAPNET_OK);
	static struct test_stack third;
	test_stack_init(&third, mac_peer, NULL);
	ck_assert_int_eq(capnet_trace_open(pool, third.ifc, &p, NULL, 0, &c), CAPNET_E_NOMEM);
	uint16_t gen = capnet_trace_generation(a);
	capnet_trace_close(a);
	ck_assert(!capnet_trace_is_open(a, gen));
	ck_assert_int_eq(capnet_trace_open(pool, third.ifc, &p, NULL, 0, &c), CAPNET_OK);
	ck_assert_ptr_eq(c, a); /* the slot, under a new generation */
	ck_assert(!capnet_trace_is_open(c, gen));
	ck_assert(capnet_trace_is_open(c, capnet_trace_generation(c)));
	capnet_trace_close(b);
	capnet_trace_close(c);
}
END_TEST

/* ---- the caps ---- */

static struct capnet_xoshiro xo;
static struct capnet_capsys *sys;
static struct capnet_net net;
static struct capnet_cspace *boot, *dbg, *other_cs;
static capnet_handle nm;

static void setup_caps(void)
{
	setup();
	capnet_xoshiro_seed(&xo, 9);
	ck_assert_int_eq(capnet_capsys_create(&arena, NULL, capnet_xoshiro_rng(&xo), &sys), CAPNET_OK);
	net = (struct capnet_net){.name = "eth0", .iface = ts.ifc, .nic = &ts.cn.nic, .sys = sys, .traces = pool};
	ck_assert_int_eq(capnet_cspace_create(sys, "boot", &boot), CAPNET_OK);
	ck_assert_int_eq(capnet_cspace_create(sys, "debug", &dbg), CAPNET_OK);
	ck_assert_int_eq(capnet_cspace_create(sys, "other", &other_cs), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_create_root(boot, &net, &nm), CAPNET_OK);
}

static void teardown_caps(void)
{
	ck_assert_int_eq(capnet_capsys_verify(sys), CAPNET_OK);
}

static uint64_t rejected(struct capnet_cspace *cs, enum capnet_audit_reason r)
{
	struct capnet_audit a;
	capnet_cspace_audit(cs, &a);
	return a.rejected[r];
}

static capnet_handle mint(capnet_instant expires, const char *reason)
{
	struct capnet_trace_request req = {.reason = reason, .for_cspace = capnet_cspace_id(dbg)};
	capnet_trace_policy_default(&req.policy, 0, CAPNET_INSTANT_NEVER);
	req.policy.expires = expires;
	capnet_handle pt;
	ck_assert_int_eq(capnet_netmgr_mint_trace_policy(boot, nm, &req, 0, &pt), CAPNET_OK);
	return pt;
}

/* A reader in debug, READ only. */
static capnet_handle reader(capnet_handle pt)
{
	capnet_handle r, rd;
	ck_assert_int_eq(capnet_tracecap_reader(boot, pt, &r), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(boot, r, dbg, CAPNET_RIGHT_READ, NULL, &rd), CAPNET_OK);
	return rd;
}

/* A datagram the stack drops without a word (it is for another host), so
 * the trace sees exactly one frame. */
static void feed_udp(capnet_instant now)
{
	uint8_t f[200];
	size_t n = udp_frame(f, 40000, 9, 20);
	put32(f + 14 + 16, CAPNET_IP4(192, 0, 2, 99));
	capnet_iface_input(ts.ifc, f, n, now);
}

START_TEST(test_mint_records_provenance)
{
	char reason[200];
	memset(reason, 'r', sizeof reason - 1);
	reason[sizeof reason - 1] = '\0';
	capnet_handle pt = mint(CAPNET_S(60), reason);
	capnet_handle rd = reader(pt);
	struct capnet_trace_info i;
	ck_assert_int_eq(capnet_tracecap_info(dbg, rd, &i), CAPNET_OK);
	struct capnet_cap_info nmi;
	ck_assert_int_eq(capnet_cap_inspect(boot, nm, &nmi), CAPNET_OK);
	ck_assert_uint_eq(i.prov.authority_type, CAPNET_CAP_NETWORK_MANAGER);
	ck_assert_uint_eq(i.prov.authority_cap, nmi.cap_id);
	ck_assert_uint_eq(i.prov.minted_by, capnet_cspace_id(boot));
	ck_assert_str_eq(i.prov.minted_by_name, "boot");
	ck_assert_uint_eq(i.prov.minted_for, capnet_cspace_id(dbg));
	ck_assert_str_eq(i.prov.iface_name, "eth0");
	ck_assert_uint_eq(strlen(i.prov.reason), CAPNET_TRACE_REASON_MAX - 1); /* bounded copy */
	ck_assert_int_eq(i.prov.policy.expires, CAPNET_S(60));
	struct capnet_cap_info ci;
	ck_assert_int_eq(capnet_cap_inspect(dbg, rd, &ci), CAPNET_OK);
	ck_assert_int_eq(ci.type, CAPNET_CAP_TRACE_READER);
	ck_assert_uint_eq(ci.rights, CAPNET_RIGHT_READ);
	ck_assert_int_eq(capnet_cap_inspect(boot, pt, &ci), CAPNET_OK);
	ck_assert_int_eq(ci.type, CAPNET_CAP_PACKET_TRACE);
	ck_assert_int_eq(ci.parent_type, CAPNET_CAP_NETWORK_MANAGER);
}
END_TEST

START_TEST(test_mint_fails_closed)
{
	struct capnet_trace_request req = {.reason = "x"};
	capnet_trace_policy_default(&req.policy, 0, CAPNET_INSTANT_NEVER);
	capnet_handle pt;
	/* Bad policies. */
	req.policy.capacity = 0;
	ck_assert_int_eq(capnet_netmgr_mint_trace_policy(boot, nm, &req, 0, &pt), CAPNET_E_INVAL);
	req.policy.capacity = 65;
	ck_assert_int_eq(capnet_netmgr_mint_trace_policy(boot, nm, &req, 0, &pt), CAPNET_E_INVAL);
	req.policy.capacity = 16;
	req.policy.payload = (enum capnet_trace_payload)1;
	ck_assert_int_eq(capnet_netmgr_mint_trace_policy(boot, nm, &req, 0, &pt), CAPNET_E_INVAL);
	req.policy.payload = CAPNET_TRACE_HEADERS_ONLY;
	/* Not a NetworkManager, or without MINT. */
	capnet_handle st, nm_ro;
	ck_assert_int_eq(capnet_netmgr_mint_status(boot, nm, &st), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_mint_trace_policy(boot, st, &req, 0, &pt), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_cap_grant(boot, nm, other_cs, CAPNET_RIGHT_READ, NULL, &nm_ro), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_mint_trace_policy(other_cs, nm_ro, &req, 0, &pt), CAPNET_E_RIGHTS);
	/* A manager for some ports only: only a trace of one of its ports. */
	capnet_handle nm_ports;
	struct capnet_scope ports = capnet_scope_local(8000, 8999);
	ck_assert_int_eq(capnet_cap_grant(boot, nm, other_cs, CAPNET_RIGHT_MINT, &ports, &nm_ports), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_mint_trace_policy(other_cs, nm_ports, &req, 0, &pt), CAPNET_E_SCOPE);
	req.policy.port = 9000;
	ck_assert_int_eq(capnet_netmgr_mint_trace_policy(other_cs, nm_ports, &req, 0, &pt), CAPNET_E_SCOPE);
	ck_assert_uint_eq(rejected(other_cs, CAPNET_AUDIT_SCOPE), 2);
	req.policy.port = 8080;
	ck_assert_int_eq(capnet_netmgr_mint_trace_policy(other_cs, nm_ports, &req, 0, &pt), CAPNET_OK);
	/* One trace per interface. */
	capnet_handle pt2;
	req.policy.port = 0;
	ck_assert_int_eq(capnet_netmgr_mint_trace_policy(boot, nm, &req, 0, &pt2), CAPNET_E_INUSE);
	/* No pool. */
	ck_assert_int_eq(capnet_cap_revoke(other_cs, pt), CAPNET_OK);
	net.traces = NULL;
	ck_assert_int_eq(capnet_netmgr_mint_trace_policy(boot, nm, &req, 0, &pt2), CAPNET_E_NOTCONFIGURED);
	net.traces = pool;
	/* The bare PacketTrace of the type graph has no capture behind it. */
	capnet_handle bare, rd;
	ck_assert_int_eq(capnet_netmgr_mint_trace(boot, nm, &bare), CAPNET_OK);
	ck_assert_int_eq(capnet_tracecap_reader(boot, bare, &rd), CAPNET_E_NOTCONFIGURED);
	ck_assert_int_eq(capnet_tracecap_stop(boot, bare), CAPNET_E_NOTCONFIGURED);
}
END_TEST

START_TEST(test_reader_reads_records_and_counters)
{
	capnet_handle pt = mint(CAPNET_INSTANT_NEVER, "read");
	capnet_handle rd = reader(pt);
	feed_udp(CAPNET_MS(1));
	feed_udp(CAPNET_MS(2));
	struct capnet_trace_info i;
	ck_assert_int_eq(capnet_tracecap_info(dbg, rd, &i), CAPNET_OK);
	ck_assert_uint_eq(i.records, 2);
	ck_assert_uint_eq(i.counters.captured, 2);
	struct capnet_trace_record r;
	ck_assert_int_eq(capnet_tracecap_record(dbg, rd, 1, &r), CAPNET_OK);
	ck_assert_int_eq(r.at, CAPNET_MS(2));
	ck_assert_uint_eq(r.caplen, 42);
	ck_assert_int_eq(capnet_tracecap_record(dbg, rd, 2, &r), CAPNET_E_NOTFOUND);
	/* Another cspace, holding nothing, names nothing with it. */
	ck_assert_int_eq(capnet_tracecap_record(other_cs, rd, 0, &r), CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_tracecap_info(other_cs, rd, &i), CAPNET_E_BADHANDLE);
	ck_assert_uint_eq(rejected(other_cs, CAPNET_AUDIT_BADHANDLE), 2);
	/* Records outlive a stop. */
	ck_assert_int_eq(capnet_tracecap_stop(boot, pt), CAPNET_OK);
	feed_udp(CAPNET_MS(3));
	ck_assert_int_eq(capnet_tracecap_info(dbg, rd, &i), CAPNET_OK);
	ck_assert_int_eq(i.state, CAPNET_TRACE_STOPPED);
	ck_assert_uint_eq(i.records, 2);
}
END_TEST

START_TEST(test_reader_cannot_transmit_or_configure)
{
	capnet_handle pt = mint(CAPNET_INSTANT_NEVER, "forged");
	capnet_handle rd = reader(pt);
	feed_udp(CAPNET_MS(1));
	capture_nic_clear(&ts.cn);
	uint64_t fp = capnet_net_fingerprint(&net);
	struct capnet_trace_info before, after;
	ck_assert_int_eq(capnet_tracecap_info(dbg, rd, &before), CAPNET_OK);
	capnet_handle h;
	uint8_t d[4] = {0};
	struct capnet_trace_policy wide;
	capnet_trace_policy_default(&wide, 0, CAPNET_INSTANT_NEVER);
	wide.capacity = 64;
	ck_assert_int_eq(capnet_udpcap_send_to(dbg, rd, IP_PEER, 9, d, sizeof d, 0), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_netmgr_set_static(dbg, rd, IP_PEER, 24, 0, 0), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_tcpcap_connect(dbg, rd, IP_PEER, 80, 0, &h), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_tcpcap_listen(dbg, rd, 80, 1, &h), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_netmgr_mint_udp(dbg, rd, 53, 53, NULL, &h), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_tracecap_narrow(dbg, rd, &wide), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_tracecap_stop(dbg, rd), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_tracecap_reader(dbg, rd, &h), CAPNET_E_WRONGTYPE);
	ck_assert_uint_eq(rejected(dbg, CAPNET_AUDIT_WRONGTYPE), 8);
	ck_assert_int_eq(capnet_cap_attenuate(dbg, rd, CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE, NULL), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_cap_grant(dbg, rd, other_cs, CAPNET_RIGHT_READ, NULL, &h), CAPNET_E_RIGHTS);
	ck_assert_uint_eq(rejected(dbg, CAPNET_AUDIT_RIGHTS), 2);
	/* Nothing sent, nothing changed. */
	ck_assert_uint_eq(ts.cn.ntx, 0);
	ck_assert_uint_eq(capnet_net_fingerprint(&net), fp);
	ck_assert_int_eq(capnet_tracecap_info(dbg, rd, &after), CAPNET_OK);
	ck_assert_mem_eq(&before.policy, &after.policy, sizeof before.policy);
	ck_assert_mem_eq(&before.counters, &after.counters, sizeof before.counters);
	/* The PacketTrace narrows, never widens. */
	ck_assert_int_eq(capnet_tracecap_narrow(boot, pt, &wide), CAPNET_E_SCOPE);
	ck_assert_uint_eq(rejected(boot, CAPNET_AUDIT_SCOPE), 1);
	struct capnet_trace_policy narrow = before.policy;
	narrow.dir = CAPNET_TRACE_DIR_RX;
	narrow.protos = CAPNET_TRACE_P_TCP;
	ck_assert_int_eq(capnet_tracecap_narrow(boot, pt, &narrow), CAPNET_OK);
	feed_udp(CAPNET_MS(2));
	ck_assert_int_eq(capnet_tracecap_info(dbg, rd, &after), CAPNET_OK);
	ck_assert_uint_eq(after.counters.filtered, 1);
	ck_assert_uint_eq(after.policy.protos, CAPNET_TRACE_P_TCP);
}
END_TEST

START_TEST(test_revoke_stops_capture_and_invalidates_readers)
{
	capnet_handle pt = mint(CAPNET_INSTANT_NEVER, "revoke");
	capnet_handle rd = reader(pt), rd2;
	ck_assert_int_eq(capnet_tracecap_reader(boot, pt, &rd2), CAPNET_OK);
	feed_udp(CAPNET_MS(1));
	ck_assert_ptr_nonnull(capnet_iface_trace(ts.ifc));
	ck_assert_int_eq(capnet_cap_revoke(boot, pt), CAPNET_OK);
	ck_assert_ptr_null(capnet_iface_trace(ts.ifc));
	struct capnet_trace_record r;
	struct capnet_trace_info i;
	ck_assert_int_eq(capnet_tracecap_record(dbg, rd, 0, &r), CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_tracecap_info(dbg, rd, &i), CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_tracecap_info(boot, rd2, &i), CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_tracecap_stop(boot, pt), CAPNET_E_REVOKED);
	/* The slot is free: a new trace, and the old readers stay revoked. */
	capnet_handle pt2 = mint(CAPNET_INSTANT_NEVER, "again");
	feed_udp(CAPNET_MS(2));
	ck_assert_int_eq(capnet_tracecap_record(dbg, rd, 0, &r), CAPNET_E_REVOKED);
	capnet_handle rd3 = reader(pt2);
	ck_assert_int_eq(capnet_tracecap_info(dbg, rd3, &i), CAPNET_OK);
	ck_assert_uint_eq(i.records, 1);
	ck_assert_int_eq(capnet_cap_close(dbg, rd), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_close(boot, rd2), CAPNET_OK);
	/* Revoking the NetworkManager takes the trace with it. */
	ck_assert_int_eq(capnet_cap_revoke(boot, nm), CAPNET_OK);
	ck_assert_ptr_null(capnet_iface_trace(ts.ifc));
	ck_assert_int_eq(capnet_tracecap_info(dbg, rd3, &i), CAPNET_E_REVOKED);
}
END_TEST

START_TEST(test_closing_the_last_trace_handle_closes_readers)
{
	capnet_handle pt = mint(CAPNET_INSTANT_NEVER, "close");
	capnet_handle rd = reader(pt);
	capnet_handle copy;
	ck_assert_int_eq(capnet_cap_grant(boot, pt, other_cs, CAPNET_RIGHT_CONFIGURE, NULL, &copy), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_close(boot, pt), CAPNET_OK);
	/* A granted copy still holds the trace. */
	ck_assert_ptr_nonnull(capnet_iface_trace(ts.ifc));
	struct capnet_trace_info i;
	ck_assert_int_eq(capnet_tracecap_info(dbg, rd, &i), CAPNET_OK);
	ck_assert_int_eq(capnet_tracecap_stop(other_cs, copy), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_close(other_cs, copy), CAPNET_OK);
	ck_assert_ptr_null(capnet_iface_trace(ts.ifc));
	ck_assert_int_eq(capnet_tracecap_info(dbg, rd, &i), CAPNET_E_CLOSED);
}
END_TEST

START_TEST(test_trace_expires_through_the_iface)
{
	capnet_handle pt = mint(CAPNET_MS(10), "expiry");
	capnet_handle rd = reader(pt);
	(void)pt;
	feed_udp(CAPNET_MS(9));
	feed_udp(CAPNET_MS(10));
	capnet_iface_poll(ts.ifc, CAPNET_MS(11));
	feed_udp(CAPNET_MS(12));
	struct capnet_trace_info i;
	ck_assert_int_eq(capnet_tracecap_info(dbg, rd, &i), CAPNET_OK);
	ck_assert_int_eq(i.state, CAPNET_TRACE_EXPIRED);
	ck_assert_uint_eq(i.counters.captured, 1);
	ck_assert_uint_eq(i.counters.after_expiry, 2);
	ck_assert_uint_eq(i.counters.admitted_after_expiry, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trace");
	TCase *c = check_add_case(s, "classify", NULL, NULL, 0);
	tcase_add_test(c, test_boundary_per_protocol);
	tcase_add_test(c, test_boundary_of_inconsistent_headers);
	tcase_add_test(c, test_boundary_at_every_truncation);
	tcase_add_test(c, test_policy_within);
	c = check_add_case(s, "trace", setup, NULL, 0);
	tcase_add_test(c, test_payload_never_stored_even_with_a_huge_snaplen);
	tcase_add_test(c, test_reused_record_shows_nothing_of_an_older_frame);
	tcase_add_test(c, test_full_store_drops_exactly);
	tcase_add_test(c, test_direction_filter);
	tcase_add_test(c, test_protocol_and_port_filters);
	tcase_add_test(c, test_expiry_is_exact_at_the_deadline);
	tcase_add_test(c, test_iface_capture_points);
	tcase_add_test(c, test_trace_shares_the_tap_hook);
	tcase_add_test(c, test_tx_between_polls_carries_its_own_instant);
	tcase_add_test(c, test_pool_exhaustion);
	c = check_add_case(s, "caps", setup_caps, teardown_caps, 0);
	tcase_add_test(c, test_mint_records_provenance);
	tcase_add_test(c, test_mint_fails_closed);
	tcase_add_test(c, test_reader_reads_records_and_counters);
	tcase_add_test(c, test_reader_cannot_transmit_or_configure);
	tcase_add_test(c, test_revoke_stops_capture_and_invalidates_readers);
	tcase_add_test(c, test_closing_the_last_trace_handle_closes_readers);
	tcase_add_test(c, test_trace_expires_through_the_iface);
	return s;
}
