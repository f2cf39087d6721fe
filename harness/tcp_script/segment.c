/* Segments: building what a `<` line injects, matching what a `>` line
 * expects against what the stack sent. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/icmp4.h"
#include "capnet/wire/ipv4.h"
#include "tcp_script_internal.h"

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
			p[n] = (uint8_t)o->a;
			p[n + 1] = (uint8_t)o->b;
			if (o->b > 2)
				memset(p + n + 2, 0, o->b - 2);
			n += o->b > 2 ? o->b : 2;
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
		     : o->kind == TO_UNKNOWN			  ? (o->b > 2 ? o->b : 2)
								  : 0;
	}
	return n <= 40;
}

/* A 20-byte IPv4 header, TTL 64, into zeroed bytes at ip. */
static void put_ip4_hdr(uint8_t *ip, uint16_t total_len, uint16_t ident, uint16_t frag, uint8_t proto,
			capnet_ip4addr src, capnet_ip4addr dst)
{
	ip[0] = 0x45;
	capnet_put16(ip + 2, total_len);
	capnet_put16(ip + 4, ident);
	capnet_put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	capnet_put32(ip + 12, src);
	capnet_put32(ip + 16, dst);
	capnet_put16(ip + 10, capnet_csum(ip, 20));
}

/* Zeroes a frame from the peer to the stack and writes its Ethernet
 * header; returns where the IPv4 header goes. */
static uint8_t *peer_frame(uint8_t f[TS_FRAME_MAX])
{
	memset(f, 0, TS_FRAME_MAX);
	memcpy(f, ts_stack_mac.b, 6);
	memcpy(f + 6, ts_peer_mac.b, 6);
	capnet_put16(f + 12, CAPNET_ETHERTYPE_IPV4);
	return f + 14;
}

/* Hands the stack a peer frame of ip_len IPv4 bytes, padded to Ethernet's minimum. */
static void peer_frame_input(struct ts_run *r, const uint8_t *f, size_t ip_len)
{
	size_t flen = 14 + ip_len;
	if (flen < 60)
		flen = 60;
	capnet_iface_input(r->ifc, f, flen, r->now);
}

/* An ICMP error from the peer's side of the link (a router there, as far
 * as the stack can tell), quoting the IP header and the first 8 octets of
 * the stack's segment at sequence number `seq`, as RFC 792 has them. */
static int run_icmp(struct ts_run *r, const struct ts_line *l, struct ts_conn *c)
{
	const struct ts_seg *sg = &l->seg;
	uint8_t quote[CAPNET_IP4_HDR_LEN + 8];
	memset(quote, 0, sizeof quote);
	put_ip4_hdr(quote, 1500, 0, CAPNET_IP4_FLAG_DF, CAPNET_IPPROTO_TCP, ts_stack_ip, ts_peer_ip);
	uint8_t *t = quote + CAPNET_IP4_HDR_LEN;
	capnet_put16(t + CAPNET_TCP_SRC_PORT, c->stack_port);
	capnet_put16(t + CAPNET_TCP_DST_PORT, c->peer_port);
	capnet_put32(t + CAPNET_TCP_SEQ, sg->seq + (c->stack_isn_known ? c->stack_isn : 0));
	struct capnet_icmp4_repr m;
	memset(&m, 0, sizeof m);
	m.type = sg->icmp_type;
	m.code = sg->icmp_code;
	m.next_hop_mtu = sg->icmp_mtu;
	m.data = quote;
	m.data_len = sizeof quote;
	uint8_t f[TS_FRAME_MAX];
	uint8_t *ip = peer_frame(f);
	size_t ilen = capnet_icmp4_emit(&m, ip + 20);
	put_ip4_hdr(ip, (uint16_t)(20 + ilen), r->ip_ident++, 0, CAPNET_IPPROTO_ICMP, ts_peer_ip, ts_stack_ip);
	peer_frame_input(r, f, 20 + ilen);
	return ts_poll_at(r, r->now);
}

int ts_run_inbound(struct ts_run *r, const struct ts_line *l)
{
	const struct ts_seg *sg = &l->seg;
	struct ts_conn *c = ts_select_conn(r, sg->port);
	if (!c)
		return -1;
	if (sg->icmp)
		return run_icmp(r, l, c);
	if (!options_len_ok(sg))
		return ts_fail_at(r->e, l->lineno, "options longer than 40 bytes");
	if ((sg->flags & CAPNET_TCP_SYN) && !c->peer_isn_known) {
		c->peer_isn = sg->seq;
		c->peer_isn_known = true;
	}
	uint8_t f[TS_FRAME_MAX];
	uint8_t *ip = peer_frame(f);
	uint8_t *t = ip + 20;
	size_t optlen = build_options(sg, c, t + 20);
	size_t hl = 20 + optlen;
	size_t tcplen = hl + sg->len;
	if (14 + 20 + tcplen > TS_FRAME_MAX)
		return ts_fail_at(r->e, l->lineno, "segment larger than a frame");
	capnet_put16(t + CAPNET_TCP_SRC_PORT, c->peer_port);
	capnet_put16(t + CAPNET_TCP_DST_PORT, c->stack_port);
	capnet_put32(t + CAPNET_TCP_SEQ, sg->seq + r->s->peer_base);
	uint32_t ack = sg->ack + (c->stack_isn_known ? c->stack_isn : 0);
	capnet_put32(t + CAPNET_TCP_ACK, sg->ack_given ? ack : 0);
	t[CAPNET_TCP_OFF_FLAGS] = (uint8_t)((hl / 4) << 4);
	t[CAPNET_TCP_OFF_FLAGS + 1] = sg->flags;
	capnet_put16(t + CAPNET_TCP_WINDOW, (uint16_t)sg->win);
	/* the payload of a SYN starts after the SYN's own sequence number */
	uint32_t first = sg->seq + ((sg->flags & CAPNET_TCP_SYN) ? 1u : 0u);
	uint64_t off = (uint64_t)(uint32_t)(first - (c->peer_isn_known ? c->peer_isn : 0) - 1);
	for (uint32_t i = 0; i < sg->len; i++)
		t[hl + i] = ts_peer_byte(off + i);
	uint32_t pseudo = capnet_csum_pseudo4(ts_peer_ip, ts_stack_ip, CAPNET_IPPROTO_TCP, (uint16_t)tcplen);
	uint16_t sum = capnet_csum_finish(capnet_csum_partial(t, tcplen, pseudo));
	if (sg->bad_csum)
		sum ^= 0x5555;
	capnet_put16(t + CAPNET_TCP_CHECKSUM, sum);
	put_ip4_hdr(ip, (uint16_t)(20 + tcplen), r->ip_ident++, CAPNET_IP4_FLAG_DF, CAPNET_IPPROTO_TCP, ts_peer_ip,
		    ts_stack_ip);
	peer_frame_input(r, f, 20 + tcplen);
	r->res->segments_in++;
	return ts_poll_at(r, r->now);
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
	const struct ts_opt *got = sn->opts;
	int ng = sn->nopts;
	if (!sn->opts_ok) {
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
	if (sn->d.dport != c->peer_port) {
		snprintf(m->why, sizeof m->why, "sent to peer port %u, expected %u", sn->d.dport, c->peer_port);
		return false;
	}
	if (sn->d.tcp_flags != sg->flags) {
		char a[12], b[12];
		ts_flags_str(sg->flags, a);
		ts_flags_str(sn->d.tcp_flags, b);
		snprintf(m->why, sizeof m->why, "flags %s expected, %s sent", a, b);
		return false;
	}
	if ((sn->d.tcp_flags & CAPNET_TCP_SYN) && !c->stack_isn_known) {
		/* the stack's ISN is random: its first SYN defines the origin */
		c->stack_isn = sn->d.tcp_seq - sg->seq;
		c->stack_isn_known = true;
		c->stack_port = sn->d.sport;
	}
	if (sn->d.sport != c->stack_port) {
		snprintf(m->why, sizeof m->why, "sent from port %u, expected %u", sn->d.sport, c->stack_port);
		return false;
	}
	uint32_t seq = sn->d.tcp_seq - (c->stack_isn_known ? c->stack_isn : 0);
	if (seq != sg->seq) {
		snprintf(m->why, sizeof m->why, "seq %" PRIu32 " expected, %" PRIu32 " sent", sg->seq, seq);
		return false;
	}
	if (sn->plen != sg->len) {
		snprintf(m->why, sizeof m->why, "%" PRIu32 " payload bytes expected, %zu sent", sg->len, sn->plen);
		return false;
	}
	uint32_t ack = sn->d.tcp_ack - r->s->peer_base;
	if ((sg->flags & CAPNET_TCP_ACK_FLAG) && !sg->ack_wild && ack != sg->ack) {
		snprintf(m->why, sizeof m->why, "ack %" PRIu32 " expected, %" PRIu32 " sent", sg->ack, ack);
		return false;
	}
	if (!sg->win_wild && sn->d.tcp_win != sg->win) {
		snprintf(m->why, sizeof m->why, "win %" PRIu32 " expected, %u sent", sg->win, sn->d.tcp_win);
		return false;
	}
	if (!options_match(r, c, sg, sn, m))
		return false;
	/* the payload is the application's bytes at that stream offset */
	uint64_t off = (uint32_t)(seq - 1);
	for (size_t i = 0; i < sn->plen; i++) {
		if (sn->payload[i] != ts_app_byte(off + i)) {
			snprintf(m->why, sizeof m->why,
				 "payload byte %zu is 0x%02x, not the application's byte at stream offset %" PRIu64 " (0x%02x)",
				 i, sn->payload[i], off + i, ts_app_byte(off + i));
			return false;
		}
	}
	return true;
}

int ts_run_outbound(struct ts_run *r, const struct ts_line *l, capnet_instant t, capnet_instant *actual)
{
	const struct ts_seg *sg = &l->seg;
	capnet_instant lo = t - l->tol, hi = t + l->tol;
	if (ts_advance(r, hi, true, 0) != 0)
		return -1;
	if (r->qlen == 0)
		return ts_fail_at(r->e, l->lineno, "expected at %.6f s: %s\n  but nothing was sent%s", ts_secs(t), l->text,
			       l->tol ? " within the tolerance" : "");
	struct ts_frame *f = &r->q[r->qhead];
	struct seen sn;
	ts_decode_frame(f, &sn);
	char d[512];
	if (!sn.is_tcp) {
		ts_describe_seen(r, &sn, d, sizeof d);
		return ts_fail_at(r->e, l->lineno, "expected at %.6f s: %s\n  but at %.6f s the stack sent %s", ts_secs(t), l->text,
			       ts_secs(f->at), d);
	}
	struct ts_conn *c = sg->port >= 0 ? ts_conn_by_peer_port(r, (uint16_t)sg->port, true)
					  : ts_conn_by_peer_port(r, sn.d.dport, true);
	if (!c)
		return ts_fail_at(r->e, l->lineno, "more than %d connections", TS_MAX_CONNS);
	struct mismatch m = {{0}};
	bool ok = segment_matches(r, c, sg, &sn, &m);
	ts_describe_seen(r, &sn, d, sizeof d);
	if (!ok)
		return ts_fail_at(r->e, l->lineno, "expected at %.6f s: %s\n  seen     at %.6f s: %s\n  (%s)", ts_secs(t), l->text,
			       ts_secs(f->at), d, m.why);
	if (f->at < lo || f->at > hi)
		return ts_fail_at(r->e, l->lineno, "expected at %.6f s: %s\n  but it was sent at %.6f s (%s by %.6f s): %s",
			       ts_secs(t), l->text, ts_secs(f->at), f->at < lo ? "early" : "late",
			       ts_secs(f->at < lo ? lo - f->at : f->at - hi), d);
	if (r->o->verbose && r->o->log)
		fprintf(r->o->log, "[%11.6f s] %s:%u  > %s  ok\n", ts_secs(f->at), r->s->path, l->lineno, d);
	*actual = f->at;
	r->qhead = (r->qhead + 1) % TS_QUEUE;
	r->qlen--;
	r->res->segments_out++;
	return 0;
}

