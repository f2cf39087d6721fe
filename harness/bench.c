#include "harness/bench.h"

#include <string.h>
#include <time.h>

static const struct bench checksum = {"checksum", "Internet checksum vs memcpy over the same buffer, GB/s",
				      bench_checksum};

const struct bench *const capnet_benches[] = {
	&checksum,
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
