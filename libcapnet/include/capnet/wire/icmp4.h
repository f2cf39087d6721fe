/* ICMPv4 (RFC 792): echo, destination unreachable, time exceeded. */
#ifndef CAPNET_WIRE_ICMP4_H
#define CAPNET_WIRE_ICMP4_H

#include "capnet/err.h"
#include "capnet/types.h"

enum {
	CAPNET_ICMP4_TYPE = 0,
	CAPNET_ICMP4_CODE = 1,
	CAPNET_ICMP4_CHECKSUM = 2,
	CAPNET_ICMP4_REST = 4,   /* echo: ident(2) seq(2); unreach: unused(2) next-hop MTU(2) */
	CAPNET_ICMP4_HDR_LEN = 8,
};

enum capnet_icmp4_type {
	CAPNET_ICMP4_ECHO_REPLY = 0,
	CAPNET_ICMP4_DEST_UNREACH = 3,
	CAPNET_ICMP4_ECHO_REQUEST = 8,
	CAPNET_ICMP4_TIME_EXCEEDED = 11,
};

enum capnet_icmp4_unreach_code {
	CAPNET_ICMP4_NET_UNREACH = 0,
	CAPNET_ICMP4_HOST_UNREACH = 1,
	CAPNET_ICMP4_PROTO_UNREACH = 2,
	CAPNET_ICMP4_PORT_UNREACH = 3,
	CAPNET_ICMP4_FRAG_NEEDED = 4,
};

struct capnet_icmp4_view {
	const uint8_t *buf;
	size_t len;
};

capnet_err capnet_icmp4_view_check(struct capnet_icmp4_view *v, const uint8_t *buf, size_t len);
uint8_t capnet_icmp4_type(const struct capnet_icmp4_view *v);
uint8_t capnet_icmp4_code(const struct capnet_icmp4_view *v);
uint16_t capnet_icmp4_checksum(const struct capnet_icmp4_view *v);
uint16_t capnet_icmp4_ident(const struct capnet_icmp4_view *v); /* echo only */
uint16_t capnet_icmp4_seq(const struct capnet_icmp4_view *v);   /* echo only */
bool capnet_icmp4_checksum_ok(const struct capnet_icmp4_view *v); /* over the whole message */

struct capnet_icmp4_repr {
	uint8_t type;
	uint8_t code;
	/* echo request/reply */
	uint16_t ident;
	uint16_t seq;
	/* dest unreachable code 4 */
	uint16_t next_hop_mtu;
	/* echo: the echoed data; errors: the quoted IP header + first 8 bytes
	 * (RFC 792) — at most what the buffer holds. Points into the parsed
	 * buffer, or is copied from on emit. */
	const uint8_t *data;
	size_t data_len;
};

/* Why a message, or the datagram an error quotes, was refused, in the
 * order each is checked; the interface and the protocols count each under
 * their drop counters. */
enum capnet_icmp4_error {
	CAPNET_ICMP4_ERR_NONE = 0,
	CAPNET_ICMP4_ERR_TRUNCATED,          /* E_TRUNCATED: < 8 bytes */
	CAPNET_ICMP4_ERR_BAD_CHECKSUM,       /* E_CHECKSUM */
	CAPNET_ICMP4_ERR_UNKNOWN_TYPE,       /* E_UNSUPPORTED: not one of the four types above */
	CAPNET_ICMP4_ERR_BAD_CODE,           /* E_MALFORMED: a code the type does not have */
	CAPNET_ICMP4_ERR_QUOTE_TRUNCATED,    /* E_MALFORMED: an error quoting < 20 bytes */
	/* capnet_icmp4_quote_parse only: */
	CAPNET_ICMP4_ERR_NOT_AN_ERROR,       /* E_INVAL: an echo quotes nothing */
	CAPNET_ICMP4_ERR_QUOTE_BAD_VERSION,  /* E_MALFORMED: the quoted version is not 4 */
	CAPNET_ICMP4_ERR_QUOTE_BAD_HLEN,     /* E_MALFORMED: the quoted IHL < 5 */
	CAPNET_ICMP4_ERR_QUOTE_HLEN_BEYOND,  /* E_MALFORMED: the quoted IHL*4 runs past the quote */
	CAPNET_ICMP4_ERR_QUOTE_L4_TRUNCATED, /* E_MALFORMED: quoted TCP < 8 bytes, UDP < 4 */
};
const char *capnet_icmp4_error_name(enum capnet_icmp4_error e);

/* E_TRUNCATED below 8 bytes; E_CHECKSUM on a bad checksum; E_UNSUPPORTED
 * for a type other than the four above; E_MALFORMED for an unknown code
 * for the type (echo code != 0, time exceeded code > 1, unreachable code
 * > 15) or an error message whose quote is shorter than an IPv4 header.
 * `why` (may be NULL) gets the reason on failure, ERR_NONE on success. */
capnet_err capnet_icmp4_parse(const uint8_t *buf, size_t len, struct capnet_icmp4_repr *out,
			      enum capnet_icmp4_error *why);

/* What an error (destination unreachable, time exceeded) says about the
 * datagram it quotes: RFC 792 quotes its IP header and first 8 bytes. */
struct capnet_icmp4_quote {
	uint8_t type;
	uint8_t code;
	uint16_t next_hop_mtu; /* frag needed (RFC 1191); 0: the router reported none */
	capnet_ip4addr src;    /* the quoted datagram's: ours, if the error is genuine */
	capnet_ip4addr dst;
	uint8_t proto;
	size_t header_len;     /* the quoted IHL*4 */
	bool has_ports;        /* TCP and UDP */
	uint16_t src_port;
	uint16_t dst_port;
	bool has_seq;          /* TCP */
	uint32_t seq;
	bool has_echo;         /* ICMP: the quoted message is an echo request */
	uint16_t echo_ident;   /* ...and names its identifier and sequence */
	uint16_t echo_seq;
};

/* Reads the quote of an error that capnet_icmp4_parse accepted. Checks, in
 * order: an error type (NOT_AN_ERROR), a 20-byte quoted header
 * (QUOTE_TRUNCATED), version 4 (QUOTE_BAD_VERSION). From there on type,
 * code, next_hop_mtu, src, dst and proto are set even if a later check
 * fails, so the protocol that sent the datagram can count the refusal:
 * IHL >= 5 (QUOTE_BAD_HLEN), the quoted header within the quote
 * (QUOTE_HLEN_BEYOND), then the transport bytes that name the flow
 * (QUOTE_L4_TRUNCATED): TCP's ports and sequence number (8 bytes), UDP's
 * ports (4). A quoted ICMP echo request with its 8-byte header whole
 * sets has_echo with its identifier and sequence number (shorter, it is
 * not an error: it names nobody). `why` (may be NULL) gets the reason,
 * ERR_NONE on success. */
capnet_err capnet_icmp4_quote_parse(const struct capnet_icmp4_repr *msg, struct capnet_icmp4_quote *out,
				    enum capnet_icmp4_error *why);
size_t capnet_icmp4_emit_len(const struct capnet_icmp4_repr *r);
/* Writes header + data (data may overlap buf, e.g. an echo reply built in
 * place over its request); returns 8 + data_len. */
size_t capnet_icmp4_emit(const struct capnet_icmp4_repr *r, uint8_t *buf);

#endif
