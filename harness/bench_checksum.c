/* capnet bench checksum: throughput of capnet_csum against memcpy of the
 * same buffer, for a full-size frame and a 64 KiB segment. memcpy is the
 * yardstick: a checksum that reads each byte once should come near it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/wire/checksum.h"
#include "harness/bench.h"

static volatile uint32_t sink;

static double measure_csum(const uint8_t *buf, size_t len, double target, uint64_t *iters_out)
{
	uint64_t iters = 0;
	uint32_t acc = 0;
	double t0 = bench_now(), t;
	do {
		for (int i = 0; i < 1024; i++)
			acc += capnet_csum(buf, len);
		iters += 1024;
		t = bench_now();
	} while (t - t0 < target);
	sink = acc;
	*iters_out = iters;
	return (double)iters * (double)len / (t - t0) / 1e9;
}

static double measure_memcpy(uint8_t *dst, const uint8_t *src, size_t len, double target)
{
	uint64_t iters = 0;
	double t0 = bench_now(), t;
	do {
		for (int i = 0; i < 1024; i++) {
			memcpy(dst, src, len);
			/* keep the copy from being elided */
			__asm__ volatile("" : : "r"(dst) : "memory");
		}
		iters += 1024;
		t = bench_now();
	} while (t - t0 < target);
	return (double)iters * (double)len / (t - t0) / 1e9;
}

int bench_checksum(struct bench_ctx *ctx)
{
	static const size_t sizes[] = {1500, 65536};
	uint8_t *src = malloc(65536 + 8), *dst = malloc(65536 + 8);
	if (!src || !dst) {
		free(src);
		free(dst);
		return 1;
	}
	for (size_t i = 0; i < 65536 + 8; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	json_t *rows = json_array();
	if (!ctx->json)
		printf("%-10s %12s %12s %8s\n", "bytes", "csum GB/s", "memcpy GB/s", "ratio");
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		uint64_t iters;
		double c = measure_csum(src, sizes[k], ctx->seconds, &iters);
		double m = measure_memcpy(dst, src, sizes[k], ctx->seconds);
		if (ctx->json)
			json_array_append_new(rows, json_pack("{s:I, s:f, s:f, s:f}", "bytes", (json_int_t)sizes[k],
							      "csum_gbps", c, "memcpy_gbps", m, "ratio", c / m));
		else
			printf("%-10zu %12.2f %12.2f %8.2f\n", sizes[k], c, m, c / m);
	}
	if (ctx->json)
		json_object_set_new((json_t *)ctx->jresult, "results", rows);
	else
		json_decref(rows);
	free(src);
	free(dst);
	return 0;
}
