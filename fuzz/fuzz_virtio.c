/* The virtio-net driver against a device whose every move comes from the
 * input: which buffers it takes, which used elements it writes (any id, any
 * length), where it sets used.idx, what frames arrive on its wire. The
 * driver must never crash, never write past the caller's buffer, never
 * report more than it holds, and once FAILED answer CAPNET_E_NIC to
 * everything. Stopping it must give back every DMA byte.
 *
 * Input: byte 0 picks the queue size (1 << (b & 7)) and EVENT_IDX (bit 3);
 * then one operation per byte, with its arguments after it. */
#include <string.h>

#include "capnet/nic_null.h"
#include "capnet/virtio.h"
#include "capnet/virtio_mmio.h"
#include "fuzz_assert.h"
#include "sim/virtio_device.h"

struct input {
	const uint8_t *p;
	size_t n;
};

static uint32_t take(struct input *in, unsigned bytes)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < bytes; i++) {
		v = v << 8 | (in->n > 0 ? *in->p : 0);
		if (in->n > 0) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

/* The device's wire: frames cut from the input. */
struct wire {
	struct capnet_nic nic;
	struct input *in;
	unsigned pending;
};

static capnet_err wire_rx(void *dev, uint8_t *buf, size_t cap, size_t *len)
{
	struct wire *w = dev;
	if (w->pending == 0)
		return CAPNET_E_AGAIN;
	w->pending--;
	size_t l = take(w->in, 2) % 1600;
	if (l > cap)
		l = cap;
	for (size_t i = 0; i < l; i++)
		buf[i] = (uint8_t)(i * 13 + l);
	*len = l;
	return CAPNET_OK;
}

static bool wire_up(void *dev)
{
	(void)dev;
	return true;
}

static const struct capnet_nic_ops wire_ops = {capnet_nic_null_transmit, wire_rx, wire_up};

#define GUARD 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uint8_t first = (uint8_t)take(&in, 1);
	static struct wire w;
	w = (struct wire){.nic = {.ops = &wire_ops}, .in = &in};
	w.nic.dev = &w;
	struct capnet_sim_virtio_config dc = {
		.mac = {{0x52, 0x54, 0, 0, 0, 1}},
		.queue_max = (uint16_t)(1u << (first & 7)),
		.dma_size = 512 * 1024,
	};
	struct capnet_sim_virtio *dev = capnet_sim_virtio_create(&dc, &w.nic);
	if (dev == NULL)
		return 0;
	struct capnet_virtio_window win = capnet_sim_virtio_window(dev);
	static struct capnet_virtio_mmio mmio;
	FUZZ_CHECK(capnet_virtio_mmio_init(&mmio, &win) == CAPNET_OK);
	struct capnet_virtio_dma dma = capnet_sim_virtio_dma(dev);
	static struct capnet_virtio_net vn;
	struct capnet_virtio_net_config nc = {.no_event_idx = (first & 8) != 0, .tx_stall_limit = 16};
	FUZZ_CHECK(capnet_virtio_net_start(&vn, capnet_virtio_mmio_transport(&mmio), &dma, &nc) == CAPNET_OK);
	struct capnet_nic *nic = capnet_virtio_net_nic(&vn);

	static uint8_t frame[1600], buf[1600 + GUARD];
	for (int ops = 0; in.n > 0 && ops < 4096; ops++) {
		uint8_t op = (uint8_t)take(&in, 1);
		uint16_t q = op & 0x80 ? CAPNET_VIRTIO_NET_TXQ : CAPNET_VIRTIO_NET_RXQ;
		capnet_err e = CAPNET_OK;
		bool failed_before = capnet_virtio_net_state(&vn) == CAPNET_VIRTIO_FAILED;
		switch (op & 7) {
		case 0: {
			size_t len = take(&in, 2) % sizeof frame;
			memset(frame, op, len);
			e = nic->ops->transmit(nic->dev, frame, len);
			FUZZ_CHECK(e == CAPNET_OK || e == CAPNET_E_AGAIN || e == CAPNET_E_NIC || e == CAPNET_E_MSGSIZE);
			break;
		}
		case 1: {
			size_t cap = take(&in, 2) % 1601, len = 12345;
			memset(buf, 0xa5, sizeof buf);
			e = nic->ops->receive(nic->dev, buf, cap, &len);
			FUZZ_CHECK(e == CAPNET_OK || e == CAPNET_E_AGAIN || e == CAPNET_E_NIC || e == CAPNET_E_NOBUFS);
			FUZZ_CHECK(e == CAPNET_OK ? len <= cap : len == 0);
			for (size_t i = cap; i < sizeof buf; i++)
				FUZZ_CHECK(buf[i] == 0xa5);
			break;
		}
		case 2:
			w.pending = take(&in, 1) & 7;
			capnet_sim_virtio_poll(dev, 0);
			break;
		case 3: {
			uint16_t id;
			capnet_sim_virtio_take_avail(dev, q, &id);
			break;
		}
		case 4: {
			uint32_t id = take(&in, 2), len = take(&in, 4);
			/* mostly plausible ids and lengths, sometimes anything */
			if (op & 0x40) {
				id %= 256;
				len %= 2048;
			}
			capnet_sim_virtio_put_used(dev, q, id, len);
			break;
		}
		case 5:
			capnet_sim_virtio_set_used_idx(dev, q, (uint16_t)take(&in, 2));
			break;
		case 6:
			(void)nic->ops->link_up(nic->dev);
			capnet_sim_virtio_set_link(dev, (op & 0x10) != 0);
			break;
		default:
			capnet_virtio_net_reclaim(&vn);
			capnet_virtio_net_interrupt(&vn);
			break;
		}
		if (failed_before)
			FUZZ_CHECK(e == CAPNET_OK || e == CAPNET_E_NIC || e == CAPNET_E_MSGSIZE);
		FUZZ_CHECK(vn.rx.outstanding <= vn.rx.size && vn.tx.outstanding <= vn.tx.size);
		FUZZ_CHECK(vn.tx.nfree + vn.tx.outstanding <= vn.tx.size);
		FUZZ_CHECK(vn.rx.nrepost + vn.rx.outstanding <= vn.rx.size);
		if (capnet_virtio_net_state(&vn) == CAPNET_VIRTIO_FAILED) {
			size_t len = 1;
			FUZZ_CHECK(nic->ops->transmit(nic->dev, frame, 60) == CAPNET_E_NIC);
			FUZZ_CHECK(nic->ops->receive(nic->dev, buf, 100, &len) == CAPNET_E_NIC && len == 0);
		}
	}
	capnet_virtio_net_stop(&vn);
	FUZZ_CHECK(capnet_sim_virtio_stats(dev)->dma_in_use == 0);
	capnet_sim_virtio_destroy(dev);
	return 0;
}
