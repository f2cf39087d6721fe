/* capnet serve --tap NAME (--dhcp | --static ADDR/LEN [--gateway ADDR]) [--pcap FILE]
 *
 * Runs one stack on a Linux TAP device under the libev loop: it answers
 * ARP and ping, echoes UDP datagrams and TCP streams (RFC 862), answers a
 * minimal HTTP/1.1 GET with a fixed body, takes its address from a DHCP
 * server if asked, optionally runs one TCP client session (--connect),
 * logs what happens (link, neighbours, lease, connections), and on
 * SIGINT/SIGTERM releases the lease, closes its connections, stops the
 * loop, prints its counters and flushes the pcap. The stack and services
 * are serve/ (serve_services.h), shared with `capnet replay --serve`: the
 * services hold caps only, granted into their own cspace.
 *
 * --seed N makes a run replayable: the stack's generator is xoshiro256**
 * seeded N (not getrandom), its clock starts at 0 when it is built, and
 * the pcap is stamped with the very instant the stack was given when it
 * received or sent each frame (not the wall clock), so `capnet replay
 * --serve --seed N` feeds the capture into an identical stack at the
 * identical instants. */
#include <arpa/inet.h>
#include <ev.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/host/ev.h"
#include "capnet/host/host.h"
#include "capnet/host/pcap.h"
#include "capnet/host/tap.h"
#include "capnet/rng.h"
#include "capnet/tcp_cc.h"
#include "cmd.h"
#include "serve_services.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: capnet serve --tap NAME --static ADDR/LEN [--gateway ADDR] [options]\n"
		"       capnet serve --tap NAME --dhcp [options]\n\n"
		"Runs a libcapnet stack on a TAP device (created, or attached if it\n"
		"exists) under a libev loop: answers ARP and ICMP echo, echoes UDP and\n"
		"TCP (RFC 862), answers HTTP/1.1 GET / with a fixed body, logs events to\n"
		"stdout, and exits cleanly on SIGINT or SIGTERM (connections closed,\n"
		"pcap flushed). Needs CAP_NET_ADMIN.\n\n"
		"  -t, --tap NAME          TAP device name\n"
		"  -a, --static ADDR/LEN   the stack's IPv4 address (e.g. 192.0.2.2/24)\n"
		"  -g, --gateway ADDR      default gateway (e.g. 192.0.2.1)\n"
		"  -D, --dhcp              take the address from a DHCPv4 server (released on exit)\n"
		"      --ipv6              IPv6 too (the default): a link-local address (EUI-64)\n"
		"                          and SLAAC from router advertisements, each after DAD;\n"
		"                          answers ICMPv6 echo and neighbour solicitations; the\n"
		"                          TCP and UDP services listen on both families\n"
		"      --no-ipv6           IPv4 only\n"
		"      --static6 ADDR/LEN  a static IPv6 address (e.g. 2001:db8::2/64); implies --ipv6\n"
		"  -m, --mac MAC           the stack's MAC (default 02:00:00:00:00:02)\n"
		"  -M, --mtu N             IP MTU; sets the device's to match (default: the device's)\n"
		"  -O, --offload           TAP offloads (IFF_VNET_HDR): the kernel hands over TSO\n"
		"                          super-frames, taken whole into TCP (GRO: one ACK each),\n"
		"                          and partial checksums; TCP hands it super-frames to cut\n"
		"                          (TSO)\n"
		"      --ring              move frames with io_uring (registered buffers, many reads\n"
		"                          and writes per system call) instead of read()/write()\n"
		"      --busy-poll US      after a wakeup that read frames, keep checking the device\n"
		"                          without sleeping for up to US microseconds (as Linux's\n"
		"                          SO_BUSY_POLL): lower latency for a peer that answers\n"
		"                          within the window, at the price of CPU (default 0: off)\n"
		"  -p, --pcap FILE         record every frame, both directions (wall-clock stamps;\n"
		"                          with --seed, the stack's own clock)\n"
		"  -u, --udp-echo PORT     UDP echo port (default 7; 0: none)\n"
		"  -e, --tcp-echo PORT     TCP echo port (default 7; 0: none)\n"
		"  -H, --http PORT         HTTP port (default 80; 0: none)\n"
		"  -x, --discard PORT      TCP discard port, RFC 863 (default 9; 0: none)\n"
		"  -c, --cc NAME           congestion control of every connection:\n"
		"                          none, reno (default) or cubic\n"
		"      --sndbuf BYTES      send ring of every connection (default 64K)\n"
		"      --rcvbuf BYTES      receive ring of every connection (default 64K)\n"
		"  -C, --connect ADDR:PORT also run one TCP client session: connect, send\n"
		"                          (--send-file/--send-bytes), half-close, read to the\n"
		"                          peer's FIN (into --sink); serve stops when it is over\n"
		"                          and exits 0 only if every byte went both ways\n"
		"  -f, --send-file FILE    what the client sends (default: a pattern)\n"
		"  -n, --send-bytes N      how much (K/M/G suffixes; default all of --send-file,\n"
		"                          or 0 bytes of the pattern)\n"
		"  -k, --sink FILE         where the client's received bytes go\n"
		"      --fin-after-eof     the client half-closes only after the peer's FIN\n"
		"                          (peers such as nc that quit on reading EOF)\n"
		"  -s, --seed N            deterministic run: seeded generator, stack clock from 0,\n"
		"                          pcap stamped with it (see `capnet replay --serve`)\n"
		"  -d, --duration SECONDS  stop by itself after this long (default: run until a signal)\n"
		"  -v, --verbose           log every echo request answered\n"
		"  -j, --json              log events as JSON lines\n"
		"  -h, --help              this text\n\n"
		"Exit status: 0 stopped by a signal, --duration or a completed client session,\n"
		"1 setup failed, the device went away or the client session failed, 2 usage error.\n");
}

struct serve_opts {
	const char *tap;
	const char *pcap;
	struct capnet_mac mac;
	uint16_t mtu;
	bool offload;
	bool ring;
	unsigned busy_poll_us;
	struct svc_opts svc;
	uint64_t seed;
	double duration;
	bool have_ip, seeded, json;
};

struct serve {
	struct serve_opts o;
	struct capnet_tap *tap;
	struct capnet_pcap_writer *pcap;
	struct capnet_pcap_tee *tee;
	struct capnet_host_rng hrng;
	struct capnet_xoshiro xrng;
	struct svc *svc;
	struct capnet_ev *ev;
	struct ev_loop *loop;
	ev_timer repoll;
	capnet_instant started; /* monotonic, for the log's clock */
	/* --seed: the stack's clock is the monotonic clock minus t0, and `now`
	 * is the instant of the current poll (the pcap's stamp). */
	capnet_instant t0, now;
	/* What was last logged, to log changes only. */
	int link_up; /* -1 until first read */
	capnet_instant link_checked, pcap_flushed;
	const char *stop_reason;
	bool failed;
};

/* One event: "[  12.345] what" or {"t": 12.345, "event": ..., ...}. */
static void logev(struct serve *s, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void logev(struct serve *s, const char *event, const char *fmt, ...)
{
	char text[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	capnet_duration t = capnet_host_now() - s->started;
	if (s->o.json) {
		json_t *j = json_pack("{s:f, s:s, s:s}", "t", (double)(t / 1000) / 1e3, "event", event, "text", text);
		json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(12));
		putchar('\n');
		json_decref(j);
	} else {
		printf("[%6lld.%03lld] %s\n", (long long)(t / 1000000), (long long)(t % 1000000 / 1000), text);
	}
	fflush(stdout);
}

static void svc_log(void *ctx, capnet_instant now, const char *event, const char *text)
{
	(void)now;
	logev(ctx, event, "%s", text);
}

/* The stack's clock: monotonic, or with --seed monotonic since t0. */
static capnet_instant stack_clock(void *ctx)
{
	struct serve *s = ctx;
	s->now = s->o.seeded ? capnet_host_now() - s->t0 : capnet_host_now();
	return s->now;
}

/* The pcap's stamps with --seed: the instant of the poll at work. */
static capnet_instant poll_instant(void *ctx)
{
	const struct serve *s = ctx;
	return s->now;
}

static void on_repoll(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct serve *s = w->data;
	capnet_ev_poll_now(s->ev);
}

/* After every poll: log what changed. The link is read at most once a
 * second and the pcap flushed at most once a second, both piggybacking on
 * wakeups the stack had anyway (no timer of their own). */
static void after_poll(void *ctx, capnet_instant now, capnet_instant next)
{
	(void)next;
	struct serve *s = ctx;
	capnet_instant real = capnet_host_now();
	if (real - s->link_checked >= CAPNET_S(1)) {
		s->link_checked = real;
		int up = capnet_tap_link_up(s->tap);
		if (up != s->link_up) {
			s->link_up = up;
			logev(s, "link", "link %s on %s", up ? "up" : "down", capnet_tap_name(s->tap));
		}
	}
	/* The services act here. What they send arms TCP timers, which the
	 * runtime takes into account; other work (a connect may wait for ARP)
	 * needs the interface polled again right after this wakeup. */
	if (svc_after_poll(s->svc, now) && !ev_is_active(&s->repoll))
		ev_timer_start(s->loop, &s->repoll);
	enum svc_client_state cs = svc_client_state(s->svc);
	if ((cs == SVC_CLIENT_DONE || cs == SVC_CLIENT_FAILED) && s->stop_reason == NULL) {
		s->stop_reason = cs == SVC_CLIENT_DONE ? "client session done" : "client session failed";
		s->failed = cs == SVC_CLIENT_FAILED;
		ev_break(s->loop, EVBREAK_ALL);
	}
	if (s->pcap != NULL && real - s->pcap_flushed >= CAPNET_S(1)) {
		s->pcap_flushed = real;
		capnet_pcap_writer_flush(s->pcap);
	}
}

static void on_fault(void *ctx, int err)
{
	struct serve *s = ctx;
	logev(s, "fault", "device %s failed: %s; stopping", capnet_tap_name(s->tap), strerror(err));
	s->stop_reason = "device failed";
	s->failed = true;
	ev_break(s->loop, EVBREAK_ALL);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	struct serve *s = w->data;
	s->stop_reason = w->signum == SIGINT ? "SIGINT" : "SIGTERM";
	ev_break(loop, EVBREAK_ALL);
}

static void on_duration(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	struct serve *s = w->data;
	s->stop_reason = "--duration elapsed";
	ev_break(loop, EVBREAK_ALL);
}

static int setup(struct serve *s)
{
	char err[CAPNET_TAP_ERRBUF_SIZE] = "";
	struct capnet_tap_options to = {.name = s->o.tap, .mac = s->o.mac, .mtu = s->o.mtu, .offload = s->o.offload,
					.ring = s->o.ring};
	if (capnet_tap_open(&to, &s->tap, err, sizeof err) != CAPNET_OK) {
		fprintf(stderr, "capnet serve: %s\n", err);
		return EXIT_FAILED;
	}
	struct capnet_nic *nic = capnet_tap_nic(s->tap);
	if (s->o.pcap != NULL) {
		if (capnet_pcap_writer_open(s->o.pcap, 0, &s->pcap, err, sizeof err) != CAPNET_OK) {
			fprintf(stderr, "capnet serve: %s\n", err);
			return EXIT_FAILED;
		}
		capnet_err e = s->o.seeded ? capnet_pcap_tee_open(nic, s->pcap, poll_instant, s, &s->tee)
					   : capnet_pcap_tee_open(nic, s->pcap, capnet_host_wallclock, NULL, &s->tee);
		if (e != CAPNET_OK) {
			fprintf(stderr, "capnet serve: cannot tee the nic into %s\n", s->o.pcap);
			return EXIT_FAILED;
		}
		nic = capnet_pcap_tee_nic(s->tee);
	}
	struct capnet_rng rng;
	if (s->o.seeded) {
		capnet_xoshiro_seed(&s->xrng, s->o.seed);
		rng = capnet_xoshiro_rng(&s->xrng);
		s->t0 = capnet_host_now();
		s->now = 0; /* the stack is built at instant 0 exactly */
	} else {
		rng = capnet_host_rng(&s->hrng);
		s->now = capnet_host_now();
	}
	char ebuf[256] = "";
	if (svc_create(&s->o.svc, nic, rng, s->now, svc_log, s, &s->svc, ebuf, sizeof ebuf) != CAPNET_OK) {
		fprintf(stderr, "capnet serve: %s\n", ebuf);
		return EXIT_FAILED;
	}
	const struct svc_opts *v = &s->o.svc;
	char ib[16], mb[18], gb[16], what[24] = "dhcp";
	if (!v->dhcp)
		snprintf(what, sizeof what, "%s/%u", cmd_fmt_ip4(v->ip, ib), v->prefix_len);
	logev(s, "start", "serving %s (mac %s, mtu %u%s%s) on %s%s%s", what, cmd_fmt_mac(nic->mac, mb), nic->mtu,
	      v->gateway ? ", gateway " : "", v->gateway ? cmd_fmt_ip4(v->gateway, gb) : "", capnet_tap_name(s->tap),
	      s->o.pcap ? ", recording to " : "", s->o.pcap ? s->o.pcap : "");
	if (s->o.seeded)
		logev(s, "start", "deterministic: seed %" PRIu64 ", stack clock from 0%s", s->o.seed,
		      s->o.pcap ? ", pcap stamped with it" : "");
	if (v->ipv6) {
		char a6[INET6_ADDRSTRLEN] = "";
		if (v->static6_len != 0)
			inet_ntop(AF_INET6, v->static6.b, a6, sizeof a6);
		logev(s, "ipv6", "IPv6 on: link-local from the MAC, SLAAC from router advertisements%s%s%s%u",
		      v->static6_len ? ", static " : "", a6, v->static6_len ? "/" : "",
		      v->static6_len ? v->static6_len : 0);
	}
	if (v->udp_echo_port != 0)
		logev(s, "udp", "udp echo on port %u", v->udp_echo_port);
	if (v->tcp_echo_port != 0)
		logev(s, "tcp", "tcp echo on port %u (%s)", v->tcp_echo_port, capnet_tcp_cc_name(v->cc));
	if (v->http_port != 0)
		logev(s, "http", "http on port %u", v->http_port);
	if (v->discard_port != 0)
		logev(s, "tcp", "tcp discard on port %u", v->discard_port);
	ev_timer_init(&s->repoll, on_repoll, 0.0, 0.0);
	s->repoll.data = s;
	struct capnet_ev_options eo = {.after_poll = after_poll,
				       .after_poll_ctx = s,
				       .on_fault = on_fault,
				       .on_fault_ctx = s,
				       .clock = stack_clock,
				       .clock_ctx = s,
				       .busy_poll_us = s->o.busy_poll_us};
	if (capnet_ev_attach_stack_tap(s->loop, svc_stack(s->svc), s->tap, &eo, &s->ev) != CAPNET_OK) {
		fprintf(stderr, "capnet serve: cannot attach to the event loop\n");
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

static void teardown(struct serve *s)
{
	if (s->loop != NULL)
		ev_timer_stop(s->loop, &s->repoll);
	capnet_ev_detach(s->ev);
	svc_destroy(s->svc);
	if (s->pcap != NULL && capnet_pcap_writer_close(s->pcap) != CAPNET_OK)
		fprintf(stderr, "capnet serve: %s: final flush failed\n", s->o.pcap);
	capnet_pcap_tee_close(s->tee);
	capnet_tap_close(s->tap);
}

static void log_summary(struct serve *s)
{
	svc_summary(s->svc, s->now);
	struct capnet_tap_stats ts;
	capnet_tap_get_stats(s->tap, &ts);
	logev(s, "tap",
	      "tap: rx %" PRIu64 " frames, tx %" PRIu64 " frames, tx queued %" PRIu64 " (high water %" PRIu64
	      "), tx dropped %" PRIu64 ", rx oversize %" PRIu64 ", errors rx %" PRIu64 " tx %" PRIu64,
	      ts.rx_frames, ts.tx_frames, ts.tx_queued, ts.txq_high_water, ts.tx_dropped, ts.rx_oversize, ts.rx_errors,
	      ts.tx_errors);
	if (s->o.offload)
		logev(s, "tap",
		      "tap offload: %" PRIu64 " TSO super-frames cut into %" PRIu64 " segments, %" PRIu64
		      " checksums completed, %" PRIu64 " unusable frames dropped; GRO: %" PRIu64
		      " super-frames taken whole (%" PRIu64 " segments); TSO: %" PRIu64 " super-frames sent",
		      ts.rx_gso_frames, ts.rx_gso_segments, ts.rx_csum_completed, ts.rx_offload_errors, ts.rx_gro_frames,
		      ts.rx_gro_segments, ts.tx_tso_frames);
	if (s->o.ring)
		logev(s, "tap", "tap ring: %" PRIu64 " io_uring_enter calls", ts.ring_enters);
	struct capnet_ev_stats es;
	capnet_ev_get_stats(s->ev, &es);
	logev(s, "loop", "loop: %" PRIu64 " polls (%" PRIu64 " read, %" PRIu64 " write, %" PRIu64 " timer wakeups)",
	      es.polls, es.io_read_wakeups, es.io_write_wakeups, es.timer_wakeups);
	if (s->o.busy_poll_us != 0)
		logev(s, "loop", "busy poll (%u us): %" PRIu64 " windows, %" PRIu64 " frames found without a wakeup",
		      s->o.busy_poll_us, es.busy_poll_spins, es.busy_poll_hits);
	if (s->tee != NULL)
		logev(s, "pcap", "pcap %s: %" PRIu64 " frames recorded, %" PRIu64 " lost", s->o.pcap,
		      capnet_pcap_writer_count(s->pcap), capnet_pcap_tee_errors(s->tee));
}

static int run(struct serve_opts *o)
{
	struct serve s = {.o = *o};
	s.loop = EV_DEFAULT;
	s.started = capnet_host_now();
	s.link_checked = s.pcap_flushed = s.started - CAPNET_S(10);
	s.link_up = -1;
	if (s.loop == NULL) {
		fprintf(stderr, "capnet serve: no libev loop\n");
		return EXIT_FAILED;
	}
	int rc = setup(&s);
	if (rc != EXIT_OK) {
		teardown(&s);
		return rc;
	}
	ev_signal sigint, sigterm;
	ev_signal_init(&sigint, on_signal, SIGINT);
	ev_signal_init(&sigterm, on_signal, SIGTERM);
	sigint.data = sigterm.data = &s;
	ev_signal_start(s.loop, &sigint);
	ev_signal_start(s.loop, &sigterm);
	ev_timer stop;
	ev_timer_init(&stop, on_duration, o->duration, 0.0);
	stop.data = &s;
	if (o->duration > 0)
		ev_timer_start(s.loop, &stop);
	/* Signal watchers alone must not keep the loop alive. */
	ev_unref(s.loop);
	ev_unref(s.loop);
	/* A client session may have ended in setup's first poll. */
	if (s.stop_reason == NULL)
		ev_run(s.loop, 0);
	ev_ref(s.loop);
	ev_ref(s.loop);
	/* A second SIGTERM (timeout(1) signals the child and then its whole
	 * process group) must not kill the shutdown half way, before the pcap
	 * is flushed: block them before the watchers (and libev's handlers)
	 * go; what arrives now stays pending until exit. */
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	ev_signal_stop(s.loop, &sigint);
	ev_signal_stop(s.loop, &sigterm);
	ev_timer_stop(s.loop, &stop);
	capnet_instant now = stack_clock(&s);
	if (o->seeded)
		logev(&s, "stop", "stopping (%s) at stack time %lld.%06lld (replay: --stop-at %lld.%06lld)",
		      s.stop_reason ? s.stop_reason : "loop ended", (long long)(now / 1000000),
		      (long long)(now % 1000000), (long long)(now / 1000000), (long long)(now % 1000000));
	else
		logev(&s, "stop", "stopping (%s)", s.stop_reason ? s.stop_reason : "loop ended");
	if (capnet_tap_fault(s.tap) == 0) {
		svc_stop(s.svc, now);
		capnet_tap_tx_flush(s.tap);
	}
	log_summary(&s);
	teardown(&s);
	return s.failed ? EXIT_FAILED : EXIT_OK;
}

int cmd_serve(int argc, char **argv)
{
	enum { OPT_SNDBUF = 256, OPT_RCVBUF, OPT_FIN_AFTER_EOF, OPT_RING, OPT_IPV6, OPT_NO_IPV6, OPT_STATIC6, OPT_BUSY_POLL };
	static const struct option opts[] = {
		{"tap", required_argument, NULL, 't'},        {"static", required_argument, NULL, 'a'},
		{"gateway", required_argument, NULL, 'g'},    {"mac", required_argument, NULL, 'm'},
		{"mtu", required_argument, NULL, 'M'},        {"pcap", required_argument, NULL, 'p'},
		{"duration", required_argument, NULL, 'd'},   {"dhcp", no_argument, NULL, 'D'},
		{"udp-echo", required_argument, NULL, 'u'},   {"tcp-echo", required_argument, NULL, 'e'},
		{"http", required_argument, NULL, 'H'},       {"cc", required_argument, NULL, 'c'},
		{"discard", required_argument, NULL, 'x'},    {"connect", required_argument, NULL, 'C'},
		{"send-file", required_argument, NULL, 'f'},  {"send-bytes", required_argument, NULL, 'n'},
		{"sink", required_argument, NULL, 'k'},       {"seed", required_argument, NULL, 's'},
		{"sndbuf", required_argument, NULL, OPT_SNDBUF}, {"rcvbuf", required_argument, NULL, OPT_RCVBUF},
		{"offload", no_argument, NULL, 'O'},          {"fin-after-eof", no_argument, NULL, OPT_FIN_AFTER_EOF},
		{"ring", no_argument, NULL, OPT_RING},         {"busy-poll", required_argument, NULL, OPT_BUSY_POLL},
		{"verbose", no_argument, NULL, 'v'},          {"json", no_argument, NULL, 'j'},
		{"ipv6", no_argument, NULL, OPT_IPV6},        {"no-ipv6", no_argument, NULL, OPT_NO_IPV6},        {"static6", required_argument, NULL, OPT_STATIC6},
		{"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0},
	};
	struct serve_opts o = {0};
	struct svc_opts *v = &o.svc;
	svc_opts_defaults(v);
	v->ipv6 = true; /* issue 13: link-local always; --no-ipv6 for IPv4 only */
	const struct capnet_mac dflt = SVC_DEFAULT_MAC;
	o.mac = dflt;
	const struct cmd_common cc = {.cmd = "serve", .usage = usage, .pcap = &o.pcap, .json = &o.json};
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:a:g:m:M:p:d:u:e:H:x:c:C:f:n:k:s:ODvjh", opts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 't':
			o.tap = optarg;
			break;
		case 'a':
			if (!cmd_parse_cidr4(optarg, &v->ip, &v->prefix_len) || v->ip == 0) {
				fprintf(stderr, "capnet serve: --static wants A.B.C.D/LEN, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o.have_ip = true;
			break;
		case OPT_IPV6:
			v->ipv6 = true;
			break;
		case OPT_NO_IPV6:
			v->ipv6 = false;
			break;
		case OPT_STATIC6:
			if (!cmd_parse_cidr6(optarg, &v->static6, &v->static6_len) || v->static6.b[0] == 0xff) {
				fprintf(stderr, "capnet serve: --static6 wants an IPv6 unicast ADDR/LEN, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			v->ipv6 = true;
			break;
		case 'g':
			if (!cmd_parse_ip4(optarg, &v->gateway)) {
				fprintf(stderr, "capnet serve: --gateway wants A.B.C.D, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'm':
			if (!cmd_parse_mac(optarg, &o.mac)) {
				fprintf(stderr, "capnet serve: --mac wants xx:xx:xx:xx:xx:xx, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'M': {
			unsigned long m = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || m < 576 || m > 9000) {
				fprintf(stderr, "capnet serve: --mtu wants a number in [576, 9000]\n");
				return EXIT_USAGE;
			}
			o.mtu = (uint16_t)m;
			break;
		}
		case 'd':
			o.duration = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(o.duration > 0 && o.duration <= 86400)) {
				fprintf(stderr, "capnet serve: --duration wants seconds in (0, 86400]\n");
				return EXIT_USAGE;
			}
			break;
		case 'u':
		case 'e':
		case 'H':
		case 'x': {
			uint16_t *port = c == 'u' ? &v->udp_echo_port : c == 'e' ? &v->tcp_echo_port
								  : c == 'H' ? &v->http_port : &v->discard_port;
			if (!svc_parse_port(optarg, port)) {
				fprintf(stderr, "capnet serve: --%s wants a port in [0, 65535]\n",
					c == 'u' ? "udp-echo" : c == 'e' ? "tcp-echo" : c == 'H' ? "http" : "discard");
				return EXIT_USAGE;
			}
			break;
		}
		case 'c':
			v->cc = capnet_tcp_cc_parse(optarg);
			if (v->cc < 0) {
				fprintf(stderr, "capnet serve: --cc wants none, reno or cubic, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_SNDBUF:
		case OPT_RCVBUF: {
			uint64_t b;
			if (!svc_parse_bytes(optarg, &b) || b < 1024 || b > (64u << 20)) {
				fprintf(stderr, "capnet serve: --%s wants bytes in [1K, 64M]\n",
					c == OPT_SNDBUF ? "sndbuf" : "rcvbuf");
				return EXIT_USAGE;
			}
			*(c == OPT_SNDBUF ? &v->sndbuf : &v->rcvbuf) = (uint32_t)b;
			break;
		}
		case 'C':
			if (!svc_parse_endpoint(optarg, &v->connect_ip, &v->connect_port)) {
				fprintf(stderr, "capnet serve: --connect wants A.B.C.D:PORT, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			v->send_file = optarg;
			break;
		case 'n':
			if (!svc_parse_bytes(optarg, &v->send_bytes)) {
				fprintf(stderr, "capnet serve: --send-bytes wants a byte count (K/M/G suffixes), not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'k':
			v->sink = optarg;
			break;
		case OPT_RING:
			o.ring = true;
			break;
		case OPT_BUSY_POLL: {
			unsigned long us = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || us > 1000000) {
				fprintf(stderr, "capnet serve: --busy-poll wants microseconds in [0, 1000000]\n");
				return EXIT_USAGE;
			}
			o.busy_poll_us = (unsigned)us;
			break;
		}
		case OPT_FIN_AFTER_EOF:
			v->fin_after_eof = true;
			break;
		case 's':
			if (!cmd_parse_seed("serve", optarg, &o.seed))
				return EXIT_USAGE;
			o.seeded = true;
			break;
		case 'D':
			v->dhcp = true;
			break;
		case 'O':
			o.offload = true;
			break;
		case 'v':
			v->verbose = true;
			break;
		default:
			if ((rc = cmd_common_opt(&cc, c, optarg)) != CMD_OPT_NEXT)
				return rc;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "capnet serve: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (o.tap == NULL || o.have_ip == v->dhcp || (v->dhcp && v->gateway != 0)) {
		fprintf(stderr, "capnet serve: --tap NAME and one of --static ADDR/LEN or --dhcp are required\n"
				"(--gateway goes with --static; DHCP supplies its own)\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!v->ipv6 && v->static6_len != 0) {
		fprintf(stderr, "capnet serve: --static6 and --no-ipv6 contradict each other\n");
		return EXIT_USAGE;
	}
	if (v->connect_ip == 0 && (v->send_file != NULL || v->send_bytes != UINT64_MAX || v->sink != NULL)) {
		fprintf(stderr, "capnet serve: --send-file, --send-bytes and --sink go with --connect\n");
		return EXIT_USAGE;
	}
	return run(&o);
}
