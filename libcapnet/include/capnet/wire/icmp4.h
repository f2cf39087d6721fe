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

/* E_TRUNCATED below 8 bytes; E_CHECKSUM on a bad checksum; E_UNSUPPORTED
 * for a type other than the four above; E_MALFORMED for an error message
 * whose quote is shorter than an IPv4 header, or an unknown code for the
 * type (echo code != 0, time exceeded code > 1, unreachable code > 15). */
capnet_err capnet_icmp4_parse(const uint8_t *buf, size_t len, struct capnet_icmp4_repr *out);
size_t capnet_icmp4_emit_len(const struct capnet_icmp4_repr *r);
/* Writes header + data (data may overlap buf, e.g. an echo reply built in
 * place over its request); returns 8 + data_len. */
size_t capnet_icmp4_emit(const struct capnet_icmp4_repr *r, uint8_t *buf);

#endif
