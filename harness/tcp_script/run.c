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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/nic_null.h"
#include "tcp_script_internal.h"

/* ---- the runner ---- */

const struct capnet_mac ts_stack_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
const struct capnet_mac ts_peer_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
const capnet_ip4addr ts_stack_ip = CAPNET_IP4(192, 0, 2, 1);
const capnet_ip4addr ts_peer_ip = CAPNET_IP4(192, 0, 2, 2);

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

/* Nothing to receive: segments are fed with capnet_iface_input. */
static const struct capnet_nic_ops script_nic_ops = {nic_transmit, capnet_nic_null_receive, capnet_nic_null_link_up};

double ts_secs(capnet_instant t)
{
	return (double)t / 1e6;
}

unsigned ts_lno(const struct ts_run *r)
{
	return r->line ? r->line->lineno : 0;
}

struct ts_conn *ts_conn_by_peer_port(struct ts_run *r, uint16_t port, bool create)
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
		struct ts_conn *c = ts_conn_by_peer_port(r, r->s->remote_port, true);
		if (c)
			r->current = (int)(c - r->conn);
		return c;
	}
	return &r->conn[r->current];
}

struct ts_conn *ts_select_conn(struct ts_run *r, int port)
{
	if (port < 0)
		return current_conn(r);
	struct ts_conn *c = ts_conn_by_peer_port(r, (uint16_t)port, true);
	if (!c)
		ts_fail_at(r->e, ts_lno(r), "more than %d connections", TS_MAX_CONNS);
	return c;
}

/* Inbound payload bytes and the application's outbound bytes are two
 * patterns, so a byte that lands at the wrong offset or comes from the
 * wrong side is caught. 251 is prime: no alignment hides a shift. */
uint8_t ts_peer_byte(uint64_t off)
{
	return (uint8_t)(off % 251);
}

uint8_t ts_app_byte(uint64_t off)
{
	return (uint8_t)((off % 251) ^ 0xa5);
}

/* ---- time ---- */

int ts_poll_at(struct ts_run *r, capnet_instant t)
{
	r->now = t;
	for (int spin = 0; spin < TS_POLL_SPIN; spin++) {
		r->next_deadline = capnet_stack_poll(r->stack, t);
		if (r->next_deadline > t)
			return 0;
	}
	return ts_fail_at(r->e, ts_lno(r), "the stack asks to be polled again at %.6f s without end (busy loop)", ts_secs(t));
}

static int unexpected(struct ts_run *r, const char *when)
{
	struct seen sn;
	ts_decode_frame(&r->q[r->qhead], &sn);
	char d[512];
	ts_describe_seen(r, &sn, d, sizeof d);
	return ts_fail_at(r->e, ts_lno(r), "unexpected segment sent at %.6f s %s: %s", ts_secs(sn.at), when, d);
}

/* Moves the clock to `limit`, polling at every deadline on the way. With
 * stop_on_frame, returns as soon as a frame is queued (a `>` line takes it);
 * otherwise a frame sent before `before` is unexpected. */
int ts_advance(struct ts_run *r, capnet_instant limit, bool stop_on_frame, capnet_instant before)
{
	for (;;) {
		if (r->q_overflow)
			return ts_fail_at(r->e, ts_lno(r), "the stack sent more than %d segments no line expected", TS_QUEUE);
		if (r->qlen > 0) {
			if (stop_on_frame)
				return 0;
			if (r->q[r->qhead].at < before) {
				char when[96];
				snprintf(when, sizeof when, "(no '>' line expects it before this line at %.6f s)", ts_secs(before));
				return unexpected(r, when);
			}
		}
		if (r->next_deadline > limit)
			break;
		capnet_instant t = r->next_deadline > r->now ? r->next_deadline : r->now;
		if (ts_poll_at(r, t) != 0)
			return -1;
	}
	if (limit > r->now)
		r->now = limit;
	return 0;
}

/* ---- setup and the walk ---- */

static int setup(struct ts_run *r)
{
	struct ts_script *s = r->s;
	r->nic.ops = &script_nic_ops;
	r->nic.dev = r;
	r->nic.mac = ts_stack_mac;
	r->nic.mtu = s->mtu;
	capnet_xoshiro_seed(&r->x, s->seed);
	/* The interface and TCP alone: a script speaks TCP, and nothing else
	 * may answer on its wire. */
	struct capnet_stack_config cfg = {.without = CAPNET_STACK_NO_UDP | CAPNET_STACK_NO_CAPS, .tcp = s->cfg};
	struct capnet_nic *nics[1] = {&r->nic};
	size_t need = capnet_stack_arena_need(&cfg, nics, 1);
	r->arena_mem = malloc(need);
	r->q = calloc(TS_QUEUE, sizeof *r->q);
	if (!r->arena_mem || !r->q)
		return ts_fail_at(r->e, 0, "out of memory");
	capnet_arena_init(&r->arena, r->arena_mem, need);
	capnet_err err = capnet_stack_create(&r->arena, &cfg, capnet_xoshiro_rng(&r->x), nics, 1, &r->stack);
	if (err != CAPNET_OK)
		return ts_fail_at(r->e, 0, "capnet_stack_create: %s", capnet_errname(err));
	r->ifc = capnet_stack_iface(r->stack, 0);
	r->tcp = capnet_stack_tcp(r->stack, 0);
	struct capnet_ip4_config ipc = {ts_stack_ip, 24, 0, CAPNET_PROV_STATIC};
	if ((err = capnet_iface_set_ip4(r->ifc, &ipc, 0)) != CAPNET_OK)
		return ts_fail_at(r->e, 0, "capnet_iface_set_ip4: %s", capnet_errname(err));
	if ((err = capnet_arp_add_static(r->ifc, ts_peer_ip, ts_peer_mac)) != CAPNET_OK)
		return ts_fail_at(r->e, 0, "capnet_arp_add_static: %s", capnet_errname(err));
	r->qhead = r->qlen = 0; /* the gratuitous ARP of set_ip4 is not the script's business */
	r->current = -1;
	r->now = 0;
	return ts_poll_at(r, 0);
}

static int walk(struct ts_run *r)
{
	capnet_instant last = 0;
	for (size_t i = 0; i < r->s->n; i++) {
		const struct ts_line *l = &r->s->lines[i];
		r->line = l;
		capnet_instant t = l->absolute ? l->t : last + l->t;
		if (t < r->now && l->kind != TL_OUT)
			return ts_fail_at(r->e, l->lineno, "time %.6f s is before the previous line's %.6f s", ts_secs(t),
				       ts_secs(r->now));
		int rc;
		capnet_instant actual = t;
		if (l->kind == TL_OUT) {
			rc = ts_run_outbound(r, l, t, &actual);
		} else {
			rc = ts_advance(r, t, false, t);
			if (rc == 0 && r->o->verbose && r->o->log && l->kind == TL_IN)
				fprintf(r->o->log, "[%11.6f s] %s:%u  %s\n", ts_secs(t), r->s->path, l->lineno, l->text);
			if (rc == 0)
				rc = l->kind == TL_IN ? ts_run_inbound(r, l) : ts_run_call(r, l);
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
	int rc = ts_parse_file(&s, &e);
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
		ts_fail_at(&e, 0, "out of memory");
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
