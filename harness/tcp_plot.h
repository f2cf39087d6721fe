/* `capnet plot`: what one TCP connection did, as series a time-sequence
 * graph draws (in the style of tcptrace's Stevens graph) and a program
 * reads (--json).
 *
 * Where the series come from. A capture (capnet_pcap_load) read frame by
 * frame through the one frame describer (capnet/wire/describe.h): no
 * second decoder. Frames the describer does not call whole TCP (ARP,
 * UDP, a cut header, a bad option list) are counted and skipped, so any
 * capture, however truncated, yields series or a clear "no TCP". A
 * connection is its 4-tuple; a SYN that arrives after both FINs or a RST
 * (a reused tuple: TIME-WAIT reuse) starts a new one.
 *
 * One direction of data. The sender's sequence numbers are relative to
 * its ISN (the SYN's seq, or the first seq seen when the capture started
 * mid-connection) and unwrapped to 64 bits; the receiver's ACKs, windows
 * and SACK blocks are on the same scale. The window is scaled by the
 * receiver's shift only when both SYNs carried the option (RFC 7323 2.2;
 * never the SYN's own window). A segment that starts below the highest
 * sequence the sender had already sent is a retransmission (tcptrace's
 * rule: a zero-window probe below the edge counts too).
 *
 * cwnd. A pcap carries no congestion window: from a capture alone the
 * series hold the flight size the wire shows (highest sequence sent minus
 * the cumulative ACK), and say so. From a simulated run the stack's own
 * cwnd and ssthresh are sampled at each poll (harness/tcp_sampler.h) and
 * attached with tcp_plot_attach_samples. */
#ifndef CAPNET_HARNESS_TCP_PLOT_H
#define CAPNET_HARNESS_TCP_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capnet/err.h"
#include "capnet/host/pcap.h"
#include "capnet/tcp.h"
#include "capnet/types.h"
#include "harness/tcp_sampler.h"

/* ---- connections ---- */

struct tcp_plot_conn {
	/* ep[0] sent the connection's first frame seen (the SYN's sender when
	 * the capture holds the handshake). */
	struct capnet_tcp_endpoint ep[2];
	uint64_t payload[2];  /* payload bytes ep[i] sent, retransmissions included */
	uint32_t segs[2];     /* segments ep[i] sent */
	capnet_instant first, last;
	bool syn[2], fin[2], rst;
	bool wscale_opt[2];   /* ep[i]'s SYN carried a window scale option */
	uint8_t wscale[2];    /* its shift, clamped to 14 (RFC 7323 2.3) */
};

struct tcp_plot_conns {
	struct tcp_plot_conn *v;
	size_t n, cap;
	uint64_t frames;      /* records in the capture */
	uint64_t tcp_frames;  /* whole TCP segments among them */
	/* Per frame: its connection (-1: not whole TCP) and which endpoint sent it. */
	int32_t *frame_conn;
	uint8_t *frame_dir;
};

/* Finds every connection of the capture. CAPNET_E_NOMEM only; a capture
 * without TCP gives n == 0. */
capnet_err tcp_plot_conns_find(const struct capnet_pcap_frames *f, struct tcp_plot_conns *out);
void tcp_plot_conns_free(struct tcp_plot_conns *c);
/* The connection that carried the most payload (either direction), the
 * first on a tie; -1 when there is none. */
int tcp_plot_conns_busiest(const struct tcp_plot_conns *c);
/* "IP:PORT-IP:PORT" (IPv6 in brackets: "[2001:db8::1]:80"), either order,
 * or an index ("0", "3"). The latest connection with that tuple; -1 when
 * none matches. */
int tcp_plot_conns_match(const struct tcp_plot_conns *c, const char *spec);
/* "192.0.2.10:49152" / "[2001:db8::1]:80" into buf (at least 56 bytes). */
const char *tcp_plot_endpoint_text(const struct capnet_tcp_endpoint *e, char *buf, size_t cap);

/* ---- the series of one direction ---- */

struct tcp_plot_seg {
	capnet_instant t;     /* relative to the connection's first frame */
	int64_t seq, end;     /* relative; end = seq + payload (+1 for SYN, FIN) */
	uint32_t len;         /* payload bytes */
	uint8_t flags;        /* CAPNET_TCP_* */
	bool rexmit;
};

struct tcp_plot_sack {
	int64_t left, right;
};

/* A segment of the receiver's (its ACK, window and SACK blocks). */
struct tcp_plot_ack {
	capnet_instant t;
	int64_t ack;          /* the cumulative ACK */
	uint32_t win;         /* the window in bytes (scaled) */
	uint8_t flags;
	uint8_t nsack;
	struct tcp_plot_sack sack[4];
};

/* SYN, FIN and RST of either side: at the sender's sequence for its own,
 * at the receiver's ACK for the receiver's. */
struct tcp_plot_mark {
	capnet_instant t;
	int64_t seq;
	char kind;            /* 'S', 'F', 'R' */
	uint8_t from_receiver;
};

/* Highest sequence sent minus the cumulative ACK, after each change. */
struct tcp_plot_flight {
	capnet_instant t;
	int64_t bytes;
};

struct tcp_plot_cwnd {
	capnet_instant t;
	uint32_t cwnd, ssthresh;
	bool recovery;
};

#define TCP_PLOT_VEC(T) \
	struct {        \
		T *v;   \
		size_t n, cap; \
	}

struct tcp_plot_series {
	int conn;             /* index among tcp_plot_conns */
	struct tcp_plot_conn c;
	int dir;              /* the sender is c.ep[dir], the receiver c.ep[1 - dir] */
	capnet_instant t0;    /* capture time of the connection's first frame */
	capnet_instant duration;
	uint32_t isn;         /* the sender's sequence number that is 0 here */
	bool isn_from_syn;    /* false: the capture started mid-connection */
	bool window_scaled;   /* both SYNs seen with the option */
	uint8_t rcv_shift;    /* the receiver's shift applied to its windows */
	int64_t max_seq;      /* highest end sent */
	uint64_t payload, rexmit_segs, rexmit_bytes;
	TCP_PLOT_VEC(struct tcp_plot_seg) segs;
	TCP_PLOT_VEC(struct tcp_plot_ack) acks;
	TCP_PLOT_VEC(struct tcp_plot_mark) marks;
	TCP_PLOT_VEC(struct tcp_plot_flight) flight;
	TCP_PLOT_VEC(struct tcp_plot_cwnd) cwnd; /* from the stack; empty for a bare capture */
};

/* The series of connection `conn`, data sent by c.ep[dir]; dir -1: the
 * direction that carried more payload (ep[0] on a tie). */
capnet_err tcp_plot_extract(const struct capnet_pcap_frames *f, const struct tcp_plot_conns *c, int conn, int dir,
			    struct tcp_plot_series *out);
/* Keeps the samples of the sender's socket (local = sender, remote =
 * receiver) that fall within the connection, on its time scale. `origin`
 * is the capture time of synthetic instant 0 (the simulator's pcap stamps
 * are its clock, so 0). */
capnet_err tcp_plot_attach_samples(struct tcp_plot_series *s, const struct tcp_sample *v, size_t n,
				   capnet_instant origin);
void tcp_plot_series_free(struct tcp_plot_series *s);

/* ---- output ---- */

enum {
	TCP_PLOT_PANEL_SEQ = 1u << 0,  /* the time-sequence graph */
	TCP_PLOT_PANEL_CWND = 1u << 1, /* cwnd/ssthresh (or the flight estimate) */
};

struct tcp_plot_view {
	unsigned panels;      /* TCP_PLOT_PANEL_*; 0: both */
	/* The time range shown, relative to the connection's start;
	 * to <= from: the whole connection. */
	capnet_instant from, to;
	const char *title;    /* NULL: the connection and direction */
};

/* A self-contained SVG (valid XML, no script, no external reference), the
 * same bytes for the same series and view. Returns 0, or -1 on a write
 * error. */
int tcp_plot_svg(FILE *out, const struct tcp_plot_series *s, const struct tcp_plot_view *v);

/* The series as one JSON object (a json_t *, for cmd_json_print). */
void *tcp_plot_json(const struct tcp_plot_series *s);
/* The connection list as a JSON array. */
void *tcp_plot_conns_json(const struct tcp_plot_conns *c);

#endif
