/* Initial sequence numbers (RFC 6528), timestamp offsets (RFC 7323 5.4)
 * and the ephemeral port search start (RFC 6056 algorithm 3), all from one
 * keyed hash so an off-path attacker can neither predict a connection's
 * ISN nor learn the state of other connections from its own.
 *
 * F is SipHash-2-4 (Aumasson & Bernstein, 2012), written from the paper's
 * description: a 128-bit key from the injected generator, 64-bit output. */
#include <string.h>

#include "tcp_internal.h"

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND(v0, v1, v2, v3)                                                                           \
	do {                                                                                               \
		v0 += v1;                                                                                  \
		v1 = rotl(v1, 13);                                                                         \
		v1 ^= v0;                                                                                  \
		v0 = rotl(v0, 32);                                                                         \
		v2 += v3;                                                                                  \
		v3 = rotl(v3, 16);                                                                         \
		v3 ^= v2;                                                                                  \
		v0 += v3;                                                                                  \
		v3 = rotl(v3, 21);                                                                         \
		v3 ^= v0;                                                                                  \
		v2 += v1;                                                                                  \
		v1 = rotl(v1, 17);                                                                         \
		v1 ^= v2;                                                                                  \
		v2 = rotl(v2, 32);                                                                         \
	} while (0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t tcp_siphash(const uint64_t key[2], const uint8_t *data, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ key[0];
	uint64_t v1 = 0x646f72616e646f6dull ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ key[0];
	uint64_t v3 = 0x7465646279746573ull ^ key[1];
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t m = le64(data + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	/* Last block: the remaining bytes, and the length in the top byte. */
	uint64_t b = (uint64_t)len << 56;
	for (size_t k = 0; i + k < len; k++)
		b |= (uint64_t)data[i + k] << (8 * k);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* Serialises an address family-neutrally: family byte, then 4 or 16 bytes. */
static size_t put_addr(uint8_t *p, const struct capnet_ipaddr *a)
{
	p[0] = a->af;
	if (a->af == CAPNET_AF_INET6) {
		memcpy(p + 1, a->u.v6.b, 16);
		return 17;
	}
	uint32_t v = a->af == CAPNET_AF_INET ? a->u.v4 : 0;
	p[1] = (uint8_t)(v >> 24);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 8);
	p[4] = (uint8_t)v;
	return 5;
}

uint64_t tcp_tuple_hash(const struct capnet_tcp *tcp, uint8_t domain, const struct capnet_ipaddr *la, uint16_t lport,
			const struct capnet_ipaddr *ra, uint16_t rport, uint32_t extra)
{
	uint8_t buf[1 + 17 + 2 + 17 + 2 + 4];
	size_t n = 0;
	buf[n++] = domain;
	n += put_addr(buf + n, la);
	buf[n++] = (uint8_t)(lport >> 8);
	buf[n++] = (uint8_t)lport;
	n += put_addr(buf + n, ra);
	buf[n++] = (uint8_t)(rport >> 8);
	buf[n++] = (uint8_t)rport;
	/* The ISN, timestamp and port domains hash the tuple alone (their
	 * values predate `extra` and must not move); later domains bind a
	 * 32-bit word too. */
	if (domain >= TCP_HASH_COOKIE) {
		buf[n++] = (uint8_t)(extra >> 24);
		buf[n++] = (uint8_t)(extra >> 16);
		buf[n++] = (uint8_t)(extra >> 8);
		buf[n++] = (uint8_t)extra;
	}
	return tcp_siphash(tcp->isn_key, buf, n);
}

/* domain separates the uses of the one key. */
static uint64_t hash_tuple(const struct capnet_tcp *tcp, uint8_t domain, const struct capnet_ipaddr *la,
			   uint16_t lport, const struct capnet_ipaddr *ra, uint16_t rport)
{
	return tcp_tuple_hash(tcp, domain, la, lport, ra, rport, 0);
}

uint32_t tcp_isn(const struct capnet_tcp *tcp, const struct capnet_tcp_sock *s, capnet_instant now)
{
	/* M: a timer ticking every 4 microseconds (RFC 6528 3, after RFC 793),
	 * so a new incarnation of a 4-tuple starts above the old one's
	 * sequence space. */
	uint32_t m = (uint32_t)((uint64_t)now / 4u);
	return m + (uint32_t)hash_tuple(tcp, 1, &s->laddr, s->lport, &s->raddr, s->rport);
}

uint32_t tcp_ts_offset(const struct capnet_tcp *tcp, const struct capnet_tcp_sock *s)
{
	return (uint32_t)hash_tuple(tcp, 2, &s->laddr, s->lport, &s->raddr, s->rport);
}

uint32_t tcp_port_offset(const struct capnet_tcp *tcp, const struct capnet_ipaddr *laddr,
			 const struct capnet_ipaddr *raddr, uint16_t rport)
{
	return (uint32_t)hash_tuple(tcp, 3, laddr, 0, raddr, rport);
}
