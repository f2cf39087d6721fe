/* UDP echo (RFC 862): every datagram back to where it came from, through
 * the UdpSocket the service bound with its echo-port authority. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

#include "../cmd.h"
#include "services.h"

capnet_err udp_echo_open(struct svc *s)
{
	return capnet_udpcap_bind(s->cs, s->udp_auth, s->o.udp_echo_port, &s->udp_echo);
}

/* Returns true when it sent something. */
bool udp_echo_step(struct svc *s, capnet_instant now)
{
	static uint8_t buf[65536];
	unsigned ev = 0;
	if (s->udp_echo == CAPNET_HANDLE_NONE || capnet_udpcap_events(s->cs, s->udp_echo, &ev) != CAPNET_OK ||
	    !(ev & (CAPNET_UDP_READABLE | CAPNET_UDP_ERROR)))
		return false;
	bool sent = false;
	/* Bounded: an error that would not clear cannot hold the loop hostage. */
	for (int i = 0; i < 256; i++) {
		size_t len;
		struct capnet_udp_meta m;
		capnet_err e = capnet_udpcap_recv_from(s->cs, s->udp_echo, buf, sizeof buf, &len, &m);
		if (e == CAPNET_E_AGAIN)
			break;
		if (e != CAPNET_OK || m.broadcast)
			continue; /* a pending error, or a broadcast we do not echo */
		if (capnet_udpcap_send_to_addr(s->cs, s->udp_echo, &m.src_addr, m.src_port, buf, len, now) == CAPNET_OK)
			s->udp_echoed++;
		else
			s->udp_echo_failed++;
		sent = true;
		if (s->udp_echoed == 1 || s->o.verbose) {
			char ib[CMD_IPADDR_BUFLEN];
			cmd_fmt_ipaddr(&m.src_addr, ib);
			svc_logf(s, now, "udp", "udp echo %zu bytes to %s:%u (%" PRIu64 " so far)", len, ib, m.src_port,
				 s->udp_echoed);
		}
	}
	return sent;
}
