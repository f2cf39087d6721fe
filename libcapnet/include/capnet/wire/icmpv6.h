/* ICMPv6 (RFC 4443): echo, destination unreachable, packet too big, time
 * exceeded, parameter problem; the NDP types (RFC 4861) are recognised
 * here and their bodies read by capnet/wire/ndp.h. The checksum covers the
 * IPv6 pseudo-header, so parse and emit take both addresses. */
#ifndef CAPNET_WIRE_ICMPV6_H
#define CAPNET_WIRE_ICMPV6_H

#include "capnet/err.h"
#include "capnet/types.h"

enum {
	CAPNET_ICMP6_TYPE = 0,
	CAPNET_ICMP6_CODE = 1,
	CAPNET_ICMP6_CHECKSUM = 2,
	CAPNET_ICMP6_REST = 4, /* echo: ident(2) seq(2); PTB: MTU(4); PP: pointer(4) */
	CAPNET_ICMP6_HDR_LEN = 8,
};

enum capnet_icmp6_type {
	CAPNET_ICMP6_DEST_UNREACH = 1,
	CAPNET_ICMP6_PKT_TOO_BIG = 2,
	CAPNET_ICMP6_TIME_EXCEEDED = 3,
	CAPNET_ICMP6_PARAM_PROBLEM = 4,
	CAPNET_ICMP6_ECHO_REQUEST = 128,
	CAPNET_ICMP6_ECHO_REPLY = 129,
	CAPNET_ICMP6_ROUTER_SOLICIT = 133,
	CAPNET_ICMP6_ROUTER_ADVERT = 134,
	CAPNET_ICMP6_NEIGHBOR_SOLICIT = 135,
	CAPNET_ICMP6_NEIGHBOR_ADVERT = 136,
	CAPNET_ICMP6_REDIRECT = 137,
};

enum capnet_icmp6_unreach_code {
	CAPNET_ICMP6_NO_ROUTE = 0,
	CAPNET_ICMP6_ADMIN_PROHIBITED = 1,
	CAPNET_ICMP6_BEYOND_SCOPE = 2,
	CAPNET_ICMP6_ADDR_UNREACH = 3,
	CAPNET_ICMP6_PORT_UNREACH = 4,
	CAPNET_ICMP6_SRC_POLICY = 5,
	CAPNET_ICMP6_REJECT_ROUTE = 6,
};

enum capnet_icmp6_param_code {
	CAPNET_ICMP6_PP_HEADER_FIELD = 0,
	CAPNET_ICMP6_PP_NEXT_HEADER = 1,
	CAPNET_ICMP6_PP_OPTION = 2,
};

struct capnet_icmp6_repr {
	uint8_t type;
	uint8_t code;
	uint16_t ident;   /* echo */
	uint16_t seq;     /* echo */
	uint32_t mtu;     /* packet too big */
	uint32_t pointer; /* parameter problem */
	/* echo: the data; errors: the quoted datagram; NDP: the body after
	 * the 4-byte ICMPv6 header (for capnet_ndp_parse). Points into the
	 * parsed buffer, or is copied from on emit. */
	const uint8_t *data;
	size_t data_len;
};

enum capnet_icmp6_error {
	CAPNET_ICMP6_ERR_NONE = 0,
	CAPNET_ICMP6_ERR_TRUNCATED,       /* E_TRUNCATED: < 8 bytes */
	CAPNET_ICMP6_ERR_BAD_CHECKSUM,    /* E_CHECKSUM */
	CAPNET_ICMP6_ERR_UNKNOWN_TYPE,    /* E_UNSUPPORTED: an informational type not above */
	CAPNET_ICMP6_ERR_BAD_CODE,        /* E_MALFORMED: a code the type does not have */
	CAPNET_ICMP6_ERR_QUOTE_TRUNCATED, /* E_MALFORMED: an error quoting < 40 bytes */
	/* capnet_icmp6_quote_parse only: */
	CAPNET_ICMP6_ERR_NOT_AN_ERROR,    /* E_INVAL */
	CAPNET_ICMP6_ERR_QUOTE_BAD_VERSION, /* E_MALFORMED: the quoted version is not 6 */
	CAPNET_ICMP6_ERR_QUOTE_L4_TRUNCATED, /* E_MALFORMED: quoted TCP < 8 bytes, UDP < 4 */
};
const char *capnet_icmp6_error_name(enum capnet_icmp6_error e);

bool capnet_icmp6_is_error(uint8_t type); /* type < 128 (RFC 4443 2.1) */

/* E_TRUNCATED below 8 bytes; E_CHECKSUM unless the sum over the
 * pseudo-header (src, dst, length, 58) and the message is right;
 * E_UNSUPPORTED for an informational type not listed above (RFC 4443
 * 2.4 b: discarded) and for an unknown error type; E_MALFORMED for a code
 * the type does not have (echo and NDP: 0; unreachable <= 6; time
 * exceeded <= 1; parameter problem <= 2) or an error quoting less than an
 * IPv6 header. `why` (may be NULL) gets the reason. */
capnet_err capnet_icmp6_parse(const uint8_t *buf, size_t len, const struct capnet_ip6addr *src,
			      const struct capnet_ip6addr *dst, struct capnet_icmp6_repr *out,
			      enum capnet_icmp6_error *why);

/* What an error says about the datagram it quotes (as much of it as
 * fits, RFC 4443 2.4 c). Only a transport header right after the fixed
 * header is read: a quote is a prefix and its chain may be cut. */
struct capnet_icmp6_quote {
	uint8_t type;
	uint8_t code;
	uint32_t mtu;      /* packet too big */
	uint32_t pointer;  /* parameter problem */
	struct capnet_ip6addr src;
	struct capnet_ip6addr dst;
	uint8_t next_header;
	bool has_ports;
	uint16_t src_port;
	uint16_t dst_port;
	bool has_seq;
	uint32_t seq;
	bool has_echo;     /* an echo request: its ident and seq */
	uint16_t echo_ident;
	uint16_t echo_seq;
};
capnet_err capnet_icmp6_quote_parse(const struct capnet_icmp6_repr *msg, struct capnet_icmp6_quote *out,
				    enum capnet_icmp6_error *why);

size_t capnet_icmp6_emit_len(const struct capnet_icmp6_repr *r); /* 8 + data_len */
/* Writes header and data (data may overlap buf) with the checksum over the
 * pseudo-header of src and dst. For the NDP types use capnet_ndp_emit. */
size_t capnet_icmp6_emit(const struct capnet_icmp6_repr *r, const struct capnet_ip6addr *src,
			 const struct capnet_ip6addr *dst, uint8_t *buf);
/* Stores the checksum of an already written message of `len` bytes. */
void capnet_icmp6_seal(uint8_t *buf, size_t len, const struct capnet_ip6addr *src, const struct capnet_ip6addr *dst);

#endif
