/* A virtio-net device model (the device side of virtio 1.x split
 * virtqueues over virtio-mmio), for running the real driver
 * (capnet/virtio.h) on the host. It owns the "DMA" memory the driver
 * allocates from, and its device addresses are deliberately not host
 * pointers (a constant base far from any heap), so a driver that handed a
 * CPU pointer to the device, or an address to the stack, is caught: every
 * address the driver gives is translated and bounds-checked, and a bad one
 * is counted (bad_dma), never followed.
 *
 * The model is driven by its poll (on the caller's clock, synthetic in the
 * simulator): it sends what the driver made available on the TX queue out
 * on its wire (any struct capnet_nic: a simulator port, a capture nic) and
 * fills RX buffers with what the wire has, leaving frames on the wire when
 * the driver has no buffer (backpressure, as a real NIC). Notifications
 * are counted, not acted on: work happens at poll. With EVENT_IDX the model
 * asks to be notified only for buffers beyond what it has consumed.
 *
 * Malicious modes (one at a time, after `fault_after` honest completions on
 * the faulty queue) reproduce each fault the driver must detect.
 * Hosted C11 (malloc); independent of the simulator so the fuzz target can
 * link it alone. */
#ifndef CAPNET_SIM_VIRTIO_DEVICE_H
#define CAPNET_SIM_VIRTIO_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/nic.h"
#include "capnet/types.h"
#include "capnet/virtio.h"
#include "capnet/virtio_mmio.h"

/* Device address of the first byte of the model's DMA memory. */
#define CAPNET_SIM_VIRTIO_DMA_BASE 0x4000000000ull
#define CAPNET_SIM_VIRTIO_STATUS_LOG 32

enum capnet_sim_virtio_fault {
	CAPNET_SIM_VIRTIO_HONEST,
	CAPNET_SIM_VIRTIO_USED_ID_OUT_OF_RANGE, /* a used id >= queue size */
	CAPNET_SIM_VIRTIO_USED_ID_REUSED,       /* an id returned twice within one poll */
	CAPNET_SIM_VIRTIO_USED_ID_NOT_OURS,     /* TX: an id never made available */
	CAPNET_SIM_VIRTIO_USED_LEN_OVERFLOW,    /* RX: length beyond the buffer */
	CAPNET_SIM_VIRTIO_USED_LEN_SHORT,       /* RX: length below the header */
	CAPNET_SIM_VIRTIO_USED_IDX_JUMP,        /* used.idx moved by more than it holds */
	CAPNET_SIM_VIRTIO_TX_NEVER_COMPLETES,   /* sends, never gives a TX buffer back */
	CAPNET_SIM_VIRTIO_NEEDS_RESET,          /* sets DEVICE_NEEDS_RESET and stops */
	CAPNET_SIM_VIRTIO_REFUSE_FEATURES_OK,   /* bring-up: never accepts FEATURES_OK */
	CAPNET_SIM_VIRTIO__FAULT_COUNT
};

struct capnet_sim_virtio_config {
	struct capnet_mac mac;
	uint16_t mtu;             /* 0: no VIRTIO_NET_F_MTU offered */
	uint16_t queue_max;       /* QueueNumMax of both queues; 0: 256 */
	uint64_t features;        /* offered; 0: VERSION_1 MAC STATUS EVENT_IDX (+MTU when mtu) */
	size_t dma_size;          /* 0: 2 MiB */
	enum capnet_sim_virtio_fault fault;
	uint16_t fault_queue;     /* CAPNET_VIRTIO_NET_RXQ or _TXQ, for the id and idx faults */
	uint32_t fault_after;     /* honest completions on that queue first */
};

struct capnet_sim_virtio_stats {
	uint64_t notifies[2];     /* per queue */
	uint64_t tx_frames, tx_bytes;
	uint64_t rx_frames, rx_bytes;
	uint64_t rx_no_buffer;    /* polls that left a frame on the wire: no RX buffer */
	uint64_t rx_too_big;      /* frames dropped: longer than the driver's buffer */
	uint64_t wire_tx_errors;  /* the wire refused a frame */
	uint64_t interrupts;      /* used-buffer interrupts raised (the driver asked for none) */
	uint64_t bad_dma;         /* addresses outside the DMA memory: never followed */
	uint64_t bad_desc;        /* descriptors with a wrong direction, chain or id */
	uint64_t faults_injected;
	uint64_t dma_allocs, dma_frees;
	size_t dma_in_use;        /* bytes */
};

struct capnet_sim_virtio;

/* NULL when out of memory. wire may be NULL (frames are counted, dropped). */
struct capnet_sim_virtio *capnet_sim_virtio_create(const struct capnet_sim_virtio_config *cfg,
						   struct capnet_nic *wire);
void capnet_sim_virtio_destroy(struct capnet_sim_virtio *d);

/* The register window (for capnet_virtio_mmio_init) and DMA provider the
 * driver is given. */
struct capnet_virtio_window capnet_sim_virtio_window(struct capnet_sim_virtio *d);
struct capnet_virtio_dma capnet_sim_virtio_dma(struct capnet_sim_virtio *d);

/* Does the device's due work: TX out to the wire, wire into RX buffers.
 * Returns true when anything moved. */
bool capnet_sim_virtio_poll(struct capnet_sim_virtio *d, capnet_instant now);
/* A simulator participant around capnet_sim_virtio_poll. */
capnet_instant capnet_sim_virtio_participant(void *d, capnet_instant now);

void capnet_sim_virtio_set_link(struct capnet_sim_virtio *d, bool up);
void capnet_sim_virtio_set_fault(struct capnet_sim_virtio *d, enum capnet_sim_virtio_fault f, uint16_t queue,
				 uint32_t after);
const struct capnet_sim_virtio_stats *capnet_sim_virtio_stats(const struct capnet_sim_virtio *d);
/* Every value the driver wrote to the status register, in order. */
size_t capnet_sim_virtio_status_log(const struct capnet_sim_virtio *d, const uint8_t **log);
uint8_t capnet_sim_virtio_status(const struct capnet_sim_virtio *d);
uint64_t capnet_sim_virtio_driver_features(const struct capnet_sim_virtio *d);
const char *capnet_sim_virtio_fault_name(enum capnet_sim_virtio_fault f);

/* Raw device-side access for fuzzing and hand-made faults: takes the next
 * buffer the driver made available on queue q (false when none), and
 * writes a used element of any id and length and/or sets used.idx. */
bool capnet_sim_virtio_take_avail(struct capnet_sim_virtio *d, uint16_t q, uint16_t *id);
void capnet_sim_virtio_put_used(struct capnet_sim_virtio *d, uint16_t q, uint32_t id, uint32_t len);
void capnet_sim_virtio_set_used_idx(struct capnet_sim_virtio *d, uint16_t q, uint16_t idx);

#endif
