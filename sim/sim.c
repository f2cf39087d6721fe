/* The synthetic clock and the event loop: in-flight frames wait in a
 * min-heap ordered by (delivery time, scheduling order); participants are
 * polled in registration order. The clock jumps from one event to the next,
 * so a simulated hour with three events costs three instants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_private.h"

struct sim_frame *sim_frame_new(struct capnet_sim *sim, const uint8_t *data, size_t len)
{
	struct sim_frame *f;
	if (len <= SIM_FRAME_POOLED && sim->free_frames != NULL) {
		f = sim->free_frames;
		sim->free_frames = f->next_free;
	} else {
		size_t cap = len <= SIM_FRAME_POOLED ? SIM_FRAME_POOLED : len;
		f = malloc(sizeof *f + cap);
		if (f == NULL)
			return NULL;
		f->cap = cap;
	}
	f->len = len;
	if (len != 0)
		memcpy(f->data, data, len);
	return f;
}

void sim_frame_free(struct capnet_sim *sim, struct sim_frame *f)
{
	if (f == NULL)
		return;
	if (f->cap != SIM_FRAME_POOLED) {
		free(f);
		return;
	}
	f->next_free = sim->free_frames;
	sim->free_frames = f;
}

/* --- the event heap ------------------------------------------------------ */

static bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	return a->seq < b->seq;
}

static void ev_swap(struct sim_event *a, struct sim_event *b)
{
	struct sim_event t = *a;
	*a = *b;
	*b = t;
}

static bool fifo_push(struct capnet_sim *sim, const struct sim_event *ev)
{
	if (sim->fifo_len == sim->fifo_cap) {
		size_t cap = sim->fifo_cap != 0 ? sim->fifo_cap * 2 : 256;
		struct sim_event *q = malloc(cap * sizeof *q);
		if (q == NULL)
			return false;
		for (size_t i = 0; i < sim->fifo_len; i++)
			q[i] = sim->fifo[(sim->fifo_head + i) & (sim->fifo_cap - 1)];
		free(sim->fifo);
		sim->fifo = q;
		sim->fifo_cap = cap;
		sim->fifo_head = 0;
	}
	sim->fifo[(sim->fifo_head + sim->fifo_len) & (sim->fifo_cap - 1)] = *ev;
	sim->fifo_len++;
	return true;
}

static struct sim_event fifo_pop(struct capnet_sim *sim)
{
	struct sim_event ev = sim->fifo[sim->fifo_head];
	sim->fifo_head = (sim->fifo_head + 1) & (sim->fifo_cap - 1);
	sim->fifo_len--;
	return ev;
}

static const struct sim_event *fifo_first(const struct capnet_sim *sim)
{
	return sim->fifo_len != 0 ? &sim->fifo[sim->fifo_head] : NULL;
}

void sim_schedule(struct capnet_sim *sim, capnet_instant at, enum sim_event_kind kind, int port, struct sim_frame *f)
{
	/* Due now: every event already queued has a smaller seq, and every
	 * earlier FIFO entry an instant no later, so the FIFO stays sorted. */
	if (at == sim->now) {
		struct sim_event ev = {.at = at, .seq = sim->next_seq, .kind = kind, .port = port, .frame = f};
		if (fifo_push(sim, &ev)) {
			sim->next_seq++;
			return;
		}
	}
	if (sim->nheap == sim->heap_cap) {
		size_t cap = sim->heap_cap != 0 ? sim->heap_cap * 2 : 64;
		struct sim_event *h = realloc(sim->heap, cap * sizeof *h);
		if (h == NULL) {
			sim_frame_free(sim, f);
			return;
		}
		sim->heap = h;
		sim->heap_cap = cap;
	}
	size_t i = sim->nheap++;
	sim->heap[i] = (struct sim_event){.at = at, .seq = sim->next_seq++, .kind = kind, .port = port, .frame = f};
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!ev_before(&sim->heap[i], &sim->heap[parent]))
			break;
		ev_swap(&sim->heap[i], &sim->heap[parent]);
		i = parent;
	}
}

static struct sim_event ev_pop(struct capnet_sim *sim)
{
	struct sim_event top = sim->heap[0];
	sim->heap[0] = sim->heap[--sim->nheap];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < sim->nheap && ev_before(&sim->heap[l], &sim->heap[m]))
			m = l;
		if (r < sim->nheap && ev_before(&sim->heap[r], &sim->heap[m]))
			m = r;
		if (m == i)
			break;
		ev_swap(&sim->heap[i], &sim->heap[m]);
		i = m;
	}
	return top;
}

static capnet_instant ev_next_at(const struct capnet_sim *sim)
{
	capnet_instant h = sim->nheap != 0 ? sim->heap[0].at : CAPNET_INSTANT_NEVER;
	const struct sim_event *q = fifo_first(sim);
	return q != NULL && q->at < h ? q->at : h;
}

/* The next event in (at, seq) order, from the heap or the FIFO. */
static bool ev_next(struct capnet_sim *sim, capnet_instant until, struct sim_event *out)
{
	const struct sim_event *q = fifo_first(sim);
	bool heap_due = sim->nheap != 0 && sim->heap[0].at <= until;
	bool fifo_due = q != NULL && q->at <= until;
	if (heap_due && (!fifo_due || ev_before(&sim->heap[0], q)))
		*out = ev_pop(sim);
	else if (fifo_due)
		*out = fifo_pop(sim);
	else
		return false;
	return true;
}

/* Processes every frame event due now, including the ones that processing
 * schedules for now (a frame crossing an unimpaired switch). */
static void deliver_due(struct capnet_sim *sim)
{
	struct sim_event ev;
	while (ev_next(sim, sim->now, &ev)) {
		sim->stats.frames_delivered++;
		if (ev.kind == SIM_EV_TO_SWITCH)
			sim_switch_arrive(sim, ev.port, ev.frame);
		else
			sim_port_arrive(sim, ev.port, ev.frame);
	}
}

void sim_send_through(struct capnet_sim *sim, struct sim_link *l, enum sim_event_kind kind, int port, struct sim_frame *f)
{
	struct sim_link_copy c[SIM_LINK_MAX_COPIES];
	int n = sim_link_offer(l, sim->now, f->len, c);
	if (n == 0) {
		sim_frame_free(sim, f);
		return;
	}
	/* Copies are taken before any corruption: each copy flips its own bit. */
	struct sim_frame *frames[SIM_LINK_MAX_COPIES] = {f, NULL};
	for (int i = 1; i < n; i++)
		frames[i] = sim_frame_new(sim, f->data, f->len);
	for (int i = 0; i < n; i++) {
		if (frames[i] == NULL)
			continue;
		if (c[i].flip_bit >= 0)
			frames[i]->data[c[i].flip_bit / 8] ^= (uint8_t)(1u << (c[i].flip_bit % 8));
		sim_schedule(sim, c[i].at, kind, port, frames[i]);
	}
}

/* --- recording ----------------------------------------------------------- */

void sim_record(struct capnet_sim *sim, const uint8_t *frame, size_t len)
{
	if (sim->pcap == NULL)
		return;
	if (capnet_pcap_writer_write(sim->pcap, sim->now, frame, len) != CAPNET_OK) {
		sim->stats.pcap_errors++;
		snprintf(sim->pcap_err, sizeof sim->pcap_err, "%s", capnet_pcap_writer_error(sim->pcap));
	}
}

capnet_err capnet_sim_record_pcap(struct capnet_sim *sim, const char *path)
{
	if (sim == NULL)
		return CAPNET_E_INVAL;
	capnet_err e = CAPNET_OK;
	if (sim->pcap != NULL) {
		if (capnet_pcap_writer_close(sim->pcap) != CAPNET_OK) {
			sim->stats.pcap_errors++;
			snprintf(sim->pcap_err, sizeof sim->pcap_err, "pcap close failed");
			e = CAPNET_E_NIC;
		}
		sim->pcap = NULL;
	}
	if (path == NULL)
		return e;
	sim->pcap_err[0] = '\0';
	return capnet_pcap_writer_open(path, CAPNET_PCAP_SNAPLEN_MAX, &sim->pcap, sim->pcap_err, sizeof sim->pcap_err);
}

const char *capnet_sim_pcap_error(const struct capnet_sim *sim)
{
	return sim != NULL ? sim->pcap_err : "";
}

/* --- lifecycle ----------------------------------------------------------- */

struct capnet_sim *capnet_sim_create(uint64_t seed, enum capnet_sim_mode mode)
{
	struct capnet_sim *sim = calloc(1, sizeof *sim);
	if (sim == NULL)
		return NULL;
	sim->seed = seed;
	sim->mode = mode;
	sim->now = 0;
	return sim;
}

void capnet_sim_destroy(struct capnet_sim *sim)
{
	if (sim == NULL)
		return;
	capnet_sim_record_pcap(sim, NULL);
	for (size_t i = 0; i < sim->nheap; i++)
		sim_frame_free(sim, sim->heap[i].frame);
	free(sim->heap);
	while (sim->fifo_len != 0)
		sim_frame_free(sim, fifo_pop(sim).frame);
	free(sim->fifo);
	for (int i = 0; i < sim->nports; i++)
		sim_port_free(sim->ports[i]);
	while (sim->free_frames != NULL) {
		struct sim_frame *f = sim->free_frames;
		sim->free_frames = f->next_free;
		free(f);
	}
	free(sim->ports);
	free(sim->macs);
	free(sim->parts);
	free(sim);
}

capnet_instant capnet_sim_now(const struct capnet_sim *sim)
{
	return sim->now;
}

const struct capnet_sim_stats *capnet_sim_stats(const struct capnet_sim *sim)
{
	return sim != NULL ? &sim->stats : NULL;
}

/* --- participants -------------------------------------------------------- */

capnet_err capnet_sim_add_participant(struct capnet_sim *sim, capnet_sim_poll_fn poll, void *ctx)
{
	if (sim == NULL || poll == NULL)
		return CAPNET_E_INVAL;
	if (sim->nparts == sim->parts_cap) {
		size_t cap = sim->parts_cap != 0 ? sim->parts_cap * 2 : 8;
		struct sim_participant *p = realloc(sim->parts, cap * sizeof *p);
		if (p == NULL)
			return CAPNET_E_NOMEM;
		sim->parts = p;
		sim->parts_cap = cap;
	}
	/* Due now: whatever it has to say, it says at the next round. */
	sim->parts[sim->nparts++] = (struct sim_participant){.poll = poll, .ctx = ctx, .deadline = sim->now};
	return CAPNET_OK;
}

/* Removed entries are blanked, not compacted, so that removal from inside a
 * poll never shifts the participant being iterated. */
capnet_err capnet_sim_remove_participant(struct capnet_sim *sim, capnet_sim_poll_fn poll, void *ctx)
{
	if (sim == NULL || poll == NULL)
		return CAPNET_E_INVAL;
	for (size_t i = 0; i < sim->nparts; i++) {
		struct sim_participant *p = &sim->parts[i];
		if (p->poll == poll && p->ctx == ctx) {
			p->poll = NULL;
			p->ctx = NULL;
			p->deadline = CAPNET_INSTANT_NEVER;
			return CAPNET_OK;
		}
	}
	return CAPNET_E_NOTFOUND;
}

static capnet_instant participants_next(const struct capnet_sim *sim)
{
	capnet_instant next = CAPNET_INSTANT_NEVER;
	for (size_t i = 0; i < sim->nparts; i++)
		if (sim->parts[i].poll != NULL)
			next = capnet_instant_min(next, sim->parts[i].deadline);
	return next;
}

/* --- the loop ------------------------------------------------------------ */

/* One round: deliver what is due, then poll everyone. The array is
 * re-read after each call because a poll may add participants. */
static void poll_all(struct capnet_sim *sim)
{
	for (size_t i = 0; i < sim->nparts; i++) {
		capnet_sim_poll_fn fn = sim->parts[i].poll;
		void *ctx = sim->parts[i].ctx;
		if (fn == NULL)
			continue;
		capnet_instant d = fn(ctx, sim->now);
		sim->stats.polls++;
		/* unless it removed itself during the call */
		if (sim->parts[i].poll == fn && sim->parts[i].ctx == ctx)
			sim->parts[i].deadline = d;
	}
}

/* Runs rounds at the current instant until nothing more is due at it: no
 * frame event due, no participant asking to be polled again, no frame
 * injected during the polls. */
static void settle(struct capnet_sim *sim)
{
	sim->stats.instants++;
	for (int round = 0; round < CAPNET_SIM_MAX_ROUNDS; round++) {
		sim->stats.rounds++;
		deliver_due(sim);
		uint64_t rx_before = sim->rx_generation;
		poll_all(sim);
		bool again = ev_next_at(sim) <= sim->now || participants_next(sim) <= sim->now
			|| sim->rx_generation != rx_before;
		if (!again)
			return;
	}
	sim->stats.round_limit_hits++;
}

/* The next instant with something to do. After an instant that did not
 * settle, work may still be due "now": it is taken up 1 us later, so the
 * clock always moves. */
static capnet_instant next_instant(const struct capnet_sim *sim)
{
	capnet_instant next = capnet_instant_min(ev_next_at(sim), participants_next(sim));
	if (next <= sim->now && sim->now < CAPNET_INSTANT_NEVER)
		next = sim->now + 1;
	return next;
}

void capnet_sim_run_until(struct capnet_sim *sim, capnet_instant t)
{
	settle(sim);
	for (;;) {
		capnet_instant next = next_instant(sim);
		if (next > t || next == CAPNET_INSTANT_NEVER)
			break;
		sim->now = next;
		settle(sim);
	}
	if (t > sim->now)
		sim->now = t;
}

bool capnet_sim_run_until_cond(struct capnet_sim *sim, bool (*done)(void *ctx), void *ctx, capnet_instant limit)
{
	settle(sim);
	if (done(ctx))
		return true;
	for (;;) {
		capnet_instant next = next_instant(sim);
		if (next > limit || next == CAPNET_INSTANT_NEVER)
			break;
		sim->now = next;
		settle(sim);
		if (done(ctx))
			return true;
	}
	if (limit > sim->now)
		sim->now = limit;
	return done(ctx);
}
