/* capnet replay FILE.pcap [--expect FILE] [--json] ...
 *
 * Replays a capture into a fresh stack on the synthetic clock (frames at
 * their recorded times, relative to the first), records what the stack
 * sends, and compares that with an expected pcap or transcript, reporting
 * the first divergence with its frame number and a decoded summary. */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnet/host/pcap.h"
#include "capnet/rng.h"
#include "capnet/stack.h"
#include "capnet/tcp_cc.h"
#include "capnet/wire/describe.h"
#include "cmd.h"
#include "serve_services.h"

#define SUMMARY_MAX 192
/* Iterations at one instant before the run is declared stuck. */
#define SAME_INSTANT_MAX 10000

static void usage(FILE *f)
{
	fprintf(f,
		"usage: capnet replay FILE.pcap [--expect FILE] [--json] [options]\n"
		"       capnet replay FILE.pcap --serve (--static ADDR/LEN | --dhcp) --seed N\n"
		"                     [--stop-at SECONDS] [serve options] [--expect FILE]\n\n"
		"Feeds the capture's frames into a fresh stack at their recorded times\n"
		"(relative to the first frame, on a synthetic clock), records what the\n"
		"stack sends and, with --expect, compares it frame by frame.\n\n"
		"With --serve the stack is the one `capnet serve` runs (UDP, TCP echo,\n"
		"discard and HTTP, the DHCP client, the --connect client), built the same\n"
		"way, and the capture is one `capnet serve --seed N --pcap` recorded: its\n"
		"stamps are the stack's own clock, so frames are fed at those very\n"
		"instants, and the stack is polled at the instants the capture shows\n"
		"(its own frames included: --clock capture), where the live run was\n"
		"polled. Pass the seed and the instant serve logged at its stop\n"
		"(--stop-at); --expect the capture itself to compare byte for byte.\n\n"
		"  -e, --expect FILE        expected output: a pcap (the frames it shows the\n"
		"                           stack's MAC sending) or a transcript (one line a\n"
		"                           sent frame, as --write-transcript writes it)\n"
		"  -m, --mac MAC            the stack's MAC (default: inferred from the capture)\n"
		"  -a, --static ADDR/LEN    the stack's IPv4 address (default: inferred, /24)\n"
		"  -g, --gateway ADDR       default gateway\n"
		"  -s, --seed N             seed of the stack's generator (default 1)\n"
		"  -t, --tail SECONDS       keep running after the last frame (default 2)\n"
		"  -T, --tolerance-us N     allowed stamp difference against --expect (default 0)\n"
		"  -o, --write-sent FILE    write the frames the stack sent to a pcap\n"
		"  -w, --write-transcript FILE  write them as a transcript\n"
		"  -r, --record FILE        record both directions to a pcap\n"
		"  -i, --write-fed FILE     write the capture's frames fed to the stack (all but\n"
		"                           the stack's own) to a pcap: a one-sided fixture\n"
		"  -S, --serve              build `capnet serve`'s stack (see above)\n"
		"  -D, --dhcp               --serve: take the address by DHCP, as serve --dhcp\n"
		"  -c, --cc NAME            --serve: congestion control (default reno)\n"
		"      --udp-echo, --tcp-echo, --http, --discard PORT   --serve: as serve\n"
		"  -C, --connect ADDR:PORT  --serve: the client session, as serve\n"
		"  -n, --send-bytes N       --serve: what the client sends (serve's pattern)\n"
		"  -x, --stop-at SECONDS    --serve: shut down (FINs, DHCP release) at this stack\n"
		"                           instant, as serve did (its log says when)\n"
		"  -k, --clock MODE         --serve: capture (default) polls only at the instants\n"
		"                           the capture shows until its last frame; stack polls\n"
		"                           at the stack's deadlines (as without --serve)\n"
		"  -q, --quiet              print only the result lines\n"
		"  -j, --json               print the result as one JSON object\n"
		"  -h, --help               this text\n\n"
		"Exit status: 0 replayed (and matched --expect), 1 diverged or could not\n"
		"run, 2 usage error.\n");
}



/* ---- inferring the stack from the capture ---- */

/* The stack's address is what the peer asks for (the target of its first
 * ARP request that is not an announcement), else where the first unicast
 * IPv4 datagram goes; its MAC is where IPv4 to that address is sent. */
/* The frame is whole enough to have a source MAC, and it is mac (the
 * describer fills the addresses whenever the 14 bytes are there). */
static bool sent_by(const struct capnet_pcap_frame *f, struct capnet_mac mac)
{
	struct capnet_frame_desc d;
	capnet_frame_describe(f->data, f->len, CAPNET_DESCRIBE_HEADERS, &d);
	return d.len >= 14 && capnet_mac_eq(d.eth_src, mac);
}

static bool infer_stack(const struct capnet_pcap_frames *in, bool have_mac, struct capnet_mac *mac, bool have_ip,
			capnet_ip4addr *ip)
{
	capnet_ip4addr want = have_ip ? *ip : 0;
	struct capnet_frame_desc d;
	for (size_t i = 0; want == 0 && i < in->n; i++) {
		capnet_frame_describe(in->v[i].data, in->v[i].len, CAPNET_DESCRIBE_HEADERS, &d);
		if ((d.layers & CAPNET_DESC_ARP) && d.arp_err == CAPNET_OK && d.arp_oper == 1 /* request */ &&
		    d.arp_spa != d.arp_tpa && d.arp_spa != 0)
			want = d.arp_tpa;
		else if ((d.layers & CAPNET_DESC_IPV4) && d.ip_err == CAPNET_OK && !capnet_mac_is_multicast(d.eth_dst))
			want = d.dst4;
	}
	if (want == 0)
		return false;
	*ip = want;
	if (have_mac)
		return true;
	for (size_t i = 0; i < in->n; i++) {
		capnet_frame_describe(in->v[i].data, in->v[i].len, CAPNET_DESCRIBE_HEADERS, &d);
		if ((d.layers & CAPNET_DESC_IPV4) && d.ip_err == CAPNET_OK && !capnet_mac_is_multicast(d.eth_dst) &&
		    d.dst4 == want) {
			*mac = d.eth_dst;
			return true;
		}
	}
	return false;
}

/* ---- the run ---- */

struct replay_opts {
	const char *capture;
	const char *expect;
	const char *write_sent;
	const char *write_transcript;
	const char *record;
	const char *write_fed;
	struct capnet_mac mac;
	bool have_mac, have_ip;
	capnet_ip4addr ip, gateway;
	uint8_t prefix_len;
	uint64_t seed;
	capnet_duration tail;
	capnet_duration tolerance;
	bool json, quiet;
	/* --serve */
	bool serve, have_stop, capture_clock, clock_set;
	struct svc_opts svc;
	capnet_instant stop_at;
};

struct stack {
	void *arena_mem;
	struct capnet_arena arena;
	struct capnet_xoshiro caprng;
	struct capnet_stack *st;
};

/* Steps the synthetic clock to the earlier of the stack's deadline and the
 * next frame, until `tail` after the last frame. */
static bool drive(struct capnet_pcap_replay *r, struct capnet_stack *st, capnet_duration tail, capnet_instant now)
{
	capnet_instant end = capnet_pcap_replay_end_time(r) + tail;
	unsigned same = 0;
	for (;;) {
		capnet_pcap_replay_set_now(r, now);
		capnet_instant next = capnet_stack_poll(st, now);
		capnet_instant t = capnet_instant_min(next, capnet_pcap_replay_next_time(r));
		if (t > end)
			return true;
		if (t <= now) {
			if (++same > SAME_INSTANT_MAX)
				return false;
			continue;
		}
		same = 0;
		now = t;
	}
}

static void line_of(const struct capnet_pcap_frame *f, capnet_instant origin, char *buf, size_t cap)
{
	char sum[SUMMARY_MAX];
	capnet_frame_describe_text(f->data, f->len, CAPNET_DESCRIBE_REPLAY, sum, sizeof sum);
	capnet_duration rel = f->at - origin;
	snprintf(buf, cap, "[%4lld.%06lld] %s", (long long)(rel / 1000000), (long long)(rel % 1000000), sum);
}

/* The frames of an expected capture that the stack sent (source = its MAC),
 * with their 1-based numbers in that file. */
static capnet_err expected_from_pcap(const char *path, struct capnet_mac mac, struct capnet_pcap_frames *out,
				     size_t **numbers, char *err, size_t errlen)
{
	struct capnet_pcap_frames all;
	capnet_err e = capnet_pcap_load(path, &all, err, errlen);
	if (e != CAPNET_OK)
		return e;
	memset(out, 0, sizeof *out);
	*numbers = calloc(all.n + 1, sizeof **numbers);
	for (size_t i = 0; e == CAPNET_OK && *numbers != NULL && i < all.n; i++) {
		const struct capnet_pcap_frame *f = &all.v[i];
		if (!sent_by(f, mac))
			continue;
		(*numbers)[out->n] = i + 1;
		e = capnet_pcap_frames_push(out, f->at, f->data, f->len, f->orig_len);
	}
	capnet_pcap_frames_free(&all);
	if (*numbers == NULL)
		e = CAPNET_E_NOMEM;
	return e;
}

static bool is_pcap_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return false;
	uint8_t m[4] = {0};
	size_t n = fread(m, 1, 4, f);
	fclose(f);
	uint32_t v = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	return n == 4 && (v == 0xa1b2c3d4u || v == 0xd4c3b2a1u || v == 0xa1b23c4du || v == 0x4d3cb2a1u ||
			  v == 0x0a0d0d0au);
}

struct verdict {
	bool checked, matched;
	char text[3][SUMMARY_MAX + 64];
	json_t *j;
};

static void compare_pcap(const struct replay_opts *o, const struct capnet_pcap_frames *sent, capnet_instant origin,
			 struct verdict *v)
{
	struct capnet_pcap_frames want;
	size_t *num = NULL;
	char err[CAPNET_PCAP_ERRBUF_SIZE] = "";
	v->checked = true;
	if (expected_from_pcap(o->expect, o->mac, &want, &num, err, sizeof err) != CAPNET_OK) {
		snprintf(v->text[0], sizeof v->text[0], "cannot read %s: %s", o->expect, err);
		v->j = json_pack("{s:s, s:s}", "file", o->expect, "error", err);
		free(num);
		return;
	}
	struct capnet_pcap_diff d;
	v->matched = capnet_pcap_compare(sent->v, sent->n, 0, want.v, want.n, 0, o->tolerance, &d);
	v->j = json_pack("{s:s, s:b, s:I, s:I}", "file", o->expect, "matched", v->matched, "expected_frames",
			 (json_int_t)want.n, "sent_frames", (json_int_t)sent->n);
	if (v->matched) {
		snprintf(v->text[0], sizeof v->text[0], "MATCH: %zu frames sent, as in %s", sent->n, o->expect);
	} else {
		char lw[SUMMARY_MAX + 32] = "(none)", lg[SUMMARY_MAX + 32] = "(none)";
		if (d.index < want.n)
			line_of(&want.v[d.index], origin, lw, sizeof lw);
		if (d.index < sent->n)
			line_of(&sent->v[d.index], origin, lg, sizeof lg);
		const char *why = d.kind == CAPNET_PCAP_DIFF_BYTES   ? "bytes differ"
				  : d.kind == CAPNET_PCAP_DIFF_TIME  ? "sent at another time"
				  : d.kind == CAPNET_PCAP_DIFF_MISSING ? "expected frame never sent"
								       : "sent but not expected";
		snprintf(v->text[0], sizeof v->text[0], "DIVERGENCE at sent frame #%zu (expected-file frame #%zu): %s",
			 d.index + 1, d.index < want.n ? num[d.index] : 0, why);
		if (d.kind == CAPNET_PCAP_DIFF_BYTES)
			snprintf(v->text[0] + strlen(v->text[0]), sizeof v->text[0] - strlen(v->text[0]),
				 " at byte %zu", d.offset);
		if (d.kind == CAPNET_PCAP_DIFF_TIME)
			snprintf(v->text[0] + strlen(v->text[0]), sizeof v->text[0] - strlen(v->text[0]),
				 " (%+lld us)", (long long)d.dt);
		snprintf(v->text[1], sizeof v->text[1], "  expected %s", lw);
		snprintf(v->text[2], sizeof v->text[2], "  got      %s", lg);
		json_object_set_new(v->j, "divergence",
				    json_pack("{s:s, s:I, s:I, s:I, s:I, s:s, s:s}", "kind", capnet_pcap_diff_name(d.kind),
					      "sent_frame", (json_int_t)(d.index + 1), "expected_file_frame",
					      (json_int_t)(d.index < want.n ? num[d.index] : 0), "byte_offset",
					      (json_int_t)d.offset, "dt_us", (json_int_t)d.dt, "expected", lw, "got", lg));
	}
	capnet_pcap_frames_free(&want);
	free(num);
}

/* A transcript: one line a sent frame; blank lines and '#' comments skipped. */
static void compare_transcript(const struct replay_opts *o, const struct capnet_pcap_frames *sent,
			       capnet_instant origin, struct verdict *v)
{
	v->checked = true;
	FILE *f = fopen(o->expect, "r");
	if (f == NULL) {
		snprintf(v->text[0], sizeof v->text[0], "cannot read %s", o->expect);
		v->j = json_pack("{s:s, s:s}", "file", o->expect, "error", "cannot open");
		return;
	}
	char want[512], got[SUMMARY_MAX + 32];
	size_t idx = 0, lineno = 0;
	bool diverged = false;
	while (!diverged && fgets(want, sizeof want, f) != NULL) {
		lineno++;
		want[strcspn(want, "\r\n")] = '\0';
		if (want[0] == '\0' || want[0] == '#')
			continue;
		if (idx >= sent->n) {
			snprintf(got, sizeof got, "(none)");
			diverged = true;
			break;
		}
		line_of(&sent->v[idx], origin, got, sizeof got);
		if (strcmp(want, got) != 0) {
			diverged = true;
			break;
		}
		idx++;
	}
	fclose(f);
	if (!diverged && idx < sent->n) {
		line_of(&sent->v[idx], origin, got, sizeof got);
		snprintf(want, sizeof want, "(end of transcript)");
		diverged = true;
	}
	v->matched = !diverged;
	v->j = json_pack("{s:s, s:b, s:I}", "file", o->expect, "matched", v->matched, "sent_frames",
			 (json_int_t)sent->n);
	if (v->matched) {
		snprintf(v->text[0], sizeof v->text[0], "MATCH: %zu frames sent, as in %s", sent->n, o->expect);
		return;
	}
	snprintf(v->text[0], sizeof v->text[0], "DIVERGENCE at sent frame #%zu (transcript line %zu)", idx + 1, lineno);
	snprintf(v->text[1], sizeof v->text[1], "  expected %.*s", SUMMARY_MAX + 32, want);
	snprintf(v->text[2], sizeof v->text[2], "  got      %s", got);
	json_object_set_new(v->j, "divergence",
			    json_pack("{s:I, s:I, s:s, s:s}", "sent_frame", (json_int_t)(idx + 1), "transcript_line",
				      (json_int_t)lineno, "expected", want, "got", got));
}

static bool write_transcript(const char *path, const struct capnet_pcap_frames *sent, capnet_instant origin)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return false;
	fprintf(f, "# capnet replay transcript: one line a frame the stack sent\n");
	char line[SUMMARY_MAX + 32];
	for (size_t i = 0; i < sent->n; i++) {
		line_of(&sent->v[i], origin, line, sizeof line);
		fprintf(f, "%s\n", line);
	}
	return fclose(f) == 0;
}

static bool write_fed(const char *path, const struct capnet_pcap_frames *in, struct capnet_mac mac, char *err,
		      size_t errlen)
{
	struct capnet_pcap_frames fed = {0};
	capnet_err e = CAPNET_OK;
	for (size_t i = 0; e == CAPNET_OK && i < in->n; i++) {
		const struct capnet_pcap_frame *f = &in->v[i];
		if (sent_by(f, mac))
			continue;
		e = capnet_pcap_frames_push(&fed, f->at, f->data, f->len, f->orig_len);
	}
	if (e == CAPNET_OK)
		e = capnet_pcap_frames_save(&fed, path, err, errlen);
	else
		snprintf(err, errlen, "%s: out of memory", path);
	capnet_pcap_frames_free(&fed);
	return e == CAPNET_OK;
}

static void print_frames(const struct capnet_pcap_replay *r, capnet_instant origin)
{
	const struct capnet_pcap_frames *sent = capnet_pcap_replay_sent(r);
	char line[SUMMARY_MAX + 32];
	for (size_t i = 0; i < sent->n; i++) {
		line_of(&sent->v[i], origin, line, sizeof line);
		printf("sent #%-4zu %s\n", i + 1, line);
	}
}

/* The stack's counters, read as an operator reads them: through a
 * NetworkStatus cap minted from the boot NetworkManager. */
static bool read_counters(struct capnet_stack *st, struct capnet_stats *out)
{
	struct capnet_cspace *boot = capnet_stack_boot_cspace(st);
	capnet_handle view;
	memset(out, 0, sizeof *out);
	if (capnet_netmgr_mint_status(boot, capnet_stack_netmgr(st, 0), &view) != CAPNET_OK)
		return false;
	capnet_err e = capnet_status_counters(boot, view, out);
	capnet_cap_close(boot, view);
	return e == CAPNET_OK;
}

static json_t *json_counters(struct capnet_stack *st)
{
	json_t *o = json_object();
	struct capnet_stats s;
	read_counters(st, &s);
	for (int i = 0; i < CAPNET_STAT__COUNT; i++)
		if (s.v[i] != 0)
			json_object_set_new(o, capnet_stat_name((enum capnet_stat)i), json_integer((json_int_t)s.v[i]));
	return o;
}

static void print_counters(struct capnet_stack *st)
{
	struct capnet_stats s;
	read_counters(st, &s);
	printf("counters:");
	for (int i = 0; i < CAPNET_STAT__COUNT; i++)
		if (s.v[i] != 0)
			printf(" %s=%" PRIu64, capnet_stat_name((enum capnet_stat)i), s.v[i]);
	printf("\n");
}

/* ---- the `capnet serve` stack (--serve) ---- */

static void serve_log(void *ctx, capnet_instant now, const char *event, const char *text)
{
	(void)event;
	const struct replay_opts *o = ctx;
	if (!o->quiet && !o->json)
		printf("serve [%4lld.%06lld] %s\n", (long long)(now / 1000000), (long long)(now % 1000000), text);
}

static int cmp_instant(const void *a, const void *b)
{
	capnet_instant x = *(const capnet_instant *)a, y = *(const capnet_instant *)b;
	return x < y ? -1 : x > y;
}

/* Every instant the capture shows, both sides, on the synthetic clock
 * (held level where stamps step back, as the replay does), sorted. */
static capnet_instant *capture_instants(const struct capnet_pcap_replay *r, capnet_instant start, size_t *n)
{
	const struct capnet_pcap_frames *in = capnet_pcap_replay_input(r);
	capnet_instant *v = malloc((in->n + 1) * sizeof *v), prev = start;
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < in->n; i++) {
		capnet_instant t = start + (in->v[i].at - capnet_pcap_replay_origin(r));
		prev = t > prev ? t : prev;
		v[i] = prev;
	}
	qsort(v, in->n, sizeof *v, cmp_instant);
	*n = in->n;
	return v;
}

/* The synthetic clock of a serve replay. In the live run every frame was
 * stamped with the instant of the poll that received or sent it, so the
 * stack was polled at least at every instant the capture shows; a timer
 * that fired there fired late by however long the loop took to wake up.
 * With --clock capture the replay polls at exactly those instants, and a
 * deadline that falls between two of them waits for the next (where the
 * live run served it, if it sent anything), until the capture's last frame;
 * after that, and with --clock stack throughout, deadlines are served on
 * time. Stops at --stop-at (then shuts the services down there, as serve
 * did) or `tail` after the last frame. */
static bool drive_serve(struct capnet_pcap_replay *r, struct svc *svc, const struct replay_opts *o,
			const capnet_instant *inst, size_t ninst, capnet_instant now)
{
	struct capnet_stack *st = svc_stack(svc);
	capnet_instant end = o->have_stop ? o->stop_at : capnet_pcap_replay_end_time(r) + o->tail;
	size_t k = 0;
	unsigned same = 0;
	for (;;) {
		capnet_pcap_replay_set_now(r, now);
		capnet_instant next = capnet_stack_poll(st, now);
		svc_after_poll(svc, now);
		next = capnet_instant_min(next, svc_next_deadline(svc));
		while (k < ninst && inst[k] <= now)
			k++;
		if (next <= now) {
			if (++same > SAME_INSTANT_MAX)
				return false;
			continue;
		}
		same = 0;
		capnet_instant t = capnet_instant_min(next, capnet_pcap_replay_next_time(r));
		if (o->capture_clock && k < ninst)
			t = inst[k];
		if (t > end || (o->have_stop && t >= end))
			break;
		now = t;
	}
	if (o->have_stop) {
		capnet_pcap_replay_set_now(r, end);
		svc_stop(svc, end);
	}
	return true;
}

/* ---- the run ---- */

static int run_replay(struct replay_opts *o)
{
	char err[CAPNET_PCAP_ERRBUF_SIZE] = "";
	struct capnet_pcap_writer *rec = NULL;
	if (o->record != NULL && capnet_pcap_writer_open(o->record, 0, &rec, err, sizeof err) != CAPNET_OK) {
		fprintf(stderr, "capnet replay: %s\n", err);
		return EXIT_FAILED;
	}
	struct capnet_pcap_replay_options ro = {.mac = o->mac, .mtu = 1500, .start = 0, .record = rec};
	struct capnet_pcap_replay *r;
	if (capnet_pcap_replay_open(o->capture, &ro, &r, err, sizeof err) != CAPNET_OK) {
		fprintf(stderr, "capnet replay: %s\n", err);
		capnet_pcap_writer_close(rec);
		return EXIT_FAILED;
	}
	bool reopen = false;
	if (o->serve) {
		/* serve --seed stamps with the stack's clock: the synthetic clock
		 * is the capture's, and the stack is built at its instant 0. */
		ro.start = capnet_pcap_replay_origin(r);
		reopen = ro.start != 0;
	} else if (!o->have_mac || !o->have_ip) {
		if (!infer_stack(capnet_pcap_replay_input(r), o->have_mac, &o->mac, o->have_ip, &o->ip)) {
			fprintf(stderr, "capnet replay: cannot tell the stack's %s from %s: give --mac and --static\n",
				o->have_mac ? "address" : "MAC", o->capture);
			capnet_pcap_replay_close(r);
			capnet_pcap_writer_close(rec);
			return EXIT_FAILED;
		}
		/* The MAC was inferred after opening: reopen so own-frame
		 * filtering and the nic use it. */
		reopen = !o->have_mac;
		ro.mac = o->mac;
	}
	if (reopen) {
		capnet_pcap_replay_close(r);
		if (capnet_pcap_replay_open(o->capture, &ro, &r, err, sizeof err) != CAPNET_OK) {
			fprintf(stderr, "capnet replay: %s\n", err);
			capnet_pcap_writer_close(rec);
			return EXIT_FAILED;
		}
	}

	struct capnet_xoshiro x;
	capnet_xoshiro_seed(&x, o->seed);
	struct stack s = {0};
	struct svc *svc = NULL;
	struct capnet_stack *stk = NULL;
	capnet_err e = CAPNET_E_NOMEM;
	char ebuf[256] = "";
	if (o->serve) {
		o->svc.ip = o->ip;
		o->svc.gateway = o->gateway;
		o->svc.prefix_len = o->prefix_len;
		o->svc.verbose = !o->quiet;
		e = svc_create(&o->svc, capnet_pcap_replay_nic(r), capnet_xoshiro_rng(&x), 0, serve_log, o, &svc, ebuf,
			       sizeof ebuf);
		if (e == CAPNET_OK)
			stk = svc_stack(svc);
	} else {
		/* The interface alone (ARP and ICMP), as the captures it replays
		 * were made against; its address is set through the boot
		 * NetworkManager. cspace keys never reach the wire: their own
		 * generator. */
		struct capnet_nic *nics[1] = {capnet_pcap_replay_nic(r)};
		capnet_xoshiro_seed(&s.caprng, o->seed ^ 0x6361706b657973ull);
		struct capnet_stack_config cfg = {.without = CAPNET_STACK_NO_TCP | CAPNET_STACK_NO_UDP,
						  .cap_rng = capnet_xoshiro_rng(&s.caprng)};
		size_t need = capnet_stack_arena_need(&cfg, nics, 1);
		s.arena_mem = malloc(need);
		if (s.arena_mem != NULL) {
			capnet_arena_init(&s.arena, s.arena_mem, need);
			e = capnet_stack_create(&s.arena, &cfg, capnet_xoshiro_rng(&x), nics, 1, &s.st);
		}
		if (e == CAPNET_OK)
			e = capnet_netmgr_set_static(capnet_stack_boot_cspace(s.st), capnet_stack_netmgr(s.st, 0), o->ip,
						     o->prefix_len, o->gateway, 0);
		stk = s.st;
		if (e != CAPNET_OK)
			snprintf(ebuf, sizeof ebuf, "stack setup: %s", capnet_strerror(e));
	}
	if (e != CAPNET_OK) {
		fprintf(stderr, "capnet replay: %s\n", ebuf);
		free(s.arena_mem);
		capnet_pcap_replay_close(r);
		capnet_pcap_writer_close(rec);
		return EXIT_FAILED;
	}
	bool settled;
	if (o->serve) {
		size_t ninst = 0;
		capnet_instant *inst = capture_instants(r, ro.start, &ninst);
		settled = inst != NULL && drive_serve(r, svc, o, inst, ninst, ro.start);
		free(inst);
	} else {
		settled = drive(r, s.st, o->tail, 0);
	}

	capnet_instant origin = capnet_pcap_replay_origin(r);
	const struct capnet_pcap_frames *sent = capnet_pcap_replay_sent(r);
	struct capnet_pcap_replay_stats st;
	capnet_pcap_replay_get_stats(r, &st);
	bool io_ok = true;
	if (o->write_sent != NULL && capnet_pcap_frames_save(sent, o->write_sent, err, sizeof err) != CAPNET_OK) {
		fprintf(stderr, "capnet replay: %s\n", err);
		io_ok = false;
	}
	if (o->write_fed != NULL && !write_fed(o->write_fed, capnet_pcap_replay_input(r), o->mac, err, sizeof err)) {
		fprintf(stderr, "capnet replay: %s\n", err);
		io_ok = false;
	}
	if (o->write_transcript != NULL && !write_transcript(o->write_transcript, sent, origin)) {
		fprintf(stderr, "capnet replay: cannot write %s\n", o->write_transcript);
		io_ok = false;
	}
	if (rec != NULL && capnet_pcap_writer_close(rec) != CAPNET_OK) {
		fprintf(stderr, "capnet replay: recording %s failed\n", o->record);
		io_ok = false;
	}
	if (st.record_errors != 0)
		io_ok = false;

	struct verdict v = {0};
	if (o->expect != NULL) {
		if (is_pcap_file(o->expect))
			compare_pcap(o, sent, origin, &v);
		else
			compare_transcript(o, sent, origin, &v);
	}
	bool passed = settled && io_ok && (!v.checked || v.matched);
	static const char *const client_names[] = {"none", "waiting", "running", "done", "failed"};
	const char *client = svc != NULL ? client_names[svc_client_state(svc)] : "none";

	char mbuf[18], ibuf[16];
	const char *addr = o->serve && o->svc.dhcp ? "dhcp" : cmd_fmt_ip4(o->ip, ibuf);
	if (o->json) {
		json_t *frames = json_array();
		char line[SUMMARY_MAX + 32];
		for (size_t i = 0; i < sent->n; i++) {
			line_of(&sent->v[i], origin, line, sizeof line);
			json_array_append_new(frames, json_string(line));
		}
		json_t *j = json_pack("{s:s, s:{s:s, s:s, s:i, s:b}, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:b, s:b}",
				      "capture", o->capture, "stack", "mac", cmd_fmt_mac(o->mac, mbuf), "ip", addr,
				      "prefix_len", o->prefix_len, "serve", o->serve, "seed", (json_int_t)o->seed, "frames",
				      (json_int_t)st.frames, "fed", (json_int_t)st.fed, "own_skipped",
				      (json_int_t)st.own_skipped, "sent", (json_int_t)st.sent, "sent_frames", frames,
				      "counters", json_counters(stk), "settled", settled, "passed", passed);
		if (o->serve && o->svc.connect_ip != 0)
			json_object_set_new(j, "client", json_string(client));
		if (v.j != NULL)
			json_object_set_new(j, "expect", v.j);
		cmd_json_print(j);
	} else {
		printf("replay %s into %s%s %s/%u (seed %" PRIu64 ")\n", o->capture, o->serve ? "capnet serve's stack, " : "",
		       cmd_fmt_mac(o->mac, mbuf), addr, o->prefix_len, o->seed);
		if (!o->quiet) {
			print_frames(r, origin);
			print_counters(stk);
		}
		printf("%" PRIu64 " frames in the capture: %" PRIu64 " fed, %" PRIu64 " the stack's own (skipped); %" PRIu64
		       " sent\n",
		       st.frames, st.fed, st.own_skipped, st.sent);
		if (o->serve && o->svc.connect_ip != 0)
			printf("client session: %s\n", client);
		if (!settled)
			printf("FAIL: the stack kept asking to be polled at one instant (stuck)\n");
		for (int i = 0; i < 3; i++)
			if (v.text[i][0] != '\0')
				printf("%s\n", v.text[i]);
		json_decref(v.j);
	}
	svc_destroy(svc);
	free(s.arena_mem);
	capnet_pcap_replay_close(r);
	return passed ? EXIT_OK : EXIT_FAILED;
}

int cmd_replay(int argc, char **argv)
{
	enum { OPT_UDP_ECHO = 256, OPT_TCP_ECHO, OPT_HTTP, OPT_DISCARD };
	static const struct option opts[] = {
		{"expect", required_argument, NULL, 'e'},
		{"mac", required_argument, NULL, 'm'},
		{"static", required_argument, NULL, 'a'},
		{"gateway", required_argument, NULL, 'g'},
		{"seed", required_argument, NULL, 's'},
		{"tail", required_argument, NULL, 't'},
		{"tolerance-us", required_argument, NULL, 'T'},
		{"write-sent", required_argument, NULL, 'o'},
		{"write-transcript", required_argument, NULL, 'w'},
		{"record", required_argument, NULL, 'r'},
		{"write-fed", required_argument, NULL, 'i'},
		{"serve", no_argument, NULL, 'S'},
		{"dhcp", no_argument, NULL, 'D'},
		{"cc", required_argument, NULL, 'c'},
		{"udp-echo", required_argument, NULL, OPT_UDP_ECHO},
		{"tcp-echo", required_argument, NULL, OPT_TCP_ECHO},
		{"http", required_argument, NULL, OPT_HTTP},
		{"discard", required_argument, NULL, OPT_DISCARD},
		{"connect", required_argument, NULL, 'C'},
		{"send-bytes", required_argument, NULL, 'n'},
		{"stop-at", required_argument, NULL, 'x'},
		{"clock", required_argument, NULL, 'k'},
		{"quiet", no_argument, NULL, 'q'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct replay_opts o = {.seed = 1, .tail = CAPNET_S(2), .prefix_len = 24};
	const struct cmd_common cc = {.cmd = "replay", .usage = usage, .seed = &o.seed, .json = &o.json};
	svc_opts_defaults(&o.svc);
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "e:m:a:g:s:t:T:o:w:r:i:SDc:C:n:x:k:qjh", opts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 'e':
			o.expect = optarg;
			break;
		case 'm':
			if (!cmd_parse_mac(optarg, &o.mac)) {
				fprintf(stderr, "capnet replay: --mac wants xx:xx:xx:xx:xx:xx, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o.have_mac = true;
			break;
		case 'a':
			if (!cmd_parse_cidr4(optarg, &o.ip, &o.prefix_len)) {
				fprintf(stderr, "capnet replay: --static wants A.B.C.D/LEN, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o.have_ip = true;
			break;
		case 'g':
			if (!cmd_parse_ip4(optarg, &o.gateway)) {
				fprintf(stderr, "capnet replay: --gateway wants A.B.C.D, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't': {
			double sec = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(sec >= 0 && sec <= 3600)) {
				fprintf(stderr, "capnet replay: --tail wants seconds in [0, 3600]\n");
				return EXIT_USAGE;
			}
			o.tail = (capnet_duration)(sec * 1e6);
			break;
		}
		case 'T': {
			long long us = strtoll(optarg, &end, 0);
			if (*optarg == '\0' || *end != '\0' || us < 0) {
				fprintf(stderr, "capnet replay: --tolerance-us wants a count of microseconds\n");
				return EXIT_USAGE;
			}
			o.tolerance = us;
			break;
		}
		case 'o':
			o.write_sent = optarg;
			break;
		case 'w':
			o.write_transcript = optarg;
			break;
		case 'r':
			o.record = optarg;
			break;
		case 'i':
			o.write_fed = optarg;
			break;
		case 'S':
			o.serve = true;
			break;
		case 'D':
			o.svc.dhcp = true;
			break;
		case 'c':
			o.svc.cc = capnet_tcp_cc_parse(optarg);
			if (o.svc.cc < 0) {
				fprintf(stderr, "capnet replay: --cc wants none, reno or cubic, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_UDP_ECHO:
		case OPT_TCP_ECHO:
		case OPT_HTTP:
		case OPT_DISCARD: {
			uint16_t *port = c == OPT_UDP_ECHO   ? &o.svc.udp_echo_port
					 : c == OPT_TCP_ECHO ? &o.svc.tcp_echo_port
					 : c == OPT_HTTP     ? &o.svc.http_port
							     : &o.svc.discard_port;
			if (!svc_parse_port(optarg, port)) {
				fprintf(stderr, "capnet replay: a service port is in [0, 65535], not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case 'C':
			if (!svc_parse_endpoint(optarg, &o.svc.connect_ip, &o.svc.connect_port)) {
				fprintf(stderr, "capnet replay: --connect wants A.B.C.D:PORT, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			if (!svc_parse_bytes(optarg, &o.svc.send_bytes)) {
				fprintf(stderr, "capnet replay: --send-bytes wants a byte count, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'x': {
			double sec = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(sec >= 0 && sec <= 86400)) {
				fprintf(stderr, "capnet replay: --stop-at wants seconds in [0, 86400]\n");
				return EXIT_USAGE;
			}
			/* Rounded to the microsecond serve printed. */
			o.stop_at = (capnet_instant)(sec * 1e6 + 0.5);
			o.have_stop = true;
			break;
		}
		case 'k':
			if (strcmp(optarg, "capture") != 0 && strcmp(optarg, "stack") != 0) {
				fprintf(stderr, "capnet replay: --clock wants capture or stack, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o.capture_clock = strcmp(optarg, "capture") == 0;
			o.clock_set = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		default:
			if ((rc = cmd_common_opt(&cc, c, optarg)) != CMD_OPT_NEXT)
				return rc;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "capnet replay: name one capture file\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	o.capture = argv[optind];
	bool serve_only = o.svc.dhcp || o.have_stop || o.svc.connect_ip != 0 || o.svc.send_bytes != UINT64_MAX ||
			  o.clock_set;
	if (serve_only && !o.serve) {
		fprintf(stderr, "capnet replay: --dhcp, --connect, --send-bytes, --stop-at and --clock go with --serve\n");
		return EXIT_USAGE;
	}
	if (o.serve) {
		if (o.have_ip == o.svc.dhcp || (o.svc.dhcp && o.gateway != 0)) {
			fprintf(stderr, "capnet replay: --serve needs one of --static ADDR/LEN or --dhcp, as serve had\n");
			return EXIT_USAGE;
		}
		if (!o.have_mac) {
			const struct capnet_mac dflt = SVC_DEFAULT_MAC;
			o.mac = dflt;
			o.have_mac = true;
		}
		if (!o.clock_set)
			o.capture_clock = true;
	}
	return run_replay(&o);
}
