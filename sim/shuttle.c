/* The frame shuttle: ports (each a struct capnet_nic), their bounded RX
 * queues, and the virtual switch or hub between them. Every drop is counted
 * on the port where it happens. */
#include <stdlib.h>
#include <string.h>

#include "sim/sim_private.h"

#define ETH_HDR_LEN 14
#define ETH_VLAN_TAG_LEN 4

/* --- RX queue ------------------------------------------------------------ */

static capnet_err rxq_grow(struct sim_port *p, uint32_t cap)
{
	if (cap <= p->rxq_cap)
		return CAPNET_OK;
	struct sim_frame **q = calloc(cap, sizeof *q);
	if (q == NULL)
		return CAPNET_E_NOMEM;
	for (uint32_t i = 0; i < p->rxq_len; i++)
		q[i] = p->rxq[(p->rxq_head + i) % p->rxq_cap];
	free(p->rxq);
	p->rxq = q;
	p->rxq_cap = cap;
	p->rxq_head = 0;
	return CAPNET_OK;
}

/* The slot `k` places after the head (k <= cap): a compare, not a
 * division, on the path of every frame. */
static uint32_t rxq_slot(const struct sim_port *p, uint32_t k)
{
	uint32_t i = p->rxq_head + k;
	return i >= p->rxq_cap ? i - p->rxq_cap : i;
}

/* Takes f. False (f freed, overflow counted) when the queue is full. */
static bool rxq_push(struct capnet_sim *sim, struct sim_port *p, struct sim_frame *f)
{
	if (p->rxq_len >= p->rxq_limit || p->rxq_len >= p->rxq_cap) {
		p->stats.rx_overflow++;
		sim_frame_free(sim, f);
		return false;
	}
	p->rxq[rxq_slot(p, p->rxq_len)] = f;
	p->rxq_len++;
	p->stats.rx_queued++;
	p->stats.rx_queue_depth = p->rxq_len;
	if (p->rxq_len > p->stats.rx_queue_high)
		p->stats.rx_queue_high = p->rxq_len;
	sim->rx_generation++;
	return true;
}

static struct sim_frame *rxq_pop(struct sim_port *p)
{
	if (p->rxq_len == 0)
		return NULL;
	struct sim_frame *f = p->rxq[p->rxq_head];
	p->rxq[p->rxq_head] = NULL;
	p->rxq_head = rxq_slot(p, 1);
	p->rxq_len--;
	p->stats.rx_queue_depth = p->rxq_len;
	return f;
}

/* --- the nic each port exposes ------------------------------------------ */

static capnet_err port_transmit(void *dev, const uint8_t *frame, size_t len)
{
	struct sim_port *p = dev;
	if (!p->link_up) {
		p->stats.tx_link_down++;
		return CAPNET_E_LINKDOWN;
	}
	/* The switch reads both MACs, so a frame must hold an Ethernet header;
	 * the upper bound allows one 802.1Q tag. */
	if (frame == NULL || len < ETH_HDR_LEN) {
		p->stats.tx_rejected++;
		return CAPNET_E_INVAL;
	}
	if (len > (size_t)p->nic.mtu + ETH_HDR_LEN + ETH_VLAN_TAG_LEN) {
		p->stats.tx_rejected++;
		return CAPNET_E_MSGSIZE;
	}
	struct sim_frame *f = sim_frame_new(p->sim, frame, len);
	if (f == NULL)
		return CAPNET_E_NOMEM;
	p->stats.tx_frames++;
	p->stats.tx_bytes += len;
	sim_record(p->sim, frame, len);
	sim_send_through(p->sim, &p->egress, SIM_EV_TO_SWITCH, p->index, f);
	return CAPNET_OK;
}

static capnet_err port_receive(void *dev, uint8_t *buf, size_t cap, size_t *len)
{
	struct sim_port *p = dev;
	struct sim_frame *f = rxq_pop(p);
	if (f == NULL)
		return CAPNET_E_AGAIN;
	if (f->len > cap || (buf == NULL && f->len > 0)) {
		p->stats.rx_nobufs++;
		sim_frame_free(p->sim, f);
		if (len != NULL)
			*len = 0;
		return CAPNET_E_NOBUFS;
	}
	if (f->len > 0)
		memcpy(buf, f->data, f->len);
	if (len != NULL)
		*len = f->len;
	p->stats.rx_frames++;
	sim_frame_free(p->sim, f);
	return CAPNET_OK;
}

static bool port_link_up(void *dev)
{
	const struct sim_port *p = dev;
	return p->link_up;
}

static const struct capnet_nic_ops port_ops = {
	.transmit = port_transmit,
	.receive = port_receive,
	.link_up = port_link_up,
};

/* --- ports --------------------------------------------------------------- */

struct sim_port *sim_port_get(const struct capnet_sim *sim, int port)
{
	if (sim == NULL || port < 0 || port >= sim->nports)
		return NULL;
	return sim->ports[port];
}

/* Each direction of each port gets its own stream: (seed, port, direction)
 * mixed so that neighbouring ports' streams are unrelated. */
static uint64_t link_seed(uint64_t seed, int port, enum capnet_sim_dir dir)
{
	uint64_t z = seed ^ 0x6a09e667f3bcc909ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z + 2u * (uint64_t)port + (uint64_t)dir;
}

struct capnet_nic *capnet_sim_add_port(struct capnet_sim *sim, struct capnet_mac mac, uint16_t mtu,
	const struct capnet_sim_impair *impair, int *port_index_out)
{
	if (sim == NULL)
		return NULL;
	struct sim_port **ports = realloc(sim->ports, (size_t)(sim->nports + 1) * sizeof *ports);
	if (ports == NULL)
		return NULL;
	sim->ports = ports;
	struct sim_port *p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	p->sim = sim;
	p->index = sim->nports;
	p->link_up = true;
	p->nic.ops = &port_ops;
	p->nic.dev = p;
	p->nic.mac = mac;
	p->nic.mtu = mtu != 0 ? mtu : 1500;
	sim_link_init(&p->egress, link_seed(sim->seed, p->index, CAPNET_SIM_EGRESS), &p->stats.egress);
	sim_link_init(&p->ingress, link_seed(sim->seed, p->index, CAPNET_SIM_INGRESS), &p->stats.ingress);
	sim_link_configure(&p->egress, impair);
	p->rxq_limit = CAPNET_SIM_RX_QUEUE_DEFAULT;
	if (rxq_grow(p, p->rxq_limit) != CAPNET_OK) {
		free(p);
		return NULL;
	}
	sim->ports[sim->nports++] = p;
	if (port_index_out != NULL)
		*port_index_out = p->index;
	return &p->nic;
}

void sim_port_free(struct sim_port *p)
{
	if (p == NULL)
		return;
	struct sim_frame *f;
	while ((f = rxq_pop(p)) != NULL)
		free(f);
	free(p->rxq);
	free(p);
}

struct capnet_nic *capnet_sim_port_nic(struct capnet_sim *sim, int port)
{
	struct sim_port *p = sim_port_get(sim, port);
	return p != NULL ? &p->nic : NULL;
}

int capnet_sim_port_count(const struct capnet_sim *sim)
{
	return sim != NULL ? sim->nports : 0;
}

capnet_err capnet_sim_set_impair(struct capnet_sim *sim, int port, enum capnet_sim_dir dir,
	const struct capnet_sim_impair *impair)
{
	struct sim_port *p = sim_port_get(sim, port);
	if (p == NULL)
		return CAPNET_E_INVAL;
	switch (dir) {
	case CAPNET_SIM_EGRESS:
		sim_link_configure(&p->egress, impair);
		return CAPNET_OK;
	case CAPNET_SIM_INGRESS:
		sim_link_configure(&p->ingress, impair);
		return CAPNET_OK;
	}
	return CAPNET_E_INVAL;
}

capnet_err capnet_sim_set_rx_queue_len(struct capnet_sim *sim, int port, uint32_t frames)
{
	struct sim_port *p = sim_port_get(sim, port);
	if (p == NULL || frames == 0)
		return CAPNET_E_INVAL;
	capnet_err e = rxq_grow(p, frames);
	if (e != CAPNET_OK)
		return e;
	p->rxq_limit = frames;
	return CAPNET_OK;
}

capnet_err capnet_sim_set_link(struct capnet_sim *sim, int port, bool up)
{
	struct sim_port *p = sim_port_get(sim, port);
	if (p == NULL)
		return CAPNET_E_INVAL;
	if (p->link_up && !up)
		sim_switch_forget_port(sim, port);
	p->link_up = up;
	return CAPNET_OK;
}

capnet_err capnet_sim_inject(struct capnet_sim *sim, int port, const uint8_t *frame, size_t len)
{
	struct sim_port *p = sim_port_get(sim, port);
	if (p == NULL || len > CAPNET_SIM_MAX_FRAME || (frame == NULL && len > 0))
		return CAPNET_E_INVAL;
	if (!p->link_up) {
		p->stats.rx_link_down++;
		return CAPNET_E_LINKDOWN;
	}
	struct sim_frame *f = sim_frame_new(sim, frame, len);
	if (f == NULL)
		return CAPNET_E_NOMEM;
	sim_record(sim, frame, len);
	if (!rxq_push(sim, p, f))
		return CAPNET_E_NOBUFS;
	p->stats.rx_injected++;
	return CAPNET_OK;
}

const struct capnet_sim_port_stats *capnet_sim_port_stats(const struct capnet_sim *sim, int port)
{
	const struct sim_port *p = sim_port_get(sim, port);
	return p != NULL ? &p->stats : NULL;
}

void sim_port_arrive(struct capnet_sim *sim, int port, struct sim_frame *f)
{
	struct sim_port *p = sim_port_get(sim, port);
	if (p == NULL) {
		sim_frame_free(sim, f);
		return;
	}
	if (!p->link_up) {
		p->stats.rx_link_down++;
		sim_frame_free(sim, f);
		return;
	}
	rxq_push(sim, p, f);
}

/* --- the switch ---------------------------------------------------------- */

static struct capnet_mac mac_at(const uint8_t *b)
{
	struct capnet_mac m;
	memcpy(m.b, b, sizeof m.b);
	return m;
}

/* The table is searched in insertion order: small, and never ordered by an
 * address in memory. */
static int mac_lookup(const struct capnet_sim *sim, struct capnet_mac mac)
{
	for (size_t i = 0; i < sim->nmacs; i++)
		if (capnet_mac_eq(sim->macs[i].mac, mac))
			return sim->macs[i].port;
	return -1;
}

static void mac_learn(struct capnet_sim *sim, struct capnet_mac mac, int port)
{
	for (size_t i = 0; i < sim->nmacs; i++) {
		if (capnet_mac_eq(sim->macs[i].mac, mac)) {
			sim->macs[i].port = port; /* the station moved */
			return;
		}
	}
	if (sim->nmacs == sim->macs_cap) {
		size_t cap = sim->macs_cap != 0 ? sim->macs_cap * 2 : 16;
		struct sim_mac_entry *m = realloc(sim->macs, cap * sizeof *m);
		if (m == NULL)
			return; /* unlearned stations are flooded to: still correct */
		sim->macs = m;
		sim->macs_cap = cap;
	}
	sim->macs[sim->nmacs].mac = mac;
	sim->macs[sim->nmacs].port = port;
	sim->nmacs++;
}

void sim_switch_forget_port(struct capnet_sim *sim, int port)
{
	size_t kept = 0;
	for (size_t i = 0; i < sim->nmacs; i++)
		if (sim->macs[i].port != port)
			sim->macs[kept++] = sim->macs[i];
	sim->nmacs = kept;
}

/* Out through port `to`'s ingress direction, taking f: each destination
 * gets its own frame, because each meets its own impairments. */
static void switch_out_take(struct capnet_sim *sim, int to, struct sim_frame *f)
{
	struct sim_port *p = sim->ports[to];
	if (!p->link_up) {
		p->stats.rx_link_down++;
		sim_frame_free(sim, f);
		return;
	}
	sim_send_through(sim, &p->ingress, SIM_EV_TO_PORT, to, f);
}

static void switch_out(struct capnet_sim *sim, int to, const struct sim_frame *f)
{
	struct sim_frame *copy = sim_frame_new(sim, f->data, f->len);
	if (copy != NULL)
		switch_out_take(sim, to, copy);
}

static void flood(struct capnet_sim *sim, int from, const struct sim_frame *f)
{
	sim->ports[from]->stats.sw_flooded++;
	for (int i = 0; i < sim->nports; i++)
		if (i != from)
			switch_out(sim, i, f);
}

void sim_switch_arrive(struct capnet_sim *sim, int from, struct sim_frame *f)
{
	struct sim_port *src = sim_port_get(sim, from);
	if (src == NULL) {
		sim_frame_free(sim, f);
		return;
	}
	if (sim->mode == CAPNET_SIM_HUB || f->len < ETH_HDR_LEN) {
		flood(sim, from, f);
		sim_frame_free(sim, f);
		return;
	}
	struct capnet_mac dst = mac_at(f->data);
	struct capnet_mac srcmac = mac_at(f->data + 6);
	/* A group address is never a station: learning it would steer
	 * broadcasts to one port. A port that went down while this frame was
	 * in flight is not re-learned. */
	if (!capnet_mac_is_multicast(srcmac) && src->link_up)
		mac_learn(sim, srcmac, from);
	int to = capnet_mac_is_multicast(dst) ? -1 : mac_lookup(sim, dst);
	if (to < 0)
		flood(sim, from, f);
	else if (to == from)
		src->stats.sw_filtered++;
	else {
		/* one destination: the frame itself goes on, no copy */
		src->stats.sw_forwarded++;
		switch_out_take(sim, to, f);
		return;
	}
	sim_frame_free(sim, f);
}
