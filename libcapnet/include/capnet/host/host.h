/* Hosted runtime helpers (Linux/POSIX; not part of the freestanding core):
 * the monotonic clock that feeds `now`, and the getrandom()-backed
 * generator that is the default outside the simulator. */
#ifndef CAPNET_HOST_H
#define CAPNET_HOST_H

#include "capnet/rng.h"
#include "capnet/types.h"

/* CLOCK_MONOTONIC in microseconds. */
capnet_instant capnet_host_now(void);

/* A generator reading the kernel's CSPRNG through getrandom(2), buffered.
 * The struct is the caller's; it must outlive every user of the rng. */
struct capnet_host_rng {
	uint64_t buf[32];
	unsigned next;
};
struct capnet_rng capnet_host_rng(struct capnet_host_rng *h);

#endif
