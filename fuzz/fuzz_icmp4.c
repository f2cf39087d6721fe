/* ICMPv4: a message that parses re-emits to a message that parses to the
 * same fields; echo messages re-emit to the same bytes (checksum aside). */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/icmp4.h"
#include "fuzz_assert.h"

static uint8_t out[65536 + 8];

/* The quote of an error: what it reports lies inside the quote, and the
 * fixed header is read exactly when the reason says so. */
static void check_quote(const struct capnet_icmp4_repr *r)
{
	struct capnet_icmp4_quote q;
	enum capnet_icmp4_error why;
	capnet_err err = capnet_icmp4_quote_parse(r, &q, &why);
	FUZZ_CHECK_REASON(err, why, CAPNET_ICMP4_ERR_NONE, capnet_icmp4_error_name);
	bool echo = r->type == CAPNET_ICMP4_ECHO_REQUEST || r->type == CAPNET_ICMP4_ECHO_REPLY;
	FUZZ_CHECK(echo == (why == CAPNET_ICMP4_ERR_NOT_AN_ERROR));
	if (why == CAPNET_ICMP4_ERR_NOT_AN_ERROR || why == CAPNET_ICMP4_ERR_QUOTE_TRUNCATED ||
	    why == CAPNET_ICMP4_ERR_QUOTE_BAD_VERSION)
		return;
	FUZZ_CHECK(q.type == r->type && q.code == r->code && q.next_hop_mtu == r->next_hop_mtu);
	FUZZ_CHECK(q.src == capnet_get32(r->data + 12) && q.proto == r->data[9]);
	if (err != CAPNET_OK)
		return;
	FUZZ_CHECK(q.header_len >= 20 && q.header_len <= 60 && q.header_len <= r->data_len);
	bool tcp = q.proto == 6, udp = q.proto == 17;
	FUZZ_CHECK(q.has_ports == (tcp || udp) && q.has_seq == tcp);
	FUZZ_CHECK(!q.has_ports || q.header_len + (tcp ? 8u : 4u) <= r->data_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnet_icmp4_view v;
	if (capnet_icmp4_view_check(&v, data, size) == CAPNET_OK) {
		(void)capnet_icmp4_type(&v);
		(void)capnet_icmp4_code(&v);
		(void)capnet_icmp4_checksum(&v);
		(void)capnet_icmp4_ident(&v);
		(void)capnet_icmp4_seq(&v);
		(void)capnet_icmp4_checksum_ok(&v);
	}
	if (size > 65536)
		return 0;

	struct capnet_icmp4_repr r;
	enum capnet_icmp4_error why;
	capnet_err err = capnet_icmp4_parse(data, size, &r, &why);
	FUZZ_CHECK_REASON(err, why, CAPNET_ICMP4_ERR_NONE, capnet_icmp4_error_name);
	FUZZ_CHECK((capnet_icmp4_view_check(&v, data, size) == CAPNET_OK) == (why != CAPNET_ICMP4_ERR_TRUNCATED));
	if (err != CAPNET_OK)
		return 0;
	FUZZ_CHECK(r.data == data + 8 && r.data_len == size - 8);
	check_quote(&r);

	size_t n = capnet_icmp4_emit(&r, out);
	FUZZ_CHECK(n == size && n == capnet_icmp4_emit_len(&r));

	struct capnet_icmp4_repr again;
	FUZZ_CHECK(capnet_icmp4_parse(out, n, &again, NULL) == CAPNET_OK);
	FUZZ_CHECK(again.type == r.type && again.code == r.code && again.ident == r.ident && again.seq == r.seq);
	FUZZ_CHECK(again.next_hop_mtu == r.next_hop_mtu && again.data_len == r.data_len);
	FUZZ_CHECK(memcmp(again.data, r.data, r.data_len) == 0);
	if (r.type == CAPNET_ICMP4_ECHO_REQUEST || r.type == CAPNET_ICMP4_ECHO_REPLY) {
		FUZZ_CHECK(memcmp(out, data, 2) == 0);
		FUZZ_CHECK(memcmp(out + 4, data + 4, n - 4) == 0);
	}

	/* In place, as a responder turns a request into a reply. */
	memcpy(out, data, size);
	FUZZ_CHECK(capnet_icmp4_parse(out, size, &r, NULL) == CAPNET_OK);
	FUZZ_CHECK(capnet_icmp4_emit(&r, out) == size);
	FUZZ_CHECK(capnet_icmp4_parse(out, size, &again, NULL) == CAPNET_OK);
	return 0;
}
