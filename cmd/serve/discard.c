/* TCP discard (RFC 863): read and drop -- a sink for one-way throughput. */
#include "services.h"

void discard_step(struct conn *c, capnet_instant now)
{
	for (int i = 0; i < 64; i++) {
		size_t got = 0;
		capnet_err e = capnet_tcpcap_recv(c->s->cs, c->sock, c->buf, sizeof c->buf, &got, now);
		if (e == CAPNET_E_AGAIN)
			return;
		if (e != CAPNET_OK) {
			conn_end(c, e == CAPNET_E_CLOSED ? CAPNET_OK : e, now);
			return;
		}
		c->bytes += got;
	}
}
