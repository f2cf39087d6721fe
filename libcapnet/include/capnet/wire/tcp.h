/* TCP header and options (RFC 9293 3.1, RFC 7323, RFC 2018). Address-family
 * neutral: the checksum takes a pseudo-header partial sum, so IPv6 drops in. */
#ifndef CAPNET_WIRE_TCP_H
#define CAPNET_WIRE_TCP_H

#include "capnet/err.h"
#include "capnet/types.h"

enum {
	CAPNET_TCP_SRC_PORT = 0,
	CAPNET_TCP_DST_PORT = 2,
	CAPNET_TCP_SEQ = 4,
	CAPNET_TCP_ACK = 8,
	CAPNET_TCP_OFF_FLAGS = 12, /* data offset (4 bits) | reserved (4) | flags (8) */
	CAPNET_TCP_WINDOW = 14,
	CAPNET_TCP_CHECKSUM = 16,
	CAPNET_TCP_URGENT = 18,
	CAPNET_TCP_HDR_LEN = 20,
	CAPNET_TCP_HDR_MAX = 60,
};

#define CAPNET_TCP_FIN 0x01u
#define CAPNET_TCP_SYN 0x02u
#define CAPNET_TCP_RST 0x04u
#define CAPNET_TCP_PSH 0x08u
#define CAPNET_TCP_ACK_FLAG 0x10u
#define CAPNET_TCP_URG 0x20u
#define CAPNET_TCP_ECE 0x40u
#define CAPNET_TCP_CWR 0x80u

enum capnet_tcp_option_kind {
	CAPNET_TCPOPT_EOL = 0,
	CAPNET_TCPOPT_NOP = 1,
	CAPNET_TCPOPT_MSS = 2,        /* len 4 */
	CAPNET_TCPOPT_WSCALE = 3,     /* len 3 */
	CAPNET_TCPOPT_SACK_PERM = 4,  /* len 2 */
	CAPNET_TCPOPT_SACK = 5,       /* len 2 + 8n, n = 1..4 */
	CAPNET_TCPOPT_TIMESTAMP = 8,  /* len 10 */
};

#define CAPNET_TCP_MAX_SACK_BLOCKS 4

struct capnet_tcp_sack_block {
	uint32_t left;  /* first sequence number of the block */
	uint32_t right; /* sequence number just past the block */
};

struct capnet_tcp_view {
	const uint8_t *buf;
	size_t len;
};

/* Why a segment was refused, in the order it is checked; the TCP layer
 * counts each under its tcpstat-style drop counter. */
enum capnet_tcp_error {
	CAPNET_TCP_ERR_NONE = 0,
	CAPNET_TCP_ERR_TRUNCATED,     /* E_TRUNCATED: < 20 bytes */
	CAPNET_TCP_ERR_BAD_OFFSET,    /* E_MALFORMED: data offset < 5 */
	CAPNET_TCP_ERR_OFFSET_BEYOND, /* E_TRUNCATED: data offset beyond the buffer */
	CAPNET_TCP_ERR_BAD_CHECKSUM,  /* E_CHECKSUM (parse only) */
	CAPNET_TCP_ERR_BAD_OPTION,    /* E_MALFORMED: see capnet_tcp_options_parse (parse only) */
};
const char *capnet_tcp_error_name(enum capnet_tcp_error e);

/* E_TRUNCATED below 20 bytes or when the data offset points past len;
 * E_MALFORMED when the data offset is below 5. */
capnet_err capnet_tcp_view_check(struct capnet_tcp_view *v, const uint8_t *buf, size_t len);
uint16_t capnet_tcp_src_port(const struct capnet_tcp_view *v);
uint16_t capnet_tcp_dst_port(const struct capnet_tcp_view *v);
uint32_t capnet_tcp_seq(const struct capnet_tcp_view *v);
uint32_t capnet_tcp_ack(const struct capnet_tcp_view *v);
size_t capnet_tcp_header_len(const struct capnet_tcp_view *v);
uint8_t capnet_tcp_flags(const struct capnet_tcp_view *v);
uint16_t capnet_tcp_window(const struct capnet_tcp_view *v);
uint16_t capnet_tcp_checksum(const struct capnet_tcp_view *v);
uint16_t capnet_tcp_urgent(const struct capnet_tcp_view *v);

/* Options, as parsed or to be emitted. A has_* flag says the option is
 * present; unknown options are skipped on parse and never emitted. */
struct capnet_tcp_options {
	bool has_mss;
	uint16_t mss;
	bool has_wscale;
	uint8_t wscale;        /* parse: as sent (the caller clamps to 14, RFC 7323 2.3) */
	bool sack_permitted;
	bool has_timestamp;
	uint32_t ts_val;
	uint32_t ts_ecr;
	uint8_t sack_count;    /* 0..4 */
	struct capnet_tcp_sack_block sack[CAPNET_TCP_MAX_SACK_BLOCKS];
};

struct capnet_tcp_repr {
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;         /* CAPNET_TCP_* bits */
	uint16_t window;       /* raw field, unscaled */
	uint16_t urgent;
	struct capnet_tcp_options opt;
	const uint8_t *payload;
	size_t payload_len;
};

/* Parses options from the option bytes (between byte 20 and the data
 * offset). E_MALFORMED for an option whose length byte is < 2, runs past
 * the option area, or does not match its kind's fixed length (MSS 4,
 * WSCALE 3, SACK_PERM 2, TIMESTAMP 10, SACK 2+8n with n 1..4). EOL ends
 * parsing; NOP is skipped; an unknown kind with a sane length is skipped. */
capnet_err capnet_tcp_options_parse(const uint8_t *opt, size_t len, struct capnet_tcp_options *out);
/* Bytes capnet_tcp_options_emit writes: a multiple of 4, at most 40. */
size_t capnet_tcp_options_len(const struct capnet_tcp_options *o);
/* Emits in the order MSS, SACK-permitted, timestamps, window scale, SACK
 * blocks, with NOPs so 4-byte fields stay aligned (the layout Linux uses:
 * MSS; SACK_PERM+TS as 04 02 08 0a ...; NOP WSCALE; NOP NOP SACK).
 * The option area holds 40 bytes: SACK blocks that do not fit after the
 * other options are left off from the end (RFC 2018 3: with timestamps
 * at most 3 fit), as are any beyond sack_count or the fourth. */
size_t capnet_tcp_options_emit(const struct capnet_tcp_options *o, uint8_t *buf);

/* View check, the checksum, then the options, so a corrupted segment is a
 * bad checksum whatever bytes the corruption hit. `pseudo` is the partial
 * sum of the pseudo-header (capnet_csum_pseudo4/6 with the segment length).
 * Payload points into buf. `why` (may be NULL) gets the reason on failure,
 * ERR_NONE on success. */
capnet_err capnet_tcp_parse(const uint8_t *buf, size_t len, uint32_t pseudo, struct capnet_tcp_repr *out,
			    enum capnet_tcp_error *why);
/* capnet_tcp_parse with the checksum over the payload left to the caller,
 * for a receiver that sums the payload while copying it where it belongs
 * (capnet_csum_copy) instead of reading it twice. Checks everything
 * capnet_tcp_parse checks except that; *header_sum (may not be NULL)
 * gets the partial sum of the pseudo-header and the TCP header. The
 * segment is good only once capnet_tcp_payload_sum_ok(*header_sum, sum of
 * the payload) holds: nothing may be done with it before. A segment whose
 * options are malformed is still reported BAD_CHECKSUM when its checksum
 * is wrong, as capnet_tcp_parse does. */
capnet_err capnet_tcp_parse_header(const uint8_t *buf, size_t len, uint32_t pseudo, struct capnet_tcp_repr *out,
				   enum capnet_tcp_error *why, uint16_t *header_sum);
bool capnet_tcp_payload_sum_ok(uint16_t header_sum, uint16_t payload_sum);
/* The same without the checksum, for a segment whose checksum the NIC
 * verified or that never crossed a wire (capnet_nic_rx_info.csum_valid):
 * the field may hold only the pseudo-header sum. */
capnet_err capnet_tcp_parse_verified(const uint8_t *buf, size_t len, struct capnet_tcp_repr *out,
				     enum capnet_tcp_error *why);
size_t capnet_tcp_emit_len(const struct capnet_tcp_repr *r);
/* Writes header, options and payload (copied) with the checksum computed
 * over `pseudo` (which must be for capnet_tcp_emit_len(r) bytes). The
 * payload is moved (memmove) before the header is written, so it may
 * already lie in buf, e.g. where a parse found it. */
size_t capnet_tcp_emit(const struct capnet_tcp_repr *r, uint8_t *buf, uint32_t pseudo);
/* capnet_tcp_emit for a payload already in place at buf + header length
 * (r->payload_len bytes; r->payload is not read) whose partial sum the
 * caller took while copying it there (capnet_csum_copy): the payload is
 * neither moved nor read again. */
size_t capnet_tcp_emit_summed(const struct capnet_tcp_repr *r, uint8_t *buf, uint32_t pseudo, uint16_t payload_sum);

/* Wraparound-safe sequence comparisons (RFC 9293 3.4, "modulo 2^32"). */
static inline bool capnet_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool capnet_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool capnet_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool capnet_seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}
static inline uint32_t capnet_seq_max(uint32_t a, uint32_t b)
{
	return capnet_seq_gt(a, b) ? a : b;
}
static inline uint32_t capnet_seq_min(uint32_t a, uint32_t b)
{
	return capnet_seq_lt(a, b) ? a : b;
}

#endif
