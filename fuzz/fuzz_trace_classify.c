/* Trace classification and capture: for any bytes, the header boundary
 * lies within the frame and within CAPNET_TRACE_HDR_MAX; a well-formed
 * classification depends on no byte past the boundary (the body is never
 * read); and a captured record holds exactly the frame's first
 * min(boundary, snaplen) bytes and zeros after them. The first input byte
 * picks the snaplen and direction filter; the rest is the frame. */
#include <string.h>

#include "capnet/iface.h"
#include "capnet/nic_null.h"
#include "capnet/trace.h"
#include "fuzz_assert.h"
#include "fuzz_iface.h"

static const struct capnet_mac our_mac = {{0x02, 0, 0, 0, 0, 0x0a}};

static const struct capnet_nic_ops null_ops = {capnet_nic_null_transmit, capnet_nic_null_receive, NULL};
static uint8_t arena_mem[256 * 1024];
static uint8_t flipped[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > sizeof flipped)
		return 0;
	uint8_t knob = data[0];
	const uint8_t *f = data + 1;
	size_t len = size - 1;

	struct capnet_trace_class c;
	size_t b = capnet_trace_classify(f, len, &c);
	FUZZ_CHECK(b <= len && b <= CAPNET_TRACE_HDR_MAX && b == c.header_len);
	FUZZ_CHECK(c.l4_off == 0 || (c.l3_off < c.l4_off && c.l4_off < b));
	FUZZ_CHECK((c.protos & ~(uint32_t)CAPNET_TRACE_P_ALL) == 0);
	if (!c.malformed) {
		/* Every byte past the boundary changed: the same answer. */
		memcpy(flipped, f, len);
		for (size_t i = b; i < len; i++)
			flipped[i] ^= 0xff;
		struct capnet_trace_class c2;
		FUZZ_CHECK(capnet_trace_classify(flipped, len, &c2) == b);
		FUZZ_CHECK(memcmp(&c, &c2, sizeof c) == 0);
	}

	struct fuzz_iface fi;
	fuzz_iface_open(&fi, &null_ops, our_mac, 1, arena_mem, sizeof arena_mem);
	struct capnet_iface *ifc = fi.ifc;
	struct capnet_trace_pool *pool;
	struct capnet_trace_pool_config pc = {1, 4};
	FUZZ_CHECK(capnet_trace_pool_create(&fi.a, &pc, &pool) == CAPNET_OK);
	struct capnet_trace_policy p;
	capnet_trace_policy_default(&p, 0, CAPNET_INSTANT_NEVER);
	p.capacity = 4;
	p.snaplen = 14 + (uint32_t)(knob & 0x7f) * 2; /* 14 .. 268: below and above every boundary */
	p.dir = (knob & 0x80) ? CAPNET_TRACE_DIR_RX : CAPNET_TRACE_DIR_BOTH;
	struct capnet_trace *t;
	FUZZ_CHECK(capnet_trace_open(pool, ifc, &p, NULL, 0, &t) == CAPNET_OK);
	capnet_iface_input(ifc, f, len, 1);
	struct capnet_trace_info info;
	capnet_trace_info(t, &info);
	FUZZ_CHECK(info.counters.admitted_after_expiry == 0);
	FUZZ_CHECK(info.counters.seen == info.counters.captured + info.counters.filtered + info.counters.dropped_full);
	for (uint32_t i = 0; i < info.records; i++) {
		struct capnet_trace_record r;
		FUZZ_CHECK(capnet_trace_record(t, i, &r) == CAPNET_OK);
		FUZZ_CHECK(r.caplen <= p.snaplen && r.caplen <= r.cls.header_len && r.caplen <= r.orig_len);
		if (r.dir == CAPNET_TRACE_DIR_RX) {
			FUZZ_CHECK(r.orig_len == len && r.caplen == (b < p.snaplen ? b : p.snaplen));
			FUZZ_CHECK(memcmp(r.data, f, r.caplen) == 0);
		}
		for (size_t k = r.caplen; k < sizeof r.data; k++)
			FUZZ_CHECK(r.data[k] == 0);
	}
	capnet_trace_close(t);
	FUZZ_CHECK(capnet_iface_trace(ifc) == NULL);
	return 0;
}
