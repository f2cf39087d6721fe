/* ICMPv6: the first 32 bytes are the source and destination of the
 * pseudo-header, the rest the message. A message that parses re-emits to
 * one that parses to the same fields (NDP types through their own codec);
 * a quote reports only what lies inside it. */
#include <string.h>

#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ndp.h"
#include "fuzz_assert.h"

static uint8_t out[65536 + 8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 32 || size > 65536)
		return 0;
	struct capnet_ip6addr s, d;
	memcpy(s.b, data, 16);
	memcpy(d.b, data + 16, 16);
	const uint8_t *m = data + 32;
	size_t len = size - 32;
	struct capnet_icmp6_repr r;
	enum capnet_icmp6_error why;
	capnet_err err = capnet_icmp6_parse(m, len, &s, &d, &r, &why);
	FUZZ_CHECK_REASON(err, why, CAPNET_ICMP6_ERR_NONE, capnet_icmp6_error_name);
	if (err != CAPNET_OK)
		return 0;
	FUZZ_CHECK(r.data >= m && r.data + r.data_len == m + len);
	struct capnet_icmp6_quote q;
	err = capnet_icmp6_quote_parse(&r, &q, &why);
	FUZZ_CHECK_REASON(err, why, CAPNET_ICMP6_ERR_NONE, capnet_icmp6_error_name);
	FUZZ_CHECK(capnet_icmp6_is_error(r.type) == (why != CAPNET_ICMP6_ERR_NOT_AN_ERROR));
	if (r.type >= 133 && r.type <= 137)
		return 0; /* the NDP codec's (fuzz_ndp) */
	size_t n = capnet_icmp6_emit(&r, &s, &d, out);
	FUZZ_CHECK(n == len && n == capnet_icmp6_emit_len(&r));
	struct capnet_icmp6_repr again;
	FUZZ_CHECK(capnet_icmp6_parse(out, n, &s, &d, &again, NULL) == CAPNET_OK);
	FUZZ_CHECK(again.type == r.type && again.code == r.code && again.ident == r.ident && again.seq == r.seq);
	FUZZ_CHECK(again.mtu == r.mtu && again.pointer == r.pointer && again.data_len == r.data_len);
	FUZZ_CHECK(memcmp(again.data, r.data, r.data_len) == 0);
	return 0;
}
