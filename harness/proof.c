#include "harness/proof.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <string.h>

static const struct proof arp_ping = {
	"arp-ping",
	"two stacks resolve each other by ARP, exchange ICMP echo, then count a malformed burst by reason",
	proof_arp_ping,
};

static const struct proof dhcp4_config = {
	"dhcp4-config",
	"acquire a DHCPv4 lease from competing servers, probe it, install address, routes and option 121 with provenance dhcp, resolve gateway and neighbour",
	proof_dhcp4_config,
};

static const struct proof dhcp4_lease_lifecycle = {
	"dhcp4-lease-lifecycle",
	"a DHCPv4 lease through T1 unicast renew, T2 broadcast rebind to a second server, expiry to a fail-closed zero state, NAK, static precedence, resolver inputs, release",
	proof_dhcp4_lease_lifecycle,
};

static const struct proof tcp_roundtrip = {
	"tcp-roundtrip",
	"a TCP listener and client exchange a request and a response and close; every state transition with its time, TIME-WAIT for exactly 2*MSL, nothing leaked",
	proof_tcp_roundtrip,
};

static const struct proof congestion_control = {
	"congestion-control",
	"the same lossy bulk transfer under None, Reno and CUBIC: goodput, retransmissions and completion time, byte-exact",
	proof_congestion_control,
};

const struct proof *const capnet_proofs[] = {
	&arp_ping,
	&dhcp4_config,
	&dhcp4_lease_lifecycle,
	&tcp_roundtrip,
	&congestion_control,
	NULL,
};

const struct proof *proof_find(const char *name)
{
	for (size_t i = 0; capnet_proofs[i]; i++)
		if (strcmp(capnet_proofs[i]->name, name) == 0)
			return capnet_proofs[i];
	return NULL;
}

static void line(struct proof_ctx *ctx, capnet_instant t, const char *status, const char *fmt, va_list ap)
{
	char text[512];
	vsnprintf(text, sizeof text, fmt, ap);
	if (ctx->json) {
		json_t *o = json_pack("{s:I, s:s}", "t_us", (json_int_t)t, "text", text);
		if (status)
			json_object_set_new(o, "ok", json_boolean(strcmp(status, "ok") == 0));
		json_array_append_new((json_t *)ctx->jchecks, o);
		return;
	}
	/* Integer formatting: the transcript must not depend on float rounding. */
	int64_t ms = t / 1000;
	fprintf(ctx->out, "[%5" PRId64 ".%03" PRId64 " s] %s%s%s\n", ms / 1000, ms % 1000, text, status ? "  " : "",
		status ? status : "");
}

bool proof_check(struct proof_ctx *ctx, capnet_instant t, bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line(ctx, t, ok ? "ok" : "FAIL", fmt, ap);
	va_end(ap);
	ctx->checks++;
	if (!ok)
		ctx->failures++;
	return ok;
}

void proof_note(struct proof_ctx *ctx, capnet_instant t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line(ctx, t, NULL, fmt, ap);
	va_end(ap);
}
