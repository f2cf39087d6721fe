/* IPv4 configuration layers: the static (operator) layer and the DHCP
 * (lease) layer, merged value by value into the effective configuration the
 * interface runs with, each value tagged with where it came from.
 *
 * Precedence: a value the static layer sets wins over the DHCP layer's;
 * what the static layer leaves unset (zero / empty) comes from the lease.
 * The values are: address + prefix (one value), gateway, each route (by
 * destination/prefix), the DNS server list, the domain name and the search
 * list (each list as a whole). A lease ending clears its layer and the
 * merge publishes what remains -- with neither layer set, the explicit zero
 * state: no address, no routes, no resolver inputs. Routes and a gateway
 * are only installed while there is an address (fail closed).
 *
 * DNS servers, the domain and the search list are resolver inputs
 * (capnet/resolver.h): merged here with their provenance for the resolver,
 * and not part of the interface configuration (capnet_ip4cfg_get does not
 * carry them). */
#ifndef CAPNET_IP4_CONFIG_H
#define CAPNET_IP4_CONFIG_H

#include "capnet/arena.h"
#include "capnet/err.h"
#include "capnet/iface.h"
#include "capnet/resolver.h"
#include "capnet/types.h"

#define CAPNET_IP4CFG_MAX_ROUTES 8
#define CAPNET_IP4CFG_MAX_DNS CAPNET_RESOLVER_MAX_SERVERS
#define CAPNET_IP4CFG_MAX_SEARCH CAPNET_RESOLVER_MAX_SEARCH
#define CAPNET_IP4CFG_NAME_MAX CAPNET_DNS_NAME_MAX

/* What one source says; zero/empty means "says nothing". */
struct capnet_ip4cfg_layer {
	capnet_ip4addr addr;
	uint8_t prefix_len;
	capnet_ip4addr gateway;
	uint8_t n_routes;
	struct capnet_ip4_route routes[CAPNET_IP4CFG_MAX_ROUTES]; /* provenance ignored: the layer's */
	uint16_t mtu; /* the MTU to send with (DHCP option 26); 0: the NIC's */
	uint8_t n_dns;
	capnet_ip4addr dns[CAPNET_IP4CFG_MAX_DNS];
	char domain[CAPNET_IP4CFG_NAME_MAX + 1];
	uint8_t n_search;
	char search[CAPNET_IP4CFG_MAX_SEARCH][CAPNET_IP4CFG_NAME_MAX + 1];
};

/* The effective interface configuration (what getConfig reports). */
struct capnet_ip4cfg_view {
	bool configured; /* an address is installed */
	capnet_ip4addr addr;
	uint8_t prefix_len;
	enum capnet_provenance addr_provenance;
	capnet_ip4addr gateway;
	enum capnet_provenance gateway_provenance;
	uint8_t n_routes; /* beyond the connected and default routes */
	struct capnet_ip4_route routes[2 * CAPNET_IP4CFG_MAX_ROUTES];
	uint16_t mtu;     /* the MTU IPv4 sends with */
	enum capnet_mtu_source mtu_source;
};

struct capnet_ip4cfg;

size_t capnet_ip4cfg_arena_need(void);
capnet_err capnet_ip4cfg_create(struct capnet_arena *arena, struct capnet_iface *ifc, struct capnet_ip4cfg **out);

/* The layer of CAPNET_PROV_STATIC or CAPNET_PROV_DHCP, to edit in place;
 * NULL for any other provenance. Nothing changes until commit. */
struct capnet_ip4cfg_layer *capnet_ip4cfg_layer(struct capnet_ip4cfg *c, enum capnet_provenance p);
/* Merges the layers and publishes the result into the interface (address,
 * connected and default routes, extra routes) when it changed. E_INVAL for
 * a layer with prefix_len > 32 or an address with prefix 0; E_NOMEM when the
 * interface's route table is full. */
capnet_err capnet_ip4cfg_commit(struct capnet_ip4cfg *c, capnet_instant now);
/* Empties one layer and commits. */
capnet_err capnet_ip4cfg_clear(struct capnet_ip4cfg *c, enum capnet_provenance p, capnet_instant now);

/* getConfig: the effective configuration with per-value provenance. */
void capnet_ip4cfg_get(const struct capnet_ip4cfg *c, struct capnet_ip4cfg_view *out);
/* The resolver inputs this IPv4 configuration feeds (servers as IPv4
 * capnet_ipaddr). */
const struct capnet_resolver_inputs *capnet_ip4cfg_resolver(const struct capnet_ip4cfg *c);

#endif
