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

/* What a driver knows about a received frame beyond its bytes (GRO: RFC
 * 9293 lets a receiver treat in-order segments as one; the driver did the
 * checks that make that safe). All zero: an ordinary frame. */
struct capnet_nic_rx_info {
	/* > 1: an IPv4/TCP super-frame that stands for this many segments of
	 * one connection, in order (a TSO frame the kernel handed over, or
	 * segments the driver coalesced): one IPv4 and TCP header whose
	 * lengths cover the whole payload, which may exceed the MTU. The
	 * driver checked that every segment but the last carries exactly
	 * gso_size bytes, that only the last could carry PSH or FIN, and that
	 * their ACK, window and options were identical. */
	uint16_t gso_segs;
	uint16_t gso_size;
	/* The TCP/UDP checksum need not be checked: the driver verified it,
	 * or the frame never crossed a wire (VIRTIO_NET_HDR_F_NEEDS_CSUM from
	 * the local kernel, or F_DATA_VALID). The field may then hold only the
	 * pseudo-header sum. Always set for a super-frame. */
	bool csum_valid;
};

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

/* Optional operations beyond the contract (struct capnet_nic.ext; NULL
 * for a driver that has none): kept apart so that drivers written against
 * the three above need no change. */
struct capnet_nic_ext_ops {
	/* Lends the next received frame instead of copying it: *frame points
	 * into the driver's own memory and stays valid until the next call to
	 * a receive op. Same results as `receive`; `info` (zeroed by the
	 * caller) says what the driver knows beyond the bytes (a coalesced
	 * super-frame, a checksum already checked). The iface prefers it: a
	 * super-frame does not fit its MTU-sized buffer. NULL: none. */
	capnet_err (*receive_lend)(void *dev, const uint8_t **frame, size_t *len, struct capnet_nic_rx_info *info);
	/* TSO: copies out one IPv4/TCP super-frame (one header, a payload of
	 * several segments, the TCP checksum over all of it) that the device
	 * cuts into segments of gso_size payload bytes, as RFC 9293 segments
	 * with their own lengths, sequence numbers and checksums (FIN and PSH
	 * on the last only). Results as `transmit`. NULL: none. */
	capnet_err (*transmit_gso)(void *dev, const uint8_t *frame, size_t len, uint16_t gso_size);
	/* The largest IP datagram transmit_gso takes (at most 65535). */
	uint32_t tso_max;
};

struct capnet_nic {
	const struct capnet_nic_ops *ops;
	void *dev;
	struct capnet_mac mac;
	uint16_t mtu; /* IP MTU: the largest Ethernet payload, 1500 by default */
	const struct capnet_nic_ext_ops *ext; /* NULL: none */
};

#endif
