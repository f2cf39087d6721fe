/* Subcommands of the `capnet` tool. Each parses its own options with
 * getopt_long, answers --help, and returns the process exit status. */
#ifndef CAPNET_CMD_H
#define CAPNET_CMD_H

int cmd_proof(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_plot(int argc, char **argv);
/* `capnet proof NAME --plot OUT.svg`: draws the busiest TCP connection of
 * the capture a run just recorded, with the cwnd the sampler kept
 * (tcp_sampler_start before the run). Returns an exit status. */
int cmd_plot_after_run(const char *pcap, const char *svg);

/* Exit statuses shared by every subcommand. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* Arguments shared by the subcommands (cmd_args.c). */
#include <stdbool.h>
#include "capnet/types.h"
bool cmd_parse_mac(const char *s, struct capnet_mac *out);
bool cmd_parse_ip4(const char *s, capnet_ip4addr *out);
bool cmd_parse_cidr4(const char *s, capnet_ip4addr *addr, uint8_t *prefix_len); /* no "/LEN": /24 */
/* "2001:db8::2/64" (no "/LEN": /64). */
bool cmd_parse_cidr6(const char *s, struct capnet_ip6addr *addr, uint8_t *prefix_len);
const char *cmd_fmt_ip4(capnet_ip4addr a, char buf[16]);
/* An address of either family as a log shows it before ":port": IPv4
 * dotted, IPv6 in brackets ("[2001:db8::1]"). */
#define CMD_IPADDR_BUFLEN 48
const char *cmd_fmt_ipaddr(const struct capnet_ipaddr *a, char buf[CMD_IPADDR_BUFLEN]);
const char *cmd_fmt_mac(struct capnet_mac m, char buf[18]);
/* --seed: a number (decimal, 0x hex or 0 octal); on error says so on stderr
 * as "capnet CMD: ..." and returns false (the caller exits 2). */
bool cmd_parse_seed(const char *cmd, const char *arg, uint64_t *out);

/* The options several subcommands share, with one meaning everywhere:
 * -s/--seed N, -p/--pcap FILE, -j/--json, -l/--list, -h/--help. A command
 * handles its own options first and passes every other getopt_long result
 * here; a NULL field means the command has no such option. */
#include <stdio.h>
struct cmd_common {
	const char *cmd;         /* "proof": names the command in messages */
	void (*usage)(FILE *f);  /* --help prints it to stdout, a bad option to stderr */
	uint64_t *seed;
	const char **pcap;
	bool *json;
	bool *list;
};
/* Returned by cmd_common_opt when parsing goes on. */
enum { CMD_OPT_NEXT = -1 };
/* CMD_OPT_NEXT when c was one of the shared options and is set, else the
 * exit status to return now: EXIT_OK after --help, EXIT_USAGE on a bad
 * --seed or an unknown option (the usage then goes to stderr). */
int cmd_common_opt(const struct cmd_common *cc, int c, const char *arg);

/* Prints a JSON value indented by two, then a newline, on stdout, and
 * releases it (every --json output but serve's one-line events). */
struct json_t;
void cmd_json_print(struct json_t *j);

#endif
