/* ICMPv6 (RFC 4443) on the interface: echo responder and the echo client
 * hooks, errors received (path MTU from packet too big, RFC 8201; the
 * errors about our echo requests to their caller) and errors sent, rate
 * limited by a token bucket on the caller's clock (2.4 f). NDP messages go
 * to nd.c and slaac.c. */
#include <string.h>

#include "ip6_internal.h"

#define ICMP6_BURST 8
#define ICMP6_REFILL CAPNET_MS(125)

static capnet_err send_icmp6(struct capnet_iface *ifc, const struct capnet_ip6addr *src,
			     const struct capnet_ip6addr *dst, const struct capnet_icmp6_repr *r, capnet_instant now)
{
	size_t cap;
	uint8_t *buf = capnet_ip6_tx_buffer(ifc, &cap);
	size_t n = capnet_icmp6_emit_len(r);
	if (n > cap)
		return CAPNET_E_MSGSIZE;
	struct capnet_ip6_tx tx = {.dst = *dst, .next_header = CAPNET_IPPROTO_ICMPV6};
	if (src)
		tx.src = *src;
	else if (!capnet_ip6_select_source(ifc, dst, &tx.src))
		return CAPNET_E_NOTCONFIGURED;
	capnet_icmp6_emit(r, &tx.src, &tx.dst, buf);
	return capnet_ip6_send(ifc, &tx, n, now);
}

static void echo_request(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, const struct capnet_icmp6_repr *req,
			 capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	IP6_COUNT(ip6, icmp6_echo_requests);
	struct capnet_icmp6_repr reply = *req;
	reply.type = CAPNET_ICMP6_ECHO_REPLY;
	/* To a group (ff02::1): answer from an address of ours (RFC 4443 4.2). */
	const struct capnet_ip6addr *src = rx->ip_broadcast ? NULL : &rx->dst.u.v6;
	if (send_icmp6(ifc, src, &rx->src.u.v6, &reply, now) == CAPNET_OK)
		IP6_COUNT(ip6, icmp6_echo_replies_sent);
}

static void pmtu_record(struct capnet_ip6 *ip6, const struct capnet_ip6addr *dst, uint32_t mtu, capnet_instant now)
{
	/* RFC 8201 4: never below 1280, never above the link's. */
	if (mtu < CAPNET_IP6_MIN_MTU)
		mtu = CAPNET_IP6_MIN_MTU;
	if (mtu >= ip6->link_mtu)
		return;
	struct ip6_pmtu *slot = NULL;
	for (int i = 0; i < IP6_PMTU_MAX; i++) {
		struct ip6_pmtu *p = &ip6->pmtu[i];
		if (p->mtu != 0 && capnet_ip6_eq(&p->dst, dst)) {
			slot = p;
			break;
		}
		if (slot == NULL || (slot->mtu != 0 && (p->mtu == 0 || p->expires < slot->expires)))
			slot = p;
	}
	slot->dst = *dst;
	slot->mtu = (uint16_t)mtu;
	slot->expires = now + PMTU_TIMEOUT;
	IP6_COUNT(ip6, pmtu_updates);
}

void ip6_pmtu_poll(struct capnet_ip6 *ip6, capnet_instant now)
{
	for (int i = 0; i < IP6_PMTU_MAX; i++)
		if (ip6->pmtu[i].mtu != 0 && now >= ip6->pmtu[i].expires)
			ip6->pmtu[i].mtu = 0;
}

uint16_t capnet_ip6_path_mtu(const struct capnet_iface *ifc, const struct capnet_ip6addr *dst)
{
	if (ifc->ip6 == NULL)
		return 0;
	for (int i = 0; i < IP6_PMTU_MAX; i++)
		if (ifc->ip6->pmtu[i].mtu != 0 && capnet_ip6_eq(&ifc->ip6->pmtu[i].dst, dst))
			return ifc->ip6->pmtu[i].mtu;
	return ifc->ip6->link_mtu;
}

static void error_received(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, const struct capnet_icmp6_repr *r,
			   capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	switch (r->type) {
	case CAPNET_ICMP6_DEST_UNREACH: IP6_COUNT(ip6, icmp6_dest_unreach_rcvd); break;
	case CAPNET_ICMP6_PKT_TOO_BIG: IP6_COUNT(ip6, icmp6_pkt_too_big_rcvd); break;
	case CAPNET_ICMP6_TIME_EXCEEDED: IP6_COUNT(ip6, icmp6_time_exceeded_rcvd); break;
	default: IP6_COUNT(ip6, icmp6_param_problem_rcvd); break;
	}
	struct capnet_icmp6_quote q;
	if (capnet_icmp6_quote_parse(r, &q, NULL) != CAPNET_OK)
		return;
	/* Only errors about datagrams we sent: anything else is off-path. */
	struct ip6_addr_slot *own = ip6_addr_find(ip6, &q.src);
	if (own == NULL)
		return;
	if (r->type == CAPNET_ICMP6_PKT_TOO_BIG)
		pmtu_record(ip6, &q.dst, q.mtu, now);
	if (q.has_echo && ip6->err_fn) {
		struct capnet_echo6_error e = {.from = rx->src.u.v6, .type = q.type, .code = q.code, .mtu = q.mtu,
					       .pointer = q.pointer, .ident = q.echo_ident, .seq = q.echo_seq};
		ip6->err_fn(ip6->err_ctx, &e, now);
	}
}

static void count_icmp6_error(struct capnet_ip6 *ip6, enum capnet_icmp6_error why)
{
	switch (why) {
	case CAPNET_ICMP6_ERR_TRUNCATED: IP6_COUNT(ip6, icmp6_tooshort); break;
	case CAPNET_ICMP6_ERR_BAD_CHECKSUM: IP6_COUNT(ip6, icmp6_badsum); break;
	case CAPNET_ICMP6_ERR_UNKNOWN_TYPE: IP6_COUNT(ip6, icmp6_unknown_type); break;
	default: IP6_COUNT(ip6, icmp6_badcode); break;
	}
}

void capnet_icmp6_input(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	struct capnet_icmp6_repr r;
	enum capnet_icmp6_error why;
	if (capnet_icmp6_parse(rx->payload, rx->payload_len, &rx->src.u.v6, &rx->dst.u.v6, &r, &why) != CAPNET_OK) {
		count_icmp6_error(ip6, why);
		return;
	}
	/* A tentative destination hears only DAD (RFC 4862 5.4). */
	const struct ip6_addr_slot *own = rx->ip_broadcast ? NULL : ip6_addr_find(ip6, &rx->dst.u.v6);
	bool tentative = own && own->i.state == CAPNET_IP6_ADDR_TENTATIVE;
	if (tentative && r.type != CAPNET_ICMP6_NEIGHBOR_SOLICIT && r.type != CAPNET_ICMP6_NEIGHBOR_ADVERT) {
		IP6_COUNT(ip6, ip6_not_for_us);
		return;
	}
	switch (r.type) {
	case CAPNET_ICMP6_ECHO_REQUEST:
		echo_request(ifc, rx, &r, now);
		break;
	case CAPNET_ICMP6_ECHO_REPLY:
		IP6_COUNT(ip6, icmp6_echo_replies_rcvd);
		if (ip6->echo_fn) {
			struct capnet_echo6_reply er = {rx->src.u.v6, r.ident, r.seq, rx->ttl, r.data, r.data_len};
			ip6->echo_fn(ip6->echo_ctx, &er, now);
		}
		break;
	case CAPNET_ICMP6_ROUTER_SOLICIT:
	case CAPNET_ICMP6_ROUTER_ADVERT:
	case CAPNET_ICMP6_NEIGHBOR_SOLICIT:
	case CAPNET_ICMP6_NEIGHBOR_ADVERT:
		nd_input(ifc, rx, &r, now);
		break;
	case CAPNET_ICMP6_REDIRECT:
		IP6_COUNT(ip6, icmp6_unknown_type); /* not acted on: see wire/icmpv6.c */
		break;
	default:
		error_received(ifc, rx, &r, now);
		break;
	}
}

void capnet_icmp6_on_echo_reply(struct capnet_iface *ifc, capnet_echo6_reply_fn fn, void *ctx)
{
	if (ifc->ip6 == NULL)
		return;
	ifc->ip6->echo_fn = fn;
	ifc->ip6->echo_ctx = ctx;
}

void capnet_icmp6_on_echo_error(struct capnet_iface *ifc, capnet_echo6_error_fn fn, void *ctx)
{
	if (ifc->ip6 == NULL)
		return;
	ifc->ip6->err_fn = fn;
	ifc->ip6->err_ctx = ctx;
}

capnet_err capnet_icmp6_echo_send(struct capnet_iface *ifc, const struct capnet_ip6addr *dst, uint16_t ident,
				  uint16_t seq, const uint8_t *data, size_t len, capnet_instant now)
{
	if (ifc->ip6 == NULL)
		return CAPNET_E_NOTCONFIGURED;
	struct capnet_icmp6_repr r = {
		.type = CAPNET_ICMP6_ECHO_REQUEST, .ident = ident, .seq = seq, .data = data, .data_len = len};
	return send_icmp6(ifc, NULL, dst, &r, now);
}

static bool take_token(struct capnet_ip6 *ip6, capnet_instant now)
{
	int64_t add = (now - ip6->icmp_refill_at) / ICMP6_REFILL;
	if (add > 0) {
		int64_t t = ip6->icmp_tokens + add;
		ip6->icmp_tokens = (uint8_t)(t > ICMP6_BURST ? ICMP6_BURST : t);
		ip6->icmp_refill_at += add * ICMP6_REFILL;
	}
	if (ip6->icmp_tokens == ICMP6_BURST)
		ip6->icmp_refill_at = now;
	if (ip6->icmp_tokens == 0)
		return false;
	ip6->icmp_tokens--;
	return true;
}

capnet_err capnet_icmp6_send_error(struct capnet_iface *ifc, uint8_t type, uint8_t code, uint32_t param,
				   const struct capnet_l3_rx *rx, bool even_multicast, capnet_instant now)
{
	struct capnet_ip6 *ip6 = ifc->ip6;
	if (ip6 == NULL || rx->src.af != CAPNET_AF_INET6)
		return CAPNET_E_INVAL;
	const struct capnet_ip6addr *src = &rx->src.u.v6, *dst = &rx->dst.u.v6;
	/* RFC 4443 2.4 e: never about an ICMPv6 error, nor to :: or a group;
	 * about a datagram sent to a group only for packet too big and the
	 * parameter problems that ask for it. */
	bool about_error = rx->proto == CAPNET_IPPROTO_ICMPV6 && rx->payload_len > 0 &&
			   capnet_icmp6_is_error(rx->payload[0]);
	if (about_error || capnet_ip6_is_unspecified(src) || capnet_ip6_is_multicast(src) ||
	    ((capnet_ip6_is_multicast(dst) || rx->link_broadcast) && !even_multicast))
		return CAPNET_E_INVAL;
	if (!take_token(ip6, now)) {
		IP6_COUNT(ip6, icmp6_errors_ratelimited);
		return CAPNET_E_AGAIN;
	}
	/* As much of the datagram as fits in the minimum MTU (2.4 c). */
	size_t whole = rx->ip_header_len + rx->payload_len;
	size_t room = CAPNET_IP6_MIN_MTU - CAPNET_IP6_HDR_LEN - CAPNET_ICMP6_HDR_LEN;
	struct capnet_icmp6_repr r = {.type = type, .code = code, .data = rx->ip_header,
				      .data_len = whole < room ? whole : room};
	if (type == CAPNET_ICMP6_PARAM_PROBLEM)
		r.pointer = param;
	else if (type == CAPNET_ICMP6_PKT_TOO_BIG)
		r.mtu = param;
	const struct capnet_ip6addr *from = capnet_ip6_is_multicast(dst) ? NULL : dst;
	capnet_err e = send_icmp6(ifc, from, src, &r, now);
	if (e == CAPNET_OK)
		IP6_COUNT(ip6, icmp6_errors_sent);
	return e;
}
