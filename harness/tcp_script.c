/* The exact-segment script runner: parse a script (test/tcp_scripts/README.md
 * gives the format), build one stack on a capture nic, and walk the lines
 * under a synthetic clock. The format is inspired by packetdrill; the code
 * is our own.
 *
 * Time. `now` only moves forward, to the next deadline the interface
 * returned or to the time of the next line, and the interface is polled at
 * each deadline on the way, so timers fire at their exact instants. Every
 * frame the stack transmits is stamped with the instant it left and queued;
 * a `>` line takes the oldest one and requires it to have left at the
 * line's time (or within its ~tolerance). A frame still queued when the
 * clock moves past the instant it was sent was not expected by any line:
 * that fails the script, with the frame decoded.
 *
 * Numbers. Sequence numbers of the stack's side are relative to its ISN
 * (learned from its first SYN, per connection); the peer's are the
 * script's plus `peer_base`. The stack's timestamp clock is learned the same
 * way from the first TS val a line states. */
#include "harness/tcp_script.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/iface.h"
#include "capnet/stats.h"
#include "capnet/tcp.h"
#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/ipv4.h"
#include "capnet/wire/tcp.h"

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

static int fail_at(struct ts_err *e, unsigned lineno, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail_at(struct ts_err *e, unsigned lineno, const char *fmt, ...)
{
	if (e->buf[0] != '\0')
		return -1; /* the first failure is the one that matters */
	int n = lineno ? snprintf(e->buf, e->size, "%s:%u: ", e->path, lineno) : snprintf(e->buf, e->size, "%s: ", e->path);
	if (n < 0 || (size_t)n >= e->size)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->buf + n, e->size - (size_t)n, fmt, ap);
	va_end(ap);
	*e->line = lineno;
	return -1;
}

/* ---- lexing ---- */

struct cur {
	const char *p;
};

static void skip_ws(struct cur *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

static bool at_end(struct cur *c)
{
	skip_ws(c);
	return *c->p == '\0';
}

static bool eat(struct cur *c, char ch)
{
	skip_ws(c);
	if (*c->p != ch)
		return false;
	c->p++;
	return true;
}

static bool eat_word(struct cur *c, const char *w)
{
	skip_ws(c);
	size_t n = strlen(w);
	if (strncmp(c->p, w, n) != 0 || isalnum((unsigned char)c->p[n]) || c->p[n] == '_')
		return false;
	c->p += n;
	return true;
}

static bool parse_u64(struct cur *c, uint64_t *out)
{
	skip_ws(c);
	if (!isdigit((unsigned char)*c->p))
		return false;
	char *end;
	errno = 0;
	int base = c->p[0] == '0' && (c->p[1] == 'x' || c->p[1] == 'X') ? 16 : 10;
	unsigned long long v = strtoull(c->p, &end, base);
	if (errno != 0)
		return false;
	c->p = end;
	*out = v;
	return true;
}

static bool parse_u32(struct cur *c, uint32_t *out)
{
	uint64_t v;
	if (!parse_u64(c, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "N" or "*". */
static bool parse_u32_wild(struct cur *c, uint32_t *out, bool *wild)
{
	*wild = eat(c, '*');
	if (*wild) {
		*out = 0;
		return true;
	}
	return parse_u32(c, out);
}

/* Decimal seconds with up to 6 fraction digits, exactly, into microseconds. */
static bool parse_seconds(const char **pp, capnet_duration *out)
{
	const char *p = *pp;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return false;
	int64_t whole = 0, frac = 0;
	while (isdigit((unsigned char)*p)) {
		whole = whole * 10 + (*p++ - '0');
		if (whole > 100000000)
			return false;
	}
	if (*p == '.') {
		p++;
		int digits = 0;
		while (isdigit((unsigned char)*p)) {
			if (digits == 6)
				return false;
			frac = frac * 10 + (*p++ - '0');
			digits++;
		}
		for (; digits < 6; digits++)
			frac *= 10;
	}
	*out = whole * 1000000 + frac;
	*pp = p;
	return true;
}

/* "1.5", "1.5s", "200ms", "500us": a duration. Bare numbers are seconds. */
static bool parse_duration_str(const char *s, capnet_duration *out)
{
	const char *p = s;
	capnet_duration v;
	if (!parse_seconds(&p, &v))
		return false;
	if (strcmp(p, "") == 0 || strcmp(p, "s") == 0)
		*out = v;
	else if (strcmp(p, "ms") == 0 && v % 1000 == 0)
		*out = v / 1000;
	else if (strcmp(p, "us") == 0 && v % 1000000 == 0)
		*out = v / 1000000;
	else
		return false;
	return true;
}

static bool parse_uint_str(const char *s, uint64_t max, uint64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	int base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
	unsigned long long v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_bool_str(const char *s, bool *out)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "on") == 0 || strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
		*out = true;
	else if (strcmp(s, "0") == 0 || strcmp(s, "off") == 0 || strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
		*out = false;
	else
		return false;
	return true;
}

/* ---- directives: --name=value, before the first timed line ---- */

enum dir_type { D_U8, D_U16, D_U32, D_SIZE, D_DUR, D_BOOL };

struct directive {
	const char *name;
	enum dir_type type;
	size_t off;
};

#define CFG(f, t) {#f, t, offsetof(struct capnet_tcp_config, f)}
static const struct directive directives[] = {
	CFG(max_sockets, D_U32),
	CFG(sndbuf, D_U32),
	CFG(rcvbuf, D_U32),
	CFG(buffer_pool, D_SIZE),
	CFG(mss, D_U16),
	CFG(rto_initial, D_DUR),
	CFG(rto_min, D_DUR),
	CFG(rto_max, D_DUR),
	CFG(max_retries, D_U8),
	CFG(syn_retries, D_U8),
	CFG(synack_retries, D_U8),
	CFG(time_wait, D_DUR),
	CFG(delayed_ack, D_DUR),
	CFG(fin_wait_2, D_DUR),
	CFG(keepalive, D_BOOL),
	CFG(keepalive_idle, D_DUR),
	CFG(keepalive_interval, D_DUR),
	CFG(keepalive_probes, D_U8),
	CFG(syn_backlog, D_U16),
	CFG(accept_backlog, D_U16),
	CFG(ooo_ranges, D_U8),
	CFG(no_sack, D_BOOL),
	CFG(no_timestamps, D_BOOL),
	CFG(no_wscale, D_BOOL),
	CFG(ephemeral_lo, D_U16),
	CFG(ephemeral_hi, D_U16),
};
#undef CFG

static int apply_directive(struct ts_script *s, struct ts_err *e, unsigned lineno, const char *text)
{
	const char *eq = strchr(text, '=');
	if (!eq)
		return fail_at(e, lineno, "directive '%s' wants --name=value", text);
	char name[40], val[64];
	size_t nl = (size_t)(eq - text);
	if (nl >= sizeof name || strlen(eq + 1) >= sizeof val || strlen(eq + 1) == 0)
		return fail_at(e, lineno, "directive '%s' is malformed", text);
	memcpy(name, text, nl);
	name[nl] = '\0';
	strcpy(val, eq + 1);
	uint64_t u;
	if (strcmp(name, "cc") == 0) {
		int a = capnet_tcp_cc_parse(val);
		if (a < 0)
			return fail_at(e, lineno, "--cc wants none, reno or cubic, not '%s'", val);
		s->cfg.cc = (enum capnet_tcp_cc_algo)a;
		s->cfg.cc_set = true;
		return 0;
	}
	if (strcmp(name, "seed") == 0 || strcmp(name, "peer_base") == 0 || strcmp(name, "remote_port") == 0 ||
	    strcmp(name, "local_port") == 0 || strcmp(name, "mtu") == 0) {
		uint64_t max = strcmp(name, "seed") == 0 ? UINT64_MAX : strcmp(name, "peer_base") == 0 ? UINT32_MAX : 65535;
		if (!parse_uint_str(val, max, &u))
			return fail_at(e, lineno, "--%s wants a number, not '%s'", name, val);
		if (strcmp(name, "seed") == 0)
			s->seed = u;
		else if (strcmp(name, "peer_base") == 0)
			s->peer_base = (uint32_t)u;
		else if (strcmp(name, "remote_port") == 0)
			s->remote_port = (uint16_t)u;
		else if (strcmp(name, "local_port") == 0)
			s->local_port = (uint16_t)u;
		else
			s->mtu = (uint16_t)u;
		return 0;
	}
	for (size_t i = 0; i < sizeof directives / sizeof directives[0]; i++) {
		const struct directive *d = &directives[i];
		if (strcmp(name, d->name) != 0)
			continue;
		uint8_t *f = (uint8_t *)&s->cfg + d->off;
		capnet_duration dur;
		bool b;
		switch (d->type) {
		case D_U8:
		case D_U16:
		case D_U32:
		case D_SIZE: {
			uint64_t max = d->type == D_U8 ? UINT8_MAX : d->type == D_U16 ? UINT16_MAX : d->type == D_U32 ? UINT32_MAX : SIZE_MAX;
			if (!parse_uint_str(val, max, &u))
				return fail_at(e, lineno, "--%s wants a number, not '%s'", name, val);
			if (d->type == D_U8)
				*f = (uint8_t)u;
			else if (d->type == D_U16) {
				uint16_t v = (uint16_t)u;
				memcpy(f, &v, sizeof v);
			} else if (d->type == D_U32) {
				uint32_t v = (uint32_t)u;
				memcpy(f, &v, sizeof v);
			} else {
				size_t v = (size_t)u;
				memcpy(f, &v, sizeof v);
			}
			return 0;
		}
		case D_DUR:
			if (!parse_duration_str(val, &dur))
				return fail_at(e, lineno, "--%s wants a duration (1s, 200ms), not '%s'", name, val);
			memcpy(f, &dur, sizeof dur);
			return 0;
		case D_BOOL:
			if (!parse_bool_str(val, &b))
				return fail_at(e, lineno, "--%s wants 0 or 1, not '%s'", name, val);
			memcpy(f, &b, sizeof b);
			return 0;
		}
	}
	return fail_at(e, lineno, "unknown directive --%s", name);
}

/* ---- segment lines ---- */

static bool parse_flags(struct cur *c, uint8_t *flags)
{
	skip_ws(c);
	*flags = 0;
	const char *start = c->p;
	while (*c->p && *c->p != ' ' && *c->p != '\t') {
		switch (*c->p) {
		case 'S':
			*flags |= CAPNET_TCP_SYN;
			break;
		case 'F':
			*flags |= CAPNET_TCP_FIN;
			break;
		case 'R':
			*flags |= CAPNET_TCP_RST;
			break;
		case 'P':
			*flags |= CAPNET_TCP_PSH;
			break;
		case '.':
			*flags |= CAPNET_TCP_ACK_FLAG;
			break;
		case 'U':
			*flags |= CAPNET_TCP_URG;
			break;
		case 'E':
			*flags |= CAPNET_TCP_ECE;
			break;
		case 'W':
			*flags |= CAPNET_TCP_CWR;
			break;
		default:
			return false;
		}
		c->p++;
	}
	return c->p != start;
}

static int parse_options(struct cur *c, struct ts_seg *sg, struct ts_err *e, unsigned ln)
{
	/* after '<' */
	skip_ws(c);
	if (strncmp(c->p, "...", 3) == 0) {
		c->p += 3;
		sg->opts_wild = true;
		if (!eat(c, '>'))
			return fail_at(e, ln, "'<...>' wants its '>'");
		return 0;
	}
	if (eat(c, '>'))
		return 0; /* "<>": no options */
	for (;;) {
		if (sg->nopts == TS_MAX_OPTS)
			return fail_at(e, ln, "more than %d options", TS_MAX_OPTS);
		struct ts_opt *o = &sg->opt[sg->nopts++];
		memset(o, 0, sizeof *o);
		if (eat_word(c, "nop")) {
			o->kind = TO_NOP;
			sg->layout = true;
		} else if (eat_word(c, "eol")) {
			o->kind = TO_EOL;
			sg->layout = true;
		} else if (eat_word(c, "mss")) {
			o->kind = TO_MSS;
			if (!parse_u32(c, &o->a) || o->a > 65535)
				return fail_at(e, ln, "'mss' wants a value 0..65535");
		} else if (eat_word(c, "wscale")) {
			o->kind = TO_WSCALE;
			if (!parse_u32(c, &o->a) || o->a > 255)
				return fail_at(e, ln, "'wscale' wants a value 0..255");
		} else if (eat_word(c, "sackOK")) {
			o->kind = TO_SACKOK;
		} else if (eat_word(c, "TS")) {
			o->kind = TO_TS;
			if (!eat_word(c, "val") || !parse_u32_wild(c, &o->a, &o->a_wild))
				return fail_at(e, ln, "'TS' wants 'val N ecr N' (N may be *)");
			if (!eat_word(c, "ecr") || !parse_u32_wild(c, &o->b, &o->b_wild))
				return fail_at(e, ln, "'TS' wants 'val N ecr N' (N may be *)");
		} else if (eat_word(c, "sack")) {
			o->kind = TO_SACK;
			while (o->nsack < CAPNET_TCP_MAX_SACK_BLOCKS) {
				skip_ws(c);
				if (!isdigit((unsigned char)*c->p))
					break;
				if (!parse_u32(c, &o->left[o->nsack]) || !eat(c, ':') || !parse_u32(c, &o->right[o->nsack]))
					return fail_at(e, ln, "'sack' wants blocks LEFT:RIGHT");
				o->nsack++;
			}
			if (o->nsack == 0)
				return fail_at(e, ln, "'sack' wants 1 to 4 blocks LEFT:RIGHT");
		} else {
			return fail_at(e, ln, "unknown option near '%.20s' (mss, wscale, sackOK, TS, sack, nop, eol)", c->p);
		}
		if (eat(c, ','))
			continue;
		if (eat(c, '>'))
			return 0;
		return fail_at(e, ln, "options: wants ',' or '>' near '%.20s'", c->p);
	}
}

static int parse_segment(struct cur *c, struct ts_line *l, struct ts_err *e)
{
	struct ts_seg *sg = &l->seg;
	unsigned ln = l->lineno;
	memset(sg, 0, sizeof *sg);
	sg->port = -1;
	if (eat(c, '@')) {
		uint32_t p;
		if (!parse_u32(c, &p) || p == 0 || p > 65535)
			return fail_at(e, ln, "'@' wants a peer port 1..65535");
		sg->port = (int)p;
	}
	if (!parse_flags(c, &sg->flags))
		return fail_at(e, ln, "segment flags: a combination of S F P R . (U E W), e.g. 'S.' or 'P.'");
	uint32_t end;
	if (!parse_u32(c, &sg->seq) || !eat(c, ':') || !parse_u32(c, &end) || !eat(c, '(') || !parse_u32(c, &sg->len) ||
	    !eat(c, ')'))
		return fail_at(e, ln, "segment wants 'SEQ:END(LEN)' after the flags");
	if (end - sg->seq != sg->len)
		return fail_at(e, ln, "%" PRIu32 ":%" PRIu32 "(%" PRIu32 "): END - SEQ must equal LEN", sg->seq, end,
			       sg->len);
	if (sg->len > 1460 * 2)
		return fail_at(e, ln, "payload of %" PRIu32 " bytes is larger than a frame", sg->len);
	bool win_given = false;
	while (!at_end(c)) {
		if (eat_word(c, "ack")) {
			if (!parse_u32_wild(c, &sg->ack, &sg->ack_wild))
				return fail_at(e, ln, "'ack' wants a number or *");
			sg->ack_given = true;
		} else if (eat_word(c, "win")) {
			if (!parse_u32_wild(c, &sg->win, &sg->win_wild) || sg->win > 65535)
				return fail_at(e, ln, "'win' wants the raw window field 0..65535 or *");
			win_given = true;
		} else if (eat(c, '<')) {
			if (parse_options(c, sg, e, ln) != 0)
				return -1;
		} else if (eat_word(c, "bad_csum")) {
			if (l->kind != TL_IN)
				return fail_at(e, ln, "'bad_csum' is for inbound segments");
			sg->bad_csum = true;
		} else {
			return fail_at(e, ln, "unexpected '%.20s' in a segment (ack, win, <options>, bad_csum)", c->p);
		}
	}
	if ((sg->flags & CAPNET_TCP_ACK_FLAG) && !sg->ack_given)
		return fail_at(e, ln, "the segment has the ACK flag ('.'): write 'ack N'");
	if (!win_given)
		return fail_at(e, ln, "write the window: 'win N' (or 'win *' for an outbound segment)");
	if (l->kind == TL_IN && (sg->win_wild || sg->ack_wild || sg->opts_wild))
		return fail_at(e, ln, "wildcards are for outbound ('>') segments");
	if (l->kind == TL_OUT && sg->ack_given && !(sg->flags & CAPNET_TCP_ACK_FLAG))
		return fail_at(e, ln, "'ack' on an outbound segment without the ACK flag");
	for (int i = 0; i < sg->nopts && l->kind == TL_IN; i++)
		if (sg->opt[i].a_wild || sg->opt[i].b_wild)
			return fail_at(e, ln, "wildcards are for outbound ('>') segments");
	return 0;
}

/* ---- call lines ---- */

static int parse_call(struct cur *c, struct ts_line *l, struct ts_err *e)
{
	struct ts_call *k = &l->call;
	unsigned ln = l->lineno;
	memset(k, 0, sizeof *k);
	k->sel = SEL_DEFAULT;
	if (eat(c, '@')) {
		uint32_t p;
		if (eat_word(c, "L"))
			k->sel = SEL_LISTENER;
		else if (parse_u32(c, &p) && p > 0 && p <= 65535)
			k->sel = (int)p;
		else
			return fail_at(e, ln, "'@' wants a peer port or L (the listener)");
	}
	skip_ws(c);
	size_t n = 0;
	while (isalnum((unsigned char)c->p[n]) || c->p[n] == '_')
		n++;
	if (n == 0 || n >= sizeof k->name)
		return fail_at(e, ln, "a line is '< segment', '> segment' or 'call(args) = result'");
	memcpy(k->name, c->p, n);
	k->name[n] = '\0';
	c->p += n;
	if (!eat(c, '('))
		return fail_at(e, ln, "'%s' wants '(' (calls are written name(args))", k->name);
	skip_ws(c);
	if (!eat(c, ')')) {
		for (;;) {
			if (k->nargs == TS_MAX_ARGS)
				return fail_at(e, ln, "more than %d arguments", TS_MAX_ARGS);
			struct ts_arg *a = &k->arg[k->nargs++];
			skip_ws(c);
			const char *s = c->p;
			while (*c->p && *c->p != ',' && *c->p != ')')
				c->p++;
			const char *t = c->p;
			while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
				t--;
			const char *eq = memchr(s, '=', (size_t)(t - s));
			const char *v = s;
			if (eq) {
				if ((size_t)(eq - s) >= sizeof a->key)
					return fail_at(e, ln, "argument name too long");
				memcpy(a->key, s, (size_t)(eq - s));
				a->key[eq - s] = '\0';
				v = eq + 1;
			}
			if (t <= v || (size_t)(t - v) >= sizeof a->val)
				return fail_at(e, ln, "empty or too long argument in %s()", k->name);
			memcpy(a->val, v, (size_t)(t - v));
			a->val[t - v] = '\0';
			if (eat(c, ','))
				continue;
			if (eat(c, ')'))
				break;
			return fail_at(e, ln, "%s(: wants ',' or ')'", k->name);
		}
	}
	if (eat(c, '=')) {
		skip_ws(c);
		size_t rl = strlen(c->p);
		while (rl > 0 && (c->p[rl - 1] == ' ' || c->p[rl - 1] == '\t'))
			rl--;
		if (rl == 0 || rl >= sizeof k->result)
			return fail_at(e, ln, "'=' wants the expected result");
		memcpy(k->result, c->p, rl);
		k->result[rl] = '\0';
		k->has_result = true;
		c->p += strlen(c->p);
	}
	if (!at_end(c))
		return fail_at(e, ln, "unexpected '%.20s' after the call", c->p);
	static const char *const known[] = {"listen", "accept", "connect", "send", "recv", "recv_ready", "shutdown",
					    "close", "abort", "setsockopt", "state", "events", "error", "counter",
					    "info"};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(k->name, known[i]) == 0)
			return 0;
	return fail_at(e, ln, "unknown call '%s'", k->name);
}

/* ---- a file ---- */

static int parse_line(struct ts_script *s, struct ts_err *e, unsigned lineno, char *text, bool *timed_seen)
{
	char *cm = strstr(text, "//");
	if (cm)
		*cm = '\0';
	size_t len = strlen(text);
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		text[--len] = '\0';
	while (*text == ' ' || *text == '\t')
		text++;
	if (*text == '\0')
		return 0;
	if (text[0] == '-' && text[1] == '-') {
		if (*timed_seen)
			return fail_at(e, lineno, "directives (--name=value) come before the first timed line");
		return apply_directive(s, e, lineno, text + 2);
	}
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct ts_line *nl = realloc(s->lines, nc * sizeof *nl);
		if (!nl)
			return fail_at(e, lineno, "out of memory");
		s->lines = nl;
		s->cap = nc;
	}
	struct ts_line *l = &s->lines[s->n];
	memset(l, 0, sizeof *l);
	l->lineno = lineno;
	size_t tl = strlen(text) < sizeof l->text - 1 ? strlen(text) : sizeof l->text - 1;
	memcpy(l->text, text, tl);
	l->text[tl] = '\0';
	*timed_seen = true;
	const char *p = text;
	if (*p == '+')
		p++;
	else
		l->absolute = true;
	if (!parse_seconds(&p, &l->t))
		return fail_at(e, lineno, "a line starts with its time: '+0.100' (relative) or '0.300' (absolute)");
	if (*p == '~') {
		p++;
		if (!parse_seconds(&p, &l->tol))
			return fail_at(e, lineno, "'~' wants a tolerance in seconds, e.g. +1~0.010");
	}
	if (*p != ' ' && *p != '\t')
		return fail_at(e, lineno, "the time wants a space after it");
	struct cur c = {p};
	int rc;
	if (eat(&c, '<')) {
		l->kind = TL_IN;
		rc = parse_segment(&c, l, e);
	} else if (eat(&c, '>')) {
		l->kind = TL_OUT;
		rc = parse_segment(&c, l, e);
	} else {
		l->kind = TL_CALL;
		rc = parse_call(&c, l, e);
	}
	if (rc == 0 && l->tol != 0 && l->kind != TL_OUT)
		return fail_at(e, lineno, "a tolerance (~) is for outbound ('>') lines");
	if (rc == 0)
		s->n++;
	return rc;
}

static int parse_file(struct ts_script *s, struct ts_err *e)
{
	FILE *f = fopen(s->path, "r");
	if (!f)
		return fail_at(e, 0, "cannot open: %s", strerror(errno));
	char buf[1024];
	unsigned lineno = 0;
	bool timed_seen = false;
	int rc = 0;
	while (rc == 0 && fgets(buf, sizeof buf, f)) {
		lineno++;
		if (strlen(buf) == sizeof buf - 1 && buf[sizeof buf - 2] != '\n')
			rc = fail_at(e, lineno, "line longer than %zu characters", sizeof buf - 2);
		else
			rc = parse_line(s, e, lineno, buf, &timed_seen);
	}
	fclose(f);
	if (rc == 0 && s->n == 0)
		rc = fail_at(e, 0, "no timed lines");
	return rc;
}

/* ---- the runner ---- */

static const struct capnet_mac stack_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
static const struct capnet_mac peer_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
static const capnet_ip4addr stack_ip = CAPNET_IP4(192, 0, 2, 1);
static const capnet_ip4addr peer_ip = CAPNET_IP4(192, 0, 2, 2);

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
	struct capnet_iface *ifc;
	struct capnet_tcp *tcp;
	struct capnet_tcp_sock *listener;
	uint16_t listen_port;
	struct ts_conn conn[TS_MAX_CONNS];
	int current;
	capnet_instant now, next_deadline;
	struct ts_frame *q; /* TS_QUEUE entries, a ring */
	size_t qhead, qlen;
	bool q_overflow;
	uint16_t ip_ident;
	const struct ts_line *line; /* being run, for messages */
};

static capnet_err nic_transmit(void *dev, const uint8_t *frame, size_t len)
{
	struct ts_run *r = dev;
	if (r->qlen == TS_QUEUE || len > TS_FRAME_MAX) {
		r->q_overflow = true;
		return CAPNET_E_AGAIN;
	}
	struct ts_frame *f = &r->q[(r->qhead + r->qlen) % TS_QUEUE];
	memcpy(f->data, frame, len);
	f->len = len;
	f->at = r->now;
	r->qlen++;
	return CAPNET_OK;
}

static capnet_err nic_receive(void *dev, uint8_t *buf, size_t cap, size_t *len)
{
	(void)dev;
	(void)buf;
	(void)cap;
	(void)len;
	return CAPNET_E_AGAIN; /* segments are fed with capnet_iface_input */
}

static bool nic_link_up(void *dev)
{
	(void)dev;
	return true;
}

static const struct capnet_nic_ops script_nic_ops = {nic_transmit, nic_receive, nic_link_up};

static double secs(capnet_instant t)
{
	return (double)t / 1e6;
}

static unsigned lno(const struct ts_run *r)
{
	return r->line ? r->line->lineno : 0;
}

static struct ts_conn *conn_by_peer_port(struct ts_run *r, uint16_t port, bool create)
{
	for (int i = 0; i < TS_MAX_CONNS; i++)
		if (r->conn[i].used && r->conn[i].peer_port == port)
			return &r->conn[i];
	if (!create)
		return NULL;
	for (int i = 0; i < TS_MAX_CONNS; i++) {
		if (r->conn[i].used)
			continue;
		struct ts_conn *c = &r->conn[i];
		memset(c, 0, sizeof *c);
		c->used = true;
		c->peer_port = port;
		c->stack_port = r->listen_port ? r->listen_port : r->s->local_port;
		return c;
	}
	return NULL;
}

static struct ts_conn *current_conn(struct ts_run *r)
{
	if (r->current < 0) {
		struct ts_conn *c = conn_by_peer_port(r, r->s->remote_port, true);
		if (c)
			r->current = (int)(c - r->conn);
		return c;
	}
	return &r->conn[r->current];
}

static struct ts_conn *select_conn(struct ts_run *r, int port)
{
	if (port < 0)
		return current_conn(r);
	struct ts_conn *c = conn_by_peer_port(r, (uint16_t)port, true);
	if (!c)
		fail_at(r->e, lno(r), "more than %d connections", TS_MAX_CONNS);
	return c;
}

/* Inbound payload bytes and the application's outbound bytes are two
 * patterns, so a byte that lands at the wrong offset or comes from the
 * wrong side is caught. 251 is prime: no alignment hides a shift. */
static uint8_t peer_byte(uint64_t off)
{
	return (uint8_t)(off % 251);
}

static uint8_t app_byte(uint64_t off)
{
	return (uint8_t)((off % 251) ^ 0xa5);
}

/* ---- decoding what the stack sent ---- */

struct seen {
	bool is_tcp;
	char what[160]; /* for non-TCP frames or broken ones */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opt;
	size_t optlen;
	const uint8_t *payload;
	size_t plen;
	capnet_instant at;
};

static void flags_str(uint8_t f, char *out)
{
	char *p = out;
	if (f & CAPNET_TCP_SYN)
		*p++ = 'S';
	if (f & CAPNET_TCP_FIN)
		*p++ = 'F';
	if (f & CAPNET_TCP_RST)
		*p++ = 'R';
	if (f & CAPNET_TCP_PSH)
		*p++ = 'P';
	if (f & CAPNET_TCP_URG)
		*p++ = 'U';
	if (f & CAPNET_TCP_ECE)
		*p++ = 'E';
	if (f & CAPNET_TCP_CWR)
		*p++ = 'W';
	if (f & CAPNET_TCP_ACK_FLAG)
		*p++ = '.';
	if (p == out)
		*p++ = '-';
	*p = '\0';
}

/* Checks the frame layer by layer; anything but a well-formed TCP segment
 * from us to the peer is described in `what`. */
static void decode_frame(const struct ts_frame *f, struct seen *sn)
{
	memset(sn, 0, sizeof *sn);
	sn->at = f->at;
	struct capnet_eth_repr eth;
	if (capnet_eth_parse(f->data, f->len, &eth, NULL) != CAPNET_OK) {
		snprintf(sn->what, sizeof sn->what, "a truncated Ethernet frame (%zu bytes)", f->len);
		return;
	}
	if (eth.ethertype == CAPNET_ETHERTYPE_ARP) {
		snprintf(sn->what, sizeof sn->what, "an ARP frame (%zu bytes; the peer's MAC is static)", f->len);
		return;
	}
	if (eth.ethertype != CAPNET_ETHERTYPE_IPV4) {
		snprintf(sn->what, sizeof sn->what, "a frame of ethertype 0x%04x", eth.ethertype);
		return;
	}
	if (!capnet_mac_eq(eth.dst, peer_mac) || !capnet_mac_eq(eth.src, stack_mac)) {
		snprintf(sn->what, sizeof sn->what, "an IPv4 frame with wrong MACs (dst %02x:..:%02x src %02x:..:%02x)",
			 eth.dst.b[0], eth.dst.b[5], eth.src.b[0], eth.src.b[5]);
		return;
	}
	const uint8_t *ip = f->data + eth.header_len;
	size_t iplen = f->len - eth.header_len;
	struct capnet_ip4_repr ipr;
	capnet_err err = capnet_ip4_parse(ip, iplen, &ipr, NULL);
	if (err != CAPNET_OK) {
		snprintf(sn->what, sizeof sn->what, "a broken IPv4 packet (%s)", capnet_errname(err));
		return;
	}
	if (ipr.proto == CAPNET_IPPROTO_ICMP) {
		const uint8_t *ic = ip + ipr.header_len;
		snprintf(sn->what, sizeof sn->what, "an ICMP message type %u code %u", ipr.payload_len > 0 ? ic[0] : 0,
			 ipr.payload_len > 1 ? ic[1] : 0);
		return;
	}
	if (ipr.proto != CAPNET_IPPROTO_TCP) {
		snprintf(sn->what, sizeof sn->what, "an IPv4 packet of protocol %u", ipr.proto);
		return;
	}
	if (ipr.src != stack_ip || ipr.dst != peer_ip) {
		snprintf(sn->what, sizeof sn->what, "a TCP segment with wrong addresses (%08" PRIx32 " > %08" PRIx32 ")",
			 ipr.src, ipr.dst);
		return;
	}
	const uint8_t *t = ip + ipr.header_len;
	struct capnet_tcp_view v;
	if (capnet_tcp_view_check(&v, t, ipr.payload_len) != CAPNET_OK) {
		snprintf(sn->what, sizeof sn->what, "a truncated TCP segment (%zu bytes)", ipr.payload_len);
		return;
	}
	uint32_t pseudo = capnet_csum_pseudo4(ipr.src, ipr.dst, CAPNET_IPPROTO_TCP, (uint16_t)ipr.payload_len);
	if (capnet_csum_finish(capnet_csum_partial(t, ipr.payload_len, pseudo)) != 0) {
		snprintf(sn->what, sizeof sn->what, "a TCP segment with a bad checksum");
		return;
	}
	sn->is_tcp = true;
	sn->sport = capnet_tcp_src_port(&v);
	sn->dport = capnet_tcp_dst_port(&v);
	sn->seq = capnet_tcp_seq(&v);
	sn->ack = capnet_tcp_ack(&v);
	sn->flags = capnet_tcp_flags(&v);
	sn->win = capnet_tcp_window(&v);
	size_t hl = capnet_tcp_header_len(&v);
	sn->opt = t + CAPNET_TCP_HDR_LEN;
	sn->optlen = hl - CAPNET_TCP_HDR_LEN;
	sn->payload = t + hl;
	sn->plen = ipr.payload_len - hl;
}

/* The option bytes as a list; false when they do not parse. Trailing EOL
 * padding is dropped (it is alignment, not an option). */
static bool decode_options(const uint8_t *p, size_t len, struct ts_opt *out, int *n)
{
	*n = 0;
	size_t i = 0;
	while (i < len && *n < TS_MAX_OPTS) {
		struct ts_opt *o = &out[*n];
		memset(o, 0, sizeof *o);
		uint8_t kind = p[i];
		if (kind == CAPNET_TCPOPT_EOL) {
			for (size_t j = i; j < len; j++)
				if (p[j] != 0)
					return false; /* bytes after EOL */
			return true;
		}
		if (kind == CAPNET_TCPOPT_NOP) {
			o->kind = TO_NOP;
			(*n)++;
			i++;
			continue;
		}
		if (len - i < 2 || p[i + 1] < 2 || p[i + 1] > len - i)
			return false;
		size_t ol = p[i + 1];
		const uint8_t *v = p + i + 2;
		switch (kind) {
		case CAPNET_TCPOPT_MSS:
			if (ol != 4)
				return false;
			o->kind = TO_MSS;
			o->a = capnet_get16(v);
			break;
		case CAPNET_TCPOPT_WSCALE:
			if (ol != 3)
				return false;
			o->kind = TO_WSCALE;
			o->a = v[0];
			break;
		case CAPNET_TCPOPT_SACK_PERM:
			if (ol != 2)
				return false;
			o->kind = TO_SACKOK;
			break;
		case CAPNET_TCPOPT_TIMESTAMP:
			if (ol != 10)
				return false;
			o->kind = TO_TS;
			o->a = capnet_get32(v);
			o->b = capnet_get32(v + 4);
			break;
		case CAPNET_TCPOPT_SACK:
			if ((ol - 2) % 8 != 0 || ol < 10 || (ol - 2) / 8 > CAPNET_TCP_MAX_SACK_BLOCKS)
				return false;
			o->kind = TO_SACK;
			o->nsack = (uint8_t)((ol - 2) / 8);
			for (uint8_t b = 0; b < o->nsack; b++) {
				o->left[b] = capnet_get32(v + 8 * b);
				o->right[b] = capnet_get32(v + 8 * b + 4);
			}
			break;
		default:
			o->kind = TO_UNKNOWN;
			o->a = kind;
			o->b = (uint32_t)ol;
			break;
		}
		(*n)++;
		i += ol;
	}
	return i >= len;
}

/* One option as text; values translated to script space where known. */
static int opt_str(char *buf, size_t size, const struct ts_opt *o, const struct ts_conn *c, uint32_t peer_base,
		   bool outbound)
{
	switch (o->kind) {
	case TO_NOP:
		return snprintf(buf, size, "nop");
	case TO_EOL:
		return snprintf(buf, size, "eol");
	case TO_MSS:
		return snprintf(buf, size, "mss %" PRIu32, o->a);
	case TO_WSCALE:
		return snprintf(buf, size, "wscale %" PRIu32, o->a);
	case TO_SACKOK:
		return snprintf(buf, size, "sackOK");
	case TO_UNKNOWN:
		return snprintf(buf, size, "opt%" PRIu32 " len %" PRIu32, o->a, o->b);
	case TO_TS: {
		uint32_t val = o->a, ecr = o->b;
		if (outbound && c && c->ts_known)
			val -= c->ts_base;
		return snprintf(buf, size, "TS val %" PRIu32 " ecr %" PRIu32, val, ecr);
	}
	case TO_SACK: {
		int n = snprintf(buf, size, "sack");
		for (uint8_t b = 0; b < o->nsack && n >= 0 && (size_t)n < size; b++) {
			uint32_t base = outbound ? peer_base : (c && c->stack_isn_known ? c->stack_isn : 0);
			n += snprintf(buf + n, size - (size_t)n, " %" PRIu32 ":%" PRIu32, o->left[b] - base,
				      o->right[b] - base);
		}
		return n;
	}
	}
	return 0;
}

/* "192.0.2.1:8080 > 192.0.2.2:40000 S. 0:0(0) ack 1 win 65535 <mss 1460,...>"
 * with sequence numbers in script space where the mapping is known. */
static void describe_seen(struct ts_run *r, const struct seen *sn, char *buf, size_t size)
{
	if (!sn->is_tcp) {
		snprintf(buf, size, "%s", sn->what);
		return;
	}
	struct ts_conn *c = conn_by_peer_port(r, sn->dport, false);
	uint32_t seq = sn->seq, ack = sn->ack;
	bool rel = c && c->stack_isn_known;
	if (rel)
		seq -= c->stack_isn;
	ack -= r->s->peer_base;
	char fl[12];
	flags_str(sn->flags, fl);
	int n = snprintf(buf, size, "192.0.2.1:%u > 192.0.2.2:%u %s %" PRIu32 ":%" PRIu32 "(%zu)%s", sn->sport, sn->dport,
			 fl, seq, seq + (uint32_t)sn->plen, sn->plen, rel ? "" : " [absolute seq]");
	if (sn->flags & CAPNET_TCP_ACK_FLAG)
		n += snprintf(buf + n, size - (size_t)n, " ack %" PRIu32, ack);
	n += snprintf(buf + n, size - (size_t)n, " win %u", sn->win);
	if (sn->optlen == 0 || n < 0 || (size_t)n >= size)
		return;
	struct ts_opt opts[TS_MAX_OPTS];
	int no;
	if (!decode_options(sn->opt, sn->optlen, opts, &no)) {
		snprintf(buf + n, size - (size_t)n, " <malformed options, %zu bytes>", sn->optlen);
		return;
	}
	n += snprintf(buf + n, size - (size_t)n, " <");
	for (int i = 0; i < no && (size_t)n < size; i++) {
		if (i)
			n += snprintf(buf + n, size - (size_t)n, ",");
		if ((size_t)n < size)
			n += opt_str(buf + n, size - (size_t)n, &opts[i], c, r->s->peer_base, true);
	}
	if ((size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ">");
}

/* ---- time ---- */

static int poll_at(struct ts_run *r, capnet_instant t)
{
	r->now = t;
	for (int spin = 0; spin < TS_POLL_SPIN; spin++) {
		r->next_deadline = capnet_iface_poll(r->ifc, t);
		if (r->next_deadline > t)
			return 0;
	}
	return fail_at(r->e, lno(r), "the stack asks to be polled again at %.6f s without end (busy loop)", secs(t));
}

static int unexpected(struct ts_run *r, const char *when)
{
	struct seen sn;
	decode_frame(&r->q[r->qhead], &sn);
	char d[512];
	describe_seen(r, &sn, d, sizeof d);
	return fail_at(r->e, lno(r), "unexpected segment sent at %.6f s %s: %s", secs(sn.at), when, d);
}

/* Moves the clock to `limit`, polling at every deadline on the way. With
 * stop_on_frame, returns as soon as a frame is queued (a `>` line takes it);
 * otherwise a frame sent before `before` is unexpected. */
static int advance(struct ts_run *r, capnet_instant limit, bool stop_on_frame, capnet_instant before)
{
	for (;;) {
		if (r->q_overflow)
			return fail_at(r->e, lno(r), "the stack sent more than %d segments no line expected", TS_QUEUE);
		if (r->qlen > 0) {
			if (stop_on_frame)
				return 0;
			if (r->q[r->qhead].at < before) {
				char when[96];
				snprintf(when, sizeof when, "(no '>' line expects it before this line at %.6f s)", secs(before));
				return unexpected(r, when);
			}
		}
		if (r->next_deadline > limit)
			break;
		capnet_instant t = r->next_deadline > r->now ? r->next_deadline : r->now;
		if (poll_at(r, t) != 0)
			return -1;
	}
	if (limit > r->now)
		r->now = limit;
	return 0;
}

/* ---- inbound segments ---- */

/* The option list as bytes, in the order written (the script controls the
 * layout of what it sends), padded with EOL to a multiple of 4. */
static size_t build_options(const struct ts_seg *sg, const struct ts_conn *c, uint8_t *p)
{
	size_t n = 0;
	for (int i = 0; i < sg->nopts; i++) {
		const struct ts_opt *o = &sg->opt[i];
		switch (o->kind) {
		case TO_NOP:
			p[n++] = CAPNET_TCPOPT_NOP;
			break;
		case TO_EOL:
			p[n++] = CAPNET_TCPOPT_EOL;
			break;
		case TO_MSS:
			p[n] = CAPNET_TCPOPT_MSS;
			p[n + 1] = 4;
			capnet_put16(p + n + 2, (uint16_t)o->a);
			n += 4;
			break;
		case TO_WSCALE:
			p[n] = CAPNET_TCPOPT_WSCALE;
			p[n + 1] = 3;
			p[n + 2] = (uint8_t)o->a;
			n += 3;
			break;
		case TO_SACKOK:
			p[n] = CAPNET_TCPOPT_SACK_PERM;
			p[n + 1] = 2;
			n += 2;
			break;
		case TO_TS:
			p[n] = CAPNET_TCPOPT_TIMESTAMP;
			p[n + 1] = 10;
			capnet_put32(p + n + 2, o->a);
			/* the peer echoes our clock: script space to wire */
			capnet_put32(p + n + 6, o->b + (c->ts_known ? c->ts_base : 0));
			n += 10;
			break;
		case TO_SACK: {
			uint32_t base = c->stack_isn_known ? c->stack_isn : 0;
			p[n] = CAPNET_TCPOPT_SACK;
			p[n + 1] = (uint8_t)(2 + 8 * o->nsack);
			for (uint8_t b = 0; b < o->nsack; b++) {
				capnet_put32(p + n + 2 + 8 * b, o->left[b] + base);
				capnet_put32(p + n + 6 + 8 * b, o->right[b] + base);
			}
			n += 2 + 8u * o->nsack;
			break;
		}
		case TO_UNKNOWN:
			break;
		}
	}
	while (n % 4 != 0)
		p[n++] = CAPNET_TCPOPT_EOL;
	return n;
}

static int options_len_ok(const struct ts_seg *sg)
{
	size_t n = 0;
	for (int i = 0; i < sg->nopts; i++) {
		const struct ts_opt *o = &sg->opt[i];
		n += o->kind == TO_NOP || o->kind == TO_EOL ? 1
		     : o->kind == TO_MSS			  ? 4
		     : o->kind == TO_WSCALE			  ? 3
		     : o->kind == TO_SACKOK			  ? 2
		     : o->kind == TO_TS				  ? 10
		     : o->kind == TO_SACK			  ? 2 + 8u * o->nsack
								  : 0;
	}
	return n <= 40;
}

static int run_inbound(struct ts_run *r, const struct ts_line *l)
{
	const struct ts_seg *sg = &l->seg;
	struct ts_conn *c = select_conn(r, sg->port);
	if (!c)
		return -1;
	if (!options_len_ok(sg))
		return fail_at(r->e, l->lineno, "options longer than 40 bytes");
	if ((sg->flags & CAPNET_TCP_SYN) && !c->peer_isn_known) {
		c->peer_isn = sg->seq;
		c->peer_isn_known = true;
	}
	uint8_t f[TS_FRAME_MAX];
	memset(f, 0, sizeof f);
	memcpy(f, stack_mac.b, 6);
	memcpy(f + 6, peer_mac.b, 6);
	capnet_put16(f + 12, CAPNET_ETHERTYPE_IPV4);
	uint8_t *ip = f + 14;
	uint8_t *t = ip + 20;
	size_t optlen = build_options(sg, c, t + 20);
	size_t hl = 20 + optlen;
	size_t tcplen = hl + sg->len;
	if (14 + 20 + tcplen > TS_FRAME_MAX)
		return fail_at(r->e, l->lineno, "segment larger than a frame");
	capnet_put16(t + CAPNET_TCP_SRC_PORT, c->peer_port);
	capnet_put16(t + CAPNET_TCP_DST_PORT, c->stack_port);
	capnet_put32(t + CAPNET_TCP_SEQ, sg->seq + r->s->peer_base);
	uint32_t ack = sg->ack + (c->stack_isn_known ? c->stack_isn : 0);
	capnet_put32(t + CAPNET_TCP_ACK, sg->ack_given ? ack : 0);
	t[CAPNET_TCP_OFF_FLAGS] = (uint8_t)((hl / 4) << 4);
	t[CAPNET_TCP_OFF_FLAGS + 1] = sg->flags;
	capnet_put16(t + CAPNET_TCP_WINDOW, (uint16_t)sg->win);
	uint64_t off = (uint64_t)(uint32_t)(sg->seq - (c->peer_isn_known ? c->peer_isn : 0) - 1);
	for (uint32_t i = 0; i < sg->len; i++)
		t[hl + i] = peer_byte(off + i);
	uint32_t pseudo = capnet_csum_pseudo4(peer_ip, stack_ip, CAPNET_IPPROTO_TCP, (uint16_t)tcplen);
	uint16_t sum = capnet_csum_finish(capnet_csum_partial(t, tcplen, pseudo));
	if (sg->bad_csum)
		sum ^= 0x5555;
	capnet_put16(t + CAPNET_TCP_CHECKSUM, sum);
	ip[0] = 0x45;
	capnet_put16(ip + 2, (uint16_t)(20 + tcplen));
	capnet_put16(ip + 4, r->ip_ident++);
	capnet_put16(ip + 6, CAPNET_IP4_FLAG_DF);
	ip[8] = 64;
	ip[9] = CAPNET_IPPROTO_TCP;
	capnet_put32(ip + 12, peer_ip);
	capnet_put32(ip + 16, stack_ip);
	capnet_put16(ip + 10, capnet_csum(ip, 20));
	size_t flen = 14 + 20 + tcplen;
	if (flen < 60)
		flen = 60;
	capnet_iface_input(r->ifc, f, flen, r->now);
	r->res->segments_in++;
	return poll_at(r, r->now);
}

/* ---- outbound segments ---- */

struct mismatch {
	char why[256];
};

static bool opt_values_match(struct ts_run *r, struct ts_conn *c, const struct ts_opt *want, const struct ts_opt *got,
			     struct mismatch *m)
{
	switch (want->kind) {
	case TO_MSS:
	case TO_WSCALE:
		if (want->a != got->a) {
			snprintf(m->why, sizeof m->why, "%s %" PRIu32 " expected, %" PRIu32 " sent",
				 want->kind == TO_MSS ? "mss" : "wscale", want->a, got->a);
			return false;
		}
		return true;
	case TO_TS:
		if (!want->a_wild) {
			if (!c->ts_known) {
				/* the stack's timestamp clock: learned here */
				c->ts_base = got->a - want->a;
				c->ts_known = true;
			}
			if (got->a - c->ts_base != want->a) {
				snprintf(m->why, sizeof m->why, "TS val %" PRIu32 " expected, %" PRIu32 " sent", want->a,
					 got->a - c->ts_base);
				return false;
			}
		}
		if (!want->b_wild && want->b != got->b) {
			snprintf(m->why, sizeof m->why, "TS ecr %" PRIu32 " expected, %" PRIu32 " sent", want->b, got->b);
			return false;
		}
		return true;
	case TO_SACK:
		if (want->nsack != got->nsack) {
			snprintf(m->why, sizeof m->why, "%u SACK blocks expected, %u sent", want->nsack, got->nsack);
			return false;
		}
		for (uint8_t b = 0; b < want->nsack; b++) {
			uint32_t gl = got->left[b] - r->s->peer_base, gr = got->right[b] - r->s->peer_base;
			if (gl != want->left[b] || gr != want->right[b]) {
				snprintf(m->why, sizeof m->why,
					 "SACK block %u: %" PRIu32 ":%" PRIu32 " expected, %" PRIu32 ":%" PRIu32 " sent", b + 1,
					 want->left[b], want->right[b], gl, gr);
				return false;
			}
		}
		return true;
	default:
		return true;
	}
}

static const char *optkind_name(enum ts_optkind k)
{
	static const char *const names[] = {"nop", "eol", "mss", "wscale", "sackOK", "TS", "sack", "unknown option"};
	return names[k];
}

static bool options_match(struct ts_run *r, struct ts_conn *c, const struct ts_seg *sg, const struct seen *sn,
			  struct mismatch *m)
{
	if (sg->opts_wild)
		return true;
	struct ts_opt got[TS_MAX_OPTS];
	int ng;
	if (!decode_options(sn->opt, sn->optlen, got, &ng)) {
		snprintf(m->why, sizeof m->why, "the options sent are malformed");
		return false;
	}
	if (sg->layout) {
		/* nop/eol written: the exact layout, in order */
		int nw = sg->nopts;
		while (nw > 0 && sg->opt[nw - 1].kind == TO_EOL)
			nw--; /* trailing EOL is padding, as decode drops it */
		for (int i = 0; i < nw || i < ng; i++) {
			if (i >= nw || i >= ng || sg->opt[i].kind != got[i].kind) {
				snprintf(m->why, sizeof m->why, "option %d: %s expected, %s sent", i + 1,
					 i < nw ? optkind_name(sg->opt[i].kind) : "nothing",
					 i < ng ? optkind_name(got[i].kind) : "nothing");
				return false;
			}
			if (!opt_values_match(r, c, &sg->opt[i], &got[i], m))
				return false;
		}
		return true;
	}
	/* no nop/eol written: the same set of options, any layout */
	bool used[TS_MAX_OPTS] = {false};
	for (int i = 0; i < sg->nopts; i++) {
		int j;
		for (j = 0; j < ng; j++)
			if (!used[j] && got[j].kind == sg->opt[i].kind)
				break;
		if (j == ng) {
			snprintf(m->why, sizeof m->why, "option %s expected, not sent", optkind_name(sg->opt[i].kind));
			return false;
		}
		used[j] = true;
		if (!opt_values_match(r, c, &sg->opt[i], &got[j], m))
			return false;
	}
	for (int j = 0; j < ng; j++) {
		if (!used[j] && got[j].kind != TO_NOP && got[j].kind != TO_EOL) {
			snprintf(m->why, sizeof m->why, "option %s sent, not expected", optkind_name(got[j].kind));
			return false;
		}
	}
	return true;
}

static bool segment_matches(struct ts_run *r, struct ts_conn *c, const struct ts_seg *sg, const struct seen *sn,
			    struct mismatch *m)
{
	if (sn->dport != c->peer_port) {
		snprintf(m->why, sizeof m->why, "sent to peer port %u, expected %u", sn->dport, c->peer_port);
		return false;
	}
	if (sn->flags != sg->flags) {
		char a[12], b[12];
		flags_str(sg->flags, a);
		flags_str(sn->flags, b);
		snprintf(m->why, sizeof m->why, "flags %s expected, %s sent", a, b);
		return false;
	}
	if ((sn->flags & CAPNET_TCP_SYN) && !c->stack_isn_known) {
		/* the stack's ISN is random: its first SYN defines the origin */
		c->stack_isn = sn->seq - sg->seq;
		c->stack_isn_known = true;
		c->stack_port = sn->sport;
	}
	if (sn->sport != c->stack_port) {
		snprintf(m->why, sizeof m->why, "sent from port %u, expected %u", sn->sport, c->stack_port);
		return false;
	}
	uint32_t seq = sn->seq - (c->stack_isn_known ? c->stack_isn : 0);
	if (seq != sg->seq) {
		snprintf(m->why, sizeof m->why, "seq %" PRIu32 " expected, %" PRIu32 " sent", sg->seq, seq);
		return false;
	}
	if (sn->plen != sg->len) {
		snprintf(m->why, sizeof m->why, "%" PRIu32 " payload bytes expected, %zu sent", sg->len, sn->plen);
		return false;
	}
	uint32_t ack = sn->ack - r->s->peer_base;
	if ((sg->flags & CAPNET_TCP_ACK_FLAG) && !sg->ack_wild && ack != sg->ack) {
		snprintf(m->why, sizeof m->why, "ack %" PRIu32 " expected, %" PRIu32 " sent", sg->ack, ack);
		return false;
	}
	if (!sg->win_wild && sn->win != sg->win) {
		snprintf(m->why, sizeof m->why, "win %" PRIu32 " expected, %u sent", sg->win, sn->win);
		return false;
	}
	if (!options_match(r, c, sg, sn, m))
		return false;
	/* the payload is the application's bytes at that stream offset */
	uint64_t off = (uint32_t)(seq - 1);
	for (size_t i = 0; i < sn->plen; i++) {
		if (sn->payload[i] != app_byte(off + i)) {
			snprintf(m->why, sizeof m->why,
				 "payload byte %zu is 0x%02x, not the application's byte at stream offset %" PRIu64 " (0x%02x)",
				 i, sn->payload[i], off + i, app_byte(off + i));
			return false;
		}
	}
	return true;
}

static int run_outbound(struct ts_run *r, const struct ts_line *l, capnet_instant t, capnet_instant *actual)
{
	const struct ts_seg *sg = &l->seg;
	capnet_instant lo = t - l->tol, hi = t + l->tol;
	if (advance(r, hi, true, 0) != 0)
		return -1;
	if (r->qlen == 0)
		return fail_at(r->e, l->lineno, "expected at %.6f s: %s\n  but nothing was sent%s", secs(t), l->text,
			       l->tol ? " within the tolerance" : "");
	struct ts_frame *f = &r->q[r->qhead];
	struct seen sn;
	decode_frame(f, &sn);
	char d[512];
	if (!sn.is_tcp) {
		describe_seen(r, &sn, d, sizeof d);
		return fail_at(r->e, l->lineno, "expected at %.6f s: %s\n  but at %.6f s the stack sent %s", secs(t), l->text,
			       secs(f->at), d);
	}
	struct ts_conn *c = sg->port >= 0 ? conn_by_peer_port(r, (uint16_t)sg->port, true)
					  : conn_by_peer_port(r, sn.dport, true);
	if (!c)
		return fail_at(r->e, l->lineno, "more than %d connections", TS_MAX_CONNS);
	struct mismatch m = {{0}};
	bool ok = segment_matches(r, c, sg, &sn, &m);
	describe_seen(r, &sn, d, sizeof d);
	if (!ok)
		return fail_at(r->e, l->lineno, "expected at %.6f s: %s\n  seen     at %.6f s: %s\n  (%s)", secs(t), l->text,
			       secs(f->at), d, m.why);
	if (f->at < lo || f->at > hi)
		return fail_at(r->e, l->lineno, "expected at %.6f s: %s\n  but it was sent at %.6f s (%s by %.6f s): %s",
			       secs(t), l->text, secs(f->at), f->at < lo ? "early" : "late",
			       secs(f->at < lo ? lo - f->at : f->at - hi), d);
	if (r->o->verbose && r->o->log)
		fprintf(r->o->log, "[%11.6f s] %s:%u  > %s  ok\n", secs(f->at), r->s->path, l->lineno, d);
	*actual = f->at;
	r->qhead = (r->qhead + 1) % TS_QUEUE;
	r->qlen--;
	r->res->segments_out++;
	return 0;
}

/* ---- API calls ---- */

static const char *arg(const struct ts_call *k, const char *key)
{
	for (int i = 0; i < k->nargs; i++)
		if (strcmp(k->arg[i].key, key) == 0)
			return k->arg[i].val;
	return NULL;
}

static const char *pos(const struct ts_call *k, int n)
{
	for (int i = 0; i < k->nargs; i++)
		if (k->arg[i].key[0] == '\0' && n-- == 0)
			return k->arg[i].val;
	return NULL;
}

static int bad_args(struct ts_run *r, const char *what)
{
	return fail_at(r->e, lno(r), "%s: %s", r->line->call.name, what);
}

/* key=value socket options of listen/connect. */
static int sockopts_from_args(struct ts_run *r, const struct ts_call *k, struct capnet_tcp_sockopts *o)
{
	capnet_tcp_sockopts_defaults(r->tcp, o);
	for (int i = 0; i < k->nargs; i++) {
		const struct ts_arg *a = &k->arg[i];
		uint64_t u;
		bool b;
		capnet_duration d;
		if (a->key[0] == '\0' || strcmp(a->key, "backlog") == 0 || strcmp(a->key, "local_port") == 0)
			continue;
		if (strcmp(a->key, "sndbuf") == 0 && parse_uint_str(a->val, UINT32_MAX, &u))
			o->sndbuf = (uint32_t)u;
		else if (strcmp(a->key, "rcvbuf") == 0 && parse_uint_str(a->val, UINT32_MAX, &u))
			o->rcvbuf = (uint32_t)u;
		else if (strcmp(a->key, "nodelay") == 0 && parse_bool_str(a->val, &b))
			o->nodelay = b;
		else if (strcmp(a->key, "keepalive") == 0 && parse_bool_str(a->val, &b))
			o->keepalive = b;
		else if (strcmp(a->key, "keepalive_idle") == 0 && parse_duration_str(a->val, &d))
			o->keepalive_idle = d;
		else if (strcmp(a->key, "keepalive_interval") == 0 && parse_duration_str(a->val, &d))
			o->keepalive_interval = d;
		else if (strcmp(a->key, "keepalive_probes") == 0 && parse_uint_str(a->val, 255, &u))
			o->keepalive_probes = (uint8_t)u;
		else if (strcmp(a->key, "user_timeout") == 0 && parse_duration_str(a->val, &d))
			o->user_timeout = d;
		else if (strcmp(a->key, "connect_timeout") == 0 && parse_duration_str(a->val, &d))
			o->connect_timeout = d;
		else if (strcmp(a->key, "cc") == 0 && capnet_tcp_cc_parse(a->val) >= 0)
			o->cc = (enum capnet_tcp_cc_algo)capnet_tcp_cc_parse(a->val);
		else
			return fail_at(r->e, lno(r), "%s: bad option %s=%s", k->name, a->key, a->val);
	}
	return 0;
}

/* The result of a call, to compare with what the line says. */
struct outcome {
	enum { OUT_ERR, OUT_NUM, OUT_TEXT } kind;
	capnet_err err;
	uint64_t num;
	char text[96];
};

static struct outcome out_err(capnet_err e)
{
	struct outcome o = {.kind = OUT_ERR, .err = e};
	return o;
}

static struct outcome out_num(capnet_err e, uint64_t n)
{
	struct outcome o = {.kind = e == CAPNET_OK ? OUT_NUM : OUT_ERR, .err = e, .num = n};
	return o;
}

static void outcome_str(const struct outcome *o, char *buf, size_t size)
{
	if (o->kind == OUT_TEXT)
		snprintf(buf, size, "%s", o->text);
	else if (o->kind == OUT_NUM)
		snprintf(buf, size, "%" PRIu64, o->num);
	else if (o->err == CAPNET_OK)
		snprintf(buf, size, "0");
	else
		snprintf(buf, size, "%s", capnet_errname(o->err));
}

static bool outcome_matches(const struct outcome *o, const char *want)
{
	char got[128];
	outcome_str(o, got, sizeof got);
	if (strcmp(got, want) == 0)
		return true;
	if (o->kind == OUT_ERR && o->err == CAPNET_OK && strcmp(want, "OK") == 0)
		return true;
	if (o->kind == OUT_NUM) {
		/* a duration may be written 1s / 200ms for a microsecond figure */
		capnet_duration d;
		if (parse_duration_str(want, &d) && strpbrk(want, "smu") && (uint64_t)d == o->num)
			return true;
	}
	if (o->kind == OUT_TEXT) {
		/* state names: SYN_SENT and SYN-SENT are the same */
		char a[96];
		snprintf(a, sizeof a, "%s", want);
		for (char *p = a; *p; p++)
			if (*p == '_')
				*p = '-';
		return strcmp(a, got) == 0;
	}
	return false;
}

/* A socket the stack still has for this connection, held by us or not. */
static const struct capnet_tcp_sock *find_sock(struct ts_run *r, const struct ts_conn *c)
{
	if (c->sock)
		return c->sock;
	for (const struct capnet_tcp_sock *s = capnet_tcp_next(r->tcp, NULL); s; s = capnet_tcp_next(r->tcp, s)) {
		struct capnet_tcp_info in;
		if (capnet_tcp_info(s, &in) != CAPNET_OK || in.listener)
			continue;
		if (in.remote.port == c->peer_port && in.local.port == c->stack_port && in.remote.addr.u.v4 == peer_ip)
			return s;
	}
	return NULL;
}

static struct capnet_tcp_sock *need_handle(struct ts_run *r, struct ts_conn *c)
{
	if (!c->sock)
		fail_at(r->e, lno(r), "%s(): no open handle for the connection with peer port %u (closed, or never "
				      "accepted/connected)",
			r->line->call.name, c->peer_port);
	return c->sock;
}

static const char *events_str(unsigned ev, char *buf, size_t size)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{CAPNET_TCP_EV_READABLE, "READABLE"},   {CAPNET_TCP_EV_WRITABLE, "WRITABLE"},
		{CAPNET_TCP_EV_ACCEPTABLE, "ACCEPTABLE"}, {CAPNET_TCP_EV_CLOSED, "CLOSED"},
		{CAPNET_TCP_EV_RESET, "RESET"},         {CAPNET_TCP_EV_ERROR, "ERROR"},
		{CAPNET_TCP_EV_CONNECTED, "CONNECTED"},
	};
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (!(ev & names[i].bit))
			continue;
		n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "|" : "", names[i].name);
		ev &= ~names[i].bit;
		if (n >= size)
			break;
	}
	if (ev && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%s0x%x", n ? "|" : "", ev);
	if (n == 0)
		snprintf(buf, size, "0");
	return buf;
}

/* The events a line names, in our canonical order, so the order written
 * does not matter. */
static bool events_canonical(const char *want, char *buf, size_t size)
{
	static const char *const names[] = {"READABLE", "WRITABLE", "ACCEPTABLE", "CLOSED", "RESET", "ERROR", "CONNECTED"};
	unsigned ev = 0;
	char tmp[96];
	snprintf(tmp, sizeof tmp, "%s", want);
	for (char *tok = strtok(tmp, "| "); tok; tok = strtok(NULL, "| ")) {
		if (strcmp(tok, "0") == 0)
			continue;
		size_t i;
		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strcmp(tok, names[i]) == 0)
				break;
		if (i == sizeof names / sizeof names[0])
			return false;
		ev |= 1u << i;
	}
	events_str(ev, buf, size);
	return true;
}

static int info_field(struct ts_run *r, const struct ts_conn *c, const struct capnet_tcp_info *in, const char *f,
		      struct outcome *o)
{
	o->kind = OUT_NUM;
	o->err = CAPNET_OK;
	uint32_t sb = c && c->stack_isn_known ? c->stack_isn : 0;
#define NUM(name, expr)                       \
	if (strcmp(f, name) == 0) {           \
		o->num = (uint64_t)(expr);    \
		return 0;                     \
	}
	NUM("mss", in->mss)
	NUM("peer_mss", in->peer_mss)
	NUM("snd_wscale", in->snd_wscale)
	NUM("rcv_wscale", in->rcv_wscale)
	NUM("sack", in->sack)
	NUM("timestamps", in->timestamps)
	NUM("snd_una", (uint32_t)(in->snd_una - sb))
	NUM("snd_nxt", (uint32_t)(in->snd_nxt - sb))
	NUM("snd_wnd", in->snd_wnd)
	NUM("rcv_nxt", (uint32_t)(in->rcv_nxt - r->s->peer_base))
	NUM("rcv_wnd", in->rcv_wnd)
	NUM("sndq_bytes", in->sndq_bytes)
	NUM("sndq_capacity", in->sndq_capacity)
	NUM("rcvq_bytes", in->rcvq_bytes)
	NUM("rcvq_capacity", in->rcvq_capacity)
	NUM("ooo_bytes", in->ooo_bytes)
	NUM("may_send", in->may_send)
	NUM("may_recv", in->may_recv)
	NUM("can_send", in->can_send)
	NUM("can_recv", in->can_recv)
	NUM("srtt", in->srtt)
	NUM("rttvar", in->rttvar)
	NUM("rto", in->rto)
	NUM("cwnd", in->cwnd)
	NUM("ssthresh", in->ssthresh)
	NUM("in_recovery", in->in_recovery)
	NUM("bytes_sent", in->bytes_sent)
	NUM("bytes_acked", in->bytes_acked)
	NUM("bytes_received", in->bytes_received)
	NUM("segs_out", in->segs_out)
	NUM("segs_in", in->segs_in)
	NUM("retransmits", in->retransmits)
	NUM("rto_count", in->rto_count)
	NUM("fast_retransmits", in->fast_retransmits)
	NUM("backoff", in->backoff)
	NUM("keepalive_probes_sent", in->keepalive_probes_sent)
	NUM("backlog_limit", in->backlog_limit)
	NUM("accept_queue", in->accept_queue)
	NUM("syn_queue", in->syn_queue)
	NUM("syn_queue_limit", in->syn_queue_limit)
	NUM("local_port", in->local.port)
	NUM("remote_port", in->remote.port)
	NUM("nodelay", in->opts.nodelay)
	NUM("keepalive", in->opts.keepalive)
#undef NUM
	if (strcmp(f, "cc") == 0) {
		o->kind = OUT_TEXT;
		snprintf(o->text, sizeof o->text, "%s", in->cc_name ? in->cc_name : "?");
		return 0;
	}
	if (strcmp(f, "error") == 0) {
		*o = out_err(in->error);
		return 0;
	}
	return fail_at(r->e, lno(r), "info(): unknown field '%s'", f);
}

static int run_call(struct ts_run *r, const struct ts_line *l)
{
	const struct ts_call *k = &l->call;
	struct outcome o = out_err(CAPNET_OK);
	const capnet_instant now = r->now;
	struct ts_conn *c = NULL;
	if (k->sel != SEL_LISTENER && strcmp(k->name, "listen") != 0 && strcmp(k->name, "counter") != 0 &&
	    strcmp(k->name, "connect") != 0) {
		c = select_conn(r, k->sel);
		if (!c)
			return -1;
	}
	uint64_t u;
	const char *want = k->result;
	char want_buf[96];
	r->res->calls++;
	if (strcmp(k->name, "listen") == 0) {
		const char *ps = pos(k, 0), *bs = arg(k, "backlog");
		uint64_t backlog = 128;
		if (!ps || !parse_uint_str(ps, 65535, &u) || (bs && !parse_uint_str(bs, UINT32_MAX, &backlog)))
			return bad_args(r, "wants listen(PORT[, backlog=N][, sndbuf=, rcvbuf=, nodelay=, keepalive=...])");
		struct capnet_tcp_sockopts so;
		if (sockopts_from_args(r, k, &so) != 0)
			return -1;
		struct capnet_tcp_sock *ls = NULL;
		o = out_err(capnet_tcp_listen(r->tcp, (uint16_t)u, (uint32_t)backlog, &so, &ls));
		if (o.err == CAPNET_OK) {
			r->listener = ls;
			r->listen_port = (uint16_t)u;
			for (int i = 0; i < TS_MAX_CONNS; i++)
				if (r->conn[i].used && !r->conn[i].stack_isn_known && !r->conn[i].sock)
					r->conn[i].stack_port = (uint16_t)u;
		}
	} else if (strcmp(k->name, "accept") == 0) {
		if (!r->listener)
			return bad_args(r, "no listener (listen() first)");
		struct capnet_tcp_sock *s = NULL;
		o = out_err(capnet_tcp_accept(r->listener, &s));
		if (o.err == CAPNET_OK) {
			struct capnet_tcp_info in;
			capnet_tcp_info(s, &in);
			struct ts_conn *ac = conn_by_peer_port(r, in.remote.port, true);
			if (!ac)
				return fail_at(r->e, lno(r), "more than %d connections", TS_MAX_CONNS);
			ac->sock = s;
			ac->stack_port = in.local.port;
			r->current = (int)(ac - r->conn);
		}
	} else if (strcmp(k->name, "connect") == 0) {
		const char *as = pos(k, 0), *ps = pos(k, 1), *lp = arg(k, "local_port");
		uint64_t lport = 0;
		unsigned a, b, cc, d;
		char extra;
		if (!as || !ps || sscanf(as, "%u.%u.%u.%u%c", &a, &b, &cc, &d, &extra) != 4 || a > 255 || b > 255 ||
		    cc > 255 || d > 255 || !parse_uint_str(ps, 65535, &u) || (lp && !parse_uint_str(lp, 65535, &lport)))
			return bad_args(r, "wants connect(A.B.C.D, PORT[, local_port=N][, socket options])");
		struct capnet_tcp_sockopts so;
		if (sockopts_from_args(r, k, &so) != 0)
			return -1;
		struct capnet_ipaddr dst = {.af = CAPNET_AF_INET, .u.v4 = CAPNET_IP4(a, b, cc, d)};
		struct capnet_tcp_sock *s = NULL;
		struct ts_conn *nc = conn_by_peer_port(r, (uint16_t)u, true);
		if (!nc)
			return fail_at(r->e, lno(r), "more than %d connections", TS_MAX_CONNS);
		r->current = (int)(nc - r->conn);
		o = out_err(capnet_tcp_connect(r->tcp, &dst, (uint16_t)u, (uint16_t)lport, &so, now, &s));
		if (o.err == CAPNET_OK) {
			struct capnet_tcp_info in;
			capnet_tcp_info(s, &in);
			nc->sock = s;
			nc->stack_port = in.local.port;
		}
	} else if (strcmp(k->name, "send") == 0) {
		const char *ns = pos(k, 0);
		if (!ns || !parse_uint_str(ns, 1u << 24, &u))
			return bad_args(r, "wants send(BYTES)");
		struct capnet_tcp_sock *s = need_handle(r, c);
		if (!s)
			return -1;
		uint8_t *buf = malloc(u ? u : 1);
		if (!buf)
			return fail_at(r->e, lno(r), "out of memory");
		for (uint64_t i = 0; i < u; i++)
			buf[i] = app_byte(c->sent + i);
		size_t queued = 0;
		capnet_err err = capnet_tcp_send(s, buf, (size_t)u, &queued, now);
		free(buf);
		if (err == CAPNET_OK)
			c->sent += queued;
		o = out_num(err, queued);
	} else if (strcmp(k->name, "recv") == 0) {
		const char *ns = pos(k, 0);
		if (!ns || !parse_uint_str(ns, 1u << 24, &u))
			return bad_args(r, "wants recv(BYTES)");
		struct capnet_tcp_sock *s = need_handle(r, c);
		if (!s)
			return -1;
		uint8_t *buf = malloc(u ? u : 1);
		if (!buf)
			return fail_at(r->e, lno(r), "out of memory");
		size_t got = 0;
		capnet_err err = capnet_tcp_recv(s, buf, (size_t)u, &got, now);
		if (err == CAPNET_OK) {
			for (size_t i = 0; i < got; i++) {
				if (buf[i] != peer_byte(c->rcvd + i)) {
					uint8_t bad = buf[i];
					free(buf);
					return fail_at(r->e, lno(r),
						       "recv(): byte %zu is 0x%02x, not the peer's byte at stream offset %" PRIu64
						       " (0x%02x)",
						       i, bad, c->rcvd + i, peer_byte(c->rcvd + i));
				}
			}
			c->rcvd += got;
		}
		free(buf);
		o = out_num(err, got);
		if (err == CAPNET_E_CLOSED && got == 0)
			o = out_err(CAPNET_E_CLOSED);
	} else if (strcmp(k->name, "recv_ready") == 0) {
		struct capnet_tcp_sock *s = need_handle(r, c);
		if (!s)
			return -1;
		o = out_num(CAPNET_OK, capnet_tcp_recv_ready(s));
	} else if (strcmp(k->name, "shutdown") == 0 || strcmp(k->name, "close") == 0 || strcmp(k->name, "abort") == 0) {
		struct capnet_tcp_sock *s;
		if (k->sel == SEL_LISTENER) {
			s = r->listener;
			if (!s)
				return bad_args(r, "no listener");
		} else {
			s = need_handle(r, c);
			if (!s)
				return -1;
		}
		if (strcmp(k->name, "shutdown") == 0) {
			o = out_err(capnet_tcp_shutdown(s, now));
		} else {
			o = out_err(strcmp(k->name, "close") == 0 ? capnet_tcp_close(s, now) : capnet_tcp_abort(s, now));
			/* the handle passes to the stack either way */
			if (k->sel == SEL_LISTENER)
				r->listener = NULL;
			else
				c->sock = NULL;
		}
	} else if (strcmp(k->name, "setsockopt") == 0) {
		struct capnet_tcp_sock *s = k->sel == SEL_LISTENER ? r->listener : need_handle(r, c);
		const char *name = pos(k, 0), *val = pos(k, 1);
		if (!s)
			return k->sel == SEL_LISTENER ? bad_args(r, "no listener") : -1;
		bool b = false;
		capnet_duration d = 0;
		if (!name || !val)
			return bad_args(r, "wants setsockopt(NAME, VALUE[, key=value...])");
		if (strcmp(name, "nodelay") == 0 && parse_bool_str(val, &b)) {
			o = out_err(capnet_tcp_set_nodelay(s, b, now));
		} else if (strcmp(name, "keepalive") == 0 && parse_bool_str(val, &b)) {
			capnet_duration idle = 0, intvl = 0;
			uint64_t probes = 0;
			const char *is = arg(k, "idle"), *vs = arg(k, "interval"), *ps = arg(k, "probes");
			if ((is && !parse_duration_str(is, &idle)) || (vs && !parse_duration_str(vs, &intvl)) ||
			    (ps && !parse_uint_str(ps, 255, &probes)))
				return bad_args(r, "keepalive wants idle=D, interval=D, probes=N");
			o = out_err(capnet_tcp_set_keepalive(s, b, idle, intvl, (uint8_t)probes, now));
		} else if (strcmp(name, "user_timeout") == 0 && parse_duration_str(val, &d)) {
			o = out_err(capnet_tcp_set_user_timeout(s, d, now));
		} else if (strcmp(name, "connect_timeout") == 0 && parse_duration_str(val, &d)) {
			o = out_err(capnet_tcp_set_connect_timeout(s, d, now));
		} else if (strcmp(name, "cc") == 0 && capnet_tcp_cc_parse(val) >= 0) {
			o = out_err(capnet_tcp_set_cc(s, (enum capnet_tcp_cc_algo)capnet_tcp_cc_parse(val)));
		} else if (strcmp(name, "buffers") == 0) {
			uint64_t sb, rb;
			const char *rs = pos(k, 2);
			if (!rs || !parse_uint_str(val, UINT32_MAX, &sb) || !parse_uint_str(rs, UINT32_MAX, &rb))
				return bad_args(r, "buffers wants setsockopt(buffers, SNDBUF, RCVBUF)");
			o = out_err(capnet_tcp_set_buffers(s, (uint32_t)sb, (uint32_t)rb));
		} else {
			return bad_args(r, "options: nodelay B, keepalive B [idle= interval= probes=], user_timeout D, "
					   "connect_timeout D, cc NAME, buffers SND RCV");
		}
	} else if (strcmp(k->name, "state") == 0 || strcmp(k->name, "error") == 0 || strcmp(k->name, "info") == 0) {
		const struct capnet_tcp_sock *s = k->sel == SEL_LISTENER ? r->listener : find_sock(r, c);
		struct capnet_tcp_info in;
		memset(&in, 0, sizeof in);
		bool have = s && capnet_tcp_info(s, &in) == CAPNET_OK;
		if (strcmp(k->name, "state") == 0) {
			/* a connection the stack has freed is CLOSED */
			o.kind = OUT_TEXT;
			snprintf(o.text, sizeof o.text, "%s", capnet_tcp_state_name(have ? in.state : CAPNET_TCP_CLOSED));
		} else if (!have) {
			return fail_at(r->e, lno(r), "%s(): the stack no longer has that connection", k->name);
		} else if (strcmp(k->name, "error") == 0) {
			o = out_err(in.error);
		} else {
			const char *f = pos(k, 0);
			if (!f)
				return bad_args(r, "wants info(FIELD)");
			if (info_field(r, c, &in, f, &o) != 0)
				return -1;
		}
	} else if (strcmp(k->name, "events") == 0) {
		const struct capnet_tcp_sock *s = k->sel == SEL_LISTENER ? r->listener : need_handle(r, c);
		if (!s)
			return k->sel == SEL_LISTENER ? bad_args(r, "no listener") : -1;
		o.kind = OUT_TEXT;
		events_str(capnet_tcp_events(s), o.text, sizeof o.text);
		if (k->has_result && !events_canonical(k->result, want_buf, sizeof want_buf))
			return bad_args(r, "events are READABLE|WRITABLE|ACCEPTABLE|CLOSED|RESET|ERROR|CONNECTED or 0");
		if (k->has_result)
			want = want_buf;
	} else if (strcmp(k->name, "counter") == 0) {
		const char *name = pos(k, 0);
		if (!name)
			return bad_args(r, "wants counter(NAME)");
		int i;
		for (i = 0; i < CAPNET_STAT__COUNT; i++)
			if (strcmp(capnet_stat_name((enum capnet_stat)i), name) == 0)
				break;
		if (i == CAPNET_STAT__COUNT)
			return fail_at(r->e, lno(r), "counter(): no counter named '%s' (capnet/stats.h)", name);
		o = out_num(CAPNET_OK, capnet_iface_stats(r->ifc)->v[i]);
	}
	if (k->has_result && !outcome_matches(&o, want)) {
		char got[128];
		outcome_str(&o, got, sizeof got);
		return fail_at(r->e, lno(r), "expected: %s\n  got: %s(...) = %s", l->text, k->name, got);
	}
	if (r->o->verbose && r->o->log) {
		char got[128];
		outcome_str(&o, got, sizeof got);
		fprintf(r->o->log, "[%11.6f s] %s:%u  %s  -> %s  ok\n", secs(now), r->s->path, l->lineno, l->text, got);
	}
	/* a call may send (connect, send, close...) or arm timers */
	return poll_at(r, r->now);
}

/* ---- setup and the walk ---- */

static int setup(struct ts_run *r)
{
	struct ts_script *s = r->s;
	r->nic.ops = &script_nic_ops;
	r->nic.dev = r;
	r->nic.mac = stack_mac;
	r->nic.mtu = s->mtu;
	capnet_xoshiro_seed(&r->x, s->seed);
	size_t need = capnet_iface_arena_need(NULL, s->mtu) + capnet_tcp_arena_need(&s->cfg) + 64 * 1024;
	r->arena_mem = malloc(need);
	r->q = calloc(TS_QUEUE, sizeof *r->q);
	if (!r->arena_mem || !r->q)
		return fail_at(r->e, 0, "out of memory");
	capnet_arena_init(&r->arena, r->arena_mem, need);
	capnet_err err = capnet_iface_create(&r->arena, NULL, &r->nic, capnet_xoshiro_rng(&r->x), &r->ifc);
	if (err != CAPNET_OK)
		return fail_at(r->e, 0, "capnet_iface_create: %s", capnet_errname(err));
	struct capnet_ip4_config ipc = {stack_ip, 24, 0, CAPNET_PROV_STATIC};
	if ((err = capnet_iface_set_ip4(r->ifc, &ipc, 0)) != CAPNET_OK)
		return fail_at(r->e, 0, "capnet_iface_set_ip4: %s", capnet_errname(err));
	if ((err = capnet_arp_add_static(r->ifc, peer_ip, peer_mac)) != CAPNET_OK)
		return fail_at(r->e, 0, "capnet_arp_add_static: %s", capnet_errname(err));
	if ((err = capnet_tcp_create(&r->arena, &s->cfg, r->ifc, &r->tcp)) != CAPNET_OK)
		return fail_at(r->e, 0, "capnet_tcp_create: %s", capnet_errname(err));
	r->qhead = r->qlen = 0; /* the gratuitous ARP of set_ip4 is not the script's business */
	r->current = -1;
	r->now = 0;
	return poll_at(r, 0);
}

static int walk(struct ts_run *r)
{
	capnet_instant last = 0;
	for (size_t i = 0; i < r->s->n; i++) {
		const struct ts_line *l = &r->s->lines[i];
		r->line = l;
		capnet_instant t = l->absolute ? l->t : last + l->t;
		if (t < r->now && l->kind != TL_OUT)
			return fail_at(r->e, l->lineno, "time %.6f s is before the previous line's %.6f s", secs(t),
				       secs(r->now));
		int rc;
		capnet_instant actual = t;
		if (l->kind == TL_OUT) {
			rc = run_outbound(r, l, t, &actual);
		} else {
			rc = advance(r, t, false, t);
			if (rc == 0 && r->o->verbose && r->o->log && l->kind == TL_IN)
				fprintf(r->o->log, "[%11.6f s] %s:%u  %s\n", secs(t), r->s->path, l->lineno, l->text);
			if (rc == 0)
				rc = l->kind == TL_IN ? run_inbound(r, l) : run_call(r, l);
		}
		if (rc != 0)
			return rc;
		last = actual;
		r->res->lines++;
	}
	r->line = NULL;
	if (r->qlen > 0)
		return unexpected(r, "(after the last line)");
	return 0;
}

int tcp_script_run_file(const char *path, const struct tcp_script_options *opts, struct tcp_script_result *res)
{
	memset(res, 0, sizeof *res);
	struct ts_err e = {res->message, sizeof res->message, &res->fail_line, path};
	struct ts_script s;
	memset(&s, 0, sizeof s);
	s.path = path;
	s.seed = 1;
	s.remote_port = 40000;
	s.local_port = 8080;
	s.mtu = 1500;
	int rc = parse_file(&s, &e);
	if (rc != 0) {
		free(s.lines);
		return -1;
	}
	if (opts->parse_only) {
		res->lines = (unsigned)s.n;
		res->passed = true;
		free(s.lines);
		return 0;
	}
	struct ts_run *r = calloc(1, sizeof *r);
	if (!r) {
		free(s.lines);
		fail_at(&e, 0, "out of memory");
		return -1;
	}
	r->s = &s;
	r->e = &e;
	r->o = opts;
	r->res = res;
	rc = setup(r);
	if (rc == 0)
		rc = walk(r);
	res->passed = rc == 0;
	free(r->arena_mem);
	free(r->q);
	free(r);
	free(s.lines);
	return 0;
}
