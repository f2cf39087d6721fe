/* The frame describer: for any bytes, the summary stays within the frame
 * and names at most one refused layer, never one it also calls whole; with
 * whole headers, reading headers only depends on no byte past them; the
 * body-reading pass agrees on every header; each style's text is one
 * NUL-terminated line that a smaller buffer cuts, never changes; and a
 * trace record of the frame prints exactly as the frame does. */
#include <string.h>

#include "capnet/trace.h"
#include "capnet/wire/describe.h"
#include "fuzz_assert.h"

static uint8_t flipped[65536];

static void check_text(const struct capnet_frame_desc *d, enum capnet_describe_style style, char *full, size_t cap)
{
	size_t n = capnet_frame_desc_text(d, style, full, cap);
	FUZZ_CHECK(n < cap && full[n] == '\0' && strlen(full) == n);
	for (size_t small = 1; small < 24; small++) {
		char cut[24];
		size_t k = capnet_frame_desc_text(d, style, cut, small);
		FUZZ_CHECK(k == (n < small - 1 ? n : small - 1) && cut[k] == '\0' && memcmp(cut, full, k) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > sizeof flipped)
		return 0;
	struct capnet_frame_desc h, b;
	capnet_frame_describe(data, size, CAPNET_DESCRIBE_HEADERS, &h);
	capnet_frame_describe(data, size, CAPNET_DESCRIBE_BODY, &b);
	FUZZ_CHECK(h.len == size && h.header_len <= size);
	FUZZ_CHECK(h.l3_off <= h.header_len && h.l4_off <= size);
	FUZZ_CHECK((h.bad_layer & (h.bad_layer - 1)) == 0 && (h.bad_layer & h.layers) == 0);
	FUZZ_CHECK(h.bad_layer != 0 || size < 14 || (h.layers & CAPNET_DESC_ETH));
	FUZZ_CHECK((h.layers & CAPNET_DESC_DHCP4) == 0 && !h.l4_checksum_ok && !h.body_read && b.body_read);
	FUZZ_CHECK(h.tcp_nopts <= CAPNET_DESC_TCP_OPTS_MAX);
	/* the body pass adds only body verdicts */
	FUZZ_CHECK((b.layers & ~(uint32_t)CAPNET_DESC_DHCP4) == h.layers && b.bad_layer == h.bad_layer &&
		   b.header_len == h.header_len && b.body_len == h.body_len);
	if (h.bad_layer == 0) {
		memcpy(flipped, data, size);
		for (size_t i = h.header_len; i < size; i++)
			flipped[i] ^= 0xff;
		struct capnet_frame_desc h2;
		capnet_frame_describe(flipped, size, CAPNET_DESCRIBE_HEADERS, &h2);
		FUZZ_CHECK(memcmp(&h, &h2, sizeof h) == 0);
	}
	char trace[512], replay[512];
	check_text(&h, CAPNET_DESCRIBE_TRACE, trace, sizeof trace);
	check_text(&b, CAPNET_DESCRIBE_REPLAY, replay, sizeof replay);

	/* A trace record holding the whole headers prints as the frame. */
	static struct capnet_trace_record r;
	memset(&r, 0, sizeof r);
	size_t hl = capnet_trace_classify(data, size, &r.cls);
	FUZZ_CHECK(hl == h.header_len);
	r.orig_len = (uint32_t)size;
	r.caplen = (uint16_t)(hl < CAPNET_TRACE_HDR_MAX ? hl : CAPNET_TRACE_HDR_MAX);
	if (r.caplen != 0)
		memcpy(r.data, data, r.caplen);
	struct capnet_frame_desc rd;
	capnet_trace_record_desc(&r, &rd);
	char again[512];
	capnet_frame_desc_text(&rd, CAPNET_DESCRIBE_TRACE, again, sizeof again);
	FUZZ_CHECK(strcmp(again, trace) == 0);
	return 0;
}
