/* DNS messages (RFC 1035 4.1, RFC 2308, RFC 3596, RFC 6891): header,
 * names with compression followed on parse, the records a stub reads, and
 * a builder. Pure: no state beyond the call. Every length is checked
 * before the bytes it covers are read; see capnet/wire/dns.h for the
 * rules each reason stands for. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/dns.h"

static const char *const error_names[] = {
#define CAPNET_DNS_ERR_NAME(n, s) s,
	CAPNET_DNS_ERRORS(CAPNET_DNS_ERR_NAME)
#undef CAPNET_DNS_ERR_NAME
};

const char *capnet_dns_error_name(enum capnet_dns_error e)
{
	return (unsigned)e < CAPNET_DNS_ERR__COUNT ? error_names[e] : "?";
}

/* ---- header ---- */

capnet_err capnet_dns_header_parse(const uint8_t *buf, size_t len, struct capnet_dns_header *out)
{
	if (len < CAPNET_DNS_HDR_LEN)
		return CAPNET_E_TRUNCATED;
	out->id = capnet_get16(buf);
	out->flags = capnet_get16(buf + 2);
	out->qdcount = capnet_get16(buf + 4);
	out->ancount = capnet_get16(buf + 6);
	out->nscount = capnet_get16(buf + 8);
	out->arcount = capnet_get16(buf + 10);
	return CAPNET_OK;
}

void capnet_dns_header_emit(const struct capnet_dns_header *h, uint8_t *out)
{
	capnet_put16(out, h->id);
	capnet_put16(out + 2, h->flags);
	capnet_put16(out + 4, h->qdcount);
	capnet_put16(out + 6, h->ancount);
	capnet_put16(out + 8, h->nscount);
	capnet_put16(out + 10, h->arcount);
}

/* ---- names ---- */

enum capnet_dns_error capnet_dns_name_parse(const uint8_t *msg, size_t len, size_t *off, char *out)
{
	size_t pos = *off;
	size_t run_start = pos; /* where the labels being read began */
	size_t wire = 0;        /* wire bytes so far, pointers followed */
	size_t tlen = 0;
	bool jumped = false;

	for (;;) {
		if (pos >= len)
			return CAPNET_DNS_ERR_TRUNCATED;
		uint8_t c = msg[pos];
		if (c == 0) {
			if (!jumped)
				*off = pos + 1;
			if (out)
				out[tlen] = '\0';
			return CAPNET_DNS_ERR_NONE;
		}
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return CAPNET_DNS_ERR_TRUNCATED;
			size_t target = ((size_t)(c & 0x3f) << 8) | msg[pos + 1];
			if (target >= len)
				return CAPNET_DNS_ERR_PTR_OUT_OF_BOUNDS;
			if (target > pos)
				return CAPNET_DNS_ERR_PTR_FORWARD;
			/* Strictly before this run: every jump goes further back,
			 * so the walk ends whatever the bytes are. */
			if (target >= run_start)
				return CAPNET_DNS_ERR_PTR_LOOP;
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			pos = target;
			run_start = target;
			continue;
		}
		if (c > CAPNET_DNS_LABEL_MAX)
			return CAPNET_DNS_ERR_LABEL_TOO_LONG;
		if (pos + 1 + c > len)
			return CAPNET_DNS_ERR_TRUNCATED;
		wire += 1u + c;
		if (wire + 1 > CAPNET_DNS_WIRE_NAME_MAX) /* + the root byte */
			return CAPNET_DNS_ERR_NAME_TOO_LONG;
		const uint8_t *l = msg + pos + 1;
		for (size_t i = 0; i < c; i++)
			if (l[i] == '.' || l[i] == 0)
				return CAPNET_DNS_ERR_BAD_LABEL;
		if (out) {
			if (tlen)
				out[tlen++] = '.';
			memcpy(out + tlen, l, c);
			tlen += c;
		}
		pos += 1u + c;
	}
}

size_t capnet_dns_name_emit(const char *name, uint8_t *out, size_t cap)
{
	size_t n = strlen(name);
	if (n && name[n - 1] == '.')
		n--; /* an absolute name's trailing dot */
	size_t w = 0;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && name[j] != '.')
			j++;
		size_t l = j - i;
		if (l == 0 || l > CAPNET_DNS_LABEL_MAX)
			return 0;
		if (w + 1 + l + 1 > CAPNET_DNS_WIRE_NAME_MAX || w + 1 + l + 1 > cap)
			return 0;
		out[w++] = (uint8_t)l;
		memcpy(out + w, name + i, l);
		w += l;
		i = j + 1;
		if (j < n && i == n)
			return 0; /* "a..": an empty last label */
	}
	if (w + 1 > cap)
		return 0;
	out[w++] = 0;
	return w;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

bool capnet_dns_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower(*a) != lower(*b))
			return false;
	return *a == *b;
}

/* ---- records ---- */

/* The record at *off, checked; *off moves past it. */
static enum capnet_dns_error rr_parse(const uint8_t *msg, size_t len, size_t *off, struct capnet_dns_rr *rr)
{
	enum capnet_dns_error e = capnet_dns_name_parse(msg, len, off, rr->name);
	if (e != CAPNET_DNS_ERR_NONE)
		return e;
	size_t p = *off;
	if (len - p < 10)
		return CAPNET_DNS_ERR_TRUNCATED;
	rr->type = capnet_get16(msg + p);
	rr->rclass = capnet_get16(msg + p + 2);
	rr->ttl = capnet_get32(msg + p + 4);
	rr->rdlength = capnet_get16(msg + p + 8);
	p += 10;
	if (len - p < rr->rdlength)
		return CAPNET_DNS_ERR_TRUNCATED;
	rr->rdata_off = p;
	size_t end = p + rr->rdlength;
	/* Names inside rdata are read against the whole message (they may
	 * point back into it) but must end exactly at the rdata's end. */
	switch (rr->type) {
	case CAPNET_DNS_TYPE_A:
		if (rr->rdlength != 4)
			return CAPNET_DNS_ERR_BAD_RDATA;
		memcpy(rr->rd.a, msg + p, 4);
		break;
	case CAPNET_DNS_TYPE_AAAA:
		if (rr->rdlength != 16)
			return CAPNET_DNS_ERR_BAD_RDATA;
		memcpy(rr->rd.aaaa, msg + p, 16);
		break;
	case CAPNET_DNS_TYPE_CNAME:
	case CAPNET_DNS_TYPE_NS: {
		size_t q = p;
		e = capnet_dns_name_parse(msg, end, &q, rr->rd.cname);
		if (e == CAPNET_DNS_ERR_TRUNCATED)
			return CAPNET_DNS_ERR_BAD_RDATA;
		if (e != CAPNET_DNS_ERR_NONE)
			return e;
		if (q != end)
			return CAPNET_DNS_ERR_BAD_RDATA;
		break;
	}
	case CAPNET_DNS_TYPE_SOA: {
		size_t q = p;
		for (int i = 0; i < 2; i++) { /* mname, rname: checked, not kept */
			e = capnet_dns_name_parse(msg, end, &q, NULL);
			if (e == CAPNET_DNS_ERR_TRUNCATED)
				return CAPNET_DNS_ERR_BAD_RDATA;
			if (e != CAPNET_DNS_ERR_NONE)
				return e;
		}
		if (end - q != 20)
			return CAPNET_DNS_ERR_BAD_RDATA;
		rr->rd.soa.serial = capnet_get32(msg + q);
		rr->rd.soa.refresh = capnet_get32(msg + q + 4);
		rr->rd.soa.retry = capnet_get32(msg + q + 8);
		rr->rd.soa.expire = capnet_get32(msg + q + 12);
		rr->rd.soa.minimum = capnet_get32(msg + q + 16);
		break;
	}
	default:
		break; /* opaque; its length was checked */
	}
	*off = end;
	return CAPNET_DNS_ERR_NONE;
}

enum capnet_dns_error capnet_dns_parse(const uint8_t *buf, size_t len, struct capnet_dns_msg *out)
{
	memset(out, 0, sizeof *out);
	if (capnet_dns_header_parse(buf, len, &out->hdr) != CAPNET_OK)
		return CAPNET_DNS_ERR_TRUNCATED;
	out->buf = buf;
	out->len = len;
	size_t off = CAPNET_DNS_HDR_LEN;
	for (unsigned i = 0; i < out->hdr.qdcount; i++) {
		char *name = i == 0 ? out->qname : NULL;
		enum capnet_dns_error e = capnet_dns_name_parse(buf, len, &off, name);
		if (e != CAPNET_DNS_ERR_NONE)
			return e;
		if (len - off < 4)
			return CAPNET_DNS_ERR_TRUNCATED;
		if (i == 0) {
			out->has_question = true;
			out->qtype = capnet_get16(buf + off);
			out->qclass = capnet_get16(buf + off + 2);
		}
		off += 4;
	}
	out->rr_off = off;
	struct capnet_dns_rr rr;
	unsigned total = (unsigned)out->hdr.ancount + out->hdr.nscount + out->hdr.arcount;
	for (unsigned i = 0; i < total; i++) {
		enum capnet_dns_error e = rr_parse(buf, len, &off, &rr);
		if (e != CAPNET_DNS_ERR_NONE)
			return e;
		if (rr.type == CAPNET_DNS_TYPE_OPT && i >= (unsigned)out->hdr.ancount + out->hdr.nscount)
			out->edns_payload = rr.rclass;
	}
	if (off != len)
		return CAPNET_DNS_ERR_TRAILING;
	return CAPNET_DNS_ERR_NONE;
}

bool capnet_dns_rr_next(const struct capnet_dns_msg *msg, size_t *idx, size_t *off, struct capnet_dns_rr *rr,
			enum capnet_dns_section *sec)
{
	size_t an = msg->hdr.ancount, ns = msg->hdr.nscount;
	if (*idx >= an + ns + msg->hdr.arcount)
		return false;
	if (rr_parse(msg->buf, msg->len, off, rr) != CAPNET_DNS_ERR_NONE)
		return false; /* not after capnet_dns_parse said yes */
	if (sec)
		*sec = *idx < an ? CAPNET_DNS_SEC_ANSWER : *idx < an + ns ? CAPNET_DNS_SEC_AUTHORITY
									  : CAPNET_DNS_SEC_ADDITIONAL;
	(*idx)++;
	return true;
}

/* ---- builder ---- */

void capnet_dns_build_start(struct capnet_dns_builder *b, uint8_t *buf, size_t cap, uint16_t id, uint16_t flags)
{
	memset(b, 0, sizeof *b);
	b->buf = buf;
	b->cap = cap;
	b->hdr.id = id;
	b->hdr.flags = flags;
	if (cap < CAPNET_DNS_HDR_LEN)
		b->failed = true;
	else
		b->len = CAPNET_DNS_HDR_LEN;
}

static void put_bytes(struct capnet_dns_builder *b, const void *p, size_t n)
{
	if (b->failed || b->cap - b->len < n) {
		b->failed = true;
		return;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void put_u16(struct capnet_dns_builder *b, uint16_t v)
{
	uint8_t t[2];
	capnet_put16(t, v);
	put_bytes(b, t, 2);
}

static void put_u32(struct capnet_dns_builder *b, uint32_t v)
{
	uint8_t t[4];
	capnet_put32(t, v);
	put_bytes(b, t, 4);
}

static void put_name(struct capnet_dns_builder *b, const char *name)
{
	uint8_t w[CAPNET_DNS_WIRE_NAME_MAX];
	size_t n = capnet_dns_name_emit(name, w, sizeof w);
	if (n == 0)
		b->failed = true;
	else
		put_bytes(b, w, n);
}

void capnet_dns_build_question(struct capnet_dns_builder *b, const char *name, uint16_t qtype)
{
	if (b->hdr.qdcount == 0)
		b->qname = name;
	put_name(b, name);
	put_u16(b, qtype);
	put_u16(b, CAPNET_DNS_CLASS_IN);
	b->hdr.qdcount++;
}

static void put_owner(struct capnet_dns_builder *b, const char *name)
{
	if (b->qname && strcmp(b->qname, name) == 0)
		put_u16(b, 0xc000 | CAPNET_DNS_HDR_LEN);
	else
		put_name(b, name);
}

static void count(struct capnet_dns_builder *b, enum capnet_dns_section sec)
{
	if (sec == CAPNET_DNS_SEC_ANSWER)
		b->hdr.ancount++;
	else if (sec == CAPNET_DNS_SEC_AUTHORITY)
		b->hdr.nscount++;
	else
		b->hdr.arcount++;
}

void capnet_dns_build_rr(struct capnet_dns_builder *b, enum capnet_dns_section sec, const char *name, uint16_t type,
			 uint32_t ttl, const void *rdata, uint16_t rdlen)
{
	put_owner(b, name);
	put_u16(b, type);
	put_u16(b, CAPNET_DNS_CLASS_IN);
	put_u32(b, ttl);
	put_u16(b, rdlen);
	put_bytes(b, rdata, rdlen);
	count(b, sec);
}

void capnet_dns_build_cname(struct capnet_dns_builder *b, const char *name, uint32_t ttl, const char *target)
{
	uint8_t w[CAPNET_DNS_WIRE_NAME_MAX];
	size_t n = capnet_dns_name_emit(target, w, sizeof w);
	if (n == 0) {
		b->failed = true;
		return;
	}
	capnet_dns_build_rr(b, CAPNET_DNS_SEC_ANSWER, name, CAPNET_DNS_TYPE_CNAME, ttl, w, (uint16_t)n);
}

void capnet_dns_build_soa(struct capnet_dns_builder *b, const char *zone, uint32_t ttl, const char *mname,
			  const char *rname, uint32_t minimum)
{
	uint8_t rd[2 * CAPNET_DNS_WIRE_NAME_MAX + 20];
	size_t n1 = capnet_dns_name_emit(mname, rd, CAPNET_DNS_WIRE_NAME_MAX);
	size_t n2 = n1 ? capnet_dns_name_emit(rname, rd + n1, CAPNET_DNS_WIRE_NAME_MAX) : 0;
	if (n2 == 0) {
		b->failed = true;
		return;
	}
	uint8_t *p = rd + n1 + n2;
	capnet_put32(p, 1);           /* serial */
	capnet_put32(p + 4, 3600);    /* refresh */
	capnet_put32(p + 8, 600);     /* retry */
	capnet_put32(p + 12, 86400);  /* expire */
	capnet_put32(p + 16, minimum);
	capnet_dns_build_rr(b, CAPNET_DNS_SEC_AUTHORITY, zone, CAPNET_DNS_TYPE_SOA, ttl, rd, (uint16_t)(n1 + n2 + 20));
}

void capnet_dns_build_opt(struct capnet_dns_builder *b, uint16_t payload)
{
	/* RFC 6891 6.1.2: root owner, class = payload size, ttl 0 (rcode
	 * extension, version 0, no DO bit), no options. */
	uint8_t root = 0;
	put_bytes(b, &root, 1);
	put_u16(b, CAPNET_DNS_TYPE_OPT);
	put_u16(b, payload);
	put_u32(b, 0);
	put_u16(b, 0);
	b->hdr.arcount++;
}

size_t capnet_dns_build_end(struct capnet_dns_builder *b)
{
	if (b->failed)
		return 0;
	capnet_dns_header_emit(&b->hdr, b->buf);
	return b->len;
}

size_t capnet_dns_query_emit(uint16_t id, const char *name, uint16_t qtype, uint16_t edns_payload, uint8_t *out,
			     size_t cap)
{
	struct capnet_dns_builder b;
	capnet_dns_build_start(&b, out, cap, id, CAPNET_DNS_FLAG_RD);
	capnet_dns_build_question(&b, name, qtype);
	if (edns_payload)
		capnet_dns_build_opt(&b, edns_payload);
	return capnet_dns_build_end(&b);
}
