/* IPv4 address conflict detection (RFC 5227): what every received ARP
 * packet is checked for before the neighbour cache learns from it -- an
 * address being probed seen in use (the watcher), and another host
 * claiming the address we hold (the defence, 2.4). */
#include "capnet/wire/arp.h"
#include "../iface_internal.h"

/* RFC 5227 1.1: DEFEND_INTERVAL. */
#define ACD_DEFEND_INTERVAL CAPNET_S(10)

bool capnet_acd_arp_input(struct capnet_iface *ifc, const struct capnet_arp_repr *a, capnet_instant now)
{
	if (ifc->arp_watch_fn && (a->spa == ifc->arp_watch_ip || a->tpa == ifc->arp_watch_ip))
		ifc->arp_watch_fn(ifc->arp_watch_ctx, &a->sha, a->spa, a->tpa, a->oper, now);

	capnet_ip4addr me = ifc->ip4.addr;
	if (me == 0 || a->spa != me)
		return false;
	/* Someone else claims our address. RFC 5227 2.4 (b): defend with one
	 * announcement, at most once per DEFEND_INTERVAL. */
	IFACE_COUNT(ifc, arp_conflicts);
	if (now - ifc->arp_defend_at >= ACD_DEFEND_INTERVAL) {
		ifc->arp_defend_at = now;
		capnet_arp_send_gratuitous(ifc, now);
	}
	return true;
}

void capnet_arp_watch(struct capnet_iface *ifc, capnet_ip4addr ip, capnet_arp_watch_fn fn, void *ctx)
{
	ifc->arp_watch_ip = ip;
	ifc->arp_watch_fn = fn;
	ifc->arp_watch_ctx = ctx;
}
