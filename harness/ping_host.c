/* The iputils rendering of a ping run and the simulator's wait loop. */
#include "harness/ping_host.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "capnet/pollable.h"
#include "harness/dns_host.h"
#include "harness/proof.h"

void ping_fmt_header(char *buf, size_t len, const struct capnet_ipaddr *dst, uint16_t payload)
{
	const char *a = fmt_ipaddr(dst);
	if (dst->af == CAPNET_AF_INET)
		snprintf(buf, len, "PING %s (%s) %u(%u) bytes of data.", a, a, payload, payload + 28u);
	else
		snprintf(buf, len, "PING %s (%s) %u data bytes", a, a, payload);
}

/* iputils' four precisions, by size (ping_common.c). */
void ping_fmt_rtt(char *buf, size_t len, capnet_duration t)
{
	if (t >= 100000 - 50)
		snprintf(buf, len, "%" PRId64, (t + 500) / 1000);
	else if (t >= 10000 - 5)
		snprintf(buf, len, "%" PRId64 ".%01" PRId64, (t + 50) / 1000, ((t + 50) % 1000) / 100);
	else if (t >= 1000)
		snprintf(buf, len, "%" PRId64 ".%02" PRId64, (t + 5) / 1000, ((t + 5) % 1000) / 10);
	else
		snprintf(buf, len, "%" PRId64 ".%03" PRId64, t / 1000, t % 1000);
}

const char *ping_icmp_text(uint8_t af, uint8_t type, uint8_t code)
{
	if (af == CAPNET_AF_INET6) {
		/* iputils' ping6 words (RFC 4443 3). */
		static const char *const unreach6[] = {"Destination unreachable: No route",
						       "Destination unreachable: Administratively prohibited",
						       "Destination unreachable: Beyond scope of source address",
						       "Destination unreachable: Address unreachable",
						       "Destination unreachable: Port unreachable"};
		if (type == 1)
			return code < 5 ? unreach6[code] : "Destination unreachable: Unknown code";
		if (type == 2)
			return "Packet too big";
		if (type == 3)
			return code == 0 ? "Time exceeded: Hop limit" : "Time exceeded: Defragmentation failure";
		return "Parameter problem";
	}
	static const char *const unreach[] = {"Destination Net Unreachable",   "Destination Host Unreachable",
					      "Destination Protocol Unreachable", "Destination Port Unreachable",
					      "Frag needed and DF set",	       "Source Route Failed",
					      "Destination Net Unknown",	 "Destination Host Unknown",
					      "Source Host Isolated",		 "Destination Net Prohibited",
					      "Destination Host Prohibited",	 "Destination Net Unreachable for Type of Service",
					      "Destination Host Unreachable for Type of Service",
					      "Packet filtered",		 "Precedence Violation",
					      "Precedence Cutoff"};
	if (type == 3)
		return code < 16 ? unreach[code] : "Dest Unreachable, Bad Code";
	if (type == 11)
		return code == 0 ? "Time to live exceeded" : "Frag reassembly time exceeded";
	return "Bad ICMP type";
}

void ping_fmt_probe(char *buf, size_t len, const struct capnet_ping_probe *p, const struct capnet_ipaddr *self)
{
	char t[24];
	switch (p->outcome) {
	case CAPNET_PING_REPLY:
		ping_fmt_rtt(t, sizeof t, p->rtt);
		snprintf(buf, len, "%u bytes from %s: icmp_seq=%u ttl=%u time=%s ms", p->bytes, fmt_ipaddr(&p->from),
			 p->seq, p->ttl, t);
		return;
	case CAPNET_PING_UNREACHABLE:
		snprintf(buf, len, "From %s icmp_seq=%u %s", fmt_ipaddr(&p->from), p->seq,
			 ping_icmp_text(p->from.af, p->icmp_type, p->icmp_code));
		return;
	case CAPNET_PING_MALFORMED:
		snprintf(buf, len, "icmp_seq=%u malformed reply dropped (%s)", p->seq,
			 capnet_ping_malformed_name(p->malformed_reason));
		return;
	case CAPNET_PING_SEND_FAILED:
		if (p->err == CAPNET_E_UNREACHABLE)
			snprintf(buf, len, "From %s icmp_seq=%u Destination Host Unreachable", fmt_ipaddr(self), p->seq);
		else
			snprintf(buf, len, "ping: icmp_seq=%u not sent: %s", p->seq, capnet_strerror(p->err));
		return;
	default:
		buf[0] = '\0';
		return;
	}
}

void ping_fmt_stats(const struct capnet_ping_summary *s, char *title, char *counts, char *rtt, size_t len)
{
	snprintf(title, len, "--- %s ping statistics ---", fmt_ipaddr(&s->dst));
	size_t n = (size_t)snprintf(counts, len, "%" PRIu32 " packets transmitted, %" PRIu32 " received",
				    s->transmitted, s->received);
	if (s->duplicates && n < len)
		n += (size_t)snprintf(counts + n, len - n, ", +%" PRIu32 " duplicates", s->duplicates);
	if (s->malformed && n < len)
		n += (size_t)snprintf(counts + n, len - n, ", +%" PRIu32 " corrupted", s->malformed);
	if (s->errors && n < len)
		n += (size_t)snprintf(counts + n, len - n, ", +%" PRIu32 " errors", s->errors);
	if (s->transmitted && n < len) {
		/* iputils: a float, printed with %g. */
		float loss = (float)((((long long)(s->transmitted - s->received)) * 100.0) / s->transmitted);
		n += (size_t)snprintf(counts + n, len - n, ", %g%% packet loss, time %" PRId64 "ms", (double)loss,
				      (s->finished - s->started + 500) / 1000);
	}
	rtt[0] = '\0';
	if (s->received) {
		char a[24], b[24], c[24], d[24];
		snprintf(a, sizeof a, "%" PRId64 ".%03" PRId64, s->rtt_min / 1000, s->rtt_min % 1000);
		snprintf(b, sizeof b, "%" PRId64 ".%03" PRId64, s->rtt_avg / 1000, s->rtt_avg % 1000);
		snprintf(c, sizeof c, "%" PRId64 ".%03" PRId64, s->rtt_max / 1000, s->rtt_max % 1000);
		snprintf(d, sizeof d, "%" PRId64 ".%03" PRId64, s->rtt_mdev / 1000, s->rtt_mdev % 1000);
		snprintf(rtt, len, "rtt min/avg/max/mdev = %s/%s/%s/%s ms", a, b, c, d);
	}
}

struct drain {
	struct capnet_sim *sim;
	struct capnet_pollable set;
	struct capnet_watch w[1];
};

/* The parked call completed: a read-only look through a Pollable. */
static bool ticket_done(void *ctx)
{
	struct drain *d = ctx;
	return capnet_pollable_check(&d->set, capnet_sim_now(d->sim), NULL) > 0;
}

capnet_err ping_sim_drain(struct capnet_sim *sim, struct capnet_cspace *cs, capnet_handle session,
			  capnet_duration limit, ping_probe_fn fn, void *ctx)
{
	capnet_instant end = capnet_sim_now(sim) + limit;
	for (;;) {
		struct capnet_ping_probe p;
		capnet_instant now = capnet_sim_now(sim);
		capnet_err e = capnet_pingcap_next(cs, session, now, &p);
		if (e == CAPNET_OK) {
			if (fn != NULL)
				fn(ctx, &p, now);
			continue;
		}
		if (e == CAPNET_E_CLOSED)
			return CAPNET_OK;
		if (e != CAPNET_E_AGAIN)
			return e;
		if (now >= end)
			return CAPNET_E_TIMEDOUT;
		/* Nothing to read: park until there is, as an application would. */
		capnet_ticket t;
		if ((e = capnet_park(cs, session, CAPNET_PARK_RECV, end, now, &t)) != CAPNET_OK)
			return e;
		struct drain d = {.sim = sim};
		capnet_pollable_init(&d.set, cs, d.w, 1);
		if ((e = capnet_pollable_add_ticket(&d.set, t, 0, NULL)) != CAPNET_OK)
			return e;
		if (!ticket_done(&d))
			capnet_sim_run_until_cond(sim, ticket_done, &d, end);
		struct capnet_park_result r;
		if (capnet_park_result(cs, t, &r) == CAPNET_E_AGAIN) {
			capnet_park_cancel(cs, t, capnet_sim_now(sim));
			capnet_park_result(cs, t, &r);
		}
		if (r.outcome != CAPNET_OUTCOME_COMPLETED && r.outcome != CAPNET_OUTCOME_TIMED_OUT &&
		    r.outcome != CAPNET_OUTCOME_CANCELLED)
			return r.err;
	}
}

struct capnet_ipaddr ping_net6_addr(uint8_t net, uint16_t host)
{
	struct capnet_ipaddr a = {.af = CAPNET_AF_INET6};
	const uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, net, [14] = (uint8_t)(host >> 8), [15] = (uint8_t)host};
	memcpy(a.u.v6.b, b, 16);
	return a;
}

capnet_err ping_net_open(struct ping_net *n, uint64_t seed, const char *pcap_path, enum echo_host_mode mode,
			 const struct capnet_ping_bounds *b, const struct capnet_scope *remote, bool ip6)
{
	static const struct capnet_sim_impair wire = {.delay = CAPNET_MS(1)};
	memset(n, 0, sizeof *n);
	n->sim = sim_open_recording(seed, CAPNET_SIM_SWITCH, pcap_path);
	if (n->sim == NULL)
		return CAPNET_E_NIC;
	const struct router_net nets[] = {{PING_NET_GATEWAY, 24}, {PING_NET_FAR_GATEWAY, 24}};
	const struct capnet_mac far_mac = {{0x02, 0, 0, 0, 0, 0xb1}};
	struct capnet_stack_config cfg = {0};
	cfg.iface.ip6.enable = ip6;
	capnet_err e = sim_stack_open(&n->h, "H", n->sim, seed, (struct capnet_mac){{0x02, 0, 0, 0, 0, 0x0a}}, &wire,
				      ip6 ? &cfg : NULL);
	if (e == CAPNET_OK)
		e = echo_host_open(&n->near, n->sim, (struct capnet_mac){{0x02, 0, 0, 0, 0, 0x01}}, PING_NET_NEAR, mode,
				   &wire);
	if (e == CAPNET_OK)
		e = echo_host_open(&n->silent, n->sim, (struct capnet_mac){{0x02, 0, 0, 0, 0, 0x02}}, PING_NET_SILENT,
				   ECHO_HOST_SILENT, &wire);
	if (e == CAPNET_OK)
		e = echo_host_open(&n->malformed, n->sim, (struct capnet_mac){{0x02, 0, 0, 0, 0, 0x03}},
				   PING_NET_MALFORMED, ECHO_HOST_MALFORMED, &wire);
	if (e == CAPNET_OK)
		e = router_open(&n->router, n->sim, (struct capnet_mac){{0x02, 0, 0, 0, 0, 0xfe}}, nets, 2, &wire);
	if (e == CAPNET_OK)
		e = echo_host_open(&n->far, n->sim, far_mac, PING_NET_FAR, mode, &wire);
	if (e != CAPNET_OK)
		return e;
	router_add_neighbour(&n->router, PING_NET_FAR, far_mac);
	if (ip6) {
		struct capnet_ipaddr a1 = ping_net6_addr(1, 1), a2 = ping_net6_addr(1, 2), a3 = ping_net6_addr(1, 3),
				     far6 = ping_net6_addr(2, 1);
		const struct router_net6 nets6[] = {{ping_net6_addr(1, 0xfe).u.v6, 64}, {ping_net6_addr(2, 0xfe).u.v6, 64}};
		echo_host_enable_ip6(&n->near, &a1.u.v6);
		echo_host_enable_ip6(&n->silent, &a2.u.v6);
		echo_host_enable_ip6(&n->malformed, &a3.u.v6);
		echo_host_enable_ip6(&n->far, &far6.u.v6);
		router_enable_ip6(&n->router, nets6, 2, 1800, 3600, 1800);
		router_add_neighbour6(&n->router, &far6.u.v6, far_mac);
	}
	struct capnet_cspace *boot = capnet_stack_boot_cspace(n->h.stack);
	capnet_handle nm = capnet_stack_netmgr(n->h.stack, 0), p0;
	if ((e = capnet_netmgr_set_static(boot, nm, PING_NET_HOST, 24, PING_NET_GATEWAY, 0)) != CAPNET_OK ||
	    (e = capnet_cspace_create(capnet_stack_capsys(n->h.stack), "ping-app", &n->app)) != CAPNET_OK ||
	    (e = capnet_netmgr_mint_ping(boot, nm, b, remote, &p0)) != CAPNET_OK ||
	    (e = capnet_netmgr_mint_status(boot, nm, &n->status)) != CAPNET_OK)
		return e;
	return capnet_cap_grant(boot, p0, n->app, CAPNET_RIGHT_SEND | CAPNET_RIGHT_READ, NULL, &n->ping);
}

void ping_net_close(struct ping_net *n)
{
	if (n->h.stack != NULL)
		sim_stack_close(&n->h);
	if (n->sim != NULL)
		capnet_sim_destroy(n->sim);
	n->sim = NULL;
}

bool ping_preferred6(struct capnet_cspace *cs, capnet_handle status, bool link_local, struct capnet_ip6addr *out)
{
	static struct capnet_status_ip6 st; /* large: counters and tables */
	if (capnet_status_ip6(cs, status, &st) != CAPNET_OK)
		return false;
	for (size_t i = 0; i < st.n_addrs && i < CAPNET_STATUS_IP6_ADDRS; i++) {
		const struct capnet_ip6addr *a = &st.addrs[i].addr;
		bool ll = a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
		if (st.addrs[i].state == CAPNET_IP6_ADDR_PREFERRED && ll == link_local) {
			if (out != NULL)
				*out = *a;
			return true;
		}
	}
	return false;
}

static bool ip6_ready(void *ctx)
{
	struct ping_net *n = ctx;
	struct capnet_cspace *boot = capnet_stack_boot_cspace(n->h.stack);
	return ping_preferred6(boot, n->status, true, NULL) && ping_preferred6(boot, n->status, false, NULL);
}

bool ping_net_wait_ip6(struct ping_net *n, capnet_duration limit)
{
	return ip6_ready(n) || capnet_sim_run_until_cond(n->sim, ip6_ready, n, capnet_sim_now(n->sim) + limit);
}

static void on_run_probe(void *ctx, const struct capnet_ping_probe *p, capnet_instant now)
{
	(void)now;
	struct ping_run *r = ctx;
	if (r->nprobes >= PING_RUN_LINES)
		return;
	struct capnet_ipaddr self = capnet_ipaddr_from_ip4(PING_NET_HOST);
	r->p[r->nprobes] = *p;
	ping_fmt_probe(r->lines[r->nprobes], sizeof r->lines[0], p, &self);
	r->nprobes++;
}

capnet_err ping_run_sim(struct ping_net *n, const struct capnet_ping_request *req, struct ping_run *r)
{
	memset(r, 0, sizeof *r);
	capnet_handle s;
	capnet_err e = capnet_pingcap_start(n->app, n->ping, req, capnet_sim_now(n->sim), &s, NULL);
	if (e == CAPNET_OK)
		e = ping_sim_drain(n->sim, n->app, s, CAPNET_S(60), on_run_probe, r);
	if (e == CAPNET_OK)
		e = capnet_pingcap_summary(n->app, s, &r->sum);
	ping_fmt_stats(&r->sum, r->title, r->counts, r->rtt, sizeof r->counts);
	capnet_cap_close(n->app, s);
	r->err = e;
	return e;
}

bool ping_run_all(const struct ping_run *r, enum capnet_ping_outcome o)
{
	for (unsigned i = 0; i < r->nprobes; i++)
		if (r->p[i].outcome != o)
			return false;
	return r->nprobes > 0;
}

void ping_run_print(struct proof_ctx *ctx, const struct ping_run *r)
{
	for (unsigned i = 0; i < r->nprobes; i++)
		if (r->lines[i][0] != '\0')
			proof_note(ctx, r->p[i].at, "  %s", r->lines[i]);
}
