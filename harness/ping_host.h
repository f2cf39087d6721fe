/* Running a Ping session cap and printing it as iputils does, for the ping
 * proofs and `capnet ping`: one formatter for both, so the proof asserts
 * exactly the lines the tool prints. */
#ifndef CAPNET_HARNESS_PING_HOST_H
#define CAPNET_HARNESS_PING_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "capnet/ping_cap.h"
#include "sim/sim.h"

/* "PING 192.0.2.1 (192.0.2.1) 56(84) bytes of data." (IPv6: 56 data
 * bytes, no header sum, as iputils prints it). */
void ping_fmt_header(char *buf, size_t len, const struct capnet_ipaddr *dst, uint16_t payload);
/* One probe's line, "" for a timeout (iputils prints none):
 *   64 bytes from 192.0.2.1: icmp_seq=1 ttl=64 time=2.002 ms
 *   From 192.0.2.254 icmp_seq=1 Destination Host Unreachable
 *   From 192.0.2.1 icmp_seq=1 malformed reply dropped (truncated)
 * `self` is our address, named when the send itself failed. */
void ping_fmt_probe(char *buf, size_t len, const struct capnet_ping_probe *p, const struct capnet_ipaddr *self);
/* iputils' words for an ICMP error type/code ("Destination Host Unreachable"). */
const char *ping_icmp_text(uint8_t af, uint8_t type, uint8_t code);
/* The statistics block's three lines:
 *   --- 192.0.2.1 ping statistics ---
 *   4 packets transmitted, 4 received, 0% packet loss, time 3002ms
 *   rtt min/avg/max/mdev = 2.002/2.002/2.002/0.000 ms     (only with replies)
 * each into its own buffer (stats3 is "" without a reply). */
void ping_fmt_stats(const struct capnet_ping_summary *s, char *title, char *counts, char *rtt, size_t len);
/* "2.002" (iputils' precision for an RTT in microseconds). */
void ping_fmt_rtt(char *buf, size_t len, capnet_duration us);

/* Reads every outcome of a session as it completes, parking RECV on the
 * session between them and running the simulator, until the run ended
 * and everything was read, or `limit` passed. `fn` (may be NULL) gets
 * each probe. Returns OK, E_TIMEDOUT at the limit, or the cap's error. */
typedef void (*ping_probe_fn)(void *ctx, const struct capnet_ping_probe *p, capnet_instant now);
capnet_err ping_sim_drain(struct capnet_sim *sim, struct capnet_cspace *cs, capnet_handle session,
			  capnet_duration limit, ping_probe_fn fn, void *ctx);

/* ---- the simulated network of the ping proof and `capnet ping` ----
 *
 *   192.0.2.10/24   the stack (gateway 192.0.2.254), MAC 02:00:00:00:00:0a
 *   192.0.2.1       echo host, `mode` (answer by default)
 *   192.0.2.2       echo host, silent
 *   192.0.2.3       echo host, malformed (cycling through the breakages)
 *   192.0.2.254     router, also 198.51.100.254; 198.51.100.1 is its
 *                   (static) neighbour: any other 198.51.100.0/24 host is
 *                   unreachable (3/1), any other network too (3/0)
 *   198.51.100.1    echo host behind the router, `mode`
 * Every cable 1 ms each way. With IPv6 (ping_net_open's ip6) the same
 * hosts hold 2001:db8:1::1, ::2, ::3 and, behind the router
 * (2001:db8:1::fe | 2001:db8:2::fe, advertising 2001:db8:1::/64 for
 * SLAAC), 2001:db8:2::1; 2001:db8:2::99 is address-unreachable and other
 * networks have no route. Every fixture also has its EUI-64 link-local
 * address; the stack takes fe80::ff:fe00:a and, by SLAAC,
 * 2001:db8:1::ff:fe00:a. */
#include "harness/sim_stack.h"
#include "sim/echo_host.h"
#include "sim/router.h"

#define PING_NET_HOST CAPNET_IP4(192, 0, 2, 10)
#define PING_NET_NEAR CAPNET_IP4(192, 0, 2, 1)
#define PING_NET_SILENT CAPNET_IP4(192, 0, 2, 2)
#define PING_NET_MALFORMED CAPNET_IP4(192, 0, 2, 3)
#define PING_NET_GATEWAY CAPNET_IP4(192, 0, 2, 254)
#define PING_NET_FAR CAPNET_IP4(198, 51, 100, 1)
#define PING_NET_FAR_GATEWAY CAPNET_IP4(198, 51, 100, 254)

/* 2001:db8:<net>::<host> */
struct capnet_ipaddr ping_net6_addr(uint8_t net, uint16_t host);

struct ping_net {
	struct capnet_sim *sim;
	struct sim_stack h;
	struct echo_host near, silent, malformed, far;
	struct router router;
	struct capnet_cspace *app; /* holds the Ping authority and nothing else */
	capnet_handle ping;
	capnet_handle status; /* the boot cspace's NetworkStatus (the addresses) */
};

/* Builds it all (recording to pcap_path when not NULL) and grants the
 * app cspace a Ping authority with bounds `b` over `remote` (NULL: any
 * destination). The struct must stay put until ping_net_close. */
capnet_err ping_net_open(struct ping_net *n, uint64_t seed, const char *pcap_path, enum echo_host_mode mode,
			 const struct capnet_ping_bounds *b, const struct capnet_scope *remote, bool ip6);
/* With ip6: runs the simulator until the stack's link-local and SLAAC
 * addresses are preferred (DAD done), at most `limit`; true when they are. */
bool ping_net_wait_ip6(struct ping_net *n, capnet_duration limit);
/* A usable (preferred) IPv6 address of the stack's, link-local or not as
 * asked, through a NetworkStatus cap; false when none is yet. */
bool ping_preferred6(struct capnet_cspace *cs, capnet_handle status, bool link_local, struct capnet_ip6addr *out);
void ping_net_close(struct ping_net *n);

/* ---- one run of the proofs, read to its end through the session cap ---- */

#define PING_RUN_LINES 16
struct ping_run {
	unsigned nprobes;
	struct capnet_ping_probe p[PING_RUN_LINES];
	char lines[PING_RUN_LINES][128];
	struct capnet_ping_summary sum;
	char title[96], counts[160], rtt[96];
	capnet_err err;
};
/* Starts req on n's Ping, drains it (ping_sim_drain), formats every line
 * (the stack's own address for a failed send: 192.0.2.10) and the
 * statistics, closes the session. */
capnet_err ping_run_sim(struct ping_net *n, const struct capnet_ping_request *req, struct ping_run *r);
/* Every probe has outcome o (and there is one). */
bool ping_run_all(const struct ping_run *r, enum capnet_ping_outcome o);
/* Each non-empty probe line as a transcript note at its time. */
struct proof_ctx;
void ping_run_print(struct proof_ctx *ctx, const struct ping_run *r);

#endif
