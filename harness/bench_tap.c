/* capnet bench tap: libcapnet on a TAP device against the Linux kernel,
 * side by side with Linux against Linux over a veth pair, in one run.
 *
 * It builds its own world and removes it afterwards: two network
 * namespaces (A and B, named capnet-bench-PID-a/-b), a veth pair between
 * them (198.51.100.1 in A, .2 in B) and a TAP device in A (192.0.2.1 on
 * the kernel's side, libcapnet at 192.0.2.2 on the far end, served by this
 * process under libev). Only RFC 5737 documentation addresses are used.
 *
 *  - bulk TCP from a Linux sender in A to libcapnet's discard port, and
 *    from libcapnet to a Linux receiver on the TAP's kernel side, each for
 *    --seconds, measured at the receiver (accept to the sender's FIN);
 *    libcapnet in four modes: read()/write() or the io_uring transport
 *    (`ring`), each without and with the TAP offloads (GRO: a TSO
 *    super-frame taken whole into TCP; TSO: TCP hands the kernel
 *    super-frames);
 *  - the same Linux sender to a Linux receiver in B over the veth pair,
 *    with the veth offloads on (the default), then off (ethtool -K ... tso
 *    off gso off gro off tx off rx off; needs ethtool);
 *  - ping RTT (ICMP echo over a raw socket in A, 1 ms apart unless
 *    --ping-gap), median,
 *    to libcapnet and to the kernel in B, over IPv4 and over IPv6
 *    (libcapnet at 2001:db8::2 behind the TAP's 2001:db8::1, the kernel
 *    in B at 2001:db8:1::2 over the veth, 2001:db8:1::1 in A).
 *
 * --busy-poll US sets the libev runtime's busy-poll window for libcapnet
 * (capnet_ev_options.busy_poll_us); --only ping measures the pings alone.
 *
 * Prints Gbit/s each, every ratio to both veth figures, the receiver's
 * ACKs per data segment (from the connection's segment counters, GRO and
 * TSO super-frames counted as the segments they carry), and the libcapnet
 * process's cost per segment (CPU, TAP reads and writes, io_uring enters,
 * wakeups). Needs root.
 *
 * History (2 vCPUs, `capnet bench tap --seconds 3`): before GRO/TSO
 * (2026-11) Linux -> libcapnet ran at 0.09-0.14 of veth (offloads on)
 * plain and 0.14-0.16 with offloads, with one ACK written per segment
 * received (a window update for every MSS read) and one read() per
 * segment. GRO takes the kernel's 64 KiB TSO frames whole (one ACK per
 * super-frame instead of one per two segments) and, without offloads,
 * joins the in-order segments read in one wakeup; TSO lets libcapnet send
 * 64 KiB per write. See the closing note for the figures.
 *
 * Ping (2026-12, `capnet bench tap --only ping [--busy-poll US]
 * [--ping-gap US]`, six runs each, load average 7-8 on 2 vCPUs): pings
 * 1 ms apart, libcapnet 29.7-45.7 us (IPv4) and 30.7-41.2 us (IPv6)
 * against the kernel's 11.9-18.6 and 12.0-21.5. Each request costs
 * libcapnet one epoll wakeup, a read, the reply's write (in that same
 * wakeup, before the read that finds the queue empty); the kernel answers
 * inside the pinger's own sendto(), so its reply is queued before the
 * pinger sleeps, where libcapnet's has to wake it. A busy-poll window
 * shorter than the gap finds nothing (50 us: 0 of 400 frames; 22.3-40.4
 * and 27.8-41.8 us, the same within the noise); one spanning it (2000 us)
 * takes ~150 of 400 without a wakeup but spins a core (0.43 s of CPU for
 * the 400 pings instead of 0.03) that the pinger and the kernel need on
 * two vCPUs: 27.5-57.3 and 37.0-58.7 us, worse. Back to back
 * (--ping-gap 0) the drain loop itself finds the next request after the
 * write, 21.2-21.6 / 22.0-22.1 us against the kernel's 6.9-7.0 / 7.5-7.7
 * (50 us of busy poll: 18.4-18.6 / 18.8-28.7). Busy polling therefore
 * stays off by default. */
#define _GNU_SOURCE
#include <errno.h>
#include <ev.h>
/* Before <netinet/ip_icmp.h>, whose icmp_id/icmp_seq macros would rename
 * the trace record's fields of the same names. */
#include "capnet/host/ev.h"
#include "capnet/host/host.h"
#include "capnet/host/tap.h"
#include "capnet/iface.h"
#include "capnet/stack.h"
#include "capnet/tcp.h"
#include "harness/bench.h"

#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>


#define TAP_NAME "cbtap0"
#define VETH_A "cbveth0"
#define VETH_B "cbveth1"
#define DISCARD_PORT 9
#define BULK_CHUNK (256 * 1024)
#define PING_COUNT 200
/* The libcapnet receiver's ring: the window it offers (scaled). */
#define TAP_RCVBUF (4u << 20)

struct bench_world {
	char ns_a[64], ns_b[64];
	bool made_a, made_b;
};

/* ---- running `ip` ---- */

/* Runs argv (a NULL-terminated list) and waits; its output is kept quiet
 * unless it fails. Returns true on exit status 0. */
static bool run(const char *const argv[])
{
	int errpipe[2];
	if (pipe(errpipe) != 0)
		return false;
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(errpipe[1], 2);
		close(errpipe[0]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(errpipe[1]);
	char err[512];
	ssize_t n = read(errpipe[0], err, sizeof err - 1);
	close(errpipe[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!ok) {
		fprintf(stderr, "capnet bench tap:");
		for (int i = 0; argv[i] != NULL; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, " failed%s%.*s", n > 0 ? ": " : "\n", n > 0 ? (int)n : 0, n > 0 ? err : "");
	}
	return ok;
}

static void world_down(struct bench_world *w)
{
	if (w->made_a) {
		const char *const a[] = {"ip", "netns", "del", w->ns_a, NULL};
		run(a);
		w->made_a = false;
	}
	if (w->made_b) {
		const char *const b[] = {"ip", "netns", "del", w->ns_b, NULL};
		run(b);
		w->made_b = false;
	}
}

static bool world_up(struct bench_world *w)
{
	snprintf(w->ns_a, sizeof w->ns_a, "capnet-bench-%ld-a", (long)getpid());
	snprintf(w->ns_b, sizeof w->ns_b, "capnet-bench-%ld-b", (long)getpid());
	const char *const add_a[] = {"ip", "netns", "add", w->ns_a, NULL};
	if (!(w->made_a = run(add_a)))
		return false;
	const char *const add_b[] = {"ip", "netns", "add", w->ns_b, NULL};
	if (!(w->made_b = run(add_b)))
		return false;
	const char *const cmds[][16] = {
		{"ip", "-n", w->ns_a, "link", "set", "lo", "up", NULL},
		{"ip", "-n", w->ns_b, "link", "set", "lo", "up", NULL},
		{"ip", "-n", w->ns_a, "link", "add", VETH_A, "type", "veth", "peer", "name", VETH_B, "netns", w->ns_b,
		 NULL},
		{"ip", "-n", w->ns_a, "addr", "add", "198.51.100.1/24", "dev", VETH_A, NULL},
		{"ip", "-n", w->ns_b, "addr", "add", "198.51.100.2/24", "dev", VETH_B, NULL},
		{"ip", "-n", w->ns_a, "addr", "add", "2001:db8:1::1/64", "dev", VETH_A, "nodad", NULL},
		{"ip", "-n", w->ns_b, "addr", "add", "2001:db8:1::2/64", "dev", VETH_B, "nodad", NULL},
		{"ip", "-n", w->ns_a, "link", "set", VETH_A, "up", NULL},
		{"ip", "-n", w->ns_b, "link", "set", VETH_B, "up", NULL},
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!run(cmds[i]))
			return false;
	return true;
}

/* Moves the calling process (or child) into namespace `name`. */
static bool enter_ns(const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "/run/netns/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	int r = setns(fd, CLONE_NEWNET);
	close(fd);
	return r == 0;
}

/* ---- the Linux side: children that report one line through a pipe ---- */

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void child_report(int fd, const char *fmt, double a, double b)
{
	char line[128];
	int n = snprintf(line, sizeof line, fmt, a, b);
	if (n > 0 && write(fd, line, (size_t)n) != n)
		_exit(3);
}

/* Connects to addr:port and sends for `seconds`, then closes. */
static void bulk_send(int out, const char *addr, double seconds)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(DISCARD_PORT)};
	inet_pton(AF_INET, addr, &sa.sin_addr);
	struct timeval tv = {.tv_sec = 5};
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) != 0)
		_exit(2);
	static char buf[BULK_CHUNK];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)(i * 7);
	double t0 = mono(), sent = 0;
	while (mono() - t0 < seconds) {
		ssize_t n = write(s, buf, sizeof buf);
		if (n <= 0)
			_exit(2);
		sent += (double)n;
	}
	close(s);
	child_report(out, "sent %.0f %.6f\n", sent, mono() - t0);
	_exit(0);
}

/* Accepts one connection on port 9 and reads it to EOF: bytes, seconds. */
static void bulk_receive(int out, int lsock)
{
	int s = accept(lsock, NULL, NULL);
	if (s < 0)
		_exit(2);
	struct timeval tv = {.tv_sec = 5};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	static char buf[BULK_CHUNK];
	double t0 = mono(), got = 0;
	for (;;) {
		ssize_t n = read(s, buf, sizeof buf);
		if (n == 0)
			break;
		if (n < 0)
			_exit(2);
		got += (double)n;
	}
	child_report(out, "received %.0f %.6f\n", got, mono() - t0);
	_exit(0);
}

static uint16_t icmp_sum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The pause after each reply before the next request (--ping-gap); the
 * ping children inherit it. */
static unsigned ping_gap_us = 1000;

/* The request's identifier and sequence number in a reply of `type`. */
static bool is_reply(const uint8_t *ic, size_t n, uint8_t type, uint16_t id, int seq)
{
	return n >= 8 && ic[0] == type && ic[4] == (uint8_t)(id >> 8) && ic[5] == (uint8_t)id &&
	       ic[6] == (uint8_t)(seq >> 8) && ic[7] == (uint8_t)seq;
}

/* PING_COUNT echo requests over a raw socket (ICMP, or ICMPv6 when addr is
 * an IPv6 address), ping_gap_us apart (1 ms unless --ping-gap), each waiting for its reply (1 s at most):
 * the median RTT in microseconds and the count answered. */
static void ping_rtt(int out, const char *addr)
{
	struct sockaddr_storage ss = {0};
	socklen_t sslen;
	bool v6 = strchr(addr, ':') != NULL;
	if (v6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &a6->sin6_addr);
		sslen = sizeof *a6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
		a4->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &a4->sin_addr);
		sslen = sizeof *a4;
	}
	/* An ICMPv6 raw socket has the kernel fill in the checksum (it
	 * covers the pseudo-header) and delivers no IPv6 header. */
	int s = v6 ? socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6) : socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (s < 0)
		_exit(2);
	static double rtt[PING_COUNT];
	int answered = 0;
	uint16_t id = (uint16_t)getpid();
	for (int seq = 0; seq < PING_COUNT; seq++) {
		uint8_t req[64] = {v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO, 0, 0, 0, (uint8_t)(id >> 8), (uint8_t)id,
				   (uint8_t)(seq >> 8), (uint8_t)seq};
		for (size_t i = 8; i < sizeof req; i++)
			req[i] = (uint8_t)i;
		if (!v6) {
			uint16_t sum = icmp_sum(req, sizeof req);
			req[2] = (uint8_t)(sum >> 8);
			req[3] = (uint8_t)sum;
		}
		double t0 = mono();
		if (sendto(s, req, sizeof req, 0, (struct sockaddr *)&ss, sslen) != (ssize_t)sizeof req)
			_exit(2);
		for (;;) {
			double left = 1.0 - (mono() - t0);
			struct pollfd p = {.fd = s, .events = POLLIN};
			if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
				break;
			uint8_t rep[1500];
			ssize_t n = recv(s, rep, sizeof rep, 0);
			double t1 = mono();
			if (n < 8)
				continue;
			size_t ihl = v6 ? 0 : (size_t)(rep[0] & 0x0f) * 4;
			if ((size_t)n < ihl + 8)
				continue;
			if (is_reply(rep + ihl, (size_t)n - ihl, v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY, id, seq)) {
				rtt[answered++] = (t1 - t0) * 1e6;
				break;
			}
		}
		struct timespec gap = {(time_t)(ping_gap_us / 1000000), (long)(ping_gap_us % 1000000) * 1000};
		if (ping_gap_us != 0)
			nanosleep(&gap, NULL);
	}
	qsort(rtt, (size_t)answered, sizeof rtt[0], cmp_double);
	child_report(out, "ping %.3f %.0f\n", answered > 0 ? rtt[answered / 2] : -1.0, (double)answered);
	_exit(0);
}

enum job { JOB_SEND_TAP, JOB_SEND_VETH, JOB_PING_TAP, JOB_PING_VETH, JOB_PING6_TAP, JOB_PING6_VETH };

/* Where each ping job aims. */
static const char *ping_target(enum job job)
{
	switch (job) {
	case JOB_PING_TAP:
		return "192.0.2.2";
	case JOB_PING6_TAP:
		return "2001:db8::2";
	case JOB_PING6_VETH:
		return "2001:db8:1::2";
	default:
		return "198.51.100.2";
	}
}

struct child {
	pid_t pid;
	int fd; /* its report */
};

/* Forks a child into namespace ns for one job; its line comes through fd. */
static bool spawn(struct child *c, const char *ns, enum job job, double seconds, int lsock)
{
	int p[2];
	if (pipe(p) != 0)
		return false;
	c->pid = fork();
	if (c->pid < 0) {
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (c->pid == 0) {
		close(p[0]);
		signal(SIGPIPE, SIG_DFL);
		if (!enter_ns(ns))
			_exit(2);
		if (lsock >= 0) {
			bulk_receive(p[1], lsock);
		} else if (job == JOB_SEND_TAP || job == JOB_SEND_VETH) {
			bulk_send(p[1], job == JOB_SEND_TAP ? "192.0.2.2" : "198.51.100.2", seconds);
		} else {
			ping_rtt(p[1], ping_target(job));
		}
		_exit(0);
	}
	close(p[1]);
	c->fd = p[0];
	return true;
}

/* Reads the child's line (bounded by `timeout` seconds), reaps it. */
static bool reap(struct child *c, double timeout, char *line, size_t cap)
{
	size_t n = 0;
	double t0 = mono();
	while (n + 1 < cap) {
		double left = timeout - (mono() - t0);
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			break;
		ssize_t r = read(c->fd, line + n, cap - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	line[n] = '\0';
	close(c->fd);
	/* It exits right after its line: give it 2 s, then end it. */
	int st = 0;
	for (int i = 0; waitpid(c->pid, &st, WNOHANG) == 0; i++) {
		if (i == 200) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &st, 0);
			return false;
		}
		struct timespec ten_ms = {0, 10000000};
		nanosleep(&ten_ms, NULL);
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && n > 0;
}

/* ---- the libcapnet side ---- */

struct capnet_side {
	struct ev_loop *loop;
	struct capnet_tap *tap;
	struct capnet_stack *st;
	struct capnet_iface *ifc;
	struct capnet_tcp *tcp;
	struct capnet_tcp_sock *listener, *conn;
	struct capnet_ev *ev;
	void *mem;
	struct capnet_host_rng rng;
	uint64_t bytes;
	capnet_instant t_accept, t_end;
	bool done;
	/* sending (libcapnet -> Linux): until `stop_at`, then close */
	bool sending;
	double stop_at;
	struct capnet_tcp_info info; /* the connection's, when it ended */
	uint8_t buf[BULK_CHUNK];
	ev_io child_io;  /* the child's report: its end stops the loop */
	ev_timer limit;
};

static void conn_ready(void *ctx, struct capnet_tcp_sock *s, unsigned events, capnet_instant now)
{
	(void)events;
	struct capnet_side *c = ctx;
	for (int i = 0; i < 1024; i++) {
		size_t got = 0;
		capnet_err e = capnet_tcp_recv(s, c->buf, sizeof c->buf, &got, now);
		if (e == CAPNET_E_AGAIN)
			return;
		if (e != CAPNET_OK) {
			c->t_end = now;
			c->done = true;
			capnet_tcp_info(s, &c->info);
			capnet_tcp_set_notify(s, NULL, NULL);
			capnet_tcp_close(s, now);
			c->conn = NULL;
			return;
		}
		c->bytes += got;
	}
}

/* libcapnet -> Linux: keeps the send ring full until stop_at, then closes
 * (the FIN follows the data); the Linux receiver measures. */
static void sender_ready(void *ctx, struct capnet_tcp_sock *s, unsigned events, capnet_instant now)
{
	struct capnet_side *c = ctx;
	if (events & (CAPNET_TCP_EV_RESET | CAPNET_TCP_EV_ERROR)) {
		capnet_tcp_set_notify(s, NULL, NULL);
		c->done = true;
		return;
	}
	if (!(events & CAPNET_TCP_EV_CONNECTED) || !c->sending)
		return;
	if (mono() >= c->stop_at) {
		c->sending = false;
		capnet_tcp_info(s, &c->info);
		capnet_tcp_set_notify(s, NULL, NULL);
		capnet_tcp_close(s, now);
		c->conn = NULL;
		c->done = true;
		return;
	}
	for (int i = 0; i < 64; i++) {
		size_t put = 0;
		if (capnet_tcp_send(s, c->buf, sizeof c->buf, &put, now) != CAPNET_OK || put == 0)
			break;
		c->bytes += put;
	}
}

static void listener_ready(void *ctx, struct capnet_tcp_sock *l, unsigned events, capnet_instant now)
{
	struct capnet_side *c = ctx;
	if (!(events & CAPNET_TCP_EV_ACCEPTABLE))
		return;
	struct capnet_tcp_sock *s;
	while (capnet_tcp_accept(l, &s) == CAPNET_OK) {
		if (c->conn != NULL) {
			capnet_tcp_abort(s, now);
			continue;
		}
		c->conn = s;
		c->bytes = 0;
		c->done = false;
		c->t_accept = now;
		capnet_tcp_set_notify(s, conn_ready, c);
		conn_ready(c, s, capnet_tcp_events(s), now);
	}
}

static void on_child(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	(void)w;
	ev_break(loop, EVBREAK_ALL);
}

static void on_limit(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	(void)w;
	ev_break(loop, EVBREAK_ALL);
}

static bool capnet_up(struct capnet_side *c, bool offload, bool ring, unsigned busy_poll_us)
{
	char err[CAPNET_TAP_ERRBUF_SIZE];
	struct capnet_tap_options to = {.name = TAP_NAME, .txq_frames = 1024, .offload = offload, .ring = ring};
	if (capnet_tap_open(&to, &c->tap, err, sizeof err) != CAPNET_OK) {
		fprintf(stderr, "capnet bench tap: %s\n", err);
		return false;
	}
	/* The kernel's side of the TAP: its address, up, no IPv6 chatter. */
	FILE *f = fopen("/proc/sys/net/ipv6/conf/" TAP_NAME "/disable_ipv6", "w");
	if (f != NULL) {
		fputs("1\n", f);
		fclose(f);
	}
	const char *const cmds[][10] = {
		{"ip", "addr", "add", "192.0.2.1/24", "dev", TAP_NAME, NULL},
		{"ip", "link", "set", TAP_NAME, "up", NULL},
	};
	for (size_t i = 0; i < 2; i++)
		if (!run(cmds[i]))
			return false;
	struct capnet_tcp_config tcfg = {.max_sockets = 8, .rcvbuf = TAP_RCVBUF, .sndbuf = TAP_RCVBUF};
	/* The TCP layer alone: the bench measures it, not the cap layer. With
	 * offloads the kernel also cuts what libcapnet sends (TSO). */
	struct capnet_stack_config cfg = {.without = CAPNET_STACK_NO_UDP | CAPNET_STACK_NO_CAPS, .tcp = tcfg};
	cfg.iface.tso_max = offload ? 65535 : 0;
	/* IPv6 for the ping: a static address, no router solicitations. */
	cfg.iface.ip6.enable = true;
	cfg.iface.ip6.no_slaac = true;
	struct capnet_nic *nics[1] = {capnet_tap_nic(c->tap)};
	size_t need = capnet_stack_arena_need(&cfg, nics, 1);
	c->mem = malloc(need);
	if (c->mem == NULL)
		return false;
	struct capnet_arena arena;
	capnet_arena_init(&arena, c->mem, need);
	capnet_instant now = capnet_host_now();
	capnet_err e = capnet_stack_create(&arena, &cfg, capnet_host_rng(&c->rng), nics, 1, &c->st);
	if (e == CAPNET_OK) {
		c->ifc = capnet_stack_iface(c->st, 0);
		c->tcp = capnet_stack_tcp(c->st, 0);
	}
	struct capnet_tcp_sockopts so;
	if (e == CAPNET_OK) {
		capnet_tcp_sockopts_defaults(c->tcp, &so);
		so.rcvbuf = TAP_RCVBUF;
		so.sndbuf = TAP_RCVBUF;
		e = capnet_tcp_listen(c->tcp, DISCARD_PORT, 4, &so, &c->listener);
	}
	struct capnet_ip4_config ipc = {CAPNET_IP4(192, 0, 2, 2), 24, 0, CAPNET_PROV_STATIC};
	if (e == CAPNET_OK) {
		capnet_tcp_set_notify(c->listener, listener_ready, c);
		e = capnet_iface_set_ip4(c->ifc, &ipc, now);
		if (e == CAPNET_E_LINKDOWN || e == CAPNET_E_AGAIN || e == CAPNET_E_NIC)
			e = CAPNET_OK;
	}
	/* 2001:db8::2/64: DAD runs while the bulk transfers do (the kernel's
	 * side has IPv6 off until the pings) */
	const struct capnet_ip6addr a6 = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
	if (e == CAPNET_OK)
		e = capnet_ip6_addr_add(c->ifc, &a6, 64, CAPNET_PROV_STATIC, now);
	struct capnet_ev_options eo = {.busy_poll_us = busy_poll_us};
	if (e == CAPNET_OK)
		e = capnet_ev_attach_tap(c->loop, c->ifc, c->tap, &eo, &c->ev);
	if (e != CAPNET_OK) {
		fprintf(stderr, "capnet bench tap: stack setup: %s\n", capnet_strerror(e));
		return false;
	}
	return true;
}

static void capnet_down(struct capnet_side *c)
{
	capnet_ev_detach(c->ev);
	capnet_tap_close(c->tap);
	free(c->mem);
}

/* Serves the stack until the child's report arrives or `limit` seconds. */
static void serve_until(struct capnet_side *c, struct child *ch, double limit)
{
	ev_io_init(&c->child_io, on_child, ch->fd, EV_READ);
	ev_io_start(c->loop, &c->child_io);
	ev_timer_init(&c->limit, on_limit, limit, 0.0);
	ev_timer_start(c->loop, &c->limit);
	ev_run(c->loop, 0);
	ev_io_stop(c->loop, &c->child_io);
	ev_timer_stop(c->loop, &c->limit);
}

static double cpu_of(const struct rusage *a, const struct rusage *b, bool user)
{
	const struct timeval *x = user ? &a->ru_utime : &a->ru_stime, *y = user ? &b->ru_utime : &b->ru_stime;
	return (double)(y->tv_sec - x->tv_sec) + (double)(y->tv_usec - x->tv_usec) / 1e6;
}

/* ---- the run ---- */

/* read()/write() or io_uring (the ring), without and with the offloads */
enum tap_mode { MODE_PLAIN, MODE_OFFLOAD, MODE_RING, MODE_RING_OFFLOAD, MODE_COUNT };
enum tap_dir { DIR_RX, DIR_TX, DIR_COUNT }; /* Linux -> libcapnet, libcapnet -> Linux */
static const char *const mode_name[MODE_COUNT] = {"plain", "offload", "ring", "ring+offload"};
static const char *const mode_key[MODE_COUNT] = {"tap_plain", "tap_offload", "tap_ring", "tap_ring_offload"};
static const char *const dir_name[DIR_COUNT] = {"linux_to_capnet", "capnet_to_linux"};
static const char *const dir_text[DIR_COUNT] = {"Linux -> libcapnet", "libcapnet -> Linux"};

/* One bulk transfer over the TAP, and what it cost this process. */
struct tap_run {
	bool ok;
	double gbps, bytes, secs;
	uint64_t segs_in, segs_out;           /* the connection's, GRO/TSO super-frames counted as their segments */
	uint64_t reads, writes;               /* frames read from / written to the TAP */
	uint64_t gro_frames, gro_segments, tso_frames, ring_enters;
	uint64_t polls, read_wakeups;
	double cpu_user, cpu_sys;
};

/* Linux -> Linux over the veth pair, offloads on or off. */
struct veth_run {
	bool ok;
	double gbps, bytes, secs;
};

struct figures {
	struct tap_run tap[MODE_COUNT][DIR_COUNT];
	struct veth_run veth[2]; /* [0] offloads off, [1] on */
	double ping_capnet_us, ping_kernel_us;
	int ping_capnet_n, ping_kernel_n;
	double ping6_capnet_us, ping6_kernel_us;
	int ping6_capnet_n, ping6_kernel_n;
	/* the libcapnet process's loop during its pings (IPv4 and IPv6) */
	uint64_t ping_read_wakeups, ping_busy_poll_hits, ping_busy_poll_passes, ping_polls;
	double ping_cpu_s;
	unsigned busy_poll_us;
	bool only_ping;
};

/* A listening socket on 192.0.2.1:9 (Linux's side of the TAP, this
 * process's namespace) for the libcapnet -> Linux transfer. */
static int tap_listener(void)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(DISCARD_PORT)};
	inet_pton(AF_INET, "192.0.2.1", &sa.sin_addr);
	if (l >= 0 && (bind(l, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l, 1) != 0)) {
		close(l);
		l = -1;
	}
	return l;
}

/* Starts the transfer of direction d: Linux's sender, or Linux's receiver
 * and libcapnet's connect. */
static bool start_transfer(struct bench_world *w, struct capnet_side *c, enum tap_dir d, double seconds,
			   struct child *ch)
{
	if (d == DIR_RX)
		return spawn(ch, w->ns_a, JOB_SEND_TAP, seconds, -1);
	int l = tap_listener();
	if (l < 0)
		return false;
	bool ok = spawn(ch, w->ns_a, JOB_SEND_TAP, seconds, l);
	close(l);
	if (!ok)
		return false;
	struct capnet_tcp_sockopts so;
	capnet_tcp_sockopts_defaults(c->tcp, &so);
	so.sndbuf = TAP_RCVBUF;
	so.rcvbuf = TAP_RCVBUF;
	struct capnet_ipaddr dst = capnet_ipaddr_from_ip4(CAPNET_IP4(192, 0, 2, 1));
	c->bytes = 0;
	c->done = false;
	c->sending = true;
	c->stop_at = mono() + seconds;
	if (capnet_tcp_connect(c->tcp, &dst, DISCARD_PORT, 0, &so, capnet_host_now(), &c->conn) != CAPNET_OK)
		return false;
	capnet_tcp_set_notify(c->conn, sender_ready, c);
	capnet_ev_poll_now(c->ev);
	return true;
}

/* While sending, the stop time must be noticed even when no event comes. */
static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct capnet_side *c = w->data;
	if (c->conn != NULL && c->sending) {
		sender_ready(c, c->conn, capnet_tcp_events(c->conn), capnet_host_now());
		capnet_ev_poll_now(c->ev);
	}
}

/* Whether libcapnet's static IPv6 address has passed DAD. */
static bool ip6_ready(const struct capnet_side *c)
{
	struct capnet_ip6_addr_info a[8];
	size_t n = capnet_ip6_addrs(c->ifc, a, 8);
	for (size_t i = 0; i < n; i++)
		if (a[i].provenance == CAPNET_PROV_STATIC && a[i].state == CAPNET_IP6_ADDR_PREFERRED)
			return true;
	return false;
}

/* Runs the loop for `sec` seconds. */
static void serve_for(struct capnet_side *c, double sec)
{
	ev_timer t;
	ev_timer_init(&t, on_limit, sec, 0.0);
	ev_timer_start(c->loop, &t);
	ev_run(c->loop, 0);
	ev_timer_stop(c->loop, &t);
}

/* Linux's pings to libcapnet: IPv4, then IPv6 once the kernel's side of
 * the TAP has IPv6 on (2001:db8::1, no DAD) and libcapnet's address has
 * passed its own DAD. Also what the loop did meanwhile. */
static bool tap_pings(struct bench_world *w, struct capnet_side *c, struct figures *fg)
{
	char line[256];
	struct child ch;
	double n = 0;
	struct capnet_ev_stats es0, es1;
	struct rusage r0, r1;
	capnet_ev_get_stats(c->ev, &es0);
	getrusage(RUSAGE_SELF, &r0);
	bool ok = spawn(&ch, w->ns_a, JOB_PING_TAP, 0, -1);
	if (ok) {
		serve_until(c, &ch, 30);
		ok = reap(&ch, 5, line, sizeof line) && sscanf(line, "ping %lf %lf", &fg->ping_capnet_us, &n) == 2;
		fg->ping_capnet_n = (int)n;
		if (!ok)
			fprintf(stderr, "capnet bench tap: pinging libcapnet failed (%s)\n", line);
	}
	FILE *f = fopen("/proc/sys/net/ipv6/conf/" TAP_NAME "/disable_ipv6", "w");
	if (f != NULL) {
		fputs("0\n", f);
		fclose(f);
	}
	const char *const add6[] = {"ip", "addr", "add", "2001:db8::1/64", "dev", TAP_NAME, "nodad", NULL};
	bool ok6 = run(add6);
	for (int i = 0; ok6 && i < 60 && !ip6_ready(c); i++)
		serve_for(c, 0.05);
	ok6 = ok6 && ip6_ready(c);
	if (!ok6)
		fprintf(stderr, "capnet bench tap: libcapnet's IPv6 address is not ready\n");
	if (ok6 && spawn(&ch, w->ns_a, JOB_PING6_TAP, 0, -1)) {
		serve_until(c, &ch, 30);
		ok6 = reap(&ch, 5, line, sizeof line) && sscanf(line, "ping %lf %lf", &fg->ping6_capnet_us, &n) == 2;
		fg->ping6_capnet_n = (int)n;
		if (!ok6)
			fprintf(stderr, "capnet bench tap: pinging libcapnet over IPv6 failed (%s)\n", line);
	}
	capnet_ev_get_stats(c->ev, &es1);
	getrusage(RUSAGE_SELF, &r1);
	fg->ping_read_wakeups = es1.io_read_wakeups - es0.io_read_wakeups;
	fg->ping_busy_poll_hits = es1.busy_poll_hits - es0.busy_poll_hits;
	fg->ping_busy_poll_passes = es1.busy_poll_passes - es0.busy_poll_passes;
	fg->ping_polls = es1.polls - es0.polls;
	fg->ping_cpu_s = cpu_of(&r0, &r1, true) + cpu_of(&r0, &r1, false);
	return ok && ok6;
}

/* libcapnet on a fresh TAP in one mode: each direction's bulk transfer,
 * then (with `ping`) Linux's pings to it. */
static bool tap_measure(struct bench_world *w, double seconds, enum tap_mode m, struct figures *fg, bool ping)
{
	static struct capnet_side c;
	memset(&c, 0, sizeof c);
	c.loop = ev_loop_new(EVFLAG_AUTO);
	bool ok = c.loop != NULL &&
		  capnet_up(&c, m == MODE_OFFLOAD || m == MODE_RING_OFFLOAD, m == MODE_RING || m == MODE_RING_OFFLOAD,
			    fg->busy_poll_us);
	if (!ok)
		fprintf(stderr, "capnet bench tap: cannot run libcapnet on %s\n", TAP_NAME);
	char line[256];
	struct child ch;
	/* Let the kernel's side settle (link up, the stack's announcement). */
	if (ok) {
		ev_timer settle;
		ev_timer_init(&settle, on_limit, 0.3, 0.0);
		ev_timer_start(c.loop, &settle);
		ev_run(c.loop, 0);
		ev_timer_stop(c.loop, &settle);
	}
	ev_timer tick;
	ev_timer_init(&tick, on_tick, 0.01, 0.01);
	tick.data = &c;
	for (int d = 0; ok && !fg->only_ping && d < DIR_COUNT; d++) {
		struct tap_run *tr = &fg->tap[m][d];
		struct rusage r0, r1;
		struct capnet_tap_stats ts0, ts1;
		struct capnet_ev_stats es0, es1;
		getrusage(RUSAGE_SELF, &r0);
		capnet_tap_get_stats(c.tap, &ts0);
		capnet_ev_get_stats(c.ev, &es0);
		memset(&c.info, 0, sizeof c.info);
		c.done = false;
		if (!start_transfer(w, &c, (enum tap_dir)d, seconds, &ch)) {
			fprintf(stderr, "capnet bench tap: cannot start %s (%s)\n", dir_text[d], mode_name[m]);
			continue;
		}
		ev_timer_start(c.loop, &tick);
		serve_until(&c, &ch, seconds + 20);
		ev_timer_stop(c.loop, &tick);
		/* the FIN may come in the same wakeup as the report, or just after */
		for (int i = 0; i < 200 && !c.done; i++)
			ev_run(c.loop, EVRUN_ONCE);
		getrusage(RUSAGE_SELF, &r1);
		capnet_tap_get_stats(c.tap, &ts1);
		capnet_ev_get_stats(c.ev, &es1);
		double got = 0, secs = 0;
		bool reaped = reap(&ch, 5, line, sizeof line);
		if (d == DIR_RX) {
			tr->ok = reaped && c.done;
			got = (double)c.bytes;
			secs = (double)(c.t_end - c.t_accept) / 1e6;
		} else {
			tr->ok = reaped && sscanf(line, "received %lf %lf", &got, &secs) == 2 && secs > 0;
		}
		if (!tr->ok) {
			fprintf(stderr, "capnet bench tap: %s (%s) did not complete (%s)\n", dir_text[d], mode_name[m], line);
			continue;
		}
		tr->bytes = got;
		tr->secs = secs;
		tr->gbps = got * 8 / secs / 1e9;
		tr->segs_in = c.info.segs_in;
		tr->segs_out = c.info.segs_out;
		tr->reads = ts1.rx_frames - ts0.rx_frames;
		tr->writes = ts1.tx_frames - ts0.tx_frames;
		tr->gro_frames = ts1.rx_gro_frames - ts0.rx_gro_frames;
		tr->gro_segments = ts1.rx_gro_segments - ts0.rx_gro_segments;
		tr->tso_frames = ts1.tx_tso_frames - ts0.tx_tso_frames;
		tr->ring_enters = ts1.ring_enters - ts0.ring_enters;
		tr->polls = es1.polls - es0.polls;
		tr->read_wakeups = es1.io_read_wakeups - es0.io_read_wakeups;
		tr->cpu_user = cpu_of(&r0, &r1, true);
		tr->cpu_sys = cpu_of(&r0, &r1, false);
		/* let the connection finish closing before the next one */
		ev_timer settle;
		ev_timer_init(&settle, on_limit, 0.2, 0.0);
		ev_timer_start(c.loop, &settle);
		ev_run(c.loop, 0);
		ev_timer_stop(c.loop, &settle);
	}
	if (ok && ping)
		ok = tap_pings(w, &c, fg);
	if (c.loop != NULL) {
		capnet_down(&c);
		ev_loop_destroy(c.loop);
	}
	return ok;
}

/* Both ends of the veth pair: TSO, GSO, GRO and checksum offloads off
 * (`ethtool -K DEV tso off gso off gro off tx off rx off`). */
static bool veth_offloads_off(struct bench_world *w)
{
	const char *const a[] = {"ip", "netns", "exec", w->ns_a, "ethtool", "-K", VETH_A, "tso", "off", "gso", "off",
				 "gro", "off", "tx", "off", "rx", "off", NULL};
	const char *const b[] = {"ip", "netns", "exec", w->ns_b, "ethtool", "-K", VETH_B, "tso", "off", "gso", "off",
				 "gro", "off", "tx", "off", "rx", "off", NULL};
	return run(a) && run(b);
}

/* The same sender to a Linux receiver in B over the veth pair, then (with
 * `ping`) the kernel's ping RTT there. */
static bool veth_measure(struct bench_world *w, double seconds, struct veth_run *vr, struct figures *fg, bool ping)
{
	char line[256];
	int lsock = -1;
	bool ok = enter_ns(w->ns_b);
	if (ok) {
		lsock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;
		setsockopt(lsock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(DISCARD_PORT)};
		inet_pton(AF_INET, "198.51.100.2", &sa.sin_addr);
		if (bind(lsock, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lsock, 1) != 0) {
			close(lsock);
			lsock = -1;
		}
		ok = enter_ns(w->ns_a) && lsock >= 0;
		if (!ok)
			fprintf(stderr, "capnet bench tap: cannot listen on 198.51.100.2:%d\n", DISCARD_PORT);
	}
	struct child rx, tx;
	bool transfer = !fg->only_ping;
	if (ok && transfer)
		ok = spawn(&rx, w->ns_b, JOB_SEND_VETH, seconds, lsock);
	if (lsock >= 0)
		close(lsock);
	if (ok && transfer) {
		ok = spawn(&tx, w->ns_a, JOB_SEND_VETH, seconds, -1);
		char txline[128] = "";
		bool tx_ok = ok && reap(&tx, seconds + 20, txline, sizeof txline);
		ok = reap(&rx, 20, line, sizeof line) && tx_ok &&
		     sscanf(line, "received %lf %lf", &vr->bytes, &vr->secs) == 2 && vr->secs > 0;
		if (!ok)
			fprintf(stderr, "capnet bench tap: the veth transfer did not complete (sender: %s; receiver: %s)\n",
				tx_ok ? txline : "failed", line);
		else
			vr->gbps = vr->bytes * 8 / vr->secs / 1e9;
	}
	vr->ok = ok;
	double n = 0;
	struct child ch;
	if (ok && ping && spawn(&ch, w->ns_a, JOB_PING_VETH, 0, -1)) {
		ok = reap(&ch, 30, line, sizeof line) && sscanf(line, "ping %lf %lf", &fg->ping_kernel_us, &n) == 2;
		fg->ping_kernel_n = (int)n;
		if (!ok)
			fprintf(stderr, "capnet bench tap: pinging the kernel failed (%s)\n", line);
	}
	if (ok && ping && spawn(&ch, w->ns_a, JOB_PING6_VETH, 0, -1)) {
		ok = reap(&ch, 30, line, sizeof line) && sscanf(line, "ping %lf %lf", &fg->ping6_kernel_us, &n) == 2;
		fg->ping6_kernel_n = (int)n;
		if (!ok)
			fprintf(stderr, "capnet bench tap: pinging the kernel over IPv6 failed (%s)\n", line);
	}
	return ok;
}

static bool measure(struct bench_world *w, double seconds, struct figures *fg)
{
	/* This process joins namespace A for good: the TAP is made there. */
	if (!enter_ns(w->ns_a)) {
		fprintf(stderr, "capnet bench tap: cannot enter %s: %s\n", w->ns_a, strerror(errno));
		return false;
	}
	bool ok = tap_measure(w, seconds, MODE_PLAIN, fg, true);
	for (int m = MODE_OFFLOAD; !fg->only_ping && m < MODE_COUNT; m++)
		ok = tap_measure(w, seconds, (enum tap_mode)m, fg, false) && ok;
	/* veth with its offloads (the default), then without */
	ok = veth_measure(w, seconds, &fg->veth[1], fg, true) && ok;
	if (fg->only_ping)
		return ok;
	if (veth_offloads_off(w))
		veth_measure(w, seconds, &fg->veth[0], fg, false);
	else
		fprintf(stderr, "capnet bench tap: cannot turn the veth offloads off (is ethtool installed?)\n");
	return ok;
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double ratio_of(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* ACKs per data segment: what the receiver sent per segment it got. */
static double acks_per_segment(const struct tap_run *t, enum tap_dir d)
{
	return d == DIR_RX ? ratio_of((double)t->segs_out, (double)t->segs_in)
			   : ratio_of((double)t->segs_in, (double)t->segs_out);
}

static json_t *run_json(const struct tap_run *t, enum tap_dir d, const struct figures *fg)
{
	json_t *o = json_object();
	json_object_set_new(o, "completed", json_boolean(t->ok));
	json_object_set_new(o, "gbps", json_real(t->gbps));
	json_object_set_new(o, "bytes", json_integer((json_int_t)t->bytes));
	json_object_set_new(o, "seconds", json_real(t->secs));
	json_object_set_new(o, "ratio_to_veth_offloads_off", json_real(ratio_of(t->gbps, fg->veth[0].gbps)));
	json_object_set_new(o, "ratio_to_veth_offloads_on", json_real(ratio_of(t->gbps, fg->veth[1].gbps)));
	json_object_set_new(o, "segs_in", json_integer((json_int_t)t->segs_in));
	json_object_set_new(o, "segs_out", json_integer((json_int_t)t->segs_out));
	json_object_set_new(o, "acks_per_segment", json_real(acks_per_segment(t, d)));
	json_object_set_new(o, "tap_reads", json_integer((json_int_t)t->reads));
	json_object_set_new(o, "tap_writes", json_integer((json_int_t)t->writes));
	json_object_set_new(o, "gro_frames", json_integer((json_int_t)t->gro_frames));
	json_object_set_new(o, "gro_segments", json_integer((json_int_t)t->gro_segments));
	json_object_set_new(o, "tso_frames", json_integer((json_int_t)t->tso_frames));
	json_object_set_new(o, "ring_enters", json_integer((json_int_t)t->ring_enters));
	json_object_set_new(o, "polls", json_integer((json_int_t)t->polls));
	json_object_set_new(o, "read_wakeups", json_integer((json_int_t)t->read_wakeups));
	json_object_set_new(o, "cpu_user_s", json_real(t->cpu_user));
	json_object_set_new(o, "cpu_sys_s", json_real(t->cpu_sys));
	uint64_t segs = d == DIR_RX ? t->segs_in : t->segs_out;
	json_object_set_new(o, "cpu_us_per_segment", json_real(ratio_of((t->cpu_user + t->cpu_sys) * 1e6, (double)segs)));
	return o;
}

static void ping_json(json_t *j, const struct figures *fg)
{
	json_object_set_new(j, "ping_median_us_capnet", json_real(fg->ping_capnet_us));
	json_object_set_new(j, "ping_median_us_kernel", json_real(fg->ping_kernel_us));
	json_object_set_new(j, "ping_ratio", json_real(ratio_of(fg->ping_capnet_us, fg->ping_kernel_us)));
	json_object_set_new(j, "ping_answered_capnet", json_integer(fg->ping_capnet_n));
	json_object_set_new(j, "ping_answered_kernel", json_integer(fg->ping_kernel_n));
	json_object_set_new(j, "ping6_median_us_capnet", json_real(fg->ping6_capnet_us));
	json_object_set_new(j, "ping6_median_us_kernel", json_real(fg->ping6_kernel_us));
	json_object_set_new(j, "ping6_ratio", json_real(ratio_of(fg->ping6_capnet_us, fg->ping6_kernel_us)));
	json_object_set_new(j, "ping6_answered_capnet", json_integer(fg->ping6_capnet_n));
	json_object_set_new(j, "ping6_answered_kernel", json_integer(fg->ping6_kernel_n));
	json_object_set_new(j, "ping_count", json_integer(PING_COUNT));
	json_object_set_new(j, "busy_poll_us", json_integer(fg->busy_poll_us));
	json_object_set_new(j, "ping_gap_us", json_integer(ping_gap_us));
	json_object_set_new(j, "ping_capnet_read_wakeups", json_integer((json_int_t)fg->ping_read_wakeups));
	json_object_set_new(j, "ping_capnet_busy_poll_hits", json_integer((json_int_t)fg->ping_busy_poll_hits));
	json_object_set_new(j, "ping_capnet_busy_poll_passes", json_integer((json_int_t)fg->ping_busy_poll_passes));
	json_object_set_new(j, "ping_capnet_polls", json_integer((json_int_t)fg->ping_polls));
	json_object_set_new(j, "ping_capnet_cpu_s", json_real(fg->ping_cpu_s));
}

static void print_json(struct bench_ctx *ctx, double seconds, const struct figures *fg)
{
	json_t *j = ctx->jresult;
	ping_json(j, fg);
	if (fg->only_ping)
		return;
	json_object_set_new(j, "seconds", json_real(seconds));
	for (int v = 0; v < 2; v++) {
		json_t *o = json_object();
		json_object_set_new(o, "completed", json_boolean(fg->veth[v].ok));
		json_object_set_new(o, "gbps", json_real(fg->veth[v].gbps));
		json_object_set_new(o, "bytes", json_integer((json_int_t)fg->veth[v].bytes));
		json_object_set_new(j, v == 0 ? "veth_offloads_off" : "veth_offloads_on", o);
	}
	for (int m = 0; m < MODE_COUNT; m++) {
		json_t *o = json_object();
		for (int d = 0; d < DIR_COUNT; d++)
			json_object_set_new(o, dir_name[d], run_json(&fg->tap[m][d], (enum tap_dir)d, fg));
		json_object_set_new(j, mode_key[m], o);
	}
	json_object_set_new(j, "rcvbuf", json_integer(TAP_RCVBUF));
	/* the figures earlier versions printed, under their names */
	json_object_set_new(j, "veth_gbps", json_real(fg->veth[1].gbps));
	json_object_set_new(j, "tap_gbps", json_real(fg->tap[MODE_PLAIN][DIR_RX].gbps));
	json_object_set_new(j, "ratio", json_real(ratio_of(fg->tap[MODE_PLAIN][DIR_RX].gbps, fg->veth[1].gbps)));
	json_object_set_new(j, "ratio_offload",
			    json_real(ratio_of(fg->tap[MODE_OFFLOAD][DIR_RX].gbps, fg->veth[1].gbps)));
}

static void print_ping_text(const struct figures *fg)
{
	printf("ping RTT median: libcapnet %.1f us (%d/%d answered), kernel %.1f us (%d/%d): ratio %.2f\n",
	       fg->ping_capnet_us, fg->ping_capnet_n, PING_COUNT, fg->ping_kernel_us, fg->ping_kernel_n, PING_COUNT,
	       ratio_of(fg->ping_capnet_us, fg->ping_kernel_us));
	printf("ping6 RTT median: libcapnet %.1f us (%d/%d answered), kernel %.1f us (%d/%d): ratio %.2f\n",
	       fg->ping6_capnet_us, fg->ping6_capnet_n, PING_COUNT, fg->ping6_kernel_us, fg->ping6_kernel_n, PING_COUNT,
	       ratio_of(fg->ping6_capnet_us, fg->ping6_kernel_us));
	printf("libcapnet during the pings (%u us apart): busy poll %u us, %" PRIu64 " read wakeups, %" PRIu64
	       " polls, %" PRIu64 " frames found busy-polling (%" PRIu64 " polls in the windows), CPU %.3f s\n",
	       ping_gap_us, fg->busy_poll_us, fg->ping_read_wakeups, fg->ping_polls, fg->ping_busy_poll_hits,
	       fg->ping_busy_poll_passes, fg->ping_cpu_s);
}

static void print_text(const struct figures *fg)
{
	if (fg->only_ping) {
		print_ping_text(fg);
		return;
	}
	printf("Linux -> Linux over veth, offloads off: %7.3f Gbit/s;  offloads on: %7.3f Gbit/s\n", fg->veth[0].gbps,
	       fg->veth[1].gbps);
	for (int m = 0; m < MODE_COUNT; m++)
		for (int d = 0; d < DIR_COUNT; d++) {
			const struct tap_run *t = &fg->tap[m][d];
			printf("%-18s over TAP (%-12s): %7.3f Gbit/s (%.0f MiB in %.3f s); ratio to veth: %.3f of offloads "
			       "off, %.3f of offloads on\n",
			       dir_text[d], mode_name[m], t->gbps, t->bytes / 1048576, t->secs,
			       ratio_of(t->gbps, fg->veth[0].gbps), ratio_of(t->gbps, fg->veth[1].gbps));
		}
	print_ping_text(fg);
	for (int m = 0; m < MODE_COUNT; m++)
		for (int d = 0; d < DIR_COUNT; d++) {
			const struct tap_run *t = &fg->tap[m][d];
			uint64_t segs = d == DIR_RX ? t->segs_in : t->segs_out;
			printf("libcapnet %s (%s): %" PRIu64 " segments in, %" PRIu64 " out (%.3f ACKs per data segment); "
			       "%" PRIu64 " TAP reads (%" PRIu64 " GRO super-frames of %" PRIu64 " segments), %" PRIu64
			       " writes (%" PRIu64 " TSO), %" PRIu64 " io_uring enters; %" PRIu64 " polls, %" PRIu64
			       " read wakeups; CPU %.3f s user + %.3f s sys = %.2f us per segment\n",
			       dir_text[d], mode_name[m], t->segs_in, t->segs_out, acks_per_segment(t, (enum tap_dir)d),
			       t->reads, t->gro_frames, t->gro_segments, t->writes, t->tso_frames, t->ring_enters, t->polls,
			       t->read_wakeups, t->cpu_user, t->cpu_sys,
			       ratio_of((t->cpu_user + t->cpu_sys) * 1e6, (double)segs));
		}
}

int bench_tap(struct bench_ctx *ctx)
{
	if (geteuid() != 0) {
		fprintf(stderr, "capnet bench tap: needs root: it creates two network namespaces, a veth pair and a "
				"TAP device (run it as root, e.g. sudo capnet bench tap)\n");
		return 1;
	}
	if (access("/dev/net/tun", R_OK | W_OK) != 0) {
		fprintf(stderr, "capnet bench tap: no /dev/net/tun\n");
		return 1;
	}
	double seconds = ctx->seconds;
	struct bench_world w = {0};
	/* The namespaces go away whatever happens: SIGINT and SIGTERM only
	 * cut the measurement short. */
	struct sigaction sa = {.sa_handler = on_interrupt}, old_int, old_term;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	signal(SIGPIPE, SIG_IGN);
	static struct figures fg;
	memset(&fg, 0, sizeof fg);
	fg.busy_poll_us = ctx->busy_poll_us;
	fg.only_ping = ctx->only_ping;
	if (ctx->ping_gap_given)
		ping_gap_us = ctx->ping_gap_us;
	bool ok = world_up(&w) && !interrupted && measure(&w, seconds, &fg) && !interrupted;
	world_down(&w);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (!ok) {
		fprintf(stderr, "capnet bench tap: %s\n", interrupted ? "interrupted" : "failed");
		return 1;
	}
	if (ctx->json)
		print_json(ctx, seconds, &fg);
	else
		print_text(&fg);
	return 0;
}
