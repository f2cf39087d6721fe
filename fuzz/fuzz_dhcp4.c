/* DHCPv4 codec: a message that parses re-emits to a message that parses to
 * the same fields (emit never overloads, so `file`/`sname` may differ);
 * option 119 always decodes once the message parsed; and any buffer fed to
 * the search-list decoder either fails or yields names that encode and
 * decode back to themselves. */
#include <string.h>

#include "capnet/wire/dhcp4.h"
#include "fuzz_assert.h"

static uint8_t out[4096];
static struct capnet_dhcp4_repr r, again;
static struct capnet_dhcp4_search names, names2;

static void same_bytes(const struct capnet_dhcp4_bytes *a, const struct capnet_dhcp4_bytes *b)
{
	FUZZ_CHECK(a->len == b->len);
	FUZZ_CHECK(a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static void check_search_round_trip(const uint8_t *raw, size_t len)
{
	if (capnet_dhcp4_search_decode(raw, len, &names) != CAPNET_OK)
		return;
	FUZZ_CHECK(names.count >= 1 && names.count <= CAPNET_DHCP4_SEARCH_NAMES);
	const char *p[CAPNET_DHCP4_SEARCH_NAMES];
	for (uint8_t i = 0; i < names.count; i++) {
		FUZZ_CHECK(strlen(names.name[i]) <= CAPNET_DNS_NAME_MAX);
		p[i] = names.name[i];
	}
	static uint8_t enc[CAPNET_DHCP4_SEARCH_NAMES * 260];
	size_t n = 0;
	FUZZ_CHECK(capnet_dhcp4_search_encode(p, names.count, enc, sizeof enc, &n) == CAPNET_OK);
	FUZZ_CHECK(capnet_dhcp4_search_decode(enc, n, &names2) == CAPNET_OK);
	FUZZ_CHECK(names2.count == names.count);
	for (uint8_t i = 0; i < names.count; i++)
		FUZZ_CHECK(strcmp(names.name[i], names2.name[i]) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_search_round_trip(data, size);

	struct capnet_dhcp4_view v;
	if (capnet_dhcp4_view_check(&v, data, size) == CAPNET_OK) {
		(void)capnet_dhcp4_xid(&v);
		(void)capnet_dhcp4_chaddr(&v);
		(void)capnet_dhcp4_cookie(&v);
	}
	enum capnet_dhcp4_error why = CAPNET_DHCP4_ERR_NONE;
	capnet_err e = capnet_dhcp4_parse(data, size, &r, &why);
	FUZZ_CHECK((e == CAPNET_OK) == (why == CAPNET_DHCP4_ERR_NONE));
	if (e != CAPNET_OK)
		return 0;
	FUZZ_CHECK(r.op == 1 || r.op == 2);
	FUZZ_CHECK(r.n_routers <= CAPNET_DHCP4_MAX_ADDRS && r.n_dns <= CAPNET_DHCP4_MAX_ADDRS);
	FUZZ_CHECK(r.n_routes <= CAPNET_DHCP4_MAX_ROUTES && r.search_len <= CAPNET_DHCP4_SEARCH_MAX);
	if (r.search_len)
		FUZZ_CHECK(capnet_dhcp4_search_decode(r.search, r.search_len, &names) == CAPNET_OK);
	for (uint8_t i = 0; i < r.n_routes; i++)
		FUZZ_CHECK(r.routes[i].prefix_len <= 32 &&
			   (r.routes[i].dest & ~capnet_ip4_mask(r.routes[i].prefix_len)) == 0);

	size_t n = capnet_dhcp4_emit_len(&r);
	FUZZ_CHECK(n >= CAPNET_DHCP4_MIN_LEN && n <= sizeof out);
	FUZZ_CHECK(capnet_dhcp4_emit(&r, out) == n);
	FUZZ_CHECK(capnet_dhcp4_parse(out, n, &again, NULL) == CAPNET_OK);
	FUZZ_CHECK(again.op == r.op && again.hops == r.hops && again.xid == r.xid && again.secs == r.secs &&
		   again.flags == r.flags);
	FUZZ_CHECK(again.ciaddr == r.ciaddr && again.yiaddr == r.yiaddr && again.siaddr == r.siaddr &&
		   again.giaddr == r.giaddr && capnet_mac_eq(again.chaddr, r.chaddr));
	FUZZ_CHECK(again.message_type == r.message_type && again.present == r.present && again.overload == 0);
	FUZZ_CHECK(again.subnet_mask == r.subnet_mask && again.broadcast_addr == r.broadcast_addr &&
		   again.requested_ip == r.requested_ip && again.server_id == r.server_id &&
		   again.lease_time == r.lease_time && again.t1 == r.t1 && again.t2 == r.t2 &&
		   again.max_msg_size == r.max_msg_size);
	FUZZ_CHECK(again.n_routers == r.n_routers && memcmp(again.routers, r.routers, sizeof r.routers[0] * r.n_routers) == 0);
	FUZZ_CHECK(again.n_dns == r.n_dns && memcmp(again.dns, r.dns, sizeof r.dns[0] * r.n_dns) == 0);
	same_bytes(&again.hostname, &r.hostname);
	same_bytes(&again.domain_name, &r.domain_name);
	same_bytes(&again.param_request, &r.param_request);
	same_bytes(&again.client_id, &r.client_id);
	FUZZ_CHECK(again.search_len == r.search_len && memcmp(again.search, r.search, r.search_len) == 0);
	FUZZ_CHECK(again.n_routes == r.n_routes);
	for (uint8_t i = 0; i < r.n_routes; i++)
		FUZZ_CHECK(again.routes[i].dest == r.routes[i].dest && again.routes[i].prefix_len == r.routes[i].prefix_len &&
			   again.routes[i].gateway == r.routes[i].gateway);
	if (r.sname && r.file && r.overload == 0)
		FUZZ_CHECK(memcmp(out + CAPNET_DHCP4_SNAME, data + CAPNET_DHCP4_SNAME, 64 + 128) == 0);
	return 0;
}
