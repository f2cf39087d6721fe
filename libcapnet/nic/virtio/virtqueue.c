/* Split virtqueue mechanics. The rings live in memory the device writes
 * concurrently, so every access to them is volatile, little-endian
 * (virtio 1.x), and ordered by a full fence where the spec orders it:
 * buffer and ring entry before avail.idx (2.7.13.3.1), avail.idx before
 * reading the notification suppression fields (2.7.13.4), used.idx before
 * the used element it covers (2.7.14). Fields the device writes are read
 * once into locals and checked there, so a device changing them under our
 * feet cannot make a checked value differ from the used one. */
#include "nic/virtio/virtqueue.h"

#include <string.h>

static inline void fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE16(x) __builtin_bswap16(x)
#define LE32(x) __builtin_bswap32(x)
#define LE64(x) __builtin_bswap64(x)
#else
#define LE16(x) (x)
#define LE32(x) (x)
#define LE64(x) (x)
#endif

static inline uint16_t ld16(const uint8_t *p)
{
	return LE16(*(const volatile uint16_t *)(const void *)p);
}

static inline uint32_t ld32(const uint8_t *p)
{
	return LE32(*(const volatile uint32_t *)(const void *)p);
}

static inline void st16(uint8_t *p, uint16_t v)
{
	*(volatile uint16_t *)(void *)p = LE16(v);
}

static inline void st32(uint8_t *p, uint32_t v)
{
	*(volatile uint32_t *)(void *)p = LE32(v);
}

static inline void st64(uint8_t *p, uint64_t v)
{
	*(volatile uint64_t *)(void *)p = LE64(v);
}

capnet_err capnet_virtq_alloc(struct capnet_virtio_queue *q, const struct capnet_virtio_dma *dma, uint16_t index,
			      uint16_t size, uint32_t buf_len)
{
	memset(q, 0, sizeof *q);
	q->index = index;
	q->size = size;
	q->buf_len = buf_len;
	q->mem_len = capnet_virtq_mem_len(size);
	/* 4096: the legacy alignment, more than any area needs (16/2/4). */
	q->mem = dma->alloc(dma->ctx, q->mem_len, 4096);
	if (q->mem == NULL)
		return CAPNET_E_NOMEM;
	q->bufs_len = (size_t)size * buf_len;
	q->bufs = dma->alloc(dma->ctx, q->bufs_len, 64);
	if (q->bufs == NULL) {
		dma->free(dma->ctx, q->mem, q->mem_len);
		q->mem = NULL;
		return CAPNET_E_NOMEM;
	}
	memset(q->mem, 0, q->mem_len);
	q->desc = q->mem;
	q->avail = q->mem + capnet_virtq_avail_off(size);
	q->used = q->mem + capnet_virtq_used_off(size);
	/* Asked per buffer: the provider may map a large region in pieces. */
	for (uint16_t i = 0; i < size; i++)
		q->buf_dev[i] = dma->dev_addr(dma->ctx, q->bufs + (size_t)i * buf_len);
	return CAPNET_OK;
}

void capnet_virtq_free(struct capnet_virtio_queue *q, const struct capnet_virtio_dma *dma)
{
	if (q->bufs != NULL)
		dma->free(dma->ctx, q->bufs, q->bufs_len);
	if (q->mem != NULL)
		dma->free(dma->ctx, q->mem, q->mem_len);
	q->bufs = q->mem = q->desc = q->avail = q->used = NULL;
}

/* used_event one behind what we consumed lies outside every [old, new) the
 * device can form, so it never asks for an interrupt. */
void capnet_virtq_quiet(struct capnet_virtio_queue *q, bool event_idx)
{
	if (event_idx)
		st16(q->avail + 4 + 2u * q->size, (uint16_t)(q->last_used - 1));
	else
		st16(q->avail, CAPNET_VIRTQ_AVAIL_F_NO_INTERRUPT);
}

void capnet_virtq_publish(struct capnet_virtio_queue *q, uint16_t id, uint32_t len, bool write)
{
	uint8_t *d = q->desc + (size_t)id * CAPNET_VIRTQ_DESC_LEN;
	st64(d, q->buf_dev[id]);
	st32(d + 8, len);
	st16(d + 12, write ? CAPNET_VIRTQ_DESC_F_WRITE : 0);
	st16(d + 14, 0);
	st16(q->avail + 4 + 2u * (q->avail_idx & (q->size - 1)), id);
	q->state[id] = CAPNET_VIRTQ_DEVICE;
	q->outstanding++;
	fence();
	q->avail_idx++;
	st16(q->avail + 2, q->avail_idx);
}

bool capnet_virtq_kick_needed(struct capnet_virtio_queue *q, bool event_idx)
{
	fence();
	uint16_t old = q->kick_from, now = q->avail_idx;
	q->kick_from = now;
	if (old == now)
		return false;
	if (event_idx)
		return capnet_virtq_need_event(ld16(q->used + 4 + 8u * q->size), now, old);
	return (ld16(q->used) & CAPNET_VIRTQ_USED_F_NO_NOTIFY) == 0;
}

int capnet_virtq_next_used(struct capnet_virtio_queue *q, bool event_idx, uint16_t *id, uint32_t *len,
			   enum capnet_virtio_stat *fault)
{
	uint16_t used_idx = ld16(q->used + 2);
	uint16_t pending = (uint16_t)(used_idx - q->last_used);
	if (pending == 0)
		return 0;
	/* The device can return at most what it holds. */
	if (pending > q->outstanding) {
		*fault = CAPNET_VIRTIO_STAT_used_idx_jump;
		return -1;
	}
	fence();
	const uint8_t *e = q->used + 4 + 8u * (q->last_used & (q->size - 1));
	uint32_t eid = ld32(e), elen = ld32(e + 4);
	if (eid >= q->size) {
		*fault = CAPNET_VIRTIO_STAT_used_id_out_of_range;
		return -1;
	}
	if (q->state[eid] != CAPNET_VIRTQ_DEVICE) {
		*fault = q->state[eid] == CAPNET_VIRTQ_NEVER ? CAPNET_VIRTIO_STAT_used_id_not_ours
							       : CAPNET_VIRTIO_STAT_used_id_reused;
		return -1;
	}
	if (elen > q->buf_len) {
		*fault = CAPNET_VIRTIO_STAT_used_len_overflow;
		return -1;
	}
	q->state[eid] = CAPNET_VIRTQ_DRIVER;
	q->outstanding--;
	q->last_used++;
	if (event_idx)
		capnet_virtq_quiet(q, true);
	*id = (uint16_t)eid;
	*len = elen;
	return 1;
}
