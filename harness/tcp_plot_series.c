/* capture -> connections -> the series of one direction (tcp_plot.h).
 * Every frame is read through the one frame describer; nothing here
 * reads a byte of a frame itself. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/wire/describe.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/tcp.h"
#include "harness/tcp_plot.h"

/* Appends one zeroed element to a TCP_PLOT_VEC; NULL when memory ran out. */
#define VEC_PUSH(vec) vec_grow((void **)&(vec).v, &(vec).n, &(vec).cap, sizeof *(vec).v)

static void *vec_grow(void **v, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		void *p = realloc(*v, c * size);
		if (p == NULL)
			return NULL;
		*v = p;
		*cap = c;
	}
	void *e = (char *)*v + (*n)++ * size;
	memset(e, 0, size);
	return e;
}

/* ---- endpoints ---- */

static bool frame_endpoints(const struct capnet_frame_desc *d, struct capnet_tcp_endpoint *src,
			    struct capnet_tcp_endpoint *dst)
{
	memset(src, 0, sizeof *src);
	memset(dst, 0, sizeof *dst);
	if (d->layers & CAPNET_DESC_IPV4) {
		src->addr = capnet_ipaddr_from_ip4(d->src4);
		dst->addr = capnet_ipaddr_from_ip4(d->dst4);
	} else if (d->layers & CAPNET_DESC_IPV6) {
		src->addr.af = dst->addr.af = CAPNET_AF_INET6;
		src->addr.u.v6 = d->src6;
		dst->addr.u.v6 = d->dst6;
	} else {
		return false;
	}
	src->port = d->sport;
	dst->port = d->dport;
	return true;
}

static bool ep_eq(const struct capnet_tcp_endpoint *a, const struct capnet_tcp_endpoint *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

const char *tcp_plot_endpoint_text(const struct capnet_tcp_endpoint *e, char *buf, size_t cap)
{
	if (e->addr.af == CAPNET_AF_INET6) {
		char a[46];
		capnet_ip6_text(&e->addr.u.v6, a);
		snprintf(buf, cap, "[%s]:%u", a, e->port);
	} else {
		capnet_ip4addr a = e->addr.u.v4;
		snprintf(buf, cap, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff, e->port);
	}
	return buf;
}

/* ---- frames ---- */

/* One frame through the describer. A capture cut to its headers (tcpdump
 * -s 96, the usual way to record a long transfer) keeps frames whose IP
 * length runs past the bytes kept, and the describer rightly refuses the
 * datagram. The headers are all there: describe a copy whose IP length
 * says what was kept, then take the payload length from the length the
 * sender wrote. Only those two bytes are touched; every field still comes
 * from the describer. */
static void describe(const struct capnet_pcap_frame *fr, struct capnet_frame_desc *d)
{
	capnet_frame_describe(fr->data, fr->len, CAPNET_DESCRIBE_HEADERS, d);
	if ((d->layers & (CAPNET_DESC_IPV4 | CAPNET_DESC_IPV6)) || fr->orig_len <= fr->len || d->l3_off == 0)
		return;
	uint8_t copy[256];
	size_t n = fr->len < sizeof copy ? fr->len : sizeof copy, l3 = d->l3_off;
	size_t len_at = d->ethertype == CAPNET_ETHERTYPE_IPV4 ? l3 + 2 : l3 + 4;
	size_t kept = d->ethertype == CAPNET_ETHERTYPE_IPV4 ? n - l3 : n - l3 - 40;
	if ((d->ethertype != CAPNET_ETHERTYPE_IPV4 && d->ethertype != CAPNET_ETHERTYPE_IPV6) || n < l3 + 40)
		return;
	memcpy(copy, fr->data, n);
	uint32_t declared = ((uint32_t)copy[len_at] << 8) | copy[len_at + 1];
	copy[len_at] = (uint8_t)(kept >> 8);
	copy[len_at + 1] = (uint8_t)kept;
	struct capnet_frame_desc c;
	capnet_frame_describe(copy, n, CAPNET_DESCRIBE_HEADERS, &c);
	if (!(c.layers & CAPNET_DESC_TCP))
		return;
	uint32_t headers = (d->ethertype == CAPNET_ETHERTYPE_IPV4 ? c.ip_header_len : 0) + c.tcp_header_len;
	c.body_len = declared > headers ? declared - headers : 0;
	*d = c;
}

/* ---- the tuple index: tuple -> latest connection (open addressing) ---- */

struct tuple_index {
	int32_t *slot; /* connection index, -1 empty */
	size_t cap;    /* a power of two, kept above twice the connections */
};

static uint64_t tuple_hash(const struct capnet_tcp_endpoint *a, const struct capnet_tcp_endpoint *b)
{
	/* FNV-1a of each endpoint, combined so that the order does not matter. */
	uint64_t h[2];
	const struct capnet_tcp_endpoint *e[2] = {a, b};
	for (int k = 0; k < 2; k++) {
		const uint8_t *p = (const uint8_t *)e[k];
		uint64_t x = 0xcbf29ce484222325ull;
		for (size_t i = 0; i < sizeof *e[k]; i++)
			x = (x ^ p[i]) * 0x100000001b3ull;
		h[k] = x;
	}
	return h[0] ^ h[1];
}

static bool conn_has(const struct tcp_plot_conn *c, const struct capnet_tcp_endpoint *a,
		     const struct capnet_tcp_endpoint *b)
{
	return (ep_eq(&c->ep[0], a) && ep_eq(&c->ep[1], b)) || (ep_eq(&c->ep[0], b) && ep_eq(&c->ep[1], a));
}

static size_t index_find(const struct tuple_index *ix, const struct tcp_plot_conns *c,
			 const struct capnet_tcp_endpoint *a, const struct capnet_tcp_endpoint *b)
{
	size_t i = (size_t)tuple_hash(a, b) & (ix->cap - 1);
	while (ix->slot[i] >= 0 && !conn_has(&c->v[ix->slot[i]], a, b))
		i = (i + 1) & (ix->cap - 1);
	return i;
}

static bool index_grow(struct tuple_index *ix, const struct tcp_plot_conns *c)
{
	if (ix->cap != 0 && c->n * 2 < ix->cap)
		return true;
	struct tuple_index n = {.cap = ix->cap ? ix->cap * 2 : 64};
	n.slot = malloc(n.cap * sizeof *n.slot);
	if (n.slot == NULL)
		return false;
	for (size_t i = 0; i < n.cap; i++)
		n.slot[i] = -1;
	for (size_t i = 0; i < ix->cap; i++)
		if (ix->slot[i] >= 0) {
			const struct tcp_plot_conn *k = &c->v[ix->slot[i]];
			n.slot[index_find(&n, c, &k->ep[0], &k->ep[1])] = ix->slot[i];
		}
	free(ix->slot);
	*ix = n;
	return true;
}

/* ---- connections ---- */

void tcp_plot_conns_free(struct tcp_plot_conns *c)
{
	free(c->v);
	free(c->frame_conn);
	free(c->frame_dir);
	memset(c, 0, sizeof *c);
}

/* A reused tuple: a SYN after the old connection ended. */
static bool starts_anew(const struct tcp_plot_conn *k, uint8_t flags)
{
	bool syn_only = (flags & (CAPNET_TCP_SYN | CAPNET_TCP_ACK_FLAG)) == CAPNET_TCP_SYN;
	return syn_only && (k->rst || (k->fin[0] && k->fin[1]));
}

static void conn_note(struct tcp_plot_conn *k, int dir, const struct capnet_frame_desc *d, capnet_instant at)
{
	if (k->segs[0] + k->segs[1] == 0)
		k->first = at;
	k->last = at;
	k->segs[dir]++;
	k->payload[dir] += d->body_len;
	if (d->tcp_flags & CAPNET_TCP_SYN) {
		k->syn[dir] = true;
		k->wscale_opt[dir] = d->tcp_opt.has_wscale;
		k->wscale[dir] = d->tcp_opt.has_wscale ? (d->tcp_opt.wscale > 14 ? 14 : d->tcp_opt.wscale) : 0;
	}
	if (d->tcp_flags & CAPNET_TCP_FIN)
		k->fin[dir] = true;
	if (d->tcp_flags & CAPNET_TCP_RST)
		k->rst = true;
}

capnet_err tcp_plot_conns_find(const struct capnet_pcap_frames *f, struct tcp_plot_conns *out)
{
	memset(out, 0, sizeof *out);
	struct tuple_index ix = {0};
	out->frames = f->n;
	out->frame_conn = malloc((f->n ? f->n : 1) * sizeof *out->frame_conn);
	out->frame_dir = malloc(f->n ? f->n : 1);
	if (out->frame_conn == NULL || out->frame_dir == NULL || !index_grow(&ix, out))
		goto nomem;
	for (size_t i = 0; i < f->n; i++) {
		struct capnet_frame_desc d;
		struct capnet_tcp_endpoint src, dst;
		out->frame_conn[i] = -1;
		out->frame_dir[i] = 0;
		describe(&f->v[i], &d);
		if (!(d.layers & CAPNET_DESC_TCP) || !frame_endpoints(&d, &src, &dst))
			continue;
		out->tcp_frames++;
		size_t slot = index_find(&ix, out, &src, &dst);
		int32_t k = ix.slot[slot];
		if (k < 0 || starts_anew(&out->v[k], d.tcp_flags)) {
			if (out->n >= INT32_MAX - 1)
				continue;
			struct tcp_plot_conn *c = vec_grow((void **)&out->v, &out->n, &out->cap, sizeof *out->v);
			if (c == NULL)
				goto nomem;
			c->ep[0] = src;
			c->ep[1] = dst;
			k = (int32_t)(out->n - 1);
			ix.slot[slot] = k;
			if (!index_grow(&ix, out))
				goto nomem;
		}
		struct tcp_plot_conn *c = &out->v[k];
		int dir = ep_eq(&c->ep[0], &src) ? 0 : 1;
		conn_note(c, dir, &d, f->v[i].at);
		out->frame_conn[i] = k;
		out->frame_dir[i] = (uint8_t)dir;
	}
	free(ix.slot);
	return CAPNET_OK;
nomem:
	free(ix.slot);
	tcp_plot_conns_free(out);
	return CAPNET_E_NOMEM;
}

int tcp_plot_conns_busiest(const struct tcp_plot_conns *c)
{
	int best = -1;
	uint64_t most = 0;
	for (size_t i = 0; i < c->n; i++) {
		uint64_t p = c->v[i].payload[0] + c->v[i].payload[1];
		if (best < 0 || p > most) {
			best = (int)i;
			most = p;
		}
	}
	return best;
}

/* "IP:PORT", "[IPv6]:PORT" into an endpoint. */
static bool parse_endpoint(const char *s, size_t len, struct capnet_tcp_endpoint *e)
{
	char buf[80];
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *colon = strrchr(buf, ':');
	if (colon == NULL || colon[1] == '\0')
		return false;
	*colon = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port > 65535)
		return false;
	memset(e, 0, sizeof *e);
	e->port = (uint16_t)port;
	if (buf[0] == '[') {
		size_t n = strlen(buf);
		if (n < 3 || buf[n - 1] != ']')
			return false;
		buf[n - 1] = '\0';
		e->addr.af = CAPNET_AF_INET6;
		return inet_pton(AF_INET6, buf + 1, e->addr.u.v6.b) == 1;
	}
	unsigned a, b, c, d;
	char tail;
	if (sscanf(buf, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
		return false;
	e->addr = capnet_ipaddr_from_ip4(CAPNET_IP4(a, b, c, d));
	return true;
}

int tcp_plot_conns_match(const struct tcp_plot_conns *c, const char *spec)
{
	char *end;
	unsigned long idx = strtoul(spec, &end, 10);
	if (*spec >= '0' && *spec <= '9' && *end == '\0')
		return idx < c->n ? (int)idx : -1;
	/* The dash between the endpoints: the one after a port's digits. */
	const char *dash = NULL;
	for (const char *p = spec; *p; p++)
		if (*p == '-' && p > spec && p[-1] >= '0' && p[-1] <= '9' && (p[1] == '[' || (p[1] >= '0' && p[1] <= '9')))
			dash = p;
	struct capnet_tcp_endpoint a, b;
	if (dash == NULL || !parse_endpoint(spec, (size_t)(dash - spec), &a) ||
	    !parse_endpoint(dash + 1, strlen(dash + 1), &b))
		return -1;
	for (size_t i = c->n; i-- > 0;)
		if (conn_has(&c->v[i], &a, &b))
			return (int)i;
	return -1;
}

/* ---- one direction ---- */

/* Sequence numbers of the sender's space, relative to the ISN and
 * unwrapped: each is taken as the nearest to the highest seen. */
struct unwrap {
	uint32_t base;
	int64_t ref;
};

static int64_t rel(struct unwrap *u, uint32_t v)
{
	int32_t delta = (int32_t)(v - (uint32_t)(u->base + (uint32_t)u->ref));
	int64_t r = u->ref + delta;
	if (r > u->ref)
		u->ref = r;
	return r;
}

void tcp_plot_series_free(struct tcp_plot_series *s)
{
	free(s->segs.v);
	free(s->acks.v);
	free(s->marks.v);
	free(s->flight.v);
	free(s->cwnd.v);
	memset(s, 0, sizeof *s);
}

static bool mark(struct tcp_plot_series *s, capnet_instant t, int64_t seq, char kind, bool from_receiver)
{
	struct tcp_plot_mark *m = VEC_PUSH(s->marks);
	if (m == NULL)
		return false;
	*m = (struct tcp_plot_mark){t, seq, kind, from_receiver};
	return true;
}

static bool marks_of(struct tcp_plot_series *s, capnet_instant t, uint8_t flags, int64_t syn_at, int64_t fin_at,
		     bool from_receiver)
{
	bool ok = true;
	if (flags & CAPNET_TCP_SYN)
		ok &= mark(s, t, syn_at, 'S', from_receiver);
	if (flags & CAPNET_TCP_FIN)
		ok &= mark(s, t, fin_at, 'F', from_receiver);
	if (flags & CAPNET_TCP_RST)
		ok &= mark(s, t, syn_at, 'R', from_receiver);
	return ok;
}

/* The flight the wire shows, kept when it changed. */
static bool flight_note(struct tcp_plot_series *s, capnet_instant t, int64_t cum_ack, bool any_ack)
{
	if (s->segs.n == 0)
		return true;
	int64_t f = s->max_seq - (any_ack ? cum_ack : 0);
	if (f < 0)
		f = 0;
	if (s->flight.n > 0 && s->flight.v[s->flight.n - 1].bytes == f)
		return true;
	struct tcp_plot_flight *p = VEC_PUSH(s->flight);
	if (p == NULL)
		return false;
	*p = (struct tcp_plot_flight){t, f};
	return true;
}

static bool sender_segment(struct tcp_plot_series *s, struct unwrap *u, const struct capnet_frame_desc *d,
			   capnet_instant t)
{
	uint8_t fl = d->tcp_flags;
	int64_t seq = rel(u, d->tcp_seq);
	int64_t end = seq + d->body_len + ((fl & CAPNET_TCP_SYN) ? 1 : 0) + ((fl & CAPNET_TCP_FIN) ? 1 : 0);
	if (!marks_of(s, t, fl, seq, end - 1, false))
		return false;
	if (end == seq) /* a pure ACK of the other direction, or a bare RST */
		return true;
	bool rexmit = s->segs.n > 0 && seq < s->max_seq;
	struct tcp_plot_seg *g = VEC_PUSH(s->segs);
	if (g == NULL)
		return false;
	*g = (struct tcp_plot_seg){t, seq, end, d->body_len, fl, rexmit};
	s->payload += d->body_len;
	if (rexmit) {
		s->rexmit_segs++;
		s->rexmit_bytes += d->body_len;
	}
	if (s->segs.n == 1 || end > s->max_seq)
		s->max_seq = end;
	return true;
}

static bool receiver_segment(struct tcp_plot_series *s, struct unwrap *u, const struct capnet_frame_desc *d,
			     capnet_instant t, int64_t *cum_ack, bool *any_ack)
{
	uint8_t fl = d->tcp_flags;
	if (fl & CAPNET_TCP_ACK_FLAG) {
		struct tcp_plot_ack *a = VEC_PUSH(s->acks);
		if (a == NULL)
			return false;
		a->t = t;
		a->ack = rel(u, d->tcp_ack);
		a->win = (uint32_t)d->tcp_win << ((fl & CAPNET_TCP_SYN) ? 0 : s->rcv_shift);
		a->flags = fl;
		uint8_t n = d->tcp_opt.sack_count > 4 ? 4 : d->tcp_opt.sack_count;
		for (uint8_t i = 0; i < n; i++) {
			a->sack[i].left = rel(u, d->tcp_opt.sack[i].left);
			a->sack[i].right = rel(u, d->tcp_opt.sack[i].right);
		}
		a->nsack = n;
		if (!*any_ack || a->ack > *cum_ack)
			*cum_ack = a->ack;
		*any_ack = true;
	}
	int64_t at = *any_ack ? *cum_ack : 0;
	return marks_of(s, t, fl, at, at, true);
}

capnet_err tcp_plot_extract(const struct capnet_pcap_frames *f, const struct tcp_plot_conns *c, int conn, int dir,
			    struct tcp_plot_series *out)
{
	memset(out, 0, sizeof *out);
	if (conn < 0 || (size_t)conn >= c->n || c->frames != f->n)
		return CAPNET_E_INVAL;
	const struct tcp_plot_conn *k = &c->v[conn];
	if (dir < 0)
		dir = k->payload[0] >= k->payload[1] ? 0 : 1;
	out->conn = conn;
	out->c = *k;
	out->dir = dir;
	out->t0 = k->first;
	out->duration = k->last - k->first;
	out->window_scaled = k->wscale_opt[0] && k->wscale_opt[1];
	out->rcv_shift = out->window_scaled ? k->wscale[1 - dir] : 0;
	struct unwrap u = {0};
	bool based = false, any_ack = false;
	int64_t cum_ack = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (c->frame_conn[i] != conn)
			continue;
		struct capnet_frame_desc d;
		describe(&f->v[i], &d);
		bool from_sender = c->frame_dir[i] == dir;
		capnet_instant t = f->v[i].at - out->t0;
		if (!based && (from_sender || (d.tcp_flags & CAPNET_TCP_ACK_FLAG))) {
			/* Sequence 0: the sender's ISN, or what the capture first shows of it. */
			u.base = from_sender ? d.tcp_seq : d.tcp_ack;
			out->isn = u.base;
			out->isn_from_syn = from_sender && (d.tcp_flags & CAPNET_TCP_SYN);
			based = true;
		}
		/* The receiver's SYN before anything of the sender's: marked at 0. */
		bool ok = from_sender ? sender_segment(out, &u, &d, t)
			  : based     ? receiver_segment(out, &u, &d, t, &cum_ack, &any_ack)
				      : marks_of(out, t, d.tcp_flags, 0, 0, true);
		if (!ok || !flight_note(out, t, cum_ack, any_ack)) {
			tcp_plot_series_free(out);
			return CAPNET_E_NOMEM;
		}
	}
	return CAPNET_OK;
}

capnet_err tcp_plot_attach_samples(struct tcp_plot_series *s, const struct tcp_sample *v, size_t n,
				   capnet_instant origin)
{
	const struct capnet_tcp_endpoint *snd = &s->c.ep[s->dir], *rcv = &s->c.ep[1 - s->dir];
	for (size_t i = 0; i < n; i++) {
		capnet_instant t = v[i].t + origin - s->t0;
		if (!ep_eq(&v[i].local, snd) || !ep_eq(&v[i].remote, rcv) || t < 0 || t > s->duration)
			continue;
		struct tcp_plot_cwnd *w = VEC_PUSH(s->cwnd);
		if (w == NULL)
			return CAPNET_E_NOMEM;
		*w = (struct tcp_plot_cwnd){t, v[i].cwnd, v[i].ssthresh, v[i].in_recovery};
	}
	return CAPNET_OK;
}
