/* The TAP backend's io_uring transport (tap_ring.h). */
#include "tap_ring.h"

#include <errno.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TAG_TX 0x80000000u /* user_data: TAG_TX | buffer, or the read's index */
#define BATCH_MIN 4u

struct tap_ring {
	struct io_uring ring;
	int fd;
	uint8_t *mem;
	size_t bufsize;
	unsigned nrx, ntx;
	/* receive: the last batch's results, handed out in order */
	int32_t *rx_res;
	unsigned rx_count, rx_next, batch;
	/* transmit: free buffers (a stack), the last queued write not yet
	 * submitted (its successor links to it), how many wait */
	unsigned *tx_free;
	unsigned tx_nfree;
	struct io_uring_sqe *tx_last;
	size_t tx_unsubmitted;
	struct tap_ring_stats st;
};

static uint8_t *buf_of(const struct tap_ring *r, unsigned i)
{
	return r->mem + (size_t)i * r->bufsize;
}

struct tap_ring *tap_ring_open(int fd, size_t bufsize, unsigned nrx, unsigned ntx)
{
	struct tap_ring *r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->fd = fd;
	r->bufsize = bufsize;
	r->nrx = nrx;
	r->ntx = ntx;
	r->batch = BATCH_MIN;
	unsigned entries = 1;
	while (entries < nrx + ntx)
		entries <<= 1;
	r->mem = aligned_alloc(4096, ((size_t)(nrx + ntx) * bufsize + 4095) / 4096 * 4096);
	r->rx_res = calloc(nrx, sizeof *r->rx_res);
	r->tx_free = calloc(ntx, sizeof *r->tx_free);
	struct iovec *iov = calloc(nrx + ntx, sizeof *iov);
	int e = r->mem && r->rx_res && r->tx_free && iov ? io_uring_queue_init(entries, &r->ring, 0) : -ENOMEM;
	if (e == 0) {
		for (unsigned i = 0; i < nrx + ntx; i++)
			iov[i] = (struct iovec){buf_of(r, i), bufsize};
		e = io_uring_register_buffers(&r->ring, iov, nrx + ntx);
		if (e != 0)
			io_uring_queue_exit(&r->ring);
	}
	free(iov);
	if (e != 0) {
		free(r->mem);
		free(r->rx_res);
		free(r->tx_free);
		free(r);
		errno = -e;
		return NULL;
	}
	for (unsigned i = 0; i < ntx; i++)
		r->tx_free[r->tx_nfree++] = nrx + i;
	return r;
}

void tap_ring_close(struct tap_ring *r)
{
	if (r == NULL)
		return;
	io_uring_queue_exit(&r->ring);
	free(r->mem);
	free(r->rx_res);
	free(r->tx_free);
	free(r);
}

/* Takes what completed: a read's result into its slot, a write's buffer
 * back to the free stack. */
static void reap(struct tap_ring *r, unsigned *reads_left)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;
	io_uring_for_each_cqe(&r->ring, head, cqe)
	{
		n++;
		uint32_t tag = (uint32_t)cqe->user_data;
		if (tag & TAG_TX) {
			r->tx_free[r->tx_nfree++] = tag & ~TAG_TX;
			r->st.writes++;
			if (cqe->res < 0)
				r->st.write_errors++;
			continue;
		}
		if (tag < r->nrx) {
			r->rx_res[tag] = cqe->res;
			if (reads_left != NULL && *reads_left > 0)
				(*reads_left)--;
		}
	}
	io_uring_cq_advance(&r->ring, n);
}

/* One receive batch: `batch` linked reads, submitted with the queued
 * writes in one enter, waited for until every read has its result. */
static int read_batch(struct tap_ring *r)
{
	unsigned k = r->batch < r->nrx ? r->batch : r->nrx;
	for (unsigned i = 0; i < k; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
		if (sqe == NULL) {
			k = i;
			break;
		}
		io_uring_prep_read_fixed(sqe, r->fd, buf_of(r, i), (unsigned)r->bufsize, 0, (int)i);
		/* "nothing there" must end the read, not park it until a frame
		 * comes (io_uring would otherwise wait on the descriptor) */
		sqe->rw_flags = RWF_NOWAIT;
		io_uring_sqe_set_data64(sqe, i);
		if (i + 1 < k)
			sqe->flags |= IOSQE_IO_HARDLINK;
		r->rx_res[i] = -EINPROGRESS;
	}
	if (k == 0)
		return -EBUSY;
	r->tx_last = NULL;
	r->tx_unsubmitted = 0;
	unsigned left = k;
	int e = io_uring_submit_and_wait(&r->ring, 1);
	r->st.enters++;
	while (e >= 0) {
		reap(r, &left);
		if (left == 0)
			break;
		struct io_uring_cqe *cqe;
		e = io_uring_wait_cqe(&r->ring, &cqe);
		r->st.enters++;
	}
	if (e < 0 && e != -EINTR)
		return e;
	r->rx_count = k;
	r->rx_next = 0;
	unsigned got = 0;
	for (unsigned i = 0; i < k; i++)
		got += r->rx_res[i] > 0;
	r->st.reads += got;
	r->st.reads_empty += k - got;
	/* all found a frame: more may wait, read more at once next time */
	r->batch = got == k ? (k * 2 < r->nrx ? k * 2 : r->nrx) : (got + 1 > BATCH_MIN ? got + 1 : BATCH_MIN);
	return 0;
}

ssize_t tap_ring_read(struct tap_ring *r, uint8_t **msg)
{
	for (int pass = 0; pass < 2; pass++) {
		while (r->rx_next < r->rx_count) {
			unsigned i = r->rx_next++;
			int32_t res = r->rx_res[i];
			if (res > 0) {
				*msg = buf_of(r, i);
				return res;
			}
			/* the rest of the chain found nothing (or was cancelled) */
			if (res != -EAGAIN && res != -ECANCELED && res != -EINPROGRESS && res != 0)
				return res;
			if (res == 0)
				return -EPIPE;
		}
		if (pass == 1)
			break;
		int e = read_batch(r);
		if (e < 0)
			return e;
	}
	return 0;
}

int tap_ring_write(struct tap_ring *r, const struct iovec *iov, int n)
{
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (len > r->bufsize)
		return -EMSGSIZE;
	if (r->tx_nfree == 0 || io_uring_sq_space_left(&r->ring) == 0) {
		tap_ring_flush(r);
		for (int tries = 0; r->tx_nfree == 0 && tries < 64; tries++) {
			struct io_uring_cqe *cqe;
			if (io_uring_wait_cqe(&r->ring, &cqe) < 0)
				break;
			r->st.enters++;
			reap(r, NULL);
		}
		if (r->tx_nfree == 0)
			return -EAGAIN;
	}
	unsigned b = r->tx_free[--r->tx_nfree];
	uint8_t *p = buf_of(r, b);
	for (int i = 0; i < n; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	io_uring_prep_write_fixed(sqe, r->fd, buf_of(r, b), (unsigned)len, 0, (int)b);
	io_uring_sqe_set_data64(sqe, TAG_TX | b);
	/* in order: each write runs after the one queued before it */
	if (r->tx_last != NULL)
		r->tx_last->flags |= IOSQE_IO_HARDLINK;
	r->tx_last = sqe;
	r->tx_unsubmitted++;
	return 0;
}

size_t tap_ring_unsubmitted(const struct tap_ring *r)
{
	return r->tx_unsubmitted;
}

void tap_ring_flush(struct tap_ring *r)
{
	if (r->tx_unsubmitted > 0) {
		io_uring_submit(&r->ring);
		r->st.enters++;
		r->tx_last = NULL;
		r->tx_unsubmitted = 0;
	}
	reap(r, NULL);
}

void tap_ring_get_stats(const struct tap_ring *r, struct tap_ring_stats *out)
{
	*out = r->st;
}
