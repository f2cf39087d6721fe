/* TAP offloads (private to the TAP backend; hosted).
 *
 * With IFF_VNET_HDR every frame on the descriptor carries a virtio-net
 * header (10 bytes, little endian). After TUNSETOFFLOAD(TUN_F_CSUM |
 * TUN_F_TSO4) the kernel may hand us (a) frames whose TCP/UDP checksum is
 * only the pseudo-header sum (VIRTIO_NET_HDR_F_NEEDS_CSUM), and (b) TSO
 * super-frames: one IPv4/TCP header and up to 64 KiB of payload, to be cut
 * into segments of gso_size bytes. The stack never sees either: the backend
 * completes the checksum, or cuts the super-frame into the frames the
 * kernel would have sent without the offload (RFC 9293 segments with their
 * own IPv4 identification, length, sequence number, flags and checksums).
 * Moving the cutting here saves the kernel's software GSO and one read()
 * per segment; the stack's work per segment is unchanged. */
#ifndef CAPNET_NIC_TAP_GSO_H
#define CAPNET_NIC_TAP_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TAP_VNET_HDR_LEN 10
#define TAP_VNET_F_NEEDS_CSUM 0x01
#define TAP_VNET_F_DATA_VALID 0x02
#define TAP_VNET_GSO_NONE 0
#define TAP_VNET_GSO_TCPV4 1
#define TAP_VNET_GSO_ECN 0x80

struct tap_vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

void tap_vnet_parse(const uint8_t p[TAP_VNET_HDR_LEN], struct tap_vnet_hdr *h);
void tap_vnet_emit(const struct tap_vnet_hdr *h, uint8_t p[TAP_VNET_HDR_LEN]);

/* NEEDS_CSUM: sums [csum_start, len) (the field holds the pseudo-header
 * sum) and stores the complement at csum_start + csum_offset. False when
 * the offsets do not fit the frame (malformed: drop it). */
bool tap_csum_complete(uint8_t *frame, size_t len, const struct tap_vnet_hdr *h);

/* A TSO super-frame, checked once (Ethernet with at most one 802.1Q tag,
 * IPv4 without fragmentation, TCP; gso_size > 0), then cut on demand. */
struct tap_gso {
	const uint8_t *frame;
	size_t len;
	size_t l3, l4, hl; /* offsets: IPv4 header, TCP header, payload */
	uint16_t mss;
	size_t nseg;
};

/* False when the frame is not a TSO frame this code can cut. */
bool tap_gso_init(struct tap_gso *g, const uint8_t *frame, size_t len, const struct tap_vnet_hdr *h);
/* Writes segment k (0 <= k < g->nseg) into out; returns its length, or 0
 * when it does not fit `cap`. */
size_t tap_gso_segment(const struct tap_gso *g, size_t k, uint8_t *out, size_t cap);

/* TSO on transmit: for an Ethernet/IPv4/TCP super-frame (no VLAN tag)
 * whose payload the kernel is to cut at gso_size, fills the virtio-net
 * header (GSO_TCPV4, hdr_len, NEEDS_CSUM at the TCP checksum) and copies
 * the headers into `head` with the checksum field holding the
 * pseudo-header sum, as the kernel expects of a partial checksum. Returns
 * the header length (Ethernet + IPv4 + TCP), 0 when the frame is not one. */
#define TAP_TSO_HEAD_MAX (14 + 60 + 60)
size_t tap_tso_header(const uint8_t *frame, size_t len, uint16_t gso_size, uint8_t vnet[TAP_VNET_HDR_LEN],
		      uint8_t head[TAP_TSO_HEAD_MAX]);

#endif
