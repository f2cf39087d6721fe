/* Proof transport-status: every field of TransportStatus on a live
 * connection, read by an operator cspace that holds nothing but the view,
 * and checked against the other end's own view of the same connection
 * (sequence numbers, windows, options mirror each other) and against what
 * the applications did (bytes sent, read, left unread). Then the read-only
 * claim: across every read -- of every view, in every cspace, many times --
 * the state fingerprint of both stacks is unchanged and no frame is sent;
 * and a view can act on nothing. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "harness/cap_proof.h"
#include "harness/dhcp4_host.h"

#define PORT 8000
#define UP 3000   /* client -> app */
#define READ 1000 /* of which app reads */
#define DOWN 500  /* app -> client, left unread */

struct reads {
	struct capnet_cspace *op, *client;
	capnet_handle v_conn, v_lst, v_cli;
};

/* Every read the proof makes; returns how many failed. */
static int read_all(const struct reads *r, struct capnet_transport_status *conn, struct capnet_transport_status *lst,
		    struct capnet_transport_status *cli)
{
	int bad = 0;
	bad += capnet_transport_status(r->op, r->v_conn, conn) != CAPNET_OK;
	bad += capnet_transport_status(r->op, r->v_lst, lst) != CAPNET_OK;
	bad += capnet_transport_status(r->client, r->v_cli, cli) != CAPNET_OK;
	return bad;
}

/* A router's ICMP "fragmentation needed" about the connection t (seen
 * from srv), injected into srv's port: it quotes srv's IPv4 header and the
 * first 8 bytes of a segment at SND.UNA (RFC 792, RFC 1191). */
static void inject_frag_needed(struct cap_world *w, const struct capnet_tcp_info *t, capnet_ip4addr router,
			       uint16_t mtu)
{
	uint8_t quote[28];
	struct capnet_ip4_repr qip = {.src = t->local.addr.u.v4, .dst = t->remote.addr.u.v4,
				      .proto = CAPNET_IPPROTO_TCP, .ttl = 64, .payload_len = 20};
	capnet_ip4_emit(&qip, quote);
	capnet_put16(quote + 20, t->local.port);
	capnet_put16(quote + 22, t->remote.port);
	capnet_put32(quote + 24, t->snd_una);
	uint8_t f[14 + 20 + 8 + sizeof quote];
	struct capnet_eth_repr eth = {.dst = {{0x02, 0, 0, 0, 0, 1}}, .src = {{0x02, 0, 0, 0, 0, 0xfe}},
				      .ethertype = CAPNET_ETHERTYPE_IPV4};
	size_t n = capnet_eth_emit(&eth, f);
	struct capnet_ip4_repr ip = {.src = router, .dst = t->local.addr.u.v4, .proto = CAPNET_IPPROTO_ICMP,
				     .ttl = 64, .payload_len = 8 + sizeof quote};
	n += capnet_ip4_emit(&ip, f + n);
	struct capnet_icmp4_repr icmp = {.type = CAPNET_ICMP4_DEST_UNREACH, .code = CAPNET_ICMP4_FRAG_NEEDED,
					 .next_hop_mtu = mtu, .data = quote, .data_len = sizeof quote};
	n += capnet_icmp4_emit(&icmp, f + n);
	capnet_sim_inject(w->sim, w->srv.st.port, f, n);
}

/* The link as the operator's NetworkStatus shows it (a view minted and
 * dropped for the one read). */
static struct capnet_status_link link_of(struct cap_host *h)
{
	struct capnet_status_link l;
	memset(&l, 0, sizeof l);
	capnet_handle st;
	if (capnet_netmgr_mint_status(h->boot, h->nm, &st) == CAPNET_OK) {
		capnet_status_link(h->boot, st, &l);
		capnet_cap_close(h->boot, st);
	}
	return l;
}

int proof_transport_status(struct proof_ctx *ctx)
{
	static struct cap_world w;
	/* Delayed ACKs of at most 40 ms (as Linux): with the default 200 ms
	 * equal to rto_min, a lone segment's ACK can lose the race with its
	 * retransmission timer. */
	struct capnet_tcp_config tcfg;
	memset(&tcfg, 0, sizeof tcfg);
	tcfg.max_sockets = 16;
	tcfg.sndbuf = 16384;
	tcfg.rcvbuf = 16384;
	tcfg.time_wait = CAPNET_S(2);
	tcfg.delayed_ack = CAPNET_MS(40);
	if (cap_world_open(&w, ctx, &tcfg) != 0)
		return 1;
	struct cap_host *S = &w.srv, *C = &w.cli;
	proof_note(ctx, 0, "srv %s and cli %s, 1 ms per cable, 16 KiB rings; seed %llu", fmt_ip4(CAP_PROOF_SRV),
		   fmt_ip4(CAP_PROOF_CLI), (unsigned long long)ctx->seed);
	cap_world_run(&w, CAPNET_MS(10));
	struct capnet_cspace *app, *op;
	struct reads rd;
	capnet_cspace_create(S->sys, "app", &app);
	capnet_cspace_create(S->sys, "operator", &op);
	capnet_cspace_create(C->sys, "client", &rd.client);
	rd.op = op;
	capnet_handle la0, la, ca0, ca, lst, cs, ss, v;
	capnet_netmgr_mint_listen_authority(S->boot, S->nm, PORT, PORT, &la0);
	/* GRANT too, so that app can hand views of its sockets to the operator. */
	capnet_cap_grant(S->boot, la0, app, CAPNET_RIGHT_BIND | CAPNET_RIGHT_GRANT, NULL, &la);
	capnet_netmgr_mint_connect_authority(C->boot, C->nm, CAP_PROOF_SRV, 32, PORT, PORT, &ca0);
	capnet_cap_grant(C->boot, ca0, rd.client, CAPNET_RIGHT_CONNECT, NULL, &ca);

	/* The live connection. */
	capnet_tcpcap_listen(app, la, PORT, 4, &lst);
	capnet_instant t_conn = cap_world_now(&w);
	capnet_tcpcap_connect(rd.client, ca, CAP_PROOF_SRV, PORT, t_conn, &cs);
	capnet_ticket t;
	capnet_park(app, lst, CAPNET_PARK_ACCEPT, CAPNET_INSTANT_NEVER, t_conn, &t);
	ss = cap_host_wait_ticket(w.sim, app, t, t_conn + CAPNET_S(1)).handle;
	static uint8_t up[UP], down[DOWN], buf[UP];
	memset(up, 'u', sizeof up);
	memset(down, 'd', sizeof down);
	size_t n, got;
	capnet_tcpcap_send(rd.client, cs, up, UP, &n, cap_world_now(&w));
	cap_world_run(&w, CAPNET_MS(20));
	capnet_tcpcap_recv(app, ss, buf, READ, &got, cap_world_now(&w));
	capnet_tcpcap_send(app, ss, down, DOWN, &n, cap_world_now(&w));
	capnet_instant t_opts = cap_world_now(&w);
	capnet_tcpcap_set_keepalive(app, ss, true, CAPNET_S(30), CAPNET_S(5), 4, t_opts);
	capnet_tcpcap_set_user_timeout(app, ss, CAPNET_S(20), t_opts);
	cap_world_run(&w, CAPNET_MS(500)); /* every ACK, delayed ones too, has arrived */
	capnet_park(app, lst, CAPNET_PARK_ACCEPT, CAPNET_INSTANT_NEVER, cap_world_now(&w), &t); /* one blocked call */
	proof_note(ctx, cap_world_now(&w),
		   "client sent %d bytes, app read %d and sent %d the client leaves unread; app set keepalive 30 s/5 s/4 "
		   "and a 20 s user timeout; an ACCEPT is parked on the listener",
		   UP, READ, DOWN);

	/* The views: app mints them and grants them, READ only, to the operator. */
	capnet_err e1 = capnet_tcpcap_status(app, ss, &v);
	capnet_err e2 = capnet_cap_grant(app, v, op, CAPNET_RIGHT_READ, NULL, &rd.v_conn);
	capnet_tcpcap_status(app, lst, &v);
	capnet_cap_grant(app, v, op, CAPNET_RIGHT_READ, NULL, &rd.v_lst);
	capnet_tcpcap_status(rd.client, cs, &rd.v_cli);
	struct capnet_cap_info vi;
	capnet_cap_inspect(op, rd.v_conn, &vi);
	proof_check(ctx, cap_world_now(&w),
		    e1 == CAPNET_OK && e2 == CAPNET_OK && vi.type == CAPNET_CAP_TRANSPORT_STATUS &&
			    vi.rights == CAPNET_RIGHT_READ,
		    "operator holds TransportStatus views (rights READ) of app's connection and listener");

	struct capnet_transport_status a, l, c;
	int bad = read_all(&rd, &a, &l, &c);
	capnet_instant now = cap_world_now(&w);
	const struct capnet_tcp_info *i = &a.tcp, *k = &c.tcp;

	proof_check(ctx, now,
		    bad == 0 && i->state == CAPNET_TCP_ESTABLISHED && !i->listener &&
			    i->local.addr.u.v4 == CAP_PROOF_SRV && i->local.port == PORT &&
			    i->remote.addr.u.v4 == CAP_PROOF_CLI && i->remote.port == k->local.port &&
			    k->remote.port == PORT,
		    "state %s, local %s, remote %s (the client's own local endpoint)", capnet_tcp_state_name(i->state),
		    fmt_endpoint4(&i->local), fmt_endpoint4(&i->remote));
	proof_check(ctx, now,
		    i->rcvq_bytes == UP - READ && i->sndq_bytes == 0 && i->ooo_bytes == 0 && k->rcvq_bytes == DOWN &&
			    i->sndq_capacity == 16384 && i->rcvq_capacity == 16384,
		    "queues: rcvq %u of %u (sent %d, read %d), sndq %u of %u (all acknowledged), out of order %u; the "
		    "client holds %u unread",
		    i->rcvq_bytes, i->rcvq_capacity, UP, READ, i->sndq_bytes, i->sndq_capacity, i->ooo_bytes,
		    k->rcvq_bytes);
	proof_check(ctx, now, i->may_send && i->may_recv && i->can_send && i->can_recv,
		    "may_send, may_recv, can_send, can_recv all true");
	proof_check(ctx, now,
		    i->iss == k->irs && i->irs == k->iss && i->snd_nxt == i->iss + 1 + DOWN && i->snd_una == i->snd_nxt &&
			    i->rcv_nxt == i->irs + 1 + UP && k->snd_nxt == i->rcv_nxt && k->rcv_nxt == i->snd_nxt,
		    "sequence space: iss %u = client's irs, irs %u = client's iss; snd_nxt = iss+1+%d = snd_una; rcv_nxt "
		    "= irs+1+%d = client's snd_nxt",
		    i->iss, i->irs, DOWN, UP);
	proof_check(ctx, now,
		    i->rcv_wnd == i->rcvq_capacity - UP && k->snd_wnd == i->rcv_wnd && i->snd_wnd == k->rcv_wnd &&
			    k->rcv_wnd == k->rcvq_capacity - DOWN,
		    "windows: rcv_wnd %u = the client's snd_wnd (as last advertised: the %d bytes read reopen less than "
		    "half the ring, so no update yet, RFC 9293 3.8.6.2.2); snd_wnd %u = the client's rcv_wnd",
		    i->rcv_wnd, READ, i->snd_wnd);
	proof_check(ctx, now,
		    i->mss == 1448 && i->peer_mss == 1460 && k->peer_mss == 1460 && i->snd_wscale == k->rcv_wscale &&
			    i->rcv_wscale == k->snd_wscale && i->sack && k->sack && i->timestamps && k->timestamps,
		    "negotiated: MSS %u (peer's %u less 12 bytes of timestamps), window scale %u/%u mirrored, SACK, "
		    "timestamps",
		    i->mss, i->peer_mss, i->snd_wscale, i->rcv_wscale);
	struct capnet_status_link link0 = link_of(S);
	proof_check(ctx, now,
		    i->path_mtu == 1500 && i->mtu_source == CAPNET_MTU_DEFAULT && link0.mtu == 1500 &&
			    link0.mtu_source == CAPNET_MTU_DEFAULT && link0.link_mtu == 1500,
		    "MTU beside the MSS: TransportStatus MTU %u (%s); NetworkStatus says the same: mtu %u (%s), the "
		    "link carries %u",
		    i->path_mtu, capnet_mtu_source_name(i->mtu_source), link0.mtu, capnet_mtu_source_name(link0.mtu_source),
		    link0.link_mtu);
	proof_check(ctx, now,
		    i->opts.keepalive && i->opts.keepalive_idle == CAPNET_S(30) && i->opts.keepalive_interval == CAPNET_S(5) &&
			    i->opts.keepalive_probes == 4 && i->opts.user_timeout == CAPNET_S(20) && !i->opts.nodelay &&
			    i->opts.sndbuf == 16384 && i->opts.rcvbuf == 16384 && !k->opts.keepalive,
		    "options: keepalive %s s/%s s/%u probes, user timeout %s s, nodelay off, buffers %u/%u; the client's "
		    "keepalive off",
		    fmt_time(i->opts.keepalive_idle), fmt_time(i->opts.keepalive_interval), i->opts.keepalive_probes,
		    fmt_time(i->opts.user_timeout), i->opts.sndbuf, i->opts.rcvbuf);
	proof_check(ctx, now,
		    i->srtt >= CAPNET_MS(2) && i->srtt < CAPNET_MS(250) && i->rttvar > 0 && i->rto >= CAPNET_MS(200) &&
			    i->rto <= CAPNET_S(1),
		    "RTT: srtt %lld us (the path is 2 ms; delayed ACKs add), rttvar %lld us, rto %lld ms",
		    (long long)i->srtt, (long long)i->rttvar, (long long)(i->rto / 1000));
	proof_check(ctx, now,
		    i->cc == k->cc && strcmp(i->cc_name, k->cc_name) == 0 && i->cwnd >= 1448 && i->ssthresh > 0 &&
			    !i->in_recovery,
		    "congestion control %s: cwnd %u, ssthresh %u, not in recovery", i->cc_name, i->cwnd, i->ssthresh);
	proof_check(ctx, now,
		    i->bytes_sent == DOWN && i->bytes_acked == DOWN && i->bytes_received == UP && k->bytes_sent == UP &&
			    i->segs_out == k->segs_in && i->segs_in + 1 == k->segs_out && i->retransmits == 0 &&
			    i->rto_count == 0 && i->fast_retransmits == 0 && i->backoff == 0 && i->keepalive_probes_sent == 0,
		    "counters: %llu bytes sent and acknowledged, %llu received; %u segments out = client's in (%u), %u "
		    "in = client's out (%u) less the SYN the listener took; 0 retransmissions, RTOs, fast retransmits, "
		    "backoff, probes",
		    (unsigned long long)i->bytes_sent, (unsigned long long)i->bytes_received, i->segs_out, k->segs_in,
		    i->segs_in, k->segs_out);
	proof_check(ctx, now, i->error == CAPNET_OK && i->next_deadline == t_opts + CAPNET_S(30),
		    "no error (%s); next timer %s s: keepalive, 30 s after it was set", ERRN(i->error),
		    fmt_time(i->next_deadline));
	proof_check(ctx, now,
		    a.events == (CAPNET_TCP_EV_READABLE | CAPNET_TCP_EV_WRITABLE | CAPNET_TCP_EV_CONNECTED) &&
			    a.parked == 0 && a.owner_cspace == capnet_cspace_id(app) &&
			    a.authority == CAPNET_CAP_TCP_LISTENER,
		    "events READABLE|WRITABLE|CONNECTED, %u parked, opened by cspace %u \"app\" through a %s", a.parked,
		    a.owner_cspace, capnet_cap_type_name(a.authority));
	proof_check(ctx, now,
		    l.tcp.listener && l.tcp.state == CAPNET_TCP_LISTEN && l.tcp.local.port == PORT &&
			    l.tcp.backlog_limit == 4 && l.tcp.accept_queue == 0 && l.tcp.syn_queue == 0 &&
			    l.tcp.syn_queue_limit > 0 && l.parked == 1 && l.events == 0 &&
			    l.authority == CAPNET_CAP_TCP_LISTEN_AUTHORITY,
		    "listener: %s *:%u, backlog %u (accept queue %u, half-open %u of %u), %u parked ACCEPT, through a %s",
		    capnet_tcp_state_name(l.tcp.state), l.tcp.local.port, l.tcp.backlog_limit, l.tcp.accept_queue,
		    l.tcp.syn_queue, l.tcp.syn_queue_limit, l.parked, capnet_cap_type_name(l.authority));

	/* Read-only: many reads, nothing moves. */
	uint64_t fs = capnet_net_fingerprint(S->net), fc = capnet_net_fingerprint(C->net);
	uint64_t txs = cap_host_tx_frames(S), txc = cap_host_tx_frames(C);
	int reads = 0;
	for (int j = 0; j < 100; j++) {
		bad += read_all(&rd, &a, &l, &c);
		reads += 3;
	}
	proof_check(ctx, cap_world_now(&w),
		    bad == 0 && capnet_net_fingerprint(S->net) == fs && capnet_net_fingerprint(C->net) == fc &&
			    cap_host_tx_frames(S) == txs && cap_host_tx_frames(C) == txc,
		    "%d reads across 3 views in 2 cspaces: fingerprints %016llx / %016llx unchanged, 0 frames emitted",
		    reads, (unsigned long long)fs, (unsigned long long)fc);
	capnet_err s1 = capnet_tcpcap_send(op, rd.v_conn, "x", 1, &n, cap_world_now(&w));
	capnet_err s2 = capnet_tcpcap_shutdown(op, rd.v_conn, cap_world_now(&w));
	capnet_err s3 = capnet_tcpcap_set_keepalive(op, rd.v_conn, false, 0, 0, 0, cap_world_now(&w));
	capnet_err s4 = capnet_cap_grant(op, rd.v_conn, op, CAPNET_RIGHT_READ, NULL, &v);
	proof_check(ctx, cap_world_now(&w),
		    s1 == CAPNET_E_WRONGTYPE && s2 == CAPNET_E_WRONGTYPE && s3 == CAPNET_E_WRONGTYPE && s4 == CAPNET_E_RIGHTS &&
			    capnet_net_fingerprint(S->net) == fs && cap_host_tx_frames(S) == txs,
		    "a view acts on nothing: send %s, shutdown %s, set keepalive %s, re-grant %s; still unchanged, 0 "
		    "frames (operator audit %s)",
		    ERRN(s1), ERRN(s2), ERRN(s3), ERRN(s4), fmt_audit(op));

	/* The operator's NetworkManager sets a static MTU: the connection's
	 * send MSS follows at once, and both views say where it came from. */
	capnet_err em = capnet_netmgr_set_mtu(S->boot, S->nm, 1400, cap_world_now(&w));
	capnet_transport_status(op, rd.v_conn, &a);
	struct capnet_status_link link1 = link_of(S);
	proof_check(ctx, cap_world_now(&w),
		    em == CAPNET_OK && a.tcp.path_mtu == 1400 && a.tcp.mtu_source == CAPNET_MTU_STATIC &&
			    a.tcp.mss == 1400 - 40 - 12 && link1.mtu == 1400 && link1.mtu_source == CAPNET_MTU_STATIC &&
			    link1.link_mtu == 1500,
		    "boot's NetworkManager sets a static MTU of 1400: TransportStatus MTU %u (%s), MSS %u (1400 less "
		    "40 of headers and 12 of timestamps); NetworkStatus mtu %u (%s)",
		    a.tcp.path_mtu, capnet_mtu_source_name(a.tcp.mtu_source), a.tcp.mss, link1.mtu,
		    capnet_mtu_source_name(link1.mtu_source));
	capnet_netmgr_set_mtu(S->boot, S->nm, 0, cap_world_now(&w));

	/* A router on the path says 1300 (RFC 1191): the connection's own MTU,
	 * not the interface's. */
	capnet_transport_status(op, rd.v_conn, &a);
	inject_frag_needed(&w, &a.tcp, CAPNET_IP4(192, 0, 2, 254), 1300);
	cap_world_run(&w, CAPNET_MS(1));
	capnet_transport_status(op, rd.v_conn, &a);
	struct capnet_status_link link2 = link_of(S);
	proof_check(ctx, cap_world_now(&w),
		    a.tcp.path_mtu == 1300 && a.tcp.mtu_source == CAPNET_MTU_PATH && a.tcp.mss == 1300 - 40 - 12 &&
			    link2.mtu == 1500 && link2.mtu_source == CAPNET_MTU_DEFAULT,
		    "static MTU withdrawn, then an ICMP fragmentation-needed from 192.0.2.254 reports 1300: "
		    "TransportStatus MTU %u (%s), MSS %u; the interface stays at %u (%s) in NetworkStatus",
		    a.tcp.path_mtu, capnet_mtu_source_name(a.tcp.mtu_source), a.tcp.mss, link2.mtu,
		    capnet_mtu_source_name(link2.mtu_source));

	/* The view outlives nothing. */
	capnet_tcpcap_close(app, ss, cap_world_now(&w));
	capnet_err ec = capnet_transport_status(op, rd.v_conn, &a);
	proof_check(ctx, cap_world_now(&w), ec == CAPNET_E_CLOSED,
		    "app closes its socket: the operator's view answers %s (it never kept the socket open)", ERRN(ec));
	capnet_tcpcap_close(rd.client, cs, cap_world_now(&w));
	capnet_tcpcap_close(app, lst, cap_world_now(&w));
	cap_world_close(&w);
	return 0;
}
