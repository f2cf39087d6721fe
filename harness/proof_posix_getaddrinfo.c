/* Proof posix-getaddrinfo: capnet_getaddrinfo over a DnsResolver granted
 * to an application cspace (its only cap), against the sim DNS server
 * configured statically through the NetworkManager: every family
 * (AF_INET, AF_INET6, AF_UNSPEC), every flag (AI_PASSIVE, AI_NUMERICHOST,
 * AI_NUMERICSERV, AI_CANONNAME, AI_ADDRCONFIG, AI_V4MAPPED), the services
 * table, each EAI_* code from its cause, results from the caller's pool
 * and back to it, and the resolv.conf projection: its text, EACCES on
 * write, absent without the cap. */
#include <stdio.h>
#include <string.h>

#include "capnet/dns_cap.h"
#include "capnet/netdb.h"
#include "capnet/posix.h"
#include "capnet/resolv_conf.h"
#include "harness/cap_host.h"
#include "harness/dhcp4_host.h"
#include "harness/dns_host.h"
#include "harness/proof.h"
#include "harness/sim_stack.h"
#include "sim/dns_server.h"

static const char *eai_name(int rc)
{
	switch (rc) {
	case 0: return "0";
	case CAPNET_EAI_BADFLAGS: return "EAI_BADFLAGS";
	case CAPNET_EAI_NONAME: return "EAI_NONAME";
	case CAPNET_EAI_AGAIN: return "EAI_AGAIN";
	case CAPNET_EAI_FAIL: return "EAI_FAIL";
	case CAPNET_EAI_NODATA: return "EAI_NODATA";
	case CAPNET_EAI_FAMILY: return "EAI_FAMILY";
	case CAPNET_EAI_SOCKTYPE: return "EAI_SOCKTYPE";
	case CAPNET_EAI_SERVICE: return "EAI_SERVICE";
	case CAPNET_EAI_MEMORY: return "EAI_MEMORY";
	default: return "?";
	}
}

/* "inet 192.0.2.9:80/tcp inet6 [2001:db8::9]:80/udp ..." */
static const char *fmt_list(const struct capnet_addrinfo *ai, unsigned *count)
{
	static char buf[1024];
	size_t n = 0;
	unsigned c = 0;
	buf[0] = '\0';
	for (; ai; ai = ai->ai_next, c++) {
		struct capnet_ipaddr a = {0};
		uint16_t port;
		if (ai->ai_family == CAPNET_AF_INET_POSIX) {
			const struct capnet_sockaddr_in *s = (const void *)ai->ai_addr;
			const uint8_t *b = (const uint8_t *)&s->sin_addr, *p = (const uint8_t *)&s->sin_port;
			a = capnet_ipaddr_from_ip4(CAPNET_IP4(b[0], b[1], b[2], b[3]));
			port = (uint16_t)(p[0] << 8 | p[1]);
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s:%u", c ? " " : "", fmt_ipaddr(&a), port);
		} else {
			const struct capnet_sockaddr_in6 *s = (const void *)ai->ai_addr;
			const uint8_t *p = (const uint8_t *)&s->sin6_port;
			a.af = CAPNET_AF_INET6;
			memcpy(a.u.v6.b, s->sin6_addr, 16);
			port = (uint16_t)(p[0] << 8 | p[1]);
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s[%s]:%u", c ? " " : "", fmt_ipaddr(&a), port);
		}
		n += (size_t)snprintf(buf + n, sizeof buf - n, "/%s",
				      ai->ai_socktype == CAPNET_SOCK_STREAM ? "tcp" : "udp");
	}
	if (count)
		*count = c;
	return buf;
}

struct gai_case {
	const char *what, *node, *service;
	int flags, family, socktype;
	int want_rc;
	const char *want; /* the list, or NULL */
};

int proof_posix_getaddrinfo(struct proof_ctx *ctx)
{
	const struct capnet_mac mac_n = {{0x02, 0, 0, 0, 0, 0x53}}, mac_h = {{0x02, 0, 0, 0, 0, 0x0a}};
	const capnet_ip4addr ip_n = CAPNET_IP4(192, 0, 2, 53), ip_h = CAPNET_IP4(192, 0, 2, 10);
	struct capnet_sim *sim = proof_sim_open(ctx);
	if (sim == NULL)
		return 1;
	static struct dns_server ns;
	struct dns_server_config nc = {
		.mac = mac_n, .addr = ip_n, .zone = "example.test", .negative_ttl = 30, .impair = &proof_wire_1ms,
		.n_records = 4,
		.records = {
			{.name = "www.example.test", .type = CAPNET_DNS_TYPE_A, .ttl = 300, .addr = {192, 0, 2, 9}},
			{.name = "www.example.test", .type = CAPNET_DNS_TYPE_AAAA, .ttl = 300,
			 .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 9}},
			{.name = "web.example.test", .type = CAPNET_DNS_TYPE_CNAME, .ttl = 300, .target = "www.example.test"},
			{.name = "v4only.example.test", .type = CAPNET_DNS_TYPE_A, .ttl = 300, .addr = {192, 0, 2, 10}},
		},
	};
	static struct sim_stack h;
	memset(&h, 0, sizeof h);
	if (dns_server_open(&ns, sim, &nc) != CAPNET_OK ||
	    sim_stack_open(&h, "H", sim, ctx->seed, mac_h, &proof_wire_1ms, NULL) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	struct capnet_cspace *boot = capnet_stack_boot_cspace(h.stack), *app, *bare;
	capnet_handle nm = capnet_stack_netmgr(h.stack, 0), r0, res;
	struct capnet_ip4cfg_layer l = {.addr = ip_h, .prefix_len = 24, .n_dns = 1, .dns = {ip_n}, .n_search = 1};
	strcpy(l.search[0], "example.test");
	if (capnet_netmgr_set_static_config(boot, nm, &l, 0) != CAPNET_OK ||
	    capnet_cspace_create(capnet_stack_capsys(h.stack), "app", &app) != CAPNET_OK ||
	    capnet_cspace_create(capnet_stack_capsys(h.stack), "no-resolver", &bare) != CAPNET_OK ||
	    capnet_netmgr_mint_dns(boot, nm, &r0) != CAPNET_OK ||
	    capnet_cap_grant(boot, r0, app, CAPNET_RIGHT_SEND | CAPNET_RIGHT_READ, NULL, &res) != CAPNET_OK) {
		capnet_sim_destroy(sim);
		return 1;
	}
	proof_note(ctx, 0, "host %s static, DNS %s, search example.test; cspace app holds one DnsResolver", fmt_ip4(ip_h),
		   fmt_ip4(ip_n));
	static struct capnet_gai_pool pool;
	memset(&pool, 0, sizeof pool);
	struct capnet_wait_driver drv = sim_wait_driver(sim);
	struct capnet_gai_ctx g = {.cs = app, .dns = res, .pool = &pool, .driver = &drv, .limit = CAPNET_S(30)};

	const struct gai_case cases[] = {
		{"AF_INET www http", "www.example.test", "http", 0, CAPNET_AF_INET_POSIX, 0, 0, "192.0.2.9:80/tcp"},
		{"AF_INET6 www 443/stream", "www.example.test", "443", 0, CAPNET_AF_INET6_POSIX, CAPNET_SOCK_STREAM, 0,
		 "[2001:db8::9]:443/tcp"},
		{"AF_UNSPEC www domain (IPv4 first: the host has no IPv6)", "www", "domain", 0, CAPNET_AF_UNSPEC_POSIX, 0, 0,
		 "192.0.2.9:53/tcp 192.0.2.9:53/udp [2001:db8::9]:53/tcp [2001:db8::9]:53/udp"},
		{"AI_ADDRCONFIG AF_UNSPEC: only what the host can reach (IPv4)", "www.example.test", "80",
		 CAPNET_AI_ADDRCONFIG, 0, CAPNET_SOCK_STREAM, 0, "192.0.2.9:80/tcp"},
		{"AI_V4MAPPED AF_INET6, no AAAA", "v4only.example.test", "80", CAPNET_AI_V4MAPPED, CAPNET_AF_INET6_POSIX,
		 CAPNET_SOCK_STREAM, 0, "[::ffff:192.0.2.10]:80/tcp"},
		{"AI_PASSIVE, no node: the wildcards", NULL, "8080", CAPNET_AI_PASSIVE, 0, CAPNET_SOCK_STREAM, 0,
		 "[::]:8080/tcp 0.0.0.0:8080/tcp"},
		{"no node, no AI_PASSIVE: loopback", NULL, "ntp", 0, CAPNET_AF_INET_POSIX, 0, 0, "127.0.0.1:123/udp"},
		{"AI_NUMERICHOST literal", "192.0.2.77", "22", CAPNET_AI_NUMERICHOST, 0, CAPNET_SOCK_STREAM, 0,
		 "192.0.2.77:22/tcp"},
		{"AI_NUMERICHOST IPv6 literal", "2001:db8::1", "22", CAPNET_AI_NUMERICHOST, 0, CAPNET_SOCK_STREAM, 0,
		 "[2001:db8::1]:22/tcp"},
		{"AI_NUMERICHOST with a name", "www.example.test", "22", CAPNET_AI_NUMERICHOST, 0, 0, CAPNET_EAI_NONAME,
		 NULL},
		{"AI_NUMERICSERV with a name", "192.0.2.77", "http", CAPNET_AI_NUMERICSERV, 0, 0, CAPNET_EAI_NONAME, NULL},
		{"unknown flag 0x8000", "www.example.test", "80", 0x8000, 0, 0, CAPNET_EAI_BADFLAGS, NULL},
		{"AI_CANONNAME without a node", NULL, "80", CAPNET_AI_CANONNAME, 0, 0, CAPNET_EAI_BADFLAGS, NULL},
		{"family AF_PACKET (17)", "www.example.test", "80", 0, 17, 0, CAPNET_EAI_FAMILY, NULL},
		{"IPv6 literal asked as AF_INET", "2001:db8::1", "80", 0, CAPNET_AF_INET_POSIX, 0, CAPNET_EAI_FAMILY, NULL},
		{"socktype SOCK_RAW (3)", "www.example.test", "80", 0, 0, 3, CAPNET_EAI_SOCKTYPE, NULL},
		{"service not in the table", "www.example.test", "gopher", 0, 0, 0, CAPNET_EAI_SERVICE, NULL},
		{"ntp is UDP only: asked for a stream", "www.example.test", "ntp", 0, 0, CAPNET_SOCK_STREAM,
		 CAPNET_EAI_SERVICE, NULL},
		{"NXDOMAIN", "nope.example.test", "80", 0, CAPNET_AF_INET_POSIX, 0, CAPNET_EAI_NONAME, NULL},
		{"NODATA (no AAAA)", "v4only.example.test", "80", 0, CAPNET_AF_INET6_POSIX, 0, CAPNET_EAI_NODATA, NULL},
		{"no node, no service", NULL, NULL, 0, 0, 0, CAPNET_EAI_NONAME, NULL},
	};
	bool all_freed = true;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct gai_case *c = &cases[i];
		struct capnet_addrinfo hints = {.ai_flags = c->flags, .ai_family = c->family, .ai_socktype = c->socktype};
		struct capnet_addrinfo *ai = NULL;
		int rc = capnet_getaddrinfo(&g, c->node, c->service, &hints, &ai);
		const char *list = rc == 0 ? fmt_list(ai, NULL) : "";
		bool ok = rc == c->want_rc && (c->want == NULL ? ai == NULL : strcmp(list, c->want) == 0);
		if (rc == 0)
			proof_check(ctx, capnet_sim_now(sim), ok, "%s: 0 %s", c->what, list);
		else
			proof_check(ctx, capnet_sim_now(sim), ok, "%s: %s (%s)", c->what, eai_name(rc),
				    capnet_gai_strerror(rc));
		capnet_freeaddrinfo(&g, ai);
		all_freed = all_freed && capnet_gai_pool_in_use(&pool) == 0;
	}

	/* AI_CANONNAME over a CNAME; freeaddrinfo gives the entries back. */
	struct capnet_addrinfo hints = {.ai_flags = CAPNET_AI_CANONNAME, .ai_family = CAPNET_AF_INET_POSIX,
					.ai_socktype = CAPNET_SOCK_STREAM};
	struct capnet_addrinfo *ai = NULL;
	int rc = capnet_getaddrinfo(&g, "web.example.test", "https", &hints, &ai);
	size_t used = capnet_gai_pool_in_use(&pool);
	proof_check(ctx, capnet_sim_now(sim),
		    rc == 0 && ai && ai->ai_canonname && strcmp(ai->ai_canonname, "www.example.test") == 0 && used == 1,
		    "AI_CANONNAME web.example.test: %s, canonical name %s (1 pool entry)", rc == 0 ? fmt_list(ai, NULL) : "",
		    ai && ai->ai_canonname ? ai->ai_canonname : "-");
	capnet_freeaddrinfo(&g, ai);
	capnet_freeaddrinfo(&g, ai); /* twice: ignored */
	proof_check(ctx, capnet_sim_now(sim), all_freed && capnet_gai_pool_in_use(&pool) == 0,
		    "every list went back to the caller's pool (%u entries, none in use; a second free ignored)",
		    (unsigned)CAPNET_GAI_POOL_ENTRIES);

	/* EAI_MEMORY: a pool too small; EAI_AGAIN: the server silent. */
	static struct capnet_gai_pool small;
	memset(&small, 0, sizeof small);
	for (size_t i = 0; i < CAPNET_GAI_POOL_ENTRIES - 1; i++)
		small.e[i].used = true;
	struct capnet_gai_ctx g2 = g;
	g2.pool = &small;
	rc = capnet_getaddrinfo(&g2, "www.example.test", "domain", NULL, &ai);
	proof_check(ctx, capnet_sim_now(sim), rc == CAPNET_EAI_MEMORY && capnet_gai_pool_in_use(&small) == 31,
		    "one pool entry free for 4 results: %s (%s), nothing taken", eai_name(rc), capnet_gai_strerror(rc));
	dns_server_set_mode(&ns, DNS_SERVER_SILENT);
	capnet_instant t0 = capnet_sim_now(sim);
	rc = capnet_getaddrinfo(&g, "slow.example.test", "80", NULL, &ai);
	proof_check(ctx, capnet_sim_now(sim), rc == CAPNET_EAI_AGAIN && capnet_sim_now(sim) - t0 == CAPNET_S(4),
		    "silent server: %s (%s) after %s s", eai_name(rc), capnet_gai_strerror(rc),
		    fmt_time(capnet_sim_now(sim) - t0));
	dns_server_set_mode(&ns, DNS_SERVER_SERVFAIL);
	rc = capnet_getaddrinfo(&g, "broken.example.test", "80", NULL, &ai);
	proof_check(ctx, capnet_sim_now(sim), rc == CAPNET_EAI_AGAIN, "SERVFAIL: %s", eai_name(rc));
	dns_server_set_mode(&ns, DNS_SERVER_REFUSED);
	rc = capnet_getaddrinfo(&g, "closed.example.test", "80", NULL, &ai);
	proof_check(ctx, capnet_sim_now(sim), rc == CAPNET_EAI_FAIL, "REFUSED: %s (%s)", eai_name(rc),
		    capnet_gai_strerror(rc));
	dns_server_set_mode(&ns, DNS_SERVER_NORMAL);

	/* No resolver cap: no ambient fallback. */
	uint64_t tx0 = sim_stack_stat(&h, CAPNET_STAT_eth_tx_frames);
	struct capnet_gai_ctx g3 = {.cs = bare, .dns = res, .pool = &pool, .driver = &drv, .limit = CAPNET_S(30)};
	rc = capnet_getaddrinfo(&g3, "www.example.test", "80", NULL, &ai);
	capnet_sim_run_until(sim, capnet_sim_now(sim) + CAPNET_MS(10));
	proof_check(ctx, capnet_sim_now(sim), rc == CAPNET_EAI_FAIL && sim_stack_stat(&h, CAPNET_STAT_eth_tx_frames) == tx0,
		    "a cspace without the resolver (a copied handle): %s, no frame sent", eai_name(rc));

	/* The resolv.conf projection. */
	char text[512];
	size_t len = 0;
	int e = capnet_resolvconf_read(app, res, text, sizeof text, &len);
	const char *want = "# projected from the DnsResolver status (servers: static, search: static); read-only\n"
			   "nameserver 192.0.2.53\nsearch example.test\noptions ndots:1 timeout:2 attempts:2\n";
	proof_check(ctx, capnet_sim_now(sim), e == 0 && strcmp(text, want) == 0, "resolv.conf projection (%zu bytes):",
		    len);
	for (char *p = text, *nl; e == 0 && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		proof_note(ctx, capnet_sim_now(sim), "  | %s", p);
	}
	int ro = capnet_resolvconf_open(app, res, 0), wo = capnet_resolvconf_open(app, res, 1),
	    rw = capnet_resolvconf_open(app, res, 2), wr = capnet_resolvconf_write(app, res, "nameserver 6.6.6.6\n", 19);
	int absent = capnet_resolvconf_open(bare, res, 0);
	e = capnet_resolvconf_read(app, res, text, sizeof text, &len);
	proof_check(ctx, capnet_sim_now(sim),
		    ro == 0 && wo == CAPNET_EACCES && rw == CAPNET_EACCES && wr == CAPNET_EACCES &&
			    absent == CAPNET_ENOENT && e == 0 && strstr(text, "6.6.6.6") == NULL,
		    "open O_RDONLY %s, O_WRONLY %s, O_RDWR %s, write %s (unchanged); without the cap %s",
		    ro == 0 ? "0" : capnet_errno_name(ro), capnet_errno_name(wo), capnet_errno_name(rw),
		    capnet_errno_name(wr), capnet_errno_name(absent));
	sim_stack_close(&h);
	capnet_sim_destroy(sim);
	return 0;
}
