#include "harness/tcp_sampler.h"

#include <stdlib.h>
#include <string.h>

/* A connection's last kept figures, to keep only changes. */
struct last {
	struct capnet_tcp_endpoint local, remote;
	uint32_t cwnd, ssthresh;
	bool in_recovery;
};

static struct {
	bool on, lost;
	const struct capnet_sim *recording;
	struct tcp_sample *v;
	size_t n, cap;
	struct last *last;
	size_t nlast, caplast;
} S;

void tcp_sampler_start(void)
{
	free(S.v);
	free(S.last);
	memset(&S, 0, sizeof S);
	S.on = true;
}

void tcp_sampler_stop(void)
{
	S.on = false;
	S.recording = NULL;
}

const struct tcp_sample *tcp_sampler_samples(size_t *n, bool *lost)
{
	*n = S.n;
	if (lost)
		*lost = S.lost;
	return S.v;
}

void tcp_sampler_recording(const struct capnet_sim *sim, bool recording)
{
	if (recording)
		S.recording = sim;
	else if (S.recording == sim)
		S.recording = NULL;
}

static bool same_conn(const struct last *l, const struct capnet_tcp_info *i)
{
	return memcmp(&l->local, &i->local, sizeof l->local) == 0 && memcmp(&l->remote, &i->remote, sizeof l->remote) == 0;
}

/* The entry of this connection (a new one when it has none); NULL when
 * memory ran out. */
static struct last *last_of(const struct capnet_tcp_info *i, bool *fresh)
{
	for (size_t k = 0; k < S.nlast; k++)
		if (same_conn(&S.last[k], i)) {
			*fresh = false;
			return &S.last[k];
		}
	if (S.nlast == S.caplast) {
		size_t cap = S.caplast ? S.caplast * 2 : 16;
		struct last *p = realloc(S.last, cap * sizeof *p);
		if (p == NULL)
			return NULL;
		S.last = p;
		S.caplast = cap;
	}
	struct last *l = &S.last[S.nlast++];
	memset(l, 0, sizeof *l);
	l->local = i->local;
	l->remote = i->remote;
	*fresh = true;
	return l;
}

static void keep(const struct capnet_tcp_info *i, capnet_instant now)
{
	bool fresh;
	struct last *l = last_of(i, &fresh);
	if (l == NULL) {
		S.lost = true;
		return;
	}
	if (!fresh && l->cwnd == i->cwnd && l->ssthresh == i->ssthresh && l->in_recovery == i->in_recovery)
		return;
	if (S.n == S.cap) {
		size_t cap = S.cap ? S.cap * 2 : 256;
		struct tcp_sample *p = realloc(S.v, cap * sizeof *p);
		if (p == NULL) {
			S.lost = true;
			return;
		}
		S.v = p;
		S.cap = cap;
	}
	S.v[S.n++] = (struct tcp_sample){.t = now,
					 .local = i->local,
					 .remote = i->remote,
					 .cwnd = i->cwnd,
					 .ssthresh = i->ssthresh,
					 .snd_una = i->snd_una,
					 .snd_nxt = i->snd_nxt,
					 .in_recovery = i->in_recovery};
	l->cwnd = i->cwnd;
	l->ssthresh = i->ssthresh;
	l->in_recovery = i->in_recovery;
}

void tcp_sampler_poll(const struct capnet_sim *sim, const struct capnet_stack *st, capnet_instant now)
{
	if (!S.on || sim == NULL || sim != S.recording || st == NULL)
		return;
	for (size_t k = 0; k < capnet_stack_ifaces(st); k++) {
		const struct capnet_tcp *tcp = capnet_stack_tcp(st, k);
		if (tcp == NULL)
			continue;
		for (const struct capnet_tcp_sock *s = capnet_tcp_next(tcp, NULL); s != NULL; s = capnet_tcp_next(tcp, s)) {
			struct capnet_tcp_info i;
			if (capnet_tcp_info(s, &i) != CAPNET_OK || i.listener || i.state < CAPNET_TCP_ESTABLISHED)
				continue;
			keep(&i, now);
		}
	}
}
