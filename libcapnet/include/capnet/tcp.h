/* TCP (RFC 9293) over the interface layer: the public socket API.
 *
 * API stable as of 2026-11-25 13:30 UTC (first published earlier the same day; since then
 * only additions: capnet_tcp_on_state, capnet_tcp_next_deadline, cfg.rfc1337).
 *
 * One TCP layer per interface, carved from the caller's arena and sized by
 * struct capnet_tcp_config (DESIGN rule 3): a fixed socket table, a demux
 * hash, a timer heap and one byte pool from which every socket's send and
 * receive rings are taken (powers of two). Running out of any of them is an
 * error result (E_NOMEM / E_AGAIN), never a crash.
 *
 * Time is an argument (rule 1): every call that may send takes `now`; the
 * layer's timers run from capnet_iface_poll(), which returns the next
 * deadline (the earliest of every socket's, kept in a heap, so poll costs
 * follow due work, not the number of sockets). Randomness (ISN key,
 * ephemeral ports) comes from the interface's generator (rule 2).
 *
 * Handles. A `struct capnet_tcp_sock *` is the application's from
 * listen/accept/connect until it calls capnet_tcp_close() or
 * capnet_tcp_abort(); after that the stack owns it (it may live on in
 * FIN-WAIT/TIME-WAIT) and the pointer must not be used again. A connection
 * that ends on its own (reset, timeout, both FINs) stays valid, in state
 * CLOSED with its reason in info.error, until the application closes it.
 *
 * Deadlines. A capnet_tcp_* call may arm a timer earlier than the deadline
 * the last capnet_iface_poll() returned (send arms the retransmission
 * timer): an event loop takes capnet_tcp_next_deadline() into account, or
 * polls the iface again, before it sleeps.
 *
 * Readiness. capnet_tcp_events() gives the CAPNET_TCP_EV_* bits. The notify
 * callback is invoked from inside capnet_iface_poll()/capnet_iface_input()
 * (segment arrival, timers) whenever the events differ from those last
 * reported or last seen by an API call on that socket; it is never invoked
 * from inside a capnet_tcp_* call made by the application. It may call any
 * capnet_tcp_* function, including close on that socket. */
#ifndef CAPNET_TCP_H
#define CAPNET_TCP_H

#include "capnet/arena.h"
#include "capnet/err.h"
#include "capnet/iface.h"
#include "capnet/tcp_cc.h"
#include "capnet/types.h"

struct capnet_tcp;      /* the layer: one per interface */
struct capnet_tcp_sock; /* a listener or a connection */

/* RFC 9293 3.3.2 connection states. */
enum capnet_tcp_state {
	CAPNET_TCP_CLOSED = 0,
	CAPNET_TCP_LISTEN,
	CAPNET_TCP_SYN_SENT,
	CAPNET_TCP_SYN_RECEIVED,
	CAPNET_TCP_ESTABLISHED,
	CAPNET_TCP_FIN_WAIT_1,
	CAPNET_TCP_FIN_WAIT_2,
	CAPNET_TCP_CLOSE_WAIT,
	CAPNET_TCP_CLOSING,
	CAPNET_TCP_LAST_ACK,
	CAPNET_TCP_TIME_WAIT,
	CAPNET_TCP_STATE__COUNT
};
/* The RFC spelling: "SYN-SENT", "TIME-WAIT", ...; "?" beyond the list. */
const char *capnet_tcp_state_name(enum capnet_tcp_state s);

/* Loss detection on connections whose peer does SACK. Peers without SACK
 * always count duplicate ACKs (RFC 5681 3.2) and recover by NewReno (RFC
 * 6582): RACK needs to know which segments were delivered. */
enum capnet_tcp_loss_detection {
	CAPNET_TCP_LOSS_DEFAULT = 0, /* CAPNET_DEFAULT_TCP_LOSS_DETECTION (capnet/config.h) */
	CAPNET_TCP_LOSS_RACK,        /* RFC 8985 RACK-TLP: by time (transmit times, reordering window) */
	CAPNET_TCP_LOSS_DUPACK,      /* RFC 6675: DupThresh SACKed segments (IsLost), rescue retransmission */
};
/* "rack", "dupack"; "?" beyond the list. */
const char *capnet_tcp_loss_detection_name(enum capnet_tcp_loss_detection d);
/* -1 when not a name of the list. */
int capnet_tcp_loss_detection_parse(const char *name);

/* Layer configuration. Zero fields take the default shown (as
 * capnet_iface_config does); the no_* switches default to "feature on". */
struct capnet_tcp_config {
	uint32_t max_sockets;          /* listeners + connections + TIME-WAIT; default 64 */
	uint32_t sndbuf;               /* default send ring bytes per socket; 64 KiB (rounded up to 2^n) */
	uint32_t rcvbuf;               /* default receive ring bytes per socket; 64 KiB (2^n) */
	size_t buffer_pool;            /* bytes for all rings; default max_sockets * (sndbuf + rcvbuf) */
	uint16_t mss;                  /* MSS we advertise; default iface MTU - 40 */
	capnet_duration rto_initial;   /* RFC 6298 2.1; default 1 s */
	capnet_duration rto_min;       /* default 200 ms (RFC 6298 says 1 s; Linux uses 200 ms) */
	capnet_duration rto_max;       /* default 60 s */
	uint8_t max_retries;           /* RTOs of one segment before E_TIMEDOUT; default 12 */
	uint8_t syn_retries;           /* SYN retransmissions before E_TIMEDOUT; default 6 */
	uint8_t synack_retries;        /* SYN-ACK retransmissions before the half-open is dropped; default 5 */
	capnet_duration time_wait;     /* 2*MSL; default 60 s (MSL 30 s); set short in simulations */
	capnet_duration delayed_ack;   /* longest ACK delay (RFC 9293 3.8.6.3: < 0.5 s); default 40 ms,
					* well under rto_min so a lone segment's ACK never races
					* the peer's retransmission timer */
	capnet_duration fin_wait_2;    /* an orphaned FIN-WAIT-2 is dropped after; default 60 s */
	bool keepalive;                /* default for new sockets; default off (RFC 9293 3.8.4) */
	capnet_duration keepalive_idle;     /* default 2 h */
	capnet_duration keepalive_interval; /* default 75 s */
	uint8_t keepalive_probes;           /* unanswered probes before E_TIMEDOUT; default 9 */
	uint16_t syn_backlog;          /* half-open (SYN-RECEIVED) per listener, upper bound; default 128 */
	uint16_t accept_backlog;       /* largest listen() backlog accepted; default 128 */
	uint8_t ooo_ranges;            /* out-of-order byte ranges held per socket (1..6); default 6; the
					  bytes themselves sit in the receive ring, bounded by the window */
	enum capnet_tcp_cc_algo cc;    /* default congestion controller, used when cc_set */
	bool cc_set;                   /* false: RENO (so that NONE, value 0, can still be chosen) */
	bool no_sack;                  /* do not offer/accept SACK (RFC 2018) */
	bool no_timestamps;            /* do not offer/accept timestamps (RFC 7323) */
	bool no_wscale;                /* do not offer/accept window scaling (RFC 7323) */
	bool rfc1337;                  /* ignore an RST in TIME-WAIT (RFC 1337: no TIME-WAIT assassination);
					  default off: RFC 9293 3.10.7.4 (CLOSED), as Linux */
	bool slow_start_abc;           /* slow start by RFC 3465 ABC, L = 2 SMSS per ACK (Experimental);
					  default off: RFC 5681 3.1, at most SMSS per ACK */
	bool no_syncookies;            /* a SYN finding the SYN queue full is dropped (counted) instead of
					  answered with a SYN cookie (RFC 4987 3.6); default off, i.e. cookies
					  on (CAPNET_DEFAULT_TCP_SYNCOOKIES) */
	enum capnet_tcp_loss_detection loss_detection; /* SACK connections; default
					  CAPNET_DEFAULT_TCP_LOSS_DETECTION (RACK-TLP) */
	uint16_t ephemeral_lo;         /* default 49152 (RFC 6335) */
	uint16_t ephemeral_hi;         /* default 65535 */
};

void capnet_tcp_config_defaults(struct capnet_tcp_config *cfg);
/* Arena bytes capnet_tcp_create needs for this config (NULL: defaults),
 * worst case, buffer pool included. */
size_t capnet_tcp_arena_need(const struct capnet_tcp_config *cfg);
/* The interface's MTU moved (static, DHCP option 26): every connection
 * takes it into its send MSS now, as it would a path MTU change. Cheap when
 * nothing moved; also done before any segment is sent. */
void capnet_tcp_mtu_sync(struct capnet_tcp *tcp);
/* Creates the layer and registers it with the interface for IPPROTO_TCP
 * (input, poll, ICMP errors). The ISN secret (RFC 6528) is drawn from the
 * iface's generator here. The iface must outlive the layer. */
capnet_err capnet_tcp_create(struct capnet_arena *arena, const struct capnet_tcp_config *cfg,
			     struct capnet_iface *ifc, struct capnet_tcp **out);
struct capnet_iface *capnet_tcp_iface(const struct capnet_tcp *tcp);
/* The earliest timer of any socket (one heap peek); CAPNET_INSTANT_NEVER. */
capnet_instant capnet_tcp_next_deadline(const struct capnet_tcp *tcp);
const struct capnet_tcp_config *capnet_tcp_get_config(const struct capnet_tcp *tcp);

/* Per-socket options. Fill with capnet_tcp_sockopts_defaults() (the layer
 * config's values) and change what you need; pass to listen (children
 * inherit) or connect. NULL means the defaults. */
struct capnet_tcp_sockopts {
	uint32_t sndbuf;               /* bytes, rounded up to a power of two, >= 1 KiB */
	uint32_t rcvbuf;
	bool nodelay;                  /* Nagle off (RFC 9293 3.7.4) */
	bool keepalive;
	capnet_duration keepalive_idle;
	capnet_duration keepalive_interval;
	uint8_t keepalive_probes;
	capnet_duration user_timeout;    /* RFC 9293 3.8.3 USER TIMEOUT: unacknowledged data older than this
					    ends the connection with E_TIMEDOUT; 0: none (max_retries rules) */
	capnet_duration connect_timeout; /* SYN-SENT longer than this ends with E_TIMEDOUT; 0: syn_retries rules */
	enum capnet_tcp_cc_algo cc;
};
void capnet_tcp_sockopts_defaults(const struct capnet_tcp *tcp, struct capnet_tcp_sockopts *o);

/* ---- opening ---- */

/* A passive open on IPv4 `port` of this interface (any local address).
 * backlog bounds connections established but not yet accepted (clamped to
 * 1..accept_backlog); half-open ones are bounded by cfg.syn_backlog.
 * E_INUSE when a listener holds the port, E_NOMEM when the table is full.
 * It takes no `now` (nothing is sent, no timer armed): the CLOSED -> LISTEN
 * transition it reports to capnet_tcp_on_state() carries the latest time
 * the layer has seen (its last poll or input, or a later state change),
 * 0 before any. */
capnet_err capnet_tcp_listen(struct capnet_tcp *tcp, uint16_t port, uint32_t backlog,
			     const struct capnet_tcp_sockopts *opts, struct capnet_tcp_sock **out);
/* The oldest established connection of a listener; E_AGAIN when none is
 * ready, E_INVAL when `listener` is not one. */
capnet_err capnet_tcp_accept(struct capnet_tcp_sock *listener, struct capnet_tcp_sock **out);
/* An active open: sends the SYN now. local_port 0 picks an ephemeral port
 * (random start, RFC 6056). E_INUSE when the 4-tuple exists, E_NOMEM when
 * the table or buffer pool is exhausted, E_NOTCONFIGURED without an address,
 * E_INVAL for a non-IPv4 or unspecified destination or port 0. */
capnet_err capnet_tcp_connect(struct capnet_tcp *tcp, const struct capnet_ipaddr *dst, uint16_t dst_port,
			      uint16_t local_port, const struct capnet_tcp_sockopts *opts, capnet_instant now,
			      struct capnet_tcp_sock **out);

/* ---- data ---- */

/* Queues up to len bytes; *queued says how many (a short count is
 * backpressure, not an error). E_AGAIN when nothing fits; E_CLOSED after
 * shutdown/close; the connection's error (E_RESET, E_TIMEDOUT, E_REFUSED..)
 * once it has ended; E_NOTCONN on a listener. Allowed in SYN-SENT and
 * SYN-RECEIVED (sent once established). */
capnet_err capnet_tcp_send(struct capnet_tcp_sock *s, const void *data, size_t len, size_t *queued,
			   capnet_instant now);
/* Copies up to cap received bytes. OK with *got > 0; E_AGAIN when nothing
 * yet; *got 0 with E_CLOSED at end of stream (the peer's FIN, all data
 * read); the connection's error once it ended abnormally (E_RESET ...).
 * Reading may open the window: a window update is sent at once when the
 * right edge can advance by at least min(rcvbuf / 2, MSS) beyond what the
 * peer was last told (receiver SWS avoidance, RFC 9293 3.8.6.2.2 / RFC
 * 1122 4.2.3.3); a read that frees less sends nothing. */
capnet_err capnet_tcp_recv(struct capnet_tcp_sock *s, void *buf, size_t cap, size_t *got, capnet_instant now);
/* Bytes that recv would return now, without copying. */
size_t capnet_tcp_recv_ready(const struct capnet_tcp_sock *s);
/* Half-close: a FIN follows the queued data; receiving continues. */
capnet_err capnet_tcp_shutdown(struct capnet_tcp_sock *s, capnet_instant now);
/* Receive-side shutdown (sockets' SHUT_RD; RFC 9293 defines none): unread
 * data is discarded, data that arrives later is acknowledged and discarded
 * (as BSD does, so the peer is never blocked by a window nobody opens),
 * and recv returns E_CLOSED, end of stream, from now on (READABLE is set).
 * Sending is unaffected. Idempotent. */
capnet_err capnet_tcp_shutdown_read(struct capnet_tcp_sock *s, capnet_instant now);
/* Graceful close: as shutdown, and the handle passes to the stack. Unread
 * received data makes it an abort (RFC 9293 3.10.4 / RFC 2525 2.17: RST).
 * Closing a listener resets its unaccepted connections. */
capnet_err capnet_tcp_close(struct capnet_tcp_sock *s, capnet_instant now);
/* Abort: RST to the peer (when synchronized, except in CLOSING, LAST-ACK
 * and TIME-WAIT, where both FINs are out: RFC 9293 3.10.5), handle passes
 * to the stack and is freed at once. */
capnet_err capnet_tcp_abort(struct capnet_tcp_sock *s, capnet_instant now);

/* ---- options (any time unless said) ---- */

capnet_err capnet_tcp_set_nodelay(struct capnet_tcp_sock *s, bool on, capnet_instant now);
/* idle/interval 0 and probes 0 keep the current value. Re-arms the timer. */
capnet_err capnet_tcp_set_keepalive(struct capnet_tcp_sock *s, bool on, capnet_duration idle,
				    capnet_duration interval, uint8_t probes, capnet_instant now);
capnet_err capnet_tcp_set_user_timeout(struct capnet_tcp_sock *s, capnet_duration t, capnet_instant now);
/* Only in SYN-SENT or before: E_STATE after. */
capnet_err capnet_tcp_set_connect_timeout(struct capnet_tcp_sock *s, capnet_duration t, capnet_instant now);
/* Switches the congestion controller (capnet_tcp_cc_set_algo rules). */
capnet_err capnet_tcp_set_cc(struct capnet_tcp_sock *s, enum capnet_tcp_cc_algo algo);
/* Ring sizes. On a listener: what its future connections get. On a
 * connection only the send ring can still change, and only before it has
 * sent anything (the receive ring fixed the window and scale our SYN
 * offered: pass rcvbuf in the sockopts of connect/listen instead); a
 * different rcvbuf, or a used send ring, is E_STATE; E_NOMEM when the pool
 * cannot give the new ring (the old one is kept). */
capnet_err capnet_tcp_set_buffers(struct capnet_tcp_sock *s, uint32_t sndbuf, uint32_t rcvbuf);
void capnet_tcp_get_opts(const struct capnet_tcp_sock *s, struct capnet_tcp_sockopts *out);

/* ---- readiness ---- */

#define CAPNET_TCP_EV_READABLE 0x01u   /* recv will not return E_AGAIN */
#define CAPNET_TCP_EV_WRITABLE 0x02u   /* connected with send-ring room (send queues >= 1 byte),
					  or ended (send returns the error) */
#define CAPNET_TCP_EV_ACCEPTABLE 0x04u /* listener: accept will not return E_AGAIN */
#define CAPNET_TCP_EV_CLOSED 0x08u     /* the peer's FIN arrived (end of stream ahead) */
#define CAPNET_TCP_EV_RESET 0x10u      /* the connection was reset (by RST; error E_RESET/E_REFUSED) */
#define CAPNET_TCP_EV_ERROR 0x20u      /* the connection ended with an error (info.error) */
#define CAPNET_TCP_EV_CONNECTED 0x40u  /* the handshake completed (stays set afterwards) */

unsigned capnet_tcp_events(const struct capnet_tcp_sock *s);
/* Edge-triggered events: what capnet_tcp_events() shows, reported once per
 * transition (a bit that was clear at the last report and holds now), and
 * READABLE again whenever new bytes arrived since it was last reported. A
 * reported bit is re-armed by its event (the condition clearing -- the
 * reader drained, the send ring filled -- or new data). The caller keeps
 * one zeroed `struct capnet_tcp_edge` per socket; each call consumes what it
 * reports. capnet/pollable.h offers the same mode over caps. */
struct capnet_tcp_edge {
	unsigned reported;
	uint64_t rx_mark;
};
unsigned capnet_tcp_events_edge(const struct capnet_tcp_sock *s, struct capnet_tcp_edge *st);
typedef void (*capnet_tcp_notify_fn)(void *ctx, struct capnet_tcp_sock *s, unsigned events, capnet_instant now);
/* One callback per socket (NULL to clear). Accepted sockets start with none. */
void capnet_tcp_set_notify(struct capnet_tcp_sock *s, capnet_tcp_notify_fn fn, void *ctx);

/* ---- status ---- */

/* Observation of every state transition of every socket of the layer
 * (CLOSED -> LISTEN at listen, ... -> CLOSED when a connection ends),
 * called from inside the stack at the moment it happens, for transcripts,
 * traces and tests. The callback may read (capnet_tcp_info, _events) but
 * must not change anything in the layer. A listen() reports the latest
 * time the layer has seen. NULL clears. */
typedef void (*capnet_tcp_state_fn)(void *ctx, const struct capnet_tcp_sock *s, enum capnet_tcp_state from,
				    enum capnet_tcp_state to, capnet_instant now);
void capnet_tcp_on_state(struct capnet_tcp *tcp, capnet_tcp_state_fn fn, void *ctx);

struct capnet_tcp_endpoint {
	struct capnet_ipaddr addr;
	uint16_t port;
};

/* Why a connection ended, beside the error the application sees: an
 * E_TIMEDOUT says a timer gave up, the reason says which one. */
#define CAPNET_TCP_CLOSE_REASONS(X)                                                                    \
	X(NONE)               /* still open */                                                        \
	X(GRACEFUL)           /* both FINs exchanged, or closed before anything was synchronized */   \
	X(RESET)              /* the peer's RST (or ours, for a reset connection) */                  \
	X(REFUSED)            /* RST to our SYN, or ICMP port unreachable */                          \
	X(UNREACHABLE)        /* ICMP unreachable kept the handshake from completing */               \
	X(ABORTED)            /* the application aborted it (RST sent) */                             \
	X(RETRANSMIT_TIMEOUT) /* max_retries RTOs of one segment (RFC 1122 4.2.3.5 R2) */             \
	X(PERSIST_TIMEOUT)    /* max_retries zero-window probes unanswered */                         \
	X(SYN_TIMEOUT)        /* syn_retries / synack_retries exhausted */                            \
	X(CONNECT_TIMEOUT)    /* the connect timeout the application set */                          \
	X(USER_TIMEOUT)       /* data unacknowledged longer than the USER TIMEOUT (RFC 9293 3.8.3) */ \
	X(KEEPALIVE_TIMEOUT)  /* keepalive probes unanswered (RFC 9293 3.8.4) */                      \
	X(FIN_WAIT_2_TIMEOUT) /* an orphaned FIN-WAIT-2 whose peer never closed */
enum capnet_tcp_close_reason {
#define CAPNET_TCP_CLOSE_REASON_ENUM(name) CAPNET_TCP_CLOSE_##name,
	CAPNET_TCP_CLOSE_REASONS(CAPNET_TCP_CLOSE_REASON_ENUM)
#undef CAPNET_TCP_CLOSE_REASON_ENUM
	CAPNET_TCP_CLOSE__COUNT
};
/* "USER_TIMEOUT"...; "?" outside the enum. */
const char *capnet_tcp_close_reason_name(enum capnet_tcp_close_reason r);

struct capnet_tcp_info {
	enum capnet_tcp_state state;
	bool listener;
	struct capnet_tcp_endpoint local;
	struct capnet_tcp_endpoint remote;   /* zero for a listener */
	/* queues */
	uint32_t sndq_bytes;     /* queued, not yet acknowledged (in flight included) */
	uint32_t sndq_capacity;
	uint32_t rcvq_bytes;     /* received in order, not yet read */
	uint32_t rcvq_capacity;
	uint32_t ooo_bytes;      /* received out of order, held */
	bool may_send;           /* we have not sent (or queued) our FIN */
	bool may_recv;           /* the peer's FIN has not arrived */
	bool can_send;           /* send would queue at least one byte now */
	bool can_recv;           /* recv would return bytes now */
	/* sequence space (RFC 9293 3.3.1) */
	uint32_t iss, snd_una, snd_nxt, snd_wnd;
	uint32_t irs, rcv_nxt, rcv_wnd;
	/* negotiated */
	uint16_t mss;            /* effective send MSS (peer's MSS option, our MTU, minus options) */
	uint16_t path_mtu;       /* the MTU this connection sends with */
	enum capnet_mtu_source mtu_source; /* the interface's (default, static, DHCP) or PATH (RFC 1191) */
	uint16_t peer_mss;
	uint8_t snd_wscale;      /* shift applied to the peer's window */
	uint8_t rcv_wscale;      /* shift applied to ours */
	bool sack;
	bool timestamps;
	/* options */
	struct capnet_tcp_sockopts opts;
	/* RTT (RFC 6298), microseconds; srtt 0 before the first sample */
	capnet_duration srtt, rttvar, rto;
	/* congestion control */
	enum capnet_tcp_cc_algo cc;
	const char *cc_name;
	uint32_t cwnd, ssthresh;
	bool in_recovery;
	bool rack;               /* loss detected by RACK-TLP (RFC 8985): SACK and the layer's choice */
	uint32_t reo_wnd;        /* RACK reordering window now, microseconds (0 without RACK) */
	/* counters of this connection */
	uint64_t bytes_sent;       /* payload bytes transmitted, retransmissions included */
	uint64_t bytes_acked;
	uint64_t bytes_received;   /* in-order payload bytes accepted */
	uint32_t segs_out, segs_in;
	uint32_t retransmits;      /* segments retransmitted (RTO + fast + SACK) */
	uint32_t rto_count;        /* retransmission timeouts */
	uint32_t fast_retransmits;
	uint8_t backoff;           /* RTO doublings in force: RTOs since the last valid RTT sample (Karn) */
	uint8_t keepalive_probes_sent;
	/* the end */
	capnet_err error;          /* why it closed: OK (graceful), E_RESET, E_REFUSED, E_TIMEDOUT, E_UNREACHABLE */
	enum capnet_tcp_close_reason close_reason; /* which rule ended it (NONE while open) */
	/* listener */
	uint32_t backlog_limit;    /* accept queue limit */
	uint32_t accept_queue;     /* established, not yet accepted */
	uint32_t syn_queue;        /* half-open (SYN-RECEIVED) */
	uint32_t syn_queue_limit;
	/* next timer deadline of this socket, CAPNET_INSTANT_NEVER if none */
	capnet_instant next_deadline;
};

capnet_err capnet_tcp_info(const struct capnet_tcp_sock *s, struct capnet_tcp_info *out);

/* Layer-wide figures for the status surface. */
struct capnet_tcp_layer_info {
	uint32_t sockets_in_use, sockets_max;
	uint32_t listeners;
	uint32_t time_wait;
	size_t pool_bytes, pool_in_use;
	size_t sock_state_bytes;   /* sizeof the per-socket control block */
};
void capnet_tcp_layer_info(const struct capnet_tcp *tcp, struct capnet_tcp_layer_info *out);
/* Iterates every socket in use (listeners, connections, stack-owned ones
 * in FIN-WAIT/TIME-WAIT): pass NULL to start; NULL at the end. For status
 * views only: a stack-owned socket must not be passed to other calls. */
const struct capnet_tcp_sock *capnet_tcp_next(const struct capnet_tcp *tcp, const struct capnet_tcp_sock *prev);

#endif
