/* The static and DHCP configuration layers, merged value by value into the
 * interface (see capnet/ip4_config.h for the precedence rules). It lives in
 * iface/ because it owns the routes it installs: it removes exactly those
 * and tags the default route with the gateway's own provenance. */
#include <string.h>

#include "capnet/ip4_config.h"
#include "iface_internal.h"

#define N_ROUTES_MAX (2 * CAPNET_IP4CFG_MAX_ROUTES)

struct capnet_ip4cfg {
	struct capnet_iface *ifc;
	struct capnet_ip4cfg_layer layer[2]; /* [0] static, [1] DHCP */
	struct capnet_ip4cfg_view eff;
	struct capnet_resolver_inputs res;
	/* What is in the interface now, so a commit that changes nothing
	 * touches nothing (no gratuitous ARP on every renewal). */
	struct capnet_ip4_config pushed;
	enum capnet_provenance pushed_gw_prov;
	uint8_t n_installed;
	struct capnet_ip4_route installed[N_ROUTES_MAX];
};

size_t capnet_ip4cfg_arena_need(void)
{
	return sizeof(struct capnet_ip4cfg) + _Alignof(max_align_t);
}

capnet_err capnet_ip4cfg_create(struct capnet_arena *arena, struct capnet_iface *ifc, struct capnet_ip4cfg **out)
{
	*out = NULL;
	if (!ifc)
		return CAPNET_E_INVAL;
	struct capnet_ip4cfg *c = capnet_arena_alloc(arena, sizeof *c, _Alignof(max_align_t));
	if (!c)
		return CAPNET_E_NOMEM;
	c->ifc = ifc;
	c->eff.mtu = capnet_iface_mtu(ifc);
	c->eff.mtu_source = capnet_iface_mtu_source(ifc);
	*out = c;
	return CAPNET_OK;
}

struct capnet_ip4cfg_layer *capnet_ip4cfg_layer(struct capnet_ip4cfg *c, enum capnet_provenance p)
{
	if (p == CAPNET_PROV_STATIC)
		return &c->layer[0];
	if (p == CAPNET_PROV_DHCP)
		return &c->layer[1];
	return NULL;
}

static bool layer_valid(const struct capnet_ip4cfg *c, const struct capnet_ip4cfg_layer *l)
{
	if (l->prefix_len > 32 || (l->addr != 0 && l->prefix_len == 0))
		return false;
	if (l->mtu != 0 && (l->mtu < 576 || l->mtu > capnet_iface_link_mtu(c->ifc)))
		return false;
	if (l->n_routes > CAPNET_IP4CFG_MAX_ROUTES || l->n_dns > CAPNET_IP4CFG_MAX_DNS ||
	    l->n_search > CAPNET_IP4CFG_MAX_SEARCH)
		return false;
	for (uint8_t i = 0; i < l->n_routes; i++)
		if (l->routes[i].prefix_len > 32)
			return false;
	return true;
}

static bool same_dest(const struct capnet_ip4_route *a, const struct capnet_ip4_route *b)
{
	return a->prefix_len == b->prefix_len &&
	       (a->dest & capnet_ip4_mask(a->prefix_len)) == (b->dest & capnet_ip4_mask(b->prefix_len));
}

/* Layer routes other than the default route (that is the gateway value)
 * and the connected prefix (installed with the address). */
static void add_routes(struct capnet_ip4cfg_view *e, const struct capnet_ip4cfg_layer *l, enum capnet_provenance p)
{
	struct capnet_ip4_route connected = {e->addr, e->prefix_len, 0, CAPNET_PROV_NONE};
	for (uint8_t i = 0; i < l->n_routes; i++) {
		struct capnet_ip4_route r = l->routes[i];
		r.dest &= capnet_ip4_mask(r.prefix_len);
		r.provenance = p;
		if (r.prefix_len == 0 || same_dest(&r, &connected))
			continue;
		bool shadowed = false;
		for (uint8_t k = 0; k < e->n_routes && !shadowed; k++)
			shadowed = same_dest(&e->routes[k], &r);
		if (!shadowed && e->n_routes < N_ROUTES_MAX)
			e->routes[e->n_routes++] = r;
	}
}

static void merge(const struct capnet_ip4cfg *c, struct capnet_ip4cfg_view *e, struct capnet_resolver_inputs *res)
{
	const struct capnet_ip4cfg_layer *s = &c->layer[0], *d = &c->layer[1];
	memset(e, 0, sizeof *e);
	const struct capnet_ip4cfg_layer *a = s->addr ? s : d->addr ? d : NULL;
	if (a) {
		e->configured = true;
		e->addr = a->addr;
		e->prefix_len = a->prefix_len;
		e->addr_provenance = a == s ? CAPNET_PROV_STATIC : CAPNET_PROV_DHCP;
		if (s->gateway) {
			e->gateway = s->gateway;
			e->gateway_provenance = CAPNET_PROV_STATIC;
		} else if (d->gateway) {
			e->gateway = d->gateway;
			e->gateway_provenance = CAPNET_PROV_DHCP;
		}
		add_routes(e, s, CAPNET_PROV_STATIC);
		add_routes(e, d, CAPNET_PROV_DHCP);
	}
	/* The MTU is the link's, not the address's: it holds with or without
	 * one, static over DHCP, the NIC's when neither says. */
	e->mtu = s->mtu ? s->mtu : d->mtu ? d->mtu : capnet_iface_link_mtu(c->ifc);
	e->mtu_source = s->mtu ? CAPNET_MTU_STATIC : d->mtu ? CAPNET_MTU_DHCP : CAPNET_MTU_DEFAULT;
	memset(res, 0, sizeof *res);
	const struct capnet_ip4cfg_layer *l = s->n_dns ? s : d->n_dns ? d : NULL;
	if (l) {
		res->n_servers = l->n_dns;
		for (uint8_t i = 0; i < l->n_dns; i++)
			res->servers[i] = capnet_ipaddr_from_ip4(l->dns[i]);
		res->servers_provenance = l == s ? CAPNET_PROV_STATIC : CAPNET_PROV_DHCP;
	}
	l = s->domain[0] ? s : d->domain[0] ? d : NULL;
	if (l) {
		memcpy(res->domain, l->domain, sizeof res->domain);
		res->domain[CAPNET_IP4CFG_NAME_MAX] = '\0';
		res->domain_provenance = l == s ? CAPNET_PROV_STATIC : CAPNET_PROV_DHCP;
	}
	l = s->n_search ? s : d->n_search ? d : NULL;
	if (l) {
		res->n_search = l->n_search;
		memcpy(res->search, l->search, sizeof res->search);
		for (uint8_t i = 0; i < CAPNET_IP4CFG_MAX_SEARCH; i++)
			res->search[i][CAPNET_IP4CFG_NAME_MAX] = '\0';
		res->search_provenance = l == s ? CAPNET_PROV_STATIC : CAPNET_PROV_DHCP;
	}
}

static void remove_installed(struct capnet_ip4cfg *c)
{
	struct capnet_iface *ifc = c->ifc;
	for (uint8_t k = 0; k < c->n_installed; k++) {
		for (uint8_t i = 0; i < ifc->cfg.max_routes; i++) {
			struct capnet_route_slot *s = &ifc->routes[i];
			if (s->in_use && !s->from_config && capnet_route_same_dest4(&s->r, &c->installed[k]) &&
			    s->r.provenance == c->installed[k].provenance)
				s->in_use = false;
		}
	}
	c->n_installed = 0;
}

static bool routes_equal(const struct capnet_ip4cfg *c, const struct capnet_ip4cfg_view *e)
{
	if (c->n_installed != e->n_routes)
		return false;
	for (uint8_t i = 0; i < e->n_routes; i++) {
		const struct capnet_ip4_route *a = &c->installed[i], *b = &e->routes[i];
		if (!same_dest(a, b) || a->gateway != b->gateway || a->provenance != b->provenance)
			return false;
	}
	return true;
}

static capnet_err push_address(struct capnet_ip4cfg *c, const struct capnet_ip4cfg_view *e, capnet_instant now)
{
	struct capnet_ip4_config ic = {e->addr, e->prefix_len, e->gateway, e->addr_provenance};
	capnet_err err = capnet_iface_set_ip4(c->ifc, &ic, now);
	/* set_ip4 only fails before announcing, after installing the routes it
	 * could: remember what it holds either way. */
	c->pushed = ic;
	c->pushed_gw_prov = e->gateway_provenance;
	for (uint8_t i = 0; i < c->ifc->cfg.max_routes; i++) {
		struct capnet_route_slot *s = &c->ifc->routes[i];
		if (s->in_use && s->from_config && s->r.prefix_len == 0)
			s->r.provenance = e->gateway_provenance;
	}
	/* A gratuitous ARP the nic refused does not undo the configuration. */
	return err == CAPNET_E_INVAL || err == CAPNET_E_NOMEM ? err : CAPNET_OK;
}

capnet_err capnet_ip4cfg_commit(struct capnet_ip4cfg *c, capnet_instant now)
{
	if (!layer_valid(c, &c->layer[0]) || !layer_valid(c, &c->layer[1]))
		return CAPNET_E_INVAL;
	struct capnet_ip4cfg_view e;
	merge(c, &e, &c->res);
	if (e.mtu != capnet_iface_mtu(c->ifc) || e.mtu_source != capnet_iface_mtu_source(c->ifc))
		capnet_iface_set_mtu(c->ifc, e.mtu_source == CAPNET_MTU_DEFAULT ? 0 : e.mtu, e.mtu_source);
	bool addr_changed = e.addr != c->pushed.addr || e.prefix_len != c->pushed.prefix_len ||
			    e.gateway != c->pushed.gateway || e.addr_provenance != c->pushed.provenance ||
			    e.gateway_provenance != c->pushed_gw_prov;
	capnet_err err = CAPNET_OK;
	if (addr_changed || !routes_equal(c, &e)) {
		remove_installed(c);
		if (addr_changed)
			err = push_address(c, &e, now);
		for (uint8_t i = 0; i < e.n_routes && err == CAPNET_OK; i++) {
			err = capnet_route_insert(c->ifc, &e.routes[i], false);
			if (err == CAPNET_OK)
				c->installed[c->n_installed++] = e.routes[i];
		}
	}
	if (err != CAPNET_OK)
		e.n_routes = c->n_installed; /* report what is really there */
	c->eff = e;
	return err;
}

capnet_err capnet_ip4cfg_clear(struct capnet_ip4cfg *c, enum capnet_provenance p, capnet_instant now)
{
	struct capnet_ip4cfg_layer *l = capnet_ip4cfg_layer(c, p);
	if (!l)
		return CAPNET_E_INVAL;
	memset(l, 0, sizeof *l);
	return capnet_ip4cfg_commit(c, now);
}

void capnet_ip4cfg_get(const struct capnet_ip4cfg *c, struct capnet_ip4cfg_view *out)
{
	*out = c->eff;
}

const struct capnet_resolver_inputs *capnet_ip4cfg_resolver(const struct capnet_ip4cfg *c)
{
	return &c->res;
}
