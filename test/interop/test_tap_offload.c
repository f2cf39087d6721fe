/* TAP offloads without root: the TSO cutter and checksum completion as
 * pure functions over built frames, then the backend itself with
 * `offload` over a SOCK_SEQPACKET socket whose other end plays the kernel
 * (virtio-net header first in every message, as on an IFF_VNET_HDR fd):
 * a super-frame comes out as ordinary segments a stack accepts, a partial
 * checksum comes out complete, what the stack sends goes out behind an
 * all-zero header, and bad headers are counted and skipped. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capnet/host/tap.h"
#include "capnet/iface.h"
#include "capnet/rng.h"
#include "capnet/tcp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "check_main.h"
#include "host/tap/tap_gso.h"

static const uint8_t mac_stack[6] = {0x02, 0, 0, 0, 0, 0x02}, mac_linux[6] = {0x02, 0, 0, 0, 0, 0x01};

/* A TSO super-frame from 192.0.2.1:40000 to 192.0.2.2:9: `vlan` adds an
 * 802.1Q tag; the TCP header carries 12 bytes of options; the payload is
 * a function of the offset. Returns the frame length. */
static size_t build_super(uint8_t *f, bool vlan, size_t payload, uint8_t flags, uint32_t seq)
{
	size_t l3 = vlan ? 18 : 14;
	memcpy(f, mac_stack, 6);
	memcpy(f + 6, mac_linux, 6);
	if (vlan) {
		capnet_put16(f + 12, 0x8100);
		capnet_put16(f + 14, 42);
	}
	capnet_put16(f + l3 - 2, 0x0800);
	uint8_t *ip = f + l3;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	capnet_put16(ip + 2, (uint16_t)(20 + 32 + payload)); /* as the kernel leaves it: the whole */
	capnet_put16(ip + 4, 0x1234);
	capnet_put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 6;
	capnet_put32(ip + 12, CAPNET_IP4(192, 0, 2, 1));
	capnet_put32(ip + 16, CAPNET_IP4(192, 0, 2, 2));
	uint8_t *tcp = ip + 20;
	memset(tcp, 0, 32);
	capnet_put16(tcp, 40000);
	capnet_put16(tcp + 2, 9);
	capnet_put32(tcp + 4, seq);
	capnet_put32(tcp + 8, 777);
	tcp[12] = 8 << 4;
	tcp[13] = flags;
	capnet_put16(tcp + 14, 1000);
	/* NOP NOP TS */
	tcp[20] = 1;
	tcp[21] = 1;
	tcp[22] = 8;
	tcp[23] = 10;
	capnet_put32(tcp + 24, 11111);
	capnet_put32(tcp + 28, 22222);
	for (size_t i = 0; i < payload; i++)
		tcp[32 + i] = (uint8_t)(i * 13 + (i >> 8));
	return l3 + 20 + 32 + payload;
}

static const struct tap_vnet_hdr tso = {.flags = TAP_VNET_F_NEEDS_CSUM,
					.gso_type = TAP_VNET_GSO_TCPV4,
					.hdr_len = 66,
					.gso_size = 1448,
					.csum_start = 34,
					.csum_offset = 16};

/* Every segment is a well-formed frame: lengths, ids, sums, sequence,
 * flags, and the payloads put back together give the original. */
static void check_segments(bool vlan, size_t payload, uint8_t flags)
{
	static uint8_t f[70000], seg[2000], joined[70000];
	size_t len = build_super(f, vlan, payload, flags, 0xfffff000u); /* the sequence wraps */
	size_t l3 = vlan ? 18 : 14;
	struct tap_gso g;
	ck_assert(tap_gso_init(&g, f, len, &tso));
	ck_assert_uint_eq(g.nseg, (payload + 1447) / 1448);
	size_t got = 0;
	for (size_t k = 0; k < g.nseg; k++) {
		size_t n = tap_gso_segment(&g, k, seg, sizeof seg);
		size_t plen = payload - k * 1448 < 1448 ? payload - k * 1448 : 1448;
		ck_assert_uint_eq(n, l3 + 20 + 32 + plen);
		ck_assert_mem_eq(seg, f, l3); /* Ethernet and tag as they were */
		const uint8_t *ip = seg + l3, *tcp = ip + 20;
		ck_assert_uint_eq(capnet_get16(ip + 2), 20 + 32 + plen);
		ck_assert_uint_eq(capnet_get16(ip + 4), 0x1234 + k);
		ck_assert_uint_eq(capnet_csum(ip, 20), 0);
		ck_assert_uint_eq(capnet_get32(tcp + 4), (uint32_t)(0xfffff000u + k * 1448));
		uint32_t pseudo = capnet_csum_pseudo4(capnet_get32(ip + 12), capnet_get32(ip + 16), 6, (uint16_t)(32 + plen));
		ck_assert_uint_eq(capnet_csum_finish(capnet_csum_partial(tcp, 32 + plen, pseudo)), 0);
		uint8_t want = flags;
		if (k > 0)
			want &= (uint8_t)~0x80; /* CWR: first only */
		if (k + 1 < g.nseg)
			want &= (uint8_t)~0x09; /* FIN, PSH: last only */
		ck_assert_uint_eq(tcp[13], want);
		ck_assert_mem_eq(tcp + 20, f + l3 + 40, 12); /* options kept */
		memcpy(joined + got, tcp + 32, plen);
		got += plen;
	}
	ck_assert_uint_eq(got, payload);
	ck_assert_mem_eq(joined, f + l3 + 52, payload);
	ck_assert_uint_eq(tap_gso_segment(&g, g.nseg, seg, sizeof seg), 0);
}

START_TEST(test_gso_cuts_a_super_frame_into_valid_segments)
{
	check_segments(false, 64000, 0x18 | 0x01 | 0x80); /* PSH ACK FIN CWR */
	check_segments(false, 1448 * 3, 0x10);             /* an exact multiple */
	check_segments(false, 1, 0x18);                    /* one short segment */
	check_segments(true, 5000, 0x19);                  /* 802.1Q tagged */
}
END_TEST

START_TEST(test_gso_refuses_what_it_cannot_cut)
{
	static uint8_t f[10000], seg[2000];
	size_t len = build_super(f, false, 3000, 0x10, 1);
	struct tap_gso g;
	struct tap_vnet_hdr h = tso;
	h.gso_type = 4; /* TCPV6 */
	ck_assert(!tap_gso_init(&g, f, len, &h));
	h = tso;
	h.gso_size = 0;
	ck_assert(!tap_gso_init(&g, f, len, &h));
	ck_assert(!tap_gso_init(&g, f, 14 + 20 + 31, &tso)); /* TCP header cut */
	ck_assert(!tap_gso_init(&g, f, 14 + 20 + 32, &tso)); /* no payload */
	f[14 + 9] = 17;                                      /* UDP */
	ck_assert(!tap_gso_init(&g, f, len, &tso));
	f[14 + 9] = 6;
	capnet_put16(f + 14 + 6, 0x2000); /* more fragments */
	ck_assert(!tap_gso_init(&g, f, len, &tso));
	capnet_put16(f + 14 + 6, 0x4000);
	f[14] = 0x44; /* IHL 16 */
	ck_assert(!tap_gso_init(&g, f, len, &tso));
	f[14] = 0x45;
	ck_assert(tap_gso_init(&g, f, len, &tso));
	ck_assert_uint_eq(tap_gso_segment(&g, 0, seg, 100), 0); /* does not fit */
	/* ECN-capable TSO is cut the same way */
	h = tso;
	h.gso_type = TAP_VNET_GSO_TCPV4 | TAP_VNET_GSO_ECN;
	ck_assert(tap_gso_init(&g, f, len, &h));
}
END_TEST

START_TEST(test_csum_complete_finishes_a_partial_checksum)
{
	/* A UDP datagram whose checksum field holds the pseudo-header sum. */
	uint8_t f[14 + 20 + 8 + 5] = {0};
	memcpy(f, mac_stack, 6);
	capnet_put16(f + 12, 0x0800);
	uint8_t *ip = f + 14, *udp = ip + 20;
	ip[0] = 0x45;
	capnet_put16(ip + 2, 33);
	ip[9] = 17;
	capnet_put32(ip + 12, CAPNET_IP4(192, 0, 2, 1));
	capnet_put32(ip + 16, CAPNET_IP4(192, 0, 2, 2));
	capnet_put16(udp, 5353);
	capnet_put16(udp + 2, 7);
	capnet_put16(udp + 4, 13);
	memcpy(udp + 8, "hello", 5);
	uint32_t pseudo = capnet_csum_pseudo4(CAPNET_IP4(192, 0, 2, 1), CAPNET_IP4(192, 0, 2, 2), 17, 13);
	while (pseudo >> 16)
		pseudo = (pseudo & 0xffff) + (pseudo >> 16);
	capnet_put16(udp + 6, (uint16_t)pseudo);
	struct tap_vnet_hdr h = {.flags = TAP_VNET_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6};
	ck_assert(tap_csum_complete(f, sizeof f, &h));
	ck_assert_uint_eq(capnet_csum_finish(capnet_csum_partial(udp, 13, capnet_csum_pseudo4(CAPNET_IP4(192, 0, 2, 1),
												   CAPNET_IP4(192, 0, 2, 2),
												   17, 13))),
			  0);
	h.csum_start = sizeof f;
	ck_assert(!tap_csum_complete(f, sizeof f, &h));
	h.csum_start = 34;
	h.csum_offset = 12; /* the field would lie past the end */
	ck_assert(!tap_csum_complete(f, sizeof f, &h));
}
END_TEST

START_TEST(test_vnet_header_round_trips_little_endian)
{
	uint8_t p[TAP_VNET_HDR_LEN];
	tap_vnet_emit(&tso, p);
	ck_assert_uint_eq(p[4], 1448 & 0xff);
	ck_assert_uint_eq(p[5], 1448 >> 8);
	struct tap_vnet_hdr h;
	tap_vnet_parse(p, &h);
	ck_assert_mem_eq(&h, &tso, sizeof h);
}
END_TEST

/* ---- the backend with offloads over a socketpair ---- */

struct rig {
	int peer;
	struct capnet_tap *tap;
};

static void rig_open(struct rig *r)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	int big = 1 << 20;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	r->peer = sv[1];
	char err[CAPNET_TAP_ERRBUF_SIZE];
	struct capnet_tap_options o = {.mtu = 1500, .offload = true};
	memcpy(o.mac.b, mac_stack, 6);
	ck_assert_int_eq(capnet_tap_open_fd(sv[0], &o, &r->tap, err, sizeof err), CAPNET_OK);
}

static void peer_send(struct rig *r, const struct tap_vnet_hdr *h, const uint8_t *f, size_t len)
{
	static uint8_t msg[70000];
	tap_vnet_emit(h, msg);
	memcpy(msg + TAP_VNET_HDR_LEN, f, len);
	ck_assert_int_eq(send(r->peer, msg, TAP_VNET_HDR_LEN + len, 0), (ssize_t)(TAP_VNET_HDR_LEN + len));
}

START_TEST(test_backend_hands_out_segments_and_sends_behind_a_zero_header)
{
	struct rig r;
	rig_open(&r);
	struct capnet_nic *nic = capnet_tap_nic(r.tap);
	static uint8_t f[70000], buf[1518];
	size_t len = build_super(f, false, 10000, 0x18, 5000);
	peer_send(&r, &tso, f, len);
	/* a plain frame behind it, checksum left partial */
	uint8_t plain[60] = {0};
	memcpy(plain, mac_stack, 6);
	capnet_put16(plain + 12, 0x0806);
	peer_send(&r, &(struct tap_vnet_hdr){0}, plain, sizeof plain);
	uint32_t seq = 5000;
	size_t got = 0, n = 0;
	for (int k = 0; k < 7; k++) {
		ck_assert_int_eq(nic->ops->receive(nic->dev, buf, sizeof buf, &n), CAPNET_OK);
		ck_assert_uint_eq(capnet_get32(buf + 14 + 20 + 4), seq);
		size_t plen = n - 66;
		seq += (uint32_t)plen;
		got += plen;
	}
	ck_assert_uint_eq(got, 10000);
	ck_assert_int_eq(nic->ops->receive(nic->dev, buf, sizeof buf, &n), CAPNET_OK);
	ck_assert_uint_eq(n, sizeof plain);
	ck_assert_mem_eq(buf, plain, sizeof plain);
	ck_assert_int_eq(nic->ops->receive(nic->dev, buf, sizeof buf, &n), CAPNET_E_AGAIN);
	/* A header that is not one, and a super-frame that cannot be cut, are
	 * counted and skipped. */
	uint8_t junk[4] = {1, 2, 3, 4};
	ck_assert_int_eq(send(r.peer, junk, sizeof junk, 0), 4);
	struct tap_vnet_hdr v6 = tso;
	v6.gso_type = 4;
	peer_send(&r, &v6, f, len);
	ck_assert_int_eq(nic->ops->receive(nic->dev, buf, sizeof buf, &n), CAPNET_E_AGAIN);
	struct capnet_tap_stats st;
	capnet_tap_get_stats(r.tap, &st);
	ck_assert_uint_eq(st.rx_gso_frames, 1);
	ck_assert_uint_eq(st.rx_gso_segments, 7);
	ck_assert_uint_eq(st.rx_offload_errors, 2);
	ck_assert_uint_eq(st.rx_frames, 4);
	/* What the stack sends goes out behind ten zero bytes. */
	ck_assert_int_eq(nic->ops->transmit(nic->dev, plain, sizeof plain), CAPNET_OK);
	uint8_t out[200];
	ck_assert_int_eq(recv(r.peer, out, sizeof out, MSG_DONTWAIT), TAP_VNET_HDR_LEN + (ssize_t)sizeof plain);
	static const uint8_t zero[TAP_VNET_HDR_LEN];
	ck_assert_mem_eq(out, zero, TAP_VNET_HDR_LEN);
	ck_assert_mem_eq(out + TAP_VNET_HDR_LEN, plain, sizeof plain);
	capnet_tap_close(r.tap);
	close(r.peer);
}
END_TEST

/* An option-free TCP segment 192.0.2.1:40000 -> 192.0.2.2:9 with valid
 * sums (a super-frame when dlen exceeds the MSS: the cutter redoes them). */
static size_t build_seg(uint8_t *f, uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *data, size_t dlen)
{
	memcpy(f, mac_stack, 6);
	memcpy(f + 6, mac_linux, 6);
	capnet_put16(f + 12, 0x0800);
	uint8_t *ip = f + 14, *tcp = ip + 20;
	memset(ip, 0, 40);
	ip[0] = 0x45;
	capnet_put16(ip + 2, (uint16_t)(40 + dlen));
	capnet_put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	capnet_put32(ip + 12, CAPNET_IP4(192, 0, 2, 1));
	capnet_put32(ip + 16, CAPNET_IP4(192, 0, 2, 2));
	capnet_put16(ip + 10, capnet_csum(ip, 20));
	capnet_put16(tcp, 40000);
	capnet_put16(tcp + 2, 9);
	capnet_put32(tcp + 4, seq);
	capnet_put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	capnet_put16(tcp + 14, 65535);
	if (dlen > 0)
		memcpy(tcp + 20, data, dlen);
	uint32_t ps = capnet_csum_pseudo4(CAPNET_IP4(192, 0, 2, 1), CAPNET_IP4(192, 0, 2, 2), 6, (uint16_t)(20 + dlen));
	capnet_put16(tcp + 16, capnet_csum_finish(capnet_csum_partial(tcp, 20 + dlen, ps)));
	return 54 + dlen;
}

/* A stack behind the backend (plain or with offloads), with a connection
 * 192.0.2.1:40000 -> 192.0.2.2:9 opened by hand: ARP, SYN, the SYN-ACK
 * read back, the ACK. The peer's next sequence number is 100; ack is
 * what it must acknowledge (the stack's ISS + 1). */
struct stack_rig {
	struct rig r;
	void *mem;
	struct capnet_iface *ifc;
	struct capnet_tcp *tcp;
	struct capnet_tcp_sock *l, *s;
	uint32_t ack;
	bool vnet;
};

static void peer_frame(struct stack_rig *sr, const struct tap_vnet_hdr *h, const uint8_t *f, size_t len)
{
	static const struct tap_vnet_hdr none;
	if (sr->vnet) {
		peer_send(&sr->r, h != NULL ? h : &none, f, len);
		return;
	}
	ck_assert_int_eq(send(sr->r.peer, f, len, 0), (ssize_t)len);
}

/* The frames the stack sent since the last call, Ethernet first. */
static size_t stack_sent(struct stack_rig *sr, uint8_t (*out)[2000], size_t *lens, size_t max)
{
	size_t k = 0, skip = sr->vnet ? TAP_VNET_HDR_LEN : 0;
	uint8_t msg[2000];
	ssize_t n;
	while ((n = recv(sr->r.peer, msg, sizeof msg, MSG_DONTWAIT)) > 0) {
		ck_assert_uint_gt((size_t)n, skip);
		if (k < max) {
			memcpy(out[k], msg + skip, (size_t)n - skip);
			lens[k] = (size_t)n - skip;
		}
		k++;
	}
	return k;
}

/* ring: the io_uring transport instead of read() and write() */
static void stack_rig_open(struct stack_rig *sr, bool vnet, bool ring)
{
	memset(sr, 0, sizeof *sr);
	sr->vnet = vnet;
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	int big = 1 << 21;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	sr->r.peer = sv[1];
	char err[CAPNET_TAP_ERRBUF_SIZE];
	struct capnet_tap_options o = {.mtu = 1500, .offload = vnet, .ring = ring};
	memcpy(o.mac.b, mac_stack, 6);
	ck_assert_int_eq(capnet_tap_open_fd(sv[0], &o, &sr->r.tap, err, sizeof err), CAPNET_OK);
	struct capnet_tcp_config cfg = {.max_sockets = 4, .rcvbuf = 1 << 17, .sndbuf = 1 << 17};
	/* with offloads, TCP may hand the kernel super-frames (TSO) */
	struct capnet_iface_config icfg = {.tso_max = vnet ? 65535 : 0};
	size_t need = capnet_iface_arena_need(&icfg, 1500) + capnet_tcp_arena_need(&cfg) + 4096;
	sr->mem = malloc(need);
	struct capnet_arena arena;
	capnet_arena_init(&arena, sr->mem, need);
	static struct capnet_xoshiro x;
	capnet_xoshiro_seed(&x, 3);
	ck_assert_int_eq(capnet_iface_create(&arena, &icfg, capnet_tap_nic(sr->r.tap), capnet_xoshiro_rng(&x), &sr->ifc),
			 CAPNET_OK);
	ck_assert_uint_eq(capnet_iface_tso_max(sr->ifc), vnet ? 65535 - 14 : 0);
	ck_assert_int_eq(capnet_tcp_create(&arena, &cfg, sr->ifc, &sr->tcp), CAPNET_OK);
	struct capnet_ip4_config ipc = {CAPNET_IP4(192, 0, 2, 2), 24, 0, CAPNET_PROV_STATIC};
	capnet_iface_set_ip4(sr->ifc, &ipc, 0);
	ck_assert_int_eq(capnet_tcp_listen(sr->tcp, 9, 1, NULL, &sr->l), CAPNET_OK);
	/* Linux asks who has 192.0.2.2: the stack learns 192.0.2.1 from it. */
	uint8_t arp[60] = {0};
	memset(arp, 0xff, 6);
	memcpy(arp + 6, mac_linux, 6);
	capnet_put16(arp + 12, 0x0806);
	capnet_put16(arp + 14, 1);
	capnet_put16(arp + 16, 0x0800);
	arp[18] = 6;
	arp[19] = 4;
	capnet_put16(arp + 20, 1);
	memcpy(arp + 22, mac_linux, 6);
	capnet_put32(arp + 28, CAPNET_IP4(192, 0, 2, 1));
	capnet_put32(arp + 38, CAPNET_IP4(192, 0, 2, 2));
	peer_frame(sr, NULL, arp, sizeof arp);
	static uint8_t f[2000];
	peer_frame(sr, NULL, f, build_seg(f, 0x02, 99, 0, NULL, 0));
	capnet_iface_poll(sr->ifc, 1000);
	static uint8_t out[8][2000];
	size_t lens[8];
	size_t k = stack_sent(sr, out, lens, 8);
	bool synack = false;
	for (size_t i = 0; i < k && i < 8; i++) {
		const uint8_t *e = out[i];
		if (lens[i] >= 54 && capnet_get16(e + 12) == 0x0800 && e[23] == 6 && e[47] == 0x12) {
			synack = true;
			sr->ack = capnet_get32(e + 38) + 1;
		}
	}
	ck_assert(synack);
	peer_frame(sr, NULL, f, build_seg(f, 0x10, 100, sr->ack, NULL, 0));
	capnet_iface_poll(sr->ifc, 1500);
	ck_assert_int_eq(capnet_tcp_accept(sr->l, &sr->s), CAPNET_OK);
	ck_assert_uint_eq(stack_sent(sr, out, lens, 8), 0);
}

static void stack_rig_close(struct stack_rig *sr)
{
	capnet_tap_close(sr->r.tap);
	close(sr->r.peer);
	free(sr->mem);
}

/* Asserts one frame is the stack's pure ACK of `ack` on the connection:
 * addresses, ports, SEQ, ACK, flags, header length, both checksums. */
static void assert_pure_ack(const uint8_t *e, size_t len, uint32_t seq, uint32_t ack)
{
	ck_assert_uint_eq(len, 60); /* 54 bytes, padded to Ethernet's minimum */
	ck_assert_mem_eq(e, mac_linux, 6);
	ck_assert_mem_eq(e + 6, mac_stack, 6);
	ck_assert_uint_eq(capnet_get16(e + 12), 0x0800);
	const uint8_t *ip = e + 14, *tcp = ip + 20;
	ck_assert_uint_eq(ip[0], 0x45);
	ck_assert_uint_eq(capnet_get16(ip + 2), 40);
	ck_assert_uint_eq(ip[9], 6);
	ck_assert_uint_eq(capnet_csum(ip, 20), 0);
	ck_assert_uint_eq(capnet_get32(ip + 12), CAPNET_IP4(192, 0, 2, 2));
	ck_assert_uint_eq(capnet_get32(ip + 16), CAPNET_IP4(192, 0, 2, 1));
	ck_assert_uint_eq(capnet_get16(tcp), 9);
	ck_assert_uint_eq(capnet_get16(tcp + 2), 40000);
	ck_assert_uint_eq(capnet_get32(tcp + 4), seq);
	ck_assert_uint_eq(capnet_get32(tcp + 8), ack);
	ck_assert_uint_eq(tcp[12], 5 << 4);
	ck_assert_uint_eq(tcp[13], 0x10);
	uint32_t ps = capnet_csum_pseudo4(CAPNET_IP4(192, 0, 2, 2), CAPNET_IP4(192, 0, 2, 1), 6, 20);
	ck_assert_uint_eq(capnet_csum_finish(capnet_csum_partial(tcp, 20, ps)), 0);
}

static uint8_t test_data[20000];

static void fill_data(void)
{
	for (size_t i = 0; i < sizeof test_data; i++)
		test_data[i] = (uint8_t)(i * 31 + 7);
}

static void read_all(struct stack_rig *sr, size_t want)
{
	static uint8_t rd[70000];
	size_t got = 0, g = 0;
	while (got < want && capnet_tcp_recv(sr->s, rd + got, sizeof rd - got, &g, 2100) == CAPNET_OK)
		got += g;
	ck_assert_uint_eq(got, want);
	ck_assert_mem_eq(rd, test_data, want);
}

/* GRO with offloads: 20,000 bytes in one TSO super-frame (14 segments of
 * 1460) are taken into TCP whole -- the stack answers with exactly one
 * ACK, of all of it (RFC 5681 4.2: at least every second full segment is
 * ACKed; a super-frame counts as its 14), where the same bytes as 14
 * frames would draw 7. */
START_TEST(test_stack_acks_a_super_frame_once)
{
	struct stack_rig sr;
	stack_rig_open(&sr, true, _i == 1);
	fill_data();
	static uint8_t f[70000];
	struct tap_vnet_hdr h = tso;
	h.gso_size = 1460;
	h.hdr_len = 54;
	peer_frame(&sr, &h, f, build_seg(f, 0x18, 100, sr.ack, test_data, sizeof test_data));
	capnet_iface_poll(sr.ifc, 2000);
	static uint8_t out[8][2000];
	size_t lens[8];
	ck_assert_uint_eq(stack_sent(&sr, out, lens, 8), 1);
	assert_pure_ack(out[0], lens[0], sr.ack, 100 + sizeof test_data);
	struct capnet_tap_stats st;
	capnet_tap_get_stats(sr.r.tap, &st);
	ck_assert_uint_eq(st.rx_gro_frames, 1);
	ck_assert_uint_eq(st.rx_gro_segments, 14);
	ck_assert_uint_eq(st.rx_gso_segments, 0); /* nothing cut */
	struct capnet_tcp_info ti;
	ck_assert_int_eq(capnet_tcp_info(sr.s, &ti), CAPNET_OK);
	ck_assert_uint_eq(ti.segs_in, 1 + 14); /* the handshake's ACK, then the 14 */
	read_all(&sr, sizeof test_data);
	stack_rig_close(&sr);
}
END_TEST

/* A super-frame whose checksum the kernel does not vouch for (neither
 * NEEDS_CSUM at the TCP checksum nor DATA_VALID), or whose IPv4 length
 * disagrees with what was read, is cut and checked segment by segment as
 * before: 14 segments, an ACK after every second. The rig's peer sent no
 * MSS option (536 assumed, RFC 9293 3.7.1) yet sends 1460-byte segments,
 * so the segment itself is the measure of full-sized: the 13th and the
 * short 14th together pass two of the 14th's size and are ACKed at once,
 * as Linux ACKs more than one rcv_mss unacknowledged. */
START_TEST(test_stack_cuts_a_super_frame_it_cannot_trust)
{
	struct stack_rig sr;
	stack_rig_open(&sr, true, _i == 1);
	fill_data();
	static uint8_t f[70000];
	struct tap_vnet_hdr h = tso;
	h.gso_size = 1460;
	h.hdr_len = 54;
	h.flags = 0;
	peer_frame(&sr, &h, f, build_seg(f, 0x18, 100, sr.ack, test_data, sizeof test_data));
	capnet_iface_poll(sr.ifc, 2000);
	static uint8_t out[16][2000];
	size_t lens[16];
	ck_assert_uint_eq(stack_sent(&sr, out, lens, 16), 7);
	for (size_t i = 0; i < 6; i++)
		assert_pure_ack(out[i], lens[i], sr.ack, (uint32_t)(100 + 2 * 1460 * (i + 1)));
	assert_pure_ack(out[6], lens[6], sr.ack, (uint32_t)(100 + sizeof test_data));
	/* NEEDS_CSUM somewhere else than the TCP checksum field: not trusted */
	h.flags = TAP_VNET_F_NEEDS_CSUM;
	h.csum_offset = 6;
	size_t len = build_seg(f, 0x18, 100 + sizeof test_data, sr.ack, test_data, 2920);
	peer_frame(&sr, &h, f, len);
	capnet_iface_poll(sr.ifc, 2001);
	struct capnet_tap_stats st;
	capnet_tap_get_stats(sr.r.tap, &st);
	ck_assert_uint_eq(st.rx_gro_frames, 0);
	ck_assert_uint_eq(st.rx_gso_frames, 2);
	ck_assert_uint_eq(st.rx_gso_segments, 16);
	stack_rig_close(&sr);
}
END_TEST

/* GRO without offloads: 14 in-order segments read in one wakeup are
 * joined before TCP sees them: one ACK. A segment out of order, or one
 * with a bad checksum, is not joined (it reaches TCP alone, which drops
 * the latter and ACKs the former's gap at once). */
START_TEST(test_plain_segments_read_together_draw_one_ack)
{
	struct stack_rig sr;
	stack_rig_open(&sr, false, _i == 1);
	fill_data();
	static uint8_t f[2000];
	for (size_t k = 0; k < 14; k++) {
		size_t off = k * 1460, n = sizeof test_data - off < 1460 ? sizeof test_data - off : 1460;
		peer_frame(&sr, NULL, f,
			   build_seg(f, k == 13 ? 0x18 : 0x10, (uint32_t)(100 + off), sr.ack, test_data + off, n));
	}
	capnet_iface_poll(sr.ifc, 2000);
	static uint8_t out[16][2000];
	size_t lens[16];
	ck_assert_uint_eq(stack_sent(&sr, out, lens, 16), 1);
	assert_pure_ack(out[0], lens[0], sr.ack, 100 + sizeof test_data);
	struct capnet_tap_stats st;
	capnet_tap_get_stats(sr.r.tap, &st);
	ck_assert_uint_eq(st.rx_gro_frames, 1);
	ck_assert_uint_eq(st.rx_gro_segments, 14);
	read_all(&sr, sizeof test_data);
	/* two in order, then a gap: the two join, the third comes alone and
	 * draws a duplicate ACK; a corrupted fourth is dropped by TCP */
	uint32_t base = 100 + sizeof test_data;
	peer_frame(&sr, NULL, f, build_seg(f, 0x10, base, sr.ack, test_data, 1460));
	peer_frame(&sr, NULL, f, build_seg(f, 0x10, base + 1460, sr.ack, test_data, 1460));
	peer_frame(&sr, NULL, f, build_seg(f, 0x10, base + 4 * 1460, sr.ack, test_data, 1460));
	size_t len = build_seg(f, 0x10, base + 2 * 1460, sr.ack, test_data, 1460);
	f[len - 1] ^= 0x55;
	peer_frame(&sr, NULL, f, len);
	capnet_iface_poll(sr.ifc, 3000);
	size_t k = stack_sent(&sr, out, lens, 16);
	ck_assert_uint_eq(k, 2);
	assert_pure_ack(out[0], lens[0], sr.ack, base + 2 * 1460);
	ck_assert_uint_eq(capnet_get32(out[1] + 14 + 20 + 8), base + 2 * 1460); /* the duplicate, with SACK */
	capnet_tap_get_stats(sr.r.tap, &st);
	ck_assert_uint_eq(st.rx_gro_frames, 2);
	ck_assert_uint_eq(st.rx_gro_segments, 16);
	ck_assert_uint_eq(capnet_iface_stats(sr.ifc)->v[CAPNET_STAT_tcp_rcvbadsum], 1);
	stack_rig_close(&sr);
}
END_TEST

/* The raw messages the stack wrote since the last call, headers and all. */
static size_t peer_msgs(struct stack_rig *sr, uint8_t (*out)[70000], size_t *lens, size_t max)
{
	size_t k = 0;
	ssize_t n;
	while (k < max && (n = recv(sr->r.peer, out[k], sizeof out[k], MSG_DONTWAIT)) > 0)
		lens[k++] = (size_t)n;
	return k;
}

/* TSO: with offloads the stack hands the kernel what cwnd allows as one
 * super-frame (the peer sent no MSS option: 536-byte segments, RFC 9293
 * 3.7.1; the initial window is 4 of them, RFC 3390) behind a virtio-net
 * header that asks the kernel to cut it: GSO_TCPV4, gso_size 536, hdr_len
 * 54, NEEDS_CSUM at the TCP checksum (offset 34 + 16) whose field holds
 * the pseudo-header sum. cwnd is still counted in segments: after the
 * one ACK of all four, slow start allows five (RFC 5681 3.1: one SMSS
 * per ACK). */
START_TEST(test_stack_sends_super_frames_for_the_kernel_to_cut)
{
	struct stack_rig sr;
	stack_rig_open(&sr, true, _i == 1);
	fill_data();
	size_t put = 0;
	ck_assert_int_eq(capnet_tcp_send(sr.s, test_data, sizeof test_data, &put, 2000), CAPNET_OK);
	ck_assert_uint_eq(put, sizeof test_data);
	capnet_iface_poll(sr.ifc, 2000);
	static uint8_t out[4][70000];
	size_t lens[4];
	ck_assert_uint_eq(peer_msgs(&sr, out, lens, 4), 1);
	ck_assert_uint_eq(lens[0], TAP_VNET_HDR_LEN + 54 + 2144);
	struct tap_vnet_hdr h;
	tap_vnet_parse(out[0], &h);
	ck_assert_uint_eq(h.flags, TAP_VNET_F_NEEDS_CSUM);
	ck_assert_uint_eq(h.gso_type, TAP_VNET_GSO_TCPV4);
	ck_assert_uint_eq(h.hdr_len, 54);
	ck_assert_uint_eq(h.gso_size, 536);
	ck_assert_uint_eq(h.csum_start, 34);
	ck_assert_uint_eq(h.csum_offset, 16);
	const uint8_t *e = out[0] + TAP_VNET_HDR_LEN, *ip = e + 14, *tcp = ip + 20;
	ck_assert_mem_eq(e, mac_linux, 6);
	ck_assert_uint_eq(capnet_get16(ip + 2), 20 + 20 + 2144);
	ck_assert_uint_eq(capnet_csum(ip, 20), 0);
	ck_assert_uint_eq(capnet_get32(tcp + 4), sr.ack);
	ck_assert_uint_eq(capnet_get32(tcp + 8), 100);
	ck_assert_uint_eq(tcp[13], 0x10); /* ACK; PSH would end the data, which goes on */
	uint32_t sum = capnet_csum_pseudo4(CAPNET_IP4(192, 0, 2, 2), CAPNET_IP4(192, 0, 2, 1), 6, 20 + 2144);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ck_assert_uint_eq(capnet_get16(tcp + 16), sum);
	ck_assert_mem_eq(tcp + 20, test_data, 2144);
	struct capnet_tcp_info ti;
	ck_assert_int_eq(capnet_tcp_info(sr.s, &ti), CAPNET_OK);
	ck_assert_uint_eq(ti.segs_out, 1 + 4); /* the SYN-ACK, then four in one frame */
	/* the peer ACKs it all: five segments' worth next, in one frame */
	static uint8_t f[100];
	peer_frame(&sr, NULL, f, build_seg(f, 0x10, 100, sr.ack + 2144, NULL, 0));
	capnet_iface_poll(sr.ifc, 2010);
	ck_assert_uint_eq(peer_msgs(&sr, out, lens, 4), 1);
	ck_assert_uint_eq(lens[0], TAP_VNET_HDR_LEN + 54 + 5 * 536);
	ck_assert_uint_eq(capnet_get32(out[0] + TAP_VNET_HDR_LEN + 38), sr.ack + 2144);
	struct capnet_tap_stats st;
	capnet_tap_get_stats(sr.r.tap, &st);
	ck_assert_uint_eq(st.tx_tso_frames, 2);
	stack_rig_close(&sr);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tap_offload");
	TCase *tc = check_add_case(s, "gso", NULL, NULL, 0);
	tcase_add_test(tc, test_gso_cuts_a_super_frame_into_valid_segments);
	tcase_add_test(tc, test_gso_refuses_what_it_cannot_cut);
	tcase_add_test(tc, test_csum_complete_finishes_a_partial_checksum);
	tcase_add_test(tc, test_vnet_header_round_trips_little_endian);
	tc = check_add_case(s, "backend", NULL, NULL, 0);
	tcase_add_test(tc, test_backend_hands_out_segments_and_sends_behind_a_zero_header);
	tc = check_add_case(s, "gro", NULL, NULL, 0);
	/* each twice: read() and write(), then the io_uring transport */
	tcase_add_loop_test(tc, test_stack_acks_a_super_frame_once, 0, 2);
	tcase_add_loop_test(tc, test_stack_cuts_a_super_frame_it_cannot_trust, 0, 2);
	tcase_add_loop_test(tc, test_plain_segments_read_together_draw_one_ack, 0, 2);
	tc = check_add_case(s, "tso", NULL, NULL, 0);
	tcase_add_loop_test(tc, test_stack_sends_super_frames_for_the_kernel_to_cut, 0, 2);
	return s;
}
