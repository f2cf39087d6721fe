/* The Linux TAP backend (hosted): a capnet_nic over /dev/net/tun opened
 * with IFF_TAP | IFF_NO_PI, non-blocking. The stack is the far end of the
 * TAP "cable": the kernel's side of the device has its own MAC and
 * addresses; the stack's MAC and MTU come from the options.
 *
 * Receive copies the next frame the kernel queued (CAPNET_E_AGAIN when
 * none), so the iface drains many frames per wakeup. Transmit never loses
 * a frame to EAGAIN: a frame the device cannot take now goes into a bounded
 * TX queue inside the backend, sent in order by capnet_tap_tx_flush() when
 * the fd becomes writable (capnet_ev does that). When the queue is full the
 * frame is refused with CAPNET_E_AGAIN and counted in tx_dropped. While
 * the device is administratively down the kernel refuses every frame:
 * transmit returns CAPNET_E_LINKDOWN (counted in tx_errors). */
#ifndef CAPNET_HOST_TAP_H
#define CAPNET_HOST_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/err.h"
#include "capnet/nic.h"
#include "capnet/types.h"

/* Default TX queue length, in frames. */
#define CAPNET_TAP_TXQ_DEFAULT 256
/* Room for any error text. */
#define CAPNET_TAP_ERRBUF_SIZE 256

struct capnet_tap_options {
	/* Device name. An existing (persistent) device of that name is attached
	 * to; otherwise the kernel creates it, and it goes away on close. NULL
	 * or "" lets the kernel pick "tapN". */
	const char *name;
	struct capnet_mac mac; /* the stack's MAC; all zero: 02:00:00:00:00:02 */
	/* The stack's IP MTU. 0: take the device's. Otherwise the device's
	 * MTU is set to match, so the kernel and the stack agree on the wire. */
	uint16_t mtu;
	uint16_t txq_frames; /* 0: CAPNET_TAP_TXQ_DEFAULT */
	/* Offloads: IFF_VNET_HDR and TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4 |
	 * TUN_F_TSO_ECN). The kernel then hands over TCP super-frames of up to
	 * 64 KiB and leaves some checksums for us. Through the iface's lending
	 * receive (nic ext ops) a super-frame whose checksum the kernel vouches
	 * for goes to TCP whole (GRO: one segment to TCP, one ACK); through the
	 * copying receive, or when anything about it is inconsistent, it is cut
	 * into the MTU-sized segments the kernel would have sent; partial
	 * checksums are completed. The nic also takes super-frames to send
	 * (transmit_gso, TSO: the kernel cuts them) when the iface is given a
	 * tso_max. Without offloads, in-order TCP segments read in one wakeup
	 * are joined before the stack sees them (tap_gro.h). With
	 * capnet_tap_open_fd it means the descriptor carries virtio-net headers
	 * (no ioctls). */
	bool offload;
	/* The io_uring transport instead of one read() or write() per frame:
	 * buffers registered once, a batch of linked reads per submission (in
	 * the device's order), writes queued and submitted together after each
	 * poll (capnet_tap_tx_flush). Needs io_uring in the kernel. */
	bool ring;
};

struct capnet_tap_stats {
	uint64_t rx_frames;
	uint64_t rx_bytes;
	uint64_t rx_oversize;  /* longer than the caller's buffer: consumed, dropped */
	uint64_t rx_errors;    /* read() failed with something other than EAGAIN */
	uint64_t tx_frames;    /* written to the device (directly or from the queue) */
	uint64_t tx_bytes;
	uint64_t tx_queued;    /* frames that had to wait in the TX queue */
	uint64_t tx_dropped;   /* refused because the TX queue was full */
	uint64_t tx_errors;    /* write() failed for good (device down, EIO...) */
	uint64_t txq_high_water;
	/* offload only */
	uint64_t rx_gso_frames;    /* TSO super-frames read */
	uint64_t rx_gso_segments;  /* segments cut from them */
	uint64_t rx_csum_completed; /* partial checksums completed */
	uint64_t rx_offload_errors; /* a header or super-frame we could not use: dropped */
	/* GRO (the iface's lending receive): super-frames handed to the stack
	 * whole -- TSO frames from the kernel, or segments joined here without
	 * offloads -- and the segments they stood for */
	uint64_t rx_gro_frames;
	uint64_t rx_gro_segments;
	uint64_t tx_tso_frames; /* super-frames written for the kernel to cut (TSO) */
	uint64_t ring_enters;   /* with `ring`: io_uring_enter calls for all of it */
};

struct capnet_tap;

/* Opens /dev/net/tun and creates or attaches the device. Needs
 * CAP_NET_ADMIN (or ownership of a persistent device). On failure returns
 * CAPNET_E_NIC (or E_INVAL / E_NOMEM) with the system's reason in errbuf. */
capnet_err capnet_tap_open(const struct capnet_tap_options *o, struct capnet_tap **out, char *errbuf, size_t errlen);

/* Wraps a descriptor the caller already holds: a TAP fd handed over by a
 * privileged parent, or any packet descriptor that keeps message
 * boundaries (a SOCK_SEQPACKET socket in tests). The fd is made
 * non-blocking and is closed by capnet_tap_close(). `o->name`, if given,
 * names the device for link state; without a name the link reads as up.
 * `o->mtu` 0 means 1500 here. */
capnet_err capnet_tap_open_fd(int fd, const struct capnet_tap_options *o, struct capnet_tap **out, char *errbuf,
			      size_t errlen);

/* Closes the fd (the kernel removes a non-persistent device) and frees
 * everything; queued TX frames are discarded. NULL is a no-op. */
void capnet_tap_close(struct capnet_tap *t);

/* The nic to hand to capnet_iface_create; lives as long as the tap. */
struct capnet_nic *capnet_tap_nic(struct capnet_tap *t);
/* The descriptor for the event loop (readable: frames waiting; writable:
 * the TX queue can drain). */
int capnet_tap_fd(const struct capnet_tap *t);
/* The device's name as the kernel knows it ("" for capnet_tap_open_fd
 * without a name). */
const char *capnet_tap_name(const struct capnet_tap *t);

/* Frames waiting in the TX queue. */
size_t capnet_tap_tx_pending(const struct capnet_tap *t);
/* Writes queued frames in order until the queue is empty (CAPNET_OK) or
 * the device says EAGAIN again (CAPNET_E_AGAIN: wait for writability). A
 * frame the device rejects for good is counted in tx_errors and dropped. */
capnet_err capnet_tap_tx_flush(struct capnet_tap *t);

/* 0 while the descriptor works; otherwise the errno that made it unusable
 * (EBADFD once the device was deleted under us; EPIPE when a wrapped
 * socket's peer closed). A read can only fail that way, so any read error
 * sets it; a write error does only when it is
 * EBADFD or ENODEV (EIO just means the device is down). Sticky. */
int capnet_tap_fault(const struct capnet_tap *t);

/* Administratively up and running (IFF_UP | IFF_RUNNING), read from the
 * device each call. */
bool capnet_tap_link_up(const struct capnet_tap *t);

void capnet_tap_get_stats(const struct capnet_tap *t, struct capnet_tap_stats *out);

/* Segment k of an Ethernet/IPv4/TCP super-frame cut at gso_size payload
 * bytes, as the kernel's segmentation writes it (own IPv4 length, id and
 * checksum, sequence number, FIN/PSH on the last only, full TCP checksum):
 * written into out, its length returned; 0 past the last segment, when it
 * does not fit cap, or when the frame is not one (a recorder shows a GRO
 * or TSO super-frame as the segments it stands for). */
size_t capnet_tap_gso_segment(const uint8_t *frame, size_t len, uint16_t gso_size, size_t k, uint8_t *out,
			      size_t cap);

#endif
