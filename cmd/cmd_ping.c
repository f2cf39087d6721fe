/* capnet ping [-c N] [-i SEC] [-s BYTES] [-W SEC] [-w DEADLINE] [--json] DEST
 *        [--tap DEV (--static ADDR/LEN [--gateway GW] | --dhcp) [--mac MAC] [--pcap FILE]]
 *
 * capnet ping6 ... / capnet ping -6 ... [--static6 ADDR/LEN]
 *
 * Measures reachability the way an application of the stack does: through
 * a Ping cap held by a cspace of its own (capnet/ping_cap.h), one session
 * per run. On the simulator by default (the network of harness/ping_host.h:
 * an answering, a silent and a malformed peer, a router to 198.51.100.0/24
 * and 2001:db8:2::/64), or on a Linux TAP device with the address options
 * of `capnet serve` (IPv6: SLAAC, and --static6).
 * Prints what iputils prints; exit status as iputils: 0 when a reply came,
 * 1 when none did, 2 on an error (usage, a refused request, no network). */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/host/ev.h"
#include "capnet/host/host.h"
#include "capnet/host/pcap.h"
#include "capnet/host/pcap_writer.h"
#include "capnet/host/tap.h"
#include "capnet/ping_cap.h"
#include "capnet/stack.h"
#include "cmd.h"
#include "cmd_tap.h"
#include "harness/dns_host.h"
#include "harness/ping_host.h"

enum { EXIT_NOREPLY = 1 };
enum { OPT_SEED = 1000, OPT_PCAP, OPT_PEER, OPT_STATIC6 };

/* The tool's own Ping authority: what an operator may ask of one run. */
static const struct capnet_ping_bounds tool_bounds = {
	.max_count = 100000,
	.min_interval = CAPNET_MS(2), /* iputils' floor for an unprivileged user */
	.max_payload = 65507,
	.max_deadline = CAPNET_S(24 * 3600),
};

struct ping_opts {
	struct capnet_ipaddr dst;
	const char *dest;
	struct capnet_ping_request req;
	bool json;
	uint64_t seed;
	enum echo_host_mode peer;
	const char *tap;
	const char *pcap;
	bool dhcp, have_static;
	capnet_ip4addr addr, gateway;
	uint8_t prefix;
	struct capnet_mac mac;
	uint8_t family;          /* CAPNET_AF_INET6 for -6 / ping6 */
	bool have_static6;
	struct capnet_ip6addr addr6;
	uint8_t prefix6;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: capnet ping [-4|-6] [-c N] [-i SEC] [-s BYTES] [-W SEC] [-w DEADLINE] [--json] [--seed N]\n"
		"                   [--peer answer|silent|malformed] DEST\n"
		"       capnet ping [options] --tap DEV (--static ADDR/LEN [--gateway GW] | --dhcp)\n"
		"                   [--mac MAC] [--pcap FILE] DEST\n"
		"       capnet ping6 [options] [--tap DEV [--static6 ADDR/LEN]] DEST   (as ping -6)\n\n"
		"Sends ICMP echo requests to DEST through a Ping cap, the only cap of the\n"
		"cspace that asks, and prints each reply and the statistics as iputils does.\n"
		"By default on the simulator: the host 192.0.2.10/24 (gateway 192.0.2.254)\n"
		"reaches 192.0.2.1 (an answering peer; --peer changes it), 192.0.2.2 (silent),\n"
		"192.0.2.3 (malformed replies: bad checksum, wrong identifier, truncated,\n"
		"altered), the router 192.0.2.254 and, behind it, 198.51.100.1 (like\n"
		"192.0.2.1); other 198.51.100.0/24 hosts are host-unreachable, other networks\n"
		"net-unreachable. Over IPv6 the host takes fe80::ff:fe00:a and, by SLAAC from\n"
		"the router's RA, 2001:db8:1::ff:fe00:a; the peers are 2001:db8:1::1, ::2,\n"
		"::3 (and their fe80:: EUI-64 addresses), 2001:db8:2::1 behind the router,\n"
		"2001:db8:2::99 address-unreachable. Every cable is 1 ms each way. With --tap,\n"
		"on a Linux TAP device (root or CAP_NET_ADMIN) with the address options of\n"
		"`capnet serve`.\n\n"
		"IPv6 (-6, ping6, or an IPv6 DEST): on a TAP the stack forms its link-local\n"
		"address, takes SLAAC addresses from router advertisements and/or --static6,\n"
		"and pings once an address of DEST's scope has passed DAD.\n\n"
		"  -4, -6               the family (default: DEST's)\n"
		"  -c, --count N        probes to send (default 4: a Ping run is always bounded)\n"
		"  -i, --interval SEC   between probes (default 1; at least 0.002)\n"
		"  -s, --size BYTES     echo data bytes (default 56)\n"
		"  -W, --timeout SEC    each probe's wait for its reply (default 10)\n"
		"  -w, --deadline SEC   end the whole run after SEC (default: when every probe\n"
		"                       is answered or timed out)\n"
		"  -j, --json           print the run as one JSON object\n"
		"      --seed N         simulator seed (default 1)\n"
		"      --peer MODE      what 192.0.2.1 and 198.51.100.1 do: answer, silent, malformed\n"
		"  -t, --tap DEV        run on this TAP device\n"
		"  -a, --static A/LEN   static address and prefix\n"
		"  -g, --gateway GW     default gateway (with --static)\n"
		"  -D, --dhcp           take the address from DHCPv4\n"
		"      --static6 A/LEN  a static IPv6 address (with -6; SLAAC runs too)\n"
		"  -m, --mac MAC        the stack's MAC on the TAP (default 02:00:00:00:00:02)\n"
		"      --pcap FILE      record every frame to FILE\n"
		"  -h, --help           this text\n\n"
		"Exit status: 0 when a reply came, 1 when none did, 2 on an error.\n");
}

/* "1.5" seconds into microseconds; false for anything not a number >= 0. */
static bool parse_seconds(const char *s, capnet_duration *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || !(v >= 0) || v > 1e9)
		return false;
	*out = (capnet_duration)(v * 1e6 + 0.5);
	return true;
}

/* ---- printing ---- */

struct printer {
	const struct ping_opts *o;
	struct capnet_ipaddr self;
	json_t *probes; /* --json */
};

static void print_probe(void *ctx, const struct capnet_ping_probe *p, capnet_instant now)
{
	(void)now;
	struct printer *pr = ctx;
	if (pr->o->json) {
		json_t *j = json_pack("{s:i, s:s, s:I, s:I}", "seq", p->seq, "outcome", capnet_ping_outcome_name(p->outcome),
				      "sent_us", (json_int_t)p->sent, "at_us", (json_int_t)p->at);
		if (p->outcome == CAPNET_PING_REPLY) {
			json_object_set_new(j, "rtt_us", json_integer(p->rtt));
			json_object_set_new(j, "bytes", json_integer(p->bytes));
			json_object_set_new(j, "ttl", json_integer(p->ttl));
		}
		if (p->outcome == CAPNET_PING_REPLY || p->outcome == CAPNET_PING_UNREACHABLE)
			json_object_set_new(j, "from", json_string(fmt_ipaddr(&p->from)));
		if (p->outcome == CAPNET_PING_UNREACHABLE) {
			json_object_set_new(j, "icmp_type", json_integer(p->icmp_type));
			json_object_set_new(j, "icmp_code", json_integer(p->icmp_code));
			json_object_set_new(j, "text", json_string(ping_icmp_text(p->from.af, p->icmp_type, p->icmp_code)));
		}
		if (p->outcome == CAPNET_PING_SEND_FAILED)
			json_object_set_new(j, "error", json_string(capnet_errname(p->err)));
		if (p->malformed) {
			json_object_set_new(j, "malformed_dropped", json_integer(p->malformed));
			json_object_set_new(j, "malformed_reason", json_string(capnet_ping_malformed_name(p->malformed_reason)));
		}
		json_array_append_new(pr->probes, j);
		return;
	}
	char line[160];
	ping_fmt_probe(line, sizeof line, p, &pr->self);
	if (line[0] != '\0') {
		printf("%s\n", line);
		fflush(stdout);
	}
}

static int exit_of(const struct capnet_ping_summary *s)
{
	return s->received > 0 ? EXIT_OK : EXIT_NOREPLY;
}

static int report(struct printer *pr, const struct capnet_ping_summary *s)
{
	char title[96], counts[192], rtt[128];
	ping_fmt_stats(s, title, counts, rtt, sizeof counts);
	if (!pr->o->json) {
		printf("\n%s\n%s\n", title, counts);
		if (rtt[0] != '\0')
			printf("%s\n", rtt);
		return exit_of(s);
	}
	json_t *j = json_object(), *sum = json_object();
	json_object_set_new(j, "destination", json_string(fmt_ipaddr(&s->dst)));
	json_object_set_new(j, "ident", json_integer(s->ident));
	json_object_set_new(j, "payload", json_integer(pr->o->req.payload));
	json_object_set_new(j, "probes", pr->probes);
	json_object_set_new(sum, "transmitted", json_integer(s->transmitted));
	json_object_set_new(sum, "received", json_integer(s->received));
	json_object_set_new(sum, "errors", json_integer(s->errors));
	json_object_set_new(sum, "timeouts", json_integer(s->timeouts));
	json_object_set_new(sum, "malformed_dropped", json_integer(s->malformed));
	json_t *by = json_object();
	for (int m = 1; m < CAPNET_PING_MALFORMED__COUNT; m++)
		json_object_set_new(by, capnet_ping_malformed_name((enum capnet_ping_malformed)m),
				    json_integer(s->malformed_by[m]));
	json_object_set_new(sum, "malformed_by_reason", by);
	json_object_set_new(sum, "duplicates", json_integer(s->duplicates));
	json_object_set_new(sum, "late", json_integer(s->late));
	json_object_set_new(sum, "loss_percent",
			    json_real(s->transmitted ? (double)(s->transmitted - s->received) * 100.0 / s->transmitted : 0));
	json_object_set_new(sum, "time_ms", json_integer((s->finished - s->started + 500) / 1000));
	if (s->received) {
		json_object_set_new(sum, "rtt_min_us", json_integer(s->rtt_min));
		json_object_set_new(sum, "rtt_avg_us", json_integer(s->rtt_avg));
		json_object_set_new(sum, "rtt_max_us", json_integer(s->rtt_max));
		json_object_set_new(sum, "rtt_mdev_us", json_integer(s->rtt_mdev));
	}
	json_object_set_new(sum, "line", json_string(counts));
	json_object_set_new(j, "summary", sum);
	json_object_set_new(j, "exit", json_integer(exit_of(s)));
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("\n");
	json_decref(j);
	return exit_of(s);
}

/* A request the cap refused: say which bound, or why. */
static int refused(capnet_err e, enum capnet_ping_limit why)
{
	if (e == CAPNET_E_SCOPE && why != CAPNET_PING_LIMIT_NONE)
		fprintf(stderr, "capnet ping: refused by the Ping cap: the %s is outside its bounds\n",
			capnet_ping_limit_name(why));
	else
		fprintf(stderr, "capnet ping: %s\n", capnet_strerror(e));
	return EXIT_USAGE;
}

static void header(const struct ping_opts *o)
{
	if (o->json)
		return;
	char h[160];
	ping_fmt_header(h, sizeof h, &o->dst, o->req.payload);
	printf("%s\n", h);
	fflush(stdout);
}

/* ---- the simulator ---- */

static int run_sim(const struct ping_opts *o)
{
	static struct ping_net n;
	bool ip6 = o->family == CAPNET_AF_INET6;
	if (ping_net_open(&n, o->seed, o->pcap, o->peer, &tool_bounds, NULL, ip6) != CAPNET_OK ||
	    (ip6 && !ping_net_wait_ip6(&n, CAPNET_S(10)))) {
		fprintf(stderr, "capnet ping: cannot build the simulated network\n");
		ping_net_close(&n);
		return EXIT_USAGE;
	}
	struct printer pr = {o, capnet_ipaddr_from_ip4(PING_NET_HOST), o->json ? json_array() : NULL};
	if (ip6)
		pr.self = ping_net6_addr(1, 0); /* unused: sends fail only on IPv4's ARP */
	capnet_handle s;
	enum capnet_ping_limit why;
	capnet_err e = capnet_pingcap_start(n.app, n.ping, &o->req, capnet_sim_now(n.sim), &s, &why);
	if (e != CAPNET_OK) {
		json_decref(pr.probes);
		ping_net_close(&n);
		return refused(e, why);
	}
	header(o);
	e = ping_sim_drain(n.sim, n.app, s, tool_bounds.max_deadline, print_probe, &pr);
	struct capnet_ping_summary sum;
	capnet_pingcap_summary(n.app, s, &sum);
	int rc = e == CAPNET_OK ? report(&pr, &sum) : (fprintf(stderr, "capnet ping: %s\n", capnet_strerror(e)), EXIT_USAGE);
	ping_net_close(&n);
	return rc;
}

/* ---- TAP ---- */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* An address of ours, past DAD, of the destination's scope. */
struct addr6_wait {
	struct capnet_cspace *cs;
	capnet_handle status;
	const struct capnet_ip6addr *dst;
	struct capnet_ipaddr src;
};

static bool usable6(void *ctx)
{
	struct addr6_wait *w = ctx;
	bool ll = w->dst->b[0] == 0xfe && (w->dst->b[1] & 0xc0) == 0x80;
	return ping_preferred6(w->cs, w->status, ll, &w->src.u.v6);
}

struct tap_wait {
	struct capnet_cspace *cs;
	capnet_handle s;
	struct printer *pr;
	bool stopped;
	capnet_err err;
};

/* Reads what completed; true once the run ended and all was read. */
static bool drained(void *ctx)
{
	struct tap_wait *w = ctx;
	capnet_instant now = capnet_host_now();
	if (interrupted && !w->stopped) {
		capnet_pingcap_stop(w->cs, w->s, now);
		w->stopped = true;
	}
	for (;;) {
		struct capnet_ping_probe p;
		capnet_err e = capnet_pingcap_next(w->cs, w->s, now, &p);
		if (e == CAPNET_OK) {
			print_probe(w->pr, &p, now);
			continue;
		}
		if (e != CAPNET_E_AGAIN)
			w->err = e == CAPNET_E_CLOSED ? CAPNET_OK : e;
		return e != CAPNET_E_AGAIN;
	}
}

static int run_tap(const struct ping_opts *o)
{
	struct cmd_tap t;
	if (!cmd_tap_open(&t, "ping", o->tap, o->mac, o->pcap))
		return EXIT_USAGE;
	struct capnet_stack_config cfg = {.dhcp4 = o->dhcp, .without = CAPNET_STACK_NO_TCP | CAPNET_STACK_NO_DNS};
	cfg.iface.ip6.enable = o->family == CAPNET_AF_INET6;
	int rc = EXIT_USAGE;
	struct printer pr = {o, capnet_ipaddr_from_ip4(o->addr), o->json ? json_array() : NULL};
	if (!cmd_tap_stack(&t, &cfg))
		goto out;
	struct capnet_stack *st = t.st;
	struct capnet_cspace *boot = capnet_stack_boot_cspace(st), *app;
	capnet_handle nm = capnet_stack_netmgr(st, 0), p0, ping, s;
	capnet_instant now = capnet_host_now();
	if ((o->have_static && capnet_netmgr_set_static(boot, nm, o->addr, o->prefix, o->gateway, now) != CAPNET_OK) ||
	    capnet_cspace_create(capnet_stack_capsys(st), "ping", &app) != CAPNET_OK ||
	    capnet_netmgr_mint_ping(boot, nm, &tool_bounds, NULL, &p0) != CAPNET_OK ||
	    capnet_cap_grant(boot, p0, app, CAPNET_RIGHT_SEND | CAPNET_RIGHT_READ, NULL, &ping) != CAPNET_OK) {
		fprintf(stderr, "capnet ping: cannot configure the stack\n");
		goto out;
	}
	struct capnet_dhcp4_client *dc = capnet_stack_dhcp4(st, 0);
	if (o->dhcp) {
		capnet_dhcp4_client_start(dc, now);
		if (!cmd_tap_run(&t, now + CAPNET_S(30), cmd_tap_bound, dc)) {
			fprintf(stderr, "capnet ping: no DHCP lease within 30 s\n");
			goto out;
		}
		struct capnet_netmgr_config c;
		capnet_netmgr_get_config(boot, nm, &c);
		pr.self = capnet_ipaddr_from_ip4(c.ip4.addr);
	}
	if (o->family == CAPNET_AF_INET6) {
		capnet_handle status;
		if ((o->have_static6 && capnet_netmgr_set_static6(boot, nm, &o->addr6, o->prefix6, NULL, now) != CAPNET_OK) ||
		    capnet_netmgr_mint_status(boot, nm, &status) != CAPNET_OK) {
			fprintf(stderr, "capnet ping: cannot add the --static6 address\n");
			goto out;
		}
		struct addr6_wait aw = {boot, status, &o->dst.u.v6, {.af = CAPNET_AF_INET6}};
		if (!cmd_tap_run(&t, capnet_host_now() + CAPNET_S(10), usable6, &aw)) {
			fprintf(stderr, "capnet ping: no IPv6 address of %s's scope passed DAD within 10 s\n", o->dest);
			goto out;
		}
		pr.self = aw.src;
	}
	enum capnet_ping_limit why;
	capnet_err e = capnet_pingcap_start(app, ping, &o->req, capnet_host_now(), &s, &why);
	if (e != CAPNET_OK) {
		rc = refused(e, why);
		goto out;
	}
	header(o);
	signal(SIGINT, on_sigint);
	struct tap_wait w = {.cs = app, .s = s, .pr = &pr};
	if (!cmd_tap_run(&t, capnet_host_now() + tool_bounds.max_deadline, drained, &w) || w.err != CAPNET_OK) {
		fprintf(stderr, "capnet ping: the run did not end: %s\n", capnet_strerror(w.err));
		goto out;
	}
	signal(SIGINT, SIG_DFL);
	struct capnet_ping_summary sum;
	capnet_pingcap_summary(app, s, &sum);
	rc = report(&pr, &sum);
	pr.probes = NULL; /* report took it */
	cmd_tap_finish(&t, o->dhcp ? dc : NULL);
out:
	if (pr.probes != NULL)
		json_decref(pr.probes);
	cmd_tap_close(&t);
	return rc;
}

static int ping_main(int argc, char **argv, uint8_t family);

int cmd_ping(int argc, char **argv)
{
	return ping_main(argc, argv, CAPNET_AF_NONE);
}

int cmd_ping6(int argc, char **argv)
{
	return ping_main(argc, argv, CAPNET_AF_INET6);
}

static int ping_main(int argc, char **argv, uint8_t family)
{
	static const struct option opts[] = {
		{"count", required_argument, NULL, 'c'},   {"interval", required_argument, NULL, 'i'},
		{"size", required_argument, NULL, 's'},    {"timeout", required_argument, NULL, 'W'},
		{"deadline", required_argument, NULL, 'w'}, {"json", no_argument, NULL, 'j'},
		{"seed", required_argument, NULL, OPT_SEED}, {"peer", required_argument, NULL, OPT_PEER},
		{"tap", required_argument, NULL, 't'},     {"static", required_argument, NULL, 'a'},
		{"gateway", required_argument, NULL, 'g'}, {"dhcp", no_argument, NULL, 'D'},
		{"mac", required_argument, NULL, 'm'},     {"pcap", required_argument, NULL, OPT_PCAP},
		{"static6", required_argument, NULL, OPT_STATIC6},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	struct ping_opts o = {.seed = 1, .peer = ECHO_HOST_ANSWER, .family = family};
	o.req = (struct capnet_ping_request){.count = 4, .interval = CAPNET_S(1), .payload = 56, .timeout = CAPNET_S(10)};
	int c;
	char *end;
	optind = 1;
	const struct cmd_tap_args ta = {"ping", &o.tap, &o.addr, &o.prefix, &o.have_static, &o.gateway, &o.dhcp, &o.mac};
	while ((c = getopt_long(argc, argv, "46c:i:s:W:w:jt:a:g:Dm:h", opts, NULL)) != -1) {
		int r = cmd_tap_opt(&ta, c, optarg);
		if (r != CMD_TAP_OPT_OTHER) {
			if (r != CMD_OPT_NEXT)
				return r;
			continue;
		}
		switch (c) {
		case '4':
			o.family = CAPNET_AF_INET;
			break;
		case '6':
			o.family = CAPNET_AF_INET6;
			break;
		case OPT_STATIC6:
			if (!cmd_parse_cidr6(optarg, &o.addr6, &o.prefix6)) {
				fprintf(stderr, "capnet ping: bad --static6 %s\n", optarg);
				return EXIT_USAGE;
			}
			o.have_static6 = true;
			break;
		case 'c': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v == 0 || v > UINT32_MAX) {
				fprintf(stderr, "capnet ping: bad -c %s (1 or more probes)\n", optarg);
				return EXIT_USAGE;
			}
			o.req.count = (uint32_t)v;
			break;
		}
		case 'i':
		case 'W':
		case 'w': {
			capnet_duration *d = c == 'i' ? &o.req.interval : c == 'W' ? &o.req.timeout : &o.req.deadline;
			if (!parse_seconds(optarg, d) || (c != 'w' && *d == 0)) {
				fprintf(stderr, "capnet ping: bad -%c %s (seconds)\n", c, optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 's': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v > 65507) {
				fprintf(stderr, "capnet ping: bad -s %s (0..65507 bytes)\n", optarg);
				return EXIT_USAGE;
			}
			o.req.payload = (uint16_t)v;
			break;
		}
		case 'j':
			o.json = true;
			break;
		case OPT_SEED:
			if (!cmd_parse_seed("ping", optarg, &o.seed))
				return EXIT_USAGE;
			break;
		case OPT_PEER: {
			int m = 0;
			while (echo_host_mode_name((enum echo_host_mode)m) != NULL &&
			       strcmp(echo_host_mode_name((enum echo_host_mode)m), optarg) != 0)
				m++;
			if (echo_host_mode_name((enum echo_host_mode)m) == NULL) {
				fprintf(stderr, "capnet ping: --peer is answer, silent or malformed\n");
				return EXIT_USAGE;
			}
			o.peer = (enum echo_host_mode)m;
			break;
		}
		case OPT_PCAP:
			o.pcap = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	o.dest = argv[optind];
	capnet_ip4addr d4;
	char d6[64];
	size_t dl = strcspn(o.dest, "%"); /* fe80::1%eth0: one interface, the scope is ours */
	if (dl < sizeof d6) {
		memcpy(d6, o.dest, dl);
		d6[dl] = '\0';
	}
	if (o.family != CAPNET_AF_INET6 && cmd_parse_ip4(o.dest, &d4)) {
		o.dst = capnet_ipaddr_from_ip4(d4);
		o.family = CAPNET_AF_INET;
	} else if (o.family != CAPNET_AF_INET && dl < sizeof d6 && inet_pton(AF_INET6, d6, o.dst.u.v6.b) == 1) {
		o.dst.af = CAPNET_AF_INET6;
		o.family = CAPNET_AF_INET6;
	} else {
		fprintf(stderr, "capnet ping: %s: not an IPv%c address\n", o.dest, o.family == CAPNET_AF_INET6 ? '6' : '4');
		return EXIT_USAGE;
	}
	if (o.have_static6 && o.family != CAPNET_AF_INET6) {
		fprintf(stderr, "capnet ping: --static6 is for IPv6 destinations\n");
		return EXIT_USAGE;
	}
	o.req.dst = o.dst;
	if (o.tap == NULL) {
		if (o.have_static || o.dhcp || o.gateway || o.have_static6) {
			fprintf(stderr, "capnet ping: --static, --static6, --gateway and --dhcp need --tap\n");
			return EXIT_USAGE;
		}
		return run_sim(&o);
	}
	if (o.family == CAPNET_AF_INET6) {
		if (o.have_static || o.dhcp || o.gateway) {
			fprintf(stderr, "capnet ping: IPv6 takes --static6 (SLAAC runs regardless), not IPv4 options\n");
			return EXIT_USAGE;
		}
		return run_tap(&o);
	}
	if (o.have_static == o.dhcp || (o.dhcp && o.gateway)) {
		fprintf(stderr, "capnet ping: --tap needs one of --static ADDR/LEN or --dhcp\n");
		return EXIT_USAGE;
	}
	return run_tap(&o);
}
