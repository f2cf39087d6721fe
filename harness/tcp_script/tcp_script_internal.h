/* The TCP script runner's private declarations: the parsed script, the
 * run's state, and what each of its files offers the others. lex.c reads
 * tokens, parse.c turns lines into struct ts_line, run.c owns the stack,
 * the clock and the walk, segment.c injects and matches segments, call.c
 * runs socket calls, decode.c reads what the stack sent. */
#ifndef CAPNET_HARNESS_TCP_SCRIPT_INTERNAL_H
#define CAPNET_HARNESS_TCP_SCRIPT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capnet/arena.h"
#include "capnet/iface.h"
#include "capnet/nic.h"
#include "capnet/rng.h"
#include "capnet/stack.h"
#include "capnet/tcp.h"
#include "capnet/wire/describe.h"
#include "capnet/wire/tcp.h"
#include "harness/tcp_script.h"

/* ---- the script, parsed ---- */

#define TS_MAX_OPTS 16
#define TS_MAX_ARGS 8
#define TS_MAX_CONNS 32
#define TS_QUEUE 256
#define TS_FRAME_MAX 1600
#define TS_POLL_SPIN 10000 /* polls at one instant before we call it a busy loop */

enum ts_optkind { TO_NOP, TO_EOL, TO_MSS, TO_WSCALE, TO_SACKOK, TO_TS, TO_SACK, TO_UNKNOWN };

struct ts_opt {
	enum ts_optkind kind;
	uint32_t a; /* mss, wscale, TS val, unknown kind */
	uint32_t b; /* TS ecr, unknown length */
	bool a_wild, b_wild;
	uint8_t nsack;
	uint32_t left[CAPNET_TCP_MAX_SACK_BLOCKS], right[CAPNET_TCP_MAX_SACK_BLOCKS];
};

struct ts_seg {
	int port; /* peer port (@PORT); -1: the current connection's */
	uint8_t flags;
	uint32_t seq, len;
	bool ack_given, ack_wild;
	uint32_t ack;
	bool win_wild;
	uint32_t win;
	bool opts_wild;
	bool layout; /* nop/eol written: the option bytes must match in order */
	int nopts;
	struct ts_opt opt[TS_MAX_OPTS];
	bool bad_csum;
	/* `< icmp KIND [mtu N] seq S`: an ICMP error quoting the stack's
	 * segment at S (its sequence space) instead of a segment */
	bool icmp;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_mtu;
};

struct ts_arg {
	char key[24]; /* "" for a positional argument */
	char val[64];
};

#define SEL_DEFAULT (-1)
#define SEL_LISTENER (-2)

struct ts_call {
	char name[24];
	int sel; /* SEL_DEFAULT, SEL_LISTENER or a peer port */
	int nargs;
	struct ts_arg arg[TS_MAX_ARGS];
	bool has_result;
	char result[96];
};

enum ts_linekind { TL_IN, TL_OUT, TL_CALL };

struct ts_line {
	unsigned lineno;
	char text[256]; /* as written, for messages */
	bool absolute;
	capnet_duration t, tol;
	enum ts_linekind kind;
	struct ts_seg seg;
	struct ts_call call;
};

struct ts_script {
	const char *path;
	struct ts_line *lines;
	size_t n, cap;
	struct capnet_tcp_config cfg;
	uint64_t seed;
	uint32_t peer_base;
	uint16_t remote_port, local_port, mtu;
};

/* ---- errors ---- */

struct ts_err {
	char *buf;
	size_t size;
	unsigned *line;
	const char *path;
};


/* ---- errors (lex.c) ---- */

int ts_fail_at(struct ts_err *e, unsigned lineno, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- tokens (lex.c) ---- */

struct cur {
	const char *p;
};

void ts_skip_ws(struct cur *c);
bool ts_at_end(struct cur *c);
bool ts_eat(struct cur *c, char ch);
bool ts_eat_word(struct cur *c, const char *w);
bool ts_parse_u32(struct cur *c, uint32_t *out);
/* "N" or "*". */
bool ts_parse_u32_wild(struct cur *c, uint32_t *out, bool *wild);
/* Decimal seconds with up to 6 fraction digits, exactly, into microseconds. */
bool ts_parse_seconds(const char **pp, capnet_duration *out);
/* "1.5", "1.5s", "200ms", "500us": a duration. Bare numbers are seconds. */
bool ts_parse_duration_str(const char *s, capnet_duration *out);
bool ts_parse_uint_str(const char *s, uint64_t max, uint64_t *out);
bool ts_parse_bool_str(const char *s, bool *out);

/* ---- the parser (parse.c) ---- */

/* Reads s->path into s->lines and s's directives. */
int ts_parse_file(struct ts_script *s, struct ts_err *e);

/* ---- the run ---- */

extern const struct capnet_mac ts_stack_mac, ts_peer_mac;
extern const capnet_ip4addr ts_stack_ip, ts_peer_ip;

struct ts_frame {
	uint8_t data[TS_FRAME_MAX];
	size_t len;
	capnet_instant at;
};

struct ts_conn {
	bool used;
	uint16_t peer_port, stack_port;
	bool stack_isn_known, peer_isn_known, ts_known;
	uint32_t stack_isn; /* wire = script + stack_isn for our sequence space */
	uint32_t peer_isn;  /* script-space seq of the peer's SYN */
	uint32_t ts_base;   /* wire TS val = script + ts_base */
	struct capnet_tcp_sock *sock; /* the application's handle, NULL once closed */
	uint64_t sent, rcvd;          /* application bytes queued / read */
	struct capnet_tcp_edge edge;  /* events_et() state */
};

struct ts_run {
	struct ts_script *s;
	struct ts_err *e;
	const struct tcp_script_options *o;
	struct tcp_script_result *res;
	struct capnet_nic nic;
	struct capnet_xoshiro x;
	void *arena_mem;
	struct capnet_arena arena;
	struct capnet_stack *stack;
	struct capnet_iface *ifc;
	struct capnet_tcp *tcp;
	struct capnet_tcp_sock *listener;
	uint16_t listen_port;
	struct ts_conn conn[TS_MAX_CONNS];
	struct capnet_tcp_edge listener_edge; /* @L events_et() state */
	int current;
	capnet_instant now, next_deadline;
	struct ts_frame *q; /* TS_QUEUE entries, a ring */
	size_t qhead, qlen;
	bool q_overflow;
	uint16_t ip_ident;
	const struct ts_line *line; /* being run, for messages */
};


/* ---- the runner (run.c) ---- */

double ts_secs(capnet_instant t);
unsigned ts_lno(const struct ts_run *r);
struct ts_conn *ts_conn_by_peer_port(struct ts_run *r, uint16_t port, bool create);
struct ts_conn *ts_select_conn(struct ts_run *r, int port);
uint8_t ts_peer_byte(uint64_t off);
uint8_t ts_app_byte(uint64_t off);
int ts_poll_at(struct ts_run *r, capnet_instant t);
int ts_advance(struct ts_run *r, capnet_instant limit, bool stop_on_frame, capnet_instant before);

/* ---- decoding what the stack sent (decode.c) ---- */

struct seen {
	bool is_tcp;
	char what[160]; /* for non-TCP frames or broken ones */
	struct capnet_frame_desc d; /* the describer's summary; its TCP fields when is_tcp */
	size_t optlen;      /* bytes of the option area */
	bool opts_ok;       /* the options parsed into opts[] */
	int nopts;
	struct ts_opt opts[TS_MAX_OPTS]; /* in order, trailing EOL padding dropped */
	const uint8_t *payload;
	size_t plen;
	capnet_instant at;
};
void ts_flags_str(uint8_t f, char *out);
void ts_decode_frame(const struct ts_frame *f, struct seen *sn);
void ts_describe_seen(struct ts_run *r, const struct seen *sn, char *buf, size_t size);

/* ---- segments (segment.c) and calls (call.c) ---- */

int ts_run_inbound(struct ts_run *r, const struct ts_line *l);
int ts_run_outbound(struct ts_run *r, const struct ts_line *l, capnet_instant t, capnet_instant *actual);
int ts_run_call(struct ts_run *r, const struct ts_line *l);

#endif
