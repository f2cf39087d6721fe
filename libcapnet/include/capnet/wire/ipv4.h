/* IPv4 header (RFC 791). Options are skipped, never interpreted; fragments
 * are recognised so that a fragment is never parsed as a whole datagram. */
#ifndef CAPNET_WIRE_IPV4_H
#define CAPNET_WIRE_IPV4_H

#include "capnet/err.h"
#include "capnet/types.h"

enum {
	CAPNET_IP4_VER_IHL = 0,  /* 1: version (4 bits) | IHL in 32-bit words */
	CAPNET_IP4_TOS = 1,      /* 1: DSCP | ECN */
	CAPNET_IP4_TOTLEN = 2,   /* 2 */
	CAPNET_IP4_IDENT = 4,    /* 2 */
	CAPNET_IP4_FLAGS_FRAG = 6, /* 2: reserved | DF | MF | offset (13 bits, 8-byte units) */
	CAPNET_IP4_TTL = 8,
	CAPNET_IP4_PROTO = 9,
	CAPNET_IP4_CHECKSUM = 10,
	CAPNET_IP4_SRC = 12,
	CAPNET_IP4_DST = 16,
	CAPNET_IP4_HDR_LEN = 20, /* without options */
	CAPNET_IP4_HDR_MAX = 60,
};

#define CAPNET_IP4_FLAG_DF 0x4000u
#define CAPNET_IP4_FLAG_MF 0x2000u
#define CAPNET_IP4_FRAG_OFFSET_MASK 0x1fffu

enum capnet_ip_proto {
	CAPNET_IPPROTO_ICMP = 1,
	CAPNET_IPPROTO_TCP = 6,
	CAPNET_IPPROTO_UDP = 17,
	CAPNET_IPPROTO_ICMPV6 = 58,
};

struct capnet_ip4_view {
	const uint8_t *buf;
	size_t len; /* the checked length: total length from the header */
};

/* Why a header was refused, in the order it is checked; the interface
 * counts each under its ipstat-style drop counter. */
enum capnet_ip4_error {
	CAPNET_IP4_ERR_NONE = 0,
	CAPNET_IP4_ERR_TRUNCATED,     /* E_TRUNCATED: < 20 bytes */
	CAPNET_IP4_ERR_BAD_VERSION,   /* E_UNSUPPORTED: version not 4 */
	CAPNET_IP4_ERR_BAD_HLEN,      /* E_MALFORMED: IHL < 5 */
	CAPNET_IP4_ERR_HLEN_BEYOND,   /* E_TRUNCATED: IHL*4 beyond the buffer */
	CAPNET_IP4_ERR_BAD_TOTLEN,    /* E_MALFORMED: total length < IHL*4 */
	CAPNET_IP4_ERR_TOTLEN_BEYOND, /* E_TRUNCATED: total length beyond the buffer */
	CAPNET_IP4_ERR_BAD_CHECKSUM,  /* E_CHECKSUM (parse only) */
};
const char *capnet_ip4_error_name(enum capnet_ip4_error e);

/* Checks, in this order: len >= 20 (E_TRUNCATED), version 4 (E_UNSUPPORTED),
 * IHL >= 5 and IHL*4 <= len (E_MALFORMED if IHL < 5, E_TRUNCATED if beyond),
 * total length >= IHL*4 (E_MALFORMED) and <= len (E_TRUNCATED). Bytes beyond
 * the total length (Ethernet padding) are excluded from the view. Does not
 * verify the checksum. */
capnet_err capnet_ip4_view_check(struct capnet_ip4_view *v, const uint8_t *buf, size_t len);
uint8_t capnet_ip4_version(const struct capnet_ip4_view *v);
size_t capnet_ip4_header_len(const struct capnet_ip4_view *v);
uint16_t capnet_ip4_total_len(const struct capnet_ip4_view *v);
uint16_t capnet_ip4_ident(const struct capnet_ip4_view *v);
bool capnet_ip4_is_fragment(const struct capnet_ip4_view *v); /* MF set or offset != 0 */
uint8_t capnet_ip4_ttl(const struct capnet_ip4_view *v);
uint8_t capnet_ip4_proto(const struct capnet_ip4_view *v);
uint16_t capnet_ip4_checksum(const struct capnet_ip4_view *v);
capnet_ip4addr capnet_ip4_src(const struct capnet_ip4_view *v);
capnet_ip4addr capnet_ip4_dst(const struct capnet_ip4_view *v);
bool capnet_ip4_checksum_ok(const struct capnet_ip4_view *v);

struct capnet_ip4_repr {
	capnet_ip4addr src;
	capnet_ip4addr dst;
	uint8_t proto;
	uint8_t ttl;
	uint8_t tos;
	uint16_t ident;
	bool dont_fragment;
	bool more_fragments;    /* parse only */
	uint16_t frag_offset;   /* parse only, in bytes */
	size_t header_len;      /* parse: IHL*4; emit: always 20 */
	size_t payload_len;
};

/* View check + checksum (E_CHECKSUM). A fragment parses (the caller decides);
 * payload starts at buf + header_len and is payload_len long. `why` (may be
 * NULL) gets the reason on failure, ERR_NONE on success. */
capnet_err capnet_ip4_parse(const uint8_t *buf, size_t len, struct capnet_ip4_repr *out,
			    enum capnet_ip4_error *why);
size_t capnet_ip4_emit_len(const struct capnet_ip4_repr *r); /* 20 */
/* Emits a 20-byte header with a correct checksum for r->payload_len.
 * Returns 0 and writes nothing if payload_len exceeds 65515 (the total
 * length field would wrap). MF and the fragment offset are always 0. */
size_t capnet_ip4_emit(const struct capnet_ip4_repr *r, uint8_t *buf);

#endif
