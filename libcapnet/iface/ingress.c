/* Ingress: nic -> Ethernet (filter by MAC) -> ARP or IPv4 -> protocol.
 * Every drop is counted under its reason; nothing here trusts the bytes. */
#include "capnet/wire/bytes.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "iface_internal.h"

void capnet_iface_input(struct capnet_iface *ifc, const uint8_t *frame, size_t len, capnet_instant now)
{
	IFACE_COUNT(ifc, eth_rx_frames);
	if (IFACE_TAP_ACTIVE(ifc))
		capnet_iface_tap_frame(ifc, frame, len, CAPNET_IFACE_RX, now);
	struct capnet_eth_repr eth;
	if (capnet_eth_parse(frame, len, &eth) != CAPNET_OK) {
		IFACE_COUNT(ifc, eth_rx_truncated);
		return;
	}
	if (!capnet_mac_eq(eth.dst, ifc->mac) && !capnet_mac_is_broadcast(eth.dst)) {
		IFACE_COUNT(ifc, eth_rx_not_for_us);
		return;
	}
	if (eth.vlan)
		IFACE_COUNT(ifc, eth_rx_vlan);
	size_t plen = len - eth.header_len;
	if (plen > ifc->mtu) {
		IFACE_COUNT(ifc, eth_rx_oversize);
		return;
	}
	const uint8_t *payload = frame + eth.header_len;
	switch (eth.ethertype) {
	case CAPNET_ETHERTYPE_ARP:
		capnet_arp_input(ifc, payload, plen, now);
		break;
	case CAPNET_ETHERTYPE_IPV4:
		capnet_iface_ip4_input(ifc, &eth, payload, plen, now);
		break;
	default:
		IFACE_COUNT(ifc, eth_rx_unknown_type);
		break;
	}
}

/* Maps a failed view check to the ipstat-style reason. */
static void count_ip4_header_error(struct capnet_iface *ifc, const uint8_t *pkt, size_t len)
{
	if (len < CAPNET_IP4_HDR_LEN) {
		IFACE_COUNT(ifc, ip_tooshort);
		return;
	}
	if ((pkt[CAPNET_IP4_VER_IHL] >> 4) != 4) {
		IFACE_COUNT(ifc, ip_badversion);
		return;
	}
	size_t hlen = (size_t)(pkt[CAPNET_IP4_VER_IHL] & 0x0f) * 4;
	if (hlen < CAPNET_IP4_HDR_LEN || hlen > len) {
		IFACE_COUNT(ifc, ip_badhlen);
		return;
	}
	IFACE_COUNT(ifc, ip_badlen);
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
			    size_t len, capnet_instant now)
{
	IFACE_COUNT(ifc, ip_rx_packets);
	struct capnet_ip4_view v;
	if (capnet_ip4_view_check(&v, pkt, len) != CAPNET_OK) {
		count_ip4_header_error(ifc, pkt, len);
		return;
	}
	if (!capnet_ip4_checksum_ok(&v)) {
		IFACE_COUNT(ifc, ip_badsum);
		return;
	}
	capnet_ip4addr src = capnet_ip4_src(&v), dst = capnet_ip4_dst(&v);
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
			       capnet_ip4_proto(&v) == CAPNET_IPPROTO_UDP;
	if (!bcast && !capnet_iface_is_local(ifc, dst) && !unconfigured_ok) {
		IFACE_COUNT(ifc, ip_not_for_us);
		return;
	}
	/* No reassembly: a fragment must never be taken for a whole datagram. */
	if (capnet_ip4_is_fragment(&v)) {
		IFACE_COUNT(ifc, ip_fragments);
		return;
	}
	size_t hlen = capnet_ip4_header_len(&v);
	struct capnet_l3_rx rx = {
		.src = capnet_ipaddr_from_ip4(src),
		.dst = capnet_ipaddr_from_ip4(dst),
		.src4 = src,
		.dst4 = dst,
		.proto = capnet_ip4_proto(&v),
		.ttl = capnet_ip4_ttl(&v),
		.tos = v.buf[CAPNET_IP4_TOS],
		.link_broadcast = capnet_mac_is_broadcast(eth->dst),
		.ip_broadcast = bcast,
		.src_mac = eth->src,
		.ip_header = v.buf,
		.ip_header_len = hlen,
		.payload = v.buf + hlen,
		.payload_len = v.len - hlen,
	};
	deliver(ifc, &rx, now);
}
