/* Ethernet II framing, with one 802.1Q tag tolerated on receive. */
#ifndef CAPNET_WIRE_ETHERNET_H
#define CAPNET_WIRE_ETHERNET_H

#include "capnet/err.h"
#include "capnet/types.h"

enum {
	CAPNET_ETH_DST = 0,   /* 6 bytes */
	CAPNET_ETH_SRC = 6,   /* 6 bytes */
	CAPNET_ETH_TYPE = 12, /* 2 bytes; 0x8100 means a VLAN tag follows */
	CAPNET_ETH_HDR_LEN = 14,
	CAPNET_ETH_VLAN_TCI = 14,   /* within a tagged frame */
	CAPNET_ETH_VLAN_TYPE = 16,  /* inner ethertype */
	CAPNET_ETH_VLAN_HDR_LEN = 18,
};

enum capnet_ethertype {
	CAPNET_ETHERTYPE_IPV4 = 0x0800,
	CAPNET_ETHERTYPE_ARP = 0x0806,
	CAPNET_ETHERTYPE_VLAN = 0x8100,
	CAPNET_ETHERTYPE_IPV6 = 0x86dd,
};

/* A view: a buffer whose length has been checked against the header. */
struct capnet_eth_view {
	const uint8_t *buf;
	size_t len;
};

/* CAPNET_E_TRUNCATED unless `len` holds the header (and the VLAN tag if the
 * type says one follows). */
capnet_err capnet_eth_view_check(struct capnet_eth_view *v, const uint8_t *buf, size_t len);
struct capnet_mac capnet_eth_dst(const struct capnet_eth_view *v);
struct capnet_mac capnet_eth_src(const struct capnet_eth_view *v);
uint16_t capnet_eth_outer_type(const struct capnet_eth_view *v);

struct capnet_eth_repr {
	struct capnet_mac dst;
	struct capnet_mac src;
	uint16_t ethertype;   /* inner type when tagged */
	bool vlan;            /* an 802.1Q tag was present */
	uint16_t vlan_tci;
	size_t header_len;    /* 14 or 18: where the payload starts */
};

/* Why a parse failed; the interface counts each under its drop counter. */
enum capnet_eth_error {
	CAPNET_ETH_ERR_NONE = 0,
	CAPNET_ETH_ERR_TRUNCATED,     /* E_TRUNCATED: < 14 bytes */
	CAPNET_ETH_ERR_TAG_TRUNCATED, /* E_TRUNCATED: type 0x8100 but < 18 bytes */
};
const char *capnet_eth_error_name(enum capnet_eth_error e);

/* The view check is the only failure. The type is reported as found: a
 * value below 0x0600 (an 802.3 length, LLC framing) or a second tag type
 * inside the first is for the dispatcher to drop as an unknown type.
 * `why` (may be NULL) gets the reason on failure, ERR_NONE on success. */
capnet_err capnet_eth_parse(const uint8_t *buf, size_t len, struct capnet_eth_repr *out,
			    enum capnet_eth_error *why);
size_t capnet_eth_emit_len(const struct capnet_eth_repr *r);
/* Writes the header (tagged if r->vlan) into buf, which must hold
 * capnet_eth_emit_len(r) bytes. Returns the header length. */
size_t capnet_eth_emit(const struct capnet_eth_repr *r, uint8_t *buf);

#endif
