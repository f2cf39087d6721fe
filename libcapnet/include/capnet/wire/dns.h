/* DNS messages (RFC 1035 4.1) as a stub resolver needs them: the header,
 * the question, and the records A (1), NS (2, skipped), CNAME (5), SOA (6,
 * for the negative TTL of RFC 2308 5), AAAA (28, RFC 3596) and OPT (41,
 * EDNS0, RFC 6891: the UDP payload size). Other types are length-checked
 * and kept as opaque rdata.
 *
 * Parse rules (each failure is a typed reason, enum capnet_dns_error):
 *  - 12-byte header; every count is walked, and the message must end
 *    exactly where the last counted record ends: a count that claims more
 *    records than the bytes hold is `truncated`, one that claims fewer
 *    (bytes left over) is `trailing`. Counts that lie are never trusted to
 *    size anything.
 *  - Names: a label length byte 0x40..0xbf (a label over 63, or the
 *    obsolete extended label types) is `label_too_long`; more than 255
 *    bytes of wire name (RFC 1035 3.1, counting the length bytes and the
 *    root, pointers followed) is `name_too_long`. A compression pointer
 *    must point inside the message (`ptr_out_of_bounds`) and strictly
 *    before the run of labels it ends (a pointer into its own run is
 *    `ptr_loop`, one further on is `ptr_forward`): each jump then goes
 *    strictly backwards, so decoding always terminates. A label holding a
 *    '.' or a NUL byte is `bad_label` (the dotted text would be ambiguous).
 *  - rdata: A must be 4 bytes, AAAA 16, CNAME/NS exactly one name, SOA two
 *    names and 20 bytes: anything else is `bad_rdata`; an rdlength past
 *    the end is `truncated`.
 *
 * Names are handled as dotted text without the trailing dot ("" is the
 * root), case preserved both ways; comparisons are ASCII case-insensitive
 * (RFC 4343). Emit never compresses, except that a builder writes the
 * owner name of a record equal (byte for byte) to the question's as the
 * pointer 0xc00c, which is what servers do. */
#ifndef CAPNET_WIRE_DNS_H
#define CAPNET_WIRE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/err.h"

#define CAPNET_DNS_HDR_LEN 12
#define CAPNET_DNS_PORT 53
#define CAPNET_DNS_LABEL_MAX 63
#define CAPNET_DNS_WIRE_NAME_MAX 255
#define CAPNET_DNS_TEXT_NAME_MAX 253 /* dotted, no trailing dot */
/* RFC 1035 4.2.1: 512 bytes without EDNS0. */
#define CAPNET_DNS_UDP_MAX_PLAIN 512

/* Header flags (the 16-bit word after the id). */
#define CAPNET_DNS_FLAG_QR 0x8000u
#define CAPNET_DNS_FLAG_AA 0x0400u
#define CAPNET_DNS_FLAG_TC 0x0200u
#define CAPNET_DNS_FLAG_RD 0x0100u
#define CAPNET_DNS_FLAG_RA 0x0080u
#define CAPNET_DNS_OPCODE(f) (((f) >> 11) & 0xfu)
#define CAPNET_DNS_RCODE(f) ((f) & 0xfu)

enum capnet_dns_rcode {
	CAPNET_DNS_RCODE_NOERROR = 0,
	CAPNET_DNS_RCODE_FORMERR = 1,
	CAPNET_DNS_RCODE_SERVFAIL = 2,
	CAPNET_DNS_RCODE_NXDOMAIN = 3,
	CAPNET_DNS_RCODE_NOTIMP = 4,
	CAPNET_DNS_RCODE_REFUSED = 5,
};

enum capnet_dns_type {
	CAPNET_DNS_TYPE_A = 1,
	CAPNET_DNS_TYPE_NS = 2,
	CAPNET_DNS_TYPE_CNAME = 5,
	CAPNET_DNS_TYPE_SOA = 6,
	CAPNET_DNS_TYPE_AAAA = 28,
	CAPNET_DNS_TYPE_OPT = 41,
	CAPNET_DNS_TYPE_ANY = 255,
};
#define CAPNET_DNS_CLASS_IN 1

#define CAPNET_DNS_ERRORS(X)                                                           \
	X(NONE, "none")                                                                \
	X(TRUNCATED, "truncated")           /* a header, name or record cut short */   \
	X(LABEL_TOO_LONG, "label_too_long") /* length byte 0x40..0xbf */               \
	X(NAME_TOO_LONG, "name_too_long")   /* over 255 wire bytes */                  \
	X(PTR_OUT_OF_BOUNDS, "ptr_out_of_bounds")                                      \
	X(PTR_LOOP, "ptr_loop")                                                        \
	X(PTR_FORWARD, "ptr_forward")                                                  \
	X(BAD_LABEL, "bad_label") /* '.' or NUL inside a label */                      \
	X(BAD_RDATA, "bad_rdata") /* rdlength wrong for the type */                    \
	X(TRAILING, "trailing")   /* bytes after the last counted record */

enum capnet_dns_error {
#define CAPNET_DNS_ERR_ENUM(n, s) CAPNET_DNS_ERR_##n,
	CAPNET_DNS_ERRORS(CAPNET_DNS_ERR_ENUM)
#undef CAPNET_DNS_ERR_ENUM
	CAPNET_DNS_ERR__COUNT
};
const char *capnet_dns_error_name(enum capnet_dns_error e);

struct capnet_dns_header {
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount, ancount, nscount, arcount;
};

/* One resource record as parsed. Names point nowhere: they are copied
 * (decompressed) into the struct. */
struct capnet_dns_rr {
	char name[CAPNET_DNS_TEXT_NAME_MAX + 1];
	uint16_t type;
	uint16_t rclass; /* OPT: the requestor's UDP payload size */
	uint32_t ttl;    /* OPT: extended rcode, version, flags */
	uint16_t rdlength;
	size_t rdata_off; /* offset of the rdata in the message */
	union {
		uint8_t a[4];
		uint8_t aaaa[16];
		char cname[CAPNET_DNS_TEXT_NAME_MAX + 1]; /* CNAME and NS */
		struct {
			uint32_t serial, refresh, retry, expire, minimum;
		} soa;
	} rd;
};

/* Which section a record came from. */
enum capnet_dns_section { CAPNET_DNS_SEC_ANSWER, CAPNET_DNS_SEC_AUTHORITY, CAPNET_DNS_SEC_ADDITIONAL };

/* A whole message checked once: header, the question (only the first is
 * kept; a stub asks one), where the records start, and the EDNS0 payload
 * size (0 without OPT). */
struct capnet_dns_msg {
	const uint8_t *buf;
	size_t len;
	struct capnet_dns_header hdr;
	bool has_question;
	char qname[CAPNET_DNS_TEXT_NAME_MAX + 1];
	uint16_t qtype, qclass;
	size_t rr_off; /* first record after the questions */
	uint16_t edns_payload;
};

capnet_err capnet_dns_header_parse(const uint8_t *buf, size_t len, struct capnet_dns_header *out);
void capnet_dns_header_emit(const struct capnet_dns_header *h, uint8_t *out);

/* Decodes the name at *off into `out` (dotted text, at least
 * CAPNET_DNS_TEXT_NAME_MAX + 1 bytes, may be NULL to only check) and moves
 * *off past it (past the first pointer when compressed). */
enum capnet_dns_error capnet_dns_name_parse(const uint8_t *msg, size_t len, size_t *off, char *out);
/* Dotted text to uncompressed labels. 0 when the text is not a valid name
 * (an empty label, a label over 63, over 255 wire bytes) or cap is short. */
size_t capnet_dns_name_emit(const char *name, uint8_t *out, size_t cap);
/* RFC 4343: ASCII case-insensitive. */
bool capnet_dns_name_eq(const char *a, const char *b);

/* Walks the whole message as the rules above say; on success `out`
 * describes it and capnet_dns_rr_next reads its records. */
enum capnet_dns_error capnet_dns_parse(const uint8_t *buf, size_t len, struct capnet_dns_msg *out);

/* Iterates the records of a parsed message: *idx starts at 0, *off at
 * msg->rr_off. Returns false after the last one. */
bool capnet_dns_rr_next(const struct capnet_dns_msg *msg, size_t *idx, size_t *off, struct capnet_dns_rr *rr,
			enum capnet_dns_section *sec);

/* A query: header (id, RD set), one question, an OPT record advertising
 * edns_payload when it is nonzero. Returns the length, 0 when the name is
 * invalid or cap is short. */
size_t capnet_dns_query_emit(uint16_t id, const char *name, uint16_t qtype, uint16_t edns_payload, uint8_t *out,
			     size_t cap);

/* A message builder (the fixture server and tests): records are appended
 * in section order by the caller, and the counts are patched in. */
struct capnet_dns_builder {
	uint8_t *buf;
	size_t cap, len;
	struct capnet_dns_header hdr;
	const char *qname; /* the question, for 0xc00c owner pointers */
	bool failed;       /* a write did not fit or a name was invalid */
};
void capnet_dns_build_start(struct capnet_dns_builder *b, uint8_t *buf, size_t cap, uint16_t id, uint16_t flags);
void capnet_dns_build_question(struct capnet_dns_builder *b, const char *name, uint16_t qtype);
/* rdata given raw (A: 4 bytes, AAAA: 16); `sec` selects the count. */
void capnet_dns_build_rr(struct capnet_dns_builder *b, enum capnet_dns_section sec, const char *name, uint16_t type,
			 uint32_t ttl, const void *rdata, uint16_t rdlen);
void capnet_dns_build_cname(struct capnet_dns_builder *b, const char *name, uint32_t ttl, const char *target);
/* An authority SOA (RFC 2308 3): mname, rname and the five numbers. */
void capnet_dns_build_soa(struct capnet_dns_builder *b, const char *zone, uint32_t ttl, const char *mname,
			  const char *rname, uint32_t minimum);
void capnet_dns_build_opt(struct capnet_dns_builder *b, uint16_t payload);
/* Patches the counts; the length, 0 when anything failed. */
size_t capnet_dns_build_end(struct capnet_dns_builder *b);

#endif
