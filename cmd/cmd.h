/* Subcommands of the `capnet` tool. Each parses its own options with
 * getopt_long, answers --help, and returns the process exit status. */
#ifndef CAPNET_CMD_H
#define CAPNET_CMD_H

int cmd_proof(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/* Exit statuses shared by every subcommand. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

#endif
