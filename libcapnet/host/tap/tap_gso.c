/* TAP offloads: checksum completion and TSO segmentation (tap_gso.h). */
#include "tap_gso.h"

#include "capnet/host/tap.h"

#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"

#define ETH_HDR 14
#define ETH_VLAN_HDR 18
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_CWR 0x80

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void tap_vnet_parse(const uint8_t p[TAP_VNET_HDR_LEN], struct tap_vnet_hdr *h)
{
	h->flags = p[0];
	h->gso_type = p[1];
	h->hdr_len = le16(p + 2);
	h->gso_size = le16(p + 4);
	h->csum_start = le16(p + 6);
	h->csum_offset = le16(p + 8);
}

void tap_vnet_emit(const struct tap_vnet_hdr *h, uint8_t p[TAP_VNET_HDR_LEN])
{
	p[0] = h->flags;
	p[1] = h->gso_type;
	put_le16(p + 2, h->hdr_len);
	put_le16(p + 4, h->gso_size);
	put_le16(p + 6, h->csum_start);
	put_le16(p + 8, h->csum_offset);
}

bool tap_csum_complete(uint8_t *frame, size_t len, const struct tap_vnet_hdr *h)
{
	size_t at = (size_t)h->csum_start + h->csum_offset;
	if (h->csum_start >= len || at + 2 > len)
		return false;
	uint16_t sum = capnet_csum_finish(capnet_csum_partial(frame + h->csum_start, len - h->csum_start, 0));
	capnet_put16(frame + at, sum);
	return true;
}

bool tap_gso_init(struct tap_gso *g, const uint8_t *frame, size_t len, const struct tap_vnet_hdr *h)
{
	memset(g, 0, sizeof *g);
	if ((h->gso_type & ~TAP_VNET_GSO_ECN) != TAP_VNET_GSO_TCPV4 || h->gso_size == 0 || len < ETH_HDR)
		return false;
	size_t l3 = capnet_get16(frame + 12) == 0x8100 ? ETH_VLAN_HDR : ETH_HDR;
	if (len < l3 + 20 || capnet_get16(frame + l3 - 2) != 0x0800 || frame[l3] >> 4 != 4)
		return false;
	size_t ihl = (size_t)(frame[l3] & 0x0f) * 4;
	/* Protocol TCP, not a fragment (MF or offset). */
	if (ihl < 20 || len < l3 + ihl + 20 || frame[l3 + 9] != 6 || (capnet_get16(frame + l3 + 6) & 0x3fff) != 0)
		return false;
	size_t l4 = l3 + ihl;
	size_t doff = (size_t)(frame[l4 + 12] >> 4) * 4;
	if (doff < 20 || len < l4 + doff)
		return false;
	size_t hl = l4 + doff;
	if (len == hl)
		return false; /* no payload to cut */
	g->frame = frame;
	g->len = len;
	g->l3 = l3;
	g->l4 = l4;
	g->hl = hl;
	g->mss = h->gso_size;
	g->nseg = (len - hl + g->mss - 1) / g->mss;
	return true;
}

size_t tap_gso_segment(const struct tap_gso *g, size_t k, uint8_t *out, size_t cap)
{
	if (k >= g->nseg)
		return 0;
	size_t off = k * g->mss, plen = g->len - g->hl - off;
	if (plen > g->mss)
		plen = g->mss;
	size_t n = g->hl + plen;
	if (n > cap)
		return 0;
	memcpy(out, g->frame, g->hl);
	memcpy(out + g->hl, g->frame + g->hl + off, plen);
	/* IPv4: this segment's length, identification (the first plus k, as
	 * the kernel's own segmentation numbers them) and header checksum. */
	uint8_t *ip = out + g->l3;
	size_t ihl = g->l4 - g->l3, tcp_len = n - g->l4;
	capnet_put16(ip + 2, (uint16_t)(ihl + tcp_len));
	capnet_put16(ip + 4, (uint16_t)(capnet_get16(ip + 4) + k));
	capnet_put16(ip + 10, 0);
	capnet_put16(ip + 10, capnet_csum(ip, ihl));
	/* TCP: sequence number; CWR only on the first segment (RFC 3168 6.1.2),
	 * FIN and PSH only on the last; the full checksum. */
	uint8_t *tcp = out + g->l4;
	capnet_put32(tcp + 4, capnet_get32(tcp + 4) + (uint32_t)off);
	if (k > 0)
		tcp[13] &= (uint8_t)~TCP_FLAG_CWR;
	if (k + 1 < g->nseg)
		tcp[13] &= (uint8_t)~(TCP_FLAG_FIN | TCP_FLAG_PSH);
	capnet_put16(tcp + 16, 0);
	uint32_t pseudo = capnet_csum_pseudo4(capnet_get32(ip + 12), capnet_get32(ip + 16), 6, (uint16_t)tcp_len);
	capnet_put16(tcp + 16, capnet_csum_finish(capnet_csum_partial(tcp, tcp_len, pseudo)));
	return n;
}

size_t tap_tso_header(const uint8_t *frame, size_t len, uint16_t gso_size, uint8_t vnet[TAP_VNET_HDR_LEN],
		      uint8_t head[TAP_TSO_HEAD_MAX])
{
	if (len < ETH_HDR + 40 || capnet_get16(frame + 12) != 0x0800 || frame[ETH_HDR] >> 4 != 4 ||
	    frame[ETH_HDR + 9] != 6 || gso_size == 0)
		return 0;
	size_t l4 = ETH_HDR + (size_t)(frame[ETH_HDR] & 0x0f) * 4;
	if (l4 < ETH_HDR + 20 || len < l4 + 20)
		return 0;
	size_t hl = l4 + (size_t)(frame[l4 + 12] >> 4) * 4;
	if (hl < l4 + 20 || hl >= len)
		return 0;
	memcpy(head, frame, hl);
	const uint8_t *ip = frame + ETH_HDR;
	uint32_t sum = capnet_csum_pseudo4(capnet_get32(ip + 12), capnet_get32(ip + 16), 6, (uint16_t)(len - l4));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	capnet_put16(head + l4 + 16, (uint16_t)sum);
	struct tap_vnet_hdr h = {.flags = TAP_VNET_F_NEEDS_CSUM,
				 .gso_type = (uint8_t)(TAP_VNET_GSO_TCPV4 | ((frame[l4 + 13] & TCP_FLAG_CWR) ? TAP_VNET_GSO_ECN : 0)),
				 .hdr_len = (uint16_t)hl,
				 .gso_size = gso_size,
				 .csum_start = (uint16_t)l4,
				 .csum_offset = 16};
	tap_vnet_emit(&h, vnet);
	return hl;
}

size_t capnet_tap_gso_segment(const uint8_t *frame, size_t len, uint16_t gso_size, size_t k, uint8_t *out,
			      size_t cap)
{
	struct tap_vnet_hdr h = {.gso_type = TAP_VNET_GSO_TCPV4, .gso_size = gso_size};
	struct tap_gso g;
	if (!tap_gso_init(&g, frame, len, &h))
		return 0;
	return tap_gso_segment(&g, k, out, cap);
}
