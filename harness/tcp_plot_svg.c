/* The series as an SVG: a time-sequence graph in the style of tcptrace's
 * Stevens graph, and under it cwnd/ssthresh (or the flight the wire
 * shows). Written as text by hand: every number is formatted by printf
 * from integers or from doubles computed the same way each time, so the
 * same series and view give the same bytes. No script, no external
 * reference, no font file: a browser opens it as it is. */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "capnet/wire/tcp.h"
#include "harness/tcp_plot.h"

#define WIDTH 1100
#define LEFT 96
#define RIGHT 24
#define PLOT_W (WIDTH - LEFT - RIGHT)
#define SEQ_TOP 72
#define SEQ_H 460
#define CWND_H 200
#define GAP 92 /* from one panel's bottom to the next one's top: tick labels, axis title, legend */
#define BOTTOM 56

/* Colours, after tcptrace's: data black, retransmissions red, ACKs green,
 * the window yellow-brown, SACK purple. */
#define C_DATA "#000000"
#define C_REXMIT "#d62728"
#define C_ACK "#2ca02c"
#define C_WIN "#b8860b"
#define C_SACK "#9467bd"
#define C_SYN "#1f77b4"
#define C_FIN "#555555"
#define C_CWND "#1f77b4"
#define C_SSTHRESH "#ff7f0e"
#define C_FLIGHT "#7f7f7f"
#define C_GRID "#e5e5e5"

/* ssthresh at or above this is "not yet set" (the stacks start it at
 * their largest value): not drawn. */
#define SSTHRESH_UNSET 0x40000000u

struct out {
	FILE *f;
	int err;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vfprintf(o->f, fmt, ap) < 0)
		o->err = -1;
	va_end(ap);
}

static void put_escaped(struct out *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': put(o, "&amp;"); break;
		case '<': put(o, "&lt;"); break;
		case '>': put(o, "&gt;"); break;
		case '"': put(o, "&quot;"); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				put(o, "%c", *s);
		}
	}
}

/* ---- scales ---- */

struct axis {
	int64_t lo, hi;       /* data range */
	double px0, px1;      /* pixels of lo and hi */
};

static double at(const struct axis *a, int64_t v)
{
	return a->px0 + (double)(v - a->lo) * (a->px1 - a->px0) / (double)(a->hi - a->lo);
}

/* A step of 1, 2 or 5 times a power of ten giving at most `n` ticks. */
static int64_t nice_step(int64_t span, int n)
{
	int64_t step = 1;
	for (;;) {
		static const int m[3] = {1, 2, 5};
		for (int i = 0; i < 3; i++)
			if (span / (step * m[i]) < n)
				return step * m[i];
		if (step > INT64_MAX / 100)
			return step;
		step *= 10;
	}
}

/* v / unit with as many decimals as `step` needs. */
static void fixed(char *buf, size_t cap, int64_t v, int64_t unit, int64_t step)
{
	int dec = 0;
	for (int64_t u = unit; u > step && u >= 10 && dec < 6; u /= 10)
		dec++;
	const char *sign = v < 0 ? "-" : "";
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint64_t whole = a / (uint64_t)unit, frac = a % (uint64_t)unit;
	if (dec == 0) {
		snprintf(buf, cap, "%s%" PRIu64, sign, whole);
		return;
	}
	uint64_t div = (uint64_t)unit;
	for (int i = 0; i < dec; i++)
		div /= 10;
	snprintf(buf, cap, "%s%" PRIu64 ".%0*" PRIu64, sign, whole, dec, div ? frac / div : frac);
}

/* The unit in which byte ticks read best, and its name. */
static int64_t byte_unit(int64_t span, const char **name)
{
	if (span >= 10000000) {
		*name = "MB";
		return 1000000;
	}
	if (span >= 10000) {
		*name = "kB";
		return 1000;
	}
	*name = "bytes";
	return 1;
}

static int64_t floor_to(int64_t v, int64_t step)
{
	int64_t q = v / step;
	if (v % step != 0 && v < 0)
		q--;
	return q * step;
}

/* Grid, ticks, labels and axis titles of one panel. */
static void frame(struct out *o, const struct axis *x, const struct axis *y, int top, int h, const char *ytitle)
{
	char lab[48];
	put(o, "<g class=\"axes\" stroke=\"" C_GRID "\" stroke-width=\"1\">\n");
	int64_t xs = nice_step(x->hi - x->lo, 10), ys = nice_step(y->hi - y->lo, 8);
	for (int64_t v = floor_to(x->lo, xs); v <= x->hi; v += xs)
		if (v >= x->lo)
			put(o, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n", at(x, v), top, at(x, v), top + h);
	for (int64_t v = floor_to(y->lo, ys); v <= y->hi; v += ys)
		if (v >= y->lo)
			put(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n", LEFT, at(y, v), LEFT + PLOT_W, at(y, v));
	put(o, "</g>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#000000\"/>\n", LEFT, top,
	    PLOT_W, h);
	put(o, "<g class=\"ticks\" text-anchor=\"middle\">\n");
	for (int64_t v = floor_to(x->lo, xs); v <= x->hi; v += xs) {
		if (v < x->lo)
			continue;
		fixed(lab, sizeof lab, v, 1000000, xs);
		put(o, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000000\"/><text x=\"%.1f\" y=\"%d\">%s</text>\n",
		    at(x, v), top + h, at(x, v), top + h + 5, at(x, v), top + h + 18, lab);
	}
	put(o, "</g>\n<g class=\"ticks\" text-anchor=\"end\">\n");
	const char *uname;
	int64_t unit = byte_unit(y->hi - y->lo, &uname);
	for (int64_t v = floor_to(y->lo, ys); v <= y->hi; v += ys) {
		if (v < y->lo)
			continue;
		fixed(lab, sizeof lab, v, unit, ys);
		put(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#000000\"/><text x=\"%d\" y=\"%.1f\">%s</text>\n",
		    LEFT - 5, at(y, v), LEFT, at(y, v), LEFT - 8, at(y, v) + 4, lab);
	}
	put(o, "</g>\n");
	put(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (s)</text>\n", LEFT + PLOT_W / 2, top + h + 36);
	put(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">%s (%s)</text>\n", 22,
	    top + h / 2, 22, top + h / 2, ytitle, uname);
}

/* One legend row: entries of a swatch and a label, left to right. */
struct legend {
	struct out *o;
	int x, y;
};

static void legend_line(struct legend *l, const char *colour, const char *dash, const char *label)
{
	put(l->o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s%s%s/>", l->x, l->y - 4,
	    l->x + 22, l->y - 4, colour, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
	put(l->o, "<text x=\"%d\" y=\"%d\">", l->x + 27, l->y);
	put_escaped(l->o, label);
	put(l->o, "</text>\n");
	l->x += 27 + 7 * (int)strlen(label) + 18;
}

static void legend_bar(struct legend *l, const char *colour, const char *label)
{
	put(l->o, "<path d=\"M%d %dv-10m-3 0h6m-6 10h6\" stroke=\"%s\" fill=\"none\" stroke-width=\"1.5\"/>", l->x + 11,
	    l->y + 1, colour);
	put(l->o, "<text x=\"%d\" y=\"%d\">", l->x + 20, l->y);
	put_escaped(l->o, label);
	put(l->o, "</text>\n");
	l->x += 20 + 7 * (int)strlen(label) + 18;
}

static void legend_mark(struct legend *l, const char *colour, const char *label)
{
	put(l->o, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>", l->x + 8,
	    l->y - 4, colour);
	put(l->o, "<text x=\"%d\" y=\"%d\">", l->x + 17, l->y);
	put_escaped(l->o, label);
	put(l->o, "</text>\n");
	l->x += 17 + 7 * (int)strlen(label) + 18;
}

/* ---- the time-sequence panel ---- */

static bool shown(const struct axis *x, capnet_instant t)
{
	return t >= x->lo && t <= x->hi;
}

static void seq_range(const struct tcp_plot_series *s, const struct axis *x, int64_t *lo, int64_t *hi)
{
	bool any = false;
#define GROW(v)                                 \
	do {                                    \
		int64_t v_ = (v);               \
		if (!any || v_ < *lo)           \
			*lo = v_;               \
		if (!any || v_ > *hi)           \
			*hi = v_;               \
		any = true;                     \
	} while (0)
	for (size_t i = 0; i < s->segs.n; i++)
		if (shown(x, s->segs.v[i].t)) {
			GROW(s->segs.v[i].seq);
			GROW(s->segs.v[i].end);
		}
	for (size_t i = 0; i < s->acks.n; i++)
		if (shown(x, s->acks.v[i].t)) {
			GROW(s->acks.v[i].ack);
			GROW(s->acks.v[i].ack + s->acks.v[i].win);
		}
	for (size_t i = 0; i < s->marks.n; i++)
		if (shown(x, s->marks.v[i].t))
			GROW(s->marks.v[i].seq);
#undef GROW
	if (!any) {
		*lo = 0;
		*hi = 1;
	}
	int64_t pad = (*hi - *lo) / 30;
	*lo -= pad;
	*hi += pad + 1;
}

/* A step line through (t, v) points that hold until the next one; the
 * last value is drawn to the panel's right edge (or the connection's end). */
struct step {
	struct out *o;
	const struct axis *x, *y;
	bool started;
	double last_y;
};

static void step_to(struct step *p, capnet_instant t, int64_t v)
{
	double px = at(p->x, t < p->x->lo ? p->x->lo : t), py = at(p->y, v);
	if (!p->started) {
		put(p->o, "M%.1f %.1f", px, py);
		p->started = true;
	} else if (py != p->last_y) {
		put(p->o, "H%.1fV%.1f", px, py);
	}
	p->last_y = py;
}

static void step_end(struct step *p, capnet_instant t)
{
	if (p->started)
		put(p->o, "H%.1f", at(p->x, t > p->x->hi ? p->x->hi : t));
}

static void seq_panel(struct out *o, const struct tcp_plot_series *s, const struct axis *x, int top)
{
	struct axis y = {.px0 = top + SEQ_H, .px1 = top};
	seq_range(s, x, &y.lo, &y.hi);
	frame(o, x, &y, top, SEQ_H, "relative sequence number");
	put(o, "<g clip-path=\"url(#seq-clip)\" fill=\"none\">\n");

	/* The receive window's right edge, then the ACK line over it. */
	for (int w = 1; w >= 0; w--) {
		put(o, "<path class=\"%s\" stroke=\"%s\" stroke-width=\"1.2\" d=\"", w ? "window" : "ack", w ? C_WIN : C_ACK);
		struct step p = {o, x, &y, false, 0};
		for (size_t i = 0; i < s->acks.n; i++) {
			const struct tcp_plot_ack *a = &s->acks.v[i];
			if (a->t > x->hi)
				break;
			/* before the view: only the latest one, drawn from the left edge */
			if (a->t < x->lo && i + 1 < s->acks.n && s->acks.v[i + 1].t <= x->lo)
				continue;
			step_to(&p, a->t, w ? a->ack + a->win : a->ack);
		}
		step_end(&p, s->duration);
		put(o, "\"/>\n");
	}

	/* SACK blocks: a bar beside the ACK that carried them. */
	put(o, "<path class=\"sack\" stroke=\"" C_SACK "\" stroke-width=\"2\" d=\"");
	for (size_t i = 0; i < s->acks.n; i++) {
		const struct tcp_plot_ack *a = &s->acks.v[i];
		if (!shown(x, a->t))
			continue;
		for (unsigned k = 0; k < a->nsack; k++)
			put(o, "M%.1f %.1fV%.1f", at(x, a->t) + 2, at(&y, a->sack[k].left), at(&y, a->sack[k].right));
	}
	put(o, "\"/>\n");

	/* Segments: a bar from seq to end with a tick at each end;
	 * retransmissions bolder and wider, so that one stands out of a
	 * dense flight. */
	for (int r = 0; r < 2; r++) {
		int half = r ? 4 : 2;
		put(o, "<path class=\"%s\" stroke=\"%s\" stroke-width=\"%s\" d=\"", r ? "rexmit" : "data",
		    r ? C_REXMIT : C_DATA, r ? "2" : "1");
		for (size_t i = 0; i < s->segs.n; i++) {
			const struct tcp_plot_seg *g = &s->segs.v[i];
			if (g->rexmit != (r == 1) || !shown(x, g->t))
				continue;
			double px = at(x, g->t), y0 = at(&y, g->seq), y1 = at(&y, g->end);
			put(o, "M%.1f %.1fV%.1fM%.1f %.1fh%dM%.1f %.1fh%d", px, y0, y1, px - half, y0, 2 * half, px - half,
			    y1, 2 * half);
		}
		put(o, "\"/>\n");
	}

	/* SYN, FIN, RST. */
	put(o, "<g class=\"marks\" font-size=\"10\" text-anchor=\"middle\">\n");
	for (size_t i = 0; i < s->marks.n; i++) {
		const struct tcp_plot_mark *m = &s->marks.v[i];
		if (!shown(x, m->t))
			continue;
		const char *c = m->kind == 'S' ? C_SYN : m->kind == 'F' ? C_FIN : C_REXMIT;
		double px = at(x, m->t), py = at(&y, m->seq);
		/* the receiver's marks sit below its ACK line, the sender's above its segment */
		double ty = m->from_receiver ? py + 16 : py - 8;
		put(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" stroke=\"%s\" stroke-width=\"1.5\"/>"
		       "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%c%s</text>\n",
		    px, py, c, px, ty, c, m->kind, m->from_receiver ? "'" : "");
	}
	put(o, "</g>\n</g>\n");

	struct legend l = {o, LEFT, top - 12};
	legend_bar(&l, C_DATA, "data segment");
	legend_bar(&l, C_REXMIT, "retransmission");
	legend_line(&l, C_ACK, NULL, "cumulative ACK");
	legend_line(&l, C_WIN, NULL, "ACK + receive window");
	legend_line(&l, C_SACK, NULL, "SACK block");
	legend_mark(&l, C_SYN, "SYN/FIN/RST (' = receiver)");
}

/* ---- the cwnd panel ---- */

static void cwnd_panel(struct out *o, const struct tcp_plot_series *s, const struct axis *x, int top)
{
	bool stack = s->cwnd.n > 0;
	struct axis y = {.lo = 0, .hi = 1, .px0 = top + CWND_H, .px1 = top};
	for (size_t i = 0; i < s->flight.n; i++)
		if (shown(x, s->flight.v[i].t) && s->flight.v[i].bytes > y.hi)
			y.hi = s->flight.v[i].bytes;
	for (size_t i = 0; i < s->cwnd.n; i++) {
		const struct tcp_plot_cwnd *c = &s->cwnd.v[i];
		if (!shown(x, c->t))
			continue;
		if (c->cwnd > y.hi)
			y.hi = c->cwnd;
		if (c->ssthresh < SSTHRESH_UNSET && c->ssthresh > y.hi)
			y.hi = c->ssthresh;
	}
	y.hi += y.hi / 20 + 1;
	frame(o, x, &y, top, CWND_H, stack ? "cwnd, ssthresh" : "bytes in flight");
	put(o, "<g clip-path=\"url(#cwnd-clip)\" fill=\"none\">\n");

	if (stack) {
		/* Fast recovery, shaded. */
		put(o, "<path class=\"recovery\" fill=\"#fde0e0\" stroke=\"none\" d=\"");
		for (size_t i = 0; i < s->cwnd.n; i++) {
			if (!s->cwnd.v[i].recovery)
				continue;
			capnet_instant t1 = i + 1 < s->cwnd.n ? s->cwnd.v[i + 1].t : s->duration;
			if (t1 < x->lo || s->cwnd.v[i].t > x->hi)
				continue;
			double a = at(x, s->cwnd.v[i].t < x->lo ? x->lo : s->cwnd.v[i].t);
			double b = at(x, t1 > x->hi ? x->hi : t1);
			put(o, "M%.1f %dH%.1fV%dH%.1fZ", a, top, b, top + CWND_H, a);
		}
		put(o, "\"/>\n");
	}

	put(o, "<path class=\"flight\" stroke=\"" C_FLIGHT "\" stroke-width=\"%s\" d=\"", stack ? "0.8" : "1.2");
	struct step p = {o, x, &y, false, 0};
	for (size_t i = 0; i < s->flight.n; i++) {
		const struct tcp_plot_flight *f = &s->flight.v[i];
		if (f->t > x->hi)
			break;
		if (f->t < x->lo && i + 1 < s->flight.n && s->flight.v[i + 1].t <= x->lo)
			continue;
		step_to(&p, f->t, f->bytes);
	}
	step_end(&p, s->duration);
	put(o, "\"/>\n");

	if (stack) {
		put(o, "<path class=\"cwnd\" stroke=\"" C_CWND "\" stroke-width=\"1.5\" d=\"");
		struct step c = {o, x, &y, false, 0};
		for (size_t i = 0; i < s->cwnd.n; i++) {
			if (s->cwnd.v[i].t > x->hi)
				break;
			if (s->cwnd.v[i].t < x->lo && i + 1 < s->cwnd.n && s->cwnd.v[i + 1].t <= x->lo)
				continue;
			step_to(&c, s->cwnd.v[i].t, s->cwnd.v[i].cwnd);
		}
		step_end(&c, s->duration);
		put(o, "\"/>\n");
		/* ssthresh: broken where it is not set */
		put(o, "<path class=\"ssthresh\" stroke=\"" C_SSTHRESH "\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\" d=\"");
		struct step t = {o, x, &y, false, 0};
		for (size_t i = 0; i < s->cwnd.n; i++) {
			const struct tcp_plot_cwnd *w = &s->cwnd.v[i];
			if (w->t > x->hi)
				break;
			if (w->t < x->lo && i + 1 < s->cwnd.n && s->cwnd.v[i + 1].t <= x->lo)
				continue;
			if (w->ssthresh >= SSTHRESH_UNSET) {
				step_end(&t, w->t);
				t.started = false;
				continue;
			}
			step_to(&t, w->t, w->ssthresh);
		}
		step_end(&t, s->duration);
		put(o, "\"/>\n");
	}
	put(o, "</g>\n");

	struct legend l = {o, LEFT, top - 12};
	if (stack) {
		legend_line(&l, C_CWND, NULL, "cwnd (the sender's stack)");
		legend_line(&l, C_SSTHRESH, "6 3", "ssthresh");
		legend_line(&l, C_FLIGHT, NULL, "flight on the wire");
		put(o, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"10\" fill=\"#fde0e0\"/><text x=\"%d\" y=\"%d\">fast "
		       "recovery</text>\n",
		    l.x, l.y - 9, l.x + 19, l.y);
	} else {
		legend_line(&l, C_FLIGHT, NULL,
			    "flight size estimate: highest seq sent - cumulative ACK (a pcap carries no cwnd)");
	}
}

/* ---- the document ---- */

int tcp_plot_svg(FILE *f, const struct tcp_plot_series *s, const struct tcp_plot_view *v)
{
	struct out o = {f, 0};
	unsigned panels = v && v->panels ? v->panels : TCP_PLOT_PANEL_SEQ | TCP_PLOT_PANEL_CWND;
	struct axis x = {.lo = 0, .hi = s->duration, .px0 = LEFT, .px1 = LEFT + PLOT_W};
	if (v && v->to > v->from) {
		x.lo = v->from;
		x.hi = v->to;
	} else {
		/* the whole connection, with a margin so marks at either end show whole */
		x.lo = -(s->duration / 100) - 1;
		x.hi = s->duration + s->duration / 100 + 1;
	}
	int seq_top = SEQ_TOP;
	int cwnd_top = (panels & TCP_PLOT_PANEL_SEQ) ? SEQ_TOP + SEQ_H + GAP : SEQ_TOP;
	int height = ((panels & TCP_PLOT_PANEL_CWND) ? cwnd_top + CWND_H : seq_top + SEQ_H) + BOTTOM;

	char a[64], b[64];
	tcp_plot_endpoint_text(&s->c.ep[s->dir], a, sizeof a);
	tcp_plot_endpoint_text(&s->c.ep[1 - s->dir], b, sizeof b);
	put(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	put(&o, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
	    WIDTH, height, WIDTH, height);
	put(&o, "<title>");
	if (v && v->title)
		put_escaped(&o, v->title);
	else
		put(&o, "TCP %s to %s", a, b);
	put(&o, "</title>\n<defs>\n");
	put(&o, "<clipPath id=\"seq-clip\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath>\n", LEFT, seq_top,
	    PLOT_W, SEQ_H);
	put(&o, "<clipPath id=\"cwnd-clip\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath>\n", LEFT,
	    cwnd_top, PLOT_W, CWND_H);
	put(&o, "</defs>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");

	put(&o, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">", LEFT);
	if (v && v->title)
		put_escaped(&o, v->title);
	else
		put(&o, "TCP %s &#8594; %s", a, b);
	put(&o, "</text>\n<text x=\"%d\" y=\"40\">", LEFT);
	put(&o, "%zu segments, %" PRIu64 " payload bytes; %" PRIu64 " retransmitted (%" PRIu64 " bytes); ", s->segs.n,
	    s->payload, s->rexmit_segs, s->rexmit_bytes);
	if (s->window_scaled)
		put(&o, "window scaled by 2^%u", s->rcv_shift);
	else
		put(&o, "window unscaled%s", s->c.syn[0] && s->c.syn[1] ? "" : " (handshake not captured)");
	put(&o, "%s</text>\n", s->isn_from_syn ? "" : "; sequence 0 = first seen");

	if (panels & TCP_PLOT_PANEL_SEQ)
		seq_panel(&o, s, &x, seq_top);
	if (panels & TCP_PLOT_PANEL_CWND)
		cwnd_panel(&o, s, &x, cwnd_top);
	put(&o, "</svg>\n");
	return o.err;
}
