/* Ethernet: any frame that parses re-emits to exactly its header bytes. */
#include <string.h>

#include "capnet/wire/ethernet.h"
#include "fuzz_assert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnet_eth_view v;
	if (capnet_eth_view_check(&v, data, size) == CAPNET_OK) {
		struct capnet_mac d = capnet_eth_dst(&v), s = capnet_eth_src(&v);
		FUZZ_CHECK(memcmp(d.b, data, 6) == 0 && memcmp(s.b, data + 6, 6) == 0);
		(void)capnet_eth_outer_type(&v);
	}

	struct capnet_eth_repr r;
	enum capnet_eth_error why;
	capnet_err err = capnet_eth_parse(data, size, &r, &why);
	FUZZ_CHECK_REASON(err, why, CAPNET_ETH_ERR_NONE, capnet_eth_error_name);
	FUZZ_CHECK(capnet_eth_view_check(&v, data, size) == err); /* every reason is the view's */
	if (err != CAPNET_OK)
		return 0;
	FUZZ_CHECK(r.header_len <= size);
	FUZZ_CHECK(r.header_len == capnet_eth_emit_len(&r));

	uint8_t out[CAPNET_ETH_VLAN_HDR_LEN];
	size_t n = capnet_eth_emit(&r, out);
	FUZZ_CHECK(n == r.header_len);
	FUZZ_CHECK(memcmp(out, data, n) == 0);

	struct capnet_eth_repr again;
	FUZZ_CHECK(capnet_eth_parse(out, n, &again, NULL) == CAPNET_OK);
	FUZZ_CHECK(again.ethertype == r.ethertype && again.vlan == r.vlan && again.vlan_tci == r.vlan_tci);
	FUZZ_CHECK(again.header_len == r.header_len);
	return 0;
}
