/* The capability core: handles that cannot be forged, copied or reused,
 * rights and scopes that never grow, revocation through the derivation
 * tree, an exact audit, and exhaustion that leaks nothing. Every test owns
 * its system and ends by verifying the tables and that nothing leaked. */
#include <ev.h>
#include <stdio.h>
#include <string.h>

#include "capnet/cap.h"
#include "capnet/host/ev.h"
#include "capnet/host/host.h"
#include "capnet/pollable.h"
#include "check_main.h"
#include "support/capture_nic.h"

static uint8_t arena_mem[1 << 20];
static struct capnet_arena arena;
static struct capnet_xoshiro xo;
static struct capnet_capsys *sys;

static void make_sys(uint16_t cspaces, uint16_t slots, uint32_t caps)
{
	struct capnet_capsys_config cfg = {cspaces, slots, caps, 0, 0};
	capnet_xoshiro_seed(&xo, 42);
	capnet_arena_init(&arena, arena_mem, sizeof arena_mem);
	ck_assert_int_eq(capnet_capsys_create(&arena, &cfg, capnet_xoshiro_rng(&xo), &sys), CAPNET_OK);
}

static void setup(void)
{
	make_sys(8, 64, 256);
}

static void teardown(void)
{
	ck_assert_int_eq(capnet_capsys_verify(sys), CAPNET_OK);
}

static struct capnet_cspace *new_cs(const char *name)
{
	struct capnet_cspace *cs;
	ck_assert_int_eq(capnet_cspace_create(sys, name, &cs), CAPNET_OK);
	return cs;
}

static capnet_handle root(struct capnet_cspace *cs, enum capnet_cap_type t, uint32_t rights)
{
	capnet_handle h;
	ck_assert_int_eq(capnet_cap_mint_root(cs, t, rights, NULL, NULL, NULL, &h), CAPNET_OK);
	return h;
}

static uint64_t rejected(struct capnet_cspace *cs, enum capnet_audit_reason r)
{
	struct capnet_audit a;
	capnet_cspace_audit(cs, &a);
	return a.rejected[r];
}

static uint32_t caps_in_use(void)
{
	struct capnet_capsys_stats st;
	capnet_capsys_stats(sys, &st);
	return st.caps_in_use;
}

#define LISTEN_RIGHTS (CAPNET_RIGHT_BIND | CAPNET_RIGHT_GRANT)
#define SOCK_ALL capnet_cap_type_rights(CAPNET_CAP_TCP_SOCKET)

/* ---- handles ---- */

START_TEST(test_forged_handles_are_rejected)
{
	struct capnet_cspace *cs = new_cs("app");
	capnet_handle held[16];
	for (int i = 0; i < 16; i++)
		held[i] = root(cs, CAPNET_CAP_TCP_SOCKET, SOCK_ALL);
	struct capnet_xoshiro g;
	capnet_xoshiro_seed(&g, 7);
	int forged = 0;
	for (int i = 0; i < 100000; i++) {
		capnet_handle h = capnet_xoshiro_next(&g);
		bool is_held = false;
		for (int j = 0; j < 16; j++)
			is_held |= h == held[j];
		if (is_held)
			continue;
		forged++;
		ck_assert_int_eq(capnet_cap_check(cs, h, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_BADHANDLE);
	}
	/* Near misses: one bit flipped of a held handle. */
	for (int b = 0; b < 64; b++)
		ck_assert_int_eq(capnet_cap_check(cs, held[3] ^ ((uint64_t)1 << b), CAPNET_CAP_NONE, 0, NULL, NULL),
				 CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_cap_check(cs, CAPNET_HANDLE_NONE, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_BADHANDLE);
	ck_assert_uint_eq(rejected(cs, CAPNET_AUDIT_BADHANDLE), (uint64_t)forged + 64 + 1);
	for (int j = 0; j < 16; j++)
		ck_assert_int_eq(capnet_cap_check(cs, held[j], CAPNET_CAP_TCP_SOCKET, SOCK_ALL, NULL, NULL), CAPNET_OK);
}
END_TEST

START_TEST(test_handle_from_another_cspace_is_rejected)
{
	struct capnet_cspace *a = new_cs("a"), *b = new_cs("b");
	/* Same slot, same generation in both: only the key differs. */
	capnet_handle ha = root(a, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_READ);
	capnet_handle hb = root(b, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_READ);
	ck_assert_uint_ne(ha, hb);
	ck_assert_int_eq(capnet_cap_check(b, ha, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_cap_check(a, hb, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_cap_close(b, ha), CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_cap_revoke(b, ha), CAPNET_E_BADHANDLE);
	capnet_handle out;
	ck_assert_int_eq(capnet_cap_grant(b, ha, b, 0, NULL, &out), CAPNET_E_BADHANDLE);
	ck_assert_uint_eq(rejected(b, CAPNET_AUDIT_BADHANDLE), 4);
	ck_assert_uint_eq(rejected(a, CAPNET_AUDIT_BADHANDLE), 1);
	/* Nothing moved: both still work. */
	ck_assert_int_eq(capnet_cap_check(a, ha, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_READ, NULL, NULL), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_check(b, hb, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_READ, NULL, NULL), CAPNET_OK);
}
END_TEST

START_TEST(test_destroyed_cspace_handles_die_with_it)
{
	struct capnet_cspace *a = new_cs("a");
	capnet_handle h = root(a, CAPNET_CAP_TIMER, CAPNET_RIGHT_READ);
	uint32_t id = capnet_cspace_id(a);
	capnet_cspace_destroy(a);
	ck_assert_ptr_null(capnet_capsys_cspace(sys, id));
	ck_assert_uint_eq(caps_in_use(), 0);
	/* The same cspace struct comes back with a new key. */
	struct capnet_cspace *a2 = new_cs("a2");
	ck_assert_ptr_eq(a2, a);
	ck_assert_int_eq(capnet_cap_check(a2, h, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_BADHANDLE);
}
END_TEST

START_TEST(test_stale_handle_after_close_and_slot_reuse)
{
	struct capnet_cspace *cs = new_cs("app");
	capnet_handle h1 = root(cs, CAPNET_CAP_TCP_SOCKET, SOCK_ALL);
	struct capnet_cap_info i1, i2;
	ck_assert_int_eq(capnet_cap_inspect(cs, h1, &i1), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_close(cs, h1), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_check(cs, h1, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_BADHANDLE);
	/* The freed slot is the next one handed out (LIFO), with a new generation. */
	capnet_handle h2 = root(cs, CAPNET_CAP_UDP_SOCKET, CAPNET_RIGHT_SEND);
	ck_assert_int_eq(capnet_cap_inspect(cs, h2, &i2), CAPNET_OK);
	ck_assert_uint_eq(i1.cap_id, i2.cap_id);
	ck_assert_uint_ne(h1, h2);
	ck_assert_int_eq(capnet_cap_check(cs, h1, CAPNET_CAP_TCP_SOCKET, 0, NULL, NULL), CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_cap_close(cs, h1), CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_cap_check(cs, h2, CAPNET_CAP_UDP_SOCKET, CAPNET_RIGHT_SEND, NULL, NULL), CAPNET_OK);
	ck_assert_uint_eq(rejected(cs, CAPNET_AUDIT_BADHANDLE), 3);
	ck_assert_int_eq(capnet_cap_close(cs, h2), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_close(cs, h2), CAPNET_E_BADHANDLE);
}
END_TEST

START_TEST(test_slot_is_retired_when_its_generation_would_wrap)
{
	make_sys(2, 1, 4);
	struct capnet_cspace *cs = new_cs("app");
	capnet_handle first = root(cs, CAPNET_CAP_TIMER, CAPNET_RIGHT_READ), h = first;
	uint32_t cycles = 1;
	for (;;) {
		ck_assert_int_eq(capnet_cap_close(cs, h), CAPNET_OK);
		if (capnet_cap_mint_root(cs, CAPNET_CAP_TIMER, CAPNET_RIGHT_READ, NULL, NULL, NULL, &h) != CAPNET_OK)
			break;
		ck_assert_int_eq(capnet_cap_check(cs, first, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_BADHANDLE);
		cycles++;
	}
	ck_assert_uint_eq(cycles, 65536);
	struct capnet_capsys_stats st;
	capnet_capsys_stats(sys, &st);
	ck_assert_uint_eq(st.slots_retired, 1);
	ck_assert_uint_eq(st.caps_in_use, 0);
}
END_TEST

/* ---- rights and scope ---- */

START_TEST(test_check_order_is_handle_type_rights_scope)
{
	struct capnet_cspace *cs = new_cs("app");
	capnet_handle la;
	struct capnet_scope sc = capnet_scope_local(8000, 8009);
	ck_assert_int_eq(capnet_cap_mint_root(cs, CAPNET_CAP_TCP_LISTEN_AUTHORITY, CAPNET_RIGHT_BIND, &sc, NULL, NULL, &la),
			 CAPNET_OK);
	struct capnet_scope_req out_of_range = {CAPNET_SCOPE_REQ_LOCAL, 80, 0, 0};
	struct capnet_scope_req in_range = {CAPNET_SCOPE_REQ_LOCAL, 8005, 0, 0};
	/* wrong type wins over missing rights and scope */
	ck_assert_int_eq(capnet_cap_check(cs, la, CAPNET_CAP_UDP_SOCKET, CAPNET_RIGHT_GRANT, &out_of_range, NULL),
			 CAPNET_E_WRONGTYPE);
	/* missing right wins over scope */
	ck_assert_int_eq(capnet_cap_check(cs, la, CAPNET_CAP_TCP_LISTEN_AUTHORITY, CAPNET_RIGHT_GRANT, &out_of_range,
					  NULL),
			 CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_cap_check(cs, la, CAPNET_CAP_TCP_LISTEN_AUTHORITY, CAPNET_RIGHT_BIND, &out_of_range, NULL),
			 CAPNET_E_SCOPE);
	ck_assert_int_eq(capnet_cap_check(cs, la, CAPNET_CAP_TCP_LISTEN_AUTHORITY, CAPNET_RIGHT_BIND, &in_range, NULL),
			 CAPNET_OK);
	ck_assert_uint_eq(rejected(cs, CAPNET_AUDIT_WRONGTYPE), 1);
	ck_assert_uint_eq(rejected(cs, CAPNET_AUDIT_RIGHTS), 1);
	ck_assert_uint_eq(rejected(cs, CAPNET_AUDIT_SCOPE), 1);
}
END_TEST

START_TEST(test_root_rights_must_fit_the_type)
{
	struct capnet_cspace *cs = new_cs("boot");
	capnet_handle h;
	/* A read-only type can never carry SEND or CONFIGURE. */
	ck_assert_int_eq(capnet_cap_mint_root(cs, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_READ | CAPNET_RIGHT_SEND, NULL,
					      NULL, NULL, &h),
			 CAPNET_E_INVAL);
	ck_assert_int_eq(capnet_cap_mint_root(cs, CAPNET_CAP_TRANSPORT_STATUS, CAPNET_RIGHT_CONFIGURE, NULL, NULL, NULL,
					      &h),
			 CAPNET_E_INVAL);
	ck_assert_int_eq(capnet_cap_mint_root(cs, CAPNET_CAP_NONE, 0, NULL, NULL, NULL, &h), CAPNET_E_INVAL);
	ck_assert_int_eq(capnet_cap_mint_root(cs, CAPNET_CAP__COUNT, 0, NULL, NULL, NULL, &h), CAPNET_E_INVAL);
	struct capnet_scope bad = capnet_scope_local(10, 9);
	ck_assert_int_eq(capnet_cap_mint_root(cs, CAPNET_CAP_TCP_LISTEN_AUTHORITY, 0, &bad, NULL, NULL, &h),
			 CAPNET_E_INVAL);
	ck_assert_uint_eq(caps_in_use(), 0);
	for (int t = 1; t < CAPNET_CAP__COUNT; t++) {
		ck_assert_str_ne(capnet_cap_type_name((enum capnet_cap_type)t), "?");
		uint32_t r = capnet_cap_type_rights((enum capnet_cap_type)t);
		ck_assert_uint_ne(r, 0);
		ck_assert_uint_eq(r & ~CAPNET_RIGHTS_ALL, 0);
	}
	ck_assert_uint_eq(capnet_cap_type_rights(CAPNET_CAP_NETWORK_STATUS), CAPNET_RIGHT_READ | CAPNET_RIGHT_GRANT);
	ck_assert_str_eq(capnet_right_name(CAPNET_RIGHT_SHUTDOWN), "SHUTDOWN");
	ck_assert_ptr_null(capnet_right_name(3));
}
END_TEST

START_TEST(test_rights_never_grow_on_grant)
{
	struct capnet_cspace *a = new_cs("a"), *b = new_cs("b"), *c = new_cs("c");
	uint32_t all = SOCK_ALL;
	capnet_handle ha = root(a, CAPNET_CAP_TCP_SOCKET, all);
	capnet_handle hb, hc, x;
	/* Every subset of the source's rights can be granted, and exactly it. */
	for (uint32_t r = 0; r <= CAPNET_RIGHTS_ALL; r++) {
		capnet_err e = capnet_cap_grant(a, ha, b, r, NULL, &x);
		if ((r & ~all) != 0) {
			ck_assert_int_eq(e, CAPNET_E_RIGHTS);
			continue;
		}
		ck_assert_int_eq(e, CAPNET_OK);
		struct capnet_cap_info i;
		ck_assert_int_eq(capnet_cap_inspect(b, x, &i), CAPNET_OK);
		ck_assert_uint_eq(i.rights, r);
		ck_assert_int_eq(i.origin, CAPNET_ORIGIN_GRANT);
		ck_assert_int_eq(capnet_cap_close(b, x), CAPNET_OK);
	}
	/* One right more than the source holds is refused, whichever it is. */
	capnet_handle narrow;
	ck_assert_int_eq(capnet_cap_grant(a, ha, a, CAPNET_RIGHT_GRANT, NULL, &narrow), CAPNET_OK);
	for (uint32_t bit = 0; bit < 10; bit++) {
		if (bit == 3) /* GRANT: held */
			continue;
		ck_assert_int_eq(capnet_cap_grant(a, narrow, b, CAPNET_RIGHT_GRANT | (1u << bit), NULL, &x), CAPNET_E_RIGHTS);
		ck_assert_int_eq(capnet_cap_attenuate(a, narrow, CAPNET_RIGHT_GRANT | (1u << bit), NULL), CAPNET_E_RIGHTS);
	}
	/* b gets SEND|GRANT; it cannot pass on RECV, nor more than it has. */
	ck_assert_int_eq(capnet_cap_grant(a, ha, b, CAPNET_RIGHT_SEND | CAPNET_RIGHT_GRANT, NULL, &hb), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(b, hb, c, CAPNET_RIGHT_RECV, NULL, &x), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_cap_grant(b, hb, c, CAPNET_RIGHT_SEND | CAPNET_RIGHT_RECV, NULL, &x), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_cap_grant(b, hb, c, CAPNET_RIGHT_SEND, NULL, &hc), CAPNET_OK);
	/* c has no GRANT: it cannot grant at all, even nothing. */
	ck_assert_int_eq(capnet_cap_grant(c, hc, a, 0, NULL, &x), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_cap_check(c, hc, CAPNET_CAP_TCP_SOCKET, CAPNET_RIGHT_RECV, NULL, NULL), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_cap_check(c, hc, CAPNET_CAP_TCP_SOCKET, CAPNET_RIGHT_SEND, NULL, NULL), CAPNET_OK);
	ck_assert_uint_eq(rejected(b, CAPNET_AUDIT_RIGHTS), 2);
	ck_assert_uint_eq(rejected(c, CAPNET_AUDIT_RIGHTS), 2);
	ck_assert_uint_eq(rejected(a, CAPNET_AUDIT_RIGHTS), CAPNET_RIGHTS_ALL + 1 - (1u << __builtin_popcount(all)) + 18);
}
END_TEST

START_TEST(test_scope_never_widens_on_grant)
{
	struct capnet_cspace *a = new_cs("a"), *b = new_cs("b");
	capnet_handle ca, x;
	struct capnet_scope s = capnet_scope_remote(CAPNET_IP4(192, 0, 2, 0), 24, 80, 443);
	ck_assert_int_eq(capnet_cap_mint_root(a, CAPNET_CAP_TCP_CONNECT_AUTHORITY,
					      CAPNET_RIGHT_CONNECT | CAPNET_RIGHT_GRANT, &s, NULL, NULL, &ca),
			 CAPNET_OK);
	struct capnet_scope wider_port = capnet_scope_remote(CAPNET_IP4(192, 0, 2, 0), 24, 79, 443);
	struct capnet_scope shorter_prefix = capnet_scope_remote(CAPNET_IP4(192, 0, 0, 0), 16, 80, 443);
	struct capnet_scope other_net = capnet_scope_remote(CAPNET_IP4(198, 51, 100, 0), 24, 80, 80);
	struct capnet_scope host_bits = capnet_scope_remote(CAPNET_IP4(192, 0, 2, 1), 24, 80, 80);
	struct capnet_scope one_host = capnet_scope_remote(CAPNET_IP4(192, 0, 2, 7), 32, 443, 443);
	ck_assert_int_eq(capnet_cap_grant(a, ca, b, CAPNET_RIGHT_CONNECT, &wider_port, &x), CAPNET_E_SCOPE);
	ck_assert_int_eq(capnet_cap_grant(a, ca, b, CAPNET_RIGHT_CONNECT, &shorter_prefix, &x), CAPNET_E_SCOPE);
	ck_assert_int_eq(capnet_cap_grant(a, ca, b, CAPNET_RIGHT_CONNECT, &other_net, &x), CAPNET_E_SCOPE);
	ck_assert_int_eq(capnet_cap_grant(a, ca, b, CAPNET_RIGHT_CONNECT, &host_bits, &x), CAPNET_E_INVAL);
	ck_assert_int_eq(capnet_cap_grant(a, ca, b, CAPNET_RIGHT_CONNECT, &one_host, &x), CAPNET_OK);
	struct capnet_scope_req ok = {CAPNET_SCOPE_REQ_REMOTE, 0, CAPNET_IP4(192, 0, 2, 7), 443};
	struct capnet_scope_req other_host = {CAPNET_SCOPE_REQ_REMOTE, 0, CAPNET_IP4(192, 0, 2, 8), 443};
	struct capnet_scope_req other_port = {CAPNET_SCOPE_REQ_REMOTE, 0, CAPNET_IP4(192, 0, 2, 7), 80};
	ck_assert_int_eq(capnet_cap_check(b, x, CAPNET_CAP_TCP_CONNECT_AUTHORITY, CAPNET_RIGHT_CONNECT, &ok, NULL),
			 CAPNET_OK);
	ck_assert_int_eq(capnet_cap_check(b, x, CAPNET_CAP_TCP_CONNECT_AUTHORITY, CAPNET_RIGHT_CONNECT, &other_host, NULL),
			 CAPNET_E_SCOPE);
	ck_assert_int_eq(capnet_cap_check(b, x, CAPNET_CAP_TCP_CONNECT_AUTHORITY, CAPNET_RIGHT_CONNECT, &other_port, NULL),
			 CAPNET_E_SCOPE);
	ck_assert_uint_eq(rejected(a, CAPNET_AUDIT_SCOPE), 3);
	ck_assert_uint_eq(rejected(b, CAPNET_AUDIT_SCOPE), 2);
}
END_TEST

START_TEST(test_attenuate_narrows_only)
{
	struct capnet_cspace *a = new_cs("a"), *b = new_cs("b");
	capnet_handle la, lb;
	struct capnet_scope s = capnet_scope_local(8000, 8999);
	ck_assert_int_eq(capnet_cap_mint_root(a, CAPNET_CAP_TCP_LISTEN_AUTHORITY, LISTEN_RIGHTS, &s, NULL, NULL, &la),
			 CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(a, la, b, LISTEN_RIGHTS, NULL, &lb), CAPNET_OK);
	struct capnet_scope narrow = capnet_scope_local(8080, 8089);
	struct capnet_scope back = capnet_scope_local(8000, 8999);
	ck_assert_int_eq(capnet_cap_attenuate(a, la, CAPNET_RIGHT_BIND, &narrow), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_attenuate(a, la, LISTEN_RIGHTS, NULL), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_cap_attenuate(a, la, CAPNET_RIGHT_BIND, &back), CAPNET_E_SCOPE);
	struct capnet_cap_info i;
	ck_assert_int_eq(capnet_cap_inspect(a, la, &i), CAPNET_OK);
	ck_assert_uint_eq(i.rights, CAPNET_RIGHT_BIND);
	ck_assert_uint_eq(i.scope.local_lo, 8080);
	ck_assert_uint_eq(i.scope.local_hi, 8089);
	/* Once narrowed it cannot grant any more. */
	capnet_handle x;
	ck_assert_int_eq(capnet_cap_grant(a, la, b, CAPNET_RIGHT_BIND, NULL, &x), CAPNET_E_RIGHTS);
	/* Attenuation is of this cap only: b's copy is as it was granted. */
	ck_assert_int_eq(capnet_cap_inspect(b, lb, &i), CAPNET_OK);
	ck_assert_uint_eq(i.rights, LISTEN_RIGHTS);
	ck_assert_uint_eq(i.scope.local_hi, 8999);
	/* To zero rights is allowed; every use then fails. */
	ck_assert_int_eq(capnet_cap_attenuate(a, la, 0, NULL), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_check(a, la, CAPNET_CAP_TCP_LISTEN_AUTHORITY, CAPNET_RIGHT_BIND, NULL, NULL),
			 CAPNET_E_RIGHTS);
	ck_assert_uint_eq(rejected(a, CAPNET_AUDIT_RIGHTS), 3);
	ck_assert_uint_eq(rejected(a, CAPNET_AUDIT_SCOPE), 1);
}
END_TEST

/* ---- revocation ---- */

static int releases;
static void count_release(void *obj)
{
	(void)obj;
	releases++;
}
static const struct capnet_cap_objops counting_ops = {count_release};

/* nm (boot) -mint-> la (boot) -grant-> lb (app) -grant-> lc (worker)
 *   -mint-> listener (worker, owns an object) -grant-> lst_b (app). */
START_TEST(test_revoke_cascades_through_grants_and_mints_across_cspaces)
{
	struct capnet_cspace *boot = new_cs("boot"), *app = new_cs("app"), *worker = new_cs("worker");
	capnet_handle nm = root(boot, CAPNET_CAP_NETWORK_MANAGER, capnet_cap_type_rights(CAPNET_CAP_NETWORK_MANAGER));
	struct capnet_scope range = capnet_scope_local(8000, 8099);
	struct capnet_cap_mint_args ma = {CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_MINT, NULL,
					  CAPNET_CAP_TCP_LISTEN_AUTHORITY, LISTEN_RIGHTS, &range, NULL, NULL};
	capnet_handle la, lb, lc, lst, lst_b;
	ck_assert_int_eq(capnet_cap_mint(boot, nm, &ma, &la), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(boot, la, app, LISTEN_RIGHTS, NULL, &lb), CAPNET_OK);
	struct capnet_scope one = capnet_scope_local(8080, 8080);
	ck_assert_int_eq(capnet_cap_grant(app, lb, worker, LISTEN_RIGHTS, &one, &lc), CAPNET_OK);
	static int listener_obj;
	struct capnet_scope_req port = {CAPNET_SCOPE_REQ_LOCAL, 8080, 0, 0};
	struct capnet_cap_mint_args listen = {CAPNET_CAP_TCP_LISTEN_AUTHORITY,
					      CAPNET_RIGHT_BIND,
					      &port,
					      CAPNET_CAP_TCP_LISTENER,
					      capnet_cap_type_rights(CAPNET_CAP_TCP_LISTENER),
					      &one,
					      &listener_obj,
					      &counting_ops};
	ck_assert_int_eq(capnet_cap_mint(worker, lc, &listen, &lst), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(worker, lst, app, CAPNET_RIGHT_ACCEPT, NULL, &lst_b), CAPNET_OK);
	struct capnet_cap_info i;
	ck_assert_int_eq(capnet_cap_inspect(app, lst_b, &i), CAPNET_OK);
	ck_assert_uint_eq(i.depth, 5);
	ck_assert_ptr_eq(i.obj, &listener_obj);
	ck_assert_int_eq(i.parent_type, CAPNET_CAP_TCP_LISTENER);
	ck_assert_uint_eq(caps_in_use(), 6);

	/* The worker dropping its authority does not revoke what it derived,
	 * and the cap stays in the tree so revocation still reaches below it. */
	ck_assert_int_eq(capnet_cap_close(worker, lc), CAPNET_OK);
	ck_assert_uint_eq(caps_in_use(), 6);
	ck_assert_int_eq(capnet_cap_check(worker, lst, CAPNET_CAP_TCP_LISTENER, CAPNET_RIGHT_ACCEPT, NULL, NULL),
			 CAPNET_OK);

	releases = 0;
	ck_assert_int_eq(capnet_cap_revoke(boot, la), CAPNET_OK);
	ck_assert_int_eq(releases, 1);
	ck_assert_uint_eq(caps_in_use(), 1); /* only nm */
	ck_assert_int_eq(capnet_cap_check(boot, la, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_cap_check(app, lb, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_cap_check(worker, lst, CAPNET_CAP_TCP_LISTENER, CAPNET_RIGHT_ACCEPT, NULL, NULL),
			 CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_cap_check(app, lst_b, CAPNET_CAP_TCP_LISTENER, CAPNET_RIGHT_ACCEPT, NULL, NULL),
			 CAPNET_E_REVOKED);
	/* The closed handle was already stale: bad handle, not revoked. */
	ck_assert_int_eq(capnet_cap_check(worker, lc, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_BADHANDLE);
	/* Revoked handles answer E_REVOKED until closed, then go stale. */
	ck_assert_int_eq(capnet_cap_revoke(app, lb), CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_cap_close(app, lb), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_check(app, lb, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_cap_check(boot, nm, CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_MINT, NULL, NULL), CAPNET_OK);

	ck_assert_uint_eq(rejected(boot, CAPNET_AUDIT_REVOKED), 1);
	ck_assert_uint_eq(rejected(app, CAPNET_AUDIT_REVOKED), 3);
	ck_assert_uint_eq(rejected(app, CAPNET_AUDIT_BADHANDLE), 1);
	ck_assert_uint_eq(rejected(worker, CAPNET_AUDIT_REVOKED), 1);
	ck_assert_uint_eq(rejected(worker, CAPNET_AUDIT_BADHANDLE), 1);
	struct capnet_capsys_stats st;
	capnet_capsys_stats(sys, &st);
	ck_assert_uint_eq(st.revoked, 5);
	ck_assert_uint_eq(st.slots_revoked, 3); /* la, lst, lst_b still held */
	capnet_cspace_destroy(worker);
	capnet_cspace_destroy(app);
	capnet_cap_close(boot, la);
	capnet_capsys_stats(sys, &st);
	ck_assert_uint_eq(st.slots_revoked, 0);
	ck_assert_uint_eq(st.slots_in_use, 1);
}
END_TEST

START_TEST(test_revoke_derived_keeps_the_cap)
{
	struct capnet_cspace *a = new_cs("a"), *b = new_cs("b");
	capnet_handle ha = root(a, CAPNET_CAP_UDP_SOCKET, capnet_cap_type_rights(CAPNET_CAP_UDP_SOCKET));
	capnet_handle b1, b2, b3;
	ck_assert_int_eq(capnet_cap_grant(a, ha, b, CAPNET_RIGHT_SEND | CAPNET_RIGHT_GRANT, NULL, &b1), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(a, ha, b, CAPNET_RIGHT_RECV, NULL, &b2), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(b, b1, b, CAPNET_RIGHT_SEND, NULL, &b3), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_revoke_derived(a, ha), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_check(a, ha, CAPNET_CAP_UDP_SOCKET, CAPNET_RIGHT_SEND, NULL, NULL), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_check(b, b1, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_cap_check(b, b2, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_cap_check(b, b3, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_REVOKED);
	ck_assert_uint_eq(caps_in_use(), 1);
	ck_assert_uint_eq(rejected(b, CAPNET_AUDIT_REVOKED), 3);
}
END_TEST

START_TEST(test_object_lives_until_its_last_cap)
{
	struct capnet_cspace *a = new_cs("a"), *b = new_cs("b");
	static int obj;
	capnet_handle ha, hb, hb2;
	releases = 0;
	ck_assert_int_eq(capnet_cap_mint_root(a, CAPNET_CAP_TCP_SOCKET, SOCK_ALL, NULL, &obj, &counting_ops, &ha),
			 CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(a, ha, b, CAPNET_RIGHT_SEND | CAPNET_RIGHT_GRANT, NULL, &hb), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(b, hb, b, CAPNET_RIGHT_SEND, NULL, &hb2), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_close(a, ha), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_close(b, hb), CAPNET_OK);
	ck_assert_int_eq(releases, 0);
	struct capnet_cap_info i;
	ck_assert_int_eq(capnet_cap_inspect(b, hb2, &i), CAPNET_OK);
	ck_assert_ptr_eq(i.obj, &obj);
	struct capnet_capsys_stats st;
	capnet_capsys_stats(sys, &st);
	ck_assert_uint_eq(st.caps_closed_kept, 2);
	ck_assert_int_eq(capnet_cap_close(b, hb2), CAPNET_OK);
	ck_assert_int_eq(releases, 1);
	ck_assert_uint_eq(caps_in_use(), 0);
}
END_TEST

/* Closing a listener ends it (its object is released) even while a
 * connection accepted from it goes on; revoking the authority above still
 * reaches the connection through the kept listener cap. */
START_TEST(test_object_release_ignores_other_objects_below)
{
	struct capnet_cspace *a = new_cs("a");
	static int listener_obj, conn_obj;
	struct capnet_scope one = capnet_scope_local(80, 80);
	capnet_handle la, l, c;
	ck_assert_int_eq(capnet_cap_mint_root(a, CAPNET_CAP_TCP_LISTEN_AUTHORITY, CAPNET_RIGHT_BIND, &one, NULL, NULL,
					      &la),
			 CAPNET_OK);
	struct capnet_cap_mint_args listen = {CAPNET_CAP_TCP_LISTEN_AUTHORITY,
					      CAPNET_RIGHT_BIND,
					      NULL,
					      CAPNET_CAP_TCP_LISTENER,
					      CAPNET_RIGHT_ACCEPT,
					      NULL,
					      &listener_obj,
					      &counting_ops};
	ck_assert_int_eq(capnet_cap_mint(a, la, &listen, &l), CAPNET_OK);
	struct capnet_cap_mint_args accept = {CAPNET_CAP_TCP_LISTENER,
					      CAPNET_RIGHT_ACCEPT,
					      NULL,
					      CAPNET_CAP_TCP_SOCKET,
					      CAPNET_RIGHT_SEND | CAPNET_RIGHT_RECV,
					      NULL,
					      &conn_obj,
					      &counting_ops};
	ck_assert_int_eq(capnet_cap_mint(a, l, &accept, &c), CAPNET_OK);
	releases = 0;
	ck_assert_int_eq(capnet_cap_close(a, l), CAPNET_OK);
	ck_assert_int_eq(releases, 1);
	ck_assert_int_eq(capnet_cap_check(a, c, CAPNET_CAP_TCP_SOCKET, CAPNET_RIGHT_SEND, NULL, NULL), CAPNET_OK);
	ck_assert_uint_eq(caps_in_use(), 3);
	ck_assert_int_eq(capnet_cap_revoke(a, la), CAPNET_OK);
	ck_assert_int_eq(releases, 2);
	ck_assert_int_eq(capnet_cap_check(a, c, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_REVOKED);
	struct capnet_capsys_stats st;
	capnet_capsys_stats(sys, &st);
	ck_assert_uint_eq(st.released, 2);
}
END_TEST

/* ---- audit ---- */

START_TEST(test_audit_counts_exactly_by_reason_and_cspace)
{
	struct capnet_cspace *a = new_cs("a"), *b = new_cs("b");
	capnet_handle st = root(a, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_READ);
	capnet_handle x;
	for (int i = 0; i < 3; i++)
		capnet_cap_check(a, st, CAPNET_CAP_TCP_SOCKET, 0, NULL, NULL);            /* WRONGTYPE */
	for (int i = 0; i < 2; i++)
		capnet_cap_check(a, st, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_GRANT, NULL, NULL); /* RIGHTS */
	capnet_cap_grant(a, st, b, CAPNET_RIGHT_READ, NULL, &x);                           /* RIGHTS */
	for (int i = 0; i < 5; i++)
		capnet_cap_check(b, st, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_READ, NULL, NULL); /* BADHANDLE in b */
	/* Successes and non-authority errors are not counted. */
	capnet_cap_check(a, st, CAPNET_CAP_NETWORK_STATUS, CAPNET_RIGHT_READ, NULL, NULL);
	capnet_cap_mint_root(a, CAPNET_CAP_NONE, 0, NULL, NULL, NULL, &x);
	struct capnet_audit au;
	capnet_cspace_audit(a, &au);
	ck_assert_uint_eq(au.rejected[CAPNET_AUDIT_WRONGTYPE], 3);
	ck_assert_uint_eq(au.rejected[CAPNET_AUDIT_RIGHTS], 3);
	ck_assert_uint_eq(au.rejected[CAPNET_AUDIT_BADHANDLE], 0);
	ck_assert_uint_eq(au.total, 6);
	ck_assert_int_eq(au.last_err, CAPNET_E_RIGHTS);
	capnet_cspace_audit(b, &au);
	ck_assert_uint_eq(au.rejected[CAPNET_AUDIT_BADHANDLE], 5);
	ck_assert_uint_eq(au.total, 5);
	ck_assert_int_eq(au.last_type, CAPNET_CAP_NETWORK_STATUS);
	/* The system total survives the cspaces. */
	capnet_cspace_destroy(a);
	capnet_cspace_destroy(b);
	capnet_capsys_audit(sys, &au);
	ck_assert_uint_eq(au.total, 11);
	ck_assert_uint_eq(au.rejected[CAPNET_AUDIT_BADHANDLE], 5);
	ck_assert_int_eq(capnet_audit_reason_of(CAPNET_E_SCOPE), CAPNET_AUDIT_SCOPE);
	ck_assert_int_eq(capnet_audit_reason_of(CAPNET_E_NOMEM), -1);
	ck_assert_str_eq(capnet_audit_reason_name(CAPNET_AUDIT_REVOKED), "REVOKED");
}
END_TEST

/* ---- exhaustion ---- */

START_TEST(test_exhaustion_is_nomem_and_leaks_nothing)
{
	make_sys(2, 4, 6);
	struct capnet_cspace *a = new_cs("a"), *b = new_cs("b"), *c;
	ck_assert_int_eq(capnet_cspace_create(sys, "c", &c), CAPNET_E_NOMEM);
	ck_assert_ptr_null(c);
	capnet_handle h[4], x, g[2];
	for (int i = 0; i < 4; i++)
		h[i] = root(a, CAPNET_CAP_UDP_SOCKET, capnet_cap_type_rights(CAPNET_CAP_UDP_SOCKET));
	/* a's slots are full: E_NOMEM, and no cap was taken. */
	ck_assert_int_eq(capnet_cap_mint_root(a, CAPNET_CAP_TIMER, 0, NULL, NULL, NULL, &x), CAPNET_E_NOMEM);
	ck_assert_int_eq(capnet_cap_grant(a, h[0], a, 0, NULL, &x), CAPNET_E_NOMEM);
	ck_assert_uint_eq(caps_in_use(), 4);
	ck_assert_int_eq(capnet_cap_grant(a, h[0], b, CAPNET_RIGHT_BIND, NULL, &g[0]), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(a, h[1], b, CAPNET_RIGHT_SEND, NULL, &g[1]), CAPNET_OK);
	/* The tree is full (6 caps): b has free slots but no cap can be made,
	 * and the slot it would have taken is given back unissued. */
	ck_assert_int_eq(capnet_cap_grant(a, h[2], b, CAPNET_RIGHT_SEND, NULL, &x), CAPNET_E_NOMEM);
	struct capnet_cap_mint_args ma = {CAPNET_CAP_UDP_SOCKET, 0, NULL, CAPNET_CAP_UDP_SOCKET, 0, NULL, NULL, NULL};
	ck_assert_int_eq(capnet_cap_mint(b, g[0], &ma, &x), CAPNET_E_NOMEM);
	struct capnet_capsys_stats st;
	capnet_capsys_stats(sys, &st);
	ck_assert_uint_eq(st.caps_in_use, 6);
	ck_assert_uint_eq(st.slots_in_use, 6);
	ck_assert_uint_eq(st.nomem, 5);
	ck_assert_int_eq(capnet_capsys_verify(sys), CAPNET_OK);
	/* Exhaustion is not an authority rejection. */
	struct capnet_audit au;
	capnet_capsys_audit(sys, &au);
	ck_assert_uint_eq(au.total, 0);
	/* Release everything: back to zero, and usable again. */
	capnet_cspace_destroy(b);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(capnet_cap_close(a, h[i]), CAPNET_OK);
	capnet_capsys_stats(sys, &st);
	ck_assert_uint_eq(st.caps_in_use, 0);
	ck_assert_uint_eq(st.slots_in_use, 0);
	ck_assert_uint_eq(st.caps_high_water, 6);
	for (int i = 0; i < 4; i++)
		h[i] = root(a, CAPNET_CAP_TIMER, 0);
}
END_TEST

START_TEST(test_arena_too_small_is_nomem)
{
	struct capnet_capsys_config cfg = {4, 16, 32, 0, 0};
	size_t need = capnet_capsys_arena_need(&cfg);
	capnet_xoshiro_seed(&xo, 1);
	struct capnet_capsys *s2;
	capnet_arena_init(&arena, arena_mem, need - 1);
	ck_assert_int_eq(capnet_capsys_create(&arena, &cfg, capnet_xoshiro_rng(&xo), &s2), CAPNET_E_NOMEM);
	ck_assert_ptr_null(s2);
	ck_assert_uint_eq(arena.used, 0);
	capnet_arena_init(&arena, arena_mem, need);
	ck_assert_int_eq(capnet_capsys_create(&arena, &cfg, capnet_xoshiro_rng(&xo), &s2), CAPNET_OK);
	ck_assert_int_eq(capnet_capsys_verify(s2), CAPNET_OK);
	sys = s2;
}
END_TEST

START_TEST(test_deep_tree_revokes_without_recursion)
{
	make_sys(2, 1024, 1024);
	struct capnet_cspace *a = new_cs("a");
	capnet_handle first = root(a, CAPNET_CAP_TIMER, CAPNET_RIGHT_GRANT | CAPNET_RIGHT_READ), h = first;
	for (int i = 1; i < 1024; i++) {
		capnet_handle n;
		ck_assert_int_eq(capnet_cap_grant(a, h, a, CAPNET_RIGHT_GRANT | CAPNET_RIGHT_READ, NULL, &n), CAPNET_OK);
		if (i % 2 == 0)
			ck_assert_int_eq(capnet_cap_close(a, h), CAPNET_OK); /* kept for its child */
		h = n;
	}
	ck_assert_uint_eq(caps_in_use(), 1024);
	ck_assert_int_eq(capnet_capsys_verify(sys), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_revoke(a, first), CAPNET_OK);
	ck_assert_uint_eq(caps_in_use(), 0);
	ck_assert_int_eq(capnet_cap_check(a, h, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_REVOKED);
}
END_TEST

/* ================= served interfaces over a live interface ================= */

#define MAC_A {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}}
static const struct capnet_mac mac_a = MAC_A;
static const capnet_ip4addr ip_a = CAPNET_IP4(192, 0, 2, 10), ip_gw = CAPNET_IP4(192, 0, 2, 1);
static const struct capnet_mac mac_gw = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

static struct test_stack ts;
static struct capnet_net net;
static struct capnet_cspace *boot;
static capnet_handle nm;

/* An ARP reply from 192.0.2.99 to us: learns a REACHABLE neighbour. */
static void feed_arp_reply(capnet_instant now)
{
	uint8_t f[60] = {0};
	static const uint8_t sha[6] = {0x02, 0, 0, 0, 0, 0x63};
	memcpy(f, mac_a.b, 6);
	memcpy(f + 6, sha, 6);
	f[12] = 0x08, f[13] = 0x06;
	static const uint8_t fixed[] = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02};
	memcpy(f + 14, fixed, 8);
	memcpy(f + 22, sha, 6);
	f[28] = 192, f[29] = 0, f[30] = 2, f[31] = 99;
	memcpy(f + 32, mac_a.b, 6);
	f[38] = 192, f[39] = 0, f[40] = 2, f[41] = 10;
	capnet_iface_input(ts.ifc, f, sizeof f, now);
}

static void setup_net(void)
{
	setup();
	test_stack_init(&ts, mac_a, NULL);
	ck_assert_ptr_nonnull(ts.ifc);
	struct capnet_ip4cfg *layers;
	ck_assert_int_eq(capnet_ip4cfg_create(&ts.arena, ts.ifc, &layers), CAPNET_OK);
	net = (struct capnet_net){.name = "eth0", .iface = ts.ifc, .nic = &ts.cn.nic, .sys = sys, .ip4cfg = layers};
	boot = new_cs("boot");
	ck_assert_int_eq(capnet_netmgr_create_root(boot, &net, &nm), CAPNET_OK);
	/* Configure through the cap itself. */
	ck_assert_int_eq(capnet_netmgr_set_static(boot, nm, ip_a, 24, ip_gw, 0), CAPNET_OK);
	ck_assert_int_eq(capnet_arp_add_static(ts.ifc, ip_gw, mac_gw), CAPNET_OK);
	struct capnet_ip4_route r = {CAPNET_IP4(198, 51, 100, 0), 24, ip_gw, CAPNET_PROV_STATIC};
	ck_assert_int_eq(capnet_iface_route_add(ts.ifc, &r), CAPNET_OK);
	ck_assert_int_eq(capnet_arp_resolve(ts.ifc, CAPNET_IP4(192, 0, 2, 50), 0), CAPNET_E_AGAIN); /* INCOMPLETE */
	feed_arp_reply(CAPNET_MS(5));
}

START_TEST(test_netmgr_get_config_reports_what_was_set)
{
	struct capnet_netmgr_config c;
	ck_assert_int_eq(capnet_netmgr_get_config(boot, nm, &c), CAPNET_OK);
	ck_assert_uint_eq(c.ip4.addr, ip_a);
	ck_assert_uint_eq(c.ip4.prefix_len, 24);
	ck_assert_uint_eq(c.ip4.gateway, ip_gw);
	ck_assert_int_eq(c.ip4.provenance, CAPNET_PROV_STATIC);
	ck_assert_str_eq(capnet_provenance_name(c.ip4.provenance), capnet_provenance_name(CAPNET_PROV_STATIC));
	ck_assert(c.link_up);
	ck_assert(capnet_mac_eq(c.mac, mac_a));
	ck_assert_uint_eq(c.mtu, 1500);
	/* addr 0 unconfigures: fail closed. */
	ck_assert_int_eq(capnet_netmgr_set_static(boot, nm, 0, 0, 0, CAPNET_S(1)), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_get_config(boot, nm, &c), CAPNET_OK);
	ck_assert_uint_eq(c.ip4.addr, 0);
	ck_assert_int_eq(capnet_netmgr_set_static(boot, nm, ip_a, 33, 0, CAPNET_S(1)), CAPNET_E_INVAL);
}
END_TEST

/* Static values set through the cap are a layer of the one merge: each
 * value carries its provenance, a layer the merge refuses leaves the one in
 * force untouched, and clearing hands every value back (here: to none). */
START_TEST(test_netmgr_static_layer_merges_value_by_value)
{
	struct capnet_netmgr_config c;
	ck_assert_int_eq(capnet_netmgr_get_config(boot, nm, &c), CAPNET_OK);
	ck_assert(c.view.configured);
	ck_assert_uint_eq(c.view.addr, ip_a);
	ck_assert_int_eq(c.view.addr_provenance, CAPNET_PROV_STATIC);
	ck_assert_uint_eq(c.view.gateway, ip_gw);
	ck_assert_int_eq(c.view.gateway_provenance, CAPNET_PROV_STATIC);
	struct capnet_ip4cfg_layer l = {.addr = ip_a, .prefix_len = 24, .gateway = ip_gw, .n_dns = 1,
					.dns = {CAPNET_IP4(203, 0, 113, 53)}, .n_routes = 1,
					.routes = {{CAPNET_IP4(203, 0, 113, 0), 24, ip_gw, CAPNET_PROV_NONE}}};
	ck_assert_int_eq(capnet_netmgr_set_static_config(boot, nm, &l, CAPNET_S(1)), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_get_config(boot, nm, &c), CAPNET_OK);
	ck_assert_uint_eq(c.view.n_routes, 1);
	ck_assert_uint_eq(c.view.routes[0].dest, CAPNET_IP4(203, 0, 113, 0));
	ck_assert_int_eq(c.view.routes[0].provenance, CAPNET_PROV_STATIC);
	/* A prefix the merge refuses: E_INVAL, the previous layer stays. */
	struct capnet_ip4cfg_layer bad = l;
	bad.prefix_len = 40;
	capture_nic_clear(&ts.cn);
	uint64_t f0 = capnet_net_fingerprint(&net);
	ck_assert_int_eq(capnet_netmgr_set_static_config(boot, nm, &bad, CAPNET_S(2)), CAPNET_E_INVAL);
	ck_assert_uint_eq(capnet_net_fingerprint(&net), f0);
	ck_assert_uint_eq(ts.cn.ntx, 0);
	ck_assert_int_eq(capnet_netmgr_get_config(boot, nm, &c), CAPNET_OK);
	ck_assert_uint_eq(c.view.addr, ip_a);
	ck_assert_uint_eq(c.view.n_routes, 1);
	/* Setting the same values again changes nothing and sends nothing. */
	ck_assert_int_eq(capnet_netmgr_set_static(boot, nm, ip_a, 24, ip_gw, CAPNET_S(3)), CAPNET_OK);
	ck_assert_uint_eq(ts.cn.ntx, 0);
	/* Cleared: the explicit zero state. */
	ck_assert_int_eq(capnet_netmgr_clear_static(boot, nm, CAPNET_S(4)), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_get_config(boot, nm, &c), CAPNET_OK);
	ck_assert(!c.view.configured);
	ck_assert_uint_eq(c.ip4.addr, 0);
	ck_assert_uint_eq(c.view.n_routes, 0);
}
END_TEST

START_TEST(test_netmgr_without_configure_changes_nothing)
{
	struct capnet_cspace *app = new_cs("app");
	capnet_handle ro;
	ck_assert_int_eq(capnet_cap_grant(boot, nm, app, CAPNET_RIGHT_READ, NULL, &ro), CAPNET_OK);
	capture_nic_clear(&ts.cn);
	uint64_t f0 = capnet_net_fingerprint(&net);
	ck_assert_int_eq(capnet_netmgr_set_static(app, ro, CAPNET_IP4(10, 0, 0, 1), 8, 0, CAPNET_S(1)), CAPNET_E_RIGHTS);
	capnet_handle x;
	ck_assert_int_eq(capnet_netmgr_mint_listen_authority(app, ro, 1, 65535, &x), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_netmgr_mint_status(app, ro, &x), CAPNET_E_RIGHTS);
	struct capnet_netmgr_config c;
	ck_assert_int_eq(capnet_netmgr_get_config(app, ro, &c), CAPNET_OK);
	ck_assert_uint_eq(c.ip4.addr, ip_a);
	ck_assert_uint_eq(capnet_net_fingerprint(&net), f0);
	ck_assert_uint_eq(ts.cn.ntx, 0);
	ck_assert_uint_eq(rejected(app, CAPNET_AUDIT_RIGHTS), 3);
}
END_TEST

START_TEST(test_netmgr_mints_narrower_authorities_within_its_scope)
{
	capnet_handle la, ca, ua, tr, tm, st;
	struct capnet_cap_info i;
	ck_assert_int_eq(capnet_netmgr_mint_listen_authority(boot, nm, 8000, 8099, &la), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_inspect(boot, la, &i), CAPNET_OK);
	ck_assert_int_eq(i.type, CAPNET_CAP_TCP_LISTEN_AUTHORITY);
	ck_assert_int_eq(i.origin, CAPNET_ORIGIN_MINT);
	ck_assert_int_eq(i.parent_type, CAPNET_CAP_NETWORK_MANAGER);
	ck_assert_uint_eq(i.rights, CAPNET_RIGHT_BIND | CAPNET_RIGHT_GRANT);
	ck_assert_uint_eq(i.scope.local_lo, 8000);
	ck_assert_uint_eq(i.scope.local_hi, 8099);
	ck_assert_int_eq(capnet_netmgr_mint_listen_authority(boot, nm, 9000, 8000, &la), CAPNET_E_INVAL);
	ck_assert_int_eq(capnet_netmgr_mint_connect_authority(boot, nm, CAPNET_IP4(192, 0, 2, 77), 24, 443, 443, &ca),
			 CAPNET_OK);
	ck_assert_int_eq(capnet_cap_inspect(boot, ca, &i), CAPNET_OK);
	ck_assert_uint_eq(i.scope.remote_addr, CAPNET_IP4(192, 0, 2, 0));
	ck_assert_uint_eq(i.scope.remote_prefix, 24);
	struct capnet_scope remote = capnet_scope_remote(CAPNET_IP4(192, 0, 2, 53), 32, 53, 53);
	ck_assert_int_eq(capnet_netmgr_mint_udp(boot, nm, 5353, 5353, &remote, &ua), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_inspect(boot, ua, &i), CAPNET_OK);
	ck_assert_int_eq(i.type, CAPNET_CAP_UDP_SOCKET);
	ck_assert_uint_eq(i.scope.local_lo, 5353);
	ck_assert_uint_eq(i.scope.remote_addr, CAPNET_IP4(192, 0, 2, 53));
	ck_assert_int_eq(capnet_netmgr_mint_trace(boot, nm, &tr), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_mint_timer(boot, nm, &tm), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_mint_status(boot, nm, &st), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_inspect(boot, st, &i), CAPNET_OK);
	ck_assert_uint_eq(i.rights, CAPNET_RIGHT_READ | CAPNET_RIGHT_GRANT);

	/* A NetworkManager granted for ports 8000-8999 only mints inside them. */
	struct capnet_cspace *ops = new_cs("ops");
	capnet_handle nm2, x;
	struct capnet_scope ports = capnet_scope_local(8000, 8999);
	ck_assert_int_eq(capnet_cap_grant(boot, nm, ops, CAPNET_RIGHT_MINT | CAPNET_RIGHT_READ, &ports, &nm2), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_mint_listen_authority(ops, nm2, 8500, 8599, &x), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_mint_listen_authority(ops, nm2, 7000, 8100, &x), CAPNET_E_SCOPE);
	ck_assert_int_eq(capnet_netmgr_mint_udp(ops, nm2, 53, 53, NULL, &x), CAPNET_E_SCOPE);
	ck_assert_uint_eq(rejected(ops, CAPNET_AUDIT_SCOPE), 2);
	/* Revoking the grant takes what it minted with it. */
	ck_assert_int_eq(capnet_cap_revoke(boot, nm), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_check(ops, x, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_cap_check(boot, la, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_REVOKED);
	ck_assert_uint_eq(caps_in_use(), 0);
}
END_TEST

/* The tool's whole view, through one read-only cap; prints nothing. */
static void read_everything(struct capnet_cspace *cs, capnet_handle st, struct capnet_status_link *link,
			    size_t *nroutes, size_t *nneigh, struct capnet_stats *ctr)
{
	struct capnet_ip4_route routes[16];
	struct capnet_arp_entry_info neigh[16];
	struct capnet_audit au;
	ck_assert_int_eq(capnet_status_link(cs, st, link), CAPNET_OK);
	ck_assert_int_eq(capnet_status_routes(cs, st, routes, 16, nroutes), CAPNET_OK);
	ck_assert_int_eq(capnet_status_routes(cs, st, NULL, 0, nroutes), CAPNET_OK);
	ck_assert_int_eq(capnet_status_neighbours(cs, st, neigh, 16, nneigh), CAPNET_OK);
	ck_assert_int_eq(capnet_status_counters(cs, st, ctr), CAPNET_OK);
	ck_assert_int_eq(capnet_status_audit(cs, st, capnet_cspace_id(cs), &au), CAPNET_OK);
	ck_assert_int_eq(capnet_status_audit(cs, st, capnet_cspace_id(boot), &au), CAPNET_OK);
	struct capnet_cap_info i;
	ck_assert_int_eq(capnet_cap_inspect(cs, st, &i), CAPNET_OK);
}

START_TEST(test_status_reads_are_read_only)
{
	struct capnet_cspace *tool = new_cs("status-tool");
	capnet_handle st0, st;
	ck_assert_int_eq(capnet_netmgr_mint_status(boot, nm, &st0), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(boot, st0, tool, CAPNET_RIGHT_READ, NULL, &st), CAPNET_OK);
	capture_nic_clear(&ts.cn);
	uint64_t f0 = capnet_net_fingerprint(&net);
	struct capnet_stats before = *capnet_iface_stats(ts.ifc);

	struct capnet_status_link link;
	size_t nroutes, nneigh;
	struct capnet_stats ctr;
	for (int round = 0; round < 3; round++)
		read_everything(tool, st, &link, &nroutes, &nneigh, &ctr);

	ck_assert_uint_eq(capnet_net_fingerprint(&net), f0);
	ck_assert_uint_eq(ts.cn.ntx, 0);
	ck_assert_mem_eq(&ctr, &before, sizeof ctr);
	/* ...and what was read is the live state. */
	ck_assert_str_eq(link.name, "eth0");
	ck_assert(link.up);
	ck_assert(capnet_mac_eq(link.mac, mac_a));
	ck_assert_uint_eq(link.ip4.addr, ip_a);
	ck_assert(link.gateway_known);
	ck_assert_int_eq(link.gateway_neighbour.state, CAPNET_ARP_STATIC);
	ck_assert(capnet_mac_eq(link.gateway_neighbour.mac, mac_gw));
	ck_assert_uint_eq(nroutes, 3); /* connected, default, 198.51.100.0/24 */
	ck_assert_uint_eq(nneigh, 3);  /* gateway (static), .50 (incomplete), .99 (reachable) */
	ck_assert_uint_eq(ctr.v[CAPNET_STAT_arp_replies_rcvd], 1);
	ck_assert_str_eq(capnet_stat_name(CAPNET_STAT_arp_replies_rcvd), "arp_replies_rcvd");
	struct capnet_audit au;
	capnet_cspace_audit(tool, &au);
	ck_assert_uint_eq(au.total, 0);
}
END_TEST

START_TEST(test_status_cap_cannot_act)
{
	struct capnet_cspace *tool = new_cs("status-tool");
	capnet_handle st0, st, x;
	ck_assert_int_eq(capnet_netmgr_mint_status(boot, nm, &st0), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(boot, st0, tool, CAPNET_RIGHT_READ, NULL, &st), CAPNET_OK);
	capture_nic_clear(&ts.cn);
	uint64_t f0 = capnet_net_fingerprint(&net);
	/* The forged attempts of a status tool: every one fails closed. */
	ck_assert_int_eq(capnet_netmgr_set_static(tool, st, CAPNET_IP4(10, 0, 0, 1), 8, 0, CAPNET_S(1)),
			 CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_netmgr_mint_listen_authority(tool, st, 80, 80, &x), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_netmgr_mint_udp(tool, st, 53, 53, NULL, &x), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_netmgr_get_config(tool, st, NULL), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_timer_set(tool, st, 5), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_cap_grant(tool, st, tool, CAPNET_RIGHT_READ, NULL, &x), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_netmgr_set_static(tool, nm, CAPNET_IP4(10, 0, 0, 1), 8, 0, CAPNET_S(1)),
			 CAPNET_E_BADHANDLE); /* boot's handle, copied */
	ck_assert_int_eq(capnet_netmgr_set_static(tool, st ^ 1, CAPNET_IP4(10, 0, 0, 1), 8, 0, CAPNET_S(1)),
			 CAPNET_E_BADHANDLE);
	/* Even the provider's generic mint: a status cap parents nothing. */
	struct capnet_cap_mint_args ma = {CAPNET_CAP_NONE, CAPNET_RIGHT_READ, NULL, CAPNET_CAP_UDP_SOCKET,
					  CAPNET_RIGHT_SEND, NULL, &net, NULL};
	ck_assert_int_eq(capnet_cap_mint(tool, st, &ma, &x), CAPNET_E_WRONGTYPE);
	ma.type = CAPNET_CAP_NETWORK_STATUS;
	ma.rights = CAPNET_RIGHT_READ;
	ck_assert_int_eq(capnet_cap_mint(tool, st, &ma, &x), CAPNET_E_WRONGTYPE);
	ck_assert_uint_eq(capnet_net_fingerprint(&net), f0);
	ck_assert_uint_eq(ts.cn.ntx, 0);
	ck_assert_uint_eq(rejected(tool, CAPNET_AUDIT_WRONGTYPE), 7);
	ck_assert_uint_eq(rejected(tool, CAPNET_AUDIT_RIGHTS), 1);
	ck_assert_uint_eq(rejected(tool, CAPNET_AUDIT_BADHANDLE), 2);
	/* The operator sees it. */
	struct capnet_audit au;
	ck_assert_int_eq(capnet_status_audit(boot, st0, capnet_cspace_id(tool), &au), CAPNET_OK);
	ck_assert_uint_eq(au.rejected[CAPNET_AUDIT_WRONGTYPE], 7);
	ck_assert_int_eq(capnet_status_audit(boot, st0, 99, &au), CAPNET_E_NOTFOUND);
}
END_TEST

START_TEST(test_fingerprint_sees_every_kind_of_change)
{
	uint64_t f = capnet_net_fingerprint(&net), g;
	ck_assert_uint_eq(capnet_net_fingerprint(&net), f);
	feed_arp_reply(CAPNET_MS(10)); /* refresh: expiry and a counter move */
	g = capnet_net_fingerprint(&net);
	ck_assert_uint_ne(g, f);
	f = g;
	struct capnet_ip4_route r = {CAPNET_IP4(203, 0, 113, 0), 24, ip_gw, CAPNET_PROV_STATIC};
	ck_assert_int_eq(capnet_iface_route_add(ts.ifc, &r), CAPNET_OK);
	g = capnet_net_fingerprint(&net);
	ck_assert_uint_ne(g, f);
	f = g;
	ck_assert_int_eq(capnet_netmgr_set_static(boot, nm, CAPNET_IP4(192, 0, 2, 11), 24, ip_gw, CAPNET_S(1)),
			 CAPNET_OK);
	g = capnet_net_fingerprint(&net);
	ck_assert_uint_ne(g, f);
	f = g;
	capnet_handle x;
	ck_assert_int_eq(capnet_netmgr_mint_timer(boot, nm, &x), CAPNET_OK); /* a new cap */
	ck_assert_uint_ne(capnet_net_fingerprint(&net), f);
}
END_TEST

START_TEST(test_timer_cap)
{
	capnet_handle t, t2;
	struct capnet_cspace *app = new_cs("app");
	ck_assert_int_eq(capnet_netmgr_mint_timer(boot, nm, &t), CAPNET_OK);
	capnet_instant d;
	bool exp;
	ck_assert_int_eq(capnet_timer_poll(boot, t, 0, &d, &exp), CAPNET_OK);
	ck_assert(!exp);
	ck_assert_int_eq(d, CAPNET_INSTANT_NEVER);
	ck_assert_int_eq(capnet_timer_set(boot, t, CAPNET_MS(200)), CAPNET_OK);
	ck_assert_int_eq(capnet_timer_poll(boot, t, CAPNET_MS(199), &d, &exp), CAPNET_OK);
	ck_assert(!exp);
	ck_assert_int_eq(capnet_timer_poll(boot, t, CAPNET_MS(200), &d, &exp), CAPNET_OK);
	ck_assert(exp);
	/* A read-only copy starts with the deadline, cannot re-arm it, and is
	 * its own timer from then on. */
	ck_assert_int_eq(capnet_cap_grant(boot, t, app, CAPNET_RIGHT_READ, NULL, &t2), CAPNET_OK);
	ck_assert_int_eq(capnet_timer_set(app, t2, 1), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_timer_set(boot, t, CAPNET_INSTANT_NEVER), CAPNET_OK);
	ck_assert_int_eq(capnet_timer_poll(app, t2, CAPNET_S(100), &d, &exp), CAPNET_OK);
	ck_assert(exp);
	ck_assert_int_eq(d, CAPNET_MS(200));
	ck_assert_int_eq(capnet_timer_poll(boot, t, CAPNET_S(100), &d, &exp), CAPNET_OK);
	ck_assert(!exp);
	ck_assert_int_eq(capnet_timer_poll(app, nm, 0, &d, &exp), CAPNET_E_BADHANDLE);
}
END_TEST

/* ---- the Pollable cap ---- */

#define TIMER_ALL (CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE | CAPNET_RIGHT_GRANT)

static uint32_t pollsets_in_use(void)
{
	uint32_t n, cap;
	capnet_pollcap_pool(sys, &n, &cap);
	return n;
}

START_TEST(test_pollable_cap_is_minted_from_a_timer)
{
	struct capnet_cspace *cs = new_cs("app");
	capnet_handle tm = root(cs, CAPNET_CAP_TIMER, TIMER_ALL), p, x;
	ck_assert_uint_eq(capnet_cap_mint_right(CAPNET_CAP_TIMER, CAPNET_CAP_POLLABLE), CAPNET_RIGHT_READ);
	ck_assert_uint_eq(capnet_cap_mint_right(CAPNET_CAP_NETWORK_MANAGER, CAPNET_CAP_POLLABLE), 0);
	ck_assert_uint_eq(capnet_cap_mint_right(CAPNET_CAP_POLLABLE, CAPNET_CAP_POLLABLE), 0);
	ck_assert_int_eq(capnet_timer_mint_pollable(cs, tm, &p), CAPNET_OK);
	struct capnet_cap_info info;
	ck_assert_int_eq(capnet_cap_inspect(cs, p, &info), CAPNET_OK);
	ck_assert_int_eq(info.type, CAPNET_CAP_POLLABLE);
	ck_assert_int_eq(info.parent_type, CAPNET_CAP_TIMER);
	ck_assert_int_eq(info.origin, CAPNET_ORIGIN_MINT);
	ck_assert_uint_eq(info.rights, TIMER_ALL);
	ck_assert_str_eq(capnet_cap_type_name(CAPNET_CAP_POLLABLE), "POLLABLE");
	ck_assert_uint_eq(pollsets_in_use(), 1);
	/* Only a Timer with READ parents one; GRANT only if the Timer had it. */
	capnet_handle nmh = root(cs, CAPNET_CAP_NETWORK_MANAGER, CAPNET_RIGHT_MINT);
	ck_assert_int_eq(capnet_timer_mint_pollable(cs, nmh, &x), CAPNET_E_WRONGTYPE);
	capnet_handle wo = root(cs, CAPNET_CAP_TIMER, CAPNET_RIGHT_CONFIGURE);
	ck_assert_int_eq(capnet_timer_mint_pollable(cs, wo, &x), CAPNET_E_RIGHTS);
	capnet_handle ro = root(cs, CAPNET_CAP_TIMER, CAPNET_RIGHT_READ);
	ck_assert_int_eq(capnet_timer_mint_pollable(cs, ro, &x), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_inspect(cs, x, &info), CAPNET_OK);
	ck_assert_uint_eq(info.rights, CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE);
	ck_assert_uint_eq(rejected(cs, CAPNET_AUDIT_WRONGTYPE), 1);
	ck_assert_uint_eq(rejected(cs, CAPNET_AUDIT_RIGHTS), 1);
	/* The pool is bounded (default 8) and refilled by close. */
	ck_assert_uint_eq(pollsets_in_use(), 2);
	capnet_handle more[8];
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(capnet_timer_mint_pollable(cs, tm, &more[i]), CAPNET_OK);
	uint32_t caps = caps_in_use();
	ck_assert_int_eq(capnet_timer_mint_pollable(cs, tm, &more[6]), CAPNET_E_NOMEM);
	ck_assert_uint_eq(caps_in_use(), caps); /* nothing placed */
	ck_assert_int_eq(capnet_cap_close(cs, more[0]), CAPNET_OK);
	ck_assert_uint_eq(pollsets_in_use(), 7);
	ck_assert_int_eq(capnet_timer_mint_pollable(cs, tm, &more[0]), CAPNET_OK);
	/* Revoking the Timer revokes every Pollable below and frees the sets. */
	ck_assert_int_eq(capnet_cap_revoke(cs, tm), CAPNET_OK);
	ck_assert_int_eq(capnet_pollcap_check(cs, p, 0, NULL, 0, NULL, NULL), CAPNET_E_REVOKED);
	ck_assert_uint_eq(pollsets_in_use(), 1); /* x, below the read-only timer */
}
END_TEST

START_TEST(test_pollable_cap_fails_closed)
{
	struct capnet_cspace *cs = new_cs("app"), *other = new_cs("other");
	capnet_handle tm = root(cs, CAPNET_CAP_TIMER, TIMER_ALL), p, p2;
	ck_assert_int_eq(capnet_timer_mint_pollable(cs, tm, &p), CAPNET_OK);
	struct capnet_watch out[4];
	size_t n;
	/* Forged: a guessed handle, and a real one from another cspace. */
	ck_assert_int_eq(capnet_pollcap_check(cs, p ^ 0x10000, 0, out, 4, &n, NULL), CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_pollcap_add(cs, p + 1, tm, CAPNET_READY_DONE, 0, NULL), CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_pollcap_check(other, p, 0, out, 4, &n, NULL), CAPNET_E_BADHANDLE);
	/* Wrong type: a Timer handed to a Pollable call, and the reverse. */
	ck_assert_int_eq(capnet_pollcap_check(cs, tm, 0, out, 4, &n, NULL), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_pollcap_add(cs, tm, tm, CAPNET_READY_DONE, 0, NULL), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_timer_set(cs, p, 5), CAPNET_E_WRONGTYPE);
	/* A Pollable watched by a Pollable has no readiness of its own. */
	ck_assert_int_eq(capnet_pollcap_add(cs, p, p, CAPNET_READY_ALL, 0, NULL), CAPNET_E_WRONGTYPE);
	/* A Pollable the generic mint made has no set behind it. */
	struct capnet_cap_mint_args a = {CAPNET_CAP_TIMER, 0, NULL, CAPNET_CAP_POLLABLE, CAPNET_RIGHT_READ,
					 NULL, &arena, NULL};
	ck_assert_int_eq(capnet_cap_mint(cs, tm, &a, &p2), CAPNET_OK);
	ck_assert_int_eq(capnet_pollcap_check(cs, p2, 0, out, 4, &n, NULL), CAPNET_E_STATE);
	/* Stale: closed, the slot reused. */
	ck_assert_int_eq(capnet_cap_close(cs, p2), CAPNET_OK);
	capnet_handle t2 = root(cs, CAPNET_CAP_TIMER, TIMER_ALL);
	ck_assert_int_eq(capnet_pollcap_check(cs, p2, 0, out, 4, &n, NULL), CAPNET_E_BADHANDLE);
	ck_assert_uint_eq(rejected(cs, CAPNET_AUDIT_BADHANDLE), 3);
	ck_assert_uint_eq(rejected(other, CAPNET_AUDIT_BADHANDLE), 1);
	ck_assert_uint_eq(rejected(cs, CAPNET_AUDIT_WRONGTYPE), 4);
	/* Rights: READ checks and waits, CONFIGURE adds and removes. */
	capnet_handle rd, cf;
	ck_assert_int_eq(capnet_cap_grant(cs, p, cs, CAPNET_RIGHT_READ, NULL, &rd), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(cs, p, cs, CAPNET_RIGHT_CONFIGURE, NULL, &cf), CAPNET_OK);
	uint16_t idx;
	ck_assert_int_eq(capnet_pollcap_add(cs, rd, t2, CAPNET_READY_DONE, 7, &idx), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_pollcap_add(cs, cf, t2, CAPNET_READY_DONE, 7, &idx), CAPNET_OK);
	ck_assert_int_eq(capnet_pollcap_check(cs, cf, 0, out, 4, &n, NULL), CAPNET_E_RIGHTS);
	struct capnet_pollable_stats st;
	ck_assert_int_eq(capnet_pollcap_stats(cs, cf, &st), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_pollcap_remove(cs, rd, idx), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_cap_grant(cs, rd, other, CAPNET_RIGHT_READ, NULL, &p2), CAPNET_E_RIGHTS);
	ck_assert_uint_eq(rejected(cs, CAPNET_AUDIT_RIGHTS), 5);
	/* The copies share the set: what cf added, rd sees. */
	ck_assert_int_eq(capnet_timer_set(cs, t2, 10), CAPNET_OK);
	ck_assert_int_eq(capnet_pollcap_check(cs, rd, 9, out, 4, &n, NULL), CAPNET_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(capnet_pollcap_check(cs, rd, 10, out, 4, &n, NULL), CAPNET_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[idx].ready, CAPNET_READY_DONE);
	ck_assert_uint_eq(out[idx].tag, 7);
	ck_assert_int_eq(capnet_pollcap_remove(cs, cf, idx), CAPNET_OK);
	ck_assert_int_eq(capnet_pollcap_remove(cs, cf, idx), CAPNET_E_INVAL);
}
END_TEST

START_TEST(test_pollable_cap_members_are_its_own_cspaces)
{
	struct capnet_cspace *cs = new_cs("app"), *other = new_cs("other");
	capnet_handle tm = root(cs, CAPNET_CAP_TIMER, TIMER_ALL), p, mine, theirs, pg;
	theirs = root(other, CAPNET_CAP_TIMER, TIMER_ALL);
	mine = root(cs, CAPNET_CAP_TIMER, TIMER_ALL);
	ck_assert_int_eq(capnet_timer_mint_pollable(cs, tm, &p), CAPNET_OK);
	/* Another cspace's handle does not name anything here. */
	ck_assert_int_eq(capnet_pollcap_add(cs, p, theirs, CAPNET_READY_DONE, 0, NULL), CAPNET_E_BADHANDLE);
	ck_assert_uint_eq(rejected(cs, CAPNET_AUDIT_BADHANDLE), 1);
	/* A copy granted to the other cspace may look, but its handles cannot
	 * become members of a set watching this cspace's caps. */
	ck_assert_int_eq(capnet_cap_grant(cs, p, other, CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE, NULL, &pg),
			 CAPNET_OK);
	ck_assert_int_eq(capnet_pollcap_add(other, pg, theirs, CAPNET_READY_DONE, 0, NULL), CAPNET_E_BADHANDLE);
	ck_assert_uint_eq(rejected(other, CAPNET_AUDIT_BADHANDLE), 1);
	uint16_t idx;
	ck_assert_int_eq(capnet_pollcap_add(cs, p, mine, CAPNET_READY_DONE, 0, &idx), CAPNET_OK);
	struct capnet_watch out[16];
	size_t n;
	ck_assert_int_eq(capnet_pollcap_check(other, pg, 0, out, 16, &n, NULL), CAPNET_OK);
	ck_assert_uint_eq(n, 0);
	/* A revoked member shows INVALID, never what it used to report. */
	ck_assert_int_eq(capnet_timer_set(cs, mine, 0), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_revoke(cs, mine), CAPNET_OK);
	ck_assert_int_eq(capnet_pollcap_check(cs, p, 100, out, 16, &n, NULL), CAPNET_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[idx].ready, CAPNET_READY_INVALID);
	/* The set lives while a held cap names it. */
	ck_assert_int_eq(capnet_cap_close(cs, p), CAPNET_OK);
	ck_assert_uint_eq(pollsets_in_use(), 1);
	ck_assert_int_eq(capnet_pollcap_check(other, pg, 100, out, 16, &n, NULL), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_close(other, pg), CAPNET_OK);
	ck_assert_uint_eq(pollsets_in_use(), 0);
}
END_TEST

/* A deterministic driver: 1 ms per step, and at step `act_at` something
 * done to the caps from "inside the loop" (a callback of the host). */
enum act { ACT_NONE, ACT_REVOKE_PARENT, ACT_CLOSE, ACT_CLOSE_COPY, ACT_NESTED_WAIT };
struct fake_drv {
	capnet_instant now;
	unsigned steps, act_at;
	enum act act;
	struct capnet_cspace *cs;
	capnet_handle parent, p, copy;
	capnet_err nested;
	bool done_seen;
};

static capnet_instant fake_now(void *ctx)
{
	return ((struct fake_drv *)ctx)->now;
}

static void fake_step(void *ctx, capnet_instant limit, bool (*done)(void *), void *dctx)
{
	struct fake_drv *f = ctx;
	f->steps++;
	if (f->steps == f->act_at) {
		struct capnet_wait_driver d = {fake_now, fake_step, f};
		size_t n;
		switch (f->act) {
		case ACT_REVOKE_PARENT:
			ck_assert_int_eq(capnet_cap_revoke(f->cs, f->parent), CAPNET_OK);
			break;
		case ACT_CLOSE:
			ck_assert_int_eq(capnet_cap_close(f->cs, f->p), CAPNET_OK);
			break;
		case ACT_CLOSE_COPY:
			ck_assert_int_eq(capnet_cap_close(f->cs, f->copy), CAPNET_OK);
			break;
		case ACT_NESTED_WAIT:
			f->nested = capnet_pollcap_wait(f->cs, f->copy, &d, CAPNET_INSTANT_NEVER, NULL, 0, &n);
			break;
		default:
			break;
		}
		f->done_seen = done(dctx);
		if (f->done_seen)
			return; /* told to stop: return without moving time */
	}
	if (f->now < limit)
		f->now += CAPNET_MS(1);
}

static capnet_err fake_wait(struct fake_drv *f, enum act act, unsigned at, capnet_instant fire, size_t *n)
{
	struct capnet_cspace *cs = f->cs;
	f->now = 0;
	f->steps = 0;
	f->act = act;
	f->act_at = at;
	f->parent = root(cs, CAPNET_CAP_TIMER, TIMER_ALL);
	capnet_handle member = root(cs, CAPNET_CAP_TIMER, TIMER_ALL);
	ck_assert_int_eq(capnet_timer_set(cs, member, fire), CAPNET_OK);
	ck_assert_int_eq(capnet_timer_mint_pollable(cs, f->parent, &f->p), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(cs, f->p, cs, TIMER_ALL, NULL, &f->copy), CAPNET_OK);
	ck_assert_int_eq(capnet_pollcap_add(cs, f->p, member, CAPNET_READY_DONE, 0, NULL), CAPNET_OK);
	struct capnet_wait_driver d = {fake_now, fake_step, f};
	return capnet_pollcap_wait(cs, f->p, &d, CAPNET_S(1), NULL, 0, n);
}

START_TEST(test_pollable_cap_close_or_revoke_ends_a_wait_closed)
{
	struct fake_drv f = {0};
	f.cs = new_cs("app");
	size_t n = 99;
	/* Ready: the member fires at 20 ms, exactly once. */
	ck_assert_int_eq(fake_wait(&f, ACT_NONE, 0, CAPNET_MS(20), &n), CAPNET_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(f.now, CAPNET_MS(20));
	struct capnet_pollable_stats st;
	ck_assert_int_eq(capnet_pollcap_stats(f.cs, f.p, &st), CAPNET_OK);
	ck_assert_uint_eq(st.waits, 1);
	ck_assert_uint_eq(st.ready, 1);
	/* Revoked mid-wait (the Timer above it goes): CLOSED at once, even
	 * though the member fires in that very step; the set is freed. */
	uint32_t before = pollsets_in_use();
	ck_assert_int_eq(fake_wait(&f, ACT_REVOKE_PARENT, 5, CAPNET_MS(5), &n), CAPNET_E_CLOSED);
	ck_assert_uint_eq(n, 0);
	ck_assert(f.done_seen); /* the driver was told to stop */
	ck_assert_uint_eq(f.steps, 5);
	ck_assert_uint_eq(pollsets_in_use(), before); /* minted one, freed one */
	/* Woken once: the handle now fails, it does not report ready. */
	struct capnet_wait_driver d = {fake_now, fake_step, &f};
	f.act = ACT_NONE;
	ck_assert_int_eq(capnet_pollcap_wait(f.cs, f.p, &d, CAPNET_S(1), NULL, 0, &n), CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_pollcap_wait(f.cs, f.copy, &d, CAPNET_S(1), NULL, 0, &n), CAPNET_E_REVOKED);
	/* Closed mid-wait: CLOSED; then the handle is stale. */
	ck_assert_int_eq(fake_wait(&f, ACT_CLOSE, 3, CAPNET_MS(50), &n), CAPNET_E_CLOSED);
	ck_assert_uint_eq(f.steps, 3);
	f.act = ACT_NONE;
	ck_assert_int_eq(capnet_pollcap_wait(f.cs, f.p, &d, CAPNET_S(1), NULL, 0, &n), CAPNET_E_BADHANDLE);
	/* ... while the copy still holds the set, which is intact. */
	struct capnet_watch out[1];
	ck_assert_int_eq(capnet_pollcap_check(f.cs, f.copy, CAPNET_MS(50), out, 1, &n, NULL), CAPNET_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[0].ready, CAPNET_READY_DONE);
	/* Another handle going does not end this one's wait. */
	ck_assert_int_eq(fake_wait(&f, ACT_CLOSE_COPY, 3, CAPNET_MS(30), &n), CAPNET_OK);
	ck_assert_int_eq(f.now, CAPNET_MS(30));
	/* One waiter per set: a nested wait on it is refused. */
	ck_assert_int_eq(fake_wait(&f, ACT_NESTED_WAIT, 2, CAPNET_MS(10), &n), CAPNET_OK);
	ck_assert_int_eq(f.nested, CAPNET_E_INUSE);
	ck_assert_int_eq(capnet_pollcap_stats(f.cs, f.p, &st), CAPNET_OK);
	ck_assert_uint_eq(st.waits, 1);
	ck_assert_uint_eq(st.ready, 1);
	/* Without a driver nothing can let time pass. */
	ck_assert_int_eq(capnet_pollcap_wait(f.cs, f.p, NULL, CAPNET_S(1), NULL, 0, &n), CAPNET_E_INVAL);
}
END_TEST

/* A real libev loop on the real clock: a Timer member fires, the wait
 * sleeps on the driver's timer instead of spinning. */
START_TEST(test_pollable_cap_waits_on_a_libev_loop)
{
	struct capnet_cspace *cs = new_cs("app");
	capnet_handle tm = root(cs, CAPNET_CAP_TIMER, TIMER_ALL), member = root(cs, CAPNET_CAP_TIMER, TIMER_ALL), p;
	ck_assert_int_eq(capnet_timer_mint_pollable(cs, tm, &p), CAPNET_OK);
	uint16_t idx;
	ck_assert_int_eq(capnet_pollcap_add(cs, p, member, CAPNET_READY_DONE, 42, &idx), CAPNET_OK);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	ck_assert_ptr_nonnull(loop);
	struct capnet_ev_waiter *w;
	ck_assert_int_eq(capnet_ev_waiter_create(loop, NULL, NULL, &w), CAPNET_OK);
	struct capnet_wait_driver d = capnet_ev_wait_driver(w);
	capnet_instant t0 = capnet_host_now();
	ck_assert_int_eq(capnet_timer_set(cs, member, t0 + CAPNET_MS(30)), CAPNET_OK);
	struct capnet_watch out[16];
	size_t n;
	ck_assert_int_eq(capnet_pollcap_wait(cs, p, &d, t0 + CAPNET_S(5), out, 16, &n), CAPNET_OK);
	capnet_instant waited = capnet_host_now() - t0;
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[idx].ready, CAPNET_READY_DONE);
	ck_assert_uint_eq(out[idx].tag, 42);
	ck_assert_int_ge(waited, CAPNET_MS(30));
	ck_assert_int_lt(waited, CAPNET_S(2));
	ck_assert_uint_le(capnet_ev_waiter_iterations(w), 8); /* slept, did not spin */
	/* And a deadline with nothing ready: TIMEDOUT on time. */
	ck_assert_int_eq(capnet_timer_set(cs, member, CAPNET_INSTANT_NEVER), CAPNET_OK);
	t0 = capnet_host_now();
	ck_assert_int_eq(capnet_pollcap_wait(cs, p, &d, t0 + CAPNET_MS(20), out, 16, &n), CAPNET_E_TIMEDOUT);
	ck_assert_int_ge(capnet_host_now() - t0, CAPNET_MS(20));
	capnet_ev_waiter_destroy(w);
	ev_loop_destroy(loop);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cap");
	TCase *tc = check_add_case(s, "core", setup, teardown, 0);
	tcase_add_test(tc, test_forged_handles_are_rejected);
	tcase_add_test(tc, test_handle_from_another_cspace_is_rejected);
	tcase_add_test(tc, test_destroyed_cspace_handles_die_with_it);
	tcase_add_test(tc, test_stale_handle_after_close_and_slot_reuse);
	tcase_add_test(tc, test_slot_is_retired_when_its_generation_would_wrap);
	tcase_add_test(tc, test_check_order_is_handle_type_rights_scope);
	tcase_add_test(tc, test_root_rights_must_fit_the_type);
	tcase_add_test(tc, test_rights_never_grow_on_grant);
	tcase_add_test(tc, test_scope_never_widens_on_grant);
	tcase_add_test(tc, test_attenuate_narrows_only);
	tcase_add_test(tc, test_revoke_cascades_through_grants_and_mints_across_cspaces);
	tcase_add_test(tc, test_revoke_derived_keeps_the_cap);
	tcase_add_test(tc, test_object_lives_until_its_last_cap);
	tcase_add_test(tc, test_object_release_ignores_other_objects_below);
	tcase_add_test(tc, test_audit_counts_exactly_by_reason_and_cspace);
	tcase_add_test(tc, test_exhaustion_is_nomem_and_leaks_nothing);
	tcase_add_test(tc, test_arena_too_small_is_nomem);
	tcase_add_test(tc, test_deep_tree_revokes_without_recursion);
	tcase_add_test(tc, test_pollable_cap_is_minted_from_a_timer);
	tcase_add_test(tc, test_pollable_cap_fails_closed);
	tcase_add_test(tc, test_pollable_cap_members_are_its_own_cspaces);
	tcase_add_test(tc, test_pollable_cap_close_or_revoke_ends_a_wait_closed);
	tcase_add_test(tc, test_pollable_cap_waits_on_a_libev_loop);
	tc = check_add_case(s, "served", setup_net, teardown, 0);
	tcase_add_test(tc, test_netmgr_get_config_reports_what_was_set);
	tcase_add_test(tc, test_netmgr_static_layer_merges_value_by_value);
	tcase_add_test(tc, test_netmgr_without_configure_changes_nothing);
	tcase_add_test(tc, test_netmgr_mints_narrower_authorities_within_its_scope);
	tcase_add_test(tc, test_status_reads_are_read_only);
	tcase_add_test(tc, test_status_cap_cannot_act);
	tcase_add_test(tc, test_fingerprint_sees_every_kind_of_change);
	tcase_add_test(tc, test_timer_cap);
	return s;
}
