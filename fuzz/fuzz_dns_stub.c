/* The stub resolver fed arbitrary answers against outstanding queries.
 * The first input byte picks what is asked (A, AAAA or both; 0x20 on or
 * off; one or two servers); then the rest is a run of records
 *
 *   flags(1) length(2, big-endian) payload(length)
 *
 * each payload a UDP datagram to the port of the newest outstanding
 * query. Flag bits: 0 patch in that query's id, 1 patch in its question
 * (the name as sent, its type, class IN) right after a 12-byte header, so
 * the fuzzer gets past the matching; 2 come from port 5353 instead of 53,
 * 3 from the second server, 4-7 how far the clock moves afterwards
 * (0-15 x 300 ms).
 *
 * Invariants after every step: the next deadline is never in the past;
 * every frame sent is from our MAC and is a well-formed query to a
 * configured server's port 53 (or an ICMP port unreachable for a late
 * answer, to that server); at most two datagram buffers are ever held; a finished
 * lookup has a status in range and at most CAPNET_DNS_MAX_ADDRS addresses;
 * and every lookup ends by its deadline. */
#include <string.h>

#include "capnet/config.h"
#include "capnet/dns_stub.h"
#include "capnet/ip4_config.h"
#include "capnet/neigh.h"
#include "capnet/udp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/dns.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/udp.h"
#include "fuzz_assert.h"
#include "fuzz_iface.h"

static const struct capnet_mac our_mac = {{0x02, 0, 0, 0, 0, 0x0a}}, srv_mac = {{0x02, 0, 0, 0, 0, 0x53}};
#define US CAPNET_IP4(192, 0, 2, 10)
#define NS1 CAPNET_IP4(192, 0, 2, 53)
#define NS2 CAPNET_IP4(192, 0, 2, 54)

/* The newest query the stub sent. */
static struct {
	bool have;
	uint16_t port, id, qtype;
	capnet_ip4addr dst;
	uint8_t question[300];
	size_t qlen;
} last;

static capnet_err check_transmit(void *dev, const uint8_t *f, size_t len)
{
	(void)dev;
	FUZZ_CHECK(len >= 60 && len <= 1518);
	FUZZ_CHECK(memcmp(f + 6, our_mac.b, 6) == 0);
	if (capnet_get16(f + 12) != CAPNET_ETHERTYPE_IPV4)
		return CAPNET_OK; /* ARP */
	struct capnet_ip4_repr ip;
	struct capnet_udp_repr u;
	FUZZ_CHECK(capnet_ip4_parse(f + 14, len - 14, &ip, NULL) == CAPNET_OK);
	if (ip.proto == CAPNET_IPPROTO_ICMP) {
		/* a late answer to a closed port: port unreachable (RFC 1122
		 * 4.1.3.1), to the server that sent it */
		FUZZ_CHECK(ip.dst == NS1 || ip.dst == NS2);
		return CAPNET_OK;
	}
	FUZZ_CHECK(ip.proto == CAPNET_IPPROTO_UDP);
	FUZZ_CHECK(capnet_udp_parse4(f + 14 + ip.header_len, ip.payload_len, ip.src, ip.dst, &u, NULL) == CAPNET_OK);
	FUZZ_CHECK(u.dst_port == 53 && (ip.dst == NS1 || ip.dst == NS2));
	struct capnet_dns_msg m;
	FUZZ_CHECK(capnet_dns_parse(u.payload, u.payload_len, &m) == CAPNET_DNS_ERR_NONE);
	FUZZ_CHECK(m.has_question && !(m.hdr.flags & CAPNET_DNS_FLAG_QR));
	last.have = true;
	last.port = u.src_port;
	last.id = m.hdr.id;
	last.qtype = m.qtype;
	last.dst = ip.dst;
	last.qlen = m.rr_off - CAPNET_DNS_HDR_LEN;
	memcpy(last.question, u.payload + CAPNET_DNS_HDR_LEN, last.qlen);
	return CAPNET_OK;
}

static const struct capnet_nic_ops ops = {check_transmit, capnet_nic_null_receive, capnet_nic_null_link_up};
static uint8_t arena_mem[256 * 1024];
static uint8_t frame[2048], udpbuf[2048], payload[1500];

static void inject(struct capnet_iface *ifc, capnet_ip4addr src, uint16_t sport, const uint8_t *p, size_t n,
		   capnet_instant now)
{
	struct capnet_eth_repr eth = {.dst = our_mac, .src = srv_mac, .ethertype = CAPNET_ETHERTYPE_IPV4};
	size_t off = capnet_eth_emit(&eth, frame);
	struct capnet_udp_repr u = {.src_port = sport, .dst_port = last.port, .payload = p, .payload_len = n};
	size_t ul = capnet_udp_emit4(&u, udpbuf, src, US);
	struct capnet_ip4_repr ip = {.src = src, .dst = US, .proto = CAPNET_IPPROTO_UDP, .ttl = 64, .payload_len = ul};
	off += capnet_ip4_emit(&ip, frame + off);
	memcpy(frame + off, udpbuf, ul);
	capnet_iface_input(ifc, frame, off + ul, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	memset(&last, 0, sizeof last);
	struct fuzz_iface fi;
	fuzz_iface_open(&fi, &ops, our_mac, 7, arena_mem, sizeof arena_mem);
	struct capnet_arena *a = &fi.a;
	struct capnet_iface *ifc = fi.ifc;
	struct capnet_udp_layer *udp;
	struct capnet_ip4cfg *cfg;
	struct capnet_dns_stub *d;
	uint8_t mode = data[0];
	struct capnet_dns_stub_config sc = {.randomise_case = (mode & 4) != 0};
	FUZZ_CHECK(capnet_udp_create(a, NULL, ifc, &udp) == CAPNET_OK);
	FUZZ_CHECK(capnet_ip4cfg_create(a, ifc, &cfg) == CAPNET_OK);
	FUZZ_CHECK(capnet_dns_stub_create(a, &sc, ifc, udp, cfg, &d) == CAPNET_OK);
	struct capnet_ip4cfg_layer *l = capnet_ip4cfg_layer(cfg, CAPNET_PROV_STATIC);
	l->addr = US;
	l->prefix_len = 24;
	l->n_dns = (mode & 8) ? 2 : 1;
	l->dns[0] = NS1;
	l->dns[1] = NS2;
	l->n_search = 1;
	memcpy(l->search[0], "example.test", 13);
	FUZZ_CHECK(capnet_ip4cfg_commit(cfg, 0) == CAPNET_OK);
	struct capnet_ipaddr s1 = capnet_ipaddr_from_ip4(NS1), s2 = capnet_ipaddr_from_ip4(NS2);
	capnet_neigh_add_static(ifc, &s1, srv_mac);
	capnet_neigh_add_static(ifc, &s2, srv_mac);

	capnet_instant now = 0;
	unsigned want = (mode & 3) == 0 ? CAPNET_DNS_WANT_BOTH : (mode & 3);
	if (want > CAPNET_DNS_WANT_BOTH)
		want = CAPNET_DNS_WANT_BOTH;
	uint32_t id;
	FUZZ_CHECK(capnet_dns_stub_start(d, "www", want, now, &id) == CAPNET_OK);
	struct capnet_dns_result r;
	bool done = false;
	size_t p = 1;
	uint8_t flags;
	size_t n;
	while (!done && fuzz_next_record(data, size, &p, &flags, payload, sizeof payload, &n)) {
		if ((flags & 1) && n >= 2)
			capnet_put16(payload, last.id);
		if ((flags & 2) && n >= CAPNET_DNS_HDR_LEN + last.qlen)
			memcpy(payload + CAPNET_DNS_HDR_LEN, last.question, last.qlen);
		if (last.have)
			inject(ifc, (flags & 8) ? NS2 : NS1, (flags & 4) ? 5353 : 53, payload, n, now);
		now += (capnet_duration)(flags >> 4) * CAPNET_MS(300);
		capnet_instant next = capnet_iface_poll(ifc, now);
		FUZZ_CHECK(next >= now);
		FUZZ_CHECK(capnet_udp_buffers_in_use(udp) <= 2);
		capnet_err e = capnet_dns_stub_result(d, id, &r);
		FUZZ_CHECK(e == CAPNET_OK || e == CAPNET_E_AGAIN);
		done = e == CAPNET_OK;
	}
	if (!done) {
		/* run out the clock: every lookup ends by its deadline */
		capnet_iface_poll(ifc, now + CAPNET_DEFAULT_DNS_DEADLINE);
		FUZZ_CHECK(capnet_dns_stub_result(d, id, &r) == CAPNET_OK);
	}
	FUZZ_CHECK((unsigned)r.status < CAPNET_DNS_STATUS__COUNT && r.status != CAPNET_DNS_PENDING);
	FUZZ_CHECK(r.n_addrs <= CAPNET_DNS_MAX_ADDRS);
	FUZZ_CHECK((r.status == CAPNET_DNS_FOUND) == (r.n_addrs > 0));
	FUZZ_CHECK(capnet_udp_buffers_in_use(udp) == 0 && capnet_udp_sockets_open(udp) == 0);
	return 0;
}
