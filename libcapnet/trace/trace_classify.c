/* Classification and the header boundary of a frame, for the packet trace:
 * the frame describer's summary (capnet/wire/describe.h), read headers
 * only, seen through the trace's classes; and the way back, a record's
 * class as a summary the describer prints.
 *
 * A layer is part of the header boundary only when every byte of it lies
 * within the frame and within the length the layer below declares. A layer
 * that fails ends the walk at the layer before it, so a record can never be
 * made to hold body bytes by lying in a header (an IHL or data offset
 * pointing past the datagram stops the boundary short of it, not beyond). */
#include <string.h>

#include "capnet/trace.h"
#include "capnet/wire/arp.h"
#include "capnet/wire/describe.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/ipv4.h"

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

static bool dhcp_port(uint16_t p)
{
	return p == CAPNET_TRACE_PORT_DHCP_SERVER || p == CAPNET_TRACE_PORT_DHCP_CLIENT;
}

size_t capnet_trace_classify(const uint8_t *f, size_t len, struct capnet_trace_class *c)
{
	struct capnet_frame_desc d;
	capnet_frame_describe(f, len, CAPNET_DESCRIBE_HEADERS, &d);
	memset(c, 0, sizeof *c);
	c->ethertype = d.ethertype;
	c->vlan = d.vlan;
	c->vlan_tci = d.vlan_tci;
	c->eth_src = d.eth_src;
	c->eth_dst = d.eth_dst;
	c->header_len = d.header_len;
	c->malformed = d.bad_layer != 0;
	c->body_len = d.body_len;
	if (d.layers & CAPNET_DESC_ARP) {
		c->protos |= CAPNET_TRACE_P_ARP;
		c->l3_off = d.l3_off;
		c->arp_oper = d.arp_oper;
		c->arp_spa = d.arp_spa;
		c->arp_tpa = d.arp_tpa;
	}
	if (d.layers & (CAPNET_DESC_IPV4 | CAPNET_DESC_IPV6)) {
		c->protos |= (d.layers & CAPNET_DESC_IPV4) ? CAPNET_TRACE_P_IPV4 : CAPNET_TRACE_P_IPV6;
		c->l3_off = d.l3_off;
		c->ip_proto = d.ip_proto;
		c->ip_ttl = d.ip_ttl;
		c->src4 = d.src4;
		c->dst4 = d.dst4;
		c->src6 = d.src6;
		c->dst6 = d.dst6;
		c->fragment = (d.layers & CAPNET_DESC_IPV4) && d.ip_frag_offset != 0;
	}
	if (d.layers & (CAPNET_DESC_TCP | CAPNET_DESC_UDP | CAPNET_DESC_ICMP))
		c->l4_off = d.l4_off;
	if (d.layers & (CAPNET_DESC_TCP | CAPNET_DESC_UDP)) {
		c->sport = d.sport;
		c->dport = d.dport;
		if (c->sport == CAPNET_TRACE_PORT_DNS || c->dport == CAPNET_TRACE_PORT_DNS)
			c->protos |= CAPNET_TRACE_P_DNS;
	}
	if (d.layers & CAPNET_DESC_TCP) {
		c->protos |= CAPNET_TRACE_P_TCP;
		c->tcp_seq = d.tcp_seq;
		c->tcp_ack = d.tcp_ack;
		c->tcp_flags = d.tcp_flags;
		c->tcp_win = d.tcp_win;
	}
	if (d.layers & CAPNET_DESC_UDP) {
		c->protos |= CAPNET_TRACE_P_UDP;
		if (dhcp_port(c->sport) && dhcp_port(c->dport))
			c->protos |= CAPNET_TRACE_P_DHCP;
	}
	if (d.layers & CAPNET_DESC_ICMP) {
		c->protos |= CAPNET_TRACE_P_ICMP;
		c->icmp_type = d.icmp_type;
		c->icmp_code = d.icmp_code;
		c->icmp_id = d.icmp_id;
		c->icmp_seq = d.icmp_seq;
	}
	return c->header_len;
}

void capnet_trace_record_desc(const struct capnet_trace_record *r, struct capnet_frame_desc *d)
{
	const struct capnet_trace_class *c = &r->cls;
	memset(d, 0, sizeof *d);
	d->len = r->orig_len;
	d->ethertype = c->ethertype;
	d->vlan = c->vlan;
	d->vlan_tci = c->vlan_tci;
	d->eth_src = c->eth_src;
	d->eth_dst = c->eth_dst;
	d->l3_off = c->l3_off;
	d->l4_off = c->l4_off;
	d->header_len = c->header_len;
	d->body_len = c->body_len;
	static const struct {
		uint32_t trace, desc;
	} layer[] = {{CAPNET_TRACE_P_ARP, CAPNET_DESC_ARP}, {CAPNET_TRACE_P_IPV4, CAPNET_DESC_IPV4},
		     {CAPNET_TRACE_P_IPV6, CAPNET_DESC_IPV6}, {CAPNET_TRACE_P_ICMP, CAPNET_DESC_ICMP},
		     {CAPNET_TRACE_P_UDP, CAPNET_DESC_UDP},   {CAPNET_TRACE_P_TCP, CAPNET_DESC_TCP}};
	/* Ethernet was whole unless the frame was shorter than its header
	 * or its VLAN tag was cut (then the type reads as the tag). */
	bool tag_cut = c->ethertype == CAPNET_ETHERTYPE_VLAN && !c->vlan;
	d->layers = c->header_len >= CAPNET_ETH_HDR_LEN && !tag_cut ? CAPNET_DESC_ETH : 0;
	for (size_t i = 0; i < sizeof layer / sizeof layer[0]; i++)
		if (c->protos & layer[i].trace)
			d->layers |= layer[i].desc;
	if (c->malformed) {
		/* The record keeps that a header was refused, not which one or
		 * why: the layer past the last whole one. */
		if (!(d->layers & CAPNET_DESC_ETH))
			d->bad_layer = CAPNET_DESC_ETH;
		else if (c->ethertype == CAPNET_ETHERTYPE_ARP)
			d->bad_layer = CAPNET_DESC_ARP;
		else if (!(d->layers & (CAPNET_DESC_IPV4 | CAPNET_DESC_IPV6)))
			d->bad_layer = c->ethertype == CAPNET_ETHERTYPE_IPV4 ? CAPNET_DESC_IPV4 : CAPNET_DESC_IPV6;
		else
			d->bad_layer = c->ip_proto == CAPNET_IPPROTO_TCP   ? CAPNET_DESC_TCP :
				       c->ip_proto == CAPNET_IPPROTO_UDP ? CAPNET_DESC_UDP :
									 CAPNET_DESC_ICMP;
		d->bad_err = CAPNET_E_MALFORMED;
	}
	d->arp_oper = c->arp_oper;
	d->arp_spa = c->arp_spa;
	d->arp_tpa = c->arp_tpa;
	/* The sender's hardware address, when the record stored it. */
	d->arp_sha = c->eth_src;
	if (r->caplen >= c->l3_off + CAPNET_ARP_SHA + sizeof d->arp_sha.b)
		memcpy(d->arp_sha.b, r->data + c->l3_off + CAPNET_ARP_SHA, sizeof d->arp_sha.b);
	d->ip_proto = c->ip_proto;
	d->ip_ttl = c->ip_ttl;
	d->ip_frag_offset = c->fragment ? 1 : 0; /* non-zero: a non-first fragment */
	d->src4 = c->src4;
	d->dst4 = c->dst4;
	d->src6 = c->src6;
	d->dst6 = c->dst6;
	d->sport = c->sport;
	d->dport = c->dport;
	d->tcp_seq = c->tcp_seq;
	d->tcp_ack = c->tcp_ack;
	d->tcp_flags = c->tcp_flags;
	d->tcp_win = c->tcp_win;
	d->icmp_type = c->icmp_type;
	d->icmp_code = c->icmp_code;
	d->icmp_id = c->icmp_id;
	d->icmp_seq = c->icmp_seq;
}
