/* Benchmarks: they print figures; nothing here is a pass/fail test. */
#ifndef CAPNET_HARNESS_BENCH_H
#define CAPNET_HARNESS_BENCH_H

#include <stdbool.h>
#include <stdint.h>

struct bench_ctx {
	bool json;
	double seconds;   /* target run time per measurement */
	bool seconds_given; /* --seconds was on the command line (else a bench may pick its own) */
	uint32_t conns;   /* --conns N (tcp-many); 0: the bench's default */
	unsigned busy_poll_us; /* --busy-poll US (tap): the libev runtime's busy-poll window */
	bool only_ping;   /* --only ping (tap): the ping RTTs alone */
	unsigned ping_gap_us; /* --ping-gap US (tap): pause after each reply */
	bool ping_gap_given;
	void *jresult;    /* json_t object the bench fills in json mode */
};

struct bench {
	const char *name;
	const char *summary;
	int (*run)(struct bench_ctx *ctx);
};

extern const struct bench *const capnet_benches[];
const struct bench *bench_find(const char *name);

/* Monotonic seconds, for benchmarks only (the core never reads a clock). */
double bench_now(void);
/* Process CPU seconds. */
double bench_cpu(void);

int bench_checksum(struct bench_ctx *ctx);
int bench_tcp_shuttle(struct bench_ctx *ctx);
int bench_tcp_sockets(struct bench_ctx *ctx);
int bench_tcp_many(struct bench_ctx *ctx);
int bench_tcp_loss(struct bench_ctx *ctx);
int bench_trace(struct bench_ctx *ctx);
int bench_tap(struct bench_ctx *ctx);

#endif
