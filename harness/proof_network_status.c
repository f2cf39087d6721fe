/* Proof network-status: `capnet status` -- run here exactly as the command
 * runs it -- as a separate cspace holding only a NetworkStatus cap:
 *
 *   1. after the host's DHCP lease, the view prints the live configuration:
 *      address and prefix with provenance dhcp, the gateway and its
 *      neighbour entry, the default and connected routes, the lease's
 *      server and timers, the DNS servers, domain and search list with
 *      provenance, and the sockets (listener, the served connection with
 *      its blocked RECV, the UDP socket) with owner and authority;
 *   2. the status cspace holds one cap, NETWORK_STATUS with READ, and its
 *      forged attempts to create sockets, mint authority, use a guessed or
 *      copied handle and copy its own cap are each rejected and audited;
 *   3. every read is read-only: the state fingerprint is unchanged and no
 *      frame is sent;
 *   4. --json carries the same view. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cap_host.h"
#include "harness/dhcp4_host.h"
#include "harness/proof.h"
#include "harness/status_tool.h"

static bool has(const char *text, const char *line)
{
	return text != NULL && strstr(text, line) != NULL;
}

int proof_network_status(struct proof_ctx *ctx)
{
	char *text = NULL, *js = NULL;
	size_t tlen = 0, jlen = 0;
	FILE *f = open_memstream(&text, &tlen);
	if (f == NULL)
		return 1;
	struct status_opts o = {.seed = ctx->seed, .pcap_path = ctx->pcap_path, .json = false};
	struct status_result r;
	if (status_tool_run(&o, f, &r) != 0) {
		fclose(f);
		free(text);
		return 1;
	}
	fclose(f);
	capnet_instant at = r.at;
	proof_note(ctx, at, "capnet status (seed %llu), as printed:", (unsigned long long)ctx->seed);
	for (char *line = text, *nl; line != NULL && *line != '\0'; line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		if (*line != '\0')
			proof_note(ctx, at, "| %s", line);
	}
	/* The printed lines were cut apart above; print again to match on. */
	free(text);
	text = NULL;
	o.pcap_path = NULL;
	f = open_memstream(&text, &tlen);
	struct status_result r2;
	status_tool_run(&o, f, &r2);
	fclose(f);

	/* 1. The live configuration. */
	proof_check(ctx, at,
		    r.ran && r.lease.state == CAPNET_DHCP4_BOUND && r.link.ip4.addr == CAPNET_IP4(192, 0, 2, 100) &&
			    r.link.ip4.prefix_len == 24 && r.link.ip4.provenance == CAPNET_PROV_DHCP &&
			    has(text, "inet 192.0.2.100/24 (dhcp)"),
		    "address 192.0.2.100/24, provenance dhcp, from the lease");
	proof_check(ctx, r.listen_at,
		    r.ran && r.bound_at > 0 && r.listen_at >= r.bound_at && r.served_local == r.link.ip4.addr &&
			    r.link.ip4.provenance == CAPNET_PROV_DHCP,
		    "the web service's listener was opened through its TcpListenAuthority at %s, once DHCP was BOUND (%s), and its "
		    "connection is served on the leased %s (TransportStatus local address; provenance dhcp, no static "
		    "address)",
		    fmt_time(r.listen_at), fmt_time(r.bound_at), fmt_ip4(r.served_local));
	proof_check(ctx, at,
		    r.lease.server == CAPNET_IP4(192, 0, 2, 1) && r.lease.lease_secs == 3600 &&
			    r.lease.t1 == r.lease.lease_start + CAPNET_S(1800) && has(text, "state BOUND, server 192.0.2.1"),
		    "lease: BOUND from 192.0.2.1 for 3600 s, T1 at half of it");
	proof_check(ctx, at,
		    r.link.gateway_known && r.link.gateway_neighbour.state == CAPNET_ARP_REACHABLE &&
			    has(text, "gateway 192.0.2.254, neighbour 02:00:00:00:00:fe REACHABLE") &&
			    has(text, "default via 192.0.2.254 (dhcp)") && has(text, "192.0.2.0/24 dev eth0 scope link (dhcp)"),
		    "gateway 192.0.2.254 with its neighbour entry; default and connected routes, provenance dhcp");
	proof_check(ctx, at,
		    r.resolver.n_servers == 2 && r.resolver.servers_provenance == CAPNET_PROV_DHCP &&
			    has(text, "nameserver 198.51.100.53 (dhcp)") && has(text, "nameserver 198.51.100.153 (dhcp)") &&
			    has(text, "domain example.com (dhcp)") && has(text, "search eng.example.com example.com (dhcp)"),
		    "resolver inputs: 2 DNS servers, domain and search list, each with provenance dhcp");
	const struct capnet_socket_entry *lst = &r.sock[0], *conn = &r.sock[1], *udp = &r.sock[2];
	proof_check(ctx, at,
		    r.sockets == 3 && lst->listener && conn->state == CAPNET_TCP_ESTABLISHED && udp->udp &&
			    has(text, "tcp   LISTEN       *:80") &&
			    has(text, "tcp   ESTABLISHED  192.0.2.100:80        192.0.2.50:") &&
			    has(text, "udp   -            *:5353"),
		    "sockets: the listener, the served connection, the UDP socket; owner and authority of each");
	proof_check(ctx, at,
		    conn->parked == 1 && conn->parked_by_op[CAPNET_PARK_RECV] == 1 && conn->queue_depth == 0 &&
			    conn->queue_capacity == 16384 && lst->parked == 0 && lst->queue_depth == 0 &&
			    lst->queue_capacity == 8 && udp->queue_depth == 0 && udp->queue_capacity == 4 &&
			    has(text, "TCP_LISTENER           0/16384       RECV x1"),
		    "parked calls named (NetworkStatus socket table): the served connection's one blocked call is %s, "
		    "its receive queue %u/%u bytes; the listener's accept queue %u/%u, nothing parked; UDP %u/%u "
		    "datagrams",
		    capnet_park_op_name(CAPNET_PARK_RECV), conn->queue_depth, conn->queue_capacity, lst->queue_depth,
		    lst->queue_capacity, udp->queue_depth, udp->queue_capacity);
	/* 2. Only NetworkStatus; forged calls fail closed. */
	proof_check(ctx, at,
		    r.caps_held == 1 && r.view.type == CAPNET_CAP_NETWORK_STATUS && r.view.rights == CAPNET_RIGHT_READ,
		    "the status cspace (%u) holds exactly %zu cap: %s, rights READ", r.status_cspace, r.caps_held,
		    capnet_cap_type_name(r.view.type));
	for (int i = 0; i < STATUS_FORGED; i++)
		proof_check(ctx, at, r.forged[i].got == r.forged[i].want, "forged: %s -> %s", r.forged[i].call,
			    capnet_errname(r.forged[i].got));
	proof_check(ctx, at,
		    r.audit.total == 6 && r.audit.rejected[CAPNET_AUDIT_WRONGTYPE] == 3 &&
			    r.audit.rejected[CAPNET_AUDIT_BADHANDLE] == 2 && r.audit.rejected[CAPNET_AUDIT_RIGHTS] == 1 &&
			    has(text, "total 6  BADHANDLE=2  WRONGTYPE=3  RIGHTS=1"),
		    "its audit: 6 rejected calls (BADHANDLE=2 WRONGTYPE=3 RIGHTS=1), shown in the audit table");
	/* 3. Read-only. */
	proof_check(ctx, at, r.all_reads_ok && r.fp_before == r.fp_after && r.tx_before == r.tx_after,
		    "every read through the view: fingerprint %016llx unchanged, %llu frames sent",
		    (unsigned long long)r.fp_before, (unsigned long long)(r.tx_after - r.tx_before));
	/* 4. JSON, and the same run again. */
	f = open_memstream(&js, &jlen);
	o.json = true;
	o.pcap_path = NULL;
	struct status_result r3;
	status_tool_run(&o, f, &r3);
	fclose(f);
	json_error_t jerr;
	json_t *j = json_loads(js, 0, &jerr);
	const char *addr = json_string_value(json_object_get(json_object_get(json_object_get(j, "link"), "inet"), "addr"));
	const char *state = json_string_value(json_object_get(json_object_get(j, "dhcp"), "state"));
	json_t *ok = json_object_get(j, "ok");
	size_t nsock = json_array_size(json_object_get(j, "sockets"));
	proof_check(ctx, at,
		    j != NULL && addr != NULL && strcmp(addr, "192.0.2.100") == 0 && state != NULL &&
			    strcmp(state, "BOUND") == 0 && json_is_true(ok) && nsock == 3 && r2.fp_before == r.fp_before &&
			    r3.fp_before == r.fp_before,
		    "--json: the same view (address %s, DHCP %s, %zu sockets, ok); three runs, one fingerprint",
		    addr ? addr : "?", state ? state : "?", nsock);
	json_decref(j);
	free(js);
	free(text);
	return 0;
}
