/* IPv6: a header that parses re-emits to the same 40 bytes; the extension
 * walk stays inside the datagram and within its bounds whatever the chain. */
#include <string.h>

#include "capnet/wire/ipv6.h"
#include "fuzz_assert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnet_ip6_repr r;
	enum capnet_ip6_error why;
	capnet_err err = capnet_ip6_parse(data, size, &r, &why);
	FUZZ_CHECK_REASON(err, why, CAPNET_IP6_ERR_NONE, capnet_ip6_error_name);
	if (err != CAPNET_OK)
		return 0;
	FUZZ_CHECK(40 + r.payload_len <= size);
	uint8_t out[40];
	FUZZ_CHECK(capnet_ip6_emit(&r, out) == 40);
	FUZZ_CHECK(memcmp(out, data, 40) == 0);

	size_t len = 40 + r.payload_len;
	struct capnet_ip6_ext x;
	err = capnet_ip6_ext_walk(data, len, &x, &why);
	FUZZ_CHECK_REASON(err, why, CAPNET_IP6_ERR_NONE, capnet_ip6_error_name);
	FUZZ_CHECK(x.count <= CAPNET_IP6_EXT_MAX_COUNT);
	if (err == CAPNET_OK) {
		FUZZ_CHECK(x.offset >= 40 && x.offset <= len);
		FUZZ_CHECK(x.offset - 40 <= CAPNET_IP6_EXT_MAX_BYTES);
		FUZZ_CHECK(x.nh_offset < x.offset);
		FUZZ_CHECK(data[x.nh_offset] == x.proto);
		FUZZ_CHECK(!x.fragment || x.atomic_fragment || x.proto == CAPNET_IP6_NH_FRAGMENT);
	} else if (x.pp_code != 0xff) {
		FUZZ_CHECK(x.pp_code <= 2 && x.pp_pointer < len);
	}
	return 0;
}
