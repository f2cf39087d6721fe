/* Two frame sequences compared in order: bytes exactly, stamps within a
 * tolerance; the first divergence is reported. */
#include "capnet/host/pcap.h"

#include <string.h>

const char *capnet_pcap_diff_name(enum capnet_pcap_diff_kind k)
{
	switch (k) {
	case CAPNET_PCAP_SAME:
		return "same";
	case CAPNET_PCAP_DIFF_BYTES:
		return "bytes";
	case CAPNET_PCAP_DIFF_TIME:
		return "time";
	case CAPNET_PCAP_DIFF_MISSING:
		return "missing";
	case CAPNET_PCAP_DIFF_EXTRA:
		return "extra";
	}
	return "?";
}

bool capnet_pcap_compare(const struct capnet_pcap_frame *got, size_t ngot, capnet_instant got_origin,
			 const struct capnet_pcap_frame *want, size_t nwant, capnet_instant want_origin,
			 capnet_duration tolerance, struct capnet_pcap_diff *d)
{
	memset(d, 0, sizeof *d);
	size_t n = ngot < nwant ? ngot : nwant;
	for (size_t i = 0; i < n; i++) {
		size_t m = got[i].len < want[i].len ? got[i].len : want[i].len;
		size_t off = 0;
		while (off < m && got[i].data[off] == want[i].data[off])
			off++;
		if (off < m || got[i].len != want[i].len) {
			*d = (struct capnet_pcap_diff){.kind = CAPNET_PCAP_DIFF_BYTES, .index = i, .offset = off};
			return false;
		}
		capnet_duration dt = (got[i].at - got_origin) - (want[i].at - want_origin);
		if (dt > tolerance || dt < -tolerance) {
			*d = (struct capnet_pcap_diff){.kind = CAPNET_PCAP_DIFF_TIME, .index = i, .dt = dt};
			return false;
		}
	}
	if (ngot == nwant)
		return true;
	d->kind = ngot < nwant ? CAPNET_PCAP_DIFF_MISSING : CAPNET_PCAP_DIFF_EXTRA;
	d->index = n;
	return false;
}
