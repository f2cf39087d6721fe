/* A libcapnet stack (capnet/stack.h) on a simulator port: its own arena
 * and seeded generators, registered as a participant that polls the whole
 * stack. The building block of every proof and shuttle test. */
#ifndef CAPNET_HARNESS_SIM_STACK_H
#define CAPNET_HARNESS_SIM_STACK_H

#include "capnet/iface.h"
#include "capnet/stack.h"
#include "sim/sim.h"

struct sim_stack {
	const char *name;
	struct capnet_sim *sim;
	int port;
	struct capnet_nic *nic;
	struct capnet_xoshiro rng;    /* the wire's draws */
	struct capnet_xoshiro caprng; /* cspace keys */
	void *arena_mem;
	struct capnet_arena arena;
	struct capnet_stack *stack;
	struct capnet_iface *ifc;     /* interface 0 of the stack */
};

/* A stack of the interface alone (no TCP, UDP or caps): for proofs of the
 * link and IP layers. */
extern const struct capnet_stack_config sim_stack_bare;

/* A simulator for a proof or tool: seeded, recording every frame to
 * pcap_path when it is not NULL. NULL (having said why on stderr) when it
 * cannot be created or the capture cannot be written. */
struct capnet_sim *sim_open_recording(uint64_t seed, enum capnet_sim_mode mode, const char *pcap_path);

/* Builds the stack (cfg NULL: every layer, capnet_stack defaults) on a
 * new port and registers it as a participant. cspace keys come from
 * cfg->cap_rng, or when unset from a generator of their own. Seeds the generators from
 * (sim seed, port) so stacks differ but runs repeat. Returns a capnet_err. */
capnet_err sim_stack_open(struct sim_stack *s, const char *name, struct capnet_sim *sim, uint64_t seed,
			  struct capnet_mac mac, const struct capnet_sim_impair *impair,
			  const struct capnet_stack_config *cfg);
/* The same without registering: for a host that polls on its own terms
 * (sim_stack_poll from a participant of its own). */
capnet_err sim_stack_build(struct sim_stack *s, const char *name, struct capnet_sim *sim, uint64_t seed,
			   struct capnet_mac mac, const struct capnet_sim_impair *impair,
			   const struct capnet_stack_config *cfg);
capnet_instant sim_stack_poll(void *s, capnet_instant now);
void sim_stack_close(struct sim_stack *s);
uint64_t sim_stack_stat(const struct sim_stack *s, enum capnet_stat st);
/* "02:00:00:00:00:0a" / "192.0.2.10" into static rotating buffers. */
const char *fmt_mac(struct capnet_mac m);
const char *fmt_ip4(capnet_ip4addr a);
/* An IPv6 address as inet_ntop writes it, in one of eight rotating
 * buffers of its own. */
const char *fmt_ip6(const struct capnet_ip6addr *a);
/* An IPv4 TCP endpoint, "192.0.2.10:80", in one of four rotating buffers
 * of its own. */
const char *fmt_endpoint4(const struct capnet_tcp_endpoint *e);

#endif
