/* The stack object (capnet/stack.h): the one place that assembles the
 * layers, in one fixed order, so that every tool, proof and backend runs
 * the same stack and a seed gives the same frames whoever built it.
 *
 * The order is part of the wire's determinism: the interface draws its IP
 * id from the generator first, then TCP (its ISN key), then UDP and the
 * DHCP client. The capability system draws its cspace keys from cap_rng. */
#include "capnet/stack.h"

#include <string.h>

struct stack_if {
	struct capnet_iface *iface;
	struct capnet_tcp *tcp;
	struct capnet_udp_layer *udp;
	struct capnet_ip4cfg *ip4cfg;
	struct capnet_dhcp4_client *dhcp4;
	struct capnet_dns_stub *dns;
	struct capnet_ping_layer *ping;
	struct capnet_net net;
	capnet_handle nm;
	char name[8];
};

struct capnet_stack {
	size_t n;
	struct stack_if ifs[CAPNET_STACK_MAX_IFACES];
	struct capnet_capsys *sys;
	struct capnet_trace_pool *traces;
	struct capnet_cspace *boot;
};

static struct capnet_stack_config effective(const struct capnet_stack_config *in)
{
	struct capnet_stack_config c;
	memset(&c, 0, sizeof c);
	if (in != NULL)
		c = *in;
	if (c.without & CAPNET_STACK_NO_UDP)
		c.without |= CAPNET_STACK_NO_DNS; /* the client and the resolver speak UDP */
	if (c.without & CAPNET_STACK_NO_UDP)
		c.dhcp4 = false;
	return c;
}

static bool has(const struct capnet_stack_config *c, unsigned layer)
{
	return (c->without & layer) == 0;
}

size_t capnet_stack_arena_need(const struct capnet_stack_config *in, struct capnet_nic *const *nics, size_t n)
{
	if (nics == NULL || n == 0 || n > CAPNET_STACK_MAX_IFACES)
		return 0;
	struct capnet_stack_config c = effective(in);
	size_t need = sizeof(struct capnet_stack) + _Alignof(max_align_t);
	for (size_t i = 0; i < n; i++) {
		if (nics[i] == NULL)
			return 0;
		need += capnet_iface_arena_need(&c.iface, nics[i]->mtu);
		if (has(&c, CAPNET_STACK_NO_TCP))
			need += capnet_tcp_arena_need(&c.tcp);
		if (has(&c, CAPNET_STACK_NO_UDP))
			need += capnet_udp_arena_need(&c.udp);
		need += capnet_ip4cfg_arena_need();
		if (c.dhcp4)
			need += capnet_dhcp4_client_arena_need();
		if (has(&c, CAPNET_STACK_NO_DNS))
			need += capnet_dns_stub_arena_need(&c.dns);
		if (has(&c, CAPNET_STACK_NO_PING))
			need += capnet_ping_arena_need(&c.ping, nics[i]->mtu);
	}
	if (c.trace)
		need += capnet_trace_pool_arena_need(&c.trace_pool);
	if (has(&c, CAPNET_STACK_NO_CAPS))
		need += capnet_capsys_arena_need(&c.caps) + capnet_sockets_arena_need(&c.sockets);
	return need;
}

static capnet_err create_iface(struct capnet_arena *arena, const struct capnet_stack_config *c, struct capnet_rng rng,
			       struct capnet_nic *nic, size_t i, struct stack_if *sif)
{
	capnet_err e = capnet_iface_create(arena, &c->iface, nic, rng, &sif->iface);
	if (e == CAPNET_OK && has(c, CAPNET_STACK_NO_TCP))
		e = capnet_tcp_create(arena, &c->tcp, sif->iface, &sif->tcp);
	if (e == CAPNET_OK && has(c, CAPNET_STACK_NO_UDP))
		e = capnet_udp_create(arena, &c->udp, sif->iface, &sif->udp);
	if (e == CAPNET_OK)
		e = capnet_ip4cfg_create(arena, sif->iface, &sif->ip4cfg);
	if (e == CAPNET_OK && c->dhcp4)
		e = capnet_dhcp4_client_create(arena, c->dhcp4_client, sif->iface, sif->udp, sif->ip4cfg, &sif->dhcp4);
	/* Last: it draws nothing from the generator until asked, so every
	 * stack that never resolves sends and draws exactly as before. */
	if (e == CAPNET_OK && has(c, CAPNET_STACK_NO_DNS))
		e = capnet_dns_stub_create(arena, &c->dns, sif->iface, sif->udp, sif->ip4cfg, &sif->dns);
	if (e == CAPNET_OK && sif->dns != NULL && sif->tcp != NULL)
		capnet_dns_stub_set_tcp(sif->dns, sif->tcp);
	/* Like the resolver: it draws an identifier only when a run starts. */
	if (e == CAPNET_OK && has(c, CAPNET_STACK_NO_PING))
		e = capnet_ping_create(arena, &c->ping, sif->iface, &sif->ping);
	if (e != CAPNET_OK)
		return e;
	sif->name[0] = 'e';
	sif->name[1] = 't';
	sif->name[2] = 'h';
	sif->name[3] = (char)('0' + i);
	sif->net = (struct capnet_net){.name = sif->name,
				       .iface = sif->iface,
				       .nic = nic,
				       .tcp = sif->tcp,
				       .udp = sif->udp,
				       .ip4cfg = sif->ip4cfg,
				       .dhcp4 = sif->dhcp4,
				       .dns = sif->dns,
				       .ping = sif->ping};
	return CAPNET_OK;
}

/* The capability system, the socket table (served on interface 0's
 * network: the cap layer keeps one table per capsys) and the boot cspace
 * with a NetworkManager over every interface. */
static capnet_err create_caps(struct capnet_arena *arena, const struct capnet_stack_config *c, struct capnet_rng rng,
			      struct capnet_stack *st)
{
	capnet_err e = capnet_capsys_create(arena, &c->caps, rng, &st->sys);
	if (e != CAPNET_OK)
		return e;
	for (size_t i = 0; i < st->n; i++)
		st->ifs[i].net.sys = st->sys;
	struct capnet_sockets *socks;
	if ((e = capnet_sockets_create(arena, &c->sockets, &st->ifs[0].net, &socks)) != CAPNET_OK ||
	    (e = capnet_cspace_create(st->sys, "boot", &st->boot)) != CAPNET_OK)
		return e;
	for (size_t i = 0; i < st->n; i++)
		if ((e = capnet_netmgr_create_root(st->boot, &st->ifs[i].net, &st->ifs[i].nm)) != CAPNET_OK)
			return e;
	return CAPNET_OK;
}

capnet_err capnet_stack_create(struct capnet_arena *arena, const struct capnet_stack_config *in,
			       struct capnet_rng rng, struct capnet_nic *const *nics, size_t n,
			       struct capnet_stack **out)
{
	if (out == NULL)
		return CAPNET_E_INVAL;
	*out = NULL;
	if (arena == NULL || rng.next == NULL || nics == NULL || n == 0 || n > CAPNET_STACK_MAX_IFACES)
		return CAPNET_E_INVAL;
	for (size_t i = 0; i < n; i++)
		if (nics[i] == NULL)
			return CAPNET_E_INVAL;
	struct capnet_stack_config c = effective(in);
	struct capnet_stack *st = capnet_arena_alloc(arena, sizeof *st, _Alignof(max_align_t));
	if (st == NULL)
		return CAPNET_E_NOMEM;
	st->n = n;
	capnet_err e;
	for (size_t i = 0; i < n; i++)
		if ((e = create_iface(arena, &c, rng, nics[i], i, &st->ifs[i])) != CAPNET_OK)
			return e;
	if (c.trace) {
		if ((e = capnet_trace_pool_create(arena, &c.trace_pool, &st->traces)) != CAPNET_OK)
			return e;
		for (size_t i = 0; i < n; i++)
			st->ifs[i].net.traces = st->traces;
	}
	if (has(&c, CAPNET_STACK_NO_CAPS) &&
	    (e = create_caps(arena, &c, c.cap_rng.next != NULL ? c.cap_rng : rng, st)) != CAPNET_OK)
		return e;
	*out = st;
	return CAPNET_OK;
}

capnet_instant capnet_stack_poll(struct capnet_stack *st, capnet_instant now)
{
	capnet_instant next = CAPNET_INSTANT_NEVER;
	for (size_t i = 0; i < st->n; i++) {
		struct stack_if *sif = &st->ifs[i];
		next = capnet_instant_min(next, capnet_iface_poll(sif->iface, now));
		/* A lease may have brought an MTU (DHCP option 26). */
		if (sif->tcp != NULL)
			capnet_tcp_mtu_sync(sif->tcp);
		/* After the interface, so that parked calls see what this poll
		 * received and the deadlines it moved. */
		if (sif->net.socks != NULL)
			next = capnet_instant_min(next, capnet_sockets_poll(&sif->net, now));
	}
	return next;
}

struct capnet_cspace *capnet_stack_boot_cspace(const struct capnet_stack *st)
{
	return st->boot;
}

capnet_handle capnet_stack_netmgr(const struct capnet_stack *st, size_t i)
{
	return i < st->n ? st->ifs[i].nm : CAPNET_HANDLE_NONE;
}

struct capnet_capsys *capnet_stack_capsys(const struct capnet_stack *st)
{
	return st->sys;
}

size_t capnet_stack_ifaces(const struct capnet_stack *st)
{
	return st->n;
}

static const struct stack_if *sif_at(const struct capnet_stack *st, size_t i)
{
	return i < st->n ? &st->ifs[i] : NULL;
}

struct capnet_iface *capnet_stack_iface(const struct capnet_stack *st, size_t i)
{
	const struct stack_if *s = sif_at(st, i);
	return s != NULL ? s->iface : NULL;
}

struct capnet_net *capnet_stack_net(struct capnet_stack *st, size_t i)
{
	return i < st->n ? &st->ifs[i].net : NULL;
}

struct capnet_tcp *capnet_stack_tcp(const struct capnet_stack *st, size_t i)
{
	const struct stack_if *s = sif_at(st, i);
	return s != NULL ? s->tcp : NULL;
}

struct capnet_udp_layer *capnet_stack_udp(const struct capnet_stack *st, size_t i)
{
	const struct stack_if *s = sif_at(st, i);
	return s != NULL ? s->udp : NULL;
}

struct capnet_ip4cfg *capnet_stack_ip4cfg(const struct capnet_stack *st, size_t i)
{
	const struct stack_if *s = sif_at(st, i);
	return s != NULL ? s->ip4cfg : NULL;
}

struct capnet_dhcp4_client *capnet_stack_dhcp4(const struct capnet_stack *st, size_t i)
{
	const struct stack_if *s = sif_at(st, i);
	return s != NULL ? s->dhcp4 : NULL;
}

struct capnet_trace_pool *capnet_stack_trace_pool(const struct capnet_stack *st)
{
	return st->traces;
}

struct capnet_dns_stub *capnet_stack_dns(const struct capnet_stack *st, size_t i)
{
	const struct stack_if *s = sif_at(st, i);
	return s != NULL ? s->dns : NULL;
}

struct capnet_ping_layer *capnet_stack_ping(const struct capnet_stack *st, size_t i)
{
	const struct stack_if *s = sif_at(st, i);
	return s != NULL ? s->ping : NULL;
}
