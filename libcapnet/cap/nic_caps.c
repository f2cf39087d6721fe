/* Nic: raw Ethernet frames through a cap (DESIGN: the NIC contract). The
 * holder is a driver or a diagnostic that must see the link itself: it can
 * send and take whole frames, copied, and read the MAC, MTU and link state;
 * it never sees a device address, and the cap reaches nothing else (no
 * socket, no status, no configuration). Receiving drains the NIC's
 * kept-armed pool: "no frame yet" is E_AGAIN, a normal answer that resets
 * nothing. A stack whose driver holds this cap is built with
 * iface.rx_by_driver, so that the interface does not race the driver for
 * frames; the driver hands what it takes to capnet_iface_input. */
#include "cap/capsys_internal.h"
#include "capnet/wire/ethernet.h"

/* The largest frame: the MTU behind a tagged (802.1Q) Ethernet header. */
#define NIC_FRAME_OVERHEAD ((size_t)CAPNET_ETH_VLAN_HDR_LEN)

capnet_err capnet_netmgr_mint_nic(struct capnet_cspace *cs, capnet_handle nm, capnet_handle *out)
{
	struct capnet_cap_info info;
	capnet_err e = capnet_cap_check(cs, nm, CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_MINT, NULL, &info);
	if (e != CAPNET_OK)
		return e;
	const struct capnet_net *net = info.obj;
	if (net->nic == NULL)
		return CAPNET_E_NOTCONFIGURED;
	struct capnet_cap_mint_args a = {CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_MINT, NULL, CAPNET_CAP_NIC,
					 capnet_cap_type_rights(CAPNET_CAP_NIC), NULL, info.obj, NULL};
	return capnet_cap_mint(cs, nm, &a, out);
}

/* capsys_gate for a Nic cap: the network's nic in *nic. */
static capnet_err nic_check(struct capnet_cspace *cs, capnet_handle h, uint32_t rights, bool args,
			    struct capnet_nic **nic)
{
	void *obj = NULL;
	capnet_err e = capsys_gate(cs, h, CAPNET_CAP_NIC, rights, args, &obj);
	*nic = obj != NULL ? ((struct capnet_net *)obj)->nic : NULL;
	return e;
}

static bool link_up(const struct capnet_nic *nic)
{
	return nic->ops->link_up == NULL || nic->ops->link_up(nic->dev);
}

capnet_err capnet_niccap_info(struct capnet_cspace *cs, capnet_handle h, struct capnet_nic_info *out)
{
	struct capnet_nic *nic;
	capnet_err e = nic_check(cs, h, CAPNET_RIGHT_READ, out != NULL, &nic);
	if (e != CAPNET_OK)
		return e;
	out->mac = nic->mac;
	out->mtu = nic->mtu;
	out->link_up = link_up(nic);
	return CAPNET_OK;
}

capnet_err capnet_niccap_transmit(struct capnet_cspace *cs, capnet_handle h, const void *frame, size_t len)
{
	struct capnet_nic *nic;
	capnet_err e = nic_check(cs, h, CAPNET_RIGHT_SEND, frame != NULL && len >= CAPNET_ETH_HDR_LEN, &nic);
	if (e != CAPNET_OK)
		return e;
	if (len > nic->mtu + NIC_FRAME_OVERHEAD)
		return CAPNET_E_MSGSIZE;
	if (!link_up(nic))
		return CAPNET_E_LINKDOWN;
	return nic->ops->transmit(nic->dev, frame, len);
}

capnet_err capnet_niccap_receive(struct capnet_cspace *cs, capnet_handle h, void *buf, size_t cap, size_t *len)
{
	struct capnet_nic *nic;
	capnet_err e = nic_check(cs, h, CAPNET_RIGHT_RECV, buf != NULL && len != NULL, &nic);
	if (e != CAPNET_OK)
		return e;
	*len = 0;
	return nic->ops->receive(nic->dev, buf, cap, len);
}
