/* DHCPv4 client: the RFC 2131 state machine, RFC 5227 probing of the
 * offered address, and the lease written into the DHCP configuration layer.
 * See capnet/dhcp4_client.h for the states and the outcome of every bad
 * reply; the comments here say which RFC rule a line follows. */
#include <string.h>

#include "capnet/acd.h"
#include "capnet/config.h"
#include "capnet/dhcp4_client.h"
#include "capnet/wire/dhcp4.h"

/* What a lease says, in absolute times. */
struct lease {
	capnet_ip4addr addr;
	uint8_t prefix_len;
	capnet_ip4addr server;
	capnet_ip4addr gateway;
	uint32_t secs;
	bool infinite;
	capnet_instant start;
	capnet_instant t1;
	capnet_instant t2;
	capnet_instant expiry;
};

struct capnet_dhcp4_client {
	struct capnet_dhcp4_client_config cfg;
	struct capnet_iface *ifc;
	struct capnet_udp_socket *sock;
	struct capnet_ip4cfg *layers;
	struct capnet_iface_timer timer;
	struct capnet_mac mac;
	uint8_t default_client_id[7];

	enum capnet_dhcp4_state state;
	uint32_t xid;
	capnet_instant exchange_start; /* acquisition or renewal began: the 'secs' field */
	capnet_instant request_at;     /* first REQUEST of this exchange: the lease starts here */
	capnet_instant next_tx;        /* the state's timer */
	capnet_duration backoff;
	uint8_t tries;
	uint8_t naks;                  /* NAKs since the last lease */

	capnet_ip4addr offered;        /* SELECTING -> REQUESTING */
	capnet_ip4addr server;         /* the selected server */

	/* CHECKING: the ACKed lease and its configuration, held until bound. */
	struct lease pending;
	struct capnet_ip4cfg_layer pending_layer;
	/* RFC 5227: probes the ACKed address in CHECKING, announces it once
	 * BOUND. Its timers run inside this client's, so its frames keep their
	 * place among the client's own. */
	struct capnet_acd acd;

	struct lease cur; /* valid in BOUND, RENEWING, REBINDING */

	/* Scratch, kept here rather than on the stack of a small OS thread. */
	struct capnet_dhcp4_repr rx;
	struct capnet_dhcp4_repr tx;
	struct capnet_dhcp4_search search;
	uint8_t rxbuf[1500];
	uint8_t txbuf[576];
};

#define COUNT(c, name) capnet_iface_count((c)->ifc, CAPNET_STAT_##name)

static const char *const state_names[] = {
	"STOPPED", "INIT", "SELECTING", "REQUESTING", "CHECKING",
	"BOUND",   "RENEWING", "REBINDING", "INIT-REBOOT", "REBOOTING",
};

const char *capnet_dhcp4_state_name(enum capnet_dhcp4_state s)
{
	return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "?";
}

void capnet_dhcp4_client_config_defaults(struct capnet_dhcp4_client_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->retransmit_initial = CAPNET_DEFAULT_DHCP4_RETRANSMIT_INITIAL;
	cfg->retransmit_max = CAPNET_DEFAULT_DHCP4_RETRANSMIT_MAX;
	cfg->retransmit_jitter = CAPNET_DEFAULT_DHCP4_RETRANSMIT_JITTER;
	cfg->request_tries = CAPNET_DEFAULT_DHCP4_REQUEST_TRIES;
	cfg->renew_min = CAPNET_DEFAULT_DHCP4_RENEW_MIN;
	capnet_acd_config_defaults(&cfg->acd);
	cfg->decline_wait = CAPNET_DEFAULT_DHCP4_DECLINE_WAIT;
}

size_t capnet_dhcp4_client_arena_need(void)
{
	return sizeof(struct capnet_dhcp4_client) + _Alignof(max_align_t);
}

/* ---- randomness and time ---- */

/* Uniform in [lo, hi] microseconds, from the injected generator. */
static capnet_duration rand_between(const struct capnet_dhcp4_client *c, capnet_duration lo, capnet_duration hi)
{
	return capnet_rng_between(capnet_iface_rng(c->ifc), lo, hi);
}

static capnet_duration jittered(const struct capnet_dhcp4_client *c, capnet_duration d)
{
	capnet_duration j = c->cfg.retransmit_jitter;
	capnet_duration r = d + rand_between(c, -j, j);
	return r > 0 ? r : 0;
}

static void new_exchange(struct capnet_dhcp4_client *c, capnet_instant now)
{
	c->xid = capnet_rng_u32(capnet_iface_rng(c->ifc));
	c->exchange_start = now;
	c->tries = 0;
	c->backoff = c->cfg.retransmit_initial;
}

/* ---- building and sending messages ---- */

static const uint8_t param_request[] = {
	CAPNET_DHCP4_OPT_SUBNET_MASK,	CAPNET_DHCP4_OPT_ROUTER,	 CAPNET_DHCP4_OPT_DNS,
	CAPNET_DHCP4_OPT_DOMAIN_NAME,	CAPNET_DHCP4_OPT_BROADCAST,	 CAPNET_DHCP4_OPT_LEASE_TIME,
	CAPNET_DHCP4_OPT_SERVER_ID,	CAPNET_DHCP4_OPT_T1,		 CAPNET_DHCP4_OPT_T2,
	CAPNET_DHCP4_OPT_DOMAIN_SEARCH, CAPNET_DHCP4_OPT_CLASSLESS_ROUTES, CAPNET_DHCP4_OPT_INTERFACE_MTU,
};

static struct capnet_dhcp4_repr *start_msg(struct capnet_dhcp4_client *c, uint8_t type, capnet_instant now)
{
	struct capnet_dhcp4_repr *r = &c->tx;
	memset(r, 0, sizeof *r);
	r->op = CAPNET_BOOTREQUEST;
	r->xid = c->xid;
	capnet_duration secs = (now - c->exchange_start) / CAPNET_S(1);
	r->secs = (uint16_t)(secs > 0xffff ? 0xffff : secs < 0 ? 0 : secs);
	r->chaddr = c->mac;
	r->message_type = type;
	if (c->cfg.client_id && c->cfg.client_id_len >= 2)
		r->client_id = (struct capnet_dhcp4_bytes){c->cfg.client_id, c->cfg.client_id_len};
	else
		r->client_id = (struct capnet_dhcp4_bytes){c->default_client_id, sizeof c->default_client_id};
	if (type == CAPNET_DHCP4_DISCOVER || type == CAPNET_DHCP4_REQUEST) {
		if (c->cfg.broadcast_flag)
			r->flags = CAPNET_DHCP4_FLAG_BROADCAST;
		r->param_request = (struct capnet_dhcp4_bytes){param_request, sizeof param_request};
		r->present |= CAPNET_DHCP4_HAS_MAX_MSG_SIZE;
		r->max_msg_size = capnet_iface_link_mtu(c->ifc); /* what we can receive */
		size_t hl = c->cfg.hostname ? strlen(c->cfg.hostname) : 0;
		if (hl > 0 && hl < 256)
			r->hostname = (struct capnet_dhcp4_bytes){(const uint8_t *)c->cfg.hostname, (uint8_t)hl};
	}
	return r;
}

static capnet_err send_msg(struct capnet_dhcp4_client *c, capnet_ip4addr dst, capnet_instant now)
{
	size_t n = capnet_dhcp4_emit_len(&c->tx);
	if (n == 0 || n > sizeof c->txbuf)
		return CAPNET_E_MSGSIZE;
	capnet_dhcp4_emit(&c->tx, c->txbuf);
	return capnet_udp_send_to(c->sock, dst, CAPNET_DHCP4_SERVER_PORT, c->txbuf, n, now);
}

static void send_discover(struct capnet_dhcp4_client *c, capnet_instant now)
{
	start_msg(c, CAPNET_DHCP4_DISCOVER, now);
	if (send_msg(c, CAPNET_IP4_BROADCAST, now) == CAPNET_OK)
		COUNT(c, dhcp_tx_discover);
}

/* REQUEST in its four flavours (RFC 2131 table 5). */
static void send_request(struct capnet_dhcp4_client *c, capnet_instant now)
{
	struct capnet_dhcp4_repr *r = start_msg(c, CAPNET_DHCP4_REQUEST, now);
	capnet_ip4addr dst = CAPNET_IP4_BROADCAST;
	switch (c->state) {
	case CAPNET_DHCP4_REQUESTING: /* SELECTING: 50 + 54, ciaddr 0 */
		r->present |= CAPNET_DHCP4_HAS_REQUESTED_IP | CAPNET_DHCP4_HAS_SERVER_ID;
		r->requested_ip = c->offered;
		r->server_id = c->server;
		break;
	case CAPNET_DHCP4_REBOOTING: /* INIT-REBOOT: 50, no 54, ciaddr 0 */
		r->present |= CAPNET_DHCP4_HAS_REQUESTED_IP;
		r->requested_ip = c->offered;
		break;
	case CAPNET_DHCP4_RENEWING: /* ciaddr, unicast to the server */
		r->ciaddr = c->cur.addr;
		dst = c->cur.server;
		break;
	default: /* REBINDING: ciaddr, broadcast */
		r->ciaddr = c->cur.addr;
		break;
	}
	if (send_msg(c, dst, now) == CAPNET_OK)
		COUNT(c, dhcp_tx_request);
}

static void send_decline(struct capnet_dhcp4_client *c, capnet_instant now)
{
	struct capnet_dhcp4_repr *r = start_msg(c, CAPNET_DHCP4_DECLINE, now);
	r->secs = 0; /* RFC 2131 table 5: secs 0 in DECLINE */
	r->present |= CAPNET_DHCP4_HAS_REQUESTED_IP | CAPNET_DHCP4_HAS_SERVER_ID;
	r->requested_ip = c->pending.addr;
	r->server_id = c->pending.server;
	if (send_msg(c, CAPNET_IP4_BROADCAST, now) == CAPNET_OK)
		COUNT(c, dhcp_tx_decline);
}

static capnet_err send_release(struct capnet_dhcp4_client *c, capnet_instant now)
{
	new_exchange(c, now); /* RFC 2131 4.4.6: a new xid */
	struct capnet_dhcp4_repr *r = start_msg(c, CAPNET_DHCP4_RELEASE, now);
	r->secs = 0;
	r->ciaddr = c->cur.addr;
	r->present |= CAPNET_DHCP4_HAS_SERVER_ID;
	r->server_id = c->cur.server;
	capnet_err e = send_msg(c, c->cur.server, now);
	if (e == CAPNET_OK)
		COUNT(c, dhcp_tx_release);
	return e;
}

/* ---- state changes ---- */

static void drop_lease(struct capnet_dhcp4_client *c, capnet_instant now)
{
	memset(&c->cur, 0, sizeof c->cur);
	if (capnet_acd_state(&c->acd) != CAPNET_ACD_PROBING)
		capnet_acd_stop(&c->acd);
	/* Fail closed: address, routes and resolver inputs all go at once. */
	capnet_ip4cfg_clear(c->layers, CAPNET_PROV_DHCP, now);
}

static void stop_checking(struct capnet_dhcp4_client *c)
{
	capnet_acd_stop(&c->acd);
}

/* The announcements still to send while BOUND (RFC 5227 2.3). */
static capnet_instant announce_deadline(const struct capnet_dhcp4_client *c)
{
	return capnet_acd_state(&c->acd) == CAPNET_ACD_ANNOUNCING ? capnet_acd_deadline(&c->acd)
								    : CAPNET_INSTANT_NEVER;
}

static void enter_selecting(struct capnet_dhcp4_client *c, capnet_instant now)
{
	new_exchange(c, now);
	c->state = CAPNET_DHCP4_SELECTING;
	send_discover(c, now);
	c->next_tx = now + jittered(c, c->backoff);
}

/* INIT: DISCOVER after `wait` (at once when 0). */
static void enter_init(struct capnet_dhcp4_client *c, capnet_duration wait, capnet_instant now)
{
	c->state = CAPNET_DHCP4_INIT;
	c->offered = c->server = 0;
	if (wait <= 0) {
		enter_selecting(c, now);
		return;
	}
	c->next_tx = now + wait;
}

/* After a NAK: at once the first time, then backing off. */
static capnet_duration nak_wait(struct capnet_dhcp4_client *c)
{
	if (c->naks < 2)
		return 0;
	capnet_duration d = c->cfg.retransmit_initial;
	for (uint8_t i = 2; i < c->naks && d < c->cfg.retransmit_max; i++)
		d *= 2;
	return d < c->cfg.retransmit_max ? d : c->cfg.retransmit_max;
}

static void enter_requesting(struct capnet_dhcp4_client *c, enum capnet_dhcp4_state st, capnet_instant now)
{
	c->state = st;
	c->tries = 1;
	c->backoff = c->cfg.retransmit_initial;
	c->request_at = now; /* RFC 2131 4.4.1: the lease counts from this REQUEST */
	send_request(c, now);
	c->next_tx = now + jittered(c, c->backoff);
}

/* RENEWING/REBINDING: half of what is left until `until`, at least
 * renew_min, but never past `until` itself (RFC 2131 4.4.5). */
static capnet_instant renew_retry(const struct capnet_dhcp4_client *c, capnet_instant now, capnet_instant until)
{
	capnet_duration half = (until - now) / 2;
	if (half < c->cfg.renew_min)
		half = c->cfg.renew_min;
	capnet_instant t = now + half;
	return t < until ? t : until;
}

static void bind(struct capnet_dhcp4_client *c, capnet_instant now)
{
	stop_checking(c);
	c->cur = c->pending;
	c->state = CAPNET_DHCP4_BOUND;
	c->naks = 0;
	c->next_tx = c->cur.t1;
	*capnet_ip4cfg_layer(c->layers, CAPNET_PROV_DHCP) = c->pending_layer;
	capnet_ip4cfg_commit(c->layers, now); /* the interface announces the address once */
	/* RFC 5227 2.3: ANNOUNCE_NUM announcements, ANNOUNCE_INTERVAL apart. */
	capnet_acd_announce(&c->acd, now);
	COUNT(c, dhcp_leases_bound);
	if (c->cur.infinite)
		COUNT(c, dhcp_lease_infinite);
	if (c->cur.gateway)
		capnet_arp_resolve(c->ifc, c->cur.gateway, now);
}

static void decline(struct capnet_dhcp4_client *c, capnet_instant now)
{
	stop_checking(c);
	COUNT(c, dhcp_arp_conflicts);
	send_decline(c, now);
	enter_init(c, c->cfg.decline_wait, now);
}

/* The probing's outcome (RFC 5227 2.1.1). A conflict on the address once
 * bound is defended by the interface; the client keeps its lease. */
static void on_acd(void *ctx, struct capnet_acd *acd, enum capnet_acd_result r, capnet_instant now)
{
	(void)acd;
	struct capnet_dhcp4_client *c = ctx;
	if (c->state != CAPNET_DHCP4_CHECKING)
		return;
	if (r == CAPNET_ACD_NO_CONFLICT)
		bind(c, now); /* ANNOUNCE_WAIT passed without a conflict */
	else if (r == CAPNET_ACD_CONFLICT)
		decline(c, now);
}

static void enter_checking(struct capnet_dhcp4_client *c, capnet_instant now)
{
	if (c->cfg.acd.probe_num == 0) {
		bind(c, now);
		return;
	}
	c->state = CAPNET_DHCP4_CHECKING;
	capnet_acd_probe(&c->acd, c->pending.addr, now);
	c->next_tx = capnet_acd_deadline(&c->acd);
}

static void checking_timer(struct capnet_dhcp4_client *c, capnet_instant now)
{
	capnet_acd_poll(&c->acd, now); /* may bind or decline */
	if (c->state == CAPNET_DHCP4_CHECKING)
		c->next_tx = capnet_acd_deadline(&c->acd);
}

/* ---- validating replies ---- */

static bool usable_addr(capnet_ip4addr a)
{
	uint8_t top = (uint8_t)(a >> 24);
	return a != 0 && a != CAPNET_IP4_BROADCAST && top != 0 && top != 127 && top < 224;
}

/* RFC 950: the ones must be contiguous from the top. */
static bool mask_prefix(capnet_ip4addr mask, uint8_t *prefix)
{
	capnet_ip4addr inv = ~mask;
	if (mask == 0 || (inv & (inv + 1)) != 0)
		return false;
	uint8_t n = 0;
	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	*prefix = n;
	return true;
}

static uint8_t classful_prefix(capnet_ip4addr a)
{
	uint8_t top = (uint8_t)(a >> 24);
	return top < 128 ? 8 : top < 192 ? 16 : 24;
}

static bool on_link(capnet_ip4addr a, capnet_ip4addr net, uint8_t prefix)
{
	capnet_ip4addr m = capnet_ip4_mask(prefix);
	return a != 0 && (a & m) == (net & m) && a != net;
}

/* The checks an OFFER and an ACK share: yiaddr, lease time, mask. */
static bool lease_usable(struct capnet_dhcp4_client *c, const struct capnet_dhcp4_repr *r, uint8_t *prefix)
{
	if (!(r->present & CAPNET_DHCP4_HAS_LEASE_TIME) || r->lease_time == 0) {
		COUNT(c, dhcp_rx_bad_lease);
		return false;
	}
	if (r->present & CAPNET_DHCP4_HAS_SUBNET_MASK) {
		if (!mask_prefix(r->subnet_mask, prefix)) {
			COUNT(c, dhcp_rx_bad_mask);
			return false;
		}
	} else {
		*prefix = classful_prefix(r->yiaddr);
	}
	capnet_ip4addr m = capnet_ip4_mask(*prefix);
	bool edge = *prefix <= 30 && ((r->yiaddr & ~m) == 0 || (r->yiaddr & ~m) == ~m);
	if (!usable_addr(r->yiaddr) || edge) {
		COUNT(c, dhcp_rx_bad_yiaddr);
		return false;
	}
	return true;
}

static void lease_times(struct capnet_dhcp4_client *c, const struct capnet_dhcp4_repr *r, struct lease *l,
			capnet_instant start)
{
	l->secs = r->lease_time;
	l->start = start;
	if (r->lease_time == CAPNET_DHCP4_INFINITE) {
		l->infinite = true;
		l->t1 = l->t2 = l->expiry = CAPNET_INSTANT_NEVER;
		return;
	}
	capnet_duration lease = CAPNET_S(r->lease_time);
	capnet_duration t1 = lease / 2, t2 = lease * 7 / 8; /* RFC 2131 4.4.5 */
	bool has1 = r->present & CAPNET_DHCP4_HAS_T1, has2 = r->present & CAPNET_DHCP4_HAS_T2;
	capnet_duration o1 = has1 ? CAPNET_S(r->t1) : t1, o2 = has2 ? CAPNET_S(r->t2) : t2;
	if ((has1 || has2) && !(0 < o1 && o1 < o2 && o2 < lease)) {
		COUNT(c, dhcp_rx_bad_timers);
	} else {
		t1 = o1;
		t2 = o2;
	}
	l->t1 = start + t1;
	l->t2 = start + t2;
	l->expiry = start + lease;
}

static void copy_name(char *dst, const uint8_t *src, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < CAPNET_IP4CFG_NAME_MAX; i++) {
		uint8_t ch = src[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
			  ch == '_' || ch == '.';
		if (!ok) {
			k = 0; /* not a name we can hand to a resolver: none */
			break;
		}
		dst[k++] = (char)ch;
	}
	while (k > 0 && dst[k - 1] == '.')
		k--;
	dst[k] = '\0';
}

/* The configuration an ACK gives: gateway and routes (RFC 3442: with 121,
 * option 3 is ignored), resolver inputs. Off-link routers are dropped. */
static void ack_layer(struct capnet_dhcp4_client *c, const struct capnet_dhcp4_repr *r, struct lease *l,
		      struct capnet_ip4cfg_layer *out)
{
	memset(out, 0, sizeof *out);
	out->addr = l->addr;
	out->prefix_len = l->prefix_len;
	l->gateway = 0;
	if (r->n_routes) {
		for (uint8_t i = 0; i < r->n_routes; i++) {
			const struct capnet_dhcp4_route *rt = &r->routes[i];
			if (rt->gateway && !on_link(rt->gateway, l->addr, l->prefix_len)) {
				COUNT(c, dhcp_rx_bad_router);
				continue;
			}
			if (rt->prefix_len == 0) {
				if (rt->gateway && !l->gateway)
					l->gateway = rt->gateway;
			} else if (out->n_routes < CAPNET_IP4CFG_MAX_ROUTES) {
				out->routes[out->n_routes++] = (struct capnet_ip4_route){
					rt->dest, rt->prefix_len, rt->gateway, CAPNET_PROV_DHCP};
			}
		}
	} else {
		for (uint8_t i = 0; i < r->n_routers && !l->gateway; i++) {
			if (on_link(r->routers[i], l->addr, l->prefix_len) && r->routers[i] != l->addr)
				l->gateway = r->routers[i];
			else
				COUNT(c, dhcp_rx_bad_router);
		}
	}
	out->gateway = l->gateway;
	/* RFC 2132 5.1: an MTU a host cannot use (below RFC 791's 576, or above
	 * what the link carries) is ignored: the NIC's stays. */
	if ((r->present & CAPNET_DHCP4_HAS_INTERFACE_MTU) && r->interface_mtu >= 576 &&
	    r->interface_mtu <= capnet_iface_link_mtu(c->ifc))
		out->mtu = r->interface_mtu;
	for (uint8_t i = 0; i < r->n_dns && out->n_dns < CAPNET_IP4CFG_MAX_DNS; i++)
		if (usable_addr(r->dns[i]))
			out->dns[out->n_dns++] = r->dns[i];
	if (r->domain_name.len)
		copy_name(out->domain, r->domain_name.p, r->domain_name.len);
	if (r->search_len && capnet_dhcp4_search_decode(r->search, r->search_len, &c->search) == CAPNET_OK) {
		for (uint8_t i = 0; i < c->search.count && i < CAPNET_IP4CFG_MAX_SEARCH; i++) {
			memcpy(out->search[i], c->search.name[i], sizeof out->search[i]);
			out->n_search++;
		}
	}
}

/* ---- handling replies ---- */

static void on_offer(struct capnet_dhcp4_client *c, const struct capnet_dhcp4_repr *r, capnet_instant now)
{
	uint8_t prefix;
	if (!lease_usable(c, r, &prefix))
		return;
	COUNT(c, dhcp_rx_offer);
	c->offered = r->yiaddr;
	c->server = r->server_id;
	enter_requesting(c, CAPNET_DHCP4_REQUESTING, now);
}

static void on_nak(struct capnet_dhcp4_client *c, capnet_instant now)
{
	COUNT(c, dhcp_rx_nak);
	if (c->state == CAPNET_DHCP4_RENEWING || c->state == CAPNET_DHCP4_REBINDING)
		drop_lease(c, now);
	if (c->naks < UINT8_MAX)
		c->naks++;
	enter_init(c, nak_wait(c), now);
}

static void on_ack(struct capnet_dhcp4_client *c, const struct capnet_dhcp4_repr *r, capnet_instant now)
{
	uint8_t prefix;
	if (!lease_usable(c, r, &prefix))
		return;
	capnet_ip4addr want = c->state == CAPNET_DHCP4_RENEWING || c->state == CAPNET_DHCP4_REBINDING ? c->cur.addr
												      : c->offered;
	if (r->yiaddr != want) {
		COUNT(c, dhcp_rx_bad_yiaddr);
		return;
	}
	COUNT(c, dhcp_rx_ack);
	struct lease l = {.addr = r->yiaddr, .prefix_len = prefix, .server = r->server_id};
	lease_times(c, r, &l, c->request_at);
	ack_layer(c, r, &l, &c->pending_layer);
	c->pending = l;
	switch (c->state) {
	case CAPNET_DHCP4_RENEWING:
	case CAPNET_DHCP4_REBINDING:
		/* Same address: no probe. The layer is re-committed; nothing moves
		 * in the interface unless the options changed. */
		if (c->state == CAPNET_DHCP4_RENEWING)
			COUNT(c, dhcp_renewals);
		else
			COUNT(c, dhcp_rebinds);
		c->cur = l;
		c->state = CAPNET_DHCP4_BOUND;
		c->next_tx = l.t1;
		*capnet_ip4cfg_layer(c->layers, CAPNET_PROV_DHCP) = c->pending_layer;
		capnet_ip4cfg_commit(c->layers, now);
		break;
	default: /* REQUESTING, REBOOTING */
		c->server = r->server_id;
		enter_checking(c, now);
		break;
	}
}

static bool awaiting_reply(enum capnet_dhcp4_state s)
{
	return s == CAPNET_DHCP4_SELECTING || s == CAPNET_DHCP4_REQUESTING || s == CAPNET_DHCP4_REBOOTING ||
	       s == CAPNET_DHCP4_RENEWING || s == CAPNET_DHCP4_REBINDING;
}

static void count_parse_error(struct capnet_dhcp4_client *c, enum capnet_dhcp4_error why)
{
	static const enum capnet_stat by_reason[] = {
		[CAPNET_DHCP4_ERR_TRUNCATED] = CAPNET_STAT_dhcp_rx_truncated,
		[CAPNET_DHCP4_ERR_BAD_OP] = CAPNET_STAT_dhcp_rx_bad_op,
		[CAPNET_DHCP4_ERR_BAD_HTYPE] = CAPNET_STAT_dhcp_rx_bad_htype,
		[CAPNET_DHCP4_ERR_BAD_COOKIE] = CAPNET_STAT_dhcp_rx_bad_cookie,
		[CAPNET_DHCP4_ERR_OPT_TRUNCATED] = CAPNET_STAT_dhcp_rx_opt_truncated,
		[CAPNET_DHCP4_ERR_OPT_BADLEN] = CAPNET_STAT_dhcp_rx_opt_badlen,
		[CAPNET_DHCP4_ERR_OPT_DUPLICATE] = CAPNET_STAT_dhcp_rx_opt_duplicate,
		[CAPNET_DHCP4_ERR_BAD_OVERLOAD] = CAPNET_STAT_dhcp_rx_bad_overload,
		[CAPNET_DHCP4_ERR_BAD_MSG_TYPE] = CAPNET_STAT_dhcp_rx_bad_msg_type,
		[CAPNET_DHCP4_ERR_BAD_SEARCH] = CAPNET_STAT_dhcp_rx_bad_search,
		[CAPNET_DHCP4_ERR_BAD_ROUTES] = CAPNET_STAT_dhcp_rx_bad_routes,
	};
	if (why > 0 && (size_t)why < sizeof by_reason / sizeof by_reason[0])
		capnet_iface_count(c->ifc, by_reason[why]);
	else
		COUNT(c, dhcp_rx_truncated);
}

/* Is this reply from the server we are talking to? REQUESTING and RENEWING
 * know it; REBOOTING and REBINDING take any (RFC 2131 4.4.2, 4.4.5). */
static bool right_server(struct capnet_dhcp4_client *c, const struct capnet_dhcp4_repr *r)
{
	if (!(r->present & CAPNET_DHCP4_HAS_SERVER_ID)) {
		COUNT(c, dhcp_rx_no_server_id);
		return false;
	}
	capnet_ip4addr want = c->state == CAPNET_DHCP4_REQUESTING ? c->server
			      : c->state == CAPNET_DHCP4_RENEWING ? c->cur.server
								  : r->server_id;
	if (r->server_id != want) {
		COUNT(c, dhcp_rx_wrong_server);
		return false;
	}
	return true;
}

static void on_message(struct capnet_dhcp4_client *c, const uint8_t *msg, size_t len,
		       const struct capnet_udp_meta *meta, capnet_instant now)
{
	struct capnet_dhcp4_repr *r = &c->rx;
	enum capnet_dhcp4_error why;
	if (capnet_dhcp4_parse(msg, len, r, &why) != CAPNET_OK) {
		count_parse_error(c, why);
		return;
	}
	if (r->op != CAPNET_BOOTREPLY || meta->src_port != CAPNET_DHCP4_SERVER_PORT || !awaiting_reply(c->state)) {
		COUNT(c, dhcp_rx_unexpected);
		return;
	}
	if (r->message_type == 0) {
		COUNT(c, dhcp_rx_not_dhcp);
		return;
	}
	if (r->xid != c->xid) {
		COUNT(c, dhcp_rx_bad_xid);
		return;
	}
	if (!capnet_mac_eq(r->chaddr, c->mac)) {
		COUNT(c, dhcp_rx_bad_chaddr);
		return;
	}
	bool selecting = c->state == CAPNET_DHCP4_SELECTING;
	if ((selecting && r->message_type != CAPNET_DHCP4_OFFER) ||
	    (!selecting && r->message_type != CAPNET_DHCP4_ACK && r->message_type != CAPNET_DHCP4_NAK)) {
		COUNT(c, dhcp_rx_unexpected);
		return;
	}
	if (selecting) {
		if (!(r->present & CAPNET_DHCP4_HAS_SERVER_ID)) {
			COUNT(c, dhcp_rx_no_server_id);
			return;
		}
		on_offer(c, r, now);
		return;
	}
	if (!right_server(c, r))
		return;
	if (r->message_type == CAPNET_DHCP4_NAK)
		on_nak(c, now);
	else
		on_ack(c, r, now);
}

static void on_readable(void *ctx, struct capnet_udp_socket *s, unsigned events, capnet_instant now)
{
	(void)events;
	struct capnet_dhcp4_client *c = ctx;
	for (;;) {
		size_t len;
		struct capnet_udp_meta meta;
		capnet_err e = capnet_udp_recv_from(s, c->rxbuf, sizeof c->rxbuf, &len, &meta);
		if (e == CAPNET_E_AGAIN)
			return;
		if (e != CAPNET_OK)
			continue; /* a pending ICMP error: nothing to do with it */
		on_message(c, c->rxbuf, len, &meta, now);
	}
}

/* ---- timers ---- */

static void retransmit(struct capnet_dhcp4_client *c, capnet_instant now)
{
	c->backoff = c->backoff * 2 < c->cfg.retransmit_max ? c->backoff * 2 : c->cfg.retransmit_max;
	c->next_tx = now + jittered(c, c->backoff);
	COUNT(c, dhcp_retransmits);
}

static void expire(struct capnet_dhcp4_client *c, capnet_instant now)
{
	COUNT(c, dhcp_lease_expired);
	drop_lease(c, now);
	enter_init(c, 0, now);
}

static void state_timer(struct capnet_dhcp4_client *c, capnet_instant now)
{
	switch (c->state) {
	case CAPNET_DHCP4_INIT:
		enter_selecting(c, now);
		break;
	case CAPNET_DHCP4_INIT_REBOOT:
		new_exchange(c, now);
		enter_requesting(c, CAPNET_DHCP4_REBOOTING, now);
		break;
	case CAPNET_DHCP4_SELECTING:
		send_discover(c, now);
		retransmit(c, now);
		break;
	case CAPNET_DHCP4_REQUESTING:
	case CAPNET_DHCP4_REBOOTING:
		if (c->tries >= c->cfg.request_tries) {
			/* RFC 2131 3.1 step 5 / 3.2 step 4: no answer, start over. */
			enter_init(c, 0, now);
			break;
		}
		c->tries++;
		send_request(c, now);
		retransmit(c, now);
		break;
	case CAPNET_DHCP4_CHECKING:
		checking_timer(c, now);
		break;
	case CAPNET_DHCP4_BOUND: /* T1 */
		new_exchange(c, now);
		c->request_at = now;
		c->state = CAPNET_DHCP4_RENEWING;
		send_request(c, now);
		c->next_tx = renew_retry(c, now, c->cur.t2);
		break;
	case CAPNET_DHCP4_RENEWING:
		if (now >= c->cur.t2) {
			new_exchange(c, now);
			c->request_at = now;
			c->state = CAPNET_DHCP4_REBINDING;
			send_request(c, now);
			c->next_tx = renew_retry(c, now, c->cur.expiry);
			break;
		}
		send_request(c, now);
		COUNT(c, dhcp_retransmits);
		c->next_tx = renew_retry(c, now, c->cur.t2);
		break;
	case CAPNET_DHCP4_REBINDING:
		if (now >= c->cur.expiry) {
			expire(c, now);
			break;
		}
		send_request(c, now);
		COUNT(c, dhcp_retransmits);
		c->next_tx = renew_retry(c, now, c->cur.expiry);
		break;
	default:
		c->next_tx = CAPNET_INSTANT_NEVER;
		break;
	}
}

static capnet_instant client_poll(void *ctx, struct capnet_iface *ifc, capnet_instant now)
{
	(void)ifc;
	struct capnet_dhcp4_client *c = ctx;
	if (c->state == CAPNET_DHCP4_STOPPED)
		return CAPNET_INSTANT_NEVER;
	/* A state's work may schedule more work at this same instant. */
	for (int guard = 0; guard < 8 && c->next_tx <= now; guard++)
		state_timer(c, now);
	if (capnet_acd_state(&c->acd) == CAPNET_ACD_ANNOUNCING) {
		if (c->state == CAPNET_DHCP4_BOUND)
			capnet_acd_poll(&c->acd, now);
		else
			capnet_acd_stop(&c->acd); /* renewing: the address is no longer new */
	}
	return capnet_instant_min(c->next_tx, announce_deadline(c));
}

/* ---- lifetime ---- */

capnet_err capnet_dhcp4_client_create(struct capnet_arena *arena, const struct capnet_dhcp4_client_config *cfg,
				      struct capnet_iface *ifc, struct capnet_udp_layer *udp,
				      struct capnet_ip4cfg *cfg_layers, struct capnet_dhcp4_client **out)
{
	*out = NULL;
	struct capnet_dhcp4_client_config def;
	if (!cfg) {
		capnet_dhcp4_client_config_defaults(&def);
		cfg = &def;
	}
	if (!ifc || !udp || !cfg_layers || cfg->retransmit_initial <= 0 ||
	    cfg->retransmit_max < cfg->retransmit_initial || cfg->retransmit_jitter < 0 ||
	    cfg->retransmit_jitter >= cfg->retransmit_initial || cfg->acd.probe_min > cfg->acd.probe_max ||
	    cfg->request_tries == 0 || cfg->renew_min <= 0)
		return CAPNET_E_INVAL;
	struct capnet_dhcp4_client *c = capnet_arena_alloc(arena, sizeof *c, _Alignof(max_align_t));
	if (!c)
		return CAPNET_E_NOMEM;
	c->cfg = *cfg;
	c->ifc = ifc;
	c->layers = cfg_layers;
	c->mac = capnet_iface_mac(ifc);
	c->default_client_id[0] = 1; /* RFC 2132 9.14: hardware type, then the address */
	memcpy(c->default_client_id + 1, c->mac.b, 6);
	c->next_tx = CAPNET_INSTANT_NEVER;
	capnet_err e = capnet_udp_open(udp, &c->sock);
	if (e != CAPNET_OK)
		return e;
	e = capnet_udp_bind(c->sock, 0, CAPNET_DHCP4_CLIENT_PORT);
	if (e != CAPNET_OK) {
		capnet_udp_close(c->sock);
		return e;
	}
	capnet_udp_set_option(c->sock, CAPNET_UDP_OPT_BROADCAST | CAPNET_UDP_OPT_UNCONFIGURED, true);
	capnet_udp_set_notify(c->sock, on_readable, c);
	capnet_acd_init(&c->acd, ifc, &cfg->acd, on_acd, c); /* cfg checked above */
	/* Its messages come through the UDP socket; the interface only has to
	 * run its timers. */
	c->timer.poll = client_poll;
	c->timer.ctx = c;
	capnet_iface_add_timer(ifc, &c->timer);
	*out = c;
	return CAPNET_OK;
}

capnet_err capnet_dhcp4_client_start(struct capnet_dhcp4_client *c, capnet_instant now)
{
	if (c->state != CAPNET_DHCP4_STOPPED)
		return CAPNET_E_STATE;
	c->naks = 0;
	capnet_duration wait = rand_between(c, 0, c->cfg.init_delay);
	if (c->cfg.reboot_addr) {
		c->state = CAPNET_DHCP4_INIT_REBOOT;
		c->offered = c->cfg.reboot_addr;
		c->next_tx = now + wait;
		if (wait == 0)
			state_timer(c, now);
		return CAPNET_OK;
	}
	enter_init(c, wait, now);
	return CAPNET_OK;
}

capnet_err capnet_dhcp4_client_release(struct capnet_dhcp4_client *c, capnet_instant now)
{
	capnet_err e = CAPNET_OK;
	bool leased = c->state == CAPNET_DHCP4_BOUND || c->state == CAPNET_DHCP4_RENEWING ||
		      c->state == CAPNET_DHCP4_REBINDING;
	if (leased)
		e = send_release(c, now);
	if (c->state == CAPNET_DHCP4_CHECKING)
		stop_checking(c);
	drop_lease(c, now);
	c->state = CAPNET_DHCP4_STOPPED;
	c->next_tx = CAPNET_INSTANT_NEVER;
	return e;
}

enum capnet_dhcp4_state capnet_dhcp4_client_state(const struct capnet_dhcp4_client *c)
{
	return c->state;
}

void capnet_dhcp4_client_lease(const struct capnet_dhcp4_client *c, capnet_instant now,
			       struct capnet_dhcp4_lease_info *out)
{
	memset(out, 0, sizeof *out);
	out->state = c->state;
	out->xid = c->xid;
	out->next_event = capnet_instant_min(c->next_tx, announce_deadline(c));
	out->has_lease = c->state == CAPNET_DHCP4_BOUND || c->state == CAPNET_DHCP4_RENEWING ||
			 c->state == CAPNET_DHCP4_REBINDING;
	if (!out->has_lease)
		return;
	out->addr = c->cur.addr;
	out->prefix_len = c->cur.prefix_len;
	out->server = c->cur.server;
	out->gateway = c->cur.gateway;
	out->lease_secs = c->cur.secs;
	out->infinite = c->cur.infinite;
	out->lease_start = c->cur.start;
	out->t1 = c->cur.t1;
	out->t2 = c->cur.t2;
	out->expiry = c->cur.expiry;
	out->remaining = c->cur.infinite ? CAPNET_INSTANT_NEVER : c->cur.expiry > now ? c->cur.expiry - now : 0;
}
