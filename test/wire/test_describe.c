/* The frame describer: one frame of each kind, built with the codecs, and
 * the exact summary fields and text (both styles) it gives; then a frame
 * cut at each layer, and IPv6 addresses against inet_ntop(3). */
#include <arpa/inet.h>
#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/describe.h"
#include "capnet/wire/dhcp4.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/tcp.h"
#include "capnet/wire/udp.h"
#include "check_main.h"
#include "ipv6_frames.h"

static const struct capnet_mac host = {{0x02, 0, 0, 0, 0, 0x0b}};
static const struct capnet_mac gw = {{0x02, 0, 0, 0, 0, 0x0a}};
#define HOST_IP CAPNET_IP4(192, 0, 2, 11)
#define GW_IP CAPNET_IP4(192, 0, 2, 1)

static uint8_t f[1600];
static struct capnet_frame_desc d;
static char text[256];

static size_t eth(struct capnet_mac src, struct capnet_mac dst, uint16_t type)
{
	struct capnet_eth_repr e = {.dst = dst, .src = src, .ethertype = type};
	return capnet_eth_emit(&e, f);
}

/* IPv4 header at f + 14 for `payload` bytes that follow it. */
static size_t ip4(capnet_ip4addr src, capnet_ip4addr dst, uint8_t proto, uint16_t ident, size_t payload)
{
	struct capnet_ip4_repr r = {.src = src, .dst = dst, .proto = proto, .ttl = 64, .ident = ident,
				    .dont_fragment = true, .payload_len = payload};
	return capnet_ip4_emit(&r, f + 14);
}

static const char *trace_text(void)
{
	capnet_frame_desc_text(&d, CAPNET_DESCRIBE_TRACE, text, sizeof text);
	return text;
}

static const char *replay_text(void)
{
	capnet_frame_desc_text(&d, CAPNET_DESCRIBE_REPLAY, text, sizeof text);
	return text;
}

/* A frame refused at one layer: the layers before it whole, the reason,
 * and whole headers ending where the refused one began. */
static void assert_refused(uint32_t whole, uint32_t refused, capnet_err why, uint16_t header_len)
{
	ck_assert_uint_eq(d.layers, whole);
	ck_assert_uint_eq(d.bad_layer, refused);
	ck_assert_int_eq(d.bad_err, why);
	ck_assert_uint_eq(d.header_len, header_len);
}

static size_t arp_frame(uint16_t oper, bool pad)
{
	size_t n = eth(oper == CAPNET_ARP_REQUEST ? host : gw, oper == CAPNET_ARP_REQUEST ? CAPNET_MAC_BROADCAST : host,
		       CAPNET_ETHERTYPE_ARP);
	struct capnet_arp_repr a = {.oper = oper};
	if (oper == CAPNET_ARP_REQUEST)
		a = (struct capnet_arp_repr){oper, host, HOST_IP, {{0}}, GW_IP};
	else
		a = (struct capnet_arp_repr){oper, gw, GW_IP, host, HOST_IP};
	n += capnet_arp_emit(&a, f + n);
	if (pad) {
		memset(f + n, 0, 60 - n);
		n = 60;
	}
	return n;
}

START_TEST(test_arp_request)
{
	size_t n = arp_frame(CAPNET_ARP_REQUEST, true);
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.len, 60);
	ck_assert_uint_eq(d.layers, CAPNET_DESC_ETH | CAPNET_DESC_ARP);
	ck_assert_uint_eq(d.bad_layer, 0);
	ck_assert_uint_eq(d.ethertype, CAPNET_ETHERTYPE_ARP);
	ck_assert(capnet_mac_eq(d.eth_src, host) && capnet_mac_is_broadcast(d.eth_dst));
	ck_assert_uint_eq(d.l3_off, 14);
	ck_assert_uint_eq(d.header_len, 42); /* the padding is not a header */
	ck_assert_int_eq(d.arp_err, CAPNET_OK);
	ck_assert_uint_eq(d.arp_oper, CAPNET_ARP_REQUEST);
	ck_assert(capnet_mac_eq(d.arp_sha, host));
	ck_assert_uint_eq(d.arp_spa, HOST_IP);
	ck_assert_uint_eq(d.arp_tpa, GW_IP);
	ck_assert_uint_eq(d.body_len, 0);
	ck_assert_str_eq(trace_text(), "ARP, Request who-has 192.0.2.1 tell 192.0.2.11, length 28");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > ff:ff:ff:ff:ff:ff, 60 bytes: ARP who-has 192.0.2.1 tell 192.0.2.11");

	/* a gratuitous one says so (REPLAY) */
	struct capnet_arp_repr g = {CAPNET_ARP_REQUEST, host, HOST_IP, {{0}}, HOST_IP};
	capnet_arp_emit(&g, f + 14);
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_str_eq(replay_text(),
			 "02:00:00:00:00:0b > ff:ff:ff:ff:ff:ff, 60 bytes: ARP who-has 192.0.2.11 tell 192.0.2.11 (gratuitous)");
}
END_TEST

START_TEST(test_arp_reply)
{
	size_t n = arp_frame(CAPNET_ARP_REPLY, false);
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_HEADERS, &d);
	ck_assert_uint_eq(d.layers, CAPNET_DESC_ETH | CAPNET_DESC_ARP);
	ck_assert_uint_eq(d.arp_oper, CAPNET_ARP_REPLY);
	ck_assert(capnet_mac_eq(d.arp_sha, gw) && capnet_mac_eq(d.arp_tha, host));
	ck_assert_uint_eq(d.arp_spa, GW_IP);
	ck_assert_uint_eq(d.arp_tpa, HOST_IP);
	ck_assert_uint_eq(d.header_len, 42);
	ck_assert_str_eq(trace_text(), "ARP, Reply 192.0.2.1 is-at 02:00:00:00:00:0a, length 28");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0a > 02:00:00:00:00:0b, 42 bytes: ARP reply 192.0.2.1 is-at 02:00:00:00:00:0a");

	/* An operation the codec refuses is still an ARP header to the trace;
	 * REPLAY gives the codec's verdict. */
	f[14 + CAPNET_ARP_OPER + 1] = 9;
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.layers, CAPNET_DESC_ETH | CAPNET_DESC_ARP);
	ck_assert_uint_eq(d.bad_layer, 0);
	ck_assert_int_eq(d.arp_err, CAPNET_E_MALFORMED);
	ck_assert_uint_eq(d.arp_oper, 9);
	ck_assert_uint_eq(d.arp_spa, GW_IP);
	ck_assert_str_eq(trace_text(), "ARP, oper 9, length 28");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0a > 02:00:00:00:00:0b, 42 bytes: ARP malformed (E_MALFORMED, 28 bytes)");
}
END_TEST

static size_t icmp_echo_frame(size_t data_len)
{
	size_t n = eth(host, gw, CAPNET_ETHERTYPE_IPV4);
	uint8_t data[64];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)i;
	struct capnet_icmp4_repr r = {.type = CAPNET_ICMP4_ECHO_REQUEST, .ident = 0x4350, .seq = 1, .data = data,
				      .data_len = data_len};
	size_t il = capnet_icmp4_emit(&r, f + 34);
	n += ip4(HOST_IP, GW_IP, CAPNET_IPPROTO_ICMP, 1, il);
	return n + il;
}

START_TEST(test_icmp_echo)
{
	size_t n = icmp_echo_frame(56);
	ck_assert_uint_eq(n, 98);
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.layers, CAPNET_DESC_ETH | CAPNET_DESC_IPV4 | CAPNET_DESC_ICMP);
	ck_assert_uint_eq(d.bad_layer, 0);
	ck_assert_uint_eq(d.l3_off, 14);
	ck_assert_uint_eq(d.l4_off, 34);
	ck_assert_uint_eq(d.header_len, 42);
	ck_assert_int_eq(d.ip_err, CAPNET_OK);
	ck_assert_uint_eq(d.ip_proto, CAPNET_IPPROTO_ICMP);
	ck_assert_uint_eq(d.ip_ttl, 64);
	ck_assert_uint_eq(d.ip_ident, 1);
	ck_assert(d.ip_df && !d.ip_mf && d.ip_frag_offset == 0);
	ck_assert(d.ip_checksum_ok);
	ck_assert_uint_eq(d.ip_header_len, 20);
	ck_assert_uint_eq(d.ip_payload_len, 64);
	ck_assert_uint_eq(d.src4, HOST_IP);
	ck_assert_uint_eq(d.dst4, GW_IP);
	ck_assert(d.l4_fixed);
	ck_assert_uint_eq(d.icmp_type, CAPNET_ICMP4_ECHO_REQUEST);
	ck_assert_uint_eq(d.icmp_code, 0);
	ck_assert_uint_eq(d.icmp_id, 0x4350);
	ck_assert_uint_eq(d.icmp_seq, 1);
	ck_assert(d.l4_checksum_ok);
	ck_assert_uint_eq(d.body_len, 56);
	ck_assert_str_eq(trace_text(), "IP 192.0.2.11 > 192.0.2.1: ICMP echo request, id 17232, seq 1, length 56");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > 02:00:00:00:00:0a, 98 bytes: IPv4 192.0.2.11 > 192.0.2.1 "
					"id 0x0001 ttl 64 ICMP echo request id 0x4350 seq 1, 56 data bytes");

	/* broken checksums are named, headers-only reads no body */
	f[14 + CAPNET_IP4_CHECKSUM] ^= 0xff;
	f[n - 1] ^= 0xff;
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert(!d.ip_checksum_ok && !d.l4_checksum_ok);
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > 02:00:00:00:00:0a, 98 bytes: IPv4 192.0.2.11 > 192.0.2.1 "
					"id 0x0001 ttl 64 [bad header checksum] ICMP echo request id 0x4350 seq 1, 56 "
					"data bytes [bad checksum]");
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_HEADERS, &d);
	ck_assert(!d.body_read && !d.l4_checksum_ok);
	ck_assert_uint_eq(d.bad_layer, 0);
}
END_TEST

static size_t udp_frame(capnet_ip4addr src, capnet_ip4addr dst, uint16_t sport, uint16_t dport, const uint8_t *pl,
			size_t plen)
{
	size_t n = eth(host, gw, CAPNET_ETHERTYPE_IPV4);
	struct capnet_udp_repr u = {.src_port = sport, .dst_port = dport, .payload = pl, .payload_len = plen};
	size_t ul = capnet_udp_emit4(&u, f + 34, src, dst);
	n += ip4(src, dst, CAPNET_IPPROTO_UDP, 7, ul);
	return n + ul;
}

START_TEST(test_udp)
{
	const uint8_t q[12] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	size_t n = udp_frame(HOST_IP, GW_IP, 5353, 53, q, sizeof q);
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.layers, CAPNET_DESC_ETH | CAPNET_DESC_IPV4 | CAPNET_DESC_UDP);
	ck_assert_uint_eq(d.l4_off, 34);
	ck_assert_uint_eq(d.header_len, 42);
	ck_assert_uint_eq(d.sport, 5353);
	ck_assert_uint_eq(d.dport, 53);
	ck_assert_uint_eq(d.udp_len, 20);
	ck_assert(d.l4_checksum_ok);
	ck_assert_uint_eq(d.body_len, 12);
	ck_assert_str_eq(trace_text(), "IP 192.0.2.11.5353 > 192.0.2.1.53: UDP (DNS), length 12");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > 02:00:00:00:00:0a, 54 bytes: IPv4 192.0.2.11 > 192.0.2.1 "
					"id 0x0007 ttl 64 UDP 5353 > 53, 12 data bytes");
}
END_TEST

START_TEST(test_dhcp_discover)
{
	static struct capnet_dhcp4_repr m;
	memset(&m, 0, sizeof m);
	m.op = CAPNET_BOOTREQUEST;
	m.xid = 0x3903f326;
	m.flags = CAPNET_DHCP4_FLAG_BROADCAST;
	m.chaddr = host;
	m.message_type = CAPNET_DHCP4_DISCOVER;
	static uint8_t msg[600];
	size_t ml = capnet_dhcp4_emit(&m, msg);
	ck_assert_uint_eq(ml, 300);
	size_t n = udp_frame(0, 0xffffffffu, 68, 67, msg, ml);
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.layers, CAPNET_DESC_ETH | CAPNET_DESC_IPV4 | CAPNET_DESC_UDP | CAPNET_DESC_DHCP4);
	ck_assert_uint_eq(d.bad_layer, 0);
	ck_assert_uint_eq(d.dhcp_err, CAPNET_DHCP4_ERR_NONE);
	ck_assert_uint_eq(d.dhcp_op, CAPNET_BOOTREQUEST);
	ck_assert_uint_eq(d.dhcp_msg_type, CAPNET_DHCP4_DISCOVER);
	ck_assert_uint_eq(d.dhcp_xid, 0x3903f326);
	ck_assert_uint_eq(d.header_len, 42); /* DHCP is the UDP body */
	ck_assert_uint_eq(d.body_len, 300);
	ck_assert_str_eq(trace_text(), "IP 0.0.0.0.68 > 255.255.255.255.67: UDP (DHCP), length 300");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > 02:00:00:00:00:0a, 342 bytes: IPv4 0.0.0.0 > 255.255.255.255 "
					"id 0x0007 ttl 64 UDP 68 > 67, 300 data bytes");
	/* headers only: the body is not read */
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_HEADERS, &d);
	ck_assert_uint_eq(d.layers, CAPNET_DESC_ETH | CAPNET_DESC_IPV4 | CAPNET_DESC_UDP);
	ck_assert_uint_eq(d.dhcp_msg_type, 0);
}
END_TEST

static size_t tcp_frame(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const struct capnet_tcp_options *o,
			const uint8_t *pl, size_t plen, uint16_t ident)
{
	size_t n = eth(host, gw, CAPNET_ETHERTYPE_IPV4);
	struct capnet_tcp_repr t = {.src_port = 49152, .dst_port = 80, .seq = seq, .ack = ack, .flags = flags,
				    .window = win, .payload = pl, .payload_len = plen};
	if (o != NULL)
		t.opt = *o;
	size_t tl = capnet_tcp_emit_len(&t);
	capnet_tcp_emit(&t, f + 34, capnet_csum_pseudo4(HOST_IP, GW_IP, CAPNET_IPPROTO_TCP, (uint16_t)tl));
	n += ip4(HOST_IP, GW_IP, CAPNET_IPPROTO_TCP, ident, tl);
	return n + tl;
}

START_TEST(test_tcp_syn_options)
{
	struct capnet_tcp_options o = {.has_mss = true, .mss = 1460, .has_wscale = true, .wscale = 7,
				       .sack_permitted = true, .has_timestamp = true, .ts_val = 100, .ts_ecr = 0};
	size_t n = tcp_frame(CAPNET_TCP_SYN, 1000, 0, 65535, &o, NULL, 0, 2);
	ck_assert_uint_eq(n, 74);
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.layers, CAPNET_DESC_ETH | CAPNET_DESC_IPV4 | CAPNET_DESC_TCP);
	ck_assert_uint_eq(d.bad_layer, 0);
	ck_assert_uint_eq(d.l4_off, 34);
	ck_assert_uint_eq(d.header_len, 74);
	ck_assert_uint_eq(d.sport, 49152);
	ck_assert_uint_eq(d.dport, 80);
	ck_assert_uint_eq(d.tcp_seq, 1000);
	ck_assert_uint_eq(d.tcp_ack, 0);
	ck_assert_uint_eq(d.tcp_flags, CAPNET_TCP_SYN);
	ck_assert_uint_eq(d.tcp_win, 65535);
	ck_assert_uint_eq(d.tcp_header_len, 40);
	ck_assert(d.tcp_options_ok && !d.tcp_options_after_eol);
	ck_assert(d.tcp_opt.has_mss && d.tcp_opt.mss == 1460);
	ck_assert(d.tcp_opt.has_wscale && d.tcp_opt.wscale == 7);
	ck_assert(d.tcp_opt.sack_permitted);
	ck_assert(d.tcp_opt.has_timestamp && d.tcp_opt.ts_val == 100 && d.tcp_opt.ts_ecr == 0);
	/* the layout as sent: MSS; SACK-permitted + TS; NOP WSCALE */
	static const struct capnet_desc_tcp_opt want[] = {
		{CAPNET_TCPOPT_MSS, 4, 0},	 {CAPNET_TCPOPT_SACK_PERM, 2, 4}, {CAPNET_TCPOPT_TIMESTAMP, 10, 6},
		{CAPNET_TCPOPT_NOP, 1, 16}, {CAPNET_TCPOPT_WSCALE, 3, 17},
	};
	ck_assert_uint_eq(d.tcp_nopts, 5);
	for (size_t i = 0; i < 5; i++) {
		ck_assert_uint_eq(d.tcp_opts[i].kind, want[i].kind);
		ck_assert_uint_eq(d.tcp_opts[i].len, want[i].len);
		ck_assert_uint_eq(d.tcp_opts[i].off, want[i].off);
	}
	ck_assert(d.l4_checksum_ok);
	ck_assert_uint_eq(d.body_len, 0);
	ck_assert_str_eq(trace_text(), "IP 192.0.2.11.49152 > 192.0.2.1.80: Flags [S], seq 1000, win 65535, length 0");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > 02:00:00:00:00:0a, 74 bytes: IPv4 192.0.2.11 > 192.0.2.1 "
					"id 0x0002 ttl 64 TCP 49152 > 80 [S] seq 1000 win 65535, 0 data bytes");

	/* bytes after an EOL are reported; the codec stops at the EOL */
	uint8_t *opt = f + 34 + 20;
	opt[16] = CAPNET_TCPOPT_EOL;
	opt[17] = 0;
	opt[18] = 0x55;
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_HEADERS, &d);
	ck_assert(d.tcp_options_ok && d.tcp_options_after_eol);
	ck_assert_uint_eq(d.tcp_nopts, 3);
}
END_TEST

START_TEST(test_tcp_data)
{
	uint8_t pl[100];
	memset(pl, 'x', sizeof pl);
	size_t n = tcp_frame(CAPNET_TCP_PSH | CAPNET_TCP_ACK_FLAG, 1001, 5001, 502, NULL, pl, sizeof pl, 3);
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.layers, CAPNET_DESC_ETH | CAPNET_DESC_IPV4 | CAPNET_DESC_TCP);
	ck_assert_uint_eq(d.header_len, 54);
	ck_assert_uint_eq(d.tcp_flags, CAPNET_TCP_PSH | CAPNET_TCP_ACK_FLAG);
	ck_assert_uint_eq(d.tcp_seq, 1001);
	ck_assert_uint_eq(d.tcp_ack, 5001);
	ck_assert_uint_eq(d.tcp_header_len, 20);
	ck_assert_uint_eq(d.tcp_nopts, 0);
	ck_assert(d.l4_checksum_ok);
	ck_assert_uint_eq(d.body_len, 100);
	ck_assert_str_eq(trace_text(),
			 "IP 192.0.2.11.49152 > 192.0.2.1.80: Flags [P.], seq 1001:1101, ack 5001, win 502, length 100");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > 02:00:00:00:00:0a, 154 bytes: IPv4 192.0.2.11 > 192.0.2.1 "
					"id 0x0003 ttl 64 TCP 49152 > 80 [P.] seq 1001 ack 5001 win 502, 100 data bytes");
	f[n - 1] ^= 1;
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert(!d.l4_checksum_ok);
	ck_assert_uint_eq(d.bad_layer, 0); /* a body verdict, not a header */
}
END_TEST

/* ---- cut at each layer ---- */

START_TEST(test_truncated_ethernet)
{
	size_t n = arp_frame(CAPNET_ARP_REQUEST, true);
	capnet_frame_describe(f, 10, CAPNET_DESCRIBE_BODY, &d);
	assert_refused(0, CAPNET_DESC_ETH, CAPNET_E_TRUNCATED, 0);
	ck_assert_str_eq(trace_text(), "ethertype 0x0000 [malformed header]");
	ck_assert_str_eq(replay_text(), "truncated Ethernet header (10 bytes)");

	/* a VLAN tag cut short: the untagged header is still read */
	f[12] = 0x81;
	f[13] = 0x00;
	capnet_frame_describe(f, 16, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.bad_layer, CAPNET_DESC_ETH);
	ck_assert_uint_eq(d.header_len, 14);
	ck_assert_uint_eq(d.ethertype, CAPNET_ETHERTYPE_VLAN);
	ck_assert(capnet_mac_eq(d.eth_src, host));
	ck_assert_str_eq(trace_text(), "ethertype 0x8100 [malformed header]");
	ck_assert_str_eq(replay_text(), "truncated Ethernet header (16 bytes)");
	(void)n;

	capnet_frame_describe(NULL, 0, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.bad_layer, CAPNET_DESC_ETH);
}
END_TEST

START_TEST(test_truncated_arp)
{
	arp_frame(CAPNET_ARP_REQUEST, false);
	capnet_frame_describe(f, 14 + 20, CAPNET_DESCRIBE_BODY, &d);
	assert_refused(CAPNET_DESC_ETH, CAPNET_DESC_ARP, CAPNET_E_TRUNCATED, 14);
	ck_assert_str_eq(trace_text(), "ethertype 0x0806 [malformed header]");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > ff:ff:ff:ff:ff:ff, 34 bytes: ARP malformed (E_TRUNCATED, 20 bytes)");
}
END_TEST

START_TEST(test_truncated_ipv4)
{
	icmp_echo_frame(56);
	capnet_frame_describe(f, 30, CAPNET_DESCRIBE_BODY, &d);
	assert_refused(CAPNET_DESC_ETH, CAPNET_DESC_IPV4, CAPNET_E_TRUNCATED, 14);
	ck_assert_str_eq(trace_text(), "ethertype 0x0800 [malformed header]");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > 02:00:00:00:00:0a, 30 bytes: IPv4 malformed (E_TRUNCATED, 16 bytes)");
	/* the total length says more than the frame holds */
	capnet_frame_describe(f, 60, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.bad_layer, CAPNET_DESC_IPV4);
	ck_assert_int_eq(d.bad_err, CAPNET_E_TRUNCATED);
}
END_TEST

START_TEST(test_truncated_icmp)
{
	size_t n = eth(host, gw, CAPNET_ETHERTYPE_IPV4);
	n += ip4(HOST_IP, GW_IP, CAPNET_IPPROTO_ICMP, 1, 4);
	memset(f + n, 0, 4);
	f[n] = CAPNET_ICMP4_ECHO_REQUEST;
	n += 4;
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	assert_refused(CAPNET_DESC_ETH | CAPNET_DESC_IPV4, CAPNET_DESC_ICMP, CAPNET_E_TRUNCATED, 34);
	ck_assert(!d.l4_fixed);
	ck_assert_uint_eq(d.body_len, 4);
	ck_assert_str_eq(trace_text(), "IP 192.0.2.11 > 192.0.2.1: proto 1, length 4 [malformed header]");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > 02:00:00:00:00:0a, 38 bytes: IPv4 192.0.2.11 > 192.0.2.1 "
					"id 0x0001 ttl 64 ICMP malformed (E_TRUNCATED)");
}
END_TEST

START_TEST(test_truncated_udp)
{
	const uint8_t q[12] = {0};
	size_t n = udp_frame(HOST_IP, GW_IP, 5353, 9, q, sizeof q);
	/* the UDP length says 28, the datagram holds 20 */
	f[34 + CAPNET_UDP_LENGTH + 1] = 28;
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	assert_refused(CAPNET_DESC_ETH | CAPNET_DESC_IPV4, CAPNET_DESC_UDP, CAPNET_E_TRUNCATED, 34);
	ck_assert(d.l4_fixed);
	ck_assert_uint_eq(d.udp_len, 28);
	ck_assert_str_eq(trace_text(), "IP 192.0.2.11 > 192.0.2.1: proto 17, length 20 [malformed header]");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > 02:00:00:00:00:0a, 54 bytes: IPv4 192.0.2.11 > 192.0.2.1 "
					"id 0x0007 ttl 64 UDP malformed (E_TRUNCATED)");
}
END_TEST

START_TEST(test_truncated_tcp)
{
	size_t n = tcp_frame(CAPNET_TCP_SYN, 1000, 0, 65535, NULL, NULL, 0, 2);
	/* a data offset of 15 words in a 20-byte segment */
	f[34 + CAPNET_TCP_OFF_FLAGS] = 0xf0;
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	assert_refused(CAPNET_DESC_ETH | CAPNET_DESC_IPV4, CAPNET_DESC_TCP, CAPNET_E_TRUNCATED, 34);
	ck_assert(d.l4_fixed);
	ck_assert_uint_eq(d.tcp_header_len, 60);
	ck_assert_uint_eq(d.sport, 49152);
	ck_assert_str_eq(trace_text(), "IP 192.0.2.11 > 192.0.2.1: proto 6, length 20 [malformed header]");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > 02:00:00:00:00:0a, 54 bytes: IPv4 192.0.2.11 > 192.0.2.1 "
					"id 0x0002 ttl 64 TCP 49152 > 80 [S] seq 1000 win 65535 bad data offset 60");
	/* fewer than the fixed 20 bytes: none of it is read */
	n = eth(host, gw, CAPNET_ETHERTYPE_IPV4);
	n += ip4(HOST_IP, GW_IP, CAPNET_IPPROTO_TCP, 2, 10);
	memset(f + n, 0xab, 10);
	n += 10;
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.bad_layer, CAPNET_DESC_TCP);
	ck_assert(!d.l4_fixed);
	ck_assert_uint_eq(d.sport, 0);
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0b > 02:00:00:00:00:0a, 44 bytes: IPv4 192.0.2.11 > 192.0.2.1 "
					"id 0x0002 ttl 64 TCP truncated (10 bytes)");
}
END_TEST

/* Every cut of a whole TCP frame: Ethernet until its 14 bytes, then IPv4
 * (whose total length overruns the cut); never a header read past it. */
START_TEST(test_every_cut)
{
	struct capnet_tcp_options o = {.has_mss = true, .mss = 1460};
	size_t n = tcp_frame(CAPNET_TCP_SYN, 1, 0, 1024, &o, NULL, 0, 4);
	for (size_t len = 0; len < n; len++) {
		capnet_frame_describe(f, len, CAPNET_DESCRIBE_BODY, &d);
		ck_assert_uint_eq(d.bad_layer, len < 14 ? CAPNET_DESC_ETH : CAPNET_DESC_IPV4);
		ck_assert_uint_eq(d.layers, len < 14 ? 0 : CAPNET_DESC_ETH);
		ck_assert_uint_eq(d.header_len, len < 14 ? 0 : 14);
		ck_assert(!d.l4_fixed);
	}
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.bad_layer, 0);
	ck_assert_uint_eq(d.header_len, n);
}
END_TEST

START_TEST(test_truncated_dhcp)
{
	uint8_t msg[100] = {CAPNET_BOOTREQUEST};
	size_t n = udp_frame(0, 0xffffffffu, 68, 67, msg, sizeof msg);
	capnet_frame_describe(f, n, CAPNET_DESCRIBE_BODY, &d);
	ck_assert_uint_eq(d.layers, CAPNET_DESC_ETH | CAPNET_DESC_IPV4 | CAPNET_DESC_UDP);
	ck_assert_uint_eq(d.bad_layer, 0); /* the headers are whole; the body is refused */
	ck_assert_uint_eq(d.dhcp_err, CAPNET_DHCP4_ERR_TRUNCATED);
	ck_assert_str_eq(trace_text(), "IP 0.0.0.0.68 > 255.255.255.255.67: UDP (DHCP), length 100");
}
END_TEST

START_TEST(test_text_cut)
{
	size_t n = icmp_echo_frame(56);
	char small[16];
	memset(small, 'x', sizeof small);
	ck_assert_uint_eq(capnet_frame_describe_text(f, n, CAPNET_DESCRIBE_REPLAY, small, sizeof small), 15);
	ck_assert_str_eq(small, "02:00:00:00:00:");
	ck_assert_uint_eq(capnet_frame_describe_text(f, n, CAPNET_DESCRIBE_TRACE, small, 1), 0);
	ck_assert_str_eq(small, "");
	ck_assert_uint_eq(capnet_frame_describe_text(f, n, CAPNET_DESCRIBE_TRACE, NULL, 0), 0);
}
END_TEST

START_TEST(test_flags_text)
{
	char b[9];
	uint8_t all = 0xff;
	ck_assert_uint_eq(capnet_tcp_flags_text(all, CAPNET_DESCRIBE_TRACE, b), 8);
	ck_assert_str_eq(b, "SFPRUEW.");
	ck_assert_uint_eq(capnet_tcp_flags_text(all, CAPNET_DESCRIBE_REPLAY, b), 8);
	ck_assert_str_eq(b, "SFRP.UEW");
	ck_assert_uint_eq(capnet_tcp_flags_text(0, CAPNET_DESCRIBE_TRACE, b), 4);
	ck_assert_str_eq(b, "none");
	ck_assert_uint_eq(capnet_tcp_flags_text(0, CAPNET_DESCRIBE_REPLAY, b), 0);
	ck_assert_str_eq(b, "");
}
END_TEST

/* inet_ntop's text for every pattern of zero and non-zero words, and the
 * IPv4-compatible and -mapped forms. */
START_TEST(test_ip6_text)
{
	for (unsigned mask = 0; mask < 256; mask++) {
		for (int variant = 0; variant < 3; variant++) {
			struct capnet_ip6addr a;
			memset(&a, 0, sizeof a);
			for (int w = 0; w < 8; w++) {
				if (!(mask & (1u << w)))
					continue;
				uint16_t v = variant == 0 ? (uint16_t)(w + 1) : variant == 1 ? 0xffff : (uint16_t)(0x0a00 + w);
				a.b[2 * w] = (uint8_t)(v >> 8);
				a.b[2 * w + 1] = (uint8_t)v;
			}
			char want[INET6_ADDRSTRLEN], got[46];
			ck_assert_ptr_nonnull(inet_ntop(AF_INET6, a.b, want, sizeof want));
			ck_assert_uint_eq(capnet_ip6_text(&a, got), strlen(want));
			ck_assert_str_eq(got, want);
		}
	}
	struct capnet_ip6addr m = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}};
	char got[46];
	capnet_ip6_text(&m, got);
	ck_assert_str_eq(got, "::ffff:192.0.2.1");
}
END_TEST

/* An IPv6 datagram from ipv6_frames.h behind an Ethernet header. */
static size_t ip6_frame(const uint8_t *p, size_t len, enum capnet_describe_depth depth)
{
	size_t n = eth(gw, host, CAPNET_ETHERTYPE_IPV6);
	memcpy(f + n, p, len);
	capnet_frame_describe(f, n + len, depth, &d);
	return n + len;
}

START_TEST(test_icmp6_ndp)
{
	ip6_frame(ns_packet, sizeof ns_packet, CAPNET_DESCRIBE_BODY);
	ck_assert_uint_eq(d.layers, CAPNET_DESC_ETH | CAPNET_DESC_IPV6 | CAPNET_DESC_ICMP);
	ck_assert(d.l4_checksum_ok && d.icmp6_has_target);
	ck_assert_str_eq(trace_text(), "IP6 fe80::ff:fe00:a > ff02::1:ff00:b: ICMP6 neighbor solicitation, who has "
				       "2001:db8:1::ff:fe00:b, length 24");
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0a > 02:00:00:00:00:0b, 86 bytes: IPv6 fe80::ff:fe00:a > "
					"ff02::1:ff00:b hlim 255 ICMPv6 neighbor solicitation, who has "
					"2001:db8:1::ff:fe00:b");
	/* Headers only (the trace): the target is body, never read. */
	ip6_frame(ns_packet, sizeof ns_packet, CAPNET_DESCRIBE_HEADERS);
	ck_assert(!d.icmp6_has_target);
	ck_assert_str_eq(trace_text(), "IP6 fe80::ff:fe00:a > ff02::1:ff00:b: ICMP6 neighbor solicitation, length 24");
	ip6_frame(ptb_packet, sizeof ptb_packet, CAPNET_DESCRIBE_BODY);
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0a > 02:00:00:00:00:0b, 118 bytes: IPv6 2001:db8::fe > "
					"2001:db8::1 hlim 64 ICMPv6 packet too big, mtu 1400");
	ip6_frame(echo6_packet, sizeof echo6_packet, CAPNET_DESCRIBE_BODY);
	ck_assert_str_eq(replay_text(), "02:00:00:00:00:0a > 02:00:00:00:00:0b, 66 bytes: IPv6 2001:db8::1 > "
					"2001:db8::2 hlim 64 ICMPv6 echo request id 0x1234 seq 1, 4 data bytes");
	f[14 + 40 + 8] ^= 1; /* the pseudo-header checksum now fails */
	capnet_frame_describe(f, 14 + sizeof echo6_packet, CAPNET_DESCRIBE_BODY, &d);
	ck_assert(!d.l4_checksum_ok);
	ip6_frame(ra_packet, sizeof ra_packet, CAPNET_DESCRIBE_BODY);
	ck_assert_str_eq(trace_text(), "IP6 fe80::ff:fe00:1 > ff02::1: ICMP6 router advertisement, length 96");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wire-describe");
	TCase *k = check_add_case(s, "kinds", NULL, NULL, 0);
	tcase_add_test(k, test_arp_request);
	tcase_add_test(k, test_arp_reply);
	tcase_add_test(k, test_icmp_echo);
	tcase_add_test(k, test_udp);
	tcase_add_test(k, test_dhcp_discover);
	tcase_add_test(k, test_tcp_syn_options);
	tcase_add_test(k, test_tcp_data);
	tcase_add_test(k, test_icmp6_ndp);
	TCase *t = check_add_case(s, "truncated", NULL, NULL, 0);
	tcase_add_test(t, test_truncated_ethernet);
	tcase_add_test(t, test_truncated_arp);
	tcase_add_test(t, test_truncated_ipv4);
	tcase_add_test(t, test_truncated_icmp);
	tcase_add_test(t, test_truncated_udp);
	tcase_add_test(t, test_truncated_tcp);
	tcase_add_test(t, test_truncated_dhcp);
	tcase_add_test(t, test_every_cut);
	TCase *x = check_add_case(s, "text", NULL, NULL, 0);
	tcase_add_test(x, test_text_cut);
	tcase_add_test(x, test_flags_text);
	tcase_add_test(x, test_ip6_text);
	return s;
}
