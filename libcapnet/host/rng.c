/* The hosted default generator (capnet/host/host.h): the kernel's CSPRNG
 * through getrandom(2), read 256 bytes at a time. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "capnet/host/host.h"

static void refill(struct capnet_host_rng *h)
{
	size_t got = 0;
	uint8_t *p = (uint8_t *)h->buf;
	while (got < sizeof h->buf) {
		ssize_t n = getrandom(p + got, sizeof h->buf - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* No entropy source means no safe ISNs or DHCP xids: refusing
			 * to run is the only honest answer. */
			abort();
		}
		got += (size_t)n;
	}
	h->next = 0;
}

static uint64_t host_next(void *ctx)
{
	struct capnet_host_rng *h = ctx;
	if (h->next >= sizeof h->buf / sizeof h->buf[0])
		refill(h);
	return h->buf[h->next++];
}

struct capnet_rng capnet_host_rng(struct capnet_host_rng *h)
{
	h->next = sizeof h->buf / sizeof h->buf[0];
	struct capnet_rng r = {host_next, h};
	return r;
}
