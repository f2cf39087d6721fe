/* The packet trace object: policy, bounded record store, counters and the
 * capture decision every frame goes through while a trace is attached.
 * Traces live in a pool carved once from the caller's arena; a closed
 * trace's slot is reused under a new generation, so a reader that kept
 * (trace, generation) can always tell it is gone. A trace observes its
 * interface through the interface's tap hook (capnet/iface.h): the trace
 * depends on the interface, never the reverse. */
#include <string.h>

#include "capnet/config.h"
#include "capnet/iface.h"
#include "capnet/trace.h"
#include "capnet/wire/ethernet.h"

struct capnet_trace {
	struct capnet_trace_pool *pool;
	bool open;
	uint16_t gen;
	enum capnet_trace_state state;
	struct capnet_trace_policy policy;
	struct capnet_trace_provenance prov;
	struct capnet_trace_counters c;
	capnet_instant clock;
	struct capnet_iface *ifc; /* attached to, while capturing */
	struct capnet_iface_tap tap; /* its attachment to ifc's capture points */
	uint32_t count;           /* records held */
	struct capnet_trace_record *rec;
};

struct capnet_trace_pool {
	struct capnet_trace_pool_config cfg;
	struct capnet_trace *traces;
};

/* ---- names ---- */

const char *capnet_trace_dir_name(enum capnet_trace_dir d)
{
	switch (d) {
	case CAPNET_TRACE_DIR_RX:
		return "rx";
	case CAPNET_TRACE_DIR_TX:
		return "tx";
	case CAPNET_TRACE_DIR_BOTH:
		return "both";
	default:
		return "?";
	}
}

const char *capnet_trace_state_name(enum capnet_trace_state s)
{
	static const char *const names[] = {"capturing", "expired", "stopped", "closed"};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* ---- policy ---- */

void capnet_trace_policy_default(struct capnet_trace_policy *p, capnet_instant now, capnet_duration lifetime)
{
	memset(p, 0, sizeof *p);
	p->capacity = 16;
	p->snaplen = CAPNET_TRACE_HDR_MAX;
	p->payload = CAPNET_TRACE_HEADERS_ONLY;
	p->dir = CAPNET_TRACE_DIR_BOTH;
	p->expires = lifetime >= CAPNET_INSTANT_NEVER - now ? CAPNET_INSTANT_NEVER : now + lifetime;
}

bool capnet_trace_policy_valid(const struct capnet_trace_policy *p)
{
	return p != NULL && p->capacity >= 1 && p->snaplen >= CAPNET_ETH_HDR_LEN &&
	       p->payload == CAPNET_TRACE_HEADERS_ONLY && p->dir >= CAPNET_TRACE_DIR_RX &&
	       p->dir <= CAPNET_TRACE_DIR_BOTH && (p->protos & ~CAPNET_TRACE_P_ALL) == 0 && p->expires >= 0;
}

bool capnet_trace_policy_within(const struct capnet_trace_policy *in, const struct capnet_trace_policy *out)
{
	if (!capnet_trace_policy_valid(in) || !capnet_trace_policy_valid(out))
		return false;
	if (in->capacity > out->capacity || in->snaplen > out->snaplen || (in->dir & ~out->dir) != 0 ||
	    in->expires > out->expires)
		return false;
	if (out->protos != 0 && (in->protos == 0 || (in->protos & ~out->protos) != 0))
		return false;
	return out->port == 0 || in->port == out->port;
}

bool capnet_trace_policy_admits(const struct capnet_trace_policy *p, enum capnet_trace_dir d,
				const struct capnet_trace_class *c)
{
	if ((p->dir & d) == 0)
		return false;
	if (p->protos != 0 && (c->protos & p->protos) == 0)
		return false;
	if (p->port == 0)
		return true;
	return (c->protos & (CAPNET_TRACE_P_UDP | CAPNET_TRACE_P_TCP)) != 0 && (c->sport == p->port || c->dport == p->port);
}

/* ---- the pool ---- */

void capnet_trace_pool_config_defaults(struct capnet_trace_pool_config *cfg)
{
	if (cfg->max_traces == 0)
		cfg->max_traces = CAPNET_DEFAULT_TRACE_MAX_TRACES;
	if (cfg->records_per_trace == 0)
		cfg->records_per_trace = CAPNET_DEFAULT_TRACE_RECORDS;
}

static struct capnet_trace_pool_config effective(const struct capnet_trace_pool_config *in)
{
	struct capnet_trace_pool_config c = {0, 0};
	if (in != NULL)
		c = *in;
	capnet_trace_pool_config_defaults(&c);
	return c;
}

#define ALIGN _Alignof(max_align_t)

static size_t records_bytes(const struct capnet_trace_pool_config *c)
{
	return sizeof(struct capnet_trace_record) * (size_t)c->records_per_trace;
}

size_t capnet_trace_pool_arena_need(const struct capnet_trace_pool_config *cfg)
{
	struct capnet_trace_pool_config c = effective(cfg);
	return sizeof(struct capnet_trace_pool) + ALIGN + sizeof(struct capnet_trace) * c.max_traces + ALIGN +
	       (records_bytes(&c) + ALIGN) * c.max_traces;
}

capnet_err capnet_trace_pool_create(struct capnet_arena *arena, const struct capnet_trace_pool_config *cfg,
				    struct capnet_trace_pool **out)
{
	if (arena == NULL || out == NULL)
		return CAPNET_E_INVAL;
	*out = NULL;
	struct capnet_trace_pool_config c = effective(cfg);
	if (c.records_per_trace > UINT32_MAX / sizeof(struct capnet_trace_record))
		return CAPNET_E_INVAL;
	if (arena->size - arena->used < capnet_trace_pool_arena_need(&c))
		return CAPNET_E_NOMEM;
	struct capnet_trace_pool *pool = capnet_arena_alloc(arena, sizeof *pool, ALIGN);
	struct capnet_trace *ts = capnet_arena_alloc(arena, sizeof *ts * c.max_traces, ALIGN);
	if (pool == NULL || ts == NULL)
		return CAPNET_E_NOMEM;
	for (uint16_t i = 0; i < c.max_traces; i++) {
		ts[i].pool = pool;
		ts[i].state = CAPNET_TRACE_CLOSED;
		ts[i].rec = capnet_arena_alloc(arena, records_bytes(&c), ALIGN);
		if (ts[i].rec == NULL)
			return CAPNET_E_NOMEM;
	}
	pool->cfg = c;
	pool->traces = ts;
	*out = pool;
	return CAPNET_OK;
}

uint32_t capnet_trace_pool_records_per_trace(const struct capnet_trace_pool *pool)
{
	return pool->cfg.records_per_trace;
}

/* ---- lifetime ---- */

capnet_err capnet_trace_open(struct capnet_trace_pool *pool, struct capnet_iface *ifc,
			     const struct capnet_trace_policy *policy, const struct capnet_trace_provenance *prov,
			     capnet_instant now, struct capnet_trace **out)
{
	if (pool == NULL || ifc == NULL || out == NULL || !capnet_trace_policy_valid(policy) ||
	    policy->capacity > pool->cfg.records_per_trace)
		return CAPNET_E_INVAL;
	struct capnet_trace *t = NULL;
	for (uint16_t i = 0; i < pool->cfg.max_traces && t == NULL; i++)
		if (!pool->traces[i].open)
			t = &pool->traces[i];
	if (t == NULL)
		return CAPNET_E_NOMEM;
	if (capnet_iface_trace(ifc) != NULL)
		return CAPNET_E_INUSE;
	capnet_err e = capnet_iface_trace_attach(ifc, t);
	if (e != CAPNET_OK)
		return e; /* E_NOMEM: every tap slot of the interface is taken */
	t->open = true;
	t->state = CAPNET_TRACE_CAPTURING;
	t->policy = *policy;
	if (prov != NULL)
		t->prov = *prov;
	else
		memset(&t->prov, 0, sizeof t->prov);
	t->prov.policy = *policy;
	t->prov.reason[CAPNET_TRACE_REASON_MAX - 1] = '\0';
	t->prov.minted_by_name[sizeof t->prov.minted_by_name - 1] = '\0';
	memset(&t->c, 0, sizeof t->c);
	t->clock = now;
	t->count = 0;
	t->ifc = ifc;
	if (now >= policy->expires)
		t->state = CAPNET_TRACE_EXPIRED;
	*out = t;
	return CAPNET_OK;
}

static void detach(struct capnet_trace *t)
{
	if (t->ifc != NULL)
		capnet_iface_trace_detach(t->ifc, t);
	t->ifc = NULL;
}

void capnet_trace_close(struct capnet_trace *t)
{
	if (t == NULL || !t->open)
		return;
	detach(t);
	t->open = false;
	t->state = CAPNET_TRACE_CLOSED;
	t->count = 0;
	t->gen++;
}

void capnet_trace_stop(struct capnet_trace *t)
{
	if (t == NULL || !t->open)
		return;
	detach(t);
	if (t->state == CAPNET_TRACE_CAPTURING)
		t->state = CAPNET_TRACE_STOPPED;
}

capnet_err capnet_trace_narrow(struct capnet_trace *t, const struct capnet_trace_policy *p)
{
	if (t == NULL || !t->open || p == NULL)
		return CAPNET_E_INVAL;
	if (!capnet_trace_policy_valid(p))
		return CAPNET_E_INVAL;
	if (!capnet_trace_policy_within(p, &t->policy))
		return CAPNET_E_SCOPE;
	t->policy = *p;
	if (t->state == CAPNET_TRACE_CAPTURING && t->clock >= p->expires)
		t->state = CAPNET_TRACE_EXPIRED;
	return CAPNET_OK;
}

void capnet_trace_clear(struct capnet_trace *t)
{
	if (t != NULL && t->open)
		t->count = 0;
}

uint16_t capnet_trace_generation(const struct capnet_trace *t)
{
	return t->gen;
}

bool capnet_trace_is_open(const struct capnet_trace *t, uint16_t generation)
{
	return t != NULL && t->open && t->gen == generation;
}

void capnet_trace_info(const struct capnet_trace *t, struct capnet_trace_info *out)
{
	memset(out, 0, sizeof *out);
	out->state = t->state;
	out->policy = t->policy;
	out->prov = t->prov;
	out->counters = t->c;
	out->records = t->count;
	out->clock = t->clock;
}

capnet_err capnet_trace_record(const struct capnet_trace *t, uint32_t index, struct capnet_trace_record *out)
{
	if (t == NULL || out == NULL)
		return CAPNET_E_INVAL;
	if (!t->open || index >= t->count)
		return CAPNET_E_NOTFOUND;
	*out = t->rec[index];
	return CAPNET_OK;
}

/* ---- the attachment to an interface (its tap hook) ---- */

static void tap_frame(void *ctx, const uint8_t *frame, size_t len, enum capnet_iface_dir dir, capnet_instant now)
{
	capnet_trace_capture(ctx, dir == CAPNET_IFACE_RX ? CAPNET_TRACE_DIR_RX : CAPNET_TRACE_DIR_TX, frame, len, now);
}

static void tap_tick(void *ctx, capnet_instant now)
{
	capnet_trace_tick(ctx, now);
}

capnet_err capnet_iface_trace_attach(struct capnet_iface *ifc, struct capnet_trace *t)
{
	if (ifc == NULL || t == NULL)
		return CAPNET_E_INVAL;
	const struct capnet_iface_tap *cur = capnet_iface_tap_find(ifc, tap_frame);
	if (cur != NULL)
		return cur->ctx == t ? CAPNET_OK : CAPNET_E_INUSE;
	if (t->tap.iface == NULL) {
		t->tap.frame = tap_frame;
		t->tap.tick = tap_tick;
		t->tap.ctx = t;
	}
	return capnet_iface_tap_attach(ifc, &t->tap);
}

void capnet_iface_trace_detach(struct capnet_iface *ifc, struct capnet_trace *t)
{
	if (t != NULL)
		capnet_iface_tap_detach(ifc, &t->tap);
}

const struct capnet_trace *capnet_iface_trace(const struct capnet_iface *ifc)
{
	const struct capnet_iface_tap *cur = capnet_iface_tap_find(ifc, tap_frame);
	return cur != NULL ? cur->ctx : NULL;
}

/* ---- the capture decision ---- */

void capnet_trace_tick(struct capnet_trace *t, capnet_instant now)
{
	if (now > t->clock)
		t->clock = now;
	if (t->state == CAPNET_TRACE_CAPTURING && t->clock >= t->policy.expires)
		t->state = CAPNET_TRACE_EXPIRED;
}

capnet_instant capnet_trace_clock(const struct capnet_trace *t)
{
	return t->clock;
}

void capnet_trace_capture(struct capnet_trace *t, enum capnet_trace_dir dir, const uint8_t *frame, size_t len,
			  capnet_instant now)
{
	capnet_trace_tick(t, now);
	if (t->state != CAPNET_TRACE_CAPTURING) {
		t->c.after_expiry += t->state == CAPNET_TRACE_EXPIRED;
		return;
	}
	t->c.seen++;
	if ((t->policy.dir & dir) == 0) { /* the cheapest refusal first */
		t->c.filtered++;
		return;
	}
	/* Classify straight into the next free record, which no reader can
	 * see until it is counted; into scratch when the store is full. Only
	 * an admitted frame is counted, and only up to its header boundary. */
	struct capnet_trace_record *r = t->count < t->policy.capacity ? &t->rec[t->count] : NULL;
	struct capnet_trace_class scratch;
	struct capnet_trace_class *cls = r != NULL ? &r->cls : &scratch;
	size_t hdr = capnet_trace_classify(frame, len, cls);
	if (!capnet_trace_policy_admits(&t->policy, dir, cls)) {
		t->c.filtered++;
		return;
	}
	if (r == NULL) {
		t->c.dropped_full++;
		return;
	}
	size_t keep = hdr < t->policy.snaplen ? hdr : t->policy.snaplen;
	if (keep > CAPNET_TRACE_HDR_MAX)
		keep = CAPNET_TRACE_HDR_MAX; /* the classifier never exceeds it; belt and braces */
	/* Bytes past caplen are kept zero (the arena starts zeroed), so a
	 * reused record never shows what an earlier frame left in it. */
	if (keep < r->caplen)
		memset(r->data + keep, 0, r->caplen - keep);
	memcpy(r->data, frame, keep);
	r->seq = t->count;
	r->at = t->clock;
	r->dir = dir;
	r->orig_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	r->caplen = (uint16_t)keep;
	t->count++;
	t->c.captured++;
	if (keep < len) {
		t->c.truncated++;
		t->c.withheld_bytes += len - keep;
	}
	if (r->at >= t->policy.expires)
		t->c.admitted_after_expiry++;
}
