/* ARP: any packet that parses re-emits to exactly its first 28 bytes. */
#include <string.h>

#include "capnet/wire/arp.h"
#include "fuzz_assert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnet_arp_view v;
	if (capnet_arp_view_check(&v, data, size) == CAPNET_OK) {
		(void)capnet_arp_htype(&v);
		(void)capnet_arp_ptype(&v);
		(void)capnet_arp_oper(&v);
	}

	struct capnet_arp_repr r;
	enum capnet_arp_error why;
	capnet_err err = capnet_arp_parse(data, size, &r, &why);
	FUZZ_CHECK_REASON(err, why, CAPNET_ARP_ERR_NONE, capnet_arp_error_name);
	FUZZ_CHECK((capnet_arp_view_check(&v, data, size) == CAPNET_OK) == (why != CAPNET_ARP_ERR_TRUNCATED));
	if (err != CAPNET_OK)
		return 0;
	FUZZ_CHECK(r.oper == CAPNET_ARP_REQUEST || r.oper == CAPNET_ARP_REPLY);

	uint8_t out[CAPNET_ARP_LEN];
	FUZZ_CHECK(capnet_arp_emit_len(&r) == sizeof out);
	FUZZ_CHECK(capnet_arp_emit(&r, out) == sizeof out);
	FUZZ_CHECK(memcmp(out, data, sizeof out) == 0);

	struct capnet_arp_repr again;
	FUZZ_CHECK(capnet_arp_parse(out, sizeof out, &again, NULL) == CAPNET_OK);
	FUZZ_CHECK(again.oper == r.oper && again.spa == r.spa && again.tpa == r.tpa);
	FUZZ_CHECK(capnet_mac_eq(again.sha, r.sha) && capnet_mac_eq(again.tha, r.tha));
	return 0;
}
