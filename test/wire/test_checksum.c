/* The Internet checksum against RFC 1071's worked example, a plain 16-bit
 * reference loop (every length 0..200 at every alignment), RFC 1624
 * incremental updates and the pseudo-headers; the copy-and-checksum and
 * the sum of a region taken in pieces at any offset. */
#include <stdbool.h>
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "check_main.h"

/* Deterministic test randomness (splitmix64), independent of the library. */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* RFC 1071 section 4.1, written the obvious way: big-endian 16-bit words,
 * 32-bit accumulator, odd byte padded with zero, carries folded. */
static uint16_t ref_partial(const uint8_t *p, size_t len, uint32_t initial)
{
	uint64_t sum = initial;
	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len > 0)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

START_TEST(test_rfc1071_example)
{
	/* RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2. */
	static const uint8_t ex[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	ck_assert_uint_eq(capnet_csum_partial(ex, sizeof ex, 0), 0xddf2);
	ck_assert_uint_eq(capnet_csum(ex, sizeof ex), 0x220d);
	ck_assert_uint_eq(capnet_csum_finish(0xddf2), 0x220d);
}
END_TEST

START_TEST(test_known_ipv4_header)
{
	/* A UDP datagram header 192.168.0.1 -> 192.168.0.199: checksum b861. */
	uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	ck_assert_uint_eq(capnet_csum(h, sizeof h), 0xb861);
	capnet_put16(h + 10, 0xb861);
	ck_assert_uint_eq(capnet_csum(h, sizeof h), 0);
}
END_TEST

START_TEST(test_empty_and_odd_padding)
{
	static const uint8_t one[1] = {0xab};
	static const uint8_t three[3] = {0x12, 0x34, 0x56};
	ck_assert_uint_eq(capnet_csum_partial(one, 0, 0), 0);
	ck_assert_uint_eq(capnet_csum(one, 0), 0xffff);
	ck_assert_uint_eq(capnet_csum_partial(one, 1, 0), 0xab00);
	ck_assert_uint_eq(capnet_csum_partial(three, 3, 0), 0x1234 + 0x5600);
	ck_assert_uint_eq(capnet_csum_partial(one, 0, 0x1234), 0x1234);
	ck_assert_uint_eq(capnet_csum_partial(one, 0, 0x12345), 0x2346); /* initial folded */
}
END_TEST

/* The 64-bit accumulation and the little-endian byteswap must agree with
 * the reference for every length and for every start alignment. */
START_TEST(test_matches_reference_every_length_and_alignment)
{
	_Alignas(16) uint8_t buf[200 + 16];
	rnd_state = 1;
	for (int round = 0; round < 4; round++) {
		for (size_t i = 0; i < sizeof buf; i++)
			buf[i] = (uint8_t)rnd();
		for (size_t off = 0; off < 8; off++) {
			for (size_t len = 0; len <= 200; len++) {
				uint32_t init = round == 0 ? 0 : (uint32_t)rnd() & 0x3ffff;
				uint16_t want = ref_partial(buf + off, len, init);
				uint16_t got = capnet_csum_partial(buf + off, len, init);
				ck_assert_msg(got == want, "len %zu off %zu init %x: got %04x want %04x", len, off,
					      (unsigned)init, got, want);
			}
		}
	}
}
END_TEST

/* All-ones data drives the accumulator to its carry limits. */
START_TEST(test_carries_with_all_ones_and_large_buffers)
{
	static uint8_t big[65536 + 8];
	memset(big, 0xff, sizeof big);
	for (size_t len = 0; len <= 300; len++)
		ck_assert_uint_eq(capnet_csum_partial(big + 1, len, 0), ref_partial(big + 1, len, 0));
	ck_assert_uint_eq(capnet_csum_partial(big, 65536, 0xffff), ref_partial(big, 65536, 0xffff));
	rnd_state = 7;
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)rnd();
	ck_assert_uint_eq(capnet_csum_partial(big + 3, 65535, 0), ref_partial(big + 3, 65535, 0));
	ck_assert_uint_eq(capnet_csum_partial(big, 65536, 0), ref_partial(big, 65536, 0));
}
END_TEST

START_TEST(test_partial_sums_chain_at_even_boundaries)
{
	uint8_t buf[150];
	rnd_state = 3;
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rnd();
	for (size_t split = 0; split <= sizeof buf; split += 2) {
		uint16_t first = capnet_csum_partial(buf, split, 0);
		ck_assert_uint_eq(capnet_csum_partial(buf + split, sizeof buf - split, first),
				  capnet_csum_partial(buf, sizeof buf, 0));
	}
}
END_TEST

/* Copy-and-checksum: the same sum as capnet_csum_partial over the source
 * (bit-exact, for every length 0..200 and every source and destination
 * alignment, odd ones included), the bytes copied exactly, and nothing
 * written outside [dst, dst + len). */
START_TEST(test_csum_copy_matches_partial_every_length_and_alignment)
{
	_Alignas(16) uint8_t src[200 + 16];
	_Alignas(16) uint8_t dst[200 + 32];
	rnd_state = 11;
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof src; i++)
			src[i] = round == 0 ? (uint8_t)rnd() : 0xff;
		for (size_t so = 0; so < 8; so++) {
			for (size_t d_o = 0; d_o < 8; d_o++) {
				for (size_t len = 0; len <= 200; len++) {
					uint32_t init = (uint32_t)rnd() & 0x3ffff;
					memset(dst, 0x5a, sizeof dst);
					uint16_t got = capnet_csum_copy(dst + 8 + d_o, src + so, len, init);
					uint16_t want = ref_partial(src + so, len, init);
					if (got != want)
						ck_abort_msg("len %zu src+%zu dst+%zu: got %04x want %04x", len, so, d_o, got,
							     want);
					bool ok = got == capnet_csum_partial(src + so, len, init) &&
						  memcmp(dst + 8 + d_o, src + so, len) == 0;
					for (size_t i = 0; i < 8 + d_o; i++)
						ok = ok && dst[i] == 0x5a;
					for (size_t i = 8 + d_o + len; i < sizeof dst; i++)
						ok = ok && dst[i] == 0x5a;
					ck_assert_msg(ok, "len %zu src+%zu dst+%zu: copy or guard bytes wrong", len, so, d_o);
				}
			}
		}
	}
}
END_TEST

START_TEST(test_csum_copy_large_buffers)
{
	static uint8_t src[65536 + 8], dst[65536 + 8];
	rnd_state = 13;
	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (uint8_t)rnd();
	ck_assert_uint_eq(capnet_csum_copy(dst + 1, src + 3, 65535, 0), ref_partial(src + 3, 65535, 0));
	ck_assert_mem_eq(dst + 1, src + 3, 65535);
	ck_assert_uint_eq(capnet_csum_copy(dst, src, 65536, 0xffff), ref_partial(src, 65536, 0xffff));
	ck_assert_uint_eq(capnet_csum_copy(dst, src, 1460, 0), ref_partial(src, 1460, 0));
	memset(src, 0xff, sizeof src);
	ck_assert_uint_eq(capnet_csum_copy(dst + 5, src + 1, 65536, 0), ref_partial(src + 1, 65536, 0));
}
END_TEST

/* A region summed in two pieces split at any offset, odd ones included
 * (the ring that wraps in the middle of a segment's payload). */
START_TEST(test_csum_add_at_any_split)
{
	uint8_t buf[301];
	rnd_state = 17;
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rnd();
	for (size_t len = 0; len <= sizeof buf; len += 7) {
		for (size_t split = 0; split <= len; split++) {
			uint32_t init = (uint32_t)rnd() & 0xffff;
			uint16_t first = capnet_csum_partial(buf, split, init);
			uint16_t second = capnet_csum_partial(buf + split, len - split, 0);
			if (capnet_csum_add_at(first, second, split) != ref_partial(buf, len, init))
				ck_abort_msg("len %zu split %zu", len, split);
		}
	}
	static const uint8_t zero[4] = {0};
	ck_assert_uint_eq(capnet_csum_add_at(0, capnet_csum_partial(zero, 3, 0), 1), 0);
}
END_TEST

START_TEST(test_buffer_with_its_checksum_sums_to_zero)
{
	uint8_t buf[64];
	rnd_state = 11;
	for (size_t len = 2; len <= sizeof buf; len++) {
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rnd();
		capnet_put16(buf, 0);
		capnet_put16(buf, capnet_csum(buf, len));
		ck_assert_uint_eq(capnet_csum(buf, len), 0);
	}
}
END_TEST

START_TEST(test_pseudo4_matches_bytes)
{
	/* 192.168.1.10 -> 8.8.8.8, UDP, 37 bytes: the 12-byte pseudo-header. */
	static const uint8_t ph[12] = {0xc0, 0xa8, 0x01, 0x0a, 0x08, 0x08, 0x08, 0x08, 0x00, 0x11, 0x00, 0x25};
	uint32_t got = capnet_csum_pseudo4(0xc0a8010a, 0x08080808, 17, 37);
	ck_assert_uint_eq(capnet_csum_finish(got), capnet_csum_finish(ref_partial(ph, sizeof ph, 0)));
	ck_assert_uint_eq(capnet_csum_partial(ph, 0, got), ref_partial(ph, sizeof ph, 0));
	/* Carries: all-ones addresses. */
	static const uint8_t ph2[12] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x06, 0xff, 0xff};
	got = capnet_csum_pseudo4(0xffffffff, 0xffffffff, 6, 0xffff);
	ck_assert_uint_eq(capnet_csum_partial(ph2, 0, got), ref_partial(ph2, sizeof ph2, 0));
}
END_TEST

START_TEST(test_pseudo6_matches_bytes)
{
	uint8_t ph[40] = {0};
	uint8_t src[16], dst[16];
	rnd_state = 5;
	for (int i = 0; i < 16; i++) {
		src[i] = (uint8_t)rnd();
		dst[i] = (uint8_t)rnd();
	}
	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	capnet_put32(ph + 32, 0x0001a2b3); /* a jumbogram-sized length */
	ph[39] = 58;
	uint32_t got = capnet_csum_pseudo6(src, dst, 58, 0x0001a2b3);
	ck_assert_uint_eq(capnet_csum_partial(ph, 0, got), ref_partial(ph, sizeof ph, 0));
}
END_TEST

/* RFC 1624: updating the stored checksum for a changed field must equal
 * recomputing it from scratch. */
START_TEST(test_incremental_update_equals_recompute)
{
	uint8_t h[20];
	rnd_state = 42;
	for (int iter = 0; iter < 20000; iter++) {
		for (int i = 0; i < 20; i++)
			h[i] = (uint8_t)rnd();
		h[0] = 0x45; /* never all-zero: the one case where eqn. 3 and a recompute differ */
		if (iter % 7 == 0)
			memset(h + 1, iter % 2 ? 0xff : 0x00, 19);
		capnet_put16(h + 10, 0);
		capnet_put16(h + 10, capnet_csum(h, 20));

		size_t field = 2 * (1 + (size_t)(rnd() % 9)); /* any 16-bit word but the first */
		if (field == 10)
			field = 8;
		uint16_t old16 = capnet_get16(h + field);
		uint16_t new16 = iter % 5 == 0 ? (uint16_t)~old16 : (uint16_t)rnd();
		uint16_t upd = capnet_csum_update16(capnet_get16(h + 10), old16, new16);
		capnet_put16(h + field, new16);
		capnet_put16(h + 10, 0);
		ck_assert_uint_eq(upd, capnet_csum(h, 20));
		capnet_put16(h + 10, upd);

		/* A 32-bit field: the source or destination address. */
		size_t addr = rnd() & 1 ? 12 : 16;
		uint32_t old32 = capnet_get32(h + addr);
		uint32_t new32 = (uint32_t)rnd();
		upd = capnet_csum_update32(capnet_get16(h + 10), old32, new32);
		capnet_put32(h + addr, new32);
		capnet_put16(h + 10, 0);
		ck_assert_uint_eq(upd, capnet_csum(h, 20));
	}
}
END_TEST

START_TEST(test_incremental_ttl_decrement)
{
	/* The router's case (RFC 1624 section 4): TTL 64 -> 63 in the known header. */
	uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	uint16_t upd = capnet_csum_update16(0xb861, 0x4011, 0x3f11);
	ck_assert_uint_eq(upd, 0xb961);
	h[8] = 0x3f;
	capnet_put16(h + 10, upd);
	ck_assert_uint_eq(capnet_csum(h, 20), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wire-checksum");
	TCase *tc = check_add_case(s, "checksum", NULL, NULL, 0);
	tcase_add_test(tc, test_rfc1071_example);
	tcase_add_test(tc, test_known_ipv4_header);
	tcase_add_test(tc, test_empty_and_odd_padding);
	tcase_add_test(tc, test_matches_reference_every_length_and_alignment);
	tcase_add_test(tc, test_carries_with_all_ones_and_large_buffers);
	tcase_add_test(tc, test_partial_sums_chain_at_even_boundaries);
	tcase_add_test(tc, test_buffer_with_its_checksum_sums_to_zero);
	tcase_add_test(tc, test_csum_copy_matches_partial_every_length_and_alignment);
	tcase_add_test(tc, test_csum_copy_large_buffers);
	tcase_add_test(tc, test_csum_add_at_any_split);
	tcase_add_test(tc, test_pseudo4_matches_bytes);
	tcase_add_test(tc, test_pseudo6_matches_bytes);
	tcase_add_test(tc, test_incremental_update_equals_recompute);
	tcase_add_test(tc, test_incremental_ttl_decrement);
	return s;
}
