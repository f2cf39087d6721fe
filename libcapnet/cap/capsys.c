/* The capability system: the cap table, the derivation tree, and the
 * generic operations every served interface builds on (check, mint, grant,
 * attenuate, revoke, close). Every operation resolves and checks first and
 * changes nothing when it fails. */
#include <string.h>

#include "capnet/config.h"
#include "cap/capsys_internal.h"

/* ---- types, rights and scopes ---- */

const char *capnet_cap_type_name(enum capnet_cap_type t)
{
	static const char *const names[] = {
		"NONE",
#define CAPNET_CAP_TYPE_NAME(name, rights) #name,
		CAPNET_CAP_TYPES(CAPNET_CAP_TYPE_NAME)
#undef CAPNET_CAP_TYPE_NAME
	};
	return (unsigned)t < CAPNET_CAP__COUNT ? names[t] : "?";
}

uint32_t capnet_cap_type_rights(enum capnet_cap_type t)
{
	static const uint32_t rights[] = {
		0,
#define CAPNET_CAP_TYPE_RIGHTS(name, r) (r),
		CAPNET_CAP_TYPES(CAPNET_CAP_TYPE_RIGHTS)
#undef CAPNET_CAP_TYPE_RIGHTS
	};
	return (unsigned)t < CAPNET_CAP__COUNT ? rights[t] : 0;
}

const char *capnet_right_name(uint32_t right)
{
	static const char *const names[] = {"READ", "CONFIGURE", "MINT",   "GRANT", "BIND",
					    "CONNECT", "ACCEPT", "SEND", "RECV",  "SHUTDOWN"};
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (right == (1u << i))
			return names[i];
	return NULL;
}

static bool type_valid(enum capnet_cap_type t)
{
	return t > CAPNET_CAP_NONE && t < CAPNET_CAP__COUNT;
}

struct capnet_scope capnet_scope_full(void)
{
	struct capnet_scope s = {0, 0xffff, 0, 0, 0, 0xffff};
	return s;
}

struct capnet_scope capnet_scope_local(uint16_t lo, uint16_t hi)
{
	struct capnet_scope s = capnet_scope_full();
	s.local_lo = lo;
	s.local_hi = hi;
	return s;
}

struct capnet_scope capnet_scope_remote(capnet_ip4addr addr, uint8_t prefix, uint16_t lo, uint16_t hi)
{
	struct capnet_scope s = capnet_scope_full();
	s.remote_addr = addr;
	s.remote_prefix = prefix;
	s.remote_lo = lo;
	s.remote_hi = hi;
	return s;
}

bool capnet_scope_valid(const struct capnet_scope *s)
{
	return s->local_lo <= s->local_hi && s->remote_lo <= s->remote_hi && s->remote_prefix <= 32 &&
	       (s->remote_addr & ~capnet_ip4_mask(s->remote_prefix)) == 0;
}

bool capnet_scope_within(const struct capnet_scope *in, const struct capnet_scope *out)
{
	return in->local_lo >= out->local_lo && in->local_hi <= out->local_hi && in->remote_lo >= out->remote_lo &&
	       in->remote_hi <= out->remote_hi && in->remote_prefix >= out->remote_prefix &&
	       (in->remote_addr & capnet_ip4_mask(out->remote_prefix)) == out->remote_addr;
}

bool capnet_scope_allows(const struct capnet_scope *s, const struct capnet_scope_req *req)
{
	if ((req->what & CAPNET_SCOPE_REQ_LOCAL) &&
	    (req->local_port < s->local_lo || req->local_port > s->local_hi))
		return false;
	if ((req->what & CAPNET_SCOPE_REQ_REMOTE) &&
	    (req->remote_port < s->remote_lo || req->remote_port > s->remote_hi ||
	     (req->remote_addr & capnet_ip4_mask(s->remote_prefix)) != s->remote_addr))
		return false;
	return true;
}

/* ---- creation ---- */

void capnet_capsys_config_defaults(struct capnet_capsys_config *cfg)
{
	if (cfg->max_cspaces == 0)
		cfg->max_cspaces = CAPNET_DEFAULT_CAP_MAX_CSPACES;
	if (cfg->slots_per_cspace == 0)
		cfg->slots_per_cspace = CAPNET_DEFAULT_CAP_SLOTS_PER_CSPACE;
	if (cfg->slots_per_cspace == SLOT_NONE)
		cfg->slots_per_cspace = SLOT_NONE - 1; /* SLOT_NONE ends free lists */
	if (cfg->max_cspaces == CS_NONE)
		cfg->max_cspaces = CS_NONE - 1;
	if (cfg->max_caps == 0)
		cfg->max_caps = CAPNET_DEFAULT_CAP_MAX_CAPS;
	if (cfg->max_caps == CAP_NONE)
		cfg->max_caps = CAP_NONE - 1;
	if (cfg->max_pollables == 0)
		cfg->max_pollables = CAPNET_DEFAULT_CAP_MAX_POLLABLES;
	if (cfg->max_pollables == SLOT_NONE)
		cfg->max_pollables = SLOT_NONE - 1; /* SLOT_NONE ends the free list */
	if (cfg->pollable_members == 0)
		cfg->pollable_members = CAPNET_DEFAULT_CAP_POLLABLE_MEMBERS;
}

static struct capnet_capsys_config effective(const struct capnet_capsys_config *cfg)
{
	struct capnet_capsys_config c;
	memset(&c, 0, sizeof c);
	if (cfg != NULL)
		c = *cfg;
	capnet_capsys_config_defaults(&c);
	return c;
}

#define ALIGN _Alignof(max_align_t)

size_t capnet_capsys_arena_need(const struct capnet_capsys_config *cfg)
{
	struct capnet_capsys_config c = effective(cfg);
	return sizeof(struct capnet_capsys) + ALIGN + (sizeof(struct capnet_cspace) * c.max_cspaces + ALIGN) +
	       (sizeof(struct cap_slot) * c.max_cspaces * (size_t)c.slots_per_cspace + ALIGN) +
	       (sizeof(struct cap_node) * (size_t)c.max_caps + ALIGN) +
	       (sizeof(struct cap_pollset) * c.max_pollables + ALIGN) +
	       (sizeof(struct capnet_watch) * c.max_pollables * (size_t)c.pollable_members + ALIGN);
}

capnet_err capnet_capsys_create(struct capnet_arena *arena, const struct capnet_capsys_config *cfg,
				struct capnet_rng rng, struct capnet_capsys **out)
{
	if (arena == NULL || out == NULL || rng.next == NULL)
		return CAPNET_E_INVAL;
	*out = NULL;
	struct capnet_capsys_config c = effective(cfg);
	/* Everything or nothing: check the whole need before carving. */
	if (arena->size - arena->used < capnet_capsys_arena_need(&c))
		return CAPNET_E_NOMEM;
	struct capnet_capsys *sys = capnet_arena_alloc(arena, sizeof *sys, ALIGN);
	struct capnet_cspace *css = capnet_arena_alloc(arena, sizeof *css * c.max_cspaces, ALIGN);
	struct cap_slot *slots =
		capnet_arena_alloc(arena, sizeof *slots * c.max_cspaces * (size_t)c.slots_per_cspace, ALIGN);
	struct cap_node *nodes = capnet_arena_alloc(arena, sizeof *nodes * (size_t)c.max_caps, ALIGN);
	struct cap_pollset *psets = capnet_arena_alloc(arena, sizeof *psets * c.max_pollables, ALIGN);
	struct capnet_watch *members =
		capnet_arena_alloc(arena, sizeof *members * c.max_pollables * (size_t)c.pollable_members, ALIGN);
	if (sys == NULL || css == NULL || slots == NULL || nodes == NULL || psets == NULL || members == NULL)
		return CAPNET_E_NOMEM;
	sys->cfg = c;
	sys->rng = rng;
	sys->cspaces = css;
	sys->slot_mem = slots;
	sys->nodes = nodes;
	sys->node_free = CAP_NONE;
	for (uint32_t i = c.max_caps; i > 0; i--) {
		nodes[i - 1].live = false;
		nodes[i - 1].next_free = sys->node_free;
		sys->node_free = i - 1;
	}
	cs_init_tables(sys);
	pollsets_init(sys, psets, members);
	*out = sys;
	return CAPNET_OK;
}

/* ---- the tree ---- */

static uint32_t node_take(struct capnet_capsys *sys)
{
	uint32_t n = sys->node_free;
	if (n == CAP_NONE)
		return CAP_NONE;
	struct cap_node *nd = &sys->nodes[n];
	sys->node_free = nd->next_free;
	memset(nd, 0, sizeof *nd);
	nd->live = true;
	nd->parent = nd->first_child = nd->next_sib = nd->prev_sib = nd->next_free = CAP_NONE;
	nd->holder_cs = CS_NONE;
	nd->holder_slot = SLOT_NONE;
	nd->aux = CAPNET_INSTANT_NEVER;
	nd->owner = CAP_NONE;
	sys->nodes_in_use++;
	if (sys->nodes_in_use > sys->nodes_high)
		sys->nodes_high = sys->nodes_in_use;
	return n;
}

static void link_child(struct capnet_capsys *sys, uint32_t child, uint32_t parent)
{
	struct cap_node *c = &sys->nodes[child];
	c->parent = parent;
	if (parent == CAP_NONE) {
		c->depth = 0;
		return;
	}
	struct cap_node *p = &sys->nodes[parent];
	c->depth = p->depth + 1;
	c->next_sib = p->first_child;
	c->prev_sib = CAP_NONE;
	if (p->first_child != CAP_NONE)
		sys->nodes[p->first_child].prev_sib = child;
	p->first_child = child;
}

static void unlink_node(struct capnet_capsys *sys, uint32_t n)
{
	struct cap_node *nd = &sys->nodes[n];
	if (nd->prev_sib != CAP_NONE)
		sys->nodes[nd->prev_sib].next_sib = nd->next_sib;
	else if (nd->parent != CAP_NONE)
		sys->nodes[nd->parent].first_child = nd->next_sib;
	if (nd->next_sib != CAP_NONE)
		sys->nodes[nd->next_sib].prev_sib = nd->prev_sib;
	nd->parent = nd->next_sib = nd->prev_sib = CAP_NONE;
}

/* An object lives while some held cap names it: its owner or a grant copy
 * of it (copies are always below the owner). Caps kept in the tree only for
 * their descendants, and caps of other objects minted below (an accepted
 * connection below its listener), do not keep it: closing a listener stops
 * the listening even while its connections go on. */
static void obj_release(struct capnet_capsys *sys, struct cap_node *owner)
{
	if (owner->released)
		return;
	owner->released = true;
	sys->released++;
	if (owner->ops != NULL && owner->ops->release != NULL)
		owner->ops->release(owner->obj);
}

/* A node stops holding (closed, or revoked while held). */
static void obj_unhold(struct capnet_capsys *sys, struct cap_node *nd)
{
	if (nd->owner == CAP_NONE)
		return;
	struct cap_node *o = &sys->nodes[nd->owner];
	/* A call parked through this cap (closed, revoked, its cspace gone)
	 * must see it at the next poll. */
	sockets_touch(sys, o->obj);
	if (--o->refs == 0)
		obj_release(sys, o);
}

/* Unlinks a childless node and returns it to the pool. */
static void node_free(struct capnet_capsys *sys, uint32_t n)
{
	struct cap_node *nd = &sys->nodes[n];
	unlink_node(sys, n);
	if (nd->holder_cs != CS_NONE)
		obj_unhold(sys, nd);
	if (nd->owns_obj)
		obj_release(sys, nd); /* no-op: unheld and copy-free by now */
	memset(nd, 0, sizeof *nd);
	nd->live = false;
	nd->next_free = sys->node_free;
	sys->node_free = n;
	sys->nodes_in_use--;
}

/* Frees, walking upwards, every cap that nobody holds and nothing hangs
 * from (a closed cap was kept only for its descendants). */
static void collect(struct capnet_capsys *sys, uint32_t n)
{
	while (n != CAP_NONE) {
		struct cap_node *nd = &sys->nodes[n];
		if (nd->holder_cs != CS_NONE || nd->first_child != CAP_NONE)
			return;
		uint32_t p = nd->parent;
		node_free(sys, n);
		n = p;
	}
}

/* Revokes `root` and every cap below it, leaves first (sockets before their
 * listener, so objects are released children-first). Each holder's slot
 * turns REVOKED. Iterative: the tree can be as deep as the pool. */
static void revoke_subtree(struct capnet_capsys *sys, uint32_t root)
{
	uint32_t n = root;
	for (;;) {
		while (sys->nodes[n].first_child != CAP_NONE)
			n = sys->nodes[n].first_child;
		struct cap_node *nd = &sys->nodes[n];
		uint32_t p = nd->parent;
		if (nd->holder_cs != CS_NONE) {
			struct cap_slot *s = &sys->cspaces[nd->holder_cs].slots[nd->holder_slot];
			s->state = SLOT_REVOKED;
			s->node = CAP_NONE;
			s->type = nd->type;
		}
		sys->revoked++;
		node_free(sys, n); /* leaves first: copies go before their owner */
		if (n == root)
			return;
		n = p;
	}
}

void capsys_close_slot(struct capnet_cspace *cs, uint16_t idx)
{
	struct capnet_capsys *sys = cs->sys;
	uint32_t n = cs->slots[idx].node;
	cs_slot_free(cs, idx);
	sys->nodes[n].holder_cs = CS_NONE;
	sys->nodes[n].holder_slot = SLOT_NONE;
	obj_unhold(sys, &sys->nodes[n]);
	collect(sys, n);
}

/* Places a new cap in a free slot of `cs`. Nothing is allocated unless both
 * a slot and a node are available. */
static capnet_err place(struct capnet_cspace *cs, enum capnet_cap_type type, uint32_t rights,
			const struct capnet_scope *scope, void *obj, const struct capnet_cap_objops *ops,
			uint32_t owner, uint32_t parent, enum capnet_cap_origin origin, capnet_handle *out)
{
	struct capnet_capsys *sys = cs->sys;
	uint16_t idx;
	if (cs_slot_take(cs, &idx) != CAPNET_OK) {
		sys->nomem++;
		return CAPNET_E_NOMEM;
	}
	uint32_t n = node_take(sys);
	if (n == CAP_NONE) {
		cs_slot_untake(cs, idx);
		sys->nomem++;
		return CAPNET_E_NOMEM;
	}
	struct cap_node *nd = &sys->nodes[n];
	nd->type = (uint8_t)type;
	nd->origin = (uint8_t)origin;
	nd->rights = rights;
	nd->scope = *scope;
	nd->obj = obj;
	nd->ops = ops;
	nd->owns_obj = ops != NULL;
	nd->owner = ops != NULL ? n : owner;
	if (nd->owner != CAP_NONE)
		sys->nodes[nd->owner].refs++;
	nd->holder_cs = cs->index;
	nd->holder_slot = idx;
	link_child(sys, n, parent);
	struct cap_slot *s = &cs->slots[idx];
	s->state = SLOT_LIVE;
	s->node = n;
	s->type = (uint8_t)type;
	cs->used++;
	*out = cs_handle(cs, idx);
	return CAPNET_OK;
}

static void fill_info(const struct capnet_capsys *sys, uint32_t n, struct capnet_cap_info *out)
{
	const struct cap_node *nd = &sys->nodes[n];
	out->type = (enum capnet_cap_type)nd->type;
	out->rights = nd->rights;
	out->scope = nd->scope;
	out->origin = (enum capnet_cap_origin)nd->origin;
	out->parent_type = nd->parent == CAP_NONE ? CAPNET_CAP_NONE
						 : (enum capnet_cap_type)sys->nodes[nd->parent].type;
	out->depth = nd->depth;
	out->obj = nd->obj;
	out->cap_id = n;
}

/* Handle resolution, audited. On OK *n is the live cap. */
static capnet_err resolve(struct capnet_cspace *cs, capnet_handle h, enum capnet_cap_type want, uint16_t *idx,
			  uint32_t *n)
{
	if (cs == NULL)
		return CAPNET_E_INVAL;
	capnet_err e = cs_resolve(cs, h, idx);
	if (e != CAPNET_OK)
		return cap_reject(cs->sys, cs, e, want);
	*n = cs->slots[*idx].node;
	return CAPNET_OK;
}

bool capsys_can_place(const struct capnet_cspace *cs)
{
	return cs->live && cs->free_head != SLOT_NONE && cs->sys->node_free != CAP_NONE;
}

struct cap_node *capsys_peek(const struct capnet_cspace *cs, capnet_handle h)
{
	uint16_t idx;
	if (cs_resolve(cs, h, &idx) != CAPNET_OK)
		return NULL;
	return &cs->sys->nodes[cs->slots[idx].node];
}

/* ---- the operations ---- */

capnet_err capsys_check_node(struct capnet_cspace *cs, capnet_handle h, enum capnet_cap_type type, uint32_t rights,
			     const struct capnet_scope_req *req, struct capnet_cap_info *info, struct cap_node **node)
{
	uint16_t idx = 0;
	uint32_t n = CAP_NONE;
	capnet_err e = resolve(cs, h, type, &idx, &n);
	if (e != CAPNET_OK)
		return e;
	struct cap_node *nd = &cs->sys->nodes[n];
	if (type != CAPNET_CAP_NONE && nd->type != type)
		return cap_reject(cs->sys, cs, CAPNET_E_WRONGTYPE, type);
	if ((nd->rights & rights) != rights)
		return cap_reject(cs->sys, cs, CAPNET_E_RIGHTS, type);
	if (req != NULL && !capnet_scope_allows(&nd->scope, req))
		return cap_reject(cs->sys, cs, CAPNET_E_SCOPE, type);
	if (info != NULL)
		fill_info(cs->sys, n, info);
	if (node != NULL)
		*node = nd;
	return CAPNET_OK;
}

capnet_err capnet_cap_check(struct capnet_cspace *cs, capnet_handle h, enum capnet_cap_type type,
			    uint32_t rights, const struct capnet_scope_req *req, struct capnet_cap_info *out)
{
	return capsys_check_node(cs, h, type, rights, req, out, NULL);
}

capnet_err capsys_gate(struct capnet_cspace *cs, capnet_handle h, enum capnet_cap_type type, uint32_t rights,
			bool args, void **obj)
{
	struct capnet_cap_info info;
	capnet_err e = capnet_cap_check(cs, h, type, rights, NULL, &info);
	if (e != CAPNET_OK)
		return e;
	*obj = info.obj;
	return args ? CAPNET_OK : CAPNET_E_INVAL;
}

capnet_err capnet_cap_mint_root(struct capnet_cspace *cs, enum capnet_cap_type type, uint32_t rights,
				const struct capnet_scope *scope, void *obj, const struct capnet_cap_objops *ops,
				capnet_handle *out)
{
	if (cs == NULL || !cs->live || out == NULL || !type_valid(type) ||
	    (rights & ~capnet_cap_type_rights(type)) != 0)
		return CAPNET_E_INVAL;
	struct capnet_scope full = capnet_scope_full();
	if (scope == NULL)
		scope = &full;
	if (!capnet_scope_valid(scope))
		return CAPNET_E_INVAL;
	return place(cs, type, rights, scope, obj, ops, CAP_NONE, CAP_NONE, CAPNET_ORIGIN_ROOT, out);
}

/* The type graph: which interface may create which below it, and the right
 * that takes. Nothing else can be minted, whoever calls, so a read-only cap
 * (which has no edge) can never become the parent of an acting one. */
static const struct mint_edge {
	uint8_t parent, child;
	uint32_t need;
} mint_edges[] = {
	{CAPNET_CAP_NETWORK_MANAGER, CAPNET_CAP_NIC, CAPNET_RIGHT_MINT},
	{CAPNET_CAP_NETWORK_MANAGER, CAPNET_CAP_TCP_LISTEN_AUTHORITY, CAPNET_RIGHT_MINT},
	{CAPNET_CAP_NETWORK_MANAGER, CAPNET_CAP_TCP_CONNECT_AUTHORITY, CAPNET_RIGHT_MINT},
	{CAPNET_CAP_NETWORK_MANAGER, CAPNET_CAP_UDP_SOCKET, CAPNET_RIGHT_MINT},
	{CAPNET_CAP_NETWORK_MANAGER, CAPNET_CAP_DNS_RESOLVER, CAPNET_RIGHT_MINT},
	{CAPNET_CAP_NETWORK_MANAGER, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_MINT},
	{CAPNET_CAP_NETWORK_MANAGER, CAPNET_CAP_TRANSPORT_STATUS, CAPNET_RIGHT_MINT},
	{CAPNET_CAP_NETWORK_MANAGER, CAPNET_CAP_PACKET_TRACE, CAPNET_RIGHT_MINT},
	{CAPNET_CAP_NETWORK_MANAGER, CAPNET_CAP_TIMER, CAPNET_RIGHT_MINT},
	{CAPNET_CAP_TCP_LISTEN_AUTHORITY, CAPNET_CAP_TCP_LISTENER, CAPNET_RIGHT_BIND},
	{CAPNET_CAP_TCP_LISTENER, CAPNET_CAP_TCP_SOCKET, CAPNET_RIGHT_ACCEPT},
	{CAPNET_CAP_TCP_CONNECT_AUTHORITY, CAPNET_CAP_TCP_SOCKET, CAPNET_RIGHT_CONNECT},
	{CAPNET_CAP_UDP_SOCKET, CAPNET_CAP_UDP_SOCKET, CAPNET_RIGHT_BIND},
	{CAPNET_CAP_TCP_LISTENER, CAPNET_CAP_TRANSPORT_STATUS, CAPNET_RIGHT_READ},
	{CAPNET_CAP_TCP_SOCKET, CAPNET_CAP_TRANSPORT_STATUS, CAPNET_RIGHT_READ},
	{CAPNET_CAP_PACKET_TRACE, CAPNET_CAP_TRACE_READER, CAPNET_RIGHT_MINT},
	/* Waiting is reading time: whoever may read a Timer may wait, and the
	 * Pollable adds no authority (it only watches caps its cspace holds). */
	{CAPNET_CAP_TIMER, CAPNET_CAP_POLLABLE, CAPNET_RIGHT_READ},
	/* Ping: an authority with bounds, and below it one session per run. */
	{CAPNET_CAP_NETWORK_MANAGER, CAPNET_CAP_PING, CAPNET_RIGHT_MINT},
	{CAPNET_CAP_PING, CAPNET_CAP_PING, CAPNET_RIGHT_SEND},
};

uint32_t capnet_cap_mint_right(enum capnet_cap_type parent, enum capnet_cap_type child)
{
	for (size_t i = 0; i < sizeof mint_edges / sizeof mint_edges[0]; i++)
		if (mint_edges[i].parent == parent && mint_edges[i].child == child)
			return mint_edges[i].need;
	return 0;
}

capnet_err capnet_cap_mint(struct capnet_cspace *cs, capnet_handle parent, const struct capnet_cap_mint_args *a,
			   capnet_handle *out)
{
	if (cs == NULL || a == NULL || out == NULL)
		return CAPNET_E_INVAL;
	struct cap_node *p;
	capnet_err e = capsys_check_node(cs, parent, a->parent_type, a->need_rights, NULL, NULL, &p);
	if (e != CAPNET_OK)
		return e;
	uint32_t edge = capnet_cap_mint_right((enum capnet_cap_type)p->type, a->type);
	if (edge == 0)
		return cap_reject(cs->sys, cs, CAPNET_E_WRONGTYPE, a->parent_type);
	if ((p->rights & edge) != edge)
		return cap_reject(cs->sys, cs, CAPNET_E_RIGHTS, a->parent_type);
	if (a->req != NULL && !capnet_scope_allows(&p->scope, a->req))
		return cap_reject(cs->sys, cs, CAPNET_E_SCOPE, a->parent_type);
	if ((a->rights & ~capnet_cap_type_rights(a->type)) != 0)
		return CAPNET_E_INVAL;
	const struct capnet_scope *scope = a->scope != NULL ? a->scope : &p->scope;
	if (!capnet_scope_valid(scope))
		return CAPNET_E_INVAL;
	if (!capnet_scope_within(scope, &p->scope))
		return cap_reject(cs->sys, cs, CAPNET_E_SCOPE, a->parent_type);
	struct capnet_scope copy = *scope;
	return place(cs, a->type, a->rights, &copy, a->obj, a->ops, CAP_NONE, (uint32_t)(p - cs->sys->nodes),
		     CAPNET_ORIGIN_MINT, out);
}

capnet_err capnet_cap_grant(struct capnet_cspace *from, capnet_handle h, struct capnet_cspace *to, uint32_t rights,
			    const struct capnet_scope *scope, capnet_handle *out)
{
	if (from == NULL || out == NULL)
		return CAPNET_E_INVAL;
	struct cap_node *p;
	capnet_err e = capsys_check_node(from, h, CAPNET_CAP_NONE, CAPNET_RIGHT_GRANT, NULL, NULL, &p);
	if (e != CAPNET_OK)
		return e;
	if ((rights & ~p->rights) != 0)
		return cap_reject(from->sys, from, CAPNET_E_RIGHTS, CAPNET_CAP_NONE);
	if (scope != NULL && !capnet_scope_valid(scope))
		return CAPNET_E_INVAL;
	if (scope != NULL && !capnet_scope_within(scope, &p->scope))
		return cap_reject(from->sys, from, CAPNET_E_SCOPE, CAPNET_CAP_NONE);
	if (to == NULL || !to->live || to->sys != from->sys)
		return CAPNET_E_INVAL;
	struct capnet_scope copy = scope != NULL ? *scope : p->scope;
	/* The copy shares the object and holds it alive like its owner does,
	 * and starts with the cap's own state (a view's generation, a Timer's
	 * deadline), from then on its own. */
	e = place(to, (enum capnet_cap_type)p->type, rights, &copy, p->obj, NULL, p->owner,
		  (uint32_t)(p - from->sys->nodes), CAPNET_ORIGIN_GRANT, out);
	if (e == CAPNET_OK)
		capsys_peek(to, *out)->aux = p->aux;
	return e;
}

capnet_err capnet_cap_attenuate(struct capnet_cspace *cs, capnet_handle h, uint32_t rights,
				const struct capnet_scope *scope)
{
	struct cap_node *nd;
	capnet_err e = capsys_check_node(cs, h, CAPNET_CAP_NONE, 0, NULL, NULL, &nd);
	if (e != CAPNET_OK)
		return e;
	if ((rights & ~nd->rights) != 0)
		return cap_reject(cs->sys, cs, CAPNET_E_RIGHTS, CAPNET_CAP_NONE);
	if (scope != NULL && !capnet_scope_valid(scope))
		return CAPNET_E_INVAL;
	if (scope != NULL && !capnet_scope_within(scope, &nd->scope))
		return cap_reject(cs->sys, cs, CAPNET_E_SCOPE, CAPNET_CAP_NONE);
	nd->rights = rights;
	if (scope != NULL)
		nd->scope = *scope;
	return CAPNET_OK;
}

capnet_err capnet_cap_revoke(struct capnet_cspace *cs, capnet_handle h)
{
	uint16_t idx = 0;
	uint32_t n = CAP_NONE;
	capnet_err e = resolve(cs, h, CAPNET_CAP_NONE, &idx, &n);
	if (e != CAPNET_OK)
		return e;
	uint32_t parent = cs->sys->nodes[n].parent;
	revoke_subtree(cs->sys, n);
	collect(cs->sys, parent);
	return CAPNET_OK;
}

capnet_err capnet_cap_revoke_derived(struct capnet_cspace *cs, capnet_handle h)
{
	uint16_t idx = 0;
	uint32_t n = CAP_NONE;
	capnet_err e = resolve(cs, h, CAPNET_CAP_NONE, &idx, &n);
	if (e != CAPNET_OK)
		return e;
	while (cs->sys->nodes[n].first_child != CAP_NONE)
		revoke_subtree(cs->sys, cs->sys->nodes[n].first_child);
	return CAPNET_OK;
}

capnet_err capnet_cap_close(struct capnet_cspace *cs, capnet_handle h)
{
	if (cs == NULL)
		return CAPNET_E_INVAL;
	uint16_t idx;
	capnet_err e = cs_resolve(cs, h, &idx);
	if (e == CAPNET_E_REVOKED) {
		cs_slot_free(cs, idx);
		return CAPNET_OK;
	}
	if (e != CAPNET_OK)
		return cap_reject(cs->sys, cs, e, CAPNET_CAP_NONE);
	capsys_close_slot(cs, idx);
	return CAPNET_OK;
}

capnet_err capnet_cap_inspect(struct capnet_cspace *cs, capnet_handle h, struct capnet_cap_info *out)
{
	return capsys_check_node(cs, h, CAPNET_CAP_NONE, 0, NULL, out, NULL);
}

/* ---- accounting and self-check ---- */

void capnet_capsys_stats(const struct capnet_capsys *sys, struct capnet_capsys_stats *out)
{
	memset(out, 0, sizeof *out);
	out->cspaces_live = sys->cspaces_live;
	out->caps_in_use = sys->nodes_in_use;
	out->caps_high_water = sys->nodes_high;
	out->caps_capacity = sys->cfg.max_caps;
	out->nomem = sys->nomem;
	out->revoked = sys->revoked;
	out->released = sys->released;
	for (uint16_t c = 0; c < sys->cfg.max_cspaces; c++) {
		const struct capnet_cspace *cs = &sys->cspaces[c];
		out->slots_retired += cs->retired;
		if (!cs->live)
			continue;
		for (uint16_t i = 0; i < sys->cfg.slots_per_cspace; i++) {
			out->slots_in_use += cs->slots[i].state == SLOT_LIVE || cs->slots[i].state == SLOT_REVOKED;
			out->slots_revoked += cs->slots[i].state == SLOT_REVOKED;
		}
	}
	for (uint32_t n = 0; n < sys->cfg.max_caps; n++)
		out->caps_closed_kept += sys->nodes[n].live && sys->nodes[n].holder_cs == CS_NONE;
}

size_t capnet_capsys_caps(const struct capnet_capsys *sys, struct capnet_cap_entry *out, size_t max)
{
	size_t count = 0;
	for (uint32_t n = 0; n < sys->cfg.max_caps; n++) {
		const struct cap_node *nd = &sys->nodes[n];
		if (!nd->live)
			continue;
		if (count < max) {
			fill_info(sys, n, &out[count].info);
			out[count].owner = nd->holder_cs == CS_NONE ? 0 : (uint32_t)nd->holder_cs + 1;
			out[count].parent_id = nd->parent;
		}
		count++;
	}
	return count;
}

static bool verify_node(const struct capnet_capsys *sys, uint32_t n)
{
	const struct cap_node *nd = &sys->nodes[n];
	uint32_t cap = sys->cfg.max_caps;
	if (!type_valid((enum capnet_cap_type)nd->type) ||
	    (nd->rights & ~capnet_cap_type_rights((enum capnet_cap_type)nd->type)) != 0 ||
	    !capnet_scope_valid(&nd->scope))
		return false;
	if (nd->parent == CAP_NONE) {
		if (nd->depth != 0 || nd->origin != CAPNET_ORIGIN_ROOT || nd->prev_sib != CAP_NONE ||
		    nd->next_sib != CAP_NONE)
			return false;
	} else {
		if (nd->parent >= cap || !sys->nodes[nd->parent].live || nd->depth != sys->nodes[nd->parent].depth + 1 ||
		    nd->origin == CAPNET_ORIGIN_ROOT)
			return false;
		if (nd->prev_sib == CAP_NONE && sys->nodes[nd->parent].first_child != n)
			return false;
	}
	if (nd->prev_sib != CAP_NONE &&
	    (nd->prev_sib >= cap || sys->nodes[nd->prev_sib].next_sib != n || sys->nodes[nd->prev_sib].parent != nd->parent))
		return false;
	if (nd->next_sib != CAP_NONE &&
	    (nd->next_sib >= cap || sys->nodes[nd->next_sib].prev_sib != n || sys->nodes[nd->next_sib].parent != nd->parent))
		return false;
	if (nd->first_child != CAP_NONE &&
	    (nd->first_child >= cap || sys->nodes[nd->first_child].parent != n ||
	     sys->nodes[nd->first_child].prev_sib != CAP_NONE))
		return false;
	if (nd->owner != CAP_NONE) {
		if (nd->owner >= cap || !sys->nodes[nd->owner].live || !sys->nodes[nd->owner].owns_obj ||
		    sys->nodes[nd->owner].obj != nd->obj)
			return false;
		if (nd->owns_obj != (nd->owner == n))
			return false;
	}
	if (nd->owns_obj && nd->released != (nd->refs == 0))
		return false;
	if (nd->holder_cs == CS_NONE)
		return nd->first_child != CAP_NONE; /* kept only while something hangs from it */
	if (nd->holder_cs >= sys->cfg.max_cspaces || nd->holder_slot >= sys->cfg.slots_per_cspace)
		return false;
	const struct capnet_cspace *cs = &sys->cspaces[nd->holder_cs];
	const struct cap_slot *s = &cs->slots[nd->holder_slot];
	return cs->live && s->state == SLOT_LIVE && s->node == n && s->type == nd->type;
}

static bool verify_cspace(const struct capnet_capsys *sys, const struct capnet_cspace *cs)
{
	uint16_t nslots = sys->cfg.slots_per_cspace;
	uint32_t used = 0, retired = 0, free = 0;
	for (uint16_t i = 0; i < nslots; i++) {
		const struct cap_slot *s = &cs->slots[i];
		switch (s->state) {
		case SLOT_LIVE:
			if (!cs->live || s->node >= sys->cfg.max_caps || !sys->nodes[s->node].live ||
			    sys->nodes[s->node].holder_cs != cs->index || sys->nodes[s->node].holder_slot != i)
				return false;
			used++;
			break;
		case SLOT_REVOKED:
			if (!cs->live || s->node != CAP_NONE)
				return false;
			used++;
			break;
		case SLOT_RETIRED:
			retired++;
			break;
		default:
			break;
		}
	}
	for (uint16_t i = cs->free_head; i != SLOT_NONE; i = cs->slots[i].next_free) {
		if (i >= nslots || cs->slots[i].state != SLOT_FREE || ++free > nslots)
			return false;
	}
	return used == cs->used && retired == cs->retired && used + retired + free == nslots;
}

capnet_err capnet_capsys_verify(const struct capnet_capsys *sys)
{
	uint32_t live = 0, free = 0, cap = sys->cfg.max_caps;
	for (uint32_t n = 0; n < cap; n++) {
		if (!sys->nodes[n].live)
			continue;
		live++;
		if (!verify_node(sys, n))
			return CAPNET_E_STATE;
		/* Acyclic: depth strictly falls towards a root within `cap` steps. */
		uint32_t steps = 0;
		for (uint32_t p = n; p != CAP_NONE; p = sys->nodes[p].parent)
			if (++steps > cap)
				return CAPNET_E_STATE;
	}
	for (uint32_t n = sys->node_free; n != CAP_NONE; n = sys->nodes[n].next_free)
		if (n >= cap || sys->nodes[n].live || ++free > cap)
			return CAPNET_E_STATE;
	if (live != sys->nodes_in_use || live + free != cap)
		return CAPNET_E_STATE;
	uint32_t cs_live = 0;
	for (uint16_t c = 0; c < sys->cfg.max_cspaces; c++) {
		cs_live += sys->cspaces[c].live;
		if (!verify_cspace(sys, &sys->cspaces[c]))
			return CAPNET_E_STATE;
	}
	return cs_live == sys->cspaces_live ? CAPNET_OK : CAPNET_E_STATE;
}
