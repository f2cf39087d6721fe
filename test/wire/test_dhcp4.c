/* DHCPv4 codec: one OFFER and one DISCOVER held as bytes and checked four
 * ways (deconstruct, parse, construct/emit, round trip), every truncation
 * point, every malformation reason, option overload, RFC 3396
 * concatenation, and RFC 3397 names including hostile compression. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/dhcp4.h"
#include "check_main.h"

#define CLIENT_MAC {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0c}}
static const struct capnet_mac client_mac = CLIENT_MAC;

/* OFFER of 192.0.2.100 from server 192.0.2.1: mask /24, router .254, DNS
 * 198.51.100.53 and .54, domain example.com, broadcast .255, lease 3600 s,
 * T1 1800, T2 3150, search eng.example.com + example.com (compressed) and
 * classless routes 198.51.100.0/24 and 0/0 via 192.0.2.254. 345 bytes. */
#define OFFER_LEN 345
static const uint8_t offer[OFFER_LEN] = {
	[0] = 0x02, 0x01, 0x06, 0x00,            /* op, htype, hlen, hops */
	[4] = 0x39, 0x03, 0xf3, 0x26,            /* xid */
	[16] = 0xc0, 0x00, 0x02, 0x64,           /* yiaddr 192.0.2.100 */
	[20] = 0xc0, 0x00, 0x02, 0x01,           /* siaddr 192.0.2.1 */
	[28] = 0x02, 0x00, 0x00, 0x00, 0x00, 0x0c, /* chaddr */
	[236] = 0x63, 0x82, 0x53, 0x63,          /* magic cookie */
	[240] = 0x35, 0x01, 0x02,                /* 53 OFFER */
	0x01, 0x04, 0xff, 0xff, 0xff, 0x00,      /* 1 mask */
	0x03, 0x04, 0xc0, 0x00, 0x02, 0xfe,      /* 3 router */
	0x06, 0x08, 0xc6, 0x33, 0x64, 0x35, 0xc6, 0x33, 0x64, 0x36, /* 6 DNS */
	0x0f, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', /* 15 */
	0x1c, 0x04, 0xc0, 0x00, 0x02, 0xff,      /* 28 broadcast */
	0x33, 0x04, 0x00, 0x00, 0x0e, 0x10,      /* 51 lease 3600 */
	0x36, 0x04, 0xc0, 0x00, 0x02, 0x01,      /* 54 server id */
	0x3a, 0x04, 0x00, 0x00, 0x07, 0x08,      /* 58 T1 1800 */
	0x3b, 0x04, 0x00, 0x00, 0x0c, 0x4e,      /* 59 T2 3150 */
	0x77, 0x13, 0x03, 'e', 'n', 'g', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
	0xc0, 0x04,                              /* 119: eng.example.com, ->example.com */
	0x79, 0x0d, 0x18, 0xc6, 0x33, 0x64, 0xc0, 0x00, 0x02, 0xfe, /* 121: 198.51.100/24 */
	0x00, 0xc0, 0x00, 0x02, 0xfe,            /*      0/0 via .254 */
	0xff,                                    /* END at 344 */
};

static const uint8_t search_raw[19] = {0x03, 'e', 'n', 'g', 0x07, 'e', 'x', 'a', 'm', 'p',
				       'l',  'e', 0x03, 'c', 'o', 'm', 0x00, 0xc0, 0x04};

/* DISCOVER from 02:00:00:00:00:0c: broadcast flag, client id (type 1 +
 * MAC), parameter request list, max message size 1500, padded to 300. */
#define DISCOVER_LEN 300
static const uint8_t prl[] = {1, 3, 6, 15, 28, 51, 54, 58, 59, 119, 121};
static const uint8_t client_id[] = {0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0c};
static const uint8_t discover[DISCOVER_LEN] = {
	[0] = 0x01, 0x01, 0x06, 0x00,
	[4] = 0xde, 0xad, 0xbe, 0xef,
	[8] = 0x00, 0x03, 0x80, 0x00,            /* secs 3, broadcast flag */
	[28] = 0x02, 0x00, 0x00, 0x00, 0x00, 0x0c,
	[236] = 0x63, 0x82, 0x53, 0x63,
	[240] = 0x35, 0x01, 0x01,                /* 53 DISCOVER */
	0x37, 0x0b, 1, 3, 6, 15, 28, 51, 54, 58, 59, 119, 121, /* 55 */
	0x39, 0x02, 0x05, 0xdc,                  /* 57: 1500 */
	0x3d, 0x07, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0c, /* 61 */
	0xff,                                    /* END at 269, then zeros to 300 */
};
#define DISCOVER_END 269

static struct capnet_dhcp4_repr offer_repr(void)
{
	struct capnet_dhcp4_repr r;
	memset(&r, 0, sizeof r);
	r.op = CAPNET_BOOTREPLY;
	r.xid = 0x3903f326;
	r.yiaddr = CAPNET_IP4(192, 0, 2, 100);
	r.siaddr = CAPNET_IP4(192, 0, 2, 1);
	r.chaddr = client_mac;
	r.message_type = CAPNET_DHCP4_OFFER;
	r.present = CAPNET_DHCP4_HAS_SUBNET_MASK | CAPNET_DHCP4_HAS_BROADCAST | CAPNET_DHCP4_HAS_LEASE_TIME |
		    CAPNET_DHCP4_HAS_SERVER_ID | CAPNET_DHCP4_HAS_T1 | CAPNET_DHCP4_HAS_T2;
	r.subnet_mask = 0xffffff00;
	r.broadcast_addr = CAPNET_IP4(192, 0, 2, 255);
	r.lease_time = 3600;
	r.t1 = 1800;
	r.t2 = 3150;
	r.server_id = CAPNET_IP4(192, 0, 2, 1);
	r.n_routers = 1;
	r.routers[0] = CAPNET_IP4(192, 0, 2, 254);
	r.n_dns = 2;
	r.dns[0] = CAPNET_IP4(198, 51, 100, 53);
	r.dns[1] = CAPNET_IP4(198, 51, 100, 54);
	r.domain_name = (struct capnet_dhcp4_bytes){(const uint8_t *)"example.com", 11};
	memcpy(r.search, search_raw, sizeof search_raw);
	r.search_len = sizeof search_raw;
	r.n_routes = 2;
	r.routes[0] = (struct capnet_dhcp4_route){CAPNET_IP4(198, 51, 100, 0), 24, CAPNET_IP4(192, 0, 2, 254)};
	r.routes[1] = (struct capnet_dhcp4_route){0, 0, CAPNET_IP4(192, 0, 2, 254)};
	return r;
}

START_TEST(test_deconstruct)
{
	struct capnet_dhcp4_view v;
	ck_assert_int_eq(capnet_dhcp4_view_check(&v, offer, sizeof offer), CAPNET_OK);
	ck_assert_uint_eq(capnet_dhcp4_op(&v), 2);
	ck_assert_uint_eq(capnet_dhcp4_htype(&v), 1);
	ck_assert_uint_eq(capnet_dhcp4_hlen(&v), 6);
	ck_assert_uint_eq(capnet_dhcp4_hops(&v), 0);
	ck_assert_uint_eq(capnet_dhcp4_xid(&v), 0x3903f326);
	ck_assert_uint_eq(capnet_dhcp4_secs(&v), 0);
	ck_assert_uint_eq(capnet_dhcp4_flags(&v), 0);
	ck_assert_uint_eq(capnet_dhcp4_ciaddr(&v), 0);
	ck_assert_uint_eq(capnet_dhcp4_yiaddr(&v), CAPNET_IP4(192, 0, 2, 100));
	ck_assert_uint_eq(capnet_dhcp4_siaddr(&v), CAPNET_IP4(192, 0, 2, 1));
	ck_assert_uint_eq(capnet_dhcp4_giaddr(&v), 0);
	ck_assert(capnet_mac_eq(capnet_dhcp4_chaddr(&v), client_mac));
	ck_assert_uint_eq(capnet_dhcp4_cookie(&v), CAPNET_DHCP4_MAGIC);
	struct capnet_dhcp4_view d;
	ck_assert_int_eq(capnet_dhcp4_view_check(&d, discover, sizeof discover), CAPNET_OK);
	ck_assert_uint_eq(capnet_dhcp4_secs(&d), 3);
	ck_assert_uint_eq(capnet_dhcp4_flags(&d), CAPNET_DHCP4_FLAG_BROADCAST);
}
END_TEST

START_TEST(test_parse_offer)
{
	struct capnet_dhcp4_repr r;
	enum capnet_dhcp4_error why = CAPNET_DHCP4_ERR_BAD_OP;
	ck_assert_int_eq(capnet_dhcp4_parse(offer, sizeof offer, &r, &why), CAPNET_OK);
	ck_assert_int_eq(why, CAPNET_DHCP4_ERR_NONE);
	struct capnet_dhcp4_repr w = offer_repr();
	ck_assert_uint_eq(r.op, w.op);
	ck_assert_uint_eq(r.xid, w.xid);
	ck_assert_uint_eq(r.yiaddr, w.yiaddr);
	ck_assert_uint_eq(r.message_type, CAPNET_DHCP4_OFFER);
	ck_assert_uint_eq(r.present, w.present);
	ck_assert_uint_eq(r.subnet_mask, 0xffffff00);
	ck_assert_uint_eq(r.broadcast_addr, w.broadcast_addr);
	ck_assert_uint_eq(r.lease_time, 3600);
	ck_assert_uint_eq(r.t1, 1800);
	ck_assert_uint_eq(r.t2, 3150);
	ck_assert_uint_eq(r.server_id, w.server_id);
	ck_assert_uint_eq(r.n_routers, 1);
	ck_assert_uint_eq(r.routers[0], w.routers[0]);
	ck_assert_uint_eq(r.n_dns, 2);
	ck_assert_uint_eq(r.dns[1], w.dns[1]);
	ck_assert_uint_eq(r.domain_name.len, 11);
	ck_assert_mem_eq(r.domain_name.p, "example.com", 11);
	ck_assert_ptr_eq(r.domain_name.p, offer + 240 + 3 + 6 + 6 + 10 + 2);
	ck_assert_uint_eq(r.search_len, sizeof search_raw);
	ck_assert_mem_eq(r.search, search_raw, sizeof search_raw);
	ck_assert_uint_eq(r.n_routes, 2);
	ck_assert_uint_eq(r.routes[0].dest, w.routes[0].dest);
	ck_assert_uint_eq(r.routes[0].prefix_len, 24);
	ck_assert_uint_eq(r.routes[0].gateway, w.routes[0].gateway);
	ck_assert_uint_eq(r.routes[1].dest, 0);
	ck_assert_uint_eq(r.routes[1].prefix_len, 0);
	ck_assert_ptr_eq(r.sname, offer + CAPNET_DHCP4_SNAME);
	ck_assert_ptr_eq(r.file, offer + CAPNET_DHCP4_FILE);
	ck_assert_uint_eq(r.overload, 0);
	ck_assert_uint_eq(r.hostname.len, 0);
	ck_assert_uint_eq(r.client_id.len, 0);
}
END_TEST

/* r emits want (len bytes) into out, which starts filled with 0xee. */
static void assert_emits(const struct capnet_dhcp4_repr *r, uint8_t *out, size_t out_size, const uint8_t *want,
			 size_t len)
{
	memset(out, 0xee, out_size);
	ck_assert_uint_eq(capnet_dhcp4_emit_len(r), len);
	ck_assert_uint_eq(capnet_dhcp4_emit(r, out), len);
	ck_assert_mem_eq(out, want, len);
}

START_TEST(test_emit_offer)
{
	struct capnet_dhcp4_repr r = offer_repr();
	uint8_t out[400];
	assert_emits(&r, out, sizeof out, offer, OFFER_LEN);
	ck_assert_uint_eq(out[OFFER_LEN], 0xee);
}
END_TEST

START_TEST(test_discover_both_ways)
{
	struct capnet_dhcp4_repr r;
	memset(&r, 0, sizeof r);
	r.op = CAPNET_BOOTREQUEST;
	r.xid = 0xdeadbeef;
	r.secs = 3;
	r.flags = CAPNET_DHCP4_FLAG_BROADCAST;
	r.chaddr = client_mac;
	r.message_type = CAPNET_DHCP4_DISCOVER;
	r.present = CAPNET_DHCP4_HAS_MAX_MSG_SIZE;
	r.max_msg_size = 1500;
	r.param_request = (struct capnet_dhcp4_bytes){prl, sizeof prl};
	r.client_id = (struct capnet_dhcp4_bytes){client_id, sizeof client_id};
	uint8_t out[DISCOVER_LEN];
	assert_emits(&r, out, sizeof out, discover, DISCOVER_LEN);

	struct capnet_dhcp4_repr p;
	ck_assert_int_eq(capnet_dhcp4_parse(discover, sizeof discover, &p, NULL), CAPNET_OK);
	ck_assert_uint_eq(p.op, CAPNET_BOOTREQUEST);
	ck_assert_uint_eq(p.message_type, CAPNET_DHCP4_DISCOVER);
	ck_assert_uint_eq(p.flags, CAPNET_DHCP4_FLAG_BROADCAST);
	ck_assert_uint_eq(p.max_msg_size, 1500);
	ck_assert_uint_eq(p.param_request.len, sizeof prl);
	ck_assert_mem_eq(p.param_request.p, prl, sizeof prl);
	ck_assert_uint_eq(p.client_id.len, sizeof client_id);
	ck_assert_mem_eq(p.client_id.p, client_id, sizeof client_id);
}
END_TEST

START_TEST(test_round_trip)
{
	const uint8_t *pkts[] = {offer, discover};
	size_t lens[] = {sizeof offer, sizeof discover};
	for (int i = 0; i < 2; i++) {
		struct capnet_dhcp4_repr r;
		uint8_t out[400];
		ck_assert_int_eq(capnet_dhcp4_parse(pkts[i], lens[i], &r, NULL), CAPNET_OK);
		ck_assert_uint_eq(capnet_dhcp4_emit(&r, out), lens[i]);
		ck_assert_mem_eq(out, pkts[i], lens[i]);
	}
}
END_TEST

START_TEST(test_every_truncation_point)
{
	struct capnet_dhcp4_repr r;
	enum capnet_dhcp4_error why;
	for (size_t len = 0; len < sizeof offer; len++) {
		capnet_err e = capnet_dhcp4_parse(offer, len, &r, &why);
		ck_assert_int_eq(e, CAPNET_E_TRUNCATED);
		ck_assert_int_eq(why, len < 240 ? CAPNET_DHCP4_ERR_TRUNCATED : CAPNET_DHCP4_ERR_OPT_TRUNCATED);
	}
	for (size_t len = 0; len <= DISCOVER_END; len++)
		ck_assert_int_eq(capnet_dhcp4_parse(discover, len, &r, NULL), CAPNET_E_TRUNCATED);
	/* Beyond END only padding is cut: still a whole message. */
	for (size_t len = DISCOVER_END + 1; len <= sizeof discover; len++)
		ck_assert_int_eq(capnet_dhcp4_parse(discover, len, &r, NULL), CAPNET_OK);
	struct capnet_dhcp4_view v;
	ck_assert_int_eq(capnet_dhcp4_view_check(&v, offer, 239), CAPNET_E_TRUNCATED);
}
END_TEST

/* A copy of the offer with its options replaced by `opts`. */
static size_t with_options(uint8_t *pkt, const uint8_t *opts, size_t n)
{
	memcpy(pkt, offer, 240);
	memcpy(pkt + 240, opts, n);
	return 240 + n;
}

static enum capnet_dhcp4_error parse_why(const uint8_t *pkt, size_t len, capnet_err want)
{
	struct capnet_dhcp4_repr r;
	enum capnet_dhcp4_error why = CAPNET_DHCP4_ERR_NONE;
	ck_assert_int_eq(capnet_dhcp4_parse(pkt, len, &r, &why), want);
	return why;
}

START_TEST(test_header_errors)
{
	uint8_t p[OFFER_LEN];
	memcpy(p, offer, sizeof p);
	p[0] = 3;
	ck_assert_int_eq(parse_why(p, sizeof p, CAPNET_E_MALFORMED), CAPNET_DHCP4_ERR_BAD_OP);
	memcpy(p, offer, sizeof p);
	p[1] = 6; /* IEEE 802 */
	ck_assert_int_eq(parse_why(p, sizeof p, CAPNET_E_UNSUPPORTED), CAPNET_DHCP4_ERR_BAD_HTYPE);
	memcpy(p, offer, sizeof p);
	p[2] = 16;
	ck_assert_int_eq(parse_why(p, sizeof p, CAPNET_E_UNSUPPORTED), CAPNET_DHCP4_ERR_BAD_HTYPE);
	memcpy(p, offer, sizeof p);
	p[239] = 0x64;
	ck_assert_int_eq(parse_why(p, sizeof p, CAPNET_E_MALFORMED), CAPNET_DHCP4_ERR_BAD_COOKIE);
}
END_TEST

START_TEST(test_option_errors)
{
	struct {
		uint8_t opts[24];
		size_t n;
		capnet_err err;
		enum capnet_dhcp4_error why;
	} const cases[] = {
		{{0x35, 0x01, 0x02, 0x01, 0x03, 0xff, 0xff, 0xff, 0xff}, 9, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_OPT_BADLEN},
		{{0x03, 0x05, 1, 2, 3, 4, 5, 0xff}, 8, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_OPT_BADLEN},
		{{0x06, 0x00, 0xff}, 3, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_OPT_BADLEN},
		{{0x33, 0x02, 0, 1, 0xff}, 5, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_OPT_BADLEN},
		{{0x35, 0x02, 2, 2, 0xff}, 5, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_OPT_BADLEN},
		{{0x39, 0x01, 5, 0xff}, 4, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_OPT_BADLEN},
		{{0x3d, 0x01, 1, 0xff}, 4, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_OPT_BADLEN},
		{{0x0c, 0x00, 0xff}, 3, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_OPT_BADLEN},
		{{0x33, 0x04, 0, 0, 0, 1, 0x33, 0x04, 0, 0, 0, 2, 0xff}, 13, CAPNET_E_MALFORMED,
		 CAPNET_DHCP4_ERR_OPT_DUPLICATE},
		{{0x35, 0x01, 5, 0x35, 0x01, 6, 0xff}, 7, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_OPT_DUPLICATE},
		{{0x35, 0x01, 0, 0xff}, 4, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_MSG_TYPE},
		{{0x35, 0x01, 19, 0xff}, 4, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_MSG_TYPE},
		{{0x34, 0x01, 4, 0xff}, 4, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_OVERLOAD},
		{{0x34, 0x01, 0, 0xff}, 4, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_OVERLOAD},
		{{0x34, 0x02, 1, 1, 0xff}, 5, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_OPT_BADLEN},
		{{0x35, 0x01, 2}, 3, CAPNET_E_TRUNCATED, CAPNET_DHCP4_ERR_OPT_TRUNCATED}, /* no END */
		{{0x35, 0x01, 2, 0x33}, 4, CAPNET_E_TRUNCATED, CAPNET_DHCP4_ERR_OPT_TRUNCATED},
		{{0x35, 0x01, 2, 0x33, 0x04, 0, 0}, 7, CAPNET_E_TRUNCATED, CAPNET_DHCP4_ERR_OPT_TRUNCATED},
		{{0x77, 0x01, 0x00, 0xff}, 4, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_SEARCH},       /* root only */
		{{0x77, 0x02, 0xc0, 0x00, 0xff}, 5, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_SEARCH}, /* self loop */
		{{0x77, 0x04, 0x01, 'a', 0xc0, 0x00, 0xff}, 7, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_SEARCH},
		{{0x77, 0x03, 0x01, 'a', 0x00, 0x77, 0x02, 0xc0, 0x05, 0xff}, 10, CAPNET_E_MALFORMED,
		 CAPNET_DHCP4_ERR_BAD_SEARCH}, /* forward pointer */
		{{0x77, 0x04, 0x02, 'a', ' ', 0x00, 0xff}, 7, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_SEARCH},
		{{0x77, 0x04, 0x41, 'a', 'b', 0x00, 0xff}, 7, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_SEARCH},
		{{0x77, 0x03, 0x05, 'a', 'b', 0xff}, 6, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_SEARCH},
		{{0x77, 0x02, 0x01, 'a', 0xff}, 5, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_SEARCH}, /* no root */
		{{0x79, 0x05, 33, 0, 0, 0, 0, 0xff}, 8, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_ROUTES},
		{{0x79, 0x04, 0, 192, 0, 2, 0xff}, 7, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_ROUTES},
		{{0x79, 0x05, 8, 10, 192, 0, 2, 0xff}, 8, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_ROUTES},
		{{0x79, 0x07, 9, 10, 0x40, 192, 0, 2, 1, 0xff}, 10, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_ROUTES},
		{{0x79, 0x06, 7, 11, 192, 0, 2, 1, 0xff}, 9, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_ROUTES},
		{{0x79, 0x00, 0xff}, 3, CAPNET_E_MALFORMED, CAPNET_DHCP4_ERR_BAD_ROUTES},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t p[300];
		size_t n = with_options(p, cases[i].opts, cases[i].n);
		struct capnet_dhcp4_repr r;
		enum capnet_dhcp4_error why = CAPNET_DHCP4_ERR_NONE;
		capnet_err e = capnet_dhcp4_parse(p, n, &r, &why);
		ck_assert_msg(e == cases[i].err && why == cases[i].why, "case %zu: got %s/%s", i, capnet_errname(e),
			      capnet_dhcp4_error_name(why));
	}
}
END_TEST

START_TEST(test_unknown_options_skipped_and_pads)
{
	const uint8_t opts[] = {0x00, 0x00, 0x35, 0x01, 0x05, 0xe0, 0x03, 1, 2, 3, 0xe0, 0x00, 0x00, 0xff};
	uint8_t p[300];
	size_t n = with_options(p, opts, sizeof opts);
	struct capnet_dhcp4_repr r;
	ck_assert_int_eq(capnet_dhcp4_parse(p, n, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.message_type, CAPNET_DHCP4_ACK);
}
END_TEST

START_TEST(test_overload_into_file_and_sname)
{
	uint8_t p[300];
	memset(p, 0, sizeof p);
	memcpy(p, offer, 236);
	memset(p + CAPNET_DHCP4_SNAME, 0, 64 + 128);
	capnet_put32(p + 236, CAPNET_DHCP4_MAGIC);
	const uint8_t opts[] = {0x35, 0x01, 0x05, 0x34, 0x01, 0x03, 0xff};
	memcpy(p + 240, opts, sizeof opts);
	const uint8_t file[] = {0x33, 0x04, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x79, 0x05, 0x00, 192, 0, 2, 254, 0xff};
	memcpy(p + CAPNET_DHCP4_FILE, file, sizeof file);
	const uint8_t sname[] = {0x36, 0x04, 192, 0, 2, 1, 0xff};
	memcpy(p + CAPNET_DHCP4_SNAME, sname, sizeof sname);
	struct capnet_dhcp4_repr r;
	ck_assert_int_eq(capnet_dhcp4_parse(p, 240 + sizeof opts, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.overload, 3);
	ck_assert_uint_eq(r.lease_time, 3600);
	ck_assert_uint_eq(r.server_id, CAPNET_IP4(192, 0, 2, 1));
	ck_assert_uint_eq(r.n_routes, 1);
	ck_assert_ptr_null(r.file);
	ck_assert_ptr_null(r.sname);

	/* An area without END, overload inside `file`, a duplicate across areas. */
	uint8_t q[300];
	memcpy(q, p, sizeof q);
	q[CAPNET_DHCP4_SNAME + 6] = 0x00;
	memset(q + CAPNET_DHCP4_SNAME + 7, 0, 57);
	ck_assert_int_eq(parse_why(q, 240 + sizeof opts, CAPNET_E_TRUNCATED), CAPNET_DHCP4_ERR_OPT_TRUNCATED);
	memcpy(q, p, sizeof q);
	q[CAPNET_DHCP4_FILE + 6] = 0x34; /* replaces the pad with 52 len 0x79.. */
	q[CAPNET_DHCP4_FILE + 7] = 0x01;
	q[CAPNET_DHCP4_FILE + 8] = 0x01;
	ck_assert_int_eq(parse_why(q, 240 + sizeof opts, CAPNET_E_MALFORMED), CAPNET_DHCP4_ERR_BAD_OVERLOAD);
	memcpy(q, p, sizeof q);
	q[CAPNET_DHCP4_SNAME] = 0x33;
	ck_assert_int_eq(parse_why(q, 240 + sizeof opts, CAPNET_E_MALFORMED), CAPNET_DHCP4_ERR_OPT_DUPLICATE);
	/* Overload 1 only: sname stays a string, file is consumed. */
	memcpy(q, p, sizeof q);
	q[245] = 1;
	struct capnet_dhcp4_repr r1;
	ck_assert_int_eq(capnet_dhcp4_parse(q, 240 + sizeof opts, &r1, NULL), CAPNET_OK);
	ck_assert_ptr_null(r1.file);
	ck_assert_ptr_eq(r1.sname, q + CAPNET_DHCP4_SNAME);
	ck_assert_uint_eq(r1.server_id, 0);
}
END_TEST

START_TEST(test_long_options_concatenated_and_split)
{
	/* A search list of 20 names of 20 characters each: 440 bytes encoded,
	 * emitted as two instances of 119 and read back as one. */
	char names[20][24];
	const char *ptrs[20];
	for (int i = 0; i < 20; i++) {
		memset(names[i], 'a' + i, 20);
		names[i][20] = '\0';
		ptrs[i] = names[i];
	}
	struct capnet_dhcp4_repr r = offer_repr();
	size_t len;
	ck_assert_int_eq(capnet_dhcp4_search_encode(ptrs, 20, r.search, sizeof r.search, &len), CAPNET_OK);
	ck_assert_uint_eq(len, 20 * 22);
	r.search_len = (uint16_t)len;
	uint8_t out[800];
	size_t n = capnet_dhcp4_emit(&r, out);
	ck_assert_uint_eq(n, OFFER_LEN - 21 + 440 + 4);
	size_t o = 240 + 3 + 6 + 6 + 10 + 13 + 6 + 6 + 6 + 6 + 6;
	ck_assert_uint_eq(out[o], 119);
	ck_assert_uint_eq(out[o + 1], 255);
	ck_assert_uint_eq(out[o + 2 + 255], 119);
	ck_assert_uint_eq(out[o + 2 + 255 + 1], 440 - 255);
	struct capnet_dhcp4_repr p;
	ck_assert_int_eq(capnet_dhcp4_parse(out, n, &p, NULL), CAPNET_OK);
	ck_assert_uint_eq(p.search_len, 440);
	struct capnet_dhcp4_search s;
	ck_assert_int_eq(capnet_dhcp4_search_decode(p.search, p.search_len, &s), CAPNET_OK);
	ck_assert_uint_eq(s.count, CAPNET_DHCP4_SEARCH_NAMES); /* keeps the first six */
	ck_assert_str_eq(s.name[5], names[5]);
	/* Split 121 too (the parse concatenates before decoding). */
	const uint8_t opts[] = {0x79, 0x03, 0x18, 0xc6, 0x33, 0x79, 0x05, 0x64, 0xc0, 0x00, 0x02, 0xfe, 0xff};
	uint8_t q[300];
	size_t qn = with_options(q, opts, sizeof opts);
	ck_assert_int_eq(capnet_dhcp4_parse(q, qn, &p, NULL), CAPNET_OK);
	ck_assert_uint_eq(p.n_routes, 1);
	ck_assert_uint_eq(p.routes[0].dest, CAPNET_IP4(198, 51, 100, 0));
}
END_TEST

START_TEST(test_lists_keep_first_entries)
{
	uint8_t opts[64] = {0x06, 24};
	for (int i = 0; i < 6; i++)
		capnet_put32(opts + 2 + 4 * i, CAPNET_IP4(198, 51, 100, 1 + i));
	opts[26] = 0xff;
	uint8_t p[300];
	size_t n = with_options(p, opts, 27);
	struct capnet_dhcp4_repr r;
	ck_assert_int_eq(capnet_dhcp4_parse(p, n, &r, NULL), CAPNET_OK);
	ck_assert_uint_eq(r.n_dns, CAPNET_DHCP4_MAX_ADDRS);
	ck_assert_uint_eq(r.dns[3], CAPNET_IP4(198, 51, 100, 4));
}
END_TEST

START_TEST(test_search_encode_compresses)
{
	const char *names[] = {"eng.example.com", "example.com"};
	uint8_t out[64];
	size_t len;
	ck_assert_int_eq(capnet_dhcp4_search_encode(names, 2, out, sizeof out, &len), CAPNET_OK);
	ck_assert_uint_eq(len, sizeof search_raw);
	ck_assert_mem_eq(out, search_raw, len);
	struct capnet_dhcp4_search s;
	ck_assert_int_eq(capnet_dhcp4_search_decode(out, len, &s), CAPNET_OK);
	ck_assert_uint_eq(s.count, 2);
	ck_assert_str_eq(s.name[0], "eng.example.com");
	ck_assert_str_eq(s.name[1], "example.com");
	/* Suffix sharing mid-name: ops.example.com -> "ops" + pointer. */
	const char *more[] = {"eng.example.com", "ops.example.com", "example.org"};
	ck_assert_int_eq(capnet_dhcp4_search_encode(more, 3, out, sizeof out, &len), CAPNET_OK);
	ck_assert_uint_eq(len, 17 + 6 + 13);
	const uint8_t second[] = {0x03, 'o', 'p', 's', 0xc0, 0x04};
	ck_assert_mem_eq(out + 17, second, sizeof second);
	ck_assert_int_eq(capnet_dhcp4_search_decode(out, len, &s), CAPNET_OK);
	ck_assert_str_eq(s.name[1], "ops.example.com");
	ck_assert_str_eq(s.name[2], "example.org");
	/* Too small a buffer, and names the decoder would refuse. */
	ck_assert_int_eq(capnet_dhcp4_search_encode(names, 2, out, 10, &len), CAPNET_E_NOBUFS);
	const char *bad[] = {"a..b"};
	ck_assert_int_eq(capnet_dhcp4_search_encode(bad, 1, out, sizeof out, &len), CAPNET_E_INVAL);
	const char *bad2[] = {"spa ce.example"};
	ck_assert_int_eq(capnet_dhcp4_search_encode(bad2, 1, out, sizeof out, &len), CAPNET_E_INVAL);
}
END_TEST

START_TEST(test_search_name_length_bounded)
{
	/* 253 characters: four labels of 63 + one of 1 -> OK; one more: no. */
	char name[300];
	memset(name, 'x', sizeof name);
	name[63] = name[127] = name[191] = name[255] = '.';
	name[253] = '\0';
	name[251] = '.';
	const char *n1[] = {name};
	uint8_t out[300];
	size_t len;
	ck_assert_int_eq(capnet_dhcp4_search_encode(n1, 1, out, sizeof out, &len), CAPNET_OK);
	struct capnet_dhcp4_search s;
	ck_assert_int_eq(capnet_dhcp4_search_decode(out, len, &s), CAPNET_OK);
	ck_assert_uint_eq(strlen(s.name[0]), 253);
	/* Four labels of 63 and one of 1 (257 characters): refused. */
	uint8_t raw[300];
	size_t w = 0;
	for (int i = 0; i < 4; i++) {
		raw[w++] = 63;
		memset(raw + w, 'y', 63);
		w += 63;
	}
	raw[w++] = 1;
	raw[w++] = 'y';
	raw[w++] = 0;
	ck_assert_int_eq(capnet_dhcp4_search_decode(raw, w, &s), CAPNET_E_MALFORMED);
	/* A chain of pointers each going back: fine; bounded by its length. */
	const uint8_t chain[] = {0x01, 'a', 0x00, 0x01, 'b', 0xc0, 0x00, 0x01, 'c', 0xc0, 0x03};
	ck_assert_int_eq(capnet_dhcp4_search_decode(chain, sizeof chain, &s), CAPNET_OK);
	ck_assert_uint_eq(s.count, 3);
	ck_assert_str_eq(s.name[2], "c.b.a");
	/* Two pointers that point at each other's runs: refused, not looped. */
	const uint8_t mutual[] = {0x01, 'a', 0xc0, 0x05, 0x00, 0x01, 'b', 0xc0, 0x00};
	ck_assert_int_eq(capnet_dhcp4_search_decode(mutual, sizeof mutual, &s), CAPNET_E_MALFORMED);
	ck_assert_int_eq(capnet_dhcp4_search_decode(chain, 0, &s), CAPNET_E_MALFORMED);
	ck_assert_int_eq(capnet_dhcp4_search_decode((const uint8_t *)"\xc0", 1, &s), CAPNET_E_MALFORMED);
}
END_TEST

START_TEST(test_emit_refuses_unencodable)
{
	struct capnet_dhcp4_repr r = offer_repr();
	r.routes[0].prefix_len = 33;
	ck_assert_uint_eq(capnet_dhcp4_emit_len(&r), 0);
	uint8_t out[400];
	ck_assert_uint_eq(capnet_dhcp4_emit(&r, out), 0);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(capnet_dhcp4_msg_name(CAPNET_DHCP4_NAK), "NAK");
	ck_assert_str_eq(capnet_dhcp4_msg_name(200), "?");
	ck_assert_str_eq(capnet_dhcp4_error_name(CAPNET_DHCP4_ERR_BAD_SEARCH), "bad_search");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wire-dhcp4");
	TCase *tc = check_add_case(s, "dhcp4", NULL, NULL, 0);
	tcase_add_test(tc, test_deconstruct);
	tcase_add_test(tc, test_parse_offer);
	tcase_add_test(tc, test_emit_offer);
	tcase_add_test(tc, test_discover_both_ways);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_every_truncation_point);
	tcase_add_test(tc, test_header_errors);
	tcase_add_test(tc, test_option_errors);
	tcase_add_test(tc, test_unknown_options_skipped_and_pads);
	tcase_add_test(tc, test_overload_into_file_and_sname);
	tcase_add_test(tc, test_long_options_concatenated_and_split);
	tcase_add_test(tc, test_lists_keep_first_entries);
	tcase_add_test(tc, test_search_encode_compresses);
	tcase_add_test(tc, test_search_name_length_bounded);
	tcase_add_test(tc, test_emit_refuses_unencodable);
	tcase_add_test(tc, test_names);
	return s;
}
