/* The virtio-net device model: virtio-mmio registers, the device side of
 * two split virtqueues, a bump-allocated DMA memory with translated
 * addresses, and the malicious modes. See sim/virtio_device.h. */
#include "sim/virtio_device.h"

#include <stdlib.h>
#include <string.h>

#define NQUEUES 2
#define FRAME_MAX 65536

struct vq {
	uint16_t num_max, num;
	bool ready;
	uint64_t desc, drv, dev;
	uint16_t last_avail; /* next avail entry the device will take */
	uint16_t used_idx;   /* next used element the device will write */
	uint32_t completions;
	int32_t prev_in_poll; /* id completed earlier in this poll, or -1 */
	uint8_t *seen;       /* per id: ever taken from the avail ring */
};

struct capnet_sim_virtio {
	struct capnet_sim_virtio_config cfg;
	struct capnet_nic *wire;
	uint64_t features;
	uint32_t dev_feat_sel, drv_feat_sel, queue_sel;
	uint64_t driver_features;
	uint8_t status;
	bool needs_reset;
	uint32_t isr;
	uint32_t config_gen;
	bool link_up;
	struct vq q[NQUEUES];
	uint8_t *mem;
	size_t mem_len, mem_top;
	struct capnet_sim_virtio_stats st;
	uint8_t status_log[CAPNET_SIM_VIRTIO_STATUS_LOG];
	size_t nstatus_log;
	/* A frame taken off the wire that waits for an RX buffer. */
	bool held;
	size_t held_len;
	uint8_t frame[FRAME_MAX];
};

static const char *const fault_names[] = {
	"honest", "used_id_out_of_range", "used_id_reused", "used_id_not_ours", "used_len_overflow",
	"used_len_short", "used_idx_jump", "tx_never_completes", "needs_reset", "refuse_features_ok",
};

const char *capnet_sim_virtio_fault_name(enum capnet_sim_virtio_fault f)
{
	return (unsigned)f < CAPNET_SIM_VIRTIO__FAULT_COUNT ? fault_names[f] : "?";
}

/* --- little-endian access to shared memory ------------------------------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* --- DMA memory ---------------------------------------------------------- */

/* A device address range into a host pointer, or NULL (counted). */
static uint8_t *dma_map(struct capnet_sim_virtio *d, uint64_t addr, uint64_t len)
{
	if (addr < CAPNET_SIM_VIRTIO_DMA_BASE || len > d->mem_len ||
	    addr - CAPNET_SIM_VIRTIO_DMA_BASE > d->mem_len - len) {
		d->st.bad_dma++;
		return NULL;
	}
	return d->mem + (addr - CAPNET_SIM_VIRTIO_DMA_BASE);
}

static void *dma_alloc(void *ctx, size_t size, size_t align)
{
	struct capnet_sim_virtio *d = ctx;
	if (align == 0 || (align & (align - 1)) != 0)
		return NULL;
	size_t at = (d->mem_top + align - 1) & ~(align - 1);
	if (at > d->mem_len || size > d->mem_len - at)
		return NULL;
	d->mem_top = at + size;
	d->st.dma_allocs++;
	d->st.dma_in_use += size;
	memset(d->mem + at, 0, size);
	return d->mem + at;
}

/* Host pointer -> device address: an offset, never the pointer itself. */
static uint64_t dma_dev_addr(void *ctx, const void *p)
{
	struct capnet_sim_virtio *d = ctx;
	const uint8_t *b = p;
	if (b < d->mem || b >= d->mem + d->mem_len)
		return 0; /* not ours: an address the device will refuse */
	return CAPNET_SIM_VIRTIO_DMA_BASE + (uint64_t)(b - d->mem);
}

/* A bump allocator: memory comes back when everything is freed. */
static void dma_free(void *ctx, void *p, size_t size)
{
	struct capnet_sim_virtio *d = ctx;
	if (p == NULL)
		return;
	d->st.dma_frees++;
	d->st.dma_in_use -= size <= d->st.dma_in_use ? size : d->st.dma_in_use;
	if (d->st.dma_in_use == 0)
		d->mem_top = 0;
}

struct capnet_virtio_dma capnet_sim_virtio_dma(struct capnet_sim_virtio *d)
{
	return (struct capnet_virtio_dma){.alloc = dma_alloc, .dev_addr = dma_dev_addr, .free = dma_free, .ctx = d};
}

/* --- registers ----------------------------------------------------------- */

static void device_reset(struct capnet_sim_virtio *d)
{
	d->status = 0;
	d->needs_reset = false;
	d->isr = 0;
	d->driver_features = 0;
	d->dev_feat_sel = d->drv_feat_sel = d->queue_sel = 0;
	for (int i = 0; i < NQUEUES; i++) {
		struct vq *q = &d->q[i];
		uint8_t *seen = q->seen;
		uint16_t max = q->num_max;
		memset(q, 0, sizeof *q);
		q->seen = seen;
		q->num_max = max;
		memset(q->seen, 0, max);
	}
}

static bool event_idx(const struct capnet_sim_virtio *d)
{
	return (d->driver_features & CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_RING_EVENT_IDX)) != 0;
}

static void write_status(struct capnet_sim_virtio *d, uint8_t v)
{
	if (d->nstatus_log < CAPNET_SIM_VIRTIO_STATUS_LOG)
		d->status_log[d->nstatus_log++] = v;
	if (v == 0) {
		device_reset(d);
		return;
	}
	/* FEATURES_OK sticks only for an acceptable subset (3.1.1 step 6). */
	if ((v & CAPNET_VIRTIO_STATUS_FEATURES_OK) && !(d->status & CAPNET_VIRTIO_STATUS_FEATURES_OK)) {
		bool ok = (d->driver_features & ~d->features) == 0 &&
			  (d->driver_features & CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_VERSION_1)) != 0 &&
			  d->cfg.fault != CAPNET_SIM_VIRTIO_REFUSE_FEATURES_OK;
		if (!ok)
			v &= (uint8_t)~CAPNET_VIRTIO_STATUS_FEATURES_OK;
	}
	d->status = v;
}

static uint8_t config_byte(const struct capnet_sim_virtio *d, uint32_t off)
{
	uint8_t c[12] = {0};
	memcpy(c, d->cfg.mac.b, 6);
	put16(c + CAPNET_VIRTIO_NET_CFG_STATUS, d->link_up ? CAPNET_VIRTIO_NET_S_LINK_UP : 0);
	put16(c + CAPNET_VIRTIO_NET_CFG_MAX_PAIRS, 1);
	put16(c + CAPNET_VIRTIO_NET_CFG_MTU, d->cfg.mtu);
	return off < sizeof c ? c[off] : 0;
}

static uint32_t reg_read32(void *ctx, uint32_t off)
{
	struct capnet_sim_virtio *d = ctx;
	struct vq *q = d->queue_sel < NQUEUES ? &d->q[d->queue_sel] : NULL;
	switch (off) {
	case CAPNET_VIRTIO_MMIO_MAGIC: return CAPNET_VIRTIO_MMIO_MAGIC_VALUE;
	case CAPNET_VIRTIO_MMIO_VERSION: return CAPNET_VIRTIO_MMIO_VERSION_MODERN;
	case CAPNET_VIRTIO_MMIO_DEVICE_ID: return CAPNET_VIRTIO_DEVICE_ID_NET;
	case CAPNET_VIRTIO_MMIO_VENDOR_ID: return 0x6e706163u; /* "capn" */
	case CAPNET_VIRTIO_MMIO_DEVICE_FEATURES:
		return d->dev_feat_sel == 0 ? (uint32_t)d->features
		     : d->dev_feat_sel == 1 ? (uint32_t)(d->features >> 32) : 0;
	case CAPNET_VIRTIO_MMIO_QUEUE_NUM_MAX: return q ? q->num_max : 0;
	case CAPNET_VIRTIO_MMIO_QUEUE_READY: return q ? q->ready : 0;
	case CAPNET_VIRTIO_MMIO_INTERRUPT_STATUS: return d->isr;
	case CAPNET_VIRTIO_MMIO_STATUS:
		return d->status | (d->needs_reset ? CAPNET_VIRTIO_STATUS_DEVICE_NEEDS_RESET : 0);
	case CAPNET_VIRTIO_MMIO_CONFIG_GENERATION: return d->config_gen;
	default:
		if (off >= CAPNET_VIRTIO_MMIO_CONFIG)
			return (uint32_t)config_byte(d, off - 0x100) | (uint32_t)config_byte(d, off - 0xff) << 8 |
			       (uint32_t)config_byte(d, off - 0xfe) << 16 | (uint32_t)config_byte(d, off - 0xfd) << 24;
		return 0;
	}
}

static uint8_t reg_read8(void *ctx, uint32_t off)
{
	const struct capnet_sim_virtio *d = ctx;
	return off >= CAPNET_VIRTIO_MMIO_CONFIG ? config_byte(d, off - CAPNET_VIRTIO_MMIO_CONFIG) : 0;
}

static void set_lo(uint64_t *a, uint32_t v)
{
	*a = (*a & ~0xffffffffull) | v;
}

static void set_hi(uint64_t *a, uint32_t v)
{
	*a = (*a & 0xffffffffull) | (uint64_t)v << 32;
}

static void reg_write32(void *ctx, uint32_t off, uint32_t v)
{
	struct capnet_sim_virtio *d = ctx;
	struct vq *q = d->queue_sel < NQUEUES ? &d->q[d->queue_sel] : NULL;
	/* Queue registers only while the queue is not live (4.2.3.2). */
	bool qw = q != NULL && !q->ready;
	switch (off) {
	case CAPNET_VIRTIO_MMIO_DEVICE_FEATURES_SEL: d->dev_feat_sel = v; break;
	case CAPNET_VIRTIO_MMIO_DRIVER_FEATURES_SEL: d->drv_feat_sel = v; break;
	case CAPNET_VIRTIO_MMIO_DRIVER_FEATURES:
		if (d->status & CAPNET_VIRTIO_STATUS_FEATURES_OK)
			break; /* fixed once accepted */
		if (d->drv_feat_sel == 0)
			set_lo(&d->driver_features, v);
		else if (d->drv_feat_sel == 1)
			set_hi(&d->driver_features, v);
		break;
	case CAPNET_VIRTIO_MMIO_QUEUE_SEL: d->queue_sel = v; break;
	case CAPNET_VIRTIO_MMIO_QUEUE_NUM:
		if (qw)
			q->num = v <= q->num_max ? (uint16_t)v : 0;
		break;
	case CAPNET_VIRTIO_MMIO_QUEUE_READY:
		if (q != NULL) {
			/* a size that is not a power of two cannot go live */
			bool ok = q->num != 0 && (q->num & (q->num - 1)) == 0;
			q->ready = v == 1 && ok;
		}
		break;
	case CAPNET_VIRTIO_MMIO_QUEUE_NOTIFY:
		if (v < NQUEUES)
			d->st.notifies[v]++;
		break;
	case CAPNET_VIRTIO_MMIO_INTERRUPT_ACK: d->isr &= ~v; break;
	case CAPNET_VIRTIO_MMIO_STATUS: write_status(d, (uint8_t)v); break;
	case CAPNET_VIRTIO_MMIO_QUEUE_DESC_LOW: if (qw) set_lo(&q->desc, v); break;
	case CAPNET_VIRTIO_MMIO_QUEUE_DESC_HIGH: if (qw) set_hi(&q->desc, v); break;
	case CAPNET_VIRTIO_MMIO_QUEUE_DRIVER_LOW: if (qw) set_lo(&q->drv, v); break;
	case CAPNET_VIRTIO_MMIO_QUEUE_DRIVER_HIGH: if (qw) set_hi(&q->drv, v); break;
	case CAPNET_VIRTIO_MMIO_QUEUE_DEVICE_LOW: if (qw) set_lo(&q->dev, v); break;
	case CAPNET_VIRTIO_MMIO_QUEUE_DEVICE_HIGH: if (qw) set_hi(&q->dev, v); break;
	default: break;
	}
}

struct capnet_virtio_window capnet_sim_virtio_window(struct capnet_sim_virtio *d)
{
	return (struct capnet_virtio_window){.read32 = reg_read32, .write32 = reg_write32, .read8 = reg_read8,
					     .ctx = d};
}

/* --- the rings, device side ---------------------------------------------- */

struct ring {
	uint8_t *desc, *avail, *used;
	uint16_t num;
};

static bool ring_map(struct capnet_sim_virtio *d, uint16_t qi, struct ring *r)
{
	struct vq *q = &d->q[qi];
	if (!q->ready || !(d->status & CAPNET_VIRTIO_STATUS_DRIVER_OK) || (d->status & CAPNET_VIRTIO_STATUS_FAILED) ||
	    d->needs_reset)
		return false;
	r->num = q->num;
	r->desc = dma_map(d, q->desc, 16u * q->num);
	r->avail = dma_map(d, q->drv, 6u + 2u * q->num);
	r->used = dma_map(d, q->dev, 6u + 8u * q->num);
	return r->desc != NULL && r->avail != NULL && r->used != NULL;
}

bool capnet_sim_virtio_take_avail(struct capnet_sim_virtio *d, uint16_t qi, uint16_t *id)
{
	struct ring r;
	if (qi >= NQUEUES || !ring_map(d, qi, &r))
		return false;
	struct vq *q = &d->q[qi];
	if (q->last_avail == get16(r.avail + 2))
		return false;
	*id = get16(r.avail + 4 + 2u * (q->last_avail % r.num));
	q->last_avail++;
	if (*id < q->num_max)
		q->seen[*id] = 1;
	/* "Tell me about the next one" (2.7.10). */
	if (event_idx(d))
		put16(r.used + 4 + 8u * r.num, q->last_avail);
	return true;
}

void capnet_sim_virtio_put_used(struct capnet_sim_virtio *d, uint16_t qi, uint32_t id, uint32_t len)
{
	struct ring r;
	if (qi >= NQUEUES || !ring_map(d, qi, &r))
		return;
	struct vq *q = &d->q[qi];
	uint8_t *e = r.used + 4 + 8u * (q->used_idx % r.num);
	put32(e, id);
	put32(e + 4, len);
	uint16_t old = q->used_idx++;
	put16(r.used + 2, q->used_idx);
	/* Would we interrupt? The driver asked not to be, either way. */
	bool irq = event_idx(d) ? (uint16_t)(q->used_idx - get16(r.avail + 4 + 2u * r.num) - 1) <
					  (uint16_t)(q->used_idx - old)
				: (get16(r.avail) & 1u) == 0;
	if (irq) {
		d->isr |= 1;
		d->st.interrupts++;
	}
}

void capnet_sim_virtio_set_used_idx(struct capnet_sim_virtio *d, uint16_t qi, uint16_t idx)
{
	struct ring r;
	if (qi >= NQUEUES || !ring_map(d, qi, &r))
		return;
	d->q[qi].used_idx = idx;
	put16(r.used + 2, idx);
}

/* One descriptor (no chains, no indirect: the driver uses neither). NULL
 * when the id, direction or address is wrong (counted). */
static uint8_t *desc_buf(struct capnet_sim_virtio *d, const struct ring *r, uint16_t id, bool write, uint32_t *len)
{
	if (id >= r->num) {
		d->st.bad_desc++;
		return NULL;
	}
	const uint8_t *de = r->desc + 16u * id;
	uint64_t addr = get64(de);
	*len = get32(de + 8);
	uint16_t flags = get16(de + 12);
	if ((flags & ~2u) != 0 || ((flags & 2u) != 0) != write) {
		d->st.bad_desc++;
		return NULL;
	}
	return dma_map(d, addr, *len);
}

/* The malicious modes, when one is due on queue qi. Returns true when it
 * replaced the honest completion of `id` (and put nothing honest). */
static bool misbehave(struct capnet_sim_virtio *d, uint16_t qi, uint16_t id, uint32_t len, uint32_t buf_len)
{
	struct vq *q = &d->q[qi];
	const struct capnet_sim_virtio_config *c = &d->cfg;
	if (c->fault == CAPNET_SIM_VIRTIO_HONEST || q->completions < c->fault_after)
		return false;
	switch (c->fault) {
	case CAPNET_SIM_VIRTIO_USED_ID_OUT_OF_RANGE:
		if (qi != c->fault_queue)
			return false;
		capnet_sim_virtio_put_used(d, qi, (uint32_t)q->num + 7u, len);
		break;
	case CAPNET_SIM_VIRTIO_USED_ID_REUSED:
		/* the id completed just before, in place of this one (which
		 * the device then keeps): used.idx stays plausible */
		if (qi != c->fault_queue || q->prev_in_poll < 0)
			return false;
		capnet_sim_virtio_put_used(d, qi, (uint32_t)q->prev_in_poll, len);
		break;
	case CAPNET_SIM_VIRTIO_USED_ID_NOT_OURS: {
		if (qi != c->fault_queue)
			return false;
		uint16_t never = q->num;
		for (uint16_t i = q->num; i-- > 0;)
			if (!q->seen[i]) {
				never = i;
				break;
			}
		if (never == q->num)
			return false;
		capnet_sim_virtio_put_used(d, qi, never, len);
		break;
	}
	case CAPNET_SIM_VIRTIO_USED_LEN_OVERFLOW:
		if (qi != CAPNET_VIRTIO_NET_RXQ)
			return false;
		capnet_sim_virtio_put_used(d, qi, id, buf_len + 64);
		break;
	case CAPNET_SIM_VIRTIO_USED_LEN_SHORT:
		if (qi != CAPNET_VIRTIO_NET_RXQ)
			return false;
		capnet_sim_virtio_put_used(d, qi, id, 6);
		break;
	case CAPNET_SIM_VIRTIO_USED_IDX_JUMP:
		if (qi != c->fault_queue)
			return false;
		capnet_sim_virtio_set_used_idx(d, qi, (uint16_t)(q->used_idx + q->num + 1));
		break;
	case CAPNET_SIM_VIRTIO_TX_NEVER_COMPLETES:
		if (qi != CAPNET_VIRTIO_NET_TXQ)
			return false;
		break; /* sent; the buffer is kept forever */
	default:
		return false;
	}
	d->st.faults_injected++;
	return true;
}

static void complete(struct capnet_sim_virtio *d, uint16_t qi, uint16_t id, uint32_t len, uint32_t buf_len)
{
	struct vq *q = &d->q[qi];
	if (misbehave(d, qi, id, len, buf_len))
		return;
	capnet_sim_virtio_put_used(d, qi, id, len);
	q->completions++;
	q->prev_in_poll = id;
}

static bool poll_tx(struct capnet_sim_virtio *d)
{
	struct ring r;
	bool moved = false;
	uint16_t id;
	if (!ring_map(d, CAPNET_VIRTIO_NET_TXQ, &r))
		return false;
	while (capnet_sim_virtio_take_avail(d, CAPNET_VIRTIO_NET_TXQ, &id)) {
		moved = true;
		uint32_t len;
		const uint8_t *b = desc_buf(d, &r, id, false, &len);
		if (b != NULL && len >= CAPNET_VIRTIO_NET_HDR_LEN) {
			size_t flen = len - CAPNET_VIRTIO_NET_HDR_LEN;
			d->st.tx_frames++;
			d->st.tx_bytes += flen;
			if (d->wire != NULL && d->link_up &&
			    d->wire->ops->transmit(d->wire->dev, b + CAPNET_VIRTIO_NET_HDR_LEN, flen) != CAPNET_OK)
				d->st.wire_tx_errors++;
		}
		/* Device-readable only: the device wrote nothing (len 0). */
		complete(d, CAPNET_VIRTIO_NET_TXQ, id, 0, len);
		if (d->needs_reset)
			break;
	}
	return moved;
}

static bool poll_rx(struct capnet_sim_virtio *d)
{
	struct ring r;
	bool moved = false;
	if (d->wire == NULL || !d->link_up || !ring_map(d, CAPNET_VIRTIO_NET_RXQ, &r))
		return false;
	struct vq *q = &d->q[CAPNET_VIRTIO_NET_RXQ];
	for (;;) {
		if (!d->held) {
			if (d->wire->ops->receive(d->wire->dev, d->frame, sizeof d->frame, &d->held_len) != CAPNET_OK)
				break;
			d->held = true;
			if (q->last_avail == get16(r.avail + 2))
				d->st.rx_no_buffer++; /* counted once per frame that has to wait */
		}
		if (q->last_avail == get16(r.avail + 2))
			break; /* no buffer: the frame waits */
		size_t flen = d->held_len;
		uint16_t id = get16(r.avail + 4 + 2u * (q->last_avail % r.num));
		uint32_t len;
		uint8_t *b = desc_buf(d, &r, id, true, &len);
		if (b == NULL) {
			/* A buffer we cannot reach is a device error (2.1.2). */
			d->needs_reset = true;
			d->isr |= 2;
			break;
		}
		d->held = false;
		moved = true;
		if (len < CAPNET_VIRTIO_NET_HDR_LEN + flen) {
			d->st.rx_too_big++; /* dropped; the buffer stays the driver's to fill */
			continue;
		}
		capnet_sim_virtio_take_avail(d, CAPNET_VIRTIO_NET_RXQ, &id);
		memset(b, 0, CAPNET_VIRTIO_NET_HDR_LEN);
		put16(b + 10, 1); /* num_buffers */
		memcpy(b + CAPNET_VIRTIO_NET_HDR_LEN, d->frame, flen);
		d->st.rx_frames++;
		d->st.rx_bytes += flen;
		complete(d, CAPNET_VIRTIO_NET_RXQ, id, (uint32_t)(CAPNET_VIRTIO_NET_HDR_LEN + flen), len);
	}
	return moved;
}

bool capnet_sim_virtio_poll(struct capnet_sim_virtio *d, capnet_instant now)
{
	(void)now;
	if (d->cfg.fault == CAPNET_SIM_VIRTIO_NEEDS_RESET && !d->needs_reset &&
	    (d->status & CAPNET_VIRTIO_STATUS_DRIVER_OK) && d->q[CAPNET_VIRTIO_NET_TXQ].completions >= d->cfg.fault_after) {
		d->needs_reset = true;
		d->isr |= 2;
		d->st.faults_injected++;
		return true;
	}
	d->q[0].prev_in_poll = d->q[1].prev_in_poll = -1;
	bool moved = poll_tx(d);
	moved |= poll_rx(d);
	return moved;
}

capnet_instant capnet_sim_virtio_participant(void *d, capnet_instant now)
{
	capnet_sim_virtio_poll(d, now);
	return CAPNET_INSTANT_NEVER;
}

/* --- lifecycle ----------------------------------------------------------- */

struct capnet_sim_virtio *capnet_sim_virtio_create(const struct capnet_sim_virtio_config *cfg,
						   struct capnet_nic *wire)
{
	struct capnet_sim_virtio *d = calloc(1, sizeof *d);
	if (d == NULL)
		return NULL;
	d->cfg = *cfg;
	d->wire = wire;
	d->link_up = true;
	uint16_t qmax = cfg->queue_max != 0 ? cfg->queue_max : 256;
	d->features = cfg->features;
	if (d->features == 0) {
		d->features = CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_VERSION_1) | CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_MAC) |
			      CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_STATUS) |
			      CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_RING_EVENT_IDX);
		if (cfg->mtu != 0)
			d->features |= CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_MTU);
	}
	d->mem_len = cfg->dma_size != 0 ? cfg->dma_size : (size_t)2 << 20;
	d->mem = aligned_alloc(4096, (d->mem_len + 4095) & ~(size_t)4095);
	for (int i = 0; i < NQUEUES; i++) {
		d->q[i].num_max = qmax;
		d->q[i].seen = calloc(qmax, 1);
	}
	if (d->mem == NULL || d->q[0].seen == NULL || d->q[1].seen == NULL) {
		capnet_sim_virtio_destroy(d);
		return NULL;
	}
	return d;
}

void capnet_sim_virtio_destroy(struct capnet_sim_virtio *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < NQUEUES; i++)
		free(d->q[i].seen);
	free(d->mem);
	free(d);
}

void capnet_sim_virtio_set_link(struct capnet_sim_virtio *d, bool up)
{
	if (d->link_up == up)
		return;
	d->link_up = up;
	d->config_gen++;
	d->isr |= 2;
}

void capnet_sim_virtio_set_fault(struct capnet_sim_virtio *d, enum capnet_sim_virtio_fault f, uint16_t queue,
				 uint32_t after)
{
	d->cfg.fault = f;
	d->cfg.fault_queue = queue;
	d->cfg.fault_after = after;
}

const struct capnet_sim_virtio_stats *capnet_sim_virtio_stats(const struct capnet_sim_virtio *d)
{
	return &d->st;
}

size_t capnet_sim_virtio_status_log(const struct capnet_sim_virtio *d, const uint8_t **log)
{
	*log = d->status_log;
	return d->nstatus_log;
}

uint8_t capnet_sim_virtio_status(const struct capnet_sim_virtio *d)
{
	return d->status | (d->needs_reset ? CAPNET_VIRTIO_STATUS_DEVICE_NEEDS_RESET : 0);
}

uint64_t capnet_sim_virtio_driver_features(const struct capnet_sim_virtio *d)
{
	return d->driver_features;
}
