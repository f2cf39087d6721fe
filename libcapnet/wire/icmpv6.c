/* ICMPv6 (RFC 4443). Redirects (137) are recognised but refused like
 * ICMPv4's: a host that acts on them can be steered by anyone on the link. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ipv4.h" /* enum capnet_ip_proto */
#include "capnet/wire/ipv6.h"
#include "capnet/wire/tcp.h"
#include "capnet/wire/udp.h"

#define UNREACH_CODE_MAX 6u
#define TIMXCEED_CODE_MAX 1u
#define PARAM_CODE_MAX 2u
#define QUOTE_TCP_BYTES 8u
#define QUOTE_UDP_BYTES 4u

static const struct {
	const char *name;
	capnet_err err;
} reasons[] = {
	[CAPNET_ICMP6_ERR_NONE] = {"none", CAPNET_OK},
	[CAPNET_ICMP6_ERR_TRUNCATED] = {"truncated", CAPNET_E_TRUNCATED},
	[CAPNET_ICMP6_ERR_BAD_CHECKSUM] = {"bad_checksum", CAPNET_E_CHECKSUM},
	[CAPNET_ICMP6_ERR_UNKNOWN_TYPE] = {"unknown_type", CAPNET_E_UNSUPPORTED},
	[CAPNET_ICMP6_ERR_BAD_CODE] = {"bad_code", CAPNET_E_MALFORMED},
	[CAPNET_ICMP6_ERR_QUOTE_TRUNCATED] = {"quote_truncated", CAPNET_E_MALFORMED},
	[CAPNET_ICMP6_ERR_NOT_AN_ERROR] = {"not_an_error", CAPNET_E_INVAL},
	[CAPNET_ICMP6_ERR_QUOTE_BAD_VERSION] = {"quote_bad_version", CAPNET_E_MALFORMED},
	[CAPNET_ICMP6_ERR_QUOTE_L4_TRUNCATED] = {"quote_l4_truncated", CAPNET_E_MALFORMED},
};

const char *capnet_icmp6_error_name(enum capnet_icmp6_error e)
{
	return (unsigned)e < sizeof reasons / sizeof reasons[0] ? reasons[e].name : "?";
}

bool capnet_icmp6_is_error(uint8_t type)
{
	return type < 128;
}

static bool is_echo(uint8_t type)
{
	return type == CAPNET_ICMP6_ECHO_REQUEST || type == CAPNET_ICMP6_ECHO_REPLY;
}

static bool is_ndp(uint8_t type)
{
	return type >= CAPNET_ICMP6_ROUTER_SOLICIT && type <= CAPNET_ICMP6_REDIRECT;
}

/* -1: a type we do not know; else whether the code is one it has. */
static int code_valid(uint8_t type, uint8_t code)
{
	switch (type) {
	case CAPNET_ICMP6_DEST_UNREACH:
		return code <= UNREACH_CODE_MAX;
	case CAPNET_ICMP6_PKT_TOO_BIG:
		return code == 0;
	case CAPNET_ICMP6_TIME_EXCEEDED:
		return code <= TIMXCEED_CODE_MAX;
	case CAPNET_ICMP6_PARAM_PROBLEM:
		return code <= PARAM_CODE_MAX;
	default:
		if (is_echo(type) || is_ndp(type))
			return code == 0; /* RFC 4861 6.1.1: code 0 */
		return -1;
	}
}

static uint16_t sum(const uint8_t *buf, size_t len, const struct capnet_ip6addr *src, const struct capnet_ip6addr *dst)
{
	uint32_t p = capnet_csum_pseudo6(src->b, dst->b, CAPNET_IPPROTO_ICMPV6, (uint32_t)len);
	return capnet_csum_finish(capnet_csum_partial(buf, len, p));
}

static enum capnet_icmp6_error parse(const uint8_t *buf, size_t len, const struct capnet_ip6addr *src,
				     const struct capnet_ip6addr *dst, struct capnet_icmp6_repr *out)
{
	if (len < CAPNET_ICMP6_HDR_LEN)
		return CAPNET_ICMP6_ERR_TRUNCATED;
	if (sum(buf, len, src, dst) != 0)
		return CAPNET_ICMP6_ERR_BAD_CHECKSUM;
	uint8_t type = buf[CAPNET_ICMP6_TYPE], code = buf[CAPNET_ICMP6_CODE];
	int ok = code_valid(type, code);
	if (ok < 0)
		return CAPNET_ICMP6_ERR_UNKNOWN_TYPE;
	if (!ok)
		return CAPNET_ICMP6_ERR_BAD_CODE;
	if (capnet_icmp6_is_error(type) && len - CAPNET_ICMP6_HDR_LEN < CAPNET_IP6_HDR_LEN)
		return CAPNET_ICMP6_ERR_QUOTE_TRUNCATED;
	memset(out, 0, sizeof *out);
	out->type = type;
	out->code = code;
	if (is_echo(type)) {
		out->ident = capnet_get16(buf + CAPNET_ICMP6_REST);
		out->seq = capnet_get16(buf + CAPNET_ICMP6_REST + 2);
	} else if (type == CAPNET_ICMP6_PKT_TOO_BIG) {
		out->mtu = capnet_get32(buf + CAPNET_ICMP6_REST);
	} else if (type == CAPNET_ICMP6_PARAM_PROBLEM) {
		out->pointer = capnet_get32(buf + CAPNET_ICMP6_REST);
	}
	/* NDP bodies start right after type, code and checksum. */
	size_t body = is_ndp(type) ? CAPNET_ICMP6_REST : CAPNET_ICMP6_HDR_LEN;
	out->data = buf + body;
	out->data_len = len - body;
	return CAPNET_ICMP6_ERR_NONE;
}

capnet_err capnet_icmp6_parse(const uint8_t *buf, size_t len, const struct capnet_ip6addr *src,
			      const struct capnet_ip6addr *dst, struct capnet_icmp6_repr *out,
			      enum capnet_icmp6_error *why)
{
	enum capnet_icmp6_error e = parse(buf, len, src, dst, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

static enum capnet_icmp6_error parse_quote(const struct capnet_icmp6_repr *msg, struct capnet_icmp6_quote *out)
{
	if (!capnet_icmp6_is_error(msg->type))
		return CAPNET_ICMP6_ERR_NOT_AN_ERROR;
	const uint8_t *q = msg->data;
	size_t qlen = msg->data_len;
	if (qlen < CAPNET_IP6_HDR_LEN)
		return CAPNET_ICMP6_ERR_QUOTE_TRUNCATED;
	if (q[0] >> 4 != 6)
		return CAPNET_ICMP6_ERR_QUOTE_BAD_VERSION;
	memset(out, 0, sizeof *out);
	out->type = msg->type;
	out->code = msg->code;
	out->mtu = msg->mtu;
	out->pointer = msg->pointer;
	memcpy(out->src.b, q + CAPNET_IP6_SRC, 16);
	memcpy(out->dst.b, q + CAPNET_IP6_DST, 16);
	out->next_header = q[CAPNET_IP6_NEXT_HEADER];
	const uint8_t *l4 = q + CAPNET_IP6_HDR_LEN;
	size_t l4len = qlen - CAPNET_IP6_HDR_LEN;
	if (out->next_header == CAPNET_IPPROTO_TCP || out->next_header == CAPNET_IPPROTO_UDP) {
		size_t need = out->next_header == CAPNET_IPPROTO_TCP ? QUOTE_TCP_BYTES : QUOTE_UDP_BYTES;
		if (l4len < need)
			return CAPNET_ICMP6_ERR_QUOTE_L4_TRUNCATED;
		out->has_ports = true;
		out->src_port = capnet_get16(l4 + CAPNET_UDP_SRC_PORT);
		out->dst_port = capnet_get16(l4 + CAPNET_UDP_DST_PORT);
		if (out->next_header == CAPNET_IPPROTO_TCP) {
			out->has_seq = true;
			out->seq = capnet_get32(l4 + CAPNET_TCP_SEQ);
		}
	} else if (out->next_header == CAPNET_IPPROTO_ICMPV6 && l4len >= CAPNET_ICMP6_HDR_LEN &&
		   l4[CAPNET_ICMP6_TYPE] == CAPNET_ICMP6_ECHO_REQUEST) {
		/* A ping's own error: the caller matches it by ident and seq. */
		out->has_echo = true;
		out->echo_ident = capnet_get16(l4 + CAPNET_ICMP6_REST);
		out->echo_seq = capnet_get16(l4 + CAPNET_ICMP6_REST + 2);
	}
	return CAPNET_ICMP6_ERR_NONE;
}

capnet_err capnet_icmp6_quote_parse(const struct capnet_icmp6_repr *msg, struct capnet_icmp6_quote *out,
				    enum capnet_icmp6_error *why)
{
	enum capnet_icmp6_error e = parse_quote(msg, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

size_t capnet_icmp6_emit_len(const struct capnet_icmp6_repr *r)
{
	return CAPNET_ICMP6_HDR_LEN + r->data_len;
}

void capnet_icmp6_seal(uint8_t *buf, size_t len, const struct capnet_ip6addr *src, const struct capnet_ip6addr *dst)
{
	capnet_put16(buf + CAPNET_ICMP6_CHECKSUM, 0);
	capnet_put16(buf + CAPNET_ICMP6_CHECKSUM, sum(buf, len, src, dst));
}

size_t capnet_icmp6_emit(const struct capnet_icmp6_repr *r, const struct capnet_ip6addr *src,
			 const struct capnet_ip6addr *dst, uint8_t *buf)
{
	size_t len = CAPNET_ICMP6_HDR_LEN + r->data_len;
	if (r->data_len > 0)
		memmove(buf + CAPNET_ICMP6_HDR_LEN, r->data, r->data_len);
	buf[CAPNET_ICMP6_TYPE] = r->type;
	buf[CAPNET_ICMP6_CODE] = r->code;
	if (is_echo(r->type)) {
		capnet_put16(buf + CAPNET_ICMP6_REST, r->ident);
		capnet_put16(buf + CAPNET_ICMP6_REST + 2, r->seq);
	} else if (r->type == CAPNET_ICMP6_PKT_TOO_BIG) {
		capnet_put32(buf + CAPNET_ICMP6_REST, r->mtu);
	} else if (r->type == CAPNET_ICMP6_PARAM_PROBLEM) {
		capnet_put32(buf + CAPNET_ICMP6_REST, r->pointer);
	} else {
		capnet_put32(buf + CAPNET_ICMP6_REST, 0);
	}
	capnet_icmp6_seal(buf, len, src, dst);
	return len;
}
