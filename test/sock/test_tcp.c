/* TCP (RFC 9293) on a capture nic: each test builds the incoming segment,
 * feeds it at an exact synthetic time, and asserts the exact segment sent
 * back (flags, seq, ack, window, every option, payload) and the state.
 * Our host A is 192.0.2.10; the peer B (192.0.2.11) is played by the test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/iface.h"
#include "capnet/tcp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/tcp.h"
#include "check_main.h"
#include "support/capture_nic.h"
/* One test (NewReno's recover after 2^31 bytes) reaches into the control
 * block: it cannot send 2 GiB. */
#include "libcapnet/sock/tcp_internal.h"
#include "libcapnet/sock/tcp_syncookie.h"

#define MAC_A {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}}
#define MAC_B {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}}
static const struct capnet_mac mac_a = MAC_A, mac_b = MAC_B;
static const capnet_ip4addr ip_a = CAPNET_IP4(192, 0, 2, 10), ip_b = CAPNET_IP4(192, 0, 2, 11);

#define PORT_A 80
#define PORT_B 40000
#define IRS 1000u         /* B's initial sequence number */
#define TS_B0 100u        /* B's first timestamp */
#define TIME_WAIT CAPNET_S(2)
/* A window field at shift 1 (our 64 KiB ring): rounded up, so that the
 * right edge already advertised never moves left (RFC 7323 2.4). */
#define WND_UP(w) (((w) + 1) >> 1)

static struct test_stack st;
static struct capnet_tcp *tcp;
static uint8_t *tcp_mem;
static struct capnet_tcp_config cfg;
static bool no_address; /* make_stack leaves the interface unconfigured */

/* What the test knows of the connection under test. */
static struct {
	bool ts;              /* timestamps negotiated: B puts TS on every segment */
	bool sack;
	uint32_t ts_b;        /* B's next TSval */
	uint32_t ts_a0;       /* A's TSval at t = 0 (its offset) */
	uint32_t iss;         /* A's ISS */
	uint16_t port_b;
	uint16_t port_a;
} peer;

static void make_stack(const struct capnet_tcp_config *want)
{
	test_stack_init(&st, mac_a, NULL);
	ck_assert_ptr_nonnull(st.ifc);
	struct capnet_ip4_config c = {ip_a, 24, 0, CAPNET_PROV_STATIC};
	if (!no_address)
		ck_assert_int_eq(capnet_iface_set_ip4(st.ifc, &c, 0), CAPNET_OK);
	ck_assert_int_eq(capnet_arp_add_static(st.ifc, ip_b, mac_b), CAPNET_OK);
	cfg = *want;
	capnet_tcp_config_defaults(&cfg);
	size_t need = capnet_tcp_arena_need(&cfg);
	tcp_mem = malloc(need);
	ck_assert_ptr_nonnull(tcp_mem);
	struct capnet_arena a;
	capnet_arena_init(&a, tcp_mem, need);
	ck_assert_int_eq(capnet_tcp_create(&a, &cfg, st.ifc, &tcp), CAPNET_OK);
	capture_nic_clear(&st.cn);
	memset((void *)capnet_iface_stats(st.ifc), 0, sizeof(struct capnet_stats));
	memset(&peer, 0, sizeof peer);
	peer.port_b = PORT_B;
	peer.port_a = PORT_A;
}

static struct capnet_tcp_config test_config(void)
{
	struct capnet_tcp_config c;
	memset(&c, 0, sizeof c);
	c.max_sockets = 8;
	c.time_wait = TIME_WAIT;
	c.syn_backlog = 4;
	return c;
}

static void setup(void)
{
	struct capnet_tcp_config c = test_config();
	make_stack(&c);
}

static void teardown(void)
{
	free(tcp_mem);
	tcp_mem = NULL;
}

static uint64_t stat(enum capnet_stat s)
{
	return capnet_iface_stats(st.ifc)->v[s];
}

/* ---- frames ---- */

static bool corrupt_payload_byte; /* inject_from_to flips the last payload byte */

/* src -> dst (our MAC): Ethernet + IPv4 + TCP with every checksum right. */
static void inject_from_to(const struct capnet_tcp_repr *r, capnet_ip4addr src, capnet_ip4addr dst, capnet_instant now)
{
	uint8_t f[1600];
	memcpy(f, mac_a.b, 6);
	memcpy(f + 6, mac_b.b, 6);
	capnet_put16(f + 12, 0x0800);
	size_t tl = capnet_tcp_emit_len(r);
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	capnet_put16(ip + 2, (uint16_t)(20 + tl));
	ip[8] = 64;
	ip[9] = 6;
	capnet_put32(ip + 12, src);
	capnet_put32(ip + 16, dst);
	capnet_put16(ip + 10, capnet_csum(ip, 20));
	capnet_tcp_emit(r, ip + 20, capnet_csum_pseudo4(src, dst, 6, (uint16_t)tl));
	if (corrupt_payload_byte && r->payload_len > 0)
		ip[20 + tl - 1] ^= 0x5a; /* after the checksum: the sum no longer holds */
	size_t n = 34 + tl;
	if (n < 60) {
		memset(f + n, 0, 60 - n);
		n = 60;
	}
	capnet_iface_input(st.ifc, f, n, now);
}

/* B -> dst. */
static void inject_to(const struct capnet_tcp_repr *r, capnet_ip4addr dst, capnet_instant now)
{
	inject_from_to(r, ip_b, dst, now);
}

/* B -> A. */
static void inject(const struct capnet_tcp_repr *r, capnet_instant now)
{
	inject_to(r, ip_a, now);
}

/* A plain segment from B, with B's timestamp when negotiated. */
static void in_seg(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd, const void *data, size_t len,
		   capnet_instant now)
{
	struct capnet_tcp_repr r;
	memset(&r, 0, sizeof r);
	r.src_port = peer.port_b;
	r.dst_port = peer.port_a;
	r.seq = seq;
	r.ack = ack;
	r.flags = flags;
	r.window = wnd;
	if (peer.ts) {
		r.opt.has_timestamp = true;
		r.opt.ts_val = peer.ts_b++;
		r.opt.ts_ecr = peer.ts_a0 + (uint32_t)(now / 1000);
	}
	r.payload = data;
	r.payload_len = len;
	inject(&r, now);
}

/* Parses A's i-th frame: Ethernet and IPv4 to B, TCP with a right checksum. */
static void tx(size_t i, struct capnet_tcp_repr *r)
{
	ck_assert_uint_gt(st.cn.ntx, i);
	const uint8_t *f = st.cn.tx[i].data;
	ck_assert_mem_eq(f, mac_b.b, 6);
	ck_assert_mem_eq(f + 6, mac_a.b, 6);
	ck_assert_uint_eq(capnet_get16(f + 12), 0x0800);
	const uint8_t *ip = f + 14;
	ck_assert_uint_eq(ip[0], 0x45);
	ck_assert_uint_eq(ip[9], 6);
	ck_assert_uint_eq(capnet_get32(ip + 12), ip_a);
	ck_assert_uint_eq(capnet_get32(ip + 16), ip_b);
	ck_assert_uint_eq(capnet_get16(ip + 6) & 0x4000, 0x4000); /* DF */
	size_t tl = capnet_get16(ip + 2) - 20u;
	ck_assert_int_eq(capnet_tcp_parse(ip + 20, tl, capnet_csum_pseudo4(ip_a, ip_b, 6, (uint16_t)tl), r, NULL),
			 CAPNET_OK);
}

/* The exact segment: every header field and every option. */
static void expect(size_t i, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd, size_t plen,
		   const struct capnet_tcp_options *opt)
{
	struct capnet_tcp_repr r;
	tx(i, &r);
	ck_assert_uint_eq(r.src_port, peer.port_a);
	ck_assert_uint_eq(r.dst_port, peer.port_b);
	ck_assert_uint_eq(r.flags, flags);
	ck_assert_uint_eq(r.seq, seq);
	ck_assert_uint_eq(r.ack, (flags & CAPNET_TCP_ACK_FLAG) ? ack : 0);
	ck_assert_uint_eq(r.window, wnd);
	ck_assert_uint_eq(r.urgent, 0);
	ck_assert_uint_eq(r.payload_len, plen);
	struct capnet_tcp_options none;
	memset(&none, 0, sizeof none);
	if (opt == NULL)
		opt = &none;
	ck_assert_int_eq(r.opt.has_mss, opt->has_mss);
	ck_assert_uint_eq(r.opt.mss, opt->mss);
	ck_assert_int_eq(r.opt.has_wscale, opt->has_wscale);
	ck_assert_uint_eq(r.opt.wscale, opt->wscale);
	ck_assert_int_eq(r.opt.sack_permitted, opt->sack_permitted);
	ck_assert_int_eq(r.opt.has_timestamp, opt->has_timestamp);
	ck_assert_uint_eq(r.opt.ts_val, opt->ts_val);
	ck_assert_uint_eq(r.opt.ts_ecr, opt->ts_ecr);
	ck_assert_uint_eq(r.opt.sack_count, opt->sack_count);
	for (unsigned k = 0; k < opt->sack_count; k++) {
		ck_assert_uint_eq(r.opt.sack[k].left, opt->sack[k].left);
		ck_assert_uint_eq(r.opt.sack[k].right, opt->sack[k].right);
	}
}

/* Options A puts on a non-SYN segment at `now`: its timestamp echoing B's last. */
static struct capnet_tcp_options ts_opt(capnet_instant now)
{
	struct capnet_tcp_options o;
	memset(&o, 0, sizeof o);
	if (peer.ts) {
		o.has_timestamp = true;
		o.ts_val = peer.ts_a0 + (uint32_t)(now / 1000);
		o.ts_ecr = peer.ts_b - 1;
	}
	return o;
}

static enum capnet_tcp_state state_of(const struct capnet_tcp_sock *s)
{
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	return i.state;
}

static capnet_instant poll_at(capnet_instant t)
{
	return capnet_iface_poll(st.ifc, t);
}

/* ---- fixtures ---- */

static struct capnet_tcp_sock *listener;

/* B opens to A:80 with MSS 1460, SACK, TS and wscale 7; A answers; B
 * completes at t = 1 ms. Returns the accepted connection. */
static struct capnet_tcp_sock *passive_established(void)
{
	ck_assert_int_eq(capnet_tcp_listen(tcp, PORT_A, 4, NULL, &listener), CAPNET_OK);
	struct capnet_tcp_repr syn;
	memset(&syn, 0, sizeof syn);
	syn.src_port = PORT_B;
	syn.dst_port = PORT_A;
	syn.seq = IRS;
	syn.flags = CAPNET_TCP_SYN;
	syn.window = 65535;
	syn.opt.has_mss = true;
	syn.opt.mss = 1460;
	syn.opt.sack_permitted = true;
	syn.opt.has_timestamp = true;
	syn.opt.ts_val = TS_B0;
	syn.opt.has_wscale = true;
	syn.opt.wscale = 7;
	inject(&syn, 0);
	struct capnet_tcp_repr sa;
	tx(0, &sa);
	peer.ts = true;
	peer.sack = true;
	peer.ts_b = TS_B0 + 1;
	peer.ts_a0 = sa.opt.ts_val;
	peer.iss = sa.seq;
	capture_nic_clear(&st.cn);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1, 1024, NULL, 0, CAPNET_MS(1));
	struct capnet_tcp_sock *s = NULL;
	ck_assert_int_eq(capnet_tcp_accept(listener, &s), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, 0);
	return s;
}

/* A connects to B:40000... here B listens on PORT_B and answers with only
 * an MSS of 1460: no SACK, timestamps or scaling. Established at t = 10 ms. */
static struct capnet_tcp_sock *active_established_plain(void)
{
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = ip_b};
	struct capnet_tcp_sock *s = NULL;
	ck_assert_int_eq(capnet_tcp_connect(tcp, &dst, PORT_B, 5555, NULL, 0, &s), CAPNET_OK);
	peer.port_a = 5555;
	struct capnet_tcp_repr syn;
	tx(0, &syn);
	peer.iss = syn.seq;
	capture_nic_clear(&st.cn);
	struct capnet_tcp_repr sa;
	memset(&sa, 0, sizeof sa);
	sa.src_port = PORT_B;
	sa.dst_port = 5555;
	sa.seq = IRS;
	sa.ack = peer.iss + 1;
	sa.flags = CAPNET_TCP_SYN | CAPNET_TCP_ACK_FLAG;
	sa.window = 65535;
	sa.opt.has_mss = true;
	sa.opt.mss = 1460;
	inject(&sa, CAPNET_MS(10));
	ck_assert_int_eq(state_of(s), CAPNET_TCP_ESTABLISHED);
	capture_nic_clear(&st.cn);
	return s;
}

/* ---- opening ---- */

START_TEST(test_passive_open_synack_options_then_established)
{
	ck_assert_int_eq(capnet_tcp_listen(tcp, PORT_A, 4, NULL, &listener), CAPNET_OK);
	struct capnet_tcp_repr syn;
	memset(&syn, 0, sizeof syn);
	syn.src_port = PORT_B;
	syn.dst_port = PORT_A;
	syn.seq = IRS;
	syn.flags = CAPNET_TCP_SYN;
	syn.window = 65535;
	syn.opt.has_mss = true;
	syn.opt.mss = 1460;
	syn.opt.sack_permitted = true;
	syn.opt.has_timestamp = true;
	syn.opt.ts_val = TS_B0;
	syn.opt.has_wscale = true;
	syn.opt.wscale = 7;
	inject(&syn, 0);
	ck_assert_uint_eq(st.cn.ntx, 1);
	struct capnet_tcp_repr sa;
	tx(0, &sa);
	/* SYN-ACK: MSS 1460, SACK-permitted, TS echoing 100, wscale 1 (a
	 * 64 KiB ring needs one shift); the SYN's own window is unscaled. */
	struct capnet_tcp_options o = {.has_mss = true, .mss = 1460, .sack_permitted = true, .has_timestamp = true,
				       .ts_val = sa.opt.ts_val, .ts_ecr = TS_B0, .has_wscale = true, .wscale = 1};
	expect(0, CAPNET_TCP_SYN | CAPNET_TCP_ACK_FLAG, sa.seq, IRS + 1, 65535, 0, &o);
	struct capnet_tcp_info li;
	capnet_tcp_info(listener, &li);
	ck_assert_uint_eq(li.syn_queue, 1);
	ck_assert_uint_eq(li.accept_queue, 0);
	struct capnet_tcp_sock *s = NULL;
	ck_assert_int_eq(capnet_tcp_accept(listener, &s), CAPNET_E_AGAIN);

	peer.ts = true;
	peer.ts_b = TS_B0 + 1;
	peer.ts_a0 = sa.opt.ts_val;
	capture_nic_clear(&st.cn);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, sa.seq + 1, 1024, NULL, 0, CAPNET_MS(1));
	ck_assert_uint_eq(st.cn.ntx, 0); /* the handshake's last ACK is not answered */
	ck_assert_uint_eq(capnet_tcp_events(listener), CAPNET_TCP_EV_ACCEPTABLE);
	ck_assert_int_eq(capnet_tcp_accept(listener, &s), CAPNET_OK);
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert_int_eq(i.state, CAPNET_TCP_ESTABLISHED);
	ck_assert_str_eq(capnet_tcp_state_name(i.state), "ESTABLISHED");
	ck_assert_uint_eq(i.mss, 1448); /* 1460 less the timestamp option */
	ck_assert_uint_eq(i.snd_wscale, 7);
	ck_assert_uint_eq(i.rcv_wscale, 1);
	ck_assert_uint_eq(i.snd_wnd, 1024u << 7);
	ck_assert(i.sack && i.timestamps);
	ck_assert_uint_eq(i.remote.addr.u.v4, ip_b);
	ck_assert_uint_eq(i.remote.port, PORT_B);
	ck_assert_uint_eq(i.local.port, PORT_A);
	ck_assert_uint_eq(i.srtt, CAPNET_MS(1));
	ck_assert_uint_eq(capnet_tcp_events(s) & (CAPNET_TCP_EV_CONNECTED | CAPNET_TCP_EV_WRITABLE),
			  CAPNET_TCP_EV_CONNECTED | CAPNET_TCP_EV_WRITABLE);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_accepts), 1);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_connects), 1);
}
END_TEST

START_TEST(test_active_open_syn_options_and_ack)
{
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = ip_b};
	struct capnet_tcp_sock *s = NULL;
	ck_assert_int_eq(capnet_tcp_connect(tcp, &dst, PORT_B, 5555, NULL, 0, &s), CAPNET_OK);
	peer.port_a = 5555;
	ck_assert_uint_eq(st.cn.ntx, 1);
	struct capnet_tcp_repr syn;
	tx(0, &syn);
	struct capnet_tcp_options o = {.has_mss = true, .mss = 1460, .sack_permitted = true, .has_timestamp = true,
				       .ts_val = syn.opt.ts_val, .ts_ecr = 0, .has_wscale = true, .wscale = 1};
	expect(0, CAPNET_TCP_SYN, syn.seq, 0, 65535, 0, &o);
	ck_assert_int_eq(state_of(s), CAPNET_TCP_SYN_SENT);
	ck_assert_uint_eq(capnet_tcp_events(s), 0);

	peer.ts_a0 = syn.opt.ts_val;
	struct capnet_tcp_repr sa;
	memset(&sa, 0, sizeof sa);
	sa.src_port = PORT_B;
	sa.dst_port = 5555;
	sa.seq = IRS;
	sa.ack = syn.seq + 1;
	sa.flags = CAPNET_TCP_SYN | CAPNET_TCP_ACK_FLAG;
	sa.window = 29200;
	sa.opt.has_mss = true;
	sa.opt.mss = 1400;
	sa.opt.sack_permitted = true;
	sa.opt.has_timestamp = true;
	sa.opt.ts_val = 7777;
	sa.opt.ts_ecr = syn.opt.ts_val;
	sa.opt.has_wscale = true;
	sa.opt.wscale = 2;
	capture_nic_clear(&st.cn);
	inject(&sa, CAPNET_MS(20));
	ck_assert_uint_eq(st.cn.ntx, 1);
	peer.ts = true;
	peer.ts_b = 7778;
	struct capnet_tcp_options ao = ts_opt(CAPNET_MS(20));
	/* window: the SYN offered 65535; one more byte is not worth opening
	 * for (receiver SWS avoidance), so 65535 >> 1, rounded up */
	expect(0, CAPNET_TCP_ACK_FLAG, syn.seq + 1, IRS + 1, WND_UP(65535), 0, &ao);
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert_int_eq(i.state, CAPNET_TCP_ESTABLISHED);
	ck_assert_uint_eq(i.mss, 1388);
	ck_assert_uint_eq(i.snd_wnd, 29200); /* a SYN's window is never scaled */
	ck_assert_uint_eq(i.srtt, CAPNET_MS(20));
	ck_assert_uint_eq(capnet_tcp_events(s) & CAPNET_TCP_EV_CONNECTED, CAPNET_TCP_EV_CONNECTED);
}
END_TEST

START_TEST(test_active_open_without_options_falls_back)
{
	struct capnet_tcp_sock *s = active_established_plain();
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert(!i.sack && !i.timestamps);
	ck_assert_uint_eq(i.rcv_wscale, 0);
	ck_assert_uint_eq(i.mss, 1460);
	size_t q;
	ck_assert_int_eq(capnet_tcp_send(s, "hello", 5, &q, CAPNET_MS(11)), CAPNET_OK);
	ck_assert_uint_eq(q, 5);
	/* no scaling: 65536 free bytes are offered as 65535 */
	expect(0, CAPNET_TCP_ACK_FLAG | CAPNET_TCP_PSH, peer.iss + 1, IRS + 1, 65535, 5, NULL);
}
END_TEST

START_TEST(test_simultaneous_open)
{
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = ip_b};
	struct capnet_tcp_sock *s = NULL;
	ck_assert_int_eq(capnet_tcp_connect(tcp, &dst, PORT_B, 5555, NULL, 0, &s), CAPNET_OK);
	peer.port_a = 5555;
	struct capnet_tcp_repr syn;
	tx(0, &syn);
	capture_nic_clear(&st.cn);
	/* B's own SYN crosses ours (RFC 9293 figure 8). */
	struct capnet_tcp_repr bs;
	memset(&bs, 0, sizeof bs);
	bs.src_port = PORT_B;
	bs.dst_port = 5555;
	bs.seq = IRS;
	bs.flags = CAPNET_TCP_SYN;
	bs.window = 8192;
	bs.opt.has_mss = true;
	bs.opt.mss = 1460;
	inject(&bs, CAPNET_MS(5));
	ck_assert_int_eq(state_of(s), CAPNET_TCP_SYN_RECEIVED);
	struct capnet_tcp_options o = {.has_mss = true, .mss = 1460};
	expect(0, CAPNET_TCP_SYN | CAPNET_TCP_ACK_FLAG, syn.seq, IRS + 1, 65535, 0, &o);
	capture_nic_clear(&st.cn);
	/* B's SYN-ACK */
	bs.flags = CAPNET_TCP_SYN | CAPNET_TCP_ACK_FLAG;
	bs.ack = syn.seq + 1;
	inject(&bs, CAPNET_MS(6));
	/* a SYN in SYN-RECEIVED of an active open: RFC 5961 challenge ACK */
	ck_assert_int_eq(state_of(s), CAPNET_TCP_SYN_RECEIVED);
	ck_assert_uint_eq(st.cn.ntx, 1);
	capture_nic_clear(&st.cn);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, syn.seq + 1, 8192, NULL, 0, CAPNET_MS(7));
	ck_assert_int_eq(state_of(s), CAPNET_TCP_ESTABLISHED);
	ck_assert_uint_eq(st.cn.ntx, 0);
}
END_TEST

START_TEST(test_connect_refused_by_rst)
{
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = ip_b};
	struct capnet_tcp_sock *s = NULL;
	ck_assert_int_eq(capnet_tcp_connect(tcp, &dst, PORT_B, 5555, NULL, 0, &s), CAPNET_OK);
	peer.port_a = 5555;
	struct capnet_tcp_repr syn;
	tx(0, &syn);
	/* An RST that does not acknowledge our SYN is ignored (RFC 5961 3.2). */
	in_seg(CAPNET_TCP_RST | CAPNET_TCP_ACK_FLAG, 0, syn.seq + 7, 0, NULL, 0, CAPNET_MS(1));
	ck_assert_uint_eq(st.cn.ntx, 1); /* ... and, being an RST, is not answered */
	ck_assert_int_eq(state_of(s), CAPNET_TCP_SYN_SENT);
	in_seg(CAPNET_TCP_RST | CAPNET_TCP_ACK_FLAG, 0, syn.seq + 1, 0, NULL, 0, CAPNET_MS(2));
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert_int_eq(i.state, CAPNET_TCP_CLOSED);
	ck_assert_int_eq(i.error, CAPNET_E_REFUSED);
	ck_assert_uint_eq(capnet_tcp_events(s) & (CAPNET_TCP_EV_RESET | CAPNET_TCP_EV_ERROR),
			  CAPNET_TCP_EV_RESET | CAPNET_TCP_EV_ERROR);
	size_t got;
	uint8_t b[4];
	ck_assert_int_eq(capnet_tcp_recv(s, b, 4, &got, CAPNET_MS(2)), CAPNET_E_REFUSED);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_conn_refused), 1);
	ck_assert_int_eq(capnet_tcp_close(s, CAPNET_MS(3)), CAPNET_OK);
	struct capnet_tcp_layer_info li;
	capnet_tcp_layer_info(tcp, &li);
	ck_assert_uint_eq(li.sockets_in_use, 0);
	ck_assert_uint_eq(li.pool_in_use, 0);
}
END_TEST

START_TEST(test_syn_retransmit_backoff_then_timeout)
{
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = ip_b};
	struct capnet_tcp_sock *s = NULL;
	ck_assert_int_eq(capnet_tcp_connect(tcp, &dst, PORT_B, 5555, NULL, 0, &s), CAPNET_OK);
	/* 1 s, then doubling: 1, 3, 7, 15, 31, 63 s; the 7th expiry at 127 s ends it */
	capnet_instant t = 0, rto = CAPNET_S(1);
	for (int k = 1; k <= 6; k++) {
		t += rto;
		rto *= 2;
		ck_assert_int_eq(poll_at(t - 1), t);
		poll_at(t);
		ck_assert_uint_eq(st.cn.ntx, (size_t)k + 1);
	}
	t += rto;
	poll_at(t);
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert_int_eq(i.state, CAPNET_TCP_CLOSED);
	ck_assert_int_eq(i.error, CAPNET_E_TIMEDOUT);
	ck_assert_uint_eq(st.cn.ntx, 7);
	capnet_tcp_close(s, t);
}
END_TEST

/* ---- data in, ACK policy ---- */

START_TEST(test_delayed_ack_single_segment_at_the_default_40ms)
{
	struct capnet_tcp_sock *s = passive_established();
	uint8_t data[1448];
	memset(data, 'x', sizeof data);
	capnet_instant t = CAPNET_MS(100);
	in_seg(CAPNET_TCP_ACK_FLAG | CAPNET_TCP_PSH, IRS + 1, peer.iss + 1, 1024, data, sizeof data, t);
	ck_assert_uint_eq(st.cn.ntx, 0);
	ck_assert_uint_eq(capnet_tcp_events(s) & CAPNET_TCP_EV_READABLE, CAPNET_TCP_EV_READABLE);
	ck_assert_int_eq(poll_at(t + CAPNET_MS(39)), t + CAPNET_MS(40));
	ck_assert_uint_eq(st.cn.ntx, 0);
	poll_at(t + CAPNET_MS(40));
	ck_assert_uint_eq(st.cn.ntx, 1);
	struct capnet_tcp_options o = ts_opt(t + CAPNET_MS(40));
	/* the window shrank by what is unread: (65535 - 1448) >> 1, rounded up */
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1 + 1448, WND_UP(65535 - 1448), 0, &o);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_delack_timeouts), 1);
	uint8_t b[2000];
	size_t got;
	ck_assert_int_eq(capnet_tcp_recv(s, b, sizeof b, &got, t + CAPNET_MS(300)), CAPNET_OK);
	ck_assert_uint_eq(got, 1448);
	ck_assert_mem_eq(b, data, 1448);
	ck_assert_int_eq(capnet_tcp_recv(s, b, sizeof b, &got, t + CAPNET_MS(300)), CAPNET_E_AGAIN);
}
END_TEST

START_TEST(test_second_full_segment_acked_at_once)
{
	passive_established();
	uint8_t data[1448];
	memset(data, 'y', sizeof data);
	capnet_instant t = CAPNET_MS(50);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1, 1024, data, sizeof data, t);
	ck_assert_uint_eq(st.cn.ntx, 0);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1 + 1448, peer.iss + 1, 1024, data, sizeof data, t + CAPNET_MS(1));
	ck_assert_uint_eq(st.cn.ntx, 1);
	struct capnet_tcp_options o = ts_opt(t + CAPNET_MS(1));
	o.ts_ecr = peer.ts_b - 2; /* RFC 7323 4.3: the first unacknowledged segment's TSval */
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1 + 2 * 1448, WND_UP(65535 - 2 * 1448), 0, &o);
	/* nothing owed any more: the delayed-ACK timer is off */
	poll_at(t + CAPNET_S(1));
	ck_assert_uint_eq(st.cn.ntx, 1);
}
END_TEST

START_TEST(test_out_of_order_sacked_then_filled)
{
	struct capnet_tcp_sock *s = passive_established();
	uint8_t d1[1000], d2[1000];
	memset(d1, '1', sizeof d1);
	memset(d2, '2', sizeof d2);
	capnet_instant t = CAPNET_MS(10);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1 + 1000, peer.iss + 1, 1024, d2, sizeof d2, t);
	ck_assert_uint_eq(st.cn.ntx, 1); /* immediate duplicate ACK with a SACK block */
	struct capnet_tcp_options o = ts_opt(t);
	o.ts_ecr = TS_B0 + 1; /* out of order: TS.Recent stays (RFC 7323 4.3) */
	o.sack_count = 1;
	o.sack[0].left = IRS + 1 + 1000;
	o.sack[0].right = IRS + 1 + 2000;
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1, WND_UP(65535), 0, &o);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_ooo_queued), 1);
	ck_assert_uint_eq(capnet_tcp_recv_ready(s), 0);
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert_uint_eq(i.ooo_bytes, 1000);
	/* the hole is filled: ACKed at once, both in order */
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1, 1024, d1, sizeof d1, t + CAPNET_MS(1));
	ck_assert_uint_eq(st.cn.ntx, 2);
	o = ts_opt(t + CAPNET_MS(1));
	expect(1, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1 + 2000, WND_UP(65535 - 2000), 0, &o);
	uint8_t b[3000];
	size_t got;
	ck_assert_int_eq(capnet_tcp_recv(s, b, sizeof b, &got, t + CAPNET_MS(2)), CAPNET_OK);
	ck_assert_uint_eq(got, 2000);
	ck_assert_mem_eq(b, d1, 1000);
	ck_assert_mem_eq(b + 1000, d2, 1000);
}
END_TEST

START_TEST(test_bad_checksum_counted_and_dropped)
{
	struct capnet_tcp_sock *s = passive_established();
	uint8_t f[128];
	memcpy(f, mac_a.b, 6);
	memcpy(f + 6, mac_b.b, 6);
	capnet_put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	capnet_put16(ip + 2, 20 + 20 + 4);
	ip[8] = 64;
	ip[9] = 6;
	capnet_put32(ip + 12, ip_b);
	capnet_put32(ip + 16, ip_a);
	capnet_put16(ip + 10, capnet_csum(ip, 20));
	struct capnet_tcp_repr r;
	memset(&r, 0, sizeof r);
	r.src_port = PORT_B;
	r.dst_port = PORT_A;
	r.seq = IRS + 1;
	r.ack = peer.iss + 1;
	r.flags = CAPNET_TCP_ACK_FLAG | CAPNET_TCP_RST; /* would kill it if believed */
	r.window = 100;
	r.payload = (const uint8_t *)"evil";
	r.payload_len = 4;
	capnet_tcp_emit(&r, ip + 20, capnet_csum_pseudo4(ip_b, ip_a, 6, 24));
	ip[20 + 20] ^= 0x20; /* one flipped bit */
	capnet_iface_input(st.ifc, f, 60, CAPNET_MS(5));
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_rcvbadsum), 1);
	ck_assert_uint_eq(st.cn.ntx, 0);
	ck_assert_int_eq(state_of(s), CAPNET_TCP_ESTABLISHED);
	/* a header shorter than 20 bytes, and a data offset of 4 */
	capnet_put16(ip + 2, 20 + 12);
	capnet_put16(ip + 10, 0);
	capnet_put16(ip + 10, capnet_csum(ip, 20));
	capnet_iface_input(st.ifc, f, 60, CAPNET_MS(6));
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_rcvshort), 1);
	capnet_put16(ip + 2, 20 + 24);
	capnet_put16(ip + 10, 0);
	capnet_put16(ip + 10, capnet_csum(ip, 20));
	ip[20 + 12] = 0x40;
	capnet_iface_input(st.ifc, f, 60, CAPNET_MS(7));
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_rcvbadoff), 1);
	ck_assert_uint_eq(st.cn.ntx, 0);
}
END_TEST

/* Sequence numbers wrap (RFC 9293 3.4): data across 2^32, in order and out
 * of order, is placed and acknowledged modulo 2^32. */
START_TEST(test_sequence_wraparound)
{
	ck_assert_int_eq(capnet_tcp_listen(tcp, PORT_A, 4, NULL, &listener), CAPNET_OK);
	const uint32_t irs = 0xfffffc00u; /* 1024 bytes before the wrap */
	struct capnet_tcp_repr syn;
	memset(&syn, 0, sizeof syn);
	syn.src_port = PORT_B;
	syn.dst_port = PORT_A;
	syn.seq = irs;
	syn.flags = CAPNET_TCP_SYN;
	syn.window = 65535;
	syn.opt.has_mss = true;
	syn.opt.mss = 1000;
	syn.opt.sack_permitted = true;
	inject(&syn, 0);
	struct capnet_tcp_repr sa;
	tx(0, &sa);
	in_seg(CAPNET_TCP_ACK_FLAG, irs + 1, sa.seq + 1, 65535, NULL, 0, 1);
	struct capnet_tcp_sock *s;
	ck_assert_int_eq(capnet_tcp_accept(listener, &s), CAPNET_OK);
	capture_nic_clear(&st.cn);
	static uint8_t d[3000];
	for (size_t k = 0; k < sizeof d; k++)
		d[k] = (uint8_t)(k * 13);
	/* the third 1000-byte piece first (beyond the wrap), then the first two */
	in_seg(CAPNET_TCP_ACK_FLAG, irs + 1 + 2000, sa.seq + 1, 65535, d + 2000, 1000, 10);
	struct capnet_tcp_options o = {.sack_count = 1};
	o.sack[0].left = irs + 1 + 2000;
	o.sack[0].right = irs + 1 + 3000;
	ck_assert_uint_eq(o.sack[0].right, 1977u); /* past 2^32 */
	expect(0, CAPNET_TCP_ACK_FLAG, sa.seq + 1, irs + 1, 65535, 0, &o);
	in_seg(CAPNET_TCP_ACK_FLAG, irs + 1, sa.seq + 1, 65535, d, 1000, 11);
	in_seg(CAPNET_TCP_ACK_FLAG, irs + 1 + 1000, sa.seq + 1, 65535, d + 1000, 1000, 12);
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert_uint_eq(i.rcv_nxt, 1977u);
	ck_assert_uint_eq(i.ooo_bytes, 0);
	uint8_t b[4000];
	size_t got;
	ck_assert_int_eq(capnet_tcp_recv(s, b, sizeof b, &got, 13), CAPNET_OK);
	ck_assert_uint_eq(got, 3000);
	ck_assert_mem_eq(b, d, 3000);
	/* the read freed more than an MSS, but the peer still knows of
	 * 65535 - 3000 bytes, more than half: no window update of its own
	 * (RFC 9293 3.8.6.2.2; half is Linux's threshold) */
	expect(st.cn.ntx - 1, CAPNET_TCP_ACK_FLAG, sa.seq + 1, 1977u, 65535 - 3000, 0, NULL);
}
END_TEST

/* ---- retransmission ---- */

START_TEST(test_rto_retransmit_and_backoff_doubling)
{
	struct capnet_tcp_sock *s = active_established_plain();
	/* handshake RTT 10 ms: RTO = max(10 + 4 * 5, 200) ms = 200 ms */
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert_int_eq(i.rto, CAPNET_MS(200));
	size_t q;
	capnet_instant t = CAPNET_MS(100);
	capnet_tcp_send(s, "abcdef", 6, &q, t);
	ck_assert_uint_eq(st.cn.ntx, 1);
	capnet_instant due = t + CAPNET_MS(200);
	for (int k = 1; k <= 3; k++) {
		ck_assert_int_eq(poll_at(due - 1), due);
		ck_assert_uint_eq(st.cn.ntx, (size_t)k);
		poll_at(due);
		ck_assert_uint_eq(st.cn.ntx, (size_t)k + 1);
		expect((size_t)k, CAPNET_TCP_ACK_FLAG | CAPNET_TCP_PSH, peer.iss + 1, IRS + 1, 65535, 6, NULL);
		due += CAPNET_MS(200) << k; /* 400, 800 ms */
	}
	capnet_tcp_info(s, &i);
	ck_assert_uint_eq(i.rto_count, 3);
	ck_assert_uint_eq(i.backoff, 3);
	ck_assert_int_eq(i.rto, CAPNET_MS(1600));
	ck_assert_uint_eq(i.cwnd, 1460); /* loss window */
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_rexmt_timeouts), 3);
	/* the ACK ends the retransmissions; the ACK of a retransmitted segment
	 * is no RTT sample (Karn), so the backoff stays (RFC 6298 5.7 note) */
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 7, 65535, NULL, 0, due - CAPNET_MS(1));
	capnet_tcp_info(s, &i);
	ck_assert_uint_eq(i.backoff, 3);
	ck_assert_uint_eq(i.sndq_bytes, 0);
	ck_assert_int_eq(i.next_deadline, CAPNET_INSTANT_NEVER);
}
END_TEST

START_TEST(test_max_retries_ends_with_timedout)
{
	struct capnet_tcp_config c = test_config();
	c.max_retries = 3;
	teardown();
	make_stack(&c);
	struct capnet_tcp_sock *s = active_established_plain();
	size_t q;
	capnet_tcp_send(s, "z", 1, &q, CAPNET_MS(100));
	capnet_instant t = CAPNET_MS(100);
	for (int k = 0; k < 4; k++) {
		capnet_instant next = poll_at(t);
		t = next;
	}
	poll_at(t);
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert_int_eq(i.state, CAPNET_TCP_CLOSED);
	ck_assert_int_eq(i.error, CAPNET_E_TIMEDOUT);
	ck_assert_uint_eq(st.cn.ntx, 4); /* the original and three retransmissions */
	ck_assert_uint_eq(capnet_tcp_events(s) & CAPNET_TCP_EV_ERROR, CAPNET_TCP_EV_ERROR);
	size_t sent;
	ck_assert_int_eq(capnet_tcp_send(s, "z", 1, &sent, t), CAPNET_E_TIMEDOUT);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_timeout_drops), 1);
}
END_TEST

START_TEST(test_fast_retransmit_on_three_dupacks)
{
	struct capnet_tcp_sock *s = active_established_plain();
	capnet_tcp_set_nodelay(s, true, CAPNET_MS(10));
	static uint8_t data[6 * 1460];
	for (size_t k = 0; k < sizeof data; k++)
		data[k] = (uint8_t)k;
	size_t q;
	capnet_instant t = CAPNET_MS(20);
	capnet_tcp_send(s, data, sizeof data, &q, t);
	ck_assert_uint_eq(q, sizeof data);
	/* initial window: min(4 * 1460, max(2 * 1460, 4380)) = 4380: 3 segments */
	ck_assert_uint_eq(st.cn.ntx, 3);
	uint32_t base = peer.iss + 1;
	/* B got segment 1: slow start lets two more go */
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, base + 1460, 65535, NULL, 0, t + CAPNET_MS(10));
	ck_assert_uint_eq(st.cn.ntx, 5);
	capture_nic_clear(&st.cn);
	/* segment 2 was lost: three duplicate ACKs for it */
	for (int k = 0; k < 2; k++)
		in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, base + 1460, 65535, NULL, 0, t + CAPNET_MS(11 + k));
	/* limited transmit (RFC 3042) sent the last new segment */
	ck_assert_uint_eq(st.cn.ntx, 1);
	expect(0, CAPNET_TCP_ACK_FLAG | CAPNET_TCP_PSH, base + 5 * 1460, IRS + 1, 65535, 1460, NULL);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, base + 1460, 65535, NULL, 0, t + CAPNET_MS(13));
	ck_assert_uint_eq(st.cn.ntx, 2);
	expect(1, CAPNET_TCP_ACK_FLAG, base + 1460, IRS + 1, 65535, 1460, NULL);
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert(i.in_recovery);
	ck_assert_uint_eq(i.fast_retransmits, 1);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_fast_rexmits), 1);
	/* the full ACK ends recovery */
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, base + sizeof data, 65535, NULL, 0, t + CAPNET_MS(20));
	capnet_tcp_info(s, &i);
	ck_assert(!i.in_recovery);
	ck_assert_uint_eq(i.sndq_bytes, 0);
}
END_TEST

START_TEST(test_sack_recovery_retransmits_the_hole)
{
	struct capnet_tcp_sock *s = passive_established();
	capnet_tcp_set_nodelay(s, true, CAPNET_MS(2));
	static uint8_t data[4 * 1448];
	memset(data, 'q', sizeof data);
	size_t q;
	capnet_instant t = CAPNET_MS(10);
	capnet_tcp_send(s, data, 3 * 1448, &q, t);
	ck_assert_uint_eq(st.cn.ntx, 3);
	capture_nic_clear(&st.cn);
	uint32_t base = peer.iss + 1;
	/* segment 1 lost; 2 and 3 SACKed: one ACK says > 2 * SMSS is above it
	 * only after the third segment; IsLost needs more than 2 segments */
	struct capnet_tcp_repr r;
	memset(&r, 0, sizeof r);
	r.src_port = PORT_B;
	r.dst_port = PORT_A;
	r.seq = IRS + 1;
	r.ack = base;
	r.flags = CAPNET_TCP_ACK_FLAG;
	r.window = 1024;
	r.opt.has_timestamp = true;
	r.opt.ts_ecr = peer.ts_a0 + 10;
	r.opt.sack_count = 1;
	r.opt.sack[0].left = base + 1448;
	r.opt.sack[0].right = base + 2 * 1448;
	r.opt.ts_val = peer.ts_b++;
	inject(&r, t + CAPNET_MS(5));
	ck_assert_uint_eq(st.cn.ntx, 0);
	r.opt.sack[0].right = base + 3 * 1448;
	r.opt.ts_val = peer.ts_b++;
	inject(&r, t + CAPNET_MS(6));
	ck_assert_uint_eq(st.cn.ntx, 0);
	/* a third duplicate (dupthresh) SACKing the fourth segment: now more
	 * than 2 * SMSS is SACKed above the hole, and it goes out at once */
	capnet_tcp_send(s, data, 1448, &q, t + CAPNET_MS(6));
	capture_nic_clear(&st.cn);
	r.opt.sack[0].right = base + 4 * 1448;
	r.opt.ts_val = peer.ts_b++;
	inject(&r, t + CAPNET_MS(7));
	ck_assert_uint_ge(st.cn.ntx, 1);
	struct capnet_tcp_options o = ts_opt(t + CAPNET_MS(7));
	expect(0, CAPNET_TCP_ACK_FLAG, base, IRS + 1, WND_UP(65535), 1448, &o);
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert(i.in_recovery);
}
END_TEST

START_TEST(test_zero_window_persist_probe)
{
	struct capnet_tcp_sock *s = active_established_plain();
	capnet_instant t = CAPNET_MS(20);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1, 0, NULL, 0, t);
	size_t q;
	capnet_tcp_send(s, "0123456789", 10, &q, t);
	ck_assert_uint_eq(q, 10);
	ck_assert_uint_eq(st.cn.ntx, 0); /* the window is closed */
	/* persist: RTO (200 ms), then doubling */
	capnet_instant due = t + CAPNET_MS(200);
	ck_assert_int_eq(poll_at(t), due);
	poll_at(due);
	ck_assert_uint_eq(st.cn.ntx, 1);
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1, 65535, 1, NULL);
	/* B still has no room: answers with window 0, ACK unchanged */
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1, 0, NULL, 0, due + CAPNET_MS(10));
	ck_assert_uint_eq(st.cn.ntx, 1);
	ck_assert_int_eq(poll_at(due + CAPNET_MS(10)), due + CAPNET_MS(400));
	poll_at(due + CAPNET_MS(400));
	ck_assert_uint_eq(st.cn.ntx, 2);
	expect(1, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1, 65535, 1, NULL);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_persist_probes), 2);
	ck_assert_int_eq(state_of(s), CAPNET_TCP_ESTABLISHED);
	/* the window opens: the data goes at once */
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1, 1000, NULL, 0, due + CAPNET_MS(500));
	ck_assert_uint_eq(st.cn.ntx, 3);
	expect(2, CAPNET_TCP_ACK_FLAG | CAPNET_TCP_PSH, peer.iss + 1, IRS + 1, 65535, 10, NULL);
}
END_TEST

START_TEST(test_zero_window_receiver_answers_probe)
{
	struct capnet_tcp_config c = test_config();
	c.rcvbuf = 2048;
	teardown();
	make_stack(&c);
	struct capnet_tcp_sock *s = passive_established();
	(void)s;
	uint8_t d[2048];
	memset(d, 'w', sizeof d);
	/* B fills our 2 KiB ring: the window is 0 */
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1, 1024, d, 1024, CAPNET_MS(10));
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1 + 1024, peer.iss + 1, 1024, d, 1024, CAPNET_MS(11));
	capture_nic_clear(&st.cn);
	poll_at(CAPNET_MS(300));
	capture_nic_clear(&st.cn);
	/* a one-byte probe at rcv_nxt: answered with window 0, byte not taken */
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1 + 2048, peer.iss + 1, 1024, d, 1, CAPNET_MS(400));
	ck_assert_uint_eq(st.cn.ntx, 1);
	struct capnet_tcp_options o = ts_opt(CAPNET_MS(400));
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1 + 2048, 0, 0, &o);
}
END_TEST

/* ---- closing ---- */

START_TEST(test_passive_close_close_wait_last_ack)
{
	struct capnet_tcp_sock *s = passive_established();
	capnet_instant t = CAPNET_MS(10);
	in_seg(CAPNET_TCP_ACK_FLAG | CAPNET_TCP_FIN, IRS + 1, peer.iss + 1, 1024, NULL, 0, t);
	ck_assert_uint_eq(st.cn.ntx, 1);
	struct capnet_tcp_options o = ts_opt(t);
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 2, 32767, 0, &o);
	ck_assert_int_eq(state_of(s), CAPNET_TCP_CLOSE_WAIT);
	ck_assert_uint_eq(capnet_tcp_events(s) & (CAPNET_TCP_EV_CLOSED | CAPNET_TCP_EV_READABLE),
			  CAPNET_TCP_EV_CLOSED | CAPNET_TCP_EV_READABLE);
	uint8_t b[8];
	size_t got;
	ck_assert_int_eq(capnet_tcp_recv(s, b, sizeof b, &got, t), CAPNET_E_CLOSED);
	ck_assert_uint_eq(got, 0);
	/* we may still send in CLOSE-WAIT */
	size_t q;
	ck_assert_int_eq(capnet_tcp_send(s, "bye", 3, &q, t + CAPNET_MS(1)), CAPNET_OK);
	ck_assert_int_eq(capnet_tcp_close(s, t + CAPNET_MS(1)), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, 3);
	o = ts_opt(t + CAPNET_MS(1));
	expect(1, CAPNET_TCP_ACK_FLAG | CAPNET_TCP_PSH, peer.iss + 1, IRS + 2, 32767, 3, &o);
	expect(2, CAPNET_TCP_ACK_FLAG | CAPNET_TCP_FIN, peer.iss + 4, IRS + 2, 32767, 0, &o);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 2, peer.iss + 5, 1024, NULL, 0, t + CAPNET_MS(2));
	struct capnet_tcp_layer_info li;
	capnet_tcp_layer_info(tcp, &li);
	ck_assert_uint_eq(li.sockets_in_use, 1); /* the listener alone */
	ck_assert_uint_eq(li.pool_in_use, 0);
}
END_TEST

START_TEST(test_active_close_fin_wait_time_wait_expiry)
{
	struct capnet_tcp_sock *s = passive_established();
	capnet_instant t = CAPNET_MS(10);
	ck_assert_int_eq(capnet_tcp_shutdown(s, t), CAPNET_OK);
	ck_assert_int_eq(state_of(s), CAPNET_TCP_FIN_WAIT_1);
	struct capnet_tcp_options o = ts_opt(t);
	expect(0, CAPNET_TCP_ACK_FLAG | CAPNET_TCP_FIN, peer.iss + 1, IRS + 1, WND_UP(65535), 0, &o);
	size_t q;
	ck_assert_int_eq(capnet_tcp_send(s, "x", 1, &q, t), CAPNET_E_CLOSED);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 2, 1024, NULL, 0, t + CAPNET_MS(1));
	ck_assert_int_eq(state_of(s), CAPNET_TCP_FIN_WAIT_2);
	/* half-closed: B still sends, we still read */
	in_seg(CAPNET_TCP_ACK_FLAG | CAPNET_TCP_PSH, IRS + 1, peer.iss + 2, 1024, "late", 4, t + CAPNET_MS(2));
	uint8_t b[8];
	size_t got;
	ck_assert_int_eq(capnet_tcp_recv(s, b, sizeof b, &got, t + CAPNET_MS(2)), CAPNET_OK);
	ck_assert_uint_eq(got, 4);
	capture_nic_clear(&st.cn);
	capnet_instant tf = t + CAPNET_MS(3);
	in_seg(CAPNET_TCP_ACK_FLAG | CAPNET_TCP_FIN, IRS + 5, peer.iss + 2, 1024, NULL, 0, tf);
	ck_assert_int_eq(state_of(s), CAPNET_TCP_TIME_WAIT);
	o = ts_opt(tf);
	o.ts_ecr = peer.ts_b - 2; /* "late" was not ACKed yet: its TSval (RFC 7323 4.3) */
	/* 4 bytes read back are not worth a window update (receiver SWS) */
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 2, IRS + 6, WND_UP(65536 - 5), 0, &o); /* the FIN advertised 65536 */
	ck_assert_int_eq(capnet_tcp_close(s, tf), CAPNET_OK);
	struct capnet_tcp_layer_info li;
	capnet_tcp_layer_info(tcp, &li);
	ck_assert_uint_eq(li.time_wait, 1);
	ck_assert_uint_eq(li.pool_in_use, 0); /* TIME-WAIT keeps no rings */
	/* a retransmitted FIN is ACKed again and restarts 2 MSL */
	capnet_instant tr = tf + CAPNET_S(1);
	in_seg(CAPNET_TCP_ACK_FLAG | CAPNET_TCP_FIN, IRS + 5, peer.iss + 2, 1024, NULL, 0, tr);
	ck_assert_uint_eq(st.cn.ntx, 2);
	ck_assert_int_eq(poll_at(tr + TIME_WAIT - 1), tr + TIME_WAIT);
	capnet_tcp_layer_info(tcp, &li);
	ck_assert_uint_eq(li.time_wait, 1);
	poll_at(tr + TIME_WAIT);
	capnet_tcp_layer_info(tcp, &li);
	ck_assert_uint_eq(li.time_wait, 0);
	ck_assert_uint_eq(li.sockets_in_use, 1);
}
END_TEST

START_TEST(test_simultaneous_close_closing_then_time_wait)
{
	struct capnet_tcp_sock *s = passive_established();
	capnet_instant t = CAPNET_MS(10);
	capnet_tcp_shutdown(s, t);
	capture_nic_clear(&st.cn);
	/* B's FIN crosses ours: it does not acknowledge our FIN */
	in_seg(CAPNET_TCP_ACK_FLAG | CAPNET_TCP_FIN, IRS + 1, peer.iss + 1, 1024, NULL, 0, t + CAPNET_MS(1));
	ck_assert_int_eq(state_of(s), CAPNET_TCP_CLOSING);
	struct capnet_tcp_options o = ts_opt(t + CAPNET_MS(1));
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 2, IRS + 2, WND_UP(65535), 0, &o);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 2, peer.iss + 2, 1024, NULL, 0, t + CAPNET_MS(2));
	ck_assert_int_eq(state_of(s), CAPNET_TCP_TIME_WAIT);
	ck_assert_uint_eq(capnet_tcp_events(s) & CAPNET_TCP_EV_CLOSED, CAPNET_TCP_EV_CLOSED);
}
END_TEST

START_TEST(test_close_with_unread_data_resets)
{
	struct capnet_tcp_sock *s = passive_established();
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1, 1024, "unread", 6, CAPNET_MS(5));
	capture_nic_clear(&st.cn);
	ck_assert_int_eq(capnet_tcp_close(s, CAPNET_MS(6)), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, 1);
	struct capnet_tcp_options o = ts_opt(CAPNET_MS(6));
	expect(0, CAPNET_TCP_RST | CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 7, WND_UP(65535 - 6), 0, &o);
}
END_TEST

/* RFC 9293 3.10.7.4: an RST at RCV.NXT ends TIME-WAIT; with rfc1337 set
 * it is ignored instead (RFC 1337, TIME-WAIT assassination). */
static void to_time_wait(struct capnet_tcp_sock *s, capnet_instant t)
{
	capnet_tcp_shutdown(s, t);
	in_seg(CAPNET_TCP_ACK_FLAG | CAPNET_TCP_FIN, IRS + 1, peer.iss + 2, 1024, NULL, 0, t + CAPNET_MS(1));
	ck_assert_int_eq(state_of(s), CAPNET_TCP_TIME_WAIT);
}

START_TEST(test_rst_in_time_wait_closes_unless_rfc1337)
{
	struct capnet_tcp_sock *s = passive_established();
	to_time_wait(s, CAPNET_MS(10));
	in_seg(CAPNET_TCP_RST, IRS + 2, 0, 0, NULL, 0, CAPNET_MS(20));
	ck_assert_int_eq(state_of(s), CAPNET_TCP_CLOSED);

	struct capnet_tcp_config c = test_config();
	c.rfc1337 = true;
	teardown();
	make_stack(&c);
	s = passive_established();
	to_time_wait(s, CAPNET_MS(10));
	in_seg(CAPNET_TCP_RST, IRS + 2, 0, 0, NULL, 0, CAPNET_MS(20));
	ck_assert_int_eq(state_of(s), CAPNET_TCP_TIME_WAIT);
}
END_TEST

/* Injects into A an ICMP "fragmentation needed" from B quoting `quoted`
 * (an IP header and 8 bytes of what A sent), with next-hop MTU `mtu`. */
static void inject_frag_needed(const uint8_t *quoted, uint16_t mtu, capnet_instant now)
{
	uint8_t f[128];
	memcpy(f, mac_a.b, 6);
	memcpy(f + 6, mac_b.b, 6);
	capnet_put16(f + 12, 0x0800);
	uint8_t *ip = f + 14, *icmp = f + 34;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	capnet_put16(ip + 2, 20 + 8 + 28);
	ip[8] = 64;
	ip[9] = 1;
	capnet_put32(ip + 12, ip_b);
	capnet_put32(ip + 16, ip_a);
	capnet_put16(ip + 10, capnet_csum(ip, 20));
	memset(icmp, 0, 8);
	icmp[0] = 3;
	icmp[1] = 4;
	capnet_put16(icmp + 6, mtu); /* RFC 1191 4 */
	memcpy(icmp + 8, quoted, 28);
	capnet_put16(icmp + 2, capnet_csum(icmp, 36));
	capnet_iface_input(st.ifc, f, 14 + 56 < 60 ? 60 : 14 + 56, now);
}

/* A connection sending 2920 bytes in two full segments at 20 ms; returns
 * the first segment's IP header and 8 bytes, as a router would quote it. */
static struct capnet_tcp_sock *sending_two_segments(uint8_t quoted[28])
{
	struct capnet_tcp_sock *s = active_established_plain();
	capnet_tcp_set_nodelay(s, true, CAPNET_MS(10));
	static uint8_t data[2920];
	memset(data, 'm', sizeof data);
	size_t q;
	capnet_tcp_send(s, data, sizeof data, &q, CAPNET_MS(20));
	ck_assert_uint_eq(st.cn.ntx, 2);
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1, 65535, 1460, NULL);
	memcpy(quoted, st.cn.tx[0].data + 14, 28);
	capture_nic_clear(&st.cn);
	return s;
}

static uint16_t mss_of(struct capnet_tcp_sock *s)
{
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	return i.mss;
}

/* RFC 1191 with no next-hop MTU known to us: "fragmentation needed" about
 * our segment steps the MSS down a plateau and resends at once. */
START_TEST(test_frag_needed_lowers_mss_and_resends)
{
	/* the ICMP error quotes the first segment's IP header and 8 bytes */
	uint8_t quoted[28];
	struct capnet_tcp_sock *s = sending_two_segments(quoted);
	inject_frag_needed(quoted, 0, CAPNET_MS(21));
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_icmp_errors), 1);
	ck_assert_uint_eq(mss_of(s), 1452); /* 1492 - 40 */
	ck_assert_uint_ge(st.cn.ntx, 1);
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1, 65535, 1452, NULL);
}
END_TEST

/* RFC 1191 4: the router's next-hop MTU is the new path MTU. With 1400,
 * the resent segments carry exactly 1400 - 40 bytes. */
START_TEST(test_frag_needed_takes_the_next_hop_mtu_reported)
{
	uint8_t quoted[28];
	struct capnet_tcp_sock *s = sending_two_segments(quoted);
	struct capnet_tcp_info in;
	capnet_tcp_info(s, &in);
	ck_assert_uint_eq(in.path_mtu, 1500);
	ck_assert_int_eq(in.mtu_source, CAPNET_MTU_DEFAULT);
	inject_frag_needed(quoted, 1400, CAPNET_MS(21));
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_icmp_errors), 1);
	ck_assert_uint_eq(mss_of(s), 1360);
	capnet_tcp_info(s, &in);
	ck_assert_uint_eq(in.path_mtu, 1400); /* the connection's own, from the router */
	ck_assert_int_eq(in.mtu_source, CAPNET_MTU_PATH);
	ck_assert_uint_eq(st.cn.ntx, 3);
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1, 65535, 1360, NULL);
	expect(1, CAPNET_TCP_ACK_FLAG, peer.iss + 1 + 1360, IRS + 1, 65535, 1360, NULL);
	expect(2, CAPNET_TCP_ACK_FLAG | CAPNET_TCP_PSH, peer.iss + 1 + 2720, IRS + 1, 65535, 200, NULL);
	ck_assert_uint_eq(capnet_get16(st.cn.tx[0].data + 14 + 2), 1400); /* IP total length */
}
END_TEST

/* A reported MTU is taken down to 576 at the lowest (a forged tiny MTU must
 * not shrink segments to nothing), and never raises the estimate: a report
 * at or above the size A sends changes nothing and resends nothing. */
START_TEST(test_frag_needed_mtu_floor_576_and_never_up)
{
	uint8_t quoted[28];
	struct capnet_tcp_sock *s = sending_two_segments(quoted);
	inject_frag_needed(quoted, 1500, CAPNET_MS(21));
	ck_assert_uint_eq(mss_of(s), 1460);
	ck_assert_uint_eq(st.cn.ntx, 0);
	inject_frag_needed(quoted, 68, CAPNET_MS(22));
	ck_assert_uint_eq(mss_of(s), 536);
	ck_assert_uint_ge(st.cn.ntx, 1);
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1, 65535, 536, NULL);
	capture_nic_clear(&st.cn);
	inject_frag_needed(quoted, 1006, CAPNET_MS(23));
	ck_assert_uint_eq(mss_of(s), 536);
	ck_assert_uint_eq(st.cn.ntx, 0);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_icmp_errors), 3);
}
END_TEST

/* A quote cut before TCP's sequence number cannot be checked against what
 * is in flight (RFC 5927 4.1): ignored, the MSS stays. */
START_TEST(test_frag_needed_with_a_short_quote_is_ignored)
{
	uint8_t quoted[28];
	struct capnet_tcp_sock *s = sending_two_segments(quoted);
	quoted[0] = 0x46; /* IHL 6: the 8 quoted TCP bytes now start 4 bytes late */
	inject_frag_needed(quoted, 1400, CAPNET_MS(21));
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_icmp_errors), 0);
	ck_assert_uint_eq(mss_of(s), 1460);
	ck_assert_uint_eq(st.cn.ntx, 0);
}
END_TEST

/* ---- resets ---- */

START_TEST(test_rst_to_closed_port)
{
	struct capnet_tcp_repr syn;
	memset(&syn, 0, sizeof syn);
	syn.src_port = PORT_B;
	syn.dst_port = 9;
	syn.seq = 4242;
	syn.flags = CAPNET_TCP_SYN;
	syn.window = 1000;
	peer.port_a = 9;
	inject(&syn, 0);
	ck_assert_uint_eq(st.cn.ntx, 1);
	/* no ACK in the SYN: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	expect(0, CAPNET_TCP_RST | CAPNET_TCP_ACK_FLAG, 0, 4243, 0, 0, NULL);
	/* an ACK segment: <SEQ=SEG.ACK><CTL=RST> */
	in_seg(CAPNET_TCP_ACK_FLAG, 5000, 777, 1000, "abc", 3, 1);
	expect(1, CAPNET_TCP_RST, 777, 0, 0, 0, NULL);
	/* a reset is never answered */
	in_seg(CAPNET_TCP_RST, 5000, 0, 0, NULL, 0, 2);
	ck_assert_uint_eq(st.cn.ntx, 2);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_noport), 2);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_sndrst), 2);
}
END_TEST

START_TEST(test_rst_validation_and_challenge_ack)
{
	struct capnet_tcp_sock *s = passive_established();
	capnet_instant t = CAPNET_MS(10);
	/* in the window but not rcv_nxt: a challenge ACK (RFC 5961 3.2) */
	in_seg(CAPNET_TCP_RST | CAPNET_TCP_ACK_FLAG, IRS + 1 + 500, peer.iss + 1, 0, NULL, 0, t);
	ck_assert_int_eq(state_of(s), CAPNET_TCP_ESTABLISHED);
	ck_assert_uint_eq(st.cn.ntx, 1);
	struct capnet_tcp_options o = ts_opt(t);
	o.ts_ecr = TS_B0 + 1; /* from the handshake's ACK; an RST never updates it */
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1, WND_UP(65535), 0, &o);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_challenge_acks), 1);
	/* outside the window: silently dropped */
	in_seg(CAPNET_TCP_RST, IRS + 1 + 200000, 0, 0, NULL, 0, t + 1);
	ck_assert_uint_eq(st.cn.ntx, 1);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_rcvrst_bad), 1);
	/* a SYN on an established connection: challenge ACK too (4.2) */
	in_seg(CAPNET_TCP_SYN, IRS + 1 + 9, 0, 100, NULL, 0, t + 2);
	ck_assert_uint_eq(st.cn.ntx, 2);
	ck_assert_int_eq(state_of(s), CAPNET_TCP_ESTABLISHED);
	/* exactly rcv_nxt: the connection is reset */
	in_seg(CAPNET_TCP_RST, IRS + 1, 0, 0, NULL, 0, t + 3);
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert_int_eq(i.state, CAPNET_TCP_CLOSED);
	ck_assert_int_eq(i.error, CAPNET_E_RESET);
	ck_assert_uint_eq(capnet_tcp_events(s) & (CAPNET_TCP_EV_RESET | CAPNET_TCP_EV_READABLE),
			  CAPNET_TCP_EV_RESET | CAPNET_TCP_EV_READABLE);
	ck_assert_uint_eq(st.cn.ntx, 2);
}
END_TEST

START_TEST(test_challenge_acks_rate_limited)
{
	passive_established();
	for (int k = 0; k < 15; k++)
		in_seg(CAPNET_TCP_SYN, IRS + 1, 0, 100, NULL, 0, CAPNET_MS(100) + k);
	ck_assert_uint_eq(st.cn.ntx, 10);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_challenge_limited), 5);
}
END_TEST

START_TEST(test_paws_drops_old_timestamp)
{
	struct capnet_tcp_sock *s = passive_established();
	struct capnet_tcp_repr r;
	memset(&r, 0, sizeof r);
	r.src_port = PORT_B;
	r.dst_port = PORT_A;
	r.seq = IRS + 1;
	r.ack = peer.iss + 1;
	r.flags = CAPNET_TCP_ACK_FLAG;
	r.window = 1024;
	r.opt.has_timestamp = true;
	r.opt.ts_val = TS_B0 - 50; /* older than TS.Recent */
	r.payload = (const uint8_t *)"old!";
	r.payload_len = 4;
	inject(&r, CAPNET_MS(20));
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_paws_drops), 1);
	ck_assert_uint_eq(capnet_tcp_recv_ready(s), 0);
	ck_assert_uint_eq(st.cn.ntx, 1); /* answered with an ACK */
	struct capnet_tcp_options o = ts_opt(CAPNET_MS(20));
	o.ts_ecr = TS_B0 + 1;
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss + 1, IRS + 1, WND_UP(65535), 0, &o);
}
END_TEST

/* ---- listeners ---- */

static void syn_from(uint16_t port, uint32_t seq, capnet_instant now)
{
	struct capnet_tcp_repr syn;
	memset(&syn, 0, sizeof syn);
	syn.src_port = port;
	syn.dst_port = PORT_A;
	syn.seq = seq;
	syn.flags = CAPNET_TCP_SYN;
	syn.window = 8192;
	inject(&syn, now);
}

START_TEST(test_backlog_overflow_drops_syn)
{
	ck_assert_int_eq(capnet_tcp_listen(tcp, PORT_A, 1, NULL, &listener), CAPNET_OK);
	syn_from(1001, 100, 0);
	struct capnet_tcp_repr sa;
	tx(0, &sa);
	peer.port_b = 1001;
	in_seg(CAPNET_TCP_ACK_FLAG, 101, sa.seq + 1, 8192, NULL, 0, 1);
	struct capnet_tcp_info li;
	capnet_tcp_info(listener, &li);
	ck_assert_uint_eq(li.accept_queue, 1);
	ck_assert_uint_eq(li.backlog_limit, 1);
	/* the accept queue is full: a new SYN is dropped, not answered */
	syn_from(1002, 200, 2);
	ck_assert_uint_eq(st.cn.ntx, 1);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_backlog_overflow), 1);
	struct capnet_tcp_sock *c;
	ck_assert_int_eq(capnet_tcp_accept(listener, &c), CAPNET_OK);
	syn_from(1002, 200, 3);
	ck_assert_uint_eq(st.cn.ntx, 2);
}
END_TEST

/* ---- SYN flood (RFC 4987) ---- */

START_TEST(test_half_open_for_unresolvable_peer_reclaimed_after_one_rto)
{
	ck_assert_int_eq(capnet_tcp_listen(tcp, PORT_A, 8, NULL, &listener), CAPNET_OK);
	/* a SYN from an on-link source nobody answers ARP for (spoofed) */
	struct capnet_tcp_repr syn;
	memset(&syn, 0, sizeof syn);
	syn.src_port = 3000;
	syn.dst_port = PORT_A;
	syn.seq = 100;
	syn.flags = CAPNET_TCP_SYN;
	syn.window = 8192;
	inject_from_to(&syn, CAPNET_IP4(192, 0, 2, 99), ip_a, 0);
	ck_assert_uint_eq(st.cn.ntx, 1); /* the ARP request; the SYN-ACK waits for it */
	ck_assert_uint_eq(capnet_get16(st.cn.tx[0].data + 12), 0x0806);
	struct capnet_tcp_info li;
	capnet_tcp_info(listener, &li);
	ck_assert_uint_eq(li.syn_queue, 1);
	/* one RTO later the neighbour is still unresolved: the SYN-ACK never
	 * left, and the slot is reclaimed instead of retried for a minute */
	poll_at(CAPNET_S(1));
	capnet_tcp_info(listener, &li);
	ck_assert_uint_eq(li.syn_queue, 0);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_synrecv_reclaimed), 1);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_rexmt_timeouts), 0);
	/* a resolved peer's half-open connection is retried as ever */
	capture_nic_clear(&st.cn);
	syn_from(1001, 500, CAPNET_S(1));
	ck_assert_uint_eq(st.cn.ntx, 1);
	poll_at(CAPNET_S(2));
	ck_assert_uint_eq(st.cn.ntx, 2);
	struct capnet_tcp_repr sa;
	tx(1, &sa);
	ck_assert_uint_eq(sa.flags, CAPNET_TCP_SYN | CAPNET_TCP_ACK_FLAG);
	capnet_tcp_info(listener, &li);
	ck_assert_uint_eq(li.syn_queue, 1);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_synrecv_reclaimed), 1);
}
END_TEST

START_TEST(test_syncookie_encoding_exact)
{
	/* a fixed secret: the values below are what this key must give */
	tcp->isn_key[0] = 0x0706050403020100ull;
	tcp->isn_key[1] = 0x0f0e0d0c0b0a0908ull;
	struct capnet_ipaddr la = capnet_ipaddr_from_ip4(ip_a), ra = capnet_ipaddr_from_ip4(CAPNET_IP4(192, 0, 2, 77));
	capnet_instant t = CAPNET_S(100); /* period 1 */
	uint32_t c = tcp_cookie_isn(tcp, &la, 80, &ra, 40000, 1000, 3, t);
	ck_assert_uint_eq(c, 2469740113u); /* SipHash-2-4 under this key: a change of layout shows here */
	ck_assert_int_eq(tcp_cookie_check(tcp, &la, 80, &ra, 40000, 1000, c, t), 3);
	/* the next period still takes it; the one after does not */
	ck_assert_int_eq(tcp_cookie_check(tcp, &la, 80, &ra, 40000, 1000, c, CAPNET_S(192) - 1), 3);
	ck_assert_int_eq(tcp_cookie_check(tcp, &la, 80, &ra, 40000, 1000, c, CAPNET_S(192)), -1);
	/* nor one made in the future, nor for another tuple or peer ISN */
	ck_assert_int_eq(tcp_cookie_check(tcp, &la, 80, &ra, 40000, 1000, c, CAPNET_S(63)), -1);
	ck_assert_int_eq(tcp_cookie_check(tcp, &la, 80, &ra, 40001, 1000, c, t), -1);
	ck_assert_int_eq(tcp_cookie_check(tcp, &la, 81, &ra, 40000, 1000, c, t), -1);
	ck_assert_int_eq(tcp_cookie_check(tcp, &la, 80, &ra, 40000, 1001, c, t), -1);
	ck_assert_int_eq(tcp_cookie_check(tcp, &la, 80, &ra, 40000, 1000, c + 1, t), -1);
	ck_assert_int_eq(tcp_cookie_check(tcp, &la, 80, &ra, 40000, 1000, c ^ 0x1000000u, t), -1);
	/* every MSS index round-trips */
	for (uint8_t i = 0; i < 4; i++)
		ck_assert_int_eq(tcp_cookie_check(tcp, &la, 80, &ra, 40000, 7, tcp_cookie_isn(tcp, &la, 80, &ra, 40000, 7, i, t),
						  t),
				 i);
	/* a guess of the right period passes 4 in 2^24: none of 100000 here */
	int passed = 0;
	for (uint32_t g = 0; g < 100000; g++)
		passed += tcp_cookie_check(tcp, &la, 80, &ra, 40000, 1000, c + 0x1000u + g * 97u, t) >= 0;
	ck_assert_int_eq(passed, 0);
}
END_TEST

START_TEST(test_syncookie_mss_table_and_tsval_bits)
{
	ck_assert_uint_eq(tcp_cookie_mss(tcp_cookie_mss_index(1460)), 1460);
	ck_assert_uint_eq(tcp_cookie_mss(tcp_cookie_mss_index(9000)), 1460);
	ck_assert_uint_eq(tcp_cookie_mss(tcp_cookie_mss_index(1459)), 1440);
	ck_assert_uint_eq(tcp_cookie_mss(tcp_cookie_mss_index(1300)), 1220);
	ck_assert_uint_eq(tcp_cookie_mss(tcp_cookie_mss_index(1219)), 536);
	ck_assert_uint_eq(tcp_cookie_mss(tcp_cookie_mss_index(100)), 536);
	/* 1000 = 0x3e8: low five bits replaced by wscale 7 | SACK (0x17) gives
	 * 1015, ahead of the clock, so one step (32) back: 983 */
	ck_assert_uint_eq(tcp_cookie_tsval(1000, true, 7, true), 983);
	/* no window scale: 0xf; no SACK: 0x0f -> 992 | 15 = 1007 -> 975 */
	ck_assert_uint_eq(tcp_cookie_tsval(1000, false, 0, false), 975);
	ck_assert_uint_eq(tcp_cookie_tsval(1023, true, 14, false), 1006);
	struct tcp_cookie_opts o;
	ck_assert(tcp_cookie_ts_decode(983, &o));
	ck_assert(o.ts && o.ws && o.sack);
	ck_assert_uint_eq(o.wscale, 7);
	ck_assert(tcp_cookie_ts_decode(975, &o));
	ck_assert(o.ts && !o.ws && !o.sack);
	ck_assert(tcp_cookie_ts_decode(1006, &o));
	ck_assert(o.ws && !o.sack);
	ck_assert_uint_eq(o.wscale, 14);
}
END_TEST

START_TEST(test_syn_backlog_bounds_half_open)
{
	/* cookies off: today's "drop beyond the bound" (tcp_syncookie.c
	 * answers these SYNs otherwise; test_syncookie.c covers that) */
	teardown();
	struct capnet_tcp_config c = test_config();
	c.no_syncookies = true;
	make_stack(&c);
	ck_assert_int_eq(capnet_tcp_listen(tcp, PORT_A, 8, NULL, &listener), CAPNET_OK);
	for (uint16_t k = 0; k < 6; k++)
		syn_from((uint16_t)(2000 + k), 100u * k, k);
	ck_assert_uint_eq(st.cn.ntx, 4); /* cfg.syn_backlog = 4 */
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_backlog_overflow), 2);
	struct capnet_tcp_info li;
	capnet_tcp_info(listener, &li);
	ck_assert_uint_eq(li.syn_queue, 4);
	/* half-open ones give up after synack_retries and free their slots */
	capnet_instant t = 10;
	for (int k = 0; k < 64 && t != CAPNET_INSTANT_NEVER; k++)
		t = poll_at(t);
	capnet_tcp_info(listener, &li);
	ck_assert_uint_eq(li.syn_queue, 0);
	struct capnet_tcp_layer_info l;
	capnet_tcp_layer_info(tcp, &l);
	ck_assert_uint_eq(l.sockets_in_use, 1);
	ck_assert_uint_eq(l.pool_in_use, 0);
}
END_TEST

START_TEST(test_listener_close_resets_unaccepted)
{
	ck_assert_int_eq(capnet_tcp_listen(tcp, PORT_A, 2, NULL, &listener), CAPNET_OK);
	syn_from(1001, 100, 0);
	struct capnet_tcp_repr sa;
	tx(0, &sa);
	peer.port_b = 1001;
	in_seg(CAPNET_TCP_ACK_FLAG, 101, sa.seq + 1, 8192, NULL, 0, 1);
	capture_nic_clear(&st.cn);
	ck_assert_int_eq(capnet_tcp_close(listener, 2), CAPNET_OK);
	ck_assert_uint_eq(st.cn.ntx, 1);
	expect(0, CAPNET_TCP_RST | CAPNET_TCP_ACK_FLAG, sa.seq + 1, 101, 65535, 0, NULL);
	struct capnet_tcp_layer_info l;
	capnet_tcp_layer_info(tcp, &l);
	ck_assert_uint_eq(l.sockets_in_use, 0);
	ck_assert_uint_eq(l.pool_in_use, 0);
	ck_assert_int_eq(capnet_tcp_listen(tcp, PORT_A, 2, NULL, &listener), CAPNET_OK);
}
END_TEST

/* ---- keepalive ---- */

START_TEST(test_keepalive_probes_then_timeout)
{
	struct capnet_tcp_sock *s = active_established_plain();
	ck_assert_int_eq(capnet_tcp_set_keepalive(s, true, CAPNET_S(10), CAPNET_S(1), 3, CAPNET_MS(10)), CAPNET_OK);
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert(i.opts.keepalive);
	ck_assert_int_eq(i.opts.keepalive_idle, CAPNET_S(10));
	ck_assert_uint_eq(i.opts.keepalive_probes, 3);
	capnet_instant t = CAPNET_MS(10) + CAPNET_S(10);
	ck_assert_int_eq(poll_at(CAPNET_MS(20)), t);
	poll_at(t);
	ck_assert_uint_eq(st.cn.ntx, 1);
	expect(0, CAPNET_TCP_ACK_FLAG, peer.iss, IRS + 1, 65535, 0, NULL); /* SEQ = SND.NXT - 1 */
	/* an answer resets the count */
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1, 65535, NULL, 0, t + CAPNET_MS(5));
	ck_assert_int_eq(poll_at(t + CAPNET_MS(5)), t + CAPNET_S(1));
	poll_at(t + CAPNET_S(1));
	/* traffic at t+5ms: idle again only at t + 5 ms + 10 s */
	ck_assert_uint_eq(st.cn.ntx, 1);
	capnet_instant t2 = t + CAPNET_MS(5) + CAPNET_S(10);
	poll_at(t2);
	poll_at(t2 + CAPNET_S(1));
	poll_at(t2 + CAPNET_S(2));
	ck_assert_uint_eq(st.cn.ntx, 4);
	poll_at(t2 + CAPNET_S(3));
	capnet_tcp_info(s, &i);
	ck_assert_int_eq(i.state, CAPNET_TCP_CLOSED);
	ck_assert_int_eq(i.error, CAPNET_E_TIMEDOUT);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_keepalive_probes), 4);
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_keepalive_drops), 1);
}
END_TEST

START_TEST(test_user_timeout)
{
	struct capnet_tcp_sock *s = active_established_plain();
	capnet_tcp_set_user_timeout(s, CAPNET_MS(500), CAPNET_MS(10));
	size_t q;
	capnet_tcp_send(s, "u", 1, &q, CAPNET_MS(100));
	capnet_instant t = CAPNET_MS(100), last = t;
	while (state_of(s) != CAPNET_TCP_CLOSED && t < CAPNET_S(5)) {
		last = t;
		t = poll_at(t);
	}
	ck_assert_int_eq(last, CAPNET_MS(600)); /* not at the 700 ms retransmission */
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert_int_eq(i.error, CAPNET_E_TIMEDOUT);
}
END_TEST

/* ---- notify ---- */

struct seen {
	unsigned n;
	unsigned last;
};

static void on_notify(void *ctx, struct capnet_tcp_sock *s, unsigned ev, capnet_instant now)
{
	(void)s;
	(void)now;
	struct seen *w = ctx;
	w->n++;
	w->last = ev;
}

START_TEST(test_notify_on_data_and_not_on_own_calls)
{
	struct capnet_tcp_sock *s = passive_established();
	struct seen w = {0, 0};
	capnet_tcp_set_notify(s, on_notify, &w);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1, 1024, "ab", 2, CAPNET_MS(5));
	ck_assert_uint_eq(w.n, 1);
	ck_assert_uint_eq(w.last & CAPNET_TCP_EV_READABLE, CAPNET_TCP_EV_READABLE);
	uint8_t b[4];
	size_t got;
	capnet_tcp_recv(s, b, sizeof b, &got, CAPNET_MS(6));
	ck_assert_uint_eq(w.n, 1);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 3, peer.iss + 1, 1024, "cd", 2, CAPNET_MS(7));
	ck_assert_uint_eq(w.n, 2);
	in_seg(CAPNET_TCP_RST, IRS + 5, 0, 0, NULL, 0, CAPNET_MS(8));
	ck_assert_uint_eq(w.n, 3);
	ck_assert_uint_eq(w.last & CAPNET_TCP_EV_RESET, CAPNET_TCP_EV_RESET);
}
END_TEST

/* The receive path copies in-order data into the ring and checks the
 * checksum in the same pass: a damaged segment (a payload byte flipped
 * after the sum) lands only past the data held, is dropped and counted,
 * and neither the data before it nor the good copy after it is touched. */
START_TEST(test_bad_checksum_in_order_data_leaves_ring_intact)
{
	struct capnet_tcp_sock *s = passive_established();
	static const char first[] = "0123456789", second[] = "abcdefghij";
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1, 1024, first, 10, CAPNET_MS(5));
	corrupt_payload_byte = true;
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 11, peer.iss + 1, 1024, "ZZZZZZZZZZ", 10, CAPNET_MS(6));
	corrupt_payload_byte = false;
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_rcvbadsum), 1);
	ck_assert_uint_eq(capnet_tcp_recv_ready(s), 10);
	struct capnet_tcp_info i;
	capnet_tcp_info(s, &i);
	ck_assert_uint_eq(i.rcv_nxt, IRS + 11);
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 11, peer.iss + 1, 1024, second, 10, CAPNET_MS(7));
	uint8_t b[32];
	size_t got;
	ck_assert_int_eq(capnet_tcp_recv(s, b, sizeof b, &got, CAPNET_MS(8)), CAPNET_OK);
	ck_assert_uint_eq(got, 20);
	ck_assert_mem_eq(b, "0123456789abcdefghij", 20);
}
END_TEST

/* Issue 11 defect 7: before an address is configured the interface lets
 * unicast to our MAC through (a DHCP server may unicast its OFFER, RFC 2131
 * 4.1), but TCP still needs a local destination (RFC 1122 3.3.4.2): a SYN
 * to any address is dropped, not answered. */
START_TEST(test_unconfigured_iface_ignores_syn_to_any_address)
{
	teardown();
	no_address = true;
	struct capnet_tcp_config c = test_config();
	make_stack(&c);
	no_address = false;
	ck_assert_int_eq(capnet_tcp_listen(tcp, PORT_A, 4, NULL, &listener), CAPNET_OK);
	struct capnet_tcp_repr syn;
	memset(&syn, 0, sizeof syn);
	syn.src_port = PORT_B;
	syn.dst_port = PORT_A;
	syn.seq = IRS;
	syn.flags = CAPNET_TCP_SYN;
	syn.window = 65535;
	inject_to(&syn, CAPNET_IP4(198, 51, 100, 7), CAPNET_MS(1));
	inject_to(&syn, ip_a, CAPNET_MS(2));
	poll_at(CAPNET_MS(3));
	ck_assert_uint_eq(st.cn.ntx, 0);
	ck_assert_uint_eq(stat(CAPNET_STAT_ip_not_for_us), 2);
	struct capnet_tcp_info li;
	capnet_tcp_info(listener, &li);
	ck_assert_uint_eq(li.syn_queue, 0); /* no half-open connection either */
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_connattempt) + stat(CAPNET_STAT_tcp_accepts), 0);
}
END_TEST

/* Issue 11 defect 3, RFC 6582 3.2: NewReno compares ACKs with `recover`
 * in sequence space, which orders numbers only within 2^31. After 2^31
 * bytes without loss, recover (last set at the ISS or the last recovery)
 * must not look newer than every ACK, or fast retransmit never fires
 * again. The test puts recover just under 2^31 behind snd_una (what a
 * long loss-free transfer leaves), acknowledges one more segment, then
 * sends three duplicate ACKs: the fast retransmission must go. */
START_TEST(test_newreno_recover_kept_within_2_31_of_snd_una)
{
	struct capnet_tcp_sock *s = active_established_plain();
	capnet_instant t = CAPNET_MS(20);
	static uint8_t data[3 * 1460];
	size_t q;
	ck_assert_int_eq(capnet_tcp_send(s, data, sizeof data, &q, t), CAPNET_OK);
	ck_assert_uint_eq(q, sizeof data);
	ck_assert_uint_eq(st.cn.ntx, 3);
	s->recover = s->snd_una - 0x7fffff00u;
	in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1 + 1460, 65535, NULL, 0, t + CAPNET_MS(10));
	capture_nic_clear(&st.cn);
	for (int i = 0; i < 3; i++)
		in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, peer.iss + 1 + 1460, 65535, NULL, 0, t + CAPNET_MS(11 + i));
	ck_assert_uint_eq(stat(CAPNET_STAT_tcp_fast_rexmits), 1);
	ck_assert_uint_ge(st.cn.ntx, 1);
	struct capnet_tcp_repr r;
	tx(0, &r);
	ck_assert_uint_eq(r.seq, peer.iss + 1 + 1460);
	ck_assert_uint_eq(r.payload_len, 1460);
}
END_TEST

START_TEST(test_sock_state_is_compact)
{
	struct capnet_tcp_layer_info l;
	capnet_tcp_layer_info(tcp, &l);
	ck_assert_uint_le(l.sock_state_bytes, 512);
}
END_TEST

/* ---- bad input is data ---- */

/* A raw segment from B: header fields and option bytes as given (any data
 * offset), checksum right, so the parser and the state machine see it. */
static void inject_raw(uint16_t sport, uint32_t seq, uint32_t ack, uint8_t doff, uint8_t flags, uint16_t wnd,
		       const uint8_t *opt, size_t optlen, const uint8_t *data, size_t dlen, capnet_instant now)
{
	uint8_t f[1600];
	memcpy(f, mac_a.b, 6);
	memcpy(f + 6, mac_b.b, 6);
	capnet_put16(f + 12, 0x0800);
	uint8_t *ip = f + 14, *t = f + 34;
	size_t tl = 20 + optlen + dlen;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	capnet_put16(ip + 2, (uint16_t)(20 + tl));
	ip[8] = 64;
	ip[9] = 6;
	capnet_put32(ip + 12, ip_b);
	capnet_put32(ip + 16, ip_a);
	capnet_put16(ip + 10, capnet_csum(ip, 20));
	capnet_put16(t, sport);
	capnet_put16(t + 2, PORT_A);
	capnet_put32(t + 4, seq);
	capnet_put32(t + 8, ack);
	t[12] = (uint8_t)(doff << 4);
	t[13] = flags;
	capnet_put16(t + 14, wnd);
	capnet_put16(t + 16, 0);
	capnet_put16(t + 18, 0);
	memcpy(t + 20, opt, optlen);
	memcpy(t + 20 + optlen, data, dlen);
	capnet_put16(t + 16, capnet_csum_finish(capnet_csum_partial(t, tl, capnet_csum_pseudo4(ip_b, ip_a, 6,
												    (uint16_t)tl))));
	size_t n = 34 + tl < 60 ? 60 : 34 + tl;
	memset(f + 34 + tl, 0, n - 34 - tl);
	capnet_iface_input(st.ifc, f, n, now);
}

START_TEST(test_random_segments_keep_invariants_and_leak_nothing)
{
	struct capnet_tcp_sock *s = passive_established();
	struct capnet_xoshiro x;
	capnet_xoshiro_seed(&x, 4242);
	struct capnet_rng r = capnet_xoshiro_rng(&x);
	static uint8_t data[1500], buf[70000];
	for (size_t k = 0; k < sizeof data; k++)
		data[k] = (uint8_t)capnet_rng_u32(&r);
	capnet_instant t = CAPNET_MS(10);
	uint16_t port = PORT_B;
	unsigned reopened = 0;
	for (int k = 0; k < 30000; k++) {
		t += capnet_rng_below(&r, 20000);
		struct capnet_tcp_info i;
		capnet_tcp_info(s, &i);
		/* Mostly plausible numbers, sometimes anything at all. */
		uint32_t seq = i.rcv_nxt + capnet_rng_below(&r, 4000) - 1000, ack = i.snd_una + capnet_rng_below(&r, 3000) - 500;
		if (capnet_rng_below(&r, 2) == 0)
			seq = i.rcv_nxt;
		if (capnet_rng_below(&r, 8) == 0)
			seq = capnet_rng_u32(&r);
		if (capnet_rng_below(&r, 8) == 0)
			ack = capnet_rng_u32(&r);
		uint8_t flags = (uint8_t)capnet_rng_u32(&r);
		if (capnet_rng_below(&r, 8) != 0)
			flags &= (uint8_t)~(CAPNET_TCP_SYN | CAPNET_TCP_RST);
		if (capnet_rng_below(&r, 16) != 0)
			flags &= (uint8_t)~CAPNET_TCP_FIN;
		if (capnet_rng_below(&r, 8) != 0)
			flags |= CAPNET_TCP_ACK_FLAG;
		uint8_t opt[40];
		size_t optlen = 0;
		if (capnet_rng_below(&r, 4) == 0) {
			/* option bytes at random: the parser's business */
			optlen = 4 * capnet_rng_below(&r, 11);
			for (size_t b = 0; b < optlen; b++)
				opt[b] = (uint8_t)capnet_rng_u32(&r);
		} else {
			if (capnet_rng_below(&r, 8) != 0) {
				/* a timestamp, now and then an old one (PAWS) */
				uint32_t tsv = capnet_rng_below(&r, 16) == 0 ? peer.ts_b - 1000 : peer.ts_b++;
				opt[0] = 1;
				opt[1] = 1;
				opt[2] = 8;
				opt[3] = 10;
				capnet_put32(opt + 4, tsv);
				capnet_put32(opt + 8, capnet_rng_u32(&r));
				optlen = 12;
			}
			unsigned nb = capnet_rng_below(&r, 4);
			if (nb > 0) {
				/* SACK blocks about our data: plausible or not */
				opt[optlen] = 1;
				opt[optlen + 1] = 1;
				opt[optlen + 2] = 5;
				opt[optlen + 3] = (uint8_t)(2 + 8 * nb);
				optlen += 4;
				for (unsigned b = 0; b < nb; b++) {
					uint32_t l = i.snd_una + capnet_rng_below(&r, 20000);
					capnet_put32(opt + optlen, l);
					capnet_put32(opt + optlen + 4, l + capnet_rng_below(&r, 5000));
					optlen += 8;
				}
			}
		}
		uint8_t doff = (uint8_t)(5 + optlen / 4);
		if (capnet_rng_below(&r, 16) == 0)
			doff = (uint8_t)capnet_rng_below(&r, 16);
		size_t dlen = capnet_rng_below(&r, 4) == 0 ? 0 : capnet_rng_below(&r, 1400);
		inject_raw(port, seq, ack, doff, flags, (uint16_t)capnet_rng_u32(&r), opt, optlen, data, dlen, t);
		/* the application does things too */
		size_t n;
		switch (capnet_rng_below(&r, 6)) {
		case 0:
			capnet_tcp_send(s, data, capnet_rng_below(&r, sizeof data), &n, t);
			break;
		case 1:
			capnet_tcp_recv(s, buf, capnet_rng_below(&r, sizeof buf), &n, t);
			break;
		case 2:
			poll_at(t);
			break;
		default:
			break;
		}
		capture_nic_clear(&st.cn);
		capnet_tcp_info(s, &i);
		ck_assert_uint_le(i.sndq_bytes, i.sndq_capacity);
		ck_assert_uint_le(i.rcvq_bytes, i.rcvq_capacity);
		ck_assert_uint_le(i.ooo_bytes + i.rcvq_bytes, i.rcvq_capacity);
		ck_assert(capnet_seq_le(i.snd_una, i.snd_nxt) || i.state == CAPNET_TCP_CLOSED);
		if (i.state == CAPNET_TCP_CLOSED || capnet_rng_below(&r, 3000) == 0) {
			/* reset or closed: open a fresh one from another port */
			capnet_tcp_close(s, t);
			port++;
			peer.port_b = port;
			struct capnet_tcp_repr syn;
			memset(&syn, 0, sizeof syn);
			syn.src_port = port;
			syn.dst_port = PORT_A;
			syn.seq = IRS;
			syn.flags = CAPNET_TCP_SYN;
			syn.window = 65535;
			syn.opt.has_timestamp = true;
			syn.opt.ts_val = peer.ts_b;
			syn.opt.sack_permitted = true;
			syn.opt.has_wscale = true;
			syn.opt.wscale = 3;
			capture_nic_clear(&st.cn);
			inject(&syn, t);
			if (st.cn.ntx == 0)
				continue; /* table full of lingering ones: try later */
			struct capnet_tcp_repr sa;
			tx(0, &sa);
			peer.ts_a0 = sa.opt.ts_val - (uint32_t)(t / 1000);
			in_seg(CAPNET_TCP_ACK_FLAG, IRS + 1, sa.seq + 1, 4000, NULL, 0, t);
			ck_assert_int_eq(capnet_tcp_accept(listener, &s), CAPNET_OK);
			reopened++;
		}
	}
	ck_assert_uint_gt(reopened, 5);
	/* every kind of trouble was met, and counted */
	static const enum capnet_stat met[] = {
		CAPNET_STAT_tcp_rcvbadopt, CAPNET_STAT_tcp_rcvbadoff, CAPNET_STAT_tcp_rcvshort,
		CAPNET_STAT_tcp_rcvoutofwindow, CAPNET_STAT_tcp_challenge_acks, CAPNET_STAT_tcp_paws_drops,
		CAPNET_STAT_tcp_rcvpack, CAPNET_STAT_tcp_ooo_queued, CAPNET_STAT_tcp_rcvrst, CAPNET_STAT_tcp_rcvackbad,
	};
	for (size_t k = 0; k < sizeof met / sizeof met[0]; k++) {
		if (getenv("TCP_FUZZ_VERBOSE"))
			fprintf(stderr, "%s %llu\n", capnet_stat_name(met[k]), (unsigned long long)stat(met[k]));
		ck_assert_msg(stat(met[k]) > 0, "%s never moved", capnet_stat_name(met[k]));
	}
	/* The end: close, let every timer run out; nothing may be left. */
	capnet_tcp_close(s, t);
	for (int k = 0; k < 1000; k++) {
		capnet_instant next = poll_at(t);
		capture_nic_clear(&st.cn);
		if (next == CAPNET_INSTANT_NEVER)
			break;
		t = next > t ? next : t + 1;
	}
	struct capnet_tcp_layer_info l;
	capnet_tcp_layer_info(tcp, &l);
	ck_assert_uint_eq(l.sockets_in_use, 1);
	ck_assert_uint_eq(l.pool_in_use, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tcp");
	TCase *tc = check_add_case(s, "tcp", setup, teardown, 0);
	tcase_add_test(tc, test_passive_open_synack_options_then_established);
	tcase_add_test(tc, test_active_open_syn_options_and_ack);
	tcase_add_test(tc, test_active_open_without_options_falls_back);
	tcase_add_test(tc, test_simultaneous_open);
	tcase_add_test(tc, test_connect_refused_by_rst);
	tcase_add_test(tc, test_syn_retransmit_backoff_then_timeout);
	tcase_add_test(tc, test_delayed_ack_single_segment_at_the_default_40ms);
	tcase_add_test(tc, test_second_full_segment_acked_at_once);
	tcase_add_test(tc, test_out_of_order_sacked_then_filled);
	tcase_add_test(tc, test_bad_checksum_counted_and_dropped);
	tcase_add_test(tc, test_sequence_wraparound);
	tcase_add_test(tc, test_bad_checksum_in_order_data_leaves_ring_intact);
	tcase_add_test(tc, test_rto_retransmit_and_backoff_doubling);
	tcase_add_test(tc, test_max_retries_ends_with_timedout);
	tcase_add_test(tc, test_fast_retransmit_on_three_dupacks);
	tcase_add_test(tc, test_sack_recovery_retransmits_the_hole);
	tcase_add_test(tc, test_zero_window_persist_probe);
	tcase_add_test(tc, test_zero_window_receiver_answers_probe);
	tcase_add_test(tc, test_passive_close_close_wait_last_ack);
	tcase_add_test(tc, test_active_close_fin_wait_time_wait_expiry);
	tcase_add_test(tc, test_simultaneous_close_closing_then_time_wait);
	tcase_add_test(tc, test_close_with_unread_data_resets);
	tcase_add_test(tc, test_rst_in_time_wait_closes_unless_rfc1337);
	tcase_add_test(tc, test_frag_needed_lowers_mss_and_resends);
	tcase_add_test(tc, test_frag_needed_takes_the_next_hop_mtu_reported);
	tcase_add_test(tc, test_frag_needed_mtu_floor_576_and_never_up);
	tcase_add_test(tc, test_frag_needed_with_a_short_quote_is_ignored);
	tcase_add_test(tc, test_rst_to_closed_port);
	tcase_add_test(tc, test_rst_validation_and_challenge_ack);
	tcase_add_test(tc, test_challenge_acks_rate_limited);
	tcase_add_test(tc, test_paws_drops_old_timestamp);
	tcase_add_test(tc, test_backlog_overflow_drops_syn);
	tcase_add_test(tc, test_syn_backlog_bounds_half_open);
	tcase_add_test(tc, test_half_open_for_unresolvable_peer_reclaimed_after_one_rto);
	tcase_add_test(tc, test_syncookie_encoding_exact);
	tcase_add_test(tc, test_syncookie_mss_table_and_tsval_bits);
	tcase_add_test(tc, test_listener_close_resets_unaccepted);
	tcase_add_test(tc, test_keepalive_probes_then_timeout);
	tcase_add_test(tc, test_user_timeout);
	tcase_add_test(tc, test_notify_on_data_and_not_on_own_calls);
	tcase_add_test(tc, test_sock_state_is_compact);
	tcase_add_test(tc, test_unconfigured_iface_ignores_syn_to_any_address);
	tcase_add_test(tc, test_newreno_recover_kept_within_2_31_of_snd_una);
	tcase_add_test(tc, test_random_segments_keep_invariants_and_leak_nothing);
	return s;
}
