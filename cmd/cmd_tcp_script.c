/* capnet tcp-script FILE... [--verbose] [--json] [--parse-only] */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "harness/tcp_script.h"

int cmd_tcp_script(int argc, char **argv);

static void usage(FILE *f)
{
	fprintf(f,
		"usage: capnet tcp-script FILE... [--verbose] [--json] [--parse-only]\n\n"
		"Runs exact-segment TCP scripts (test/tcp_scripts/README.md) against one\n"
		"stack at 192.0.2.1 under a synthetic clock: each line injects a segment,\n"
		"expects the exact segment the stack sends at an exact time, or calls the\n"
		"socket API. A failure names the file and line, what was expected and what\n"
		"was seen.\n\n"
		"  -v, --verbose     print every line as it runs, with the segments seen\n"
		"  -j, --json        print the results as one JSON object\n"
		"  -n, --parse-only  check the scripts' syntax, run nothing\n"
		"  -h, --help        this text\n\n"
		"Exit status: 0 every script passed, 1 some failed, 2 usage error.\n");
}

int cmd_tcp_script(int argc, char **argv)
{
	static const struct option opts[] = {
		{"verbose", no_argument, NULL, 'v'},    {"json", no_argument, NULL, 'j'},
		{"parse-only", no_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct tcp_script_options so = {.log = stdout};
	bool json = false;
	const struct cmd_common cc = {.cmd = "tcp-script", .usage = usage, .json = &json};
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "vjnh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			so.verbose = true;
			break;
		case 'n':
			so.parse_only = true;
			break;
		default:
			if ((rc = cmd_common_opt(&cc, c, optarg)) != CMD_OPT_NEXT)
				return rc;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "capnet tcp-script: name at least one script file\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (json) {
		so.log = NULL;
		so.verbose = false;
	}
	json_t *arr = json ? json_array() : NULL;
	unsigned passed = 0, total = 0;
	for (int i = optind; i < argc; i++) {
		struct tcp_script_result res;
		tcp_script_run_file(argv[i], &so, &res);
		total++;
		if (res.passed)
			passed++;
		if (json) {
			json_t *o = json_pack("{s:s, s:b, s:i, s:i, s:i, s:i}", "file", argv[i], "passed", res.passed, "lines",
					      (int)res.lines, "segments_in", (int)res.segments_in, "segments_out",
					      (int)res.segments_out, "calls", (int)res.calls);
			if (!res.passed) {
				json_object_set_new(o, "fail_line", json_integer(res.fail_line));
				json_object_set_new(o, "message", json_string(res.message));
			}
			json_array_append_new(arr, o);
		} else if (res.passed) {
			printf("%s: %s (%u lines, %u segments in, %u out, %u calls)\n", so.parse_only ? "PARSED" : "PASS",
			       argv[i], res.lines, res.segments_in, res.segments_out, res.calls);
		} else {
			printf("FAIL: %s\n  %s\n", argv[i], res.message);
		}
	}
	if (json) {
		json_t *o = json_pack("{s:b, s:i, s:i, s:o}", "passed", passed == total, "scripts", (int)total, "failed",
				      (int)(total - passed), "results", arr);
		cmd_json_print(o);
	} else if (total > 1) {
		printf("%u of %u scripts passed\n", passed, total);
	}
	return passed == total ? EXIT_OK : EXIT_FAILED;
}
