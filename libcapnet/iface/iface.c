/* Interface lifetime, configuration and the poll loop. */
#include <string.h>

#include "capnet/config.h"
#include "iface_internal.h"

static const char *const prov_names[] = {"none", "static", "dhcp", "fixture", "link-local", "slaac", "ra"};

const char *capnet_provenance_name(enum capnet_provenance p)
{
	return (unsigned)p < sizeof prov_names / sizeof prov_names[0] ? prov_names[p] : "unknown";
}

void capnet_iface_config_defaults(struct capnet_iface_config *cfg)
{
	if (cfg->arp_cache_entries == 0)
		cfg->arp_cache_entries = CAPNET_DEFAULT_ARP_CACHE_ENTRIES;
	if (cfg->arp_pending_per_neighbour == 0)
		cfg->arp_pending_per_neighbour = CAPNET_DEFAULT_ARP_PENDING_PER_NEIGHBOUR;
	if (cfg->pktbufs == 0)
		cfg->pktbufs = CAPNET_DEFAULT_PKTBUFS;
	if (cfg->arp_retry_initial == 0)
		cfg->arp_retry_initial = CAPNET_DEFAULT_ARP_RETRY_INITIAL;
	if (cfg->arp_max_requests == 0)
		cfg->arp_max_requests = CAPNET_DEFAULT_ARP_MAX_REQUESTS;
	if (cfg->arp_reachable == 0)
		cfg->arp_reachable = CAPNET_DEFAULT_ARP_REACHABLE;
	if (cfg->arp_failed_hold == 0)
		cfg->arp_failed_hold = CAPNET_DEFAULT_ARP_FAILED_HOLD;
	if (cfg->rx_budget == 0)
		cfg->rx_budget = CAPNET_DEFAULT_RX_BUDGET;
	if (cfg->ip_ttl == 0)
		cfg->ip_ttl = CAPNET_DEFAULT_IP_TTL;
	if (cfg->max_routes == 0)
		cfg->max_routes = CAPNET_DEFAULT_MAX_ROUTES;
}

static size_t frame_cap(uint16_t mtu)
{
	return (size_t)CAPNET_ETH_VLAN_HDR_LEN + mtu;
}

static size_t pktbuf_size(uint16_t mtu)
{
	return sizeof(struct capnet_pktbuf) + frame_cap(mtu);
}

/* The transmit buffer: one frame, or the largest TSO super-frame. */
static size_t tx_frame_cap(const struct capnet_iface_config *cfg, uint16_t mtu)
{
	uint32_t tso = cfg->tso_max > 65535u ? 65535u : cfg->tso_max;
	return frame_cap(tso > mtu ? (uint16_t)tso : mtu);
}

size_t capnet_iface_arena_need(const struct capnet_iface_config *in, uint16_t mtu)
{
	struct capnet_iface_config cfg = in ? *in : (struct capnet_iface_config){0};
	capnet_iface_config_defaults(&cfg);
	size_t al = _Alignof(max_align_t);
	size_t n = sizeof(struct capnet_iface) + al;
	n += sizeof(struct capnet_arp_entry) * cfg.arp_cache_entries + al;
	n += sizeof(struct capnet_route_slot) * cfg.max_routes + al;
	n += frame_cap(mtu) + al + tx_frame_cap(&cfg, mtu) + al;
	n += capnet_pool_arena_need(pktbuf_size(mtu), cfg.pktbufs);
	n += capnet_ip6_arena_need(&cfg.ip6);
	return n;
}

capnet_err capnet_iface_create(struct capnet_arena *arena, const struct capnet_iface_config *in,
			       struct capnet_nic *nic, struct capnet_rng rng, struct capnet_iface **out)
{
	*out = NULL;
	if (nic == NULL || nic->ops == NULL || rng.next == NULL || nic->mtu < 576)
		return CAPNET_E_INVAL;
	struct capnet_iface *ifc = capnet_arena_alloc(arena, sizeof *ifc, _Alignof(max_align_t));
	if (ifc == NULL)
		return CAPNET_E_NOMEM;
	ifc->cfg = in ? *in : (struct capnet_iface_config){0};
	capnet_iface_config_defaults(&ifc->cfg);
	ifc->nic = nic;
	ifc->rng = rng;
	ifc->mac = nic->mac;
	ifc->mtu = nic->mtu;
	ifc->arp = capnet_arena_alloc(arena, sizeof(struct capnet_arp_entry) * ifc->cfg.arp_cache_entries,
				      _Alignof(max_align_t));
	ifc->routes = capnet_arena_alloc(arena, sizeof(struct capnet_route_slot) * ifc->cfg.max_routes,
					 _Alignof(max_align_t));
	ifc->rx_cap = frame_cap(ifc->mtu);
	ifc->tx_cap = tx_frame_cap(&ifc->cfg, ifc->mtu);
	if (nic->ext != NULL && nic->ext->transmit_gso != NULL && ifc->cfg.tso_max > ifc->mtu) {
		uint32_t m = nic->ext->tso_max < ifc->cfg.tso_max ? nic->ext->tso_max : ifc->cfg.tso_max;
		ifc->tso_max = m > 65535u ? 65535u : m;
	}
	ifc->rx_buf = capnet_arena_alloc(arena, ifc->rx_cap, _Alignof(max_align_t));
	ifc->tx_buf = capnet_arena_alloc(arena, ifc->tx_cap, _Alignof(max_align_t));
	if (!ifc->arp || !ifc->routes || !ifc->rx_buf || !ifc->tx_buf)
		return CAPNET_E_NOMEM;
	capnet_err e = capnet_pool_init(&ifc->pktbufs, arena, pktbuf_size(ifc->mtu), ifc->cfg.pktbufs);
	if (e != CAPNET_OK)
		return e;
	/* RFC 6864: the ID only matters for fragmentation; a random start keeps
	 * it from leaking how long the stack has been up. */
	ifc->ip_ident = (uint16_t)capnet_rng_u32(&ifc->rng);
	ifc->icmp_tokens = 8;
	ifc->neigh[IFACE_NEIGH_INET] = &capnet_arp_neigh_ops;
	ifc->arp_defend_at = -CAPNET_S(10);
	e = capnet_ip6_create(arena, ifc);
	if (e != CAPNET_OK)
		return e;
	*out = ifc;
	return CAPNET_OK;
}

capnet_err capnet_iface_set_ip4(struct capnet_iface *ifc, const struct capnet_ip4_config *c, capnet_instant now)
{
	if (c->prefix_len > 32 || (c->addr != 0 && c->prefix_len == 0))
		return CAPNET_E_INVAL;
	capnet_route_remove_config(ifc);
	if (c->addr == 0) {
		memset(&ifc->ip4, 0, sizeof ifc->ip4);
		return CAPNET_OK;
	}
	ifc->ip4 = *c;
	capnet_ip4addr mask = capnet_ip4_mask(c->prefix_len);
	struct capnet_ip4_route connected = {c->addr & mask, c->prefix_len, 0, c->provenance};
	capnet_err e = capnet_route_insert(ifc, &connected, true);
	if (e == CAPNET_OK && c->gateway != 0) {
		struct capnet_ip4_route def = {0, 0, c->gateway, c->provenance};
		e = capnet_route_insert(ifc, &def, true);
	}
	if (e != CAPNET_OK)
		return e;
	return capnet_arp_send_gratuitous(ifc, now);
}

void capnet_iface_get_ip4(const struct capnet_iface *ifc, struct capnet_ip4_config *out)
{
	*out = ifc->ip4;
}

/* Returns true when the budget ran out before the nic said "no frame yet":
 * more may be waiting, so the caller must poll again at once. */
static bool drain_rx(struct capnet_iface *ifc, capnet_instant now)
{
	const struct capnet_nic_ops *ops = ifc->nic->ops;
	const struct capnet_nic_ext_ops *ext = ifc->nic->ext;
	for (uint16_t i = 0; i < ifc->cfg.rx_budget; i++) {
		size_t len = 0;
		const uint8_t *frame = ifc->rx_buf;
		struct capnet_nic_rx_info info = {0};
		capnet_err e = ext != NULL && ext->receive_lend != NULL
				       ? ext->receive_lend(ifc->nic->dev, &frame, &len, &info)
				       : ops->receive(ifc->nic->dev, ifc->rx_buf, ifc->rx_cap, &len);
		if (e == CAPNET_E_AGAIN)
			return false;
		if (e == CAPNET_E_NOBUFS) {
			IFACE_COUNT(ifc, eth_rx_oversize);
			continue;
		}
		if (e != CAPNET_OK) {
			IFACE_COUNT(ifc, nic_rx_errors);
			return false;
		}
		capnet_iface_input_info(ifc, frame, len, &info, now);
	}
	return true;
}

capnet_instant capnet_iface_poll(struct capnet_iface *ifc, capnet_instant now)
{
	if (IFACE_TAP_ACTIVE(ifc))
		capnet_iface_tap_tick(ifc, now);
	/* A driver that reads the NIC through a Nic cap hands frames in with
	 * capnet_iface_input: the interface must not race it for them. */
	bool more = !ifc->cfg.rx_by_driver && drain_rx(ifc, now);
	capnet_instant next = more ? now : capnet_iface_neigh_poll(ifc, now);
	for (struct capnet_iface_timer *t = ifc->timers; t; t = t->next)
		next = capnet_instant_min(next, t->poll(t->ctx, ifc, now));
	/* Protocol timers may have queued frames behind neighbour resolution:
	 * its deadline may have moved earlier. */
	next = capnet_instant_min(next, capnet_iface_neigh_poll(ifc, now));
	return more ? now : next;
}

void capnet_iface_register_l4(struct capnet_iface *ifc, struct capnet_l4_protocol *p)
{
	struct capnet_l4_protocol **tail = &ifc->protos;
	while (*tail)
		tail = &(*tail)->next;
	p->next = NULL;
	*tail = p;
	if (p->poll) {
		p->timer.poll = p->poll;
		p->timer.ctx = p->ctx;
		capnet_iface_add_timer(ifc, &p->timer);
	}
}

void capnet_iface_add_timer(struct capnet_iface *ifc, struct capnet_iface_timer *t)
{
	struct capnet_iface_timer **tail = &ifc->timers;
	while (*tail)
		tail = &(*tail)->next;
	t->next = NULL;
	*tail = t;
}

const struct capnet_stats *capnet_iface_stats(const struct capnet_iface *ifc)
{
	return &ifc->stats;
}

void capnet_iface_count(struct capnet_iface *ifc, enum capnet_stat st)
{
	if ((unsigned)st < CAPNET_STAT__COUNT)
		ifc->stats.v[st]++;
}

void capnet_iface_count_reason(struct capnet_iface *ifc, const enum capnet_stat *by_reason, size_t n, unsigned why)
{
	if (why > 0 && why < n)
		capnet_iface_count(ifc, by_reason[why]);
}

void capnet_iface_count_n(struct capnet_iface *ifc, enum capnet_stat st, uint64_t n)
{
	if ((unsigned)st < CAPNET_STAT__COUNT)
		ifc->stats.v[st] += n;
}

struct capnet_mac capnet_iface_mac(const struct capnet_iface *ifc)
{
	return ifc->mac;
}

uint16_t capnet_iface_mtu(const struct capnet_iface *ifc)
{
	return ifc->mtu;
}

uint16_t capnet_iface_link_mtu(const struct capnet_iface *ifc)
{
	return ifc->nic->mtu;
}

enum capnet_mtu_source capnet_iface_mtu_source(const struct capnet_iface *ifc)
{
	return (enum capnet_mtu_source)ifc->mtu_source;
}

const char *capnet_mtu_source_name(enum capnet_mtu_source s)
{
	static const char *const names[] = {"default", "static", "dhcp", "path"};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

capnet_err capnet_iface_set_mtu(struct capnet_iface *ifc, uint16_t mtu, enum capnet_mtu_source src)
{
	if (mtu == 0) {
		ifc->mtu = ifc->nic->mtu;
		ifc->mtu_source = CAPNET_MTU_DEFAULT;
		return CAPNET_OK;
	}
	/* RFC 791: every IPv4 host takes 576-byte datagrams; above the link's
	 * own MTU nothing would leave. */
	if (mtu < 576 || mtu > ifc->nic->mtu || src == CAPNET_MTU_DEFAULT || src == CAPNET_MTU_PATH)
		return CAPNET_E_INVAL;
	ifc->mtu = mtu;
	ifc->mtu_source = (uint8_t)src;
	return CAPNET_OK;
}

const struct capnet_rng *capnet_iface_rng(const struct capnet_iface *ifc)
{
	return &ifc->rng;
}
