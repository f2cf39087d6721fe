/* ICMPv4 (RFC 792): echo, destination unreachable, time exceeded. The
 * other types (redirect, timestamp, the deprecated rest) are refused: a
 * host that acts on redirects can be steered by anyone on the link. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"

/* RFC 1191: next-hop MTU sits in the low half of the rest-of-header word. */
#define ICMP4_REST_IDENT (CAPNET_ICMP4_REST + 0)
#define ICMP4_REST_SEQ (CAPNET_ICMP4_REST + 2)
#define ICMP4_REST_MTU (CAPNET_ICMP4_REST + 2)
#define ICMP4_UNREACH_CODE_MAX 15u
#define ICMP4_TIMXCEED_CODE_MAX 1u

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

capnet_err capnet_icmp4_parse(const uint8_t *buf, size_t len, struct capnet_icmp4_repr *out)
{
	struct capnet_icmp4_view v;
	capnet_err err = capnet_icmp4_view_check(&v, buf, len);
	if (err != CAPNET_OK)
		return err;
	if (!capnet_icmp4_checksum_ok(&v))
		return CAPNET_E_CHECKSUM;

	uint8_t type = capnet_icmp4_type(&v);
	uint8_t code = capnet_icmp4_code(&v);
	if (!is_echo(type) && type != CAPNET_ICMP4_DEST_UNREACH && type != CAPNET_ICMP4_TIME_EXCEEDED)
		return CAPNET_E_UNSUPPORTED;
	if (!code_valid(type, code))
		return CAPNET_E_MALFORMED;
	size_t data_len = len - CAPNET_ICMP4_HDR_LEN;
	/* An error message must quote at least the offending IP header, or
	 * the receiver cannot tell which flow it is about (RFC 792). */
	if (!is_echo(type) && data_len < CAPNET_IP4_HDR_LEN)
		return CAPNET_E_MALFORMED;

	out->type = type;
	out->code = code;
	out->ident = is_echo(type) ? capnet_icmp4_ident(&v) : 0;
	out->seq = is_echo(type) ? capnet_icmp4_seq(&v) : 0;
	out->next_hop_mtu = 0;
	if (type == CAPNET_ICMP4_DEST_UNREACH && code == CAPNET_ICMP4_FRAG_NEEDED)
		out->next_hop_mtu = capnet_get16(buf + ICMP4_REST_MTU);
	out->data = buf + CAPNET_ICMP4_HDR_LEN;
	out->data_len = data_len;
	return CAPNET_OK;
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
