/* The DNS stub resolver: lookups, their queries, the cache. See
 * capnet/dns_stub.h for the rules; comments here say why. */
#include <stddef.h>
#include <string.h>

#include "capnet/config.h"
#include "capnet/dns_stub.h"
#include "capnet/ip6.h"
#include "capnet/rng.h"
#include "capnet/tcp.h"

/* One question on the wire (one type of one candidate name). */
struct query {
	bool active, done;
	uint16_t qtype;
	char key[CAPNET_DNS_TEXT_NAME_MAX + 1];  /* the candidate (cache key) */
	char name[CAPNET_DNS_TEXT_NAME_MAX + 1]; /* as sent: CNAME target, 0x20 case */
	uint16_t id;
	struct capnet_udp_socket *sock;
	struct capnet_tcp_sock *tsock; /* RFC 7766: the retry of a TC answer */
	uint16_t tlen;                 /* bytes of the TCP answer so far */
	bool tcp_tried;                /* this try went to TCP already */
	uint8_t tbuf[CAPNET_DNS_TCP_ANSWER_MAX + 2];
	struct capnet_ipaddr server;
	uint16_t tries;
	uint8_t hops; /* CNAME links followed */
	capnet_instant try_deadline;
	enum capnet_dns_status status, last_fail;
	uint8_t n;
	struct capnet_ipaddr addrs[CAPNET_DNS_MAX_ADDRS];
	uint32_t ttl;
	char canon[CAPNET_DNS_TEXT_NAME_MAX + 1];
	bool from_cache;
};

struct lookup {
	bool used, done;
	uint32_t id, tag;
	unsigned want;
	char name[CAPNET_DNS_TEXT_NAME_MAX + 1];
	char cur[CAPNET_DNS_TEXT_NAME_MAX + 1];
	uint8_t cand;
	bool saw_nodata;
	capnet_instant deadline;
	struct query q[2]; /* [0] A, [1] AAAA */
	struct capnet_dns_result res;
};

struct cache_entry {
	bool used;
	uint16_t qtype;
	enum capnet_dns_status status; /* FOUND, NXDOMAIN or NODATA */
	char name[CAPNET_DNS_TEXT_NAME_MAX + 1];
	char canon[CAPNET_DNS_TEXT_NAME_MAX + 1];
	uint8_t n;
	struct capnet_ipaddr addrs[CAPNET_DNS_MAX_ADDRS];
	capnet_instant expires;
};

struct capnet_dns_stub {
	struct capnet_dns_stub_config cfg;
	struct capnet_iface *ifc;
	struct capnet_udp_layer *udp;
	struct capnet_ip4cfg *ip4cfg;
	struct capnet_tcp *tcp; /* NULL: TC answers go to the next server */
	struct capnet_iface_timer timer;
	uint32_t next_id;
	struct lookup *lookups;
	struct cache_entry *cache;
	struct capnet_dns_stub_status st;
	uint8_t pkt[CAPNET_DEFAULT_UDP_DGRAM_SIZE];
};

static const char *const status_names[] = {
#define CAPNET_DNS_STATUS_NAME(n, s) s,
	CAPNET_DNS_STATUS_LIST(CAPNET_DNS_STATUS_NAME)
#undef CAPNET_DNS_STATUS_NAME
};

const char *capnet_dns_status_name(enum capnet_dns_status s)
{
	return (unsigned)s < CAPNET_DNS_STATUS__COUNT ? status_names[s] : "?";
}

void capnet_dns_stub_config_defaults(struct capnet_dns_stub_config *c)
{
	if (!c->max_lookups)
		c->max_lookups = CAPNET_DEFAULT_DNS_MAX_LOOKUPS;
	if (!c->cache_entries)
		c->cache_entries = CAPNET_DEFAULT_DNS_CACHE_ENTRIES;
	if (!c->max_addrs || c->max_addrs > CAPNET_DNS_MAX_ADDRS)
		c->max_addrs = CAPNET_DNS_MAX_ADDRS;
	if (!c->attempts)
		c->attempts = CAPNET_DEFAULT_DNS_ATTEMPTS;
	if (!c->ndots)
		c->ndots = CAPNET_DEFAULT_DNS_NDOTS;
	if (!c->max_cname)
		c->max_cname = CAPNET_DEFAULT_DNS_MAX_CNAME;
	if (!c->try_timeout)
		c->try_timeout = CAPNET_DEFAULT_DNS_TRY_TIMEOUT;
	if (!c->deadline)
		c->deadline = CAPNET_DEFAULT_DNS_DEADLINE;
	if (!c->max_ttl)
		c->max_ttl = CAPNET_DEFAULT_DNS_MAX_TTL;
	if (!c->max_neg_ttl)
		c->max_neg_ttl = CAPNET_DEFAULT_DNS_MAX_NEG_TTL;
	if (!c->edns_payload)
		c->edns_payload = CAPNET_DEFAULT_DNS_EDNS_PAYLOAD;
}

static struct capnet_dns_stub_config with_defaults(const struct capnet_dns_stub_config *cfg)
{
	struct capnet_dns_stub_config c = {0};
	if (cfg)
		c = *cfg;
	capnet_dns_stub_config_defaults(&c);
	return c;
}

size_t capnet_dns_stub_arena_need(const struct capnet_dns_stub_config *cfg)
{
	struct capnet_dns_stub_config c = with_defaults(cfg);
	return sizeof(struct capnet_dns_stub) + (size_t)c.max_lookups * sizeof(struct lookup) +
	       (size_t)c.cache_entries * sizeof(struct cache_entry) + 3 * _Alignof(max_align_t);
}

static capnet_instant stub_timer(void *ctx, struct capnet_iface *ifc, capnet_instant now)
{
	(void)ifc;
	return capnet_dns_stub_poll(ctx, now);
}

capnet_err capnet_dns_stub_create(struct capnet_arena *arena, const struct capnet_dns_stub_config *cfg,
				  struct capnet_iface *ifc, struct capnet_udp_layer *udp, struct capnet_ip4cfg *ip4cfg,
				  struct capnet_dns_stub **out)
{
	if (!arena || !ifc || !udp || !ip4cfg || !out)
		return CAPNET_E_INVAL;
	struct capnet_dns_stub_config c = with_defaults(cfg);
	struct capnet_dns_stub *d = capnet_arena_alloc(arena, sizeof *d, _Alignof(max_align_t));
	if (!d)
		return CAPNET_E_NOMEM;
	memset(d, 0, sizeof *d);
	d->lookups = capnet_arena_alloc(arena, (size_t)c.max_lookups * sizeof *d->lookups, _Alignof(max_align_t));
	d->cache = capnet_arena_alloc(arena, (size_t)c.cache_entries * sizeof *d->cache, _Alignof(max_align_t));
	if (!d->lookups || !d->cache)
		return CAPNET_E_NOMEM;
	memset(d->lookups, 0, (size_t)c.max_lookups * sizeof *d->lookups);
	memset(d->cache, 0, (size_t)c.cache_entries * sizeof *d->cache);
	d->cfg = c;
	d->ifc = ifc;
	d->udp = udp;
	d->ip4cfg = ip4cfg;
	d->next_id = 1;
	d->st.last_error = CAPNET_DNS_PENDING;
	/* Idle, the timer returns NEVER: a stack that never resolves
	 * polls exactly as before. */
	d->timer.poll = stub_timer;
	d->timer.ctx = d;
	capnet_iface_add_timer(ifc, &d->timer);
	*out = d;
	return CAPNET_OK;
}

/* ---- the cache ---- */

static struct cache_entry *cache_find(struct capnet_dns_stub *d, const char *name, uint16_t qtype,
				      capnet_instant now)
{
	for (size_t i = 0; i < d->cfg.cache_entries; i++) {
		struct cache_entry *e = &d->cache[i];
		if (!e->used)
			continue;
		if (e->expires <= now) { /* expired entries go as they are met */
			e->used = false;
			continue;
		}
		if (e->qtype == qtype && capnet_dns_name_eq(e->name, name))
			return e;
	}
	return NULL;
}

static void cache_put(struct capnet_dns_stub *d, const struct query *q, uint32_t ttl, capnet_instant now)
{
	if (ttl == 0)
		return; /* RFC 1035 3.2.1: zero means do not cache */
	struct cache_entry *e = cache_find(d, q->key, q->qtype, now);
	if (!e) {
		struct cache_entry *soonest = NULL;
		for (size_t i = 0; i < d->cfg.cache_entries && !e; i++) {
			if (!d->cache[i].used)
				e = &d->cache[i];
			else if (!soonest || d->cache[i].expires < soonest->expires)
				soonest = &d->cache[i];
		}
		if (!e) {
			e = soonest;
			d->st.cache_evictions++;
		}
	}
	if (!e)
		return;
	e->used = true;
	e->qtype = q->qtype;
	e->status = q->status;
	memcpy(e->name, q->key, sizeof e->name);
	memcpy(e->canon, q->canon, sizeof e->canon);
	e->n = q->n;
	memcpy(e->addrs, q->addrs, sizeof e->addrs);
	e->expires = now + CAPNET_S(ttl);
}

static size_t cache_count(const struct capnet_dns_stub *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->cfg.cache_entries; i++)
		n += d->cache[i].used;
	return n;
}

void capnet_dns_stub_set_tcp(struct capnet_dns_stub *d, struct capnet_tcp *tcp)
{
	d->tcp = tcp;
}

void capnet_dns_stub_flush(struct capnet_dns_stub *d)
{
	memset(d->cache, 0, (size_t)d->cfg.cache_entries * sizeof *d->cache);
}

/* ---- queries ---- */

static void query_close(struct query *q)
{
	if (q->sock)
		capnet_udp_close(q->sock);
	q->sock = NULL;
	if (q->tsock)
		capnet_tcp_abort(q->tsock, 0); /* RST: nothing more to say */
	q->tsock = NULL;
	q->tlen = 0;
}

static void query_finish(struct query *q, enum capnet_dns_status s)
{
	query_close(q);
	q->status = s;
	q->done = true;
}

/* 0x20 (draft-vixie-dnsext-dns0x20): each letter's case from the
 * generator; the answer must echo it exactly. */
static void randomise_case(struct capnet_dns_stub *d, char *name)
{
	uint64_t bits = 0;
	for (size_t i = 0; name[i]; i++) {
		if (i % 64 == 0)
			bits = capnet_rng_u64(capnet_iface_rng(d->ifc));
		char c = name[i];
		bool upper = (bits >> (i % 64)) & 1u;
		if (c >= 'a' && c <= 'z' && upper)
			name[i] = (char)(c - 'a' + 'A');
		else if (c >= 'A' && c <= 'Z' && !upper)
			name[i] = (char)(c - 'A' + 'a');
	}
}

/* The servers to ask: those of the IPv4 configuration (static, DHCP),
 * else the RDNSS servers router advertisements gave the IPv6 side
 * (provenance RA, RFC 8106). `tmp` holds the latter. */
static const struct capnet_resolver_inputs *servers(const struct capnet_dns_stub *d,
						    struct capnet_resolver_inputs *tmp)
{
	const struct capnet_resolver_inputs *in = capnet_ip4cfg_resolver(d->ip4cfg);
	if (in->n_servers > 0 || !capnet_ip6_enabled(d->ifc))
		return in;
	capnet_ip6_resolver(d->ifc, tmp);
	return tmp;
}

static bool server_configured(const struct capnet_dns_stub *d, const struct capnet_ipaddr *s)
{
	struct capnet_resolver_inputs tmp;
	const struct capnet_resolver_inputs *in = servers(d, &tmp);
	for (size_t i = 0; i < in->n_servers; i++)
		if (capnet_ipaddr_eq(&in->servers[i], s))
			return true;
	return false;
}

/* Sends the next try of q: the next server round robin, a new socket
 * (a new random port) and a new id. Ends q when the tries are used up. */
static void query_try(struct capnet_dns_stub *d, struct query *q, capnet_instant now)
{
	query_close(q);
	q->tcp_tried = false;
	for (;;) {
		struct capnet_resolver_inputs tmp;
		const struct capnet_resolver_inputs *in = servers(d, &tmp);
		if (in->n_servers == 0) {
			query_finish(q, CAPNET_DNS_UNAVAILABLE);
			return;
		}
		if (q->tries >= (unsigned)d->cfg.attempts * in->n_servers) {
			query_finish(q, q->last_fail != CAPNET_DNS_PENDING ? q->last_fail : CAPNET_DNS_TIMEOUT);
			return;
		}
		q->server = in->servers[q->tries % in->n_servers];
		q->tries++;
		const struct capnet_rng *rng = capnet_iface_rng(d->ifc);
		q->id = (uint16_t)capnet_rng_u32(rng);
		if (d->cfg.randomise_case)
			randomise_case(d, q->name);
		size_t n = capnet_dns_query_emit(q->id, q->name, q->qtype, d->cfg.edns_payload, d->pkt, sizeof d->pkt);
		if (n == 0 || capnet_udp_open(d->udp, &q->sock) != CAPNET_OK) {
			q->sock = NULL;
			query_finish(q, n == 0 ? CAPNET_DNS_BADNAME : CAPNET_DNS_UNAVAILABLE);
			return;
		}
		/* Either family: UDP over IPv6 shares the socket code. */
		capnet_err e = capnet_udp_connect_addr(q->sock, &q->server, CAPNET_DNS_PORT);
		if (e == CAPNET_OK)
			e = capnet_udp_send_to_addr(q->sock, NULL, 0, d->pkt, n, now);
		if (e != CAPNET_OK) {
			query_close(q);
			q->last_fail = CAPNET_DNS_UNAVAILABLE;
			continue;
		}
		d->st.queries_sent++;
		q->try_deadline = now + d->cfg.try_timeout;
		return;
	}
}

/* RFC 2308 5: the negative TTL is min(SOA TTL, SOA MINIMUM); no SOA, no
 * caching (0). */
static uint32_t negative_ttl(const struct capnet_dns_stub *d, const struct capnet_dns_msg *m)
{
	size_t idx = 0, off = m->rr_off;
	struct capnet_dns_rr rr;
	enum capnet_dns_section sec;
	while (capnet_dns_rr_next(m, &idx, &off, &rr, &sec)) {
		if (sec != CAPNET_DNS_SEC_AUTHORITY || rr.type != CAPNET_DNS_TYPE_SOA)
			continue;
		uint32_t t = rr.ttl < rr.rd.soa.minimum ? rr.ttl : rr.rd.soa.minimum;
		return t < d->cfg.max_neg_ttl ? t : d->cfg.max_neg_ttl;
	}
	return 0;
}

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* Follows the CNAME chain from q->name through the answer section and
 * collects the wanted records. Returns the status, or PENDING when the
 * chain ends without records and must be asked again for its target. */
static enum capnet_dns_status walk_answer(struct capnet_dns_stub *d, struct query *q, const struct capnet_dns_msg *m,
					  char *target, uint32_t *ttl)
{
	memcpy(target, q->name, CAPNET_DNS_TEXT_NAME_MAX + 1);
	*ttl = d->cfg.max_ttl;
	uint16_t want = q->qtype;
	for (;;) {
		bool moved = false;
		size_t idx = 0, off = m->rr_off;
		struct capnet_dns_rr rr;
		enum capnet_dns_section sec;
		while (capnet_dns_rr_next(m, &idx, &off, &rr, &sec)) {
			if (sec != CAPNET_DNS_SEC_ANSWER || rr.rclass != CAPNET_DNS_CLASS_IN ||
			    !capnet_dns_name_eq(rr.name, target))
				continue;
			if (rr.type == want && q->n < d->cfg.max_addrs) {
				struct capnet_ipaddr a = {0};
				if (want == CAPNET_DNS_TYPE_A) {
					a = capnet_ipaddr_from_ip4(((capnet_ip4addr)rr.rd.a[0] << 24) |
								   ((capnet_ip4addr)rr.rd.a[1] << 16) |
								   ((capnet_ip4addr)rr.rd.a[2] << 8) | rr.rd.a[3]);
				} else {
					a.af = CAPNET_AF_INET6;
					memcpy(a.u.v6.b, rr.rd.aaaa, 16);
				}
				q->addrs[q->n++] = a;
				*ttl = min_u32(*ttl, rr.ttl);
			} else if (rr.type == CAPNET_DNS_TYPE_CNAME && !moved && q->n == 0) {
				if (++q->hops > d->cfg.max_cname)
					return CAPNET_DNS_MALFORMED; /* a loop, or too long */
				*ttl = min_u32(*ttl, rr.ttl);
				memcpy(target, rr.rd.cname, CAPNET_DNS_TEXT_NAME_MAX + 1);
				moved = true;
			}
		}
		if (q->n > 0) {
			memcpy(q->canon, target, sizeof q->canon);
			return CAPNET_DNS_FOUND;
		}
		if (!moved)
			break;
	}
	return capnet_dns_name_eq(target, q->name) ? CAPNET_DNS_NODATA : CAPNET_DNS_PENDING;
}

/* Asks q's question again over TCP to the same server (RFC 7766 5, RFC
 * 1035 4.2.2: a two-byte length before the message), same id and name. */
static capnet_err query_tcp(struct capnet_dns_stub *d, struct query *q, capnet_instant now)
{
	uint8_t *w = d->pkt;
	size_t n = capnet_dns_query_emit(q->id, q->name, q->qtype, d->cfg.edns_payload, w + 2, sizeof d->pkt - 2);
	if (n == 0)
		return CAPNET_E_INVAL;
	w[0] = (uint8_t)(n >> 8);
	w[1] = (uint8_t)n;
	struct capnet_tcp_sock *t;
	capnet_err e = capnet_tcp_connect(d->tcp, &q->server, CAPNET_DNS_PORT, 0, NULL, now, &t);
	if (e != CAPNET_OK)
		return e;
	size_t queued = 0;
	e = capnet_tcp_send(t, w, n + 2, &queued, now); /* queued in SYN-SENT */
	if (e != CAPNET_OK || queued != n + 2) {
		capnet_tcp_abort(t, now);
		return e != CAPNET_OK ? e : CAPNET_E_NOBUFS;
	}
	if (q->sock)
		capnet_udp_close(q->sock);
	q->sock = NULL;
	q->tsock = t;
	q->tlen = 0;
	q->tcp_tried = true;
	q->try_deadline = now + d->cfg.try_timeout;
	d->st.tcp_retries++;
	return CAPNET_OK;
}

static void query_answer(struct capnet_dns_stub *d, struct query *q, const uint8_t *buf, size_t len,
			 const struct capnet_udp_meta *meta, capnet_instant now)
{
	if (!capnet_ipaddr_eq(&meta->src_addr, &q->server) || meta->src_port != CAPNET_DNS_PORT) {
		d->st.mismatched++;
		return;
	}
	struct capnet_dns_msg m;
	enum capnet_dns_error e = capnet_dns_parse(buf, len, &m);
	if (e != CAPNET_DNS_ERR_NONE) {
		d->st.malformed[e]++;
		return;
	}
	bool name_ok = d->cfg.randomise_case ? strcmp(m.qname, q->name) == 0 : capnet_dns_name_eq(m.qname, q->name);
	if (m.hdr.id != q->id || !(m.hdr.flags & CAPNET_DNS_FLAG_QR) || CAPNET_DNS_OPCODE(m.hdr.flags) != 0 ||
	    !m.has_question || m.hdr.qdcount != 1 || !name_ok || m.qtype != q->qtype ||
	    m.qclass != CAPNET_DNS_CLASS_IN) {
		d->st.mismatched++;
		return;
	}
	unsigned rcode = CAPNET_DNS_RCODE(m.hdr.flags);
	if (rcode == CAPNET_DNS_RCODE_NXDOMAIN) {
		query_finish(q, CAPNET_DNS_NXDOMAIN);
		cache_put(d, q, negative_ttl(d, &m), now);
		return;
	}
	if (rcode != CAPNET_DNS_RCODE_NOERROR) {
		/* SERVFAIL, REFUSED, FORMERR, NOTIMP: this server cannot help;
		 * ask the next one at once. */
		q->last_fail = rcode == CAPNET_DNS_RCODE_REFUSED ? CAPNET_DNS_REFUSED : CAPNET_DNS_SERVFAIL;
		query_try(d, q, now);
		return;
	}
	char target[CAPNET_DNS_TEXT_NAME_MAX + 1];
	uint32_t ttl;
	q->n = 0;
	enum capnet_dns_status s = walk_answer(d, q, &m, target, &ttl);
	if (m.hdr.flags & CAPNET_DNS_FLAG_TC) {
		d->st.truncated++;
		q->n = 0;
		if (d->tcp != NULL && !q->tcp_tried && query_tcp(d, q, now) == CAPNET_OK)
			return; /* RFC 7766 5: the same question over TCP */
		q->last_fail = CAPNET_DNS_MALFORMED;
		query_try(d, q, now);
		return;
	}
	if (s == CAPNET_DNS_PENDING) {
		/* The chain ended on a name this server gave no records for:
		 * ask for the target (the hops so far count). */
		memcpy(q->name, target, sizeof q->name);
		q->tries = 0;
		query_try(d, q, now);
		return;
	}
	query_finish(q, s);
	if (s == CAPNET_DNS_FOUND) {
		q->ttl = ttl;
		cache_put(d, q, ttl, now);
	}
	else if (s == CAPNET_DNS_NODATA)
		cache_put(d, q, negative_ttl(d, &m), now);
}

static void query_drain(struct capnet_dns_stub *d, struct query *q, capnet_instant now)
{
	while (q->sock && !q->done) {
		size_t len;
		struct capnet_udp_meta meta;
		capnet_err e = capnet_udp_recv_from(q->sock, d->pkt, sizeof d->pkt, &len, &meta);
		if (e == CAPNET_E_AGAIN)
			return;
		if (e != CAPNET_OK) { /* an ICMP error: this server is not there */
			q->last_fail = CAPNET_DNS_UNAVAILABLE;
			query_try(d, q, now);
			return;
		}
		if (meta.len > len) {
			d->st.malformed[CAPNET_DNS_ERR_TRUNCATED]++;
			continue;
		}
		query_answer(d, q, d->pkt, len, &meta, now);
	}
}

/* Reads what the TCP connection has: one length-prefixed answer, which
 * goes through the same checks as a datagram (the connection fixes the
 * source). A connection that ends first is a failed try. */
static void query_drain_tcp(struct capnet_dns_stub *d, struct query *q, capnet_instant now)
{
	while (q->tsock && !q->done) {
		size_t want = q->tlen < 2 ? 2 : 2 + (size_t)(q->tbuf[0] << 8 | q->tbuf[1]);
		if (want > sizeof q->tbuf) {
			d->st.malformed[CAPNET_DNS_ERR_TRUNCATED]++; /* larger than we hold */
			q->last_fail = CAPNET_DNS_MALFORMED;
			query_try(d, q, now);
			return;
		}
		size_t got = 0;
		capnet_err e = capnet_tcp_recv(q->tsock, q->tbuf + q->tlen, want - q->tlen, &got, now);
		if (e == CAPNET_E_AGAIN)
			return;
		if (e != CAPNET_OK || got == 0) {
			q->last_fail = CAPNET_DNS_UNAVAILABLE;
			query_try(d, q, now);
			return;
		}
		q->tlen = (uint16_t)(q->tlen + got);
		if (q->tlen < 2 || q->tlen < want)
			continue;
		if (want == 2)
			continue; /* the length is in: read the message */
		struct capnet_udp_meta meta = {.src = capnet_ipaddr_ip4(&q->server), .src_port = CAPNET_DNS_PORT,
					       .len = want - 2, .src_addr = q->server};
		struct capnet_tcp_sock *t = q->tsock;
		q->tsock = NULL; /* an answer with TC again must not loop */
		uint8_t *copy = d->pkt;
		memcpy(copy, q->tbuf + 2, want - 2);
		query_answer(d, q, copy, want - 2, &meta, now);
		capnet_tcp_abort(t, now);
		q->tlen = 0;
		return;
	}
}

/* ---- lookups ---- */

static bool has_trailing_dot(const char *n)
{
	size_t l = strlen(n);
	return l > 0 && n[l - 1] == '.';
}

/* The idx-th name to try (resolv.conf(5) search rules), or false. */
static bool candidate(const struct capnet_dns_stub *d, const struct lookup *l, size_t idx, char *out)
{
	size_t len = strlen(l->name);
	if (has_trailing_dot(l->name)) {
		if (idx != 0)
			return false;
		memcpy(out, l->name, len - 1);
		out[len - 1] = '\0';
		return true;
	}
	const struct capnet_resolver_inputs *in = capnet_ip4cfg_resolver(d->ip4cfg);
	size_t n_search = in->n_search;
	const char *one = NULL;
	if (n_search == 0 && in->domain[0]) {
		n_search = 1;
		one = in->domain;
	}
	size_t dots = 0;
	for (size_t i = 0; i < len; i++)
		dots += l->name[i] == '.';
	size_t as_is = dots >= d->cfg.ndots ? 0 : n_search;
	if (idx > n_search)
		return false;
	if (idx == as_is) {
		memcpy(out, l->name, len + 1);
		return true;
	}
	size_t s = idx > as_is ? idx - 1 : idx;
	const char *dom = one ? one : in->search[s];
	size_t dl = strlen(dom);
	if (len + 1 + dl > CAPNET_DNS_TEXT_NAME_MAX) {
		out[0] = '\0'; /* too long: skipped */
		return true;
	}
	memcpy(out, l->name, len);
	out[len] = '.';
	memcpy(out + len + 1, dom, dl + 1);
	return true;
}

static void lookup_complete(struct capnet_dns_stub *d, struct lookup *l, enum capnet_dns_status s)
{
	for (int i = 0; i < 2; i++)
		query_close(&l->q[i]);
	l->res.status = s;
	l->done = true;
	if (s != CAPNET_DNS_FOUND)
		d->st.last_error = s;
}

static void lookup_begin(struct capnet_dns_stub *d, struct lookup *l, capnet_instant now);

/* Once every query of the current candidate is done: an answer, the next
 * candidate, or the final error. */
static void lookup_check(struct capnet_dns_stub *d, struct lookup *l, capnet_instant now)
{
	for (int i = 0; i < 2; i++)
		if (l->q[i].active && !l->q[i].done)
			return;
	struct capnet_dns_result *r = &l->res;
	memset(r, 0, sizeof *r);
	r->ttl = UINT32_MAX;
	r->from_cache = true;
	for (int i = 0; i < 2; i++) {
		struct query *q = &l->q[i];
		if (!q->active || q->status != CAPNET_DNS_FOUND)
			continue;
		for (size_t k = 0; k < q->n && r->n_addrs < d->cfg.max_addrs; k++)
			r->addrs[r->n_addrs++] = q->addrs[k];
		r->ttl = min_u32(r->ttl, q->ttl);
		r->from_cache = r->from_cache && q->from_cache;
		if (!r->canon[0])
			memcpy(r->canon, q->canon, sizeof r->canon);
	}
	if (r->n_addrs > 0) {
		lookup_complete(d, l, CAPNET_DNS_FOUND);
		return;
	}
	r->ttl = 0;
	r->from_cache = false;
	enum capnet_dns_status worst = CAPNET_DNS_NXDOMAIN;
	for (int i = 0; i < 2; i++) {
		struct query *q = &l->q[i];
		if (!q->active)
			continue;
		if (q->status == CAPNET_DNS_NODATA)
			l->saw_nodata = true;
		else if (q->status != CAPNET_DNS_NXDOMAIN)
			worst = q->status;
	}
	if (worst != CAPNET_DNS_NXDOMAIN) {
		lookup_complete(d, l, worst);
		return;
	}
	l->cand++;
	if (candidate(d, l, l->cand, l->cur)) {
		lookup_begin(d, l, now);
		return;
	}
	lookup_complete(d, l, l->saw_nodata ? CAPNET_DNS_NODATA : CAPNET_DNS_NXDOMAIN);
}

static void query_start(struct capnet_dns_stub *d, struct lookup *l, struct query *q, uint16_t qtype,
			capnet_instant now)
{
	memset(q, 0, sizeof *q);
	q->active = true;
	q->qtype = qtype;
	memcpy(q->key, l->cur, sizeof q->key);
	memcpy(q->name, l->cur, sizeof q->name);
	struct cache_entry *e = cache_find(d, q->key, qtype, now);
	if (e) {
		d->st.cache_hits++;
		q->status = e->status;
		q->n = e->n;
		memcpy(q->addrs, e->addrs, sizeof q->addrs);
		memcpy(q->canon, e->canon, sizeof q->canon);
		q->ttl = (uint32_t)((e->expires - now) / CAPNET_S(1));
		q->from_cache = true;
		q->done = true;
		return;
	}
	d->st.cache_misses++;
	q->last_fail = CAPNET_DNS_PENDING;
	query_try(d, q, now);
}

static void lookup_begin(struct capnet_dns_stub *d, struct lookup *l, capnet_instant now)
{
	for (;;) {
		if (l->cur[0])
			break;
		/* a candidate too long to exist: the next one */
		l->cand++;
		if (!candidate(d, l, l->cand, l->cur)) {
			lookup_complete(d, l, l->saw_nodata ? CAPNET_DNS_NODATA : CAPNET_DNS_NXDOMAIN);
			return;
		}
	}
	l->q[0].active = l->q[1].active = false;
	if (l->want & CAPNET_DNS_WANT_A)
		query_start(d, l, &l->q[0], CAPNET_DNS_TYPE_A, now);
	if (l->want & CAPNET_DNS_WANT_AAAA)
		query_start(d, l, &l->q[1], CAPNET_DNS_TYPE_AAAA, now);
	lookup_check(d, l, now);
}

capnet_err capnet_dns_stub_start(struct capnet_dns_stub *d, const char *name, unsigned want, capnet_instant now,
				 uint32_t *id)
{
	return capnet_dns_stub_start_tagged(d, name, want, 0, now, id);
}

capnet_err capnet_dns_stub_start_tagged(struct capnet_dns_stub *d, const char *name, unsigned want, uint32_t tag,
					capnet_instant now, uint32_t *id)
{
	if (!d || !name || !id || (want & ~CAPNET_DNS_WANT_BOTH) || !want)
		return CAPNET_E_INVAL;
	struct lookup *l = NULL;
	for (size_t i = 0; i < d->cfg.max_lookups && !l; i++)
		if (!d->lookups[i].used)
			l = &d->lookups[i];
	if (!l)
		return CAPNET_E_NOMEM;
	memset(l, 0, sizeof *l);
	l->used = true;
	l->tag = tag;
	l->id = d->next_id++;
	if (d->next_id == 0)
		d->next_id = 1;
	l->want = want;
	l->deadline = now + d->cfg.deadline;
	*id = l->id;
	d->st.lookups++;
	uint8_t w[CAPNET_DNS_WIRE_NAME_MAX];
	size_t len = strlen(name);
	if (len == 0 || len > CAPNET_DNS_TEXT_NAME_MAX + 1 || name[0] == '.' ||
	    capnet_dns_name_emit(name, w, sizeof w) == 0) {
		lookup_complete(d, l, CAPNET_DNS_BADNAME);
		return CAPNET_OK;
	}
	memcpy(l->name, name, len + 1);
	candidate(d, l, 0, l->cur);
	lookup_begin(d, l, now);
	return CAPNET_OK;
}

static struct lookup *find(struct capnet_dns_stub *d, uint32_t id, uint32_t tag)
{
	for (size_t i = 0; i < d->cfg.max_lookups; i++)
		if (d->lookups[i].used && d->lookups[i].id == id && d->lookups[i].tag == tag)
			return &d->lookups[i];
	return NULL;
}

capnet_err capnet_dns_stub_result_tagged(struct capnet_dns_stub *d, uint32_t id, uint32_t tag,
					 struct capnet_dns_result *out)
{
	struct lookup *l = find(d, id, tag);
	if (!l)
		return CAPNET_E_NOTFOUND;
	if (!l->done)
		return CAPNET_E_AGAIN;
	*out = l->res;
	l->used = false;
	return CAPNET_OK;
}

capnet_err capnet_dns_stub_result(struct capnet_dns_stub *d, uint32_t id, struct capnet_dns_result *out)
{
	return capnet_dns_stub_result_tagged(d, id, 0, out);
}

capnet_err capnet_dns_stub_cancel_tagged(struct capnet_dns_stub *d, uint32_t id, uint32_t tag)
{
	struct lookup *l = find(d, id, tag);
	if (!l)
		return CAPNET_E_NOTFOUND;
	for (int i = 0; i < 2; i++)
		query_close(&l->q[i]);
	l->used = false;
	return CAPNET_OK;
}

void capnet_dns_stub_cancel(struct capnet_dns_stub *d, uint32_t id)
{
	(void)capnet_dns_stub_cancel_tagged(d, id, 0);
}

capnet_instant capnet_dns_stub_poll(struct capnet_dns_stub *d, capnet_instant now)
{
	capnet_instant next = CAPNET_INSTANT_NEVER;
	for (size_t i = 0; i < d->cfg.max_lookups; i++) {
		struct lookup *l = &d->lookups[i];
		if (!l->used || l->done)
			continue;
		for (int k = 0; k < 2; k++) {
			struct query *q = &l->q[k];
			if (!q->active || q->done)
				continue;
			if (!server_configured(d, &q->server)) {
				/* the lease that named it ended: never wait on
				 * nor believe a stale server (what it sent is
				 * dropped with the socket) */
				d->st.abandoned++;
				query_try(d, q, now);
				continue;
			}
			query_drain(d, q, now);
			query_drain_tcp(d, q, now);
			if (q->done)
				continue;
			if (now >= q->try_deadline) {
				d->st.timeouts++;
				query_try(d, q, now);
			}
			if (!q->done && now >= l->deadline)
				query_finish(q, CAPNET_DNS_TIMEOUT);
		}
		lookup_check(d, l, now);
		if (l->done)
			continue;
		next = capnet_instant_min(next, l->deadline);
		for (int k = 0; k < 2; k++)
			if (l->q[k].active && !l->q[k].done)
				next = capnet_instant_min(next, l->q[k].try_deadline);
	}
	return next;
}

void capnet_dns_stub_status(const struct capnet_dns_stub *d, struct capnet_dns_stub_status *out)
{
	*out = d->st;
	const struct capnet_resolver_inputs *in = capnet_ip4cfg_resolver(d->ip4cfg);
	struct capnet_resolver_inputs tmp;
	const struct capnet_resolver_inputs *sv = servers(d, &tmp);
	out->servers_provenance = sv->servers_provenance;
	out->search_provenance = in->n_search ? in->search_provenance : in->domain_provenance;
	out->n_servers = sv->n_servers;
	memcpy(out->servers, sv->servers, sizeof out->servers);
	out->cache_entries = (uint32_t)cache_count(d);
	out->n_search = 0;
	memset(out->search, 0, sizeof out->search);
	if (in->n_search) {
		out->n_search = in->n_search;
		memcpy(out->search, in->search, sizeof out->search);
	} else if (in->domain[0]) {
		out->n_search = 1;
		memcpy(out->search[0], in->domain, sizeof out->search[0]);
	}
	struct capnet_ip4cfg_view v;
	capnet_ip4cfg_get(d->ip4cfg, &v);
	out->have_ip4 = v.configured;
	out->have_ip6 = false; /* no IPv6 configuration layer yet */
	out->ndots = d->cfg.ndots;
	out->attempts = d->cfg.attempts;
	out->try_timeout_ms = (uint32_t)(d->cfg.try_timeout / CAPNET_MS(1));
}
