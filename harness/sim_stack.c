#include "harness/sim_stack.h"
#include "capnet/wire/describe.h"

#include "harness/tcp_sampler.h"

#include <stdio.h>
#include <stdlib.h>

struct capnet_sim *sim_open_recording(uint64_t seed, enum capnet_sim_mode mode, const char *pcap_path)
{
	struct capnet_sim *sim = capnet_sim_create(seed, mode);
	if (sim == NULL) {
		fprintf(stderr, "capnet: out of memory for the simulator\n");
		return NULL;
	}
	if (pcap_path != NULL && capnet_sim_record_pcap(sim, pcap_path) != CAPNET_OK) {
		fprintf(stderr, "capnet: cannot write %s: %s\n", pcap_path, capnet_sim_pcap_error(sim));
		capnet_sim_destroy(sim);
		return NULL;
	}
	/* `capnet plot` draws cwnd from the run it has the capture of. */
	tcp_sampler_recording(sim, pcap_path != NULL);
	return sim;
}

const struct capnet_stack_config sim_stack_bare = {
	.without = CAPNET_STACK_NO_TCP | CAPNET_STACK_NO_UDP | CAPNET_STACK_NO_CAPS,
};

capnet_instant sim_stack_poll(void *ctx, capnet_instant now)
{
	struct sim_stack *s = ctx;
	capnet_instant next = capnet_stack_poll(s->stack, now);
	tcp_sampler_poll(s->sim, s->stack, now);
	return next;
}

capnet_err sim_stack_build(struct sim_stack *s, const char *name, struct capnet_sim *sim, uint64_t seed,
			   struct capnet_mac mac, const struct capnet_sim_impair *impair,
			   const struct capnet_stack_config *in)
{
	s->name = name;
	s->sim = sim;
	s->nic = capnet_sim_add_port(sim, mac, 1500, impair, &s->port);
	if (!s->nic)
		return CAPNET_E_NOMEM;
	capnet_xoshiro_seed(&s->rng, seed * 1000003u + (uint64_t)s->port);
	capnet_xoshiro_seed(&s->caprng, seed * 7919u + (uint64_t)s->port);
	struct capnet_stack_config cfg = in != NULL ? *in : (struct capnet_stack_config){0};
	if (cfg.cap_rng.next == NULL)
		cfg.cap_rng = capnet_xoshiro_rng(&s->caprng);
	size_t need = capnet_stack_arena_need(&cfg, &s->nic, 1);
	s->arena_mem = malloc(need);
	if (!s->arena_mem)
		return CAPNET_E_NOMEM;
	capnet_arena_init(&s->arena, s->arena_mem, need);
	capnet_err e = capnet_stack_create(&s->arena, &cfg, capnet_xoshiro_rng(&s->rng), &s->nic, 1, &s->stack);
	if (e != CAPNET_OK)
		return e;
	s->ifc = capnet_stack_iface(s->stack, 0);
	return CAPNET_OK;
}

capnet_err sim_stack_open(struct sim_stack *s, const char *name, struct capnet_sim *sim, uint64_t seed,
			  struct capnet_mac mac, const struct capnet_sim_impair *impair,
			  const struct capnet_stack_config *cfg)
{
	capnet_err e = sim_stack_build(s, name, sim, seed, mac, impair, cfg);
	if (e != CAPNET_OK)
		return e;
	return capnet_sim_add_participant(sim, sim_stack_poll, s);
}

void sim_stack_close(struct sim_stack *s)
{
	free(s->arena_mem);
	s->arena_mem = NULL;
	s->stack = NULL;
	s->ifc = NULL;
}

uint64_t sim_stack_stat(const struct sim_stack *s, enum capnet_stat st)
{
	return capnet_iface_stats(s->ifc)->v[st];
}

static char fmt_bufs[8][32];
static unsigned fmt_next;

const char *fmt_mac(struct capnet_mac m)
{
	char *b = fmt_bufs[fmt_next++ % 8];
	snprintf(b, 32, "%02x:%02x:%02x:%02x:%02x:%02x", m.b[0], m.b[1], m.b[2], m.b[3], m.b[4], m.b[5]);
	return b;
}

const char *fmt_ip4(capnet_ip4addr a)
{
	char *b = fmt_bufs[fmt_next++ % 8];
	snprintf(b, 32, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return b;
}

const char *fmt_ip6(const struct capnet_ip6addr *a)
{
	static char b[8][46];
	static unsigned n;
	char *p = b[n++ % 8];
	capnet_ip6_text(a, p);
	return p;
}

const char *fmt_endpoint4(const struct capnet_tcp_endpoint *e)
{
	static char b[4][32];
	static unsigned n;
	char *p = b[n++ % 4];
	snprintf(p, 32, "%s:%u", fmt_ip4(e->addr.u.v4), e->port);
	return p;
}
