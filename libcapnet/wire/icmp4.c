/* ICMPv4 (RFC 792): echo, destination unreachable, time exceeded. The
 * other types (redirect, timestamp, the deprecated rest) are refused: a
 * host that acts on redirects can be steered by anyone on the link. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/tcp.h"
#include "capnet/wire/udp.h"

/* RFC 1191: next-hop MTU sits in the low half of the rest-of-header word. */
#define ICMP4_REST_IDENT (CAPNET_ICMP4_REST + 0)
#define ICMP4_REST_SEQ (CAPNET_ICMP4_REST + 2)
#define ICMP4_REST_MTU (CAPNET_ICMP4_REST + 2)
#define ICMP4_UNREACH_CODE_MAX 15u
#define ICMP4_TIMXCEED_CODE_MAX 1u

/* The transport bytes a quote must hold for the protocol to find its flow:
 * TCP's ports and sequence number (RFC 5927 4.1), UDP's ports. */
#define QUOTE_TCP_BYTES 8u
#define QUOTE_UDP_BYTES 4u

/* Each reason's name and the capnet_err it stands for. */
static const struct {
	const char *name;
	capnet_err err;
} reasons[] = {
	[CAPNET_ICMP4_ERR_NONE] = {"none", CAPNET_OK},
	[CAPNET_ICMP4_ERR_TRUNCATED] = {"truncated", CAPNET_E_TRUNCATED},
	[CAPNET_ICMP4_ERR_BAD_CHECKSUM] = {"bad_checksum", CAPNET_E_CHECKSUM},
	[CAPNET_ICMP4_ERR_UNKNOWN_TYPE] = {"unknown_type", CAPNET_E_UNSUPPORTED},
	[CAPNET_ICMP4_ERR_BAD_CODE] = {"bad_code", CAPNET_E_MALFORMED},
	[CAPNET_ICMP4_ERR_QUOTE_TRUNCATED] = {"quote_truncated", CAPNET_E_MALFORMED},
	[CAPNET_ICMP4_ERR_NOT_AN_ERROR] = {"not_an_error", CAPNET_E_INVAL},
	[CAPNET_ICMP4_ERR_QUOTE_BAD_VERSION] = {"quote_bad_version", CAPNET_E_MALFORMED},
	[CAPNET_ICMP4_ERR_QUOTE_BAD_HLEN] = {"quote_bad_hlen", CAPNET_E_MALFORMED},
	[CAPNET_ICMP4_ERR_QUOTE_HLEN_BEYOND] = {"quote_hlen_beyond", CAPNET_E_MALFORMED},
	[CAPNET_ICMP4_ERR_QUOTE_L4_TRUNCATED] = {"quote_l4_truncated", CAPNET_E_MALFORMED},
};

const char *capnet_icmp4_error_name(enum capnet_icmp4_error e)
{
	return (unsigned)e < sizeof reasons / sizeof reasons[0] ? reasons[e].name : "?";
}

capnet_err capnet_icmp4_view_check(struct capnet_icmp4_view *v, const uint8_t *buf, size_t len)
{
	if (len < CAPNET_ICMP4_HDR_LEN)
		return CAPNET_E_TRUNCATED;
	v->buf = buf;
	v->len = len;
	return CAPNET_OK;
}

uint8_t capnet_icmp4_type(const struct capnet_icmp4_view *v)
{
	return v->buf[CAPNET_ICMP4_TYPE];
}

uint8_t capnet_icmp4_code(const struct capnet_icmp4_view *v)
{
	return v->buf[CAPNET_ICMP4_CODE];
}

uint16_t capnet_icmp4_checksum(const struct capnet_icmp4_view *v)
{
	return capnet_get16(v->buf + CAPNET_ICMP4_CHECKSUM);
}

uint16_t capnet_icmp4_ident(const struct capnet_icmp4_view *v)
{
	return capnet_get16(v->buf + ICMP4_REST_IDENT);
}

uint16_t capnet_icmp4_seq(const struct capnet_icmp4_view *v)
{
	return capnet_get16(v->buf + ICMP4_REST_SEQ);
}

bool capnet_icmp4_checksum_ok(const struct capnet_icmp4_view *v)
{
	return capnet_csum(v->buf, v->len) == 0;
}

/* Codes a receiver can act on; anything else is a sender bug or a probe. */
static bool code_valid(uint8_t type, uint8_t code)
{
	switch (type) {
	case CAPNET_ICMP4_ECHO_REPLY:
	case CAPNET_ICMP4_ECHO_REQUEST:
		return code == 0;
	case CAPNET_ICMP4_DEST_UNREACH:
		return code <= ICMP4_UNREACH_CODE_MAX;
	case CAPNET_ICMP4_TIME_EXCEEDED:
		return code <= ICMP4_TIMXCEED_CODE_MAX;
	default:
		return false;
	}
}

static bool is_echo(uint8_t type)
{
	return type == CAPNET_ICMP4_ECHO_REPLY || type == CAPNET_ICMP4_ECHO_REQUEST;
}

static enum capnet_icmp4_error parse(const uint8_t *buf, size_t len, struct capnet_icmp4_repr *out)
{
	struct capnet_icmp4_view v;
	if (capnet_icmp4_view_check(&v, buf, len) != CAPNET_OK)
		return CAPNET_ICMP4_ERR_TRUNCATED;
	if (!capnet_icmp4_checksum_ok(&v))
		return CAPNET_ICMP4_ERR_BAD_CHECKSUM;

	uint8_t type = capnet_icmp4_type(&v);
	uint8_t code = capnet_icmp4_code(&v);
	if (!is_echo(type) && type != CAPNET_ICMP4_DEST_UNREACH && type != CAPNET_ICMP4_TIME_EXCEEDED)
		return CAPNET_ICMP4_ERR_UNKNOWN_TYPE;
	if (!code_valid(type, code))
		return CAPNET_ICMP4_ERR_BAD_CODE;
	size_t data_len = len - CAPNET_ICMP4_HDR_LEN;
	/* An error message must quote at least the offending IP header, or
	 * the receiver cannot tell which flow it is about (RFC 792). */
	if (!is_echo(type) && data_len < CAPNET_IP4_HDR_LEN)
		return CAPNET_ICMP4_ERR_QUOTE_TRUNCATED;

	out->type = type;
	out->code = code;
	out->ident = is_echo(type) ? capnet_icmp4_ident(&v) : 0;
	out->seq = is_echo(type) ? capnet_icmp4_seq(&v) : 0;
	out->next_hop_mtu = 0;
	if (type == CAPNET_ICMP4_DEST_UNREACH && code == CAPNET_ICMP4_FRAG_NEEDED)
		out->next_hop_mtu = capnet_get16(buf + ICMP4_REST_MTU);
	out->data = buf + CAPNET_ICMP4_HDR_LEN;
	out->data_len = data_len;
	return CAPNET_ICMP4_ERR_NONE;
}

capnet_err capnet_icmp4_parse(const uint8_t *buf, size_t len, struct capnet_icmp4_repr *out,
			      enum capnet_icmp4_error *why)
{
	enum capnet_icmp4_error e = parse(buf, len, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

/* The quoted datagram is only a prefix (RFC 792: header + 8 bytes), so its
 * total length and checksum are not checked: a router may have rewritten
 * or cut either. Only what names the flow is read. */
static enum capnet_icmp4_error parse_quote(const struct capnet_icmp4_repr *msg, struct capnet_icmp4_quote *out)
{
	if (is_echo(msg->type))
		return CAPNET_ICMP4_ERR_NOT_AN_ERROR;
	const uint8_t *q = msg->data;
	size_t qlen = msg->data_len;
	if (qlen < CAPNET_IP4_HDR_LEN)
		return CAPNET_ICMP4_ERR_QUOTE_TRUNCATED;
	if (q[CAPNET_IP4_VER_IHL] >> 4 != 4)
		return CAPNET_ICMP4_ERR_QUOTE_BAD_VERSION;

	memset(out, 0, sizeof *out);
	out->type = msg->type;
	out->code = msg->code;
	out->next_hop_mtu = msg->next_hop_mtu;
	out->src = capnet_get32(q + CAPNET_IP4_SRC);
	out->dst = capnet_get32(q + CAPNET_IP4_DST);
	out->proto = q[CAPNET_IP4_PROTO];
	size_t hl = (size_t)(q[CAPNET_IP4_VER_IHL] & 0x0fu) * 4u;
	out->header_len = hl;
	if (hl < CAPNET_IP4_HDR_LEN)
		return CAPNET_ICMP4_ERR_QUOTE_BAD_HLEN;
	if (hl > qlen)
		return CAPNET_ICMP4_ERR_QUOTE_HLEN_BEYOND;

	const uint8_t *l4 = q + hl;
	size_t l4len = qlen - hl;
	if (out->proto == CAPNET_IPPROTO_TCP || out->proto == CAPNET_IPPROTO_UDP) {
		size_t need = out->proto == CAPNET_IPPROTO_TCP ? QUOTE_TCP_BYTES : QUOTE_UDP_BYTES;
		if (l4len < need)
			return CAPNET_ICMP4_ERR_QUOTE_L4_TRUNCATED;
		/* Both transports put the ports first, in the same order. */
		out->has_ports = true;
		out->src_port = capnet_get16(l4 + CAPNET_UDP_SRC_PORT);
		out->dst_port = capnet_get16(l4 + CAPNET_UDP_DST_PORT);
	}
	if (out->proto == CAPNET_IPPROTO_TCP) {
		out->has_seq = true;
		out->seq = capnet_get32(l4 + CAPNET_TCP_SEQ);
	}
	/* An error about an echo request names the pinger by its identifier. */
	if (out->proto == CAPNET_IPPROTO_ICMP && l4len >= CAPNET_ICMP4_HDR_LEN &&
	    l4[CAPNET_ICMP4_TYPE] == CAPNET_ICMP4_ECHO_REQUEST) {
		out->has_echo = true;
		out->echo_ident = capnet_get16(l4 + ICMP4_REST_IDENT);
		out->echo_seq = capnet_get16(l4 + ICMP4_REST_SEQ);
	}
	return CAPNET_ICMP4_ERR_NONE;
}

capnet_err capnet_icmp4_quote_parse(const struct capnet_icmp4_repr *msg, struct capnet_icmp4_quote *out,
				    enum capnet_icmp4_error *why)
{
	enum capnet_icmp4_error e = parse_quote(msg, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

size_t capnet_icmp4_emit_len(const struct capnet_icmp4_repr *r)
{
	return CAPNET_ICMP4_HDR_LEN + r->data_len;
}

size_t capnet_icmp4_emit(const struct capnet_icmp4_repr *r, uint8_t *buf)
{
	size_t len = CAPNET_ICMP4_HDR_LEN + r->data_len;
	/* Data first: an echo reply is often built in place over its request,
	 * so data may already sit at (or overlap) its destination. */
	if (r->data_len > 0)
		memmove(buf + CAPNET_ICMP4_HDR_LEN, r->data, r->data_len);
	buf[CAPNET_ICMP4_TYPE] = r->type;
	buf[CAPNET_ICMP4_CODE] = r->code;
	capnet_put16(buf + CAPNET_ICMP4_CHECKSUM, 0);
	if (is_echo(r->type)) {
		capnet_put16(buf + ICMP4_REST_IDENT, r->ident);
		capnet_put16(buf + ICMP4_REST_SEQ, r->seq);
	} else {
		capnet_put16(buf + CAPNET_ICMP4_REST, 0);
		bool frag_needed = r->type == CAPNET_ICMP4_DEST_UNREACH && r->code == CAPNET_ICMP4_FRAG_NEEDED;
		capnet_put16(buf + ICMP4_REST_MTU, frag_needed ? r->next_hop_mtu : 0);
	}
	capnet_put16(buf + CAPNET_ICMP4_CHECKSUM, capnet_csum(buf, len));
	return len;
}
