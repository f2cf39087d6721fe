/* What the stack sent: read by the frame describer, told in script terms. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "capnet/wire/describe.h"
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

/* The options as the script writes them, from the describer's list: a
 * value through the TCP codec, one option at a time. False when they do
 * not parse, when anything but zeros follows an EOL, or when there are more
 * than a line can hold. */
static bool script_options(const uint8_t *area, const struct capnet_frame_desc *d, struct seen *sn)
{
	size_t optlen = (size_t)d->tcp_header_len - CAPNET_TCP_HDR_LEN;
	if (!d->tcp_options_ok || d->tcp_options_after_eol)
		return false;
	for (uint8_t i = 0; i < d->tcp_nopts; i++) {
		const struct capnet_desc_tcp_opt *e = &d->tcp_opts[i];
		if (sn->nopts == TS_MAX_OPTS)
			return false; /* bytes left over */
		struct ts_opt *o = &sn->opts[sn->nopts++];
		memset(o, 0, sizeof *o);
		struct capnet_tcp_options v;
		capnet_tcp_options_parse(area + e->off, e->len, &v);
		switch (e->kind) {
		case CAPNET_TCPOPT_NOP:
			o->kind = TO_NOP;
			break;
		case CAPNET_TCPOPT_MSS:
			o->kind = TO_MSS;
			o->a = v.mss;
			break;
		case CAPNET_TCPOPT_WSCALE:
			o->kind = TO_WSCALE;
			o->a = v.wscale;
			break;
		case CAPNET_TCPOPT_SACK_PERM:
			o->kind = TO_SACKOK;
			break;
		case CAPNET_TCPOPT_TIMESTAMP:
			o->kind = TO_TS;
			o->a = v.ts_val;
			o->b = v.ts_ecr;
			break;
		case CAPNET_TCPOPT_SACK:
			o->kind = TO_SACK;
			o->nsack = v.sack_count;
			for (uint8_t b = 0; b < v.sack_count; b++) {
				o->left[b] = v.sack[b].left;
				o->right[b] = v.sack[b].right;
			}
			break;
		default:
			o->kind = TO_UNKNOWN;
			o->a = e->kind;
			o->b = e->len;
			break;
		}
		/* a full list must also end the area, trailing EOLs and all */
		if (sn->nopts == TS_MAX_OPTS && (size_t)e->off + e->len < optlen)
			return false;
	}
	return true;
}

/* Checks the frame layer by layer (through the frame describer); anything
 * but a well-formed TCP segment from us to the peer is described in `what`. */
void ts_decode_frame(const struct ts_frame *f, struct seen *sn)
{
	memset(sn, 0, sizeof *sn);
	sn->at = f->at;
	capnet_frame_describe(f->data, f->len, CAPNET_DESCRIBE_BODY, &sn->d);
	const struct capnet_frame_desc *d = &sn->d;
	if (!(d->layers & CAPNET_DESC_ETH)) {
		snprintf(sn->what, sizeof sn->what, "a truncated Ethernet frame (%zu bytes)", f->len);
		return;
	}
	if (d->ethertype == CAPNET_ETHERTYPE_ARP) {
		snprintf(sn->what, sizeof sn->what, "an ARP frame (%zu bytes; the peer's MAC is static)", f->len);
		return;
	}
	if (d->ethertype != CAPNET_ETHERTYPE_IPV4) {
		snprintf(sn->what, sizeof sn->what, "a frame of ethertype 0x%04x", d->ethertype);
		return;
	}
	if (!capnet_mac_eq(d->eth_dst, ts_peer_mac) || !capnet_mac_eq(d->eth_src, ts_stack_mac)) {
		snprintf(sn->what, sizeof sn->what, "an IPv4 frame with wrong MACs (dst %02x:..:%02x src %02x:..:%02x)",
			 d->eth_dst.b[0], d->eth_dst.b[5], d->eth_src.b[0], d->eth_src.b[5]);
		return;
	}
	capnet_err err = d->ip_err != CAPNET_OK ? d->ip_err : d->ip_checksum_ok ? CAPNET_OK : CAPNET_E_CHECKSUM;
	if (err != CAPNET_OK) {
		snprintf(sn->what, sizeof sn->what, "a broken IPv4 packet (%s)", capnet_errname(err));
		return;
	}
	if (d->ip_proto == CAPNET_IPPROTO_ICMP) {
		snprintf(sn->what, sizeof sn->what, "an ICMP message type %u code %u", d->icmp_type, d->icmp_code);
		return;
	}
	if (d->ip_proto != CAPNET_IPPROTO_TCP) {
		snprintf(sn->what, sizeof sn->what, "an IPv4 packet of protocol %u", d->ip_proto);
		return;
	}
	if (d->src4 != ts_stack_ip || d->dst4 != ts_peer_ip) {
		snprintf(sn->what, sizeof sn->what, "a TCP segment with wrong addresses (%08" PRIx32 " > %08" PRIx32 ")",
			 d->src4, d->dst4);
		return;
	}
	if (!(d->layers & CAPNET_DESC_TCP)) {
		snprintf(sn->what, sizeof sn->what, "a truncated TCP segment (%zu bytes)", (size_t)d->ip_payload_len);
		return;
	}
	if (!d->l4_checksum_ok) {
		snprintf(sn->what, sizeof sn->what, "a TCP segment with a bad checksum");
		return;
	}
	sn->is_tcp = true;
	const uint8_t *t = f->data + d->l4_off;
	sn->optlen = (size_t)d->tcp_header_len - CAPNET_TCP_HDR_LEN;
	sn->opts_ok = script_options(t + CAPNET_TCP_HDR_LEN, d, sn);
	sn->payload = t + d->tcp_header_len;
	sn->plen = d->body_len;
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
	struct ts_conn *c = ts_conn_by_peer_port(r, sn->d.dport, false);
	uint32_t seq = sn->d.tcp_seq, ack = sn->d.tcp_ack;
	bool rel = c && c->stack_isn_known;
	if (rel)
		seq -= c->stack_isn;
	ack -= r->s->peer_base;
	char fl[12];
	ts_flags_str(sn->d.tcp_flags, fl);
	int n = snprintf(buf, size, "192.0.2.1:%u > 192.0.2.2:%u %s %" PRIu32 ":%" PRIu32 "(%zu)%s", sn->d.sport, sn->d.dport,
			 fl, seq, seq + (uint32_t)sn->plen, sn->plen, rel ? "" : " [absolute seq]");
	if (sn->d.tcp_flags & CAPNET_TCP_ACK_FLAG)
		n += snprintf(buf + n, size - (size_t)n, " ack %" PRIu32, ack);
	n += snprintf(buf + n, size - (size_t)n, " win %u", sn->d.tcp_win);
	if (sn->optlen == 0 || n < 0 || (size_t)n >= size)
		return;
	if (!sn->opts_ok) {
		snprintf(buf + n, size - (size_t)n, " <malformed options, %zu bytes>", sn->optlen);
		return;
	}
	n += snprintf(buf + n, size - (size_t)n, " <");
	for (int i = 0; i < sn->nopts && (size_t)n < size; i++) {
		if (i)
			n += snprintf(buf + n, size - (size_t)n, ",");
		if ((size_t)n < size)
			n += opt_str(buf + n, size - (size_t)n, &sn->opts[i], c, r->s->peer_base, true);
	}
	if ((size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ">");
}

