/* One frame, described: what its headers say, decoded by the wire codecs
 * alone, and the line of text every printer shows for it (DESIGN: parse
 * once, print once). The trace, the replay summaries, the TCP script
 * runner and the harness wire tap all read frames through here.
 *
 * What is decoded. Ethernet (one 802.1Q tag), then ARP, IPv4 or IPv6
 * (fixed header; extension headers are not followed), then for IPv4 and
 * IPv6 the TCP, UDP or ICMP header (ICMPv6 shares ICMPv4's 8-byte layout),
 * and with CAPNET_DESCRIBE_BODY the transport checksums and a DHCPv4
 * message on UDP 67/68. A layer counts as whole only when its codec
 * accepts it within the frame and within the length the layer below
 * declares; the first one that does not is named (bad_layer) with the
 * codec's reason (bad_err), and nothing past it is trusted. A non-first
 * IPv4 fragment carries no transport header. Bytes past the IPv4 total
 * length (Ethernet padding) are never read as headers.
 *
 * Depth. CAPNET_DESCRIBE_HEADERS reads header bytes only (the packet trace
 * promises never to read a body); CAPNET_DESCRIBE_BODY also reads the body
 * where a verdict needs it: the TCP, UDP and ICMP checksums and DHCP.
 *
 * Text. One line, NUL-terminated, cut at cap - 1; the styles are the
 * formats the printers used before they shared this code, kept byte for
 * byte because transcripts and fixtures hold them:
 *   TRACE   tcpdump-like ("IP 192.0.2.100.49152 > 192.0.2.20.80: Flags
 *           [S], seq 1, win 65535, length 0"); the trace adds its time,
 *           direction and stored/wire lengths around it.
 *   REPLAY  addresses first, then each layer with its own verdict
 *           ("02:..:0b > 02:..:0a, 98 bytes: IPv4 a > b id 0x0001 ttl 64
 *           ICMP echo reply id 0x4350 seq 1, 56 data bytes").
 * Freestanding: no allocation, no stdio; the text goes into the caller's
 * buffer. */
#ifndef CAPNET_WIRE_DESCRIBE_H
#define CAPNET_WIRE_DESCRIBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/err.h"
#include "capnet/types.h"
#include "capnet/wire/dhcp4.h"
#include "capnet/wire/tcp.h"

/* Layers whose header was found whole (capnet_frame_desc.layers) or the
 * one that was refused (bad_layer). */
#define CAPNET_DESC_ETH (1u << 0)
#define CAPNET_DESC_ARP (1u << 1)
#define CAPNET_DESC_IPV4 (1u << 2)
#define CAPNET_DESC_IPV6 (1u << 3)
#define CAPNET_DESC_ICMP (1u << 4) /* ICMPv4 over IPv4, ICMPv6 over IPv6 */
#define CAPNET_DESC_UDP (1u << 5)
#define CAPNET_DESC_TCP (1u << 6)
#define CAPNET_DESC_DHCP4 (1u << 7) /* BODY only: a DHCPv4 message parsed */

enum capnet_describe_depth {
	CAPNET_DESCRIBE_HEADERS = 0,
	CAPNET_DESCRIBE_BODY = 1,
};

enum capnet_describe_style {
	CAPNET_DESCRIBE_TRACE = 0,
	CAPNET_DESCRIBE_REPLAY = 1,
};

/* One TCP option as it lies in the header, in order: `off` from the start
 * of the option area, `len` 1 for NOP. An EOL ends the list (not listed). */
struct capnet_desc_tcp_opt {
	uint8_t kind;
	uint8_t len;
	uint8_t off;
};
#define CAPNET_DESC_TCP_OPTS_MAX 40 /* 40 option bytes, each at least one */

struct capnet_frame_desc {
	size_t len;            /* bytes described */
	uint32_t layers;       /* CAPNET_DESC_* found whole */
	uint32_t bad_layer;    /* the first header refused, 0 when none was */
	capnet_err bad_err;    /* its codec's reason */
	bool body_read;        /* described with CAPNET_DESCRIBE_BODY */

	/* Ethernet: addresses and type whenever the 14 bytes are there, even
	 * if a VLAN tag is cut (bad_layer ETH). */
	struct capnet_mac eth_src, eth_dst;
	uint16_t ethertype;    /* inner type when tagged */
	bool vlan;
	uint16_t vlan_tci;

	/* Where each header starts (0: not reached) and where whole headers end. */
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t header_len;

	/* ARP (ARP whole: Ethernet/IPv4 sizes; any operation). arp_err is the
	 * codec's full verdict, E_MALFORMED for an operation other than
	 * request and reply. */
	capnet_err arp_err;
	uint16_t arp_oper;
	struct capnet_mac arp_sha, arp_tha;
	capnet_ip4addr arp_spa, arp_tpa;

	/* IPv4 / IPv6. For IPv6, ip_proto is the next header byte whenever the
	 * 40 bytes are there, even when the header is refused. */
	capnet_err ip_err;     /* the view check's verdict */
	uint8_t ip_proto;      /* protocol / next header */
	uint8_t ip_ttl;        /* TTL / hop limit */
	uint16_t ip_ident;
	bool ip_df, ip_mf;
	uint16_t ip_frag_offset; /* bytes */
	bool ip_checksum_ok;   /* IPv4 header checksum (a header field: always checked) */
	uint16_t ip_header_len;
	uint32_t ip_payload_len; /* total length minus the header / IPv6 payload length */
	capnet_ip4addr src4, dst4;
	struct capnet_ip6addr src6, dst6;

	/* Transport. l4_fixed: its fixed header (TCP 20, UDP 8, ICMP 8 bytes)
	 * lies within the datagram, so the fields below are read even when the
	 * codec refuses the header (a TCP data offset out of range, a UDP
	 * length beyond the datagram); l4_err is the codec's verdict. */
	bool l4_fixed;
	capnet_err l4_err;
	uint16_t sport, dport;
	uint32_t tcp_seq, tcp_ack;
	uint8_t tcp_flags;
	uint16_t tcp_win;
	uint16_t tcp_header_len;  /* data offset * 4, as declared */
	bool tcp_options_ok;      /* the codec accepted the options (TCP whole) */
	bool tcp_options_after_eol; /* non-zero bytes after an EOL */
	struct capnet_tcp_options tcp_opt;
	uint8_t tcp_nopts;
	struct capnet_desc_tcp_opt tcp_opts[CAPNET_DESC_TCP_OPTS_MAX];
	uint16_t udp_len;         /* the length field */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq; /* the rest-of-header words (echo: ident, seq) */
	bool l4_checksum_ok;      /* BODY only: TCP, UDP (0 = none sent), ICMPv4 or ICMPv6 */
	bool icmp6_has_target;    /* BODY only: an NS or NA long enough to hold it */
	struct capnet_ip6addr icmp6_target;

	/* The body length the headers declare: UDP length - 8, IP payload minus
	 * the TCP or ICMP header, the IP payload when no transport header was
	 * read. The body itself is read only for checksums and DHCP. */
	uint32_t body_len;

	/* DHCPv4 (BODY, UDP with both ports 67 or 68). */
	enum capnet_dhcp4_error dhcp_err; /* ERR_NONE when parsed or not tried */
	uint8_t dhcp_op;
	uint8_t dhcp_msg_type;    /* 0: plain BOOTP */
	uint32_t dhcp_xid;
};

/* Decodes `frame` (len bytes; NULL or any length is safe). The summary
 * holds no pointer into the frame. */
void capnet_frame_describe(const uint8_t *frame, size_t len, enum capnet_describe_depth depth,
			   struct capnet_frame_desc *out);

/* The one-line text of a summary. Returns the length written (cut to
 * cap - 1, always NUL-terminated when cap > 0). REPLAY needs a summary
 * described with CAPNET_DESCRIBE_BODY for its checksum verdicts. */
size_t capnet_frame_desc_text(const struct capnet_frame_desc *d, enum capnet_describe_style style, char *buf,
			      size_t cap);

/* Both at once: TRACE reads headers only, REPLAY the body too. */
size_t capnet_frame_describe_text(const uint8_t *frame, size_t len, enum capnet_describe_style style, char *buf,
				  size_t cap);

/* TCP flags as letters in the order a style prints them ("S.", "FP."):
 * TRACE S F P R U E W . and "none" when none is set; REPLAY S F R P . U E
 * W and "" when none is set. Returns the length (at most 8). buf holds 9. */
size_t capnet_tcp_flags_text(uint8_t flags, enum capnet_describe_style style, char buf[9]);

/* An IPv6 address as inet_ntop(3) writes it (RFC 5952 zero compression,
 * IPv4-compatible and -mapped forms dotted). buf holds 46. */
size_t capnet_ip6_text(const struct capnet_ip6addr *a, char buf[46]);

#endif
