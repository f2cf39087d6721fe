/* Neighbor Discovery messages and options (RFC 4861 4, RFC 8106 5.1). */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ipv6.h"
#include "capnet/wire/ndp.h"

/* Fixed parts after type/code/checksum (RFC 4861 4.1-4.4). */
#define RS_FIXED 4u
#define RA_FIXED 12u
#define NS_FIXED 20u
#define NA_FIXED 20u
/* Option lengths in 8-byte units. */
#define LLA_UNITS 1u
#define PREFIX_UNITS 4u
#define MTU_UNITS 1u
#define RDNSS_MIN_UNITS 3u

#define RA_FLAG_M 0x80u
#define RA_FLAG_O 0x40u
#define NA_FLAG_R 0x80u
#define NA_FLAG_S 0x40u
#define NA_FLAG_O 0x20u
#define PFX_FLAG_L 0x80u
#define PFX_FLAG_A 0x40u

static const struct {
	const char *name;
	capnet_err err;
} reasons[] = {
	[CAPNET_NDP_ERR_NONE] = {"none", CAPNET_OK},
	[CAPNET_NDP_ERR_NOT_NDP] = {"not_ndp", CAPNET_E_INVAL},
	[CAPNET_NDP_ERR_TRUNCATED] = {"truncated", CAPNET_E_TRUNCATED},
	[CAPNET_NDP_ERR_OPT_TRUNCATED] = {"opt_truncated", CAPNET_E_TRUNCATED},
	[CAPNET_NDP_ERR_OPT_ZERO_LEN] = {"opt_zero_len", CAPNET_E_MALFORMED},
	[CAPNET_NDP_ERR_OPT_BAD_LEN] = {"opt_bad_len", CAPNET_E_MALFORMED},
	[CAPNET_NDP_ERR_TARGET_MULTICAST] = {"target_multicast", CAPNET_E_MALFORMED},
	[CAPNET_NDP_ERR_BAD_PREFIX_LEN] = {"bad_prefix_len", CAPNET_E_MALFORMED},
};

const char *capnet_ndp_error_name(enum capnet_ndp_error e)
{
	return (unsigned)e < sizeof reasons / sizeof reasons[0] ? reasons[e].name : "?";
}

static size_t fixed_len(uint8_t type)
{
	switch (type) {
	case CAPNET_ICMP6_ROUTER_SOLICIT: return RS_FIXED;
	case CAPNET_ICMP6_ROUTER_ADVERT: return RA_FIXED;
	case CAPNET_ICMP6_NEIGHBOR_SOLICIT: return NS_FIXED;
	case CAPNET_ICMP6_NEIGHBOR_ADVERT: return NA_FIXED;
	default: return 0;
	}
}

static enum capnet_ndp_error option(const uint8_t *o, size_t units, struct capnet_ndp_repr *out)
{
	switch (o[0]) {
	case CAPNET_NDP_OPT_SLLA:
	case CAPNET_NDP_OPT_TLLA: {
		if (units != LLA_UNITS)
			return CAPNET_NDP_ERR_OPT_BAD_LEN; /* Ethernet: 6 bytes + 2 */
		struct capnet_mac m;
		memcpy(m.b, o + 2, 6);
		if (o[0] == CAPNET_NDP_OPT_SLLA) {
			out->has_slla = true;
			out->slla = m;
		} else {
			out->has_tlla = true;
			out->tlla = m;
		}
		return CAPNET_NDP_ERR_NONE;
	}
	case CAPNET_NDP_OPT_PREFIX: {
		if (units != PREFIX_UNITS)
			return CAPNET_NDP_ERR_OPT_BAD_LEN;
		if (o[2] > 128)
			return CAPNET_NDP_ERR_BAD_PREFIX_LEN;
		if (out->nprefix >= CAPNET_NDP_PREFIX_MAX) {
			out->ignored_options++;
			return CAPNET_NDP_ERR_NONE;
		}
		struct capnet_ndp_prefix *p = &out->prefix[out->nprefix++];
		p->len = o[2];
		p->on_link = (o[3] & PFX_FLAG_L) != 0;
		p->autonomous = (o[3] & PFX_FLAG_A) != 0;
		p->valid = capnet_get32(o + 4);
		p->preferred = capnet_get32(o + 8);
		memcpy(p->prefix.b, o + 16, 16);
		return CAPNET_NDP_ERR_NONE;
	}
	case CAPNET_NDP_OPT_MTU:
		if (units != MTU_UNITS)
			return CAPNET_NDP_ERR_OPT_BAD_LEN;
		out->has_mtu = true;
		out->mtu = capnet_get32(o + 4);
		return CAPNET_NDP_ERR_NONE;
	case CAPNET_NDP_OPT_RDNSS: {
		/* RFC 8106 5.1: 8 bytes + 16 per server, so an odd length >= 3. */
		if (units < RDNSS_MIN_UNITS || units % 2 == 0)
			return CAPNET_NDP_ERR_OPT_BAD_LEN;
		size_t n = (units - 1) / 2;
		if (out->nrdnss == 0)
			out->rdnss_lifetime = capnet_get32(o + 4);
		for (size_t i = 0; i < n; i++) {
			if (out->nrdnss >= CAPNET_NDP_RDNSS_MAX) {
				out->ignored_options++;
				break;
			}
			memcpy(out->rdnss[out->nrdnss++].b, o + 8 + 16 * i, 16);
		}
		return CAPNET_NDP_ERR_NONE;
	}
	default:
		/* 4.6: options a receiver does not know are skipped. */
		out->ignored_options++;
		return CAPNET_NDP_ERR_NONE;
	}
}

static enum capnet_ndp_error parse(uint8_t type, const uint8_t *b, size_t len, struct capnet_ndp_repr *out)
{
	size_t fixed = fixed_len(type);
	if (fixed == 0)
		return CAPNET_NDP_ERR_NOT_NDP;
	if (len < fixed)
		return CAPNET_NDP_ERR_TRUNCATED;
	memset(out, 0, sizeof *out);
	out->type = type;
	switch (type) {
	case CAPNET_ICMP6_ROUTER_ADVERT:
		out->cur_hop_limit = b[0];
		out->managed = (b[1] & RA_FLAG_M) != 0;
		out->other = (b[1] & RA_FLAG_O) != 0;
		out->router_lifetime = capnet_get16(b + 2);
		out->reachable_time = capnet_get32(b + 4);
		out->retrans_timer = capnet_get32(b + 8);
		break;
	case CAPNET_ICMP6_NEIGHBOR_ADVERT:
	case CAPNET_ICMP6_NEIGHBOR_SOLICIT: /* both carry the target after 4 bytes */
		if (type == CAPNET_ICMP6_NEIGHBOR_ADVERT) {
			out->router = (b[0] & NA_FLAG_R) != 0;
			out->solicited = (b[0] & NA_FLAG_S) != 0;
			out->override = (b[0] & NA_FLAG_O) != 0;
		}
		memcpy(out->target.b, b + 4, 16);
		if (capnet_ip6_is_multicast(&out->target))
			return CAPNET_NDP_ERR_TARGET_MULTICAST;
		break;
	default:
		break;
	}
	/* Options: type, length in 8-byte units (the whole option). */
	for (size_t off = fixed; off < len;) {
		if (len - off < 2)
			return CAPNET_NDP_ERR_OPT_TRUNCATED;
		size_t units = b[off + 1];
		if (units == 0)
			return CAPNET_NDP_ERR_OPT_ZERO_LEN; /* 4.6: would loop for ever */
		if (units * 8u > len - off)
			return CAPNET_NDP_ERR_OPT_TRUNCATED;
		enum capnet_ndp_error e = option(b + off, units, out);
		if (e != CAPNET_NDP_ERR_NONE)
			return e;
		off += units * 8u;
	}
	return CAPNET_NDP_ERR_NONE;
}

capnet_err capnet_ndp_parse(uint8_t type, const uint8_t *body, size_t len, struct capnet_ndp_repr *out,
			    enum capnet_ndp_error *why)
{
	enum capnet_ndp_error e = parse(type, body, len, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

size_t capnet_ndp_emit_len(const struct capnet_ndp_repr *r)
{
	size_t n = CAPNET_ICMP6_REST + fixed_len(r->type);
	n += r->has_slla ? 8u : 0u;
	n += r->has_tlla ? 8u : 0u;
	n += r->has_mtu ? 8u : 0u;
	n += (size_t)r->nprefix * 32u;
	n += r->nrdnss ? 8u + 16u * r->nrdnss : 0u;
	return n;
}

static size_t put_lla(uint8_t *o, uint8_t type, struct capnet_mac m)
{
	o[0] = type;
	o[1] = LLA_UNITS;
	memcpy(o + 2, m.b, 6);
	return 8;
}

size_t capnet_ndp_emit(const struct capnet_ndp_repr *r, const struct capnet_ip6addr *src,
		       const struct capnet_ip6addr *dst, uint8_t *buf)
{
	size_t fixed = fixed_len(r->type);
	if (fixed == 0)
		return 0;
	size_t len = capnet_ndp_emit_len(r);
	memset(buf, 0, len);
	buf[CAPNET_ICMP6_TYPE] = r->type;
	uint8_t *b = buf + CAPNET_ICMP6_REST;
	switch (r->type) {
	case CAPNET_ICMP6_ROUTER_ADVERT:
		b[0] = r->cur_hop_limit;
		b[1] = (uint8_t)((r->managed ? RA_FLAG_M : 0) | (r->other ? RA_FLAG_O : 0));
		capnet_put16(b + 2, r->router_lifetime);
		capnet_put32(b + 4, r->reachable_time);
		capnet_put32(b + 8, r->retrans_timer);
		break;
	case CAPNET_ICMP6_NEIGHBOR_ADVERT:
	case CAPNET_ICMP6_NEIGHBOR_SOLICIT:
		if (r->type == CAPNET_ICMP6_NEIGHBOR_ADVERT)
			b[0] = (uint8_t)((r->router ? NA_FLAG_R : 0) | (r->solicited ? NA_FLAG_S : 0) |
					 (r->override ? NA_FLAG_O : 0));
		memcpy(b + 4, r->target.b, 16);
		break;
	default:
		break;
	}
	uint8_t *o = b + fixed;
	if (r->has_slla)
		o += put_lla(o, CAPNET_NDP_OPT_SLLA, r->slla);
	if (r->has_tlla)
		o += put_lla(o, CAPNET_NDP_OPT_TLLA, r->tlla);
	if (r->has_mtu) {
		o[0] = CAPNET_NDP_OPT_MTU;
		o[1] = MTU_UNITS;
		capnet_put32(o + 4, r->mtu);
		o += 8;
	}
	for (uint8_t i = 0; i < r->nprefix && i < CAPNET_NDP_PREFIX_MAX; i++) {
		const struct capnet_ndp_prefix *p = &r->prefix[i];
		o[0] = CAPNET_NDP_OPT_PREFIX;
		o[1] = PREFIX_UNITS;
		o[2] = p->len;
		o[3] = (uint8_t)((p->on_link ? PFX_FLAG_L : 0) | (p->autonomous ? PFX_FLAG_A : 0));
		capnet_put32(o + 4, p->valid);
		capnet_put32(o + 8, p->preferred);
		memcpy(o + 16, p->prefix.b, 16);
		o += 32;
	}
	if (r->nrdnss) {
		uint8_t n = r->nrdnss > CAPNET_NDP_RDNSS_MAX ? CAPNET_NDP_RDNSS_MAX : r->nrdnss;
		o[0] = CAPNET_NDP_OPT_RDNSS;
		o[1] = (uint8_t)(1 + 2 * n);
		capnet_put32(o + 4, r->rdnss_lifetime);
		for (uint8_t i = 0; i < n; i++)
			memcpy(o + 8 + 16 * i, r->rdnss[i].b, 16);
		o += 8 + 16 * n;
	}
	len = (size_t)(o - buf);
	capnet_icmp6_seal(buf, len, src, dst);
	return len;
}
