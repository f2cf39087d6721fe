/* SYN cookies (RFC 4987 3.6). When a listener's SYN queue is full, the
 * SYN-ACK's sequence number itself holds what the half-open connection
 * would have kept: a keyed hash binds it to the 4-tuple, the peer's ISN and
 * a coarse clock, and a few bits name the peer's MSS from a small table.
 * The ACK that completes the handshake acknowledges ISN + 1, so the
 * listener can check it and rebuild the connection without ever having
 * held state for it: a flood of spoofed SYNs costs no memory, and a real
 * client's connect completes in one round trip.
 *
 * Layout of the ISN (the scheme Bernstein described and Linux uses; the
 * code is our own):
 *
 *   ISN = F(tuple) + irs + (count << 24) + ((F(tuple, count) + mss_idx) mod 2^24)
 *
 * F is the layer's keyed SipHash (tcp_isn.c) in two domains of its own;
 * count advances every TCP_COOKIE_PERIOD of the synthetic clock, and the
 * check accepts the current and the previous count only. A guessed ACK
 * passes with probability 4 / 2^24 per try.
 *
 * Window scale and SACK-permitted do not fit; as Linux does, they ride in
 * the low bits of our TSval when the SYN carried timestamps, and come back
 * in the peer's TSecr. Without timestamps the connection runs on the MSS
 * alone, with neither (the SYN-ACK offers neither, so both sides agree). */
#include <string.h>

#include "tcp_syncookie.h"

#define COOKIE_BITS 24
#define COOKIE_MASK ((1u << COOKIE_BITS) - 1)
#define TS_OPT_BITS 5       /* wscale in 0..3, SACK-permitted in 4 */
#define TS_WS_NONE 0xfu     /* no window scale offered */
#define TS_SACK_BIT 0x10u

/* Common MSS values, ascending: RFC 9293's default, an IPv6-tunnel size
 * (1280 minus headers), PPPoE/VPN paths, Ethernet. */
static const uint16_t mss_table[] = {536, 1220, 1440, 1460};
#define MSS_ENTRIES (sizeof mss_table / sizeof mss_table[0])

enum { DOMAIN_TUPLE = TCP_HASH_COOKIE, DOMAIN_COUNT };

uint8_t tcp_cookie_mss_index(uint16_t peer_mss)
{
	uint8_t idx = 0;
	for (uint8_t i = 0; i < MSS_ENTRIES; i++)
		if (mss_table[i] <= peer_mss)
			idx = i;
	return idx; /* below 536 the peer still gets 536: RFC 9293 3.7.1 says every host takes it */
}

uint16_t tcp_cookie_mss(uint8_t idx)
{
	return idx < MSS_ENTRIES ? mss_table[idx] : mss_table[0];
}

static uint32_t period(capnet_instant now)
{
	return (uint32_t)(now / TCP_COOKIE_PERIOD);
}

uint32_t tcp_cookie_isn(const struct capnet_tcp *tcp, const struct capnet_ipaddr *la, uint16_t lport,
			const struct capnet_ipaddr *ra, uint16_t rport, uint32_t irs, uint8_t mss_idx,
			capnet_instant now)
{
	uint32_t count = period(now);
	uint32_t base = (uint32_t)tcp_tuple_hash(tcp, DOMAIN_TUPLE, la, lport, ra, rport, irs);
	uint32_t low = ((uint32_t)tcp_tuple_hash(tcp, DOMAIN_COUNT, la, lport, ra, rport, count) + mss_idx) & COOKIE_MASK;
	return base + irs + (count << COOKIE_BITS) + low;
}

int tcp_cookie_check(const struct capnet_tcp *tcp, const struct capnet_ipaddr *la, uint16_t lport,
		     const struct capnet_ipaddr *ra, uint16_t rport, uint32_t irs, uint32_t cookie, capnet_instant now)
{
	uint32_t count = period(now);
	uint32_t v = cookie - (uint32_t)tcp_tuple_hash(tcp, DOMAIN_TUPLE, la, lport, ra, rport, irs) - irs;
	/* The top byte is the count it was made in (mod 256): this period or
	 * the one before, nothing else. */
	uint32_t age = (count - (v >> COOKIE_BITS)) & 0xffu;
	if (age > 1)
		return -1;
	uint32_t made = count - age;
	uint32_t idx = ((v & COOKIE_MASK) - (uint32_t)tcp_tuple_hash(tcp, DOMAIN_COUNT, la, lport, ra, rport, made)) &
		       COOKIE_MASK;
	return idx < MSS_ENTRIES ? (int)idx : -1;
}

uint32_t tcp_cookie_tsval(uint32_t ts_now, bool ws, uint8_t wscale, bool sack)
{
	uint32_t opts = (ws ? (wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : wscale) : TS_WS_NONE) | (sack ? TS_SACK_BIT : 0);
	uint32_t ts = (ts_now & ~((1u << TS_OPT_BITS) - 1)) | opts;
	/* Never ahead of the clock: the connection's later TSvals (the same
	 * clock, unmodified) must not run backwards from this one. */
	if ((int32_t)(ts - ts_now) > 0)
		ts -= 1u << TS_OPT_BITS;
	return ts;
}

bool tcp_cookie_ts_decode(uint32_t ecr, struct tcp_cookie_opts *o)
{
	uint32_t ws = ecr & TS_WS_NONE;
	if (ws != TS_WS_NONE && ws > TCP_MAX_WSCALE)
		return false;
	o->ts = true;
	o->ws = ws != TS_WS_NONE;
	o->wscale = o->ws ? (uint8_t)ws : 0;
	o->sack = (ecr & TS_SACK_BIT) != 0;
	return true;
}

/* The connection's timestamp clock (tcp_ts_now with tcp_ts_offset) before
 * the connection exists. */
static uint32_t ts_clock(const struct capnet_tcp *tcp, const struct capnet_ipaddr *la, uint16_t lport,
			 const struct capnet_ipaddr *ra, uint16_t rport, capnet_instant now)
{
	return (uint32_t)(now / 1000) + (uint32_t)tcp_tuple_hash(tcp, 2, la, lport, ra, rport, 0);
}

bool tcp_cookie_ecr_fresh(const struct capnet_tcp *tcp, const struct capnet_ipaddr *la, uint16_t lport,
			  const struct capnet_ipaddr *ra, uint16_t rport, uint32_t ecr, capnet_instant now)
{
	uint32_t age_ms = ts_clock(tcp, la, lport, ra, rport, now) - ecr;
	/* a cookie TSval sits up to 31 ms behind the clock it was made on */
	return (int32_t)age_ms >= 0 && age_ms < (uint32_t)(TCP_COOKIE_VALID / 1000) + (1u << TS_OPT_BITS);
}

bool tcp_cookie_expected(const struct capnet_tcp_sock *l, capnet_instant now)
{
	if (l->tcp->cfg.no_syncookies || !l->u.l.overflowed)
		return false;
	return now - l->u.l.overflow_at < TCP_COOKIE_VALID;
}

void tcp_cookie_send_synack(struct capnet_tcp_sock *l, const struct capnet_ipaddr *la, const struct capnet_ipaddr *ra,
			    const struct capnet_tcp_repr *syn, capnet_instant now)
{
	struct capnet_tcp *tcp = l->tcp;
	const struct capnet_tcp_config *c = &tcp->cfg;
	const struct capnet_tcp_options *po = &syn->opt;
	uint16_t peer_mss = po->has_mss && po->mss > 0 ? po->mss : TCP_DEFAULT_MSS;
	uint8_t idx = tcp_cookie_mss_index(peer_mss);
	uint32_t rcvbuf = 1u << l->rcv_bufshift; /* the ring a rebuilt child gets */

	struct capnet_tcp_repr r;
	memset(&r, 0, sizeof r);
	r.src_port = syn->dst_port;
	r.dst_port = syn->src_port;
	r.seq = tcp_cookie_isn(tcp, la, r.src_port, ra, r.dst_port, syn->seq, idx, now);
	r.ack = syn->seq + 1;
	r.flags = CAPNET_TCP_SYN | CAPNET_TCP_ACK_FLAG;
	r.window = (uint16_t)(rcvbuf > 65535u ? 65535u : rcvbuf); /* RFC 7323 2.2: a SYN's is never scaled */
	r.opt.has_mss = true;
	r.opt.mss = c->mss;
	/* Window scale and SACK only when the TSval can carry them back. */
	if (po->has_timestamp && !c->no_timestamps) {
		bool ws = po->has_wscale && !c->no_wscale;
		bool sack = po->sack_permitted && !c->no_sack;
		uint8_t my_ws = tcp_wscale_for(rcvbuf);
		uint32_t ts_now = ts_clock(tcp, la, r.src_port, ra, r.dst_port, now);
		r.opt.has_timestamp = true;
		r.opt.ts_val = tcp_cookie_tsval(ts_now, ws, po->wscale, sack);
		r.opt.ts_ecr = po->ts_val;
		r.opt.sack_permitted = sack;
		if (ws) {
			r.opt.has_wscale = true;
			r.opt.wscale = my_ws;
		}
	}
	TCP_COUNT(tcp, tcp_syncookies_sent);
	tcp_send_stateless(tcp, la, ra, &r, now);
}
