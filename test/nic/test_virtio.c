/* The virtio-net driver (libcapnet/nic/virtio) against the device model
 * (sim/virtio_device.c): the exact bring-up status sequence, feature
 * negotiation (and a device that refuses FEATURES_OK), frames both ways
 * with exact bytes through many ring wraps (past the 16-bit index wrap),
 * "no frame yet" resetting nothing, notification suppression with and
 * without EVENT_IDX, link status, and every malicious mode with its counter
 * and the defined error state. The wire is a capture nic, so every byte
 * the driver sends is read back as the model put it on the wire. */
#include <string.h>

#include "capnet/virtio.h"
#include "capnet/virtio_mmio.h"
#include "check_main.h"
#include "sim/virtio_device.h"
#include "support/capture_nic.h"

static const struct capnet_mac dev_mac = {{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};

struct rig {
	struct capture_nic wire;
	struct capnet_sim_virtio *dev;
	struct capnet_virtio_mmio mmio;
	struct capnet_virtio_net vn;
	struct capnet_nic *nic;
};

static struct rig R;

static capnet_err rig_start(const struct capnet_sim_virtio_config *dc, const struct capnet_virtio_net_config *nc)
{
	memset(&R, 0, sizeof R);
	capture_nic_init(&R.wire, (struct capnet_mac){{0x02, 0, 0, 0, 0, 0x99}}, 1500);
	R.dev = capnet_sim_virtio_create(dc, &R.wire.nic);
	ck_assert_ptr_nonnull(R.dev);
	struct capnet_virtio_window w = capnet_sim_virtio_window(R.dev);
	ck_assert_int_eq(capnet_virtio_mmio_init(&R.mmio, &w), CAPNET_OK);
	ck_assert_uint_eq(R.mmio.device_id, CAPNET_VIRTIO_DEVICE_ID_NET);
	struct capnet_virtio_dma dma = capnet_sim_virtio_dma(R.dev);
	capnet_err e = capnet_virtio_net_start(&R.vn, capnet_virtio_mmio_transport(&R.mmio), &dma, nc);
	R.nic = capnet_virtio_net_nic(&R.vn);
	return e;
}

static void rig_end(void)
{
	capnet_virtio_net_stop(&R.vn);
	ck_assert_uint_eq(capnet_sim_virtio_stats(R.dev)->dma_in_use, 0);
	ck_assert_uint_eq(capnet_sim_virtio_status(R.dev), 0);
	capnet_sim_virtio_destroy(R.dev);
}

static struct capnet_sim_virtio_config devcfg(uint16_t qmax)
{
	return (struct capnet_sim_virtio_config){.mac = dev_mac, .queue_max = qmax};
}

static uint64_t vstat(enum capnet_virtio_stat s)
{
	return capnet_virtio_net_stat(&R.vn, s);
}

static const struct capnet_sim_virtio_stats *dstat(void)
{
	return capnet_sim_virtio_stats(R.dev);
}

/* dst = the driver's MAC, a 16-bit ethertype, then a pattern of the seq. */
static size_t frame(uint8_t *b, uint32_t seq, size_t len)
{
	memcpy(b, dev_mac.b, 6);
	for (int i = 0; i < 6; i++)
		b[6 + i] = (uint8_t)(0x02 + i);
	b[12] = 0x88;
	b[13] = 0xb5;
	for (size_t i = 14; i < len; i++)
		b[i] = (uint8_t)(seq * 31 + i * 7);
	return len;
}

static void wire_rx_reset(void)
{
	if (R.wire.rx_head == R.wire.nrx)
		R.wire.nrx = R.wire.rx_head = 0;
}

static void poll_dev(void)
{
	capnet_sim_virtio_poll(R.dev, 0);
}

static uint32_t regs_zero(void *c, uint32_t o)
{
	(void)c;
	(void)o;
	return 0;
}

static uint32_t regs_legacy(void *c, uint32_t o)
{
	(void)c;
	return o == CAPNET_VIRTIO_MMIO_MAGIC ? CAPNET_VIRTIO_MMIO_MAGIC_VALUE : o == CAPNET_VIRTIO_MMIO_VERSION ? 1 : 0;
}

static uint32_t regs_empty(void *c, uint32_t o)
{
	(void)c;
	return o == CAPNET_VIRTIO_MMIO_MAGIC ? CAPNET_VIRTIO_MMIO_MAGIC_VALUE : o == CAPNET_VIRTIO_MMIO_VERSION ? 2 : 0;
}

static void regs_w(void *c, uint32_t o, uint32_t v)
{
	(void)c;
	(void)o;
	(void)v;
}

static uint8_t regs_r8(void *c, uint32_t o)
{
	(void)c;
	(void)o;
	return 0;
}

START_TEST(test_mmio_discovery)
{
	struct capnet_virtio_mmio m;
	struct capnet_virtio_window w = {regs_zero, regs_w, regs_r8, NULL};
	ck_assert_int_eq(capnet_virtio_mmio_init(&m, &w), CAPNET_E_NIC);
	w.read32 = regs_legacy;
	ck_assert_int_eq(capnet_virtio_mmio_init(&m, &w), CAPNET_E_UNSUPPORTED);
	w.read32 = regs_empty;
	ck_assert_int_eq(capnet_virtio_mmio_init(&m, &w), CAPNET_E_NOTFOUND);
}
END_TEST

START_TEST(test_bringup_exact_status_sequence)
{
	struct capnet_sim_virtio_config dc = devcfg(16);
	ck_assert_int_eq(rig_start(&dc, NULL), CAPNET_OK);
	const uint8_t *log;
	size_t n = capnet_sim_virtio_status_log(R.dev, &log);
	/* reset, ACKNOWLEDGE, +DRIVER, +FEATURES_OK, +DRIVER_OK */
	const uint8_t want[] = {0x00, 0x01, 0x03, 0x0b, 0x0f};
	ck_assert_uint_eq(n, sizeof want);
	ck_assert_mem_eq(log, want, sizeof want);
	ck_assert_uint_eq(capnet_sim_virtio_status(R.dev), 0x0f);
	ck_assert_int_eq(capnet_virtio_net_state(&R.vn), CAPNET_VIRTIO_UP);
	ck_assert_uint_eq(capnet_sim_virtio_driver_features(R.dev),
			  CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_VERSION_1) | CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_MAC) |
				  CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_STATUS) |
				  CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_RING_EVENT_IDX));
	ck_assert(capnet_mac_eq(R.nic->mac, dev_mac));
	ck_assert_uint_eq(R.nic->mtu, 1500);
	ck_assert_uint_eq(R.vn.rx.size, 16);
	ck_assert_uint_eq(R.vn.tx.size, 16);
	/* every RX buffer made available, the device told once */
	ck_assert_uint_eq(R.vn.rx.avail_idx, 16);
	ck_assert_uint_eq(dstat()->notifies[CAPNET_VIRTIO_NET_RXQ], 1);
	ck_assert_uint_eq(dstat()->notifies[CAPNET_VIRTIO_NET_TXQ], 0);
	/* device addresses are not CPU pointers, and every one was in range */
	struct capnet_virtio_dma dma = capnet_sim_virtio_dma(R.dev);
	ck_assert_uint_ne(dma.dev_addr(dma.ctx, R.vn.rx.bufs), (uint64_t)(uintptr_t)R.vn.rx.bufs);
	ck_assert_uint_eq(R.vn.rx.buf_dev[0], CAPNET_SIM_VIRTIO_DMA_BASE + (uint64_t)(R.vn.rx.bufs - R.vn.rx.mem));
	poll_dev();
	ck_assert_uint_eq(dstat()->bad_dma, 0);
	ck_assert(R.nic->ops->link_up(R.nic->dev));
	rig_end();
}
END_TEST

START_TEST(test_features_mtu_and_no_offloads)
{
	struct capnet_sim_virtio_config dc = devcfg(8);
	dc.mtu = 1400;
	/* offers offloads and mergeable buffers too: none is taken */
	dc.features = CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_VERSION_1) | CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_MAC) |
		      CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_MTU) | CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_CSUM) |
		      CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_GUEST_CSUM) | CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_MRG_RXBUF) |
		      CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_RING_EVENT_IDX);
	struct capnet_virtio_net_config nc = {.no_event_idx = true};
	ck_assert_int_eq(rig_start(&dc, &nc), CAPNET_OK);
	ck_assert_uint_eq(capnet_sim_virtio_driver_features(R.dev),
			  CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_VERSION_1) | CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_MAC) |
				  CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_MTU));
	ck_assert_uint_eq(R.nic->mtu, 1400);
	/* no STATUS feature: the link is taken as up */
	ck_assert(R.nic->ops->link_up(R.nic->dev));
	rig_end();

	/* no MAC offered: the configured fallback */
	dc = devcfg(8);
	dc.features = CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_F_VERSION_1);
	nc = (struct capnet_virtio_net_config){.fallback_mac = {{0x02, 1, 2, 3, 4, 5}}};
	ck_assert_int_eq(rig_start(&dc, &nc), CAPNET_OK);
	ck_assert(capnet_mac_eq(R.nic->mac, nc.fallback_mac));
	rig_end();
}
END_TEST

START_TEST(test_device_refusing_features_ok_fails_closed)
{
	struct capnet_sim_virtio_config dc = devcfg(8);
	dc.fault = CAPNET_SIM_VIRTIO_REFUSE_FEATURES_OK;
	ck_assert_int_eq(rig_start(&dc, NULL), CAPNET_E_NIC);
	ck_assert_int_eq(capnet_virtio_net_state(&R.vn), CAPNET_VIRTIO_FAILED);
	ck_assert_int_eq(capnet_virtio_net_fault(&R.vn), CAPNET_VIRTIO_STAT_bringup_features_rejected);
	ck_assert_uint_eq(vstat(CAPNET_VIRTIO_STAT_bringup_features_rejected), 1);
	const uint8_t *log;
	size_t n = capnet_sim_virtio_status_log(R.dev, &log);
	const uint8_t want[] = {0x00, 0x01, 0x03, 0x0b, 0x83}; /* ... FEATURES_OK refused, FAILED */
	ck_assert_uint_eq(n, sizeof want);
	ck_assert_mem_eq(log, want, sizeof want);
	ck_assert_uint_eq(capnet_sim_virtio_status(R.dev), 0x83);
	ck_assert_uint_eq(dstat()->dma_in_use, 0); /* nothing allocated was kept */
	uint8_t b[64];
	size_t len;
	ck_assert_int_eq(R.nic->ops->transmit(R.nic->dev, b, 60), CAPNET_E_NIC);
	ck_assert_int_eq(R.nic->ops->receive(R.nic->dev, b, sizeof b, &len), CAPNET_E_NIC);
	ck_assert(!R.nic->ops->link_up(R.nic->dev));
	rig_end();
}
END_TEST

START_TEST(test_device_without_version_1_is_refused)
{
	struct capnet_sim_virtio_config dc = devcfg(8);
	dc.features = CAPNET_VIRTIO_BIT(CAPNET_VIRTIO_NET_F_MAC);
	ck_assert_int_eq(rig_start(&dc, NULL), CAPNET_E_NIC);
	ck_assert_int_eq(capnet_virtio_net_fault(&R.vn), CAPNET_VIRTIO_STAT_bringup_no_version_1);
	ck_assert_uint_eq(capnet_sim_virtio_status(R.dev), 0x83);
	rig_end();
}
END_TEST

START_TEST(test_dma_exhaustion_fails_bringup)
{
	struct capnet_sim_virtio_config dc = devcfg(256);
	dc.dma_size = 64 * 1024;
	ck_assert_int_eq(rig_start(&dc, NULL), CAPNET_E_NOMEM);
	ck_assert_int_eq(capnet_virtio_net_fault(&R.vn), CAPNET_VIRTIO_STAT_bringup_dma_exhausted);
	ck_assert_uint_eq(dstat()->dma_in_use, 0);
	rig_end();
}
END_TEST

/* 70000 frames each way through 8-entry rings: 8750 wraps of the ring and
 * one of the 16-bit indices, every byte compared. */
START_TEST(test_many_frames_both_ways_through_ring_and_index_wrap)
{
	struct capnet_sim_virtio_config dc = devcfg(8);
	ck_assert_int_eq(rig_start(&dc, NULL), CAPNET_OK);
	uint8_t f[1514], got[1600];
	const uint32_t total = 70000;
	for (uint32_t i = 0; i < total; i++) {
		size_t len = frame(f, i, 14 + (i * 97) % 1501);
		ck_assert_int_eq(R.nic->ops->transmit(R.nic->dev, f, len), CAPNET_OK);
		if (i % 5 == 4 || i == total - 1) {
			poll_dev();
			for (size_t k = 0; k < R.wire.ntx; k++) {
				uint32_t s = i - (uint32_t)(R.wire.ntx - 1 - k);
				size_t l = frame(f, s, 14 + (s * 97) % 1501);
				ck_assert_uint_eq(R.wire.tx[k].len, l);
				ck_assert_mem_eq(R.wire.tx[k].data, f, l);
			}
			capture_nic_clear(&R.wire);
		}
	}
	ck_assert_uint_eq(dstat()->tx_frames, total);
	for (uint32_t i = 0; i < total; i += 6) {
		wire_rx_reset();
		for (uint32_t k = i; k < i + 6 && k < total; k++)
			capture_nic_queue_rx(&R.wire, f, frame(f, k, 14 + (k * 89) % 1501));
		poll_dev();
		for (uint32_t k = i; k < i + 6 && k < total; k++) {
			size_t len = 0;
			ck_assert_int_eq(R.nic->ops->receive(R.nic->dev, got, sizeof got, &len), CAPNET_OK);
			size_t l = frame(f, k, 14 + (k * 89) % 1501);
			ck_assert_uint_eq(len, l);
			ck_assert_mem_eq(got, f, l);
		}
		size_t len = 99;
		ck_assert_int_eq(R.nic->ops->receive(R.nic->dev, got, sizeof got, &len), CAPNET_E_AGAIN);
		ck_assert_uint_eq(len, 0);
	}
	ck_assert_uint_eq(vstat(CAPNET_VIRTIO_STAT_rx_frames), total);
	ck_assert_uint_eq(vstat(CAPNET_VIRTIO_STAT_tx_frames), total);
	ck_assert_uint_eq(capnet_virtio_net_reclaim(&R.vn), 5); /* the last burst, sent since the last transmit */
	ck_assert_uint_eq(vstat(CAPNET_VIRTIO_STAT_tx_completions), total);
	ck_assert_uint_eq(dstat()->rx_frames, total);
	ck_assert_uint_eq(dstat()->interrupts, 0);
	ck_assert_uint_eq(dstat()->bad_dma + dstat()->bad_desc, 0);
	ck_assert_int_eq(capnet_virtio_net_state(&R.vn), CAPNET_VIRTIO_UP);
	rig_end();
}
END_TEST

START_TEST(test_no_frame_yet_resets_nothing)
{
	struct capnet_sim_virtio_config dc = devcfg(8);
	ck_assert_int_eq(rig_start(&dc, NULL), CAPNET_OK);
	uint8_t got[1600];
	size_t len;
	for (int i = 0; i < 1000; i++) {
		poll_dev();
		ck_assert_int_eq(R.nic->ops->receive(R.nic->dev, got, sizeof got, &len), CAPNET_E_AGAIN);
	}
	const uint8_t *log;
	ck_assert_uint_eq(capnet_sim_virtio_status_log(R.dev, &log), 5); /* no reset since bring-up */
	ck_assert_uint_eq(vstat(CAPNET_VIRTIO_STAT_rx_reposted), 0);
	ck_assert_uint_eq(R.vn.rx.outstanding, 8); /* still armed */
	/* a frame longer than the caller's buffer: consumed, counted, re-armed */
	uint8_t f[1514];
	capture_nic_queue_rx(&R.wire, f, frame(f, 1, 1000));
	poll_dev();
	ck_assert_int_eq(R.nic->ops->receive(R.nic->dev, got, 100, &len), CAPNET_E_NOBUFS);
	ck_assert_uint_eq(vstat(CAPNET_VIRTIO_STAT_rx_nobufs), 1);
	ck_assert_uint_eq(R.vn.rx.outstanding, 7); /* given back at the end of the drain */
	ck_assert_int_eq(R.nic->ops->receive(R.nic->dev, got, sizeof got, &len), CAPNET_E_AGAIN);
	ck_assert_uint_eq(R.vn.rx.outstanding, 8);
	ck_assert_uint_eq(vstat(CAPNET_VIRTIO_STAT_rx_reposted), 1);
	ck_assert_int_eq(capnet_virtio_net_state(&R.vn), CAPNET_VIRTIO_UP);
	rig_end();
}
END_TEST

/* Ten frames between two device polls, then five received frames. */
static void burst(void)
{
	uint8_t f[100], got[1600];
	for (uint32_t i = 0; i < 10; i++)
		ck_assert_int_eq(R.nic->ops->transmit(R.nic->dev, f, frame(f, i, 60)), CAPNET_OK);
	poll_dev();
	for (uint32_t i = 0; i < 5; i++)
		capture_nic_queue_rx(&R.wire, f, frame(f, i, 60));
	poll_dev();
	size_t len;
	while (R.nic->ops->receive(R.nic->dev, got, sizeof got, &len) == CAPNET_OK)
		;
	/* and once more, so the first burst's buffers are reclaimed */
	for (uint32_t i = 0; i < 10; i++)
		ck_assert_int_eq(R.nic->ops->transmit(R.nic->dev, f, frame(f, i, 60)), CAPNET_OK);
	poll_dev();
}

START_TEST(test_event_idx_suppresses_notifications)
{
	struct capnet_sim_virtio_config dc = devcfg(32);
	ck_assert_int_eq(rig_start(&dc, NULL), CAPNET_OK);
	burst();
	/* one TX notification per burst; RX: only the one at bring-up (the
	 * device never ran out of buffers) */
	ck_assert_uint_eq(dstat()->notifies[CAPNET_VIRTIO_NET_TXQ], 2);
	ck_assert_uint_eq(vstat(CAPNET_VIRTIO_STAT_tx_notifies), 2);
	ck_assert_uint_eq(vstat(CAPNET_VIRTIO_STAT_tx_notifies_suppressed), 18);
	ck_assert_uint_eq(dstat()->notifies[CAPNET_VIRTIO_NET_RXQ], 1);
	ck_assert_uint_eq(vstat(CAPNET_VIRTIO_STAT_rx_notifies_suppressed), 1);
	ck_assert_uint_eq(dstat()->interrupts, 0);
	rig_end();

	struct capnet_virtio_net_config nc = {.no_event_idx = true};
	ck_assert_int_eq(rig_start(&dc, &nc), CAPNET_OK);
	burst();
	ck_assert_uint_eq(dstat()->notifies[CAPNET_VIRTIO_NET_TXQ], 20);
	ck_assert_uint_eq(vstat(CAPNET_VIRTIO_STAT_tx_notifies_suppressed), 0);
	ck_assert_uint_eq(dstat()->notifies[CAPNET_VIRTIO_NET_RXQ], 2); /* bring-up, one per drain */
	ck_assert_uint_eq(dstat()->interrupts, 0);                       /* NO_INTERRUPT honoured */
	rig_end();
}
END_TEST

START_TEST(test_link_status_from_config_space)
{
	struct capnet_sim_virtio_config dc = devcfg(8);
	ck_assert_int_eq(rig_start(&dc, NULL), CAPNET_OK);
	ck_assert(R.nic->ops->link_up(R.nic->dev));
	capnet_sim_virtio_set_link(R.dev, false);
	ck_assert(!R.nic->ops->link_up(R.nic->dev));
	ck_assert_uint_eq(capnet_virtio_net_interrupt(&R.vn), 2); /* configuration change */
	capnet_sim_virtio_set_link(R.dev, true);
	ck_assert(R.nic->ops->link_up(R.nic->dev));
	ck_assert_int_eq(capnet_virtio_net_state(&R.vn), CAPNET_VIRTIO_UP);
	rig_end();
}
END_TEST

/* --- the malicious device ---------------------------------------------- */

struct bad_case {
	enum capnet_sim_virtio_fault fault;
	uint16_t queue;
	enum capnet_virtio_stat counter;
};

static const struct bad_case bad_cases[] = {
	{CAPNET_SIM_VIRTIO_USED_ID_OUT_OF_RANGE, CAPNET_VIRTIO_NET_TXQ, CAPNET_VIRTIO_STAT_used_id_out_of_range},
	{CAPNET_SIM_VIRTIO_USED_ID_OUT_OF_RANGE, CAPNET_VIRTIO_NET_RXQ, CAPNET_VIRTIO_STAT_used_id_out_of_range},
	{CAPNET_SIM_VIRTIO_USED_ID_REUSED, CAPNET_VIRTIO_NET_TXQ, CAPNET_VIRTIO_STAT_used_id_reused},
	{CAPNET_SIM_VIRTIO_USED_ID_REUSED, CAPNET_VIRTIO_NET_RXQ, CAPNET_VIRTIO_STAT_used_id_reused},
	{CAPNET_SIM_VIRTIO_USED_ID_NOT_OURS, CAPNET_VIRTIO_NET_TXQ, CAPNET_VIRTIO_STAT_used_id_not_ours},
	{CAPNET_SIM_VIRTIO_USED_LEN_OVERFLOW, CAPNET_VIRTIO_NET_RXQ, CAPNET_VIRTIO_STAT_used_len_overflow},
	{CAPNET_SIM_VIRTIO_USED_LEN_SHORT, CAPNET_VIRTIO_NET_RXQ, CAPNET_VIRTIO_STAT_used_len_short},
	{CAPNET_SIM_VIRTIO_USED_IDX_JUMP, CAPNET_VIRTIO_NET_TXQ, CAPNET_VIRTIO_STAT_used_idx_jump},
	{CAPNET_SIM_VIRTIO_USED_IDX_JUMP, CAPNET_VIRTIO_NET_RXQ, CAPNET_VIRTIO_STAT_used_idx_jump},
	{CAPNET_SIM_VIRTIO_TX_NEVER_COMPLETES, CAPNET_VIRTIO_NET_TXQ, CAPNET_VIRTIO_STAT_tx_stalled},
	{CAPNET_SIM_VIRTIO_NEEDS_RESET, CAPNET_VIRTIO_NET_TXQ, CAPNET_VIRTIO_STAT_device_needs_reset},
};

START_TEST(test_malicious_device_is_detected_counted_and_fails_closed)
{
	const struct bad_case *c = &bad_cases[_i];
	struct capnet_sim_virtio_config dc = devcfg(8);
	dc.fault = c->fault;
	dc.fault_queue = c->queue;
	dc.fault_after = 3; /* three honest completions first */
	ck_assert_int_eq(rig_start(&dc, NULL), CAPNET_OK);
	uint8_t f[1514];
	/* the caller's receive buffer, with a guard after what it offers */
	uint8_t got[1600 + 64];
	memset(got, 0xa5, sizeof got);
	capnet_err first_bad = CAPNET_OK;
	unsigned good = 0, again = 0;
	/* two frames per device poll, so a fault can involve two completions */
	for (uint32_t i = 0; i < 200 && first_bad == CAPNET_OK; i++) {
		capnet_err e = CAPNET_OK;
		if (c->queue == CAPNET_VIRTIO_NET_TXQ) {
			for (int k = 0; k < 2 && (e == CAPNET_OK || e == CAPNET_E_AGAIN); k++) {
				e = R.nic->ops->transmit(R.nic->dev, f, frame(f, 2 * i + k, 60));
				good += e == CAPNET_OK;
				again += e == CAPNET_E_AGAIN;
			}
			poll_dev();
			if (c->fault == CAPNET_SIM_VIRTIO_NEEDS_RESET && (e == CAPNET_OK || e == CAPNET_E_AGAIN) &&
			    !R.nic->ops->link_up(R.nic->dev))
				e = R.nic->ops->transmit(R.nic->dev, f, 60);
		} else {
			wire_rx_reset();
			capture_nic_queue_rx(&R.wire, f, frame(f, 2 * i, 1514));
			capture_nic_queue_rx(&R.wire, f, frame(f, 2 * i + 1, 1514));
			poll_dev();
			size_t len;
			while ((e = R.nic->ops->receive(R.nic->dev, got, 1600, &len)) == CAPNET_OK)
				good++;
		}
		if (e != CAPNET_OK && e != CAPNET_E_AGAIN)
			first_bad = e;
	}
	ck_assert_msg(first_bad == CAPNET_E_NIC, "%s on queue %u: %s", capnet_sim_virtio_fault_name(c->fault),
		      c->queue, capnet_errname(first_bad));
	ck_assert_uint_ge(good, 2); /* it worked before the device turned */
	ck_assert_int_eq(capnet_virtio_net_state(&R.vn), CAPNET_VIRTIO_FAILED);
	ck_assert_int_eq(capnet_virtio_net_fault(&R.vn), c->counter);
	ck_assert_uint_eq(vstat(c->counter), 1);
	/* only this fault counted */
	for (int s = CAPNET_VIRTIO_STAT_used_idx_jump; s <= CAPNET_VIRTIO_STAT_bringup_dma_exhausted; s++)
		if (s != (int)c->counter)
			ck_assert_msg(vstat(s) == 0, "%s counted too", capnet_virtio_stat_name(s));
	if (c->fault == CAPNET_SIM_VIRTIO_TX_NEVER_COMPLETES) {
		ck_assert_uint_eq(good, 8 + 3); /* a full ring after the three honest completions */
		ck_assert_uint_eq(again, 31); /* the 32nd refusal (4 x queue) declares the stall */
		ck_assert_uint_eq(vstat(CAPNET_VIRTIO_STAT_tx_ring_full), 32);
	}
	/* the device was told; nothing is handed to it again */
	ck_assert_uint_eq(capnet_sim_virtio_status(R.dev) & CAPNET_VIRTIO_STATUS_FAILED, CAPNET_VIRTIO_STATUS_FAILED);
	uint16_t rx_avail = R.vn.rx.avail_idx, tx_avail = R.vn.tx.avail_idx;
	size_t len = 7;
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(R.nic->ops->transmit(R.nic->dev, f, 60), CAPNET_E_NIC);
		ck_assert_int_eq(R.nic->ops->receive(R.nic->dev, got, 1600, &len), CAPNET_E_NIC);
		ck_assert_uint_eq(len, 0);
		ck_assert(!R.nic->ops->link_up(R.nic->dev));
		poll_dev();
	}
	ck_assert_uint_eq(R.vn.rx.avail_idx, rx_avail);
	ck_assert_uint_eq(R.vn.tx.avail_idx, tx_avail);
	/* no byte beyond what the caller offered was written */
	for (size_t k = 1600; k < sizeof got; k++)
		ck_assert_uint_eq(got[k], 0xa5);
	ck_assert_uint_eq(vstat(c->counter), 1);
	rig_end();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("virtio");
	TCase *tc = check_add_case(s, "driver", NULL, NULL, 60);
	tcase_add_test(tc, test_mmio_discovery);
	tcase_add_test(tc, test_bringup_exact_status_sequence);
	tcase_add_test(tc, test_features_mtu_and_no_offloads);
	tcase_add_test(tc, test_device_refusing_features_ok_fails_closed);
	tcase_add_test(tc, test_device_without_version_1_is_refused);
	tcase_add_test(tc, test_dma_exhaustion_fails_bringup);
	tcase_add_test(tc, test_many_frames_both_ways_through_ring_and_index_wrap);
	tcase_add_test(tc, test_no_frame_yet_resets_nothing);
	tcase_add_test(tc, test_event_idx_suppresses_notifications);
	tcase_add_test(tc, test_link_status_from_config_space);
	tcase_add_loop_test(tc, test_malicious_device_is_detected_counted_and_fails_closed, 0,
			    (int)(sizeof bad_cases / sizeof bad_cases[0]));
	return s;
}
