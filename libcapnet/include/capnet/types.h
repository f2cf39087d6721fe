/* Basic value types shared by every layer of libcapnet. Freestanding. */
#ifndef CAPNET_TYPES_H
#define CAPNET_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Time is an argument (DESIGN rule 1): the core never reads a clock. An
 * instant is microseconds on the caller's monotonic clock; the simulator
 * starts it at 0. */
typedef int64_t capnet_instant;
typedef int64_t capnet_duration;

#define CAPNET_INSTANT_NEVER INT64_MAX
#define CAPNET_US(x) ((capnet_duration)(x))
#define CAPNET_MS(x) ((capnet_duration)(x) * 1000)
#define CAPNET_S(x) ((capnet_duration)(x) * 1000000)

static inline capnet_instant capnet_instant_min(capnet_instant a, capnet_instant b)
{
	return a < b ? a : b;
}

struct capnet_mac {
	uint8_t b[6];
};

#define CAPNET_MAC_BROADCAST ((struct capnet_mac){{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}})

static inline bool capnet_mac_eq(struct capnet_mac a, struct capnet_mac b)
{
	for (int i = 0; i < 6; i++)
		if (a.b[i] != b.b[i])
			return false;
	return true;
}

static inline bool capnet_mac_is_broadcast(struct capnet_mac m)
{
	return capnet_mac_eq(m, CAPNET_MAC_BROADCAST);
}

static inline bool capnet_mac_is_multicast(struct capnet_mac m)
{
	return (m.b[0] & 1) != 0;
}

/* IPv4 addresses travel through the API in host byte order so that prefix
 * arithmetic is plain integer arithmetic; codecs convert at the wire. */
typedef uint32_t capnet_ip4addr;

#define CAPNET_IP4(a, b, c, d) \
	((capnet_ip4addr)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d)))
#define CAPNET_IP4_ANY ((capnet_ip4addr)0)
#define CAPNET_IP4_BROADCAST ((capnet_ip4addr)0xffffffffu)

static inline capnet_ip4addr capnet_ip4_mask(uint8_t prefix_len)
{
	return prefix_len == 0 ? 0 : (capnet_ip4addr)(0xffffffffu << (32 - (prefix_len > 32 ? 32 : prefix_len)));
}

struct capnet_ip6addr {
	uint8_t b[16];
};

/* Address-family neutral address, for the 4-tuple of transport protocols. */
enum capnet_af { CAPNET_AF_NONE = 0, CAPNET_AF_INET = 4, CAPNET_AF_INET6 = 6 };

/* Address-family neutral address: a family and up to 16 bytes. An IPv4
 * address is held as capnet_ip4addr (host order) in u.v4; make one with
 * capnet_ipaddr_from_ip4 so the unused bytes are zero. */
struct capnet_ipaddr {
	uint8_t af; /* enum capnet_af */
	union {
		capnet_ip4addr v4;
		struct capnet_ip6addr v6;
	} u;
};

static inline struct capnet_ipaddr capnet_ipaddr_from_ip4(capnet_ip4addr a)
{
	struct capnet_ipaddr r = {.af = CAPNET_AF_INET};
	r.u.v4 = a;
	return r;
}

/* The IPv4 address of a; 0 for any other family. */
static inline capnet_ip4addr capnet_ipaddr_ip4(const struct capnet_ipaddr *a)
{
	return a->af == CAPNET_AF_INET ? a->u.v4 : 0;
}

static inline bool capnet_ipaddr_eq(const struct capnet_ipaddr *a, const struct capnet_ipaddr *b)
{
	if (a->af != b->af)
		return false;
	if (a->af == CAPNET_AF_INET)
		return a->u.v4 == b->u.v4;
	if (a->af == CAPNET_AF_INET6) {
		for (int i = 0; i < 16; i++)
			if (a->u.v6.b[i] != b->u.v6.b[i])
				return false;
	}
	return true;
}

/* 0.0.0.0, ::, or no family at all. */
static inline bool capnet_ipaddr_is_unspecified(const struct capnet_ipaddr *a)
{
	if (a->af == CAPNET_AF_INET)
		return a->u.v4 == 0;
	if (a->af == CAPNET_AF_INET6) {
		for (int i = 0; i < 16; i++)
			if (a->u.v6.b[i] != 0)
				return false;
	}
	return true;
}

#endif
