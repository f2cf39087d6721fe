/* Proof keepalive-timeout-policy: the time policies of TCP served through
 * caps, asserted from the wire. The two hosts share a hub, and a wire tap
 * on a third port records every TCP segment and when it passed.
 *
 *   1. accept deadline: an ACCEPT parked with a deadline and no client
 *      times out at exactly that instant; with a client it completes;
 *   2. recv deadline: the same for RECV, then data beats the deadline;
 *   3. keepalive (idle 10 s, interval 2 s, 3 probes): the first probe goes
 *      out exactly 10 s after it is set, as an ACK carrying SND.NXT-1
 *      (RFC 9293 3.8.4); an answered probe restarts the idle time; once
 *      the peer falls silent, probes follow every 2 s, and after the third
 *      unanswered one the connection ends with E_TIMEDOUT, completing the
 *      parked RECV TIMED_OUT;
 *   3b. user timeout (RFC 9293 3.8.3): a connection whose data the peer
 *      never acknowledges ends E_TIMEDOUT once the user timeout has
 *      passed, with USER_TIMEOUT as its close reason in TransportStatus;
 *   4. connect refused vs connect timed out: a port nobody listens on
 *      answers RST -- REFUSED after one round trip; a peer whose answers
 *      are lost leaves the SYN retransmitted (RTO 1 s, doubling) until a
 *      5 s connect timeout -- TIMED_OUT at exactly 5 s. Different outcomes,
 *      errors and readiness. Every close reason above is read through a
 *      TransportStatus view, and no two are the same. */
#include <string.h>

#include "capnet/wire/tcp.h"
#include "harness/cap_proof.h"
#include "harness/dhcp4_host.h"
#include "harness/wire_tap.h"

struct stat_wait {
	const struct cap_host *h;
	enum capnet_stat st;
	uint64_t value;
};

static bool stat_reached(void *ctx)
{
	struct stat_wait *s = ctx;
	return sim_stack_stat(&s->h->st, s->st) >= s->value;
}

/* Runs until the host's counter reaches value; the instant it did. */
static capnet_instant run_until_stat(struct cap_world *w, const struct cap_host *h, enum capnet_stat st,
				     uint64_t value, capnet_duration limit)
{
	struct stat_wait s = {h, st, value};
	if (!capnet_sim_run_until_cond(w->sim, stat_reached, &s, cap_world_now(w) + limit))
		return -1;
	return cap_world_now(w);
}

static void blackhole(struct cap_world *w, bool on)
{
	const struct capnet_sim_impair lost = {.loss_ppm = CAPNET_SIM_PPM, .delay = CAPNET_MS(1)};
	const struct capnet_sim_impair wire = {.delay = CAPNET_MS(1)};
	capnet_sim_set_impair(w->sim, w->srv.st.port, CAPNET_SIM_EGRESS, on ? &lost : &wire);
}

int proof_keepalive_timeout_policy(struct proof_ctx *ctx)
{
	static struct cap_world w;
	static struct wire_tap tap;
	if (cap_world_open_mode(&w, ctx, NULL, CAPNET_SIM_HUB) != 0)
		return 1;
	if (wire_tap_open(&tap, w.sim) != CAPNET_OK) {
		cap_world_close(&w);
		return 1;
	}
	struct cap_host *S = &w.srv, *C = &w.cli;
	const capnet_ip4addr ip_s = CAP_PROOF_SRV, ip_c = CAP_PROOF_CLI;
	proof_note(ctx, 0, "srv %s and cli %s on a hub with a wire tap; 1 ms per cable; seed %llu", fmt_ip4(ip_s),
		   fmt_ip4(ip_c), (unsigned long long)ctx->seed);
	cap_world_run(&w, CAPNET_MS(10));
	struct capnet_cspace *app, *client;
	capnet_handle la = cap_proof_listen_party(S, "app", 8000, 8001, &app);
	capnet_handle ca = cap_proof_connect_party(C, "client", ip_s, 32, 8000, 8001, &client);

	/* 1. Accept deadline. */
	capnet_handle lst, cs, ss;
	capnet_tcpcap_listen(app, la, 8000, 4, &lst);
	capnet_ticket t;
	capnet_instant d = cap_world_now(&w) + CAPNET_MS(300);
	capnet_park(app, lst, CAPNET_PARK_ACCEPT, d, cap_world_now(&w), &t);
	struct capnet_park_result r = cap_host_wait_ticket(w.sim, app, t, d + CAPNET_S(1));
	proof_check(ctx, r.at, r.outcome == CAPNET_OUTCOME_TIMED_OUT && r.err == CAPNET_E_TIMEDOUT && r.at == d,
		    "ACCEPT parked with a 300 ms deadline, no client: %s (%s) at exactly the deadline",
		    capnet_outcome_name(r.outcome), ERRN(r.err));
	d = cap_world_now(&w) + CAPNET_S(1);
	capnet_park(app, lst, CAPNET_PARK_ACCEPT, d, cap_world_now(&w), &t);
	capnet_instant t0 = cap_world_now(&w);
	capnet_tcpcap_connect(client, ca, ip_s, 8000, t0, &cs);
	r = cap_host_wait_ticket(w.sim, app, t, d + CAPNET_S(1));
	ss = r.handle;
	proof_check(ctx, r.at, r.outcome == CAPNET_OUTCOME_COMPLETED && r.at < d,
		    "ACCEPT parked with a 1 s deadline, client connects: %s %lld ms after the connect, before the "
		    "deadline",
		    capnet_outcome_name(r.outcome), (long long)((r.at - t0) / 1000));

	/* 2. Recv deadline. */
	d = cap_world_now(&w) + CAPNET_MS(250);
	capnet_park(app, ss, CAPNET_PARK_RECV, d, cap_world_now(&w), &t);
	r = cap_host_wait_ticket(w.sim, app, t, d + CAPNET_S(1));
	proof_check(ctx, r.at, r.outcome == CAPNET_OUTCOME_TIMED_OUT && r.at == d,
		    "RECV parked with a 250 ms deadline, nothing sent: %s at exactly the deadline",
		    capnet_outcome_name(r.outcome));
	d = cap_world_now(&w) + CAPNET_S(1);
	capnet_park(app, ss, CAPNET_PARK_RECV, d, cap_world_now(&w), &t);
	cap_world_run(&w, CAPNET_MS(100));
	size_t n;
	t0 = cap_world_now(&w);
	capnet_tcpcap_send(client, cs, "x", 1, &n, t0);
	r = cap_host_wait_ticket(w.sim, app, t, d + CAPNET_S(1));
	proof_check(ctx, r.at, r.outcome == CAPNET_OUTCOME_COMPLETED && r.at == t0 + CAPNET_MS(1),
		    "RECV parked with a 1 s deadline, a byte sent 100 ms in: %s when it lands, 1 ms later",
		    capnet_outcome_name(r.outcome));
	char buf[16];
	capnet_tcpcap_recv(app, ss, buf, sizeof buf, &n, cap_world_now(&w));

	/* 3. Keepalive. */
	cap_world_run(&w, CAPNET_S(1)); /* delayed ACKs settle: the connection is idle */
	capnet_instant t_set = cap_world_now(&w);
	capnet_err e = capnet_tcpcap_set_keepalive(client, cs, true, CAPNET_S(10), CAPNET_S(2), 3, t_set);
	struct capnet_transport_status ts = cap_proof_tcp_status(client, cs);
	uint16_t cport = ts.tcp.local.port;
	proof_check(ctx, t_set,
		    e == CAPNET_OK && ts.tcp.opts.keepalive && ts.tcp.opts.keepalive_idle == CAPNET_S(10) &&
			    ts.tcp.opts.keepalive_interval == CAPNET_S(2) && ts.tcp.opts.keepalive_probes == 3 &&
			    ts.tcp.next_deadline == t_set + CAPNET_S(10),
		    "client sets keepalive idle 10 s, interval 2 s, 3 probes (CONFIGURE); its next timer: %s s",
		    fmt_time(ts.tcp.next_deadline));
	capnet_instant p1 = run_until_stat(&w, C, CAPNET_STAT_tcp_keepalive_probes, 1, CAPNET_S(30));
	cap_world_run(&w, CAPNET_MS(5));
	size_t idx = 0;
	const struct wire_seg *ws = wire_tap_find(&tap, ip_c, cport, t_set + CAPNET_MS(1), &idx);
	const struct wire_seg *ack = wire_tap_find(&tap, ip_s, 8000, p1, &idx);
	proof_check(ctx, ws ? ws->at : p1,
		    p1 == t_set + CAPNET_S(10) && ws != NULL && ws->at == p1 + CAPNET_MS(1) &&
			    ws->flags == CAPNET_TCP_ACK_FLAG && ws->seq == ts.tcp.snd_nxt - 1 && ws->len <= 1,
		    "probe 1 on the wire 10 s after it was set (sent %s s, seen %s s): %s seq %u = SND.NXT-1, %u bytes",
		    fmt_time(p1), fmt_time(ws ? ws->at : 0), wire_flags(ws ? ws->flags : 0), ws ? ws->seq : 0,
		    ws ? ws->len : 0);
	proof_check(ctx, ack ? ack->at : p1,
		    ack != NULL && ack->at == p1 + CAPNET_MS(2) && ack->flags == CAPNET_TCP_ACK_FLAG &&
			    ack->ack == ts.tcp.snd_nxt,
		    "srv answers it: ACK %u seen at %s s", ack ? ack->ack : 0, fmt_time(ack ? ack->at : 0));
	capnet_instant p2 = run_until_stat(&w, C, CAPNET_STAT_tcp_keepalive_probes, 2, CAPNET_S(30));
	proof_check(ctx, p2, p2 == p1 + CAPNET_MS(2) + CAPNET_S(10),
		    "the answer restarts the idle time: probe 2 at %s s, 10 s after the answer arrived", fmt_time(p2));
	cap_world_run(&w, CAPNET_MS(3));
	blackhole(&w, true);
	proof_note(ctx, cap_world_now(&w), "srv falls silent (everything it sends is lost)");
	capnet_park(client, cs, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, cap_world_now(&w), &t);
	capnet_instant p[4];
	for (int i = 0; i < 3; i++)
		p[i] = run_until_stat(&w, C, CAPNET_STAT_tcp_keepalive_probes, 3 + (uint64_t)i, CAPNET_S(30));
	r = cap_host_wait_ticket(w.sim, client, t, cap_world_now(&w) + CAPNET_S(30));
	capnet_instant p3 = p2 + CAPNET_MS(2) + CAPNET_S(10);
	size_t seen = 0;
	bool spaced = true;
	idx = 0;
	for (int i = 0; i < 3; i++) {
		const struct wire_seg *s = wire_tap_find(&tap, ip_c, cport, p[i], &idx);
		spaced = spaced && s != NULL && s->at == p[i] + CAPNET_MS(1) && s->flags == CAPNET_TCP_ACK_FLAG;
		seen += s != NULL;
	}
	proof_check(ctx, p[2],
		    spaced && seen == 3 && p[0] == p3 && p[1] == p3 + CAPNET_S(2) && p[2] == p3 + CAPNET_S(4),
		    "unanswered probes on the wire every 2 s: sent %s, %s, %s s (seen +1 ms)", fmt_time(p[0]),
		    fmt_time(p[1]), fmt_time(p[2]));
	ts = cap_proof_tcp_status(client, cs);
	unsigned rc = cap_world_ready(&w, client, cs);
	proof_check(ctx, r.at,
		    r.outcome == CAPNET_OUTCOME_TIMED_OUT && r.err == CAPNET_E_TIMEDOUT && r.at == p3 + CAPNET_S(6) &&
			    ts.tcp.error == CAPNET_E_TIMEDOUT && ts.tcp.keepalive_probes_sent == 3 &&
			    ts.tcp.close_reason == CAPNET_TCP_CLOSE_KEEPALIVE_TIMEOUT &&
			    sim_stack_stat(&C->st, CAPNET_STAT_tcp_keepalive_drops) == 1 &&
			    rc == (CAPNET_READY_CONNECTED | CAPNET_READY_ERROR | CAPNET_READY_HUP),
		    "2 s after the third: the connection ends (%s, TransportStatus close reason %s), the parked RECV is "
		    "%s; socket %s",
		    ERRN(ts.tcp.error), capnet_tcp_close_reason_name(ts.tcp.close_reason), capnet_outcome_name(r.outcome),
		    fmt_ready(rc));
	enum capnet_tcp_close_reason why_keepalive = ts.tcp.close_reason;
	blackhole(&w, false);
	capnet_tcpcap_close(client, cs, cap_world_now(&w));
	capnet_tcpcap_close(app, ss, cap_world_now(&w));
	cap_world_run(&w, CAPNET_S(1));

	/* 3b. User timeout: the peer acknowledges nothing the client sends. */
	capnet_handle cs3, ss3;
	d = cap_world_now(&w) + CAPNET_S(1);
	capnet_park(app, lst, CAPNET_PARK_ACCEPT, d, cap_world_now(&w), &t);
	capnet_tcpcap_connect(client, ca, ip_s, 8000, cap_world_now(&w), &cs3);
	r = cap_host_wait_ticket(w.sim, app, t, d + CAPNET_S(1));
	ss3 = r.handle;
	cap_world_run(&w, CAPNET_MS(100));
	capnet_err ue = capnet_tcpcap_set_user_timeout(client, cs3, CAPNET_S(3), cap_world_now(&w));
	blackhole(&w, true);
	capnet_instant t_send = cap_world_now(&w);
	capnet_tcpcap_send(client, cs3, "lost in the wire", 16, &n, t_send);
	capnet_park(client, cs3, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, t_send, &t);
	r = cap_host_wait_ticket(w.sim, client, t, t_send + CAPNET_S(30));
	ts = cap_proof_tcp_status(client, cs3);
	proof_check(ctx, r.at,
		    ue == CAPNET_OK && r.outcome == CAPNET_OUTCOME_TIMED_OUT && ts.tcp.error == CAPNET_E_TIMEDOUT &&
			    ts.tcp.close_reason == CAPNET_TCP_CLOSE_USER_TIMEOUT && r.at == t_send + CAPNET_S(3) &&
			    ts.tcp.retransmits >= 1,
		    "user timeout 3 s (CONFIGURE), srv silent: 16 bytes sent at %s s are never acknowledged; %s s later "
		    "the connection ends %s, TransportStatus close reason %s (not %s), the parked RECV %s",
		    fmt_time(t_send), fmt_time(r.at - t_send), ERRN(ts.tcp.error),
		    capnet_tcp_close_reason_name(ts.tcp.close_reason), capnet_tcp_close_reason_name(why_keepalive),
		    capnet_outcome_name(r.outcome));
	enum capnet_tcp_close_reason why_user = ts.tcp.close_reason;
	blackhole(&w, false);
	capnet_tcpcap_close(client, cs3, cap_world_now(&w));
	capnet_tcpcap_close(app, ss3, cap_world_now(&w));
	cap_world_run(&w, CAPNET_S(1));

	/* 4. Refused vs timed out. */
	capnet_handle c1, c2, lst2;
	t0 = cap_world_now(&w);
	capnet_tcpcap_connect(client, ca, ip_s, 8001, t0, &c1);
	capnet_park(client, c1, CAPNET_PARK_CONNECT, CAPNET_INSTANT_NEVER, t0, &t);
	r = cap_host_wait_ticket(w.sim, client, t, t0 + CAPNET_S(10));
	rc = cap_world_ready(&w, client, c1);
	enum capnet_tcp_close_reason why_refused = cap_proof_tcp_status(client, c1).tcp.close_reason;
	idx = 0;
	const struct wire_seg *syn = wire_tap_find(&tap, ip_c, 0, t0, &idx);
	const struct wire_seg *rst = wire_tap_find(&tap, ip_s, 8001, t0, &idx);
	proof_check(ctx, r.at,
		    r.outcome == CAPNET_OUTCOME_REFUSED && r.err == CAPNET_E_REFUSED && r.at == t0 + CAPNET_MS(2) &&
			    syn != NULL && syn->flags == CAPNET_TCP_SYN && syn->at == t0 + CAPNET_MS(1) && rst != NULL &&
			    (rst->flags & CAPNET_TCP_RST) && rst->at == t0 + CAPNET_MS(2) &&
			    rc == (CAPNET_READY_RESET | CAPNET_READY_ERROR | CAPNET_READY_HUP),
		    "connect to 8001, nobody listening: SYN seen at +1 ms, %s at +2 ms; %s (%s) after %lld ms; socket %s",
		    wire_flags(rst ? rst->flags : 0), capnet_outcome_name(r.outcome), ERRN(r.err),
		    (long long)((r.at - t0) / 1000), fmt_ready(rc));
	capnet_tcpcap_close(client, c1, cap_world_now(&w));
	capnet_tcpcap_listen(app, la, 8001, 4, &lst2);
	blackhole(&w, true);
	cap_world_run(&w, CAPNET_MS(10));
	t0 = cap_world_now(&w);
	capnet_tcpcap_connect(client, ca, ip_s, 8001, t0, &c2);
	capnet_tcpcap_set_connect_timeout(client, c2, CAPNET_S(5), t0);
	capnet_park(client, c2, CAPNET_PARK_CONNECT, CAPNET_INSTANT_NEVER, t0, &t);
	r = cap_host_wait_ticket(w.sim, client, t, t0 + CAPNET_S(30));
	rc = cap_world_ready(&w, client, c2);
	enum capnet_tcp_close_reason why_connect = cap_proof_tcp_status(client, c2).tcp.close_reason;
	const struct wire_seg *sy[4] = {0};
	idx = 0;
	size_t nsyn = 0;
	for (const struct wire_seg *s; (s = wire_tap_find(&tap, ip_c, 0, t0, &idx)) != NULL;)
		if (s->flags == CAPNET_TCP_SYN && nsyn < 4)
			sy[nsyn++] = s;
	proof_check(ctx, sy[nsyn ? nsyn - 1 : 0] ? sy[nsyn - 1]->at : t0,
		    nsyn == 3 && sy[0]->at == t0 + CAPNET_MS(1) && sy[1]->at == t0 + CAPNET_S(1) + CAPNET_MS(1) &&
			    sy[2]->at == t0 + CAPNET_S(3) + CAPNET_MS(1) && sy[0]->seq == sy[2]->seq,
		    "srv's answers lost: the SYN is retransmitted after 1 s and 2 s more (RTO doubling), 3 SYNs with "
		    "one ISN on the wire");
	proof_check(ctx, r.at,
		    r.outcome == CAPNET_OUTCOME_TIMED_OUT && r.err == CAPNET_E_TIMEDOUT && r.at == t0 + CAPNET_S(5) &&
			    rc == (CAPNET_READY_ERROR | CAPNET_READY_HUP),
		    "connect timeout 5 s: %s (%s) at exactly 5 s; socket %s -- no RESET, unlike the refusal",
		    capnet_outcome_name(r.outcome), ERRN(r.err), fmt_ready(rc));
	struct capnet_sockets_stats st;
	capnet_sockets_stats(C->socks, &st);
	proof_check(ctx, cap_world_now(&w),
		    st.completed[CAPNET_OUTCOME_REFUSED] == 1 && st.completed[CAPNET_OUTCOME_TIMED_OUT] == 3,
		    "the client's outcomes are distinct and counted: REFUSED=%llu, TIMED_OUT=%llu (keepalive, user, "
		    "connect)",
		    (unsigned long long)st.completed[CAPNET_OUTCOME_REFUSED],
		    (unsigned long long)st.completed[CAPNET_OUTCOME_TIMED_OUT]);
	proof_check(ctx, cap_world_now(&w),
		    why_keepalive == CAPNET_TCP_CLOSE_KEEPALIVE_TIMEOUT && why_user == CAPNET_TCP_CLOSE_USER_TIMEOUT &&
			    why_refused == CAPNET_TCP_CLOSE_REFUSED && why_connect == CAPNET_TCP_CLOSE_CONNECT_TIMEOUT,
		    "close reasons through TransportStatus, one each: %s, %s, %s, %s",
		    capnet_tcp_close_reason_name(why_keepalive), capnet_tcp_close_reason_name(why_user),
		    capnet_tcp_close_reason_name(why_refused), capnet_tcp_close_reason_name(why_connect));
	blackhole(&w, false);
	capnet_tcpcap_close(client, c2, cap_world_now(&w));
	capnet_tcpcap_close(app, lst2, cap_world_now(&w));
	capnet_tcpcap_close(app, lst, cap_world_now(&w));
	proof_note(ctx, cap_world_now(&w), "the tap saw %llu frames, %zu TCP segments", (unsigned long long)tap.frames,
		   tap.n);
	cap_world_close(&w);
	return 0;
}
