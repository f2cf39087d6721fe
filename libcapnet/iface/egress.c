/* Egress: protocol -> IPv4 header -> route -> neighbour cache (ARP) ->
 * Ethernet -> nic. */
#include <string.h>

#include "capnet/wire/ipv4.h"
#include "iface_internal.h"

/* Counts what the nic said of a frame handed to it (e) and shows a sent
 * frame to the tap; returns e. */
static capnet_err transmitted(struct capnet_iface *ifc, capnet_err e, const uint8_t *frame, size_t len,
			      capnet_instant now)
{
	if (e != CAPNET_OK) {
		IFACE_COUNT(ifc, nic_tx_errors);
		return e;
	}
	IFACE_COUNT(ifc, eth_tx_frames);
	if (IFACE_TAP_ACTIVE(ifc))
		capnet_iface_tap_frame(ifc, frame, len, CAPNET_IFACE_TX, now);
	return CAPNET_OK;
}

/* A super-frame goes to the nic's TSO; anything that fits the MTU as it is. */
static capnet_err eth_transmit_gso(struct capnet_iface *ifc, uint8_t *frame, size_t len, uint16_t gso_size,
				   capnet_instant now)
{
	if (len <= IFACE_TX_L3 + (size_t)ifc->mtu)
		return capnet_iface_eth_transmit(ifc, frame, len, now);
	return transmitted(ifc, ifc->nic->ext->transmit_gso(ifc->nic->dev, frame, len, gso_size), frame, len, now);
}

capnet_err capnet_iface_eth_transmit(struct capnet_iface *ifc, uint8_t *frame, size_t len, capnet_instant now)
{
	/* Pad to the Ethernet minimum so what we put on the wire (and in a
	 * capture) is a legal frame; receivers ignore the padding. */
	if (len < IFACE_MIN_FRAME) {
		memset(frame + len, 0, IFACE_MIN_FRAME - len);
		len = IFACE_MIN_FRAME;
	}
	return transmitted(ifc, ifc->nic->ops->transmit(ifc->nic->dev, frame, len), frame, len, now);
}

uint8_t *capnet_ip4_tx_buffer(struct capnet_iface *ifc, size_t *cap)
{
	*cap = (size_t)ifc->mtu - CAPNET_IP4_HDR_LEN;
	return ifc->tx_buf + IFACE_TX_L3 + CAPNET_IP4_HDR_LEN;
}

uint32_t capnet_iface_tso_max(const struct capnet_iface *ifc)
{
	return ifc->tso_max;
}

uint8_t *capnet_ip4_tx_buffer_gso(struct capnet_iface *ifc, size_t *gso_cap)
{
	size_t ip = ifc->tso_max > ifc->mtu ? ifc->tso_max : ifc->mtu;
	*gso_cap = ip - CAPNET_IP4_HDR_LEN;
	return ifc->tx_buf + IFACE_TX_L3 + CAPNET_IP4_HDR_LEN;
}

/* RFC 1112 6.4: IPv4 multicast maps to 01:00:5e + low 23 bits. */
static struct capnet_mac multicast_mac(capnet_ip4addr dst)
{
	struct capnet_mac m = {{0x01, 0x00, 0x5e, (uint8_t)((dst >> 16) & 0x7f), (uint8_t)(dst >> 8), (uint8_t)dst}};
	return m;
}

capnet_err capnet_ip4_send(struct capnet_iface *ifc, const struct capnet_ip4_tx *tx, size_t l4_len,
			   capnet_instant now)
{
	capnet_ip4addr src = tx->src ? tx->src : ifc->ip4.addr;
	if (src == 0 && !(tx->flags & CAPNET_IP4_TX_UNCONFIGURED_OK)) {
		IFACE_COUNT(ifc, ip_tx_unconfigured);
		return CAPNET_E_NOTCONFIGURED;
	}
	bool super = tx->gso_size > 0 && l4_len > (size_t)ifc->mtu - CAPNET_IP4_HDR_LEN;
	size_t max_ip = super ? ifc->tso_max : ifc->mtu;
	if (l4_len > max_ip - CAPNET_IP4_HDR_LEN || (super && tx->proto != CAPNET_IPPROTO_TCP))
		return CAPNET_E_MSGSIZE;

	struct capnet_eth_repr eth = {.src = ifc->mac, .ethertype = CAPNET_ETHERTYPE_IPV4};
	capnet_ip4addr next_hop = 0;
	bool need_arp = false;
	if (tx->flags & CAPNET_IP4_TX_DST_MAC) {
		eth.dst = tx->dst_mac;
	} else if (capnet_iface_is_broadcast(ifc, tx->dst)) {
		eth.dst = CAPNET_MAC_BROADCAST;
	} else if ((tx->dst >> 28) == 0xe) {
		eth.dst = multicast_mac(tx->dst);
	} else {
		if (capnet_iface_route_lookup(ifc, tx->dst, &next_hop) != CAPNET_OK) {
			IFACE_COUNT(ifc, ip_noroute);
			return CAPNET_E_NOROUTE;
		}
		struct capnet_ipaddr nh = capnet_ipaddr_from_ip4(next_hop);
		capnet_err e = ifc->neigh[IFACE_NEIGH_INET]->lookup(ifc, &nh, &eth.dst);
		if (e == CAPNET_E_UNREACHABLE)
			return e;
		need_arp = e != CAPNET_OK;
	}

	struct capnet_ip4_repr ip = {
		.src = src,
		.dst = tx->dst,
		.proto = tx->proto,
		.ttl = tx->ttl ? tx->ttl : ifc->cfg.ip_ttl,
		.tos = tx->tos,
		.ident = ifc->ip_ident++,
		.dont_fragment = (tx->flags & CAPNET_IP4_TX_DONT_FRAGMENT) != 0,
		.payload_len = l4_len,
	};
	capnet_ip4_emit(&ip, ifc->tx_buf + IFACE_TX_L3);
	capnet_eth_emit(&eth, ifc->tx_buf);
	size_t frame_len = IFACE_TX_L3 + CAPNET_IP4_HDR_LEN + l4_len;
	IFACE_COUNT(ifc, ip_tx_packets);
	if (need_arp) {
		/* The queue holds MTU-sized frames: a super-frame waits for no
		 * neighbour (TCP's retransmission sends it again, cut). */
		if (super)
			return CAPNET_E_AGAIN;
		struct capnet_ipaddr nh = capnet_ipaddr_from_ip4(next_hop);
		return ifc->neigh[IFACE_NEIGH_INET]->enqueue(ifc, &nh, ifc->tx_buf, frame_len, now);
	}
	if (super)
		return eth_transmit_gso(ifc, ifc->tx_buf, frame_len, tx->gso_size, now);
	return capnet_iface_eth_transmit(ifc, ifc->tx_buf, frame_len, now);
}
