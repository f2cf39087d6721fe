/* One split virtqueue (virtio 1.x, 2.7), the driver's side: layout of the
 * three areas in one DMA allocation, publishing a buffer, deciding whether
 * the device wants a notification, and reading used elements with every
 * field checked before it is believed. Private to the virtio driver. */
#ifndef CAPNET_NIC_VIRTIO_VIRTQUEUE_H
#define CAPNET_NIC_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "capnet/virtio.h"

/* Descriptor flags (2.7.5). */
#define CAPNET_VIRTQ_DESC_F_NEXT 1u
#define CAPNET_VIRTQ_DESC_F_WRITE 2u
/* Driver area flag (2.7.6) and device area flag (2.7.8). */
#define CAPNET_VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define CAPNET_VIRTQ_USED_F_NO_NOTIFY 1u

/* Byte layout of a split queue of `size` entries. */
#define CAPNET_VIRTQ_DESC_LEN 16u
static inline uint32_t capnet_virtq_avail_off(uint16_t size)
{
	return CAPNET_VIRTQ_DESC_LEN * size;
}
/* flags, idx, ring[size], used_event */
static inline uint32_t capnet_virtq_avail_len(uint16_t size)
{
	return 6u + 2u * size;
}
/* The device area is 4-byte aligned. */
static inline uint32_t capnet_virtq_used_off(uint16_t size)
{
	return (capnet_virtq_avail_off(size) + capnet_virtq_avail_len(size) + 3u) & ~3u;
}
/* flags, idx, ring[size] of (id, len), avail_event */
static inline uint32_t capnet_virtq_used_len(uint16_t size)
{
	return 6u + 8u * size;
}
static inline uint32_t capnet_virtq_mem_len(uint16_t size)
{
	return capnet_virtq_used_off(size) + capnet_virtq_used_len(size);
}

/* The event-index rule (2.7.7.2 / 2.7.10.1): notify when the peer's event
 * index lies in [old, new), counted modulo 2^16. */
static inline bool capnet_virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

/* Descriptor states the driver tracks. */
enum {
	CAPNET_VIRTQ_NEVER = 0,  /* never made available since start */
	CAPNET_VIRTQ_DEVICE = 1, /* the device holds it */
	CAPNET_VIRTQ_DRIVER = 2, /* returned: the driver holds it */
};

/* Allocates and lays out queue `index` with `size` entries and as many
 * buffers of buf_len bytes. CAPNET_E_NOMEM when the provider runs out. */
capnet_err capnet_virtq_alloc(struct capnet_virtio_queue *q, const struct capnet_virtio_dma *dma, uint16_t index,
			      uint16_t size, uint32_t buf_len);
void capnet_virtq_free(struct capnet_virtio_queue *q, const struct capnet_virtio_dma *dma);
/* Asks the device for no used-buffer notifications (we poll). */
void capnet_virtq_quiet(struct capnet_virtio_queue *q, bool event_idx);
/* Makes buffer id available to the device with `len` bytes (device-written
 * when `write`). The descriptor is rewritten whole each time, so nothing the
 * device may have scribbled over it survives. */
void capnet_virtq_publish(struct capnet_virtio_queue *q, uint16_t id, uint32_t len, bool write);
/* Whether to notify the device about buffers published since the last call. */
bool capnet_virtq_kick_needed(struct capnet_virtio_queue *q, bool event_idx);

/* Next used element: 0 when none, 1 with *id and *len (validated: id ours
 * and with the device, len within the buffer), or -1 with *fault set to the
 * CAPNET_VIRTIO_STAT_* of what the device did wrong. */
int capnet_virtq_next_used(struct capnet_virtio_queue *q, bool event_idx, uint16_t *id, uint32_t *len,
			   enum capnet_virtio_stat *fault);

#endif
