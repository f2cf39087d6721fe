/* The stack: one object that a program, a proof, a tool or an OS build
 * creates to have a network. It builds, for each NIC, an interface with
 * its TCP and UDP layers, the IPv4 configuration layers (static and lease,
 * merged value by value) and optionally a DHCPv4 client, then the capability system, the table of sockets
 * served through caps, and the boot cspace holding one NetworkManager per
 * interface, from which every other authority is minted.
 *
 *   struct capnet_stack_config cfg = {0};            // every default
 *   size_t need = capnet_stack_arena_need(&cfg, nics, 1);
 *   capnet_arena_init(&arena, mem, need);             // memory is the caller's
 *   capnet_stack_create(&arena, &cfg, rng, nics, 1, &st);
 *   struct capnet_cspace *boot = capnet_stack_boot_cspace(st);
 *   capnet_handle nm = capnet_stack_netmgr(st, 0);    // mint from it, grant onward
 *   for (;;) next = capnet_stack_poll(st, now);       // time is an argument
 *
 * Every limit is a field of the config, zero meaning the default written
 * in capnet/config.h. The stack lives in the caller's arena and owns no
 * other memory: dropping the arena ends it (nothing is sent on the way). */
#ifndef CAPNET_STACK_H
#define CAPNET_STACK_H

#include <stdbool.h>
#include <stddef.h>

#include "capnet/arena.h"
#include "capnet/cap.h"
#include "capnet/config.h"
#include "capnet/dhcp4_client.h"
#include "capnet/dns_stub.h"
#include "capnet/err.h"
#include "capnet/iface.h"
#include "capnet/ip4_config.h"
#include "capnet/nic.h"
#include "capnet/ping.h"
#include "capnet/rng.h"
#include "capnet/tcp.h"
#include "capnet/trace.h"
#include "capnet/udp.h"

/* Layers a stack can be built without (the default is all of them): a
 * single-layer test or a raw-frame tool leaves out what it does not
 * exercise, so that no unwanted answer (a TCP RST, an ICMP port
 * unreachable) reaches its wire. */
#define CAPNET_STACK_NO_TCP 0x1u
#define CAPNET_STACK_NO_UDP 0x2u  /* implies no DHCPv4 */
#define CAPNET_STACK_NO_CAPS 0x4u /* no capsys, socket table or boot cspace */
#define CAPNET_STACK_NO_DNS 0x8u  /* no stub resolver (it sends nothing unless asked) */
#define CAPNET_STACK_NO_PING 0x10u /* no ping sessions (they send nothing unless asked) */

struct capnet_stack_config {
	unsigned without;                   /* CAPNET_STACK_NO_* */
	struct capnet_iface_config iface;   /* every interface */
	struct capnet_tcp_config tcp;       /* per interface */
	struct capnet_udp_config udp;       /* per interface */
	/* A DHCPv4 client per interface, created stopped. */
	bool dhcp4;
	const struct capnet_dhcp4_client_config *dhcp4_client; /* NULL: the RFC defaults */
	/* The stub resolver of each interface (on unless NO_DNS or NO_UDP). */
	struct capnet_dns_stub_config dns;
	/* The ping sessions of each interface (capnet/ping.h; on unless NO_PING). */
	struct capnet_ping_config ping;
	/* A packet trace pool for PacketTrace caps. */
	bool trace;
	struct capnet_trace_pool_config trace_pool;
	struct capnet_capsys_config caps;
	struct capnet_sockets_config sockets;
	/* Keys of cspace handles. Never on the wire, so a separate generator
	 * keeps the wire's random draws (ISNs, IP ids, xids) independent of how
	 * many cspaces a program makes. .next NULL: the stack's generator. */
	struct capnet_rng cap_rng;
};

struct capnet_stack;

/* Arena bytes capnet_stack_create needs for this config over these NICs
 * (each interface's frame buffers follow its NIC's MTU): an upper bound,
 * and every arena smaller than what create used fails with E_NOMEM. cfg
 * NULL: every default. 0 when n is 0 or above CAPNET_STACK_MAX_IFACES. */
size_t capnet_stack_arena_need(const struct capnet_stack_config *cfg, struct capnet_nic *const *nics, size_t n);

/* Builds the stack over n NICs (1..CAPNET_STACK_MAX_IFACES), interface i
 * named "eth<i>". The NICs and the generators must outlive the stack.
 * E_INVAL for bad arguments, E_NOMEM when the arena is too small (*out is
 * then NULL and the arena's contents are garbage). */
capnet_err capnet_stack_create(struct capnet_arena *arena, const struct capnet_stack_config *cfg,
			       struct capnet_rng rng, struct capnet_nic *const *nics, size_t n,
			       struct capnet_stack **out);

/* Does every piece of due work at `now` -- drains each NIC (up to the rx
 * budget), runs protocol timers, completes parked calls that became ready
 * or timed out -- and returns the next instant it must be called again
 * (`now` when a NIC still has frames waiting; CAPNET_INSTANT_NEVER when
 * idle). */
capnet_instant capnet_stack_poll(struct capnet_stack *st, capnet_instant now);

/* The boot cspace (NULL without caps): it holds a NetworkManager with
 * every right over each interface. */
struct capnet_cspace *capnet_stack_boot_cspace(const struct capnet_stack *st);
/* The boot NetworkManager of interface i (CAPNET_HANDLE_NONE without caps
 * or out of range). Socket caps are served on interface 0's network: the
 * others' NetworkManagers answer E_NOTCONFIGURED for transports. */
capnet_handle capnet_stack_netmgr(const struct capnet_stack *st, size_t i);
struct capnet_capsys *capnet_stack_capsys(const struct capnet_stack *st);

/* The parts, for the provider side: hosts that carry frames, tools that
 * read counters, single-layer tests. An application reaches the network
 * through caps only. NULL where the part was left out or i is out of
 * range. */
size_t capnet_stack_ifaces(const struct capnet_stack *st);
struct capnet_iface *capnet_stack_iface(const struct capnet_stack *st, size_t i);
struct capnet_net *capnet_stack_net(struct capnet_stack *st, size_t i);
struct capnet_tcp *capnet_stack_tcp(const struct capnet_stack *st, size_t i);
struct capnet_udp_layer *capnet_stack_udp(const struct capnet_stack *st, size_t i);
struct capnet_ip4cfg *capnet_stack_ip4cfg(const struct capnet_stack *st, size_t i);
struct capnet_dhcp4_client *capnet_stack_dhcp4(const struct capnet_stack *st, size_t i);
struct capnet_dns_stub *capnet_stack_dns(const struct capnet_stack *st, size_t i);
struct capnet_ping_layer *capnet_stack_ping(const struct capnet_stack *st, size_t i);
struct capnet_trace_pool *capnet_stack_trace_pool(const struct capnet_stack *st);

#endif
