/* DnsResolver caps on a whole stack over a capture nic: resolve and status
 * through the cap, each typed outcome, rights, a request id useless to
 * another cspace, and a cspace holding only the resolver failing closed --
 * and audited -- on every forged call: manager, UDP socket, Nic, status,
 * guessed handles. No forged call sends a frame. */
#include <stdlib.h>
#include <string.h>

#include "capnet/dns_cap.h"
#include "capnet/neigh.h"
#include "capnet/stack.h"
#include "capnet/wire/bytes.h"
#include "check_main.h"
#include "support/capture_nic.h"
#include "support/udp_frames.h"

static const struct capnet_mac mac_h = {{0x02, 0, 0, 0, 0, 0x0a}}, mac_s = {{0x02, 0, 0, 0, 0, 0x53}};
static const capnet_ip4addr ip_h = CAPNET_IP4(192, 0, 2, 10), ns1 = CAPNET_IP4(192, 0, 2, 53);

static struct capture_nic cn;
static struct capnet_xoshiro x;
static struct capnet_arena arena;
static uint8_t *mem;
static struct capnet_stack *st;
static struct capnet_cspace *boot, *app, *other;
static capnet_handle nm, res;

static void setup(void)
{
	capture_nic_init(&cn, mac_h, 1500);
	capnet_xoshiro_seed(&x, 7);
	struct capnet_nic *nics[1] = {&cn.nic};
	size_t need = capnet_stack_arena_need(NULL, nics, 1);
	mem = malloc(need);
	capnet_arena_init(&arena, mem, need);
	ck_assert_int_eq(capnet_stack_create(&arena, NULL, capnet_xoshiro_rng(&x), nics, 1, &st), CAPNET_OK);
	boot = capnet_stack_boot_cspace(st);
	nm = capnet_stack_netmgr(st, 0);
	ck_assert_int_eq(capnet_cspace_create(capnet_stack_capsys(st), "app", &app), CAPNET_OK);
	ck_assert_int_eq(capnet_cspace_create(capnet_stack_capsys(st), "other", &other), CAPNET_OK);
	capnet_handle r0;
	ck_assert_int_eq(capnet_netmgr_mint_dns(boot, nm, &r0), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(boot, r0, app, capnet_cap_type_rights(CAPNET_CAP_DNS_RESOLVER), NULL, &res),
			 CAPNET_OK);
	struct capnet_ipaddr a = capnet_ipaddr_from_ip4(ns1);
	ck_assert_int_eq(capnet_neigh_add_static(capnet_stack_iface(st, 0), &a, mac_s), CAPNET_OK);
}

static void teardown(void)
{
	free(mem);
}

static void configure(void)
{
	struct capnet_ip4cfg_layer l = {.addr = ip_h, .prefix_len = 24, .n_dns = 1, .dns = {ns1}};
	ck_assert_int_eq(capnet_netmgr_set_static_config(boot, nm, &l, 0), CAPNET_OK);
}

/* Answers the last query on the wire with one A record (or NXDOMAIN). */
static void answer_last(unsigned rcode)
{
	ck_assert_uint_gt(cn.ntx, 0);
	const struct capture_frame *f = &cn.tx[cn.ntx - 1];
	const uint8_t *u = f->data + 34;
	ck_assert_uint_eq(capnet_get16(u + 2), 53);
	struct capnet_dns_msg m;
	ck_assert_int_eq(capnet_dns_parse(u + 8, capnet_get16(u + 4) - 8u, &m), CAPNET_DNS_ERR_NONE);
	uint8_t buf[512], fr[600];
	struct capnet_dns_builder b;
	capnet_dns_build_start(&b, buf, sizeof buf, m.hdr.id, (uint16_t)(0x8180 | rcode));
	capnet_dns_build_question(&b, m.qname, m.qtype);
	if (rcode == 0)
		capnet_dns_build_rr(&b, CAPNET_DNS_SEC_ANSWER, m.qname, 1, 60, (uint8_t[]){192, 0, 2, 9}, 4);
	size_t n = capnet_dns_build_end(&b);
	size_t len = tf_udp_frame(fr, mac_h, mac_s, ns1, ip_h, 1, 53, capnet_get16(u), buf, n);
	capture_nic_queue_rx(&cn, fr, len);
}

START_TEST(test_resolve_through_cap)
{
	configure();
	uint32_t req;
	ck_assert_int_eq(capnet_dnscap_resolve(app, res, "www.example.test", CAPNET_AF_INET, 0, &req), CAPNET_OK);
	struct capnet_dns_result r;
	ck_assert_int_eq(capnet_dnscap_result(app, res, req, &r), CAPNET_E_AGAIN);
	/* another cspace with its own resolver cap cannot read (or cancel) it */
	capnet_handle r2;
	ck_assert_int_eq(capnet_cap_grant(app, res, other, CAPNET_RIGHT_SEND | CAPNET_RIGHT_READ, NULL, &r2),
			 CAPNET_OK);
	ck_assert_int_eq(capnet_dnscap_result(other, r2, req, &r), CAPNET_E_NOTFOUND);
	ck_assert_int_eq(capnet_dnscap_cancel(other, r2, req), CAPNET_E_NOTFOUND);
	answer_last(0);
	capnet_stack_poll(st, CAPNET_MS(1));
	ck_assert_int_eq(capnet_dnscap_result(app, res, req, &r), CAPNET_OK);
	ck_assert_int_eq(r.status, CAPNET_DNS_FOUND);
	ck_assert_uint_eq(capnet_ipaddr_ip4(&r.addrs[0]), CAPNET_IP4(192, 0, 2, 9));
	ck_assert_int_eq(capnet_dns_status_err(r.status), CAPNET_OK);
	ck_assert_int_eq(capnet_dnscap_resolve(app, res, "nope.example.test", CAPNET_AF_INET, CAPNET_MS(2), &req),
			 CAPNET_OK);
	answer_last(CAPNET_DNS_RCODE_NXDOMAIN);
	capnet_stack_poll(st, CAPNET_MS(3));
	ck_assert_int_eq(capnet_dnscap_result(app, res, req, &r), CAPNET_OK);
	ck_assert_int_eq(r.status, CAPNET_DNS_NXDOMAIN);
	ck_assert_int_eq(capnet_dns_status_err(r.status), CAPNET_E_NOTFOUND);
	struct capnet_dns_stub_status s;
	ck_assert_int_eq(capnet_dnscap_status(app, res, &s), CAPNET_OK);
	ck_assert_uint_eq(s.n_servers, 1);
	ck_assert_int_eq(s.servers_provenance, CAPNET_PROV_STATIC);
	ck_assert_int_eq(s.last_error, CAPNET_DNS_NXDOMAIN);
	ck_assert_uint_eq(s.queries_sent, 2);
}
END_TEST

START_TEST(test_unavailable_and_bounds)
{
	uint32_t req;
	struct capnet_dns_result r;
	ck_assert_int_eq(capnet_dnscap_resolve(app, res, "www.example.test", CAPNET_AF_NONE, 0, &req), CAPNET_OK);
	ck_assert_int_eq(capnet_dnscap_result(app, res, req, &r), CAPNET_OK);
	ck_assert_int_eq(r.status, CAPNET_DNS_UNAVAILABLE);
	ck_assert_int_eq(capnet_dns_status_err(r.status), CAPNET_E_NOTCONFIGURED);
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[299] = 0;
	ck_assert_int_eq(capnet_dnscap_resolve(app, res, longname, CAPNET_AF_INET, 0, &req), CAPNET_E_INVAL);
	ck_assert_int_eq(capnet_dnscap_resolve(app, res, "a.test", 17, 0, &req), CAPNET_E_INVAL);
	ck_assert_uint_eq(cn.ntx, 0);
}
END_TEST

START_TEST(test_rights)
{
	configure();
	size_t before = cn.ntx;
	capnet_handle ro;
	ck_assert_int_eq(capnet_cap_grant(app, res, other, CAPNET_RIGHT_READ, NULL, &ro), CAPNET_OK);
	uint32_t req;
	ck_assert_int_eq(capnet_dnscap_resolve(other, ro, "www.example.test", CAPNET_AF_INET, 0, &req),
			 CAPNET_E_RIGHTS);
	struct capnet_dns_stub_status s;
	ck_assert_int_eq(capnet_dnscap_status(other, ro, &s), CAPNET_OK);
	ck_assert_uint_eq(cn.ntx, before); /* read-only: nothing sent */
	ck_assert_int_eq(capnet_cap_revoke(app, res), CAPNET_OK);
	ck_assert_int_eq(capnet_dnscap_status(other, ro, &s), CAPNET_E_REVOKED);
}
END_TEST

START_TEST(test_forged_calls_fail_closed_and_audited)
{
	configure();
	size_t before = cn.ntx;
	struct capnet_netmgr_config c;
	capnet_handle out;
	uint8_t buf[16];
	size_t len;
	/* the resolver handle used as a manager, a socket, a Nic, a status */
	ck_assert_int_eq(capnet_netmgr_get_config(app, res, &c), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_netmgr_mint_udp(app, res, 1, 65535, NULL, &out), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_netmgr_mint_dns(app, res, &out), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_udpcap_bind(app, res, 5353, &out), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_udpcap_send_to(app, res, ns1, 53, "x", 1, 0), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_niccap_transmit(app, res, buf, sizeof buf), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_status_routes(app, res, NULL, 0, &len), CAPNET_E_WRONGTYPE);
	/* the boot manager's handle copied into app names nothing there */
	ck_assert_int_eq(capnet_netmgr_get_config(app, nm, &c), CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_netmgr_mint_dns(app, nm, &out), CAPNET_E_BADHANDLE);
	/* guessed handles */
	for (capnet_handle g = 1; g < 64; g++)
		ck_assert_int_eq(capnet_dnscap_status(app, res ^ g, NULL), CAPNET_E_BADHANDLE);
	ck_assert_uint_eq(cn.ntx, before); /* no forged call sent anything */
	struct capnet_audit au;
	capnet_cspace_audit(app, &au);
	ck_assert_uint_eq(au.rejected[CAPNET_AUDIT_WRONGTYPE], 7);
	ck_assert_uint_eq(au.rejected[CAPNET_AUDIT_BADHANDLE], 2 + 63);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cap-dns");
	TCase *tc = check_add_case(s, "dns", setup, teardown, 0);
	tcase_add_test(tc, test_resolve_through_cap);
	tcase_add_test(tc, test_unavailable_and_bounds);
	tcase_add_test(tc, test_rights);
	tcase_add_test(tc, test_forged_calls_fail_closed_and_audited);
	return s;
}
