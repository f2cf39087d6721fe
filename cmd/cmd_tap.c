/* The TAP plumbing shared by the one-shot tools (ping, resolve): open the TAP
 * with an optional pcap tee, build a stack on it, poll it until a condition
 * holds, and take it all down again. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "capnet/host/ev.h"
#include "capnet/host/host.h"
#include "capnet/host/pcap.h"
#include "capnet/host/pcap_writer.h"
#include "capnet/host/tap.h"
#include "capnet/stack.h"
#include "cmd.h"
#include "cmd_tap.h"

bool cmd_tap_open(struct cmd_tap *t, const char *cmd, const char *name, struct capnet_mac mac, const char *pcap)
{
	char err[CAPNET_TAP_ERRBUF_SIZE] = "";
	*t = (struct cmd_tap){.cmd = cmd, .pcap = pcap};
	struct capnet_tap_options to = {.name = name, .mac = mac};
	if (capnet_tap_open(&to, &t->tap, err, sizeof err) != CAPNET_OK) {
		fprintf(stderr, "capnet %s: %s\n", cmd, err);
		return false;
	}
	t->nic = capnet_tap_nic(t->tap);
	if (pcap != NULL) {
		if (capnet_pcap_writer_open(pcap, 0, &t->pw, err, sizeof err) != CAPNET_OK ||
		    capnet_pcap_tee_open(t->nic, t->pw, capnet_host_wallclock, NULL, &t->tee) != CAPNET_OK) {
			fprintf(stderr, "capnet %s: cannot record to %s: %s\n", cmd, pcap, err);
			capnet_tap_close(t->tap);
			return false;
		}
		t->nic = capnet_pcap_tee_nic(t->tee);
	}
	return true;
}

bool cmd_tap_stack(struct cmd_tap *t, const struct capnet_stack_config *cfg)
{
	static struct capnet_host_rng hr;
	size_t need = capnet_stack_arena_need(cfg, &t->nic, 1);
	struct capnet_arena arena;
	t->mem = malloc(need);
	capnet_arena_init(&arena, t->mem, need);
	if (t->mem == NULL || capnet_stack_create(&arena, cfg, capnet_host_rng(&hr), &t->nic, 1, &t->st) != CAPNET_OK) {
		fprintf(stderr, "capnet %s: cannot build the stack\n", t->cmd);
		return false;
	}
	return true;
}

bool cmd_tap_run(struct cmd_tap *t, capnet_instant limit, bool (*done)(void *), void *ctx)
{
	for (;;) {
		capnet_instant now = capnet_host_now();
		capnet_instant next = capnet_stack_poll(t->st, now);
		if (capnet_tap_tx_pending(t->tap))
			capnet_tap_tx_flush(t->tap);
		if (done(ctx))
			return true;
		if (now >= limit || capnet_tap_fault(t->tap))
			return false;
		capnet_instant until = capnet_instant_min(next, limit);
		int ms = until <= now ? 0 : (int)((until - now + 999) / 1000);
		if (ms > 100)
			ms = 100;
		struct pollfd p = {.fd = capnet_tap_fd(t->tap), .events = POLLIN};
		poll(&p, 1, ms);
	}
}

bool cmd_tap_bound(void *dhcp4_client)
{
	return capnet_dhcp4_client_state(dhcp4_client) == CAPNET_DHCP4_BOUND;
}

void cmd_tap_finish(struct cmd_tap *t, struct capnet_dhcp4_client *dc)
{
	if (dc != NULL)
		capnet_dhcp4_client_release(dc, capnet_host_now());
	capnet_stack_poll(t->st, capnet_host_now());
	capnet_tap_tx_flush(t->tap);
}

void cmd_tap_close(struct cmd_tap *t)
{
	if (t->pw != NULL && capnet_pcap_writer_close(t->pw) != CAPNET_OK)
		fprintf(stderr, "capnet %s: could not finish %s\n", t->cmd, t->pcap);
	if (t->tee != NULL)
		capnet_pcap_tee_close(t->tee);
	capnet_tap_close(t->tap);
	free(t->mem);
}

int cmd_tap_opt(const struct cmd_tap_args *ta, int c, const char *arg)
{
	switch (c) {
	case 't':
		*ta->tap = arg;
		return CMD_OPT_NEXT;
	case 'a':
		if (!cmd_parse_cidr4(arg, ta->addr, ta->prefix)) {
			fprintf(stderr, "capnet %s: bad --static %s\n", ta->cmd, arg);
			return EXIT_USAGE;
		}
		*ta->have_static = true;
		return CMD_OPT_NEXT;
	case 'g':
		if (!cmd_parse_ip4(arg, ta->gateway)) {
			fprintf(stderr, "capnet %s: bad --gateway %s\n", ta->cmd, arg);
			return EXIT_USAGE;
		}
		return CMD_OPT_NEXT;
	case 'D':
		*ta->dhcp = true;
		return CMD_OPT_NEXT;
	case 'm':
		if (!cmd_parse_mac(arg, ta->mac)) {
			fprintf(stderr, "capnet %s: bad --mac %s\n", ta->cmd, arg);
			return EXIT_USAGE;
		}
		return CMD_OPT_NEXT;
	default:
		return CMD_TAP_OPT_OTHER;
	}
}
