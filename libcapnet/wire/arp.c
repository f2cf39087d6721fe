/* ARP for IPv4 over Ethernet (RFC 826). Only the one hardware/protocol
 * pairing a host on Ethernet needs is accepted. */
#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"

#define ARP_HTYPE_ETHERNET 1u
#define ARP_PTYPE_IPV4 0x0800u
#define ARP_HLEN_ETHERNET 6u
#define ARP_PLEN_IPV4 4u

/* Each reason's name and the capnet_err it stands for. */
static const struct {
	const char *name;
	capnet_err err;
} reasons[] = {
	[CAPNET_ARP_ERR_NONE] = {"none", CAPNET_OK},
	[CAPNET_ARP_ERR_TRUNCATED] = {"truncated", CAPNET_E_TRUNCATED},
	[CAPNET_ARP_ERR_BAD_HTYPE] = {"bad_htype", CAPNET_E_UNSUPPORTED},
	[CAPNET_ARP_ERR_BAD_PTYPE] = {"bad_ptype", CAPNET_E_UNSUPPORTED},
	[CAPNET_ARP_ERR_BAD_OP] = {"bad_op", CAPNET_E_MALFORMED},
};

const char *capnet_arp_error_name(enum capnet_arp_error e)
{
	return (unsigned)e < sizeof reasons / sizeof reasons[0] ? reasons[e].name : "?";
}

capnet_err capnet_arp_view_check(struct capnet_arp_view *v, const uint8_t *buf, size_t len)
{
	if (len < CAPNET_ARP_LEN)
		return CAPNET_E_TRUNCATED;
	v->buf = buf;
	v->len = len;
	return CAPNET_OK;
}

uint16_t capnet_arp_htype(const struct capnet_arp_view *v)
{
	return capnet_get16(v->buf + CAPNET_ARP_HTYPE);
}

uint16_t capnet_arp_ptype(const struct capnet_arp_view *v)
{
	return capnet_get16(v->buf + CAPNET_ARP_PTYPE);
}

uint16_t capnet_arp_oper(const struct capnet_arp_view *v)
{
	return capnet_get16(v->buf + CAPNET_ARP_OPER);
}

static enum capnet_arp_error parse(const uint8_t *buf, size_t len, struct capnet_arp_repr *out)
{
	struct capnet_arp_view v;
	if (capnet_arp_view_check(&v, buf, len) != CAPNET_OK)
		return CAPNET_ARP_ERR_TRUNCATED;
	if (capnet_arp_htype(&v) != ARP_HTYPE_ETHERNET || buf[CAPNET_ARP_HLEN] != ARP_HLEN_ETHERNET)
		return CAPNET_ARP_ERR_BAD_HTYPE;
	if (capnet_arp_ptype(&v) != ARP_PTYPE_IPV4 || buf[CAPNET_ARP_PLEN] != ARP_PLEN_IPV4)
		return CAPNET_ARP_ERR_BAD_PTYPE;
	uint16_t oper = capnet_arp_oper(&v);
	if (oper != CAPNET_ARP_REQUEST && oper != CAPNET_ARP_REPLY)
		return CAPNET_ARP_ERR_BAD_OP;

	out->oper = oper;
	memcpy(out->sha.b, buf + CAPNET_ARP_SHA, sizeof out->sha.b);
	out->spa = capnet_get32(buf + CAPNET_ARP_SPA);
	memcpy(out->tha.b, buf + CAPNET_ARP_THA, sizeof out->tha.b);
	out->tpa = capnet_get32(buf + CAPNET_ARP_TPA);
	return CAPNET_ARP_ERR_NONE;
}

capnet_err capnet_arp_parse(const uint8_t *buf, size_t len, struct capnet_arp_repr *out,
			    enum capnet_arp_error *why)
{
	enum capnet_arp_error e = parse(buf, len, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

size_t capnet_arp_emit_len(const struct capnet_arp_repr *r)
{
	(void)r;
	return CAPNET_ARP_LEN;
}

size_t capnet_arp_emit(const struct capnet_arp_repr *r, uint8_t *buf)
{
	capnet_put16(buf + CAPNET_ARP_HTYPE, ARP_HTYPE_ETHERNET);
	capnet_put16(buf + CAPNET_ARP_PTYPE, ARP_PTYPE_IPV4);
	buf[CAPNET_ARP_HLEN] = ARP_HLEN_ETHERNET;
	buf[CAPNET_ARP_PLEN] = ARP_PLEN_IPV4;
	capnet_put16(buf + CAPNET_ARP_OPER, r->oper);
	memcpy(buf + CAPNET_ARP_SHA, r->sha.b, sizeof r->sha.b);
	capnet_put32(buf + CAPNET_ARP_SPA, r->spa);
	memcpy(buf + CAPNET_ARP_THA, r->tha.b, sizeof r->tha.b);
	capnet_put32(buf + CAPNET_ARP_TPA, r->tpa);
	return CAPNET_ARP_LEN;
}
