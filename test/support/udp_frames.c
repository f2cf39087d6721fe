#include "udp_frames.h"

#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"

size_t tf_eth(uint8_t *f, struct capnet_mac dst, struct capnet_mac src, uint16_t type)
{
	memcpy(f, dst.b, 6);
	memcpy(f + 6, src.b, 6);
	capnet_put16(f + 12, type);
	return 14;
}

size_t tf_ip(uint8_t *p, capnet_ip4addr src, capnet_ip4addr dst, uint8_t proto, uint16_t ident, uint8_t ttl,
	     const uint8_t *payload, size_t plen)
{
	p[0] = 0x45;
	p[1] = 0;
	capnet_put16(p + 2, (uint16_t)(20 + plen));
	capnet_put16(p + 4, ident);
	capnet_put16(p + 6, 0);
	p[8] = ttl;
	p[9] = proto;
	capnet_put16(p + 10, 0);
	capnet_put32(p + 12, src);
	capnet_put32(p + 16, dst);
	capnet_put16(p + 10, capnet_csum(p, 20));
	memmove(p + 20, payload, plen);
	return 20 + plen;
}

size_t tf_udp(uint8_t *u, capnet_ip4addr src, capnet_ip4addr dst, uint16_t sport, uint16_t dport,
	      const uint8_t *payload, size_t plen, int no_sum)
{
	size_t n = 8 + plen;
	memmove(u + 8, payload, plen);
	capnet_put16(u, sport);
	capnet_put16(u + 2, dport);
	capnet_put16(u + 4, (uint16_t)n);
	capnet_put16(u + 6, 0);
	if (!no_sum) {
		uint8_t ph[12];
		capnet_put32(ph, src);
		capnet_put32(ph + 4, dst);
		ph[8] = 0;
		ph[9] = 17;
		capnet_put16(ph + 10, (uint16_t)n);
		uint16_t c = capnet_csum_finish(capnet_csum_partial(u, n, capnet_csum_partial(ph, 12, 0)));
		capnet_put16(u + 6, c == 0 ? 0xffff : c);
	}
	return n;
}

size_t tf_udp_frame(uint8_t *f, struct capnet_mac dst_mac, struct capnet_mac src_mac, capnet_ip4addr src,
		    capnet_ip4addr dst, uint16_t ident, uint16_t sport, uint16_t dport, const uint8_t *payload,
		    size_t plen)
{
	size_t n = tf_eth(f, dst_mac, src_mac, 0x0800);
	uint8_t udp[1600];
	size_t ul = tf_udp(udp, src, dst, sport, dport, payload, plen, 0);
	n += tf_ip(f + n, src, dst, 17, ident, 64, udp, ul);
	if (n < 60) {
		memset(f + n, 0, 60 - n);
		n = 60;
	}
	return n;
}

size_t tf_arp(uint8_t *f, uint16_t op, struct capnet_mac sha, capnet_ip4addr spa, struct capnet_mac tha,
	      capnet_ip4addr tpa, struct capnet_mac eth_dst)
{
	size_t n = tf_eth(f, eth_dst, sha, 0x0806);
	static const uint8_t fixed[] = {0x00, 0x01, 0x08, 0x00, 6, 4};
	memcpy(f + n, fixed, 6);
	capnet_put16(f + n + 6, op);
	memcpy(f + n + 8, sha.b, 6);
	capnet_put32(f + n + 14, spa);
	memcpy(f + n + 18, tha.b, 6);
	capnet_put32(f + n + 24, tpa);
	n += 28;
	memset(f + n, 0, 60 - n);
	return 60;
}
