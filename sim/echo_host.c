/* The echo host fixture's frames, read and built with the library's
 * codecs; the broken replies are broken after a correct build, so each
 * differs from a good reply in exactly one way. */
#include "sim/echo_host.h"

#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/icmpv6.h"
#include "capnet/wire/ipv4.h"
#include "sim/peer6.h"

const char *echo_host_mode_name(enum echo_host_mode m)
{
	static const char *const names[] = {"answer", "silent", "malformed"};
	return (unsigned)m < sizeof names / sizeof names[0] ? names[m] : NULL;
}

const char *echo_host_breakage_name(enum echo_host_breakage b)
{
	static const char *const names[] = {"bad checksum", "wrong identifier", "truncated payload",
					    "altered payload"};
	return (unsigned)b < sizeof names / sizeof names[0] ? names[b] : "?";
}

/* What to send for this request: false to stay silent; *b is the
 * breakage when *broken. */
static bool answer(struct echo_host *h, bool *broken, enum echo_host_breakage *b)
{
	unsigned n = h->stats.requests++;
	if (h->mode == ECHO_HOST_SILENT)
		return false;
	*broken = h->mode == ECHO_HOST_MALFORMED;
	*b = (enum echo_host_breakage)(n % 4);
	h->stats.replies++;
	if (*broken)
		h->stats.malformed_sent++;
	return true;
}

static void on_ip(struct echo_host *h, const struct capnet_eth_repr *eth, const uint8_t *p, size_t len)
{
	struct capnet_ip4_repr ip;
	struct capnet_icmp4_repr req;
	if (h->addr == 0 || capnet_ip4_parse(p, len, &ip, NULL) != CAPNET_OK || ip.dst != h->addr ||
	    ip.proto != CAPNET_IPPROTO_ICMP || ip.more_fragments || ip.frag_offset != 0 ||
	    capnet_icmp4_parse(p + ip.header_len, ip.payload_len, &req, NULL) != CAPNET_OK ||
	    req.type != CAPNET_ICMP4_ECHO_REQUEST)
		return;
	bool broken;
	enum echo_host_breakage b;
	if (!answer(h, &broken, &b))
		return;
	uint8_t f[1600];
	memset(f, 0, 60);
	struct capnet_eth_repr e = {.dst = eth->src, .src = h->mac, .ethertype = CAPNET_ETHERTYPE_IPV4};
	size_t off = capnet_eth_emit(&e, f);
	struct capnet_icmp4_repr rep = req;
	rep.type = CAPNET_ICMP4_ECHO_REPLY;
	if (broken && b == ECHO_BREAK_IDENT)
		rep.ident = (uint16_t)(rep.ident ^ 0x5a5a);
	if (broken && b == ECHO_BREAK_TRUNCATE)
		rep.data_len /= 2;
	size_t icmp_len = capnet_icmp4_emit_len(&rep);
	if (off + 20 + icmp_len > sizeof f)
		return;
	struct capnet_ip4_repr r = {.src = h->addr, .dst = ip.src, .proto = CAPNET_IPPROTO_ICMP,
				    .ttl = h->ttl, .ident = h->ip_ident++, .payload_len = icmp_len};
	off += capnet_ip4_emit(&r, f + off);
	uint8_t *icmp = f + off;
	off += capnet_icmp4_emit(&rep, icmp);
	if (broken && b == ECHO_BREAK_CHECKSUM)
		icmp[CAPNET_ICMP4_CHECKSUM + 1] ^= 0x01;
	if (broken && b == ECHO_BREAK_ALTER && icmp_len > CAPNET_ICMP4_HDR_LEN) {
		/* A different byte under a checksum made right again: only the
		 * payload comparison can catch it. */
		icmp[CAPNET_ICMP4_HDR_LEN] ^= 0xff;
		capnet_put16(icmp + CAPNET_ICMP4_CHECKSUM, 0);
		capnet_put16(icmp + CAPNET_ICMP4_CHECKSUM, capnet_csum(icmp, icmp_len));
	}
	h->nic->ops->transmit(h->nic->dev, f, off < 60 ? 60 : off);
}

static bool mine6(const struct echo_host *h, const struct capnet_ip6addr *a)
{
	for (unsigned i = 0; i < h->n6; i++)
		if (capnet_ip6_eq(&h->addr6[i], a))
			return true;
	return false;
}

static void on_ip6(struct echo_host *h, const struct capnet_eth_repr *eth, const uint8_t *p, size_t len)
{
	struct capnet_ip6_repr ip;
	if (h->n6 == 0 || capnet_ip6_parse(p, len, &ip, NULL) != CAPNET_OK || ip.next_header != 58)
		return;
	const uint8_t *m = p + 40;
	size_t ml = ip.payload_len;
	if (peer6_answer_ns(h->nic, h->mac, eth->src, &ip, m, ml, h->addr6, h->n6, false)) {
		h->stats.ns_answered++;
		return;
	}
	struct capnet_icmp6_repr req;
	if (!mine6(h, &ip.dst) || capnet_icmp6_parse(m, ml, &ip.src, &ip.dst, &req, NULL) != CAPNET_OK ||
	    req.type != CAPNET_ICMP6_ECHO_REQUEST)
		return;
	bool broken;
	enum echo_host_breakage b;
	if (!answer(h, &broken, &b))
		return;
	struct capnet_icmp6_repr rep = req;
	rep.type = CAPNET_ICMP6_ECHO_REPLY;
	if (broken && b == ECHO_BREAK_IDENT)
		rep.ident = (uint16_t)(rep.ident ^ 0x5a5a);
	if (broken && b == ECHO_BREAK_TRUNCATE)
		rep.data_len /= 2;
	uint8_t msg[1500];
	if (capnet_icmp6_emit_len(&rep) > sizeof msg)
		return;
	size_t n = capnet_icmp6_emit(&rep, &ip.dst, &ip.src, msg);
	if (broken && b == ECHO_BREAK_CHECKSUM)
		msg[CAPNET_ICMP6_CHECKSUM + 1] ^= 0x01;
	if (broken && b == ECHO_BREAK_ALTER && n > CAPNET_ICMP6_HDR_LEN) {
		msg[CAPNET_ICMP6_HDR_LEN] ^= 0xff;
		capnet_icmp6_seal(msg, n, &ip.dst, &ip.src);
	}
	peer6_send(h->nic, h->mac, eth->src, &ip.dst, &ip.src, h->ttl, msg, n);
}

static void on_arp(struct echo_host *h, const uint8_t *b, size_t len)
{
	struct capnet_arp_repr a;
	if (h->addr == 0 || capnet_arp_parse(b, len, &a, NULL) != CAPNET_OK || a.oper != CAPNET_ARP_REQUEST ||
	    a.tpa != h->addr || a.spa == 0)
		return;
	uint8_t f[60];
	memset(f, 0, sizeof f);
	struct capnet_eth_repr eth = {.dst = a.sha, .src = h->mac, .ethertype = CAPNET_ETHERTYPE_ARP};
	size_t n = capnet_eth_emit(&eth, f);
	struct capnet_arp_repr r = {.oper = CAPNET_ARP_REPLY, .sha = h->mac, .spa = h->addr, .tha = a.sha, .tpa = a.spa};
	capnet_arp_emit(&r, f + n);
	h->nic->ops->transmit(h->nic->dev, f, sizeof f);
	h->stats.arp_replies++;
}

static capnet_instant host_poll(void *ctx, capnet_instant now)
{
	(void)now;
	struct echo_host *h = ctx;
	uint8_t f[1600];
	size_t len;
	while (h->nic->ops->receive(h->nic->dev, f, sizeof f, &len) == CAPNET_OK) {
		struct capnet_eth_repr eth;
		if (capnet_eth_parse(f, len, &eth, NULL) != CAPNET_OK)
			continue;
		/* Our MAC, broadcast, or IPv6 multicast (solicited-node). */
		bool mcast6 = eth.dst.b[0] == 0x33 && eth.dst.b[1] == 0x33;
		if (!capnet_mac_eq(eth.dst, h->mac) && !capnet_mac_is_broadcast(eth.dst) && !mcast6)
			continue;
		if (eth.ethertype == CAPNET_ETHERTYPE_ARP)
			on_arp(h, f + eth.header_len, len - eth.header_len);
		else if (eth.ethertype == CAPNET_ETHERTYPE_IPV4)
			on_ip(h, &eth, f + eth.header_len, len - eth.header_len);
		else if (eth.ethertype == CAPNET_ETHERTYPE_IPV6)
			on_ip6(h, &eth, f + eth.header_len, len - eth.header_len);
	}
	return CAPNET_INSTANT_NEVER;
}

capnet_err echo_host_open(struct echo_host *h, struct capnet_sim *sim, struct capnet_mac mac, capnet_ip4addr addr,
			  enum echo_host_mode mode, const struct capnet_sim_impair *impair)
{
	memset(h, 0, sizeof *h);
	h->sim = sim;
	h->mac = mac;
	h->addr = addr;
	h->mode = mode;
	h->ttl = 64;
	h->ip_ident = 1;
	h->nic = capnet_sim_add_port(sim, mac, 1500, impair, &h->port);
	if (h->nic == NULL)
		return CAPNET_E_NOMEM;
	return capnet_sim_add_participant(sim, host_poll, h);
}

void echo_host_enable_ip6(struct echo_host *h, const struct capnet_ip6addr *global)
{
	h->addr6[0] = peer6_link_local(h->mac);
	h->n6 = 1;
	if (global != NULL)
		h->addr6[h->n6++] = *global;
}
