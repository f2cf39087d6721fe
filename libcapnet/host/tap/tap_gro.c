/* Software GRO for the TAP backend (tap_gro.h). */
#include "tap_gro.h"

#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"

#define ETH_HDR 14
#define IP_HDR 20 /* joined segments carry no IPv4 options */
#define TCP_ACK 0x10
#define TCP_PSH 0x08

/* One candidate: an untagged IPv4 frame without options or fragmenting,
 * exactly as long as its total length says, carrying TCP with data and
 * only ACK (and PSH) set, both checksums right. Returns the payload
 * offset, 0 when it is not one. */
static size_t candidate(const uint8_t *f, size_t len)
{
	if (len < ETH_HDR + IP_HDR + 20 || capnet_get16(f + 12) != 0x0800)
		return 0;
	const uint8_t *ip = f + ETH_HDR;
	if (ip[0] != 0x45 || capnet_get16(ip + 2) != len - ETH_HDR || (capnet_get16(ip + 6) & 0x3fff) != 0 ||
	    ip[9] != 6 || capnet_csum(ip, IP_HDR) != 0)
		return 0;
	const uint8_t *tcp = ip + IP_HDR;
	size_t doff = (size_t)(tcp[12] >> 4) * 4, tcp_len = len - ETH_HDR - IP_HDR;
	if (doff < 20 || doff >= tcp_len || (tcp[12] & 0x0f) != 0 || (tcp[13] & ~TCP_PSH) != TCP_ACK)
		return 0;
	uint32_t pseudo = capnet_csum_pseudo4(capnet_get32(ip + 12), capnet_get32(ip + 16), 6, (uint16_t)tcp_len);
	if (capnet_csum_finish(capnet_csum_partial(tcp, tcp_len, pseudo)) != 0)
		return 0;
	return ETH_HDR + IP_HDR + doff;
}

/* Same flow and same everything a receiver acts on, but the sequence
 * number, PSH and the lengths and checksums. */
static bool same_headers(const uint8_t *a, const uint8_t *b, size_t hl)
{
	const uint8_t *ia = a + ETH_HDR, *ib = b + ETH_HDR;
	const uint8_t *ta = ia + IP_HDR, *tb = ib + IP_HDR;
	return memcmp(a, b, ETH_HDR) == 0 && ia[1] == ib[1] && memcmp(ia + 8, ib + 8, 2) == 0 &&
	       memcmp(ia + 12, ib + 12, 8) == 0 && memcmp(ta, tb, 4) == 0 && memcmp(ta + 8, tb + 8, 5) == 0 &&
	       memcmp(ta + 14, tb + 14, 2) == 0 && memcmp(ta + 18, tb + 18, hl - ETH_HDR - IP_HDR - 18) == 0;
}

static void start(struct tap_gro *g, const uint8_t *f, size_t len, size_t hl)
{
	memcpy(g->buf, f, len);
	g->len = len;
	g->l4 = ETH_HDR + IP_HDR;
	g->hl = hl;
	g->gso_size = (uint16_t)(len - hl);
	g->segs = 1;
	g->next_seq = capnet_get32(f + g->l4 + 4) + (uint32_t)(len - hl);
	g->closed = (f[g->l4 + 13] & TCP_PSH) != 0;
}

enum tap_gro_result tap_gro_add(struct tap_gro *g, const uint8_t *f, size_t len)
{
	size_t hl = candidate(f, len);
	if (hl == 0)
		return g->len > 0 ? TAP_GRO_FLUSH : TAP_GRO_ALONE;
	if (g->len == 0) {
		start(g, f, len, hl);
		return TAP_GRO_HELD;
	}
	size_t plen = len - hl;
	if (g->closed || hl != g->hl || plen > g->gso_size || g->segs >= TAP_GRO_SEGS ||
	    g->len + plen > TAP_GRO_MAX || capnet_get32(f + g->l4 + 4) != g->next_seq ||
	    !same_headers(g->buf, f, hl))
		return TAP_GRO_FLUSH;
	memcpy(g->buf + g->len, f + hl, plen);
	g->len += plen;
	g->segs++;
	g->next_seq += (uint32_t)plen;
	uint8_t *flags = g->buf + g->l4 + 13;
	*flags |= f[g->l4 + 13] & TCP_PSH;
	g->closed = plen < g->gso_size || (*flags & TCP_PSH) != 0;
	return TAP_GRO_HELD;
}

size_t tap_gro_finish(struct tap_gro *g, struct capnet_nic_rx_info *info)
{
	size_t n = g->len;
	if (n == 0)
		return 0;
	uint8_t *ip = g->buf + ETH_HDR;
	if (g->segs > 1) {
		capnet_put16(ip + 2, (uint16_t)(n - ETH_HDR));
		capnet_put16(ip + 10, 0);
		capnet_put16(ip + 10, capnet_csum(ip, IP_HDR));
		info->gso_segs = g->segs;
		info->gso_size = g->gso_size;
	}
	/* Every segment's checksum was checked on the way in; the field of
	 * the whole is the first segment's and means nothing now. */
	info->csum_valid = true;
	g->len = 0;
	return n;
}
