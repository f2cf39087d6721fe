/* Software GRO for the TAP backend (private; hosted).
 *
 * Without offloads every read() is one frame. In-order TCP segments of
 * one connection read in the same wakeup are joined here into one
 * super-frame before the stack sees them, so TCP takes them as one
 * segment and decides once whether to ACK (capnet_nic_rx_info: it still
 * counts them as segments, RFC 5681 4.2). Only what the receiver would
 * treat the same way whether joined or not is joined: same addresses,
 * ports, ACK, window and option bytes (so the same timestamp), contiguous
 * sequence numbers, every segment but the last exactly as long as the
 * first, flags ACK (PSH only on the last), each checksum checked here.
 * Anything else is handed over alone, untouched, for the stack to check. */
#ifndef CAPNET_HOST_TAP_GRO_H
#define CAPNET_HOST_TAP_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/nic.h"

/* The largest super-frame, Ethernet header included: within a capture's
 * 64 KiB snaplen, so a recording of it is never cut short. */
#define TAP_GRO_MAX 65535
/* Segments joined at most (as Linux's GRO: 64). */
#define TAP_GRO_SEGS 64

struct tap_gro {
	uint8_t *buf;      /* TAP_GRO_MAX bytes: the super-frame being built */
	size_t len;        /* 0: nothing held */
	size_t l4, hl;     /* offsets of the TCP header and of the payload */
	uint32_t next_seq; /* what the next segment must start at */
	uint16_t gso_size; /* the first segment's payload */
	uint16_t segs;
	bool closed;       /* a short segment or PSH ended it: nothing more joins */
};

enum tap_gro_result {
	TAP_GRO_HELD,   /* the frame is in the super-frame */
	TAP_GRO_FLUSH,  /* it does not join what is held: finish that first, then add it again */
	TAP_GRO_ALONE,  /* not a segment to join (nothing is held): hand it over as it is */
};

/* Offers one Ethernet frame. */
enum tap_gro_result tap_gro_add(struct tap_gro *g, const uint8_t *frame, size_t len);
/* Finishes what is held (IPv4 total length and header checksum for the
 * whole) and describes it in info; returns its length and empties g on the
 * next add. 0 when nothing is held. */
size_t tap_gro_finish(struct tap_gro *g, struct capnet_nic_rx_info *info);

#endif
