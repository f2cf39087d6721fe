/* The packet trace's hosted side: the dhcp-tcp scenario (a host that gets
 * its address by DHCP and then talks TCP to a peer, with a capability
 * system over its interface), tcpdump-style one-line summaries, JSON, and
 * the pcap export. Shared by `capnet trace`, the packet-trace proof and
 * the trace benchmark. */
#ifndef CAPNET_HARNESS_TRACE_RUN_H
#define CAPNET_HARNESS_TRACE_RUN_H

#include <jansson.h>
#include <stdio.h>

#include "capnet/cap.h"
#include "capnet/trace.h"
#include "harness/dhcp4_host.h"
#include "harness/sim_tcp.h"
#include "sim/dhcp4_server.h"

/* The bytes the peer sends the client: they must never appear in a
 * record. A 32-byte period in which no run of 6 bytes repeats. */
#define TRACE_SECRET "CAPNET-PAYLOAD-MUST-NOT-BE-SEEN/"
#define TRACE_SECRET_LEN 32
#define TRACE_REQUEST_LEN 64
#define TRACE_RESPONSE_MAX 16384
#define TRACE_TCP_PORT 5001

/* One TCP connection from the client to the peer carrying `rounds`
 * request/response rounds, one every `interval`: the client sends a 64-byte
 * request, the peer answers with resp_len bytes of TRACE_SECRET, both
 * checked byte for byte on receipt. After the last response the client
 * closes, and the peer closes at end of stream. */
struct trace_exchange {
	struct capnet_tcp *ctcp, *ptcp;
	struct capnet_tcp_sock *listener, *csock, *psock;
	unsigned rounds;
	capnet_duration interval;
	size_t resp_len;
	capnet_instant start;
	unsigned c_round;        /* the client's current round */
	size_t c_sent, c_rcvd;   /* of its request / response */
	unsigned p_round;
	size_t p_rcvd, p_sent;
	uint64_t resp_bytes;     /* response bytes received, all rounds */
	bool mismatch, client_closed, peer_eof, failed, exact;
	capnet_err err;
	capnet_instant connected_at, done_at;
	uint8_t resp[TRACE_RESPONSE_MAX]; /* one response, sent in one call (Nagle would hold a second) */
};

struct trace_scenario {
	uint64_t seed;
	struct capnet_sim *sim;
	struct dhcp4_server server;
	struct sim_tcp peer;
	struct dhcp4_host client; /* C: the traced interface; its stack holds the parts below */
	struct capnet_tcp *ctcp;
	struct capnet_capsys *sys;
	struct capnet_cspace *boot, *debug, *sibling;
	struct capnet_trace_pool *pool;
	struct capnet_net *net;
	capnet_handle nm; /* NetworkManager over C, in boot */
	struct trace_exchange x;
};

extern const struct capnet_mac trace_mac_server, trace_mac_peer, trace_mac_client;
extern const capnet_ip4addr trace_ip_server, trace_ip_peer, trace_ip_lease;

/* Builds the network (nothing runs yet). sim_pcap (may be NULL) records
 * every frame of the simulator. Returns a capnet_err. */
capnet_err trace_scenario_open(struct trace_scenario *s, uint64_t seed, const char *sim_pcap);
void trace_scenario_close(struct trace_scenario *s);
/* Starts the DHCP client now and runs until BOUND or limit. */
bool trace_scenario_dhcp(struct trace_scenario *s, capnet_instant limit);
/* Connects now (the client must be bound); round i starts at now + i *
 * interval. resp_len <= TRACE_RESPONSE_MAX. */
capnet_err trace_scenario_tcp_start(struct trace_scenario *s, unsigned rounds, capnet_duration interval,
				    size_t resp_len);
/* Runs until the exchange is over (true) or limit. */
bool trace_scenario_tcp_run(struct trace_scenario *s, capnet_instant limit);

/* ---- reading, printing, exporting ---- */

/* Every record a TraceReader sees, in order (malloc'd; *n records). */
capnet_err trace_read_all(struct capnet_cspace *cs, capnet_handle reader, struct capnet_trace_record **out,
			  size_t *n);
/* tcpdump's one-line form: "   2.004123 rx IP 192.0.2.20.5001 > 192.0.2.100.49152: Flags [S.], seq ...,
 * length 0 [54/74]" -- [stored/on the wire]. Returns the length written. */
size_t trace_format(const struct capnet_trace_record *r, char *buf, size_t cap);
/* "IPV4|UDP|DHCP". */
size_t trace_protos_text(uint32_t protos, char *buf, size_t cap);
json_t *trace_record_json(const struct capnet_trace_record *r);
json_t *trace_info_json(const struct capnet_trace_info *i);
/* The pcap snap length of a policy: its snaplen, at most the header max. */
uint32_t trace_pcap_snaplen(const struct capnet_trace_policy *p);
/* Classic pcap (microseconds, Ethernet): each record with caplen stored
 * bytes and its wire length as orig_len, so readers see frames captured
 * short, not malformed ones. 0 on success, -1 on a write error. */
int trace_pcap_write(FILE *f, uint32_t snaplen, const struct capnet_trace_record *r, size_t n);
/* Whether any stored byte run of 6 comes from TRACE_SECRET. */
bool trace_record_has_secret(const struct capnet_trace_record *r);
/* FNV-1a 64 of a buffer. */
uint64_t trace_fnv(const void *p, size_t n);

#endif
