/* Packet trace: a bounded, header-only, filtered, expiring capture of one
 * interface (DESIGN: Capabilities, PacketTrace -> TraceReader).
 *
 * What a trace keeps. Every frame passes the interface's one capture point
 * in each direction (capnet_iface_input for rx, the Ethernet transmit for
 * tx). A frame the policy admits becomes one record: its time, direction,
 * length on the wire, classification, and at most the bytes of its L2/L3/L4
 * headers -- never a byte of the body. The header boundary is computed per
 * protocol from the frame itself:
 *
 *   Ethernet (14, or 18 with one 802.1Q tag)
 *     + ARP 28
 *     + IPv4 IHL*4  + TCP data offset*4 | UDP 8 | ICMP 8   (first fragment)
 *     + IPv6 40     + TCP data offset*4 | UDP 8 | ICMPv6 8
 *
 * A layer counts only when it is whole and consistent (within the frame and
 * within the length the layer below declares); otherwise the boundary stops
 * at the layer before it. Unknown ethertypes, IPv4 protocols other than
 * those three, non-first fragments and IPv6 extension headers stop at the
 * last header understood. The stored length is min(snaplen, boundary), so a
 * snaplen larger than the headers still stores no body (payload policy
 * HEADERS_ONLY is the only one there is). Ethernet padding is body too.
 *
 * Bounds. Records come from a pool the caller carves from its arena once
 * (capnet_trace_pool_create); a trace holds at most `capacity` records and
 * then drops, counting every drop: the records kept are the first ones, so
 * a capture is reproducible and its losses exact. At `expires` (exclusive:
 * a frame at exactly that instant is not admitted) the capture stops by
 * itself; admitted_after_expiry counts records stamped at or after it and
 * must stay 0.
 *
 * Time. Each record carries the instant of the call that moved the frame:
 * capnet_iface_input for rx, and for tx the `now` of the send, timer or
 * configuration call that transmitted it. The trace clock only moves
 * forward, and capnet_iface_poll also moves it, so a trace expires on time
 * even when no frame passes.
 *
 * Authority. The trace object knows nothing of caps; capnet/cap.h serves it
 * as a PacketTrace cap minted by a NetworkManager
 * (capnet_netmgr_mint_trace_policy) and TraceReader caps below it. Freestanding. */
#ifndef CAPNET_TRACE_H
#define CAPNET_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/arena.h"
#include "capnet/err.h"
#include "capnet/types.h"

struct capnet_iface;
struct capnet_trace;
struct capnet_trace_pool;

/* The most header bytes any frame has: Ethernet with a VLAN tag (18), IPv4
 * with 40 bytes of options (60), TCP with 40 bytes of options (60). */
#define CAPNET_TRACE_HDR_MAX 138u
#define CAPNET_TRACE_REASON_MAX 64

/* ---- classification ---- */

/* X(name, bit). A frame carries every class it belongs to: a DHCP offer is
 * IPV4 | UDP | DHCP. */
#define CAPNET_TRACE_PROTOS(X) \
	X(ARP, 0) X(IPV4, 1) X(IPV6, 2) X(ICMP, 3) X(UDP, 4) X(TCP, 5) X(DHCP, 6) X(DNS, 7)
enum {
#define CAPNET_TRACE_P_ENUM(name, bit) CAPNET_TRACE_P_##name = 1u << (bit),
	CAPNET_TRACE_PROTOS(CAPNET_TRACE_P_ENUM)
#undef CAPNET_TRACE_P_ENUM
};
#define CAPNET_TRACE_P_ALL ((1u << 8) - 1)
/* "DHCP" for one class bit; NULL for anything else. */
const char *capnet_trace_proto_name(uint32_t bit);

#define CAPNET_TRACE_PORT_DHCP_SERVER 67
#define CAPNET_TRACE_PORT_DHCP_CLIENT 68
#define CAPNET_TRACE_PORT_DNS 53

/* What the headers of one frame say; only header fields, never a body. */
struct capnet_trace_class {
	uint32_t protos;         /* CAPNET_TRACE_P_* */
	uint16_t ethertype;      /* inner type when tagged */
	bool vlan;
	uint16_t vlan_tci;
	struct capnet_mac eth_src, eth_dst;
	uint16_t l3_off;         /* 0 when there is no L3 header */
	uint16_t l4_off;         /* 0 when there is no L4 header */
	uint16_t header_len;     /* the header boundary */
	bool malformed;          /* a header was cut short or inconsistent */
	bool fragment;           /* IPv4 non-first fragment: no L4 header */
	uint8_t ip_proto;        /* IPv4 protocol / IPv6 next header */
	uint8_t ip_ttl;          /* or hop limit */
	capnet_ip4addr src4, dst4;
	struct capnet_ip6addr src6, dst6;
	uint16_t sport, dport;   /* UDP, TCP */
	uint8_t tcp_flags;
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_win;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq; /* echo request / reply */
	uint16_t arp_oper;
	capnet_ip4addr arp_spa, arp_tpa;
	/* The body length the headers declare (UDP length, IP length minus the
	 * headers); the body itself is never read. */
	uint32_t body_len;
};

/* Classifies a frame and returns its header boundary (<= len, <=
 * CAPNET_TRACE_HDR_MAX). Reads only header bytes; any input is safe. */
size_t capnet_trace_classify(const uint8_t *frame, size_t len, struct capnet_trace_class *out);

struct capnet_frame_desc;
struct capnet_trace_record;
/* The frame describer's summary (capnet/wire/describe.h) of a record, from
 * its class and stored bytes, so a record prints as the frame would have:
 * capnet_frame_desc_text(d, CAPNET_DESCRIBE_TRACE, ...). */
void capnet_trace_record_desc(const struct capnet_trace_record *r, struct capnet_frame_desc *d);

/* ---- policy ---- */

enum capnet_trace_dir {
	CAPNET_TRACE_DIR_RX = 1,
	CAPNET_TRACE_DIR_TX = 2,
	CAPNET_TRACE_DIR_BOTH = 3,
};
/* "rx", "tx", "both"; "?" otherwise. */
const char *capnet_trace_dir_name(enum capnet_trace_dir d);

enum capnet_trace_payload {
	CAPNET_TRACE_HEADERS_ONLY = 0, /* bodies are never stored: the only policy */
};

struct capnet_trace_policy {
	uint32_t capacity;          /* records, 1..the pool's records_per_trace */
	uint32_t snaplen;           /* bytes stored per frame at most (still cut at the headers); >= 14 */
	enum capnet_trace_payload payload;
	enum capnet_trace_dir dir;
	uint32_t protos;            /* a frame must be one of these classes; 0: any */
	uint16_t port;              /* and UDP/TCP with this source or destination port; 0: any */
	capnet_instant expires;     /* capture stops at this instant; CAPNET_INSTANT_NEVER: never */
};

/* capacity 16, snaplen CAPNET_TRACE_HDR_MAX, header-only, both directions,
 * any protocol, expiring `lifetime` after `now`. */
void capnet_trace_policy_default(struct capnet_trace_policy *p, capnet_instant now, capnet_duration lifetime);
/* Well formed: capacity >= 1, snaplen >= 14, header-only, a direction, known
 * class bits, expires >= 0. */
bool capnet_trace_policy_valid(const struct capnet_trace_policy *p);
/* `inner` captures no more than `outer`: capacity and snaplen not larger, a
 * direction within, a protocol filter at least as narrow (outer 0, or inner
 * a non-empty subset), the same port filter if outer has one, and an expiry
 * no later. */
bool capnet_trace_policy_within(const struct capnet_trace_policy *inner, const struct capnet_trace_policy *outer);
/* Whether a classified frame in direction d passes the filters (not
 * capacity or expiry). */
bool capnet_trace_policy_admits(const struct capnet_trace_policy *p, enum capnet_trace_dir d,
				const struct capnet_trace_class *c);

/* ---- records and counters ---- */

struct capnet_trace_record {
	uint32_t seq;             /* 0-based among the records of this trace */
	capnet_instant at;
	enum capnet_trace_dir dir;
	uint32_t orig_len;        /* the frame's length on the wire */
	uint16_t caplen;          /* bytes in data: min(snaplen, class.header_len) */
	struct capnet_trace_class cls;
	uint8_t data[CAPNET_TRACE_HDR_MAX];
};

struct capnet_trace_counters {
	uint64_t seen;            /* frames offered while capturing (before expiry or stop) */
	uint64_t captured;        /* records taken */
	uint64_t dropped_full;    /* admitted by the filters, but the trace was full */
	uint64_t filtered;        /* refused by the direction, protocol or port filter */
	uint64_t truncated;       /* records holding fewer bytes than the frame (body, padding or snaplen cut) */
	uint64_t withheld_bytes;  /* bytes of captured frames not stored */
	uint64_t after_expiry;    /* frames offered at or after the expiry: ignored */
	uint64_t admitted_after_expiry; /* records stamped at or after the expiry: must be 0 */
};

enum capnet_trace_state {
	CAPNET_TRACE_CAPTURING = 0,
	CAPNET_TRACE_EXPIRED,   /* the deadline passed: capture stopped by itself */
	CAPNET_TRACE_STOPPED,   /* stopped by its holder; records kept */
	CAPNET_TRACE_CLOSED,    /* its authority is gone: nothing to read */
};
const char *capnet_trace_state_name(enum capnet_trace_state s);

/* Who minted a trace, for whom, with what policy and why. */
struct capnet_trace_provenance {
	uint8_t authority_type;   /* enum capnet_cap_type of the minting cap (NETWORK_MANAGER) */
	uint32_t authority_cap;   /* its cap id */
	uint32_t minted_by;       /* the cspace id that minted it */
	char minted_by_name[16];
	uint32_t minted_for;      /* the cspace id it was minted for */
	capnet_instant minted_at;
	const char *iface_name;   /* the interface it observes */
	struct capnet_trace_policy policy; /* as minted (narrowing shows in capnet_trace_info.policy) */
	char reason[CAPNET_TRACE_REASON_MAX]; /* given at mint time, cut to fit */
};

struct capnet_trace_info {
	enum capnet_trace_state state;
	struct capnet_trace_policy policy; /* in force now */
	struct capnet_trace_provenance prov;
	struct capnet_trace_counters counters;
	uint32_t records;                  /* readable records */
	capnet_instant clock;              /* the latest instant the trace has seen */
};

/* ---- the pool and the trace object (the provider's side) ---- */

struct capnet_trace_pool_config {
	uint16_t max_traces;        /* traces open at once; default 2 */
	uint32_t records_per_trace; /* the largest capacity; default 256 */
};
void capnet_trace_pool_config_defaults(struct capnet_trace_pool_config *cfg);
size_t capnet_trace_pool_arena_need(const struct capnet_trace_pool_config *cfg);
/* `cfg` may be NULL for defaults. */
capnet_err capnet_trace_pool_create(struct capnet_arena *arena, const struct capnet_trace_pool_config *cfg,
				    struct capnet_trace_pool **out);
uint32_t capnet_trace_pool_records_per_trace(const struct capnet_trace_pool *pool);

/* Opens a trace on ifc and attaches it to the capture points (the
 * interface's tap hook). E_INVAL for a bad policy or a capacity beyond the
 * pool's; E_NOMEM when every trace of the pool is open, or every tap slot
 * of ifc is taken; E_INUSE when ifc already has a trace. */
capnet_err capnet_trace_open(struct capnet_trace_pool *pool, struct capnet_iface *ifc,
			     const struct capnet_trace_policy *policy, const struct capnet_trace_provenance *prov,
			     capnet_instant now, struct capnet_trace **out);
/* Detaches and frees the trace: its generation moves on, so anything
 * holding (trace, generation) sees it closed. */
void capnet_trace_close(struct capnet_trace *t);
/* Detaches; records stay readable (STOPPED). */
void capnet_trace_stop(struct capnet_trace *t);
/* Replaces the policy with a narrower one (E_SCOPE when not within). */
capnet_err capnet_trace_narrow(struct capnet_trace *t, const struct capnet_trace_policy *p);
/* Forgets every record (the counters stay): for long runs and benches. */
void capnet_trace_clear(struct capnet_trace *t);
uint16_t capnet_trace_generation(const struct capnet_trace *t);
bool capnet_trace_is_open(const struct capnet_trace *t, uint16_t generation);

void capnet_trace_info(const struct capnet_trace *t, struct capnet_trace_info *out);
/* E_NOTFOUND beyond the records held. */
capnet_err capnet_trace_record(const struct capnet_trace *t, uint32_t index, struct capnet_trace_record *out);

/* The capture decision for one frame (what the trace's tap calls). */
void capnet_trace_capture(struct capnet_trace *t, enum capnet_trace_dir dir, const uint8_t *frame, size_t len,
			  capnet_instant now);
/* Moves the trace clock forward (never back) and expires it on time. */
void capnet_trace_tick(struct capnet_trace *t, capnet_instant now);
capnet_instant capnet_trace_clock(const struct capnet_trace *t);

/* ---- the attachment (through the interface's tap hook, capnet/iface.h) ---- */

/* One trace per interface. E_INUSE when another is attached (or t is
 * attached to another interface); E_NOMEM when every tap slot of ifc is
 * taken. capnet_trace_open does this itself. */
capnet_err capnet_iface_trace_attach(struct capnet_iface *ifc, struct capnet_trace *t);
/* Detaches t if it is the one attached. */
void capnet_iface_trace_detach(struct capnet_iface *ifc, struct capnet_trace *t);
/* The trace attached to ifc, or NULL. */
const struct capnet_trace *capnet_iface_trace(const struct capnet_iface *ifc);

#endif
