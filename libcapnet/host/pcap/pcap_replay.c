/* The replay nic: a capture fed into a stack at its recorded times on the
 * caller's synthetic clock; what the stack sends is kept (and recorded). */
#include "capnet/host/pcap.h"

#include <stdlib.h>
#include <string.h>

#include "capnet/wire/ethernet.h"
#include "pcap_internal.h"

struct capnet_pcap_replay {
	struct capnet_nic nic;
	struct capnet_pcap_replay_options o;
	struct capnet_pcap_frames input;
	capnet_instant *due;  /* per input frame: synthetic instant, never decreasing */
	size_t cursor;        /* next input frame to consider */
	capnet_instant origin;
	capnet_instant now;
	struct capnet_pcap_frames sent;
	struct capnet_pcap_replay_stats st;
};

static bool is_own(const struct capnet_pcap_replay *r, const struct capnet_pcap_frame *f)
{
	return f->len >= CAPNET_ETH_HDR_LEN && memcmp(f->data + CAPNET_ETH_SRC, r->o.mac.b, 6) == 0;
}

/* Moves the cursor past the stack's own frames; they are its output in a
 * two-sided capture, not input. */
static void skip_own(struct capnet_pcap_replay *r)
{
	while (r->cursor < r->input.n && is_own(r, &r->input.v[r->cursor])) {
		r->st.own_skipped++;
		r->cursor++;
	}
}

static capnet_instant capture_time(const struct capnet_pcap_replay *r)
{
	return r->origin + (r->now - r->o.start);
}

static void record(struct capnet_pcap_replay *r, const uint8_t *f, size_t len)
{
	if (r->o.record != NULL && capnet_pcap_writer_write(r->o.record, capture_time(r), f, len) != CAPNET_OK)
		r->st.record_errors++;
}

static capnet_err replay_receive(void *dev, uint8_t *buf, size_t cap, size_t *len)
{
	struct capnet_pcap_replay *r = dev;
	skip_own(r);
	if (r->cursor >= r->input.n || r->due[r->cursor] > r->now)
		return CAPNET_E_AGAIN;
	const struct capnet_pcap_frame *f = &r->input.v[r->cursor++];
	record(r, f->data, f->len);
	if (f->len > cap) {
		r->st.oversize++;
		return CAPNET_E_NOBUFS;
	}
	if (f->len < f->orig_len)
		r->st.cut++;
	memcpy(buf, f->data, f->len);
	*len = f->len;
	r->st.fed++;
	return CAPNET_OK;
}

static capnet_err replay_transmit(void *dev, const uint8_t *frame, size_t len)
{
	struct capnet_pcap_replay *r = dev;
	if (capnet_pcap_frames_push(&r->sent, capture_time(r), frame, len, (uint32_t)len) != CAPNET_OK)
		return CAPNET_E_NOMEM;
	r->st.sent++;
	record(r, frame, len);
	return CAPNET_OK;
}

static bool replay_link_up(void *dev)
{
	(void)dev;
	return true;
}

static const struct capnet_nic_ops replay_ops = {
	.transmit = replay_transmit,
	.receive = replay_receive,
	.link_up = replay_link_up,
};

capnet_err capnet_pcap_replay_open(const char *path, const struct capnet_pcap_replay_options *o,
				   struct capnet_pcap_replay **out, char *errbuf, size_t errlen)
{
	if (out == NULL || o == NULL || path == NULL) {
		capnet_pcap_set_err(errbuf, errlen, "pcap replay", "NULL argument");
		return CAPNET_E_INVAL;
	}
	*out = NULL;
	struct capnet_pcap_replay *r = calloc(1, sizeof *r);
	if (r == NULL) {
		capnet_pcap_set_err(errbuf, errlen, "pcap replay", "out of memory");
		return CAPNET_E_NOMEM;
	}
	r->o = *o;
	capnet_err e = capnet_pcap_load(path, &r->input, errbuf, errlen);
	if (e != CAPNET_OK) {
		free(r);
		return e;
	}
	r->due = calloc(r->input.n != 0 ? r->input.n : 1, sizeof *r->due);
	if (r->due == NULL) {
		capnet_pcap_set_err(errbuf, errlen, "pcap replay", "out of memory");
		capnet_pcap_replay_close(r);
		return CAPNET_E_NOMEM;
	}
	r->origin = r->input.n != 0 ? r->input.v[0].at : 0;
	/* A capture's stamps can step backwards (clock adjustments, merged
	 * files); the synthetic clock cannot, so they are held level. */
	capnet_instant prev = o->start;
	for (size_t i = 0; i < r->input.n; i++) {
		capnet_instant t = o->start + (r->input.v[i].at - r->origin);
		prev = t > prev ? t : prev;
		r->due[i] = prev;
	}
	r->st.frames = r->input.n;
	r->now = o->start;
	r->nic.ops = &replay_ops;
	r->nic.dev = r;
	r->nic.mac = o->mac;
	r->nic.mtu = o->mtu != 0 ? o->mtu : 1500;
	*out = r;
	return CAPNET_OK;
}

void capnet_pcap_replay_close(struct capnet_pcap_replay *r)
{
	if (r == NULL)
		return;
	capnet_pcap_frames_free(&r->input);
	capnet_pcap_frames_free(&r->sent);
	free(r->due);
	free(r);
}

struct capnet_nic *capnet_pcap_replay_nic(struct capnet_pcap_replay *r)
{
	return &r->nic;
}

void capnet_pcap_replay_set_now(struct capnet_pcap_replay *r, capnet_instant now)
{
	if (now > r->now)
		r->now = now;
}

capnet_instant capnet_pcap_replay_next_time(const struct capnet_pcap_replay *r)
{
	for (size_t i = r->cursor; i < r->input.n; i++)
		if (!is_own(r, &r->input.v[i]))
			return r->due[i];
	return CAPNET_INSTANT_NEVER;
}

capnet_instant capnet_pcap_replay_end_time(const struct capnet_pcap_replay *r)
{
	return r->input.n != 0 ? r->due[r->input.n - 1] : r->o.start;
}

capnet_instant capnet_pcap_replay_origin(const struct capnet_pcap_replay *r)
{
	return r->origin;
}

const struct capnet_pcap_frames *capnet_pcap_replay_input(const struct capnet_pcap_replay *r)
{
	return &r->input;
}

const struct capnet_pcap_frames *capnet_pcap_replay_sent(const struct capnet_pcap_replay *r)
{
	return &r->sent;
}

void capnet_pcap_replay_get_stats(const struct capnet_pcap_replay *r, struct capnet_pcap_replay_stats *out)
{
	*out = r->st;
}
