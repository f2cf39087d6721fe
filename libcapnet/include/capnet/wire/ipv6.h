/* IPv6 header (RFC 8200) and the walk over its extension headers. The walk
 * is bounded in count and bytes, so a chain built to loop or to run long
 * ends in a reason, never in a long loop; a fragment header is reported so
 * that a fragment is never parsed as a whole datagram. */
#ifndef CAPNET_WIRE_IPV6_H
#define CAPNET_WIRE_IPV6_H

#include "capnet/err.h"
#include "capnet/types.h"

enum {
	CAPNET_IP6_VER_TC_FL = 0,  /* 4: version (4 bits) | traffic class (8) | flow label (20) */
	CAPNET_IP6_PAYLOAD_LEN = 4, /* 2 */
	CAPNET_IP6_NEXT_HEADER = 6,
	CAPNET_IP6_HOP_LIMIT = 7,
	CAPNET_IP6_SRC = 8,        /* 16 */
	CAPNET_IP6_DST = 24,       /* 16 */
	CAPNET_IP6_HDR_LEN = 40,
	CAPNET_IP6_MIN_MTU = 1280, /* RFC 8200 5 */
};

/* Next-header values the walk knows (IANA "IPv6 Extension Header Types"). */
enum capnet_ip6_next_header {
	CAPNET_IP6_NH_HOPOPTS = 0,
	CAPNET_IP6_NH_ROUTING = 43,
	CAPNET_IP6_NH_FRAGMENT = 44,
	CAPNET_IP6_NH_NONE = 59,
	CAPNET_IP6_NH_DSTOPTS = 60,
};

/* Bounds of the walk: RFC 8200 4.1 recommends each header at most once
 * (destination options twice), so more than 8 is abuse; 1024 bytes of
 * extension headers is far beyond any real use (RFC 7112 asks for the
 * whole chain in the first fragment; Linux caps option bytes at 8*256). */
#define CAPNET_IP6_EXT_MAX_COUNT 8
#define CAPNET_IP6_EXT_MAX_BYTES 1024

/* Why a header or its chain was refused, in the order checked. */
enum capnet_ip6_error {
	CAPNET_IP6_ERR_NONE = 0,
	CAPNET_IP6_ERR_TRUNCATED,        /* E_TRUNCATED: < 40 bytes */
	CAPNET_IP6_ERR_BAD_VERSION,      /* E_UNSUPPORTED: version not 6 */
	CAPNET_IP6_ERR_PLEN_BEYOND,      /* E_TRUNCATED: payload length beyond the buffer */
	/* capnet_ip6_ext_walk only: */
	CAPNET_IP6_ERR_EXT_TRUNCATED,    /* E_TRUNCATED: an extension header runs past the payload */
	CAPNET_IP6_ERR_EXT_TOO_MANY,     /* E_MALFORMED: more than CAPNET_IP6_EXT_MAX_COUNT headers */
	CAPNET_IP6_ERR_EXT_TOO_LONG,     /* E_MALFORMED: more than CAPNET_IP6_EXT_MAX_BYTES of them */
	CAPNET_IP6_ERR_HOPOPTS_NOT_FIRST, /* E_MALFORMED: hop-by-hop anywhere but first (RFC 8200 4.1) */
	CAPNET_IP6_ERR_BAD_OPTION,       /* E_MALFORMED: an option TLV runs past its header */
	CAPNET_IP6_ERR_UNKNOWN_OPTION,   /* E_UNSUPPORTED: an option whose type says discard (4.2) */
	CAPNET_IP6_ERR_ROUTING,          /* E_UNSUPPORTED: segments left != 0 (a host forwards nothing) */
};
const char *capnet_ip6_error_name(enum capnet_ip6_error e);

struct capnet_ip6_repr {
	struct capnet_ip6addr src;
	struct capnet_ip6addr dst;
	uint8_t next_header;
	uint8_t hop_limit;
	uint8_t traffic_class;
	uint32_t flow_label;
	size_t payload_len; /* from the header; the view holds 40 + payload_len */
};

/* Checks, in order: len >= 40, version 6, payload length <= len - 40.
 * Bytes beyond the payload length (Ethernet padding) are not the
 * datagram's. `why` (may be NULL) gets the reason, ERR_NONE on success. */
capnet_err capnet_ip6_parse(const uint8_t *buf, size_t len, struct capnet_ip6_repr *out,
			    enum capnet_ip6_error *why);
/* Writes the 40-byte header; 0 (nothing written) if payload_len > 65535
 * (jumbograms are not spoken). */
size_t capnet_ip6_emit(const struct capnet_ip6_repr *r, uint8_t *buf);

/* What the extension-header walk found. Offsets count from the first byte
 * of the IPv6 header. */
struct capnet_ip6_ext {
	uint8_t proto;         /* the upper-layer next header (or 59, or 44 at a fragment) */
	size_t offset;         /* where the upper-layer header starts */
	size_t nh_offset;      /* the byte that named `proto` (for a parameter problem) */
	unsigned count;        /* extension headers walked */
	/* Fragment header (RFC 8200 4.5): the walk stops there unless the
	 * fragment is atomic (offset 0, M clear: RFC 6946), which is a whole
	 * datagram and is walked on. */
	bool fragment;
	bool atomic_fragment;
	uint16_t frag_offset;  /* bytes */
	bool more_fragments;
	uint32_t frag_ident;
	/* On ERR_UNKNOWN_OPTION, ERR_ROUTING, ERR_HOPOPTS_NOT_FIRST: the
	 * ICMPv6 parameter problem code and pointer RFC 8200 asks for, and
	 * whether it may be sent to a multicast destination (option action
	 * 10 may; 11 may not). pp_code 0xff: discard silently (action 01). */
	uint8_t pp_code;
	uint32_t pp_pointer;
	bool pp_even_multicast;
};

/* Walks the chain of the datagram `pkt` (header included; `len` is
 * 40 + payload length as capnet_ip6_parse accepted it). Hop-by-hop and
 * destination options have their TLVs checked (Pad1, PadN skipped;
 * another type's two high bits choose the action of RFC 8200 4.2). A
 * routing header with segments left 0 is skipped; any other is refused
 * (a host is not a router). */
capnet_err capnet_ip6_ext_walk(const uint8_t *pkt, size_t len, struct capnet_ip6_ext *out,
			       enum capnet_ip6_error *why);

/* Address helpers (RFC 4291). */
bool capnet_ip6_is_unspecified(const struct capnet_ip6addr *a);
bool capnet_ip6_is_multicast(const struct capnet_ip6addr *a);
bool capnet_ip6_is_link_local(const struct capnet_ip6addr *a); /* fe80::/10 */
bool capnet_ip6_is_loopback(const struct capnet_ip6addr *a);
bool capnet_ip6_eq(const struct capnet_ip6addr *a, const struct capnet_ip6addr *b);
/* The first `len` bits of a and b are equal. */
bool capnet_ip6_prefix_eq(const struct capnet_ip6addr *a, const struct capnet_ip6addr *b, uint8_t len);
/* ff02::1:ffXX:XXXX for a (RFC 4291 2.7.1). */
struct capnet_ip6addr capnet_ip6_solicited_node(const struct capnet_ip6addr *a);
/* 33:33 + the low 32 bits of a multicast address (RFC 2464 7). */
struct capnet_mac capnet_ip6_multicast_mac(const struct capnet_ip6addr *a);
/* ff02::1 (all nodes) and ff02::2 (all routers). */
extern const struct capnet_ip6addr capnet_ip6_all_nodes;
extern const struct capnet_ip6addr capnet_ip6_all_routers;

#endif
