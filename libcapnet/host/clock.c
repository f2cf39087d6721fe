/* The hosted clock that feeds `now` (capnet/host/host.h): the core never
 * reads one (DESIGN rule 1); programs on a real host pass this. */
#include <time.h>

#include "capnet/host/host.h"

capnet_instant capnet_host_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (capnet_instant)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
