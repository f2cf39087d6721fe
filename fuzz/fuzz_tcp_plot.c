/* capnet plot's extractor and renderer (harness/tcp_plot_series.c,
 * harness/tcp_plot_svg.c, compiled in with the same instrumentation) on a
 * capture made of the input. Records: a 2-byte length, a time step in
 * milliseconds (signed: captures go backwards too), how many bytes the
 * capture "cut" (orig_len - len, in units of 64), then the frame.
 * Whatever the frames, every connection and direction yields series that
 * keep their own invariants, and an SVG. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_assert.h"
#include "harness/tcp_plot.h"

static void check_series(const struct tcp_plot_series *s)
{
	uint64_t rex = 0, payload = 0;
	int64_t top = 0;
	for (size_t i = 0; i < s->segs.n; i++) {
		const struct tcp_plot_seg *g = &s->segs.v[i];
		FUZZ_CHECK(g->end > g->seq);
		FUZZ_CHECK(g->rexmit == (i > 0 && g->seq < top));
		if (i == 0 || g->end > top)
			top = g->end;
		rex += g->rexmit;
		payload += g->len;
	}
	FUZZ_CHECK(rex == s->rexmit_segs && payload == s->payload);
	FUZZ_CHECK(s->segs.n == 0 || top == s->max_seq);
	for (size_t i = 0; i < s->flight.n; i++)
		FUZZ_CHECK(s->flight.v[i].bytes >= 0);
	for (size_t i = 0; i < s->acks.n; i++)
		FUZZ_CHECK(s->acks.v[i].nsack <= 4);
	for (size_t i = 0; i < s->marks.n; i++)
		FUZZ_CHECK(strchr("SFR", s->marks.v[i].kind) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The frames point into the input (the plot only reads them): no
	 * libpcap, no copy. */
	struct capnet_pcap_frames f = {.v = malloc((size / 4 + 1) * sizeof *f.v)};
	if (f.v == NULL)
		return 0;
	capnet_instant t = 0;
	size_t off = 0;
	while (off + 4 <= size) {
		size_t len = ((size_t)data[off] << 8) | data[off + 1];
		t += (int8_t)data[off + 2] * 1000;
		uint32_t cut = (uint32_t)data[off + 3] * 64u;
		off += 4;
		if (len > size - off)
			len = size - off;
		f.v[f.n++] = (struct capnet_pcap_frame){.at = t, .orig_len = (uint32_t)len + cut, .len = len,
							.data = (uint8_t *)(uintptr_t)(data + off)};
		off += len;
	}
	struct tcp_plot_conns c;
	if (tcp_plot_conns_find(&f, &c) != CAPNET_OK) {
		free(f.v);
		return 0;
	}
	FUZZ_CHECK(c.tcp_frames <= c.frames && c.frames == f.n);
	FILE *null = fopen("/dev/null", "w");
	for (size_t k = 0; k < c.n && k < 8; k++)
		for (int dir = -1; dir < 2; dir++) {
			struct tcp_plot_series s;
			if (tcp_plot_extract(&f, &c, (int)k, dir, &s) != CAPNET_OK)
				continue;
			check_series(&s);
			struct tcp_plot_view v = {.from = 1000, .to = 3000};
			if (null) {
				FUZZ_CHECK(tcp_plot_svg(null, &s, NULL) == 0);
				FUZZ_CHECK(tcp_plot_svg(null, &s, &v) == 0);
			}
			tcp_plot_series_free(&s);
		}
	if (null)
		fclose(null);
	tcp_plot_conns_free(&c);
	free(f.v);
	return 0;
}
