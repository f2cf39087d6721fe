/* DHCPv4 (RFC 2131, RFC 2132, RFC 3396, RFC 3397, RFC 3442): the BOOTP
 * header, the option areas and the two structured options a client must
 * decode. Pure: no state beyond the call. Every length byte is checked
 * before the bytes it covers are read. */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/dhcp4.h"

static const char *const msg_names[] = {
	"?", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM",
};

const char *capnet_dhcp4_msg_name(uint8_t type)
{
	return type < sizeof msg_names / sizeof msg_names[0] ? msg_names[type] : "?";
}

static const char *const error_names[] = {
	"none",		 "truncated",	    "bad_op",	     "bad_htype",    "bad_cookie",  "opt_truncated",
	"opt_badlen",	 "opt_duplicate",   "bad_overload",  "bad_msg_type", "bad_search",  "bad_routes",
};

const char *capnet_dhcp4_error_name(enum capnet_dhcp4_error e)
{
	return (unsigned)e < sizeof error_names / sizeof error_names[0] ? error_names[e] : "?";
}

/* ---- view ---- */

capnet_err capnet_dhcp4_view_check(struct capnet_dhcp4_view *v, const uint8_t *buf, size_t len)
{
	if (len < CAPNET_DHCP4_HDR_LEN)
		return CAPNET_E_TRUNCATED;
	v->buf = buf;
	v->len = len;
	return CAPNET_OK;
}

uint8_t capnet_dhcp4_op(const struct capnet_dhcp4_view *v) { return v->buf[CAPNET_DHCP4_OP]; }
uint8_t capnet_dhcp4_htype(const struct capnet_dhcp4_view *v) { return v->buf[CAPNET_DHCP4_HTYPE]; }
uint8_t capnet_dhcp4_hlen(const struct capnet_dhcp4_view *v) { return v->buf[CAPNET_DHCP4_HLEN]; }
uint8_t capnet_dhcp4_hops(const struct capnet_dhcp4_view *v) { return v->buf[CAPNET_DHCP4_HOPS]; }
uint32_t capnet_dhcp4_xid(const struct capnet_dhcp4_view *v) { return capnet_get32(v->buf + CAPNET_DHCP4_XID); }
uint16_t capnet_dhcp4_secs(const struct capnet_dhcp4_view *v) { return capnet_get16(v->buf + CAPNET_DHCP4_SECS); }
uint16_t capnet_dhcp4_flags(const struct capnet_dhcp4_view *v) { return capnet_get16(v->buf + CAPNET_DHCP4_FLAGS); }
capnet_ip4addr capnet_dhcp4_ciaddr(const struct capnet_dhcp4_view *v) { return capnet_get32(v->buf + CAPNET_DHCP4_CIADDR); }
capnet_ip4addr capnet_dhcp4_yiaddr(const struct capnet_dhcp4_view *v) { return capnet_get32(v->buf + CAPNET_DHCP4_YIADDR); }
capnet_ip4addr capnet_dhcp4_siaddr(const struct capnet_dhcp4_view *v) { return capnet_get32(v->buf + CAPNET_DHCP4_SIADDR); }
capnet_ip4addr capnet_dhcp4_giaddr(const struct capnet_dhcp4_view *v) { return capnet_get32(v->buf + CAPNET_DHCP4_GIADDR); }
uint32_t capnet_dhcp4_cookie(const struct capnet_dhcp4_view *v) { return capnet_get32(v->buf + CAPNET_DHCP4_COOKIE); }

struct capnet_mac capnet_dhcp4_chaddr(const struct capnet_dhcp4_view *v)
{
	struct capnet_mac m;
	memcpy(m.b, v->buf + CAPNET_DHCP4_CHADDR, 6);
	return m;
}

/* ---- option 119: names ---- */

static bool label_char_ok(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Decodes the name starting at *pos into out (may be NULL: validate only)
 * and moves *pos past it. A pointer must go strictly before the start of
 * the run of labels it ends, so every jump lands lower than the last one
 * and the walk ends after at most `len` jumps. */
static bool decode_name(const uint8_t *raw, size_t len, size_t *pos, char *out)
{
	size_t p = *pos, run_start = *pos, name_len = 0;
	bool jumped = false;
	for (;;) {
		if (p >= len)
			return false;
		uint8_t b = raw[p];
		if (b == 0) {
			if (!jumped)
				*pos = p + 1;
			break;
		}
		if ((b & 0xc0) == 0xc0) {
			if (p + 1 >= len)
				return false;
			size_t target = (size_t)(b & 0x3f) << 8 | raw[p + 1];
			if (target >= run_start)
				return false;
			if (!jumped)
				*pos = p + 2;
			jumped = true;
			p = run_start = target;
			continue;
		}
		if (b & 0xc0)
			return false; /* the 01/10 label types are not names */
		if (p + 1 + b > len)
			return false;
		size_t add = (name_len ? 1u : 0u) + b;
		if (name_len + add > CAPNET_DNS_NAME_MAX)
			return false;
		for (size_t i = 0; i < b; i++)
			if (!label_char_ok(raw[p + 1 + i]))
				return false;
		if (out) {
			if (name_len)
				out[name_len] = '.';
			memcpy(out + name_len + (name_len ? 1 : 0), raw + p + 1, b);
		}
		name_len += add;
		p += 1 + (size_t)b;
	}
	if (name_len == 0)
		return false; /* the root is no search domain */
	if (out)
		out[name_len] = '\0';
	return true;
}

capnet_err capnet_dhcp4_search_decode(const uint8_t *raw, size_t len, struct capnet_dhcp4_search *out)
{
	if (out)
		out->count = 0;
	if (len == 0)
		return CAPNET_E_MALFORMED;
	size_t pos = 0;
	while (pos < len) {
		char *dst = NULL;
		if (out && out->count < CAPNET_DHCP4_SEARCH_NAMES)
			dst = out->name[out->count];
		if (!decode_name(raw, len, &pos, dst))
			return CAPNET_E_MALFORMED;
		if (dst)
			out->count++;
	}
	return CAPNET_OK;
}

/* Compression memory: where each label written literally starts, and the
 * dotted suffix it begins. */
#define SUFFIX_MAX 64

struct suffix {
	const char *text;
	size_t off;
};

static bool name_ok(const char *name)
{
	size_t n = strlen(name), label = 0;
	if (n == 0 || n > CAPNET_DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || name[i] == '.') {
			if (label == 0 || label > 63)
				return false;
			label = 0;
			continue;
		}
		if (!label_char_ok((uint8_t)name[i]))
			return false;
		label++;
	}
	return true;
}

capnet_err capnet_dhcp4_search_encode(const char *const *names, size_t n, uint8_t *out, size_t cap, size_t *len)
{
	struct suffix seen[SUFFIX_MAX];
	size_t nseen = 0, w = 0;
	for (size_t k = 0; k < n; k++)
		if (!name_ok(names[k]))
			return CAPNET_E_INVAL;
	for (size_t k = 0; k < n; k++) {
		const char *s = names[k];
		for (;;) {
			size_t hit = SIZE_MAX;
			for (size_t i = 0; i < nseen && hit == SIZE_MAX; i++)
				if (strcmp(seen[i].text, s) == 0)
					hit = seen[i].off;
			if (hit != SIZE_MAX) {
				if (w + 2 > cap)
					return CAPNET_E_NOBUFS;
				out[w++] = (uint8_t)(0xc0 | hit >> 8);
				out[w++] = (uint8_t)hit;
				break;
			}
			const char *dot = strchr(s, '.');
			size_t l = dot ? (size_t)(dot - s) : strlen(s);
			if (w + 1 + l + 1 > cap)
				return CAPNET_E_NOBUFS;
			if (nseen < SUFFIX_MAX && w <= 0x3fff)
				seen[nseen++] = (struct suffix){s, w};
			out[w++] = (uint8_t)l;
			memcpy(out + w, s, l);
			w += l;
			if (!dot) {
				out[w++] = 0;
				break;
			}
			s = dot + 1;
		}
	}
	*len = w;
	return CAPNET_OK;
}

/* ---- option 121 ---- */

static size_t route_octets(uint8_t width)
{
	return ((size_t)width + 7) / 8;
}

static bool decode_routes(const uint8_t *raw, size_t len, struct capnet_dhcp4_repr *r)
{
	size_t p = 0;
	r->n_routes = 0;
	if (len < 5)
		return false; /* RFC 3442: the minimum length is 5 */
	while (p < len) {
		uint8_t width = raw[p];
		if (width > 32)
			return false;
		size_t sig = route_octets(width);
		if (p + 1 + sig + 4 > len)
			return false;
		capnet_ip4addr dest = 0;
		for (size_t i = 0; i < sig; i++)
			dest |= (capnet_ip4addr)raw[p + 1 + i] << (24 - 8 * i);
		if (dest & ~capnet_ip4_mask(width))
			return false;
		capnet_ip4addr gw = capnet_get32(raw + p + 1 + sig);
		if (r->n_routes < CAPNET_DHCP4_MAX_ROUTES)
			r->routes[r->n_routes++] = (struct capnet_dhcp4_route){dest, width, gw};
		p += 1 + sig + 4;
	}
	return true;
}

/* Encoded length of the routes, 0 if one cannot be encoded. */
static size_t routes_raw_len(const struct capnet_dhcp4_repr *r)
{
	size_t n = 0;
	for (uint8_t i = 0; i < r->n_routes && i < CAPNET_DHCP4_MAX_ROUTES; i++) {
		if (r->routes[i].prefix_len > 32)
			return 0;
		n += 1 + route_octets(r->routes[i].prefix_len) + 4;
	}
	return n;
}

static size_t encode_routes(const struct capnet_dhcp4_repr *r, uint8_t *out)
{
	size_t w = 0;
	for (uint8_t i = 0; i < r->n_routes && i < CAPNET_DHCP4_MAX_ROUTES; i++) {
		const struct capnet_dhcp4_route *rt = &r->routes[i];
		out[w++] = rt->prefix_len;
		capnet_ip4addr d = rt->dest & capnet_ip4_mask(rt->prefix_len);
		for (size_t k = 0; k < route_octets(rt->prefix_len); k++)
			out[w++] = (uint8_t)(d >> (24 - 8 * k));
		capnet_put32(out + w, rt->gateway);
		w += 4;
	}
	return w;
}

/* ---- parse ---- */

struct parse_state {
	struct capnet_dhcp4_repr *r;
	uint8_t seen[32]; /* bitmap of option codes met */
	uint16_t routes_len;
	uint8_t routes_raw[CAPNET_DHCP4_ROUTES_RAW_MAX];
};

static bool seen_before(struct parse_state *st, uint8_t code)
{
	bool was = st->seen[code / 8] & (1u << (code % 8));
	st->seen[code / 8] |= (uint8_t)(1u << (code % 8));
	return was;
}

static enum capnet_dhcp4_error addr_list(const uint8_t *v, uint8_t len, capnet_ip4addr *out, uint8_t *n)
{
	if (len < 4 || len % 4)
		return CAPNET_DHCP4_ERR_OPT_BADLEN;
	*n = 0;
	for (uint8_t i = 0; i < len / 4; i++)
		if (*n < CAPNET_DHCP4_MAX_ADDRS)
			out[(*n)++] = capnet_get32(v + 4 * i);
	return CAPNET_DHCP4_ERR_NONE;
}

static enum capnet_dhcp4_error scalar32(struct capnet_dhcp4_repr *r, uint32_t bit, uint32_t *field, const uint8_t *v,
					uint8_t len)
{
	if (len != 4)
		return CAPNET_DHCP4_ERR_OPT_BADLEN;
	*field = capnet_get32(v);
	r->present |= bit;
	return CAPNET_DHCP4_ERR_NONE;
}

static enum capnet_dhcp4_error opaque(struct capnet_dhcp4_bytes *b, const uint8_t *v, uint8_t len, uint8_t min)
{
	if (len < min)
		return CAPNET_DHCP4_ERR_OPT_BADLEN;
	b->p = v;
	b->len = len;
	return CAPNET_DHCP4_ERR_NONE;
}

static enum capnet_dhcp4_error one_option(struct parse_state *st, uint8_t code, const uint8_t *v, uint8_t len,
					  bool in_options_field)
{
	struct capnet_dhcp4_repr *r = st->r;
	/* RFC 2131 4.1: option 52 belongs in the options field only. */
	if (code == CAPNET_DHCP4_OPT_OVERLOAD && !in_options_field)
		return CAPNET_DHCP4_ERR_BAD_OVERLOAD;
	/* Only 119 and 121 may repeat (RFC 3396 concatenation). */
	bool dup = seen_before(st, code);
	switch (code) {
	case CAPNET_DHCP4_OPT_SUBNET_MASK:
	case CAPNET_DHCP4_OPT_ROUTER:
	case CAPNET_DHCP4_OPT_DNS:
	case CAPNET_DHCP4_OPT_HOSTNAME:
	case CAPNET_DHCP4_OPT_DOMAIN_NAME:
	case CAPNET_DHCP4_OPT_BROADCAST:
	case CAPNET_DHCP4_OPT_REQUESTED_IP:
	case CAPNET_DHCP4_OPT_LEASE_TIME:
	case CAPNET_DHCP4_OPT_OVERLOAD:
	case CAPNET_DHCP4_OPT_MSG_TYPE:
	case CAPNET_DHCP4_OPT_SERVER_ID:
	case CAPNET_DHCP4_OPT_PARAM_REQUEST:
	case CAPNET_DHCP4_OPT_MAX_MSG_SIZE:
	case CAPNET_DHCP4_OPT_INTERFACE_MTU:
	case CAPNET_DHCP4_OPT_T1:
	case CAPNET_DHCP4_OPT_T2:
	case CAPNET_DHCP4_OPT_CLIENT_ID:
		if (dup)
			return CAPNET_DHCP4_ERR_OPT_DUPLICATE;
		break;
	default:
		break;
	}
	switch (code) {
	case CAPNET_DHCP4_OPT_SUBNET_MASK:
		return scalar32(r, CAPNET_DHCP4_HAS_SUBNET_MASK, &r->subnet_mask, v, len);
	case CAPNET_DHCP4_OPT_BROADCAST:
		return scalar32(r, CAPNET_DHCP4_HAS_BROADCAST, &r->broadcast_addr, v, len);
	case CAPNET_DHCP4_OPT_REQUESTED_IP:
		return scalar32(r, CAPNET_DHCP4_HAS_REQUESTED_IP, &r->requested_ip, v, len);
	case CAPNET_DHCP4_OPT_SERVER_ID:
		return scalar32(r, CAPNET_DHCP4_HAS_SERVER_ID, &r->server_id, v, len);
	case CAPNET_DHCP4_OPT_LEASE_TIME:
		return scalar32(r, CAPNET_DHCP4_HAS_LEASE_TIME, &r->lease_time, v, len);
	case CAPNET_DHCP4_OPT_T1:
		return scalar32(r, CAPNET_DHCP4_HAS_T1, &r->t1, v, len);
	case CAPNET_DHCP4_OPT_T2:
		return scalar32(r, CAPNET_DHCP4_HAS_T2, &r->t2, v, len);
	case CAPNET_DHCP4_OPT_ROUTER:
		return addr_list(v, len, r->routers, &r->n_routers);
	case CAPNET_DHCP4_OPT_DNS:
		return addr_list(v, len, r->dns, &r->n_dns);
	case CAPNET_DHCP4_OPT_HOSTNAME:
		return opaque(&r->hostname, v, len, 1);
	case CAPNET_DHCP4_OPT_DOMAIN_NAME:
		return opaque(&r->domain_name, v, len, 1);
	case CAPNET_DHCP4_OPT_PARAM_REQUEST:
		return opaque(&r->param_request, v, len, 1);
	case CAPNET_DHCP4_OPT_CLIENT_ID:
		return opaque(&r->client_id, v, len, 2); /* RFC 2132 9.14: type + at least one byte */
	case CAPNET_DHCP4_OPT_MAX_MSG_SIZE:
		if (len != 2)
			return CAPNET_DHCP4_ERR_OPT_BADLEN;
		r->max_msg_size = capnet_get16(v);
		r->present |= CAPNET_DHCP4_HAS_MAX_MSG_SIZE;
		return CAPNET_DHCP4_ERR_NONE;
	case CAPNET_DHCP4_OPT_INTERFACE_MTU:
		if (len != 2)
			return CAPNET_DHCP4_ERR_OPT_BADLEN;
		r->interface_mtu = capnet_get16(v);
		r->present |= CAPNET_DHCP4_HAS_INTERFACE_MTU;
		return CAPNET_DHCP4_ERR_NONE;
	case CAPNET_DHCP4_OPT_MSG_TYPE:
		if (len != 1)
			return CAPNET_DHCP4_ERR_OPT_BADLEN;
		if (v[0] == 0 || v[0] > CAPNET_DHCP4_MSG_MAX)
			return CAPNET_DHCP4_ERR_BAD_MSG_TYPE;
		r->message_type = v[0];
		return CAPNET_DHCP4_ERR_NONE;
	case CAPNET_DHCP4_OPT_OVERLOAD:
		if (len != 1)
			return CAPNET_DHCP4_ERR_OPT_BADLEN;
		if (v[0] < 1 || v[0] > 3)
			return CAPNET_DHCP4_ERR_BAD_OVERLOAD;
		r->overload = v[0];
		return CAPNET_DHCP4_ERR_NONE;
	case CAPNET_DHCP4_OPT_DOMAIN_SEARCH:
		if (r->search_len + (size_t)len > CAPNET_DHCP4_SEARCH_MAX)
			return CAPNET_DHCP4_ERR_BAD_SEARCH;
		memcpy(r->search + r->search_len, v, len);
		r->search_len = (uint16_t)(r->search_len + len);
		return CAPNET_DHCP4_ERR_NONE;
	case CAPNET_DHCP4_OPT_CLASSLESS_ROUTES:
		if (st->routes_len + (size_t)len > CAPNET_DHCP4_ROUTES_RAW_MAX)
			return CAPNET_DHCP4_ERR_BAD_ROUTES;
		memcpy(st->routes_raw + st->routes_len, v, len);
		st->routes_len = (uint16_t)(st->routes_len + len);
		return CAPNET_DHCP4_ERR_NONE;
	default:
		return CAPNET_DHCP4_ERR_NONE; /* unknown: length already checked, skipped */
	}
}

/* One option area (the options field, file or sname): TLVs up to END. */
static enum capnet_dhcp4_error parse_area(struct parse_state *st, const uint8_t *a, size_t alen, bool options_field)
{
	size_t i = 0;
	while (i < alen) {
		uint8_t code = a[i];
		if (code == CAPNET_DHCP4_OPT_PAD) {
			i++;
			continue;
		}
		if (code == CAPNET_DHCP4_OPT_END)
			return CAPNET_DHCP4_ERR_NONE;
		if (i + 2 > alen)
			return CAPNET_DHCP4_ERR_OPT_TRUNCATED;
		uint8_t len = a[i + 1];
		if (i + 2 + len > alen)
			return CAPNET_DHCP4_ERR_OPT_TRUNCATED;
		enum capnet_dhcp4_error e = one_option(st, code, a + i + 2, len, options_field);
		if (e != CAPNET_DHCP4_ERR_NONE)
			return e;
		i += 2 + (size_t)len;
	}
	return CAPNET_DHCP4_ERR_OPT_TRUNCATED; /* ran out before END */
}

static capnet_err fail(enum capnet_dhcp4_error e, enum capnet_dhcp4_error *why)
{
	if (why)
		*why = e;
	switch (e) {
	case CAPNET_DHCP4_ERR_NONE:
		return CAPNET_OK;
	case CAPNET_DHCP4_ERR_TRUNCATED:
	case CAPNET_DHCP4_ERR_OPT_TRUNCATED:
		return CAPNET_E_TRUNCATED;
	case CAPNET_DHCP4_ERR_BAD_HTYPE:
		return CAPNET_E_UNSUPPORTED;
	default:
		return CAPNET_E_MALFORMED;
	}
}

static void header(const struct capnet_dhcp4_view *v, struct capnet_dhcp4_repr *r)
{
	r->op = capnet_dhcp4_op(v);
	r->hops = capnet_dhcp4_hops(v);
	r->xid = capnet_dhcp4_xid(v);
	r->secs = capnet_dhcp4_secs(v);
	r->flags = capnet_dhcp4_flags(v);
	r->ciaddr = capnet_dhcp4_ciaddr(v);
	r->yiaddr = capnet_dhcp4_yiaddr(v);
	r->siaddr = capnet_dhcp4_siaddr(v);
	r->giaddr = capnet_dhcp4_giaddr(v);
	r->chaddr = capnet_dhcp4_chaddr(v);
	r->sname = v->buf + CAPNET_DHCP4_SNAME;
	r->file = v->buf + CAPNET_DHCP4_FILE;
}

capnet_err capnet_dhcp4_parse(const uint8_t *buf, size_t len, struct capnet_dhcp4_repr *out,
			      enum capnet_dhcp4_error *why)
{
	struct capnet_dhcp4_view v;
	if (capnet_dhcp4_view_check(&v, buf, len) != CAPNET_OK)
		return fail(CAPNET_DHCP4_ERR_TRUNCATED, why);
	uint8_t op = capnet_dhcp4_op(&v);
	if (op != CAPNET_BOOTREQUEST && op != CAPNET_BOOTREPLY)
		return fail(CAPNET_DHCP4_ERR_BAD_OP, why);
	if (capnet_dhcp4_htype(&v) != 1 || capnet_dhcp4_hlen(&v) != 6)
		return fail(CAPNET_DHCP4_ERR_BAD_HTYPE, why);
	if (capnet_dhcp4_cookie(&v) != CAPNET_DHCP4_MAGIC)
		return fail(CAPNET_DHCP4_ERR_BAD_COOKIE, why);

	memset(out, 0, sizeof *out);
	header(&v, out);
	struct parse_state st;
	memset(st.seen, 0, sizeof st.seen);
	st.r = out;
	st.routes_len = 0;
	enum capnet_dhcp4_error e = parse_area(&st, buf + CAPNET_DHCP4_OPTIONS, len - CAPNET_DHCP4_OPTIONS, true);
	/* RFC 2131 4.1: options continue in `file`, then in `sname`. */
	if (e == CAPNET_DHCP4_ERR_NONE && (out->overload & 1)) {
		e = parse_area(&st, buf + CAPNET_DHCP4_FILE, CAPNET_DHCP4_FILE_LEN, false);
		out->file = NULL;
	}
	if (e == CAPNET_DHCP4_ERR_NONE && (out->overload & 2)) {
		e = parse_area(&st, buf + CAPNET_DHCP4_SNAME, CAPNET_DHCP4_SNAME_LEN, false);
		out->sname = NULL;
	}
	if (e == CAPNET_DHCP4_ERR_NONE && out->search_len &&
	    capnet_dhcp4_search_decode(out->search, out->search_len, NULL) != CAPNET_OK)
		e = CAPNET_DHCP4_ERR_BAD_SEARCH;
	if (e == CAPNET_DHCP4_ERR_NONE && st.routes_len && !decode_routes(st.routes_raw, st.routes_len, out))
		e = CAPNET_DHCP4_ERR_BAD_ROUTES;
	if (e == CAPNET_DHCP4_ERR_NONE && (st.seen[CAPNET_DHCP4_OPT_DOMAIN_SEARCH / 8] &
					   (1u << (CAPNET_DHCP4_OPT_DOMAIN_SEARCH % 8))) && out->search_len == 0)
		e = CAPNET_DHCP4_ERR_BAD_SEARCH; /* present but empty */
	if (e == CAPNET_DHCP4_ERR_NONE && (st.seen[CAPNET_DHCP4_OPT_CLASSLESS_ROUTES / 8] &
					   (1u << (CAPNET_DHCP4_OPT_CLASSLESS_ROUTES % 8))) && st.routes_len == 0)
		e = CAPNET_DHCP4_ERR_BAD_ROUTES;
	return fail(e, why);
}

/* ---- emit ---- */

/* Bytes an option of `len` data bytes takes, split into 255-byte instances. */
static size_t split_len(size_t len)
{
	return len + 2 * ((len + 254) / 255);
}

size_t capnet_dhcp4_emit_len(const struct capnet_dhcp4_repr *r)
{
	size_t n = CAPNET_DHCP4_HDR_LEN;
	if (r->message_type)
		n += 3;
	static const uint32_t scalar_bits[] = {CAPNET_DHCP4_HAS_SUBNET_MASK, CAPNET_DHCP4_HAS_BROADCAST,
					       CAPNET_DHCP4_HAS_REQUESTED_IP, CAPNET_DHCP4_HAS_LEASE_TIME,
					       CAPNET_DHCP4_HAS_SERVER_ID,  CAPNET_DHCP4_HAS_T1,
					       CAPNET_DHCP4_HAS_T2};
	for (size_t i = 0; i < sizeof scalar_bits / sizeof scalar_bits[0]; i++)
		if (r->present & scalar_bits[i])
			n += 6;
	if (r->present & CAPNET_DHCP4_HAS_MAX_MSG_SIZE)
		n += 4;
	if (r->present & CAPNET_DHCP4_HAS_INTERFACE_MTU)
		n += 4;
	uint8_t nr = r->n_routers < CAPNET_DHCP4_MAX_ADDRS ? r->n_routers : CAPNET_DHCP4_MAX_ADDRS;
	uint8_t nd = r->n_dns < CAPNET_DHCP4_MAX_ADDRS ? r->n_dns : CAPNET_DHCP4_MAX_ADDRS;
	if (nr)
		n += 2 + 4 * (size_t)nr;
	if (nd)
		n += 2 + 4 * (size_t)nd;
	const struct capnet_dhcp4_bytes *b[] = {&r->hostname, &r->domain_name, &r->param_request, &r->client_id};
	for (size_t i = 0; i < 4; i++)
		if (b[i]->len)
			n += 2 + (size_t)b[i]->len;
	if (r->search_len > CAPNET_DHCP4_SEARCH_MAX)
		return 0;
	if (r->search_len)
		n += split_len(r->search_len);
	if (r->n_routes) {
		size_t rl = routes_raw_len(r);
		if (rl == 0)
			return 0;
		n += split_len(rl);
	}
	n += 1; /* END */
	return n < CAPNET_DHCP4_MIN_LEN ? CAPNET_DHCP4_MIN_LEN : n;
}

static size_t put_opt(uint8_t *p, uint8_t code, const uint8_t *v, uint8_t len)
{
	p[0] = code;
	p[1] = len;
	memcpy(p + 2, v, len);
	return 2 + (size_t)len;
}

static size_t put_opt32(uint8_t *p, uint8_t code, uint32_t v)
{
	uint8_t b[4];
	capnet_put32(b, v);
	return put_opt(p, code, b, 4);
}

static size_t put_split(uint8_t *p, uint8_t code, const uint8_t *v, size_t len)
{
	size_t w = 0;
	while (len) {
		uint8_t chunk = (uint8_t)(len > 255 ? 255 : len);
		w += put_opt(p + w, code, v, chunk);
		v += chunk;
		len -= chunk;
	}
	return w;
}

static size_t put_addrs(uint8_t *p, uint8_t code, const capnet_ip4addr *a, uint8_t n)
{
	if (n > CAPNET_DHCP4_MAX_ADDRS)
		n = CAPNET_DHCP4_MAX_ADDRS;
	if (n == 0)
		return 0;
	uint8_t b[4 * CAPNET_DHCP4_MAX_ADDRS];
	for (uint8_t i = 0; i < n; i++)
		capnet_put32(b + 4 * i, a[i]);
	return put_opt(p, code, b, (uint8_t)(4 * n));
}

static void emit_header(const struct capnet_dhcp4_repr *r, uint8_t *buf)
{
	buf[CAPNET_DHCP4_OP] = r->op;
	buf[CAPNET_DHCP4_HTYPE] = 1;
	buf[CAPNET_DHCP4_HLEN] = 6;
	buf[CAPNET_DHCP4_HOPS] = r->hops;
	capnet_put32(buf + CAPNET_DHCP4_XID, r->xid);
	capnet_put16(buf + CAPNET_DHCP4_SECS, r->secs);
	capnet_put16(buf + CAPNET_DHCP4_FLAGS, r->flags);
	capnet_put32(buf + CAPNET_DHCP4_CIADDR, r->ciaddr);
	capnet_put32(buf + CAPNET_DHCP4_YIADDR, r->yiaddr);
	capnet_put32(buf + CAPNET_DHCP4_SIADDR, r->siaddr);
	capnet_put32(buf + CAPNET_DHCP4_GIADDR, r->giaddr);
	memset(buf + CAPNET_DHCP4_CHADDR, 0, CAPNET_DHCP4_CHADDR_LEN);
	memcpy(buf + CAPNET_DHCP4_CHADDR, r->chaddr.b, 6);
	if (r->sname)
		memmove(buf + CAPNET_DHCP4_SNAME, r->sname, CAPNET_DHCP4_SNAME_LEN);
	else
		memset(buf + CAPNET_DHCP4_SNAME, 0, CAPNET_DHCP4_SNAME_LEN);
	if (r->file)
		memmove(buf + CAPNET_DHCP4_FILE, r->file, CAPNET_DHCP4_FILE_LEN);
	else
		memset(buf + CAPNET_DHCP4_FILE, 0, CAPNET_DHCP4_FILE_LEN);
	capnet_put32(buf + CAPNET_DHCP4_COOKIE, CAPNET_DHCP4_MAGIC);
}

size_t capnet_dhcp4_emit(const struct capnet_dhcp4_repr *r, uint8_t *buf)
{
	size_t total = capnet_dhcp4_emit_len(r);
	if (total == 0)
		return 0;
	emit_header(r, buf);
	uint8_t *p = buf + CAPNET_DHCP4_OPTIONS;
	size_t w = 0;
	if (r->message_type)
		w += put_opt(p + w, CAPNET_DHCP4_OPT_MSG_TYPE, &r->message_type, 1);
	if (r->present & CAPNET_DHCP4_HAS_SUBNET_MASK)
		w += put_opt32(p + w, CAPNET_DHCP4_OPT_SUBNET_MASK, r->subnet_mask);
	w += put_addrs(p + w, CAPNET_DHCP4_OPT_ROUTER, r->routers, r->n_routers);
	w += put_addrs(p + w, CAPNET_DHCP4_OPT_DNS, r->dns, r->n_dns);
	if (r->hostname.len)
		w += put_opt(p + w, CAPNET_DHCP4_OPT_HOSTNAME, r->hostname.p, r->hostname.len);
	if (r->domain_name.len)
		w += put_opt(p + w, CAPNET_DHCP4_OPT_DOMAIN_NAME, r->domain_name.p, r->domain_name.len);
	if (r->present & CAPNET_DHCP4_HAS_BROADCAST)
		w += put_opt32(p + w, CAPNET_DHCP4_OPT_BROADCAST, r->broadcast_addr);
	if (r->present & CAPNET_DHCP4_HAS_REQUESTED_IP)
		w += put_opt32(p + w, CAPNET_DHCP4_OPT_REQUESTED_IP, r->requested_ip);
	if (r->present & CAPNET_DHCP4_HAS_LEASE_TIME)
		w += put_opt32(p + w, CAPNET_DHCP4_OPT_LEASE_TIME, r->lease_time);
	if (r->present & CAPNET_DHCP4_HAS_SERVER_ID)
		w += put_opt32(p + w, CAPNET_DHCP4_OPT_SERVER_ID, r->server_id);
	if (r->param_request.len)
		w += put_opt(p + w, CAPNET_DHCP4_OPT_PARAM_REQUEST, r->param_request.p, r->param_request.len);
	if (r->present & CAPNET_DHCP4_HAS_MAX_MSG_SIZE) {
		uint8_t b[2];
		capnet_put16(b, r->max_msg_size);
		w += put_opt(p + w, CAPNET_DHCP4_OPT_MAX_MSG_SIZE, b, 2);
	}
	if (r->present & CAPNET_DHCP4_HAS_INTERFACE_MTU) {
		uint8_t b[2];
		capnet_put16(b, r->interface_mtu);
		w += put_opt(p + w, CAPNET_DHCP4_OPT_INTERFACE_MTU, b, 2);
	}
	if (r->present & CAPNET_DHCP4_HAS_T1)
		w += put_opt32(p + w, CAPNET_DHCP4_OPT_T1, r->t1);
	if (r->present & CAPNET_DHCP4_HAS_T2)
		w += put_opt32(p + w, CAPNET_DHCP4_OPT_T2, r->t2);
	if (r->client_id.len)
		w += put_opt(p + w, CAPNET_DHCP4_OPT_CLIENT_ID, r->client_id.p, r->client_id.len);
	if (r->search_len)
		w += put_split(p + w, CAPNET_DHCP4_OPT_DOMAIN_SEARCH, r->search, r->search_len);
	if (r->n_routes) {
		uint8_t raw[CAPNET_DHCP4_MAX_ROUTES * 9];
		size_t rl = encode_routes(r, raw);
		w += put_split(p + w, CAPNET_DHCP4_OPT_CLASSLESS_ROUTES, raw, rl);
	}
	p[w++] = CAPNET_DHCP4_OPT_END;
	memset(p + w, 0, total - CAPNET_DHCP4_OPTIONS - w);
	return total;
}
