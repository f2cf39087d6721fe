/* capnet resolve NAME [--type A|AAAA|ANY] [--json]
 *        [--tap DEV (--static ADDR/LEN [--gateway GW] | --dhcp) [--dns SERVER]...]
 *
 * Resolves a name the way an application of the stack does: through a
 * DnsResolver cap held by a cspace of its own, answered by the stack's
 * stub resolver. On the simulator by default (the fixture DNS server of
 * sim/dns_server.h), or on a Linux TAP device against real servers.
 * Exit status: 0 found, 2 not found (NXDOMAIN or no data), 3 timeout or
 * unavailable, 1 any other failure; a usage error is also 2. */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/dns_cap.h"
#include "capnet/host/pcap.h"
#include "capnet/host/ev.h"
#include "capnet/host/host.h"
#include "capnet/host/pcap_writer.h"
#include "capnet/host/tap.h"
#include "capnet/stack.h"
#include "cmd.h"
#include "cmd_tap.h"
#include "harness/dns_host.h"
#include "harness/sim_stack.h"
#include "sim/dns_server.h"

enum { EXIT_NOTFOUND = 2, EXIT_TIMEOUT = 3 };

struct resolve_opts {
	const char *name;
	uint8_t family;
	const char *type;
	bool json;
	uint64_t seed;
	const char *tap;
	const char *pcap;
	bool dhcp, have_static;
	capnet_ip4addr addr, gateway;
	uint8_t prefix;
	uint8_t n_dns;
	capnet_ip4addr dns[CAPNET_IP4CFG_MAX_DNS];
	struct capnet_mac mac;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: capnet resolve NAME [--type A|AAAA|ANY] [--json] [--seed N]\n"
		"       capnet resolve NAME --tap DEV (--static ADDR/LEN [--gateway GW] | --dhcp)\n"
		"                           [--dns SERVER]... [--mac MAC] [--pcap FILE] [--type T] [--json]\n\n"
		"Resolves NAME through a DnsResolver cap, the only cap of the cspace that\n"
		"asks. By default on the simulator: a host 192.0.2.10/24 asks the fixture\n"
		"DNS server 192.0.2.53, which knows www.example.test (A 192.0.2.9, AAAA\n"
		"2001:db8::9), alias.example.test (CNAME www) and v4only.example.test\n"
		"(A 192.0.2.10); any other name is NXDOMAIN. With --tap, on a Linux TAP\n"
		"device (root or CAP_NET_ADMIN) with the same address options as\n"
		"`capnet serve`; the servers come from --dns (static, repeatable) or from\n"
		"the DHCP lease (option 6).\n\n"
		"  -T, --type T        A, AAAA or ANY (both, in parallel; default)\n"
		"  -j, --json          print the outcome as one JSON object\n"
		"  -s, --seed N        simulator seed (default 1)\n"
		"  -t, --tap DEV       run on this TAP device\n"
		"  -a, --static A/LEN  static address and prefix\n"
		"  -g, --gateway GW    default gateway (with --static)\n"
		"  -D, --dhcp          take the address (and DNS servers) from DHCPv4\n"
		"  -n, --dns SERVER    a DNS server (repeatable, at most 4; wins over DHCP)\n"
		"  -m, --mac MAC       the stack's MAC on the TAP (default 02:00:00:00:00:02)\n"
		"  -p, --pcap FILE     record the TAP's frames to FILE\n"
		"  -h, --help          this text\n\n"
		"Exit status: 0 found, 2 not found (NXDOMAIN, no data) or usage error,\n"
		"3 timeout or no server configured, 1 any other failure.\n");
}

static int exit_of(enum capnet_dns_status s)
{
	switch (s) {
	case CAPNET_DNS_FOUND:
		return EXIT_OK;
	case CAPNET_DNS_NXDOMAIN:
	case CAPNET_DNS_NODATA:
	case CAPNET_DNS_BADNAME:
		return EXIT_NOTFOUND;
	case CAPNET_DNS_TIMEOUT:
	case CAPNET_DNS_UNAVAILABLE:
		return EXIT_TIMEOUT;
	default:
		return EXIT_FAILED;
	}
}

static int report(const struct resolve_opts *o, const struct capnet_dns_result *r,
		  const struct capnet_dns_stub_status *s, capnet_duration took)
{
	if (o->json) {
		json_t *j = json_object(), *a = json_array(), *sv = json_array();
		for (size_t i = 0; i < r->n_addrs; i++)
			json_array_append_new(a, json_string(fmt_ipaddr(&r->addrs[i])));
		for (size_t i = 0; i < s->n_servers; i++)
			json_array_append_new(sv, json_string(fmt_ipaddr(&s->servers[i])));
		json_object_set_new(j, "name", json_string(o->name));
		json_object_set_new(j, "type", json_string(o->type));
		json_object_set_new(j, "status", json_string(capnet_dns_status_name(r->status)));
		json_object_set_new(j, "addresses", a);
		json_object_set_new(j, "canonical_name", json_string(r->canon));
		json_object_set_new(j, "ttl", json_integer(r->ttl));
		json_object_set_new(j, "elapsed_us", json_integer(took));
		json_object_set_new(j, "servers", sv);
		json_object_set_new(j, "servers_provenance", json_string(capnet_provenance_name(s->servers_provenance)));
		json_object_set_new(j, "queries_sent", json_integer(s->queries_sent));
		json_object_set_new(j, "timeouts", json_integer(s->timeouts));
		json_object_set_new(j, "mismatched", json_integer(s->mismatched));
		json_object_set_new(j, "exit", json_integer(exit_of(r->status)));
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
		json_decref(j);
		return exit_of(r->status);
	}
	if (r->status == CAPNET_DNS_FOUND) {
		printf("%s (%s): %s\n", o->name, o->type, fmt_addrs(r));
		printf("  canonical name %s, ttl %" PRIu32 " s, %.3f ms\n", r->canon, r->ttl, (double)took / 1000.0);
	} else {
		printf("%s (%s): %s after %.3f ms\n", o->name, o->type, capnet_dns_status_name(r->status),
		       (double)took / 1000.0);
	}
	printf("  servers");
	for (size_t i = 0; i < s->n_servers; i++)
		printf(" %s", fmt_ipaddr(&s->servers[i]));
	printf("%s (%s); %" PRIu32 " queries sent, %" PRIu32 " timeouts, %" PRIu32 " mismatched answers ignored\n",
	       s->n_servers ? "" : " none", capnet_provenance_name(s->servers_provenance), s->queries_sent, s->timeouts,
	       s->mismatched);
	return exit_of(r->status);
}

/* The application's cspace: a DnsResolver and nothing else. */
static capnet_err app_cspace(struct capnet_stack *st, struct capnet_cspace **app, capnet_handle *res)
{
	struct capnet_cspace *boot = capnet_stack_boot_cspace(st);
	capnet_handle nm = capnet_stack_netmgr(st, 0), r0;
	capnet_err e = capnet_cspace_create(capnet_stack_capsys(st), "resolve", app);
	if (e == CAPNET_OK)
		e = capnet_netmgr_mint_dns(boot, nm, &r0);
	if (e == CAPNET_OK)
		e = capnet_cap_grant(boot, r0, *app, CAPNET_RIGHT_SEND | CAPNET_RIGHT_READ, NULL, res);
	return e;
}

static int run_sim(const struct resolve_opts *o)
{
	const struct capnet_sim_impair wire = {.delay = CAPNET_MS(1)};
	struct capnet_sim *sim = sim_open_recording(o->seed, CAPNET_SIM_SWITCH, NULL);
	if (sim == NULL)
		return EXIT_FAILED;
	static struct dns_server ns;
	struct dns_server_config nc = {
		.mac = {{0x02, 0, 0, 0, 0, 0x53}}, .addr = CAPNET_IP4(192, 0, 2, 53), .zone = "example.test",
		.negative_ttl = 30, .impair = &wire, .n_records = 4,
		.records = {
			{.name = "www.example.test", .type = CAPNET_DNS_TYPE_A, .ttl = 300, .addr = {192, 0, 2, 9}},
			{.name = "www.example.test", .type = CAPNET_DNS_TYPE_AAAA, .ttl = 300,
			 .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 9}},
			{.name = "alias.example.test", .type = CAPNET_DNS_TYPE_CNAME, .ttl = 600, .target = "www.example.test"},
			{.name = "v4only.example.test", .type = CAPNET_DNS_TYPE_A, .ttl = 60, .addr = {192, 0, 2, 10}},
		},
	};
	static struct sim_stack h;
	struct capnet_cspace *app;
	capnet_handle res;
	struct capnet_ip4cfg_layer l = {.addr = CAPNET_IP4(192, 0, 2, 10), .prefix_len = 24};
	l.n_dns = o->n_dns ? o->n_dns : 1;
	if (o->n_dns)
		memcpy(l.dns, o->dns, sizeof l.dns);
	else
		l.dns[0] = nc.addr;
	if (dns_server_open(&ns, sim, &nc) != CAPNET_OK ||
	    sim_stack_open(&h, "H", sim, o->seed, (struct capnet_mac){{0x02, 0, 0, 0, 0, 0x0a}}, &wire, NULL) != CAPNET_OK ||
	    capnet_netmgr_set_static_config(capnet_stack_boot_cspace(h.stack), capnet_stack_netmgr(h.stack, 0), &l, 0) !=
		    CAPNET_OK ||
	    app_cspace(h.stack, &app, &res) != CAPNET_OK) {
		fprintf(stderr, "capnet resolve: cannot build the simulated network\n");
		capnet_sim_destroy(sim);
		return EXIT_FAILED;
	}
	struct capnet_dns_result r;
	capnet_duration took;
	capnet_err e = dns_resolve_wait(sim, app, res, o->name, o->family, CAPNET_S(30), &r, &took);
	if (e != CAPNET_OK) {
		fprintf(stderr, "capnet resolve: %s\n", capnet_strerror(e));
		capnet_sim_destroy(sim);
		return e == CAPNET_E_INVAL ? EXIT_NOTFOUND : EXIT_FAILED;
	}
	struct capnet_dns_stub_status s;
	capnet_dnscap_status(app, res, &s);
	int rc = report(o, &r, &s, took);
	sim_stack_close(&h);
	capnet_sim_destroy(sim);
	return rc;
}

/* ---- TAP ---- */

struct twait {
	struct capnet_cspace *cs;
	capnet_handle h;
	uint32_t req;
	struct capnet_dns_result r;
	bool done;
};

static bool answered(void *ctx)
{
	struct twait *w = ctx;
	if (!w->done && capnet_dnscap_result(w->cs, w->h, w->req, &w->r) != CAPNET_E_AGAIN)
		w->done = true;
	return w->done;
}

static int run_tap(const struct resolve_opts *o)
{
	struct cmd_tap t;
	if (!cmd_tap_open(&t, "resolve", o->tap, o->mac, o->pcap))
		return EXIT_FAILED;
	/* TCP for the retry of a truncated answer (RFC 7766), a few sockets. */
	struct capnet_stack_config cfg = {.dhcp4 = o->dhcp, .tcp = {.max_sockets = 4}};
	int rc = EXIT_FAILED;
	if (!cmd_tap_stack(&t, &cfg))
		goto out;
	struct capnet_stack *st = t.st;
	struct capnet_cspace *boot = capnet_stack_boot_cspace(st), *app;
	capnet_handle nm = capnet_stack_netmgr(st, 0), res;
	struct capnet_ip4cfg_layer l = {.addr = o->addr, .prefix_len = o->prefix, .gateway = o->gateway,
					.n_dns = o->n_dns};
	memcpy(l.dns, o->dns, sizeof l.dns);
	capnet_instant now = capnet_host_now();
	if (capnet_netmgr_set_static_config(boot, nm, &l, now) != CAPNET_OK || app_cspace(st, &app, &res) != CAPNET_OK) {
		fprintf(stderr, "capnet resolve: cannot configure the stack\n");
		goto out;
	}
	struct capnet_dhcp4_client *dc = capnet_stack_dhcp4(st, 0);
	if (o->dhcp) {
		capnet_dhcp4_client_start(dc, now);
		if (!cmd_tap_run(&t, now + CAPNET_S(30), cmd_tap_bound, dc)) {
			fprintf(stderr, "capnet resolve: no DHCP lease within 30 s\n");
			rc = EXIT_TIMEOUT;
			goto out;
		}
	}
	struct twait w = {.cs = app, .h = res};
	capnet_instant t0 = capnet_host_now();
	capnet_err e = capnet_dnscap_resolve(app, res, o->name, o->family, t0, &w.req);
	if (e != CAPNET_OK) {
		fprintf(stderr, "capnet resolve: %s\n", capnet_strerror(e));
		rc = e == CAPNET_E_INVAL ? EXIT_NOTFOUND : EXIT_FAILED;
		goto out;
	}
	if (!cmd_tap_run(&t, t0 + CAPNET_S(30), answered, &w)) {
		fprintf(stderr, "capnet resolve: no outcome within 30 s\n");
		rc = EXIT_TIMEOUT;
		goto out;
	}
	struct capnet_dns_stub_status s;
	capnet_dnscap_status(app, res, &s);
	rc = report(o, &w.r, &s, capnet_host_now() - t0);
	cmd_tap_finish(&t, o->dhcp ? dc : NULL);
out:
	cmd_tap_close(&t);
	return rc;
}

int cmd_resolve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"type", required_argument, NULL, 'T'}, {"json", no_argument, NULL, 'j'},
		{"seed", required_argument, NULL, 's'}, {"tap", required_argument, NULL, 't'},
		{"static", required_argument, NULL, 'a'}, {"gateway", required_argument, NULL, 'g'},
		{"dhcp", no_argument, NULL, 'D'},       {"dns", required_argument, NULL, 'n'},
		{"mac", required_argument, NULL, 'm'},  {"pcap", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct resolve_opts o = {.family = CAPNET_AF_NONE, .type = "ANY", .seed = 1};
	const struct cmd_common cc = {
		.cmd = "resolve", .usage = usage, .seed = &o.seed, .pcap = &o.pcap, .json = &o.json};
	int c, rc;
	optind = 1;
	const struct cmd_tap_args ta = {"resolve", &o.tap, &o.addr, &o.prefix, &o.have_static, &o.gateway, &o.dhcp, &o.mac};
	while ((c = getopt_long(argc, argv, "T:js:t:a:g:Dn:m:p:h", opts, NULL)) != -1) {
		int r = cmd_tap_opt(&ta, c, optarg);
		if (r != CMD_TAP_OPT_OTHER) {
			if (r != CMD_OPT_NEXT)
				return r;
			continue;
		}
		switch (c) {
		case 'T':
			if (strcmp(optarg, "A") == 0 || strcmp(optarg, "a") == 0) {
				o.family = CAPNET_AF_INET;
				o.type = "A";
			} else if (strcmp(optarg, "AAAA") == 0 || strcmp(optarg, "aaaa") == 0) {
				o.family = CAPNET_AF_INET6;
				o.type = "AAAA";
			} else if (strcmp(optarg, "ANY") == 0 || strcmp(optarg, "any") == 0) {
				o.family = CAPNET_AF_NONE;
				o.type = "ANY";
			} else {
				fprintf(stderr, "capnet resolve: --type must be A, AAAA or ANY\n");
				return EXIT_USAGE;
			}
			break;
		case 'n':
			if (o.n_dns >= CAPNET_IP4CFG_MAX_DNS || !cmd_parse_ip4(optarg, &o.dns[o.n_dns])) {
				fprintf(stderr, "capnet resolve: bad or too many --dns %s\n", optarg);
				return EXIT_USAGE;
			}
			o.n_dns++;
			break;
		default: /* --seed, --pcap, --json, --help, and what is unknown */
			if ((rc = cmd_common_opt(&cc, c, optarg)) != CMD_OPT_NEXT)
				return rc;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	o.name = argv[optind];
	if (o.tap == NULL) {
		if (o.have_static || o.dhcp || o.gateway || o.pcap) {
			fprintf(stderr, "capnet resolve: --static, --gateway, --dhcp and --pcap need --tap\n");
			return EXIT_USAGE;
		}
		return run_sim(&o);
	}
	if (o.have_static == o.dhcp || (o.dhcp && o.gateway)) {
		fprintf(stderr, "capnet resolve: --tap needs one of --static ADDR/LEN or --dhcp\n");
		return EXIT_USAGE;
	}
	return run_tap(&o);
}
