/* SYN cookies (RFC 4987 3.6): what a listener whose SYN queue is full
 * puts in its SYN-ACK instead of state, and how the returning ACK is
 * checked. Private to sock/tcp*.c. */
#ifndef CAPNET_SOCK_TCP_SYNCOOKIE_H
#define CAPNET_SOCK_TCP_SYNCOOKIE_H

#include "tcp_internal.h"

/* The counter that keys a cookie advances every period; a cookie is good
 * in the period it was made and the next (64 s to 128 s: longer than any
 * SYN-ACK round trip, short enough that a harvested cookie soon dies). */
#define TCP_COOKIE_PERIOD CAPNET_S(64)
/* Cookie ACKs are checked only this long after the SYN queue last
 * overflowed (no cookie can be valid later); otherwise an ACK to a
 * listener is answered with an RST as ever. */
#define TCP_COOKIE_VALID (2 * TCP_COOKIE_PERIOD)

/* What a cookie carries back: the peer's MSS from a small table (always),
 * and, in our TSval when the SYN had timestamps, window scale and
 * SACK-permitted. */
struct tcp_cookie_opts {
	uint16_t mss;
	bool ts;      /* timestamps negotiated: the ACK echoed our TSval */
	bool ws;      /* the SYN offered window scale */
	uint8_t wscale;
	bool sack;
};

/* The ISN for a cookie SYN-ACK: keyed hash of the 4-tuple, the peer's ISN
 * (irs) and the period counter, plus the MSS index. */
uint32_t tcp_cookie_isn(const struct capnet_tcp *tcp, const struct capnet_ipaddr *la, uint16_t lport,
			const struct capnet_ipaddr *ra, uint16_t rport, uint32_t irs, uint8_t mss_idx,
			capnet_instant now);
/* The MSS index a valid cookie carries; -1 when it fails (forged, another
 * tuple or peer ISN, or older than the previous period). */
int tcp_cookie_check(const struct capnet_tcp *tcp, const struct capnet_ipaddr *la, uint16_t lport,
		     const struct capnet_ipaddr *ra, uint16_t rport, uint32_t irs, uint32_t cookie, capnet_instant now);
/* The table index for a peer MSS: the largest entry not above it. */
uint8_t tcp_cookie_mss_index(uint16_t peer_mss);
uint16_t tcp_cookie_mss(uint8_t idx);
/* TSval with window scale and SACK-permitted in its low bits, never above
 * `ts_now` (the clock the connection will go on with stays ahead of it). */
uint32_t tcp_cookie_tsval(uint32_t ts_now, bool ws, uint8_t wscale, bool sack);
/* Reads them back from the echoed TSval; false when the bits are
 * impossible (a window scale above 14). */
bool tcp_cookie_ts_decode(uint32_t ecr, struct tcp_cookie_opts *o);
/* The echoed TSval is one we could have sent on this tuple's clock: not
 * ahead of it, and no older than a cookie may be. */
bool tcp_cookie_ecr_fresh(const struct capnet_tcp *tcp, const struct capnet_ipaddr *la, uint16_t lport,
			  const struct capnet_ipaddr *ra, uint16_t rport, uint32_t ecr, capnet_instant now);

/* Answers a SYN the listener keeps no state for. */
void tcp_cookie_send_synack(struct capnet_tcp_sock *l, const struct capnet_ipaddr *la, const struct capnet_ipaddr *ra,
			    const struct capnet_tcp_repr *syn, capnet_instant now);
/* True when an ACK with no connection should be checked as a cookie. */
bool tcp_cookie_expected(const struct capnet_tcp_sock *l, capnet_instant now);

#endif
