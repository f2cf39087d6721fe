/* Proof ping: an application cspace holding one Ping authority (and
 * nothing else) measures reachability on the simulated network of
 * harness/ping_host.h, every run parked on its session cap and driven by
 * the stack's poll:
 *
 *   1. same-subnet echo to 192.0.2.1: ARP first, then three replies, each
 *      line and the statistics block exactly as iputils prints them;
 *   2. gateway-routed echo to 198.51.100.1 through the sim router: ARP for
 *      the gateway, TTL 63, the router forwarding both ways;
 *   3. a malformed peer: a bad checksum, the wrong identifier, a truncated
 *      and an altered payload are each dropped and counted, never a reply;
 *   4. a silent peer: timeouts at exactly the probe timeout;
 *   5. the router answers host and net unreachable: the ICMP type/code and
 *      its sender are the outcome;
 *   6. a run deadline cuts the run short;
 *   7. bounds: count, interval, payload, deadline, timeout and destination
 *      scope each refused with E_SCOPE naming the bound, audited, nothing
 *      sent; the Ping cap opens nothing else (E_WRONGTYPE) and a session
 *      cannot start runs (E_STATE). */
#include <inttypes.h>
#include <string.h>

#include "capnet/dns_cap.h"
#include "capnet/pollable.h"
#include "harness/dns_host.h"
#include "harness/ping_host.h"
#include "harness/proof.h"

/* One run to dst, read to its end through the session cap. */
static capnet_err ping_run(struct ping_net *n, capnet_ip4addr dst, uint32_t count, capnet_duration interval,
			   uint16_t payload, capnet_duration timeout, capnet_duration deadline, struct ping_run *r)
{
	struct capnet_ping_request req = {capnet_ipaddr_from_ip4(dst), count, interval, payload, timeout, deadline};
	return ping_run_sim(n, &req, r);
}

static uint64_t tx_frames(const struct ping_net *n)
{
	return capnet_sim_port_stats(n->sim, n->h.port)->tx_frames;
}

static void same_subnet(struct proof_ctx *ctx, struct ping_net *n)
{
	struct ping_run r;
	capnet_err e = ping_run(n, PING_NET_NEAR, 3, CAPNET_S(1), 56, CAPNET_S(1), 0, &r);
	ping_run_print(ctx, &r);
	capnet_instant now = capnet_sim_now(n->sim);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.nprobes == 3 && ping_run_all(&r, CAPNET_PING_REPLY) && r.p[0].rtt == CAPNET_MS(4) &&
			    r.p[1].rtt == CAPNET_MS(2) && r.p[2].rtt == CAPNET_MS(2) && n->near.stats.arp_replies == 1 &&
			    n->near.stats.requests == 3,
		    "same subnet: 3 echo requests to %s, 3 replies; the first waits for ARP (rtt 4 ms = ARP + echo), "
		    "then 2 ms", fmt_ip4(PING_NET_NEAR));
	proof_check(ctx, now,
		    strcmp(r.lines[0], "64 bytes from 192.0.2.1: icmp_seq=1 ttl=64 time=4.00 ms") == 0 &&
			    strcmp(r.lines[2], "64 bytes from 192.0.2.1: icmp_seq=3 ttl=64 time=2.00 ms") == 0,
		    "reply lines as iputils prints them: \"%s\"", r.lines[0]);
	proof_note(ctx, now, "  %s", r.title);
	proof_note(ctx, now, "  %s", r.counts);
	proof_note(ctx, now, "  %s", r.rtt);
	proof_check(ctx, now,
		    strcmp(r.title, "--- 192.0.2.1 ping statistics ---") == 0 &&
			    strcmp(r.counts, "3 packets transmitted, 3 received, 0% packet loss, time 2002ms") == 0 &&
			    strcmp(r.rtt, "rtt min/avg/max/mdev = 2.000/2.666/4.000/0.944 ms") == 0,
		    "the statistics block exact: min/avg/max/mdev in integer microseconds as iputils computes them");
}

static void routed(struct proof_ctx *ctx, struct ping_net *n)
{
	unsigned fwd = n->router.stats.forwarded;
	struct ping_run r;
	capnet_err e = ping_run(n, PING_NET_FAR, 2, CAPNET_S(1), 56, CAPNET_S(1), 0, &r);
	ping_run_print(ctx, &r);
	capnet_instant now = capnet_sim_now(n->sim);
	char rtt[24] = "?";
	if (r.nprobes > 1)
		ping_fmt_rtt(rtt, sizeof rtt, r.p[1].rtt);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.nprobes == 2 && ping_run_all(&r, CAPNET_PING_REPLY) && r.p[0].ttl == 63 &&
			    r.p[1].rtt == CAPNET_MS(4) && capnet_ipaddr_ip4(&r.p[0].from) == PING_NET_FAR &&
			    n->router.stats.forwarded - fwd == 4 && n->router.stats.arp_replies == 1 && n->far.stats.requests == 2,
		    "routed: 2 replies from %s through gateway %s (ARP for the gateway once), ttl 63, rtt %s ms; "
		    "the router forwarded 4 datagrams", fmt_ip4(PING_NET_FAR), fmt_ip4(PING_NET_GATEWAY), rtt);
	proof_check(ctx, now, strcmp(r.counts, "2 packets transmitted, 2 received, 0% packet loss, time 1004ms") == 0,
		    "routed summary: \"%s\"", r.counts);
}

static void malformed(struct proof_ctx *ctx, struct ping_net *n)
{
	uint64_t badsum = sim_stack_stat(&n->h, CAPNET_STAT_icmp_badsum);
	struct ping_run r;
	capnet_err e = ping_run(n, PING_NET_MALFORMED, 4, CAPNET_S(1), 56, CAPNET_S(1), 0, &r);
	ping_run_print(ctx, &r);
	capnet_instant now = capnet_sim_now(n->sim);
	bool reasons = r.nprobes == 4 && r.p[0].malformed_reason == CAPNET_PING_MALFORMED_BAD_CHECKSUM &&
		       r.p[1].malformed_reason == CAPNET_PING_MALFORMED_WRONG_IDENT &&
		       r.p[2].malformed_reason == CAPNET_PING_MALFORMED_TRUNCATED &&
		       r.p[3].malformed_reason == CAPNET_PING_MALFORMED_ALTERED;
	proof_check(ctx, now,
		    e == CAPNET_OK && ping_run_all(&r, CAPNET_PING_MALFORMED) && reasons && r.sum.received == 0 &&
			    r.sum.malformed == 4 && n->malformed.stats.malformed_sent == 4 &&
			    sim_stack_stat(&n->h, CAPNET_STAT_icmp_badsum) - badsum == 1,
		    "malformed peer %s: bad checksum, wrong identifier, truncated and altered payload each "
		    "malformed-reply-dropped, counted by reason, none received (icmp_badsum +1)",
		    fmt_ip4(PING_NET_MALFORMED));
	proof_check(ctx, now,
		    r.p[0].at == r.p[0].sent + CAPNET_S(1) &&
			    strcmp(r.counts, "4 packets transmitted, 0 received, +4 corrupted, 100% packet loss, time 4000ms") == 0,
		    "a malformed reply is never a success: the probe ends at its timeout; \"%s\"", r.counts);
}

static void silent(struct proof_ctx *ctx, struct ping_net *n)
{
	struct ping_run r;
	capnet_err e = ping_run(n, PING_NET_SILENT, 2, CAPNET_S(1), 56, CAPNET_MS(1500), 0, &r);
	capnet_instant now = capnet_sim_now(n->sim);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.nprobes == 2 && ping_run_all(&r, CAPNET_PING_TIMEOUT) &&
			    r.p[0].at - r.p[0].sent == CAPNET_MS(1500) && r.p[1].at - r.p[1].sent == CAPNET_MS(1500) &&
			    n->silent.stats.requests == 2 &&
			    strcmp(r.counts, "2 packets transmitted, 0 received, 100% packet loss, time 2500ms") == 0 &&
			    r.rtt[0] == '\0',
		    "silent peer %s: 2 timeouts, each exactly 1.5 s after its send; \"%s\", no rtt line",
		    fmt_ip4(PING_NET_SILENT), r.counts);
}

static void unreachable(struct proof_ctx *ctx, struct ping_net *n)
{
	struct ping_run r;
	capnet_ip4addr nobody = CAPNET_IP4(198, 51, 100, 99), elsewhere = CAPNET_IP4(203, 0, 113, 1);
	capnet_err e = ping_run(n, nobody, 2, CAPNET_S(1), 56, CAPNET_S(1), 0, &r);
	ping_run_print(ctx, &r);
	capnet_instant now = capnet_sim_now(n->sim);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.nprobes == 2 && ping_run_all(&r, CAPNET_PING_UNREACHABLE) && r.p[0].icmp_type == 3 &&
			    r.p[0].icmp_code == 1 && capnet_ipaddr_ip4(&r.p[0].from) == PING_NET_GATEWAY &&
			    r.p[0].rtt == 0 && r.p[0].at - r.p[0].sent == CAPNET_MS(2) &&
			    strcmp(r.lines[0], "From 192.0.2.254 icmp_seq=1 Destination Host Unreachable") == 0 &&
			    strcmp(r.counts, "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1002ms") == 0,
		    "host unreachable: the router's ICMP 3/1 quoting each request is the outcome; \"%s\"", r.counts);
	e = ping_run(n, elsewhere, 1, CAPNET_S(1), 56, CAPNET_S(1), 0, &r);
	ping_run_print(ctx, &r);
	now = capnet_sim_now(n->sim);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.nprobes == 1 && r.p[0].outcome == CAPNET_PING_UNREACHABLE && r.p[0].icmp_type == 3 &&
			    r.p[0].icmp_code == 0 && n->router.stats.net_unreach == 1,
		    "net unreachable: %s has no route at the router, ICMP 3/0", fmt_ip4(elsewhere));
}

static void deadline(struct proof_ctx *ctx, struct ping_net *n)
{
	struct ping_run r;
	capnet_instant t0 = capnet_sim_now(n->sim);
	capnet_err e = ping_run(n, PING_NET_SILENT, 5, CAPNET_S(1), 56, CAPNET_S(2), CAPNET_MS(2500), &r);
	capnet_instant now = capnet_sim_now(n->sim);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.sum.transmitted == 3 && r.nprobes == 3 && ping_run_all(&r, CAPNET_PING_TIMEOUT) &&
			    r.p[2].at == t0 + CAPNET_MS(2500) && r.sum.finished == t0 + CAPNET_MS(2500),
		    "a 2.5 s run deadline: 3 of 5 probes sent, the last two cut short at the deadline; \"%s\"", r.counts);
}

static void bounds(struct proof_ctx *ctx, struct ping_net *n)
{
	static const struct {
		const char *what;
		struct capnet_ping_request req;
		enum capnet_ping_limit limit;
	} cases[] = {
		{"11 probes (max 10)", {.count = 11, .interval = CAPNET_S(1), .timeout = CAPNET_S(1)}, CAPNET_PING_LIMIT_COUNT},
		{"interval 100 ms (min 200 ms)", {.count = 2, .interval = CAPNET_MS(100), .timeout = CAPNET_S(1)},
		 CAPNET_PING_LIMIT_INTERVAL},
		{"2000 data bytes (max 1024)", {.count = 1, .payload = 2000, .timeout = CAPNET_S(1)}, CAPNET_PING_LIMIT_PAYLOAD},
		{"a 60 s deadline (max 30 s)", {.count = 1, .timeout = CAPNET_S(1), .deadline = CAPNET_S(60)},
		 CAPNET_PING_LIMIT_DEADLINE},
		{"a 31 s probe timeout (max 30 s)", {.count = 1, .timeout = CAPNET_S(31)}, CAPNET_PING_LIMIT_TIMEOUT},
	};
	uint64_t tx0 = tx_frames(n);
	struct capnet_audit a0, a1;
	capnet_cspace_audit(n->app, &a0);
	bool ok = true;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct capnet_ping_request req = cases[i].req;
		req.dst = capnet_ipaddr_from_ip4(PING_NET_NEAR);
		capnet_handle s = CAPNET_HANDLE_NONE;
		enum capnet_ping_limit why;
		capnet_err e = capnet_pingcap_start(n->app, n->ping, &req, capnet_sim_now(n->sim), &s, &why);
		bool c = e == CAPNET_E_SCOPE && why == cases[i].limit && s == CAPNET_HANDLE_NONE;
		proof_note(ctx, capnet_sim_now(n->sim), "  %s -> %s (%s)", cases[i].what, capnet_errname(e),
			   capnet_ping_limit_name(why));
		ok = ok && c;
	}
	capnet_instant now = capnet_sim_now(n->sim);
	capnet_sim_run_until(n->sim, now + CAPNET_S(1));
	capnet_cspace_audit(n->app, &a1);
	proof_check(ctx, now,
		    ok && tx_frames(n) == tx0 && a1.rejected[CAPNET_AUDIT_SCOPE] - a0.rejected[CAPNET_AUDIT_SCOPE] == 5,
		    "count, interval, payload, deadline and timeout bounds: each refused E_SCOPE naming the bound, "
		    "audited (SCOPE +5), no frame sent");

	/* A Ping authority scoped to 192.0.2.0/24 cannot reach the far side. */
	struct capnet_cspace *boot = capnet_stack_boot_cspace(n->h.stack);
	capnet_handle nm = capnet_stack_netmgr(n->h.stack, 0), narrow, s = CAPNET_HANDLE_NONE;
	struct capnet_scope local = capnet_scope_remote(CAPNET_IP4(192, 0, 2, 0), 24, 0, 0xffff);
	struct capnet_ping_bounds b = {10, CAPNET_MS(200), 1024, CAPNET_S(30)};
	struct capnet_ping_request req = {capnet_ipaddr_from_ip4(PING_NET_FAR), 1, 0, 56, CAPNET_S(1), 0};
	enum capnet_ping_limit why = CAPNET_PING_LIMIT_NONE;
	capnet_err e = capnet_netmgr_mint_ping(boot, nm, &b, &local, &narrow);
	if (e == CAPNET_OK)
		e = capnet_pingcap_start(boot, narrow, &req, now, &s, &why);
	proof_check(ctx, now, e == CAPNET_E_SCOPE && why == CAPNET_PING_LIMIT_DESTINATION && tx_frames(n) == tx0,
		    "a Ping scoped to 192.0.2.0/24: %s -> %s (%s), nothing sent", fmt_ip4(PING_NET_FAR),
		    capnet_errname(e), capnet_ping_limit_name(why));

	/* Nothing but echo: the Ping handle names no socket, resolver or NIC. */
	capnet_handle sock;
	capnet_err u = capnet_udpcap_bind(n->app, n->ping, 7, &sock);
	capnet_err d = capnet_dnscap_resolve(n->app, n->ping, "www.example.test", CAPNET_AF_INET, now, &(uint32_t){0});
	capnet_handle nic;
	capnet_err m = capnet_netmgr_mint_nic(n->app, n->ping, &nic);
	struct capnet_ping_request one = {capnet_ipaddr_from_ip4(PING_NET_NEAR), 1, 0, 56, CAPNET_S(1), 0};
	capnet_err st = capnet_pingcap_start(n->app, n->ping, &one, now, &s, NULL);
	capnet_handle s2;
	capnet_err nested = st == CAPNET_OK ? capnet_pingcap_start(n->app, s, &one, now, &s2, NULL) : st;
	unsigned ready = 0;
	ping_sim_drain(n->sim, n->app, s, CAPNET_S(5), NULL, NULL);
	capnet_cap_readiness(n->app, s, capnet_sim_now(n->sim), &ready);
	capnet_cap_close(n->app, s);
	proof_check(ctx, capnet_sim_now(n->sim),
		    u == CAPNET_E_WRONGTYPE && d == CAPNET_E_WRONGTYPE && m == CAPNET_E_WRONGTYPE && st == CAPNET_OK &&
			    nested == CAPNET_E_STATE && ready == CAPNET_READY_DONE,
		    "the Ping cap opens nothing else: UDP bind, resolve, mint a Nic -> %s/%s/%s; a session starts no "
		    "run (%s); an ended session reports DONE",
		    capnet_errname(u), capnet_errname(d), capnet_errname(m), capnet_errname(nested));
}

int proof_ping(struct proof_ctx *ctx)
{
	static struct ping_net n;
	struct capnet_ping_bounds b = {10, CAPNET_MS(200), 1024, CAPNET_S(30)};
	if (ping_net_open(&n, ctx->seed, ctx->pcap_path, ECHO_HOST_ANSWER, &b, NULL, false) != CAPNET_OK) {
		ping_net_close(&n);
		return 1;
	}
	proof_note(ctx, 0, "host %s/24 gw %s; echo hosts %s (answer), %s (silent), %s (malformed); router %s|%s "
		   "with %s behind it; 1 ms cables", fmt_ip4(PING_NET_HOST), fmt_ip4(PING_NET_GATEWAY),
		   fmt_ip4(PING_NET_NEAR), fmt_ip4(PING_NET_SILENT), fmt_ip4(PING_NET_MALFORMED), fmt_ip4(PING_NET_GATEWAY),
		   fmt_ip4(PING_NET_FAR_GATEWAY), fmt_ip4(PING_NET_FAR));
	proof_note(ctx, 0, "cspace ping-app holds one Ping (SEND|READ): max 10 probes, >= 200 ms apart, <= 1024 bytes, "
		   "runs <= 30 s");
	same_subnet(ctx, &n);
	routed(ctx, &n);
	malformed(ctx, &n);
	silent(ctx, &n);
	unreachable(ctx, &n);
	deadline(ctx, &n);
	bounds(ctx, &n);
	ping_net_close(&n);
	return 0;
}
