/* UDP over IPv4 (pseudo-header 192.168.1.10 -> 8.8.8.8, as the seeds): a
 * datagram that parses re-emits to a datagram that parses to the same
 * fields; with a checksum present the bytes are identical. */
#include <string.h>

#include "capnet/wire/udp.h"
#include "fuzz_assert.h"

#define SRC CAPNET_IP4(192, 168, 1, 10)
#define DST CAPNET_IP4(8, 8, 8, 8)

static uint8_t out[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnet_udp_view v;
	if (capnet_udp_view_check(&v, data, size) == CAPNET_OK) {
		FUZZ_CHECK(v.len >= 8 && v.len <= size && v.len == capnet_udp_length(&v));
		(void)capnet_udp_src_port(&v);
		(void)capnet_udp_dst_port(&v);
		(void)capnet_udp_checksum(&v);
	}

	struct capnet_udp_repr r;
	enum capnet_udp_error why;
	capnet_err err = capnet_udp_parse4(data, size, SRC, DST, &r, &why);
	FUZZ_CHECK_REASON(err, why, CAPNET_UDP_ERR_NONE, capnet_udp_error_name);
	/* The view refuses for the same reasons, the checksum aside. */
	FUZZ_CHECK(capnet_udp_view_check(&v, data, size) == (why == CAPNET_UDP_ERR_BAD_CHECKSUM ? CAPNET_OK : err));
	if (err != CAPNET_OK)
		return 0;
	FUZZ_CHECK(r.payload == data + 8 && 8 + r.payload_len <= size);

	size_t n = capnet_udp_emit4(&r, out, SRC, DST);
	FUZZ_CHECK(n == 8 + r.payload_len && n == capnet_udp_emit_len(&r));

	struct capnet_udp_repr again;
	FUZZ_CHECK(capnet_udp_parse4(out, n, SRC, DST, &again, NULL) == CAPNET_OK);
	FUZZ_CHECK(!again.checksum_absent);
	FUZZ_CHECK(again.src_port == r.src_port && again.dst_port == r.dst_port);
	FUZZ_CHECK(again.payload_len == r.payload_len && memcmp(again.payload, r.payload, r.payload_len) == 0);
	if (!r.checksum_absent)
		FUZZ_CHECK(memcmp(out, data, n) == 0);
	return 0;
}
