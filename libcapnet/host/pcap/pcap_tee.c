/* The tee nic: any nic wrapped so that both directions are recorded into
 * a pcap writer. */
#include "capnet/host/pcap.h"

#include <stdlib.h>
#include <string.h>

#include "capnet/host/tap.h"

/* A segment of a super-frame: headers of at most 14 + 4 + 60 + 60 bytes
 * and a payload of at most the largest MSS. */
#define TEE_SEG_MAX (14 + 4 + 65535)

struct capnet_pcap_tee {
	struct capnet_nic nic;
	struct capnet_nic *inner;
	struct capnet_nic_ext_ops ext; /* the inner nic's, each recorded too */
	struct capnet_pcap_writer *w;
	capnet_instant (*clock)(void *);
	void *clock_ctx;
	uint64_t errors;
	uint8_t *seg; /* one segment cut from a received super-frame */
};

static void tee_record(struct capnet_pcap_tee *t, const uint8_t *f, size_t len)
{
	if (capnet_pcap_writer_write(t->w, t->clock(t->clock_ctx), f, len) != CAPNET_OK)
		t->errors++;
}

static capnet_err tee_transmit(void *dev, const uint8_t *frame, size_t len)
{
	struct capnet_pcap_tee *t = dev;
	capnet_err e = t->inner->ops->transmit(t->inner->dev, frame, len);
	if (e == CAPNET_OK)
		tee_record(t, frame, len);
	return e;
}

static capnet_err tee_receive(void *dev, uint8_t *buf, size_t cap, size_t *len)
{
	struct capnet_pcap_tee *t = dev;
	capnet_err e = t->inner->ops->receive(t->inner->dev, buf, cap, len);
	if (e == CAPNET_OK)
		tee_record(t, buf, *len);
	return e;
}

static bool tee_link_up(void *dev)
{
	struct capnet_pcap_tee *t = dev;
	return t->inner->ops->link_up == NULL || t->inner->ops->link_up(t->inner->dev);
}

/* A received super-frame is recorded as the segments it stands for, each
 * with its own lengths and checksums, as the wire (or the kernel without
 * offloads) would have carried them: its own checksum field means nothing
 * (the pseudo-header sum of the kernel's TSO, or the first joined
 * segment's), and a capture's reader analyses segments -- a joined frame
 * that begins with a retransmitted segment would look like data never
 * seen. One that cannot be cut is recorded whole. */
static void record_super(struct capnet_pcap_tee *t, const uint8_t *f, size_t len, uint16_t gso_size)
{
	if (t->seg == NULL)
		t->seg = malloc(TEE_SEG_MAX);
	size_t n = t->seg != NULL ? capnet_tap_gso_segment(f, len, gso_size, 0, t->seg, TEE_SEG_MAX) : 0;
	if (n == 0) {
		tee_record(t, f, len);
		return;
	}
	for (size_t k = 1; n > 0; k++) {
		tee_record(t, t->seg, n);
		n = capnet_tap_gso_segment(f, len, gso_size, k, t->seg, TEE_SEG_MAX);
	}
}

/* A super-frame (GRO or TSO) is recorded as the one frame it is. */
static capnet_err tee_receive_lend(void *dev, const uint8_t **frame, size_t *len, struct capnet_nic_rx_info *info)
{
	struct capnet_pcap_tee *t = dev;
	capnet_err e = t->inner->ext->receive_lend(t->inner->dev, frame, len, info);
	if (e == CAPNET_OK && info->gso_segs > 1)
		record_super(t, *frame, *len, info->gso_size);
	else if (e == CAPNET_OK)
		tee_record(t, *frame, *len);
	return e;
}

static capnet_err tee_transmit_gso(void *dev, const uint8_t *frame, size_t len, uint16_t gso_size)
{
	struct capnet_pcap_tee *t = dev;
	capnet_err e = t->inner->ext->transmit_gso(t->inner->dev, frame, len, gso_size);
	if (e == CAPNET_OK)
		tee_record(t, frame, len);
	return e;
}

static const struct capnet_nic_ops tee_ops = {
	.transmit = tee_transmit,
	.receive = tee_receive,
	.link_up = tee_link_up,
};

capnet_err capnet_pcap_tee_open(struct capnet_nic *inner, struct capnet_pcap_writer *w,
				capnet_instant (*clock)(void *ctx), void *clock_ctx, struct capnet_pcap_tee **out)
{
	if (out == NULL)
		return CAPNET_E_INVAL;
	*out = NULL;
	if (inner == NULL || inner->ops == NULL || w == NULL || clock == NULL)
		return CAPNET_E_INVAL;
	struct capnet_pcap_tee *t = calloc(1, sizeof *t);
	if (t == NULL)
		return CAPNET_E_NOMEM;
	t->inner = inner;
	t->w = w;
	t->clock = clock;
	t->clock_ctx = clock_ctx;
	t->nic.ops = &tee_ops;
	t->nic.dev = t;
	t->nic.mac = inner->mac;
	t->nic.mtu = inner->mtu;
	if (inner->ext != NULL) {
		t->ext.receive_lend = inner->ext->receive_lend != NULL ? tee_receive_lend : NULL;
		t->ext.transmit_gso = inner->ext->transmit_gso != NULL ? tee_transmit_gso : NULL;
		t->ext.tso_max = inner->ext->tso_max;
		t->nic.ext = &t->ext;
	}
	*out = t;
	return CAPNET_OK;
}

void capnet_pcap_tee_close(struct capnet_pcap_tee *t)
{
	if (t != NULL)
		free(t->seg);
	free(t);
}

struct capnet_nic *capnet_pcap_tee_nic(struct capnet_pcap_tee *t)
{
	return &t->nic;
}

uint64_t capnet_pcap_tee_errors(const struct capnet_pcap_tee *t)
{
	return t->errors;
}
