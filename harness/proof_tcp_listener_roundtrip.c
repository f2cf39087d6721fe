/* Proof tcp-listener-roundtrip: an application cspace granted nothing but a
 * TcpListenAuthority for port 8080 serves one request/response through
 * TcpListener -> TcpSocket; everything else it tries fails closed.
 *
 *   1. boot mints the authority (port 8080) and grants it, BIND only, to
 *      the cspace "app": app holds one cap and nothing else;
 *   2. app tries to listen on 8081 and 80, to open a UDP socket, to read
 *      the interface config (with its own cap and with boot's copied
 *      handle), to mint a status view and to pass its cap on: each fails
 *      with its exact error, is counted in app's audit, sends no frame and
 *      changes no state;
 *   3. app listens on 8080; a client connects; app accepts (a parked
 *      ACCEPT), reads the request (a parked RECV), sends the response; the
 *      client reads it byte for byte;
 *   4. the client closes; app sees end of stream and closes; every socket
 *      goes back to the table. */
#include <string.h>

#include "harness/cap_proof.h"

#define PORT 8080

static const char request[] = "GET /hello HTTP/1.0\r\n\r\n";
static const char response[] = "HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n";

/* A refused call: the exact error, no frame on the wire, no state change. */
static void refused(struct cap_world *w, struct capnet_cspace *app, capnet_err got, capnet_err want, uint64_t fp0,
		    uint64_t tx0, const char *what)
{
	bool quiet = capnet_net_fingerprint(w->srv.net) == fp0 && cap_host_tx_frames(&w->srv) == tx0;
	proof_check(w->ctx, cap_world_now(w), got == want && quiet, "app %s: %s (no frame, state unchanged; audit %s)",
		    what, ERRN(got), fmt_audit(app));
}

int proof_tcp_listener_roundtrip(struct proof_ctx *ctx)
{
	static struct cap_world w;
	if (cap_world_open(&w, ctx, NULL) != 0)
		return 1;
	struct cap_host *S = &w.srv, *C = &w.cli;
	proof_note(ctx, 0, "srv %s and cli %s on one switch, 1 ms per cable; seed %llu", fmt_ip4(CAP_PROOF_SRV),
		   fmt_ip4(CAP_PROOF_CLI), (unsigned long long)ctx->seed);
	cap_world_run(&w, CAPNET_MS(10));

	/* 1. The grant. */
	struct capnet_cspace *app, *client;
	capnet_handle la0, la, ca0, ca;
	capnet_cspace_create(S->sys, "app", &app);
	capnet_cspace_create(C->sys, "client", &client);
	capnet_netmgr_mint_listen_authority(S->boot, S->nm, PORT, PORT, &la0);
	capnet_err e = capnet_cap_grant(S->boot, la0, app, CAPNET_RIGHT_BIND, NULL, &la);
	struct capnet_cap_info info;
	capnet_cap_inspect(app, la, &info);
	struct capnet_capsys_stats ss;
	capnet_capsys_stats(S->sys, &ss);
	proof_check(ctx, cap_world_now(&w),
		    e == CAPNET_OK && info.type == CAPNET_CAP_TCP_LISTEN_AUTHORITY && info.rights == CAPNET_RIGHT_BIND &&
			    info.scope.local_lo == PORT && info.scope.local_hi == PORT,
		    "boot grants app a TcpListenAuthority for port %u-%u with rights BIND only (cap #%u, from boot's "
		    "#%u)",
		    info.scope.local_lo, info.scope.local_hi, info.cap_id, info.cap_id - 1);
	capnet_netmgr_mint_connect_authority(C->boot, C->nm, CAP_PROOF_SRV, 32, PORT, PORT, &ca0);
	capnet_cap_grant(C->boot, ca0, client, CAPNET_RIGHT_CONNECT, NULL, &ca);

	/* 2. What app cannot do. */
	uint64_t fp0 = capnet_net_fingerprint(S->net), tx0 = cap_host_tx_frames(S);
	capnet_handle x;
	refused(&w, app, capnet_tcpcap_listen(app, la, 8081, 4, &x), CAPNET_E_SCOPE, fp0, tx0,
		"listen on 8081 (outside 8080-8080)");
	refused(&w, app, capnet_tcpcap_listen(app, la, 80, 4, &x), CAPNET_E_SCOPE, fp0, tx0,
		"listen on 80 (outside 8080-8080)");
	refused(&w, app, capnet_udpcap_bind(app, la, PORT, &x), CAPNET_E_WRONGTYPE, fp0, tx0,
		"open a UDP socket with its listen authority");
	refused(&w, app, capnet_netmgr_mint_udp(app, la, PORT, PORT, NULL, &x), CAPNET_E_WRONGTYPE, fp0, tx0,
		"mint a UdpSocket as if it held a NetworkManager");
	struct capnet_netmgr_config cfg;
	refused(&w, app, capnet_netmgr_get_config(app, la, &cfg), CAPNET_E_WRONGTYPE, fp0, tx0,
		"read the config through its listen authority");
	refused(&w, app, capnet_netmgr_get_config(app, S->nm, &cfg), CAPNET_E_BADHANDLE, fp0, tx0,
		"read the config with boot's NetworkManager handle, copied");
	refused(&w, app, capnet_netmgr_mint_status(app, la, &x), CAPNET_E_WRONGTYPE, fp0, tx0,
		"mint itself a NetworkStatus view");
	refused(&w, app, capnet_cap_grant(app, la, app, CAPNET_RIGHT_BIND, NULL, &x), CAPNET_E_RIGHTS, fp0, tx0,
		"copy its authority (it has no GRANT)");
	refused(&w, app, capnet_cap_attenuate(app, la, CAPNET_RIGHT_BIND, &(struct capnet_scope){
										   8000, 8999, 0, 0, 0, 0xffff}),
		CAPNET_E_SCOPE, fp0, tx0, "widen its scope to 8000-8999");
	struct capnet_audit au;
	capnet_cspace_audit(app, &au);
	proof_check(ctx, cap_world_now(&w),
		    au.total == 9 && au.rejected[CAPNET_AUDIT_SCOPE] == 3 && au.rejected[CAPNET_AUDIT_WRONGTYPE] == 4 &&
			    au.rejected[CAPNET_AUDIT_BADHANDLE] == 1 && au.rejected[CAPNET_AUDIT_RIGHTS] == 1,
		    "app's audit: %llu rejected calls (SCOPE=3 WRONGTYPE=4 BADHANDLE=1 RIGHTS=1), all attributed to "
		    "cspace %u \"app\"",
		    (unsigned long long)au.total, capnet_cspace_id(app));

	/* 3. The roundtrip, through caps only. */
	capnet_handle lst, csock, ssock;
	e = capnet_tcpcap_listen(app, la, PORT, 4, &lst);
	capnet_cap_inspect(app, lst, &info);
	proof_check(ctx, cap_world_now(&w),
		    e == CAPNET_OK && info.type == CAPNET_CAP_TCP_LISTENER && info.parent_type ==
								       CAPNET_CAP_TCP_LISTEN_AUTHORITY &&
			    (info.rights & CAPNET_RIGHT_GRANT) == 0,
		    "app listens on %u: a TcpListener below its authority, without GRANT", PORT);
	capnet_ticket ta, tc;
	capnet_park(app, lst, CAPNET_PARK_ACCEPT, CAPNET_INSTANT_NEVER, cap_world_now(&w), &ta);
	capnet_instant t_conn = cap_world_now(&w);
	capnet_tcpcap_connect(client, ca, CAP_PROOF_SRV, PORT, t_conn, &csock);
	capnet_park(client, csock, CAPNET_PARK_CONNECT, t_conn + CAPNET_S(3), t_conn, &tc);
	struct capnet_park_result rc = cap_host_wait_ticket(w.sim, client, tc, t_conn + CAPNET_S(3));
	struct capnet_park_result ra = cap_host_wait_ticket(w.sim, app, ta, t_conn + CAPNET_S(3));
	ssock = ra.handle;
	capnet_cap_inspect(app, ssock, &info);
	proof_check(ctx, rc.at,
		    rc.outcome == CAPNET_OUTCOME_COMPLETED && rc.at == t_conn + CAPNET_MS(4),
		    "client connected 4 ms after connect (ARP, then SYN/SYN-ACK): parked CONNECT %s",
		    capnet_outcome_name(rc.outcome));
	proof_check(ctx, ra.at,
		    ra.outcome == CAPNET_OUTCOME_COMPLETED && info.type == CAPNET_CAP_TCP_SOCKET &&
			    info.parent_type == CAPNET_CAP_TCP_LISTENER && ra.at == t_conn + CAPNET_MS(5),
		    "app's parked ACCEPT completed when the handshake's ACK arrived: a TcpSocket below the listener");

	size_t n = 0;
	capnet_tcpcap_send(client, csock, request, sizeof request - 1, &n, cap_world_now(&w));
	capnet_ticket tr;
	capnet_park(app, ssock, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, cap_world_now(&w), &tr);
	struct capnet_park_result rr = cap_host_wait_ticket(w.sim, app, tr, cap_world_now(&w) + CAPNET_S(1));
	char buf[256];
	size_t got = 0;
	capnet_tcpcap_recv(app, ssock, buf, sizeof buf, &got, cap_world_now(&w));
	proof_check(ctx, rr.at,
		    rr.outcome == CAPNET_OUTCOME_COMPLETED && got == sizeof request - 1 &&
			    memcmp(buf, request, got) == 0,
		    "app's parked RECV completed; it read the %zu-byte request exactly", got);
	capnet_tcpcap_send(app, ssock, response, sizeof response - 1, &n, cap_world_now(&w));
	proof_check(ctx, cap_world_now(&w), n == sizeof response - 1, "app queued the %zu-byte response", n);
	capnet_park(client, csock, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, cap_world_now(&w), &tr);
	rr = cap_host_wait_ticket(w.sim, client, tr, cap_world_now(&w) + CAPNET_S(1));
	capnet_tcpcap_recv(client, csock, buf, sizeof buf, &got, cap_world_now(&w));
	proof_check(ctx, rr.at,
		    rr.outcome == CAPNET_OUTCOME_COMPLETED && got == sizeof response - 1 &&
			    memcmp(buf, response, got) == 0,
		    "client read the %zu-byte response exactly", got);

	/* 4. The end. */
	capnet_tcpcap_close(client, csock, cap_world_now(&w));
	capnet_park(app, ssock, CAPNET_PARK_RECV, CAPNET_INSTANT_NEVER, cap_world_now(&w), &tr);
	rr = cap_host_wait_ticket(w.sim, app, tr, cap_world_now(&w) + CAPNET_S(1));
	capnet_err re = capnet_tcpcap_recv(app, ssock, buf, sizeof buf, &got, cap_world_now(&w));
	proof_check(ctx, rr.at, rr.outcome == CAPNET_OUTCOME_COMPLETED && re == CAPNET_E_CLOSED && got == 0,
		    "client closed; app's RECV completed with end of stream (%s, 0 bytes)", ERRN(re));
	capnet_tcpcap_close(app, ssock, cap_world_now(&w));
	capnet_tcpcap_close(app, lst, cap_world_now(&w));
	cap_world_run(&w, CAPNET_S(5));
	struct capnet_sockets_stats sst;
	capnet_sockets_stats(S->socks, &sst);
	struct capnet_tcp_layer_info li;
	capnet_tcp_layer_info(S->tcp, &li);
	proof_check(ctx, cap_world_now(&w), sst.sockets_in_use == 0 && sst.parked == 0 && li.sockets_in_use == 0,
		    "every socket closed and released: cap table %u sockets, TCP layer %u, %u parked", sst.sockets_in_use,
		    li.sockets_in_use, sst.parked);
	capnet_cspace_audit(app, &au);
	proof_check(ctx, cap_world_now(&w), au.total == 9 && capnet_capsys_verify(S->sys) == CAPNET_OK,
		    "app's audit unchanged by the roundtrip (%llu rejections: %s); the cap tables verify",
		    (unsigned long long)au.total, fmt_audit(app));
	cap_world_close(&w);
	return 0;
}
