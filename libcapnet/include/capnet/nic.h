/* The abstract NIC (DESIGN: The NIC contract). Raw Ethernet frames, copied:
 * the nic owns its buffers and callers never see device addresses. Receive
 * drains from a kept-armed RX pool; "no frame yet" is CAPNET_E_AGAIN, a
 * normal result that must not reset anything. */
#ifndef CAPNET_NIC_H
#define CAPNET_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/err.h"
#include "capnet/types.h"

struct capnet_nic_ops {
	/* Copy one frame out. CAPNET_E_AGAIN when the device cannot take it now
	 * (the caller counts and drops: no frame is ever half-sent). */
	capnet_err (*transmit)(void *dev, const uint8_t *frame, size_t len);
	/* Copy the next received frame into buf. CAPNET_OK with *len set,
	 * CAPNET_E_AGAIN when no frame is waiting, CAPNET_E_NOBUFS when the frame
	 * was longer than cap (it is consumed and dropped). */
	capnet_err (*receive)(void *dev, uint8_t *buf, size_t cap, size_t *len);
	bool (*link_up)(void *dev);
};

struct capnet_nic {
	const struct capnet_nic_ops *ops;
	void *dev;
	struct capnet_mac mac;
	uint16_t mtu; /* IP MTU: the largest Ethernet payload, 1500 by default */
};

#endif
