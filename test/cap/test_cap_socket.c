/* TCP and UDP served through caps, on two real stacks over the simulator's
 * switch: authority scopes, listen/accept/connect, parked calls and their
 * typed outcomes (each exactly once), revocation ending sockets,
 * TransportStatus proven read-only, and UDP scope on send and receive.
 * Every outcome is asserted from the real TCP/UDP state. */
#include <stdlib.h>
#include <string.h>

#include "capnet/cap.h"
#include "capnet/ip6.h"
#include "check_main.h"
#include "harness/cap_host.h"
#include "support/cap_pair.h"
#include "sim/sim.h"


static struct capnet_sim *sim;
static struct cap_host srv, cli;
static const capnet_ip4addr ip_srv = CAP_PAIR_SRV, ip_cli = CAP_PAIR_CLI,
			    ip_nobody = CAPNET_IP4(192, 0, 2, 99);

static capnet_instant now(void)
{
	return capnet_sim_now(sim);
}

static void run_ms(int64_t ms)
{
	capnet_sim_run_until(sim, now() + CAPNET_MS(ms));
}

static void setup(void)
{
	struct capnet_tcp_config tcfg = {.max_sockets = 8, .sndbuf = 4096, .rcvbuf = 4096, .time_wait = CAPNET_S(1)};
	struct cap_host_config cfg = {.tcp = &tcfg};
	sim = cap_pair_open(&srv, &cli, &cfg);
}

static void teardown(void)
{
	cap_pair_close(sim, &srv, &cli);
}

static void authorities(struct cap_pair_conn *p, uint16_t port)
{
	cap_pair_authorities(&srv, &cli, p, port);
}

static void connected(struct cap_pair_conn *p, uint16_t port)
{
	cap_pair_connected(sim, &srv, &cli, p, port);
}

START_TEST(test_listener_roundtrip_with_only_a_listen_authority)
{
	struct cap_pair_conn p;
	authorities(&p, 8080);
	capnet_handle x;
	/* What the app cannot do with a listen authority for 8080 alone. */
	ck_assert_int_eq(capnet_tcpcap_listen(p.app, p.la, 8081, 4, &x), CAPNET_E_SCOPE);
	ck_assert_int_eq(capnet_udpcap_bind(p.app, p.la, 8080, &x), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_tcpcap_connect(p.app, p.la, ip_cli, 8080, now(), &x), CAPNET_E_WRONGTYPE);
	struct capnet_netmgr_config cfg;
	ck_assert_int_eq(capnet_netmgr_get_config(p.app, p.la, &cfg), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_cap_grant(p.app, p.la, p.app, CAPNET_RIGHT_BIND, NULL, &x), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_netmgr_get_config(p.app, srv.nm, &cfg), CAPNET_E_BADHANDLE); /* boot's, copied */
	ck_assert_int_eq(capnet_tcpcap_connect(p.cl, p.ca, ip_srv, 22, now(), &x), CAPNET_E_SCOPE);

	ck_assert_int_eq(capnet_tcpcap_listen(p.app, p.la, 8080, 4, &p.listener), CAPNET_OK);
	ck_assert_int_eq(capnet_tcpcap_connect(p.cl, p.ca, ip_srv, 8080, now(), &p.csock), CAPNET_OK);
	capnet_ticket tc, ta, tr;
	ck_assert_int_eq(capnet_park(p.cl, p.csock, CAPNET_PARK_CONNECT, now() + CAPNET_S(2), now(), &tc), CAPNET_OK);
	ck_assert_int_eq(capnet_park(p.app, p.listener, CAPNET_PARK_ACCEPT, CAPNET_INSTANT_NEVER, now(), &ta),
			 CAPNET_OK);
	ck_assert_int_eq(cap_pair_wait(sim, p.cl, tc, 1000).outcome, CAPNET_OUTCOME_COMPLETED);
	struct capnet_park_result ra = cap_pair_wait(sim, p.app, ta, 1000);
	ck_assert_int_eq(ra.outcome, CAPNET_OUTCOME_COMPLETED);
	p.ssock = ra.handle;
	struct capnet_cap_info info;
	ck_assert_int_eq(capnet_cap_inspect(p.app, p.ssock, &info), CAPNET_OK);
	ck_assert_int_eq(info.type, CAPNET_CAP_TCP_SOCKET);
	ck_assert_int_eq(info.parent_type, CAPNET_CAP_TCP_LISTENER);
	ck_assert_uint_eq(info.rights & CAPNET_RIGHT_GRANT, 0); /* the authority had no GRANT */

	/* request / response */
	size_t n;
	char buf[32];
	ck_assert_int_eq(capnet_tcpcap_send(p.cl, p.csock, "ping", 4, &n, now()), CAPNET_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(capnet_park(p.app, p.ssock, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now(), &tr), CAPNET_OK);
	ck_assert_int_eq(cap_pair_wait(sim, p.app, tr, 1000).outcome, CAPNET_OUTCOME_COMPLETED);
	ck_assert_int_eq(capnet_tcpcap_recv(p.app, p.ssock, buf, sizeof buf, &n, now()), CAPNET_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_mem_eq(buf, "ping", 4);
	ck_assert_int_eq(capnet_tcpcap_send(p.app, p.ssock, "pong", 4, &n, now()), CAPNET_OK);
	ck_assert_int_eq(capnet_park(p.cl, p.csock, CAPNET_PARK_RECV, now() + CAPNET_S(1), now(), &tr), CAPNET_OK);
	ck_assert_int_eq(cap_pair_wait(sim, p.cl, tr, 1000).outcome, CAPNET_OUTCOME_COMPLETED);
	ck_assert_int_eq(capnet_tcpcap_recv(p.cl, p.csock, buf, sizeof buf, &n, now()), CAPNET_OK);
	ck_assert_mem_eq(buf, "pong", 4);

	/* The client's socket cannot reach elsewhere, nor listen. */
	ck_assert_int_eq(capnet_tcpcap_listen(p.cl, p.csock, 9000, 1, &x), CAPNET_E_WRONGTYPE);

	/* Close: the handles go stale, the peer sees the FIN. */
	ck_assert_int_eq(capnet_tcpcap_close(p.cl, p.csock, now()), CAPNET_OK);
	ck_assert_int_eq(capnet_tcpcap_send(p.cl, p.csock, "x", 1, &n, now()), CAPNET_E_BADHANDLE);
	run_ms(50);
	unsigned ev;
	ck_assert_int_eq(capnet_tcpcap_events(p.app, p.ssock, &ev), CAPNET_OK);
	ck_assert(ev & CAPNET_TCP_EV_CLOSED);
	ck_assert_int_eq(capnet_tcpcap_close(p.app, p.ssock, now()), CAPNET_OK);
	ck_assert_int_eq(capnet_tcpcap_recv(p.app, p.ssock, buf, sizeof buf, &n, now()), CAPNET_E_BADHANDLE);

	ck_assert_uint_eq(cap_host_rejected(p.app, CAPNET_AUDIT_SCOPE), 1);
	ck_assert_uint_eq(cap_host_rejected(p.app, CAPNET_AUDIT_WRONGTYPE), 3);
	ck_assert_uint_eq(cap_host_rejected(p.app, CAPNET_AUDIT_RIGHTS), 1);
	ck_assert_uint_eq(cap_host_rejected(p.app, CAPNET_AUDIT_BADHANDLE), 2);
	ck_assert_uint_eq(cap_host_rejected(p.cl, CAPNET_AUDIT_SCOPE), 1);
	ck_assert_uint_eq(cap_host_rejected(p.cl, CAPNET_AUDIT_WRONGTYPE), 1);
	ck_assert_uint_eq(cap_host_rejected(p.cl, CAPNET_AUDIT_BADHANDLE), 1);
}
END_TEST

START_TEST(test_connect_refused_and_timed_out_are_distinct)
{
	capnet_handle ca, s1, s2;
	ck_assert_int_eq(capnet_netmgr_mint_connect_authority(cli.boot, cli.nm, ip_srv, 24, 1, 65535, &ca), CAPNET_OK);
	/* Nobody listens on 9: the server answers RST. */
	capnet_ticket t1, t2;
	ck_assert_int_eq(capnet_tcpcap_connect(cli.boot, ca, ip_srv, 9, now(), &s1), CAPNET_OK);
	ck_assert_int_eq(capnet_park(cli.boot, s1, CAPNET_PARK_CONNECT, now() + CAPNET_S(5), now(), &t1), CAPNET_OK);
	struct capnet_park_result r1 = cap_pair_wait(sim, cli.boot, t1, 1000);
	ck_assert_int_eq(r1.outcome, CAPNET_OUTCOME_REFUSED);
	ck_assert_int_eq(r1.err, CAPNET_E_REFUSED);
	/* Nobody is at .99: ARP never resolves; the deadline ends the wait. */
	ck_assert_int_eq(capnet_tcpcap_connect(cli.boot, ca, ip_nobody, 80, now(), &s2), CAPNET_OK);
	capnet_instant deadline = now() + CAPNET_MS(500);
	ck_assert_int_eq(capnet_park(cli.boot, s2, CAPNET_PARK_CONNECT, deadline, now(), &t2), CAPNET_OK);
	struct capnet_park_result r2 = cap_pair_wait(sim, cli.boot, t2, 1000);
	ck_assert_int_eq(r2.outcome, CAPNET_OUTCOME_TIMED_OUT);
	ck_assert_int_eq(r2.at, deadline);
	/* The authority's scope still holds: another network is refused by the cap. */
	ck_assert_int_eq(capnet_tcpcap_connect(cli.boot, ca, CAPNET_IP4(198, 51, 100, 1), 80, now(), &s2),
			 CAPNET_E_SCOPE);
	struct capnet_sockets_stats st;
	capnet_sockets_stats(cli.socks, &st);
	ck_assert_uint_eq(st.completed[CAPNET_OUTCOME_REFUSED], 1);
	ck_assert_uint_eq(st.completed[CAPNET_OUTCOME_TIMED_OUT], 1);
	ck_assert_uint_eq(st.parked, 0);
}
END_TEST

START_TEST(test_parked_calls_complete_exactly_once)
{
	struct cap_pair_conn p;
	connected(&p, 7000);
	struct capnet_park_result r;
	capnet_ticket t;
	/* A recv deadline. */
	capnet_instant deadline = now() + CAPNET_MS(200);
	ck_assert_int_eq(capnet_park(p.app, p.ssock, CAPNET_PARK_RECV, deadline, now(), &t), CAPNET_OK);
	r = cap_pair_wait(sim, p.app, t, 1000);
	ck_assert_int_eq(r.outcome, CAPNET_OUTCOME_TIMED_OUT);
	ck_assert_int_eq(r.at, deadline);
	ck_assert_int_eq(capnet_park_result(p.app, t, &r), CAPNET_E_BADHANDLE); /* read once */
	/* Cancellation; the outcome stands, nothing is woken twice. */
	ck_assert_int_eq(capnet_park(p.app, p.ssock, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now(), &t), CAPNET_OK);
	ck_assert_int_eq(capnet_park_result(p.app, t, &r), CAPNET_E_AGAIN);
	ck_assert_int_eq(capnet_park_cancel(p.app, t, now()), CAPNET_OK);
	ck_assert_int_eq(capnet_park_cancel(p.app, t, now()), CAPNET_E_STATE);
	size_t n;
	ck_assert_int_eq(capnet_tcpcap_send(p.cl, p.csock, "late", 4, &n, now()), CAPNET_OK);
	run_ms(50); /* data arrives after the cancel: the cancelled call stays cancelled */
	ck_assert_int_eq(capnet_park_result(p.app, t, &r), CAPNET_OK);
	ck_assert_int_eq(r.outcome, CAPNET_OUTCOME_CANCELLED);
	/* Data already there: completes at once. */
	ck_assert_int_eq(capnet_park(p.app, p.ssock, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now(), &t), CAPNET_OK);
	ck_assert_int_eq(capnet_park_result(p.app, t, &r), CAPNET_OK);
	ck_assert_int_eq(r.outcome, CAPNET_OUTCOME_COMPLETED);
	ck_assert_int_eq(capnet_park_cancel(p.app, t, now()), CAPNET_E_BADHANDLE);
	/* Another cspace cannot read or cancel my ticket. */
	struct capnet_cspace *other = cap_pair_cspace(&srv, "other");
	ck_assert_int_eq(capnet_park(p.app, p.listener, CAPNET_PARK_ACCEPT, CAPNET_INSTANT_NEVER, now(), &t), CAPNET_OK);
	ck_assert_int_eq(capnet_park_result(other, t, &r), CAPNET_E_BADHANDLE);
	ck_assert_int_eq(capnet_park_cancel(other, t, now()), CAPNET_E_BADHANDLE);
	/* Closing the handle completes what is parked on it, CLOSED, at once. */
	capnet_ticket ts;
	char buf[8];
	ck_assert_int_eq(capnet_tcpcap_recv(p.app, p.ssock, buf, sizeof buf, &n, now()), CAPNET_OK);
	ck_assert_int_eq(capnet_park(p.app, p.ssock, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now(), &ts), CAPNET_OK);
	ck_assert_int_eq(capnet_tcpcap_close(p.app, p.ssock, now()), CAPNET_OK);
	ck_assert_int_eq(capnet_park_result(p.app, ts, &r), CAPNET_OK);
	ck_assert_int_eq(r.outcome, CAPNET_OUTCOME_CLOSED);
	ck_assert_int_eq(capnet_tcpcap_close(p.app, p.listener, now()), CAPNET_OK);
	ck_assert_int_eq(capnet_park_result(p.app, t, &r), CAPNET_OK);
	ck_assert_int_eq(r.outcome, CAPNET_OUTCOME_CLOSED);
	/* Wrong interface; missing right. */
	ck_assert_int_eq(capnet_park(p.cl, p.ca, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now(), &t), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_park(p.cl, p.csock, CAPNET_PARK_ACCEPT, CAPNET_INSTANT_NEVER, now(), &t),
			 CAPNET_E_WRONGTYPE);
	capnet_handle ro;
	ck_assert_int_eq(capnet_cap_attenuate(p.cl, p.csock, CAPNET_RIGHT_READ, NULL), CAPNET_OK);
	ck_assert_int_eq(capnet_park(p.cl, p.csock, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now(), &t), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_tcpcap_send(p.cl, p.csock, "x", 1, &n, now()), CAPNET_E_RIGHTS);
	ck_assert_int_eq(capnet_tcpcap_status(p.cl, p.csock, &ro), CAPNET_OK);
	struct capnet_sockets_stats st;
	capnet_sockets_stats(srv.socks, &st);
	ck_assert_uint_eq(st.parked, 0);
	ck_assert_uint_eq(st.completed[CAPNET_OUTCOME_TIMED_OUT], 1);
	ck_assert_uint_eq(st.completed[CAPNET_OUTCOME_CANCELLED], 1);
	ck_assert_uint_eq(st.completed[CAPNET_OUTCOME_CLOSED], 2);
	ck_assert_uint_eq(st.completed[CAPNET_OUTCOME_COMPLETED], 2); /* the accept, the ready recv */
}
END_TEST

START_TEST(test_revoking_the_authority_ends_listener_and_connections)
{
	struct cap_pair_conn p;
	connected(&p, 8443);
	capnet_ticket t;
	ck_assert_int_eq(capnet_park(p.app, p.ssock, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now(), &t), CAPNET_OK);
	/* Boot withdraws every authority its NetworkManager minted. */
	ck_assert_int_eq(capnet_cap_revoke_derived(srv.boot, srv.nm), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_check(p.app, p.la, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_cap_check(p.app, p.listener, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_REVOKED);
	ck_assert_int_eq(capnet_cap_check(p.app, p.ssock, CAPNET_CAP_NONE, 0, NULL, NULL), CAPNET_E_REVOKED);
	struct capnet_park_result r;
	ck_assert_int_eq(capnet_park_result(p.app, t, &r), CAPNET_OK);
	ck_assert_int_eq(r.outcome, CAPNET_OUTCOME_CLOSED);
	/* The sockets close at the next poll: the client sees the end, and the
	 * port no longer listens. */
	run_ms(100);
	unsigned ev;
	ck_assert_int_eq(capnet_tcpcap_events(p.cl, p.csock, &ev), CAPNET_OK);
	ck_assert(ev & (CAPNET_TCP_EV_CLOSED | CAPNET_TCP_EV_RESET));
	capnet_handle s2;
	ck_assert_int_eq(capnet_tcpcap_connect(p.cl, p.ca, ip_srv, 8443, now(), &s2), CAPNET_OK);
	ck_assert_int_eq(capnet_park(p.cl, s2, CAPNET_PARK_CONNECT, now() + CAPNET_S(2), now(), &t), CAPNET_OK);
	ck_assert_int_eq(cap_pair_wait(sim, p.cl, t, 1000).outcome, CAPNET_OUTCOME_REFUSED);
	struct capnet_sockets_stats st;
	capnet_sockets_stats(srv.socks, &st);
	ck_assert_uint_eq(st.sockets_in_use, 0);
	ck_assert_uint_eq(st.closes_deferred, 2);
}
END_TEST

START_TEST(test_transport_status_is_read_only)
{
	struct cap_pair_conn p;
	connected(&p, 8000);
	size_t n;
	ck_assert_int_eq(capnet_tcpcap_send(p.cl, p.csock, "abc", 3, &n, now()), CAPNET_OK);
	run_ms(50);
	ck_assert_int_eq(capnet_tcpcap_set_keepalive(p.app, p.ssock, true, CAPNET_S(30), CAPNET_S(5), 3, now()),
			 CAPNET_OK);
	capnet_handle v, ov;
	struct capnet_cspace *op = cap_pair_cspace(&srv, "operator");
	ck_assert_int_eq(capnet_tcpcap_status(p.app, p.ssock, &v), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(p.app, v, op, CAPNET_RIGHT_READ, NULL, &ov), CAPNET_E_RIGHTS); /* no GRANT */
	capnet_handle la_op, lst_op, sock_op;
	/* An operator with its own listener, granting views onward. */
	ck_assert_int_eq(capnet_netmgr_mint_listen_authority(srv.boot, srv.nm, 9000, 9000, &la_op), CAPNET_OK);
	ck_assert_int_eq(capnet_tcpcap_listen(srv.boot, la_op, 9000, 1, &lst_op), CAPNET_OK);
	ck_assert_int_eq(capnet_tcpcap_status(srv.boot, lst_op, &sock_op), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(srv.boot, sock_op, op, CAPNET_RIGHT_READ, NULL, &ov), CAPNET_OK);

	uint64_t fp0 = capnet_net_fingerprint(srv.net);
	uint64_t tx0 = capnet_sim_port_stats(sim, srv.st.port)->tx_frames;
	struct capnet_transport_status ts;
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(capnet_transport_status(p.app, v, &ts), CAPNET_OK);
		ck_assert_int_eq(capnet_transport_status(op, ov, &ts), CAPNET_OK);
	}
	ck_assert_uint_eq(capnet_net_fingerprint(srv.net), fp0);
	ck_assert_uint_eq(capnet_sim_port_stats(sim, srv.st.port)->tx_frames, tx0);

	ck_assert_int_eq(capnet_transport_status(p.app, v, &ts), CAPNET_OK);
	ck_assert_int_eq(ts.tcp.state, CAPNET_TCP_ESTABLISHED);
	ck_assert_uint_eq(ts.tcp.local.port, 8000);
	ck_assert_uint_eq(ts.tcp.remote.addr.u.v4, ip_cli);
	ck_assert_uint_eq(ts.tcp.rcvq_bytes, 3);
	ck_assert(ts.tcp.mss > 0);
	ck_assert(ts.tcp.opts.keepalive);
	ck_assert_int_eq(ts.tcp.opts.keepalive_idle, CAPNET_S(30));
	ck_assert(ts.events & CAPNET_TCP_EV_READABLE);
	ck_assert_uint_eq(ts.owner_cspace, capnet_cspace_id(p.app));
	ck_assert_int_eq(ts.authority, CAPNET_CAP_TCP_LISTENER);
	ck_assert_int_eq(capnet_transport_status(op, ov, &ts), CAPNET_OK);
	ck_assert(ts.tcp.listener);
	ck_assert_uint_eq(ts.tcp.local.port, 9000);

	/* A view acts on nothing. */
	ck_assert_int_eq(capnet_tcpcap_send(op, ov, "x", 1, &n, now()), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_tcpcap_close(op, ov, now()), CAPNET_OK); /* dropping it is always allowed */
	ck_assert_int_eq(capnet_tcpcap_events(p.app, v, NULL), CAPNET_E_WRONGTYPE);
	/* A view does not keep the socket: once it closes, the view says so. */
	ck_assert_int_eq(capnet_tcpcap_close(p.app, p.ssock, now()), CAPNET_OK);
	ck_assert_int_eq(capnet_transport_status(p.app, v, &ts), CAPNET_E_CLOSED);
	ck_assert_uint_eq(cap_host_rejected(op, CAPNET_AUDIT_WRONGTYPE), 1);
	ck_assert_uint_eq(cap_host_rejected(p.app, CAPNET_AUDIT_RIGHTS), 1);
}
END_TEST

START_TEST(test_udp_socket_within_its_scope)
{
	struct capnet_cspace *stub = cap_pair_cspace(&cli, "stub");
	capnet_handle sa, ca, ss, cs2, x;
	struct capnet_scope any = capnet_scope_full();
	ck_assert_int_eq(capnet_netmgr_mint_udp(srv.boot, srv.nm, 53, 54, &any, &sa), CAPNET_OK);
	struct capnet_scope only_srv = capnet_scope_remote(ip_srv, 32, 53, 53);
	ck_assert_int_eq(capnet_netmgr_mint_udp(cli.boot, cli.nm, 5000, 5099, &only_srv, &ca), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(cli.boot, ca, stub, capnet_cap_type_rights(CAPNET_CAP_UDP_SOCKET), NULL, &ca),
			 CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_bind(srv.boot, sa, 53, &ss), CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_bind(stub, ca, 6000, &x), CAPNET_E_SCOPE);
	ck_assert_int_eq(capnet_udpcap_bind(stub, ca, 5000, &cs2), CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_bind(stub, cs2, 5001, &x), CAPNET_E_RIGHTS); /* bound: no BIND */
	ck_assert_int_eq(capnet_udpcap_send_to(stub, ca, ip_srv, 53, "q", 1, now()), CAPNET_E_STATE); /* unbound */
	ck_assert_int_eq(capnet_udpcap_send_to(stub, cs2, ip_srv, 54, "q", 1, now()), CAPNET_E_SCOPE);
	ck_assert_int_eq(capnet_udpcap_send_to(stub, cs2, ip_nobody, 53, "q", 1, now()), CAPNET_E_SCOPE);
	ck_assert_int_eq(capnet_udpcap_send_to(stub, cs2, ip_srv, 53, "q", 1, now()), CAPNET_OK);
	capnet_ticket t;
	ck_assert_int_eq(capnet_park(srv.boot, ss, CAPNET_PARK_RECV, now() + CAPNET_S(1), now(), &t), CAPNET_OK);
	ck_assert_int_eq(cap_pair_wait(sim, srv.boot, t, 1000).outcome, CAPNET_OUTCOME_COMPLETED);
	char buf[16];
	size_t len;
	struct capnet_udp_meta m;
	ck_assert_int_eq(capnet_udpcap_recv_from(srv.boot, ss, buf, sizeof buf, &len, &m), CAPNET_OK);
	ck_assert_uint_eq(len, 1);
	ck_assert_uint_eq(m.src, ip_cli);
	ck_assert_uint_eq(m.src_port, 5000);
	/* A datagram from port 54 is outside the stub's scope: dropped, counted. */
	capnet_handle s54;
	ck_assert_int_eq(capnet_udpcap_bind(srv.boot, sa, 54, &s54), CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_send_to(srv.boot, s54, ip_cli, 5000, "spoof", 5, now()), CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_send_to(srv.boot, ss, ip_cli, 5000, "answer", 6, now()), CAPNET_OK);
	run_ms(20);
	ck_assert_int_eq(capnet_udpcap_recv_from(stub, cs2, buf, sizeof buf, &len, &m), CAPNET_OK);
	ck_assert_uint_eq(len, 6);
	ck_assert_mem_eq(buf, "answer", 6);
	uint64_t dropped;
	ck_assert_int_eq(capnet_udpcap_scope_dropped(stub, cs2, &dropped), CAPNET_OK);
	ck_assert_uint_eq(dropped, 1);
	ck_assert_int_eq(capnet_udpcap_recv_from(stub, cs2, buf, sizeof buf, &len, &m), CAPNET_E_AGAIN);
	/* The socket ends with its last cap. */
	ck_assert_uint_eq(capnet_udp_sockets_open(cli.udp), 1);
	ck_assert_int_eq(capnet_cap_close(stub, cs2), CAPNET_OK);
	ck_assert_uint_eq(capnet_udp_sockets_open(cli.udp), 0);
	ck_assert_int_eq(capnet_udpcap_recv_from(stub, cs2, buf, sizeof buf, &len, &m), CAPNET_E_BADHANDLE);
}
END_TEST

/* Over IPv6 the same UdpSocket serves both families: a datagram from an
 * IPv6 peer is received with its sender as a capnet_ipaddr and answered
 * with send_to_addr; an IPv4-prefixed remote scope does not cover IPv6. */
START_TEST(test_udp_socket_over_ipv6)
{
	cap_pair_close(sim, &srv, &cli);
	struct capnet_stack_config scfg = {0};
	scfg.iface.ip6.enable = true;
	scfg.iface.ip6.no_slaac = true;
	struct cap_host_config cfg = {.stack = &scfg};
	sim = cap_pair_open(&srv, &cli, &cfg);
	struct capnet_ipaddr a_srv = {.af = CAPNET_AF_INET6}, a_cli = {.af = CAPNET_AF_INET6};
	a_srv.u.v6 = (struct capnet_ip6addr){{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	a_cli.u.v6 = (struct capnet_ip6addr){{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
	ck_assert_int_eq(capnet_ip6_addr_add(srv.st.ifc, &a_srv.u.v6, 64, CAPNET_PROV_STATIC, now()), CAPNET_OK);
	ck_assert_int_eq(capnet_ip6_addr_add(cli.st.ifc, &a_cli.u.v6, 64, CAPNET_PROV_STATIC, now()), CAPNET_OK);
	run_ms(5000); /* DAD */
	ck_assert(capnet_ip6_is_local(srv.st.ifc, &a_srv.u.v6));
	capnet_handle sa, ca, cs4, ss, cs;
	struct capnet_scope any = capnet_scope_full();
	ck_assert_int_eq(capnet_netmgr_mint_udp(srv.boot, srv.nm, 53, 53, &any, &sa), CAPNET_OK);
	ck_assert_int_eq(capnet_netmgr_mint_udp(cli.boot, cli.nm, 5000, 5001, &any, &ca), CAPNET_OK);
	struct capnet_scope only_srv = capnet_scope_remote(ip_srv, 32, 53, 53);
	capnet_handle ca4;
	ck_assert_int_eq(capnet_netmgr_mint_udp(cli.boot, cli.nm, 5001, 5001, &only_srv, &ca4), CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_bind(srv.boot, sa, 53, &ss), CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_bind(cli.boot, ca, 5000, &cs), CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_bind(cli.boot, ca4, 5001, &cs4), CAPNET_OK);
	ck_assert_int_eq(capnet_udpcap_send_to_addr(cli.boot, cs4, &a_srv, 53, "q", 1, now()), CAPNET_E_SCOPE);
	ck_assert_int_eq(capnet_udpcap_send_to_addr(cli.boot, cs, NULL, 0, "q", 1, now()), CAPNET_E_INVAL);
	ck_assert_int_eq(capnet_udpcap_send_to_addr(cli.boot, cs, &a_srv, 53, "query", 5, now()), CAPNET_OK);
	run_ms(50);
	char buf[16];
	size_t len;
	struct capnet_udp_meta m;
	ck_assert_int_eq(capnet_udpcap_recv_from(srv.boot, ss, buf, sizeof buf, &len, &m), CAPNET_OK);
	ck_assert_uint_eq(len, 5);
	ck_assert(capnet_ipaddr_eq(&m.src_addr, &a_cli));
	ck_assert_uint_eq(m.src, 0);
	ck_assert_uint_eq(m.src_port, 5000);
	ck_assert_int_eq(capnet_udpcap_send_to_addr(srv.boot, ss, &m.src_addr, m.src_port, "answer", 6, now()),
			 CAPNET_OK);
	run_ms(50);
	ck_assert_int_eq(capnet_udpcap_recv_from(cli.boot, cs, buf, sizeof buf, &len, &m), CAPNET_OK);
	ck_assert_uint_eq(len, 6);
	ck_assert_mem_eq(buf, "answer", 6);
	ck_assert(capnet_ipaddr_eq(&m.src_addr, &a_srv));
	/* IPv4 still reaches the same socket. */
	ck_assert_int_eq(capnet_udpcap_send_to(cli.boot, cs4, ip_srv, 53, "v4", 2, now()), CAPNET_OK);
	run_ms(50);
	ck_assert_int_eq(capnet_udpcap_recv_from(srv.boot, ss, buf, sizeof buf, &len, &m), CAPNET_OK);
	ck_assert_uint_eq(m.src, ip_cli);
	ck_assert_uint_eq(m.src_addr.af, CAPNET_AF_INET);
}
END_TEST

START_TEST(test_status_lists_sockets_with_owner_and_blocked_calls)
{
	struct cap_pair_conn p;
	connected(&p, 8080);
	capnet_ticket t;
	ck_assert_int_eq(capnet_park(p.app, p.ssock, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, now(), &t), CAPNET_OK);
	capnet_handle st;
	struct capnet_cspace *tool = cap_pair_cspace(&srv, "status");
	capnet_handle st0;
	ck_assert_int_eq(capnet_netmgr_mint_status(srv.boot, srv.nm, &st0), CAPNET_OK);
	ck_assert_int_eq(capnet_cap_grant(srv.boot, st0, tool, CAPNET_RIGHT_READ, NULL, &st), CAPNET_OK);
	uint64_t fp0 = capnet_net_fingerprint(srv.net);
	struct capnet_socket_entry e[8];
	size_t n;
	ck_assert_int_eq(capnet_status_sockets(tool, st, e, 8, &n), CAPNET_OK);
	ck_assert_uint_eq(capnet_net_fingerprint(srv.net), fp0);
	ck_assert_uint_eq(n, 2);
	int conn = e[0].listener ? 1 : 0;
	ck_assert(e[1 - conn].listener);
	ck_assert_uint_eq(e[1 - conn].local_port, 8080);
	ck_assert_int_eq(e[1 - conn].authority, CAPNET_CAP_TCP_LISTEN_AUTHORITY);
	ck_assert_int_eq(e[conn].state, CAPNET_TCP_ESTABLISHED);
	ck_assert_uint_eq(e[conn].remote_addr, ip_cli);
	ck_assert_uint_eq(e[conn].owner_cspace, capnet_cspace_id(p.app));
	ck_assert_int_eq(e[conn].authority, CAPNET_CAP_TCP_LISTENER);
	ck_assert_uint_eq(e[conn].parked, 1);
	/* Its forged attempt to make a socket fails closed. */
	capnet_handle x;
	ck_assert_int_eq(capnet_tcpcap_listen(tool, st, 8080, 1, &x), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_udpcap_bind(tool, st, 53, &x), CAPNET_E_WRONGTYPE);
	ck_assert_int_eq(capnet_park_cancel(p.app, t, now()), CAPNET_OK);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cap-socket");
	TCase *tc = check_add_case(s, "sockets", setup, teardown, 60);
	tcase_add_test(tc, test_listener_roundtrip_with_only_a_listen_authority);
	tcase_add_test(tc, test_connect_refused_and_timed_out_are_distinct);
	tcase_add_test(tc, test_parked_calls_complete_exactly_once);
	tcase_add_test(tc, test_revoking_the_authority_ends_listener_and_connections);
	tcase_add_test(tc, test_transport_status_is_read_only);
	tcase_add_test(tc, test_udp_socket_within_its_scope);
	tcase_add_test(tc, test_udp_socket_over_ipv6);
	tcase_add_test(tc, test_status_lists_sockets_with_owner_and_blocked_calls);
	return s;
}
