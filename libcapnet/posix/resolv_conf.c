/* The resolv.conf projection: text from the DnsResolver's status, built
 * without libc I/O. */
#include <string.h>

#include "capnet/dns_cap.h"
#include "capnet/posix.h"
#include "capnet/resolv_conf.h"

#define CAPNET_ERANGE 34

struct out {
	char *buf;
	size_t cap, len;
	bool over;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);
	if (o->len + n + 1 > o->cap) {
		o->over = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void put_uint(struct out *o, uint32_t v, unsigned base)
{
	char t[12];
	size_t i = sizeof t;
	t[--i] = '\0';
	do {
		unsigned d = v % base;
		t[--i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	put(o, t + i);
}

static void put_addr(struct out *o, const struct capnet_ipaddr *a)
{
	if (a->af == CAPNET_AF_INET) {
		for (int k = 3; k >= 0; k--) {
			put_uint(o, (a->u.v4 >> (8 * k)) & 255u, 10);
			if (k)
				put(o, ".");
		}
		return;
	}
	for (int g = 0; g < 8; g++) { /* the full form: valid, if long */
		put_uint(o, (uint32_t)(a->u.v6.b[2 * g] << 8 | a->u.v6.b[2 * g + 1]), 16);
		if (g < 7)
			put(o, ":");
	}
}

static int status(struct capnet_cspace *cs, capnet_handle dns, struct capnet_dns_stub_status *st)
{
	/* Absent without the cap: any rejection (audited by the cap layer). */
	return capnet_dnscap_status(cs, dns, st) == CAPNET_OK ? 0 : CAPNET_ENOENT;
}

int capnet_resolvconf_open(struct capnet_cspace *cs, capnet_handle dns, int oflags)
{
	struct capnet_dns_stub_status st;
	int e = status(cs, dns, &st);
	if (e != 0)
		return e;
	return (oflags & CAPNET_O_ACCMODE) == CAPNET_O_RDONLY ? 0 : CAPNET_EACCES;
}

int capnet_resolvconf_read(struct capnet_cspace *cs, capnet_handle dns, char *buf, size_t cap, size_t *len)
{
	struct capnet_dns_stub_status st;
	int e = status(cs, dns, &st);
	if (e != 0)
		return e;
	if (buf == NULL || len == NULL)
		return CAPNET_EINVAL;
	struct out o = {buf, cap, 0, false};
	if (cap)
		buf[0] = '\0';
	put(&o, "# projected from the DnsResolver status (servers: ");
	put(&o, capnet_provenance_name(st.servers_provenance));
	put(&o, ", search: ");
	put(&o, capnet_provenance_name(st.search_provenance));
	put(&o, "); read-only\n");
	for (size_t i = 0; i < st.n_servers; i++) {
		put(&o, "nameserver ");
		put_addr(&o, &st.servers[i]);
		put(&o, "\n");
	}
	if (st.n_search) {
		put(&o, "search");
		for (size_t i = 0; i < st.n_search; i++) {
			put(&o, " ");
			put(&o, st.search[i]);
		}
		put(&o, "\n");
	}
	put(&o, "options ndots:");
	put_uint(&o, st.ndots, 10);
	put(&o, " timeout:");
	put_uint(&o, (st.try_timeout_ms + 999) / 1000, 10);
	put(&o, " attempts:");
	put_uint(&o, st.attempts, 10);
	put(&o, "\n");
	if (o.over) {
		if (cap)
			buf[0] = '\0';
		*len = 0;
		return CAPNET_ERANGE;
	}
	*len = o.len;
	return 0;
}

int capnet_resolvconf_write(struct capnet_cspace *cs, capnet_handle dns, const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	struct capnet_dns_stub_status st;
	int e = status(cs, dns, &st);
	return e != 0 ? e : CAPNET_EACCES;
}
