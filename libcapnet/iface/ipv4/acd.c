/* IPv4 address conflict detection (RFC 5227): the probe / announce timers
 * of each capnet_acd, and what every received ARP packet is checked for
 * before the neighbour cache learns from it -- an address being probed
 * seen in use, and another host claiming the address we hold (the
 * defence, 2.4). See capnet/acd.h for the API. */
#include <string.h>

#include "capnet/config.h"
#include "capnet/acd.h"
#include "capnet/wire/arp.h"
#include "../iface_internal.h"

/* RFC 5227 1.1: DEFEND_INTERVAL. */
#define ACD_DEFEND_INTERVAL CAPNET_S(10)

static const char *const acd_state_names[] = {"IDLE", "PROBING", "ANNOUNCING", "DEFENDING"};

const char *capnet_acd_state_name(enum capnet_acd_state s)
{
	return (unsigned)s < sizeof acd_state_names / sizeof acd_state_names[0] ? acd_state_names[s] : "?";
}

void capnet_acd_config_defaults(struct capnet_acd_config *cfg)
{
	cfg->probe_wait = CAPNET_DEFAULT_ACD_PROBE_WAIT;
	cfg->probe_num = CAPNET_DEFAULT_ACD_PROBE_NUM;
	cfg->probe_min = CAPNET_DEFAULT_ACD_PROBE_MIN;
	cfg->probe_max = CAPNET_DEFAULT_ACD_PROBE_MAX;
	cfg->announce_wait = CAPNET_DEFAULT_ACD_ANNOUNCE_WAIT;
	cfg->announce_num = CAPNET_DEFAULT_ACD_ANNOUNCE_NUM;
	cfg->announce_interval = CAPNET_DEFAULT_ACD_ANNOUNCE_INTERVAL;
}

/* Uniform in [lo, hi] microseconds, from the interface's generator. */
static capnet_duration rand_between(const struct capnet_acd *acd, capnet_duration lo, capnet_duration hi)
{
	return capnet_rng_between(capnet_iface_rng(acd->ifc), lo, hi);
}

static capnet_instant timer_poll(void *ctx, struct capnet_iface *ifc, capnet_instant now)
{
	(void)ifc;
	return capnet_acd_poll(ctx, now);
}

capnet_err capnet_acd_init(struct capnet_acd *acd, struct capnet_iface *ifc, const struct capnet_acd_config *cfg,
			   capnet_acd_result_fn fn, void *ctx)
{
	struct capnet_acd_config def;
	if (!cfg) {
		capnet_acd_config_defaults(&def);
		cfg = &def;
	}
	if (!ifc || cfg->probe_min > cfg->probe_max)
		return CAPNET_E_INVAL;
	memset(acd, 0, sizeof *acd);
	acd->ifc = ifc;
	acd->cfg = *cfg;
	acd->fn = fn;
	acd->ctx = ctx;
	acd->next = CAPNET_INSTANT_NEVER;
	acd->timer.poll = timer_poll;
	acd->timer.ctx = acd;
	struct capnet_acd **tail = &ifc->acds;
	while (*tail)
		tail = &(*tail)->next_on_iface;
	*tail = acd;
	return CAPNET_OK;
}

capnet_err capnet_acd_probe(struct capnet_acd *acd, capnet_ip4addr addr, capnet_instant now)
{
	if (addr == 0)
		return CAPNET_E_INVAL;
	acd->addr = addr;
	acd->state = CAPNET_ACD_PROBING;
	acd->probes_sent = 0;
	acd->next = acd->cfg.probe_num ? now + rand_between(acd, 0, acd->cfg.probe_wait) : now;
	return CAPNET_OK;
}

capnet_err capnet_acd_announce(struct capnet_acd *acd, capnet_instant now)
{
	capnet_ip4addr me = acd->ifc->ip4.addr;
	if (me == 0)
		return CAPNET_E_NOTCONFIGURED;
	acd->addr = me;
	/* The interface sent the first when the address was installed. */
	acd->announces_left = acd->cfg.announce_num > 1 ? (uint8_t)(acd->cfg.announce_num - 1) : 0;
	acd->state = acd->announces_left ? CAPNET_ACD_ANNOUNCING : CAPNET_ACD_DEFENDING;
	acd->next = acd->announces_left ? now + acd->cfg.announce_interval : CAPNET_INSTANT_NEVER;
	return CAPNET_OK;
}

capnet_err capnet_acd_defend(struct capnet_acd *acd, capnet_ip4addr addr)
{
	if (addr == 0)
		return CAPNET_E_INVAL;
	acd->addr = addr;
	acd->state = CAPNET_ACD_DEFENDING;
	acd->next = CAPNET_INSTANT_NEVER;
	return CAPNET_OK;
}

void capnet_acd_stop(struct capnet_acd *acd)
{
	acd->state = CAPNET_ACD_IDLE;
	acd->probes_sent = acd->announces_left = 0;
	acd->next = CAPNET_INSTANT_NEVER;
}

static void report(struct capnet_acd *acd, enum capnet_acd_result r, capnet_instant now)
{
	if (acd->fn)
		acd->fn(acd->ctx, acd, r, now);
}

capnet_instant capnet_acd_poll(struct capnet_acd *acd, capnet_instant now)
{
	if (acd->next > now)
		return acd->next;
	switch (acd->state) {
	case CAPNET_ACD_PROBING:
		if (acd->probes_sent >= acd->cfg.probe_num) {
			/* ANNOUNCE_WAIT passed without a conflict. */
			capnet_acd_stop(acd);
			report(acd, CAPNET_ACD_NO_CONFLICT, now);
			break;
		}
		capnet_arp_send_probe(acd->ifc, acd->addr, now);
		acd->probes_sent++;
		if (acd->probes_sent < acd->cfg.probe_num)
			acd->next = now + rand_between(acd, acd->cfg.probe_min, acd->cfg.probe_max);
		else
			acd->next = now + acd->cfg.announce_wait;
		break;
	case CAPNET_ACD_ANNOUNCING:
		capnet_arp_send_gratuitous(acd->ifc, now);
		acd->announces_left--;
		if (acd->announces_left) {
			acd->next = now + acd->cfg.announce_interval;
		} else {
			acd->state = CAPNET_ACD_DEFENDING;
			acd->next = CAPNET_INSTANT_NEVER;
		}
		break;
	default:
		acd->next = CAPNET_INSTANT_NEVER;
		break;
	}
	return acd->next;
}

capnet_instant capnet_acd_deadline(const struct capnet_acd *acd)
{
	return acd->next;
}

enum capnet_acd_state capnet_acd_state(const struct capnet_acd *acd)
{
	return (enum capnet_acd_state)acd->state;
}

struct capnet_iface_timer *capnet_acd_timer(struct capnet_acd *acd)
{
	return &acd->timer;
}

/* RFC 5227 2.1.1: while probing, a conflict is any ARP packet whose sender
 * is the address, or a probe for it from another host (sender 0, target
 * it). The interface already dropped our own frames (sender MAC ours). */
static void check_probing(struct capnet_iface *ifc, const struct capnet_arp_repr *a, capnet_instant now)
{
	for (struct capnet_acd *acd = ifc->acds; acd; acd = acd->next_on_iface) {
		if (acd->state != CAPNET_ACD_PROBING)
			continue;
		bool other_probe = a->spa == 0 && a->tpa == acd->addr && a->oper == CAPNET_ARP_REQUEST;
		if (a->spa == acd->addr || other_probe) {
			capnet_acd_stop(acd);
			report(acd, CAPNET_ACD_CONFLICT, now);
		}
	}
}

static void tell_defended(struct capnet_iface *ifc, capnet_ip4addr me, capnet_instant now)
{
	for (struct capnet_acd *acd = ifc->acds; acd; acd = acd->next_on_iface)
		if ((acd->state == CAPNET_ACD_ANNOUNCING || acd->state == CAPNET_ACD_DEFENDING) && acd->addr == me)
			report(acd, CAPNET_ACD_DEFENDED, now);
}

bool capnet_acd_arp_input(struct capnet_iface *ifc, const struct capnet_arp_repr *a, capnet_instant now)
{
	check_probing(ifc, a, now);

	capnet_ip4addr me = ifc->ip4.addr;
	if (me == 0 || a->spa != me)
		return false;
	/* Someone else claims our address. RFC 5227 2.4 (b): defend with one
	 * announcement, at most once per DEFEND_INTERVAL. */
	IFACE_COUNT(ifc, arp_conflicts);
	if (now - ifc->arp_defend_at >= ACD_DEFEND_INTERVAL) {
		ifc->arp_defend_at = now;
		capnet_arp_send_gratuitous(ifc, now);
	}
	tell_defended(ifc, me, now);
	return true;
}
