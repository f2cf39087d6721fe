/* What the stack sent, decoded and described in script terms. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "capnet/wire/bytes.h"
#include "capnet/wire/checksum.h"
#include "capnet/wire/ethernet.h"
#include "capnet/wire/ipv4.h"
#include "tcp_script_internal.h"

/* ---- decoding what the stack sent ---- */

void ts_flags_str(uint8_t f, char *out)
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
void ts_decode_frame(const struct ts_frame *f, struct seen *sn)
{
	memset(sn, 0, sizeof *sn);
	sn->at = f->at;
	struct capnet_eth_repr eth;
	if (capnet_eth_parse(f->data, f->len, &eth) != CAPNET_OK) {
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
	if (!capnet_mac_eq(eth.dst, ts_peer_mac) || !capnet_mac_eq(eth.src, ts_stack_mac)) {
		snprintf(sn->what, sizeof sn->what, "an IPv4 frame with wrong MACs (dst %02x:..:%02x src %02x:..:%02x)",
			 eth.dst.b[0], eth.dst.b[5], eth.src.b[0], eth.src.b[5]);
		return;
	}
	const uint8_t *ip = f->data + eth.header_len;
	size_t iplen = f->len - eth.header_len;
	struct capnet_ip4_repr ipr;
	capnet_err err = capnet_ip4_parse(ip, iplen, &ipr);
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
	if (ipr.src != ts_stack_ip || ipr.dst != ts_peer_ip) {
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
bool ts_decode_options(const uint8_t *p, size_t len, struct ts_opt *out, int *n)
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
void ts_describe_seen(struct ts_run *r, const struct seen *sn, char *buf, size_t size)
{
	if (!sn->is_tcp) {
		snprintf(buf, size, "%s", sn->what);
		return;
	}
	struct ts_conn *c = ts_conn_by_peer_port(r, sn->dport, false);
	uint32_t seq = sn->seq, ack = sn->ack;
	bool rel = c && c->stack_isn_known;
	if (rel)
		seq -= c->stack_isn;
	ack -= r->s->peer_base;
	char fl[12];
	ts_flags_str(sn->flags, fl);
	int n = snprintf(buf, size, "192.0.2.1:%u > 192.0.2.2:%u %s %" PRIu32 ":%" PRIu32 "(%zu)%s", sn->sport, sn->dport,
			 fl, seq, seq + (uint32_t)sn->plen, sn->plen, rel ? "" : " [absolute seq]");
	if (sn->flags & CAPNET_TCP_ACK_FLAG)
		n += snprintf(buf + n, size - (size_t)n, " ack %" PRIu32, ack);
	n += snprintf(buf + n, size - (size_t)n, " win %u", sn->win);
	if (sn->optlen == 0 || n < 0 || (size_t)n >= size)
		return;
	struct ts_opt opts[TS_MAX_OPTS];
	int no;
	if (!ts_decode_options(sn->opt, sn->optlen, opts, &no)) {
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

