/* The DNS server fixture: raw frames in, raw frames out, read and built
 * with the library's codecs. */
#include "sim/dns_server.h"

#include <string.h>

#include "capnet/wire/arp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/udp.h"

static const char *const mode_names[] = {"normal",   "servfail",   "refused",    "silent",
					 "truncate", "wrong-id",   "wrong-port", "spoof"};

const char *dns_server_mode_name(enum dns_server_mode m)
{
	return (unsigned)m < sizeof mode_names / sizeof mode_names[0] ? mode_names[m] : "?";
}

static void send_udp(struct dns_server *s, struct capnet_mac dst_mac, capnet_ip4addr dst, uint16_t sport,
		     uint16_t dport, const uint8_t *payload, size_t plen, capnet_instant now)
{
	udp_peer_send(&s->peer, dst_mac, dst, sport, dport, payload, plen, now);
}

static const struct dns_server_record *find(const struct dns_server *s, const char *name, uint16_t type)
{
	for (unsigned i = 0; i < s->cfg.n_records; i++)
		if (s->cfg.records[i].type == type && capnet_dns_name_eq(s->cfg.records[i].name, name))
			return &s->cfg.records[i];
	return NULL;
}

static bool name_known(const struct dns_server *s, const char *name)
{
	for (unsigned i = 0; i < s->cfg.n_records; i++)
		if (capnet_dns_name_eq(s->cfg.records[i].name, name))
			return true;
	return false;
}

/* Builds the answer to (qname, qtype) with `id`; returns its length and
 * the rcode and answer count through the pointers. */
static size_t build_answer(const struct dns_server *s, const struct capnet_dns_msg *q, uint16_t id, uint8_t *buf,
			   size_t cap, uint8_t *rcode, uint8_t *count)
{
	struct capnet_dns_builder b;
	uint16_t flags = CAPNET_DNS_FLAG_QR | CAPNET_DNS_FLAG_RA | (q->hdr.flags & CAPNET_DNS_FLAG_RD);
	*rcode = 0;
	*count = 0;
	if (s->mode == DNS_SERVER_SERVFAIL || s->mode == DNS_SERVER_REFUSED) {
		*rcode = s->mode == DNS_SERVER_SERVFAIL ? CAPNET_DNS_RCODE_SERVFAIL : CAPNET_DNS_RCODE_REFUSED;
		capnet_dns_build_start(&b, buf, cap, id, (uint16_t)(flags | *rcode));
		capnet_dns_build_question(&b, q->qname, q->qtype);
		return capnet_dns_build_end(&b);
	}
	if (s->mode == DNS_SERVER_TRUNCATE) {
		capnet_dns_build_start(&b, buf, cap, id, (uint16_t)(flags | CAPNET_DNS_FLAG_TC));
		capnet_dns_build_question(&b, q->qname, q->qtype);
		return capnet_dns_build_end(&b);
	}
	/* Follow the chain first to learn the rcode, then write it. */
	const char *name = q->qname;
	unsigned hops = 0;
	const struct dns_server_record *cn;
	while ((cn = find(s, name, CAPNET_DNS_TYPE_CNAME)) != NULL && hops < 8) {
		name = cn->target;
		hops++;
	}
	bool exists = name_known(s, name);
	if (!exists && hops == 0)
		*rcode = CAPNET_DNS_RCODE_NXDOMAIN;
	capnet_dns_build_start(&b, buf, cap, id, (uint16_t)(flags | CAPNET_DNS_FLAG_AA | *rcode));
	capnet_dns_build_question(&b, q->qname, q->qtype);
	name = q->qname;
	for (unsigned h = 0; h < hops; h++) {
		cn = find(s, name, CAPNET_DNS_TYPE_CNAME);
		capnet_dns_build_cname(&b, name, cn->ttl, cn->target);
		(*count)++;
		name = cn->target;
	}
	unsigned found = 0;
	for (unsigned i = 0; i < s->cfg.n_records; i++) {
		const struct dns_server_record *r = &s->cfg.records[i];
		if (r->type != q->qtype || r->type == CAPNET_DNS_TYPE_CNAME || !capnet_dns_name_eq(r->name, name))
			continue;
		capnet_dns_build_rr(&b, CAPNET_DNS_SEC_ANSWER, name, r->type, r->ttl, r->addr,
				    r->type == CAPNET_DNS_TYPE_A ? 4 : 16);
		(*count)++;
		found++;
	}
	if (found == 0 && exists && hops == 0)
		capnet_dns_build_soa(&b, s->cfg.zone, s->cfg.negative_ttl, "ns.sim.test", "hostmaster.sim.test",
				     s->cfg.negative_ttl);
	else if (*rcode == CAPNET_DNS_RCODE_NXDOMAIN)
		capnet_dns_build_soa(&b, s->cfg.zone, s->cfg.negative_ttl, "ns.sim.test", "hostmaster.sim.test",
				     s->cfg.negative_ttl);
	if (q->edns_payload)
		capnet_dns_build_opt(&b, 1232);
	return capnet_dns_build_end(&b);
}

static void log_query(struct dns_server *s, const struct capnet_ip4_repr *ip, const struct capnet_udp_repr *u,
		      const struct capnet_dns_msg *m, uint8_t rcode, uint8_t answers, capnet_instant now)
{
	if (s->nlog == DNS_SERVER_LOG) {
		memmove(s->log, s->log + 1, sizeof s->log[0] * (DNS_SERVER_LOG - 1));
		s->nlog--;
	}
	struct dns_server_query *e = &s->log[s->nlog++];
	memset(e, 0, sizeof *e);
	e->at = now;
	e->src = ip->src;
	e->src_port = u->src_port;
	e->id = m->hdr.id;
	e->qtype = m->qtype;
	memcpy(e->qname, m->qname, sizeof e->qname);
	e->rcode = rcode;
	e->answers = answers;
}

static void on_ip(void *ctx, const struct capnet_eth_repr *eth, const uint8_t *p, size_t len, capnet_instant now)
{
	struct dns_server *s = ctx;
	struct capnet_ip4_repr ip;
	struct capnet_udp_repr u;
	struct capnet_dns_msg m;
	if (capnet_ip4_parse(p, len, &ip, NULL) != CAPNET_OK || ip.proto != CAPNET_IPPROTO_UDP || ip.dst != s->cfg.addr ||
	    capnet_udp_parse4(p + ip.header_len, ip.payload_len, ip.src, ip.dst, &u, NULL) != CAPNET_OK ||
	    u.dst_port != CAPNET_DNS_PORT || capnet_dns_parse(u.payload, u.payload_len, &m) != CAPNET_DNS_ERR_NONE ||
	    (m.hdr.flags & CAPNET_DNS_FLAG_QR) || m.hdr.qdcount != 1) {
		s->stats.malformed++;
		return;
	}
	s->stats.queries++;
	if (s->mode == DNS_SERVER_SILENT) {
		s->stats.ignored++;
		log_query(s, &ip, &u, &m, 0xff, 0, now);
		return;
	}
	uint8_t buf[600], rcode, count;
	if (s->mode == DNS_SERVER_SPOOF || s->mode == DNS_SERVER_WRONG_ID || s->mode == DNS_SERVER_WRONG_PORT) {
		/* the forgeries: 203.0.113.66 under a wrong id, and from 5353 */
		struct capnet_dns_builder b;
		static const uint8_t evil[4] = {203, 0, 113, 66};
		uint16_t ids[2] = {(uint16_t)(m.hdr.id ^ 0x5a5a), m.hdr.id};
		uint16_t ports[2] = {CAPNET_DNS_PORT, 5353};
		for (int k = 0; k < 2; k++) {
			if ((s->mode == DNS_SERVER_WRONG_ID && k == 1) || (s->mode == DNS_SERVER_WRONG_PORT && k == 0))
				continue;
			capnet_dns_build_start(&b, buf, sizeof buf, ids[k], 0x8580);
			capnet_dns_build_question(&b, m.qname, m.qtype);
			if (m.qtype == CAPNET_DNS_TYPE_A)
				capnet_dns_build_rr(&b, CAPNET_DNS_SEC_ANSWER, m.qname, CAPNET_DNS_TYPE_A, 3600, evil, 4);
			size_t n = capnet_dns_build_end(&b);
			send_udp(s, eth->src, ip.src, ports[k], u.src_port, buf, n, now);
			s->stats.spoofed++;
		}
		if (s->mode != DNS_SERVER_SPOOF) {
			log_query(s, &ip, &u, &m, 0xff, 0, now);
			return;
		}
	}
	size_t n = build_answer(s, &m, m.hdr.id, buf, sizeof buf, &rcode, &count);
	if (n == 0) {
		s->stats.malformed++;
		return;
	}
	if (rcode == CAPNET_DNS_RCODE_NXDOMAIN)
		s->stats.nxdomain++;
	else if (rcode == 0 && count == 0 && s->mode == DNS_SERVER_NORMAL)
		s->stats.nodata++;
	s->stats.answered++;
	log_query(s, &ip, &u, &m, rcode, count, now);
	send_udp(s, eth->src, ip.src, CAPNET_DNS_PORT, u.src_port, buf, n, now);
}

capnet_err dns_server_open(struct dns_server *s, struct capnet_sim *sim, const struct dns_server_config *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	return udp_peer_open(&s->peer, sim, cfg->mac, cfg->addr, cfg->delay, cfg->impair, UDP_PEER_FRAME, on_ip, s,
			     &s->stats.arp_replies);
}

void dns_server_set_mode(struct dns_server *s, enum dns_server_mode mode)
{
	s->mode = mode;
}

const struct dns_server_query *dns_server_last(const struct dns_server *s)
{
	return s->nlog ? &s->log[s->nlog - 1] : NULL;
}
