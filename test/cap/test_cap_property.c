/* Randomised property test of the capability layer. Thousands of random
 * call sequences across several cspaces run against a reference model
 * written independently of the implementation (its own scope arithmetic,
 * its own type graph, its own derivation tree). Every call's result must be
 * exactly the model's prediction, so nothing ever succeeds beyond the
 * rights granted; after every step the tables verify, the counts, the audit
 * and every held cap match the model, rights never exceed what was granted,
 * and read-only calls and refused calls changed no state and sent no frame.
 * A quarter of the calls are served socket calls on real TCP and UDP layers
 * (listen, connect, accept, send, recv, shutdown, options, views, bind,
 * send_to, recv_from, readiness, park/result/cancel with stale tickets):
 * their gate is predicted exactly, the caps they create must carry exactly
 * the specified type, rights and scope, and a call the gate refuses must
 * leave the fingerprint and the wire untouched.
 *
 * CI runs a fixed seed. CAPNET_PROPERTY_SEED=<n> (or "random") varies it,
 * CAPNET_PROPERTY_RUNS / CAPNET_PROPERTY_STEPS scale it; a failure prints
 * the seed, run and step that reproduce it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capnet/cap.h"
#include "capnet/dns_cap.h"
#include "capnet/pollable.h"
#include "check_main.h"
#include "support/capture_nic.h"

#define NCS 4
#define MAXH 16384
#define MAXNODES 16384
#define MAXOLD 1024

enum { H_LIVE, H_REVOKED, H_CLOSED };

struct mhandle {
	capnet_handle h;
	int state;
	int node;
};

struct mnode {
	bool live;
	enum capnet_cap_type type;
	uint32_t rights;
	uint32_t ceiling; /* rights when created: attenuation only goes below */
	struct capnet_scope scope;
	int parent;
	int holder_cs, holder_h; /* -1: closed, kept for its descendants */
	bool owns;
	capnet_instant deadline;
	bool granted; /* a copy (grant), not a mint */
	int owner;    /* node owning the object this cap names (self, or copied from); -1 */
	int refs;     /* owner: held caps naming its object */
	bool released;
};

#define MAXT 256

struct mcs {
	struct capnet_cspace *cs;
	bool live;
	struct mhandle hs[MAXH];
	int nh;
	int slots_used;
	uint64_t audit[CAPNET_AUDIT__COUNT];
	/* Tickets of parked calls this incarnation was given; valid until
	 * their result is read (or the cspace restarts). */
	capnet_ticket tk[MAXT];
	bool tk_valid[MAXT];
	int ntk;
};

static struct model {
	struct mcs cs[NCS];
	struct mnode nodes[MAXNODES];
	int nn, live_nodes;
	uint32_t max_caps;
	uint16_t slots;
	uint64_t audit_total[CAPNET_AUDIT__COUNT];
	uint64_t releases_expected, releases;
	capnet_handle old[MAXOLD];
	int nold;
	capnet_ticket old_tk[MAXT]; /* of restarted cspaces: never valid again */
	int nold_tk;
} M;

static struct test_stack ts;
static struct capnet_net net;
static struct capnet_tcp *tcp;
static struct capnet_udp_layer *udp;
static struct capnet_sockets *socks;
static uint8_t arena_mem[1 << 20];
static struct capnet_arena arena;
static struct capnet_xoshiro sys_rng, gen;
static struct capnet_capsys *sys;
static uint64_t base_seed;
static int runs = 8, steps = 4000;
static int cur_run, cur_step;
static const char *cur_op;
static uint64_t successes, calls, grand_audit[CAPNET_AUDIT__COUNT];
static uint64_t socket_calls, socket_successes;
static capnet_handle nm_root; /* boot's NetworkManager: rarely given up */

#define FAIL_FMT "seed %llu run %d step %d op %s"
#define FAIL_ARGS (unsigned long long)base_seed, cur_run, cur_step, cur_op
#define CHECK(cond) ck_assert_msg((cond), "%s: " FAIL_FMT, #cond, FAIL_ARGS)
#define EXPECT(got, want)                                                                                   \
	ck_assert_msg((got) == (want), "got %s want %s: " FAIL_FMT, capnet_errname(got), capnet_errname(want), FAIL_ARGS)

static uint32_t rnd(uint32_t n)
{
	struct capnet_rng r = capnet_xoshiro_rng(&gen);
	return n == 0 ? 0 : capnet_rng_below(&r, n);
}

/* ---- the oracle: scopes, type graph, rejections ---- */

static uint32_t m_mask(unsigned p)
{
	return p == 0 ? 0 : p >= 32 ? 0xffffffffu : ~((1u << (32 - p)) - 1);
}

static bool m_valid(const struct capnet_scope *s)
{
	return s->local_lo <= s->local_hi && s->remote_lo <= s->remote_hi && s->remote_prefix <= 32 &&
	       (s->remote_addr & ~m_mask(s->remote_prefix)) == 0;
}

static bool m_within(const struct capnet_scope *in, const struct capnet_scope *out)
{
	return out->local_lo <= in->local_lo && in->local_hi <= out->local_hi && out->remote_lo <= in->remote_lo &&
	       in->remote_hi <= out->remote_hi && in->remote_prefix >= out->remote_prefix &&
	       (in->remote_addr & m_mask(out->remote_prefix)) == out->remote_addr;
}

static bool m_allows(const struct capnet_scope *s, const struct capnet_scope_req *q)
{
	if ((q->what & CAPNET_SCOPE_REQ_LOCAL) && (q->local_port < s->local_lo || q->local_port > s->local_hi))
		return false;
	if ((q->what & CAPNET_SCOPE_REQ_REMOTE) &&
	    (q->remote_port < s->remote_lo || q->remote_port > s->remote_hi ||
	     (q->remote_addr & m_mask(s->remote_prefix)) != s->remote_addr))
		return false;
	return true;
}

/* The type graph, from the specification (cap.h), not from capsys.c. */
static uint32_t m_edge(enum capnet_cap_type p, enum capnet_cap_type c)
{
	if (p == CAPNET_CAP_NETWORK_MANAGER)
		return c == CAPNET_CAP_NIC || c == CAPNET_CAP_TCP_LISTEN_AUTHORITY || c == CAPNET_CAP_TCP_CONNECT_AUTHORITY ||
				       c == CAPNET_CAP_UDP_SOCKET || c == CAPNET_CAP_DNS_RESOLVER ||
				       c == CAPNET_CAP_NETWORK_STATUS || c == CAPNET_CAP_TRANSPORT_STATUS ||
				       c == CAPNET_CAP_PACKET_TRACE || c == CAPNET_CAP_TIMER || c == CAPNET_CAP_PING
			       ? CAPNET_RIGHT_MINT
			       : 0;
	if (p == CAPNET_CAP_TCP_LISTEN_AUTHORITY && c == CAPNET_CAP_TCP_LISTENER)
		return CAPNET_RIGHT_BIND;
	if (p == CAPNET_CAP_TCP_LISTENER && c == CAPNET_CAP_TCP_SOCKET)
		return CAPNET_RIGHT_ACCEPT;
	if (p == CAPNET_CAP_TCP_CONNECT_AUTHORITY && c == CAPNET_CAP_TCP_SOCKET)
		return CAPNET_RIGHT_CONNECT;
	if (p == CAPNET_CAP_UDP_SOCKET && c == CAPNET_CAP_UDP_SOCKET)
		return CAPNET_RIGHT_BIND;
	if ((p == CAPNET_CAP_TCP_LISTENER || p == CAPNET_CAP_TCP_SOCKET) && c == CAPNET_CAP_TRANSPORT_STATUS)
		return CAPNET_RIGHT_READ;
	if (p == CAPNET_CAP_PACKET_TRACE && c == CAPNET_CAP_TRACE_READER)
		return CAPNET_RIGHT_MINT;
	if (p == CAPNET_CAP_TIMER && c == CAPNET_CAP_POLLABLE)
		return CAPNET_RIGHT_READ;
	if (p == CAPNET_CAP_PING && c == CAPNET_CAP_PING)
		return CAPNET_RIGHT_SEND;
	return 0;
}

static uint32_t m_typemask(enum capnet_cap_type t)
{
	return t > CAPNET_CAP_NONE && t < CAPNET_CAP__COUNT ? capnet_cap_type_rights(t) : 0;
}

static capnet_err reject(int x, capnet_err e)
{
	int r = e == CAPNET_E_BADHANDLE ? CAPNET_AUDIT_BADHANDLE
		: e == CAPNET_E_REVOKED ? CAPNET_AUDIT_REVOKED
		: e == CAPNET_E_WRONGTYPE ? CAPNET_AUDIT_WRONGTYPE
		: e == CAPNET_E_RIGHTS	  ? CAPNET_AUDIT_RIGHTS
		: e == CAPNET_E_SCOPE	  ? CAPNET_AUDIT_SCOPE
					  : -1;
	if (r >= 0) {
		M.cs[x].audit[r]++;
		M.audit_total[r]++;
	}
	return e;
}

/* ---- the model's tree ---- */

static int find_handle(int x, capnet_handle h)
{
	for (int i = 0; i < M.cs[x].nh; i++)
		if (M.cs[x].hs[i].h == h)
			return i;
	return -1;
}

static capnet_err m_resolve(int x, capnet_handle h, int *node, int *hi)
{
	int i = find_handle(x, h);
	if (hi != NULL)
		*hi = i;
	if (i < 0 || M.cs[x].hs[i].state == H_CLOSED)
		return reject(x, CAPNET_E_BADHANDLE);
	if (M.cs[x].hs[i].state == H_REVOKED)
		return reject(x, CAPNET_E_REVOKED);
	*node = M.cs[x].hs[i].node;
	return CAPNET_OK;
}

static capnet_err m_check(int x, capnet_handle h, enum capnet_cap_type t, uint32_t rights,
			  const struct capnet_scope_req *req, int *node)
{
	int n = -1;
	capnet_err e = m_resolve(x, h, &n, NULL);
	if (e != CAPNET_OK)
		return e;
	const struct mnode *nd = &M.nodes[n];
	if (t != CAPNET_CAP_NONE && nd->type != t)
		return reject(x, CAPNET_E_WRONGTYPE);
	if ((nd->rights & rights) != rights)
		return reject(x, CAPNET_E_RIGHTS);
	if (req != NULL && !m_allows(&nd->scope, req))
		return reject(x, CAPNET_E_SCOPE);
	if (node != NULL)
		*node = n;
	return CAPNET_OK;
}

static bool can_place(int x)
{
	return M.cs[x].slots_used < M.slots && M.live_nodes < (int)M.max_caps;
}

/* owner: -1 for none, -2 for "this new cap owns its object". */
static void m_add(int x, capnet_handle h, enum capnet_cap_type t, uint32_t rights, const struct capnet_scope *s,
		  int parent, int owner)
{
	CHECK(M.nn < MAXNODES && M.cs[x].nh < MAXH);
	int n = M.nn++;
	struct mnode *nd = &M.nodes[n];
	*nd = (struct mnode){true, t, rights, rights, *s, parent, x, M.cs[x].nh, owner == -2, CAPNET_INSTANT_NEVER,
			     false, owner == -2 ? n : owner, 0, false};
	if (nd->owner >= 0)
		M.nodes[nd->owner].refs++;
	M.cs[x].hs[M.cs[x].nh++] = (struct mhandle){h, H_LIVE, n};
	M.cs[x].slots_used++;
	M.live_nodes++;
}

static bool has_children(int n)
{
	for (int i = 0; i < M.nn; i++)
		if (M.nodes[i].live && M.nodes[i].parent == n)
			return true;
	return false;
}

/* The object is released when the last held cap naming it goes. */
static void m_unhold(int n)
{
	int o = M.nodes[n].owner;
	if (o >= 0 && --M.nodes[o].refs == 0 && !M.nodes[o].released) {
		M.nodes[o].released = true;
		M.releases_expected++;
	}
}

static void m_free(int n)
{
	if (M.nodes[n].holder_cs >= 0)
		m_unhold(n);
	M.nodes[n].live = false;
	M.live_nodes--;
}

static void m_collect(int n)
{
	while (n >= 0 && M.nodes[n].live && M.nodes[n].holder_cs < 0 && !has_children(n)) {
		int p = M.nodes[n].parent;
		m_free(n);
		n = p;
	}
}

static bool descends(int m, int n)
{
	for (; m >= 0; m = M.nodes[m].parent)
		if (m == n)
			return true;
	return false;
}

static void m_revoke_subtree(int n)
{
	int parent = M.nodes[n].parent;
	for (int m = 0; m < M.nn; m++) {
		if (!M.nodes[m].live || !descends(m, n))
			continue;
		if (M.nodes[m].holder_cs >= 0)
			M.cs[M.nodes[m].holder_cs].hs[M.nodes[m].holder_h].state = H_REVOKED;
		m_free(m);
	}
	(void)parent;
}

static void m_close(int x, int hi)
{
	struct mhandle *mh = &M.cs[x].hs[hi];
	if (mh->state == H_LIVE) {
		M.nodes[mh->node].holder_cs = -1;
		m_unhold(mh->node);
		mh->state = H_CLOSED;
		M.cs[x].slots_used--;
		m_collect(mh->node);
	} else if (mh->state == H_REVOKED) {
		mh->state = H_CLOSED;
		M.cs[x].slots_used--;
	}
}

/* ---- random inputs ---- */

static const struct capnet_scope scopes[] = {
	{0, 0xffff, 0, 0, 0, 0xffff},
	{8000, 8999, 0, 0, 0, 0xffff},
	{8000, 8099, 0, 0, 0, 0xffff},
	{8080, 8080, 0, 0, 0, 0xffff},
	{9000, 9999, 0, 0, 0, 0xffff},
	{0, 1023, 0, 0, 0, 0xffff},
	{0, 0xffff, CAPNET_IP4(192, 0, 2, 0), 24, 0, 0xffff},
	{0, 0xffff, CAPNET_IP4(192, 0, 2, 0), 24, 80, 443},
	{0, 0xffff, CAPNET_IP4(192, 0, 2, 7), 32, 443, 443},
	{0, 0xffff, CAPNET_IP4(192, 0, 0, 0), 16, 0, 0xffff},
	{0, 0xffff, CAPNET_IP4(198, 51, 100, 0), 24, 53, 53},
	{8080, 8080, CAPNET_IP4(192, 0, 2, 7), 32, 53, 53},
	{10, 9, 0, 0, 0, 0xffff},                        /* invalid: lo > hi */
	{0, 0xffff, CAPNET_IP4(192, 0, 2, 7), 24, 0, 0xffff}, /* invalid: host bits */
	{0, 0xffff, 0, 33, 0, 0xffff},                   /* invalid: prefix */
};
#define NSCOPES (sizeof scopes / sizeof scopes[0])

static const struct capnet_scope *rand_scope(void)
{
	return rnd(4) == 0 ? NULL : &scopes[rnd(NSCOPES)];
}

static struct capnet_scope_req rand_req(void)
{
	static const uint16_t ports[] = {0, 53, 80, 443, 1023, 8000, 8080, 8500, 9000, 65535};
	static const capnet_ip4addr addrs[] = {CAPNET_IP4(192, 0, 2, 7), CAPNET_IP4(192, 0, 2, 8),
					       CAPNET_IP4(192, 0, 9, 1), CAPNET_IP4(198, 51, 100, 1), 0};
	/* One draw per statement: the order of initialisers is unspecified, and
	 * a seed must replay the same on every compiler. */
	struct capnet_scope_req q;
	q.what = rnd(4);
	q.local_port = ports[rnd(10)];
	q.remote_addr = addrs[rnd(5)];
	q.remote_port = ports[rnd(10)];
	return q;
}

/* Requested rights: the cap's own, fewer, anything, or - the escalation a
 * property test exists for - exactly one right more. */
static uint32_t rand_rights(uint32_t base)
{
	switch (rnd(5)) {
	case 0:
		return rnd(CAPNET_RIGHTS_ALL + 1);
	case 1:
		return base;
	case 2: {
		uint32_t keep = base & rnd(CAPNET_RIGHTS_ALL + 1);
		return keep | (1u << rnd(10));
	}
	default:
		return base & rnd(CAPNET_RIGHTS_ALL + 1);
	}
}

static enum capnet_cap_type rand_type(void)
{
	return (enum capnet_cap_type)rnd(CAPNET_CAP__COUNT + 1);
}

static int live_cs(void)
{
	for (;;) {
		int x = (int)rnd(NCS);
		if (M.cs[x].live)
			return x;
	}
}

static bool holds_live(int x)
{
	for (int i = 0; i < M.cs[x].nh; i++)
		if (M.cs[x].hs[i].state == H_LIVE)
			return true;
	return false;
}

/* The cspace that acts: mostly one that holds something. */
static int acting_cs(void)
{
	int x = live_cs();
	for (int i = 0; i < 4 && !holds_live(x) && rnd(5) != 0; i++)
		x = live_cs();
	return x;
}

/* A handle for cspace x to use: mostly one it holds (or held), sometimes
 * another cspace's, an old incarnation's, a random value, or a near miss. */
static capnet_handle pick(int x)
{
	struct mcs *c = &M.cs[x];
	uint32_t r = rnd(100);
	if (r < 80 && c->nh > 0) {
		int open[MAXH], n = 0;
		for (int i = 0; i < c->nh && n < MAXH; i++)
			if (c->hs[i].state != H_CLOSED)
				open[n++] = i;
		if (n > 0 && rnd(10) != 0)
			return c->hs[open[rnd((uint32_t)n)]].h;
		return c->hs[rnd((uint32_t)c->nh)].h;
	}
	if (r < 88) {
		int y = (int)rnd(NCS);
		if (M.cs[y].nh > 0)
			return M.cs[y].hs[rnd((uint32_t)M.cs[y].nh)].h;
	}
	if (r < 91 && M.nold > 0)
		return M.old[rnd((uint32_t)M.nold)];
	if (r < 95)
		return capnet_xoshiro_next(&gen);
	if (r < 98 && c->nh > 0)
	{
		capnet_handle near = c->hs[rnd((uint32_t)c->nh)].h;
		return near ^ ((uint64_t)1 << rnd(64));
	}
	return CAPNET_HANDLE_NONE;
}

/* For the calls that shed authority: the boot NetworkManager is the source
 * of most caps, so it is only rarely the one given up. */
static capnet_handle pick_to_shed(int x)
{
	capnet_handle h = pick(x);
	for (int i = 0; i < 4 && h == nm_root && x == 0 && rnd(50) != 0; i++)
		h = pick(x);
	return h;
}

/* Mostly a live handle of the type a served call wants, when x holds one. */
static capnet_handle pick_typed(int x, enum capnet_cap_type t)
{
	struct mcs *c = &M.cs[x];
	if (rnd(5) < 3) {
		int found[MAXH], n = 0;
		for (int i = 0; i < c->nh; i++)
			if (c->hs[i].state == H_LIVE && M.nodes[c->hs[i].node].type == t)
				found[n++] = i;
		if (n > 0)
			return c->hs[found[rnd((uint32_t)n)]].h;
	}
	return pick(x);
}

static int node_of(int x, capnet_handle h)
{
	int i = find_handle(x, h);
	return i >= 0 && M.cs[x].hs[i].state == H_LIVE ? M.cs[x].hs[i].node : -1;
}

/* ---- one step ---- */

/* Objects owned by caps: their release is counted and must match the
 * model's (once, when the owning cap leaves the tree). */
static void count_release(void *obj)
{
	(void)obj;
	M.releases++;
}
static const struct capnet_cap_objops counting_ops = {count_release};

static int ncount(void)
{
	return M.live_nodes;
}

/* What a step may have changed. */
/* GATED: a served socket call. Refused by the gate (an audited error) it
 * must change nothing and send nothing; past the gate the transport may do
 * anything its own rules allow (a close deferred by an earlier revoke runs
 * at the next call that passes, and may send). */
enum effect { READ_ONLY, MAY_CHANGE_CAPS, MAY_SEND, GATED };

static capnet_err step_mint_root(int x, enum effect *fx)
{
	cur_op = "mint_root";
	*fx = MAY_CHANGE_CAPS;
	enum capnet_cap_type t = rand_type();
	uint32_t rights = rand_rights(m_typemask(t));
	const struct capnet_scope *s = rand_scope();
	bool owns = rnd(2) != 0;
	capnet_handle h;
	capnet_err want = CAPNET_OK;
	if (t == CAPNET_CAP_NONE || t >= CAPNET_CAP__COUNT || (rights & ~m_typemask(t)) != 0 || (s != NULL && !m_valid(s)))
		want = CAPNET_E_INVAL;
	else if (!can_place(x))
		want = CAPNET_E_NOMEM;
	capnet_err got = capnet_cap_mint_root(M.cs[x].cs, t, rights, s, &net, owns ? &counting_ops : NULL, &h);
	EXPECT(got, want);
	if (got == CAPNET_OK)
		m_add(x, h, t, rights, s != NULL ? s : &scopes[0], -1, owns ? -2 : -1);
	return got;
}

static capnet_err step_grant(int x, enum effect *fx)
{
	cur_op = "grant";
	*fx = MAY_CHANGE_CAPS;
	capnet_handle h = pick(x);
	int y = live_cs(), n0 = node_of(x, h);
	uint32_t rights = rand_rights(n0 >= 0 ? M.nodes[n0].rights : CAPNET_RIGHTS_ALL);
	const struct capnet_scope *s = rand_scope();
	int n = -1;
	capnet_err want = m_check(x, h, CAPNET_CAP_NONE, CAPNET_RIGHT_GRANT, NULL, &n);
	if (want == CAPNET_OK) {
		if ((rights & ~M.nodes[n].rights) != 0)
			want = reject(x, CAPNET_E_RIGHTS);
		else if (s != NULL && !m_valid(s))
			want = CAPNET_E_INVAL;
		else if (s != NULL && !m_within(s, &M.nodes[n].scope))
			want = reject(x, CAPNET_E_SCOPE);
		else if (!can_place(y))
			want = CAPNET_E_NOMEM;
	}
	capnet_handle out;
	capnet_err got = capnet_cap_grant(M.cs[x].cs, h, M.cs[y].cs, rights, s, &out);
	EXPECT(got, want);
	if (got == CAPNET_OK) {
		m_add(y, out, M.nodes[n].type, rights, s != NULL ? s : &M.nodes[n].scope, n, M.nodes[n].owner);
		M.nodes[M.nn - 1].granted = true;
		M.nodes[M.nn - 1].deadline = M.nodes[n].deadline; /* a copy starts with its source's state */
		CHECK((rights & ~M.nodes[n].ceiling) == 0);
	}
	return got;
}

static capnet_err step_attenuate(int x, enum effect *fx)
{
	cur_op = "attenuate";
	*fx = MAY_CHANGE_CAPS;
	capnet_handle h = pick_to_shed(x);
	int n0 = node_of(x, h);
	uint32_t rights = rand_rights(n0 >= 0 ? M.nodes[n0].rights : CAPNET_RIGHTS_ALL);
	const struct capnet_scope *s = rand_scope();
	int n = -1;
	capnet_err want = m_check(x, h, CAPNET_CAP_NONE, 0, NULL, &n);
	if (want == CAPNET_OK) {
		if ((rights & ~M.nodes[n].rights) != 0)
			want = reject(x, CAPNET_E_RIGHTS);
		else if (s != NULL && !m_valid(s))
			want = CAPNET_E_INVAL;
		else if (s != NULL && !m_within(s, &M.nodes[n].scope))
			want = reject(x, CAPNET_E_SCOPE);
	}
	capnet_err got = capnet_cap_attenuate(M.cs[x].cs, h, rights, s);
	EXPECT(got, want);
	if (got == CAPNET_OK) {
		M.nodes[n].rights = rights;
		if (s != NULL)
			M.nodes[n].scope = *s;
	}
	return got;
}

static capnet_err step_revoke(int x, enum effect *fx, bool derived)
{
	cur_op = derived ? "revoke_derived" : "revoke";
	*fx = MAY_CHANGE_CAPS;
	capnet_handle h = pick_to_shed(x);
	int n = -1;
	capnet_err want = m_resolve(x, h, &n, NULL);
	capnet_err got = derived ? capnet_cap_revoke_derived(M.cs[x].cs, h) : capnet_cap_revoke(M.cs[x].cs, h);
	EXPECT(got, want);
	if (got != CAPNET_OK)
		return got;
	if (derived) {
		for (int c = 0; c < M.nn; c++)
			if (M.nodes[c].live && M.nodes[c].parent == n)
				m_revoke_subtree(c);
	} else {
		int p = M.nodes[n].parent;
		m_revoke_subtree(n);
		m_collect(p);
	}
	return got;
}

static capnet_err step_close(int x, enum effect *fx)
{
	cur_op = "close";
	*fx = MAY_CHANGE_CAPS;
	capnet_handle h = pick_to_shed(x);
	int hi = find_handle(x, h);
	capnet_err want = CAPNET_OK;
	if (hi < 0 || M.cs[x].hs[hi].state == H_CLOSED)
		want = reject(x, CAPNET_E_BADHANDLE);
	capnet_err got = capnet_cap_close(M.cs[x].cs, h);
	EXPECT(got, want);
	if (got == CAPNET_OK)
		m_close(x, hi);
	return got;
}

static capnet_err step_check(int x, enum effect *fx)
{
	cur_op = "check";
	*fx = READ_ONLY;
	capnet_handle h = pick(x);
	int n0 = node_of(x, h);
	enum capnet_cap_type t = rnd(3) == 0 ? rand_type() : n0 >= 0 ? M.nodes[n0].type : CAPNET_CAP_NONE;
	uint32_t rights = (uint32_t)1 << rnd(10);
	if (n0 >= 0 && rnd(2))
		rights = M.nodes[n0].rights & rnd(CAPNET_RIGHTS_ALL + 1);
	struct capnet_scope_req q = rand_req();
	bool use_q = rnd(2) != 0;
	int n = -1;
	capnet_err want = m_check(x, h, t, rights, use_q ? &q : NULL, &n);
	struct capnet_cap_info info;
	capnet_err got = capnet_cap_check(M.cs[x].cs, h, t, rights, use_q ? &q : NULL, &info);
	EXPECT(got, want);
	if (got == CAPNET_OK) {
		/* The property itself: a call succeeds only within what was granted. */
		CHECK((info.rights & rights) == rights);
		CHECK((M.nodes[n].ceiling & rights) == rights);
		CHECK(!use_q || m_allows(&M.nodes[n].scope, &q));
	}
	return got;
}

static capnet_err step_mint(int x, enum effect *fx)
{
	cur_op = "mint";
	*fx = MAY_CHANGE_CAPS;
	capnet_handle h = pick(x);
	int n0 = node_of(x, h);
	enum capnet_cap_type pt = n0 >= 0 ? M.nodes[n0].type : rand_type();
	struct capnet_cap_mint_args a = {0};
	uint32_t r = rnd(4);
	a.parent_type = r == 0 ? CAPNET_CAP_NONE : r == 1 ? rand_type() : pt;
	a.need_rights = rnd(2) ? 0 : (uint32_t)1 << rnd(10);
	a.type = rand_type();
	for (int tries = 0; tries < 8 && rnd(3) != 0 && m_edge(pt, a.type) == 0; tries++)
		a.type = rand_type();
	a.rights = rand_rights(m_typemask(a.type));
	a.scope = rand_scope();
	struct capnet_scope_req q = rand_req();
	a.req = rnd(2) ? &q : NULL;
	a.obj = &net;
	a.ops = rnd(2) ? &counting_ops : NULL;
	int n = -1;
	capnet_err want = m_check(x, h, a.parent_type, a.need_rights, NULL, &n);
	const struct capnet_scope *cs = NULL;
	if (want == CAPNET_OK) {
		uint32_t edge = m_edge(M.nodes[n].type, a.type);
		cs = a.scope != NULL ? a.scope : &M.nodes[n].scope;
		if (edge == 0)
			want = reject(x, CAPNET_E_WRONGTYPE);
		else if ((M.nodes[n].rights & edge) != edge)
			want = reject(x, CAPNET_E_RIGHTS);
		else if (a.req != NULL && !m_allows(&M.nodes[n].scope, a.req))
			want = reject(x, CAPNET_E_SCOPE);
		else if ((a.rights & ~m_typemask(a.type)) != 0 || !m_valid(cs))
			want = CAPNET_E_INVAL;
		else if (!m_within(cs, &M.nodes[n].scope))
			want = reject(x, CAPNET_E_SCOPE);
		else if (!can_place(x))
			want = CAPNET_E_NOMEM;
	}
	capnet_handle out;
	capnet_err got = capnet_cap_mint(M.cs[x].cs, h, &a, &out);
	EXPECT(got, want);
	if (got == CAPNET_OK)
		m_add(x, out, a.type, a.rights, cs, n, a.ops != NULL ? -2 : -1);
	return got;
}

static capnet_err step_inspect(int x, enum effect *fx)
{
	cur_op = "inspect";
	*fx = READ_ONLY;
	capnet_handle h = pick(x);
	int n = -1;
	capnet_err want = m_resolve(x, h, &n, NULL);
	struct capnet_cap_info info;
	capnet_err got = capnet_cap_inspect(M.cs[x].cs, h, &info);
	EXPECT(got, want);
	return got;
}

/* ---- served interfaces ---- */

static capnet_err step_netmgr(int x, enum effect *fx)
{
	capnet_handle h = pick_typed(x, CAPNET_CAP_NETWORK_MANAGER);
	capnet_err want, got;
	int n = -1;
	switch (rnd(8)) {
	case 0: {
		cur_op = "netmgr_get_config";
		*fx = READ_ONLY;
		want = m_check(x, h, CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_READ, NULL, NULL);
		struct capnet_netmgr_config c;
		got = capnet_netmgr_get_config(M.cs[x].cs, h, &c);
		EXPECT(got, want);
		return got;
	}
	case 1: {
		cur_op = "netmgr_set_static";
		*fx = MAY_SEND;
		static const capnet_ip4addr addrs[] = {0, CAPNET_IP4(192, 0, 2, 10), CAPNET_IP4(192, 0, 2, 11)};
		capnet_ip4addr addr = addrs[rnd(3)];
		uint8_t prefix = addr == 0 ? 0 : rnd(8) == 0 ? 33 : 24;
		want = m_check(x, h, CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_CONFIGURE, NULL, NULL);
		if (want == CAPNET_OK && prefix > 32)
			want = CAPNET_E_INVAL;
		got = capnet_netmgr_set_static(M.cs[x].cs, h, addr, prefix, addr ? CAPNET_IP4(192, 0, 2, 1) : 0,
					       (capnet_instant)cur_step);
		EXPECT(got, want);
		return got;
	}
	default: {
		*fx = MAY_CHANGE_CAPS;
		enum capnet_cap_type t;
		uint32_t rights;
		struct capnet_scope s = scopes[0];
		const struct capnet_scope *sp = NULL; /* NULL: the NetworkManager's */
		capnet_handle out;
		want = m_check(x, h, CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_MINT, NULL, &n);
		switch (rnd(8)) {
		case 6:
			cur_op = "netmgr_mint_dns";
			t = CAPNET_CAP_DNS_RESOLVER;
			rights = m_typemask(t);
			got = capnet_netmgr_mint_dns(M.cs[x].cs, h, &out);
			break;
		case 5:
			cur_op = "netmgr_mint_nic";
			t = CAPNET_CAP_NIC;
			rights = m_typemask(t);
			got = capnet_netmgr_mint_nic(M.cs[x].cs, h, &out);
			break;
		case 0:
			cur_op = "netmgr_mint_status";
			t = CAPNET_CAP_NETWORK_STATUS;
			rights = CAPNET_RIGHT_READ | CAPNET_RIGHT_GRANT;
			got = capnet_netmgr_mint_status(M.cs[x].cs, h, &out);
			break;
		case 1: {
			cur_op = "netmgr_mint_listen_authority";
			t = CAPNET_CAP_TCP_LISTEN_AUTHORITY;
			rights = CAPNET_RIGHT_BIND | CAPNET_RIGHT_GRANT;
			const struct capnet_scope *r = &scopes[rnd(NSCOPES)];
			s.local_lo = r->local_lo;
			s.local_hi = r->local_hi;
			sp = &s;
			got = capnet_netmgr_mint_listen_authority(M.cs[x].cs, h, s.local_lo, s.local_hi, &out);
			break;
		}
		case 2: {
			cur_op = "netmgr_mint_connect_authority";
			t = CAPNET_CAP_TCP_CONNECT_AUTHORITY;
			rights = CAPNET_RIGHT_CONNECT | CAPNET_RIGHT_GRANT;
			const struct capnet_scope *r = &scopes[rnd(NSCOPES)];
			capnet_ip4addr dst = r->remote_addr | (rnd(2) ? 7 : 0);
			s.remote_addr = dst & m_mask(r->remote_prefix);
			s.remote_prefix = r->remote_prefix;
			s.remote_lo = r->remote_lo;
			s.remote_hi = r->remote_hi;
			sp = &s;
			got = capnet_netmgr_mint_connect_authority(M.cs[x].cs, h, dst, r->remote_prefix, r->remote_lo,
								   r->remote_hi, &out);
			break;
		}
		case 3: {
			cur_op = "netmgr_mint_udp";
			t = CAPNET_CAP_UDP_SOCKET;
			rights = m_typemask(t);
			const struct capnet_scope *l = &scopes[rnd(NSCOPES)], *r = rand_scope();
			s.local_lo = l->local_lo;
			s.local_hi = l->local_hi;
			if (r != NULL) {
				s.remote_addr = r->remote_addr;
				s.remote_prefix = r->remote_prefix;
				s.remote_lo = r->remote_lo;
				s.remote_hi = r->remote_hi;
			}
			sp = &s;
			got = capnet_netmgr_mint_udp(M.cs[x].cs, h, l->local_lo, l->local_hi, r, &out);
			break;
		}
		case 4:
			cur_op = "netmgr_mint_trace";
			t = CAPNET_CAP_PACKET_TRACE;
			rights = m_typemask(t);
			got = capnet_netmgr_mint_trace(M.cs[x].cs, h, &out);
			break;
		default:
			cur_op = "netmgr_mint_timer";
			t = CAPNET_CAP_TIMER;
			rights = m_typemask(t);
			got = capnet_netmgr_mint_timer(M.cs[x].cs, h, &out);
			break;
		}
		if (want == CAPNET_OK) {
			if (sp == NULL)
				sp = &M.nodes[n].scope;
			if (!m_valid(sp))
				want = CAPNET_E_INVAL;
			else if (!m_within(sp, &M.nodes[n].scope))
				want = reject(x, CAPNET_E_SCOPE);
			else if (!can_place(x))
				want = CAPNET_E_NOMEM;
		}
		EXPECT(got, want);
		if (got == CAPNET_OK)
			m_add(x, out, t, rights, sp, n, -1);
		return got;
	}
	}
}

static capnet_err step_status(int x, enum effect *fx)
{
	*fx = READ_ONLY;
	capnet_handle h = pick_typed(x, CAPNET_CAP_NETWORK_STATUS);
	capnet_err want = m_check(x, h, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_READ, NULL, NULL), got;
	struct capnet_ip4_route routes[8];
	struct capnet_arp_entry_info neigh[8];
	size_t count;
	switch (rnd(5)) {
	case 0: {
		cur_op = "status_link";
		struct capnet_status_link l;
		got = capnet_status_link(M.cs[x].cs, h, &l);
		break;
	}
	case 1:
		cur_op = "status_routes";
		got = capnet_status_routes(M.cs[x].cs, h, routes, 8, &count);
		break;
	case 2:
		cur_op = "status_neighbours";
		got = capnet_status_neighbours(M.cs[x].cs, h, neigh, 8, &count);
		break;
	case 3: {
		cur_op = "status_counters";
		struct capnet_stats st;
		got = capnet_status_counters(M.cs[x].cs, h, &st);
		break;
	}
	default: {
		cur_op = "status_audit";
		struct capnet_audit au;
		got = capnet_status_audit(M.cs[x].cs, h, capnet_cspace_id(M.cs[x].cs), &au);
		break;
	}
	}
	EXPECT(got, want);
	return got;
}

/* DnsResolver: the gate is the model's; the model's network has no
 * resolver, so a call that passes it answers E_NOTCONFIGURED (and, like
 * every call here, sends nothing and changes nothing). */
static capnet_err step_dns(int x, enum effect *fx)
{
	*fx = READ_ONLY;
	capnet_handle h = pick_typed(x, CAPNET_CAP_DNS_RESOLVER);
	capnet_err want, got;
	switch (rnd(3)) {
	case 0: {
		cur_op = "dnscap_resolve";
		uint32_t req;
		want = m_check(x, h, CAPNET_CAP_DNS_RESOLVER, CAPNET_RIGHT_SEND, NULL, NULL);
		got = capnet_dnscap_resolve(M.cs[x].cs, h, "www.example.test", CAPNET_AF_INET, 0, &req);
		break;
	}
	case 1: {
		cur_op = "dnscap_result";
		struct capnet_dns_result r;
		want = m_check(x, h, CAPNET_CAP_DNS_RESOLVER, CAPNET_RIGHT_SEND, NULL, NULL);
		got = capnet_dnscap_result(M.cs[x].cs, h, rnd(4), &r);
		break;
	}
	default: {
		cur_op = "dnscap_status";
		struct capnet_dns_stub_status st;
		want = m_check(x, h, CAPNET_CAP_DNS_RESOLVER, CAPNET_RIGHT_READ, NULL, NULL);
		got = capnet_dnscap_status(M.cs[x].cs, h, &st);
		break;
	}
	}
	if (want == CAPNET_OK)
		want = CAPNET_E_NOTCONFIGURED;
	EXPECT(got, want);
	return got;
}

static capnet_err step_timer(int x, enum effect *fx)
{
	capnet_handle h = pick_typed(x, CAPNET_CAP_TIMER);
	int n = -1;
	capnet_err want, got;
	if (rnd(2)) {
		cur_op = "timer_set";
		*fx = MAY_CHANGE_CAPS; /* the cap's own state, not the stack's */
		capnet_instant d = rnd(4) == 0 ? CAPNET_INSTANT_NEVER : (capnet_instant)rnd(10000);
		want = m_check(x, h, CAPNET_CAP_TIMER, CAPNET_RIGHT_CONFIGURE, NULL, &n);
		got = capnet_timer_set(M.cs[x].cs, h, d);
		EXPECT(got, want);
		if (got == CAPNET_OK)
			M.nodes[n].deadline = d;
		return got;
	}
	cur_op = "timer_poll";
	*fx = READ_ONLY;
	capnet_instant now = (capnet_instant)rnd(10000), d;
	bool expired;
	want = m_check(x, h, CAPNET_CAP_TIMER, CAPNET_RIGHT_READ, NULL, &n);
	got = capnet_timer_poll(M.cs[x].cs, h, now, &d, &expired);
	EXPECT(got, want);
	if (got == CAPNET_OK) {
		CHECK(d == M.nodes[n].deadline);
		CHECK(expired == (d != CAPNET_INSTANT_NEVER && d <= now));
	}
	return got;
}

/* Nic: raw frames. The gate is READ / SEND / RECV on a NIC cap; nothing
 * is queued on the capture NIC, so a receive that passes the gate finds
 * "no frame yet", and a transmit that passes sends exactly one frame. */
static capnet_err step_nic(int x, enum effect *fx)
{
	capnet_handle h = pick_typed(x, CAPNET_CAP_NIC);
	capnet_err want, got;
	uint8_t frame[64] = {0};
	switch (rnd(3)) {
	case 0: {
		cur_op = "nic_info";
		*fx = READ_ONLY;
		want = m_check(x, h, CAPNET_CAP_NIC, CAPNET_RIGHT_READ, NULL, NULL);
		struct capnet_nic_info ni;
		got = capnet_niccap_info(M.cs[x].cs, h, &ni);
		EXPECT(got, want);
		if (got == CAPNET_OK)
			CHECK(ni.mtu == ts.cn.nic.mtu && capnet_mac_eq(ni.mac, ts.cn.nic.mac));
		return got;
	}
	case 1: {
		cur_op = "nic_receive";
		*fx = READ_ONLY;
		want = m_check(x, h, CAPNET_CAP_NIC, CAPNET_RIGHT_RECV, NULL, NULL);
		if (want == CAPNET_OK)
			want = CAPNET_E_AGAIN;
		size_t len;
		got = capnet_niccap_receive(M.cs[x].cs, h, frame, sizeof frame, &len);
		EXPECT(got, want);
		return got;
	}
	default:
		cur_op = "nic_transmit";
		*fx = MAY_SEND;
		want = m_check(x, h, CAPNET_CAP_NIC, CAPNET_RIGHT_SEND, NULL, NULL);
		got = capnet_niccap_transmit(M.cs[x].cs, h, frame, sizeof frame);
		EXPECT(got, want);
		if (got == CAPNET_OK)
			CHECK(ts.cn.ntx == 1 && ts.cn.tx[0].len == sizeof frame);
		return got;
	}
}

static capnet_err step_restart(enum effect *fx)
{
	cur_op = "cspace_restart";
	*fx = MAY_CHANGE_CAPS;
	int x = 1 + (int)rnd(NCS - 1); /* boot (0) keeps running */
	struct mcs *c = &M.cs[x];
	for (int i = 0; i < c->nh; i++) {
		m_close(x, i);
		M.old[M.nold < MAXOLD ? M.nold++ : (int)rnd(MAXOLD)] = c->hs[i].h;
	}
	for (int i = 0; i < c->ntk; i++)
		M.old_tk[M.nold_tk < MAXT ? M.nold_tk++ : (int)rnd(MAXT)] = c->tk[i];
	c->ntk = 0;
	capnet_cspace_destroy(c->cs);
	c->nh = 0;
	c->slots_used = 0;
	memset(c->audit, 0, sizeof c->audit);
	capnet_err e = capnet_cspace_create(sys, "restarted", &c->cs);
	EXPECT(e, CAPNET_OK);
	return e;
}

/* ---- sockets served through caps ----
 *
 * The gate (handle -> type -> rights -> scope) is predicted exactly by the
 * model; past it, the transport's own answers (E_AGAIN, E_INUSE, E_STATE
 * for an authority that is no socket, ...) are accepted as long as they
 * are not authority rejections, and every cap a call creates must carry
 * exactly the type, rights and scope the specification gives it (the
 * invariants compare them with the model after every step). */

static const uint16_t sock_ports[] = {0, 53, 80, 443, 8000, 8080, 9000};
#define NSPORTS (sizeof sock_ports / sizeof sock_ports[0])
static const capnet_ip4addr sock_dsts[] = {CAPNET_IP4(192, 0, 2, 7), CAPNET_IP4(192, 0, 2, 8),
					   CAPNET_IP4(198, 51, 100, 1), 0};
#define NSDSTS (sizeof sock_dsts / sizeof sock_dsts[0])

static bool authority_err(capnet_err e)
{
	return capnet_audit_reason_of(e) >= 0;
}

/* Rights of a socket opened below a cap with `parent` rights (cap.h). */
static uint32_t m_sock_rights(enum capnet_cap_type t, uint32_t parent)
{
	uint32_t r = m_typemask(t);
	return (parent & CAPNET_RIGHT_GRANT) ? r : r & ~CAPNET_RIGHT_GRANT;
}

static bool full_remote(const struct capnet_scope *s)
{
	return s->remote_prefix == 0 && s->remote_lo == 0 && s->remote_hi == 0xffff;
}

/* Past the gate: anything but an authority rejection; a success places
 * (type, rights, scope) below n. */
static void after_gate(int x, capnet_err got, int n, capnet_handle out, enum capnet_cap_type t, uint32_t rights,
		       const struct capnet_scope *scope)
{
	CHECK(!authority_err(got));
	if (got == CAPNET_OK && out != CAPNET_HANDLE_NONE) {
		CHECK(can_place(x));
		m_add(x, out, t, rights, scope, n, -1);
	}
}

static capnet_err step_tcp_listen(int x, enum effect *fx)
{
	cur_op = "tcpcap_listen";
	*fx = GATED;
	capnet_handle h = pick_typed(x, CAPNET_CAP_TCP_LISTEN_AUTHORITY), out = CAPNET_HANDLE_NONE;
	uint16_t port = sock_ports[rnd(NSPORTS)];
	struct capnet_scope_req q = {CAPNET_SCOPE_REQ_LOCAL, port, 0, 0};
	int n = -1;
	capnet_err want = m_check(x, h, CAPNET_CAP_TCP_LISTEN_AUTHORITY, CAPNET_RIGHT_BIND, &q, &n);
	capnet_err got = capnet_tcpcap_listen(M.cs[x].cs, h, port, 1 + rnd(4), &out);
	if (want != CAPNET_OK) {
		EXPECT(got, want);
		return got;
	}
	if (port == 0) {
		EXPECT(got, CAPNET_E_INVAL);
		return got;
	}
	if (!can_place(x)) {
		EXPECT(got, CAPNET_E_NOMEM);
		return got;
	}
	/* A listener may only be placed where its authority reaches everyone:
	 * an authority narrowed to some peers mints no listener (E_SCOPE,
	 * after the transport call, which is then undone). */
	struct capnet_scope child = capnet_scope_local(port, port);
	if (got == CAPNET_E_SCOPE) {
		CHECK(!full_remote(&M.nodes[n].scope));
		reject(x, CAPNET_E_SCOPE);
		return got;
	}
	after_gate(x, got, n, out, CAPNET_CAP_TCP_LISTENER, m_sock_rights(CAPNET_CAP_TCP_LISTENER, M.nodes[n].rights),
		   &child);
	return got;
}

static capnet_err step_tcp_connect(int x, enum effect *fx)
{
	cur_op = "tcpcap_connect";
	*fx = GATED;
	capnet_handle h = pick_typed(x, CAPNET_CAP_TCP_CONNECT_AUTHORITY), out = CAPNET_HANDLE_NONE;
	capnet_ip4addr dst = sock_dsts[rnd(NSDSTS)];
	uint16_t port = sock_ports[rnd(NSPORTS)];
	struct capnet_scope_req q = {CAPNET_SCOPE_REQ_REMOTE, 0, dst, port};
	int n = -1;
	capnet_err want = m_check(x, h, CAPNET_CAP_TCP_CONNECT_AUTHORITY, CAPNET_RIGHT_CONNECT, &q, &n);
	capnet_err got = capnet_tcpcap_connect(M.cs[x].cs, h, dst, port, (capnet_instant)cur_step, &out);
	if (want != CAPNET_OK) {
		EXPECT(got, want);
		return got;
	}
	struct capnet_scope child = M.nodes[n].scope;
	child.remote_addr = dst;
	child.remote_prefix = 32;
	child.remote_lo = child.remote_hi = port;
	after_gate(x, got, n, out, CAPNET_CAP_TCP_SOCKET, m_sock_rights(CAPNET_CAP_TCP_SOCKET, M.nodes[n].rights),
		   &child);
	return got;
}

static capnet_err step_tcp_use(int x, enum effect *fx)
{
	*fx = GATED;
	capnet_instant now = (capnet_instant)cur_step;
	uint8_t buf[64];
	size_t len = 0;
	capnet_err want, got;
	switch (rnd(6)) {
	case 0: {
		cur_op = "tcpcap_accept";
		capnet_handle h = pick_typed(x, CAPNET_CAP_TCP_LISTENER), out = CAPNET_HANDLE_NONE;
		want = m_check(x, h, CAPNET_CAP_TCP_LISTENER, CAPNET_RIGHT_ACCEPT, NULL, NULL);
		got = capnet_tcpcap_accept(M.cs[x].cs, h, &out);
		if (want != CAPNET_OK)
			EXPECT(got, want);
		else
			CHECK(!authority_err(got) && got != CAPNET_OK); /* nobody ever connects */
		return got;
	}
	case 1: {
		cur_op = "tcpcap_send";
		capnet_handle h = pick_typed(x, CAPNET_CAP_TCP_SOCKET);
		want = m_check(x, h, CAPNET_CAP_TCP_SOCKET, CAPNET_RIGHT_SEND, NULL, NULL);
		got = capnet_tcpcap_send(M.cs[x].cs, h, "data", 4, &len, now);
		break;
	}
	case 2: {
		cur_op = "tcpcap_recv";
		capnet_handle h = pick_typed(x, CAPNET_CAP_TCP_SOCKET);
		want = m_check(x, h, CAPNET_CAP_TCP_SOCKET, CAPNET_RIGHT_RECV, NULL, NULL);
		got = capnet_tcpcap_recv(M.cs[x].cs, h, buf, sizeof buf, &len, now);
		break;
	}
	case 3: {
		cur_op = "tcpcap_shutdown";
		capnet_handle h = pick_typed(x, CAPNET_CAP_TCP_SOCKET);
		want = m_check(x, h, CAPNET_CAP_TCP_SOCKET, CAPNET_RIGHT_SHUTDOWN, NULL, NULL);
		got = capnet_tcpcap_shutdown(M.cs[x].cs, h, now);
		break;
	}
	case 4: {
		cur_op = "tcpcap_set_keepalive";
		capnet_handle h = pick_typed(x, CAPNET_CAP_TCP_SOCKET);
		want = m_check(x, h, CAPNET_CAP_TCP_SOCKET, CAPNET_RIGHT_CONFIGURE, NULL, NULL);
		got = capnet_tcpcap_set_keepalive(M.cs[x].cs, h, rnd(2) != 0, CAPNET_S(10), CAPNET_S(2), 3, now);
		break;
	}
	default: {
		/* A TransportStatus view of a TcpSocket or TcpListener (READ). */
		cur_op = "tcpcap_status";
		capnet_handle h = pick_typed(x, rnd(2) ? CAPNET_CAP_TCP_SOCKET : CAPNET_CAP_TCP_LISTENER),
			      out = CAPNET_HANDLE_NONE;
		int n = -1;
		want = m_check(x, h, CAPNET_CAP_NONE, 0, NULL, &n);
		if (want == CAPNET_OK && M.nodes[n].type != CAPNET_CAP_TCP_SOCKET &&
		    M.nodes[n].type != CAPNET_CAP_TCP_LISTENER)
			want = reject(x, CAPNET_E_WRONGTYPE);
		else if (want == CAPNET_OK && !(M.nodes[n].rights & CAPNET_RIGHT_READ))
			want = reject(x, CAPNET_E_RIGHTS);
		got = capnet_tcpcap_status(M.cs[x].cs, h, &out);
		if (want != CAPNET_OK) {
			EXPECT(got, want);
			return got;
		}
		after_gate(x, got, n, out, CAPNET_CAP_TRANSPORT_STATUS,
			   m_sock_rights(CAPNET_CAP_TRANSPORT_STATUS, M.nodes[n].rights), &M.nodes[n].scope);
		return got;
	}
	}
	if (want != CAPNET_OK)
		EXPECT(got, want);
	else
		CHECK(!authority_err(got));
	return got;
}

static capnet_err step_udp(int x, enum effect *fx)
{
	*fx = GATED;
	capnet_handle h = pick_typed(x, CAPNET_CAP_UDP_SOCKET), out = CAPNET_HANDLE_NONE;
	uint16_t port = sock_ports[rnd(NSPORTS)];
	capnet_ip4addr dst = sock_dsts[rnd(NSDSTS)];
	uint8_t buf[64];
	size_t len;
	int n = -1;
	capnet_err want, got;
	switch (rnd(4)) {
	case 0: {
		cur_op = "udpcap_bind";
		struct capnet_scope_req q = {CAPNET_SCOPE_REQ_LOCAL, port, 0, 0};
		want = m_check(x, h, CAPNET_CAP_UDP_SOCKET, CAPNET_RIGHT_BIND, &q, &n);
		got = capnet_udpcap_bind(M.cs[x].cs, h, port, &out);
		if (want != CAPNET_OK) {
			EXPECT(got, want);
			return got;
		}
		/* A bound socket keeps its authority's remote scope, on its one
		 * port, and binds nothing more. */
		struct capnet_scope child = M.nodes[n].scope;
		child.local_lo = child.local_hi = port;
		after_gate(x, got, n, out, CAPNET_CAP_UDP_SOCKET,
			   m_sock_rights(CAPNET_CAP_UDP_SOCKET, M.nodes[n].rights) & ~CAPNET_RIGHT_BIND, &child);
		return got;
	}
	case 1: {
		cur_op = "udpcap_send_to";
		struct capnet_scope_req q = {CAPNET_SCOPE_REQ_REMOTE, 0, dst, port};
		want = m_check(x, h, CAPNET_CAP_UDP_SOCKET, CAPNET_RIGHT_SEND, &q, NULL);
		got = capnet_udpcap_send_to(M.cs[x].cs, h, dst, port, "q", 1, (capnet_instant)cur_step);
		break;
	}
	case 2: {
		cur_op = "udpcap_recv_from";
		want = m_check(x, h, CAPNET_CAP_UDP_SOCKET, CAPNET_RIGHT_RECV, NULL, NULL);
		got = capnet_udpcap_recv_from(M.cs[x].cs, h, buf, sizeof buf, &len, NULL);
		break;
	}
	default: {
		cur_op = "udpcap_events";
		unsigned ev;
		want = m_check(x, h, CAPNET_CAP_UDP_SOCKET, 0, NULL, NULL);
		got = capnet_udpcap_events(M.cs[x].cs, h, &ev);
		break;
	}
	}
	if (want != CAPNET_OK)
		EXPECT(got, want);
	else
		CHECK(!authority_err(got));
	return got;
}

/* capnet_cap_readiness: any cap; Timer needs READ; types without
 * readiness are WRONGTYPE. Read-only in every case. */
static capnet_err step_readiness(int x, enum effect *fx)
{
	cur_op = "cap_readiness";
	*fx = READ_ONLY;
	capnet_handle h = pick(x);
	int n = -1;
	capnet_err want = m_check(x, h, CAPNET_CAP_NONE, 0, NULL, &n);
	if (want == CAPNET_OK) {
		enum capnet_cap_type t = M.nodes[n].type;
		if (t != CAPNET_CAP_TIMER && t != CAPNET_CAP_TCP_SOCKET && t != CAPNET_CAP_TCP_LISTENER &&
		    t != CAPNET_CAP_UDP_SOCKET && t != CAPNET_CAP_PING)
			want = reject(x, CAPNET_E_WRONGTYPE);
		else if (t == CAPNET_CAP_TIMER && !(M.nodes[n].rights & CAPNET_RIGHT_READ))
			want = reject(x, CAPNET_E_RIGHTS);
	}
	unsigned ready;
	capnet_err got = capnet_cap_readiness(M.cs[x].cs, h, (capnet_instant)cur_step, &ready);
	if (want != CAPNET_OK)
		EXPECT(got, want);
	else
		CHECK(got == CAPNET_OK || got == CAPNET_E_STATE); /* E_STATE: an authority, not a socket */
	return got;
}

static bool park_type_ok(enum capnet_park_op op, enum capnet_cap_type t)
{
	if (op == CAPNET_PARK_ACCEPT)
		return t == CAPNET_CAP_TCP_LISTENER;
	if (op == CAPNET_PARK_CONNECT)
		return t == CAPNET_CAP_TCP_SOCKET;
	if (op == CAPNET_PARK_RECV && t == CAPNET_CAP_PING)
		return true; /* a Ping session parks for its next outcome */
	return t == CAPNET_CAP_TCP_SOCKET || t == CAPNET_CAP_UDP_SOCKET;
}

static uint32_t park_right(enum capnet_park_op op)
{
	return op == CAPNET_PARK_ACCEPT ? CAPNET_RIGHT_ACCEPT
	       : op == CAPNET_PARK_RECV ? CAPNET_RIGHT_RECV
	       : op == CAPNET_PARK_SEND ? CAPNET_RIGHT_SEND
					: 0;
}

/* A ticket for cspace x to use: one of its own (valid or read), another
 * cspace's, or one of a restarted cspace. Returns whether the model says
 * it is x's and unread. */
static capnet_ticket pick_ticket(int x, bool *valid, int *idx)
{
	struct mcs *c = &M.cs[x];
	*valid = false;
	*idx = -1;
	uint32_t r = rnd(10);
	if (r < 7 && c->ntk > 0) {
		int i = (int)rnd((uint32_t)c->ntk);
		*valid = c->tk_valid[i];
		*idx = i;
		return c->tk[i];
	}
	if (r < 9) {
		int y = (int)rnd(NCS);
		if (y != x && M.cs[y].ntk > 0)
			return M.cs[y].tk[rnd((uint32_t)M.cs[y].ntk)];
	}
	if (M.nold_tk > 0)
		return M.old_tk[rnd((uint32_t)M.nold_tk)];
	return 0xffffffffu;
}

static capnet_err step_park(int x, enum effect *fx)
{
	*fx = GATED;
	capnet_instant now = (capnet_instant)cur_step;
	struct mcs *c = &M.cs[x];
	capnet_err want, got;
	uint32_t r = rnd(3);
	if (r == 0) {
		cur_op = "park";
		enum capnet_park_op op = (enum capnet_park_op)rnd(4);
		capnet_handle h = pick(x);
		int n = -1;
		want = m_check(x, h, CAPNET_CAP_NONE, 0, NULL, &n);
		if (want == CAPNET_OK && !park_type_ok(op, M.nodes[n].type))
			want = reject(x, CAPNET_E_WRONGTYPE);
		else if (want == CAPNET_OK && (M.nodes[n].rights & park_right(op)) != park_right(op))
			want = reject(x, CAPNET_E_RIGHTS);
		capnet_ticket t;
		capnet_instant deadline = rnd(2) ? CAPNET_INSTANT_NEVER : now + (capnet_instant)rnd(50);
		got = capnet_park(c->cs, h, op, deadline, now, &t);
		if (want != CAPNET_OK) {
			EXPECT(got, want);
			return got;
		}
		CHECK(!authority_err(got));
		if (got == CAPNET_OK && c->ntk < MAXT) {
			c->tk[c->ntk] = t;
			c->tk_valid[c->ntk++] = true;
		}
		return got;
	}
	bool valid;
	int i;
	capnet_ticket t = pick_ticket(x, &valid, &i);
	if (r == 1) {
		cur_op = "park_result";
		struct capnet_park_result res;
		got = capnet_park_result(c->cs, t, &res);
		if (!valid) {
			EXPECT(got, reject(x, CAPNET_E_BADHANDLE));
		} else {
			CHECK(got == CAPNET_OK || got == CAPNET_E_AGAIN);
			if (got == CAPNET_OK) {
				c->tk_valid[i] = false; /* read once */
				CHECK(res.outcome != CAPNET_OUTCOME_PENDING);
			}
		}
		return got;
	}
	cur_op = "park_cancel";
	got = capnet_park_cancel(c->cs, t, now);
	if (!valid)
		EXPECT(got, reject(x, CAPNET_E_BADHANDLE));
	else
		CHECK(got == CAPNET_OK || got == CAPNET_E_STATE);
	return got;
}

/* Mostly a cspace that holds a live cap of type t (else x): socket calls
 * are only interesting from where the authority is. */
static int acting_for(enum capnet_cap_type t, int x)
{
	if (rnd(5) == 0)
		return x;
	int with[NCS], n = 0;
	for (int y = 0; y < NCS; y++) {
		if (!M.cs[y].live)
			continue;
		for (int i = 0; i < M.cs[y].nh; i++) {
			if (M.cs[y].hs[i].state == H_LIVE && M.nodes[M.cs[y].hs[i].node].type == t) {
				with[n++] = y;
				break;
			}
		}
	}
	return n > 0 ? with[rnd((uint32_t)n)] : x;
}

static capnet_err step_socket(int x, enum effect *fx)
{
	static const enum capnet_cap_type use_types[] = {CAPNET_CAP_TCP_SOCKET, CAPNET_CAP_TCP_LISTENER,
							 CAPNET_CAP_UDP_SOCKET, CAPNET_CAP_TIMER};
	uint32_t r = rnd(100);
	if (r < 15)
		return step_tcp_listen(acting_for(CAPNET_CAP_TCP_LISTEN_AUTHORITY, x), fx);
	if (r < 30)
		return step_tcp_connect(acting_for(CAPNET_CAP_TCP_CONNECT_AUTHORITY, x), fx);
	if (r < 55)
		return step_tcp_use(acting_for(rnd(2) ? CAPNET_CAP_TCP_SOCKET : CAPNET_CAP_TCP_LISTENER, x), fx);
	if (r < 75)
		return step_udp(acting_for(CAPNET_CAP_UDP_SOCKET, x), fx);
	if (r < 85)
		return step_readiness(acting_for(use_types[rnd(4)], x), fx);
	return step_park(acting_for(use_types[rnd(3)], x), fx);
}

/* ---- invariants ---- */

static void check_invariants(void)
{
	CHECK(capnet_capsys_verify(sys) == CAPNET_OK);
	struct capnet_capsys_stats st;
	capnet_capsys_stats(sys, &st);
	CHECK(st.caps_in_use == (uint32_t)ncount());
	uint32_t slots = 0, revoked = 0;
	for (int x = 0; x < NCS; x++) {
		struct mcs *c = &M.cs[x];
		slots += (uint32_t)c->slots_used;
		struct capnet_audit au;
		capnet_cspace_audit(c->cs, &au);
		for (int r = 0; r < CAPNET_AUDIT__COUNT; r++)
			ck_assert_msg(au.rejected[r] == c->audit[r], "cspace %d audit %s: %llu vs model %llu: " FAIL_FMT, x,
				      capnet_audit_reason_name((enum capnet_audit_reason)r),
				      (unsigned long long)au.rejected[r], (unsigned long long)c->audit[r], FAIL_ARGS);
		for (int i = 0; i < c->nh; i++) {
			const struct mhandle *mh = &c->hs[i];
			if (mh->state == H_REVOKED)
				revoked++;
			if (mh->state != H_LIVE)
				continue;
			const struct mnode *nd = &M.nodes[mh->node];
			struct capnet_cap_info info;
			CHECK(capnet_cap_inspect(c->cs, mh->h, &info) == CAPNET_OK);
			CHECK(info.type == nd->type);
			CHECK(info.rights == nd->rights);
			CHECK(info.scope.local_lo == nd->scope.local_lo && info.scope.local_hi == nd->scope.local_hi &&
			      info.scope.remote_addr == nd->scope.remote_addr &&
			      info.scope.remote_prefix == nd->scope.remote_prefix &&
			      info.scope.remote_lo == nd->scope.remote_lo && info.scope.remote_hi == nd->scope.remote_hi);
			/* Rights never exceed what the cap was created with, nor a
			 * granted cap's what its parent had when it was granted. */
			CHECK((info.rights & ~nd->ceiling) == 0);
			CHECK((info.rights & ~capnet_cap_type_rights(info.type)) == 0);
			if (nd->granted && M.nodes[nd->parent].live)
				CHECK((nd->ceiling & ~M.nodes[nd->parent].ceiling) == 0);
		}
	}
	CHECK(st.slots_in_use == slots);
	CHECK(st.slots_revoked == revoked);
	CHECK(M.releases == M.releases_expected);
	struct capnet_audit total;
	capnet_capsys_audit(sys, &total);
	for (int r = 0; r < CAPNET_AUDIT__COUNT; r++)
		CHECK(total.rejected[r] == M.audit_total[r]);
}

/* ---- runs ---- */

static void run_one(int run)
{
	static const uint16_t slot_cfg[] = {6, 11, 16};
	static const uint32_t cap_cfg[] = {12, 22, 32, 48};
	memset(&M, 0, sizeof M);
	cur_run = run;
	cur_step = -1;
	cur_op = "setup";
	M.slots = slot_cfg[run % 3];
	M.max_caps = cap_cfg[run % 4];
	capnet_xoshiro_seed(&gen, base_seed * 1000003u + (uint64_t)run);
	capnet_xoshiro_seed(&sys_rng, base_seed ^ (0x5bd1e995u * (uint64_t)(run + 1)));
	capnet_arena_init(&arena, arena_mem, sizeof arena_mem);
	struct capnet_capsys_config cfg = {NCS, M.slots, M.max_caps, 0, 0};
	ck_assert_int_eq(capnet_capsys_create(&arena, &cfg, capnet_xoshiro_rng(&sys_rng), &sys), CAPNET_OK);
	test_stack_init(&ts, (struct capnet_mac){{2, 0, 0, 0, 0, 0x0a}}, NULL);
	ck_assert_ptr_nonnull(ts.ifc);
	/* Real transports behind the socket caps: small, so that their limits
	 * (sockets, parked calls) are reached too. */
	struct capnet_tcp_config tcfg = {0};
	tcfg.max_sockets = 6;
	tcfg.sndbuf = 1024;
	tcfg.rcvbuf = 1024;
	ck_assert_int_eq(capnet_tcp_create(&arena, &tcfg, ts.ifc, &tcp), CAPNET_OK);
	ck_assert_int_eq(capnet_udp_create(&arena, NULL, ts.ifc, &udp), CAPNET_OK);
	struct capnet_ip4cfg *layers;
	ck_assert_int_eq(capnet_ip4cfg_create(&arena, ts.ifc, &layers), CAPNET_OK);
	net = (struct capnet_net){
		.name = "eth0", .iface = ts.ifc, .nic = &ts.cn.nic, .sys = sys, .tcp = tcp, .udp = udp, .ip4cfg = layers};
	struct capnet_sockets_config scfg = {6, 6};
	ck_assert_int_eq(capnet_sockets_create(&arena, &scfg, &net, &socks), CAPNET_OK);
	for (int x = 0; x < NCS; x++) {
		ck_assert_int_eq(capnet_cspace_create(sys, x == 0 ? "boot" : "app", &M.cs[x].cs), CAPNET_OK);
		M.cs[x].live = true;
	}
	/* Boot holds the NetworkManager; the rest is up to chance. */
	capnet_handle nm;
	ck_assert_int_eq(capnet_netmgr_create_root(M.cs[0].cs, &net, &nm), CAPNET_OK);
	nm_root = nm;
	m_add(0, nm, CAPNET_CAP_NETWORK_MANAGER, m_typemask(CAPNET_CAP_NETWORK_MANAGER), &scopes[0], -1, -1);

	for (cur_step = 0; cur_step < steps; cur_step++) {
		int x = acting_cs();
		enum effect fx = READ_ONLY;
		capture_nic_clear(&ts.cn);
		uint64_t fp0 = capnet_net_fingerprint(&net);
		capnet_err got;
		uint32_t r = rnd(100);
		if (rnd(4) == 0)
			got = step_socket(x, &fx);
		else if (r < 4)
			got = step_mint_root(x, &fx);
		else if (r < 18)
			got = step_grant(x, &fx);
		else if (r < 25)
			got = step_attenuate(x, &fx);
		else if (r < 30)
			got = step_revoke(x, &fx, false);
		else if (r < 33)
			got = step_revoke(x, &fx, true);
		else if (r < 41)
			got = step_close(x, &fx);
		else if (r < 55)
			got = step_check(x, &fx);
		else if (r < 64)
			got = step_mint(x, &fx);
		else if (r < 68)
			got = step_inspect(x, &fx);
		else if (r < 82)
			got = step_netmgr(x, &fx);
		else if (r < 89)
			got = step_status(x, &fx);
		else if (r < 92)
			got = step_dns(x, &fx);
		else if (r < 96)
			got = step_timer(x, &fx);
		else if (r < 99 || rnd(3) != 0)
			got = step_nic(x, &fx);
		else
			got = step_restart(&fx);
		calls++;
		successes += got == CAPNET_OK;
		if (getenv("CAPNET_PROPERTY_VERBOSE"))
			printf("%d %d %s %s\n", run, cur_step, cur_op, capnet_errname(got));
		/* Read-only and refused calls change nothing and send nothing. */
		if (fx == GATED) {
			if (authority_err(got)) {
				CHECK(ts.cn.ntx == 0);
				CHECK(capnet_net_fingerprint(&net) == fp0);
			}
		} else {
			if (fx != MAY_SEND || got != CAPNET_OK)
				CHECK(ts.cn.ntx == 0);
			if (fx == READ_ONLY || (got != CAPNET_OK && got != CAPNET_E_NOMEM))
				CHECK(capnet_net_fingerprint(&net) == fp0);
		}
		socket_calls += fx == GATED;
		socket_successes += fx == GATED && got == CAPNET_OK;
		check_invariants();
	}
	for (int r = 0; r < CAPNET_AUDIT__COUNT; r++)
		grand_audit[r] += M.audit_total[r];
}

START_TEST(test_random_call_sequences_never_exceed_granted_rights)
{
	for (int run = 0; run < runs; run++)
		run_one(run);
	printf("cap-property: seed %llu, %d runs x %d steps: %llu calls, %llu succeeded; rejected:",
	       (unsigned long long)base_seed, runs, steps, (unsigned long long)calls, (unsigned long long)successes);
	for (int r = 0; r < CAPNET_AUDIT__COUNT; r++)
		printf(" %s=%llu", capnet_audit_reason_name((enum capnet_audit_reason)r),
		       (unsigned long long)grand_audit[r]);
	printf("; socket calls %llu, %llu succeeded\n", (unsigned long long)socket_calls,
	       (unsigned long long)socket_successes);
	ck_assert_uint_gt(successes, calls / 20); /* the calls are not all refusals */
	ck_assert_uint_gt(socket_successes, 0); /* sockets do get opened and used */
	for (int r = 0; r < CAPNET_AUDIT__COUNT; r++)
		ck_assert_uint_gt(grand_audit[r], 0); /* every rejection path was exercised */
}
END_TEST

static Suite *suite(void)
{
	const char *s = getenv("CAPNET_PROPERTY_SEED");
	base_seed = 20240601;
	if (s != NULL && strcmp(s, "random") == 0)
		base_seed = (uint64_t)time(NULL);
	else if (s != NULL)
		base_seed = strtoull(s, NULL, 0);
	if (getenv("CAPNET_PROPERTY_RUNS"))
		runs = atoi(getenv("CAPNET_PROPERTY_RUNS"));
	if (getenv("CAPNET_PROPERTY_STEPS"))
		steps = atoi(getenv("CAPNET_PROPERTY_STEPS"));
	Suite *su = suite_create("cap-property");
	TCase *tc = tcase_create("property");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_random_call_sequences_never_exceed_granted_rights);
	suite_add_tcase(su, tc);
	return su;
}
