/* capnet plot: one TCP connection of a capture, or of a proof run, as a
 * time-sequence graph and cwnd over time (SVG), or as series (--json). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capnet/host/pcap.h"
#include "cmd.h"
#include "harness/proof.h"
#include "harness/tcp_plot.h"
#include "harness/tcp_sampler.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: capnet plot [OPTIONS] FILE.pcap -o OUT.svg\n"
		"       capnet plot --proof NAME [--seed N] [OPTIONS] -o OUT.svg\n"
		"       capnet plot --list FILE.pcap\n\n"
		"Draws one TCP connection: a time-sequence graph in the style of tcptrace's\n"
		"Stevens graph (x time, y sequence number relative to the sender's ISN; each\n"
		"data segment a bar from its first to its last byte, retransmissions in red,\n"
		"the cumulative ACK and ACK + receive window as step lines, SACK blocks in\n"
		"purple, SYN/FIN/RST marked) and under it cwnd and ssthresh over time. A\n"
		"capture carries no cwnd: from a pcap alone the lower panel shows the flight\n"
		"size the wire shows (highest sequence sent - cumulative ACK); from --proof\n"
		"it shows the sender stack's own cwnd and ssthresh, sampled at each poll.\n"
		"The same input gives the same SVG, byte for byte.\n\n"
		"  -o, --output FILE  write the SVG to FILE ('-': standard output)\n"
		"  -c, --conn SPEC    the connection: IP:PORT-IP:PORT (either order; IPv6 as\n"
		"                     [ADDR]:PORT) or its index in --list (default: the one\n"
		"                     that carried the most payload)\n"
		"  -d, --dir WHO      whose data to draw: a or b (the order --list shows) or the\n"
		"                     sender's IP:PORT (default: the side that sent more)\n"
		"      --cwnd FILE    write the cwnd panel to FILE as an SVG of its own; the\n"
		"                     -o file then holds the time-sequence graph alone\n"
		"      --from S       start of the time range, seconds from the connection's\n"
		"      --to S         first frame, and its end (default: the whole connection)\n"
		"      --title TEXT   the graph's title (default: the connection)\n"
		"  -P, --proof NAME   run proof NAME on the simulator, silently, and draw the\n"
		"                     connection of its capture (capnet proof --list)\n"
		"  -s, --seed N       the proof's seed (default 1)\n"
		"  -p, --pcap FILE    with --proof: keep its capture in FILE too\n"
		"  -l, --list         list the TCP connections found, index first\n"
		"  -j, --json         print the series as JSON (with --list: the connections)\n"
		"  -h, --help         this text\n\n"
		"Example: capnet proof congestion-control --pcap /tmp/cc.pcap &&\n"
		"         capnet plot /tmp/cc.pcap -o /tmp/cc.svg\n"
		"     or: capnet plot --proof congestion-control -o /tmp/cc.svg\n\n"
		"Exit status: 0 drawn, 1 the input could not be drawn, 2 usage error.\n");
}

struct plot_opts {
	const char *output, *conn, *dir, *cwnd_out, *title, *proof, *pcap;
	uint64_t seed;
	bool list, json, have_from, have_to;
	capnet_instant from, to;
};

static bool parse_seconds(const char *s, capnet_instant *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || !(v >= 0) || v > 1e9)
		return false;
	*out = (capnet_instant)(v * 1e6 + 0.5);
	return true;
}

static int write_svg(const char *path, const struct tcp_plot_series *s, const struct tcp_plot_view *v)
{
	bool std = strcmp(path, "-") == 0;
	FILE *f = std ? stdout : fopen(path, "wb");
	if (f == NULL) {
		fprintf(stderr, "capnet plot: cannot write %s: %m\n", path);
		return EXIT_FAILED;
	}
	int rc = tcp_plot_svg(f, s, v);
	if (std ? fflush(f) != 0 : fclose(f) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "capnet plot: writing %s failed\n", path);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

static void print_list(const struct tcp_plot_conns *c)
{
	printf("%-5s %-46s %-46s %12s %12s %8s %8s\n", "index", "a", "b", "bytes a->b", "bytes b->a", "segs", "seconds");
	for (size_t i = 0; i < c->n; i++) {
		const struct tcp_plot_conn *k = &c->v[i];
		char a[64], b[64];
		capnet_instant d = k->last - k->first;
		printf("%-5zu %-46s %-46s %12llu %12llu %8u %4lld.%03lld\n", i, tcp_plot_endpoint_text(&k->ep[0], a, sizeof a),
		       tcp_plot_endpoint_text(&k->ep[1], b, sizeof b), (unsigned long long)k->payload[0],
		       (unsigned long long)k->payload[1], k->segs[0] + k->segs[1], (long long)(d / 1000000),
		       (long long)(d % 1000000 / 1000));
	}
}

/* -d: "a", "b" or the sender's endpoint. */
static int pick_dir(const struct tcp_plot_conn *k, const char *who)
{
	if (who == NULL)
		return -1;
	if (strcmp(who, "a") == 0)
		return 0;
	if (strcmp(who, "b") == 0)
		return 1;
	for (int d = 0; d < 2; d++) {
		char t[64];
		if (strcmp(tcp_plot_endpoint_text(&k->ep[d], t, sizeof t), who) == 0)
			return d;
	}
	return -2;
}

/* Draws (or lists, or prints as JSON) from a capture; samples: the
 * stack's cwnd, when the capture is of a run just made. */
static int plot_capture(const char *pcap, const struct plot_opts *o, bool samples)
{
	struct capnet_pcap_frames f = {0};
	char err[256] = "";
	capnet_err e = capnet_pcap_load(pcap, &f, err, sizeof err);
	if (e != CAPNET_OK) {
		if (e == CAPNET_E_UNSUPPORTED)
			fprintf(stderr, "capnet plot: %s: not an Ethernet capture (%s)\n", pcap, err[0] ? err : "link type");
		else
			fprintf(stderr, "capnet plot: %s: %s\n", pcap, err[0] ? err : capnet_errname(e));
		return EXIT_FAILED;
	}
	struct tcp_plot_conns c;
	if (tcp_plot_conns_find(&f, &c) != CAPNET_OK) {
		capnet_pcap_frames_free(&f);
		fprintf(stderr, "capnet plot: out of memory\n");
		return EXIT_FAILED;
	}
	int rc = EXIT_FAILED;
	struct tcp_plot_series s = {0};
	if (o->list) {
		if (o->json)
			cmd_json_print(tcp_plot_conns_json(&c));
		else
			print_list(&c);
		rc = EXIT_OK;
		goto out;
	}
	if (c.n == 0) {
		fprintf(stderr, "capnet plot: %s: no TCP segment in its %llu frames\n", pcap,
			(unsigned long long)c.frames);
		goto out;
	}
	int k = o->conn ? tcp_plot_conns_match(&c, o->conn) : tcp_plot_conns_busiest(&c);
	if (k < 0) {
		fprintf(stderr, "capnet plot: %s: no connection '%s' (capnet plot --list %s)\n", pcap, o->conn, pcap);
		goto out;
	}
	int dir = pick_dir(&c.v[k], o->dir);
	if (dir == -2) {
		fprintf(stderr, "capnet plot: --dir '%s' is neither a, b nor an endpoint of connection %d\n", o->dir, k);
		goto out;
	}
	if (tcp_plot_extract(&f, &c, k, dir, &s) != CAPNET_OK) {
		fprintf(stderr, "capnet plot: out of memory\n");
		goto out;
	}
	if (samples) {
		size_t n;
		bool lost;
		const struct tcp_sample *v = tcp_sampler_samples(&n, &lost);
		if (lost)
			fprintf(stderr, "capnet plot: out of memory: some cwnd samples were dropped\n");
		if (tcp_plot_attach_samples(&s, v, n, 0) != CAPNET_OK) {
			fprintf(stderr, "capnet plot: out of memory\n");
			goto out;
		}
	}
	if (o->json) {
		cmd_json_print(tcp_plot_json(&s));
		rc = EXIT_OK;
		goto out;
	}
	struct tcp_plot_view v = {.title = o->title};
	if (o->have_from)
		v.from = o->from;
	v.to = o->have_to ? o->to : s.duration;
	if (o->have_from || o->have_to) {
		if (v.to <= v.from) {
			fprintf(stderr, "capnet plot: --to must lie after --from (the connection lasts %lld us)\n",
				(long long)s.duration);
			goto out;
		}
	} else {
		v.to = 0;
	}
	if (o->cwnd_out != NULL) {
		struct tcp_plot_view cw = v;
		cw.panels = TCP_PLOT_PANEL_CWND;
		v.panels = TCP_PLOT_PANEL_SEQ;
		if (write_svg(o->cwnd_out, &s, &cw) != EXIT_OK)
			goto out;
	}
	rc = write_svg(o->output, &s, &v);
out:
	tcp_plot_series_free(&s);
	tcp_plot_conns_free(&c);
	capnet_pcap_frames_free(&f);
	return rc;
}

/* Runs a proof silently with the cwnd sampler on, recording to `pcap`
 * (a temporary file unless the user named one), then plots it. */
static int plot_proof(const struct plot_opts *o)
{
	const struct proof *p = proof_find(o->proof);
	if (p == NULL) {
		fprintf(stderr, "capnet plot: no proof named '%s' (capnet proof --list)\n", o->proof);
		return EXIT_USAGE;
	}
	char tmp[] = "/tmp/capnet-plot-XXXXXX";
	const char *pcap = o->pcap;
	if (pcap == NULL) {
		int fd = mkstemp(tmp);
		if (fd < 0) {
			fprintf(stderr, "capnet plot: cannot create a temporary capture: %m\n");
			return EXIT_FAILED;
		}
		close(fd);
		pcap = tmp;
	}
	json_t *lines = json_array();
	struct proof_ctx ctx = {.name = p->name, .seed = o->seed, .pcap_path = pcap, .json = true, .jchecks = lines};
	tcp_sampler_start();
	int setup = p->run(&ctx);
	tcp_sampler_stop();
	json_decref(lines);
	int rc;
	if (setup != 0) {
		fprintf(stderr, "capnet plot: proof %s could not run (setup error)\n", p->name);
		rc = EXIT_FAILED;
	} else {
		if (ctx.failures != 0)
			fprintf(stderr, "capnet plot: proof %s: %u of %u checks failed (plotting its capture anyway)\n",
				p->name, ctx.failures, ctx.checks);
		rc = plot_capture(pcap, o, true);
	}
	if (o->pcap == NULL)
		unlink(tmp);
	return rc;
}

int cmd_plot_after_run(const char *pcap, const char *svg)
{
	struct plot_opts o = {.output = svg};
	return plot_capture(pcap, &o, true);
}

enum { OPT_CWND = 256, OPT_FROM, OPT_TO, OPT_TITLE };

int cmd_plot(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'}, {"conn", required_argument, NULL, 'c'},
		{"dir", required_argument, NULL, 'd'},    {"cwnd", required_argument, NULL, OPT_CWND},
		{"from", required_argument, NULL, OPT_FROM}, {"to", required_argument, NULL, OPT_TO},
		{"title", required_argument, NULL, OPT_TITLE}, {"proof", required_argument, NULL, 'P'},
		{"seed", required_argument, NULL, 's'},   {"pcap", required_argument, NULL, 'p'},
		{"list", no_argument, NULL, 'l'},         {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	struct plot_opts o = {.seed = 1};
	const struct cmd_common cc = {.cmd = "plot",
				      .usage = usage,
				      .seed = &o.seed,
				      .pcap = &o.pcap,
				      .json = &o.json,
				      .list = &o.list};
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:c:d:P:s:p:ljh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.output = optarg; continue;
		case 'c': o.conn = optarg; continue;
		case 'd': o.dir = optarg; continue;
		case 'P': o.proof = optarg; continue;
		case OPT_CWND: o.cwnd_out = optarg; continue;
		case OPT_TITLE: o.title = optarg; continue;
		case OPT_FROM:
		case OPT_TO:
			if (!parse_seconds(optarg, c == OPT_FROM ? &o.from : &o.to)) {
				fprintf(stderr, "capnet plot: --%s wants seconds (e.g. 0.25), not '%s'\n",
					c == OPT_FROM ? "from" : "to", optarg);
				return EXIT_USAGE;
			}
			*(c == OPT_FROM ? &o.have_from : &o.have_to) = true;
			continue;
		default:
			if ((rc = cmd_common_opt(&cc, c, optarg)) != CMD_OPT_NEXT)
				return rc;
		}
	}
	int left = argc - optind;
	if (o.proof ? left != 0 : left != 1) {
		fprintf(stderr, o.proof ? "capnet plot: --proof takes no capture file\n"
					: "capnet plot: name one capture file (or --proof NAME)\n");
		return EXIT_USAGE;
	}
	if (o.pcap != NULL && o.proof == NULL) {
		fprintf(stderr, "capnet plot: --pcap keeps a --proof run's capture; name the capture to plot as the argument\n");
		return EXIT_USAGE;
	}
	if (!o.list && !o.json && o.output == NULL) {
		fprintf(stderr, "capnet plot: say where the SVG goes (-o OUT.svg, or -o - for standard output)\n");
		return EXIT_USAGE;
	}
	return o.proof ? plot_proof(&o) : plot_capture(argv[optind], &o, false);
}
