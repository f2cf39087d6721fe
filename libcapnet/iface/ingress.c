/* Ingress: nic -> Ethernet (filter by MAC) -> ARP or IPv4 -> protocol.
 * Every drop is counted under its reason; nothing here trusts the bytes. */
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "iface_internal.h"

/* A super-frame may exceed the link MTU only as one IPv4 datagram (whose
 * total length field still bounds it to 64 KiB) carrying TCP. */
static bool super_frame_ok(const struct capnet_eth_repr *eth, const uint8_t *payload, size_t plen)
{
	return eth->ethertype == CAPNET_ETHERTYPE_IPV4 && plen >= 20 && plen <= 65535 &&
	       payload[9] == CAPNET_IPPROTO_TCP;
}

void capnet_iface_input(struct capnet_iface *ifc, const uint8_t *frame, size_t len, capnet_instant now)
{
	capnet_iface_input_info(ifc, frame, len, NULL, now);
}

void capnet_iface_input_info(struct capnet_iface *ifc, const uint8_t *frame, size_t len,
			     const struct capnet_nic_rx_info *info, capnet_instant now)
{
	static const struct capnet_nic_rx_info plain;
	if (info == NULL)
		info = &plain;
	IFACE_COUNT(ifc, eth_rx_frames);
	if (IFACE_TAP_ACTIVE(ifc))
		capnet_iface_tap_frame(ifc, frame, len, CAPNET_IFACE_RX, now);
	struct capnet_eth_repr eth;
	if (capnet_eth_parse(frame, len, &eth, NULL) != CAPNET_OK) {
		IFACE_COUNT(ifc, eth_rx_truncated); /* every reason is a short frame */
		return;
	}
	if (!capnet_mac_eq(eth.dst, ifc->mac) && !capnet_mac_is_broadcast(eth.dst) &&
	    !capnet_ip6_mac_wanted(ifc, eth.dst)) {
		IFACE_COUNT(ifc, eth_rx_not_for_us);
		/* IPv6 multicast for a group we did not join (RFC 2464 7). */
		if (ifc->ip6 && eth.dst.b[0] == 0x33 && eth.dst.b[1] == 0x33)
			capnet_ip6_count_mcast_filtered(ifc);
		return;
	}
	if (eth.vlan)
		IFACE_COUNT(ifc, eth_rx_vlan);
	size_t plen = len - eth.header_len;
	const uint8_t *payload = frame + eth.header_len;
	bool super = info->gso_segs > 1;
	/* What the link carries, whatever MTU we send with; a super-frame
	 * stands for several frames that each fit. */
	if (super ? !super_frame_ok(&eth, payload, plen) : plen > ifc->nic->mtu) {
		IFACE_COUNT(ifc, eth_rx_oversize);
		return;
	}
	switch (eth.ethertype) {
	case CAPNET_ETHERTYPE_ARP:
		capnet_arp_input(ifc, payload, plen, now);
		break;
	case CAPNET_ETHERTYPE_IPV4:
		capnet_iface_ip4_input(ifc, &eth, payload, plen, info, now);
		break;
	case CAPNET_ETHERTYPE_IPV6:
		if (ifc->ip6 == NULL) {
			IFACE_COUNT(ifc, eth_rx_unknown_type); /* as before IPv6 existed */
			break;
		}
		capnet_ip6_input(ifc, &eth, payload, plen, now);
		break;
	default:
		IFACE_COUNT(ifc, eth_rx_unknown_type);
		break;
	}
}

/* The ipstat-style counter for each reason the codec refuses a header. */
static void count_ip4_error(struct capnet_iface *ifc, enum capnet_ip4_error why)
{
	static const enum capnet_stat by_reason[] = {
		[CAPNET_IP4_ERR_TRUNCATED] = CAPNET_STAT_ip_tooshort,
		[CAPNET_IP4_ERR_BAD_VERSION] = CAPNET_STAT_ip_badversion,
		[CAPNET_IP4_ERR_BAD_HLEN] = CAPNET_STAT_ip_badhlen,
		[CAPNET_IP4_ERR_HLEN_BEYOND] = CAPNET_STAT_ip_badhlen,
		[CAPNET_IP4_ERR_BAD_TOTLEN] = CAPNET_STAT_ip_badlen,
		[CAPNET_IP4_ERR_TOTLEN_BEYOND] = CAPNET_STAT_ip_badlen,
		[CAPNET_IP4_ERR_BAD_CHECKSUM] = CAPNET_STAT_ip_badsum,
	};
	CAPNET_IFACE_COUNT_REASON(ifc, by_reason, why);
}

/* Martian sources (RFC 1812 5.3.7): never a valid sender. */
static bool bad_source(const struct capnet_iface *ifc, capnet_ip4addr src)
{
	if (src == CAPNET_IP4_BROADCAST || (src >> 28) == 0xe || (src >> 24) == 127)
		return true;
	return capnet_iface_is_broadcast(ifc, src);
}

static void deliver(struct capnet_iface *ifc, const struct capnet_l3_rx *rx, capnet_instant now)
{
	if (rx->proto == CAPNET_IPPROTO_ICMP) {
		capnet_icmp4_input(ifc, rx, now);
		return;
	}
	for (struct capnet_l4_protocol *p = ifc->protos; p; p = p->next) {
		if (p->family == CAPNET_AF_INET && p->proto == rx->proto && p->input) {
			p->input(p->ctx, ifc, rx, now);
			return;
		}
	}
	IFACE_COUNT(ifc, ip_noproto);
	/* RFC 1122 3.2.2.1: SHOULD say protocol unreachable (unicast only). */
	capnet_icmp4_send_error(ifc, CAPNET_ICMP4_DEST_UNREACH, CAPNET_ICMP4_PROTO_UNREACH, rx, now);
}

void capnet_iface_ip4_input(struct capnet_iface *ifc, const struct capnet_eth_repr *eth, const uint8_t *pkt,
			    size_t len, const struct capnet_nic_rx_info *info, capnet_instant now)
{
	IFACE_COUNT(ifc, ip_rx_packets);
	struct capnet_ip4_repr ip;
	enum capnet_ip4_error why;
	if (capnet_ip4_parse(pkt, len, &ip, &why) != CAPNET_OK) {
		count_ip4_error(ifc, why);
		return;
	}
	capnet_ip4addr src = ip.src, dst = ip.dst;
	if (bad_source(ifc, src)) {
		IFACE_COUNT(ifc, ip_badsrc);
		return;
	}
	bool bcast = capnet_iface_is_broadcast(ifc, dst);
	/* Until configured, accept unicast UDP to our MAC for any address: a
	 * DHCP server may unicast the OFFER to the address it is offering
	 * (RFC 2131 4.1). Nothing else: TCP and ICMP echo still need a local
	 * destination (RFC 1122 3.3.4.2). */
	bool unconfigured_ok = ifc->ip4.addr == 0 && !capnet_mac_is_broadcast(eth->dst) &&
			       ip.proto == CAPNET_IPPROTO_UDP;
	if (!bcast && !capnet_iface_is_local(ifc, dst) && !unconfigured_ok) {
		IFACE_COUNT(ifc, ip_not_for_us);
		return;
	}
	/* No reassembly: a fragment must never be taken for a whole datagram. */
	if (ip.more_fragments || ip.frag_offset != 0) {
		IFACE_COUNT(ifc, ip_fragments);
		return;
	}
	struct capnet_l3_rx rx = {
		.src = capnet_ipaddr_from_ip4(src),
		.dst = capnet_ipaddr_from_ip4(dst),
		.src4 = src,
		.dst4 = dst,
		.proto = ip.proto,
		.ttl = ip.ttl,
		.tos = ip.tos,
		.link_broadcast = capnet_mac_is_broadcast(eth->dst),
		.ip_broadcast = bcast,
		.src_mac = eth->src,
		.ip_header = pkt,
		.ip_header_len = ip.header_len,
		.payload = pkt + ip.header_len,
		.payload_len = ip.payload_len,
		.gso_segs = info->gso_segs > 1 ? info->gso_segs : 1,
		.gso_size = info->gso_size,
		.csum_valid = info->csum_valid,
	};
	deliver(ifc, &rx, now);
}
