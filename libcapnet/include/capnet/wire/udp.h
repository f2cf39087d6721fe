/* UDP (RFC 768) over IPv4 and IPv6: the same header, a pseudo-header per family. */
#ifndef CAPNET_WIRE_UDP_H
#define CAPNET_WIRE_UDP_H

#include "capnet/err.h"
#include "capnet/types.h"

enum {
	CAPNET_UDP_SRC_PORT = 0,
	CAPNET_UDP_DST_PORT = 2,
	CAPNET_UDP_LENGTH = 4,
	CAPNET_UDP_CHECKSUM = 6,
	CAPNET_UDP_HDR_LEN = 8,
};

struct capnet_udp_view {
	const uint8_t *buf;
	size_t len; /* the UDP length field, checked <= buffer */
};

/* Why a datagram was refused, in the order it is checked; the UDP layer
 * counts each under its drop counter. */
enum capnet_udp_error {
	CAPNET_UDP_ERR_NONE = 0,
	CAPNET_UDP_ERR_TRUNCATED,     /* E_TRUNCATED: < 8 bytes */
	CAPNET_UDP_ERR_BAD_LENGTH,    /* E_MALFORMED: length field < 8 */
	CAPNET_UDP_ERR_LENGTH_BEYOND, /* E_TRUNCATED: length field beyond the buffer */
	CAPNET_UDP_ERR_BAD_CHECKSUM,  /* E_CHECKSUM (parse only) */
	CAPNET_UDP_ERR_ZERO_CHECKSUM, /* E_CHECKSUM: 0 over IPv6, where it is mandatory (RFC 8200 8.1) */
};
const char *capnet_udp_error_name(enum capnet_udp_error e);

/* E_TRUNCATED below 8 bytes or when the length field exceeds len;
 * E_MALFORMED when the length field is below 8. Bytes beyond the length
 * field are excluded from the view. */
capnet_err capnet_udp_view_check(struct capnet_udp_view *v, const uint8_t *buf, size_t len);
uint16_t capnet_udp_src_port(const struct capnet_udp_view *v);
uint16_t capnet_udp_dst_port(const struct capnet_udp_view *v);
uint16_t capnet_udp_length(const struct capnet_udp_view *v);
uint16_t capnet_udp_checksum(const struct capnet_udp_view *v);

struct capnet_udp_repr {
	uint16_t src_port;
	uint16_t dst_port;
	const uint8_t *payload; /* points into the parsed buffer / copied on emit */
	size_t payload_len;
	bool checksum_absent;   /* parse: the sender sent 0 (allowed on IPv4) */
};

/* View check, then the checksum against the IPv4 pseudo-header (src, dst
 * host order): E_CHECKSUM if wrong; a zero checksum is accepted (RFC 768).
 * `why` (may be NULL) gets the reason on failure, ERR_NONE on success. */
capnet_err capnet_udp_parse4(const uint8_t *buf, size_t len, capnet_ip4addr src, capnet_ip4addr dst,
			     struct capnet_udp_repr *out, enum capnet_udp_error *why);
size_t capnet_udp_emit_len(const struct capnet_udp_repr *r);
/* Emits header + payload with the checksum over the IPv4 pseudo-header; a
 * computed checksum of 0 is sent as 0xffff (RFC 768). Returns 0 and writes
 * nothing if payload_len exceeds 65527 (the length field would wrap). */
size_t capnet_udp_emit4(const struct capnet_udp_repr *r, uint8_t *buf, capnet_ip4addr src, capnet_ip4addr dst);

/* The same over IPv6: the checksum covers the IPv6 pseudo-header (RFC 8200
 * 8.1) and is mandatory, so a zero one is refused (ERR_ZERO_CHECKSUM,
 * E_CHECKSUM) and a computed 0 is sent as 0xffff. */
capnet_err capnet_udp_parse6(const uint8_t *buf, size_t len, const struct capnet_ip6addr *src,
			     const struct capnet_ip6addr *dst, struct capnet_udp_repr *out, enum capnet_udp_error *why);
size_t capnet_udp_emit6(const struct capnet_udp_repr *r, uint8_t *buf, const struct capnet_ip6addr *src,
			const struct capnet_ip6addr *dst);

#endif
