/* The provider's side of `capnet serve`: the stack, and the caps the
 * services get. This is the one file of the services that sees the stack
 * object (capnet/stack.h): it builds it with capnet_stack_create, sets the
 * address through the boot NetworkManager (or starts the DHCP client),
 * creates the "service" cspace and grants into it exactly what the
 * services need, minted from the boot NetworkManager:
 *
 *   NetworkStatus        READ             the log lines (neighbours, DHCP,
 *                                         echo counts) and the counters
 *   TcpListenAuthority   BIND, port P     one per TCP service port
 *   UdpSocket authority  BIND SEND RECV   the echo port, any peer
 *                        READ, port P
 *   TcpConnectAuthority  CONNECT          the client's peer, ADDR/32:PORT
 *
 * None carries GRANT, MINT or CONFIGURE: the services cannot pass their
 * authority on, widen it, or change the interface. The boot cspace keeps
 * the NetworkManager (and the DHCP client's lifecycle, which is the
 * stack's). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../cmd.h"
#include "capnet/stack.h"
#include "services.h"

void svc_logf(struct svc *s, capnet_instant now, const char *event, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (s->log != NULL)
		s->log(s->log_ctx, now, event, text);
}

void svc_opts_defaults(struct svc_opts *o)
{
	*o = (struct svc_opts){.prefix_len = 24,
			       .udp_echo_port = 7,
			       .tcp_echo_port = 7,
			       .http_port = 80,
			       .discard_port = 9,
			       .cc = CAPNET_TCP_CC_RENO,
			       .send_bytes = UINT64_MAX};
}

/* ---- the stack ---- */

static bool wants_tcp(const struct svc_opts *o)
{
	return o->tcp_echo_port != 0 || o->http_port != 0 || o->discard_port != 0 || o->connect_ip != 0;
}

/* Every connection's rings, congestion controller and the tables the
 * services can fill: SVC_MAX_CONNS connections (and as many more in
 * TIME-WAIT), their caps and the services' own. */
static void stack_config(const struct svc *s, struct capnet_stack_config *cfg)
{
	const struct svc_opts *o = &s->o;
	memset(cfg, 0, sizeof *cfg);
	if (!wants_tcp(o))
		cfg->without = CAPNET_STACK_NO_TCP;
	cfg->tcp.max_sockets = 2 * SVC_MAX_CONNS + 8;
	cfg->tcp.sndbuf = o->sndbuf;
	cfg->tcp.rcvbuf = o->rcvbuf;
	/* Room for every socket to use the rings asked for. */
	uint32_t snd = o->sndbuf > 65536 ? o->sndbuf : 65536, rcv = o->rcvbuf > 65536 ? o->rcvbuf : 65536;
	if (o->sndbuf > 65536 || o->rcvbuf > 65536)
		cfg->tcp.buffer_pool = (size_t)cfg->tcp.max_sockets * 131072 + 4 * ((size_t)snd + rcv);
	cfg->tcp.cc = (enum capnet_tcp_cc_algo)o->cc;
	cfg->tcp.cc_set = true;
	cfg->dhcp4 = o->dhcp;
	cfg->iface.ip6.enable = o->ipv6;
	cfg->sockets.max_sockets = SVC_MAX_CONNS + 8;
	cfg->caps.slots_per_cspace = 2 * SVC_MAX_CONNS + 16;
	cfg->caps.max_caps = 4 * SVC_MAX_CONNS + 64;
}

/* Grants the cap `h` that was just minted in the boot cspace (`minted`
 * says whether it was) into the service cspace with `rights`, and drops
 * the boot's copy (the tree keeps it for the grant below it, so revoking
 * it would still reach the service's). */
static capnet_err grant_to_service(struct svc *s, capnet_err minted, const capnet_handle *h, uint32_t rights,
				   capnet_handle *out)
{
	if (minted != CAPNET_OK)
		return minted;
	struct capnet_cspace *boot = capnet_stack_boot_cspace(s->st);
	capnet_err e = capnet_cap_grant(boot, *h, s->cs, rights, NULL, out);
	capnet_cap_close(boot, *h);
	return e;
}

static capnet_err grant_caps(struct svc *s)
{
	struct capnet_cspace *boot = capnet_stack_boot_cspace(s->st);
	capnet_handle nm = capnet_stack_netmgr(s->st, 0), h = CAPNET_HANDLE_NONE;
	const struct svc_opts *o = &s->o;
	capnet_err e = capnet_cspace_create(capnet_stack_capsys(s->st), "service", &s->cs);
	if (e == CAPNET_OK) {
		e = capnet_netmgr_mint_status(boot, nm, &h);
		e = grant_to_service(s, e, &h, CAPNET_RIGHT_READ, &s->status);
	}
	const uint16_t ports[3] = {o->tcp_echo_port, o->http_port, o->discard_port};
	for (size_t i = 0; i < 3 && e == CAPNET_OK; i++) {
		if (ports[i] == 0)
			continue;
		e = capnet_netmgr_mint_listen_authority(boot, nm, ports[i], ports[i], &h);
		e = grant_to_service(s, e, &h, CAPNET_RIGHT_BIND, &s->listen_auth[i]);
	}
	if (e == CAPNET_OK && o->udp_echo_port != 0) {
		e = capnet_netmgr_mint_udp(boot, nm, o->udp_echo_port, o->udp_echo_port, NULL, &h);
		e = grant_to_service(s, e, &h,
				     CAPNET_RIGHT_BIND | CAPNET_RIGHT_SEND | CAPNET_RIGHT_RECV | CAPNET_RIGHT_READ,
				     &s->udp_auth);
	}
	if (e == CAPNET_OK && o->connect_ip != 0) {
		e = capnet_netmgr_mint_connect_authority(boot, nm, o->connect_ip, 32, o->connect_port, o->connect_port,
							 &h);
		e = grant_to_service(s, e, &h, CAPNET_RIGHT_CONNECT, &s->connect_auth);
	}
	return e;
}

/* The static address through the boot NetworkManager, or the DHCP client
 * started: the stack's configuration, not the services'. */
static capnet_err configure(struct svc *s, capnet_instant now)
{
	if (s->o.static6_len != 0) {
		capnet_err e6 = capnet_netmgr_set_static6(capnet_stack_boot_cspace(s->st), capnet_stack_netmgr(s->st, 0),
							  &s->o.static6, s->o.static6_len, NULL, now);
		if (e6 != CAPNET_OK)
			return e6;
	}
	if (s->o.dhcp)
		return capnet_dhcp4_client_start(capnet_stack_dhcp4(s->st, 0), now);
	capnet_err e = capnet_netmgr_set_static(capnet_stack_boot_cspace(s->st), capnet_stack_netmgr(s->st, 0), s->o.ip,
						s->o.prefix_len, s->o.gateway, now);
	/* The address is installed before it is announced: a device not up
	 * yet only loses the gratuitous ARP. */
	if (e == CAPNET_E_LINKDOWN || e == CAPNET_E_AGAIN || e == CAPNET_E_NIC) {
		svc_logf(s, now, "link", "address announcement not sent (%s)", capnet_strerror(e));
		e = CAPNET_OK;
	}
	return e;
}

capnet_err svc_create(const struct svc_opts *o, struct capnet_nic *nic, struct capnet_rng rng, capnet_instant now,
		      svc_log_fn log, void *log_ctx, struct svc **out, char *errbuf, size_t errlen)
{
	*out = NULL;
	if (errlen > 0)
		errbuf[0] = '\0';
	struct svc *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return CAPNET_E_NOMEM;
	}
	s->o = *o;
	s->log = log;
	s->log_ctx = log_ctx;
	s->dhcp_state = CAPNET_DHCP4_STOPPED;
	struct capnet_stack_config cfg;
	stack_config(s, &cfg);
	/* Cap handles never reach the wire: their keys come from the host, so
	 * the wire's generator draws exactly what a replay's does. */
	cfg.cap_rng = capnet_host_rng(&s->cap_rng);
	/* A nic that cuts super-frames (the TAP with --offload) gets them. */
	if (nic->ext != NULL && nic->ext->transmit_gso != NULL)
		cfg.iface.tso_max = nic->ext->tso_max;
	size_t need = capnet_stack_arena_need(&cfg, &nic, 1);
	s->arena_mem = need != 0 ? malloc(need) : NULL;
	capnet_err e = s->arena_mem != NULL ? CAPNET_OK : CAPNET_E_NOMEM;
	if (e == CAPNET_OK && o->connect_ip != 0)
		e = client_open(s, errbuf, errlen);
	if (e != CAPNET_OK) {
		if (errbuf[0] == '\0')
			snprintf(errbuf, errlen, "out of memory");
		svc_destroy(s);
		return e;
	}
	struct capnet_arena arena;
	capnet_arena_init(&arena, s->arena_mem, need);
	e = capnet_stack_create(&arena, &cfg, rng, &nic, 1, &s->st);
	if (e == CAPNET_OK)
		e = configure(s, now);
	if (e == CAPNET_OK)
		e = grant_caps(s);
	if (e == CAPNET_OK && o->udp_echo_port != 0)
		e = udp_echo_open(s);
	if (e == CAPNET_OK)
		e = listeners_open(s);
	if (e != CAPNET_OK) {
		snprintf(errbuf, errlen, "stack setup: %s", capnet_strerror(e));
		svc_destroy(s);
		return e;
	}
	if (s->client != NULL && !o->dhcp)
		client_start(s, now);
	*out = s;
	return CAPNET_OK;
}

void svc_destroy(struct svc *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < SVC_MAX_CONNS; i++)
		free(s->conns[i]);
	client_free(s->client);
	free(s->arena_mem); /* the stack, its sockets and caps */
	free(s);
}

struct capnet_stack *svc_stack(struct svc *s)
{
	return s->st;
}

/* ---- logging what changed, through the NetworkStatus cap ---- */

static void log_neighbours(struct svc *s, capnet_instant now)
{
	struct capnet_arp_entry_info cur[SVC_NEIGHBOURS];
	size_t n = 0;
	if (capnet_status_neighbours(s->cs, s->status, cur, SVC_NEIGHBOURS, &n) != CAPNET_OK)
		return;
	if (n > SVC_NEIGHBOURS)
		n = SVC_NEIGHBOURS;
	for (size_t i = 0; i < n; i++) {
		bool same = false;
		for (size_t k = 0; k < s->nneigh && !same; k++)
			same = s->neigh[k].ip == cur[i].ip && s->neigh[k].state == cur[i].state &&
			       capnet_mac_eq(s->neigh[k].mac, cur[i].mac);
		if (same)
			continue;
		char ib[16], mb[18];
		svc_logf(s, now, "neighbour", "neighbour %s %s %s", cmd_fmt_ip4(cur[i].ip, ib),
			 cmd_fmt_mac(cur[i].mac, mb), capnet_arp_state_name(cur[i].state));
	}
	memcpy(s->neigh, cur, n * sizeof cur[0]);
	s->nneigh = n;
}

static void log_dhcp(struct svc *s, capnet_instant now)
{
	struct capnet_dhcp4_lease_info l;
	if (capnet_status_dhcp4(s->cs, s->status, now, &l) != CAPNET_OK || l.state == s->dhcp_state)
		return;
	s->dhcp_state = l.state;
	if (l.state != CAPNET_DHCP4_BOUND || !l.has_lease) {
		svc_logf(s, now, "dhcp", "dhcp %s", capnet_dhcp4_state_name(l.state));
		return;
	}
	char ab[16], sb[16], gb[16];
	svc_logf(s, now, "dhcp", "dhcp BOUND %s/%u from server %s, gateway %s, lease %u s (T1 in %lld s, T2 in %lld s)",
		 cmd_fmt_ip4(l.addr, ab), l.prefix_len, cmd_fmt_ip4(l.server, sb),
		 l.gateway ? cmd_fmt_ip4(l.gateway, gb) : "none", l.lease_secs,
		 l.infinite ? -1LL : (long long)((l.t1 - now) / 1000000),
		 l.infinite ? -1LL : (long long)((l.t2 - now) / 1000000));
}

static void log_echoes(struct svc *s, capnet_instant now)
{
	struct capnet_stats st;
	if (capnet_status_counters(s->cs, s->status, &st) != CAPNET_OK)
		return;
	uint64_t echoes = st.v[CAPNET_STAT_icmp_echo_replies_sent];
	if (echoes == s->echoes)
		return;
	if (s->o.verbose || s->echoes == 0)
		svc_logf(s, now, "echo", "answered echo request%s (%" PRIu64 " so far)", s->echoes == 0 ? "s" : "",
			 echoes);
	s->echoes = echoes;
}

static bool dhcp_bound(struct svc *s, capnet_instant now)
{
	struct capnet_dhcp4_lease_info l;
	return capnet_status_dhcp4(s->cs, s->status, now, &l) == CAPNET_OK && l.state == CAPNET_DHCP4_BOUND;
}

/* ---- after every poll ---- */

bool svc_after_poll(struct svc *s, capnet_instant now)
{
	log_neighbours(s, now);
	if (s->o.dhcp)
		log_dhcp(s, now);
	log_echoes(s, now);
	udp_echo_step(s, now);
	listeners_step(s, now);
	conns_step(s, now);
	struct client *c = s->client;
	if (c != NULL && c->state == SVC_CLIENT_WAITING && s->o.dhcp && dhcp_bound(s, now)) {
		client_start(s, now);
		return true;
	}
	client_step(s, now);
	return false;
}

capnet_instant svc_next_deadline(const struct svc *s)
{
	const struct capnet_tcp *tcp = capnet_stack_tcp(s->st, 0);
	return tcp != NULL ? capnet_tcp_next_deadline(tcp) : CAPNET_INSTANT_NEVER;
}

enum svc_client_state svc_client_state(const struct svc *s)
{
	return s->client != NULL ? s->client->state : SVC_CLIENT_NONE;
}

void svc_stop(struct svc *s, capnet_instant now)
{
	if (capnet_stack_tcp(s->st, 0) != NULL) {
		conns_stop(s, now);
		client_stop(s, now);
		capnet_stack_poll(s->st, now);
	}
	struct capnet_dhcp4_client *dhcp = capnet_stack_dhcp4(s->st, 0);
	if (dhcp != NULL && capnet_dhcp4_client_state(dhcp) != CAPNET_DHCP4_STOPPED) {
		struct capnet_dhcp4_lease_info l;
		capnet_dhcp4_client_lease(dhcp, now, &l);
		capnet_dhcp4_client_release(dhcp, now);
		capnet_stack_poll(s->st, now);
		if (l.has_lease) {
			char ab[16];
			svc_logf(s, now, "dhcp", "dhcp lease %s released", cmd_fmt_ip4(l.addr, ab));
		}
	}
}

void svc_summary(struct svc *s, capnet_instant now)
{
	char text[2048];
	size_t n = 0;
	struct capnet_stats st;
	memset(&st, 0, sizeof st);
	capnet_status_counters(s->cs, s->status, &st);
	for (int i = 0; i < CAPNET_STAT__COUNT && n < sizeof text - 64; i++)
		if (st.v[i] != 0)
			n += (size_t)snprintf(text + n, sizeof text - n, "%s%s=%" PRIu64, n ? " " : "",
					      capnet_stat_name((enum capnet_stat)i), st.v[i]);
	svc_logf(s, now, "counters", "counters: %s", n ? text : "(all zero)");
	struct capnet_status_ip6 v6;
	if (capnet_status_ip6(s->cs, s->status, &v6) == CAPNET_OK && v6.enabled) {
		n = 0;
		for (int i = 0; i < CAPNET_STAT6__COUNT && n < sizeof text - 64; i++)
			if (v6.counters.v[i] != 0)
				n += (size_t)snprintf(text + n, sizeof text - n, "%s%s=%" PRIu64, n ? " " : "",
						      capnet_stat6_name((enum capnet_stat6)i), v6.counters.v[i]);
		svc_logf(s, now, "counters", "ipv6 counters: %s", n ? text : "(all zero)");
	}
	if (capnet_stack_tcp(s->st, 0) != NULL)
		svc_logf(s, now, "tcp",
			 "tcp: %" PRIu64 " connections accepted, %" PRIu64 " refused (table full), %" PRIu64
			 " http requests",
			 s->tcp_accepted, s->tcp_refused, s->http_requests);
	if (s->udp_echo != CAPNET_HANDLE_NONE)
		svc_logf(s, now, "udp", "udp echo port %u: %" PRIu64 " datagrams echoed, %" PRIu64 " failed",
			 s->o.udp_echo_port, s->udp_echoed, s->udp_echo_failed);
}
