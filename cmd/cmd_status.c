/* capnet status [--seed N] [--pcap FILE] [--json] [--ipv6]
 *
 * The operator's view of a live network, read through a NetworkStatus cap
 * and nothing else: link and addresses, the DHCP lease, resolver inputs
 * with provenance, routes, neighbours, sockets (owner, authority, blocked
 * calls), counters and the audit -- `ip addr`, `ip route`, `ip neigh` and
 * `ss` in one. The network is the simulated scenario of
 * harness/status_tool.h (a DHCP lease, a listener, a connection). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "harness/status_tool.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: capnet status [--seed N] [--pcap FILE] [--json] [--ipv6]\n\n"
		"Brings up a simulated network -- a host takes a DHCPv4 lease from the\n"
		"fixture server, a cspace listens on port 80 and serves a peer's\n"
		"connection, another sends a UDP query through the gateway -- then prints\n"
		"it as seen from a separate cspace holding only a NetworkStatus cap:\n"
		"link, addresses, DHCP lease, resolver (DNS, domain, search, with\n"
		"provenance), routes, neighbours, sockets, counters and the audit. The\n"
		"status cspace's forged attempts to open sockets or reconfigure are shown\n"
		"rejected, and the reads are proven read-only (state fingerprint\n"
		"unchanged, no frame sent).\n\n"
		"  -s, --seed N     seed of every generator (default 1)\n"
		"  -p, --pcap FILE  record every frame of the scenario to FILE\n"
		"  -j, --json       print the view as one JSON object\n"
		"  -6, --ipv6       IPv6 on the host too, a router advertising\n"
		"                   2001:db8:1::/64 and a DNS server (RDNSS): the view\n"
		"                   adds addresses with state and provenance, routers,\n"
		"                   the NDP cache and the IPv6 counters\n"
		"  -h, --help       this text\n\n"
		"Exit status: 0 the view was read and every check held, 1 otherwise,\n"
		"2 usage error.\n");
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{"seed", required_argument, NULL, 's'}, {"pcap", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},       {"help", no_argument, NULL, 'h'},
		{"ipv6", no_argument, NULL, '6'},
		{NULL, 0, NULL, 0},
	};
	struct status_opts o = {.seed = 1};
	const struct cmd_common cc = {
		.cmd = "status", .usage = usage, .seed = &o.seed, .pcap = &o.pcap_path, .json = &o.json};
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:p:jh6", opts, NULL)) != -1) {
		if (c == '6') {
			o.ipv6 = true;
			continue;
		}
		if ((rc = cmd_common_opt(&cc, c, optarg)) != CMD_OPT_NEXT)
			return rc;
	}
	if (optind != argc) {
		fprintf(stderr, "capnet status: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	struct status_result r;
	if (status_tool_run(&o, stdout, &r) != 0)
		return EXIT_FAILED;
	if (!status_result_ok(&r)) {
		fprintf(stderr, "capnet status: the scenario did not come up or a check failed\n");
		return EXIT_FAILED;
	}
	return EXIT_OK;
}
