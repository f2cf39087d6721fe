/* A loopback NIC (freestanding): every frame transmitted is received back,
 * in order. A bounded ring of copied frames in memory carved once from the
 * caller's arena; transmit appends a copy, receive drains the oldest.
 *
 * It follows the NIC contract (capnet/nic.h): "no frame yet" is
 * CAPNET_E_AGAIN on receive; a full ring refuses the frame with
 * CAPNET_E_AGAIN (the caller counts and drops; nothing is half-sent); a
 * frame longer than a slot is refused whole with CAPNET_E_MSGSIZE; a
 * receive buffer shorter than the next frame consumes and drops it with
 * CAPNET_E_NOBUFS. Every refusal is also counted here. The link is always up.
 *
 * What it is for: a stack that talks to itself (self-addressed traffic,
 * tests of one stack without a simulator), and the smallest example of a
 * driver a bare-metal build can link. */
#ifndef CAPNET_NIC_LOOPBACK_H
#define CAPNET_NIC_LOOPBACK_H

#include <stddef.h>
#include <stdint.h>

#include "capnet/arena.h"
#include "capnet/err.h"
#include "capnet/nic.h"
#include "capnet/types.h"

struct capnet_loopback;

struct capnet_loopback_config {
	uint16_t frames;       /* ring slots; default 8 */
	uint16_t mtu;          /* IP MTU; default 1500. A slot holds 18 + mtu bytes
			        * (Ethernet header with one 802.1Q tag, payload) */
	struct capnet_mac mac; /* the MAC the nic reports */
};

struct capnet_loopback_stats {
	uint64_t tx_frames;   /* frames taken into the ring */
	uint64_t tx_full;     /* refused: the ring was full (E_AGAIN) */
	uint64_t tx_oversize; /* refused: longer than a slot (E_MSGSIZE) */
	uint64_t rx_frames;   /* frames handed out */
	uint64_t rx_nobufs;   /* dropped: the receive buffer was too short (E_NOBUFS) */
};

/* Fills unset (zero) fields with the defaults above. */
void capnet_loopback_config_defaults(struct capnet_loopback_config *cfg);
/* Arena bytes capnet_loopback_create needs for this config (worst case). */
size_t capnet_loopback_arena_need(const struct capnet_loopback_config *cfg);
/* `cfg` may be NULL for defaults (MAC 00:00:00:00:00:00). E_NOMEM when the
 * arena is too small. */
capnet_err capnet_loopback_create(struct capnet_arena *arena, const struct capnet_loopback_config *cfg,
				  struct capnet_loopback **out);
/* The abstract nic to hand to capnet_iface_create; lives as long as lo. */
struct capnet_nic *capnet_loopback_nic(struct capnet_loopback *lo);
/* Frames waiting to be received. */
size_t capnet_loopback_pending(const struct capnet_loopback *lo);
const struct capnet_loopback_stats *capnet_loopback_stats(const struct capnet_loopback *lo);

#endif
