/* The simulator (DESIGN: sim/ and the "shuttle" NIC backend): a synthetic
 * clock, a frame shuttle that wires N ports through a virtual switch or hub,
 * and seeded link impairments. Hosted C11 (malloc); single-threaded.
 *
 * Time. The clock is a capnet_instant in microseconds that starts at 0 and
 * only moves inside capnet_sim_run_until*(). The loop jumps straight to the
 * next event -- the earliest participant deadline or in-flight frame
 * delivery -- with no idle ticks, sleeps or real time. At every instant it
 * visits it first delivers every frame due, then polls every participant (in
 * registration order), and repeats that round until nothing more is due at
 * that instant (at most CAPNET_SIM_MAX_ROUNDS rounds; then it counts
 * round_limit_hits and moves on by at least 1 us). So a frame delivered at t
 * is seen by its participant at a poll at t.
 *
 * The path of a frame. nic transmit at time t (copy in; pcap record at t)
 *   -> the port's EGRESS impairments (port -> switch)
 *   -> the switch (learns the source MAC; forwards unicast to the learned
 *      port; floods broadcast, multicast and unknown destinations to every
 *      other port; a hub always floods; a frame whose destination was learned
 *      on its own source port is filtered)
 *   -> each destination port's INGRESS impairments (switch -> port)
 *   -> the destination port's bounded RX queue (overflow drops and counts)
 *   -> nic receive copies it out.
 * Both directions of a port's cable have the same impairment model, each
 * with its own generator seeded from (sim seed, port index, direction), so
 * results are reproducible and enabling one direction never shifts the
 * other's decisions. capnet_sim_add_port() sets the egress direction;
 * capnet_sim_set_impair() sets either at any time.
 *
 * Determinism. Same seed and same inputs give byte-identical frames, the
 * same delivery times and byte-identical pcap output: ties are broken by
 * scheduling order, never by addresses, and nothing reads a real clock. */
#ifndef CAPNET_SIM_H
#define CAPNET_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/err.h"
#include "capnet/nic.h"
#include "capnet/types.h"

/* Poll rounds per instant before the loop gives up on settling and moves on. */
#define CAPNET_SIM_MAX_ROUNDS 64
/* Default bounded RX queue per port, in frames. */
#define CAPNET_SIM_RX_QUEUE_DEFAULT 256
/* Largest frame capnet_sim_inject() accepts. */
#define CAPNET_SIM_MAX_FRAME 65535
/* Probabilities are integers in parts per million: no floating point, so a
 * decision never depends on the compiler's rounding. */
#define CAPNET_SIM_PPM 1000000u

struct capnet_sim;

enum capnet_sim_mode {
	CAPNET_SIM_SWITCH, /* learning switch */
	CAPNET_SIM_HUB,    /* every frame to every other port */
};

enum capnet_sim_dir {
	CAPNET_SIM_EGRESS,  /* port -> switch: what the port transmits */
	CAPNET_SIM_INGRESS, /* switch -> port: what the port will receive */
};

/* One direction of a port's cable. Zero-initialised means a perfect link.
 * Each frame is processed in this order:
 *   1. loss:      dropped with probability loss_ppm.
 *   2. duplicate: with probability duplicate_ppm a second copy follows; each
 *                 copy then goes through steps 3-6 on its own.
 *   3. rate:      when rate_bps > 0 the cable serialises one frame at a time:
 *                 a frame of L bytes occupies it ceil(L * 8e6 / rate_bps) us
 *                 (frame bytes only: no preamble, FCS or gap) starting when
 *                 the previous frame is done; it leaves at the end. With
 *                 rate_backlog > 0 a frame that would wait longer than that
 *                 is dropped (drop-tail).
 *   4. corrupt:   with probability corrupt_ppm one uniformly chosen bit of
 *                 the frame is flipped.
 *   5. delay:     + delay + uniform [0, jitter] us. Jitter may reorder.
 *   6. reorder:   with probability reorder_ppm the frame is held back a
 *                 further reorder_gap us (1 ms when 0), so frames sent after
 *                 it overtake it. */
struct capnet_sim_impair {
	uint32_t loss_ppm;
	uint32_t duplicate_ppm;
	uint32_t corrupt_ppm;
	uint32_t reorder_ppm;
	capnet_duration reorder_gap;
	capnet_duration delay;
	capnet_duration jitter;
	uint64_t rate_bps;
	capnet_duration rate_backlog;
};

/* Every decision of one direction, counted. */
struct capnet_sim_link_stats {
	uint64_t frames_in;   /* frames offered to this direction */
	uint64_t frames_out;  /* copies passed on (duplicates included) */
	uint64_t lost;        /* step 1 */
	uint64_t duplicated;  /* step 2: extra copies made */
	uint64_t rate_queued; /* step 3: copies that waited for the serialiser */
	uint64_t rate_dropped;/* step 3: copies dropped at the backlog limit */
	uint64_t corrupted;   /* step 4 */
	uint64_t delayed;     /* step 5: copies given a non-zero delay + jitter */
	uint64_t reordered;   /* step 6 */
};

struct capnet_sim_port_stats {
	/* transmit side (nic transmit) */
	uint64_t tx_frames;      /* accepted */
	uint64_t tx_bytes;
	uint64_t tx_rejected;    /* shorter than an Ethernet header or > MTU + 18 */
	uint64_t tx_link_down;   /* refused with CAPNET_E_LINKDOWN */
	/* the switch, for frames that entered from this port */
	uint64_t sw_forwarded;   /* unicast to the one learned port */
	uint64_t sw_flooded;     /* sent to every other port */
	uint64_t sw_filtered;    /* destination learned on this same port */
	/* receive side */
	uint64_t rx_queued;      /* frames put in the RX queue (injected included) */
	uint64_t rx_injected;    /* of which by capnet_sim_inject() */
	uint64_t rx_overflow;    /* dropped: RX queue full */
	uint64_t rx_link_down;   /* dropped: arrived while the link was down */
	uint64_t rx_frames;      /* copied out by nic receive */
	uint64_t rx_nobufs;      /* consumed and dropped: caller's buffer too small */
	uint32_t rx_queue_depth; /* frames waiting now */
	uint32_t rx_queue_high;  /* high-water mark */
	struct capnet_sim_link_stats egress;
	struct capnet_sim_link_stats ingress;
};

/* The event loop, for tests that prove it does not spin. */
struct capnet_sim_stats {
	uint64_t instants;         /* distinct instants the loop settled at */
	uint64_t rounds;           /* deliver+poll rounds over all instants */
	uint64_t polls;            /* participant poll calls */
	uint64_t frames_delivered; /* in-flight frame events processed */
	uint64_t round_limit_hits; /* instants that did not settle in MAX_ROUNDS */
	uint64_t pcap_errors;      /* records the pcap writer failed to write */
};

/* A participant: a stack interface, a fixture peer or a test driver. Called
 * with the current synthetic time; does its due work (reading and writing
 * its ports' nics) and returns its next deadline, CAPNET_INSTANT_NEVER if
 * none. A deadline <= now asks to be polled again at this instant. */
typedef capnet_instant (*capnet_sim_poll_fn)(void *ctx, capnet_instant now);

/* NULL on allocation failure. */
struct capnet_sim *capnet_sim_create(uint64_t seed, enum capnet_sim_mode mode);
/* Frees every port, queued frame and participant record and closes the pcap
 * recording. Nic pointers from capnet_sim_add_port() die with it. */
void capnet_sim_destroy(struct capnet_sim *sim);

/* Adds a port (link up) and returns its nic, valid until destroy; NULL when
 * out of memory. mtu 0 means 1500. impair (may be NULL) is copied and
 * applies to the EGRESS direction. Ports are numbered 0, 1, ... in order of
 * addition; the index is stored in *port_index_out when that is not NULL. */
struct capnet_nic *capnet_sim_add_port(struct capnet_sim *sim, struct capnet_mac mac, uint16_t mtu,
	const struct capnet_sim_impair *impair, int *port_index_out);
struct capnet_nic *capnet_sim_port_nic(struct capnet_sim *sim, int port);
int capnet_sim_port_count(const struct capnet_sim *sim);

/* Replaces one direction's impairments (NULL: a perfect link). Frames
 * already in flight keep their schedule. E_INVAL for a bad port. */
capnet_err capnet_sim_set_impair(struct capnet_sim *sim, int port, enum capnet_sim_dir dir,
	const struct capnet_sim_impair *impair);
/* RX queue bound in frames (>= 1); frames already queued beyond a smaller
 * bound stay. E_INVAL for a bad port or 0. */
capnet_err capnet_sim_set_rx_queue_len(struct capnet_sim *sim, int port, uint32_t frames);
/* Link state. Down: transmit fails with CAPNET_E_LINKDOWN, frames arriving
 * for the port are dropped (rx_link_down), and the switch forgets the MACs it
 * learned there. Frames already queued or in flight are kept. */
capnet_err capnet_sim_set_link(struct capnet_sim *sim, int port, bool up);

/* Registers a participant; it is first polled at the current instant by the
 * next run call. Participants may add or remove participants, transmit and
 * inject from inside their poll. E_NOMEM on allocation failure. */
capnet_err capnet_sim_add_participant(struct capnet_sim *sim, capnet_sim_poll_fn poll, void *ctx);
/* Unregisters the first participant with this (poll, ctx); E_NOTFOUND. */
capnet_err capnet_sim_remove_participant(struct capnet_sim *sim, capnet_sim_poll_fn poll, void *ctx);

capnet_instant capnet_sim_now(const struct capnet_sim *sim);
/* Processes every event at or before t (settling the current instant first)
 * and leaves the clock at t. A t in the past only settles the current
 * instant: the clock never goes back. */
void capnet_sim_run_until(struct capnet_sim *sim, capnet_instant t);
/* Settles the current instant, then steps event by event until done(ctx)
 * holds -- the clock then stays at the instant it became true -- or the next
 * event is after limit, in which case the clock ends at limit. Returns
 * done(ctx) as last evaluated. */
bool capnet_sim_run_until_cond(struct capnet_sim *sim, bool (*done)(void *ctx), void *ctx,
	capnet_instant limit);

/* Puts a raw frame (any length 0..CAPNET_SIM_MAX_FRAME, malformed welcome)
 * straight into a port's RX queue at the current instant: no switch, no
 * impairments, but the link state and queue bound apply. It is recorded in
 * the pcap. A participant sees it at the next poll round of this instant.
 * E_INVAL for a bad port or length, E_LINKDOWN, E_NOBUFS when the queue is
 * full (counted as rx_overflow), E_NOMEM. */
capnet_err capnet_sim_inject(struct capnet_sim *sim, int port, const uint8_t *frame, size_t len);

/* Records every frame as it enters the network -- one record per accepted
 * nic transmit, stamped with the synthetic time of the transmit, before any
 * impairment (losses, copies, corruption and delays are not shown) -- and
 * every injected frame, at its injection time. Replaces an earlier
 * recording. E_NIC when the file cannot be created (the libpcap text goes to
 * capnet_sim_pcap_error()). The file is complete after capnet_sim_destroy()
 * or capnet_sim_record_pcap(sim, NULL), which stops recording. */
capnet_err capnet_sim_record_pcap(struct capnet_sim *sim, const char *path);
/* The last pcap error text, "" if none. */
const char *capnet_sim_pcap_error(const struct capnet_sim *sim);

/* NULL for a bad port. The pointer stays valid (and live) until destroy. */
const struct capnet_sim_port_stats *capnet_sim_port_stats(const struct capnet_sim *sim, int port);
const struct capnet_sim_stats *capnet_sim_stats(const struct capnet_sim *sim);

#endif
