/* IPv4 address conflict detection (RFC 5227): probe an address before
 * using it, announce it once installed, and hear when another host claims
 * it while we hold it. Used by the DHCP client for a leased address and
 * usable as is by static configuration.
 *
 *   capnet_acd_init(&acd, ifc, NULL, on_result, ctx);
 *   capnet_iface_add_timer(ifc, capnet_acd_timer(&acd)); // or call capnet_acd_poll yourself
 *   capnet_acd_probe(&acd, addr, now);
 *   ... on_result(CAPNET_ACD_NO_CONFLICT): install addr (capnet_iface_set_ip4
 *       sends the first announcement), then capnet_acd_announce(&acd, now).
 *   ... on_result(CAPNET_ACD_CONFLICT): the address is in use: do not use it.
 *
 * Probing (2.1.1): after a random wait in [0, PROBE_WAIT], PROBE_NUM probes
 * (ARP requests with sender address 0) PROBE_MIN..PROBE_MAX apart; a
 * conflict is any ARP packet whose sender is the address, or another host's
 * probe for it; none for ANNOUNCE_WAIT after the last probe: no conflict.
 * Announcing (2.3): ANNOUNCE_NUM announcements ANNOUNCE_INTERVAL apart,
 * the first being the one the interface sends when the address is
 * installed. Defence (2.4): the interface always defends the address it
 * holds (policy (b): one announcement per DEFEND_INTERVAL); an ACD that
 * announced or defends the address is told with CAPNET_ACD_DEFENDED, and
 * what to do about a persistent conflict is its owner's policy. */
#ifndef CAPNET_ACD_H
#define CAPNET_ACD_H

#include "capnet/err.h"
#include "capnet/iface.h"
#include "capnet/types.h"

/* RFC 5227 section 1.1 constants. probe_num 0: probing finds no conflict
 * at once. */
struct capnet_acd_config {
	capnet_duration probe_wait;        /* PROBE_WAIT 1 s: random wait before the first probe */
	uint8_t probe_num;                 /* PROBE_NUM 3 */
	capnet_duration probe_min;         /* PROBE_MIN 1 s */
	capnet_duration probe_max;         /* PROBE_MAX 2 s */
	capnet_duration announce_wait;     /* ANNOUNCE_WAIT 2 s after the last probe */
	uint8_t announce_num;              /* ANNOUNCE_NUM 2 */
	capnet_duration announce_interval; /* ANNOUNCE_INTERVAL 2 s */
};
void capnet_acd_config_defaults(struct capnet_acd_config *cfg);

enum capnet_acd_state {
	CAPNET_ACD_IDLE = 0,
	CAPNET_ACD_PROBING,    /* probes going out, listening for a conflict */
	CAPNET_ACD_ANNOUNCING, /* announcements going out */
	CAPNET_ACD_DEFENDING,  /* the address is in use: conflicts are reported */
};
const char *capnet_acd_state_name(enum capnet_acd_state s);

enum capnet_acd_result {
	CAPNET_ACD_NO_CONFLICT, /* probing ended quietly: the address may be used */
	CAPNET_ACD_CONFLICT,    /* probing heard the address in use: do not use it */
	CAPNET_ACD_DEFENDED,    /* another host claimed the address we hold */
};

struct capnet_acd;
typedef void (*capnet_acd_result_fn)(void *ctx, struct capnet_acd *acd, enum capnet_acd_result r,
				     capnet_instant now);

/* Caller-owned; the fields are private to iface/ipv4/acd.c. */
struct capnet_acd {
	struct capnet_iface *ifc;
	struct capnet_acd_config cfg;
	capnet_acd_result_fn fn;
	void *ctx;
	capnet_ip4addr addr;
	uint8_t state; /* enum capnet_acd_state */
	uint8_t probes_sent;
	uint8_t announces_left;
	capnet_instant next;
	struct capnet_iface_timer timer;
	struct capnet_acd *next_on_iface; /* owned by the iface */
};

/* Links `acd` to the interface's ARP input (it must outlive the
 * interface); `cfg` NULL for the RFC values. E_INVAL when probe_min >
 * probe_max. The ACD does not run its own timers until its owner either
 * adds capnet_acd_timer(acd) to the interface or calls capnet_acd_poll. */
capnet_err capnet_acd_init(struct capnet_acd *acd, struct capnet_iface *ifc, const struct capnet_acd_config *cfg,
			   capnet_acd_result_fn fn, void *ctx);
/* Starts probing `addr` (restarting whatever the ACD was doing). */
capnet_err capnet_acd_probe(struct capnet_acd *acd, capnet_ip4addr addr, capnet_instant now);
/* The interface's address was just installed (and announced once): sends
 * the remaining ANNOUNCE_NUM - 1 announcements, then defends it. */
capnet_err capnet_acd_announce(struct capnet_acd *acd, capnet_instant now);
/* Reports conflicts on an address in use without probing or announcing
 * (a static address configured without checking). */
capnet_err capnet_acd_defend(struct capnet_acd *acd, capnet_ip4addr addr);
/* Back to IDLE: no frames, no results. */
void capnet_acd_stop(struct capnet_acd *acd);
/* Runs what is due; returns the next deadline (CAPNET_INSTANT_NEVER when
 * nothing is scheduled). May call the result function. */
capnet_instant capnet_acd_poll(struct capnet_acd *acd, capnet_instant now);
/* The next deadline without running anything. */
capnet_instant capnet_acd_deadline(const struct capnet_acd *acd);
enum capnet_acd_state capnet_acd_state(const struct capnet_acd *acd);
/* An interface timer that polls this ACD, for capnet_iface_add_timer. */
struct capnet_iface_timer *capnet_acd_timer(struct capnet_acd *acd);

#endif
