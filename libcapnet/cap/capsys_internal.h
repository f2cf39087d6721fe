/* Private to libcapnet/cap: the tables behind capnet_capsys and the helpers
 * the served interfaces share. Nothing outside cap/ includes this. */
#ifndef CAPNET_CAP_CAPSYS_INTERNAL_H
#define CAPNET_CAP_CAPSYS_INTERNAL_H

#include "capnet/cap.h"
#include "capnet/ping_cap.h"
#include "capnet/pollable.h"

#define CAP_NONE UINT32_MAX
#define SLOT_NONE UINT16_MAX
#define CS_NONE UINT16_MAX

enum slot_state {
	SLOT_FREE = 0,
	SLOT_LIVE,    /* holds a cap */
	SLOT_REVOKED, /* held, but its cap was revoked: answers E_REVOKED until closed */
	SLOT_RETIRED, /* generation exhausted: never handed out again */
};

struct cap_slot {
	uint32_t node;      /* LIVE: index of the cap */
	uint16_t gen;       /* bumped every time the slot is freed */
	uint8_t state;      /* enum slot_state */
	uint8_t type;       /* REVOKED: the type it held (diagnostics) */
	uint16_t next_free; /* FREE: next in the cspace's free list */
};

/* One node of the derivation tree. */
struct cap_node {
	bool live;
	uint8_t type;   /* enum capnet_cap_type */
	uint8_t origin; /* enum capnet_cap_origin */
	bool owns_obj;  /* this node created obj (ops set) */
	bool released;  /* owner: obj has been released */
	uint32_t rights;
	struct capnet_scope scope;
	void *obj;
	const struct capnet_cap_objops *ops;
	int64_t aux; /* per-cap state of the served interface (Timer deadline) */
	uint32_t parent, first_child, next_sib, prev_sib;
	uint32_t depth;
	uint32_t owner; /* the node owning obj (self, or the owner a grant copied from); CAP_NONE */
	uint32_t refs;  /* owner: held caps (itself and its grant copies) naming obj */
	uint16_t holder_cs;   /* CS_NONE: closed, kept for its descendants */
	uint16_t holder_slot;
	uint32_t next_free; /* free list while !live */
};

struct capnet_cspace {
	struct capnet_capsys *sys;
	uint16_t index;
	bool live;
	char name[CAPNET_CSPACE_NAME_MAX];
	uint32_t key[4]; /* round keys of the handle permutation */
	uint32_t check;  /* the check word every handle of this cspace carries */
	struct cap_slot *slots;
	uint16_t free_head;
	uint16_t used;    /* LIVE + REVOKED */
	uint16_t retired; /* RETIRED */
	struct capnet_audit audit;
	uint32_t incarnation; /* bumped at every create: parked calls of a dead cspace die with it */
};

struct capnet_capsys {
	struct capnet_capsys_config cfg;
	struct capnet_rng rng;
	struct capnet_cspace *cspaces;
	struct cap_slot *slot_mem;
	struct cap_node *nodes;
	uint32_t node_free;
	uint32_t nodes_in_use, nodes_high;
	uint32_t cspaces_live;
	struct capnet_audit audit;
	uint64_t nomem, revoked, released;
	uint32_t incarnations;
	uint32_t destroyed; /* cspaces destroyed so far: the socket table sweeps their parked results */
	struct capnet_sockets *socks; /* sockets served through this system's caps */
	struct cap_pollset *pollsets; /* the Pollable caps' sets (cfg.max_pollables) */
	uint16_t pollset_free;
	uint16_t pollsets_in_use;
};

/* ---- cspace.c: handles and slots ---- */

void cs_init_tables(struct capnet_capsys *sys);
capnet_handle cs_handle(const struct capnet_cspace *cs, uint16_t idx);
/* OK with *idx of a LIVE slot; E_REVOKED with *idx of a REVOKED slot;
 * E_BADHANDLE otherwise. Not audited: callers decide. */
capnet_err cs_resolve(const struct capnet_cspace *cs, capnet_handle h, uint16_t *idx);
/* A free slot, not yet issued (E_NOMEM when none). */
capnet_err cs_slot_take(struct capnet_cspace *cs, uint16_t *idx);
/* Gives back a slot that cs_slot_take returned but was never issued. */
void cs_slot_untake(struct capnet_cspace *cs, uint16_t idx);
/* Frees an issued slot: its generation moves on, so old handles go stale. */
void cs_slot_free(struct capnet_cspace *cs, uint16_t idx);
/* Every live cspace, for destroy/verify. */
void cs_slot_close_all(struct capnet_cspace *cs);

/* ---- capsys.c: the tree ---- */

/* Drops the holder of a LIVE slot's cap and frees the slot; collects caps
 * nobody holds and nothing hangs from. */
void capsys_close_slot(struct capnet_cspace *cs, uint16_t idx);
/* capnet_cap_check that also hands back the node (for aux state). */
capnet_err capsys_check_node(struct capnet_cspace *cs, capnet_handle h, enum capnet_cap_type type, uint32_t rights,
			     const struct capnet_scope_req *req, struct capnet_cap_info *info, struct cap_node **node);

/* The gate a served call passes first, so that a forged or too-weak call
 * is refused (and audited) whatever its other arguments; then the
 * arguments (`args`: they are good, else CAPNET_E_INVAL). The object the
 * cap serves in *obj once the gate is passed. */
capnet_err capsys_gate(struct capnet_cspace *cs, capnet_handle h, enum capnet_cap_type type, uint32_t rights,
		       bool args, void **obj);

/* A free slot in cs and a free cap in the tree: a mint that passed its
 * checks cannot then fail, so nothing opened needs undoing. */
bool capsys_can_place(const struct capnet_cspace *cs);
/* The live cap a handle names, without auditing (for parked calls
 * re-checking their handle); NULL when closed, revoked or bad. */
struct cap_node *capsys_peek(const struct capnet_cspace *cs, capnet_handle h);

/* ---- sockets.c: the objects behind socket caps ---- */

/* PING_AUTH holds a Ping authority's bounds; PING is one session (a run). */
enum sock_kind { SOCK_FREE = 0, SOCK_TCP_LISTENER, SOCK_TCP_CONN, SOCK_UDP, SOCK_PING_AUTH, SOCK_PING };

struct cap_sock {
	uint8_t kind;
	bool closing; /* last cap gone: TCP close pending */
	uint16_t gen; /* bumped when freed: views of a freed socket see it */
	union {
		struct capnet_tcp_sock *tcp;
		struct capnet_udp_socket *udp;
		struct capnet_ping_session *ping;
	} u;
	struct capnet_ping_bounds ping_bounds; /* PING_AUTH, PING */
	struct capnet_sockets *socks;
	uint32_t owner_cs;      /* cspace id that opened it */
	uint8_t authority;      /* enum capnet_cap_type of the cap it was opened through */
	struct capnet_scope scope; /* UDP: remote scope for receive filtering */
	uint64_t scope_dropped;
	uint32_t next_free;
	/* Events since the last poll: the socket is on the table's dirty list
	 * (kept across free and reuse, so the list stays whole). */
	bool dirty;
	uint32_t next_dirty;
	uint16_t first_waiter; /* calls parked on it, linked by waiter.next_on_sock */
};

enum waiter_state { W_FREE = 0, W_PARKED, W_DONE };

struct waiter {
	uint8_t state;
	uint8_t op; /* enum capnet_park_op */
	uint16_t gen;
	struct capnet_cspace *cs;
	uint32_t incarnation;
	capnet_handle h;
	struct cap_sock *sock;
	uint16_t sock_gen;
	capnet_instant deadline;
	struct capnet_park_result res;
	uint16_t next_on_sock; /* the next call parked on the same socket */
	uint16_t heap_pos;     /* in the deadline heap (parked with a deadline), else UINT16_MAX */
	bool pending;          /* in this poll's set to evaluate */
};

struct capnet_sockets {
	struct capnet_net *net;
	struct capnet_sockets_config cfg;
	struct cap_sock *socks;
	uint32_t sock_free;
	struct waiter *waiters;
	capnet_instant last_now;
	struct capnet_sockets_stats stats;
	/* What a poll looks at: the sockets that had events (dirty list), the
	 * calls parked on them, and the calls whose deadline passed (a min-heap
	 * of the parked calls with a deadline, by deadline then index). */
	uint32_t dirty_head;
	uint16_t *pending; /* waiter indices to evaluate, max_parked of them */
	uint16_t npending;
	uint16_t *heap;    /* waiter indices, max_parked of them */
	uint16_t nheap;
	uint32_t closing;  /* sockets whose TCP close waits for a `now` */
	uint32_t seen_destroyed;     /* capsys.destroyed at the last sweep */
};

extern const struct capnet_cap_objops capnet_sock_ops;
/* The socket an object pointer names, if it is one of this system's. */
struct cap_sock *sock_of(const struct capnet_capsys *sys, void *obj);
struct cap_sock *sock_alloc(struct capnet_sockets *s, enum sock_kind kind, uint32_t owner_cs,
			    enum capnet_cap_type authority);
/* Gives back a socket that never got a cap (the open failed after it). */
void sock_unalloc(struct capnet_sockets *s, struct cap_sock *k);
/* Runs the TCP closes that wait for a `now`. */
void sockets_flush(struct capnet_sockets *s, capnet_instant now);
/* The socket had an event (a transport readiness change, a call on it, a
 * cap naming it dropped): the next poll re-evaluates the calls parked on
 * it. sockets_touch takes any cap object and ignores what is no socket. */
void sock_touch(struct cap_sock *k);
void sockets_touch(const struct capnet_capsys *sys, void *obj);
/* Tells the socket's transport to report readiness changes (sock_touch):
 * called once the socket's cap is placed. */
void sock_watch(struct cap_sock *k);
uint32_t sock_parked(const struct cap_sock *k);
/* Rights of a socket opened through `parent_rights`: the type's, GRANT only
 * if the authority had it. */
uint32_t sock_rights(enum capnet_cap_type t, uint32_t parent_rights);

/* ---- pollable.c: the sets behind Pollable caps ---- */

/* One set of the pool. `set` is bound to the cspace that minted the cap
 * (its home) and its members are handles of that cspace. */
struct cap_pollset {
	bool in_use;
	bool waiting;  /* a capnet_pollcap_wait is running on it */
	uint16_t gen;  /* bumped when freed: a wait in progress sees it */
	uint16_t next_free;
	struct capnet_capsys *sys;
	struct capnet_pollable set;
};

/* Carves the pool (and each set's member array) from what capsys_create
 * allocated; `members` holds max_pollables * pollable_members entries. */
void pollsets_init(struct capnet_capsys *sys, struct cap_pollset *sets, struct capnet_watch *members);

/* ---- audit.c ---- */

/* Counts an authority rejection (one of the five audited errors) against cs
 * (may be NULL or dead: then only the system total) and returns err. Other
 * errors pass through uncounted. */
capnet_err cap_reject(struct capnet_capsys *sys, struct capnet_cspace *cs, capnet_err err,
		      enum capnet_cap_type want);

#endif
