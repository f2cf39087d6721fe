/* The stack object: one arena bound, the parts it builds and leaves out,
 * the boot cspace, and a poll that drives every interface. */
#include <stdlib.h>
#include <string.h>

#include "capnet/stack.h"
#include "capnet/wire/arp.h"
#include "capnet/wire/ethernet.h"
#include "check_main.h"
#include "support/capture_nic.h"

static const struct capnet_mac mac0 = {{0x02, 0, 0, 0, 0, 0x10}}, mac1 = {{0x02, 0, 0, 0, 0, 0x11}};

struct fixture {
	struct capture_nic cn[2];
	struct capnet_nic *nics[2];
	struct capnet_xoshiro x;
	struct capnet_arena arena;
	uint8_t *mem;
	size_t cap;
};

static void fixture_init(struct fixture *f, size_t cap)
{
	memset(f, 0, sizeof *f);
	capture_nic_init(&f->cn[0], mac0, 1500);
	capture_nic_init(&f->cn[1], mac1, 9000);
	f->nics[0] = &f->cn[0].nic;
	f->nics[1] = &f->cn[1].nic;
	capnet_xoshiro_seed(&f->x, 42);
	f->cap = cap;
	f->mem = malloc(cap);
	ck_assert_ptr_nonnull(f->mem);
}

static capnet_err create(struct fixture *f, const struct capnet_stack_config *cfg, size_t n, size_t size,
			 struct capnet_stack **st)
{
	ck_assert_uint_le(size, f->cap);
	capnet_arena_init(&f->arena, f->mem, size);
	return capnet_stack_create(&f->arena, cfg, capnet_xoshiro_rng(&f->x), f->nics, n, st);
}

/* The bound holds for every shape of stack, and it is the only way to
 * fail: every arena smaller than what create used is E_NOMEM, never a
 * crash, never a half-built stack handed out. */
static void check_bound(const struct capnet_stack_config *cfg, size_t n)
{
	struct fixture f;
	size_t need = capnet_stack_arena_need(cfg, (struct capnet_nic *const[]){&(struct capnet_nic){0}}, 0);
	ck_assert_uint_eq(need, 0); /* no NIC: no stack */
	fixture_init(&f, 64u << 20);
	need = capnet_stack_arena_need(cfg, f.nics, n);
	ck_assert_uint_gt(need, 0);
	struct capnet_stack *st;
	ck_assert_int_eq(create(&f, cfg, n, need, &st), CAPNET_OK);
	ck_assert_ptr_nonnull(st);
	size_t used = f.arena.used;
	ck_assert_uint_le(used, need);
	size_t step = used / 97 + 1;
	for (size_t sz = 0; sz < used; sz += step) {
		ck_assert_int_eq(create(&f, cfg, n, sz, &st), CAPNET_E_NOMEM);
		ck_assert_ptr_null(st);
	}
	ck_assert_int_eq(create(&f, cfg, n, used - 1, &st), CAPNET_E_NOMEM);
	free(f.mem);
}

START_TEST(test_arena_need_is_a_bound_for_every_shape)
{
	check_bound(NULL, 1);
	check_bound(NULL, 2);
	struct capnet_stack_config bare = {.without = CAPNET_STACK_NO_TCP | CAPNET_STACK_NO_UDP | CAPNET_STACK_NO_CAPS};
	check_bound(&bare, 1);
	struct capnet_stack_config all = {.dhcp4 = true, .trace = true, .tcp = {.max_sockets = 100, .sndbuf = 4096, .rcvbuf = 4096}};
	check_bound(&all, 2);
}
END_TEST

START_TEST(test_bad_arguments_are_refused)
{
	struct fixture f;
	fixture_init(&f, 4u << 20);
	struct capnet_stack *st = (void *)1;
	ck_assert_int_eq(create(&f, NULL, 0, f.cap, &st), CAPNET_E_INVAL);
	ck_assert_ptr_null(st);
	ck_assert_int_eq(create(&f, NULL, CAPNET_STACK_MAX_IFACES + 1, f.cap, &st), CAPNET_E_INVAL);
	ck_assert_uint_eq(capnet_stack_arena_need(NULL, f.nics, CAPNET_STACK_MAX_IFACES + 1), 0);
	f.nics[1] = NULL;
	ck_assert_int_eq(create(&f, NULL, 2, f.cap, &st), CAPNET_E_INVAL);
	capnet_arena_init(&f.arena, f.mem, f.cap);
	ck_assert_int_eq(capnet_stack_create(&f.arena, NULL, (struct capnet_rng){0}, f.nics, 1, &st), CAPNET_E_INVAL);
	ck_assert_int_eq(capnet_stack_create(&f.arena, NULL, capnet_xoshiro_rng(&f.x), f.nics, 1, NULL),
			 CAPNET_E_INVAL);
	free(f.mem);
}
END_TEST

START_TEST(test_default_stack_has_every_part_and_a_netmgr_per_interface)
{
	struct fixture f;
	fixture_init(&f, 64u << 20);
	struct capnet_stack *st;
	ck_assert_int_eq(create(&f, NULL, 2, capnet_stack_arena_need(NULL, f.nics, 2), &st), CAPNET_OK);
	ck_assert_uint_eq(capnet_stack_ifaces(st), 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(capnet_stack_iface(st, i));
		ck_assert_ptr_nonnull(capnet_stack_tcp(st, i));
		ck_assert_ptr_nonnull(capnet_stack_udp(st, i));
		ck_assert_ptr_null(capnet_stack_dhcp4(st, i)); /* only when asked */
		ck_assert_ptr_nonnull(capnet_stack_ip4cfg(st, i)); /* every stack has its layers */
		ck_assert_uint_ne(capnet_stack_netmgr(st, i), CAPNET_HANDLE_NONE);
	}
	ck_assert_ptr_null(capnet_stack_iface(st, 2));
	ck_assert_uint_eq(capnet_stack_netmgr(st, 2), CAPNET_HANDLE_NONE);
	ck_assert_ptr_null(capnet_stack_trace_pool(st));
	/* Each interface keeps its own NIC's MAC and MTU. */
	struct capnet_cspace *boot = capnet_stack_boot_cspace(st);
	ck_assert_ptr_nonnull(boot);
	ck_assert_str_eq(capnet_cspace_name(boot), "boot");
	struct capnet_netmgr_config c0, c1;
	ck_assert_int_eq(capnet_netmgr_get_config(boot, capnet_stack_netmgr(st, 0), &c0), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_get_config(boot, capnet_stack_netmgr(st, 1), &c1), CAPNET_OK);
	ck_assert_mem_eq(c0.mac.b, mac0.b, 6);
	ck_assert_mem_eq(c1.mac.b, mac1.b, 6);
	ck_assert_uint_eq(c0.mtu, 1500);
	ck_assert_uint_eq(c1.mtu, 9000);
	/* Sockets are served on interface 0's network only. */
	ck_assert_ptr_nonnull(capnet_stack_net(st, 0)->socks);
	ck_assert_ptr_null(capnet_stack_net(st, 1)->socks);
	ck_assert_str_eq(capnet_stack_net(st, 1)->name, "eth1");
	ck_assert_int_eq(capnet_capsys_verify(capnet_stack_capsys(st)), CAPNET_OK);
	free(f.mem);
}
END_TEST

START_TEST(test_left_out_layers_are_absent)
{
	struct fixture f;
	fixture_init(&f, 64u << 20);
	struct capnet_stack *st;
	struct capnet_stack_config cfg = {.without = CAPNET_STACK_NO_UDP | CAPNET_STACK_NO_CAPS, .dhcp4 = true};
	ck_assert_int_eq(create(&f, &cfg, 1, capnet_stack_arena_need(&cfg, f.nics, 1), &st), CAPNET_OK);
	ck_assert_ptr_nonnull(capnet_stack_tcp(st, 0));
	ck_assert_ptr_null(capnet_stack_udp(st, 0));
	ck_assert_ptr_null(capnet_stack_dhcp4(st, 0)); /* DHCP speaks UDP: left out with it */
	ck_assert_ptr_null(capnet_stack_boot_cspace(st));
	ck_assert_ptr_null(capnet_stack_capsys(st));
	ck_assert_uint_eq(capnet_stack_netmgr(st, 0), CAPNET_HANDLE_NONE);
	free(f.mem);
}
END_TEST

/* A static address set through the boot NetworkManager is announced on
 * that interface alone, and a poll drains every NIC. */
START_TEST(test_poll_drives_every_interface)
{
	struct fixture f;
	fixture_init(&f, 64u << 20);
	struct capnet_stack *st;
	ck_assert_int_eq(create(&f, NULL, 2, capnet_stack_arena_need(NULL, f.nics, 2), &st), CAPNET_OK);
	struct capnet_cspace *boot = capnet_stack_boot_cspace(st);
	const capnet_ip4addr a1 = CAPNET_IP4(198, 51, 100, 7), peer = CAPNET_IP4(198, 51, 100, 9);
	ck_assert_int_eq(capnet_netmgr_set_static(boot, capnet_stack_netmgr(st, 1), a1, 24, 0, 0), CAPNET_OK);
	ck_assert_uint_eq(f.cn[0].ntx, 0);
	ck_assert_uint_eq(f.cn[1].ntx, 1); /* the gratuitous ARP */
	/* An ARP request for a1 arriving on interface 1 is answered there. */
	uint8_t req[60] = {0};
	const struct capnet_mac peer_mac = {{0x02, 0, 0, 0, 0, 0x99}};
	struct capnet_eth_repr eth = {.dst = CAPNET_MAC_BROADCAST, .src = peer_mac, .ethertype = CAPNET_ETHERTYPE_ARP};
	size_t off = capnet_eth_emit(&eth, req);
	struct capnet_arp_repr arp = {CAPNET_ARP_REQUEST, peer_mac, peer, (struct capnet_mac){{0}}, a1};
	capnet_arp_emit(&arp, req + off);
	capture_nic_queue_rx(&f.cn[1], req, sizeof req);
	capture_nic_clear(&f.cn[1]);
	capnet_instant next = capnet_stack_poll(st, CAPNET_MS(5));
	ck_assert_uint_eq(f.cn[0].ntx, 0);
	ck_assert_uint_eq(f.cn[1].ntx, 1);
	struct capnet_eth_repr out;
	ck_assert_int_eq(capnet_eth_parse(f.cn[1].tx[0].data, f.cn[1].tx[0].len, &out, NULL), CAPNET_OK);
	ck_assert_mem_eq(out.dst.b, peer_mac.b, 6);
	ck_assert_uint_eq(out.ethertype, CAPNET_ETHERTYPE_ARP);
	ck_assert_int_ge(next, CAPNET_MS(5));
	free(f.mem);
}
END_TEST

/* Same seed, same config: the same bytes, whoever builds the stack. */
START_TEST(test_same_seed_same_frames)
{
	uint8_t first[64];
	size_t first_len = 0;
	for (int run = 0; run < 2; run++) {
		struct fixture f;
		fixture_init(&f, 64u << 20);
		struct capnet_stack *st;
		ck_assert_int_eq(create(&f, NULL, 1, capnet_stack_arena_need(NULL, f.nics, 1), &st), CAPNET_OK);
		struct capnet_cspace *boot = capnet_stack_boot_cspace(st);
		ck_assert_int_eq(capnet_netmgr_set_static(boot, capnet_stack_netmgr(st, 0), CAPNET_IP4(192, 0, 2, 5), 24,
							  CAPNET_IP4(192, 0, 2, 1), 0),
				 CAPNET_OK);
		capture_nic_clear(&f.cn[0]);
		/* A ping to the gateway: ARP request first (its bytes hold nothing random). */
		ck_assert_int_eq(capnet_icmp4_echo_send(capnet_stack_iface(st, 0), CAPNET_IP4(192, 0, 2, 1), 1, 1,
							(const uint8_t *)"x", 1, 0),
				 CAPNET_OK);
		ck_assert_uint_eq(f.cn[0].ntx, 1);
		if (run == 0) {
			first_len = f.cn[0].tx[0].len;
			ck_assert_uint_le(first_len, sizeof first);
			memcpy(first, f.cn[0].tx[0].data, first_len);
		} else {
			ck_assert_uint_eq(f.cn[0].tx[0].len, first_len);
			ck_assert_mem_eq(f.cn[0].tx[0].data, first, first_len);
		}
		free(f.mem);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stack");
	TCase *tc = check_add_case(s, "stack", NULL, NULL, 60);
	tcase_add_test(tc, test_arena_need_is_a_bound_for_every_shape);
	tcase_add_test(tc, test_bad_arguments_are_refused);
	tcase_add_test(tc, test_default_stack_has_every_part_and_a_netmgr_per_interface);
	tcase_add_test(tc, test_left_out_layers_are_absent);
	tcase_add_test(tc, test_poll_drives_every_interface);
	tcase_add_test(tc, test_same_seed_same_frames);
	return s;
}

