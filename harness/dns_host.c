/* Resolving through a DnsResolver cap on the simulator, for proofs and the
 * resolve tool. */
#include "harness/dns_host.h"

#include <stdio.h>
#include <string.h>

struct wait {
	struct capnet_cspace *cs;
	capnet_handle h;
	uint32_t req;
	struct capnet_dns_result *out;
	bool done;
};

static bool answered(void *ctx)
{
	struct wait *w = ctx;
	if (!w->done && capnet_dnscap_result(w->cs, w->h, w->req, w->out) != CAPNET_E_AGAIN)
		w->done = true;
	return w->done;
}

capnet_err dns_resolve_wait(struct capnet_sim *sim, struct capnet_cspace *cs, capnet_handle h, const char *name,
			    uint8_t family, capnet_duration limit, struct capnet_dns_result *out, capnet_duration *took)
{
	capnet_instant t0 = capnet_sim_now(sim);
	struct wait w = {.cs = cs, .h = h, .out = out};
	memset(out, 0, sizeof *out);
	capnet_err e = capnet_dnscap_resolve(cs, h, name, family, t0, &w.req);
	if (e != CAPNET_OK)
		return e;
	bool ok = answered(&w) || capnet_sim_run_until_cond(sim, answered, &w, t0 + limit);
	if (took)
		*took = capnet_sim_now(sim) - t0;
	if (!ok) {
		capnet_dnscap_cancel(cs, h, w.req);
		return CAPNET_E_TIMEDOUT;
	}
	return CAPNET_OK;
}

const char *fmt_ipaddr(const struct capnet_ipaddr *a)
{
	static char bufs[8][48];
	static unsigned k;
	char *b = bufs[k++ % 8];
	if (a->af == CAPNET_AF_INET) {
		capnet_ip4addr v = a->u.v4;
		snprintf(b, 48, "%u.%u.%u.%u", (unsigned)(v >> 24), (unsigned)(v >> 16) & 255, (unsigned)(v >> 8) & 255,
			 (unsigned)v & 255);
		return b;
	}
	if (a->af != CAPNET_AF_INET6) {
		snprintf(b, 48, "?");
		return b;
	}
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	if (memcmp(a->u.v6.b, mapped, 12) == 0) { /* RFC 5952 5: mixed notation */
		const uint8_t *q = a->u.v6.b + 12;
		snprintf(b, 48, "::ffff:%u.%u.%u.%u", q[0], q[1], q[2], q[3]);
		return b;
	}
	uint16_t g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(a->u.v6.b[2 * i] << 8 | a->u.v6.b[2 * i + 1]);
	/* RFC 5952 4.2: the longest run of two or more zero groups, the
	 * first one on a tie, becomes "::". */
	int best = -1, best_len = 1;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	size_t n = 0;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			n += (size_t)snprintf(b + n, 48 - n, "::");
			i += best_len - 1;
			continue;
		}
		if (n && b[n - 1] != ':')
			b[n++] = ':';
		n += (size_t)snprintf(b + n, 48 - n, "%x", g[i]);
	}
	b[n] = '\0';
	return b;
}

const char *fmt_addrs(const struct capnet_dns_result *r)
{
	static char buf[CAPNET_DNS_MAX_ADDRS * 48];
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < r->n_addrs; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? " " : "", fmt_ipaddr(&r->addrs[i]));
	return buf;
}
