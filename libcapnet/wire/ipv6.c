/* IPv6 header (RFC 8200), its extension-header chain and the address
 * predicates of RFC 4291. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/ipv6.h"

#define IP6_VERSION 6u
#define IP6_PLEN_MAX 0xffffu
/* Option TLV types that are not options (RFC 8200 4.2). */
#define OPT_PAD1 0
#define OPT_PADN 1
/* Parameter problem codes (RFC 4443 3.4). */
#define PP_HEADER_FIELD 0
#define PP_UNKNOWN_OPTION 2
#define PP_HOPOPTS_FIRST 1 /* RFC 8200 4.1: an unrecognised next header */

const struct capnet_ip6addr capnet_ip6_all_nodes = {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
const struct capnet_ip6addr capnet_ip6_all_routers = {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};

static const struct {
	const char *name;
	capnet_err err;
} reasons[] = {
	[CAPNET_IP6_ERR_NONE] = {"none", CAPNET_OK},
	[CAPNET_IP6_ERR_TRUNCATED] = {"truncated", CAPNET_E_TRUNCATED},
	[CAPNET_IP6_ERR_BAD_VERSION] = {"bad_version", CAPNET_E_UNSUPPORTED},
	[CAPNET_IP6_ERR_PLEN_BEYOND] = {"plen_beyond", CAPNET_E_TRUNCATED},
	[CAPNET_IP6_ERR_EXT_TRUNCATED] = {"ext_truncated", CAPNET_E_TRUNCATED},
	[CAPNET_IP6_ERR_EXT_TOO_MANY] = {"ext_too_many", CAPNET_E_MALFORMED},
	[CAPNET_IP6_ERR_EXT_TOO_LONG] = {"ext_too_long", CAPNET_E_MALFORMED},
	[CAPNET_IP6_ERR_HOPOPTS_NOT_FIRST] = {"hopopts_not_first", CAPNET_E_MALFORMED},
	[CAPNET_IP6_ERR_BAD_OPTION] = {"bad_option", CAPNET_E_MALFORMED},
	[CAPNET_IP6_ERR_UNKNOWN_OPTION] = {"unknown_option", CAPNET_E_UNSUPPORTED},
	[CAPNET_IP6_ERR_ROUTING] = {"routing", CAPNET_E_UNSUPPORTED},
};

const char *capnet_ip6_error_name(enum capnet_ip6_error e)
{
	return (unsigned)e < sizeof reasons / sizeof reasons[0] ? reasons[e].name : "?";
}

static enum capnet_ip6_error parse(const uint8_t *buf, size_t len, struct capnet_ip6_repr *out)
{
	if (len < CAPNET_IP6_HDR_LEN)
		return CAPNET_IP6_ERR_TRUNCATED;
	if (buf[CAPNET_IP6_VER_TC_FL] >> 4 != IP6_VERSION)
		return CAPNET_IP6_ERR_BAD_VERSION;
	size_t plen = capnet_get16(buf + CAPNET_IP6_PAYLOAD_LEN);
	if (plen > len - CAPNET_IP6_HDR_LEN)
		return CAPNET_IP6_ERR_PLEN_BEYOND;
	uint32_t w = capnet_get32(buf + CAPNET_IP6_VER_TC_FL);
	out->traffic_class = (uint8_t)(w >> 20);
	out->flow_label = w & 0xfffffu;
	out->payload_len = plen;
	out->next_header = buf[CAPNET_IP6_NEXT_HEADER];
	out->hop_limit = buf[CAPNET_IP6_HOP_LIMIT];
	memcpy(out->src.b, buf + CAPNET_IP6_SRC, 16);
	memcpy(out->dst.b, buf + CAPNET_IP6_DST, 16);
	return CAPNET_IP6_ERR_NONE;
}

capnet_err capnet_ip6_parse(const uint8_t *buf, size_t len, struct capnet_ip6_repr *out,
			    enum capnet_ip6_error *why)
{
	enum capnet_ip6_error e = parse(buf, len, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

size_t capnet_ip6_emit(const struct capnet_ip6_repr *r, uint8_t *buf)
{
	if (r->payload_len > IP6_PLEN_MAX)
		return 0;
	uint32_t w = (uint32_t)IP6_VERSION << 28 | (uint32_t)r->traffic_class << 20 | (r->flow_label & 0xfffffu);
	capnet_put32(buf + CAPNET_IP6_VER_TC_FL, w);
	capnet_put16(buf + CAPNET_IP6_PAYLOAD_LEN, (uint16_t)r->payload_len);
	buf[CAPNET_IP6_NEXT_HEADER] = r->next_header;
	buf[CAPNET_IP6_HOP_LIMIT] = r->hop_limit;
	memcpy(buf + CAPNET_IP6_SRC, r->src.b, 16);
	memcpy(buf + CAPNET_IP6_DST, r->dst.b, 16);
	return CAPNET_IP6_HDR_LEN;
}

/* The TLVs of a hop-by-hop or destination options header at pkt[off],
 * hlen bytes long (RFC 8200 4.2). */
static enum capnet_ip6_error walk_options(const uint8_t *pkt, size_t off, size_t hlen, struct capnet_ip6_ext *out)
{
	size_t i = off + 2, end = off + hlen;
	while (i < end) {
		uint8_t type = pkt[i];
		if (type == OPT_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > end || i + 2 + (size_t)pkt[i + 1] > end)
			return CAPNET_IP6_ERR_BAD_OPTION;
		if (type != OPT_PADN) {
			/* No option is spoken: the action bits decide (4.2). */
			switch (type >> 6) {
			case 0: /* skip over it */
				break;
			case 1: /* discard silently */
				out->pp_code = 0xff;
				return CAPNET_IP6_ERR_UNKNOWN_OPTION;
			default: /* discard, and say so: 10 even to multicast, 11 not */
				out->pp_code = PP_UNKNOWN_OPTION;
				out->pp_pointer = (uint32_t)i;
				out->pp_even_multicast = (type >> 6) == 2;
				return CAPNET_IP6_ERR_UNKNOWN_OPTION;
			}
		}
		i += 2 + (size_t)pkt[i + 1];
	}
	return CAPNET_IP6_ERR_NONE;
}

static bool is_extension(uint8_t nh)
{
	return nh == CAPNET_IP6_NH_HOPOPTS || nh == CAPNET_IP6_NH_ROUTING || nh == CAPNET_IP6_NH_FRAGMENT ||
	       nh == CAPNET_IP6_NH_DSTOPTS;
}

static enum capnet_ip6_error walk(const uint8_t *pkt, size_t len, struct capnet_ip6_ext *out)
{
	memset(out, 0, sizeof *out);
	out->pp_code = 0xff;
	uint8_t nh = pkt[CAPNET_IP6_NEXT_HEADER];
	size_t nh_off = CAPNET_IP6_NEXT_HEADER;
	size_t off = CAPNET_IP6_HDR_LEN;
	while (is_extension(nh)) {
		if (nh == CAPNET_IP6_NH_HOPOPTS && off != CAPNET_IP6_HDR_LEN) {
			out->pp_code = PP_HOPOPTS_FIRST;
			out->pp_pointer = (uint32_t)nh_off;
			out->pp_even_multicast = false;
			return CAPNET_IP6_ERR_HOPOPTS_NOT_FIRST;
		}
		if (out->count >= CAPNET_IP6_EXT_MAX_COUNT)
			return CAPNET_IP6_ERR_EXT_TOO_MANY;
		if (off + 8 > len)
			return CAPNET_IP6_ERR_EXT_TRUNCATED;
		/* Every extension header is a multiple of 8 bytes; the fragment
		 * header's second byte is reserved, its length always 8. */
		size_t hlen = nh == CAPNET_IP6_NH_FRAGMENT ? 8u : ((size_t)pkt[off + 1] + 1u) * 8u;
		if (off + hlen > len)
			return CAPNET_IP6_ERR_EXT_TRUNCATED;
		if (off + hlen - CAPNET_IP6_HDR_LEN > CAPNET_IP6_EXT_MAX_BYTES)
			return CAPNET_IP6_ERR_EXT_TOO_LONG;
		out->count++;
		enum capnet_ip6_error e = CAPNET_IP6_ERR_NONE;
		if (nh == CAPNET_IP6_NH_HOPOPTS || nh == CAPNET_IP6_NH_DSTOPTS) {
			e = walk_options(pkt, off, hlen, out);
		} else if (nh == CAPNET_IP6_NH_ROUTING && pkt[off + 3] != 0) {
			/* 4.4: segments left != 0 with a type we do not route
			 * (we route none): code 0 pointing at the type. */
			out->pp_code = PP_HEADER_FIELD;
			out->pp_pointer = (uint32_t)(off + 2);
			out->pp_even_multicast = false;
			e = CAPNET_IP6_ERR_ROUTING;
		} else if (nh == CAPNET_IP6_NH_FRAGMENT) {
			uint16_t fo = capnet_get16(pkt + off + 2);
			out->fragment = true;
			out->frag_offset = (uint16_t)(fo & 0xfff8u);
			out->more_fragments = (fo & 1u) != 0;
			out->frag_ident = capnet_get32(pkt + off + 4);
			out->atomic_fragment = out->frag_offset == 0 && !out->more_fragments;
			if (!out->atomic_fragment) {
				/* Stop: what follows is a piece, not a header. */
				out->proto = nh;
				out->nh_offset = nh_off;
				out->offset = off;
				return CAPNET_IP6_ERR_NONE;
			}
		}
		if (e != CAPNET_IP6_ERR_NONE)
			return e;
		nh_off = off;
		nh = pkt[off];
		off += hlen;
	}
	out->proto = nh;
	out->nh_offset = nh_off;
	out->offset = off;
	return CAPNET_IP6_ERR_NONE;
}

capnet_err capnet_ip6_ext_walk(const uint8_t *pkt, size_t len, struct capnet_ip6_ext *out,
			       enum capnet_ip6_error *why)
{
	enum capnet_ip6_error e = len < CAPNET_IP6_HDR_LEN ? CAPNET_IP6_ERR_TRUNCATED : walk(pkt, len, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

bool capnet_ip6_is_unspecified(const struct capnet_ip6addr *a)
{
	for (int i = 0; i < 16; i++)
		if (a->b[i] != 0)
			return false;
	return true;
}

bool capnet_ip6_is_multicast(const struct capnet_ip6addr *a)
{
	return a->b[0] == 0xff;
}

bool capnet_ip6_is_link_local(const struct capnet_ip6addr *a)
{
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

bool capnet_ip6_is_loopback(const struct capnet_ip6addr *a)
{
	for (int i = 0; i < 15; i++)
		if (a->b[i] != 0)
			return false;
	return a->b[15] == 1;
}

bool capnet_ip6_eq(const struct capnet_ip6addr *a, const struct capnet_ip6addr *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

bool capnet_ip6_prefix_eq(const struct capnet_ip6addr *a, const struct capnet_ip6addr *b, uint8_t len)
{
	if (len > 128)
		len = 128;
	size_t whole = len / 8u;
	if (memcmp(a->b, b->b, whole) != 0)
		return false;
	unsigned rest = len % 8u;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xffu << (8 - rest));
	return (a->b[whole] & mask) == (b->b[whole] & mask);
}

struct capnet_ip6addr capnet_ip6_solicited_node(const struct capnet_ip6addr *a)
{
	struct capnet_ip6addr s = {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0}};
	s.b[13] = a->b[13];
	s.b[14] = a->b[14];
	s.b[15] = a->b[15];
	return s;
}

struct capnet_mac capnet_ip6_multicast_mac(const struct capnet_ip6addr *a)
{
	struct capnet_mac m = {{0x33, 0x33, a->b[12], a->b[13], a->b[14], a->b[15]}};
	return m;
}
