/* TCP over IPv4 (pseudo-header 192.0.2.1 <-> 198.51.100.7, as the seeds).
 * The input is parsed twice: as given (the checksum usually refuses it),
 * and with its checksum field corrected, so the option walker sees every
 * mutation. A segment that parses re-emits to one that parses to the same
 * fields; SACK blocks may be left off when the re-emitted layout (with its
 * alignment NOPs) no longer fits 40 bytes, never reordered or changed. */
#include <string.h>

#include "capnet/wire/checksum.h"
#include "capnet/wire/tcp.h"
#include "fuzz_assert.h"

#define SRC CAPNET_IP4(192, 0, 2, 1)
#define DST CAPNET_IP4(198, 51, 100, 7)
#define PROTO_TCP 6

static uint8_t fixed[65536];
static uint8_t out[65536 + CAPNET_TCP_HDR_MAX];

static uint32_t pseudo(size_t len)
{
	return capnet_csum_pseudo4(SRC, DST, PROTO_TCP, (uint16_t)len);
}

static void check_view(const uint8_t *data, size_t size)
{
	struct capnet_tcp_view v;
	if (capnet_tcp_view_check(&v, data, size) != CAPNET_OK)
		return;
	size_t hl = capnet_tcp_header_len(&v);
	FUZZ_CHECK(hl >= CAPNET_TCP_HDR_LEN && hl <= CAPNET_TCP_HDR_MAX && hl <= size && v.len == size);
	(void)capnet_tcp_src_port(&v);
	(void)capnet_tcp_dst_port(&v);
	(void)capnet_tcp_seq(&v);
	(void)capnet_tcp_ack(&v);
	(void)capnet_tcp_flags(&v);
	(void)capnet_tcp_window(&v);
	(void)capnet_tcp_checksum(&v);
	(void)capnet_tcp_urgent(&v);
}

static void check_options_equal(const struct capnet_tcp_options *a, const struct capnet_tcp_options *b)
{
	FUZZ_CHECK(a->has_mss == b->has_mss && (!a->has_mss || a->mss == b->mss));
	FUZZ_CHECK(a->has_wscale == b->has_wscale && (!a->has_wscale || a->wscale == b->wscale));
	FUZZ_CHECK(a->sack_permitted == b->sack_permitted);
	FUZZ_CHECK(a->has_timestamp == b->has_timestamp);
	FUZZ_CHECK(!a->has_timestamp || (a->ts_val == b->ts_val && a->ts_ecr == b->ts_ecr));
	FUZZ_CHECK(b->sack_count <= a->sack_count && a->sack_count <= CAPNET_TCP_MAX_SACK_BLOCKS);
	for (size_t i = 0; i < b->sack_count; i++)
		FUZZ_CHECK(a->sack[i].left == b->sack[i].left && a->sack[i].right == b->sack[i].right);
}

static void round_trip(const uint8_t *data, size_t size)
{
	struct capnet_tcp_repr r;
	enum capnet_tcp_error why;
	capnet_err err = capnet_tcp_parse(data, size, pseudo(size), &r, &why);
	FUZZ_CHECK_REASON(err, why, CAPNET_TCP_ERR_NONE, capnet_tcp_error_name);
	/* The view refuses for the same reasons; checksum and options are the
	 * parse's own. */
	struct capnet_tcp_view v;
	bool view_ok = why == CAPNET_TCP_ERR_NONE || why == CAPNET_TCP_ERR_BAD_CHECKSUM || why == CAPNET_TCP_ERR_BAD_OPTION;
	FUZZ_CHECK(capnet_tcp_view_check(&v, data, size) == (view_ok ? CAPNET_OK : err));
	if (err != CAPNET_OK)
		return;
	FUZZ_CHECK(r.payload >= data + CAPNET_TCP_HDR_LEN && r.payload + r.payload_len == data + size);

	size_t olen = capnet_tcp_options_len(&r.opt);
	FUZZ_CHECK(olen % 4 == 0 && olen <= CAPNET_TCP_HDR_MAX - CAPNET_TCP_HDR_LEN);
	size_t want = capnet_tcp_emit_len(&r);
	FUZZ_CHECK(want == CAPNET_TCP_HDR_LEN + olen + r.payload_len);
	if (want > 0xffff)
		return; /* would not fit the IPv4 pseudo-header's length */
	size_t n = capnet_tcp_emit(&r, out, pseudo(want));
	FUZZ_CHECK(n == want);

	struct capnet_tcp_repr again;
	FUZZ_CHECK(capnet_tcp_parse(out, n, pseudo(n), &again, NULL) == CAPNET_OK);
	FUZZ_CHECK(again.src_port == r.src_port && again.dst_port == r.dst_port);
	FUZZ_CHECK(again.seq == r.seq && again.ack == r.ack && again.flags == r.flags);
	FUZZ_CHECK(again.window == r.window && again.urgent == r.urgent);
	check_options_equal(&r.opt, &again.opt);
	FUZZ_CHECK(again.payload_len == r.payload_len && memcmp(again.payload, r.payload, r.payload_len) == 0);

	/* Emitting what was re-parsed is a fixed point: byte-identical. */
	static uint8_t out2[sizeof out];
	FUZZ_CHECK(capnet_tcp_emit(&again, out2, pseudo(n)) == n && memcmp(out, out2, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capnet_tcp_options o;
	/* The raw bytes as an option area, too (it takes any length). */
	if (capnet_tcp_options_parse(data, size, &o) == CAPNET_OK)
		FUZZ_CHECK(o.sack_count <= CAPNET_TCP_MAX_SACK_BLOCKS);

	if (size > sizeof fixed)
		return 0;
	check_view(data, size);
	round_trip(data, size);

	/* Correct the checksum: the result may still be refused, but never
	 * for its checksum. */
	if (size < CAPNET_TCP_HDR_LEN)
		return 0;
	memcpy(fixed, data, size);
	fixed[CAPNET_TCP_CHECKSUM] = 0;
	fixed[CAPNET_TCP_CHECKSUM + 1] = 0;
	uint16_t c = capnet_csum_finish(capnet_csum_partial(fixed, size, pseudo(size)));
	fixed[CAPNET_TCP_CHECKSUM] = (uint8_t)(c >> 8);
	fixed[CAPNET_TCP_CHECKSUM + 1] = (uint8_t)c;
	struct capnet_tcp_repr r;
	enum capnet_tcp_error why;
	FUZZ_CHECK(capnet_tcp_parse(fixed, size, pseudo(size), &r, &why) != CAPNET_E_CHECKSUM);
	FUZZ_CHECK(why != CAPNET_TCP_ERR_BAD_CHECKSUM);
	round_trip(fixed, size);
	return 0;
}
