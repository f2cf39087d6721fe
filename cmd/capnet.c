/* capnet: the hosted front end to libcapnet's proofs, tools and benches. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

int cmd_tcp_script(int argc, char **argv); /* cmd_tcp_script.c */
int cmd_status(int argc, char **argv);     /* cmd_status.c */
int cmd_resolve(int argc, char **argv);    /* cmd_resolve.c */
int cmd_ping(int argc, char **argv);       /* cmd_ping.c */
int cmd_ping6(int argc, char **argv);      /* cmd_ping.c */

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{"proof", cmd_proof, "run a named deterministic proof scenario (--list to see them)"},
	{"bench", cmd_bench, "run a benchmark and print its figures"},
	{"replay", cmd_replay, "replay a pcap into a fresh stack and compare what it sends"},
	{"serve", cmd_serve, "run a stack on a Linux TAP device: ping, UDP/TCP echo, HTTP, DHCP"},
	{"plot", cmd_plot, "draw a TCP connection of a pcap or a proof run: time-sequence graph, cwnd (SVG, JSON)"},
	{"trace", cmd_trace, "capture headers of a simulated run through a PacketTrace cap: summaries, pcap, JSON"},
	{"status", cmd_status, "show a simulated network through a NetworkStatus cap: ip addr/route/neigh, ss, lease"},
	{"resolve", cmd_resolve, "resolve a name through a DnsResolver cap: on the simulator, or a TAP against real servers"},
	{"ping", cmd_ping, "send ICMP echo through a bounded Ping cap: on the simulator, or a TAP; iputils output or --json"},
	{"ping6", cmd_ping6, "ping -6: ICMPv6 echo through a Ping cap, link-local, SLAAC or --static6 on a TAP"},
	{"tcp-script", cmd_tcp_script, "run exact-segment TCP scripts against one stack"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: capnet COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`capnet COMMAND --help` describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("capnet 0.1.0\n");
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "capnet: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
