#include "capture_nic.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static capnet_err cap_transmit(void *dev, const uint8_t *frame, size_t len)
{
	struct capture_nic *c = dev;
	if (c->fail_tx || c->ntx >= CAPTURE_MAX_FRAMES || len > CAPTURE_FRAME_MAX)
		return CAPNET_E_AGAIN;
	memcpy(c->tx[c->ntx].data, frame, len);
	c->tx[c->ntx].len = len;
	c->ntx++;
	return CAPNET_OK;
}

static capnet_err cap_receive(void *dev, uint8_t *buf, size_t cap, size_t *len)
{
	struct capture_nic *c = dev;
	if (c->rx_head >= c->nrx)
		return CAPNET_E_AGAIN;
	struct capture_frame *f = &c->rx[c->rx_head++];
	if (f->len > cap)
		return CAPNET_E_NOBUFS;
	memcpy(buf, f->data, f->len);
	*len = f->len;
	return CAPNET_OK;
}

static bool cap_link_up(void *dev)
{
	(void)dev;
	return true;
}

static const struct capnet_nic_ops cap_ops = {cap_transmit, cap_receive, cap_link_up};

void capture_nic_init(struct capture_nic *c, struct capnet_mac mac, uint16_t mtu)
{
	memset(c, 0, sizeof *c);
	c->nic.ops = &cap_ops;
	c->nic.dev = c;
	c->nic.mac = mac;
	c->nic.mtu = mtu;
}

void capture_nic_clear(struct capture_nic *c)
{
	c->ntx = 0;
}

void capture_nic_queue_rx(struct capture_nic *c, const uint8_t *frame, size_t len)
{
	if (c->nrx >= CAPTURE_MAX_FRAMES || len > CAPTURE_FRAME_MAX)
		return;
	memcpy(c->rx[c->nrx].data, frame, len);
	c->rx[c->nrx].len = len;
	c->nrx++;
}

void test_stack_init(struct test_stack *s, struct capnet_mac mac, const struct capnet_iface_config *cfg)
{
	capture_nic_init(&s->cn, mac, 1500);
	capnet_xoshiro_seed(&s->x, 1);
	capnet_arena_init(&s->arena, s->arena_mem, sizeof s->arena_mem);
	s->ifc = NULL;
	capnet_iface_create(&s->arena, cfg, &s->cn.nic, capnet_xoshiro_rng(&s->x), &s->ifc);
}

uint64_t test_stat(const struct test_stack *s, enum capnet_stat st)
{
	return capnet_iface_stats(s->ifc)->v[st];
}

int test_stats_only(const struct test_stack *s, ...)
{
	uint64_t expect[CAPNET_STAT__COUNT] = {0};
	va_list ap;
	va_start(ap, s);
	for (;;) {
		int st = va_arg(ap, int);
		if (st < 0)
			break;
		expect[st] = va_arg(ap, uint64_t);
	}
	va_end(ap);
	int bad = 0;
	for (int i = 0; i < CAPNET_STAT__COUNT; i++) {
		uint64_t got = capnet_iface_stats(s->ifc)->v[i];
		if (got != expect[i]) {
			fprintf(stderr, "counter %s: got %llu, expected %llu\n", capnet_stat_name((enum capnet_stat)i),
				(unsigned long long)got, (unsigned long long)expect[i]);
			bad++;
		}
	}
	return bad;
}
