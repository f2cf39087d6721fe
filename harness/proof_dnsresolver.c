/* Proof dnsresolver: an application cspace holding only a DnsResolver cap
 * resolves names through the stack's stub resolver against the simulated
 * DNS server, whose address the host learned from DHCP (option 6):
 *
 *   1. before the lease: unavailable (no upstream), nothing sent;
 *   2. A, AAAA, and both over a CNAME, each query on a fresh random port
 *      with a random id; the repeat comes from the cache;
 *   3. NXDOMAIN (not-found) and NODATA (no-data);
 *   4. a spoofed answer (wrong id, and one from the wrong port, both
 *      pointing elsewhere) ignored: the true answer wins;
 *   5. a silent server: timeout at exactly 2 tries x 2 s;
 *   6. status(): provenance dhcp, the server, the last error, counters;
 *   7. forged calls (the resolver used as a manager, a UDP socket, a Nic;
 *      the boot manager's handle copied over) fail closed, are audited and
 *      send nothing;
 *   8. the lease expires: the DHCP-provided server is gone at once and a
 *      resolve is unavailable again, with nothing sent to the stale
 *      server. */
#include <string.h>

#include "capnet/dns_cap.h"
#include "harness/dhcp4_host.h"
#include "harness/dns_host.h"
#include "harness/proof.h"
#include "sim/dhcp4_server.h"
#include "sim/dns_server.h"

static const char *status_name(capnet_err e, const struct capnet_dns_result *r)
{
	return e == CAPNET_OK ? capnet_dns_status_name(r->status) : capnet_errname(e);
}

int proof_dnsresolver(struct proof_ctx *ctx)
{
	const struct capnet_mac mac_d = {{0x02, 0, 0, 0, 0, 0x01}}, mac_n = {{0x02, 0, 0, 0, 0, 0x53}},
				mac_c = {{0x02, 0, 0, 0, 0, 0x0c}};
	const capnet_ip4addr ip_d = CAPNET_IP4(192, 0, 2, 1), ip_n = CAPNET_IP4(192, 0, 2, 53),
			     lease_ip = CAPNET_IP4(192, 0, 2, 100);

	struct capnet_sim *sim = proof_sim_open(ctx);
	if (sim == NULL)
		return 1;
	static struct dhcp4_server ds;
	static struct dns_server ns;
	static struct dhcp4_host h;
	memset(&h, 0, sizeof h);
	struct dhcp4_server_config dc = {
		.mac = mac_d, .addr = ip_d, .prefix_len = 24, .pool_start = lease_ip, .pool_size = 10,
		.lease_secs = 120, .t1_secs = 60, .t2_secs = 105, .n_dns = 1, .dns = {ip_n},
		.domain = "example.test", .impair = &proof_wire_1ms,
	};
	struct dns_server_config nc = {
		.mac = mac_n, .addr = ip_n, .zone = "example.test", .negative_ttl = 30, .impair = &proof_wire_1ms,
		.n_records = 5,
		.records = {
			{.name = "www.example.test", .type = CAPNET_DNS_TYPE_A, .ttl = 300, .addr = {192, 0, 2, 9}},
			{.name = "www.example.test", .type = CAPNET_DNS_TYPE_AAAA, .ttl = 300,
			 .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 9}},
			{.name = "alias.example.test", .type = CAPNET_DNS_TYPE_CNAME, .ttl = 600,
			 .target = "www.example.test"},
			{.name = "v4only.example.test", .type = CAPNET_DNS_TYPE_A, .ttl = 60, .addr = {192, 0, 2, 10}},
			{.name = "spoof.example.test", .type = CAPNET_DNS_TYPE_A, .ttl = 60, .addr = {192, 0, 2, 11}},
		},
	};
	if (dhcp4_server_open(&ds, sim, &dc) != CAPNET_OK || dns_server_open(&ns, sim, &nc) != CAPNET_OK ||
	    dhcp4_host_open(&h, "C", sim, ctx->seed, mac_c, &proof_wire_1ms, NULL) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	proof_note(ctx, 0, "DHCP server %s: lease 120 s (T1 60, T2 105), DNS %s (option 6), domain example.test",
		   fmt_ip4(ip_d), fmt_ip4(ip_n));
	proof_note(ctx, 0, "DNS server %s: www A 192.0.2.9 + AAAA 2001:db8::9, alias CNAME www, v4only A, spoof A; "
		   "negative TTL 30 s", fmt_ip4(ip_n));

	/* The application: a cspace with a DnsResolver and nothing else. */
	struct capnet_cspace *boot = capnet_stack_boot_cspace(h.st.stack), *app;
	capnet_handle nm = capnet_stack_netmgr(h.st.stack, 0), r0, res;
	if (capnet_cspace_create(capnet_stack_capsys(h.st.stack), "resolver-app", &app) != CAPNET_OK ||
	    capnet_netmgr_mint_dns(boot, nm, &r0) != CAPNET_OK ||
	    capnet_cap_grant(boot, r0, app, CAPNET_RIGHT_SEND | CAPNET_RIGHT_READ, NULL, &res) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	proof_note(ctx, 0, "cspace resolver-app holds one DnsResolver (SEND|READ) and nothing else");

	/* 1. No upstream yet. */
	struct capnet_dns_result r;
	capnet_duration took;
	capnet_err e = dns_resolve_wait(sim, app, res, "www.example.test", CAPNET_AF_INET, CAPNET_S(1), &r, &took);
	capnet_instant now = capnet_sim_now(sim);
	proof_check(ctx, now, e == CAPNET_OK && r.status == CAPNET_DNS_UNAVAILABLE && took == 0 && ns.stats.queries == 0,
		    "before any lease: resolve www.example.test -> %s at once, no query sent", status_name(e, &r));

	capnet_dhcp4_client_start(h.client, now);
	bool ok = dhcp4_host_run_until_state(&h, CAPNET_DHCP4_BOUND, CAPNET_S(30));
	now = capnet_sim_now(sim);
	struct capnet_dns_stub_status s;
	capnet_dnscap_status(app, res, &s);
	proof_check(ctx, now,
		    ok && s.n_servers == 1 && capnet_ipaddr_ip4(&s.servers[0]) == ip_n &&
			    s.servers_provenance == CAPNET_PROV_DHCP,
		    "lease bound: the resolver's upstream is %s, provenance %s", fmt_ip4(ip_n),
		    capnet_provenance_name(s.servers_provenance));

	/* 2. A, AAAA, both over a CNAME; the cache. */
	e = dns_resolve_wait(sim, app, res, "www.example.test", CAPNET_AF_INET, CAPNET_S(20), &r, &took);
	now = capnet_sim_now(sim);
	const struct dns_server_query *q = dns_server_last(&ns);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.status == CAPNET_DNS_FOUND && r.n_addrs == 1 &&
			    capnet_ipaddr_ip4(&r.addrs[0]) == CAPNET_IP4(192, 0, 2, 9) && r.ttl == 300 && q &&
			    q->qtype == CAPNET_DNS_TYPE_A && q->src_port >= 49152,
		    "A www.example.test -> %s ttl %u in %s s (query id 0x%04x from port %u)", fmt_addrs(&r),
		    (unsigned)r.ttl, fmt_time(took), q ? q->id : 0, q ? q->src_port : 0);
	uint16_t port_a = q ? q->src_port : 0;
	e = dns_resolve_wait(sim, app, res, "www.example.test", CAPNET_AF_INET6, CAPNET_S(20), &r, &took);
	now = capnet_sim_now(sim);
	q = dns_server_last(&ns);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.status == CAPNET_DNS_FOUND && r.n_addrs == 1 &&
			    r.addrs[0].af == CAPNET_AF_INET6 && q && q->qtype == CAPNET_DNS_TYPE_AAAA &&
			    q->src_port != port_a,
		    "AAAA www.example.test -> %s (a new random port %u)", fmt_addrs(&r), q ? q->src_port : 0);
	unsigned before = ns.stats.queries;
	e = dns_resolve_wait(sim, app, res, "alias.example.test", CAPNET_AF_NONE, CAPNET_S(20), &r, &took);
	now = capnet_sim_now(sim);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.status == CAPNET_DNS_FOUND && r.n_addrs == 2 &&
			    strcmp(r.canon, "www.example.test") == 0 && ns.stats.queries == before + 2,
		    "A+AAAA alias.example.test in parallel (2 queries) -> %s, canonical name %s", fmt_addrs(&r),
		    r.canon);
	before = ns.stats.queries;
	e = dns_resolve_wait(sim, app, res, "www.example.test", CAPNET_AF_INET, CAPNET_S(20), &r, &took);
	now = capnet_sim_now(sim);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.status == CAPNET_DNS_FOUND && r.from_cache && took == 0 &&
			    ns.stats.queries == before,
		    "A www.example.test again -> %s from the cache, ttl %u, no query", fmt_addrs(&r), (unsigned)r.ttl);

	/* 3. Negative answers. */
	e = dns_resolve_wait(sim, app, res, "nope.example.test", CAPNET_AF_INET, CAPNET_S(20), &r, &took);
	now = capnet_sim_now(sim);
	proof_check(ctx, now, e == CAPNET_OK && r.status == CAPNET_DNS_NXDOMAIN && ns.stats.nxdomain >= 1,
		    "A nope.example.test -> %s (NXDOMAIN; the search list's example.test was tried too: %u queries)",
		    status_name(e, &r), ns.stats.queries - before);
	e = dns_resolve_wait(sim, app, res, "v4only.example.test", CAPNET_AF_INET6, CAPNET_S(20), &r, &took);
	now = capnet_sim_now(sim);
	proof_check(ctx, now, e == CAPNET_OK && r.status == CAPNET_DNS_NODATA,
		    "AAAA v4only.example.test -> %s (NOERROR, no AAAA)", status_name(e, &r));

	/* 4. Spoofing. */
	dns_server_set_mode(&ns, DNS_SERVER_SPOOF);
	struct capnet_dns_stub_status s0;
	capnet_dnscap_status(app, res, &s0);
	uint64_t filtered0 = sim_stack_stat(&h.st, CAPNET_STAT_udp_rx_filtered);
	e = dns_resolve_wait(sim, app, res, "spoof.example.test", CAPNET_AF_INET, CAPNET_S(20), &r, &took);
	now = capnet_sim_now(sim);
	capnet_dnscap_status(app, res, &s);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.status == CAPNET_DNS_FOUND && r.n_addrs == 1 &&
			    capnet_ipaddr_ip4(&r.addrs[0]) == CAPNET_IP4(192, 0, 2, 11) &&
			    s.mismatched == s0.mismatched + 1 &&
			    sim_stack_stat(&h.st, CAPNET_STAT_udp_rx_filtered) == filtered0 + 1,
		    "spoofed answers ignored: 203.0.113.66 under a wrong id (mismatched +1) and from port 5353 "
		    "(udp_rx_filtered +1); the true answer %s is taken", fmt_addrs(&r));

	/* 5. Timeout. */
	dns_server_set_mode(&ns, DNS_SERVER_SILENT);
	before = ns.stats.queries;
	e = dns_resolve_wait(sim, app, res, "www2.example.test", CAPNET_AF_INET, CAPNET_S(20), &r, &took);
	now = capnet_sim_now(sim);
	proof_check(ctx, now,
		    e == CAPNET_OK && r.status == CAPNET_DNS_TIMEOUT && took == CAPNET_S(4) &&
			    ns.stats.queries == before + 2,
		    "silent server: www2.example.test -> %s after %s s (2 tries, 2 s each, one server)",
		    status_name(e, &r), fmt_time(took));
	dns_server_set_mode(&ns, DNS_SERVER_NORMAL);

	/* 6. status(). */
	capnet_dnscap_status(app, res, &s);
	proof_check(ctx, now,
		    s.servers_provenance == CAPNET_PROV_DHCP && s.n_servers == 1 && s.last_error == CAPNET_DNS_TIMEOUT &&
			    s.cache_hits >= 1 && s.cache_entries >= 3,
		    "status: servers from %s [%s], search from %s, last error %s; lookups %u, queries %u, "
		    "timeouts %u, cache hits %u misses %u entries %u, mismatched %u",
		    capnet_provenance_name(s.servers_provenance), fmt_ipaddr(&s.servers[0]),
		    capnet_provenance_name(s.search_provenance), capnet_dns_status_name(s.last_error), s.lookups,
		    s.queries_sent, s.timeouts, s.cache_hits, s.cache_misses, s.cache_entries, s.mismatched);

	/* 7. Forged calls. */
	uint64_t tx0 = sim_stack_stat(&h.st, CAPNET_STAT_eth_tx_frames);
	struct capnet_audit a0, a1;
	capnet_cspace_audit(app, &a0);
	struct capnet_netmgr_config cfgv;
	capnet_handle out;
	capnet_err f1 = capnet_netmgr_get_config(app, res, &cfgv);
	capnet_err f2 = capnet_netmgr_mint_udp(app, res, 1, 65535, NULL, &out);
	capnet_err f3 = capnet_udpcap_send_to(app, res, ip_n, 53, "raw", 3, now);
	capnet_err f4 = capnet_niccap_transmit(app, res, "frame", 5);
	capnet_err f5 = capnet_netmgr_mint_dns(app, nm, &out);
	capnet_cspace_audit(app, &a1);
	capnet_sim_run_until(sim, now + CAPNET_MS(10));
	now = capnet_sim_now(sim);
	proof_check(ctx, now,
		    f1 == CAPNET_E_WRONGTYPE && f2 == CAPNET_E_WRONGTYPE && f3 == CAPNET_E_WRONGTYPE &&
			    f4 == CAPNET_E_WRONGTYPE && f5 == CAPNET_E_BADHANDLE && a1.total == a0.total + 5 &&
			    sim_stack_stat(&h.st, CAPNET_STAT_eth_tx_frames) == tx0,
		    "forged calls from resolver-app: getConfig %s, mint UDP %s, raw send to %s:53 %s, Nic transmit %s, "
		    "the boot manager's handle %s; audited %u, zero frames",
		    capnet_errname(f1), capnet_errname(f2), fmt_ip4(ip_n), capnet_errname(f3), capnet_errname(f4),
		    capnet_errname(f5), (unsigned)(a1.total - a0.total));

	/* 8. Lease expiry. */
	dhcp4_server_set_mode(&ds, DHCP4_SERVER_SILENT);
	ok = dhcp4_host_run_until_state(&h, CAPNET_DHCP4_REBINDING, CAPNET_S(400));
	struct capnet_dhcp4_lease_info li = dhcp4_host_lease(&h, capnet_sim_now(sim));
	capnet_sim_run_until(sim, li.expiry + CAPNET_MS(1));
	now = capnet_sim_now(sim);
	capnet_dnscap_status(app, res, &s);
	before = ns.stats.queries;
	e = dns_resolve_wait(sim, app, res, "v4only2.example.test", CAPNET_AF_INET, CAPNET_S(20), &r, &took);
	now = capnet_sim_now(sim);
	proof_check(ctx, now,
		    ok && s.n_servers == 0 && s.servers_provenance == CAPNET_PROV_NONE && e == CAPNET_OK &&
			    r.status == CAPNET_DNS_UNAVAILABLE && ns.stats.queries == before,
		    "lease expired at %s s: the DHCP server is removed at once; resolve -> %s, nothing sent to %s",
		    fmt_time(li.expiry), status_name(e, &r), fmt_ip4(ip_n));

	dhcp4_host_close(&h);
	capnet_sim_destroy(sim);
	return 0;
}
