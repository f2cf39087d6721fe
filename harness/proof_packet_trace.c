/* Proof packet-trace: a bounded, header-only, filtered, expiring capture,
 * served read-only.
 *
 *   1. The operator (cspace boot, holding the NetworkManager of host C's
 *      eth0) mints a PacketTrace for cspace debug: 8 records, a snaplen
 *      larger than any frame (header-only must still hold), rx only, any
 *      protocol, expiring at 13.002 s -- the very instant the fourth
 *      response of the TCP exchange arrives. It mints a TraceReader and
 *      grants debug only READ on it. A sibling cspace gets nothing.
 *   2. C acquires its address by DHCP (with RFC 5227 probes), then at 10 s
 *      opens one TCP connection to peer P and makes 8 requests, one a
 *      second; each response is 4 KiB of a known pattern.
 *   3. The counters against an independent oracle (the simulator's own
 *      per-port frame counts): every rx frame before the expiry seen, the
 *      first 12 captured, the rest dropped and counted exactly, every tx
 *      frame filtered, everything from the expiry on ignored, nothing
 *      admitted after it.
 *   4. The records: each holds exactly its headers, never a byte of the
 *      pattern, and is classified DHCP / ARP / IPv4-UDP / TCP correctly.
 *   5. Debug reads them through its TraceReader; its forged calls to send,
 *      reconfigure, open sockets or widen the trace fail closed and are
 *      audited, with no frame sent and no state changed; the sibling sees
 *      nothing.
 *   6. The exported pcap is byte-identical when the run is repeated.
 *   7. Revoking the PacketTrace stops the capture and invalidates the
 *      reader. */
#include <stdlib.h>
#include <string.h>

#include "capnet/wire/tcp.h"
#include "harness/proof.h"
#include "harness/trace_run.h"

#define CAPACITY 8
#define SNAPLEN 1518
#define TCP_START CAPNET_S(10)
#define ROUNDS 8
#define RESP_LEN 4096
/* Round 3's request leaves at 13 s; its response arrives 2 ms later. */
#define EXPIRES (CAPNET_S(13) + CAPNET_MS(2))
#define REASON "debug eth0 bring-up: DHCP then TCP to 192.0.2.20 (issue 7)"

struct frames {
	uint64_t rx, tx;
};

struct run {
	struct trace_scenario *s;
	capnet_handle pt, rd_boot, rd;
	capnet_err mint_err;
	bool bound, tcp_done;
	capnet_instant bound_at;
	struct frames before_expiry, at_expiry, end; /* simulator's counts at C's port */
	struct capnet_trace_info info;
	struct capnet_trace_record *rec;
	size_t nrec;
	char *pcap;
	size_t pcap_len;
};

static struct frames frames_at(const struct trace_scenario *s)
{
	const struct capnet_sim_port_stats *p = capnet_sim_port_stats(s->sim, s->client.st.port);
	return (struct frames){p->rx_frames, p->tx_frames};
}

static void policy(struct capnet_trace_policy *p)
{
	capnet_trace_policy_default(p, 0, EXPIRES);
	p->capacity = CAPACITY;
	p->snaplen = SNAPLEN;
	p->dir = CAPNET_TRACE_DIR_RX;
}

/* The scenario, up to the reading of the records; the checks come after. */
static int run_once(struct run *r, uint64_t seed, const char *sim_pcap)
{
	memset(r, 0, sizeof *r);
	r->s = calloc(1, sizeof *r->s);
	if (r->s == NULL || trace_scenario_open(r->s, seed, sim_pcap) != CAPNET_OK)
		return 1;
	struct trace_scenario *s = r->s;
	struct capnet_trace_request req = {.reason = REASON, .for_cspace = capnet_cspace_id(s->debug)};
	policy(&req.policy);
	r->mint_err = capnet_netmgr_mint_trace_policy(s->boot, s->nm, &req, 0, &r->pt);
	if (r->mint_err != CAPNET_OK || capnet_tracecap_reader(s->boot, r->pt, &r->rd_boot) != CAPNET_OK ||
	    capnet_cap_grant(s->boot, r->rd_boot, s->debug, CAPNET_RIGHT_READ, NULL, &r->rd) != CAPNET_OK)
		return 1;

	r->bound = trace_scenario_dhcp(s, CAPNET_S(9));
	r->bound_at = capnet_sim_now(s->sim);
	capnet_sim_run_until(s->sim, TCP_START);
	if (!r->bound || trace_scenario_tcp_start(s, ROUNDS, CAPNET_S(1), RESP_LEN) != CAPNET_OK)
		return 0;
	capnet_sim_run_until(s->sim, EXPIRES - 1);
	r->before_expiry = frames_at(s);
	capnet_sim_run_until(s->sim, EXPIRES);
	r->at_expiry = frames_at(s);
	r->tcp_done = trace_scenario_tcp_run(s, CAPNET_S(30)) && s->x.exact;
	capnet_sim_run_until(s->sim, capnet_sim_now(s->sim) + CAPNET_S(2)); /* TIME-WAIT, last ARP */
	r->end = frames_at(s);

	if (capnet_tracecap_info(s->debug, r->rd, &r->info) != CAPNET_OK ||
	    trace_read_all(s->debug, r->rd, &r->rec, &r->nrec) != CAPNET_OK)
		return 0;
	FILE *f = open_memstream(&r->pcap, &r->pcap_len);
	if (f == NULL)
		return 1;
	int w = trace_pcap_write(f, trace_pcap_snaplen(&r->info.policy), r->rec, r->nrec);
	fclose(f);
	return w == 0 ? 0 : 1;
}

static void run_free(struct run *r)
{
	if (r->s != NULL)
		trace_scenario_close(r->s);
	free(r->s);
	free(r->rec);
	free(r->pcap);
}

static uint64_t audit_of(struct capnet_cspace *cs, enum capnet_audit_reason why)
{
	struct capnet_audit a;
	capnet_cspace_audit(cs, &a);
	return a.rejected[why];
}

/* Caps a cspace holds, and whether every one is a READ-only TraceReader. */
static size_t caps_held(const struct trace_scenario *s, const struct capnet_cspace *cs, bool *only_readers)
{
	struct capnet_cap_entry e[64];
	size_t n = capnet_capsys_caps(s->sys, e, 64), held = 0;
	*only_readers = true;
	for (size_t i = 0; i < n && i < 64; i++) {
		if (e[i].owner != capnet_cspace_id(cs))
			continue;
		held++;
		*only_readers &= e[i].info.type == CAPNET_CAP_TRACE_READER && e[i].info.rights == CAPNET_RIGHT_READ;
	}
	return held;
}

static const struct capnet_trace_record *find(const struct run *r, uint32_t protos, bool (*pred)(const struct capnet_trace_record *))
{
	for (size_t i = 0; i < r->nrec; i++)
		if ((r->rec[i].cls.protos & protos) == protos && (pred == NULL || pred(&r->rec[i])))
			return &r->rec[i];
	return NULL;
}

static bool is_synack(const struct capnet_trace_record *x)
{
	return (x->cls.tcp_flags & (CAPNET_TCP_SYN | CAPNET_TCP_ACK_FLAG)) == (CAPNET_TCP_SYN | CAPNET_TCP_ACK_FLAG);
}

static bool has_body(const struct capnet_trace_record *x)
{
	return x->cls.body_len > 0;
}

static void note_record(struct proof_ctx *ctx, const struct capnet_trace_record *x)
{
	char line[256];
	trace_format(x, line, sizeof line);
	proof_note(ctx, x->at, "  %s", line + 12); /* the stamp is the transcript's own */
}

static void check_policy_and_grant(struct proof_ctx *ctx, struct run *r)
{
	struct trace_scenario *s = r->s;
	const struct capnet_trace_provenance *p = &r->info.prov;
	struct capnet_cap_info nm;
	capnet_cap_inspect(s->boot, s->nm, &nm);
	proof_check(ctx, 0,
		    r->mint_err == CAPNET_OK && p->authority_type == CAPNET_CAP_NETWORK_MANAGER &&
			    p->authority_cap == nm.cap_id && p->minted_by == capnet_cspace_id(s->boot) &&
			    strcmp(p->minted_by_name, "boot") == 0 && p->minted_for == capnet_cspace_id(s->debug) &&
			    p->minted_at == 0 && strcmp(p->iface_name, "eth0") == 0 && strcmp(p->reason, REASON) == 0,
		    "PacketTrace on %s minted by NETWORK_MANAGER cap %u in cspace %u (boot) for cspace %u (debug): \"%s\"",
		    p->iface_name, p->authority_cap, p->minted_by, p->minted_for, p->reason);
	const struct capnet_trace_policy *q = &p->policy;
	proof_check(ctx, 0,
		    q->capacity == CAPACITY && q->snaplen == SNAPLEN && q->payload == CAPNET_TRACE_HEADERS_ONLY &&
			    q->dir == CAPNET_TRACE_DIR_RX && q->protos == 0 && q->port == 0 && q->expires == EXPIRES,
		    "policy: %u records, snaplen %u, header-only, %s only, any protocol, expires at %s s",
		    q->capacity, q->snaplen, capnet_trace_dir_name(q->dir), fmt_time(q->expires));
	bool only_readers;
	size_t held = caps_held(s, s->debug, &only_readers);
	proof_check(ctx, 0, held == 1 && only_readers, "debug holds %zu cap: a TraceReader with READ only", held);
}

static void check_counters(struct proof_ctx *ctx, struct run *r)
{
	const struct capnet_trace_counters *k = &r->info.counters;
	uint64_t rx = r->before_expiry.rx, tx = r->before_expiry.tx;
	uint64_t at_deadline = (r->at_expiry.rx - rx) + (r->at_expiry.tx - tx);
	uint64_t after = (r->end.rx - rx) + (r->end.tx - tx);
	uint64_t want_captured = rx < CAPACITY ? rx : CAPACITY;
	proof_note(ctx, EXPIRES, "oracle (simulator, C's port): %llu rx + %llu tx frames before the expiry, %llu at it, "
				 "%llu from it to the end",
		   (unsigned long long)rx, (unsigned long long)tx, (unsigned long long)at_deadline,
		   (unsigned long long)after);
	proof_check(ctx, EXPIRES, k->seen == rx + tx && k->captured == want_captured && r->nrec == want_captured,
		    "seen %llu frames before the expiry; captured %llu = the capacity", (unsigned long long)k->seen,
		    (unsigned long long)k->captured);
	proof_check(ctx, EXPIRES, rx > CAPACITY && k->dropped_full == rx - CAPACITY,
		    "dropped because full: %llu, exactly the %llu rx frames beyond the first %u",
		    (unsigned long long)k->dropped_full, (unsigned long long)(rx - want_captured), CAPACITY);
	proof_check(ctx, EXPIRES, k->filtered == tx, "filtered out by the rx-only direction: %llu = every tx frame",
		    (unsigned long long)k->filtered);
	bool all_before = true;
	for (size_t i = 0; i < r->nrec; i++)
		all_before &= r->rec[i].at < EXPIRES;
	proof_check(ctx, EXPIRES, at_deadline > 0 && k->after_expiry == after && k->admitted_after_expiry == 0 &&
					 all_before && r->info.state == CAPNET_TRACE_EXPIRED,
		    "expired at %s s by itself: %llu frames at exactly the deadline and %llu in all after it ignored, "
		    "admitted after expiry %llu",
		    fmt_time(EXPIRES), (unsigned long long)at_deadline, (unsigned long long)k->after_expiry,
		    (unsigned long long)k->admitted_after_expiry);
}

/* Classification, as the summaries print it, in the order it happened. */
static void check_classes(struct proof_ctx *ctx, struct run *r)
{
	char line[256];
	capnet_instant t = EXPIRES;
	const struct capnet_trace_record *arp = find(r, CAPNET_TRACE_P_ARP, NULL);
	bool ok = arp && arp->caplen == 14 + 28 && arp->orig_len == 60 && trace_format(arp, line, sizeof line) &&
		  strstr(line, " ARP, ");
	proof_check(ctx, arp ? arp->at : t, ok, "ARP classified ARP: 28-byte header kept, Ethernet padding withheld");
	if (arp)
		note_record(ctx, arp);
	const struct capnet_trace_record *dhcp =
		find(r, CAPNET_TRACE_P_IPV4 | CAPNET_TRACE_P_UDP | CAPNET_TRACE_P_DHCP, NULL);
	ok = dhcp && dhcp->cls.sport == 67 && dhcp->cls.dport == 68 && dhcp->cls.src4 == trace_ip_server &&
	     dhcp->caplen == 14 + 20 + 8 && trace_format(dhcp, line, sizeof line) && strstr(line, "UDP (DHCP)");
	proof_check(ctx, dhcp ? dhcp->at : t, ok,
		    "DHCP from the server classified IPV4|UDP|DHCP, 67 > 68: 42 header bytes kept, BOOTP body withheld");
	if (dhcp)
		note_record(ctx, dhcp);
	proof_check(ctx, r->bound_at, r->bound, "C bound %s by DHCP (after its RFC 5227 probes)", fmt_ip4(trace_ip_lease));
	const struct capnet_trace_record *syn = find(r, CAPNET_TRACE_P_IPV4 | CAPNET_TRACE_P_TCP, is_synack);
	ok = syn && syn->cls.sport == TRACE_TCP_PORT && syn->cls.src4 == trace_ip_peer && syn->cls.dst4 == trace_ip_lease &&
	     syn->caplen == syn->orig_len && trace_format(syn, line, sizeof line) && strstr(line, "Flags [S.]");
	proof_check(ctx, syn ? syn->at : t, ok, "SYN-ACK from %s:%u classified IPV4|TCP, kept whole (%u bytes, no body)",
		    fmt_ip4(trace_ip_peer), TRACE_TCP_PORT, syn ? syn->caplen : 0);
	if (syn)
		note_record(ctx, syn);
	const struct capnet_trace_record *body = find(r, CAPNET_TRACE_P_TCP, has_body);
	ok = body && body->caplen == 14 + 20 + ((body->data[14 + 20 + 12] >> 4) * 4) && body->orig_len > 1000 &&
	     trace_format(body, line, sizeof line) && strstr(line, "length 1448");
	proof_check(ctx, body ? body->at : t, ok,
		    "TCP data segment: %u of %u bytes kept, Ethernet + IPv4 + TCP with options, body withheld",
		    body ? body->caplen : 0, body ? body->orig_len : 0);
	if (body)
		note_record(ctx, body);
}

/* What the records hold: headers, never the body. */
static void check_content(struct proof_ctx *ctx, struct run *r)
{
	struct trace_scenario *s = r->s;
	capnet_instant t = EXPIRES;
	size_t exact = 0, short_ = 0, secret = 0;
	uint32_t max_orig = 0;
	for (size_t i = 0; i < r->nrec; i++) {
		const struct capnet_trace_record *x = &r->rec[i];
		exact += x->caplen == x->cls.header_len && x->caplen <= CAPNET_TRACE_HDR_MAX && !x->cls.malformed;
		short_ += x->caplen < x->orig_len;
		secret += trace_record_has_secret(x);
		if (x->orig_len > max_orig)
			max_orig = x->orig_len;
	}
	proof_check(ctx, t, exact == r->nrec && max_orig <= SNAPLEN && r->info.counters.truncated == short_,
		    "every record stops at its headers though snaplen %u exceeds every frame (largest %u): %llu cut "
		    "short, %llu bytes withheld",
		    SNAPLEN, max_orig, (unsigned long long)r->info.counters.truncated,
		    (unsigned long long)r->info.counters.withheld_bytes);
	const struct capnet_trace_record *body = find(r, CAPNET_TRACE_P_TCP, has_body);
	proof_check(ctx, t, secret == 0 && s->x.resp_bytes == (uint64_t)ROUNDS * RESP_LEN && body != NULL,
		    "no record holds 6 bytes in a row of the pattern whose %u bytes C received (%zu records scanned)",
		    ROUNDS * RESP_LEN, r->nrec);
}

static void check_authority(struct proof_ctx *ctx, struct run *r)
{
	struct trace_scenario *s = r->s;
	capnet_instant now = capnet_sim_now(s->sim);
	struct capnet_trace_record x;
	/* The sibling: no cap, so no handle names anything, not even debug's. */
	bool only;
	capnet_err sib1 = capnet_tracecap_record(s->sibling, r->rd, 0, &x);
	struct capnet_trace_info si;
	capnet_err sib2 = capnet_tracecap_info(s->sibling, r->rd ^ 0x5a5a, &si);
	proof_check(ctx, now, caps_held(s, s->sibling, &only) == 0 && sib1 == CAPNET_E_BADHANDLE && sib2 == CAPNET_E_BADHANDLE,
		    "sibling holds no cap: debug's reader handle and a guessed one answer %s there; it observes nothing",
		    capnet_errname(sib1));
	proof_check(ctx, now, r->nrec == CAPACITY && capnet_tracecap_record(s->debug, r->rd, CAPACITY, &x) == CAPNET_E_NOTFOUND,
		    "debug reads the %zu records through its TraceReader", r->nrec);

	/* Debug's forged calls with the reader handle. */
	uint64_t fp = capnet_net_fingerprint(s->net);
	uint64_t tx0 = capnet_sim_port_stats(s->sim, s->client.st.port)->tx_frames;
	struct capnet_trace_info before;
	capnet_tracecap_info(s->debug, r->rd, &before);
	struct capnet_trace_policy wide;
	capnet_trace_policy_default(&wide, 0, CAPNET_INSTANT_NEVER);
	wide.capacity = 256;
	capnet_handle h = 0;
	uint8_t data[4] = {1, 2, 3, 4};
	struct {
		const char *what;
		capnet_err got, want;
	} forged[] = {
		{"transmit (UdpSocket send_to)",
		 capnet_udpcap_send_to(s->debug, r->rd, trace_ip_peer, 9, data, sizeof data, now), CAPNET_E_WRONGTYPE},
		{"reconfigure (NetworkManager set_static)",
		 capnet_netmgr_set_static(s->debug, r->rd, CAPNET_IP4(192, 0, 2, 99), 24, 0, now), CAPNET_E_WRONGTYPE},
		{"open a socket (TcpConnectAuthority connect)",
		 capnet_tcpcap_connect(s->debug, r->rd, trace_ip_peer, TRACE_TCP_PORT, now, &h), CAPNET_E_WRONGTYPE},
		{"open a socket (NetworkManager mint_udp)", capnet_netmgr_mint_udp(s->debug, r->rd, 53, 53, NULL, &h),
		 CAPNET_E_WRONGTYPE},
		{"widen the policy (PacketTrace narrow)", capnet_tracecap_narrow(s->debug, r->rd, &wide), CAPNET_E_WRONGTYPE},
		{"mint another reader (PacketTrace reader)", capnet_tracecap_reader(s->debug, r->rd, &h), CAPNET_E_WRONGTYPE},
		{"add CONFIGURE (attenuate)", capnet_cap_attenuate(s->debug, r->rd, CAPNET_RIGHT_READ | CAPNET_RIGHT_CONFIGURE, NULL),
		 CAPNET_E_RIGHTS},
		{"copy onward (grant without GRANT)", capnet_cap_grant(s->debug, r->rd, s->sibling, CAPNET_RIGHT_READ, NULL, &h),
		 CAPNET_E_RIGHTS},
	};
	size_t n = sizeof forged / sizeof forged[0];
	for (size_t i = 0; i < n; i++)
		proof_check(ctx, now, forged[i].got == forged[i].want, "debug's forged call to %s with its reader: %s",
			    forged[i].what, capnet_errname(forged[i].got));
	struct capnet_trace_info after;
	capnet_tracecap_info(s->debug, r->rd, &after);
	proof_check(ctx, now,
		    audit_of(s->debug, CAPNET_AUDIT_WRONGTYPE) == 6 && audit_of(s->debug, CAPNET_AUDIT_RIGHTS) == 2 &&
			    capnet_net_fingerprint(s->net) == fp &&
			    capnet_sim_port_stats(s->sim, s->client.st.port)->tx_frames == tx0 &&
			    memcmp(&before.policy, &after.policy, sizeof before.policy) == 0,
		    "all %zu failed closed and audited against debug (WRONGTYPE 6, RIGHTS 2): no frame sent, state "
		    "fingerprint and policy unchanged",
		    n);
	/* The PacketTrace itself may narrow, never widen. */
	capnet_err widen = capnet_tracecap_narrow(s->boot, r->pt, &wide);
	proof_check(ctx, now, widen == CAPNET_E_SCOPE && audit_of(s->boot, CAPNET_AUDIT_SCOPE) == 1,
		    "the PacketTrace holder asking for a wider policy gets %s (audited)", capnet_errname(widen));
}

static void check_revoke(struct proof_ctx *ctx, struct run *r)
{
	struct trace_scenario *s = r->s;
	capnet_instant now = capnet_sim_now(s->sim);
	capnet_err e = capnet_cap_revoke(s->boot, r->pt);
	struct capnet_trace_record x;
	capnet_err rd = capnet_tracecap_record(s->debug, r->rd, 0, &x);
	proof_check(ctx, now, e == CAPNET_OK && rd == CAPNET_E_REVOKED && capnet_iface_trace(s->client.st.ifc) == NULL,
		    "boot revokes the PacketTrace: the capture point is empty again and debug's reader answers %s",
		    capnet_errname(rd));
	/* The trace's memory went back to the pool: a new trace can be minted. */
	struct capnet_trace_request req = {.reason = "second look"};
	policy(&req.policy);
	req.policy.expires = CAPNET_INSTANT_NEVER;
	capnet_handle pt2;
	e = capnet_netmgr_mint_trace_policy(s->boot, s->nm, &req, now, &pt2);
	proof_check(ctx, now, e == CAPNET_OK && capnet_tracecap_record(s->debug, r->rd, 0, &x) == CAPNET_E_REVOKED,
		    "its trace slot is free again (a new trace mints: %s); the old reader stays revoked",
		    capnet_errname(e));
}

int proof_packet_trace(struct proof_ctx *ctx)
{
	static struct run a, b;
	if (run_once(&a, ctx->seed, ctx->pcap_path) != 0) {
		run_free(&a);
		return 1;
	}
	struct trace_scenario *s = a.s;
	proof_note(ctx, 0, "server %s, peer P %s, host C %s (eth0); cspaces boot, debug, sibling; 1 ms per cable, seed %llu",
		   fmt_ip4(trace_ip_server), fmt_ip4(trace_ip_peer), fmt_mac(trace_mac_client),
		   (unsigned long long)ctx->seed);
	check_policy_and_grant(ctx, &a);
	check_classes(ctx, &a);
	check_counters(ctx, &a);
	check_content(ctx, &a);
	proof_check(ctx, s->x.done_at, a.tcp_done,
		    "TCP from 10 s: %u requests, %u x %u bytes of the pattern received byte-exact, connection closed", ROUNDS,
		    ROUNDS, RESP_LEN);
	check_authority(ctx, &a);

	/* Determinism of the export: the same run again, from scratch. */
	int again = run_once(&b, ctx->seed, NULL);
	proof_check(ctx, capnet_sim_now(s->sim),
		    again == 0 && a.pcap_len > 24 && a.pcap_len == b.pcap_len && memcmp(a.pcap, b.pcap, a.pcap_len) == 0,
		    "exported pcap (snaplen %u): %zu bytes, fnv %016llx, byte-identical on a second run",
		    trace_pcap_snaplen(&a.info.policy), a.pcap_len, (unsigned long long)trace_fnv(a.pcap, a.pcap_len));
	run_free(&b);
	check_revoke(ctx, &a);
	run_free(&a);
	return 0;
}
