/* DNS messages: any input either parses (and then every record iterates,
 * every name is at most 253 characters, the question re-emits to a query
 * that parses back to the same name, case preserved) or is refused with a
 * named reason; never a crash, never a read past the input. */
#include <string.h>

#include "capnet/wire/dns.h"
#include "fuzz_assert.h"

static uint8_t out[600];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnet_dns_msg m;
	enum capnet_dns_error e = capnet_dns_parse(data, size, &m);
	FUZZ_CHECK((unsigned)e < CAPNET_DNS_ERR__COUNT);
	if (e != CAPNET_DNS_ERR_NONE)
		return 0;
	size_t idx = 0, off = m.rr_off, n = 0;
	struct capnet_dns_rr rr;
	enum capnet_dns_section sec;
	while (capnet_dns_rr_next(&m, &idx, &off, &rr, &sec)) {
		FUZZ_CHECK(strlen(rr.name) <= CAPNET_DNS_TEXT_NAME_MAX);
		FUZZ_CHECK(rr.rdata_off + rr.rdlength <= size);
		n++;
	}
	FUZZ_CHECK(n == (size_t)m.hdr.ancount + m.hdr.nscount + m.hdr.arcount && off == size);
	if (m.has_question && m.qname[0]) {
		size_t q = capnet_dns_query_emit(m.hdr.id, m.qname, m.qtype, 0, out, sizeof out);
		FUZZ_CHECK(q > 0);
		struct capnet_dns_msg again;
		FUZZ_CHECK(capnet_dns_parse(out, q, &again) == CAPNET_DNS_ERR_NONE);
		FUZZ_CHECK(strcmp(again.qname, m.qname) == 0 && again.qtype == m.qtype);
	}
	return 0;
}
