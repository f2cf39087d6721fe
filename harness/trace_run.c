#include "harness/trace_run.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/wire/describe.h"

const struct capnet_mac trace_mac_server = {{0x02, 0, 0, 0, 0, 0x01}};
const struct capnet_mac trace_mac_peer = {{0x02, 0, 0, 0, 0, 0x14}};
const struct capnet_mac trace_mac_client = {{0x02, 0, 0, 0, 0, 0x0c}};
const capnet_ip4addr trace_ip_server = CAPNET_IP4(192, 0, 2, 1);
const capnet_ip4addr trace_ip_peer = CAPNET_IP4(192, 0, 2, 20);
const capnet_ip4addr trace_ip_lease = CAPNET_IP4(192, 0, 2, 100);

/* ---- the scenario ---- */

static void tcp_config(struct capnet_tcp_config *c)
{
	memset(c, 0, sizeof *c);
	c->max_sockets = 4;
	c->sndbuf = c->rcvbuf = 16384;
	c->time_wait = CAPNET_S(1);
}

capnet_err trace_scenario_open(struct trace_scenario *s, uint64_t seed, const char *sim_pcap)
{
	memset(s, 0, sizeof *s);
	s->seed = seed;
	s->sim = capnet_sim_create(seed, CAPNET_SIM_SWITCH);
	if (s->sim == NULL)
		return CAPNET_E_NOMEM;
	capnet_err e;
	if (sim_pcap != NULL && (e = capnet_sim_record_pcap(s->sim, sim_pcap)) != CAPNET_OK)
		return e;
	const struct capnet_sim_impair wire = {.delay = CAPNET_MS(1)};
	struct dhcp4_server_config sc = {
		.mac = trace_mac_server, .addr = trace_ip_server, .prefix_len = 24, .pool_start = trace_ip_lease,
		.pool_size = 20, .lease_secs = 3600, .router = trace_ip_server, .n_dns = 1, .dns = {trace_ip_server},
		.domain = "example.com", .impair = &wire,
	};
	struct capnet_tcp_config tc;
	tcp_config(&tc);
	/* C: DHCP, TCP, caps and a trace pool; its cspace keys come from its
	 * wire generator, as they always have in this scenario. */
	struct capnet_stack_config cc = {
		.tcp = tc, .dhcp4 = true, .trace = true, .trace_pool = {1, 256},
		.cap_rng = capnet_xoshiro_rng(&s->client.st.rng),
	};
	if ((e = dhcp4_server_open(&s->server, s->sim, &sc)) != CAPNET_OK ||
	    (e = sim_tcp_open(&s->peer, "P", s->sim, seed, trace_mac_peer, trace_ip_peer, &wire, &tc)) != CAPNET_OK ||
	    (e = dhcp4_host_open_with(&s->client, "C", s->sim, seed, trace_mac_client, &wire, &cc)) != CAPNET_OK)
		return e;
	struct capnet_stack *st = s->client.st.stack;
	s->ctcp = capnet_stack_tcp(st, 0);
	s->sys = capnet_stack_capsys(st);
	s->pool = capnet_stack_trace_pool(st);
	s->net = capnet_stack_net(st, 0);
	s->boot = capnet_stack_boot_cspace(st);
	s->nm = capnet_stack_netmgr(st, 0);
	if ((e = capnet_cspace_create(s->sys, "debug", &s->debug)) != CAPNET_OK ||
	    (e = capnet_cspace_create(s->sys, "sibling", &s->sibling)) != CAPNET_OK)
		return e;
	return CAPNET_OK;
}

void trace_scenario_close(struct trace_scenario *s)
{
	if (s->sim != NULL)
		capnet_sim_destroy(s->sim);
	s->sim = NULL;
	dhcp4_host_close(&s->client);
	sim_tcp_close(&s->peer);
}

bool trace_scenario_dhcp(struct trace_scenario *s, capnet_instant limit)
{
	if (capnet_dhcp4_client_start(s->client.client, capnet_sim_now(s->sim)) != CAPNET_OK)
		return false;
	return dhcp4_host_run_until_state(&s->client, CAPNET_DHCP4_BOUND, limit);
}

static void fail(struct trace_exchange *x, capnet_err e)
{
	if (!x->failed)
		x->err = e;
	x->failed = true;
}

static uint8_t req_byte(size_t i)
{
	static const char line[] = "GET /report HTTP/1.0\r\n";
	return (uint8_t)line[i % (sizeof line - 1)];
}

static uint8_t resp_byte(size_t i)
{
	return (uint8_t)TRACE_SECRET[i % TRACE_SECRET_LEN];
}

/* The peer: accept, read a whole request, answer it; close at EOF. */
static bool drive_peer(struct trace_exchange *x, capnet_instant now)
{
	bool progress = false;
	if (x->psock == NULL && x->listener != NULL && !x->peer_eof &&
	    capnet_tcp_accept(x->listener, &x->psock) == CAPNET_OK) {
		/* A response is one write: no Nagle wait for the client's delayed ACK. */
		capnet_tcp_set_nodelay(x->psock, true, now);
		progress = true;
	}
	while (x->psock != NULL) {
		if (x->p_rcvd < TRACE_REQUEST_LEN) {
			uint8_t buf[TRACE_REQUEST_LEN];
			size_t got = 0;
			capnet_err e = capnet_tcp_recv(x->psock, buf, TRACE_REQUEST_LEN - x->p_rcvd, &got, now);
			if (e == CAPNET_E_AGAIN)
				return progress;
			if (e == CAPNET_E_CLOSED && x->p_rcvd == 0) {
				capnet_tcp_close(x->psock, now);
				x->psock = NULL;
				x->peer_eof = true;
				x->done_at = now;
				x->exact = !x->mismatch && !x->failed && x->c_round == x->rounds &&
					   x->resp_bytes == (uint64_t)x->rounds * x->resp_len;
				return true;
			}
			if (e != CAPNET_OK) {
				fail(x, e);
				return progress;
			}
			for (size_t i = 0; i < got; i++)
				x->mismatch |= buf[i] != req_byte(x->p_rcvd + i);
			x->p_rcvd += got;
			progress = true;
			continue;
		}
		size_t q = 0;
		capnet_err e = capnet_tcp_send(x->psock, x->resp + x->p_sent, x->resp_len - x->p_sent, &q, now);
		if (e == CAPNET_E_AGAIN)
			return progress;
		if (e != CAPNET_OK) {
			fail(x, e);
			return progress;
		}
		x->p_sent += q;
		progress = true;
		if (x->p_sent == x->resp_len) {
			x->p_rcvd = x->p_sent = 0;
			x->p_round++;
		}
	}
	return progress;
}

/* The client: at each round's time send the request, then read the whole
 * response; after the last one, close. Returns its next deadline. */
static capnet_instant drive_client(struct trace_exchange *x, capnet_instant now, bool *progress)
{
	if (x->csock == NULL)
		return CAPNET_INSTANT_NEVER;
	if (x->connected_at == 0 && (capnet_tcp_events(x->csock) & CAPNET_TCP_EV_CONNECTED))
		x->connected_at = now;
	for (;;) {
		if (x->c_round == x->rounds) {
			capnet_tcp_close(x->csock, now);
			x->csock = NULL;
			x->client_closed = true;
			*progress = true;
			return CAPNET_INSTANT_NEVER;
		}
		capnet_instant due = x->start + (capnet_duration)x->c_round * x->interval;
		if (x->c_sent == 0 && now < due)
			return due;
		while (x->c_sent < TRACE_REQUEST_LEN) {
			uint8_t req[TRACE_REQUEST_LEN];
			for (size_t i = x->c_sent; i < TRACE_REQUEST_LEN; i++)
				req[i] = req_byte(i);
			size_t q = 0;
			capnet_err e = capnet_tcp_send(x->csock, req + x->c_sent, TRACE_REQUEST_LEN - x->c_sent, &q, now);
			if (e == CAPNET_E_AGAIN)
				return CAPNET_INSTANT_NEVER;
			if (e != CAPNET_OK) {
				fail(x, e);
				return CAPNET_INSTANT_NEVER;
			}
			x->c_sent += q;
			*progress = true;
		}
		while (x->c_rcvd < x->resp_len) {
			uint8_t buf[2048];
			size_t want = x->resp_len - x->c_rcvd < sizeof buf ? x->resp_len - x->c_rcvd : sizeof buf;
			size_t got = 0;
			capnet_err e = capnet_tcp_recv(x->csock, buf, want, &got, now);
			if (e == CAPNET_E_AGAIN)
				return CAPNET_INSTANT_NEVER;
			if (e != CAPNET_OK) {
				fail(x, e);
				return CAPNET_INSTANT_NEVER;
			}
			for (size_t i = 0; i < got; i++)
				x->mismatch |= buf[i] != resp_byte(x->c_rcvd + i);
			x->c_rcvd += got;
			x->resp_bytes += got;
			*progress = true;
		}
		x->c_sent = x->c_rcvd = 0;
		x->c_round++;
	}
}

static capnet_instant exchange_poll(void *ctx, capnet_instant now)
{
	struct trace_exchange *x = ctx;
	if (x->peer_eof || x->failed)
		return CAPNET_INSTANT_NEVER;
	bool p = drive_peer(x, now);
	capnet_instant next = drive_client(x, now, &p);
	return p ? now : next;
}

capnet_err trace_scenario_tcp_start(struct trace_scenario *s, unsigned rounds, capnet_duration interval,
				    size_t resp_len)
{
	struct trace_exchange *x = &s->x;
	memset(x, 0, sizeof *x);
	if (resp_len == 0 || resp_len > TRACE_RESPONSE_MAX || rounds == 0)
		return CAPNET_E_INVAL;
	x->ctcp = s->ctcp;
	x->ptcp = s->peer.tcp;
	x->rounds = rounds;
	x->interval = interval;
	x->resp_len = resp_len;
	for (size_t i = 0; i < resp_len; i++)
		x->resp[i] = resp_byte(i);
	capnet_instant now = capnet_sim_now(s->sim);
	x->start = now;
	capnet_err e = capnet_tcp_listen(x->ptcp, TRACE_TCP_PORT, 4, NULL, &x->listener);
	if (e != CAPNET_OK)
		return e;
	struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = trace_ip_peer};
	if ((e = capnet_tcp_connect(x->ctcp, &dst, TRACE_TCP_PORT, 0, NULL, now, &x->csock)) != CAPNET_OK)
		return e;
	return capnet_sim_add_participant(s->sim, exchange_poll, x);
}

static bool exchange_done(void *ctx)
{
	const struct trace_exchange *x = ctx;
	return x->peer_eof || x->failed;
}

bool trace_scenario_tcp_run(struct trace_scenario *s, capnet_instant limit)
{
	return capnet_sim_run_until_cond(s->sim, exchange_done, &s->x, limit) && s->x.peer_eof;
}

/* ---- reading ---- */

capnet_err trace_read_all(struct capnet_cspace *cs, capnet_handle reader, struct capnet_trace_record **out,
			  size_t *n)
{
	*out = NULL;
	*n = 0;
	struct capnet_trace_info info;
	capnet_err e = capnet_tracecap_info(cs, reader, &info);
	if (e != CAPNET_OK)
		return e;
	struct capnet_trace_record *v = calloc(info.records ? info.records : 1, sizeof *v);
	if (v == NULL)
		return CAPNET_E_NOMEM;
	for (uint32_t i = 0; i < info.records; i++) {
		if ((e = capnet_tracecap_record(cs, reader, i, &v[i])) != CAPNET_OK) {
			free(v);
			return e;
		}
	}
	*out = v;
	*n = info.records;
	return CAPNET_OK;
}

/* ---- one-line summaries ---- */

struct line {
	char *buf;
	size_t cap, n;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
	if (l->cap == 0 || l->n + 1 >= l->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(l->buf + l->n, l->cap - l->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->n = (size_t)k < l->cap - l->n ? l->n + (size_t)k : l->cap - 1;
}

static void put_ip4(struct line *l, capnet_ip4addr a)
{
	put(l, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void put_ip6(struct line *l, const struct capnet_ip6addr *a)
{
	char t[46];
	capnet_ip6_text(a, t);
	put(l, "%s", t);
}

static void put_mac(struct line *l, const struct capnet_mac *m)
{
	put(l, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2], m->b[3], m->b[4], m->b[5]);
}

size_t trace_protos_text(uint32_t protos, char *buf, size_t cap)
{
	struct line l = {buf, cap, 0};
	if (cap)
		buf[0] = '\0';
	for (unsigned i = 0; i < 8; i++)
		if (protos & (1u << i))
			put(&l, "%s%s", l.n ? "|" : "", capnet_trace_proto_name(1u << i));
	if (l.n == 0)
		put(&l, "L2");
	return l.n;
}

size_t trace_format(const struct capnet_trace_record *r, char *buf, size_t cap)
{
	struct line l = {buf, cap, 0};
	if (cap == 0)
		return 0;
	buf[0] = '\0';
	put(&l, "%4" PRId64 ".%06" PRId64 " %s ", r->at / 1000000, r->at % 1000000, capnet_trace_dir_name(r->dir));
	struct capnet_frame_desc d;
	capnet_trace_record_desc(r, &d);
	l.n += capnet_frame_desc_text(&d, CAPNET_DESCRIBE_TRACE, buf + l.n, cap - l.n);
	put(&l, " [%u/%" PRIu32 "]", r->caplen, r->orig_len);
	return l.n;
}

/* ---- JSON ---- */

static json_t *ip_json(const struct capnet_trace_class *c, bool src)
{
	char b[46];
	struct line l = {b, sizeof b, 0};
	if (c->protos & CAPNET_TRACE_P_IPV4)
		put_ip4(&l, src ? c->src4 : c->dst4);
	else if (c->protos & CAPNET_TRACE_P_IPV6)
		put_ip6(&l, src ? &c->src6 : &c->dst6);
	else if (c->protos & CAPNET_TRACE_P_ARP)
		put_ip4(&l, src ? c->arp_spa : c->arp_tpa);
	else
		return json_null();
	return json_string(b);
}

json_t *trace_record_json(const struct capnet_trace_record *r)
{
	const struct capnet_trace_class *c = &r->cls;
	char protos[64], sum[256], mac_s[18], mac_d[18];
	trace_protos_text(c->protos, protos, sizeof protos);
	trace_format(r, sum, sizeof sum);
	struct line ls = {mac_s, sizeof mac_s, 0}, ld = {mac_d, sizeof mac_d, 0};
	put_mac(&ls, &c->eth_src);
	put_mac(&ld, &c->eth_dst);
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:I, s:b, s:s}", "seq", (json_int_t)r->seq,
			      "t_us", (json_int_t)r->at, "dir", capnet_trace_dir_name(r->dir), "protos", protos,
			      "eth_src", mac_s, "eth_dst", mac_d, "orig_len", (json_int_t)r->orig_len, "caplen",
			      (int)r->caplen, "header_len", (int)c->header_len, "body_len", (json_int_t)c->body_len,
			      "malformed", c->malformed, "summary", sum);
	json_object_set_new(o, "src", ip_json(c, true));
	json_object_set_new(o, "dst", ip_json(c, false));
	if (c->protos & (CAPNET_TRACE_P_UDP | CAPNET_TRACE_P_TCP)) {
		json_object_set_new(o, "sport", json_integer(c->sport));
		json_object_set_new(o, "dport", json_integer(c->dport));
	}
	if (c->protos & CAPNET_TRACE_P_TCP) {
		json_object_set_new(o, "tcp_flags", json_integer(c->tcp_flags));
		json_object_set_new(o, "seq_no", json_integer(c->tcp_seq));
		json_object_set_new(o, "ack_no", json_integer(c->tcp_ack));
		json_object_set_new(o, "win", json_integer(c->tcp_win));
	}
	return o;
}

static json_t *policy_json(const struct capnet_trace_policy *p)
{
	char protos[64];
	trace_protos_text(p->protos, protos, sizeof protos);
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:i}", "capacity", (json_int_t)p->capacity, "snaplen",
			      (json_int_t)p->snaplen, "payload", "header-only", "dir", capnet_trace_dir_name(p->dir),
			      "protos", p->protos ? protos : "any", "port", (int)p->port);
	json_object_set_new(o, "expires_us",
			    p->expires == CAPNET_INSTANT_NEVER ? json_null() : json_integer((json_int_t)p->expires));
	return o;
}

json_t *trace_info_json(const struct capnet_trace_info *i)
{
	const struct capnet_trace_counters *k = &i->counters;
	json_t *counters = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "seen", (json_int_t)k->seen, "captured",
				     (json_int_t)k->captured, "dropped_full", (json_int_t)k->dropped_full, "filtered",
				     (json_int_t)k->filtered, "truncated", (json_int_t)k->truncated, "withheld_bytes",
				     (json_int_t)k->withheld_bytes, "after_expiry", (json_int_t)k->after_expiry,
				     "admitted_after_expiry", (json_int_t)k->admitted_after_expiry);
	const struct capnet_trace_provenance *p = &i->prov;
	json_t *prov = json_pack("{s:s, s:I, s:I, s:s, s:I, s:I, s:s, s:s}", "authority",
				 capnet_cap_type_name((enum capnet_cap_type)p->authority_type), "authority_cap",
				 (json_int_t)p->authority_cap, "minted_by", (json_int_t)p->minted_by, "minted_by_name",
				 p->minted_by_name, "minted_for", (json_int_t)p->minted_for, "minted_at_us",
				 (json_int_t)p->minted_at, "iface", p->iface_name ? p->iface_name : "", "reason",
				 p->reason);
	json_object_set_new(prov, "policy", policy_json(&p->policy));
	return json_pack("{s:s, s:o, s:o, s:o, s:I}", "state", capnet_trace_state_name(i->state), "policy",
			 policy_json(&i->policy), "provenance", prov, "counters", counters, "records",
			 (json_int_t)i->records);
}

/* ---- pcap ---- */

uint32_t trace_pcap_snaplen(const struct capnet_trace_policy *p)
{
	return p->snaplen < CAPNET_TRACE_HDR_MAX ? p->snaplen : CAPNET_TRACE_HDR_MAX;
}

static int put32(FILE *f, uint32_t v)
{
	/* little-endian on every host, so the file is the same everywhere */
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	return fwrite(b, 1, 4, f) == 4 ? 0 : -1;
}

int trace_pcap_write(FILE *f, uint32_t snaplen, const struct capnet_trace_record *r, size_t n)
{
	/* classic pcap: magic, v2.4, thiszone 0, sigfigs 0, snaplen, DLT_EN10MB */
	int e = put32(f, 0xa1b2c3d4u);
	uint8_t ver[4] = {2, 0, 4, 0};
	e |= fwrite(ver, 1, 4, f) == 4 ? 0 : -1;
	e |= put32(f, 0) | put32(f, 0) | put32(f, snaplen) | put32(f, 1);
	for (size_t i = 0; i < n && e == 0; i++) {
		uint32_t caplen = r[i].caplen < snaplen ? r[i].caplen : snaplen;
		e |= put32(f, (uint32_t)(r[i].at / 1000000)) | put32(f, (uint32_t)(r[i].at % 1000000));
		e |= put32(f, caplen) | put32(f, r[i].orig_len);
		e |= fwrite(r[i].data, 1, caplen, f) == caplen ? 0 : -1;
	}
	return e == 0 && !ferror(f) ? 0 : -1;
}

/* ---- checks ---- */

bool trace_record_has_secret(const struct capnet_trace_record *r)
{
	enum { RUN = 6 };
	/* Every byte the record holds, stored or not: nothing of it may come
	 * from the body. */
	for (size_t at = 0; at + RUN <= sizeof r->data; at++)
		for (size_t k = 0; k < TRACE_SECRET_LEN; k++) {
			size_t m = 0;
			while (m < RUN && r->data[at + m] == (uint8_t)TRACE_SECRET[(k + m) % TRACE_SECRET_LEN])
				m++;
			if (m == RUN)
				return true;
		}
	return false;
}

uint64_t trace_fnv(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
