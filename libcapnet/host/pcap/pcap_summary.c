/* The decoded one-line summary of a frame: how a divergence is reported. */
#include "capnet/host/pcap.h"

#include <stdio.h>
#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/tcp.h"
#include "capnet/wire/udp.h"

struct line {
	char *buf;
	size_t cap, n;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void put(struct line *l, const char *fmt, ...)
{
	if (l->n + 1 >= l->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(l->buf + l->n, l->cap - l->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->n = (size_t)k < l->cap - l->n ? l->n + (size_t)k : l->cap - 1;
}

static void put_mac(struct line *l, const uint8_t *m)
{
	put(l, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void put_ip4(struct line *l, capnet_ip4addr a)
{
	put(l, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void summarize_arp(struct line *l, const uint8_t *p, size_t len)
{
	struct capnet_arp_repr a;
	capnet_err e = capnet_arp_parse(p, len, &a);
	if (e != CAPNET_OK) {
		put(l, "ARP malformed (%s, %zu bytes)", capnet_errname(e), len);
		return;
	}
	if (a.oper == CAPNET_ARP_REQUEST) {
		put(l, "ARP who-has ");
		put_ip4(l, a.tpa);
		put(l, " tell ");
		put_ip4(l, a.spa);
		if (a.spa == a.tpa)
			put(l, " (gratuitous)");
		else if (a.spa == 0)
			put(l, " (probe)");
		return;
	}
	put(l, "ARP reply ");
	put_ip4(l, a.spa);
	put(l, " is-at ");
	put_mac(l, a.sha.b);
}

static void summarize_icmp(struct line *l, const uint8_t *p, size_t len)
{
	struct capnet_icmp4_view v;
	capnet_err e = capnet_icmp4_view_check(&v, p, len);
	if (e != CAPNET_OK) {
		put(l, " ICMP malformed (%s)", capnet_errname(e));
		return;
	}
	uint8_t type = capnet_icmp4_type(&v), code = capnet_icmp4_code(&v);
	const char *bad = capnet_icmp4_checksum_ok(&v) ? "" : " [bad checksum]";
	if (type == CAPNET_ICMP4_ECHO_REQUEST || type == CAPNET_ICMP4_ECHO_REPLY) {
		put(l, " ICMP echo %s id 0x%04x seq %u, %zu data bytes%s",
		    type == CAPNET_ICMP4_ECHO_REQUEST ? "request" : "reply", capnet_icmp4_ident(&v), capnet_icmp4_seq(&v),
		    len - CAPNET_ICMP4_HDR_LEN, bad);
		return;
	}
	const char *name = type == CAPNET_ICMP4_DEST_UNREACH ? "unreachable" :
			   type == CAPNET_ICMP4_TIME_EXCEEDED ? "time-exceeded" : "type";
	put(l, " ICMP %s %u code %u%s", name, type, code, bad);
}

static void summarize_udp(struct line *l, const uint8_t *p, size_t len)
{
	struct capnet_udp_view v;
	capnet_err e = capnet_udp_view_check(&v, p, len);
	if (e != CAPNET_OK) {
		put(l, " UDP malformed (%s)", capnet_errname(e));
		return;
	}
	put(l, " UDP %u > %u, %u data bytes", capnet_udp_src_port(&v), capnet_udp_dst_port(&v),
	    (unsigned)(capnet_udp_length(&v) - CAPNET_UDP_HDR_LEN));
}

/* Read by offset so a summary never depends on more than the fixed header. */
static void summarize_tcp(struct line *l, const uint8_t *p, size_t len)
{
	if (len < CAPNET_TCP_HDR_LEN) {
		put(l, " TCP truncated (%zu bytes)", len);
		return;
	}
	size_t off = (size_t)(p[CAPNET_TCP_OFF_FLAGS] >> 4) * 4;
	uint8_t fl = p[CAPNET_TCP_OFF_FLAGS + 1];
	put(l, " TCP %u > %u [", capnet_get16(p + CAPNET_TCP_SRC_PORT), capnet_get16(p + CAPNET_TCP_DST_PORT));
	static const struct {
		uint8_t bit;
		char c;
	} flags[] = {{CAPNET_TCP_SYN, 'S'}, {CAPNET_TCP_FIN, 'F'}, {CAPNET_TCP_RST, 'R'}, {CAPNET_TCP_PSH, 'P'},
		     {CAPNET_TCP_ACK_FLAG, '.'}, {CAPNET_TCP_URG, 'U'}, {CAPNET_TCP_ECE, 'E'}, {CAPNET_TCP_CWR, 'W'}};
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (fl & flags[i].bit)
			put(l, "%c", flags[i].c);
	put(l, "] seq %u", capnet_get32(p + CAPNET_TCP_SEQ));
	if (fl & CAPNET_TCP_ACK_FLAG)
		put(l, " ack %u", capnet_get32(p + CAPNET_TCP_ACK));
	put(l, " win %u", capnet_get16(p + CAPNET_TCP_WINDOW));
	if (off < CAPNET_TCP_HDR_LEN || off > len)
		put(l, " bad data offset %zu", off);
	else
		put(l, ", %zu data bytes", len - off);
}

static void summarize_ip4(struct line *l, const uint8_t *p, size_t len)
{
	struct capnet_ip4_view v;
	capnet_err e = capnet_ip4_view_check(&v, p, len);
	if (e != CAPNET_OK) {
		put(l, "IPv4 malformed (%s, %zu bytes)", capnet_errname(e), len);
		return;
	}
	put(l, "IPv4 ");
	put_ip4(l, capnet_ip4_src(&v));
	put(l, " > ");
	put_ip4(l, capnet_ip4_dst(&v));
	put(l, " id 0x%04x ttl %u", capnet_ip4_ident(&v), capnet_ip4_ttl(&v));
	if (!capnet_ip4_checksum_ok(&v))
		put(l, " [bad header checksum]");
	size_t hl = capnet_ip4_header_len(&v);
	const uint8_t *pl = v.buf + hl;
	size_t plen = v.len - hl;
	if (capnet_ip4_is_fragment(&v)) {
		put(l, " fragment proto %u, %zu bytes", capnet_ip4_proto(&v), plen);
		return;
	}
	switch (capnet_ip4_proto(&v)) {
	case CAPNET_IPPROTO_ICMP:
		summarize_icmp(l, pl, plen);
		break;
	case CAPNET_IPPROTO_UDP:
		summarize_udp(l, pl, plen);
		break;
	case CAPNET_IPPROTO_TCP:
		summarize_tcp(l, pl, plen);
		break;
	default:
		put(l, " proto %u, %zu bytes", capnet_ip4_proto(&v), plen);
	}
}

size_t capnet_frame_summary(const uint8_t *frame, size_t len, char *buf, size_t cap)
{
	struct line l = {buf, cap, 0};
	if (buf == NULL || cap == 0)
		return 0;
	buf[0] = '\0';
	struct capnet_eth_repr eth;
	if (frame == NULL || capnet_eth_parse(frame, len, &eth) != CAPNET_OK) {
		put(&l, "truncated Ethernet header (%zu bytes)", len);
		return l.n;
	}
	put_mac(&l, eth.src.b);
	put(&l, " > ");
	put_mac(&l, eth.dst.b);
	if (eth.vlan)
		put(&l, " vlan %u", eth.vlan_tci & 0x0fff);
	put(&l, ", %zu bytes: ", len);
	const uint8_t *p = frame + eth.header_len;
	size_t plen = len - eth.header_len;
	switch (eth.ethertype) {
	case CAPNET_ETHERTYPE_ARP:
		summarize_arp(&l, p, plen);
		break;
	case CAPNET_ETHERTYPE_IPV4:
		summarize_ip4(&l, p, plen);
		break;
	case CAPNET_ETHERTYPE_IPV6:
		put(&l, "IPv6 next header %u", plen >= 40 ? p[6] : 0u);
		break;
	default:
		put(&l, "ethertype 0x%04x", eth.ethertype);
	}
	return l.n;
}
