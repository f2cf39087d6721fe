/* The virtio-net driver (virtio 1.x, split virtqueues; OASIS virtio spec
 * 1.x, 2.7 "Split Virtqueues" and 5.1 "Network Device"). Freestanding: the
 * driver object is the caller's, ring and buffer memory comes from a DMA
 * provider the OS supplies, and the device is reached through a transport
 * (virtio-mmio in capnet/virtio_mmio.h; a PCI or hosted vhost transport
 * implements the same ops). The driver implements struct capnet_nic: it
 * copies every frame between the stack's buffers and its own DMA buffers,
 * so no device address ever reaches the stack.
 *
 *   struct capnet_virtio_mmio mmio;            // the register window is the OS's
 *   capnet_virtio_mmio_init(&mmio, &window);
 *   static struct capnet_virtio_net vn;        // ~ a few KiB, no heap
 *   capnet_virtio_net_start(&vn, capnet_virtio_mmio_transport(&mmio), &dma, &cfg);
 *   struct capnet_nic *nic = capnet_virtio_net_nic(&vn);   // to capnet_stack_create
 *
 * Polled: the driver asks the device for no used-buffer interrupts and the
 * stack's poll drains the rings. A broken or malicious device is data, not
 * a crash: every inconsistency it shows in the used rings is detected
 * before any byte is copied, counted under its own name, and puts the
 * driver in the FAILED state (device status FAILED written; transmit and
 * receive return CAPNET_E_NIC from then on; nothing is handed to the device
 * again). */
#ifndef CAPNET_VIRTIO_H
#define CAPNET_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/err.h"
#include "capnet/nic.h"
#include "capnet/types.h"

/* --- constants from the specification ------------------------------------ */

/* Device status bits (2.1). */
#define CAPNET_VIRTIO_STATUS_ACKNOWLEDGE 0x01u
#define CAPNET_VIRTIO_STATUS_DRIVER 0x02u
#define CAPNET_VIRTIO_STATUS_DRIVER_OK 0x04u
#define CAPNET_VIRTIO_STATUS_FEATURES_OK 0x08u
#define CAPNET_VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40u
#define CAPNET_VIRTIO_STATUS_FAILED 0x80u

/* Feature bits (5.1.3 and 6). */
#define CAPNET_VIRTIO_NET_F_CSUM 0
#define CAPNET_VIRTIO_NET_F_GUEST_CSUM 1
#define CAPNET_VIRTIO_NET_F_MTU 3
#define CAPNET_VIRTIO_NET_F_MAC 5
#define CAPNET_VIRTIO_NET_F_MRG_RXBUF 15
#define CAPNET_VIRTIO_NET_F_STATUS 16
#define CAPNET_VIRTIO_F_RING_EVENT_IDX 29
#define CAPNET_VIRTIO_F_VERSION_1 32
#define CAPNET_VIRTIO_F_ACCESS_PLATFORM 33
#define CAPNET_VIRTIO_BIT(f) ((uint64_t)1 << (f))

/* Device configuration of a network device (5.1.4), byte offsets. */
#define CAPNET_VIRTIO_NET_CFG_MAC 0
#define CAPNET_VIRTIO_NET_CFG_STATUS 6
#define CAPNET_VIRTIO_NET_CFG_MAX_PAIRS 8
#define CAPNET_VIRTIO_NET_CFG_MTU 10
#define CAPNET_VIRTIO_NET_S_LINK_UP 1u

/* The header before every frame once VERSION_1 is negotiated (5.1.6):
 * flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers. */
#define CAPNET_VIRTIO_NET_HDR_LEN 12

#define CAPNET_VIRTIO_NET_RXQ 0
#define CAPNET_VIRTIO_NET_TXQ 1

/* The largest queue the driver object has room for (a power of two). */
#define CAPNET_VIRTIO_QUEUE_MAX 256

/* --- what the OS supplies ------------------------------------------------ */

/* The device's control plane, however it is reached. Every op gets ctx. */
struct capnet_virtio_transport_ops {
	uint8_t (*get_status)(void *ctx);
	/* Writing 0 resets the device; the driver then reads status until 0. */
	void (*set_status)(void *ctx, uint8_t status);
	uint64_t (*device_features)(void *ctx);
	void (*set_driver_features)(void *ctx, uint64_t features);
	/* Device-specific configuration space, one byte at a time (the driver
	 * assembles little-endian fields and rereads across a generation change). */
	uint8_t (*config_read8)(void *ctx, uint32_t offset);
	uint32_t (*config_generation)(void *ctx);
	/* The largest size the device allows for queue q; 0: no such queue. */
	uint16_t (*queue_max)(void *ctx, uint16_t q);
	/* Sets size and the device addresses of the three areas, then enables
	 * the queue. CAPNET_E_NIC when the device refuses (queue already live). */
	capnet_err (*queue_enable)(void *ctx, uint16_t q, uint16_t size, uint64_t desc, uint64_t driver_area,
				   uint64_t device_area);
	void (*notify)(void *ctx, uint16_t q);
	/* Reads and acknowledges the interrupt status (bit 0 used buffer, bit 1
	 * configuration change). */
	uint32_t (*interrupt_ack)(void *ctx);
};

struct capnet_virtio_transport {
	const struct capnet_virtio_transport_ops *ops;
	void *ctx;
};

/* Memory the device can reach. alloc returns a CPU pointer to zeroed,
 * `align`-aligned memory of `size` bytes (NULL when out); dev_addr gives the
 * address the device uses for a byte of such memory, which need not equal
 * the CPU pointer (an IOMMU, a hypervisor's guest-physical map, an offset). */
struct capnet_virtio_dma {
	void *(*alloc)(void *ctx, size_t size, size_t align);
	uint64_t (*dev_addr)(void *ctx, const void *p);
	void (*free)(void *ctx, void *p, size_t size);
	void *ctx;
};

/* --- the driver ---------------------------------------------------------- */

struct capnet_virtio_net_config {
	uint16_t queue_size;   /* 0: the device's maximum, capped at CAPNET_VIRTIO_QUEUE_MAX */
	uint16_t mtu;          /* largest IP MTU to use; 0: 1500 */
	bool no_event_idx;     /* do not negotiate VIRTIO_F_RING_EVENT_IDX even when offered */
	/* Used when the device offers no MAC (VIRTIO_NET_F_MAC). */
	struct capnet_mac fallback_mac;
	/* Transmits refused for a full TX ring, with no completion in between,
	 * after which the device is declared stalled (tx_stalled). 0: 4 x queue size. */
	uint32_t tx_stall_limit;
};

/* Counters: X(name, what). Faults are named after what the device did. */
#define CAPNET_VIRTIO_STATS(X)                                                                  \
	X(tx_frames, "frames handed to the device")                                             \
	X(tx_bytes, "frame bytes handed to the device (header excluded)")                       \
	X(tx_completions, "TX buffers the device gave back")                                    \
	X(tx_ring_full, "transmits refused: every TX buffer with the device")                   \
	X(tx_too_long, "transmits refused: frame larger than a buffer")                         \
	X(tx_notifies, "TX queue notifications sent")                                           \
	X(tx_notifies_suppressed, "TX notifications the device said it did not need")           \
	X(rx_frames, "frames copied to the stack")                                              \
	X(rx_bytes, "frame bytes copied to the stack")                                          \
	X(rx_nobufs, "frames dropped: longer than the caller's buffer")                         \
	X(rx_reposted, "RX buffers handed back to the device")                                  \
	X(rx_notifies, "RX queue notifications sent")                                           \
	X(rx_notifies_suppressed, "RX notifications the device said it did not need")           \
	X(interrupts, "interrupt status reads with a bit set")                                  \
	X(used_idx_jump, "fault: used index moved past what the device holds")                  \
	X(used_id_out_of_range, "fault: used element id beyond the queue")                      \
	X(used_id_reused, "fault: used element id returned a second time")                      \
	X(used_id_not_ours, "fault: used element id the driver never made available")          \
	X(used_len_overflow, "fault: used length beyond the buffer")                            \
	X(used_len_short, "fault: RX used length shorter than the virtio-net header")           \
	X(tx_stalled, "fault: the device never completed TX")                                   \
	X(device_needs_reset, "fault: the device set DEVICE_NEEDS_RESET")                      \
	X(bringup_status_stuck, "bring-up: status did not read back as written")                \
	X(bringup_no_version_1, "bring-up: device does not offer VIRTIO_F_VERSION_1")           \
	X(bringup_features_rejected, "bring-up: device cleared FEATURES_OK")                    \
	X(bringup_config_unstable, "bring-up: configuration generation never settled")          \
	X(bringup_bad_mtu, "bring-up: device MTU below 68")                                     \
	X(bringup_queue_unavailable, "bring-up: a queue is missing or refused")                 \
	X(bringup_dma_exhausted, "bring-up: the DMA provider ran out")

enum capnet_virtio_stat {
#define CAPNET_VIRTIO_STAT_ENUM(name, what) CAPNET_VIRTIO_STAT_##name,
	CAPNET_VIRTIO_STATS(CAPNET_VIRTIO_STAT_ENUM)
#undef CAPNET_VIRTIO_STAT_ENUM
	CAPNET_VIRTIO_STAT__COUNT
};

enum capnet_virtio_state {
	CAPNET_VIRTIO_DOWN,   /* not started, or stopped */
	CAPNET_VIRTIO_UP,     /* DRIVER_OK: frames flow */
	CAPNET_VIRTIO_FAILED, /* bring-up failed or the device misbehaved; see fault */
};

/* One split virtqueue as the driver keeps it (private: read-only to callers). */
struct capnet_virtio_queue {
	uint16_t index, size;
	uint8_t *mem;          /* descriptor table, driver area, device area */
	size_t mem_len;
	uint8_t *desc, *avail, *used;
	uint8_t *bufs;         /* size buffers of buf_len, descriptor i <-> buffer i */
	size_t bufs_len;
	uint32_t buf_len;
	uint64_t buf_dev[CAPNET_VIRTIO_QUEUE_MAX]; /* device address of buffer i */
	uint16_t outstanding;  /* buffers with the device */
	uint16_t avail_idx;    /* next avail.idx to publish */
	uint16_t kick_from;    /* avail.idx at the last notification decision */
	uint16_t last_used;    /* next used element to read */
	/* TX: free buffers, first in first out, so a buffer just given back
	 * waits behind the others and a device returning it twice is caught. */
	uint16_t nfree, free_head;
	uint16_t free_ring[CAPNET_VIRTIO_QUEUE_MAX];
	/* RX: buffers copied out and not yet given back. They go back in a
	 * batch when the queue is drained (or half of it waits), so an id the
	 * device returns twice within one batch is caught as reused. */
	uint16_t nrepost;
	uint16_t repost[CAPNET_VIRTIO_QUEUE_MAX];
	/* Per descriptor: never made available, with the device, or returned. */
	uint8_t state[CAPNET_VIRTIO_QUEUE_MAX];
};

struct capnet_virtio_net {
	struct capnet_nic nic;
	struct capnet_virtio_transport t;
	struct capnet_virtio_dma dma;
	struct capnet_virtio_net_config cfg;
	enum capnet_virtio_state state;
	enum capnet_virtio_stat fault; /* the first fault or bring-up failure (when FAILED) */
	uint64_t device_features, features;
	uint8_t status;                /* what the driver last wrote */
	struct capnet_virtio_queue rx, tx;
	uint32_t tx_full_streak;
	uint32_t tx_stall_limit;
	uint64_t stats[CAPNET_VIRTIO_STAT__COUNT];
};

/* Resets the device and brings it up (3.1.1): ACKNOWLEDGE, DRIVER, feature
 * negotiation (VERSION_1 required; MAC, STATUS, MTU, EVENT_IDX and
 * ACCESS_PLATFORM accepted when offered; no offload, no MRG_RXBUF),
 * FEATURES_OK re-read and verified, the RX and TX queues set up with every
 * RX buffer made available, DRIVER_OK. On any deviation it writes FAILED
 * to the device, counts the bringup_* reason, frees what it allocated and
 * returns CAPNET_E_NIC (CAPNET_E_NOMEM when DMA memory ran out). */
capnet_err capnet_virtio_net_start(struct capnet_virtio_net *vn, struct capnet_virtio_transport t,
				   const struct capnet_virtio_dma *dma, const struct capnet_virtio_net_config *cfg);
/* Resets the device (it stops touching memory) and frees the DMA memory. */
void capnet_virtio_net_stop(struct capnet_virtio_net *vn);

struct capnet_nic *capnet_virtio_net_nic(struct capnet_virtio_net *vn);
enum capnet_virtio_state capnet_virtio_net_state(const struct capnet_virtio_net *vn);
/* The first fault (a CAPNET_VIRTIO_STAT_* of the fault or bring-up kind);
 * meaningful when the state is FAILED. */
enum capnet_virtio_stat capnet_virtio_net_fault(const struct capnet_virtio_net *vn);
uint64_t capnet_virtio_net_stat(const struct capnet_virtio_net *vn, enum capnet_virtio_stat s);
const char *capnet_virtio_stat_name(enum capnet_virtio_stat s);
/* Gives back every TX buffer the device is done with; transmit does this
 * too when it runs out. Returns how many. */
unsigned capnet_virtio_net_reclaim(struct capnet_virtio_net *vn);
/* For an OS that takes interrupts: acknowledges them. The driver needs no
 * interrupt to make progress (the stack's poll drains the rings). */
uint32_t capnet_virtio_net_interrupt(struct capnet_virtio_net *vn);

#endif
