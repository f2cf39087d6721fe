#include "harness/wire_tap.h"

#include <stdio.h>
#include <string.h>

#include "capnet/wire/tcp.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ethernet II, IPv4, TCP: every length checked before a field is read. */
static void record(struct wire_tap *t, const uint8_t *f, size_t len, capnet_instant now)
{
	if (len < 14 + 20 || be16(f + 12) != 0x0800)
		return;
	const uint8_t *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, tot = be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || 14 + tot > len || ip[9] != 6)
		return;
	const uint8_t *tcp = ip + ihl;
	size_t tlen = tot - ihl;
	if (tlen < 20 || (size_t)(tcp[12] >> 4) * 4 > tlen)
		return;
	if (t->n >= WIRE_TAP_MAX) {
		t->dropped++;
		return;
	}
	struct wire_seg *s = &t->seg[t->n++];
	s->at = now;
	s->src = be32(ip + 12);
	s->dst = be32(ip + 16);
	s->sport = be16(tcp);
	s->dport = be16(tcp + 2);
	s->seq = be32(tcp + 4);
	s->ack = be32(tcp + 8);
	s->flags = tcp[13];
	s->len = (uint32_t)(tlen - (size_t)(tcp[12] >> 4) * 4);
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
