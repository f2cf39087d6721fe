/* ICMPv4 (RFC 792, RFC 1122 3.2.2): echo responder, echo client hook,
 * errors received (handed to the protocol that sent the quoted datagram)
 * and errors sent (rate limited, never about errors or broadcasts). */
#include <string.h>

#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "../iface_internal.h"

/* Token bucket: a burst of ICMP_BURST errors, refilled one per interval. */
#define ICMP_BURST 8
#define ICMP_REFILL CAPNET_MS(125)

static capnet_err send_icmp(struct capnet_iface *ifc, capnet_ip4addr src, capnet_ip4addr dst,
			    const struct capnet_icmp4_repr *r, capnet_instant now)
{
	size_t cap;
	uint8_t *buf = capnet_ip4_tx_buffer(ifc, &cap);
	size_t n = capnet_icmp4_emit_len(r);
	if (n > cap)
		return CAPNET_E_MSGSIZE;
	capnet_icmp4_emit(r, buf);
	struct capnet_ip4_tx tx = {.src = src, .dst = dst, .proto = CAPNET_IPPROTO_ICMP};
	return capnet_ip4_send(ifc, &tx, n, now);
}

static void echo_request(struct capnet_iface *ifc, const struct capnet_l3_rx *rx,
			 const struct capnet_icmp4_repr *req, capnet_instant now)
{
	IFACE_COUNT(ifc, icmp_echo_requests);
	/* RFC 1122 3.2.2.6: MAY ignore echo to broadcast; we do by default to
	 * stay out of smurf amplification. */
	if (rx->ip_broadcast && !ifc->cfg.reply_broadcast_echo) {
		IFACE_COUNT(ifc, icmp_bcast_echo_ignored);
		return;
	}
	struct capnet_icmp4_repr reply = *req;
	reply.type = CAPNET_ICMP4_ECHO_REPLY;
	/* The request's data lives in the rx buffer; the reply is built in the
	 * tx buffer, so the copy in emit never overlaps. */
	capnet_ip4addr src = rx->ip_broadcast ? 0 : rx->dst4;
	if (send_icmp(ifc, src, rx->src4, &reply, now) == CAPNET_OK)
		IFACE_COUNT(ifc, icmp_echo_replies_sent);
}

/* The reasons capnet_icmp4_quote_parse gives after it has read the quoted
 * source, destination and protocol: the protocol that sent the datagram
 * hears of those (and counts them); the others are dropped here. */
static bool quote_names_sender(enum capnet_icmp4_error why)
{
	return why == CAPNET_ICMP4_ERR_QUOTE_BAD_HLEN || why == CAPNET_ICMP4_ERR_QUOTE_HLEN_BEYOND ||
	       why == CAPNET_ICMP4_ERR_QUOTE_L4_TRUNCATED;
}

/* An error quoting one of our echo requests goes to the echo clients. */
static void echo_error(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, const struct capnet_icmp4_quote *q,
		       capnet_instant now)
{
	struct capnet_echo_error e = {rx->src4, q->type, q->code, q->dst, q->echo_ident, q->echo_seq};
	for (struct capnet_echo_client *c = ifc->echo_clients; c; c = c->next)
		if (c->error)
			c->error(c->ctx, ifc, &e, now);
}

static void error_received(struct capnet_iface *ifc, const struct capnet_l3_rx *rx,
			   const struct capnet_icmp4_repr *r, capnet_instant now)
{
	if (r->type == CAPNET_ICMP4_DEST_UNREACH)
		IFACE_COUNT(ifc, icmp_dest_unreach_rcvd);
	else
		IFACE_COUNT(ifc, icmp_time_exceeded_rcvd);
	struct capnet_icmp4_quote q;
	enum capnet_icmp4_error why;
	if (capnet_icmp4_quote_parse(r, &q, &why) != CAPNET_OK && !quote_names_sender(why))
		return; /* no IPv4 header to tell whose datagram it was */
	/* Only errors about datagrams we sent (quoted source is us) reach a
	 * protocol: anything else is an off-path attempt to disturb it. */
	if (!capnet_iface_is_local(ifc, q.src))
		return;
	if (q.has_echo) {
		echo_error(ifc, rx, &q, now);
		return;
	}
	for (struct capnet_l4_protocol *p = ifc->protos; p; p = p->next)
		if (p->family == CAPNET_AF_INET && p->proto == q.proto && p->icmp_error)
			p->icmp_error(p->ctx, ifc, &q, why, now);
}

/* The drop counter for each reason the codec refuses a message. A short
 * quote counts as a bad code, as it always has: both are a message the
 * sender got wrong. */
static void count_icmp4_error(struct capnet_iface *ifc, enum capnet_icmp4_error why)
{
	static const enum capnet_stat by_reason[] = {
		[CAPNET_ICMP4_ERR_TRUNCATED] = CAPNET_STAT_icmp_tooshort,
		[CAPNET_ICMP4_ERR_BAD_CHECKSUM] = CAPNET_STAT_icmp_badsum,
		[CAPNET_ICMP4_ERR_UNKNOWN_TYPE] = CAPNET_STAT_icmp_unknown_type,
		[CAPNET_ICMP4_ERR_BAD_CODE] = CAPNET_STAT_icmp_badcode,
		[CAPNET_ICMP4_ERR_QUOTE_TRUNCATED] = CAPNET_STAT_icmp_badcode,
	};
	CAPNET_IFACE_COUNT_REASON(ifc, by_reason, why);
}

static void echo_reply(struct capnet_iface *ifc, const struct capnet_echo_reply *er, capnet_instant now)
{
	if (ifc->echo_fn && !er->checksum_bad)
		ifc->echo_fn(ifc->echo_ctx, er, now);
	for (struct capnet_echo_client *c = ifc->echo_clients; c; c = c->next)
		if (c->reply)
			c->reply(c->ctx, ifc, er, now);
}

/* A message that failed its checksum but looks like an echo reply: its
 * client hears of it (flagged), so the reply it waited for is counted as
 * dropped rather than simply missing. Nothing in it is trusted. */
static void corrupt_echo_reply(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, capnet_instant now)
{
	const uint8_t *p = rx->payload;
	if (ifc->echo_clients == NULL || rx->payload_len < CAPNET_ICMP4_HDR_LEN ||
	    p[CAPNET_ICMP4_TYPE] != CAPNET_ICMP4_ECHO_REPLY || p[CAPNET_ICMP4_CODE] != 0)
		return;
	struct capnet_echo_reply er = {rx->src4,
				       (uint16_t)(p[CAPNET_ICMP4_REST] << 8 | p[CAPNET_ICMP4_REST + 1]),
				       (uint16_t)(p[CAPNET_ICMP4_REST + 2] << 8 | p[CAPNET_ICMP4_REST + 3]),
				       rx->ttl,
				       p + CAPNET_ICMP4_HDR_LEN,
				       rx->payload_len - CAPNET_ICMP4_HDR_LEN,
				       true};
	echo_reply(ifc, &er, now);
}

void capnet_icmp4_input(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, capnet_instant now)
{
	struct capnet_icmp4_repr r;
	enum capnet_icmp4_error why;
	if (capnet_icmp4_parse(rx->payload, rx->payload_len, &r, &why) != CAPNET_OK) {
		count_icmp4_error(ifc, why);
		if (why == CAPNET_ICMP4_ERR_BAD_CHECKSUM)
			corrupt_echo_reply(ifc, rx, now);
		return;
	}
	switch (r.type) {
	case CAPNET_ICMP4_ECHO_REQUEST:
		echo_request(ifc, rx, &r, now);
		break;
	case CAPNET_ICMP4_ECHO_REPLY: {
		IFACE_COUNT(ifc, icmp_echo_replies_rcvd);
		struct capnet_echo_reply er = {rx->src4, r.ident, r.seq, rx->ttl, r.data, r.data_len, false};
		echo_reply(ifc, &er, now);
		break;
	}
	default:
		error_received(ifc, rx, &r, now);
		break;
	}
}

void capnet_icmp4_on_echo_reply(struct capnet_iface *ifc, capnet_echo_reply_fn fn, void *ctx)
{
	ifc->echo_fn = fn;
	ifc->echo_ctx = ctx;
}

void capnet_icmp4_add_echo_client(struct capnet_iface *ifc, struct capnet_echo_client *c)
{
	struct capnet_echo_client **p = &ifc->echo_clients;
	while (*p != NULL)
		p = &(*p)->next;
	c->next = NULL;
	*p = c;
}

capnet_err capnet_icmp4_echo_send(struct capnet_iface *ifc, capnet_ip4addr dst, uint16_t ident, uint16_t seq,
				  const uint8_t *data, size_t len, capnet_instant now)
{
	struct capnet_icmp4_repr r = {
		.type = CAPNET_ICMP4_ECHO_REQUEST, .ident = ident, .seq = seq, .data = data, .data_len = len};
	return send_icmp(ifc, 0, dst, &r, now);
}

static bool take_token(struct capnet_iface *ifc, capnet_instant now)
{
	int64_t add = (now - ifc->icmp_refill_at) / ICMP_REFILL;
	if (add > 0) {
		int64_t t = ifc->icmp_tokens + add;
		ifc->icmp_tokens = (uint8_t)(t > ICMP_BURST ? ICMP_BURST : t);
		ifc->icmp_refill_at += add * ICMP_REFILL;
	}
	if (ifc->icmp_tokens == ICMP_BURST)
		ifc->icmp_refill_at = now; /* a full bucket starts refilling when drawn */
	if (ifc->icmp_tokens == 0)
		return false;
	ifc->icmp_tokens--;
	return true;
}

static bool is_icmp_error(const struct capnet_l3_rx *rx)
{
	if (rx->proto != CAPNET_IPPROTO_ICMP || rx->payload_len < 1)
		return false;
	uint8_t t = rx->payload[CAPNET_ICMP4_TYPE];
	return t != CAPNET_ICMP4_ECHO_REQUEST && t != CAPNET_ICMP4_ECHO_REPLY;
}

capnet_err capnet_icmp4_send_error(struct capnet_iface *ifc, uint8_t type, uint8_t code,
				   const struct capnet_l3_rx *rx, capnet_instant now)
{
	/* RFC 1122 3.2.2: never about an ICMP error, a broadcast or multicast,
	 * or a datagram whose source is not a unicast host. */
	if (is_icmp_error(rx) || rx->ip_broadcast || rx->link_broadcast || rx->src4 == 0 ||
	    (rx->dst4 >> 28) == 0xe || !capnet_iface_is_local(ifc, rx->dst4))
		return CAPNET_E_INVAL;
	if (!take_token(ifc, now)) {
		IFACE_COUNT(ifc, icmp_errors_ratelimited);
		return CAPNET_E_AGAIN;
	}
	/* Quote the IP header and the first 8 bytes of its payload (RFC 792). */
	uint8_t quote[CAPNET_IP4_HDR_MAX + 8];
	size_t ql = rx->ip_header_len + (rx->payload_len < 8 ? rx->payload_len : 8);
	memcpy(quote, rx->ip_header, ql);
	struct capnet_icmp4_repr r = {.type = type, .code = code, .data = quote, .data_len = ql};
	capnet_err e = send_icmp(ifc, rx->dst4, rx->src4, &r, now);
	if (e == CAPNET_OK)
		IFACE_COUNT(ifc, icmp_errors_sent);
	return e;
}
