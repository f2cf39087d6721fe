/* Neighbor Discovery (RFC 4861) messages and options: router and neighbor
 * solicitation/advertisement; source/target link-layer address, prefix
 * information, MTU, and recursive DNS servers (RFC 8106). Parse reads the
 * body capnet_icmp6_parse handed over (after type, code and checksum);
 * emit writes a whole ICMPv6 message with its checksum. */
#ifndef CAPNET_WIRE_NDP_H
#define CAPNET_WIRE_NDP_H

#include "capnet/err.h"
#include "capnet/types.h"

enum capnet_ndp_option_type {
	CAPNET_NDP_OPT_SLLA = 1,
	CAPNET_NDP_OPT_TLLA = 2,
	CAPNET_NDP_OPT_PREFIX = 3,
	CAPNET_NDP_OPT_REDIRECTED = 4,
	CAPNET_NDP_OPT_MTU = 5,
	CAPNET_NDP_OPT_RDNSS = 25,
};

/* Prefix and server options past these are counted (ignored_options) and
 * skipped: a router with more than this has nothing a host here uses. */
#define CAPNET_NDP_PREFIX_MAX 4
#define CAPNET_NDP_RDNSS_MAX 3
#define CAPNET_NDP_INFINITY 0xffffffffu /* a lifetime that never ends */

struct capnet_ndp_prefix {
	struct capnet_ip6addr prefix;
	uint8_t len;
	bool on_link;     /* L */
	bool autonomous;  /* A */
	uint32_t valid;   /* seconds */
	uint32_t preferred;
};

struct capnet_ndp_repr {
	uint8_t type; /* enum capnet_icmp6_type: 133..136 */
	/* RA */
	uint8_t cur_hop_limit;
	bool managed, other;
	uint16_t router_lifetime; /* seconds */
	uint32_t reachable_time;  /* ms */
	uint32_t retrans_timer;   /* ms */
	/* NS / NA */
	struct capnet_ip6addr target;
	bool router, solicited, override; /* NA flags */
	/* options */
	bool has_slla, has_tlla;
	struct capnet_mac slla, tlla;
	bool has_mtu;
	uint32_t mtu;
	uint8_t nprefix;
	struct capnet_ndp_prefix prefix[CAPNET_NDP_PREFIX_MAX];
	uint8_t nrdnss;
	uint32_t rdnss_lifetime; /* seconds; of the first RDNSS option */
	struct capnet_ip6addr rdnss[CAPNET_NDP_RDNSS_MAX];
	uint8_t ignored_options; /* unknown types and those past the bounds */
};

enum capnet_ndp_error {
	CAPNET_NDP_ERR_NONE = 0,
	CAPNET_NDP_ERR_NOT_NDP,          /* E_INVAL: a type other than 133..136 */
	CAPNET_NDP_ERR_TRUNCATED,        /* E_TRUNCATED: shorter than its fixed part */
	CAPNET_NDP_ERR_OPT_TRUNCATED,    /* E_TRUNCATED: an option runs past the message */
	CAPNET_NDP_ERR_OPT_ZERO_LEN,     /* E_MALFORMED: an option of length 0 (4.6: discard) */
	CAPNET_NDP_ERR_OPT_BAD_LEN,      /* E_MALFORMED: a known option of the wrong length */
	CAPNET_NDP_ERR_TARGET_MULTICAST, /* E_MALFORMED: NS/NA target is multicast (7.1.1, 7.1.2) */
	CAPNET_NDP_ERR_BAD_PREFIX_LEN,   /* E_MALFORMED: prefix length > 128 */
};
const char *capnet_ndp_error_name(enum capnet_ndp_error e);

/* `type` is the ICMPv6 type; `body`/`len` what follows its checksum. */
capnet_err capnet_ndp_parse(uint8_t type, const uint8_t *body, size_t len, struct capnet_ndp_repr *out,
			    enum capnet_ndp_error *why);
/* The whole ICMPv6 message: fixed part, then SLLA, TLLA, MTU, prefixes and
 * RDNSS as present in r, with the checksum for src -> dst. Returns its
 * length (at most capnet_ndp_emit_len(r)). */
size_t capnet_ndp_emit_len(const struct capnet_ndp_repr *r);
size_t capnet_ndp_emit(const struct capnet_ndp_repr *r, const struct capnet_ip6addr *src,
		       const struct capnet_ip6addr *dst, uint8_t *buf);

#endif
