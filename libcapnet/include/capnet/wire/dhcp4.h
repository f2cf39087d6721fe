/* DHCPv4 messages (RFC 2131 over the BOOTP header of RFC 951) and the
 * options a client needs (RFC 2132): 1 subnet mask, 3 router, 6 DNS
 * servers, 12 host name, 15 domain name, 28 broadcast address, 50 requested
 * address, 51 lease time, 52 overload, 53 message type, 54 server id, 55
 * parameter request list, 57 maximum message size, 58 T1, 59 T2, 61 client
 * id, 119 domain search (RFC 3397) and 121 classless static routes
 * (RFC 3442); pad and end. Other options are length-checked and skipped.
 *
 * Parse rules (each failure is a typed reason, see enum capnet_dhcp4_error):
 *  - 236-byte BOOTP header + 4-byte magic cookie, op 1 or 2, htype 1/hlen 6.
 *  - Every option's length byte is checked against the end of its area and
 *    against the length its type requires; every area must end with END
 *    (RFC 2131 4.1), so a message cut anywhere before its END fails.
 *  - Option 52 (only in the options field) moves more options into `file`
 *    (1), `sname` (2) or both (3), read in that order; those fields are then
 *    not exposed as strings.
 *  - A single-valued option appearing twice is an error. Options 119 and 121
 *    may appear several times and are concatenated (RFC 3396) before being
 *    decoded, since they are the ones that outgrow 255 bytes.
 *  - Lists longer than the repr holds (routers, DNS servers, routes) keep
 *    their first entries; the rest are still validated.
 *  - 119 is decoded, compression pointers included, to validate it: each
 *    pointer must go strictly before the run of labels it was found in, so
 *    decoding always terminates; names are at most 253 characters of
 *    letters, digits, '-' and '_' (printable without escaping).
 *  - 121: each route is a prefix width <= 32, its significant octets (no
 *    bits set beyond the width) and a router; anything else is an error.
 *
 * Emit writes the BOOTP header, the cookie, option 53 first and the rest in
 * code order, END, and zero padding up to the conventional 300-byte BOOTP
 * minimum (RFC 1542 2.1). It never overloads `file`/`sname`; options 119 and
 * 121 longer than 255 bytes are split into several instances (RFC 3396). */
#ifndef CAPNET_WIRE_DHCP4_H
#define CAPNET_WIRE_DHCP4_H

#include "capnet/err.h"
#include "capnet/types.h"

enum {
	CAPNET_DHCP4_OP = 0,
	CAPNET_DHCP4_HTYPE = 1,
	CAPNET_DHCP4_HLEN = 2,
	CAPNET_DHCP4_HOPS = 3,
	CAPNET_DHCP4_XID = 4,      /* 4 */
	CAPNET_DHCP4_SECS = 8,     /* 2 */
	CAPNET_DHCP4_FLAGS = 10,   /* 2 */
	CAPNET_DHCP4_CIADDR = 12,
	CAPNET_DHCP4_YIADDR = 16,
	CAPNET_DHCP4_SIADDR = 20,
	CAPNET_DHCP4_GIADDR = 24,
	CAPNET_DHCP4_CHADDR = 28,  /* 16 */
	CAPNET_DHCP4_SNAME = 44,   /* 64 */
	CAPNET_DHCP4_FILE = 108,   /* 128 */
	CAPNET_DHCP4_COOKIE = 236, /* 4 */
	CAPNET_DHCP4_OPTIONS = 240,
	CAPNET_DHCP4_HDR_LEN = 240, /* BOOTP header + cookie */
	CAPNET_DHCP4_CHADDR_LEN = 16,
	CAPNET_DHCP4_SNAME_LEN = 64,
	CAPNET_DHCP4_FILE_LEN = 128,
	CAPNET_DHCP4_MIN_LEN = 300, /* what emit pads to */
};

#define CAPNET_DHCP4_MAGIC 0x63825363u
#define CAPNET_DHCP4_FLAG_BROADCAST 0x8000u
#define CAPNET_DHCP4_SERVER_PORT 67
#define CAPNET_DHCP4_CLIENT_PORT 68
#define CAPNET_DHCP4_INFINITE 0xffffffffu /* lease time: forever */

enum capnet_dhcp4_op { CAPNET_BOOTREQUEST = 1, CAPNET_BOOTREPLY = 2 };

enum capnet_dhcp4_msg {
	CAPNET_DHCP4_DISCOVER = 1,
	CAPNET_DHCP4_OFFER = 2,
	CAPNET_DHCP4_REQUEST = 3,
	CAPNET_DHCP4_DECLINE = 4,
	CAPNET_DHCP4_ACK = 5,
	CAPNET_DHCP4_NAK = 6,
	CAPNET_DHCP4_RELEASE = 7,
	CAPNET_DHCP4_INFORM = 8,
	CAPNET_DHCP4_MSG_MAX = 18, /* the IANA registry's last type as of RFC 7724 */
};
const char *capnet_dhcp4_msg_name(uint8_t type);

enum capnet_dhcp4_opt {
	CAPNET_DHCP4_OPT_PAD = 0,
	CAPNET_DHCP4_OPT_SUBNET_MASK = 1,
	CAPNET_DHCP4_OPT_ROUTER = 3,
	CAPNET_DHCP4_OPT_DNS = 6,
	CAPNET_DHCP4_OPT_HOSTNAME = 12,
	CAPNET_DHCP4_OPT_INTERFACE_MTU = 26,
	CAPNET_DHCP4_OPT_DOMAIN_NAME = 15,
	CAPNET_DHCP4_OPT_BROADCAST = 28,
	CAPNET_DHCP4_OPT_REQUESTED_IP = 50,
	CAPNET_DHCP4_OPT_LEASE_TIME = 51,
	CAPNET_DHCP4_OPT_OVERLOAD = 52,
	CAPNET_DHCP4_OPT_MSG_TYPE = 53,
	CAPNET_DHCP4_OPT_SERVER_ID = 54,
	CAPNET_DHCP4_OPT_PARAM_REQUEST = 55,
	CAPNET_DHCP4_OPT_MAX_MSG_SIZE = 57,
	CAPNET_DHCP4_OPT_T1 = 58,
	CAPNET_DHCP4_OPT_T2 = 59,
	CAPNET_DHCP4_OPT_CLIENT_ID = 61,
	CAPNET_DHCP4_OPT_DOMAIN_SEARCH = 119,
	CAPNET_DHCP4_OPT_CLASSLESS_ROUTES = 121,
	CAPNET_DHCP4_OPT_END = 255,
};

/* Why a parse failed; the client counts each under its own counter. */
enum capnet_dhcp4_error {
	CAPNET_DHCP4_ERR_NONE = 0,
	CAPNET_DHCP4_ERR_TRUNCATED,     /* E_TRUNCATED: < 240 bytes */
	CAPNET_DHCP4_ERR_BAD_OP,        /* E_MALFORMED: op not 1 or 2 */
	CAPNET_DHCP4_ERR_BAD_HTYPE,     /* E_UNSUPPORTED: not htype 1, hlen 6 */
	CAPNET_DHCP4_ERR_BAD_COOKIE,    /* E_MALFORMED */
	CAPNET_DHCP4_ERR_OPT_TRUNCATED, /* E_TRUNCATED: past the area, or no END */
	CAPNET_DHCP4_ERR_OPT_BADLEN,    /* E_MALFORMED: wrong length for the type */
	CAPNET_DHCP4_ERR_OPT_DUPLICATE, /* E_MALFORMED */
	CAPNET_DHCP4_ERR_BAD_OVERLOAD,  /* E_MALFORMED: value not 1-3, or not in the options field */
	CAPNET_DHCP4_ERR_BAD_MSG_TYPE,  /* E_MALFORMED: 0 or beyond CAPNET_DHCP4_MSG_MAX */
	CAPNET_DHCP4_ERR_BAD_SEARCH,    /* E_MALFORMED: option 119 */
	CAPNET_DHCP4_ERR_BAD_ROUTES,    /* E_MALFORMED: option 121 */
};
const char *capnet_dhcp4_error_name(enum capnet_dhcp4_error e);

/* ---- view: the fixed header, length-checked ---- */

struct capnet_dhcp4_view {
	const uint8_t *buf;
	size_t len;
};

/* E_TRUNCATED below CAPNET_DHCP4_HDR_LEN. Nothing else is checked. */
capnet_err capnet_dhcp4_view_check(struct capnet_dhcp4_view *v, const uint8_t *buf, size_t len);
uint8_t capnet_dhcp4_op(const struct capnet_dhcp4_view *v);
uint8_t capnet_dhcp4_htype(const struct capnet_dhcp4_view *v);
uint8_t capnet_dhcp4_hlen(const struct capnet_dhcp4_view *v);
uint8_t capnet_dhcp4_hops(const struct capnet_dhcp4_view *v);
uint32_t capnet_dhcp4_xid(const struct capnet_dhcp4_view *v);
uint16_t capnet_dhcp4_secs(const struct capnet_dhcp4_view *v);
uint16_t capnet_dhcp4_flags(const struct capnet_dhcp4_view *v);
capnet_ip4addr capnet_dhcp4_ciaddr(const struct capnet_dhcp4_view *v);
capnet_ip4addr capnet_dhcp4_yiaddr(const struct capnet_dhcp4_view *v);
capnet_ip4addr capnet_dhcp4_siaddr(const struct capnet_dhcp4_view *v);
capnet_ip4addr capnet_dhcp4_giaddr(const struct capnet_dhcp4_view *v);
struct capnet_mac capnet_dhcp4_chaddr(const struct capnet_dhcp4_view *v);
uint32_t capnet_dhcp4_cookie(const struct capnet_dhcp4_view *v);

/* ---- repr ---- */

#define CAPNET_DHCP4_MAX_ADDRS 4   /* routers and DNS servers kept */
#define CAPNET_DHCP4_MAX_ROUTES 16 /* classless routes kept */
#define CAPNET_DHCP4_SEARCH_MAX 512 /* encoded option 119 bytes (after concatenation) */
#define CAPNET_DHCP4_ROUTES_RAW_MAX 512 /* encoded option 121 bytes (after concatenation) */

/* Scalar options present (repr.present). */
#define CAPNET_DHCP4_HAS_SUBNET_MASK (1u << 0)
#define CAPNET_DHCP4_HAS_BROADCAST (1u << 1)
#define CAPNET_DHCP4_HAS_REQUESTED_IP (1u << 2)
#define CAPNET_DHCP4_HAS_LEASE_TIME (1u << 3)
#define CAPNET_DHCP4_HAS_SERVER_ID (1u << 4)
#define CAPNET_DHCP4_HAS_T1 (1u << 5)
#define CAPNET_DHCP4_HAS_T2 (1u << 6)
#define CAPNET_DHCP4_HAS_MAX_MSG_SIZE (1u << 7)
#define CAPNET_DHCP4_HAS_INTERFACE_MTU (1u << 8)

struct capnet_dhcp4_route {
	capnet_ip4addr dest;
	uint8_t prefix_len;
	capnet_ip4addr gateway; /* 0: on-link */
};

/* An opaque option value; points into the parsed buffer (copied on emit).
 * len 0: absent. */
struct capnet_dhcp4_bytes {
	const uint8_t *p;
	uint8_t len;
};

struct capnet_dhcp4_repr {
	uint8_t op;
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;
	capnet_ip4addr ciaddr;
	capnet_ip4addr yiaddr;
	capnet_ip4addr siaddr;
	capnet_ip4addr giaddr;
	struct capnet_mac chaddr;
	const uint8_t *sname; /* 64 bytes, or NULL: zeros (and after an overload into it) */
	const uint8_t *file;  /* 128 bytes, or NULL */

	uint8_t message_type; /* 0: absent (plain BOOTP) */
	uint32_t present;     /* CAPNET_DHCP4_HAS_* */
	capnet_ip4addr subnet_mask;
	capnet_ip4addr broadcast_addr;
	capnet_ip4addr requested_ip;
	capnet_ip4addr server_id;
	uint32_t lease_time; /* seconds; CAPNET_DHCP4_INFINITE */
	uint32_t t1;
	uint32_t t2;
	uint16_t max_msg_size;
	uint16_t interface_mtu; /* option 26 (RFC 2132 5.1), as sent: the client checks the range */
	uint8_t overload; /* parse only: option 52's value, 0 if absent */
	uint8_t n_routers;
	capnet_ip4addr routers[CAPNET_DHCP4_MAX_ADDRS];
	uint8_t n_dns;
	capnet_ip4addr dns[CAPNET_DHCP4_MAX_ADDRS];
	struct capnet_dhcp4_bytes hostname;
	struct capnet_dhcp4_bytes domain_name;
	struct capnet_dhcp4_bytes param_request;
	struct capnet_dhcp4_bytes client_id;
	uint16_t search_len; /* option 119, encoded (RFC 1035 names); 0: absent */
	uint8_t search[CAPNET_DHCP4_SEARCH_MAX];
	uint8_t n_routes;    /* option 121; 0: absent */
	struct capnet_dhcp4_route routes[CAPNET_DHCP4_MAX_ROUTES];
};

/* `why` (may be NULL) gets the reason on failure, ERR_NONE on success. */
capnet_err capnet_dhcp4_parse(const uint8_t *buf, size_t len, struct capnet_dhcp4_repr *out,
			      enum capnet_dhcp4_error *why);
/* 0 when the repr cannot be emitted (a route wider than 32 bits, a search
 * list longer than CAPNET_DHCP4_SEARCH_MAX). */
size_t capnet_dhcp4_emit_len(const struct capnet_dhcp4_repr *r);
/* Writes capnet_dhcp4_emit_len(r) bytes into buf; returns that length. */
size_t capnet_dhcp4_emit(const struct capnet_dhcp4_repr *r, uint8_t *buf);

/* ---- option 119: domain search list (RFC 3397) ---- */

#define CAPNET_DNS_NAME_MAX 253      /* dotted, without the root's dot */
#define CAPNET_DHCP4_SEARCH_NAMES 6  /* names kept by decode (the rest validated) */

struct capnet_dhcp4_search {
	uint8_t count;
	char name[CAPNET_DHCP4_SEARCH_NAMES][CAPNET_DNS_NAME_MAX + 1]; /* NUL-terminated, no trailing dot */
};

/* E_MALFORMED for anything the parse rules above reject. */
capnet_err capnet_dhcp4_search_decode(const uint8_t *raw, size_t len, struct capnet_dhcp4_search *out);
/* Encodes dotted names, compressing each name's longest suffix already
 * written into a pointer. E_INVAL for a name the decoder would reject,
 * E_NOBUFS when out (cap bytes) is too small. */
capnet_err capnet_dhcp4_search_encode(const char *const *names, size_t n, uint8_t *out, size_t cap, size_t *len);

#endif
