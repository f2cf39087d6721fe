/* The loopback NIC (capnet/nic_loopback.h): a ring of `frames` fixed-size
 * slots and their lengths. head is the oldest frame; count frames follow
 * it, wrapping. Frames are copied in on transmit and out on receive, so
 * the caller never holds a pointer into the ring. */
#include <string.h>

#include "capnet/nic_loopback.h"

/* Ethernet header (14) + one 802.1Q tag (4): what a slot holds beyond the MTU. */
#define LOOPBACK_L2_MAX 18u

struct capnet_loopback {
	struct capnet_nic nic;
	uint8_t *slots;   /* frames * slot_cap bytes */
	uint32_t *lens;   /* frames entries */
	size_t slot_cap;
	uint16_t frames;
	uint16_t head;
	uint16_t count;
	struct capnet_loopback_stats stats;
};

void capnet_loopback_config_defaults(struct capnet_loopback_config *cfg)
{
	if (cfg->frames == 0)
		cfg->frames = 8;
	if (cfg->mtu == 0)
		cfg->mtu = 1500;
}

static struct capnet_loopback_config effective(const struct capnet_loopback_config *in)
{
	struct capnet_loopback_config c = {0, 0, {{0}}};
	if (in != NULL)
		c = *in;
	capnet_loopback_config_defaults(&c);
	return c;
}

#define ALIGN _Alignof(max_align_t)

size_t capnet_loopback_arena_need(const struct capnet_loopback_config *cfg)
{
	struct capnet_loopback_config c = effective(cfg);
	size_t slot_cap = LOOPBACK_L2_MAX + (size_t)c.mtu;
	return sizeof(struct capnet_loopback) + ALIGN + slot_cap * c.frames + ALIGN + sizeof(uint32_t) * c.frames +
	       ALIGN;
}

static capnet_err lo_transmit(void *dev, const uint8_t *frame, size_t len)
{
	struct capnet_loopback *lo = dev;
	if (frame == NULL || len == 0)
		return CAPNET_E_INVAL;
	if (len > lo->slot_cap) {
		lo->stats.tx_oversize++;
		return CAPNET_E_MSGSIZE;
	}
	if (lo->count == lo->frames) {
		lo->stats.tx_full++;
		return CAPNET_E_AGAIN;
	}
	uint16_t slot = (uint16_t)((lo->head + lo->count) % lo->frames);
	memcpy(lo->slots + (size_t)slot * lo->slot_cap, frame, len);
	lo->lens[slot] = (uint32_t)len;
	lo->count++;
	lo->stats.tx_frames++;
	return CAPNET_OK;
}

static capnet_err lo_receive(void *dev, uint8_t *buf, size_t cap, size_t *len)
{
	struct capnet_loopback *lo = dev;
	if (lo->count == 0)
		return CAPNET_E_AGAIN;
	uint16_t slot = lo->head;
	size_t n = lo->lens[slot];
	lo->head = (uint16_t)((lo->head + 1) % lo->frames);
	lo->count--;
	if (n > cap || buf == NULL) {
		lo->stats.rx_nobufs++;
		return CAPNET_E_NOBUFS;
	}
	memcpy(buf, lo->slots + (size_t)slot * lo->slot_cap, n);
	*len = n;
	lo->stats.rx_frames++;
	return CAPNET_OK;
}

static bool lo_link_up(void *dev)
{
	(void)dev;
	return true;
}

static const struct capnet_nic_ops loopback_ops = {lo_transmit, lo_receive, lo_link_up};

capnet_err capnet_loopback_create(struct capnet_arena *arena, const struct capnet_loopback_config *cfg,
				  struct capnet_loopback **out)
{
	if (arena == NULL || out == NULL)
		return CAPNET_E_INVAL;
	*out = NULL;
	struct capnet_loopback_config c = effective(cfg);
	size_t slot_cap = LOOPBACK_L2_MAX + (size_t)c.mtu;
	struct capnet_loopback *lo = capnet_arena_alloc(arena, sizeof *lo, ALIGN);
	if (lo == NULL)
		return CAPNET_E_NOMEM;
	lo->slots = capnet_arena_alloc(arena, slot_cap * c.frames, ALIGN);
	lo->lens = capnet_arena_alloc(arena, sizeof(uint32_t) * c.frames, ALIGN);
	if (lo->slots == NULL || lo->lens == NULL)
		return CAPNET_E_NOMEM;
	lo->slot_cap = slot_cap;
	lo->frames = c.frames;
	lo->nic.ops = &loopback_ops;
	lo->nic.dev = lo;
	lo->nic.mac = c.mac;
	lo->nic.mtu = c.mtu;
	*out = lo;
	return CAPNET_OK;
}

struct capnet_nic *capnet_loopback_nic(struct capnet_loopback *lo)
{
	return &lo->nic;
}

size_t capnet_loopback_pending(const struct capnet_loopback *lo)
{
	return lo->count;
}

const struct capnet_loopback_stats *capnet_loopback_stats(const struct capnet_loopback *lo)
{
	return &lo->stats;
}
