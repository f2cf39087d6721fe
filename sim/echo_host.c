/* The echo host fixture's frames, read and built with the library's
 * codecs; the broken replies are broken after a correct build, so each
 * differs from a good reply in exactly one way. */
#include "sim/echo_host.h"

#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"

const char *echo_host_mode_name(enum echo_host_mode m)
{
	static const char *const names[] = {"answer", "silent", "malformed"};
	return (unsigned)m < sizeof names / sizeof names[0] ? names[m] : NULL;
}

const char *echo_host_breakage_name(enum echo_host_breakage b)
{
	static const char *const names[] = {"bad checksum", "wrong identifier", "truncated payload",
					    "altered payload"};
	return (unsigned)b < sizeof names / sizeof names[0] ? names[b] : "?";
}

static void on_ip(void *ctx, const struct capnet_eth_repr *eth, const uint8_t *p, size_t len, capnet_instant now)
{
	(void)now;
	struct echo_host *h = ctx;
	struct capnet_ip4_repr ip;
	struct capnet_icmp4_repr req;
	if (capnet_ip4_parse(p, len, &ip, NULL) != CAPNET_OK || ip.dst != h->peer.addr ||
	    ip.proto != CAPNET_IPPROTO_ICMP || ip.more_fragments || ip.frag_offset != 0 ||
	    capnet_icmp4_parse(p + ip.header_len, ip.payload_len, &req, NULL) != CAPNET_OK ||
	    req.type != CAPNET_ICMP4_ECHO_REQUEST)
		return;
	unsigned n = h->stats.requests++;
	if (h->mode == ECHO_HOST_SILENT)
		return;
	uint8_t f[1600];
	memset(f, 0, 60);
	struct capnet_eth_repr e = {.dst = eth->src, .src = h->peer.mac, .ethertype = CAPNET_ETHERTYPE_IPV4};
	size_t off = capnet_eth_emit(&e, f);
	struct capnet_icmp4_repr rep = req;
	rep.type = CAPNET_ICMP4_ECHO_REPLY;
	enum echo_host_breakage b = (enum echo_host_breakage)(n % 4);
	bool broken = h->mode == ECHO_HOST_MALFORMED;
	if (broken && b == ECHO_BREAK_IDENT)
		rep.ident = (uint16_t)(rep.ident ^ 0x5a5a);
	if (broken && b == ECHO_BREAK_TRUNCATE)
		rep.data_len /= 2;
	size_t icmp_len = capnet_icmp4_emit_len(&rep);
	if (off + 20 + icmp_len > sizeof f)
		return;
	struct capnet_ip4_repr r = {.src = h->peer.addr, .dst = ip.src, .proto = CAPNET_IPPROTO_ICMP,
				    .ttl = h->ttl, .ident = h->peer.ip_ident++, .payload_len = icmp_len};
	off += capnet_ip4_emit(&r, f + off);
	uint8_t *icmp = f + off;
	off += capnet_icmp4_emit(&rep, icmp);
	if (broken && b == ECHO_BREAK_CHECKSUM)
		icmp[CAPNET_ICMP4_CHECKSUM + 1] ^= 0x01;
	if (broken && b == ECHO_BREAK_ALTER && icmp_len > CAPNET_ICMP4_HDR_LEN) {
		/* A different byte under a checksum made right again: only the
		 * payload comparison can catch it. */
		icmp[CAPNET_ICMP4_HDR_LEN] ^= 0xff;
		capnet_put16(icmp + CAPNET_ICMP4_CHECKSUM, 0);
		capnet_put16(icmp + CAPNET_ICMP4_CHECKSUM, capnet_csum(icmp, icmp_len));
	}
	h->peer.nic->ops->transmit(h->peer.nic->dev, f, off < 60 ? 60 : off);
	h->stats.replies++;
	if (broken)
		h->stats.malformed_sent++;
}

capnet_err echo_host_open(struct echo_host *h, struct capnet_sim *sim, struct capnet_mac mac, capnet_ip4addr addr,
			  enum echo_host_mode mode, const struct capnet_sim_impair *impair)
{
	memset(h, 0, sizeof *h);
	h->mode = mode;
	h->ttl = 64;
	return udp_peer_open(&h->peer, sim, mac, addr, 0, impair, UDP_PEER_FRAME, on_ip, h, &h->stats.arp_replies);
}
