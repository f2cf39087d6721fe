/* UDP (RFC 768) over IPv4 and IPv6 (RFC 8200 8.1). The checksum covers a pseudo-header taken from the IP
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
	[CAPNET_UDP_ERR_ZERO_CHECKSUM] = {"zero_checksum", CAPNET_E_CHECKSUM},
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

/* `pseudo` is the pseudo-header's partial sum; `zero_allowed` whether a
 * zero checksum means "none computed" (IPv4) or is itself an error (IPv6,
 * RFC 8200 8.1). */
static enum capnet_udp_error parse(const uint8_t *buf, size_t len, uint32_t (*pseudo)(const void *, size_t),
				   const void *addrs, bool zero_allowed, struct capnet_udp_repr *out)
{
	struct capnet_udp_view v;
	enum capnet_udp_error e = view_init(&v, buf, len);
	if (e != CAPNET_UDP_ERR_NONE)
		return e;
	/* 0 means the sender computed none; a computed 0 travels as 0xffff. */
	bool absent = capnet_udp_checksum(&v) == 0;
	if (absent && !zero_allowed)
		return CAPNET_UDP_ERR_ZERO_CHECKSUM;
	if (!absent && capnet_csum_finish(capnet_csum_partial(buf, v.len, pseudo(addrs, v.len))) != 0)
		return CAPNET_UDP_ERR_BAD_CHECKSUM;

	out->src_port = capnet_udp_src_port(&v);
	out->dst_port = capnet_udp_dst_port(&v);
	out->payload = buf + CAPNET_UDP_HDR_LEN;
	out->payload_len = v.len - CAPNET_UDP_HDR_LEN;
	out->checksum_absent = absent;
	return CAPNET_UDP_ERR_NONE;
}

struct addrs4 {
	capnet_ip4addr src, dst;
};
struct addrs6 {
	const struct capnet_ip6addr *src, *dst;
};

static uint32_t pseudo4(const void *a, size_t ulen)
{
	const struct addrs4 *p = a;
	return capnet_csum_pseudo4(p->src, p->dst, CAPNET_IPPROTO_UDP, (uint16_t)ulen);
}

static uint32_t pseudo6(const void *a, size_t ulen)
{
	const struct addrs6 *p = a;
	return capnet_csum_pseudo6(p->src->b, p->dst->b, CAPNET_IPPROTO_UDP, (uint32_t)ulen);
}

capnet_err capnet_udp_parse4(const uint8_t *buf, size_t len, capnet_ip4addr src, capnet_ip4addr dst,
			     struct capnet_udp_repr *out, enum capnet_udp_error *why)
{
	struct addrs4 a = {src, dst};
	enum capnet_udp_error e = parse(buf, len, pseudo4, &a, true, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

size_t capnet_udp_emit_len(const struct capnet_udp_repr *r)
{
	return CAPNET_UDP_HDR_LEN + r->payload_len;
}

/* Header and payload, checksum field zero; 0 when the length would wrap. */
static size_t emit_body(const struct capnet_udp_repr *r, uint8_t *buf)
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
	return ulen;
}

/* A computed 0 is sent as 0xffff: 0 would read as "none" (RFC 768) or be
 * dropped (RFC 8200 8.1). */
static void put_checksum(uint8_t *buf, size_t ulen, uint32_t pseudo)
{
	uint16_t csum = capnet_csum_finish(capnet_csum_partial(buf, ulen, pseudo));
	capnet_put16(buf + CAPNET_UDP_CHECKSUM, csum == 0 ? 0xffff : csum);
}

size_t capnet_udp_emit4(const struct capnet_udp_repr *r, uint8_t *buf, capnet_ip4addr src, capnet_ip4addr dst)
{
	size_t ulen = emit_body(r, buf);
	if (ulen == 0)
		return 0;
	struct addrs4 a = {src, dst};
	put_checksum(buf, ulen, pseudo4(&a, ulen));
	return ulen;
}

capnet_err capnet_udp_parse6(const uint8_t *buf, size_t len, const struct capnet_ip6addr *src,
			     const struct capnet_ip6addr *dst, struct capnet_udp_repr *out, enum capnet_udp_error *why)
{
	struct addrs6 a = {src, dst};
	enum capnet_udp_error e = parse(buf, len, pseudo6, &a, false, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

size_t capnet_udp_emit6(const struct capnet_udp_repr *r, uint8_t *buf, const struct capnet_ip6addr *src,
			const struct capnet_ip6addr *dst)
{
	size_t ulen = emit_body(r, buf);
	if (ulen == 0)
		return 0;
	struct addrs6 a = {src, dst};
	put_checksum(buf, ulen, pseudo6(&a, ulen));
	return ulen;
}
