/* IPv6 frames of the ping fixtures, read and built with the library's
 * codecs. */
#include "sim/peer6.h"

#include <string.h>

#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ndp.h"

struct capnet_ip6addr peer6_link_local(struct capnet_mac m)
{
	struct capnet_ip6addr a = {{0xfe, 0x80}};
	a.b[8] = m.b[0] ^ 0x02;
	a.b[9] = m.b[1];
	a.b[10] = m.b[2];
	a.b[11] = 0xff;
	a.b[12] = 0xfe;
	a.b[13] = m.b[3];
	a.b[14] = m.b[4];
	a.b[15] = m.b[5];
	return a;
}

struct capnet_mac peer6_dst_mac(const struct capnet_ip6addr *dst, struct capnet_mac sender)
{
	return capnet_ip6_is_multicast(dst) ? capnet_ip6_multicast_mac(dst) : sender;
}

void peer6_send(struct capnet_nic *nic, struct capnet_mac src_mac, struct capnet_mac dst_mac,
		const struct capnet_ip6addr *src, const struct capnet_ip6addr *dst, uint8_t hop_limit, const uint8_t *msg,
		size_t len)
{
	uint8_t f[1600];
	if (CAPNET_ETH_HDR_LEN + 40 + len > sizeof f)
		return;
	struct capnet_eth_repr eth = {.dst = dst_mac, .src = src_mac, .ethertype = CAPNET_ETHERTYPE_IPV6};
	size_t n = capnet_eth_emit(&eth, f);
	struct capnet_ip6_repr ip = {.src = *src, .dst = *dst, .next_header = 58, .hop_limit = hop_limit,
				     .payload_len = len};
	n += capnet_ip6_emit(&ip, f + n);
	memcpy(f + n, msg, len);
	n += len;
	if (n < 60) {
		memset(f + n, 0, 60 - n);
		n = 60;
	}
	nic->ops->transmit(nic->dev, f, n);
}

bool peer6_answer_ns(struct capnet_nic *nic, struct capnet_mac mac, struct capnet_mac sender,
		     const struct capnet_ip6_repr *ip, const uint8_t *msg, size_t len, const struct capnet_ip6addr *addrs,
		     unsigned n, bool router)
{
	struct capnet_icmp6_repr r;
	struct capnet_ndp_repr ns;
	if (capnet_icmp6_parse(msg, len, &ip->src, &ip->dst, &r, NULL) != CAPNET_OK ||
	    r.type != CAPNET_ICMP6_NEIGHBOR_SOLICIT || capnet_ndp_parse(r.type, r.data, r.data_len, &ns, NULL) != CAPNET_OK)
		return false;
	unsigned i = 0;
	while (i < n && !capnet_ip6_eq(&addrs[i], &ns.target))
		i++;
	if (i == n)
		return false;
	/* RFC 4861 7.2.4: to the solicitation's source, or to all nodes when
	 * it came from :: (DAD), then unsolicited. */
	bool dad = capnet_ip6_is_unspecified(&ip->src);
	struct capnet_ip6addr dst = ip->src;
	if (dad) {
		memset(&dst, 0, sizeof dst);
		dst.b[0] = 0xff;
		dst.b[1] = 0x02;
		dst.b[15] = 1;
	}
	struct capnet_ndp_repr na = {.type = CAPNET_ICMP6_NEIGHBOR_ADVERT, .target = ns.target, .router = router,
				     .solicited = !dad, .override = true, .has_tlla = true, .tlla = mac};
	uint8_t m[128];
	size_t ml = capnet_ndp_emit(&na, &ns.target, &dst, m);
	peer6_send(nic, mac, peer6_dst_mac(&dst, sender), &ns.target, &dst, 255, m, ml);
	return true;
}
