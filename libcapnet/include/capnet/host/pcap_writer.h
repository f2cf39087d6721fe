/* Write Ethernet frames to a classic .pcap file (hosted; libpcap). Used by
 * the simulator's recording and by any backend that records a run. Stamps
 * come from a capnet_instant, so a synthetic clock gives byte-identical
 * files. */
#ifndef CAPNET_HOST_PCAP_WRITER_H
#define CAPNET_HOST_PCAP_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "capnet/err.h"
#include "capnet/types.h"

/* Room for any error text (libpcap's PCAP_ERRBUF_SIZE is 256). */
#define CAPNET_PCAP_ERRBUF_SIZE 256
/* Default and largest snap length. */
#define CAPNET_PCAP_SNAPLEN_MAX 65535u

struct capnet_pcap_writer;

/* Creates (truncates) path and writes the file header: link type
 * DLT_EN10MB, microsecond stamps. snaplen 0 or above the maximum means
 * CAPNET_PCAP_SNAPLEN_MAX; longer frames are recorded cut to snaplen with
 * their original length. On failure returns CAPNET_E_INVAL (NULL argument)
 * or CAPNET_E_NIC / CAPNET_E_NOMEM and, when errbuf is not NULL, puts the
 * libpcap or system error text in it (NUL-terminated, cut to errlen). */
capnet_err capnet_pcap_writer_open(const char *path, uint32_t snaplen, struct capnet_pcap_writer **out,
	char *errbuf, size_t errlen);

/* Appends one record stamped `at` (microseconds: sec = at / 1e6, usec = the
 * rest). CAPNET_E_INVAL for a negative stamp, a NULL frame with len > 0 or a
 * len beyond 32 bits; CAPNET_E_NIC when the stream reports an error
 * (text in capnet_pcap_writer_error()). */
capnet_err capnet_pcap_writer_write(struct capnet_pcap_writer *w, capnet_instant at, const uint8_t *frame, size_t len);

/* Pushes buffered records to the file. CAPNET_E_NIC on an I/O error. */
capnet_err capnet_pcap_writer_flush(struct capnet_pcap_writer *w);

/* Flushes and closes; NULL is a no-op. Returns CAPNET_E_NIC if the final
 * flush failed (the writer is freed either way). */
capnet_err capnet_pcap_writer_close(struct capnet_pcap_writer *w);

/* The last error text of this writer, "" if none. */
const char *capnet_pcap_writer_error(const struct capnet_pcap_writer *w);

/* Records written so far. */
uint64_t capnet_pcap_writer_count(const struct capnet_pcap_writer *w);

#endif
