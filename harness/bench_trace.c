/* capnet bench trace: the cost of the packet trace's capture points, in ns
 * per frame through capnet_iface_input, with
 *
 *   off       no trace attached: the hook is one pointer test;
 *   capture   a header-only trace taking every frame (both directions;
 *             the record store is cleared whenever it fills, so every frame
 *             is classified and copied, never dropped);
 *   filtered  a trace whose protocol filter (TCP only) refuses the frame
 *             after classifying it;
 *   dir-out   a tx-only trace: the rx frame is refused before classifying.
 *
 * Two workloads on an interface over a null nic: a UDP datagram delivered
 * to a protocol handler that does nothing (rx only), and an ICMP echo
 * request answered with an echo reply (one frame through each capture
 * point). Each figure is the best of five runs. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/iface.h"
#include "capnet/nic_null.h"
#include "capnet/stack.h"
#include "capnet/trace.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/udp.h"
#include "harness/bench.h"

static const struct capnet_nic_ops null_ops = {capnet_nic_null_transmit, capnet_nic_null_receive, NULL};

static void udp_sink(void *ctx, struct capnet_iface *ifc, const struct capnet_l3_rx *rx, capnet_instant now)
{
	(void)ifc;
	(void)now;
	*(volatile uint64_t *)ctx += rx->payload_len;
}

static const struct capnet_mac mac_us = {{0x02, 0, 0, 0, 0, 0x0b}}, mac_peer = {{0x02, 0, 0, 0, 0, 0x0a}};
static const capnet_ip4addr ip_us = CAPNET_IP4(192, 0, 2, 11), ip_peer = CAPNET_IP4(192, 0, 2, 10);

static size_t build_frame(uint8_t *f, bool echo)
{
	static const uint8_t data[64] = {0};
	struct capnet_eth_repr eth = {.dst = mac_us, .src = mac_peer, .ethertype = CAPNET_ETHERTYPE_IPV4};
	size_t n = capnet_eth_emit(&eth, f);
	if (echo) {
		struct capnet_icmp4_repr icmp = {.type = CAPNET_ICMP4_ECHO_REQUEST, .ident = 1, .seq = 1, .data = data,
						 .data_len = 56};
		struct capnet_ip4_repr ip = {.src = ip_peer, .dst = ip_us, .proto = CAPNET_IPPROTO_ICMP, .ttl = 64,
					     .payload_len = capnet_icmp4_emit_len(&icmp)};
		n += capnet_ip4_emit(&ip, f + n);
		return n + capnet_icmp4_emit(&icmp, f + n);
	}
	struct capnet_udp_repr udp = {.src_port = 40000, .dst_port = 9, .payload = data, .payload_len = 64};
	struct capnet_ip4_repr ip = {.src = ip_peer, .dst = ip_us, .proto = CAPNET_IPPROTO_UDP, .ttl = 64,
				     .payload_len = capnet_udp_emit_len(&udp)};
	n += capnet_ip4_emit(&ip, f + n);
	return n + capnet_udp_emit4(&udp, f + n, ip_peer, ip_us);
}

enum mode { OFF, CAPTURE, FILTERED, DIR_OUT, MODES };
static const char *const mode_names[MODES] = {"off", "capture", "filtered", "dir-out"};

struct rig {
	struct capnet_nic nic;
	uint8_t *mem;
	struct capnet_arena arena;
	struct capnet_xoshiro x;
	struct capnet_stack *st;
	struct capnet_iface *ifc;
	struct capnet_trace_pool *pool;
	struct capnet_l4_protocol udp;
	uint64_t sink;
};

static int rig_open(struct rig *r)
{
	memset(r, 0, sizeof *r);
	r->nic = (struct capnet_nic){&null_ops, NULL, mac_us, 1500, NULL};
	/* The interface and a trace pool alone: the UDP sink below stands in
	 * for the transports so that only the capture point is measured. */
	struct capnet_stack_config cfg = {
		.without = CAPNET_STACK_NO_TCP | CAPNET_STACK_NO_UDP | CAPNET_STACK_NO_CAPS,
		.trace = true,
		.trace_pool = {1, 4096},
	};
	struct capnet_nic *nics[1] = {&r->nic};
	size_t need = capnet_stack_arena_need(&cfg, nics, 1);
	if ((r->mem = malloc(need)) == NULL)
		return 1;
	capnet_arena_init(&r->arena, r->mem, need);
	capnet_xoshiro_seed(&r->x, 1);
	if (capnet_stack_create(&r->arena, &cfg, capnet_xoshiro_rng(&r->x), nics, 1, &r->st) != CAPNET_OK)
		return 1;
	r->ifc = capnet_stack_iface(r->st, 0);
	r->pool = capnet_stack_trace_pool(r->st);
	struct capnet_ip4_config c = {ip_us, 24, 0, CAPNET_PROV_FIXTURE};
	capnet_iface_set_ip4(r->ifc, &c, 0);
	capnet_arp_add_static(r->ifc, ip_peer, mac_peer);
	r->udp = (struct capnet_l4_protocol){
		.family = CAPNET_AF_INET, .proto = CAPNET_IPPROTO_UDP, .input = udp_sink, .ctx = &r->sink};
	capnet_iface_register_l4(r->ifc, &r->udp);
	return 0;
}

static struct capnet_trace *mode_trace(struct rig *r, enum mode m)
{
	if (m == OFF)
		return NULL;
	struct capnet_trace_policy p;
	capnet_trace_policy_default(&p, 0, CAPNET_INSTANT_NEVER);
	p.capacity = 4096;
	if (m == FILTERED)
		p.protos = CAPNET_TRACE_P_TCP;
	if (m == DIR_OUT)
		p.dir = CAPNET_TRACE_DIR_TX;
	struct capnet_trace *t = NULL;
	capnet_trace_open(r->pool, r->ifc, &p, NULL, 0, &t);
	return t;
}

/* ns per input frame, best of five. */
static double measure(struct rig *r, enum mode m, const uint8_t *f, size_t len, double target,
		      struct capnet_trace_counters *out)
{
	struct capnet_trace *t = mode_trace(r, m);
	if (m != OFF && t == NULL)
		return -1;
	double best = 1e30;
	capnet_instant now = 1;
	for (int rep = 0; rep < 5; rep++) {
		uint64_t n = 0;
		double t0 = bench_now(), t1;
		do {
			for (int i = 0; i < 1024; i++)
				capnet_iface_input(r->ifc, f, len, now++);
			n += 1024;
			if (t != NULL)
				capnet_trace_clear(t); /* keep capturing, never drop */
			t1 = bench_now();
		} while (t1 - t0 < target);
		double ns = (t1 - t0) * 1e9 / (double)n;
		if (ns < best)
			best = ns;
	}
	if (t != NULL) {
		struct capnet_trace_info info;
		capnet_trace_info(t, &info);
		*out = info.counters;
		capnet_trace_close(t);
	} else {
		memset(out, 0, sizeof *out);
	}
	return best;
}

int bench_trace(struct bench_ctx *ctx)
{
	static struct rig r;
	if (rig_open(&r) != 0) {
		free(r.mem);
		return 1;
	}
	static const struct {
		const char *name;
		bool echo;
	} loads[] = {{"udp-in", false}, {"echo", true}};
	double target = ctx->seconds / 40;
	json_t *rows = json_array();
	if (!ctx->json)
		printf("%-8s %-9s %10s %10s   %s\n", "frame", "trace", "ns/input", "vs off", "trace counters");
	for (size_t l = 0; l < sizeof loads / sizeof loads[0]; l++) {
		uint8_t f[128];
		size_t len = build_frame(f, loads[l].echo);
		double base = 0;
		for (int m = OFF; m < MODES; m++) {
			struct capnet_trace_counters k = {0};
			double ns = measure(&r, (enum mode)m, f, len, target, &k);
			if (m == OFF)
				base = ns;
			if (ctx->json) {
				json_array_append_new(rows, json_pack("{s:s, s:s, s:i, s:f, s:f, s:I, s:I, s:I}", "frame",
								      loads[l].name, "trace", mode_names[m], "frame_len",
								      (int)len, "ns_per_input", ns, "delta_ns", ns - base,
								      "captured", (json_int_t)k.captured, "filtered",
								      (json_int_t)k.filtered, "dropped",
								      (json_int_t)k.dropped_full));
			} else {
				printf("%-8s %-9s %10.1f %+10.1f   captured %llu, filtered %llu, dropped %llu\n",
				       loads[l].name, mode_names[m], ns, ns - base, (unsigned long long)k.captured,
				       (unsigned long long)k.filtered, (unsigned long long)k.dropped_full);
			}
		}
	}
	if (ctx->json)
		json_object_set_new((json_t *)ctx->jresult, "rows", rows);
	else {
		json_decref(rows);
		printf("(udp-in: one frame through the rx capture point; echo: the request in and the reply out,\n"
		       " both through the capture points. off = the hook's pointer test only.)\n");
	}
	free(r.mem);
	return 0;
}
