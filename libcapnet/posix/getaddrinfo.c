/* getaddrinfo/freeaddrinfo/gai_strerror over a DnsResolver cap (see
 * capnet/netdb.h for the contract). The result entries come from the
 * caller's pool; nothing here allocates. */
#include <string.h>

#include "capnet/dns_cap.h"
#include "capnet/netdb.h"
#include "capnet/posix.h"

int capnet_gai_of_status(enum capnet_dns_status s)
{
	switch (s) {
	case CAPNET_DNS_FOUND:
		return 0;
	case CAPNET_DNS_NXDOMAIN:
	case CAPNET_DNS_BADNAME:
		return CAPNET_EAI_NONAME;
	case CAPNET_DNS_NODATA:
		return CAPNET_EAI_NODATA;
	case CAPNET_DNS_TIMEOUT:
	case CAPNET_DNS_SERVFAIL:
	case CAPNET_DNS_UNAVAILABLE:
	case CAPNET_DNS_PENDING:
		return CAPNET_EAI_AGAIN;
	default:
		return CAPNET_EAI_FAIL;
	}
}

const char *capnet_gai_strerror(int code)
{
	switch (code) {
	case 0:
		return "Success";
	case CAPNET_EAI_BADFLAGS:
		return "Bad value for ai_flags";
	case CAPNET_EAI_NONAME:
		return "Name or service not known";
	case CAPNET_EAI_AGAIN:
		return "Temporary failure in name resolution";
	case CAPNET_EAI_FAIL:
		return "Non-recoverable failure in name resolution";
	case CAPNET_EAI_NODATA:
		return "No address associated with hostname";
	case CAPNET_EAI_FAMILY:
		return "ai_family not supported";
	case CAPNET_EAI_SOCKTYPE:
		return "ai_socktype not supported";
	case CAPNET_EAI_SERVICE:
		return "Servname not supported for ai_socktype";
	case CAPNET_EAI_MEMORY:
		return "Memory allocation failure";
	case CAPNET_EAI_SYSTEM:
		return "System error";
	case CAPNET_EAI_OVERFLOW:
		return "Argument buffer overflow";
	default:
		return "Unknown error";
	}
}

size_t capnet_gai_pool_in_use(const struct capnet_gai_pool *p)
{
	size_t n = 0;
	for (size_t i = 0; i < CAPNET_GAI_POOL_ENTRIES; i++)
		n += p->e[i].used;
	return n;
}

static uint16_t be16(uint16_t v)
{
	const uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	uint16_t r;
	memcpy(&r, b, 2);
	return r;
}

/* ---- the service ---- */

static int parse_service(const char *service, int flags, int socktype, uint16_t *port, unsigned *protos)
{
	*port = 0;
	*protos = CAPNET_SERV_TCP | CAPNET_SERV_UDP;
	if (service == NULL)
		return 0;
	if (service[0] >= '0' && service[0] <= '9') {
		unsigned v = 0;
		for (const char *p = service; *p; p++) {
			if (*p < '0' || *p > '9')
				return CAPNET_EAI_SERVICE;
			v = v * 10 + (unsigned)(*p - '0');
			if (v > 65535)
				return CAPNET_EAI_SERVICE;
		}
		*port = (uint16_t)v;
		return 0;
	}
	if (flags & CAPNET_AI_NUMERICSERV)
		return CAPNET_EAI_NONAME;
	if (!capnet_getservbyname(service, port, protos))
		return CAPNET_EAI_SERVICE;
	if ((socktype == CAPNET_SOCK_STREAM && !(*protos & CAPNET_SERV_TCP)) ||
	    (socktype == CAPNET_SOCK_DGRAM && !(*protos & CAPNET_SERV_UDP)))
		return CAPNET_EAI_SERVICE;
	return 0;
}

/* ---- the addresses ---- */

struct found {
	uint8_t n;
	struct capnet_ipaddr a[CAPNET_DNS_MAX_ADDRS];
	char canon[CAPNET_DNS_TEXT_NAME_MAX + 1];
};

static bool waited(void *ctx);

struct wait {
	struct capnet_gai_ctx *g;
	uint32_t req;
	struct capnet_dns_result *out;
	capnet_err e;
	bool done;
};

static bool waited(void *ctx)
{
	struct wait *w = ctx;
	if (!w->done) {
		w->e = capnet_dnscap_result(w->g->cs, w->g->dns, w->req, w->out);
		w->done = w->e != CAPNET_E_AGAIN;
	}
	return w->done;
}

/* One resolve through the cap, waiting through the driver. */
static int resolve(struct capnet_gai_ctx *g, const char *node, uint8_t family, struct capnet_dns_result *r)
{
	capnet_instant now = g->driver ? g->driver->now(g->driver->ctx) : 0;
	struct wait w = {.g = g, .out = r};
	size_t len = 0;
	while (len <= CAPNET_DNS_TEXT_NAME_MAX + 1 && node[len])
		len++;
	if (len > CAPNET_DNS_TEXT_NAME_MAX + 1 || (len == CAPNET_DNS_TEXT_NAME_MAX + 1 && node[len - 1] != '.'))
		return CAPNET_EAI_NONAME; /* a name too long to exist */
	capnet_err e = capnet_dnscap_resolve(g->cs, g->dns, node, family, now, &w.req);
	if (e != CAPNET_OK) /* no usable cap (audited), or every lookup busy */
		return e == CAPNET_E_NOMEM ? CAPNET_EAI_MEMORY : CAPNET_EAI_FAIL;
	if (!waited(&w) && g->driver)
		g->driver->step(g->driver->ctx, now + g->limit, waited, &w);
	if (!w.done) {
		capnet_dnscap_cancel(g->cs, g->dns, w.req);
		return CAPNET_EAI_AGAIN;
	}
	if (w.e != CAPNET_OK)
		return CAPNET_EAI_FAIL;
	return capnet_gai_of_status(r->status);
}

static void add(struct found *f, const struct capnet_ipaddr *a)
{
	if (f->n < CAPNET_DNS_MAX_ADDRS)
		f->a[f->n++] = *a;
}

static struct capnet_ipaddr v4mapped(const struct capnet_ipaddr *a)
{
	struct capnet_ipaddr m = {.af = CAPNET_AF_INET6};
	m.u.v6.b[10] = m.u.v6.b[11] = 0xff;
	m.u.v6.b[12] = (uint8_t)(a->u.v4 >> 24);
	m.u.v6.b[13] = (uint8_t)(a->u.v4 >> 16);
	m.u.v6.b[14] = (uint8_t)(a->u.v4 >> 8);
	m.u.v6.b[15] = (uint8_t)a->u.v4;
	return m;
}

static int lookup(struct capnet_gai_ctx *g, const char *node, int family, int flags, struct found *f)
{
	struct capnet_dns_stub_status st;
	bool have4 = true, have6 = true;
	if (flags & CAPNET_AI_ADDRCONFIG) {
		if (capnet_dnscap_status(g->cs, g->dns, &st) != CAPNET_OK)
			return CAPNET_EAI_FAIL;
		have4 = st.have_ip4;
		have6 = st.have_ip6;
	}
	struct capnet_dns_result r;
	int rc;
	if (family == CAPNET_AF_INET_POSIX) {
		if (!have4)
			return CAPNET_EAI_NONAME;
		rc = resolve(g, node, CAPNET_AF_INET, &r);
	} else if (family == CAPNET_AF_INET6_POSIX) {
		if (!have6 && !(flags & CAPNET_AI_V4MAPPED))
			return CAPNET_EAI_NONAME;
		rc = resolve(g, node, CAPNET_AF_INET6, &r);
		/* AI_V4MAPPED: A records as ::ffff:a.b.c.d when there is no
		 * AAAA (or always, with AI_ALL) */
		if ((flags & CAPNET_AI_V4MAPPED) && (rc != 0 || (flags & CAPNET_AI_ALL)) &&
		    rc != CAPNET_EAI_AGAIN && rc != CAPNET_EAI_FAIL) {
			struct capnet_dns_result r4;
			int rc4 = resolve(g, node, CAPNET_AF_INET, &r4);
			if (rc4 == 0) {
				if (rc != 0)
					r.n_addrs = 0;
				for (size_t i = 0; i < r4.n_addrs && r.n_addrs < CAPNET_DNS_MAX_ADDRS; i++)
					r.addrs[r.n_addrs++] = v4mapped(&r4.addrs[i]);
				if (rc != 0)
					memcpy(r.canon, r4.canon, sizeof r.canon);
				rc = 0;
			}
		}
	} else {
		uint8_t fam = have4 && have6 ? CAPNET_AF_NONE : have4 ? CAPNET_AF_INET : CAPNET_AF_INET6;
		if (!have4 && !have6)
			return CAPNET_EAI_NONAME;
		rc = resolve(g, node, fam, &r);
	}
	if (rc != 0)
		return rc;
	memcpy(f->canon, r.canon[0] ? r.canon : node, sizeof f->canon);
	/* IPv6 first only when the host has IPv6 (RFC 6724, see netdb.h);
	 * the resolver gives A answers first. */
	bool six_first = family == CAPNET_AF_UNSPEC_POSIX && have6 && (flags & CAPNET_AI_ADDRCONFIG);
	for (int pass = 0; pass < 2; pass++) {
		uint8_t want = (pass == 0) == six_first ? CAPNET_AF_INET6 : CAPNET_AF_INET;
		for (size_t i = 0; i < r.n_addrs; i++)
			if (r.addrs[i].af == want)
				add(f, &r.addrs[i]);
	}
	return 0;
}

/* ---- the result list ---- */

static struct capnet_gai_entry *take(struct capnet_gai_pool *p)
{
	for (size_t i = 0; i < CAPNET_GAI_POOL_ENTRIES; i++)
		if (!p->e[i].used) {
			memset(&p->e[i], 0, sizeof p->e[i]);
			p->e[i].used = true;
			return &p->e[i];
		}
	return NULL;
}

static void give_back(struct capnet_gai_pool *p, struct capnet_addrinfo *list)
{
	while (list) {
		struct capnet_addrinfo *next = list->ai_next;
		struct capnet_gai_entry *e = (struct capnet_gai_entry *)list;
		if (e < p->e || e >= p->e + CAPNET_GAI_POOL_ENTRIES || !e->used)
			return;
		e->used = false;
		e->head = false;
		list = next;
	}
}

static int build(struct capnet_gai_ctx *g, const struct found *f, int flags, int socktype, int protocol,
		 uint16_t port, unsigned protos, struct capnet_addrinfo **res)
{
	struct capnet_addrinfo *head = NULL, **tail = &head;
	int types[2] = {CAPNET_SOCK_STREAM, CAPNET_SOCK_DGRAM};
	for (size_t i = 0; i < f->n; i++) {
		for (int k = 0; k < 2; k++) {
			int t = types[k];
			if (socktype != 0 && socktype != t)
				continue;
			if (!(protos & (t == CAPNET_SOCK_STREAM ? CAPNET_SERV_TCP : CAPNET_SERV_UDP)))
				continue;
			int proto = t == CAPNET_SOCK_STREAM ? CAPNET_IPPROTO_TCP_POSIX : CAPNET_IPPROTO_UDP_POSIX;
			if (protocol != 0 && protocol != proto)
				continue;
			struct capnet_gai_entry *e = take(g->pool);
			if (e == NULL) {
				give_back(g->pool, head);
				return CAPNET_EAI_MEMORY;
			}
			e->ai.ai_flags = flags;
			e->ai.ai_socktype = t;
			e->ai.ai_protocol = proto;
			e->ai.ai_addr = (struct capnet_sockaddr *)&e->sa;
			if (f->a[i].af == CAPNET_AF_INET) {
				e->ai.ai_family = CAPNET_AF_INET_POSIX;
				e->ai.ai_addrlen = sizeof e->sa.in;
				e->sa.in.sin_family = CAPNET_AF_INET_POSIX;
				e->sa.in.sin_port = be16(port);
				const uint8_t b[4] = {(uint8_t)(f->a[i].u.v4 >> 24), (uint8_t)(f->a[i].u.v4 >> 16),
						      (uint8_t)(f->a[i].u.v4 >> 8), (uint8_t)f->a[i].u.v4};
				memcpy(&e->sa.in.sin_addr, b, 4);
			} else {
				e->ai.ai_family = CAPNET_AF_INET6_POSIX;
				e->ai.ai_addrlen = sizeof e->sa.in6;
				e->sa.in6.sin6_family = CAPNET_AF_INET6_POSIX;
				e->sa.in6.sin6_port = be16(port);
				memcpy(e->sa.in6.sin6_addr, f->a[i].u.v6.b, 16);
			}
			if (head == NULL && (flags & CAPNET_AI_CANONNAME)) {
				memcpy(e->canon, f->canon, sizeof e->canon);
				e->ai.ai_canonname = e->canon;
			}
			*tail = &e->ai;
			tail = &e->ai.ai_next;
		}
	}
	if (head == NULL)
		return CAPNET_EAI_SERVICE; /* every socket type filtered out */
	((struct capnet_gai_entry *)head)->head = true;
	*res = head;
	return 0;
}

int capnet_getaddrinfo(struct capnet_gai_ctx *g, const char *node, const char *service,
		       const struct capnet_addrinfo *hints, struct capnet_addrinfo **res)
{
	static const struct capnet_addrinfo none;
	if (hints == NULL)
		hints = &none;
	if (g == NULL || g->pool == NULL || res == NULL)
		return CAPNET_EAI_SYSTEM;
	*res = NULL;
	int flags = hints->ai_flags, family = hints->ai_family, socktype = hints->ai_socktype;
	if (flags & ~CAPNET_AI_SUPPORTED)
		return CAPNET_EAI_BADFLAGS;
	if ((flags & CAPNET_AI_CANONNAME) && node == NULL)
		return CAPNET_EAI_BADFLAGS;
	if (family != CAPNET_AF_UNSPEC_POSIX && family != CAPNET_AF_INET_POSIX && family != CAPNET_AF_INET6_POSIX)
		return CAPNET_EAI_FAMILY;
	if (socktype != 0 && socktype != CAPNET_SOCK_STREAM && socktype != CAPNET_SOCK_DGRAM)
		return CAPNET_EAI_SOCKTYPE;
	if (node == NULL && service == NULL)
		return CAPNET_EAI_NONAME;
	uint16_t port;
	unsigned protos;
	int rc = parse_service(service, flags, socktype, &port, &protos);
	if (rc != 0)
		return rc;

	struct found f;
	memset(&f, 0, sizeof f);
	struct capnet_ipaddr a = {0};
	uint8_t b6[16], b4[4];
	if (node == NULL) {
		/* AI_PASSIVE: the wildcard; otherwise loopback (RFC 3493 6.1) */
		bool passive = flags & CAPNET_AI_PASSIVE;
		if (family != CAPNET_AF_INET_POSIX) {
			a.af = CAPNET_AF_INET6;
			memset(a.u.v6.b, 0, 16);
			if (!passive)
				a.u.v6.b[15] = 1;
			add(&f, &a);
		}
		if (family != CAPNET_AF_INET6_POSIX) {
			a = capnet_ipaddr_from_ip4(passive ? 0 : CAPNET_IP4(127, 0, 0, 1));
			add(&f, &a);
		}
	} else if (capnet_inet_pton4(node, b4)) {
		a = capnet_ipaddr_from_ip4(CAPNET_IP4(b4[0], b4[1], b4[2], b4[3]));
		if (family == CAPNET_AF_INET6_POSIX) {
			if (!(flags & CAPNET_AI_V4MAPPED))
				return CAPNET_EAI_FAMILY;
			a = v4mapped(&a);
		}
		add(&f, &a);
		memcpy(f.canon, node, strlen(node) + 1);
	} else if (capnet_inet_pton6(node, b6)) {
		if (family == CAPNET_AF_INET_POSIX)
			return CAPNET_EAI_FAMILY;
		a.af = CAPNET_AF_INET6;
		memcpy(a.u.v6.b, b6, 16);
		add(&f, &a);
		memcpy(f.canon, node, strlen(node) + 1);
	} else if (flags & CAPNET_AI_NUMERICHOST) {
		return CAPNET_EAI_NONAME;
	} else {
		rc = lookup(g, node, family, flags, &f);
		if (rc != 0)
			return rc;
	}
	return build(g, &f, flags, socktype, hints->ai_protocol, port, protos, res);
}

void capnet_freeaddrinfo(struct capnet_gai_ctx *g, struct capnet_addrinfo *res)
{
	if (g == NULL || g->pool == NULL || res == NULL)
		return;
	struct capnet_gai_entry *e = (struct capnet_gai_entry *)res;
	if (e < g->pool->e || e >= g->pool->e + CAPNET_GAI_POOL_ENTRIES || !e->used || !e->head)
		return; /* not a list head from this pool, or freed already */
	give_back(g->pool, res);
}
