/* Classification and the header boundary of a frame, for the packet trace.
 *
 * Reads headers only, each after checking that it is whole: a layer is
 * part of the header boundary only when every byte of it lies within the
 * frame and within the length the layer below declares. A layer that fails
 * ends the walk at the layer before it, so a record can never be made to
 * hold body bytes by lying in a header (an IHL or data offset pointing past
 * the datagram stops the boundary short of it, not beyond). */
#include <string.h>

#include "capnet/trace.h"
#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/tcp.h"
#include "capnet/wire/udp.h"

/* IPv6 fixed header (RFC 8200 3). */
enum {
	IP6_VER_TC_FL = 0,
	IP6_PAYLOAD_LEN = 4,
	IP6_NEXT_HEADER = 6,
	IP6_HOP_LIMIT = 7,
	IP6_SRC = 8,
	IP6_DST = 24,
	IP6_HDR_LEN = 40,
};

/* TCP fields the wire header leaves to the view. */
enum {
	TCP_SRC = 0,
	TCP_DST = 2,
	TCP_SEQ = 4,
	TCP_ACK = 8,
	TCP_OFF = 12, /* data offset (4 bits) | reserved */
	TCP_FLAGS = 13,
	TCP_WIN = 14,
	TCP_HDR_MIN = 20,
};

/* ICMPv4 and ICMPv6 share the 8-byte header layout we record. */
#define ICMP_HDR_LEN CAPNET_ICMP4_HDR_LEN

static const char *const proto_names[] = {
#define CAPNET_TRACE_P_NAME(name, bit) #name,
	CAPNET_TRACE_PROTOS(CAPNET_TRACE_P_NAME)
#undef CAPNET_TRACE_P_NAME
};

const char *capnet_trace_proto_name(uint32_t bit)
{
	for (unsigned i = 0; i < sizeof proto_names / sizeof proto_names[0]; i++)
		if (bit == (1u << i))
			return proto_names[i];
	return NULL;
}

static bool port_is(uint16_t a, uint16_t b, uint16_t p)
{
	return a == p || b == p;
}

static bool dhcp_port(uint16_t p)
{
	return p == CAPNET_TRACE_PORT_DHCP_SERVER || p == CAPNET_TRACE_PORT_DHCP_CLIENT;
}

/* The L4 header at l4 (avail bytes of the datagram after the L3 header).
 * Returns its length, 0 when it is not whole. */
static size_t l4_header(struct capnet_trace_class *c, const uint8_t *l4, size_t avail)
{
	switch (c->ip_proto) {
	case CAPNET_IPPROTO_TCP: {
		if (avail < TCP_HDR_MIN)
			return 0;
		size_t off = (size_t)(l4[TCP_OFF] >> 4) * 4;
		if (off < TCP_HDR_MIN || off > avail)
			return 0;
		c->protos |= CAPNET_TRACE_P_TCP;
		c->sport = capnet_get16(l4 + TCP_SRC);
		c->dport = capnet_get16(l4 + TCP_DST);
		c->tcp_seq = capnet_get32(l4 + TCP_SEQ);
		c->tcp_ack = capnet_get32(l4 + TCP_ACK);
		c->tcp_flags = l4[TCP_FLAGS];
		c->tcp_win = capnet_get16(l4 + TCP_WIN);
		if (port_is(c->sport, c->dport, CAPNET_TRACE_PORT_DNS))
			c->protos |= CAPNET_TRACE_P_DNS;
		c->body_len = (uint32_t)(avail - off);
		return off;
	}
	case CAPNET_IPPROTO_UDP: {
		if (avail < CAPNET_UDP_HDR_LEN)
			return 0;
		size_t ulen = capnet_get16(l4 + CAPNET_UDP_LENGTH);
		if (ulen < CAPNET_UDP_HDR_LEN || ulen > avail)
			return 0;
		c->protos |= CAPNET_TRACE_P_UDP;
		c->sport = capnet_get16(l4 + CAPNET_UDP_SRC_PORT);
		c->dport = capnet_get16(l4 + CAPNET_UDP_DST_PORT);
		if (dhcp_port(c->sport) && dhcp_port(c->dport))
			c->protos |= CAPNET_TRACE_P_DHCP;
		if (port_is(c->sport, c->dport, CAPNET_TRACE_PORT_DNS))
			c->protos |= CAPNET_TRACE_P_DNS;
		c->body_len = (uint32_t)(ulen - CAPNET_UDP_HDR_LEN);
		return CAPNET_UDP_HDR_LEN;
	}
	case CAPNET_IPPROTO_ICMP:
	case CAPNET_IPPROTO_ICMPV6:
		if (avail < ICMP_HDR_LEN)
			return 0;
		c->protos |= CAPNET_TRACE_P_ICMP;
		c->icmp_type = l4[CAPNET_ICMP4_TYPE];
		c->icmp_code = l4[CAPNET_ICMP4_CODE];
		c->icmp_id = capnet_get16(l4 + CAPNET_ICMP4_REST);
		c->icmp_seq = capnet_get16(l4 + CAPNET_ICMP4_REST + 2);
		c->body_len = (uint32_t)(avail - ICMP_HDR_LEN);
		return ICMP_HDR_LEN;
	default:
		return 0;
	}
}

/* Returns the boundary: l3 start + whatever was whole. */
static size_t ipv4(struct capnet_trace_class *c, const uint8_t *f, size_t l3, size_t len)
{
	const uint8_t *ip = f + l3;
	size_t avail = len - l3;
	if (avail < CAPNET_IP4_HDR_LEN || (ip[CAPNET_IP4_VER_IHL] >> 4) != 4)
		return l3;
	size_t ihl = (size_t)(ip[CAPNET_IP4_VER_IHL] & 0x0f) * 4;
	size_t total = capnet_get16(ip + CAPNET_IP4_TOTLEN);
	/* Bytes past the total length are Ethernet padding: body, not header. */
	if (ihl < CAPNET_IP4_HDR_LEN || total < ihl || total > avail)
		return l3;
	c->protos |= CAPNET_TRACE_P_IPV4;
	c->l3_off = (uint16_t)l3;
	c->ip_proto = ip[CAPNET_IP4_PROTO];
	c->ip_ttl = ip[CAPNET_IP4_TTL];
	c->src4 = capnet_get32(ip + CAPNET_IP4_SRC);
	c->dst4 = capnet_get32(ip + CAPNET_IP4_DST);
	c->body_len = (uint32_t)(total - ihl);
	/* A non-first fragment starts with body bytes, not an L4 header. */
	if ((capnet_get16(ip + CAPNET_IP4_FLAGS_FRAG) & CAPNET_IP4_FRAG_OFFSET_MASK) != 0) {
		c->fragment = true;
		return l3 + ihl;
	}
	size_t l4 = l3 + ihl;
	size_t h = l4_header(c, f + l4, total - ihl);
	if (h == 0) {
		c->malformed = c->ip_proto == CAPNET_IPPROTO_TCP || c->ip_proto == CAPNET_IPPROTO_UDP ||
			       c->ip_proto == CAPNET_IPPROTO_ICMP;
		return l4;
	}
	c->l4_off = (uint16_t)l4;
	return l4 + h;
}

static size_t ipv6(struct capnet_trace_class *c, const uint8_t *f, size_t l3, size_t len)
{
	const uint8_t *ip = f + l3;
	size_t avail = len - l3;
	if (avail < IP6_HDR_LEN || (ip[IP6_VER_TC_FL] >> 4) != 6)
		return l3;
	size_t plen = capnet_get16(ip + IP6_PAYLOAD_LEN);
	if (plen > avail - IP6_HDR_LEN)
		return l3;
	c->protos |= CAPNET_TRACE_P_IPV6;
	c->l3_off = (uint16_t)l3;
	c->ip_proto = ip[IP6_NEXT_HEADER];
	c->ip_ttl = ip[IP6_HOP_LIMIT];
	memcpy(c->src6.b, ip + IP6_SRC, 16);
	memcpy(c->dst6.b, ip + IP6_DST, 16);
	c->body_len = (uint32_t)plen;
	size_t l4 = l3 + IP6_HDR_LEN;
	if (c->ip_proto == CAPNET_IPPROTO_ICMP) /* protocol 1 is not ICMP in IPv6 */
		return l4;
	size_t h = l4_header(c, f + l4, plen);
	if (h == 0) {
		c->malformed = c->ip_proto == CAPNET_IPPROTO_TCP || c->ip_proto == CAPNET_IPPROTO_UDP ||
			       c->ip_proto == CAPNET_IPPROTO_ICMPV6;
		return l4;
	}
	c->l4_off = (uint16_t)l4;
	return l4 + h;
}

static size_t arp(struct capnet_trace_class *c, const uint8_t *f, size_t l3, size_t len)
{
	const uint8_t *a = f + l3;
	if (len - l3 < CAPNET_ARP_LEN || capnet_get16(a + CAPNET_ARP_HTYPE) != 1 ||
	    capnet_get16(a + CAPNET_ARP_PTYPE) != CAPNET_ETHERTYPE_IPV4 || a[CAPNET_ARP_HLEN] != 6 ||
	    a[CAPNET_ARP_PLEN] != 4) {
		c->malformed = true;
		return l3;
	}
	c->protos |= CAPNET_TRACE_P_ARP;
	c->l3_off = (uint16_t)l3;
	c->arp_oper = capnet_get16(a + CAPNET_ARP_OPER);
	c->arp_spa = capnet_get32(a + CAPNET_ARP_SPA);
	c->arp_tpa = capnet_get32(a + CAPNET_ARP_TPA);
	return l3 + CAPNET_ARP_LEN;
}

size_t capnet_trace_classify(const uint8_t *f, size_t len, struct capnet_trace_class *c)
{
	memset(c, 0, sizeof *c);
	if (f == NULL || len < CAPNET_ETH_HDR_LEN) {
		c->malformed = true;
		return 0;
	}
	memcpy(c->eth_dst.b, f + CAPNET_ETH_DST, 6);
	memcpy(c->eth_src.b, f + CAPNET_ETH_SRC, 6);
	size_t l3 = CAPNET_ETH_HDR_LEN;
	uint16_t type = capnet_get16(f + CAPNET_ETH_TYPE);
	if (type == CAPNET_ETHERTYPE_VLAN) {
		if (len < CAPNET_ETH_VLAN_HDR_LEN) {
			c->malformed = true;
			c->ethertype = type;
			c->header_len = CAPNET_ETH_HDR_LEN;
			return CAPNET_ETH_HDR_LEN;
		}
		c->vlan = true;
		c->vlan_tci = capnet_get16(f + CAPNET_ETH_VLAN_TCI);
		type = capnet_get16(f + CAPNET_ETH_VLAN_TYPE);
		l3 = CAPNET_ETH_VLAN_HDR_LEN;
	}
	c->ethertype = type;
	size_t end;
	switch (type) {
	case CAPNET_ETHERTYPE_ARP:
		end = arp(c, f, l3, len);
		break;
	case CAPNET_ETHERTYPE_IPV4:
		end = ipv4(c, f, l3, len);
		c->malformed |= end == l3;
		break;
	case CAPNET_ETHERTYPE_IPV6:
		end = ipv6(c, f, l3, len);
		c->malformed |= end == l3;
		break;
	default:
		end = l3; /* an ethertype we do not know: L2 only */
		break;
	}
	c->header_len = (uint16_t)end;
	return end;
}
