#include "harness/bench.h"

#include <string.h>
#include <time.h>

static const struct bench checksum = {"checksum", "Internet checksum vs memcpy over the same buffer, GB/s",
				      bench_checksum};

static const struct bench tcp_shuttle = {"tcp-shuttle",
					  "1 GiB between two stacks over the simulator: goodput, segments/s, ACKs per segment, CPU "
					  "seconds, and the ratio to the data-movement floor measured in the same run",
					  bench_tcp_shuttle};
static const struct bench tcp_sockets = {"tcp-sockets",
					  "bytes of state per connection; iface poll cost with 10 vs 10,000 idle connections",
					  bench_tcp_sockets};

static const struct bench tcp_many = {"tcp-many",
				       "N connections transferring at once over the simulator (default N = 1, 100, 10000): "
				       "aggregate goodput, ratio to one connection, arena bytes per connection; --conns N",
				       bench_tcp_many};
static const struct bench tcp_loss = {"tcp-loss",
				      "the lossy shuttle: 1 MiB completion times at 0.5/5/10/30% loss and with reordering, "
				      "fixed seeds (synthetic clock)",
				      bench_tcp_loss};

static const struct bench trace = {"trace",
				   "packet trace capture points: ns per frame through ingress with no trace, a header-only "
				   "capture, a filtered one",
				   bench_trace};

static const struct bench tap = {"tap",
				 "Linux -> libcapnet bulk TCP over TAP vs Linux -> Linux over veth (Gbit/s, ratio), ping RTT "
				 "medians; root, in namespaces it makes",
				 bench_tap};

const struct bench *const capnet_benches[] = {
	&checksum,
	&tcp_shuttle,
	&tcp_sockets,
	&tcp_many,
	&tcp_loss,
	&trace,
	&tap,
	NULL,
};

const struct bench *bench_find(const char *name)
{
	for (size_t i = 0; capnet_benches[i]; i++)
		if (strcmp(capnet_benches[i]->name, name) == 0)
			return capnet_benches[i];
	return NULL;
}

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
