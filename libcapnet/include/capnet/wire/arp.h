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

/* E_TRUNCATED below 28 bytes; E_UNSUPPORTED unless Ethernet/IPv4 with
 * hlen 6 and plen 4; E_MALFORMED for an operation other than 1 or 2.
 * Trailing padding (frames are padded to 60 bytes) is ignored. */
capnet_err capnet_arp_parse(const uint8_t *buf, size_t len, struct capnet_arp_repr *out);
size_t capnet_arp_emit_len(const struct capnet_arp_repr *r);
size_t capnet_arp_emit(const struct capnet_arp_repr *r, uint8_t *buf);

#endif
