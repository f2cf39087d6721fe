/* The frame describer: the codecs' verdicts gathered into one summary,
 * and that summary as one line of text. capnet/wire/describe.h says what
 * is decoded and how far it is trusted. */
#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/describe.h"
#include "capnet/wire/dhcp4.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/tcp.h"
#include "capnet/wire/udp.h"

/* IPv6 fixed header (RFC 8200 3). There is no IPv6 codec yet; these are
 * the only fields the describer reads, each after the 40 bytes are checked. */
enum {
	IP6_VER_TC_FL = 0,
	IP6_PAYLOAD_LEN = 4,
	IP6_NEXT_HEADER = 6,
	IP6_HOP_LIMIT = 7,
	IP6_SRC = 8,
	IP6_DST = 24,
	IP6_HDR_LEN = 40,
};

#define PORT_DHCP_SERVER 67
#define PORT_DHCP_CLIENT 68
#define PORT_DNS 53

static void bad(struct capnet_frame_desc *d, uint32_t layer, capnet_err e)
{
	if (d->bad_layer == 0) {
		d->bad_layer = layer;
		d->bad_err = e;
	}
}

/* ---- transport ---- */

/* The option list in order, the codec's verdict on the whole area, and
 * whether anything follows an EOL (alignment padding is zeros). */
static void tcp_options(struct capnet_frame_desc *d, const uint8_t *opt, size_t len)
{
	d->tcp_options_ok = capnet_tcp_options_parse(opt, len, &d->tcp_opt) == CAPNET_OK;
	size_t i = 0;
	while (i < len && d->tcp_nopts < CAPNET_DESC_TCP_OPTS_MAX) {
		uint8_t kind = opt[i];
		if (kind == CAPNET_TCPOPT_EOL) {
			for (size_t j = i + 1; j < len; j++)
				d->tcp_options_after_eol |= opt[j] != 0;
			return;
		}
		size_t olen = 1;
		if (kind != CAPNET_TCPOPT_NOP) {
			/* the codec has judged the lengths; this only stops the walk */
			if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i)
				return;
			olen = opt[i + 1];
		}
		d->tcp_opts[d->tcp_nopts++] = (struct capnet_desc_tcp_opt){kind, (uint8_t)olen, (uint8_t)i};
		i += olen;
	}
}

/* The TCP header at p (avail bytes of the datagram). Returns its length,
 * 0 when the codec refuses it. */
static size_t tcp(struct capnet_frame_desc *d, const uint8_t *p, size_t avail, uint32_t pseudo, bool body)
{
	if (avail < CAPNET_TCP_HDR_LEN) {
		d->l4_err = CAPNET_E_TRUNCATED;
		return 0;
	}
	/* The fixed 20 bytes are there: read them even if the data offset is
	 * wrong, so the refusal can say what the segment claimed. */
	const struct capnet_tcp_view fixed = {p, CAPNET_TCP_HDR_LEN};
	d->l4_fixed = true;
	d->sport = capnet_tcp_src_port(&fixed);
	d->dport = capnet_tcp_dst_port(&fixed);
	d->tcp_seq = capnet_tcp_seq(&fixed);
	d->tcp_ack = capnet_tcp_ack(&fixed);
	d->tcp_flags = capnet_tcp_flags(&fixed);
	d->tcp_win = capnet_tcp_window(&fixed);
	d->tcp_header_len = (uint16_t)capnet_tcp_header_len(&fixed);
	struct capnet_tcp_view v;
	d->l4_err = capnet_tcp_view_check(&v, p, avail);
	if (d->l4_err != CAPNET_OK)
		return 0;
	size_t hl = capnet_tcp_header_len(&v);
	tcp_options(d, p + CAPNET_TCP_HDR_LEN, hl - CAPNET_TCP_HDR_LEN);
	if (body)
		d->l4_checksum_ok = capnet_csum_finish(capnet_csum_partial(p, avail, pseudo)) == 0;
	d->body_len = (uint32_t)(avail - hl);
	return hl;
}

static bool dhcp_port(uint16_t p)
{
	return p == PORT_DHCP_SERVER || p == PORT_DHCP_CLIENT;
}

/* A message on the DHCP ports, parsed by the DHCP codec. */
static void dhcp(struct capnet_frame_desc *d, const uint8_t *p, size_t len)
{
	struct capnet_dhcp4_repr m;
	enum capnet_dhcp4_error why = CAPNET_DHCP4_ERR_NONE;
	if (capnet_dhcp4_parse(p, len, &m, &why) != CAPNET_OK) {
		d->dhcp_err = why;
		return;
	}
	d->layers |= CAPNET_DESC_DHCP4;
	d->dhcp_op = m.op;
	d->dhcp_msg_type = m.message_type;
	d->dhcp_xid = m.xid;
}

static size_t udp(struct capnet_frame_desc *d, const uint8_t *p, size_t avail, uint32_t pseudo, bool body)
{
	if (avail < CAPNET_UDP_HDR_LEN) {
		d->l4_err = CAPNET_E_TRUNCATED;
		return 0;
	}
	const struct capnet_udp_view fixed = {p, CAPNET_UDP_HDR_LEN};
	d->l4_fixed = true;
	d->sport = capnet_udp_src_port(&fixed);
	d->dport = capnet_udp_dst_port(&fixed);
	d->udp_len = capnet_udp_length(&fixed);
	struct capnet_udp_view v;
	d->l4_err = capnet_udp_view_check(&v, p, avail);
	if (d->l4_err != CAPNET_OK)
		return 0;
	d->body_len = (uint32_t)(v.len - CAPNET_UDP_HDR_LEN);
	if (body) {
		/* RFC 768: a zero checksum is none sent */
		d->l4_checksum_ok = capnet_udp_checksum(&v) == 0 ||
				    capnet_csum_finish(capnet_csum_partial(p, v.len, pseudo)) == 0;
		if (dhcp_port(d->sport) && dhcp_port(d->dport))
			dhcp(d, p + CAPNET_UDP_HDR_LEN, v.len - CAPNET_UDP_HDR_LEN);
	}
	return CAPNET_UDP_HDR_LEN;
}

/* ICMPv4, and ICMPv6 whose first 8 bytes have the same layout; with the
 * body, ICMPv6's checksum over its pseudo-header and an NS/NA's target. */
static size_t icmp(struct capnet_frame_desc *d, const uint8_t *p, size_t avail, bool v4, uint32_t pseudo, bool body)
{
	struct capnet_icmp4_view v;
	d->l4_err = capnet_icmp4_view_check(&v, p, avail);
	if (d->l4_err != CAPNET_OK)
		return 0;
	d->l4_fixed = true;
	d->icmp_type = capnet_icmp4_type(&v);
	d->icmp_code = capnet_icmp4_code(&v);
	d->icmp_id = capnet_icmp4_ident(&v);
	d->icmp_seq = capnet_icmp4_seq(&v);
	if (body && v4)
		d->l4_checksum_ok = capnet_icmp4_checksum_ok(&v);
	if (body && !v4 && d->ip_proto == CAPNET_IPPROTO_ICMPV6) {
		d->l4_checksum_ok = capnet_csum_finish(capnet_csum_partial(p, avail, pseudo)) == 0;
		bool nd = d->icmp_type == CAPNET_ICMP6_NEIGHBOR_SOLICIT || d->icmp_type == CAPNET_ICMP6_NEIGHBOR_ADVERT;
		if (nd && avail >= CAPNET_ICMP4_HDR_LEN + 16) {
			memcpy(d->icmp6_target.b, p + CAPNET_ICMP4_HDR_LEN, 16);
			d->icmp6_has_target = true;
		}
	}
	d->body_len = (uint32_t)(avail - CAPNET_ICMP4_HDR_LEN);
	return CAPNET_ICMP4_HDR_LEN;
}

/* The transport header at l4; returns its length, 0 when there is none
 * (refused, or a protocol not decoded). */
static size_t transport(struct capnet_frame_desc *d, const uint8_t *l4, size_t avail, uint32_t pseudo, bool v4,
			bool body)
{
	size_t h;
	uint32_t layer;
	switch (d->ip_proto) {
	case CAPNET_IPPROTO_TCP:
		h = tcp(d, l4, avail, pseudo, body);
		layer = CAPNET_DESC_TCP;
		break;
	case CAPNET_IPPROTO_UDP:
		h = udp(d, l4, avail, pseudo, body);
		layer = CAPNET_DESC_UDP;
		break;
	case CAPNET_IPPROTO_ICMP:
	case CAPNET_IPPROTO_ICMPV6:
		h = icmp(d, l4, avail, v4 && d->ip_proto == CAPNET_IPPROTO_ICMP, pseudo, body);
		layer = CAPNET_DESC_ICMP;
		break;
	default:
		return 0;
	}
	if (h != 0) {
		d->layers |= layer;
		return h;
	}
	/* A refused TCP or UDP header is malformed, and so is the family's own
	 * ICMP; the other family's ICMP number is a protocol merely not known. */
	uint8_t own_icmp = v4 ? CAPNET_IPPROTO_ICMP : CAPNET_IPPROTO_ICMPV6;
	if (layer != CAPNET_DESC_ICMP || d->ip_proto == own_icmp)
		bad(d, layer, d->l4_err);
	return 0;
}

/* ---- network ---- */

/* Returns where whole headers end. */
static size_t ipv4(struct capnet_frame_desc *d, const uint8_t *f, size_t l3, bool body)
{
	struct capnet_ip4_view v;
	d->ip_err = capnet_ip4_view_check(&v, f + l3, d->len - l3);
	if (d->ip_err != CAPNET_OK) {
		bad(d, CAPNET_DESC_IPV4, d->ip_err);
		return l3;
	}
	d->layers |= CAPNET_DESC_IPV4;
	size_t hl = capnet_ip4_header_len(&v);
	uint16_t frag = capnet_get16(v.buf + CAPNET_IP4_FLAGS_FRAG);
	d->ip_proto = capnet_ip4_proto(&v);
	d->ip_ttl = capnet_ip4_ttl(&v);
	d->ip_ident = capnet_ip4_ident(&v);
	d->ip_df = (frag & CAPNET_IP4_FLAG_DF) != 0;
	d->ip_mf = (frag & CAPNET_IP4_FLAG_MF) != 0;
	d->ip_frag_offset = (uint16_t)((frag & CAPNET_IP4_FRAG_OFFSET_MASK) * 8u);
	d->ip_checksum_ok = capnet_ip4_checksum_ok(&v);
	d->ip_header_len = (uint16_t)hl;
	d->ip_payload_len = (uint32_t)(v.len - hl);
	d->src4 = capnet_ip4_src(&v);
	d->dst4 = capnet_ip4_dst(&v);
	d->body_len = d->ip_payload_len;
	size_t l4 = l3 + hl;
	/* A non-first fragment starts with body bytes, not a transport header. */
	if (d->ip_frag_offset != 0)
		return l4;
	d->l4_off = (uint16_t)l4;
	uint32_t pseudo = capnet_csum_pseudo4(d->src4, d->dst4, d->ip_proto, (uint16_t)d->ip_payload_len);
	return l4 + transport(d, f + l4, d->ip_payload_len, pseudo, true, body);
}

static size_t ipv6(struct capnet_frame_desc *d, const uint8_t *f, size_t l3, bool body)
{
	const uint8_t *ip = f + l3;
	size_t avail = d->len - l3;
	if (avail < IP6_HDR_LEN) {
		d->ip_err = CAPNET_E_TRUNCATED;
		bad(d, CAPNET_DESC_IPV6, d->ip_err);
		return l3;
	}
	d->ip_proto = ip[IP6_NEXT_HEADER];
	size_t plen = capnet_get16(ip + IP6_PAYLOAD_LEN);
	d->ip_err = (ip[IP6_VER_TC_FL] >> 4) != 6 ? CAPNET_E_UNSUPPORTED :
		    plen > avail - IP6_HDR_LEN	   ? CAPNET_E_TRUNCATED :
						     CAPNET_OK;
	if (d->ip_err != CAPNET_OK) {
		bad(d, CAPNET_DESC_IPV6, d->ip_err);
		return l3;
	}
	d->layers |= CAPNET_DESC_IPV6;
	d->ip_ttl = ip[IP6_HOP_LIMIT];
	d->ip_header_len = IP6_HDR_LEN;
	d->ip_payload_len = (uint32_t)plen;
	memcpy(d->src6.b, ip + IP6_SRC, 16);
	memcpy(d->dst6.b, ip + IP6_DST, 16);
	d->body_len = (uint32_t)plen;
	size_t l4 = l3 + IP6_HDR_LEN;
	d->l4_off = (uint16_t)l4;
	if (d->ip_proto == CAPNET_IPPROTO_ICMP) /* protocol 1 is not ICMP in IPv6 */
		return l4;
	uint32_t pseudo = capnet_csum_pseudo6(d->src6.b, d->dst6.b, d->ip_proto, (uint32_t)plen);
	return l4 + transport(d, f + l4, plen, pseudo, false, body);
}

static size_t arp(struct capnet_frame_desc *d, const uint8_t *f, size_t l3)
{
	const uint8_t *a = f + l3;
	size_t avail = d->len - l3;
	struct capnet_arp_repr r;
	d->arp_err = capnet_arp_parse(a, avail, &r, NULL);
	if (d->arp_err == CAPNET_E_MALFORMED) {
		/* The codec refuses operations a host does not perform, but a
		 * describer names them: parse a copy that says "request", then
		 * put the operation back. */
		uint8_t copy[CAPNET_ARP_LEN];
		memcpy(copy, a, sizeof copy);
		capnet_put16(copy + CAPNET_ARP_OPER, CAPNET_ARP_REQUEST);
		if (capnet_arp_parse(copy, sizeof copy, &r, NULL) != CAPNET_OK)
			return l3;
		struct capnet_arp_view v;
		capnet_arp_view_check(&v, a, avail);
		r.oper = capnet_arp_oper(&v);
	} else if (d->arp_err != CAPNET_OK) {
		bad(d, CAPNET_DESC_ARP, d->arp_err);
		return l3;
	}
	d->layers |= CAPNET_DESC_ARP;
	d->arp_oper = r.oper;
	d->arp_sha = r.sha;
	d->arp_tha = r.tha;
	d->arp_spa = r.spa;
	d->arp_tpa = r.tpa;
	return l3 + CAPNET_ARP_LEN;
}

void capnet_frame_describe(const uint8_t *f, size_t len, enum capnet_describe_depth depth,
			   struct capnet_frame_desc *d)
{
	memset(d, 0, sizeof *d);
	d->body_read = depth == CAPNET_DESCRIBE_BODY;
	if (f == NULL)
		len = 0;
	d->len = len;
	struct capnet_eth_repr eth;
	d->bad_err = capnet_eth_parse(f, len, &eth, NULL);
	if (d->bad_err != CAPNET_OK) {
		d->bad_layer = CAPNET_DESC_ETH;
		if (len >= CAPNET_ETH_HDR_LEN) {
			/* only the VLAN tag is cut: the untagged header is whole */
			const struct capnet_eth_view v = {f, CAPNET_ETH_HDR_LEN};
			d->eth_src = capnet_eth_src(&v);
			d->eth_dst = capnet_eth_dst(&v);
			d->ethertype = capnet_eth_outer_type(&v);
			d->header_len = CAPNET_ETH_HDR_LEN;
		}
		return;
	}
	d->layers = CAPNET_DESC_ETH;
	d->eth_src = eth.src;
	d->eth_dst = eth.dst;
	d->ethertype = eth.ethertype;
	d->vlan = eth.vlan;
	d->vlan_tci = eth.vlan_tci;
	size_t l3 = eth.header_len;
	size_t end = l3;
	bool body = d->body_read;
	switch (eth.ethertype) {
	case CAPNET_ETHERTYPE_ARP:
		d->l3_off = (uint16_t)l3;
		end = arp(d, f, l3);
		break;
	case CAPNET_ETHERTYPE_IPV4:
		d->l3_off = (uint16_t)l3;
		end = ipv4(d, f, l3, body);
		break;
	case CAPNET_ETHERTYPE_IPV6:
		d->l3_off = (uint16_t)l3;
		end = ipv6(d, f, l3, body);
		break;
	default:
		break; /* an ethertype not decoded: L2 only */
	}
	d->header_len = (uint16_t)end;
}

/* ---- text ---- */

struct out {
	char *buf;
	size_t cap, n;
};

static void put_ch(struct out *o, char c)
{
	if (o->n + 1 >= o->cap)
		return;
	o->buf[o->n++] = c;
	o->buf[o->n] = '\0';
}

static void put(struct out *o, const char *s)
{
	while (*s != '\0')
		put_ch(o, *s++);
}

static void put_dec(struct out *o, uint64_t v)
{
	char t[20];
	size_t k = 0;
	do {
		t[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (k > 0)
		put_ch(o, t[--k]);
}

/* Lower-case hex, at least `width` digits. */
static void put_hex(struct out *o, uint32_t v, unsigned width)
{
	static const char digits[] = "0123456789abcdef";
	char t[8];
	unsigned k = 0;
	do {
		t[k++] = digits[v & 0xf];
		v >>= 4;
	} while (v != 0);
	while (k < width && k < sizeof t)
		t[k++] = '0';
	while (k > 0)
		put_ch(o, t[--k]);
}

static void put_ip4(struct out *o, capnet_ip4addr a)
{
	for (int shift = 24; shift >= 0; shift -= 8) {
		put_dec(o, (a >> shift) & 0xff);
		if (shift != 0)
			put_ch(o, '.');
	}
}

static void put_mac(struct out *o, const struct capnet_mac *m)
{
	for (int i = 0; i < 6; i++) {
		if (i != 0)
			put_ch(o, ':');
		put_hex(o, m->b[i], 2);
	}
}

size_t capnet_ip6_text(const struct capnet_ip6addr *a, char buf[46])
{
	struct out o = {buf, 46, 0};
	buf[0] = '\0';
	uint16_t w[8];
	for (int i = 0; i < 8; i++)
		w[i] = capnet_get16(a->b + 2 * i);
	/* the first longest run of two or more zero words becomes "::" */
	int base = -1, best = 0;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && w[j] == 0)
			j++;
		if (j - i > best) {
			base = i;
			best = j - i;
		}
		i = j == i ? i + 1 : j;
	}
	if (best < 2)
		base = -1;
	for (int i = 0; i < 8; i++) {
		if (base >= 0 && i >= base && i < base + best) {
			if (i == base)
				put_ch(&o, ':');
			continue;
		}
		if (i != 0)
			put_ch(&o, ':');
		/* ::a.b.c.d (IPv4-compatible) and ::ffff:a.b.c.d (mapped) */
		if (i == 6 && base == 0 && (best == 6 || (best == 5 && w[5] == 0xffff))) {
			put_ip4(&o, capnet_get32(a->b + 12));
			return o.n;
		}
		put_hex(&o, w[i], 1);
	}
	if (base >= 0 && base + best == 8)
		put_ch(&o, ':');
	return o.n;
}

size_t capnet_tcp_flags_text(uint8_t flags, enum capnet_describe_style style, char buf[9])
{
	static const uint8_t trace_order[8] = {CAPNET_TCP_SYN, CAPNET_TCP_FIN, CAPNET_TCP_PSH, CAPNET_TCP_RST,
					       CAPNET_TCP_URG, CAPNET_TCP_ECE, CAPNET_TCP_CWR, CAPNET_TCP_ACK_FLAG};
	static const uint8_t replay_order[8] = {CAPNET_TCP_SYN, CAPNET_TCP_FIN, CAPNET_TCP_RST, CAPNET_TCP_PSH,
						CAPNET_TCP_ACK_FLAG, CAPNET_TCP_URG, CAPNET_TCP_ECE, CAPNET_TCP_CWR};
	const uint8_t *order = style == CAPNET_DESCRIBE_TRACE ? trace_order : replay_order;
	size_t k = 0;
	for (size_t i = 0; i < 8; i++) {
		if (!(flags & order[i]))
			continue;
		switch (order[i]) {
		case CAPNET_TCP_SYN: buf[k++] = 'S'; break;
		case CAPNET_TCP_FIN: buf[k++] = 'F'; break;
		case CAPNET_TCP_PSH: buf[k++] = 'P'; break;
		case CAPNET_TCP_RST: buf[k++] = 'R'; break;
		case CAPNET_TCP_URG: buf[k++] = 'U'; break;
		case CAPNET_TCP_ECE: buf[k++] = 'E'; break;
		case CAPNET_TCP_CWR: buf[k++] = 'W'; break;
		default: buf[k++] = '.'; break;
		}
	}
	buf[k] = '\0';
	if (k == 0 && style == CAPNET_DESCRIBE_TRACE) {
		memcpy(buf, "none", 5);
		k = 4;
	}
	return k;
}

/* ---- TRACE ---- */

static bool port_is(const struct capnet_frame_desc *d, uint16_t p)
{
	return d->sport == p || d->dport == p;
}

static void trace_endpoint(struct out *o, const struct capnet_frame_desc *d, bool src)
{
	if (d->layers & CAPNET_DESC_IPV4) {
		put_ip4(o, src ? d->src4 : d->dst4);
	} else {
		char t[46];
		capnet_ip6_text(src ? &d->src6 : &d->dst6, t);
		put(o, t);
	}
	if (d->layers & (CAPNET_DESC_UDP | CAPNET_DESC_TCP)) {
		put_ch(o, '.');
		put_dec(o, src ? d->sport : d->dport);
	}
}

static void trace_tcp(struct out *o, const struct capnet_frame_desc *d)
{
	char f[9];
	capnet_tcp_flags_text(d->tcp_flags, CAPNET_DESCRIBE_TRACE, f);
	put(o, "Flags [");
	put(o, f);
	put(o, "], seq ");
	put_dec(o, d->tcp_seq);
	if (d->body_len != 0) {
		put_ch(o, ':');
		put_dec(o, (uint32_t)(d->tcp_seq + d->body_len));
	}
	if (d->tcp_flags & CAPNET_TCP_ACK_FLAG) {
		put(o, ", ack ");
		put_dec(o, d->tcp_ack);
	}
	put(o, ", win ");
	put_dec(o, d->tcp_win);
	if (port_is(d, PORT_DNS))
		put(o, " (DNS)");
	put(o, ", length ");
	put_dec(o, d->body_len);
}

/* The ICMPv6 messages a host meets besides echo (RFC 4443, RFC 4861), by
 * the names tcpdump gives them. */
static const char *icmp6_name(uint8_t type)
{
	switch (type) {
	case CAPNET_ICMP6_DEST_UNREACH: return "destination unreachable";
	case CAPNET_ICMP6_PKT_TOO_BIG: return "packet too big";
	case CAPNET_ICMP6_TIME_EXCEEDED: return "time exceeded";
	case CAPNET_ICMP6_PARAM_PROBLEM: return "parameter problem";
	case CAPNET_ICMP6_ROUTER_SOLICIT: return "router solicitation";
	case CAPNET_ICMP6_ROUTER_ADVERT: return "router advertisement";
	case CAPNET_ICMP6_NEIGHBOR_SOLICIT: return "neighbor solicitation";
	case CAPNET_ICMP6_NEIGHBOR_ADVERT: return "neighbor advertisement";
	case CAPNET_ICMP6_REDIRECT: return "redirect";
	default: return NULL;
	}
}

/* What the rest-of-header word says (code, MTU, pointer) and, when the
 * body was read, an NS/NA's target. */
static void icmp6_detail(struct out *o, const struct capnet_frame_desc *d)
{
	uint32_t rest = (uint32_t)d->icmp_id << 16 | d->icmp_seq;
	if (d->icmp_type == CAPNET_ICMP6_PKT_TOO_BIG) {
		put(o, ", mtu ");
		put_dec(o, rest);
	} else if (d->icmp_type == CAPNET_ICMP6_PARAM_PROBLEM) {
		put(o, ", code ");
		put_dec(o, d->icmp_code);
		put(o, ", pointer ");
		put_dec(o, rest);
	} else if (capnet_icmp6_is_error(d->icmp_type)) {
		put(o, ", code ");
		put_dec(o, d->icmp_code);
	}
	if (d->icmp6_has_target) {
		char t[46];
		capnet_ip6_text(&d->icmp6_target, t);
		put(o, d->icmp_type == CAPNET_ICMP6_NEIGHBOR_SOLICIT ? ", who has " : ", tgt is ");
		put(o, t);
	}
}

static void trace_icmp(struct out *o, const struct capnet_frame_desc *d)
{
	bool v6 = (d->layers & CAPNET_DESC_IPV6) != 0;
	uint8_t req = v6 ? 128 : CAPNET_ICMP4_ECHO_REQUEST, rep = v6 ? 129 : CAPNET_ICMP4_ECHO_REPLY;
	put(o, v6 ? "ICMP6" : "ICMP");
	if (d->icmp_type == req || d->icmp_type == rep) {
		put(o, d->icmp_type == req ? " echo request, id " : " echo reply, id ");
		put_dec(o, d->icmp_id);
		put(o, ", seq ");
		put_dec(o, d->icmp_seq);
	} else if (v6 && icmp6_name(d->icmp_type) != NULL) {
		put(o, " ");
		put(o, icmp6_name(d->icmp_type));
		icmp6_detail(o, d);
	} else {
		put(o, " type ");
		put_dec(o, d->icmp_type);
		put(o, " code ");
		put_dec(o, d->icmp_code);
	}
	put(o, ", length ");
	put_dec(o, d->body_len);
}

static void trace_arp(struct out *o, const struct capnet_frame_desc *d)
{
	put(o, "ARP, ");
	if (d->arp_oper == CAPNET_ARP_REQUEST) {
		put(o, "Request who-has ");
		put_ip4(o, d->arp_tpa);
		put(o, " tell ");
		put_ip4(o, d->arp_spa);
	} else if (d->arp_oper == CAPNET_ARP_REPLY) {
		put(o, "Reply ");
		put_ip4(o, d->arp_spa);
		put(o, " is-at ");
		put_mac(o, &d->arp_sha);
	} else {
		put(o, "oper ");
		put_dec(o, d->arp_oper);
	}
	put(o, ", length 28");
}

static void trace_text(struct out *o, const struct capnet_frame_desc *d)
{
	if (d->vlan) {
		put(o, "vlan ");
		put_dec(o, d->vlan_tci & 0x0fff);
		put_ch(o, ' ');
	}
	if (d->layers & CAPNET_DESC_ARP) {
		trace_arp(o, d);
	} else if (d->layers & (CAPNET_DESC_IPV4 | CAPNET_DESC_IPV6)) {
		put(o, (d->layers & CAPNET_DESC_IPV4) ? "IP " : "IP6 ");
		trace_endpoint(o, d, true);
		put(o, " > ");
		trace_endpoint(o, d, false);
		put(o, ": ");
		if (d->layers & CAPNET_DESC_TCP) {
			trace_tcp(o, d);
		} else if (d->layers & CAPNET_DESC_UDP) {
			put(o, "UDP");
			if (dhcp_port(d->sport) && dhcp_port(d->dport))
				put(o, " (DHCP)");
			else if (port_is(d, PORT_DNS))
				put(o, " (DNS)");
			put(o, ", length ");
			put_dec(o, d->body_len);
		} else if (d->layers & CAPNET_DESC_ICMP) {
			trace_icmp(o, d);
		} else {
			if ((d->layers & CAPNET_DESC_IPV4) && d->ip_frag_offset != 0)
				put(o, "fragment, ");
			put(o, "proto ");
			put_dec(o, d->ip_proto);
			put(o, ", length ");
			put_dec(o, d->body_len);
		}
	} else {
		put(o, "ethertype 0x");
		put_hex(o, d->ethertype, 4);
	}
	if (d->bad_layer != 0)
		put(o, " [malformed header]");
}

/* ---- REPLAY ---- */

static void replay_arp(struct out *o, const struct capnet_frame_desc *d, size_t plen)
{
	if (d->arp_err != CAPNET_OK) {
		put(o, "ARP malformed (");
		put(o, capnet_errname(d->arp_err));
		put(o, ", ");
		put_dec(o, plen);
		put(o, " bytes)");
		return;
	}
	if (d->arp_oper == CAPNET_ARP_REQUEST) {
		put(o, "ARP who-has ");
		put_ip4(o, d->arp_tpa);
		put(o, " tell ");
		put_ip4(o, d->arp_spa);
		if (d->arp_spa == d->arp_tpa)
			put(o, " (gratuitous)");
		else if (d->arp_spa == 0)
			put(o, " (probe)");
		return;
	}
	put(o, "ARP reply ");
	put_ip4(o, d->arp_spa);
	put(o, " is-at ");
	put_mac(o, &d->arp_sha);
}

static void replay_malformed(struct out *o, const char *what, capnet_err e)
{
	put(o, what);
	put(o, " malformed (");
	put(o, capnet_errname(e));
	put_ch(o, ')');
}

/* An echo request or reply, ICMP or ICMPv6 (what names which, up to "id 0x"). */
static void replay_echo(struct out *o, const struct capnet_frame_desc *d, const char *what)
{
	put(o, what);
	put_hex(o, d->icmp_id, 4);
	put(o, " seq ");
	put_dec(o, d->icmp_seq);
	put(o, ", ");
	put_dec(o, d->body_len);
	put(o, " data bytes");
}

/* An IPv4 or IPv6 header that did not parse: the error and the frame's size. */
static void replay_bad_ip(struct out *o, const char *what, capnet_err e, size_t plen)
{
	put(o, what);
	put(o, " malformed (");
	put(o, capnet_errname(e));
	put(o, ", ");
	put_dec(o, plen);
	put(o, " bytes)");
}

static void replay_icmp(struct out *o, const struct capnet_frame_desc *d)
{
	if (!d->l4_fixed) {
		replay_malformed(o, " ICMP", d->l4_err);
		return;
	}
	const char *bad_sum = d->l4_checksum_ok ? "" : " [bad checksum]";
	if (d->icmp_type == CAPNET_ICMP4_ECHO_REQUEST || d->icmp_type == CAPNET_ICMP4_ECHO_REPLY) {
		replay_echo(o, d, d->icmp_type == CAPNET_ICMP4_ECHO_REQUEST ? " ICMP echo request id 0x" : " ICMP echo reply id 0x");
		put(o, bad_sum);
		return;
	}
	put(o, d->icmp_type == CAPNET_ICMP4_DEST_UNREACH	? " ICMP unreachable " :
	       d->icmp_type == CAPNET_ICMP4_TIME_EXCEEDED ? " ICMP time-exceeded " :
							    " ICMP type ");
	put_dec(o, d->icmp_type);
	put(o, " code ");
	put_dec(o, d->icmp_code);
	put(o, bad_sum);
}

static void replay_tcp(struct out *o, const struct capnet_frame_desc *d)
{
	if (!d->l4_fixed) {
		put(o, " TCP truncated (");
		put_dec(o, d->ip_payload_len);
		put(o, " bytes)");
		return;
	}
	char f[9];
	capnet_tcp_flags_text(d->tcp_flags, CAPNET_DESCRIBE_REPLAY, f);
	put(o, " TCP ");
	put_dec(o, d->sport);
	put(o, " > ");
	put_dec(o, d->dport);
	put(o, " [");
	put(o, f);
	put(o, "] seq ");
	put_dec(o, d->tcp_seq);
	if (d->tcp_flags & CAPNET_TCP_ACK_FLAG) {
		put(o, " ack ");
		put_dec(o, d->tcp_ack);
	}
	put(o, " win ");
	put_dec(o, d->tcp_win);
	if (d->l4_err != CAPNET_OK) {
		put(o, " bad data offset ");
		put_dec(o, d->tcp_header_len);
	} else {
		put(o, ", ");
		put_dec(o, d->ip_payload_len - d->tcp_header_len);
		put(o, " data bytes");
	}
}

/* UDP, TCP, or any other protocol named by number (what: " proto "), the
 * same over IPv4 and IPv6. */
static void replay_transport(struct out *o, const struct capnet_frame_desc *d, const char *what)
{
	switch (d->ip_proto) {
	case CAPNET_IPPROTO_UDP:
		if (d->l4_err != CAPNET_OK) {
			replay_malformed(o, " UDP", d->l4_err);
			break;
		}
		put(o, " UDP ");
		put_dec(o, d->sport);
		put(o, " > ");
		put_dec(o, d->dport);
		put(o, ", ");
		put_dec(o, d->body_len);
		put(o, " data bytes");
		break;
	case CAPNET_IPPROTO_TCP:
		replay_tcp(o, d);
		break;
	default:
		put(o, what);
		put_dec(o, d->ip_proto);
		put(o, ", ");
		put_dec(o, d->ip_payload_len);
		put(o, " bytes");
	}
}

static void replay_ip4(struct out *o, const struct capnet_frame_desc *d, size_t plen)
{
	if (d->ip_err != CAPNET_OK) {
		replay_bad_ip(o, "IPv4", d->ip_err, plen);
		return;
	}
	put(o, "IPv4 ");
	put_ip4(o, d->src4);
	put(o, " > ");
	put_ip4(o, d->dst4);
	put(o, " id 0x");
	put_hex(o, d->ip_ident, 4);
	put(o, " ttl ");
	put_dec(o, d->ip_ttl);
	if (!d->ip_checksum_ok)
		put(o, " [bad header checksum]");
	if (d->ip_mf || d->ip_frag_offset != 0) {
		put(o, " fragment proto ");
		put_dec(o, d->ip_proto);
		put(o, ", ");
		put_dec(o, d->ip_payload_len);
		put(o, " bytes");
		return;
	}
	if (d->ip_proto == CAPNET_IPPROTO_ICMP)
		replay_icmp(o, d);
	else
		replay_transport(o, d, " proto ");
}

static void replay_icmp6(struct out *o, const struct capnet_frame_desc *d)
{
	if (!d->l4_fixed) {
		replay_malformed(o, " ICMPv6", d->l4_err);
		return;
	}
	const char *bad_sum = d->l4_checksum_ok ? "" : " [bad checksum]";
	if (d->icmp_type == CAPNET_ICMP6_ECHO_REQUEST || d->icmp_type == CAPNET_ICMP6_ECHO_REPLY) {
		replay_echo(o, d,
			    d->icmp_type == CAPNET_ICMP6_ECHO_REQUEST ? " ICMPv6 echo request id 0x" : " ICMPv6 echo reply id 0x");
	} else if (icmp6_name(d->icmp_type) != NULL) {
		put(o, " ICMPv6 ");
		put(o, icmp6_name(d->icmp_type));
		icmp6_detail(o, d);
	} else {
		put(o, " ICMPv6 type ");
		put_dec(o, d->icmp_type);
		put(o, " code ");
		put_dec(o, d->icmp_code);
	}
	put(o, bad_sum);
}

static void replay_ip6(struct out *o, const struct capnet_frame_desc *d, size_t plen)
{
	if (d->ip_err != CAPNET_OK) {
		replay_bad_ip(o, "IPv6", d->ip_err, plen);
		return;
	}
	char t[46];
	put(o, "IPv6 ");
	capnet_ip6_text(&d->src6, t);
	put(o, t);
	put(o, " > ");
	capnet_ip6_text(&d->dst6, t);
	put(o, t);
	put(o, " hlim ");
	put_dec(o, d->ip_ttl);
	if (d->ip_proto == CAPNET_IPPROTO_ICMPV6)
		replay_icmp6(o, d);
	else /* Extension headers are not followed here: named by number. */
		replay_transport(o, d, " next header ");
}

static void replay_text(struct out *o, const struct capnet_frame_desc *d)
{
	if (d->bad_layer == CAPNET_DESC_ETH) {
		put(o, "truncated Ethernet header (");
		put_dec(o, d->len);
		put(o, " bytes)");
		return;
	}
	put_mac(o, &d->eth_src);
	put(o, " > ");
	put_mac(o, &d->eth_dst);
	if (d->vlan) {
		put(o, " vlan ");
		put_dec(o, d->vlan_tci & 0x0fff);
	}
	put(o, ", ");
	put_dec(o, d->len);
	put(o, " bytes: ");
	size_t plen = d->len - (d->vlan ? CAPNET_ETH_VLAN_HDR_LEN : CAPNET_ETH_HDR_LEN);
	switch (d->ethertype) {
	case CAPNET_ETHERTYPE_ARP:
		replay_arp(o, d, plen);
		break;
	case CAPNET_ETHERTYPE_IPV4:
		replay_ip4(o, d, plen);
		break;
	case CAPNET_ETHERTYPE_IPV6:
		replay_ip6(o, d, plen);
		break;
	default:
		put(o, "ethertype 0x");
		put_hex(o, d->ethertype, 4);
	}
}

size_t capnet_frame_desc_text(const struct capnet_frame_desc *d, enum capnet_describe_style style, char *buf,
			      size_t cap)
{
	if (buf == NULL || cap == 0)
		return 0;
	struct out o = {buf, cap, 0};
	buf[0] = '\0';
	if (style == CAPNET_DESCRIBE_TRACE)
		trace_text(&o, d);
	else
		replay_text(&o, d);
	return o.n;
}

size_t capnet_frame_describe_text(const uint8_t *frame, size_t len, enum capnet_describe_style style, char *buf,
				  size_t cap)
{
	struct capnet_frame_desc d;
	capnet_frame_describe(frame, len, style == CAPNET_DESCRIBE_TRACE ? CAPNET_DESCRIBE_HEADERS : CAPNET_DESCRIBE_BODY,
			      &d);
	return capnet_frame_desc_text(&d, style, buf, cap);
}
