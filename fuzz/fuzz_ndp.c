/* NDP: the first byte is the ICMPv6 type, the rest the body after the
 * checksum. A message that parses re-emits (the options it keeps) to one
 * that parses to the same fields. */
#include <string.h>

#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ndp.h"
#include "fuzz_assert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct capnet_ndp_repr nd;
	enum capnet_ndp_error why;
	capnet_err err = capnet_ndp_parse(data[0], data + 1, size - 1, &nd, &why);
	FUZZ_CHECK_REASON(err, why, CAPNET_NDP_ERR_NONE, capnet_ndp_error_name);
	if (err != CAPNET_OK)
		return 0;
	FUZZ_CHECK(nd.nprefix <= CAPNET_NDP_PREFIX_MAX && nd.nrdnss <= CAPNET_NDP_RDNSS_MAX);
	static const struct capnet_ip6addr s = {{0xfe, 0x80, [15] = 1}}, d = {{0xff, 0x02, [15] = 1}};
	uint8_t out[512];
	size_t n = capnet_ndp_emit(&nd, &s, &d, out);
	FUZZ_CHECK(n == capnet_ndp_emit_len(&nd) && n <= sizeof out);
	struct capnet_icmp6_repr m;
	FUZZ_CHECK(capnet_icmp6_parse(out, n, &s, &d, &m, NULL) == CAPNET_OK);
	struct capnet_ndp_repr again;
	FUZZ_CHECK(capnet_ndp_parse(m.type, m.data, m.data_len, &again, NULL) == CAPNET_OK);
	FUZZ_CHECK(again.type == nd.type && again.nprefix == nd.nprefix && again.nrdnss == nd.nrdnss);
	FUZZ_CHECK(again.has_slla == nd.has_slla && again.has_tlla == nd.has_tlla && again.has_mtu == nd.has_mtu);
	FUZZ_CHECK(again.router_lifetime == nd.router_lifetime && again.solicited == nd.solicited);
	FUZZ_CHECK(memcmp(again.target.b, nd.target.b, 16) == 0);
	return 0;
}
