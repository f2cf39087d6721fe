#include "harness/wire_tap.h"

#include <stdio.h>
#include <string.h>

#include "capnet/wire/describe.h"
#include "capnet/wire/tcp.h"

/* Whole Ethernet II / IPv4 / TCP headers only, as the describer reads them. */
static void record(struct wire_tap *t, const uint8_t *f, size_t len, capnet_instant now)
{
	struct capnet_frame_desc d;
	capnet_frame_describe(f, len, CAPNET_DESCRIBE_HEADERS, &d);
	if (d.vlan || !(d.layers & CAPNET_DESC_IPV4) || !(d.layers & CAPNET_DESC_TCP))
		return;
	if (t->n >= WIRE_TAP_MAX) {
		t->dropped++;
		return;
	}
	struct wire_seg *s = &t->seg[t->n++];
	s->at = now;
	s->src = d.src4;
	s->dst = d.dst4;
	s->sport = d.sport;
	s->dport = d.dport;
	s->seq = d.tcp_seq;
	s->ack = d.tcp_ack;
	s->flags = d.tcp_flags;
	s->len = d.body_len;
}

static capnet_instant tap_poll(void *ctx, capnet_instant now)
{
	struct wire_tap *t = ctx;
	uint8_t buf[2048];
	size_t len;
	while (t->nic->ops->receive(t->nic->dev, buf, sizeof buf, &len) == CAPNET_OK) {
		t->frames++;
		record(t, buf, len, now);
	}
	return CAPNET_INSTANT_NEVER;
}

capnet_err wire_tap_open(struct wire_tap *t, struct capnet_sim *sim)
{
	memset(t, 0, sizeof *t);
	t->sim = sim;
	t->nic = capnet_sim_add_port(sim, (struct capnet_mac){{0x02, 0, 0, 0, 0, 0xee}}, 1500, NULL, &t->port);
	if (t->nic == NULL)
		return CAPNET_E_NOMEM;
	return capnet_sim_add_participant(sim, tap_poll, t);
}

const struct wire_seg *wire_tap_find(const struct wire_tap *t, capnet_ip4addr src, uint16_t sport, capnet_instant from,
				     size_t *index)
{
	for (size_t i = index != NULL ? *index : 0; i < t->n; i++) {
		const struct wire_seg *s = &t->seg[i];
		if (s->src == src && (sport == 0 || s->sport == sport) && s->at >= from) {
			if (index != NULL)
				*index = i + 1;
			return s;
		}
	}
	return NULL;
}

const char *wire_flags(uint8_t flags)
{
	static char b[4][40];
	static unsigned n;
	char *p = b[n++ % 4];
	static const struct {
		uint8_t f;
		const char *name;
	} names[] = {{CAPNET_TCP_SYN, "SYN"}, {CAPNET_TCP_FIN, "FIN"}, {CAPNET_TCP_RST, "RST"},
		     {CAPNET_TCP_PSH, "PSH"}, {CAPNET_TCP_ACK_FLAG, "ACK"}};
	size_t at = 0;
	p[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (flags & names[i].f)
			at += (size_t)snprintf(p + at, 40 - at, "%s%s", at ? "|" : "", names[i].name);
	return p;
}
