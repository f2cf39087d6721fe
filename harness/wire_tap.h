/* A wire tap for proofs: one more port on a simulator hub (which floods
 * every frame to every port) that records each TCP segment it sees -- when
 * it arrived, the addresses, flags, sequence numbers and payload length --
 * so a proof can assert what was on the wire and when, not what a stack
 * says it sent. */
#ifndef CAPNET_HARNESS_WIRE_TAP_H
#define CAPNET_HARNESS_WIRE_TAP_H

#include <stddef.h>
#include <stdint.h>

#include "capnet/types.h"
#include "sim/sim.h"

#define WIRE_TAP_MAX 512

struct wire_seg {
	capnet_instant at; /* seen by the tap (sent + the sender's cable delay) */
	capnet_ip4addr src, dst;
	uint16_t sport, dport;
	uint8_t flags; /* CAPNET_TCP_* flag bits */
	uint32_t seq, ack;
	uint32_t len;  /* payload bytes */
};

struct wire_tap {
	struct capnet_sim *sim;
	struct capnet_nic *nic;
	int port;
	size_t n;
	uint64_t frames, dropped; /* every frame seen; segments beyond WIRE_TAP_MAX */
	struct wire_seg seg[WIRE_TAP_MAX];
};

/* Adds the tap's port (a MAC that never transmits) and its participant. */
capnet_err wire_tap_open(struct wire_tap *t, struct capnet_sim *sim);
/* The i-th segment from src:sport at or after `from` (NULL when none);
 * sport 0 matches any port. */
const struct wire_seg *wire_tap_find(const struct wire_tap *t, capnet_ip4addr src, uint16_t sport, capnet_instant from,
				     size_t *index);
/* "SYN", "ACK", "FIN|ACK", "RST", ... */
const char *wire_flags(uint8_t flags);

#endif
