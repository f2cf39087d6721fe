/* IPv4 header (RFC 791). Options are skipped, never interpreted: a host
 * has no use for source routes or timestamps, and interpreting them is a
 * classic attack surface. */
#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ipv4.h"

#define IP4_VERSION 4u
#define IP4_MIN_IHL 5u
#define IP4_TOTLEN_MAX 0xffffu

static size_t ihl_bytes(const uint8_t *buf)
{
	return (size_t)(buf[CAPNET_IP4_VER_IHL] & 0x0fu) * 4u;
}

/* Each reason's name and the capnet_err it stands for. */
static const struct {
	const char *name;
	capnet_err err;
} reasons[] = {
	[CAPNET_IP4_ERR_NONE] = {"none", CAPNET_OK},
	[CAPNET_IP4_ERR_TRUNCATED] = {"truncated", CAPNET_E_TRUNCATED},
	[CAPNET_IP4_ERR_BAD_VERSION] = {"bad_version", CAPNET_E_UNSUPPORTED},
	[CAPNET_IP4_ERR_BAD_HLEN] = {"bad_hlen", CAPNET_E_MALFORMED},
	[CAPNET_IP4_ERR_HLEN_BEYOND] = {"hlen_beyond", CAPNET_E_TRUNCATED},
	[CAPNET_IP4_ERR_BAD_TOTLEN] = {"bad_totlen", CAPNET_E_MALFORMED},
	[CAPNET_IP4_ERR_TOTLEN_BEYOND] = {"totlen_beyond", CAPNET_E_TRUNCATED},
	[CAPNET_IP4_ERR_BAD_CHECKSUM] = {"bad_checksum", CAPNET_E_CHECKSUM},
};

const char *capnet_ip4_error_name(enum capnet_ip4_error e)
{
	return (unsigned)e < sizeof reasons / sizeof reasons[0] ? reasons[e].name : "?";
}

/* The one place the header is checked: the view and the parse share it. */
static enum capnet_ip4_error view_init(struct capnet_ip4_view *v, const uint8_t *buf, size_t len)
{
	if (len < CAPNET_IP4_HDR_LEN)
		return CAPNET_IP4_ERR_TRUNCATED;
	if (buf[CAPNET_IP4_VER_IHL] >> 4 != IP4_VERSION)
		return CAPNET_IP4_ERR_BAD_VERSION;
	size_t hl = ihl_bytes(buf);
	if (hl < CAPNET_IP4_HDR_LEN)
		return CAPNET_IP4_ERR_BAD_HLEN;
	if (hl > len)
		return CAPNET_IP4_ERR_HLEN_BEYOND;
	size_t total = capnet_get16(buf + CAPNET_IP4_TOTLEN);
	if (total < hl)
		return CAPNET_IP4_ERR_BAD_TOTLEN;
	if (total > len)
		return CAPNET_IP4_ERR_TOTLEN_BEYOND;
	v->buf = buf;
	v->len = total; /* drops link-layer padding (60-byte Ethernet minimum) */
	return CAPNET_IP4_ERR_NONE;
}

capnet_err capnet_ip4_view_check(struct capnet_ip4_view *v, const uint8_t *buf, size_t len)
{
	return reasons[view_init(v, buf, len)].err;
}

uint8_t capnet_ip4_version(const struct capnet_ip4_view *v)
{
	return v->buf[CAPNET_IP4_VER_IHL] >> 4;
}

size_t capnet_ip4_header_len(const struct capnet_ip4_view *v)
{
	return ihl_bytes(v->buf);
}

uint16_t capnet_ip4_total_len(const struct capnet_ip4_view *v)
{
	return capnet_get16(v->buf + CAPNET_IP4_TOTLEN);
}

uint16_t capnet_ip4_ident(const struct capnet_ip4_view *v)
{
	return capnet_get16(v->buf + CAPNET_IP4_IDENT);
}

bool capnet_ip4_is_fragment(const struct capnet_ip4_view *v)
{
	uint16_t ff = capnet_get16(v->buf + CAPNET_IP4_FLAGS_FRAG);
	return (ff & CAPNET_IP4_FLAG_MF) != 0 || (ff & CAPNET_IP4_FRAG_OFFSET_MASK) != 0;
}

uint8_t capnet_ip4_ttl(const struct capnet_ip4_view *v)
{
	return v->buf[CAPNET_IP4_TTL];
}

uint8_t capnet_ip4_proto(const struct capnet_ip4_view *v)
{
	return v->buf[CAPNET_IP4_PROTO];
}

uint16_t capnet_ip4_checksum(const struct capnet_ip4_view *v)
{
	return capnet_get16(v->buf + CAPNET_IP4_CHECKSUM);
}

capnet_ip4addr capnet_ip4_src(const struct capnet_ip4_view *v)
{
	return capnet_get32(v->buf + CAPNET_IP4_SRC);
}

capnet_ip4addr capnet_ip4_dst(const struct capnet_ip4_view *v)
{
	return capnet_get32(v->buf + CAPNET_IP4_DST);
}

bool capnet_ip4_checksum_ok(const struct capnet_ip4_view *v)
{
	return capnet_csum(v->buf, capnet_ip4_header_len(v)) == 0;
}

static enum capnet_ip4_error parse(const uint8_t *buf, size_t len, struct capnet_ip4_repr *out)
{
	struct capnet_ip4_view v;
	enum capnet_ip4_error e = view_init(&v, buf, len);
	if (e != CAPNET_IP4_ERR_NONE)
		return e;
	if (!capnet_ip4_checksum_ok(&v))
		return CAPNET_IP4_ERR_BAD_CHECKSUM;

	uint16_t ff = capnet_get16(buf + CAPNET_IP4_FLAGS_FRAG);
	out->src = capnet_ip4_src(&v);
	out->dst = capnet_ip4_dst(&v);
	out->proto = capnet_ip4_proto(&v);
	out->ttl = capnet_ip4_ttl(&v);
	out->tos = buf[CAPNET_IP4_TOS];
	out->ident = capnet_ip4_ident(&v);
	out->dont_fragment = (ff & CAPNET_IP4_FLAG_DF) != 0;
	out->more_fragments = (ff & CAPNET_IP4_FLAG_MF) != 0;
	out->frag_offset = (uint16_t)((ff & CAPNET_IP4_FRAG_OFFSET_MASK) * 8u);
	out->header_len = capnet_ip4_header_len(&v);
	out->payload_len = v.len - out->header_len;
	return CAPNET_IP4_ERR_NONE;
}

capnet_err capnet_ip4_parse(const uint8_t *buf, size_t len, struct capnet_ip4_repr *out,
			    enum capnet_ip4_error *why)
{
	enum capnet_ip4_error e = parse(buf, len, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

size_t capnet_ip4_emit_len(const struct capnet_ip4_repr *r)
{
	(void)r;
	return CAPNET_IP4_HDR_LEN;
}

size_t capnet_ip4_emit(const struct capnet_ip4_repr *r, uint8_t *buf)
{
	/* The total length field is 16 bits: refuse rather than wrap. */
	if (r->payload_len > IP4_TOTLEN_MAX - CAPNET_IP4_HDR_LEN)
		return 0;
	buf[CAPNET_IP4_VER_IHL] = (uint8_t)(IP4_VERSION << 4 | IP4_MIN_IHL);
	buf[CAPNET_IP4_TOS] = r->tos;
	capnet_put16(buf + CAPNET_IP4_TOTLEN, (uint16_t)(CAPNET_IP4_HDR_LEN + r->payload_len));
	capnet_put16(buf + CAPNET_IP4_IDENT, r->ident);
	/* A host never fragments (we size to the path MTU), so MF and the
	 * offset are always zero here. */
	capnet_put16(buf + CAPNET_IP4_FLAGS_FRAG, r->dont_fragment ? (uint16_t)CAPNET_IP4_FLAG_DF : 0);
	buf[CAPNET_IP4_TTL] = r->ttl;
	buf[CAPNET_IP4_PROTO] = r->proto;
	capnet_put16(buf + CAPNET_IP4_CHECKSUM, 0);
	capnet_put32(buf + CAPNET_IP4_SRC, r->src);
	capnet_put32(buf + CAPNET_IP4_DST, r->dst);
	capnet_put16(buf + CAPNET_IP4_CHECKSUM, capnet_csum(buf, CAPNET_IP4_HDR_LEN));
	return CAPNET_IP4_HDR_LEN;
}
