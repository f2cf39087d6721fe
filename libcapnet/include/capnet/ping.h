/* Ping sessions: bounded runs of ICMP echo requests (RFC 792; ICMPv6
 * echo, RFC 4443 4.1-4.2, when the interface has IPv6 on) and the outcome of
 * each, over one interface. The protocol side of the Ping cap
 * (capnet/ping_cap.h): a session can only send echo requests carrying its
 * own identifier to its one destination, and only hears the replies and
 * errors that name that identifier. Time is an argument; the layer runs
 * its timers from capnet_iface_poll.
 *
 * A session sends probe 1 at once and one more every `interval` until
 * `count` were sent; each probe waits `timeout` for its reply. Outcomes:
 *
 *   reply        an echo reply with our identifier, a sequence number we
 *                are waiting for, a good checksum and exactly the data we
 *                sent. The round-trip time counts in the summary.
 *   timeout      nothing acceptable within `timeout` (or by the run's end).
 *   unreachable  an ICMP destination unreachable or time exceeded quoting
 *                the probe (its type, code and sender are kept).
 *   malformed-reply-dropped  what came back for the probe was never a
 *                valid reply: a bad checksum, the wrong identifier (from
 *                the destination, matching no session), a truncated or
 *                altered payload. Such a reply is dropped and counted by
 *                reason; it never counts as received. A valid reply for
 *                the same probe arriving later still makes it a reply.
 *   send-failed  the interface refused to send the probe (no address, no
 *                route, the neighbour known unreachable): err says why.
 *
 * At most `window` probes (the config) are held at once, in flight or
 * completed and not yet read with capnet_ping_next; when every slot is
 * taken the next send waits for one (backpressure, never a loss). The run
 * ends when every probe completed, or at its deadline: probes then still
 * waiting complete as timeouts and unsent ones are never sent. */
#ifndef CAPNET_PING_H
#define CAPNET_PING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/arena.h"
#include "capnet/err.h"
#include "capnet/iface.h"
#include "capnet/types.h"

#define CAPNET_PING_OUTCOMES(X) X(PENDING) X(REPLY) X(TIMEOUT) X(UNREACHABLE) X(MALFORMED) X(SEND_FAILED)
enum capnet_ping_outcome {
#define CAPNET_PING_OUTCOME_ENUM(name) CAPNET_PING_##name,
	CAPNET_PING_OUTCOMES(CAPNET_PING_OUTCOME_ENUM)
#undef CAPNET_PING_OUTCOME_ENUM
	CAPNET_PING__OUTCOMES
};
/* "pending", "reply", "timeout", "unreachable", "malformed-reply-dropped",
 * "send-failed"; "?" outside the enum. */
const char *capnet_ping_outcome_name(enum capnet_ping_outcome o);

/* Why a reply was dropped as malformed. */
#define CAPNET_PING_MALFORMED_REASONS(X) X(NONE) X(BAD_CHECKSUM) X(WRONG_IDENT) X(TRUNCATED) X(ALTERED)
enum capnet_ping_malformed {
#define CAPNET_PING_MALFORMED_ENUM(name) CAPNET_PING_MALFORMED_##name,
	CAPNET_PING_MALFORMED_REASONS(CAPNET_PING_MALFORMED_ENUM)
#undef CAPNET_PING_MALFORMED_ENUM
	CAPNET_PING_MALFORMED__COUNT
};
/* "none", "bad-checksum", "wrong-ident", "truncated", "altered". */
const char *capnet_ping_malformed_name(enum capnet_ping_malformed m);

struct capnet_ping_config {
	uint16_t max_sessions; /* sessions at once; default 4 */
	uint16_t window;       /* probes held per session; default 16 */
};
void capnet_ping_config_defaults(struct capnet_ping_config *cfg);

struct capnet_ping_request {
	struct capnet_ipaddr dst;
	uint32_t count;           /* probes to send, >= 1 */
	capnet_duration interval; /* between sends, > 0 when count > 1 */
	uint16_t payload;         /* echo data bytes after the 8-byte header */
	capnet_duration timeout;  /* each probe's wait for its reply, > 0 */
	capnet_duration deadline; /* the whole run, from the start; 0: none */
};

/* One probe's outcome. */
struct capnet_ping_probe {
	uint16_t seq;                      /* icmp_seq: 1, 2, ... */
	enum capnet_ping_outcome outcome;
	capnet_instant sent;
	capnet_instant at;                 /* when the outcome was known */
	capnet_duration rtt;               /* reply: at - sent */
	uint16_t bytes;                    /* reply: ICMP bytes (8 + data) */
	uint8_t ttl;                       /* reply: TTL / hop limit it arrived with */
	struct capnet_ipaddr from;         /* reply or error: who sent it */
	uint8_t icmp_type, icmp_code;      /* unreachable */
	capnet_err err;                    /* send-failed */
	uint16_t malformed;                /* malformed replies dropped for this probe */
	enum capnet_ping_malformed malformed_reason; /* the last of them */
};

/* What iputils prints at the end, in integers: RTTs in microseconds,
 * avg = sum / received, mdev = sqrt(sum2 / received - avg^2), as iputils
 * computes them. */
struct capnet_ping_summary {
	struct capnet_ipaddr dst;
	uint16_t ident;
	bool done;
	uint32_t transmitted;
	uint32_t received;   /* probes answered by a reply */
	uint32_t errors;     /* probes answered by an ICMP error, or not sent */
	uint32_t timeouts;
	uint32_t malformed_probes; /* probes whose outcome is malformed-reply-dropped */
	uint32_t malformed;  /* malformed replies dropped, every reason */
	uint32_t malformed_by[CAPNET_PING_MALFORMED__COUNT];
	uint32_t duplicates; /* a second valid reply to a probe already answered */
	uint32_t late;       /* a valid reply to a probe no longer waiting */
	capnet_instant started, finished; /* finished: the last outcome (or now, running) */
	capnet_duration rtt_min, rtt_avg, rtt_max, rtt_mdev;
};

struct capnet_ping_layer;
struct capnet_ping_session;

/* mtu: the NIC's (a probe's data is built in a buffer that large). */
size_t capnet_ping_arena_need(const struct capnet_ping_config *cfg, uint16_t mtu);
/* Registers as an echo client and a timer of the interface. `cfg` may be
 * NULL for defaults. */
capnet_err capnet_ping_create(struct capnet_arena *arena, const struct capnet_ping_config *cfg,
			      struct capnet_iface *ifc, struct capnet_ping_layer **out);

/* Starts a session and sends probe 1 at `now`. E_INVAL for a request
 * outside the limits above; E_UNSUPPORTED for a family the interface does
 * not speak; E_MSGSIZE when payload + headers exceed the MTU; E_NOMEM
 * when every session is in use. The identifier is drawn from the
 * interface's generator, distinct from every live session's. */
capnet_err capnet_ping_start(struct capnet_ping_layer *l, const struct capnet_ping_request *req, capnet_instant now,
			     struct capnet_ping_session **out);
/* The oldest completed probe not yet read (in completion order), which
 * frees its slot (a send held back for one then goes, at `now`, if due).
 * E_AGAIN while none; E_CLOSED once the run is done and everything was
 * read. */
capnet_err capnet_ping_next(struct capnet_ping_session *s, capnet_instant now, struct capnet_ping_probe *out);

#define CAPNET_PING_EV_READABLE 0x1u /* a completed probe to read */
#define CAPNET_PING_EV_DONE 0x2u     /* the run ended */
unsigned capnet_ping_events(const struct capnet_ping_session *s);
void capnet_ping_summary(const struct capnet_ping_session *s, struct capnet_ping_summary *out);
/* Ends the run now (an operator's interrupt): probes still waiting
 * complete as timeouts, nothing more is sent. */
void capnet_ping_stop(struct capnet_ping_session *s, capnet_instant now);
/* Frees the session; its identifier is forgotten (later replies to it are
 * nobody's). */
void capnet_ping_close(struct capnet_ping_session *s);

/* Called whenever a probe completes or the run ends (events as
 * capnet_ping_events). It runs inside ingress or a timer: it must not
 * close the session. */
typedef void (*capnet_ping_notify_fn)(void *ctx, struct capnet_ping_session *s, unsigned events, capnet_instant now);
void capnet_ping_set_notify(struct capnet_ping_session *s, capnet_ping_notify_fn fn, void *ctx);

/* What each family's echo code hands the layer (the IPv4 side is wired
 * by capnet_ping_create; an IPv6 echo client calls these). */
struct capnet_ping_rx {
	struct capnet_ipaddr from;
	uint16_t ident, seq;
	uint8_t ttl;
	const uint8_t *data;
	size_t data_len;
	bool checksum_bad;
};
void capnet_ping_input_reply(struct capnet_ping_layer *l, const struct capnet_ping_rx *r, capnet_instant now);
/* `dst` (the quoted destination) may be NULL when the family's echo code
 * does not read it: the identifier alone then names the session. */
void capnet_ping_input_error(struct capnet_ping_layer *l, const struct capnet_ipaddr *from, uint8_t type,
			     uint8_t code, const struct capnet_ipaddr *dst, uint16_t ident, uint16_t seq,
			     capnet_instant now);

/* The integer square root (floor), for mdev without libm. */
uint64_t capnet_ping_isqrt(uint64_t v);

#endif
