/* A capture in memory: load a pcap file (DLT_EN10MB) into frames, append
 * frames, save them to a new file. */
#include "capnet/host/pcap.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_internal.h"

void capnet_pcap_set_err(char *buf, size_t len, const char *what, const char *detail)
{
	if (buf != NULL && len > 0)
		snprintf(buf, len, "%s%s%s", what, detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

capnet_err capnet_pcap_frames_push(struct capnet_pcap_frames *f, capnet_instant at, const uint8_t *data, size_t len,
				   uint32_t orig_len)
{
	if (f->n == f->cap) {
		size_t cap = f->cap != 0 ? f->cap * 2 : 64;
		struct capnet_pcap_frame *v = realloc(f->v, cap * sizeof *v);
		if (v == NULL)
			return CAPNET_E_NOMEM;
		f->v = v;
		f->cap = cap;
	}
	uint8_t *copy = malloc(len != 0 ? len : 1);
	if (copy == NULL)
		return CAPNET_E_NOMEM;
	if (len != 0)
		memcpy(copy, data, len);
	f->v[f->n++] = (struct capnet_pcap_frame){.at = at, .orig_len = orig_len, .len = len, .data = copy};
	return CAPNET_OK;
}

void capnet_pcap_frames_free(struct capnet_pcap_frames *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].data);
	free(f->v);
	memset(f, 0, sizeof *f);
}

capnet_err capnet_pcap_load(const char *path, struct capnet_pcap_frames *out, char *errbuf, size_t errlen)
{
	memset(out, 0, sizeof *out);
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (p == NULL) {
		capnet_pcap_set_err(errbuf, errlen, "cannot read capture", perr); /* libpcap names the file */
		return CAPNET_E_NIC;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		capnet_pcap_set_err(errbuf, errlen, path, "not an Ethernet (DLT_EN10MB) capture");
		pcap_close(p);
		return CAPNET_E_UNSUPPORTED;
	}
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;
	capnet_err e = CAPNET_OK;
	while (e == CAPNET_OK && (rc = pcap_next_ex(p, &h, &data)) == 1) {
		capnet_instant at = (capnet_instant)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		e = capnet_pcap_frames_push(out, at, data, h->caplen, h->len);
	}
	if (e == CAPNET_OK && rc == PCAP_ERROR) {
		capnet_pcap_set_err(errbuf, errlen, path, pcap_geterr(p));
		e = CAPNET_E_NIC;
	} else if (e != CAPNET_OK) {
		capnet_pcap_set_err(errbuf, errlen, path, "out of memory");
	}
	pcap_close(p);
	if (e != CAPNET_OK)
		capnet_pcap_frames_free(out);
	return e;
}

capnet_err capnet_pcap_frames_save(const struct capnet_pcap_frames *f, const char *path, char *errbuf, size_t errlen)
{
	struct capnet_pcap_writer *w;
	capnet_err e = capnet_pcap_writer_open(path, 0, &w, errbuf, errlen);
	if (e != CAPNET_OK)
		return e;
	for (size_t i = 0; e == CAPNET_OK && i < f->n; i++)
		e = capnet_pcap_writer_write(w, f->v[i].at, f->v[i].data, f->v[i].len);
	if (e != CAPNET_OK)
		capnet_pcap_set_err(errbuf, errlen, path, capnet_pcap_writer_error(w));
	capnet_err c = capnet_pcap_writer_close(w);
	if (e == CAPNET_OK && c != CAPNET_OK)
		capnet_pcap_set_err(errbuf, errlen, path, "flush failed");
	return e != CAPNET_OK ? e : c;
}
