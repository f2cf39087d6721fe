/* The TAP backend's io_uring transport (private; hosted; liburing).
 *
 * Plain read()/write() costs one system call per frame. Here the buffers
 * are registered with the kernel once, and one io_uring_enter moves many
 * frames: a receive batch is a chain of READ_FIXED requests linked with
 * IOSQE_IO_HARDLINK, so they run one after the other and the frames come
 * out in the order the device queued them (on the non-blocking descriptor
 * the first read that finds nothing ends the useful part of the chain
 * with -EAGAIN; the batch grows while every read finds a frame and
 * shrinks to what was there when not). Writes are copied into registered
 * buffers, queued linked in order, and submitted together when the event
 * loop flushes (after each poll), or when every buffer is in use. */
#ifndef CAPNET_HOST_TAP_RING_H
#define CAPNET_HOST_TAP_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct tap_ring;

struct tap_ring_stats {
	uint64_t enters;      /* io_uring_enter calls (submissions and waits) */
	uint64_t reads;       /* read requests completed with a frame */
	uint64_t reads_empty; /* ... with nothing (-EAGAIN): the end of a batch */
	uint64_t writes;      /* write requests completed */
	uint64_t write_errors;
};

/* nbuf_rx read buffers and nbuf_tx write buffers of bufsize bytes each,
 * registered once. NULL on failure with errno set. */
struct tap_ring *tap_ring_open(int fd, size_t bufsize, unsigned nbuf_rx, unsigned nbuf_tx);
void tap_ring_close(struct tap_ring *r);

/* The next message read (in order): its length with *msg pointing at it,
 * valid until the next call; 0 when the device has nothing; -errno when
 * reading failed for good. */
ssize_t tap_ring_read(struct tap_ring *r, uint8_t **msg);

/* Queues one message (the iovecs, copied). 0, or -EAGAIN when no buffer
 * could be freed, or -EMSGSIZE. */
int tap_ring_write(struct tap_ring *r, const struct iovec *iov, int n);
/* Writes queued but not yet submitted. */
size_t tap_ring_unsubmitted(const struct tap_ring *r);
/* Submits the queued writes and reaps finished ones. */
void tap_ring_flush(struct tap_ring *r);

void tap_ring_get_stats(const struct tap_ring *r, struct tap_ring_stats *out);

#endif
