/* Internals shared by sim.c (clock, events, participants), shuttle.c (ports,
 * switch, RX queues) and impair.c (one direction of a cable). Not installed. */
#ifndef CAPNET_SIM_PRIVATE_H
#define CAPNET_SIM_PRIVATE_H

#include "capnet/host/pcap_writer.h"
#include "capnet/rng.h"
#include "sim/sim.h"

/* A frame owned by the simulator. Frames up to SIM_FRAME_POOLED bytes are
 * recycled through the simulator's free list instead of going back to
 * malloc: a bulk transfer moves millions of them. */
struct sim_frame {
	size_t len;
	size_t cap;
	struct sim_frame *next_free;
	uint8_t data[];
};

#define SIM_FRAME_POOLED 2048u

struct sim_frame *sim_frame_new(struct capnet_sim *sim, const uint8_t *data, size_t len);
void sim_frame_free(struct capnet_sim *sim, struct sim_frame *f);

/* --- impair.c: one direction of a port's cable -------------------------- */

struct sim_link {
	struct capnet_sim_impair cfg;
	struct capnet_xoshiro rng;
	capnet_instant busy_until; /* the serialiser is free from here on */
	struct capnet_sim_link_stats *stats;
};

/* What became of one offered frame: up to two copies, each with its arrival
 * time and the bit to flip (-1: none). */
struct sim_link_copy {
	capnet_instant at;
	int64_t flip_bit;
};

#define SIM_LINK_MAX_COPIES 2

void sim_link_init(struct sim_link *l, uint64_t seed, struct capnet_sim_link_stats *stats);
void sim_link_configure(struct sim_link *l, const struct capnet_sim_impair *cfg);
/* Decides the fate of a frame of len bytes offered at now; fills out[] and
 * returns how many copies survive (0..SIM_LINK_MAX_COPIES). */
int sim_link_offer(struct sim_link *l, capnet_instant now, size_t len, struct sim_link_copy out[SIM_LINK_MAX_COPIES]);

/* --- shuttle.c: ports and the switch ------------------------------------ */

struct sim_port {
	struct capnet_sim *sim;
	int index;
	struct capnet_nic nic;
	bool link_up;
	struct sim_link egress;
	struct sim_link ingress;
	/* RX queue: a ring of owned frames */
	struct sim_frame **rxq;
	uint32_t rxq_cap;   /* allocated slots */
	uint32_t rxq_limit; /* configured bound (<= rxq_cap) */
	uint32_t rxq_head;
	uint32_t rxq_len;
	struct capnet_sim_port_stats stats;
};

struct sim_mac_entry {
	struct capnet_mac mac;
	int port;
};

/* Frame leaves the port's egress direction and arrives at the switch. */
void sim_switch_arrive(struct capnet_sim *sim, int from_port, struct sim_frame *f);
/* Frame leaves a port's ingress direction: into the RX queue (takes f). */
void sim_port_arrive(struct capnet_sim *sim, int port, struct sim_frame *f);
void sim_port_free(struct sim_port *p);
void sim_switch_forget_port(struct capnet_sim *sim, int port);

/* --- sim.c: the clock, the event queue and the recording ---------------- */

enum sim_event_kind {
	SIM_EV_TO_SWITCH, /* through a port's egress, into the switch */
	SIM_EV_TO_PORT,   /* through a port's ingress, into its RX queue */
};

struct sim_event {
	capnet_instant at;
	uint64_t seq; /* scheduling order: breaks ties deterministically */
	enum sim_event_kind kind;
	int port;
	struct sim_frame *frame;
};

struct sim_participant {
	capnet_sim_poll_fn poll; /* NULL once removed */
	void *ctx;
	capnet_instant deadline;
};

struct capnet_sim {
	uint64_t seed;
	enum capnet_sim_mode mode;
	capnet_instant now;

	struct sim_port **ports;
	int nports;

	struct sim_mac_entry *macs;
	size_t nmacs, macs_cap;

	struct sim_event *heap;
	size_t nheap, heap_cap;
	/* Events scheduled for the instant they were scheduled at (a frame
	 * crossing an unimpaired cable) skip the heap: they are already in
	 * (at, seq) order, so a FIFO ring holds them and deliver_due merges it
	 * with the heap. The order of delivery is exactly the heap's. */
	struct sim_event *fifo;
	size_t fifo_head, fifo_len, fifo_cap; /* fifo_cap a power of two */
	struct sim_frame *free_frames; /* recycled frames of SIM_FRAME_POOLED bytes */
	uint64_t next_seq;

	struct sim_participant *parts;
	size_t nparts, parts_cap;

	/* bumped whenever a frame lands in any RX queue, so that the loop polls
	 * again after an injection made from inside a poll */
	uint64_t rx_generation;

	struct capnet_pcap_writer *pcap;
	char pcap_err[CAPNET_PCAP_ERRBUF_SIZE];

	struct capnet_sim_stats stats;
};

/* Schedules f (owned by the queue from now on). Frees f when out of memory. */
void sim_schedule(struct capnet_sim *sim, capnet_instant at, enum sim_event_kind kind, int port, struct sim_frame *f);
/* Runs one direction of a port's cable over a frame offered now: schedules
 * each surviving copy (corrupting it where decided) and frees f. */
void sim_send_through(struct capnet_sim *sim, struct sim_link *l, enum sim_event_kind kind, int port, struct sim_frame *f);
void sim_record(struct capnet_sim *sim, const uint8_t *frame, size_t len);
struct sim_port *sim_port_get(const struct capnet_sim *sim, int port);

#endif
