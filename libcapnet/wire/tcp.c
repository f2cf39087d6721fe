/* TCP header (RFC 9293 3.1) and the options a host negotiates: MSS,
 * window scale and timestamps (RFC 7323), SACK (RFC 2018). The checksum
 * covers a pseudo-header owned by the IP layer, so parse and emit take its
 * partial sum and work unchanged over IPv4 and IPv6. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/tcp.h"

#define TCP_DOFF_MIN 5u
#define TCP_OPT_SPACE (CAPNET_TCP_HDR_MAX - CAPNET_TCP_HDR_LEN)

/* Option lengths (kind + length byte + value). */
#define OPTLEN_MSS 4u
#define OPTLEN_WSCALE 3u
#define OPTLEN_SACK_PERM 2u
#define OPTLEN_TIMESTAMP 10u
#define OPTLEN_SACK_BASE 2u
#define OPTLEN_SACK_BLOCK 8u

/* Emitted layouts, each a multiple of 4 bytes. */
#define EMIT_MSS 4u        /* 02 04 mm mm */
#define EMIT_TS 12u        /* 04 02 | 01 01, then 08 0a tsval tsecr */
#define EMIT_SACK_PERM 4u  /* 01 01 04 02, when no timestamp carries it */
#define EMIT_WSCALE 4u     /* 01 03 03 ws */
#define EMIT_SACK_HDR 4u   /* 01 01 05 len */

static size_t doff_bytes(const uint8_t *buf)
{
	return (size_t)(buf[CAPNET_TCP_OFF_FLAGS] >> 4) * 4u;
}

/* Each reason's name and the capnet_err it stands for. */
static const struct {
	const char *name;
	capnet_err err;
} reasons[] = {
	[CAPNET_TCP_ERR_NONE] = {"none", CAPNET_OK},
	[CAPNET_TCP_ERR_TRUNCATED] = {"truncated", CAPNET_E_TRUNCATED},
	[CAPNET_TCP_ERR_BAD_OFFSET] = {"bad_offset", CAPNET_E_MALFORMED},
	[CAPNET_TCP_ERR_OFFSET_BEYOND] = {"offset_beyond", CAPNET_E_TRUNCATED},
	[CAPNET_TCP_ERR_BAD_CHECKSUM] = {"bad_checksum", CAPNET_E_CHECKSUM},
	[CAPNET_TCP_ERR_BAD_OPTION] = {"bad_option", CAPNET_E_MALFORMED},
};

const char *capnet_tcp_error_name(enum capnet_tcp_error e)
{
	return (unsigned)e < sizeof reasons / sizeof reasons[0] ? reasons[e].name : "?";
}

/* The one place the header is checked: the view and the parse share it. */
static enum capnet_tcp_error view_init(struct capnet_tcp_view *v, const uint8_t *buf, size_t len)
{
	if (len < CAPNET_TCP_HDR_LEN)
		return CAPNET_TCP_ERR_TRUNCATED;
	size_t hl = doff_bytes(buf);
	if (hl < TCP_DOFF_MIN * 4u)
		return CAPNET_TCP_ERR_BAD_OFFSET;
	if (hl > len)
		return CAPNET_TCP_ERR_OFFSET_BEYOND;
	v->buf = buf;
	v->len = len; /* TCP has no length field: the segment is what IP gave */
	return CAPNET_TCP_ERR_NONE;
}

capnet_err capnet_tcp_view_check(struct capnet_tcp_view *v, const uint8_t *buf, size_t len)
{
	return reasons[view_init(v, buf, len)].err;
}

uint16_t capnet_tcp_src_port(const struct capnet_tcp_view *v)
{
	return capnet_get16(v->buf + CAPNET_TCP_SRC_PORT);
}

uint16_t capnet_tcp_dst_port(const struct capnet_tcp_view *v)
{
	return capnet_get16(v->buf + CAPNET_TCP_DST_PORT);
}

uint32_t capnet_tcp_seq(const struct capnet_tcp_view *v)
{
	return capnet_get32(v->buf + CAPNET_TCP_SEQ);
}

uint32_t capnet_tcp_ack(const struct capnet_tcp_view *v)
{
	return capnet_get32(v->buf + CAPNET_TCP_ACK);
}

size_t capnet_tcp_header_len(const struct capnet_tcp_view *v)
{
	return doff_bytes(v->buf);
}

uint8_t capnet_tcp_flags(const struct capnet_tcp_view *v)
{
	return v->buf[CAPNET_TCP_OFF_FLAGS + 1];
}

uint16_t capnet_tcp_window(const struct capnet_tcp_view *v)
{
	return capnet_get16(v->buf + CAPNET_TCP_WINDOW);
}

uint16_t capnet_tcp_checksum(const struct capnet_tcp_view *v)
{
	return capnet_get16(v->buf + CAPNET_TCP_CHECKSUM);
}

uint16_t capnet_tcp_urgent(const struct capnet_tcp_view *v)
{
	return capnet_get16(v->buf + CAPNET_TCP_URGENT);
}

/* `p` is the option's value, `vlen` its length (option length - 2), already
 * inside the option area. A wrong fixed length is malformed rather than
 * skipped: a peer that sends MSS with length 3 is not one to guess about. */
static capnet_err option_value(uint8_t kind, const uint8_t *p, size_t vlen, struct capnet_tcp_options *out)
{
	switch (kind) {
	case CAPNET_TCPOPT_MSS:
		if (vlen != OPTLEN_MSS - 2)
			return CAPNET_E_MALFORMED;
		out->has_mss = true;
		out->mss = capnet_get16(p);
		return CAPNET_OK;
	case CAPNET_TCPOPT_WSCALE:
		if (vlen != OPTLEN_WSCALE - 2)
			return CAPNET_E_MALFORMED;
		out->has_wscale = true;
		out->wscale = p[0];
		return CAPNET_OK;
	case CAPNET_TCPOPT_SACK_PERM:
		if (vlen != OPTLEN_SACK_PERM - 2)
			return CAPNET_E_MALFORMED;
		out->sack_permitted = true;
		return CAPNET_OK;
	case CAPNET_TCPOPT_TIMESTAMP:
		if (vlen != OPTLEN_TIMESTAMP - 2)
			return CAPNET_E_MALFORMED;
		out->has_timestamp = true;
		out->ts_val = capnet_get32(p);
		out->ts_ecr = capnet_get32(p + 4);
		return CAPNET_OK;
	case CAPNET_TCPOPT_SACK: {
		size_t n = vlen / OPTLEN_SACK_BLOCK;
		if (vlen % OPTLEN_SACK_BLOCK != 0 || n == 0 || n > CAPNET_TCP_MAX_SACK_BLOCKS)
			return CAPNET_E_MALFORMED;
		for (size_t i = 0; i < n; i++) {
			out->sack[i].left = capnet_get32(p + i * OPTLEN_SACK_BLOCK);
			out->sack[i].right = capnet_get32(p + i * OPTLEN_SACK_BLOCK + 4);
		}
		out->sack_count = (uint8_t)n;
		return CAPNET_OK;
	}
	default:
		return CAPNET_OK; /* unknown kinds are skipped (RFC 9293 3.2) */
	}
}

capnet_err capnet_tcp_options_parse(const uint8_t *opt, size_t len, struct capnet_tcp_options *out)
{
	memset(out, 0, sizeof *out);
	size_t i = 0;
	while (i < len) {
		uint8_t kind = opt[i];
		if (kind == CAPNET_TCPOPT_EOL)
			break;
		if (kind == CAPNET_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return CAPNET_E_MALFORMED; /* no room for the length byte */
		size_t olen = opt[i + 1];
		/* A length below 2 would loop forever or back up: the classic
		 * option-walker bug. */
		if (olen < 2 || olen > len - i)
			return CAPNET_E_MALFORMED;
		capnet_err err = option_value(kind, opt + i + 2, olen - 2, out);
		if (err != CAPNET_OK)
			return err;
		i += olen;
	}
	return CAPNET_OK;
}

/* SACK blocks that fit in what the other options leave of the 40 bytes. */
static size_t sack_blocks_fitting(const struct capnet_tcp_options *o, size_t used)
{
	size_t n = o->sack_count;
	if (n > CAPNET_TCP_MAX_SACK_BLOCKS)
		n = CAPNET_TCP_MAX_SACK_BLOCKS;
	if (n == 0 || used + EMIT_SACK_HDR + OPTLEN_SACK_BLOCK > TCP_OPT_SPACE)
		return 0;
	size_t room = (TCP_OPT_SPACE - used - EMIT_SACK_HDR) / OPTLEN_SACK_BLOCK;
	return n < room ? n : room;
}

static size_t fixed_options_len(const struct capnet_tcp_options *o)
{
	size_t n = 0;
	if (o->has_mss)
		n += EMIT_MSS;
	if (o->has_timestamp)
		n += EMIT_TS;
	else if (o->sack_permitted)
		n += EMIT_SACK_PERM;
	if (o->has_wscale)
		n += EMIT_WSCALE;
	return n; /* at most 20 */
}

size_t capnet_tcp_options_len(const struct capnet_tcp_options *o)
{
	size_t n = fixed_options_len(o);
	size_t blocks = sack_blocks_fitting(o, n);
	if (blocks > 0)
		n += EMIT_SACK_HDR + blocks * OPTLEN_SACK_BLOCK;
	return n;
}

size_t capnet_tcp_options_emit(const struct capnet_tcp_options *o, uint8_t *buf)
{
	uint8_t *p = buf;
	if (o->has_mss) {
		p[0] = CAPNET_TCPOPT_MSS;
		p[1] = OPTLEN_MSS;
		capnet_put16(p + 2, o->mss);
		p += EMIT_MSS;
	}
	if (o->has_timestamp) {
		/* SACK-permitted rides in the two bytes that would be NOPs. */
		p[0] = o->sack_permitted ? CAPNET_TCPOPT_SACK_PERM : CAPNET_TCPOPT_NOP;
		p[1] = o->sack_permitted ? OPTLEN_SACK_PERM : CAPNET_TCPOPT_NOP;
		p[2] = CAPNET_TCPOPT_TIMESTAMP;
		p[3] = OPTLEN_TIMESTAMP;
		capnet_put32(p + 4, o->ts_val);
		capnet_put32(p + 8, o->ts_ecr);
		p += EMIT_TS;
	} else if (o->sack_permitted) {
		p[0] = CAPNET_TCPOPT_NOP;
		p[1] = CAPNET_TCPOPT_NOP;
		p[2] = CAPNET_TCPOPT_SACK_PERM;
		p[3] = OPTLEN_SACK_PERM;
		p += EMIT_SACK_PERM;
	}
	if (o->has_wscale) {
		p[0] = CAPNET_TCPOPT_NOP;
		p[1] = CAPNET_TCPOPT_WSCALE;
		p[2] = OPTLEN_WSCALE;
		p[3] = o->wscale;
		p += EMIT_WSCALE;
	}
	size_t blocks = sack_blocks_fitting(o, (size_t)(p - buf));
	if (blocks > 0) {
		p[0] = CAPNET_TCPOPT_NOP;
		p[1] = CAPNET_TCPOPT_NOP;
		p[2] = CAPNET_TCPOPT_SACK;
		p[3] = (uint8_t)(OPTLEN_SACK_BASE + blocks * OPTLEN_SACK_BLOCK);
		p += EMIT_SACK_HDR;
		for (size_t i = 0; i < blocks; i++) {
			capnet_put32(p, o->sack[i].left);
			capnet_put32(p + 4, o->sack[i].right);
			p += OPTLEN_SACK_BLOCK;
		}
	}
	return (size_t)(p - buf);
}

static void fill_repr(const struct capnet_tcp_view *v, const uint8_t *buf, size_t len, size_t hl,
		      struct capnet_tcp_repr *out)
{
	out->src_port = capnet_tcp_src_port(v);
	out->dst_port = capnet_tcp_dst_port(v);
	out->seq = capnet_tcp_seq(v);
	out->ack = capnet_tcp_ack(v);
	out->flags = capnet_tcp_flags(v);
	out->window = capnet_tcp_window(v);
	out->urgent = capnet_tcp_urgent(v);
	out->payload = buf + hl;
	out->payload_len = len - hl;
}

static enum capnet_tcp_error parse(const uint8_t *buf, size_t len, uint32_t pseudo, bool check_sum,
				   struct capnet_tcp_repr *out)
{
	struct capnet_tcp_view v;
	enum capnet_tcp_error e = view_init(&v, buf, len);
	if (e != CAPNET_TCP_ERR_NONE)
		return e;
	if (check_sum && capnet_csum_finish(capnet_csum_partial(buf, len, pseudo)) != 0)
		return CAPNET_TCP_ERR_BAD_CHECKSUM;
	size_t hl = capnet_tcp_header_len(&v);
	if (capnet_tcp_options_parse(buf + CAPNET_TCP_HDR_LEN, hl - CAPNET_TCP_HDR_LEN, &out->opt) != CAPNET_OK)
		return CAPNET_TCP_ERR_BAD_OPTION;
	fill_repr(&v, buf, len, hl, out);
	return CAPNET_TCP_ERR_NONE;
}

capnet_err capnet_tcp_parse(const uint8_t *buf, size_t len, uint32_t pseudo, struct capnet_tcp_repr *out,
			    enum capnet_tcp_error *why)
{
	enum capnet_tcp_error e = parse(buf, len, pseudo, true, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

capnet_err capnet_tcp_parse_verified(const uint8_t *buf, size_t len, struct capnet_tcp_repr *out,
				     enum capnet_tcp_error *why)
{
	enum capnet_tcp_error e = parse(buf, len, 0, false, out);
	if (why)
		*why = e;
	return reasons[e].err;
}

static enum capnet_tcp_error parse_header(const uint8_t *buf, size_t len, uint32_t pseudo,
					  struct capnet_tcp_repr *out, uint16_t *header_sum)
{
	struct capnet_tcp_view v;
	enum capnet_tcp_error e = view_init(&v, buf, len);
	if (e != CAPNET_TCP_ERR_NONE)
		return e;
	size_t hl = capnet_tcp_header_len(&v);
	*header_sum = capnet_csum_partial(buf, hl, pseudo);
	if (capnet_tcp_options_parse(buf + CAPNET_TCP_HDR_LEN, hl - CAPNET_TCP_HDR_LEN, &out->opt) != CAPNET_OK) {
		/* as capnet_tcp_parse: damage anywhere is a bad checksum first */
		if (!capnet_tcp_payload_sum_ok(*header_sum, capnet_csum_partial(buf + hl, len - hl, 0)))
			return CAPNET_TCP_ERR_BAD_CHECKSUM;
		return CAPNET_TCP_ERR_BAD_OPTION;
	}
	fill_repr(&v, buf, len, hl, out);
	return CAPNET_TCP_ERR_NONE;
}

capnet_err capnet_tcp_parse_header(const uint8_t *buf, size_t len, uint32_t pseudo, struct capnet_tcp_repr *out,
				   enum capnet_tcp_error *why, uint16_t *header_sum)
{
	uint16_t sum = 0;
	enum capnet_tcp_error e = parse_header(buf, len, pseudo, out, &sum);
	if (header_sum)
		*header_sum = sum;
	if (why)
		*why = e;
	return reasons[e].err;
}

bool capnet_tcp_payload_sum_ok(uint16_t header_sum, uint16_t payload_sum)
{
	/* The header is a multiple of 4 bytes: the payload's words line up. */
	return capnet_csum_finish(capnet_csum_add_at(header_sum, payload_sum, 0)) == 0;
}

size_t capnet_tcp_emit_len(const struct capnet_tcp_repr *r)
{
	return CAPNET_TCP_HDR_LEN + capnet_tcp_options_len(&r->opt) + r->payload_len;
}

/* Header and options into buf[0, hl), checksum field zero. */
static size_t emit_header(const struct capnet_tcp_repr *r, uint8_t *buf)
{
	size_t hl = CAPNET_TCP_HDR_LEN + capnet_tcp_options_len(&r->opt);
	capnet_put16(buf + CAPNET_TCP_SRC_PORT, r->src_port);
	capnet_put16(buf + CAPNET_TCP_DST_PORT, r->dst_port);
	capnet_put32(buf + CAPNET_TCP_SEQ, r->seq);
	capnet_put32(buf + CAPNET_TCP_ACK, r->ack);
	buf[CAPNET_TCP_OFF_FLAGS] = (uint8_t)((hl / 4u) << 4); /* reserved bits zero */
	buf[CAPNET_TCP_OFF_FLAGS + 1] = r->flags;
	capnet_put16(buf + CAPNET_TCP_WINDOW, r->window);
	capnet_put16(buf + CAPNET_TCP_CHECKSUM, 0);
	capnet_put16(buf + CAPNET_TCP_URGENT, r->urgent);
	capnet_tcp_options_emit(&r->opt, buf + CAPNET_TCP_HDR_LEN);
	return hl;
}

size_t capnet_tcp_emit(const struct capnet_tcp_repr *r, uint8_t *buf, uint32_t pseudo)
{
	size_t hl = CAPNET_TCP_HDR_LEN + capnet_tcp_options_len(&r->opt);
	size_t total = hl + r->payload_len;
	if (r->payload_len > 0 && r->payload != buf + hl)
		memmove(buf + hl, r->payload, r->payload_len);
	emit_header(r, buf);
	capnet_put16(buf + CAPNET_TCP_CHECKSUM, capnet_csum_finish(capnet_csum_partial(buf, total, pseudo)));
	return total;
}

size_t capnet_tcp_emit_summed(const struct capnet_tcp_repr *r, uint8_t *buf, uint32_t pseudo, uint16_t payload_sum)
{
	size_t hl = emit_header(r, buf);
	/* hl is a multiple of 4: the payload's words line up with the
	 * header's, so its sum adds in as it is. */
	uint16_t sum = capnet_csum_add_at(capnet_csum_partial(buf, hl, pseudo), payload_sum, hl);
	capnet_put16(buf + CAPNET_TCP_CHECKSUM, capnet_csum_finish(sum));
	return hl + r->payload_len;
}
