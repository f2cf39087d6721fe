/* Script lines into struct ts_line: directives, segment lines and call
 * lines (test/tcp_scripts/README.md). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/wire/icmp4.h"
#include "tcp_script_internal.h"

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
	CFG(slow_start_abc, D_BOOL),
	CFG(no_syncookies, D_BOOL),
	CFG(rfc1337, D_BOOL),
	CFG(ephemeral_lo, D_U16),
	CFG(ephemeral_hi, D_U16),
};
#undef CFG

static int apply_directive(struct ts_script *s, struct ts_err *e, unsigned lineno, const char *text)
{
	const char *eq = strchr(text, '=');
	if (!eq)
		return ts_fail_at(e, lineno, "directive '%s' wants --name=value", text);
	char name[40], val[64];
	size_t nl = (size_t)(eq - text);
	if (nl >= sizeof name || strlen(eq + 1) >= sizeof val || strlen(eq + 1) == 0)
		return ts_fail_at(e, lineno, "directive '%s' is malformed", text);
	memcpy(name, text, nl);
	name[nl] = '\0';
	strcpy(val, eq + 1);
	uint64_t u;
	if (strcmp(name, "cc") == 0) {
		int a = capnet_tcp_cc_parse(val);
		if (a < 0)
			return ts_fail_at(e, lineno, "--cc wants none, reno or cubic, not '%s'", val);
		s->cfg.cc = (enum capnet_tcp_cc_algo)a;
		s->cfg.cc_set = true;
		return 0;
	}
	if (strcmp(name, "loss_detection") == 0) {
		int d = capnet_tcp_loss_detection_parse(val);
		if (d < 0)
			return ts_fail_at(e, lineno, "--loss_detection wants rack or dupack, not '%s'", val);
		s->cfg.loss_detection = (enum capnet_tcp_loss_detection)d;
		return 0;
	}
	if (strcmp(name, "seed") == 0 || strcmp(name, "peer_base") == 0 || strcmp(name, "remote_port") == 0 ||
	    strcmp(name, "local_port") == 0 || strcmp(name, "mtu") == 0) {
		uint64_t max = strcmp(name, "seed") == 0 ? UINT64_MAX : strcmp(name, "peer_base") == 0 ? UINT32_MAX : 65535;
		if (!ts_parse_uint_str(val, max, &u))
			return ts_fail_at(e, lineno, "--%s wants a number, not '%s'", name, val);
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
			if (!ts_parse_uint_str(val, max, &u))
				return ts_fail_at(e, lineno, "--%s wants a number, not '%s'", name, val);
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
			if (!ts_parse_duration_str(val, &dur))
				return ts_fail_at(e, lineno, "--%s wants a duration (1s, 200ms), not '%s'", name, val);
			memcpy(f, &dur, sizeof dur);
			return 0;
		case D_BOOL:
			if (!ts_parse_bool_str(val, &b))
				return ts_fail_at(e, lineno, "--%s wants 0 or 1, not '%s'", name, val);
			memcpy(f, &b, sizeof b);
			return 0;
		}
	}
	return ts_fail_at(e, lineno, "unknown directive --%s", name);
}

/* ---- segment lines ---- */

static bool parse_flags(struct cur *c, uint8_t *flags)
{
	ts_skip_ws(c);
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
		case '-': /* no flag at all (RFC 9293 3.10.7.4: no ACK bit, drop) */
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
	ts_skip_ws(c);
	if (strncmp(c->p, "...", 3) == 0) {
		c->p += 3;
		sg->opts_wild = true;
		if (!ts_eat(c, '>'))
			return ts_fail_at(e, ln, "'<...>' wants its '>'");
		return 0;
	}
	if (ts_eat(c, '>'))
		return 0; /* "<>": no options */
	for (;;) {
		if (sg->nopts == TS_MAX_OPTS)
			return ts_fail_at(e, ln, "more than %d options", TS_MAX_OPTS);
		struct ts_opt *o = &sg->opt[sg->nopts++];
		memset(o, 0, sizeof *o);
		if (ts_eat_word(c, "nop")) {
			o->kind = TO_NOP;
			sg->layout = true;
		} else if (ts_eat_word(c, "eol")) {
			o->kind = TO_EOL;
			sg->layout = true;
		} else if (ts_eat_word(c, "mss")) {
			o->kind = TO_MSS;
			if (!ts_parse_u32(c, &o->a) || o->a > 65535)
				return ts_fail_at(e, ln, "'mss' wants a value 0..65535");
		} else if (ts_eat_word(c, "wscale")) {
			o->kind = TO_WSCALE;
			if (!ts_parse_u32(c, &o->a) || o->a > 255)
				return ts_fail_at(e, ln, "'wscale' wants a value 0..255");
		} else if (ts_eat_word(c, "sackOK")) {
			o->kind = TO_SACKOK;
		} else if (ts_eat_word(c, "TS")) {
			o->kind = TO_TS;
			if (!ts_eat_word(c, "val") || !ts_parse_u32_wild(c, &o->a, &o->a_wild))
				return ts_fail_at(e, ln, "'TS' wants 'val N ecr N' (N may be *)");
			if (!ts_eat_word(c, "ecr") || !ts_parse_u32_wild(c, &o->b, &o->b_wild))
				return ts_fail_at(e, ln, "'TS' wants 'val N ecr N' (N may be *)");
		} else if (ts_eat_word(c, "sack")) {
			o->kind = TO_SACK;
			while (o->nsack < CAPNET_TCP_MAX_SACK_BLOCKS) {
				ts_skip_ws(c);
				if (!isdigit((unsigned char)*c->p))
					break;
				if (!ts_parse_u32(c, &o->left[o->nsack]) || !ts_eat(c, ':') || !ts_parse_u32(c, &o->right[o->nsack]))
					return ts_fail_at(e, ln, "'sack' wants blocks LEFT:RIGHT");
				o->nsack++;
			}
			if (o->nsack == 0)
				return ts_fail_at(e, ln, "'sack' wants 1 to 4 blocks LEFT:RIGHT");
		} else if (ts_eat_word(c, "opt")) {
			/* any option by its bytes: KIND, LEN and LEN - 2 zero octets
			 * (a LEN below 2 is malformed, and sent as just KIND, LEN) */
			o->kind = TO_UNKNOWN;
			if (!ts_parse_u32(c, &o->a) || o->a > 255 || !ts_eat_word(c, "len") || !ts_parse_u32(c, &o->b) ||
			    o->b > 40)
				return ts_fail_at(e, ln, "'opt' wants 'opt KIND len LEN' (KIND 0..255, LEN 0..40)");
			sg->layout = true;
		} else {
			return ts_fail_at(e, ln, "unknown option near '%.20s' (mss, wscale, sackOK, TS, sack, nop, eol, opt)",
					  c->p);
		}
		if (ts_eat(c, ','))
			continue;
		if (ts_eat(c, '>'))
			return 0;
		return ts_fail_at(e, ln, "options: wants ',' or '>' near '%.20s'", c->p);
	}
}

static int parse_segment(struct cur *c, struct ts_line *l, struct ts_err *e)
{
	struct ts_seg *sg = &l->seg;
	unsigned ln = l->lineno;
	memset(sg, 0, sizeof *sg);
	sg->port = -1;
	if (ts_eat(c, '@')) {
		uint32_t p;
		if (!ts_parse_u32(c, &p) || p == 0 || p > 65535)
			return ts_fail_at(e, ln, "'@' wants a peer port 1..65535");
		sg->port = (int)p;
	}
	if (!parse_flags(c, &sg->flags))
		return ts_fail_at(e, ln, "segment flags: a combination of S F P R . (U E W), e.g. 'S.' or 'P.'");
	uint32_t end;
	if (!ts_parse_u32(c, &sg->seq) || !ts_eat(c, ':') || !ts_parse_u32(c, &end) || !ts_eat(c, '(') || !ts_parse_u32(c, &sg->len) ||
	    !ts_eat(c, ')'))
		return ts_fail_at(e, ln, "segment wants 'SEQ:END(LEN)' after the flags");
	if (end - sg->seq != sg->len)
		return ts_fail_at(e, ln, "%" PRIu32 ":%" PRIu32 "(%" PRIu32 "): END - SEQ must equal LEN", sg->seq, end,
			       sg->len);
	if (sg->len > 1460 * 2)
		return ts_fail_at(e, ln, "payload of %" PRIu32 " bytes is larger than a frame", sg->len);
	bool win_given = false;
	while (!ts_at_end(c)) {
		if (ts_eat_word(c, "ack")) {
			if (!ts_parse_u32_wild(c, &sg->ack, &sg->ack_wild))
				return ts_fail_at(e, ln, "'ack' wants a number or *");
			sg->ack_given = true;
		} else if (ts_eat_word(c, "win")) {
			if (!ts_parse_u32_wild(c, &sg->win, &sg->win_wild) || sg->win > 65535)
				return ts_fail_at(e, ln, "'win' wants the raw window field 0..65535 or *");
			win_given = true;
		} else if (ts_eat(c, '<')) {
			if (parse_options(c, sg, e, ln) != 0)
				return -1;
		} else if (ts_eat_word(c, "bad_csum")) {
			if (l->kind != TL_IN)
				return ts_fail_at(e, ln, "'bad_csum' is for inbound segments");
			sg->bad_csum = true;
		} else {
			return ts_fail_at(e, ln, "unexpected '%.20s' in a segment (ack, win, <options>, bad_csum)", c->p);
		}
	}
	if ((sg->flags & CAPNET_TCP_ACK_FLAG) && !sg->ack_given)
		return ts_fail_at(e, ln, "the segment has the ACK flag ('.'): write 'ack N'");
	if (!win_given)
		return ts_fail_at(e, ln, "write the window: 'win N' (or 'win *' for an outbound segment)");
	if (l->kind == TL_IN && (sg->win_wild || sg->ack_wild || sg->opts_wild))
		return ts_fail_at(e, ln, "wildcards are for outbound ('>') segments");
	if (l->kind == TL_OUT && sg->ack_given && !(sg->flags & CAPNET_TCP_ACK_FLAG))
		return ts_fail_at(e, ln, "'ack' on an outbound segment without the ACK flag");
	for (int i = 0; i < sg->nopts && l->kind == TL_IN; i++)
		if (sg->opt[i].a_wild || sg->opt[i].b_wild)
			return ts_fail_at(e, ln, "wildcards are for outbound ('>') segments");
	for (int i = 0; i < sg->nopts && l->kind == TL_OUT; i++)
		if (sg->opt[i].kind == TO_UNKNOWN)
			return ts_fail_at(e, ln, "'opt KIND len LEN' is for inbound ('<') segments");
	return 0;
}

/* ---- ICMP error lines: < [@PORT] icmp KIND [mtu N] seq S ---- */

static int parse_icmp(struct cur *c, struct ts_line *l, struct ts_err *e)
{
	static const struct {
		const char *name;
		uint8_t type, code;
	} kinds[] = {
		{"net_unreachable", CAPNET_ICMP4_DEST_UNREACH, CAPNET_ICMP4_NET_UNREACH},
		{"host_unreachable", CAPNET_ICMP4_DEST_UNREACH, CAPNET_ICMP4_HOST_UNREACH},
		{"proto_unreachable", CAPNET_ICMP4_DEST_UNREACH, CAPNET_ICMP4_PROTO_UNREACH},
		{"port_unreachable", CAPNET_ICMP4_DEST_UNREACH, CAPNET_ICMP4_PORT_UNREACH},
		{"frag_needed", CAPNET_ICMP4_DEST_UNREACH, CAPNET_ICMP4_FRAG_NEEDED},
		{"time_exceeded", CAPNET_ICMP4_TIME_EXCEEDED, 0},
	};
	struct ts_seg *sg = &l->seg;
	unsigned ln = l->lineno;
	bool kind = false, seq = false;
	while (!ts_at_end(c)) {
		uint32_t u;
		bool matched = false;
		for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && !kind; i++) {
			if (ts_eat_word(c, kinds[i].name)) {
				sg->icmp_type = kinds[i].type;
				sg->icmp_code = kinds[i].code;
				kind = matched = true;
			}
		}
		if (matched)
			continue;
		if (ts_eat_word(c, "mtu")) {
			if (!ts_parse_u32(c, &u) || u > 65535)
				return ts_fail_at(e, ln, "'mtu' wants the next-hop MTU 0..65535");
			sg->icmp_mtu = (uint16_t)u;
		} else if (ts_eat_word(c, "seq")) {
			if (!ts_parse_u32(c, &sg->seq))
				return ts_fail_at(e, ln, "'seq' wants the quoted segment's sequence number");
			seq = true;
		} else {
			return ts_fail_at(e, ln, "an ICMP line is 'icmp KIND [mtu N] seq S' (KIND: frag_needed, "
					  "port_unreachable, host_unreachable, net_unreachable, proto_unreachable, "
					  "time_exceeded), not '%.20s'", c->p);
		}
	}
	if (!kind || !seq)
		return ts_fail_at(e, ln, "an ICMP line wants its KIND and 'seq S'");
	return 0;
}

/* ---- call lines ---- */

static int parse_call(struct cur *c, struct ts_line *l, struct ts_err *e)
{
	struct ts_call *k = &l->call;
	unsigned ln = l->lineno;
	memset(k, 0, sizeof *k);
	k->sel = SEL_DEFAULT;
	if (ts_eat(c, '@')) {
		uint32_t p;
		if (ts_eat_word(c, "L"))
			k->sel = SEL_LISTENER;
		else if (ts_parse_u32(c, &p) && p > 0 && p <= 65535)
			k->sel = (int)p;
		else
			return ts_fail_at(e, ln, "'@' wants a peer port or L (the listener)");
	}
	ts_skip_ws(c);
	size_t n = 0;
	while (isalnum((unsigned char)c->p[n]) || c->p[n] == '_')
		n++;
	if (n == 0 || n >= sizeof k->name)
		return ts_fail_at(e, ln, "a line is '< segment', '> segment' or 'call(args) = result'");
	memcpy(k->name, c->p, n);
	k->name[n] = '\0';
	c->p += n;
	if (!ts_eat(c, '('))
		return ts_fail_at(e, ln, "'%s' wants '(' (calls are written name(args))", k->name);
	ts_skip_ws(c);
	if (!ts_eat(c, ')')) {
		for (;;) {
			if (k->nargs == TS_MAX_ARGS)
				return ts_fail_at(e, ln, "more than %d arguments", TS_MAX_ARGS);
			struct ts_arg *a = &k->arg[k->nargs++];
			ts_skip_ws(c);
			const char *s = c->p;
			while (*c->p && *c->p != ',' && *c->p != ')')
				c->p++;
			const char *t = c->p;
			while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
				t--;
			size_t span = (size_t)(t - s); /* t never backs up past s */
			const char *eq = span != 0 ? memchr(s, '=', span) : NULL;
			const char *v = s;
			if (eq) {
				if ((size_t)(eq - s) >= sizeof a->key)
					return ts_fail_at(e, ln, "argument name too long");
				memcpy(a->key, s, (size_t)(eq - s));
				a->key[eq - s] = '\0';
				v = eq + 1;
			}
			if (t <= v || (size_t)(t - v) >= sizeof a->val)
				return ts_fail_at(e, ln, "empty or too long argument in %s()", k->name);
			memcpy(a->val, v, (size_t)(t - v));
			a->val[t - v] = '\0';
			if (ts_eat(c, ','))
				continue;
			if (ts_eat(c, ')'))
				break;
			return ts_fail_at(e, ln, "%s(: wants ',' or ')'", k->name);
		}
	}
	if (ts_eat(c, '=')) {
		ts_skip_ws(c);
		size_t rl = strlen(c->p);
		while (rl > 0 && (c->p[rl - 1] == ' ' || c->p[rl - 1] == '\t'))
			rl--;
		if (rl == 0 || rl >= sizeof k->result)
			return ts_fail_at(e, ln, "'=' wants the expected result");
		memcpy(k->result, c->p, rl);
		k->result[rl] = '\0';
		k->has_result = true;
		c->p += strlen(c->p);
	}
	if (!ts_at_end(c))
		return ts_fail_at(e, ln, "unexpected '%.20s' after the call", c->p);
	static const char *const known[] = {"listen", "accept", "connect", "send", "recv", "recv_ready", "shutdown",
					    "shutdown_read", "close", "abort", "setsockopt", "state", "events", "events_et", "error",
					    "counter", "info"};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(k->name, known[i]) == 0)
			return 0;
	return ts_fail_at(e, ln, "unknown call '%s'", k->name);
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
			return ts_fail_at(e, lineno, "directives (--name=value) come before the first timed line");
		return apply_directive(s, e, lineno, text + 2);
	}
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct ts_line *nl = realloc(s->lines, nc * sizeof *nl);
		if (!nl)
			return ts_fail_at(e, lineno, "out of memory");
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
	if (!ts_parse_seconds(&p, &l->t))
		return ts_fail_at(e, lineno, "a line starts with its time: '+0.100' (relative) or '0.300' (absolute)");
	if (*p == '~') {
		p++;
		if (!ts_parse_seconds(&p, &l->tol))
			return ts_fail_at(e, lineno, "'~' wants a tolerance in seconds, e.g. +1~0.010");
	}
	if (*p != ' ' && *p != '\t')
		return ts_fail_at(e, lineno, "the time wants a space after it");
	struct cur c = {p};
	int rc;
	if (ts_eat(&c, '<')) {
		l->kind = TL_IN;
		struct cur at = c;
		int port = -1;
		uint32_t p;
		if (ts_eat(&at, '@') && ts_parse_u32(&at, &p) && p > 0 && p <= 65535)
			port = (int)p;
		else
			at = c;
		if (ts_eat_word(&at, "icmp")) {
			memset(&l->seg, 0, sizeof l->seg);
			l->seg.icmp = true;
			l->seg.port = port;
			rc = parse_icmp(&at, l, e);
		} else {
			rc = parse_segment(&c, l, e);
		}
	} else if (ts_eat(&c, '>')) {
		l->kind = TL_OUT;
		rc = parse_segment(&c, l, e);
	} else {
		l->kind = TL_CALL;
		rc = parse_call(&c, l, e);
	}
	if (rc == 0 && l->tol != 0 && l->kind != TL_OUT)
		return ts_fail_at(e, lineno, "a tolerance (~) is for outbound ('>') lines");
	if (rc == 0)
		s->n++;
	return rc;
}

int ts_parse_file(struct ts_script *s, struct ts_err *e)
{
	FILE *f = fopen(s->path, "r");
	if (!f)
		return ts_fail_at(e, 0, "cannot open: %s", strerror(errno));
	char buf[1024];
	unsigned lineno = 0;
	bool timed_seen = false;
	int rc = 0;
	while (rc == 0 && fgets(buf, sizeof buf, f)) {
		lineno++;
		if (strlen(buf) == sizeof buf - 1 && buf[sizeof buf - 2] != '\n')
			rc = ts_fail_at(e, lineno, "line longer than %zu characters", sizeof buf - 2);
		else
			rc = parse_line(s, e, lineno, buf, &timed_seen);
	}
	fclose(f);
	if (rc == 0 && s->n == 0)
		rc = ts_fail_at(e, 0, "no timed lines");
	return rc;
}

