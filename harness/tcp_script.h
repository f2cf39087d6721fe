/* Exact-segment TCP scripts (issue 3), a text format in the spirit of
 * packetdrill: each line injects a segment into one stack, expects the
 * exact segment the stack sends at an exact synthetic time, or calls the
 * socket API and checks its result. test/tcp_scripts/README.md describes
 * the format; this file only runs it. */
#ifndef CAPNET_HARNESS_TCP_SCRIPT_H
#define CAPNET_HARNESS_TCP_SCRIPT_H

#include <stdbool.h>
#include <stdio.h>

struct tcp_script_options {
	bool verbose;    /* one transcript line per script line to `log` */
	bool parse_only; /* check the syntax, run nothing */
	FILE *log;       /* NULL: no transcript */
};

struct tcp_script_result {
	bool passed;
	unsigned lines;        /* timed lines executed (or parsed, with parse_only) */
	unsigned segments_in;  /* segments injected */
	unsigned segments_out; /* segments matched against a `>` line */
	unsigned calls;        /* API calls made */
	unsigned fail_line;    /* script line of the failure; 0 if none or not at a line */
	char message[2048];    /* "FILE:LINE: what was expected, what was seen" */
};

/* Parses and runs one script. Returns 0 when the file could be read and
 * parsed, -1 otherwise; pass/fail and the reason are in *res either way. */
int tcp_script_run_file(const char *path, const struct tcp_script_options *opts, struct tcp_script_result *res);

#endif
