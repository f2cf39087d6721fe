#include "harness/cap_proof.h"

#include <stdio.h>
#include <string.h>

int cap_world_open(struct cap_world *w, struct proof_ctx *ctx, const struct capnet_tcp_config *tcfg)
{
	return cap_world_open_mode(w, ctx, tcfg, CAPNET_SIM_SWITCH);
}

int cap_world_open_mode(struct cap_world *w, struct proof_ctx *ctx, const struct capnet_tcp_config *tcfg,
			enum capnet_sim_mode mode)
{
	const struct capnet_sim_impair wire = {.delay = CAPNET_MS(1)};
	memset(w, 0, sizeof *w);
	w->ctx = ctx;
	w->sim = sim_open_recording(ctx->seed, mode, ctx->pcap_path);
	if (w->sim == NULL)
		return 1;
	struct cap_host_config sc = {.tcp = tcfg, .addr = CAP_PROOF_SRV}, cc = {.tcp = tcfg, .addr = CAP_PROOF_CLI};
	if (cap_host_open(&w->srv, "srv", w->sim, ctx->seed, (struct capnet_mac){{2, 0, 0, 0, 0, 1}}, &wire, &sc) !=
		    CAPNET_OK ||
	    cap_host_open(&w->cli, "cli", w->sim, ctx->seed, (struct capnet_mac){{2, 0, 0, 0, 0, 2}}, &wire, &cc) !=
		    CAPNET_OK) {
		fprintf(stderr, "capnet: cannot set up the hosts\n");
		cap_world_close(w);
		return 1;
	}
	w->drv = sim_wait_driver(w->sim);
	return 0;
}

void cap_world_close(struct cap_world *w)
{
	if (w->sim != NULL)
		capnet_sim_destroy(w->sim);
	w->sim = NULL;
	cap_host_close(&w->srv);
	cap_host_close(&w->cli);
}

capnet_instant cap_world_now(const struct cap_world *w)
{
	return capnet_sim_now(w->sim);
}

void cap_world_run(struct cap_world *w, capnet_duration d)
{
	capnet_sim_run_until(w->sim, capnet_sim_now(w->sim) + d);
}

const char *fmt_ready(unsigned ready)
{
	static char b[6][128];
	static unsigned n;
	char *p = b[n++ % 6];
	return capnet_ready_format(ready, p, 128);
}

unsigned cap_world_ready(struct cap_world *w, struct capnet_cspace *cs, capnet_handle h)
{
	unsigned r = 0;
	if (capnet_cap_readiness(cs, h, cap_world_now(w), &r) != CAPNET_OK)
		return CAPNET_READY_INVALID;
	return r;
}

const char *fmt_audit(const struct capnet_cspace *cs)
{
	static char b[4][160];
	static unsigned n;
	char *p = b[n++ % 4];
	struct capnet_audit a;
	capnet_cspace_audit(cs, &a);
	size_t at = 0;
	p[0] = '\0';
	for (int r = 0; r < CAPNET_AUDIT__COUNT; r++) {
		if (a.rejected[r] == 0)
			continue;
		at += (size_t)snprintf(p + at, 160 - at, "%s%s=%llu", at ? " " : "",
				       capnet_audit_reason_name((enum capnet_audit_reason)r),
				       (unsigned long long)a.rejected[r]);
		if (at >= 160)
			break;
	}
	if (at == 0)
		snprintf(p, 160, "none");
	return p;
}

const struct capnet_tcp_config cap_proof_tcp_4k = {
	.max_sockets = 16, .sndbuf = 4096, .rcvbuf = 4096, .time_wait = CAPNET_S(1)};

struct capnet_transport_status cap_proof_tcp_status(struct capnet_cspace *cs, capnet_handle h)
{
	struct capnet_transport_status t;
	memset(&t, 0, sizeof t);
	capnet_handle v;
	if (capnet_tcpcap_status(cs, h, &v) == CAPNET_OK) {
		capnet_transport_status(cs, v, &t);
		capnet_cap_close(cs, v);
	}
	return t;
}

capnet_handle cap_proof_listen_party(struct cap_host *h, const char *name, uint16_t lo, uint16_t hi,
				     struct capnet_cspace **cs)
{
	capnet_handle a0, a;
	capnet_cspace_create(h->sys, name, cs);
	capnet_netmgr_mint_listen_authority(h->boot, h->nm, lo, hi, &a0);
	capnet_cap_grant(h->boot, a0, *cs, CAPNET_RIGHT_BIND, NULL, &a);
	return a;
}

capnet_handle cap_proof_connect_party(struct cap_host *h, const char *name, capnet_ip4addr dst, uint8_t prefix_len,
				      uint16_t lo, uint16_t hi, struct capnet_cspace **cs)
{
	capnet_handle a0, a;
	capnet_cspace_create(h->sys, name, cs);
	capnet_netmgr_mint_connect_authority(h->boot, h->nm, dst, prefix_len, lo, hi, &a0);
	capnet_cap_grant(h->boot, a0, *cs, CAPNET_RIGHT_CONNECT, NULL, &a);
	return a;
}
