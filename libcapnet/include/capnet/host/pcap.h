/* The pcap backend (hosted; libpcap).
 *
 * Replay: a capture (DLT_EN10MB) becomes a nic whose receive yields the
 * capture's frames at their recorded times, relative to its first frame,
 * on the caller's (synthetic) clock: the caller says what time it is with
 * capnet_pcap_replay_set_now() and asks when the next frame is due with
 * capnet_pcap_replay_next_time(). What the stack transmits is kept, stamped
 * with that clock, for comparison against an expected capture or
 * transcript, and can be recorded (both directions) to a pcap file.
 *
 * Tee: any nic wrapped so that both directions are recorded into a pcap
 * writer, stamped by a clock of the caller's choice.
 *
 * Stamps: a capnet_instant in microseconds, the pcap writer's convention.
 * Replay records and reports frames at capture time, i.e. the capture's
 * own first-frame stamp plus (now - start), so a recording lines up with
 * the capture it came from. */
#ifndef CAPNET_HOST_PCAP_H
#define CAPNET_HOST_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/err.h"
#include "capnet/nic.h"
#include "capnet/host/pcap_writer.h"
#include "capnet/types.h"

/* ---- frames and captures ---- */

struct capnet_pcap_frame {
	capnet_instant at; /* pcap stamp, microseconds */
	uint32_t orig_len; /* length on the wire (> len when the capture cut it) */
	size_t len;
	uint8_t *data;
};

struct capnet_pcap_frames {
	struct capnet_pcap_frame *v;
	size_t n, cap;
};

/* Loads every record of an Ethernet capture. CAPNET_E_NIC with libpcap's
 * text for an unreadable file, CAPNET_E_UNSUPPORTED for another link type,
 * CAPNET_E_NOMEM. */
capnet_err capnet_pcap_load(const char *path, struct capnet_pcap_frames *out, char *errbuf, size_t errlen);
capnet_err capnet_pcap_frames_push(struct capnet_pcap_frames *f, capnet_instant at, const uint8_t *data, size_t len,
				   uint32_t orig_len);
void capnet_pcap_frames_free(struct capnet_pcap_frames *f);
/* Writes frames to a new pcap file (their stamps as they are). */
capnet_err capnet_pcap_frames_save(const struct capnet_pcap_frames *f, const char *path, char *errbuf, size_t errlen);

/* ---- comparison ---- */

enum capnet_pcap_diff_kind {
	CAPNET_PCAP_SAME = 0,
	CAPNET_PCAP_DIFF_BYTES,   /* frame `index` differs at byte `offset` (or in length) */
	CAPNET_PCAP_DIFF_TIME,    /* same bytes, stamp off by `dt` beyond the tolerance */
	CAPNET_PCAP_DIFF_MISSING, /* expected frame `index` was never sent */
	CAPNET_PCAP_DIFF_EXTRA,   /* frame `index` was sent but not expected */
};

struct capnet_pcap_diff {
	enum capnet_pcap_diff_kind kind;
	size_t index;       /* 0-based position among the compared frames */
	size_t offset;      /* BYTES: first differing byte (== the shorter length when one is a prefix) */
	capnet_duration dt; /* TIME: got - expected */
};

/* Compares two frame sequences in order: bytes exactly, stamps within
 * `tolerance` microseconds (both relative to their own `origin`). Returns
 * true when they match; otherwise fills *d with the first divergence. */
bool capnet_pcap_compare(const struct capnet_pcap_frame *got, size_t ngot, capnet_instant got_origin,
			 const struct capnet_pcap_frame *want, size_t nwant, capnet_instant want_origin,
			 capnet_duration tolerance, struct capnet_pcap_diff *d);
const char *capnet_pcap_diff_name(enum capnet_pcap_diff_kind k);

/* ---- replay ---- */

struct capnet_pcap_replay_options {
	/* The stack's MAC. Frames the capture shows this MAC sending are the
	 * stack's own (a capture of both sides): they are not fed back in. */
	struct capnet_mac mac;
	uint16_t mtu;        /* 0: 1500 */
	capnet_instant start; /* the synthetic instant of the capture's first frame */
	/* Optional: every frame fed in and every frame sent, at capture time. */
	struct capnet_pcap_writer *record;
};

struct capnet_pcap_replay_stats {
	uint64_t frames;      /* records in the capture */
	uint64_t own_skipped; /* sent by the stack's MAC in the capture: not fed */
	uint64_t fed;         /* handed to the stack */
	uint64_t oversize;    /* longer than the stack's buffer: consumed, dropped */
	uint64_t cut;         /* the capture had cut them (caplen < len): fed as captured */
	uint64_t sent;        /* frames the stack transmitted */
	uint64_t record_errors;
};

struct capnet_pcap_replay;

capnet_err capnet_pcap_replay_open(const char *path, const struct capnet_pcap_replay_options *o,
				   struct capnet_pcap_replay **out, char *errbuf, size_t errlen);
void capnet_pcap_replay_close(struct capnet_pcap_replay *r);
struct capnet_nic *capnet_pcap_replay_nic(struct capnet_pcap_replay *r);

/* The synthetic clock: receive yields frames due at or before `now`;
 * transmit stamps with it. Time never goes backwards (an earlier `now` is
 * ignored). */
void capnet_pcap_replay_set_now(struct capnet_pcap_replay *r, capnet_instant now);
/* When the next frame to feed is due, CAPNET_INSTANT_NEVER at the end. */
capnet_instant capnet_pcap_replay_next_time(const struct capnet_pcap_replay *r);
/* The synthetic instant of the capture's last frame (start if empty). */
capnet_instant capnet_pcap_replay_end_time(const struct capnet_pcap_replay *r);
/* The capture's first stamp: capture time = origin + (now - start). */
capnet_instant capnet_pcap_replay_origin(const struct capnet_pcap_replay *r);
/* The capture's own records, as loaded (all of them). */
const struct capnet_pcap_frames *capnet_pcap_replay_input(const struct capnet_pcap_replay *r);
/* What the stack sent, at capture time, in order. */
const struct capnet_pcap_frames *capnet_pcap_replay_sent(const struct capnet_pcap_replay *r);
void capnet_pcap_replay_get_stats(const struct capnet_pcap_replay *r, struct capnet_pcap_replay_stats *out);

/* ---- tee ---- */

struct capnet_pcap_tee;

/* Wraps `inner`: frames it receives (CAPNET_OK) and frames it accepted
 * for transmission are appended to `w`, stamped clock(clock_ctx). The tee's
 * nic has the inner MAC and MTU. Neither inner nor w is owned. */
capnet_err capnet_pcap_tee_open(struct capnet_nic *inner, struct capnet_pcap_writer *w,
				capnet_instant (*clock)(void *ctx), void *clock_ctx, struct capnet_pcap_tee **out);
void capnet_pcap_tee_close(struct capnet_pcap_tee *t);
struct capnet_nic *capnet_pcap_tee_nic(struct capnet_pcap_tee *t);
/* Records the writer refused (the run goes on; the capture has a gap). */
uint64_t capnet_pcap_tee_errors(const struct capnet_pcap_tee *t);

#endif
