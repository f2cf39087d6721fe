/* Subcommands of the `capnet` tool. Each parses its own options with
 * getopt_long, answers --help, and returns the process exit status. */
#ifndef CAPNET_CMD_H
#define CAPNET_CMD_H

int cmd_proof(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_trace(int argc, char **argv);

/* Exit statuses shared by every subcommand. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* Arguments shared by the subcommands (cmd_args.c). */
#include <stdbool.h>
#include "capnet/types.h"
bool cmd_parse_mac(const char *s, struct capnet_mac *out);
bool cmd_parse_ip4(const char *s, capnet_ip4addr *out);
bool cmd_parse_cidr4(const char *s, capnet_ip4addr *addr, uint8_t *prefix_len); /* no "/LEN": /24 */
const char *cmd_fmt_ip4(capnet_ip4addr a, char buf[16]);
const char *cmd_fmt_mac(struct capnet_mac m, char buf[18]);
/* --seed: a number (decimal, 0x hex or 0 octal); on error says so on stderr
 * as "capnet CMD: ..." and returns false (the caller exits 2). */
bool cmd_parse_seed(const char *cmd, const char *arg, uint64_t *out);

#endif
