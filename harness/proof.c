#include "harness/proof.h"
#include "harness/sim_stack.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <string.h>

static const struct proof arp_ping = {
	"arp-ping",
	"two stacks resolve each other by ARP, exchange ICMP echo, then count a malformed burst by reason",
	proof_arp_ping,
};

static const struct proof dhcp4_config = {
	"dhcp4-config",
	"acquire a DHCPv4 lease from competing servers, probe it, install address, routes and option 121 with provenance dhcp, resolve gateway and neighbour",
	proof_dhcp4_config,
};

static const struct proof dhcp4_lease_lifecycle = {
	"dhcp4-lease-lifecycle",
	"a DHCPv4 lease through T1 unicast renew, T2 broadcast rebind to a second server, expiry to a fail-closed zero state, NAK, static precedence, resolver inputs, release",
	proof_dhcp4_lease_lifecycle,
};

static const struct proof tcp_roundtrip = {
	"tcp-roundtrip",
	"a TCP listener and client exchange a request and a response and close; every state transition with its time, TIME-WAIT for exactly 2*MSL, nothing leaked",
	proof_tcp_roundtrip,
};

static const struct proof congestion_control = {
	"congestion-control",
	"the same lossy bulk transfer under None, Reno and CUBIC: goodput, retransmissions and completion time, byte-exact",
	proof_congestion_control,
};

static const struct proof packet_trace = {
	"packet-trace",
	"a bounded, header-only, rx-only, expiring PacketTrace over DHCP + TCP: exact drop counts, no payload byte, read-only TraceReader, forged calls refused, revoke",
	proof_packet_trace,
};

static const struct proof receive_pool = {
	"receive-pool",
	"many frames between polls: the RX pool stays armed, \"no frame yet\" resets nothing, queue and poll budget exhaustion drop and count, TCP recovers byte-exact",
	proof_receive_pool,
};

static const struct proof tcp_listener_roundtrip = {
	"tcp-listener-roundtrip",
	"a cspace holding only a TcpListenAuthority for one port serves one request/response; its listen outside the range, UDP socket and config read fail closed and are audited",
	proof_tcp_listener_roundtrip,
};

static const struct proof socket_readiness = {
	"socket-readiness",
	"every readiness state and parked-call outcome from real TCP state on two stacks: accept-ready, readable, writable, closed, reset, error, config-unavailable; completed, timed out, refused, reset, cancelled, closed; stale waiters; exact partial sends",
	proof_socket_readiness,
};

static const struct proof transport_status = {
	"transport-status",
	"every TransportStatus field on a live connection, cross-checked against the peer's view; read-only: fingerprints unchanged and zero frames across every read, and a view acts on nothing",
	proof_transport_status,
};

static const struct proof keepalive_timeout_policy = {
	"keepalive-timeout-policy",
	"keepalive probes on the wire at the set idle and interval until the connection times out; connect refused vs connect timed out as distinct outcomes; accept and recv deadlines",
	proof_keepalive_timeout_policy,
};

static const struct proof posix_poll_select = {
	"posix-poll-select",
	"capnet_poll/capnet_select over the readiness model on two stacks: POLLIN/POLLOUT/POLLHUP/POLLERR/POLLNVAL from real TCP state, exact timeouts, partial sends; closed or revoked descriptors, bad nfds, unsupported bits and exceptfds fail closed with their errno",
	proof_posix_poll_select,
};

static const struct proof network_status = {
	"network-status",
	"capnet status run as a cspace holding only NetworkStatus after a DHCP lease: prints address, routes, neighbours, DNS/search with provenance, lease and sockets; its forged socket and config calls are rejected; reads are read-only",
	proof_network_status,
};

static const struct proof virtio_shuttle = {
	"virtio-shuttle",
	"two stacks, each on the virtio-net driver over a virtio-mmio device model: exact bring-up, ARP, ping and a TCP echo round trip through the split rings, every frame accounted stack to wire, no fault, all DMA memory returned",
	proof_virtio_shuttle,
};

static const struct proof dnsresolver = {
	"dnsresolver",
	"a cspace holding only DnsResolver resolves A, AAAA and both over a CNAME against the sim DNS server learned from DHCP; cache, NXDOMAIN, NODATA, timeout, unavailable, status; spoofed answers ignored; forged calls rejected and audited; lease expiry removes the DHCP server at once",
	proof_dnsresolver,
};

static const struct proof posix_getaddrinfo = {
	"posix-getaddrinfo",
	"capnet_getaddrinfo over a granted DnsResolver: AF_INET/AF_INET6/AF_UNSPEC, every AI_* flag, the services table, each EAI_* from its cause, results from the caller's pool and back; the read-only resolv.conf projection, EACCES on write, absent without the cap",
	proof_posix_getaddrinfo,
};

static const struct proof syn_flood = {
	"syn-flood",
	"spoofed on-link SYNs flood a listener while a real client connects and transfers: with SYN cookies its connect takes one round trip and the SYN queue, sockets, buffers, ARP cache and arena stay bounded; with cookies off, the denial",
	proof_syn_flood,
};

static const struct proof ping = {
	"ping",
	"a cspace holding only a bounded Ping cap: same-subnet and gateway-routed echo, a malformed reply dropped and counted, timeouts from a silent peer, host/net unreachable from the router, a run deadline, every bound refused E_SCOPE and audited; the iputils lines and statistics exact",
	proof_ping,
};

static const struct proof ping6 = {
	"ping6",
	"the ping cases over IPv6 through the same bounded Ping cap: link-local and SLAAC addresses through DAD and router discovery first, link-local and global echo resolved by NDP on the wire, routed echo through the RA's router, malformed replies dropped, timeouts, address unreachable and no route, bounds",
	proof_ping6,
};

static const struct proof ipv6_slaac = {
	"ipv6-slaac",
	"two IPv6 stacks and a sim router: link-local by EUI-64 and DAD, RS/RA, SLAAC tentative -> preferred -> deprecated -> removed on the synthetic clock, a DAD conflict left unusable and counted, NDP resolution and NUD on the wire, echo to link-local and global, bad RAs",
	proof_ipv6_slaac,
};

const struct proof *const capnet_proofs[] = {
	&arp_ping,
	&dhcp4_config,
	&dhcp4_lease_lifecycle,
	&tcp_roundtrip,
	&congestion_control,
	&packet_trace,
	&receive_pool,
	&tcp_listener_roundtrip,
	&socket_readiness,
	&posix_poll_select,
	&transport_status,
	&keepalive_timeout_policy,
	&network_status,
	&virtio_shuttle,
	&dnsresolver,
	&posix_getaddrinfo,
	&syn_flood,
	&ping,
	&ping6,
	&ipv6_slaac,
	NULL,
};

const struct proof *proof_find(const char *name)
{
	for (size_t i = 0; capnet_proofs[i]; i++)
		if (strcmp(capnet_proofs[i]->name, name) == 0)
			return capnet_proofs[i];
	return NULL;
}

static void line(struct proof_ctx *ctx, capnet_instant t, const char *status, const char *fmt, va_list ap)
{
	char text[512];
	vsnprintf(text, sizeof text, fmt, ap);
	if (ctx->json) {
		json_t *o = json_pack("{s:I, s:s}", "t_us", (json_int_t)t, "text", text);
		if (status)
			json_object_set_new(o, "ok", json_boolean(strcmp(status, "ok") == 0));
		json_array_append_new((json_t *)ctx->jchecks, o);
		return;
	}
	/* Integer formatting: the transcript must not depend on float rounding. */
	int64_t ms = t / 1000;
	fprintf(ctx->out, "[%5" PRId64 ".%03" PRId64 " s] %s%s%s\n", ms / 1000, ms % 1000, text, status ? "  " : "",
		status ? status : "");
}

const struct capnet_sim_impair proof_wire_1ms = {.delay = CAPNET_MS(1)};

struct capnet_sim *proof_sim_open(struct proof_ctx *ctx)
{
	return sim_open_recording(ctx->seed, CAPNET_SIM_SWITCH, ctx->pcap_path);
}

bool proof_check(struct proof_ctx *ctx, capnet_instant t, bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line(ctx, t, ok ? "ok" : "FAIL", fmt, ap);
	va_end(ap);
	ctx->checks++;
	if (!ok)
		ctx->failures++;
	return ok;
}

void proof_note(struct proof_ctx *ctx, capnet_instant t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line(ctx, t, NULL, fmt, ap);
	va_end(ap);
}
