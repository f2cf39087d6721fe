/* .pcap recording through libpcap: a "dead" handle supplies the link type
 * and snap length, the dumper writes the classic file format. */
#include "capnet/host/pcap_writer.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct capnet_pcap_writer {
	pcap_t *dead;
	pcap_dumper_t *dumper;
	uint32_t snaplen;
	uint64_t count;
	char err[CAPNET_PCAP_ERRBUF_SIZE];
};

static void copy_text(char *dst, size_t cap, const char *src)
{
	if (dst == NULL || cap == 0)
		return;
	snprintf(dst, cap, "%s", src != NULL ? src : "");
}

/* The stream's error state, turned into our vocabulary and text. */
static capnet_err check_stream(struct capnet_pcap_writer *w, const char *what)
{
	FILE *f = pcap_dump_file(w->dumper);
	if (f == NULL || !ferror(f))
		return CAPNET_OK;
	snprintf(w->err, sizeof w->err, "pcap %s: %s", what, strerror(errno != 0 ? errno : EIO));
	clearerr(f);
	return CAPNET_E_NIC;
}

capnet_err capnet_pcap_writer_open(const char *path, uint32_t snaplen, struct capnet_pcap_writer **out,
	char *errbuf, size_t errlen)
{
	copy_text(errbuf, errlen, "");
	if (out == NULL) {
		copy_text(errbuf, errlen, "pcap writer: no output pointer");
		return CAPNET_E_INVAL;
	}
	*out = NULL;
	if (path == NULL) {
		copy_text(errbuf, errlen, "pcap writer: no path");
		return CAPNET_E_INVAL;
	}
	if (snaplen == 0 || snaplen > CAPNET_PCAP_SNAPLEN_MAX)
		snaplen = CAPNET_PCAP_SNAPLEN_MAX;

	struct capnet_pcap_writer *w = calloc(1, sizeof *w);
	if (w == NULL) {
		copy_text(errbuf, errlen, "pcap writer: out of memory");
		return CAPNET_E_NOMEM;
	}
	w->snaplen = snaplen;
	w->dead = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (w->dead == NULL) {
		copy_text(errbuf, errlen, "pcap_open_dead failed");
		free(w);
		return CAPNET_E_NOMEM;
	}
	w->dumper = pcap_dump_open(w->dead, path);
	if (w->dumper == NULL) {
		char text[CAPNET_PCAP_ERRBUF_SIZE];
		snprintf(text, sizeof text, "%s", pcap_geterr(w->dead));
		copy_text(errbuf, errlen, text);
		pcap_close(w->dead);
		free(w);
		return CAPNET_E_NIC;
	}
	*out = w;
	return CAPNET_OK;
}

capnet_err capnet_pcap_writer_write(struct capnet_pcap_writer *w, capnet_instant at, const uint8_t *frame, size_t len)
{
	if (w == NULL)
		return CAPNET_E_INVAL;
	if (at < 0 || (frame == NULL && len > 0) || len > UINT32_MAX) {
		snprintf(w->err, sizeof w->err, "pcap write: invalid record (stamp %lld, len %zu)", (long long)at, len);
		return CAPNET_E_INVAL;
	}
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof h);
	h.ts.tv_sec = (time_t)(at / 1000000);
	h.ts.tv_usec = (suseconds_t)(at % 1000000);
	h.len = (bpf_u_int32)len;
	h.caplen = (bpf_u_int32)(len < w->snaplen ? len : w->snaplen);
	static const uint8_t empty[1];
	errno = 0;
	pcap_dump((u_char *)w->dumper, &h, frame != NULL ? frame : empty);
	capnet_err e = check_stream(w, "write");
	if (e == CAPNET_OK)
		w->count++;
	return e;
}

capnet_err capnet_pcap_writer_flush(struct capnet_pcap_writer *w)
{
	if (w == NULL)
		return CAPNET_E_INVAL;
	errno = 0;
	if (pcap_dump_flush(w->dumper) != 0) {
		snprintf(w->err, sizeof w->err, "pcap flush: %s", strerror(errno != 0 ? errno : EIO));
		return CAPNET_E_NIC;
	}
	return check_stream(w, "flush");
}

capnet_err capnet_pcap_writer_close(struct capnet_pcap_writer *w)
{
	if (w == NULL)
		return CAPNET_OK;
	capnet_err e = capnet_pcap_writer_flush(w);
	pcap_dump_close(w->dumper);
	pcap_close(w->dead);
	free(w);
	return e;
}

const char *capnet_pcap_writer_error(const struct capnet_pcap_writer *w)
{
	return w != NULL ? w->err : "";
}

uint64_t capnet_pcap_writer_count(const struct capnet_pcap_writer *w)
{
	return w != NULL ? w->count : 0;
}
