/* UDP (RFC 768). The checksum covers a pseudo-header taken from the IP
 * layer, so parse and emit take the addresses as arguments. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/udp.h"

#define UDP_LEN_MAX 0xffffu

/* Each reason's name and the capnet_err it stands for. */
static const struct {
	const char *name;
	capnet_err err;
} reasons[] = {
	[CAPNET_UDP_ERR_NONE] = {"none", CAPNET_OK},
	[CAPNET_UDP_ERR_TRUNCATED] = {"truncated", CAPNET_E_TRUNCATED},
	[CAPNET_UDP_ERR_BAD_LENGTH] = {"bad_length", CAPNET_E_MALFORMED},
	[CAPNET_UDP_ERR_LENGTH_BEYOND] = {"length_beyond", CAPNET_E_TRUNCATED},
	[CAPNET_UDP_ERR_BAD_CHECKSUM] = {"bad_checksum", CAPNET_E_CHECKSUM},
};

const char *capnet_udp_error_name(enum capnet_udp_error e)
{
	return (unsigned)e < sizeof reasons / sizeof reasons[0] ? reasons[e].name : "?";
}

/* The one place the header is checked: the view and the parse share it. */
static enum capnet_udp_error view_init(struct capnet_udp_view *v, const uint8_t *buf, size_t len)
{
	if (len < CAPNET_UDP_HDR_LEN)
		return CAPNET_UDP_ERR_TRUNCATED;
	size_t ulen = capnet_get16(buf + CAPNET_UDP_LENGTH);
	if (ulen < CAPNET_UDP_HDR_LEN)
		return CAPNET_UDP_ERR_BAD_LENGTH;
	if (ulen > len)
		return CAPNET_UDP_ERR_LENGTH_BEYOND;
	v->buf = buf;
	v->len = ulen;
	return CAPNET_UDP_ERR_NONE;
}

capnet_err capnet_udp_view_check(struct capnet_udp_view *v, const uint8_t *buf, size_t len)
{
	return reasons[view_init(v, buf, len)].err;
}

uint16_t capnet_udp_src_port(const struct capnet_udp_view *v)
{
	return capnet_get16(v->buf + CAPNET_UDP_SRC_PORT);
}

uint16_t capnet_udp_dst_port(const struct capnet_udp_view *v)
{
	return capnet_get16(v->buf + CAPNET_UDP_DST_PORT);
}

uint16_t capnet_udp_length(const struct capnet_udp_view *v)
{
	return capnet_get16(v->buf + CAPNET_UDP_LENGTH);
}

uint16_t capnet_udp_checksum(const struct capnet_udp_view *v)
{
	return capnet_get16(v->buf + CAPNET_UDP_CHECKSUM);
}

static uint16_t udp_csum4(const uint8_t *buf, size_t ulen, capnet_ip4addr src, capnet_ip4addr dst)
{
	uint32_t pseudo = capnet_csum_pseudo4(src, dst, CAPNET_IPPROTO_UDP, (uint16_t)ulen);
	return capnet_csum_finish(capnet_csum_partial(buf, ulen, pseudo));
}

static enum capnet_udp_error parse(const uint8_t *buf, size_t len, capnet_ip4addr src, capnet_ip4addr dst,
				   struct capnet_udp_repr *out)
{
	struct capnet_udp_view v;
	enum capnet_udp_error e = view_init(&v, buf, len);
	if (e != CAPNET_UDP_ERR_NONE)
		return e;
	/* 0 means the sender computed none; a computed 0 travels as 0xffff. */
	bool absent = capnet_udp_checksum(&v) == 0;
	if (!absent && udp_csum4(buf, v.len, src, dst) != 0)
		return CAPNET_UDP_ERR_BAD_CHECKSUM;

	out->src_port = capnet_udp_src_port(&v);
	out->dst_port = capnet_udp_dst_port(&v);
	out->payload = buf + CAPNET_UDP_HDR_LEN;
	out->payload_len = v.len - CAPNET_UDP_HDR_LEN;
	out->checksum_absent = absent;
	return CAPNET_UDP_ERR_NONE;
}

capnet_err capnet_udp_parse4(const uint8_t *buf, size_t len, capnet_ip4addr src, capnet_ip4addr dst,
			     struct capnet_udp_repr *out, enum capnet_udp_error *why)
{
	enum capnet_udp_error e = parse(buf, len, src, dst, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

size_t capnet_udp_emit_len(const struct capnet_udp_repr *r)
{
	return CAPNET_UDP_HDR_LEN + r->payload_len;
}

size_t capnet_udp_emit4(const struct capnet_udp_repr *r, uint8_t *buf, capnet_ip4addr src, capnet_ip4addr dst)
{
	/* The length field is 16 bits: refuse rather than wrap. */
	if (r->payload_len > UDP_LEN_MAX - CAPNET_UDP_HDR_LEN)
		return 0;
	size_t ulen = CAPNET_UDP_HDR_LEN + r->payload_len;
	if (r->payload_len > 0)
		memmove(buf + CAPNET_UDP_HDR_LEN, r->payload, r->payload_len);
	capnet_put16(buf + CAPNET_UDP_SRC_PORT, r->src_port);
	capnet_put16(buf + CAPNET_UDP_DST_PORT, r->dst_port);
	capnet_put16(buf + CAPNET_UDP_LENGTH, (uint16_t)ulen);
	capnet_put16(buf + CAPNET_UDP_CHECKSUM, 0);
	uint16_t csum = udp_csum4(buf, ulen, src, dst);
	capnet_put16(buf + CAPNET_UDP_CHECKSUM, csum == 0 ? 0xffff : csum);
	return ulen;
}
