/* capnet trace [SCENARIO] [--pcap FILE] [--json] [policy options] | --list */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "harness/trace_run.h"

static const struct {
	const char *name;
	bool tcp;
	const char *summary;
} scenarios[] = {
	{"dhcp-tcp", true, "a host acquires a DHCPv4 lease, then makes 3 requests of 2 KiB each to a peer over one TCP connection"},
	{"dhcp", false, "a host acquires a DHCPv4 lease"},
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: capnet trace [SCENARIO] [--seed N] [--pcap FILE] [--json] [policy options]\n"
		"       capnet trace --list\n\n"
		"Runs SCENARIO (default dhcp-tcp) on the simulator with a packet trace on the\n"
		"host's interface: a PacketTrace minted from its NetworkManager with the policy\n"
		"below, read through a TraceReader granted to a separate cspace. Prints one\n"
		"tcpdump-style line per record ([stored/on-the-wire] bytes), then the counters\n"
		"and the grant's provenance. Records hold headers only, never a body.\n\n"
		"  -s, --seed N       seed of every generator (default 1)\n"
		"  -p, --pcap FILE    write the records to FILE (pcap, snaplen = the header cap)\n"
		"  -j, --json         print records, counters and provenance as one JSON object\n"
		"  -c, --capacity N   records kept, 1..256 (default 64); later frames are dropped and counted\n"
		"  -n, --snaplen N    bytes stored per frame, >= 14 (default %u); always cut at the headers\n"
		"  -d, --dir DIR      rx, tx or both (default both)\n"
		"  -P, --proto LIST   only these, comma-separated: arp,ipv4,ipv6,icmp,udp,tcp,dhcp,dns\n"
		"  -o, --port N       only UDP/TCP frames from or to port N\n"
		"  -e, --expire MS    capture stops MS ms of simulated time after the mint (default 60000)\n"
		"  -r, --reason TEXT  why the trace is minted (kept in its provenance)\n"
		"  -l, --list         list the scenarios\n"
		"  -h, --help         this text\n\n"
		"Exit status: 0 the scenario ran to its end, 1 it did not, 2 usage error.\n",
		CAPNET_TRACE_HDR_MAX);
}

static bool parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (*s == '\0' || *s == '-' || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_protos(const char *s, uint32_t *out)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", s);
	*out = 0;
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint32_t bit = 0;
		for (unsigned i = 0; i < 8 && bit == 0; i++)
			if (strcasecmp(tok, capnet_trace_proto_name(1u << i)) == 0)
				bit = 1u << i;
		if (bit == 0)
			return false;
		*out |= bit;
	}
	return *out != 0;
}

struct options {
	uint64_t seed;
	const char *pcap;
	bool json;
	struct capnet_trace_policy policy;
	capnet_duration expire;
	const char *reason;
};

static int print_human(const struct trace_scenario *s, const struct capnet_trace_info *info,
		       const struct capnet_trace_record *r, size_t n, bool ran)
{
	char line[256];
	for (size_t i = 0; i < n; i++) {
		trace_format(&r[i], line, sizeof line);
		printf("%s\n", line);
	}
	const struct capnet_trace_counters *k = &info->counters;
	printf("-- %zu records; seen %" PRIu64 ", captured %" PRIu64 ", dropped (full) %" PRIu64 ", filtered %" PRIu64
	       ", truncated to headers %" PRIu64 " (%" PRIu64 " bytes withheld), after expiry %" PRIu64
	       ", admitted after expiry %" PRIu64 "\n",
	       n, k->seen, k->captured, k->dropped_full, k->filtered, k->truncated, k->withheld_bytes, k->after_expiry,
	       k->admitted_after_expiry);
	const struct capnet_trace_provenance *p = &info->prov;
	char protos[64];
	trace_protos_text(info->policy.protos, protos, sizeof protos);
	printf("-- trace on %s, %s: minted by %s cap %" PRIu32 " in cspace %" PRIu32 " (%s) for cspace %" PRIu32
	       " at %s s: \"%s\"\n",
	       p->iface_name ? p->iface_name : "?", capnet_trace_state_name(info->state),
	       capnet_cap_type_name((enum capnet_cap_type)p->authority_type), p->authority_cap, p->minted_by,
	       p->minted_by_name, p->minted_for, fmt_time(p->minted_at), p->reason);
	printf("-- policy: capacity %" PRIu32 ", snaplen %" PRIu32 ", header-only, %s, protocols %s, port %u, expires %s s\n",
	       info->policy.capacity, info->policy.snaplen, capnet_trace_dir_name(info->policy.dir),
	       info->policy.protos ? protos : "any", info->policy.port, fmt_time(info->policy.expires));
	if (!ran)
		printf("-- the scenario did not run to its end (TCP %s)\n", capnet_errname(s->x.err));
	return ran ? EXIT_OK : EXIT_FAILED;
}

static int run(const char *scenario, bool tcp, const struct options *o)
{
	static struct trace_scenario s;
	if (trace_scenario_open(&s, o->seed, NULL) != CAPNET_OK) {
		fprintf(stderr, "capnet trace: cannot build the scenario\n");
		trace_scenario_close(&s);
		return EXIT_FAILED;
	}
	/* The operator (boot, holding the NetworkManager) mints the trace and
	 * a reader, and hands only the reader to the debugging cspace. */
	struct capnet_trace_request req = {o->policy, o->reason, capnet_cspace_id(s.debug)};
	capnet_handle pt, rd, rd_debug;
	capnet_err e = capnet_netmgr_mint_trace_policy(s.boot, s.nm, &req, 0, &pt);
	if (e == CAPNET_OK)
		e = capnet_tracecap_reader(s.boot, pt, &rd);
	if (e == CAPNET_OK)
		e = capnet_cap_grant(s.boot, rd, s.debug, CAPNET_RIGHT_READ, NULL, &rd_debug);
	if (e != CAPNET_OK) {
		fprintf(stderr, "capnet trace: minting the trace failed: %s\n", capnet_strerror(e));
		trace_scenario_close(&s);
		return EXIT_FAILED;
	}
	bool ran = trace_scenario_dhcp(&s, CAPNET_S(30));
	if (ran && tcp)
		ran = trace_scenario_tcp_start(&s, 3, CAPNET_MS(500), 2048) == CAPNET_OK &&
		      trace_scenario_tcp_run(&s, CAPNET_S(60)) && s.x.exact;
	/* Let the closes finish (TIME-WAIT is 1 s here). */
	capnet_sim_run_until(s.sim, capnet_sim_now(s.sim) + CAPNET_S(2));

	struct capnet_trace_info info;
	struct capnet_trace_record *r = NULL;
	size_t n = 0;
	if ((e = capnet_tracecap_info(s.debug, rd_debug, &info)) != CAPNET_OK ||
	    (e = trace_read_all(s.debug, rd_debug, &r, &n)) != CAPNET_OK) {
		fprintf(stderr, "capnet trace: reading the trace failed: %s\n", capnet_strerror(e));
		trace_scenario_close(&s);
		return EXIT_FAILED;
	}
	int status = EXIT_OK;
	if (o->pcap != NULL) {
		FILE *f = fopen(o->pcap, "wb");
		if (f == NULL || trace_pcap_write(f, trace_pcap_snaplen(&info.policy), r, n) != 0) {
			fprintf(stderr, "capnet trace: cannot write %s\n", o->pcap);
			status = EXIT_FAILED;
		}
		if (f != NULL && fclose(f) != 0)
			status = EXIT_FAILED;
	}
	if (o->json) {
		json_t *recs = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(recs, trace_record_json(&r[i]));
		json_t *out = json_pack("{s:s, s:I, s:b, s:o, s:o}", "scenario", scenario, "seed", (json_int_t)o->seed,
					"completed", ran, "trace", trace_info_json(&info), "records", recs);
		if (o->pcap != NULL)
			json_object_set_new(out, "pcap", json_string(o->pcap));
		cmd_json_print(out);
		if (!ran)
			status = EXIT_FAILED;
	} else if (print_human(&s, &info, r, n, ran) != EXIT_OK) {
		status = EXIT_FAILED;
	}
	free(r);
	trace_scenario_close(&s);
	return status;
}

int cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{"seed", required_argument, NULL, 's'},     {"pcap", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},           {"capacity", required_argument, NULL, 'c'},
		{"snaplen", required_argument, NULL, 'n'},  {"dir", required_argument, NULL, 'd'},
		{"proto", required_argument, NULL, 'P'},    {"port", required_argument, NULL, 'o'},
		{"expire", required_argument, NULL, 'e'},   {"reason", required_argument, NULL, 'r'},
		{"list", no_argument, NULL, 'l'},           {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct options o = {.seed = 1, .reason = "capnet trace from the command line"};
	capnet_trace_policy_default(&o.policy, 0, CAPNET_S(60));
	o.policy.capacity = 64;
	bool want_list = false;
	const struct cmd_common cc = {
		.cmd = "trace", .usage = usage, .seed = &o.seed, .pcap = &o.pcap, .json = &o.json, .list = &want_list};
	uint32_t v;
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:p:jc:n:d:P:o:e:r:lh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!parse_u32(optarg, 1, 256, &o.policy.capacity)) {
				fprintf(stderr, "capnet trace: --capacity wants 1..256\n");
				return EXIT_USAGE;
			}
			break;
		case 'n':
			if (!parse_u32(optarg, 14, 262144, &o.policy.snaplen)) {
				fprintf(stderr, "capnet trace: --snaplen wants 14..262144\n");
				return EXIT_USAGE;
			}
			break;
		case 'd':
			if (strcmp(optarg, "rx") == 0)
				o.policy.dir = CAPNET_TRACE_DIR_RX;
			else if (strcmp(optarg, "tx") == 0)
				o.policy.dir = CAPNET_TRACE_DIR_TX;
			else if (strcmp(optarg, "both") == 0)
				o.policy.dir = CAPNET_TRACE_DIR_BOTH;
			else {
				fprintf(stderr, "capnet trace: --dir wants rx, tx or both\n");
				return EXIT_USAGE;
			}
			break;
		case 'P':
			if (!parse_protos(optarg, &o.policy.protos)) {
				fprintf(stderr, "capnet trace: --proto wants a list of arp,ipv4,ipv6,icmp,udp,tcp,dhcp,dns\n");
				return EXIT_USAGE;
			}
			break;
		case 'o':
			if (!parse_u32(optarg, 1, 65535, &v)) {
				fprintf(stderr, "capnet trace: --port wants 1..65535\n");
				return EXIT_USAGE;
			}
			o.policy.port = (uint16_t)v;
			break;
		case 'e':
			if (!parse_u32(optarg, 0, 86400000, &v)) {
				fprintf(stderr, "capnet trace: --expire wants milliseconds, 0..86400000\n");
				return EXIT_USAGE;
			}
			o.policy.expires = CAPNET_MS(v);
			break;
		case 'r':
			o.reason = optarg;
			break;
		default:
			if ((rc = cmd_common_opt(&cc, c, optarg)) != CMD_OPT_NEXT)
				return rc;
		}
	}
	if (want_list) {
		for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
			printf("%-10s %s\n", scenarios[i].name, scenarios[i].summary);
		return EXIT_OK;
	}
	if (optind < argc - 1) {
		fprintf(stderr, "capnet trace: name at most one scenario (capnet trace --list)\n");
		return EXIT_USAGE;
	}
	const char *name = optind < argc ? argv[optind] : scenarios[0].name;
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		if (strcmp(name, scenarios[i].name) == 0)
			return run(name, scenarios[i].tcp, &o);
	fprintf(stderr, "capnet trace: no scenario named '%s' (capnet trace --list)\n", name);
	return EXIT_USAGE;
}
