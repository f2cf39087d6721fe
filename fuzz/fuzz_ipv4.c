/* IPv4: a datagram that parses re-emits (20-byte header + the payload) to a
 * datagram that parses to the same fields; without options or fragment
 * bits the bytes are identical (the checksum field aside: 0x0000 and
 * 0xffff are both valid for a header summing to 0xffff). */
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/ipv4.h"
#include "fuzz_assert.h"

static uint8_t out[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnet_ip4_view v;
	if (capnet_ip4_view_check(&v, data, size) == CAPNET_OK) {
		FUZZ_CHECK(v.len <= size);
		FUZZ_CHECK(capnet_ip4_header_len(&v) >= 20 && capnet_ip4_header_len(&v) <= v.len);
		FUZZ_CHECK(capnet_ip4_total_len(&v) == v.len);
		FUZZ_CHECK(capnet_ip4_version(&v) == 4);
		(void)capnet_ip4_ident(&v);
		(void)capnet_ip4_is_fragment(&v);
		(void)capnet_ip4_ttl(&v);
		(void)capnet_ip4_proto(&v);
		(void)capnet_ip4_checksum(&v);
		(void)capnet_ip4_src(&v);
		(void)capnet_ip4_dst(&v);
		(void)capnet_ip4_checksum_ok(&v);
	}

	struct capnet_ip4_repr r;
	enum capnet_ip4_error why;
	capnet_err err = capnet_ip4_parse(data, size, &r, &why);
	FUZZ_CHECK_REASON(err, why, CAPNET_IP4_ERR_NONE, capnet_ip4_error_name);
	/* The view refuses for the same reasons, the checksum aside. */
	FUZZ_CHECK(capnet_ip4_view_check(&v, data, size) == (why == CAPNET_IP4_ERR_BAD_CHECKSUM ? CAPNET_OK : err));
	if (err != CAPNET_OK)
		return 0;
	FUZZ_CHECK(r.header_len >= 20 && r.header_len <= 60);
	FUZZ_CHECK(r.header_len + r.payload_len <= size);

	size_t n = capnet_ip4_emit(&r, out);
	FUZZ_CHECK(n == 20 && n == capnet_ip4_emit_len(&r));
	memcpy(out + n, data + r.header_len, r.payload_len);

	struct capnet_ip4_repr again;
	FUZZ_CHECK(capnet_ip4_parse(out, n + r.payload_len, &again, NULL) == CAPNET_OK);
	FUZZ_CHECK(again.src == r.src && again.dst == r.dst && again.proto == r.proto);
	FUZZ_CHECK(again.ttl == r.ttl && again.tos == r.tos && again.ident == r.ident);
	FUZZ_CHECK(again.dont_fragment == r.dont_fragment);
	FUZZ_CHECK(!again.more_fragments && again.frag_offset == 0 && again.header_len == 20);
	FUZZ_CHECK(again.payload_len == r.payload_len);

	uint16_t ff = capnet_get16(data + CAPNET_IP4_FLAGS_FRAG);
	if (r.header_len == 20 && (ff & ~CAPNET_IP4_FLAG_DF) == 0) {
		FUZZ_CHECK(memcmp(out, data, CAPNET_IP4_CHECKSUM) == 0);
		FUZZ_CHECK(memcmp(out + 12, data + 12, 8 + r.payload_len) == 0);
	}
	return 0;
}
