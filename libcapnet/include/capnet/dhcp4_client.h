/* DHCPv4 client (RFC 2131) with RFC 5227 address conflict detection.
 *
 * States (RFC 2131 figure 5), plus two of ours:
 *   STOPPED      not running (before start, after release).
 *   INIT         waiting to send DISCOVER (init_delay, decline_wait or a
 *                NAK backoff); with no wait it passes straight to SELECTING.
 *   SELECTING    DISCOVER sent; the first valid OFFER is taken at once
 *                (RFC 2131 4.4.1 allows collecting offers: waiting buys
 *                nothing when "valid" already filters bad ones, and it keeps
 *                the exchange fast and deterministic).
 *   REQUESTING   REQUEST broadcast naming the chosen server (option 54).
 *   CHECKING     ours: the ACKed address is probed by ARP before use
 *                (RFC 2131 4.4.1 SHOULD, RFC 5227 2.1). A conflict sends
 *                DECLINE and returns to INIT for decline_wait (RFC 2131
 *                3.1.5: 10 s).
 *   BOUND        address, prefix, routes and resolver inputs installed with
 *                provenance DHCP in the configuration layers.
 *   RENEWING     from T1: REQUEST unicast to the server (ciaddr set).
 *   REBINDING    from T2: REQUEST broadcast; any server may answer.
 *   INIT-REBOOT  start with a remembered address (config.reboot_addr);
 *   REBOOTING    REQUEST broadcast with option 50 and no server id.
 *
 * Retransmission (RFC 2131 4.1): in SELECTING, REQUESTING and REBOOTING the
 * n-th retransmission waits retransmit_initial << (n-1) capped at
 * retransmit_max (4, 8, 16, 32, 64, 64... s), each +-retransmit_jitter (1 s)
 * drawn from the interface's injected generator. SELECTING retransmits
 * forever; REQUESTING/REBOOTING give up after request_tries REQUESTs and
 * restart in INIT. RENEWING/REBINDING (RFC 2131 4.4.5) retransmit after
 * half the time left to T2 / to expiry, at least renew_min (60 s), never past
 * the next transition.
 *
 * Lease times are counted from when the REQUEST that got the ACK was first
 * sent (RFC 2131 4.4.1). T1/T2 come from options 58/59, else 0.5 and 0.875
 * of the lease.
 *
 * Outcome of each bad reply (each counted, see stats.h dhcp_*):
 *   codec failure         dropped, counted by reason (dhcp_rx_truncated...)
 *   not a BOOTREPLY, not from port 67, or a type not expected in the state
 *                         dropped (dhcp_rx_unexpected)
 *   no option 53          dropped (dhcp_rx_not_dhcp)
 *   wrong xid / chaddr    dropped (dhcp_rx_bad_xid / dhcp_rx_bad_chaddr)
 *   no server id          dropped (dhcp_rx_no_server_id)
 *   non-selected server   in REQUESTING and RENEWING an ACK/NAK from another
 *                         server is dropped (dhcp_rx_wrong_server);
 *                         REBINDING and REBOOTING accept any server
 *   yiaddr unusable       0, broadcast, multicast, class E, loopback, 0/8,
 *                         the subnet's network or broadcast address, or (in
 *                         an ACK) not the address requested: dropped
 *                         (dhcp_rx_bad_yiaddr)
 *   lease 0 or absent     dropped (dhcp_rx_bad_lease)
 *   lease 0xffffffff      accepted as infinite: no T1/T2/expiry
 *                         (dhcp_lease_infinite)
 *   not T1 < T2 < lease   the lease is taken with T1/T2 at 0.5/0.875 of it
 *                         (dhcp_rx_bad_timers)
 *   non-contiguous mask   dropped (dhcp_rx_bad_mask); no mask: the classful
 *                         prefix (RFC 2131 leaves it to the client)
 *   router outside subnet that router is ignored (dhcp_rx_bad_router); the
 *                         lease binds, without a default route if no router
 *                         is on-link. The same for a classless route whose
 *                         router is off-link. With option 121 present, option
 *                         3 is ignored (RFC 3442).
 *   NAK                   REQUESTING/REBOOTING: INIT. RENEWING/REBINDING: the
 *                         lease is dropped (fail closed), then INIT. Repeated
 *                         NAKs without a lease in between back off like
 *                         retransmissions, so a NAKing server cannot make the
 *                         client loop at wire speed.
 *
 * On expiry the DHCP layer is cleared: address, routes and resolver inputs
 * go, and the merged configuration publishes what remains -- with no static
 * values, the explicit zero state. Then INIT.
 *
 * The client sends and receives through a UDP socket on port 68 (broadcast
 * and unconfigured-source enabled) and runs its timers from a poll hook on
 * the interface, so capnet_iface_poll drives everything. */
#ifndef CAPNET_DHCP4_CLIENT_H
#define CAPNET_DHCP4_CLIENT_H

#include "capnet/acd.h"
#include "capnet/arena.h"
#include "capnet/err.h"
#include "capnet/iface.h"
#include "capnet/ip4_config.h"
#include "capnet/types.h"
#include "capnet/udp.h"

enum capnet_dhcp4_state {
	CAPNET_DHCP4_STOPPED = 0,
	CAPNET_DHCP4_INIT,
	CAPNET_DHCP4_SELECTING,
	CAPNET_DHCP4_REQUESTING,
	CAPNET_DHCP4_CHECKING,
	CAPNET_DHCP4_BOUND,
	CAPNET_DHCP4_RENEWING,
	CAPNET_DHCP4_REBINDING,
	CAPNET_DHCP4_INIT_REBOOT,
	CAPNET_DHCP4_REBOOTING,
};
/* "BOUND", "INIT-REBOOT", ... */
const char *capnet_dhcp4_state_name(enum capnet_dhcp4_state s);

struct capnet_dhcp4_client_config {
	capnet_duration retransmit_initial; /* RFC 2131 4.1: 4 s */
	capnet_duration retransmit_max;     /* 64 s */
	capnet_duration retransmit_jitter;  /* +-1 s */
	uint8_t request_tries;              /* REQUESTs in REQUESTING/REBOOTING; 5 (0, 4, 12, 28, 60 s) */
	capnet_duration init_delay;         /* max random wait before the first DISCOVER;
					     * RFC 2131 4.4.1 suggests 1-10 s; default 0 */
	capnet_duration renew_min;          /* RFC 2131 4.4.5: 60 s */
	/* The RFC 5227 check of the ACKed address (capnet/acd.h: PROBE_WAIT,
	 * PROBE_NUM, ... ANNOUNCE_INTERVAL); acd.probe_num 0 skips it. */
	struct capnet_acd_config acd;
	capnet_duration decline_wait;       /* RFC 2131 3.1.5: 10 s */
	capnet_ip4addr reboot_addr;         /* non-zero: start in INIT-REBOOT */
	const uint8_t *client_id;           /* option 61; NULL: type 1 + MAC */
	uint8_t client_id_len;
	const char *hostname;               /* option 12; NULL: none */
	bool broadcast_flag;                /* ask servers to broadcast replies */
};

/* The RFC values above. create() takes a config as given (NULL: these),
 * so start from this and change what a test or deployment needs. */
void capnet_dhcp4_client_config_defaults(struct capnet_dhcp4_client_config *cfg);

struct capnet_dhcp4_lease_info {
	enum capnet_dhcp4_state state;
	bool has_lease;              /* BOUND, RENEWING or REBINDING */
	capnet_ip4addr addr;
	uint8_t prefix_len;
	capnet_ip4addr server;
	capnet_ip4addr gateway;
	uint32_t lease_secs;
	bool infinite;
	capnet_instant lease_start;
	capnet_instant t1;           /* CAPNET_INSTANT_NEVER when infinite */
	capnet_instant t2;
	capnet_instant expiry;
	capnet_duration remaining;   /* expiry - now; 0 without a lease */
	capnet_instant next_event;   /* the client's next timer */
	uint32_t xid;                /* of the current exchange */
};

struct capnet_dhcp4_client;

size_t capnet_dhcp4_client_arena_need(void);
/* Opens UDP port 68 on `udp` and hooks the client's timers into ifc. The
 * client writes its lease into `cfg_layers`' DHCP layer. E_INUSE when port
 * 68 is taken, E_NOMEM, E_INVAL for an unusable config. */
capnet_err capnet_dhcp4_client_create(struct capnet_arena *arena, const struct capnet_dhcp4_client_config *cfg,
				      struct capnet_iface *ifc, struct capnet_udp_layer *udp,
				      struct capnet_ip4cfg *cfg_layers, struct capnet_dhcp4_client **out);
/* STOPPED -> INIT (or INIT-REBOOT); the first message goes out now or after
 * init_delay. E_STATE when already running. */
capnet_err capnet_dhcp4_client_start(struct capnet_dhcp4_client *c, capnet_instant now);
/* Shutdown: with a lease, RELEASE unicast to its server (RFC 2131 4.4.6),
 * then the DHCP layer is cleared; the client is STOPPED. */
capnet_err capnet_dhcp4_client_release(struct capnet_dhcp4_client *c, capnet_instant now);

enum capnet_dhcp4_state capnet_dhcp4_client_state(const struct capnet_dhcp4_client *c);
void capnet_dhcp4_client_lease(const struct capnet_dhcp4_client *c, capnet_instant now,
			       struct capnet_dhcp4_lease_info *out);

#endif
