/* NIC operations for a device whose frames are fed in, not received: the
 * fuzzers, benches and script runners that hand frames straight to
 * capnet_iface_input pair these with a transmit of their own. */
#ifndef CAPNET_NIC_NULL_H
#define CAPNET_NIC_NULL_H

#include "capnet/nic.h"

/* Takes the frame and drops it. */
capnet_err capnet_nic_null_transmit(void *dev, const uint8_t *frame, size_t len);
/* Never has a frame: CAPNET_E_AGAIN, always. */
capnet_err capnet_nic_null_receive(void *dev, uint8_t *buf, size_t cap, size_t *len);
/* The link is always up. */
bool capnet_nic_null_link_up(void *dev);

#endif
