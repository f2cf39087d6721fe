/* The virtio-mmio transport (virtio spec 1.x, 4.2 "Virtio Over MMIO",
 * version 2 "modern" register layout) over a register window: whatever
 * reads and writes the device's 32-bit registers. On bare metal that is a
 * volatile access at the base the kernel command line names
 * (virtio_mmio.device=SIZE@BASE:IRQ, the image's job to parse); in the
 * simulator it is the device model's register file. */
#ifndef CAPNET_VIRTIO_MMIO_H
#define CAPNET_VIRTIO_MMIO_H

#include <stdint.h>

#include "capnet/err.h"
#include "capnet/virtio.h"

/* Register offsets (4.2.2). */
#define CAPNET_VIRTIO_MMIO_MAGIC 0x000
#define CAPNET_VIRTIO_MMIO_VERSION 0x004
#define CAPNET_VIRTIO_MMIO_DEVICE_ID 0x008
#define CAPNET_VIRTIO_MMIO_VENDOR_ID 0x00c
#define CAPNET_VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define CAPNET_VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define CAPNET_VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define CAPNET_VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define CAPNET_VIRTIO_MMIO_QUEUE_SEL 0x030
#define CAPNET_VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define CAPNET_VIRTIO_MMIO_QUEUE_NUM 0x038
#define CAPNET_VIRTIO_MMIO_QUEUE_READY 0x044
#define CAPNET_VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define CAPNET_VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define CAPNET_VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define CAPNET_VIRTIO_MMIO_STATUS 0x070
#define CAPNET_VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define CAPNET_VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define CAPNET_VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define CAPNET_VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define CAPNET_VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define CAPNET_VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define CAPNET_VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define CAPNET_VIRTIO_MMIO_CONFIG 0x100

#define CAPNET_VIRTIO_MMIO_MAGIC_VALUE 0x74726976u /* "virt" little-endian */
#define CAPNET_VIRTIO_MMIO_VERSION_MODERN 2u
#define CAPNET_VIRTIO_DEVICE_ID_NET 1u

/* A window of device registers: 32-bit accesses at byte offsets, and byte
 * reads of the configuration space (offset >= 0x100). */
struct capnet_virtio_window {
	uint32_t (*read32)(void *ctx, uint32_t offset);
	void (*write32)(void *ctx, uint32_t offset, uint32_t value);
	uint8_t (*read8)(void *ctx, uint32_t offset);
	void *ctx;
};

struct capnet_virtio_mmio {
	struct capnet_virtio_window w;
	uint32_t device_id;
};

/* Checks magic, version 2 and that a device is present (device id != 0).
 * CAPNET_E_UNSUPPORTED for a legacy (version 1) device, CAPNET_E_NOTFOUND
 * for an empty slot, CAPNET_E_NIC for anything that is not virtio-mmio. */
capnet_err capnet_virtio_mmio_init(struct capnet_virtio_mmio *m, const struct capnet_virtio_window *w);
struct capnet_virtio_transport capnet_virtio_mmio_transport(struct capnet_virtio_mmio *m);

#endif
