/* Ethernet II framing (IEEE 802.3 clause 3.2.6 type field), with a single
 * 802.1Q tag accepted on receive and emitted on request. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/ethernet.h"

/* Each reason's name and the capnet_err it stands for. */
static const struct {
	const char *name;
	capnet_err err;
} reasons[] = {
	[CAPNET_ETH_ERR_NONE] = {"none", CAPNET_OK},
	[CAPNET_ETH_ERR_TRUNCATED] = {"truncated", CAPNET_E_TRUNCATED},
	[CAPNET_ETH_ERR_TAG_TRUNCATED] = {"tag_truncated", CAPNET_E_TRUNCATED},
};

const char *capnet_eth_error_name(enum capnet_eth_error e)
{
	return (unsigned)e < sizeof reasons / sizeof reasons[0] ? reasons[e].name : "?";
}

/* The one place the header is checked: the view and the parse share it. */
static enum capnet_eth_error view_init(struct capnet_eth_view *v, const uint8_t *buf, size_t len)
{
	if (len < CAPNET_ETH_HDR_LEN)
		return CAPNET_ETH_ERR_TRUNCATED;
	if (capnet_get16(buf + CAPNET_ETH_TYPE) == CAPNET_ETHERTYPE_VLAN && len < CAPNET_ETH_VLAN_HDR_LEN)
		return CAPNET_ETH_ERR_TAG_TRUNCATED;
	v->buf = buf;
	v->len = len;
	return CAPNET_ETH_ERR_NONE;
}

capnet_err capnet_eth_view_check(struct capnet_eth_view *v, const uint8_t *buf, size_t len)
{
	return reasons[view_init(v, buf, len)].err;
}

static struct capnet_mac mac_at(const uint8_t *p)
{
	struct capnet_mac m;
	memcpy(m.b, p, sizeof m.b);
	return m;
}

struct capnet_mac capnet_eth_dst(const struct capnet_eth_view *v)
{
	return mac_at(v->buf + CAPNET_ETH_DST);
}

struct capnet_mac capnet_eth_src(const struct capnet_eth_view *v)
{
	return mac_at(v->buf + CAPNET_ETH_SRC);
}

uint16_t capnet_eth_outer_type(const struct capnet_eth_view *v)
{
	return capnet_get16(v->buf + CAPNET_ETH_TYPE);
}

static enum capnet_eth_error parse(const uint8_t *buf, size_t len, struct capnet_eth_repr *out)
{
	struct capnet_eth_view v;
	enum capnet_eth_error e = view_init(&v, buf, len);
	if (e != CAPNET_ETH_ERR_NONE)
		return e;

	uint16_t type = capnet_eth_outer_type(&v);
	bool vlan = type == CAPNET_ETHERTYPE_VLAN;
	uint16_t tci = 0;
	/* One tag only: under a second (QinQ) tag the inner type reads 0x8100
	 * or 0x88a8, which no protocol handler claims, so dispatch drops the
	 * frame as an unknown type. */
	if (vlan) {
		tci = capnet_get16(buf + CAPNET_ETH_VLAN_TCI);
		type = capnet_get16(buf + CAPNET_ETH_VLAN_TYPE);
	}

	out->dst = capnet_eth_dst(&v);
	out->src = capnet_eth_src(&v);
	out->ethertype = type;
	out->vlan = vlan;
	out->vlan_tci = tci;
	out->header_len = vlan ? CAPNET_ETH_VLAN_HDR_LEN : CAPNET_ETH_HDR_LEN;
	return CAPNET_ETH_ERR_NONE;
}

capnet_err capnet_eth_parse(const uint8_t *buf, size_t len, struct capnet_eth_repr *out,
			    enum capnet_eth_error *why)
{
	enum capnet_eth_error e = parse(buf, len, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

size_t capnet_eth_emit_len(const struct capnet_eth_repr *r)
{
	return r->vlan ? CAPNET_ETH_VLAN_HDR_LEN : CAPNET_ETH_HDR_LEN;
}

size_t capnet_eth_emit(const struct capnet_eth_repr *r, uint8_t *buf)
{
	memcpy(buf + CAPNET_ETH_DST, r->dst.b, sizeof r->dst.b);
	memcpy(buf + CAPNET_ETH_SRC, r->src.b, sizeof r->src.b);
	if (!r->vlan) {
		capnet_put16(buf + CAPNET_ETH_TYPE, r->ethertype);
		return CAPNET_ETH_HDR_LEN;
	}
	capnet_put16(buf + CAPNET_ETH_TYPE, CAPNET_ETHERTYPE_VLAN);
	capnet_put16(buf + CAPNET_ETH_VLAN_TCI, r->vlan_tci);
	capnet_put16(buf + CAPNET_ETH_VLAN_TYPE, r->ethertype);
	return CAPNET_ETH_VLAN_HDR_LEN;
}
