/* capnet bench NAME [--seconds S] [--conns N] [--busy-poll US] [--only ping] [--ping-gap US] [--json] | --list */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "harness/bench.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: capnet bench NAME [--seconds S] [--conns N] [--busy-poll US] [--only ping] [--ping-gap US] [--json]\n"
		"       capnet bench --list\n\n"
		"Runs a benchmark and prints its figures (a benchmark never fails on a\n"
		"figure; compare them across runs and machines yourself).\n\n"
		"  -t, --seconds S  time per measurement (default 0.5; tcp-many: 2 per N)\n"
		"  -n, --conns N    tcp-many: N connections (1..60000) instead of the sweep 1, 100, 10000\n"
		"      --busy-poll US  tap: libcapnet's loop busy-polls the TAP for up to US\n"
		"                   microseconds after each wakeup that read frames (default 0: off)\n"
		"      --only ping  tap: only the ping RTTs (IPv4 and IPv6, libcapnet and kernel),\n"
		"                   no bulk transfers\n"
		"      --ping-gap US  tap: microseconds between a reply and the next ping\n"
		"                   (default 1000; 0: back to back)\n"
		"  -j, --json       print the figures as one JSON object\n"
		"  -l, --list       list the benchmarks\n"
		"  -h, --help       this text\n");
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{"seconds", required_argument, NULL, 't'}, {"json", no_argument, NULL, 'j'},
		{"conns", required_argument, NULL, 'n'},
		{"busy-poll", required_argument, NULL, 'B'}, {"only", required_argument, NULL, 'o'},
		{"ping-gap", required_argument, NULL, 'G'},
		{"list", no_argument, NULL, 'l'},          {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct bench_ctx ctx = {.seconds = 0.5};
	bool want_list = false;
	const struct cmd_common cc = {.cmd = "bench", .usage = usage, .json = &ctx.json, .list = &want_list};
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:n:jlh", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			char *end;
			ctx.seconds = strtod(optarg, &end);
			if (*end != '\0' || ctx.seconds <= 0 || ctx.seconds > 600) {
				fprintf(stderr, "capnet bench: --seconds wants a number in (0, 600]\n");
				return EXIT_USAGE;
			}
			ctx.seconds_given = true;
			break;
		}
		case 'n': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 60000) {
				fprintf(stderr, "capnet bench: --conns wants a number in [1, 60000]\n");
				return EXIT_USAGE;
			}
			ctx.conns = (uint32_t)n;
			break;
		}
		case 'B': {
			char *end;
			unsigned long us = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || us > 1000000) {
				fprintf(stderr, "capnet bench: --busy-poll wants microseconds in [0, 1000000]\n");
				return EXIT_USAGE;
			}
			ctx.busy_poll_us = (unsigned)us;
			break;
		}
		case 'G': {
			char *end;
			unsigned long us = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || us > 1000000) {
				fprintf(stderr, "capnet bench: --ping-gap wants microseconds in [0, 1000000]\n");
				return EXIT_USAGE;
			}
			ctx.ping_gap_us = (unsigned)us;
			ctx.ping_gap_given = true;
			break;
		}
		case 'o':
			if (strcmp(optarg, "ping") != 0) {
				fprintf(stderr, "capnet bench: --only knows 'ping', not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			ctx.only_ping = true;
			break;
		default:
			if ((rc = cmd_common_opt(&cc, c, optarg)) != CMD_OPT_NEXT)
				return rc;
		}
	}
	if (want_list) {
		for (size_t i = 0; capnet_benches[i]; i++)
			printf("%-16s %s\n", capnet_benches[i]->name, capnet_benches[i]->summary);
		return EXIT_OK;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "capnet bench: name one benchmark (capnet bench --list)\n");
		return EXIT_USAGE;
	}
	const struct bench *b = bench_find(argv[optind]);
	if (!b) {
		fprintf(stderr, "capnet bench: no benchmark named '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	json_t *o = NULL;
	if (ctx.json) {
		o = json_pack("{s:s}", "bench", b->name);
		ctx.jresult = o;
	}
	rc = b->run(&ctx);
	if (o)
		cmd_json_print(o);
	return rc == 0 ? EXIT_OK : EXIT_FAILED;
}
