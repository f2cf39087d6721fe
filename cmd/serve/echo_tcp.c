/* TCP echo (RFC 862): what comes in goes back out. Reading stops while the
 * answer cannot be queued, so the peer's window closes instead of us
 * buffering. */
#include "services.h"

void echo_step(struct conn *c, capnet_instant now)
{
	struct svc *s = c->s;
	for (int i = 0; i < 64; i++) {
		capnet_err e;
		if (!conn_flush(c, &e, now)) {
			if (e != CAPNET_OK)
				conn_end(c, e, now);
			return;
		}
		size_t got = 0;
		e = capnet_tcpcap_recv(s->cs, c->sock, c->buf, sizeof c->buf, &got, now);
		if (e == CAPNET_E_AGAIN)
			return;
		if (e != CAPNET_OK) {
			conn_end(c, e == CAPNET_E_CLOSED ? CAPNET_OK : e, now); /* E_CLOSED: the peer's FIN */
			return;
		}
		c->len = got;
		c->bytes += got;
	}
}
