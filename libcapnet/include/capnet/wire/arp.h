/* ARP for IPv4 over Ethernet (RFC 826). */
#ifndef CAPNET_WIRE_ARP_H
#define CAPNET_WIRE_ARP_H

#include "capnet/err.h"
#include "capnet/types.h"

enum {
	CAPNET_ARP_HTYPE = 0, /* 2: 1 = Ethernet */
	CAPNET_ARP_PTYPE = 2, /* 2: 0x0800 */
	CAPNET_ARP_HLEN = 4,  /* 1: 6 */
	CAPNET_ARP_PLEN = 5,  /* 1: 4 */
	CAPNET_ARP_OPER = 6,  /* 2 */
	CAPNET_ARP_SHA = 8,   /* 6 */
	CAPNET_ARP_SPA = 14,  /* 4 */
	CAPNET_ARP_THA = 18,  /* 6 */
	CAPNET_ARP_TPA = 24,  /* 4 */
	CAPNET_ARP_LEN = 28,
};

enum capnet_arp_op { CAPNET_ARP_REQUEST = 1, CAPNET_ARP_REPLY = 2 };

struct capnet_arp_view {
	const uint8_t *buf;
	size_t len;
};

capnet_err capnet_arp_view_check(struct capnet_arp_view *v, const uint8_t *buf, size_t len);
uint16_t capnet_arp_htype(const struct capnet_arp_view *v);
uint16_t capnet_arp_ptype(const struct capnet_arp_view *v);
uint16_t capnet_arp_oper(const struct capnet_arp_view *v);

struct capnet_arp_repr {
	uint16_t oper;
	struct capnet_mac sha;
	capnet_ip4addr spa;
	struct capnet_mac tha;
	capnet_ip4addr tpa;
};

/* Why a parse failed; the interface counts each under its drop counter. */
enum capnet_arp_error {
	CAPNET_ARP_ERR_NONE = 0,
	CAPNET_ARP_ERR_TRUNCATED, /* E_TRUNCATED: < 28 bytes */
	CAPNET_ARP_ERR_BAD_HTYPE, /* E_UNSUPPORTED: hardware not Ethernet (htype 1, hlen 6) */
	CAPNET_ARP_ERR_BAD_PTYPE, /* E_UNSUPPORTED: protocol not IPv4 (ptype 0x0800, plen 4) */
	CAPNET_ARP_ERR_BAD_OP,    /* E_MALFORMED: operation not 1 or 2 */
};
const char *capnet_arp_error_name(enum capnet_arp_error e);

/* Checks in the order of the reasons above. Trailing padding (frames are
 * padded to 60 bytes) is ignored. `why` (may be NULL) gets the reason on
 * failure, ERR_NONE on success. */
capnet_err capnet_arp_parse(const uint8_t *buf, size_t len, struct capnet_arp_repr *out,
			    enum capnet_arp_error *why);
size_t capnet_arp_emit_len(const struct capnet_arp_repr *r);
size_t capnet_arp_emit(const struct capnet_arp_repr *r, uint8_t *buf);

#endif
