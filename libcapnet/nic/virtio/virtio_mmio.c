/* The virtio-mmio transport: the driver's control-plane ops mapped onto the
 * version 2 register layout. Nothing here knows about rings or frames. */
#include "capnet/virtio_mmio.h"

static uint32_t rd(struct capnet_virtio_mmio *m, uint32_t off)
{
	return m->w.read32(m->w.ctx, off);
}

static void wr(struct capnet_virtio_mmio *m, uint32_t off, uint32_t v)
{
	m->w.write32(m->w.ctx, off, v);
}

static uint8_t mmio_get_status(void *ctx)
{
	return (uint8_t)rd(ctx, CAPNET_VIRTIO_MMIO_STATUS);
}

static void mmio_set_status(void *ctx, uint8_t status)
{
	wr(ctx, CAPNET_VIRTIO_MMIO_STATUS, status);
}

/* Features come 32 bits at a time through a selector (4.2.2). */
static uint64_t mmio_device_features(void *ctx)
{
	wr(ctx, CAPNET_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t lo = rd(ctx, CAPNET_VIRTIO_MMIO_DEVICE_FEATURES);
	wr(ctx, CAPNET_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	uint64_t hi = rd(ctx, CAPNET_VIRTIO_MMIO_DEVICE_FEATURES);
	return lo | hi << 32;
}

static void mmio_set_driver_features(void *ctx, uint64_t f)
{
	wr(ctx, CAPNET_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(ctx, CAPNET_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(ctx, CAPNET_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(ctx, CAPNET_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static uint8_t mmio_config_read8(void *ctx, uint32_t off)
{
	struct capnet_virtio_mmio *m = ctx;
	return m->w.read8(m->w.ctx, CAPNET_VIRTIO_MMIO_CONFIG + off);
}

static uint32_t mmio_config_generation(void *ctx)
{
	return rd(ctx, CAPNET_VIRTIO_MMIO_CONFIG_GENERATION);
}

static uint16_t mmio_queue_max(void *ctx, uint16_t q)
{
	wr(ctx, CAPNET_VIRTIO_MMIO_QUEUE_SEL, q);
	uint32_t n = rd(ctx, CAPNET_VIRTIO_MMIO_QUEUE_NUM_MAX);
	return n > 0xffffu ? 0xffffu : (uint16_t)n;
}

static capnet_err mmio_queue_enable(void *ctx, uint16_t q, uint16_t size, uint64_t desc, uint64_t drv,
				    uint64_t dev)
{
	wr(ctx, CAPNET_VIRTIO_MMIO_QUEUE_SEL, q);
	/* A queue already in use is not ours to reprogram (4.2.3.2). */
	if (rd(ctx, CAPNET_VIRTIO_MMIO_QUEUE_READY) != 0)
		return CAPNET_E_NIC;
	wr(ctx, CAPNET_VIRTIO_MMIO_QUEUE_NUM, size);
	wr(ctx, CAPNET_VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(ctx, CAPNET_VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(ctx, CAPNET_VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)drv);
	wr(ctx, CAPNET_VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(drv >> 32));
	wr(ctx, CAPNET_VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)dev);
	wr(ctx, CAPNET_VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(dev >> 32));
	wr(ctx, CAPNET_VIRTIO_MMIO_QUEUE_READY, 1);
	return rd(ctx, CAPNET_VIRTIO_MMIO_QUEUE_READY) == 1 ? CAPNET_OK : CAPNET_E_NIC;
}

static void mmio_notify(void *ctx, uint16_t q)
{
	wr(ctx, CAPNET_VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

static uint32_t mmio_interrupt_ack(void *ctx)
{
	uint32_t s = rd(ctx, CAPNET_VIRTIO_MMIO_INTERRUPT_STATUS);
	if (s != 0)
		wr(ctx, CAPNET_VIRTIO_MMIO_INTERRUPT_ACK, s);
	return s;
}

static const struct capnet_virtio_transport_ops mmio_ops = {
	.get_status = mmio_get_status,
	.set_status = mmio_set_status,
	.device_features = mmio_device_features,
	.set_driver_features = mmio_set_driver_features,
	.config_read8 = mmio_config_read8,
	.config_generation = mmio_config_generation,
	.queue_max = mmio_queue_max,
	.queue_enable = mmio_queue_enable,
	.notify = mmio_notify,
	.interrupt_ack = mmio_interrupt_ack,
};

capnet_err capnet_virtio_mmio_init(struct capnet_virtio_mmio *m, const struct capnet_virtio_window *w)
{
	if (m == NULL || w == NULL || w->read32 == NULL || w->write32 == NULL || w->read8 == NULL)
		return CAPNET_E_INVAL;
	m->w = *w;
	if (rd(m, CAPNET_VIRTIO_MMIO_MAGIC) != CAPNET_VIRTIO_MMIO_MAGIC_VALUE)
		return CAPNET_E_NIC;
	uint32_t version = rd(m, CAPNET_VIRTIO_MMIO_VERSION);
	if (version != CAPNET_VIRTIO_MMIO_VERSION_MODERN)
		return version == 1 ? CAPNET_E_UNSUPPORTED : CAPNET_E_NIC;
	m->device_id = rd(m, CAPNET_VIRTIO_MMIO_DEVICE_ID);
	return m->device_id == 0 ? CAPNET_E_NOTFOUND : CAPNET_OK;
}

struct capnet_virtio_transport capnet_virtio_mmio_transport(struct capnet_virtio_mmio *m)
{
	return (struct capnet_virtio_transport){.ops = &mmio_ops, .ctx = m};
}
