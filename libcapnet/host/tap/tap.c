/* Linux TAP backend: /dev/net/tun, IFF_TAP | IFF_NO_PI, non-blocking.
 * One read() is one frame and one write() is one frame, so the nic
 * contract maps onto the descriptor directly; state of our own: the
 * bounded TX queue that absorbs EAGAIN, the offloads (tap_gso.h: cutting,
 * checksums, TSO headers), GRO (tap_gro.h and the lending receive), and
 * optionally the io_uring transport (tap_ring.h) in place of read/write. */
#include "capnet/host/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "capnet/wire/bytes.h"
#include "tap_gro.h"
#include "tap_gso.h"
#include "tap_ring.h"

/* Ethernet header plus one 802.1Q tag: the largest frame is MTU + this. */
#define TAP_L2_OVERHEAD 18
/* Where the tail of an oversize frame goes, so it is consumed and counted
 * instead of silently cut (a TAP read truncates to the buffer it is
 * given). The kernel never hands us more than its MTU (at most 64 KiB)
 * plus headers. */
#define TAP_RX_SPILL 65536
/* With offloads: a TSO super-frame (64 KiB of IPv4) and its L2 header. */
#define TAP_RX_BIG (65536 + 64)

struct tap_txq {
	uint8_t *slots;    /* cap slots of slot_size bytes */
	size_t *lens;
	uint16_t *gso;     /* per slot: TSO segment size, 0 for a plain frame */
	size_t slot_size;
	size_t cap, head, count;
};

struct capnet_tap {
	struct capnet_nic nic;
	int fd;
	int ctl;  /* AF_INET datagram socket for the interface ioctls; -1 if none */
	char name[IFNAMSIZ];
	struct tap_txq txq;
	struct capnet_tap_stats st;
	uint8_t *spill;
	int fault;
	/* offloads: every frame has a virtio-net header; `big` holds the frame
	 * read, and the segments of a super-frame not yet handed out */
	bool vnet;
	uint8_t *big;
	struct tap_gso gso;
	size_t gso_next;
	/* receive_lend: the frame lent (rx), a segment cut for it (seg), and
	 * without offloads the segments being joined (gro) behind a frame read
	 * but not yet handed over (rx, when held) */
	uint8_t *rx, *seg;
	size_t frame_cap;
	struct tap_gro gro;
	bool held;
	uint8_t *held_ptr;
	size_t held_len;
	uint8_t vhdr[TAP_VNET_HDR_LEN];
	/* the io_uring transport (tap_ring.h); NULL: read() and write() */
	struct tap_ring *ring;
};

static void set_err(char *buf, size_t len, const char *fmt, const char *a, int err)
{
	if (buf == NULL || len == 0)
		return;
	char text[CAPNET_TAP_ERRBUF_SIZE];
	snprintf(text, sizeof text, fmt, a != NULL ? a : "");
	if (err != 0)
		snprintf(buf, len, "%s: %s", text, strerror(err));
	else
		snprintf(buf, len, "%s", text);
}

/* ---- the TX queue ---- */

static bool txq_init(struct tap_txq *q, size_t frames, size_t slot_size)
{
	q->slot_size = slot_size;
	q->cap = frames;
	q->head = q->count = 0;
	q->slots = malloc(frames * slot_size);
	q->lens = calloc(frames, sizeof *q->lens);
	q->gso = calloc(frames, sizeof *q->gso);
	return q->slots != NULL && q->lens != NULL && q->gso != NULL;
}

static void txq_free(struct tap_txq *q)
{
	free(q->slots);
	free(q->lens);
	free(q->gso);
	q->slots = NULL;
	q->lens = NULL;
	q->gso = NULL;
}

static uint8_t *txq_slot(const struct tap_txq *q, size_t i)
{
	return q->slots + ((q->head + i) % q->cap) * q->slot_size;
}

/* ---- the device ---- */

enum write_result { WRITE_OK, WRITE_AGAIN, WRITE_FAILED, WRITE_LINKDOWN };

static enum write_result write_frame(struct capnet_tap *t, const uint8_t *frame, size_t len, uint16_t gso)
{
	/* With offloads every frame carries a header; ours asks for nothing,
	 * or for the kernel to cut a super-frame (tap_tso_header). */
	static const uint8_t no_offload[TAP_VNET_HDR_LEN];
	uint8_t hdr[TAP_VNET_HDR_LEN], head[TAP_TSO_HEAD_MAX];
	struct iovec iov[3] = {{(void *)no_offload, TAP_VNET_HDR_LEN}, {(void *)frame, len}, {NULL, 0}};
	int niov = 2;
	if (gso > 0) {
		size_t hl = tap_tso_header(frame, len, gso, hdr, head);
		if (hl == 0) {
			t->st.tx_errors++;
			return WRITE_FAILED;
		}
		iov[0].iov_base = hdr;
		iov[1] = (struct iovec){head, hl};
		iov[2] = (struct iovec){(void *)(frame + hl), len - hl};
		niov = 3;
	}
	size_t want = len + (t->vnet ? TAP_VNET_HDR_LEN : 0);
	if (t->ring != NULL) {
		int r = t->vnet ? tap_ring_write(t->ring, iov, niov) : tap_ring_write(t->ring, iov + 1, 1);
		if (r == -EAGAIN)
			return WRITE_AGAIN;
		if (r != 0) {
			t->st.tx_errors++;
			return WRITE_FAILED;
		}
		t->st.tx_frames++;
		t->st.tx_bytes += len;
		if (gso > 0)
			t->st.tx_tso_frames++;
		return WRITE_OK;
	}
	for (int tries = 0; tries < 4; tries++) {
		ssize_t n = t->vnet ? writev(t->fd, iov, niov) : write(t->fd, frame, len);
		if (n == (ssize_t)want) {
			t->st.tx_frames++;
			t->st.tx_bytes += len;
			if (gso > 0)
				t->st.tx_tso_frames++;
			return WRITE_OK;
		}
		if (n >= 0)
			break; /* a short write: the device broke the one-frame rule */
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return WRITE_AGAIN;
		if (errno == EBADFD || errno == ENODEV)
			t->fault = errno;
		if (errno == EIO) {
			/* The kernel refuses frames while the device is down. */
			t->st.tx_errors++;
			return WRITE_LINKDOWN;
		}
		break;
	}
	t->st.tx_errors++;
	return WRITE_FAILED;
}

capnet_err capnet_tap_tx_flush(struct capnet_tap *t)
{
	struct tap_txq *q = &t->txq;
	if (t->ring != NULL)
		tap_ring_flush(t->ring);
	while (q->count > 0) {
		enum write_result r = write_frame(t, txq_slot(q, 0), q->lens[q->head], q->gso[q->head]);
		if (r == WRITE_AGAIN)
			return CAPNET_E_AGAIN;
		if (t->ring != NULL)
			tap_ring_flush(t->ring);
		/* Sent, or rejected (counted): either way it leaves. */
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	return CAPNET_OK;
}

static capnet_err transmit(struct capnet_tap *t, const uint8_t *frame, size_t len, uint16_t gso)
{
	struct tap_txq *q = &t->txq;
	if (frame == NULL || len == 0)
		return CAPNET_E_INVAL;
	if (len > q->slot_size) {
		t->st.tx_errors++;
		return CAPNET_E_MSGSIZE;
	}
	/* Order matters: while older frames wait, a new one must queue behind
	 * them even if the device would take it now. */
	if (q->count > 0)
		capnet_tap_tx_flush(t);
	if (q->count == 0) {
		enum write_result r = write_frame(t, frame, len, gso);
		if (r == WRITE_OK)
			return CAPNET_OK;
		if (r == WRITE_FAILED)
			return CAPNET_E_NIC;
		if (r == WRITE_LINKDOWN)
			return CAPNET_E_LINKDOWN;
	}
	if (q->count == q->cap) {
		t->st.tx_dropped++;
		return CAPNET_E_AGAIN;
	}
	size_t tail = (q->head + q->count) % q->cap;
	memcpy(q->slots + tail * q->slot_size, frame, len);
	q->lens[tail] = len;
	q->gso[tail] = gso;
	q->count++;
	t->st.tx_queued++;
	if (q->count > t->st.txq_high_water)
		t->st.txq_high_water = q->count;
	return CAPNET_OK;
}

static capnet_err tap_transmit(void *dev, const uint8_t *frame, size_t len)
{
	struct capnet_tap *t = dev;
	if (len > (size_t)t->nic.mtu + TAP_L2_OVERHEAD) {
		t->st.tx_errors++;
		return CAPNET_E_MSGSIZE;
	}
	return transmit(t, frame, len, 0);
}

/* TSO: only with the virtio-net header can the kernel be asked to cut. */
static capnet_err tap_transmit_gso(void *dev, const uint8_t *frame, size_t len, uint16_t gso_size)
{
	struct capnet_tap *t = dev;
	if (!t->vnet || gso_size == 0)
		return tap_transmit(dev, frame, len);
	return transmit(t, frame, len, gso_size);
}

/* A read() that failed: EAGAIN is "nothing yet"; anything else is final. */
static capnet_err read_failed(struct capnet_tap *t, ssize_t n)
{
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return CAPNET_E_AGAIN;
	/* A TAP never yields an empty frame: a zero-length read is the peer
	 * of a wrapped socket gone, as final as EBADFD. */
	if (n == 0)
		errno = EPIPE;
	/* EBADFD after the device is deleted: the fd stays readable, so the
	 * fault is kept for the event loop to stop watching it. */
	t->st.rx_errors++;
	if (t->fault == 0)
		t->fault = errno;
	return CAPNET_E_NIC;
}

/* The next message from the ring: 0 with *n set, or the failure. */
static capnet_err ring_next(struct capnet_tap *t, uint8_t **msg, size_t *n)
{
	ssize_t r = tap_ring_read(t->ring, msg);
	if (r > 0) {
		*n = (size_t)r;
		return CAPNET_OK;
	}
	if (r == 0)
		return CAPNET_E_AGAIN;
	errno = (int)-r;
	return read_failed(t, -1);
}

/* Without offloads: the next frame, read into t->rx (or lent by the ring);
 * one longer than the frame buffer is consumed and counted. */
static capnet_err read_plain(struct capnet_tap *t, uint8_t **frame, size_t *len)
{
	for (;;) {
		size_t n = 0;
		capnet_err e = CAPNET_OK;
		if (t->ring != NULL) {
			e = ring_next(t, frame, &n);
		} else {
			struct iovec iov[2] = {{t->rx, t->frame_cap}, {t->spill, TAP_RX_SPILL}};
			ssize_t r = readv(t->fd, iov, 2);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return read_failed(t, r);
			*frame = t->rx;
			n = (size_t)r;
		}
		if (e != CAPNET_OK)
			return e;
		if (n > t->frame_cap) {
			t->st.rx_oversize++;
			return CAPNET_E_NOBUFS;
		}
		t->st.rx_frames++;
		t->st.rx_bytes += n;
		*len = n;
		return CAPNET_OK;
	}
}

/* With offloads: the next message, header and frame (in t->vhdr and
 * t->big, or lent by the ring). One that cannot hold both is counted and
 * skipped. */
static capnet_err read_vnet(struct capnet_tap *t, struct tap_vnet_hdr *h, uint8_t **frame, size_t *flen)
{
	for (;;) {
		size_t n = 0;
		uint8_t *msg = NULL;
		if (t->ring != NULL) {
			capnet_err e = ring_next(t, &msg, &n);
			if (e != CAPNET_OK)
				return e;
		} else {
			struct iovec iov[3] = {{t->vhdr, TAP_VNET_HDR_LEN}, {t->big, TAP_RX_BIG}, {t->spill, TAP_RX_SPILL}};
			ssize_t r = readv(t->fd, iov, 3);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return read_failed(t, r);
			n = (size_t)r;
		}
		t->st.rx_frames++;
		t->st.rx_bytes += n;
		if (n <= TAP_VNET_HDR_LEN || n > TAP_VNET_HDR_LEN + TAP_RX_BIG) {
			t->st.rx_offload_errors++;
			continue;
		}
		tap_vnet_parse(msg != NULL ? msg : t->vhdr, h);
		*frame = msg != NULL ? msg + TAP_VNET_HDR_LEN : t->big;
		*flen = n - TAP_VNET_HDR_LEN;
		return CAPNET_OK;
	}
}

/* The next segment of the super-frame being cut. */
static capnet_err next_segment(struct capnet_tap *t, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = tap_gso_segment(&t->gso, t->gso_next++, buf, cap);
	if (n == 0) {
		t->st.rx_oversize++;
		return CAPNET_E_NOBUFS;
	}
	t->st.rx_gso_segments++;
	*len = n;
	return CAPNET_OK;
}

/* A TSO super-frame the stack can take whole: more than one segment, a
 * checksum the kernel vouches for (NEEDS_CSUM at the TCP checksum field:
 * the data never left this host; or DATA_VALID), no SYN, RST or URG, and
 * an IPv4 total length that covers exactly the frame read. Anything else
 * is cut into segments as before, each with its checksums. */
static bool gro_whole(const struct tap_gso *g, const struct tap_vnet_hdr *h, const uint8_t *f, size_t flen)
{
	bool csum_ok = (h->flags & TAP_VNET_F_DATA_VALID) ||
		       ((h->flags & TAP_VNET_F_NEEDS_CSUM) && h->csum_start == g->l4 && h->csum_offset == 16);
	return g->nseg > 1 && g->nseg <= UINT16_MAX && csum_ok && (f[g->l4 + 13] & 0x26) == 0 &&
	       capnet_get16(f + g->l3 + 2) == flen - g->l3 && h->hdr_len <= flen;
}

/* With offloads: the next frame the stack gets. A super-frame is lent
 * whole when `whole` allows and gro_whole agrees, else cut into `seg`
 * segment by segment; a partial checksum is completed first. A frame we
 * cannot use is counted and skipped (bounded by what the kernel queued). */
static capnet_err next_vnet(struct capnet_tap *t, bool whole, const uint8_t **frame, size_t *len,
			    struct capnet_nic_rx_info *info)
{
	if (t->gso_next < t->gso.nseg) {
		*frame = t->seg;
		return next_segment(t, t->seg, t->frame_cap, len);
	}
	for (;;) {
		struct tap_vnet_hdr h;
		uint8_t *f = NULL;
		size_t flen = 0;
		capnet_err e = read_vnet(t, &h, &f, &flen);
		if (e != CAPNET_OK)
			return e;
		if (h.gso_type != TAP_VNET_GSO_NONE) {
			if (!tap_gso_init(&t->gso, f, flen, &h)) {
				t->st.rx_offload_errors++;
				continue;
			}
			t->st.rx_gso_frames++;
			if (whole && gro_whole(&t->gso, &h, f, flen)) {
				t->st.rx_gro_frames++;
				t->st.rx_gro_segments += t->gso.nseg;
				info->gso_segs = (uint16_t)t->gso.nseg;
				info->gso_size = t->gso.mss;
				info->csum_valid = true;
				t->gso.nseg = 0; /* nothing left to cut */
				*frame = f;
				*len = flen;
				return CAPNET_OK;
			}
			t->gso_next = 0;
			*frame = t->seg;
			return next_segment(t, t->seg, t->frame_cap, len);
		}
		if (h.flags & TAP_VNET_F_NEEDS_CSUM) {
			if (!tap_csum_complete(f, flen, &h)) {
				t->st.rx_offload_errors++;
				continue;
			}
			t->st.rx_csum_completed++;
		}
		if (flen > t->frame_cap) {
			t->st.rx_oversize++;
			return CAPNET_E_NOBUFS;
		}
		info->csum_valid = (h.flags & TAP_VNET_F_DATA_VALID) != 0;
		*frame = f;
		*len = flen;
		return CAPNET_OK;
	}
}

/* The copying receive (the nic contract): every super-frame cut. */
static capnet_err tap_receive(void *dev, uint8_t *buf, size_t cap, size_t *len)
{
	struct capnet_tap *t = dev;
	const uint8_t *f = NULL;
	uint8_t *pf = NULL;
	struct capnet_nic_rx_info info = {0};
	capnet_err e = t->vnet ? next_vnet(t, false, &f, len, &info) : read_plain(t, &pf, len);
	if (pf != NULL)
		f = pf;
	if (e != CAPNET_OK)
		return e;
	if (*len > cap) {
		t->st.rx_oversize++;
		return CAPNET_E_NOBUFS;
	}
	memcpy(buf, f, *len);
	return CAPNET_OK;
}

/* ---- receive, lending the frame (the iface's path) ---- */

/* Without offloads: frames are read one by one and joined (tap_gro.h)
 * until one does not join or the device has no more; the frame that did
 * not join waits (held) for the next call. */
static capnet_err lend_plain(struct capnet_tap *t, const uint8_t **frame, size_t *len, struct capnet_nic_rx_info *info)
{
	for (;;) {
		if (!t->held) {
			capnet_err e = read_plain(t, &t->held_ptr, &t->held_len);
			if (e == CAPNET_E_AGAIN && t->gro.len > 0)
				break;
			if (e != CAPNET_OK)
				return e;
			t->held = true;
		}
		enum tap_gro_result r = tap_gro_add(&t->gro, t->held_ptr, t->held_len);
		if (r == TAP_GRO_FLUSH)
			break;
		t->held = false;
		if (r == TAP_GRO_ALONE) {
			*frame = t->held_ptr;
			*len = t->held_len;
			return CAPNET_OK;
		}
	}
	uint16_t segs = t->gro.segs;
	*frame = t->gro.buf;
	*len = tap_gro_finish(&t->gro, info);
	if (segs > 1) {
		t->st.rx_gro_frames++;
		t->st.rx_gro_segments += segs;
	}
	return CAPNET_OK;
}

static capnet_err tap_receive_lend(void *dev, const uint8_t **frame, size_t *len, struct capnet_nic_rx_info *info)
{
	struct capnet_tap *t = dev;
	return t->vnet ? next_vnet(t, true, frame, len, info) : lend_plain(t, frame, len, info);
}

bool capnet_tap_link_up(const struct capnet_tap *t)
{
	if (t->ctl < 0 || t->name[0] == '\0')
		return true;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, t->name, sizeof ifr.ifr_name);
	if (ioctl(t->ctl, SIOCGIFFLAGS, &ifr) < 0)
		return false;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

static bool tap_link_up(void *dev)
{
	return capnet_tap_link_up(dev);
}

static const struct capnet_nic_ops tap_ops = {
	.transmit = tap_transmit,
	.receive = tap_receive,
	.link_up = tap_link_up,
};

static const struct capnet_nic_ext_ops tap_ext_ops = {
	.receive_lend = tap_receive_lend,
};

/* With offloads the kernel also cuts what we send (TSO). */
static const struct capnet_nic_ext_ops tap_ext_ops_vnet = {
	.receive_lend = tap_receive_lend,
	.transmit_gso = tap_transmit_gso,
	.tso_max = 65535 - 14, /* frames within a capture's 64 KiB snaplen */
};

/* Reads the device MTU, or sets it to `want` when want != 0. */
static capnet_err device_mtu(struct capnet_tap *t, uint16_t want, uint16_t *out, char *errbuf, size_t errlen)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, t->name, sizeof ifr.ifr_name);
	if (ioctl(t->ctl, SIOCGIFMTU, &ifr) < 0) {
		set_err(errbuf, errlen, "SIOCGIFMTU %s", t->name, errno);
		return CAPNET_E_NIC;
	}
	if (want == 0) {
		if (ifr.ifr_mtu < 576 || ifr.ifr_mtu > 65535 - TAP_L2_OVERHEAD) {
			set_err(errbuf, errlen, "%s: device MTU outside 576..65517", t->name, 0);
			return CAPNET_E_UNSUPPORTED;
		}
		*out = (uint16_t)ifr.ifr_mtu;
		return CAPNET_OK;
	}
	if (ifr.ifr_mtu != want) {
		ifr.ifr_mtu = want;
		if (ioctl(t->ctl, SIOCSIFMTU, &ifr) < 0) {
			set_err(errbuf, errlen, "SIOCSIFMTU %s", t->name, errno);
			return CAPNET_E_NIC;
		}
	}
	*out = want;
	return CAPNET_OK;
}

static const struct capnet_mac default_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};

static bool mac_is_zero(struct capnet_mac m)
{
	for (int i = 0; i < 6; i++)
		if (m.b[i] != 0)
			return false;
	return true;
}

/* Everything after the descriptor exists: MTU, queue, nic. Takes the fd. */
static capnet_err finish_open(struct capnet_tap *t, const struct capnet_tap_options *o, bool ask_device,
			      struct capnet_tap **out, char *errbuf, size_t errlen)
{
	uint16_t mtu = o->mtu != 0 ? o->mtu : 1500;
	capnet_err e = CAPNET_OK;
	if (ask_device)
		e = device_mtu(t, o->mtu, &mtu, errbuf, errlen);
	if (e == CAPNET_OK && (mtu < 576 || mtu > 65535 - TAP_L2_OVERHEAD)) {
		set_err(errbuf, errlen, "MTU outside 576..65517", NULL, 0);
		e = CAPNET_E_INVAL;
	}
	size_t frames = o->txq_frames != 0 ? o->txq_frames : CAPNET_TAP_TXQ_DEFAULT;
	t->spill = malloc(TAP_RX_SPILL);
	t->vnet = o->offload;
	if (t->vnet)
		t->big = malloc(TAP_RX_BIG);
	else
		t->gro.buf = malloc(TAP_GRO_MAX);
	t->frame_cap = (size_t)mtu + TAP_L2_OVERHEAD;
	t->rx = malloc(t->frame_cap);
	t->seg = malloc(t->frame_cap);
	if (e == CAPNET_OK && (t->spill == NULL || (t->vnet ? t->big == NULL : t->gro.buf == NULL) || !t->rx || !t->seg ||
			       !txq_init(&t->txq, frames, t->vnet ? TAP_RX_BIG : (size_t)mtu + TAP_L2_OVERHEAD))) {
		set_err(errbuf, errlen, "tap: out of memory", NULL, 0);
		e = CAPNET_E_NOMEM;
	}
	/* The ring: 64 reads and 128 writes in flight at most, each buffer
	 * big enough for a super-frame and its header. */
	if (e == CAPNET_OK && o->ring) {
		t->ring = tap_ring_open(t->fd, TAP_VNET_HDR_LEN + TAP_RX_BIG, 64, 128);
		if (t->ring == NULL) {
			set_err(errbuf, errlen, "io_uring for the TAP", NULL, errno);
			e = CAPNET_E_NIC;
		}
	}
	if (e != CAPNET_OK) {
		capnet_tap_close(t);
		return e;
	}
	t->nic.ops = &tap_ops;
	t->nic.ext = t->vnet ? &tap_ext_ops_vnet : &tap_ext_ops;
	t->nic.dev = t;
	t->nic.mac = mac_is_zero(o->mac) ? default_mac : o->mac;
	t->nic.mtu = mtu;
	*out = t;
	return CAPNET_OK;
}

static struct capnet_tap *tap_alloc(void)
{
	struct capnet_tap *t = calloc(1, sizeof *t);
	if (t != NULL)
		t->fd = t->ctl = -1;
	return t;
}

/* The header is 10 bytes, little endian (tap_gso.c reads it so), and the
 * kernel may give us what TSO4 and partial checksums allow. */
static bool set_offloads(int fd, char *errbuf, size_t errlen)
{
	int sz = TAP_VNET_HDR_LEN;
	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
		set_err(errbuf, errlen, "TUNSETVNETHDRSZ", NULL, errno);
		return false;
	}
	const uint16_t probe = 1;
	int le = 1;
	if (*(const uint8_t *)&probe != 1 && ioctl(fd, TUNSETVNETLE, &le) < 0) {
		set_err(errbuf, errlen, "TUNSETVNETLE", NULL, errno);
		return false;
	}
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN)) < 0) {
		set_err(errbuf, errlen, "TUNSETOFFLOAD", NULL, errno);
		return false;
	}
	return true;
}

capnet_err capnet_tap_open(const struct capnet_tap_options *o, struct capnet_tap **out, char *errbuf, size_t errlen)
{
	if (out != NULL)
		*out = NULL;
	if (out == NULL || o == NULL) {
		set_err(errbuf, errlen, "tap: NULL argument", NULL, 0);
		return CAPNET_E_INVAL;
	}
	const char *name = o->name != NULL ? o->name : "";
	if (strlen(name) >= IFNAMSIZ) {
		set_err(errbuf, errlen, "tap: device name '%s' longer than 15 characters", name, 0);
		return CAPNET_E_INVAL;
	}
	struct capnet_tap *t = tap_alloc();
	if (t == NULL) {
		set_err(errbuf, errlen, "tap: out of memory", NULL, 0);
		return CAPNET_E_NOMEM;
	}
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		set_err(errbuf, errlen, "open /dev/net/tun", NULL, errno);
		capnet_tap_close(t);
		return CAPNET_E_NIC;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (o->offload ? IFF_VNET_HDR : 0);
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		set_err(errbuf, errlen, "TUNSETIFF '%s'", name, errno);
		capnet_tap_close(t);
		return CAPNET_E_NIC;
	}
	if (o->offload && !set_offloads(t->fd, errbuf, errlen)) {
		capnet_tap_close(t);
		return CAPNET_E_NIC;
	}
	/* Offloads outlive a reader on a persistent device: one left on by an
	 * earlier --offload run would hand us partial checksums that a reader
	 * without the virtio-net header cannot complete (every segment then
	 * fails its checksum). A plain reader turns them off. */
	if (!o->offload && ioctl(t->fd, TUNSETOFFLOAD, 0UL) < 0) {
		set_err(errbuf, errlen, "TUNSETOFFLOAD 0", NULL, errno);
		capnet_tap_close(t);
		return CAPNET_E_NIC;
	}
	memcpy(t->name, ifr.ifr_name, sizeof t->name);
	t->name[IFNAMSIZ - 1] = '\0';
	t->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->ctl < 0) {
		set_err(errbuf, errlen, "socket for interface ioctls", NULL, errno);
		capnet_tap_close(t);
		return CAPNET_E_NIC;
	}
	return finish_open(t, o, true, out, errbuf, errlen);
}

capnet_err capnet_tap_open_fd(int fd, const struct capnet_tap_options *o, struct capnet_tap **out, char *errbuf,
			      size_t errlen)
{
	if (out != NULL)
		*out = NULL;
	if (out == NULL || o == NULL || fd < 0) {
		set_err(errbuf, errlen, "tap: bad argument", NULL, 0);
		return CAPNET_E_INVAL;
	}
	const char *name = o->name != NULL ? o->name : "";
	if (strlen(name) >= IFNAMSIZ) {
		set_err(errbuf, errlen, "tap: device name '%s' longer than 15 characters", name, 0);
		return CAPNET_E_INVAL;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		set_err(errbuf, errlen, "tap: fcntl O_NONBLOCK", NULL, errno);
		return CAPNET_E_NIC;
	}
	struct capnet_tap *t = tap_alloc();
	if (t == NULL) {
		set_err(errbuf, errlen, "tap: out of memory", NULL, 0);
		return CAPNET_E_NOMEM;
	}
	t->fd = fd;
	memcpy(t->name, name, strlen(name) + 1);
	if (name[0] != '\0') {
		t->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (t->ctl < 0) {
			set_err(errbuf, errlen, "socket for interface ioctls", NULL, errno);
			capnet_tap_close(t);
			return CAPNET_E_NIC;
		}
	}
	return finish_open(t, o, name[0] != '\0', out, errbuf, errlen);
}

void capnet_tap_close(struct capnet_tap *t)
{
	if (t == NULL)
		return;
	tap_ring_close(t->ring);
	if (t->fd >= 0)
		close(t->fd);
	if (t->ctl >= 0)
		close(t->ctl);
	txq_free(&t->txq);
	free(t->spill);
	free(t->big);
	free(t->gro.buf);
	free(t->rx);
	free(t->seg);
	free(t);
}

struct capnet_nic *capnet_tap_nic(struct capnet_tap *t)
{
	return &t->nic;
}

int capnet_tap_fd(const struct capnet_tap *t)
{
	return t->fd;
}

const char *capnet_tap_name(const struct capnet_tap *t)
{
	return t->name;
}

int capnet_tap_fault(const struct capnet_tap *t)
{
	return t->fault;
}

size_t capnet_tap_tx_pending(const struct capnet_tap *t)
{
	return t->txq.count + (t->ring != NULL ? tap_ring_unsubmitted(t->ring) : 0);
}

void capnet_tap_get_stats(const struct capnet_tap *t, struct capnet_tap_stats *out)
{
	*out = t->st;
	if (t->ring != NULL) {
		struct tap_ring_stats rs;
		tap_ring_get_stats(t->ring, &rs);
		out->ring_enters = rs.enters;
	}
}
