/* The pcap backend: load a capture, replay it into a stack on a synthetic
 * clock, keep and record what the stack sends, compare runs, and tee any
 * nic into a pcap file. The decoded one-line summary lives here too: it is
 * how a divergence is reported. */
#include "capnet/nic_pcap.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/tcp.h"
#include "capnet/wire/udp.h"

static void set_err(char *buf, size_t len, const char *what, const char *detail)
{
	if (buf != NULL && len > 0)
		snprintf(buf, len, "%s%s%s", what, detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

/* ---- frames ---- */

capnet_err capnet_pcap_frames_push(struct capnet_pcap_frames *f, capnet_instant at, const uint8_t *data, size_t len,
				   uint32_t orig_len)
{
	if (f->n == f->cap) {
		size_t cap = f->cap != 0 ? f->cap * 2 : 64;
		struct capnet_pcap_frame *v = realloc(f->v, cap * sizeof *v);
		if (v == NULL)
			return CAPNET_E_NOMEM;
		f->v = v;
		f->cap = cap;
	}
	uint8_t *copy = malloc(len != 0 ? len : 1);
	if (copy == NULL)
		return CAPNET_E_NOMEM;
	if (len != 0)
		memcpy(copy, data, len);
	f->v[f->n++] = (struct capnet_pcap_frame){.at = at, .orig_len = orig_len, .len = len, .data = copy};
	return CAPNET_OK;
}

void capnet_pcap_frames_free(struct capnet_pcap_frames *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].data);
	free(f->v);
	memset(f, 0, sizeof *f);
}

capnet_err capnet_pcap_load(const char *path, struct capnet_pcap_frames *out, char *errbuf, size_t errlen)
{
	memset(out, 0, sizeof *out);
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (p == NULL) {
		set_err(errbuf, errlen, "cannot read capture", perr); /* libpcap names the file */
		return CAPNET_E_NIC;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		set_err(errbuf, errlen, path, "not an Ethernet (DLT_EN10MB) capture");
		pcap_close(p);
		return CAPNET_E_UNSUPPORTED;
	}
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;
	capnet_err e = CAPNET_OK;
	while (e == CAPNET_OK && (rc = pcap_next_ex(p, &h, &data)) == 1) {
		capnet_instant at = (capnet_instant)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		e = capnet_pcap_frames_push(out, at, data, h->caplen, h->len);
	}
	if (e == CAPNET_OK && rc == PCAP_ERROR) {
		set_err(errbuf, errlen, path, pcap_geterr(p));
		e = CAPNET_E_NIC;
	} else if (e != CAPNET_OK) {
		set_err(errbuf, errlen, path, "out of memory");
	}
	pcap_close(p);
	if (e != CAPNET_OK)
		capnet_pcap_frames_free(out);
	return e;
}

capnet_err capnet_pcap_frames_save(const struct capnet_pcap_frames *f, const char *path, char *errbuf, size_t errlen)
{
	struct capnet_pcap_writer *w;
	capnet_err e = capnet_pcap_writer_open(path, 0, &w, errbuf, errlen);
	if (e != CAPNET_OK)
		return e;
	for (size_t i = 0; e == CAPNET_OK && i < f->n; i++)
		e = capnet_pcap_writer_write(w, f->v[i].at, f->v[i].data, f->v[i].len);
	if (e != CAPNET_OK)
		set_err(errbuf, errlen, path, capnet_pcap_writer_error(w));
	capnet_err c = capnet_pcap_writer_close(w);
	if (e == CAPNET_OK && c != CAPNET_OK)
		set_err(errbuf, errlen, path, "flush failed");
	return e != CAPNET_OK ? e : c;
}

/* ---- one-line summaries ---- */

struct line {
	char *buf;
	size_t cap, n;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void put(struct line *l, const char *fmt, ...)
{
	if (l->n + 1 >= l->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(l->buf + l->n, l->cap - l->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->n = (size_t)k < l->cap - l->n ? l->n + (size_t)k : l->cap - 1;
}

static void put_mac(struct line *l, const uint8_t *m)
{
	put(l, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void put_ip4(struct line *l, capnet_ip4addr a)
{
	put(l, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void summarize_arp(struct line *l, const uint8_t *p, size_t len)
{
	struct capnet_arp_repr a;
	capnet_err e = capnet_arp_parse(p, len, &a, NULL);
	if (e != CAPNET_OK) {
		put(l, "ARP malformed (%s, %zu bytes)", capnet_errname(e), len);
		return;
	}
	if (a.oper == CAPNET_ARP_REQUEST) {
		put(l, "ARP who-has ");
		put_ip4(l, a.tpa);
		put(l, " tell ");
		put_ip4(l, a.spa);
		if (a.spa == a.tpa)
			put(l, " (gratuitous)");
		else if (a.spa == 0)
			put(l, " (probe)");
		return;
	}
	put(l, "ARP reply ");
	put_ip4(l, a.spa);
	put(l, " is-at ");
	put_mac(l, a.sha.b);
}

static void summarize_icmp(struct line *l, const uint8_t *p, size_t len)
{
	struct capnet_icmp4_view v;
	capnet_err e = capnet_icmp4_view_check(&v, p, len);
	if (e != CAPNET_OK) {
		put(l, " ICMP malformed (%s)", capnet_errname(e));
		return;
	}
	uint8_t type = capnet_icmp4_type(&v), code = capnet_icmp4_code(&v);
	const char *bad = capnet_icmp4_checksum_ok(&v) ? "" : " [bad checksum]";
	if (type == CAPNET_ICMP4_ECHO_REQUEST || type == CAPNET_ICMP4_ECHO_REPLY) {
		put(l, " ICMP echo %s id 0x%04x seq %u, %zu data bytes%s",
		    type == CAPNET_ICMP4_ECHO_REQUEST ? "request" : "reply", capnet_icmp4_ident(&v), capnet_icmp4_seq(&v),
		    len - CAPNET_ICMP4_HDR_LEN, bad);
		return;
	}
	const char *name = type == CAPNET_ICMP4_DEST_UNREACH ? "unreachable" :
			   type == CAPNET_ICMP4_TIME_EXCEEDED ? "time-exceeded" : "type";
	put(l, " ICMP %s %u code %u%s", name, type, code, bad);
}

static void summarize_udp(struct line *l, const uint8_t *p, size_t len)
{
	struct capnet_udp_view v;
	capnet_err e = capnet_udp_view_check(&v, p, len);
	if (e != CAPNET_OK) {
		put(l, " UDP malformed (%s)", capnet_errname(e));
		return;
	}
	put(l, " UDP %u > %u, %u data bytes", capnet_udp_src_port(&v), capnet_udp_dst_port(&v),
	    (unsigned)(capnet_udp_length(&v) - CAPNET_UDP_HDR_LEN));
}

/* Read by offset so a summary never depends on more than the fixed header. */
static void summarize_tcp(struct line *l, const uint8_t *p, size_t len)
{
	if (len < CAPNET_TCP_HDR_LEN) {
		put(l, " TCP truncated (%zu bytes)", len);
		return;
	}
	size_t off = (size_t)(p[CAPNET_TCP_OFF_FLAGS] >> 4) * 4;
	uint8_t fl = p[CAPNET_TCP_OFF_FLAGS + 1];
	put(l, " TCP %u > %u [", capnet_get16(p + CAPNET_TCP_SRC_PORT), capnet_get16(p + CAPNET_TCP_DST_PORT));
	static const struct {
		uint8_t bit;
		char c;
	} flags[] = {{CAPNET_TCP_SYN, 'S'}, {CAPNET_TCP_FIN, 'F'}, {CAPNET_TCP_RST, 'R'}, {CAPNET_TCP_PSH, 'P'},
		     {CAPNET_TCP_ACK_FLAG, '.'}, {CAPNET_TCP_URG, 'U'}, {CAPNET_TCP_ECE, 'E'}, {CAPNET_TCP_CWR, 'W'}};
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (fl & flags[i].bit)
			put(l, "%c", flags[i].c);
	put(l, "] seq %u", capnet_get32(p + CAPNET_TCP_SEQ));
	if (fl & CAPNET_TCP_ACK_FLAG)
		put(l, " ack %u", capnet_get32(p + CAPNET_TCP_ACK));
	put(l, " win %u", capnet_get16(p + CAPNET_TCP_WINDOW));
	if (off < CAPNET_TCP_HDR_LEN || off > len)
		put(l, " bad data offset %zu", off);
	else
		put(l, ", %zu data bytes", len - off);
}

static void summarize_ip4(struct line *l, const uint8_t *p, size_t len)
{
	struct capnet_ip4_view v;
	capnet_err e = capnet_ip4_view_check(&v, p, len);
	if (e != CAPNET_OK) {
		put(l, "IPv4 malformed (%s, %zu bytes)", capnet_errname(e), len);
		return;
	}
	put(l, "IPv4 ");
	put_ip4(l, capnet_ip4_src(&v));
	put(l, " > ");
	put_ip4(l, capnet_ip4_dst(&v));
	put(l, " id 0x%04x ttl %u", capnet_ip4_ident(&v), capnet_ip4_ttl(&v));
	if (!capnet_ip4_checksum_ok(&v))
		put(l, " [bad header checksum]");
	size_t hl = capnet_ip4_header_len(&v);
	const uint8_t *pl = v.buf + hl;
	size_t plen = v.len - hl;
	if (capnet_ip4_is_fragment(&v)) {
		put(l, " fragment proto %u, %zu bytes", capnet_ip4_proto(&v), plen);
		return;
	}
	switch (capnet_ip4_proto(&v)) {
	case CAPNET_IPPROTO_ICMP:
		summarize_icmp(l, pl, plen);
		break;
	case CAPNET_IPPROTO_UDP:
		summarize_udp(l, pl, plen);
		break;
	case CAPNET_IPPROTO_TCP:
		summarize_tcp(l, pl, plen);
		break;
	default:
		put(l, " proto %u, %zu bytes", capnet_ip4_proto(&v), plen);
	}
}

size_t capnet_frame_summary(const uint8_t *frame, size_t len, char *buf, size_t cap)
{
	struct line l = {buf, cap, 0};
	if (buf == NULL || cap == 0)
		return 0;
	buf[0] = '\0';
	struct capnet_eth_repr eth;
	if (frame == NULL || capnet_eth_parse(frame, len, &eth, NULL) != CAPNET_OK) {
		put(&l, "truncated Ethernet header (%zu bytes)", len);
		return l.n;
	}
	put_mac(&l, eth.src.b);
	put(&l, " > ");
	put_mac(&l, eth.dst.b);
	if (eth.vlan)
		put(&l, " vlan %u", eth.vlan_tci & 0x0fff);
	put(&l, ", %zu bytes: ", len);
	const uint8_t *p = frame + eth.header_len;
	size_t plen = len - eth.header_len;
	switch (eth.ethertype) {
	case CAPNET_ETHERTYPE_ARP:
		summarize_arp(&l, p, plen);
		break;
	case CAPNET_ETHERTYPE_IPV4:
		summarize_ip4(&l, p, plen);
		break;
	case CAPNET_ETHERTYPE_IPV6:
		put(&l, "IPv6 next header %u", plen >= 40 ? p[6] : 0u);
		break;
	default:
		put(&l, "ethertype 0x%04x", eth.ethertype);
	}
	return l.n;
}

/* ---- comparison ---- */

const char *capnet_pcap_diff_name(enum capnet_pcap_diff_kind k)
{
	switch (k) {
	case CAPNET_PCAP_SAME:
		return "same";
	case CAPNET_PCAP_DIFF_BYTES:
		return "bytes";
	case CAPNET_PCAP_DIFF_TIME:
		return "time";
	case CAPNET_PCAP_DIFF_MISSING:
		return "missing";
	case CAPNET_PCAP_DIFF_EXTRA:
		return "extra";
	}
	return "?";
}

bool capnet_pcap_compare(const struct capnet_pcap_frame *got, size_t ngot, capnet_instant got_origin,
			 const struct capnet_pcap_frame *want, size_t nwant, capnet_instant want_origin,
			 capnet_duration tolerance, struct capnet_pcap_diff *d)
{
	memset(d, 0, sizeof *d);
	size_t n = ngot < nwant ? ngot : nwant;
	for (size_t i = 0; i < n; i++) {
		size_t m = got[i].len < want[i].len ? got[i].len : want[i].len;
		size_t off = 0;
		while (off < m && got[i].data[off] == want[i].data[off])
			off++;
		if (off < m || got[i].len != want[i].len) {
			*d = (struct capnet_pcap_diff){.kind = CAPNET_PCAP_DIFF_BYTES, .index = i, .offset = off};
			return false;
		}
		capnet_duration dt = (got[i].at - got_origin) - (want[i].at - want_origin);
		if (dt > tolerance || dt < -tolerance) {
			*d = (struct capnet_pcap_diff){.kind = CAPNET_PCAP_DIFF_TIME, .index = i, .dt = dt};
			return false;
		}
	}
	if (ngot == nwant)
		return true;
	d->kind = ngot < nwant ? CAPNET_PCAP_DIFF_MISSING : CAPNET_PCAP_DIFF_EXTRA;
	d->index = n;
	return false;
}

/* ---- replay ---- */

struct capnet_pcap_replay {
	struct capnet_nic nic;
	struct capnet_pcap_replay_options o;
	struct capnet_pcap_frames input;
	capnet_instant *due;  /* per input frame: synthetic instant, never decreasing */
	size_t cursor;        /* next input frame to consider */
	capnet_instant origin;
	capnet_instant now;
	struct capnet_pcap_frames sent;
	struct capnet_pcap_replay_stats st;
};

static bool is_own(const struct capnet_pcap_replay *r, const struct capnet_pcap_frame *f)
{
	return f->len >= CAPNET_ETH_HDR_LEN && memcmp(f->data + CAPNET_ETH_SRC, r->o.mac.b, 6) == 0;
}

/* Moves the cursor past the stack's own frames; they are its output in a
 * two-sided capture, not input. */
static void skip_own(struct capnet_pcap_replay *r)
{
	while (r->cursor < r->input.n && is_own(r, &r->input.v[r->cursor])) {
		r->st.own_skipped++;
		r->cursor++;
	}
}

static capnet_instant capture_time(const struct capnet_pcap_replay *r)
{
	return r->origin + (r->now - r->o.start);
}

static void record(struct capnet_pcap_replay *r, const uint8_t *f, size_t len)
{
	if (r->o.record != NULL && capnet_pcap_writer_write(r->o.record, capture_time(r), f, len) != CAPNET_OK)
		r->st.record_errors++;
}

static capnet_err replay_receive(void *dev, uint8_t *buf, size_t cap, size_t *len)
{
	struct capnet_pcap_replay *r = dev;
	skip_own(r);
	if (r->cursor >= r->input.n || r->due[r->cursor] > r->now)
		return CAPNET_E_AGAIN;
	const struct capnet_pcap_frame *f = &r->input.v[r->cursor++];
	record(r, f->data, f->len);
	if (f->len > cap) {
		r->st.oversize++;
		return CAPNET_E_NOBUFS;
	}
	if (f->len < f->orig_len)
		r->st.cut++;
	memcpy(buf, f->data, f->len);
	*len = f->len;
	r->st.fed++;
	return CAPNET_OK;
}

static capnet_err replay_transmit(void *dev, const uint8_t *frame, size_t len)
{
	struct capnet_pcap_replay *r = dev;
	if (capnet_pcap_frames_push(&r->sent, capture_time(r), frame, len, (uint32_t)len) != CAPNET_OK)
		return CAPNET_E_NOMEM;
	r->st.sent++;
	record(r, frame, len);
	return CAPNET_OK;
}

static bool replay_link_up(void *dev)
{
	(void)dev;
	return true;
}

static const struct capnet_nic_ops replay_ops = {
	.transmit = replay_transmit,
	.receive = replay_receive,
	.link_up = replay_link_up,
};

capnet_err capnet_pcap_replay_open(const char *path, const struct capnet_pcap_replay_options *o,
				   struct capnet_pcap_replay **out, char *errbuf, size_t errlen)
{
	if (out == NULL || o == NULL || path == NULL) {
		set_err(errbuf, errlen, "pcap replay", "NULL argument");
		return CAPNET_E_INVAL;
	}
	*out = NULL;
	struct capnet_pcap_replay *r = calloc(1, sizeof *r);
	if (r == NULL) {
		set_err(errbuf, errlen, "pcap replay", "out of memory");
		return CAPNET_E_NOMEM;
	}
	r->o = *o;
	capnet_err e = capnet_pcap_load(path, &r->input, errbuf, errlen);
	if (e != CAPNET_OK) {
		free(r);
		return e;
	}
	r->due = calloc(r->input.n != 0 ? r->input.n : 1, sizeof *r->due);
	if (r->due == NULL) {
		set_err(errbuf, errlen, "pcap replay", "out of memory");
		capnet_pcap_replay_close(r);
		return CAPNET_E_NOMEM;
	}
	r->origin = r->input.n != 0 ? r->input.v[0].at : 0;
	/* A capture's stamps can step backwards (clock adjustments, merged
	 * files); the synthetic clock cannot, so they are held level. */
	capnet_instant prev = o->start;
	for (size_t i = 0; i < r->input.n; i++) {
		capnet_instant t = o->start + (r->input.v[i].at - r->origin);
		prev = t > prev ? t : prev;
		r->due[i] = prev;
	}
	r->st.frames = r->input.n;
	r->now = o->start;
	r->nic.ops = &replay_ops;
	r->nic.dev = r;
	r->nic.mac = o->mac;
	r->nic.mtu = o->mtu != 0 ? o->mtu : 1500;
	*out = r;
	return CAPNET_OK;
}

void capnet_pcap_replay_close(struct capnet_pcap_replay *r)
{
	if (r == NULL)
		return;
	capnet_pcap_frames_free(&r->input);
	capnet_pcap_frames_free(&r->sent);
	free(r->due);
	free(r);
}

struct capnet_nic *capnet_pcap_replay_nic(struct capnet_pcap_replay *r)
{
	return &r->nic;
}

void capnet_pcap_replay_set_now(struct capnet_pcap_replay *r, capnet_instant now)
{
	if (now > r->now)
		r->now = now;
}

capnet_instant capnet_pcap_replay_next_time(const struct capnet_pcap_replay *r)
{
	for (size_t i = r->cursor; i < r->input.n; i++)
		if (!is_own(r, &r->input.v[i]))
			return r->due[i];
	return CAPNET_INSTANT_NEVER;
}

capnet_instant capnet_pcap_replay_end_time(const struct capnet_pcap_replay *r)
{
	return r->input.n != 0 ? r->due[r->input.n - 1] : r->o.start;
}

capnet_instant capnet_pcap_replay_origin(const struct capnet_pcap_replay *r)
{
	return r->origin;
}

const struct capnet_pcap_frames *capnet_pcap_replay_input(const struct capnet_pcap_replay *r)
{
	return &r->input;
}

const struct capnet_pcap_frames *capnet_pcap_replay_sent(const struct capnet_pcap_replay *r)
{
	return &r->sent;
}

void capnet_pcap_replay_get_stats(const struct capnet_pcap_replay *r, struct capnet_pcap_replay_stats *out)
{
	*out = r->st;
}

/* ---- tee ---- */

struct capnet_pcap_tee {
	struct capnet_nic nic;
	struct capnet_nic *inner;
	struct capnet_pcap_writer *w;
	capnet_instant (*clock)(void *);
	void *clock_ctx;
	uint64_t errors;
};

static void tee_record(struct capnet_pcap_tee *t, const uint8_t *f, size_t len)
{
	if (capnet_pcap_writer_write(t->w, t->clock(t->clock_ctx), f, len) != CAPNET_OK)
		t->errors++;
}

static capnet_err tee_transmit(void *dev, const uint8_t *frame, size_t len)
{
	struct capnet_pcap_tee *t = dev;
	capnet_err e = t->inner->ops->transmit(t->inner->dev, frame, len);
	if (e == CAPNET_OK)
		tee_record(t, frame, len);
	return e;
}

static capnet_err tee_receive(void *dev, uint8_t *buf, size_t cap, size_t *len)
{
	struct capnet_pcap_tee *t = dev;
	capnet_err e = t->inner->ops->receive(t->inner->dev, buf, cap, len);
	if (e == CAPNET_OK)
		tee_record(t, buf, *len);
	return e;
}

static bool tee_link_up(void *dev)
{
	struct capnet_pcap_tee *t = dev;
	return t->inner->ops->link_up == NULL || t->inner->ops->link_up(t->inner->dev);
}

static const struct capnet_nic_ops tee_ops = {
	.transmit = tee_transmit,
	.receive = tee_receive,
	.link_up = tee_link_up,
};

capnet_err capnet_pcap_tee_open(struct capnet_nic *inner, struct capnet_pcap_writer *w,
				capnet_instant (*clock)(void *ctx), void *clock_ctx, struct capnet_pcap_tee **out)
{
	if (out == NULL)
		return CAPNET_E_INVAL;
	*out = NULL;
	if (inner == NULL || inner->ops == NULL || w == NULL || clock == NULL)
		return CAPNET_E_INVAL;
	struct capnet_pcap_tee *t = calloc(1, sizeof *t);
	if (t == NULL)
		return CAPNET_E_NOMEM;
	t->inner = inner;
	t->w = w;
	t->clock = clock;
	t->clock_ctx = clock_ctx;
	t->nic.ops = &tee_ops;
	t->nic.dev = t;
	t->nic.mac = inner->mac;
	t->nic.mtu = inner->mtu;
	*out = t;
	return CAPNET_OK;
}

void capnet_pcap_tee_close(struct capnet_pcap_tee *t)
{
	free(t);
}

struct capnet_nic *capnet_pcap_tee_nic(struct capnet_pcap_tee *t)
{
	return &t->nic;
}

uint64_t capnet_pcap_tee_errors(const struct capnet_pcap_tee *t)
{
	return t->errors;
}
