/* The virtio-net driver: bring-up (3.1.1), the RX and TX queues (5.1.2),
 * and the NIC contract on top. One descriptor per buffer, buffer i always
 * behind descriptor i: the driver never follows an address the device
 * gives it, only an id it checks against its own table. */
#include <string.h>

#include "capnet/virtio.h"
#include "nic/virtio/virtqueue.h"

/* Reset completes when status reads 0 (4.2.3.1); a device that never gets
 * there is given up on after this many reads. */
#define RESET_POLLS 1000
#define CONFIG_RETRIES 16
#define ETH_MAX_OVERHEAD 18 /* Ethernet header + one 802.1Q tag */

static const char *const stat_names[] = {
#define CAPNET_VIRTIO_STAT_NAME(name, what) #name,
	CAPNET_VIRTIO_STATS(CAPNET_VIRTIO_STAT_NAME)
#undef CAPNET_VIRTIO_STAT_NAME
};

const char *capnet_virtio_stat_name(enum capnet_virtio_stat s)
{
	return (unsigned)s < CAPNET_VIRTIO_STAT__COUNT ? stat_names[s] : "?";
}

static bool has(const struct capnet_virtio_net *vn, unsigned f)
{
	return (vn->features & CAPNET_VIRTIO_BIT(f)) != 0;
}

static bool event_idx(const struct capnet_virtio_net *vn)
{
	return has(vn, CAPNET_VIRTIO_F_RING_EVENT_IDX);
}

/* --- the defined error state ---------------------------------------------- */

/* Counts the reason, tells the device we gave up (FAILED), and from now on
 * hands it nothing. The DMA memory stays allocated until stop: the device
 * may still hold buffers, and only a reset takes them back. */
static capnet_err fail(struct capnet_virtio_net *vn, enum capnet_virtio_stat why)
{
	vn->stats[why]++;
	if (vn->state != CAPNET_VIRTIO_FAILED)
		vn->fault = why;
	vn->state = CAPNET_VIRTIO_FAILED;
	vn->status |= CAPNET_VIRTIO_STATUS_FAILED;
	vn->t.ops->set_status(vn->t.ctx, vn->status);
	return CAPNET_E_NIC;
}

static bool reset_device(struct capnet_virtio_net *vn)
{
	vn->status = 0;
	vn->t.ops->set_status(vn->t.ctx, 0);
	for (int i = 0; i < RESET_POLLS; i++)
		if (vn->t.ops->get_status(vn->t.ctx) == 0)
			return true;
	return false;
}

/* Adds a status bit and checks the device shows exactly what we wrote. */
static bool step(struct capnet_virtio_net *vn, uint8_t bit)
{
	vn->status |= bit;
	vn->t.ops->set_status(vn->t.ctx, vn->status);
	return vn->t.ops->get_status(vn->t.ctx) == vn->status;
}

static uint16_t cfg16(const struct capnet_virtio_net *vn, uint32_t off)
{
	return (uint16_t)(vn->t.ops->config_read8(vn->t.ctx, off) |
			  vn->t.ops->config_read8(vn->t.ctx, off + 1) << 8);
}

/* MAC and MTU, read again while the generation moves (2.5.1). */
static bool read_config(struct capnet_virtio_net *vn, struct capnet_mac *mac, uint16_t *mtu)
{
	for (int tries = 0; tries < CONFIG_RETRIES; tries++) {
		uint32_t gen = vn->t.ops->config_generation(vn->t.ctx);
		*mac = vn->cfg.fallback_mac;
		if (has(vn, CAPNET_VIRTIO_NET_F_MAC))
			for (uint32_t i = 0; i < 6; i++)
				mac->b[i] = vn->t.ops->config_read8(vn->t.ctx, CAPNET_VIRTIO_NET_CFG_MAC + i);
		*mtu = has(vn, CAPNET_VIRTIO_NET_F_MTU) ? cfg16(vn, CAPNET_VIRTIO_NET_CFG_MTU) : 1500;
		if (vn->t.ops->config_generation(vn->t.ctx) == gen)
			return true;
	}
	return false;
}

static void free_queues(struct capnet_virtio_net *vn)
{
	capnet_virtq_free(&vn->rx, &vn->dma);
	capnet_virtq_free(&vn->tx, &vn->dma);
}

static capnet_err bringup_fail(struct capnet_virtio_net *vn, enum capnet_virtio_stat why, capnet_err e)
{
	fail(vn, why);
	free_queues(vn);
	return e;
}

static capnet_err setup_queue(struct capnet_virtio_net *vn, struct capnet_virtio_queue *q, uint16_t index,
			      uint32_t buf_len)
{
	uint16_t max = vn->t.ops->queue_max(vn->t.ctx, index);
	uint16_t want = vn->cfg.queue_size != 0 ? vn->cfg.queue_size : CAPNET_VIRTIO_QUEUE_MAX;
	if (want > CAPNET_VIRTIO_QUEUE_MAX)
		want = CAPNET_VIRTIO_QUEUE_MAX;
	if (max < want)
		want = max;
	/* Split queues are a power of two in size: the largest that fits. */
	uint16_t size = 1;
	while ((uint32_t)size * 2 <= want)
		size = (uint16_t)(size * 2);
	if (max == 0 || want == 0)
		return bringup_fail(vn, CAPNET_VIRTIO_STAT_bringup_queue_unavailable, CAPNET_E_NIC);
	if (capnet_virtq_alloc(q, &vn->dma, index, size, buf_len) != CAPNET_OK)
		return bringup_fail(vn, CAPNET_VIRTIO_STAT_bringup_dma_exhausted, CAPNET_E_NOMEM);
	capnet_virtq_quiet(q, event_idx(vn));
	uint64_t base = vn->dma.dev_addr(vn->dma.ctx, q->mem);
	if (vn->t.ops->queue_enable(vn->t.ctx, index, size, base, base + capnet_virtq_avail_off(size),
				    base + capnet_virtq_used_off(size)) != CAPNET_OK)
		return bringup_fail(vn, CAPNET_VIRTIO_STAT_bringup_queue_unavailable, CAPNET_E_NIC);
	return CAPNET_OK;
}

static void kick(struct capnet_virtio_net *vn, struct capnet_virtio_queue *q, enum capnet_virtio_stat sent,
		 enum capnet_virtio_stat suppressed)
{
	if (q->kick_from == q->avail_idx)
		return;
	if (capnet_virtq_kick_needed(q, event_idx(vn))) {
		vn->t.ops->notify(vn->t.ctx, q->index);
		vn->stats[sent]++;
	} else {
		vn->stats[suppressed]++;
	}
}

/* --- the NIC contract -------------------------------------------------- */

unsigned capnet_virtio_net_reclaim(struct capnet_virtio_net *vn)
{
	unsigned n = 0;
	if (vn->state != CAPNET_VIRTIO_UP)
		return 0;
	for (;;) {
		uint16_t id;
		uint32_t len;
		enum capnet_virtio_stat fault;
		int r = capnet_virtq_next_used(&vn->tx, event_idx(vn), &id, &len, &fault);
		if (r == 0)
			break;
		if (r < 0) {
			fail(vn, fault);
			break;
		}
		vn->tx.free_ring[(vn->tx.free_head + vn->tx.nfree++) & (vn->tx.size - 1)] = id;
		vn->stats[CAPNET_VIRTIO_STAT_tx_completions]++;
		n++;
	}
	if (n > 0)
		vn->tx_full_streak = 0;
	return n;
}

static capnet_err vn_transmit(void *dev, const uint8_t *frame, size_t len)
{
	struct capnet_virtio_net *vn = dev;
	if (vn->state != CAPNET_VIRTIO_UP)
		return CAPNET_E_NIC;
	if (frame == NULL || len > vn->tx.buf_len - CAPNET_VIRTIO_NET_HDR_LEN) {
		vn->stats[CAPNET_VIRTIO_STAT_tx_too_long]++;
		return CAPNET_E_MSGSIZE;
	}
	capnet_virtio_net_reclaim(vn);
	if (vn->state != CAPNET_VIRTIO_UP)
		return CAPNET_E_NIC;
	if (vn->tx.nfree == 0) {
		vn->stats[CAPNET_VIRTIO_STAT_tx_ring_full]++;
		if (++vn->tx_full_streak >= vn->tx_stall_limit)
			return fail(vn, CAPNET_VIRTIO_STAT_tx_stalled);
		return CAPNET_E_AGAIN;
	}
	uint16_t id = vn->tx.free_ring[vn->tx.free_head];
	vn->tx.free_head = (uint16_t)((vn->tx.free_head + 1) & (vn->tx.size - 1));
	vn->tx.nfree--;
	uint8_t *b = vn->tx.bufs + (size_t)id * vn->tx.buf_len;
	/* No offload negotiated: an all-zero header (flags 0, GSO_NONE). */
	memset(b, 0, CAPNET_VIRTIO_NET_HDR_LEN);
	memcpy(b + CAPNET_VIRTIO_NET_HDR_LEN, frame, len);
	capnet_virtq_publish(&vn->tx, id, (uint32_t)(CAPNET_VIRTIO_NET_HDR_LEN + len), false);
	vn->stats[CAPNET_VIRTIO_STAT_tx_frames]++;
	vn->stats[CAPNET_VIRTIO_STAT_tx_bytes] += len;
	kick(vn, &vn->tx, CAPNET_VIRTIO_STAT_tx_notifies, CAPNET_VIRTIO_STAT_tx_notifies_suppressed);
	return CAPNET_OK;
}

/* Gives the copied-out RX buffers back and tells the device if it wants. */
static void rx_refill(struct capnet_virtio_net *vn)
{
	for (uint16_t i = 0; i < vn->rx.nrepost; i++)
		capnet_virtq_publish(&vn->rx, vn->rx.repost[i], vn->rx.buf_len, true);
	vn->stats[CAPNET_VIRTIO_STAT_rx_reposted] += vn->rx.nrepost;
	vn->rx.nrepost = 0;
	kick(vn, &vn->rx, CAPNET_VIRTIO_STAT_rx_notifies, CAPNET_VIRTIO_STAT_rx_notifies_suppressed);
}

static void repost(struct capnet_virtio_net *vn, uint16_t id)
{
	vn->rx.repost[vn->rx.nrepost++] = id;
	if (vn->rx.nrepost >= (vn->rx.size + 1) / 2)
		rx_refill(vn);
}

static capnet_err vn_receive(void *dev, uint8_t *buf, size_t cap, size_t *out_len)
{
	struct capnet_virtio_net *vn = dev;
	if (out_len != NULL)
		*out_len = 0;
	if (vn->state != CAPNET_VIRTIO_UP)
		return CAPNET_E_NIC;
	uint16_t id;
	uint32_t len;
	enum capnet_virtio_stat fault;
	int r = capnet_virtq_next_used(&vn->rx, event_idx(vn), &id, &len, &fault);
	if (r < 0)
		return fail(vn, fault);
	if (r == 0) {
		/* "No frame yet" is normal: the ring stays armed; what was drained
		 * goes back now. */
		rx_refill(vn);
		return CAPNET_E_AGAIN;
	}
	if (len < CAPNET_VIRTIO_NET_HDR_LEN)
		return fail(vn, CAPNET_VIRTIO_STAT_used_len_short);
	size_t flen = len - CAPNET_VIRTIO_NET_HDR_LEN;
	if (flen > cap || (buf == NULL && flen > 0)) {
		vn->stats[CAPNET_VIRTIO_STAT_rx_nobufs]++;
		repost(vn, id);
		return CAPNET_E_NOBUFS;
	}
	if (flen > 0)
		memcpy(buf, vn->rx.bufs + (size_t)id * vn->rx.buf_len + CAPNET_VIRTIO_NET_HDR_LEN, flen);
	if (out_len != NULL)
		*out_len = flen;
	vn->stats[CAPNET_VIRTIO_STAT_rx_frames]++;
	vn->stats[CAPNET_VIRTIO_STAT_rx_bytes] += flen;
	repost(vn, id);
	return CAPNET_OK;
}

static bool vn_link_up(void *dev)
{
	struct capnet_virtio_net *vn = dev;
	if (vn->state != CAPNET_VIRTIO_UP)
		return false;
	if (vn->t.ops->get_status(vn->t.ctx) & CAPNET_VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
		fail(vn, CAPNET_VIRTIO_STAT_device_needs_reset);
		return false;
	}
	if (!has(vn, CAPNET_VIRTIO_NET_F_STATUS))
		return true;
	return (cfg16(vn, CAPNET_VIRTIO_NET_CFG_STATUS) & CAPNET_VIRTIO_NET_S_LINK_UP) != 0;
}

static const struct capnet_nic_ops virtio_net_ops = {
	.transmit = vn_transmit,
	.receive = vn_receive,
	.link_up = vn_link_up,
};

/* --- bring-up ----------------------------------------------------------- */

capnet_err capnet_virtio_net_start(struct capnet_virtio_net *vn, struct capnet_virtio_transport t,
				   const struct capnet_virtio_dma *dma, const struct capnet_virtio_net_config *cfg)
{
	if (vn == NULL || t.ops == NULL || dma == NULL || dma->alloc == NULL || dma->dev_addr == NULL ||
	    dma->free == NULL)
		return CAPNET_E_INVAL;
	memset(vn, 0, sizeof *vn);
	vn->t = t;
	vn->dma = *dma;
	if (cfg != NULL)
		vn->cfg = *cfg;
	uint16_t mtu_max = vn->cfg.mtu != 0 ? vn->cfg.mtu : 1500;
	/* A nic from the start: until UP, and after a failure, every call on
	 * it answers CAPNET_E_NIC (link down). */
	vn->nic.ops = &virtio_net_ops;
	vn->nic.dev = vn;
	vn->nic.mtu = mtu_max;

	/* 1-3: reset, ACKNOWLEDGE, DRIVER. */
	if (!reset_device(vn) || !step(vn, CAPNET_VIRTIO_STATUS_ACKNOWLEDGE) || !step(vn, CAPNET_VIRTIO_STATUS_DRIVER))
		return bringup_fail(vn, CAPNET_VIRTIO_STAT_bringup_status_stuck, CAPNET_E_NIC);

	/* 4: features. Only what this driver implements; offloads stay off. */
	vn->device_features = t.ops->device_features(t.ctx);
	if ((vn->device_features & CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_VERSION_1)) == 0)
		return bringup_fail(vn, CAPNET_VIRTIO_STAT_bringup_no_version_1, CAPNET_E_NIC);
	uint64_t want = CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_VERSION_1) | CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_MAC) |
			CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_STATUS) | CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_MTU) |
			/* Our device addresses come from the DMA provider, which is
			 * what this feature asks for (an IOMMU or a translated map). */
			CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_ACCESS_PLATFORM);
	if (!vn->cfg.no_event_idx)
		want |= CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_RING_EVENT_IDX);
	vn->features = vn->device_features & want;
	t.ops->set_driver_features(t.ctx, vn->features);

	/* 5: FEATURES_OK, and the device must still show it (3.1.1 step 6). */
	vn->status |= CAPNET_VIRTIO_STATUS_FEATURES_OK;
	t.ops->set_status(t.ctx, vn->status);
	uint8_t st = t.ops->get_status(t.ctx);
	if ((st & CAPNET_VIRTIO_STATUS_FEATURES_OK) == 0) {
		vn->status &= (uint8_t)~CAPNET_VIRTIO_STATUS_FEATURES_OK;
		return bringup_fail(vn, CAPNET_VIRTIO_STAT_bringup_features_rejected, CAPNET_E_NIC);
	}
	if (st != vn->status)
		return bringup_fail(vn, CAPNET_VIRTIO_STAT_bringup_status_stuck, CAPNET_E_NIC);

	/* 6: configuration. */
	struct capnet_mac mac;
	uint16_t dev_mtu;
	if (!read_config(vn, &mac, &dev_mtu))
		return bringup_fail(vn, CAPNET_VIRTIO_STAT_bringup_config_unstable, CAPNET_E_NIC);
	if (dev_mtu < 68)
		return bringup_fail(vn, CAPNET_VIRTIO_STAT_bringup_bad_mtu, CAPNET_E_NIC);
	uint16_t mtu = dev_mtu < mtu_max ? dev_mtu : mtu_max;
	/* Without MRG_RXBUF every RX buffer must hold a whole frame: at least
	 * 1514 + header (5.1.6.3.1), more with a larger MTU. */
	uint32_t frame_max = (uint32_t)(mtu > 1500 ? mtu : 1500) + ETH_MAX_OVERHEAD;
	uint32_t buf_len = (CAPNET_VIRTIO_NET_HDR_LEN + frame_max + 63u) & ~63u;

	/* 7: queues. */
	capnet_err e = setup_queue(vn, &vn->rx, CAPNET_VIRTIO_NET_RXQ, buf_len);
	if (e == CAPNET_OK)
		e = setup_queue(vn, &vn->tx, CAPNET_VIRTIO_NET_TXQ, buf_len);
	if (e != CAPNET_OK)
		return e;
	for (uint16_t i = 0; i < vn->tx.size; i++)
		vn->tx.free_ring[vn->tx.nfree++] = i;
	for (uint16_t i = 0; i < vn->rx.size; i++)
		capnet_virtq_publish(&vn->rx, i, buf_len, true);
	vn->tx_stall_limit = vn->cfg.tx_stall_limit != 0 ? vn->cfg.tx_stall_limit : 4u * vn->tx.size;

	vn->nic.mac = mac;
	vn->nic.mtu = mtu;

	/* 8: DRIVER_OK; the RX buffers were made available before it, the
	 * device hears of them after (3.1.1 step 8). */
	if (!step(vn, CAPNET_VIRTIO_STATUS_DRIVER_OK))
		return bringup_fail(vn, CAPNET_VIRTIO_STAT_bringup_status_stuck, CAPNET_E_NIC);
	vn->state = CAPNET_VIRTIO_UP;
	kick(vn, &vn->rx, CAPNET_VIRTIO_STAT_rx_notifies, CAPNET_VIRTIO_STAT_rx_notifies_suppressed);
	return CAPNET_OK;
}

void capnet_virtio_net_stop(struct capnet_virtio_net *vn)
{
	if (vn == NULL || vn->t.ops == NULL)
		return;
	/* After a reset the device holds nothing; only then is the memory ours. */
	reset_device(vn);
	free_queues(vn);
	vn->state = CAPNET_VIRTIO_DOWN;
}

struct capnet_nic *capnet_virtio_net_nic(struct capnet_virtio_net *vn)
{
	return &vn->nic;
}

enum capnet_virtio_state capnet_virtio_net_state(const struct capnet_virtio_net *vn)
{
	return vn->state;
}

enum capnet_virtio_stat capnet_virtio_net_fault(const struct capnet_virtio_net *vn)
{
	return vn->fault;
}

uint64_t capnet_virtio_net_stat(const struct capnet_virtio_net *vn, enum capnet_virtio_stat s)
{
	return (unsigned)s < CAPNET_VIRTIO_STAT__COUNT ? vn->stats[s] : 0;
}

uint32_t capnet_virtio_net_interrupt(struct capnet_virtio_net *vn)
{
	uint32_t s = vn->t.ops->interrupt_ack(vn->t.ctx);
	if (s != 0)
		vn->stats[CAPNET_VIRTIO_STAT_interrupts]++;
	return s;
}
