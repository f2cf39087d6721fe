#include "harness/sim_virtio.h"

#include <stdlib.h>
#include <string.h>

capnet_err sim_virtio_open(struct sim_virtio *v, const char *name, struct capnet_sim *sim, uint64_t seed,
			   struct capnet_mac mac, capnet_ip4addr ip, const struct capnet_sim_impair *impair,
			   const struct capnet_tcp_config *tcfg, uint16_t qmax)
{
	memset(v, 0, sizeof *v);
	struct sim_stack *s = &v->t.st;
	s->name = name;
	s->sim = sim;
	/* The port's own MAC is never used as a source: the driver's frames
	 * carry the MAC the device reports. */
	v->wire = capnet_sim_add_port(sim, mac, 1500, impair, &s->port);
	if (v->wire == NULL)
		return CAPNET_E_NOMEM;
	struct capnet_sim_virtio_config dc = {.mac = mac, .queue_max = qmax};
	v->dev = capnet_sim_virtio_create(&dc, v->wire);
	if (v->dev == NULL)
		return CAPNET_E_NOMEM;
	struct capnet_virtio_window w = capnet_sim_virtio_window(v->dev);
	capnet_err e = capnet_virtio_mmio_init(&v->mmio, &w);
	if (e != CAPNET_OK)
		return e;
	struct capnet_virtio_dma dma = capnet_sim_virtio_dma(v->dev);
	v->start_err = capnet_virtio_net_start(&v->vn, capnet_virtio_mmio_transport(&v->mmio), &dma, NULL);
	if (v->start_err != CAPNET_OK)
		return v->start_err;
	s->nic = capnet_virtio_net_nic(&v->vn);

	/* Seeded as sim_stack_build seeds a stack on the same port. */
	capnet_xoshiro_seed(&s->rng, seed * 1000003u + (uint64_t)s->port);
	capnet_xoshiro_seed(&s->caprng, seed * 7919u + (uint64_t)s->port);
	struct capnet_stack_config cfg = {.without = CAPNET_STACK_NO_UDP | CAPNET_STACK_NO_CAPS};
	if (tcfg != NULL)
		cfg.tcp = *tcfg;
	cfg.cap_rng = capnet_xoshiro_rng(&s->caprng);
	size_t need = capnet_stack_arena_need(&cfg, &s->nic, 1);
	s->arena_mem = malloc(need);
	if (s->arena_mem == NULL)
		return CAPNET_E_NOMEM;
	capnet_arena_init(&s->arena, s->arena_mem, need);
	e = capnet_stack_create(&s->arena, &cfg, capnet_xoshiro_rng(&s->rng), &s->nic, 1, &s->stack);
	if (e != CAPNET_OK)
		return e;
	s->ifc = capnet_stack_iface(s->stack, 0);
	e = sim_tcp_configure(&v->t, ip);
	if (e != CAPNET_OK)
		return e;
	return capnet_sim_add_participant(sim, sim_virtio_poll, v);
}

capnet_instant sim_virtio_poll(void *ctx, capnet_instant now)
{
	struct sim_virtio *v = ctx;
	capnet_sim_virtio_poll(v->dev, now);
	capnet_instant next = capnet_stack_poll(v->t.st.stack, now);
	/* What the stack sent goes out now; if frames moved, look again. */
	if (capnet_sim_virtio_poll(v->dev, now))
		next = now;
	return next;
}

void sim_virtio_close(struct sim_virtio *v)
{
	if (v->dev != NULL) {
		capnet_virtio_net_stop(&v->vn);
		capnet_sim_virtio_destroy(v->dev);
		v->dev = NULL;
	}
	sim_tcp_close(&v->t);
}
