/* The series for programs (`capnet plot --json`): every number as the
 * graph draws it, times in microseconds from the connection's first
 * frame, sequence numbers relative to the sender's ISN. */
#include <jansson.h>

#include "capnet/wire/tcp.h"
#include "harness/tcp_plot.h"

static json_t *endpoint(const struct capnet_tcp_endpoint *e)
{
	char buf[64];
	return json_string(tcp_plot_endpoint_text(e, buf, sizeof buf));
}

static json_t *flags(uint8_t f)
{
	char b[8];
	size_t n = 0;
	if (f & CAPNET_TCP_SYN)
		b[n++] = 'S';
	if (f & CAPNET_TCP_FIN)
		b[n++] = 'F';
	if (f & CAPNET_TCP_RST)
		b[n++] = 'R';
	if (f & CAPNET_TCP_PSH)
		b[n++] = 'P';
	if (f & CAPNET_TCP_ACK_FLAG)
		b[n++] = '.';
	b[n] = '\0';
	return json_string(b);
}

static json_t *conn(const struct tcp_plot_conn *c, size_t index)
{
	return json_pack("{s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:b, s:b, s:b}", "index",
			 (json_int_t)index, "a", endpoint(&c->ep[0]), "b", endpoint(&c->ep[1]), "payload_a_to_b",
			 (json_int_t)c->payload[0], "payload_b_to_a", (json_int_t)c->payload[1], "segments_a_to_b",
			 (json_int_t)c->segs[0], "segments_b_to_a", (json_int_t)c->segs[1], "first_us", (json_int_t)c->first,
			 "last_us", (json_int_t)c->last, "syn_a", c->syn[0], "syn_b", c->syn[1], "fin_a", c->fin[0], "fin_b",
			 c->fin[1], "rst", c->rst);
}

void *tcp_plot_conns_json(const struct tcp_plot_conns *c)
{
	json_t *a = json_array();
	for (size_t i = 0; i < c->n; i++)
		json_array_append_new(a, conn(&c->v[i], i));
	return a;
}

void *tcp_plot_json(const struct tcp_plot_series *s)
{
	json_t *segs = json_array(), *acks = json_array(), *marks = json_array(), *flight = json_array(),
	       *cwnd = json_array();
	for (size_t i = 0; i < s->segs.n; i++) {
		const struct tcp_plot_seg *g = &s->segs.v[i];
		json_array_append_new(segs, json_pack("{s:I, s:I, s:I, s:I, s:o, s:b}", "t_us", (json_int_t)g->t, "seq",
						      (json_int_t)g->seq, "end", (json_int_t)g->end, "len",
						      (json_int_t)g->len, "flags", flags(g->flags), "rexmit", g->rexmit));
	}
	for (size_t i = 0; i < s->acks.n; i++) {
		const struct tcp_plot_ack *a = &s->acks.v[i];
		json_t *o = json_pack("{s:I, s:I, s:I, s:o}", "t_us", (json_int_t)a->t, "ack", (json_int_t)a->ack, "win",
				      (json_int_t)a->win, "flags", flags(a->flags));
		if (a->nsack > 0) {
			json_t *sk = json_array();
			for (unsigned k = 0; k < a->nsack; k++)
				json_array_append_new(sk, json_pack("[I, I]", (json_int_t)a->sack[k].left,
								    (json_int_t)a->sack[k].right));
			json_object_set_new(o, "sack", sk);
		}
		json_array_append_new(acks, o);
	}
	for (size_t i = 0; i < s->marks.n; i++) {
		const struct tcp_plot_mark *m = &s->marks.v[i];
		char k[2] = {m->kind, '\0'};
		json_array_append_new(marks, json_pack("{s:I, s:I, s:s, s:s}", "t_us", (json_int_t)m->t, "seq",
						       (json_int_t)m->seq, "kind", k, "from",
						       m->from_receiver ? "receiver" : "sender"));
	}
	for (size_t i = 0; i < s->flight.n; i++)
		json_array_append_new(flight, json_pack("{s:I, s:I}", "t_us", (json_int_t)s->flight.v[i].t, "bytes",
							(json_int_t)s->flight.v[i].bytes));
	for (size_t i = 0; i < s->cwnd.n; i++) {
		const struct tcp_plot_cwnd *w = &s->cwnd.v[i];
		json_array_append_new(cwnd, json_pack("{s:I, s:I, s:I, s:b}", "t_us", (json_int_t)w->t, "cwnd",
						      (json_int_t)w->cwnd, "ssthresh", (json_int_t)w->ssthresh,
						      "recovery", w->recovery));
	}
	json_t *rexmits = json_array();
	for (size_t i = 0; i < s->segs.n; i++)
		if (s->segs.v[i].rexmit)
			json_array_append_new(rexmits, json_integer((json_int_t)i));
	return json_pack("{s:o, s:o, s:o, s:I, s:I, s:b, s:b, s:i, s:I, s:I, s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:o, "
			 "s:o, s:o}",
			 "connection", conn(&s->c, (size_t)s->conn), "sender", endpoint(&s->c.ep[s->dir]), "receiver",
			 endpoint(&s->c.ep[1 - s->dir]), "start_us", (json_int_t)s->t0, "duration_us",
			 (json_int_t)s->duration, "isn_from_syn", s->isn_from_syn, "window_scaled", s->window_scaled,
			 "receiver_wscale", (int)s->rcv_shift, "isn", (json_int_t)s->isn, "payload_bytes",
			 (json_int_t)s->payload, "rexmit_segments", (json_int_t)s->rexmit_segs, "rexmit_bytes",
			 (json_int_t)s->rexmit_bytes, "cwnd_source",
			 s->cwnd.n > 0 ? "stack" : "none: a pcap carries no cwnd (see flight)", "segments", segs,
			 "retransmissions", rexmits, "acks", acks, "marks", marks, "flight", flight, "cwnd", cwnd,
			 "max_seq", json_integer((json_int_t)s->max_seq));
}
