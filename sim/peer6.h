/* The IPv6 frame plumbing the ping fixtures share (sim/echo_host.c,
 * sim/router.c): their link-local address, answering neighbour
 * solicitations for their addresses, and sending an ICMPv6 message.
 * Private to sim/. */
#ifndef CAPNET_SIM_PEER6_H
#define CAPNET_SIM_PEER6_H

#include <stdbool.h>

#include "capnet/nic.h"
#include "capnet/types.h"
#include "capnet/wire/ipv6.h"

/* fe80::/64 with the modified EUI-64 of mac (RFC 4291 2.5.1). */
struct capnet_ip6addr peer6_link_local(struct capnet_mac mac);
/* One ICMPv6 message (already sealed for src -> dst) in a frame. */
void peer6_send(struct capnet_nic *nic, struct capnet_mac src_mac, struct capnet_mac dst_mac,
		const struct capnet_ip6addr *src, const struct capnet_ip6addr *dst, uint8_t hop_limit, const uint8_t *msg,
		size_t len);
/* The Ethernet address of an IPv6 destination we answer: the sender's for
 * unicast, 33:33:x for multicast. */
struct capnet_mac peer6_dst_mac(const struct capnet_ip6addr *dst, struct capnet_mac sender);
/* If the ICMPv6 message `msg` (from ip->src) is a neighbour solicitation
 * for one of addrs[0..n), answers it with a solicited NA carrying mac
 * (R flag when `router`) and returns true. */
bool peer6_answer_ns(struct capnet_nic *nic, struct capnet_mac mac, struct capnet_mac sender,
		     const struct capnet_ip6_repr *ip, const uint8_t *msg, size_t len, const struct capnet_ip6addr *addrs,
		     unsigned n, bool router);

#endif
