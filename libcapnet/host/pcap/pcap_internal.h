/* Shared by the pcap backend's files; not installed. */
#ifndef CAPNET_HOST_PCAP_INTERNAL_H
#define CAPNET_HOST_PCAP_INTERNAL_H

#include <stddef.h>

/* "what: detail" into buf (if any), cut to len. */
void capnet_pcap_set_err(char *buf, size_t len, const char *what, const char *detail);

#endif
