/* The TAP backend and the libev runtime without root: the backend wraps a
 * SOCK_SEQPACKET socket (one message is one frame, as on a TAP fd) whose
 * other end plays the Linux side. Proves the TX queue (EAGAIN absorbed,
 * order kept, drops counted when full), receive draining and oversize
 * handling, that the loop answers ARP and ping, that its one timer follows
 * the stack's deadlines without busy polling, and that the pcap tee records
 * both directions. */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capnet/host/ev.h"
#include "capnet/host/host.h"
#include "capnet/host/tap.h"
#include "capnet/iface.h"
#include "capnet/host/pcap.h"
#include "capnet/stack.h"
#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/describe.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "check_main.h"
#include "support/udp_frames.h"

static const struct capnet_mac mac_stack = {{0x02, 0, 0, 0, 0, 0x02}}, mac_linux = {{0x02, 0, 0, 0, 0, 0x01}};
static const capnet_ip4addr ip_stack = CAPNET_IP4(192, 0, 2, 2), ip_linux = CAPNET_IP4(192, 0, 2, 1);

struct rig {
	int peer; /* the "Linux" end */
	struct capnet_tap *tap;
	void *arena_mem;
	struct capnet_arena arena;
	struct capnet_xoshiro x;
	struct capnet_iface *ifc;
};

/* sndbuf > 0 shrinks the backend end's send buffer so writes hit EAGAIN
 * after a few frames. */
static void rig_open(struct rig *r, uint16_t txq, const struct capnet_iface_config *cfg, int sndbuf)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	if (sndbuf > 0)
		ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf), 0);
	r->peer = sv[1];
	char err[CAPNET_TAP_ERRBUF_SIZE];
	struct capnet_tap_options o = {.mac = mac_stack, .mtu = 1500, .txq_frames = txq};
	ck_assert_int_eq(capnet_tap_open_fd(sv[0], &o, &r->tap, err, sizeof err), CAPNET_OK);
	ck_assert(capnet_tap_link_up(r->tap)); /* no device name: reads as up */
	r->ifc = NULL;
	r->arena_mem = NULL;
	if (cfg == NULL)
		return;
	size_t need = capnet_iface_arena_need(cfg, 1500);
	r->arena_mem = malloc(need);
	ck_assert_ptr_nonnull(r->arena_mem);
	capnet_arena_init(&r->arena, r->arena_mem, need);
	capnet_xoshiro_seed(&r->x, 7);
	ck_assert_int_eq(capnet_iface_create(&r->arena, cfg, capnet_tap_nic(r->tap), capnet_xoshiro_rng(&r->x), &r->ifc),
			 CAPNET_OK);
}

static void rig_close(struct rig *r)
{
	capnet_tap_close(r->tap);
	close(r->peer);
	free(r->arena_mem);
}

/* Reads one frame from the peer end, non-blocking: 0 when none. */
static size_t peer_read(struct rig *r, uint8_t *buf, size_t cap)
{
	ssize_t n = recv(r->peer, buf, cap, MSG_DONTWAIT);
	return n > 0 ? (size_t)n : 0;
}

static size_t build_arp_request(uint8_t *f)
{
	struct capnet_eth_repr eth = {.dst = CAPNET_MAC_BROADCAST, .src = mac_linux, .ethertype = CAPNET_ETHERTYPE_ARP};
	size_t n = capnet_eth_emit(&eth, f);
	struct capnet_arp_repr a = {.oper = CAPNET_ARP_REQUEST, .sha = mac_linux, .spa = ip_linux, .tpa = ip_stack};
	n += capnet_arp_emit(&a, f + n);
	memset(f + n, 0, 60 - n);
	return 60;
}

static size_t build_echo(uint8_t *f, uint16_t seq, size_t data_len)
{
	static uint8_t data[1500];
	memset(data, 0x5a, sizeof data);
	struct capnet_eth_repr eth = {.dst = mac_stack, .src = mac_linux, .ethertype = CAPNET_ETHERTYPE_IPV4};
	size_t n = capnet_eth_emit(&eth, f);
	struct capnet_icmp4_repr icmp = {.type = CAPNET_ICMP4_ECHO_REQUEST, .ident = 0x77, .seq = seq, .data = data,
					 .data_len = data_len};
	struct capnet_ip4_repr ip = {.src = ip_linux, .dst = ip_stack, .proto = CAPNET_IPPROTO_ICMP, .ttl = 64,
				     .payload_len = capnet_icmp4_emit_len(&icmp)};
	n += capnet_ip4_emit(&ip, f + n);
	n += capnet_icmp4_emit(&icmp, f + n);
	return n;
}

/* ---- the backend alone ---- */

/* A rig whose stack has its address and runs on a new libev loop, attached
 * to the TAP; the caller detaches and destroys. */
static struct ev_loop *rig_attach(struct rig *r, uint16_t txq, const struct capnet_iface_config *cfg, int sndbuf,
				  struct capnet_ev **h)
{
	rig_open(r, txq, cfg, sndbuf);
	struct capnet_ip4_config c = {ip_stack, 24, 0, CAPNET_PROV_STATIC};
	ck_assert_int_eq(capnet_iface_set_ip4(r->ifc, &c, capnet_host_now()), CAPNET_OK);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	ck_assert_int_eq(capnet_ev_attach_tap(loop, r->ifc, r->tap, NULL, h), CAPNET_OK);
	return loop;
}

START_TEST(test_tx_queue_absorbs_eagain_in_order_and_counts_drops)
{
	struct rig r;
	rig_open(&r, 8, NULL, 0);
	struct capnet_nic *nic = capnet_tap_nic(r.tap);
	uint8_t f[1000];
	memset(f, 0, sizeof f);
	/* Fill the socket until the backend has to queue, then past the queue. */
	uint32_t accepted = 0, refused = 0;
	for (uint32_t seq = 0; seq < 10000 && refused < 3; seq++) {
		capnet_put32(f + 14, seq);
		capnet_err e = nic->ops->transmit(nic->dev, f, sizeof f);
		if (e == CAPNET_OK)
			ck_assert_uint_eq(seq, accepted++); /* nothing accepted after a refusal */
		else {
			ck_assert_int_eq(e, CAPNET_E_AGAIN);
			refused++;
			seq--; /* retry the same sequence number: it was not taken */
		}
	}
	struct capnet_tap_stats st;
	capnet_tap_get_stats(r.tap, &st);
	ck_assert_uint_eq(refused, 3);
	ck_assert_uint_eq(st.tx_dropped, 3);
	ck_assert_uint_eq(capnet_tap_tx_pending(r.tap), 8);
	ck_assert_uint_eq(st.txq_high_water, 8);
	ck_assert_uint_eq(st.tx_queued, 8);
	ck_assert_int_eq(capnet_tap_tx_flush(r.tap), CAPNET_E_AGAIN); /* still full */
	/* The Linux side drains; flushing sends the queue; every accepted frame
	 * arrives exactly once and in order. */
	uint8_t in[2000];
	uint32_t next = 0;
	for (int round = 0; round < 100 && next < accepted; round++) {
		size_t n;
		while ((n = peer_read(&r, in, sizeof in)) != 0) {
			ck_assert_uint_eq(n, sizeof f);
			ck_assert_uint_eq(capnet_get32(in + 14), next);
			next++;
		}
		capnet_tap_tx_flush(r.tap);
	}
	ck_assert_uint_eq(next, accepted);
	ck_assert_uint_eq(capnet_tap_tx_pending(r.tap), 0);
	capnet_tap_get_stats(r.tap, &st);
	ck_assert_uint_eq(st.tx_frames, accepted);
	ck_assert_uint_eq(st.tx_errors, 0);
	rig_close(&r);
}
END_TEST

START_TEST(test_receive_drains_frames_and_drops_oversize)
{
	struct rig r;
	rig_open(&r, 0, NULL, 0);
	struct capnet_nic *nic = capnet_tap_nic(r.tap);
	uint8_t big[3000], buf[1518];
	memset(big, 0xab, sizeof big);
	ck_assert_int_eq(send(r.peer, big, 100, 0), 100);
	ck_assert_int_eq(send(r.peer, big, sizeof big, 0), (ssize_t)sizeof big);
	ck_assert_int_eq(send(r.peer, big, 60, 0), 60);
	size_t len = 0;
	ck_assert_int_eq(nic->ops->receive(nic->dev, buf, sizeof buf, &len), CAPNET_OK);
	ck_assert_uint_eq(len, 100);
	ck_assert_int_eq(nic->ops->receive(nic->dev, buf, sizeof buf, &len), CAPNET_E_NOBUFS);
	ck_assert_int_eq(nic->ops->receive(nic->dev, buf, sizeof buf, &len), CAPNET_OK);
	ck_assert_uint_eq(len, 60); /* the oversize frame's tail did not leak into this one */
	ck_assert_int_eq(nic->ops->receive(nic->dev, buf, sizeof buf, &len), CAPNET_E_AGAIN);
	ck_assert_int_eq(nic->ops->receive(nic->dev, buf, sizeof buf, &len), CAPNET_E_AGAIN);
	struct capnet_tap_stats st;
	capnet_tap_get_stats(r.tap, &st);
	ck_assert_uint_eq(st.rx_frames, 2);
	ck_assert_uint_eq(st.rx_oversize, 1);
	ck_assert_uint_eq(st.rx_errors, 0);
	rig_close(&r);
}
END_TEST

START_TEST(test_open_fd_rejects_bad_arguments)
{
	struct capnet_tap *t = (void *)1;
	struct capnet_tap_options o = {.name = "a-name-longer-than-15"};
	char err[CAPNET_TAP_ERRBUF_SIZE] = "";
	ck_assert_int_eq(capnet_tap_open_fd(-1, &o, &t, err, sizeof err), CAPNET_E_INVAL);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(capnet_tap_open(&o, &t, err, sizeof err), CAPNET_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err, "longer than 15"));
}
END_TEST

/* ---- the loop ---- */

static void stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

/* Runs the loop for `sec` seconds of real time. */
static void run_for(struct ev_loop *loop, double sec)
{
	ev_timer t;
	ev_timer_init(&t, stop_cb, sec, 0.0);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	ev_timer_stop(loop, &t);
}

START_TEST(test_loop_answers_arp_and_ping)
{
	struct rig r;
	struct capnet_iface_config cfg = {0};
	struct capnet_ev *h;
	struct ev_loop *loop = rig_attach(&r, 0, &cfg, 0, &h);

	uint8_t f[1600], in[1600];
	size_t n = peer_read(&r, in, sizeof in);
	ck_assert_uint_eq(n, 60); /* the gratuitous ARP */
	ck_assert_int_eq(send(r.peer, f, build_arp_request(f), 0), 60);
	for (uint16_t seq = 1; seq <= 3; seq++)
		ck_assert_int_gt(send(r.peer, f, build_echo(f, seq, seq == 3 ? 1472 : 56), 0), 0);
	run_for(loop, 0.05);

	struct capnet_arp_repr a;
	n = peer_read(&r, in, sizeof in);
	ck_assert_uint_eq(n, 60);
	ck_assert_int_eq(capnet_arp_parse(in + 14, n - 14, &a, NULL), CAPNET_OK);
	ck_assert_uint_eq(a.oper, CAPNET_ARP_REPLY);
	ck_assert(capnet_mac_eq(a.sha, mac_stack));
	for (uint16_t seq = 1; seq <= 3; seq++) {
		n = peer_read(&r, in, sizeof in);
		ck_assert_uint_eq(n, 14 + 20 + 8 + (seq == 3 ? 1472u : 56u));
		struct capnet_icmp4_view v;
		ck_assert_int_eq(capnet_icmp4_view_check(&v, in + 34, n - 34), CAPNET_OK);
		ck_assert_uint_eq(capnet_icmp4_type(&v), CAPNET_ICMP4_ECHO_REPLY);
		ck_assert_uint_eq(capnet_icmp4_seq(&v), seq);
	}
	ck_assert_uint_eq(peer_read(&r, in, sizeof in), 0);
	struct capnet_ev_stats es;
	capnet_ev_get_stats(h, &es);
	ck_assert_uint_ge(es.io_read_wakeups, 1);
	/* Woken by frames, not by a tick: a handful of polls, no timer. */
	ck_assert_uint_le(es.polls, 10);
	capnet_ev_detach(h);
	ev_loop_destroy(loop);
	rig_close(&r);
}
END_TEST

START_TEST(test_loop_timer_follows_stack_deadlines_without_busy_polling)
{
	struct rig r;
	/* ARP: first retry after 20 ms, doubling: requests at 0, 20, 60 ms,
	 * then FAILED at 140 ms. */
	struct capnet_iface_config cfg = {.arp_retry_initial = CAPNET_MS(20), .arp_max_requests = 3};
	struct capnet_ev *h;
	struct ev_loop *loop = rig_attach(&r, 0, &cfg, 0, &h);
	uint8_t in[1600];
	ck_assert_uint_eq(peer_read(&r, in, sizeof in), 60); /* gratuitous ARP */
	ck_assert_int_eq(capnet_ev_next_deadline(h), CAPNET_INSTANT_NEVER);

	capnet_instant t0 = capnet_host_now();
	const capnet_ip4addr nobody = CAPNET_IP4(192, 0, 2, 99);
	uint8_t data[8] = {0};
	ck_assert_int_eq(capnet_icmp4_echo_send(r.ifc, nobody, 1, 1, data, sizeof data, t0), CAPNET_OK);
	capnet_ev_poll_now(h); /* the program gave the stack work: re-arm */
	ck_assert_int_lt(capnet_ev_next_deadline(h), t0 + CAPNET_MS(25));
	run_for(loop, 0.3);

	unsigned requests = 0;
	size_t n;
	while ((n = peer_read(&r, in, sizeof in)) != 0) {
		struct capnet_arp_repr a;
		ck_assert_int_eq(capnet_arp_parse(in + 14, n - 14, &a, NULL), CAPNET_OK);
		ck_assert_uint_eq(a.tpa, nobody);
		requests++;
	}
	ck_assert_uint_eq(requests, 3);
	struct capnet_arp_entry_info e[4];
	ck_assert_uint_ge(capnet_arp_entries(r.ifc, e, 4), 1);
	ck_assert_int_eq(e[0].state, CAPNET_ARP_FAILED);
	struct capnet_ev_stats es;
	capnet_ev_get_stats(h, &es);
	/* Two retries and the failure: each a timer wakeup at the deadline. A
	 * busy or ticking loop would show hundreds of polls in 300 ms. */
	ck_assert_uint_ge(es.timer_wakeups, 3);
	ck_assert_uint_le(es.timer_wakeups, 8);
	ck_assert_uint_le(es.polls, 12);
	ck_assert_uint_eq(es.io_read_wakeups, 0);
	capnet_ev_detach(h);
	ev_loop_destroy(loop);
	rig_close(&r);
}
END_TEST

/* ---- busy polling ---- */

/* rig_attach with options for the runtime. */
static struct ev_loop *rig_attach_opts(struct rig *r, const struct capnet_ev_options *o, struct capnet_ev **h)
{
	struct capnet_iface_config cfg = {0};
	rig_open(r, 0, &cfg, 0);
	struct capnet_ip4_config c = {ip_stack, 24, 0, CAPNET_PROV_STATIC};
	ck_assert_int_eq(capnet_iface_set_ip4(r->ifc, &c, capnet_host_now()), CAPNET_OK);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	ck_assert_int_eq(capnet_ev_attach_tap(loop, r->ifc, r->tap, o, h), CAPNET_OK);
	uint8_t in[1600];
	ck_assert_uint_eq(peer_read(r, in, sizeof in), 60); /* the gratuitous ARP */
	return loop;
}

/* The echo reply of sequence number seq, or not. */
static bool is_echo_reply(const uint8_t *f, size_t n, uint16_t seq)
{
	struct capnet_icmp4_view v;
	return n > 34 && capnet_get16(f + 12) == CAPNET_ETHERTYPE_IPV4 &&
	       capnet_icmp4_view_check(&v, f + 34, n - 34) == CAPNET_OK &&
	       capnet_icmp4_type(&v) == CAPNET_ICMP4_ECHO_REPLY && capnet_icmp4_seq(&v) == seq;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Without busy polling, the reply leaves in the wakeup that read the
 * request: one read wakeup, nothing deferred to a timer or a later
 * iteration, and no spin. */
START_TEST(test_loop_replies_in_the_wakeup_that_read_the_request)
{
	struct rig r;
	struct capnet_ev *h;
	struct ev_loop *loop = rig_attach_opts(&r, NULL, &h);
	uint8_t f[1600], in[1600];
	ck_assert_int_eq(send(r.peer, f, build_arp_request(f), 0), 60);
	ck_assert_int_gt(send(r.peer, f, build_echo(f, 1, 56), 0), 0);
	struct capnet_ev_stats es0, es;
	capnet_ev_get_stats(h, &es0);
	ev_run(loop, EVRUN_ONCE);
	capnet_ev_get_stats(h, &es);
	ck_assert_uint_eq(peer_read(&r, in, sizeof in), 60); /* the ARP reply */
	size_t n = peer_read(&r, in, sizeof in);
	ck_assert(is_echo_reply(in, n, 1));
	ck_assert_uint_eq(es.io_read_wakeups - es0.io_read_wakeups, 1);
	ck_assert_uint_eq(es.timer_wakeups, es0.timer_wakeups);
	ck_assert_uint_eq(es.busy_poll_spins, 0);
	ck_assert_uint_eq(es.busy_poll_hits, 0);
	capnet_ev_detach(h);
	ev_loop_destroy(loop);
	rig_close(&r);
}
END_TEST

/* With a busy-poll window, a request written while the loop spins after
 * answering the previous one is answered in that same wakeup: the peer (a
 * child process) waits for reply 1, then sends request 2 during the
 * window; the loop took one read wakeup for both. The window is counted
 * from its start and a hit does not renew it: the wakeup lasts about the
 * window, no longer. */
START_TEST(test_busy_poll_picks_up_a_frame_written_during_the_spin)
{
	struct rig r;
	struct capnet_ev *h;
	const unsigned window_us = 400000;
	struct capnet_ev_options o = {.busy_poll_us = window_us};
	struct ev_loop *loop = rig_attach_opts(&r, &o, &h);
	uint8_t f[1600];
	ck_assert_int_eq(send(r.peer, f, build_arp_request(f), 0), 60);
	ck_assert_int_gt(send(r.peer, f, build_echo(f, 1, 56), 0), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* The peer: reply 1 (after the ARP reply), then request 2. */
		struct timeval tv = {.tv_sec = 5};
		setsockopt(r.peer, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		uint8_t in[1600];
		bool got = false;
		for (int i = 0; i < 4 && !got; i++) {
			ssize_t n = recv(r.peer, in, sizeof in, 0);
			if (n <= 0)
				_exit(2);
			got = is_echo_reply(in, (size_t)n, 1);
		}
		if (!got)
			_exit(3);
		struct timespec ms = {0, 2000000};
		nanosleep(&ms, NULL);
		uint8_t g[1600];
		size_t len = build_echo(g, 2, 56);
		_exit(send(r.peer, g, len, 0) == (ssize_t)len ? 0 : 4);
	}
	struct capnet_ev_stats es0, es;
	capnet_ev_get_stats(h, &es0);
	double t0 = mono_s();
	ev_run(loop, EVRUN_ONCE);
	double took = mono_s() - t0;
	capnet_ev_get_stats(h, &es);
	int st = 0;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	uint8_t in[1600];
	size_t n = peer_read(&r, in, sizeof in);
	ck_assert(is_echo_reply(in, n, 2));
	ck_assert_uint_eq(peer_read(&r, in, sizeof in), 0);
	ck_assert_uint_eq(es.io_read_wakeups - es0.io_read_wakeups, 1);
	ck_assert_uint_eq(es.busy_poll_spins - es0.busy_poll_spins, 1);
	ck_assert_uint_ge(es.busy_poll_hits - es0.busy_poll_hits, 1);
	/* bounded: the whole window, not renewed by the hit (a loaded
	 * machine may stretch it a little, never to twice) */
	ck_assert_double_ge(took, window_us / 1e6);
	ck_assert_double_lt(took, 2 * window_us / 1e6);
	capnet_ev_detach(h);
	ev_loop_destroy(loop);
	rig_close(&r);
}
END_TEST

/* With nothing arriving, a window ends on time and the loop sleeps: a
 * wakeup by timer or by the program (capnet_ev_poll_now) does not spin. */
START_TEST(test_busy_poll_is_bounded_and_only_after_frames)
{
	struct rig r;
	struct capnet_ev *h;
	const unsigned window_us = 20000;
	struct capnet_ev_options o = {.busy_poll_us = window_us};
	struct ev_loop *loop = rig_attach_opts(&r, &o, &h);
	struct capnet_ev_stats es;
	capnet_ev_get_stats(h, &es);
	ck_assert_uint_eq(es.busy_poll_spins, 0); /* the attach's poll */
	double t0 = mono_s();
	capnet_ev_poll_now(h);
	ck_assert_double_lt(mono_s() - t0, window_us / 1e6);
	uint8_t f[1600], in[1600];
	ck_assert_int_gt(send(r.peer, f, build_arp_request(f), 0), 0);
	t0 = mono_s();
	ev_run(loop, EVRUN_ONCE);
	double took = mono_s() - t0;
	ck_assert_uint_eq(peer_read(&r, in, sizeof in), 60); /* answered */
	capnet_ev_get_stats(h, &es);
	ck_assert_uint_eq(es.busy_poll_spins, 1);
	ck_assert_uint_eq(es.busy_poll_hits, 0);
	ck_assert_double_ge(took, window_us / 1e6);
	ck_assert_double_lt(took, 0.5);
	capnet_ev_detach(h);
	ev_loop_destroy(loop);
	rig_close(&r);
}
END_TEST

/* The runtime over a stack: every poll is capnet_stack_poll, so a call
 * parked through a cap completes -- by a datagram arriving, or by its
 * deadline alone, the timer armed for it -- with no hook of the
 * program's. */
START_TEST(test_loop_over_a_stack_completes_parked_calls)
{
	struct rig r;
	rig_open(&r, 0, NULL, 0);
	struct capnet_nic *nic = capnet_tap_nic(r.tap);
	struct capnet_stack_config cfg = {.without = CAPNET_STACK_NO_TCP};
	size_t need = capnet_stack_arena_need(&cfg, &nic, 1);
	r.arena_mem = malloc(need);
	ck_assert_ptr_nonnull(r.arena_mem);
	capnet_arena_init(&r.arena, r.arena_mem, need);
	capnet_xoshiro_seed(&r.x, 7);
	struct capnet_stack *st;
	ck_assert_int_eq(capnet_stack_create(&r.arena, &cfg, capnet_xoshiro_rng(&r.x), &nic, 1, &st), CAPNET_OK);
	struct capnet_cspace *boot = capnet_stack_boot_cspace(st);
	capnet_handle nm = capnet_stack_netmgr(st, 0), ua, us;
	capnet_instant t0 = capnet_host_now();
	ck_assert_int_eq(capnet_netmgr_set_static(boot, nm, ip_stack, 24, 0, t0), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_mint_udp(boot, nm, 7, 7, NULL, &ua), CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_bind(boot, ua, 7, &us), CAPNET_OK);
	capnet_ticket idle, recv;
	ck_assert_int_eq(capnet_park(boot, us, CAPNET_PARK_RECV, t0 + CAPNET_MS(30), t0, &idle), CAPNET_OK);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct capnet_ev *h;
	ck_assert_int_eq(capnet_ev_attach_stack_tap(loop, st, r.tap, NULL, &h), CAPNET_OK);
	ck_assert_int_eq(capnet_ev_next_deadline(h), t0 + CAPNET_MS(30)); /* the parked call's deadline */
	struct capnet_park_result res;
	for (int i = 0; i < 50 && capnet_park_result(boot, idle, &res) == CAPNET_E_AGAIN; i++)
		ev_run(loop, EVRUN_ONCE);
	ck_assert_int_eq(res.outcome, CAPNET_OUTCOME_TIMED_OUT);
	ck_assert_int_ge(res.at, t0 + CAPNET_MS(30));
	struct capnet_ev_stats es;
	capnet_ev_get_stats(h, &es);
	ck_assert_uint_ge(es.timer_wakeups, 1);
	ck_assert_uint_le(es.polls, 8); /* slept until the deadline */

	ck_assert_int_eq(capnet_park(boot, us, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, capnet_host_now(), &recv),
			 CAPNET_OK);
	uint8_t f[128];
	size_t n = tf_udp_frame(f, mac_stack, mac_linux, ip_linux, ip_stack, 1, 4000, 7, (const uint8_t *)"hi", 2);
	ck_assert_int_eq(send(r.peer, f, n, 0), (ssize_t)n);
	for (int i = 0; i < 50 && capnet_park_result(boot, recv, &res) == CAPNET_E_AGAIN; i++)
		ev_run(loop, EVRUN_ONCE);
	ck_assert_int_eq(res.outcome, CAPNET_OUTCOME_COMPLETED);
	char buf[8];
	size_t len;
	ck_assert_int_eq(capnet_udpcap_recv_from(boot, us, buf, sizeof buf, &len, NULL), CAPNET_OK);
	ck_assert_uint_eq(len, 2);
	capnet_ev_detach(h);
	ev_loop_destroy(loop);
	rig_close(&r);
}
END_TEST

START_TEST(test_loop_flushes_tx_queue_when_writable)
{
	struct rig r;
	struct capnet_iface_config cfg = {0};
	struct capnet_ev *h;
	struct ev_loop *loop = rig_attach(&r, 64, &cfg, 16384, &h);
	uint8_t f[1600], in[1600];
	ck_assert_uint_eq(peer_read(&r, in, sizeof in), 60);
	/* Teach the stack the peer's MAC, then make it answer 60 large pings
	 * while nobody reads: the small send buffer holds about 20 replies,
	 * the rest back up into the 64-frame TX queue. */
	ck_assert_int_eq(send(r.peer, f, build_arp_request(f), 0), 60);
	run_for(loop, 0.02);
	ck_assert_uint_eq(peer_read(&r, in, sizeof in), 60);
	unsigned sent = 0;
	for (uint16_t seq = 0; seq < 60; seq++) {
		size_t len = build_echo(f, seq, 1400);
		if (send(r.peer, f, len, MSG_DONTWAIT) != (ssize_t)len)
			break;
		sent++;
		if (seq % 8 == 7)
			run_for(loop, 0.001);
	}
	run_for(loop, 0.02);
	struct capnet_tap_stats ts;
	capnet_tap_get_stats(r.tap, &ts);
	ck_assert_uint_gt(ts.tx_queued, 0); /* the socket did fill up */
	/* Now the Linux side reads; the loop must push the queue out on
	 * writability, with no frame lost and none out of order. */
	unsigned got = 0;
	uint16_t expect = 0;
	for (int round = 0; round < 200 && got < sent; round++) {
		size_t n;
		while ((n = peer_read(&r, in, sizeof in)) != 0) {
			struct capnet_icmp4_view v;
			ck_assert_int_eq(capnet_icmp4_view_check(&v, in + 34, n - 34), CAPNET_OK);
			ck_assert_uint_eq(capnet_icmp4_seq(&v), expect);
			expect++;
			got++;
		}
		run_for(loop, 0.002);
	}
	capnet_tap_get_stats(r.tap, &ts);
	ck_assert_uint_eq(got + ts.tx_dropped, sent);
	ck_assert_uint_eq(ts.tx_dropped, 0);
	ck_assert_uint_eq(capnet_tap_tx_pending(r.tap), 0);
	struct capnet_ev_stats es;
	capnet_ev_get_stats(h, &es);
	ck_assert_uint_ge(es.io_write_wakeups, 1);
	capnet_ev_detach(h);
	ev_loop_destroy(loop);
	rig_close(&r);
}
END_TEST

static void fault_cb(void *ctx, int err)
{
	*(int *)ctx = err;
}

START_TEST(test_loop_stops_watching_a_dead_descriptor)
{
	struct rig r;
	struct capnet_iface_config cfg = {0};
	rig_open(&r, 0, &cfg, 0);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct capnet_ev *h;
	int fault = 0;
	struct capnet_ev_options o = {.on_fault = fault_cb, .on_fault_ctx = &fault};
	ck_assert_int_eq(capnet_ev_attach_tap(loop, r.ifc, r.tap, &o, &h), CAPNET_OK);
	close(r.peer); /* the "device" goes away: the fd reads EOF forever */
	r.peer = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	run_for(loop, 0.1);
	struct capnet_ev_stats es;
	capnet_ev_get_stats(h, &es);
	ck_assert_int_eq(fault, EPIPE);
	ck_assert_int_eq(es.fault, EPIPE);
	ck_assert_int_eq(capnet_tap_fault(r.tap), EPIPE);
	ck_assert_uint_le(es.polls, 3); /* not a spin on the readable fd */
	capnet_ev_poll_now(h);           /* and stays stopped */
	capnet_ev_get_stats(h, &es);
	ck_assert_uint_le(es.polls, 3);
	capnet_ev_detach(h);
	ev_loop_destroy(loop);
	rig_close(&r);
}
END_TEST

/* ---- the tee ---- */

static capnet_instant fake_clock(void *ctx)
{
	capnet_instant *t = ctx;
	return *t += 1000;
}

START_TEST(test_tee_records_both_directions)
{
	struct rig r;
	rig_open(&r, 0, NULL, 0);
	char path[] = "/tmp/capnet-tee-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	struct capnet_pcap_writer *w;
	ck_assert_int_eq(capnet_pcap_writer_open(path, 0, &w, NULL, 0), CAPNET_OK);
	capnet_instant clock = CAPNET_S(100);
	struct capnet_pcap_tee *tee;
	ck_assert_int_eq(capnet_pcap_tee_open(capnet_tap_nic(r.tap), w, fake_clock, &clock, &tee), CAPNET_OK);
	struct capnet_nic *nic = capnet_pcap_tee_nic(tee);
	ck_assert(capnet_mac_eq(nic->mac, mac_stack));
	uint8_t f[1600], buf[1600];
	size_t alen = build_arp_request(f);
	ck_assert_int_eq(send(r.peer, f, alen, 0), (ssize_t)alen);
	size_t len;
	ck_assert_int_eq(nic->ops->receive(nic->dev, buf, sizeof buf, &len), CAPNET_OK);
	ck_assert_int_eq(nic->ops->receive(nic->dev, buf, sizeof buf, &len), CAPNET_E_AGAIN); /* not recorded */
	size_t elen = build_echo(f, 9, 32);
	ck_assert_int_eq(nic->ops->transmit(nic->dev, f, elen), CAPNET_OK);
	capnet_pcap_tee_close(tee);
	ck_assert_int_eq(capnet_pcap_writer_close(w), CAPNET_OK);

	struct capnet_pcap_frames got;
	ck_assert_int_eq(capnet_pcap_load(path, &got, NULL, 0), CAPNET_OK);
	unlink(path);
	ck_assert_uint_eq(got.n, 2);
	ck_assert_uint_eq(got.v[0].len, alen);
	ck_assert_int_eq(got.v[0].at, CAPNET_S(100) + 1000);
	ck_assert_uint_eq(got.v[1].len, elen);
	ck_assert_int_eq(got.v[1].at, CAPNET_S(100) + 2000);
	char sum[200];
	capnet_frame_describe_text(got.v[1].data, got.v[1].len, CAPNET_DESCRIBE_REPLAY, sum, sizeof sum);
	ck_assert_str_eq(sum, "02:00:00:00:00:01 > 02:00:00:00:00:02, 74 bytes: IPv4 192.0.2.1 > 192.0.2.2 id 0x0000 "
			      "ttl 64 ICMP echo request id 0x0077 seq 9, 32 data bytes");
	capnet_pcap_frames_free(&got);
	rig_close(&r);
}
END_TEST

START_TEST(test_summary_names_malformed_headers)
{
	uint8_t f[1600] = {0};
	char sum[200];
	capnet_frame_describe_text(f, 5, CAPNET_DESCRIBE_REPLAY, sum, sizeof sum);
	ck_assert_str_eq(sum, "truncated Ethernet header (5 bytes)");
	size_t n = build_echo(f, 1, 8);
	capnet_frame_describe_text(f, 30, CAPNET_DESCRIBE_REPLAY, sum, sizeof sum);
	ck_assert_ptr_nonnull(strstr(sum, "IPv4 malformed (E_TRUNCATED"));
	f[14 + 10] ^= 0xff; /* header checksum */
	capnet_frame_describe_text(f, n, CAPNET_DESCRIBE_REPLAY, sum, sizeof sum);
	ck_assert_ptr_nonnull(strstr(sum, "[bad header checksum]"));
	char tiny[16];
	capnet_frame_describe_text(f, n, CAPNET_DESCRIBE_REPLAY, tiny, sizeof tiny);
	ck_assert_uint_eq(strlen(tiny), sizeof tiny - 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tap_ev");
	TCase *tc = check_add_case(s, "tap", NULL, NULL, 0);
	tcase_add_test(tc, test_tx_queue_absorbs_eagain_in_order_and_counts_drops);
	tcase_add_test(tc, test_receive_drains_frames_and_drops_oversize);
	tcase_add_test(tc, test_open_fd_rejects_bad_arguments);
	tc = check_add_case(s, "loop", NULL, NULL, 20);
	tcase_add_test(tc, test_loop_answers_arp_and_ping);
	tcase_add_test(tc, test_loop_timer_follows_stack_deadlines_without_busy_polling);
	tcase_add_test(tc, test_loop_over_a_stack_completes_parked_calls);
	tcase_add_test(tc, test_loop_flushes_tx_queue_when_writable);
	tcase_add_test(tc, test_loop_stops_watching_a_dead_descriptor);
	tcase_add_test(tc, test_loop_replies_in_the_wakeup_that_read_the_request);
	tcase_add_test(tc, test_busy_poll_picks_up_a_frame_written_during_the_spin);
	tcase_add_test(tc, test_busy_poll_is_bounded_and_only_after_frames);
	tc = check_add_case(s, "pcap", NULL, NULL, 0);
	tcase_add_test(tc, test_tee_records_both_directions);
	tcase_add_test(tc, test_summary_names_malformed_headers);
	return s;
}
