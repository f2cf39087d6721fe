/* Hand-built Ethernet/IPv4/UDP frames for the sock/ suites: written field
 * by field, independent of the codecs' emit, so a test compares the stack's
 * output against bytes it did not produce itself. */
#ifndef CAPNET_TEST_UDP_FRAMES_H
#define CAPNET_TEST_UDP_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "capnet/types.h"

size_t tf_eth(uint8_t *f, struct capnet_mac dst, struct capnet_mac src, uint16_t type);
/* IPv4 header (20 bytes, no options, DF clear, correct checksum) + payload. */
size_t tf_ip(uint8_t *p, capnet_ip4addr src, capnet_ip4addr dst, uint8_t proto, uint16_t ident, uint8_t ttl,
	     const uint8_t *payload, size_t plen);
/* UDP header + payload with the pseudo-header checksum (0 -> 0xffff), or a
 * zero checksum when no_sum. */
size_t tf_udp(uint8_t *u, capnet_ip4addr src, capnet_ip4addr dst, uint16_t sport, uint16_t dport,
	      const uint8_t *payload, size_t plen, int no_sum);
/* A whole frame: Ethernet + IPv4 + UDP, padded to 60 bytes. */
size_t tf_udp_frame(uint8_t *f, struct capnet_mac dst_mac, struct capnet_mac src_mac, capnet_ip4addr src,
		    capnet_ip4addr dst, uint16_t ident, uint16_t sport, uint16_t dport, const uint8_t *payload,
		    size_t plen);
size_t tf_arp(uint8_t *f, uint16_t op, struct capnet_mac sha, capnet_ip4addr spa, struct capnet_mac tha,
	      capnet_ip4addr tpa, struct capnet_mac eth_dst);

#endif
