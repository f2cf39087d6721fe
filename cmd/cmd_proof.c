/* capnet proof NAME [--seed N] [--pcap FILE] [--json] [--plot SVG] | --list */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "harness/proof.h"
#include "harness/tcp_sampler.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: capnet proof NAME [--seed N] [--pcap FILE] [--json] [--plot SVG]\n"
		"       capnet proof --list\n\n"
		"Runs a deterministic proof scenario on the simulator and prints one\n"
		"transcript line per assertion. The same seed gives the same transcript\n"
		"and a byte-identical pcap.\n\n"
		"  -s, --seed N     seed of every generator (default 1)\n"
		"  -p, --pcap FILE  record every frame to FILE (pcap, Ethernet)\n"
		"  -j, --json       print the transcript as one JSON object\n"
		"      --plot SVG   draw the busiest TCP connection of the run, with the\n"
		"                   sender stack's cwnd and ssthresh (capnet plot --help)\n"
		"  -l, --list       list the proofs, name first, one a line\n"
		"  -h, --help       this text\n\n"
		"Exit status: 0 all assertions held, 1 some failed, 2 usage error.\n");
}

static int list(bool json)
{
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; capnet_proofs[i]; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s}", "name", capnet_proofs[i]->name, "summary",
							     capnet_proofs[i]->summary));
		cmd_json_print(arr);
		return EXIT_OK;
	}
	for (size_t i = 0; capnet_proofs[i]; i++)
		printf("%-24s %s\n", capnet_proofs[i]->name, capnet_proofs[i]->summary);
	return EXIT_OK;
}

int cmd_proof(int argc, char **argv)
{
	static const struct option opts[] = {
		{"seed", required_argument, NULL, 's'}, {"pcap", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},       {"list", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},       {"plot", required_argument, NULL, 'G'},
		{NULL, 0, NULL, 0},
	};
	struct proof_ctx ctx = {.seed = 1, .out = stdout};
	bool want_list = false;
	const char *plot = NULL;
	const struct cmd_common cc = {.cmd = "proof",
				      .usage = usage,
				      .seed = &ctx.seed,
				      .pcap = &ctx.pcap_path,
				      .json = &ctx.json,
				      .list = &want_list};
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:p:jlh", opts, NULL)) != -1) {
		if (c == 'G') {
			plot = optarg;
			continue;
		}
		if ((rc = cmd_common_opt(&cc, c, optarg)) != CMD_OPT_NEXT)
			return rc;
	}
	if (want_list)
		return list(ctx.json);
	if (optind != argc - 1) {
		fprintf(stderr, "capnet proof: name one proof (capnet proof --list)\n");
		return EXIT_USAGE;
	}
	const struct proof *p = proof_find(argv[optind]);
	if (!p) {
		fprintf(stderr, "capnet proof: no proof named '%s' (capnet proof --list)\n", argv[optind]);
		return EXIT_USAGE;
	}
	ctx.name = p->name;
	json_t *checks = NULL;
	if (ctx.json) {
		checks = json_array();
		ctx.jchecks = checks;
		ctx.out = NULL;
	} else {
		printf("proof %s (seed %" PRIu64 ")\n", p->name, ctx.seed);
	}
	/* --plot without --pcap: the capture goes to a temporary file. */
	char tmp[] = "/tmp/capnet-plot-XXXXXX";
	if (plot != NULL && ctx.pcap_path == NULL) {
		int fd = mkstemp(tmp);
		if (fd < 0) {
			fprintf(stderr, "capnet proof: cannot create a temporary capture for --plot: %m\n");
			return EXIT_FAILED;
		}
		close(fd);
		ctx.pcap_path = tmp;
	}
	if (plot != NULL)
		tcp_sampler_start();
	int setup = p->run(&ctx);
	tcp_sampler_stop();
	int plotted = EXIT_OK;
	if (plot != NULL && setup == 0)
		plotted = cmd_plot_after_run(ctx.pcap_path, plot);
	if (ctx.pcap_path == tmp) {
		unlink(tmp);
		ctx.pcap_path = NULL;
	}
	bool passed = setup == 0 && ctx.failures == 0 && ctx.checks > 0;
	if (ctx.json) {
		json_t *o = json_pack("{s:s, s:I, s:b, s:i, s:i, s:o}", "proof", p->name, "seed", (json_int_t)ctx.seed,
				      "passed", passed, "checks", (int)ctx.checks, "failures", (int)ctx.failures,
				      "transcript", checks);
		if (ctx.pcap_path)
			json_object_set_new(o, "pcap", json_string(ctx.pcap_path));
		cmd_json_print(o);
	} else if (setup != 0) {
		printf("proof %s could not run (setup error)\n", p->name);
	} else {
		printf("%s: %u checks, %u failed\n", passed ? "PASS" : "FAIL", ctx.checks, ctx.failures);
	}
	return passed && plotted == EXIT_OK ? EXIT_OK : EXIT_FAILED;
}
