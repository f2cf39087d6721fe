/* ARP for IPv4 over Ethernet (RFC 826). Only the one hardware/protocol
 * pairing a host on Ethernet needs is accepted. */
#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"

#define ARP_HTYPE_ETHERNET 1u
#define ARP_PTYPE_IPV4 0x0800u
#define ARP_HLEN_ETHERNET 6u
#define ARP_PLEN_IPV4 4u

static const char *const error_names[] = {"none", "truncated", "bad_htype", "bad_ptype", "bad_op"};

const char *capnet_arp_error_name(enum capnet_arp_error e)
{
	return (unsigned)e < sizeof error_names / sizeof error_names[0] ? error_names[e] : "?";
}

/* Reports the reason (when asked) and the capnet_err it stands for. */
static capnet_err result(enum capnet_arp_error e, enum capnet_arp_error *why)
{
	static const capnet_err as_err[] = {
		[CAPNET_ARP_ERR_NONE] = CAPNET_OK,
		[CAPNET_ARP_ERR_TRUNCATED] = CAPNET_E_TRUNCATED,
		[CAPNET_ARP_ERR_BAD_HTYPE] = CAPNET_E_UNSUPPORTED,
		[CAPNET_ARP_ERR_BAD_PTYPE] = CAPNET_E_UNSUPPORTED,
		[CAPNET_ARP_ERR_BAD_OP] = CAPNET_E_MALFORMED,
	};
	if (why)
		*why = e;
	return as_err[e];
}

capnet_err capnet_arp_view_check(struct capnet_arp_view *v, const uint8_t *buf, size_t len)
{
	if (len < CAPNET_ARP_LEN)
		return result(CAPNET_ARP_ERR_TRUNCATED, NULL);
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

capnet_err capnet_arp_parse(const uint8_t *buf, size_t len, struct capnet_arp_repr *out,
			    enum capnet_arp_error *why)
{
	struct capnet_arp_view v;
	if (capnet_arp_view_check(&v, buf, len) != CAPNET_OK)
		return result(CAPNET_ARP_ERR_TRUNCATED, why);
	if (capnet_arp_htype(&v) != ARP_HTYPE_ETHERNET || buf[CAPNET_ARP_HLEN] != ARP_HLEN_ETHERNET)
		return result(CAPNET_ARP_ERR_BAD_HTYPE, why);
	if (capnet_arp_ptype(&v) != ARP_PTYPE_IPV4 || buf[CAPNET_ARP_PLEN] != ARP_PLEN_IPV4)
		return result(CAPNET_ARP_ERR_BAD_PTYPE, why);
	uint16_t oper = capnet_arp_oper(&v);
	if (oper != CAPNET_ARP_REQUEST && oper != CAPNET_ARP_REPLY)
		return result(CAPNET_ARP_ERR_BAD_OP, why);

	out->oper = oper;
	memcpy(out->sha.b, buf + CAPNET_ARP_SHA, sizeof out->sha.b);
	out->spa = capnet_get32(buf + CAPNET_ARP_SPA);
	memcpy(out->tha.b, buf + CAPNET_ARP_THA, sizeof out->tha.b);
	out->tpa = capnet_get32(buf + CAPNET_ARP_TPA);
	return result(CAPNET_ARP_ERR_NONE, why);
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
