/* The loopback NIC: frames come back byte for byte and in order, a full
 * ring and an oversize frame are refused whole and counted, "no frame yet"
 * is E_AGAIN, and an interface runs on it. */
#include <stdlib.h>
#include <string.h>

#include "capnet/iface.h"
#include "capnet/nic_loopback.h"
#include "capnet/rng.h"
#include "check_main.h"

static uint8_t mem[64 * 1024];
static struct capnet_arena arena;
static struct capnet_loopback *lo;
static struct capnet_nic *nic;

static const struct capnet_mac mac = {{0x02, 0, 0, 0, 0, 0x0c}};

/* Four slots of 18 + 100 bytes. */
static void setup(void)
{
	capnet_arena_init(&arena, mem, sizeof mem);
	struct capnet_loopback_config c = {4, 100, mac};
	ck_assert_int_eq(capnet_loopback_create(&arena, &c, &lo), CAPNET_OK);
	nic = capnet_loopback_nic(lo);
}

static capnet_err tx(const uint8_t *f, size_t len)
{
	return nic->ops->transmit(nic->dev, f, len);
}

static capnet_err rx(uint8_t *buf, size_t cap, size_t *len)
{
	return nic->ops->receive(nic->dev, buf, cap, len);
}

/* A frame whose every byte says which frame and where. */
static void fill(uint8_t *f, size_t len, uint8_t tag)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(tag * 31u + i);
}

START_TEST(test_reports_its_mac_mtu_and_link)
{
	ck_assert_mem_eq(nic->mac.b, mac.b, 6);
	ck_assert_uint_eq(nic->mtu, 100);
	ck_assert(nic->ops->link_up(nic->dev));
	ck_assert_uint_eq(capnet_loopback_pending(lo), 0);
}
END_TEST

START_TEST(test_empty_ring_is_again_and_changes_nothing)
{
	uint8_t buf[200];
	size_t len = 777;
	ck_assert_int_eq(rx(buf, sizeof buf, &len), CAPNET_E_AGAIN);
	ck_assert_int_eq(rx(buf, sizeof buf, &len), CAPNET_E_AGAIN);
	ck_assert_uint_eq(len, 777);
	const struct capnet_loopback_stats *s = capnet_loopback_stats(lo);
	ck_assert_uint_eq(s->rx_frames + s->rx_nobufs + s->tx_frames, 0);
}
END_TEST

START_TEST(test_frames_come_back_exact_and_in_order_across_the_wrap)
{
	uint8_t f[118], buf[200];
	size_t len;
	/* Ten frames through four slots: head and tail wrap twice. */
	for (uint8_t k = 0; k < 10; k++) {
		size_t n = 14 + (size_t)k * 10; /* 14..104 */
		fill(f, n, k);
		ck_assert_int_eq(tx(f, n), CAPNET_OK);
		if (k % 2 == 0)
			continue; /* let two pile up */
		for (uint8_t j = (uint8_t)(k - 1); j <= k; j++) {
			size_t want_n = 14 + (size_t)j * 10;
			uint8_t want[118];
			fill(want, want_n, j);
			memset(buf, 0xee, sizeof buf);
			ck_assert_int_eq(rx(buf, sizeof buf, &len), CAPNET_OK);
			ck_assert_uint_eq(len, want_n);
			ck_assert_mem_eq(buf, want, want_n);
			ck_assert_uint_eq(buf[want_n], 0xee); /* nothing past the frame */
		}
	}
	ck_assert_int_eq(rx(buf, sizeof buf, &len), CAPNET_E_AGAIN);
	ck_assert_uint_eq(capnet_loopback_stats(lo)->tx_frames, 10);
	ck_assert_uint_eq(capnet_loopback_stats(lo)->rx_frames, 10);
}
END_TEST

START_TEST(test_full_ring_refuses_the_frame_whole)
{
	uint8_t f[60], buf[200];
	size_t len;
	for (uint8_t k = 0; k < 4; k++) {
		fill(f, sizeof f, k);
		ck_assert_int_eq(tx(f, sizeof f), CAPNET_OK);
	}
	ck_assert_uint_eq(capnet_loopback_pending(lo), 4);
	fill(f, sizeof f, 9);
	ck_assert_int_eq(tx(f, sizeof f), CAPNET_E_AGAIN);
	ck_assert_int_eq(tx(f, sizeof f), CAPNET_E_AGAIN);
	ck_assert_uint_eq(capnet_loopback_stats(lo)->tx_full, 2);
	ck_assert_uint_eq(capnet_loopback_stats(lo)->tx_frames, 4);
	/* The four kept are the first four, untouched by the refusals. */
	for (uint8_t k = 0; k < 4; k++) {
		uint8_t want[60];
		fill(want, sizeof want, k);
		ck_assert_int_eq(rx(buf, sizeof buf, &len), CAPNET_OK);
		ck_assert_uint_eq(len, 60);
		ck_assert_mem_eq(buf, want, 60);
	}
	/* One slot free again: taken. */
	ck_assert_int_eq(tx(f, sizeof f), CAPNET_OK);
	ck_assert_int_eq(rx(buf, sizeof buf, &len), CAPNET_OK);
	ck_assert_mem_eq(buf, f, 60);
}
END_TEST

START_TEST(test_oversize_frames_are_refused_and_short_buffers_drop_one_frame)
{
	uint8_t f[200], buf[200];
	size_t len = 0;
	fill(f, sizeof f, 3);
	/* A slot is 18 + mtu = 118 bytes: 118 fits, 119 does not. */
	ck_assert_int_eq(tx(f, 119), CAPNET_E_MSGSIZE);
	ck_assert_uint_eq(capnet_loopback_stats(lo)->tx_oversize, 1);
	ck_assert_uint_eq(capnet_loopback_pending(lo), 0);
	ck_assert_int_eq(tx(f, 0), CAPNET_E_INVAL);
	ck_assert_int_eq(tx(f, 118), CAPNET_OK);
	ck_assert_int_eq(tx(f + 1, 20), CAPNET_OK);
	/* Too short a buffer for the 118-byte frame: consumed and dropped; the
	 * next frame is intact. */
	ck_assert_int_eq(rx(buf, 117, &len), CAPNET_E_NOBUFS);
	ck_assert_uint_eq(capnet_loopback_stats(lo)->rx_nobufs, 1);
	ck_assert_uint_eq(capnet_loopback_pending(lo), 1);
	ck_assert_int_eq(rx(buf, 20, &len), CAPNET_OK);
	ck_assert_uint_eq(len, 20);
	ck_assert_mem_eq(buf, f + 1, 20);
	ck_assert_int_eq(rx(buf, sizeof buf, &len), CAPNET_E_AGAIN);
}
END_TEST

START_TEST(test_arena_bound_holds_and_every_smaller_arena_fails_cleanly)
{
	struct capnet_loopback_config c = {4, 100, mac};
	size_t need = capnet_loopback_arena_need(&c);
	struct capnet_loopback *l;
	capnet_arena_init(&arena, mem, need);
	ck_assert_int_eq(capnet_loopback_create(&arena, &c, &l), CAPNET_OK);
	size_t used = arena.used;
	ck_assert_uint_le(used, need);
	ck_assert_uint_ge(used, 4 * 118);
	for (size_t sz = 0; sz < used; sz++) {
		capnet_arena_init(&arena, mem, sz);
		ck_assert_int_eq(capnet_loopback_create(&arena, &c, &l), CAPNET_E_NOMEM);
		ck_assert_ptr_null(l);
	}
	/* Defaults: 8 frames of 1518 bytes. */
	capnet_arena_init(&arena, mem, sizeof mem);
	ck_assert_int_eq(capnet_loopback_create(&arena, NULL, &l), CAPNET_OK);
	ck_assert_uint_eq(capnet_loopback_nic(l)->mtu, 1500);
	ck_assert_uint_ge(capnet_loopback_arena_need(NULL), 8 * 1518);
}
END_TEST

/* An interface on the loopback hears its own broadcasts: the gratuitous
 * ARP it sends on configuration comes back on the next poll. */
START_TEST(test_an_interface_runs_on_it)
{
	static uint8_t imem[256 * 1024];
	struct capnet_arena a;
	capnet_arena_init(&a, imem, sizeof imem);
	struct capnet_loopback_config c = {8, 1500, mac};
	struct capnet_loopback *l;
	ck_assert_int_eq(capnet_loopback_create(&a, &c, &l), CAPNET_OK);
	struct capnet_xoshiro x;
	capnet_xoshiro_seed(&x, 1);
	struct capnet_iface *ifc;
	ck_assert_int_eq(capnet_iface_create(&a, NULL, capnet_loopback_nic(l), capnet_xoshiro_rng(&x), &ifc), CAPNET_OK);
	struct capnet_ip4_config ip = {CAPNET_IP4(192, 0, 2, 10), 24, 0, CAPNET_PROV_STATIC};
	ck_assert_int_eq(capnet_iface_set_ip4(ifc, &ip, 0), CAPNET_OK);
	ck_assert_uint_eq(capnet_loopback_pending(l), 1);
	capnet_iface_poll(ifc, 1);
	ck_assert_uint_eq(capnet_loopback_pending(l), 0);
	ck_assert_uint_eq(capnet_iface_stats(ifc)->v[CAPNET_STAT_eth_tx_frames], 1);
	ck_assert_uint_eq(capnet_iface_stats(ifc)->v[CAPNET_STAT_eth_rx_frames], 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nic-loopback");
	TCase *tc = check_add_case(s, "loopback", setup, NULL, 0);
	tcase_add_test(tc, test_reports_its_mac_mtu_and_link);
	tcase_add_test(tc, test_empty_ring_is_again_and_changes_nothing);
	tcase_add_test(tc, test_frames_come_back_exact_and_in_order_across_the_wrap);
	tcase_add_test(tc, test_full_ring_refuses_the_frame_whole);
	tcase_add_test(tc, test_oversize_frames_are_refused_and_short_buffers_drop_one_frame);
	tcase_add_test(tc, test_arena_bound_holds_and_every_smaller_arena_fails_cleanly);
	tcase_add_test(tc, test_an_interface_runs_on_it);
	return s;
}
